/* SPDX-License-Identifier: MIT */
/* test_ports.c - policy_tcp_ports(): the TCP ports a policy could allow
 * (policy/ports.c), on rule tables built by hand: first match, the
 * default per event, rules that match some calls (an address, an exe) and
 * rules that match every call, families, types, protocols, word edges,
 * audit mode; then on parsed policies, against the matcher: no call
 * policy_match() allows is to a refused port. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "names.h"
#include "policy.h"
#include "rules.h"

#define EV(e) RULE_EV_BIT(POLICY_EV_##e)
#define PORTS(...) .ports = (const struct rule_port[]){ __VA_ARGS__ }, \
	.n_ports = sizeof((const struct rule_port[]){ __VA_ARGS__ }) / sizeof(struct rule_port)
#define FAMILIES(...) .families = (const int[]){ __VA_ARGS__ }, \
	.n_families = sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int)
#define TYPES(...) .types = (const int[]){ __VA_ARGS__ }, \
	.n_types = sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int)
#define ADDRS(...) .addrs = (const struct rule_addr[]){ __VA_ARGS__ }, \
	.n_addrs = sizeof((const struct rule_addr[]){ __VA_ARGS__ }) / sizeof(struct rule_addr)
#define EXES(...) .exes = (const char *const[]){ __VA_ARGS__ }, \
	.n_exes = sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *)
#define ALLOW .action = POLICY_ALLOW
#define DENY .action = POLICY_DENY, .err = 13
#define KILL .action = POLICY_KILL

#define V4(a, b, c, d, len) { .kind = RULE_ADDR_INET, .family = AF_INET, \
	.ip = { a, b, c, d }, .prefix = len }
#define V6_ANY { .kind = RULE_ADDR_INET, .family = AF_INET6, .prefix = 0 }

/* A policy of RULES, enforce mode, default ACTION deciding DEFAULT_EVENTS. */
static struct policy mk(const struct policy_rule *rules, size_t n, enum policy_action action,
			unsigned default_events)
{
	return (struct policy){
		.version = 1, .mode = POLICY_ENFORCE, .default_action = action,
		.default_err = action == POLICY_DENY ? 13 : 0, .default_log = true,
		.default_events = default_events, .rules = rules, .n_rules = n,
	};
}

#define MK(action, events, ...)							\
	mk((const struct policy_rule[]){ __VA_ARGS__ },				\
	   sizeof((const struct policy_rule[]){ __VA_ARGS__ }) / sizeof(struct policy_rule), \
	   action, events)

/* The allowed ports as "80,443,1024-65535" ("" for none), and whether any
 * port is refused, as "refused: ..." or "all". */
static const char *ranges(const struct policy *p, enum policy_event ev)
{
	static char buf[4096];
	static uint8_t allowed[POLICY_PORTS_BYTES];
	size_t n = 0;
	bool refused = policy_tcp_ports(p, ev, allowed);

	buf[0] = '\0';
	for (int lo = 0; lo < 65536;) {
		int hi;

		if (!(allowed[lo / 8] & (1u << (lo % 8)))) {
			lo++;
			continue;
		}
		for (hi = lo; hi + 1 < 65536 && (allowed[(hi + 1) / 8] & (1u << ((hi + 1) % 8))); hi++)
			;
		if (n > sizeof(buf) - 32)	/* the rest as "..." */
			break;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%d", n ? "," : "", lo);
		if (hi > lo)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "-%d", hi);
		lo = hi + 1;
	}
	if (n > sizeof(buf) - 32)
		strcpy(buf + n, ",...");
	/* The return value agrees with the bits. */
	if (refused != (strcmp(buf, "0-65535") != 0))
		return "return value disagrees with the bits";
	return buf;
}

static int tcp_table, netlink_table;

static void tables(void)
{
	int v;

	names_protocol_value("IPPROTO_TCP", &v, &tcp_table);
	names_protocol_value("NETLINK_ROUTE", &v, &netlink_table);
}

static void test_default(void)
{
	struct policy p = mk(NULL, 0, POLICY_DENY, EV(NEW) | EV(SHUTDOWN));

	/* A default without "event" does not decide address events. */
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-65535", "default deny for new/shutdown: connect open");
	p.default_events = EV(NEW) | EV(CONNECT);
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "", "default deny naming connect: every port refused");
	CHECK_STR(ranges(&p, POLICY_EV_BIND), "0-65535", "... bind still open");
	p.mode = POLICY_AUDIT;
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-65535", "audit mode refuses nothing");
	p.mode = POLICY_ENFORCE;
	CHECK_STR(ranges(&p, POLICY_EV_NEW), "0-65535", "not an address event: everything");
	CHECK_STR(ranges(&p, POLICY_EV_GETADDRINFO), "0-65535", "getaddrinfo: everything");
	CHECK_STR(ranges(policy_default(), POLICY_EV_BIND), "0-65535", "the embedded default");
}

