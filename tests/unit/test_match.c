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

		memset(&dec, 0x5a, sizeof(dec));
		policy_match(p, &cases[i].call, &dec);
		if (cases[i].rule >= 0)
			want_id = p->rules[cases[i].rule].id;
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

int main(void)
{
	test_table();
	test_globs();
	test_decision_names();
	test_mode();
	test_default();
	return check_done();
}
