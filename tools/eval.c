/* SPDX-License-Identifier: MIT */
/* eval.c - `sockaudit eval`: the decision for one call given on the command
 * line; anything else after POLICY is a log replay (tools/replay.c).
 *
 *   sockaudit eval [--exe PATH] [--mode MODE] POLICY socket FAMILY TYPE [PROTOCOL]
 *   sockaudit eval [--exe PATH] [--mode MODE] POLICY shutdown HOW [FAMILY TYPE PROTOCOL]
 *   sockaudit eval [...] [--address ADDRESS] [--port PORT] POLICY connect|bind|sendto|sendmsg
 *                  [FAMILY TYPE [PROTOCOL]]
 *   sockaudit eval [...] [--host NAME] [--port PORT] POLICY getaddrinfo [FAMILY TYPE [PROTOCOL]]
 *
 *   sockaudit eval [--exe PATH] [--mode MODE] [--all] [--list N] [--format F] POLICY LOG...
 *
 * Options may come anywhere (eval_parse() knows them all, the replay's too,
 * and passes those on to cmd_eval_replay()).
 *
 * Output, one line, words in this order (see sockaudit-eval(1)):
 *   DECISION [errno=NAME|gai_error=EAI_FAIL] rule=ID|rules[N]|(default) log=true|false
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "load.h"
#include "names.h"
#include "policy.h"
#include "schema.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sockaudit eval [OPTION]... POLICY socket FAMILY TYPE [PROTOCOL]\n"
		"       sockaudit eval [OPTION]... POLICY shutdown HOW [FAMILY TYPE PROTOCOL]\n"
		"       sockaudit eval [OPTION]... POLICY connect|bind|sendto|sendmsg [FAMILY TYPE [PROTOCOL]]\n"
		"       sockaudit eval [OPTION]... POLICY getaddrinfo [FAMILY TYPE [PROTOCOL]]\n"
		"       sockaudit eval [OPTION]... POLICY LOG...\n"
		"Decide one call against POLICY, or replay the events of logs ('-' reads\n"
		"standard input) and show what POLICY would have decided differently.\n"
		"Options may come before or after POLICY.\n\n"
		"FAMILY, TYPE, PROTOCOL and HOW are names or numbers, as in policies;\n"
		"TYPE may carry flags: SOCK_STREAM|SOCK_CLOEXEC.  PROTOCOL defaults to 0\n"
		"(the family's default protocol).  A shutdown or an address event\n"
		"without FAMILY TYPE PROTOCOL is on a socket of unknown kind; for\n"
		"getaddrinfo they are the hints.\n\n"
		"  --exe PATH          the executable to match 'exe' globs against (a\n"
		"                      replay: instead of each event's)\n"
		"  --mode audit|enforce  override the policy's mode\n"
		"A call:\n"
		"  --address ADDRESS   the address of connect, bind, sendto, sendmsg:\n"
		"                      127.0.0.1, ::1, /path, @abstract, '' (unnamed)\n"
		"  --port PORT         its port (inet); getaddrinfo's numeric service\n"
		"  --host NAME         the name getaddrinfo looks up\n"
		"A replay:\n"
		"  --all               print the decision for every event (text only)\n"
		"  --list N            list at most N changed events and junk lines (20)\n"
		"  --format text|json  the summary as text (default) or one JSON object\n"
		"  -h, --help          this help\n\n"
		"A call prints one line: DECISION [errno=NAME] rule=ID|rules[N]|(default)\n"
		"log=true|false (a denied getaddrinfo: gai_error=EAI_FAIL in place of\n"
		"errno=NAME).  A replay prints each changed event, then the counts.\n\n"
		"Exit status: 0 decided; a replay: no event would be newly denied;\n"
		"1 a replay: some event would be newly denied; 2 usage error, a policy\n"
		"that cannot be read or is invalid, a log that cannot be read; 3 a replay:\n"
		"the logs hold no event to replay (empty, or only lines that are not\n"
		"events), so a CI gate never passes on nothing.\n"
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

/* The verbs of a call, and the event each names. */
static const struct {
	const char *verb;
	enum policy_event event;
} verbs[] = {
	[POLICY_EV_NEW] = { "socket", POLICY_EV_NEW },
	[POLICY_EV_SHUTDOWN] = { "shutdown", POLICY_EV_SHUTDOWN },
	[POLICY_EV_CONNECT] = { "connect", POLICY_EV_CONNECT },
	[POLICY_EV_BIND] = { "bind", POLICY_EV_BIND },
	[POLICY_EV_SENDTO] = { "sendto", POLICY_EV_SENDTO },
	[POLICY_EV_SENDMSG] = { "sendmsg", POLICY_EV_SENDMSG },
	[POLICY_EV_GETADDRINFO] = { "getaddrinfo", POLICY_EV_GETADDRINFO },
};

