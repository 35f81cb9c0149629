/* SPDX-License-Identifier: MIT */
/* event.c - one event as one JSON line (schema.h: version 1).
 *
 * This runs in the shim's hot path, inside socket() and friends, which
 * programs call from signal handlers and between fork() and exec(): no
 * allocation, no stdio (snprintf takes locale and stream locks), no
 * gmtime_r (glibc's takes the timezone lock), no locale.  Everything is
 * written by hand.
 *
 * Every part of a line has a bound: the strings their budgets below, the
 * rest (numbers, names from the tables, keys) at most FIXED_MAX bytes.  So a
 * line always fits EVENT_LINE_MAX and the writers need no bounds checks,
 * which keeps the output pointer in a register: the formatter stays at a
 * couple of hundred nanoseconds.
 */
#include <netdb.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "event.h"
#include "names.h"
#include "seal.h"
#include "utf8.h"

/* The strings' output budgets are event.h's EVENT_BUDGET_*. */
#define BUDGET_EXE EVENT_BUDGET_EXE
#define BUDGET_EXE_MIN 512
#define BUDGET_COMM EVENT_BUDGET_COMM
_Static_assert(BUDGET_EXE + BUDGET_COMM + 16 <= EVENT_IDENT_MAX, "an ident fits");
#define BUDGET_RULE EVENT_BUDGET_RULE
#define BUDGET_WORD EVENT_BUDGET_WORD	/* decision and layer are the schema's
					   words, within FIXED_MAX */
/* Where a socket goes.  One ADDRESS: an AF_UNIX path of 108 bytes each
 * escaped as \u00XX, its quotes and the abstract name's \u0000; an address
 * event writes it twice (args, "address").  A lookup writes its host
 * twice (args, "host"), its service and up to EVENT_ADDRESSES_MAX texts. */
#define BUDGET_ADDR (108 * 6 + 2 + 6)
#define BUDGET_HOST EVENT_BUDGET_HOST
#define BUDGET_SERVICE EVENT_BUDGET_SERVICE
#define BUDGET_ADDRESSES (EVENT_ADDRESSES_MAX * (CALLS_ADDR_IP_TEXT + 3) + 2)
#define BUDGET_PLACE_ADDR (2 * BUDGET_ADDR)
#define BUDGET_PLACE_GAI (2 * BUDGET_HOST + BUDGET_SERVICE + BUDGET_ADDRESSES)
#define BUDGET_PLACE (BUDGET_PLACE_GAI > BUDGET_PLACE_ADDR ? BUDGET_PLACE_GAI : BUDGET_PLACE_ADDR)
/* After exe: comm and the words and keys that close the line. */
#define TAIL_MAX (BUDGET_COMM + 64)
/* Everything else: 30 keys (~300 bytes), "unknown"'s words, 14 numbers of
 * at most 20 digits, the timestamp, seven names of at most 32 bytes, two
 * flags. */
#define FIXED_MAX 1024

_Static_assert(FIXED_MAX + BUDGET_RULE + 2 * BUDGET_WORD + BUDGET_PLACE +
	       BUDGET_EXE_MIN + TAIL_MAX + SEAL_SUFFIX_LEN <= EVENT_LINE_MAX,
	       "a line must always fit, with the supervisor's seal (seal.h)");

static char *put_mem(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* A string literal: its length is known at compile time. */
#define put_lit(p, s) put_mem((p), (s), sizeof(s) - 1)

static const uint32_t powers_of_10[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000,
};

/* "00" to "99": two digits per division, from the right. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324"
	"25262728293031323334353637383940414243444546474849"
	"50515253545556575859606162636465666768697071727374"
	"75767778798081828384858687888990919293949596979899";

/* V in exactly WIDTH digits, zero padded (V < 10^WIDTH).  32-bit division
 * (nearly every number here fits, and it is the cheaper one), by 100: an
 * event has some twenty numbers, formatted on the program's time when the
 * shim writes its own log. */
static char *put_padded(char *p, uint32_t v, int width)
{
	int i = width;

	while (i >= 2) {
		uint32_t r = v % 100;

		v /= 100;
		i -= 2;
		memcpy(p + i, digit_pairs + 2 * r, 2);
	}
	if (i)
		p[0] = (char)('0' + v);
	return p + width;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);
	int width;

	if (v <= UINT32_MAX) {
		/* The digits from the bit length (log10(2) ~ 1293 / 4096 is
		 * never short, at most one over), then one comparison to
		 * settle it; 0 has one digit. */
		int t = (32 - __builtin_clz((uint32_t)v | 1)) * 1293 >> 12;

		width = t + 1 - (t == 10 || (uint32_t)v < powers_of_10[t]);
		return put_padded(p, (uint32_t)v, width ? width : 1);
	}
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return put_mem(p, tmp + i, sizeof(tmp) - i);
}

