/* SPDX-License-Identifier: MIT */
/* names.c - the constant tables behind names.h.
 *
 * Every table is a static const array sorted by value; where two names share
 * a value, the canonical one comes first and the aliases follow it, so a
 * value->name lookup (a binary search for the first entry with that value)
 * always answers with the canonical name.  Nothing here allocates or locks:
 * the shim reads these tables from inside socket(), which must stay
 * async-signal-safe.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/can.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/pfkeyv2.h>

#include "names.h"
#include "policy.h"

#define N(x) { #x, x }
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct names_entry families[] = {
	N(AF_UNSPEC),
	N(AF_UNIX),
	N(AF_LOCAL),		/* alias of AF_UNIX */
	N(AF_FILE),		/* alias of AF_UNIX */
	N(AF_INET),
	N(AF_AX25),
	N(AF_IPX),
	N(AF_APPLETALK),
	N(AF_NETROM),
	N(AF_BRIDGE),
	N(AF_ATMPVC),
	N(AF_X25),
	N(AF_INET6),
	N(AF_ROSE),
	N(AF_DECnet),
	N(AF_NETBEUI),
	N(AF_SECURITY),
	N(AF_KEY),
	N(AF_NETLINK),
	N(AF_ROUTE),		/* alias of AF_NETLINK */
	N(AF_PACKET),
	N(AF_ASH),
	N(AF_ECONET),
	N(AF_ATMSVC),
	N(AF_RDS),
	N(AF_SNA),
	N(AF_IRDA),
	N(AF_PPPOX),
	N(AF_WANPIPE),
	N(AF_LLC),
	N(AF_IB),
	N(AF_MPLS),
	N(AF_CAN),
	N(AF_TIPC),
	N(AF_BLUETOOTH),
	N(AF_IUCV),
	N(AF_RXRPC),
	N(AF_ISDN),
	N(AF_PHONET),
	N(AF_IEEE802154),
	N(AF_CAIF),
	N(AF_ALG),
	N(AF_NFC),
	N(AF_VSOCK),
	N(AF_KCM),
	N(AF_QIPCRTR),
	N(AF_SMC),
	N(AF_XDP),
	N(AF_MCTP),
};

static const struct names_entry types[] = {
	N(SOCK_STREAM),
	N(SOCK_DGRAM),
	N(SOCK_RAW),
	N(SOCK_RDM),
	N(SOCK_SEQPACKET),
	N(SOCK_DCCP),
	N(SOCK_PACKET),
};

static const struct names_entry flags[] = {
	N(SOCK_NONBLOCK),
	N(SOCK_CLOEXEC),
};

static const struct names_entry hows[] = {
	N(SHUT_RD),
	N(SHUT_WR),
	N(SHUT_RDWR),
};

static const struct names_entry events[] = {
	{ "socket.__new__", POLICY_EV_NEW },
	{ "socket.shutdown", POLICY_EV_SHUTDOWN },
	{ "socket.connect", POLICY_EV_CONNECT },
	{ "socket.bind", POLICY_EV_BIND },
	{ "socket.sendto", POLICY_EV_SENDTO },
	{ "socket.sendmsg", POLICY_EV_SENDMSG },
	{ "socket.getaddrinfo", POLICY_EV_GETADDRINFO },
};

