/* SPDX-License-Identifier: MIT */
/* test_logread.c - the event line scanner and the streaming reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <sys/un.h>

#include "addr.h"
#include "calls.h"

#include "check.h"
#include "event.h"
#include "logread.h"
#include "scan.h"

#define EV_NEW "{\"v\":1,\"seq\":7,\"ts\":\"2026-11-24T04:05:06.123456789Z\",\"event\":\"socket.__new__\"," \
	"\"args\":[3,2,524289,0],\"call\":\"socket\",\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\"," \
	"\"flags\":[\"SOCK_CLOEXEC\"],\"protocol\":\"IPPROTO_TCP\",\"result\":3,\"errno\":null," \
	"\"decision\":\"allow\",\"rule\":\"inet-tcp\",\"mode\":\"enforce\",\"pid\":4242,\"tid\":4242," \
	"\"ppid\":4200,\"exe\":\"/usr/bin/curl\",\"comm\":\"curl\",\"layer\":\"preload\"}"

#define EV_SHUT "{\"v\":1,\"seq\":8,\"ts\":\"2026-11-24T04:05:07Z\",\"event\":\"socket.shutdown\"," \
	"\"args\":[null,1],\"call\":\"shutdown\",\"family\":null,\"type\":null,\"flags\":null," \
	"\"protocol\":null,\"how\":\"SHUT_WR\",\"result\":null,\"errno\":null,\"decision\":\"would_deny\"," \
	"\"rule\":null,\"mode\":\"audit\",\"pid\":1,\"tid\":1,\"ppid\":0,\"exe\":null,\"comm\":\"x\",\"layer\":\"notify\"}"

static enum logread_junk parse(const char *s, struct logread_event *ev, char *detail)
{
	return logread_parse_line(s, strlen(s), ev, detail, 128);
}

static bool str_eq(struct logread_str s, const char *want)
{
	return s.p && s.len == strlen(want) && !memcmp(s.p, want, s.len);
}

static void test_event(void)
{
	struct logread_event ev;
	char detail[128];

	CHECK_INT(parse(EV_NEW, &ev, detail), LOGREAD_JUNK_NONE, "the schema's example is an event");
	CHECK_INT(ev.seq, 7, "seq");
	CHECK_INT(ev.ts, 1795493106123456789LL, "ts to nanoseconds");
	CHECK_INT(ev.event, POLICY_EV_NEW, "event");
	CHECK_INT(ev.nargs, 4, "four args");
	CHECK_INT(ev.args[2], 524289, "raw type with SOCK_CLOEXEC");
	CHECK(str_eq(ev.family.name, "AF_INET") && ev.family.kind == LOGREAD_NAME, "family name");
	CHECK(str_eq(ev.family.raw, "\"AF_INET\""), "family raw text");
	CHECK(str_eq(ev.flags, "[\"SOCK_CLOEXEC\"]"), "flags array text");
	CHECK_INT(ev.decision, EVENT_ALLOW, "decision");
	CHECK(str_eq(ev.rule, "inet-tcp"), "rule");
	CHECK_INT(ev.pid, 4242, "pid");
	CHECK(str_eq(ev.exe, "/usr/bin/curl"), "exe");
	CHECK_INT(ev.layer, EVENT_PRELOAD, "layer");
	CHECK(ev.err.kind == LOGREAD_NULL, "errno null");

	CHECK_INT(parse(EV_SHUT, &ev, detail), LOGREAD_JUNK_NONE, "a shutdown with nulls is an event");
	CHECK_INT(ev.event, POLICY_EV_SHUTDOWN, "shutdown event");
	CHECK(ev.args_null[0] && !ev.args_null[1] && ev.args[1] == 1, "args [null, 1]");
	CHECK(ev.result_null, "result null");
	CHECK(ev.rule.p == NULL, "rule null: the default");
	CHECK(ev.exe.p == NULL, "exe null");
	CHECK_INT(ev.decision, EVENT_WOULD_DENY, "would_deny");
	CHECK_INT(ev.layer, EVENT_NOTIFY, "notify layer");

	/* Key order and whitespace do not matter; unknown keys are skipped. */
	CHECK_INT(parse(" { \"layer\" : \"preload\" , \"pid\" : 5 , \"decision\":\"deny\", \"future\": {\"a\":[1,{\"b\":null}]},"
			"\"args\":[ 4 , 10 , 2 , 17 ], \"event\":\"socket.__new__\", \"ts\":\"2026-01-01T00:00:00+01:00\","
			"\"seq\":1, \"v\":1 }\r", &ev, detail), LOGREAD_JUNK_NONE, "any key order, whitespace, unknown keys");
	CHECK_INT(ev.args[3], 17, "args in a reordered event");
	CHECK_INT(ev.ts, 1767222000LL * 1000000000, "a time with an offset");
}

static const struct {
	const char *line;
	enum logread_junk junk;
	const char *detail;
} junk_cases[] = {
	{ "{\"v\":1,\"seq\":7,\"ts\":\"2026-11-24T04:05", LOGREAD_JUNK_TRUNCATED, "" },
	{ "{\"v\":1,\"seq\":7", LOGREAD_JUNK_TRUNCATED, "" },
	{ "{\"v\":1,\"seq\":7,", LOGREAD_JUNK_TRUNCATED, "" },
	{ "{\"v\":1,\"seq\":-", LOGREAD_JUNK_TRUNCATED, "" },
	{ "hello world", LOGREAD_JUNK_SYNTAX, "" },
	{ "{\"v\":1,}", LOGREAD_JUNK_SYNTAX, "" },
	{ "{\"v\":01}", LOGREAD_JUNK_SYNTAX, "" },
	{ "{\"v\":1} x", LOGREAD_JUNK_SYNTAX, "bytes after the object" },
	{ "{\"a\":\"\\x\"}", LOGREAD_JUNK_SYNTAX, "" },
	{ "{\"a\":\"\xff\"}", LOGREAD_JUNK_BINARY, "" },
	{ "{\"a\":\"\xc0\xaf\"}", LOGREAD_JUNK_BINARY, "" },
	{ "\x01\x02\x03garbage", LOGREAD_JUNK_BINARY, "" },
	{ "[1,2,3]", LOGREAD_JUNK_FOREIGN, "a JSON array, not an object" },
	{ "{\"msg\":\"hello\"}", LOGREAD_JUNK_FOREIGN, "no \"v\" key" },
	{ "{\"v\":2,\"whatever\":true}", LOGREAD_JUNK_VERSION, "schema version 2; this reader knows 1" },
	{ "{\"v\":1,\"seq\":1}", LOGREAD_JUNK_BAD_FIELD, "missing key \"ts\"" },
	{ "{\"v\":\"1\"}", LOGREAD_JUNK_BAD_FIELD, "bad \"v\"" },
	{ "{\"v\":1,\"seq\":1,\"seq\":2}", LOGREAD_JUNK_BAD_FIELD, "duplicate or bad key \"seq\"" },
	{ "{\"v\":1,\"pid\":1.5}", LOGREAD_JUNK_BAD_FIELD, "bad key \"pid\"" },
	{ "{\"v\":1,\"ts\":\"yesterday\"}", LOGREAD_JUNK_BAD_FIELD, "bad key \"ts\"" },
	{ "{\"v\":1,\"decision\":\"maybe\"}", LOGREAD_JUNK_BAD_FIELD, "bad key \"decision\"" },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
	  LOGREAD_JUNK_DEEP, "" },
};

