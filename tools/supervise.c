/* SPDX-License-Identifier: MIT */
/* supervise.c - the kernel layers of `sockaudit run`: install the policy's
 * seccomp filter in the child, then answer its user notifications.
 *
 *   supervise_run
 *     supervise_filter     policy -> libseccomp -> BPF, in the parent
 *     landlock_ruleset     its TCP ports -> a Landlock ruleset (landlock.c)
 *     fork
 *       supervise_child    no_new_privs, Landlock, seccomp(), listener out, exec
 *     supervise_start      listener received, exec checked
 *     supervise_standby    fork: a second holder of the listener
 *     supervise_loop       poll(listener, signalfd) until the tree is gone
 *
 * The standby waits on a pipe for the supervisor's end.  If the supervisor
 * dies without saying goodbye (SIGKILL, the OOM killer), the standby takes
 * the listener over and serves the tree with the same pipeline: every
 * notified call is still decided and logged, where without it each would
 * fail with ENOSYS, glibc's own sockets included; the lines the supervisor
 * had put in the drain's queue and not yet written are the standby's to
 * write (drain.h).  (Only seq restarts: the standby's counts are the ones
 * it was forked with.)  Should the standby die
 * as well, the kernel's ENOSYS is what remains (man sockaudit-run).
 *
 * The events of a log file are sealed (evlog/seal.h): before the tree
 * starts, the supervisor makes itself non-dumpable (so a same-uid tree
 * without CAP_SYS_PTRACE can read neither its memory nor its descriptors:
 * the check is on us as the target; our own reads of the tree's /proc,
 * pidfd_getfd and process_vm_readv check the tree's dumpability, not ours),
 * draws a key, and starts the chain from the last seal record in the log.
 * The chain lives in a shared page, so the standby continues it.  Whichever
 * of the two sees the tree gone (POLLHUP) writes the seal record, which
 * publishes the key: no process of the tree is left to see it.
 *
 * The parent is a child subreaper: orphans of the tree are reparented to it
 * and reaped, because the listener reports POLLHUP only once every process
 * holding the filter has been released, zombies included, and not every
 * pid 1 reaps.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "cmd.h"
#include "event.h"
#include "notify.h"
#include "seal.h"
#include "run.h"
#include "filter.h"
#include "landlock.h"
#include "logread.h"
#include "unotify.h"

/* What the child tells the parent when it fails before or at exec. */
enum child_stage { CHILD_NNP, CHILD_SECCOMP, CHILD_LISTENER, CHILD_EXEC };

static const char *const child_stage_what[] = {
	[CHILD_NNP] = "cannot set no_new_privs",
	[CHILD_SECCOMP] = "cannot install the seccomp filter",
	[CHILD_LISTENER] = "cannot hand over the notification listener",
	[CHILD_EXEC] = "cannot execute",
};

/* Passed on to the child, as the preload-only launcher does (run.c). */
static const int supervise_forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };

struct child_msg {
	int stage;
	int err;
};

struct supervise {
	const struct run_spec *spec;
	struct sock_fprog prog;
	int chan[2];		/* socketpair: the listener travels over it */
	int errpipe[2];		/* close-on-exec: EOF means exec succeeded */
	int sigfd;
	int listener;
	sigset_t old_mask;
	pid_t child;
	int status;		/* the child's wait status, once reaped */
	bool reaped;
	struct notify_ctx *notify;
	pid_t standby;		/* -1: none */
	int standby_fd;		/* its pipe: a byte, then EOF: stand down */
	struct seal_chain *seal;	/* MAP_SHARED with the standby; NULL: unsealed */
	int landlock;		/* the TCP port ruleset for the child; -1: none */
};

/* Compile the policy and export its BPF into S->prog: the child then only has
 * to make one system call between fork and exec. */
