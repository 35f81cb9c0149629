/* SPDX-License-Identifier: MIT */
/* genlog.c - write N realistic sockaudit events to stdout, for `make bench`.
 *
 * Usage: genlog N [SEED]
 * Lines come from the real writer (event_format), so the benchmark reads
 * exactly what the shim writes: a few hundred processes of a dozen programs,
 * the usual families, a few denials, shutdowns, both layers, and an
 * occasional lost event (a seq gap).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>

#include "event.h"

int main(int argc, char **argv);

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static const char *const exes[] = {
	"/usr/bin/curl", "/usr/bin/python3.11", "/usr/sbin/nginx", "/usr/bin/ssh",
	"/usr/lib/postgresql/15/bin/postgres", "/usr/bin/ip", "/usr/bin/getent",
	"/opt/vendor/agent/bin/telemetry-agent", "/usr/bin/git", "/usr/libexec/fwupd/fwupd",
	"/home/builder/.cache/bazel/_bazel_builder/install/embedded_tools/process-wrapper",
	"/usr/bin/busybox",
};

/* family, type, protocol as passed, weight */
static const struct shape { int family, type, protocol, weight; } shapes[] = {
	{ AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 30 },
	{ AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP, 10 },
	{ AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0, 12 },
	{ AF_INET6, SOCK_DGRAM, IPPROTO_UDP, 4 },
	{ AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 20 },
	{ AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, 6 },
	{ AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE, 8 },
	{ AF_NETLINK, SOCK_DGRAM, NETLINK_AUDIT, 1 },
	{ AF_INET, SOCK_RAW, IPPROTO_ICMP, 1 },
	{ AF_PACKET, SOCK_RAW, 768, 1 },
	{ AF_ALG, SOCK_SEQPACKET, 0, 1 },
};

#define NPROC 500

struct proc {
	pid_t pid;
	uint64_t seq[2];
	int exe;
};

int main(int argc, char **argv)
{
	static char out[1 << 20];
	static struct proc procs[NPROC];
	char line[EVENT_LINE_MAX];
	long long n;
	int total = 0;
	size_t used = 0;
	struct timespec ts = { 1795493106, 0 };

	if (argc < 2) {
		fprintf(stderr, "usage: genlog N [SEED]\n");
		return 2;
	}
	n = atoll(argv[1]);
	rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) | 1 : 88172645463325252ULL;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		total += shapes[i].weight;
	for (int i = 0; i < NPROC; i++) {
		procs[i].pid = 1000 + i * 7;
		procs[i].exe = (int)rnd(sizeof(exes) / sizeof(exes[0]));
	}
	for (long long i = 0; i < n; i++) {
		struct proc *p = &procs[rnd(NPROC)];
		struct event e = { 0 };
		int w = (int)rnd((uint32_t)total);
		const struct shape *s = shapes;
		int layer = rnd(20) == 0;

		while (w >= s->weight)
			w -= s->weight, s++;
		ts.tv_nsec += 1000 + rnd(200000);
		while (ts.tv_nsec >= 1000000000)
			ts.tv_nsec -= 1000000000, ts.tv_sec++;
		if (rnd(10000) == 0)
			p->seq[layer]++;	/* a lost event */
		e.seq = ++p->seq[layer];
		e.ts = ts;
		e.pid = p->pid;
		e.tid = p->pid + (int)rnd(3);
		e.ppid = 1;
		e.exe = exes[p->exe];
		e.comm = strrchr(e.exe, '/') + 1;
		e.layer = layer ? EVENT_NOTIFY : EVENT_PRELOAD;
		e.mode = "enforce";
		e.family = s->family;
		e.type = s->type;
		e.protocol = s->protocol;
		if (rnd(10) == 0) {
			e.event = POLICY_EV_SHUTDOWN;
			e.call = "shutdown";
			e.how = (int)rnd(3);
			e.self = 3 + rnd(20);
			e.self_known = true;
			e.decision = EVENT_ALLOW;
			e.rule = "quiet-shutdown";
		} else {
			e.event = POLICY_EV_NEW;
			e.call = rnd(8) ? "socket" : "accept4";
			if (s->family == AF_PACKET || s->family == AF_ALG ||
			    (s->family == AF_INET && s->type == SOCK_RAW)) {
				e.decision = rnd(2) ? EVENT_DENY : EVENT_WOULD_DENY;
				e.rule = s->family == AF_ALG ? "no-alg" : "no-raw";
				e.err = 13;
				e.result = -1;
			} else {
				e.decision = EVENT_ALLOW;
				e.rule = s->family == AF_UNIX ? "quiet-unix" : NULL;
				e.self = 3 + rnd(100);
				e.self_known = true;
				e.result = e.self;
			}
		}
		if (layer && rnd(2))
			e.result_unknown = true;
		size_t len = event_format(line, sizeof(line), &e);
		if (used + len > sizeof(out)) {
			fwrite(out, 1, used, stdout);
			used = 0;
		}
		memcpy(out + used, line, len);
		used += len;
	}
	fwrite(out, 1, used, stdout);
	return 0;
}
