/* SPDX-License-Identifier: MIT */
/* seccomp.c - a policy compiled into a libseccomp filter.
 *
 * The policy is first-match; libseccomp is not: it merges every rule of a
 * syscall into one decision tree and promises no order between overlapping
 * rules with different actions, and it allows one comparison per argument
 * in a rule.  So the filter is built from regions that never overlap:
 *
 *  1. Each argument the filter reads (family, base type, protocol, how) is
 *     cut into classes: every value some rule tells apart (plus the values
 *     the matcher treats specially: family -1, the families and types with
 *     a default protocol, the families of a protocol table, protocol 0), and
 *     one class for every other value.
 *  2. For each combination of classes, policy_match() decides a
 *     representative call.  The one matcher decides; nothing here knows
 *     what a rule means.
 *  3. Classes whose decisions agree are merged, and each merged set is
 *     written as a few disjoint masked comparisons of the argument's low 32
 *     bits ((arg & mask) == value: prefix blocks of a binary trie), one
 *     argument after the other.  Only non-allow regions become rules; the
 *     filter's default (allow) covers the rest.
 *
 * Masked comparisons of the low 32 bits are used everywhere because the
 * kernel reads these int arguments from the low half of the register: a
 * program that puts garbage in the upper half gets the decision for the int
 * the kernel uses, exactly as the matcher would give it.  (libseccomp's
 * ordered comparisons, and NE, look at all 64 bits: never used on them.)
 *
 * With a supervisor, unmarked and marked calls are two functions emitted
 * separately, each rule carrying a comparison of argument 6 with the
 * marker.  The i386 ABI gets the same regions for its direct calls, and one
 * action per socketcall(2) operation, see sc_fill_i386().
 * tests/unit/test_seccomp_grid.c runs the result against policy_match(),
 * natively and through int 0x80.
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/net.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calls.h"
#include "layers.h"
#include "names.h"
#include "rules.h"
#include "filter.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The kernel refuses filters longer than this (BPF_MAXINSNS). */
#define SC_MAX_INSNS 4096
/* Every rule costs several instructions, so more rules than this cannot fit;
 * stopping early also spares libseccomp, whose rule insertion slows down
 * with the square of the rules. */
#define SC_MAX_RULES 1024

enum sc_dim_id { SC_FAMILY, SC_TYPE, SC_PROTOCOL, SC_HOW, SC_NDIMS };

/* One argument the filter reads, cut into classes. */
struct sc_dim {
	uint32_t care;		/* bits that decide: flags are not part of a type */
	uint32_t *vals;		/* sorted; class i < n is vals[i] */
	size_t n;		/* class n: every other value */
	uint32_t other;		/* a representative of class n */
	/* Class n + 1: every negative value.  The matcher takes any negative
	 * family for an unknown socket, so they all decide alike; vals then
	 * holds no negative value. */
	bool negative;
};

#define SC_SIGN 0x80000000u

/* What the filter does with a call: unmarked, and carrying the marker. */
struct sc_pair {
	uint32_t plain, marked;
};

/* One syscall the filter decides. */
struct sc_call {
	const char *name;
	enum policy_event event;
	size_t n_known;			/* dims read from registers */
	enum sc_dim_id known[3];
	unsigned arg[3];		/* ... and their registers */
	/* family, type and protocol are those of the descriptor passed:
	 * the filter cannot read them. */
	bool facts_unknown;
	/* When those facts would decide: allow (accept: the listening socket
	 * passed the same socket.__new__ rules when it was created) rather
	 * than the strictest possible decision. */
	bool lenient;
};

/* The sc_call of a row of the intercepted calls' table: the dims the
 * filter can read are the register arguments the row names. */
static void sc_call_of(const struct calls_row *r, struct sc_call *sc)
{
	const struct {
		int arg;
		enum sc_dim_id dim;
	} cols[] = {
		{ r->arg_family, SC_FAMILY }, { r->arg_type, SC_TYPE },
		{ r->arg_protocol, SC_PROTOCOL }, { r->arg_how, SC_HOW },
	};

	memset(sc, 0, sizeof(*sc));
	sc->name = r->name;
	sc->event = r->event;
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++)
		if (cols[i].arg >= 0 && sc->n_known < ARRAY_SIZE(sc->known)) {
			sc->known[sc->n_known] = cols[i].dim;
			sc->arg[sc->n_known++] = (unsigned)cols[i].arg;
		}
	sc->facts_unknown = r->arg_fd >= 0;
	sc->lenient = calls_is_accept(r);
}

/* Calls io_uring offers to create sockets without any socket syscall. */
static const char *const sc_uring_calls[] = {
	"io_uring_setup", "io_uring_enter", "io_uring_register",
};

/* With a marker, unmarked and marked calls get their own rules: each half
 * tells fewer classes apart than the pair would (the unmarked half is mostly
 * "notify", the marked half mostly "allow"), so each needs fewer regions. */
enum sc_part { SC_BOTH, SC_PLAIN, SC_MARKED };

struct sc_build {
	const struct policy *p;
	const struct policy_seccomp_opts *o;
	enum policy_mode mode;
	bool notify;			/* for the architecture being emitted */
	uint64_t marker;		/* ditto: o->marker, or 0 (i386) */
	struct sc_dim dims[SC_NDIMS];
	/* The rules with what the filter cannot see dropped: exe globs,
	 * addresses, ports, hosts (see sc_possible). */
	struct policy_rule *noexe;
	bool has_blind;			/* some rule constrains one of those */

