/* SPDX-License-Identifier: MIT */
/* test_scan_fast.c - the scanner's fast paths and the reader around them:
 * the quote index (json_index_build), json_member_value() and
 * json_element_value() against the general calls they stand for (same
 * results, same error bytes, on every prefix of every text), and the
 * reader with lines and keys across its buffer's refills, lines too long
 * for the index, escapes and NULs in strings, a last line without its
 * newline. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "logread.h"
#include "scan.h"

#define EV_NEW "{\"v\":1,\"seq\":7,\"ts\":\"2026-11-24T04:05:06.123456789Z\",\"event\":\"socket.__new__\"," \
	"\"args\":[3,2,524289,0],\"call\":\"socket\",\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\"," \
	"\"flags\":[\"SOCK_CLOEXEC\"],\"protocol\":\"IPPROTO_TCP\",\"result\":3,\"errno\":null," \
	"\"decision\":\"allow\",\"rule\":\"inet-tcp\",\"mode\":\"enforce\",\"pid\":4242,\"tid\":4242," \
	"\"ppid\":4200,\"exe\":\"/usr/bin/curl\",\"comm\":\"curl\",\"layer\":\"preload\"}"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static bool bit(const struct json_index *ix, size_t i)
{
	return ix->quotes[i / 64] >> (i % 64) & 1;
}

/* Every quote of printable texts of every length up to 300 (chunks of 16,
 * blocks of 64 and the partial last ones), and no bit past the end. */
static void test_index_bits(void)
{
	static const char alphabet[] = "\"ab:{},[] 0~\x7f";
	static struct json_index ix;
	char text[320];
	int bad_len = -1, bad_bits = -1;

	for (size_t len = 0; len <= 300; len++) {
		for (size_t i = 0; i < len; i++)
			text[i] = alphabet[rnd(sizeof(alphabet) - 1)];
		memset(text + len, '"', sizeof(text) - len);	/* past the end */
		if (!json_index_build(&ix, text, len)) {
			if (bad_len < 0)
				bad_len = (int)len;
			continue;
		}
		for (size_t i = 0; i < (len + 63) / 64 * 64; i++)
			if (bit(&ix, i) != (i < len && text[i] == '"') && bad_bits < 0)
				bad_bits = (int)len;
	}
	CHECK_INT(bad_len, -1, "index: every printable text is indexed (first failing length)");
	CHECK_INT(bad_bits, -1, "index: a bit for each quote, none past the end (first wrong length)");
	memset(text, 'a', sizeof(text));
	CHECK(!json_index_build(&ix, text, JSON_INDEX_MAX + 1), "index: too long a text is refused");
}

/* A byte outside 0x20..0x7f or a backslash anywhere (first, last, in an
 * overlapping tail chunk) refuses the index; one just past the end does
 * not count. */
static void test_index_refuses(void)
{
	static const unsigned char special[] = { 0x00, 0x09, 0x0a, 0x0d, 0x1f, '\\', 0x80, 0xc3, 0xff };
	static struct json_index ix;
	char text[200];
	int missed = -1, past = -1;

	for (size_t len = 1; len < 160; len++)
		for (size_t pos = 0; pos < len; pos++)
			for (size_t k = 0; k < sizeof(special); k++) {
				memset(text, 'x', sizeof(text));
				text[pos] = (char)special[k];
				if (json_index_build(&ix, text, len) && missed < 0)
					missed = (int)(len * 1000 + pos);
				memset(text, 'x', sizeof(text));
				text[len] = (char)special[k];
				if (!json_index_build(&ix, text, len) && past < 0)
					past = (int)len;
			}
	CHECK_INT(missed, -1, "index: refused for a special byte anywhere (first len*1000+pos missed)");
	CHECK_INT(past, -1, "index: a special byte past the end does not count (first length)");
}

/* What one step of a walk over an object or array saw. */
struct step {
	enum json_err e;
	ptrdiff_t cur;			/* the cursor's offset after it */
	ptrdiff_t key, klen;		/* the key's span, for members */
	enum json_type type;
	ptrdiff_t start, end, str, slen;
	long long num;
};

#define STEPS_MAX 64

