/* SPDX-License-Identifier: MIT */
/* logread.h - the streaming reader of sockaudit event logs (JSON Lines).
 *
 * Shared by `sockaudit report`, `learn` and `eval` replay.  Memory is flat
 * whatever the log's size: lines are read into one bounded buffer (a line
 * longer than LOGREAD_LINE_MAX is skipped to its newline and counted as junk,
 * never buffered whole), and an event's strings point into that buffer.
 *
 * Lines are read for the version 1 event schema (schema.h, DESIGN.md) with
 * the strict JSON scanner (json/scan.h): any key order and whitespace,
 * unknown keys skipped, never a broken line accepted.  A line that is not a valid event is
 * classified with a reason: truncated, foreign JSON, binary junk, NUL bytes,
 * a newer schema version, ...
 */
#ifndef SOCKAUDIT_LOGREAD_H
#define SOCKAUDIT_LOGREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "scan.h"
#include "schema.h"
#include "seal.h"

#define LOGREAD_LINE_MAX (64 * 1024)	/* longer lines are junk */
#define LOGREAD_DEPTH_MAX 32		/* deeper nesting is junk */

/* A JSON string as it stands in the line, between its quotes: still escaped
 * (so it can be copied into JSON output as is).  p == NULL: null or absent. */
struct logread_str {
	const char *p;
	size_t len;
};

/* A value that is a name, a number, or null ("family", "type", ...).  Events
 * write a value without a name as a decimal string ("50"); logs written
 * before that have a bare number (50).  Both are LOGREAD_NUM. */
enum logread_kind { LOGREAD_NULL, LOGREAD_NAME, LOGREAD_NUM };

struct logread_val {
	enum logread_kind kind;
	struct logread_str name;	/* LOGREAD_NAME */
	long long num;			/* LOGREAD_NUM */
	struct logread_str raw;		/* the value's JSON text ("\"AF_INET\"", "\"50\"", "null") */
};

/* An ADDRESS of an address event (args[1]) or accept's "peer", in the
 * shape the event writer gives it (CPython's getsockname()). */
struct logread_addr {
	int family;			/* AF_INET, AF_INET6, AF_UNIX, AF_NETLINK,
					   another family's number; -1: null */
	uint8_t ip[16];			/* inet, network order (AF_INET: 4 bytes) */
	int port;			/* inet */
	uint32_t flowinfo, scope_id;	/* AF_INET6 */
	uint32_t nl_pid, nl_groups;	/* AF_NETLINK */
	bool abstract;			/* AF_UNIX: an abstract name */
	struct logread_str text;	/* inet: the IP text; AF_UNIX: the path
					   string (escaped, "\u0000" first for an
					   abstract name); other: the hex */
	struct logread_str raw;		/* the ADDRESS's JSON text */
};

/* The longest AF_UNIX path and getaddrinfo host the reader decodes for a
 * policy_call (logread_call()); longer ones are malformed events (a
 * sun_path holds 108 bytes, a host name at most NI_MAXHOST). */
#define LOGREAD_PATH_MAX 108
#define LOGREAD_HOST_MAX 1025

/* One event.  Pointers are into the line: valid until the next read. */
struct logread_event {
	uint64_t seq;
	int64_t ts;			/* nanoseconds since the epoch, UTC */
	enum policy_event event;
	long long args[5];		/* CPython's order; see args_null: the
					   integers (an ADDRESS or a string
					   leaves 0 here, args_null false) */
	bool args_null[5];
	struct logread_str args_str[5];	/* a string argument (getaddrinfo's
					   host and service), p NULL otherwise */
	int nargs;			/* 4 for socket.__new__, 2 for
					   socket.shutdown and the address
					   events, 5 for socket.getaddrinfo */
	struct logread_str call;	/* may be absent */
	struct logread_val family, type, protocol, how;
	struct logread_str flags;	/* the JSON array's text, or absent */
	long long result;
	bool result_null;
	struct logread_val err;		/* "errno": a name, or null */
	enum event_decision decision;
	struct logread_str rule;	/* p == NULL: the policy default */
	struct logread_str mode;
	long long pid, tid, ppid;
	struct logread_str exe, comm;	/* p == NULL: null or absent */
	enum event_layer layer;
	uint64_t lost;			/* a loss record's "lost" */
	struct logread_str seal;	/* the supervisor's seal (seal.h), or absent */
	/* The address events (socket.connect, .bind, .sendto, .sendmsg):
	 * args[1] decoded (family -1: null), and the "malformed" word
	 * ("none", "short", "long", "fault"; p NULL: absent).  accept's
	 * "peer" in PEER (family -1: null or absent). */
	struct logread_addr addr, peer;
	struct logread_str malformed;
	struct logread_str address;	/* the "address" key: p NULL: null/absent */
	long long port;			/* the "port" key; -1: null or absent */
	/* socket.getaddrinfo: "host" (p NULL: null or absent), "addresses"
	 * (the array's JSON text; iterate with logread_addresses_next()),
	 * "gai_error" (p NULL: null or absent). */
	struct logread_str host;
	struct logread_str addresses;
	unsigned n_addresses;
	struct logread_str gai_error;
	/* A seal record (event.h), and what it holds. */
	bool record;			/* "event" is the seal record's word */
	struct logread_str key;		/* hex */
	uint64_t sealed;
	struct logread_str line;	/* the whole line, without its newline */
	/* Decoded for logread_call(), and only for the events that have
	 * them (not cleared per line: read only what path_len, host_len say). */
	size_t path_len;		/* addr's AF_UNIX path (the name after
					   the NUL for an abstract one) */
	long host_len;			/* args[0] of getaddrinfo; -1: null */
	char path[LOGREAD_PATH_MAX + 1];
	char hostbuf[LOGREAD_HOST_MAX + 1];
};

