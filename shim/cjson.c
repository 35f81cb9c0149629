/* SPDX-License-Identifier: MIT */
/* cjson.c - json_parse()/json_delete() (policy/json.h) for the shim.
 *
 * The tools link libcjson; the shim must not.  A program under audit may
 * define its own cJSON_* functions (or link another cJSON): if the shim
 * imported cJSON_* symbols the dynamic linker would bind them to the
 * program's, and a cJSON loaded into the global scope would be bound by the
 * program.  So libcjson is opened privately: RTLD_LOCAL keeps its symbols out
 * of the global scope, RTLD_DEEPBIND makes its own internal references
 * resolve inside it first, and we reach it only through dlsym on its handle.
 * This happens during init, on one thread, and the handle is never closed.
 */
#include <dlfcn.h>

#include "json.h"
#include "shim.h"

#define CJSON_SONAME "libcjson.so.1"

/* AddressSanitizer refuses RTLD_DEEPBIND (it would bypass its
 * interceptors); the sanitized build gives up that half of the isolation. */
#if defined(__SANITIZE_ADDRESS__)
#define CJSON_DLFLAGS (RTLD_NOW | RTLD_LOCAL)
#else
#define CJSON_DLFLAGS (RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND)
#endif

typedef cJSON *cjson_parse_fn(const char *, size_t, const char **, cJSON_bool);
typedef void cjson_delete_fn(cJSON *);

static cjson_parse_fn *cjson_parse;
static cjson_delete_fn *cjson_delete;

int shim_cjson_load(const char **why)
{
	void *handle;

	if (cjson_parse && cjson_delete)
		return 0;
	handle = dlopen(CJSON_SONAME, CJSON_DLFLAGS);
	if (!handle)
		goto fail;
	cjson_parse = (cjson_parse_fn *)dlsym(handle, "cJSON_ParseWithLengthOpts");
	cjson_delete = (cjson_delete_fn *)dlsym(handle, "cJSON_Delete");
	if (cjson_parse && cjson_delete)
		return 0;
fail:
	*why = dlerror();
	if (!*why)
		*why = "cannot load " CJSON_SONAME;
	cjson_parse = NULL;
	cjson_delete = NULL;
	return -1;
}

cJSON *json_parse(const char *text, size_t len, const char **end)
{
	const char *stop = text;
	const char *why;
	cJSON *root = NULL;

	if (shim_cjson_load(&why) == 0)
		root = cjson_parse(text, len, &stop, 0);
	if (end)
		*end = stop;
	return root;
}

void json_delete(cJSON *item)
{
	if (item && cjson_delete)
		cjson_delete(item);
}
