/* SPDX-License-Identifier: MIT */
/* event.h - one audit event, and its JSON line (schema.h: version 1).
 *
 * Shared by the preload shim and the notify supervisor so both layers write
 * byte-for-byte the same schema.  event_format() is async-signal-safe: it
 * formats into the caller's buffer with no allocation, no stdio, no locale.
 */
#ifndef SOCKAUDIT_EVENT_H
#define SOCKAUDIT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <netdb.h>
#include <netinet/in.h>

#include "addr.h"
#include "policy.h"
#include "schema.h"

#define EVENT_LINE_MAX 4096	/* a formatted line never exceeds this */
#define EVENT_ADDRESSES_MAX 16	/* socket.getaddrinfo's "addresses" */

struct event {
	uint64_t seq;			/* per process, from 1 */
	struct timespec ts;		/* CLOCK_REALTIME */
	enum policy_event event;
	const char *call;		/* "socket", "socketpair", "accept", "accept4", "shutdown" */

	/* args, CPython's order: socket.__new__ [self, family, type, protocol],
	 * socket.shutdown [self, how]. */
	long self;
	bool self_known;		/* false: "self" is written as null */
	int family, type, protocol;	/* type and protocol exactly as passed */
	int how;

	/* The decoded names describe the socket; when family is -1 (unknown)
	 * family, type, flags and protocol are written as null.  A value
	 * without a name is written as its decimal number in a string ("50"),
	 * so that every key keeps one JSON type; args keep the integers. */

	long result;			/* what the caller saw */
	int err;			/* errno the caller saw, 0: null */
	bool result_unknown;		/* true: "result" and "errno" are null
					   (a notified call the supervisor let
					   continue never shows it the result) */
	enum event_decision decision;	/* event_decision_of() */
	const char *rule;		/* rule id, NULL: null */
	const char *mode;		/* "enforce" or "audit" */

	pid_t pid, tid, ppid;		/* seq counts per (pid, layer) */
	const char *exe, *comm;		/* any bytes: escaped on output */
	/* exe and comm formatted once for all of a process's events
	 * (event_format_ident), IDENT_LEN bytes; NULL: formatted each time. */
	const char *ident;
	size_t ident_len;
	/* The address events' [self, address] (socket.connect, socket.bind,
	 * socket.sendto, socket.sendmsg), and accept's "peer": the address as
	 * the layer copied and decoded it (its status says when it could not
	 * be used: "malformed"); NULL: null.  PEER: this socket.__new__ is an
	 * accept's, and carries "peer" (ADDR, NULL without a buffer). */
	const struct calls_addr *addr;
	bool peer;

	/* socket.getaddrinfo [host, port, family, type, protocol]: the name
	 * and the service as passed (NULL: null), the hints' family, type and
	 * protocol in the fields above (0 without hints), result the return
	 * value, and FOUND the list the lookup returned ("addresses": the
	 * first EVENT_ADDRESSES_MAX distinct ones). */
	const char *host, *service;
	const struct addrinfo *found;

	enum event_layer layer;
	unsigned unknown;		/* policy_unknown bits: the facts the layer
					   could not read ("unknown", only when
					   not 0) */
	/* The writer's memo of what the last socket it wrote reads as
	 * (struct event_memo), used and updated by event_format(); NULL:
	 * none.  One writer at a time per memo. */
	struct event_memo *memo;
};

/* What a writer of many lines keeps of the sockets of its last ones: the
 * keys family, type, flags and protocol as written for a FAMILY, TYPE and
 * PROTOCOL, EVENT_MEMO_SOCKETS of them, the oldest replaced (a program's
 * events are mostly of a few kinds of socket, and a socket's own events
 * show it two ways: made with protocol 0, shut down with the kernel's).
 * Zeroed: empty. */
#define EVENT_MEMO_SOCKETS 4
#define EVENT_MEMO_SOCKET 192
struct event_memo {
	struct {
		bool used;
		int family, type, protocol;
		size_t len;
		char text[EVENT_MEMO_SOCKET];
	} socket[EVENT_MEMO_SOCKETS];
	unsigned next;			/* the slot to replace */
};

/* Format E as one JSON line ending in '\n' into BUF of CAP bytes (CAP should
 * be EVENT_LINE_MAX).  Returns the line's length.  Overlong strings (exe,
 * comm) are truncated so that the line stays valid JSON and fits.  Returns
 * 0 (nothing usable in BUF) only when CAP is smaller than the line needs,
 * which never happens with CAP >= EVENT_LINE_MAX. */
size_t event_format(char *buf, size_t cap, const struct event *e);

/* The most of each string a line shows (event_format's output budgets,
 * quotes included): an overlong string is cut there, a line never is.  Each
 * raw byte takes at least one byte of output and the formatter looks at
 * most EVENT_STR_LOOKAHEAD bytes past the last one it writes (a UTF-8
 * sequence), so a writer that keeps a string for later formatting (packed.c)
 * can keep its first EVENT_STR_KEEP(budget) bytes: the line comes out the
 * same. */
