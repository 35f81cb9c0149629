/* SPDX-License-Identifier: MIT */
/* test_event.c - event_format(): exact lines, escaping, truncation, time. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netdb.h>
#include <stddef.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <cjson/cJSON.h>

#include "check.h"
#include "event.h"

static const char *const key_order[] = {
	"v", "seq", "ts", "event", "args", "call", "family", "type", "flags",
	"protocol", "how", "result", "errno", "decision", "rule", "mode", "pid",
	"tid", "ppid", "exe", "comm", "layer", NULL,
};

/* A strict UTF-8 check (RFC 3629), independent of event.c's. */
static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], len, cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
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

/* Parse the line: one '\n' at the very end, valid UTF-8, valid JSON, keys in
 * schema order.  Returns the tree (caller frees) or NULL. */
static cJSON *parse_line(const char *buf, size_t n, const char *name)
{
	const char *end = NULL;
	const char *const *k = key_order;
	cJSON *root;

	if (!CHECK(n > 0 && n <= EVENT_LINE_MAX, "%s: length %zu fits", name, n))
		return NULL;
	CHECK(buf[n - 1] == '\n' && memchr(buf, '\n', n - 1) == NULL,
	      "%s: exactly one newline, at the end", name);
	CHECK(valid_utf8((const unsigned char *)buf, n), "%s: valid UTF-8", name);
	root = cJSON_ParseWithLengthOpts(buf, n - 1, &end, 0);
	if (!CHECK(root && end == buf + n - 1, "%s: valid JSON", name)) {
		cJSON_Delete(root);
		return NULL;
	}
	for (cJSON *c = root->child; c; c = c->next) {
		while (*k && strcmp(*k, c->string))
			k++;
		if (!*k) {
			CHECK(0, "%s: key %s in schema order", name, c->string);
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}

static char line[EVENT_LINE_MAX];

static size_t fmt(const struct event *e)
{
	memset(line, 0x5a, sizeof(line));
	return event_format(line, sizeof(line), e);
}

/*
 * The packed record of E (event_pack, what the shim puts into the run's
 * ring) formats to the same line as E itself, and every record cut short
 * or with a byte changed is refused or formats to a valid line: the
 * launcher reads what the audited program wrote.
 */
static void check_packed(const struct event *e, const char *name)
{
	static char rec[EVENT_LINE_MAX], bad[EVENT_LINE_MAX], out[EVENT_LINE_MAX];
	/* Kept from case to case, as the launcher keeps it from record to
	 * record: its ident of the last exe and comm is used, or replaced,
	 * by every case, changed copies included. */
	static struct event_unpacked u;
	struct event_packing pk;
	struct event back;
	size_t n = event_pack(rec, sizeof(rec), e), direct, packed, bad_at = SIZE_MAX;

	CHECK_INT(n, event_pack_measure(e, &pk), "%s: packed size", name);
	if (!CHECK(n > 0 && event_unpack(rec, n, &back, &u), "%s: unpacks", name))
		return;
	direct = fmt(e);
	packed = event_format(out, sizeof(out), &back);
	CHECK(packed == direct && !memcmp(out, line, direct), "%s: same line packed", name);
	/* One check each for the cut and the changed copies, naming the first
	 * that fails: thousands of copies are one property. */
	for (size_t cut = 0; cut < n; cut += 7)
		if (event_unpack(rec, cut, &back, &u)) {
			bad_at = cut;
			break;
		}
	CHECK(bad_at == SIZE_MAX, "%s: every copy cut short refused (not at %zu)", name, bad_at);
	bad_at = SIZE_MAX;
	for (size_t i = 0; i < n && bad_at == SIZE_MAX; i++) {
		memcpy(bad, rec, n);
		bad[i] ^= 0x41;
		if (event_unpack(bad, n, &back, &u) && !event_format(out, sizeof(out), &back))
			bad_at = i;
	}
	CHECK(bad_at == SIZE_MAX, "%s: every copy with a byte changed refused or a valid line "
	      "(not byte %zu)", name, bad_at);
}

/* exe and comm formatted once (event_format_ident, as the shim does at
 * init) make the same line as formatted each time. */
static void check_ident(const struct event *e, const char *name)
{
	static char ident[EVENT_IDENT_MAX], out[EVENT_LINE_MAX];
	struct event with = *e;
	size_t direct = fmt(e), n;

	with.ident = ident;
	with.ident_len = event_format_ident(ident, sizeof(ident), e->exe, e->comm);
	n = event_format(out, sizeof(out), &with);
	CHECK(with.ident_len > 0 && n == direct && !memcmp(out, line, n),
	      "%s: same line with the ident formatted once", name);
}

static void check_line(const struct event *e, const char *want, const char *name)
{
	size_t n;
	cJSON *root;

	check_packed(e, name);
	check_ident(e, name);
	n = fmt(e);
	line[n < sizeof(line) ? n : sizeof(line) - 1] = 0;
	CHECK_STR(line, want, "%s: exact line", name);
	CHECK_INT(n, strlen(want), "%s: returned length", name);
	root = parse_line(line, n, name);
	cJSON_Delete(root);
}

/* The DESIGN.md example. */
static struct event example(void)
{
	struct event e = {
		.seq = 7,
		.ts = { 1795493106, 123456789 },	/* 2026-11-24T04:05:06Z */
		.event = POLICY_EV_NEW,
		.call = "socket",
		.self = 3, .self_known = true,
		.family = AF_INET, .type = SOCK_STREAM | SOCK_CLOEXEC, .protocol = 0,
		.result = 3, .err = 0,
		.decision = EVENT_ALLOW, .rule = "inet-tcp", .mode = "enforce",
		.pid = 4242, .tid = 4242, .ppid = 4200,
		.exe = "/usr/bin/curl", .comm = "curl", .layer = EVENT_PRELOAD,
	};
	return e;
}

#define HEAD "{\"v\":1,\"seq\":7,\"ts\":\"2026-11-24T04:05:06.123456789Z\","
#define TAIL "\"pid\":4242,\"tid\":4242,\"ppid\":4200,\"exe\":\"/usr/bin/curl\"," \
	     "\"comm\":\"curl\",\"layer\":\"preload\"}\n"

static void test_exact_lines(void)
{
	struct event e = example();

	check_line(&e, HEAD "\"event\":\"socket.__new__\",\"args\":[3,2,524289,0],"
		   "\"call\":\"socket\",\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\","
		   "\"flags\":[\"SOCK_CLOEXEC\"],\"protocol\":\"IPPROTO_TCP\","
		   "\"result\":3,\"errno\":null,\"decision\":\"allow\","
		   "\"rule\":\"inet-tcp\",\"mode\":\"enforce\"," TAIL,
		   "socket");

	/* one end of a socketpair: AF_UNIX has no protocol names */
	e = example();
	e.call = "socketpair";
	e.self = 5;
	e.family = AF_UNIX;
	e.type = SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
	e.result = 0;
	e.rule = "quiet-unix";
	check_line(&e, HEAD "\"event\":\"socket.__new__\",\"args\":[5,1,526338,0],"
		   "\"call\":\"socketpair\",\"family\":\"AF_UNIX\",\"type\":\"SOCK_DGRAM\","
		   "\"flags\":[\"SOCK_NONBLOCK\",\"SOCK_CLOEXEC\"],\"protocol\":\"0\","
		   "\"result\":0,\"errno\":null,\"decision\":\"allow\","
		   "\"rule\":\"quiet-unix\",\"mode\":\"enforce\"," TAIL,
		   "socketpair");

	/* accept: the socket as the kernel describes it, from the notify layer */
	e = example();
	e.call = "accept4";
	e.self = 9;
	e.family = AF_INET6;
	e.type = SOCK_STREAM;
	e.protocol = IPPROTO_TCP;
	e.result = 9;
	e.rule = NULL;
	e.mode = "audit";
	e.layer = EVENT_NOTIFY;
	e.seq = 1;
	check_line(&e, "{\"v\":1,\"seq\":1,\"ts\":\"2026-11-24T04:05:06.123456789Z\","
		   "\"event\":\"socket.__new__\",\"args\":[9,10,1,6],"
		   "\"call\":\"accept4\",\"family\":\"AF_INET6\",\"type\":\"SOCK_STREAM\","
		   "\"flags\":[],\"protocol\":\"IPPROTO_TCP\","
		   "\"result\":9,\"errno\":null,\"decision\":\"allow\","
		   "\"rule\":null,\"mode\":\"audit\",\"pid\":4242,\"tid\":4242,"
		   "\"ppid\":4200,\"exe\":\"/usr/bin/curl\",\"comm\":\"curl\","
		   "\"layer\":\"notify\"}\n", "accept");

	/* shutdown */
	e = example();
	e.event = POLICY_EV_SHUTDOWN;
	e.call = "shutdown";
	e.type = SOCK_STREAM;
	e.protocol = IPPROTO_TCP;
	e.how = SHUT_WR;
	e.result = 0;
	e.rule = "quiet-shutdown";
	check_line(&e, HEAD "\"event\":\"socket.shutdown\",\"args\":[3,1],"
		   "\"call\":\"shutdown\",\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\","
		   "\"flags\":[],\"protocol\":\"IPPROTO_TCP\",\"how\":\"SHUT_WR\","
		   "\"result\":0,\"errno\":null,\"decision\":\"allow\","
		   "\"rule\":\"quiet-shutdown\",\"mode\":\"enforce\"," TAIL,
		   "shutdown");

	/* a denied call: no descriptor, the errno by name, ETH_P_* as passed */
	e = example();
	e.self_known = false;
	e.family = AF_PACKET;
	e.type = SOCK_RAW;
	e.protocol = htons(ETH_P_ALL);
	e.result = -1;
	e.err = EACCES;
	e.decision = EVENT_DENY;
	e.rule = "no-packet";
	check_line(&e, HEAD "\"event\":\"socket.__new__\",\"args\":[null,17,3,768],"
		   "\"call\":\"socket\",\"family\":\"AF_PACKET\",\"type\":\"SOCK_RAW\","
		   "\"flags\":[],\"protocol\":\"ETH_P_ALL\","
		   "\"result\":-1,\"errno\":\"EACCES\",\"decision\":\"deny\","
		   "\"rule\":\"no-packet\",\"mode\":\"enforce\"," TAIL,
		   "denied");

	/* shutdown of something that is not a socket: family unknown */
	e = example();
	e.event = POLICY_EV_SHUTDOWN;
	e.call = "shutdown";
	e.self = 0;
	e.family = -1;
	e.type = -1;
	e.protocol = -1;
	e.how = SHUT_RDWR;
	e.result = -1;
	e.err = ENOTSOCK;
	e.rule = NULL;
	check_line(&e, HEAD "\"event\":\"socket.shutdown\",\"args\":[0,2],"
		   "\"call\":\"shutdown\",\"family\":null,\"type\":null,"
		   "\"flags\":null,\"protocol\":null,\"how\":\"SHUT_RDWR\","
		   "\"result\":-1,\"errno\":\"ENOTSOCK\",\"decision\":\"allow\","
		   "\"rule\":null,\"mode\":\"enforce\"," TAIL,
		   "unknown family");

	/* a number without a name is written as a string: one type per key */
	e = example();
	e.self_known = false;
	e.family = 46;
	e.type = 12 | SOCK_CLOEXEC;
	e.protocol = 7;
	e.result = -1;
	e.err = 200;
	e.decision = EVENT_WOULD_DENY;
	e.mode = "audit";
	check_line(&e, HEAD "\"event\":\"socket.__new__\",\"args\":[null,46,524300,7],"
		   "\"call\":\"socket\",\"family\":\"46\",\"type\":\"12\","
		   "\"flags\":[\"SOCK_CLOEXEC\"],\"protocol\":\"7\","
		   "\"result\":-1,\"errno\":\"200\",\"decision\":\"would_deny\","
		   "\"rule\":\"inet-tcp\",\"mode\":\"audit\"," TAIL,
		   "unnamed numbers");

	e = example();
	e.protocol = 999;
	e.family = AF_INET6;
	e.event = POLICY_EV_SHUTDOWN;
	e.how = 7;
	e.call = "shutdown";
	e.result = -1;
	e.err = EINVAL;
	check_line(&e, HEAD "\"event\":\"socket.shutdown\",\"args\":[3,7],"
		   "\"call\":\"shutdown\",\"family\":\"AF_INET6\",\"type\":\"SOCK_STREAM\","
		   "\"flags\":[\"SOCK_CLOEXEC\"],\"protocol\":\"999\",\"how\":\"7\","
		   "\"result\":-1,\"errno\":\"EINVAL\",\"decision\":\"allow\","
		   "\"rule\":\"inet-tcp\",\"mode\":\"enforce\"," TAIL,
		   "unnamed protocol and how");

	/* a notified call let through: the result is not known */
	e = example();
	e.self_known = false;
	e.result_unknown = true;
	e.result = 12345;
	e.err = EPERM;
	e.layer = EVENT_NOTIFY;
	e.exe = NULL;
	e.comm = NULL;
	check_line(&e, HEAD "\"event\":\"socket.__new__\",\"args\":[null,2,524289,0],"
		   "\"call\":\"socket\",\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\","
		   "\"flags\":[\"SOCK_CLOEXEC\"],\"protocol\":\"IPPROTO_TCP\","
		   "\"result\":null,\"errno\":null,\"decision\":\"allow\","
		   "\"rule\":\"inet-tcp\",\"mode\":\"enforce\",\"pid\":4242,"
		   "\"tid\":4242,\"ppid\":4200,\"exe\":null,\"comm\":null,"
		   "\"layer\":\"notify\"}\n", "unknown result");
}

/* The "exe" of a line formatted with exe EXE, as written (between quotes). */
static const char *exe_written(const char *exe, size_t *n)
{
	struct event e = example();
	const char *start, *stop;

	e.exe = exe;
	*n = fmt(&e);
	start = strstr(line, ",\"exe\":\"");
	stop = strstr(line, "\",\"comm\":\"");
	if (!start || !stop)
		return NULL;
	start += 8;
	line[stop - line] = 0;
	return start;
}

/* The exe cJSON reads back from a line formatted with exe EXE. */
static void exe_decoded(const char *exe, const char *want, const char *name)
{
	struct event e = example();
	size_t n;
	cJSON *root, *item;

	e.exe = exe;
	n = fmt(&e);
	root = parse_line(line, n, name);
	item = root ? cJSON_GetObjectItemCaseSensitive(root, "exe") : NULL;
	if (item && cJSON_IsString(item))
		CHECK_STR(item->valuestring, want, "%s: decoded", name);
	else
		CHECK(0, "%s: exe is a string", name);
	cJSON_Delete(root);
}

static void test_escaping(void)
{
	static const struct {
		const char *name, *in, *written, *decoded;
	} rows[] = {
		{ "plain", "/usr/bin/curl", "/usr/bin/curl", "/usr/bin/curl" },
		{ "empty", "", "", "" },
		{ "quote", "a\"b", "a\\\"b", "a\"b" },
		{ "backslash", "a\\b", "a\\\\b", "a\\b" },
		{ "controls", "\x01\t\n\r\x1f", "\\u0001\\u0009\\u000a\\u000d\\u001f",
		  "\x01\t\n\r\x1f" },
		{ "DEL", "a\x7f", "a\\u007f", "a\x7f" },
		{ "slash kept", "/a/b", "/a/b", "/a/b" },
		{ "two-byte", "caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "three-byte", "\xe2\x82\xac 5", "\xe2\x82\xac 5", "\xe2\x82\xac 5" },
		{ "four-byte", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "U+FFFF", "\xef\xbf\xbf", "\xef\xbf\xbf", "\xef\xbf\xbf" },
		{ "U+10FFFF", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },
		/* invalid bytes read as Latin-1 */
		{ "lone 0xff", "a\xff", "a\\u00ff", "a\xc3\xbf" },
		{ "lone 0xe9", "caf\xe9", "caf\\u00e9", "caf\xc3\xa9" },
		{ "lone continuation", "\x80x", "\\u0080x", "\xc2\x80x" },
		{ "truncated two-byte", "\xc3", "\\u00c3", "\xc3\x83" },
		{ "truncated three-byte", "\xe2\x82", "\\u00e2\\u0082",
		  "\xc3\xa2\xc2\x82" },
		{ "overlong slash", "\xc0\xaf", "\\u00c0\\u00af", "\xc3\x80\xc2\xaf" },
		{ "overlong three-byte", "\xe0\x80\xaf", "\\u00e0\\u0080\\u00af",
		  "\xc3\xa0\xc2\x80\xc2\xaf" },
		{ "surrogate", "\xed\xa0\x80", "\\u00ed\\u00a0\\u0080",
		  "\xc3\xad\xc2\xa0\xc2\x80" },
		{ "above U+10FFFF", "\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080",
		  "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80" },
		{ "F5", "\xf5", "\\u00f5", "\xc3\xb5" },
		{ "bad then good", "\xff\xc3\xa9", "\\u00ff\xc3\xa9", "\xc3\xbf\xc3\xa9" },
		{ "lead then ASCII", "\xc3(", "\\u00c3(", "\xc3\x83(" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n;

		CHECK_STR(exe_written(rows[i].in, &n), rows[i].written,
			  "%s: written", rows[i].name);
		exe_decoded(rows[i].in, rows[i].decoded, rows[i].name);
	}

	/* every single byte, against the rule stated in event.c */
	for (int b = 1; b < 256; b++) {
		char in[4] = { 'x', (char)b, 'y', 0 }, want[16];
		size_t n;

		if (b == '"' || b == '\\')
			snprintf(want, sizeof(want), "x\\%cy", b);
		else if (b < 0x20 || b >= 0x7f)
			snprintf(want, sizeof(want), "x\\u00%02xy", b);
		else
			snprintf(want, sizeof(want), "x%cy", b);
		CHECK_STR(exe_written(in, &n), want, "byte 0x%02x", b);
	}

	/* comm and rule take the same path */
	{
		struct event e = example();
		size_t n;
		cJSON *root;

		e.comm = "a\"\x01\xff";
		e.rule = "r\\\n";
		e.call = "so\"cket";
		n = fmt(&e);
		root = parse_line(line, n, "comm and rule");
		CHECK(root && !strcmp(cJSON_GetObjectItem(root, "comm")->valuestring,
				      "a\"\x01\xc3\xbf") &&
		      !strcmp(cJSON_GetObjectItem(root, "rule")->valuestring, "r\\\n") &&
		      !strcmp(cJSON_GetObjectItem(root, "call")->valuestring, "so\"cket"),
		      "comm, rule and call escaped");
		cJSON_Delete(root);
	}
}

static char *repeat(const char *unit, size_t times)
{
	size_t len = strlen(unit);
	char *s = malloc(len * times + 1);

	for (size_t i = 0; i < times; i++)
		memcpy(s + i * len, unit, len);
	s[len * times] = 0;
	return s;
}

static void test_truncation(void)
{
	static const struct {
		const char *unit;
		size_t times;
		const char *decoded_unit;	/* what one unit reads back as */
	} rows[] = {
		{ "a", 5000, "a" },
		{ "\x01", 5000, "\x01" },
		{ "\xc3\xa9", 2500, "\xc3\xa9" },
		{ "\xe2\x82\xac", 1700, "\xe2\x82\xac" },
		{ "\xf0\x9f\x98\x80", 1250, "\xf0\x9f\x98\x80" },
		{ "\xff", 5000, "\xc3\xbf" },
		{ "\"", 5000, "\"" },
		{ "ab\xe2\x82\xac\x01", 1000, "ab\xe2\x82\xac\x01" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *exe = repeat(rows[i].unit, rows[i].times);
		struct event e = example();
		size_t n, len, ulen = strlen(rows[i].decoded_unit);
		cJSON *root, *item;
		char name[64];

		snprintf(name, sizeof(name), "5000-byte exe %zu", i);
		e.exe = exe;
		n = fmt(&e);
		root = parse_line(line, n, name);
		item = root ? cJSON_GetObjectItem(root, "exe") : NULL;
		if (!CHECK(item && cJSON_IsString(item), "%s: exe is a string", name)) {
			cJSON_Delete(root);
			free(exe);
			continue;
		}
		len = strlen(item->valuestring);
		CHECK(len > 0 && len < strlen(exe) * 2, "%s: cut (%zu bytes)", name, len);
		/* cut at a character boundary: a prefix of whole characters */
		{
			size_t k = 0;
			const char *du = rows[i].decoded_unit;
			int ok = 1;

			for (; k < len; k++)
				if (item->valuestring[k] != du[k % ulen])
					ok = 0;
			CHECK(ok, "%s: a prefix of the input", name);
		}
		CHECK(strstr(line, ",\"comm\":\"curl\",\"layer\":\"preload\"}\n") != NULL,
		      "%s: the fields after exe are whole", name);
		cJSON_Delete(root);
		free(exe);
	}
}

/* The widest line there is: every string long and all escapes, every number
 * at its widest. */
static void test_worst_case(void)
{
	char *junk = repeat("\x01", 5000);
	struct event e = {
		.seq = UINT64_MAX,
		.ts = { INT32_MAX, 999999999 },
		.event = POLICY_EV_NEW,
		.call = junk,
		.self = LONG_MIN, .self_known = true,
		.family = INT_MIN, .type = INT_MIN, .protocol = INT_MIN,
		.result = LONG_MIN, .err = INT_MIN,
		.decision = EVENT_WOULD_DENY, .rule = junk, .mode = junk,
		.pid = INT_MIN, .tid = INT_MIN, .ppid = INT_MIN,
		.exe = junk, .comm = junk, .layer = EVENT_NOTIFY,
	};
	size_t n = fmt(&e);
	cJSON *root = parse_line(line, n, "worst case");

	CHECK(root != NULL, "worst case line is JSON (%zu bytes)", n);
	cJSON_Delete(root);

	e.event = POLICY_EV_SHUTDOWN;
	e.how = INT_MIN;
	n = fmt(&e);
	root = parse_line(line, n, "worst case shutdown");
	cJSON_Delete(root);

	/* a buffer too small gives nothing rather than a broken line */
	e = example();
	CHECK_INT(event_format(line, 50, &e), 0, "50-byte buffer: 0");
	CHECK_INT(event_format(line, 0, &e), 0, "0-byte buffer: 0");
	n = fmt(&e);
	CHECK_INT(event_format(line, n - 1, &e), 0, "one byte short: 0");
	CHECK_INT(event_format(line, n, &e), n, "exactly enough (no NUL): the line");
	free(junk);
}

static void test_timestamps(void)
{
	static const struct {
		time_t sec;
		long nsec;
		const char *want;
	} rows[] = {
		{ 0, 0, "1970-01-01T00:00:00.000000000Z" },
		{ 0, 1, "1970-01-01T00:00:00.000000001Z" },
		{ -1, 0, "1969-12-31T23:59:59.000000000Z" },
		{ 951782400, 0, "2000-02-29T00:00:00.000000000Z" },
		{ 1709164800, 0, "2024-02-29T00:00:00.000000000Z" },
		{ 1709251199, 999999999, "2024-02-29T23:59:59.999999999Z" },
		{ 1709251200, 0, "2024-03-01T00:00:00.000000000Z" },
		{ 1795493106, 123456789, "2026-11-24T04:05:06.123456789Z" },
		{ 4107499200, 500, "2100-02-28T12:00:00.000000500Z" },
		{ 4107542400, 0, "2100-03-01T00:00:00.000000000Z" },	/* no leap day */
		{ 4102444800, 0, "2100-01-01T00:00:00.000000000Z" },
		{ 253402300799, 0, "9999-12-31T23:59:59.000000000Z" },
		{ 1735689599, 0, "2024-12-31T23:59:59.000000000Z" },	/* day 366 */
		{ 0, 1000000000, "1970-01-01T00:00:00.000000000Z" },	/* bad nsec */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct event e = example();
		char got[64] = "";
		const char *ts;

		e.ts.tv_sec = rows[i].sec;
		e.ts.tv_nsec = rows[i].nsec;
		fmt(&e);
		ts = strstr(line, "\"ts\":\"");
		if (ts)
			memcpy(got, ts + 6, 30);
		CHECK_STR(got, rows[i].want, "ts %lld.%09ld", (long long)rows[i].sec,
			  rows[i].nsec);
	}

	/* gmtime_r (fine in a test) as the oracle, across four centuries */
	{
		int bad = 0, checked = 0;

		for (long long s = -2208988800LL; s < 13569465600LL; s += 86400 * 7 + 3607) {
			struct event e = example();
			struct tm tm;
			time_t t = (time_t)s;
			char want[64], got[64] = "";
			const char *ts;

			gmtime_r(&t, &tm);
			strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.000000042Z", &tm);
			e.ts.tv_sec = t;
			e.ts.tv_nsec = 42;
			fmt(&e);
			ts = strstr(line, "\"ts\":\"");
			if (ts)
				memcpy(got, ts + 6, 30);
			checked++;
			if (strcmp(got, want) && bad++ < 3)
				printf("# %lld: got %s want %s\n", s, got, want);
		}
		CHECK(bad == 0, "%d instants 1900..2400 agree with gmtime_r", checked);
	}
}


/* Every key keeps one JSON type across events (null only where the schema
 * allows it), over a grid of named and unnamed values, both events, both
 * layers, known and unknown results: what a typed sink needs. */
static void test_one_type_per_key(void)
{
	static const int families[] = { -1, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, 50, 4242 };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM | SOCK_CLOEXEC, SOCK_RAW, 12, 99 };
	static const int protocols[] = { 0, IPPROTO_TCP, 7, 999 };
	static const int errs[] = { 0, EACCES, 200 };
	static const char *const nullable[] = {
		"args", "family", "type", "flags", "protocol", "result", "errno", "rule",
		"exe", "comm", NULL,
	};
	const char *keys[32];
	int masks[32], nulls[32], nkeys = 0, lines = 0, bad = 0;

	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
	for (size_t pr = 0; pr < sizeof(protocols) / sizeof(protocols[0]); pr++)
	for (size_t er = 0; er < sizeof(errs) / sizeof(errs[0]); er++)
	for (int variant = 0; variant < 4; variant++) {
		struct event e = example();
		cJSON *root;

		e.family = families[f];
		e.type = types[t];
		e.protocol = protocols[pr];
		e.err = errs[er];
		e.result = e.err ? -1 : 3;
		e.event = variant & 1 ? POLICY_EV_SHUTDOWN : POLICY_EV_NEW;
		e.how = (int)(pr + er) % 4;	/* 3: no name */
		e.layer = variant & 2 ? EVENT_NOTIFY : EVENT_PRELOAD;
		e.result_unknown = variant == 2;
		e.self_known = variant != 2;
		e.decision = (enum event_decision)((f + t) % EVENT_DECISION_COUNT);
		e.rule = pr ? "r" : NULL;
		e.exe = er ? e.exe : NULL;
		root = cJSON_ParseWithLength(line, fmt(&e));
		if (!root) {
			bad++;
			continue;
		}
		lines++;
		for (cJSON *c = root->child; c; c = c->next) {
			int k;

			for (k = 0; k < nkeys && strcmp(keys[k], c->string); k++)
				;
			if (k == nkeys) {
				if (nkeys == 32)
					break;
				keys[nkeys] = strdup(c->string);
				masks[nkeys] = nulls[nkeys] = 0;
				nkeys++;
			}
			if (cJSON_IsNull(c))
				nulls[k] = 1;
			else
				masks[k] |= c->type & 0xff;
		}
		cJSON_Delete(root);
	}
	CHECK_INT(bad, 0, "one-type grid: every line is JSON (%d lines)", lines);
	CHECK_INT(nkeys, 22, "one-type grid: every key of the schema seen");
	for (int k = 0; k < nkeys; k++) {
		bool may_be_null = false;

		for (const char *const *n = nullable; *n; n++)
			may_be_null |= !strcmp(*n, keys[k]);
		/* One bit: one cJSON type (true and false are cJSON_True/False,
		 * never used here). */
		CHECK(masks[k] && !(masks[k] & (masks[k] - 1)),
		      "key \"%s\" has one JSON type (cJSON types 0x%x)", keys[k], masks[k]);
		if (!may_be_null)
			CHECK(!nulls[k], "key \"%s\" is never null", keys[k]);
		free((char *)keys[k]);
	}
}

/* The schema's words: one table, each word back to its enum. */
static void test_schema_words(void)
{
	static const struct {
		enum policy_action a;
		enum policy_mode m;
		enum event_decision want;
	} t[] = {
		{ POLICY_ALLOW, POLICY_ENFORCE, EVENT_ALLOW }, { POLICY_ALLOW, POLICY_AUDIT, EVENT_ALLOW },
		{ POLICY_DENY, POLICY_ENFORCE, EVENT_DENY }, { POLICY_DENY, POLICY_AUDIT, EVENT_WOULD_DENY },
		{ POLICY_KILL, POLICY_ENFORCE, EVENT_KILL }, { POLICY_KILL, POLICY_AUDIT, EVENT_WOULD_DENY },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct policy_decision d = { .action = t[i].a, .rule = -1 };

		CHECK_INT(event_decision_of(&d, t[i].m), t[i].want, "decision of action %d, mode %d",
			  (int)t[i].a, (int)t[i].m);
	}
	CHECK_STR(event_decision_word(EVENT_WOULD_DENY), "would_deny", "would_deny's word");
	CHECK_STR(event_layer_word(EVENT_NOTIFY), "notify", "notify's word");
	CHECK_STR(event_name_word(POLICY_EV_SHUTDOWN), "socket.shutdown", "shutdown's word");
	for (int d = 0; d < EVENT_DECISION_COUNT; d++) {
		const char *w = event_decision_word((enum event_decision)d);

		CHECK_INT(event_decision_parse(w, strlen(w)), d, "decision word '%s' reads back", w);
	}
	for (int l = 0; l < EVENT_LAYER_COUNT; l++) {
		const char *w = event_layer_word((enum event_layer)l);

		CHECK_INT(event_layer_parse(w, strlen(w)), l, "layer word '%s' reads back", w);
	}
	CHECK_INT(event_name_parse("socket.__new__", 14), POLICY_EV_NEW, "event word reads back");
	CHECK_INT(event_decision_parse("allowed", 5), EVENT_ALLOW, "a span, not a C string");
	CHECK_INT(event_decision_parse("allo", 4), -1, "a prefix is no word");
	CHECK_INT(event_layer_parse("seccomp", 7), -1, "an unknown layer");
	CHECK_STR(event_decision_word(EVENT_DECISION_COUNT), "?", "out of range");
	/* The version the writer puts first. */
	fmt(&(struct event){ .decision = EVENT_ALLOW });
	CHECK(!strncmp(line, "{\"v\":1,", 7) && EVENT_SCHEMA_VERSION == 1, "\"v\" is EVENT_SCHEMA_VERSION");
}

/* Address events and a lookup, packed and back (check_packed). */
static void test_packed(void)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(443),
				   .sin6_scope_id = 2 };
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct addrinfo ai[3] = { 0 };
	struct calls_addr a;
	struct event e = example();

	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	calls_addr_decode(&s6, sizeof(s6), &a);
	e.event = POLICY_EV_CONNECT;
	e.call = "connect";
	e.addr = &a;
	check_packed(&e, "connect inet6");

	memcpy(su.sun_path, "\0abs\xff", 5);
	calls_addr_decode(&su, offsetof(struct sockaddr_un, sun_path) + 5, &a);
	e.event = POLICY_EV_BIND;
	e.call = "bind";
	check_packed(&e, "bind abstract");

	calls_addr_decode(&s4, 3, &a);	/* short */
	check_packed(&e, "bind short");

	e = example();
	e.peer = true;
	calls_addr_decode(&s6, sizeof(s6), &a);
	e.addr = &a;
	e.call = "accept";
	check_packed(&e, "accept peer");

	e = example();
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	ai[0].ai_addr = (struct sockaddr *)&s4;
	ai[0].ai_addrlen = sizeof(s4);
	ai[0].ai_next = &ai[1];
	ai[1] = ai[0];		/* the same again: shown once */
	ai[1].ai_next = &ai[2];
	ai[2].ai_addr = (struct sockaddr *)&s6;
	ai[2].ai_addrlen = sizeof(s6);
	e.event = POLICY_EV_GETADDRINFO;
	e.call = "getaddrinfo";
	e.host = "localhost";
	e.service = "http";
	e.found = ai;
	e.result = 0;
	check_packed(&e, "getaddrinfo");
	e.found = NULL;
	e.service = NULL;
	e.result = EAI_NONAME;
	check_packed(&e, "getaddrinfo failed");

	/* Every string far over its budget, in characters of each width: the
	 * record keeps what the line shows, fits the ring and makes the same
	 * line (a 5000-byte exe or host used to make a record the ring
	 * refused: the event was lost). */
	static const char *const units[] = { "a", "\x01", "\xc3\xa9", "\xf0\x9f\x98\x80", "\xff" };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t times = 5000 / strlen(units[i]);
		char *big = repeat(units[i], times);
		struct event_packing pk;
		char name[64];

		e.call = e.rule = e.mode = e.exe = e.comm = e.host = e.service = big;
		e.found = ai;
		e.result = 0;
		snprintf(name, sizeof(name), "getaddrinfo, 5000-byte strings %zu", i);
		CHECK(event_pack_measure(&e, &pk) <= EVENT_PACKED_MAX, "%s: fits", name);
		check_packed(&e, name);
		e.event = POLICY_EV_CONNECT;
		e.found = NULL;
		e.host = e.service = NULL;
		e.addr = &a;
		snprintf(name, sizeof(name), "connect, 5000-byte strings %zu", i);
		CHECK(event_pack_measure(&e, &pk) <= EVENT_PACKED_MAX, "%s: fits", name);
		check_packed(&e, name);
		e.event = POLICY_EV_GETADDRINFO;
		e.addr = NULL;
		free(big);
	}
}

/* Numbers at every digit count, both sides of each power of ten, against
 * snprintf: seq (unsigned 64-bit) and self (signed). */
static void test_numbers(void)
{
	uint64_t u[64];
	size_t n = 0;
	struct event e = example();
	char want[64], key[48];

	u[n++] = 0;
	for (uint64_t p = 1; n + 3 < sizeof(u) / sizeof(u[0]); p *= 10) {
		u[n++] = p - 1;
		u[n++] = p;
		u[n++] = p + 1;
		if (p > UINT64_MAX / 10)
			break;
	}
	u[n++] = UINT32_MAX;
	u[n++] = (uint64_t)UINT32_MAX + 1;
	u[n++] = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		e.seq = u[i];
		fmt(&e);
		snprintf(want, sizeof(want), "\"seq\":%llu,", (unsigned long long)u[i]);
		snprintf(key, sizeof(key), "number %llu as seq", (unsigned long long)u[i]);
		CHECK(strstr(line, want) != NULL, "%s", key);
		e.seq = 7;
		e.self = u[i] > LONG_MAX ? LONG_MIN : -(long)u[i];
		fmt(&e);
		snprintf(want, sizeof(want), "\"args\":[%ld,", e.self);
		CHECK(strstr(line, want) != NULL, "number %ld as self", e.self);
	}
}

