/* SPDX-License-Identifier: MIT */
/* report.c - `sockaudit report`: summaries of event logs, in flat memory.
 *
 * The pipeline: logread_files() streams every line; filter(); then each
 * event adds one to its group (a hash table of group keys), updates its
 * process's seq accounting, and, among the first --list ones, is kept as a
 * denial to show.  Nothing else is kept per event, so memory grows with the
 * number of groups and processes, never with the log.  --format lines
 * prints each event that passes filter() as the log holds it, and keeps
 * nothing.  What people read (cells, widths, an event's line) is
 * tools/table.c's, shared with eval's replay.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "logread.h"
#include "names.h"
#include "table.h"
#include "words.h"

/* ---- group keys ------------------------------------------------------------ */

enum field {
	F_EXE, F_COMM, F_EVENT, F_CALL, F_FAMILY, F_TYPE, F_FLAGS, F_PROTOCOL,
	F_HOW, F_DECISION, F_RULE, F_MODE, F_ERRNO, F_LAYER, F_PID, F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"exe", "comm", "event", "call", "family", "type", "flags", "protocol",
	"how", "decision", "rule", "mode", "errno", "layer", "pid",
};

#define KEY_SEP '\x1e'	/* never in a validated JSON text */
#define KEY_MAX 32768	/* F_COUNT fields of at most KEY_STR_MAX + 8 */

struct keybuf {
	char *p;
	size_t len;
};

static void key_put(struct keybuf *k, const char *s, size_t n)
{
	char *d;

	/* Never reached with KEY_STR_MAX; a guard, not a feature. */
	if (k->len + n + 1 > KEY_MAX)
		n = k->len + 1 < KEY_MAX ? KEY_MAX - 1 - k->len : 0;
	d = k->p + k->len;
	k->len += n;
	/* A key's parts are mostly 1 to 32 bytes: copied in words that
	 * overlap in the middle, with no call and no loop (a call to
	 * memcpy() for each part was most of report's own time). */
	if (n >= 8 && n <= 16) {
		uint64_t w0 = load64(s), w1 = load64(s + n - 8);

		store64(d, w0);
		store64(d + n - 8, w1);
	} else if (n > 16 && n <= 32) {
		uint64_t w0 = load64(s), w1 = load64(s + 8);
		uint64_t w2 = load64(s + n - 16), w3 = load64(s + n - 8);

		store64(d, w0);
		store64(d + 8, w1);
		store64(d + n - 16, w2);
		store64(d + n - 8, w3);
	} else if (n >= 4 && n < 8) {
		uint32_t w0 = load32(s), w1 = load32(s + n - 4);

		store32(d, w0);
		store32(d + n - 4, w1);
	} else if (n && n < 4) {	/* a separator, "0", null's quotes */
		char c0 = s[0], c1 = s[n / 2], c2 = s[n - 1];

		d[0] = c0;
		d[n / 2] = c1;
		d[n - 1] = c2;
	} else {
		/* Hide the bound: knowing it, GCC inlines the copy as a
		 * "rep movsq", slower to start than memcpy(). */
		__asm__("" : "+r"(n));
		memcpy(d, s, n);
	}
}

/* One separator between a key's parts. */
static void key_sep(struct keybuf *k)
{
	if (k->len + 2 <= KEY_MAX)
		k->p[k->len++] = KEY_SEP;
}

#define KEY_STR_MAX 1024	/* longer strings are cut, still valid JSON */

/* S is a JSON string of the line (logread_str): its quotes stand around
 * it there. */
static void key_str(struct keybuf *k, struct logread_str s)
{
	size_t n = s.len;

	if (!s.p) {
		key_put(k, "null", 4);
		return;
	}
	if (n <= KEY_STR_MAX) {
		/* The string with its quotes, as the line has it. */
		key_put(k, s.p - 1, n + 2);
		return;
	}
	n = table_json_cut(s.p, n, KEY_STR_MAX);	/* between escapes and UTF-8 sequences */
	key_put(k, "\"", 1);
	key_put(k, s.p, n);
	if (n < s.len)
		key_put(k, "\\u2026", 6);
	key_put(k, "\"", 1);
}

static void key_word(struct keybuf *k, const char *w)
{
	key_put(k, "\"", 1);
	key_put(k, w, strlen(w));
	key_put(k, "\"", 1);
}

/* The schema's words as key parts ("\"allow\""), quoted once before the
 * logs are read rather than measured and quoted for every event. */
struct qword {
	char text[32];
	size_t len;
};

static struct qword event_qwords[POLICY_EV_COUNT], decision_qwords[EVENT_DECISION_COUNT],
	layer_qwords[EVENT_LAYER_COUNT];

static void qword_set(struct qword *q, const char *w)
{
	size_t n = strlen(w);

	if (n + 2 > sizeof(q->text)) {
		w = "?";	/* never with the schema's words; a guard */
		n = 1;
	}
	q->text[0] = '"';
	memcpy(q->text + 1, w, n);
	q->text[n + 1] = '"';
	q->len = n + 2;
}

static void qwords_init(void)
{
	for (int i = 0; i < POLICY_EV_COUNT; i++)
		qword_set(&event_qwords[i], event_name_word((enum policy_event)i));
	for (int i = 0; i < EVENT_DECISION_COUNT; i++)
		qword_set(&decision_qwords[i], event_decision_word((enum event_decision)i));
	for (int i = 0; i < EVENT_LAYER_COUNT; i++)
		qword_set(&layer_qwords[i], event_layer_word((enum event_layer)i));
}

static void key_qword(struct keybuf *k, const struct qword *q)
{
	key_put(k, q->text, q->len);
}

/* A decoded value as this schema writes it: a name, a number as a decimal
 * string (an older log's bare number too, so both group together), null. */
static void key_val(struct keybuf *k, const struct logread_val *v)
{
	char num[24];

	switch (v->kind) {
	case LOGREAD_NAME:
		key_put(k, v->raw.p, v->raw.len);
		break;
	case LOGREAD_NUM:
		if (v->raw.len && v->raw.p[0] == '"')
			key_put(k, v->raw.p, v->raw.len);	/* "50" already */
		else
			key_put(k, num, (size_t)snprintf(num, sizeof(num), "\"%lld\"", v->num));
		break;
	default:
		key_put(k, "null", 4);
	}
}

static void key_field(struct keybuf *k, enum field f, const struct logread_event *ev)
{
	char num[24];

	switch (f) {
	case F_EXE: key_str(k, ev->exe); break;
	case F_COMM: key_str(k, ev->comm); break;
	case F_EVENT: key_qword(k, &event_qwords[ev->event]); break;
	case F_CALL: key_str(k, ev->call); break;
	case F_FAMILY: key_val(k, &ev->family); break;
	case F_TYPE: key_val(k, &ev->type); break;
	case F_PROTOCOL: key_val(k, &ev->protocol); break;
	case F_HOW: key_val(k, &ev->how); break;
	case F_ERRNO: key_val(k, &ev->err); break;
	case F_FLAGS: key_put(k, ev->flags.p ? ev->flags.p : "null",
			      ev->flags.p ? ev->flags.len : 4); break;
	case F_DECISION: key_qword(k, &decision_qwords[ev->decision]); break;
	case F_RULE: key_str(k, ev->rule); break;
	case F_MODE: key_str(k, ev->mode); break;
	case F_LAYER: key_qword(k, &layer_qwords[ev->layer]); break;
	case F_PID:
		key_put(k, num, (size_t)snprintf(num, sizeof(num), "%lld", ev->pid));
		break;
	default: break;
	}
}

/* ---- a hash table of byte strings with a payload -------------------------- */

static inline uint64_t rotl64(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

/* Keys are some 60 bytes: two lanes of 8-byte words, so that the two
 * multiplications a step takes do not wait on each other, and the last
 * word loaded whole (overlapping the one before it) rather than copied
 * byte by byte; the lanes are mixed once at the end (MurmurHash3's
 * finalizer), which spreads every input bit over the low bits the table
 * indexes with. */
static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t a = 0x9e3779b97f4a7c15ULL ^ n, b = 0xc2b2ae3d27d4eb4fULL, h;
	const char *end = p + n;

	for (; end - p > 16; p += 16) {
		a = rotl64((a ^ load64(p)) * 0xff51afd7ed558ccdULL, 29);
		b = rotl64((b ^ load64(p + 8)) * 0xc4ceb9fe1a85ec53ULL, 31);
	}
	/* Up to 16 bytes left: in words that end the key, overlapping those
	 * before them (never before its start). */
	if (end - p > 8) {
		a ^= load64(p);
		b ^= load64(end - 8);
	} else if (n >= 8) {
		a ^= load64(end - 8);
	} else {
		uint64_t w = 0;

		memcpy(&w, p, n);
		a ^= w;
	}
	h = a * 0xff51afd7ed558ccdULL ^ rotl64(b, 17) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ h >> 33;
}

