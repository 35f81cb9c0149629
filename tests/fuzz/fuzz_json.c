/* SPDX-License-Identifier: MIT */
/* fuzz_json.c - the JSON scanner (json/scan.h) on arbitrary bytes.
 *
 * Invariants, checked with abort(): json_value() and json_scan_doc() agree
 * on every input; the records lie inside the text and nest; and what the
 * strict scanner accepts, cJSON (which is laxer) parses into the same number
 * of nodes, so the policy parser's positions always line up.  The two known
 * exceptions are left out: \u escapes (cJSON refuses unpaired surrogates)
 * and numbers longer than cJSON's 63-byte buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_nodes(const cJSON *j)
{
	size_t n = 0;

	for (; j; j = j->next)
		n += 1 + count_nodes(j->child);
	return n;
}

/* Inputs where cJSON may rightly refuse what the scanner accepts. */
static int cjson_may_differ(const char *t, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\\' && i + 1 < n && t[i + 1] == 'u')
			return 1;
		run = strchr("0123456789+-.eE", t[i]) && t[i] ? run + 1 : 0;
		if (run > 60)
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct json_cur c = { text, text + size, NULL };
	struct json_tok t;
	struct json_doc d;
	enum json_err e;
	int rc;

	if (size >= UINT32_MAX)
		return 0;
	e = json_value(&c, &t, 0, JSON_DEPTH_MAX);
	rc = json_scan_doc(text, size, 0, JSON_DEPTH_MAX, &d);
	if ((rc == 0) != (e == JSON_OK) || (rc && d.err != e))
		abort();
	if (d.end > size || (rc && d.err_off != (size_t)(c.p - text)))
		abort();
	if (!rc) {
		if (c.p != text + d.end || t.end != c.p || !d.n)
			abort();
		for (size_t i = 0; i < d.n; i++) {
			const struct json_pos *p = &d.pos[i];

			if (p->val >= d.end || !p->size || i + p->size > d.n ||
			    (p->key != JSON_NO_KEY && p->key >= p->val))
				abort();
		}
		if (d.pos[0].size != d.n)
			abort();
		if (!cjson_may_differ(text, d.end)) {
			cJSON *root = cJSON_ParseWithLengthOpts(text, d.end, NULL, 0);

			if (!root || count_nodes(root) != d.n)
				abort();
			cJSON_Delete(root);
		}
	}
	json_doc_free(&d);
	return 0;
}