static void test_junk(void)
{
	struct logread_event ev;
	char detail[128];

	for (size_t i = 0; i < sizeof(junk_cases) / sizeof(junk_cases[0]); i++) {
		enum logread_junk j = parse(junk_cases[i].line, &ev, detail);
		CHECK_INT(j, junk_cases[i].junk, "junk %zu is %s", i, logread_junk_name(junk_cases[i].junk));
		if (junk_cases[i].detail[0])
			CHECK_STR(detail, junk_cases[i].detail, "junk %zu detail", i);
	}
	static const char nul[] = "{\"v\":1\0}";
	CHECK_INT(logread_parse_line(nul, sizeof(nul) - 1, &ev, detail, sizeof(detail)),
		  LOGREAD_JUNK_NUL, "a NUL byte");

	/* Every prefix of a valid event is junk, never an event. */
	size_t n = strlen(EV_NEW);
	int bad = 0;
	for (size_t k = 0; k < n; k++)
		if (logread_parse_line(EV_NEW, k, &ev, NULL, 0) == LOGREAD_JUNK_NONE)
			bad++;
	CHECK_INT(bad, 0, "no prefix of an event parses");
}

static void test_unescape(void)
{
	struct logread_str s = { "a\\\"b\\u00ff\\u00e9\\u20ac\\ud83d\\ude00\\n", 0 };
	char buf[32];
	long n;

	s.len = strlen(s.p);
	n = logread_unescape(s, buf, sizeof(buf));
	CHECK_INT(n, 13, "unescaped length");
	CHECK(!memcmp(buf, "a\"b\xff\xe9\xe2\x82\xac\xf0\x9f\x98\x80\n", 13),
	      "escapes, raw bytes from \\u00XX, BMP and a surrogate pair");
	CHECK_INT(logread_unescape(s, buf, 4), -ENAMETOOLONG, "too small a buffer");
}

static void test_time(void)
{
	int64_t ns;

	CHECK_INT(logread_parse_time("1970-01-01T00:00:00Z", 20, &ns), 0, "the epoch");
	CHECK_INT(ns, 0, "is zero");
	CHECK_INT(logread_parse_time("2026-11-24", 10, &ns), 0, "a date");
	CHECK_INT(ns, 1795478400LL * 1000000000, "a date is its midnight UTC");
	CHECK_INT(logread_parse_time("2026-02-30T00:00:00Z", 20, &ns), -EINVAL, "February 30th");
	CHECK_INT(logread_parse_time("2026-02-29T00:00:00Z", 20, &ns), -EINVAL,
		  "February 29th of a common year");
	CHECK_INT(logread_parse_time("1900-02-29", 10, &ns), -EINVAL, "1900 was no leap year");
	CHECK_INT(logread_parse_time("2000-02-29", 10, &ns), 0, "2000 was one");
	CHECK_INT(logread_parse_time("2028-02-29T12:00:00Z", 20, &ns), 0, "2028 is one");
	{
		char buf[32];

		logread_format_time(buf, sizeof(buf), ns);
		CHECK_STR(buf, "2028-02-29T12:00:00Z", "formatted back");
		logread_format_time(buf, sizeof(buf), -1);
		CHECK_STR(buf, "1969-12-31T23:59:59Z", "before the epoch, rounded down");
	}
	CHECK_INT(logread_parse_time("2026-11-24T04:05:06", 19, &ns), -EINVAL, "no zone");
	CHECK_INT(logread_parse_time("2026-11-24T04:05:06.Z", 21, &ns), -EINVAL, "empty fraction");
}

/* The reader: lines across buffer refills, a huge line skipped in constant
 * memory, blank lines, a last line without its newline. */
static void test_reader(void)
{
	int fds[2];
	FILE *w;
	struct logread *r;
	struct logread_event ev;
	enum logread_junk junk;
	char detail[128];
	int st, events = 0, junks = 0, toolong = 0;
	uint64_t toolong_line = 0;

	CHECK(pipe(fds) == 0, "pipe");
	if (fork() == 0) {
		close(fds[0]);
		w = fdopen(fds[1], "w");
		for (int i = 0; i < 3000; i++)
			fprintf(w, "%s\n", EV_NEW);
		fputs("\n   \n", w);
		fputc('{', w);
		for (int i = 0; i < 3 * LOGREAD_LINE_MAX; i++)
			fputc('x', w);
		fputc('\n', w);
		fprintf(w, "%s\nnot json\n%s", EV_SHUT, EV_NEW);
		fclose(w);
		_exit(0);
	}
	close(fds[1]);
	r = logread_open(fds[0]);
	while ((st = logread_next(r, &ev, &junk, detail, sizeof(detail))) > 0) {
		if (st == LOGREAD_EVENT)
			events++;
		else {
			junks++;
			if (junk == LOGREAD_JUNK_TOO_LONG) {
				toolong++;
				toolong_line = logread_line(r);
			}
		}
	}
	CHECK_INT(st, LOGREAD_EOF, "ends at EOF");
	CHECK_INT(events, 3002, "every event read");
	CHECK_INT(junks, 2, "two junk lines");
	CHECK_INT(toolong, 1, "the long line is junk");
	CHECK_INT(toolong_line, 3003, "at its line number");
	CHECK_INT(logread_line(r), 3006, "line count");
	logread_close(r);
	close(fds[0]);
}

static void test_json_member(void)
{
	static const char pol[] = "{ \"version\": 1, \"rules\": [ {\"id\": \"a\"} ] , \"x\": {} }";
	static const char norules[] = "{\"version\": 1}\n";
	size_t vs = 0, ve = 0, oe = 0;

	CHECK_INT(json_find_member(pol, strlen(pol), "rules", &vs, &ve, &oe), 0, "rules found");
	CHECK(pol[vs] == '[' && pol[ve - 1] == ']', "the value's span is the array");
	CHECK_INT(oe, strlen(pol) - 1, "the closing brace");
	CHECK_INT(json_find_member(norules, strlen(norules), "rules", &vs, &ve, &oe), -ENOENT,
		  "no rules member");
	CHECK_INT(oe, 13, "its closing brace still found");
	CHECK_INT(json_find_member("[1]", 3, "rules", &vs, &ve, &oe), -EINVAL, "not an object");
	CHECK_INT(json_find_member("{\"a\":1} {", 10, "a", &vs, &ve, &oe), -EINVAL, "trailing bytes");
}


