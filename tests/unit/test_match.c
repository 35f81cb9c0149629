/* SPDX-License-Identifier: MIT */
/* test_match.c - the matcher, table-driven: first match wins, the default,
 * flags never decide, protocol 0 resolves, protocol names are scoped to
 * their families, how, events, exe globs, unknown sockets, decision names,
 * and the embedded default against policy/examples/audit-all.json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <arpa/inet.h>

#include "check.h"
#include "policy.h"
#include "rules.h"
#include "schema.h"

static const char policy_text[] =
	"{\"version\": 1, \"default\": {\"action\": \"allow\"}, \"rules\": [\n"
	" {\"id\": \"no-packet\", \"family\": \"AF_PACKET\", \"action\": \"deny\", \"errno\": \"EPERM\"},\n"
	" {\"id\": \"tcp\", \"protocol\": \"IPPROTO_TCP\", \"action\": \"deny\", \"errno\": \"ECONNREFUSED\"},\n"
	" {\"id\": \"nl6\", \"family\": \"AF_NETLINK\", \"protocol\": 6, \"action\": \"kill\"},\n"
	" {\"id\": \"stream-unix\", \"family\": \"AF_UNIX\", \"type\": \"SOCK_STREAM\", \"action\": \"allow\", \"log\": false},\n"
	" {\"id\": \"unix-any\", \"family\": \"AF_UNIX\", \"action\": \"deny\"},\n"
	" {\"id\": \"shut-wr\", \"event\": \"socket.shutdown\", \"how\": \"SHUT_WR\", \"action\": \"deny\", \"errno\": \"EPERM\"},\n"
	" {\"id\": \"shut-inet\", \"event\": \"socket.shutdown\", \"family\": \"AF_INET\", \"action\": \"deny\", \"errno\": \"EBADF\"},\n"
	" {\"id\": \"curl\", \"exe\": [\"/usr/bin/cu?l\", \"/opt/*/bin/[a-c]*\"], \"family\": \"AF_INET6\", \"action\": \"deny\", \"errno\": \"ENETUNREACH\"},\n"
	" {\"event\": [\"socket.__new__\", \"socket.shutdown\"], \"family\": \"AF_CAN\", \"action\": \"deny\"}\n"
	"]}";

#define NEW(f, t, p, x) { .event = POLICY_EV_NEW, .family = f, .type = t, .protocol = p, .exe = x }
#define SHUT(h, f, t, p) { .event = POLICY_EV_SHUTDOWN, .family = f, .type = t, .protocol = p, .how = h }

