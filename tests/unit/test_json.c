/* SPDX-License-Identifier: MIT */
/* test_json.c - the JSON scanner (json/scan.h) and the UTF-8 check
 * (json/utf8.h): strict RFC 8259, each error's kind and offset, the
 * positions the policy diagnostics use, truncation told from syntax. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "scan.h"
#include "utf8.h"

static const struct {
	const char *text;
	enum json_err err;
	int off;		/* of the error; -1: the end of the text */
	enum json_type type;	/* when valid */
} values[] = {
	/* Valid. */
	{ "0", JSON_OK, 0, JSON_INT },
	{ "-0", JSON_OK, 0, JSON_INT },
	{ "-12", JSON_OK, 0, JSON_INT },
	{ "1.5e+3", JSON_OK, 0, JSON_NUMBER },
	{ "0.0E-0", JSON_OK, 0, JSON_NUMBER },
	{ "9223372036854775807", JSON_OK, 0, JSON_INT },
	{ "-9223372036854775808", JSON_OK, 0, JSON_INT },
	{ "9223372036854775808", JSON_OK, 0, JSON_NUMBER },
	{ "123456789012345678901234567890", JSON_OK, 0, JSON_NUMBER },
	{ "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"", JSON_OK, 0, JSON_STRING },
	{ "\"\\ud800\"", JSON_OK, 0, JSON_STRING },	/* the grammar allows it */
	{ "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", JSON_OK, 0, JSON_STRING },
	{ " \t\r\n[ true , false , null , { } , [ ] ] ", JSON_OK, 0, JSON_ARRAY },
	{ "{\"a\":{\"b\":[1,{\"c\":\"d\"}]}}", JSON_OK, 0, JSON_OBJECT },
	/* Numbers. */
	{ "01", JSON_E_ZERO, 1, 0 },
	{ "-01", JSON_E_ZERO, 2, 0 },
	{ "+1", JSON_E_VALUE, 0, 0 },
	{ ".5", JSON_E_VALUE, 0, 0 },
	{ "1.", JSON_E_EOF, -1, 0 },
	{ "1.x", JSON_E_DIGIT, 2, 0 },
	{ "1e", JSON_E_EOF, -1, 0 },
	{ "1e+", JSON_E_EOF, -1, 0 },
	{ "1ex", JSON_E_DIGIT, 2, 0 },
	{ "-", JSON_E_EOF, -1, 0 },
	{ "-a", JSON_E_DIGIT, 1, 0 },
	/* Literals. */
	{ "tru", JSON_E_EOF, -1, 0 },
	{ "trUe", JSON_E_VALUE, 0, 0 },
	{ "nul", JSON_E_EOF, -1, 0 },
	{ "nan", JSON_E_VALUE, 0, 0 },
	/* Whitespace is four bytes only. */
	{ "\f1", JSON_E_VALUE, 0, 0 },
	{ "[1,\x01 2]", JSON_E_VALUE, 3, 0 },
	{ "{\"a\":1,\x01\"b\":2}", JSON_E_KEY, 7, 0 },
	/* Strings. */
	{ "\"abc", JSON_E_UNTERMINATED, 0, 0 },
	{ "\"ab\\", JSON_E_UNTERMINATED, 0, 0 },
	{ "\"\\u12", JSON_E_UNTERMINATED, 0, 0 },
	{ "\"a\\qb\"", JSON_E_ESCAPE, 3, 0 },
	{ "\"\\u12g4\"", JSON_E_UESCAPE, 2, 0 },
	{ "\"a\tb\"", JSON_E_CONTROL, 2, 0 },
	{ "\"a\x7f\"", JSON_OK, 0, JSON_STRING },	/* DEL is no control byte in JSON */
	{ "\"caf\xe9\"", JSON_E_UTF8, 4, 0 },
	{ "\"\xc0\xaf\"", JSON_E_UTF8, 1, 0 },
	{ "\"\xed\xa0\x80\"", JSON_E_UTF8, 1, 0 },
	/* Containers. */
	{ "[1,]", JSON_E_COMMA_ARRAY, 3, 0 },
	{ "{\"a\":1,}", JSON_E_COMMA_OBJECT, 7, 0 },
	{ "{,}", JSON_E_KEY, 1, 0 },
	{ "{\"a\"}", JSON_E_COLON, 4, 0 },
	{ "{\"a\" 1}", JSON_E_COLON, 5, 0 },
	{ "{1:2}", JSON_E_KEY, 1, 0 },
	{ "[1 2]", JSON_E_AFTER_ELEMENT, 3, 0 },
	{ "{\"a\":1 \"b\":2}", JSON_E_AFTER_MEMBER, 7, 0 },
	{ "[", JSON_E_EOF, -1, 0 },
	{ "{\"a\":", JSON_E_EOF, -1, 0 },
	{ "", JSON_E_EOF, -1, 0 },
};

static void test_values(void)
{
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const char *text = values[i].text;
		size_t len = strlen(text);
		struct json_cur c = { text, text + len, NULL };
		struct json_tok t;
		enum json_err e = json_value(&c, &t, 0, JSON_DEPTH_MAX);
		size_t want_off = values[i].off < 0 ? len : (size_t)values[i].off;

		CHECK_INT(e, values[i].err, "value %zu: %s", i, json_err_text(values[i].err));
		if (values[i].err == JSON_OK) {
			CHECK_INT(t.type, values[i].type, "value %zu: type", i);
			json_skip_ws(&c);
			CHECK(c.p == c.end, "value %zu: all of it", i);
		} else {
			CHECK_INT(c.p - text, want_off, "value %zu: error offset", i);
		}
	}
}

