/* SPDX-License-Identifier: MIT */
/* packed.c - an event as a flat record, for the run's ring (event.h).
 *
 * The preload shim copies its event into the ring as this record, and the
 * launcher formats the JSON line from it (event_unpack, event_format): the
 * program pays for a few copies, not for the formatting.  The record is
 * written by the audited program and read by the launcher, so unpacking
 * trusts nothing in it: every string must lie inside the record and end in
 * its NUL, every enum be in range, every length in its array; a record that
 * is not so is refused, never formatted.
 *
 * Layout: the head, the address (when there is one), the addresses of a
 * lookup, then the strings, each with its NUL.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "event.h"

#define PACKED_MAGIC 0x6b706173u	/* "sapk" */

enum { PS_CALL, PS_RULE, PS_MODE, PS_EXE, PS_COMM, PS_HOST, PS_SERVICE, PS_COUNT };

struct packed_str {
	uint16_t off, len;		/* off 0: NULL */
};

struct packed_head {
	uint32_t magic, size;
	uint64_t seq;
	int64_t ts_sec, ts_nsec;
	int64_t self, result;
	int32_t event, family, type, protocol, how, err;
	int32_t pid, tid, ppid;
	uint32_t unknown;
	uint8_t self_known, result_unknown, decision, layer, peer, has_addr, nfound, has_found;
	struct packed_str str[PS_COUNT];
};

_Static_assert(PS_COUNT == EVENT_PACKING_STRS, "struct event_packing holds each string's length");

/* How much of each string a record keeps: what its line can show. */
static const size_t packed_keep[PS_COUNT] = {
	[PS_CALL] = EVENT_STR_KEEP(EVENT_BUDGET_WORD),
	[PS_RULE] = EVENT_STR_KEEP(EVENT_BUDGET_RULE),
	[PS_MODE] = EVENT_STR_KEEP(EVENT_BUDGET_WORD),
	[PS_EXE] = EVENT_STR_KEEP(EVENT_BUDGET_EXE),
	[PS_COMM] = EVENT_STR_KEEP(EVENT_BUDGET_COMM),
	[PS_HOST] = EVENT_STR_KEEP(EVENT_BUDGET_HOST),
	[PS_SERVICE] = EVENT_STR_KEEP(EVENT_BUDGET_SERVICE),
};

/* The head, an address, every lookup address and every string at its
 * longest, each with its NUL. */
_Static_assert(sizeof(struct packed_head) + sizeof(struct calls_addr) +
	       EVENT_ADDRESSES_MAX * sizeof(struct event_found) + PS_COUNT +
	       2 * EVENT_STR_KEEP(EVENT_BUDGET_WORD) + EVENT_STR_KEEP(EVENT_BUDGET_RULE) +
	       EVENT_STR_KEEP(EVENT_BUDGET_EXE) + EVENT_STR_KEEP(EVENT_BUDGET_COMM) +
	       EVENT_STR_KEEP(EVENT_BUDGET_HOST) + EVENT_STR_KEEP(EVENT_BUDGET_SERVICE)
	       <= EVENT_PACKED_MAX, "every record fits EVENT_PACKED_MAX");

/* String I (S) as the record keeps it: its length into PK, its bytes and
 * NUL added to *N.  Inline with a constant I, as the calls below are: the
 * record is packed on the program's time, for every event. */
static inline void packed_measure_str(const char *s, int i, struct event_packing *pk, size_t *n)
{
	size_t len = 0;

	if (s) {
		len = strnlen(s, packed_keep[i]);
		*n += len + 1;
	}
	pk->len[i] = (uint16_t)len;
}

size_t event_pack_measure(const struct event *e, struct event_packing *pk)
{
	size_t n = sizeof(struct packed_head);

	if (e->addr)
		n += sizeof(*e->addr);
	pk->nfound = e->found ? event_found_distinct(e->found, pk->found) : 0;
	n += pk->nfound * sizeof(pk->found[0]);
	packed_measure_str(e->call, PS_CALL, pk, &n);
	packed_measure_str(e->rule, PS_RULE, pk, &n);
	packed_measure_str(e->mode, PS_MODE, pk, &n);
	packed_measure_str(e->exe, PS_EXE, pk, &n);
	packed_measure_str(e->comm, PS_COMM, pk, &n);
	packed_measure_str(e->host, PS_HOST, pk, &n);
	packed_measure_str(e->service, PS_SERVICE, pk, &n);
	return pk->size = n;
}

