/* SPDX-License-Identifier: MIT */
/* test_names.c - the name tables: round trips, aliases, numbers, defaults,
 * suggestions. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <arpa/inet.h>

#include "check.h"
#include "names.h"
#include "policy.h"

static const struct {
	enum names_table t;
	const char *what;
} plain_tables[] = {
	{ NAMES_FAMILY, "family" },
	{ NAMES_TYPE, "type" },
	{ NAMES_FLAG, "flag" },
	{ NAMES_HOW, "how" },
	{ NAMES_ERRNO, "errno" },
	{ NAMES_EVENT, "event" },
};

/* Every entry: sorted by value, name->value, value->canonical name (the first
 * entry with that value), canonical name->value. */
static void test_entries(const char *what, const struct names_entry *e, size_t n,
			 const char *(*name_of)(int ctx, int value), int ctx,
			 int (*value_of)(const char *name, int *value))
{
	for (size_t i = 0; i < n; i++) {
		const char *canon = e[i].name;
		int v = -12345;

		for (size_t j = i; j > 0 && e[j - 1].value == e[i].value; j--)
			canon = e[j - 1].name;
		if (i > 0)
			CHECK(e[i - 1].value <= e[i].value, "%s %s sorted by value",
			      what, e[i].name);
		/* event.c bounds a line by names of at most 32 bytes */
		CHECK(strlen(e[i].name) <= 32, "%s %s is short", what, e[i].name);
		CHECK(value_of(e[i].name, &v) == 0 && v == e[i].value,
		      "%s %s -> %d", what, e[i].name, e[i].value);
		CHECK_STR(name_of(ctx, e[i].value), canon,
			  "%s %d -> canonical name of %s", what, e[i].value,
			  e[i].name);
		v = -12345;
		CHECK(value_of(name_of(ctx, e[i].value), &v) == 0 && v == e[i].value,
		      "%s %d -> name -> %d", what, e[i].value, e[i].value);
	}
}

static enum names_table cur_table;

static const char *plain_name(int t, int value)
{
	return names_name((enum names_table)t, value);
}

static int plain_value(const char *name, int *value)
{
	return names_value(cur_table, name, value);
}

static int cur_proto_table;

static const char *proto_name(int family, int value)
{
	return names_protocol_name(family, value);
}

static int proto_value(const char *name, int *value)
{
	int table = -2;
	int r = names_protocol_value(name, value, &table);

	return r ? r : table == cur_proto_table ? 0 : -EINVAL;
}

static void test_round_trips(void)
{
	size_t n, count;
	const struct names_protocol_table *pt = names_protocol_tables(&n);

	for (size_t i = 0; i < sizeof(plain_tables) / sizeof(plain_tables[0]); i++) {
		const struct names_entry *e =
			names_table_entries(plain_tables[i].t, &count);

		CHECK(e && count > 0, "%s table is not empty", plain_tables[i].what);
		cur_table = plain_tables[i].t;
		test_entries(plain_tables[i].what, e, count, plain_name,
			     (int)plain_tables[i].t, plain_value);
	}
	CHECK(names_table_entries(NAMES_PROTOCOL, &count) == NULL && count == 0,
	      "NAMES_PROTOCOL has no flat table");

	CHECK(n >= 5, "at least five protocol tables");
	for (size_t i = 0; i < n; i++) {
		CHECK(pt[i].families[0] != -1, "%s has a family", pt[i].prefix);
		cur_proto_table = (int)i;
		for (const int *f = pt[i].families; *f != -1; f++) {
			CHECK(names_protocol_table_has_family((int)i, *f),
			      "%s has family %d", pt[i].prefix, *f);
			test_entries(pt[i].prefix, pt[i].entries, pt[i].count,
				     proto_name, *f, proto_value);
		}
		for (size_t j = 0; j < pt[i].count; j++)
			CHECK(!strncmp(pt[i].entries[j].name, pt[i].prefix,
				       strlen(pt[i].prefix)),
			      "%s starts with %s", pt[i].entries[j].name, pt[i].prefix);
	}
	CHECK(!names_protocol_table_has_family(0, AF_UNIX), "IPPROTO_ not AF_UNIX");
	CHECK(!names_protocol_table_has_family(-1, AF_INET), "table -1 has nothing");
	CHECK(!names_protocol_table_has_family((int)n, AF_INET), "table n has nothing");
}