static char *put_i64(char *p, int64_t v)
{
	if (v >= 0)
		return put_u64(p, (uint64_t)v);
	*p++ = '-';
	/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
	return put_u64(p, -(uint64_t)v);
}

static const char hex[] = "0123456789abcdef";

/*
 * How each byte of a string is written:
 *   C_COPY   as is
 *   C_ESC    \" or \\
 *   C_HEX    \u00XX (control bytes and DEL)
 *   C_LEAD   anything else: copied when it starts a valid UTF-8 sequence
 *            (json_utf8_len()), else \u00XX, as every byte that is not
 *            part of valid UTF-8
 */
enum { C_COPY, C_ESC, C_HEX, C_LEAD };

#define R4(c) c, c, c, c
#define R16(c) R4(c), R4(c), R4(c), R4(c)

static const unsigned char byte_class[256] = {
	R16(C_HEX), R16(C_HEX),				/* 0x00..0x1f */
	C_COPY, C_COPY, C_ESC, R4(C_COPY), R4(C_COPY), R4(C_COPY), C_COPY,
	R16(C_COPY), R16(C_COPY),			/* 0x30..0x4f */
	R4(C_COPY), R4(C_COPY), R4(C_COPY),		/* 0x50..0x5b */
	C_ESC, C_COPY, C_COPY, C_COPY,			/* 0x5c..0x5f */
	R16(C_COPY),					/* 0x60..0x6f */
	R4(C_COPY), R4(C_COPY), R4(C_COPY), C_COPY, C_COPY, C_COPY, C_HEX,
	[0x80 ... 0xff] = C_LEAD,
};

/*
 * The N bytes at STR (NULs included, as \u0000), after the ASCII LEAD, as
 * a JSON string of at most BUDGET bytes (quotes included).  The result
 * is valid JSON and valid UTF-8 whatever S holds: valid UTF-8 sequences are
 * kept, '"' and '\\' are escaped, control bytes and DEL become \u00XX, and
 * every byte that is not part of valid UTF-8 becomes \u00XX too, i.e. it
 * reads as the Latin-1 character of that byte (0xff -> U+00FF).  That keeps
 * every byte visible.  Since a valid "é" is never written escaped, \u0080
 * to \u00ff always stand for that raw byte: lossless for a reader that
 * knows it (logread), if not for a plain JSON parser.  A string that does not fit is cut before the first character
 * (or escape) that would overflow, never in the middle of one.
 */
static char *put_json_mem(char *p, const char *lead, const char *str, size_t n,
			  size_t budget)
{
	const unsigned char *s = (const unsigned char *)str;
	char *end = p + budget - 1;	/* keep room for the closing quote */

	*p++ = '"';
	p = put_mem(p, lead, strlen(lead));
	while (n) {
		unsigned char c = *s;
		int cls = byte_class[c];
		int len;

		if (cls == C_COPY) {
			/* The run of bytes written as they are, in one copy. */
			size_t run = 1, room = (size_t)(end - p);

			while (run < n && byte_class[s[run]] == C_COPY)
				run++;
			if (run > room)
				run = room;
			if (!run)
				break;
			memcpy(p, s, run);
			p += run;
			s += run, n -= run;
			continue;
		}
		if (cls == C_ESC) {
			if (end - p < 2)
				break;
			*p++ = '\\';
			*p++ = (char)c;
			s++, n--;
			continue;
		}
		len = cls == C_LEAD ? json_utf8_len(s, n) : 0;
		if (len > 0) {
			if (end - p < len)
				break;
			memcpy(p, s, (size_t)len);
			p += len;
			s += len, n -= (size_t)len;
			continue;
		}
		if (end - p < 6)
			break;
		p[0] = '\\';
		p[1] = 'u';
		p[2] = '0';
		p[3] = '0';
		p[4] = hex[c >> 4];
		p[5] = hex[c & 15];
		p += 6;
		s++, n--;
	}
	*p++ = '"';
	return p;
}

