/* SPDX-License-Identifier: MIT */
/* test_table.c - table cells, display widths and cuts (tools/table.c), fed
 * strings.
 *
 * Unit tests link only libcore.a, so the file under test is compiled in. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../tools/table.c"

static const char *cell(const char *json, const char *null_word)
{
	static char buf[256];

	table_cell(json, strlen(json), null_word, buf, sizeof(buf));
	return buf;
}

static void test_cells(void)
{
	CHECK_STR(cell("\"/usr/bin/curl\"", "-"), "/usr/bin/curl", "a string without its quotes");
	CHECK_STR(cell("null", "-"), "-", "null as the null word");
	CHECK_STR(cell("null", TABLE_DEFAULT_RULE), "(default)", "the rule's null: the default");
	CHECK_STR(cell("\"a\\\"b\\\\c\"", "-"), "a\"b\\\\c", "escapes decoded, a backslash shown as \\\\");
	CHECK_STR(cell("\"odd\\u00ffname\"", "-"), "odd\\xffname", "\\u00ff is a raw byte: \\xff");
	CHECK_STR(cell("\"\\u00c3\\u00a9t\\u00e9\"", "-"), "\xc3\xa9t\\xe9",
		  "raw bytes that are UTF-8 are the character; others \\xHH");
	CHECK_STR(cell("\"tab\\there\\u0001\"", "-"), "tab\\x09here\\x01", "control bytes as \\xHH");
	CHECK_STR(cell("\"\\u0000abs\"", "-"), "\\x00abs", "an abstract name's NUL");
	CHECK_STR(cell("\"\xe6\x97\xa5\xe6\x9c\xac\"", "-"), "\xe6\x97\xa5\xe6\x9c\xac", "UTF-8 as it is");
	CHECK_STR(cell("\"\\u65e5\"", "-"), "\xe6\x97\xa5", "a \\u escape past U+00FF is its character");
	CHECK_STR(cell("[\"SOCK_CLOEXEC\",\"SOCK_NONBLOCK\"]", "-"), "SOCK_CLOEXEC|SOCK_NONBLOCK",
		  "an array of names joined with |");
	CHECK_STR(cell("[]", "-"), "-", "an empty array: -");
	CHECK_STR(cell("[0,0]", "-"), "[0,0]", "an array of numbers as its text");
	CHECK_STR(cell("42", "-"), "42", "a number as it is");
}

static void test_cols(void)
{
	CHECK_INT(table_cols("abc", 3), 3, "ASCII: one column each");
	CHECK_INT(table_cols("\xe6\x97\xa5\xe6\x9c\xac", 6), 4, "CJK: two columns each");
	CHECK_INT(table_cols("e\xcc\x81", 3), 1, "a combining mark takes none");
	CHECK_INT(table_cols("\xe2\x80\xa6", 3), 1, "the ellipsis: one");
	CHECK_INT(table_cols("\\xff", 4), 4, "an escaped byte: its four characters");
}

static const char *put(const char *s, size_t width, bool left)
{
	static char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	table_put(f, s, strlen(s), width, left, false);
	fclose(f);
	return buf;
}

static void test_put(void)
{
	CHECK_STR(put("abc", 5, false), "abc  ", "padded to the width");
	CHECK_STR(put("abcdef", 4, false), "abc\xe2\x80\xa6", "cut at the end with an ellipsis");
	CHECK_STR(put("/usr/bin/curl", 8, true), "\xe2\x80\xa6in/curl", "a path cut at its start");
	/* 日本語 is six columns: in five, two characters and "…" are five. */
	CHECK_STR(put("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, false),
		  "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6", "wide characters cut whole");
	/* In four: one character, "…", and a space for the column left. */
	CHECK_STR(put("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, false),
		  "\xe6\x97\xa5\xe2\x80\xa6 ", "a wide character never split: padded");
	CHECK_STR(put("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, true),
		  "\xe2\x80\xa6\xe8\xaa\x9e ", "from the left too");
}

static void test_width(void)
{
	unsetenv("COLUMNS");
	CHECK_INT(table_width(120), 120, "--width wins");
	setenv("COLUMNS", "100", 1);
	CHECK_INT(table_width(0), 100, "then $COLUMNS");
	CHECK_INT(table_width(90), 90, "--width over $COLUMNS");
	setenv("COLUMNS", "10", 1);
	CHECK_INT(table_width(0), TABLE_WIDTH_MIN, "at least the minimum");
	/* The tests' standard output is a pipe, not a terminal. */
	setenv("COLUMNS", "wide", 1);
	CHECK_INT(table_width(0), 80, "$COLUMNS that is no number is ignored");
	unsetenv("COLUMNS");
	CHECK_INT(table_width(0), 80, "no terminal, no $COLUMNS: 80");
}

static void test_json_cut(void)
{
	CHECK_INT(table_json_cut("abcdef", 6, 10), 6, "short: whole");
	CHECK_INT(table_json_cut("ab\\u00ffcd", 10, 4), 2, "never inside an escape");
	CHECK_INT(table_json_cut("a\xe6\x97\xa5z", 5, 3), 1, "never inside a character");
}

int main(void)
{
	test_cells();
	test_cols();
	test_put();
	test_width();
	test_json_cut();
	return check_done();
}