/* Values without a name: this writer's decimal strings and the bare numbers
 * of older logs read alike, and decide alike. */
static void test_unnamed_values(void)
{
	static const char *const lines[2] = {
		"{\"v\":1,\"seq\":1,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"socket.__new__\","
		"\"args\":[null,50,12,7],\"call\":\"socket\",\"family\":\"50\",\"type\":\"12\","
		"\"flags\":[],\"protocol\":\"7\",\"result\":-1,\"errno\":\"200\",\"decision\":\"deny\","
		"\"rule\":null,\"mode\":\"enforce\",\"pid\":1,\"tid\":1,\"ppid\":0,\"exe\":null,"
		"\"comm\":null,\"layer\":\"notify\"}",
		"{\"v\":1,\"seq\":1,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"socket.__new__\","
		"\"args\":[null,50,12,7],\"call\":\"socket\",\"family\":50,\"type\":12,"
		"\"flags\":[],\"protocol\":7,\"result\":-1,\"errno\":200,\"decision\":\"deny\","
		"\"rule\":null,\"mode\":\"enforce\",\"pid\":1,\"tid\":1,\"ppid\":0,\"exe\":null,"
		"\"comm\":null,\"layer\":\"notify\"}",
	};
	static const char *const form[2] = { "string", "bare number" };
	struct logread_event ev;
	struct policy_call call;
	char detail[128];

	for (int i = 0; i < 2; i++) {
		CHECK_INT(parse(lines[i], &ev, detail), LOGREAD_JUNK_NONE, "%s form: an event", form[i]);
		CHECK(ev.family.kind == LOGREAD_NUM && ev.family.num == 50, "%s form: family 50", form[i]);
		CHECK(ev.type.kind == LOGREAD_NUM && ev.type.num == 12, "%s form: type 12", form[i]);
		CHECK(ev.protocol.kind == LOGREAD_NUM && ev.protocol.num == 7, "%s form: protocol 7", form[i]);
		CHECK(ev.err.kind == LOGREAD_NUM && ev.err.num == 200, "%s form: errno 200", form[i]);
		CHECK_INT(ev.decision, EVENT_DENY, "%s form: decision", form[i]);
		CHECK_INT(ev.layer, EVENT_NOTIFY, "%s form: layer", form[i]);
		CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "%s form: a call", form[i]);
		CHECK(call.family == 50 && call.type == 12 && call.protocol == 7, "%s form: its facts", form[i]);
	}

	/* A shutdown with an unnamed how, from the decoded fields alone. */
	CHECK_INT(parse("{\"v\":1,\"seq\":2,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"socket.shutdown\","
			"\"args\":[3,null],\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\",\"protocol\":\"-1\","
			"\"how\":\"7\",\"decision\":\"allow\",\"pid\":1,\"layer\":\"preload\"}", &ev, detail),
		  LOGREAD_JUNK_NONE, "shutdown with decimal strings");
	CHECK(ev.how.kind == LOGREAD_NUM && ev.how.num == 7, "how \"7\" is the number 7");
	CHECK(ev.protocol.kind == LOGREAD_NUM && ev.protocol.num == -1, "\"-1\" is a number");
	CHECK(ev.family.kind == LOGREAD_NAME && str_eq(ev.family.name, "AF_INET"), "a name stays a name");
	CHECK(str_eq(ev.how.raw, "\"7\""), "raw keeps the string's text");
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "shutdown: a call");
	CHECK_INT(call.how, 7, "shutdown: how from the string");
	CHECK_INT(call.family, AF_INET, "shutdown: family from its name");

	/* Not decimal: names, however odd. */
	CHECK_INT(parse("{\"v\":1,\"seq\":1,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"socket.shutdown\","
			"\"args\":[3,1],\"family\":\"-\",\"type\":\"1x\",\"how\":\"\",\"decision\":\"allow\","
			"\"pid\":1,\"layer\":\"preload\"}", &ev, detail), LOGREAD_JUNK_NONE, "odd strings");
	CHECK(ev.family.kind == LOGREAD_NAME && ev.type.kind == LOGREAD_NAME && ev.how.kind == LOGREAD_NAME,
	      "\"-\", \"1x\" and \"\" are names, not numbers");
}

/* Lines in any order of keys still find every key (the reader tries the
 * schema's order first). */
static void test_key_order(void)
{
	struct logread_event a, b;
	char detail[128];
	static const char reversed[] =
		"{\"layer\":\"preload\",\"comm\":\"curl\",\"exe\":\"/usr/bin/curl\",\"ppid\":4200,\"tid\":4242,"
		"\"pid\":4242,\"mode\":\"enforce\",\"rule\":\"inet-tcp\",\"decision\":\"allow\",\"errno\":null,"
		"\"result\":3,\"protocol\":\"IPPROTO_TCP\",\"flags\":[\"SOCK_CLOEXEC\"],\"type\":\"SOCK_STREAM\","
		"\"family\":\"AF_INET\",\"call\":\"socket\",\"args\":[3,2,524289,0],\"event\":\"socket.__new__\","
		"\"ts\":\"2026-11-24T04:05:06.123456789Z\",\"seq\":7,\"v\":1}";

	CHECK_INT(parse(EV_NEW, &a, detail), LOGREAD_JUNK_NONE, "schema order");
	CHECK_INT(parse(reversed, &b, detail), LOGREAD_JUNK_NONE, "reversed order");
	CHECK(a.seq == b.seq && a.ts == b.ts && a.pid == b.pid && a.ppid == b.ppid &&
	      a.tid == b.tid && a.result == b.result && a.decision == b.decision &&
	      a.layer == b.layer && str_eq(b.exe, "/usr/bin/curl") && str_eq(b.comm, "curl") &&
	      str_eq(b.rule, "inet-tcp") && str_eq(b.mode, "enforce") && b.args[2] == 524289,
	      "the same event either way");
}

/* run's loss record (event.h): not an event, not junk, formatted and read
 * back by the one writer and the one reader. */
static void test_loss_record(void)
{
	struct event_loss rec = { .ts = { 1795493106, 5 }, .by = { 3, 4 }, .pid = 99 };
	struct logread_event ev;
	char line[EVENT_LINE_MAX], detail[128];
	size_t n = event_format_loss(line, sizeof(line), &rec);

	CHECK(n > 0 && line[n - 1] == '\n', "the record is one line");
	line[n - 1] = '\0';
	CHECK_STR(line, "{\"v\":1,\"ts\":\"2026-11-24T04:05:06.000000005Z\",\"event\":\"sockaudit.lost\","
		  "\"lost\":7,\"lost_preload\":3,\"lost_notify\":4,\"pid\":99}", "its form");
	CHECK_INT(parse(line, &ev, detail), LOGREAD_LOSS_RECORD, "read as a loss record");
	CHECK_INT(ev.lost, 7, "its count");
	CHECK_INT(parse("{\"v\":1,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"sockaudit.lost\"}",
			&ev, detail), LOGREAD_JUNK_BAD_FIELD, "without \"lost\": malformed");
	CHECK_INT(parse("{\"v\":1,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"sockaudit.lost\",\"lost\":-1}",
			&ev, detail), LOGREAD_JUNK_BAD_FIELD, "a negative count is malformed");
}