static void test_first_match(void)
{
	struct policy p = MK(POLICY_DENY, RULE_EV_ALL,
		{ .events = EV(CONNECT), PORTS({ 80, 80 }, { 443, 443 }), ALLOW },
		{ .events = EV(CONNECT), DENY });

	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "80,443", "allow 80, 443, deny the rest");
	CHECK_STR(ranges(&p, POLICY_EV_BIND), "", "bind: the default denies it");

	p = MK(POLICY_DENY, RULE_EV_ALL,
		{ .events = EV(CONNECT), PORTS({ 80, 80 }), DENY },
		{ .events = EV(CONNECT) | EV(BIND), PORTS({ 60, 130 }), ALLOW });
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "60-79,81-130", "an earlier deny shadows a later allow");
	CHECK_STR(ranges(&p, POLICY_EV_BIND), "60-130", "bind: the deny is connect's only");

	p = MK(POLICY_ALLOW, RULE_EV_ALL,
		{ .events = EV(BIND), PORTS({ 0, 1023 }), KILL });
	CHECK_STR(ranges(&p, POLICY_EV_BIND), "1024-65535", "kill refuses like deny");
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-65535", "connect untouched");

	p = MK(POLICY_ALLOW, RULE_EV_ALL,
		{ .events = EV(CONNECT), PORTS({ 0, 0 }, { 63, 64 }, { 127, 128 }, { 65535, 65535 }), DENY });
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "1-62,65-126,129-65534", "word edges");
}

static void test_partial_denies(void)
{
	struct policy p = MK(POLICY_DENY, RULE_EV_ALL,
		{ .events = EV(CONNECT), PORTS({ 22, 22 }), ADDRS(V4(10, 0, 0, 0, 8)), DENY },
		{ .events = EV(CONNECT), PORTS({ 22, 25 }), ALLOW });

	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "22-25", "a deny of some addresses leaves the port open");

	p = MK(POLICY_ALLOW, RULE_EV_ALL,
		{ .events = EV(CONNECT), PORTS({ 22, 22 }), ADDRS(V4(0, 0, 0, 0, 0)), DENY });
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-65535", "0.0.0.0/0 leaves AF_INET6 sockets");
	p = MK(POLICY_ALLOW, RULE_EV_ALL,
		{ .events = EV(CONNECT), PORTS({ 22, 22 }), ADDRS(V4(0, 0, 0, 0, 0), V6_ANY), DENY });
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-21,23-65535", "0.0.0.0/0 and ::/0 cover every address");

	p = MK(POLICY_ALLOW, RULE_EV_ALL,
		{ .events = EV(CONNECT), PORTS({ 22, 22 }), EXES("*"), DENY });
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-65535", "a deny by exe leaves other programs");

	p = MK(POLICY_ALLOW, RULE_EV_ALL,
		{ .events = EV(CONNECT), PORTS({ 22, 22 }), FAMILIES(AF_INET), DENY });
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-65535", "a deny of AF_INET leaves AF_INET6");
	p = MK(POLICY_ALLOW, RULE_EV_ALL,
		{ .events = EV(CONNECT), PORTS({ 22, 22 }), FAMILIES(AF_INET), DENY },
		{ .events = EV(CONNECT), PORTS({ 22, 22 }), FAMILIES(AF_INET6, AF_UNIX), DENY });
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-21,23-65535", "... two denies, one per family");

	p = MK(POLICY_ALLOW, RULE_EV_ALL,
		{ .events = EV(CONNECT), TYPES(SOCK_DGRAM), DENY });
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-65535", "a deny of datagrams is not TCP's");
	p = MK(POLICY_ALLOW, RULE_EV_ALL,
		{ .events = EV(CONNECT), TYPES(SOCK_DGRAM, SOCK_STREAM), PORTS({ 5, 6 }), DENY });
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-4,7-65535", "streams and datagrams: covers TCP");
}