static const struct {
	const char *name;
	struct policy_call call;
	enum policy_action action;
	int err;
	int rule;		/* -1: the default */
	bool log;
} cases[] = {
	{ "packet socket", NEW(AF_PACKET, SOCK_RAW, 768, NULL), POLICY_DENY, EPERM, 0, true },
	{ "inet stream, protocol 0 resolves to TCP", NEW(AF_INET, SOCK_STREAM, 0, NULL),
	  POLICY_DENY, ECONNREFUSED, 1, true },
	{ "inet stream with flags", NEW(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 6, NULL),
	  POLICY_DENY, ECONNREFUSED, 1, true },
	{ "inet6 stream, protocol 0", NEW(AF_INET6, SOCK_STREAM, 0, NULL), POLICY_DENY, ECONNREFUSED, 1, true },
	{ "inet datagram: default", NEW(AF_INET, SOCK_DGRAM, 0, NULL), POLICY_ALLOW, 0, -1, true },
	{ "inet raw protocol 6 is TCP", NEW(AF_INET, SOCK_RAW, 6, NULL), POLICY_DENY, ECONNREFUSED, 1, true },
	{ "netlink protocol 6 is not IPPROTO_TCP", NEW(AF_NETLINK, SOCK_RAW, 6, NULL),
	  POLICY_KILL, 0, 2, true },
	{ "netlink route: default", NEW(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, NULL), POLICY_ALLOW, 0, -1, true },
	{ "unix stream, flags ignored", NEW(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, NULL),
	  POLICY_ALLOW, 0, 3, false },
	{ "unix datagram: default errno EACCES", NEW(AF_UNIX, SOCK_DGRAM, 0, NULL), POLICY_DENY, EACCES, 4, true },
	{ "shutdown SHUT_WR, unknown socket", SHUT(SHUT_WR, -1, -1, -1), POLICY_DENY, EPERM, 5, true },
	{ "shutdown SHUT_RD inet", SHUT(SHUT_RD, AF_INET, SOCK_STREAM, IPPROTO_TCP), POLICY_DENY, EBADF, 6, true },
	{ "shutdown SHUT_RD, unknown socket: family rules skip", SHUT(SHUT_RD, -1, -1, -1),
	  POLICY_ALLOW, 0, -1, true },
	{ "shutdown of a CAN socket", SHUT(SHUT_RDWR, AF_CAN, SOCK_RAW, 1), POLICY_DENY, EACCES, 8, true },
	{ "new CAN socket", NEW(AF_CAN, SOCK_RAW, 1, NULL), POLICY_DENY, EACCES, 8, true },
	{ "exe glob ?", NEW(AF_INET6, SOCK_DGRAM, 0, "/usr/bin/curl"), POLICY_DENY, ENETUNREACH, 7, true },
	{ "exe glob * crosses /", NEW(AF_INET6, SOCK_DGRAM, 0, "/opt/x/y/bin/b2"),
	  POLICY_DENY, ENETUNREACH, 7, true },
	{ "exe glob set misses", NEW(AF_INET6, SOCK_DGRAM, 0, "/opt/x/bin/d"), POLICY_ALLOW, 0, -1, true },
	{ "no exe: exe rules skip", NEW(AF_INET6, SOCK_DGRAM, 0, NULL), POLICY_ALLOW, 0, -1, true },
	{ "first match wins over a later exe rule", NEW(AF_INET6, SOCK_STREAM, 0, "/usr/bin/curl"),
	  POLICY_DENY, ECONNREFUSED, 1, true },
	{ "unknown event value", { .event = POLICY_EV_COUNT, .family = AF_CAN, .type = SOCK_RAW },
	  POLICY_ALLOW, 0, -1, true },
};

static void test_table(void)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	int rc = policy_parse(policy_text, strlen(policy_text), &p, &d);

	CHECK_INT(rc, 0, "match policy parses");
	CHECK_INT(d.count, 0, "match policy: no diagnostics");
	policy_diags_free(&d);
	if (rc)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_decision dec;
		const char *want_id = NULL;
		char place[32];

		memset(&dec, 0x5a, sizeof(dec));
		policy_match(p, &cases[i].call, &dec);
		/* An unnamed rule is named by its place. */
		if (cases[i].rule >= 0)
			want_id = p->rules[cases[i].rule].id;
		if (cases[i].rule >= 0 && !want_id) {
			snprintf(place, sizeof(place), "rules[%d]", cases[i].rule);
			want_id = place;
		}
		CHECK_INT(dec.action, cases[i].action, "%s: action", cases[i].name);
		CHECK_INT(dec.err, cases[i].err, "%s: errno", cases[i].name);
		CHECK_INT(dec.rule, cases[i].rule, "%s: rule", cases[i].name);
		CHECK_STR(dec.rule_id, want_id, "%s: rule id", cases[i].name);
		CHECK_INT(dec.log, cases[i].log, "%s: log", cases[i].name);
	}
	policy_free(p);
}

static const struct {
	const char *glob, *str;
	bool match;
} globs[] = {
	{ "/usr/bin/curl", "/usr/bin/curl", true },
	{ "/usr/bin/curl", "/usr/bin/curl2", false },
	{ "*", "/anything/at/all", true },
	{ "*", "", true },
	{ "/usr/*", "/usr/lib/x/y", true },
	{ "*/curl", "/usr/bin/curl", true },
	{ "*/curl", "/usr/bin/curlx", false },
	{ "/a*b*c", "/aXbYbZc", true },
	{ "/a*b*c", "/aXbYbZcd", false },
	{ "/bin/?s", "/bin/ls", true },
	{ "/bin/?s", "/bin/s", false },
	{ "/bin/[lp]s", "/bin/ps", true },
	{ "/bin/[!lp]s", "/bin/ps", false },
	{ "/bin/[^lp]s", "/bin/ks", true },
	{ "/bin/[a-c]x", "/bin/bx", true },
	{ "/bin/[a-c]x", "/bin/dx", false },
	{ "/bin/[]]x", "/bin/]x", true },
	{ "/bin/\\*", "/bin/*", true },
	{ "/bin/\\*", "/bin/a", false },
	{ "/bin/[ab", "/bin/[ab", true },
	{ "**/x", "/a/b/x", true },
	{ "/x/", "/x", false },
	{ "/a*a*a*a*a*a*a*a*b", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
};

static void test_globs(void)
{
	for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++)
		CHECK_INT(rule_glob_match(globs[i].glob, globs[i].str), globs[i].match,
			  "glob '%s' on '%s'", globs[i].glob, globs[i].str);
}