static const struct names_entry errnos[] = {
	N(EPERM),
	N(ENOENT),
	N(ESRCH),
	N(EINTR),
	N(EIO),
	N(ENXIO),
	N(E2BIG),
	N(ENOEXEC),
	N(EBADF),
	N(ECHILD),
	N(EAGAIN),
	N(EWOULDBLOCK),		/* alias of EAGAIN */
	N(ENOMEM),
	N(EACCES),
	N(EFAULT),
	N(ENOTBLK),
	N(EBUSY),
	N(EEXIST),
	N(EXDEV),
	N(ENODEV),
	N(ENOTDIR),
	N(EISDIR),
	N(EINVAL),
	N(ENFILE),
	N(EMFILE),
	N(ENOTTY),
	N(ETXTBSY),
	N(EFBIG),
	N(ENOSPC),
	N(ESPIPE),
	N(EROFS),
	N(EMLINK),
	N(EPIPE),
	N(EDOM),
	N(ERANGE),
	N(EDEADLK),
	N(EDEADLOCK),		/* alias of EDEADLK */
	N(ENAMETOOLONG),
	N(ENOLCK),
	N(ENOSYS),
	N(ENOTEMPTY),
	N(ELOOP),
	N(ENOMSG),
	N(EIDRM),
	N(ECHRNG),
	N(EL2NSYNC),
	N(EL3HLT),
	N(EL3RST),
	N(ELNRNG),
	N(EUNATCH),
	N(ENOCSI),
	N(EL2HLT),
	N(EBADE),
	N(EBADR),
	N(EXFULL),
	N(ENOANO),
	N(EBADRQC),
	N(EBADSLT),
	N(EBFONT),
	N(ENOSTR),
	N(ENODATA),
	N(ETIME),
	N(ENOSR),
	N(ENONET),
	N(ENOPKG),
	N(EREMOTE),
	N(ENOLINK),
	N(EADV),
	N(ESRMNT),
	N(ECOMM),
	N(EPROTO),
	N(EMULTIHOP),
	N(EDOTDOT),
	N(EBADMSG),
	N(EOVERFLOW),
	N(ENOTUNIQ),
	N(EBADFD),
	N(EREMCHG),
	N(ELIBACC),
	N(ELIBBAD),
	N(ELIBSCN),
	N(ELIBMAX),
	N(ELIBEXEC),
	N(EILSEQ),
	N(ERESTART),
	N(ESTRPIPE),
	N(EUSERS),
	N(ENOTSOCK),
	N(EDESTADDRREQ),
	N(EMSGSIZE),
	N(EPROTOTYPE),
	N(ENOPROTOOPT),
	N(EPROTONOSUPPORT),
	N(ESOCKTNOSUPPORT),
	N(EOPNOTSUPP),
	N(ENOTSUP),		/* alias of EOPNOTSUPP */
	N(EPFNOSUPPORT),
	N(EAFNOSUPPORT),
	N(EADDRINUSE),
	N(EADDRNOTAVAIL),
	N(ENETDOWN),
	N(ENETUNREACH),
	N(ENETRESET),
	N(ECONNABORTED),
	N(ECONNRESET),
	N(ENOBUFS),
	N(EISCONN),
	N(ENOTCONN),
	N(ESHUTDOWN),
	N(ETOOMANYREFS),
	N(ETIMEDOUT),
	N(ECONNREFUSED),
	N(EHOSTDOWN),
	N(EHOSTUNREACH),
	N(EALREADY),
	N(EINPROGRESS),
	N(ESTALE),
	N(EUCLEAN),
	N(ENOTNAM),
	N(ENAVAIL),
	N(EISNAM),
	N(EREMOTEIO),
	N(EDQUOT),
	N(ENOMEDIUM),
	N(EMEDIUMTYPE),
	N(ECANCELED),
	N(ENOKEY),
	N(EKEYEXPIRED),
	N(EKEYREVOKED),
	N(EKEYREJECTED),
	N(EOWNERDEAD),
	N(ENOTRECOVERABLE),
	N(ERFKILL),
	N(EHWPOISON),
};

