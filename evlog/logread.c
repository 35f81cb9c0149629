/* logread.c - a streaming reader and a hand-written scanner for event lines.
 *
 * Why not cJSON: report must read a million events a second, and building a
 * tree per line (malloc per node, strtod per number) costs several times the
 * whole budget.  The scanner below walks each line once, validates it as
 * strictly as a JSON parser would, and keeps strings as spans of the line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logread.h"
#include "names.h"

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
};

static const char *const decision_names[LOGREAD_DECISION_COUNT] = {
	[LOGREAD_ALLOW] = "allow",
	[LOGREAD_DENY] = "deny",
	[LOGREAD_WOULD_DENY] = "would_deny",
	[LOGREAD_KILL] = "kill",
};

static const char *const layer_names[LOGREAD_LAYER_COUNT] = {
	[LOGREAD_PRELOAD] = "preload",
	[LOGREAD_NOTIFY] = "notify",
};

const char *logread_junk_name(enum logread_junk j)
{
	return (unsigned)j < LOGREAD_JUNK_COUNT ? junk_names[j] : "?";
}

const char *logread_decision_name(enum logread_decision d)
{
	return (unsigned)d < LOGREAD_DECISION_COUNT ? decision_names[d] : "?";
}

const char *logread_layer_name(enum logread_layer l)
{
	return (unsigned)l < LOGREAD_LAYER_COUNT ? layer_names[l] : "?";
}

/* ---- the JSON scanner ----------------------------------------------------- */

enum scan_err { SCAN_OK, SCAN_TRUNC, SCAN_SYNTAX, SCAN_DEEP };

enum tok_type { TOK_STRING, TOK_INT, TOK_NUMBER, TOK_NULL, TOK_BOOL, TOK_ARRAY, TOK_OBJECT };

struct tok {
	enum tok_type type;
	const char *start, *end;	/* the value's text */
	struct logread_str str;		/* TOK_STRING: between the quotes */
	long long num;			/* TOK_INT */
};

struct scan {
	const char *p, *end;
};

static inline void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
		s->p++;
}

static inline int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Length of the valid UTF-8 sequence at P (lead byte >= 0x80), 0 if invalid,
 * -1 if cut short by END.  Overlongs, surrogates and > U+10FFFF are invalid. */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	int n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	for (int i = 1; i < n; i++) {
		if (p + i >= end)
			return -1;
		unsigned char b = p[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
			return 0;
	}
	return n;
}

/* Bytes a JSON string cannot hold as they are, or that need a closer look:
 * controls, '"', '\\', and the start of a UTF-8 sequence. */
static const unsigned char str_special[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

/* At the opening quote: scan to past the closing one. */
static enum scan_err scan_string(struct scan *s, struct logread_str *out)
{
	const unsigned char *p = (const unsigned char *)s->p + 1;
	const unsigned char *end = (const unsigned char *)s->end;
	const unsigned char *start = p;

	for (;;) {
		/* The common case: a run of plain ASCII. */
		while (p < end && !str_special[*p])
			p++;
		if (p >= end)
			return SCAN_TRUNC;
		if (*p == '"')
			break;
		if (*p == '\\') {
			if (p + 1 >= end)
				return SCAN_TRUNC;
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b':
			case 'f': case 'n': case 'r': case 't':
				p += 2;
				continue;
			case 'u':
				for (int i = 2; i < 6; i++) {
					if (p + i >= end)
						return SCAN_TRUNC;
					if (hexval(p[i]) < 0)
						return SCAN_SYNTAX;
				}
				p += 6;
				continue;
			default:
				return SCAN_SYNTAX;
			}
		}
		if (*p < 0x20)
			return SCAN_SYNTAX;
		int n = utf8_len(p, end);
		if (n < 0)
			return SCAN_TRUNC;
		if (n == 0)
			return SCAN_SYNTAX;
		p += n;
	}
	out->p = (const char *)start;
	out->len = (size_t)(p - start);
	s->p = (const char *)p + 1;
	return SCAN_OK;
}

/* The JSON number grammar, exactly; integers that fit a long long are TOK_INT. */
static enum scan_err scan_number(struct scan *s, struct tok *t)
{
	const char *p = s->p, *end = s->end;
	bool neg = false, is_int = true, overflow = false;
	unsigned long long v = 0;

