/* SPDX-License-Identifier: MIT */
/* logread.c - a streaming reader of event lines, on the JSON scanner.
 *
 * Why not cJSON: report must read a million events a second, and building a
 * tree per line (malloc per node, strtod per number) costs several times the
 * whole budget.  Each line is walked once with json/scan.h, which validates
 * it as strictly as a JSON parser would and keeps strings as spans of the
 * line; this file only maps the members it knows onto struct logread_event.
 *
 * A line goes through three steps, one function each: read_members() (is it
 * JSON, and what does each known key hold), junk_of() (if it is not JSON,
 * why not: binary, truncated, ...) and check_event() (is the JSON an
 * event of this schema).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "logread.h"
#include "names.h"
#include "scan.h"
#include "seal.h"
#include "utf8.h"
#include "words.h"

/* ---- names -------------------------------------------------------------- */

static const char *const junk_names[LOGREAD_JUNK_COUNT] = {
	[LOGREAD_JUNK_NONE] = "event",
	[LOGREAD_JUNK_TOO_LONG] = "line too long",
	[LOGREAD_JUNK_NUL] = "NUL bytes",
	[LOGREAD_JUNK_BINARY] = "binary data",
	[LOGREAD_JUNK_TRUNCATED] = "truncated line",
	[LOGREAD_JUNK_SYNTAX] = "not JSON",
	[LOGREAD_JUNK_DEEP] = "nested too deep",
	[LOGREAD_JUNK_FOREIGN] = "not a sockaudit event",
	[LOGREAD_JUNK_VERSION] = "newer schema version",
	[LOGREAD_JUNK_BAD_FIELD] = "malformed event",
	[LOGREAD_LOSS_RECORD] = "loss record",
	[LOGREAD_SEAL_RECORD] = "seal record",
};

const char *logread_junk_name(enum logread_junk j)
{
	return (unsigned)j < LOGREAD_JUNK_COUNT ? junk_names[j] : "?";
}

/* ---- the keys ------------------------------------------------------------- */

/* In the order the writer puts them (key_of() guesses the next one, and
 * wf_read() takes them in no other): each key's enum, name, length and the
 * `"key":` that stands before its value, from this one list. */
#define KEYS(X) \
	X(V, "v") \
	X(SEQ, "seq") \
	X(TS, "ts") \
	X(EVENT, "event") \
	X(ARGS, "args") \
	X(CALL, "call") \
	X(FAMILY, "family") \
	X(TYPE, "type") \
	X(FLAGS, "flags") \
	X(PROTOCOL, "protocol") \
	X(HOW, "how") \
	X(PEER, "peer") \
	X(HOST, "host") \
	X(ADDRESS, "address") \
	X(PORT, "port") \
	X(ADDRESSES, "addresses") \
	X(MALFORMED, "malformed") \
	X(RESULT, "result") \
	X(ERRNO, "errno") \
	X(GAI_ERROR, "gai_error") \
	X(DECISION, "decision") \
	X(RULE, "rule") \
	X(MODE, "mode") \
	X(PID, "pid") \
	X(TID, "tid") \
	X(PPID, "ppid") \
	X(EXE, "exe") \
	X(COMM, "comm") \
	X(LAYER, "layer") \
	X(LOST, "lost") \
	X(SEALED, "sealed") \
	X(KEY, "key") \
	X(SEAL, "seal")

enum key {
#define X(k, name) K_##k,
	KEYS(X)
#undef X
	K_COUNT, K_UNKNOWN = K_COUNT,
};

static const char *const key_names[K_COUNT] = {
#define X(k, name) name,
	KEYS(X)
#undef X
};

static const unsigned char key_lens[K_COUNT] = {
#define X(k, name) sizeof(name) - 1,
	KEYS(X)
#undef X
};

/* `"key":`, 4 to 12 bytes, each in a 16-byte row (key_at()). */
#define KEY_LIT_MAX 16
static const char key_lits[K_COUNT][KEY_LIT_MAX] __attribute__((aligned(16))) = {
#define X(k, name) "\"" name "\":",
	KEYS(X)
#undef X
};

#define BIT(k) (UINT64_C(1) << (k))

/* Keys a loss record cannot do without. */
#define REQUIRED_LOSS (BIT(K_V) | BIT(K_TS) | BIT(K_EVENT) | BIT(K_LOST))

/* Keys the seal record cannot do without (event.h). */
#define REQUIRED_SEAL (BIT(K_V) | BIT(K_TS) | BIT(K_EVENT) | BIT(K_PID) | \
		       BIT(K_SEALED) | BIT(K_KEY) | BIT(K_SEAL))

/* Keys an event cannot do without. */
#define REQUIRED (BIT(K_V) | BIT(K_SEQ) | BIT(K_TS) | BIT(K_EVENT) | \
		  BIT(K_ARGS) | BIT(K_DECISION) | BIT(K_PID) | BIT(K_LAYER))

