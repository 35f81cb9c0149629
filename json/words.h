/* SPDX-License-Identifier: MIT */
/* words.h - text read and written a machine word at a time, at any
 * alignment, in the machine's byte order: for the code that compares or
 * copies JSON text in words rather than bytes (evlog/logread.c's fast
 * path, tools/report.c's group keys).  memcpy of a constant size compiles
 * to one load or store. */
#ifndef SOCKAUDIT_JSON_WORDS_H
#define SOCKAUDIT_JSON_WORDS_H

#include <stdint.h>
#include <string.h>

static inline uint32_t load32(const char *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return w;
}

static inline uint64_t load64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

static inline void store32(char *p, uint32_t w)
{
	memcpy(p, &w, 4);
}

static inline void store64(char *p, uint64_t w)
{
	memcpy(p, &w, 8);
}

#endif
