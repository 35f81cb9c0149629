/* SPDX-License-Identifier: MIT */
/* scan.c - the JSON scanner, see scan.h.
 *
 * One walk serves both callers: json_value() for the log reader and
 * json_scan_doc() for the policy parser differ only in whether positions
 * are recorded.  The walk is a loop over an explicit stack of at most
 * JSON_DEPTH_MAX open containers (one bit each: object or array), so hostile
 * nesting costs no C stack, which matters on the small thread stacks the
 * shim may parse its policy on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "scan.h"
#include "utf8.h"

static const char *const err_text[JSON_E_COUNT] = {
	[JSON_OK] = "no error",
	[JSON_END] = "end of the container",
	[JSON_E_EOF] = "unexpected end of file",
	[JSON_E_UNTERMINATED] = "unterminated string",
	[JSON_E_DEEP] = "nesting too deep",
	[JSON_E_VALUE] = "expected a value",
	[JSON_E_KEY] = "expected a string key",
	[JSON_E_COLON] = "expected ':' after the key",
	[JSON_E_AFTER_MEMBER] = "expected ',' or '}' after a member",
	[JSON_E_AFTER_ELEMENT] = "expected ',' or ']' after an element",
	[JSON_E_COMMA_OBJECT] = "trailing comma before '}'",
	[JSON_E_COMMA_ARRAY] = "trailing comma before ']'",
	[JSON_E_ESCAPE] = "invalid escape in string",
	[JSON_E_UESCAPE] = "invalid \\u escape in string",
	[JSON_E_CONTROL] = "control byte in string",
	[JSON_E_UTF8] = "invalid UTF-8 in string",
	[JSON_E_ZERO] = "leading zero in a number",
	[JSON_E_DIGIT] = "expected a digit in the number",
	[JSON_E_NOMEM] = "out of memory",
};

const char *json_err_text(enum json_err e)
{
	return (unsigned)e < JSON_E_COUNT ? err_text[e] : "?";
}

/* Bytes a string cannot hold as they are, or that need a closer look:
 * controls, '"', '\\', and the lead of a UTF-8 sequence. */
static const unsigned char str_special[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

/*
 * The first byte at or after P (before END) that str_special[] names, or
 * END.  Strings are most of an event line, so this is the reader's inner
 * loop: with SSE2 (every x86-64) 16 bytes are classified at once, by three
 * compares: '"', '\\', and a signed "less than 0x20", which catches the
 * controls and every byte from 0x80 (negative as signed bytes) alike.  Loads
 * never reach past END: the text may end at the end of a caller's buffer.
 */
static inline const unsigned char *str_run(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
							_mm_cmpeq_epi8(v, bslash)),
					   _mm_cmplt_epi8(v, space));
		unsigned mask = (unsigned)_mm_movemask_epi8(hit);

		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (p < end && !str_special[*p])
		p++;
	return p;
}

#ifdef __SSE2__
/* 16 bytes at P, of which N <= 16 are the text's: the rest read as spaces,
 * which are neither quotes nor special. */
static inline __m128i load_tail(const char *p, size_t n)
{
	char tmp[16];

	if (n == 16)
		return _mm_loadu_si128((const __m128i *)(const void *)p);
	memset(tmp, ' ', sizeof(tmp));
	memcpy(tmp, p, n);
	return _mm_loadu_si128((const __m128i *)(const void *)tmp);
}

/* The quotes among the 16 bytes V into the result, bytes that need a
 * closer look into *SPECIAL (or'ed). */
static inline unsigned chunk_classify(__m128i v, __m128i *special)
{
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);

	*special = _mm_or_si128(*special, _mm_or_si128(_mm_cmpeq_epi8(v, bslash),
						       _mm_cmplt_epi8(v, space)));
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
}

