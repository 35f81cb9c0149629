/* event.c - one event as one JSON line (schema version 1).
 *
 * This runs in the shim's hot path, inside socket() and friends, which
 * programs call from signal handlers and between fork() and exec(): no
 * allocation, no stdio (snprintf takes locale and stream locks), no
 * gmtime_r (glibc's takes the timezone lock), no locale.  Everything is
 * written by hand into the caller's buffer, and every write is bounded.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "event.h"
#include "names.h"

/*
 * Output budgets of the escaped strings.  With these, the longest possible
 * line (every number at its widest, every name unnamed) stays well under
 * EVENT_LINE_MAX, so a line is never cut: an overlong string is.
 */
#define BUDGET_EXE 2048
#define BUDGET_COMM 256
#define BUDGET_RULE 512
#define BUDGET_WORD 64		/* call, decision, mode, layer */

struct out {
	char *p, *end;
	bool over;		/* something did not fit: the line is void */
};

static void put_mem(struct out *o, const char *s, size_t n)
{
	if ((size_t)(o->end - o->p) < n) {
		o->over = true;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

/* A string literal: its length is known at compile time. */
#define put_lit(o, s) put_mem((o), (s), sizeof(s) - 1)

static void put_u64(struct out *o, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(o, tmp + i, sizeof(tmp) - i);
}

static void put_i64(struct out *o, int64_t v)
{
	if (v < 0) {
		put_lit(o, "-");
		/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
		put_u64(o, -(uint64_t)v);
	} else {
		put_u64(o, (uint64_t)v);
	}
}

/* V in exactly WIDTH digits, zero padded (V < 10^WIDTH). */
static void put_padded(struct out *o, uint64_t v, int width)
{
	char tmp[20];

	for (int i = width - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	put_mem(o, tmp, (size_t)width);
}

static const char hex[] = "0123456789abcdef";

/*
 * How each byte of a string is written:
 *   C_COPY   as is
 *   C_ESC    \" or \\
 *   C_HEX    \u00XX (control bytes and DEL)
 *   C_LEAD2/3/4  the lead byte of a UTF-8 sequence of that length, copied
 *            when the whole sequence is valid, else \u00XX like C_BAD
 *   C_BAD    never valid in UTF-8 (continuation bytes out of place, C0, C1,
 *            F5..FF): \u00XX
 */
enum { C_COPY, C_ESC, C_HEX, C_LEAD2, C_LEAD3, C_LEAD4, C_BAD };

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
	R16(C_BAD), R16(C_BAD), R16(C_BAD), R16(C_BAD),	/* 0x80..0xbf */
	C_BAD, C_BAD, R4(C_LEAD2), R4(C_LEAD2), R4(C_LEAD2), C_LEAD2, C_LEAD2,
	R16(C_LEAD2),					/* 0xd0..0xdf */
	R16(C_LEAD3),					/* 0xe0..0xef */
	R4(C_LEAD4), C_LEAD4, R4(C_BAD), R4(C_BAD), C_BAD, C_BAD, C_BAD, /* 0xf0.. */
};

static bool is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* Length of the valid UTF-8 sequence at S (N bytes left) whose lead byte has
 * class CLS, or 0 when it is not valid (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n, int cls)
{
	unsigned char lo = 0x80, hi = 0xbf;

	switch (cls) {
	case C_LEAD2:
		return n >= 2 && is_cont(s[1]) ? 2 : 0;
	case C_LEAD3:
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
		return n >= 3 && s[1] >= lo && s[1] <= hi && is_cont(s[2]) ? 3 : 0;
	case C_LEAD4:
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
		return n >= 4 && s[1] >= lo && s[1] <= hi && is_cont(s[2]) &&
		       is_cont(s[3]) ? 4 : 0;
	}
	return 0;
}

/*
 * S as a JSON string of at most BUDGET bytes (quotes included).  The result
 * is valid JSON and valid UTF-8 whatever S holds: valid UTF-8 sequences are
 * kept, '"' and '\\' are escaped, control bytes and DEL become \u00XX, and
 * every byte that is not part of valid UTF-8 becomes \u00XX too, i.e. it
 * reads as the Latin-1 character of that byte (0xff -> U+00FF).  That keeps
 * every byte visible at the price of ambiguity: \u00e9 may stand for the
 * invalid byte 0xe9 or for a valid "é" written escaped (we never write the
 * latter).  A string that does not fit is cut before the first character
 * (or escape) that would overflow, never in the middle of one.
 */
static void put_json_str(struct out *o, const char *str, size_t budget)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n, room = (size_t)(o->end - o->p);
	char *p, *end;

	if (!s) {
		put_lit(o, "null");
		return;
	}
	if (room < 2) {
		o->over = true;
		return;
	}
	if (budget > room)
		budget = room;
	p = o->p;
	end = p + budget - 1;	/* keep room for the closing quote */
	*p++ = '"';
	n = strlen(str);
	while (n) {
		unsigned char c = *s;
		int cls = byte_class[c];
		size_t len;

		if (cls == C_COPY) {
			if (p == end)
				break;
			*p++ = (char)c;
			s++, n--;
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
		len = cls >= C_LEAD2 && cls <= C_LEAD4 ? utf8_len(s, n, cls) : 0;
		if (len) {
			if ((size_t)(end - p) < len)
				break;
			memcpy(p, s, len);
			p += len;
			s += len, n -= len;
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
	o->p = p;
}

/* A name from the tables (plain ASCII, never needs escaping) or, when the
 * value has none, the number. */
static void put_name(struct out *o, const char *name, int value)
{
	if (!name) {
		put_i64(o, value);
		return;
	}
	put_lit(o, "\"");
	put_mem(o, name, strlen(name));
	put_lit(o, "\"");
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
static void put_timestamp(struct out *o, const struct timespec *ts)
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
	put_lit(o, "\"");
	if (year >= 0 && year <= 9999)
		put_padded(o, (uint64_t)year, 4);
	else
		put_i64(o, year);	/* outside RFC 3339; still readable */
	put_lit(o, "-");
	put_padded(o, (uint64_t)month, 2);
	put_lit(o, "-");
	put_padded(o, (uint64_t)day, 2);
	put_lit(o, "T");
	put_padded(o, (uint64_t)(rem / 3600), 2);
	put_lit(o, ":");
	put_padded(o, (uint64_t)(rem / 60 % 60), 2);
	put_lit(o, ":");
	put_padded(o, (uint64_t)(rem % 60), 2);
	put_lit(o, ".");
	put_padded(o, (uint64_t)nsec, 9);
	put_lit(o, "Z\"");
}

static void put_self(struct out *o, const struct event *e)
{
	if (e->self_known)
		put_i64(o, e->self);
	else
		put_lit(o, "null");
}

static void put_flags(struct out *o, int type)
{
	size_t count;
	const struct names_entry *flags = names_table_entries(NAMES_FLAG, &count);
	bool first = true;

	put_lit(o, "[");
	for (size_t i = 0; i < count; i++) {
		if (!(type & flags[i].value))
			continue;
		if (!first)
			put_lit(o, ",");
		put_name(o, flags[i].name, flags[i].value);
		first = false;
	}
	put_lit(o, "]");
}

/* family, type, flags, protocol: what the socket is. */
static void put_socket(struct out *o, const struct event *e)
{
	int base, proto;

	if (e->family == -1) {
		put_lit(o, ",\"family\":null,\"type\":null,\"flags\":null,"
			   "\"protocol\":null");
		return;
	}
	base = e->type & ~NAMES_TYPE_FLAGS;
	proto = names_effective_protocol(e->family, base, e->protocol);
	put_lit(o, ",\"family\":");
	put_name(o, names_name(NAMES_FAMILY, e->family), e->family);
	put_lit(o, ",\"type\":");
	put_name(o, names_name(NAMES_TYPE, base), base);
	put_lit(o, ",\"flags\":");
	put_flags(o, e->type);
	put_lit(o, ",\"protocol\":");
	put_name(o, names_protocol_name(e->family, proto), proto);
}

size_t event_format(char *buf, size_t cap, const struct event *e)
{
	struct out o = { buf, buf + (cap ? cap - 1 : 0), false };	/* '\n' */
	bool shutdown = e->event == POLICY_EV_SHUTDOWN;

	if (!cap)
		return 0;
	put_lit(&o, "{\"v\":1,\"seq\":");
	put_u64(&o, e->seq);
	put_lit(&o, ",\"ts\":");
	put_timestamp(&o, &e->ts);
	put_lit(&o, ",\"event\":");
	put_name(&o, names_name(NAMES_EVENT, (int)e->event), (int)e->event);

	put_lit(&o, ",\"args\":[");
	put_self(&o, e);
	if (shutdown) {
		put_lit(&o, ",");
		put_i64(&o, e->how);
	} else {
		put_lit(&o, ",");
		put_i64(&o, e->family);
		put_lit(&o, ",");
		put_i64(&o, e->type);
		put_lit(&o, ",");
		put_i64(&o, e->protocol);
	}
	put_lit(&o, "],\"call\":");
	put_json_str(&o, e->call, BUDGET_WORD);

	put_socket(&o, e);
	if (shutdown) {
		put_lit(&o, ",\"how\":");
		put_name(&o, names_name(NAMES_HOW, e->how), e->how);
	}

	put_lit(&o, ",\"result\":");
	if (e->result_unknown) {
		put_lit(&o, "null,\"errno\":null");
	} else {
		put_i64(&o, e->result);
		put_lit(&o, ",\"errno\":");
		if (e->err)
			put_name(&o, names_name(NAMES_ERRNO, e->err), e->err);
		else
			put_lit(&o, "null");
	}
	put_lit(&o, ",\"decision\":");
	put_json_str(&o, e->decision, BUDGET_WORD);
	put_lit(&o, ",\"rule\":");
	put_json_str(&o, e->rule, BUDGET_RULE);
	put_lit(&o, ",\"mode\":");
	put_json_str(&o, e->mode, BUDGET_WORD);

	put_lit(&o, ",\"pid\":");
	put_i64(&o, e->pid);
	put_lit(&o, ",\"tid\":");
	put_i64(&o, e->tid);
	put_lit(&o, ",\"ppid\":");
	put_i64(&o, e->ppid);
	put_lit(&o, ",\"exe\":");
	put_json_str(&o, e->exe, BUDGET_EXE);
	put_lit(&o, ",\"comm\":");
	put_json_str(&o, e->comm, BUDGET_COMM);
	put_lit(&o, ",\"layer\":");
	put_json_str(&o, e->layer, BUDGET_WORD);
	put_lit(&o, "}");

	if (o.over)
		return 0;
	*o.p++ = '\n';	/* the byte kept back at the start */
	return (size_t)(o.p - buf);
}
