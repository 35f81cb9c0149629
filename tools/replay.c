/* SPDX-License-Identifier: MIT */
/* replay.c - `sockaudit eval POLICY LOG...`: what would this policy have done?
 *
 * Every event of the logs is decided again by policy_match() on the facts
 * the log recorded (the raw args: family, type and protocol as passed; how;
 * the exe), and the new decision is compared with the recorded one.  Memory
 * is flat: counters per rule, and the first --list changes kept to show.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "load.h"
#include "logread.h"
#include "names.h"
#include "policy.h"
#include "table.h"

enum outcome { O_SAME, O_NEWLY_DENIED, O_NEWLY_ALLOWED, O_CHANGED, O_COUNT };

struct change {
	struct table_event ev;		/* as it was logged (its decision: the old) */
	const char *now;
	int rule;
	enum outcome outcome;
};

struct replay {
	const char *policy_path;
	struct policy *policy;
	enum policy_mode mode;
	const char *exe;		/* --exe */
	bool all, json;
	size_t list;
	char *const *files;
	int nfiles;

	uint64_t events, junk, undecidable, outcomes[O_COUNT];
	uint64_t *by_rule[O_COUNT];	/* [rule + 1]; 0 is the default */
	size_t nrules;
	struct change *changes;
	size_t nchanges;
	int failed;
	char exebuf[4096];
};

static bool refused(const char *word)
{
	return strcmp(word, "allow") != 0;
}

/* How the decision NOW compares with the recorded OLD. */
static enum outcome outcome_of(const char *now, const char *old)
{
	if (!strcmp(now, old))
		return O_SAME;
	if (refused(now) && !refused(old))
		return O_NEWLY_DENIED;
	if (!refused(now) && refused(old))
		return O_NEWLY_ALLOWED;
	return O_CHANGED;
}

/* The deciding rule for people: its id, rules[N] for one without, or
 * TABLE_DEFAULT_RULE. */
static void print_rule(int rule, const char *id)
{
	if (rule < 0)
		fputs(TABLE_DEFAULT_RULE, stdout);
	else if (id)
		fputs(id, stdout);
	else
		printf("rules[%d]", rule);
}

/* --all: one line per event, as it is decided. */
static void print_event(const struct replay *r, const struct logread_event *ev, int file,
			uint64_t line, const struct policy_decision *d, const char *now,
			enum outcome o)
{
	struct table_event t;

	table_event_set(&t, ev, file, line);
	table_event_text(stdout, &t, r->files[file]);
	printf(": %s", now);
	if (o != O_SAME)
		printf(" (was %s)", event_decision_word(ev->decision));
	fputs(" by ", stdout);
	print_rule(d->rule, d->rule_id);
	putchar('\n');
}

/* Keep a change to list after the replay: the first --list of them. */
static void keep_change(struct replay *r, const struct logread_event *ev, int file,
			uint64_t line, const struct policy_decision *d, const char *now,
			enum outcome o)
{
	struct change *c;

	if (o == O_SAME || r->nchanges >= r->list)
		return;
	c = &r->changes[r->nchanges++];
	table_event_set(&c->ev, ev, file, line);
	c->now = now;
	c->rule = d->rule;
	c->outcome = o;
}

static void on_event(void *ctx, const struct logread_event *ev, int file, uint64_t line)
{
	struct replay *r = ctx;
	struct policy_call call;
	struct policy_decision d;
	const char *now;
	enum outcome o;

	r->events++;
	if (logread_call(ev, &call, r->exebuf, sizeof(r->exebuf), logread_names_value) < 0) {
		r->undecidable++;
		return;
	}
	if (r->exe)
		call.exe = r->exe;
	policy_match(r->policy, &call, &d);
	now = event_decision_word(event_decision_of(&d, r->mode));
	o = outcome_of(now, event_decision_word(ev->decision));
	r->outcomes[o]++;
	if (d.rule + 1 >= 0 && (size_t)(d.rule + 1) <= r->nrules)
		r->by_rule[o][d.rule + 1]++;
	if (r->all)
		print_event(r, ev, file, line, &d, now, o);
	else
		keep_change(r, ev, file, line, &d, now, o);
}

static void on_junk(void *ctx, enum logread_junk junk, const char *detail, int file, uint64_t line)
{
	struct replay *r = ctx;

	if (r->junk++ < r->list)
		fprintf(stderr, "%s:%" PRIu64 ": not an event: %s%s%s\n", r->files[file], line,
			logread_junk_name(junk), detail[0] ? ": " : "", detail);
}

static void on_error(void *ctx, int file, int err)
{
	struct replay *r = ctx;

	cli_error("eval", "%s: %s", r->files[file], strerror(-err));
	r->failed++;
}

