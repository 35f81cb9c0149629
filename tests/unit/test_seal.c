/* SPDX-License-Identifier: MIT */
/* test_seal.c - SipHash-2-4 against the reference vectors, and the chain. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "seal.h"

/* The key and messages of the reference vectors: key 00 01 .. 0f, message
 * i: the bytes 00 01 .. i-1. */
static void ref_key(uint8_t k[16])
{
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
}

static const char *hex_of(const uint8_t *b, size_t n, char *buf)
{
	seal_hex(b, n, buf);
	buf[2 * n] = '\0';
	return buf;
}

static void test_vectors(void)
{
	uint8_t key[16], msg[64], out[16];
	char buf[40];

	ref_key(key);
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* The paper's example (Appendix A): 15 bytes, 64-bit output. */
	seal_siphash(key, msg, 15, out, 8);
	CHECK_STR(hex_of(out, 8, buf), "e545be4961ca29a1", "siphash-2-4-64, paper's example");
	/* The reference's first vectors (little-endian output bytes). */
	seal_siphash(key, msg, 0, out, 8);
	CHECK_STR(hex_of(out, 8, buf), "310e0edd47db6f72", "siphash-2-4-64, empty");
	seal_siphash(key, msg, 0, out, 16);
	CHECK_STR(hex_of(out, 16, buf), "a3817f04ba25a8e66df67214c7550293",
		  "siphash-2-4-128, empty");
	seal_siphash(key, msg, 1, out, 16);
	CHECK_STR(hex_of(out, 16, buf), "da87c1d86b99af44347659119b22fc45",
		  "siphash-2-4-128, 1 byte");
	/* Many words and a tail (the 64-bit reference's last vector). */
	seal_siphash(key, msg, 63, out, 8);
	CHECK_STR(hex_of(out, 8, buf), "724506eb4c328a95", "siphash-2-4-64, 63 bytes");
}

static void test_chain(void)
{
	struct seal_chain c, v;
	uint8_t key[16], s[16], prev[16] = { 0 }, got[16];
	char a[256] = "{\"v\":1,\"layer\":\"notify\"}\n", b[256] = "{\"x\":2}";
	size_t la, lb, plen;

	ref_key(key);
	seal_chain_init(&c, key, NULL);
	la = seal_line(&c, a, strlen(a), sizeof(a));
	CHECK(la == strlen("{\"v\":1,\"layer\":\"notify\"}\n") + SEAL_SUFFIX_LEN, "sealed length");
	CHECK(a[la - 1] == '\n' && a[la - 2] == '}', "still ends in }\\n");
	CHECK(!strncmp(a, "{\"v\":1,\"layer\":\"notify\",\"seal\":\"", 32), "seal key last: %s", a);
	CHECK(seal_split(a, la - 1, &plen, s), "split");
	CHECK(plen == strlen("{\"v\":1,\"layer\":\"notify\""), "prefix length");
	CHECK(seal_compute(key, prev, a, plen, got) && !memcmp(got, s, 16), "first link verifies");
	CHECK(!memcmp(c.last, s, 16) && c.lines == 1, "chain advanced");
	lb = seal_line(&c, b, strlen(b), sizeof(b));
	CHECK(lb && seal_split(b, lb, &plen, got), "no newline: sealed too");
	CHECK(seal_compute(key, s, b, plen, prev) && !memcmp(prev, got, 16), "second link chains");
	seal_compute(key, (uint8_t[16]){ 0 }, b, plen, prev);
	CHECK(memcmp(prev, got, 16), "out of place: does not verify");
	a[3] = '2';
	seal_split(a, la - 1, &plen, s);
	seal_compute(key, (uint8_t[16]){ 0 }, a, plen, got);
	CHECK(memcmp(got, s, 16), "altered: does not verify");

	/* A chain that follows another run starts from its last seal. */
	seal_chain_init(&v, key, c.last);
	CHECK(!memcmp(v.last, c.last, 16) && v.lines == 0, "chain from a previous seal");
	seal_chain_init(&v, key, NULL);
	CHECK(seal_line(&v, a, 5, 5 + SEAL_SUFFIX_LEN - 1) == 0 && v.lines == 0, "no room: untouched");
	CHECK(seal_line(&v, (char[8]){ "[1]" }, 3, 8) == 0, "not an object");
	CHECK(!seal_split("{\"a\":1}", 7, &plen, s), "no seal");
	CHECK(!seal_split("{\"seal\":\"00\"}", 13, &plen, s), "short seal");
	CHECK(!seal_unhex("0A", 2, s, 1), "upper-case hex refused");
	CHECK(seal_random_key(key) == 0, "random key");
}

int main(void)
{
	test_vectors();
	test_chain();
	return check_done();
}
