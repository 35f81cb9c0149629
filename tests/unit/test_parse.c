/* SPDX-License-Identifier: MIT */
/* test_parse.c - positive parses of every field form, into the rule table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <unistd.h>

#include "check.h"
#include "names.h"
#include "policy.h"
#include "rules.h"

static struct policy *parse_ok(const char *name, const char *text)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	int rc = policy_parse(text, strlen(text), &p, &d);

	CHECK_INT(rc, 0, "%s: parses", name);
	CHECK_INT(d.count, 0, "%s: no diagnostics", name);
	for (size_t i = 0; i < d.count; i++)
		printf("#   %d:%d: %s\n", d.items[i].line, d.items[i].col, d.items[i].message);
	policy_diags_free(&d);
	return p;
}

static int table_of(const char *prefix)
{
	size_t n;
	const struct names_protocol_table *t = names_protocol_tables(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].prefix, prefix))
			return (int)i;
	return -2;
}

static void test_top_level(void)
{
	struct policy *p;

	p = parse_ok("minimal", "{\"version\": 1}");
	if (p) {
		CHECK_INT(p->mode, POLICY_ENFORCE, "minimal: a file without mode enforces");
		CHECK_INT(p->default_action, POLICY_ALLOW, "minimal: default allow");
		CHECK(p->default_log, "minimal: default logs");
		CHECK_INT(p->n_rules, 0, "minimal: no rules");
		CHECK(!policy_io_uring_allowed(p), "minimal: io_uring denied");
		CHECK(p->comment == NULL, "minimal: no comment");
	}
	policy_free(p);

	p = parse_ok("full top level",
		     "\xef\xbb\xbf {\"version\": 1.0, \"mode\": \"audit\", \"io_uring\": \"allow\",\n"
		     "\t\"comment\": \"caf\xc3\xa9 \\u00e9\", \"default\": {\"action\": \"deny\", "
		     "\"errno\": \"EPERM\", \"log\": false, \"comment\": \"c\"}, \"rules\": []}\r\n");
	if (p) {
		CHECK_INT(policy_mode(p), POLICY_AUDIT, "mode audit");
		CHECK(policy_io_uring_allowed(p), "io_uring allow");
		CHECK_STR(p->comment, "caf\xc3\xa9 \xc3\xa9", "comment, UTF-8 and \\u escape");
		CHECK_INT(p->default_action, POLICY_DENY, "default deny");
		CHECK_INT(p->default_err, EPERM, "default errno");
		CHECK(!p->default_log, "default log false");
	}
	policy_free(p);

	p = parse_ok("default deny without errno",
		     "{\"version\": 1, \"default\": {\"action\": \"deny\"}, \"io_uring\": \"deny\"}");
	if (p) {
		struct policy_decision d;

		CHECK_INT(p->default_err, EACCES, "default deny: EACCES");
		CHECK(!policy_io_uring_allowed(p), "io_uring deny");
		policy_default_decision(p, &d);
		CHECK_INT(d.action, POLICY_DENY, "policy_default_decision: deny");
		CHECK_INT(d.rule, -1, "policy_default_decision: rule -1");
	}
	policy_free(p);
}

static void test_rule_forms(void)
{
	const char *text =
		"{\"version\": 1, \"rules\": [\n"
		"  {\"id\": \"names\", \"comment\": \"why\", \"family\": \"AF_INET\", \"type\": \"SOCK_STREAM\",\n"
		"   \"protocol\": \"IPPROTO_TCP\", \"action\": \"deny\", \"errno\": \"ECONNREFUSED\"},\n"
		"  {\"family\": [2, \"AF_INET6\", \"10\"], \"type\": [1, \"SOCK_DGRAM\"], \"protocol\": [17, \"IPPROTO_UDP\"],\n"
		"   \"action\": \"deny\", \"errno\": 13, \"log\": false},\n"
		"  {\"id\": \"nl\", \"family\": \"AF_NETLINK\", \"protocol\": \"NETLINK_ROUTE\", \"action\": \"allow\", \"log\": true},\n"
		"  {\"id\": \"shut\", \"event\": \"socket.shutdown\", \"how\": [\"SHUT_RD\", 1, \"2\"], \"action\": \"kill\"},\n"
		"  {\"id\": \"both\", \"event\": [\"socket.__new__\", \"socket.shutdown\"], \"exe\": [\"/usr/bin/*\", \"*/curl\"],\n"
		"   \"action\": \"allow\"},\n"
		"  {\"id\": \"local\", \"family\": \"AF_LOCAL\", \"exe\": \"/bin/[a-z]?\", \"action\": \"deny\"}\n"
		"]}";
	struct policy *p = parse_ok("every rule form", text);
	const struct policy_rule *r;
	int ip = table_of("IPPROTO_"), nl = table_of("NETLINK_");

	if (!p)
		return;
	CHECK_INT(policy_rule_count(p), 6, "6 rules");
	r = &p->rules[0];
	CHECK_STR(r->id, "names", "rule 0 id");
	CHECK_STR(r->comment, "why", "rule 0 comment");
	CHECK_INT(r->events, RULE_EV_BIT(POLICY_EV_NEW), "no event: socket.__new__");
	CHECK(r->n_families == 1 && r->families[0] == AF_INET, "family by name");
	CHECK(r->n_types == 1 && r->types[0] == SOCK_STREAM, "type by name");
	CHECK(r->n_protocols == 1 && r->protocols[0].value == IPPROTO_TCP &&
	      r->protocols[0].table == ip, "protocol by name carries its table");
	CHECK_INT(r->action, POLICY_DENY, "deny");
	CHECK_INT(r->err, ECONNREFUSED, "errno by name");
	CHECK(r->log, "log defaults to true");
	CHECK_INT(r->line, 2, "rule 0 line");
	CHECK_INT(r->col, 3, "rule 0 column");
	CHECK(r->n_hows == 0 && r->n_exes == 0, "rule 0: how and exe unconstrained");

	r = &p->rules[1];
	CHECK(r->id == NULL, "unnamed rule");
	CHECK(r->n_families == 3 && r->families[0] == AF_INET && r->families[1] == AF_INET6 &&
	      r->families[2] == AF_INET6, "family list: number, name, numeric string");
	CHECK(r->n_types == 2 && r->types[0] == SOCK_STREAM && r->types[1] == SOCK_DGRAM, "type list");
	CHECK(r->n_protocols == 2 && r->protocols[0].value == 17 && r->protocols[0].table == -1 &&
	      r->protocols[1].value == IPPROTO_UDP && r->protocols[1].table == ip,
	      "protocol number: any family; name: its table");
	CHECK_INT(r->err, 13, "errno by number");
	CHECK(!r->log, "log false");
	CHECK_INT(r->line, 4, "rule 1 line");

	r = &p->rules[2];
	CHECK(r->n_protocols == 1 && r->protocols[0].value == NETLINK_ROUTE &&
	      r->protocols[0].table == nl, "netlink protocol name");
	CHECK_INT(r->action, POLICY_ALLOW, "allow");
	CHECK_INT(r->err, 0, "allow: errno 0");

	r = &p->rules[3];
	CHECK_INT(r->events, RULE_EV_BIT(POLICY_EV_SHUTDOWN), "event shutdown");
	CHECK(r->n_hows == 3 && r->hows[0] == SHUT_RD && r->hows[1] == SHUT_WR && r->hows[2] == SHUT_RDWR,
	      "how: name, number, numeric string");
	CHECK_INT(r->action, POLICY_KILL, "kill");
	CHECK_INT(r->err, 0, "kill: errno 0");

	r = &p->rules[4];
	CHECK_INT(r->events, RULE_EV_BIT(POLICY_EV_NEW) | RULE_EV_BIT(POLICY_EV_SHUTDOWN),
		  "event list");
	CHECK(r->n_exes == 2 && !strcmp(r->exes[0], "/usr/bin/*") && !strcmp(r->exes[1], "*/curl"),
	      "exe list");

	r = &p->rules[5];
	CHECK(r->n_families == 1 && r->families[0] == AF_UNIX, "alias AF_LOCAL is AF_UNIX");
	CHECK(r->n_exes == 1 && !strcmp(r->exes[0], "/bin/[a-z]?"), "exe string");
	CHECK_INT(r->err, EACCES, "deny without errno: EACCES");
	policy_free(p);
}

