/* SPDX-License-Identifier: MIT */
/* load.c - the one policy loader of every verb (see load.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "load.h"

/* Parse TEXT, which *LP takes over whatever happens. */
static int load_text(const struct cli_load_opts *o, char *text, size_t len,
		     struct cli_policy *lp)
{
	struct policy_diags diags = { 0 };
	int rc;

	lp->text = text;
	lp->len = len;
	rc = policy_parse(text, len, &lp->policy, &diags);
	/* Diagnostics go to stderr: what a verb already wrote to stdout goes
	 * out first, so that the two read in order on a terminal. */
	fflush(stdout);
	if (rc || o->warnings)
		policy_diags_print(stderr, &diags, lp->name, text, len);
	lp->warnings = diags.warnings;
	if (rc == -EINVAL)
		cli_error(o->verb, "%s: invalid policy (%zu error%s)%s%s", lp->name,
			  diags.errors, diags.errors == 1 ? "" : "s",
			  o->outcome ? ": " : "", o->outcome ? o->outcome : "");
	else if (rc)
		cli_error(o->verb, "%s: %s", lp->name, strerror(-rc));
	policy_diags_free(&diags);
	if (rc)
		cli_policy_free(lp);
	return rc;
}

int cli_policy_load(const struct cli_load_opts *o, const char *path, struct cli_policy *lp)
{
	bool std = o->stdin_ok && !strcmp(path, "-");
	char *text = NULL;
	size_t len = 0;
	int fd, rc;

	memset(lp, 0, sizeof(*lp));
	lp->name = std ? "<stdin>" : path;
	fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		cli_error(o->verb, "cannot open %s: %s", lp->name, strerror(-rc));
		return rc;
	}
	rc = policy_read_text(fd, &text, &len);
	if (!std)
		close(fd);
	if (rc) {
		cli_error(o->verb, "cannot read %s: %s", lp->name,
			  rc == -EFBIG ? "larger than 64 MiB, the most a policy may be" :
			  strerror(-rc));
		return rc;
	}
	return load_text(o, text, len, lp);
}

int cli_policy_parse(const struct cli_load_opts *o, const char *name, const char *text,
		     size_t len, struct cli_policy *lp)
{
	char *copy = malloc(len + 1);

	memset(lp, 0, sizeof(*lp));
	lp->name = name;
	if (!copy) {
		cli_error(o->verb, "out of memory");
		return -ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	return load_text(o, copy, len, lp);
}

void cli_policy_free(struct cli_policy *lp)
{
	policy_free(lp->policy);
	free(lp->text);
	lp->policy = NULL;
	lp->text = NULL;
	lp->len = 0;
}
