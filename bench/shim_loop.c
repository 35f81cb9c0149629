/* shim_loop: N iterations of socket(AF_INET, TYPE) + shutdown + close; prints
 * the nanoseconds per iteration.  Run natively and under the shim by
 * bench/bench-shim.sh.  Usage: shim_loop N stream|dgram [FLOOR_LOG]
 *
 * With FLOOR_LOG, each call is followed by one write(2) of a 400-byte line
 * to that file (O_APPEND), and nothing else: the cost of the least any
 * logging shim must do, one write per event, as a floor to compare with. */
#include <fcntl.h>
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
	int floor_fd = -1;
	char line[400];
	double ns;

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
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
		if (floor_fd >= 0 && write(floor_fd, line, sizeof(line)) < 0)
			return 1;
		shutdown(fd, SHUT_RDWR);
		if (floor_fd >= 0 && write(floor_fd, line, sizeof(line)) < 0)
			return 1;
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.0f\n", ns / n);
	return 0;
}
