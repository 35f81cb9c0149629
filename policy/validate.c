/* validate.c - checks across rules: duplicate ids, unreachable rules.
 *
 * Both must stay fast on policies of ten thousand rules (`make bench`
 * checks a 10,000-rule policy): ids are sorted, and an earlier rule that
 * could shadow a later one is found through a hash index rather than by
 * comparing every pair.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "validate.h"

const char *validate_rule_name(const struct policy_rule *r, size_t index,
			       char *buf, size_t cap)
{
	if (r->id)
		snprintf(buf, cap, "rule '%.64s%s'", r->id, strlen(r->id) > 64 ? "..." : "");
	else
		snprintf(buf, cap, "rules[%zu]", index);
	return buf;
}

/* Duplicate ids. */

static const struct policy_rule *sort_rules;

static int by_id(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(sort_rules[i].id, sort_rules[j].id);

	return c ? c : (i > j) - (i < j);
}

/* DUP[i]: the first rule with rule i's id, or SIZE_MAX. */
static int find_duplicates(const struct policy_rule *rules, size_t n, size_t *dup)
{
	size_t *idx = malloc(n * sizeof(*idx)), m = 0;

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		dup[i] = SIZE_MAX;
		if (rules[i].id)
			idx[m++] = i;
	}
	/* qsort has no context argument; validate runs in tools and at the
	 * shim's start-up, never concurrently with itself in one process
	 * would be an assumption too far, so the comparison reads ids
	 * through a pointer set right here and nowhere else. */
	sort_rules = rules;
	qsort(idx, m, sizeof(*idx), by_id);
	for (size_t k = 1; k < m; k++) {
		size_t first = dup[idx[k - 1]] == SIZE_MAX ? idx[k - 1] : dup[idx[k - 1]];

		if (!strcmp(rules[idx[k]].id, rules[first].id))
			dup[idx[k]] = first;
	}
	free(idx);
	return 0;
}

/* Unreachable rules: A (earlier) covers B when every field A constrains
 * admits every value B's same field admits. */

static bool ints_cover(const int *a, size_t na, const int *b, size_t nb)
{
	if (!na)
		return true;
	if (!nb)
		return false;
	for (size_t i = 0; i < nb; i++) {
		size_t j;

		for (j = 0; j < na && a[j] != b[i]; j++)
			;
		if (j == na)
			return false;
	}
	return true;
}

static bool protocols_cover(const struct policy_rule *a, const struct policy_rule *b)
{
	if (!a->n_protocols)
		return true;
	if (!b->n_protocols)
		return false;
	for (size_t i = 0; i < b->n_protocols; i++) {
		const struct rule_protocol *pb = &b->protocols[i];
		size_t j;

		/* A plain number admits the value in every family; a name only
		 * in its table's families. */
		for (j = 0; j < a->n_protocols; j++) {
			const struct rule_protocol *pa = &a->protocols[j];

			if (pa->value == pb->value &&
			    (pa->table < 0 || pa->table == pb->table))
				break;
		}
		if (j == a->n_protocols)
			return false;
	}
	return true;
}

static bool glob_literal(const char *g)
{
	return !strpbrk(g, "*?[\\");
}

static bool exes_cover(const struct policy_rule *a, const struct policy_rule *b)
{
	if (!a->n_exes)
		return true;
	if (!b->n_exes)
		return false;
	for (size_t i = 0; i < b->n_exes; i++) {
		size_t j;

		for (j = 0; j < a->n_exes; j++)
			if (!strcmp(a->exes[j], b->exes[i]) ||
			    (glob_literal(b->exes[i]) &&
			     rule_glob_match(a->exes[j], b->exes[i])))
				break;
		if (j == a->n_exes)
			return false;
	}
	return true;
}

static bool covers(const struct policy_rule *a, const struct policy_rule *b)
{
	return (a->events & b->events) == b->events &&
	       ints_cover(a->families, a->n_families, b->families, b->n_families) &&
	       ints_cover(a->types, a->n_types, b->types, b->n_types) &&
	       ints_cover(a->hows, a->n_hows, b->hows, b->n_hows) &&
	       protocols_cover(a, b) && exes_cover(a, b);
}

/* The index: each earlier rule is filed under every value of one field it
 * constrains (its "key field"); a later rule B looks up the first value of
 * each field B constrains, since a rule covering B must list it.  Rules
 * with no key field (nothing constrained but globs) are always tried. */

enum key_field { KF_FAMILY, KF_TYPE, KF_PROTOCOL, KF_HOW, KF_EXE, KF_NONE };

struct entry {
	size_t rule;
	int field, value;
	const char *exe;
	size_t next;
};

struct index {
	size_t *heads, mask;
	struct entry *e;
	size_t n;
	size_t *always, n_always;
};

static enum key_field key_field(const struct policy_rule *r)
{
	if (r->n_families)
		return KF_FAMILY;
	if (r->n_types)
		return KF_TYPE;
	if (r->n_protocols)
		return KF_PROTOCOL;
	if (r->n_hows)
		return KF_HOW;
	for (size_t i = 0; i < r->n_exes; i++)
		if (!glob_literal(r->exes[i]))
			return KF_NONE;
	return r->n_exes ? KF_EXE : KF_NONE;
}

static size_t key_count(const struct policy_rule *r)
{
	static const size_t none = 0;
	const size_t *counts[] = {
		[KF_FAMILY] = &r->n_families, [KF_TYPE] = &r->n_types,
		[KF_PROTOCOL] = &r->n_protocols, [KF_HOW] = &r->n_hows,
		[KF_EXE] = &r->n_exes, [KF_NONE] = &none,
	};

	return *counts[key_field(r)];
}

