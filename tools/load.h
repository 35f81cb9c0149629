/* SPDX-License-Identifier: MIT */
/* load.h - the one way a verb loads a policy file.
 *
 * Every verb that takes a policy (check, compile, eval, eval's replay,
 * learn --base, run -p) reads it with cli_policy_load(), so that a policy
 * that cannot be read or is invalid reads the same under every verb:
 *
 *   sockaudit VERB: cannot open NAME: REASON
 *   sockaudit VERB: cannot read NAME: REASON
 *
 * or the diagnostics compiler-style (policy_diags_print(): FILE:LINE:COL:
 * error: MESSAGE, the line, a caret), then
 *
 *   sockaudit VERB: NAME: invalid policy (N errors)[: OUTCOME]
 *
 * The loader prints and returns an error; it never picks an exit status.
 * Each verb maps a failure to the status cmd.h documents for its class
 * (CLI_EXIT_BAD_POLICY, check's CLI_EXIT_NO, run's 125).
 */
#ifndef SOCKAUDIT_LOAD_H
#define SOCKAUDIT_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct cli_load_opts {
	const char *verb;	/* "eval": the messages start "sockaudit eval: " */
	bool warnings;		/* print the warnings of a valid policy too */
	bool stdin_ok;		/* "-" reads standard input, shown as "<stdin>" */
	const char *outcome;	/* appended to the invalid-policy line, or NULL */
};

struct cli_policy {
	struct policy *policy;	/* NULL until loaded */
	char *text;		/* the file's bytes, NUL-terminated */
	size_t len;
	const char *name;	/* the path, or "<stdin>" */
	size_t warnings;	/* how many warnings the policy has */
};

/* Read PATH with policy_read_text() and policy_parse() it into *LP, printing
 * what O asks for (see above).  Returns 0, or a negative errno: -EINVAL for
 * an invalid policy, -ENOMEM, or the -errno of opening or reading PATH
 * (-EFBIG over 64 MiB).  On failure *LP holds nothing to free. */
int cli_policy_load(const struct cli_load_opts *o, const char *path, struct cli_policy *lp);

/* The same for TEXT (LEN bytes) already in memory, shown as NAME: the text
 * is copied into *LP. */
int cli_policy_parse(const struct cli_load_opts *o, const char *name, const char *text,
		     size_t len, struct cli_policy *lp);

/* Free what *LP holds (its policy too) and clear it. */
void cli_policy_free(struct cli_policy *lp);

#endif
