/* SPDX-License-Identifier: MIT */
/* addrindex.c - runs of address rules as interval tables (addrindex.h).
 *
 * CIDR blocks are nested or disjoint, never partly overlapping.  So the
 * table of a run comes from one sweep over its blocks sorted by start (the
 * larger first at equal starts): a stack holds the blocks that contain the
 * current point, each with the earliest rule among itself and the blocks
 * around it; a block opening or closing starts a new interval.  Both
 * families go through the same 128-bit arithmetic (IPv4 in the low half).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addrindex.h"

struct u128 {
	uint64_t hi, lo;
};

struct block {
	struct u128 start, end;		/* inclusive */
	int32_t rule;
};

struct open_block {
	struct u128 end;
	int32_t rule;			/* earliest rule covering the block */
};

struct seg {
	struct u128 start;
	int32_t rule;
};

static int cmp128(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return (a.lo > b.lo) - (a.lo < b.lo);
}

static uint64_t load_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The block A as 128-bit numbers: IPv4 in the low 32 bits. */
static struct block block_of(const struct rule_addr *a, int32_t rule)
{
	struct block b = { .rule = rule };
	int host = (a->family == AF_INET ? 32 : 128) - a->prefix;

	if (a->family == AF_INET) {
		b.start.lo = load_be(a->ip, 4);
	} else {
		b.start.hi = load_be(a->ip, 8);
		b.start.lo = load_be(a->ip + 8, 8);
	}
	b.end = b.start;
	if (host >= 64) {
		b.end.lo = ~0ull;
		b.end.hi |= host >= 128 ? ~0ull : (1ull << (host - 64)) - 1;
	} else if (host > 0) {
		b.end.lo |= (1ull << host) - 1;
	}
	return b;
}

static int by_start(const void *x, const void *y)
{
	const struct block *a = x, *b = y;
	int c = cmp128(a->start, b->start);

	if (!c)
		c = -cmp128(a->end, b->end);	/* the enclosing block first */
	if (!c)
		c = (a->rule > b->rule) - (a->rule < b->rule);
	return c;
}

/* Start an interval at S decided by RULE, merging with its neighbours. */
static void emit(struct seg *out, size_t *n, struct u128 s, int32_t rule)
{
	if (*n && !cmp128(out[*n - 1].start, s)) {
		out[*n - 1].rule = rule;
		if (*n >= 2 && out[*n - 2].rule == rule)
			(*n)--;
		return;
	}
	if (*n && out[*n - 1].rule == rule)
		return;
	out[(*n)++] = (struct seg){ s, rule };
}

/* Close the innermost open block: the point after its end (if there is one
 * in the address space) belongs to the blocks around it. */
static void close_top(struct seg *out, size_t *n, struct open_block *stack, size_t *sp,
		      struct u128 max)
{
	struct u128 next = stack[--*sp].end;

	if (!cmp128(next, max))
		return;
	if (!++next.lo)
		next.hi++;
	emit(out, n, next, *sp ? stack[*sp - 1].rule : -1);
}

/* The intervals of the N blocks B (sorted here) into OUT (room for 2N+1). */
static size_t sweep(struct block *b, size_t n, struct u128 max, struct seg *out,
		    struct open_block *stack)
{
	size_t n_out = 0, sp = 0;

	qsort(b, n, sizeof(*b), by_start);
	emit(out, &n_out, (struct u128){ 0, 0 }, -1);
	for (size_t i = 0; i < n; i++) {
		int32_t rule = b[i].rule;

		while (sp && cmp128(stack[sp - 1].end, b[i].start) < 0)
			close_top(out, &n_out, stack, &sp, max);
		if (sp && stack[sp - 1].rule < rule)
			rule = stack[sp - 1].rule;
		emit(out, &n_out, b[i].start, rule);
		stack[sp++] = (struct open_block){ b[i].end, rule };
	}
	while (sp)
		close_top(out, &n_out, stack, &sp, max);
	return n_out;
}

static bool indexable(const struct policy_rule *r)
{
	if (!r->n_addrs || r->n_families || r->n_types || r->n_protocols || r->n_hows ||
	    r->n_exes || r->n_ports || r->n_hosts)
		return false;
	for (size_t i = 0; i < r->n_addrs; i++)
		if (r->addrs[i].kind != RULE_ADDR_INET)
			return false;
	return true;
}

/* The tables of RUN, rules [RUN->first, RUN->end) of RULES. */
static int build_run(const struct policy_rule *rules, struct addr_run *run,
		     struct policy_mem **mem)
{
	static const struct u128 max4 = { 0, 0xffffffffull }, max6 = { ~0ull, ~0ull };
	size_t n4 = 0, n6 = 0, total = 0, k;
	struct block *b4 = NULL, *b6;
	struct open_block *stack = NULL;
	struct seg *seg = NULL;
	struct addr_seg4 *v4;
	struct addr_seg6 *v6;
	int rc = -ENOMEM;