#define EV_HEAD "{\"v\":1,\"seq\":3,\"ts\":\"2026-11-24T04:00:02Z\","
#define EV_TAIL "\"result\":0,\"errno\":null,\"decision\":\"allow\",\"rule\":null,\"mode\":\"enforce\"," \
	"\"pid\":100,\"tid\":100,\"ppid\":1,\"exe\":\"/usr/bin/curl\",\"comm\":\"curl\",\"layer\":\"preload\"}"
#define EV_CONNECT(args, addr) EV_HEAD "\"event\":\"socket.connect\",\"args\":" args ",\"call\":\"connect\"," \
	"\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\",\"flags\":[],\"protocol\":\"IPPROTO_TCP\"," addr EV_TAIL

/* The address events' keys, into the event and into a policy_call. */
static void test_address_events(void)
{
	struct logread_event ev;
	struct policy_call call;
	char detail[128], text[128];
	static const uint8_t lo[4] = { 127, 0, 0, 1 }, v6lo[16] = { [15] = 1 };

	CHECK_INT(parse(EV_CONNECT("[3,[\"127.0.0.1\",8080]]", "\"address\":\"127.0.0.1\",\"port\":8080,"),
			&ev, detail), LOGREAD_JUNK_NONE, "an inet connect is an event: %s", detail);
	CHECK_INT(ev.event, POLICY_EV_CONNECT, "socket.connect");
	CHECK_INT(ev.addr.family, AF_INET, "its address is AF_INET");
	CHECK(!memcmp(ev.addr.ip, lo, 4) && ev.addr.port == 8080, "127.0.0.1 port 8080");
	CHECK(str_eq(ev.address, "127.0.0.1") && ev.port == 8080, "the decoded keys");
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "connect: a call");
	CHECK(call.has_addr && call.addr_family == AF_INET && !memcmp(call.ip, lo, 4) &&
	      call.has_port && call.port == 8080, "the call's address facts");
	CHECK(call.family == AF_INET && call.type == SOCK_STREAM && call.protocol == IPPROTO_TCP,
	      "the socket's facts from the names");
	CHECK_INT(logread_addr_policy_text(&ev, text, sizeof(text)), 9, "policy text length");
	CHECK_STR(text, "127.0.0.1", "policy text");

	CHECK_INT(parse(EV_CONNECT("[3,[\"::1\",443,7,2]]", "\"address\":\"::1\",\"port\":443,"),
			&ev, detail), LOGREAD_JUNK_NONE, "an inet6 connect: %s", detail);
	CHECK(ev.addr.family == AF_INET6 && !memcmp(ev.addr.ip, v6lo, 16) && ev.addr.port == 443 &&
	      ev.addr.flowinfo == 7 && ev.addr.scope_id == 2, "::1 port 443 flowinfo 7 scope 2");
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "a call");
	CHECK(call.addr_family == AF_INET6 && !memcmp(call.ip, v6lo, 16) && call.port == 443, "v6 facts");

	CHECK_INT(parse(EV_CONNECT("[3,\"/run/x.sock\"]", "\"address\":\"/run/x.sock\",\"port\":null,"),
			&ev, detail), LOGREAD_JUNK_NONE, "a unix path: %s", detail);
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "a call");
	CHECK(call.addr_family == AF_UNIX && !call.abstract && call.path_len == 11 &&
	      !memcmp(call.path, "/run/x.sock", 11) && !call.has_port, "the path");

	CHECK_INT(parse(EV_CONNECT("[3,\"\\u0000a\\u0000b\"]", "\"address\":\"@a\\u0000b\",\"port\":null,"),
			&ev, detail), LOGREAD_JUNK_NONE, "an abstract name: %s", detail);
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "a call");
	CHECK(call.abstract && call.path_len == 3 && !memcmp(call.path, "a\0b", 3),
	      "the name after the NUL, NULs kept");
	CHECK_INT(logread_addr_policy_text(&ev, text, sizeof(text)), -1,
		  "a name with a NUL has no policy text");
	CHECK_INT(parse(EV_CONNECT("[3,\"\\u0000abs\"]", "\"address\":\"@abs\",\"port\":null,"),
			&ev, detail), LOGREAD_JUNK_NONE, "abstract: %s", detail);
	CHECK_INT(logread_addr_policy_text(&ev, text, sizeof(text)), 4, "policy text length");
	CHECK_STR(text, "@abs", "an abstract name's policy text");

	CHECK_INT(parse(EV_CONNECT("[3,\"\"]", "\"address\":\"\",\"port\":null,"), &ev, detail),
		  LOGREAD_JUNK_NONE, "the unnamed address: %s", detail);
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "a call");
	CHECK(call.has_addr && call.addr_family == AF_UNIX && call.path_len == 0 && !call.abstract,
	      "unnamed: no bytes");

	CHECK_INT(parse(EV_CONNECT("[3,[0,1]]", "\"address\":null,\"port\":null,"), &ev, detail),
		  LOGREAD_JUNK_NONE, "netlink: %s", detail);
	CHECK(ev.addr.family == AF_NETLINK && ev.addr.nl_groups == 1, "netlink [pid, groups]");
	CHECK_INT(parse(EV_CONNECT("[3,[17,\"0a0b\"]]", "\"address\":null,\"port\":null,"), &ev, detail),
		  LOGREAD_JUNK_NONE, "another family: %s", detail);
	CHECK(ev.addr.family == 17 && str_eq(ev.addr.text, "0a0b"), "[family, hex]");

	CHECK_INT(parse(EV_CONNECT("[3,null]", "\"address\":null,\"port\":null,\"malformed\":\"short\","),
			&ev, detail), LOGREAD_JUNK_NONE, "a malformed address: %s", detail);
	CHECK(str_eq(ev.malformed, "short") && ev.addr.family == -1, "malformed short, no address");
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "a call");
	CHECK(!call.has_addr && !call.has_port, "no address facts");

	/* Broken address keys are malformed events, named. */
	static const char *const bad[] = {
		EV_CONNECT("[3,[\"127.0.0.1\",8080]]", "\"address\":\"127.0.0.2\",\"port\":8080,"),
		EV_CONNECT("[3,[\"127.0.0.1\",8080]]", "\"address\":\"127.0.0.1\",\"port\":80,"),
		EV_CONNECT("[3,[\"127.0.0.1\",70000]]", "\"address\":\"127.0.0.1\",\"port\":8080,"),
		EV_CONNECT("[3,[\"127.0.0.1\",8080]]", "\"address\":\"127.0.0.1\",\"port\":\"8080\","),
		EV_CONNECT("[3,[\"127.0.0.1\",80,0,0]]", "\"address\":\"127.0.0.1\",\"port\":80,"),
		EV_CONNECT("[3,[\"::1\",80]]", "\"address\":\"::1\",\"port\":80,"),
		EV_CONNECT("[3,[\"1.2.3\",80]]", "\"address\":\"1.2.3\",\"port\":80,"),
		EV_CONNECT("[3,[\"127.0.0.1\",8080]]", "\"address\":7,\"port\":8080,"),
		EV_CONNECT("[3,[2,\"0A\"]]", "\"address\":null,\"port\":null,"),
		EV_CONNECT("[3,[2,\"00\"]]", "\"address\":null,\"port\":null,"),
		EV_CONNECT("[3,true]", "\"address\":null,\"port\":null,"),
		EV_CONNECT("[3,\"/a\"]", "\"address\":\"/b\",\"port\":null,"),
		EV_CONNECT("[3,\"\\u0000abs\"]", "\"address\":\"\\u0000abs\",\"port\":null,"),
		EV_CONNECT("[3,[\"127.0.0.1\",80]]", "\"address\":\"127.0.0.1\",\"port\":80,\"malformed\":\"short\","),
		EV_CONNECT("[3,null]", "\"address\":null,\"port\":null,\"malformed\":\"odd\","),
		EV_CONNECT("[3,[\"127.0.0.1\",80],5]", "\"address\":\"127.0.0.1\",\"port\":80,"),
		EV_CONNECT("[\"3\",[\"127.0.0.1\",80]]", "\"address\":\"127.0.0.1\",\"port\":80,"),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(parse(bad[i], &ev, detail), LOGREAD_JUNK_BAD_FIELD,
			  "broken address keys %zu are a malformed event (%s)", i, detail);
	CHECK_INT(parse(EV_CONNECT("[3,[\"127.0.0.1\",80]]", "\"address\":\"127.0.0.2\",\"port\":80,"),
			&ev, detail), LOGREAD_JUNK_BAD_FIELD, "a different address");
	CHECK_STR(detail, "\"address\" or \"port\" differs from args[1]", "named");
	CHECK_INT(parse(EV_HEAD "\"event\":\"socket.listen\",\"args\":[3,5]," EV_TAIL, &ev, detail),
		  LOGREAD_JUNK_FOREIGN, "an unknown event name is foreign");

	/* accept's peer. */
	CHECK_INT(parse(EV_HEAD "\"event\":\"socket.__new__\",\"args\":[4,2,1,0],\"call\":\"accept\","
			"\"peer\":[\"127.0.0.1\",5555]," EV_TAIL, &ev, detail),
		  LOGREAD_JUNK_NONE, "an accept with its peer: %s", detail);
	CHECK(ev.peer.family == AF_INET && ev.peer.port == 5555, "the peer");
	CHECK_INT(parse(EV_HEAD "\"event\":\"socket.__new__\",\"args\":[4,2,1,0],\"call\":\"accept\","
			"\"peer\":[\"127.0.0.1\"]," EV_TAIL, &ev, detail),
		  LOGREAD_JUNK_BAD_FIELD, "a broken peer");
}

