/* eval.c - `sockaudit eval`: the decision for one call given on the command
 * line; anything else after POLICY is a log replay (tools/replay.c).
 *
 *   sockaudit eval [--exe PATH] [--mode MODE] POLICY socket FAMILY TYPE [PROTOCOL]
 *   sockaudit eval [--exe PATH] [--mode MODE] POLICY shutdown HOW [FAMILY TYPE PROTOCOL]
 *
 * Output, one line, words in this order (see sockaudit-eval(1)):
 *   DECISION [errno=NAME] rule=ID|rules[N]|(default) log=true|false
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
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
		"Exit status: 0 decided, 1 invalid policy, 2 usage error.\n"
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

/* Load POLICY, printing its diagnostics: 0, or 1 when it is invalid. */
static int load(const char *path, struct policy **p)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	struct policy_diags diags = { 0 };
	char *text = NULL;
	size_t len = 0;
	int fd, rc;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		cli_error("eval", "cannot open %s: %s", name, strerror(errno));
		return 1;
	}
	rc = policy_read_text(fd, &text, &len);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc) {
		cli_error("eval", "cannot read %s: %s", name,
			  rc == -EFBIG ? "larger than 64 MiB" : strerror(-rc));
		return 1;
	}
	rc = policy_parse(text, len, p, &diags);
	/* Warnings are check's business; eval shows only what stops it. */
	if (rc)
		policy_diags_print(stderr, &diags, name, text, len);
	policy_diags_free(&diags);
	free(text);
	return rc ? 1 : 0;
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

int cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exe", required_argument, NULL, 'e' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_call call = { .family = -1, .exe = NULL };
	struct policy_decision d;
	struct policy *p = NULL;
	const char *mode = NULL, *verb;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			call.exe = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "audit") && strcmp(optarg, "enforce"))
				return cli_usage_error("eval",
						       "--mode must be 'audit' or 'enforce', not '%s'",
						       optarg);
			mode = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
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
	verb = argv[optind + 1];
	if (strcmp(verb, "socket") && strcmp(verb, "shutdown"))
		return replay(argc, argv, optind, mode, call.exe);
	if (call.exe && call.exe[0] != '/')
		return cli_usage_error("eval", "--exe must be an absolute path, not '%s'", call.exe);
	if ((rc = parse_call(!strcmp(verb, "shutdown"), argv + optind + 2,
			     argc - optind - 2, &call)))
		return rc;
	if ((rc = load(argv[optind], &p)))
		return rc;
	if (mode)
		policy_set_mode(p, strcmp(mode, "audit") ? POLICY_ENFORCE : POLICY_AUDIT);
	policy_match(p, &call, &d);
	print_decision(p, &d);
	policy_free(p);
	return 0;
}
