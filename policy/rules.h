/* SPDX-License-Identifier: MIT */
/* rules.h - the compiled rule table (private to policy/).
 *
 * policy_parse() turns the JSON policy into this table; policy_match() scans
 * it; the seccomp compiler (policy/filter.c) reads it directly to build a
 * kernel filter.  The table is immutable once parsed.
 *
 * Semantics every reader of this table must reproduce EXACTLY (the preload
 * matcher, the kernel filter and the notify supervisor must agree on every
 * call; a differential test checks it):
 *
 *  - Rules are tried in order; the FIRST rule whose every constrained field
 *    matches decides.  No rule matches: the policy's default decides.  A
 *    compiler must preserve this first-match order (an earlier allow shadows
 *    a later deny and vice versa).
 *  - A field whose list is empty (n_X == 0) is unconstrained: it matches any
 *    value, the unknown family -1 included.
 *  - events: bit (1u << POLICY_EV_*) set for each event the rule applies to;
 *    never 0 (a rule without "event" gets RULE_EV_BIT(POLICY_EV_NEW)).
 *  - families: the call's family is in the list.
 *  - types: the call's BASE type, (type & ~NAMES_TYPE_FLAGS), is in the list.
 *    Type flags (SOCK_CLOEXEC, SOCK_NONBLOCK) never decide a match.
 *  - protocols: the EFFECTIVE protocol,
 *    names_effective_protocol(family, base type, protocol), equals the entry's
 *    value, AND, when the entry's table is >= 0, the call's family belongs to
 *    that protocol table (names_protocol_table_has_family(); the families are
 *    names_protocol_tables()[table].families).  table == -1: the protocol was
 *    given as a plain number and applies to any family.
 *  - Unknown socket: when the call's family is -1 (a shutdown on a socket
 *    the layer could not inspect), a rule that constrains family, type or
 *    protocol does NOT match.
 *  - hows: only on rules whose events are exactly socket.shutdown; the
 *    call's how is in the list.
 *  - exes: globs on the executable's absolute path (rule_glob_match(); '*'
 *    also matches '/'); the call's exe matches any of them.  A NULL exe
 *    matches no rule that constrains exe.  A kernel filter cannot see the
 *    path: it must treat such rules as "cannot decide here" (e.g. hand the
 *    call to the supervisor), never as matching or not matching.
 *  - addresses (address events only): the call's address matches one of
 *    the entries.  RULE_ADDR_INET: ip/prefix CIDR blocks; an AF_INET block
 *    also matches the IPv4-mapped AF_INET6 address (::ffff:a.b.c.d), so a
 *    v6 socket cannot walk around a v4 rule.  RULE_ADDR_PATH: a glob on an
 *    AF_UNIX path ("" matches the unnamed address, and
 *    no other path glob does);
 *    RULE_ADDR_ABSTRACT: a glob on an abstract name (the policy writes it
 *    "@name").  Globs match the whole path_len bytes, NULs included
 *    (rule_glob_match_n()).  A call without a decodable address
 *    (has_addr false) matches no rule with addresses or ports.
 *  - ports (address events and getaddrinfo): lo <= port <= hi for one of
 *    the ranges; a call without a port (has_port false: AF_UNIX, a
 *    service name) matches no rule with ports.
 *  - hosts (socket.getaddrinfo only): a glob on the name, ASCII case folded
 *    (DNS names are case-insensitive); a NULL host matches none.
 *  - As for exe, the kernel filter cannot read addresses, ports or hosts:
 *    "cannot decide here".
 *
 * The decision is the rule's action; err is the errno of a deny (always set,
 * EACCES unless the rule says otherwise; 0 for allow/kill); log is the rule's
 * "log".  The mode (audit turns deny/kill into would_deny) is applied by the
 * caller, see event_decision_of() in evlog/schema.h.
 */
#ifndef SOCKAUDIT_RULES_H
#define SOCKAUDIT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define RULE_EV_BIT(ev) (1u << (ev))
#define RULE_EV_ALL ((1u << POLICY_EV_COUNT) - 1)