	if (*p == '-') {
		neg = true;
		if (++p >= end)
			return SCAN_TRUNC;
	}
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9') {
			unsigned d = (unsigned)(*p - '0');
			if (v > (~0ULL - d) / 10)
				overflow = true;
			else
				v = v * 10 + d;
			p++;
		}
	} else
		return SCAN_SYNTAX;
	if (p < end && *p == '.') {
		is_int = false;
		if (++p >= end)
			return SCAN_TRUNC;
		if (*p < '0' || *p > '9')
			return SCAN_SYNTAX;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		is_int = false;
		if (++p >= end)
			return SCAN_TRUNC;
		if (*p == '+' || *p == '-')
			if (++p >= end)
				return SCAN_TRUNC;
		if (*p < '0' || *p > '9')
			return SCAN_SYNTAX;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (is_int && !overflow && v <= (neg ? 1ULL << 63 : (1ULL << 63) - 1)) {
		t->type = TOK_INT;
		t->num = neg ? (long long)(0 - v) : (long long)v;
	} else
		t->type = TOK_NUMBER;
	s->p = p;
	return SCAN_OK;
}

static enum scan_err scan_literal(struct scan *s, const char *word, size_t n)
{
	size_t have = (size_t)(s->end - s->p);

	if (have < n)
		return memcmp(s->p, word, have) ? SCAN_SYNTAX : SCAN_TRUNC;
	if (memcmp(s->p, word, n))
		return SCAN_SYNTAX;
	s->p += n;
	return SCAN_OK;
}

/* Scan any value starting at s->p (whitespace skipped), iteratively: the
 * nesting depth is bounded by LOGREAD_DEPTH_MAX, counting DEPTH levels the
 * caller is already in. */
static enum scan_err scan_value(struct scan *s, struct tok *t, int depth)
{
	uint64_t stack = 0;	/* bit i: level i is an object */
	int level = 0;
	enum scan_err e;
	struct tok scalar;

	skip_ws(s);
	if (s->p >= s->end)
		return SCAN_TRUNC;
	t->start = s->p;
	for (;;) {
		/* A value. */
		skip_ws(s);
		if (s->p >= s->end)
			return SCAN_TRUNC;
		switch (*s->p) {
		case '{':
		case '[':
			if (depth + level + 1 > LOGREAD_DEPTH_MAX)
				return SCAN_DEEP;
			if (*s->p == '{')
				stack |= 1ULL << level;
			else
				stack &= ~(1ULL << level);
			level++;
			s->p++;
			skip_ws(s);
			if (s->p >= s->end)
				return SCAN_TRUNC;
			if (*s->p == ((stack >> (level - 1)) & 1 ? '}' : ']')) {
				s->p++;
				level--;
				goto after_value;
			}
			if ((stack >> (level - 1)) & 1)
				goto key;
			continue;
		case '"':
			e = scan_string(s, &scalar.str);
			scalar.type = TOK_STRING;
			break;
		case 'n':
			e = scan_literal(s, "null", 4);
			scalar.type = TOK_NULL;
			break;
		case 't':
			e = scan_literal(s, "true", 4);
			scalar.type = TOK_BOOL;
			break;
		case 'f':
			e = scan_literal(s, "false", 5);
			scalar.type = TOK_BOOL;
			break;
		default:
			if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
				e = scan_number(s, &scalar);
			else
				e = SCAN_SYNTAX;
			break;
		}
		if (e)
			return e;
		if (level == 0) {
			scalar.start = t->start;
			scalar.end = s->p;
			*t = scalar;
			return SCAN_OK;
		}
after_value:
		/* After a value inside a container: ',' or the closer. */
		for (;;) {
			if (level == 0) {
				t->type = (*t->start == '{') ? TOK_OBJECT : TOK_ARRAY;
				t->end = s->p;
				return SCAN_OK;
			}
			skip_ws(s);
			if (s->p >= s->end)
				return SCAN_TRUNC;
			bool obj = (stack >> (level - 1)) & 1;
			if (*s->p == (obj ? '}' : ']')) {
				s->p++;
				level--;
				continue;
			}
			if (*s->p != ',')
				return SCAN_SYNTAX;
			s->p++;
			if (!obj)
				break;
key:
			skip_ws(s);
			if (s->p >= s->end)
				return SCAN_TRUNC;
			if (*s->p != '"')
				return SCAN_SYNTAX;
			e = scan_string(s, &scalar.str);
			if (e)
				return e;
			skip_ws(s);
			if (s->p >= s->end)
				return SCAN_TRUNC;
			if (*s->p != ':')
				return SCAN_SYNTAX;
			s->p++;
			break;
		}
	}
}

