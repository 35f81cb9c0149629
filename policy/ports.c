/* SPDX-License-Identifier: MIT */
/* ports.c - the TCP ports a policy could allow, for a kernel port filter.
 *
 * Landlock (tools/landlock.c) can refuse a TCP connect or bind by port, on
 * the kernel's own copy of the address, but knows nothing else of the
 * call.  It is a backstop: it must never refuse a call the policy allows.
 * So a port is refused only when NO call to it can be allowed: whatever the
 * address, the executable, AF_INET or AF_INET6, protocol 0 or IPPROTO_TCP.
 *
 * The rule table is walked once per family, in first-match order, with two
 * bitmaps over the 65536 ports: still open (no rule has decided every call
 * to the port yet) and allowed.  A rule of the event that can match some
 * TCP call of that family to its ports
 *   - allow: its open ports are allowed (some call reaches it and is
 *     allowed) and closed;
 *   - deny or kill that matches EVERY such call (it constrains nothing but
 *     the event, the ports, and a family/type/protocol/address that covers
 *     all TCP of the family): its open ports are closed, refused;
 *   - deny or kill that matches only some calls: nothing, the others go on.
 * What stays open gets the default's decision (policy_default_for()).
 *
 * Every approximation is towards "allowed": an allow rule counts wherever
 * it can match at all (an exe or address glob that matches nothing real,
 * denies before it that jointly cover every address), a deny only where it
 * alone covers everything.  Allowing too much only leaves the refusal to
 * the other layers, as without Landlock.
 *
 * A word of 64 ports at a time: 10,000 rules cost 10,000 * 1024 words per
 * family, a few milliseconds, once per run.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "rules.h"

#define PORTS_N 65536
#define PORTS_WORDS (PORTS_N / 64)

struct ports_walk {
	uint64_t open[PORTS_WORDS];
	uint64_t allowed[PORTS_WORDS];
};

static bool ports_int_in(const int *v, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Does R's family, type and protocol admit a TCP socket of FAMILY?  A call
 * may pass protocol 0 or IPPROTO_TCP: both are TCP, effectively. */
static bool ports_is_tcp(const struct policy_rule *r, int family)
{
	size_t i;

	if (r->n_families && !ports_int_in(r->families, r->n_families, family))
		return false;
	if (r->n_types && !ports_int_in(r->types, r->n_types, SOCK_STREAM))
		return false;
	if (!r->n_protocols)
		return true;
	for (i = 0; i < r->n_protocols; i++) {
		const struct rule_protocol *p = &r->protocols[i];

		if (p->value == IPPROTO_TCP &&
		    (p->table < 0 || names_protocol_table_has_family(p->table, family)))
			return true;
	}
	return false;
}

/* Can R's addresses match some inet address?  (Any block will do: an
 * AF_INET block also matches IPv4-mapped addresses of an AF_INET6 socket.) */
static bool ports_some_addr(const struct policy_rule *r)
{
	if (!r->n_addrs)
		return true;
	for (size_t i = 0; i < r->n_addrs; i++)
		if (r->addrs[i].kind == RULE_ADDR_INET)
			return true;
	return false;
}

/* Do R's addresses match every address a socket of FAMILY can connect or
 * bind to?  Only a /0 block of that very family does. */
static bool ports_every_addr(const struct policy_rule *r, int family)
{
	if (!r->n_addrs)
		return true;
	for (size_t i = 0; i < r->n_addrs; i++) {
		const struct rule_addr *a = &r->addrs[i];

		if (a->kind == RULE_ADDR_INET && a->family == family && a->prefix == 0)
			return true;
	}
	return false;
}

/* Decide the open ports of [LO, HI]: allowed (ALLOW) or refused. */
static void ports_decide(struct ports_walk *w, int lo, int hi, bool allow)
{
	for (int word = lo / 64; word <= hi / 64; word++) {
		int first = word == lo / 64 ? lo % 64 : 0;
		int last = word == hi / 64 ? hi % 64 : 63;
		uint64_t mask = (last == 63 ? ~0ull : (1ull << (last + 1)) - 1) &
				~((1ull << first) - 1);
		uint64_t now = mask & w->open[word];

		if (allow)
			w->allowed[word] |= now;
		w->open[word] &= ~now;
	}
}

static void ports_rule(struct ports_walk *w, const struct policy_rule *r, int family)
{
	bool allow = r->action == POLICY_ALLOW;

	if (!ports_is_tcp(r, family) || !ports_some_addr(r))
		return;
	/* A deny that leaves some call through decides nothing here. */
	if (!allow && (!ports_every_addr(r, family) || r->n_exes || r->n_hows ||
		       r->n_hosts))
		return;
	if (!r->n_ports)
		ports_decide(w, 0, PORTS_N - 1, allow);
	for (size_t i = 0; i < r->n_ports; i++)
		ports_decide(w, r->ports[i].lo, r->ports[i].hi, allow);
}

bool policy_tcp_ports(const struct policy *p, enum policy_event ev,
		      uint8_t allowed[POLICY_PORTS_BYTES])
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct policy_decision def;
	struct ports_walk w;
	uint64_t all[PORTS_WORDS] = { 0 };
	bool refused = false;

	if (policy_mode(p) == POLICY_AUDIT || !policy_event_has_address(ev) ||
	    ev == POLICY_EV_GETADDRINFO) {
		memset(allowed, 0xff, POLICY_PORTS_BYTES);
		return false;
	}
	policy_default_for(p, ev, &def);
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		memset(w.open, 0xff, sizeof(w.open));
		memset(w.allowed, 0, sizeof(w.allowed));
		for (size_t i = 0; i < p->n_rules; i++)
			if (p->rules[i].events & RULE_EV_BIT(ev))
				ports_rule(&w, &p->rules[i], families[f]);
		/* One Landlock rule serves both families: a port either
		 * allows is allowed. */
		for (size_t i = 0; i < PORTS_WORDS; i++)
			all[i] |= w.allowed[i] | (def.action == POLICY_ALLOW ? w.open[i] : 0);
	}
	for (size_t i = 0; i < PORTS_WORDS; i++) {
		refused |= all[i] != ~0ull;
		for (int b = 0; b < 8; b++)
			allowed[i * 8 + b] = (uint8_t)(all[i] >> (8 * b));
	}
	return refused;
}
