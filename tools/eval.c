/* eval.c - `sockaudit eval`: the decision for one call given on the command
 * line; anything else after POLICY is a log replay (tools/replay.c).
 *
 *   sockaudit eval [--exe PATH] [--mode MODE] POLICY socket FAMILY TYPE [PROTOCOL]
 *   sockaudit eval [--exe PATH] [--mode MODE] POLICY shutdown HOW [FAMILY TYPE PROTOCOL]
 *
 * Output, one line, words in this order (see sockaudit-eval(1)):
 *   DECISION [errno=NAME] rule=ID|rules[N]|(default) log=true|false
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "load.h"
#include "names.h"
#include "policy.h"
#include "schema.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sockaudit eval [--exe PATH] [--mode audit|enforce] POLICY socket FAMILY TYPE [PROTOCOL]\n"
		"       sockaudit eval [--exe PATH] [--mode audit|enforce] POLICY shutdown HOW [FAMILY TYPE PROTOCOL]\n"
		"       sockaudit eval [--exe PATH] [--mode audit|enforce] POLICY LOG...\n"
		"Decide one call against POLICY, or replay the events of logs.\n\n"
		"FAMILY, TYPE, PROTOCOL and HOW are names or numbers, as in policies;\n"
		"TYPE may carry flags: SOCK_STREAM|SOCK_CLOEXEC.  PROTOCOL defaults to 0\n"
		"(the family's default protocol).  A shutdown without FAMILY TYPE\n"
		"PROTOCOL is on a socket of unknown kind.\n\n"
		"  --exe PATH          the executable to match 'exe' globs against\n"
		"  --mode audit|enforce  override the policy's mode\n"
		"  -h, --help          this help\n\n"
		"Prints one line: DECISION [errno=NAME] rule=ID|rules[N]|(default) log=true|false\n"
		"Exit status: 0 decided, 2 usage error or a policy that cannot be read\n"
		"or is invalid.\n"
		"See sockaudit-eval(1).\n");
}

static int unknown(const char *what, enum names_table t, const char *s)
{
	const char *hint = names_suggest(t, s);

	/* A TYPE word may also be a flag. */
	if (!hint && t == NAMES_TYPE)
		hint = names_suggest(NAMES_FLAG, s);

	if (hint)
		return cli_usage_error("eval", "unknown %s '%s'; did you mean '%s'?",
				       what, s, hint);
	return cli_usage_error("eval", "unknown %s '%s'", what, s);
}

static int parse_family(const char *s, int *v)
{
	return names_value(NAMES_FAMILY, s, v) ? unknown("family", NAMES_FAMILY, s) : 0;
}

/* "SOCK_STREAM|SOCK_CLOEXEC", "1|524288" or "524289". */
static int parse_type(const char *s, int *v)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int rc = 0, part, parts = 0;

	if (!copy)
		return cli_usage_error("eval", "out of memory");
	*v = 0;
	for (tok = strtok_r(copy, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		if (names_value(NAMES_TYPE, tok, &part) && names_value(NAMES_FLAG, tok, &part)) {
			rc = unknown("type", NAMES_TYPE, tok);
			break;
		}
		*v |= part;
		parts++;
	}
	if (!rc && !parts)
		rc = cli_usage_error("eval", "empty type '%s'", s);
	free(copy);
	return rc;
}

static int parse_protocol(const char *s, int *v)
{
	int table;

	return names_protocol_value(s, v, &table) ? unknown("protocol", NAMES_PROTOCOL, s) : 0;
}

static int parse_how(const char *s, int *v)
{
	return names_value(NAMES_HOW, s, v) ? unknown("how", NAMES_HOW, s) : 0;
}

/* The call described by ARGS[0..N) after the word "socket" or "shutdown". */
static int parse_call(bool shutdown, char **args, int n, struct policy_call *call)
{
	int rc;

	if (!shutdown) {
		call->event = POLICY_EV_NEW;
		if (n < 2 || n > 3)
			return cli_usage_error("eval", "socket takes FAMILY TYPE [PROTOCOL]");
		if ((rc = parse_family(args[0], &call->family)) ||
		    (rc = parse_type(args[1], &call->type)) ||
		    (n == 3 && (rc = parse_protocol(args[2], &call->protocol))))
			return rc;
		return 0;
	}
	call->event = POLICY_EV_SHUTDOWN;
	if (n != 1 && n != 4)
		return cli_usage_error("eval", "shutdown takes HOW [FAMILY TYPE PROTOCOL]");
	if ((rc = parse_how(args[0], &call->how)))
		return rc;
	if (n == 4 &&
	    ((rc = parse_family(args[1], &call->family)) ||
	     (rc = parse_type(args[2], &call->type)) ||
	     (rc = parse_protocol(args[3], &call->protocol))))
		return rc;
	return 0;
}