#define EV_GAI(args, keys) EV_HEAD "\"event\":\"socket.getaddrinfo\",\"args\":" args ",\"call\":\"getaddrinfo\"," \
	"\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\",\"flags\":[],\"protocol\":null," keys EV_TAIL

static void test_getaddrinfo(void)
{
	struct logread_event ev;
	struct policy_call call;
	char detail[128];
	uint8_t ip[16];
	struct logread_str t;
	size_t cur = 0;
	int fam;

	CHECK_INT(parse(EV_GAI("[\"LocalHost\",\"8080\",2,1,0]",
			       "\"host\":\"LocalHost\",\"port\":8080,\"addresses\":[\"127.0.0.1\",\"::1\"],"
			       "\"gai_error\":null,"), &ev, detail),
		  LOGREAD_JUNK_NONE, "a lookup is an event: %s", detail);
	CHECK_INT(ev.event, POLICY_EV_GETADDRINFO, "socket.getaddrinfo");
	CHECK_INT(ev.nargs, 5, "five args");
	CHECK(str_eq(ev.args_str[1], "8080"), "the service as passed");
	CHECK_INT(ev.n_addresses, 2, "two addresses");
	CHECK(logread_addresses_next(&ev, &cur, &fam, ip, &t) && fam == AF_INET && ip[0] == 127 &&
	      str_eq(t, "127.0.0.1"), "the first address");
	CHECK(logread_addresses_next(&ev, &cur, &fam, ip, &t) && fam == AF_INET6 && ip[15] == 1,
	      "the second");
	CHECK(!logread_addresses_next(&ev, &cur, &fam, ip, &t), "then the end");
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "a call");
	CHECK(call.host && !strcmp(call.host, "LocalHost") && call.has_port && call.port == 8080 &&
	      call.family == 2 && call.type == 1, "host, port and hints");

	CHECK_INT(parse(EV_GAI("[null,null,0,0,0]", "\"host\":null,\"port\":null,\"addresses\":[],"
			       "\"gai_error\":\"EAI_NONAME\","), &ev, detail),
		  LOGREAD_JUNK_NONE, "a failed lookup without a host: %s", detail);
	CHECK(str_eq(ev.gai_error, "EAI_NONAME") && ev.n_addresses == 0, "its error");
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "a call");
	CHECK(!call.host && !call.has_port, "no host, no port");
	cur = 0;
	CHECK(!logread_addresses_next(&ev, &cur, &fam, ip, &t), "no addresses");

	static const char *const bad[] = {
		EV_GAI("[\"h\",null,0,0]", "\"host\":\"h\","),
		EV_GAI("[\"h\",null,0,0,null]", "\"host\":\"h\","),
		EV_GAI("[1,null,0,0,0]", "\"host\":\"h\","),
		EV_GAI("[\"h\",null,0,0,0]", "\"addresses\":[\"x\"],"),
		EV_GAI("[\"h\",null,0,0,0]", "\"addresses\":\"127.0.0.1\","),
		EV_GAI("[\"h\",null,0,0,0]", "\"gai_error\":\"NONAME\","),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(parse(bad[i], &ev, detail), LOGREAD_JUNK_BAD_FIELD,
			  "broken lookup %zu is a malformed event", i);
}

/* What the event writer makes of a sockaddr, the reader gives back: the
 * same facts for the matcher as calls_addr_to_policy() of the original. */
