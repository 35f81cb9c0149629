/* SPDX-License-Identifier: MIT */
/* table.h - what people read of events: table cells, one event as a line.
 *
 * Shared by `sockaudit report` and `eval` replay, so that an event, a
 * value and the default rule read the same in both:
 *
 *  - A cell shows a value decoded, never its JSON: a string unescaped, an
 *    array of names joined with '|', null as "-" (the rule's null, the
 *    policy default, as TABLE_DEFAULT_RULE).  Bytes that are not printable
 *    UTF-8 (the event writer's \u0080..\u00ff are raw bytes, control bytes,
 *    non-printable characters) show as \xHH, and a backslash as \\, so a
 *    cell is one line and says what the bytes were.
 *  - Widths are display columns (wcwidth() of each character in a UTF-8
 *    locale: a CJK character takes two, a combining mark none); a cell cut
 *    to fit ends, or for a path starts, with "…" and never splits a
 *    character.
 *  - The width of a table: --width, else $COLUMNS, else the terminal's
 *    (TIOCGWINSZ on standard output), else 80.
 *
 * Not libsmartcols: report has JSON and CSV outputs of its own schema,
 * the telling end of a path needs cutting from the left (libsmartcols
 * cuts only the end), and the decoding of the writer's raw-byte escapes
 * is ours either way; what is left is the few functions below.
 */
#ifndef SOCKAUDIT_TABLE_H
#define SOCKAUDIT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "logread.h"

/* The policy default's one spelling wherever a rule is named for people
 * (report, eval); JSON output writes null, as the log does. */
#define TABLE_DEFAULT_RULE "(default)"

/* The width to fit: REQUESTED (> 0, --width) else $COLUMNS, else the
 * terminal's width when standard output is one, else 80; at least
 * TABLE_WIDTH_MIN and at most TABLE_WIDTH_MAX. */
#define TABLE_WIDTH_MIN 40
#define TABLE_WIDTH_MAX 1000
int table_width(int requested);

/* The JSON value text V (N bytes: a string with its quotes, null, a
 * number, an array) as a cell into BUF of CAP bytes (NUL-terminated; cut at
 * a character when it does not fit).  NULL_WORD is what null shows as.
 * Returns the length. */
size_t table_cell(const char *v, size_t n, const char *null_word, char *buf, size_t cap);

/* Display columns of the cell text S (N bytes of UTF-8, as table_cell()
 * makes it). */
size_t table_cols(const char *s, size_t n);

/* Print the cell text S (N bytes) to F in WIDTH columns: cut with "…" at
 * its end, or at its start when CUT_LEFT; padded with spaces unless LAST. */
void table_put(FILE *f, const char *s, size_t n, size_t width, bool cut_left, bool last);

/* The length of the escaped JSON string text P (LEN bytes, between its
 * quotes) cut to at most MAX bytes between escapes and UTF-8 sequences. */
size_t table_json_cut(const char *p, size_t len, size_t max);

/* One event as report's denials and eval's changes list it.  The strings
 * are JSON texts (a string with its quotes, or null), long ones cut with
 * "\u2026" as report's group keys are. */
#define TABLE_EXE_MAX 1024
struct table_event {
	int file;
	uint64_t line;
	long long pid;
	uint64_t seq;
	int64_t ts;
	enum policy_event event;
	enum event_decision decision;
	enum event_layer layer;
	char exe[TABLE_EXE_MAX + 16], comm[80];
	char family[48], type[48], protocol[48], rule[160];
	char where[4 * LOGREAD_PATH_MAX + 48];	/* logread_where(), "" for none */
};

void table_event_set(struct table_event *t, const struct logread_event *ev, int file,
		     uint64_t line);

/* "PATH:LINE: pid P LAYER seq S EXE EVENT FAMILY TYPE PROTOCOL[ WHERE]" to F, no
 * newline; the values as cells. */
void table_event_text(FILE *f, const struct table_event *t, const char *path);

/* The rule of T for people: its id as a cell, or TABLE_DEFAULT_RULE. */
void table_event_rule(FILE *f, const struct table_event *t);

/* The event's members as JSON, without braces: "file", "line", "pid",
 * "seq", "ts", "event", "exe", "comm", "family", "type", "protocol",
 * "layer", and "where" when it has one. */
void table_event_json(FILE *f, const struct table_event *t, const char *path);

/* S (NUL-terminated bytes) as a JSON string to F. */
void table_json_string(FILE *f, const char *s);

#endif
