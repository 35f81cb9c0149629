/* SPDX-License-Identifier: MIT */
/* addr_loop: N iterations of socket(AF_INET, SOCK_DGRAM) + connect to a
 * bound loopback UDP socket + close ("connect"), of the same without the
 * connect ("socket"), or N sendto(2) of one byte to that socket from one
 * socket ("sendto"); prints the nanoseconds per iteration.  A UDP
 * connect only sets the peer (no handshake, no listener backlog), so the
 * loop measures the call and its event, not TCP.  Run natively and under
 * sockaudit by bench/bench-addr.sh.  Usage: addr_loop N connect|socket|sendto */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(to);
	long n = argc > 1 ? atol(argv[1]) : 100000;
	const char *mode = argc > 2 ? argv[2] : "socket";
	int conn = !strcmp(mode, "connect");
	char byte[1] = { 0 };
	int peer = socket(AF_INET, SOCK_DGRAM, 0);
	struct timespec a, b;

	if (peer < 0 || bind(peer, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    getsockname(peer, (struct sockaddr *)&to, &len) < 0) {
		perror("addr_loop: the loopback peer");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (!strcmp(mode, "sendto")) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		for (long i = 0; i < n; i++) {
			if (sendto(fd, byte, 1, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
				return 1;
			/* drain, so that the peer's queue never fills */
			if (recv(peer, byte, 1, 0) < 0)
				return 1;
		}
		n = n ? n : 1;
		goto done;
	}
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0)
			return 1;
		if (conn && connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
			return 1;
		close(fd);
	}
done:
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