/* IPPROTO_* of linux/in.h and the IPv6 extension headers of netinet/in.h. */
static const struct names_entry ip_protocols[] = {
	N(IPPROTO_IP),
	N(IPPROTO_HOPOPTS),	/* same number as IPPROTO_IP */
	N(IPPROTO_ICMP),
	N(IPPROTO_IGMP),
	N(IPPROTO_IPIP),
	N(IPPROTO_TCP),
	N(IPPROTO_EGP),
	N(IPPROTO_PUP),
	N(IPPROTO_UDP),
	N(IPPROTO_IDP),
	N(IPPROTO_TP),
	N(IPPROTO_DCCP),
	N(IPPROTO_IPV6),
	N(IPPROTO_ROUTING),
	N(IPPROTO_FRAGMENT),
	N(IPPROTO_RSVP),
	N(IPPROTO_GRE),
	N(IPPROTO_ESP),
	N(IPPROTO_AH),
	N(IPPROTO_ICMPV6),
	N(IPPROTO_NONE),
	N(IPPROTO_DSTOPTS),
	N(IPPROTO_MTP),
	N(IPPROTO_BEETPH),
	N(IPPROTO_ENCAP),
	N(IPPROTO_PIM),
	N(IPPROTO_COMP),
	{ "IPPROTO_L2TP", 115 },	/* linux/in.h only, not glibc */
	N(IPPROTO_SCTP),
	N(IPPROTO_MH),
	N(IPPROTO_UDPLITE),
	N(IPPROTO_MPLS),
	N(IPPROTO_ETHERNET),
	N(IPPROTO_RAW),
	{ "IPPROTO_SMC", 256 },		/* linux/in.h since 6.11, not glibc */
	N(IPPROTO_MPTCP),
};

static const struct names_entry netlink_protocols[] = {
	N(NETLINK_ROUTE),
	N(NETLINK_UNUSED),
	N(NETLINK_USERSOCK),
	N(NETLINK_FIREWALL),
	N(NETLINK_SOCK_DIAG),
	N(NETLINK_INET_DIAG),	/* alias of NETLINK_SOCK_DIAG */
	N(NETLINK_NFLOG),
	N(NETLINK_XFRM),
	N(NETLINK_SELINUX),
	N(NETLINK_ISCSI),
	N(NETLINK_AUDIT),
	N(NETLINK_FIB_LOOKUP),
	N(NETLINK_CONNECTOR),
	N(NETLINK_NETFILTER),
	N(NETLINK_IP6_FW),
	N(NETLINK_DNRTMSG),
	N(NETLINK_KOBJECT_UEVENT),
	N(NETLINK_GENERIC),
	N(NETLINK_SCSITRANSPORT),
	N(NETLINK_ECRYPTFS),
	N(NETLINK_RDMA),
	N(NETLINK_CRYPTO),
	N(NETLINK_SMC),
};

static const struct names_entry can_protocols[] = {
	N(CAN_RAW),
	N(CAN_BCM),
	N(CAN_TP16),
	N(CAN_TP20),
	N(CAN_MCNET),
	N(CAN_ISOTP),
	N(CAN_J1939),
};

