/* SPDX-License-Identifier: MIT */
/* scan.h - the one JSON scanner, for policies and event logs.
 *
 * Strict RFC 8259: whitespace is space, tab, CR and LF, nothing else;
 * strings hold no control bytes and only valid UTF-8 (utf8.h), with the
 * RFC's escapes; numbers follow the grammar exactly (no leading zeros, no
 * '+', digits on both sides of '.' and after 'e'); the literals true, false
 * and null.  Not checked: duplicate keys (the callers decide what they mean)
 * and unpaired \u surrogates, which the grammar allows (RFC 8259 8.2).
 *
 * Two callers with different needs share it.  The event log reader walks a
 * line's top-level members itself (json_member(), json_value()) and keeps
 * strings as spans of the line: nothing is allocated, nothing recurses.
 * The policy parser scans the whole text once with json_scan_doc(), which
 * records where every value and key sits (cJSON keeps no positions) and
 * names the first syntax error with its offset.
 *
 * On an error, the cursor points at the offending byte (c->end when the
 * text ended too early; the opening quote of an unterminated string).
 */
#ifndef SOCKAUDIT_JSON_SCAN_H
#define SOCKAUDIT_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The deepest nesting a caller may allow: one bit per level. */
#define JSON_DEPTH_MAX 64

enum json_err {
	JSON_OK,
	JSON_END,		/* not an error: the container closed */
	JSON_E_EOF,		/* the text ends inside a value */
	JSON_E_UNTERMINATED,	/* a string without its closing quote */
	JSON_E_DEEP,		/* nested deeper than the caller allows */
	JSON_E_VALUE,		/* a byte that starts no value */
	JSON_E_KEY,		/* an object member without a string key */
	JSON_E_COLON,
	JSON_E_AFTER_MEMBER,	/* neither ',' nor '}' */
	JSON_E_AFTER_ELEMENT,	/* neither ',' nor ']' */
	JSON_E_COMMA_OBJECT,	/* ",}" */
	JSON_E_COMMA_ARRAY,	/* ",]" */
	JSON_E_ESCAPE,		/* a backslash before a byte that is no escape */
	JSON_E_UESCAPE,		/* \u without four hex digits */
	JSON_E_CONTROL,		/* a control byte inside a string */
	JSON_E_UTF8,		/* invalid UTF-8 inside a string */
	JSON_E_ZERO,		/* a digit after a leading 0 */
	JSON_E_DIGIT,		/* no digit after '-', '.' or the exponent */
	JSON_E_NOMEM,		/* json_scan_doc() only */
	JSON_E_COUNT,
};

/* What is wrong, for messages: "expected ':' after the key", ... */
const char *json_err_text(enum json_err e);

/* Did the text only end too early (a cut line, a file still being written)? */
static inline bool json_err_truncated(enum json_err e)
{
	return e == JSON_E_EOF || e == JSON_E_UNTERMINATED;
}

enum json_type {
	JSON_STRING, JSON_INT, JSON_NUMBER, JSON_TRUE, JSON_FALSE, JSON_NULL,
	JSON_ARRAY, JSON_OBJECT,
};

/* A string as it stands in the text, between its quotes, still escaped. */
struct json_str {
	const char *p;
	size_t len;
};

struct json_tok {
	enum json_type type;
	const char *start, *end;	/* the value's text */
	struct json_str str;		/* JSON_STRING */
	long long num;			/* JSON_INT: a number without fraction
					   or exponent that fits; other numbers
					   are JSON_NUMBER */
};

/*
 * The quotes of a text that needs no closer look inside its strings: only
 * printable ASCII (0x20..0x7f), no backslash.  In such a text every quote
 * opens or closes a string and every string is valid as it stands, so a
 * string ends at the next quote: one bit lookup instead of a scan of its
 * bytes.  An event line whose names are ASCII (nearly every one) is such a
 * text; one that is not (a UTF-8 name, an escape, a tab) gets no index and
 * is scanned byte by byte, with the same result.  Bit I of quotes[I / 64]
 * is set when text[I] is '"'.
 */
#define JSON_INDEX_MAX 4096	/* longer texts get no index */

struct json_index {
	const char *base, *end;
	/* + a block past the end, whose first bit stops every search */
	uint64_t quotes[JSON_INDEX_MAX / 64 + 1];
};