/* A member's value: scalars directly, containers through scan_value(). */
static enum scan_err scan_member(struct scan *s, struct tok *t)
{
	enum scan_err e;

	skip_ws(s);
	if (s->p >= s->end)
		return SCAN_TRUNC;
	t->start = s->p;
	switch (*s->p) {
	case '{':
	case '[':
		return scan_value(s, t, 1);
	case '"':
		t->type = TOK_STRING;
		e = scan_string(s, &t->str);
		break;
	case 'n':
		t->type = TOK_NULL;
		e = scan_literal(s, "null", 4);
		break;
	case 't':
		t->type = TOK_BOOL;
		e = scan_literal(s, "true", 4);
		break;
	case 'f':
		t->type = TOK_BOOL;
		e = scan_literal(s, "false", 5);
		break;
	default:
		if (*s->p != '-' && (*s->p < '0' || *s->p > '9'))
			return SCAN_SYNTAX;
		e = scan_number(s, t);
		break;
	}
	t->end = s->p;
	return e;
}

/* ---- the event object ----------------------------------------------------- */

enum key {
	K_V, K_SEQ, K_TS, K_EVENT, K_ARGS, K_CALL, K_FAMILY, K_TYPE, K_FLAGS,
	K_PROTOCOL, K_HOW, K_RESULT, K_ERRNO, K_DECISION, K_RULE, K_MODE,
	K_PID, K_TID, K_PPID, K_EXE, K_COMM, K_LAYER, K_COUNT, K_UNKNOWN = K_COUNT,
};

static const char *const key_names[K_COUNT] = {
	"v", "seq", "ts", "event", "args", "call", "family", "type", "flags",
	"protocol", "how", "result", "errno", "decision", "rule", "mode",
	"pid", "tid", "ppid", "exe", "comm", "layer",
};

/* Keys an event cannot do without. */
#define REQUIRED ((1u << K_V) | (1u << K_SEQ) | (1u << K_TS) | (1u << K_EVENT) | \
		  (1u << K_ARGS) | (1u << K_DECISION) | (1u << K_PID) | (1u << K_LAYER))

static const unsigned char key_lens[K_COUNT] = {
	1, 3, 2, 5, 4, 4, 6, 4, 5, 8, 3, 6, 5, 8, 4, 4, 3, 3, 4, 3, 4, 5,
};

static enum key key_of(const struct logread_str *k)
{
	/* The length and first byte rule out all but one or two keys. */
	for (int i = 0; i < K_COUNT; i++)
		if (key_lens[i] == k->len && key_names[i][0] == k->p[0] &&
		    !memcmp(key_names[i], k->p, k->len))
			return (enum key)i;
	return K_UNKNOWN;
}

static bool str_is(const struct logread_str *s, const char *lit, size_t n)
{
	return s->len == n && !memcmp(s->p, lit, n);
}
#define STR_IS(s, lit) str_is((s), lit, sizeof(lit) - 1)

static bool tok_val(const struct tok *t, struct logread_val *v)
{
	v->raw.p = t->start;
	v->raw.len = (size_t)(t->end - t->start);
	switch (t->type) {
	case TOK_STRING:
		v->kind = LOGREAD_NAME;
		v->name = t->str;
		return true;
	case TOK_INT:
		v->kind = LOGREAD_NUM;
		v->num = t->num;
		return true;
	case TOK_NULL:
		v->kind = LOGREAD_NULL;
		return true;
	default:
		return false;
	}
}

static bool tok_str(const struct tok *t, struct logread_str *s, bool nullable)
{
	if (t->type == TOK_STRING) {
		*s = t->str;
		return true;
	}
	if (t->type == TOK_NULL && nullable) {
		s->p = NULL;
		s->len = 0;
		return true;
	}
	return false;
}

/* A string that must be one of NAMES[0..N): its index, or -1. */
static int tok_word(const struct tok *t, const char *const *names, int n)
{
	if (t->type != TOK_STRING)
		return -1;
	for (int i = 0; i < n; i++)
		if (str_is(&t->str, names[i], strlen(names[i])))
			return i;
	return -1;
}

