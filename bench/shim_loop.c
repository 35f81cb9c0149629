/* shim_loop: N iterations of socket(AF_INET, TYPE) + shutdown + close; prints
 * the nanoseconds per iteration.  Run natively and under the shim by
 * bench/bench-shim.sh.  Usage: shim_loop N stream|dgram */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int type = argc > 2 && !strcmp(argv[2], "stream") ? SOCK_STREAM : SOCK_DGRAM;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, type, 0);

		if (fd < 0)
			continue;
		shutdown(fd, SHUT_RDWR);
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.0f\n", ns / n);
	return 0;
}
