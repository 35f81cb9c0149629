/* SPDX-License-Identifier: MIT */
/* diag.h - building the diagnostics list (private to policy/).
 *
 * The parser reports positions as byte offsets into the policy text;
 * diag_lines turns them into 1-based line and column numbers (columns count
 * bytes), with one binary search per diagnostic however large the text.
 */
#ifndef SOCKAUDIT_DIAG_H
#define SOCKAUDIT_DIAG_H

#include <stddef.h>

#include "policy.h"

#define DIAG_NO_POS ((size_t)-1)	/* an offset for "position unknown" */

struct diag_lines {
	const char *text;
	size_t len;
	size_t *starts;		/* offset of each line's first byte */
	size_t n;		/* 0 until the first lookup */
};

/* Offset OFF of the text as *LINE and *COL (1-based); 0, 0 for DIAG_NO_POS
 * or when the line table cannot be allocated. */
void diag_lines_find(struct diag_lines *dl, size_t off, int *line, int *col);
void diag_lines_free(struct diag_lines *dl);

/* Append a diagnostic to D.  PATH may be NULL.  Returns 0 or -ENOMEM (the
 * diagnostic is then lost, but the error count still goes up). */
int diag_add(struct policy_diags *d, enum policy_severity sev, int line, int col,
	     const char *path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Put the diagnostics of D from index FROM on in document order (line,
 * column), each note staying after the diagnostic it belongs to.  Returns 0
 * or -ENOMEM (the order is then unchanged). */
int diag_sort(struct policy_diags *d, size_t from);

#endif