	/* the syscall being emitted */
	const struct sc_call *call;
	struct sc_pair *table;		/* by class, known dims in call order */
	enum sc_part part;		/* which calls the rules being emitted are for */
	size_t ncls[3], stride[3];
	scmp_filter_ctx ctx;
	int nr;
	bool dry;			/* count rules, add nothing */
	bool i386;			/* the direct i386 calls, see sc_add_rule() */
	bool i386_whole;		/* ... one action each, see sc_emit_whole() */
	uint32_t socketcall_action[CALLS_COUNT];	/* ... by calls_id */
	size_t call_id;			/* the current call's, in calls_table */
	size_t rules;
	size_t total_rules;		/* over every syscall and architecture */
	struct scmp_arg_cmp cmp[4];
	size_t ncmp;
	/* policy_seccomp_bpf: the program the size check exported, kept
	 * (malloc'd) rather than exported again; else NULL */
	bool keep_bpf;
	struct sock_filter *bpf;
	size_t bpf_len;
};

/* --- classes --------------------------------------------------------- */

static int sc_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int sc_dim_add(struct sc_dim *d, int value)
{
	uint32_t *v;

	v = realloc(d->vals, (d->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->vals = v;
	d->vals[d->n++] = (uint32_t)value & d->care;
	return 0;
}

static int sc_dim_add_list(struct sc_dim *d, const int *values, size_t n)
{
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++)
		ret = sc_dim_add(d, values[i]);
	return ret;
}

static bool sc_dim_has(const struct sc_dim *d, uint32_t v)
{
	if (!d->n)
		return false;
	return bsearch(&v, d->vals, d->n, sizeof(v), sc_cmp_u32) != NULL;
}

/* Sort, drop duplicates, pick a representative for "every other value". */
static void sc_dim_finish(struct sc_dim *d)
{
	size_t n = 0;
	uint32_t v;

	if (d->n)
		qsort(d->vals, d->n, sizeof(*d->vals), sc_cmp_u32);
	for (size_t i = 0; i < d->n; i++)
		if ((!n || d->vals[n - 1] != d->vals[i]) &&
		    !(d->negative && (d->vals[i] & SC_SIGN)))
			d->vals[n++] = d->vals[i];
	d->n = n;
	/* Any value outside vals decides like every other: the matcher only
	 * compares with the values collected here.  A number no table
	 * names keeps the representative honest. */
	for (v = 0x5a17; sc_dim_has(d, v & d->care); v++)
		;
	d->other = v & d->care;
}

static size_t sc_dim_classes(const struct sc_dim *d)
{
	return d->n + 1 + d->negative;
}

static uint32_t sc_dim_value(const struct sc_dim *d, size_t cls)
{
	if (cls > d->n)
		return 0xffffffffu;	/* -1, the negative class */
	return cls < d->n ? d->vals[cls] : d->other;
}

/* Does R look at a fact no register holds: the exe, or (address events)
 * the address, the port, the host?  Such a rule may or may not match
 * whatever the registers say. */
static bool sc_rule_blind(const struct policy_rule *r)
{
	return r->n_exes || r->n_addrs || r->n_ports || r->n_hosts;
}

static int sc_collect(struct sc_build *b)
{
	const struct names_protocol_table *pt;
	const struct names_entry *fam, *typ;
	size_t npt, nfam, ntyp, nrules;
	const struct policy_rule *rules = policy_rules(b->p, &nrules);
	int ret = 0;

	b->dims[SC_FAMILY].care = 0xffffffffu;
	b->dims[SC_TYPE].care = (uint32_t)~NAMES_TYPE_FLAGS;
	b->dims[SC_PROTOCOL].care = 0xffffffffu;
	b->dims[SC_HOW].care = 0xffffffffu;

	/* The matcher's own distinctions: a negative family is an unknown
	 * socket, and protocol 0 becomes a family's default for some types. */
	b->dims[SC_FAMILY].negative = true;
	ret = sc_dim_add(&b->dims[SC_PROTOCOL], 0);
	fam = names_table_entries(NAMES_FAMILY, &nfam);
	typ = names_table_entries(NAMES_TYPE, &ntyp);
	for (size_t i = 0; i < nfam && !ret; i++)
		for (size_t j = 0; j < ntyp && !ret; j++)
			if (names_effective_protocol(fam[i].value, typ[j].value, 0)) {
				ret = sc_dim_add(&b->dims[SC_FAMILY], fam[i].value);
				if (!ret)
					ret = sc_dim_add(&b->dims[SC_TYPE], typ[j].value);
			}

	pt = names_protocol_tables(&npt);
	for (size_t i = 0; i < nrules && !ret; i++) {
		const struct policy_rule *r = &rules[i];

		ret = sc_dim_add_list(&b->dims[SC_FAMILY], r->families, r->n_families);
		if (!ret)
			ret = sc_dim_add_list(&b->dims[SC_TYPE], r->types, r->n_types);
		if (!ret)
			ret = sc_dim_add_list(&b->dims[SC_HOW], r->hows, r->n_hows);
		for (size_t k = 0; k < r->n_protocols && !ret; k++) {
			const struct rule_protocol *rp = &r->protocols[k];

			ret = sc_dim_add(&b->dims[SC_PROTOCOL], rp->value);
			if (rp->table < 0 || (size_t)rp->table >= npt)
				continue;
			for (const int *f = pt[rp->table].families; *f != -1 && !ret; f++)
				ret = sc_dim_add(&b->dims[SC_FAMILY], *f);
		}
		if (sc_rule_blind(r))
			b->has_blind = true;
	}
	if (ret)
		return ret;
	for (int d = 0; d < SC_NDIMS; d++)
		sc_dim_finish(&b->dims[d]);

	b->noexe = calloc(nrules ? nrules : 1, sizeof(*b->noexe));
	if (!b->noexe)
		return -ENOMEM;
	for (size_t i = 0; i < nrules; i++) {
		b->noexe[i] = rules[i];
		b->noexe[i].exes = NULL;
		b->noexe[i].n_exes = 0;
		b->noexe[i].addrs = NULL;
		b->noexe[i].n_addrs = 0;
		b->noexe[i].ports = NULL;
		b->noexe[i].n_ports = 0;
		b->noexe[i].hosts = NULL;
		b->noexe[i].n_hosts = 0;
	}
	return 0;
}

/* --- decisions ------------------------------------------------------- */

/* The kernel's part of decision D. */
static uint32_t sc_kernel_action(const struct sc_build *b, const struct policy_decision *d)
{
	int err;

	if (b->mode == POLICY_AUDIT)
		return SCMP_ACT_ALLOW;
	switch (d->action) {
	case POLICY_DENY:
		err = b->o->force_errno ? b->o->force_errno : d->err;
		/* The kernel caps a filter's errno at MAX_ERRNO. */
		if (err <= 0 || err > 4095)
			err = EACCES;
		return SCMP_ACT_ERRNO((uint16_t)err);
	case POLICY_KILL:
		if (b->o->kill_errno > 0 && b->o->kill_errno <= 4095)
			return SCMP_ACT_ERRNO((uint16_t)b->o->kill_errno);
		return SCMP_ACT_KILL_PROCESS;
	case POLICY_ALLOW:
		break;
	}
	return SCMP_ACT_ALLOW;
}

static struct sc_pair sc_pair_of(const struct sc_build *b, const struct policy_decision *d)
{
	uint32_t kern = sc_kernel_action(b, d);
	struct sc_pair pr = { kern, kern };

	if (!b->notify)
		return pr;
	/* The supervisor logs what must be logged, and in audit mode every
	 * would-be denial; a marked call was logged by the shim already. */
	if (d->log || (b->mode == POLICY_AUDIT && d->action != POLICY_ALLOW))
		pr.plain = SCMP_ACT_NOTIFY;
	/* No marker: no call is marked (a zero register is no proof). */
	if (!b->marker)
		pr.marked = pr.plain;
	return pr;
}

static int sc_strictness(const struct sc_build *b, uint32_t action)
{
	if (action == SCMP_ACT_KILL_PROCESS ||
	    (b->o->kill_errno && action == SCMP_ACT_ERRNO((uint16_t)b->o->kill_errno)))
		return 2;
	return action == SCMP_ACT_ALLOW ? 0 : 1;
}

/* Everything that could decide CALL when its exe (and, for an address
 * event, its address) is unknown, in rule order: the rules with an exe glob
 * or an address or port that match on every other fact, then what the
 * matcher decides for a call whose exe matches no glob and that has no
 * address (CALL is zeroed there: has_addr false matches no rule that
 * constrains address or port). */
struct sc_verdicts {
	bool any;
	bool same;		/* every possibility gives first's pair */
	bool kern_same;		/* ... and the kernel action of the first */
	struct sc_pair first;
	uint32_t kern_first;
	uint32_t strict, lenient;	/* kernel actions, see sc_call */
	int strict_rule, lenient_rule;	/* rule index deciding them */
};

static void sc_verdict_add(const struct sc_build *b, struct sc_verdicts *v,
			   const struct policy_decision *d)
{
	struct sc_pair pr = sc_pair_of(b, d);
	uint32_t kern = sc_kernel_action(b, d);
	int rule = d->rule < 0 ? (int)b->p->n_rules : d->rule;

	if (!v->any) {
		v->any = v->same = v->kern_same = true;
		v->first = pr;
		v->kern_first = kern;
		v->strict = v->lenient = kern;
		v->strict_rule = v->lenient_rule = rule;
		return;
	}
	if (pr.plain != v->first.plain || pr.marked != v->first.marked)
		v->same = false;
	if (kern != v->kern_first)
		v->kern_same = false;
	/* Among equally strict actions, the earliest rule's errno wins. */
	if (sc_strictness(b, kern) > sc_strictness(b, v->strict) ||
	    (sc_strictness(b, kern) == sc_strictness(b, v->strict) && rule < v->strict_rule)) {
		v->strict = kern;
		v->strict_rule = rule;
	}
	if (sc_strictness(b, kern) < sc_strictness(b, v->lenient) ||
	    (sc_strictness(b, kern) == sc_strictness(b, v->lenient) && rule < v->lenient_rule)) {
		v->lenient = kern;
		v->lenient_rule = rule;
	}
}

static void sc_possible(const struct sc_build *b, const struct policy_call *call,
			struct sc_verdicts *v)
{
	struct policy_decision d;
	size_t n;
	const struct policy_rule *rules = policy_rules(b->p, &n);

	policy_match(b->p, call, &d);
	if (b->has_blind) {
		size_t end = d.rule < 0 ? n : (size_t)d.rule;

		for (size_t i = 0; i < end; i++) {
			struct policy_decision e = {
				.action = rules[i].action, .err = rules[i].err,
				.log = rules[i].log, .rule = (int)i,
				.rule_id = rules[i].label,
			};

			if (sc_rule_blind(&rules[i]) && rule_matches(&b->noexe[i], call))
				sc_verdict_add(b, v, &e);
		}
	}
	sc_verdict_add(b, v, &d);
}

/* Add to V every decision the current syscall could get with its known dims
 * set to the classes CLS. */
static void sc_cell(const struct sc_build *b, const size_t *cls, struct sc_verdicts *v)
{
	const struct sc_call *sc = b->call;
	struct policy_call call = { .event = sc->event, .exe = NULL };
	const struct sc_dim *df = &b->dims[SC_FAMILY], *dt = &b->dims[SC_TYPE],
			    *dp = &b->dims[SC_PROTOCOL];

	for (size_t i = 0; i < sc->n_known; i++) {
		int val = (int)sc_dim_value(&b->dims[sc->known[i]], cls[i]);

		switch (sc->known[i]) {
		case SC_FAMILY: call.family = val; break;
		case SC_TYPE: call.type = val; break;
		case SC_PROTOCOL: call.protocol = val; break;
		case SC_HOW: call.how = val; break;
		case SC_NDIMS: break;
		}
	}
	if (!sc->facts_unknown) {
		sc_possible(b, &call, v);
	} else {
		/* Every socket the descriptor could be, and a descriptor the
		 * layers cannot inspect (family -1, among the family classes). */
		for (size_t f = 0; f < sc_dim_classes(df); f++)
			for (size_t t = 0; t < sc_dim_classes(dt); t++)
				for (size_t p = 0; p < sc_dim_classes(dp); p++) {
					call.family = (int)sc_dim_value(df, f);
					call.type = (int)sc_dim_value(dt, t);
					call.protocol = (int)sc_dim_value(dp, p);
					sc_possible(b, &call, v);
				}
	}
}

/* The filter's pair for the current syscall with its known dims set to the
 * classes CLS. */
static struct sc_pair sc_decide(const struct sc_build *b, const size_t *cls)
{
	struct sc_verdicts v = { 0 };
	struct sc_pair pr;

	/* An address event is one cell whatever the policy's size: exact. */
	if (b->notify && b->o->notify_all && !policy_event_has_address(b->call->event))
		return (struct sc_pair){ SCMP_ACT_NOTIFY, SCMP_ACT_NOTIFY };
	sc_cell(b, cls, &v);
	if (v.same)
		return v.first;
	/* The filter cannot tell which of several decisions applies. */
	if (b->notify) {
		pr.plain = SCMP_ACT_NOTIFY;
		pr.marked = b->marker ? SCMP_ACT_ALLOW : SCMP_ACT_NOTIFY;
	} else {
		pr.plain = pr.marked = b->call->lenient ? v.lenient : v.strict;
	}
	return pr;
}

/* --- regions --------------------------------------------------------- */

static int sc_errno(int ret)
{
	return ret > 0 ? -ret : ret;
}

static uint32_t sc_part_action(const struct sc_build *b, const struct sc_pair *pr)
{
	return b->part == SC_MARKED ? pr->marked : pr->plain;
}

static size_t sc_index(const struct sc_build *b, const size_t *cls)
{
	size_t idx = 0;

	for (size_t i = 0; i < b->call->n_known; i++)
		idx += cls[i] * b->stride[i];
	return idx;
}

/* True when classes C1 and C2 of dim ORDER[LEVEL] decide the same for every
 * combination of the dims after it (the dims before it fixed in FIX). */
static bool sc_same_sub(const struct sc_build *b, const size_t *order, size_t level,
			const size_t *fix, size_t c1, size_t c2)
{
	size_t n = b->call->n_known, cls1[3], cls2[3];

	memcpy(cls1, fix, sizeof(cls1));
	memcpy(cls2, fix, sizeof(cls2));
	cls1[order[level]] = c1;
	cls2[order[level]] = c2;
	for (size_t i = level + 1; i < n; i++)
		cls1[order[i]] = cls2[order[i]] = 0;
	for (;;) {
		const struct sc_pair *a = &b->table[sc_index(b, cls1)],
				     *z = &b->table[sc_index(b, cls2)];
		size_t i;

		if (sc_part_action(b, a) != sc_part_action(b, z))
			return false;
		for (i = n; i > level + 1; i--) {
			size_t d = order[i - 1];

			if (++cls1[d] < b->ncls[d]) {
				cls2[d] = cls1[d];
				break;
			}
			cls1[d] = cls2[d] = 0;
		}
		if (i == level + 1)
			return true;
	}
}

struct sc_block {
	uint32_t mask, value;
};

static int sc_block_add(struct sc_block **out, size_t *n, size_t *cap,
			uint32_t mask, uint32_t value)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct sc_block *nb = realloc(*out, ncap * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		*out = nb;
		*cap = ncap;
	}
	(*out)[(*n)++] = (struct sc_block){ mask, value };
	return 0;
}

