/* SPDX-License-Identifier: MIT */
/* run.c - `sockaudit run`: validate the policy, find CMD, hand it the shim
 * through its environment, and run it under the chosen layers.
 *
 * Exit statuses follow env(1) and timeout(1): CMD's own status; 125 when
 * sockaudit itself failed or was used wrongly; 126 when CMD cannot be
 * executed; 127 when it is not found; 128+N when it was killed by signal N.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "event.h"
#include "layers.h"
#include "load.h"
#include "run.h"
#include "run_cli.h"
#include "sink.h"

#define RUN_EXIT_FAILED 125
#define RUN_EXIT_CANNOT_EXEC 126
#define RUN_EXIT_NOT_FOUND 127

#define RUN_SHIM_NAME "libsockaudit.so"

/* The embedded default with a mode of its own, for --mode without -p: the
 * shim and the supervisor then log the same "mode". */
static const char run_default_policy[] =
	"{\"version\": 1, \"mode\": \"audit\", \"default\": {\"action\": \"allow\"}, "
	"\"rules\": []}";

static void run_usage(FILE *out)
{
	fprintf(out,
		"Usage: sockaudit run [OPTION]... [--] CMD [ARG]...\n"
		"Run CMD with every socket it creates or shuts down logged as one JSON\n"
		"line and checked against a policy.\n"
		"\n"
		"  -p, --policy=POLICY  the policy file; without one: audit mode, allow\n"
		"                       and log everything\n"
		"  -o, --log=LOG        append events to the file LOG (default, or '-':\n"
		"                       CMD's standard error); 'syslog[:/SOCKET]': RFC 5424\n"
		"                       messages to /dev/log; 'journal[:/SOCKET]': entries\n"
		"                       to systemd-journald (see sockaudit-syslog(7));\n"
		"                       SIGHUP to sockaudit opens a LOG file again (after\n"
		"                       logrotate renamed it)\n"
		"      --mode=MODE      audit or enforce, instead of the policy's mode\n"
		"      --layer=LAYER    auto (default): preload shim, seccomp filter and\n"
		"                       notify supervisor; preload: the LD_PRELOAD shim\n"
		"                       alone; seccomp: the kernel filter and supervisor\n"
		"      --log-max-size=SIZE  rotate LOG once it holds SIZE bytes (K, M, G:\n"
		"                       KiB, MiB, GiB): LOG becomes LOG.1, LOG.1 LOG.2...\n"
		"      --log-keep=N     keep N rotated files (default 5), the oldest goes\n"
		"      --log-mode=MODE  LOG's mode, in octal (e.g. 0640), umask aside\n"
		"      --log-group=GROUP  LOG's group (a log shipper's)\n"
		"  -q, --quiet          no summary of denials at the end, no notes\n"
		"  -h, --help           print this help\n"
		"\n"
		"Exit status: CMD's own; 125 when sockaudit failed or was used wrongly,\n"
		"126 when CMD cannot be executed, 127 when CMD is not found, 128+N when\n"
		"CMD was killed by signal N.  See sockaudit-run(1).\n");
}

/* The one policy of the run: parsed here for the kernel filter and the
 * supervisor, and its text in a sealed memfd for every shim (layers.h). */
struct run_policy {
	const struct policy *policy;
	struct policy *owned;		/* what to free, or NULL */
	int snap_fd;			/* the snapshot, inheritable; -1: none */
	struct evlog_sink_id snap_id;
};

/* TEXT (LEN bytes) in a new memfd that nobody can change any more, handed
 * to CMD's tree at a high descriptor.  Returns it, or -errno. */