/* Equal spans of a few bytes: a loop beats a call to memcmp() here. */
static inline bool same(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/*
 * The decimal digits that begin the 8 bytes at P, in one step (SWAR):
 * their number (0 to 8) into *N, their value returned.  x holds each
 * byte's distance from '0', and a byte is a digit when that is below 10,
 * which adding 0x76 shows in its high bit.  The first byte that is no
 * digit is always flagged, whatever it holds: a lane carries into the
 * next only from a byte of 0x8a or more, and the bytes before it are
 * digits.  (Bytes after it may be flagged wrongly; they are not read.)
 */
static inline uint64_t digits8(const char *p, unsigned *n)
{
	uint64_t x = load64(p) ^ 0x3030303030303030ULL;
	uint64_t other = ((x + 0x7676767676767676ULL) | x) & 0x8080808080808080ULL;

	*n = other ? (unsigned)__builtin_ctzll(other) >> 3 : 8;
	if (!*n)
		return 0;
	/* The digits to the top, zeros (leading ones) below them, then
	 * pairs, fours and the eight combined. */
	x <<= 64 - 8 * *n;
	x = ((x & 0x0f0f0f0f0f0f0f0fULL) * 2561) >> 8;
	x = ((x & 0x00ff00ff00ff00ffULL) * 6553601) >> 16;
	return ((x & 0x0000ffff0000ffffULL) * 42949672960001ULL) >> 32;
}

/* Equal spans of N <= 16 bytes, in two loads each that overlap in the
 * middle (a key is compared with every line's member: no loop, no call). */
static inline bool same_short(const char *a, const char *b, size_t n)
{
	if (n >= 8)
		return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
	if (n >= 4)
		return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
	return same(a, b, n);
}

static inline bool key_is(struct json_str k, int i)
{
	return key_lens[i] == k.len && same_short(key_names[i], k.p, k.len);
}

/* Which key K is.  The writer puts keys in schema order, and the keys an
 * event lacks are only skipped: so the search starts at the key after the
 * previous one (NEXT) and goes on in schema order, wrapping around.  On the
 * lines the writer made, nearly every key is found by one comparison, the
 * rest after a few mismatched lengths. */
static enum key key_of(struct json_str k, enum key next)
{
	int i = next < K_COUNT ? (int)next : 0;

	for (int n = 0; n < K_COUNT; n++, i = i + 1 == K_COUNT ? 0 : i + 1)
		if (key_is(k, i))
			return (enum key)i;
	return K_UNKNOWN;
}

/* ---- one key's value ------------------------------------------------------ */

static struct logread_str span(struct json_str s)
{
	return (struct logread_str){ s.p, s.len };
}

/* A decimal integer written as a string ("50", "-1"): how events write a
 * value that has no name. */
static bool decimal(struct json_str s, long long *v)
{
	size_t i = s.len && s.p[0] == '-';
	unsigned long long n = 0;

	if (i == s.len || s.len - i > 18)
		return false;
	for (; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		n = n * 10 + (unsigned)(s.p[i] - '0');
	}
	*v = s.p[0] == '-' ? -(long long)n : (long long)n;
	return true;
}

/* "family", "type", "protocol", "how", "errno": a name, a number (a decimal
 * string, or a bare number in logs written before every key kept one
 * type), or null. */
static bool tok_val(const struct json_tok *t, struct logread_val *v)
{
	v->raw.p = t->start;
	v->raw.len = (size_t)(t->end - t->start);
	switch (t->type) {
	case JSON_STRING:
		if (decimal(t->str, &v->num)) {
			v->kind = LOGREAD_NUM;
		} else {
			v->kind = LOGREAD_NAME;
			v->name = span(t->str);
		}
		return true;
	case JSON_INT:
		v->kind = LOGREAD_NUM;
		v->num = t->num;
		return true;
	case JSON_NULL:
		v->kind = LOGREAD_NULL;
		return true;
	default:
		return false;
	}
}

static bool tok_str(const struct json_tok *t, struct logread_str *s, bool nullable)
{
	if (t->type == JSON_STRING) {
		*s = span(t->str);
		return true;
	}
	if (t->type == JSON_NULL && nullable) {
		s->p = NULL;
		s->len = 0;
		return true;
	}
	return false;
}

/* A word of the schema (schema.h): its enum value, or -1. */
static int tok_word(const struct json_tok *t, int (*parse)(const char *, size_t))
{
	return t->type == JSON_STRING ? parse(t->str.p, t->str.len) : -1;
}

static bool tok_int(const struct json_tok *t, long long *v)
{
	if (t->type != JSON_INT)
		return false;
	*v = t->num;
	return true;
}

/* What a line's members say, beyond the event itself. */
struct members {
	uint64_t seen;			/* bit K: key K was there */
	enum key bad;			/* the first key of the wrong shape */
	bool duplicate;			/* ... because it came twice */
	bool loss;			/* "event" is the loss record's word */
	long long version;
	/* The "args" elements' JSON types, and args[1] itself: which shapes
	 * are right depends on the event, which may come later in the line. */
	enum json_type arg_type[5];
	struct json_str arg1;		/* args[1]'s text: scanned again by
					   check_address(), for the few events
					   that have an address there */
};

/* Element I of "args" (I < 5): integers and nulls into ev->args, strings
 * into ev->args_str, its type and args[1]'s text into *M. */
static void arg_set(struct logread_event *ev, struct members *m, int i, const struct json_tok *el)
{
	m->arg_type[i] = el->type;
	ev->args_null[i] = el->type == JSON_NULL;
	ev->args[i] = el->type == JSON_INT ? el->num : 0;
	if (el->type == JSON_STRING)
		ev->args_str[i] = span(el->str);
	if (i == 1)
		m->arg1 = (struct json_str){ el->start, (size_t)(el->end - el->start) };
}

/* The "args" array, already validated as JSON: up to five values
 * (arg_set()); check_event() says whether the shapes fit the event. */
static bool parse_args(const struct json_tok *t, struct logread_event *ev, struct members *m)
{
	struct json_cur c = { t->start + 1, t->end, NULL };
	struct json_tok el;
	enum json_err e;
	int i = 0;

	for (bool first = true;; first = false, i++) {
		e = json_element_value(&c, first, &el, 1, LOGREAD_DEPTH_MAX);
		if (e)
			break;
		if (i == 5) {
			ev->nargs = i;
			return false;
		}
		arg_set(ev, m, i, &el);
	}
	ev->nargs = i;
	return e == JSON_END;
}

/* ---- addresses ------------------------------------------------------------ */

/* The IP text S (as inet_ntop writes it) into IP: its family, or -1. */
static int ip_parse(struct json_str s, uint8_t ip[16])
{
	char buf[64];

	if (!s.len || s.len >= sizeof(buf))
		return -1;
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	if (memchr(buf, ':', s.len))
		return inet_pton(AF_INET6, buf, ip) == 1 ? AF_INET6 : -1;
	return inet_pton(AF_INET, buf, ip) == 1 ? AF_INET : -1;
}

static bool u32_of(const struct json_tok *t, uint32_t *v)
{
	if (t->type != JSON_INT || t->num < 0 || t->num > UINT32_MAX)
		return false;
	*v = (uint32_t)t->num;
	return true;
}

/* Lowercase hex digits, whole bytes: the bytes of another family's address. */
static bool hex_text(struct json_str s)
{
	if (s.len % 2)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (json_hex((unsigned char)s.p[i]) < 0 || (s.p[i] >= 'A' && s.p[i] <= 'F'))
			return false;
	return true;
}

/* An ADDRESS (DESIGN.md) T into *A, and for AF_UNIX its decoded path into
 * PATH (LOGREAD_PATH_MAX + 1 bytes; NULL: not decoded) and *PATH_LEN.  False
 * when it has no ADDRESS shape. */
static bool addr_parse(const struct json_tok *t, struct logread_addr *a,
		       char *path, size_t *path_len)
{
	struct json_cur c;
	struct json_tok el[4];
	enum json_err e;
	int n = 0;

	a->family = -1;
	a->abstract = false;
	a->raw.p = t->start;
	a->raw.len = (size_t)(t->end - t->start);
	if (t->type == JSON_NULL)
		return true;
	if (t->type == JSON_STRING) {
		long len;

		a->family = AF_UNIX;
		a->text = span(t->str);
		/* "\u0000" + name: an abstract name. */
		a->abstract = t->str.len >= 6 && same(t->str.p, "\\u0000", 6);
		if (!path)
			return true;
		len = logread_unescape(a->text, path, LOGREAD_PATH_MAX + 1);
		if (len < 0 || len > LOGREAD_PATH_MAX)
			return false;
		if (a->abstract)
			memmove(path, path + 1, (size_t)len--);
		*path_len = (size_t)len;
		return true;
	}
	if (t->type != JSON_ARRAY)
		return false;
	c = (struct json_cur){ t->start + 1, t->end, NULL };
	for (bool first = true; (e = json_element(&c, first)) == JSON_OK; first = false)
		if (n == 4 || json_value(&c, &el[n++], 2, LOGREAD_DEPTH_MAX))
			return false;
	if (e != JSON_END || n < 2)
		return false;
	if (el[0].type == JSON_STRING) {
		int fam = ip_parse(el[0].str, a->ip);

		if (fam < 0 || n != (fam == AF_INET ? 2 : 4) || el[1].type != JSON_INT ||
		    el[1].num < 0 || el[1].num > 65535)
			return false;
		a->family = fam;
		a->port = (int)el[1].num;
		a->text = span(el[0].str);
		a->flowinfo = a->scope_id = 0;
		return fam == AF_INET ||
		       (u32_of(&el[2], &a->flowinfo) && u32_of(&el[3], &a->scope_id));
	}
	if (n != 2 || el[0].type != JSON_INT)
		return false;
	if (el[1].type == JSON_INT) {
		a->family = AF_NETLINK;
		return u32_of(&el[0], &a->nl_pid) && u32_of(&el[1], &a->nl_groups);
	}
	/* [family, "hex"]: any other family (one the writer decodes, such as
	 * AF_INET, never takes this form). */
	if (el[1].type != JSON_STRING || el[0].num < 0 || el[0].num > 65535 ||
	    el[0].num == AF_INET || el[0].num == AF_INET6 || el[0].num == AF_UNIX ||
	    el[0].num == AF_NETLINK || !hex_text(el[1].str))
		return false;
	a->family = (int)el[0].num;
	a->text = span(el[1].str);
	return true;
}

/* "addresses": an array of IP texts; their number into *N. */
static bool addresses_ok(const struct json_tok *t, unsigned *n)
{
	struct json_cur c = { t->start + 1, t->end, NULL };
	struct json_tok el;
	enum json_err e;
	uint8_t ip[16];

	if (t->type != JSON_ARRAY)
		return false;
	*n = 0;
	for (bool first = true; (e = json_element(&c, first)) == JSON_OK; first = false) {
		if (json_value(&c, &el, 2, LOGREAD_DEPTH_MAX) || el.type != JSON_STRING ||
		    ip_parse(el.str, ip) < 0)
			return false;
		++*n;
	}
	return e == JSON_END;
}

bool logread_addresses_next(const struct logread_event *ev, size_t *cur,
			    int *family, uint8_t ip[16], struct logread_str *text)
{
	struct json_cur c;
	struct json_tok el;

	if (!ev->addresses.p || *cur >= ev->addresses.len)
		return false;
	c = (struct json_cur){ ev->addresses.p + (*cur ? *cur : 1),
			       ev->addresses.p + ev->addresses.len, NULL };
	if (json_element(&c, *cur == 0) != JSON_OK || json_value(&c, &el, 2, LOGREAD_DEPTH_MAX))
		return false;
	*cur = (size_t)(c.p - ev->addresses.p);
	if (text)
		*text = span(el.str);
	*family = ip_parse(el.str, ip);
	return *family >= 0;
}

long logread_addr_policy_text(const struct logread_event *ev, char *buf, size_t cap)
{
	const struct logread_addr *a = &ev->addr;
	size_t n;

	if (!cap)
		return -1;
	if (a->family == AF_INET || a->family == AF_INET6) {
		if (!inet_ntop(a->family, a->ip, buf, (socklen_t)cap))
			return -1;
		return (long)strlen(buf);
	}
	if (a->family != AF_UNIX)
		return -1;
	n = ev->path_len + a->abstract;
	if (n + 1 > cap || memchr(ev->path, '\0', ev->path_len))
		return -1;
	if (a->abstract)
		buf[0] = '@';
	memcpy(buf + a->abstract, ev->path, ev->path_len);
	buf[n] = '\0';
	return (long)n;
}

/* A hex string of exactly N bytes (seal.h), as the supervisor writes it. */
static bool tok_hex(const struct json_tok *t, struct logread_str *s, size_t n)
{
	uint8_t tmp[SEAL_LEN > SEAL_KEY_LEN ? SEAL_LEN : SEAL_KEY_LEN];

	return tok_str(t, s, false) && n <= sizeof(tmp) && seal_unhex(s->p, s->len, tmp, n);
}

/* Store one key's value; false when its shape is wrong. */
static inline __attribute__((always_inline)) bool
set_field(enum key k, const struct json_tok *t, struct logread_event *ev,
	  struct members *m)
{
	long long n;
	int w;

	switch (k) {
	case K_V:
		return tok_int(t, &m->version);
	case K_SEQ:
		if (!tok_int(t, &n) || n < 0)
			return false;
		ev->seq = (uint64_t)n;
		return true;
	case K_TS:
		return t->type == JSON_STRING &&
		       logread_parse_time(t->str.p, t->str.len, &ev->ts) == 0;
	case K_EVENT:
		if (t->type != JSON_STRING)
			return false;
		/* An event this reader does not know is foreign, not broken. */
		w = event_name_parse(t->str.p, t->str.len);
		ev->event = w < 0 ? POLICY_EV_COUNT : (enum policy_event)w;
		m->loss = w < 0 && t->str.len == sizeof(EVENT_LOSS_WORD) - 1 &&
			  same(t->str.p, EVENT_LOSS_WORD, t->str.len);
		ev->record = w < 0 && t->str.len == sizeof(EVENT_SEAL_WORD) - 1 &&
			     same(t->str.p, EVENT_SEAL_WORD, t->str.len);
		return true;
	case K_ARGS:
		return t->type == JSON_ARRAY && parse_args(t, ev, m);
	case K_PEER:
		return addr_parse(t, &ev->peer, NULL, NULL);
	case K_HOST:
		return tok_str(t, &ev->host, true);
	case K_ADDRESS:
		return tok_str(t, &ev->address, true);
	case K_PORT:
		if (t->type == JSON_NULL)
			return true;
		return tok_int(t, &ev->port) && ev->port >= 0 && ev->port <= 65535;
	case K_ADDRESSES:
		ev->addresses.p = t->start;
		ev->addresses.len = (size_t)(t->end - t->start);
		return addresses_ok(t, &ev->n_addresses);
	case K_MALFORMED:
		if (!tok_str(t, &ev->malformed, false))
			return false;
		return (t->str.len == 4 && (same(t->str.p, "none", 4) || same(t->str.p, "long", 4))) ||
		       (t->str.len == 5 && (same(t->str.p, "short", 5) || same(t->str.p, "fault", 5)));
	case K_GAI_ERROR:
		if (!tok_str(t, &ev->gai_error, true))
			return false;
		return !ev->gai_error.p || (ev->gai_error.len > 4 && same(ev->gai_error.p, "EAI_", 4));
	case K_CALL:
		return tok_str(t, &ev->call, false);
	case K_FAMILY:
		return tok_val(t, &ev->family);
	case K_TYPE:
		return tok_val(t, &ev->type);
	case K_PROTOCOL:
		return tok_val(t, &ev->protocol);
	case K_HOW:
		return tok_val(t, &ev->how);
	case K_ERRNO:
		return tok_val(t, &ev->err);
	case K_FLAGS:
		if (t->type != JSON_ARRAY && t->type != JSON_NULL)
			return false;
		ev->flags.p = t->start;
		ev->flags.len = (size_t)(t->end - t->start);
		return true;
	case K_RESULT:
		ev->result_null = t->type == JSON_NULL;
		ev->result = t->type == JSON_INT ? t->num : 0;
		return t->type == JSON_INT || t->type == JSON_NULL;
	case K_DECISION:
		if ((w = tok_word(t, event_decision_parse)) < 0)
			return false;
		ev->decision = (enum event_decision)w;
		return true;
	case K_RULE:
		return tok_str(t, &ev->rule, true);
	case K_MODE:
		return tok_str(t, &ev->mode, true);
	case K_PID:
		return tok_int(t, &ev->pid);
	case K_TID:
		return tok_int(t, &ev->tid);
	case K_PPID:
		return tok_int(t, &ev->ppid);
	case K_EXE:
		return tok_str(t, &ev->exe, true);
	case K_COMM:
		return tok_str(t, &ev->comm, true);
	case K_LAYER:
		if ((w = tok_word(t, event_layer_parse)) < 0)
			return false;
		ev->layer = (enum event_layer)w;
		return true;
	case K_LOST:
		if (!tok_int(t, &n) || n < 0)
			return false;
		ev->lost = (uint64_t)n;
		return true;
	case K_SEALED:
		if (!tok_int(t, &n) || n < 0)
			return false;
		ev->sealed = (uint64_t)n;
		return true;
	case K_KEY:
		return tok_hex(t, &ev->key, SEAL_KEY_LEN);
	case K_SEAL:
		return tok_hex(t, &ev->seal, SEAL_LEN);
	default:
		return true;
	}
}

static void note_member(struct members *m, enum key k, const struct json_tok *t,
			struct logread_event *ev)
{
	if (k == K_UNKNOWN)
		return;		/* a later schema's key, or someone else's */
	if (m->seen & BIT(k)) {
		if (!m->duplicate && m->bad == K_UNKNOWN)
			m->bad = k;
		m->duplicate = true;
	} else if (!set_field(k, t, ev, m) && m->bad == K_UNKNOWN) {
		m->bad = k;
	}
	m->seen |= BIT(k);
}

/* ---- one line --------------------------------------------------------------- */

#define DETAIL(...) do { if (detail && detail_len) snprintf(detail, detail_len, __VA_ARGS__); } while (0)

/* Why LINE is not JSON, given the scanner's error E at AT. */
static enum logread_junk junk_of(enum json_err e, const char *line, size_t len,
				 const char *at)
{
	const unsigned char *p = (const unsigned char *)line;
	const unsigned char *end = p + len;

	if (e == JSON_E_DEEP)
		return LOGREAD_JUNK_DEEP;
	/* Control bytes or invalid UTF-8 anywhere: call it binary, whatever
	 * JSON-looking text surrounds it. */
	while (p < end) {
		int n = json_utf8_len(p, (size_t)(end - p));

		if ((*p < 0x20 && *p != '\t' && *p != '\r') || *p == 0x7f || n <= 0)
			return LOGREAD_JUNK_BINARY;
		p += n;
	}
	if (json_err_truncated(e) || at >= line + len)
		return LOGREAD_JUNK_TRUNCATED;
	return LOGREAD_JUNK_SYNTAX;
}

/* A line that does not start with '{': foreign JSON, or junk. */
static enum logread_junk not_an_object(struct json_cur *c, const char *line, size_t len,
				       char *detail, size_t detail_len)
{
	struct json_tok t;
	enum json_err e = json_value(c, &t, 0, LOGREAD_DEPTH_MAX);

	json_skip_ws(c);
	if (e == JSON_OK && c->p == c->end) {
		DETAIL("a JSON %s, not an object",
		       t.type == JSON_ARRAY ? "array" : t.type == JSON_STRING ? "string" : "scalar");
		return LOGREAD_JUNK_FOREIGN;
	}
	/* Bytes after a whole value are a syntax error like any other. */
	return junk_of(e ? e : JSON_E_VALUE, line, len, c->p);
}

/* The object's members, after its '{', up to its '}': the known keys into
 * *EV, what else they showed into *M.  JSON_OK, or the scanner's error with
 * the cursor at it. */
static enum json_err read_members(struct json_cur *c, struct logread_event *ev,
				  struct members *m)
{
	struct json_str key;
	struct json_tok t;
	enum json_err e;
	enum key k = K_V;

	for (bool first = true;; first = false) {
		e = json_member_value(c, first, &key, &t, 1, LOGREAD_DEPTH_MAX);
		if (e == JSON_END)
			return JSON_OK;
		if (e)
			return e;
		k = key_of(key, k);
		note_member(m, k, &t, ev);
		k = k == K_UNKNOWN ? K_UNKNOWN : k + 1;
	}
}

/* ---- the writer's own form ------------------------------------------------
 *
 * Every line the event writer makes is one compact object: no whitespace,
 * its keys in schema order (enum key: each after the one before it, none
 * twice), strings without escapes, integers, null, arrays of those (and in
 * "args" of an address event one such array inside).  Such a line is read
 * here head on: a member's key is the next of the schema's keys that
 * stands at the cursor as `"key":`, found without scanning the key or
 * searching the table, and its value is one of those shapes.
 *
 * Anything else (whitespace, a key unknown, repeated or out of order, a
 * fraction, true or false, an object, deeper nesting, a number of more
 * than 18 digits, any error at all) makes wf_read() give up, and the line
 * is read again the general way (read_members()) from a clean event.  So
 * this path only ever accepts text the general walk reads without an
 * error, with the same tokens handed to the same set_field(): the result
 * is the same by construction, and tests/unit/test_logread.c checks it
 * line by line against the general walk on mutated lines.
 *
 * It needs the quote index (json_index_build()): the line is printable
 * ASCII without a backslash, so every string is valid as it stands and
 * ends at the next quote.
 */

#define WF_EL_MAX 8	/* elements of an array kept (6 say "args" has too many) */

/* An integer at P as the grammar has it, of at most 18 digits (no
 * overflow to check): into *T, and past it; NULL when it is not one.  No
 * bound is checked: the line wf_read() reads ends in '}', which stops
 * every run of digits. */
static inline const char *wf_int(const char *p, struct json_tok *t)
{
	bool neg = *p == '-';
	unsigned long long v = 0;
	const char *digits;

	p += neg;
	digits = p;
	if (*p == '0') {
		p++;
	} else {
		while ((unsigned char)(*p - '0') < 10)
			v = v * 10 + (unsigned)(*p++ - '0');
		if (p == digits || p - digits > 18)
			return NULL;
	}
	/* A fraction, an exponent or a leading zero: the general way. */
	if (*p == '.' || *p == 'e' || *p == 'E' || (unsigned char)(*p - '0') < 10)
		return NULL;
	t->type = JSON_INT;
	t->num = neg ? -(long long)v : (long long)v;
	return p;
}

/* A string, null or an integer at P (before END) into *T, and past it;
 * NULL when it is none of them. */
static inline __attribute__((always_inline)) const char *
wf_scalar(const char *p, const char *end,
	  const struct json_index *ix, struct json_tok *t)
{
	t->start = p;
	if (*p == '"') {
		const char *q = json_index_close(ix, p, end);

		if (!q)
			return NULL;
		t->type = JSON_STRING;
		t->str.p = p + 1;
		t->str.len = (size_t)(q - p - 1);
		p = q + 1;
	} else if (*p == 'n') {
		if (end - p < 4 || load32(p) != load32("null"))
			return NULL;
		t->type = JSON_NULL;
		p += 4;
	} else if (!(p = wf_int(p, t))) {
		return NULL;
	}
	t->end = p;
	return p;
}

/* An array of scalars at P ('[') into *T, its first WF_EL_MAX elements
 * into EL (may be NULL) and their number into *N; with NESTED an element
 * may be such an array itself.  Past it, or NULL. */
static const char *wf_array(const char *p, const char *end, const struct json_index *ix,
			    struct json_tok *t, struct json_tok *el, int *n, bool nested)
{
	struct json_tok skip;
	int i = 0;

	t->start = p++;
	if (p < end && *p == ']') {
		p++;
		goto done;
	}
	for (;;) {
		struct json_tok *e = el && i < WF_EL_MAX ? &el[i] : &skip;

		if (p >= end)
			return NULL;
		if (*p == '[')
			p = nested ? wf_array(p, end, ix, e, NULL, NULL, false) : NULL;
		else
			p = wf_scalar(p, end, ix, e);
		if (!p || p >= end)
			return NULL;
		i++;
		if (*p == ']') {
			p++;
			break;
		}
		if (*p != ',')
			return NULL;
		p++;
	}
done:
	t->type = JSON_ARRAY;
	t->end = p;
	if (n)
		*n = i;
	return p;
}

/* "args" read by wf_array(): its N elements EL as parse_args() takes them. */
static bool wf_args(struct logread_event *ev, struct members *m, const struct json_tok *el, int n)
{
	int i;

	for (i = 0; i < n && i < 5; i++)
		arg_set(ev, m, i, &el[i]);
	ev->nargs = i;
	return n <= 5;
}

/* Does key K stand at P (before END) as `"key":`, a value after it?  One
 * compare of 16 bytes where the line has them; the key's quotes make it
 * the whole key. */
static inline bool key_at(const char *p, const char *end, int k)
{
	unsigned n = key_lens[k] + 3u;

#ifdef __SSE2__
	if (end - p >= 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i b = _mm_load_si128((const __m128i *)(const void *)key_lits[k]);
		unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b));

		return !(~eq & ((1u << n) - 1));
	}
