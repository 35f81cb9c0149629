/* SPDX-License-Identifier: MIT */
/* test_policy_api.c - what policy.h gives the shim and the tools in place of
 * the private rule table (rules.h, which this file does not include): the
 * mode word both ways, rule ids by index, and which events need a socket's
 * facts read before matching. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "policy.h"

static struct policy *parse(const char *text)
{
	struct policy *p = NULL;

	if (policy_parse(text, strlen(text), &p, NULL) < 0)
		return NULL;
	return p;
}

static void test_mode_words(void)
{
	enum policy_mode m = POLICY_AUDIT;

	CHECK_STR(policy_mode_name(POLICY_ENFORCE), "enforce", "policy_mode_name: enforce");
	CHECK_STR(policy_mode_name(POLICY_AUDIT), "audit", "policy_mode_name: audit");
	CHECK_INT(policy_mode_value("enforce", &m), 0, "policy_mode_value: enforce");
	CHECK_INT(m, POLICY_ENFORCE, "policy_mode_value: enforce's mode");
	CHECK_INT(policy_mode_value("audit", &m), 0, "policy_mode_value: audit");
	CHECK_INT(m, POLICY_AUDIT, "policy_mode_value: audit's mode");
	m = POLICY_AUDIT;
	CHECK_INT(policy_mode_value("Audit", &m), -EINVAL, "words are case-sensitive");
	CHECK_INT(policy_mode_value("", &m), -EINVAL, "the empty word is no mode");
	CHECK_INT(policy_mode_value("enforcing", &m), -EINVAL, "no prefix match");
	CHECK_INT(m, POLICY_AUDIT, "a refused word leaves the mode alone");
	/* The parser takes the same words. */
	struct policy *p = parse("{\"version\": 1, \"mode\": \"audit\"}");
	CHECK(p && !strcmp(policy_mode_name(policy_mode(p)), "audit"), "a parsed mode names back");
	policy_free(p);
}

static void test_rule_ids(void)
{
	struct policy *p = parse("{\"version\": 1, \"rules\": ["
				 "{\"id\": \"a\", \"family\": \"AF_INET\", \"action\": \"allow\"},"
				 "{\"family\": \"AF_INET6\", \"action\": \"deny\"},"
				 "{\"id\": \"c\", \"action\": \"kill\"}]}");

	CHECK(p != NULL, "rule ids: the policy parses");
	if (!p)
		return;
	CHECK_INT(policy_rule_count(p), 3, "three rules");
	CHECK_STR(policy_rule_id(p, 0), "a", "rule 0: its id");
	CHECK(policy_rule_id(p, 1) == NULL, "rule 1: no id");
	CHECK_STR(policy_rule_id(p, 2), "c", "rule 2: its id");
	CHECK(policy_rule_id(p, 3) == NULL, "no rule 3");
	CHECK(policy_rule_id(policy_default(), 0) == NULL, "the default policy has no rules");
	policy_free(p);
}