static int run_snapshot(const char *text, size_t len, struct evlog_sink_id *id)
{
	struct stat st;
	size_t n = 0;
	ssize_t w;
	int fd, ret;

	fd = memfd_create("sockaudit-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/* pwrite: the offset stays 0, for whoever reads it with read(2). */
	while (n < len) {
		w = pwrite(fd, text + n, len - n, (off_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w == 0)
			errno = EIO;
		if (w <= 0)
			goto fail;
		n += (size_t)w;
	}
	if (fcntl(fd, F_ADD_SEALS, LAYERS_POLICY_SEALS) < 0 || fstat(fd, &st) < 0)
		goto fail;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	ret = evlog_sink_fd_inherit(fd, EVLOG_SINK_SLOT_POLICY);
	if (ret < 0)
		close(fd);
	return ret;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

/* Read and validate the policy once, before anything runs, from whatever
 * -p names (a FIFO, /dev/fd/N: read once, never opened again).  Errors and
 * warnings are printed compiler-style (load.h); any error means 125 and
 * CMD never starts.  Without -p the shims apply their embedded default, the
 * one the launcher applies, in the run's mode (SOCKAUDIT_MODE): no
 * snapshot. */
static int run_policy(const struct run_opts *o, struct run_policy *rp)
{
	static const struct cli_load_opts load = {
		.verb = "run", .warnings = true, .outcome = "nothing was run",
	};
	struct cli_policy lp;
	int ret;

	rp->owned = NULL;
	rp->snap_fd = -1;
	if (!o->policy_path && !o->mode_set) {
		rp->policy = policy_default();
		return 0;
	}
	if (o->policy_path)
		ret = cli_policy_load(&load, o->policy_path, &lp);
	else
		ret = cli_policy_parse(&load, "(default policy)", run_default_policy,
				       sizeof(run_default_policy) - 1, &lp);
	if (ret < 0)
		return ret;
	/* Only a shim needs the text (--layer seccomp has none). */
	if (o->policy_path && o->layer != RUN_LAYER_SECCOMP) {
		rp->snap_fd = run_snapshot(lp.text, lp.len, &rp->snap_id);
		if (rp->snap_fd < 0) {
			ret = rp->snap_fd;
			cli_error("run", "cannot hand the policy to the shim: memfd: %s",
				  strerror(-ret));
			cli_policy_free(&lp);
			return ret;
		}
	}
	rp->owned = lp.policy;
	lp.policy = NULL;
	cli_policy_free(&lp);
	if (o->mode_set)
		policy_set_mode(rp->owned, o->mode);
	rp->policy = rp->owned;
	return 0;
}

static void run_policy_free(struct run_policy *rp)
{
	if (rp->snap_fd >= 0)
		close(rp->snap_fd);
	if (rp->owned)
		policy_free(rp->owned);
}

/* The log, opened once here for the whole run: its identity binds the
 * shim's marker (layers.h), the supervisor writes through it, and the tally
 * collects what every writer of the run could not write. */
struct run_log {
	struct evlog_sink sink;
	struct evlog_sink_tally *tally;	/* NULL: none (then nobody counts for us) */
	int tally_fd;
	struct evlog_sink_id tally_id;
	struct evlog_ring ring;		/* in the tally's memfd; a log file only */
	struct evlog_drain drain;	/* the one writer of the log */
	bool draining;
};

/* A FIFO log whose reader is not there yet, as strace -o treats one: wait
 * for the reader before anything runs (the sink's own open never waits: its
 * open file description is non-blocking, and a reader that stops reading
 * later costs lines, counted, not the program's progress).  Returns a
 * descriptor that keeps the FIFO open until the sink has opened it, or -1. */
static int run_log_fifo_reader(const char *path)
{
	struct stat st;
	int fd;

	if (path[0] != '/' || stat(path, &st) < 0 || !S_ISFIFO(st.st_mode))
		return -1;
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 || errno != ENXIO)
		return fd;
	fprintf(stderr, "sockaudit run: waiting for a reader of the FIFO %s\n", path);
	return open(path, O_WRONLY | O_CLOEXEC);
}

/* Open -o GIVEN ('-' or none: standard error; a relative path is taken from
 * the current directory, so that CMD logs to the same file wherever it
 * goes) as the shim and the supervisor do.  A file is created now, so that
 * a log that cannot be written is an error before CMD runs rather than
 * events silently lost. */
static int run_log_open(const struct run_opts *o, gid_t gid, struct run_log *log)
{
	const char *given = o->log_path;
	char cwd[PATH_MAX], *path = NULL;
	int ret, reader;

	memset(&log->drain, 0, sizeof(log->drain));	/* run_log_close() frees it */
	log->tally = NULL;
	log->tally_fd = -1;
	log->ring.h = NULL;
	log->draining = false;
	if (given && !*given) {
		cli_error("run", "empty log path");
		return -EINVAL;
	}
	if (given && (!strncmp(given, "syslog:", 7) || !strncmp(given, "journal:", 8)) &&
	    !evlog_sink_spec_messages(given)) {
		cli_error("run", "'%s': the socket of %.*s must be an absolute path", given,
			  (int)(strchr(given, ':') - given), given);
		return -EINVAL;
	}
	if (!given || !strcmp(given, "-")) {
		path = strdup("stderr");
	} else if (given[0] == '/' || evlog_sink_spec_messages(given)) {
		/* syslog[:/SOCKET], journal[:/SOCKET]: a daemon's socket. */
		path = strdup(given);
	} else {
		if (!getcwd(cwd, sizeof(cwd))) {
			cli_error("run", "cannot make '%s' absolute: %s", given, strerror(errno));
			return -errno;
		}
		if (asprintf(&path, "%s/%s", strcmp(cwd, "/") ? cwd : "", given) < 0)
			path = NULL;
	}
	if (!path) {
		cli_error("run", "out of memory");
		return -ENOMEM;
	}
	reader = run_log_fifo_reader(path);
	ret = evlog_sink_open_mode(&log->sink, path, o->log_mode, gid);
	if (reader >= 0)
		close(reader);
	if (ret < 0 && evlog_sink_spec_messages(path) && !strchr(path, ':'))
		/* "syslog" alone: the socket it means, and what it is. */
		cli_error("run", "cannot write the log %s (%s): %s", path,
			  evlog_sink_spec_path(path), strerror(-ret));
	else if (ret < 0)
		cli_error("run", "cannot write the log %s: %s", path, strerror(-ret));
	else if (evlog_sink_error(&log->sink))
		cli_error("run", "warning: cannot give the log %s its mode or group: %s",
			  path, strerror(evlog_sink_error(&log->sink)));
	free(path);
	if (ret < 0)
		return ret;
	/* Only the supervisor writes through it, in this process, where no
	 * program runs that could replace the descriptor. */
	evlog_sink_trust_fd(&log->sink);
	/* Without a tally the losses of the shims would reach nobody: a
	 * failure here is sockaudit's.  A log file gets the ring too (ring.h):
	 * the tree's lines go through us.  So does a syslog or journal socket:
	 * one sender, the events in order, and a slow daemon costs the
	 * program nothing (sink.h).  The stderr log does not: it is read as it
	 * goes, line by line with the program's own messages. */
	if (evlog_sink_spec_path(evlog_sink_spec(&log->sink)))
		log->tally_fd = evlog_ring_create(&log->ring, &log->tally, &log->tally_id,
						  evlog_sink_spec(&log->sink));
	else
		log->tally_fd = evlog_sink_tally_create(&log->tally, &log->tally_id, 0);
	if (log->tally_fd < 0) {
		cli_error("run", "cannot create the tally of lost events: %s",
			  strerror(-log->tally_fd));
		log->tally = NULL;
		evlog_sink_close(&log->sink);
		return log->tally_fd;
	}
	evlog_sink_attach(&log->sink, log->tally);
	ret = evlog_drain_start(&log->drain, &log->sink, &log->ring, log->tally);
	if (ret < 0) {
		cli_error("run", "cannot start writing the log: %s", strerror(-ret));
		evlog_sink_close(&log->sink);
		return ret;
	}
	log->draining = true;
	if (o->log_max_size)
		evlog_drain_rotate_at(&log->drain, o->log_max_size, o->log_keep);
	return 0;
}

static void run_log_close(struct run_log *log)
{
	if (log->draining)
		evlog_drain_stop(&log->drain);
	evlog_drain_free(&log->drain);
	evlog_sink_close(&log->sink);
	if (log->tally_fd >= 0)
		close(log->tally_fd);
	/* The tally's mapping holds the ring too: the process ends soon
	 * after, which unmaps it. */
}

/* What run says at the end when the log is incomplete.  CMD's own exit
 * status is kept, as strace keeps the traced command's: the audit reports
 * its own failure on stderr (and `sockaudit report` in the log) without
 * turning a passing command into a failing one. */
static void run_log_summary(struct run_log *log, bool quiet);

/* "3 calls" / "1 call". */
static const char *run_calls(uint64_t n)
{
	return n == 1 ? "call" : "calls";
}

/* The one line at the end that says the policy stopped something, or would
 * have (audit mode), and where to look: strace -c and auditd's summaries
 * in one line, on stderr, where CMD's own output is not. */
static void run_denials(const struct run_log *log)
{
	const struct evlog_sink_tally *t = log->tally;
	uint64_t denied, killed, would;
	const char *spec = evlog_sink_spec(&log->sink);

	if (!t)
		return;
	denied = atomic_load(&t->denied);
	killed = atomic_load(&t->killed);
	would = atomic_load(&t->would_deny);
	denied += killed;
	if (!denied && !would)
		return;
	fprintf(stderr, "sockaudit run: ");
	if (denied) {
		fprintf(stderr, "%" PRIu64 " %s denied by the policy", denied, run_calls(denied));
		if (killed)
			fprintf(stderr, " (%" PRIu64 " by killing the process)", killed);
	}
	if (would && denied)
		fprintf(stderr, ", %" PRIu64 " would have been denied (audit mode)", would);
	else if (would)
		fprintf(stderr, "%" PRIu64 " %s would have been denied (audit mode)", would,
			run_calls(would));
	if (spec[0] == '/')
		fprintf(stderr, "; see %s\n", spec);
	else
		fprintf(stderr, "; see the events above\n");
}

static void run_log_summary(struct run_log *log, bool quiet)
{
	struct event_loss rec = { .pid = getpid() };
	uint64_t total, own, shims;
	char line[EVENT_LINE_MAX];
	size_t len;

	/* Everything the tree committed to the ring first. */
	if (log->draining) {
		evlog_drain_stop(&log->drain);
		log->draining = false;
	}
	if (!quiet)
		run_denials(log);
	total = log->tally ? atomic_load(&log->tally->lost) : 0;
	own = evlog_sink_lost(&log->sink);
	shims = total > own ? total - own : 0;
	if (!shims && !own)
		return;
	/* The loss in the log itself, for `sockaudit report`: the only record
	 * of losses no later seq shows.  On a disk still full it is lost too,
	 * and stderr below is all there is. */
	clock_gettime(CLOCK_REALTIME, &rec.ts);
	rec.by[EVENT_PRELOAD] = shims;
	rec.by[EVENT_NOTIFY] = own;
	len = event_format_loss(line, sizeof(line), &rec);
	if (len)
		evlog_sink_write(&log->sink, line, len, getpid());
	fprintf(stderr, "sockaudit run: warning: %" PRIu64 " event(s) could not be written "
		"to the log %s (%" PRIu64 " by the preload shim, %" PRIu64
		" by the notify supervisor): it is incomplete\n",
		shims + own, evlog_sink_spec(&log->sink), shims, own);
}

/* libsockaudit.so: $SOCKAUDIT_SHIM (tests), else next to this sockaudit
 * binary (the build tree), else where `make install` puts it. */
static char *run_find_shim(void)
{
	const char *env = getenv("SOCKAUDIT_SHIM");
	char self[PATH_MAX], *slash, *path = NULL;
	ssize_t n;

	if (env && *env)
		return realpath(env, NULL);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (asprintf(&path, "%s/%s", self, RUN_SHIM_NAME) < 0)
				return NULL;
			if (access(path, R_OK) == 0)
				return path;
			free(path);
		}
	}
	if (access(SOCKAUDIT_LIBDIR "/" RUN_SHIM_NAME, R_OK) == 0)
		return strdup(SOCKAUDIT_LIBDIR "/" RUN_SHIM_NAME);
	return NULL;
}

