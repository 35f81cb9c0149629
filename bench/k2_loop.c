/* SPDX-License-Identifier: MIT */
/* k2_loop.c - the kernel layers' benchmark loop: N times socket() + close(),
 * then print the mean nanoseconds per iteration on stdout.
 *
 *   k2_loop N             socket(AF_UNIX, SOCK_DGRAM) + close
 *   k2_loop N connect     socket(AF_INET, SOCK_STREAM) + connect to a
 *                         loopback listener of its own + close (the
 *                         listener's accept4 + close too: it takes each
 *                         connection so that the backlog never fills)
 *
 * Only the loop is timed, not the program's start, so a launcher's set-up
 * cost does not blur the per-call figure.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = 0;
	if (l < 0 || bind(l, (struct sockaddr *)a, sizeof(*a)) || listen(l, 128) ||
	    getsockname(l, (struct sockaddr *)a, &len)) {
		perror("k2_loop: listen");
		exit(1);
	}
	return l;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	long n = argc > 1 ? atol(argv[1]) : 100000;
	bool conn = argc > 2 && !strcmp(argv[2], "connect");
	struct sockaddr_in la;
	int l = conn ? listener(&la) : -1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = socket(conn ? AF_INET : AF_UNIX, conn ? SOCK_STREAM : SOCK_DGRAM, 0);

		if (fd < 0) {
			perror("k2_loop: socket");
			return 1;
		}
		if (conn) {
			int s;

			if (connect(fd, (struct sockaddr *)&la, sizeof(la))) {
				perror("k2_loop: connect");
				return 1;
			}
			s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
			if (s >= 0)
				close(s);
			/* Reset, not FIN: no TIME_WAIT left to use up the
			 * ephemeral ports over many runs. */
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 },
				   sizeof(struct linger));
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