struct group {
	uint64_t hash;
	char *key;
	size_t len;
	uint64_t count;
	char *val;		/* a payload (the host table's name), freed with it */
};

struct table {
	struct group *slots;
	size_t cap, used;
};

/* The group for KEY, inserted with count 0 if new; NULL when out of memory. */
static struct group *table_get(struct table *t, const char *key, size_t len)
{
	uint64_t h = hash_bytes(key, len);

	if (2 * (t->used + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 256;
		struct group *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slots[i].key)
				continue;
			size_t j = t->slots[i].hash & (ncap - 1);
			while (ns[j].key)
				j = (j + 1) & (ncap - 1);
			ns[j] = t->slots[i];
		}
		free(t->slots);
		t->slots = ns;
		t->cap = ncap;
	}
	size_t i = h & (t->cap - 1);
	while (t->slots[i].key) {
		struct group *g = &t->slots[i];
		if (g->hash == h && g->len == len && !memcmp(g->key, key, len))
			return g;
		i = (i + 1) & (t->cap - 1);
	}
	struct group *g = &t->slots[i];
	g->key = malloc(len + 1);
	if (!g->key)
		return NULL;
	memcpy(g->key, key, len);
	g->key[len] = '\0';
	g->len = len;
	g->hash = h;
	g->count = 0;
	t->used++;
	return g;
}

/* The group for KEY, or NULL: nothing inserted. */
static const struct group *table_find(const struct table *t, const char *key, size_t len)
{
	uint64_t h;

	if (!t->used)
		return NULL;
	h = hash_bytes(key, len);
	for (size_t i = h & (t->cap - 1); t->slots[i].key; i = (i + 1) & (t->cap - 1)) {
		const struct group *g = &t->slots[i];
		if (g->hash == h && g->len == len && !memcmp(g->key, key, len))
			return g;
	}
	return NULL;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->slots[i].key);
		free(t->slots[i].val);
	}
	free(t->slots);
}

/* ---- processes: lost events from seq gaps --------------------------------- */

/* seq counts from 1 per (pid, layer); a pid's exec or reuse restarts it, so a
 * second seq 1 closes one run and opens the next.  Within a run the lost
 * events are (max - min + 1) - count, whatever order the files came in. */
struct seqrun {
	uint64_t min, max, count, lost;
	bool restarted;
};

struct proc {
	long long pid;
	bool used;
	struct seqrun run[EVENT_LAYER_COUNT];
	/* The exe of its last event: the key of its group in the exe table
	 * (the key, not the group: the table moves its groups as it grows). */
	const char *exe;
	size_t exe_len;
};

struct procs {
	struct proc *slots;
	size_t cap, used;
};

/* A pid's slot: one multiplication (Fibonacci hashing), its high bits
 * folded onto the low ones the table indexes with. */
static inline size_t pid_hash(long long pid)
{
	uint64_t h = (uint64_t)pid * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h ^ h >> 32);
}

static struct proc *procs_get(struct procs *t, long long pid)
{
	if (2 * (t->used + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 256;
		struct proc *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slots[i].used)
				continue;
			size_t j = pid_hash(t->slots[i].pid) & (ncap - 1);
			while (ns[j].used)
				j = (j + 1) & (ncap - 1);
			ns[j] = t->slots[i];
		}
		free(t->slots);
		t->slots = ns;
		t->cap = ncap;
	}
	size_t i = pid_hash(pid) & (t->cap - 1);
	while (t->slots[i].used) {
		if (t->slots[i].pid == pid)
			return &t->slots[i];
		i = (i + 1) & (t->cap - 1);
	}
	t->slots[i].used = true;
	t->slots[i].pid = pid;
	t->used++;
	return &t->slots[i];
}

static void seqrun_close(struct seqrun *r)
{
	if (r->count && r->max - r->min + 1 > r->count)
		r->lost += r->max - r->min + 1 - r->count;
	r->min = r->max = r->count = 0;
}

static void seqrun_add(struct seqrun *r, uint64_t seq)
{
	if (r->count && seq == 1 && r->min == 1) {
		seqrun_close(r);
		r->restarted = true;
	}
	if (!r->count || seq < r->min)
		r->min = seq;
	if (!r->count || seq > r->max)
		r->max = seq;
	r->count++;
}

/* ---- the report's state ------------------------------------------------- */

/* The words of a repeatable filter (--exe, --comm, --rule), in argv. */
struct strs {
	const char **v;
	int n;
};

#define FILTER_MAX 64	/* families in one --family list */

struct junkline {
	int file;
	uint64_t line;
	enum logread_junk junk;
	char detail[96];
};

struct report {
	/* options */
	enum field by[F_COUNT];
	int nby;
	unsigned decisions;		/* bit per logread_decision; 0: all */
	struct strs exe_globs, comm_globs, rules;	/* any of them; none: all */
	struct strs copies;		/* the strdup'd option words, to free */
	long long *pids;
	int npids;
	int families[FILTER_MAX];	/* none: any family */
	int nfamilies;
	unsigned events_mask;		/* bit per policy_event; 0: all */
	unsigned layers;		/* bit per event_layer; 0: all */
	bool since_set, until_set;
	int64_t since, until;
	enum { FMT_TABLE, FMT_JSON, FMT_CSV, FMT_LINES } format;
	size_t list;			/* denials, junk lines, processes to list */
	int width;
	char *const *files;
	int nfiles;

	/* totals */
	uint64_t events, matched, junk, by_junk[LOGREAD_JUNK_COUNT];
	/* Loss records (event.h): what sockaudit run counted as lost, seq
	 * gaps included, so also losses no later seq shows. */
	uint64_t run_lost, loss_records;
	/* The seals of the notify layer (logread_seals), over every file. */
	struct {
		uint64_t claims, verified, unverifiable, failed, runs;
		int first_file;
		uint64_t first_line;
		const char *why;
		bool stream, unrecorded;	/* why some were not verifiable */
	} seals;
	uint64_t by_decision[EVENT_DECISION_COUNT], by_event[POLICY_EV_COUNT];
	int64_t first, last;
	struct table groups, exes;
	/* The address events (note_address), and the host names lookups
	 * returned, per (pid, address) (note_lookup). */
	struct table dests, listening, hosts;
	struct procs procs;
	struct table_event *denials;	/* the first --list, grown as they come */
	size_t ndenials, denials_cap;
	uint64_t denied;
	struct junkline *junks;
	size_t njunks;
	bool nomem;
	char key[KEY_MAX];
	char hostkey[KEY_STR_MAX + 16];
	char exe[4096];
};

/* ---- where sockets go: destinations, listening addresses, host names ------ */

/* The address events of the report, grouped per executable: one table for
 * the destinations (socket.connect, .sendto, .sendmsg), one for the
 * listening addresses (socket.bind).  A group's key is its parts' JSON
 * texts: exe, event, address (a string, an ADDRESS array for netlink and
 * other families, null), port, host, malformed. */
enum { D_EXE, D_EVENT, D_ADDRESS, D_PORT, D_HOST, D_MALFORMED, D_COUNT };

static const char *const dest_fields[D_COUNT] = {
	"exe", "event", "address", "port", "host", "malformed",
};

/* The address of EV as a JSON value: "127.0.0.1", "/run/x.sock", "@name"
 * (the schema's "address"), the ADDRESS array of another family, null. */
static void key_address(struct keybuf *k, const struct logread_event *ev)
{
	const struct logread_addr *a = &ev->addr;

	switch (a->family) {
	case -1:
		key_put(k, "null", 4);
		break;
	case AF_INET:
	case AF_INET6:
		key_str(k, a->text);
		break;
	case AF_UNIX:
		if (a->abstract) {
			key_put(k, "\"@", 2);
			key_put(k, a->text.p + 6, a->text.len - 6);
			key_put(k, "\"", 1);
		} else {
			key_str(k, a->text);
		}
		break;
	default:
		key_put(k, a->raw.p, a->raw.len);
	}
}

/* The join key of a host name: the process and the address, an IPv4-mapped
 * IPv6 address as its IPv4 one (a v6 socket's connect to a name looked up
 * as v4), into BUF (25 bytes): its length. */