/* The launcher keeps the ident of the last exe and comm it unpacked: a
 * record of another program, or of the same exe under another comm, or the
 * other way round, gets its own. */
static void test_unpacked_ident(void)
{
	static const char *const pairs[][2] = {
		{ "/usr/bin/curl", "curl" }, { "/usr/bin/curl", "curl" },
		{ "/usr/bin/wget", "curl" }, { "/usr/bin/wget", "wget" },
		{ "/usr/bin/curl", "wget" }, { "/usr/bin/curl", "curl" },
		{ "/usr/bin/curlx", "curl" }, { "/usr/bin/cur", "curl" },
		{ "/usr/bin/cur", "curl\"" },
	};
	static struct event_unpacked u;
	static char rec[EVENT_LINE_MAX], out[EVENT_LINE_MAX];
	struct event e = example(), back;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t n, direct;

		e.exe = pairs[i][0];
		e.comm = pairs[i][1];
		n = event_pack(rec, sizeof(rec), &e);
		if (!CHECK(n > 0 && event_unpack(rec, n, &back, &u), "ident %zu: unpacks", i))
			continue;
		direct = fmt(&e);
		CHECK(back.ident != NULL && event_format(out, sizeof(out), &back) == direct &&
			      !memcmp(out, line, direct),
		      "ident %zu (%s, %s): the line as formatted directly", i, pairs[i][0],
		      pairs[i][1]);
	}
}