#endif
	return (size_t)(end - p) > n && same_short(p, key_lits[k], n);
}

/* Which key came when key K - 1 had been read (K 0: at the line's start)
 * in the last line read here, per thread: a log's lines are of few
 * shapes, so the guess is nearly always right, and a wrong one costs one
 * comparison. */
static __thread unsigned char wf_next[K_COUNT + 1];

/* LINE (LEN bytes, indexed by IX) read in the writer's form into *EV and
 * *M, as read_members() would: true; false when it is not in that form
 * (then *EV and *M hold parts of it, to be cleared). */
static bool wf_read(const char *line, size_t len, const struct json_index *ix,
		    struct logread_event *ev, struct members *m)
{
	const char *p = line + 1, *end = line + len;
	struct json_tok t, el[WF_EL_MAX];
	int k = 0, n = 0, g;

	if (len < 2 || line[0] != '{' || end[-1] != '}')
		return false;
	/* Each step leaves P before END: END[-1] is the '}' that ends it. */
	for (bool first = true;; first = false) {
		bool ok;

		if (!first) {
			if (*p == '}')
				return p + 1 == end;
			if (*p != ',')
				return false;
			p++;
		}
		if (*p != '"')
			return false;
		/* The key is the next of the schema's that stands here as
		 * `"key":` (key_at()): first the one that followed the
		 * previous key last time (wf_next), then each after the
		 * previous key in turn. */
		g = wf_next[k];		/* always below K_COUNT */
		if (g >= k && key_at(p, end, g)) {
			k = g;
		} else {
			int from = k;

			for (; k < K_COUNT && !key_at(p, end, k); k++)
				;
			if (k == K_COUNT)
				return false;
			wf_next[from] = (unsigned char)k;
		}
		p += key_lens[k] + 3;
		if (*p == '[')
			p = wf_array(p, end, ix, &t, el, &n, k == K_ARGS);
		else
			p = wf_scalar(p, end, ix, &t);
		if (!p || p >= end)
			return false;
		if (k == K_ARGS && t.type == JSON_ARRAY)
			ok = wf_args(ev, m, el, n);
		else
			ok = set_field((enum key)k, &t, ev, m);
		if (!ok && m->bad == K_UNKNOWN)
			m->bad = (enum key)k;
		m->seen |= BIT(k);
		k++;
	}
}

