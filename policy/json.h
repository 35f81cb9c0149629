/* SPDX-License-Identifier: MIT */
/* json.h - the two cJSON entry points the policy parser uses.
 *
 * policy/json.c binds them to libcjson at link time (tools, tests).  The
 * shim supplies its own json_parse()/json_delete() (shim/cjson.c) that load
 * libcjson with RTLD_LOCAL|RTLD_DEEPBIND, so that a host program defining its
 * own cJSON_* functions can neither bind to ours nor be bound by us.  Use only
 * these two functions and the fields of cJSON (type, child, next, string,
 * valuestring, valuedouble): never call other cJSON_* functions from policy/.
 */
#ifndef SOCKAUDIT_JSON_H
#define SOCKAUDIT_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Parse LEN bytes of TEXT.  Returns the tree, or NULL on a syntax error.
 * *END (when END is not NULL) points where parsing stopped: after the value
 * on success (the caller checks for trailing bytes), at the offending byte on
 * failure. */
cJSON *json_parse(const char *text, size_t len, const char **end);
void json_delete(cJSON *item);

static inline int json_type(const cJSON *item)
{
	return item ? (item->type & 0xff) : cJSON_Invalid;
}

#endif