	for (size_t i = run->first; i < run->end; i++)
		total += rules[i].n_addrs;
	b4 = malloc(total * sizeof(*b4));
	stack = malloc((total + 1) * sizeof(*stack));
	seg = malloc((2 * total + 1) * sizeof(*seg));
	if (!b4 || !stack || !seg)
		goto out;
	/* v4 blocks from the front, v6 from the back of one array. */
	b6 = b4 + total;
	for (size_t i = run->first; i < run->end; i++) {
		for (size_t j = 0; j < rules[i].n_addrs; j++) {
			const struct rule_addr *a = &rules[i].addrs[j];

			if (a->family == AF_INET)
				b4[n4++] = block_of(a, (int32_t)i);
			else
				b6[-(ptrdiff_t)++n6] = block_of(a, (int32_t)i);
		}
	}
	b6 -= n6;
	k = sweep(b4, n4, max4, seg, stack);
	v4 = policy_mem_alloc(mem, k * sizeof(*v4));
	if (!v4)
		goto out;
	for (size_t i = 0; i < k; i++)
		v4[i] = (struct addr_seg4){ (uint32_t)seg[i].start.lo, seg[i].rule };
	run->v4 = v4;
	run->n_v4 = k;
	k = sweep(b6, n6, max6, seg, stack);
	v6 = policy_mem_alloc(mem, k * sizeof(*v6));
	if (!v6)
		goto out;
	for (size_t i = 0; i < k; i++)
		v6[i] = (struct addr_seg6){ seg[i].start.hi, seg[i].start.lo, seg[i].rule };
	run->v6 = v6;
	run->n_v6 = k;
	rc = 0;
out:
	free(b4);
	free(stack);
	free(seg);
	return rc;
}

int addrindex_build(struct policy *p, struct policy_mem **mem)
{
	struct addr_run *runs = NULL;
	size_t n_runs = 0, cap = 0, i = 0;
	int rc = 0;

	while (i < p->n_rules) {
		size_t end = i;

		while (end < p->n_rules && indexable(&p->rules[end]) &&
		       p->rules[end].events == p->rules[i].events)
			end++;
		if (end - i < ADDR_RUN_MIN) {
			i = end > i ? end : i + 1;
			continue;
		}
		if (n_runs == cap) {
			struct addr_run *r;

			cap = cap ? 2 * cap : 4;
			r = realloc(runs, cap * sizeof(*r));
			if (!r) {
				rc = -ENOMEM;
				goto out;
			}
			runs = r;
		}
		runs[n_runs] = (struct addr_run){ .first = i, .end = end,
						  .events = p->rules[i].events };
		if ((rc = build_run(p->rules, &runs[n_runs], mem)))
			goto out;
		n_runs++;
		i = end;
	}
	if (n_runs) {
		struct addr_run *kept = policy_mem_alloc(mem, n_runs * sizeof(*kept));

		if (!kept) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(kept, runs, n_runs * sizeof(*kept));
		p->addr_runs = kept;
		p->n_addr_runs = n_runs;
	}
out:
	free(runs);
	return rc;
}

/* The rule of the interval holding X in the N intervals at V4. */
static int32_t look4(const struct addr_seg4 *v, size_t n, uint32_t x)
{
	size_t lo = 0, hi = n;		/* v[lo].start <= x < v[hi].start */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].start <= x)
			lo = mid;
		else
			hi = mid;
	}
	return v[lo].rule;
}

static int32_t look6(const struct addr_seg6 *v, size_t n, uint64_t xh, uint64_t xl)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].hi < xh || (v[mid].hi == xh && v[mid].lo <= xl))
			lo = mid;
		else
			hi = mid;
	}
	return v[lo].rule;
}

int addrindex_lookup(const struct addr_run *run, const struct policy_call *call)
{
	int32_t r6, r4;

	if (!call->has_addr)
		return -1;
	if (call->addr_family == AF_INET)
		return look4(run->v4, run->n_v4, (uint32_t)load_be(call->ip, 4));
	if (call->addr_family != AF_INET6)
		return -1;
	r6 = look6(run->v6, run->n_v6, load_be(call->ip, 8), load_be(call->ip + 8, 8));
	/* An AF_INET block also holds the IPv4-mapped address (rules.h). */
	if (!rule_ip_v4_mapped(call->ip))
		return r6;
	r4 = look4(run->v4, run->n_v4, (uint32_t)load_be(call->ip + 12, 4));
	if (r4 < 0 || (r6 >= 0 && r6 < r4))
		return r6;
	return r4;
}
