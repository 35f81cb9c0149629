/* SPDX-License-Identifier: MIT */
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

/* qsort_r, not qsort: the parser keeps no global state (the shim may
 * parse in several threads of the audited program). */
static int by_id(const void *a, const void *b, void *ctx)
{
	const struct policy_rule *rules = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(rules[i].id, rules[j].id);

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
	qsort_r(idx, m, sizeof(*idx), by_id, (void *)rules);
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

/* Does list A (NA entries of SIZE bytes) admit every value list B (NB)
 * admits: is each of B's entries covered by one of A's (ENTRY_COVERS)?  An
 * empty list constrains nothing: it covers every list, and only an empty
 * one covers it.  A union of A's entries that covers a B entry only
 * together is not seen (a warning missed, never a wrong one). */
static bool list_covers(const void *a, size_t na, const void *b, size_t nb, size_t size,
			bool (*entry_covers)(const void *a, const void *b))
{
	if (!na)
		return true;
	if (!nb)
		return false;
	for (size_t i = 0; i < nb; i++) {
		const void *eb = (const char *)b + i * size;
		size_t j;

		for (j = 0; j < na && !entry_covers((const char *)a + j * size, eb); j++)
			;
		if (j == na)
			return false;
	}
	return true;
}

static bool int_covers(const void *a, const void *b)
{
	return *(const int *)a == *(const int *)b;
}

/* A plain number admits the value in every family; a name only in its
 * table's families. */
static bool protocol_covers(const void *a, const void *b)
{
	const struct rule_protocol *pa = a, *pb = b;

	return pa->value == pb->value && (pa->table < 0 || pa->table == pb->table);
}

static bool glob_literal(const char *g)
{
	return !strpbrk(g, "*?[\\");
}

/* Does glob A admit every string glob B admits?  Only said yes to when
 * plain to see: the same glob, or a literal one A matches. */
static bool glob_covers(const void *a, const void *b)
{
	const char *ga = *(const char *const *)a, *gb = *(const char *const *)b;

	return !strcmp(ga, gb) || (glob_literal(gb) && rule_glob_match(ga, gb));
}

/* Are the first BITS bits of A and B equal? */
static bool bits_equal(const uint8_t *a, const uint8_t *b, uint32_t bits)
{
	size_t n = bits / 8;

	if (memcmp(a, b, n))
		return false;
	return !(bits % 8) || !((a[n] ^ b[n]) & (0xff << (8 - bits % 8)));
}

/* Does block or glob A admit every address B admits? */
static bool addr_covers(const void *pa, const void *pb)
{
	const struct rule_addr *a = pa, *b = pb;

	if (a->kind != b->kind)
		return false;
	if (a->kind == RULE_ADDR_INET)
		return a->family == b->family && a->prefix <= b->prefix &&
		       bits_equal(a->ip, b->ip, (uint32_t)a->prefix);
	if (!strcmp(a->glob, b->glob))
		return true;
	/* A path glob never matches the unnamed address "" (rules.h). */
	if (a->kind == RULE_ADDR_PATH && (!*a->glob || !*b->glob))
		return false;
	return glob_literal(b->glob) && rule_glob_match(a->glob, b->glob);
}

static bool port_covers(const void *pa, const void *pb)
{
	const struct rule_port *a = pa, *b = pb;

	return a->lo <= b->lo && b->hi <= a->hi;
}

/* Field F (with its count n_F) of A covers B's, entry by entry (PRED). */
#define FIELD_COVERS(F, PRED) \
	list_covers(a->F, a->n_##F, b->F, b->n_##F, sizeof(*a->F), PRED)

static bool covers(const struct policy_rule *a, const struct policy_rule *b)
{
	return (a->events & b->events) == b->events &&
	       FIELD_COVERS(families, int_covers) && FIELD_COVERS(types, int_covers) &&
	       FIELD_COVERS(hows, int_covers) && FIELD_COVERS(protocols, protocol_covers) &&
	       FIELD_COVERS(exes, glob_covers) && FIELD_COVERS(addrs, addr_covers) &&
	       FIELD_COVERS(ports, port_covers) && FIELD_COVERS(hosts, glob_covers);
}

/* The index.  A rule A that covers B lists, in every field A constrains,
 * every value B lists there.  So each earlier rule A is filed under the
 * values of one field it constrains, its "key field", and B looks up, for
 * each field B constrains, one of its values: every candidate A is found.
 * An exe glob is filed under its literal prefix (the bytes before its first
 * wildcard; all of it when it has none): a glob covering B's exe has a
 * prefix that is a prefix of B's, so B looks up each prefix of its own.
 * The key field is the one whose keys are rarest in the whole policy, so
 * that buckets stay small (ten thousand rules that differ only by exe must
 * not all land under AF_INET).  Hosts and address globs are filed as
 * exes are; a CIDR block under its first PREFIX bits, so B looks up each
 * prefix of its block: a block covering B's is one of them.  Ports are not
 * filed: a rule that constrains only ports (and events) is compared with
 * every later rule, as a rule constraining nothing but events is. */

enum key_field { KF_FAMILY, KF_TYPE, KF_PROTOCOL, KF_HOW, KF_EXE, KF_HOST, KF_ADDR, KF_COUNT };

struct key {
	const char *exe;	/* globs: the first LEN bytes are the key;
				   CIDR blocks (BITS): the first LEN bits */
	int value;		/* KF_ADDR: the family, or -1 - kind for a glob */
	uint32_t len;
	int field;
	bool bits;
};

static size_t field_n(const struct policy_rule *r, enum key_field f)
{
	const size_t n[] = {
		[KF_FAMILY] = r->n_families, [KF_TYPE] = r->n_types,
		[KF_PROTOCOL] = r->n_protocols, [KF_HOW] = r->n_hows,
		[KF_EXE] = r->n_exes, [KF_HOST] = r->n_hosts, [KF_ADDR] = r->n_addrs,
	};

	return n[f];
}

static size_t literal_prefix(const char *glob)
{
	return strcspn(glob, "*?[\\");
}

/* Value I of field F of R as a key (for an exe, its literal prefix). */
static struct key field_key(const struct policy_rule *r, enum key_field f, size_t i)
{
	struct key k = { NULL, 0, 0, (int)f, false };
	const struct rule_addr *a;

	switch (f) {
	case KF_FAMILY:
		k.value = r->families[i];
		break;
	case KF_TYPE:
		k.value = r->types[i];
		break;
	case KF_PROTOCOL:
		k.value = r->protocols[i].value;
		break;
	case KF_HOW:
		k.value = r->hows[i];
		break;
	case KF_ADDR:
		a = &r->addrs[i];
		if (a->kind == RULE_ADDR_INET) {
			k.exe = (const char *)a->ip;
			k.len = (uint32_t)a->prefix;
			k.value = a->family;
			k.bits = true;
		} else {
			k.exe = a->glob;
			k.len = (uint32_t)literal_prefix(k.exe);
			k.value = -1 - (int)a->kind;
		}
		break;
	default:
		k.exe = f == KF_HOST ? r->hosts[i] : r->exes[i];
		k.len = (uint32_t)literal_prefix(k.exe);
		break;
	}
	return k;
}

/* A chained hash table of keys, compact: a 10,000-rule policy files some
 * 50,000 values, and page faults on fresh memory are much of the cost. */
#define NO_ENTRY UINT32_MAX

struct entry {
	struct key k;
	uint32_t n;		/* the index: the rule filed; the counts: how
				   many values have this key */
	uint32_t next;
};

struct table {
	uint32_t *heads;
	size_t mask;
	struct entry *e;
	uint32_t n;
};

static int table_init(struct table *t, size_t entries)
{
	size_t size = 16;

	while (size < entries)
		size *= 2;
	t->mask = size - 1;
	t->n = 0;
	t->heads = malloc(size * sizeof(*t->heads));
	t->e = malloc((entries ? entries : 1) * sizeof(*t->e));
	if (!t->heads || !t->e)
		return -ENOMEM;
	memset(t->heads, 0xff, size * sizeof(*t->heads));
	return 0;
}

static void table_free(struct table *t)
{
	free(t->heads);
	free(t->e);
}

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static size_t mix(uint64_t h)
{
	return (size_t)(h ^ (h >> 29));
}

static size_t hash(const struct key *k)
{
	uint64_t h = FNV_OFFSET ^ (uint64_t)k->field;

	if (!k->exe)
		return mix((h ^ (uint32_t)k->value) * 0x9e3779b97f4a7c15ull);
	h = (h ^ (uint32_t)k->value) * FNV_PRIME;
	if (k->bits) {
		/* The bits past LEN are not part of the key. */
		h = (h ^ k->len) * FNV_PRIME;
		for (uint32_t i = 0; i < k->len; i += 8) {
			unsigned char c = (unsigned char)k->exe[i / 8];

			if (k->len - i < 8)
				c &= (unsigned char)(0xff << (8 - (k->len - i)));
			h = (h ^ c) * FNV_PRIME;
		}
		return mix(h);
	}
	for (size_t i = 0; i < k->len; i++)
		h = (h ^ (unsigned char)k->exe[i]) * FNV_PRIME;
	return mix(h);
}

static bool same_key(const struct key *a, const struct key *b)
{
	if (a->field != b->field || !a->exe != !b->exe || a->value != b->value ||
	    a->bits != b->bits)
		return false;
	if (!a->exe)
		return true;
	if (a->len != b->len)
		return false;
	return a->bits ? bits_equal((const uint8_t *)a->exe, (const uint8_t *)b->exe, a->len)
		       : !memcmp(a->exe, b->exe, a->len);
}

/* Add K (the table has room: it was sized for every value). */
static struct entry *table_add(struct table *t, const struct key *k, size_t h)
{
	struct entry *e = &t->e[t->n];

	h &= t->mask;
	*e = (struct entry){ *k, 0, t->heads[h] };
	t->heads[h] = t->n++;
	return e;
}

static struct entry *table_find(const struct table *t, const struct key *k, size_t h)
{
	for (uint32_t i = t->heads[h & t->mask]; i != NO_ENTRY; i = t->e[i].next)
		if (same_key(&t->e[i].k, k))
			return &t->e[i];
	return NULL;
}

static size_t count_of(const struct table *counts, const struct key *k)
{
	struct entry *e = table_find(counts, k, hash(k));

	return e ? e->n : 0;
}

/* R's key field: the constrained field whose keys are the rarest. */
static enum key_field key_field(const struct table *counts, const struct policy_rule *r)
{
	enum key_field best = KF_COUNT;
	size_t best_sum = SIZE_MAX;

	for (int f = 0; f < KF_COUNT; f++) {
		size_t n = field_n(r, (enum key_field)f), sum = 0;

		for (size_t i = 0; i < n; i++) {
			struct key k = field_key(r, (enum key_field)f, i);

			sum += count_of(counts, &k);
		}
		if (n && sum < best_sum) {
			best_sum = sum;
			best = (enum key_field)f;
		}
	}
	return best;
}

/* Candidates filed under K that cover RULES[B], the earliest into *BEST. */
static void probe(const struct table *ix, const struct key *k, size_t h,
		  const struct policy_rule *rules, size_t b, size_t *best)
{
	for (uint32_t i = ix->heads[h & ix->mask]; i != NO_ENTRY; i = ix->e[i].next) {
		const struct entry *e = &ix->e[i];

		if (e->n < *best && same_key(&e->k, k) && covers(&rules[e->n], &rules[b]))
			*best = e->n;
	}
}

/* The first rule filed in IX that covers RULES[B], or SIZE_MAX. */
static size_t find_cover(const struct table *ix, const struct table *counts,
			 const struct policy_rule *rules, size_t b)
{
	const struct policy_rule *rb = &rules[b];
	size_t best = SIZE_MAX;

	for (int f = 0; f < KF_COUNT; f++) {
		size_t n = field_n(rb, (enum key_field)f), pick = 0, pick_count = SIZE_MAX;
		struct key k;

		if (!n)
			continue;
		k = field_key(rb, (enum key_field)f, 0);
		if (k.bits) {
			/* Every prefix of B's first block. */
			for (uint32_t len = 0; len <= k.len; len++) {
				struct key p = k;

				p.len = len;
				probe(ix, &p, hash(&p), rules, b, &best);
			}
			continue;
		}
		if (k.exe) {
			/* Every prefix of B's first glob up to its first wildcard. */
			uint64_t h = ((FNV_OFFSET ^ (uint64_t)f) ^ (uint32_t)k.value) * FNV_PRIME;

			for (size_t len = 0;; len++) {
				struct key p = k;

				p.len = (uint32_t)len;
				probe(ix, &p, mix(h), rules, b, &best);
				if (len == k.len)
					break;
				h = (h ^ (unsigned char)k.exe[len]) * FNV_PRIME;
			}
			continue;
		}
		/* Any of B's values finds every A; the rarest finds fewest others. */
		for (size_t i = 0; i < n; i++) {
			size_t c;

			k = field_key(rb, (enum key_field)f, i);
			c = count_of(counts, &k);
			if (c < pick_count) {
				pick_count = c;
				pick = i;
			}
		}
		k = field_key(rb, (enum key_field)f, pick);
		probe(ix, &k, hash(&k), rules, b, &best);
	}
	return best;
}

static int find_unreachable(const struct policy_rule *rules, const struct rule_where *where,
			    size_t n, size_t *by)
{
	struct table counts = { 0 }, ix = { 0 };
	size_t total = 0, n_always = 0, *always = malloc(n * sizeof(*always));
	int rc = -ENOMEM;

	for (size_t i = 0; i < n; i++)
		for (int f = 0; f < KF_COUNT && where[i].ok; f++)
			total += field_n(&rules[i], (enum key_field)f);
	if (!always || table_init(&counts, total) || table_init(&ix, total))
		goto out;
	for (size_t i = 0; i < n; i++) {
		for (int f = 0; f < KF_COUNT && where[i].ok; f++) {
			for (size_t j = 0; j < field_n(&rules[i], (enum key_field)f); j++) {
				struct key k = field_key(&rules[i], (enum key_field)f, j);
				size_t h = hash(&k);
				struct entry *e = table_find(&counts, &k, h);

				if (!e)
					e = table_add(&counts, &k, h);
				e->n++;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		enum key_field f;
		size_t cover;

		by[i] = SIZE_MAX;
		if (!where[i].ok)
			continue;
		/* Rules constraining nothing but events cover by events alone. */
		for (size_t j = 0; j < n_always; j++) {
			if (covers(&rules[always[j]], &rules[i])) {
				by[i] = always[j];
				break;
			}
		}
		cover = find_cover(&ix, &counts, rules, i);
		if (cover < by[i])
			by[i] = cover;
		f = key_field(&counts, &rules[i]);
		if (f == KF_COUNT) {
			always[n_always++] = i;
			continue;
		}
		for (size_t j = 0; j < field_n(&rules[i], f); j++) {
			struct key k = field_key(&rules[i], f, j);

			table_add(&ix, &k, hash(&k))->n = (uint32_t)i;
		}
	}
	rc = 0;
out:
	table_free(&counts);
	table_free(&ix);
	free(always);
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