/* The NUL-terminated STR so, or null for NULL. */
static char *put_json_str(char *p, const char *str, size_t budget)
{
	if (!str)
		return put_lit(p, "null");
	return put_json_mem(p, "", str, strlen(str), budget);
}

/* A word of the tables or the schema: plain ASCII, never needs escaping. */
static char *put_word(char *p, const char *word)
{
	*p++ = '"';
	p = put_mem(p, word, strlen(word));
	*p++ = '"';
	return p;
}

/* A name from the tables or, when the value has none, its number: always a
 * string, so that a key never changes JSON type from one event to the next
 * (a typed sink maps it once). */
static char *put_name(char *p, const char *name, int value)
{
	if (name)
		return put_word(p, name);
	*p++ = '"';
	p = put_i64(p, value);
	*p++ = '"';
	return p;
}

/*
 * Days since 1970-01-01 to a proleptic Gregorian date.  Shift the year to
 * start on March 1 so the leap day is the last day of the year, then split
 * into 400-year eras of 146097 days, years of the era, and days of the year;
 * months from March have lengths that the line (153 * m + 2) / 5 reproduces.
 */
static void civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t z = days + 719468;	/* days since 0000-03-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;				/* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;			/* March = 0 */

	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

/* "YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ" (RFC 3339, UTC, nanoseconds). */
static char *put_timestamp(char *p, const struct timespec *ts)
{
	int64_t secs = ts->tv_sec, days, rem, year;
	long nsec = ts->tv_nsec;
	int month, day;

	if (nsec < 0 || nsec > 999999999)
		nsec = 0;
	days = secs / 86400;
	rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	*p++ = '"';
	if (year >= 0 && year <= 9999)
		p = put_padded(p, (uint32_t)year, 4);
	else
		p = put_i64(p, year);	/* outside RFC 3339; still readable */
	*p++ = '-';
	p = put_padded(p, (uint32_t)month, 2);
	*p++ = '-';
	p = put_padded(p, (uint32_t)day, 2);
	*p++ = 'T';
	p = put_padded(p, (uint32_t)(rem / 3600), 2);
	*p++ = ':';
	p = put_padded(p, (uint32_t)(rem / 60 % 60), 2);
	*p++ = ':';
	p = put_padded(p, (uint32_t)(rem % 60), 2);
	*p++ = '.';
	p = put_padded(p, (uint32_t)nsec, 9);
	return put_lit(p, "Z\"");
}

static char *put_flags(char *p, int type)
{
	size_t count;
	const struct names_entry *flags = names_table_entries(NAMES_FLAG, &count);
	bool first = true;

	*p++ = '[';
	for (size_t i = 0; i < count; i++) {
		if (!(type & flags[i].value))
			continue;
		if (!first)
			*p++ = ',';
		p = put_name(p, flags[i].name, flags[i].value);
		first = false;
	}
	*p++ = ']';
	return p;
}

/* family, type, flags, protocol: what the socket is. */
static char *put_socket_keys(char *p, const struct event *e)
{
	int base, proto;

	if (e->family == -1)
		return put_lit(p, ",\"family\":null,\"type\":null,\"flags\":null,"
				  "\"protocol\":null");
	base = e->type & ~NAMES_TYPE_FLAGS;
	proto = names_effective_protocol(e->family, base, e->protocol);
	p = put_lit(p, ",\"family\":");
	p = put_name(p, names_name(NAMES_FAMILY, e->family), e->family);
	p = put_lit(p, ",\"type\":");
	p = put_name(p, names_name(NAMES_TYPE, base), base);
	p = put_lit(p, ",\"flags\":");
	p = put_flags(p, e->type);
	p = put_lit(p, ",\"protocol\":");
	return put_name(p, names_protocol_name(e->family, proto), proto);
}

/* The same through E's memo: copied when it holds this socket, else
 * written and kept there in place of the oldest. */