static void roundtrip(const void *sa, size_t len, enum policy_event event, const char *what)
{
	struct calls_addr a;
	struct event e = { .seq = 1, .event = event, .call = "connect", .self = 3, .self_known = true,
			   .family = AF_INET, .type = SOCK_STREAM, .protocol = 0, .result = 0,
			   .mode = "enforce", .pid = 1, .tid = 1, .ppid = 0, .exe = "/x", .comm = "x",
			   .layer = EVENT_PRELOAD };
	struct policy_call want = { 0 }, got;
	struct logread_event ev;
	char line[EVENT_LINE_MAX], detail[128];
	size_t n;

	calls_addr_decode(sa, len, &a);
	e.addr = &a;
	if (a.family == AF_UNIX)
		e.family = AF_UNIX;
	calls_addr_to_policy(&a, &want);
	n = event_format(line, sizeof(line), &e);
	CHECK(n > 0 && line[n - 1] == '\n', "%s: formatted", what);
	line[n - 1] = '\0';
	CHECK_INT(parse(line, &ev, detail), LOGREAD_JUNK_NONE, "%s: read back (%s): %s", what, detail, line);
	CHECK_INT(logread_call(&ev, &got, NULL, 0, logread_names_value), 0, "%s: a call", what);
	CHECK(got.has_addr == want.has_addr, "%s: has_addr %d", what, want.has_addr);
	if (!want.has_addr)
		return;
	CHECK_INT(got.addr_family, want.addr_family, "%s: address family", what);
	CHECK(got.has_port == want.has_port && (!want.has_port || got.port == want.port),
	      "%s: port", what);
	if (want.addr_family == AF_INET || want.addr_family == AF_INET6)
		CHECK(!memcmp(got.ip, want.ip, want.addr_family == AF_INET ? 4 : 16), "%s: ip", what);
	if (want.addr_family == AF_UNIX)
		CHECK(got.path_len == want.path_len && got.abstract == want.abstract &&
		      !memcmp(got.path, want.path, want.path_len), "%s: path", what);
}

static void test_formatter_roundtrip(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(8080),
				  .sin_addr.s_addr = htonl(0x7f000001) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443),
				    .sin6_flowinfo = htonl(5), .sin6_scope_id = 2 };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = 7, .nl_groups = 1 };
	unsigned char raw[16] = { AF_PACKET, 0, 1, 2, 0xff, 0x80 };
	static const char path[] = "/run/\xff\xfe sock\"\\";

	roundtrip(&in, sizeof(in), POLICY_EV_CONNECT, "inet");
	in6.sin6_addr.s6_addr[10] = in6.sin6_addr.s6_addr[11] = 0xff;
	in6.sin6_addr.s6_addr[12] = 10;
	in6.sin6_addr.s6_addr[15] = 9;
	roundtrip(&in6, sizeof(in6), POLICY_EV_SENDTO, "inet6 v4-mapped with scope");
	memcpy(un.sun_path, path, sizeof(path) - 1);
	roundtrip(&un, offsetof(struct sockaddr_un, sun_path) + sizeof(path) - 1, POLICY_EV_CONNECT,
		  "a path with bytes past UTF-8, a quote, a backslash");
	memcpy(un.sun_path, "\0ab\0c\x01", 6);
	roundtrip(&un, offsetof(struct sockaddr_un, sun_path) + 6, POLICY_EV_BIND,
		  "an abstract name with NULs and a control byte");
	roundtrip(&un, sizeof(sa_family_t), POLICY_EV_BIND, "unnamed");
	roundtrip(&nl, sizeof(nl), POLICY_EV_SENDMSG, "netlink");
	roundtrip(raw, sizeof(raw), POLICY_EV_SENDTO, "another family");
	roundtrip(&in, 3, POLICY_EV_CONNECT, "too short");
	roundtrip(NULL, 0, POLICY_EV_CONNECT, "none");
}

static void test_formatter_lookup(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct addrinfo a6 = { .ai_family = AF_INET6, .ai_socktype = SOCK_STREAM,
			       .ai_addr = (struct sockaddr *)&in6, .ai_addrlen = sizeof(in6) };
	struct addrinfo a4 = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
			       .ai_addr = (struct sockaddr *)&in, .ai_addrlen = sizeof(in),
			       .ai_next = &a6 };
	struct event e = { .seq = 2, .event = POLICY_EV_GETADDRINFO, .call = "getaddrinfo",
			   .host = "LocalHost", .service = "80", .family = AF_INET, .type = SOCK_STREAM,
			   .found = &a4, .mode = "enforce", .pid = 1, .tid = 1,
			   .exe = "/x", .comm = "x", .layer = EVENT_PRELOAD };
	struct logread_event ev;
	struct policy_call call;
	char line[EVENT_LINE_MAX], detail[128];
	uint8_t ip[16];
	size_t n, cur = 0;
	int fam;

	in6.sin6_addr.s6_addr[15] = 1;
	n = event_format(line, sizeof(line), &e);
	CHECK(n > 0, "a lookup formatted");
	line[n - 1] = '\0';
	CHECK_INT(parse(line, &ev, detail), LOGREAD_JUNK_NONE, "read back (%s): %s", detail, line);
	CHECK_INT(logread_call(&ev, &call, NULL, 0, logread_names_value), 0, "a call");
	CHECK(call.host && !strcmp(call.host, "LocalHost") && call.has_port && call.port == 80,
	      "its host and numeric service");
	CHECK_INT(ev.n_addresses, 2, "its two addresses");
	CHECK(logread_addresses_next(&ev, &cur, &fam, ip, NULL) && fam == AF_INET && ip[0] == 127 &&
	      logread_addresses_next(&ev, &cur, &fam, ip, NULL) && fam == AF_INET6 && ip[15] == 1,
	      "in the order returned");
}

/* A name_value that knows every name as its length. */
static int name_len_value(int field, const char *name, int *value)
{
	(void)field;
	*value = (int)strlen(name);
	return 0;
}

/* logread_call() keeps the names it looked up last: what it gives must
 * still be what each name and each name_value say, whatever came before. */