bool json_index_build(struct json_index *ix, const char *text, size_t len)
{
	__m128i special = _mm_setzero_si128();
	size_t off = 0, b = 0;

	if (len > JSON_INDEX_MAX)
		return false;
	ix->base = text;
	ix->end = text + len;
	/* Whole blocks of 64 bytes, then 16-byte chunks; the last partial
	 * chunk is the 16 bytes that end the text (their first ones seen
	 * already), or a short text padded. */
	for (; off + 64 <= len; off += 64, b++) {
		const __m128i *v = (const __m128i *)(const void *)(text + off);
		uint64_t q0 = chunk_classify(_mm_loadu_si128(v), &special);
		uint64_t q1 = chunk_classify(_mm_loadu_si128(v + 1), &special);
		uint64_t q2 = chunk_classify(_mm_loadu_si128(v + 2), &special);
		uint64_t q3 = chunk_classify(_mm_loadu_si128(v + 3), &special);

		ix->quotes[b] = q0 | q1 << 16 | q2 << 32 | q3 << 48;
	}
	if (off < len) {
		uint64_t quotes = 0;

		for (unsigned k = 0; off < len; k++, off += 16) {
			size_t have = len - off < 16 ? len - off : 16;
			__m128i v, sp = _mm_setzero_si128();
			unsigned drop = 0;

			if (have == 16 || len < 16) {
				v = load_tail(text + off, have);
			} else {
				v = _mm_loadu_si128((const __m128i *)(const void *)(text + len - 16));
				drop = (unsigned)(16 - have);
			}
			quotes |= (uint64_t)(chunk_classify(v, &sp) >> drop) << (16 * k);
			if ((unsigned)_mm_movemask_epi8(sp) >> drop)
				return false;
		}
		ix->quotes[b++] = quotes;
	}
	ix->quotes[b] = 1;
	return !_mm_movemask_epi8(special);
}
#else
bool json_index_build(struct json_index *ix, const char *text, size_t len)
{
	if (len > JSON_INDEX_MAX)
		return false;
	ix->base = text;
	ix->end = text + len;
	for (size_t b = 0; b * 64 < len; b++) {
		uint64_t quotes = 0;

		for (size_t i = b * 64; i < len && i < b * 64 + 64; i++) {
			unsigned char ch = (unsigned char)text[i];

			if (ch < 0x20 || ch >= 0x80 || ch == '\\')
				return false;
			quotes |= (uint64_t)(ch == '"') << (i % 64);
		}
		ix->quotes[b] = quotes;
	}
	ix->quotes[(len + 63) / 64] = 1;
	return true;
}
#endif

/* At the opening quote: to past the closing one, the contents into *OUT. */
static inline __attribute__((always_inline)) enum json_err
scan_string(struct json_cur *c, struct json_str *out)
{
	const unsigned char *p = (const unsigned char *)c->p + 1;
	const unsigned char *end = (const unsigned char *)c->end;
	const unsigned char *start = p;
	enum json_err e;
	int n;

	if (c->ix) {
		const char *q = json_index_close(c->ix, c->p, c->end);

		if (!q)
			goto unterminated;
		out->p = (const char *)start;
		out->len = (size_t)(q - (const char *)start);
		c->p = q + 1;
		return JSON_OK;
	}
	for (;;) {
		/* The common case: a run of plain ASCII. */
		p = str_run(p, end);
		if (p >= end)
			goto unterminated;
		if (*p == '"')
			break;
		if (*p == '\\') {
			if (p + 1 >= end)
				goto unterminated;
			if (p[1] != 'u') {
				if (!memchr("\"\\/bfnrt", p[1], 8) || !p[1]) {
					p++;
					e = JSON_E_ESCAPE;
					goto fail;
				}
				p += 2;
				continue;
			}
			for (int i = 2; i < 6; i++) {
				if (p + i >= end)
					goto unterminated;
				if (json_hex(p[i]) < 0) {
					p++;
					e = JSON_E_UESCAPE;
					goto fail;
				}
			}
			p += 6;
			continue;
		}
		if (*p < 0x20) {
			e = JSON_E_CONTROL;
			goto fail;
		}
		n = json_utf8_len(p, (size_t)(end - p));
		if (n <= 0) {
			e = JSON_E_UTF8;
			goto fail;
		}
		p += n;
	}
	out->p = (const char *)start;
	out->len = (size_t)(p - start);
	c->p = (const char *)p + 1;
	return JSON_OK;
unterminated:
	return JSON_E_UNTERMINATED;	/* the cursor stays on the quote */
fail:
	c->p = (const char *)p;
	return e;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* At least one digit, then as many as follow. */
static enum json_err scan_digits(struct json_cur *c)
{
	if (c->p >= c->end)
		return JSON_E_EOF;
	if (!is_digit(*c->p))
		return JSON_E_DIGIT;
	while (c->p < c->end && is_digit(*c->p))
		c->p++;
	return JSON_OK;
}

/* After a number's integer part, at '.', 'e' or 'E': the fraction and the
 * exponent, as the grammar has them. */
static enum json_err scan_fraction(struct json_cur *c)
{
	enum json_err e;

	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if ((e = scan_digits(c)))
			return e;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if ((e = scan_digits(c)))
			return e;
	}
	return JSON_OK;
}

/* The number grammar, exactly; integers that fit a long long are JSON_INT.
 * The cursor is kept in a local and stored once: the walk's every step
 * waits on it. */