/* Walk the object or array at TEXT[0..LEN) member by member: with the
 * general calls (FAST false) or the one-call ones, with IX or without.
 * Returns the steps taken, up to the first error or the end. */
static int walk_steps(const char *text, size_t len, bool fast, const struct json_index *ix,
		      struct step *out)
{
	struct json_cur c = { text, text + len, ix };
	bool object = len && text[0] == '{';
	int n = 0;

	if (!len || (text[0] != '{' && text[0] != '['))
		return 0;
	c.p++;
	for (bool first = true; n < STEPS_MAX; first = false) {
		struct step *s = &out[n++];
		struct json_str key = { NULL, 0 };
		struct json_tok t;

		memset(s, 0, sizeof(*s));
		memset(&t, 0, sizeof(t));
		if (fast)
			s->e = object ? json_member_value(&c, first, &key, &t, 1, 4) :
				       json_element_value(&c, first, &t, 1, 4);
		else if (!(s->e = object ? json_member(&c, first, &key) : json_element(&c, first)))
			s->e = json_value(&c, &t, 1, 4);
		s->cur = c.p - text;
		if (s->e)
			break;
		s->key = key.p ? key.p - text : -1;
		s->klen = (ptrdiff_t)key.len;
		s->type = t.type;
		s->start = t.start - text;
		s->end = t.end - text;
		if (t.type == JSON_STRING) {
			s->str = t.str.p - text;
			s->slen = (ptrdiff_t)t.str.len;
		}
		if (t.type == JSON_INT)
			s->num = t.num;
	}
	return n;
}

static const char *const walk_texts[] = {
	EV_NEW,
	"{\"v\":1,\"seq\":2,\"args\":[null,1],\"how\":\"SHUT_WR\",\"flags\":null,\"x\":{\"a\":[1,[2]]}}",
	"{ \"v\" : 1 ,\t\"seq\":\r\n2 , \"a\" : [ 1 , 2 ] }",
	"{\"exe\":\"/opt/caf\xc3\xa9 \\u00e9\\\"q\\\\\\/\\n\",\"comm\":\"\\u0000x\"}",
	"{\"a\":-0,\"b\":1.5e+3,\"c\":123456789012345678901234567890,\"d\":-9223372036854775808}",
	"{\"a\":01}",
	"{\"a\":1,}",
	"{\"a\" 1}",
	"{\"a\":1 \"b\":2}",
	"{,}",
	"{\"a\":[1,]}",
	"{\"a\":[1 2]}",
	"{\"a\":\"x\ty\"}",
	"{\"a\":\"\\q\"}",
	"{\"a\":\"\\u12g4\"}",
	"{\"a\":\"\xc0\xaf\"}",
	"{\"a\":tru}",
	"{\"a\":[[[[[1]]]]]}",
	"{\"a\":[1,{\"b\":2},\"c\",true,false,null,-1.0]}",
	"{\"\":\"\",\"k\":[]}",
	"[3,2,524289,0]",
	"[null,\"h\\u00e9st\",\"80\",2,1,0]",
	"[ 1,2]",
	"[1,[2],{\"a\":3}]",
	"[1,,2]",
	"[\"SOCK_CLOEXEC\",\"SOCK_NONBLOCK\"]",
	"[-]",
	"[1e]",
};

static bool same_steps(const struct step *a, int na, const struct step *b, int nb)
{
	return na == nb && !memcmp(a, b, (size_t)na * sizeof(*a));
}

/* On every prefix of every text (a string, key or number cut anywhere):
 * the one-call walk, with and without the index, takes the steps of the
 * general one. */
