/* SPDX-License-Identifier: MIT */
/* names.h - the constant tables: families, types, protocols, errnos, SHUT_*.
 *
 * Every lookup here is a read of static const data: no allocation, no locks,
 * safe inside the shim's hot path and in signal handlers.
 */
#ifndef SOCKAUDIT_NAMES_H
#define SOCKAUDIT_NAMES_H

#include <stddef.h>
#include <sys/socket.h>	/* NAMES_TYPE_FLAGS */

struct names_entry {
	const char *name;
	int value;
};

enum names_table {
	NAMES_FAMILY,	/* AF_UNSPEC .. AF_MCTP */
	NAMES_TYPE,	/* SOCK_STREAM .. SOCK_PACKET (base types) */
	NAMES_FLAG,	/* SOCK_CLOEXEC, SOCK_NONBLOCK */
	NAMES_HOW,	/* SHUT_RD, SHUT_WR, SHUT_RDWR */
	NAMES_ERRNO,	/* EPERM .. */
	NAMES_PROTOCOL,	/* every protocol table, see names_protocol_* */
	NAMES_EVENT,	/* socket.__new__, socket.shutdown */
};

/* The type flags that never decide a match. */
#define NAMES_TYPE_FLAGS (SOCK_CLOEXEC | SOCK_NONBLOCK)
/* The largest base type a rule can name: the kernel's type mask (0xf). */
#define NAMES_TYPE_MAX 15

/* A protocol table: the families whose protocol numbers it names.
 * IPPROTO_* names AF_INET and AF_INET6 protocols, NETLINK_* AF_NETLINK, ... */
struct names_protocol_table {
	const char *prefix;		/* "IPPROTO_", "NETLINK_", ... */
	const int *families;		/* terminated by -1 */
	const struct names_entry *entries;
	size_t count;
};

/* Name of VALUE in table T, or NULL when it has none.  For NAMES_PROTOCOL
 * use names_protocol_name(). */
const char *names_name(enum names_table t, int value);

/* Value of NAME in table T into *VALUE: 0 on success, -ENOENT when unknown.
 * NAME may also be a decimal number ("2"), which is accepted as is. */
int names_value(enum names_table t, const char *name, int *value);

/* The whole table T (not NAMES_PROTOCOL), sorted by value.  Aliases
 * (AF_LOCAL, EWOULDBLOCK, ...) follow their canonical name, which has the
 * same value and comes first. */
const struct names_entry *names_table_entries(enum names_table t, size_t *count);

/* Protocol tables, in a fixed order; index into it is a "protocol table id". */
const struct names_protocol_table *names_protocol_tables(size_t *count);

/* Name of protocol PROTO for FAMILY, or NULL when it has none. */
const char *names_protocol_name(int family, int proto);

/* Look up a protocol NAME in every protocol table: 0 and *VALUE, *TABLE (the
 * index of the table it belongs to) on success, -ENOENT when unknown.
 * A decimal number is accepted too, with *TABLE = -1 (no table: any family). */
int names_protocol_value(const char *name, int *value, int *table);

/* Non-zero when protocol table TABLE names protocols of FAMILY. */
int names_protocol_table_has_family(int table, int family);

/* The protocol the kernel uses when a program passes 0 for FAMILY and base
 * TYPE (IPPROTO_TCP for an AF_INET stream, IPPROTO_UDP for a datagram); PROTO
 * itself when it is not 0 or when the family has no default. */
int names_effective_protocol(int family, int type, int proto);

/* The closest name to BAD in table T (edit distance, case-insensitive), or
 * NULL when nothing is close enough to suggest.  NAMES_PROTOCOL searches every
 * protocol table. */
const char *names_suggest(enum names_table t, const char *bad);

/* The closest of the NULL-terminated CANDIDATES to BAD, or NULL. */
const char *names_suggest_from(const char *const *candidates, const char *bad);

#endif
