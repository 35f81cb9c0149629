/* k2_loop.c - the kernel layers' benchmark loop: N times socket() + close(),
 * then print the mean nanoseconds per iteration on stdout.
 *
 *   k2_loop N
 *
 * Only the loop is timed, not the program's start, so a launcher's set-up
 * cost does not blur the per-call figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	long n = argc > 1 ? atol(argv[1]) : 100000;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

		if (fd < 0) {
			perror("k2_loop: socket");
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
