/* SPDX-License-Identifier: MIT */
/* landlock.c - Landlock's TCP port rules as the backstop of a policy's port
 * rules under `sockaudit run` (man sockaudit-run, "Landlock").
 *
 * The notify supervisor reads a connect's or bind's address from the
 * caller's memory; a continued call is then performed by the kernel on the
 * memory as it is by then, which another thread may have rewritten, and a
 * ring's IORING_OP_CONNECT/BIND (under "io_uring": "allow") is no system
 * call at all.  Landlock checks the port on the kernel's own copy, in the
 * socket_connect and socket_bind hooks every path goes through.  It knows
 * only TCP ports, so it gets only what the policy refuses whatever the
 * address and program (policy_tcp_ports()): it never refuses a call the
 * policy allows, and every other refusal stays with the other layers.
 *
 *   landlock_ruleset   parent: the ABI, the ports, the ruleset
 *   landlock_restrict  child, after no_new_privs: one system call
 *
 * The ruleset is built before the child starts, so that the child makes
 * one system call for it before exec, as for the seccomp filter.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"

/* What Landlock is for here, closing every note. */
#define LANDLOCK_NOTE_TAIL "the policy's TCP ports are not enforced by Landlock, " \
	"only by the other layers"

/* Erratum 1 (ABI 4): TCP rules applied to every inet stream socket, MPTCP,
 * SCTP and SMC included, which the policy may allow to any port. */
#define LANDLOCK_ERRATUM_TCP_ONLY (1L << 0)

/* The first two fields of struct landlock_ruleset_attr (ABI 4): the size
 * passed tells the kernel which fields there are, so no later field (ABI
 * 6's "scoped") is asked for. */
struct landlock_net_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
};

static long landlock_create_ruleset(const void *attr, size_t size, unsigned flags)
{
	return syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

const char *landlock_unusable(long abi, int err, long errata, char *buf, size_t len)
{
	if (abi < 0 && err == ENOSYS)
		snprintf(buf, len, "this kernel has no Landlock");
	else if (abi < 0 && err == EOPNOTSUPP)
		snprintf(buf, len, "Landlock is disabled on this kernel (it is not in the lsm= "
			 "boot parameter)");
	else if (abi < 0)
		snprintf(buf, len, "Landlock: %s", strerror(err));
	else if (abi < 4)
		snprintf(buf, len, "this kernel's Landlock (ABI %ld) has no TCP port rules "
			 "(ABI 4, Linux 6.7)", abi);
	else if (errata < 0 || !(errata & LANDLOCK_ERRATUM_TCP_ONLY))
		snprintf(buf, len, "this kernel's Landlock TCP rules also restrict MPTCP, "
			 "SCTP and SMC sockets (ABI 4 erratum 1 unfixed)");
	else
		return NULL;
	return buf;
}

static void landlock_note(const char *why)
{
	fprintf(stderr, "sockaudit run: note: %s: " LANDLOCK_NOTE_TAIL "\n", why);
}

static bool landlock_bit(const uint8_t *ports, int port)
{
	return ports[port / 8] & (1u << (port % 8));
}

int landlock_ruleset(const struct policy *p)
{
	static uint8_t connects[POLICY_PORTS_BYTES], binds[POLICY_PORTS_BYTES];
	struct landlock_net_ruleset_attr attr = { 0 };
	const char *why;
	char buf[256];
	long abi, errata = -1;
	int fd, err = 0;

	if (policy_tcp_ports(p, POLICY_EV_CONNECT, connects))
		attr.handled_access_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
	if (policy_tcp_ports(p, POLICY_EV_BIND, binds))
		attr.handled_access_net |= LANDLOCK_ACCESS_NET_BIND_TCP;
	if (!attr.handled_access_net)
		return -1;

	abi = landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		err = errno;
	else if (abi >= 4)
		errata = landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_ERRATA);
	why = landlock_unusable(abi, err, errata, buf, sizeof(buf));
	if (why) {
		landlock_note(why);
		return -1;
	}

	fd = (int)landlock_create_ruleset(&attr, sizeof(attr), 0);
	if (fd < 0) {
		snprintf(buf, sizeof(buf), "landlock_create_ruleset: %s", strerror(errno));
		landlock_note(buf);
		return -1;
	}
	for (int port = 0; port < 65536; port++) {
		struct landlock_net_port_attr rule = { .port = (__u64)port };

		if (landlock_bit(connects, port))
			rule.allowed_access |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
		if (landlock_bit(binds, port))
			rule.allowed_access |= LANDLOCK_ACCESS_NET_BIND_TCP;
		rule.allowed_access &= attr.handled_access_net;
		if (rule.allowed_access &&
		    syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_NET_PORT, &rule, 0) < 0) {
			snprintf(buf, sizeof(buf), "landlock_add_rule: port %d: %s", port,
				 strerror(errno));
			landlock_note(buf);
			close(fd);
			return -1;
		}
	}
	return fd;
}

void landlock_restrict(int ruleset)
{
	char line[256];
	int n;

	if (ruleset < 0)
		return;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		/* Between fork and exec: one write(2), no stdio buffer. */
		n = snprintf(line, sizeof(line), "sockaudit run: note: landlock_restrict_self: %s: "
			     LANDLOCK_NOTE_TAIL "\n",
			     errno == E2BIG ? "16 Landlock domains are stacked already"
					    : strerror(errno));
		if (n > (int)sizeof(line))
			n = (int)sizeof(line);
		if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0) {
			/* Nowhere left to say it. */
		}
	}
}