static size_t host_key(char *buf, long long pid, int family, const uint8_t ip[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memcpy(buf, &pid, 8);
	if (family == AF_INET6 && !memcmp(ip, mapped, 12)) {
		family = AF_INET;
		ip += 12;
	}
	buf[8] = (char)(family == AF_INET ? 4 : 6);
	memcpy(buf + 9, ip, family == AF_INET ? 4 : 16);
	return family == AF_INET ? 13 : 25;
}

/* A lookup: each address it returned now names its host, for this process,
 * until a later lookup returns it again. */
static void note_lookup(struct report *r, const struct logread_event *ev)
{
	char key[25];
	size_t cur = 0;
	uint8_t ip[16];
	int family;

	if (!ev->host.p && !ev->args_str[0].p)
		return;
	while (logread_addresses_next(ev, &cur, &family, ip, NULL)) {
		struct group *g = table_get(&r->hosts, key, host_key(key, ev->pid, family, ip));
		struct keybuf hk = { r->hostkey, 0 };
		char *v;

		if (!g) {
			r->nomem = true;
			return;
		}
		key_str(&hk, ev->host.p ? ev->host : ev->args_str[0]);
		if (g->val && !strncmp(g->val, hk.p, hk.len) && !g->val[hk.len])
			continue;
		v = malloc(hk.len + 1);
		if (!v) {
			r->nomem = true;
			return;
		}
		memcpy(v, hk.p, hk.len);
		v[hk.len] = '\0';
		free(g->val);
		g->val = v;
	}
}

/* The host EV's inet address was looked up as (a JSON string), or NULL. */
static const char *host_of(struct report *r, const struct logread_event *ev)
{
	char key[25];
	const struct group *g;

	if (ev->addr.family != AF_INET && ev->addr.family != AF_INET6)
		return NULL;
	g = table_find(&r->hosts, key, host_key(key, ev->pid, ev->addr.family, ev->addr.ip));
	return g ? g->val : NULL;
}

/* Count address event EV in its table. */
static void note_address(struct report *r, const struct logread_event *ev)
{
	struct keybuf k = { r->key, 0 };
	char num[16];
	const char *host = NULL;
	struct group *g;
	bool bind = ev->event == POLICY_EV_BIND;

	if (!bind)
		host = host_of(r, ev);
	key_str(&k, ev->exe);
	key_sep(&k);
	key_word(&k, event_name_word(ev->event));
	key_sep(&k);
	key_address(&k, ev);
	key_sep(&k);
	if (ev->addr.family == AF_INET || ev->addr.family == AF_INET6)
		key_put(&k, num, (size_t)snprintf(num, sizeof(num), "%d", ev->addr.port));
	else
		key_put(&k, "null", 4);
	key_sep(&k);
	key_put(&k, host ? host : "null", host ? strlen(host) : 4);
	key_sep(&k);
	key_str(&k, ev->malformed);
	g = table_get(bind ? &r->listening : &r->dests, k.p, k.len);
	if (!g) {
		r->nomem = true;
		return;
	}
	g->count++;
}

/* Does the event's string S match any of L: globs (GLOB) or words, the
 * rule's null (the policy default) matching TABLE_DEFAULT_RULE? */
static bool str_matches(struct report *r, struct logread_str s, const struct strs *l, bool glob)
{
	const char *text = TABLE_DEFAULT_RULE;

	if (!s.p && glob)
		return false;	/* no exe, no comm: no glob matches it */
	if (s.p) {
		if (logread_unescape(s, r->exe, sizeof(r->exe)) < 0)
			return false;
		text = r->exe;
	}
	for (int i = 0; i < l->n; i++)
		if (glob ? !fnmatch(l->v[i], text, 0) : !strcmp(l->v[i], text))
			return true;
	return false;
}

static bool filter(struct report *r, const struct logread_event *ev)
{
	if (r->decisions && !(r->decisions & (1u << ev->decision)))
		return false;
	if (r->since_set && ev->ts < r->since)
		return false;
	if (r->until_set && ev->ts >= r->until)
		return false;
	if (r->npids) {
		int i;
		for (i = 0; i < r->npids && r->pids[i] != ev->pid; i++)
			;
		if (i == r->npids)
			return false;
	}
	if (r->events_mask && !(r->events_mask & (1u << ev->event)))
		return false;
	if (r->layers && !(r->layers & (1u << ev->layer)))
		return false;
	if (r->nfamilies) {
		struct policy_call call;
		int i;
		if (logread_call(ev, &call, NULL, 0, logread_names_value) < 0)
			return false;
		for (i = 0; i < r->nfamilies && r->families[i] != call.family; i++)
			;
		if (i == r->nfamilies)
			return false;
	}
	if (r->exe_globs.n && !str_matches(r, ev->exe, &r->exe_globs, true))
		return false;
	if (r->comm_globs.n && !str_matches(r, ev->comm, &r->comm_globs, true))
		return false;
	if (r->rules.n && !str_matches(r, ev->rule, &r->rules, false))
		return false;
	return true;
}

/* Is EXE (an event's) the key P->exe, as key_str() makes it?  False for
 * one that key_str() cuts: those are made and compared whole. */
static bool same_exe(const struct proc *p, struct logread_str exe)
{
	if (!exe.p)
		return p->exe_len == 4 && !memcmp(p->exe, "null", 4);
	return exe.len <= KEY_STR_MAX && p->exe_len == exe.len + 2 && p->exe[0] == '"' &&
	       !memcmp(p->exe + 1, exe.p, exe.len);
}

static void on_event(void *ctx, const struct logread_event *ev, int file, uint64_t line)
{
	struct report *r = ctx;
	struct keybuf k = { r->key, 0 };
	struct group *g;
	struct proc *p;

	r->events++;
	/* Every lookup names its addresses, whatever the filter shows. */
	if (ev->event == POLICY_EV_GETADDRINFO)
		note_lookup(r, ev);
	if (!filter(r, ev))
		return;
	r->matched++;
	if (r->format == FMT_LINES) {
		/* The matching events themselves, as ausearch prints records:
		 * each line as the log holds it, so jq and report read them. */
		fwrite(ev->line.p, 1, ev->line.len, stdout);
		putchar('\n');
		return;
	}
	if (policy_event_has_address(ev->event) && ev->event != POLICY_EV_GETADDRINFO)
		note_address(r, ev);
	if (r->matched == 1 || ev->ts < r->first)
		r->first = ev->ts;
	if (r->matched == 1 || ev->ts > r->last)
		r->last = ev->ts;
	r->by_decision[ev->decision]++;
	r->by_event[ev->event]++;

	for (int i = 0; i < r->nby; i++) {
		if (i)
			key_sep(&k);
		key_field(&k, r->by[i], ev);
	}
	g = table_get(&r->groups, k.p, k.len);
	if (!g) {
		r->nomem = true;
		return;
	}
	g->count++;

	p = procs_get(&r->procs, ev->pid);
	if (!p) {
		r->nomem = true;
		return;
	}
	seqrun_add(&p->run[ev->layer], ev->seq);
	/* Count every executable; a process keeps the one it ran last (exec).
	 * Most events are of the process's exe: compared as it stands in the
	 * line, its key is only made for a new one. */
	if (!p->exe || !same_exe(p, ev->exe)) {
		const struct group *e;

		k.len = 0;
		key_str(&k, ev->exe);
		e = table_get(&r->exes, k.p, k.len);

		p->exe = e ? e->key : NULL;
		p->exe_len = e ? e->len : 0;
		if (!e)
			r->nomem = true;
	}

	if (ev->decision != EVENT_ALLOW) {
		r->denied++;
		if (r->ndenials < r->list) {
			if (r->ndenials == r->denials_cap) {
				size_t ncap = r->denials_cap ? 2 * r->denials_cap : 16;
				struct table_event *nd = realloc(r->denials, ncap * sizeof(*nd));
				if (!nd) {
					r->nomem = true;
					return;
				}
				r->denials = nd;
				r->denials_cap = ncap;
			}
			table_event_set(&r->denials[r->ndenials++], ev, file, line);
		}
	}
}

static void on_junk(void *ctx, enum logread_junk junk, const char *detail, int file, uint64_t line)
{
	struct report *r = ctx;

	r->junk++;
	r->by_junk[junk]++;
	if (r->njunks < r->list) {
		struct junkline *j = &r->junks[r->njunks++];
		j->file = file;
		j->line = line;
		j->junk = junk;
		snprintf(j->detail, sizeof(j->detail), "%s", detail);
	}
}

static void on_loss(void *ctx, uint64_t lost, int file, uint64_t line)
{
	struct report *r = ctx;

	(void)file;
	(void)line;
	r->run_lost += lost;
	r->loss_records++;
}

/* The losses to report: seq gaps show GAPS; a run's own count includes its
 * gaps and adds what no later seq shows (the end of a log, a process that
 * never wrote).  Runs are not told apart in a log, so the larger of the two
 * is a lower bound. */
static uint64_t report_lost(const struct report *r, uint64_t gaps)
{
	return r->run_lost > gaps ? r->run_lost : gaps;
}

static void on_seals(void *ctx, const struct logread_seals *s, int file)
{
	struct report *r = ctx;

	r->seals.claims += s->claims;
	r->seals.verified += s->verified;
	r->seals.runs += s->runs;
	if (!s->checkable || !s->records) {
		r->seals.unverifiable += s->claims;
		if (s->claims)
			*(s->checkable ? &r->seals.unrecorded : &r->seals.stream) = true;
	} else {
		r->seals.unverifiable += s->unsealed;
		r->seals.unrecorded |= s->unsealed > 0;
	}
	if (s->failed && !r->seals.failed) {
		r->seals.first_file = file;
		r->seals.first_line = s->first_failed;
		r->seals.why = s->why;
	}
	r->seals.failed += s->failed;
}

/* Why some claims could not be verified, in words. */
static const char *seals_unverifiable_why(const struct report *r)
{
	if (r->seals.stream && r->seals.unrecorded)
		return "a stream is read once; no seal record after them";
	return r->seals.stream ? "a stream is read once" : "no seal record after them";
}

static void on_error(void *ctx, int file, int err)
{
	struct report *r = ctx;

	cli_error("report", "%s: %s", r->files[file], strerror(-err));
}

struct lossy {
	const struct proc *p;
	int layer;
};

static int cmp_lossy(const void *a, const void *b)
{
	const struct lossy *x = a, *y = b;

	if (x->p->pid != y->p->pid)
		return x->p->pid < y->p->pid ? -1 : 1;
	return x->layer - y->layer;
}

/* The processes that lost events, by pid: at most MAX of them into *OUT
 * (malloc'd); returns how many, and the total lost in *TOTAL. */
static size_t lossy_procs(const struct report *r, size_t max, struct lossy **out,
			  uint64_t *total, uint64_t *nprocs)
{
	size_t n = 0, cap = 0;
	struct lossy *v = NULL;

	*total = *nprocs = 0;
	for (size_t i = 0; i < r->procs.cap; i++) {
		const struct proc *p = &r->procs.slots[i];
		bool any = false;
		if (!p->used)
			continue;
		for (int y = 0; y < EVENT_LAYER_COUNT; y++) {
			if (!p->run[y].lost)
				continue;
			*total += p->run[y].lost;
			any = true;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				struct lossy *nv = realloc(v, cap * sizeof(*v));
				if (!nv)
					break;
				v = nv;
			}
			v[n].p = p;
			v[n++].layer = y;
		}
		*nprocs += any;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_lossy);
	*out = v;
	return n < max ? n : max;
}

