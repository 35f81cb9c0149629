/* SPDX-License-Identifier: MIT */
/* notify.c - one seccomp user notification: receive, facts, decide, perform,
 * answer, log (notify_serve() reads as that pipeline).
 *
 * The caller waits from its call to our answer, and in a tight loop also
 * for whatever we do after it (with synchronous wake-ups it runs on our
 * CPU, after us).  So the answer's path holds two ioctls, one poll of the
 * cached thread's pidfd (notify_alive) and plain computation; the event
 * goes into the drain's queue as a packed record (evlog_drain_put), and
 * its formatting, seal and write happen on the drain's thread.
 *
 * Why letting a call continue is safe here: every fact the policy decides on
 * is either a register argument (family, type, protocol, how), which the
 * kernel copied into the notification and will use unchanged when the call
 * continues, or a fact the target cannot change while its thread is stopped in
 * the call without dying (its executable: an execve in another thread kills
 * this one first).  What /proc says is trusted only once checked: by ID_VALID
 * after a fresh read, or through the cached thread's pinned /proc directory
 * (notify_still) before an exe rule decides.
 * The address events are different: their addresses live in the target's
 * memory, which another thread may rewrite after we read it
 * (process_vm_readv) and before the kernel reads it again.  A deny is safe.
 * An allowed inet bind, and an allowed inet connect that cannot block (a
 * datagram socket, a non-blocking one), we make ourselves on our copy of
 * the socket with the bytes we checked (notify_perform_addr): closed.  What
 * stays open, because the call continues: a blocking stream connect (made
 * here it would stall every call of the tree), AF_UNIX addresses (a path is
 * resolved in the caller's root and directory), a bind the caller's
 * privilege would refuse, and sendto, sendmsg, sendmmsg (the data too is in
 * the caller's memory), a sendmsg whose msg_name was NULL when we looked.
 * A malformed address another thread could make well formed (too short for
 * its family, unreadable, any of sendmsg's) is decided as an unknown
 * address: the strictest rule that could apply.
 * tests/bats/kernel-addr.bats races a two-thread program against it.
 *
 * The one exception is the socket behind shutdown's and accept's descriptor:
 * we look at it through pidfd_getfd, but when the call continues the kernel
 * looks the number up again.  Another thread of the same process can close
 * that number and put a different socket there in between.  So a hostile
 * multithreaded program can make the supervisor's family/type/protocol rules
 * for a continued shutdown or accept see another of its own sockets; the
 * rules the kernel filter expresses on registers (shutdown's how, every
 * socket() and socketpair() rule) stay exact.  A logged shutdown, and a
 * logged accept that cannot block, are not continued: we make them on our
 * copy (notify_perform), so they act on the very socket that was decided on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "calls.h"
#include "event.h"
#include "filter.h"
#include "layers.h"
#include "notify.h"
#include "seal.h"

/* Syscall numbers of each call of calls.def, per audit arch the filter let
 * through; -1: not known (yet, on i386: see notify_call_of). */
struct notify_arch {
	uint32_t arch;
	int nr[CALLS_COUNT];
	int socketcall;		/* its socketcall(2), or -1 */
	int prctl, execve, execveat;	/* notify_lifecycle() */
};

#define NOTIFY_ARCHES 8

/* A pidfd that refers to one thread, not its process (Linux 6.9). */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* What /proc says about a calling thread.  Cached per thread: DIRFD is
 * /proc/TID opened O_PATH, which stays bound to that very thread, so a lookup
 * through it fails once the thread is gone, even if its id was reused; so
 * does PIDFD, a thread pidfd, which polls readable once the thread is gone
 * (notify_alive). */
struct notify_target {
	pid_t tid;		/* 0: empty slot */
	pid_t pid, ppid;
	int dirfd;
	int pidfd;		/* -1: none (an older kernel): notify_still */
	unsigned long long start;
	char exe[PATH_MAX];
	char comm[64];
	bool exe_known;
	bool verify_exe;	/* its process exec'd with threads: notify_still */
};

#define NOTIFY_TARGETS 64

/* What we know of a process beyond one call: keyed by pid and start time,
 * so that a reused pid is a new process.  SEQ counts its events, from 1.
 * EXE is its executable as read while the process could still be read:
 * kept when it makes itself non-dumpable (PR_SET_DUMPABLE 0, which hides
 * /proc/PID/exe from a supervisor without CAP_SYS_PTRACE), dropped when it
 * execs (notify_lifecycle). */
struct notify_proc {
	pid_t pid;		/* 0: free slot */
	unsigned long long start;
	uint64_t seq;
	char *exe;		/* NULL: none kept */
	bool exec_threads;	/* it called execve with other threads alive
				   (notify_exec_seen) */
	enum { NOTIFY_SELF_UNKNOWN, NOTIFY_SELF_NO, NOTIFY_SELF_YES } writes_self;
				/* notify_writes_self(), per image */
};

#define NOTIFY_PROCS_MIN 256

/* The most messages one sendmmsg sends: the kernel caps vlen there. */
#define NOTIFY_MSGS UIO_MAXIOV

/* One address an address event names: as read and decoded, and decided. */
struct notify_addr {
	struct calls_addr a;
	uint8_t raw[CALLS_ADDR_MAX];	/* the bytes read (A.len of them, when
					   A.status is CALLS_ADDR_OK) */
	unsigned unknown;		/* POLICY_UNKNOWN_ADDRESS: not exact */
	struct policy_decision d;
};

struct notify_ctx {
	const struct policy *policy;
	enum policy_mode mode;
	struct evlog_drain *log;
	unsigned long lost;
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct notify_arch arches[NOTIFY_ARCHES];
	size_t narches;
	uint64_t marker;		/* the shim's, or 0 */
	struct notify_proc *procs;
	size_t proc_cap, proc_used;
	struct notify_target targets[NOTIFY_TARGETS];
	bool addfd_known, addfd;	/* SECCOMP_ADDFD_FLAG_SEND works */
	struct notify_target blind;	/* notify_blind_target() */
	bool blind_said;
	struct seal_chain *seal;	/* notify_seal(), or NULL */
	bool verify_all;	/* an execve of a process /proc could not name */
	bool queue_tried;		/* evlog_drain_queue(), at the first call */
	struct timespec recv_ts;	/* when the call in hand was received */
	/* The addresses of one address event's call (sendmmsg: one per
	 * message with a msg_name), their decisions and unknown facts, and
	 * the caller's vector of struct mmsghdr as read. */
	struct notify_addr *addrs;
	struct mmsghdr *msgs;
};

struct notify_ctx *notify_new(const struct policy *p, struct evlog_drain *log, uint64_t marker)
{
	struct notify_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->policy = p;
	c->mode = policy_mode(p);
	c->log = log;
	c->marker = marker;
	for (size_t i = 0; i < NOTIFY_TARGETS; i++)
		c->targets[i].dirfd = c->targets[i].pidfd = -1;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &c->sizes) < 0)
		goto fail;
	/* The kernel may know a larger struct than our headers: size by it. */
	c->req = calloc(1, c->sizes.seccomp_notif > sizeof(*c->req) ?
			   c->sizes.seccomp_notif : sizeof(*c->req));
	c->resp = calloc(1, c->sizes.seccomp_notif_resp > sizeof(*c->resp) ?
			    c->sizes.seccomp_notif_resp : sizeof(*c->resp));
	c->proc_cap = NOTIFY_PROCS_MIN;
	c->procs = calloc(c->proc_cap, sizeof(*c->procs));
	c->addrs = calloc(NOTIFY_MSGS, sizeof(*c->addrs));
	c->msgs = calloc(NOTIFY_MSGS, sizeof(*c->msgs));
	if (!c->req || !c->resp || !c->procs || !c->addrs || !c->msgs) {
		errno = ENOMEM;
		goto fail;
	}
	return c;
