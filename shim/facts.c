/* facts.c - the facts of the program's sockets, kept between its calls.
 *
 * A call on a descriptor (accept, shutdown, connect, bind, the sends) is
 * decided and logged with its socket's family, type and protocol, which
 * calls_sock_facts() reads with three getsockopt(2).  A server accepts on
 * the same listener and a client sends on the same socket again and
 * again, and these facts never change in a socket's life, so the shim
 * keeps them per descriptor, tagged with the socket's inode number: one
 * fstat(2) then tells whether the descriptor still holds that socket
 * (sockfs numbers its inodes from a 32-bit counter, get_next_ino(); a
 * descriptor reused for another socket has another number).
 *
 * One slot per descriptor below SHIM_FACTS_SLOTS, one 64-bit word each,
 * written and read whole (atomically): no lock, safe in signal handlers,
 * across threads, in a vfork child (whose stores are right for its parent
 * too: a slot says which socket it describes).  A value that does not fit
 * the word is not kept.  Not seen: IPV6_ADDRFORM, the deprecated option
 * that turns a connected AF_INET6 socket into an AF_INET one, leaves the
 * old family here (man libsockaudit, BUGS).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>

#include "shim.h"

#define SHIM_FACTS_SLOTS 1024

/* ino:32 | family:8 | type:8 | protocol:16; 0: empty (no inode is 0) */
static _Atomic uint64_t shim_facts[SHIM_FACTS_SLOTS];

static uint64_t facts_pack(uint64_t ino, const struct policy_call *f)
{
	if (ino > UINT32_MAX || f->family < 0 || f->family > 0xff || f->type < 0 ||
	    f->type > 0xff || f->protocol < 0 || f->protocol > 0xffff)
		return 0;
	return ino << 32 | (uint64_t)f->family << 24 | (uint64_t)f->type << 16 |
	       (uint64_t)f->protocol;
}

void shim_sock_facts(int fd, struct policy_call *f)
{
	struct stat st;
	uint64_t v;

	if (fd < 0 || fd >= SHIM_FACTS_SLOTS || fstat(fd, &st) < 0) {
		calls_sock_facts(fd, f);
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		f->family = -1;		/* what getsockopt would say: ENOTSOCK */
		f->type = 0;
		f->protocol = 0;
		return;
	}
	v = atomic_load_explicit(&shim_facts[fd], memory_order_relaxed);
	if (v && v >> 32 == (uint64_t)st.st_ino) {
		f->family = (int)(v >> 24 & 0xff);
		f->type = (int)(v >> 16 & 0xff);
		f->protocol = (int)(v & 0xffff);
		return;
	}
	if (calls_sock_facts(fd, f) == 0) {
		v = facts_pack((uint64_t)st.st_ino, f);
		if (v)
			atomic_store_explicit(&shim_facts[fd], v, memory_order_relaxed);
	}
}