/* The event VERB names into *EV; false when it is none (a log follows). */
static bool verb_event(const char *verb, enum policy_event *ev)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (!strcmp(verbs[i].verb, verb)) {
			*ev = verbs[i].event;
			return true;
		}
	}
	return false;
}

/* FAMILY TYPE [PROTOCOL] at ARGS[0..N) into CALL. */
static int parse_socket(char **args, int n, struct policy_call *call)
{
	int rc;

	if ((rc = parse_family(args[0], &call->family)) ||
	    (rc = parse_type(args[1], &call->type)) ||
	    (n == 3 && (rc = parse_protocol(args[2], &call->protocol))))
		return rc;
	return 0;
}

/* The call described by ARGS[0..N) after the word for EVENT. */
static int parse_call(enum policy_event event, char **args, int n, struct policy_call *call)
{
	int rc;

	call->event = event;
	if (event == POLICY_EV_NEW) {
		if (n < 2 || n > 3)
			return cli_usage_error("eval", "socket takes FAMILY TYPE [PROTOCOL]");
		return parse_socket(args, n, call);
	}
	if (event != POLICY_EV_SHUTDOWN) {
		if (n != 0 && n != 2 && n != 3)
			return cli_usage_error("eval", "%s takes [FAMILY TYPE [PROTOCOL]]",
					       verbs[event].verb);
		return n ? parse_socket(args, n, call) : 0;
	}
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

/* --address: an IP address, "@" and an abstract name, "" (unnamed) or a
 * path, as policies write them. */
static int parse_address(const char *s, struct policy_call *call)
{
	call->has_addr = true;
	if (inet_pton(AF_INET, s, call->ip) == 1) {
		call->addr_family = AF_INET;
	} else if (inet_pton(AF_INET6, s, call->ip) == 1) {
		call->addr_family = AF_INET6;
	} else if ((s[0] >= '0' && s[0] <= '9') || strchr(s, ':')) {
		return cli_usage_error("eval", "--address '%s' is not an IP address", s);
	} else {
		call->addr_family = AF_UNIX;
		call->abstract = s[0] == '@';
		call->path = call->abstract ? s + 1 : s;
		call->path_len = strlen(call->path);
	}
	return 0;
}

static int parse_port(const char *s, int *port)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (!*s || *end || s[0] == '-' || s[0] == '+' || v > 65535)
		return cli_usage_error("eval", "--port must be a number from 0 to 65535, not '%s'", s);
	*port = (int)v;
	return 0;
}