static char *put_socket(char *p, const struct event *e)
{
	struct event_memo *m = e->memo;
	char *start = p;
	unsigned i;

	if (!m)
		return put_socket_keys(p, e);
	for (i = 0; i < EVENT_MEMO_SOCKETS; i++)
		if (m->socket[i].used && m->socket[i].family == e->family &&
		    m->socket[i].type == e->type && m->socket[i].protocol == e->protocol)
			return put_mem(p, m->socket[i].text, m->socket[i].len);
	p = put_socket_keys(p, e);
	i = m->next++ % EVENT_MEMO_SOCKETS;
	m->socket[i].used = (size_t)(p - start) <= sizeof(m->socket[i].text);
	if (m->socket[i].used) {
		m->socket[i].family = e->family;
		m->socket[i].type = e->type;
		m->socket[i].protocol = e->protocol;
		m->socket[i].len = (size_t)(p - start);
		memcpy(m->socket[i].text, start, m->socket[i].len);
	}
	return p;
}

/* "unknown": the facts the decision had to do without, in the words of
 * event.schema.json. */
static char *put_unknown(char *p, unsigned unknown)
{
	static const struct {
		unsigned bit;
		const char *word;
	} facts[] = {
		{ POLICY_UNKNOWN_EXE, "\"exe\"" },
		{ POLICY_UNKNOWN_SOCKET, "\"socket\"" },
		{ POLICY_UNKNOWN_ADDRESS, "\"address\"" },
	};
	bool first = true;

	p = put_lit(p, ",\"unknown\":[");
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		if (!(unknown & facts[i].bit))
			continue;
		if (!first)
			*p++ = ',';
		p = put_mem(p, facts[i].word, strlen(facts[i].word));
		first = false;
	}
	*p++ = ']';
	return p;
}

/* N bytes as a JSON string of hex digits. */
static char *put_hex(char *p, const uint8_t *bytes, size_t n)
{
	*p++ = '"';
	seal_hex(bytes, n, p);
	p += 2 * n;
	*p++ = '"';
	return p;
}

/* --- where a socket goes ------------------------------------------------ */

/* A's inet address as text into BUF (CALLS_ADDR_IP_TEXT bytes), once for
 * both the address and its decoded keys; NULL for any other address. */
static const char *addr_text(const struct calls_addr *a, char *buf)
{
	return a ? calls_addr_ip(a, buf) : NULL;
}

/* ADDRESS, in CPython's getsockname() shape (see event.schema.json); IP
 * is addr_text(A). */
static char *put_address(char *p, const struct calls_addr *a, const char *ip)
{
	if (!a || a->status != CALLS_ADDR_OK)
		return put_lit(p, "null");
	switch (a->family) {
	case AF_INET:
	case AF_INET6:
		*p++ = '[';
		p = put_word(p, ip);
		*p++ = ',';
		p = put_u64(p, a->in.port);
		if (a->family == AF_INET6) {
			*p++ = ',';
			p = put_u64(p, a->in.flowinfo);
			*p++ = ',';
			p = put_u64(p, a->in.scope_id);
		}
		*p++ = ']';
		return p;
	case AF_UNIX:
		return put_json_mem(p, a->un.abstract ? "\\u0000" : "", a->un.path, a->un.len,
				    BUDGET_ADDR);
	case AF_NETLINK:
		*p++ = '[';
		p = put_u64(p, a->nl.pid);
		*p++ = ',';
		p = put_u64(p, a->nl.groups);
		*p++ = ']';
		return p;
	default:
		*p++ = '[';
		p = put_i64(p, a->family);
		*p++ = ',';
		p = put_hex(p, a->raw.bytes, a->raw.len);
		*p++ = ']';
		return p;
	}
}

static const char *const malformed_words[] = {
	[CALLS_ADDR_NONE] = "none", [CALLS_ADDR_SHORT] = "short",
	[CALLS_ADDR_LONG] = "long", [CALLS_ADDR_FAULT] = "fault",
};

/* "address" and "port" decoded for rules and reports (the policy's
 * spelling: an abstract name is "@name"; a bind's AF_UNSPEC INADDR_ANY as
 * the kernel takes it, 0.0.0.0), and "malformed" when the call named no
 * address the kernel would take.  IP is addr_text(A). */
