/* SPDX-License-Identifier: MIT */
/* sockaudit.c - main: dispatch to one file per verb. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} verbs[] = {
	{ "run", cmd_run, "run a program with its sockets audited and policed" },
	{ "check", cmd_check, "validate and lint policy files" },
	{ "eval", cmd_eval, "decide one call, or replay a log, against a policy" },
	{ "report", cmd_report, "summarize event logs" },
	{ "learn", cmd_learn, "write a least-privilege policy from event logs" },
	{ "compile", cmd_compile, "print the seccomp filter a policy becomes" },
	{ "names", cmd_names, "list the families, types, protocols and errnos known" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: sockaudit VERB [OPTION]... [ARG]...\n"
		     "See and control how programs create sockets.\n\nVerbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\n'sockaudit VERB --help' describes each verb; "
		     "'man sockaudit' the whole.\n");
}

void cli_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sockaudit %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sockaudit %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sockaudit %s --help'.\n", verb);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sockaudit %s\n", SOCKAUDIT_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sockaudit: unknown verb '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
