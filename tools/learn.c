/* SPDX-License-Identifier: MIT */
/* learn.c - `sockaudit learn`: a least-privilege policy from event logs.
 *
 * The pipeline: every event becomes a behaviour (event, family, base type,
 * effective protocol, how; with --per-exe also the executable) in a hash
 * table with its provenance; behaviours the --base policy already allows are
 * dropped; the rest are sorted and merged where the merge stays exact (a
 * rule with lists matches the cross product of its lists, so two rules merge
 * only when they differ in one field); then the policy is written by hand,
 * so that the same behaviours always give the same bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "load.h"
#include "logread.h"
#include "scan.h"
#include "names.h"
#include "policy.h"
#include "utf8.h"

#define MAX_SET 64	/* values in one list of a learned rule */

struct set {
	int v[MAX_SET];
	int n;
};

/* What an address rule names (the address events and lookups). */
enum akind {
	A_NONE,		/* socket.__new__, socket.shutdown */
	A_INET,		/* afamily, ip/prefix, port_lo..port_hi */
	A_PATH,		/* str: an AF_UNIX path ("" unnamed) */
	A_ABSTRACT,	/* str: "@" and an abstract name */
	A_FAMILY,	/* netlink and other families: the socket's family */
	A_HOST,		/* str: a lookup's host, case folded */
};

/* One learned rule: at first one behaviour, later perhaps merged. */
struct lrule {
	int exe;			/* --per-exe: the exe's index, else -1 */
	enum policy_event event;
	struct set family, type, protocol, how;	/* -1 in a set: unknown, omitted */
	enum akind akind;
	int afamily, prefix, port_lo, port_hi;
	int str;			/* index into the string table (exe_names), -1 */
	uint8_t ip[16];
	uint64_t count, denied;
	int64_t first, last;
	int *exes;			/* indexes into the exe table, sorted, unique */
	int nexes;
	bool dead;			/* merged into another */
	char id[96];
};

/* --format systemd: an address allowed (IPAddressAllow=), a port bound. */
struct sd_ip {
	int family, prefix;
	uint8_t ip[16];
};

struct sd_bind {
	int family, proto, lo, hi;	/* proto: IPPROTO_TCP, _UDP, -1 either */
};

struct learn {
	/* options */
	bool systemd;			/* --format systemd */
	bool errno_set;			/* --errno given */
	int cidr4, cidr6;		/* --cidr4, --cidr6; -1: exact */
	bool ephemeral;			/* --ephemeral */
	int eph_lo, eph_hi;
	int err;			/* default deny errno */
	const char *err_name;
	bool per_exe;
	const char *base_path;
	const char *out_path;
	char *const *files;
	int nfiles;
	char self_exe[PATH_MAX];

	/* exes: an interned table, index = id */
	char **exe_names;
	size_t nexe, exe_cap;
	int *exe_slots;
	size_t exe_slot_cap;

	/* behaviours */
	struct lrule *rules;
	size_t nrules, rules_cap;
	int *slots;			/* open addressing over rules, -1: empty */
	size_t slot_cap;

	uint64_t events, junk, skipped_self;
	uint64_t learned;		/* events that became (part of) a rule */
	/* Address events: which were seen (bits 1 << POLICY_EV_*), and those a
	 * policy cannot name. */
	unsigned addr_events;
	uint64_t skipped_malformed, skipped_nohost, skipped_unwritable;
	/* --format systemd */
	uint64_t sd_families;		/* bit per AF_* of the sockets made */
	uint64_t sd_unnamed;
	struct sd_ip *sd_ips;
	size_t nsd_ips, sd_ips_cap;
	struct sd_bind *sd_binds;
	size_t nsd_binds, sd_binds_cap;
	bool nomem;
	int failed;
	char exe[4096];
	/* The executables of events read before, by the text their lines
	 * give them (escaped, as logread_str): what each unescaped to, as its
	 * index in exe_names, and whether it is sockaudit's own (is_self()). */
	struct exe_memo {
		bool used, self;
		int exe;		/* -1 with self */
		size_t len;
		char text[128];
	} exe_memos[64];
};

/* ---- interning --------------------------------------------------------------- */

/* Eight bytes a step: a behaviour's key is hashed for every event, and a
 * multiply per byte (FNV) was most of learn's own time. */
static uint64_t hash_mem(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ h >> 29;
}

static int exe_intern(struct learn *l, const char *name)
{
	size_t n = strlen(name);

	if (2 * (l->nexe + 1) > l->exe_slot_cap) {
		size_t ncap = l->exe_slot_cap ? 2 * l->exe_slot_cap : 64;
		int *ns = malloc(ncap * sizeof(*ns));
		if (!ns)
			return -1;
		memset(ns, -1, ncap * sizeof(*ns));
		for (size_t i = 0; i < l->nexe; i++) {
			size_t j = hash_mem(l->exe_names[i], strlen(l->exe_names[i])) & (ncap - 1);
			while (ns[j] >= 0)
				j = (j + 1) & (ncap - 1);
			ns[j] = (int)i;
		}
		free(l->exe_slots);
		l->exe_slots = ns;
		l->exe_slot_cap = ncap;
	}
	size_t j = hash_mem(name, n) & (l->exe_slot_cap - 1);
	while (l->exe_slots[j] >= 0) {
		if (!strcmp(l->exe_names[l->exe_slots[j]], name))
			return l->exe_slots[j];
		j = (j + 1) & (l->exe_slot_cap - 1);
	}
	if (l->nexe == l->exe_cap) {
		size_t ncap = l->exe_cap ? 2 * l->exe_cap : 64;
		char **nn = realloc(l->exe_names, ncap * sizeof(*nn));
		if (!nn)
			return -1;
		l->exe_names = nn;
		l->exe_cap = ncap;
	}
	l->exe_names[l->nexe] = strdup(name);
	if (!l->exe_names[l->nexe])
		return -1;
	l->exe_slots[j] = (int)l->nexe;
	return (int)l->nexe++;
}

/* ---- behaviours ---------------------------------------------------------------- */

struct bkey {
	int exe, event, family, type, protocol, how;
	int akind, afamily, prefix, port_lo, port_hi, str;
	uint8_t ip[16];
};

static void rule_key(const struct lrule *r, struct bkey *k)
{
	memset(k, 0, sizeof(*k));
	k->exe = r->exe;
	k->event = r->event;
	k->family = r->family.v[0];
	k->type = r->type.v[0];
	k->protocol = r->protocol.v[0];
	k->how = r->how.v[0];
	k->akind = (int)r->akind;
	k->afamily = r->afamily;
	k->prefix = r->prefix;
	k->port_lo = r->port_lo;
	k->port_hi = r->port_hi;
	k->str = r->str;
	memcpy(k->ip, r->ip, 16);
}

static struct lrule *behaviour(struct learn *l, const struct bkey *k)
{
	uint64_t h = hash_mem(k, sizeof(*k));

