/* SPDX-License-Identifier: MIT */
/* journal.c - the journald sink: each event one entry of systemd-journald's
 * native protocol ("journal": /run/systemd/journal/socket; "journal:/PATH":
 * that socket), one datagram of KEY=VALUE lines:
 *
 *   MESSAGE=<the event line, as the file sink writes it, without its newline>
 *   MESSAGE_ID=<the event's fixed 128-bit id, journal_ids below>
 *   PRIORITY=<the decision's severity, message.h>
 *   SYSLOG_FACILITY=10	(LOG_AUTHPRIV, message.h)
 *   SYSLOG_IDENTIFIER=sockaudit
 *   SYSLOG_PID=<the event's pid: journald's own _PID is the sender's, the
 *              launcher under `sockaudit run`>
 *   SOCKAUDIT_<KEY>=<value> for each key of the event ("family" is
 *              SOCKAUDIT_FAMILY): a string as it stands between its quotes,
 *              a number or true/false as written, an array or object as its
 *              JSON text; a null key has no field.
 *
 * Values keep JSON's escapes: the writer escapes a quote, a backslash and
 * every control byte, so no value holds a newline and each field is one
 * line of the plain form (the protocol's binary form, a length before the
 * value, is never needed); MESSAGE holds the event exactly.  A name made of
 * ordinary bytes (nearly every one) reads the same in both.
 *
 * The entry is sent with one writev(2) (journal_send); nothing is
 * allocated or locked, and the stack holds a few hundred bytes, for the
 * shim's signal handlers.
 */
#include <string.h>
#include <sys/uio.h>

#include "message.h"
#include "schema.h"
#include "sink.h"

#define JOURNAL_DEFAULT_SOCKET "/run/systemd/journal/socket"
#define JOURNAL_PREFIX "SOCKAUDIT_"
#define JOURNAL_NAME_MAX 64	/* journald's longest field name */

/* MESSAGE_ID per event, generated once (random, version 4) and fixed for
 * good: `journalctl MESSAGE_ID=...` finds one kind of event across
 * versions.  Listed in sockaudit-syslog(7) too. */
static const char *const journal_ids[POLICY_EV_COUNT] = {
	[POLICY_EV_NEW] = "dba0a62df5cd459792a77c39b022b7c6",
	[POLICY_EV_SHUTDOWN] = "e16b5d19846e43228974b5e37f25cf83",
	[POLICY_EV_CONNECT] = "02a54963cbf942058fdeac5d4b3d503c",
	[POLICY_EV_BIND] = "a90e58b399574a84beb7b639661bd4e8",
	[POLICY_EV_SENDTO] = "44ebcf69faf5424899fad5b67c820e34",
	[POLICY_EV_SENDMSG] = "ca89d26c3be14dbc9af3ce95ed42b1f3",
	[POLICY_EV_GETADDRINFO] = "321968d609544436afe7868286df643a",
};
#define JOURNAL_ID_LOSS "ddb2f6e320ed4c29b59128b0e61d1aa8"	/* sockaudit.lost */
#define JOURNAL_ID_SEAL "1bea58d1ae2847d58f6e9377b4dbca5d"	/* sockaudit.seal */

/* The fixed fields (identifier, facility, MESSAGE_ID, PRIORITY, SYSLOG_PID)
 * fit in this. */
#define JOURNAL_FIXED_MAX 160

static const char *journal_path(const char *spec)
{
	return evlog_sink_spec_socket(spec, "journal", JOURNAL_DEFAULT_SOCKET);
}

static bool journal_claims(const char *spec)
{
	return journal_path(spec) != NULL;
}

static int journal_open(const char *spec, bool *in_the_way)
{
	return evlog_sink_unix_connect(journal_path(spec), in_the_way);
}

static bool journal_word_is(const struct json_str *w, const char *s)
{
	size_t n = strlen(s);

	return w->len == n && !memcmp(w->p, s, n);
}

/* The MESSAGE_ID of the event word W, or NULL. */
static const char *journal_id(const struct json_str *w)
{
	int ev = w->len ? event_name_parse(w->p, w->len) : -1;

	if (ev >= 0 && ev < POLICY_EV_COUNT)
		return journal_ids[ev];
	if (journal_word_is(w, EVENT_LOSS_WORD))
		return JOURNAL_ID_LOSS;
	if (journal_word_is(w, EVENT_SEAL_WORD))
		return JOURNAL_ID_SEAL;
	return NULL;
}

