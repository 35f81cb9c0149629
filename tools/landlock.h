/* SPDX-License-Identifier: MIT */
/* landlock.h - Landlock's TCP port rules under `sockaudit run`: the
 * kernel's own check, on its own copy of the address, of the port part of
 * the policy (tools/landlock.c; supervise.c calls it).
 */
#ifndef SOCKAUDIT_LANDLOCK_H
#define SOCKAUDIT_LANDLOCK_H

#include <stddef.h>
#include <linux/landlock.h>

#include "policy.h"

/* The network part of the Landlock ABI (ABI 4, Linux 6.7), newer than
 * Debian 12's headers (Linux 6.1, ABI 3).  Newer headers define them all
 * together, with the access rights. */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define LANDLOCK_RULE_NET_PORT 2
struct landlock_net_port_attr {
	__u64 allowed_access;
	__u64 port;			/* host order */
};
#endif
/* Linux 6.15: the bitmask of fixed errata instead of the version. */
#ifndef LANDLOCK_CREATE_RULESET_ERRATA
#define LANDLOCK_CREATE_RULESET_ERRATA (1U << 1)
#endif

/* In the parent, before fork: the Landlock ruleset of policy P.  It handles
 * TCP connect (bind) when P refuses some port to socket.connect
 * (socket.bind), and allows every port P could allow (policy_tcp_ports()),
 * so that it never refuses what P allows.  Returns its descriptor
 * (close-on-exec), or -1 when there is nothing to refuse (audit mode, no
 * port rule) or Landlock cannot: then, if there was something, one note
 * line on stderr says why. */
int landlock_ruleset(const struct policy *p);

/* In the child, after no_new_privs and before exec: restrict this process
 * and its descendants with RULESET (from landlock_ruleset(); -1: nothing).
 * RULESET stays open: the child shares the launcher's descriptor table,
 * whose owner closes it (tools/supervise.c).  A failure (too many nested
 * Landlock domains) is one note on stderr, written with one write(2),
 * never fatal. */
void landlock_restrict(int ruleset);

/* Why Landlock cannot be the backstop, from what the kernel answered:
 * ABI, landlock_create_ruleset()'s version (or -1 with errno ERR), and
 * ERRATA, its bitmask of fixed errata (or -1).  NULL when it can; else the
 * reason for the note, in BUF of LEN bytes. */
const char *landlock_unusable(long abi, int err, long errata, char *buf, size_t len);

#endif