static void print_decision(const struct policy *p, const struct policy_decision *d)
{
	const char *err = names_name(NAMES_ERRNO, d->err);

	printf("%s", event_decision_word(event_decision_of(d, policy_mode(p))));
	if (d->action == POLICY_DENY) {
		if (err)
			printf(" errno=%s", err);
		else
			printf(" errno=%d", d->err);
	}
	if (d->rule_id)
		printf(" rule=%s", d->rule_id);
	else if (d->rule >= 0)
		printf(" rule=rules[%d]", d->rule);
	else
		printf(" rule=(default)");
	printf(" log=%s\n", d->log ? "true" : "false");
}

/* {POLICY, [--mode M], [--exe P], REST...} for cmd_eval_replay (cmd.h). */
static int replay(int argc, char **argv, int first, const char *mode, const char *exe)
{
	char **av = calloc((size_t)(argc - first) + 5, sizeof(*av));
	int ac = 0, rc;

	if (!av)
		return cli_usage_error("eval", "out of memory");
	av[ac++] = argv[first];
	if (mode) {
		av[ac++] = (char *)"--mode";
		av[ac++] = (char *)mode;
	}
	if (exe) {
		av[ac++] = (char *)"--exe";
		av[ac++] = (char *)exe;
	}
	for (int i = first + 1; i < argc; i++)
		av[ac++] = argv[i];
	av[ac] = NULL;
	optind = 1;
	rc = cmd_eval_replay(ac, av);
	free(av);
	return rc;
}

struct eval_args {
	const char *mode;		/* --mode, validated; NULL: the policy's */
	int policy;			/* POLICY's index in argv */
	bool replay;			/* LOG... rather than a call follows */
	struct policy_call call;	/* the call, and --exe */
};

/* 0 to go on, -1 after --help, or an exit status (2). */
static int eval_parse(int argc, char **argv, struct eval_args *a)
{
	static const struct option opts[] = {
		{ "exe", required_argument, NULL, 'e' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum policy_mode m;
	const char *verb;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			a->call.exe = optarg;
			break;
		case 'm':
			if (policy_mode_value(optarg, &m) < 0)
				return cli_usage_error("eval",
						       "--mode must be 'audit' or 'enforce', not '%s'",
						       optarg);
			a->mode = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			if (optopt)
				return cli_usage_error("eval", "option '%s' needs an argument",
						       argv[optind - 1]);
			return cli_usage_error("eval", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("eval", "no policy given");
	if (optind + 1 >= argc)
		return cli_usage_error("eval", "give a call (socket ..., shutdown ...) or logs after the policy");
	a->policy = optind;
	verb = argv[optind + 1];
	if (strcmp(verb, "socket") && strcmp(verb, "shutdown")) {
		a->replay = true;
		return 0;
	}
	if (a->call.exe && a->call.exe[0] != '/')
		return cli_usage_error("eval", "--exe must be an absolute path, not '%s'",
				       a->call.exe);
	return parse_call(!strcmp(verb, "shutdown"), argv + optind + 2, argc - optind - 2,
			  &a->call);
}

int cmd_eval(int argc, char **argv)
{
	static const struct cli_load_opts load = { .verb = "eval", .stdin_ok = true };
	struct eval_args a = { .call = { .family = -1, .exe = NULL } };
	struct policy_decision d;
	struct cli_policy lp;
	enum policy_mode m;
	int st;

	st = eval_parse(argc, argv, &a);
	if (st)
		return st < 0 ? 0 : st;
	if (a.replay)
		return replay(argc, argv, a.policy, a.mode, a.call.exe);
	if (cli_policy_load(&load, argv[a.policy], &lp))
		return CLI_EXIT_BAD_POLICY;
	if (a.mode && !policy_mode_value(a.mode, &m))
		policy_set_mode(lp.policy, m);
	policy_match(lp.policy, &a.call, &d);
	print_decision(lp.policy, &d);
	cli_policy_free(&lp);
	return 0;
}