	if (2 * (l->nrules + 1) > l->slot_cap) {
		size_t ncap = l->slot_cap ? 2 * l->slot_cap : 256;
		int *ns = malloc(ncap * sizeof(*ns));
		if (!ns)
			return NULL;
		memset(ns, -1, ncap * sizeof(*ns));
		for (size_t i = 0; i < l->nrules; i++) {
			struct bkey rk;
			rule_key(&l->rules[i], &rk);
			size_t j = hash_mem(&rk, sizeof(rk)) & (ncap - 1);
			while (ns[j] >= 0)
				j = (j + 1) & (ncap - 1);
			ns[j] = (int)i;
		}
		free(l->slots);
		l->slots = ns;
		l->slot_cap = ncap;
	}
	size_t j = h & (l->slot_cap - 1);
	while (l->slots[j] >= 0) {
		struct bkey rk;
		rule_key(&l->rules[l->slots[j]], &rk);
		if (!memcmp(&rk, k, sizeof(rk)))
			return &l->rules[l->slots[j]];
		j = (j + 1) & (l->slot_cap - 1);
	}
	if (l->nrules == l->rules_cap) {
		size_t ncap = l->rules_cap ? 2 * l->rules_cap : 64;
		struct lrule *nr = realloc(l->rules, ncap * sizeof(*nr));
		if (!nr)
			return NULL;
		l->rules = nr;
		l->rules_cap = ncap;
	}
	struct lrule *r = &l->rules[l->nrules];
	memset(r, 0, sizeof(*r));
	r->exe = k->exe;
	r->event = (enum policy_event)k->event;
	r->family = (struct set){ { k->family }, 1 };
	r->type = (struct set){ { k->type }, 1 };
	r->protocol = (struct set){ { k->protocol }, 1 };
	r->how = (struct set){ { k->how }, 1 };
	r->akind = (enum akind)k->akind;
	r->afamily = k->afamily;
	r->prefix = k->prefix;
	r->port_lo = k->port_lo;
	r->port_hi = k->port_hi;
	r->str = k->str;
	memcpy(r->ip, k->ip, 16);
	l->slots[j] = (int)l->nrules++;
	return r;
}

static bool add_exe(struct lrule *r, int exe)
{
	int i;

	for (i = 0; i < r->nexes && r->exes[i] != exe; i++)
		;
	if (i < r->nexes)
		return true;
	int *n = realloc(r->exes, sizeof(*n) * (size_t)(r->nexes + 1));
	if (!n)
		return false;
	r->exes = n;
	r->exes[r->nexes++] = exe;
	return true;
}

/* sockaudit's own launcher, between its fork and the program's exec, is not
 * the program: its events are never learned. */
static bool is_self(const struct learn *l, const char *exe)
{
	const char *base = strrchr(exe, '/');

	base = base ? base + 1 : exe;
	return !strcmp(base, "sockaudit") || (l->self_exe[0] && !strcmp(exe, l->self_exe));
}

/* ---- the address events and lookups ------------------------------------------------ */

/* The ephemeral port range (--ephemeral), as this kernel hands it out. */
static void ephemeral_range(struct learn *l)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	int lo, hi;

	l->eph_lo = 32768;	/* Linux's default, when /proc cannot say */
	l->eph_hi = 60999;
	if (!f)
		return;
	if (fscanf(f, "%d %d", &lo, &hi) == 2 && lo > 0 && lo <= hi && hi <= 65535) {
		l->eph_lo = lo;
		l->eph_hi = hi;
	}
	fclose(f);
}

