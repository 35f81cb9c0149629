/* notify.c - one seccomp user notification: facts, decision, answer, event.
 *
 * Why letting a call continue is safe here: every fact the policy decides on
 * is either a register argument (family, type, protocol, how), which the
 * kernel copied into the notification and will use unchanged when the call
 * continues, or a fact the target cannot change while its thread is stopped in
 * the call without dying (its executable: an execve in another thread kills
 * this one first).  What /proc says is trusted only once checked: by ID_VALID
 * after a fresh read, or through the cached thread's pinned /proc directory
 * (notify_still) before an exe rule decides.
 * connect/bind/sendto would be different: their addresses live in the
 * target's memory, which another thread may rewrite after we looked.
 *
 * The one exception is the socket behind shutdown's and accept's descriptor:
 * we look at it through pidfd_getfd, but the kernel looks the number up again
 * when the call continues.  Another thread of the same process can close that
 * number and put a different socket there in between.  So a hostile
 * multithreaded program can make the supervisor's family/type/protocol rules
 * for shutdown and accept see another of its own sockets; the rules the
 * kernel filter expresses on registers (shutdown's how, every socket() and
 * socketpair() rule) stay exact.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <seccomp.h>

#include "calls.h"
#include "event.h"
#include "layers.h"
#include "notify.h"

/* Syscall numbers of each call of calls.def, per audit arch the filter let
 * through. */
struct notify_arch {
	uint32_t arch;
	int nr[CALLS_COUNT];
};

#define NOTIFY_ARCHES 8

/* What /proc says about a calling thread.  Cached per thread: DIRFD is
 * /proc/TID opened O_PATH, which stays bound to that very thread, so a lookup
 * through it fails once the thread is gone, even if its id was reused. */
struct notify_target {
	pid_t tid;		/* 0: empty slot */
	pid_t pid, ppid;
	int dirfd;
	unsigned long long start;
	char exe[PATH_MAX];
	char comm[64];
	bool exe_known;
};

#define NOTIFY_TARGETS 64

/* seq per process: keyed by pid and start time, so that a reused pid starts
 * again from 1 instead of continuing a dead process's count. */
struct notify_seq {
	pid_t pid;		/* 0: free slot */
	unsigned long long start;
	uint64_t seq;
};

#define NOTIFY_SEQ_MIN 256

struct notify_ctx {
	const struct policy *policy;
	enum policy_mode mode;
	int log_fd;
	unsigned long lost;
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct notify_arch arches[NOTIFY_ARCHES];
	size_t narches;
	uint64_t marker;		/* the shim's, or 0 */
	struct notify_seq *seqs;
	size_t seq_cap, seq_used;
	struct notify_target targets[NOTIFY_TARGETS];
};

struct notify_ctx *notify_new(const struct policy *p, int log_fd, uint64_t marker)
{
	struct notify_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->policy = p;
	c->mode = policy_mode(p);
	c->log_fd = log_fd;
	c->marker = marker;
	for (size_t i = 0; i < NOTIFY_TARGETS; i++)
		c->targets[i].dirfd = -1;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &c->sizes) < 0)
		goto fail;
	/* The kernel may know a larger struct than our headers: size by it. */
	c->req = calloc(1, c->sizes.seccomp_notif > sizeof(*c->req) ?
			   c->sizes.seccomp_notif : sizeof(*c->req));
	c->resp = calloc(1, c->sizes.seccomp_notif_resp > sizeof(*c->resp) ?
			    c->sizes.seccomp_notif_resp : sizeof(*c->resp));
	c->seq_cap = NOTIFY_SEQ_MIN;
	c->seqs = calloc(c->seq_cap, sizeof(*c->seqs));
	if (!c->req || !c->resp || !c->seqs) {
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
	for (size_t i = 0; i < NOTIFY_TARGETS; i++)
		if (c->targets[i].dirfd >= 0)
			close(c->targets[i].dirfd);
	free(c->req);
	free(c->resp);
	free(c->seqs);
	free(c);
}

unsigned long notify_lost(const struct notify_ctx *c)
{
	return c->lost;
}

/* Which call NR is on ARCH, resolved once per arch through libseccomp's
 * tables (i386 numbers socket calls differently from x86-64). */