/* The "args" array, already validated as JSON: integers or nulls. */
static bool parse_args(const struct tok *t, struct logread_event *ev)
{
	struct scan s = { t->start + 1, t->end - 1 };
	struct tok el;

	ev->nargs = 0;
	skip_ws(&s);
	if (s.p == s.end)
		return true;
	for (;;) {
		if (ev->nargs == 4 || scan_value(&s, &el, 1) != SCAN_OK)
			return false;
		if (el.type == TOK_INT) {
			ev->args[ev->nargs] = el.num;
			ev->args_null[ev->nargs] = false;
		} else if (el.type == TOK_NULL) {
			ev->args[ev->nargs] = 0;
			ev->args_null[ev->nargs] = true;
		} else
			return false;
		ev->nargs++;
		skip_ws(&s);
		if (s.p == s.end)
			return true;
		if (*s.p != ',')
			return false;
		s.p++;
	}
}

/* Store one key's value; false when its shape is wrong. */
static bool set_field(enum key k, const struct tok *t, struct logread_event *ev,
		      long long *version)
{
	int w;

	switch (k) {
	case K_V:
		if (t->type != TOK_INT)
			return false;
		*version = t->num;
		return true;
	case K_SEQ:
		if (t->type != TOK_INT || t->num < 0)
			return false;
		ev->seq = (uint64_t)t->num;
		return true;
	case K_TS:
		return t->type == TOK_STRING &&
		       logread_parse_time(t->str.p, t->str.len, &ev->ts) == 0;
	case K_EVENT:
		if (t->type != TOK_STRING)
			return false;
		if (STR_IS(&t->str, "socket.__new__"))
			ev->event = POLICY_EV_NEW;
		else if (STR_IS(&t->str, "socket.shutdown"))
			ev->event = POLICY_EV_SHUTDOWN;
		else
			ev->event = POLICY_EV_COUNT;	/* an event this reader does not know */
		return true;
	case K_ARGS:
		return t->type == TOK_ARRAY && parse_args(t, ev);
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
		if (t->type != TOK_ARRAY && t->type != TOK_NULL)
			return false;
		ev->flags.p = t->start;
		ev->flags.len = (size_t)(t->end - t->start);
		return true;
	case K_RESULT:
		ev->result_null = t->type == TOK_NULL;
		ev->result = t->type == TOK_INT ? t->num : 0;
		return t->type == TOK_INT || t->type == TOK_NULL;
	case K_DECISION:
		w = tok_word(t, decision_names, LOGREAD_DECISION_COUNT);
		if (w < 0)
			return false;
		ev->decision = (enum logread_decision)w;
		return true;
	case K_RULE:
		return tok_str(t, &ev->rule, true);
	case K_MODE:
		return tok_str(t, &ev->mode, true);
	case K_PID:
	case K_TID:
	case K_PPID:
		if (t->type != TOK_INT)
			return false;
		*(k == K_PID ? &ev->pid : k == K_TID ? &ev->tid : &ev->ppid) = t->num;
		return true;
	case K_EXE:
		return tok_str(t, &ev->exe, true);
	case K_COMM:
		return tok_str(t, &ev->comm, true);
	case K_LAYER:
		w = tok_word(t, layer_names, LOGREAD_LAYER_COUNT);
		if (w < 0)
			return false;
		ev->layer = (enum logread_layer)w;
		return true;
	default:
		return true;
	}
}

static enum logread_junk scan_junk(enum scan_err e, const char *line, size_t len,
				   const char *at)
{
	const unsigned char *p = (const unsigned char *)line;
	const unsigned char *end = p + len;

	if (e == SCAN_DEEP)
		return LOGREAD_JUNK_DEEP;
	/* Control bytes or invalid UTF-8 anywhere: call it binary, whatever
	 * JSON-looking text surrounds it. */
	while (p < end) {
		if (*p < 0x20 && *p != '\t' && *p != '\r')
			return LOGREAD_JUNK_BINARY;
		if (*p == 0x7f)
			return LOGREAD_JUNK_BINARY;
		if (*p >= 0x80) {
			int n = utf8_len(p, end);
			if (n <= 0)
				return LOGREAD_JUNK_BINARY;
			p += n;
		} else
			p++;
	}
	if (e == SCAN_TRUNC || at >= line + len)
		return LOGREAD_JUNK_TRUNCATED;
	return LOGREAD_JUNK_SYNTAX;
}

