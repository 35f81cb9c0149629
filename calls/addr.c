/* SPDX-License-Identifier: MIT */
/* addr.c - socket addresses decoded as the kernel reads them (see addr.h). */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <linux/netlink.h>
#include <netinet/in.h>

#include "addr.h"

_Static_assert(sizeof(struct sockaddr_storage) == CALLS_ADDR_MAX,
	       "the kernel's limit is sizeof(struct sockaddr_storage)");

/* The shortest address the kernel accepts per family: its connect and bind
 * refuse shorter ones with EINVAL.  An AF_INET6 address may stop before its
 * scope id (RFC 2133's 24 bytes).  Any other family needs its sa_family. */
static size_t addr_min_len(int family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return offsetof(struct sockaddr_in6, sin6_scope_id);
	case AF_NETLINK:
		return sizeof(struct sockaddr_nl);
	default:
		return sizeof(sa_family_t);
	}
}

static uint16_t addr_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t addr_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t addr_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* AF_UNIX: a path ends at its first NUL (the kernel terminates it at the
 * length given, then takes the string); an abstract name is every byte
 * after the leading NUL; no byte after the family asks for autobind. */
static void addr_unix(const uint8_t *sa, size_t len, struct calls_addr *a)
{
	const uint8_t *path = sa + offsetof(struct sockaddr_un, sun_path);
	size_t n = len - offsetof(struct sockaddr_un, sun_path);

	if (n > sizeof(a->un.path))
		n = sizeof(a->un.path);
	a->un.abstract = n > 0 && path[0] == '\0';
	if (a->un.abstract) {
		path++;
		n--;
	} else {
		const uint8_t *nul = memchr(path, '\0', n);

		if (nul)
			n = (size_t)(nul - path);
	}
	memcpy(a->un.path, path, n);
	a->un.len = n;
}

void calls_addr_decode(const void *addr, size_t len, struct calls_addr *a)
{
	const uint8_t *sa = addr;
	sa_family_t family;

	memset(a, 0, sizeof(*a));
	a->family = -1;
	a->len = len;
	if (!sa) {
		a->status = CALLS_ADDR_NONE;
		return;
	}
	if (len > CALLS_ADDR_MAX) {
		a->status = CALLS_ADDR_LONG;
		return;
	}
	if (len < sizeof(family)) {
		a->status = CALLS_ADDR_SHORT;
		return;
	}
	memcpy(&family, sa, sizeof(family));
	a->family = family;
	if (len < addr_min_len(family)) {
		a->status = CALLS_ADDR_SHORT;
		return;
	}
	a->status = CALLS_ADDR_OK;
	switch (family) {
	case AF_INET:
		memcpy(a->in.ip, sa + offsetof(struct sockaddr_in, sin_addr), 4);
		a->in.port = addr_be16(sa + offsetof(struct sockaddr_in, sin_port));
		break;
	case AF_INET6:
		memcpy(a->in.ip, sa + offsetof(struct sockaddr_in6, sin6_addr), 16);
		a->in.port = addr_be16(sa + offsetof(struct sockaddr_in6, sin6_port));
		a->in.flowinfo = addr_be32(sa + offsetof(struct sockaddr_in6, sin6_flowinfo));
		if (len >= sizeof(struct sockaddr_in6))
			a->in.scope_id = addr_u32(sa + offsetof(struct sockaddr_in6, sin6_scope_id));
		break;
	case AF_UNIX:
		addr_unix(sa, len, a);
		break;
	case AF_NETLINK:
		a->nl.pid = addr_u32(sa + offsetof(struct sockaddr_nl, nl_pid));
		a->nl.groups = addr_u32(sa + offsetof(struct sockaddr_nl, nl_groups));
		break;
	default:
		a->raw.len = len - sizeof(family);
		memcpy(a->raw.bytes, sa + sizeof(family), a->raw.len);
		break;
	}
}

static char *addr_put_dec(char *p, unsigned v)
{
	char digits[10];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = digits[--n];
	return p;
}

static char *addr_put_hex(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 12;

	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 0xf];
	return p;
}

static char *addr_put_ipv4(char *p, const uint8_t *ip)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = addr_put_dec(p, ip[i]);
	}
	return p;
}

/* RFC 5952 as inet_ntop(3) applies it: the first longest run of two or
 * more zero groups becomes "::"; an IPv4-mapped (::ffff:a.b.c.d) or
 * IPv4-compatible (::a.b.c.d) address ends in dotted decimal. */
static char *addr_put_ipv6(char *p, const uint8_t *ip)
{
	unsigned words[8];
	int best = -1, best_len = 0, run = -1, run_len = 0;

	for (int i = 0; i < 8; i++) {
		words[i] = addr_be16(ip + 2 * i);
		if (words[i] == 0) {
			if (run < 0)
				run = i;
			run_len = i - run + 1;
			if (run_len > best_len) {
				best = run;
				best_len = run_len;
			}
		} else {
			run = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && words[5] == 0xffff)))
			return addr_put_ipv4(p, ip + 12);
		p = addr_put_hex(p, words[i]);
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return p;
}

char *calls_addr_ip(const struct calls_addr *a, char *buf)
{
	char *end;

	if (a->status != CALLS_ADDR_OK)
		return NULL;
	if (a->family == AF_INET)
		end = addr_put_ipv4(buf, a->in.ip);
	else if (a->family == AF_INET6)
		end = addr_put_ipv6(buf, a->in.ip);
	else
		return NULL;
	*end = '\0';
	return buf;
}

int calls_service_port(const char *service)
{
	long v = 0;

	if (!service || !*service)
		return -1;
	for (const char *c = service; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
		if (v > 65535)
			return -1;
	}
	return (int)v;
}

bool calls_addr_unspec_any(const struct calls_addr *a, uint16_t *port)
{
	/* the bytes after sa_family as a sockaddr_in's: port, address */
	if (a->status != CALLS_ADDR_OK || a->family != AF_UNSPEC ||
	    a->len < sizeof(struct sockaddr_in) || addr_u32(a->raw.bytes + 2) != 0)
		return false;
	*port = addr_be16(a->raw.bytes);
	return true;
}