static char *put_place(char *p, const struct calls_addr *a, const char *ip,
		       enum policy_event ev)
{
	uint16_t port;

	if (a && ev == POLICY_EV_BIND && calls_addr_unspec_any(a, &port)) {
		p = put_lit(p, ",\"address\":\"0.0.0.0\",\"port\":");
		return put_u64(p, port);
	}
	if (a && a->status != CALLS_ADDR_OK) {
		p = put_lit(p, ",\"address\":null,\"port\":null,\"malformed\":");
		return put_word(p, malformed_words[a->status]);
	}
	if (!a || (a->family != AF_INET && a->family != AF_INET6 && a->family != AF_UNIX))
		return put_lit(p, ",\"address\":null,\"port\":null");
	p = put_lit(p, ",\"address\":");
	if (a->family == AF_UNIX)
		return put_lit(put_json_mem(p, a->un.abstract ? "@" : "", a->un.path, a->un.len,
					    BUDGET_ADDR),
			       ",\"port\":null");
	p = put_word(p, ip);
	p = put_lit(p, ",\"port\":");
	return put_u64(p, a->in.port);
}

/* The EAI_* codes of <netdb.h>, for "gai_error". */
static const char *gai_name(long code)
{
	static const struct {
		int code;
		const char *name;
	} codes[] = {
		{ EAI_BADFLAGS, "EAI_BADFLAGS" }, { EAI_NONAME, "EAI_NONAME" },
		{ EAI_AGAIN, "EAI_AGAIN" }, { EAI_FAIL, "EAI_FAIL" },
		{ EAI_FAMILY, "EAI_FAMILY" }, { EAI_SOCKTYPE, "EAI_SOCKTYPE" },
		{ EAI_SERVICE, "EAI_SERVICE" }, { EAI_MEMORY, "EAI_MEMORY" },
		{ EAI_SYSTEM, "EAI_SYSTEM" }, { EAI_OVERFLOW, "EAI_OVERFLOW" },
		{ EAI_NODATA, "EAI_NODATA" }, { EAI_ADDRFAMILY, "EAI_ADDRFAMILY" },
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return NULL;
}

/* "addresses": the distinct inet addresses of the lookup's list, in its
 * order, at most EVENT_ADDRESSES_MAX. */
unsigned event_found_distinct(const struct addrinfo *ai, struct event_found *out)
{
	struct calls_addr a;
	unsigned n = 0, i;

	for (; ai && n < EVENT_ADDRESSES_MAX; ai = ai->ai_next) {
		calls_addr_decode(ai->ai_addr, ai->ai_addrlen, &a);
		if (a.status != CALLS_ADDR_OK || (a.family != AF_INET && a.family != AF_INET6))
			continue;
		for (i = 0; i < n; i++)
			if (out[i].family == a.family && !memcmp(out[i].ip, a.in.ip, 16))
				break;
		if (i < n)
			continue;
		out[n].family = a.family;
		memcpy(out[n].ip, a.in.ip, 16);
		n++;
	}
	return n;
}

static char *put_found(char *p, const struct addrinfo *ai)
{
	/* Only what tells the addresses apart: an event's stack stays small
	 * (a signal handler may log one on a small sigaltstack). */
	struct event_found seen[EVENT_ADDRESSES_MAX];
	unsigned n = event_found_distinct(ai, seen);
	char ip[CALLS_ADDR_IP_TEXT];

	p = put_lit(p, ",\"addresses\":[");
	for (unsigned i = 0; i < n; i++) {
		struct calls_addr a = { .status = CALLS_ADDR_OK, .family = seen[i].family };

		memcpy(a.in.ip, seen[i].ip, 16);
		calls_addr_ip(&a, ip);
		if (i)
			*p++ = ',';
		p = put_word(p, ip);
	}
	*p++ = ']';
	return p;
}

static char *put_result(char *p, const struct event *e)
{
	p = put_lit(p, ",\"result\":");
	if (e->result_unknown)
		return put_lit(p, "null,\"errno\":null");
	p = put_i64(p, e->result);
	p = put_lit(p, ",\"errno\":");
	if (e->err)
		return put_name(p, names_name(NAMES_ERRNO, e->err), e->err);
	return put_lit(p, "null");
}

/* The raw family, type and protocol of args. */
static char *put_triple(char *p, const struct event *e)
{
	p = put_i64(p, e->family);
	*p++ = ',';
	p = put_i64(p, e->type);
	*p++ = ',';
	return put_i64(p, e->protocol);
}

/* The end of args, "call", and what the socket is. */
static char *put_call_socket(char *p, const struct event *e)
{
	p = put_lit(p, "],\"call\":");
	p = put_json_str(p, e->call, BUDGET_WORD);
	return put_socket(p, e);
}

/* args and the decoded keys up to "result", for each kind of event. */
static char *put_call(char *p, const struct event *e)
{
	char ip[CALLS_ADDR_IP_TEXT];
	const char *text;

	p = put_lit(p, ",\"args\":[");
	switch (e->event) {
	case POLICY_EV_NEW:
	case POLICY_EV_SHUTDOWN:
		p = e->self_known ? put_i64(p, e->self) : put_lit(p, "null");
		*p++ = ',';
		if (e->event == POLICY_EV_SHUTDOWN) {
			p = put_i64(p, e->how);
		} else {
			p = put_triple(p, e);
		}
		p = put_call_socket(p, e);
		if (e->event == POLICY_EV_SHUTDOWN) {
			p = put_lit(p, ",\"how\":");
			p = put_name(p, names_name(NAMES_HOW, e->how), e->how);
		}
		if (e->peer) {
			p = put_lit(p, ",\"peer\":");
			p = put_address(p, e->addr, addr_text(e->addr, ip));
		}
		return put_result(p, e);
	case POLICY_EV_GETADDRINFO: {
		int port = calls_service_port(e->service);

		p = put_json_str(p, e->host, BUDGET_HOST);
		*p++ = ',';
		p = put_json_str(p, e->service, BUDGET_SERVICE);
		*p++ = ',';
		p = put_triple(p, e);
		p = put_call_socket(p, e);
		p = put_lit(p, ",\"host\":");
		p = put_json_str(p, e->host, BUDGET_HOST);
		p = put_lit(p, ",\"port\":");
		p = port >= 0 ? put_u64(p, (unsigned)port) : put_lit(p, "null");
		p = put_found(p, e->result == 0 ? e->found : NULL);
		p = put_lit(p, ",\"result\":");
		p = put_i64(p, e->result);
		p = put_lit(p, ",\"errno\":");
		if (e->result == EAI_SYSTEM && e->err)
			p = put_name(p, names_name(NAMES_ERRNO, e->err), e->err);
		else
			p = put_lit(p, "null");
		p = put_lit(p, ",\"gai_error\":");
		if (e->result == 0)
			return put_lit(p, "null");
		return put_name(p, gai_name(e->result), (int)e->result);
	}
	default:	/* the address events */
		text = addr_text(e->addr, ip);
		p = e->self_known ? put_i64(p, e->self) : put_lit(p, "null");
		*p++ = ',';
		p = put_address(p, e->addr, text);
		p = put_call_socket(p, e);
		p = put_place(p, e->addr, text, e->event);
		return put_result(p, e);
	}
}

/* The line, into BUF of at least EVENT_LINE_MAX bytes. */
static size_t format(char *buf, const struct event *e)
{
	size_t exe_budget;
	char *p = buf;

	p = put_lit(p, "{\"v\":" STRINGIFY(EVENT_SCHEMA_VERSION) ",\"seq\":");
	p = put_u64(p, e->seq);
	p = put_lit(p, ",\"ts\":");
	p = put_timestamp(p, &e->ts);
	p = put_lit(p, ",\"event\":");
	p = put_name(p, names_name(NAMES_EVENT, (int)e->event), (int)e->event);

	p = put_call(p, e);
	p = put_lit(p, ",\"decision\":");
	p = put_word(p, event_decision_word(e->decision));
	p = put_lit(p, ",\"rule\":");
	p = put_json_str(p, e->rule, BUDGET_RULE);
	p = put_lit(p, ",\"mode\":");
	p = put_json_str(p, e->mode, BUDGET_WORD);

	p = put_lit(p, ",\"pid\":");
	p = put_i64(p, e->pid);
	p = put_lit(p, ",\"tid\":");
	p = put_i64(p, e->tid);
	p = put_lit(p, ",\"ppid\":");
	p = put_i64(p, e->ppid);
	p = put_lit(p, ",\"exe\":");
	/* What the place left for exe (at least BUDGET_EXE_MIN). */
	exe_budget = (size_t)(buf + EVENT_LINE_MAX - SEAL_SUFFIX_LEN - TAIL_MAX - p);
	if (e->ident && exe_budget >= BUDGET_EXE) {
		/* exe and comm as event_format_ident() made them: the same. */
		p = put_mem(p, e->ident, e->ident_len);
	} else {
		p = put_json_str(p, e->exe, exe_budget < BUDGET_EXE ? exe_budget : BUDGET_EXE);
		p = put_lit(p, ",\"comm\":");
		p = put_json_str(p, e->comm, BUDGET_COMM);
	}
	p = put_lit(p, ",\"layer\":");
	p = put_word(p, event_layer_word(e->layer));
	if (e->unknown)
		p = put_unknown(p, e->unknown);
	p = put_lit(p, "}\n");
	return (size_t)(p - buf);
}

/* A caller's buffer smaller than EVENT_LINE_MAX: format on the stack (only
 * here, so the common path does not pay for the frame) and copy if it fits. */
/* The N bytes formatted in TMP into BUF of CAP bytes: N, or 0 when they do
 * not fit. */
static size_t copy_out(char *buf, size_t cap, const char *tmp, size_t n)
{
	if (n > cap)
		return 0;
	memcpy(buf, tmp, n);
	return n;
}

static __attribute__((noinline)) size_t format_small(char *buf, size_t cap,
						      const struct event *e)
{
	char tmp[EVENT_LINE_MAX];

	return copy_out(buf, cap, tmp, format(tmp, e));
}

/* The keys every record (a line of its own kind, not an event) starts with. */
static char *put_record_head(char *p, const struct timespec *ts, const char *word)
{
	p = put_lit(p, "{\"v\":" STRINGIFY(EVENT_SCHEMA_VERSION) ",\"ts\":");
	p = put_timestamp(p, ts);
	p = put_lit(p, ",\"event\":");
	return put_word(p, word);
}

size_t event_format_loss(char *buf, size_t cap, const struct event_loss *l)
{
	char tmp[EVENT_LINE_MAX], *p = tmp;

	p = put_record_head(p, &l->ts, EVENT_LOSS_WORD);
	p = put_lit(p, ",\"lost\":");
	p = put_u64(p, l->by[EVENT_PRELOAD] + l->by[EVENT_NOTIFY]);
	for (int i = 0; i < EVENT_LAYER_COUNT; i++) {
		p = put_lit(p, ",\"lost_");
		p = put_mem(p, event_layer_word((enum event_layer)i),
			    strlen(event_layer_word((enum event_layer)i)));
		p = put_lit(p, "\":");
		p = put_u64(p, l->by[i]);
	}
	p = put_lit(p, ",\"pid\":");
	p = put_i64(p, l->pid);
	p = put_lit(p, "}\n");
	return copy_out(buf, cap, tmp, (size_t)(p - tmp));
}

size_t event_format_seal(char *buf, size_t cap, const struct event_seal *s)
{
	char tmp[256], *p = tmp;

	p = put_record_head(p, &s->ts, EVENT_SEAL_WORD);
	p = put_lit(p, ",\"pid\":");
	p = put_i64(p, s->pid);
	p = put_lit(p, ",\"sealed\":");
	p = put_u64(p, s->sealed);
	p = put_lit(p, ",\"key\":");
	p = put_hex(p, s->key, SEAL_KEY_LEN);
	p = put_lit(p, "}\n");
	return copy_out(buf, cap, tmp, (size_t)(p - tmp));
}

size_t event_format_ident(char *buf, size_t cap, const char *exe, const char *comm)
{
	char *p = buf;

	if (cap < EVENT_IDENT_MAX)
		return 0;
	p = put_json_str(p, exe, BUDGET_EXE);
	p = put_lit(p, ",\"comm\":");
	p = put_json_str(p, comm, BUDGET_COMM);
	return (size_t)(p - buf);
}

size_t event_format(char *buf, size_t cap, const struct event *e)
{
	if (cap >= EVENT_LINE_MAX)
		return format(buf, e);
	return format_small(buf, cap, e);
}
