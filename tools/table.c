/* SPDX-License-Identifier: MIT */
/* table.c - table cells and event lines for people (see table.h). */
#include <inttypes.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "schema.h"
#include "table.h"
#include "utf8.h"

#define TABLE_LINE_EXE 64	/* columns of an exe in an event's line */

int table_width(int requested)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	long w = 80;
	char *end;

	if (requested > 0) {
		w = requested;
	} else if (env && *env && (w = strtol(env, &end, 10), !*end && w > 0)) {
		;	/* an explicit choice, as ls and util-linux take it */
	} else if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
		   ws.ws_col > 0) {
		w = ws.ws_col;
	} else {
		w = 80;
	}
	return w < TABLE_WIDTH_MIN ? TABLE_WIDTH_MIN : w > TABLE_WIDTH_MAX ? TABLE_WIDTH_MAX : (int)w;
}

/* The display width of code point C: wcwidth() in a UTF-8 locale, whatever
 * the user's (our text is UTF-8 in any locale); -1 for a character that is
 * not printable.  Without a UTF-8 locale, one column per character. */
static int cp_width(uint32_t c)
{
	static locale_t utf8;
	static bool tried;
	locale_t old;
	int w;

	if (c < 0x80)
		return c < 0x20 || c == 0x7f ? -1 : 1;
	if (!tried) {
		tried = true;
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	if (!utf8)
		return c >= 0x80 && c < 0xa0 ? -1 : 1;
	old = uselocale(utf8);
	w = wcwidth((wchar_t)c);
	uselocale(old);
	return w;
}

/* The code point of the valid sequence S of LEN bytes. */
static uint32_t cp_of(const unsigned char *s, int len)
{
	static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t c = s[0] & lead_mask[len];

	for (int i = 1; i < len; i++)
		c = c << 6 | (s[i] & 0x3f);
	return c;
}

/* Append bytes to a bounded buffer: a piece that does not fit whole is
 * left out (so no character is split), and so is everything after it. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool full;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->full || b->len + n + 1 > b->cap) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Decoded bytes S (N) as cell text: printable UTF-8 as it is, anything
 * else as \xHH, a backslash as \\. */
static void sb_bytes(struct sbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		int len = json_utf8_len(u + i, n - i);
		char hex[5];

		if (u[i] == '\\') {
			sb_put(b, "\\\\", 2);
			i++;
		} else if (len > 0 && cp_width(cp_of(u + i, len)) >= 0) {
			sb_put(b, s + i, (size_t)len);
			i += (size_t)len;
		} else {
			snprintf(hex, sizeof(hex), "\\x%02x", u[i]);
			sb_put(b, hex, 4);
			i++;
		}
	}
}

/* The JSON string text S (between its quotes) decoded into B. */
static void sb_jstring(struct sbuf *b, const char *s, size_t n)
{
	char tmp[TABLE_EXE_MAX * 4 + 64];
	struct logread_str js = { s, n };
	long m = logread_unescape(js, tmp, sizeof(tmp));

	if (m < 0)	/* cut: the prefix it holds */
		m = (long)strlen(tmp);
	sb_bytes(b, tmp, (size_t)m);
}

size_t table_cell(const char *v, size_t n, const char *null_word, char *buf, size_t cap)
{
	struct sbuf b = { buf, 0, cap, false };

	if (!cap)
		return 0;
	if (!v || (n == 4 && !memcmp(v, "null", 4))) {
		sb_put(&b, null_word, strlen(null_word));
	} else if (n >= 2 && v[0] == '"') {
		sb_jstring(&b, v + 1, n - 2);
	} else if (n >= 2 && v[0] == '[') {
		/* An array of strings (flags) joined with '|'; another (an
		 * ADDRESS of numbers) as its text, which holds no escapes. */
		size_t i = 1, items = 0;
		bool strings = true;

		while (i < n - 1 && strings) {
			size_t j;
			if (v[i] == ',' || v[i] == ' ') {
				i++;
				continue;
			}
			if (v[i] != '"') {
				strings = false;
				break;
			}
			for (j = i + 1; j < n - 1 && v[j] != '"'; j++)
				if (v[j] == '\\')
					j++;
			if (items++)
				sb_put(&b, "|", 1);
			sb_jstring(&b, v + i + 1, j - i - 1);
			i = j + 1;
		}
		if (!strings) {
			b.len = 0;
			b.full = false;
			sb_bytes(&b, v, n);
		} else if (!items) {
			sb_put(&b, "-", 1);
		}
	} else {
		sb_bytes(&b, v, n);
	}
	buf[b.len] = '\0';
	return b.len;
}

/* Columns of the character at S (N >= 1 bytes), its length in *LEN. */
static size_t char_cols(const char *s, size_t n, size_t *len)
{
	int l = json_utf8_len((const unsigned char *)s, n), w;

	if (l <= 0) {
		*len = 1;
		return 1;
	}
	*len = (size_t)l;
	w = cp_width(cp_of((const unsigned char *)s, l));
	return w < 0 ? 1 : (size_t)w;
}

size_t table_cols(const char *s, size_t n)
{
	size_t c = 0, len;

	for (size_t i = 0; i < n; i += len)
		c += char_cols(s + i, n - i, &len);
	return c;
}

