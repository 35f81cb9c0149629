/* SPDX-License-Identifier: MIT */
/* cmd.h - one entry point per verb of the sockaudit program.
 *
 * Each verb lives in its own file (tools/check.c, tools/run.c, ...), takes
 * argc/argv starting at the verb's name, and returns the process exit status.
 *
 * Exit statuses of every verb but run:
 *   0  success;
 *   1  the verb's own "no" (CLI_EXIT_NO): check, a policy is invalid or
 *      unreadable; eval POLICY LOG, some event would be newly denied;
 *      learn, some lines were not events; compile, the filter is larger
 *      than the kernel takes;
 *   2  a usage error (CLI_EXIT_USAGE), or an input the verb cannot use: a
 *      policy that cannot be read or is invalid (CLI_EXIT_BAD_POLICY, for
 *      compile, eval and learn --base alike), a log that cannot be read;
 *   3  eval POLICY LOG and learn: the logs hold no event to replay or learn
 *      from (CLI_EXIT_EMPTY): empty, only lines that are not events, (learn)
 *      only sockaudit's own; a CI gate must never pass on nothing, and
 *      nothing is not a denial (1) either.  report: 3 is a seal failure.
 * check's question is the policy itself, so an invalid one is its "no"; run
 * follows env(1) (see run.c): a policy it cannot use is 125, sockaudit
 * failing.  Policies are loaded by cli_policy_load() (load.h), which prints
 * and returns an error; the verb maps it to its status.
 */
#ifndef SOCKAUDIT_CMD_H
#define SOCKAUDIT_CMD_H

#include <stdio.h>

#define CLI_EXIT_NO 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_BAD_POLICY 2
#define CLI_EXIT_EMPTY 3

int cmd_check(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_names(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_learn(int argc, char **argv);

/* `sockaudit eval POLICY LOG...`: replay, called by cmd_eval when the
 * arguments after POLICY are not a call; ARGV[0] is the policy path.  The
 * options cmd_eval took (--mode MODE, --exe PATH, --all, --list N, --format
 * F) come right after it, as separate words, then "--" and the logs:
 * {POLICY, "--mode", "audit", "--", LOG..., NULL}, so that
 * getopt_long(argc, argv, ...) reads them with ARGV[0] in the place of the
 * program name. */
int cmd_eval_replay(int argc, char **argv);

/* "sockaudit VERB: MESSAGE\n" on stderr. */
void cli_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print a usage error and a hint to use --help; returns 2. */
int cli_usage_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
