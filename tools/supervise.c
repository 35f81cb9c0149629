/* SPDX-License-Identifier: MIT */
/* supervise.c - the kernel layers of `sockaudit run`: install the policy's
 * seccomp filter in the child, then answer its user notifications.
 *
 *   supervise_run
 *     landlock_ruleset     its TCP ports -> a Landlock ruleset (landlock.c)
 *     supervise_launch     a thread:
 *       supervise_filter   policy -> libseccomp -> BPF
 *       clone(CLONE_VM | CLONE_VFORK | CLONE_FILES)
 *         supervise_child  no_new_privs, Landlock, seccomp(), exec
 *     notify_new, supervise_seal_start   meanwhile, in the main thread
 *     supervise_start      listener taken, exec served
 *     supervise_standby    fork: a second holder of the listener
 *     supervise_loop       poll(listener, signalfd) until the tree is gone
 *     supervise_launched   whether exec worked
 *
 * The child is started the way posix_spawn starts one, not with fork: it
 * shares our memory and our descriptor table until its exec, so starting
 * it copies no page tables, its exec tears down no copy of our address
 * space, and its listener is in our table as soon as seccomp() returns it
 * (no pidfd_getfd).  Exec unshares the table and closes what is
 * close-on-exec, as fork and exec would.  CLONE_VFORK suspends the thread
 * that cloned until the child has exec'd or died, and that is the signal
 * that exec worked; but the child's execve is itself a notified call that
 * this process must answer, so the clone is made by a short-lived thread
 * (supervise_launch) while the main thread serves.  The child runs as that
 * suspended thread (its stack, its errno), so nothing it does can race the
 * main thread.
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
#include <pthread.h>
#include <sched.h>
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

/* The child's stack, inside the launching thread's (which is suspended
 * while the child runs): what landlock_restrict's note and execve need. */
#define SUPERVISE_CHILD_STACK (64 * 1024)

