/* match.c - the one matcher: a call against the rule table.
 *
 * Runs inside the audited program's socket() and in signal handlers: no
 * allocation, no locks, no stdio, no locale, no recursion (fnmatch() is not
 * async-signal-safe, hence our own glob).  A linear scan: policies are small
 * and a rule test is a handful of compares.
 */
#include <stddef.h>
#include <sys/socket.h>

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

bool rule_glob_match(const char *glob, const char *str)
{
	const char *g = glob, *s = str, *star_g = NULL, *star_s = NULL, *next;

	while (*s) {
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
			if (glob_set(g + 1, (unsigned char)*s, &next)) {
				g = next ? next : g + 1;
				s++;
				continue;
			}
		} else {
			if (*g == '\\' && g[1])
				g++;
			if (*g && *g == *s) {
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

/* Does R match CALL, the facts UNKNOWN (policy_unknown bits) taken as
 * matching whatever R asks of them? */
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
	if (r->n_exes && !(unknown & POLICY_UNKNOWN_EXE)) {
		size_t i;

		if (!call->exe)
			return false;
		for (i = 0; i < r->n_exes; i++)
			if (rule_glob_match(r->exes[i], call->exe))
				break;
		if (i == r->n_exes)
			return false;
	}
	return true;
}

bool rule_matches(const struct policy_rule *r, const struct policy_call *call)
{
	return rule_may_match(r, call, 0);
}

/* How strict a decision is: kill, then deny, then allow. */
static int strictness(enum policy_action a)
{
	return a == POLICY_KILL ? 2 : a == POLICY_DENY ? 1 : 0;
}

void policy_match_strictest(const struct policy *p, const struct policy_call *call,
			    unsigned unknown, struct policy_decision *d)
{
	struct policy_decision cand;
	bool have = false;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		bool looks = ((unknown & POLICY_UNKNOWN_EXE) && r->n_exes) ||
			     ((unknown & POLICY_UNKNOWN_SOCKET) &&
			      (r->n_families || r->n_types || r->n_protocols));

		if (!rule_may_match(r, call, unknown))
			continue;
		cand = (struct policy_decision){ .action = r->action, .err = r->err,
						 .log = r->log, .rule = (int)i, .rule_id = r->id };
		if (!have || strictness(cand.action) > strictness(d->action))
			*d = cand;
		have = true;
		if (!looks)
			return;		/* it matches whatever the unknown facts are */
	}
	policy_default_for(p, call->event, &cand);
	if (!have || strictness(cand.action) > strictness(d->action))
		*d = cand;
}

void policy_match(const struct policy *p, const struct policy_call *call,
		  struct policy_decision *d)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (rule_matches(r, call)) {
			d->action = r->action;
			d->err = r->err;
			d->log = r->log;
			d->rule = (int)i;
			d->rule_id = r->id;
			return;
		}
	}
	policy_default_for(p, call->event, d);
}

const char *policy_rule_id(const struct policy *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].id : NULL;
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
