/* SPDX-License-Identifier: MIT */
/* names.c - `sockaudit names [TABLE...]`: the names a policy may use. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "names.h"

static void print_plain(enum names_table t);
static void print_protocols(enum names_table t);

static const struct names_list {
	const char *name, *singular;
	enum names_table table;
	void (*print)(enum names_table t);
	const char *what;
} lists[] = {
	{ "families", "family", NAMES_FAMILY, print_plain, "address families (AF_*)" },
	{ "types", "type", NAMES_TYPE, print_plain, "socket types (SOCK_*)" },
	{ "flags", "flag", NAMES_FLAG, print_plain, "type flags, never matched" },
	{ "protocols", "protocol", NAMES_PROTOCOL, print_protocols,
	  "protocols, by family" },
	{ "errnos", "errno", NAMES_ERRNO, print_plain, "errno values" },
	{ "hows", "how", NAMES_HOW, print_plain, "shutdown() how (SHUT_*)" },
	{ "events", "event", NAMES_EVENT, print_plain, "audit events (socket.*)" },
};

#define NLISTS (sizeof(lists) / sizeof(lists[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sockaudit names [TABLE]...\n"
		"List the names a policy and 'sockaudit eval' accept, with their values.\n"
		"\n"
		"Tables:\n");
	for (size_t i = 0; i < NLISTS; i++)
		fprintf(out, "  %-10s %s\n", lists[i].name, lists[i].what);
	fprintf(out,
		"\n"
		"Without TABLE, every table under a heading.  One name per line,\n"
		"sorted by value: NAME VALUE, then what else is worth knowing\n"
		"(aliases, the families of a protocol, the message of an errno).\n"
		"AF_PACKET protocols (ETH_P_*) are listed as programs pass them,\n"
		"in network byte order: ETH_P_ALL is 768, htons(0x0003).\n"
		"\n"
		"Options:\n"
		"  -h, --help  show this help\n");
}

static int name_width(const struct names_entry *e, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (strlen(e[i].name) > w)
			w = strlen(e[i].name);
	return (int)w;
}

/* Aliases follow their canonical name in each table: name it. */
static const char *alias_of(const struct names_entry *e, size_t i)
{
	size_t first = i;

	while (first > 0 && e[first - 1].value == e[i].value)
		first--;
	return first != i ? e[first].name : NULL;
}

static void print_plain(enum names_table t)
{
	size_t n;
	const struct names_entry *e = names_table_entries(t, &n);
	int w = name_width(e, n);

	for (size_t i = 0; i < n; i++) {
		const char *canon = alias_of(e, i);

		printf("%-*s %7d", w, e[i].name, e[i].value);
		if (canon)
			printf("  alias of %s", canon);
		else if (t == NAMES_ERRNO)
			printf("  %s", strerror(e[i].value));
		putchar('\n');
	}
}

static void print_families(const int *f)
{
	for (const int *p = f; *p != -1; p++) {
		const char *name = names_name(NAMES_FAMILY, *p);

		if (p != f)
			putchar(',');
		if (name)
			fputs(name, stdout);
		else
			printf("%d", *p);
	}
}

static void print_protocols(enum names_table t)
{
	size_t ntables, w = 0;
	const struct names_protocol_table *pt = names_protocol_tables(&ntables);

	(void)t;
	for (size_t i = 0; i < ntables; i++)
		if ((size_t)name_width(pt[i].entries, pt[i].count) > w)
			w = (size_t)name_width(pt[i].entries, pt[i].count);
	for (size_t i = 0; i < ntables; i++) {
		/* ETH_P_* values are in network byte order (see names.c) */
		int swapped = !strcmp(pt[i].prefix, "ETH_P_");

		for (size_t j = 0; j < pt[i].count; j++) {
			const struct names_entry *e = &pt[i].entries[j];
			const char *canon = alias_of(pt[i].entries, j);

			printf("%-*s %7d  ", (int)w, e->name, e->value);
			print_families(pt[i].families);
			if (swapped)
				printf("  htons(0x%04x)",
				       ((e->value & 0xff) << 8) | ((e->value >> 8) & 0xff));
			if (canon)
				printf("  alias of %s", canon);
			putchar('\n');
		}
	}
}

static const struct names_list *find_list(const char *arg)
{
	for (size_t i = 0; i < NLISTS; i++)
		if (!strcmp(arg, lists[i].name) || !strcmp(arg, lists[i].singular))
			return &lists[i];
	return NULL;
}

static int unknown_list(const char *arg)
{
	const char *candidates[2 * NLISTS + 1];
	const char *hint;
	size_t k = 0;

	for (size_t i = 0; i < NLISTS; i++) {
		candidates[k++] = lists[i].name;
		candidates[k++] = lists[i].singular;
	}
	candidates[k] = NULL;
	hint = names_suggest_from(candidates, arg);
	if (hint) {
		const struct names_list *l = find_list(hint);

		return cli_usage_error("names", "unknown table '%s'; did you mean '%s'?",
				       arg, l->name);
	}
	return cli_usage_error("names", "unknown table '%s' (tables: families, "
			       "types, flags, protocols, errnos, hows, events)", arg);
}

int cmd_names(int argc, char **argv)
{
	const struct names_list *chosen[NLISTS * 4];
	size_t nchosen = 0;
	bool headings;
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(arg, "--"))
			continue;
		if (arg[0] == '-' && arg[1])
			return cli_usage_error("names", "unknown option '%s'", arg);
	}
	for (i = 1; i < argc; i++) {
		const struct names_list *l;

		if (!strcmp(argv[i], "--"))
			continue;
		l = find_list(argv[i]);
		if (!l)
			return unknown_list(argv[i]);
		if (nchosen < sizeof(chosen) / sizeof(chosen[0]))
			chosen[nchosen++] = l;
	}
	if (!nchosen)
		for (size_t j = 0; j < NLISTS; j++)
			chosen[nchosen++] = &lists[j];

	headings = nchosen > 1;
	for (size_t j = 0; j < nchosen; j++) {
		if (headings)
			printf("%s# %s: %s\n", j ? "\n" : "", chosen[j]->name,
			       chosen[j]->what);
		chosen[j]->print(chosen[j]->table);
	}
	if (fflush(stdout) || ferror(stdout)) {
		cli_error("names", "cannot write the list: %s", strerror(errno));
		return 1;
	}
	return 0;
}