static inline __attribute__((always_inline)) enum json_err
scan_number(struct json_cur *c, struct json_tok *t)
{
	const char *p = c->p, *end = c->end;
	bool neg = false, overflow = false;
	unsigned long long v = 0;
	enum json_err e = JSON_OK;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (p >= end) {
		e = JSON_E_EOF;
	} else if (*p == '0') {
		p++;
		if (p < end && is_digit(*p))
			e = JSON_E_ZERO;
	} else if (is_digit(*p)) {
		const char *digits = p;

		/* 18 digits cannot overflow; only a longer run needs the checks. */
		while (p < end && is_digit(*p))
			v = v * 10 + (unsigned)(*p++ - '0');
		if (p - digits > 18) {
			v = 0;
			for (const char *q = digits; q < p; q++) {
				unsigned d = (unsigned)(*q - '0');

				if (v > (~0ULL - d) / 10)
					overflow = true;
				else
					v = v * 10 + d;
			}
		}
	} else {
		e = JSON_E_DIGIT;
	}
	c->p = p;
	if (e)
		return e;
	if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
		t->type = JSON_NUMBER;
		return scan_fraction(c);
	}
	if (!overflow && v <= (neg ? 1ULL << 63 : (1ULL << 63) - 1)) {
		t->type = JSON_INT;
		t->num = neg ? (long long)(0 - v) : (long long)v;
	} else {
		t->type = JSON_NUMBER;
	}
	return JSON_OK;
}

/* WORD of N bytes; a prefix of it that the text cuts short is truncation. */
static enum json_err scan_literal(struct json_cur *c, const char *word, size_t n)
{
	size_t have = (size_t)(c->end - c->p);

	if (have < n) {
		if (memcmp(c->p, word, have))
			return JSON_E_VALUE;
		c->p = c->end;
		return JSON_E_EOF;
	}
	if (memcmp(c->p, word, n))
		return JSON_E_VALUE;
	c->p += n;
	return JSON_OK;
}

/* Can a value that is no container start with CH?  (What scan_scalar()
 * takes on; the fast paths below send anything else the general way.) */
static inline bool starts_scalar(char ch)
{
	return ch == '"' || ch == 't' || ch == 'f' || ch == 'n' || ch == '-' ||
	       (ch >= '0' && ch <= '9');
}

/* A value that is no container, at c->p. */
static inline __attribute__((always_inline)) enum json_err
scan_scalar(struct json_cur *c, struct json_tok *t)
{
	switch (*c->p) {
	case '"':
		t->type = JSON_STRING;
		return scan_string(c, &t->str);
	case 't':
		t->type = JSON_TRUE;
		return scan_literal(c, "true", 4);
	case 'f':
		t->type = JSON_FALSE;
		return scan_literal(c, "false", 5);
	case 'n':
		t->type = JSON_NULL;
		return scan_literal(c, "null", 4);
	case '-':
	case '0' ... '9':
		return scan_number(c, t);
	default:
		return JSON_E_VALUE;
	}
}

enum json_err json_member(struct json_cur *c, bool first, struct json_str *key)
{
	enum json_err e;

	json_skip_ws(c);
	if (c->p >= c->end)
		return JSON_E_EOF;
	if (*c->p == '}') {
		c->p++;
		return JSON_END;
	}
	if (!first) {
		if (*c->p != ',')
			return JSON_E_AFTER_MEMBER;
		c->p++;
		json_skip_ws(c);
		if (c->p >= c->end)
			return JSON_E_EOF;
		if (*c->p == '}')
			return JSON_E_COMMA_OBJECT;
	}
	if (*c->p != '"')
		return JSON_E_KEY;
	if ((e = scan_string(c, key)))
		return e;
	json_skip_ws(c);
	if (c->p >= c->end)
		return JSON_E_EOF;
	if (*c->p != ':')
		return JSON_E_COLON;
	c->p++;
	json_skip_ws(c);
	return JSON_OK;
}

enum json_err json_element(struct json_cur *c, bool first)
{
	json_skip_ws(c);
	if (c->p >= c->end)
		return JSON_E_EOF;
	if (*c->p == ']') {
		c->p++;
		return JSON_END;
	}
	if (!first) {
		if (*c->p != ',')
			return JSON_E_AFTER_ELEMENT;
		c->p++;
		json_skip_ws(c);
		if (c->p >= c->end)
			return JSON_E_EOF;
		if (*c->p == ']')
			return JSON_E_COMMA_ARRAY;
	}
	return JSON_OK;
}