static void test_call_names(void)
{
	static const struct { const char *family, *type; int want_family, want_type; } shuts[] = {
		{ "AF_INET", "SOCK_STREAM", AF_INET, SOCK_STREAM },
		{ "AF_INET6", "SOCK_DGRAM", AF_INET6, SOCK_DGRAM },
		{ "AF_UNIX", "SOCK_STREAM", AF_UNIX, SOCK_STREAM },
		{ "AF_INET", "SOCK_DGRAM", AF_INET, SOCK_DGRAM },
		{ "AF_NOPE", "SOCK_RAW", -1, SOCK_RAW },
		{ "AF_\\u0049NET", "SOCK_STREAM", AF_INET, SOCK_STREAM },	/* an escape */
		{ "AF_INET", "SOCK_STREAM", AF_INET, SOCK_STREAM },
	};
	struct logread_event ev;
	struct policy_call call;
	char line[512], detail[128];
	int bad = -1;

	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(shuts) / sizeof(shuts[0]); i++) {
			snprintf(line, sizeof(line),
				 "{\"v\":1,\"seq\":2,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"socket.shutdown\","
				 "\"args\":[3,1],\"family\":\"%s\",\"type\":\"%s\",\"protocol\":null,"
				 "\"how\":\"SHUT_WR\",\"decision\":\"allow\",\"pid\":1,\"layer\":\"preload\"}",
				 shuts[i].family, shuts[i].type);
			if (parse(line, &ev, detail) != LOGREAD_JUNK_NONE ||
			    logread_call(&ev, &call, NULL, 0, logread_names_value) ||
			    call.family != shuts[i].want_family || call.type != shuts[i].want_type) {
				bad = (int)i;
				break;
			}
			/* Another name_value: its own answers, not the memo's. */
			if (logread_call(&ev, &call, NULL, 0, name_len_value) ||
			    call.family != (int)strlen(shuts[i].family) - (strchr(shuts[i].family, '\\') ? 5 : 0) ||
			    call.type != (int)strlen(shuts[i].type)) {
				bad = 100 + (int)i;
				break;
			}
		}
	CHECK_INT(bad, -1, "each shutdown's names looked up as they are, by each name_value");
}

/* ---- the writer's form read head on, against the general walk ----------
 *
 * logread.c reads a line in the writer's compact form on a fast path and
 * anything else with the general walk.  A line with a space before it is
 * never in that form, so it goes the general way: both ways must give the
 * same verdict, the same detail, and the same event, field by field (spans
 * compared as offsets into their lines).
 */

struct either {
	enum logread_junk junk;
	char detail[128];
	struct logread_event ev;
	bool fast;
};

static void parse_into(struct either *e, const char *line, size_t len)
{
	uint64_t before = logread_fast_lines();

	e->junk = logread_parse_line(line, len, &e->ev, e->detail, sizeof(e->detail));
	e->fast = logread_fast_lines() != before;
}

static bool span_same(struct logread_str a, const char *la, struct logread_str b, const char *lb)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	return a.len == b.len && a.p - la == b.p - lb;
}

static bool val_same(const struct logread_val *a, const char *la, const struct logread_val *b,
		     const char *lb)
{
	return a->kind == b->kind && a->num == b->num && span_same(a->name, la, b->name, lb) &&
	       span_same(a->raw, la, b->raw, lb);
}

static bool addr_same(const struct logread_addr *a, const char *la, const struct logread_addr *b,
		      const char *lb)
{
	return a->family == b->family && !memcmp(a->ip, b->ip, 16) && a->port == b->port &&
	       a->flowinfo == b->flowinfo && a->scope_id == b->scope_id &&
	       a->nl_pid == b->nl_pid && a->nl_groups == b->nl_groups &&
	       a->abstract == b->abstract && span_same(a->text, la, b->text, lb) &&
	       span_same(a->raw, la, b->raw, lb);
}

/* Which field differs between A (of line LA) and B (of LB), or NULL. */
static const char *event_diff(const struct logread_event *a, const char *la,
			      const struct logread_event *b, const char *lb)
{
#define SAME(cond, name) do { if (!(cond)) return name; } while (0)
#define SPAN(f) SAME(span_same(a->f, la, b->f, lb), #f)
	SAME(a->seq == b->seq && a->ts == b->ts && a->event == b->event, "seq, ts or event");
	SAME(a->nargs == b->nargs, "nargs");
	for (int i = 0; i < 5; i++) {
		SAME(a->args[i] == b->args[i] && a->args_null[i] == b->args_null[i], "args");
		SPAN(args_str[i]);
	}
	SPAN(call);
	SAME(val_same(&a->family, la, &b->family, lb) && val_same(&a->type, la, &b->type, lb) &&
	     val_same(&a->protocol, la, &b->protocol, lb) && val_same(&a->how, la, &b->how, lb) &&
	     val_same(&a->err, la, &b->err, lb), "family, type, protocol, how or errno");
	SPAN(flags);
	SAME(a->result == b->result && a->result_null == b->result_null, "result");
	SAME(a->decision == b->decision && a->layer == b->layer, "decision or layer");
	SPAN(rule);
	SPAN(mode);
	SAME(a->pid == b->pid && a->tid == b->tid && a->ppid == b->ppid, "pid, tid or ppid");
	SPAN(exe);
	SPAN(comm);
	SAME(a->lost == b->lost && a->sealed == b->sealed && a->record == b->record,
	     "lost, sealed or record");
	SPAN(seal);
	SPAN(key);
	SAME(addr_same(&a->addr, la, &b->addr, lb) && addr_same(&a->peer, la, &b->peer, lb),
	     "addr or peer");
	SPAN(malformed);
	SPAN(address);
	SAME(a->port == b->port, "port");
	SPAN(host);
	SPAN(addresses);
	SAME(a->n_addresses == b->n_addresses, "n_addresses");
	SPAN(gai_error);
	SAME(a->line.p == la && b->line.p == lb - 1 && a->line.len + 1 == b->line.len, "line");
	SAME(a->path_len == b->path_len && !memcmp(a->path, b->path, a->path_len), "path");
	SAME(a->host_len == b->host_len &&
	     (a->host_len < 0 || !memcmp(a->hostbuf, b->hostbuf, (size_t)a->host_len)), "host");
	return NULL;
#undef SPAN
#undef SAME
}

/* LINE (LEN bytes) read both ways: NULL when they agree, else what differs. */
static const char *either_way(const char *line, size_t len, bool *fast)
{
	static struct either a, b;
	static char spaced[LOGREAD_LINE_MAX + 1];

	spaced[0] = ' ';
	memcpy(spaced + 1, line, len);
	parse_into(&a, line, len);
	parse_into(&b, spaced, len + 1);
	*fast = a.fast;
	if (b.fast)
		return "the spaced line took the fast path";
	if (a.junk != b.junk)
		return "the verdict";
	if (strcmp(a.detail, b.detail))
		return "the detail";
	if (a.junk != LOGREAD_JUNK_NONE && a.junk != LOGREAD_LOSS_RECORD &&
	    a.junk != LOGREAD_SEAL_RECORD)
		return NULL;	/* a broken line's event is not read */
	/* The spaced line's event was read from one byte on. */
	return event_diff(&a.ev, line, &b.ev, spaced + 1);
}

/* Every line that one edit of LINE makes: each byte cut, each cut short,
 * each byte replaced by each of BYTES, and one member repeated.  Returns
 * the first edit on which the two ways differ (NULL: none), counting the
 * edits in *N and those read on the fast path in *NFAST. */