static int supervise_filter(struct supervise *s)
{
	struct policy_seccomp_opts o = { .notify = true, .marker = s->spec->marker };
	scmp_filter_ctx ctx = NULL;
	struct stat st;
	int fd = -1, ret;

	ret = policy_seccomp_build(s->spec->policy, &o, &ctx);
	if (ret == -E2BIG) {
		/* Too many holes for BPF_MAXINSNS: the supervisor decides every
		 * socket call instead, with the same matcher. */
		fprintf(stderr, "sockaudit run: note: the policy's exact seccomp filter exceeds "
				"the kernel's 4096 instructions; every socket call goes to the "
				"notify supervisor instead (same decisions, slower calls)\n");
		o.notify_all = true;
		ret = policy_seccomp_build(s->spec->policy, &o, &ctx);
	}
	if (ret < 0) {
		cli_error("run", "cannot compile the policy into a seccomp filter: %s",
			  strerror(-ret));
		goto out;
	}
	fd = memfd_create("sockaudit-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		cli_error("run", "memfd_create: %s", strerror(errno));
		goto out;
	}
	ret = seccomp_export_bpf(ctx, fd);
	if (ret < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 ||
	    st.st_size % sizeof(struct sock_filter)) {
		cli_error("run", "cannot export the seccomp filter: %s",
			  strerror(ret < 0 ? -ret : EINVAL));
		ret = -EINVAL;
		goto out;
	}
	s->prog.len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	s->prog.filter = malloc((size_t)st.st_size);
	if (!s->prog.filter ||
	    pread(fd, s->prog.filter, (size_t)st.st_size, 0) != st.st_size) {
		cli_error("run", "cannot read back the seccomp filter");
		ret = -EIO;
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return ret;
}

static void __attribute__((noreturn))
supervise_child_fail(struct supervise *s, enum child_stage stage, int err)
{
	struct child_msg m = { .stage = stage, .err = err };

	if (write(s->errpipe[1], &m, sizeof(m)) < 0) {
		/* The parent learns from our status alone. */
	}
	_exit(stage != CHILD_EXEC ? 125 : err == ENOENT ? 127 : 126);
}

/* Tell the parent LISTENER's number and whether the filter waits killably.
 * A write, not sendmsg with SCM_RIGHTS: sendmsg is an address call the
 * filter may send to the supervisor, which is not serving yet.  The parent
 * takes the listener with pidfd_getfd while we wait in our execve (a
 * notified call); it is close-on-exec, so the program never sees it. */
static int supervise_send_listener(int chan, int listener, char killable)
{
	int msg[2] = { listener, killable };

	return write(chan, msg, sizeof(msg)) == (ssize_t)sizeof(msg) ? 0 : -1;
}

/* The child: between fork and exec.  Once the filter is in, every socket
 * call of ours would wait for a parent that is not reading yet: make none. */
static void __attribute__((noreturn)) supervise_child(struct supervise *s)
{
	unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER |
			      SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	char killable = 1;
	int listener;

	close(s->chan[0]);
	close(s->errpipe[0]);
	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
	run_limits_restore();
	/* The parent takes our listener with pidfd_getfd, which a parent
	 * without CAP_SYS_PTRACE may do only to a dumpable child: we inherited
	 * its non-dumpable flag (supervise_seal_start).  Drop the seal chain
	 * first, the one secret we hold (its key); exec resets the flag
	 * anyway. */
	if (s->seal)
		munmap(s->seal, sizeof(*s->seal));
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		supervise_child_fail(s, CHILD_LISTENER, errno);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		supervise_child_fail(s, CHILD_NNP, errno);
	landlock_restrict(s->landlock);
	/* Wait-killable (Linux 5.19): once the supervisor has received a
	 * notification, only a fatal signal interrupts the call, so Go's
	 * SIGURG preemption does not cancel and restart it over and over. */
	listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &s->prog);
	if (listener < 0 && errno == EINVAL) {
		flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
		killable = 0;
		listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &s->prog);
	}
	if (listener < 0)
		supervise_child_fail(s, CHILD_SECCOMP, errno);
	if (supervise_send_listener(s->chan[1], listener, killable))
		supervise_child_fail(s, CHILD_LISTENER, errno);
	close(s->chan[1]);
	execve(s->spec->exe_path, s->spec->argv, s->spec->envp);
	supervise_child_fail(s, CHILD_EXEC, errno);
}

/* Receive the listener, then learn whether exec worked.  Returns 0, or the
 * exit status run must return. */