static void test_decision_names(void)
{
	static const struct {
		enum policy_action a;
		enum policy_mode m;
		const char *name;
	} t[] = {
		{ POLICY_ALLOW, POLICY_ENFORCE, "allow" },
		{ POLICY_ALLOW, POLICY_AUDIT, "allow" },
		{ POLICY_DENY, POLICY_ENFORCE, "deny" },
		{ POLICY_DENY, POLICY_AUDIT, "would_deny" },
		{ POLICY_KILL, POLICY_ENFORCE, "kill" },
		{ POLICY_KILL, POLICY_AUDIT, "would_deny" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct policy_decision d = { .action = t[i].a, .err = EACCES, .rule = -1 };

		CHECK_STR(event_decision_word(event_decision_of(&d, t[i].m)), t[i].name,
			  "decision name of action %d in mode %d", (int)t[i].a, (int)t[i].m);
	}
}

/* The mode: audit turns a deny into would_deny; set_mode overrides. */
static void test_mode(void)
{
	const char *text = "{\"version\": 1, \"mode\": \"audit\", \"default\": {\"action\": \"deny\"}}";
	struct policy *p = NULL;
	struct policy_decision d;
	struct policy_call call = NEW(AF_INET, SOCK_STREAM, 0, NULL);

	CHECK_INT(policy_parse(text, strlen(text), &p, NULL), 0, "audit policy parses");
	if (!p)
		return;
	CHECK_INT(policy_mode(p), POLICY_AUDIT, "mode audit");
	policy_match(p, &call, &d);
	CHECK_STR(event_decision_word(event_decision_of(&d, policy_mode(p))), "would_deny", "audit: would_deny");
	CHECK_INT(d.err, EACCES, "default deny errno EACCES");
	policy_set_mode(p, POLICY_ENFORCE);
	CHECK_STR(event_decision_word(event_decision_of(&d, policy_mode(p))), "deny", "set_mode enforce: deny");
	policy_free(p);
}

/* policy_default() decides as policy/examples/audit-all.json does. */
static void test_default(void)
{
	const struct policy *def = policy_default();
	struct policy_diags d = { 0 };
	struct policy *file = NULL;
	int rc = policy_load("policy/examples/audit-all.json", &file, &d);
	static const int families[] = { -1, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_ALG, 200 };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET | SOCK_CLOEXEC };
	size_t same = 0, total = 0;

	CHECK_INT(rc, 0, "audit-all.json loads (from the source tree)");
	CHECK_INT(d.count, 0, "audit-all.json: no diagnostics");
	policy_diags_free(&d);
	CHECK(def == policy_default(), "policy_default is one object");
	CHECK_INT(policy_mode(def), POLICY_AUDIT, "default: audit mode");
	CHECK_INT(policy_rule_count(def), 0, "default: no rules");
	CHECK(!policy_io_uring_allowed(def), "default: io_uring not allowed");
	if (!file)
		return;
	CHECK_INT(policy_mode(file), policy_mode(def), "same mode");
	CHECK_INT(policy_rule_count(file), policy_rule_count(def), "same rule count");
	CHECK_INT(policy_io_uring_allowed(file), policy_io_uring_allowed(def), "same io_uring");
	for (int ev = 0; ev < POLICY_EV_COUNT; ev++)
		for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
			for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
				for (int proto = 0; proto < 3; proto++) {
					struct policy_call c = {
						.event = (enum policy_event)ev, .family = families[f],
						.type = types[t], .protocol = proto, .how = proto,
						.exe = "/bin/x" };
					struct policy_decision a, b;

					policy_match(def, &c, &a);
					policy_match(file, &c, &b);
					total++;
					same += a.action == b.action && a.err == b.err &&
						a.log == b.log && a.rule == b.rule &&
						event_decision_of(&a, policy_mode(def)) ==
							event_decision_of(&b, policy_mode(file));
				}
	CHECK_INT(same, total, "default and audit-all.json agree on %zu calls", total);
	policy_free(file);
}