#define DETAIL(...) do { if (detail && detail_len) snprintf(detail, detail_len, __VA_ARGS__); } while (0)

enum logread_junk logread_parse_line(const char *line, size_t len,
				     struct logread_event *ev,
				     char *detail, size_t detail_len)
{
	struct scan s = { line, line + len };
	struct tok t;
	enum scan_err e;
	uint32_t seen = 0;
	enum key bad_key = K_UNKNOWN;
	bool duplicate = false;
	long long version = 0;

	if (detail && detail_len)
		detail[0] = '\0';
	if (memchr(line, '\0', len))
		return LOGREAD_JUNK_NUL;
	memset(ev, 0, sizeof(*ev));
	ev->line.p = line;
	ev->line.len = len;
	ev->family.kind = ev->type.kind = ev->protocol.kind = LOGREAD_NULL;
	ev->how.kind = ev->err.kind = LOGREAD_NULL;
	ev->result_null = true;

	skip_ws(&s);
	if (s.p < s.end && *s.p != '{') {
		e = scan_value(&s, &t, 0);
		skip_ws(&s);
		if (e == SCAN_OK && s.p == s.end) {
			DETAIL("a JSON %s, not an object",
			       t.type == TOK_ARRAY ? "array" : t.type == TOK_STRING ? "string" : "scalar");
			return LOGREAD_JUNK_FOREIGN;
		}
		return scan_junk(e ? e : SCAN_SYNTAX, line, len, s.p);
	}
	if (s.p >= s.end)
		return scan_junk(SCAN_TRUNC, line, len, s.p);
	s.p++;
	skip_ws(&s);
	if (s.p < s.end && *s.p == '}') {
		s.p++;
		goto done;
	}
	for (;;) {
		struct logread_str k;

		skip_ws(&s);
		if (s.p >= s.end)
			return scan_junk(SCAN_TRUNC, line, len, s.p);
		if (*s.p != '"')
			return scan_junk(SCAN_SYNTAX, line, len, s.p);
		e = scan_string(&s, &k);
		if (e)
			return scan_junk(e, line, len, s.p);
		skip_ws(&s);
		if (s.p >= s.end)
			return scan_junk(SCAN_TRUNC, line, len, s.p);
		if (*s.p != ':')
			return scan_junk(SCAN_SYNTAX, line, len, s.p);
		s.p++;
		e = scan_member(&s, &t);
		if (e)
			return scan_junk(e, line, len, s.p);
		t.end = s.p;
		enum key key = k.len ? key_of(&k) : K_UNKNOWN;
		if (key != K_UNKNOWN) {
			if (seen & (1u << key)) {
				if (!duplicate && bad_key == K_UNKNOWN)
					bad_key = key;
				duplicate = true;
			} else if (!set_field(key, &t, ev, &version) && bad_key == K_UNKNOWN)
				bad_key = key;
			seen |= 1u << key;
		}
		skip_ws(&s);
		if (s.p >= s.end)
			return scan_junk(SCAN_TRUNC, line, len, s.p);
		if (*s.p == '}') {
			s.p++;
			break;
		}
		if (*s.p != ',')
			return scan_junk(SCAN_SYNTAX, line, len, s.p);
		s.p++;
	}
done:
	skip_ws(&s);
	if (s.p != s.end) {
		DETAIL("bytes after the object");
		return scan_junk(SCAN_SYNTAX, line, len, s.p);
	}
	/* Valid JSON from here on: is it an event? */
	if (!(seen & (1u << K_V))) {
		DETAIL("no \"v\" key");
		return LOGREAD_JUNK_FOREIGN;
	}
	if (bad_key == K_V || version < 1) {
		DETAIL("bad \"v\"");
		return LOGREAD_JUNK_BAD_FIELD;
	}
	if (version > 1) {
		DETAIL("schema version %lld; this reader knows 1", version);
		return LOGREAD_JUNK_VERSION;
	}
	if (bad_key != K_UNKNOWN) {
		DETAIL("%s key \"%s\"", duplicate && (seen & (1u << bad_key)) ? "duplicate or bad" : "bad",
		       key_names[bad_key]);
		return LOGREAD_JUNK_BAD_FIELD;
	}
	if ((seen & REQUIRED) != REQUIRED) {
		for (int i = 0; i < K_COUNT; i++)
			if ((REQUIRED & (1u << i)) && !(seen & (1u << i))) {
				DETAIL("missing key \"%s\"", key_names[i]);
				break;
			}
		return LOGREAD_JUNK_BAD_FIELD;
	}
	if (ev->event == POLICY_EV_COUNT) {
		DETAIL("an event this reader does not know");
		return LOGREAD_JUNK_FOREIGN;
	}
	if (ev->nargs != (ev->event == POLICY_EV_NEW ? 4 : 2)) {
		DETAIL("\"args\" has %d values", ev->nargs);
		return LOGREAD_JUNK_BAD_FIELD;
	}
	return LOGREAD_JUNK_NONE;
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

int logread_parse_time(const char *s, size_t len, int64_t *ns)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t frac = 0, off = 0;
	size_t i;

	if (len < 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -EINVAL;
	i = 10;
	if (len > 10) {
		if (len < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
		    s[13] != ':' || s[16] != ':')
			return -EINVAL;
		h = digits(s + 11, 2);
		mi = digits(s + 14, 2);
		sec = digits(s + 17, 2);
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
			return -EINVAL;
		i = 19;
		if (s[i] == '.') {
			int n = 0;
			for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++)
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
	}
	if (i != len)
		return -EINVAL;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
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
			src = s.p + i;
			i++;
		} else if (i + 1 < s.len && s.p[i + 1] != 'u') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			const char *f = memchr(from, s.p[i + 1], sizeof(from) - 1);
			tmp[0] = f ? to[f - from] : s.p[i + 1];
			i += 2;
		} else if (i + 5 < s.len) {
			unsigned cp = 0;
			for (int k = 2; k < 6; k++)
				cp = cp << 4 | (unsigned)hexval((unsigned char)s.p[i + k]);
			i += 6;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 5 < s.len &&
			    s.p[i] == '\\' && s.p[i + 1] == 'u') {
				unsigned lo = 0;
				for (int k = 2; k < 6; k++)
					lo = lo << 4 | (unsigned)hexval((unsigned char)s.p[i + k]);
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

static int val_number(const struct logread_val *v, enum logread_field f,
		      int (*name_value)(int, const char *, int *))
{
	char name[64];
	int n;

	if (v->kind == LOGREAD_NUM)
		return (int)v->num;
	if (v->kind != LOGREAD_NAME || !name_value ||
	    logread_unescape(v->name, name, sizeof(name)) < 0 ||
	    name_value((int)f, name, &n) < 0)
		return -1;
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
	memset(call, 0, sizeof(*call));
	call->event = ev->event;
	call->family = val_number(&ev->family, LOGREAD_F_FAMILY, name_value);
	call->type = val_number(&ev->type, LOGREAD_F_TYPE, name_value);
	call->protocol = val_number(&ev->protocol, LOGREAD_F_PROTOCOL, name_value);
	call->how = val_number(&ev->how, LOGREAD_F_HOW, name_value);
	if (ev->event == POLICY_EV_NEW) {
		if (ev->nargs != 4)
			return -EINVAL;
		/* The raw arguments, exactly as the program passed them. */
		if (!ev->args_null[1])
			call->family = (int)ev->args[1];
		if (!ev->args_null[2])
			call->type = (int)ev->args[2];
		if (!ev->args_null[3])
			call->protocol = (int)ev->args[3];
	} else if (ev->event == POLICY_EV_SHUTDOWN) {
		if (ev->nargs != 2)
			return -EINVAL;
		if (!ev->args_null[1])
			call->how = (int)ev->args[1];
	} else
		return -EINVAL;
	call->exe = NULL;
	if (ev->exe.p && exe && exe_cap && logread_unescape(ev->exe, exe, exe_cap) >= 0)
		call->exe = exe;
	return 0;
}

/* ---- the reader ---------------------------------------------------------- */

#define READ_BUF (4 * LOGREAD_LINE_MAX)

struct logread {
	int fd;
	bool eof;
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
	r->line = 0;
	r->pos = r->fill = 0;
	return r;
}

void logread_close(struct logread *r)
{
	free(r);
}

uint64_t logread_line(const struct logread *r)
{
	return r->line;
}

/* Move unread bytes to the front and read more: 0, or -errno. */
static int refill(struct logread *r)
{
	ssize_t n;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->fill - r->pos);
		r->fill -= r->pos;
		r->pos = 0;
	}
	do
		n = read(r->fd, r->buf + r->fill, READ_BUF - r->fill);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
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