/* Cover exactly the values of dim D whose class is marked in MEMBER with
 * disjoint blocks (x & mask) == value: walk the binary trie of the care
 * bits, stop where a subtree is uniform. */
static int sc_cover(const struct sc_dim *d, const bool *member, uint32_t mask,
		    uint32_t value, struct sc_block **out, size_t *n, size_t *cap)
{
	bool uniform = true, in = member[d->n];
	uint32_t bit;
	int ret;

	if (d->negative && !mask) {	/* the sign bit splits first */
		ret = sc_cover(d, member, SC_SIGN, 0, out, n, cap);
		if (!ret && member[d->n + 1])
			ret = sc_block_add(out, n, cap, SC_SIGN, SC_SIGN);
		return ret;
	}
	for (size_t i = 0; i < d->n; i++)
		if ((d->vals[i] & mask) == value && member[i] != member[d->n]) {
			uniform = false;
			in = member[i];
			break;
		}
	/* The subtree holds one value when every care bit is fixed. */
	if (mask == d->care) {
		for (size_t i = 0; i < d->n; i++)
			if (d->vals[i] == value)
				in = member[i];
		uniform = true;
	}
	if (uniform)
		return in ? sc_block_add(out, n, cap, mask, value) : 0;
	/* The highest care bit not yet fixed. */
	bit = 0x80000000u;
	while (!(bit & d->care & ~mask))
		bit >>= 1;
	ret = sc_cover(d, member, mask | bit, value, out, n, cap);
	if (!ret)
		ret = sc_cover(d, member, mask | bit, value | bit, out, n, cap);
	return ret;
}

