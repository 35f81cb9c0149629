/* SPDX-License-Identifier: MIT */
/* facts.c - the facts of the program's sockets, kept between its calls.
 *
 * A call on a descriptor (accept, shutdown, connect, bind, the sends) is
 * decided and logged with its socket's family, type and protocol, which
 * calls_sock_facts() reads with three getsockopt(2).  These facts never
 * change in a socket's life, so the shim keeps them per descriptor:
 *
 *   made    a socket the shim saw made (socket, socketpair, accept): its
 *           facts are known from the call, and kept until the shim sees the
 *           descriptor closed or replaced (close, dup2, dup3, close_range,
 *           closefrom, and the same through syscall(): fds.c).  No system
 *           call at all, at the making or at the use.
 *   seen    a socket the shim did not see made (inherited, received over a
 *           UNIX socket): read once, tagged with its inode number, and
 *           checked with one statx(2) at each use (sockfs numbers its inodes
 *           from a 32-bit counter: a descriptor reused for another socket
 *           has another number).
 *
 * What "made" cannot see: a descriptor closed where no interposed function
 * runs (libc's own close inside fclose() of an fdopen'ed socket, an inline
 * system call) and then reused by a descriptor the shim did not see made
 * either (open, dup, a socket received with SCM_RIGHTS).  Such a
 * descriptor keeps the old socket's facts until the shim sees it closed or
 * made again (man libsockaudit, BUGS).
 *
 * One slot per descriptor below SHIM_FACTS_SLOTS, one 64-bit word each,
 * written and read whole (atomically): no lock, safe in signal handlers and
 * across threads.  A vfork child, whose descriptors are its own copy, only
 * forgets (which costs its parent a statx at worst), never keeps.  A value
 * that does not fit the word is not kept.  Not seen: IPV6_ADDRFORM, the
 * deprecated option that turns a connected AF_INET6 socket into an AF_INET
 * one, leaves the old family here (man libsockaudit, BUGS).
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "shim.h"

#include <errno.h>

#define SHIM_FACTS_SLOTS 1024

/* ino:32 | family:8 | type:8 | made:1 | protocol:15; 0: empty.  A made
 * slot has no inode (0). */
#define FACTS_MADE (UINT64_C(1) << 15)
static _Atomic uint64_t shim_facts[SHIM_FACTS_SLOTS];

static uint64_t facts_pack(uint64_t ino, int family, int type, int protocol)
{
	if (ino > UINT32_MAX || family < 0 || family > 0xff || type < 0 || type > 0xff ||
	    protocol < 0 || protocol > 0x7fff)
		return 0;
	return ino << 32 | (uint64_t)family << 24 | (uint64_t)type << 16 | (uint64_t)protocol;
}

static void facts_unpack(uint64_t v, struct policy_call *f)
{
	f->family = (int)(v >> 24 & 0xff);
	f->type = (int)(v >> 16 & 0xff);
	f->protocol = (int)(v & 0x7fff);
}

void shim_sock_facts(int fd, struct policy_call *f)
{
	struct calls_fd_id id;
	uint64_t v;

	if (fd < 0 || fd >= SHIM_FACTS_SLOTS) {
		calls_sock_facts(fd, f);
		return;
	}
	v = atomic_load_explicit(&shim_facts[fd], memory_order_relaxed);
	if (v & FACTS_MADE) {
		facts_unpack(v, f);
		return;
	}
	if (calls_fd_id(fd, &id) < 0) {
		calls_sock_facts(fd, f);
		return;
	}
	if (!S_ISSOCK(id.mode)) {
		f->family = -1;		/* what getsockopt would say: ENOTSOCK */
		f->type = 0;
		f->protocol = 0;
		return;
	}
	if (v && v >> 32 == id.ino) {
		facts_unpack(v, f);
		return;
	}
	if (calls_sock_facts(fd, f) == 0) {
		v = facts_pack(id.ino, f->family, f->type, f->protocol);
		if (v && !shim_in_vfork())
			atomic_store_explicit(&shim_facts[fd], v, memory_order_relaxed);
	}
}

/* The protocol getsockopt(SO_PROTOCOL) reports for a socket made with
 * PROTOCOL, where the shim knows it without asking: AF_UNIX keeps what it
 * was given, AF_INET and AF_INET6 choose TCP and UDP for 0.  -1: ask. */
static int facts_protocol(int family, int type, int protocol)
{
	if (family == AF_UNIX)
		return protocol;
	if (family != AF_INET && family != AF_INET6)
		return -1;
	if (protocol)
		return protocol;
	if (type == SOCK_STREAM)
		return IPPROTO_TCP;
	if (type == SOCK_DGRAM)
		return IPPROTO_UDP;
	return -1;
}

void shim_facts_made(int fd, int family, int type, int protocol)
{
	uint64_t v;

	if (fd < 0 || fd >= SHIM_FACTS_SLOTS || shim_in_vfork())
		return;
	type &= 0xf;		/* SOCK_NONBLOCK, SOCK_CLOEXEC are no facts */
	protocol = facts_protocol(family, type, protocol);
	v = protocol < 0 ? 0 : facts_pack(0, family, type, protocol);
	atomic_store_explicit(&shim_facts[fd], v ? v | FACTS_MADE : 0, memory_order_relaxed);
}

void shim_facts_forget(unsigned first, unsigned last)
{
	if (first >= SHIM_FACTS_SLOTS)
		return;
	if (last >= SHIM_FACTS_SLOTS)
		last = SHIM_FACTS_SLOTS - 1;
	for (unsigned fd = first; fd <= last; fd++)
		if (atomic_load_explicit(&shim_facts[fd], memory_order_relaxed))
			atomic_store_explicit(&shim_facts[fd], 0, memory_order_relaxed);
}