/* The fixed fields of the entry of M into P (JOURNAL_FIXED_MAX bytes). */
static char *journal_put_fixed(char *p, const struct evlog_msg *m)
{
	const char *id = journal_id(&m->event);

	_Static_assert(EVLOG_MSG_FACILITY == 10, "the facility written below");
	p = EVLOG_MSG_PUT_LIT(p, "SYSLOG_IDENTIFIER=sockaudit\nSYSLOG_FACILITY=10\n");
	if (id) {
		p = EVLOG_MSG_PUT_LIT(p, "MESSAGE_ID=");
		p = evlog_msg_put(p, id, 32);
		*p++ = '\n';
	}
	p = EVLOG_MSG_PUT_LIT(p, "PRIORITY=");
	p = evlog_msg_put_uint(p, (unsigned)evlog_msg_severity(m));
	*p++ = '\n';
	if (m->pid > 0) {
		p = EVLOG_MSG_PUT_LIT(p, "SYSLOG_PID=");
		p = evlog_msg_put_uint(p, (unsigned long long)m->pid);
		*p++ = '\n';
	}
	return p;
}

/* "SOCKAUDIT_<KEY>=<value>\n" for each member of the event at C (after its
 * '{'), into [P, END): journald takes upper-case letters, digits and '_'
 * in a name of at most 64 bytes.  A field that does not fit ends the list
 * (MESSAGE has it).  Returns the end of what was put. */
static char *journal_put_keys(char *p, char *end, struct json_cur *c)
{
	const size_t prefix = sizeof(JOURNAL_PREFIX) - 1;
	struct json_str key, v;
	struct json_tok t;
	bool first = true;

	while (json_member_value(c, first, &key, &t, 1, JSON_DEPTH_MAX) == JSON_OK) {
		first = false;
		if (t.type == JSON_NULL)
			continue;
		if (t.type == JSON_STRING)
			v = t.str;
		else
			v = (struct json_str){ .p = t.start, .len = (size_t)(t.end - t.start) };
		if (!key.len || prefix + key.len > JOURNAL_NAME_MAX)
			continue;
		if ((size_t)(end - p) < prefix + key.len + 1 + v.len + 1)
			break;
		p = evlog_msg_put(p, JOURNAL_PREFIX, prefix);
		for (size_t i = 0; i < key.len; i++) {
			char k = key.p[i];

			if (k >= 'a' && k <= 'z')
				k = (char)(k - 'a' + 'A');
			else if (!((k >= 'A' && k <= 'Z') || (k >= '0' && k <= '9')))
				k = '_';
			*p++ = k;
		}
		*p++ = '=';
		p = evlog_msg_put(p, v.p, v.len);
		*p++ = '\n';
	}
	return p;
}

/*
 * The entry is four pieces, one writev(2): "MESSAGE=", the line itself
 * (not copied), the fixed fields (on the stack), and the SOCKAUDIT_ fields
 * put together in the caller's SPARE (the shim's: the rest of the buffer
 * the line was formatted in), so that the stack holds a few hundred bytes
 * only, as for a line to a file.  No spare: an entry without them.
 */
static ssize_t journal_send(int fd, const char *line, size_t len, char *spare, size_t cap)
{
	size_t body = len && line[len - 1] == '\n' ? len - 1 : len;
	struct json_cur c = { .p = line, .end = line + body, .ix = NULL };
	char fixed[JOURNAL_FIXED_MAX];
	struct evlog_msg m;
	struct iovec v[4];
	char *keys_end = spare;
	int n = 3;

	evlog_msg_read(line, len, &m);
	v[0] = (struct iovec){ .iov_base = "MESSAGE=", .iov_len = 8 };
	v[1] = (struct iovec){ .iov_base = (void *)line, .iov_len = body };
	fixed[0] = '\n';
	v[2] = (struct iovec){ .iov_base = fixed,
			       .iov_len = (size_t)(journal_put_fixed(fixed + 1, &m) - fixed) };
	if (spare && c.p < c.end && *c.p == '{') {
		c.p++;
		keys_end = journal_put_keys(spare, spare + cap, &c);
		if (keys_end > spare)
			v[n++] = (struct iovec){ .iov_base = spare,
						 .iov_len = (size_t)(keys_end - spare) };
	}
	if (writev(fd, v, n) < 0)
		return -1;
	return (ssize_t)len;
}

const struct evlog_sink_kind evlog_sink_journal = {
	.name = "journal",
	.claims = journal_claims,
	.open = journal_open,
	.send = journal_send,
	.path = journal_path,
	.reopens = true,
	.owns_fd = true,
	.stream = false,
};
