/* SPDX-License-Identifier: MIT */
/* shim_loop: N iterations of socket(AF_INET, TYPE) + shutdown + close, or
 * with -c of socket + close only (one event per iteration: close is not an
 * event); prints the nanoseconds per iteration, timed inside the program so
 * that a launcher's start-up is left out.  Run natively and under the shim by
 * bench/bench-shim.sh and bench/bench-log.sh.
 * Usage: shim_loop [-c] N stream|dgram [FLOOR_LOG]
 *
 * With FLOOR_LOG, each would-be event (socket, and shutdown without -c) is
 * followed by one write(2) of a 400-byte line to that file (O_APPEND), and
 * nothing else: the cost of the least any logging shim must do, one write
 * per event, as a floor to compare with. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char floor_line[400];

static int floor_write(int floor_fd)
{
	if (floor_fd < 0)
		return 0;
	return write(floor_fd, floor_line, sizeof(floor_line)) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	int close_only = 0, floor_fd = -1, type;
	long n;
	double ns;

	if (argc > 1 && !strcmp(argv[1], "-c")) {
		close_only = 1;
		argc--;
		argv++;
	}
	n = argc > 1 ? atol(argv[1]) : 100000;
	type = argc > 2 && !strcmp(argv[2], "stream") ? SOCK_STREAM : SOCK_DGRAM;
	memset(floor_line, 'x', sizeof(floor_line) - 1);
	floor_line[sizeof(floor_line) - 1] = '\n';
	if (argc > 3) {
		floor_fd = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (floor_fd < 0) {
			perror(argv[3]);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, type, 0);

		if (fd < 0)
			continue;
		if (floor_write(floor_fd))
			return 1;
		if (!close_only) {
			shutdown(fd, SHUT_RDWR);
			if (floor_write(floor_fd))
				return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.0f\n", ns / n);
	return 0;
}