/*
 * AF_PACKET takes its protocol in network byte order:
 * socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)).  The table holds the value
 * as the program passes it (htons(ETH_P_ALL) is 768 here), so a policy naming
 * ETH_P_ALL matches what the kernel sees.  The order below is sorted by that
 * byte-swapped value, i.e. for a little-endian host; test_names checks it.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BE16(x) ((int)((((x) & 0xff) << 8) | (((x) >> 8) & 0xff)))
#else
#define BE16(x) ((int)(x))
#endif
#define E(x) { #x, BE16(x) }

static const struct names_entry eth_protocols[] = {
	E(ETH_P_PUP),	/* 2 */
	E(ETH_P_IP),	/* 8 */
	E(ETH_P_IEEEPUP),	/* 10 */
	E(ETH_P_DEC),	/* 96 */
	E(ETH_P_8021Q),	/* 129 */
	E(ETH_P_LOOPBACK),	/* 144 */
	E(ETH_P_QINQ1),	/* 145 */
	E(ETH_P_QINQ2),	/* 146 */
	E(ETH_P_QINQ3),	/* 147 */
	E(ETH_P_802_3),	/* 256 */
	E(ETH_P_PUPAT),	/* 258 */
	E(ETH_P_IEEEPUPAT),	/* 266 */
	E(ETH_P_DNA_DL),	/* 352 */
	E(ETH_P_DSA_A5PSW),	/* 480 */
	E(ETH_P_AX25),	/* 512 */
	E(ETH_P_DNA_RC),	/* 608 */
	E(ETH_P_CFM),	/* 649 */
	E(ETH_P_ALL),	/* 768 */
	E(ETH_P_DNA_RT),	/* 864 */
	E(ETH_P_802_2),	/* 1024 */
	E(ETH_P_LAT),	/* 1120 */
	E(ETH_P_SNAP),	/* 1280 */
	E(ETH_P_X25),	/* 1288 */
	E(ETH_P_BATMAN),	/* 1347 */
	E(ETH_P_DIAG),	/* 1376 */
	E(ETH_P_DDCMP),	/* 1536 */
	E(ETH_P_ARP),	/* 1544 */
	E(ETH_P_CUST),	/* 1632 */
	E(ETH_P_FCOE),	/* 1673 */
	E(ETH_P_WAN_PPP),	/* 1792 */
	E(ETH_P_SCA),	/* 1888 */
	E(ETH_P_PPP_MP),	/* 2048 */
	E(ETH_P_PAUSE),	/* 2184 */
	E(ETH_P_LOCALTALK),	/* 2304 */
	E(ETH_P_SLOW),	/* 2440 */
	E(ETH_P_CAN),	/* 3072 */
	E(ETH_P_CANFD),	/* 3328 */
	E(ETH_P_TDLS),	/* 3465 */
	E(ETH_P_CANXL),	/* 3584 */
	E(ETH_P_PPPTALK),	/* 4096 */
	E(ETH_P_TR_802_2),	/* 4352 */
	E(ETH_P_FIP),	/* 5257 */
	E(ETH_P_MOBITEX),	/* 5376 */
	E(ETH_P_IBOE),	/* 5513 */
	E(ETH_P_CONTROL),	/* 5632 */
	E(ETH_P_IRDA),	/* 5888 */
	E(ETH_P_80221),	/* 6025 */
	E(ETH_P_ECONET),	/* 6144 */
	E(ETH_P_HDLC),	/* 6400 */
	E(ETH_P_ARCNET),	/* 6656 */
	E(ETH_P_DSA),	/* 6912 */
	E(ETH_P_TRAILER),	/* 7168 */
	E(ETH_P_HSR),	/* 12169 */
	E(ETH_P_RARP),	/* 13696 */
	E(ETH_P_IPX),	/* 14209 */
	E(ETH_P_WCCP),	/* 16008 */
	E(ETH_P_IFE),	/* 16109 */
	E(ETH_P_MPLS_UC),	/* 18312 */
	E(ETH_P_MPLS_MC),	/* 18568 */
	E(ETH_P_ATMMPOA),	/* 19592 */
	E(ETH_P_NSH),	/* 20361 */
	E(ETH_P_TEB),	/* 22629 */
	E(ETH_P_LOOP),	/* 24576 */
	E(ETH_P_PPP_DISC),	/* 25480 */
	E(ETH_P_PPP_SES),	/* 25736 */
	E(ETH_P_LINK_CTL),	/* 27784 */
	E(ETH_P_ATMFATE),	/* 33928 */
	E(ETH_P_PAE),	/* 36488 */
	E(ETH_P_PROFINET),	/* 37512 */
	E(ETH_P_REALTEK),	/* 39304 */
	E(ETH_P_ATALK),	/* 39808 */
	E(ETH_P_AOE),	/* 41608 */
	E(ETH_P_ETHERCAT),	/* 42120 */
	E(ETH_P_8021AD),	/* 43144 */
	E(ETH_P_802_EX1),	/* 46472 */
	E(ETH_P_ERSPAN),	/* 48776 */
	E(ETH_P_PREAUTH),	/* 51080 */
	E(ETH_P_TIPC),	/* 51848 */
	E(ETH_P_LLDP),	/* 52360 */
	E(ETH_P_EDSA),	/* 56026 */
	E(ETH_P_DSA_8021Q),	/* 56282 */
	E(ETH_P_IPV6),	/* 56710 */
	E(ETH_P_MRP),	/* 58248 */
	E(ETH_P_MACSEC),	/* 58760 */
	E(ETH_P_8021AH),	/* 59272 */
	E(ETH_P_ERSPAN2),	/* 60194 */
	E(ETH_P_TSN),	/* 61474 */
	E(ETH_P_AARP),	/* 62336 */
	E(ETH_P_PHONET),	/* 62720 */
	E(ETH_P_MVRP),	/* 62856 */
	E(ETH_P_IEEE802154),	/* 62976 */
	E(ETH_P_CAIF),	/* 63232 */
	E(ETH_P_1588),	/* 63368 */
	E(ETH_P_XDSA),	/* 63488 */
	E(ETH_P_NCSI),	/* 63624 */
	E(ETH_P_MAP),	/* 63744 */
	E(ETH_P_MCTP),	/* 64000 */
	E(ETH_P_PRP),	/* 64392 */
	E(ETH_P_AF_IUCV),	/* 64507 */
};

