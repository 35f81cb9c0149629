/* SPDX-License-Identifier: MIT */
/* diag.c - diagnostics: collecting them, and printing them like a compiler. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "utf8.h"

/* Source lines longer than this are shown as a window around the column. */
#define DIAG_SHOW_MAX 120

static int lines_build(struct diag_lines *dl)
{
	size_t n = 1, i, k = 1;

	for (i = 0; i < dl->len; i++)
		n += dl->text[i] == '\n';
	dl->starts = malloc(n * sizeof(*dl->starts));
	if (!dl->starts)
		return -ENOMEM;
	dl->starts[0] = 0;
	for (i = 0; i < dl->len; i++)
		if (dl->text[i] == '\n')
			dl->starts[k++] = i + 1;
	dl->n = n;
	return 0;
}

void diag_lines_find(struct diag_lines *dl, size_t off, int *line, int *col)
{
	size_t lo = 0, hi;

	*line = *col = 0;
	if (off == DIAG_NO_POS || off > dl->len)
		return;
	if (!dl->n && lines_build(dl))
		return;
	/* The last line starting at or before OFF. */
	hi = dl->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (dl->starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	*line = (int)(lo + 1);
	*col = (int)(off - dl->starts[lo] + 1);
}

void diag_lines_free(struct diag_lines *dl)
{
	free(dl->starts);
	dl->starts = NULL;
	dl->n = 0;
}

int diag_add(struct policy_diags *d, enum policy_severity sev, int line, int col,
	     const char *path, const char *fmt, ...)
{
	struct policy_diag *items, *it;
	va_list ap;
	int n;

	if (sev == POLICY_ERROR)
		d->errors++;
	else if (sev == POLICY_WARNING)
		d->warnings++;
	/* The capacity is not stored: it is the next power of two >= 8. */
	if (d->count == 0 || (d->count >= 8 && !(d->count & (d->count - 1)))) {
		size_t cap = d->count < 8 ? 8 : 2 * d->count;

		items = realloc(d->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		d->items = items;
	}
	items = d->items;
	it = &items[d->count];
	memset(it, 0, sizeof(*it));
	it->severity = sev;
	it->line = line;
	it->col = col;
	if (path && !(it->path = strdup(path)))
		return -ENOMEM;
	va_start(ap, fmt);
	n = vasprintf(&it->message, fmt, ap);
	va_end(ap);
	if (n < 0) {
		free(it->path);
		return -ENOMEM;
	}
	d->count++;
	return 0;
}

static const char *const severity_names[] = {
	[POLICY_ERROR] = "error",
	[POLICY_WARNING] = "warning",
	[POLICY_NOTE] = "note",
};

/* Where the last line was found: diagnostics come mostly in document
 * order, so the next search starts there rather than at the top. */
struct line_cursor {
	const char *p;
	int line;
};

/* Line LINE (1-based) of TEXT: its start and length, without "\r\n". */
static int find_line(const char *text, size_t len, int line, struct line_cursor *cur,
		     const char **start, size_t *n)
{
	const char *p = text, *end = text + len, *nl;
	int i = 1;

	if (cur->p && cur->line <= line) {
		p = cur->p;
		i = cur->line;
	}
	for (; i < line; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return -1;
		p = nl + 1;
	}
	cur->p = p;
	cur->line = line;
	nl = memchr(p, '\n', (size_t)(end - p));
	*n = (size_t)((nl ? nl : end) - p);
	if (*n && p[*n - 1] == '\r')
		(*n)--;
	*start = p;
	return 0;
}

/* The source line and a caret under column COL.  Tabs are repeated in the
 * caret line so the caret lines up; control bytes show as '?'. */
static void print_excerpt(FILE *out, const char *line_text, size_t n, int line, int col)
{
	size_t at = (size_t)col - 1, from = 0, to = n;

	if (at > n)
		at = n;
	if (n > DIAG_SHOW_MAX) {
		from = at > DIAG_SHOW_MAX / 2 ? at - DIAG_SHOW_MAX / 2 : 0;
		while (from > 0 && json_utf8_is_cont((unsigned char)line_text[from]))
			from--;
		to = from + DIAG_SHOW_MAX < n ? from + DIAG_SHOW_MAX : n;
	}
	fprintf(out, "%5d | %s", line, from ? "..." : "");
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)line_text[i];

		fputc(c < 0x20 && c != '\t' ? '?' : c == 0x7f ? '?' : c, out);
	}
	fprintf(out, "%s\n      | %s", to < n ? "..." : "", from ? "   " : "");
	for (size_t i = from; i < at; i++) {
		unsigned char c = (unsigned char)line_text[i];

		if (c == '\t')
			fputc('\t', out);
		else if (!json_utf8_is_cont(c))
			fputc(' ', out);
	}
	fputs("^\n", out);
}

void policy_diags_print(FILE *out, const struct policy_diags *diags,
			const char *filename, const char *text, size_t len)
{
	if (!diags)
		return;
	struct line_cursor cur = { NULL, 0 };

	if (!filename)
		filename = "policy";
	for (size_t i = 0; i < diags->count; i++) {
		const struct policy_diag *d = &diags->items[i];
		const char *line_text;
		size_t n;

		if (d->line > 0)
			fprintf(out, "%s:%d:%d: %s: %s\n", filename, d->line, d->col,
				severity_names[d->severity], d->message);
		else
			fprintf(out, "%s: %s: %s\n", filename,
				severity_names[d->severity], d->message);
		if (d->line > 0 && d->col > 0 && text &&
		    !find_line(text, len, d->line, &cur, &line_text, &n))
			print_excerpt(out, line_text, n, d->line, d->col);
	}
}

void policy_diags_free(struct policy_diags *diags)
{
	if (!diags)
		return;
	for (size_t i = 0; i < diags->count; i++) {
		free(diags->items[i].path);
		free(diags->items[i].message);
	}
	free(diags->items);
	memset(diags, 0, sizeof(*diags));
}

struct group {
	size_t start, n;	/* a diagnostic and the notes that follow it */
	int line, col;
};

static int by_position(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return (x->start > y->start) - (x->start < y->start);
}

int diag_sort(struct policy_diags *d, size_t from)
{
	struct group *g;
	struct policy_diag *items;
	size_t n = 0, k = 0;

	if (d->count - from < 2)
		return 0;
	g = malloc((d->count - from) * sizeof(*g));
	items = malloc((d->count - from) * sizeof(*items));
	if (!g || !items) {
		free(g);
		free(items);
		return -ENOMEM;
	}
	for (size_t i = from; i < d->count; i++) {
		if (d->items[i].severity == POLICY_NOTE && n) {
			g[n - 1].n++;
			continue;
		}
		g[n++] = (struct group){ i, 1, d->items[i].line, d->items[i].col };
	}
	qsort(g, n, sizeof(*g), by_position);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < g[i].n; j++)
			items[k++] = d->items[g[i].start + j];
	memcpy(d->items + from, items, k * sizeof(*items));
	free(g);
	free(items);
	return 0;
}