static int sc_add_rule(struct sc_build *b, uint32_t action)
{
	bool tail;
	int ret;

	b->rules++;
	if (b->dry)
		return 0;
	if (!b->i386) {
		ret = seccomp_rule_add_exact_array(b->ctx, action, b->nr,
						   (unsigned)b->ncmp, b->cmp);
		return sc_errno(ret);
	}
	/* A direct i386 socket call: libseccomp 2.5.4 adds the rule twice,
	 * as given for the direct syscall, and as a socketcall rule with
	 * argument 0 replaced by the operation (and _exact refuses it).  The
	 * socketcall copy compares the wrong arguments, but sc_fill_i386()
	 * put a rule "a0 == operation" on socketcall first, and libseccomp
	 * drops a rule that extends an existing shorter one.  So the copy
	 * must be longer than a0 alone unless its action is that rule's: an
	 * always-true comparison of argument 5 (which no socket call reads)
	 * makes it so.  (a5 >= 0: libseccomp drops a mask of 0; i386
	 * arguments are 32 bits, so an ordered comparison sees exactly what
	 * the kernel uses.) */
	tail = action != b->socketcall_action[b->call_id];
	for (size_t i = 0; i < b->ncmp; i++)
		if (b->cmp[i].arg > 0)
			tail = false;
	if (tail)
		b->cmp[b->ncmp++] = SCMP_CMP64(5, SCMP_CMP_GE, 0);
	ret = seccomp_rule_add_array(b->ctx, action, b->nr, (unsigned)b->ncmp, b->cmp);
	if (tail)
		b->ncmp--;
	return sc_errno(ret);
}