/* Are the "args" shapes those of EV's event?  NEW, SHUTDOWN: integers or
 * nulls; the address events: [self, ADDRESS]; getaddrinfo: [host, service,
 * family, type, protocol]. */
static bool args_fit(const struct logread_event *ev, const struct members *m)
{
	static const signed char want[POLICY_EV_COUNT] = {
		[POLICY_EV_NEW] = 4, [POLICY_EV_SHUTDOWN] = 2, [POLICY_EV_CONNECT] = 2,
		[POLICY_EV_BIND] = 2, [POLICY_EV_SENDTO] = 2, [POLICY_EV_SENDMSG] = 2,
		[POLICY_EV_GETADDRINFO] = 5,
	};

	if (ev->nargs != want[ev->event])
		return false;
	for (int i = 0; i < ev->nargs; i++) {
		enum json_type t = m->arg_type[i];
		bool num = t == JSON_INT || t == JSON_NULL;

		if (ev->event == POLICY_EV_GETADDRINFO) {
			if (i < 2 ? t != JSON_STRING && t != JSON_NULL : t != JSON_INT)
				return false;
		} else if (!num && !(i == 1 && policy_event_has_address(ev->event))) {
			return false;
		}
	}
	return true;
}

/* Do the decoded "address" and "port" say what args[1] says? */
static bool address_keys_fit(const struct logread_event *ev)
{
	const struct logread_addr *a = &ev->addr;
	struct logread_str s = ev->address;

	if (a->family == AF_INET || a->family == AF_INET6)
		return (!s.p || (s.len == a->text.len && same(s.p, a->text.p, s.len))) &&
		       (ev->port < 0 || ev->port == a->port);
	if (ev->port >= 0)
		return false;
	if (a->family != AF_UNIX)
		return !s.p;
	if (!s.p)
		return true;
	if (a->abstract)	/* "\u0000name" is written "@name" */
		return s.len == a->text.len - 5 && s.p[0] == '@' &&
		       same(s.p + 1, a->text.p + 6, s.len - 1);
	return s.len == a->text.len && same(s.p, a->text.p, s.len);
}

/* The address events' and getaddrinfo's own keys: LOGREAD_JUNK_NONE, or why
 * the event is malformed. */
static enum logread_junk check_address(struct logread_event *ev, const struct members *m,
				       char *detail, size_t detail_len)
{
	if (ev->event == POLICY_EV_GETADDRINFO) {
		ev->host_len = -1;
		if (ev->args_str[0].p &&
		    (ev->host_len = logread_unescape(ev->args_str[0], ev->hostbuf,
						     sizeof(ev->hostbuf))) < 0) {
			DETAIL("host name longer than %d bytes", LOGREAD_HOST_MAX);
			return LOGREAD_JUNK_BAD_FIELD;
		}
		return LOGREAD_JUNK_NONE;
	}
	struct json_cur c = { m->arg1.p, m->arg1.p + m->arg1.len, NULL };
	struct json_tok arg1;

	/* Valid JSON already: the scan cannot fail. */
	if (json_value(&c, &arg1, 1, LOGREAD_DEPTH_MAX) ||
	    !addr_parse(&arg1, &ev->addr, ev->path, &ev->path_len)) {
		DETAIL("args[1] is no address");
		return LOGREAD_JUNK_BAD_FIELD;
	}
	if (ev->malformed.p && ev->addr.family != -1) {
		DETAIL("\"malformed\" with an address");
		return LOGREAD_JUNK_BAD_FIELD;
	}
	if (!address_keys_fit(ev)) {
		DETAIL("\"address\" or \"port\" differs from args[1]");
		return LOGREAD_JUNK_BAD_FIELD;
	}
	return LOGREAD_JUNK_NONE;
}

