/* shim.c - the interposed functions of libsockaudit.so.
 *
 * Three layers per call, as in socket_wrapper: the real function
 * (shim_real.socket, bound once in config.c), the logic (audit_socket) and
 * the exported one-liner (socket).  glibc's syscall() is interposed too, for
 * the five numbers only; every other number goes straight through.
 *
 * The hot path is deliberately boring: save errno, decide with the policy
 * library (allocates nothing), make the real call, format the event into a
 * stack buffer, one write(2), restore errno.  These functions are
 * async-signal-safe and programs call them from signal handlers and from
 * forked children of threaded programs: do not add malloc, stdio or a lock
 * here, and do not call an interposed function.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "shim.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

/* The real function of call ID (calls.def), as type T; NULL when unbound. */
#define SHIM_REAL(id, T) ((T)shim_real.fn[CALL_##id])

/* The real call when no real function is bound (only before binding, or
 * with an unusual libc): the raw system call, with errno like libc's. */
static long shim_sys(long nr, long a0, long a1, long a2, long a3)
{
	long ret = shim_raw_syscall(nr, a0, a1, a2, a3, 0, 0);

	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/*
 * Under `sockaudit run --layer auto` (SOCKAUDIT_MARKER set) the shim makes
 * the system call itself with the marker in argument LAYERS_MARKER_ARG, so
 * that the seccomp filter does not send a call we already logged to the
 * notify supervisor.  Otherwise the call goes to libc.  MARKER is 0 for a
 * call that passes through unlogged: the supervisor should see it.
 */
static int shim_do_socket(int family, int type, int protocol, uint64_t marker)
{
	if (marker)
		return (int)shim_real.syscall(SYS_socket, family, type, protocol, 0L, 0L, marker);
	int (*real)(int, int, int) = SHIM_REAL(SOCKET, int (*)(int, int, int));

	if (real)
		return real(family, type, protocol);
	return (int)shim_sys(SYS_socket, family, type, protocol, 0);
}

static int shim_do_socketpair(int family, int type, int protocol, int *sv, uint64_t marker)
{
	if (marker)
		return (int)shim_real.syscall(SYS_socketpair, family, type, protocol, sv, 0L, marker);
	int (*real)(int, int, int, int *) = SHIM_REAL(SOCKETPAIR, int (*)(int, int, int, int *));

	if (real)
		return real(family, type, protocol, sv);
	return (int)shim_sys(SYS_socketpair, family, type, protocol, (long)sv);
}

/* accept() is accept4() with no flags; both keep their own system call
 * where the architecture has one, so strace shows what the program called. */
static int shim_do_accept4(bool four, int fd, struct sockaddr *addr, socklen_t *len,
			   int flags, uint64_t marker)
{
	int (*accept3)(int, struct sockaddr *, socklen_t *) =
		SHIM_REAL(ACCEPT, int (*)(int, struct sockaddr *, socklen_t *));
	int (*real4)(int, struct sockaddr *, socklen_t *, int) =
		SHIM_REAL(ACCEPT4, int (*)(int, struct sockaddr *, socklen_t *, int));

#ifdef SYS_accept
	if (!four) {
		if (marker)
			return (int)shim_real.syscall(SYS_accept, fd, addr, len, 0L, 0L, marker);
		if (accept3)
			return accept3(fd, addr, len);
		return (int)shim_sys(SYS_accept, fd, (long)addr, (long)len, 0);
	}
#endif
	if (marker)
		return (int)shim_real.syscall(SYS_accept4, fd, addr, len, flags, 0L, marker);
	if (four && real4)
		return real4(fd, addr, len, flags);
	if (!four && accept3)
		return accept3(fd, addr, len);
	return (int)shim_sys(SYS_accept4, fd, (long)addr, (long)len, flags);
}

static int shim_do_shutdown(int fd, int how, uint64_t marker)
{
	if (marker)
		return (int)shim_real.syscall(SYS_shutdown, fd, how, 0L, 0L, 0L, marker);
	int (*real)(int, int) = SHIM_REAL(SHUTDOWN, int (*)(int, int));

	if (real)
		return real(fd, how);
	return (int)shim_sys(SYS_shutdown, fd, how, 0, 0);
}

/* The policy's decision, or fail closed when the policy was unusable:
 * denied with EACCES (logged as would_deny in audit mode), rule null. */
static void shim_decide(struct policy_call *c, struct policy_decision *d)
{
	c->exe = shim_cfg.exe[0] ? shim_cfg.exe : NULL;
	if (__builtin_expect(shim_cfg.policy != NULL, 1)) {
		policy_match(shim_cfg.policy, c, d);
		return;
	}
	d->action = POLICY_DENY;
	d->err = EACCES;
	d->log = true;
	d->rule = -1;
	d->rule_id = NULL;
}

/* Does the call go ahead?  Audit mode never stops one. */
static inline bool shim_permits(const struct policy_decision *d)
{
	return d->action == POLICY_ALLOW || shim_cfg.mode == POLICY_AUDIT;
}

/* Fill in what every event carries and write it. */
static void shim_emit(struct event *e, const struct policy_decision *d,
		      const struct shim_self *self)
{
	char line[EVENT_LINE_MAX];
	size_t len;

	e->seq = shim_next_seq(self);
	clock_gettime(CLOCK_REALTIME, &e->ts);
	e->decision = event_decision_of(d, shim_cfg.mode);
	e->rule = d->rule_id;
	e->mode = shim_cfg.mode_name;
	e->pid = self->pid;
	e->tid = self->tid;
	e->ppid = self->ppid;
	e->exe = shim_cfg.exe;
	e->comm = shim_cfg.comm;
	e->layer = EVENT_PRELOAD;
	len = event_format(line, sizeof(line), e);
	shim_log_write(line, len, self);
}

static void shim_emit_one(struct event *e, const struct policy_decision *d)
{
	struct shim_self self;

	shim_self(&self);
	shim_emit(e, d, &self);
}

/* The "kill" action: log the event, then end the process the way a seccomp
 * kill does: SIGSYS at its default disposition (which also dumps core),
 * unblocked, on this thread.  _exit only if that somehow returned. */
__attribute__((noreturn)) static void shim_kill(struct event *e, const struct policy_decision *d)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t set;

	if (d->log) {
		e->result_unknown = true;
		shim_emit_one(e, d);
	}
	sigaction(SIGSYS, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	tgkill(getpid(), gettid(), SIGSYS);
	_exit(128 + SIGSYS);
}

/* A call the policy refuses never reaches the kernel: kill ends the process
 * here, deny returns the errno the caller is to see. */
static int shim_refuse(struct event *e, const struct policy_decision *d)
{
	if (d->action == POLICY_KILL)
		shim_kill(e, d);
	return d->err;
}

/* The socket an event describes, as the decision saw it. */
static void shim_event_facts(struct event *e, const struct policy_call *c)
{
	e->family = c->family;
	e->type = c->type;
	e->protocol = c->protocol;
}

static int audit_socket(int family, int type, int protocol)
{
	int saved = errno, err = 0, ret;
	struct policy_call c = {
		.event = POLICY_EV_NEW, .family = family, .type = type, .protocol = protocol,
	};
	struct policy_decision d;
	struct event e = {
		.event = POLICY_EV_NEW, .call = "socket",
		.family = family, .type = type, .protocol = protocol,
	};

	if (!shim_ready())
		return shim_do_socket(family, type, protocol, 0);
	shim_decide(&c, &d);
	if (shim_permits(&d)) {
		ret = shim_do_socket(family, type, protocol, shim_cfg.marker);
		if (!d.log)
			return ret;	/* the fast path: nothing else to do */
		if (ret < 0)
			err = errno;
	} else {
		ret = -1;
		err = shim_refuse(&e, &d);
		if (!d.log)
			goto out;
	}
	e.self = ret;
	e.self_known = ret >= 0;
	e.result = ret;
	e.err = err;
	shim_emit_one(&e, &d);
out:
	errno = err ? err : saved;
	return ret;
}

static int audit_socketpair(int family, int type, int protocol, int sv[2])
{
	int saved = errno, err = 0, ret;
	struct policy_call c = {
		.event = POLICY_EV_NEW, .family = family, .type = type, .protocol = protocol,
	};
	struct policy_decision d;
	struct event e = {
		.event = POLICY_EV_NEW, .call = "socketpair",
		.family = family, .type = type, .protocol = protocol,
	};

	if (!shim_ready())
		return shim_do_socketpair(family, type, protocol, sv, 0);
	shim_decide(&c, &d);
	if (shim_permits(&d)) {
		ret = shim_do_socketpair(family, type, protocol, sv, shim_cfg.marker);
		if (!d.log)
			return ret;
		if (ret < 0)
			err = errno;
	} else {
		ret = -1;
		err = shim_refuse(&e, &d);
		if (!d.log)
			goto out;
	}
	e.result = ret;
	e.err = err;
	if (ret == 0) {
		/* One decision, one event per new socket (as CPython). */
		struct shim_self self;

		shim_self(&self);
		e.self_known = true;
		e.self = sv[0];
		shim_emit(&e, &d, &self);
		e.self = sv[1];
		shim_emit(&e, &d, &self);
	} else {
		shim_emit_one(&e, &d);
	}
out:
	errno = err ? err : saved;
	return ret;
}

/*
 * accept and accept4: decided on the listening socket's family, type and
 * protocol, read from the kernel before the call (so a deny never accepts a
 * connection) -- when a rule looks at them or the event is logged; a call
 * that neither needs costs no getsockopt().  The event's args are [newfd,
 * SO_DOMAIN, SO_TYPE | the accept4 flags CALLS_ACCEPT_FLAGS, SO_PROTOCOL];
 * family is null when FD is not a socket.  A failed accept made no socket:
 * it is an event only when the policy refused it (CPython raises
 * socket.__new__ only for a socket that exists), so the EAGAIN of every
 * non-blocking accept loop is not logged.
 */
static int audit_accept4(bool four, int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	const struct calls_row *row = &calls_table[four ? CALL_ACCEPT4 : CALL_ACCEPT];
	const long args[6] = { fd, (long)addr, (long)len, flags };
	int saved = errno, err = 0, ret;
	struct policy_call c;
	struct policy_decision d;
	struct event e = { .event = POLICY_EV_NEW, .call = row->name };
	bool known;

	if (!shim_ready())
		return shim_do_accept4(four, fd, addr, len, flags, 0);
	/* Read the facts only when the decision or the event needs them. */
	known = shim_cfg.needs_facts[POLICY_EV_NEW];
	calls_facts(row, args, known ? fd : -1, &c);
	shim_decide(&c, &d);
	if (d.log && !known)
		calls_facts(row, args, fd, &c);
	shim_event_facts(&e, &c);
	if (shim_permits(&d)) {
		errno = saved;
		ret = shim_do_accept4(four, fd, addr, len, flags, shim_cfg.marker);
		if (!d.log || (ret < 0 && d.action == POLICY_ALLOW))
			return ret;	/* no socket, nothing refused: no event */
		if (ret < 0)
			err = errno;
	} else {
		ret = -1;
		err = shim_refuse(&e, &d);
		if (!d.log)
			goto out;
	}
	e.self = ret;
	e.self_known = ret >= 0;
	e.result = ret;
	e.err = err;
	shim_emit_one(&e, &d);
out:
	errno = err ? err : saved;
	return ret;
}

static int audit_shutdown(int fd, int how)
{
	const long args[6] = { fd, how };
	int saved = errno, err = 0, ret;
	struct policy_call c;
	struct policy_decision d;
	struct event e = {
		.event = POLICY_EV_SHUTDOWN, .call = "shutdown",
		.self = fd, .self_known = true, .how = how,
	};
	bool known;

	if (!shim_ready())
		return shim_do_shutdown(fd, how, 0);
	known = shim_cfg.needs_facts[POLICY_EV_SHUTDOWN];
	calls_facts(&calls_table[CALL_SHUTDOWN], args, known ? fd : -1, &c);
	shim_decide(&c, &d);
	if (d.log && !known)
		calls_facts(&calls_table[CALL_SHUTDOWN], args, fd, &c);
	shim_event_facts(&e, &c);
	if (shim_permits(&d)) {
		errno = saved;
		ret = shim_do_shutdown(fd, how, shim_cfg.marker);
		if (!d.log)
			return ret;
		if (ret < 0)
			err = errno;
	} else {
		ret = -1;
		err = shim_refuse(&e, &d);
		if (!d.log)
			goto out;
	}
	e.result = ret;
	e.err = err;
	shim_emit_one(&e, &d);
out:
	errno = err ? err : saved;
	return ret;
}

/* Every other system call: to libc's syscall() with all six arguments, errno
 * untouched by us. */
static long shim_next_syscall(long nr, const long a[6])
{
	long ret;

	if (!shim_real.syscall)
		shim_ready();
	if (shim_real.syscall)
		return shim_real.syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	ret = shim_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

SHIM_EXPORT int socket(int family, int type, int protocol)
{
	return audit_socket(family, type, protocol);
}

SHIM_EXPORT int socketpair(int family, int type, int protocol, int sv[2])
{
	return audit_socketpair(family, type, protocol, sv);
}

SHIM_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	return audit_accept4(false, fd, addr.__sockaddr__, len, 0);
}

SHIM_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len, int flags)
{
	return audit_accept4(true, fd, addr.__sockaddr__, len, flags);
}

SHIM_EXPORT int shutdown(int fd, int how)
{
	return audit_shutdown(fd, how);
}

/* Reading six variadic longs whatever the number: the same as glibc's
 * syscall() does with its registers; the extra ones are never used. */
SHIM_EXPORT long syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	switch (nr) {
	case SYS_socket:
		return audit_socket((int)a[0], (int)a[1], (int)a[2]);
	case SYS_socketpair:
		return audit_socketpair((int)a[0], (int)a[1], (int)a[2], (int *)a[3]);
#ifdef SYS_accept
	case SYS_accept:
		return audit_accept4(false, (int)a[0], (struct sockaddr *)a[1],
				     (socklen_t *)a[2], 0);
#endif
	case SYS_accept4:
		return audit_accept4(true, (int)a[0], (struct sockaddr *)a[1],
				     (socklen_t *)a[2], (int)a[3]);
	case SYS_shutdown:
		return audit_shutdown((int)a[0], (int)a[1]);
	}
	return shim_next_syscall(nr, a);
}
