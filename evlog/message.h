/* SPDX-License-Identifier: MIT */
/* message.h - what the sinks of messages (syslog.c, journal.c) read of an
 * event line: its event word, time, pid and decision, and the syslog
 * severity and facility they become.  One place for both, so that the
 * syslog and the journal carry the same priority for the same event.
 *
 * Async-signal-safe: the line is walked with the JSON scanner, nothing is
 * allocated or copied (the words are spans of the line).
 */
#ifndef SOCKAUDIT_EVLOG_MESSAGE_H
#define SOCKAUDIT_EVLOG_MESSAGE_H

#include <stddef.h>

#include "scan.h"

/* The facility of every message: LOG_AUTHPRIV (10).  The events name the
 * programs a host runs and the addresses they reach, which is what syslog
 * configurations keep private: Debian's rsyslog writes authpriv to the 0640
 * auth.log and keeps it out of the world-readable files, where user or
 * daemon messages would go; sudo and sshd log there too. */
#define EVLOG_MSG_FACILITY 10

struct evlog_msg {
	struct json_str event;	/* "socket.__new__", "sockaudit.lost", ...; len 0: none */
	struct json_str ts;	/* "2026-11-24T04:05:06.123456789Z"; len 0: none */
	long long pid;		/* -1: none */
	int decision;		/* enum event_decision, -1: none */
};

/* Read M from the event LINE (LEN bytes, a trailing '\n' allowed).  A line
 * that is no JSON object leaves M as far as it got (every field "none"). */
void evlog_msg_read(const char *line, size_t len, struct evlog_msg *m);

/* The syslog severity (0..7) of M: a decision's (allow 6 info, would_deny
 * 5 notice, deny 4 warning, kill 3 err), 4 for the loss record (the log is
 * incomplete), 6 for anything else. */
int evlog_msg_severity(const struct evlog_msg *m);

/* Message building, without bounds checks (the caller sized the buffer):
 * N bytes of S, or V in decimal, at P; each returns the end. */
char *evlog_msg_put(char *p, const char *s, size_t n);
char *evlog_msg_put_uint(char *p, unsigned long long v);
#define EVLOG_MSG_PUT_LIT(p, s) evlog_msg_put((p), (s), sizeof(s) - 1)

#endif