fail:
	notify_free(c);
	return NULL;
}

void notify_free(struct notify_ctx *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NOTIFY_TARGETS; i++) {
		if (c->targets[i].dirfd >= 0)
			close(c->targets[i].dirfd);
		if (c->targets[i].pidfd >= 0)
			close(c->targets[i].pidfd);
	}
	free(c->req);
	free(c->resp);
	if (c->procs)
		for (size_t i = 0; i < c->proc_cap; i++)
			free(c->procs[i].exe);
	free(c->procs);
	free(c->addrs);
	free(c->msgs);
	free(c);
}

unsigned long notify_lost(const struct notify_ctx *c)
{
	return c->lost;
}

/* The syscall numbers of ARCH, resolved once per arch through libseccomp's
 * tables (i386 numbers socket calls differently from x86-64).  NULL: more
 * arches than we keep. */
static struct notify_arch *notify_arch_of(struct notify_ctx *c, uint32_t arch)
{
	struct notify_arch *a;

	for (size_t i = 0; i < c->narches; i++)
		if (c->arches[i].arch == arch)
			return &c->arches[i];
	if (c->narches == NOTIFY_ARCHES)
		return NULL;
	a = &c->arches[c->narches++];
	a->arch = arch;
	for (int k = 0; k < CALLS_COUNT; k++)
		a->nr[k] = seccomp_syscall_resolve_name_arch(arch, calls_table[k].name);
	a->socketcall = seccomp_syscall_resolve_name_arch(arch, "socketcall");
	a->prctl = seccomp_syscall_resolve_name_arch(arch, "prctl");
	a->execve = seccomp_syscall_resolve_name_arch(arch, "execve");
	a->execveat = seccomp_syscall_resolve_name_arch(arch, "execveat");
	return a;
}

/* Which call of calls.def D is, and in *MUXED whether it came through
 * socketcall(2) (i386: the operation in its first argument, the arguments
 * in the caller's memory).  -1: none.  libseccomp names i386's direct
 * socket calls (socket 359, ...) only by number, so those are learnt from
 * the first call that uses them. */
static int notify_call_of(struct notify_ctx *c, const struct seccomp_data *d, bool *muxed)
{
	struct notify_arch *a = notify_arch_of(c, d->arch);
	char *name;
	int kind = -1;

	*muxed = false;
	if (!a)
		return -1;
	if (a->socketcall >= 0 && d->nr == a->socketcall) {
		*muxed = true;
		for (int k = 0; k < CALLS_COUNT; k++) {
			int op = policy_seccomp_socketcall_op(calls_table[k].name, NULL);

			if (op > 0 && (uint64_t)op == d->args[0])
				return k;
		}
		return -1;
	}
	for (int k = 0; k < CALLS_COUNT; k++)
		if (a->nr[k] >= 0 && a->nr[k] == d->nr)
			return k;
	name = seccomp_syscall_resolve_num_arch(d->arch, d->nr);
	for (int k = 0; name && k < CALLS_COUNT; k++)
		if (!strcmp(name, calls_table[k].name)) {
			a->nr[k] = d->nr;
			kind = k;
		}
	free(name);
	return kind;
}

/* Read the small /proc file NAME under DIRFD into BUF, NUL-terminated:
 * length or -errno. */