#define EVENT_BUDGET_EXE 2048		/* at most; less when the place took more */
#define EVENT_BUDGET_COMM 256
#define EVENT_BUDGET_RULE 512
#define EVENT_BUDGET_WORD 64		/* call, mode */
#define EVENT_BUDGET_HOST 300		/* DNS names have at most 253 bytes */
#define EVENT_BUDGET_SERVICE 64
#define EVENT_STR_LOOKAHEAD 4
#define EVENT_STR_KEEP(budget) ((budget) + EVENT_STR_LOOKAHEAD)

/* EXE's and COMM's values as event_format() writes them, into BUF of CAP
 * bytes (at least EVENT_IDENT_MAX): what struct event's ident holds.  The
 * length, 0 when CAP is smaller. */
#define EVENT_IDENT_MAX (EVENT_BUDGET_EXE + EVENT_BUDGET_COMM + 16)
size_t event_format_ident(char *buf, size_t cap, const char *exe, const char *comm);

/* What "addresses" shows of a lookup's list: its distinct inet addresses, in
 * its order, at most EVENT_ADDRESSES_MAX, into OUT; returns their number. */
struct event_found {
	int32_t family;
	uint8_t ip[16];
};
unsigned event_found_distinct(const struct addrinfo *ai, struct event_found *out);

/*
 * An event as a flat record (packed.c): what the preload shim puts into the
 * run's ring, and the launcher formats.  event_pack_measure() fills *PK
 * with what the record of E takes (its size, each string's length, the
 * addresses of a lookup) and returns the size; a string keeps only what its
 * line can show (EVENT_STR_KEEP), so every record fits
 * EVENT_PACKED_MAX; event_pack_into() then copies E and
 * every string and address it points to into BUF (that size), without
 * measuring anything again.  event_pack() does both into BUF of CAP bytes:
 * the record's size, 0 when it does not fit.  event_unpack() checks a
 * record (LEN bytes, written by the audited program: trusted in nothing)
 * and makes *E of it, pointing into REC and U; false when the record is not
 * one.
 */
#define EVENT_PACKING_STRS 7	/* call, rule, mode, exe, comm, host, service */
#define EVENT_PACKED_MAX 4096	/* the largest record (test_event checks) */

struct event_packing {
	size_t size;
	uint16_t len[EVENT_PACKING_STRS];
	unsigned nfound;
	struct event_found found[EVENT_ADDRESSES_MAX];
};

struct event_unpacked {
	struct calls_addr addr;
	struct addrinfo ai[EVENT_ADDRESSES_MAX];
	struct sockaddr_in6 sa[EVENT_ADDRESSES_MAX];
	struct addrinfo empty;		/* a list with no address to show */
	/* The last exe and comm unpacked and their ident: the next record
	 * of the same program gets it (struct event's ident), so that its
	 * line is written without escaping them again.  Zero it before the
	 * first event_unpack() (ident_len 0: none yet). */
	char ident_exe[EVENT_STR_KEEP(EVENT_BUDGET_EXE) + 1];
	char ident_comm[EVENT_STR_KEEP(EVENT_BUDGET_COMM) + 1];
	char ident[EVENT_IDENT_MAX];
	size_t ident_len;
	struct event_memo memo;		/* each unpacked event's memo */
};

size_t event_pack_measure(const struct event *e, struct event_packing *pk);
void event_pack_into(void *buf, const struct event *e, const struct event_packing *pk);
size_t event_pack(void *buf, size_t cap, const struct event *e);
bool event_unpack(const void *rec, size_t len, struct event *e, struct event_unpacked *u);

/*
 * The loss record: not an event but a line of its own kind in the same log,
 * written by `sockaudit run` when it ends with events that could not be
 * written, so that `sockaudit report` counts losses no later seq reveals
 * (those at the end of a log, and those of a process whose every write
 * failed).  It counts every loss of the run, the ones seq gaps show too:
 *   {"v":1,"ts":"...","event":"sockaudit.lost","lost":N,
 *    "lost_preload":A,"lost_notify":B,"pid":RUN}
 * Readers that know only events skip it (logread: LOGREAD_LOSS).
 */
struct event_loss {
	struct timespec ts;
	uint64_t by[EVENT_LAYER_COUNT];	/* events each layer could not write */
	pid_t pid;			/* the sockaudit run that counted them */
};

/* Format L into BUF of CAP bytes: the line's length, 0 when it does not fit. */
size_t event_format_loss(char *buf, size_t cap, const struct event_loss *l);

/*
 * The seal record (seal.h): the last line of a run's chain of seals, written
 * by the supervisor (or its standby) once no process of the tree is left,
 * sealed like its events (the caller appends the "seal" with seal_line()):
 *   {"v":1,"ts":"...","event":"sockaudit.seal","pid":RUN,"sealed":N,"key":"<hex>","seal":"<hex>"}
 * It publishes the key; N counts the run's sealed events.  Readers that know
 * only events skip it (logread: LOGREAD_SEAL).
 */
struct event_seal {
	struct timespec ts;
	pid_t pid;			/* the supervisor, or its standby */
	const uint8_t *key;		/* SEAL_KEY_LEN bytes */
	uint64_t sealed;
};

/* Format S (without its seal) into BUF of CAP bytes: the line's length, 0
 * when it does not fit. */
size_t event_format_seal(char *buf, size_t cap, const struct event_seal *s);

#endif