/* A random non-zero marker for the shim's own syscalls (layers.h). */
static int run_marker(uint64_t *marker)
{
	do {
		if (getrandom(marker, sizeof(*marker), 0) != sizeof(*marker))
			return -errno;
	} while (!*marker);
	return 0;
}

/* A sanitized shim brings LeakSanitizer into CMD, which would report CMD's
 * own leaks at exit and change its exit status: the audit must not.  An
 * explicit detect_leaks in ASAN_OPTIONS is left as it is. */
static int run_env_no_leaks(char ***env)
{
	const char *old = run_cli_env_get(*env, "ASAN_OPTIONS");
	char *opts;
	int ret;

	if (old && strstr(old, "detect_leaks"))
		return 0;
	if (asprintf(&opts, "%s%sdetect_leaks=0", old ? old : "", old && *old ? ":" : "") < 0)
		return -ENOMEM;
	ret = run_cli_env_set(env, "ASAN_OPTIONS", opts);
	free(opts);
	return ret;
}

/* Put the shim into ENV's LD_PRELOAD (preload and auto layers). */
static int run_env_shim(char ***env, enum run_layer layer, const struct run_log *log,
			uint64_t *marker)
{
	char runtime[256], hex[17 + 1 + EVLOG_SINK_ID_TEXT], id[EVLOG_SINK_ID_TEXT];
	char *shim, *preload = NULL;
	struct evlog_sink_id log_id;
	bool has_runtime;
	int ret = -1;

	shim = run_find_shim();
	if (!shim && getenv("SOCKAUDIT_SHIM") && *getenv("SOCKAUDIT_SHIM")) {
		/* An explicit choice that does not work is never replaced. */
		cli_error("run", "SOCKAUDIT_SHIM=%s: %s", getenv("SOCKAUDIT_SHIM"),
			  strerror(errno));
		return -1;
	}
	if (!shim) {
		if (layer == RUN_LAYER_PRELOAD) {
			cli_error("run", "cannot find %s (looked next to this program "
				  "and in %s): the preload layer cannot run",
				  RUN_SHIM_NAME, SOCKAUDIT_LIBDIR);
			return -1;
		}
		cli_error("run", "warning: cannot find %s: only the kernel layers will "
			  "log and decide", RUN_SHIM_NAME);
		return 0;
	}
	/* ld.so splits LD_PRELOAD at ':' and ' ': such a path cannot go in. */
	if (strpbrk(shim, ": ")) {
		cli_error("run", "%s: the shim's path holds ':' or ' ', which LD_PRELOAD "
			  "cannot carry", shim);
		goto out;
	}
	/* A shim built with ASan needs the ASan runtime loaded before it. */
	has_runtime = run_cli_needed_sanitizer(shim, runtime, sizeof(runtime)) == 0;
	preload = run_cli_preload(run_cli_env_get(*env, "LD_PRELOAD"), shim,
				  has_runtime ? runtime : NULL);
	if (!preload || run_cli_env_set(env, "LD_PRELOAD", preload) < 0)
		goto nomem;
	if (has_runtime && run_env_no_leaks(env) < 0)
		goto nomem;
	if (layer == RUN_LAYER_AUTO) {
		if (run_marker(marker) < 0) {
			cli_error("run", "getrandom: %s", strerror(errno));
			goto out;
		}
		/* Bound to the log: the shim marks only what it writes there. */
		if (evlog_sink_identity(&log->sink, &log_id) < 0) {
			cli_error("run", "the log has no descriptor");
			goto out;
		}
		snprintf(hex, sizeof(hex), "%016" PRIx64 ":%s", *marker,
			 evlog_sink_id_format(&log_id, id, sizeof(id)));
		if (run_cli_env_set(env, LAYERS_ENV_MARKER, hex) < 0)
			goto nomem;
	}
	ret = 0;
	goto out;
nomem:
	cli_error("run", "out of memory");
out:
	free(preload);
	free(shim);
	return ret;
}