struct supervise {
	const struct run_spec *spec;
	struct sock_fprog prog;
	/* The launch (supervise_launch): the child writes 'l' once its
	 * listener is in our table (CHILD_LISTENER, CHILD_KILLABLE), the
	 * launching thread 'x' once the child has exec'd or died, then
	 * CHILD_FAILED says which, with CHILD_MSG. */
	int ready[2];
	int child_listener;
	char child_killable;
	bool child_failed;
	struct child_msg child_msg;
	int launch_err;		/* clone's errno, 0: the child was started */
	bool filter_failed;	/* said so: no child */
	bool launched;		/* the launching thread's 'x' was read */
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
 * to make one system call for it before exec. */
static int supervise_filter(struct supervise *s)
{
	struct policy_seccomp_opts o = { .notify = true, .marker = s->spec->marker };
	int ret;

	ret = policy_seccomp_bpf(s->spec->policy, &o, &s->prog);
	if (ret == -E2BIG) {
		/* Too many holes for BPF_MAXINSNS: the supervisor decides every
		 * socket call instead, with the same matcher. */
		fprintf(stderr, "sockaudit run: note: the policy's exact seccomp filter exceeds "
				"the kernel's 4096 instructions; every socket call goes to the "
				"notify supervisor instead (same decisions, slower calls)\n");
		o.notify_all = true;
		ret = policy_seccomp_bpf(s->spec->policy, &o, &s->prog);
	}
	if (ret < 0)
		cli_error("run", "cannot compile the policy into a seccomp filter: %s",
			  strerror(-ret));
	return ret;
}

/* In the child: say why in our shared memory, for the launching thread,
 * which resumes once we are gone. */
static void __attribute__((noreturn))
supervise_child_fail(struct supervise *s, enum child_stage stage, int err)
{
	s->child_msg.stage = stage;
	s->child_msg.err = err;
	s->child_failed = true;
	_exit(stage != CHILD_EXEC ? 125 : err == ENOENT ? 127 : 126);
}

/* The child, until exec: in our memory and descriptor table (see the top
 * of this file), so it changes nothing of them but its own stack and
 * S->child_*, and closes no descriptor.  What it sets is its own: the
 * signal mask, the limits, no_new_privs, Landlock, the filter.  Once the
 * filter is in, every socket call of ours would wait for the supervisor:
 * make none.  We are not dumpable (we share the supervisor's memory, key
 * included) and need not be: nobody takes a descriptor from us. */
static int supervise_child(void *arg)
{
	unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER |
			      SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	struct supervise *s = arg;
	char killable = 1;
	int listener;

	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
	run_limits_restore();
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
	/* In our table already, close-on-exec: CMD never sees it.  A write
	 * wakes the supervisor, which is not serving yet (so no sendmsg,
	 * an address call the filter may send it). */
	s->child_listener = listener;
	s->child_killable = killable;
	if (write(s->ready[1], "l", 1) != 1)
		supervise_child_fail(s, CHILD_LISTENER, errno);
	execve(s->spec->exe_path, s->spec->argv, s->spec->envp);
	supervise_child_fail(s, CHILD_EXEC, errno);
}

/* The launching thread: start the child and wait, suspended by
 * CLONE_VFORK, until it has exec'd or died; then say so. */
static void *supervise_launch(void *arg)
{
	char stack[SUPERVISE_CHILD_STACK] __attribute__((aligned(64)));
	struct supervise *s = arg;
	pid_t pid;

	/* The filter is compiled here, while the main thread makes the
	 * supervisor's tables and starts the seal: on two CPUs the costliest
	 * step of the start-up is then off the way to CMD's exec. */
	if (supervise_filter(s) < 0) {
		s->filter_failed = true;
		goto out;
	}
	/* CLONE_PARENT_SETTID: S->child is set before the child runs, so
	 * before the main thread can reap it. */
	pid = clone(supervise_child, stack + sizeof(stack),
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_PARENT_SETTID | SIGCHLD, s,
		    &s->child);
	s->launch_err = pid < 0 ? errno : 0;
out:
	if (write(s->ready[1], "x", 1) != 1) {
		/* The read end is ours: cannot fail. */
	}
	return NULL;
}

/* Take the listener and serve the child's execve, its first notified call
 * (between its seccomp() and its execve it makes none).  S->listener stays
 * -1 when the child never got that far.  Whether exec worked is known
 * later (supervise_launched): serving the rest, the standby first, need
 * not wait for the launching thread, which may be scheduled only once CMD
 * yields its CPU. */
static void supervise_start(struct supervise *s)
{
	char word = 0, killable = 0;
	bool served = false;
	ssize_t n;

	do
		n = read(s->ready[0], &word, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && word == 'l') {
		/* The child waits in its execve for us. */
		s->listener = s->child_listener;
		killable = s->child_killable;
	} else if (n == 1) {
		s->launched = true;
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

	/* 'x': the launching thread is back, the child has exec'd or died. */
	while (!served && !s->launched && s->listener >= 0) {
		struct pollfd pfd[2] = {
			{ .fd = s->ready[0], .events = POLLIN },
			{ .fd = s->listener, .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			/* Without us its execve fails (ENOSYS): the child
			 * ends, and so does the launching thread's wait. */
			cli_error("run", "poll: %s", strerror(errno));
			close(s->listener);
			s->listener = -1;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			notify_serve(s->notify, s->listener);
			served = true;
		} else if (pfd[0].revents) {
			s->launched = true;
		}
	}
}

/* We cannot serve (no supervisor's tables): end the launch.  A child in
 * its execve already fails there (ENOSYS) once its listener is closed. */
static void supervise_abort(struct supervise *s, pthread_t launcher)
{
	char word;
	ssize_t n;

	do
		n = read(s->ready[0], &word, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && word == 'l') {
		close(s->child_listener);
		do
			n = read(s->ready[0], &word, 1);
		while (n < 0 && errno == EINTR);
	}
	pthread_join(launcher, NULL);
	if (s->child > 0)
		waitpid(s->child, NULL, 0);
}

/* Once the child has exec'd or died (its tree is gone, or it was served
 * past its execve): wait for the launching thread's word and say how the
 * launch went.  Returns 0 when CMD was executed, else the exit status run
 * must return. */
static int supervise_launched(struct supervise *s, pthread_t launcher)
{
	char word;
	ssize_t n;

	while (!s->launched) {
		n = read(s->ready[0], &word, 1);
		if (n >= 0 || errno != EINTR)
			s->launched = true;
	}
	pthread_join(launcher, NULL);
	if (s->filter_failed)
		return 125;
	if (s->launch_err) {
		cli_error("run", "clone: %s", strerror(s->launch_err));
		return 125;
	}
	if (!s->child_failed)
		return s->listener >= 0 ? 0 : 125;

	if (s->child_msg.stage == CHILD_EXEC) {
		cli_error("run", "%s: %s", s->spec->exe_path, strerror(s->child_msg.err));
		return s->child_msg.err == ENOENT ? 127 : 126;
	}
	if (s->child_msg.stage == CHILD_SECCOMP && s->child_msg.err == EBUSY)
		cli_error("run", "%s: %s (already under a seccomp notify supervisor?)",
			  child_stage_what[s->child_msg.stage], strerror(s->child_msg.err));
	else
		cli_error("run", "%s: %s", child_stage_what[s->child_msg.stage],
			  strerror(s->child_msg.err));
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

/* The tree is gone (TREE_GONE): stand the standby down.  Else hand it the
 * processes left.  Either way run does not wait for it: its exit, the
 * teardown of a copy of our address space, runs beside our own end (the
 * seal, the last of the ring, the summary), and supervise_run reaps it
 * only if it is gone by then; if not, it ends an orphan, reaped by init
 * or the nearest subreaper, as it does when it serves processes left. */
static void supervise_standby_end(struct supervise *s, bool tree_gone)
{
	if (s->standby < 0)
		return;
	if (write(s->standby_fd, tree_gone ? "q" : "h", 1) != 1) {
		/* It is gone already. */
	}
	close(s->standby_fd);
	if (!tree_gone)
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
		.spec = spec, .ready = { -1, -1 }, .child_listener = -1,
		.sigfd = -1, .listener = -1, .child = -1,
		.standby = -1, .standby_fd = -1, .landlock = -1,
	};
	pthread_t launcher;
	sigset_t mask;
	bool tree_gone;
	int ret = 125, launched;

	s.landlock = landlock_ruleset(spec->policy);
	if (pipe2(s.ready, O_CLOEXEC)) {
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

	/* The launching thread inherits the blocked signals. */
	errno = pthread_create(&launcher, NULL, supervise_launch, &s);
	if (errno) {
		cli_error("run", "cannot start the child: %s", strerror(errno));
		goto out_mask;
	}
	/* Both before CMD runs, which is once we answer its execve. */
	s.notify = notify_new(spec->policy, spec->drain, spec->marker);
	if (!s.notify) {
		cli_error("run", "seccomp user notification: %s", strerror(errno));
		supervise_abort(&s, launcher);
		goto out_mask;
	}
	supervise_seal_start(&s);
	supervise_start(&s);
	if (s.landlock >= 0)
		close(s.landlock);
	s.landlock = -1;
	if (s.listener < 0) {
		ret = supervise_launched(&s, launcher);
		if (!ret)
			ret = 125;
		if (s.child > 0)
			waitpid(s.child, NULL, 0);
		goto out_mask;
	}
	supervise_standby(&s);
	tree_gone = supervise_loop(&s);
	launched = supervise_launched(&s, launcher);
	/* Processes left to the standby: so are the ring's lines, and two
	 * drainers must never take from one ring. */
	if (!tree_gone && s.standby >= 0)
		evlog_drain_release(spec->drain);
	supervise_standby_end(&s, tree_gone);
	/* A CMD that could not be executed made no run to seal. */
	if (tree_gone && !launched)
		supervise_seal_end(&s);
	if (!s.reaped) {
		/* We stopped early (an error, or a signal once only orphans were
		 * left, which cannot happen before the child is reaped). */
		kill(s.child, SIGKILL);
		waitpid(s.child, &s.status, 0);
	}
	if (s.standby > 0)
		waitpid(s.standby, NULL, WNOHANG);
	ret = launched ? launched : supervise_exit_status(s.status);
out_mask:
	sigprocmask(SIG_SETMASK, &s.old_mask, NULL);
out:
	if (s.seal)
		munmap(s.seal, sizeof(*s.seal));
	notify_free(s.notify);
	free(s.prog.filter);
	for (int i = 0; i < 2; i++)
		if (s.ready[i] >= 0)
			close(s.ready[i]);
	if (s.sigfd >= 0)
		close(s.sigfd);
	if (s.listener >= 0)
		close(s.listener);
	if (s.landlock >= 0)
		close(s.landlock);
	return ret;
}