int logread_next(struct logread *r, struct logread_event *ev,
		 enum logread_junk *junk, char *detail, size_t detail_len)
{
	size_t scanned = 0;	/* bytes of the current line known to hold no newline */
	int err;

	for (;;) {
		char *start = r->buf + r->pos;
		size_t avail = r->fill - r->pos;
		char *nl = memchr(start + scanned, '\n', avail - scanned);
		size_t len;

		if (nl) {
			len = (size_t)(nl - start);
			r->pos += len + 1;
		} else if (avail > LOGREAD_LINE_MAX) {
			/* Too long: drop it up to its newline, never holding more
			 * than the buffer. */
			r->line++;
			for (;;) {
				nl = memchr(r->buf + r->pos, '\n', r->fill - r->pos);
				if (nl) {
					r->pos = (size_t)(nl - r->buf) + 1;
					break;
				}
				r->pos = r->fill;
				if (r->eof)
					break;
				if ((err = refill(r)) < 0)
					return err;
			}
			*junk = LOGREAD_JUNK_TOO_LONG;
			if (detail && detail_len)
				snprintf(detail, detail_len, "more than %d bytes", LOGREAD_LINE_MAX);
			return LOGREAD_JUNKLINE;
		} else if (!r->eof) {
			scanned = avail;
			if ((err = refill(r)) < 0)
				return err;
			continue;
		} else if (avail) {
			len = avail;	/* the last line, without its newline */
			r->pos = r->fill;
		} else
			return LOGREAD_EOF;

		r->line++;
		scanned = 0;
		if (blank(start, len))
			continue;
		*junk = logread_parse_line(start, len, ev, detail, detail_len);
		return *junk == LOGREAD_JUNK_NONE ? LOGREAD_EVENT : LOGREAD_JUNKLINE;
	}
}

