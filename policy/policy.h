/* SPDX-License-Identifier: MIT */
/* policy.h - sockaudit's one policy library: parse, validate, match.
 *
 * The preload shim, the seccomp compiler, the notify supervisor and every
 * tool ask this library for decisions; nothing else holds matching logic.
 *
 * Errors are returned, never printed: functions return 0 or a negative errno
 * value, and policy problems come back as a list of diagnostics.
 */
#ifndef SOCKAUDIT_POLICY_H
#define SOCKAUDIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum policy_event {
	POLICY_EV_NEW,		/* "socket.__new__": socket, socketpair, accept */
	POLICY_EV_SHUTDOWN,	/* "socket.shutdown" */
	/* The address events: a socket and where it goes. */
	POLICY_EV_CONNECT,	/* "socket.connect" */
	POLICY_EV_BIND,		/* "socket.bind" */
	POLICY_EV_SENDTO,	/* "socket.sendto": sendto with an address */
	POLICY_EV_SENDMSG,	/* "socket.sendmsg": each message with a msg_name */
	POLICY_EV_GETADDRINFO,	/* "socket.getaddrinfo": preload only */
	POLICY_EV_COUNT,
};

/* Does EVENT carry an address (or, for getaddrinfo, a name)?  Such events
 * are decided by the policy's "default" only when the default names them
 * (policy_default_for()): a policy written for socket.__new__ and
 * socket.shutdown alone keeps its meaning. */
static inline bool policy_event_has_address(enum policy_event ev)
{
	return ev >= POLICY_EV_CONNECT && ev < POLICY_EV_COUNT;
}

enum policy_action { POLICY_ALLOW, POLICY_DENY, POLICY_KILL };
enum policy_mode { POLICY_ENFORCE, POLICY_AUDIT };

/* The facts one call is decided on. */
struct policy_call {
	enum policy_event event;
	int family;		/* AF_*; -1 when unknown */
	int type;		/* as passed: flags are masked off by the matcher */
	int protocol;		/* as passed: 0 becomes the family's default */
	int how;		/* SHUT_*, for POLICY_EV_SHUTDOWN */
	const char *exe;	/* executable path; NULL matches no exe rule */

	/* The address events' address, as the layer copied it (calls/addr.h
	 * decodes it; calls_addr_to_policy() fills these in).  has_addr
	 * false: no address the kernel would take (none, too short, too long,
	 * unreadable), which matches no rule that constrains the address or
	 * the port.  A zeroed policy_call has neither. */
	bool has_addr;
	int addr_family;	/* AF_INET, AF_INET6, AF_UNIX, or any other */
	uint8_t ip[16];		/* AF_INET: the first 4 bytes; network order */
	bool has_port;		/* AF_INET, AF_INET6; getaddrinfo's numeric
				   service */
	int port;
	const char *path;	/* AF_UNIX: the path's PATH_LEN bytes, which
				   may hold NULs (an abstract name) */
	size_t path_len;	/* 0: unnamed (autobind) */
	bool abstract;		/* PATH is an abstract name (after the NUL) */
	const char *host;	/* socket.getaddrinfo: the name; NULL: none */
};

/* How strict an action is: kill, then deny, then allow (the order in which
 * the strictest of several possible decisions is chosen). */
static inline int policy_strictness(enum policy_action a)
{
	return a == POLICY_KILL ? 2 : a == POLICY_DENY ? 1 : 0;
}

struct policy_decision {
	enum policy_action action;	/* before the mode is applied */
	int err;			/* errno to fail with, for POLICY_DENY */
	bool log;			/* the deciding rule's "log" */
	int rule;			/* index of the deciding rule, -1: default */
	const char *rule_id;		/* its id ("rules[N]" for an unnamed
					   rule), NULL for the default */
};

struct policy;	/* opaque, immutable once parsed */

enum policy_severity { POLICY_ERROR, POLICY_WARNING, POLICY_NOTE };

struct policy_diag {
	enum policy_severity severity;
	int line, col;		/* 1-based; 0 when the position is unknown */
	char *path;		/* JSON path such as "rules[3].family", or NULL */
	char *message;		/* "unknown family 'AF_INTE'; did you mean 'AF_INET'?" */
};

struct policy_diags {
	struct policy_diag *items;
	size_t count, errors, warnings;
};

/* Parse and validate the policy TEXT of LEN bytes.  On success (no errors;
 * warnings allowed) returns 0 and stores a policy in *OUT.  Otherwise returns
 * -EINVAL and *OUT is NULL.  Every problem found (errors and warnings) is
 * appended to DIAGS, which may be NULL.  -ENOMEM on allocation failure. */
int policy_parse(const char *text, size_t len, struct policy **out,
		 struct policy_diags *diags);

/* Read the regular file PATH and policy_parse() it: -errno when it cannot be
 * opened or read, -ENOTSUP when it is not a regular file (a FIFO, a device,
 * a directory: reading one could block or never end), -EFBIG when it is
 * larger than 64 MiB.  Never blocks opening PATH (O_NONBLOCK).  For the
 * shim, which runs in the audited program; the tools read any file with
 * policy_read_text(). */
int policy_load(const char *path, struct policy **out, struct policy_diags *diags);

/* The same for the open descriptor FD, read with pread(2) from offset 0 so
 * that its file offset, which other processes may share, never moves. */
int policy_load_fd(int fd, struct policy **out, struct policy_diags *diags);