static void test_protocols(void)
{
	struct rule_protocol tcp = { IPPROTO_TCP, tcp_table }, udp = { IPPROTO_UDP, tcp_table };
	struct rule_protocol nl6 = { 6, netlink_table }, six = { 6, -1 };
	struct policy_rule r = { .events = EV(CONNECT), PORTS({ 7, 7 }), DENY };
	struct policy p = mk(&r, 1, POLICY_ALLOW, RULE_EV_ALL);

	r.protocols = &tcp;
	r.n_protocols = 1;
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-6,8-65535", "IPPROTO_TCP covers TCP");
	r.protocols = &six;
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-6,8-65535", "protocol 6, any family");
	r.protocols = &udp;
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-65535", "IPPROTO_UDP is not TCP");
	r.protocols = &nl6;
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "0-65535", "netlink's protocol 6 is not TCP");
	/* An allow of UDP alone allows no TCP call. */
	r.protocols = &udp;
	r.action = POLICY_ALLOW;
	r.err = 0;
	p.default_action = POLICY_DENY;
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "", "an allow of UDP allows no TCP port");
}

static void test_partial_allows(void)
{
	struct rule_addr unix_path = { .kind = RULE_ADDR_PATH, .glob = "/run/*.sock" };
	struct policy_rule rules[] = {
		{ .events = EV(CONNECT), ADDRS(V4(127, 0, 0, 0, 8)), PORTS({ 8000, 8080 }), ALLOW },
		{ .events = EV(CONNECT), EXES("/usr/bin/curl"), PORTS({ 443, 443 }), ALLOW },
		{ .events = EV(CONNECT), .addrs = &unix_path, .n_addrs = 1, ALLOW },
		{ .events = EV(CONNECT), DENY },
	};
	struct policy p = mk(rules, 4, POLICY_ALLOW, RULE_EV_ALL);

	/* Landlock cannot see the address or the exe: such allows count. */
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "443,8000-8080",
		  "allows by address or exe count; a unix path allows no TCP port");
	rules[3] = (struct policy_rule){ .events = EV(CONNECT), ADDRS(V4(10, 0, 0, 0, 8)), DENY };
	p.default_events = EV(CONNECT);
	p.default_action = POLICY_DENY;
	CHECK_STR(ranges(&p, POLICY_EV_CONNECT), "443,8000-8080", "the default decides what is open");
}

/* 10,000 rules, each with a range, stay a linear walk. */
static void test_many(void)
{
	size_t n = 10000;
	struct policy_rule *rules = calloc(n + 1, sizeof(*rules));
	struct rule_port *ports = calloc(n, sizeof(*ports));
	struct policy p;

	for (size_t i = 0; i < n; i++) {
		ports[i] = (struct rule_port){ (int)(i * 6), (int)(i * 6 + 2) };
		rules[i] = (struct policy_rule){ .events = EV(BIND), .ports = &ports[i], .n_ports = 1,
						 ALLOW };
	}
	rules[n] = (struct policy_rule){ .events = EV(BIND), DENY };
	p = mk(rules, n + 1, POLICY_ALLOW, RULE_EV_ALL);
	CHECK(!strncmp(ranges(&p, POLICY_EV_BIND), "0-2,6-8,12-14,", 14), "10,000 rules: %.20s",
	      ranges(&p, POLICY_EV_BIND));
	free(rules);
	free(ports);
}

/* Parsed policies, each checked against the matcher over a grid of TCP
 * calls: a call policy_match() allows is never to a port refused (what
 * Landlock must never do); and WANT, the allowed ports of connect and bind. */
static const struct {
	const char *text;
	const char *connect, *bind;
} parsed[] = {
	/* the design's example: the loopback rule allows every port */
	{ "{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"deny\"},\"rules\":["
	  "{\"id\":\"inet\",\"family\":[\"AF_INET\",\"AF_INET6\"],\"action\":\"allow\"},"
	  "{\"id\":\"loopback\",\"event\":[\"socket.connect\",\"socket.sendto\",\"socket.sendmsg\"],"
	  "\"address\":[\"127.0.0.0/8\",\"::1\"],\"action\":\"allow\"},"
	  "{\"id\":\"web\",\"event\":\"socket.connect\",\"port\":[80,443],\"action\":\"allow\"},"
	  "{\"id\":\"no-bind-low\",\"event\":\"socket.bind\",\"port\":\"0-1023\",\"action\":\"deny\"},"
	  "{\"id\":\"other-connect\",\"event\":\"socket.connect\",\"action\":\"deny\",\"errno\":\"ECONNREFUSED\"}]}",
	  "0-65535", "1024-65535" },
	{ "{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"deny\",\"event\":[\"socket.connect\",\"socket.bind\"]},\"rules\":["
	  "{\"event\":\"socket.connect\",\"port\":[80,\"8000-8080\"],\"exe\":\"/usr/bin/*\",\"action\":\"allow\"},"
	  "{\"event\":\"socket.bind\",\"address\":\"10.0.0.0/8\",\"port\":22,\"action\":\"deny\"},"
	  "{\"event\":[\"socket.bind\",\"socket.connect\"],\"family\":\"AF_INET6\",\"port\":\"22-23\",\"action\":\"allow\"},"
	  "{\"event\":\"socket.bind\",\"type\":\"SOCK_STREAM\",\"port\":\"1024-65535\",\"action\":\"allow\"}]}",
	  "22-23,80,8000-8080", "22-23,1024-65535" },
	{ "{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"allow\"},\"rules\":["
	  "{\"event\":\"socket.connect\",\"address\":[\"0.0.0.0/0\",\"::/0\"],\"port\":25,\"action\":\"kill\"},"
	  "{\"event\":\"socket.connect\",\"protocol\":\"IPPROTO_UDP\",\"action\":\"deny\"},"
	  "{\"event\":\"socket.bind\",\"address\":\"0.0.0.0/0\",\"action\":\"deny\"}]}",
	  "0-24,26-65535", "0-65535" },
};