static ssize_t notify_read_file(int dirfd, const char *name, char *buf, size_t cap)
{
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

static uint64_t notify_status_field(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtoull(p + strlen(key), NULL, 0) : 0;
}

static uint64_t notify_status_hex(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static void notify_target_drop(struct notify_target *t)
{
	if (t->dirfd >= 0)
		close(t->dirfd);
	if (t->pidfd >= 0)
		close(t->pidfd);
	memset(t, 0, sizeof(*t));
	t->dirfd = t->pidfd = -1;
}

/* Fill T from /proc/TID: 0, or -errno (the thread is gone: -ENOENT/-ESRCH).
 * Nothing read here is trusted before the caller's ID_VALID check. */
static int notify_read_target(pid_t tid, struct notify_target *t)
{
	char path[64], buf[4096];
	char *open_paren, *close_paren, *p;
	ssize_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%d", tid);
	t->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0)
		return -errno;
	t->tid = tid;
	/* Opened before the caller's ID_VALID check, like the rest: the
	 * thread it names is the caller once that check passes. */
	t->pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);

	n = notify_read_file(t->dirfd, "status", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	t->pid = (pid_t)notify_status_field(buf, "\nTgid:");
	t->ppid = (pid_t)notify_status_field(buf, "\nPPid:");
	if (t->pid <= 0)
		return -ESRCH;

	/* stat: "tid (comm) state ppid ...": comm may hold any byte, even ')',
	 * so it ends at the last ')'.  Field 22 is the start time: the
	 * thread's own here, the process's (which keys seq) in the thread
	 * group leader's stat. */
	n = notify_read_file(t->dirfd, "stat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EIO;
	n = close_paren - open_paren - 1;
	if ((size_t)n >= sizeof(t->comm))
		n = sizeof(t->comm) - 1;
	memcpy(t->comm, open_paren + 1, (size_t)n);
	t->comm[n] = '\0';
	if (t->pid != tid) {
		snprintf(path, sizeof(path), "/proc/%d/stat", t->pid);
		n = notify_read_file(AT_FDCWD, path, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		close_paren = strrchr(buf, ')');
		if (!close_paren)
			return -EIO;
	}
	for (p = close_paren + 1, field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	t->start = strtoull(p, NULL, 10);

	n = readlinkat(t->dirfd, "exe", t->exe, sizeof(t->exe) - 1);
	if (n >= 0) {
		t->exe[n] = '\0';
		t->exe_known = true;
	}
	return 0;
}

/* True when cached T is still the live thread it was, with the same exe.
 * One readlinkat of exe through the pinned /proc directory: it fails once
 * that thread is gone (so a reused id is never mistaken for it), and a
 * changed exe means it has exec'd. */
static bool notify_still(const struct notify_target *t)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (!t->exe_known)
		return false;
	n = readlinkat(t->dirfd, "exe", exe, sizeof(exe));
	return n >= 0 && (size_t)n == strlen(t->exe) && !memcmp(exe, t->exe, (size_t)n);
}

/* True when cached T is still the live thread it was, with the same exe:
 * one poll of its thread pidfd (a thread that is gone, even if its id was
 * reused, polls readable).  That it has not exec'd since, notify_exec_seen
 * makes sure of: the filter sends every execve here first, which drops its
 * process's threads from the cache.  Only where that cannot be enough (an
 * exec with other threads alive, one of which may be cached again before
 * the exec kills it, after which the exec'ing thread takes over the
 * leader's id and pidfd) is the exe read again on every call, as without a
 * pidfd. */
static bool notify_alive(const struct notify_ctx *c, const struct notify_target *t)
{
	struct pollfd p = { .fd = t->pidfd, .events = POLLIN };

	if (t->pidfd < 0 || t->verify_exe || c->verify_all)
		return notify_still(t);
	return poll(&p, 1, 0) == 0;
}

static struct notify_proc *notify_proc_of(struct notify_ctx *c, pid_t pid,
					  unsigned long long start);

/* The facts of thread TID, from the cache when notify_alive() says they
 * hold.  *FRESH is true when they were just read from /proc: the caller must
 * then check the notification is still valid before trusting them.  NULL:
 * TID is gone.  The check runs before every decision, not only for exe
 * rules: the event must name the exe of the moment of the call, and a thread
 * that exec'd and exited right after its call could not be checked later.
 * What the cache does not notice: a new comm (prctl PR_SET_NAME) or ppid
 * (reparenting) after the thread's first call. */
static struct notify_target *notify_target(struct notify_ctx *c, pid_t tid, bool *fresh)
{
	struct notify_target *t = &c->targets[(unsigned)tid % NOTIFY_TARGETS];
	int rc;

	if (t->tid == tid && notify_alive(c, t)) {
		*fresh = false;
		return t;
	}
	notify_target_drop(t);
	rc = notify_read_target(tid, t);
	if (rc == -EMFILE || rc == -ENFILE) {
		/* Our descriptors ran out (the cache pins one per thread):
		 * evict the cache rather than fail, and try again. */
		notify_target_drop(t);
		for (size_t i = 0; i < NOTIFY_TARGETS; i++)
			notify_target_drop(&c->targets[i]);
		rc = notify_read_target(tid, t);
	}
	if (rc < 0) {
		notify_target_drop(t);
		return NULL;
	}
	t->verify_exe = notify_proc_of(c, t->pid, t->start)->exec_threads;
	*fresh = true;
	return t;
}

/* A copy of descriptor FD of process PID (pidfd_getfd): our descriptor, or
 * -errno (-EBADF: FD is not open there).  FD is the int the kernel will use:
 * the low 32 bits of the register. */
static int notify_getfd(pid_t pid, uint64_t fd)
{
	int pidfd, sfd, err;

	if ((int)fd < 0)
		return -EBADF;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	err = errno;
	close(pidfd);
	return sfd < 0 ? -err : sfd;
}

static void notify_proc_clear(struct notify_proc *p)
{
	free(p->exe);
	memset(p, 0, sizeof(*p));
}

/* Keep the process table at most half full: forget the processes that are
 * gone, and grow only if the live ones need it. */
static void notify_procs_tidy(struct notify_ctx *c)
{
	struct notify_proc *old = c->procs, *grown;
	size_t old_cap = c->proc_cap, live = 0, i;

	for (i = 0; i < old_cap; i++)
		if (old[i].pid && kill(old[i].pid, 0) == 0)
			live++;
	for (c->proc_cap = NOTIFY_PROCS_MIN; c->proc_cap < live * 4; c->proc_cap *= 2)
		;
	grown = calloc(c->proc_cap, sizeof(*grown));
	c->proc_used = 0;
	if (!grown) {
		/* Start over in place: seq restarts show as a reset, a kept
		 * exe is forgotten (unknown, so decided strictly). */
		c->proc_cap = old_cap;
		for (i = 0; i < old_cap; i++)
			notify_proc_clear(&old[i]);
		return;
	}
	c->procs = grown;
	for (i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i].pid || kill(old[i].pid, 0) != 0) {
			notify_proc_clear(&old[i]);
			continue;
		}
		for (j = (size_t)old[i].pid & (c->proc_cap - 1); grown[j].pid;
		     j = (j + 1) & (c->proc_cap - 1))
			;
		grown[j] = old[i];
		c->proc_used++;
	}
	free(old);
}

/* The entry of process (PID, START), made on first sight. */
static struct notify_proc *notify_proc_of(struct notify_ctx *c, pid_t pid,
					  unsigned long long start)
{
	size_t i, mask;

	if (c->proc_used * 2 >= c->proc_cap)
		notify_procs_tidy(c);
	mask = c->proc_cap - 1;
	for (i = (size_t)pid & mask; c->procs[i].pid; i = (i + 1) & mask)
		if (c->procs[i].pid == pid) {
			if (c->procs[i].start != start) {
				/* A reused pid: a new process. */
				notify_proc_clear(&c->procs[i]);
				c->procs[i].pid = pid;
				c->procs[i].start = start;
			}
			return &c->procs[i];
		}
	c->procs[i].pid = pid;
	c->procs[i].start = start;
	c->proc_used++;
	return &c->procs[i];
}

/* Write one event: into the drain's queue, for its thread to format, seal
 * and write on the other CPU while we answer the next call (drain.h); when
 * there is none or it is full, here, sealed when the run seals
 * (notify_seal): the chain advances before the write, so that should we be
 * killed in between, the standby continues after the line we meant to
 * write (then missing: the reader reports the break), never before one
 * that is in the log; a write that fails gives the seal back, so a lost
 * event breaks no chain. */
static void notify_write_event(struct notify_ctx *c, struct event *e,
			       const struct notify_target *t, bool now)
{
	char line[EVENT_LINE_MAX];
	size_t len;
	bool ok;

	e->seq = ++notify_proc_of(c, t->pid, t->start)->seq;
	evlog_sink_count_decision(c->log->sink, e->decision);	/* run's summary */
	if (!now && evlog_drain_put(c->log, e))
		return;
	len = event_format(line, sizeof(line), e);
	/* One write per event, after the ring's lines so far (drain.h), sealed
	 * there, in the chain of the file it goes to.  The sink counts a loss
	 * in the run's tally too. */
	if (c->seal)
		ok = evlog_drain_write_sealed(c->log, line, len, sizeof(line), false, &e->ts);
	else
		ok = evlog_drain_write(c->log, line, len, false, &e->ts);
	if (!ok)
		c->lost++;
}

void notify_seal(struct notify_ctx *c, struct seal_chain *chain)
{
	c->seal = chain;
}

/* One line of /proc/PID/maps: is it the shim, or the run's ring (the
 * tally's memfd mapped whole, not only its page: evlog/ring.h)? */
static void notify_maps_line(const char *line, bool *shim, bool *ring)
{
	static const char memfd[] = "/memfd:sockaudit-tally";
	unsigned long start, end;
	const char *path = strchr(line, '/');

	if (!path || sscanf(line, "%lx-%lx", &start, &end) != 2)
		return;
	if (strstr(path, "libsockaudit"))
		*shim = true;
	else if (!strncmp(path, memfd, sizeof(memfd) - 1) && end - start > 65536)
		*ring = true;
}

/* Does T's process write the log itself?  The supervisor's lines go through
 * the drain's queue and reach the log a round of the drain's thread later,
 * in time order with the ring's lines; a process whose shim writes the
 * file itself (it could not map the ring: its descriptor closed before its
 * exec, another pid namespace) would get its own line of its next call in
 * before ours.  Its calls' lines are written before they are answered.
 * Told from its maps (the shim loaded, the ring not mapped), read once per
 * process image (notify_exec_seen forgets it); one we cannot read or
 * cannot name is taken to write the log itself. */
static bool notify_writes_self(struct notify_ctx *c, const struct notify_target *t)
{
	struct notify_proc *p;
	char buf[8192];
	size_t have = 0;
	bool shim = false, ring = false;
	ssize_t n;
	int fd;

	if (t->dirfd < 0)
		return true;
	p = notify_proc_of(c, t->pid, t->start);
	if (p->writes_self != NOTIFY_SELF_UNKNOWN)
		return p->writes_self == NOTIFY_SELF_YES;
	fd = openat(t->dirfd, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;	/* and asked again at its next call */
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *q = buf, *nl;

		have += (size_t)n;
		while ((nl = memchr(q, '\n', have - (size_t)(q - buf)))) {
			*nl = '\0';
			notify_maps_line(q, &shim, &ring);
			q = nl + 1;
		}
		have -= (size_t)(q - buf);
		memmove(buf, q, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line longer than any path: not ours */
	}
	close(fd);
	if (n < 0)
		return true;
	p->writes_self = shim && !ring ? NOTIFY_SELF_YES : NOTIFY_SELF_NO;
	return p->writes_self == NOTIFY_SELF_YES;
}

/* Kill the target as the kernel's SECCOMP_RET_KILL_PROCESS would: by SIGSYS
 * (a core dump, status 128+31).  A SIGSYS sent from outside can be caught,
 * ignored or blocked, which the kernel's cannot: then SIGKILL.  The call is
 * answered with an error, never continued, so even a program that races a
 * SIGSYS handler in between never gets its socket. */
static void notify_kill(const struct notify_target *t)
{
	uint64_t sys = 1ULL << (SIGSYS - 1), sigs = sys;
	char buf[4096];

	if (notify_read_file(t->dirfd, "status", buf, sizeof(buf)) > 0)
		sigs = notify_status_hex(buf, "\nSigBlk:") |
		       notify_status_hex(buf, "\nSigIgn:") |
		       notify_status_hex(buf, "\nSigCgt:");
	if (!(sigs & sys) && syscall(SYS_tgkill, t->pid, t->tid, SIGSYS) == 0)
		return;
	kill(t->pid, SIGKILL);
}

/* --- one notification, stage by stage ------------------------------------ */

/* A notification on its way through notify_serve(). */
struct notify_job {
	const struct calls_row *row;
	struct notify_target *t;
	long args[6];
	int sock_fd;		/* our copy of the call's descriptor, or -errno */
	struct policy_call call;
	struct policy_decision d;
	struct timespec ts;	/* when it was received */
	bool go;		/* the call takes place: allowed, or audit mode */
	bool blind;		/* /proc could not tell who is calling */
	bool muxed;		/* through socketcall: ARGS read from memory */
	unsigned unknown;	/* policy_unknown: facts we could not read */
	const char *exe;	/* the caller's executable, or NULL: unknown */
	bool kill_it;
	/* The outcome, as the event reports it. */
	bool known;		/* RESULT and ERR are what the caller saw */
	long result;
	int err;
	int new_fd;		/* an accept we made: our end, for ADDFD; -1 */
	int new_flags;		/* the caller's accept4 flags */
	/* An address event: the addresses it names (C->addrs), 0 for a
	 * sendmsg without msg_name (no event). */
	struct notify_addr *addrs;
	size_t n_addrs;
	/* An accept we made with the caller's buffer: the peer it got. */
	struct calls_addr peer;
	bool has_peer;
};

/* Receive: the next notification into C->req.  1; 0 when it vanished
 * (ENOENT: the caller died or a signal cancelled the call before we got it);
 * -errno when the listener failed. */
static int notify_recv(struct notify_ctx *c, int listener)
{
	memset(c->req, 0, c->sizes.seccomp_notif);
	while (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, c->req) < 0)
		if (errno != EINTR)
			return errno == ENOENT ? 0 : -errno;
	memset(c->resp, 0, c->sizes.seccomp_notif_resp);
	c->resp->id = c->req->id;
	return 1;
}

/* Send C->resp.  1; 0 when the call vanished (ENOENT: a signal cancelled it,
 * and the kernel restarts it so that we see it again, or its caller died:
 * nothing happened, nothing is logged); -errno. */
static int notify_send(struct notify_ctx *c, int listener)
{
	while (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, c->resp) < 0)
		if (errno != EINTR)
			return errno == ENOENT ? 0 : -errno;
	return 1;
}