void table_put(FILE *f, const char *s, size_t n, size_t width, bool cut_left, bool last)
{
	size_t cols = table_cols(s, n), len, c;

	if (cols > width && width >= 1) {
		if (cut_left) {
			/* Drop characters from the start until the rest fits
			 * beside the "…". */
			size_t i = 0;
			while (i < n && cols > width - 1) {
				cols -= char_cols(s + i, n - i, &len);
				i += len;
			}
			fputs("…", f);
			fwrite(s + i, 1, n - i, f);
			cols++;
		} else {
			size_t i = 0;
			c = 0;
			while (i < n) {
				size_t w = char_cols(s + i, n - i, &len);
				if (c + w > width - 1)
					break;
				c += w;
				i += len;
			}
			fwrite(s, 1, i, f);
			fputs("…", f);
			cols = c + 1;
		}
	} else {
		fwrite(s, 1, n, f);
	}
	if (!last && width > cols)
		fprintf(f, "%*s", (int)(width - cols), "");
}

size_t table_json_cut(const char *p, size_t len, size_t max)
{
	size_t i = 0, step;

	if (len <= max)
		return len;
	for (;; i += step) {
		unsigned char c = (unsigned char)p[i];
		step = c == '\\' ? (p[i + 1] == 'u' ? 6 : 2) :
		       c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (i + step > max)
			return i;
	}
}

/* S as JSON text into DST (CAP bytes): a string, quoted and cut to fit
 * with "\u2026", or null. */
static void jtext(char *dst, size_t cap, struct logread_str s)
{
	size_t n;

	if (!s.p) {
		snprintf(dst, cap, "null");
		return;
	}
	n = table_json_cut(s.p, s.len, cap - 10);
	snprintf(dst, cap, "\"%.*s%s\"", (int)n, s.p, n < s.len ? "\\u2026" : "");
}

/* A decoded value's JSON text: its name, its number as a decimal string
 * (an older log's bare number too), or null. */
static void jval(char *dst, size_t cap, const struct logread_val *v)
{
	if (v->kind == LOGREAD_NAME)
		jtext(dst, cap, v->name);
	else if (v->kind == LOGREAD_NUM)
		snprintf(dst, cap, "\"%lld\"", v->num);
	else
		snprintf(dst, cap, "null");
}

void table_event_set(struct table_event *t, const struct logread_event *ev, int file,
		     uint64_t line)
{
	t->file = file;
	t->line = line;
	t->pid = ev->pid;
	t->seq = ev->seq;
	t->ts = ev->ts;
	t->event = ev->event;
	t->decision = ev->decision;
	t->layer = ev->layer;
	jtext(t->exe, sizeof(t->exe), ev->exe);
	jtext(t->comm, sizeof(t->comm), ev->comm);
	jtext(t->rule, sizeof(t->rule), ev->rule);
	jval(t->family, sizeof(t->family), &ev->family);
	jval(t->type, sizeof(t->type), &ev->type);
	jval(t->protocol, sizeof(t->protocol), &ev->protocol);
	logread_where(ev, t->where, sizeof(t->where));
}

static void put_cell(FILE *f, const char *json, const char *null_word)
{
	char buf[TABLE_EXE_MAX * 4 + 64];
	size_t n = table_cell(json, strlen(json), null_word, buf, sizeof(buf));

	fwrite(buf, 1, n, f);
}

void table_event_text(FILE *f, const struct table_event *t, const char *path)
{
	char buf[TABLE_EXE_MAX * 4 + 64];
	size_t n = table_cell(t->exe, strlen(t->exe), "-", buf, sizeof(buf));

	/* seq counts per process and layer: the layer names it. */
	fprintf(f, "%s:%" PRIu64 ": pid %lld %s seq %" PRIu64 " ", path, t->line, t->pid,
		event_layer_word(t->layer), t->seq);
	/* A path's end tells it apart; the line stays a line. */
	table_put(f, buf, n, TABLE_LINE_EXE, true, true);
	/* Events without "socket.", which every one of them starts with. */
	fprintf(f, " %s ", event_name_word(t->event) + 7);
	put_cell(f, t->family, "-");
	fputc(' ', f);
	put_cell(f, t->type, "-");
	fputc(' ', f);
	put_cell(f, t->protocol, "-");
	if (t->where[0])
		fprintf(f, " %s", t->where);
}

void table_event_rule(FILE *f, const struct table_event *t)
{
	put_cell(f, t->rule, TABLE_DEFAULT_RULE);
}

void table_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void table_event_json(FILE *f, const struct table_event *t, const char *path)
{
	char ts[40];

	logread_format_time(ts, sizeof(ts), t->ts);
	/* To the nanosecond, as the log has it: "...:06.123456789Z". */
	if (t->ts % 1000000000 && strlen(ts) > 1)
		snprintf(ts + strlen(ts) - 1, sizeof(ts) - strlen(ts) + 1, ".%09dZ",
			 (int)((t->ts % 1000000000 + 1000000000) % 1000000000));
	fputs("\"file\":", f);
	table_json_string(f, path);
	fprintf(f, ",\"line\":%" PRIu64 ",\"pid\":%lld,\"seq\":%" PRIu64 ",\"ts\":\"%s\""
		",\"event\":\"%s\",\"exe\":%s,\"comm\":%s,\"family\":%s,\"type\":%s"
		",\"protocol\":%s,\"layer\":\"%s\"", t->line, t->pid, t->seq, ts,
		event_name_word(t->event), t->exe, t->comm, t->family, t->type, t->protocol,
		event_layer_word(t->layer));
	if (t->where[0]) {
		fputs(",\"where\":", f);
		table_json_string(f, t->where);
	}
}