/* ---- output ---------------------------------------------------------------- */

static void fmt_span(char *buf, size_t cap, int64_t ns)
{
	int64_t s = ns / 1000000000;

	if (s >= 86400)
		snprintf(buf, cap, "%" PRId64 "d%" PRId64 "h%" PRId64 "m", s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, cap, "%" PRId64 "h%" PRId64 "m%" PRId64 "s", s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(buf, cap, "%" PRId64 "m%" PRId64 "s", s / 60, s % 60);
	else
		snprintf(buf, cap, "%.3fs", (double)ns / 1e9);
}

static int cmp_groups(const void *a, const void *b)
{
	const struct group *ga = *(struct group *const *)a, *gb = *(struct group *const *)b;

	if (ga->count != gb->count)
		return ga->count > gb->count ? -1 : 1;
	return strcmp(ga->key, gb->key);
}

/* The I-th field of a group key: its JSON text. */
static const char *key_part(const char *key, int i, size_t *len)
{
	const char *p = key, *e;

	for (; i > 0; i--)
		p = strchr(p, KEY_SEP) + 1;
	e = strchr(p, KEY_SEP);
	*len = e ? (size_t)(e - p) : strlen(p);
	return p;
}

/* The cell text of a table: one at a time (table_cell() decodes into it). */
static char cellbuf[KEY_STR_MAX * 4 + 64];

/* A table cell: the value decoded (table.h); the policy default's rule as
 * TABLE_DEFAULT_RULE; events without "socket.", which every one of them
 * starts with. */
static const char *cell(const char *key, int c, enum field f, size_t *n)
{
	size_t kn;
	const char *s = key_part(key, c, &kn);

	*n = table_cell(s, kn, f == F_RULE ? TABLE_DEFAULT_RULE : "-", cellbuf, sizeof(cellbuf));
	if (f == F_EVENT && *n > 7 && !memcmp(cellbuf, "socket.", 7)) {
		*n -= 7;
		return cellbuf + 7;
	}
	return cellbuf;
}

/* The totals: files, time span, events, decisions, processes, losses. */
static void table_totals(const struct report *r, uint64_t lost, uint64_t lostp)
{
	char a[40], b[40], span[40];

	printf("Files:        %d", r->nfiles);
	printf(", %" PRIu64 " lines not events\n", r->junk);
	if (r->matched) {
		logread_format_time(a, sizeof(a), r->first);
		logread_format_time(b, sizeof(b), r->last);
		fmt_span(span, sizeof(span), r->last - r->first);
		printf("Time span:    %s .. %s (%s)\n", a, b, span);
	}
	printf("Events:       %" PRIu64, r->matched);
	if (r->matched != r->events)
		printf(" of %" PRIu64 " (filtered)", r->events);
	printf(": socket.__new__ %" PRIu64 ", socket.shutdown %" PRIu64,
	       r->by_event[POLICY_EV_NEW], r->by_event[POLICY_EV_SHUTDOWN]);
	/* The address events only when there are any: older logs read as before. */
	for (int e = POLICY_EV_CONNECT; e < POLICY_EV_COUNT; e++)
		if (r->by_event[e])
			printf(", %s %" PRIu64, event_name_word((enum policy_event)e), r->by_event[e]);
	putchar('\n');
	printf("Decisions:    allow %" PRIu64 ", deny %" PRIu64 ", would_deny %" PRIu64 ", kill %" PRIu64 "\n",
	       r->by_decision[EVENT_ALLOW], r->by_decision[EVENT_DENY],
	       r->by_decision[EVENT_WOULD_DENY], r->by_decision[EVENT_KILL]);
	printf("Processes:    %zu, executables: %zu\n", r->procs.used, r->exes.used);
	if (!r->loss_records)
		printf("Lost events:  %" PRIu64 " in %" PRIu64 " processes\n", lost, lostp);
	else
		printf("Lost events:  at least %" PRIu64 " (sockaudit run counted %" PRIu64
		       " in %" PRIu64 " run(s); seq gaps show %" PRIu64 " in %" PRIu64
		       " processes)\n", report_lost(r, lost), r->run_lost, r->loss_records,
		       lost, lostp);
}

/* The width of each column of the group table into W (W[0] the count's,
 * W[C + 1] field C's), fitting --width: the exe column gives way first,
 * then the widest.  Returns the gap between columns. */
static size_t table_widths(const struct report *r, struct group **sorted, size_t ng,
			   size_t w[F_COUNT + 1])
{
	size_t total = 0, gap = 2;
	int exe_col = -1;

	w[0] = 5;
	for (size_t i = 0; i < ng; i++) {
		char num[24];
		w[0] = w[0] > (size_t)snprintf(num, sizeof(num), "%" PRIu64, sorted[i]->count) ?
		       w[0] : strlen(num);
	}
	for (int c = 0; c < r->nby; c++) {
		w[c + 1] = strlen(field_names[r->by[c]]);
		if (r->by[c] == F_EXE)
			exe_col = c;
		for (size_t i = 0; i < ng; i++) {
			size_t n;
			const char *s = cell(sorted[i]->key, c, r->by[c], &n);
			size_t cols = table_cols(s, n);
			if (cols > w[c + 1])
				w[c + 1] = cols;
		}
	}
	for (int c = 0; c <= r->nby; c++)
		total += w[c];
	if (total + gap * (size_t)r->nby > (size_t)r->width)
		gap = 1;
	total += gap * (size_t)r->nby;
	if (exe_col >= 0 && total > (size_t)r->width) {
		size_t over = total - (size_t)r->width;
		size_t ew = w[exe_col + 1];
		w[exe_col + 1] = ew > over + 12 ? ew - over : 12;
		total -= ew - w[exe_col + 1];
	}
	/* Still too wide: narrow the widest column, a character at a time, down
	 * to 4 columns ("AF_…"): only a table of many fields stays wider. */
	while (total > (size_t)r->width) {
		int widest = 1;
		for (int c = 2; c <= r->nby; c++)
			if (w[c] > w[widest])
				widest = c;
		if (w[widest] <= 4)
			break;
		w[widest]--;
		total--;
	}
	return gap;
}

/* The groups, one line each under a header, in columns of widths W. */
static void table_groups(const struct report *r, struct group **sorted, size_t ng,
			 const size_t w[F_COUNT + 1], size_t gap)
{
	putchar('\n');
	printf("%*s", (int)w[0], "COUNT");
	for (int c = 0; c < r->nby; c++) {
		char up[16];
		size_t n = strlen(field_names[r->by[c]]);
		for (size_t i = 0; i <= n; i++)
			up[i] = (char)toupper((unsigned char)field_names[r->by[c]][i]);
		printf("%*s", (int)gap, "");
		table_put(stdout, up, n, w[c + 1], false, c == r->nby - 1);
	}
	putchar('\n');
	for (size_t i = 0; i < ng; i++) {
		printf("%*" PRIu64, (int)w[0], sorted[i]->count);
		for (int c = 0; c < r->nby; c++) {
			size_t n;
			const char *s = cell(sorted[i]->key, c, r->by[c], &n);
			printf("%*s", (int)gap, "");
			table_put(stdout, s, n, w[c + 1], r->by[c] == F_EXE, c == r->nby - 1);
		}
		putchar('\n');
	}
}

static void table_denials(const struct report *r)
{
	if (!r->denied)
		return;
	printf("\nDenials: %" PRIu64, r->denied);
	if (r->ndenials < r->denied)
		printf(" (the first %zu; --list N shows more)", r->ndenials);
	printf("\n");
	for (size_t i = 0; i < r->ndenials; i++) {
		const struct table_event *d = &r->denials[i];

		table_event_text(stdout, d, r->files[d->file]);
		printf(": %s by ", event_decision_word(d->decision));
		table_event_rule(stdout, d);
		putchar('\n');
	}
}

/* The first NL of the processes that lost events (LV), of LOSTP. */
static void table_lost(const struct lossy *lv, size_t nl, uint64_t lost, uint64_t lostp)
{
	if (!lost)
		return;
	printf("\nLost events by process%s:\n", nl < lostp ? " (the first ones; --list N shows more)" : "");
	for (size_t i = 0; i < nl; i++) {
		const struct proc *p = lv[i].p;
		size_t n = table_cell(p->exe, p->exe ? p->exe_len : 0, "-", cellbuf, sizeof(cellbuf));
		printf("  pid %lld (%.*s, %s layer): %" PRIu64 " lost\n", p->pid, (int)n, cellbuf,
		       event_layer_word((enum event_layer)lv[i].layer), p->run[lv[i].layer].lost);
	}
}

static void table_junk(const struct report *r)
{
	if (!r->junk)
		return;
	printf("\nLines that are not events: %" PRIu64, r->junk);
	if (r->njunks < r->junk)
		printf(" (the first %zu)", r->njunks);
	printf("\n");
	for (size_t i = 0; i < r->njunks; i++) {
		const struct junkline *j = &r->junks[i];
		printf("%s:%" PRIu64 ": %s%s%s\n", r->files[j->file], j->line,
		       logread_junk_name(j->junk), j->detail[0] ? ": " : "", j->detail);
	}
}

/* The seals of the notify layer, last: a line of its own, only for logs
 * with notify events or seal records. */
static void table_seals(const struct report *r)
{
	if (!r->seals.claims && !r->seals.runs && !r->seals.failed)
		return;
	printf("\nNotify layer: %" PRIu64 " of %" PRIu64 " events verified (%" PRIu64
	       " sealed runs)", r->seals.verified, r->seals.claims, r->seals.runs);
	if (r->seals.unverifiable)
		printf(", %" PRIu64 " not verifiable (%s)", r->seals.unverifiable,
		       seals_unverifiable_why(r));
	if (r->seals.failed)
		printf("; %" PRIu64 " lines FAILED verification, the first %s:%" PRIu64 ": %s",
		       r->seals.failed, r->files[r->seals.first_file], r->seals.first_line,
		       r->seals.why);
	printf("\n");
}

/* ---- output: where sockets go --------------------------------------------- */

/* Per executable; within one, the busiest first. */
static int cmp_dests(const void *a, const void *b)
{
	const struct group *ga = *(struct group *const *)a, *gb = *(struct group *const *)b;
	size_t na, nb;
	const char *ea = key_part(ga->key, D_EXE, &na), *eb = key_part(gb->key, D_EXE, &nb);
	int c = memcmp(ea, eb, na < nb ? na : nb);

	if (c || na != nb)
		return c ? c : na < nb ? -1 : 1;
	if (ga->count != gb->count)
		return ga->count > gb->count ? -1 : 1;
	return strcmp(ga->key, gb->key);
}

/* T's groups, sorted by cmp_dests(), into *OUT (malloc'd): how many, or
 * (size_t)-1 when out of memory. */
static size_t dests_sorted(const struct table *t, struct group ***out)
{
	size_t n = 0;

	*out = malloc(sizeof(**out) * (t->used + 1));
	if (!*out)
		return (size_t)-1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key)
			(*out)[n++] = &t->slots[i];
	qsort(*out, n, sizeof(**out), cmp_dests);
	return n;
}