static void test_completeness(void)
{
	/* every family number Linux defines, 0 .. 45, has a name */
	for (int f = 0; f <= 45; f++)
		CHECK(names_name(NAMES_FAMILY, f) != NULL, "family %d named", f);
	CHECK(names_name(NAMES_FAMILY, 46) == NULL, "family 46 unnamed");
	CHECK(names_name(NAMES_FAMILY, -1) == NULL, "family -1 unnamed");

	/* glibc's own errno names are the oracle */
	for (int e = 1; e <= EHWPOISON; e++) {
		const char *want = strerrorname_np(e);

		if (want)
			CHECK_STR(names_name(NAMES_ERRNO, e), want, "errno %d", e);
	}
	CHECK(names_name(NAMES_ERRNO, 0) == NULL, "errno 0 unnamed");
	CHECK(names_name(NAMES_ERRNO, EHWPOISON + 1) == NULL, "errno 134 unnamed");
}

static void test_known_values(void)
{
	static const struct {
		enum names_table t;
		const char *name;
		int value;
		const char *canon;
	} rows[] = {
		{ NAMES_FAMILY, "AF_UNSPEC", 0, "AF_UNSPEC" },
		{ NAMES_FAMILY, "AF_UNIX", 1, "AF_UNIX" },
		{ NAMES_FAMILY, "AF_LOCAL", 1, "AF_UNIX" },
		{ NAMES_FAMILY, "AF_FILE", 1, "AF_UNIX" },
		{ NAMES_FAMILY, "AF_INET", 2, "AF_INET" },
		{ NAMES_FAMILY, "AF_INET6", 10, "AF_INET6" },
		{ NAMES_FAMILY, "AF_NETLINK", 16, "AF_NETLINK" },
		{ NAMES_FAMILY, "AF_ROUTE", 16, "AF_NETLINK" },
		{ NAMES_FAMILY, "AF_PACKET", 17, "AF_PACKET" },
		{ NAMES_FAMILY, "AF_ALG", 38, "AF_ALG" },
		{ NAMES_FAMILY, "AF_VSOCK", 40, "AF_VSOCK" },
		{ NAMES_FAMILY, "AF_MCTP", 45, "AF_MCTP" },
		{ NAMES_TYPE, "SOCK_STREAM", 1, "SOCK_STREAM" },
		{ NAMES_TYPE, "SOCK_DGRAM", 2, "SOCK_DGRAM" },
		{ NAMES_TYPE, "SOCK_RAW", 3, "SOCK_RAW" },
		{ NAMES_TYPE, "SOCK_RDM", 4, "SOCK_RDM" },
		{ NAMES_TYPE, "SOCK_SEQPACKET", 5, "SOCK_SEQPACKET" },
		{ NAMES_TYPE, "SOCK_DCCP", 6, "SOCK_DCCP" },
		{ NAMES_TYPE, "SOCK_PACKET", 10, "SOCK_PACKET" },
		{ NAMES_FLAG, "SOCK_CLOEXEC", 02000000, "SOCK_CLOEXEC" },
		{ NAMES_FLAG, "SOCK_NONBLOCK", 04000, "SOCK_NONBLOCK" },
		{ NAMES_HOW, "SHUT_RD", 0, "SHUT_RD" },
		{ NAMES_HOW, "SHUT_WR", 1, "SHUT_WR" },
		{ NAMES_HOW, "SHUT_RDWR", 2, "SHUT_RDWR" },
		{ NAMES_EVENT, "socket.__new__", POLICY_EV_NEW, "socket.__new__" },
		{ NAMES_EVENT, "socket.shutdown", POLICY_EV_SHUTDOWN, "socket.shutdown" },
		{ NAMES_ERRNO, "EPERM", 1, "EPERM" },
		{ NAMES_ERRNO, "EACCES", 13, "EACCES" },
		{ NAMES_ERRNO, "EAGAIN", 11, "EAGAIN" },
		{ NAMES_ERRNO, "EWOULDBLOCK", 11, "EAGAIN" },
		{ NAMES_ERRNO, "EDEADLK", 35, "EDEADLK" },
		{ NAMES_ERRNO, "EDEADLOCK", 35, "EDEADLK" },
		{ NAMES_ERRNO, "EOPNOTSUPP", 95, "EOPNOTSUPP" },
		{ NAMES_ERRNO, "ENOTSUP", 95, "EOPNOTSUPP" },
		{ NAMES_ERRNO, "EAFNOSUPPORT", 97, "EAFNOSUPPORT" },
		{ NAMES_ERRNO, "EHWPOISON", 133, "EHWPOISON" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int v = -1;

		CHECK(names_value(rows[i].t, rows[i].name, &v) == 0 &&
		      v == rows[i].value, "%s = %d", rows[i].name, rows[i].value);
		CHECK_STR(names_name(rows[i].t, rows[i].value), rows[i].canon,
			  "%d in table %d is the canonical name of %s",
			  rows[i].value, rows[i].t, rows[i].name);
	}
}

static void test_protocols(void)
{
	static const struct {
		int family;
		const char *name;
		int value;
		const char *canon;
	} rows[] = {
		{ AF_INET, "IPPROTO_IP", 0, "IPPROTO_IP" },
		{ AF_INET6, "IPPROTO_HOPOPTS", 0, "IPPROTO_IP" },
		{ AF_INET, "IPPROTO_ICMP", 1, "IPPROTO_ICMP" },
		{ AF_INET, "IPPROTO_TCP", 6, "IPPROTO_TCP" },
		{ AF_INET6, "IPPROTO_TCP", 6, "IPPROTO_TCP" },
		{ AF_INET, "IPPROTO_UDP", 17, "IPPROTO_UDP" },
		{ AF_INET6, "IPPROTO_ICMPV6", 58, "IPPROTO_ICMPV6" },
		{ AF_INET, "IPPROTO_SCTP", 132, "IPPROTO_SCTP" },
		{ AF_INET, "IPPROTO_RAW", 255, "IPPROTO_RAW" },
		{ AF_INET, "IPPROTO_MPTCP", 262, "IPPROTO_MPTCP" },
		{ AF_NETLINK, "NETLINK_ROUTE", 0, "NETLINK_ROUTE" },
		{ AF_NETLINK, "NETLINK_SOCK_DIAG", 4, "NETLINK_SOCK_DIAG" },
		{ AF_NETLINK, "NETLINK_INET_DIAG", 4, "NETLINK_SOCK_DIAG" },
		{ AF_NETLINK, "NETLINK_AUDIT", 9, "NETLINK_AUDIT" },
		{ AF_NETLINK, "NETLINK_SMC", 22, "NETLINK_SMC" },
		{ AF_CAN, "CAN_RAW", 1, "CAN_RAW" },
		{ AF_CAN, "CAN_BCM", 2, "CAN_BCM" },
		{ AF_CAN, "CAN_J1939", 7, "CAN_J1939" },
		{ AF_PACKET, "ETH_P_ALL", 768, "ETH_P_ALL" },
		{ AF_PACKET, "ETH_P_IP", 8, "ETH_P_IP" },
		{ AF_PACKET, "ETH_P_ARP", 1544, "ETH_P_ARP" },
		{ AF_PACKET, "ETH_P_IPV6", 0xdd86, "ETH_P_IPV6" },
		{ AF_PACKET, "ETH_P_8021Q", 0x0081, "ETH_P_8021Q" },
		{ AF_PACKET, "ETH_P_LLDP", 0xcc88, "ETH_P_LLDP" },
		{ AF_BLUETOOTH, "BTPROTO_L2CAP", 0, "BTPROTO_L2CAP" },
		{ AF_BLUETOOTH, "BTPROTO_HCI", 1, "BTPROTO_HCI" },
		{ AF_BLUETOOTH, "BTPROTO_ISO", 8, "BTPROTO_ISO" },
		{ AF_KEY, "PF_KEY_V2", 2, "PF_KEY_V2" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int v = -1, table = -2;

		CHECK(names_protocol_value(rows[i].name, &v, &table) == 0 &&
		      v == rows[i].value &&
		      names_protocol_table_has_family(table, rows[i].family),
		      "%s = %d for family %d", rows[i].name, rows[i].value,
		      rows[i].family);
		CHECK_STR(names_protocol_name(rows[i].family, rows[i].value),
			  rows[i].canon, "family %d protocol %d", rows[i].family,
			  rows[i].value);
		v = -1;
		CHECK(names_value(NAMES_PROTOCOL, rows[i].name, &v) == 0 &&
		      v == rows[i].value, "names_value(NAMES_PROTOCOL, %s)",
		      rows[i].name);
	}
	/* the value as the program passes it */
	CHECK_STR(names_protocol_name(AF_PACKET, htons(ETH_P_ALL)), "ETH_P_ALL",
		  "htons(ETH_P_ALL) is ETH_P_ALL");
	CHECK_STR(names_protocol_name(AF_PACKET, htons(ETH_P_IP)), "ETH_P_IP",
		  "htons(ETH_P_IP) is ETH_P_IP");
	CHECK(names_protocol_name(AF_PACKET, ETH_P_ALL) == NULL,
	      "host-order ETH_P_ALL (3) has no name");
	/* numbers without names stay numbers */
	CHECK(names_protocol_name(AF_INET, 999) == NULL, "AF_INET 999 unnamed");
	CHECK(names_protocol_name(AF_UNIX, 0) == NULL, "AF_UNIX has no table");
	CHECK(names_protocol_name(AF_ALG, 0) == NULL, "AF_ALG has no table");
	CHECK(names_protocol_name(AF_VSOCK, 0) == NULL, "AF_VSOCK has no table");
	CHECK(names_protocol_name(-1, 0) == NULL, "family -1 has no table");
	CHECK(names_protocol_name(AF_CAN, 0) == NULL, "CAN 0 unnamed");
}

static void test_numbers_and_unknowns(void)
{
	static const struct {
		const char *s;
		int value;	/* -1: must be rejected */
	} nums[] = {
		{ "0", 0 }, { "2", 2 }, { "45", 45 }, { "768", 768 },
		{ "2147483647", 2147483647 }, { "007", 7 },
		{ "", -1 }, { "-1", -1 }, { "+2", -1 }, { "2x", -1 }, { " 2", -1 },
		{ "0x10", -1 }, { "2147483648", -1 }, { "99999999999999999999", -1 },
	};
	static const char *const unknown[] = {
		"AF_INTE", "af_inet", "AF_INET ", "INET", "SOCK_STREAM", "",
	};
	int v, table;

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		for (size_t t = 0; t < sizeof(plain_tables) / sizeof(plain_tables[0]); t++) {
			int r;

			v = -7;
			r = names_value(plain_tables[t].t, nums[i].s, &v);
			if (nums[i].value >= 0)
				CHECK(r == 0 && v == nums[i].value, "%s '%s' is %d",
				      plain_tables[t].what, nums[i].s, nums[i].value);
			else
				CHECK(r == -ENOENT, "%s '%s' rejected",
				      plain_tables[t].what, nums[i].s);
		}
	}
	v = -7, table = 5;
	CHECK(names_protocol_value("17", &v, &table) == 0 && v == 17 && table == -1,
	      "protocol '17' is 17, no table");
	CHECK(names_protocol_value("IPPROTO_TPC", &v, &table) == -ENOENT,
	      "IPPROTO_TPC unknown");
	CHECK(names_protocol_value("ipproto_tcp", &v, &table) == -ENOENT,
	      "protocol names are case-sensitive");
	CHECK(names_protocol_value(NULL, &v, &table) == -ENOENT, "NULL protocol");
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		CHECK(names_value(NAMES_FAMILY, unknown[i], &v) == -ENOENT,
		      "family '%s' unknown", unknown[i]);
	CHECK(names_value(NAMES_FAMILY, NULL, &v) == -ENOENT, "NULL family");
	CHECK(names_value(NAMES_ERRNO, "eperm", &v) == -ENOENT, "eperm unknown");
	CHECK(names_value(NAMES_EVENT, "socket.connect", &v) == 0 && v == POLICY_EV_CONNECT,
	      "socket.connect is an event");
	CHECK(names_value(NAMES_EVENT, "socket.listen", &v) == -ENOENT,
	      "socket.listen is no event (CPython raises none)");
	CHECK(names_name(NAMES_TYPE, 7) == NULL, "type 7 unnamed");
	CHECK(names_name(NAMES_TYPE, 0) == NULL, "type 0 unnamed");
	CHECK(names_name(NAMES_HOW, 3) == NULL, "how 3 unnamed");
	CHECK(names_name(NAMES_EVENT, POLICY_EV_COUNT) == NULL, "event past the last unnamed");
	CHECK(names_name(NAMES_PROTOCOL, 6) == NULL, "protocol needs a family");
	CHECK(names_name((enum names_table)99, 0) == NULL, "table 99");
}

static void test_effective_protocol(void)
{
	static const struct {
		int family, type, proto, want;
	} rows[] = {
		{ AF_INET, SOCK_STREAM, 0, IPPROTO_TCP },
		{ AF_INET, SOCK_DGRAM, 0, IPPROTO_UDP },
		{ AF_INET, SOCK_SEQPACKET, 0, IPPROTO_SCTP },
		{ AF_INET, SOCK_DCCP, 0, IPPROTO_DCCP },
		{ AF_INET, SOCK_RAW, 0, 0 },
		{ AF_INET6, SOCK_STREAM, 0, IPPROTO_TCP },
		{ AF_INET6, SOCK_DGRAM, 0, IPPROTO_UDP },
		{ AF_INET6, SOCK_SEQPACKET, 0, IPPROTO_SCTP },
		{ AF_INET6, SOCK_DCCP, 0, IPPROTO_DCCP },
		{ AF_INET6, SOCK_RAW, 0, 0 },
		/* flags never change the answer */
		{ AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, IPPROTO_TCP },
		{ AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, IPPROTO_UDP },
		/* an explicit protocol is kept */
		{ AF_INET, SOCK_STREAM, IPPROTO_MPTCP, IPPROTO_MPTCP },
		{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP, IPPROTO_ICMP },
		{ AF_INET, SOCK_RAW, IPPROTO_RAW, IPPROTO_RAW },
		{ AF_PACKET, SOCK_RAW, 768, 768 },
		/* families whose default is 0 already, or that have none */
		{ AF_NETLINK, SOCK_RAW, 0, 0 },
		{ AF_BLUETOOTH, SOCK_SEQPACKET, 0, 0 },
		{ AF_UNIX, SOCK_STREAM, 0, 0 },
		{ AF_PACKET, SOCK_RAW, 0, 0 },
		{ -1, SOCK_STREAM, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_INT(names_effective_protocol(rows[i].family, rows[i].type,
						   rows[i].proto), rows[i].want,
			  "effective protocol of %d/%#x/%d", rows[i].family,
			  rows[i].type, rows[i].proto);
	CHECK_STR(names_protocol_name(AF_BLUETOOTH,
				      names_effective_protocol(AF_BLUETOOTH, SOCK_SEQPACKET, 0)),
		  "BTPROTO_L2CAP", "AF_BLUETOOTH 0 is BTPROTO_L2CAP");
	CHECK_STR(names_protocol_name(AF_NETLINK,
				      names_effective_protocol(AF_NETLINK, SOCK_RAW, 0)),
		  "NETLINK_ROUTE", "AF_NETLINK 0 is NETLINK_ROUTE");
}

/* The kernel is the oracle: a socket made with protocol 0 reports the one it
 * picked in SO_PROTOCOL.  Where this kernel lacks a protocol (SCTP and DCCP
 * are modules), socket() fails and there is nothing to compare. */
static void test_effective_protocol_kernel(void)
{
	static const int families[] = { AF_INET, AF_INET6, AF_UNIX, AF_NETLINK,
					AF_PACKET };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW,
				     SOCK_SEQPACKET, SOCK_DCCP };
	int compared = 0;

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		for (size_t j = 0; j < sizeof(types) / sizeof(types[0]); j++) {
			int f = families[i], t = types[j], proto = -1;
			socklen_t len = sizeof(proto);
			int fd = socket(f, t | SOCK_CLOEXEC, 0);

			if (fd < 0) {
				printf("# %s/%s with protocol 0: errno %d\n",
				       names_name(NAMES_FAMILY, f),
				       names_name(NAMES_TYPE, t), errno);
				continue;
			}
			if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0)
				CHECK_INT(names_effective_protocol(f, t | SOCK_CLOEXEC, 0),
					  proto, "%s/%s: protocol 0 is what the kernel picks",
					  names_name(NAMES_FAMILY, f),
					  names_name(NAMES_TYPE, t));
			else
				CHECK(0, "SO_PROTOCOL of %d/%d", f, t);
			close(fd);
			compared++;
		}
	}
	CHECK(compared >= 6, "%d family/type pairs compared with the kernel", compared);
	/* SOCK_RAW keeps 0 because the kernel refuses it */
	CHECK(socket(AF_INET, SOCK_RAW, 0) < 0 && errno == EPROTONOSUPPORT,
	      "AF_INET SOCK_RAW 0 is refused");
}