/* Valid JSON: is it an event of this schema? */
static enum logread_junk check_event(struct logread_event *ev, const struct members *m,
				     char *detail, size_t detail_len)
{
	if (!(m->seen & BIT(K_V))) {
		DETAIL("no \"v\" key");
		return LOGREAD_JUNK_FOREIGN;
	}
	if (m->bad == K_V || m->version < 1) {
		DETAIL("bad \"v\"");
		return LOGREAD_JUNK_BAD_FIELD;
	}
	if (m->version > EVENT_SCHEMA_VERSION) {
		DETAIL("schema version %lld; this reader knows %d", m->version,
		       EVENT_SCHEMA_VERSION);
		return LOGREAD_JUNK_VERSION;
	}
	if (m->loss && m->bad == K_UNKNOWN && (m->seen & REQUIRED_LOSS) == REQUIRED_LOSS)
		return LOGREAD_LOSS_RECORD;
	if (ev->record && m->bad == K_UNKNOWN && !(m->seen & BIT(K_LAYER)) &&
	    (m->seen & REQUIRED_SEAL) == REQUIRED_SEAL)
		return LOGREAD_SEAL_RECORD;
	if (m->bad != K_UNKNOWN) {
		DETAIL("%s key \"%s\"", m->duplicate && (m->seen & BIT(m->bad)) ?
		       "duplicate or bad" : "bad", key_names[m->bad]);
		return LOGREAD_JUNK_BAD_FIELD;
	}
	if ((m->seen & REQUIRED) != REQUIRED) {
		for (int i = 0; i < K_COUNT; i++)
			if ((REQUIRED & BIT(i)) && !(m->seen & BIT(i))) {
				DETAIL("missing key \"%s\"", key_names[i]);
				break;
			}
		return LOGREAD_JUNK_BAD_FIELD;
	}
	if (ev->event == POLICY_EV_COUNT) {
		DETAIL("an event this reader does not know");
		return LOGREAD_JUNK_FOREIGN;
	}
	if (!args_fit(ev, m)) {
		DETAIL("\"args\" has %d values, not of the event's shape", ev->nargs);
		return LOGREAD_JUNK_BAD_FIELD;
	}
	if (policy_event_has_address(ev->event))
		return check_address(ev, m, detail, detail_len);
	return LOGREAD_JUNK_NONE;
}

static void event_init(struct logread_event *ev, const char *line, size_t len)
{
	/* Not the decoded path and host: they are read only as path_len and
	 * host_len say, and clearing 1 KiB a line would cost. */
	memset(ev, 0, offsetof(struct logread_event, path_len));
	ev->addr.family = ev->peer.family = -1;
	ev->port = -1;
	ev->path_len = 0;
	ev->host_len = -1;
	ev->line.p = line;
	ev->line.len = len;
	ev->family.kind = ev->type.kind = ev->protocol.kind = LOGREAD_NULL;
	ev->how.kind = ev->err.kind = LOGREAD_NULL;
	ev->result_null = true;
}

static __thread uint64_t fast_lines;	/* logread_fast_lines() */

uint64_t logread_fast_lines(void)
{
	return fast_lines;
}

static void members_init(struct members *m)
{
	/* Field by field: arg_type and arg1 are read only as "args" set them,
	 * and a whole-struct initializer costs a string instruction a line. */
	m->seen = 0;
	m->bad = K_UNKNOWN;
	m->duplicate = m->loss = false;
	m->version = 0;
	m->arg1 = (struct json_str){ NULL, 0 };
}

enum logread_junk logread_parse_line(const char *line, size_t len,
				     struct logread_event *ev,
				     char *detail, size_t detail_len)
{
	struct json_cur c = { line, line + len, NULL };
	struct members m;
	struct json_index ix;
	enum json_err e;

	if (detail && detail_len)
		detail[0] = '\0';
	/* A line of printable ASCII (every line the writer makes) gets its
	 * quotes indexed, and holds no NUL; another is scanned byte by byte. */
	if (json_index_build(&ix, line, len))
		c.ix = &ix;
	else if (memchr(line, '\0', len))
		return LOGREAD_JUNK_NUL;
	event_init(ev, line, len);
	members_init(&m);
	if (c.ix) {
		if (wf_read(line, len, &ix, ev, &m)) {
			fast_lines++;
			return check_event(ev, &m, detail, detail_len);
		}
		event_init(ev, line, len);	/* not the writer's form */
		members_init(&m);
	}
	json_skip_ws(&c);
	if (c.p < c.end && *c.p != '{')
		return not_an_object(&c, line, len, detail, detail_len);
	if (c.p >= c.end)
		return junk_of(JSON_E_EOF, line, len, c.p);
	c.p++;
	e = read_members(&c, ev, &m);
	if (e)
		return junk_of(e, line, len, c.p);
	json_skip_ws(&c);
	if (c.p != c.end) {
		DETAIL("bytes after the object");
		return junk_of(JSON_E_VALUE, line, len, c.p);
	}
	return check_event(ev, &m, detail, detail_len);
}

/* ---- time ---------------------------------------------------------------- */

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void logread_format_time(char *buf, size_t cap, int64_t ns)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;

	if (ns < 0 && ns % 1000000000)
		s--;
	if (!gmtime_r(&s, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "?");
}

/* The seconds of the last date and time that logread_parse_time() read
 * (its first 19 bytes, "2026-11-24T04:05:06"): a log's lines share them by
 * the thousand, and their digits and calendar cost more than the rest of
 * the time together.  Per thread, so the function stays safe to call from
 * any. */
#define TIME_PREFIX 19
static __thread struct {
	bool ok;
	char text[TIME_PREFIX];
	int64_t secs;
} time_memo;

int logread_parse_time(const char *s, size_t len, int64_t *ns)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t secs, frac = 0, off = 0;
	size_t i;

	if (len > TIME_PREFIX && time_memo.ok &&
	    load64(s) == load64(time_memo.text) && load64(s + 8) == load64(time_memo.text + 8) &&
	    load32(s + 15) == load32(time_memo.text + 15)) {
		secs = time_memo.secs;
		i = TIME_PREFIX;
		goto zone;
	}
	if (len < 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -EINVAL;
	/* February 29 only in a leap year (proleptic Gregorian). */
	if (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
		return -EINVAL;
	i = 10;
	if (len == 10) {
		secs = days_from_civil(y, mo, d) * 86400;
		goto end;
	}
	if (len < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -EINVAL;
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -EINVAL;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	memcpy(time_memo.text, s, TIME_PREFIX);
	time_memo.secs = secs;
	time_memo.ok = true;
	i = TIME_PREFIX;
zone:
	if (s[i] == '.') {
		int n = 0;

		i++;
		if (len - i >= 8) {	/* the first eight digits at once */
			unsigned got;
			uint64_t v = digits8(s + i, &got);

			if (got == 8) {
				frac = (int64_t)v;
				n = 8;
				i += 8;
			}
		}
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++)
			if (n < 9)
				frac = frac * 10 + (s[i] - '0');
		if (n == 0)
			return -EINVAL;
		for (; n < 9; n++)
			frac *= 10;
	}
	if (i == len)
		return -EINVAL;
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		if (len - i != 6 || s[i + 3] != ':')
			return -EINVAL;
		int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -EINVAL;
		off = (oh * 60 + om) * 60;
		if (s[i] == '-')
			off = -off;
		i += 6;
	} else
		return -EINVAL;
end:
	if (i != len)
		return -EINVAL;
	int64_t t = secs - off;
	/* Nanoseconds in 64 bits reach from 1677 to 2262. */
	if (t <= INT64_MIN / 1000000000 || t >= INT64_MAX / 1000000000)
		return -EINVAL;
	*ns = t * 1000000000 + frac;
	return 0;
}

/* ---- strings and calls ------------------------------------------------- */

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