/* The next IP text of EV's "addresses" into *IP (the address bytes, 4 of
 * them for IPv4) and *FAMILY (AF_INET, AF_INET6): CUR starts at 0, and is
 * moved past the entry.  False at the end. */
bool logread_addresses_next(const struct logread_event *ev, size_t *cur,
			    int *family, uint8_t ip[16], struct logread_str *text);

/* EV's address (ev->addr) as the policy language writes one, decoded
 * bytes: the inet text ("127.0.0.1", "::1"), the AF_UNIX path, "@" and an
 * abstract name, "" for unnamed; into BUF of CAP bytes, NUL-terminated (a
 * path may hold other bytes than UTF-8: the caller escapes).  Returns the
 * length, or -1 when the address has no such form (null, AF_NETLINK, other
 * families) or does not fit. */
long logread_addr_policy_text(const struct logread_event *ev, char *buf, size_t cap);

/* Why a line is not an event. */
enum logread_junk {
	LOGREAD_JUNK_NONE,
	LOGREAD_JUNK_TOO_LONG,		/* longer than LOGREAD_LINE_MAX */
	LOGREAD_JUNK_NUL,		/* holds NUL bytes */
	LOGREAD_JUNK_BINARY,		/* control bytes or invalid UTF-8 outside strings */
	LOGREAD_JUNK_TRUNCATED,		/* JSON that ends too early */
	LOGREAD_JUNK_SYNTAX,		/* not JSON */
	LOGREAD_JUNK_DEEP,		/* nested deeper than LOGREAD_DEPTH_MAX */
	LOGREAD_JUNK_FOREIGN,		/* valid JSON, not a sockaudit event */
	LOGREAD_JUNK_VERSION,		/* an event of a newer schema version */
	LOGREAD_JUNK_BAD_FIELD,		/* an event key with a value of the wrong shape */
	LOGREAD_LOSS_RECORD,		/* not junk: a loss record (event.h), ev->lost */
	LOGREAD_SEAL_RECORD,		/* not junk: a seal record (event.h) */
	LOGREAD_JUNK_COUNT,
};

/* A short English name for J ("truncated line", "NUL bytes", ...). */
const char *logread_junk_name(enum logread_junk j);

/* Parse one LINE of LEN bytes (no newline) into *EV.  Returns
 * LOGREAD_JUNK_NONE for an event; otherwise the reason, with a detail such as
 * "missing key \"seq\"" in DETAIL (a buffer of DETAIL_LEN bytes; may be NULL).
 * Blank lines are junk too (LOGREAD_JUNK_SYNTAX): the reader skips them
 * before calling this.  Allocates nothing. */
enum logread_junk logread_parse_line(const char *line, size_t len,
				     struct logread_event *ev,
				     char *detail, size_t detail_len);

/* The lines logread_parse_line() has read in this thread in the writer's
 * own compact form, on its fast path (logread.c, "the writer's own form"):
 * the tests check that path is taken, and gives what the general one
 * gives. */
uint64_t logread_fast_lines(void);

/* Streaming reader over one file descriptor. */
struct logread;

enum logread_status {
	LOGREAD_EOF = 0,
	LOGREAD_EVENT = 1,	/* *EV holds an event */
	LOGREAD_JUNKLINE = 2,	/* *JUNK says why line logread_line() is not one */
	LOGREAD_LOSS = 3,	/* a loss record: ev->lost events of a run were lost */
	LOGREAD_SEAL = 4,	/* a seal record: ev->key, ev->sealed, ev->seal */
};

/* Read from FD (not closed by logread_close()).  Returns NULL when out of
 * memory. */
struct logread *logread_open(int fd);

/* Next line: LOGREAD_EVENT, LOGREAD_JUNKLINE (with the reason in *JUNK and a
 * detail in DETAIL), LOGREAD_EOF, or a negative errno when reading failed.
 * Blank lines are skipped silently.  The last line of a file may lack its
 * newline. */
int logread_next(struct logread *r, struct logread_event *ev,
		 enum logread_junk *junk, char *detail, size_t detail_len);