/*
 * json_member() and json_value() in one call.  The event writer puts no
 * whitespace in a line, so `,"key":value` (`"key":value` first) is met
 * head on: the key and a scalar value are scanned here, with scan_string()
 * inlined, and anything else (whitespace, a container, an error) goes the
 * general way from the member's start again, where the same errors are
 * found at the same bytes.
 */
enum json_err json_member_value(struct json_cur *c, bool first, struct json_str *key,
				struct json_tok *t, int depth, int max)
{
	const char *const member = c->p, *end = c->end, *p = member, *q;
	enum json_err e;

	if (p < end && *p == '}') {
		c->p = p + 1;
		return JSON_END;
	}
	if (!first && end - p >= 2 && p[0] == ',' && p[1] == '"')
		p++;
	else if (!first || p >= end || *p != '"')
		goto general;
	/* The key's quote at P: its closing one at Q. */
	if (c->ix) {
		if (!(q = json_index_close(c->ix, p, end)))
			goto general;
		key->p = p + 1;
		key->len = (size_t)(q - p - 1);
	} else {
		c->p = p;
		if (scan_string(c, key) != JSON_OK)
			goto general;
		q = c->p - 1;
	}
	p = q + 1;
	if (end - p < 2 || *p != ':')
		goto general;
	t->start = ++p;
	if (*p == '"' && c->ix) {
		if (!(q = json_index_close(c->ix, p, end)))
			goto general;
		t->type = JSON_STRING;
		t->str.p = p + 1;
		t->str.len = (size_t)(q - p - 1);
		c->p = t->end = q + 1;
		return JSON_OK;
	}
	c->p = p;
	if (!starts_scalar(*p))
		return json_value(c, t, depth, max);	/* a container, whitespace, or no value */
	e = scan_scalar(c, t);
	t->end = c->p;
	return e;
general:
	c->p = member;
	if ((e = json_member(c, first, key)))
		return e;
	return json_value(c, t, depth, max);
}

/* json_element() and json_value() in one call, as json_member_value():
 * `,scalar` (`scalar` first) head on, anything else the general way. */
enum json_err json_element_value(struct json_cur *c, bool first, struct json_tok *t,
				 int depth, int max)
{
	const char *const element = c->p, *end = c->end;
	const char *p = element;
	enum json_err e;

	if (p < end && *p == ']') {
		c->p = p + 1;
		return JSON_END;
	}
	if (!first) {
		if (end - p < 2 || *p != ',')
			goto general;
		p++;
	}
	if (p >= end || !starts_scalar(*p))
		goto general;
	c->p = t->start = p;
	if ((e = scan_scalar(c, t)) != JSON_OK)
		goto general;
	t->end = c->p;
	return JSON_OK;
general:
	c->p = element;
	if ((e = json_element(c, first)))
		return e;
	return json_value(c, t, depth, max);
}

/* Where json_scan_doc() keeps its records; NULL for json_value(). */
struct recorder {
	struct json_doc *d;
	const char *base;
};

static enum json_err record(struct recorder *r, const char *key, const char *val,
			    uint32_t *idx)
{
	struct json_doc *d = r->d;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct json_pos *n = realloc(d->pos, cap * sizeof(*n));

		if (!n)
			return JSON_E_NOMEM;
		d->pos = n;
		d->cap = cap;
	}
	*idx = (uint32_t)d->n;
	d->pos[d->n++] = (struct json_pos){
		key ? (uint32_t)(key - r->base) : JSON_NO_KEY,
		(uint32_t)(val - r->base), 1,
	};
	return JSON_OK;
}

/*
 * The walk: a value at c->p, then, while containers are open, the next
 * member or element of the innermost one, closing each that ends.  KEY is
 * the quote of the current value's key, NULL in an array or at the top.
 */
static enum json_err walk(struct json_cur *c, struct json_tok *t, int depth, int max,
			  struct recorder *rec)
{
	uint64_t objects = 0;			/* bit L: level L is an object */
	uint32_t open[JSON_DEPTH_MAX];		/* rec: each open container's record */
	uint32_t idx = 0;
	const char *key = NULL;
	struct json_tok inner;
	struct json_str k;
	int level = 0;
	bool object;
	enum json_err e;

