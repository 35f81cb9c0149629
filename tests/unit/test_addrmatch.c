/* SPDX-License-Identifier: MIT */
/* test_addrmatch.c - the address index (policy/addrindex.c) against a plain
 * scan of the rules: random policies of many CIDR rules, in runs broken by
 * other rules, decided on random addresses near the blocks (v4, v6 and
 * IPv4-mapped v6); the first matching rule must be the same. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addrindex.h"
#include "check.h"
#include "policy.h"
#include "rules.h"

/* A small deterministic generator (xorshift64*): the same cases every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Addresses come from a few small pools so that blocks nest and collide. */
static void pick_v4(uint8_t ip[4])
{
	static const uint8_t firsts[] = { 10, 127, 192, 0, 255 };

	ip[0] = firsts[below(sizeof(firsts))];
	ip[1] = (uint8_t)below(4);
	ip[2] = (uint8_t)below(4);
	ip[3] = (uint8_t)(below(2) ? below(8) : 255 - below(4));
}

static void pick_v6(uint8_t ip[16])
{
	memset(ip, 0, 16);
	switch (below(4)) {
	case 0:
		ip[0] = 0xfe;
		ip[1] = (uint8_t)(0x80 | below(4));
		break;
	case 1:
		ip[0] = 0x20;
		ip[1] = 0x01;
		ip[2] = 0x0d;
		ip[3] = 0xb8;
		break;
	case 2:		/* IPv4-mapped */
		ip[10] = ip[11] = 0xff;
		pick_v4(ip + 12);
		return;
	default:
		break;	/* ::x */
	}
	ip[15] = (uint8_t)below(4);
	ip[7] = (uint8_t)below(3);
}