static int supervise_start(struct supervise *s)
{
	int msg[2] = { -1, 0 }, pidfd;
	char killable;
	struct child_msg m;
	ssize_t n;

	do
		n = read(s->chan[0], msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	killable = (char)msg[1];
	/* The child waits in its execve for us, the listener still open. */
	if (n == (ssize_t)sizeof(msg) && msg[0] >= 0) {
		pidfd = (int)syscall(SYS_pidfd_open, s->child, 0);
		if (pidfd >= 0) {
			s->listener = (int)syscall(SYS_pidfd_getfd, pidfd, msg[0], 0);
			close(pidfd);
		}
		if (s->listener < 0)
			cli_error("run", "cannot take the seccomp listener: %s", strerror(errno));
	}
	/* Synchronous wake-ups (Linux 6.6): the caller's CPU switches to us
	 * and back, instead of waking us on another CPU, which on a VM is an
	 * interrupt to a halted vCPU (a notified call took 6 to 45 µs here
	 * without, 6 µs with).  Older kernels say EINVAL: then as before. */
	if (s->listener >= 0 &&
	    ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0 &&
	    errno != EINVAL)
		cli_error("run", "seccomp notifications: synchronous wake-ups: %s", strerror(errno));
	if (s->listener >= 0 && !killable)
		cli_error("run", "this kernel has no wait-killable seccomp notifications "
			  "(Linux 5.19): a signal cancels a notified call, which then "
			  "restarts (Go programs retry often)");

	/* EOF: the write end was closed by a successful exec.  That execve
	 * is already a notified call (notify_lifecycle): serve meanwhile. */
	while (s->listener >= 0) {
		struct pollfd pfd[2] = {
			{ .fd = s->errpipe[0], .events = POLLIN },
			{ .fd = s->listener, .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			notify_serve(s->notify, s->listener);
		else if (pfd[0].revents)
			break;
	}
	do
		n = read(s->errpipe[0], &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(m))
		return s->listener >= 0 ? 0 : 125;

	if (m.stage == CHILD_EXEC) {
		cli_error("run", "%s: %s", s->spec->exe_path, strerror(m.err));
		return m.err == ENOENT ? 127 : 126;
	}
	if (m.stage == CHILD_SECCOMP && m.err == EBUSY)
		cli_error("run", "%s: %s (already under a seccomp notify supervisor?)",
			  child_stage_what[m.stage], strerror(m.err));
	else
		cli_error("run", "%s: %s", child_stage_what[m.stage], strerror(m.err));
	return 125;
}

static int supervise_exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

/* Reap every child: ours and the orphans of the tree (we are their
 * subreaper), so that their filters are released. */
static void supervise_reap(struct supervise *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == s->child) {
			s->status = status;
			s->reaped = true;
		}
}

/* Drain the signalfd.  Returns true when supervision should stop now. */
static bool supervise_signals(struct supervise *s)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		/* Reap first also for other signals: they are read before a
		 * SIGCHLD pending with them (lower numbers first), and one
		 * forwarded to a child that has just died would be lost. */
		supervise_reap(s);
		if (si.ssi_signo == SIGCHLD)
			continue;
		/* logrotate's postrotate convention: SIGHUP opens the log file
		 * again; CMD never sees it (the stderr log has nothing to open:
		 * there SIGHUP is CMD's, as before). */
		if (si.ssi_signo == SIGHUP && evlog_sink_spec(s->spec->log)[0] == '/') {
			evlog_drain_reopen(s->spec->drain);
			continue;
		}
		if (s->reaped) {
			/* Only orphans are left: the user wants us gone. */
			stop = true;
			continue;
		}
		/* A terminal's ^C reaches the child's process group by itself
		 * (si_code SI_KERNEL); forward only what was sent to us. */
		if (si.ssi_code != SI_KERNEL)
			kill(s->child, (int)si.ssi_signo);
	}
	return stop;
}

static bool supervise_loop(struct supervise *s);

/* Before the tree exists: non-dumpable, a key, the chain from the last seal
 * record in the log, so that no run can be slid in before this one unseen.
 * Only a log file is sealed: the stderr log is for reading as it goes (and
 * verifying needs the file).  Without any of it the run goes on unsealed,
 * and says so. */