static int notify_mem(pid_t tid, unsigned long addr, void *buf, size_t len, bool out);

/* socketcall(2)'s arguments into J->args: the operation's words at the
 * pointer in its second argument, read from thread TID's memory as 32-bit
 * words (zero-extended, as the kernel hands an i386 call's registers).  0,
 * or -1 when they cannot be read (J->args then all 0xffffffff: -1 as an
 * int).  Advisory only: another thread can rewrite them before the kernel
 * reads them again, which is why the filter sends socketcall here in
 * enforce mode only where every argument gets the same decision. */
static int notify_socketcall_args(pid_t tid, const struct seccomp_data *d, struct notify_job *j)
{
	uint32_t words[6];
	unsigned n = 0;

	policy_seccomp_socketcall_op(j->row->name, &n);
	if (n > 6 || notify_mem(tid, (unsigned long)(uint32_t)d->args[1], words,
				n * sizeof(*words), false) < 0) {
		for (int i = 0; i < 6; i++)
			j->args[i] = (long)UINT32_MAX;
		return -1;
	}
	for (unsigned i = 0; i < 6; i++)
		j->args[i] = i < n ? (long)words[i] : 0;
	return 0;
}

/* An address (of LEN bytes) the caller's memory would not give us. */
static void notify_fault_addr(size_t len, struct notify_addr *a)
{
	memset(&a->a, 0, sizeof(a->a));
	a->a.status = CALLS_ADDR_FAULT;
	a->a.family = -1;
	a->a.len = len;
	a->unknown = POLICY_UNKNOWN_ADDRESS;
}

/* The sockaddr of LEN bytes at PTR in thread TID's memory into *A, decoded
 * as the kernel would take it (calls_addr_decode), read as the kernel's
 * move_addr_to_kernel() does: nothing over CALLS_ADDR_MAX (or negative, as
 * the int the kernel uses), nothing for a NULL pointer.  EXACT: LEN and PTR
 * are registers the kernel uses unchanged (connect, bind, sendto), so a
 * NULL address or an overlong length is a fact; every other malformed
 * address (short: its family, read from memory, says how long it must be;
 * unreadable: another thread may map the page) another thread can make
 * well formed before the kernel reads it, so it is an unknown address,
 * decided strictly (POLICY_UNKNOWN_ADDRESS in A->unknown). */
static void notify_read_addr(pid_t tid, uint64_t ptr, long long len, bool exact,
			     struct notify_addr *a)
{
	uint8_t buf[CALLS_ADDR_MAX];

	a->unknown = 0;
	if (!ptr || len < 0 || len > CALLS_ADDR_MAX) {
		calls_addr_decode(ptr ? buf : NULL, len < 0 ? SIZE_MAX : (size_t)len, &a->a);
	} else if (len && notify_mem(tid, (unsigned long)ptr, buf, (size_t)len, false) < 0) {
		notify_fault_addr((size_t)len, a);
	} else {
		calls_addr_decode(buf, (size_t)len, &a->a);
		memcpy(a->raw, buf, (size_t)len);
	}
	if (a->a.status == CALLS_ADDR_SHORT || a->a.status == CALLS_ADDR_FAULT ||
	    (!exact && a->a.status != CALLS_ADDR_OK))
		a->unknown = POLICY_UNKNOWN_ADDRESS;
}

/* The address of the struct msghdr M, as the kernel's copy_msghdr takes it:
 * none without msg_name or with msg_namelen 0 (a send without an address:
 * no event, false), a negative length refused, a longer one than a sockaddr
 * cut to CALLS_ADDR_MAX. */
static bool notify_msg_addr(pid_t tid, const struct msghdr *m, struct notify_addr *a)
{
	long len = calls_msg_namelen(m->msg_name, m->msg_namelen);

	if (!len)
		return false;
	notify_read_addr(tid, (uint64_t)(uintptr_t)m->msg_name, len, false, a);
	return true;
}

/* The addresses of address event J into C->addrs: connect's and bind's
 * (arguments 1 and 2), sendto's (4 and 5), sendmsg's msghdr (argument 1),
 * each message of sendmmsg's vector (argument 1, VLEN in 2, capped as the
 * kernel does).  A msghdr that cannot be read is one unreadable address
 * (the kernel fails the call with EFAULT, unless another thread maps it
 * first); sendmmsg stops at the first message it cannot read, as the
 * kernel does. */