static int __attribute__((format(printf, 4, 5)))
append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);

	if (n < 0 || (size_t)n >= cap - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

/* A CIDR block in text, host bits cleared. */
static void block_text(char *out, size_t cap)
{
	uint8_t ip[16];
	char t[INET6_ADDRSTRLEN];
	bool v6 = below(3) == 0;
	int max = v6 ? 128 : 32, prefix;

	if (v6)
		pick_v6(ip);
	else
		pick_v4(ip);
	/* Mostly long prefixes (host addresses), some wide blocks. */
	prefix = below(3) ? max - (int)below(3) : (int)below((unsigned)max + 1);
	for (int b = prefix; b < max; b++)
		ip[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	inet_ntop(v6 ? AF_INET6 : AF_INET, ip, t, sizeof(t));
	snprintf(out, cap, "%s/%d", t, prefix);
}

static const char *const events[] = {
	"socket.connect", "socket.bind", "socket.sendto",
};

/* A policy of N rules: runs of address-only rules (same event), now and
 * then a rule with a port, a family or another event between them. */
static char *random_policy(size_t n)
{
	size_t cap = n * 200 + 256, len = 0;
	char *buf = malloc(cap), b[64];
	const char *ev = events[0];

	if (!buf)
		return NULL;
	append(buf, cap, &len, "%s", "{\"version\": 1, \"default\": {\"action\": \"allow\"}, \"rules\": [\n");
	for (size_t i = 0; i < n; i++) {
		unsigned kind = below(40), nb = 1 + (below(4) == 0 ? below(3) : 0);

		if (below(30) == 0)
			ev = events[below(3)];
		append(buf, cap, &len, "%s", i ? ",\n" : "");
		append(buf, cap, &len, "{\"event\": \"%s\", \"address\": [", ev);
		for (unsigned k = 0; k < nb; k++) {
			block_text(b, sizeof(b));
			append(buf, cap, &len, "%s\"%s\"", k ? ", " : "", b);
		}
		append(buf, cap, &len, "%s", "]");
		if (kind == 0)
			append(buf, cap, &len, "%s", ", \"port\": \"0-1023\"");
		else if (kind == 1)
			append(buf, cap, &len, "%s", ", \"family\": \"AF_INET6\"");
		append(buf, cap, &len, ", \"action\": \"%s\"}", below(2) ? "allow" : "deny");
	}
	if (append(buf, cap, &len, "%s", "\n]}")) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The first rule a plain scan finds, or -1. */
static int scan(const struct policy *p, const struct policy_call *c)
{
	size_t n;
	const struct policy_rule *r = policy_rules(p, &n);

	for (size_t i = 0; i < n; i++)
		if (rule_matches(&r[i], c))
			return (int)i;
	return -1;
}

static void random_call(struct policy_call *c)
{
	static const enum policy_event evs[] = {
		POLICY_EV_CONNECT, POLICY_EV_BIND, POLICY_EV_SENDTO, POLICY_EV_SENDMSG,
	};

	memset(c, 0, sizeof(*c));
	c->event = evs[below(4)];
	c->has_addr = true;
	c->has_port = true;
	c->port = below(2) ? 80 : 8080;
	if (below(2)) {
		c->family = c->addr_family = AF_INET;
		pick_v4(c->ip);
	} else {
		c->family = c->addr_family = AF_INET6;
		pick_v6(c->ip);
	}
	c->type = SOCK_STREAM;
}

static void test_random(void)
{
	static const size_t sizes[] = { 8, 20, 200, 3000 };
	size_t bad = 0, total = 0, runs = 0, indexed = 0;

	for (int round = 0; round < 24; round++) {
		size_t n = sizes[round % 4];
		char *text = random_policy(n);
		struct policy_diags d = { 0 };
		struct policy *p = NULL;
		int rc;

		if (!text) {
			CHECK(0, "round %d: policy text", round);
			continue;
		}
		/* Shadowed rules are expected here: a warning, not an error. */
		rc = policy_parse(text, strlen(text), &p, &d);
		if (!CHECK(rc == 0, "round %d: %zu random rules parse", round, n)) {
			for (size_t i = 0; i < d.count && i < 3; i++)
				printf("#   %d:%d: %s\n", d.items[i].line, d.items[i].col,
				       d.items[i].message);
		}
		policy_diags_free(&d);
		free(text);
		if (!p)
			continue;
		runs += p->n_addr_runs;
		for (size_t k = 0; k < p->n_addr_runs; k++)
			indexed += p->addr_runs[k].end - p->addr_runs[k].first;
		for (int i = 0; i < 4000; i++) {
			struct policy_call c;
			struct policy_decision dec;
			int want;

			random_call(&c);
			want = scan(p, &c);
			policy_match(p, &c, &dec);
			total++;
			if (dec.rule != want) {
				char t[INET6_ADDRSTRLEN];

				if (bad++ < 5) {
					inet_ntop(c.addr_family, c.ip, t, sizeof(t));
					printf("# round %d: %s event %d: index says %d, scan %d\n",
					       round, t, c.event, dec.rule, want);
				}
			}
		}
		policy_free(p);
	}
	CHECK(runs > 10 && indexed > 10000, "the index is used: %zu runs, %zu rules", runs, indexed);
	CHECK_INT(bad, 0, "index and scan agree on %zu calls", total);
}

/* The edges of the address space and of blocks: 0.0.0.0/0, ::/0, /32, /128,
 * all-ones, adjacent blocks; the earlier rule wins where blocks nest. */
static void test_edges(void)
{
	static const char text[] =
		"{\"version\": 1, \"rules\": [\n"
		"{\"event\": \"socket.connect\", \"address\": \"255.255.255.255\", \"action\": \"deny\"},\n"
		"{\"event\": \"socket.connect\", \"address\": \"10.0.0.0/9\", \"action\": \"deny\"},\n"
		"{\"event\": \"socket.connect\", \"address\": \"10.128.0.0/9\", \"action\": \"deny\"},\n"
		"{\"event\": \"socket.connect\", \"address\": \"10.0.0.0/8\", \"action\": \"deny\"},\n"
		"{\"event\": \"socket.connect\", \"address\": \"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\", \"action\": \"deny\"},\n"
		"{\"event\": \"socket.connect\", \"address\": \"::/1\", \"action\": \"deny\"},\n"
		"{\"event\": \"socket.connect\", \"address\": \"0.0.0.0\", \"action\": \"deny\"},\n"
		"{\"event\": \"socket.connect\", \"address\": \"::\", \"action\": \"deny\"},\n"
		"{\"event\": \"socket.connect\", \"address\": [\"0.0.0.0/0\", \"::/0\"], \"action\": \"allow\"}\n"
		"]}";
	static const struct {
		const char *ip;
		int rule;
	} cases[] = {
		{ "255.255.255.255", 0 }, { "255.255.255.254", 8 }, { "10.0.0.1", 1 },
		{ "10.127.255.255", 1 }, { "10.128.0.0", 2 }, { "10.255.255.255", 2 },
		{ "11.0.0.0", 8 }, { "0.0.0.0", 6 }, { "::ffff:0.0.0.0", 5 },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 4 },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 8 }, { "7fff::1", 5 },
		{ "8000::", 8 }, { "::", 5 }, { "::ffff:10.200.0.1", 2 },
		{ "::ffff:255.255.255.255", 0 },
	};
	struct policy_diags d = { 0 };
	struct policy *p = NULL;

	CHECK_INT(policy_parse(text, strlen(text), &p, &d), 0, "edges: parses");
	policy_diags_free(&d);
	if (!p)
		return;
	CHECK_INT(p->n_addr_runs, 1, "edges: one run");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_call c = { .event = POLICY_EV_CONNECT, .has_addr = true };
		struct policy_decision dec;

		c.addr_family = inet_pton(AF_INET, cases[i].ip, c.ip) == 1 ? AF_INET : AF_INET6;
		if (c.addr_family == AF_INET6)
			inet_pton(AF_INET6, cases[i].ip, c.ip);
		policy_match(p, &c, &dec);
		CHECK(dec.rule == cases[i].rule && scan(p, &c) == cases[i].rule,
		      "edges: %s is rules[%d] (index %d, scan %d)", cases[i].ip, cases[i].rule,
		      dec.rule, scan(p, &c));
	}
	policy_free(p);
}

int main(void)
{
	test_edges();
	test_random();
	return check_done();
}
