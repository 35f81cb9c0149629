/* scan.h - where each JSON value sits in the text (private to policy/).
 *
 * cJSON keeps no positions.  scan_json() walks the same text and records,
 * for every value in document order (pre-order: a container before its
 * members), the offset of the value and of its key.  cJSON builds its tree
 * in the same order and keeps duplicate keys as siblings, so node K of a
 * pre-order walk of the cJSON tree is record K: a node's first child is
 * record K + 1 and its next sibling record K + size.
 *
 * On text cJSON rejects, scan_json() names the first syntax error instead.
 */
#ifndef SOCKAUDIT_SCAN_H
#define SOCKAUDIT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#define SCAN_NONE UINT32_MAX	/* a value that is not an object member */
#define SCAN_DEPTH_MAX 1000	/* as cJSON's CJSON_NESTING_LIMIT */

struct scan_node {
	uint32_t key;		/* offset of the member's key, or SCAN_NONE */
	uint32_t val;		/* offset of the value's first byte */
	uint32_t size;		/* records in this subtree, itself included */
};

struct scan {
	struct scan_node *nodes;	/* malloc'ed, pre-order */
	size_t n, cap;
	size_t end;		/* offset just after the top-level value */
	size_t err_off;		/* on -EINVAL: where the syntax error is */
	const char *err;	/* on -EINVAL: what is wrong ("expected ':' ...") */
};

/* Scan the one JSON value at the start of TEXT (LEN bytes, after an optional
 * UTF-8 byte order mark and whitespace).  Returns 0, -EINVAL on a syntax
 * error (err, err_off), or -ENOMEM.  TEXT must be shorter than 4 GiB. */
int scan_json(const char *text, size_t len, struct scan *s);

void scan_free(struct scan *s);

/* Offset of the first '{' or '[' of TEXT that opens level MAX + 1, outside
 * strings, or LEN when nothing nests that deep.  Iterative: it guards the
 * recursive parsers (cJSON's and ours) against deep input, which matters on
 * the small thread stacks the shim may parse on. */
size_t scan_too_deep(const char *text, size_t len, int max);

#endif