/* Bluetooth's headers are not part of libc or the kernel uapi set installed
 * everywhere: the numbers are those of <bluetooth/bluetooth.h>. */
static const struct names_entry bt_protocols[] = {
	{ "BTPROTO_L2CAP", 0 },
	{ "BTPROTO_HCI", 1 },
	{ "BTPROTO_SCO", 2 },
	{ "BTPROTO_RFCOMM", 3 },
	{ "BTPROTO_BNEP", 4 },
	{ "BTPROTO_CMTP", 5 },
	{ "BTPROTO_HIDP", 6 },
	{ "BTPROTO_AVDTP", 7 },
	{ "BTPROTO_ISO", 8 },
};

static const struct names_entry key_protocols[] = {
	N(PF_KEY_V2),
};

/* <linux/if_pppox.h> drags in most of the kernel's net headers: literals. */
static const struct names_entry pppox_protocols[] = {
	{ "PX_PROTO_OE", 0 },
	{ "PX_PROTO_OL2TP", 1 },
	{ "PX_PROTO_PPTP", 2 },
};

/* <linux/phonet.h> */
static const struct names_entry phonet_protocols[] = {
	{ "PN_PROTO_TRANSPORT", 0 },
	{ "PN_PROTO_PHONET", 1 },
	{ "PN_PROTO_PIPE", 2 },
};

static const int inet_families[] = { AF_INET, AF_INET6, -1 };
static const int netlink_families[] = { AF_NETLINK, -1 };
static const int can_families[] = { AF_CAN, -1 };
static const int packet_families[] = { AF_PACKET, -1 };
static const int bt_families[] = { AF_BLUETOOTH, -1 };
static const int key_families[] = { AF_KEY, -1 };
static const int pppox_families[] = { AF_PPPOX, -1 };
static const int phonet_families[] = { AF_PHONET, -1 };

#define PT(prefix, fams, ents) { prefix, fams, ents, ARRAY_SIZE(ents) }

/* A family appears in at most one of these. */
static const struct names_protocol_table protocol_tables[] = {
	PT("IPPROTO_", inet_families, ip_protocols),
	PT("NETLINK_", netlink_families, netlink_protocols),
	PT("CAN_", can_families, can_protocols),
	PT("ETH_P_", packet_families, eth_protocols),
	PT("BTPROTO_", bt_families, bt_protocols),
	PT("PF_KEY_", key_families, key_protocols),
	PT("PX_PROTO_", pppox_families, pppox_protocols),
	PT("PN_PROTO_", phonet_families, phonet_protocols),
};

/* What the kernel picks for protocol 0.  inet_create() takes the protocol of
 * the one protosw registered for the type: TCP for streams, UDP for
 * datagrams, SCTP for seqpacket (once sctp is loaded) and DCCP for SOCK_DCCP
 * (once dccp is loaded); SOCK_RAW with protocol 0 is refused, so it keeps 0.
 * BTPROTO_L2CAP and NETLINK_ROUTE are 0 already and need no row. */
static const struct {
	int family, type, protocol;
} default_protocols[] = {
	{ AF_INET, SOCK_STREAM, IPPROTO_TCP },
	{ AF_INET, SOCK_DGRAM, IPPROTO_UDP },
	{ AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP },
	{ AF_INET, SOCK_DCCP, IPPROTO_DCCP },
	{ AF_INET6, SOCK_STREAM, IPPROTO_TCP },
	{ AF_INET6, SOCK_DGRAM, IPPROTO_UDP },
	{ AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP },
	{ AF_INET6, SOCK_DCCP, IPPROTO_DCCP },
};