static int key_value(const struct policy_rule *r, enum key_field f, size_t i,
		     const char **exe)
{
	*exe = NULL;
	switch (f) {
	case KF_FAMILY:
		return r->families[i];
	case KF_TYPE:
		return r->types[i];
	case KF_PROTOCOL:
		return r->protocols[i].value;
	case KF_HOW:
		return r->hows[i];
	case KF_EXE:
		*exe = r->exes[i];
		return 0;
	default:
		return 0;
	}
}

static size_t hash(int field, int value, const char *exe)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)field;

	if (exe)
		for (; *exe; exe++)
			h = (h ^ (unsigned char)*exe) * 1099511628211ull;
	else
		h = (h ^ (uint32_t)value) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h ^ (h >> 29));
}

static void index_add(struct index *ix, const struct policy_rule *r, size_t ri)
{
	enum key_field f = key_field(r);
	size_t n = key_count(r);

	if (f == KF_NONE) {
		ix->always[ix->n_always++] = ri;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &ix->e[ix->n];
		size_t h;

		e->rule = ri;
		e->field = (int)f;
		e->value = key_value(r, f, i, &e->exe);
		h = hash(e->field, e->value, e->exe) & ix->mask;
		e->next = ix->heads[h];
		ix->heads[h] = ix->n++;
	}
}

/* The first earlier rule that covers RULES[B], or SIZE_MAX. */
static size_t index_find(const struct index *ix, const struct policy_rule *rules, size_t b)
{
	const struct policy_rule *rb = &rules[b];
	const size_t counts[] = {
		[KF_FAMILY] = rb->n_families, [KF_TYPE] = rb->n_types,
		[KF_PROTOCOL] = rb->n_protocols, [KF_HOW] = rb->n_hows,
		[KF_EXE] = rb->n_exes,
	};
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < ix->n_always; i++) {
		if (covers(&rules[ix->always[i]], rb)) {
			best = ix->always[i];
			break;
		}
	}
	for (int f = KF_FAMILY; f < KF_NONE; f++) {
		const char *exe;
		int v;

		if (!counts[f])
			continue;
		v = key_value(rb, (enum key_field)f, 0, &exe);
		for (size_t k = ix->heads[hash(f, v, exe) & ix->mask]; k != SIZE_MAX;
		     k = ix->e[k].next) {
			const struct entry *e = &ix->e[k];

			if (e->field != f || e->rule >= best ||
			    (exe ? strcmp(e->exe, exe) : e->value != v))
				continue;
			if (covers(&rules[e->rule], rb))
				best = e->rule;
		}
	}
	return best;
}

static int find_unreachable(const struct policy_rule *rules, const struct rule_where *where,
			    size_t n, size_t *by)
{
	struct index ix = { 0 };
	size_t total = 0, size = 16;
	int rc = -ENOMEM;

	for (size_t i = 0; i < n; i++)
		if (where[i].ok)
			total += key_count(&rules[i]);
	while (size < 2 * total)
		size *= 2;
	ix.mask = size - 1;
	ix.heads = malloc(size * sizeof(*ix.heads));
	ix.e = malloc((total ? total : 1) * sizeof(*ix.e));
	ix.always = malloc(n * sizeof(*ix.always));
	if (!ix.heads || !ix.e || !ix.always)
		goto out;
	memset(ix.heads, 0xff, size * sizeof(*ix.heads));
	for (size_t i = 0; i < n; i++) {
		by[i] = SIZE_MAX;
		if (!where[i].ok)
			continue;
		by[i] = index_find(&ix, rules, i);
		index_add(&ix, &rules[i], i);
	}
	rc = 0;
out:
	free(ix.heads);
	free(ix.e);
	free(ix.always);
	return rc;
}

int validate_rules(const struct policy_rule *rules, const struct rule_where *where,
		   size_t n, struct policy_diags *d, bool lint)
{
	size_t *dup = malloc(n * sizeof(*dup)), *by = malloc(n * sizeof(*by));
	char name[96], other[96];
	int rc = -ENOMEM;

	if (!dup || !by)
		goto out;
	if ((rc = find_duplicates(rules, n, dup)))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (dup[i] != SIZE_MAX)
			lint = false;
	for (size_t i = 0; i < n; i++)
		by[i] = SIZE_MAX;
	if (lint && (rc = find_unreachable(rules, where, n, by)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		if (dup[i] != SIZE_MAX) {
			size_t f = dup[i];

			rc = diag_add(d, POLICY_ERROR, where[i].id_line, where[i].id_col,
				      NULL, "duplicate rule id '%.64s'", rules[i].id);
			if (!rc)
				rc = diag_add(d, POLICY_NOTE, where[f].id_line,
					      where[f].id_col, NULL,
					      "'%.64s' first used here, by rules[%zu]",
					      rules[f].id, f);
		}
		if (by[i] != SIZE_MAX && !rc) {
			const struct policy_rule *a = &rules[by[i]];

			rc = diag_add(d, POLICY_WARNING, rules[i].line, rules[i].col, NULL,
				      "%s is unreachable: %s (line %d) matches everything it matches",
				      validate_rule_name(&rules[i], i, name, sizeof(name)),
				      validate_rule_name(a, by[i], other, sizeof(other)),
				      a->line);
		}
	}
out:
	free(dup);
	free(by);
	return rc;
}