/* CMD's environment: ours, with the shim's variables set to what this run
 * decided, so that an inherited SOCKAUDIT_* never contradicts it.  The
 * policy is the snapshot, never a path (layers.h).  The mode is always set,
 * to the validated policy's (or --mode's): a shim that then cannot read the
 * snapshot (the program closed its descriptor before exec) fails closed in
 * the run's mode, never in enforce mode under an audit policy. */
static char **run_env(const struct run_opts *o, const struct run_policy *rp,
		      const struct run_log *log, uint64_t *marker)
{
	char **env = run_cli_env_dup(environ);
	char tally[EVLOG_SINK_FD_TEXT], snap[EVLOG_SINK_FD_TEXT];
	const char *mode = policy_mode_name(policy_mode(rp->policy));

	if (!env)
		goto nomem;
	evlog_sink_fd_format(log->tally_fd, &log->tally_id, tally, sizeof(tally));
	evlog_sink_fd_format(rp->snap_fd, &rp->snap_id, snap, sizeof(snap));
	if (run_cli_env_set(&env, LAYERS_ENV_POLICY, NULL) < 0 ||
	    run_cli_env_set(&env, LAYERS_ENV_POLICY_FD, rp->snap_fd >= 0 ? snap : NULL) < 0 ||
	    run_cli_env_set(&env, LAYERS_ENV_LOG, evlog_sink_spec(&log->sink)) < 0 ||
	    run_cli_env_set(&env, LAYERS_ENV_MODE, mode) < 0 ||
	    run_cli_env_set(&env, LAYERS_ENV_MARKER, NULL) < 0 ||
	    run_cli_env_set(&env, LAYERS_ENV_TALLY,
			    o->layer != RUN_LAYER_SECCOMP ? tally : NULL) < 0)
		goto nomem;
	*marker = 0;
	if (o->layer != RUN_LAYER_SECCOMP && run_env_shim(&env, o->layer, log, marker) < 0)
		goto fail;
	return env;
nomem:
	cli_error("run", "out of memory");
fail:
	run_cli_env_free(env);
	return NULL;
}

