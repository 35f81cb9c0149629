/* SPDX-License-Identifier: MIT */
/* fuzz_logread.c - the log reader on arbitrary bytes.
 *
 * The input goes through the streaming reader (as a file: truncated and
 * enormous lines, NUL bytes, no final newline), every event found is taken
 * apart the way report, learn and eval do it, and the whole input is also
 * tried as a policy object and as a time.  Invariants are checked with
 * abort(): an event's spans lie inside its line, a line that parsed once
 * parses again the same way.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "logread.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(struct logread_str s, const struct logread_event *ev)
{
	if (s.p && (s.p < ev->line.p || s.p + s.len > ev->line.p + ev->line.len))
		abort();
}

static int name_value(int field, const char *name, int *value)
{
	(void)field;
	*value = (int)strlen(name);
	return name[0] ? 0 : -1;
}

static void take_apart(const struct logread_event *ev)
{
	char buf[256];
	struct policy_call call;
	struct logread_event again;

	inside(ev->exe, ev);
	inside(ev->comm, ev);
	inside(ev->rule, ev);
	inside(ev->call, ev);
	inside(ev->flags, ev);
	inside(ev->family.raw, ev);
	inside(ev->protocol.raw, ev);
	/* The address events' and lookups' spans, and what tools make of them. */
	inside(ev->addr.text, ev);
	inside(ev->addr.raw, ev);
	inside(ev->peer.raw, ev);
	inside(ev->address, ev);
	inside(ev->malformed, ev);
	inside(ev->host, ev);
	inside(ev->addresses, ev);
	inside(ev->gai_error, ev);
	for (int i = 0; i < ev->nargs; i++)
		inside(ev->args_str[i], ev);
	if (ev->path_len > LOGREAD_PATH_MAX)
		abort();
	{
		size_t cur = 0;
		unsigned n = 0;
		uint8_t ip[16];
		int fam;

		while (logread_addresses_next(ev, &cur, &fam, ip, NULL))
			n++;
		if (n != ev->n_addresses)
			abort();
	}
	logread_where(ev, buf, sizeof(buf));
	logread_addr_policy_text(ev, buf, sizeof(buf));
	logread_unescape(ev->exe, buf, sizeof(buf));
	logread_unescape(ev->comm, buf, 3);
	logread_call(ev, &call, buf, sizeof(buf), name_value);
	if (logread_parse_line(ev->line.p, ev->line.len, &again, NULL, 0) != LOGREAD_JUNK_NONE ||
	    again.seq != ev->seq || again.pid != ev->pid)
		abort();
}

/* A line read on the fast path (the writer's own form) must read the same
 * the general way, which a space before it forces: the verdict, and the
 * event's main fields (tests/unit/test_logread.c compares them all). */
static void same_either_way(const char *line, size_t n, enum logread_junk junk,
			    const struct logread_event *ev)
{
	static char spaced[LOGREAD_LINE_MAX + 2];
	struct logread_event again;
	enum logread_junk j;

	if (n > LOGREAD_LINE_MAX)
		return;
	spaced[0] = ' ';
	memcpy(spaced + 1, line, n);
	j = logread_parse_line(spaced, n + 1, &again, NULL, 0);
	if (j != junk)
		abort();
	if (j == LOGREAD_JUNK_NONE &&
	    (again.seq != ev->seq || again.ts != ev->ts || again.pid != ev->pid ||
	     again.event != ev->event || again.decision != ev->decision ||
	     again.layer != ev->layer || again.nargs != ev->nargs ||
	     again.family.kind != ev->family.kind || again.exe.len != ev->exe.len ||
	     (again.exe.p && again.exe.p - spaced - 1 != ev->exe.p - line)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logread_event ev;
	enum logread_junk junk;
	char detail[128];
	size_t a, b, c;
	int64_t ns;
	int fd, st;

	json_find_member((const char *)data, size, "rules", &a, &b, &c);
	logread_parse_time((const char *)data, size < 40 ? size : 40, &ns);

	/* Most inputs: each line straight to the parser (fast).  Inputs whose
	 * first byte is odd, or large ones, also go through the reader. */
	for (size_t i = 0; i < size;) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : size - i;
		uint64_t fast = logread_fast_lines();

		junk = logread_parse_line((const char *)data + i, n, &ev, detail, sizeof(detail));
		if (logread_fast_lines() != fast)
			same_either_way((const char *)data + i, n, junk, &ev);
		if (junk == LOGREAD_JUNK_NONE)
			take_apart(&ev);
		i += n + 1;
	}
	if (size < 4096 && (!size || !(data[0] & 1)))
		return 0;

	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	struct logread *r = logread_open(fd);
	if (r) {
		while ((st = logread_next(r, &ev, &junk, detail, sizeof(detail))) > 0) {
			if (st == LOGREAD_EVENT)
				take_apart(&ev);
			else if (junk <= LOGREAD_JUNK_NONE || junk >= LOGREAD_JUNK_COUNT)
				abort();
		}
		logread_close(r);
	}
	close(fd);
	return 0;
}