long logread_unescape(struct logread_str s, char *buf, size_t cap)
{
	size_t o = 0;

	if (!cap)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < s.len;) {
		char tmp[4];
		size_t n = 1;
		const char *src = tmp;

		if (s.p[i] != '\\') {
			/* A run without escapes, copied whole (as far as it fits:
			 * then the prefix, as byte by byte). */
			const char *bs = memchr(s.p + i, '\\', s.len - i);
			size_t run = (bs ? (size_t)(bs - s.p) : s.len) - i;

			if (o + run >= cap) {
				memcpy(buf + o, s.p + i, cap - 1 - o);
				buf[cap - 1] = '\0';
				return -ENAMETOOLONG;
			}
			memcpy(buf + o, s.p + i, run);
			o += run;
			i += run;
			continue;
		} else if (i + 1 < s.len && s.p[i + 1] != 'u') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			const char *f = memchr(from, s.p[i + 1], sizeof(from) - 1);
			tmp[0] = f ? to[f - from] : s.p[i + 1];
			i += 2;
		} else if (i + 5 < s.len) {
			unsigned cp = 0;
			for (int k = 2; k < 6; k++)
				cp = cp << 4 | (unsigned)json_hex((unsigned char)s.p[i + k]);
			i += 6;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 5 < s.len &&
			    s.p[i] == '\\' && s.p[i + 1] == 'u') {
				unsigned lo = 0;
				for (int k = 2; k < 6; k++)
					lo = lo << 4 | (unsigned)json_hex((unsigned char)s.p[i + k]);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
			}
			/* The event writer escapes each byte that is not valid
			 * UTF-8 as \u0080..\u00ff: give the byte back. */
			if (cp >= 0x80 && cp <= 0xff)
				tmp[0] = (char)cp;
			else
				n = put_utf8(tmp, cp);
		} else
			break;
		if (o + n >= cap) {
			buf[o] = '\0';
			return -ENAMETOOLONG;
		}
		memcpy(buf + o, src, n);
		o += n;
	}
	buf[o] = '\0';
	return (long)o;
}

/* The names looked up last for each field, per thread: a log names a few
 * families, types and protocols over and over, and a lookup (unescape,
 * then a search of the names tables) costs more than the rest of the
 * event's facts. */
struct name_memo {
	int (*name_value)(int, const char *, int *);	/* NULL: none yet */
	size_t len;
	char text[32];		/* the name as the line has it */
	int number;
};

#define NAME_MEMO_WAYS 16	/* per field, direct-mapped by the name's ends */

static __thread struct name_memo name_memos[LOGREAD_F_HOW + 1][NAME_MEMO_WAYS];

/* Which of a field's memos name S goes to: by its length, middle and end. */
static unsigned name_way(struct logread_str s)
{
	if (!s.len)
		return 0;
	return (unsigned)(s.len * 31 + (unsigned char)s.p[s.len - 1] +
			  (unsigned char)s.p[s.len / 2]) % NAME_MEMO_WAYS;
}

static int val_number(const struct logread_val *v, enum logread_field f,
		      int (*name_value)(int, const char *, int *))
{
	struct name_memo *m;
	char name[64];
	int n;

	if (v->kind == LOGREAD_NUM)
		return (int)v->num;
	if (v->kind != LOGREAD_NAME || !name_value)
		return -1;
	m = &name_memos[f][name_way(v->name)];
	if (m->name_value == name_value && m->len == v->name.len &&
	    !memcmp(m->text, v->name.p, v->name.len))
		return m->number;
	if (logread_unescape(v->name, name, sizeof(name)) < 0 ||
	    name_value((int)f, name, &n) < 0)
		n = -1;
	if (v->name.len <= sizeof(m->text)) {
		m->name_value = name_value;
		m->len = v->name.len;
		memcpy(m->text, v->name.p, v->name.len);
		m->number = n;
	}
	return n;
}

int logread_names_value(int field, const char *name, int *value)
{
	static const enum names_table tables[] = {
		[LOGREAD_F_FAMILY] = NAMES_FAMILY, [LOGREAD_F_TYPE] = NAMES_TYPE,
		[LOGREAD_F_HOW] = NAMES_HOW,
	};
	int table;

	if (field == LOGREAD_F_PROTOCOL)
		return names_protocol_value(name, value, &table);
	if (field < 0 || field > LOGREAD_F_HOW)
		return -EINVAL;
	return names_value(tables[field], name, value);
}

int logread_call(const struct logread_event *ev, struct policy_call *call,
		 char *exe, size_t exe_cap,
		 int (*name_value)(int field, const char *name, int *value))
{
	bool raw = ev->event == POLICY_EV_NEW && ev->nargs == 4;

	memset(call, 0, sizeof(*call));
	call->event = ev->event;
	/* A socket.__new__ event's raw arguments are what the program passed:
	 * the decoded names (looked up by name, the costly part) only stand in
	 * for an argument that is null. */
	call->family = raw && !ev->args_null[1] ? (int)ev->args[1] :
		       val_number(&ev->family, LOGREAD_F_FAMILY, name_value);
	call->type = raw && !ev->args_null[2] ? (int)ev->args[2] :
		     val_number(&ev->type, LOGREAD_F_TYPE, name_value);
	call->protocol = raw && !ev->args_null[3] ? (int)ev->args[3] :
			 val_number(&ev->protocol, LOGREAD_F_PROTOCOL, name_value);
	call->how = val_number(&ev->how, LOGREAD_F_HOW, name_value);
	if (ev->event == POLICY_EV_NEW) {
		if (ev->nargs != 4)
			return -EINVAL;
	} else if (ev->event == POLICY_EV_SHUTDOWN) {
		if (ev->nargs != 2)
			return -EINVAL;
		if (!ev->args_null[1])
			call->how = (int)ev->args[1];
	} else if (ev->event == POLICY_EV_GETADDRINFO) {
		if (ev->nargs != 5)
			return -EINVAL;
		/* The hints as passed (0 without hints). */
		call->family = (int)ev->args[2];
		call->type = (int)ev->args[3];
		call->protocol = (int)ev->args[4];
		call->host = ev->host_len >= 0 ? ev->hostbuf : NULL;
		call->has_port = ev->port >= 0;
		call->port = (int)ev->port;
	} else if (policy_event_has_address(ev->event)) {
		const struct logread_addr *a = &ev->addr;

		if (ev->nargs != 2)
			return -EINVAL;
		call->has_addr = a->family != -1;
		call->addr_family = a->family;
		if (a->family == AF_INET || a->family == AF_INET6) {
			memcpy(call->ip, a->ip, a->family == AF_INET ? 4 : 16);
			call->has_port = true;
			call->port = a->port;
		} else if (a->family == AF_UNIX) {
			call->path = ev->path;
			call->path_len = ev->path_len;
			call->abstract = a->abstract;
		}
	} else
		return -EINVAL;
	call->exe = NULL;
	if (ev->exe.p && exe && exe_cap && logread_unescape(ev->exe, exe, exe_cap) >= 0)
		call->exe = exe;
	return 0;
}

/* BUF (CAP bytes, NUL-terminated) made safe for a terminal and a JSON
 * string (a path may hold any byte): valid UTF-8 kept, a control byte, DEL
 * or a byte of no valid sequence written as \xHH, as report's cells write
 * them; cut at a whole character when it no longer fits. */
static void where_visible(char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	char raw[4 * LOGREAD_PATH_MAX + 64];
	size_t n = strnlen(buf, cap - 1), o = 0;

	if (n >= sizeof(raw))
		n = sizeof(raw) - 1;
	memcpy(raw, buf, n);
	for (size_t i = 0; i < n;) {
		const unsigned char *s = (const unsigned char *)raw + i;
		int len = json_utf8_len(s, n - i);

		if (len > 0 && (*s >= 0x20 && *s != 0x7f)) {
			if (o + (size_t)len >= cap)
				break;
			memcpy(buf + o, s, (size_t)len);
			o += (size_t)len, i += (size_t)len;
			continue;
		}
		if (o + 4 >= cap)
			break;
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[*s >> 4];
		buf[o++] = hex[*s & 15];
		i++;
	}
	buf[o] = '\0';
}

void logread_where(const struct logread_event *ev, char *buf, size_t cap)
{
	char text[LOGREAD_PATH_MAX + 8];
	long n;

	buf[0] = '\0';
	if (ev->event == POLICY_EV_GETADDRINFO) {
		if (ev->host_len >= 0)
			snprintf(buf, cap, "%.*s", (int)(cap - 1), ev->hostbuf);
		return;
	}
	if (!policy_event_has_address(ev->event))
		return;
	if (ev->malformed.p) {
		snprintf(buf, cap, "malformed %.*s", (int)ev->malformed.len, ev->malformed.p);
		return;
	}
	n = logread_addr_policy_text(ev, text, sizeof(text));
	if (n < 0)
		snprintf(buf, cap, "%.*s", (int)ev->addr.raw.len, ev->addr.raw.p);
	else if (ev->addr.family == AF_INET || ev->addr.family == AF_INET6)
		snprintf(buf, cap, "%s port %d", text, ev->addr.port);
	else
		snprintf(buf, cap, "%s", n ? text : "(unnamed)");
	where_visible(buf, cap);
}

/* ---- the reader ---------------------------------------------------------- */

#define READ_BUF (4 * LOGREAD_LINE_MAX)
#define GZ_IN (64 * 1024)	/* compressed bytes read at a time */

/* A gzip stream (logrotate's "compress": LOG.2.gz), inflated as it is read,
 * from a file or a pipe alike: constant memory, whatever its size. */
struct logread_gz {
	z_stream z;
	bool ended;		/* the last member ended and no input follows */
	bool in_eof;
	unsigned char in[GZ_IN];
};

