/* SPDX-License-Identifier: MIT */
/* replay_main.c - feed each file named on the command line to a fuzz target
 * once, printing TAP.  `make test` uses it to replay the corpora without
 * libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int main(int argc, char **argv);

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0, n;

		if (!f) {
			printf("not ok %d - cannot open %s\n", i, argv[i]);
			continue;
		}
		do {
			if (len == cap) {
				cap = cap ? 2 * cap : 4096;
				buf = realloc(buf, cap);
				if (!buf)
					abort();
			}
			n = fread(buf + len, 1, cap - len, f);
			len += n;
		} while (n > 0);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		printf("ok %d - replay %s\n", i, argv[i]);
	}
	printf("1..%d\n", argc - 1);
	return 0;
}
