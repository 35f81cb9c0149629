/* cmd.h - one entry point per verb of the sockaudit program.
 *
 * Each verb lives in its own file (tools/check.c, tools/run.c, ...), takes
 * argc/argv starting at the verb's name, and returns the process exit status.
 * Exit statuses: 0 success, 1 the verb's own "no" (invalid policy, newly
 * denied events, ...), 2 usage error; run has its own (see run.c).
 */
#ifndef SOCKAUDIT_CMD_H
#define SOCKAUDIT_CMD_H

#include <stdio.h>

int cmd_check(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_names(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_learn(int argc, char **argv);

/* `sockaudit eval POLICY LOG...`: replay, called by cmd_eval when the
 * arguments after POLICY are not a call; ARGV[0] is the policy path.  The
 * options cmd_eval took (--mode MODE, --exe PATH) come right after it, as
 * separate words, then the rest: {POLICY, "--mode", "audit", LOG..., NULL},
 * so that getopt_long(argc, argv, ...) reads them with ARGV[0] in the place
 * of the program name. */
int cmd_eval_replay(int argc, char **argv);

/* "sockaudit VERB: MESSAGE\n" on stderr. */
void cli_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print a usage error and a hint to use --help; returns 2. */
int cli_usage_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
