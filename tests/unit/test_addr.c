/* SPDX-License-Identifier: MIT */
/* test_addr.c - calls/addr.c: sockaddrs decoded as the kernel takes them,
 * inet addresses written as inet_ntop(3) writes them (the oracle here). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include "addr.h"
#include "check.h"

static void test_inet(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(8080) };
	struct calls_addr a;
	char buf[CALLS_ADDR_IP_TEXT];

	in.sin_addr.s_addr = htonl(0x7f000001);
	calls_addr_decode(&in, sizeof(in), &a);
	CHECK_INT(a.status, CALLS_ADDR_OK, "AF_INET: decoded");
	CHECK_INT(a.family, AF_INET, "AF_INET: family");
	CHECK_INT(a.in.port, 8080, "AF_INET: port in host order");
	CHECK_STR(calls_addr_ip(&a, buf), "127.0.0.1", "AF_INET: dotted");
	calls_addr_decode(&in, sizeof(in) - 1, &a);
	CHECK_INT(a.status, CALLS_ADDR_SHORT, "AF_INET: 15 bytes is short (the kernel says EINVAL)");
	CHECK(calls_addr_ip(&a, buf) == NULL, "no text for a short address");
}

static void test_inet6(void)
{
	struct sockaddr_in6 in6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(443),
		.sin6_flowinfo = htonl(0x12345), .sin6_scope_id = 7,
	};
	struct calls_addr a;
	char buf[CALLS_ADDR_IP_TEXT];

	in6.sin6_addr = in6addr_loopback;
	calls_addr_decode(&in6, sizeof(in6), &a);
	CHECK_INT(a.status, CALLS_ADDR_OK, "AF_INET6: decoded");
	CHECK_INT(a.in.port, 443, "AF_INET6: port");
	CHECK_INT(a.in.flowinfo, 0x12345, "AF_INET6: flowinfo in host order, as CPython gives it");
	CHECK_INT(a.in.scope_id, 7, "AF_INET6: scope id");
	CHECK_STR(calls_addr_ip(&a, buf), "::1", "AF_INET6: ::1");
	calls_addr_decode(&in6, 24, &a);
	CHECK(a.status == CALLS_ADDR_OK && a.in.scope_id == 0,
	      "AF_INET6: RFC 2133's 24 bytes: no scope id");
	calls_addr_decode(&in6, 23, &a);
	CHECK_INT(a.status, CALLS_ADDR_SHORT, "AF_INET6: 23 bytes is short");
}

/* A sockaddr_un of LEN bytes holding the BYTES of its sun_path. */
static size_t un_of(struct sockaddr_un *un, const char *bytes, size_t n)
{
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, bytes, n);
	return offsetof(struct sockaddr_un, sun_path) + n;
}

static void test_unix(void)
{
	struct sockaddr_un un;
	struct calls_addr a;
	size_t len;

	len = un_of(&un, "/run/x.sock", 12);	/* with its NUL */
	calls_addr_decode(&un, len, &a);
	CHECK(a.status == CALLS_ADDR_OK && !a.un.abstract && a.un.len == 11 &&
	      !memcmp(a.un.path, "/run/x.sock", 11), "AF_UNIX: a path ends at its NUL");
	calls_addr_decode(&un, sizeof(un), &a);
	CHECK(a.un.len == 11, "AF_UNIX: the whole struct passed: still the path");
	len = un_of(&un, "/run/x.sock", 11);	/* without */
	calls_addr_decode(&un, len, &a);
	CHECK(a.un.len == 11, "AF_UNIX: a path without its NUL");
	len = un_of(&un, "\0ab\0c", 5);
	calls_addr_decode(&un, len, &a);
	CHECK(a.status == CALLS_ADDR_OK && a.un.abstract && a.un.len == 4 &&
	      !memcmp(a.un.path, "ab\0c", 4), "AF_UNIX: an abstract name, NULs and all");
	calls_addr_decode(&un, offsetof(struct sockaddr_un, sun_path), &a);
	CHECK(a.status == CALLS_ADDR_OK && !a.un.abstract && a.un.len == 0,
	      "AF_UNIX: no path (autobind)");
	calls_addr_decode(&un, sizeof(un) + 1, &a);
	CHECK(a.status == CALLS_ADDR_OK && a.un.len <= sizeof(a.un.path),
	      "AF_UNIX: longer than the struct: at most sun_path's bytes");
}