/* Keep the first PREFIX bits of the LEN bytes of IP. */
static void mask_ip(uint8_t *ip, int len, int prefix)
{
	for (int i = 0; i < len; i++) {
		int bits = prefix - 8 * i;
		ip[i] &= bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

/* For --format systemd: what the kernel's own filters can enforce. */
static void note_systemd_ip(struct learn *l, int family, const uint8_t *ip)
{
	struct sd_ip v = { .family = family };
	int len = family == AF_INET ? 4 : 16;
	int prefix = family == AF_INET ? l->cidr4 : l->cidr6;

	memcpy(v.ip, ip, (size_t)len);
	v.prefix = prefix >= 0 ? prefix : 8 * len;
	mask_ip(v.ip, len, v.prefix);
	for (size_t i = 0; i < l->nsd_ips; i++)
		if (!memcmp(&l->sd_ips[i], &v, sizeof(v)))
			return;
	if (l->nsd_ips == l->sd_ips_cap) {
		size_t ncap = l->sd_ips_cap ? 2 * l->sd_ips_cap : 16;
		struct sd_ip *n = realloc(l->sd_ips, ncap * sizeof(*n));
		if (!n) {
			l->nomem = true;
			return;
		}
		l->sd_ips = n;
		l->sd_ips_cap = ncap;
	}
	l->sd_ips[l->nsd_ips++] = v;
}

static void note_systemd_bind(struct learn *l, const struct policy_call *call, int lo, int hi)
{
	struct sd_bind v = { .family = call->addr_family, .lo = lo, .hi = hi };
	int type = call->type < 0 ? -1 : call->type & ~NAMES_TYPE_FLAGS;
	int proto = call->family >= 0 && type >= 0 ?
		    names_effective_protocol(call->family, type, call->protocol) : -1;

	v.proto = proto == IPPROTO_TCP || proto == IPPROTO_UDP ? proto : -1;
	for (size_t i = 0; i < l->nsd_binds; i++)
		if (!memcmp(&l->sd_binds[i], &v, sizeof(v)))
			return;
	if (l->nsd_binds == l->sd_binds_cap) {
		size_t ncap = l->sd_binds_cap ? 2 * l->sd_binds_cap : 16;
		struct sd_bind *n = realloc(l->sd_binds, ncap * sizeof(*n));
		if (!n) {
			l->nomem = true;
			return;
		}
		l->sd_binds = n;
		l->sd_binds_cap = ncap;
	}
	l->sd_binds[l->nsd_binds++] = v;
}

/* The behaviour key of address event or lookup EV (CALL its facts) into
 * *K: false when a policy cannot name what it did (it is counted). */
static bool address_key(struct learn *l, const struct logread_event *ev,
			const struct policy_call *call, struct bkey *k)
{
	char text[LOGREAD_HOST_MAX + 2];
	long n;

	k->family = k->type = k->protocol = k->how = -1;
	k->port_lo = k->port_hi = -1;
	k->str = -1;
	l->addr_events |= 1u << ev->event;
	if (ev->event == POLICY_EV_GETADDRINFO) {
		if (!call->host) {
			l->skipped_nohost++;
			return false;
		}
		/* Host names are matched without case: learn them folded. */
		n = (long)snprintf(text, sizeof(text), "%s", call->host);
		for (long i = 0; i < n; i++)
			if (text[i] >= 'A' && text[i] <= 'Z')
				text[i] = (char)(text[i] - 'A' + 'a');
		k->akind = A_HOST;
		k->str = exe_intern(l, text);
		return k->str >= 0 || (l->nomem = true, false);
	}
	if (!call->has_addr) {
		l->skipped_malformed++;
		return false;
	}
	switch (call->addr_family) {
	case AF_INET:
	case AF_INET6: {
		int len = call->addr_family == AF_INET ? 4 : 16;
		int prefix = call->addr_family == AF_INET ? l->cidr4 : l->cidr6;

		k->akind = A_INET;
		k->afamily = call->addr_family;
		memcpy(k->ip, call->ip, (size_t)len);
		k->prefix = prefix >= 0 ? prefix : 8 * len;
		mask_ip(k->ip, len, k->prefix);
		k->port_lo = k->port_hi = call->port;
		if (l->ephemeral && call->port >= l->eph_lo && call->port <= l->eph_hi) {
			k->port_lo = l->eph_lo;
			k->port_hi = l->eph_hi;
		}
		if (ev->event == POLICY_EV_BIND) {
			if (call->port > 0)
				note_systemd_bind(l, call, k->port_lo, k->port_hi);
		} else {
			note_systemd_ip(l, call->addr_family, call->ip);
		}
		return true;
	}
	case AF_UNIX:
		n = logread_addr_policy_text(ev, text, sizeof(text));
		if (n < 0) {
			l->skipped_unwritable++;
			return false;
		}
		/* A path starting with '@' reads as an abstract name in a policy. */
		if (!ev->addr.abstract && text[0] == '@') {
			l->skipped_unwritable++;
			return false;
		}
		k->akind = ev->addr.abstract ? A_ABSTRACT : A_PATH;
		k->str = exe_intern(l, text);
		return k->str >= 0 || (l->nomem = true, false);
	default:
		/* Netlink and other families: a policy names no such address,
		 * but a rule on the socket's family lets the event through. */
		if (call->family < 0) {
			l->skipped_unwritable++;
			return false;
		}
		k->akind = A_FAMILY;
		k->family = call->family;
		return true;
	}
}

/* EXE's memo slot (NULL when the text is too long to keep), and in *HIT
 * whether it holds EXE. */
static struct exe_memo *exe_memo_of(struct learn *l, struct logread_str exe, bool *hit)
{
	struct exe_memo *m;
	size_t way;

	*hit = false;
	if (!exe.p || exe.len > sizeof(m->text))
		return NULL;
	way = exe.len ? (exe.len * 31 + (unsigned char)exe.p[exe.len - 1] * 7 +
			 (unsigned char)exe.p[exe.len / 2]) : 0;
	m = &l->exe_memos[way % (sizeof(l->exe_memos) / sizeof(l->exe_memos[0]))];
	*hit = m->used && m->len == exe.len && !memcmp(m->text, exe.p, exe.len);
	return m;
}

static void exe_memo_set(struct exe_memo *m, struct logread_str exe, bool self, int index)
{
	if (!m)
		return;
	m->used = true;
	m->self = self;
	m->exe = index;
	m->len = exe.len;
	memcpy(m->text, exe.p, exe.len);
}

static void on_event(void *ctx, const struct logread_event *ev, int file, uint64_t line)
{
	struct learn *l = ctx;
	struct policy_call call;
	struct bkey k;
	struct lrule *r;
	struct exe_memo *memo;
	bool known;
	int exe = -1;

	(void)file;
	(void)line;
	l->events++;
	/* An executable seen before is not unescaped, compared with
	 * sockaudit's own and looked up again: most events' is. */
	memo = exe_memo_of(l, ev->exe, &known);
	if (logread_call(ev, &call, known ? NULL : l->exe, known ? 0 : sizeof(l->exe),
			 logread_names_value) < 0)
		return;
	if (known ? memo->self : call.exe && is_self(l, call.exe)) {
		if (!known && call.exe)
			exe_memo_set(memo, ev->exe, true, -1);
		l->skipped_self++;
		return;
	}
	memset(&k, 0, sizeof(k));
	k.event = ev->event;
	if (ev->event == POLICY_EV_NEW && call.family >= 0 && call.family < 64)
		l->sd_families |= UINT64_C(1) << call.family;
	/* accept's peer: an address the unit talks to. */
	if (ev->peer.family == AF_INET || ev->peer.family == AF_INET6)
		note_systemd_ip(l, ev->peer.family, ev->peer.ip);
	if (policy_event_has_address(ev->event)) {
		if (!address_key(l, ev, &call, &k))
			return;
		goto add;
	}
	k.family = call.family;
	k.type = call.type < 0 ? -1 : call.type & ~NAMES_TYPE_FLAGS;
	k.protocol = call.protocol;
	k.how = -1;
	if (ev->event == POLICY_EV_NEW && k.family >= 0 && k.type >= 0)
		k.protocol = names_effective_protocol(k.family, k.type, call.protocol);
	if (ev->event == POLICY_EV_SHUTDOWN)
		k.how = call.how;
	if (k.family < 0)	/* an unknown socket: the matcher knows nothing else of it */
		k.type = k.protocol = -1;
	/* A type no rule can name (the kernel refused it: EINVAL): the rule
	 * leaves the type open rather than be one `check` rejects. */
	if (k.type > NAMES_TYPE_MAX)
		k.type = -1;
add:
	if (known) {
		exe = memo->exe;
	} else if (call.exe) {
		exe = exe_intern(l, call.exe);
		if (exe < 0) {
			l->nomem = true;
			return;
		}
		exe_memo_set(memo, ev->exe, false, exe);
	}
	k.exe = l->per_exe ? exe : -1;
	r = behaviour(l, &k);
	if (!r || (exe >= 0 && !add_exe(r, exe))) {
		l->nomem = true;
		return;
	}
	if (!r->count || ev->ts < r->first)
		r->first = ev->ts;
	if (!r->count || ev->ts > r->last)
		r->last = ev->ts;
	r->count++;
	r->denied += ev->decision != EVENT_ALLOW;
	l->learned++;
}

static void on_junk(void *ctx, enum logread_junk junk, const char *detail, int file, uint64_t line)
{
	struct learn *l = ctx;

	if (l->junk++ < 20)
		fprintf(stderr, "%s:%" PRIu64 ": not an event: %s%s%s\n", l->files[file], line,
			logread_junk_name(junk), detail[0] ? ": " : "", detail);
}

static void on_error(void *ctx, int file, int err)
{
	struct learn *l = ctx;

	cli_error("learn", "%s: %s", l->files[file], strerror(-err));
	l->failed++;
}

/* ---- ordering and merging ------------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int cmp_set(const struct set *a, const struct set *b)
{
	/* An unknown value (-1) leaves its field out of the rule, which then
	 * matches more than its neighbours: it goes after them, where it
	 * shadows none. */
	if ((a->v[0] < 0) != (b->v[0] < 0))
		return a->v[0] < 0 ? 1 : -1;
	for (int i = 0; i < a->n && i < b->n; i++)
		if (a->v[i] != b->v[i])
			return (a->v[i] > b->v[i]) - (a->v[i] < b->v[i]);
	return (a->n > b->n) - (a->n < b->n);
}

static struct learn *sort_ctx;	/* qsort has no context argument */

static int cmp_exe(int a, int b)
{
	if (a == b)
		return 0;
	if (a < 0 || b < 0)
		return a < 0 ? -1 : 1;
	return strcmp(sort_ctx->exe_names[a], sort_ctx->exe_names[b]);
}

static int cmp_rule(const void *pa, const void *pb)
{
	const struct lrule *a = pa, *b = pb;
	int c;

	if ((c = cmp_exe(a->exe, b->exe)))
		return c;
	if (a->event != b->event)
		return (int)a->event - (int)b->event;
	if ((c = cmp_set(&a->family, &b->family)))
		return c;
	if ((c = cmp_set(&a->type, &b->type)))
		return c;
	if ((c = cmp_set(&a->protocol, &b->protocol)))
		return c;
	if ((c = cmp_set(&a->how, &b->how)))
		return c;
	/* Address rules: inet (v4 before v6, by address, the wider block
	 * after the narrower), then paths, abstract names, hosts; by port. */
	if (a->akind != b->akind)
		return (int)a->akind - (int)b->akind;
	if (a->afamily != b->afamily)
		return a->afamily == AF_INET ? -1 : 1;
	if ((c = memcmp(a->ip, b->ip, 16)))
		return c;
	if (a->prefix != b->prefix)
		return b->prefix - a->prefix;
	if (a->str != b->str)
		return a->str < 0 ? -1 : b->str < 0 ? 1 :
		       strcmp(sort_ctx->exe_names[a->str], sort_ctx->exe_names[b->str]);
	if (a->port_lo != b->port_lo)
		return a->port_lo - b->port_lo;
	return a->port_hi - b->port_hi;
}

static bool set_eq(const struct set *a, const struct set *b)
{
	return a->n == b->n && !memcmp(a->v, b->v, sizeof(int) * (size_t)a->n);
}

static bool set_union(struct set *into, const struct set *from)
{
	for (int i = 0; i < from->n; i++) {
		int j;
		for (j = 0; j < into->n && into->v[j] != from->v[i]; j++)
			;
		if (j < into->n)
			continue;
		if (into->n == MAX_SET)
			return false;
		into->v[into->n++] = from->v[i];
	}
	qsort(into->v, (size_t)into->n, sizeof(int), cmp_int);
	return true;
}

static void absorb(struct lrule *into, struct lrule *from)
{
	if (!into->count || (from->count && from->first < into->first))
		into->first = from->first;
	if (from->last > into->last)
		into->last = from->last;
	into->count += from->count;
	into->denied += from->denied;
	for (int i = 0; i < from->nexes; i++)
		add_exe(into, from->exes[i]);
	from->dead = true;
}

/* The protocol's name for every family of S (NULL when they disagree or a
 * family has none): a rule may name a protocol only if it is that protocol
 * in each of its families. */
static const char *protocol_name(const struct set *fam, int proto)
{
	const char *name = NULL;

	for (int i = 0; i < fam->n; i++) {
		const char *n = names_protocol_name(fam->v[i], proto);
		if (!n || (name && strcmp(n, name)))
			return NULL;
		name = n;
	}
	return name;
}

enum dim { D_FAMILY, D_TYPE, D_HOW };

static struct set *dim_set(struct lrule *r, enum dim d)
{
	return d == D_FAMILY ? &r->family : d == D_TYPE ? &r->type : &r->how;
}

/* Merge rules that are equal but for dimension D: exact, since each rule
 * matches the product of its sets. */
static void merge(struct learn *l, enum dim d)
{
	for (size_t i = 0; i < l->nrules; i++) {
		struct lrule *a = &l->rules[i];
		if (a->dead || dim_set(a, d)->v[0] < 0)
			continue;
		for (size_t j = i + 1; j < l->nrules; j++) {
			struct lrule *b = &l->rules[j];
			if (b->dead || b->exe != a->exe || b->event != a->event ||
			    dim_set(b, d)->v[0] < 0)
				continue;
			if ((d != D_FAMILY && !set_eq(&a->family, &b->family)) ||
			    (d != D_TYPE && !set_eq(&a->type, &b->type)) ||
			    !set_eq(&a->protocol, &b->protocol) ||
			    (d != D_HOW && !set_eq(&a->how, &b->how)))
				continue;
			if (d == D_FAMILY) {
				/* Only families in which the protocol has the same
				 * name (AF_INET and AF_INET6 for IPPROTO_TCP). */
				struct set u = a->family;
				if (!set_union(&u, &b->family))
					continue;
				const char *na = protocol_name(&a->family, a->protocol.v[0]);
				if (!na || protocol_name(&u, a->protocol.v[0]) != na)
					continue;
			}
			if (!set_union(dim_set(a, d), dim_set(b, d)))
				continue;
			absorb(a, b);
		}
	}
}

/* ---- naming ------------------------------------------------------------------------- */

static void id_append(char *id, size_t cap, const char *word)
{
	size_t n = strlen(id);

	if (n && n + 1 < cap && id[n - 1] != '-')
		id[n++] = '-';
	for (; *word && n + 1 < cap; word++) {
		char c = *word;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c == '-' && n && id[n - 1] == '-')
			continue;
		id[n++] = c;
	}
	while (n && id[n - 1] == '-')
		n--;
	id[n] = '\0';
}