/* Read all of FD into a new NUL-terminated buffer *TEXT (free() it) of *LEN
 * bytes, as policy_load() does: 0, -EFBIG over 64 MiB, or -errno.  Tools
 * use it to keep the text for policy_diags_print(). */
int policy_read_text(int fd, char **text, size_t *len);

/* The embedded default policy: audit mode, allow and log everything.  Never
 * NULL, never freed. */
const struct policy *policy_default(void);

void policy_free(struct policy *p);

enum policy_mode policy_mode(const struct policy *p);

/* The word for mode M, as policies, SOCKAUDIT_MODE, --mode and the events'
 * "mode" spell it: "enforce" or "audit".  Static data, async-signal-safe. */
const char *policy_mode_name(enum policy_mode m);

/* The mode WORD names into *M: 0, or -EINVAL when WORD is neither. */
int policy_mode_value(const char *word, enum policy_mode *m);

/* Returns P with its mode replaced (SOCKAUDIT_MODE, --mode). */
void policy_set_mode(struct policy *p, enum policy_mode mode);

size_t policy_rule_count(const struct policy *p);

/* The id of P's rule I (0-based, in order), or NULL when that rule has none
 * or there is no rule I. */
const char *policy_rule_id(const struct policy *p, size_t i);

/* True when a rule of P that applies to EVENT constrains family, type or
 * protocol: only then must a layer read the facts of the socket (a
 * shutdown's, an accepted one's) before policy_match().  An optimization of
 * what is read, never of the decision.  False for a NULL P.  Allocates
 * nothing, async-signal-safe. */
bool policy_needs_facts(const struct policy *p, enum policy_event event);

/* True when no rule of P can match a call of EVENT made by the executable
 * EXE (NULL: unknown, as policy_match() takes it), whatever its socket and
 * address: then every such call gets the default's decision, put in D.
 * Lets a layer skip the facts and the match for the process's whole life
 * (its exe changes only by execve).  Allocates nothing. */
bool policy_decides_alone(const struct policy *p, enum policy_event event, const char *exe,
			  struct policy_decision *d);

/* What P's address rules look at, for summaries (`sockaudit check`): the
 * count of rules that constrain "address", "port" and "host", and the
 * events the default decides (bit 1 << POLICY_EV_* each). */
struct policy_fields {
	size_t addresses, ports, hosts;
	unsigned default_events;
};

void policy_fields(const struct policy *p, struct policy_fields *f);

/* The decision of P's "default" (rule -1), for summaries such as
 * `sockaudit check`'s "default deny (EACCES)". */
void policy_default_decision(const struct policy *p, struct policy_decision *d);

/* The decision rule -1 gives an EVENT no rule matched: the "default" for
 * socket.__new__ and socket.shutdown; for an address event (which a policy
 * written before address events never mentions) allow, logged as the
 * default logs, unless the default's "event" names it.  Async-signal-safe. */
void policy_default_for(const struct policy *p, enum policy_event event,
			struct policy_decision *d);

/* io_uring creates sockets (IORING_OP_SOCKET) that neither LD_PRELOAD nor a
 * socket syscall filter sees, so the kernel filter refuses io_uring_setup in
 * enforce mode unless the policy's optional top-level "io_uring" is "allow"
 * (the default is "deny"). */
bool policy_io_uring_allowed(const struct policy *p);

/* The TCP ports P could allow for EVENT (socket.connect or socket.bind),
 * for a kernel filter by port (Landlock) that must never refuse what P
 * allows: bit PORT % 8 of ALLOWED[PORT / 8] is set when some call of EVENT
 * on an AF_INET or AF_INET6 TCP socket to PORT (any address, any exe) could
 * be allowed; in audit mode, and for any other event, every port.  Returns
 * true when some port is refused.  Allocates nothing (policy/ports.c). */
#define POLICY_PORTS_BYTES (65536 / 8)
bool policy_tcp_ports(const struct policy *p, enum policy_event event,
		      uint8_t allowed[POLICY_PORTS_BYTES]);

/* Decide CALL.  First matching rule wins, else the default.  Allocates
 * nothing, takes no locks, async-signal-safe. */
void policy_match(const struct policy *p, const struct policy_call *call,
		  struct policy_decision *d);

/* Facts of a call a layer could not read (policy_match_strictest). */
enum policy_unknown {
	POLICY_UNKNOWN_EXE = 1 << 0,	/* the caller's executable */
	POLICY_UNKNOWN_SOCKET = 1 << 1,	/* family, type, protocol of its socket */
	POLICY_UNKNOWN_ADDRESS = 1 << 2,	/* the address (and port) it names */
};

/* Decide CALL when the facts UNKNOWN (policy_unknown bits) could not be
 * read: the strictest decision of every rule that could decide, had they
 * been known (kill, then deny with the earliest such rule's errno, then
 * allow), as the kernel filter does for what it cannot see.  A rule that
 * looks at none of the unknown facts and matches ends the search.  Allocates
 * nothing, async-signal-safe. */
void policy_match_strictest(const struct policy *p, const struct policy_call *call,
			    unsigned unknown, struct policy_decision *d);

/* Print DIAGS compiler-style to OUT: "FILE:LINE:COL: error: MESSAGE", then
 * the source line of TEXT and a caret under the column. */
void policy_diags_print(FILE *out, const struct policy_diags *diags,
			const char *filename, const char *text, size_t len);

void policy_diags_free(struct policy_diags *diags);

#endif