struct logread {
	int fd;
	bool eof;
	bool sniffed;		/* the first bytes looked at for gzip's magic */
	struct logread_gz *gz;	/* NULL: plain text */
	uint64_t line;
	size_t pos, fill;	/* unread bytes are buf[pos..fill) */
	char buf[READ_BUF];
};

struct logread *logread_open(int fd)
{
	struct logread *r = malloc(sizeof(*r));

	if (!r)
		return NULL;
	r->fd = fd;
	r->eof = false;
	r->sniffed = false;
	r->gz = NULL;
	r->line = 0;
	r->pos = r->fill = 0;
	return r;
}

void logread_close(struct logread *r)
{
	if (r && r->gz) {
		inflateEnd(&r->gz->z);
		free(r->gz);
	}
	free(r);
}

/* read(2), again after a signal: bytes, 0 at the end, or -errno. */
static ssize_t read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* The first bytes of the stream are gzip's magic (RFC 1952: 1f 8b): move
 * the N bytes read so far into a new inflater.  0 or -errno. */
static int gz_start(struct logread *r, size_t n)
{
	struct logread_gz *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	/* 16 + MAX_WBITS: a gzip header and trailer, not zlib's. */
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
		free(g);
		return -ENOMEM;
	}
	memcpy(g->in, r->buf + r->fill, n);
	g->z.next_in = g->in;
	g->z.avail_in = (uInt)n;
	r->gz = g;
	return 0;
}

/* More compressed input when inflate() has used all it had: the bytes read
 * (0 at the end of the file, or when input is left), or -errno. */
static ssize_t gz_fill(struct logread *r, struct logread_gz *g)
{
	ssize_t n;

	if (g->z.avail_in || g->in_eof)
		return 0;
	n = read_some(r->fd, g->in, sizeof(g->in));
	if (n < 0)
		return n;
	g->in_eof = n == 0;
	g->z.next_in = g->in;
	g->z.avail_in = (uInt)n;
	return n;
}

/* Inflate into buf[fill..READ_BUF): the bytes made, 0 at the end of the
 * stream, or -errno (-EBADMSG: not a valid gzip stream, or cut short).
 * Members that follow each other (cat a.gz b.gz) are one stream, as zcat
 * reads them. */
static ssize_t gz_read(struct logread *r)
{
	struct logread_gz *g = r->gz;
	size_t room = READ_BUF - r->fill;

	g->z.next_out = (Bytef *)r->buf + r->fill;
	g->z.avail_out = (uInt)room;
	while (g->z.avail_out == room && !g->ended) {
		ssize_t n = gz_fill(r, g);
		int rc;

		if (n < 0)
			return n;
		rc = inflate(&g->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			/* Another member may follow: is there input left? */
			if ((n = gz_fill(r, g)) < 0)
				return n;
			if (!g->z.avail_in)
				g->ended = true;
			else if (inflateReset(&g->z) != Z_OK)
				return -EBADMSG;
		} else if (rc == Z_BUF_ERROR && g->in_eof && !g->z.avail_in) {
			return -EBADMSG;	/* cut short */
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			return rc == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
		}
	}
	return (ssize_t)(room - g->z.avail_out);
}

uint64_t logread_line(const struct logread *r)
{
	return r->line;
}

/* Move unread bytes to the front and read more: 0, or -errno.  The first
 * read tells a gzip stream from text by its first two bytes. */
static int refill(struct logread *r)
{
	ssize_t n;
	int err;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->fill - r->pos);
		r->fill -= r->pos;
		r->pos = 0;
	}
	if (r->gz) {
		n = gz_read(r);
	} else {
		n = read_some(r->fd, r->buf + r->fill, READ_BUF - r->fill);
		if (!r->sniffed && n > 0) {
			r->sniffed = true;
			/* A single byte 0x1f is no event either: wait for the
			 * second only when the first says gzip. */
			if ((unsigned char)r->buf[0] == 0x1f && n == 1) {
				ssize_t m = read_some(r->fd, r->buf + 1, READ_BUF - 1);

				n = m < 0 ? m : n + m;
			}
			if (n >= 2 && (unsigned char)r->buf[0] == 0x1f &&
			    (unsigned char)r->buf[1] == 0x8b) {
				if ((err = gz_start(r, (size_t)n)) < 0)
					return err;
				n = gz_read(r);
			}
		}
	}
	if (n < 0)
		return (int)n;
	if (n == 0)
		r->eof = true;
	r->fill += (size_t)n;
	return 0;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* The line at r->pos is too long: drop it up to its newline, never holding
 * more than the buffer.  0, or -errno. */
static int skip_long_line(struct logread *r)
{
	char *nl;
	int err;

	r->line++;
	for (;;) {
		nl = memchr(r->buf + r->pos, '\n', r->fill - r->pos);
		if (nl) {
			r->pos = (size_t)(nl - r->buf) + 1;
			return 0;
		}
		r->pos = r->fill;
		if (r->eof)
			return 0;
		if ((err = refill(r)) < 0)
			return err;
	}
}

/* The next line into *LINE and *LEN (without its newline): 1, 0 at the end
 * of the file, 2 for a line too long (skipped), or -errno. */
static int next_line(struct logread *r, char **line, size_t *len)
{
	size_t scanned = 0;	/* bytes of the current line known to hold no newline */
	int err;

	for (;;) {
		char *start = r->buf + r->pos;
		size_t avail = r->fill - r->pos;
		char *nl = memchr(start + scanned, '\n', avail - scanned);

		if (nl) {
			*len = (size_t)(nl - start);
			r->pos += *len + 1;
		} else if (avail > LOGREAD_LINE_MAX) {
			return (err = skip_long_line(r)) < 0 ? err : 2;
		} else if (!r->eof) {
			scanned = avail;
			if ((err = refill(r)) < 0)
				return err;
			continue;
		} else if (avail) {
			*len = avail;	/* the last line, without its newline */
			r->pos = r->fill;
		} else {
			return 0;
		}
		r->line++;
		*line = start;
		return 1;
	}
}

/* The next line that is not blank, as next_line(). */
static int next_nonblank(struct logread *r, char **line, size_t *len)
{
	int st;

	while ((st = next_line(r, line, len)) == 1 && blank(*line, *len))
		;
	return st;
}

int logread_next(struct logread *r, struct logread_event *ev,
		 enum logread_junk *junk, char *detail, size_t detail_len)
{
	char *line;
	size_t len;
	int st;

	st = next_nonblank(r, &line, &len);
	if (st == 2) {
		*junk = LOGREAD_JUNK_TOO_LONG;
		if (detail && detail_len)
			snprintf(detail, detail_len, "more than %d bytes", LOGREAD_LINE_MAX);
		return LOGREAD_JUNKLINE;
	}
	if (st <= 0)
		return st < 0 ? st : LOGREAD_EOF;
	*junk = logread_parse_line(line, len, ev, detail, detail_len);
	if (*junk == LOGREAD_LOSS_RECORD)
		return LOGREAD_LOSS;
	if (*junk == LOGREAD_SEAL_RECORD)
		return LOGREAD_SEAL;
	return *junk == LOGREAD_JUNK_NONE ? LOGREAD_EVENT : LOGREAD_JUNKLINE;
}

/* ---- the seals of the notify layer -------------------------------------------
 *
 * Which lines of a file the supervisor wrote (seal.h).  The seal records
 * hold the keys, at the end of each run: the reading pass collects them, in
 * order, and a second pass (seal_pass) checks each sealed line against the
 * run whose record comes next, the only run that can own it when runs follow
 * one another.  A run's chain starts from the seal of the record before it,
 * as its supervisor found it when it started (logread_last_seal).  A line
 * fails when its seal is not the MAC of the chain so far.  Its seal is kept:
 * when the next line verifies from it, the chain goes on (a missing line
 * costs one failure, the line after the gap, not the rest of the run).
 */

struct seal_run {
	uint8_t key[SEAL_KEY_LEN];
};

struct seal_check {
	struct seal_run *runs;
	size_t nruns, cur;		/* runs[cur]: the run lines now belong to */
	uint8_t state[SEAL_LEN];	/* its chain so far */
	uint8_t cand[SEAL_LEN];		/* the seal of the line that failed last */
	bool has_cand;
	struct logread_seals out;
};

static void seal_fail(struct seal_check *v, uint64_t line, const char *why)
{
	if (!v->out.failed++) {
		v->out.first_failed = line;
		v->out.why = why;
	}
}