static const struct {
	const struct names_entry *entries;
	size_t count;
} tables[] = {
	[NAMES_FAMILY] = { families, ARRAY_SIZE(families) },
	[NAMES_TYPE] = { types, ARRAY_SIZE(types) },
	[NAMES_FLAG] = { flags, ARRAY_SIZE(flags) },
	[NAMES_HOW] = { hows, ARRAY_SIZE(hows) },
	[NAMES_ERRNO] = { errnos, ARRAY_SIZE(errnos) },
	[NAMES_PROTOCOL] = { NULL, 0 },
	[NAMES_EVENT] = { events, ARRAY_SIZE(events) },
};

static int table_ok(enum names_table t)
{
	return (unsigned)t < ARRAY_SIZE(tables);
}

/* The first entry holding VALUE (the canonical name), by binary search. */
static const char *entries_name(const struct names_entry *e, size_t n, int value)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && e[lo].value == value ? e[lo].name : NULL;
}

static int entries_value(const struct names_entry *e, size_t n,
			 const char *name, int *value)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(e[i].name, name)) {
			*value = e[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

/* A plain decimal number: digits only, no sign, fits an int. */
static int parse_number(const char *s, int *value)
{
	long v = 0;

	if (!*s)
		return -ENOENT;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -ENOENT;
		v = v * 10 + (*s - '0');
		if (v > INT32_MAX)
			return -ENOENT;
	}
	*value = (int)v;
	return 0;
}

static const char *const mode_words[] = {
	[POLICY_ENFORCE] = "enforce",
	[POLICY_AUDIT] = "audit",
};

const char *policy_mode_name(enum policy_mode m)
{
	return (size_t)m < ARRAY_SIZE(mode_words) ? mode_words[m] : "enforce";
}

int policy_mode_value(const char *word, enum policy_mode *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(mode_words); i++) {
		if (!strcmp(word, mode_words[i])) {
			*m = (enum policy_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *names_name(enum names_table t, int value)
{
	if (!table_ok(t))
		return NULL;
	return entries_name(tables[t].entries, tables[t].count, value);
}

int names_value(enum names_table t, const char *name, int *value)
{
	int table;

	if (!name || !table_ok(t))
		return -ENOENT;
	if (!parse_number(name, value))
		return 0;
	if (t == NAMES_PROTOCOL)
		return names_protocol_value(name, value, &table);
	return entries_value(tables[t].entries, tables[t].count, name, value);
}

const struct names_entry *names_table_entries(enum names_table t, size_t *count)
{
	if (!table_ok(t) || !tables[t].entries) {
		*count = 0;
		return NULL;
	}
	*count = tables[t].count;
	return tables[t].entries;
}

const struct names_protocol_table *names_protocol_tables(size_t *count)
{
	*count = ARRAY_SIZE(protocol_tables);
	return protocol_tables;
}

int names_protocol_table_has_family(int table, int family)
{
	const int *f;

	if (table < 0 || (size_t)table >= ARRAY_SIZE(protocol_tables))
		return 0;
	for (f = protocol_tables[table].families; *f != -1; f++)
		if (*f == family)
			return 1;
	return 0;
}

const char *names_protocol_name(int family, int proto)
{
	for (size_t i = 0; i < ARRAY_SIZE(protocol_tables); i++) {
		const struct names_protocol_table *pt = &protocol_tables[i];

		if (names_protocol_table_has_family((int)i, family))
			return entries_name(pt->entries, pt->count, proto);
	}
	return NULL;
}

int names_protocol_value(const char *name, int *value, int *table)
{
	if (!name)
		return -ENOENT;
	if (!parse_number(name, value)) {
		*table = -1;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(protocol_tables); i++) {
		const struct names_protocol_table *pt = &protocol_tables[i];

		if (!entries_value(pt->entries, pt->count, name, value)) {
			*table = (int)i;
			return 0;
		}
	}
	return -ENOENT;
}

int names_effective_protocol(int family, int type, int proto)
{
	if (proto != 0)
		return proto;
	type &= ~NAMES_TYPE_FLAGS;
	for (size_t i = 0; i < ARRAY_SIZE(default_protocols); i++)
		if (default_protocols[i].family == family &&
		    default_protocols[i].type == type)
			return default_protocols[i].protocol;
	return proto;
}

/* Suggestions (tools only: these may take their time). */

#define SUGGEST_MAX 64

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, so "AF_INTE" is one edit from "AF_INET"), ignoring case. */
static int distance(const char *a, size_t la, const char *b, size_t lb)
{
	/* three rows of the matrix (i - 2, i - 1, i), not all of it: the
	 * policy parser may run this inside the shim, on a program's stack */
	int d[3][SUGGEST_MAX + 1];

	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int *cur = d[i % 3], *up = d[(i + 2) % 3], *up2 = d[(i + 1) % 3];

		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cost = lower(a[i - 1]) != lower(b[j - 1]);
			int best = up[j - 1] + cost;

			if (up[j] + 1 < best)
				best = up[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) &&
			    up2[j - 2] + 1 < best)
				best = up2[j - 2] + 1;
			cur[j] = best;
		}
	}
	return d[la % 3][lb];
}