static int sc_emit_leaf(struct sc_build *b, struct sc_pair pr)
{
	uint32_t action = sc_part_action(b, &pr);
	int ret;

	if (action == SCMP_ACT_ALLOW)
		return 0;
	if (b->part == SC_BOTH)
		return sc_add_rule(b, action);
	b->cmp[b->ncmp++] = SCMP_CMP64(LAYERS_MARKER_ARG,
				       b->part == SC_MARKED ? SCMP_CMP_EQ : SCMP_CMP_NE,
				       b->marker);
	ret = sc_add_rule(b, action);
	b->ncmp--;
	return ret;
}

static int sc_emit_level(struct sc_build *b, const size_t *order, size_t level, size_t *fix)
{
	size_t d, nc, *group = NULL, nblocks, cap;
	struct sc_block *blocks = NULL;
	bool *member = NULL;
	const struct sc_dim *dim;
	int ret = 0;

	if (level == b->call->n_known)
		return sc_emit_leaf(b, b->table[sc_index(b, fix)]);
	d = order[level];
	nc = b->ncls[d];
	dim = &b->dims[b->call->known[d]];
	group = malloc(nc * sizeof(*group));
	member = malloc(nc * sizeof(*member));
	if (!group || !member) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t c = 0; c < nc; c++)
		group[c] = nc;
	for (size_t c = 0; c < nc; c++) {
		if (group[c] != nc)
			continue;
		group[c] = c;
		for (size_t c2 = c + 1; c2 < nc; c2++)
			if (group[c2] == nc && sc_same_sub(b, order, level, fix, c, c2))
				group[c2] = c;
	}
	for (size_t g = 0; g < nc && !ret; g++) {
		bool all = true;

		if (group[g] != g)
			continue;
		for (size_t c = 0; c < nc; c++) {
			member[c] = group[c] == g;
			all = all && member[c];
		}
		fix[d] = g;
		if (all) {	/* this argument does not matter here */
			ret = sc_emit_level(b, order, level + 1, fix);
			break;
		}
		nblocks = cap = 0;
		ret = sc_cover(dim, member, 0, 0, &blocks, &nblocks, &cap);
		for (size_t i = 0; i < nblocks && !ret; i++) {
			b->cmp[b->ncmp++] = SCMP_CMP64(b->call->arg[d], SCMP_CMP_MASKED_EQ,
						       (uint64_t)blocks[i].mask,
						       (uint64_t)blocks[i].value);
			ret = sc_emit_level(b, order, level + 1, fix);
			b->ncmp--;
		}
	}
out:
	free(blocks);
	free(member);
	free(group);
	return ret;
}