/* "AF_INET6" -> "inet6", "SOCK_STREAM" -> "stream", "IPPROTO_TCP" -> "tcp". */
static const char *short_name(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) ? name : name + n;
}

/* An inet rule's address: "127.0.0.1", "10.1.2.0/24". */
static void inet_text(const struct lrule *r, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(r->afamily, r->ip, ip, sizeof(ip));
	if (r->prefix == (r->afamily == AF_INET ? 32 : 128))
		snprintf(buf, cap, "%s", ip);
	else
		snprintf(buf, cap, "%s/%d", ip, r->prefix);
}

static void make_id(struct learn *l, struct lrule *r)
{
	char num[INET6_ADDRSTRLEN + 24];

	r->id[0] = '\0';
	if (r->exe >= 0) {
		const char *b = strrchr(l->exe_names[r->exe], '/');
		id_append(r->id, sizeof(r->id), b ? b + 1 : l->exe_names[r->exe]);
	}
	/* "connect-127-0-0-1-8080", "bind-0-0-0-0-32768-60999",
	 * "getaddrinfo-localhost", "connect-run-x-sock". */
	if (r->akind != A_NONE) {
		id_append(r->id, sizeof(r->id), event_name_word(r->event) + 7);
		if (r->akind == A_INET) {
			if (r->afamily == AF_INET6)	/* "::1" alone would be "1" */
				id_append(r->id, sizeof(r->id), "inet6");
			inet_text(r, num, sizeof(num));
			id_append(r->id, sizeof(r->id), num);
			snprintf(num, sizeof(num), "%d", r->port_lo);
			id_append(r->id, sizeof(r->id), num);
			if (r->port_hi != r->port_lo) {
				snprintf(num, sizeof(num), "%d", r->port_hi);
				id_append(r->id, sizeof(r->id), num);
			}
		} else if (r->akind == A_FAMILY) {
			const char *n = names_name(NAMES_FAMILY, r->family.v[0]);
			snprintf(num, sizeof(num), "af%d", r->family.v[0]);
			id_append(r->id, sizeof(r->id), n ? short_name(n, "AF_") : num);
		} else {
			const char *s = l->exe_names[r->str];
			id_append(r->id, sizeof(r->id), r->akind == A_ABSTRACT ? "abstract" : "");
			id_append(r->id, sizeof(r->id), *s ? s : "unnamed");
		}
		return;
	}
	if (r->event == POLICY_EV_SHUTDOWN)
		id_append(r->id, sizeof(r->id), "shutdown");
	if (r->family.v[0] < 0) {
		id_append(r->id, sizeof(r->id), "unknown-socket");
	} else if (r->family.n == 2 && r->family.v[0] == AF_INET && r->family.v[1] == AF_INET6) {
		id_append(r->id, sizeof(r->id), "inet");
	} else {
		for (int i = 0; i < r->family.n; i++) {
			const char *n = names_name(NAMES_FAMILY, r->family.v[i]);
			if (r->family.v[i] == AF_INET)
				n = "inet4";
			snprintf(num, sizeof(num), "af%d", r->family.v[i]);
			id_append(r->id, sizeof(r->id), n ? short_name(n, "AF_") : num);
		}
	}
	for (int i = 0; i < r->type.n && r->type.v[0] >= 0; i++) {
		const char *n = names_name(NAMES_TYPE, r->type.v[i]);
		snprintf(num, sizeof(num), "type%d", r->type.v[i]);
		id_append(r->id, sizeof(r->id), n ? short_name(n, "SOCK_") : num);
	}
	int proto = r->protocol.v[0];
	if (proto > 0 || (proto == 0 && protocol_name(&r->family, 0))) {
		const char *n = protocol_name(&r->family, proto);
		size_t nt;
		const struct names_protocol_table *t = names_protocol_tables(&nt);
		const char *s = n;
		for (size_t i = 0; n && i < nt; i++)
			if (!strncmp(n, t[i].prefix, strlen(t[i].prefix)))
				s = n + strlen(t[i].prefix);
		snprintf(num, sizeof(num), "proto%d", proto);
		id_append(r->id, sizeof(r->id), s ? s : num);
	}
	for (int i = 0; i < r->how.n && r->how.v[0] >= 0 && r->how.n < 3; i++) {
		const char *n = names_name(NAMES_HOW, r->how.v[i]);
		snprintf(num, sizeof(num), "how%d", r->how.v[i]);
		id_append(r->id, sizeof(r->id), n ? short_name(n, "SHUT_") : num);
	}
	if (!r->id[0])
		snprintf(r->id, sizeof(r->id), "learned");
}