/* Index the LEN bytes at TEXT into *IX: true, or false when the text is
 * longer than JSON_INDEX_MAX or holds a byte outside 0x20..0x7f or a
 * backslash (then *IX is not to be used). */
bool json_index_build(struct json_index *ix, const char *text, size_t len);

/* With an index: the closing quote of the string whose opening quote is at
 * Q, or NULL when the string does not end before END. */
static inline const char *json_index_close(const struct json_index *ix, const char *q,
					   const char *end)
{
	size_t off = (size_t)(q - ix->base) + 1;	/* <= the text's length */
	size_t b = off / 64;
	uint64_t m = ix->quotes[b] & (~0ULL << (off % 64));

	while (!m)
		m = ix->quotes[++b];	/* the block past the end stops it */
	q = ix->base + b * 64 + (unsigned)__builtin_ctzll(m);
	return q < end ? q : NULL;
}

/* A cursor over [p, end); IX (may be NULL) is an index of a text that
 * holds [p, end), which scan_string() then uses. */
struct json_cur {
	const char *p, *end;
	const struct json_index *ix;
};

static inline bool json_is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline void json_skip_ws(struct json_cur *c)
{
	while (c->p < c->end && json_is_ws((unsigned char)*c->p))
		c->p++;
}

/* Value of hex digit C, or -1. */
static inline int json_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One value after optional whitespace, into *T; a container is walked
 * whole (iteratively) and must close within MAX levels, counting the DEPTH
 * levels the caller is already inside (MAX <= JSON_DEPTH_MAX). */
enum json_err json_value(struct json_cur *c, struct json_tok *t, int depth, int max);

/* Inside an object, after its '{' (FIRST) or after a member's value: the
 * next member's key into *KEY, the cursor at its value (whitespace
 * skipped).  JSON_END once past the closing '}'. */
enum json_err json_member(struct json_cur *c, bool first, struct json_str *key);

/* json_member() then json_value() of the member's value (DEPTH, MAX as
 * there): JSON_OK with the key in *KEY and the value in *T, JSON_END once
 * past the closing '}', or the error either would give, at the same byte.
 * Faster on text without whitespace, such as an event line. */
enum json_err json_member_value(struct json_cur *c, bool first, struct json_str *key,
				struct json_tok *t, int depth, int max);

/* Inside an array, after its '[' (FIRST) or after an element: JSON_OK with
 * the cursor at the next element, JSON_END once past the closing ']'. */
enum json_err json_element(struct json_cur *c, bool first);

/* json_element() then json_value() of the element (DEPTH, MAX as there):
 * JSON_OK with the element in *T, JSON_END once past the closing ']', or
 * the error either would give, at the same byte.  Faster on text without
 * whitespace. */
enum json_err json_element_value(struct json_cur *c, bool first, struct json_tok *t,
				 int depth, int max);

/* Where a value sits in a whole document, in pre-order (a container before
 * its members), as cJSON builds its tree: node K of a pre-order walk of the
 * cJSON tree is record K, its first child record K + 1, its next sibling
 * record K + size. */
#define JSON_NO_KEY UINT32_MAX

struct json_pos {
	uint32_t key;		/* offset of a member's key (its quote), or JSON_NO_KEY */
	uint32_t val;		/* offset of the value's first byte */
	uint32_t size;		/* records in this subtree, itself included */
};

struct json_doc {
	struct json_pos *pos;	/* malloc'ed */
	size_t n, cap;
	size_t end;		/* just after the value */
	enum json_err err;	/* on -EINVAL */
	size_t err_off;
};

/* Scan the one value that starts at offset OFF of TEXT (LEN bytes, less
 * than 4 GiB; whitespace first), nested at most MAX levels, recording every
 * value's position.  Bytes after it are the caller's business.  Returns 0,
 * -EINVAL (D->err at D->err_off), or -ENOMEM. */
int json_scan_doc(const char *text, size_t len, size_t off, int max, struct json_doc *d);

void json_doc_free(struct json_doc *d);

/* Find member KEY of the one JSON object that is TEXT (LEN bytes, nothing
 * but whitespace around it): its value spans [*VSTART, *VEND) and the
 * object's closing '}' is at *OBJ_END.  Returns 0 (the last such member,
 * when there are several), -ENOENT when there is none (*OBJ_END still
 * set), -EINVAL when TEXT is not one JSON object. */
int json_find_member(const char *text, size_t len, const char *key,
		     size_t *vstart, size_t *vend, size_t *obj_end);

#endif