/* The ids of P's N rules into IDS[1..N] (IDS[0], the default, stays NULL). */
static void rule_ids(const struct policy *p, const char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ids[i + 1] = policy_rule_id(p, i);
}

static const char *const outcome_names[O_COUNT] = {
	[O_SAME] = "unchanged", [O_NEWLY_DENIED] = "newly denied",
	[O_NEWLY_ALLOWED] = "newly allowed", [O_CHANGED] = "changed otherwise",
};

static const char *const outcome_keys[O_COUNT] = {
	[O_SAME] = "unchanged", [O_NEWLY_DENIED] = "newly_denied",
	[O_NEWLY_ALLOWED] = "newly_allowed", [O_CHANGED] = "changed",
};

static void print_text(struct replay *r, const char **ids)
{
	for (size_t i = 0; i < r->nchanges; i++) {
		struct change *c = &r->changes[i];

		table_event_text(stdout, &c->ev, r->files[c->ev.file]);
		printf(": %s -> %s by ", event_decision_word(c->ev.decision), c->now);
		print_rule(c->rule, ids[c->rule + 1]);
		putchar('\n');
	}
	uint64_t changed = r->outcomes[O_NEWLY_DENIED] + r->outcomes[O_NEWLY_ALLOWED] + r->outcomes[O_CHANGED];
	if (!r->all && r->nchanges < changed)
		printf("(the first %zu of %" PRIu64 " changes; --list N or --all shows more)\n",
		       r->nchanges, changed);
	if (r->nchanges || r->all)
		putchar('\n');
	printf("Replayed %" PRIu64 " events against %s (mode %s):\n", r->events, r->policy_path,
	       policy_mode_name(r->mode));
	for (int o = 0; o < O_COUNT; o++)
		printf("  %-18s %10" PRIu64 "\n", outcome_names[o], r->outcomes[o]);
	if (r->undecidable)
		printf("  %-18s %10" PRIu64 "\n", "undecidable", r->undecidable);
	if (r->junk)
		printf("  %-18s %10" PRIu64 "\n", "lines not events", r->junk);
	for (int o = O_NEWLY_DENIED; o < O_COUNT; o++) {
		if (!r->outcomes[o])
			continue;
		printf("%c%s, by rule:\n", outcome_names[o][0] - 32, outcome_names[o] + 1);
		for (size_t i = 0; i <= r->nrules; i++)
			if (r->by_rule[o][i]) {
				printf("  %10" PRIu64 "  ", r->by_rule[o][i]);
				print_rule((int)i - 1, ids[i]);
				putchar('\n');
			}
	}
}

static void json_str(const char *s)
{
	table_json_string(stdout, s);
}

/* A rule in JSON: its id, "rules[N]" for one without, null for the
 * default (as the log writes it). */
static void json_rule(int rule, const char *id)
{
	if (rule < 0)
		printf("null");
	else if (id)
		json_str(id);
	else
		printf("\"rules[%d]\"", rule);
}

static void print_json(struct replay *r, const char **ids)
{
	printf("{\"policy\":");
	json_str(r->policy_path);
	printf(",\"mode\":\"%s\",\"events\":%" PRIu64, policy_mode_name(r->mode), r->events);
	for (int o = 0; o < O_COUNT; o++)
		printf(",\"%s\":%" PRIu64, outcome_keys[o], r->outcomes[o]);
	printf(",\"undecidable\":%" PRIu64 ",\"junk\":%" PRIu64, r->undecidable, r->junk);
	/* Arrays of {"rule", "count"}: the default's rule is null, as in the
	 * log and in "changes", which an object's key could not be. */
	for (int o = O_NEWLY_DENIED; o < O_COUNT; o++) {
		bool first = true;
		printf(",\"%s_by_rule\":[", outcome_keys[o]);
		for (size_t i = 0; i <= r->nrules; i++) {
			if (!r->by_rule[o][i])
				continue;
			printf("%s{\"rule\":", first ? "" : ",");
			json_rule((int)i - 1, ids[i]);
			printf(",\"count\":%" PRIu64 "}", r->by_rule[o][i]);
			first = false;
		}
		printf("]");
	}
	printf(",\"changes\":[");
	for (size_t i = 0; i < r->nchanges; i++) {
		struct change *c = &r->changes[i];
		printf("%s{", i ? "," : "");
		table_event_json(stdout, &c->ev, r->files[c->ev.file]);
		printf(",\"was\":\"%s\",\"now\":\"%s\",\"rule\":",
		       event_decision_word(c->ev.decision), c->now);
		json_rule(c->rule, ids[c->rule + 1]);
		printf("}");
	}
	printf("]}\n");
}