/* Is ID already a rule's id: one of BASE's, or a live learned rule's but SELF? */
static bool id_taken(const struct learn *l, const struct policy *base, const struct lrule *self,
		     const char *id)
{
	for (size_t i = 0; base && i < policy_rule_count(base); i++) {
		const char *bid = policy_rule_id(base, i);

		if (bid && !strcmp(bid, id))
			return true;
	}
	for (size_t i = 0; i < l->nrules; i++)
		if (&l->rules[i] != self && !l->rules[i].dead && !strcmp(l->rules[i].id, id))
			return true;
	return false;
}

/* ---- output ---------------------------------------------------------------------------- */

/* A JSON string; bytes that are not UTF-8 become \u00XX, as in the log. */
static void put_json(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	fputc('"', f);
	while (*s) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			s++;
		} else if (c < 0x80) {
			fputc(c, f);
			s++;
		} else {
			/* Copy a valid UTF-8 sequence; escape a stray byte.  (The
			 * NUL ends any sequence before the 4 bytes are read.) */
			int n = json_utf8_len((const unsigned char *)s, 4);
			if (n > 0) {
				fwrite(s, 1, (size_t)n, f);
				s += n;
			} else {
				fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
				s++;
			}
		}
	}
	fputc('"', f);
}

/* A glob matching exactly PATH: the glob's special bytes escaped. */
static void put_exe_glob(FILE *f, const char *path)
{
	char *g = malloc(2 * strlen(path) + 1), *o = g;

	if (!g)
		return;
	for (const char *p = path; *p; p++) {
		if (strchr("*?[]\\", *p))
			*o++ = '\\';
		*o++ = *p;
	}
	*o = '\0';
	put_json(f, g);
	free(g);
}

static void put_value(FILE *f, const char *name, int v)
{
	if (name)
		put_json(f, name);
	else
		fprintf(f, "%d", v);
}

static void put_list(FILE *f, const char *key, const struct set *s, enum names_table t)
{
	fprintf(f, ", \"%s\": ", key);
	if (s->n > 1)
		fputc('[', f);
	for (int i = 0; i < s->n; i++) {
		if (i)
			fputs(", ", f);
		put_value(f, names_name(t, s->v[i]), s->v[i]);
	}
	if (s->n > 1)
		fputc(']', f);
}

/* inet_text, put_address_fields, the trailing denies, --format systemd */
/* A glob matching exactly S (after PREFIX, written as is): the glob's
 * special bytes escaped. */
static void put_glob(FILE *f, const char *prefix, const char *s)
{
	char *g = malloc(strlen(prefix) + 2 * strlen(s) + 1), *o;

	if (!g)
		return;
	o = stpcpy(g, prefix);
	for (const char *p = s; *p; p++) {
		if (strchr("*?[]\\", *p))
			*o++ = '\\';
		*o++ = *p;
	}
	*o = '\0';
	put_json(f, g);
	free(g);
}

/* The address, port and host fields of an address rule. */
static void put_address_fields(FILE *f, struct learn *l, const struct lrule *r)
{
	char buf[INET6_ADDRSTRLEN + 8];

	switch (r->akind) {
	case A_INET:
		inet_text(r, buf, sizeof(buf));
		fputs(", \"address\": ", f);
		put_json(f, buf);
		if (r->port_lo == r->port_hi)
			fprintf(f, ", \"port\": %d", r->port_lo);
		else
			fprintf(f, ", \"port\": \"%d-%d\"", r->port_lo, r->port_hi);
		break;
	case A_PATH:
		fputs(", \"address\": ", f);
		put_glob(f, "", l->exe_names[r->str]);
		break;
	case A_ABSTRACT:
		fputs(", \"address\": ", f);
		put_glob(f, "@", l->exe_names[r->str] + 1);
		break;
	case A_HOST:
		fputs(", \"host\": ", f);
		put_glob(f, "", l->exe_names[r->str]);
		break;
	case A_FAMILY:
		put_list(f, "family", &r->family, NAMES_FAMILY);
		break;
	default:
		break;
	}
}

/* The errno the trailing deny of EVENT gives: connect's is ECONNREFUSED (what
 * a closed port answers) unless --errno says otherwise; a lookup's is none
 * (a denied lookup fails with EAI_FAIL). */
static const char *trailing_errno(const struct learn *l, enum policy_event e)
{
	if (e == POLICY_EV_GETADDRINFO)
		return NULL;
	if (e == POLICY_EV_CONNECT && !l->errno_set)
		return "ECONNREFUSED";
	return l->err_name;
}

/* Is a trailing deny of EVENT not BASE's to get?  When its default allows
 * (the user allows what no rule names: a deny would turn that around), or
 * it decides every EVENT already: a rule without address, port, host,
 * family or exe for it (the call below, with none of those facts, matches
 * only such a rule), or a default naming the event.  So learning again on
 * its own output adds none. */
static bool base_catches_all(const struct policy *base, enum policy_event event)
{
	struct policy_call call = { .event = event, .family = -1, .type = -1,
				    .protocol = -1, .how = -1 };
	struct policy_decision d;

	if (!base)
		return false;
	policy_default_decision(base, &d);
	if (d.action == POLICY_ALLOW)
		return true;
	policy_match(base, &call, &d);
	return d.rule >= 0 || d.action != POLICY_ALLOW;
}

/* After the allow rules, for each address event the logs showed, a deny of
 * what they did not show: without it, the design allows an address event no
 * rule matches. */
static void put_trailing(FILE *f, struct learn *l, const struct policy *base, bool *empty)
{
	for (int e = POLICY_EV_CONNECT; e < POLICY_EV_COUNT; e++) {
		const char *word = event_name_word((enum policy_event)e), *err;
		char id[48];

		if (!(l->addr_events & (1u << e)) || base_catches_all(base, (enum policy_event)e))
			continue;
		snprintf(id, sizeof(id), "other-%s", word + 7);
		for (unsigned k = 2; id_taken(l, base, NULL, id) && k < 1000; k++)
			snprintf(id, sizeof(id), "other-%s-%u", word + 7, k);
		fputs(*empty ? "\n" : ",\n", f);
		fprintf(f, "    {\"id\": ");
		put_json(f, id);
		fprintf(f, ", \"event\": \"%s\", \"action\": \"deny\"", word);
		if ((err = trailing_errno(l, (enum policy_event)e)))
			fprintf(f, ", \"errno\": \"%s\"", err);
		fprintf(f, ", \"comment\": \"learned: every other %s\"}", word);
		*empty = false;
	}
}

/* ---- --format systemd ---------------------------------------------------------------- */

static int cmp_sd_ip(const void *a, const void *b)
{
	const struct sd_ip *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	if ((c = memcmp(x->ip, y->ip, 16)))
		return c;
	return x->prefix - y->prefix;
}