static const char *const grid_addrs[] = {
	"127.0.0.1", "10.1.2.3", "0.0.0.0", "255.255.255.255",
	"::1", "::", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3",
};
static const int grid_ports[] = { 0, 1, 21, 22, 23, 24, 25, 26, 79, 80, 81, 443, 1023, 1024,
				  7999, 8000, 8080, 8081, 65535 };
static const char *const grid_exes[] = { NULL, "/usr/bin/curl", "/opt/x" };

static void test_parsed(void)
{
	static uint8_t allowed[POLICY_PORTS_BYTES];

	for (size_t t = 0; t < sizeof(parsed) / sizeof(parsed[0]); t++) {
		static const enum policy_event evs[] = { POLICY_EV_CONNECT, POLICY_EV_BIND };
		struct policy *p = NULL;
		size_t bad = 0, calls = 0, loose = 0;

		if (!CHECK(policy_parse(parsed[t].text, strlen(parsed[t].text), &p, NULL) == 0,
			   "policy %zu parses", t))
			continue;
		CHECK_STR(ranges(p, POLICY_EV_CONNECT), parsed[t].connect, "policy %zu: connect", t);
		CHECK_STR(ranges(p, POLICY_EV_BIND), parsed[t].bind, "policy %zu: bind", t);
		for (size_t e = 0; e < 2; e++) {
			bool hit[sizeof(grid_ports) / sizeof(grid_ports[0])] = { false };

			policy_tcp_ports(p, evs[e], allowed);
			for (size_t a = 0; a < sizeof(grid_addrs) / sizeof(grid_addrs[0]); a++)
			for (size_t x = 0; x < sizeof(grid_exes) / sizeof(grid_exes[0]); x++)
			for (int proto = 0; proto <= IPPROTO_TCP; proto += IPPROTO_TCP)
			for (size_t i = 0; i < sizeof(grid_ports) / sizeof(grid_ports[0]); i++) {
				bool v6 = strchr(grid_addrs[a], ':');
				struct policy_call c = {
					.event = evs[e], .family = v6 ? AF_INET6 : AF_INET,
					.type = SOCK_STREAM | SOCK_CLOEXEC, .protocol = proto,
					.exe = grid_exes[x], .has_addr = true,
					.addr_family = v6 ? AF_INET6 : AF_INET,
					.has_port = true, .port = grid_ports[i],
				};
				struct policy_decision d;
				int port = grid_ports[i];

				inet_pton(c.addr_family, grid_addrs[a], c.ip);
				policy_match(p, &c, &d);
				calls++;
				if (d.action == POLICY_ALLOW && !(allowed[port / 8] & (1u << (port % 8))))
					bad++;
				hit[i] |= d.action == POLICY_ALLOW;
			}
			/* And no looser than the grid shows, for these policies. */
			for (size_t i = 0; i < sizeof(grid_ports) / sizeof(grid_ports[0]); i++)
				loose += !hit[i] && (allowed[grid_ports[i] / 8] & (1u << (grid_ports[i] % 8)));
		}
		CHECK(bad == 0 && calls > 0, "policy %zu: none of %zu calls the matcher allows is to a refused port (%zu are)",
		      t, calls, bad);
		CHECK_INT(loose, 0, "policy %zu: every allowed port of the grid has an allowed call", t);
		policy_free(p);
	}
}

int main(void)
{
	tables();
	test_default();
	test_first_match();
	test_partial_denies();
	test_protocols();
	test_partial_allows();
	test_many();
	test_parsed();
	return check_done();
}
