/* SPDX-License-Identifier: MIT */
/* seal.c - SipHash-2-4 and the chain of the supervisor's seals (seal.h).
 *
 * SipHash is written here from its paper (Aumasson, Bernstein: "SipHash: a
 * fast short-input PRF", 2012, sections 2 and 4 and the 128-bit variant of
 * its reference): four 64-bit words initialised from the key and four
 * constants, c = 2 rounds per 8-byte little-endian message word, d = 4
 * rounds of finalisation.  The 128-bit variant xors 0xee into v1 at the
 * start and into v2 (instead of 0xff) for the first half, then 0xdd into v1
 * for the second.  A PRF with a 128-bit key is what a MAC needs, and it is
 * small enough to check by eye against the paper (tests/unit/test_seal.c
 * holds the reference vectors).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "event.h"
#include "seal.h"

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void store_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

static inline void sip_absorb(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static inline uint64_t sip_final(struct sip *s)
{
	for (int i = 0; i < 4; i++)
		sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

void seal_siphash(const uint8_t key[SEAL_KEY_LEN], const void *msg, size_t len,
		  uint8_t *out, size_t out_len)
{
	const uint8_t *p = msg;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8), last;
	struct sip s = {
		k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
		k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL,
	};
	size_t i, tail = len & 7;

	if (out_len == 16)
		s.v1 ^= 0xee;
	for (i = 0; i + 8 <= len; i += 8)
		sip_absorb(&s, load_le64(p + i));
	/* The last word: the remaining bytes, and the length's low byte on top. */
	last = (uint64_t)(len & 0xff) << 56;
	while (tail--)
		last |= (uint64_t)p[i + tail] << (8 * tail);
	sip_absorb(&s, last);
	s.v2 ^= out_len == 16 ? 0xee : 0xff;
	store_le64(out, sip_final(&s));
	if (out_len == 16) {
		s.v1 ^= 0xdd;
		store_le64(out + 8, sip_final(&s));
	}
}

void seal_chain_init(struct seal_chain *c, const uint8_t key[SEAL_KEY_LEN],
		     const uint8_t *prev)
{
	memcpy(c->key, key, SEAL_KEY_LEN);
	if (prev)
		memcpy(c->last, prev, SEAL_LEN);
	else
		memset(c->last, 0, sizeof(c->last));
	c->lines = 0;
}

/* The supervisor's lines are at most EVENT_LINE_MAX bytes with their seal. */
#define SEAL_MSG_MAX (SEAL_LEN + EVENT_LINE_MAX)

bool seal_compute(const uint8_t key[SEAL_KEY_LEN], const uint8_t prev[SEAL_LEN],
		  const char *prefix, size_t len, uint8_t out[SEAL_LEN])
{
	uint8_t msg[SEAL_MSG_MAX];

	if (len > SEAL_MSG_MAX - SEAL_LEN)
		return false;
	memcpy(msg, prev, SEAL_LEN);
	memcpy(msg + SEAL_LEN, prefix, len);
	seal_siphash(key, msg, SEAL_LEN + len, out, SEAL_LEN);
	return true;
}

static const char hex_digits[] = "0123456789abcdef";

void seal_hex(const uint8_t *bytes, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_digits[bytes[i] >> 4];
		out[2 * i + 1] = hex_digits[bytes[i] & 15];
	}
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;	/* upper case is not what seal_hex() writes */
}

bool seal_unhex(const char *s, size_t slen, uint8_t *bytes, size_t n)
{
	if (slen != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

size_t seal_line(struct seal_chain *c, char *line, size_t len, size_t cap)
{
	size_t body = len, tail;
	uint8_t seal[SEAL_LEN];
	char *p;

	if (body && line[body - 1] == '\n')
		body--;
	if (!body || line[body - 1] != '}')
		return 0;
	body--;				/* the prefix: up to the closing brace */
	tail = len - body;		/* "}" and the newline, if any */
	if (len + SEAL_SUFFIX_LEN > cap || !seal_compute(c->key, c->last, line, body, seal))
		return 0;
	memmove(line + body + SEAL_SUFFIX_LEN, line + body, tail);
	p = line + body;
	memcpy(p, SEAL_KEY_TEXT, sizeof(SEAL_KEY_TEXT) - 1);
	p += sizeof(SEAL_KEY_TEXT) - 1;
	seal_hex(seal, SEAL_LEN, p);
	p[SEAL_HEX_LEN] = '"';
	memcpy(c->last, seal, SEAL_LEN);
	c->lines++;
	return len + SEAL_SUFFIX_LEN;
}

bool seal_split(const char *line, size_t len, size_t *prefix_len, uint8_t seal[SEAL_LEN])
{
	size_t klen = sizeof(SEAL_KEY_TEXT) - 1;
	const char *p;

	/* ... ,"seal":"<32 hex>"} and nothing after the brace. */
	if (len < SEAL_SUFFIX_LEN + 2 || line[len - 1] != '}' || line[len - 2] != '"')
		return false;
	p = line + len - 1 - SEAL_SUFFIX_LEN;
	if (memcmp(p, SEAL_KEY_TEXT, klen) || !seal_unhex(p + klen, SEAL_HEX_LEN, seal, SEAL_LEN))
		return false;
	*prefix_len = (size_t)(p - line);
	return true;
}

int seal_random_key(uint8_t key[SEAL_KEY_LEN])
{
	size_t got = 0;

	while (got < SEAL_KEY_LEN) {
		ssize_t n = getrandom(key + got, SEAL_KEY_LEN - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}