int logread_files(char *const *paths, int n, const struct logread_sink *sink, void *ctx)
{
	struct logread_event ev;
	enum logread_junk junk;
	char detail[128];
	int failed = 0;

	for (int i = 0; i < n; i++) {
		bool is_stdin = !strcmp(paths[i], "-");
		int fd = is_stdin ? 0 : open(paths[i], O_RDONLY | O_CLOEXEC);
		struct logread *r;
		int st;

		if (fd < 0) {
			sink->error(ctx, i, -errno);
			failed++;
			continue;
		}
		r = logread_open(fd);
		if (!r) {
			if (!is_stdin)
				close(fd);
			return -ENOMEM;
		}
		while ((st = logread_next(r, &ev, &junk, detail, sizeof(detail))) > 0) {
			if (st == LOGREAD_EVENT)
				sink->event(ctx, &ev, i, logread_line(r));
			else
				sink->junk(ctx, junk, detail, i, logread_line(r));
		}
		if (st < 0) {
			sink->error(ctx, i, st);
			failed++;
		}
		logread_close(r);
		if (!is_stdin)
			close(fd);
	}
	return failed;
}

int logread_json_member(const char *text, size_t len, const char *key,
			size_t *vstart, size_t *vend, size_t *obj_end)
{
	struct scan s = { text, text + len };
	struct tok t;
	size_t klen = strlen(key);
	int found = -ENOENT;

	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return -EINVAL;
	s.p++;
	skip_ws(&s);
	if (s.p < s.end && *s.p == '}')
		goto close;
	for (;;) {
		struct logread_str k;

		skip_ws(&s);
		if (s.p >= s.end || *s.p != '"' || scan_string(&s, &k) != SCAN_OK)
			return -EINVAL;
		skip_ws(&s);
		if (s.p >= s.end || *s.p != ':')
			return -EINVAL;
		s.p++;
		if (scan_member(&s, &t) != SCAN_OK)
			return -EINVAL;
		if (k.len == klen && !memcmp(k.p, key, klen)) {
			*vstart = (size_t)(t.start - text);
			*vend = (size_t)(s.p - text);
			found = 0;
		}
		skip_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		break;
	}
close:
	if (s.p >= s.end || *s.p != '}')
		return -EINVAL;
	*obj_end = (size_t)(s.p - text);
	s.p++;
	skip_ws(&s);
	return s.p == s.end ? found : -EINVAL;
}