static void notify_addrs(struct notify_ctx *c, struct notify_job *j)
{
	const struct calls_row *r = j->row;
	pid_t tid = j->t->tid;
	struct msghdr m;
	size_t vlen, n = 0;

	j->addrs = c->addrs;
	if (r->arg_addr >= 0) {
		notify_read_addr(tid, (uint64_t)j->args[r->arg_addr],
				 (int)j->args[r->arg_addrlen], true, &c->addrs[n++]);
	} else if (r->arg_vlen < 0) {
		if (notify_mem(tid, (unsigned long)j->args[r->arg_msg], &m, sizeof(m), false) < 0)
			notify_fault_addr(0, &c->addrs[n++]);
		else if (notify_msg_addr(tid, &m, &c->addrs[n]))
			n++;
	} else {
		vlen = (unsigned)j->args[r->arg_vlen];
		if (vlen > NOTIFY_MSGS)
			vlen = NOTIFY_MSGS;
		if (vlen && notify_mem(tid, (unsigned long)j->args[r->arg_msg], c->msgs,
				       vlen * sizeof(*c->msgs), false) < 0) {
			/* Read one by one up to the first that faults. */
			size_t ok = 0;

			while (ok < vlen && !notify_mem(tid, (unsigned long)j->args[r->arg_msg] +
							ok * sizeof(*c->msgs), &c->msgs[ok],
							sizeof(*c->msgs), false))
				ok++;
			for (size_t i = 0; i < ok; i++)
				if (notify_msg_addr(tid, &c->msgs[i].msg_hdr, &c->addrs[n]))
					n++;
			notify_fault_addr(0, &c->addrs[n++]);
		} else {
			for (size_t i = 0; i < vlen; i++)
				if (notify_msg_addr(tid, &c->msgs[i].msg_hdr, &c->addrs[n]))
					n++;
		}
	}
	j->n_addrs = n;
}

/* The i386 ABI's struct msghdr and struct mmsghdr (the kernel's
 * compat_msghdr): 32-bit pointers and lengths. */
struct notify_msghdr32 {
	uint32_t name, namelen, iov, iovlen, control, controllen, flags;
};

struct notify_mmsghdr32 {
	struct notify_msghdr32 hdr;
	uint32_t len;
};

/* The address of the i386 msghdr at ADDR in TID's memory into *A: false
 * for none, as notify_msg_addr(); an unreadable msghdr is one unreadable
 * address. */
static bool notify_msg_addr32(pid_t tid, unsigned long addr, struct notify_addr *a)
{
	struct notify_msghdr32 m32;
	struct msghdr m = { 0 };

	if (notify_mem(tid, addr, &m32, sizeof(m32), false) < 0) {
		notify_fault_addr(0, a);
		return true;
	}
	m.msg_name = (void *)(uintptr_t)m32.name;
	m.msg_namelen = m32.namelen;
	return notify_msg_addr(tid, &m, a);
}

/* notify_addrs() for an i386 call: the same registers (or socketcall's
 * words, which another thread may rewrite: not exact), and the compat
 * msghdr layout; sendmmsg's vector read message by message up to the first
 * that cannot be read. */
static void notify_addrs32(struct notify_ctx *c, struct notify_job *j)
{
	const struct calls_row *r = j->row;
	pid_t tid = j->t->tid;
	size_t vlen, n = 0;

	j->addrs = c->addrs;
	if (r->arg_addr >= 0) {
		notify_read_addr(tid, (uint32_t)j->args[r->arg_addr],
				 (int)j->args[r->arg_addrlen], !j->muxed, &c->addrs[n++]);
	} else if (r->arg_vlen < 0) {
		if (notify_msg_addr32(tid, (uint32_t)j->args[r->arg_msg], &c->addrs[n]))
			n++;
	} else {
		vlen = (unsigned)j->args[r->arg_vlen];
		if (vlen > NOTIFY_MSGS)
			vlen = NOTIFY_MSGS;
		for (size_t i = 0; i < vlen; i++) {
			unsigned long m = (uint32_t)j->args[r->arg_msg] +
					  i * sizeof(struct notify_mmsghdr32);
			struct notify_msghdr32 probe;

			if (notify_mem(tid, m, &probe, sizeof(probe), false) < 0) {
				notify_fault_addr(0, &c->addrs[n++]);
				break;
			}
			if (notify_msg_addr32(tid, m, &c->addrs[n]))
				n++;
		}
	}
	j->n_addrs = n;
}

/* Facts: the call's row and arguments, its thread's /proc facts, and the
 * socket behind its descriptor (through a copy, kept in J->sock_fd for
 * notify_perform).  1; 0 when the caller is gone (nobody waits for an
 * answer). */
/* A caller whose /proc the supervisor could not read (its own descriptors
 * exhausted even after evicting the cache, say): known only by its thread
 * id, its exe unknown.  Said once on stderr. */
static struct notify_target *notify_blind_target(struct notify_ctx *c, pid_t tid)
{
	struct notify_target *t = &c->blind;

	if (!c->blind_said) {
		fprintf(stderr, "sockaudit run: warning: cannot read /proc/%d: %s; calls of "
			"threads it cannot look up are decided without their executable "
			"(enforce: the strictest rule that could apply) and logged with "
			"\"exe\":null\n", (int)tid, strerror(errno));
		c->blind_said = true;
	}
	memset(t, 0, sizeof(*t));
	t->dirfd = t->pidfd = -1;
	t->tid = t->pid = tid;
	return t;
}

static int notify_facts(struct notify_ctx *c, int listener, int kind, struct notify_job *j)
{
	const struct seccomp_notif *req = c->req;
	bool fresh, unread;

	j->t = notify_target(c, (pid_t)req->pid, &fresh);
	if (!j->t) {
		/* Unreadable is not gone: a caller still waiting must get an
		 * answer, or it waits for ever. */
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
			return 0;
		j->t = notify_blind_target(c, (pid_t)req->pid);
		j->blind = true;
		fresh = false;
	}
	j->row = &calls_table[kind];
	for (int i = 0; i < 6; i++)
		j->args[i] = (long)req->data.args[i];
	unread = j->muxed && notify_socketcall_args((pid_t)req->pid, &req->data, j) < 0;
	if (j->row->arg_fd >= 0) {
		j->sock_fd = j->blind || unread ? -ESRCH :
			notify_getfd(j->t->pid, (uint64_t)j->args[j->row->arg_fd]);
		fresh = true;
	}
	calls_facts(j->row, j->args, j->sock_fd, &j->call);
	if (calls_names_address(j->row)) {
		if (req->data.arch == seccomp_arch_native())
			notify_addrs(c, j);
		else
			notify_addrs32(c, j);	/* the only other ABI: i386 */
	}
	j->exe = j->t->exe_known ? j->t->exe : NULL;
	if (!j->exe && !j->blind)
		j->exe = notify_proc_of(c, j->t->pid, j->t->start)->exe;
	j->call.exe = j->exe;
	/* What we could not read is unknown, not absent: a target that made
	 * itself non-dumpable (PR_SET_DUMPABLE 0) hides its exe and its
	 * descriptors from a supervisor without CAP_SYS_PTRACE.  A descriptor
	 * that is not open (EBADF) is a fact: the kernel fails the call. */
	if (!j->exe)
		j->unknown |= POLICY_UNKNOWN_EXE;
	if (j->row->arg_fd >= 0 && j->sock_fd < 0 && j->sock_fd != -EBADF)
		j->unknown |= POLICY_UNKNOWN_SOCKET;

	/* What was just read came from /proc/TID and the target's descriptor
	 * table.  If the notification is still pending now, TID was alive the
	 * whole time, so it was not a reused id.  (A checked cache hit needs
	 * none: the cached thread is alive, so it has held TID since before
	 * the call.) */
	if (fresh && ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return 0;
	return 1;
}

/* An address event: each of its addresses decided on its own (sendmmsg:
 * one per message), the call by the strictest of them, the earliest among
 * equals (the whole call is refused: the supervisor cannot continue part
 * of it).  No address (a sendmsg without msg_name) is no event: allowed,
 * unlogged. */
static void notify_decide_addrs(struct notify_ctx *c, struct notify_job *j)
{
	j->d = (struct policy_decision){ .action = POLICY_ALLOW, .rule = -1 };
	for (size_t i = 0; i < j->n_addrs; i++) {
		struct notify_addr *a = &j->addrs[i];
		struct policy_call call = j->call;
		unsigned unknown = j->unknown | a->unknown;
		bool log = j->d.log;

		calls_addr_to_policy(&a->a, &call);
		if (unknown)
			policy_match_strictest(c->policy, &call, unknown, &a->d);
		else
			policy_match(c->policy, &call, &a->d);
		if (!i || policy_strictness(a->d.action) > policy_strictness(j->d.action))
			j->d = a->d;
		j->d.log = log || a->d.log;
	}
}

/* Decide: the one matcher; the mode says whether the call takes place.
 * The event's time is when we received the call (evlog_drain_hold): the
 * ring's lines of calls made after it come after its line. */
static void notify_decide(struct notify_ctx *c, struct notify_job *j)
{
	j->ts = c->recv_ts;
	if (calls_names_address(j->row))
		notify_decide_addrs(c, j);
	else if (j->unknown)
		policy_match_strictest(c->policy, &j->call, j->unknown, &j->d);
	else
		policy_match(c->policy, &j->call, &j->d);
	/* The shim logged a marked call already; a forged marker only saves
	 * the forger a log line, never a decision. */
	if (c->marker && c->req->data.args[LAYERS_MARKER_ARG] == c->marker &&
	    j->row->arg_addrlen != LAYERS_MARKER_ARG &&	/* sendto: its own */
	    c->req->data.arch == seccomp_arch_native()) {	/* the shim's only */
		j->d.log = false;
		for (size_t i = 0; i < j->n_addrs; i++)
			j->addrs[i].d.log = false;
	}
	j->go = c->mode == POLICY_AUDIT || j->d.action == POLICY_ALLOW;
	j->kill_it = !j->go && j->d.action == POLICY_KILL;
	if (!j->go && !j->kill_it) {
		/* Refused: what the caller will see, known before the answer
		 * (a line may be written first: notify_writes_self). */
		j->known = true;
		j->result = -1;
		j->err = j->d.err;
	}
}

/* Copy LEN bytes between BUF and address ADDR of thread TID (OUT: to the
 * thread): 0, or -1 as the kernel's copy_to/from_user would fail (EFAULT).
 * process_vm_writev, not /proc/PID/mem: it fails on a read-only page as the
 * kernel's own write would.  Its ptrace check is pidfd_getfd's, which
 * passed already. */
static int notify_mem(pid_t tid, unsigned long addr, void *buf, size_t len, bool out)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)addr, .iov_len = len };
	ssize_t n = out ? process_vm_writev(tid, &local, 1, &remote, 1, 0) :
			  process_vm_readv(tid, &local, 1, &remote, 1, 0);

	return n == (ssize_t)len ? 0 : -1;
}

