/* SPDX-License-Identifier: MIT */
/* check.c - `sockaudit check [--quiet] POLICY...`: validate and lint. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "load.h"
#include "names.h"
#include "policy.h"
#include "schema.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sockaudit check [--quiet] POLICY...\n"
		"Validate and lint policy files ('-' reads standard input).\n\n"
		"Errors and warnings go to standard error, compiler-style\n"
		"(FILE:LINE:COL: error: MESSAGE, the line, a caret); each valid\n"
		"policy gets a one-line summary on standard output.\n\n"
		"  -q, --quiet   no summary lines\n"
		"  -h, --help    this help\n\n"
		"Exit status: 0 all valid (warnings allowed), 1 any invalid or\n"
		"unreadable, 2 usage error.  See sockaudit-check(1).\n");
}

/* "POLICY: ok, 5 rules, mode enforce, default deny (EACCES), 1 warning";
 * with address rules "5 rules (2 address, 1 port, 1 host)", and a default
 * naming its events (not just socket.__new__ and socket.shutdown) "default
 * deny (EACCES) on socket.__new__, socket.connect". */
static void summary(const char *name, const struct policy *p, size_t warnings)
{
	static const unsigned classic = 1u << POLICY_EV_NEW | 1u << POLICY_EV_SHUTDOWN;
	struct policy_fields pf;
	struct policy_decision d;
	size_t n = policy_rule_count(p);
	const char *err, *sep = " (";

	policy_default_decision(p, &d);
	policy_fields(p, &pf);
	const struct {
		const char *word;
		size_t n;
	} fields[] = { { "address", pf.addresses }, { "port", pf.ports }, { "host", pf.hosts } };

	printf("%s: ok, %zu rule%s", name, n, n == 1 ? "" : "s");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (fields[i].n) {
			printf("%s%zu %s", sep, fields[i].n, fields[i].word);
			sep = ", ";
		}
	}
	printf("%s, mode %s, default %s", *sep == ',' ? ")" : "",
	       policy_mode_name(policy_mode(p)),
	       event_decision_word(event_decision_of(&d, POLICY_ENFORCE)));
	if (d.action == POLICY_DENY) {
		err = names_name(NAMES_ERRNO, d.err);
		if (err)
			printf(" (%s)", err);
		else
			printf(" (%d)", d.err);
	}
	if (pf.default_events != classic) {
		sep = " on ";
		for (int ev = 0; ev < POLICY_EV_COUNT; ev++) {
			if (pf.default_events & (1u << ev)) {
				printf("%s%s", sep, names_name(NAMES_EVENT, ev));
				sep = ", ";
			}
		}
	}
	if (warnings)
		printf(", %zu warning%s", warnings, warnings == 1 ? "" : "s");
	putchar('\n');
}

/* 0 valid, 1 (CLI_EXIT_NO) invalid or unreadable. */
static int check_one(const char *path, bool quiet)
{
	static const struct cli_load_opts load = {
		.verb = "check", .warnings = true, .stdin_ok = true,
	};
	struct cli_policy lp;

	if (cli_policy_load(&load, path, &lp))
		return CLI_EXIT_NO;
	if (!quiet)
		summary(lp.name, lp.policy, lp.warnings);
	fflush(stdout);
	cli_policy_free(&lp);
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false;
	int c, status = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_usage_error("check", "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind == argc)
		return cli_usage_error("check", "no policy file given");
	for (int i = optind; i < argc; i++)
		if (check_one(argv[i], quiet))
			status = CLI_EXIT_NO;
	return status;
}