static void test_numbers(void)
{
	struct json_cur c;
	struct json_tok t;
	static const char min[] = "-9223372036854775808";

	c = (struct json_cur){ min, min + sizeof(min) - 1, NULL };
	CHECK(!json_value(&c, &t, 0, 1) && t.type == JSON_INT && t.num == INT64_MIN, "INT64_MIN");
	c = (struct json_cur){ "[ 42 ]", "[ 42 ]" + 6, NULL };
	CHECK(!json_value(&c, &t, 0, 1) && t.type == JSON_ARRAY && t.end - t.start == 6,
	      "an array's span");
	c = (struct json_cur){ "\"a\\nb\"", "\"a\\nb\"" + 6, NULL };
	CHECK(!json_value(&c, &t, 0, 1) && t.str.len == 4 && !memcmp(t.str.p, "a\\nb", 4),
	      "a string's span is between its quotes, still escaped");
}

static void test_depth(void)
{
	char text[2 * JSON_DEPTH_MAX + 4];
	struct json_cur c;
	struct json_tok t;
	int n;

	for (n = JSON_DEPTH_MAX; n <= JSON_DEPTH_MAX + 1; n++) {
		memset(text, '[', (size_t)n);
		memset(text + n, ']', (size_t)n);
		c = (struct json_cur){ text, text + 2 * n, NULL };
		if (n == JSON_DEPTH_MAX) {
			CHECK_INT(json_value(&c, &t, 0, JSON_DEPTH_MAX), JSON_OK, "%d levels", n);
		} else {
			CHECK_INT(json_value(&c, &t, 0, JSON_DEPTH_MAX), JSON_E_DEEP, "%d levels", n);
			CHECK_INT(c.p - text, JSON_DEPTH_MAX, "deep: at the opener too many");
		}
	}
	c = (struct json_cur){ "[[1]]", "[[1]]" + 5, NULL };
	CHECK_INT(json_value(&c, &t, 30, 32), JSON_OK, "two levels inside 30 of 32");
	c = (struct json_cur){ "[[[1]]]", "[[[1]]]" + 7, NULL };
	CHECK_INT(json_value(&c, &t, 30, 32), JSON_E_DEEP, "three levels inside 30 of 32");
}