static int parse_args(struct replay *r, int argc, char **argv, const char **mode)
{
	enum { O_MODE = 256, O_EXE, O_ALL, O_LIST, O_FORMAT };
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, O_MODE },
		{ "exe", required_argument, NULL, O_EXE },
		{ "all", no_argument, NULL, O_ALL },
		{ "list", required_argument, NULL, O_LIST },
		{ "format", required_argument, NULL, O_FORMAT },
		{ 0 }
	};
	enum policy_mode m;
	int c;
	char *end;

	r->list = 20;
	if (argc < 1)
		return cli_usage_error("eval", "no policy given");
	r->policy_path = argv[0];
	optind = 0;	/* 0: glibc starts over, forgetting an earlier "+" */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			if (policy_mode_value(optarg, &m) < 0)
				return cli_usage_error("eval", "--mode must be 'audit' or 'enforce', not '%s'", optarg);
			*mode = optarg;
			break;
		case O_EXE:
			r->exe = optarg;
			break;
		case O_ALL:
			r->all = true;
			break;
		case O_LIST:
			r->list = strtoul(optarg, &end, 10);
			if (*end || end == optarg || r->list > 1000000)
				return cli_usage_error("eval", "bad --list '%s'", optarg);
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "json"))
				r->json = true;
			else if (strcmp(optarg, "text"))
				return cli_usage_error("eval", "unknown format '%s' (text, json)", optarg);
			break;
		default:
			return cli_usage_error("eval", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	/* --all streams text lines; the JSON object holds no more than
	 * --list changes, so that memory stays flat. */
	if (r->all && r->json)
		return cli_usage_error("eval", "--all prints text: with --format json, "
				       "--list N lists the changes");
	if (optind >= argc)
		return cli_usage_error("eval", "no LOG given ('-' reads standard input)");
	r->files = argv + optind;
	r->nfiles = argc - optind;
	return 0;
}

/* The policy, the mode to replay under, and the counters sized for it: 0,
 * or the exit status. */
static int replay_setup(struct replay *r, const char *mode, struct cli_policy *lp)
{
	static const struct cli_load_opts load = { .verb = "eval" };
	enum policy_mode m;

	if (cli_policy_load(&load, r->policy_path, lp))
		return CLI_EXIT_BAD_POLICY;
	r->policy = lp->policy;
	if (mode && !policy_mode_value(mode, &m))
		policy_set_mode(r->policy, m);
	r->mode = policy_mode(r->policy);
	r->nrules = policy_rule_count(r->policy);
	r->changes = calloc(r->list ? r->list : 1, sizeof(*r->changes));
	if (!r->changes)
		goto nomem;
	for (int o = 0; o < O_COUNT; o++) {
		r->by_rule[o] = calloc(r->nrules + 1, sizeof(uint64_t));
		if (!r->by_rule[o])
			goto nomem;
	}
	return 0;
nomem:
	cli_error("eval", "out of memory");
	return 2;
}

static void replay_free(struct replay *r, struct cli_policy *lp)
{
	cli_policy_free(lp);
	free(r->changes);
	for (int o = 0; o < O_COUNT; o++)
		free(r->by_rule[o]);
	free(r);
}

int cmd_eval_replay(int argc, char **argv)
{
	/* Loss records (.loss NULL) hold no call to replay. */
	static const struct logread_sink sink = {
		.event = on_event, .junk = on_junk, .error = on_error,
	};
	struct replay *r = calloc(1, sizeof(*r));
	struct cli_policy lp = { 0 };
	const char **ids = NULL;
	const char *mode = NULL;
	int st;

	if (!r) {
		cli_error("eval", "out of memory");
		return 2;
	}
	st = parse_args(r, argc, argv, &mode);
	if (st) {
		st = st < 0 ? 0 : st;
		goto out;
	}
	st = replay_setup(r, mode, &lp);
	if (st)
		goto out;
	st = 2;
	ids = calloc(r->nrules + 1, sizeof(*ids));
	if (!ids || logread_files(r->files, r->nfiles, &sink, r) < 0) {
		cli_error("eval", "out of memory");
		goto out;
	}
	if (r->failed)
		goto out;

	rule_ids(r->policy, ids, r->nrules);
	if (r->json)
		print_json(r, ids);
	else
		print_text(r, ids);
	st = r->outcomes[O_NEWLY_DENIED] ? CLI_EXIT_NO : 0;
	/* Nothing replayed is no pass: an empty log, the wrong file, a log
	 * of junk must fail a CI gate, and apart from a denial. */
	if (r->events == r->undecidable) {
		cli_error("eval", "no event to replay in the log%s (%" PRIu64 " line%s not "
			  "events, %" PRIu64 " undecidable)", r->nfiles == 1 ? "" : "s",
			  r->junk, r->junk == 1 ? "" : "s", r->undecidable);
		st = CLI_EXIT_EMPTY;
	}
out:
	free(ids);
	replay_free(r, &lp);
	return st;
}