/* A cell of a destination row: the part decoded (table.h), "-" for null,
 * and the malformed address as "(malformed short)". */
static const char *dest_cell(const char *key, int part, size_t *n)
{
	size_t kn;
	const char *s = key_part(key, part, &kn);

	if (part == D_ADDRESS && kn == 4 && !memcmp(s, "null", 4)) {
		size_t m;
		const char *w = key_part(key, D_MALFORMED, &m);
		if (!(m == 4 && !memcmp(w, "null", 4))) {
			char word[64];
			table_cell(w, m, "-", word, sizeof(word));
			*n = (size_t)snprintf(cellbuf, sizeof(cellbuf), "(malformed %s)", word);
			return cellbuf;
		}
	}
	*n = table_cell(s, kn, "-", cellbuf, sizeof(cellbuf));
	if (part == D_EVENT && *n > 7 && !memcmp(cellbuf, "socket.", 7)) {
		*n -= 7;
		return cellbuf + 7;
	}
	return cellbuf;
}

static void table_dests(const struct report *r, struct group **g, size_t ng, bool hosts,
			const char *title)
{
	static const int parts[] = { D_EXE, D_EVENT, D_ADDRESS, D_PORT, D_HOST };
	static const char *const heads[] = { "EXE", "EVENT", "ADDRESS", "PORT", "HOST" };
	static const size_t caps[] = { 0, 8, 40, 5, 32 };
	int ncols = hosts ? 5 : 4;
	size_t w[6], total, n;
	char num[24];

	if (!ng)
		return;
	printf("\n%s:\n", title);
	w[0] = 5;
	for (size_t i = 0; i < ng; i++) {
		n = (size_t)snprintf(num, sizeof(num), "%" PRIu64, g[i]->count);
		w[0] = n > w[0] ? n : w[0];
	}
	for (int c = 0; c < ncols; c++) {
		w[c + 1] = strlen(heads[c]);
		for (size_t i = 0; i < ng; i++) {
			const char *s = dest_cell(g[i]->key, parts[c], &n);
			size_t cols = table_cols(s, n);
			w[c + 1] = cols > w[c + 1] ? cols : w[c + 1];
		}
		if (caps[c] && w[c + 1] > caps[c])
			w[c + 1] = caps[c];
	}
	/* The exe column gives way to fit --width, then the widest of the
	 * address and the host, down to 8 columns. */
	total = 0;
	for (int c = 0; c <= ncols; c++)
		total += w[c] + 2;
	total -= 2;
	if (total > (size_t)r->width) {
		size_t ew = w[1];
		w[1] = ew > total - (size_t)r->width + 12 ? ew - (total - (size_t)r->width) : 12;
		total -= ew - w[1];
	}
	while (total > (size_t)r->width) {
		int c = hosts && w[5] > w[3] ? 5 : 3;
		if (w[c] <= 8)
			break;
		w[c]--;
		total--;
	}
	printf("%*s", (int)w[0], "COUNT");
	for (int c = 0; c < ncols; c++) {
		printf("  ");
		table_put(stdout, heads[c], strlen(heads[c]), w[c + 1], false, c == ncols - 1);
	}
	putchar('\n');
	for (size_t i = 0; i < ng; i++) {
		printf("%*" PRIu64, (int)w[0], g[i]->count);
		for (int c = 0; c < ncols; c++) {
			const char *s = dest_cell(g[i]->key, parts[c], &n);
			printf("  ");
			if (parts[c] == D_PORT)
				printf("%*s", (int)(w[c + 1] - n), "");
			table_put(stdout, s, n, w[c + 1] - (parts[c] == D_PORT ? w[c + 1] - n : 0),
				 parts[c] == D_EXE || parts[c] == D_ADDRESS, c == ncols - 1);
		}
		putchar('\n');
	}
}

static void json_dests(const char *name, struct group **g, size_t ng, bool hosts)
{
	printf(",\n\"%s\":[", name);
	for (size_t i = 0; i < ng; i++) {
		printf("%s\n{\"count\":%" PRIu64, i ? "," : "", g[i]->count);
		for (int c = 0; c < D_COUNT; c++) {
			size_t n;
			const char *s = key_part(g[i]->key, c, &n);
			if (c == D_HOST && !hosts)
				continue;
			printf(",\"%s\":%.*s", dest_fields[c], (int)n, s);
		}
		printf("}");
	}
	printf("]");
}

/* The text report: totals, the groups, where sockets went, then the lists. */
static void print_table(struct report *r, struct group **sorted, size_t ng,
			struct group **dests, size_t nd, struct group **listening, size_t nl_)
{
	size_t w[F_COUNT + 1], gap, nl;
	uint64_t lost, lostp;
	struct lossy *lv;