/* Say when the preload layer cannot see CMD; never a failure.  Warnings
 * for --layer preload, which then logs nothing; notes (not with -q) for
 * the kernel layers, which see it. */
static void run_warn_blind(const char *exe, enum run_layer layer, bool quiet)
{
	char *culprit, what[PATH_MAX + 64], is[256], caps[192];
	enum run_blind b = run_cli_blind(exe, &culprit);

	if (b == RUN_SEES) {
		/* Dynamic, so the shim is loaded, but Go makes its sockets with
		 * raw system calls: the shim sees none of them. */
		if (layer == RUN_LAYER_PRELOAD && run_cli_is_go(exe))
			fprintf(stderr, "sockaudit run: warning: %s is a Go program: Go makes "
				"its sockets with raw system calls, not through libc, so the "
				"preload layer sees none of them; use --layer auto (the "
				"default) or --layer seccomp\n", exe);
		return;
	}
	if (b == RUN_BLIND_STATIC)
		snprintf(is, sizeof(is), "statically linked");
	else if (b == RUN_BLIND_FCAPS && run_cli_file_caps(culprit, caps, sizeof(caps)) > 0)
		snprintf(is, sizeof(is), "has file capabilities (%s)", caps);
	else if (b == RUN_BLIND_FCAPS)
		snprintf(is, sizeof(is), "has file capabilities");
	else
		snprintf(is, sizeof(is), "setuid or setgid");
	if (strcmp(culprit, exe))
		snprintf(what, sizeof(what), "%s runs %s, which %s%s", exe, culprit,
			 b == RUN_BLIND_FCAPS ? "" : "is ", is);
	else
		snprintf(what, sizeof(what), "%s %s%s", exe, b == RUN_BLIND_FCAPS ? "" : "is ", is);
	if (layer == RUN_LAYER_PRELOAD)
		fprintf(stderr, "sockaudit run: warning: %s: the preload layer cannot see "
			"its sockets; use --layer auto (the default) or --layer seccomp\n",
			what);
	else if (quiet)
		;
	else if (b == RUN_BLIND_STATIC)
		fprintf(stderr, "sockaudit run: note: %s: the kernel layers (seccomp "
			"filter + notify supervisor) see its sockets, the preload layer "
			"does not\n", what);
	else
		fprintf(stderr, "sockaudit run: note: %s: the seccomp layer sets "
			"no_new_privs, so it runs without those %s\n", what,
			b == RUN_BLIND_FCAPS ? "capabilities" : "privileges");
	free(culprit);
}

