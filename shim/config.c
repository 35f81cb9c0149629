/* SPDX-License-Identifier: MIT */
/* config.c - the shim's one-time set-up and its log.
 *
 * Init runs once per process image: from our constructor, or from the first
 * intercepted call when that comes earlier (another library's constructor
 * may create a socket before ours ran).  It binds the real functions, reads
 * the environment, loads the policy and opens the log.  Everything that
 * allocates or reads files happens here and never on the hot path.
 *
 * Init copies every string of the environment it will need later into the
 * shim's own storage and keeps no pointer into the environment: daemons
 * rewrite their environment block for their process title (sshd, nginx,
 * redis), and the log is reopened by its path long after init.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "layers.h"
#include "shim.h"
#include "sink.h"

struct shim_real shim_real;
struct shim_config shim_cfg;

/* An environment value too long for the shim's copy (shim_env_copy). */
static const char shim_env_refused[] = "";

/*
 * The init state is a plain atomic, not pthread_once or a mutex: a lock held
 * by another thread at fork() stays held forever in the child, and a signal
 * handler that interrupts init on its own thread would deadlock on it.
 */
_Atomic int shim_state;		/* enum shim_state (shim.h) */
static _Atomic pid_t shim_init_tid;	/* the thread running init */
static _Atomic pid_t shim_init_pid;	/* ... and its process */

/* How long a thread waits for another thread's init before giving up.  It
 * can only run out when the initializing thread waits for this one: a
 * library constructor that calls socket() while holding the dynamic loader's
 * lock that init's dlopen()/dlsym() need. */
#define SHIM_INIT_WAIT_NS (2ULL * 1000 * 1000 * 1000)

long shim_raw_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
#if defined(__x86_64__)
	long ret;
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	register long x2 __asm__("x2") = a2;
	register long x3 __asm__("x3") = a3;
	register long x4 __asm__("x4") = a4;
	register long x5 __asm__("x5") = a5;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
#else
	/* Elsewhere the libc syscall() is the only way; it sets errno. */
	long (*fn)(long, ...) = shim_real.syscall;
	long ret;

	if (!fn)
		return -ENOSYS;
	ret = fn(nr, a0, a1, a2, a3, a4, a5);
	return ret == -1 ? -errno : ret;
#endif
}

void shim_say(const char *first, ...)
{
	char buf[1024];
	size_t n = 0;
	const char *s;
	va_list ap;

	memcpy(buf, "sockaudit: ", 11);
	n = 11;
	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *)) {
		size_t len = strlen(s);

		if (len > sizeof(buf) - 1 - n)
			len = sizeof(buf) - 1 - n;
		memcpy(buf + n, s, len);
		n += len;
	}
	va_end(ap);
	buf[n++] = '\n';
	/* Best effort: nothing to do when stderr is gone. */
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

/* Bind the real functions: one per row of calls.def, and syscall().
 * Missing ones stay NULL and the raw system call replaces them; say so,
 * since it means an unusual libc. */
static void *shim_bind_one(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (!fn)
		shim_say("no next definition of ", name, "(); using the raw system call", NULL);
	return fn;
}

static void shim_bind(void)
{
	void *sys;

	for (int i = 0; i < CALLS_COUNT; i++)
		shim_real.fn[i] = shim_bind_one(calls_table[i].name);
	sys = shim_bind_one("syscall");
	memcpy(&shim_real.syscall, &sys, sizeof(sys));
	/* The descriptor calls (fds.c); a libc without closefrom or
	 * close_range (older than 2.34) gets the system call. */
	sys = shim_bind_one("close");
	memcpy(&shim_real_fds.close, &sys, sizeof(sys));
	sys = shim_bind_one("dup2");
	memcpy(&shim_real_fds.dup2, &sys, sizeof(sys));
	sys = shim_bind_one("dup3");
	memcpy(&shim_real_fds.dup3, &sys, sizeof(sys));
	sys = dlsym(RTLD_NEXT, "close_range");
	memcpy(&shim_real_fds.close_range, &sys, sizeof(sys));
	sys = dlsym(RTLD_NEXT, "closefrom");
	memcpy(&shim_real_fds.closefrom, &sys, sizeof(sys));
}