static const char addr_policy_text[] =
	"{\"version\": 1, \"default\": {\"action\": \"deny\", \"errno\": \"EPERM\","
	"  \"event\": [\"socket.__new__\", \"socket.connect\", \"socket.getaddrinfo\"]}, \"rules\": [\n"
	" {\"id\": \"lo\", \"event\": [\"socket.connect\", \"socket.sendto\"], \"address\": [\"127.0.0.0/8\", \"::1\"], \"action\": \"allow\"},\n"
	" {\"id\": \"web\", \"event\": \"socket.connect\", \"port\": [80, \"8000-8099\"], \"action\": \"allow\", \"log\": false},\n"
	" {\"id\": \"x11\", \"event\": \"socket.connect\", \"address\": \"@/tmp/.X11-unix/X*\", \"action\": \"allow\"},\n"
	" {\"id\": \"run\", \"event\": \"socket.connect\", \"address\": \"/run/*.sock\", \"action\": \"allow\"},\n"
	" {\"id\": \"unnamed\", \"event\": \"socket.bind\", \"address\": \"\", \"action\": \"deny\", \"errno\": \"EADDRINUSE\"},\n"
	" {\"id\": \"low\", \"event\": \"socket.bind\", \"port\": \"0-1023\", \"action\": \"deny\"},\n"
	" {\"id\": \"v6\", \"event\": \"socket.bind\", \"address\": \"fe80::/10\", \"action\": \"kill\"},\n"
	" {\"id\": \"dns\", \"event\": \"socket.getaddrinfo\", \"host\": [\"localhost\", \"*.LOCAL\"], \"action\": \"allow\"},\n"
	" {\"id\": \"gai-port\", \"event\": \"socket.getaddrinfo\", \"port\": 443, \"action\": \"allow\"}\n"
	"]}";

/* A call naming an inet address TEXT (v4 or v6) and PORT. */
static struct policy_call inet_call(enum policy_event ev, const char *text, int port)
{
	struct policy_call c = { .event = ev, .family = AF_INET, .type = SOCK_STREAM,
				 .has_addr = true, .has_port = true, .port = port };

	if (inet_pton(AF_INET, text, c.ip) == 1) {
		c.addr_family = AF_INET;
	} else {
		c.addr_family = AF_INET6;
		c.family = AF_INET6;
		CHECK(inet_pton(AF_INET6, text, c.ip) == 1, "test address %s", text);
	}
	return c;
}

static struct policy_call unix_call(enum policy_event ev, const char *path, size_t len,
				    bool abstract)
{
	return (struct policy_call){ .event = ev, .family = AF_UNIX, .type = SOCK_STREAM,
				     .has_addr = true, .addr_family = AF_UNIX, .path = path,
				     .path_len = len, .abstract = abstract };
}

static void expect(const struct policy *p, const char *name, const struct policy_call *c,
		   enum policy_action action, int err, const char *rule)
{
	struct policy_decision d;

	policy_match(p, c, &d);
	CHECK(d.action == action && d.err == err &&
	      (rule ? d.rule_id && !strcmp(d.rule_id, rule) : d.rule == -1),
	      "%s: action %d err %d rule %s (got %d %d %s)", name, action, err,
	      rule ? rule : "(default)", d.action, d.err, d.rule_id ? d.rule_id : "(default)");
}