/*
 * The limit of descriptors.  run needs a dozen descriptors of its own (the
 * policy, the log, memfds, pipes, the listener), and the ones it hands CMD
 * (the policy snapshot, the tally and ring) must not take numbers CMD could
 * have used.  So run raises its own soft limit to the hard one, puts the
 * inherited descriptors above CMD's soft limit (sink.c), and gives CMD its
 * own limit back before exec.
 */
static struct rlimit run_cmd_limit;
static bool run_limit_raised;

static void run_limits_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &run_cmd_limit) < 0 ||
	    run_cmd_limit.rlim_cur >= run_cmd_limit.rlim_max)
		return;
	rl.rlim_cur = run_cmd_limit.rlim_max < 65536 ? run_cmd_limit.rlim_max : 65536;
	rl.rlim_max = run_cmd_limit.rlim_max;
	if (rl.rlim_cur <= run_cmd_limit.rlim_cur || setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	run_limit_raised = true;
	evlog_sink_program_limit(run_cmd_limit.rlim_cur);
}

void run_limits_restore(void)
{
	if (run_limit_raised)
		setrlimit(RLIMIT_NOFILE, &run_cmd_limit);
}

/* ---- the preload layer alone: fork, exec, wait ---- */

static volatile sig_atomic_t run_child;
/* The drain that SIGHUP makes open the log again; NULL: the stderr log,
 * and SIGHUP is CMD's like the others. */
