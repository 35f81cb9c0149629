/* SPDX-License-Identifier: MIT */
/* addr.h - a socket address, as the address events (socket.connect,
 * socket.bind, socket.sendto, socket.sendmsg) will log it and address rules
 * will match it.
 *
 * calls_addr_decode() reads the bytes of a sockaddr that a layer has already
 * copied out of the caller's memory (the shim onto its stack, the supervisor
 * with process_vm_readv), with the length the caller passed, and says what
 * the kernel would make of them: which family, which fields, or why it would
 * refuse them (the layer then lets the call through untouched, so that the
 * program sees the kernel's own error).  calls_addr_ip() writes an inet
 * address as inet_ntop(3) does, so that events read like strace's and
 * CPython's.  Neither allocates nor makes a system call: async-signal-safe,
 * for the shim's hot path.
 */
#ifndef SOCKAUDIT_ADDR_H
#define SOCKAUDIT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most a sockaddr may be: the kernel refuses longer ones with EINVAL
 * (move_addr_to_kernel), so no layer copies more. */
#define CALLS_ADDR_MAX 128

/* The longest text calls_addr_ip() writes, NUL included
 * ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"). */
#define CALLS_ADDR_IP_TEXT 46

enum calls_addr_status {
	CALLS_ADDR_OK,
	CALLS_ADDR_NONE,	/* no address: a NULL pointer (or length 0) */
	CALLS_ADDR_SHORT,	/* shorter than its family's address */
	CALLS_ADDR_LONG,	/* longer than CALLS_ADDR_MAX */
	CALLS_ADDR_FAULT,	/* the caller's memory could not be read */
};

struct calls_addr {
	enum calls_addr_status status;
	int family;		/* sa_family; -1 unless it could be read */
	size_t len;		/* the length the caller passed */
	union {
		struct {	/* AF_INET, AF_INET6 */
			uint8_t ip[16];		/* network order; 4 bytes for AF_INET */
			uint16_t port;		/* host order */
			uint32_t flowinfo;	/* AF_INET6, network order as CPython gives it */
			uint32_t scope_id;	/* AF_INET6; 0 when the caller passed
						   the RFC 2133 length without it */
		} in;
		struct {	/* AF_UNIX */
			char path[108];
			size_t len;		/* bytes of PATH; 0: unnamed (autobind) */
			bool abstract;		/* PATH is the name after the NUL */
		} un;
		struct {	/* AF_NETLINK */
			uint32_t pid, groups;
		} nl;
		struct {	/* any other family: the bytes after sa_family */
			uint8_t bytes[CALLS_ADDR_MAX - 2];
			size_t len;
		} raw;
	};
};

/* Decode the LEN bytes at SA (NULL: no address) into *A.  A->status says
 * whether the kernel would take them as an address of A->family. */
void calls_addr_decode(const void *sa, size_t len, struct calls_addr *a);

/* A's inet address as inet_ntop(3) writes it, into BUF of at least
 * CALLS_ADDR_IP_TEXT bytes.  Returns BUF, or NULL when A is not an
 * AF_INET or AF_INET6 address. */
char *calls_addr_ip(const struct calls_addr *a, char *buf);

/* The length of the address a struct msghdr names with msg_name NAME and
 * msg_namelen NAMELEN, as the kernel's copy_msghdr_from_user() takes it:
 * 0 when it names none (NAME NULL or NAMELEN 0: a send without an address,
 * no event); -1 when the kernel refuses it with EINVAL (negative as the
 * int it reads); else NAMELEN, cut to CALLS_ADDR_MAX as the kernel cuts. */
static inline long calls_msg_namelen(const void *name, unsigned namelen)
{
	if (!name || !namelen)
		return 0;
	if ((int)namelen < 0)
		return -1;
	return namelen > CALLS_ADDR_MAX ? CALLS_ADDR_MAX : namelen;
}

/* Is A the AF_UNSPEC address with INADDR_ANY that an AF_INET socket's
 * bind(2) takes as 0.0.0.0 (the kernel's "compatibility games" in
 * __inet_bind)?  Then *PORT gets its port (host order). */
bool calls_addr_unspec_any(const struct calls_addr *a, uint16_t *port);

/* getaddrinfo's SERVICE as a port: its value when it is a decimal number
 * of 0..65535 (as getaddrinfo takes it), else -1 (a name such as "http",
 * or NULL). */
int calls_service_port(const char *service);

#endif