static const char *edits_either_way(const char *line, char *what, size_t what_len,
				    unsigned *n, unsigned *nfast)
{
	static const char bytes[] = "\"\\,:[]{}0159-.eEnutlfx \t\x7f\x01\xc3";
	static char buf[8192];
	size_t len = strlen(line);
	const char *diff;
	bool fast;

	*n = *nfast = 0;
#define TRY(desc, ...) do {							\
		diff = either_way(buf, blen, &fast);				\
		++*n;								\
		*nfast += fast;							\
		if (diff) {							\
			snprintf(what, what_len, desc ": %s", __VA_ARGS__, diff); \
			return what;						\
		}								\
	} while (0)
	size_t blen = len;

	memcpy(buf, line, len);
	TRY("%s", "as it is");
	for (size_t i = 0; i <= len; i++) {
		blen = i;				/* cut short */
		TRY("cut at %zu", i);
		if (i == len)
			break;
		memcpy(buf + i, line + i + 1, len - i - 1);	/* byte I gone */
		blen = len - 1;
		TRY("byte %zu gone", i);
		blen = len;
		memcpy(buf, line, len);
		for (const char *b = bytes; *b; b++) {	/* byte I replaced */
			buf[i] = *b;
			TRY("byte %zu as 0x%02x", i, (unsigned char)*b);
		}
		buf[i] = line[i];
	}
	/* Each member once more, right after itself (a duplicate key), and
	 * moved to the front (another order). */
	for (const char *m = line + 1; m < line + len;) {
		const char *next = m;
		size_t mlen;

		for (int depth = 0, in_str = 0; next < line + len - 1; next++) {
			if (in_str)
				in_str = *next != '"';
			else if (*next == '"')
				in_str = 1;
			else if (*next == '[')
				depth++;
			else if (*next == ']')
				depth--;
			else if (*next == ',' && !depth)
				break;
		}
		mlen = (size_t)(next - m);
		blen = 0;
		memcpy(buf, line, (size_t)(next - line));
		blen = (size_t)(next - line);
		buf[blen++] = ',';
		memcpy(buf + blen, m, mlen);
		blen += mlen;
		memcpy(buf + blen, next, (size_t)(line + len - next));
		blen += (size_t)(line + len - next);
		TRY("member at %zu twice", (size_t)(m - line));
		if (m == line + 1) {
			m = next + 1;
			continue;	/* first already */
		}
		blen = 0;
		buf[blen++] = '{';
		memcpy(buf + blen, m, mlen);
		blen += mlen;
		buf[blen++] = ',';
		if (*next == ',') {
			memcpy(buf + blen, line + 1, (size_t)(m - line - 1));
			blen += (size_t)(m - line - 1);
			memcpy(buf + blen, next + 1, (size_t)(line + len - next - 1));
			blen += (size_t)(line + len - next - 1);
		} else {	/* the last one: the ',' before it goes */
			memcpy(buf + blen, line + 1, (size_t)(m - line - 2));
			blen += (size_t)(m - line - 2);
			buf[blen++] = '}';
		}
		TRY("member at %zu first", (size_t)(m - line));
		m = next + 1;
	}
#undef TRY
	return NULL;
}

static void test_fast_path(void)
{
	/* Lines, and whether they are in the writer's own form. */
	static const struct { bool fast; const char *line; } lines[] = {
		{ true, EV_NEW },
		{ true, EV_SHUT },
		{ true, EV_CONNECT("[3,[\"127.0.0.1\",8080]]", "\"address\":\"127.0.0.1\",\"port\":8080,") },
		{ true, EV_CONNECT("[3,[\"::1\",443,0,2]]", "\"address\":\"::1\",\"port\":443,") },
		{ false, EV_CONNECT("[3,\"\\u0000abc\"]", "\"address\":\"@abc\",") },	/* an escape */
		{ true, EV_CONNECT("[3,[16,\"0a0b\"]]", "") },
		{ false, EV_GAI("[\"LocalHost\",\"8080\",2,1,0]",	/* gai_error before result */
				"\"host\":\"LocalHost\",\"port\":8080,\"addresses\":[\"127.0.0.1\",\"::1\"],"
				"\"gai_error\":null,") },
		{ true, EV_HEAD "\"event\":\"socket.getaddrinfo\",\"args\":[\"LocalHost\",\"8080\",2,1,0],"
		  "\"call\":\"getaddrinfo\",\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\",\"flags\":[],"
		  "\"protocol\":null,\"host\":\"LocalHost\",\"port\":8080,\"addresses\":[\"127.0.0.1\",\"::1\"],"
		  "\"result\":0,\"errno\":null,\"gai_error\":null,\"decision\":\"allow\",\"rule\":null,"
		  "\"mode\":\"enforce\",\"pid\":100,\"tid\":100,\"ppid\":1,\"exe\":\"/usr/bin/curl\","
		  "\"comm\":\"curl\",\"layer\":\"preload\"}" },
		{ true, "{\"v\":1,\"seq\":2,\"ts\":\"2026-11-24T04:05:06.5Z\",\"event\":\"socket.__new__\","
		  "\"args\":[null,10,5,0],\"call\":\"accept4\",\"family\":\"AF_INET6\",\"type\":\"50\","
		  "\"flags\":[\"SOCK_CLOEXEC\",\"SOCK_NONBLOCK\"],\"protocol\":\"-1\",\"peer\":[\"::1\",5,0,0],"
		  "\"result\":-1,\"errno\":\"EACCES\",\"decision\":\"deny\",\"rule\":\"r\",\"mode\":\"enforce\","
		  "\"pid\":0,\"tid\":12345678901234,\"ppid\":-0,\"exe\":\"/usr/bin/x y\",\"comm\":\"x\","
		  "\"layer\":\"notify\",\"seal\":\"00112233445566778899aabbccddeeff\"}" },
		{ true, "{\"v\":1,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"sockaudit.seal\",\"pid\":9,"
		  "\"sealed\":3,\"key\":\"00112233445566778899aabbccddeeff\","
		  "\"seal\":\"00112233445566778899aabbccddeeff\"}" },
		{ true, "{\"v\":1,\"ts\":\"2026-11-24T04:05:06Z\",\"event\":\"sockaudit.lost\",\"lost\":7}" },
		{ true, "{\"v\":2,\"seq\":1}" },
	};
	char what[256];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		unsigned n, nfast;
		const char *diff = edits_either_way(lines[i].line, what, sizeof(what), &n, &nfast);

		bool fast;

		CHECK(!diff, "line %zu: the fast path and the general walk agree on all %u edits "
		      "(%u of them on the fast path)%s%s", i, n, nfast, diff ? ", not on " : "",
		      diff ? diff : "");
		either_way(lines[i].line, strlen(lines[i].line), &fast);
		CHECK(fast == lines[i].fast, "line %zu: read on the %s path", i,
		      lines[i].fast ? "fast" : "general");
	}
}

int main(void)
{
	test_fast_path();
	test_call_names();
	test_formatter_lookup();
	test_formatter_roundtrip();
	test_address_events();
	test_getaddrinfo();
	test_loss_record();
	test_json_member();
	test_event();
	test_junk();
	test_unescape();
	test_time();
	test_reader();
	test_unnamed_values();
	test_key_order();
	return check_done();
}
