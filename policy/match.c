/* SPDX-License-Identifier: MIT */
/* match.c - the one matcher: a call against the rule table.
 *
 * Runs inside the audited program's socket() and in signal handlers: no
 * allocation, no locks, no stdio, no locale, no recursion (fnmatch() is not
 * async-signal-safe, hence our own glob).  A linear scan: policies are small
 * and a rule test is a handful of compares; long runs of address rules are
 * the exception, decided with one search each (addrindex.h).
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "addrindex.h"
#include "names.h"
#include "rules.h"

static bool int_in(const int *v, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Does the set at G (after '[') contain C?  *END gets the byte after ']';
 * an unterminated set is a literal '['. */
static bool glob_set(const char *g, unsigned char c, const char **end)
{
	bool neg = false, hit = false;
	const char *p = g;

	if (*p == '!' || *p == '^') {
		neg = true;
		p++;
	}
	/* A ']' right after the opening is a member, not the end. */
	do {
		unsigned char lo = (unsigned char)*p, hi = lo;

		if (!*p) {
			*end = NULL;
			return c == '[';
		}
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = (unsigned char)p[2];
			p += 2;
		}
		if (c >= lo && c <= hi)
			hit = true;
		p++;
	} while (*p != ']');
	*end = p + 1;
	return hit != neg;
}

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* The glob on the LEN bytes at STR; FOLDED: STR's ASCII letters taken in
 * lower case (host globs are stored folded, see parse.c). */
static bool glob_match(const char *glob, const char *str, size_t len, bool folded)
{
	const char *g = glob, *star_g = NULL, *next;
	size_t s = 0, star_s = 0;

	while (s < len) {
		unsigned char c = folded ? fold((unsigned char)str[s]) : (unsigned char)str[s];

		if (*g == '*') {
			/* Remember the star; first try it matching nothing. */
			star_g = ++g;
			star_s = s;
			continue;
		}
		if (*g == '?') {
			g++;
			s++;
			continue;
		}
		if (*g == '[') {
			if (glob_set(g + 1, c, &next)) {
				g = next ? next : g + 1;
				s++;
				continue;
			}
		} else {
			if (*g == '\\' && g[1])
				g++;
			/* A NUL in STR never meets the glob's terminator. */
			if (*g && (unsigned char)*g == c) {
				g++;
				s++;
				continue;
			}
		}
		/* Mismatch: let the last star swallow one more byte. */
		if (!star_g)
			return false;
		g = star_g;
		s = ++star_s;
	}
	while (*g == '*')
		g++;
	return !*g;
}

bool rule_glob_match(const char *glob, const char *str)
{
	return glob_match(glob, str, strlen(str), false);
}

bool rule_glob_match_n(const char *glob, const char *str, size_t len)
{
	return glob_match(glob, str, len, false);
}

/* Are the first PREFIX bits of A and B equal? */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, int prefix)
{
	int bytes = prefix / 8, bits = prefix % 8;

	if (memcmp(a, b, (size_t)bytes))
		return false;
	return !bits || !((a[bytes] ^ b[bytes]) & (0xff << (8 - bits)));
}

static bool addr_matches(const struct rule_addr *a, const struct policy_call *call)
{
	switch (a->kind) {
	case RULE_ADDR_INET:
		if (call->addr_family == a->family)
			return prefix_equal(a->ip, call->ip, a->prefix);
		/* An AF_INET block holds the IPv4-mapped addresses too. */
		return a->family == AF_INET && call->addr_family == AF_INET6 &&
		       rule_ip_v4_mapped(call->ip) &&
		       prefix_equal(a->ip, call->ip + 12, a->prefix);
	case RULE_ADDR_PATH:
		if (call->addr_family != AF_UNIX || call->abstract)
			return false;
		/* "" is the unnamed address, and no glob matches that but "". */
		if (!call->path_len || !a->glob[0])
			return !call->path_len && !a->glob[0];
		return glob_match(a->glob, call->path, call->path_len, false);
	case RULE_ADDR_ABSTRACT:
		return call->addr_family == AF_UNIX && call->abstract &&
		       glob_match(a->glob, call->path, call->path_len, false);
	}
	return false;
}

/* Address, port and host: does R admit CALL's? */
static bool where_matches(const struct policy_rule *r, const struct policy_call *call)
{
	size_t i;

	if (r->n_addrs) {
		if (!call->has_addr)
			return false;
		for (i = 0; i < r->n_addrs && !addr_matches(&r->addrs[i], call); i++)
			;
		if (i == r->n_addrs)
			return false;
	}
	if (r->n_ports) {
		/* getaddrinfo has a port (a numeric service) but no address. */
		if (!call->has_port ||
		    (!call->has_addr && call->event != POLICY_EV_GETADDRINFO))
			return false;
		for (i = 0; i < r->n_ports; i++)
			if (call->port >= r->ports[i].lo && call->port <= r->ports[i].hi)
				break;
		if (i == r->n_ports)
			return false;
	}
	if (r->n_hosts) {
		size_t len;

		if (!call->host)
			return false;
		len = strlen(call->host);
		for (i = 0; i < r->n_hosts; i++)
			if (glob_match(r->hosts[i], call->host, len, true))
				break;
		if (i == r->n_hosts)
			return false;
	}
	return true;
}

/* Does R match CALL, the facts UNKNOWN (policy_unknown bits) taken as
 * matching whatever R asks of them? */
/* Does R's "exe" take EXE?  A rule without one takes any; no exe (NULL)
 * matches no rule that names one. */