/* Read a small file into BUF (NUL-terminated), without stdio. */
static ssize_t shim_read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static void shim_identity(void)
{
	ssize_t n = readlink("/proc/self/exe", shim_cfg.exe, sizeof(shim_cfg.exe) - 1);

	shim_cfg.exe[n > 0 ? n : 0] = '\0';
	n = shim_read_small("/proc/self/comm", shim_cfg.comm, sizeof(shim_cfg.comm));
	if (n > 0 && shim_cfg.comm[n - 1] == '\n')
		shim_cfg.comm[n - 1] = '\0';
	shim_cfg.ident_len = event_format_ident(shim_cfg.ident, sizeof(shim_cfg.ident),
						shim_cfg.exe, shim_cfg.comm);
}

/* SOCKAUDIT_MARKER: "MARKER:DEV:INO" (layers.h). */
static void shim_parse_marker(const char *s)
{
	const char *end;
	char *p;
	unsigned long long v;

	shim_cfg.marker = 0;
	if (!s || !*s)
		return;
	errno = 0;
	v = strtoull(s, &p, 16);
	end = !errno && *p == ':' ? evlog_sink_id_parse(p + 1, &shim_cfg.log_id) : NULL;
	if (!end || *end || !v) {
		shim_say(LAYERS_ENV_MARKER "='", s,
			 "' is not MARKER:DEV:INO in hex; ignored", NULL);
		return;
	}
	shim_cfg.marker = v;
}

const char *shim_strerror(int err)
{
	const char *s = strerrordesc_np(err);

	return s ? s : "error";
}

/* The run's policy snapshot, SOCKAUDIT_POLICY_FD "FD:DEV:INO" (layers.h):
 * parsed from that memfd if FD still is it, with every seal.  Returns what
 * policy_load_fd() does, or -EBADF (said here) when the descriptor is not
 * the snapshot any more. */
static int shim_load_snapshot(const char *spec, const char *then, struct policy **p,
			      struct policy_diags *diags)
{
	struct evlog_sink_id id;
	struct stat st;
	int fd, seals;