static struct evlog_drain *run_hup_drain;

static const int run_forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };
#define RUN_NFORWARDED (sizeof(run_forwarded) / sizeof(run_forwarded[0]))

static void run_forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* logrotate's postrotate convention: the launcher's log, not CMD's. */
	if (sig == SIGHUP && run_hup_drain) {
		evlog_drain_reopen(run_hup_drain);
		return;
	}
	/* A signal the kernel sent (^C, a hangup) went to CMD's whole process
	 * group already; one sent to sockaudit alone is passed on. */
	if (si->si_code != SI_KERNEL && run_child > 0)
		kill(run_child, sig);
}

/* What the child of run_preload needs, and what it says back: it shares
 * our memory until its exec, as posix_spawn's does. */
struct run_spawn {
	const char *exe;
	char **argv, **env;
	sigset_t mask;
	int err;		/* execve's errno; 0: it worked */
};

/* The child's stack, in run_preload's frame (suspended while the child
 * runs): what execve needs. */
#define RUN_SPAWN_STACK (16 * 1024)

static int run_spawn_child(void *arg)
{
	struct run_spawn *sp = arg;

	sigprocmask(SIG_SETMASK, &sp->mask, NULL);
	run_limits_restore();
	execve(sp->exe, sp->argv, sp->env);
	sp->err = errno;
	_exit(sp->err == ENOENT ? RUN_EXIT_NOT_FOUND : RUN_EXIT_CANNOT_EXEC);
}

/* Start CMD without copying our address space (fork would copy its page
 * tables, and its exec tear that copy down again): clone(CLONE_VM |
 * CLONE_VFORK) suspends us until the child has exec'd or died, and the
 * child touches nothing of ours but SP and its own stack. */