/* The records line up with a pre-order walk: key and value offsets, sizes. */
static void test_doc(void)
{
	static const char text[] = "{\"a\": [1, {\"b\": null}], \"c\": \"x\"} tail";
	static const struct json_pos want[] = {
		{ JSON_NO_KEY, 0, 6 }, { 1, 6, 4 }, { JSON_NO_KEY, 7, 1 },
		{ JSON_NO_KEY, 10, 2 }, { 11, 16, 1 }, { 24, 29, 1 },
	};
	struct json_doc d;

	CHECK_INT(json_scan_doc(text, sizeof(text) - 1, 0, JSON_DEPTH_MAX, &d), 0, "doc scans");
	CHECK_INT(d.n, 6, "six values");
	CHECK_INT(d.end, 33, "ends after the object");
	for (size_t i = 0; i < d.n && i < 6; i++)
		CHECK(d.pos[i].key == want[i].key && d.pos[i].val == want[i].val &&
		      d.pos[i].size == want[i].size, "record %zu: key %u val %u size %u", i,
		      d.pos[i].key, d.pos[i].val, d.pos[i].size);
	json_doc_free(&d);

	CHECK_INT(json_scan_doc("{\"a\": [1,, 2]}", 14, 0, JSON_DEPTH_MAX, &d), -EINVAL, "bad doc");
	CHECK_INT(d.err, JSON_E_VALUE, "bad doc: its error");
	CHECK_INT(d.err_off, 9, "bad doc: its offset");
	json_doc_free(&d);
}

/* Every prefix of a valid ASCII document is truncated, never a syntax
 * error: how the log reader tells a cut line from garbage. */
static void test_truncation(void)
{
	static const char text[] =
		"{\"v\":1,\"ts\":\"2026-11-24T04:05:06Z\",\"args\":[null,-2,3.5e1,true],"
		"\"flags\":[\"A\"],\"x\":{\"y\":[false,{}]},\"e\":\"\\u00e9\\n\"}";
	int bad = 0;

	for (size_t k = 0; k < sizeof(text) - 1; k++) {
		struct json_cur c = { text, text + k, NULL };
		struct json_tok t;
		enum json_err e = json_value(&c, &t, 0, JSON_DEPTH_MAX);

		bad += !json_err_truncated(e);
	}
	CHECK_INT(bad, 0, "every prefix is truncation");
}

static void test_find_member(void)
{
	static const char text[] = " {\"rules\": 1, \"x\": [2], \"rules\": {\"a\": 3}} ";
	size_t vs, ve, oe;

	CHECK_INT(json_find_member(text, strlen(text), "rules", &vs, &ve, &oe), 0, "found");
	CHECK(text[vs] == '{' && text[ve - 1] == '}' && ve - vs == 8, "the last one's span");
	CHECK_INT(oe, strlen(text) - 2, "the closing brace");
	CHECK_INT(json_find_member("{\"a\":01}", 8, "a", &vs, &ve, &oe), -EINVAL, "strict");
}

static void test_utf8(void)
{
	static const struct {
		const char *s;
		size_t n;
		int want;
	} t[] = {
		{ "a", 1, 1 }, { "\0", 1, 1 }, { "\x7f", 1, 1 },
		{ "\xc2\x80", 2, 2 }, { "\xdf\xbf", 2, 2 }, { "\xc1\xbf", 2, 0 }, { "\xc0\x80", 2, 0 },
		{ "\xe0\xa0\x80", 3, 3 }, { "\xe0\x9f\xbf", 3, 0 }, { "\xed\x9f\xbf", 3, 3 },
		{ "\xed\xa0\x80", 3, 0 }, { "\xef\xbf\xbf", 3, 3 },
		{ "\xf0\x90\x80\x80", 4, 4 }, { "\xf0\x8f\xbf\xbf", 4, 0 }, { "\xf4\x8f\xbf\xbf", 4, 4 },
		{ "\xf4\x90\x80\x80", 4, 0 }, { "\xf5\x80\x80\x80", 4, 0 }, { "\xff", 1, 0 },
		{ "\x80", 1, 0 }, { "\xe2\x82", 2, -1 }, { "\xf0\x9f\x98", 3, -1 }, { "\xc3", 1, -1 },
		{ "\xe2\x28\xa1", 3, 0 }, { "\xc3\x28", 2, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(json_utf8_len((const unsigned char *)t[i].s, t[i].n), t[i].want,
			  "utf8 case %zu", i);
}

int main(void)
{
	test_values();
	test_numbers();
	test_depth();
	test_doc();
	test_truncation();
	test_find_member();
	test_utf8();
	return check_done();
}