/* Emit the rules of B->part of the current syscall. */
static int sc_emit_part(struct sc_build *b)
{
	static const size_t orders[][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	const struct sc_call *sc = b->call;
	size_t cls[3] = { 0 }, best = 0, best_rules = SIZE_MAX, norders;
	int ret = 0;

	/* The order of the arguments changes how many regions a policy
	 * needs, not what the filter decides: take the smallest. */
	norders = sc->n_known == 3 ? ARRAY_SIZE(orders) : 1;
	for (size_t i = 0; i < norders && !ret; i++) {
		size_t order[3] = { orders[i][0], orders[i][1], orders[i][2] };

		b->dry = true;
		b->rules = 0;
		ret = sc_emit_level(b, order, 0, cls);
		if (!ret && b->rules < best_rules) {
			best_rules = b->rules;
			best = i;
		}
	}
	b->total_rules += best_rules;
	if (!ret && b->total_rules > SC_MAX_RULES)
		ret = -E2BIG;
	if (!ret) {
		size_t order[3] = { orders[best][0], orders[best][1], orders[best][2] };

		b->dry = false;
		ret = sc_emit_level(b, order, 0, cls);
	}
	return ret;
}

/* Fill B->table with the pair of every class combination of the current
 * syscall; *TOTAL: their number. */
static int sc_table(struct sc_build *b, size_t *total)
{
	const struct sc_call *sc = b->call;
	size_t cls[3] = { 0 };

	*total = 1;
	for (size_t i = sc->n_known; i-- > 0;) {
		b->stride[i] = *total;
		b->ncls[i] = sc_dim_classes(&b->dims[sc->known[i]]);
		*total *= b->ncls[i];
	}
	b->table = malloc(*total * sizeof(*b->table));
	if (!b->table)
		return -ENOMEM;
	for (size_t idx = 0; idx < *total; idx++) {
		for (size_t i = 0; i < sc->n_known; i++)
			cls[i] = idx / b->stride[i] % b->ncls[i];
		b->table[idx] = sc_decide(b, cls);
	}
	return 0;
}

/* Emit the rules of syscall B->call into B->ctx for the arch being built. */
static int sc_emit_call(struct sc_build *b)
{
	size_t total;
	bool split = false;
	int ret;

	ret = sc_table(b, &total);
	if (ret)
		return ret;
	for (size_t idx = 0; idx < total; idx++)
		if (b->table[idx].plain != b->table[idx].marked)
			split = true;
	if (!split) {
		b->part = SC_BOTH;
		ret = sc_emit_part(b);
	} else {
		b->part = SC_PLAIN;
		ret = sc_emit_part(b);
		b->part = SC_MARKED;
		if (!ret)
			ret = sc_emit_part(b);
	}
	free(b->table);
	b->table = NULL;
	return ret;
}

/* An address event (connect, bind, sendto, sendmsg, sendmmsg) of row R.
 * The filter reads neither the address (it is in the caller's memory) nor
 * the socket, so the call is one cell: every decision some socket and some
 * address could get.  When they all agree the kernel takes it (and a call
 * nothing logs never wakes the supervisor: sendmsg is hot in many
 * programs); else the supervisor decides, and without one the strictest of
 * them applies, as for shutdown.
 * sendto uses all six arguments, so it cannot carry the marker: the shim
 * makes a marked send with an address a sendmsg, and every sendto here is
 * unmarked.  A sendto without an address (dest_addr NULL) is no event: the
 * kernel allows it, always, without asking anyone.  A sendmsg without
 * msg_name is no event either, but its msghdr is in memory: the supervisor
 * lets it continue unlogged. */
static int sc_emit_address(struct sc_build *b, const struct calls_row *r)
{
	uint64_t marker = b->marker;
	int ret;

	b->ncmp = 0;
	if (r->arg_addr >= 0 && r->event == POLICY_EV_SENDTO)
		b->cmp[b->ncmp++] = SCMP_CMP64((unsigned)r->arg_addr, SCMP_CMP_NE, 0);
	if (r->arg_addr == LAYERS_MARKER_ARG || r->arg_addrlen == LAYERS_MARKER_ARG)
		b->marker = 0;
	ret = sc_emit_call(b);
	b->marker = marker;
	b->ncmp = 0;
	return ret;
}

/* --- i386 -------------------------------------------------------------- */

/* The direct i386 call B->call with one action for all its arguments, when
 * its regions do not fit beside the native ones: the action of every class
 * when they agree; otherwise the supervisor's (it decides exactly), and
 * without one POLICY_SECCOMP_I386_ERRNO in enforce mode. */
/* One action for the current call: its table built, ACTION_OF(B, TOTAL)
 * asked, the table freed.  0 with *ACTION, or -errno. */
static int sc_one_action(struct sc_build *b,
			 uint32_t (*action_of)(const struct sc_build *, size_t),
			 uint32_t *action)
{
	size_t total;
	int ret = sc_table(b, &total);

	if (ret)
		return ret;
	*action = action_of(b, total);
	free(b->table);
	b->table = NULL;
	return 0;
}

static uint32_t sc_whole_action(const struct sc_build *b, size_t total)
{
	uint32_t action = b->table[0].plain;

	for (size_t idx = 1; idx < total; idx++)
		if (b->table[idx].plain != action)
			action = b->notify ? SCMP_ACT_NOTIFY :
				 b->mode == POLICY_ENFORCE ?
				 SCMP_ACT_ERRNO(POLICY_SECCOMP_I386_ERRNO) : SCMP_ACT_ALLOW;
	return action;
}

static int sc_emit_whole(struct sc_build *b)
{
	uint32_t action;
	int ret = sc_one_action(b, sc_whole_action, &action);

	if (ret)
		return ret;
	b->ncmp = 0;
	return action == SCMP_ACT_ALLOW ? 0 : sc_add_rule(b, action);
}

/* The i386 socket calls: their socketcall(2) operation, the 32-bit words the
 * kernel reads at socketcall's pointer for it (nargs[] in net/socket.c), and
 * whether i386 has a direct syscall for it (Linux 4.3 added them; accept has
 * none). */
static const struct sc_i386_call {
	const char *name;
	int op;
	unsigned nargs;
	bool direct;
} sc_i386_calls[] = {
	{ "socket", SYS_SOCKET, 3, true },
	{ "socketpair", SYS_SOCKETPAIR, 4, true },
	{ "accept", SYS_ACCEPT, 3, false },
	{ "accept4", SYS_ACCEPT4, 4, true },
	{ "shutdown", SYS_SHUTDOWN, 2, true },
	{ "connect", SYS_CONNECT, 3, true },
	{ "bind", SYS_BIND, 3, true },
	{ "sendto", SYS_SENDTO, 6, true },
	{ "sendmsg", SYS_SENDMSG, 3, true },
	{ "sendmmsg", SYS_SENDMMSG, 4, true },
};

static const struct sc_i386_call *sc_i386_call(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sc_i386_calls); i++)
		if (!strcmp(sc_i386_calls[i].name, name))
			return &sc_i386_calls[i];
	return NULL;
}