/* The peer address of an accept we made, into the caller's ADDR and
 * *ADDRLEN as the kernel's move_addr_to_user() does it: read *ADDRLEN, copy
 * at most that many bytes (truncating), then store the full length KLEN.
 * 0 or the errno the caller's accept would fail with (EFAULT, EINVAL). */
static int notify_put_peer(pid_t tid, unsigned long addr, unsigned long addrlen,
			   const struct sockaddr_storage *peer, socklen_t klen)
{
	int len, full = (int)klen;

	if (notify_mem(tid, addrlen, &len, sizeof(len), false))
		return EFAULT;
	if (len > full)
		len = full;
	if (len < 0)
		return EINVAL;
	if (len && notify_mem(tid, addr, (void *)peer, (size_t)len, true))
		return EFAULT;
	if (notify_mem(tid, addrlen, &full, sizeof(full), true))
		return EFAULT;
	return 0;
}

/* Does the kernel support handing a descriptor over as the call's result
 * (SECCOMP_ADDFD_FLAG_SEND, Linux 5.14)?  Asked once, with an invalid source
 * descriptor: a kernel that knows the flag checks it before anything else
 * and says EBADF, without looking for a notification; an older one says
 * EINVAL. */
static bool notify_can_addfd(struct notify_ctx *c, int listener)
{
	if (!c->addfd_known) {
		struct seccomp_notif_addfd a = {
			.flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)-1,
		};

		c->addfd_known = true;
		c->addfd = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a) < 0 && errno == EBADF;
	}
	return c->addfd;
}

/* Could the accept of J block?  Not when it fails before looking for a
 * connection (unknown flag bits: EINVAL, first of all; a descriptor that is
 * not open: EBADF; not a socket: ENOTSOCK), nor on a non-blocking listener
 * (the copy shares the target's open file description, so O_NONBLOCK is the
 * program's).  Any other accept may wait, for ever. */
static bool notify_accept_blocks(const struct notify_job *j)
{
	struct stat st;
	int fl;

	if (j->new_flags & ~CALLS_ACCEPT_FLAGS || j->sock_fd == -EBADF)
		return false;
	if (j->sock_fd < 0 || fstat(j->sock_fd, &st) < 0)
		return true;	/* cannot tell: leave it to the kernel */
	if (!S_ISSOCK(st.st_mode))
		return false;
	fl = fcntl(j->sock_fd, F_GETFL);
	return fl < 0 || !(fl & O_NONBLOCK);
}

/*
 * Perform: make an allowed, logged call ourselves when only its outcome says
 * what the event is, and making it cannot block us (the one loop serves the
 * whole tree).  For accept: a failed accept made no socket and is no event
 * (the EAGAIN of every non-blocking accept loop), a successful one is an
 * event with its new descriptor.  We accept on our copy of the listener with
 * the caller's flags; notify_answer() hands the new socket over with
 * SECCOMP_IOCTL_NOTIF_ADDFD, atomically as the call's result.  A blocking
 * listener is left to the kernel (CONTINUE: logged when the call starts,
 * result unknown): waiting for a connection in the caller's place would
 * stall every other call of the tree, and a poll first proves nothing when
 * another process or thread accepts on the same listener.
 * shutdown is made on our copy too (it never blocks): the same socket, so
 * the same effect, and its real result.
 * The call then acts on the socket we looked at, so no other thread can
 * swap the descriptor between our decision and the kernel's lookup.
 */
/* A socket belongs to whoever makes it: its inode takes the maker's
 * filesystem uid and gid (what fstat(2) and netfilter's owner match see).
 * So the supervisor accepts for a caller only when the caller's are its
 * own; otherwise the call continues and its result stays unknown.  Read
 * afresh: the caller may have changed them since we first saw it. */
static bool notify_same_owner(const struct notify_target *t)
{
	unsigned long ids[2][4];
	const char *keys[2] = { "\nUid:", "\nGid:" };
	char buf[4096];

	if (notify_read_file(t->dirfd, "status", buf, sizeof(buf)) <= 0)
		return false;
	for (int k = 0; k < 2; k++) {
		const char *p = strstr(buf, keys[k]);

		if (!p || sscanf(p + strlen(keys[k]), "%lu %lu %lu %lu", &ids[k][0], &ids[k][1],
				 &ids[k][2], &ids[k][3]) != 4)
			return false;
	}
	/* The fourth of each line is the filesystem id. */
	return ids[0][3] == (unsigned long)geteuid() && ids[1][3] == (unsigned long)getegid();
}

/* Is namespace file NAME (under /proc/TID, DIRFD) ours? */
static bool notify_same_ns(int dirfd, const char *name)
{
	char mine[64], theirs[64], path[32];
	ssize_t a, b;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	a = readlink(path, mine, sizeof(mine));
	b = readlinkat(dirfd, name, theirs, sizeof(theirs));
	return a > 0 && a == b && !memcmp(mine, theirs, (size_t)a);
}

