/* SPDX-License-Identifier: MIT */
/* bench/event.c - what formatting one event line costs, next to the call it
 * describes.  Prints ns per socket()+close() (native, no sockaudit), ns per
 * event_format() for a typical and a hard line, and their ratio.  Each figure
 * is the best of several rounds: the machine is shared and noisy. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "event.h"

#define ROUNDS 7

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double best_of(double (*round)(long n, const void *arg), long n,
		      const void *arg)
{
	double best = 1e30;

	for (int r = 0; r < ROUNDS; r++) {
		double t = round(n, arg);

		if (t < best)
			best = t;
	}
	return best;
}

static double round_socket(long n, const void *arg)
{
	double t0 = now_ns();

	(void)arg;
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			perror("socket");
			exit(1);
		}
		close(fd);
	}
	return (now_ns() - t0) / n;
}

static volatile size_t sink;

static double round_format(long n, const void *arg)
{
	static char buf[EVENT_LINE_MAX];
	struct event e = *(const struct event *)arg;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		e.seq = (uint64_t)i;
		sink += event_format(buf, sizeof(buf), &e);
	}
	return (now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	struct event typical = {
		.seq = 1, .ts = { 1795493106, 123456789 }, .event = POLICY_EV_NEW,
		.call = "socket", .self = 3, .self_known = true,
		.family = AF_INET, .type = SOCK_STREAM | SOCK_CLOEXEC,
		.result = 3, .decision = EVENT_ALLOW, .rule = "inet-tcp",
		.mode = "enforce", .pid = 4242, .tid = 4242, .ppid = 4200,
		.exe = "/usr/bin/curl", .comm = "curl", .layer = EVENT_PRELOAD,
	};
	struct event hard = typical;
	double native, t_typ, t_hard;

	/* a long path with multibyte UTF-8, quotes and invalid bytes */
	hard.exe = "/opt/\xc3\xa9t\xc3\xa9/\"bin\"/\xff\xfe-r\xc3\xa9seau/"
		   "\xe2\x82\xac\xf0\x9f\x98\x80/a-rather-long-program-name-v2.3.4";
	hard.comm = "a-rather-lo\x01g";
	hard.rule = "allow-inet-streams-for-the-service";

	native = best_of(round_socket, n / 4, NULL);
	t_typ = best_of(round_format, n, &typical);
	t_hard = best_of(round_format, n, &hard);
	printf("native socket()+close():      %8.1f ns\n", native);
	printf("event_format, typical line:   %8.1f ns  (%.3f x native)\n",
	       t_typ, t_typ / native);
	printf("event_format, hard strings:   %8.1f ns  (%.3f x native)\n",
	       t_hard, t_hard / native);
	return 0;
}