static int cmp_sd_bind(const void *a, const void *b)
{
	const struct sd_bind *x = a, *y = b;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->lo != y->lo)
		return x->lo - y->lo;
	return x->hi - y->hi;
}

/* The kernel-enforceable part of what the logs show, as the lines of a
 * unit's [Service] section: the families of the sockets made
 * (RestrictAddressFamilies=, seccomp), the ports bound (SocketBindAllow=,
 * cgroup bind hooks: by family, transport and port, never by address), the
 * IP addresses talked to (IPAddressAllow=, cgroup packet filters: the
 * destinations of connect, sendto, sendmsg and the peers accept returned).
 * Each list ends in a deny of the rest. */
static void put_systemd(FILE *f, struct learn *l)
{
	char ip[INET6_ADDRSTRLEN];
	bool any = false;

	fputs("# written by sockaudit learn --format systemd: the kernel-enforceable part\n"
	      "# of what the logs show, for a unit's [Service] section\n"
	      "# (systemd.exec(5), systemd.resource-control(5))\n", f);
	fputs("RestrictAddressFamilies=", f);
	for (int fam = 0; fam < 64; fam++) {
		const char *n;

		if (!(l->sd_families & (UINT64_C(1) << fam)))
			continue;
		n = names_name(NAMES_FAMILY, fam);
		if (!n) {
			l->sd_unnamed++;
			continue;
		}
		fprintf(f, "%s%s", any ? " " : "", n);
		any = true;
	}
	fputs(any ? "\n" : "none\n", f);
	qsort(l->sd_binds, l->nsd_binds, sizeof(*l->sd_binds), cmp_sd_bind);
	for (size_t i = 0; i < l->nsd_binds; i++) {
		const struct sd_bind *b = &l->sd_binds[i];

		fprintf(f, "SocketBindAllow=%s:", b->family == AF_INET ? "ipv4" : "ipv6");
		if (b->proto >= 0)
			fprintf(f, "%s:", b->proto == IPPROTO_TCP ? "tcp" : "udp");
		if (b->lo == b->hi)
			fprintf(f, "%d\n", b->lo);
		else
			fprintf(f, "%d-%d\n", b->lo, b->hi);
	}
	fputs("SocketBindDeny=any\n", f);
	qsort(l->sd_ips, l->nsd_ips, sizeof(*l->sd_ips), cmp_sd_ip);
	if (l->nsd_ips) {
		fputs("IPAddressAllow=", f);
		for (size_t i = 0; i < l->nsd_ips; i++) {
			const struct sd_ip *v = &l->sd_ips[i];

			inet_ntop(v->family, v->ip, ip, sizeof(ip));
			fprintf(f, "%s%s", i ? " " : "", ip);
			if (v->prefix != (v->family == AF_INET ? 32 : 128))
				fprintf(f, "/%d", v->prefix);
		}
		fputc('\n', f);
	}
	fputs("IPAddressDeny=any\n", f);
}

static int cmp_exe_idx(const void *a, const void *b)
{
	return cmp_exe(*(const int *)a, *(const int *)b);
}

static void put_rule(FILE *f, struct learn *l, struct lrule *r, const char *indent)
{
	char a[32], b[32], comment[1024];
	size_t n;

	fprintf(f, "%s{\"id\": ", indent);
	put_json(f, r->id);
	if (r->event != POLICY_EV_NEW)
		fprintf(f, ", \"event\": \"%s\"", event_name_word(r->event));
	if (r->exe >= 0) {
		fputs(", \"exe\": ", f);
		put_exe_glob(f, l->exe_names[r->exe]);
	}
	if (r->akind != A_NONE) {
		put_address_fields(f, l, r);
	} else if (r->family.v[0] >= 0) {
		put_list(f, "family", &r->family, NAMES_FAMILY);
		if (r->type.v[0] >= 0)
			put_list(f, "type", &r->type, NAMES_TYPE);
		if (r->protocol.v[0] >= 0) {
			fputs(", \"protocol\": ", f);
			put_value(f, protocol_name(&r->family, r->protocol.v[0]), r->protocol.v[0]);
		}
	}
	if (r->event == POLICY_EV_SHUTDOWN && r->how.v[0] >= 0)
		put_list(f, "how", &r->how, NAMES_HOW);
	fputs(", \"action\": \"allow\", \"comment\": ", f);

	logread_format_time(a, sizeof(a), r->first);
	logread_format_time(b, sizeof(b), r->last);
	n = (size_t)snprintf(comment, sizeof(comment), "learned from %" PRIu64 " event%s", r->count,
			     r->count == 1 ? "" : "s");
	if (r->denied)
		n += (size_t)snprintf(comment + n, sizeof(comment) - n, " (%" PRIu64 " denied then)", r->denied);
	n += (size_t)snprintf(comment + n, sizeof(comment) - n, ", first %s, last %s", a, b);
	sort_ctx = l;
	if (r->nexes)	/* a rule of events without an exe has no array */
		qsort(r->exes, (size_t)r->nexes, sizeof(int), cmp_exe_idx);
	for (int i = 0; i < r->nexes && i < 4 && n < sizeof(comment); i++)
		n += (size_t)snprintf(comment + n, sizeof(comment) - n, "%s%s", i ? ", " : ", by ",
				      l->exe_names[r->exes[i]]);
	if (r->nexes > 4 && n < sizeof(comment))
		snprintf(comment + n, sizeof(comment) - n, " and %d more", r->nexes - 4);
	put_json(f, comment);
	fputc('}', f);
}

/* The live rules, each on a line of its own after '[' (*EMPTY) or a rule. */
static void put_rules(FILE *f, struct learn *l, bool *empty)
{
	for (size_t i = 0; i < l->nrules; i++) {
		if (l->rules[i].dead)
			continue;
		fputs(*empty ? "\n" : ",\n", f);
		put_rule(f, l, &l->rules[i], "    ");
		*empty = false;
	}
}

/* A policy of its own: default deny, the learned rules. */
static void put_policy(FILE *f, struct learn *l)
{
	bool empty = true;

	fprintf(f, "{\n  \"version\": 1,\n  \"mode\": \"enforce\",\n"
		   "  \"comment\": \"written by sockaudit learn\",\n"
		   "  \"default\": {\"action\": \"deny\", \"errno\": \"%s\"},\n"
		   "  \"rules\": [", l->err_name);
	put_rules(f, l, &empty);
	put_trailing(f, l, NULL, &empty);
	fputs(empty ? "]\n}\n" : "\n  ]\n}\n", f);
}

/* The base policy's TEXT (LEN bytes) with the learned rules spliced in, so
 * that everything the user wrote stays byte for byte: 0, or -EINVAL when
 * the text has no place for them. */
static int put_spliced(FILE *f, struct learn *l, const struct policy *base,
		       const char *text, size_t len)
{
	size_t vs = 0, ve = 0, oe = 0, at, rest;
	int rc = json_find_member(text, len, "rules", &vs, &ve, &oe);
	bool empty = true;

	if (rc == -EINVAL)
		return rc;
	if (rc == 0) {
		/* After the last rule, or right after '[' when there is none. */
		at = ve - 1;
		while (at > vs + 1 && strchr(" \t\r\n", text[at - 1]))
			at--;
		empty = at == vs + 1;
	} else {
		at = oe;
		while (at > 0 && strchr(" \t\r\n", text[at - 1]))
			at--;
	}
	fwrite(text, 1, at, f);
	if (rc == -ENOENT)
		fputs(",\n  \"rules\": [", f);
	put_rules(f, l, &empty);
	put_trailing(f, l, base, &empty);
	if (rc == -ENOENT)
		fputs("\n  ]\n", f);
	else if (at == vs + 1 && !empty)
		fputs("\n  ", f);
	/* The rest: whitespace, ']' and what follows, or the final '}'. */
	rest = rc == 0 && at == vs + 1 ? ve - 1 : at;
	fwrite(text + rest, 1, len - rest, f);
	return 0;
}