static bool exe_matches(const struct policy_rule *r, const char *exe)
{
	if (!r->n_exes)
		return true;
	if (!exe)
		return false;
	for (size_t i = 0; i < r->n_exes; i++)
		if (rule_glob_match(r->exes[i], exe))
			return true;
	return false;
}

static bool rule_may_match(const struct policy_rule *r, const struct policy_call *call,
			   unsigned unknown)
{
	int type, proto;

	if ((unsigned)call->event >= POLICY_EV_COUNT ||
	    !(r->events & RULE_EV_BIT(call->event)))
		return false;
	if (unknown & POLICY_UNKNOWN_SOCKET)
		goto how;
	/* An unknown socket matches no rule that asks what it is. */
	if (call->family < 0 && (r->n_families || r->n_types || r->n_protocols))
		return false;
	if (r->n_families && !int_in(r->families, r->n_families, call->family))
		return false;
	type = call->type & ~NAMES_TYPE_FLAGS;
	if (r->n_types && !int_in(r->types, r->n_types, type))
		return false;
	if (r->n_protocols) {
		size_t i;

		proto = names_effective_protocol(call->family, type, call->protocol);
		for (i = 0; i < r->n_protocols; i++) {
			const struct rule_protocol *p = &r->protocols[i];

			if (p->value == proto &&
			    (p->table < 0 ||
			     names_protocol_table_has_family(p->table, call->family)))
				break;
		}
		if (i == r->n_protocols)
			return false;
	}
how:
	if (r->n_hows && !int_in(r->hows, r->n_hows, call->how))
		return false;
	if (!(unknown & POLICY_UNKNOWN_EXE) && !exe_matches(r, call->exe))
		return false;
	if (!(unknown & POLICY_UNKNOWN_ADDRESS) && !where_matches(r, call))
		return false;
	return true;
}

bool rule_matches(const struct policy_rule *r, const struct policy_call *call)
{
	return rule_may_match(r, call, 0);
}

/* The decision of rule I of P. */
static void rule_decision(const struct policy *p, size_t i, struct policy_decision *d)
{
	const struct policy_rule *r = &p->rules[i];

	*d = (struct policy_decision){ .action = r->action, .err = r->err, .log = r->log,
				       .rule = (int)i, .rule_id = r->label };
}

/* The run of P's addrindex that starts at rule I, if the cursor *K is on
 * one: then *K moves past it. */
static const struct addr_run *run_at(const struct policy *p, size_t i, size_t *k)
{
	if (*k < p->n_addr_runs && p->addr_runs[*k].first == i)
		return &p->addr_runs[(*k)++];
	return NULL;
}

/* The first rule of P from FIRST on that matches CALL, the facts UNKNOWN
 * taken as matching; P's runs skipped in one search each when the address
 * is known (a run's rules look at nothing else).  *K: the next run; the
 * index of the rule, or P->n_rules. */
static size_t next_match(const struct policy *p, size_t first, const struct policy_call *call,
			 unsigned unknown, size_t *k)
{
	for (size_t i = first; i < p->n_rules; i++) {
		const struct addr_run *run = run_at(p, i, k);

		if (run && !(unknown & POLICY_UNKNOWN_ADDRESS)) {
			int hit = (unsigned)call->event < POLICY_EV_COUNT &&
					  (run->events & RULE_EV_BIT(call->event))
				  ? addrindex_lookup(run, call) : -1;

			if (hit >= 0)
				return (size_t)hit;
			i = run->end - 1;
			continue;
		}
		if (rule_may_match(&p->rules[i], call, unknown))
			return i;
	}
	return p->n_rules;
}

void policy_match_strictest(const struct policy *p, const struct policy_call *call,
			    unsigned unknown, struct policy_decision *d)
{
	struct policy_decision cand;
	bool have = false;
	size_t k = 0;

	for (size_t i = next_match(p, 0, call, unknown, &k); i < p->n_rules;
	     i = next_match(p, i + 1, call, unknown, &k)) {
		const struct policy_rule *r = &p->rules[i];
		bool looks = ((unknown & POLICY_UNKNOWN_EXE) && r->n_exes) ||
			     ((unknown & POLICY_UNKNOWN_SOCKET) &&
			      (r->n_families || r->n_types || r->n_protocols)) ||
			     ((unknown & POLICY_UNKNOWN_ADDRESS) &&
			      (r->n_addrs || r->n_ports || r->n_hosts));

		rule_decision(p, i, &cand);
		if (!have || policy_strictness(cand.action) > policy_strictness(d->action))
			*d = cand;
		have = true;
		if (!looks)
			return;		/* it matches whatever the unknown facts are */
	}
	policy_default_for(p, call->event, &cand);
	if (!have || policy_strictness(cand.action) > policy_strictness(d->action))
		*d = cand;
}

void policy_match(const struct policy *p, const struct policy_call *call,
		  struct policy_decision *d)
{
	size_t k = 0, i = next_match(p, 0, call, 0, &k);

	if (i < p->n_rules)
		rule_decision(p, i, d);
	else
		policy_default_for(p, call->event, d);
}

const char *policy_rule_id(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].id : NULL;
}

bool policy_decides_alone(const struct policy *p, enum policy_event event, const char *exe,
			  struct policy_decision *d)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if ((p->rules[i].events & RULE_EV_BIT(event)) && exe_matches(&p->rules[i], exe))
			return false;
	policy_default_for(p, event, d);
	return true;
}

bool policy_needs_facts(const struct policy *p, enum policy_event event)
{
	if (!p)
		return false;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if ((r->events & RULE_EV_BIT(event)) &&
		    (r->n_families || r->n_types || r->n_protocols))
			return true;
	}
	return false;
}