	if (max > JSON_DEPTH_MAX)
		max = JSON_DEPTH_MAX;
	json_skip_ws(c);
	t->start = c->p;
	for (;;) {
		if (c->p >= c->end)
			return JSON_E_EOF;
		if (rec && (e = record(rec, key, c->p, &idx)))
			return e;
		if (*c->p == '{' || *c->p == '[') {
			if (depth + level + 1 > max)
				return JSON_E_DEEP;
			object = *c->p == '{';
			objects = object ? objects | 1ULL << level : objects & ~(1ULL << level);
			open[level++] = idx;
			c->p++;
			e = object ? json_member(c, true, &k) : json_element(c, true);
		} else {
			if ((e = scan_scalar(c, level ? &inner : t)))
				return e;
			if (!level) {
				t->end = c->p;
				return JSON_OK;
			}
			object = objects >> (level - 1) & 1;
			e = object ? json_member(c, false, &k) : json_element(c, false);
		}
		/* Close every container that ends here. */
		while (e == JSON_END) {
			level--;
			if (rec)
				rec->d->pos[open[level]].size = (uint32_t)rec->d->n - open[level];
			if (!level) {
				t->type = *t->start == '{' ? JSON_OBJECT : JSON_ARRAY;
				t->end = c->p;
				return JSON_OK;
			}
			object = objects >> (level - 1) & 1;
			e = object ? json_member(c, false, &k) : json_element(c, false);
		}
		if (e)
			return e;
		key = object ? k.p - 1 : NULL;
	}
}

/*
 * An array of scalars without whitespace ("args":[3,2,1,0], "flags":[]),
 * at c->p: the common array of an event line, scanned without the walk's
 * stack.  Anything else (a container inside, whitespace, an error) is left
 * to walk(), which starts again at the '[' and finds the same errors at
 * the same bytes.  True when done, with the array in *T.
 */
static inline bool scan_flat_array(struct json_cur *c, struct json_tok *t)
{
	const char *const open = c->p;
	struct json_tok el;

	c->p++;
	if (c->p < c->end && *c->p == ']')
		goto close;
	for (;;) {
		if (c->p >= c->end)
			goto walk;
		if (!starts_scalar(*c->p) || scan_scalar(c, &el) != JSON_OK)
			goto walk;
		if (c->p >= c->end)
			goto walk;
		if (*c->p == ']')
			goto close;
		if (*c->p != ',')
			goto walk;
		c->p++;
	}
close:
	c->p++;
	t->type = JSON_ARRAY;
	t->start = open;
	t->end = c->p;
	return true;
walk:
	c->p = open;
	return false;
}

enum json_err json_value(struct json_cur *c, struct json_tok *t, int depth, int max)
{
	enum json_err e;

	/* Most values are scalars: no walk for them (the log reader calls
	 * this for every member of every line). */
	json_skip_ws(c);
	if (c->p < c->end && *c->p != '{' && *c->p != '[') {
		t->start = c->p;
		e = scan_scalar(c, t);
		t->end = c->p;
		return e;
	}
	if (c->p < c->end && *c->p == '[' && depth < (max < JSON_DEPTH_MAX ? max : JSON_DEPTH_MAX) &&
	    scan_flat_array(c, t))
		return JSON_OK;
	return walk(c, t, depth, max, NULL);
}

int json_scan_doc(const char *text, size_t len, size_t off, int max, struct json_doc *d)
{
	struct json_cur c = { text + off, text + len, NULL };
	struct recorder rec = { d, text };
	struct json_tok t;

	memset(d, 0, sizeof(*d));
	d->err = walk(&c, &t, 0, max, &rec);
	d->end = (size_t)(c.p - text);
	if (d->err == JSON_E_NOMEM)
		return -ENOMEM;
	if (d->err) {
		d->err_off = d->end;
		return -EINVAL;
	}
	return 0;
}

void json_doc_free(struct json_doc *d)
{
	free(d->pos);
	d->pos = NULL;
	d->n = d->cap = 0;
}

int json_find_member(const char *text, size_t len, const char *key,
		     size_t *vstart, size_t *vend, size_t *obj_end)
{
	struct json_cur c = { text, text + len, NULL };
	size_t klen = strlen(key);
	struct json_str k;
	struct json_tok t;
	int found = -ENOENT;
	enum json_err e;

	json_skip_ws(&c);
	if (c.p >= c.end || *c.p != '{')
		return -EINVAL;
	c.p++;
	for (bool first = true;; first = false) {
		e = json_member(&c, first, &k);
		if (e == JSON_END) {
			*obj_end = (size_t)(c.p - 1 - text);	/* just past the '}' */
			break;
		}
		if (e || json_value(&c, &t, 1, JSON_DEPTH_MAX))
			return -EINVAL;
		if (k.len == klen && !memcmp(k.p, key, klen)) {
			*vstart = (size_t)(t.start - text);
			*vend = (size_t)(t.end - text);
			found = 0;
		}
	}
	json_skip_ws(&c);
	return c.p == c.end ? found : -EINVAL;
}