static void supervise_seal_start(struct supervise *s)
{
	uint8_t key[SEAL_KEY_LEN], prev[SEAL_LEN];
	const char *spec = evlog_sink_spec(s->spec->log), *why = NULL;
	bool found = false;
	int fd, ret;

	if (spec[0] != '/')
		return;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		why = "prctl(PR_SET_DUMPABLE)";
	else if ((ret = seal_random_key(key)) < 0)
		why = "getrandom", errno = -ret;
	else if ((s->seal = mmap(NULL, sizeof(*s->seal), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		why = "mmap";
	if (why) {
		s->seal = NULL;
		cli_error("run", "warning: cannot seal the notify layer's events (%s: %s); "
			  "report cannot verify them", why, strerror(errno));
		return;
	}
	/* The chain goes on from the log's last seal record.  Only a regular
	 * file is read: a FIFO's lines are its reader's (O_NONBLOCK: opening
	 * one never waits for a writer). */
	fd = open(spec, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		struct stat st;

		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			found = logread_last_seal(fd, prev) == 1;
		close(fd);
	}
	seal_chain_init(s->seal, key, found ? prev : NULL);
	explicit_bzero(key, sizeof(key));
	notify_seal(s->notify, s->seal);
	evlog_drain_seal(s->spec->drain, s->seal);
}

/* The tree is gone: publish the key and the count, sealed last. */
static void supervise_seal_end(struct supervise *s)
{
	struct event_seal rec = { .pid = getpid() };
	char line[EVENT_LINE_MAX];
	size_t len;

	if (!s->seal)
		return;
	/* The supervisor's lines still queued first: the record counts them. */
	evlog_drain_sync(s->spec->drain);
	clock_gettime(CLOCK_REALTIME, &rec.ts);
	rec.key = s->seal->key;
	rec.sealed = s->seal->lines;
	/* The files rotated away from first: their chains ended there. */
	evlog_drain_close_segments(s->spec->drain, &rec);
	len = event_format_seal(line, sizeof(line), &rec);
	if (len)
		evlog_drain_write_sealed(s->spec->drain, line, len, sizeof(line), true, NULL);
}

/* The standby, in its own process: wait for the supervisor's word.  'q':
 * the tree is gone, stand down; 'h': the supervisor leaves the processes
 * left of the tree to us; EOF without a word: it died.  Then serve until
 * the tree is gone. */
static void __attribute__((noreturn)) supervise_standby_main(struct supervise *s, int fd,
							     pid_t supervisor)
{
	char bye;
	ssize_t n;

	prctl(PR_SET_NAME, "sockaudit-stby", 0, 0, 0);
	/* The tree's signals are not ours: a ^C at the terminal reaches the
	 * whole foreground group, us included. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
	close(s->sigfd);
	s->sigfd = -1;
	s->reaped = true;	/* the child is not ours to wait for */
	do
		n = read(fd, &bye, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && bye != 'h')
		_exit(0);
	if (n != 1)
		fprintf(stderr, "sockaudit run: the supervisor (pid %d) is gone: its standby "
			"(pid %d) decides and logs the tree's calls from now on\n",
			(int)supervisor, (int)getpid());
	/* The ring's lines are ours to write now (the supervisor's drain has
	 * stopped, or died with it). */
	evlog_drain_adopt(s->spec->drain);
	if (supervise_loop(s))
		supervise_seal_end(s);
	evlog_drain_stop(s->spec->drain);
	_exit(0);
}

/* Fork the standby (see the top of this file).  Without one the run goes on
 * as before, its calls failing with ENOSYS should we die. */
static void supervise_standby(struct supervise *s)
{
	pid_t supervisor = getpid();
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return;
	s->standby = fork();
	if (s->standby == 0) {
		close(p[1]);
		supervise_standby_main(s, p[0], supervisor);
	}
	close(p[0]);
	if (s->standby < 0)
		close(p[1]);
	else
		s->standby_fd = p[1];
}

/* The tree is gone (TREE_GONE): stand the standby down and reap it.  Else
 * hand it the processes left. */
static void supervise_standby_end(struct supervise *s, bool tree_gone)
{
	if (s->standby < 0)
		return;
	if (write(s->standby_fd, tree_gone ? "q" : "h", 1) != 1) {
		/* It is gone already. */
	}
	close(s->standby_fd);
	if (tree_gone)
		waitpid(s->standby, NULL, 0);
	else
		fprintf(stderr, "sockaudit run: processes of the tree are still running: the "
			"standby supervisor (pid %d) decides and logs their calls until they "
			"end\n", (int)s->standby);
}

/* Serve notifications until the child has exited and no process of the tree
 * holds the filter any more (POLLHUP on the listener).  True when the tree is
 * gone; false when we stopped early (a signal once only orphans were left,
 * or an error). */
static bool supervise_loop(struct supervise *s)
{
	struct pollfd pfd[2] = {
		{ .fd = s->listener, .events = POLLIN },
		{ .fd = s->sigfd, .events = POLLIN },
	};
	bool complained = false;

	while (!s->reaped || pfd[0].fd >= 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			cli_error("run", "poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN && supervise_signals(s))
			break;
		if (pfd[0].revents & POLLIN) {
			int ret = notify_serve(s->notify, s->listener);

			if (ret < 0 && !complained) {
				cli_error("run", "seccomp notification: %s", strerror(-ret));
				complained = true;
			}
		} else if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			pfd[0].fd = -1;		/* the tree is gone */
		}
	}
	return pfd[0].fd < 0;
}

int supervise_run(const struct run_spec *spec)
{
	struct supervise s = {
		.spec = spec, .chan = { -1, -1 },
		.errpipe = { -1, -1 }, .sigfd = -1, .listener = -1, .child = -1,
		.standby = -1, .standby_fd = -1, .landlock = -1,
	};
	sigset_t mask;
	bool tree_gone;
	int ret = 125;

	if (supervise_filter(&s) < 0)
		goto out;
	s.notify = notify_new(spec->policy, spec->drain, spec->marker);
	if (!s.notify) {
		cli_error("run", "seccomp user notification: %s", strerror(errno));
		goto out;
	}
	supervise_seal_start(&s);
	s.landlock = landlock_ruleset(spec->policy);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s.chan) ||
	    pipe2(s.errpipe, O_CLOEXEC)) {
		cli_error("run", "%s", strerror(errno));
		goto out;
	}

	/* Signals become events of the loop; the child gets the old mask back
	 * before exec. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < sizeof(supervise_forwarded) / sizeof(supervise_forwarded[0]); i++)
		sigaddset(&mask, supervise_forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, &s.old_mask);
	s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s.sigfd < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
		cli_error("run", "%s", strerror(errno));
		goto out_mask;
	}

	s.child = fork();
	if (s.child < 0) {
		cli_error("run", "fork: %s", strerror(errno));
		goto out_mask;
	}
	if (s.child == 0)
		supervise_child(&s);
	close(s.chan[1]);
	s.chan[1] = -1;
	close(s.errpipe[1]);
	s.errpipe[1] = -1;
	if (s.landlock >= 0)
		close(s.landlock);
	s.landlock = -1;

	ret = supervise_start(&s);
	if (ret) {
		waitpid(s.child, NULL, 0);
		goto out_mask;
	}
	supervise_standby(&s);
	tree_gone = supervise_loop(&s);
	/* Processes left to the standby: so are the ring's lines, and two
	 * drainers must never take from one ring. */
	if (!tree_gone && s.standby >= 0)
		evlog_drain_release(spec->drain);
	supervise_standby_end(&s, tree_gone);
	if (tree_gone)
		supervise_seal_end(&s);
	if (!s.reaped) {
		/* We stopped early (an error, or a signal once only orphans were
		 * left, which cannot happen before the child is reaped). */
		kill(s.child, SIGKILL);
		waitpid(s.child, &s.status, 0);
	}
	ret = supervise_exit_status(s.status);
out_mask:
	sigprocmask(SIG_SETMASK, &s.old_mask, NULL);
out:
	if (s.seal)
		munmap(s.seal, sizeof(*s.seal));
	notify_free(s.notify);
	free(s.prog.filter);
	for (int i = 0; i < 2; i++) {
		if (s.chan[i] >= 0)
			close(s.chan[i]);
		if (s.errpipe[i] >= 0)
			close(s.errpipe[i]);
	}
	if (s.sigfd >= 0)
		close(s.sigfd);
	if (s.listener >= 0)
		close(s.listener);
	if (s.landlock >= 0)
		close(s.landlock);
	return ret;
}