static int notify_call_of(struct notify_ctx *c, uint32_t arch, int nr)
{
	struct notify_arch *a = NULL;

	for (size_t i = 0; i < c->narches; i++)
		if (c->arches[i].arch == arch)
			a = &c->arches[i];
	if (!a) {
		if (c->narches == NOTIFY_ARCHES)
			return -1;
		a = &c->arches[c->narches++];
		a->arch = arch;
		for (int k = 0; k < CALLS_COUNT; k++)
			a->nr[k] = seccomp_syscall_resolve_name_arch(arch, calls_table[k].name);
	}
	for (int k = 0; k < CALLS_COUNT; k++)
		if (a->nr[k] >= 0 && a->nr[k] == nr)
			return k;
	return -1;
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
	memset(t, 0, sizeof(*t));
	t->dirfd = -1;
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

/* The facts of thread TID, from the cache when notify_still() says they
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

	if (t->tid == tid && notify_still(t)) {
		*fresh = false;
		return t;
	}
	notify_target_drop(t);
	if (notify_read_target(tid, t) < 0) {
		notify_target_drop(t);
		return NULL;
	}
	*fresh = true;
	return t;
}

/* A copy of descriptor FD of process PID (pidfd_getfd), for the facts
 * reader; -1 when it is not open there. */
static int notify_getfd(pid_t pid, uint64_t fd)
{
	int pidfd, sfd;

	if (fd > INT_MAX)
		return -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	close(pidfd);
	return sfd;
}

/* The next seq of process (PID, START), from 1. */
static uint64_t notify_next_seq(struct notify_ctx *c, pid_t pid, unsigned long long start)
{
	size_t i, mask;

	/* Keep the table at most half full: forget the processes that are
	 * gone, and grow only if the live ones need it. */
	if (c->seq_used * 2 >= c->seq_cap) {
		struct notify_seq *old = c->seqs, *grown;
		size_t old_cap = c->seq_cap, live = 0;

		for (i = 0; i < old_cap; i++)
			if (old[i].pid && kill(old[i].pid, 0) == 0)
				live++;
		for (c->seq_cap = NOTIFY_SEQ_MIN; c->seq_cap < live * 4; c->seq_cap *= 2)
			;
		grown = calloc(c->seq_cap, sizeof(*grown));
		if (!grown) {
			/* Start over in place: seq restarts show as a reset. */
			c->seq_cap = old_cap;
			memset(old, 0, old_cap * sizeof(*old));
			c->seq_used = 0;
		} else {
			c->seqs = grown;
			c->seq_used = 0;
			for (i = 0; i < old_cap; i++) {
				size_t j;

				if (!old[i].pid || kill(old[i].pid, 0) != 0)
					continue;
				for (j = (size_t)old[i].pid & (c->seq_cap - 1); grown[j].pid;
				     j = (j + 1) & (c->seq_cap - 1))
					;
				grown[j] = old[i];
				c->seq_used++;
			}
			free(old);
		}
	}
	mask = c->seq_cap - 1;
	for (i = (size_t)pid & mask; c->seqs[i].pid; i = (i + 1) & mask)
		if (c->seqs[i].pid == pid) {
			if (c->seqs[i].start != start) {
				c->seqs[i].start = start;
				c->seqs[i].seq = 0;
			}
			return ++c->seqs[i].seq;
		}
	c->seqs[i].pid = pid;
	c->seqs[i].start = start;
	c->seqs[i].seq = 1;
	c->seq_used++;
	return 1;
}

static void notify_write_event(struct notify_ctx *c, struct event *e,
			       const struct notify_target *t)
{
	char line[EVENT_LINE_MAX];
	size_t len;

	e->seq = notify_next_seq(c, t->pid, t->start);
	len = event_format(line, sizeof(line), e);
	/* One write per event: O_APPEND keeps lines of many writers whole. */
	if (write(c->log_fd, line, len) != (ssize_t)len)
		c->lost++;
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

int notify_serve(struct notify_ctx *c, int listener)
{
	struct seccomp_notif *req = c->req;
	struct seccomp_notif_resp *resp = c->resp;
	const struct calls_row *row;
	struct policy_call call;
	struct policy_decision d;
	struct notify_target *t;
	struct event e;
	long args[6];
	int kind, events = 1, sock_fd = -1;
	bool deny = false, kill_it = false, fresh;

	memset(req, 0, c->sizes.seccomp_notif);
	while (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
		if (errno == EINTR)
			continue;
		/* ENOENT: the caller died or a signal cancelled the call
		 * before we received it. */
		return errno == ENOENT ? 0 : -errno;
	}
	memset(resp, 0, c->sizes.seccomp_notif_resp);
	resp->id = req->id;

	kind = notify_call_of(c, req->data.arch, req->data.nr);
	if (kind < 0) {
		/* The filter sent a call we do not know: refuse it in enforce
		 * mode rather than guess. */
		if (c->mode == POLICY_AUDIT)
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			resp->error = -ENOSYS;
		goto send;
	}

	t = notify_target(c, (pid_t)req->pid, &fresh);
	if (!t)
		return 0;	/* gone: nobody waits for an answer */

	row = &calls_table[kind];
	for (int i = 0; i < 6; i++)
		args[i] = (long)req->data.args[i];
	if (row->arg_fd >= 0) {
		/* The socket the call acts on, through a copy of it. */
		sock_fd = notify_getfd(t->pid, req->data.args[row->arg_fd]);
		fresh = true;
	}
	calls_facts(row, args, sock_fd, &call);
	if (sock_fd >= 0)
		close(sock_fd);
	call.exe = t->exe_known ? t->exe : NULL;
	/* One socket.__new__ per end made (as the shim). */
	events = row->sockets > 1 ? row->sockets : 1;

	/* What was just read came from /proc/TID and the target's descriptor
	 * table.  If the notification is still pending now, TID was alive the
	 * whole time, so it was not a reused id.  (A checked cache hit needs
	 * none: the cached thread is alive, so it has held TID since before
	 * the call.) */
	if (fresh && ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return 0;

	policy_match(c->policy, &call, &d);
	/* The shim logged a marked call already; a forged marker only saves
	 * the forger a log line, never a decision. */
	if (c->marker && req->data.args[LAYERS_MARKER_ARG] == c->marker)
		d.log = false;
	if (c->mode == POLICY_ENFORCE) {
		deny = d.action == POLICY_DENY;
		kill_it = d.action == POLICY_KILL;
	}

	memset(&e, 0, sizeof(e));
	clock_gettime(CLOCK_REALTIME, &e.ts);
	e.event = call.event;
	e.call = row->name;
	e.family = call.family;
	e.type = call.type;
	e.protocol = call.protocol;
	e.how = call.how;
	if (row->event == POLICY_EV_SHUTDOWN) {
		e.self = args[row->arg_fd];
		e.self_known = true;
	}
	e.decision = event_decision_of(&d, c->mode);
	e.rule = d.rule_id;
	e.mode = c->mode == POLICY_AUDIT ? "audit" : "enforce";
	e.pid = t->pid;
	e.tid = t->tid;
	e.ppid = t->ppid;
	e.exe = t->exe_known ? t->exe : NULL;
	e.comm = t->comm;
	e.layer = EVENT_NOTIFY;

	/* A refused socketpair makes no ends: one event, as the shim writes. */
	if (deny || kill_it)
		events = 1;
	if (kill_it) {
		/* The kernel's kill leaves no result to report. */
		e.result_unknown = true;
		if (d.log)
			for (int i = 0; i < events; i++)
				notify_write_event(c, &e, t);
		notify_kill(t);
		resp->error = -(d.err ? d.err : EPERM);
		goto send;
	}
	if (deny) {
		resp->error = -d.err;
	} else {
		/* Safe to continue: see the comment at the top of this file. */
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	}

	while (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0) {
		if (errno == EINTR)
			continue;
		/* ENOENT: cancelled (a signal; the kernel restarts the call and
		 * we will see it again) or the caller died: log nothing. */
		return errno == ENOENT ? 0 : -errno;
	}
	if (d.log) {
		e.result_unknown = !deny;
		e.result = -1;
		e.err = deny ? d.err : 0;
		for (int i = 0; i < events; i++)
			notify_write_event(c, &e, t);
	}
	return 0;

send:
	while (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0) {
		if (errno == EINTR)
			continue;
		return errno == ENOENT ? 0 : -errno;
	}
	return 0;
}