int policy_seccomp_socketcall_op(const char *call, unsigned *nargs)
{
	const struct sc_i386_call *c = sc_i386_call(call);

	if (nargs)
		*nargs = c ? c->nargs : 0;
	return c ? c->op : 0;
}

/* What socketcall(2) does with the operation of the current call, whose
 * table is B->table.  The arguments sit in the caller's memory: the filter
 * cannot read them, and what the supervisor reads there another thread may
 * rewrite before the kernel reads it.  So in enforce mode an operation that
 * the policy decides differently for different arguments, sockets or exes is
 * refused (POLICY_SECCOMP_I386_ERRNO); one that it decides alike for all
 * gets that decision, through the supervisor when it must be logged.  In
 * audit mode every operation that would be logged goes to the supervisor. */
static uint32_t sc_socketcall_action(const struct sc_build *b, size_t total)
{
	struct sc_verdicts v = { 0 };
	bool notify = false;
	size_t cls[3] = { 0 };

	for (size_t idx = 0; idx < total; idx++) {
		for (size_t i = 0; i < b->call->n_known; i++)
			cls[i] = idx / b->stride[i] % b->ncls[i];
		sc_cell(b, cls, &v);
		notify = notify || b->table[idx].plain == SCMP_ACT_NOTIFY;
	}
	if (b->mode == POLICY_AUDIT)
		return notify ? SCMP_ACT_NOTIFY : SCMP_ACT_ALLOW;
	if (!v.kern_same)
		return SCMP_ACT_ERRNO(POLICY_SECCOMP_I386_ERRNO);
	return notify ? SCMP_ACT_NOTIFY : v.kern_first;
}

/* The socketcall rule "a0 == OP" of the current call. */
static int sc_emit_socketcall(struct sc_build *b, int op)
{
	uint32_t action;
	int ret = sc_one_action(b, sc_socketcall_action, &action);

	if (ret)
		return ret;
	b->socketcall_action[b->call_id] = action;
	if (action == SCMP_ACT_ALLOW)
		return 0;
	if (++b->total_rules > SC_MAX_RULES)
		return -E2BIG;
	return sc_errno(seccomp_rule_add_exact(b->ctx, action,
			seccomp_syscall_resolve_name("socketcall"), 1,
			SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)op)));
}

/* The i386 ABI.  The direct calls (socket 359, socketpair 360, accept4 364,
 * shutdown 373, and the address calls: connect 362, bind 361, sendto 369,
 * sendmsg 370, sendmmsg 345) carry their arguments in registers as the
 * native ones do (the supervisor reads the compat msghdr):
 * the same regions, without the marker (the shim never makes an i386 call,
 * so none is marked).  socketcall gets one rule per operation, first: the
 * direct calls' rules rely on it (sc_add_rule).  Every operation that has a
 * direct rule other than allow gets a socketcall rule other than allow, so
 * none of libseccomp's copies survives. */
static int sc_fill_i386(struct sc_build *b)
{
	const struct sc_i386_call *ic;
	struct sc_call sc;
	int ret = 0;

	for (size_t i = 0; i < CALLS_COUNT && !ret; i++) {
		ic = sc_i386_call(calls_table[i].name);
		if (!ic)
			continue;
		sc_call_of(&calls_table[i], &sc);
		b->call = &sc;
		b->call_id = i;
		ret = sc_emit_socketcall(b, ic->op);
	}
	b->i386 = true;
	for (size_t i = 0; i < CALLS_COUNT && !ret; i++) {
		ic = sc_i386_call(calls_table[i].name);
		if (!ic || !ic->direct)
			continue;
		sc_call_of(&calls_table[i], &sc);
		b->call = &sc;
		b->call_id = i;
		b->nr = seccomp_syscall_resolve_name(sc.name);
		if (calls_names_address(&calls_table[i]))
			ret = sc_emit_address(b, &calls_table[i]);
		else
			ret = b->i386_whole ? sc_emit_whole(b) : sc_emit_call(b);
	}
	b->i386 = false;
	return ret;
}

/* With a supervisor: the calls it must see to keep knowing each caller's
 * executable (see policy_seccomp_opts.notify), on every arch, so that no
 * ABI execs unseen. */
static int sc_keep_exe(scmp_filter_ctx ctx)
{
	int ret = sc_errno(seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(prctl), 1,
					    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu,
						    PR_SET_DUMPABLE)));

	if (!ret)
		ret = sc_errno(seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(execve), 0));
	if (!ret)
		ret = sc_errno(seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(execveat), 0));
	return ret;
}

/* --- architectures ----------------------------------------------------- */

