/* SPDX-License-Identifier: MIT */
/* json.c - cJSON bound at link time; see json.h for the shim's variant. */
#include "json.h"

cJSON *json_parse(const char *text, size_t len, const char **end)
{
	const char *stop = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &stop, 0);

	if (end)
		*end = stop;
	return root;
}

void json_delete(cJSON *item)
{
	cJSON_Delete(item);
}