static void test_walk_equivalence(void)
{
	static struct json_index ix;
	struct step want[STEPS_MAX], got[STEPS_MAX];

	for (size_t k = 0; k < sizeof(walk_texts) / sizeof(walk_texts[0]); k++) {
		const char *text = walk_texts[k];
		size_t full = strlen(text);
		int bad_plain = -1, bad_indexed = -1, indexed = 0;

		for (size_t len = 0; len <= full; len++) {
			/* A copy of exactly LEN bytes: reading past the end shows
			 * under ASan. */
			char *cut = malloc(len ? len : 1);
			int nw, ng;

			memcpy(cut, text, len);
			nw = walk_steps(cut, len, false, NULL, want);
			ng = walk_steps(cut, len, true, NULL, got);
			if (!same_steps(want, nw, got, ng) && bad_plain < 0)
				bad_plain = (int)len;
			if (json_index_build(&ix, cut, len)) {
				indexed++;
				ng = walk_steps(cut, len, true, &ix, got);
				if (!same_steps(want, nw, got, ng) && bad_indexed < 0)
					bad_indexed = (int)len;
				ng = walk_steps(cut, len, false, &ix, got);
				if (!same_steps(want, nw, got, ng) && bad_indexed < 0)
					bad_indexed = (int)len;
			}
			free(cut);
		}
		CHECK_INT(bad_plain, -1, "one-call walk = general walk, every prefix of text %zu", k);
		CHECK_INT(bad_indexed, -1, "indexed walk = general walk, every prefix of text %zu (%d indexed)",
			  k, indexed);
	}
}

/* An event line through the reader from a file of LEN bytes of padding
 * lines first, so that each line lands across the buffer's refill at
 * another byte.  Returns the events read, or -1 when one differs. */
static int read_shifted(size_t pad, int lines, const char *line)
{
	char path[] = "/tmp/test_scan_fast.XXXXXX";
	int fd = mkstemp(path), n = 0, st;
	struct logread_event ev;
	enum logread_junk junk;
	struct logread *r;
	FILE *w;

	if (fd < 0)
		return -2;
	unlink(path);
	w = fdopen(dup(fd), "w");
	/* Blank lines: skipped silently, and any length. */
	for (size_t i = 0; i < pad; i++)
		fputc(i % 64 == 63 ? '\n' : ' ', w);
	fputc('\n', w);
	for (int i = 0; i < lines; i++)
		fprintf(w, "%s\n", line);
	fclose(w);
	lseek(fd, 0, SEEK_SET);
	r = logread_open(fd);
	while ((st = logread_next(r, &ev, &junk, NULL, 0)) > 0) {
		if (st != LOGREAD_EVENT || ev.seq != 7 || ev.pid != 4242 || ev.args[2] != 524289 ||
		    ev.exe.len != 13 || memcmp(ev.exe.p, "/usr/bin/curl", 13) ||
		    ev.ts != 1795493106123456789LL) {
			n = -1;
			break;
		}
		n++;
	}
	logread_close(r);
	close(fd);
	return st < 0 ? -3 : n;
}

/* The reader's buffer holds 4 * LOGREAD_LINE_MAX bytes: lines of EV_NEW
 * from there on straddle the refill at every one of their bytes. */
static void test_refill_boundaries(void)
{
	size_t len = strlen(EV_NEW) + 1, buf = 4 * LOGREAD_LINE_MAX;
	int lines = (int)(buf / len) + 3, bad = -1;

	for (size_t shift = 0; shift <= len; shift++) {
		/* Padding such that line K of the events starts SHIFT bytes
		 * before the refill. */
		size_t pad = (buf - shift) % len + len;
		int n = read_shifted(pad, lines, EV_NEW);

		if (n != lines && bad < 0)
			bad = (int)shift;
	}
	CHECK_INT(bad, -1, "an event line across the refill at each of its bytes reads whole "
		  "(first shift that failed)");
}

/* A line of LEN bytes: EV_NEW with its exe padded to make it so. */
static char *event_of_len(size_t len)
{
	static const char head[] = "{\"v\":1,\"seq\":1,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"socket.__new__\","
		"\"args\":[3,1,1,0],\"decision\":\"allow\",\"pid\":1,\"layer\":\"preload\",\"exe\":\"/";
	size_t fixed = sizeof(head) - 1 + 2;	/* + "\"}" */
	char *s = malloc(len + 1);

	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'a', len - fixed);
	memcpy(s + len - 2, "\"}", 3);
	return s;
}