/* The rules of every syscall into CTX, whose one architecture is ARCH. */
static int sc_fill(struct sc_build *b, scmp_filter_ctx ctx, uint32_t arch, bool notify)
{
	bool enforce = b->mode == POLICY_ENFORCE;
	int ret = 0;

	b->ctx = ctx;
	b->notify = notify;
	b->marker = arch == SCMP_ARCH_X86 ? 0 : b->o->marker;
	if (arch == SCMP_ARCH_X86) {
		ret = sc_fill_i386(b);
	} else {
		for (size_t i = 0; i < CALLS_COUNT && !ret; i++) {
			const struct calls_row *r = &calls_table[i];
			struct sc_call sc;

			if (!r->kernel)
				continue;
			sc_call_of(r, &sc);
			b->call = &sc;
			b->nr = seccomp_syscall_resolve_name(sc.name);
			ret = calls_names_address(r) ? sc_emit_address(b, r) : sc_emit_call(b);
		}
	}
	if (!ret && b->o->notify)
		ret = sc_keep_exe(ctx);
	if (ret || !enforce)
		return ret;

	if (!policy_io_uring_allowed(b->p))
		for (size_t i = 0; i < ARRAY_SIZE(sc_uring_calls) && !ret; i++)
			ret = sc_errno(seccomp_rule_add_exact(ctx,
				SCMP_ACT_ERRNO(POLICY_SECCOMP_IO_URING_ERRNO),
				seccomp_syscall_resolve_name(sc_uring_calls[i]), 0));
	return ret;
}

static int sc_new_ctx(const struct sc_build *b, uint32_t arch, scmp_filter_ctx *out)
{
	uint32_t badarch = b->mode == POLICY_ENFORCE ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ALLOW;
	scmp_filter_ctx ctx;
	int ret;

	*out = NULL;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	ret = sc_errno(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, badarch));
	if (!ret && arch != SCMP_ARCH_NATIVE && arch != seccomp_arch_native()) {
		ret = sc_errno(seccomp_arch_add(ctx, arch));
		if (!ret)
			ret = sc_errno(seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE));
	}
	if (ret) {
		seccomp_release(ctx);
		return ret;
	}
	*out = ctx;
	return 0;
}

/* Refuse a filter the kernel would refuse, with a clear error here rather
 * than EINVAL at load time.  With B->keep_bpf the program exported for it
 * is kept in B->bpf: exporting is the costliest step of libseccomp, and
 * `run` would otherwise do it twice (libseccomp 2.5 exports only to a
 * descriptor, hence the memfd). */
static int sc_check_size(struct sc_build *b, scmp_filter_ctx ctx)
{
	struct stat st;
	int fd, ret;

	fd = memfd_create("sockaudit-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = sc_errno(seccomp_export_bpf(ctx, fd));
	if (!ret && fstat(fd, &st) < 0)
		ret = -errno;
	if (!ret && (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter)))
		ret = -EINVAL;
	if (!ret && (size_t)st.st_size / sizeof(struct sock_filter) > SC_MAX_INSNS)
		ret = -E2BIG;
	if (!ret && b->keep_bpf) {
		free(b->bpf);
		b->bpf_len = (size_t)st.st_size / sizeof(struct sock_filter);
		b->bpf = malloc((size_t)st.st_size);
		if (!b->bpf)
			ret = -ENOMEM;
		else if (pread(fd, b->bpf, (size_t)st.st_size, 0) != st.st_size)
			ret = -EIO;
	}
	close(fd);
	return ret;
}

/* The filter of B into *OUT: native, and on x86-64 the i386 ABI too, merged
 * into one filter so that one listener serves both. */
static int sc_build_all(struct sc_build *b, scmp_filter_ctx *out)
{
	scmp_filter_ctx native = NULL, x86 = NULL;
	int ret;

	b->total_rules = 0;
	ret = sc_new_ctx(b, SCMP_ARCH_NATIVE, &native);
	if (!ret)
		ret = sc_fill(b, native, seccomp_arch_native(), b->o->notify);
	if (!ret && seccomp_arch_native() == SCMP_ARCH_X86_64) {
		ret = sc_new_ctx(b, SCMP_ARCH_X86, &x86);
		if (!ret)
			ret = sc_fill(b, x86, SCMP_ARCH_X86, b->o->notify);
		if (!ret)
			ret = sc_errno(seccomp_merge(native, x86));
		if (!ret)
			x86 = NULL;	/* merged into native */
	}
	if (!ret)
		ret = sc_check_size(b, native);
	if (!ret) {
		*out = native;
		native = NULL;
	}
	seccomp_release(x86);
	seccomp_release(native);
	return ret;
}

static int sc_build(struct sc_build *b, scmp_filter_ctx *out)
{
	int ret;

	*out = NULL;
	ret = sc_collect(b);
	if (!ret)
		ret = sc_build_all(b, out);
	/* The i386 regions double the filter: a policy whose native filter
	 * fits keeps it, with the direct i386 calls decided whole. */
	if (ret == -E2BIG && seccomp_arch_native() == SCMP_ARCH_X86_64 && !b->o->i386_exact) {
		b->i386_whole = true;
		ret = sc_build_all(b, out);
	}
	for (int d = 0; d < SC_NDIMS; d++)
		free(b->dims[d].vals);
	free(b->noexe);
	return ret;
}

int policy_seccomp_build(const struct policy *p, const struct policy_seccomp_opts *o,
			 scmp_filter_ctx *out)
{
	static const struct policy_seccomp_opts none = { 0 };
	struct sc_build b = { .p = p, .o = o ? o : &none, .mode = policy_mode(p) };
	int ret = sc_build(&b, out);

	free(b.bpf);
	return ret;
}

int policy_seccomp_bpf(const struct policy *p, const struct policy_seccomp_opts *o,
		       struct sock_fprog *prog)
{
	static const struct policy_seccomp_opts none = { 0 };
	struct sc_build b = {
		.p = p, .o = o ? o : &none, .mode = policy_mode(p), .keep_bpf = true,
	};
	scmp_filter_ctx ctx;
	int ret = sc_build(&b, &ctx);

	seccomp_release(ctx);
	if (ret) {
		free(b.bpf);
		return ret;
	}
	prog->filter = b.bpf;
	prog->len = (unsigned short)b.bpf_len;
	return 0;
}