/* How many edits still count as a typo of a LEN-character word. */
static int close_enough(size_t len)
{
	if (len <= 4)
		return 1;
	if (len < 9)
		return 2;
	return (int)(len / 3);
}

/* Distance of BAD to NAME, or to the words after one of NAME's underscores
 * (so "inet", "tcp" and "all" find AF_INET, IPPROTO_TCP and ETH_P_ALL). */
static int name_distance(const char *bad, size_t lb, const char *name)
{
	size_t ln = strlen(name);
	const char *u;
	int d;

	if (ln > SUGGEST_MAX)
		return SUGGEST_MAX + 1;
	d = distance(bad, lb, name, ln);
	if (name[0] < 'A' || name[0] > 'Z')
		return d;	/* "socket.__new__" has no prefix */
	for (u = strchr(name, '_'); u && u[1]; u = strchr(u + 1, '_')) {
		int ds = distance(bad, lb, u + 1, ln - (size_t)(u + 1 - name));

		if (ds < d)
			d = ds;
	}
	return d;
}

struct suggest {
	const char *bad;
	size_t len;
	const char *best;
	int best_d;
};

static void suggest_try(struct suggest *s, const char *name)
{
	int d = name_distance(s->bad, s->len, name);

	if (d < s->best_d) {
		s->best_d = d;
		s->best = name;
	}
}

static int suggest_init(struct suggest *s, const char *bad)
{
	s->bad = bad;
	s->len = bad ? strlen(bad) : 0;
	s->best = NULL;
	s->best_d = SUGGEST_MAX + 1;
	return s->len > 0 && s->len <= SUGGEST_MAX;
}

static const char *suggest_done(const struct suggest *s)
{
	return s->best && s->best_d <= close_enough(s->len) ? s->best : NULL;
}

const char *names_suggest(enum names_table t, const char *bad)
{
	struct suggest s;

	if (!table_ok(t) || !suggest_init(&s, bad))
		return NULL;
	if (t == NAMES_PROTOCOL) {
		for (size_t i = 0; i < ARRAY_SIZE(protocol_tables); i++)
			for (size_t j = 0; j < protocol_tables[i].count; j++)
				suggest_try(&s, protocol_tables[i].entries[j].name);
	} else {
		for (size_t j = 0; j < tables[t].count; j++)
			suggest_try(&s, tables[t].entries[j].name);
	}
	return suggest_done(&s);
}

const char *names_suggest_from(const char *const *candidates, const char *bad)
{
	struct suggest s;

	if (!candidates || !suggest_init(&s, bad))
		return NULL;
	for (; *candidates; candidates++)
		suggest_try(&s, *candidates);
	return suggest_done(&s);
}
