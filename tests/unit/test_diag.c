/* SPDX-License-Identifier: MIT */
/* test_diag.c - one negative test per diagnostic: exact message, line and
 * column; every error in one pass; the caret rendering; document order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "policy.h"

/* A rule inside a minimal valid policy, on line 2. */
#define R(rule) "{\"version\": 1, \"rules\": [\n" rule "\n]}"

static const struct {
	const char *name;
	const char *text;
	enum policy_severity sev;
	int line, col;
	const char *message;
} cases[] = {
	/* Bytes and syntax. */
	{ "empty file", "", POLICY_ERROR, 1, 1,
	  "empty policy: expected a JSON object" },
	{ "blank file", "  \n\n", POLICY_ERROR, 3, 1,
	  "empty policy: expected a JSON object" },
	{ "syntax: missing colon", "{\"version\" 1}", POLICY_ERROR, 1, 12,
	  "invalid JSON: expected ':' after the key, found '1'" },
	{ "syntax: trailing comma", "{\"version\": 1,\n }", POLICY_ERROR, 2, 2,
	  "invalid JSON: trailing comma before '}', found '}'" },
	{ "syntax: unterminated string", "{\"version\": 1, \"rules\": [\"abc]}",
	  POLICY_ERROR, 1, 26, "invalid JSON: unterminated string, found '\"'" },
	{ "syntax: end of file", "{\"version\": 1,\n\"rules\": [", POLICY_ERROR, 2, 11,
	  "invalid JSON: unexpected end of file" },
	{ "syntax: bad literal", "{\"version\": tru}", POLICY_ERROR, 1, 13,
	  "invalid JSON: expected a value, found 't'" },
	{ "syntax: bad escape", "{\"comment\": \"a\\qb\", \"version\": 1}", POLICY_ERROR, 1, 16,
	  "invalid JSON: invalid escape in string, found 'q'" },
	/* Strict JSON (RFC 8259), where cJSON alone is lax. */
	{ "control byte between members", "{\"version\":1,\x01\"rules\":[]}", POLICY_ERROR, 1, 14,
	  "invalid JSON: expected a string key, found byte 0x01" },
	{ "leading zero", "{\"version\": 01}", POLICY_ERROR, 1, 14,
	  "invalid JSON: leading zero in a number, found '1'" },
	{ "control byte in a string", "{\"version\": 1, \"comment\": \"a\tb\"}", POLICY_ERROR, 1, 29,
	  "invalid JSON: control byte in string, found byte 0x09" },
	{ "form feed is no whitespace", "{\"version\":\f1}", POLICY_ERROR, 1, 12,
	  "invalid JSON: expected a value, found byte 0x0c" },
	{ "minus without digits", "{\"version\": -}", POLICY_ERROR, 1, 14,
	  "invalid JSON: expected a digit in the number, found '}'" },
	{ "fraction without digits", "{\"version\": 1.}", POLICY_ERROR, 1, 15,
	  "invalid JSON: expected a digit in the number, found '}'" },
	{ "plus sign", "{\"version\": +1}", POLICY_ERROR, 1, 13,
	  "invalid JSON: expected a value, found '+'" },
	{ "trailing garbage", "{\"version\": 1}\n  xyz", POLICY_ERROR, 2, 3,
	  "unexpected text after the policy object" },
	{ "invalid UTF-8", "{\"version\": 1, \"comment\": \"caf\xe9\"}", POLICY_ERROR, 1, 31,
	  "invalid UTF-8 (byte 0xe9)" },
	{ "NUL byte", "{\"version\": 1}\0", POLICY_ERROR, 1, 15,
	  "NUL byte in the policy text" },
	{ "UTF-8 surrogate after 8-byte runs", "{\"version\": 1, \"comment\": \"xxxxxxxxxxxxxxxx\xed\xa0\x80\"}",
	  POLICY_ERROR, 1, 44, "invalid UTF-8 (byte 0xed)" },
	{ "UTF-8 overlong", "{\"version\": 1, \"comment\": \"\xc0\xaf\"}", POLICY_ERROR, 1, 28,
	  "invalid UTF-8 (byte 0xc0)" },
	{ "not an object", "[1, 2]", POLICY_ERROR, 1, 1, "a policy must be a JSON object" },
	{ "too deep", "{\"version\": 1, \"x\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  POLICY_ERROR, 1, 84, "nesting deeper than 64 levels" },

	/* Top level. */
	{ "version missing", "{\"rules\": []}", POLICY_ERROR, 1, 1,
	  "policy has no 'version': add \"version\": 1" },
	{ "version 2", "{\"version\": 2}", POLICY_ERROR, 1, 13,
	  "unsupported version 2: this sockaudit reads version 1" },
	{ "version string", "{\"version\": \"1\"}", POLICY_ERROR, 1, 13,
	  "'version' must be the number 1" },
	{ "unknown top key", "{\"version\": 1, \"rulez\": []}", POLICY_ERROR, 1, 16,
	  "unknown key 'rulez' in policy; did you mean 'rules'?" },
	{ "unknown top key, no hint", "{\"version\": 1, \"zzzzzzzz\": []}", POLICY_ERROR, 1, 16,
	  "unknown key 'zzzzzzzz' in policy" },
	{ "duplicate top key", "{\"version\": 1,\n \"version\": 1}", POLICY_ERROR, 2, 2,
	  "duplicate key 'version' in policy" },
	{ "unknown mode", "{\"version\": 1, \"mode\": \"audti\"}", POLICY_ERROR, 1, 24,
	  "unknown mode 'audti'; did you mean 'audit'?" },
	{ "mode not a string", "{\"version\": 1, \"mode\": 1}", POLICY_ERROR, 1, 24,
	  "'mode' must be 'enforce' or 'audit'" },
	{ "io_uring", "{\"version\": 1, \"io_uring\": \"yes\"}", POLICY_ERROR, 1, 28,
	  "unknown io_uring 'yes': must be 'deny' or 'allow'" },
	{ "comment not a string", "{\"version\": 1, \"comment\": 5}", POLICY_ERROR, 1, 27,
	  "'comment' must be a string" },
	{ "rules not a list", "{\"version\": 1, \"rules\": {}}", POLICY_ERROR, 1, 25,
	  "'rules' must be a list of rules" },
	{ "default not an object", "{\"version\": 1, \"default\": \"deny\"}", POLICY_ERROR, 1, 27,
	  "'default' must be an object such as {\"action\": \"allow\"}" },
	{ "default without action", "{\"version\": 1, \"default\": {\"log\": false}}",
	  POLICY_ERROR, 1, 27, "'default' has no 'action'" },
	{ "unknown key in default", "{\"version\": 1, \"default\": {\"action\": \"deny\", \"erno\": 1}}",
	  POLICY_ERROR, 1, 46, "unknown key 'erno' in default; did you mean 'errno'?" },

	/* Rules. */
	{ "rule not an object", R("  \"deny\""), POLICY_ERROR, 2, 3,
	  "a rule must be an object" },
	{ "rule without action", R("  {\"id\": \"a\"}"), POLICY_ERROR, 2, 3,
	  "rule has no 'action'" },
	{ "unknown action", R("  {\"action\": \"denny\"}"), POLICY_ERROR, 2, 14,
	  "unknown action 'denny'; did you mean 'deny'?" },
	{ "unknown rule key", R("  {\"familly\": \"AF_INET\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 4,
	  "unknown key 'familly' in rule; did you mean 'family'?" },
	{ "duplicate rule key", R("  {\"action\": \"deny\", \"action\": \"allow\"}"), POLICY_ERROR, 2, 22,
	  "duplicate key 'action' in rule" },
	{ "unknown family", R("  {\"family\": \"AF_INTE\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 14,
	  "unknown family 'AF_INTE'; did you mean 'AF_INET'?" },
	{ "unknown family in a list", R("  {\"family\": [\"AF_INET\", \"AF_UNX\"], \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 26, "unknown family 'AF_UNX'; did you mean 'AF_UNIX'?" },
	{ "unknown type", R("  {\"type\": \"SOCK_STREEM\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 12,
	  "unknown type 'SOCK_STREEM'; did you mean 'SOCK_STREAM'?" },
	{ "type flag by name", R("  {\"type\": \"SOCK_NONBLOCK\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 12,
	  "'SOCK_NONBLOCK' is a type flag: type flags never decide a match" },
	{ "type flag by number", R("  {\"type\": 524289, \"action\": \"deny\"}"), POLICY_ERROR, 2, 12,
	  "type 524289 has flag bits set: type flags never decide a match" },
	{ "type out of range", R("  {\"type\": 16, \"action\": \"deny\"}"), POLICY_ERROR, 2, 12,
	  "type 16 is out of range (0 to 15)" },
	{ "unknown protocol", R("  {\"protocol\": \"IPPROTO_TPC\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 16,
	  "unknown protocol 'IPPROTO_TPC'; did you mean 'IPPROTO_TCP'?" },
	{ "protocol of another family",
	  R("  {\"family\": \"AF_NETLINK\", \"protocol\": \"IPPROTO_TCP\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 40,
	  "protocol 'IPPROTO_TCP' is a protocol of AF_INET/AF_INET6, none of the rule's families" },
	{ "unknown how",
	  R("  {\"event\": \"socket.shutdown\", \"how\": \"SHUT_WRR\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 39, "unknown how 'SHUT_WRR'; did you mean 'SHUT_WR'?" },
	{ "how out of range",
	  R("  {\"event\": \"socket.shutdown\", \"how\": 3, \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 39, "how 3 is out of range (0 to 2)" },
	{ "how without shutdown", R("  {\"how\": \"SHUT_RD\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 4,
	  "'how' is only allowed with \"event\": \"socket.shutdown\"" },
	{ "unknown event", R("  {\"event\": \"socket.__new_\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 13,
	  "unknown event 'socket.__new_'; did you mean 'socket.__new__'?" },
	{ "event as a number", R("  {\"event\": 0, \"action\": \"deny\"}"), POLICY_ERROR, 2, 13,
	  "'event' must be an event name or a list of them" },
	{ "family wrong type", R("  {\"family\": true, \"action\": \"deny\"}"), POLICY_ERROR, 2, 14,
	  "'family' must be a name, a number or a list of them" },
	{ "nested list", R("  {\"family\": [[\"AF_INET\"]], \"action\": \"deny\"}"), POLICY_ERROR, 2, 15,
	  "'family' list items must be names or numbers" },
	{ "empty list", R("  {\"family\": [], \"action\": \"deny\"}"), POLICY_ERROR, 2, 14,
	  "'family' must not be an empty list (leave it out to match any family)" },
	{ "not an integer", R("  {\"family\": 2.5, \"action\": \"deny\"}"), POLICY_ERROR, 2, 14,
	  "family 2.5 is not an integer" },
	{ "negative", R("  {\"family\": -1, \"action\": \"deny\"}"), POLICY_ERROR, 2, 14,
	  "family -1 is out of range (0 to 2147483647)" },
	{ "too large", R("  {\"protocol\": 1e12, \"action\": \"deny\"}"), POLICY_ERROR, 2, 16,
	  "protocol 1000000000000 is out of range (0 to 2147483647)" },
	{ "numeric string too large", R("  {\"family\": \"99999999999\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 14, "family 99999999999 is out of range (0 to 2147483647)" },
	{ "unknown errno", R("  {\"action\": \"deny\", \"errno\": \"EACESS\"}"), POLICY_ERROR, 2, 31,
	  "unknown errno 'EACESS'; did you mean 'EACCES'?" },
	{ "errno out of range", R("  {\"action\": \"deny\", \"errno\": 5000}"), POLICY_ERROR, 2, 31,
	  "errno 5000 is out of range (1 to 4095)" },
	{ "errno wrong type", R("  {\"action\": \"deny\", \"errno\": [1]}"), POLICY_ERROR, 2, 31,
	  "'errno' must be an errno name or number" },
	{ "errno without deny", R("  {\"action\": \"allow\", \"errno\": \"EPERM\"}"), POLICY_ERROR, 2, 23,
	  "'errno' is only allowed with action 'deny'" },
	{ "log not a bool", R("  {\"action\": \"allow\", \"log\": \"no\"}"), POLICY_ERROR, 2, 30,
	  "'log' must be true or false" },
	{ "id not a string", R("  {\"id\": 7, \"action\": \"allow\"}"), POLICY_ERROR, 2, 10,
	  "'id' must be a string" },
	{ "id empty", R("  {\"id\": \"\", \"action\": \"allow\"}"), POLICY_ERROR, 2, 10,
	  "'id' must not be empty" },
	{ "exe relative", R("  {\"exe\": \"curl\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 11,
	  "exe glob 'curl' never matches: executable paths are absolute; did you mean '*/curl'?" },
	{ "exe empty", R("  {\"exe\": [\"/bin/*\", \"\"], \"action\": \"deny\"}"), POLICY_ERROR, 2, 22,
	  "exe glob '' is empty" },
	{ "exe bracket", R("  {\"exe\": \"/bin/[ab\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 11,
	  "exe glob '/bin/[ab' has a '[' without its ']'" },
	{ "exe not a string", R("  {\"exe\": 5, \"action\": \"deny\"}"), POLICY_ERROR, 2, 11,
	  "'exe' must be a glob or a list of globs" },
	{ "exe empty list", R("  {\"exe\": [], \"action\": \"deny\"}"), POLICY_ERROR, 2, 11,
	  "'exe' must not be an empty list (leave it out to match any exe)" },

	/* Across rules. */
	{ "duplicate id",
	  R("  {\"id\": \"a\", \"action\": \"allow\"},\n  {\"id\": \"a\", \"family\": 1, \"action\": \"deny\"}"),
	  POLICY_ERROR, 3, 10, "duplicate rule id 'a'" },
	{ "unreachable",
	  R("  {\"id\": \"inet\", \"family\": [\"AF_INET\", \"AF_INET6\"], \"action\": \"allow\"},\n"
	    "  {\"id\": \"tcp\", \"family\": \"AF_INET\", \"type\": \"SOCK_STREAM\", \"action\": \"deny\"}"),
	  POLICY_WARNING, 3, 3,
	  "rule 'tcp' is unreachable: rule 'inet' (line 2) matches everything it matches" },
	{ "unreachable, unnamed",
	  R("  {\"action\": \"allow\", \"event\": [\"socket.__new__\", \"socket.shutdown\"]},\n"
	    "  {\"event\": \"socket.shutdown\", \"how\": 1, \"action\": \"deny\"}"),
	  POLICY_WARNING, 3, 3,
	  "rules[1] is unreachable: rules[0] (line 2) matches everything it matches" },
	{ "unreachable by a number protocol",
	  R("  {\"protocol\": 6, \"action\": \"allow\"},\n"
	    "  {\"id\": \"t\", \"family\": \"AF_INET\", \"protocol\": \"IPPROTO_TCP\", \"action\": \"deny\"}"),
	  POLICY_WARNING, 3, 3,
	  "rule 't' is unreachable: rules[0] (line 2) matches everything it matches" },
#define CONNECT "\"event\": \"socket.connect\", "
	/* Address events: address, port, host, and where they are allowed. */
	{ "address: bad prefix", R("  {" CONNECT "\"address\": \"10.0.0.0/33\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 42, "address '10.0.0.0/33': the prefix length must be 0 to 32" },
	{ "address: v6 prefix", R("  {" CONNECT "\"address\": [\"::1\", \"fe80::/129\"], \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 50, "address 'fe80::/129': the prefix length must be 0 to 128" },
	{ "address: not an address", R("  {" CONNECT "\"address\": \"1.2.3\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 42, "address '1.2.3' is not an IP address or a CIDR block" },
	{ "address: host bits", R("  {" CONNECT "\"address\": \"10.0.0.1/8\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 42,
	  "address '10.0.0.1/8' has bits set past the /8 prefix; did you mean '10.0.0.0/8'?" },
	{ "address: v6 host bits", R("  {" CONNECT "\"address\": \"fe80::1/10\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 42,
	  "address 'fe80::1/10' has bits set past the /10 prefix; did you mean 'fe80::/10'?" },
	{ "address: a port in it", R("  {" CONNECT "\"address\": \"127.0.0.1:80\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 42,
	  "address '127.0.0.1:80' holds a port; did you mean '127.0.0.1' with \"port\": 80?" },
	{ "address: brackets", R("  {" CONNECT "\"address\": \"[::1]\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 42, "address '[::1]' is not an IP address; did you mean '::1'?" },
	{ "address: bad glob", R("  {" CONNECT "\"address\": \"@/tmp/[ab\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 42, "address glob '@/tmp/[ab' has a '[' without its ']'" },
	{ "address: a number", R("  {" CONNECT "\"address\": 127, \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 42,
	  "'address' must be an IP address, a CIDR block, a unix path glob or a list of them" },
	{ "address: empty list", R("  {" CONNECT "\"address\": [], \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 42,
	  "'address' must not be an empty list (leave it out to match any address)" },
	{ "address on socket.__new__", R("  {\"address\": \"::1\", \"action\": \"deny\"}"), POLICY_ERROR, 2, 4,
	  "'address' is only allowed on socket.connect, socket.bind, socket.sendto and socket.sendmsg" },
	{ "address on getaddrinfo",
	  R("  {\"event\": [\"socket.connect\", \"socket.getaddrinfo\"], \"address\": \"::1\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 55,
	  "'address' is only allowed on socket.connect, socket.bind, socket.sendto and socket.sendmsg" },
	{ "port out of range", R("  {" CONNECT "\"port\": 65536, \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 39, "port 65536 is out of range (0 to 65535)" },
	{ "port string out of range", R("  {" CONNECT "\"port\": \"1024-70000\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 39, "port '1024-70000' is out of range (0 to 65535)" },
	{ "port range backwards", R("  {" CONNECT "\"port\": [80, \"2000-1000\"], \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 44, "port range '2000-1000' is empty; did you mean '1000-2000'?" },
	{ "port name", R("  {" CONNECT "\"port\": \"http\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 39, "port 'http' is not a number or a range such as \"1024-65535\"" },
	{ "port not an integer", R("  {" CONNECT "\"port\": 80.5, \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 39, "port 80.5 is not an integer" },
	{ "port on shutdown", R("  {\"event\": \"socket.shutdown\", \"port\": 80, \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 32,
	  "'port' is only allowed on socket.connect, socket.bind, socket.sendto, socket.sendmsg and socket.getaddrinfo" },
	{ "host on connect", R("  {" CONNECT "\"host\": \"localhost\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 31, "'host' is only allowed with \"event\": \"socket.getaddrinfo\"" },
	{ "host empty", R("  {\"event\": \"socket.getaddrinfo\", \"host\": \"\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 43, "host glob '' is empty" },
	{ "unknown key adress", R("  {" CONNECT "\"adress\": \"::1\", \"action\": \"deny\"}"),
	  POLICY_ERROR, 2, 31, "unknown key 'adress' in rule; did you mean 'address'?" },
	{ "default event", "{\"version\": 1, \"default\": {\"action\": \"deny\", \"event\": \"socket.conect\"}}",
	  POLICY_ERROR, 1, 55, "unknown event 'socket.conect'; did you mean 'socket.connect'?" },
	{ "unreachable: a wider block",
	  R("  {" CONNECT "\"address\": [\"10.0.0.0/8\", \"::1\"], \"action\": \"allow\"},\n"
	    "  {" CONNECT "\"address\": \"10.1.0.0/16\", \"port\": 80, \"action\": \"deny\"}"),
	  POLICY_WARNING, 3, 3,
	  "rules[1] is unreachable: rules[0] (line 2) matches everything it matches" },
	{ "unreachable: no address field covers any",
	  R("  {\"event\": [\"socket.connect\", \"socket.bind\"], \"action\": \"allow\"},\n"
	    "  {\"id\": \"b\", \"event\": \"socket.bind\", \"address\": \"/run/*.sock\", \"action\": \"deny\"}"),
	  POLICY_WARNING, 3, 3,
	  "rule 'b' is unreachable: rules[0] (line 2) matches everything it matches" },
	{ "unreachable: a port range",
	  R("  {\"event\": \"socket.bind\", \"port\": \"0-1023\", \"action\": \"deny\"},\n"
	    "  {\"event\": \"socket.bind\", \"port\": [22, \"80-443\"], \"address\": \"0.0.0.0\", \"action\": \"allow\"}"),
	  POLICY_WARNING, 3, 3,
	  "rules[1] is unreachable: rules[0] (line 2) matches everything it matches" },
	{ "unreachable: a host glob, case folded",
	  R("  {\"event\": \"socket.getaddrinfo\", \"host\": \"*.Example.COM\", \"action\": \"deny\"},\n"
	    "  {\"event\": \"socket.getaddrinfo\", \"host\": \"www.example.com\", \"action\": \"allow\"}"),
	  POLICY_WARNING, 3, 3,
	  "rules[1] is unreachable: rules[0] (line 2) matches everything it matches" },
	{ "unreachable: an abstract glob",
	  R("  {" CONNECT "\"address\": \"@/tmp/.X11-unix/*\", \"action\": \"allow\"},\n"
	    "  {" CONNECT "\"address\": \"@/tmp/.X11-unix/X0\", \"action\": \"deny\"}"),
	  POLICY_WARNING, 3, 3,
	  "rules[1] is unreachable: rules[0] (line 2) matches everything it matches" },
	{ "unreachable by a glob",
	  R("  {\"exe\": \"/usr/bin/*\", \"action\": \"allow\"},\n"
	    "  {\"exe\": \"/usr/bin/curl\", \"family\": \"AF_INET\", \"action\": \"deny\"}"),
	  POLICY_WARNING, 3, 3,
	  "rules[1] is unreachable: rules[0] (line 2) matches everything it matches" },
};

static void test_case(size_t i)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	const char *text = cases[i].text;
	size_t len = strlen(text);
	int rc;

	if (!strcmp(cases[i].name, "NUL byte"))
		len++;
	rc = policy_parse(text, len, &p, &d);
	if (cases[i].sev == POLICY_WARNING) {
		CHECK_INT(rc, 0, "%s: parses", cases[i].name);
		CHECK_INT(d.errors, 0, "%s: no errors", cases[i].name);
		CHECK_INT(d.warnings, 1, "%s: one warning", cases[i].name);
	} else {
		CHECK_INT(rc, -EINVAL, "%s: rejected", cases[i].name);
		CHECK(p == NULL, "%s: no policy", cases[i].name);
		CHECK_INT(d.errors, 1, "%s: one error", cases[i].name);
	}
	if (d.count) {
		CHECK_INT(d.items[0].severity, cases[i].sev, "%s: severity", cases[i].name);
		CHECK_STR(d.items[0].message, cases[i].message, "%s: message", cases[i].name);
		CHECK_INT(d.items[0].line, cases[i].line, "%s: line", cases[i].name);
		CHECK_INT(d.items[0].col, cases[i].col, "%s: column", cases[i].name);
	} else {
		CHECK(0, "%s: a diagnostic", cases[i].name);
	}
	policy_free(p);
	policy_diags_free(&d);
}

static char *render(const char *text, const char *file)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	policy_parse(text, strlen(text), &p, &d);
	policy_diags_print(f, &d, file, text, strlen(text));
	fclose(f);
	policy_free(p);
	policy_diags_free(&d);
	return buf;
}

static void test_caret(void)
{
	char *out = render("{\"version\": 1, \"rules\": [\n"
			   "\t{\"family\": \"AF_INTE\", \"action\": \"deny\"}\n]}",
			   "policy.json");

	CHECK_STR(out,
		  "policy.json:2:13: error: unknown family 'AF_INTE'; did you mean 'AF_INET'?\n"
		  "    2 | \t{\"family\": \"AF_INTE\", \"action\": \"deny\"}\n"
		  "      | \t           ^\n",
		  "caret under the column, tabs kept");
	free(out);

	out = render("{\"version\": 1, \"rules\": [\n"
		     "  {\"id\": \"x\", \"action\": \"allow\"},\n"
		     "  {\"id\": \"x\", \"action\": \"deny\"}]}", "p.json");
	CHECK_STR(out,
		  "p.json:3:10: error: duplicate rule id 'x'\n"
		  "    3 |   {\"id\": \"x\", \"action\": \"deny\"}]}\n"
		  "      |          ^\n"
		  "p.json:2:10: note: 'x' first used here, by rules[0]\n"
		  "    2 |   {\"id\": \"x\", \"action\": \"allow\"},\n"
		  "      |          ^\n",
		  "a note follows its error");
	free(out);
}

/* A long line is shown as a window around the column. */
static void test_long_line(void)
{
	char text[1024], *out, *caret_line, *src_line;
	int n = snprintf(text, sizeof(text), "{\"version\": 1, \"comment\": \"%0300d\", \"mode\": \"x\"}", 0);
	size_t col = (size_t)(strstr(text, "\"x\"") - text);

	(void)n;
	out = render(text, "p");
	CHECK(out && !strncmp(out, "p:1:", 4), "long line: diagnostic");
	src_line = out ? strchr(out, '\n') + 1 : NULL;
	caret_line = src_line ? strchr(src_line, '\n') + 1 : NULL;
	CHECK(src_line && strstr(src_line, "    1 | ...") == src_line, "long line: window starts with ...");
	CHECK(caret_line && strlen(caret_line) < 140, "long line: caret line is short");
	if (src_line && caret_line) {
		size_t at = (size_t)(strchr(caret_line, '^') - caret_line);

		CHECK(src_line[at] == '"' && src_line[at + 1] == 'x',
		      "long line: caret under the value (column %zu)", col + 1);
	}
	free(out);
}

/* Every error in one pass, in document order. */
static void test_one_pass(void)
{
	const char *text =
		"{\"version\": 1, \"mode\": \"enforcing\", \"rules\": [\n"
		"  {\"family\": \"AF_INTE\", \"action\": \"deny\"},\n"
		"  {\"type\": \"SOCK_STREAM\", \"action\": \"alow\"}\n"
		"], \"extra\": true}";
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	int rc = policy_parse(text, strlen(text), &p, &d);

	CHECK_INT(rc, -EINVAL, "three errors: rejected");
	CHECK_INT(d.errors, 4, "three errors and an unknown key: 4 errors");
	CHECK_INT(d.count, 4, "4 diagnostics");
	if (d.count == 4) {
		CHECK_INT(d.items[0].line, 1, "first: mode, line 1");
		CHECK_INT(d.items[0].col, 24, "first: mode, column 24");
		CHECK_INT(d.items[1].line, 2, "second: family, line 2");
		CHECK_INT(d.items[2].line, 3, "third: action, line 3");
		CHECK_INT(d.items[3].line, 4, "fourth: extra, line 4");
		CHECK_STR(d.items[3].message, "unknown key 'extra' in policy", "fourth message");
		CHECK_STR(d.items[1].path, "rules[0].family", "path of the second");
	}
	policy_diags_free(&d);
	CHECK(p == NULL, "no policy on errors");

	/* NULL diags: still rejected. */
	CHECK_INT(policy_parse(text, strlen(text), &p, NULL), -EINVAL, "NULL diags");
}

/* Diagnostics accumulate across calls; counts grow. */
static void test_accumulate(void)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;

	CHECK_INT(policy_parse("{}", 2, &p, &d), -EINVAL, "first policy");
	CHECK_INT(policy_parse("{\"version\": 1}", 14, &p, &d), 0, "a valid one after it");
	CHECK_INT(d.errors, 1, "the valid one adds no error");
	policy_free(p);
	policy_diags_free(&d);
}

/* Rules an earlier one does not cover stay quiet: a narrower block, a
 * port range not inside, the unnamed address against a path glob. */
static void test_reachable(void)
{
	static const char *const texts[] = {
		R("  {" CONNECT "\"address\": \"10.1.0.0/16\", \"action\": \"allow\"},\n"
		  "  {" CONNECT "\"address\": \"10.0.0.0/8\", \"action\": \"deny\"}"),
		R("  {" CONNECT "\"address\": \"10.0.0.0/8\", \"action\": \"allow\"},\n"
		  "  {" CONNECT "\"address\": [\"10.0.0.1\", \"11.0.0.1\"], \"action\": \"deny\"}"),
		R("  {" CONNECT "\"address\": \"10.0.0.0/8\", \"action\": \"allow\"},\n"
		  "  {" CONNECT "\"action\": \"deny\"}"),
		R("  {" CONNECT "\"port\": \"1-1023\", \"action\": \"allow\"},\n"
		  "  {" CONNECT "\"port\": \"0-80\", \"action\": \"deny\"}"),
		R("  {" CONNECT "\"address\": \"*\", \"action\": \"allow\"},\n"
		  "  {" CONNECT "\"address\": \"\", \"action\": \"deny\"}"),
		R("  {" CONNECT "\"address\": \"::/0\", \"action\": \"allow\"},\n"
		  "  {" CONNECT "\"address\": \"127.0.0.1\", \"action\": \"deny\"}"),
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct policy_diags d = { 0 };
		struct policy *p = NULL;

		CHECK_INT(policy_parse(texts[i], strlen(texts[i]), &p, &d), 0,
			  "reachable %zu: parses", i);
		CHECK_INT(d.count, 0, "reachable %zu: no warning", i);
		policy_free(p);
		policy_diags_free(&d);
	}
}

int main(void)
{
	test_reachable();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(i);
	test_caret();
	test_long_line();
	test_one_pass();
	test_accumulate();
	return check_done();
}