/* ---- the base policy ------------------------------------------------------------------ */

/* Does BASE already allow every observed instance of R?  A rule of the base
 * that denies it explicitly is kept: *DENIED_BY names it. */
static bool base_allows(const struct policy *base, struct learn *l, const struct lrule *r,
			const char **denied_by)
{
	struct policy_call call = { 0 };
	struct policy_decision d;
	int none = -1;
	const int *exes = r->nexes ? r->exes : &none;
	int nexes = r->nexes ? r->nexes : 1;

	*denied_by = NULL;
	call.event = r->event;
	call.family = r->family.v[0];
	call.type = r->type.v[0];
	call.protocol = r->protocol.v[0];
	call.how = r->how.v[0];
	/* An address rule: its address as observed (a widened block: its
	 * first address, so the check is of that one). */
	call.has_addr = r->akind != A_NONE && r->akind != A_HOST;
	call.addr_family = r->akind == A_INET ? r->afamily :
			   r->akind == A_FAMILY ? r->family.v[0] : AF_UNIX;
	memcpy(call.ip, r->ip, 16);
	call.has_port = r->port_lo >= 0;
	call.port = r->port_lo;
	if (r->akind == A_PATH || r->akind == A_ABSTRACT) {
		call.abstract = r->akind == A_ABSTRACT;
		call.path = l->exe_names[r->str] + call.abstract;
		call.path_len = strlen(call.path);
	}
	if (r->akind == A_HOST)
		call.host = l->exe_names[r->str];
	for (int i = 0; i < nexes; i++) {
		call.exe = exes[i] >= 0 ? l->exe_names[exes[i]] : NULL;
		policy_match(base, &call, &d);
		if (d.action != POLICY_ALLOW) {
			if (d.rule >= 0)
				*denied_by = d.rule_id ? d.rule_id : "(unnamed rule)";
			return false;
		}
	}
	return true;
}

/* ---- main ------------------------------------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
"Usage: sockaudit learn [OPTION]... LOG...\n"
"Write a least-privilege policy allowing what the logs show ('-' reads\n"
"standard input): default deny, one allow rule per observed behaviour.\n\n"
"  -o, --output FILE  write the policy to FILE ('-', the default: standard\n"
"                     output)\n"
"  --base POLICY      keep POLICY's rules, ids and comments; add only what it\n"
"                     does not already allow\n"
"  --per-exe          scope each rule to the executable that showed it\n"
"  --errno ERRNO      the default's errno (default EACCES), and that of the\n"
"                     trailing denies of address events (connect: ECONNREFUSED\n"
"                     unless --errno is given)\n"
"  --cidr4 N          widen IPv4 addresses to /N blocks (0..32; default exact)\n"
"  --cidr6 N          widen IPv6 addresses to /N blocks (0..128; default exact)\n"
"  --ephemeral        a port in the kernel's ephemeral range\n"
"                     (/proc/sys/net/ipv4/ip_local_port_range) stands for the\n"
"                     whole range: one rule, whichever port a run drew\n"
"  --format FORMAT    policy (default): a JSON policy; systemd: the\n"
"                     kernel-enforceable part as unit settings\n"
"                     (RestrictAddressFamilies=, SocketBindAllow=/Deny=,\n"
"                     IPAddressAllow=/Deny=)\n"
"  -h, --help         show this help\n\n"
"Exit status: 0 policy written, 1 some lines were not events (the policy is\n"
"still written), 2 usage error, unreadable log or base policy, 3 no event to\n"
"learn from (the logs are empty or hold only lines that are not events, or\n"
"only sockaudit's own): the deny-everything policy is written after a\n"
"warning, and the status says it is no success.\n");
}

static int parse_args(struct learn *l, int argc, char **argv)
{
	enum { O_BASE = 256, O_PER_EXE, O_ERRNO, O_CIDR4, O_CIDR6, O_EPHEMERAL, O_FORMAT };
	static const struct option opts[] = {
		{ "cidr4", required_argument, NULL, O_CIDR4 },
		{ "cidr6", required_argument, NULL, O_CIDR6 },
		{ "ephemeral", no_argument, NULL, O_EPHEMERAL },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "base", required_argument, NULL, O_BASE },
		{ "per-exe", no_argument, NULL, O_PER_EXE },
		{ "errno", required_argument, NULL, O_ERRNO },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;
	char *end;
	long v;

	l->err = EACCES;
	l->err_name = "EACCES";
	l->cidr4 = l->cidr6 = -1;
	optind = 0;	/* 0: glibc starts over, forgetting an earlier "+" */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return -1;
		case 'o':
			/* "-": standard output, as for every -o of every verb. */
			l->out_path = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case O_BASE:
			l->base_path = optarg;
			break;
		case O_PER_EXE:
			l->per_exe = true;
			break;
		case O_ERRNO:
			if (names_value(NAMES_ERRNO, optarg, &l->err) < 0 || l->err <= 0) {
				const char *s = names_suggest(NAMES_ERRNO, optarg);
				return cli_usage_error("learn", "unknown errno '%s'%s%s%s", optarg,
						       s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
			}
			l->err_name = names_name(NAMES_ERRNO, l->err);
			l->errno_set = true;
			break;
		case O_CIDR4:
		case O_CIDR6:
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > (c == O_CIDR4 ? 32 : 128))
				return cli_usage_error("learn", "bad --%s '%s' (a prefix length, 0..%d)",
						       c == O_CIDR4 ? "cidr4" : "cidr6", optarg,
						       c == O_CIDR4 ? 32 : 128);
			*(c == O_CIDR4 ? &l->cidr4 : &l->cidr6) = (int)v;
			break;
		case O_EPHEMERAL:
			l->ephemeral = true;
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "systemd"))
				l->systemd = true;
			else if (strcmp(optarg, "policy"))
				return cli_usage_error("learn", "unknown format '%s' (policy, systemd)", optarg);
			break;
		default:
			if (optopt == 'o')
				return cli_usage_error("learn", "-o needs a FILE");
			return cli_usage_error("learn", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("learn", "no LOG given ('-' reads standard input)");
	if (l->systemd && (l->base_path || l->per_exe))
		return cli_usage_error("learn", "--format systemd writes one unit's settings: "
				       "not with --base or --per-exe");
	l->files = argv + optind;
	l->nfiles = argc - optind;
	return 0;
}

/* ---- the pipeline ------------------------------------------------------------------- */

/* Every event of the logs into the behaviour table: 0, or the exit status. */
static int learn_read(struct learn *l)
{
	/* Loss records (.loss NULL) say nothing about what a policy must allow. */
	static const struct logread_sink sink = {
		.event = on_event, .junk = on_junk, .error = on_error,
	};

	if (logread_files(l->files, l->nfiles, &sink, l) < 0 || l->nomem) {
		cli_error("learn", "out of memory");
		return 2;
	}
	return l->failed ? 2 : 0;
}

/* Drop the behaviours BASE allows already, and those one of its rules
 * denies on purpose (said on stderr: the user's deny is kept). */