/* A writer's memo of the last socket (struct event's memo) gives every
 * line what formatting it afresh gives, across sockets that differ in one
 * fact each, and the unknown socket. */
static void test_memo(void)
{
	static const int sockets[][3] = {
		{ AF_INET, SOCK_STREAM, 0 }, { AF_INET, SOCK_STREAM, 0 },
		{ AF_INET, SOCK_DGRAM, 0 }, { AF_INET6, SOCK_DGRAM, 0 },
		{ AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0 }, { AF_INET6, SOCK_DGRAM, 17 },
		{ -1, 0, 0 }, { AF_UNIX, SOCK_STREAM, 0 }, { 99, 77, 12345 },
		{ AF_INET, SOCK_STREAM, 0 },
	};
	static struct event_memo memo;
	static char out[EVENT_LINE_MAX];
	struct event e = example(), with;

	for (size_t i = 0; i < sizeof(sockets) / sizeof(sockets[0]); i++) {
		size_t direct, n;

		e.family = sockets[i][0];
		e.type = sockets[i][1];
		e.protocol = sockets[i][2];
		direct = fmt(&e);
		with = e;
		with.memo = &memo;
		n = event_format(out, sizeof(out), &with);
		CHECK(n == direct && !memcmp(out, line, n), "memo %zu (%d, %d, %d): the line", i,
		      e.family, e.type, e.protocol);
	}
}

int main(void)
{
	test_numbers();
	test_memo();
	test_unpacked_ident();
	test_packed();
	test_exact_lines();
	test_escaping();
	test_truncation();
	test_worst_case();
	test_timestamps();
	test_one_type_per_key();
	test_schema_words();
	return check_done();
}
