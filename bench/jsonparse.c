/* SPDX-License-Identifier: MIT */
/* jsonparse.c - read a file and json_parse() it, nothing else: the floor
 * that `sockaudit check` cannot go below, since policies are parsed by
 * cJSON (policy/json.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "json.h"
#include "policy.h"

int main(int argc, char **argv)
{
	char *text = NULL;
	size_t len = 0;
	cJSON *root;
	int fd;

	if (argc != 2 || (fd = open(argv[1], O_RDONLY)) < 0 ||
	    policy_read_text(fd, &text, &len)) {
		fprintf(stderr, "usage: jsonparse FILE\n");
		return 2;
	}
	close(fd);
	root = json_parse(text, len, NULL);
	json_delete(root);
	free(text);
	return root ? 0 : 1;
}