	nl = lossy_procs(r, r->list, &lv, &lost, &lostp);
	table_totals(r, lost, lostp);
	gap = table_widths(r, sorted, ng, w);
	table_groups(r, sorted, ng, w, gap);
	table_dests(r, dests, nd, true, "Destinations (connect, sendto, sendmsg), per executable");
	table_dests(r, listening, nl_, false, "Listening addresses (bind), per executable");
	table_denials(r);
	table_lost(lv, nl, lost, lostp);
	free(lv);
	table_junk(r);
	table_seals(r);
}

static void print_json(struct report *r, struct group **sorted, size_t ng,
		       struct group **dests, size_t nd, struct group **listening, size_t nl_)
{
	char a[40];

	printf("{\"files\":[");
	for (int i = 0; i < r->nfiles; i++) {
		printf(i ? "," : "");
		table_json_string(stdout, r->files[i]);
	}
	printf("],\"events\":%" PRIu64 ",\"matched\":%" PRIu64 ",\"junk\":%" PRIu64, r->events, r->matched, r->junk);
	if (r->matched) {
		logread_format_time(a, sizeof(a), r->first);
		printf(",\"first\":\"%s\"", a);
		logread_format_time(a, sizeof(a), r->last);
		printf(",\"last\":\"%s\"", a);
	} else
		printf(",\"first\":null,\"last\":null");
	printf(",\"processes\":%zu,\"executables\":%zu", r->procs.used, r->exes.used);
	printf(",\"decisions\":{");
	for (int d = 0; d < EVENT_DECISION_COUNT; d++)
		printf("%s\"%s\":%" PRIu64, d ? "," : "", event_decision_word((enum event_decision)d), r->by_decision[d]);
	printf("},\"by_event\":{\"socket.__new__\":%" PRIu64 ",\"socket.shutdown\":%" PRIu64,
	       r->by_event[POLICY_EV_NEW], r->by_event[POLICY_EV_SHUTDOWN]);
	for (int e = POLICY_EV_CONNECT; e < POLICY_EV_COUNT; e++)
		if (r->by_event[e])
			printf(",\"%s\":%" PRIu64, event_name_word((enum policy_event)e), r->by_event[e]);
	printf("}");
	printf(",\n\"groups\":[");
	for (size_t i = 0; i < ng; i++) {
		printf("%s\n{\"count\":%" PRIu64, i ? "," : "", sorted[i]->count);
		for (int c = 0; c < r->nby; c++) {
			size_t n;
			const char *s = key_part(sorted[i]->key, c, &n);
			printf(",\"%s\":%.*s", field_names[r->by[c]], (int)n, s);
		}
		printf("}");
	}
	printf("]");
	json_dests("destinations", dests, nd, true);
	json_dests("listening", listening, nl_, false);
	printf(",\n\"denied\":%" PRIu64 ",\"denials\":[", r->denied);
	for (size_t i = 0; i < r->ndenials; i++) {
		const struct table_event *d = &r->denials[i];
		printf("%s\n{", i ? "," : "");
		table_event_json(stdout, d, r->files[d->file]);
		printf(",\"decision\":\"%s\",\"rule\":%s}", event_decision_word(d->decision), d->rule);
	}
	uint64_t lost, lostp;
	struct lossy *lv;
	size_t nl = lossy_procs(r, r->list, &lv, &lost, &lostp);
	printf("],\n\"lost\":%" PRIu64 ",\"lost_seq_gaps\":%" PRIu64
	       ",\"lost_run_counted\":%" PRIu64 ",\"lost_by_process\":[",
	       report_lost(r, lost), lost, r->run_lost);
	for (size_t i = 0; i < nl; i++) {
		const struct proc *p = lv[i].p;
		printf("%s\n{\"pid\":%lld,\"layer\":\"%s\",\"exe\":%s,\"lost\":%" PRIu64 "}",
		       i ? "," : "", p->pid, event_layer_word((enum event_layer)lv[i].layer),
		       p->exe ? p->exe : "null", p->run[lv[i].layer].lost);
	}
	free(lv);
	printf("],\n\"notify_seals\":{\"claims\":%" PRIu64 ",\"verified\":%" PRIu64
	       ",\"runs\":%" PRIu64 ",\"unverifiable\":%" PRIu64 ",\"failed\":%" PRIu64
	       ",\"first_failed\":", r->seals.claims, r->seals.verified, r->seals.runs,
	       r->seals.unverifiable, r->seals.failed);
	if (r->seals.failed) {
		printf("{\"file\":");
		table_json_string(stdout, r->files[r->seals.first_file]);
		printf(",\"line\":%" PRIu64 ",\"reason\":", r->seals.first_line);
		table_json_string(stdout, r->seals.why);
		printf("}");
	} else {
		printf("null");
	}
	printf("},\n\"junk_lines\":[");
	for (size_t i = 0; i < r->njunks; i++) {
		struct junkline *j = &r->junks[i];
		printf("%s\n{\"file\":", i ? "," : "");
		table_json_string(stdout, r->files[j->file]);
		printf(",\"line\":%" PRIu64 ",\"reason\":\"%s\",\"detail\":", j->line, logread_junk_name(j->junk));
		table_json_string(stdout, j->detail);
		printf("}");
	}
	printf("]}\n");
}

static void print_csv(struct report *r, struct group **sorted, size_t ng)
{
	printf("count");
	for (int c = 0; c < r->nby; c++)
		printf(",%s", field_names[r->by[c]]);
	printf("\n");
	for (size_t i = 0; i < ng; i++) {
		printf("%" PRIu64, sorted[i]->count);
		for (int c = 0; c < r->nby; c++) {
			size_t n;
			const char *s = key_part(sorted[i]->key, c, &n);
			putchar(',');
			if (n && s[0] == '"') {
				struct logread_str js = { s + 1, n - 2 };
				long m = logread_unescape(js, r->exe, sizeof(r->exe));
				if (m < 0)
					m = (long)strlen(r->exe);
				putchar('"');
				for (long k = 0; k < m; k++) {
					if (r->exe[k] == '"')
						putchar('"');
					putchar(r->exe[k]);
				}
				putchar('"');
			} else if (n == 4 && !memcmp(s, "null", 4))
				;	/* null: an empty cell */
			else if (n && s[0] == '[') {
				putchar('"');
				for (size_t k = 0; k < n; k++) {
					if (s[k] == '"')
						putchar('"');
					putchar(s[k]);
				}
				putchar('"');
			} else
				fwrite(s, 1, n, stdout);
		}
		printf("\n");
	}
}

/* ---- options --------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
"Usage: sockaudit report [OPTION]... LOG...\n"
"Summarize sockaudit event logs ('-' reads standard input).\n\n"
"  --by FIELDS        group by these comma-separated fields (default\n"
"                     exe,event,family,type,protocol,decision); any of: exe comm\n"
"                     event call family type flags protocol how decision rule\n"
"                     mode errno layer pid\n"
"Filters (a LIST is comma-separated; an event passes when it matches every\n"
"filter given, and any item of a list):\n"
"  --decision LIST    allow, deny, would_deny, kill; 'denied' means\n"
"                     deny,would_deny,kill\n"
"  --event LIST       socket.__new__, socket.shutdown, socket.connect, ...\n"
"                     (or without 'socket.': __new__, shutdown, connect)\n"
"  --family LIST      families (AF_INET, or numbers)\n"
"  --layer LIST       preload, seccomp, notify\n"
"  --rule LIST        the deciding rules' ids; '(default)' is the policy default\n"
"  --exe GLOB         executables whose path matches GLOB (repeat for more)\n"
"  --comm GLOB        process names (comm) matching GLOB (repeat for more)\n"
"  --pid LIST         process ids\n"
"  --since TIME       events at or after TIME\n"
"  --until TIME       events before TIME\n"
"TIME: RFC 3339 (2026-11-24T04:05:06Z, ...+01:00); a local date and time\n"
"(2026-12-01, '2026-12-01 10:00[:00]', 10:00[:00] today); -30m, -1h, -2d, -1w\n"
"back from now; now, recent (10 minutes ago), today, yesterday (local\n"
"midnight), week-ago, this-month, this-year, boot.\n\n"
"  --format FORMAT    table (default), json, csv (the groups only), or lines:\n"
"                     the matching events themselves, one JSON line each\n"
"  --events           the same as --format lines\n"
"  --list N           list at most N denials, junk lines, lossy processes (20)\n"
"  --width N          fit the table in N columns (40..1000; default $COLUMNS,\n"
"                     else the terminal's width, else 80)\n"
"  -h, --help         show this help\n\n"
"Exit status: 0 all lines were events, 1 some lines were not events,\n"
"2 usage error or a log that cannot be read (nothing is printed then),\n"
"3 some lines claiming the notify layer fail its seals (forged, altered, or\n"
"out of chain).\n");
}

/* Local midnight of the day of T, DAYS later (negative: earlier). */
static time_t local_midnight(time_t t, int days)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* The words of ausearch(8)'s --start/--end that make sense for a log. */
enum tword { TW_NOW, TW_RECENT, TW_TODAY, TW_YESTERDAY, TW_WEEK_AGO, TW_MONTH, TW_YEAR, TW_BOOT };

