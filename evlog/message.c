/* SPDX-License-Identifier: MIT */
/* message.c - the facts of an event line a sink of messages needs
 * (message.h). */
#include <string.h>

#include "message.h"
#include "schema.h"

/* By enum event_decision.  An allowed call is information; a call audit
 * mode let through but the policy would have refused is worth a notice
 * (the policy is not ready to be enforced); an enforced denial is a
 * warning (the program was stopped, or tried what it should not); a kill
 * ends a process, an error.  Chosen so that "warning and worse" is the
 * stopped calls and the loss of events, as auditd's own messages rank. */
static const int msg_decision_severity[EVENT_DECISION_COUNT] = {
	[EVENT_ALLOW] = 6,
	[EVENT_DENY] = 4,
	[EVENT_WOULD_DENY] = 5,
	[EVENT_KILL] = 3,
};

#define MSG_SEVERITY_LOSS 4
#define MSG_SEVERITY_OTHER 6

static bool msg_key_is(const struct json_str *k, const char *name)
{
	size_t n = strlen(name);

	return k->len == n && !memcmp(k->p, name, n);
}

void evlog_msg_read(const char *line, size_t len, struct evlog_msg *m)
{
	struct json_cur c = { .p = line, .end = line + len, .ix = NULL };
	struct json_str key;
	struct json_tok t;
	bool first = true;

	m->event.len = m->ts.len = 0;
	m->event.p = m->ts.p = line;
	m->pid = -1;
	m->decision = -1;
	if (len && line[len - 1] == '\n')
		c.end--;
	json_skip_ws(&c);
	if (c.p == c.end || *c.p != '{')
		return;
	c.p++;
	while (json_member_value(&c, first, &key, &t, 1, 8) == JSON_OK) {
		first = false;
		if (t.type == JSON_STRING && msg_key_is(&key, "event"))
			m->event = t.str;
		else if (t.type == JSON_STRING && msg_key_is(&key, "ts"))
			m->ts = t.str;
		else if (t.type == JSON_STRING && msg_key_is(&key, "decision"))
			m->decision = event_decision_parse(t.str.p, t.str.len);
		else if (t.type == JSON_INT && msg_key_is(&key, "pid"))
			m->pid = t.num;
	}
}

int evlog_msg_severity(const struct evlog_msg *m)
{
	if (m->decision >= 0 && m->decision < EVENT_DECISION_COUNT)
		return msg_decision_severity[m->decision];
	if (m->event.len == sizeof(EVENT_LOSS_WORD) - 1 &&
	    !memcmp(m->event.p, EVENT_LOSS_WORD, m->event.len))
		return MSG_SEVERITY_LOSS;
	return MSG_SEVERITY_OTHER;
}

char *evlog_msg_put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

char *evlog_msg_put_uint(char *p, unsigned long long v)
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
