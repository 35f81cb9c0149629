/* SPDX-License-Identifier: MIT */
/* utf8.h - the one UTF-8 validator (RFC 3629), for every reader and writer.
 *
 * The event formatter runs it inside the shim's hot path and the log reader
 * on every string of every line, so it is inline, allocates nothing and
 * touches only the bytes it is given.
 */
#ifndef SOCKAUDIT_UTF8_H
#define SOCKAUDIT_UTF8_H

#include <stdbool.h>
#include <stddef.h>

static inline bool json_utf8_is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * Length (1 to 4) of the valid UTF-8 sequence at S, of which N >= 1 bytes
 * are readable; 0 when it is not valid; -1 when the N bytes are a valid
 * beginning that the end cuts short.  No overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF.  Any ASCII byte, NUL and
 * control bytes included, is a sequence of 1: whether those may stand
 * somewhere is the caller's business.
 */
static inline int json_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;		/* continuation bytes, C0, C1, F5..FF */
	}
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (i == 1 ? s[1] < lo || s[1] > hi : !json_utf8_is_cont(s[i]))
			return 0;
	}
	return len;
}

#endif