/* Would the kernel let the caller of J bind to PORT, as it lets us (a bind
 * checks the binding task's CAP_NET_BIND_SERVICE, in the user namespace of
 * the socket's network namespace, for a port below
 * net.ipv4.ip_unprivileged_port_start)?  Only when it is in our user and
 * network namespaces, and the port needs no privilege there or the caller
 * holds the capability; anything we cannot tell: no, the kernel's turn. */
static bool notify_may_bind(const struct notify_job *j, int port)
{
	char buf[4096];
	const char *p;
	long start;

	if (j->blind || !notify_same_ns(j->t->dirfd, "ns/user") ||
	    !notify_same_ns(j->t->dirfd, "ns/net"))
		return false;
	if (!port)
		return true;
	if (notify_read_file(AT_FDCWD, "/proc/sys/net/ipv4/ip_unprivileged_port_start",
			     buf, sizeof(buf)) <= 0)
		return false;
	start = strtol(buf, NULL, 10);
	if (port >= start)
		return true;
	if (notify_read_file(j->t->dirfd, "status", buf, sizeof(buf)) <= 0 ||
	    !(p = strstr(buf, "\nCapEff:")))
		return false;
	return strtoull(p + strlen("\nCapEff:"), NULL, 16) & (1ULL << CAP_NET_BIND_SERVICE);
}

/* Could a connect on J's socket wait?  Not on a datagram socket (a UDP or
 * ICMP connect only sets the peer), nor on a non-blocking one (EINPROGRESS;
 * the copy shares the caller's open file description, so O_NONBLOCK is the
 * program's).  A blocking stream connect may wait for the peer for minutes:
 * made here it would stall every other call of the tree. */
static bool notify_connect_blocks(const struct notify_job *j)
{
	int fl;

	if ((j->call.type & ~CALLS_ACCEPT_FLAGS) == SOCK_DGRAM)
		return false;
	fl = fcntl(j->sock_fd, F_GETFL);
	return fl < 0 || !(fl & O_NONBLOCK);
}

/*
 * Perform an allowed connect or bind to an inet address ourselves, on our
 * copy of the caller's socket with the very bytes we decided on, and answer
 * with its result: no other thread of the caller can rewrite the address
 * between our check and the kernel's use, as it could if the call
 * continued (the kernel would read the caller's memory again).  Not made
 * here, so continued and open to that rewrite (see the top of this file):
 * a blocking stream connect (it may wait), an AF_UNIX address (a path is
 * resolved in the caller's root and working directory, an abstract name in
 * its network namespace), a bind our privilege would allow and the
 * caller's would not, sendto and sendmsg (their data is in the caller's
 * memory).
 */
static void notify_perform_addr(struct notify_job *j)
{
	const struct notify_addr *a = &j->addrs[0];
	int ret;

	if (!j->go || j->n_addrs != 1 || j->sock_fd < 0 || a->a.status != CALLS_ADDR_OK ||
	    (a->a.family != AF_INET && a->a.family != AF_INET6))
		return;
	if (j->row->event == POLICY_EV_BIND) {
		if (!notify_may_bind(j, a->a.in.port))
			return;
		ret = bind(j->sock_fd, (const struct sockaddr *)a->raw, (socklen_t)a->a.len);
	} else if (j->row->event == POLICY_EV_CONNECT) {
		if (notify_connect_blocks(j))
			return;
		ret = connect(j->sock_fd, (const struct sockaddr *)a->raw, (socklen_t)a->a.len);
	} else {
		return;
	}
	j->known = true;
	j->result = ret;
	j->err = ret < 0 ? errno : 0;
}

static void notify_perform(struct notify_ctx *c, int listener, struct notify_job *j)
{
	struct sockaddr_storage peer;
	socklen_t klen = sizeof(peer);
	bool want_peer = j->args[1] != 0;
	int fd = j->sock_fd >= 0 ? j->sock_fd : -1, ret;

	if (calls_names_address(j->row)) {
		notify_perform_addr(j);
		return;
	}
	if (!j->go || !j->d.log || j->row->arg_fd < 0 || j->blind)
		return;
	if (j->sock_fd < 0 && j->sock_fd != -EBADF)
		return;		/* we cannot look (EPERM, ESRCH): the kernel's turn */
	if (j->row->event == POLICY_EV_SHUTDOWN) {
		ret = shutdown(fd, (int)j->args[j->row->arg_how]);
		j->known = true;
		j->result = ret;
		j->err = ret < 0 ? errno : 0;
		return;
	}
	if (!calls_is_accept(j->row))
		return;
	j->new_flags = j->row->arg_flags >= 0 ? (int)j->args[j->row->arg_flags] : 0;
	if (notify_accept_blocks(j) || !notify_can_addfd(c, listener) ||
	    !notify_same_owner(j->t))
		return;
	/* SOCK_CLOEXEC for our end; the caller's end gets its own flag. */
	ret = accept4(fd, want_peer ? (struct sockaddr *)&peer : NULL,
		      want_peer ? &klen : NULL, j->new_flags | SOCK_CLOEXEC);
	if (ret < 0 && errno == EMFILE)
		return;		/* our table, not the caller's: the kernel's turn
				   (the fd is reserved first, no connection taken) */
	j->known = true;
	j->result = -1;
	if (ret < 0) {
		j->err = errno;
		return;
	}
	j->err = want_peer ? notify_put_peer(j->t->tid, (unsigned long)j->args[1],
					     (unsigned long)j->args[2], &peer, klen) : 0;
	if (j->err) {
		close(ret);	/* as the kernel: the connection is dropped */
	} else {
		j->new_fd = ret;
		/* "peer": what the caller's buffer got, as the shim logs it
		 * (the whole address, even where the buffer truncated it). */
		if (want_peer) {
			calls_addr_decode(&peer, klen, &j->peer);
			j->has_peer = true;
		}
	}
}

/* Hand J's accepted socket to the caller as its call's result (ADDFD with
 * SEND, Linux 5.14: atomically the call's return value).  1; 0 when the call
 * vanished; -errno. */
static int notify_addfd(struct notify_ctx *c, int listener, struct notify_job *j)
{
	struct seccomp_notif_addfd a = {
		.id = c->req->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)j->new_fd,
		.newfd_flags = j->new_flags & SOCK_CLOEXEC ? O_CLOEXEC : 0,
	};
	int fd;

	while ((fd = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a)) < 0 && errno == EINTR)
		;
	if (fd >= 0) {
		j->result = fd;
		j->err = 0;
		return 1;
	}
	if (errno == ENOENT)
		return 0;
	/* The caller's descriptor table is full (EBADF: RLIMIT_NOFILE,
	 * EMFILE: nr_open): its accept fails as the kernel's would, EMFILE,
	 * but the connection we took is lost. */
	j->err = errno == EBADF || errno == EMFILE ? EMFILE : ECONNABORTED;
	c->resp->error = -j->err;
	return notify_send(c, listener);
}

/* Answer: refuse with the errno, give the outcome of the call we made, or
 * let the call continue.  1; 0 when the call vanished; -errno. */
static int notify_answer(struct notify_ctx *c, int listener, struct notify_job *j)
{
	struct seccomp_notif_resp *resp = c->resp;

	if (j->kill_it) {
		notify_kill(j->t);
		resp->error = -(j->d.err ? j->d.err : EPERM);
	} else if (!j->go) {
		resp->error = -j->d.err;
	} else if (j->new_fd >= 0) {
		return notify_addfd(c, listener, j);
	} else if (j->known) {
		if (j->result < 0)
			resp->error = -j->err;
		else
			resp->val = j->result;
	} else {
		/* Safe to continue: see the comment at the top of this file. */
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	}
	return notify_send(c, listener);
}

/* Log: one event per socket made (a socketpair that is not refused: one per
 * end), none for an allowed accept that made no socket.  A call we let
 * continue has an unknown result ("self", "result" and "errno" null). */