/* Add the key of seal record EV to V's runs: 0 or -ENOMEM. */
static int seal_add_run(struct seal_check *v, size_t *cap, const struct logread_event *ev)
{
	struct seal_run *grown;

	if (v->nruns == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		grown = realloc(v->runs, *cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		v->runs = grown;
	}
	seal_unhex(ev->key.p, ev->key.len, v->runs[v->nruns++].key, SEAL_KEY_LEN);
	return 0;
}

/* The next run starts from SEAL, the seal the record that ended this one
 * shows (what the next supervisor found as it started), verified or not. */
static void seal_next_run(struct seal_check *v, const uint8_t seal[SEAL_LEN])
{
	v->cur++;
	memcpy(v->state, seal, SEAL_LEN);
	v->has_cand = false;
}

/* Does LINE's seal follow from the current run's chain (or from the line that
 * failed last)?  -1: the line has no seal (SEAL untouched); else 1 or 0,
 * with the seal in SEAL. */
static int seal_follows(const struct seal_check *v, const char *line, size_t len,
			uint8_t seal[SEAL_LEN])
{
	const struct seal_run *run = &v->runs[v->cur];
	uint8_t mac[SEAL_LEN];
	size_t plen;

	if (!seal_split(line, len, &plen, seal))
		return -1;
	if (seal_compute(run->key, v->state, line, plen, mac) && !memcmp(mac, seal, SEAL_LEN))
		return 1;
	return v->has_cand && seal_compute(run->key, v->cand, line, plen, mac) &&
	       !memcmp(mac, seal, SEAL_LEN);
}

/* One line of the file that is sealed or claims to be the supervisor's: an
 * event with "layer":"notify", or a seal record.  LINE is its number. */
static void seal_check_line(struct seal_check *v, const struct logread_event *ev,
			    uint64_t line)
{
	uint8_t seal[SEAL_LEN];
	int ok;

	if (!ev->record)
		v->out.claims++;
	if (v->cur == v->nruns) {
		/* After the last record: a run still going, or one that could
		 * not end (its supervisor and standby killed). */
		if (!ev->record)
			v->out.unsealed++;
		return;
	}
	ok = seal_follows(v, ev->line.p, ev->line.len, seal);
	if (ev->record) {
		if (ok != 1)
			seal_fail(v, line, "the chain does not end at this seal record: "
				  "sealed lines missing, altered or slid in before it");
		else
			v->out.runs++;
		if (ok >= 0)
			seal_next_run(v, seal);
		else
			v->cur++;
		return;
	}
	if (ok != 1) {
		seal_fail(v, line, ok < 0 ? "not sealed" :
			  "does not verify: forged, altered, or out of chain");
		if (ok == 0) {
			memcpy(v->cand, seal, SEAL_LEN);
			v->has_cand = true;
		}
		return;
	}
	memcpy(v->state, seal, SEAL_LEN);
	v->has_cand = false;
	v->out.verified++;
}

/* The second pass over a file whose first found seal records (V's runs):
 * every line that is sealed or could claim to be, in order.  A line that
 * claims the notify layer holds the bytes "notify" (the layer's word cannot
 * be escaped: the reader takes it as it stands), a seal record the record's
 * word; others are not parsed again.  Nor is a line whose seal follows: it
 * is the supervisor's own, so it is what it says (an event, unless it is
 * the record, whose "event" the writer puts third).  0, or -errno. */
static int seal_pass(struct logread *r, struct seal_check *v)
{
	static const char notify[] = "notify", word[] = EVENT_SEAL_WORD;
	static const char record[] = "\"event\":\"" EVENT_SEAL_WORD "\"";
	/* How the preload layer's events end.  Such a line is no claim: this
	 * "layer" is a key outside any string (the ',' before its quote cannot
	 * be inside one), so another "layer" makes the line junk, and the
	 * record has no such key. */
	static const char preload[] = ",\"layer\":\"preload\"}";
	struct logread_event ev;
	uint8_t seal[SEAL_LEN];
	char *line;
	size_t len;
	int st;

	while ((st = next_nonblank(r, &line, &len)) > 0) {
		enum logread_junk j;

		if (st != 1 || (len >= sizeof(preload) - 1 &&
				 !memcmp(line + len - (sizeof(preload) - 1), preload,
					 sizeof(preload) - 1)))
			continue;
		if (v->cur < v->nruns && seal_follows(v, line, len, seal) == 1 &&
		    !memmem(line, len < 96 ? len : 96, record, sizeof(record) - 1)) {
			v->out.claims++;
			v->out.verified++;
			memcpy(v->state, seal, SEAL_LEN);
			v->has_cand = false;
			continue;
		}
		if (!memmem(line, len, notify, sizeof(notify) - 1) &&
		    !memmem(line, len, word, sizeof(word) - 1))
			continue;
		j = logread_parse_line(line, len, &ev, NULL, 0);
		if ((j == LOGREAD_JUNK_NONE && ev.layer == EVENT_NOTIFY) ||
		    j == LOGREAD_SEAL_RECORD)
			seal_check_line(v, &ev, logread_line(r));
	}
	return st;
}

/* Read one file (FD) to SINK.  With sink->seals, a regular file that holds
 * seal records is read a second time, to verify (seal_pass): the keys
 * come at the end of each run.  A file without any costs nothing more. */
static int read_file(int fd, int file, const struct logread_sink *sink, void *ctx)
{
	struct seal_check v = { .runs = NULL };	/* the first run: from zeros */
	struct logread_event ev;
	enum logread_junk junk;
	uint64_t claims = 0;
	struct logread *r;
	char detail[128];
	struct stat st;
	size_t cap = 0;
	int ret;

	r = logread_open(fd);
	if (!r)
		return -ENOMEM;
	v.out.checkable = sink->seals && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			  lseek(fd, 0, SEEK_CUR) == 0;
	while ((ret = logread_next(r, &ev, &junk, detail, sizeof(detail))) > 0) {
		uint64_t line = logread_line(r);

		if (ret == LOGREAD_EVENT) {
			claims += ev.layer == EVENT_NOTIFY;
			sink->event(ctx, &ev, file, line);
		} else if (ret == LOGREAD_LOSS) {
			if (sink->loss)
				sink->loss(ctx, ev.lost, file, line);
		} else if (ret == LOGREAD_SEAL) {
			if (v.out.checkable && (ret = seal_add_run(&v, &cap, &ev)) < 0)
				goto out;
		} else {
			sink->junk(ctx, junk, detail, file, line);
		}
	}
	if (ret < 0 || !sink->seals)
		goto out;
	v.out.claims = claims;
	v.out.records = v.nruns;
	if (v.nruns) {
		logread_close(r);
		r = NULL;
		if (lseek(fd, 0, SEEK_SET) != 0) {
			ret = -errno;
			goto out;
		}
		r = logread_open(fd);
		if (!r) {
			ret = -ENOMEM;
			goto out;
		}
		v.out.claims = 0;	/* counted again, as they are checked */
		if ((ret = seal_pass(r, &v)) < 0)
			goto out;
	}
	sink->seals(ctx, &v.out, file);
out:
	free(v.runs);
	logread_close(r);
	return ret;
}

int logread_files(char *const *paths, int n, const struct logread_sink *sink, void *ctx)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		bool is_stdin = !strcmp(paths[i], "-");
		int fd = is_stdin ? 0 : open(paths[i], O_RDONLY | O_CLOEXEC);
		int st;

		if (fd < 0) {
			sink->error(ctx, i, -errno);
			failed++;
			continue;
		}
		st = read_file(fd, i, sink, ctx);
		if (!is_stdin)
			close(fd);
		if (st == -ENOMEM)
			return -ENOMEM;
		if (st < 0) {
			sink->error(ctx, i, st);
			failed++;
		}
	}
	return failed;
}

/* ---- the seal a new run starts from ------------------------------------------ */

/* How much of the log logread_last_seal() reads at a time. */
#define FIND_CHUNK (64 * 1024)

int logread_last_seal(int fd, uint8_t out[SEAL_LEN])
{
	static const char pat[] = "\"event\":\"" EVENT_SEAL_WORD "\",";
	struct logread_event ev;
	struct stat st;
	off_t end;
	char *buf;
	int ret = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	buf = malloc(FIND_CHUNK);
	if (!buf)
		return -ENOMEM;
	for (end = st.st_size; end > 0 && !ret;) {
		off_t start = end > FIND_CHUNK ? end - FIND_CHUNK : 0;
		ssize_t n = pread(fd, buf, (size_t)(end - start), start);
		size_t hi, lo;

		if (n != end - start) {
			/* An error, or it shrank under us: no answer. */
			ret = n < 0 ? -errno : 0;
			break;
		}
		/* Lines from the last: [lo, hi) without the newline. */
		hi = (size_t)n;
		if (end == st.st_size && hi && buf[hi - 1] == '\n')
			hi--;
		for (;;) {
			char *nl = memrchr(buf, '\n', hi);
			size_t plen;

			lo = nl ? (size_t)(nl - buf) + 1 : 0;
			if (!nl && start > 0)
				break;		/* it began before this chunk */
			if (memmem(buf + lo, hi - lo, pat, sizeof(pat) - 1) &&
			    logread_parse_line(buf + lo, hi - lo, &ev, NULL, 0) ==
			    LOGREAD_SEAL_RECORD &&
			    seal_split(buf + lo, hi - lo, &plen, out)) {
				ret = 1;
				break;
			}
			if (!lo)
				break;
			hi = lo - 1;
		}
		if (ret || !start)
			break;
		/* Read the partial line again with what precedes it; a line
		 * longer than a chunk is no record of ours: skip it. */
		end = hi == (size_t)n ? start : start + (off_t)hi;
	}
	free(buf);
	return ret;
}
