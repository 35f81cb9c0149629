/* SPDX-License-Identifier: MIT */
/* addrindex.h - runs of address rules as interval tables (private to policy/).
 *
 * A policy may list thousands of CIDR blocks (a learned allow list, a block
 * list).  Consecutive rules that constrain nothing but their events and
 * inet addresses, with the same events, form a run; for each run the parser
 * builds a sorted table of address intervals, each naming the earliest rule
 * of the run whose blocks cover it.  The matcher then decides a whole run
 * with one binary search (two for an IPv4-mapped IPv6 address) instead of
 * a scan, and first-match order is kept: the rules before and after a run
 * are tried as before, and inside it the earliest covering rule wins.
 */
#ifndef SOCKAUDIT_ADDRINDEX_H
#define SOCKAUDIT_ADDRINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/* Intervals: each starts at START and ends where the next one starts;
 * RULE is the index of the deciding rule in the policy, -1 for none.  The
 * first interval starts at address 0. */
struct addr_seg4 {
	uint32_t start;		/* host order */
	int32_t rule;
};

struct addr_seg6 {
	uint64_t hi, lo;	/* host order, the address's two halves */
	int32_t rule;
};

struct addr_run {
	size_t first, end;	/* the run is rules [first, end) */
	unsigned events;	/* the events of every rule of the run */
	const struct addr_seg4 *v4;
	size_t n_v4;
	const struct addr_seg6 *v6;
	size_t n_v6;
};

/* Runs shorter than this are scanned: a few rules cost less than a search. */
#define ADDR_RUN_MIN 8

/* Allocate from the parser's arena (parse.c); NULL when out of memory. */
void *policy_mem_alloc(struct policy_mem **mem, size_t size);

/* Find the runs of P's rules and build their tables in MEM, into
 * P->addr_runs.  Returns 0 or -ENOMEM (P then has no runs, which only
 * costs speed). */
int addrindex_build(struct policy *p, struct policy_mem **mem);

/* The first rule of RUN that matches CALL, or -1; CALL's event must be
 * one of RUN->events.  Async-signal-safe, allocates nothing. */
int addrindex_lookup(const struct addr_run *run, const struct policy_call *call);

#endif
