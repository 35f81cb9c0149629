/* SPDX-License-Identifier: MIT */
/* seal.h - sealing the supervisor's events, so that a log can prove which
 * lines the notify layer wrote (man sockaudit-report, VERIFYING THE NOTIFY
 * LAYER).
 *
 * A process of the audited tree can write any line into the log, so a line
 * that says "layer":"notify" proves nothing by itself.  The supervisor of a
 * run draws a key the tree never sees (it is non-dumpable, so a same-uid
 * tree without CAP_SYS_PTRACE cannot read its memory) and seals each line it
 * writes with a MAC chained over the lines of the run:
 *
 *   seal_0 = the seal of the last seal record already in the log, or 16
 *            zero bytes when there is none
 *   seal_i = SipHash-2-4-128(key, seal_(i-1) || line_i without its seal)
 *
 * line_i is the line's bytes up to the ',"seal":"' that seal_line() appends
 * before its final '}'.  The events are the chain; once the tree is gone the
 * seal record (event.h), sealed last, publishes the key and the count.  A
 * forged line fails its MAC, an altered one too, a deleted one breaks the
 * chain after it (or at its end), a replayed one does not extend the chain
 * where it stands, and a run slid in before another one breaks the other's
 * first link, which names the run it followed.
 *
 * Everything here is plain computation: no allocation, no locks.
 */
#ifndef SOCKAUDIT_SEAL_H
#define SOCKAUDIT_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN 16
#define SEAL_LEN 16			/* a seal: SipHash-2-4's 128-bit output */
#define SEAL_HEX_LEN (2 * SEAL_LEN)
/* What seal_line() adds to a line: ,"seal":"<32 hex>" */
#define SEAL_KEY_TEXT ",\"seal\":\""
#define SEAL_SUFFIX_LEN (sizeof(SEAL_KEY_TEXT) - 1 + SEAL_HEX_LEN + 1)

/* SipHash-2-4 of MSG (LEN bytes) under KEY, as Aumasson and Bernstein
 * define it ("SipHash: a fast short-input PRF", 2012), with OUT_LEN 8 (the
 * 64-bit original) or 16 (the 128-bit variant), into OUT. */
void seal_siphash(const uint8_t key[SEAL_KEY_LEN], const void *msg, size_t len,
		  uint8_t *out, size_t out_len);

/* One run's chain.  It may live in memory shared by the supervisor and its
 * standby: whichever writes next continues it. */
struct seal_chain {
	uint8_t key[SEAL_KEY_LEN];
	uint8_t last[SEAL_LEN];		/* seal_i of the last line sealed */
	uint64_t lines;			/* lines sealed */
};

/* A new chain under KEY from seal_0 = PREV (SEAL_LEN bytes; NULL: zeros),
 * nothing sealed. */
void seal_chain_init(struct seal_chain *c, const uint8_t key[SEAL_KEY_LEN],
		     const uint8_t *prev);

/* The seal of the line PREFIX (LEN bytes: the line up to where its seal
 * goes) following PREV under KEY, into OUT.  False when LEN is longer than
 * any line the supervisor writes (such a line cannot be one of its). */
bool seal_compute(const uint8_t key[SEAL_KEY_LEN], const uint8_t prev[SEAL_LEN],
		  const char *prefix, size_t len, uint8_t out[SEAL_LEN]);

/* Seal the JSON line LINE (LEN bytes, an object ending in "}\n" or "}") in
 * place: insert ,"seal":"<hex>" before its '}' and advance C.  CAP is
 * LINE's size.  Returns the new length, or 0 (LINE and C untouched) when it
 * does not fit or is not such a line. */
size_t seal_line(struct seal_chain *c, char *line, size_t len, size_t cap);

/* Split a line (LEN bytes, without its newline) that ends in
 * ,"seal":"<32 hex>"}: the length of the sealed prefix into *PREFIX_LEN and
 * the seal into SEAL.  False when the line does not end so. */
bool seal_split(const char *line, size_t len, size_t *prefix_len, uint8_t seal[SEAL_LEN]);

/* N bytes as 2N lower-case hex digits into OUT (no NUL); and back (false
 * when S is not 2N hex digits). */
void seal_hex(const uint8_t *bytes, size_t n, char *out);
bool seal_unhex(const char *s, size_t slen, uint8_t *bytes, size_t n);

/* Draw a fresh key from the kernel (getrandom): 0 or -errno. */
int seal_random_key(uint8_t key[SEAL_KEY_LEN]);

#endif