/* Lines about the index's limit: indexed or not, the same event. */
static void test_long_lines(void)
{
	static const size_t lens[] = { JSON_INDEX_MAX - 1, JSON_INDEX_MAX, JSON_INDEX_MAX + 1,
				       3 * JSON_INDEX_MAX + 17, LOGREAD_LINE_MAX };
	struct logread_event ev;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *s = event_of_len(lens[i]);
		char detail[128];

		CHECK_INT(logread_parse_line(s, lens[i], &ev, detail, sizeof(detail)), LOGREAD_JUNK_NONE,
			  "a %zu-byte event line is an event", lens[i]);
		CHECK(ev.exe.len == lens[i] - (size_t)(ev.exe.p - s) - 2 && ev.exe.p[0] == '/',
		      "its exe spans to the end (%zu bytes)", lens[i]);
		/* Cut short: truncated, whether indexed or not. */
		CHECK_INT(logread_parse_line(s, lens[i] - 3, &ev, detail, sizeof(detail)),
			  LOGREAD_JUNK_TRUNCATED, "cut short, a %zu-byte line is truncated", lens[i]);
		free(s);
	}
}

/* Escapes and bytes the index refuses: the line takes the byte-by-byte
 * way and means the same; a NUL byte is junk, an escaped NUL is not. */
static void test_escapes(void)
{
	static const char esc[] = "{\"v\":1,\"seq\":7,\"ts\":\"2026-11-24T04:05:06.123456789Z\","
		"\"event\":\"socket.__new__\",\"args\":[3,2,524289,0],\"decision\":\"allow\","
		"\"pid\":4242,\"layer\":\"preload\",\"exe\":\"/opt/\\u0080\\u00ff\\u0000\\\"q\\\\\"}";
	struct logread_event ev;
	char detail[128], buf[64], nul[sizeof(EV_NEW)];
	long n;

	CHECK_INT(logread_parse_line(esc, strlen(esc), &ev, detail, sizeof(detail)), LOGREAD_JUNK_NONE,
		  "escapes: an event");
	n = logread_unescape(ev.exe, buf, sizeof(buf));
	CHECK(n == 11 && !memcmp(buf, "/opt/\x80\xff\0\"q\\", 11),
	      "escapes: \\u0080, \\u00ff and \\u0000 back as single bytes");
	CHECK_INT(logread_unescape(ev.exe, buf, 8), -ENAMETOOLONG, "escapes: too small a buffer");
	CHECK(!memcmp(buf, "/opt/\x80\xff", 8), "escapes: holds the prefix that fits");
	memcpy(nul, EV_NEW, sizeof(EV_NEW));
	nul[100] = '\0';
	CHECK_INT(logread_parse_line(nul, sizeof(EV_NEW) - 1, &ev, detail, sizeof(detail)),
		  LOGREAD_JUNK_NUL, "a NUL byte in the line is junk");
	CHECK_STR(detail, "", "with no detail");
	memcpy(nul, EV_NEW, sizeof(EV_NEW));
	nul[sizeof(EV_NEW) - 4] = '\x01';	/* inside "preload" */
	CHECK_INT(logread_parse_line(nul, sizeof(EV_NEW) - 1, &ev, detail, sizeof(detail)),
		  LOGREAD_JUNK_BINARY, "a control byte inside a string: binary");
}

/* The last line without its newline, after lines split in every way. */
static void test_last_line(void)
{
	char path[] = "/tmp/test_scan_fast.XXXXXX";
	int fd = mkstemp(path), st, events = 0;
	struct logread_event ev;
	enum logread_junk junk;
	struct logread *r;

	unlink(path);
	if (write(fd, EV_NEW "\n" EV_NEW, 2 * strlen(EV_NEW) + 1) < 0)
		return;
	lseek(fd, 0, SEEK_SET);
	r = logread_open(fd);
	while ((st = logread_next(r, &ev, &junk, NULL, 0)) > 0)
		events += st == LOGREAD_EVENT && ev.pid == 4242;
	CHECK_INT(events, 2, "the last line without its newline is an event");
	CHECK_INT(logread_line(r), 2, "on line 2");
	logread_close(r);
	close(fd);
}

int main(void);

int main(void)
{
	test_index_bits();
	test_index_refuses();
	test_walk_equivalence();
	test_refill_boundaries();
	test_long_lines();
	test_escapes();
	test_last_line();
	return check_done();
}
