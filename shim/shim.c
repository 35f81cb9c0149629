/* SPDX-License-Identifier: MIT */
/* shim.c - the interposed functions of libsockaudit.so.
 *
 * Three layers per call, as in socket_wrapper: the real function
 * (shim_real.fn[CALL_SOCKET], bound once in config.c from calls.def), the
 * logic (audit_socket, which hands its arguments to the one pipeline
 * shim_audit) and the exported one-liner (socket).  glibc's syscall() is interposed too, for
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
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "shim.h"

#define SHIM_EXPORT __attribute__((visibility("default")))


/* The real call when no real function is bound (only before binding, or
 * with an unusual libc), for the calls and for syscall()'s other numbers:
 * the raw system call with all six arguments, errno set like libc's. */
long shim_sys(long nr, const long a[6])
{
	long ret = shim_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);

	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/*
 * A marked call goes through libc's syscall(), which is no cancellation
 * point.  For the calls that are one (accept, accept4), cancellation is
 * made asynchronous around the system call, as libc's own wrappers do it,
 * so that pthread_cancel() still ends a thread blocked in them (a pending
 * cancel is acted on as the type changes).  pthread_setcanceltype reports
 * errors by its return value: errno stays the call's.
 */
static long shim_marked(const struct calls_row *row, long nr, const long a[6], uint64_t marker)
{
	int old;
	long ret;

	if (!row->cancellation_point)
		return shim_real.syscall(nr, a[0], a[1], a[2], a[3], 0L, marker);
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
	ret = shim_real.syscall(nr, a[0], a[1], a[2], a[3], 0L, marker);
	pthread_setcanceltype(old, NULL);
	return ret;
}

/* sendto(2) uses all six arguments: a marked sendto with an address is
 * made as the sendmsg(2) it is in the kernel (__sys_sendto builds the same
 * msghdr), with the marker in sendmsg's unused sixth argument. */
static long shim_marked_sendto(const struct calls_row *row, const long a[6], uint64_t marker)
{
	struct iovec iov = { .iov_base = (void *)a[1], .iov_len = (size_t)a[2] };
	struct msghdr msg = { .msg_name = (void *)a[4], .msg_namelen = (socklen_t)a[5],
			      .msg_iov = &iov, .msg_iovlen = 1 };
	const long b[6] = { a[0], (long)&msg, a[3] };

	return shim_marked(row, SYS_sendmsg, b, marker);
}

/*
 * The real call ROW with arguments A.  Under `sockaudit run --layer auto`
 * (MARKER non-zero) the shim makes the system call itself with the marker in
 * argument LAYERS_MARKER_ARG, so that the seccomp filter does not send a
 * call we already logged to the notify supervisor.  Otherwise the call goes
 * to libc's function, so strace shows what the program called.  MARKER is 0
 * for a call that passes through unlogged: the supervisor should see it.
 */
