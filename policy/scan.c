/* scan.c - value positions and syntax errors of JSON text, see scan.h.
 *
 * The scanner accepts what cJSON accepts (whitespace is any byte <= 32,
 * numbers are a run of "0123456789+-eE." starting with '-' or a digit), so
 * that on text cJSON parsed, its records line up with cJSON's nodes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

struct scanner {
	const unsigned char *t;
	size_t len, off;
	struct scan *s;
};

static void skip_ws(struct scanner *sc)
{
	while (sc->off < sc->len && sc->t[sc->off] <= 32)
		sc->off++;
}

static int fail(struct scanner *sc, const char *why)
{
	sc->s->err = why;
	sc->s->err_off = sc->off;
	return -EINVAL;
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int skip_string(struct scanner *sc)
{
	size_t start = sc->off;

	for (sc->off++; sc->off < sc->len && sc->t[sc->off] != '"'; sc->off++) {
		if (sc->t[sc->off] != '\\')
			continue;
		sc->off++;
		if (sc->off >= sc->len)
			break;
		if (!strchr("\"\\/bfnrtu", sc->t[sc->off]) || !sc->t[sc->off])
			return fail(sc, "invalid escape in string");
		if (sc->t[sc->off] == 'u') {
			for (int i = 1; i <= 4; i++)
				if (sc->off + i >= sc->len || !is_hex(sc->t[sc->off + i]))
					return fail(sc, "invalid \\u escape in string");
		}
	}
	if (sc->off >= sc->len) {
		sc->off = start;
		return fail(sc, "unterminated string");
	}
	sc->off++;
	return 0;
}

static int is_number_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' ||
	       c == 'E' || c == '.';
}

static int push(struct scanner *sc, uint32_t key, size_t *idx)
{
	struct scan *s = sc->s;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct scan_node *n = realloc(s->nodes, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->nodes = n;
		s->cap = cap;
	}
	*idx = s->n++;
	s->nodes[*idx] = (struct scan_node){ key, (uint32_t)sc->off, 1 };
	return 0;
}

static const struct {
	const char *word;
	size_t len;
} literals[] = {
	{ "true", 4 }, { "false", 5 }, { "null", 4 },
};

static int scan_value(struct scanner *sc, uint32_t key, int depth);

/* The members of an object or elements of an array, after its opening
 * bracket, up to and including the closing one. */
static int scan_members(struct scanner *sc, int object, int depth)
{
	char close = object ? '}' : ']';
	int rc;

	skip_ws(sc);
	if (sc->off < sc->len && sc->t[sc->off] == close) {
		sc->off++;
		return 0;
	}
	for (;;) {
		uint32_t key = SCAN_NONE;

		skip_ws(sc);
		if (object) {
			if (sc->off >= sc->len)
				return fail(sc, "unexpected end of file");
			if (sc->t[sc->off] == '}')
				return fail(sc, "trailing comma before '}'");
			if (sc->t[sc->off] != '"')
				return fail(sc, "expected a string key");
			key = (uint32_t)sc->off;
			if ((rc = skip_string(sc)))
				return rc;
			skip_ws(sc);
			if (sc->off >= sc->len || sc->t[sc->off] != ':')
				return fail(sc, "expected ':' after the key");
			sc->off++;
			skip_ws(sc);
		} else if (sc->off < sc->len && sc->t[sc->off] == ']') {
			return fail(sc, "trailing comma before ']'");
		}
		if ((rc = scan_value(sc, key, depth + 1)))
			return rc;
		skip_ws(sc);
		if (sc->off < sc->len && sc->t[sc->off] == ',') {
			sc->off++;
			continue;
		}
		if (sc->off < sc->len && sc->t[sc->off] == close) {
			sc->off++;
			return 0;
		}
		return fail(sc, object ? "expected ',' or '}' after a member"
				       : "expected ',' or ']' after an element");
	}
}

static int scan_value(struct scanner *sc, uint32_t key, int depth)
{
	size_t idx, i;
	int rc;
	unsigned char c;

	if (depth > SCAN_DEPTH_MAX)
		return fail(sc, "nesting deeper than 1000 levels");
	if (sc->off >= sc->len)
		return fail(sc, "unexpected end of file");
	if ((rc = push(sc, key, &idx)))
		return rc;
	c = sc->t[sc->off];
	if (c == '{' || c == '[') {
		sc->off++;
		if ((rc = scan_members(sc, c == '{', depth)))
			return rc;
	} else if (c == '"') {
		if ((rc = skip_string(sc)))
			return rc;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		while (sc->off < sc->len && is_number_byte(sc->t[sc->off]))
			sc->off++;
	} else {
		for (i = 0; i < sizeof(literals) / sizeof(literals[0]); i++)
			if (sc->len - sc->off >= literals[i].len &&
			    !memcmp(sc->t + sc->off, literals[i].word, literals[i].len))
				break;
		if (i == sizeof(literals) / sizeof(literals[0]))
			return fail(sc, "expected a value");
		sc->off += literals[i].len;
	}
	sc->s->nodes[idx].size = (uint32_t)(sc->s->n - idx);
	return 0;
}

int scan_json(const char *text, size_t len, struct scan *s)
{
	struct scanner sc = { (const unsigned char *)text, len, 0, s };
	int rc;

	memset(s, 0, sizeof(*s));
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		sc.off = 3;
	skip_ws(&sc);
	rc = scan_value(&sc, SCAN_NONE, 1);
	s->end = sc.off;
	return rc;
}

void scan_free(struct scan *s)
{
	free(s->nodes);
	s->nodes = NULL;
	s->n = s->cap = 0;
}

size_t scan_too_deep(const char *text, size_t len, int max)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				return i;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return len;
}