static void test_needs_facts(void)
{
	static const struct {
		const char *text;
		bool new_, shutdown;
	} cases[] = {
		{ "{\"version\": 1}", false, false },
		{ "{\"version\": 1, \"rules\": [{\"family\": \"AF_INET\", \"action\": \"deny\"}]}",
		  true, false },
		{ "{\"version\": 1, \"rules\": [{\"event\": \"socket.shutdown\", "
		  "\"how\": \"SHUT_WR\", \"action\": \"deny\"}]}", false, false },
		{ "{\"version\": 1, \"rules\": [{\"event\": \"socket.shutdown\", "
		  "\"type\": \"SOCK_STREAM\", \"action\": \"deny\"}]}", false, true },
		{ "{\"version\": 1, \"rules\": [{\"event\": [\"socket.__new__\", \"socket.shutdown\"], "
		  "\"protocol\": \"IPPROTO_TCP\", \"action\": \"deny\"}]}", true, true },
		{ "{\"version\": 1, \"rules\": [{\"exe\": \"/usr/bin/*\", \"action\": \"deny\"}]}",
		  false, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy *p = parse(cases[i].text);

		CHECK(p != NULL, "needs facts %zu: the policy parses", i);
		CHECK_INT(policy_needs_facts(p, POLICY_EV_NEW), cases[i].new_,
			  "needs facts %zu: socket.__new__", i);
		CHECK_INT(policy_needs_facts(p, POLICY_EV_SHUTDOWN), cases[i].shutdown,
			  "needs facts %zu: socket.shutdown", i);
		policy_free(p);
	}
	CHECK(!policy_needs_facts(NULL, POLICY_EV_NEW), "a failed policy (NULL) needs no facts");
	CHECK(!policy_needs_facts(policy_default(), POLICY_EV_SHUTDOWN), "the default needs none");
}

/* A policy no rule of which can apply to an event of a given exe decides
 * every such call with its default: the shim then skips facts and match.
 * Whenever policy_decides_alone() says so, policy_match() must agree on
 * every call of that event, whatever the socket. */
static void test_decides_alone(void)
{
	static const struct {
		const char *text, *exe;
		bool new_, shutdown, connect;
	} cases[] = {
		{ "{\"version\": 1}", "/bin/x", true, true, true },
		{ "{\"version\": 1, \"rules\": [{\"family\": \"AF_INET\", \"action\": \"deny\"}]}",
		  "/bin/x", false, true, true },
		{ "{\"version\": 1, \"rules\": [{\"event\": \"socket.shutdown\", "
		  "\"action\": \"deny\"}]}", "/bin/x", true, false, true },
		{ "{\"version\": 1, \"rules\": [{\"exe\": \"/usr/bin/*\", \"action\": \"deny\"}]}",
		  "/bin/x", true, true, true },
		{ "{\"version\": 1, \"rules\": [{\"exe\": \"/usr/bin/*\", \"action\": \"deny\"}]}",
		  "/usr/bin/curl", false, true, true },
		{ "{\"version\": 1, \"rules\": [{\"exe\": \"/usr/bin/*\", \"action\": \"deny\"}]}",
		  NULL, true, true, true },
		{ "{\"version\": 1, \"rules\": [{\"event\": \"socket.connect\", "
		  "\"address\": \"10.0.0.0/8\", \"action\": \"deny\"}]}", "/bin/x", true, true, false },
	};
	static const struct policy_call calls[] = {
		{ .family = 2, .type = 1 }, { .family = 2, .type = 2, .protocol = 17 },
		{ .family = 10, .type = 1 }, { .family = 1, .type = 5 }, { .family = -1 },
		{ .family = 2, .type = 1, .how = 1, .has_addr = true, .addr_family = 2,
		  .ip = { 10, 1, 2, 3 }, .has_port = true, .port = 80 },
	};
	static const enum policy_event events[] = { POLICY_EV_NEW, POLICY_EV_SHUTDOWN,
						    POLICY_EV_CONNECT };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy *p = parse(cases[i].text);
		const bool want[] = { cases[i].new_, cases[i].shutdown, cases[i].connect };

		CHECK(p != NULL, "decides alone %zu: the policy parses", i);
		if (!p)
			continue;
		for (size_t e = 0; e < sizeof(events) / sizeof(events[0]); e++) {
			struct policy_decision alone, d;
			bool got = policy_decides_alone(p, events[e], cases[i].exe, &alone);

			CHECK_INT(got, want[e], "decides alone %zu: event %d", i, (int)events[e]);
			for (size_t k = 0; got && k < sizeof(calls) / sizeof(calls[0]); k++) {
				struct policy_call c = calls[k];

				c.event = events[e];
				c.exe = cases[i].exe;
				policy_match(p, &c, &d);
				CHECK(d.action == alone.action && d.err == alone.err &&
					      d.log == alone.log && d.rule == alone.rule,
				      "decides alone %zu: event %d, call %zu: as policy_match", i,
				      (int)events[e], k);
			}
		}
		policy_free(p);
	}
}

/* A layer that could not read some facts gets the strictest decision of
 * the rules that could have decided. */
static void test_strictest(void)
{
	struct policy *p = parse("{\"version\": 1, \"default\": {\"action\": \"allow\"}, \"rules\": ["
				 "{\"id\": \"curl-ok\", \"exe\": \"*/curl\", \"action\": \"allow\"},"
				 "{\"id\": \"no-prog\", \"exe\": \"*/prog\", \"family\": \"AF_INET\","
				 " \"action\": \"deny\", \"errno\": \"EPERM\"},"
				 "{\"id\": \"kill-raw\", \"exe\": \"*/bad\", \"type\": \"SOCK_RAW\", \"action\": \"kill\"},"
				 "{\"id\": \"unix\", \"family\": \"AF_UNIX\", \"action\": \"allow\"}]}");
	struct policy_call inet = { .event = POLICY_EV_NEW, .family = 2, .type = 1 };
	struct policy_call raw = { .event = POLICY_EV_NEW, .family = 2, .type = 3 };
	struct policy_call unix_ = { .event = POLICY_EV_NEW, .family = 1, .type = 1 };
	struct policy_decision d;

	CHECK(p != NULL, "strictest: the policy parses");
	if (!p)
		return;
	policy_match_strictest(p, &inet, POLICY_UNKNOWN_EXE, &d);
	CHECK(d.action == POLICY_DENY && d.err == 1 && d.rule == 1,
	      "exe unknown: an AF_INET socket gets no-prog's deny, not curl-ok's allow");
	policy_match_strictest(p, &raw, POLICY_UNKNOWN_EXE, &d);
	CHECK(d.action == POLICY_KILL && d.rule == 2, "a raw socket: kill-raw's kill");
	policy_match_strictest(p, &unix_, POLICY_UNKNOWN_EXE, &d);
	CHECK(d.action == POLICY_ALLOW && d.rule == 0, "AF_UNIX: nothing stricter than allow");
	policy_match_strictest(p, &unix_, POLICY_UNKNOWN_SOCKET | POLICY_UNKNOWN_EXE, &d);
	CHECK(d.action == POLICY_KILL, "socket unknown too: every rule could decide");
	inet.exe = "/usr/bin/curl";
	policy_match_strictest(p, &inet, 0, &d);
	CHECK(d.action == POLICY_ALLOW && d.rule == 0, "nothing unknown: policy_match's answer");
	policy_free(p);
}

int main(void)
{
	test_strictest();
	test_mode_words();
	test_rule_ids();
	test_needs_facts();
	test_decides_alone();
	return check_done();
}