static void test_other(void)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = 42, .nl_groups = 5 };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = 3 };
	struct sockaddr_storage big = { .ss_family = AF_INET };
	struct calls_addr a;
	unsigned char one = 0;

	calls_addr_decode(&nl, sizeof(nl), &a);
	CHECK(a.status == CALLS_ADDR_OK && a.nl.pid == 42 && a.nl.groups == 5, "AF_NETLINK");
	calls_addr_decode(&nl, sizeof(nl) - 1, &a);
	CHECK_INT(a.status, CALLS_ADDR_SHORT, "AF_NETLINK: short");
	calls_addr_decode(&ll, sizeof(ll), &a);
	CHECK(a.status == CALLS_ADDR_OK && a.family == AF_PACKET &&
	      a.raw.len == sizeof(ll) - 2 && !memcmp(a.raw.bytes, (char *)&ll + 2, a.raw.len),
	      "AF_PACKET: the bytes after the family, all of them");
	calls_addr_decode(NULL, 16, &a);
	CHECK(a.status == CALLS_ADDR_NONE && a.family == -1, "NULL: no address");
	calls_addr_decode(&one, 1, &a);
	CHECK(a.status == CALLS_ADDR_SHORT && a.family == -1, "1 byte: not even a family");
	calls_addr_decode(&big, sizeof(big), &a);
	CHECK_INT(a.status, CALLS_ADDR_OK, "sizeof(struct sockaddr_storage) is the most");
	calls_addr_decode(&big, sizeof(big) + 1, &a);
	CHECK(a.status == CALLS_ADDR_LONG && a.family == -1, "one more is too long (EINVAL)");
}

/* Our text against inet_ntop's: every address whose groups are drawn from
 * a few telling values (runs of zeros anywhere, ffff for the mapped form),
 * then random ones. */
static void test_ntop(void)
{
	static const uint16_t vals[] = { 0, 1, 0xffff, 0x0a0b };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in in = { .sin_family = AF_INET };
	char ours[CALLS_ADDR_IP_TEXT], theirs[INET6_ADDRSTRLEN];
	struct calls_addr a;
	unsigned bad = 0, n = 0;

	for (unsigned k = 0; k < 1u << 16; k++) {
		for (int w = 0; w < 8; w++) {
			uint16_t v = htons(vals[(k >> (2 * w)) & 3]);

			memcpy(&in6.sin6_addr.s6_addr[2 * w], &v, 2);
		}
		calls_addr_decode(&in6, sizeof(in6), &a);
		inet_ntop(AF_INET6, &in6.sin6_addr, theirs, sizeof(theirs));
		bad += !calls_addr_ip(&a, ours) || strcmp(ours, theirs);
		n++;
	}
	srandom(1);
	for (unsigned k = 0; k < 100000; k++) {
		for (int b = 0; b < 16; b++)
			in6.sin6_addr.s6_addr[b] = (uint8_t)(random() % 3 ? 0 : random());
		calls_addr_decode(&in6, sizeof(in6), &a);
		inet_ntop(AF_INET6, &in6.sin6_addr, theirs, sizeof(theirs));
		bad += !calls_addr_ip(&a, ours) || strcmp(ours, theirs);
		in.sin_addr.s_addr = (uint32_t)random();
		calls_addr_decode(&in, sizeof(in), &a);
		inet_ntop(AF_INET, &in.sin_addr, theirs, sizeof(theirs));
		bad += !calls_addr_ip(&a, ours) || strcmp(ours, theirs);
		n += 2;
	}
	CHECK(bad == 0, "inet_ntop's text for %u addresses (%u differ)", n, bad);
	memset(&in6.sin6_addr, 0xff, 16);
	in6.sin6_addr.s6_addr[0] = 0x12;
	calls_addr_decode(&in6, sizeof(in6), &a);
	CHECK(strlen(calls_addr_ip(&a, ours)) < CALLS_ADDR_IP_TEXT, "the longest text fits");
}

int main(void)
{
	test_inet();
	test_inet6();
	test_unix();
	test_other();
	test_ntop();
	return check_done();
}
