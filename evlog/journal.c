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
 * Every value is a span of the line: the entry is sent with one writev(2)
 * of iovecs pointing into it, with the field names put together on the
 * stack (some 2.5 KiB in all, for the shim's signal handlers); nothing is
 * allocated, copied or locked.
 */
#include <stdatomic.h>
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

/* The fields an entry can carry: the fixed ones, then three iovecs per key
 * (name, value, newline).  An event has some 25 keys; a line with more
 * (not one of ours) loses the fields past these, never its MESSAGE. */
#define JOURNAL_KEYS_MAX 40
#define JOURNAL_IOV_MAX (12 + 3 * JOURNAL_KEYS_MAX)
#define JOURNAL_NAMES_MAX (JOURNAL_KEYS_MAX * 24)

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

/* The field name of KEY ("SOCKAUDIT_FAMILY=") at P, within END; journald
 * takes upper-case letters, digits and '_'.  Returns its end, or NULL when
 * it does not fit. */
static char *journal_put_name(char *p, char *end, const struct json_str *key)
{
	size_t n = sizeof(JOURNAL_PREFIX) - 1;

	if (!key->len || n + key->len > JOURNAL_NAME_MAX || p + n + key->len + 1 > end)
		return NULL;
	memcpy(p, JOURNAL_PREFIX, n);
	p += n;
	for (size_t i = 0; i < key->len; i++) {
		char c = key->p[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			c = '_';
		*p++ = c;
	}
	*p++ = '=';
	return p;
}

static char *journal_put_uint(char *p, unsigned long long v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *journal_put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

struct journal_entry {
	struct iovec v[JOURNAL_IOV_MAX];
	int n;
};

static void journal_add(struct journal_entry *e, const void *p, size_t len)
{
	if (e->n < JOURNAL_IOV_MAX)
		e->v[e->n++] = (struct iovec){ .iov_base = (void *)p, .iov_len = len };
}

#define JOURNAL_ADD_LIT(e, s) journal_add((e), (s), sizeof(s) - 1)

/* SOCKAUDIT_<KEY>= for each member of the event at C (after its '{'). */
static void journal_add_keys(struct journal_entry *e, struct json_cur *c, char *names,
			     char *names_end)
{
	struct json_str key;
	struct json_tok t;
	bool first = true;

	while (e->n + 3 <= JOURNAL_IOV_MAX &&
	       json_member_value(c, first, &key, &t, 1, JSON_DEPTH_MAX) == JSON_OK) {
		char *end;

		first = false;
		if (t.type == JSON_NULL)
			continue;
		end = journal_put_name(names, names_end, &key);
		if (!end)
			continue;
		journal_add(e, names, (size_t)(end - names));
		names = end;
		if (t.type == JSON_STRING)
			journal_add(e, t.str.p, t.str.len);
		else
			journal_add(e, t.start, (size_t)(t.end - t.start));
		JOURNAL_ADD_LIT(e, "\n");
	}
}

static ssize_t journal_send(int fd, const char *line, size_t len)
{
	size_t body = len && line[len - 1] == '\n' ? len - 1 : len;
	struct json_cur c = { .p = line, .end = line + body, .ix = NULL };
	char names[JOURNAL_NAMES_MAX], fixed[64], *p = fixed;
	struct journal_entry e = { .n = 0 };
	struct evlog_msg m;
	const char *id;

	evlog_msg_read(line, len, &m);
	JOURNAL_ADD_LIT(&e, "MESSAGE=");
	journal_add(&e, line, body);
	JOURNAL_ADD_LIT(&e, "\nSYSLOG_IDENTIFIER=sockaudit\nSYSLOG_FACILITY=10\n");
	_Static_assert(EVLOG_MSG_FACILITY == 10, "the facility written above");
	id = journal_id(&m.event);
	if (id) {
		JOURNAL_ADD_LIT(&e, "MESSAGE_ID=");
		journal_add(&e, id, 32);
		JOURNAL_ADD_LIT(&e, "\n");
	}
	p = journal_put_uint(journal_put_str(p, "PRIORITY="), (unsigned)evlog_msg_severity(&m));
	*p++ = '\n';
	if (m.pid > 0) {
		p = journal_put_uint(journal_put_str(p, "SYSLOG_PID="), (unsigned long long)m.pid);
		*p++ = '\n';
	}
	journal_add(&e, fixed, (size_t)(p - fixed));
	if (c.p < c.end && *c.p == '{') {
		c.p++;
		journal_add_keys(&e, &c, names, names + sizeof(names));
	}
	if (writev(fd, e.v, e.n) < 0)
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
