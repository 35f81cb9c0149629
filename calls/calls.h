/* SPDX-License-Identifier: MIT */
/* calls.h - the intercepted calls (calls.def) as data, and the socket
 * facts a decision is made on.
 *
 * One table, one reader of a descriptor's family/type/protocol, one way to
 * turn a call's arguments into a policy_call: the shim and the notify
 * supervisor both go through here, so the layers cannot gather facts
 * differently before the one matcher decides.
 */
#ifndef SOCKAUDIT_CALLS_H
#define SOCKAUDIT_CALLS_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "policy.h"

enum calls_id {
#define CALL(id, ...) CALL_##id,
#include "calls.def"
#undef CALL
	CALLS_COUNT,
};

struct calls_row {
	const char *name;		/* "accept4" */
	enum policy_event event;
	/* Which argument carries what; -1: none (see calls.def). */
	int arg_fd, arg_family, arg_type, arg_protocol, arg_how, arg_flags;
	int sockets;			/* new sockets a successful call makes */
	bool cancellation_point;	/* pthread_cancel() acts in it */
	int arg_addr, arg_addrlen;	/* the sockaddr and its length */
	int arg_msg, arg_vlen;		/* msghdr (or mmsghdr array and count) */
	bool kernel;			/* a system call; false: library only */
	long nr;			/* native syscall number, -1: none */
};

extern const struct calls_row calls_table[CALLS_COUNT];

/* Does a call of ROW make its new socket from the descriptor it is given
 * (accept, accept4)?  Such a socket has its listener's facts, and a failed
 * call made none. */
static inline bool calls_is_accept(const struct calls_row *row)
{
	return row->arg_fd >= 0 && row->event == POLICY_EV_NEW;
}

/* Does a call of ROW name an address (connect, bind, sendto, sendmsg,
 * sendmmsg)? */
static inline bool calls_names_address(const struct calls_row *row)
{
	return row->kernel && policy_event_has_address(row->event);
}

/* The accept4 flags that describe the new socket (the kernel refuses every
 * other bit with EINVAL): the only ones folded into a socket's type. */
#define CALLS_ACCEPT_FLAGS (SOCK_CLOEXEC | SOCK_NONBLOCK)

/* Read FD's family, type and protocol (SO_DOMAIN, SO_TYPE, SO_PROTOCOL) into
 * C.  0, or -errno with C->family -1 and type and protocol 0 when FD is not
 * an open socket.  Three getsockopt(2): async-signal-safe. */
int calls_sock_facts(int fd, struct policy_call *c);

/*
 * What descriptor FD is, asked without reading its times: statx(2) with
 * STATX_INO | STATX_NLINK | STATX_TYPE.  A stat that reads the ctime
 * (fstat) makes the kernel give the file's next change a fine-grained
 * timestamp (multigrain timestamps, Linux 6.13), so that each write after
 * it dirties the inode in the journal: measured on ext4 here, fstat + write
 * cost 2.2x a write alone, statx + write 1.1x.  fstat where statx is
 * refused (an older kernel, a seccomp profile).  0, or -errno.
 * Async-signal-safe.
 */
struct calls_fd_id {
	uint64_t dev, ino, nlink;
	unsigned mode;			/* st_mode: the type bits */
};

int calls_fd_id(int fd, struct calls_fd_id *id);

/* The facts of one call of ROW with arguments ARGS, as every layer must see
 * them: the register arguments as passed, and for a call on a descriptor
 * the facts of SOCK_FD (the descriptor itself in the shim, a pidfd_getfd
 * copy in the supervisor; -1: not read, family -1).  accept4's flags are
 * folded into the type, CALLS_ACCEPT_FLAGS only.  EXE is left NULL. */
void calls_facts(const struct calls_row *row, const long args[6], int sock_fd,
		 struct policy_call *c);

/* The same with the socket's facts already read (SOCK's family, type and
 * protocol, as calls_sock_facts() gives them; NULL: not read), for a layer
 * that keeps them (the shim's cache, shim/facts.c). */
void calls_facts_with(const struct calls_row *row, const long args[6],
		      const struct policy_call *sock, struct policy_call *c);

/* Only the socket's facts (SOCK's, as above) into C, which
 * calls_facts_with() filled without them: the rest of C stays. */
void calls_facts_sock(const struct calls_row *row, const long args[6],
		      const struct policy_call *sock, struct policy_call *c);

/* The address A (decoded by calls_addr_decode()) into C's address facts,
 * as the kernel takes it for C's event (set it first): a bind's AF_UNSPEC
 * INADDR_ANY is 0.0.0.0 (calls_addr_unspec_any()).  C->path then points
 * into A, which must outlive C.  An address the kernel would refuse
 * (A->status not CALLS_ADDR_OK) leaves has_addr false. */
void calls_addr_to_policy(const struct calls_addr *a, struct policy_call *c);

#endif