static long shim_do(const struct calls_row *row, const long a[6], uint64_t marker)
{
	void *fn = shim_real.fn[row - calls_table];
	/* accept() is accept4() with no flags where there is no accept(2). */
	long nr = row->nr >= 0 ? row->nr : SYS_accept4;

	if (marker && row - calls_table == CALL_SENDTO)
		return shim_marked_sendto(row, a, marker);
	if (marker)
		return shim_marked(row, nr, a, marker);
	if (!fn)
		return shim_sys(nr, a);
	switch (row - calls_table) {
	case CALL_SOCKET:
		return ((int (*)(int, int, int))fn)((int)a[0], (int)a[1], (int)a[2]);
	case CALL_SOCKETPAIR:
		return ((int (*)(int, int, int, int *))fn)((int)a[0], (int)a[1], (int)a[2],
							   (int *)a[3]);
	case CALL_ACCEPT:
		return ((int (*)(int, struct sockaddr *, socklen_t *))fn)(
			(int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2]);
	case CALL_ACCEPT4:
		return ((int (*)(int, struct sockaddr *, socklen_t *, int))fn)(
			(int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2], (int)a[3]);
	case CALL_SHUTDOWN:
		return ((int (*)(int, int))fn)((int)a[0], (int)a[1]);
	case CALL_CONNECT:
	case CALL_BIND:
		return ((int (*)(int, const struct sockaddr *, socklen_t))fn)(
			(int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	case CALL_SENDTO:
		return ((ssize_t (*)(int, const void *, size_t, int, const struct sockaddr *,
				     socklen_t))fn)((int)a[0], (const void *)a[1], (size_t)a[2],
						    (int)a[3], (const struct sockaddr *)a[4],
						    (socklen_t)a[5]);
	case CALL_SENDMSG:
		return ((ssize_t (*)(int, const struct msghdr *, int))fn)(
			(int)a[0], (const struct msghdr *)a[1], (int)a[2]);
	case CALL_SENDMMSG:
		return ((int (*)(int, struct mmsghdr *, unsigned, int))fn)(
			(int)a[0], (struct mmsghdr *)a[1], (unsigned)a[2], (int)a[3]);
	case CALL_GETADDRINFO:
		break;
	}
	return shim_sys(nr, a);
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

/* Does the call go ahead?  Audit mode never stops one; nor does the shim
 * when it hands its calls over to the supervisor, which refuses and logs
 * them with the same policy (shim_handover). */
static inline bool shim_permits(const struct policy_decision *d)
{
	return d->action == POLICY_ALLOW || shim_cfg.mode == POLICY_AUDIT || shim_handover();
}

/* Fill in what every event carries and write it. */
static void shim_emit(struct event *e, const struct policy_decision *d,
		      const struct shim_self *self)
{
	struct shim_line line;

	if (shim_handover())
		return;		/* the supervisor logs it, without a seq gap here */
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
	e->ident = shim_cfg.ident_len ? shim_cfg.ident : NULL;
	e->ident_len = shim_cfg.ident_len;
	e->layer = EVENT_PRELOAD;
	/* Into the run's ring as a packed event, which the launcher formats;
	 * else to a log of our own as its line. */
	if (shim_log_ring(e, self) || !shim_line_begin(&line))
		return;
	shim_line_end(&line, event_format(line.buf, EVENT_LINE_MAX, e), self);
}

/* The events of one call: one per new socket (each end of a socketpair, as
 * CPython), else one. */
static void shim_emit_call(const struct calls_row *row, const long a[6], struct event *e,
			   const struct policy_decision *d)
{
	struct shim_self self;

	shim_self(&self);
	if (row->sockets > 1 && e->result == 0) {
		const int *sv = (const int *)a[3];

		e->self_known = true;
		for (int i = 0; i < row->sockets; i++) {
			e->self = sv[i];
			shim_emit(e, d, &self);
		}
		return;
	}
	if (row->arg_fd >= 0 && !calls_is_accept(row)) {
		e->self = a[row->arg_fd];	/* shutdown, the address events */
		e->self_known = true;
	} else {
		e->self = e->result;
		e->self_known = e->result >= 0;
	}
	shim_emit(e, d, &self);
}

/* The "kill" action: log the event, then end the process the way a seccomp
 * kill does: SIGSYS at its default disposition (which also dumps core),
 * unblocked, on this thread.  _exit only if that somehow returned. */
__attribute__((noreturn)) static void shim_kill(const struct calls_row *row, const long a[6],
						struct event *e,
						const struct policy_decision *d)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t set;

	if (d->log) {
		e->result = -1;		/* no socket; written as null */
		e->result_unknown = true;
		shim_emit_call(row, a, e, d);
	}
	sigaction(SIGSYS, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	tgkill(getpid(), gettid(), SIGSYS);
	_exit(128 + SIGSYS);
}

/* calls_facts() with the socket's facts kept between calls (facts.c). */
static void shim_facts(const struct calls_row *row, const long a[6], int sock_fd,
		       struct policy_call *c)
{
	struct policy_call sock;

	if (row->arg_fd < 0 || sock_fd < 0) {
		calls_facts_with(row, a, NULL, c);
		return;
	}
	shim_sock_facts(sock_fd, &sock);
	calls_facts_with(row, a, &sock, c);
}

/* A socket the call made: its facts, kept (facts.c).  Errno untouched. */
static void shim_made(const struct calls_row *row, const long a[6], long ret,
		      const struct policy_call *c)
{
	if (calls_is_accept(row)) {
		shim_facts_made((int)ret, c->family, c->type, c->protocol);
	} else if (row->sockets > 1) {
		const int *sv = (const int *)a[3];

		shim_facts_made(sv[0], (int)a[0], (int)a[1], (int)a[2]);
		shim_facts_made(sv[1], (int)a[0], (int)a[1], (int)a[2]);
	} else {
		shim_facts_made((int)ret, (int)a[0], (int)a[1], (int)a[2]);
	}
}

/* --- where a socket goes ------------------------------------------------ */

/*
 * The address a call names, copied out of the caller's memory once: the
 * decision, the event and the kernel all see this copy, so another thread
 * cannot change the address between the check and the call.
 */
struct shim_place {
	struct calls_addr addr;		/* decoded from SA */
	uint8_t sa[CALLS_ADDR_MAX];	/* the copy the kernel gets */
	struct msghdr msg;		/* sendmsg: the caller's, naming SA */
};

enum shim_place_kind {
	SHIM_PLACE_NONE,	/* no address: no event (a plain send) */
	SHIM_PLACE_COPIED,	/* the arguments in B name the copy */
	SHIM_PLACE_MALFORMED,	/* logged as such, the call goes as it came */
};

/* N bytes between our LOCAL and the caller's REMOTE (READ: from REMOTE),
 * with process_vm_readv(2) or process_vm_writev(2) on ourselves, so that
 * memory the kernel would refuse with EFAULT is never touched: false then.
 * Where a sandbox refuses those system calls, a plain copy (the program
 * then faults where the kernel would have said EFAULT). */
static bool shim_vm_copy(bool read, void *local, void *remote, size_t n)
{
	struct iovec l = { .iov_base = local, .iov_len = n };
	struct iovec r = { .iov_base = remote, .iov_len = n };
	long done = shim_raw_syscall(read ? SYS_process_vm_readv : SYS_process_vm_writev,
				     getpid(), (long)&l, 1, (long)&r, 1, 0);

	if (done == (long)n)
		return true;
	if (done != -ENOSYS && done != -EPERM)
		return false;
	if (read)
		memcpy(local, remote, n);
	else
		memcpy(remote, local, n);
	return true;
}

/* Copy N bytes of the caller's memory at SRC to DST without faulting. */
static bool shim_peek(void *dst, const void *src, size_t n)
{
	return shim_vm_copy(true, dst, (void *)src, n);
}

/* Copy and decode the LEN bytes at SA (the caller's) into PL; a LEN over
 * CALLS_ADDR_MAX is not read ("long"). */
static void shim_place_copy(struct shim_place *pl, const void *sa, size_t len)
{
	if (sa && len && len <= CALLS_ADDR_MAX && !shim_peek(pl->sa, sa, len)) {
		calls_addr_decode(NULL, 0, &pl->addr);
		pl->addr.status = CALLS_ADDR_FAULT;
		pl->addr.len = len;
		return;
	}
	calls_addr_decode(sa ? pl->sa : NULL, len, &pl->addr);
}

/* The address the call ROW with arguments A names, into PL, and in B the
 * arguments that hand the kernel PL's copy instead. */
static enum shim_place_kind shim_place_take(const struct calls_row *row, const long a[6],
					    struct shim_place *pl, long b[6])
{
	long len;

	memcpy(b, a, 6 * sizeof(long));
	if (row->arg_msg >= 0) {
		if (!shim_peek(&pl->msg, (const void *)a[row->arg_msg], sizeof(pl->msg))) {
			shim_place_copy(pl, NULL, 0);
			pl->addr.status = CALLS_ADDR_FAULT;
			return SHIM_PLACE_MALFORMED;
		}
		len = calls_msg_namelen(pl->msg.msg_name, pl->msg.msg_namelen);
		if (!len)
			return SHIM_PLACE_NONE;
		b[row->arg_msg] = (long)&pl->msg;	/* the kernel reads our copy */
		if (len < 0) {
			shim_place_copy(pl, pl->msg.msg_name, SIZE_MAX);	/* "long" */
			return SHIM_PLACE_MALFORMED;
		}
		pl->msg.msg_namelen = (socklen_t)len;
		shim_place_copy(pl, pl->msg.msg_name, (size_t)len);
		pl->msg.msg_name = pl->sa;
		return pl->addr.status == CALLS_ADDR_OK ? SHIM_PLACE_COPIED : SHIM_PLACE_MALFORMED;
	}
	if (!a[row->arg_addr] && row->event == POLICY_EV_SENDTO)
		return SHIM_PLACE_NONE;		/* send(2) on a connected socket */
	shim_place_copy(pl, (const void *)a[row->arg_addr], (socklen_t)a[row->arg_addrlen]);
	/* NULL and an overlong length are registers: the kernel refuses
	 * them as they came.  Bytes we read go as our copy, a short address
	 * included, so that no thread can make them well formed unchecked. */
	if (pl->addr.status == CALLS_ADDR_OK || pl->addr.status == CALLS_ADDR_SHORT)
		b[row->arg_addr] = (long)pl->sa;
	return pl->addr.status == CALLS_ADDR_OK ? SHIM_PLACE_COPIED : SHIM_PLACE_MALFORMED;
}

/* An address the kernel refuses is not the policy's to decide: the kernel
 * answers (given our copy of what we read), logged as the default logs.
 * Memory we could not read is answered EFAULT here, as the kernel would:
 * handed on, another thread could map it between our read and the
 * kernel's. */
static void shim_not_decided(const struct policy_call *c, struct policy_decision *d)
{
	policy_default_for(shim_cfg.policy ? shim_cfg.policy : policy_default(), c->event, d);
	d->action = POLICY_ALLOW;
	d->err = 0;
}

/* accept's peer, as the kernel wrote it into the caller's buffer: LEN0 is
 * the buffer's size the caller passed, *len what the kernel says the
 * address needed (it cuts what does not fit). */
static void shim_peer(const long a[6], socklen_t len0, struct calls_addr *peer)
{
	const socklen_t *len = (const socklen_t *)a[2];
	socklen_t n = *len < len0 ? *len : len0;

	calls_addr_decode((const void *)a[1], n, peer);
}

/* A call the policy lets go unlogged whatever it is (shim_config.quiet):
 * straight to the kernel, as it came.  The socket it makes is kept with its
 * facts as usual; an accepted one's would need the listening socket's, so
 * its descriptor is forgotten instead (read when asked, facts.c). */
static long shim_quiet(const struct calls_row *row, const long a[6])
{
	long ret = shim_do(row, a, shim_marker());

	if (ret < 0 || row->event != POLICY_EV_NEW)
		return ret;	/* errno: the call's, as below */
	if (calls_is_accept(row))
		shim_facts_forget((unsigned)ret, (unsigned)ret);
	else
		shim_made(row, a, ret, NULL);
	return ret;
}

/*
 * One intercepted call, whichever it is: facts, decision, the real call,
 * the event.  A call on a descriptor (accept, shutdown) is decided on that
 * socket's family, type and protocol, read from the kernel before the call
 * (so a deny never accepts a connection) -- when a rule looks at them or the
 * event is logged; a call that neither needs costs no getsockopt().
 *
 * A failed accept made no socket: it is an event only when the policy
 * refused it (CPython raises socket.__new__ only for a socket that exists),
 * so the EAGAIN of every non-blocking accept loop is not logged.
 */
static __attribute__((noinline)) long shim_audit_call(const struct calls_row *row,
							const long a[6])
{
	int saved = errno, err = 0;
	struct policy_call c;
	struct policy_decision d;
	struct event e;			/* filled in once it is to be written */
	const struct calls_addr *addr = NULL;
	struct shim_place pl;
	long b[6];
	const long *args = a;		/* what the kernel gets */
	bool on_fd = row->arg_fd >= 0, known, malformed = false;
	bool peer = calls_is_accept(row) && a[1] && a[2];
	socklen_t peer_len = 0;
	long ret;

	if (calls_names_address(row)) {
		switch (shim_place_take(row, a, &pl, b)) {
		case SHIM_PLACE_NONE:
			return shim_do(row, a, shim_marker());
		case SHIM_PLACE_COPIED:
			args = b;
			break;
		case SHIM_PLACE_MALFORMED:
			args = b;
			malformed = true;
			break;
		}
		addr = &pl.addr;
	}
	/* Read the socket's facts only when the decision or the event needs
	 * them. */
	known = !on_fd || shim_cfg.needs_facts[row->event];
	shim_facts(row, args, on_fd && known ? (int)a[row->arg_fd] : -1, &c);
	if (addr)
		calls_addr_to_policy(&pl.addr, &c);
	shim_decide(&c, &d);
	if (malformed)
		shim_not_decided(&c, &d);
	if (d.log && !known) {
		struct policy_call sock;	/* for the event only */

		shim_sock_facts((int)a[row->arg_fd], &sock);
		calls_facts_sock(row, args, &sock, &c);
	}
	e = (struct event){ .event = row->event, .call = row->name, .addr = addr,
			    .family = c.family, .type = c.type, .protocol = c.protocol,
			    .how = c.how };
	if (malformed && pl.addr.status == CALLS_ADDR_FAULT) {
		ret = -1;		/* unreadable: the kernel's EFAULT */
		err = EFAULT;
		if (!d.log)
			goto out;
	} else if (shim_permits(&d)) {
		if (peer && !shim_peek(&peer_len, (const void *)a[2], sizeof(peer_len)))
			peer = false;	/* the kernel says EFAULT */
		errno = saved;
		ret = shim_do(row, args, shim_marker());
		if (ret >= 0 && row->event == POLICY_EV_NEW)
			shim_made(row, a, ret, &c);
		if (!d.log)
			return ret;	/* the fast path: nothing else to do */
		if (ret < 0 && calls_is_accept(row) && d.action == POLICY_ALLOW)
			return ret;	/* no socket, nothing refused: no event */
		if (ret < 0)
			err = errno;
	} else {
		/* A refused call never reaches the kernel: kill ends the
		 * process here, deny returns the errno the caller is to see. */
		if (d.action == POLICY_KILL)
			shim_kill(row, a, &e, &d);
		ret = -1;
		err = d.err;
		if (!d.log)
			goto out;
	}
	if (calls_is_accept(row)) {
		e.peer = true;
		if (peer && ret >= 0) {
			shim_peer(a, peer_len, &pl.addr);
			e.addr = &pl.addr;
		}
	}
	e.result = ret;
	e.err = err;
	shim_emit_call(row, a, &e, &d);
out:
	errno = err ? err : saved;
	return ret;
}

/* The pipeline's way in: a call before init is done, or of a program the
 * shim stays out of, and a quiet one, cost nothing more than this. */
static long shim_audit(enum calls_id id, const long a[6])
{
	const struct calls_row *row = &calls_table[id];

	if (!shim_ready() || shim_cfg.passthrough)
		return shim_do(row, a, 0);
	if (shim_cfg.quiet[row->event])
		return shim_quiet(row, a);
	return shim_audit_call(row, a);
}

/*
 * sendmmsg(2): one socket.sendmsg event per message that names an address,
 * each with its own decision.  The call is refused as a whole by the
 * strictest of them, when the policy refuses one of its messages (none is
 * sent), as the supervisor refuses it.  Otherwise the messages go to the kernel
 * SHIM_MMSG_CHUNK at a time as copies (the mmsghdr and its address), each
 * decided again on its copy: a message another thread changed since into
 * one the policy refuses stops the call there, as the kernel stops at a
 * message it cannot send (the count so far, or -1 and the errno when it
 * is the first).  Each event's result is its message's msg_len once sent.
 */
#define SHIM_MMSG_CHUNK 4

struct shim_mmsg {
	struct mmsghdr v[SHIM_MMSG_CHUNK];
	uint8_t sa[SHIM_MMSG_CHUNK][CALLS_ADDR_MAX];
	bool named[SHIM_MMSG_CHUNK];
	struct policy_decision d[SHIM_MMSG_CHUNK];
};

static void shim_mmsg_decide(const struct calls_row *row, const long a[6], unsigned i,
			     struct shim_place *pl, struct policy_call *c,
			     struct policy_decision *d, bool *named)
{
	const struct mmsghdr *vec = (const struct mmsghdr *)a[1];
	const long one[6] = { a[0], (long)&vec[i].msg_hdr };
	long b[6];

	*named = shim_place_take(row, one, pl, b) != SHIM_PLACE_NONE;
	if (!*named)
		return;
	calls_addr_to_policy(&pl->addr, c);
	shim_decide(c, d);
	if (pl->addr.status != CALLS_ADDR_OK)
		shim_not_decided(c, d);
}

/* Write N bytes at SRC to the caller's memory at DST without faulting (the
 * kernel's put_user would fail there). */
static bool shim_poke(void *dst, const void *src, size_t n)
{
	return shim_vm_copy(false, (void *)src, dst, n);
}

/* Copy the messages of A's vector from I on into M, at most
 * SHIM_MMSG_CHUNK, each naming its copied address and decided on it; the
 * count, which stops before a message that cannot be read or that the
 * policy now refuses, and after one the kernel will refuse (a short
 * address, a negative msg_namelen: it gets our copy of it). */
static unsigned shim_mmsg_copy(const long a[6], unsigned i, unsigned vlen, struct shim_mmsg *m,
			       struct shim_place *pl, struct policy_call *c)
{
	struct mmsghdr *vec = (struct mmsghdr *)a[1];
	unsigned n = 0;

	for (; n < SHIM_MMSG_CHUNK && i + n < vlen; n++) {
		struct mmsghdr *h = &m->v[n];
		long len;

		if (!shim_peek(h, &vec[i + n], sizeof(*h)))
			break;
		len = calls_msg_namelen(h->msg_hdr.msg_name, h->msg_hdr.msg_namelen);
		m->named[n] = len != 0;
		if (!m->named[n])
			continue;
		if (len < 0) {
			/* the last one: the kernel refuses its copy, EINVAL */
			m->named[n] = false;
			return n + 1;
		}
		h->msg_hdr.msg_namelen = (socklen_t)len;
		shim_place_copy(pl, h->msg_hdr.msg_name, (size_t)len);
		if (pl->addr.status == CALLS_ADDR_FAULT)
			break;		/* unreadable: EFAULT, the kernel's answer */
		memcpy(m->sa[n], pl->sa, h->msg_hdr.msg_namelen);
		h->msg_hdr.msg_name = m->sa[n];
		calls_addr_to_policy(&pl->addr, c);
		shim_decide(c, &m->d[n]);
		if (pl->addr.status != CALLS_ADDR_OK) {
			/* the last one: the kernel refuses its copy (short) */
			shim_not_decided(c, &m->d[n]);
			return n + 1;
		}
		if (!shim_permits(&m->d[n]))
			break;
	}
	return n;
}

static long shim_sendmmsg(const long a[6])
{
	const struct calls_row *row = &calls_table[CALL_SENDMMSG];
	struct mmsghdr *vec = (struct mmsghdr *)a[1];
	unsigned vlen = (unsigned)a[2] < UIO_MAXIOV ? (unsigned)a[2] : UIO_MAXIOV;
	int saved = errno, err = 0;
	struct policy_call c;
	struct policy_decision d, refused = { .action = POLICY_ALLOW };
	struct shim_place pl;
	struct shim_mmsg m;
	struct event e = { .event = row->event, .call = row->name };
	bool named;
	long ret = 0, r;
	unsigned i = 0, n;

	if (!shim_ready() || shim_cfg.passthrough)
		return shim_do(row, a, 0);
	if (shim_cfg.quiet[row->event])
		return shim_quiet(row, a);
	shim_facts(row, a, (int)a[0], &c);
	e.family = c.family;
	e.type = c.type;
	e.protocol = c.protocol;
	e.addr = &pl.addr;
	/* The strictest of the messages' decisions (kill, then deny), the
	 * earliest among equals, as the supervisor decides a sendmmsg. */
	for (unsigned k = 0; k < vlen && refused.action != POLICY_KILL; k++) {
		shim_mmsg_decide(row, a, k, &pl, &c, &d, &named);
		if (named && policy_strictness(d.action) > policy_strictness(refused.action))
			refused = d;
	}
	if (!shim_permits(&refused)) {
		if (refused.action == POLICY_KILL)
			shim_kill(row, a, &e, &refused);
		e.result = -1;
		e.err = refused.err;
		for (unsigned k = 0; k < vlen; k++) {
			shim_mmsg_decide(row, a, k, &pl, &c, &d, &named);
			if (named && d.log)
				shim_emit_call(row, a, &e, &d);	/* each its own decision */
		}
		errno = refused.err;
		return -1;
	}
	do {
		n = shim_mmsg_copy(a, i, vlen, &m, &pl, &c);
		if (!n && i == 0) {
			errno = EFAULT;	/* the first message cannot be read */
			return -1;
		}
		if (!n)
			break;
		errno = saved;
		r = shim_do(row, (const long[6]){ a[0], (long)m.v, n, a[3] }, shim_marker());
		if (r < 0)
			err = errno;
		for (unsigned k = 0; r > 0 && k < (unsigned)r; k++)
			shim_poke(&vec[i + k].msg_len, &m.v[k].msg_len, sizeof(m.v[k].msg_len));
		for (unsigned k = 0; k < n; k++) {
			if (!m.named[k] || !m.d[k].log)
				continue;
			e.result = k < (unsigned)(r > 0 ? r : 0) ? (long)m.v[k].msg_len : -1;
			e.err = r < 0 ? err : 0;
			e.result_unknown = r >= 0 && k >= (unsigned)r;	/* not sent */
			calls_addr_decode(m.v[k].msg_hdr.msg_name, m.v[k].msg_hdr.msg_namelen, &pl.addr);
			shim_emit_call(row, a, &e, &m.d[k]);
		}
		if (r < 0) {
			if (i == 0) {
				errno = err;
				return -1;
			}
			break;
		}
		ret += r;
		i += n;
	} while ((unsigned)r == n && i < vlen);
	errno = saved;
	return ret;
}

/*
 * getaddrinfo(3): socket.getaddrinfo, in the preload layer only (a name
 * lookup is no system call: the kernel layers see the sockets the
 * resolver makes, not the name).  A refused lookup fails at once with
 * EAI_FAIL, without asking any resolver, so that a "no network" policy
 * stops a test suite's lookups instead of letting them time out.  errno is
 * what the real function left (it sets it for EAI_SYSTEM).
 */
static int shim_lookup(const char *host, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	const struct calls_row *row = &calls_table[CALL_GETADDRINFO];
	int (*fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	const long a[6] = { (long)host, (long)service, (long)hints, (long)res };
	struct event e = { .event = row->event, .call = row->name, .host = host,
			   .service = service };
	struct policy_call c = { .event = row->event, .family = AF_UNSPEC, .host = host };
	struct policy_decision d;
	int ret, err;

	if (!shim_ready())
		return EAI_SYSTEM;	/* not yet bound: a signal handler during init */
	fn = (int (*)(const char *, const char *, const struct addrinfo *,
		      struct addrinfo **))shim_real.fn[CALL_GETADDRINFO];
	if (!fn) {
		errno = ENOSYS;
		return EAI_SYSTEM;
	}
	if (shim_cfg.passthrough)
		return fn(host, service, hints, res);
	if (hints) {
		c.family = hints->ai_family;
		c.type = hints->ai_socktype;
		c.protocol = hints->ai_protocol;
	}
	c.port = calls_service_port(service);
	c.has_port = c.port >= 0;
	shim_decide(&c, &d);
	e.family = c.family;
	e.type = c.type;
	e.protocol = c.protocol;
	if (d.action == POLICY_ALLOW || shim_cfg.mode == POLICY_AUDIT) {
		ret = fn(host, service, hints, res);
	} else {
		if (d.action == POLICY_KILL)
			shim_kill(row, a, &e, &d);
		ret = EAI_FAIL;
	}
	err = errno;
	if (d.log) {
		e.result = ret;
		e.err = ret == EAI_SYSTEM ? err : 0;
		e.found = ret == 0 ? *res : NULL;
		shim_emit_call(row, a, &e, &d);
	}
	errno = err;
	return ret;
}

/* The logic of each call: its arguments as the table's row reads them. */
static int audit_socket(int family, int type, int protocol)
{
	return (int)shim_audit(CALL_SOCKET, (const long[6]){ family, type, protocol });
}

static int audit_socketpair(int family, int type, int protocol, int sv[2])
{
	return (int)shim_audit(CALL_SOCKETPAIR,
			       (const long[6]){ family, type, protocol, (long)sv });
}

static int audit_accept4(bool four, int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return (int)shim_audit(four ? CALL_ACCEPT4 : CALL_ACCEPT,
			       (const long[6]){ fd, (long)addr, (long)len, flags });
}

static int audit_shutdown(int fd, int how)
{
	return (int)shim_audit(CALL_SHUTDOWN, (const long[6]){ fd, how });
}

/* Every other system call: to libc's syscall() with all six arguments, errno
 * untouched by us. */
static long shim_next_syscall(long nr, const long a[6])
{
	if (!shim_real.syscall)
		shim_ready();
	if (shim_real.syscall)
		return shim_real.syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	return shim_sys(nr, a);
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

SHIM_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	return (int)shim_audit(CALL_CONNECT, (const long[6]){ fd, (long)addr.__sockaddr__, len });
}

SHIM_EXPORT int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	return (int)shim_audit(CALL_BIND, (const long[6]){ fd, (long)addr.__sockaddr__, len });
}

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			   __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	return shim_audit(CALL_SENDTO, (const long[6]){ fd, (long)buf, (long)n, flags,
							(long)addr.__sockaddr__, len });
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return shim_audit(CALL_SENDMSG, (const long[6]){ fd, (long)msg, flags });
}

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	return (int)shim_sendmmsg((const long[6]){ fd, (long)vec, vlen, flags });
}

SHIM_EXPORT int getaddrinfo(const char *restrict host, const char *restrict service,
			    const struct addrinfo *restrict hints,
			    struct addrinfo **restrict res)
{
	return shim_lookup(host, service, hints, res);
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
	case SYS_connect:
		return shim_audit(CALL_CONNECT, a);
	case SYS_bind:
		return shim_audit(CALL_BIND, a);
	case SYS_sendto:
		return shim_audit(CALL_SENDTO, a);
	case SYS_sendmsg:
		return shim_audit(CALL_SENDMSG, a);
	case SYS_sendmmsg:
		return shim_sendmmsg(a);
	case SYS_close:
#ifdef SYS_dup2
	case SYS_dup2:
#endif
	case SYS_dup3:
	case SYS_close_range:
		shim_fds_syscall(nr, a);
		break;
	}
	return shim_next_syscall(nr, a);
}