static void learn_drop_base(struct learn *l, const struct policy *base)
{
	for (size_t i = 0; base && i < l->nrules; i++) {
		struct lrule *r = &l->rules[i];
		const char *by;

		if (base_allows(base, l, r, &by)) {
			r->dead = true;
		} else if (by) {
			r->dead = true;
			cli_error("learn", "note: the base rule '%s' denies %" PRIu64 " observed event%s; kept",
				  by, r->count, r->count == 1 ? "" : "s");
		}
	}
}

/* Sort, merge where the merge stays exact, sort again: the order is the
 * output's, the same for the same behaviours. */
static void learn_shape(struct learn *l)
{
	sort_ctx = l;
	qsort(l->rules, l->nrules, sizeof(*l->rules), cmp_rule);
	merge(l, D_FAMILY);
	merge(l, D_TYPE);
	merge(l, D_HOW);
	qsort(l->rules, l->nrules, sizeof(*l->rules), cmp_rule);
}

/* An id for every live rule, unique among them and BASE's ("-2", "-3"...). */
static void learn_name(struct learn *l, const struct policy *base)
{
	for (size_t i = 0; i < l->nrules; i++) {
		struct lrule *r = &l->rules[i];
		char stem[80];

		if (r->dead)
			continue;
		make_id(l, r);
		if (!id_taken(l, base, r, r->id))
			continue;
		memcpy(stem, r->id, sizeof(stem) - 1);
		stem[sizeof(stem) - 1] = '\0';
		for (unsigned k = 2; id_taken(l, base, r, r->id) && k < 100000; k++)
			snprintf(r->id, sizeof(r->id), "%s-%u", stem, k % 100000);
	}
}

/* Write the policy: to stdout, or to -o FILE through a temporary file
 * renamed over it, so that FILE is never half written.  0 or 2. */
static int learn_write(struct learn *l, const struct cli_policy *base)
{
	char *tmp = NULL;
	FILE *out = stdout;
	struct stat sb;
	int st = 2;

	if (l->out_path && stat(l->out_path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		/* A device, a FIFO: written to as it is.  Renamed over, it
		 * would be replaced by a file (/dev/null, as root). */
		out = fopen(l->out_path, "w");
		if (!out) {
			cli_error("learn", "%s: %s", l->out_path, strerror(errno));
			out = stdout;
			goto out;
		}
	} else if (l->out_path) {
		/* A file: written whole next to it, then renamed over it, so
		 * that it is never half a policy. */
		if (asprintf(&tmp, "%s.tmp.%d", l->out_path, (int)getpid()) < 0)
			return 2;
		out = fopen(tmp, "w");
		if (!out) {
			cli_error("learn", "%s: %s", tmp, strerror(errno));
			out = stdout;
			goto out;
		}
	}
	if (l->systemd) {
		put_systemd(out, l);
	} else if (!base->policy) {
		put_policy(out, l);
	} else if (put_spliced(out, l, base->policy, base->text, base->len) < 0) {
		cli_error("learn", "%s: cannot find where to add rules", l->base_path);
		goto out;
	}
	if (fflush(out) != 0 || ferror(out)) {
		cli_error("learn", "%s: %s", tmp ? tmp : l->out_path ? l->out_path : "stdout",
			  strerror(errno));
		goto out;
	}
	if (tmp) {
		fclose(out);
		out = stdout;
		if (rename(tmp, l->out_path) < 0) {
			cli_error("learn", "%s: %s", l->out_path, strerror(errno));
			goto out;
		}
		free(tmp);
		tmp = NULL;
	}
	st = 0;
out:
	if (out != stdout)
		fclose(out);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return st;
}

/* A policy learned from nothing allows nothing: most likely a mistake (an
 * empty log, the wrong file, a log of junk).  Say so before writing it;
 * CLI_EXIT_EMPTY then, so that a pipeline does not go on with it.  0, or
 * that status. */
static int learn_warn_empty(const struct learn *l)
{
	if (l->learned)
		return 0;
	cli_error("learn", "warning: no event to learn from%s: %s",
		  l->events ? " (none but sockaudit's own)" : l->junk ? " (only lines that are not events)" : "",
		  l->systemd ? "the settings allow no socket family" :
		  l->base_path ? "the base policy is written unchanged" :
		  l->addr_events ? "the policy denies every socket and every address it names" :
		  "the policy denies every socket");
	return CLI_EXIT_EMPTY;
}

/* What was left out, on stderr: 0, or 1 when some lines were not events. */
static int learn_notes(const struct learn *l)
{
	if (l->skipped_self)
		cli_error("learn", "note: %" PRIu64 " event%s of sockaudit's own launcher not learned",
			  l->skipped_self, l->skipped_self == 1 ? "" : "s");
	if (l->skipped_malformed)
		cli_error("learn", "note: %" PRIu64 " address event%s with a malformed address not "
			  "learned: a policy cannot name one (the trailing deny refuses it)",
			  l->skipped_malformed, l->skipped_malformed == 1 ? "" : "s");
	if (l->skipped_nohost)
		cli_error("learn", "note: %" PRIu64 " lookup%s without a host name not learned: "
			  "a host rule cannot name one (the trailing deny refuses it)",
			  l->skipped_nohost, l->skipped_nohost == 1 ? "" : "s");
	if (l->skipped_unwritable)
		cli_error("learn", "note: %" PRIu64 " address event%s not learned: the address "
			  "has no policy form (a NUL in an abstract name, a path starting with '@', "
			  "a socket of unknown family)",
			  l->skipped_unwritable, l->skipped_unwritable == 1 ? "" : "s");
	if (l->sd_unnamed)
		cli_error("learn", "note: %" PRIu64 " famil%s without a name left out of "
			  "RestrictAddressFamilies=", l->sd_unnamed, l->sd_unnamed == 1 ? "y" : "ies");
	if (l->junk)
		cli_error("learn", "%" PRIu64 " %s", l->junk,
			  l->junk == 1 ? "line is not an event" : "lines are not events");
	return l->junk ? CLI_EXIT_NO : 0;
}

static void learn_free(struct learn *l)
{
	for (size_t i = 0; i < l->nrules; i++)
		free(l->rules[i].exes);
	free(l->rules);
	free(l->slots);
	for (size_t i = 0; i < l->nexe; i++)
		free(l->exe_names[i]);
	free(l->exe_names);
	free(l->exe_slots);
	free(l->sd_ips);
	free(l->sd_binds);
	free(l);
}

int cmd_learn(int argc, char **argv)
{
	static const struct cli_load_opts load = { .verb = "learn" };
	struct learn *l = calloc(1, sizeof(*l));
	struct cli_policy base = { 0 };
	ssize_t n;
	int st, empty;

	if (!l) {
		cli_error("learn", "out of memory");
		return 2;
	}
	st = parse_args(l, argc, argv);
	if (st) {
		st = st < 0 ? 0 : st;
		goto out;
	}
	n = readlink("/proc/self/exe", l->self_exe, sizeof(l->self_exe) - 1);
	l->self_exe[n > 0 ? n : 0] = '\0';
	if (l->base_path && cli_policy_load(&load, l->base_path, &base)) {
		st = CLI_EXIT_BAD_POLICY;
		goto out;
	}
	if (l->ephemeral)
		ephemeral_range(l);
	st = learn_read(l);
	if (st)
		goto out;
	empty = learn_warn_empty(l);
	learn_drop_base(l, base.policy);
	learn_shape(l);
	learn_name(l, base.policy);
	st = learn_write(l, &base);
	if (!st)
		st = learn_notes(l);
	if (!st || st == CLI_EXIT_NO)
		st = empty ? empty : st;
out:
	cli_policy_free(&base);
	learn_free(l);
	return st;
}