	if (evlog_sink_fd_parse(spec, &fd, &id) < 0) {
		shim_say(LAYERS_ENV_POLICY_FD "='", spec, "' is not FD:DEV:INO", then, NULL);
		return -EBADF;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (fstat(fd, &st) < 0 || st.st_dev != id.dev || st.st_ino != id.ino ||
	    seals < 0 || (seals & LAYERS_POLICY_SEALS) != LAYERS_POLICY_SEALS) {
		shim_say("the run's policy (" LAYERS_ENV_POLICY_FD "=", spec,
			 ") is gone: the program closed or replaced that descriptor "
			 "before it executed this one", then, NULL);
		return -EBADF;
	}
	return policy_load_fd(fd, p, diags);
}

/* Load the run's snapshot (SNAPSHOT), else SOCKAUDIT_POLICY (PATH), else the
 * embedded default.  On failure say why once and leave shim_cfg.policy
 * NULL: every checked call is then denied in enforce mode (fail closed) or
 * logged as would_deny in audit mode -- or, under the kernel layers,
 * handed over to the supervisor (shim_init_audit). */
static void shim_load_policy(const char *snapshot, const char *path, const char *then,
			     bool *failed)
{
	struct policy_diags diags = { 0 };
	struct policy *p = NULL;
	const char *why, *name = snapshot ? "(the run's policy)" : path;
	char line[24], col[24];
	int rc;

	*failed = false;
	if (snapshot)
		path = NULL;	/* the run's, never a file opened again */
	if (path == shim_env_refused || snapshot == shim_env_refused)
		goto fail;	/* said */
	if (!snapshot && !path) {
		shim_cfg.policy = policy_default();
		return;
	}
	if (shim_cjson_load(&why) < 0) {
		shim_say("cannot load policy ", name, ": ", why, then, NULL);
		goto fail;
	}
	rc = snapshot ? shim_load_snapshot(snapshot, then, &p, &diags) :
		policy_load(path, &p, &diags);
	if (rc == 0) {
		shim_cfg.policy = p;
		goto out;
	}
	if (rc == -EBADF && snapshot)
		goto fail;	/* said */
	if (rc == -ENOTSUP) {
		/* Opened without blocking and refused before a byte was read:
		 * a FIFO would hang the program here, a device never end. */
		shim_say("cannot read policy ", name,
			 ": not a regular file (a FIFO, a device, a directory): refused",
			 then, NULL);
		goto fail;
	}
	if (rc == -EFBIG) {
		shim_say("cannot read policy ", name,
			 ": larger than 64 MiB, the most a policy may be", then, NULL);
		goto fail;
	}
	if (rc != -EINVAL || diags.errors == 0) {
		shim_say("cannot read policy ", name, ": ",
			 shim_strerror(-rc), then, NULL);
		goto fail;
	}
	for (size_t i = 0; i < diags.count; i++) {
		const struct policy_diag *d = &diags.items[i];

		if (d->severity != POLICY_ERROR)
			continue;
		snprintf(line, sizeof(line), "%d", d->line);
		snprintf(col, sizeof(col), "%d", d->col);
		shim_say(name, ":", line, ":", col, ": error: ",
			 d->path ? d->path : "", d->path ? ": " : "", d->message, then, NULL);
		break;
	}
fail:
	*failed = true;
	shim_cfg.policy = NULL;
out:
	policy_diags_free(&diags);
}

/* Which events need the socket's facts read before policy_match(), and
 * which go ahead unlogged whatever they are (shim_config.quiet). */
static void shim_scan_rules(const struct policy *p)
{
	struct policy_decision d;

	for (int ev = 0; ev < POLICY_EV_COUNT; ev++) {
		shim_cfg.needs_facts[ev] = policy_needs_facts(p, (enum policy_event)ev);
		shim_cfg.quiet[ev] = p &&
				     policy_decides_alone(p, (enum policy_event)ev,
							  shim_cfg.exe[0] ? shim_cfg.exe : NULL, &d) &&
				     !d.log &&
				     (d.action == POLICY_ALLOW || shim_cfg.mode == POLICY_AUDIT);
	}
}

/* Copy environment variable NAME into BUF (CAP bytes).  Returns BUF, or
 * NULL when NAME is unset or empty.  An overlong value is refused, never cut
 * (a cut path names another file): shim_env_refused. */
static const char *shim_env_copy(const char *name, char *buf, size_t cap)
{
	const char *v = getenv(name);
	size_t len = v ? strlen(v) : 0;

	if (!len)
		return NULL;
	if (len >= cap) {
		shim_say(name, " is too long: refused", NULL);
		return shim_env_refused;
	}
	memcpy(buf, v, len + 1);
	return buf;
}

/*
 * A secure-execution program (setuid, setgid, file capabilities) runs as
 * another user than the one who set its environment, so SOCKAUDIT_LOG and
 * SOCKAUDIT_POLICY would let that user make it create or append to files,
 * and read back pieces of files through the policy's error messages, with
 * its privileges.  ld.so already drops an LD_PRELOAD path with a slash for
 * such a program; a shim loaded anyway (/etc/ld.so.preload, a library
 * directory) reads nothing of the environment and stays out of the way:
 * every call passes through unchecked and unlogged, unmarked, so the kernel
 * layers of a run still see it.  There is no system-wide policy or log.
 */
static bool shim_secure_execution(void)
{
	return getauxval(AT_SECURE) != 0;
}

static void shim_init_audit(void)
{
	/* Copies: the program may rewrite its environment at any time. */
	static char log_spec[EVLOG_SINK_SPEC_MAX], mode_buf[64], marker_buf[64],
		tally_buf[64], snapshot_buf[64];
	const char *snapshot = shim_env_copy(LAYERS_ENV_POLICY_FD, snapshot_buf,
					     sizeof(snapshot_buf));
	const char *path = shim_env_copy(LAYERS_ENV_POLICY, shim_cfg.policy_path,
					 sizeof(shim_cfg.policy_path));
	const char *mode = shim_env_copy(LAYERS_ENV_MODE, mode_buf, sizeof(mode_buf));
	const char *log = shim_env_copy(LAYERS_ENV_LOG, log_spec, sizeof(log_spec));
	const char *marker = shim_env_copy(LAYERS_ENV_MARKER, marker_buf, sizeof(marker_buf));
	const char *tally = shim_env_copy(LAYERS_ENV_TALLY, tally_buf, sizeof(tally_buf));
	const char *handover = "; the notify supervisor decides and logs this "
			       "program's calls instead";
	bool failed;

	shim_bind();
	shim_identity();
	shim_parse_marker(marker);
	if (!shim_real.syscall)
		shim_cfg.marker = 0;	/* the marker needs libc's syscall() */
	/* The mode: SOCKAUDIT_MODE wins; else the policy's.  A policy that
	 * failed is enforced unless audit was asked for: whoever named a
	 * policy wants it enforced.  Under the kernel layers (a marker) a
	 * shim without the run's policy neither decides nor logs: its calls
	 * go to the kernel unmarked, and the supervisor, which has the
	 * policy, decides and logs them (as shim_handover() does for a log
	 * that fails). */
	if (!mode) {
		shim_load_policy(snapshot, path, shim_cfg.marker ? handover :
				 "; every socket call is denied (fail closed)", &failed);
		shim_cfg.mode = failed ? POLICY_ENFORCE : policy_mode(shim_cfg.policy);
	} else if (policy_mode_value(mode, &shim_cfg.mode) == 0) {
		shim_load_policy(snapshot, path, shim_cfg.marker ? handover :
				 shim_cfg.mode == POLICY_AUDIT ?
				 "; audit mode: every call is allowed and logged as would_deny" :
				 "; every socket call is denied (fail closed)", &failed);
	} else {
		shim_say(LAYERS_ENV_MODE "='", mode,
			 "': expected 'audit' or 'enforce'; every socket call is denied (fail closed)",
			 NULL);
		shim_cfg.mode = POLICY_ENFORCE;
		shim_cfg.policy = NULL;
		failed = false;
	}
	if (failed && shim_cfg.marker)
		shim_log_hand_over();
	shim_cfg.mode_name = policy_mode_name(shim_cfg.mode);
	shim_scan_rules(shim_cfg.policy);
	shim_log_init(log == shim_env_refused ? NULL : log, log == shim_env_refused, tally);
	shim_self_init();
}

static void shim_init(void)
{
	if (shim_secure_execution()) {
		shim_cfg.passthrough = true;
		shim_bind();
		shim_self_init();
		return;
	}
	shim_init_audit();
}

/* A fork child of a process whose init was in progress: the initializing
 * thread does not exist here.  A vfork child shares that memory and must
 * wait for the thread instead. */
static bool shim_init_orphaned(pid_t pid)
{
	pid_t owner = atomic_load(&shim_init_pid);

	/* 0: the initializing thread has won the state but not yet said who
	 * it is; it is running, here. */
	return owner != 0 && owner != pid &&
	       shim_raw_syscall(SYS_kcmp, pid, owner, KCMP_VM, 0, 0, 0) != 0;
}

bool shim_ready_wait(void)
{
	unsigned long long waited = 0;
	pid_t pid, tid;

	pid = getpid();
	tid = gettid();
	for (;;) {
		int expect = SHIM_UNINIT;

		if (atomic_compare_exchange_strong(&shim_state, &expect, SHIM_INITIALIZING) ||
		    (expect == SHIM_INITIALIZING && shim_init_orphaned(pid))) {
			int saved = errno;

			atomic_store(&shim_init_pid, pid);
			atomic_store(&shim_init_tid, tid);
			shim_init();
			atomic_store_explicit(&shim_state, SHIM_READY, memory_order_release);
			errno = saved;
			return true;
		}
		if (expect == SHIM_READY)
			return true;
		/* Our own thread is inside init: a signal handler interrupted
		 * it.  The policy may be half loaded, so the call passes
		 * through to the real function unchecked and unlogged. */
		if (atomic_load(&shim_init_tid) == tid && atomic_load(&shim_init_pid) == pid)
			return false;
		if (waited >= SHIM_INIT_WAIT_NS)
			return false;
		{
			struct timespec ts = { 0, 100 * 1000 };

			nanosleep(&ts, NULL);
			waited += ts.tv_nsec;
		}
	}
}

__attribute__((constructor)) static void shim_constructor(void)
{
	shim_ready();
}