static void test_suggest(void)
{
	static const struct {
		enum names_table t;
		const char *bad, *want;
	} rows[] = {
		{ NAMES_FAMILY, "AF_INTE", "AF_INET" },
		{ NAMES_FAMILY, "af_inet", "AF_INET" },
		{ NAMES_FAMILY, "AF_INET7", "AF_INET" },
		{ NAMES_FAMILY, "AF_NETLNK", "AF_NETLINK" },
		{ NAMES_FAMILY, "inet6", "AF_INET6" },
		{ NAMES_FAMILY, "AF_BLUETOOHT", "AF_BLUETOOTH" },
		{ NAMES_TYPE, "SOCK_STREEM", "SOCK_STREAM" },
		{ NAMES_TYPE, "sock_dgram", "SOCK_DGRAM" },
		{ NAMES_TYPE, "SOCK_SEQPAKCET", "SOCK_SEQPACKET" },
		{ NAMES_FLAG, "SOCK_CLOSEXEC", "SOCK_CLOEXEC" },
		{ NAMES_HOW, "SHUT_RWDR", "SHUT_RDWR" },
		{ NAMES_ERRNO, "EACESS", "EACCES" },
		{ NAMES_ERRNO, "eperm", "EPERM" },
		{ NAMES_ERRNO, "ECONNREFUSD", "ECONNREFUSED" },
		{ NAMES_EVENT, "socket._new_", "socket.__new__" },
		{ NAMES_EVENT, "socket.shutdwn", "socket.shutdown" },
		{ NAMES_PROTOCOL, "IPPROTO_TPC", "IPPROTO_TCP" },
		{ NAMES_PROTOCOL, "tcp", "IPPROTO_TCP" },
		{ NAMES_PROTOCOL, "ETH_P_AL", "ETH_P_ALL" },
		{ NAMES_PROTOCOL, "NETLINK_ROUT", "NETLINK_ROUTE" },
		{ NAMES_PROTOCOL, "CAN_J1993", "CAN_J1939" },
		/* nothing close enough */
		{ NAMES_FAMILY, "xyzzy", NULL },
		{ NAMES_FAMILY, "AF_", NULL },
		{ NAMES_FAMILY, "SOCK_STREAM", NULL },
		{ NAMES_TYPE, "AF_INET", NULL },
		{ NAMES_ERRNO, "EVERYTHING_IS_FINE", NULL },
		{ NAMES_PROTOCOL, "quux", NULL },
		{ NAMES_FAMILY, "", NULL },
		{ NAMES_FAMILY, NULL, NULL },
	};
	static const char *const verbs[] = { "run", "check", "eval", "report", NULL };
	char huge[300];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_STR(names_suggest(rows[i].t, rows[i].bad), rows[i].want,
			  "suggest for '%s'", rows[i].bad ? rows[i].bad : "(null)");
	memset(huge, 'A', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = 0;
	CHECK(names_suggest(NAMES_FAMILY, huge) == NULL, "300 bytes: no suggestion");
	CHECK_STR(names_suggest_from(verbs, "chek"), "check", "chek -> check");
	CHECK_STR(names_suggest_from(verbs, "REPROT"), "report", "REPROT -> report");
	CHECK(names_suggest_from(verbs, "compile") == NULL, "compile: nothing close");
	CHECK(names_suggest_from(NULL, "x") == NULL, "no candidates");
}

int main(void)
{
	test_round_trips();
	test_completeness();
	test_known_values();
	test_protocols();
	test_numbers_and_unknowns();
	test_effective_protocol();
	test_effective_protocol_kernel();
	test_suggest();
	return check_done();
}