static void print_decision(const struct policy *p, const struct policy_call *call,
			   const struct policy_decision *d)
{
	const char *err = names_name(NAMES_ERRNO, d->err);

	printf("%s", event_decision_word(event_decision_of(d, policy_mode(p))));
	/* A denied lookup fails with EAI_FAIL whatever the rule's errno. */
	if (d->action == POLICY_DENY && call->event == POLICY_EV_GETADDRINFO) {
		printf(" gai_error=EAI_FAIL");
	} else if (d->action == POLICY_DENY) {
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

struct eval_args {
	const char *mode;		/* --mode, validated; NULL: the policy's */
	const char *address, *port;	/* --address, --port, --host: checked */
	const char *host;		/* against the verb once it is known */
	/* A replay's own options, passed on as given (replay.c checks them). */
	const char *list, *format;
	bool all;
	char **pos;			/* the words that are not options: */
	int npos;			/* POLICY, then a call or LOG... */
	bool replay;			/* LOG... rather than a call follows */
	struct policy_call call;	/* the call, and --exe */
};

/* {POLICY, the options given, "--", LOG..., NULL} for cmd_eval_replay
 * (cmd.h): "--" keeps a log named like an option a log. */
static int replay(const struct eval_args *a)
{
	char **av = calloc((size_t)a->npos + 12, sizeof(*av));
	int ac = 0, rc;

	if (!av)
		return cli_usage_error("eval", "out of memory");
	av[ac++] = a->pos[0];
	if (a->mode) {
		av[ac++] = (char *)"--mode";
		av[ac++] = (char *)a->mode;
	}
	if (a->call.exe) {
		av[ac++] = (char *)"--exe";
		av[ac++] = (char *)a->call.exe;
	}
	if (a->all)
		av[ac++] = (char *)"--all";
	if (a->list) {
		av[ac++] = (char *)"--list";
		av[ac++] = (char *)a->list;
	}
	if (a->format) {
		av[ac++] = (char *)"--format";
		av[ac++] = (char *)a->format;
	}
	av[ac++] = (char *)"--";
	for (int i = 1; i < a->npos; i++)
		av[ac++] = a->pos[i];
	av[ac] = NULL;
	rc = cmd_eval_replay(ac, av);
	free(av);
	return rc;
}

/* 0 to go on, -1 after --help, or an exit status (2).  Options may come
 * anywhere (getopt permutes), as for report and learn: before POLICY,
 * after it, after the call or among the logs; "--" ends them. */
static int eval_parse(int argc, char **argv, struct eval_args *a)
{
	enum { O_ALL = 256, O_LIST, O_FORMAT };
	static const struct option opts[] = {
		{ "exe", required_argument, NULL, 'e' },
		{ "mode", required_argument, NULL, 'm' },
		{ "address", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "all", no_argument, NULL, O_ALL },
		{ "list", required_argument, NULL, O_LIST },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum policy_event ev;
	enum policy_mode m;
	const char *verb;
	int c, rc;

	opterr = 0;
	optind = 0;	/* 0: glibc starts over, forgetting an earlier "+" */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
		case 'a':
			a->address = optarg;
			break;
		case 'p':
			a->port = optarg;
			break;
		case 'H':
			a->host = optarg;
			break;
		case O_ALL:
			a->all = true;
			break;
		case O_LIST:
			a->list = optarg;
			break;
		case O_FORMAT:
			a->format = optarg;
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
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (a->npos < 1)
		return cli_usage_error("eval", "no policy given");
	if (a->npos < 2)
		return cli_usage_error("eval", "give a call (socket ..., shutdown ...) or logs after the policy");
	verb = a->pos[1];
	if (!verb_event(verb, &ev)) {
		if (a->address || a->port || a->host)
			return cli_usage_error("eval", "--address, --port and --host describe a call, not a replay");
		a->replay = true;
		return 0;
	}
	if (a->all || a->list || a->format)
		return cli_usage_error("eval", "--all, --list and --format are for a replay, not a call");
	if (a->call.exe && a->call.exe[0] != '/')
		return cli_usage_error("eval", "--exe must be an absolute path, not '%s'",
				       a->call.exe);
	if (a->address && !(policy_event_has_address(ev) && ev != POLICY_EV_GETADDRINFO))
		return cli_usage_error("eval", "--address is for connect, bind, sendto and sendmsg");
	if (a->port && !policy_event_has_address(ev))
		return cli_usage_error("eval", "--port is for connect, bind, sendto, sendmsg and getaddrinfo");
	if (a->host && ev != POLICY_EV_GETADDRINFO)
		return cli_usage_error("eval", "--host is for getaddrinfo");
	if ((rc = parse_call(ev, a->pos + 2, a->npos - 2, &a->call)))
		return rc;
	if (a->address && (rc = parse_address(a->address, &a->call)))
		return rc;
	if (a->port) {
		if ((rc = parse_port(a->port, &a->call.port)))
			return rc;
		if (ev != POLICY_EV_GETADDRINFO && a->call.addr_family != AF_INET &&
		    a->call.addr_family != AF_INET6)
			return cli_usage_error("eval", "--port needs an IP --address");
	}
	/* An inet address always has a port: 0 unless --port says. */
	a->call.has_port = a->port || (a->call.has_addr && a->call.addr_family != AF_UNIX);
	a->call.host = a->host;
	return 0;
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
		return replay(&a);
	if (cli_policy_load(&load, a.pos[0], &lp))
		return CLI_EXIT_BAD_POLICY;
	if (a.mode && !policy_mode_value(a.mode, &m))
		policy_set_mode(lp.policy, m);
	policy_match(lp.policy, &a.call, &d);
	print_decision(lp.policy, &a.call, &d);
	cli_policy_free(&lp);
	return 0;
}
