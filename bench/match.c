/* match.c - how long policy_match() takes on DESIGN.md's five-rule policy,
 * next to what the call it decides costs anyway (socket() + close() of an
 * AF_UNIX datagram socket), both measured in this run. */
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

int main(int argc, char **argv)
{
	/* Calls that stop at rule 3, rule 4, and fall through to the default. */
	static const struct policy_call calls[] = {
		{ POLICY_EV_NEW, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, "/usr/bin/curl" },
		{ POLICY_EV_NEW, AF_UNIX, SOCK_DGRAM, 0, 0, "/usr/bin/curl" },
		{ POLICY_EV_NEW, AF_INET, SOCK_DGRAM, 0, 0, "/usr/bin/curl" },
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
	return sink == 42 ? 2 : 0;
}