struct rule_protocol {
	int value;	/* protocol number */
	int table;	/* index into names_protocol_tables(), -1: any family */
};

enum rule_addr_kind { RULE_ADDR_INET, RULE_ADDR_PATH, RULE_ADDR_ABSTRACT };

struct rule_addr {
	enum rule_addr_kind kind;
	int family;			/* RULE_ADDR_INET: AF_INET or AF_INET6 */
	uint8_t ip[16];			/* network order, bits past prefix zero */
	int prefix;			/* 0..32 or 0..128 */
	const char *glob;		/* PATH, ABSTRACT: NUL-terminated */
};

struct rule_port {
	int lo, hi;			/* 0 <= lo <= hi <= 65535 */
};

struct policy_rule {
	const char *id;			/* NULL: unnamed */
	const char *label;		/* what a decision names: the id, or
					   "rules[N]" for an unnamed rule */
	const char *comment;		/* NULL when absent */
	unsigned events;		/* RULE_EV_BIT()s, never 0 */

	const int *families;		/* AF_* values */
	size_t n_families;
	const int *types;		/* base types, no flag bits */
	size_t n_types;
	const struct rule_protocol *protocols;
	size_t n_protocols;
	const int *hows;		/* SHUT_* */
	size_t n_hows;
	const char *const *exes;	/* globs */
	size_t n_exes;
	const struct rule_addr *addrs;	/* address events */
	size_t n_addrs;
	const struct rule_port *ports;	/* address events, getaddrinfo */
	size_t n_ports;
	const char *const *hosts;	/* getaddrinfo: globs */
	size_t n_hosts;

	enum policy_action action;
	int err;			/* errno for POLICY_DENY, else 0 */
	bool log;			/* default true */

	int line, col;			/* where the rule's object starts, 1-based */
};

struct policy_mem;			/* the arena everything below lives in */
struct addr_run;

struct policy {
	int version;			/* always 1 */
	enum policy_mode mode;		/* "enforce" when the file has no "mode" */
	enum policy_action default_action;
	int default_err;		/* errno when default_action is deny */
	bool default_log;
	unsigned default_events;	/* RULE_EV_BIT()s the default decides
					   (policy_default_for()); without
					   "event": new and shutdown */
	bool io_uring_allow;		/* top-level "io_uring": "allow" */
	const char *comment;		/* top-level "comment", or NULL */

	const struct policy_rule *rules;
	size_t n_rules;
	/* Runs of address-only rules the matcher decides with one search
	 * each (addrindex.h), in rule order; a speed-up, never a meaning. */
	const struct addr_run *addr_runs;
	size_t n_addr_runs;

	struct policy_mem *mem;		/* NULL for the embedded default */
};

/* The rules of P, in order, and their count in *N.  Same as p->rules. */
static inline const struct policy_rule *policy_rules(const struct policy *p, size_t *n)
{
	*n = p->n_rules;
	return p->rules;
}

/* True when rule R matches CALL, with the semantics above.  Async-signal-safe,
 * allocates nothing. */
bool rule_matches(const struct policy_rule *r, const struct policy_call *call);

/* Is the AF_INET6 address IP (16 bytes) IPv4-mapped (::ffff:a.b.c.d)?  An
 * AF_INET block matches it (see above). */
static inline bool rule_ip_v4_mapped(const uint8_t *ip)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	for (size_t i = 0; i < sizeof(prefix); i++)
		if (ip[i] != prefix[i])
			return false;
	return true;
}

/* Match the NUL-terminated STR against GLOB: '*' any run of bytes ('/'
 * included), '?' one byte, '[abc]', '[a-z]', '[!a]' or '[^a]' a set, '\x' a
 * literal x.  Byte-wise, no locale.  Async-signal-safe, no recursion depth
 * beyond a constant, worst case O(len(glob) * len(str)). */
bool rule_glob_match(const char *glob, const char *str);

/* The same on the LEN bytes at STR, which may hold NULs. */
bool rule_glob_match_n(const char *glob, const char *str, size_t len);

#endif
