/* SPDX-License-Identifier: MIT */
/* syslog.c - the syslog sink: each event an RFC 5424 message on a unix
 * datagram socket ("syslog": /dev/log; "syslog:/PATH": that socket).
 *
 *   <PRI>1 TIMESTAMP HOSTNAME sockaudit PID MSGID - @cee:{the event}
 *
 * PRI is the facility (LOG_AUTHPRIV) and the severity of the decision
 * (message.h); TIMESTAMP the event's "ts", cut to the microseconds RFC 5424
 * allows; PID the event's process (not the sender's: under `sockaudit run`
 * the launcher sends every process's events); MSGID the event's name
 * ("socket.__new__", "sockaudit.lost"); no structured data.  The message is
 * the event line exactly as the file sink writes it, without its newline,
 * behind the "@cee:" cookie that rsyslog's mmjsonparse (and syslog-ng's
 * json-parser) take as "JSON follows".
 *
 * The header is formatted on the stack (a few hundred bytes) and sent with
 * the line in one writev(2), one datagram: nothing is copied, allocated or
 * locked, so the shim can send from a signal handler.
 */
#include <stdatomic.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#include "message.h"
#include "sink.h"

#define SYSLOG_DEFAULT_SOCKET "/dev/log"
#define SYSLOG_APP_NAME "sockaudit"
#define SYSLOG_HOST_MAX 255	/* RFC 5424 HOSTNAME */
#define SYSLOG_MSGID_MAX 32	/* RFC 5424 MSGID */
#define SYSLOG_COOKIE "@cee:"

/* The host's name, read once (the first open): "-" until then, or when the
 * name is not what RFC 5424 allows (printable ASCII, no space). */
static char syslog_host[SYSLOG_HOST_MAX + 1];
static _Atomic int syslog_host_state;	/* 0: unread, 1: being read, 2: ready */

static void syslog_read_host(void)
{
	struct utsname u;
	int unread = 0;
	size_t n;

	if (!atomic_compare_exchange_strong(&syslog_host_state, &unread, 1))
		return;
	if (uname(&u) < 0 || !u.nodename[0])
		goto nil;
	n = strnlen(u.nodename, sizeof(u.nodename));
	if (n > SYSLOG_HOST_MAX)
		goto nil;
	for (size_t i = 0; i < n; i++)
		if (u.nodename[i] <= ' ' || u.nodename[i] > '~')
			goto nil;
	memcpy(syslog_host, u.nodename, n);
	syslog_host[n] = '\0';
	atomic_store_explicit(&syslog_host_state, 2, memory_order_release);
	return;
nil:
	memcpy(syslog_host, "-", 2);
	atomic_store_explicit(&syslog_host_state, 2, memory_order_release);
}

static const char *syslog_path(const char *spec)
{
	return evlog_sink_spec_socket(spec, "syslog", SYSLOG_DEFAULT_SOCKET);
}

static bool syslog_claims(const char *spec)
{
	return syslog_path(spec) != NULL;
}

static int syslog_open(const char *spec, bool *in_the_way)
{
	syslog_read_host();
	return evlog_sink_unix_connect(syslog_path(spec), in_the_way);
}

/* Is S (N bytes) made of the bytes ALLOWED, and of 1..MAX of them? */
static bool syslog_word_ok(const char *s, size_t n, size_t max, const char *allowed)
{
	if (!n || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!allowed ? (s[i] <= ' ' || s[i] > '~') : !strchr(allowed, s[i]) || !s[i])
			return false;
	return true;
}

/* The event's "ts" as RFC 5424's TIMESTAMP: at most six digits after the
 * second ("2026-11-24T04:05:06.123456Z"); "-" when it is not one of ours. */
static char *syslog_put_time(char *p, const struct json_str *ts)
{
	const char *dot = ts->len ? memchr(ts->p, '.', ts->len) : NULL;
	size_t frac;

	if (!syslog_word_ok(ts->p, ts->len, 40, "0123456789-:T.Z") ||
	    ts->p[ts->len - 1] != 'Z' || ts->len < 20)
		return evlog_msg_put(p, "-", 1);
	if (!dot)
		return evlog_msg_put(p, ts->p, ts->len);
	frac = (size_t)(ts->p + ts->len - 1 - (dot + 1));
	p = evlog_msg_put(p, ts->p, (size_t)(dot + 1 - ts->p) + (frac > 6 ? 6 : frac));
	return evlog_msg_put(p, "Z", 1);
}

static ssize_t syslog_send(int fd, const char *line, size_t len, char *spare, size_t cap)
{
	char hdr[16 + 48 + SYSLOG_HOST_MAX + sizeof(SYSLOG_APP_NAME) + 24 + SYSLOG_MSGID_MAX +
		 sizeof(SYSLOG_COOKIE) + 8];
	struct evlog_msg m;
	struct iovec v[2];
	char *p = hdr;

	(void)spare;	/* the header fits on the stack */
	(void)cap;
	evlog_msg_read(line, len, &m);
	*p++ = '<';
	p = evlog_msg_put_uint(p, EVLOG_MSG_FACILITY * 8 + evlog_msg_severity(&m));
	p = evlog_msg_put(p, ">1 ", 3);
	p = syslog_put_time(p, &m.ts);
	*p++ = ' ';
	if (atomic_load_explicit(&syslog_host_state, memory_order_acquire) == 2)
		p = evlog_msg_put(p, syslog_host, strlen(syslog_host));
	else
		*p++ = '-';
	p = evlog_msg_put(p, " " SYSLOG_APP_NAME " ", sizeof(SYSLOG_APP_NAME) + 1);
	if (m.pid > 0)
		p = evlog_msg_put_uint(p, (unsigned long long)m.pid);
	else
		*p++ = '-';
	*p++ = ' ';
	if (syslog_word_ok(m.event.p, m.event.len, SYSLOG_MSGID_MAX, NULL))
		p = evlog_msg_put(p, m.event.p, m.event.len);
	else
		*p++ = '-';
	p = evlog_msg_put(p, " - " SYSLOG_COOKIE, 3 + sizeof(SYSLOG_COOKIE) - 1);
	v[0] = (struct iovec){ .iov_base = hdr, .iov_len = (size_t)(p - hdr) };
	/* The line without its newline: a message is a record of its own. */
	v[1] = (struct iovec){ .iov_base = (void *)line,
			       .iov_len = len && line[len - 1] == '\n' ? len - 1 : len };
	if (writev(fd, v, 2) < 0)
		return -1;
	return (ssize_t)len;
}

const struct evlog_sink_kind evlog_sink_syslog = {
	.name = "syslog",
	.claims = syslog_claims,
	.open = syslog_open,
	.send = syslog_send,
	.path = syslog_path,
	.reopens = true,
	.owns_fd = true,
	.stream = false,
};
