/* SPDX-License-Identifier: MIT */
/* fuzz_event.c - event_format() on arbitrary numbers and strings.
 *
 * Input: 40 bytes of numbers (seq, ts, event, self, family, type, protocol,
 * how, result, err, flags), then exe, comm and rule separated by NUL bytes.
 * Every line must fit, end in its only '\n', be valid UTF-8 and valid JSON
 * with the schema's keys, and give back a prefix of each string (invalid
 * bytes read as Latin-1, cut at a character boundary). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NUMBERS 40

static void need(int ok)
{
	if (!ok)
		abort();
}

static int valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], len, cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			len = 2, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			len = 3, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			len = 4, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* What IN should read back as: valid UTF-8 kept, any other byte as the
 * Latin-1 character of that byte.  Returns the length written to OUT. */
static size_t expected(const unsigned char *in, size_t n, unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		size_t len = 1;

		if (in[i] >= 0x80) {
			for (len = 4; len > 1; len--)
				if (i + len <= n && valid_utf8(in + i, len))
					break;
		}
		if (len > 1 || in[i] < 0x80) {
			memcpy(out + o, in + i, len);
			o += len;
			i += len;
		} else {
			out[o++] = (unsigned char)(0xc0 | in[i] >> 6);
			out[o++] = (unsigned char)(0x80 | (in[i] & 0x3f));
			i++;
		}
	}
	return o;
}

/* The decoded string ITEM must be a prefix of what RAW reads as, ending at
 * a character boundary of the input. */
static void check_string(const cJSON *item, const char *raw)
{
	size_t n, got;
	unsigned char *want;

	if (!raw) {
		need(cJSON_IsNull(item));
		return;
	}
	need(cJSON_IsString(item));
	n = strlen(raw);
	want = malloc(2 * n + 1);
	need(want != NULL);
	n = expected((const unsigned char *)raw, n, want);
	got = strlen(item->valuestring);
	need(got <= n && memcmp(item->valuestring, want, got) == 0);
	/* a cut never splits a character of the output */
	need(got == n || (want[got] & 0xc0) != 0x80);
	free(want);
}

static int32_t i32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return (int32_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"v", "seq", "ts", "event", "args", "call", "family", "type",
		"flags", "protocol", "result", "errno", "decision", "rule", "mode",
		"pid", "tid", "ppid", "exe", "comm", "layer",
	};
	char buf[EVENT_LINE_MAX];
	char *strings, *s[3] = { NULL, NULL, NULL };
	struct event e;
	size_t n, len, k = 0;
	cJSON *root;

	if (size < NUMBERS)
		return 0;
	memset(&e, 0, sizeof(e));
	e.seq = (uint64_t)(uint32_t)i32(data) << 20 | (uint32_t)i32(data + 4);
	e.ts.tv_sec = i32(data + 4) * (time_t)(1 + data[39] % 8);
	e.ts.tv_nsec = (uint32_t)i32(data + 8) % 1100000000u;
	e.event = data[12] & 1 ? POLICY_EV_SHUTDOWN : POLICY_EV_NEW;
	e.self = i32(data + 13);
	e.self_known = data[17] & 1;
	e.result_unknown = data[17] & 2;
	e.family = data[17] & 4 ? -1 : (int)(data[18] % 50);
	e.type = i32(data + 19);
	e.protocol = data[17] & 8 ? i32(data + 23) : (int)(data[23] % 4);
	e.how = data[27] % 5;
	e.result = i32(data + 28);
	e.err = data[32] % 140;
	e.pid = i32(data + 33);
	e.tid = e.pid;
	e.ppid = 1;
	e.call = "socket";
	e.decision = EVENT_ALLOW;
	e.mode = "enforce";
	e.layer = EVENT_PRELOAD;

	/* the rest: exe NUL comm NUL rule */
	len = size - NUMBERS;
	strings = malloc(len + 1);
	need(strings != NULL);
	memcpy(strings, data + NUMBERS, len);
	strings[len] = 0;
	for (char *p = strings; k < 3 && p <= strings + len; k++) {
		s[k] = p;
		p += strlen(p) + 1;
	}
	e.exe = s[0];
	e.comm = s[1];
	e.rule = s[2];

	n = event_format(buf, sizeof(buf), &e);
	need(n > 0 && n <= sizeof(buf));
	need(buf[n - 1] == '\n' && memchr(buf, '\n', n - 1) == NULL);
	need(valid_utf8((const unsigned char *)buf, n));
	root = cJSON_ParseWithLength(buf, n - 1);
	need(root != NULL);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		need(cJSON_GetObjectItemCaseSensitive(root, keys[i]) != NULL);
	need((cJSON_GetObjectItemCaseSensitive(root, "how") != NULL) ==
	     (e.event == POLICY_EV_SHUTDOWN));
	check_string(cJSON_GetObjectItemCaseSensitive(root, "exe"), e.exe);
	check_string(cJSON_GetObjectItemCaseSensitive(root, "comm"), e.comm);
	check_string(cJSON_GetObjectItemCaseSensitive(root, "rule"), e.rule);
	cJSON_Delete(root);
	free(strings);
	return 0;
}