/* Numbers the kernel sees: a family without a name, SOCK_PACKET, an
 * unnamed protocol. */
static void test_numbers(void)
{
	struct policy *p = parse_ok("plain numbers",
		"{\"version\": 1, \"rules\": [{\"family\": 200, \"type\": 15, \"protocol\": 2147483647,"
		" \"action\": \"deny\", \"errno\": 4095}]}");

	if (p) {
		CHECK_INT(p->rules[0].families[0], 200, "family 200");
		CHECK_INT(p->rules[0].types[0], 15, "type 15");
		CHECK_INT(p->rules[0].protocols[0].value, 2147483647, "protocol INT_MAX");
		CHECK_INT(p->rules[0].err, 4095, "errno 4095");
	}
	policy_free(p);
}

/* policy_load() and policy_read_text(). */
static void test_load(void)
{
	struct policy *p = NULL;
	struct policy_diags d = { 0 };
	char path[] = "/tmp/test_parse.XXXXXX", fifo[64];
	int fd = mkstemp(path);
	const char *text = "{\"version\": 1, \"rules\": [{\"action\": \"allow\"}]}";

	CHECK(fd >= 0, "temp file");
	if (fd < 0)
		return;
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write policy");
	close(fd);
	CHECK_INT(policy_load(path, &p, &d), 0, "policy_load");
	CHECK(p && policy_rule_count(p) == 1, "loaded one rule");
	policy_free(p);
	unlink(path);
	CHECK_INT(policy_load(path, &p, &d), -ENOENT, "missing file: -ENOENT");
	CHECK(p == NULL, "missing file: no policy");
	CHECK_INT(d.count, 0, "missing file: no diagnostics");
	policy_diags_free(&d);

	/* A sparse file over 64 MiB is refused before anything is read. */
	strcpy(path, "/tmp/test_parse.XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0 && ftruncate(fd, ((off_t)64 << 20) + 1) == 0, "sparse 64 MiB + 1 file");
	if (fd >= 0)
		close(fd);
	CHECK_INT(policy_load(path, &p, &d), -EFBIG, "over 64 MiB: -EFBIG");
	CHECK(p == NULL, "over 64 MiB: no policy");
	unlink(path);
	policy_diags_free(&d);

	/* Not a regular file: refused at once, a FIFO without a writer too
	 * (opening it without O_NONBLOCK would block here for ever). */
	strcpy(path, "/tmp/test_parse.XXXXXX");
	CHECK(mkdtemp(path) != NULL, "temp dir");
	CHECK_INT(policy_load(path, &p, &d), -ENOTSUP, "a directory: -ENOTSUP");
	CHECK_INT(policy_load("/dev/zero", &p, &d), -ENOTSUP, "/dev/zero: -ENOTSUP");
	snprintf(fifo, sizeof(fifo), "%s/fifo", path);
	CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
	CHECK_INT(policy_load(fifo, &p, &d), -ENOTSUP, "a FIFO: -ENOTSUP, not blocked");
	unlink(fifo);
	rmdir(path);

	/* policy_load_fd() reads from offset 0 and leaves the offset alone. */
	strcpy(path, "/tmp/test_parse.XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write policy");
	if (fd >= 0) {
		CHECK(lseek(fd, 5, SEEK_SET) == 5, "seek to 5");
		CHECK_INT(policy_load_fd(fd, &p, &d), 0, "policy_load_fd");
		CHECK(p && policy_rule_count(p) == 1, "policy_load_fd: one rule");
		CHECK(lseek(fd, 0, SEEK_CUR) == 5, "offset still 5");
		policy_free(p);
		close(fd);
	}
	unlink(path);
	policy_diags_free(&d);
}

/* Big but valid: the parse is linear, ids and shadowing are checked fast. */
static void test_many_rules(void)
{
	size_t n = 5000, cap = n * 96 + 64, len = 0;
	char *text = malloc(cap);
	struct policy *p;

	len += (size_t)snprintf(text + len, cap - len, "{\"version\": 1, \"rules\": [");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%s{\"id\": \"r%zu\", \"exe\": \"/opt/app%zu/bin/*\", \"family\": %zu, \"action\": \"deny\"}",
					i ? ",\n" : "", i, i, i % 40);
	snprintf(text + len, cap - len, "]}");
	p = parse_ok("5000 rules", text);
	CHECK(p && policy_rule_count(p) == n, "5000 rules parsed");
	policy_free(p);
	free(text);
}

/* address, port and host into the rule table; the default's events. */
static void test_address_forms(void)
{
	static const uint8_t lo8[16] = { 127 }, v6one[16] = { [15] = 1 },
			     fe80[16] = { 0xfe, 0x80 };
	struct policy *p;
	const struct policy_rule *r;

	p = parse_ok("address forms",
		     "{\"version\": 1, \"rules\": [\n"
		     " {\"event\": [\"socket.connect\", \"socket.sendto\"], \"address\": [\"127.0.0.0/8\", \"::1\", \"fe80::/10\", \"127.0.0.1\"],"
		     "  \"port\": [80, \"443\", \"1024-65535\"], \"action\": \"allow\"},\n"
		     " {\"event\": \"socket.bind\", \"address\": [\"@/tmp/.X11-unix/*\", \"\", \"/run/*.sock\"], \"action\": \"deny\"},\n"
		     " {\"event\": \"socket.getaddrinfo\", \"host\": [\"LocalHost\", \"*.Local\"], \"port\": 53, \"action\": \"deny\"}\n"
		     "]}");
	if (p) {
		r = &p->rules[0];
		CHECK_INT(r->events, RULE_EV_BIT(POLICY_EV_CONNECT) | RULE_EV_BIT(POLICY_EV_SENDTO),
			  "address forms: events");
		CHECK_INT(r->n_addrs, 4, "address forms: four blocks");
		CHECK(r->addrs[0].kind == RULE_ADDR_INET && r->addrs[0].family == AF_INET &&
		      r->addrs[0].prefix == 8 && !memcmp(r->addrs[0].ip, lo8, 4),
		      "address forms: 127.0.0.0/8");
		CHECK(r->addrs[1].family == AF_INET6 && r->addrs[1].prefix == 128 &&
		      !memcmp(r->addrs[1].ip, v6one, 16), "address forms: ::1 is /128");
		CHECK(r->addrs[2].family == AF_INET6 && r->addrs[2].prefix == 10 &&
		      !memcmp(r->addrs[2].ip, fe80, 16), "address forms: fe80::/10");
		CHECK(r->addrs[3].family == AF_INET && r->addrs[3].prefix == 32,
		      "address forms: 127.0.0.1 is /32");
		CHECK_INT(r->n_ports, 3, "address forms: three ports");
		CHECK(r->ports[0].lo == 80 && r->ports[0].hi == 80 && r->ports[1].lo == 443 &&
		      r->ports[1].hi == 443 && r->ports[2].lo == 1024 && r->ports[2].hi == 65535,
		      "address forms: 80, \"443\", \"1024-65535\"");
		r = &p->rules[1];
		CHECK_INT(r->n_addrs, 3, "unix forms: three");
		CHECK(r->addrs[0].kind == RULE_ADDR_ABSTRACT, "unix forms: '@' abstract");
		CHECK_STR(r->addrs[0].glob, "/tmp/.X11-unix/*", "unix forms: '@' dropped");
		CHECK(r->addrs[1].kind == RULE_ADDR_PATH, "unix forms: \"\" is a path");
		CHECK_STR(r->addrs[1].glob, "", "unix forms: the unnamed address");
		CHECK(r->addrs[2].kind == RULE_ADDR_PATH, "unix forms: path glob");
		CHECK_STR(r->addrs[2].glob, "/run/*.sock", "unix forms: path glob kept");
		r = &p->rules[2];
		CHECK_INT(r->n_hosts, 2, "host forms: two");
		CHECK_STR(r->hosts[0], "localhost", "host forms: folded");
		CHECK_STR(r->hosts[1], "*.local", "host forms: glob folded");
		CHECK(r->n_ports == 1 && r->ports[0].lo == 53, "host forms: a port");
		CHECK_INT(p->default_events,
			  RULE_EV_BIT(POLICY_EV_NEW) | RULE_EV_BIT(POLICY_EV_SHUTDOWN),
			  "default without event: new and shutdown");
	}
	policy_free(p);

	p = parse_ok("default event",
		     "{\"version\": 1, \"default\": {\"action\": \"deny\", \"event\": "
		     "[\"socket.__new__\", \"socket.connect\"]}}");
	if (p)
		CHECK_INT(p->default_events,
			  RULE_EV_BIT(POLICY_EV_NEW) | RULE_EV_BIT(POLICY_EV_CONNECT),
			  "default event: the events named");
	policy_free(p);
	p = parse_ok("default event, one name",
		     "{\"version\": 1, \"default\": {\"action\": \"deny\", \"event\": \"socket.bind\"}}");
	if (p)
		CHECK_INT(p->default_events, RULE_EV_BIT(POLICY_EV_BIND), "default event: one name");
	policy_free(p);
}

int main(void)
{
	test_address_forms();
	test_top_level();
	test_rule_forms();
	test_numbers();
	test_load();
	test_many_rules();
	return check_done();
}