/* The line number of the line logread_next() returned last, from 1. */
uint64_t logread_line(const struct logread *r);

void logread_close(struct logread *r);

/* What the seals of the notify layer (seal.h) say about one file.  Only a
 * regular file is checked, and read twice when it holds seal records (they
 * hold the keys, at the end of each run); standard input and other streams
 * are not (CHECKABLE false), nor a file without seal records (RECORDS 0):
 * their claims are not verifiable, which is no failure. */
struct logread_seals {
	bool checkable;
	uint64_t records;	/* seal records (runs whose key is known) */
	uint64_t runs;		/* of them, whose chain verified to its end */
	uint64_t claims;	/* events that say "layer":"notify" */
	uint64_t verified;	/* of them, on a run's chain */
	uint64_t unsealed;	/* of them, after the file's last seal record */
	uint64_t failed;	/* lines that claim a seal and do not verify
				   (claims or records) */
	uint64_t first_failed;	/* the first of them: its line, and why */
	const char *why;
};

/* Reading several logs in turn ("-" is standard input): the callbacks a tool
 * gives logread_files().  FILE is the index into the paths; LINE from 1. */
struct logread_sink {
	void (*event)(void *ctx, const struct logread_event *ev, int file, uint64_t line);
	void (*junk)(void *ctx, enum logread_junk junk, const char *detail,
		     int file, uint64_t line);
	void (*error)(void *ctx, int file, int err);	/* cannot open or read: -errno */
	/* A loss record (may be NULL: then skipped). */
	void (*loss)(void *ctx, uint64_t lost, int file, uint64_t line);
	/* After each file read to its end: its seals (may be NULL: then not
	 * checked, and each file is read once). */
	void (*seals)(void *ctx, const struct logread_seals *s, int file);
};

/* Read the N logs PATHS in order, feeding SINK.  Returns the number of files
 * that could not be read (each reported to sink->error), or -ENOMEM. */
int logread_files(char *const *paths, int n, const struct logread_sink *sink, void *ctx);

/* The seal of the last seal record ("sockaudit.seal") in the regular file
 * FD, read backwards from its end: 1 with it in OUT (SEAL_LEN bytes), 0 when
 * there is none or FD is not a regular file, -errno.  A supervisor starts its
 * chain from it (seal.h). */
int logread_last_seal(int fd, uint8_t out[SEAL_LEN]);

/* Decode JSON string S (its escapes; \u0080..\u00ff become the single bytes
 * the event writer escaped them from) into BUF of CAP bytes, NUL-terminated.
 * Returns the decoded length, or -ENAMETOOLONG when it does not fit (BUF then
 * holds a truncated prefix).  S must have been validated by the parser. */
long logread_unescape(struct logread_str s, char *buf, size_t cap);

/* Parse an RFC 3339 time ("2026-11-24T04:05:06.123Z", "...+02:00", a date
 * "2026-11-24" meaning its midnight UTC) into nanoseconds since the epoch:
 * 0 on success, -EINVAL otherwise. */
int logread_parse_time(const char *s, size_t len, int64_t *ns);

/* The inverse, to the second: NS as "2026-11-24T04:05:06Z" into BUF of CAP
 * bytes (21 are enough), rounded down (so also before the epoch). */
void logread_format_time(char *buf, size_t cap, int64_t ns);

/* The facts a policy decides on, from event EV: for socket.__new__ the raw
 * args (family, type and protocol exactly as passed), for socket.shutdown
 * "how" and the decoded family, type and protocol names (an unknown name
 * gives -1).  EXE is the caller's buffer for the decoded executable path
 * (NULL in CALL->exe when the event has none).  NAME_VALUE maps a decoded
 * name to its number (names_value / names_protocol_value); pass NULL to use
 * numbers only.  Returns 0, or -EINVAL when the event lacks what is needed. */
int logread_call(const struct logread_event *ev, struct policy_call *call,
		 char *exe, size_t exe_cap,
		 int (*name_value)(int field, const char *name, int *value));

/* What an address event names, for people (tools' lists): the address
 * as a policy writes it and the port ("127.0.0.1 port 80", "/run/x.sock",
 * "@name", "(unnamed)", "malformed short", the ADDRESS text of another
 * family); a lookup's host; "" for the other events.  Into BUF of CAP
 * bytes, NUL-terminated; valid UTF-8 kept, control bytes and bytes of no
 * valid sequence as \xHH (a path may hold any: the text goes into tables
 * and JSON strings as is). */
void logread_where(const struct logread_event *ev, char *buf, size_t cap);

/* Which field NAME_VALUE is asked about. */
enum logread_field { LOGREAD_F_FAMILY, LOGREAD_F_TYPE, LOGREAD_F_PROTOCOL, LOGREAD_F_HOW };

/* The NAME_VALUE of logread_call() that asks the names tables (names.h):
 * AF_*, SOCK_*, SHUT_*, and a protocol name of any table. */
int logread_names_value(int field, const char *name, int *value);

#endif
