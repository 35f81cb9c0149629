/* SPDX-License-Identifier: MIT */
/* match.c - how long policy_match() takes on DESIGN.md's five-rule policy,
 * next to what the call it decides costs anyway (socket() + close() of an
 * AF_UNIX datagram socket), both measured in this run; then a
 * socket.connect decided against 1 CIDR rule and against 10,000 (the
 * address index, policy/addrindex.h), and for comparison 10,000 such rules
 * that the index cannot take (consecutive rules name different events, so
 * no two form a run) and the matcher scans one by one. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"

static const char policy_text[] =
	"{\"version\": 1, \"mode\": \"enforce\", \"default\": {\"action\": \"allow\"}, \"rules\": [\n"
	" {\"id\": \"no-packet\", \"family\": \"AF_PACKET\", \"action\": \"deny\", \"errno\": \"EACCES\"},\n"
	" {\"id\": \"no-raw\", \"type\": \"SOCK_RAW\", \"action\": \"deny\", \"errno\": \"EPERM\"},\n"
	" {\"id\": \"inet-tcp\", \"family\": [\"AF_INET\", \"AF_INET6\"], \"type\": \"SOCK_STREAM\", \"action\": \"allow\"},\n"
	" {\"id\": \"quiet-unix\", \"family\": \"AF_UNIX\", \"action\": \"allow\", \"log\": false},\n"
	" {\"id\": \"quiet-shutdown\", \"event\": \"socket.shutdown\", \"how\": [\"SHUT_RD\", \"SHUT_WR\", \"SHUT_RDWR\"], \"action\": \"allow\", \"log\": false}\n"
	"]}";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* A policy of N connect rules, each a distinct block of 10.0.0.0/8 (a
 * /32, every 16th a /28), then "allow" for the rest; BROKEN: every other
 * rule also applies to socket.sendmsg, which keeps them out of the index. */
static struct policy *cidr_policy(size_t n, bool broken)
{
	size_t cap = n * 96 + 256, len = 0;
	char *text = malloc(cap);
	struct policy *p = NULL;

	if (!text)
		return NULL;
	len += (size_t)snprintf(text, cap, "{\"version\": 1, \"default\": {\"action\": \"allow\"}, \"rules\": [\n");
	for (size_t i = 0; i < n; i++) {
		size_t a = i * 16;

		len += (size_t)snprintf(text + len, cap - len,
					"%s{\"event\": [\"socket.connect\"%s], \"address\": \"10.%zu.%zu.%zu%s\", \"action\": \"deny\"}",
					i ? ",\n" : "", broken && i % 2 ? ", \"socket.sendmsg\"" : "",
					a >> 16 & 255, a >> 8 & 255, a & 255, i % 16 ? "" : "/28");
	}
	snprintf(text + len, cap - len, "\n]}");
	if (policy_parse(text, strlen(text), &p, NULL))
		p = NULL;
	free(text);
	return p;
}

/* CALLS[i % 64]: addresses inside the blocks, between them, and outside. */
static void cidr_calls(struct policy_call *calls, size_t n_blocks)
{
	for (size_t i = 0; i < 64; i++) {
		size_t a = (i * 7919 % n_blocks) * 16 + (i % 3 ? 0 : 5);
		struct policy_call *c = &calls[i];

		memset(c, 0, sizeof(*c));
		c->event = POLICY_EV_CONNECT;
		c->family = c->addr_family = AF_INET;
		c->type = SOCK_STREAM;
		c->has_addr = c->has_port = true;
		c->port = 80;
		c->ip[0] = i % 8 ? 10 : 192;
		c->ip[1] = (uint8_t)(a >> 16);
		c->ip[2] = (uint8_t)(a >> 8);
		c->ip[3] = (uint8_t)a;
	}
}

/* ns per decision of P on CALLS. */
static double time_cidr(const struct policy *p, const struct policy_call *calls, long n)
{
	struct policy_decision d;
	volatile long sink = 0;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		policy_match(p, &calls[i & 63], &d);
		sink += d.rule;
	}
	(void)sink;
	return (now_ns() - t0) / n;
}

static int bench_cidr(long n)
{
	struct policy_call calls[64], one_calls[64];
	struct policy *big = cidr_policy(10000, false), *one = cidr_policy(1, false),
		      *flat = cidr_policy(10000, true);

	if (!big || !one || !flat) {
		fprintf(stderr, "bench match: the CIDR policies do not parse\n");
		policy_free(big);
		policy_free(one);
		policy_free(flat);
		return 1;
	}
	cidr_calls(calls, 10000);
	cidr_calls(one_calls, 1);
	printf("socket.connect, 1 CIDR rule: %.1f ns/decision\n", time_cidr(one, one_calls, n));
	printf("socket.connect, 10000 CIDR rules (address index): %.1f ns/decision\n",
	       time_cidr(big, calls, n));
	printf("socket.connect, 10000 CIDR rules scanned one by one: %.1f ns/decision\n",
	       time_cidr(flat, calls, n / 200));
	policy_free(big);
	policy_free(one);
	policy_free(flat);
	return 0;
}

int main(int argc, char **argv)
{
	/* Calls that stop at rule 3, rule 4, and fall through to the default. */
	static const struct policy_call calls[] = {
		{ .event = POLICY_EV_NEW, .family = AF_INET, .type = SOCK_STREAM | SOCK_CLOEXEC,
		  .exe = "/usr/bin/curl" },
		{ .event = POLICY_EV_NEW, .family = AF_UNIX, .type = SOCK_DGRAM, .exe = "/usr/bin/curl" },
		{ .event = POLICY_EV_NEW, .family = AF_INET, .type = SOCK_DGRAM, .exe = "/usr/bin/curl" },
	};
	long n_match = argc > 1 ? atol(argv[1]) : 3000000, n_sys = n_match / 30;
	struct policy *p = NULL;
	struct policy_decision d;
	volatile long sink = 0;
	double t0, match_ns, sys_ns;

	if (policy_parse(policy_text, strlen(policy_text), &p, NULL)) {
		fprintf(stderr, "bench match: the policy does not parse\n");
		return 1;
	}
	t0 = now_ns();
	for (long i = 0; i < n_match; i++) {
		policy_match(p, &calls[i % 3], &d);
		sink += d.rule;
	}
	match_ns = (now_ns() - t0) / n_match;
	t0 = now_ns();
	for (long i = 0; i < n_sys; i++) {
		int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

		sink += fd;
		close(fd);
	}
	sys_ns = (now_ns() - t0) / n_sys;
	printf("policy_match, 5 rules (mix of rule 3, rule 4, default): %.1f ns/call\n", match_ns);
	printf("native socket(AF_UNIX)+close(): %.0f ns/pair\n", sys_ns);
	printf("match/native ratio: %.3f\n", match_ns / sys_ns);
	policy_free(p);
	if (bench_cidr(n_match))
		return 1;
	return sink == 42 ? 2 : 0;
}