static void notify_log(struct notify_ctx *c, const struct notify_job *j, bool now)
{
	struct event e;
	int events = 1;

	if (!j->d.log)
		return;
	if (calls_is_accept(j->row) && j->known && j->result < 0 &&
	    j->d.action == POLICY_ALLOW)
		return;
	if (j->go && j->row->sockets > 1)
		events = j->row->sockets;

	memset(&e, 0, sizeof(e));
	e.ts = j->ts;
	e.event = j->call.event;
	e.call = j->row->name;
	e.family = j->call.family;
	e.type = j->call.type;
	e.protocol = j->call.protocol;
	e.how = j->call.how;
	if (j->row->event == POLICY_EV_SHUTDOWN) {
		/* The int the kernel uses (a register's low half), as the shim
		 * sees it: -1, not 4294967295. */
		e.self = (int)j->args[j->row->arg_fd];
		e.self_known = true;
	} else if (j->known && j->result >= 0) {
		e.self = j->result;
		e.self_known = true;
	}
	e.result_unknown = !j->known;
	e.result = j->result;
	e.err = j->err;
	e.decision = event_decision_of(&j->d, c->mode);
	e.rule = j->d.rule_id;
	e.mode = policy_mode_name(c->mode);
	e.pid = j->t->pid;
	e.tid = j->t->tid;
	e.ppid = j->t->ppid;
	e.exe = j->exe;
	e.comm = j->t->comm;
	e.layer = EVENT_NOTIFY;
	e.unknown = j->unknown;
	if (calls_is_accept(j->row)) {
		/* null: no buffer, a failed accept, or one the kernel made */
		e.peer = true;
		e.addr = j->has_peer && j->result >= 0 ? &j->peer : NULL;
	}

	if (calls_names_address(j->row)) {
		/* [self, address], one event per address, each with its own
		 * decision; the call's outcome is theirs alike. */
		e.self = (int)j->args[j->row->arg_fd];
		e.self_known = true;
		for (size_t i = 0; i < j->n_addrs; i++) {
			const struct notify_addr *a = &j->addrs[i];

			if (!a->d.log)
				continue;
			e.addr = &a->a;
			e.decision = event_decision_of(&a->d, c->mode);
			e.rule = a->d.rule_id;
			e.unknown = j->unknown | a->unknown;
			notify_write_event(c, &e, j->t, now);
		}
		return;
	}
	for (int i = 0; i < events; i++)
		notify_write_event(c, &e, j->t, now);
}

/* Thread T of PROC is about to execve (or fail to): the cache's threads of
 * its process are dropped, so that its next calls read the new exe.  With
 * other threads alive (the thread count read now, while T waits for us
 * and cannot make more), dropping is not enough (notify_alive): then the
 * process's calls verify their exe from now on, until an exec of it alone. */
static void notify_exec_seen(struct notify_ctx *c, const struct notify_target *t,
			     struct notify_proc *proc)
{
	char buf[4096];
	pid_t pid = t->pid;

	proc->exec_threads = notify_read_file(t->dirfd, "status", buf, sizeof(buf)) <= 0 ||
			     notify_status_field(buf, "\nThreads:") != 1;
	proc->writes_self = NOTIFY_SELF_UNKNOWN;
	for (size_t i = 0; i < NOTIFY_TARGETS; i++)
		if (c->targets[i].tid && c->targets[i].pid == pid)
			notify_target_drop(&c->targets[i]);
}

/* The calls the filter sends so that the exe stays known (policy/filter.h,
 * policy_seccomp_opts.notify): a prctl(PR_SET_DUMPABLE) is about to hide
 * the caller's /proc/PID/exe from us, so read it now and keep it with the
 * process; an execve is about to change it, so forget what was kept (an
 * exec that fails leaves the exe unknown: decided strictly, never wrongly).
 * Both always continue: we decide nothing on them.  False when the call is
 * not one of these; else *RET is notify_send()'s result. */
static bool notify_lifecycle(struct notify_ctx *c, int listener, int *ret)
{
	const struct seccomp_notif *req = c->req;
	const struct notify_arch *a = notify_arch_of(c, req->data.arch);
	struct notify_target *t;
	struct notify_proc *proc;
	bool fresh, dumpable;

	if (!a || (req->data.nr != a->prctl && req->data.nr != a->execve &&
		   req->data.nr != a->execveat))
		return false;
	dumpable = req->data.nr == a->prctl;
	t = notify_target(c, (pid_t)req->pid, &fresh);
	/* Facts read fresh are the caller's only if it is still waiting. */
	if (t && (!fresh || ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0)) {
		proc = notify_proc_of(c, t->pid, t->start);
		if (!dumpable || t->exe_known) {
			free(proc->exe);
			proc->exe = dumpable ? strdup(t->exe) : NULL;
		}
		if (!dumpable)
			notify_exec_seen(c, t, proc);
	} else if (!dumpable) {
		/* Whose exec this is we cannot tell: trust no cached exe. */
		c->verify_all = true;
	}
	c->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	*ret = notify_send(c, listener);
	return true;
}

/* A call the filter sent that we do not know: refused in enforce mode rather
 * than guessed at. */
static int notify_unknown_call(struct notify_ctx *c, int listener)
{
	if (c->mode == POLICY_AUDIT)
		c->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		c->resp->error = -ENOSYS;
	return notify_send(c, listener);
}

/* The pipeline: receive, facts, decide, perform, answer, log.  Each stage
 * reads what the earlier ones left in J; the copy of the target's
 * descriptor and an accepted socket not handed over are closed here. */
static int notify_serve_one(struct notify_ctx *c, int listener);

int notify_serve(struct notify_ctx *c, int listener)
{
	int ret;

	ret = notify_recv(c, listener);
	if (ret <= 0)
		return ret;
	/* The first notification is the tree's first execve: its process was
	 * forked already and the standby is not yet, as the queue needs
	 * (evlog_drain_queue).  Without one, each line is written here. */
	if (!c->queue_tried) {
		c->queue_tried = true;
		evlog_drain_queue(c->log);
	}
	/* Its line goes after the ring's lines of calls made before it and
	 * before those made while we decide and answer (drain.h). */
	evlog_drain_hold(c->log, true, &c->recv_ts);
	ret = notify_serve_one(c, listener);
	evlog_drain_hold(c->log, false, NULL);
	return ret;
}

static int notify_serve_one(struct notify_ctx *c, int listener)
{
	struct notify_job j = { .sock_fd = -1, .new_fd = -1 };
	int kind, ret;
	bool now;

	if (notify_lifecycle(c, listener, &ret))
		return ret < 0 ? ret : 0;
	kind = notify_call_of(c, &c->req->data, &j.muxed);
	if (kind < 0) {
		ret = notify_unknown_call(c, listener);
		return ret < 0 ? ret : 0;
	}
	ret = notify_facts(c, listener, kind, &j);
	if (ret > 0) {
		notify_decide(c, &j);
		notify_perform(c, listener, &j);
		/* A kill is logged first, while the target is what it names; so
		 * is the call of a process that writes the log itself, written
		 * now, before its own line of its next call (notify_writes_self):
		 * except an accept we made, whose descriptor comes with the
		 * answer. */
		now = j.new_fd < 0 && j.d.log && notify_writes_self(c, j.t);
		if (j.kill_it || now)
			notify_log(c, &j, now);
		ret = notify_answer(c, listener, &j);
		if (ret > 0 && !j.kill_it && !now)
			notify_log(c, &j, false);
	}
	if (j.sock_fd >= 0)
		close(j.sock_fd);
	if (j.new_fd >= 0)
		close(j.new_fd);
	return ret < 0 ? ret : 0;
}
