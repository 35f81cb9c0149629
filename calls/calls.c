/* SPDX-License-Identifier: MIT */
/* calls.c - the table of calls.def, and the facts a call is decided on
 * (and what a descriptor is). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "calls.h"

/* The native syscall number of each call; an architecture without a
 * separate accept(2) (accept is then accept4 with no flags) gets -1. */
#define CALLS_NR_socket SYS_socket
#define CALLS_NR_socketpair SYS_socketpair
#ifdef SYS_accept
#define CALLS_NR_accept SYS_accept
#else
#define CALLS_NR_accept (-1)
#endif
#define CALLS_NR_accept4 SYS_accept4
#define CALLS_NR_shutdown SYS_shutdown
#define CALLS_NR_connect SYS_connect
#define CALLS_NR_bind SYS_bind
#define CALLS_NR_sendto SYS_sendto
#define CALLS_NR_sendmsg SYS_sendmsg
#define CALLS_NR_sendmmsg SYS_sendmmsg
#define CALLS_NR_getaddrinfo (-1)

const struct calls_row calls_table[CALLS_COUNT] = {
#define CALL(id, nm, ev, fd, fam, ty, pr, how, fl, n, cancel, adr, aln, msg, vln, k) \
	[CALL_##id] = { .name = #nm, .event = ev, .arg_fd = fd, .arg_family = fam, \
			.arg_type = ty, .arg_protocol = pr, .arg_how = how, \
			.arg_flags = fl, .sockets = n, .cancellation_point = cancel, \
			.arg_addr = adr, .arg_addrlen = aln, .arg_msg = msg, \
			.arg_vlen = vln, .kernel = k, .nr = CALLS_NR_##nm },
#include "calls.def"
#undef CALL
};

int calls_sock_facts(int fd, struct policy_call *c)
{
	static const int opts[] = { SO_DOMAIN, SO_TYPE, SO_PROTOCOL };
	int *out[] = { &c->family, &c->type, &c->protocol };

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		socklen_t len = sizeof(int);

		if (fd < 0 || getsockopt(fd, SOL_SOCKET, opts[i], out[i], &len) < 0) {
			int err = fd < 0 ? EBADF : errno;

			c->family = -1;
			c->type = 0;
			c->protocol = 0;
			return -err;
		}
	}
	return 0;
}

void calls_facts_sock(const struct calls_row *row, const long args[6],
		      const struct policy_call *sock, struct policy_call *c)
{
	/* The socket the call acts on (accept's new socket has its
	 * listener's family, type and protocol). */
	c->family = sock->family;
	c->type = sock->type;
	c->protocol = sock->protocol;
	if (row->arg_flags >= 0 && c->family >= 0)
		c->type |= (int)args[row->arg_flags] & CALLS_ACCEPT_FLAGS;
}

void calls_facts_with(const struct calls_row *row, const long args[6],
		      const struct policy_call *sock, struct policy_call *c)
{
	memset(c, 0, sizeof(*c));
	c->event = row->event;
	c->family = -1;
	if (row->arg_how >= 0)
		c->how = (int)args[row->arg_how];
	if (row->arg_fd >= 0) {
		if (sock)
			calls_facts_sock(row, args, sock, c);
		return;
	}
	/* (Only a call on a descriptor has flags of the socket it makes:
	 * accept4's, folded in by calls_facts_sock().) */
	if (row->arg_family >= 0) {
		c->family = (int)args[row->arg_family];
		c->type = (int)args[row->arg_type];
		c->protocol = (int)args[row->arg_protocol];
	}
}

void calls_facts(const struct calls_row *row, const long args[6], int sock_fd,
		 struct policy_call *c)
{
	struct policy_call sock;

	if (row->arg_fd >= 0 && sock_fd >= 0) {
		calls_sock_facts(sock_fd, &sock);
		calls_facts_with(row, args, &sock, c);
		return;
	}
	calls_facts_with(row, args, NULL, c);
}

void calls_addr_to_policy(const struct calls_addr *a, struct policy_call *c)
{
	uint16_t port;

	c->has_addr = a->status == CALLS_ADDR_OK;
	c->has_port = false;
	c->path = NULL;
	c->path_len = 0;
	c->abstract = false;
	if (!c->has_addr)
		return;
	c->addr_family = a->family;
	if (c->event == POLICY_EV_BIND && calls_addr_unspec_any(a, &port)) {
		/* what an AF_INET socket's bind makes of it: 0.0.0.0:port */
		c->addr_family = AF_INET;
		memset(c->ip, 0, 4);
		c->has_port = true;
		c->port = port;
		return;
	}
	switch (a->family) {
	case AF_INET:
		memcpy(c->ip, a->in.ip, 4);
		c->has_port = true;
		c->port = a->in.port;
		break;
	case AF_INET6:
		memcpy(c->ip, a->in.ip, 16);
		c->has_port = true;
		c->port = a->in.port;
		break;
	case AF_UNIX:
		c->path = a->un.path;
		c->path_len = a->un.len;
		c->abstract = a->un.abstract;
		break;
	}
}

static _Atomic bool calls_no_statx;	/* statx refused: fstat from then on */

int calls_fd_id(int fd, struct calls_fd_id *id)
{
	struct stat st;

	if (!atomic_load_explicit(&calls_no_statx, memory_order_relaxed)) {
		struct statx sx;

		if (statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_NLINK | STATX_TYPE, &sx) == 0) {
			id->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
			id->ino = sx.stx_ino;
			id->nlink = sx.stx_nlink;
			id->mode = sx.stx_mode;
			return 0;
		}
		if (errno != ENOSYS && errno != EPERM && errno != EINVAL)
			return -errno;
		atomic_store_explicit(&calls_no_statx, true, memory_order_relaxed);
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->nlink = st.st_nlink;
	id->mode = st.st_mode;
	return 0;
}