/* String I (S, measured into PK) into the record P at AT; returns where
 * the next one goes.  A NULL leaves its offset 0. */
static inline size_t packed_put_str(char *p, size_t at, const char *s, int i,
				    const struct event_packing *pk, struct packed_head *h)
{
	if (!s)
		return at;
	memcpy(p + at, s, pk->len[i]);
	p[at + pk->len[i]] = '\0';
	h->str[i].off = (uint16_t)at;
	h->str[i].len = pk->len[i];
	return at + pk->len[i] + 1u;
}

void event_pack_into(void *buf, const struct event *e, const struct event_packing *pk)
{
	struct packed_head h = {
		.magic = PACKED_MAGIC,
		.size = (uint32_t)pk->size,
		.seq = e->seq,
		.ts_sec = e->ts.tv_sec,
		.ts_nsec = e->ts.tv_nsec,
		.self = e->self,
		.result = e->result,
		.event = (int32_t)e->event,
		.family = e->family,
		.type = e->type,
		.protocol = e->protocol,
		.how = e->how,
		.err = e->err,
		.pid = e->pid,
		.tid = e->tid,
		.ppid = e->ppid,
		.unknown = e->unknown,
		.self_known = e->self_known,
		.result_unknown = e->result_unknown,
		.decision = (uint8_t)e->decision,
		.layer = (uint8_t)e->layer,
		.peer = e->peer,
		.has_addr = e->addr != NULL,
		.nfound = (uint8_t)pk->nfound,
		.has_found = e->found != NULL,
	};
	char *p = buf;
	size_t at = sizeof(h);

	if (e->addr) {
		memcpy(p + at, e->addr, sizeof(*e->addr));
		at += sizeof(*e->addr);
	}
	if (pk->nfound) {
		memcpy(p + at, pk->found, pk->nfound * sizeof(pk->found[0]));
		at += pk->nfound * sizeof(pk->found[0]);
	}
	at = packed_put_str(p, at, e->call, PS_CALL, pk, &h);
	at = packed_put_str(p, at, e->rule, PS_RULE, pk, &h);
	at = packed_put_str(p, at, e->mode, PS_MODE, pk, &h);
	at = packed_put_str(p, at, e->exe, PS_EXE, pk, &h);
	at = packed_put_str(p, at, e->comm, PS_COMM, pk, &h);
	at = packed_put_str(p, at, e->host, PS_HOST, pk, &h);
	packed_put_str(p, at, e->service, PS_SERVICE, pk, &h);
	memcpy(p, &h, sizeof(h));
}

size_t event_pack(void *buf, size_t cap, const struct event *e)
{
	struct event_packing pk;

	if (!event_pack_measure(e, &pk) || pk.size > cap)
		return 0;
	event_pack_into(buf, e, &pk);
	return pk.size;
}

/* String I of the record at P (SIZE bytes), or NULL; false when it does not
 * lie inside the record with its NUL. */
static bool packed_get_str(const char *p, size_t size, const struct packed_str *ps,
			   const char **out)
{
	*out = NULL;
	if (!ps->off)
		return true;
	if ((size_t)ps->off + ps->len + 1 > size || p[ps->off + ps->len] != '\0' ||
	    memchr(p + ps->off, '\0', ps->len))
		return false;
	*out = p + ps->off;
	return true;
}

/* E's ident from U's, when its exe and comm (as H measured them) are the
 * last ones; else made and kept for the next record. */
static void packed_ident(struct event *e, const struct packed_head *h, struct event_unpacked *u)
{
	size_t exe_len = h->str[PS_EXE].len, comm_len = h->str[PS_COMM].len;

	if (!e->exe || !e->comm || exe_len >= sizeof(u->ident_exe) ||
	    comm_len >= sizeof(u->ident_comm))
		return;
	if (!u->ident_len || memcmp(u->ident_exe, e->exe, exe_len + 1) ||
	    memcmp(u->ident_comm, e->comm, comm_len + 1)) {
		u->ident_len = event_format_ident(u->ident, sizeof(u->ident), e->exe, e->comm);
		memcpy(u->ident_exe, e->exe, exe_len + 1);
		memcpy(u->ident_comm, e->comm, comm_len + 1);
	}
	if (u->ident_len) {
		e->ident = u->ident;
		e->ident_len = u->ident_len;
	}
}