static void test_address(void)
{
	struct policy_diags diags = { 0 };
	struct policy *p = NULL;
	struct policy_call c;
	struct policy_decision d;

	CHECK_INT(policy_parse(addr_policy_text, strlen(addr_policy_text), &p, &diags), 0,
		  "address policy parses");
	for (size_t i = 0; i < diags.count; i++)
		printf("#   %d:%d: %s\n", diags.items[i].line, diags.items[i].col, diags.items[i].message);
	policy_diags_free(&diags);
	if (!p)
		return;
	c = inet_call(POLICY_EV_CONNECT, "127.1.2.3", 9);
	expect(p, "v4 in 127.0.0.0/8", &c, POLICY_ALLOW, 0, "lo");
	c = inet_call(POLICY_EV_SENDTO, "127.0.0.1", 9);
	expect(p, "sendto: the same rule", &c, POLICY_ALLOW, 0, "lo");
	c = inet_call(POLICY_EV_CONNECT, "128.0.0.1", 9);
	expect(p, "v4 outside, no port rule: the default names connect", &c, POLICY_DENY, EPERM, NULL);
	c = inet_call(POLICY_EV_CONNECT, "::ffff:127.0.0.1", 9);
	expect(p, "v4-mapped v6 matches the v4 block", &c, POLICY_ALLOW, 0, "lo");
	c = inet_call(POLICY_EV_CONNECT, "::ffff:128.0.0.1", 9);
	expect(p, "v4-mapped v6 outside", &c, POLICY_DENY, EPERM, NULL);
	c = inet_call(POLICY_EV_CONNECT, "::127.0.0.1", 9);
	expect(p, "v4-compatible v6 is not mapped", &c, POLICY_DENY, EPERM, NULL);
	c = inet_call(POLICY_EV_CONNECT, "::1", 9);
	expect(p, "::1", &c, POLICY_ALLOW, 0, "lo");
	c = inet_call(POLICY_EV_CONNECT, "::2", 9);
	expect(p, "::2 misses ::1", &c, POLICY_DENY, EPERM, NULL);
	c = inet_call(POLICY_EV_CONNECT, "10.0.0.1", 80);
	expect(p, "port 80", &c, POLICY_ALLOW, 0, "web");
	c = inet_call(POLICY_EV_CONNECT, "10.0.0.1", 8099);
	expect(p, "port range, upper end", &c, POLICY_ALLOW, 0, "web");
	c = inet_call(POLICY_EV_CONNECT, "10.0.0.1", 8100);
	expect(p, "port range, past the end", &c, POLICY_DENY, EPERM, NULL);
	c.has_addr = false;
	expect(p, "no address: no address or port rule", &c, POLICY_DENY, EPERM, NULL);
	c = unix_call(POLICY_EV_CONNECT, "/tmp/.X11-unix/X0", 17, true);
	expect(p, "abstract glob", &c, POLICY_ALLOW, 0, "x11");
	c = unix_call(POLICY_EV_CONNECT, "/tmp/.X11-unix/X0", 17, false);
	expect(p, "the same path, not abstract", &c, POLICY_DENY, EPERM, NULL);
	c = unix_call(POLICY_EV_CONNECT, "/tmp/.X11-unix/X0\0evil", 22, true);
	expect(p, "abstract glob: '*' crosses the NUL", &c, POLICY_ALLOW, 0, "x11");
	c = unix_call(POLICY_EV_CONNECT, "/tmp/.X11-unix/Y\0X", 18, true);
	expect(p, "abstract glob: a NUL is a byte, not the end", &c, POLICY_DENY, EPERM, NULL);
	c = unix_call(POLICY_EV_CONNECT, "/run/a.sock", 11, false);
	expect(p, "path glob", &c, POLICY_ALLOW, 0, "run");
	c = unix_call(POLICY_EV_CONNECT, "/run/a.sockx", 12, false);
	expect(p, "path glob misses", &c, POLICY_DENY, EPERM, NULL);
	c = unix_call(POLICY_EV_BIND, "", 0, false);
	expect(p, "unnamed", &c, POLICY_DENY, EADDRINUSE, "unnamed");
	c = unix_call(POLICY_EV_BIND, "/x", 2, false);
	expect(p, "bind a path: no rule, the default does not name bind", &c, POLICY_ALLOW, 0, NULL);
	c = inet_call(POLICY_EV_BIND, "0.0.0.0", 80);
	expect(p, "bind a low port", &c, POLICY_DENY, EACCES, "low");
	c = inet_call(POLICY_EV_BIND, "fe80::1", 8080);
	expect(p, "bind fe80::/10", &c, POLICY_KILL, 0, "v6");
	c = inet_call(POLICY_EV_BIND, "fec0::1", 8080);
	expect(p, "fec0:: is outside fe80::/10", &c, POLICY_ALLOW, 0, NULL);
	c = (struct policy_call){ .event = POLICY_EV_GETADDRINFO, .family = -1, .host = "LocalHost" };
	expect(p, "host, case folded", &c, POLICY_ALLOW, 0, "dns");
	c.host = "printer.Local";
	expect(p, "host glob, case folded", &c, POLICY_ALLOW, 0, "dns");
	c.host = "example.com";
	expect(p, "host misses", &c, POLICY_DENY, EPERM, NULL);
	c.has_port = true;
	c.port = 443;
	expect(p, "getaddrinfo's numeric service, no address", &c, POLICY_ALLOW, 0, "gai-port");
	c.host = NULL;
	c.has_port = false;
	expect(p, "no host: no host rule", &c, POLICY_DENY, EPERM, NULL);

	/* Unknown address: rules that look at it may match. */
	c = inet_call(POLICY_EV_CONNECT, "8.8.8.8", 9);
	policy_match_strictest(p, &c, POLICY_UNKNOWN_ADDRESS, &d);
	CHECK(d.action == POLICY_DENY && d.err == EPERM && d.rule == -1,
	      "strictest, address unknown: the default's deny is the strictest");
	c = inet_call(POLICY_EV_BIND, "8.8.8.8", 9);
	policy_match_strictest(p, &c, POLICY_UNKNOWN_ADDRESS, &d);
	CHECK(d.action == POLICY_KILL && d.rule == 6,
	      "strictest, address unknown: a kill rule on the address could decide");
	policy_match_strictest(p, &c, 0, &d);
	CHECK(d.action == POLICY_DENY && d.rule == 5, "strictest, address known: first match");
	policy_free(p);

	/* No path glob but "" matches the unnamed address; a family rule on an
	 * address event needs the socket's facts, an address rule does not. */
	{
		static const char t[] =
			"{\"version\": 1, \"rules\": [\n"
			" {\"id\": \"any-path\", \"event\": \"socket.bind\", \"address\": \"*\", \"action\": \"deny\"},\n"
			" {\"event\": \"socket.connect\", \"family\": \"AF_INET\", \"action\": \"deny\"}]}";

		CHECK_INT(policy_parse(t, strlen(t), &p, NULL), 0, "path glob policy parses");
		if (p) {
			c = unix_call(POLICY_EV_BIND, "", 0, false);
			expect(p, "'*' does not match the unnamed address", &c, POLICY_ALLOW, 0, NULL);
			c = unix_call(POLICY_EV_BIND, "x", 1, false);
			expect(p, "'*' matches a relative path", &c, POLICY_DENY, EACCES, "any-path");
			CHECK(!policy_needs_facts(p, POLICY_EV_BIND), "needs_facts: an address rule does not");
			CHECK(policy_needs_facts(p, POLICY_EV_CONNECT), "needs_facts: a family rule on connect");
			CHECK(!policy_needs_facts(p, POLICY_EV_NEW), "needs_facts: not for other events");
			policy_free(p);
		}
	}
	CHECK(rule_glob_match_n("a*c", "ab\0c", 4), "glob_n: '*' over a NUL");
	CHECK(!rule_glob_match_n("a?c", "ab\0c", 4), "glob_n: '?' is one byte");
	CHECK(rule_glob_match_n("a?c", "a\0c", 3), "glob_n: '?' matches a NUL");
	CHECK(!rule_glob_match_n("abc", "ab", 3), "glob_n: a NUL is not the glob's end");
	CHECK(rule_glob_match_n("", "", 0), "glob_n: empty");
}

int main(void)
{
	test_address();
	test_table();
	test_globs();
	test_decision_names();
	test_mode();
	test_default();
	return check_done();
}