static const struct { const char *word; enum tword w; } time_words[] = {
	{ "now", TW_NOW }, { "recent", TW_RECENT }, { "today", TW_TODAY },
	{ "yesterday", TW_YESTERDAY }, { "week-ago", TW_WEEK_AGO },
	{ "this-month", TW_MONTH }, { "this-year", TW_YEAR }, { "boot", TW_BOOT },
};

/* The boot time, from /proc/stat's btime: 0, or -errno. */
static int boot_time(time_t *t)
{
	char line[256];
	FILE *f = fopen("/proc/stat", "re");
	long long v;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &v) == 1) {
			*t = (time_t)v;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

static int time_word(const char *s, int64_t *ns)
{
	struct timespec now;
	struct tm tm;
	time_t t;

	for (size_t i = 0; i < sizeof(time_words) / sizeof(time_words[0]); i++) {
		if (strcmp(s, time_words[i].word))
			continue;
		clock_gettime(CLOCK_REALTIME, &now);
		t = now.tv_sec;
		switch (time_words[i].w) {
		case TW_NOW:
			*ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
			return 0;
		case TW_RECENT:
			*ns = ((int64_t)now.tv_sec - 600) * 1000000000 + now.tv_nsec;
			return 0;
		case TW_TODAY:
			t = local_midnight(t, 0);
			break;
		case TW_YESTERDAY:
			t = local_midnight(t, -1);
			break;
		case TW_WEEK_AGO:
			t -= 7 * 86400;
			break;
		case TW_MONTH:
		case TW_YEAR:
			localtime_r(&t, &tm);
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			tm.tm_mday = 1;
			if (time_words[i].w == TW_YEAR)
				tm.tm_mon = 0;
			tm.tm_isdst = -1;
			t = mktime(&tm);
			break;
		case TW_BOOT:
			if (boot_time(&t) < 0)
				return -EINVAL;
			break;
		}
		*ns = (int64_t)t * 1000000000;
		return 0;
	}
	return -ENOENT;
}

/* A local date and time without a zone: "2026-12-01", "2026-12-01 10:00",
 * "2026-12-01T10:00:30", "10:00" (today).  -ENOENT when S is not of these
 * forms, -EINVAL when it is and names no time. */
static int local_time(const char *s, int64_t *ns)
{
	struct tm tm = { 0 }, want;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, k = 0;
	bool date;
	time_t t;

	date = sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10;
	if (!date) {
		time_t now = time(NULL);
		localtime_r(&now, &tm);
		y = tm.tm_year + 1900;
		mo = tm.tm_mon + 1;
		d = tm.tm_mday;
		n = 0;
	} else if (s[n] == ' ' || s[n] == 'T') {
		n++;
	} else if (s[n]) {
		return -ENOENT;		/* a zone, a fraction: RFC 3339's */
	}
	if (s[n]) {
		if (sscanf(s + n, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
			return -ENOENT;
		n += k;
		if (s[n] == ':') {
			if (sscanf(s + n, ":%2d%n", &sec, &k) != 1 || k != 3)
				return -ENOENT;
			n += k;
		}
		if (s[n])
			return -ENOENT;
	} else if (!date) {
		return -ENOENT;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    h < 0 || mi < 0 || sec < 0)
		return -EINVAL;
	tm = (struct tm){ .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			  .tm_hour = h, .tm_min = mi, .tm_sec = sec, .tm_isdst = -1 };
	want = tm;
	t = mktime(&tm);
	/* mktime() moves 31 April to 1 May: that is no date. */
	if (t == (time_t)-1 || tm.tm_mday != want.tm_mday || tm.tm_mon != want.tm_mon)
		return -EINVAL;
	*ns = (int64_t)t * 1000000000;
	return 0;
}

static int parse_time_arg(const char *s, int64_t *ns)
{
	char *end;
	int rc;

	if (s[0] == '-' || s[0] == '+') {
		static const struct { char unit; int64_t secs; } units[] = {
			{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
		};
		struct timespec now;
		long long v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || v < 0 || strlen(end) != 1)
			return -EINVAL;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (units[i].unit == *end) {
				if (v > INT64_MAX / 4 / 1000000000 / units[i].secs)
					return -EINVAL;	/* beyond any log's time */
				clock_gettime(CLOCK_REALTIME, &now);
				int64_t t = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
				int64_t d = v * units[i].secs * 1000000000;
				*ns = s[0] == '-' ? t - d : t + d;
				return 0;
			}
		return -EINVAL;
	}
	if ((rc = time_word(s, ns)) != -ENOENT)
		return rc;
	if ((rc = local_time(s, ns)) != -ENOENT)
		return rc;
	return logread_parse_time(s, strlen(s), ns);
}

static int parse_by(struct report *r, const char *arg)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", arg);
	r->nby = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int f;
		for (f = 0; f < F_COUNT && strcmp(field_names[f], tok); f++)
			;
		if (f == F_COUNT) {
			const char *s = names_suggest_from((const char *const[]){
				"exe", "comm", "event", "call", "family", "type", "flags", "protocol",
				"how", "decision", "rule", "mode", "errno", "layer", "pid", NULL }, tok);
			return cli_usage_error("report", "unknown field '%s' in --by%s%s%s", tok,
					       s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
		}
		if (r->nby == F_COUNT)
			return cli_usage_error("report", "too many fields in --by");
		r->by[r->nby++] = (enum field)f;
	}
	if (!r->nby)
		return cli_usage_error("report", "--by needs at least one field");
	return 0;
}

static int parse_decisions(struct report *r, const char *arg)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int d;
		if (!strcmp(tok, "denied")) {
			r->decisions |= (1u << EVENT_DENY) | (1u << EVENT_WOULD_DENY) | (1u << EVENT_KILL);
			continue;
		}
		for (d = 0; d < EVENT_DECISION_COUNT && strcmp(tok, event_decision_word((enum event_decision)d)); d++)
			;
		if (d == EVENT_DECISION_COUNT)
			return cli_usage_error("report", "unknown decision '%s' (allow, deny, would_deny, kill, denied)", tok);
		r->decisions |= 1u << d;
	}
	return 0;
}