bool event_unpack(const void *rec, size_t len, struct event *e, struct event_unpacked *u)
{
	const char *p = rec;
	struct packed_head h;
	const char *strs[PS_COUNT];
	size_t at = sizeof(h);

	if (len < sizeof(h))
		return false;
	memcpy(&h, p, sizeof(h));
	if (h.magic != PACKED_MAGIC || h.size != len || h.event < 0 ||
	    h.event >= POLICY_EV_COUNT || h.decision >= EVENT_DECISION_COUNT ||
	    h.layer >= EVENT_LAYER_COUNT || h.nfound > EVENT_ADDRESSES_MAX ||
	    h.ts_nsec < 0 || h.ts_nsec >= 1000000000)
		return false;
	memset(e, 0, sizeof(*e));
	memset(&u->empty, 0, sizeof(u->empty));
	if (h.has_addr) {
		if (at + sizeof(u->addr) > len)
			return false;
		memcpy(&u->addr, p + at, sizeof(u->addr));
		at += sizeof(u->addr);
		if ((unsigned)u->addr.status > CALLS_ADDR_FAULT)
			return false;
		/* The lengths that index arrays: the union's, for its family. */
		if (u->addr.family == AF_UNIX && u->addr.un.len > sizeof(u->addr.un.path))
			return false;
		if (u->addr.family != AF_UNIX && u->addr.family != AF_INET &&
		    u->addr.family != AF_INET6 && u->addr.family != AF_NETLINK &&
		    u->addr.raw.len > sizeof(u->addr.raw.bytes))
			return false;
		e->addr = &u->addr;
	}
	if (h.nfound) {
		struct event_found f;

		if (at + h.nfound * sizeof(f) > len)
			return false;
		for (unsigned i = 0; i < h.nfound; i++) {
			struct sockaddr_in6 *sa6 = &u->sa[i];
			struct sockaddr_in *sa4 = (struct sockaddr_in *)sa6;

			memcpy(&f, p + at + i * sizeof(f), sizeof(f));
			memset(sa6, 0, sizeof(*sa6));
			memset(&u->ai[i], 0, sizeof(u->ai[i]));
			if (f.family == AF_INET) {
				sa4->sin_family = AF_INET;
				memcpy(&sa4->sin_addr, f.ip, 4);
				u->ai[i].ai_addrlen = sizeof(*sa4);
			} else if (f.family == AF_INET6) {
				sa6->sin6_family = AF_INET6;
				memcpy(&sa6->sin6_addr, f.ip, 16);
				u->ai[i].ai_addrlen = sizeof(*sa6);
			} else {
				return false;
			}
			u->ai[i].ai_family = f.family;
			u->ai[i].ai_addr = (struct sockaddr *)sa6;
			u->ai[i].ai_next = i + 1 < h.nfound ? &u->ai[i + 1] : NULL;
		}
		at += h.nfound * sizeof(f);
	}
	for (int i = 0; i < PS_COUNT; i++)
		if (!packed_get_str(p, len, &h.str[i], &strs[i]))
			return false;
	(void)at;
	e->seq = h.seq;
	e->ts.tv_sec = (time_t)h.ts_sec;
	e->ts.tv_nsec = (long)h.ts_nsec;
	e->event = (enum policy_event)h.event;
	e->call = strs[PS_CALL];
	e->self = (long)h.self;
	e->self_known = h.self_known;
	e->family = h.family;
	e->type = h.type;
	e->protocol = h.protocol;
	e->how = h.how;
	e->result = (long)h.result;
	e->err = h.err;
	e->result_unknown = h.result_unknown;
	e->decision = (enum event_decision)h.decision;
	e->rule = strs[PS_RULE];
	e->mode = strs[PS_MODE];
	e->pid = h.pid;
	e->tid = h.tid;
	e->ppid = h.ppid;
	e->exe = strs[PS_EXE];
	e->comm = strs[PS_COMM];
	e->peer = h.peer;
	e->host = strs[PS_HOST];
	e->service = strs[PS_SERVICE];
	/* A lookup that returned no list has none; one that returned only
	 * addresses "addresses" does not show keeps an empty one. */
	if (h.has_found)
		e->found = h.nfound ? &u->ai[0] : &u->empty;
	e->layer = (enum event_layer)h.layer;
	e->unknown = h.unknown;
	packed_ident(e, &h, u);
	e->memo = &u->memo;
	return true;
}