static int run_preload(const char *exe, char **argv, char **env)
{
	struct sigaction sa = { .sa_sigaction = run_forward, .sa_flags = SA_SIGINFO | SA_RESTART };
	char stack[RUN_SPAWN_STACK] __attribute__((aligned(64)));
	struct run_spawn sp = { .exe = exe, .argv = argv, .env = env };
	sigset_t block, old;
	int status, err;
	pid_t pid;

	/* Block the forwarded signals until run_child is set, so none is lost
	 * between fork and the handler knowing whom to forward to. */
	sigemptyset(&block);
	for (size_t i = 0; i < RUN_NFORWARDED; i++)
		sigaddset(&block, run_forwarded[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	sp.mask = old;
	pid = clone(run_spawn_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &sp);
	if (pid < 0) {
		err = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		cli_error("run", "clone: %s", strerror(err));
		return RUN_EXIT_FAILED;
	}
	if (sp.err)
		cli_error("run", "%s: %s", exe, strerror(sp.err));
	run_child = pid;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < RUN_NFORWARDED; i++)
		sigaction(run_forwarded[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cli_error("run", "waitpid: %s", strerror(errno));
			return RUN_EXIT_FAILED;
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int cmd_run(int argc, char **argv)
{
	struct run_policy rp = { .snap_fd = -1 };
	char err[256], *exe = NULL, **env = NULL;
	int ret, status = RUN_EXIT_FAILED;
	struct run_log *log = NULL;
	struct run_opts o;
	uint64_t marker = 0;
	gid_t gid = (gid_t)-1;

	if (run_cli_parse(argc, argv, &o, err, sizeof(err)) < 0) {
		cli_usage_error("run", "%s", err);
		return RUN_EXIT_FAILED;
	}
	if (o.help) {
		run_usage(stdout);
		return 0;
	}
	if ((o.log_max_size || o.log_mode >= 0 || o.log_group) &&
	    (!o.log_path || !strcmp(o.log_path, "-"))) {
		cli_usage_error("run", "--log-max-size, --log-mode and --log-group need "
				"a log file (-o LOG)");
		return RUN_EXIT_FAILED;
	}
	if (o.log_group && run_cli_group(o.log_group, &gid) < 0) {
		cli_usage_error("run", "--log-group: no such group '%s'", o.log_group);
		return RUN_EXIT_FAILED;
	}
	run_limits_raise();
	if (run_policy(&o, &rp) < 0)
		goto out;
	log = malloc(sizeof(*log));
	if (!log) {
		cli_error("run", "out of memory");
		goto out;
	}
	if (run_log_open(&o, gid, log) < 0) {
		free(log);
		log = NULL;
		goto out;
	}
	/* No shim to count in it: CMD does not get the tally. */
	if (o.layer == RUN_LAYER_SECCOMP)
		fcntl(log->tally_fd, F_SETFD, FD_CLOEXEC);
	ret = run_cli_resolve(o.cmd[0], getenv("PATH"), &exe);
	if (ret == -ENOENT) {
		cli_error("run", "%s: command not found", o.cmd[0]);
		status = RUN_EXIT_NOT_FOUND;
		goto out;
	}
	if (ret == -EACCES) {
		cli_error("run", "%s: %s", exe, strerror(EACCES));
		status = RUN_EXIT_CANNOT_EXEC;
		goto out;
	}
	if (ret < 0) {
		cli_error("run", "%s: %s", o.cmd[0], strerror(-ret));
		goto out;
	}
	run_warn_blind(exe, o.layer, o.quiet);
	if (evlog_sink_spec(&log->sink)[0] == '/')
		run_hup_drain = &log->drain;
	env = run_env(&o, &rp, log, &marker);
	if (!env)
		goto out;
	/* Nothing of ours may reach CMD's stdout after it starts. */
	fflush(stdout);
	fflush(stderr);
	if (o.layer == RUN_LAYER_PRELOAD) {
		status = run_preload(exe, o.cmd, env);
	} else {
		struct run_spec spec = {
			.policy = rp.policy,
			.log = &log->sink,
			.drain = &log->drain,
			.layer = o.layer,
			.exe_path = exe,
			.argv = o.cmd,
			.envp = env,
			.marker = marker,
		};

		status = supervise_run(&spec);
	}
	run_log_summary(log, o.quiet);
out:
	run_cli_env_free(env);
	free(exe);
	if (log) {
		run_log_close(log);
		free(log);
	}
	run_policy_free(&rp);
	return status;
}