static int parse_pids(struct report *r, const char *arg)
{
	const char *p = arg;

	while (*p) {
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p || v <= 0 || (*end && *end != ','))
			return cli_usage_error("report", "bad --pid '%s'", arg);
		long long *n = realloc(r->pids, sizeof(*n) * (size_t)(r->npids + 1));
		if (!n)
			return 2;
		r->pids = n;
		r->pids[r->npids++] = v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int strs_add(struct strs *l, const char *w)
{
	const char **n = realloc(l->v, sizeof(*n) * (size_t)(l->n + 1));

	if (!n)
		return cli_usage_error("report", "out of memory");
	l->v = n;
	l->v[l->n++] = w;
	return 0;
}

/* Each comma-separated word of ARG in turn to ONE: 0, or its status.  A
 * copy of ARG is kept (the words may be kept) and freed with the report. */
static int each_word(struct report *r, const char *opt, const char *arg,
		     int (*one)(struct report *r, char *w))
{
	char *copy = strdup(arg), *save = NULL, *w;
	int st = 0, n = 0;

	if (!copy || strs_add(&r->copies, copy)) {
		free(copy);
		return cli_usage_error("report", "out of memory");
	}
	for (w = strtok_r(copy, ",", &save); w && !st; w = strtok_r(NULL, ",", &save), n++)
		st = one(r, w);
	if (!st && !n)
		st = cli_usage_error("report", "%s needs at least one item", opt);
	return st;
}

static int one_family(struct report *r, char *w)
{
	const char *s;

	if (r->nfamilies == FILTER_MAX)
		return cli_usage_error("report", "more than %d families in --family", FILTER_MAX);
	if (names_value(NAMES_FAMILY, w, &r->families[r->nfamilies]) == 0) {
		r->nfamilies++;
		return 0;
	}
	s = names_suggest(NAMES_FAMILY, w);
	return cli_usage_error("report", "unknown family '%s'%s%s%s", w,
			       s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
}

static int one_event(struct report *r, char *w)
{
	for (int e = 0; e < POLICY_EV_COUNT; e++) {
		const char *word = event_name_word((enum policy_event)e);
		if (!strcmp(w, word) || (!strncmp(word, "socket.", 7) && !strcmp(w, word + 7))) {
			r->events_mask |= 1u << e;
			return 0;
		}
	}
	return cli_usage_error("report", "unknown event '%s' (socket.__new__, socket.shutdown, "
			       "socket.connect, socket.bind, socket.sendto, socket.sendmsg, "
			       "socket.getaddrinfo)", w);
}

static int one_layer(struct report *r, char *w)
{
	for (int y = 0; y < EVENT_LAYER_COUNT; y++)
		if (!strcmp(w, event_layer_word((enum event_layer)y))) {
			r->layers |= 1u << y;
			return 0;
		}
	return cli_usage_error("report", "unknown layer '%s' (preload, seccomp, notify)", w);
}

static int one_rule(struct report *r, char *w)
{
	return strs_add(&r->rules, w);
}

static int report_parse_args(struct report *r, int argc, char **argv)
{
	enum { O_BY = 256, O_DECISION, O_EXE, O_PID, O_FAMILY, O_SINCE, O_UNTIL, O_FORMAT, O_LIST,
	       O_WIDTH, O_EVENT, O_LAYER, O_RULE, O_COMM, O_EVENTS };
	static const struct option opts[] = {
		{ "by", required_argument, NULL, O_BY },
		{ "decision", required_argument, NULL, O_DECISION },
		{ "exe", required_argument, NULL, O_EXE },
		{ "comm", required_argument, NULL, O_COMM },
		{ "pid", required_argument, NULL, O_PID },
		{ "family", required_argument, NULL, O_FAMILY },
		{ "event", required_argument, NULL, O_EVENT },
		{ "layer", required_argument, NULL, O_LAYER },
		{ "rule", required_argument, NULL, O_RULE },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "events", no_argument, NULL, O_EVENTS },
		{ "list", required_argument, NULL, O_LIST },
		{ "width", required_argument, NULL, O_WIDTH },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, st, width = 0;
	char *end;

	if ((st = parse_by(r, "exe,event,family,type,protocol,decision")))
		return st;
	r->list = 20;
	optind = 0;	/* 0: glibc starts over, forgetting an earlier "+" */
	opterr = 0;
	/* Options may come anywhere; "-" alone is a LOG (stdin). */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return -1;
		case O_BY:
			if ((st = parse_by(r, optarg)))
				return st;
			break;
		case O_DECISION:
			if ((st = parse_decisions(r, optarg)))
				return st;
			break;
		case O_EXE:
			if ((st = strs_add(&r->exe_globs, optarg)))
				return st;
			break;
		case O_COMM:
			if ((st = strs_add(&r->comm_globs, optarg)))
				return st;
			break;
		case O_PID:
			if ((st = parse_pids(r, optarg)))
				return st;
			break;
		case O_FAMILY:
			if ((st = each_word(r, "--family", optarg, one_family)))
				return st;
			break;
		case O_EVENT:
			if ((st = each_word(r, "--event", optarg, one_event)))
				return st;
			break;
		case O_LAYER:
			if ((st = each_word(r, "--layer", optarg, one_layer)))
				return st;
			break;
		case O_RULE:
			if ((st = each_word(r, "--rule", optarg, one_rule)))
				return st;
			break;
		case O_SINCE:
		case O_UNTIL:
			if (parse_time_arg(optarg, c == O_SINCE ? &r->since : &r->until) < 0)
				return cli_usage_error("report", "bad time '%s': use RFC 3339 "
						       "(2026-11-24T04:05:06Z), a local time "
						       "('2026-11-24 04:05', 04:05), -30m, -1h, -2d, "
						       "today, yesterday, recent, ...", optarg);
			*(c == O_SINCE ? &r->since_set : &r->until_set) = true;
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "table"))
				r->format = FMT_TABLE;
			else if (!strcmp(optarg, "json"))
				r->format = FMT_JSON;
			else if (!strcmp(optarg, "csv"))
				r->format = FMT_CSV;
			else if (!strcmp(optarg, "lines"))
				r->format = FMT_LINES;
			else
				return cli_usage_error("report", "unknown format '%s' (table, json, csv, lines)", optarg);
			break;
		case O_EVENTS:
			r->format = FMT_LINES;
			break;
		case O_LIST:
			r->list = strtoul(optarg, &end, 10);
			if (*end || end == optarg || r->list > 1000000)
				return cli_usage_error("report", "bad --list '%s'", optarg);
			break;
		case O_WIDTH:
			width = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || width < TABLE_WIDTH_MIN || width > TABLE_WIDTH_MAX)
				return cli_usage_error("report", "bad --width '%s' (%d..%d)", optarg,
						       TABLE_WIDTH_MIN, TABLE_WIDTH_MAX);
			break;
		default:
			if (optopt && optopt < 256)
				return cli_usage_error("report", "unknown option '-%c'", optopt);
			return cli_usage_error("report", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	r->width = table_width(width);
	if (optind >= argc)
		return cli_usage_error("report", "no LOG given ('-' reads standard input)");
	r->files = argv + optind;
	r->nfiles = argc - optind;
	return 0;
}

/* Every LOG that cannot be opened as a file to read, said before anything
 * is read: a report of the others would look like a report of them all.
 * Returns how many. */
static int report_precheck(const struct report *r)
{
	int bad = 0;

	for (int i = 0; i < r->nfiles; i++) {
		struct stat st;
		int fd;

		if (!strcmp(r->files[i], "-"))
			continue;
		fd = open(r->files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
			cli_error("report", "%s: %s", r->files[i],
				  strerror(fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno));
			bad++;
		}
		if (fd >= 0)
			close(fd);
	}
	return bad;
}

int cmd_report(int argc, char **argv)
{
	static const struct logread_sink sink = {
		.event = on_event, .junk = on_junk, .error = on_error, .loss = on_loss,
		.seals = on_seals,
	};
	struct report *r = calloc(1, sizeof(*r));

	qwords_init();
	struct group **sorted = NULL, **dests = NULL, **listening = NULL;
	size_t ng = 0, nd, nl;
	int st, failed;

	if (!r) {
		cli_error("report", "out of memory");
		return 2;
	}
	st = report_parse_args(r, argc, argv);
	if (st) {
		st = st < 0 ? 0 : st;
		goto out;
	}
	r->junks = calloc(r->list ? r->list : 1, sizeof(*r->junks));
	if (!r->junks) {
		cli_error("report", "out of memory");
		st = 2;
		goto out;
	}
	if (report_precheck(r)) {
		st = 2;
		goto out;
	}
	failed = logread_files(r->files, r->nfiles, &sink, r);
	if (failed < 0 || r->nomem) {
		cli_error("report", "out of memory");
		st = 2;
		goto out;
	}
	/* A log that could not be read (after the check: a read error) makes
	 * no report at all, rather than one of the others that looks whole. */
	if (failed) {
		st = 2;
		goto out;
	}
	if (r->format == FMT_LINES) {
		fflush(stdout);
		if (r->junk)
			fprintf(stderr, "sockaudit report: %" PRIu64 " lines are not events\n", r->junk);
		st = r->seals.failed ? 3 : r->junk ? 1 : 0;
		goto out;
	}
	sorted = malloc(sizeof(*sorted) * (r->groups.used + 1));
	if (!sorted) {
		cli_error("report", "out of memory");
		st = 2;
		goto out;
	}
	for (size_t i = 0; i < r->groups.cap; i++)
		if (r->groups.slots[i].key)
			sorted[ng++] = &r->groups.slots[i];
	qsort(sorted, ng, sizeof(*sorted), cmp_groups);
	nd = dests_sorted(&r->dests, &dests);
	nl = dests_sorted(&r->listening, &listening);
	if (nd == (size_t)-1 || nl == (size_t)-1) {
		cli_error("report", "out of memory");
		st = 2;
		goto out;
	}
	for (size_t i = 0; i < r->procs.cap; i++)
		for (int y = 0; y < EVENT_LAYER_COUNT; y++)
			if (r->procs.slots[i].used)
				seqrun_close(&r->procs.slots[i].run[y]);

	if (r->format == FMT_JSON)
		print_json(r, sorted, ng, dests, nd, listening, nl);
	else if (r->format == FMT_CSV)
		print_csv(r, sorted, ng);
	else
		print_table(r, sorted, ng, dests, nd, listening, nl);
	fflush(stdout);
	if (r->junk && r->format == FMT_CSV)
		fprintf(stderr, "sockaudit report: %" PRIu64 " lines are not events\n", r->junk);
	if (r->seals.failed && r->format == FMT_CSV)
		fprintf(stderr, "sockaudit report: %" PRIu64 " lines fail the notify layer's "
			"seals, the first %s:%" PRIu64 ": %s\n", r->seals.failed,
			r->files[r->seals.first_file], r->seals.first_line, r->seals.why);
	st = failed ? 2 : r->seals.failed ? 3 : r->junk ? 1 : 0;
out:
	free(sorted);
	free(dests);
	free(listening);
	table_free(&r->dests);
	table_free(&r->listening);
	table_free(&r->hosts);
	table_free(&r->groups);
	table_free(&r->exes);
	free(r->procs.slots);
	free(r->denials);
	free(r->junks);
	free(r->pids);
	for (int i = 0; i < r->copies.n; i++)
		free((char *)r->copies.v[i]);
	free(r->copies.v);
	free(r->exe_globs.v);
	free(r->comm_globs.v);
	free(r->rules.v);
	free(r);
	return st;
}
