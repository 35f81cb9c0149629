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

/* At the opening quote: to past the closing one, the contents into *OUT. */
static enum json_err scan_string(struct json_cur *c, struct json_str *out)
{
	const unsigned char *p = (const unsigned char *)c->p + 1;
	const unsigned char *end = (const unsigned char *)c->end;
	const unsigned char *start = p;
	enum json_err e;
	int n;

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

/* The number grammar, exactly; integers that fit a long long are JSON_INT. */
static enum json_err scan_number(struct json_cur *c, struct json_tok *t)
{
	bool neg = false, is_int = true, overflow = false;
	unsigned long long v = 0;
	enum json_err e;

	if (*c->p == '-') {
		neg = true;
		c->p++;
	}
	if (c->p >= c->end)
		return JSON_E_EOF;
	if (*c->p == '0') {
		c->p++;
		if (c->p < c->end && is_digit(*c->p))
			return JSON_E_ZERO;
	} else if (is_digit(*c->p)) {
		while (c->p < c->end && is_digit(*c->p)) {
			unsigned d = (unsigned)(*c->p - '0');

			if (v > (~0ULL - d) / 10)
				overflow = true;
			else
				v = v * 10 + d;
			c->p++;
		}
	} else {
		return JSON_E_DIGIT;
	}
	if (c->p < c->end && *c->p == '.') {
		is_int = false;
		c->p++;
		if ((e = scan_digits(c)))
			return e;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		is_int = false;
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if ((e = scan_digits(c)))
			return e;
	}
	if (is_int && !overflow && v <= (neg ? 1ULL << 63 : (1ULL << 63) - 1)) {
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

/* A value that is no container, at c->p. */
static enum json_err scan_scalar(struct json_cur *c, struct json_tok *t)
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
	return walk(c, t, depth, max, NULL);
}

int json_scan_doc(const char *text, size_t len, size_t off, int max, struct json_doc *d)
{
	struct json_cur c = { text + off, text + len };
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
	struct json_cur c = { text, text + len };
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
