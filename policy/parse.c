/* SPDX-License-Identifier: MIT */
/* parse.c - policy text to the rule table (rules.h).
 *
 * policy_parse() reads like the pipeline it is: scan the text as strict
 * JSON, which checks its bytes (UTF-8) and finds every value's position
 * (json/scan.c), build the tree (cJSON, through json.h), convert the tree
 * key by key into the rule table, then check across rules (validate.c).
 * A syntax error stops there; every other problem becomes a diagnostic
 * with a position and the walk goes on, so one run reports every error.
 *
 * The preload shim calls this inside the audited program at start-up: no
 * global state, no stdio, nothing printed; everything lives in one arena
 * that policy_free() releases.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addrindex.h"
#include "diag.h"
#include "json.h"
#include "names.h"
#include "rules.h"
#include "scan.h"
#include "validate.h"

#define POLICY_TEXT_MAX ((size_t)64 << 20)
#define MEM_CHUNK 16384
#define SHOWN_MAX 72		/* user strings quoted in messages */
#define PATH_MAX_LEN 96		/* "rules[123456].protocol[12345]" */
#define ERRNO_MAX 4095
#define POLICY_DEPTH_MAX 64

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The arena. */

struct policy_mem {
	struct policy_mem *next;
	size_t used, cap;
	max_align_t data[];
};

void *policy_mem_alloc(struct policy_mem **mem, size_t size)
{
	struct policy_mem *m = *mem;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!m || m->cap - m->used < size) {
		size_t cap = size > MEM_CHUNK ? size : MEM_CHUNK;

		m = malloc(sizeof(*m) + cap);
		if (!m)
			return NULL;
		m->next = *mem;
		m->used = 0;
		m->cap = cap;
		*mem = m;
	}
	p = (char *)m->data + m->used;
	m->used += size;
	return p;
}

static void mem_free(struct policy_mem *m)
{
	while (m) {
		struct policy_mem *next = m->next;

		free(m);
		m = next;
	}
}

void policy_free(struct policy *p)
{
	if (p)
		mem_free(p->mem);
}

/* The walk. */

struct pctx {
	const char *text;
	size_t len;
	struct policy_diags *d;
	struct diag_lines lines;
	const struct json_pos *pos;	/* NULL: positions unknown */
	size_t n_pos;
	struct policy_mem *mem;
	bool nomem;
	size_t errors0;		/* errors in the list before this parse */
	struct {		/* the last name looked up, per kind of field:
				   large policies repeat a few names */
		const char *name;
		int value, table;
	} memo[5];
};

/* A cJSON node and its record in pctx.pos (see json/scan.h). */
struct jref {
	const cJSON *j;
	size_t i;
};

static struct jref jchild(struct jref r)
{
	return (struct jref){ r.j->child, r.i + 1 };
}

static struct jref jnext(const struct pctx *c, struct jref r)
{
	size_t i = c->pos && r.i < c->n_pos ? r.i + c->pos[r.i].size : 0;

	return (struct jref){ r.j->next, i };
}

static size_t val_off(const struct pctx *c, struct jref r)
{
	return c->pos && r.i < c->n_pos ? c->pos[r.i].val : DIAG_NO_POS;
}

static size_t key_off(const struct pctx *c, struct jref r)
{
	if (!c->pos || r.i >= c->n_pos || c->pos[r.i].key == JSON_NO_KEY)
		return DIAG_NO_POS;
	return c->pos[r.i].key;
}

/* Where a value is, as a JSON path such as "rules[3].family[1]": a chain
 * on the stack, rendered only when a diagnostic needs it. */
struct jpath {
	const struct jpath *up;
	const char *key;	/* NULL: element INDEX of a list */
	size_t index;
};

static void path_render(const struct jpath *p, char *buf, size_t cap)
{
	size_t n;

	buf[0] = 0;
	if (!p)
		return;
	path_render(p->up, buf, cap);
	n = strlen(buf);
	if (p->key)
		snprintf(buf + n, cap - n, "%s%s", n ? "." : "", p->key);
	else
		snprintf(buf + n, cap - n, "[%zu]", p->index);
}

static const struct jpath top_path[] = {
	{ NULL, "version", 0 }, { NULL, "mode", 0 }, { NULL, "io_uring", 0 },
	{ NULL, "comment", 0 }, { NULL, "default", 0 }, { NULL, "rules", 0 },
};

enum { JP_VERSION, JP_MODE, JP_IO_URING, JP_COMMENT, JP_DEFAULT, JP_RULES };

static void __attribute__((format(printf, 5, 6)))
report(struct pctx *c, enum policy_severity sev, size_t off, const struct jpath *path,
       const char *fmt, ...)
{
	char msg[512], where[PATH_MAX_LEN];
	va_list ap;
	int line, col;

	path_render(path, where, sizeof(where));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_lines_find(&c->lines, off, &line, &col);
	if (diag_add(c->d, sev, line, col, where[0] ? where : NULL, "%s", msg))
		c->nomem = true;
}

#define error(c, off, path, ...) report(c, POLICY_ERROR, off, path, __VA_ARGS__)

/* S as it may appear in a message: at most SHOWN_MAX bytes, control bytes
 * as '?'. */
static const char *shown(char *buf, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < SHOWN_MAX - 4; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i])
		memcpy(buf + i, "...", 4);
	else
		buf[i] = 0;
	return buf;
}

static const char *number_text(char *buf, size_t cap, double v)
{
	snprintf(buf, cap, "%.15g", v);
	return buf;
}

static char *mem_strdup(struct pctx *c, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = policy_mem_alloc(&c->mem, n);

	if (!d) {
		c->nomem = true;
		return NULL;
	}
	return memcpy(d, s, n);
}

/* Keys of an object: the first of each known key into FOUND[], errors for
 * unknown and repeated ones.  KEYS is NULL-terminated; WHAT names the object
 * in messages ("rule", "policy", "default"). */
static void collect(struct pctx *c, struct jref obj, const char *const *keys,
		    struct jref *found, const char *what, const struct jpath *path)
{
	char b[SHOWN_MAX];
	size_t k;

	for (k = 0; keys[k]; k++)
		found[k].j = NULL;
	for (struct jref m = jchild(obj); m.j; m = jnext(c, m)) {
		const char *name = m.j->string ? m.j->string : "";
		const char *hint;

		for (k = 0; keys[k] && strcmp(keys[k], name); k++)
			;
		if (!keys[k]) {
			hint = names_suggest_from(keys, name);
			if (hint)
				error(c, key_off(c, m), path,
				      "unknown key '%s' in %s; did you mean '%s'?",
				      shown(b, name), what, hint);
			else
				error(c, key_off(c, m), path, "unknown key '%s' in %s",
				      shown(b, name), what);
		} else if (found[k].j) {
			error(c, key_off(c, m), path, "duplicate key '%s' in %s",
			      keys[k], what);
			report(c, POLICY_NOTE, key_off(c, found[k]), path,
			       "'%s' first given here", keys[k]);
		} else {
			found[k] = m;
		}
	}
}

/* One of the N_WORDS strings of WORDS: its index into *OUT, or an error
 * naming KEY. */
static bool parse_word(struct pctx *c, struct jref r, const char *key,
		       const char *const *words, size_t n_words, const struct jpath *path,
		       int *out)
{
	const char *cand[8], *hint;
	char b[SHOWN_MAX], list[128] = "";
	size_t i, n = 0;

	for (i = 0; i < n_words && i < ARRAY_SIZE(cand) - 1; i++) {
		cand[n++] = words[i];
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s'%s'",
			 !i ? "" : i + 1 < n_words ? ", " : " or ", words[i]);
	}
	cand[n] = NULL;
	if (json_type(r.j) != cJSON_String) {
		error(c, val_off(c, r), path, "'%s' must be %s", key, list);
		return false;
	}
	for (i = 0; i < n_words; i++) {
		if (!strcmp(words[i], r.j->valuestring)) {
			*out = (int)i;
			return true;
		}
	}
	hint = names_suggest_from(cand, r.j->valuestring);
	if (hint)
		error(c, val_off(c, r), path, "unknown %s '%s'; did you mean '%s'?", key,
		      shown(b, r.j->valuestring), hint);
	else
		error(c, val_off(c, r), path, "unknown %s '%s': must be %s", key,
		      shown(b, r.j->valuestring), list);
	return false;
}

static bool parse_string(struct pctx *c, struct jref r, const char *key,
			 const struct jpath *path, const char **out)
{
	if (json_type(r.j) != cJSON_String) {
		error(c, val_off(c, r), path, "'%s' must be a string", key);
		return false;
	}
	*out = mem_strdup(c, r.j->valuestring);
	return *out != NULL;
}

static bool parse_bool(struct pctx *c, struct jref r, const char *key,
		       const struct jpath *path, bool *out)
{
	int t = json_type(r.j);

	if (t != cJSON_True && t != cJSON_False) {
		error(c, val_off(c, r), path, "'%s' must be true or false", key);
		return false;
	}
	*out = t == cJSON_True;
	return true;
}

/* A JSON number that must be an integer in [MIN, MAX]. */
static bool parse_int(struct pctx *c, struct jref r, const char *what, int min,
		      int max, const struct jpath *path, int *out)
{
	double v = r.j->valuedouble;
	char b[64];

	if (!(v >= min && v <= max)) {
		error(c, val_off(c, r), path, "%s %s is out of range (%d to %d)", what,
		      number_text(b, sizeof(b), v), min, max);
		return false;
	}
	if (v != (double)(int)v) {
		error(c, val_off(c, r), path, "%s %s is not an integer", what,
		      number_text(b, sizeof(b), v));
		return false;
	}
	*out = (int)v;
	return true;
}

/* Match fields: a name, a number, or a non-empty list of them. */

enum vkind { VK_EVENT, VK_FAMILY, VK_TYPE, VK_PROTOCOL, VK_HOW };
_Static_assert(VK_HOW < sizeof(((struct pctx *)0)->memo) / sizeof(((struct pctx *)0)->memo[0]),
	       "one memo per kind of field");

static const struct vkind_info {
	const char *key;		/* also the word in messages */
	enum names_table table;
	bool numbers;			/* JSON numbers accepted */
	int max;
} vkinds[] = {
	[VK_EVENT] = { "event", NAMES_EVENT, false, POLICY_EV_COUNT - 1 },
	[VK_FAMILY] = { "family", NAMES_FAMILY, true, INT_MAX },
	/* The kernel's SOCK_TYPE_MASK: bits above it are flags or invalid. */
	[VK_TYPE] = { "type", NAMES_TYPE, true, NAMES_TYPE_MAX },
	[VK_PROTOCOL] = { "protocol", NAMES_PROTOCOL, true, INT_MAX },
	[VK_HOW] = { "how", NAMES_HOW, true, 2 },
};

struct item {
	int value;
	int table;		/* protocol table, -1: none */
	size_t off;
	const char *name;	/* as written, NULL for a JSON number */
};

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Events are names only: "0" is not an event. */
static int event_value(const char *s, int *v)
{
	size_t n;
	const struct names_entry *e = names_table_entries(NAMES_EVENT, &n);

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(e[i].name, s)) {
			*v = e[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

static bool lookup_name(struct pctx *c, enum vkind k, struct jref r,
			const struct jpath *path, struct item *it)
{
	const struct vkind_info *vi = &vkinds[k];
	const char *s = r.j->valuestring, *hint;
	char b[SHOWN_MAX];
	int v, rc;

	if (k == VK_TYPE && !all_digits(s) && !names_value(NAMES_FLAG, s, &v)) {
		error(c, it->off, path,
		      "'%s' is a type flag: type flags never decide a match", shown(b, s));
		return false;
	}
	if (c->memo[k].name && !strcmp(c->memo[k].name, s)) {
		it->value = c->memo[k].value;
		it->table = c->memo[k].table;
		return true;
	}
	if (k == VK_EVENT)
		rc = event_value(s, &it->value);
	else if (k == VK_PROTOCOL)
		rc = names_protocol_value(s, &it->value, &it->table);
	else
		rc = names_value(vi->table, s, &it->value);
	if (!rc) {
		c->memo[k].name = s;
		c->memo[k].value = it->value;
		c->memo[k].table = it->table;
		return true;
	}
	if (all_digits(s)) {
		error(c, it->off, path, "%s %s is out of range (0 to %d)", vi->key,
		      shown(b, s), vi->max);
		return false;
	}
	hint = names_suggest(vi->table, s);
	if (hint)
		error(c, it->off, path, "unknown %s '%s'; did you mean '%s'?", vi->key,
		      shown(b, s), hint);
	else
		error(c, it->off, path, "unknown %s '%s'", vi->key, shown(b, s));
	return false;
}

static bool parse_item(struct pctx *c, enum vkind k, struct jref r,
		       const struct jpath *path, struct item *it)
{
	const struct vkind_info *vi = &vkinds[k];
	int t = json_type(r.j);

	it->off = val_off(c, r);
	it->table = -1;
	it->name = NULL;
	if (t == cJSON_Number && vi->numbers) {
		if (!parse_int(c, r, vi->key, 0, INT_MAX, path, &it->value))
			return false;
	} else if (t == cJSON_String) {
		it->name = r.j->valuestring;
		if (!lookup_name(c, k, r, path, it))
			return false;
	} else {
		error(c, it->off, path, "'%s' must be %s", vi->key,
		      vi->numbers ? "a name, a number or a list of them"
				  : "an event name or a list of them");
		return false;
	}
	if (k == VK_TYPE && (it->value & NAMES_TYPE_FLAGS)) {
		error(c, it->off, path,
		      "type %d has flag bits set: type flags never decide a match",
		      it->value);
		return false;
	}
	if (it->value > vi->max) {
		error(c, it->off, path, "%s %d is out of range (0 to %d)", vi->key,
		      it->value, vi->max);
		return false;
	}
	return true;
}

/* The items of match field K into *ITEMS: SMALL (N_SMALL items) when they
 * fit, else a malloc'ed array (free it when it is not SMALL). */
static bool parse_list(struct pctx *c, enum vkind k, struct jref r,
		       const struct jpath *path, struct item *small, size_t n_small,
		       struct item **items, size_t *n)
{
	struct jpath ipath;
	size_t cap = 1, i = 0;
	bool ok = true;
	struct jref e;

	*items = small;
	*n = 0;
	if (json_type(r.j) != cJSON_Array) {
		ok = parse_item(c, k, r, path, *items);
		*n = ok;
		return ok;
	}
	if (!r.j->child) {
		error(c, val_off(c, r), path,
		      "'%s' must not be an empty list (leave it out to match any %s)",
		      vkinds[k].key, vkinds[k].key);
		return false;
	}
	for (e = jchild(r); e.j; e = jnext(c, e))
		cap++;
	if (cap > n_small && !(*items = malloc(cap * sizeof(**items)))) {
		*items = small;
		c->nomem = true;
		return false;
	}
	for (e = jchild(r); e.j; e = jnext(c, e), i++) {
		ipath = (struct jpath){ path, NULL, i };
		if (json_type(e.j) == cJSON_Array || json_type(e.j) == cJSON_Object) {
			error(c, val_off(c, e), &ipath, "'%s' list items must be %s",
			      vkinds[k].key,
			      vkinds[k].numbers ? "names or numbers" : "event names");
			ok = false;
		} else if (parse_item(c, k, e, &ipath, &(*items)[*n])) {
			(*n)++;
		} else {
			ok = false;
		}
	}
	return ok;
}

static int *mem_ints(struct pctx *c, const struct item *items, size_t n)
{
	int *v = policy_mem_alloc(&c->mem, n * sizeof(*v));

	if (!v) {
		c->nomem = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = items[i].value;
	return v;
}

/* Exe globs. */

/* Why GLOB's syntax cannot be used, or NULL when it is fine. */
static const char *glob_syntax_problem(const char *g)
{
	for (const char *p = g; *p; p++) {
		if (*p == '\\') {
			if (!p[1])
				return "ends with a lone '\\'";
			p++;
		} else if (*p == '[') {
			const char *q = p + 1;

			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q++;
			if (!*q)
				return "has a '[' without its ']'";
			p = q;
		}
	}
	return NULL;
}

/* Why the exe glob G cannot be used, or NULL when it is fine. */
static const char *glob_problem(const char *g)
{
	if (!*g)
		return "is empty";
	if (!strchr("/*?[", g[0]))
		return "never matches: executable paths are absolute";
	return glob_syntax_problem(g);
}

static bool parse_exes(struct pctx *c, struct jref r, const struct jpath *path,
		       struct policy_rule *rule)
{
	char b[SHOWN_MAX];
	struct jpath ipath;
	const char **globs;
	size_t n = 0, i = 0;
	bool ok = true, list = json_type(r.j) == cJSON_Array;
	struct jref e;

	if (list && !r.j->child) {
		error(c, val_off(c, r), path,
		      "'exe' must not be an empty list (leave it out to match any exe)");
		return false;
	}
	if (list)
		for (e = jchild(r); e.j; e = jnext(c, e))
			n++;
	else
		n = 1;
	globs = policy_mem_alloc(&c->mem, n * sizeof(*globs));
	if (!globs) {
		c->nomem = true;
		return false;
	}
	for (e = list ? jchild(r) : r; e.j; e = list ? jnext(c, e) : (struct jref){ 0 }) {
		const char *why;

		ipath = list ? (struct jpath){ path, NULL, i } : *path;
		if (json_type(e.j) != cJSON_String) {
			error(c, val_off(c, e), &ipath,
			      "'exe' must be a glob or a list of globs");
			ok = false;
			continue;
		}
		why = glob_problem(e.j->valuestring);
		if (why && e.j->valuestring[0] && !strchr("/*?[", e.j->valuestring[0])) {
			error(c, val_off(c, e), &ipath,
			      "exe glob '%s' %s; did you mean '*/%s'?",
			      shown(b, e.j->valuestring), why, b);
			ok = false;
		} else if (why) {
			error(c, val_off(c, e), &ipath, "exe glob '%s' %s",
			      shown(b, e.j->valuestring), why);
			ok = false;
		} else if (!(globs[i++] = mem_strdup(c, e.j->valuestring))) {
			ok = false;
		}
	}
	rule->exes = globs;
	rule->n_exes = i;
	return ok;
}

/* Address, port and host: a value or a non-empty list of values. */

struct values_kind {
	const char *key;
	const char *what;	/* "'port' must be WHAT" */
	size_t size;		/* of one stored value */
	/* Check the value at E and store it at OUT: false after an error. */
	bool (*item)(struct pctx *c, struct jref e, const struct jpath *path, void *out);
};

/* The values of the field at R into *OUT (arena memory), their count in *N. */
static bool parse_values(struct pctx *c, struct jref r, const struct values_kind *k,
			 const struct jpath *path, const void **out, size_t *n)
{
	bool list = json_type(r.j) == cJSON_Array, ok = true;
	size_t cap = 1, i = 0;
	struct jpath ipath;
	struct jref e;
	char *v;

	*out = NULL;
	*n = 0;
	if (list && !r.j->child) {
		error(c, val_off(c, r), path,
		      "'%s' must not be an empty list (leave it out to match any %s)",
		      k->key, k->key);
		return false;
	}
	if (list)
		for (cap = 0, e = jchild(r); e.j; e = jnext(c, e))
			cap++;
	v = policy_mem_alloc(&c->mem, cap * k->size);
	if (!v) {
		c->nomem = true;
		return false;
	}
	for (e = list ? jchild(r) : r; e.j; e = list ? jnext(c, e) : (struct jref){ 0 }, i++) {
		int t = json_type(e.j);

		ipath = list ? (struct jpath){ path, NULL, i } : *path;
		if (t == cJSON_Array || t == cJSON_Object) {
			error(c, val_off(c, e), &ipath, "'%s' must be %s", k->key, k->what);
			ok = false;
		} else if (k->item(c, e, &ipath, v + *n * k->size)) {
			(*n)++;
		} else {
			ok = false;
		}
	}
	*out = v;
	return ok;
}

static const struct values_kind address_kind, port_kind, host_kind;

/* A CIDR block "10.0.0.0/8", "::1", into A. */
static bool parse_cidr(struct pctx *c, size_t off, const struct jpath *path, const char *s,
		       struct rule_addr *a)
{
	char ip[INET6_ADDRSTRLEN + 1], b[SHOWN_MAX], fix[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/'), *colon = strchr(s, ':');
	size_t len = slash ? (size_t)(slash - s) : strlen(s), bytes;
	uint8_t net[16];
	int max;

	a->kind = RULE_ADDR_INET;
	if (len < sizeof(ip)) {
		memcpy(ip, s, len);
		ip[len] = 0;
	}
	if (len < sizeof(ip) && inet_pton(AF_INET, ip, a->ip) == 1) {
		a->family = AF_INET;
		max = 32;
	} else if (len < sizeof(ip) && inet_pton(AF_INET6, ip, a->ip) == 1) {
		a->family = AF_INET6;
		max = 128;
	} else {
		/* The two slips worth a hint: a port in the address, and
		 * the brackets of a URL around an IPv6 address. */
		if (colon && !strchr(colon + 1, ':') && !slash &&
		    (size_t)(colon - s) < sizeof(ip)) {
			memcpy(ip, s, (size_t)(colon - s));
			ip[colon - s] = 0;
			if (inet_pton(AF_INET, ip, net) == 1 && all_digits(colon + 1)) {
				error(c, off, path,
				      "address '%s' holds a port; did you mean '%s' with \"port\": %s?",
				      shown(b, s), ip, colon + 1);
				return false;
			}
		}
		if (s[0] == '[' && len > 2 && s[len - 1] == ']' && len - 2 < sizeof(ip)) {
			memcpy(ip, s + 1, len - 2);
			ip[len - 2] = 0;
			if (inet_pton(AF_INET6, ip, net) == 1) {
				error(c, off, path, "address '%s' is not an IP address; did you mean '%s%s'?",
				      shown(b, s), ip, slash ? slash : "");
				return false;
			}
		}
		error(c, off, path, "address '%s' is not an IP address or a CIDR block",
		      shown(b, s));
		return false;
	}
	a->prefix = max;
	if (slash) {
		if (!all_digits(slash + 1) || strlen(slash + 1) > 3 || atoi(slash + 1) > max) {
			error(c, off, path, "address '%s': the prefix length must be 0 to %d",
			      shown(b, s), max);
			return false;
		}
		a->prefix = atoi(slash + 1);
	}
	/* Bits past the prefix: the block a reader would think of is the
	 * masked one, which the message offers. */
	bytes = (size_t)max / 8;
	memcpy(net, a->ip, bytes);
	for (size_t i = 0; i < bytes; i++) {
		int keep = a->prefix - (int)i * 8;

		if (keep <= 0)
			net[i] = 0;
		else if (keep < 8)
			net[i] &= (uint8_t)(0xff << (8 - keep));
	}
	if (memcmp(net, a->ip, bytes)) {
		inet_ntop(a->family, net, fix, sizeof(fix));
		error(c, off, path,
		      "address '%s' has bits set past the /%d prefix; did you mean '%s/%d'?",
		      shown(b, s), a->prefix, fix, a->prefix);
		return false;
	}
	return true;
}

static bool parse_address(struct pctx *c, struct jref e, const struct jpath *path, void *out)
{
	struct rule_addr *a = out;
	const char *s, *g, *why;
	char b[SHOWN_MAX];
	size_t off = val_off(c, e);

	memset(a, 0, sizeof(*a));
	if (json_type(e.j) != cJSON_String) {
		error(c, off, path, "'address' must be %s", address_kind.what);
		return false;
	}
	s = e.j->valuestring;
	if ((s[0] >= '0' && s[0] <= '9') || strchr(s, ':'))
		return parse_cidr(c, off, path, s, a);
	a->kind = s[0] == '@' ? RULE_ADDR_ABSTRACT : RULE_ADDR_PATH;
	g = a->kind == RULE_ADDR_ABSTRACT ? s + 1 : s;
	why = glob_syntax_problem(g);
	if (why) {
		error(c, off, path, "address glob '%s' %s", shown(b, s), why);
		return false;
	}
	a->glob = mem_strdup(c, g);
	return a->glob != NULL;
}

/* The LEN bytes at S as a port number into *V: false unless they are all
 * digits; a number too large for a port comes back as 65536. */
static bool port_digits(const char *s, size_t len, int *v)
{
	long n = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (n <= 65535)
			n = n * 10 + (s[i] - '0');
	}
	*v = n > 65535 ? 65536 : (int)n;
	return true;
}

static bool parse_port(struct pctx *c, struct jref e, const struct jpath *path, void *out)
{
	struct rule_port *pr = out;
	size_t off = val_off(c, e);
	const char *s, *dash;
	char b[SHOWN_MAX];
	int lo = -1, hi = -1;

	if (json_type(e.j) == cJSON_Number) {
		if (!parse_int(c, e, "port", 0, 65535, path, &lo))
			return false;
		*pr = (struct rule_port){ lo, lo };
		return true;
	}
	if (json_type(e.j) != cJSON_String) {
		error(c, off, path, "'port' must be %s", port_kind.what);
		return false;
	}
	s = e.j->valuestring;
	dash = strchr(s, '-');
	if (!(dash ? port_digits(s, (size_t)(dash - s), &lo) &&
			     port_digits(dash + 1, strlen(dash + 1), &hi)
		   : port_digits(s, strlen(s), &lo))) {
		error(c, off, path,
		      "port '%s' is not a number or a range such as \"1024-65535\"",
		      shown(b, s));
		return false;
	}
	if (!dash)
		hi = lo;
	if (lo > 65535 || hi > 65535) {
		error(c, off, path, "port '%s' is out of range (0 to 65535)", shown(b, s));
		return false;
	}
	if (lo > hi) {
		error(c, off, path, "port range '%s' is empty; did you mean '%d-%d'?",
		      shown(b, s), hi, lo);
		return false;
	}
	*pr = (struct rule_port){ lo, hi };
	return true;
}

/* Host globs are stored folded to lower case: the matcher folds the name. */
static bool parse_host(struct pctx *c, struct jref e, const struct jpath *path, void *out)
{
	const char **h = out, *why;
	size_t off = val_off(c, e);
	char b[SHOWN_MAX], *g;

	if (json_type(e.j) != cJSON_String) {
		error(c, off, path, "'host' must be %s", host_kind.what);
		return false;
	}
	why = e.j->valuestring[0] ? glob_syntax_problem(e.j->valuestring) : "is empty";
	if (why) {
		error(c, off, path, "host glob '%s' %s", shown(b, e.j->valuestring), why);
		return false;
	}
	g = mem_strdup(c, e.j->valuestring);
	if (!g)
		return false;
	for (char *p = g; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	*h = g;
	return true;
}

static const struct values_kind address_kind = {
	"address", "an IP address, a CIDR block, a unix path glob or a list of them",
	sizeof(struct rule_addr), parse_address,
}, port_kind = {
	"port", "a port number, a range such as \"1024-65535\" or a list of them",
	sizeof(struct rule_port), parse_port,
}, host_kind = {
	"host", "a glob or a list of globs", sizeof(const char *), parse_host,
};

/* action, errno, log: shared by rules and the default. */

static const char *const action_words[] = {
	[POLICY_ALLOW] = "allow", [POLICY_DENY] = "deny", [POLICY_KILL] = "kill",
};

struct outcome_refs {
	struct jref action, err, log;
};

static bool parse_outcome(struct pctx *c, const struct outcome_refs *o,
			  size_t obj_off, const char *what, const struct jpath *path,
			  enum policy_action *action, int *err, bool *log)
{
	char b[SHOWN_MAX];
	struct jpath fpath;
	const char *hint;
	bool ok = true, have_action = false;
	int v = 0;

	*action = POLICY_ALLOW;
	*err = 0;
	*log = true;
	if (!o->action.j) {
		error(c, obj_off, path, "%s has no 'action'", what);
		ok = false;
	} else {
		fpath = (struct jpath){ path, "action", 0 };
		have_action = parse_word(c, o->action, "action", action_words,
					 ARRAY_SIZE(action_words), &fpath, &v);
		ok &= have_action;
		if (have_action)
			*action = (enum policy_action)v;
	}
	if (*action == POLICY_DENY)
		*err = EACCES;
	if (o->err.j) {
		fpath = (struct jpath){ path, "errno", 0 };
		if (have_action && *action != POLICY_DENY) {
			error(c, key_off(c, o->err), &fpath,
			      "'errno' is only allowed with action 'deny'");
			ok = false;
		} else if (json_type(o->err.j) == cJSON_Number) {
			ok &= parse_int(c, o->err, "errno", 1, ERRNO_MAX, &fpath, &v);
			*err = v;
		} else if (json_type(o->err.j) == cJSON_String) {
			const char *s = o->err.j->valuestring;

			if (names_value(NAMES_ERRNO, s, &v) || v < 1 || v > ERRNO_MAX) {
				hint = names_suggest(NAMES_ERRNO, s);
				if (all_digits(s))
					error(c, val_off(c, o->err), &fpath,
					      "errno %s is out of range (1 to %d)",
					      shown(b, s), ERRNO_MAX);
				else if (hint)
					error(c, val_off(c, o->err), &fpath,
					      "unknown errno '%s'; did you mean '%s'?",
					      shown(b, s), hint);
				else
					error(c, val_off(c, o->err), &fpath,
					      "unknown errno '%s'", shown(b, s));
				ok = false;
			} else {
				*err = v;
			}
		} else {
			error(c, val_off(c, o->err), &fpath,
			      "'errno' must be an errno name or number");
			ok = false;
		}
	}
	if (o->log.j) {
		fpath = (struct jpath){ path, "log", 0 };
		ok &= parse_bool(c, o->log, "log", &fpath, log);
	}
	return ok;
}

/* Rules. */

enum rule_key {
	RK_ID, RK_COMMENT, RK_EVENT, RK_FAMILY, RK_TYPE, RK_PROTOCOL, RK_HOW,
	RK_EXE, RK_ADDRESS, RK_PORT, RK_HOST, RK_ACTION, RK_ERRNO, RK_LOG, RK_COUNT
};

static const char *const rule_keys[RK_COUNT + 1] = {
	[RK_ID] = "id", [RK_COMMENT] = "comment", [RK_EVENT] = "event",
	[RK_FAMILY] = "family", [RK_TYPE] = "type", [RK_PROTOCOL] = "protocol",
	[RK_HOW] = "how", [RK_EXE] = "exe", [RK_ADDRESS] = "address",
	[RK_PORT] = "port", [RK_HOST] = "host", [RK_ACTION] = "action",
	[RK_ERRNO] = "errno", [RK_LOG] = "log",
};

/* The events each address field may be given on, and how messages say it. */
#define EV_ADDRESS (RULE_EV_BIT(POLICY_EV_CONNECT) | RULE_EV_BIT(POLICY_EV_BIND) | \
		    RULE_EV_BIT(POLICY_EV_SENDTO) | RULE_EV_BIT(POLICY_EV_SENDMSG))

static const struct {
	enum rule_key rk;
	unsigned events;
	const char *where;
} field_events[] = {
	{ RK_HOW, RULE_EV_BIT(POLICY_EV_SHUTDOWN), "with \"event\": \"socket.shutdown\"" },
	{ RK_ADDRESS, EV_ADDRESS,
	  "on socket.connect, socket.bind, socket.sendto and socket.sendmsg" },
	{ RK_PORT, EV_ADDRESS | RULE_EV_BIT(POLICY_EV_GETADDRINFO),
	  "on socket.connect, socket.bind, socket.sendto, socket.sendmsg and socket.getaddrinfo" },
	{ RK_HOST, RULE_EV_BIT(POLICY_EV_GETADDRINFO), "with \"event\": \"socket.getaddrinfo\"" },
};

/* The families a protocol table names, "AF_INET/AF_INET6", into BUF. */
static const char *table_families(int table, char *buf, size_t cap)
{
	size_t n, len = 0;
	const struct names_protocol_table *t = names_protocol_tables(&n);

	buf[0] = 0;
	if (table < 0 || (size_t)table >= n)
		return buf;
	for (const int *f = t[table].families; *f != -1 && len < cap; f++) {
		const char *name = names_name(NAMES_FAMILY, *f);

		len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "/" : "",
					name ? name : "?");
	}
	return buf;
}

/* Every protocol given by name must belong to one of the rule's families. */
static bool check_protocol_families(struct pctx *c, const struct item *protos,
				    size_t n, const struct policy_rule *rule,
				    const struct jpath *path)
{
	char b[SHOWN_MAX], fams[160];
	bool ok = true;

	if (!rule->n_families)
		return true;
	for (size_t i = 0; i < n; i++) {
		size_t f;

		if (protos[i].table < 0)
			continue;
		for (f = 0; f < rule->n_families; f++)
			if (names_protocol_table_has_family(protos[i].table,
							    rule->families[f]))
				break;
		if (f < rule->n_families)
			continue;
		error(c, protos[i].off, path,
		      "protocol '%s' is a protocol of %s, none of the rule's families",
		      shown(b, protos[i].name),
		      table_families(protos[i].table, fams, sizeof(fams)));
		ok = false;
	}
	return ok;
}

static bool parse_rule(struct pctx *c, struct jref r, size_t index,
		       struct policy_rule *rule, struct rule_where *where)
{
	struct jref f[RK_COUNT];
	struct jpath path = { &top_path[JP_RULES], NULL, index }, fpath;
	struct item small[RK_COUNT][8], *items[RK_COUNT] = { 0 };
	size_t n[RK_COUNT] = { 0 };
	const void *v;
	static const struct {
		enum rule_key rk;
		enum vkind vk;
	} list_keys[] = {
		{ RK_EVENT, VK_EVENT }, { RK_FAMILY, VK_FAMILY }, { RK_TYPE, VK_TYPE },
		{ RK_PROTOCOL, VK_PROTOCOL }, { RK_HOW, VK_HOW },
	};
	bool ok = true;

	memset(rule, 0, sizeof(*rule));
	memset(where, 0, sizeof(*where));
	diag_lines_find(&c->lines, val_off(c, r), &rule->line, &rule->col);
	if (json_type(r.j) != cJSON_Object) {
		error(c, val_off(c, r), &path, "a rule must be an object");
		return false;
	}
	collect(c, r, rule_keys, f, "rule", &path);

	if (f[RK_ID].j) {
		fpath = (struct jpath){ &path, "id", 0 };
		ok &= parse_string(c, f[RK_ID], "id", &fpath, &rule->id);
		if (rule->id && !*rule->id) {
			error(c, val_off(c, f[RK_ID]), &fpath, "'id' must not be empty");
			rule->id = NULL;
			ok = false;
		}
		if (rule->id)
			diag_lines_find(&c->lines, val_off(c, f[RK_ID]), &where->id_line,
					&where->id_col);
	}
	if (f[RK_COMMENT].j) {
		fpath = (struct jpath){ &path, "comment", 0 };
		ok &= parse_string(c, f[RK_COMMENT], "comment", &fpath, &rule->comment);
	}
	for (size_t i = 0; i < ARRAY_SIZE(list_keys); i++) {
		enum rule_key k = list_keys[i].rk;

		if (!f[k].j)
			continue;
		fpath = (struct jpath){ &path, rule_keys[k], 0 };
		ok &= parse_list(c, list_keys[i].vk, f[k], &fpath, small[k], 8, &items[k],
				 &n[k]);
	}
	rule->events = RULE_EV_BIT(POLICY_EV_NEW);
	if (n[RK_EVENT]) {
		rule->events = 0;
		for (size_t i = 0; i < n[RK_EVENT]; i++)
			rule->events |= RULE_EV_BIT(items[RK_EVENT][i].value);
	}
	if (n[RK_FAMILY]) {
		rule->families = mem_ints(c, items[RK_FAMILY], n[RK_FAMILY]);
		rule->n_families = n[RK_FAMILY];
	}
	if (n[RK_TYPE]) {
		rule->types = mem_ints(c, items[RK_TYPE], n[RK_TYPE]);
		rule->n_types = n[RK_TYPE];
	}
	if (n[RK_HOW]) {
		rule->hows = mem_ints(c, items[RK_HOW], n[RK_HOW]);
		rule->n_hows = n[RK_HOW];
	}
	if (n[RK_PROTOCOL]) {
		struct rule_protocol *p = policy_mem_alloc(&c->mem, n[RK_PROTOCOL] * sizeof(*p));

		if (p) {
			for (size_t i = 0; i < n[RK_PROTOCOL]; i++)
				p[i] = (struct rule_protocol){ items[RK_PROTOCOL][i].value,
							       items[RK_PROTOCOL][i].table };
		} else {
			c->nomem = true;
		}
		rule->protocols = p;
		rule->n_protocols = n[RK_PROTOCOL];
		fpath = (struct jpath){ &path, "protocol", 0 };
		ok &= check_protocol_families(c, items[RK_PROTOCOL], n[RK_PROTOCOL],
					      rule, &fpath);
	}
	/* Fields that only some events have.  An "event" that failed to
	 * parse says nothing about them. */
	for (size_t i = 0; i < ARRAY_SIZE(field_events); i++) {
		enum rule_key k = field_events[i].rk;

		if (!f[k].j || (f[RK_EVENT].j && !n[RK_EVENT]) ||
		    !(rule->events & ~field_events[i].events))
			continue;
		fpath = (struct jpath){ &path, rule_keys[k], 0 };
		error(c, key_off(c, f[k]), &fpath, "'%s' is only allowed %s", rule_keys[k],
		      field_events[i].where);
		ok = false;
	}
	if (f[RK_ADDRESS].j) {
		fpath = (struct jpath){ &path, "address", 0 };
		ok &= parse_values(c, f[RK_ADDRESS], &address_kind, &fpath, &v, &rule->n_addrs);
		rule->addrs = v;
	}
	if (f[RK_PORT].j) {
		fpath = (struct jpath){ &path, "port", 0 };
		ok &= parse_values(c, f[RK_PORT], &port_kind, &fpath, &v, &rule->n_ports);
		rule->ports = v;
	}
	if (f[RK_HOST].j) {
		fpath = (struct jpath){ &path, "host", 0 };
		ok &= parse_values(c, f[RK_HOST], &host_kind, &fpath, &v, &rule->n_hosts);
		rule->hosts = v;
	}
	if (f[RK_EXE].j) {
		fpath = (struct jpath){ &path, "exe", 0 };
		ok &= parse_exes(c, f[RK_EXE], &fpath, rule);
	}
	ok &= parse_outcome(c, &(struct outcome_refs){ f[RK_ACTION], f[RK_ERRNO], f[RK_LOG] },
			    val_off(c, r), "rule", &path, &rule->action, &rule->err,
			    &rule->log);
	for (size_t k = 0; k < RK_COUNT; k++)
		if (items[k] != small[k])
			free(items[k]);
	where->ok = ok && !c->nomem;
	return ok;
}

/* The top level. */

enum top_key { TK_VERSION, TK_MODE, TK_DEFAULT, TK_RULES, TK_COMMENT, TK_IO_URING, TK_COUNT };

static const char *const top_keys[TK_COUNT + 1] = {
	[TK_VERSION] = "version", [TK_MODE] = "mode", [TK_DEFAULT] = "default",
	[TK_RULES] = "rules", [TK_COMMENT] = "comment", [TK_IO_URING] = "io_uring",
};

enum default_key { DK_ACTION, DK_ERRNO, DK_LOG, DK_COMMENT, DK_EVENT, DK_COUNT };

static const char *const default_keys[DK_COUNT + 1] = {
	[DK_ACTION] = "action", [DK_ERRNO] = "errno", [DK_LOG] = "log",
	[DK_COMMENT] = "comment", [DK_EVENT] = "event",
};

static const char *const io_uring_words[] = { "deny", "allow" };

static void parse_version(struct pctx *c, struct jref root, struct jref v)
{
	char b[64];

	if (!v.j) {
		error(c, val_off(c, root), NULL,
		      "policy has no 'version': add \"version\": 1");
	} else if (json_type(v.j) != cJSON_Number) {
		error(c, val_off(c, v), &top_path[JP_VERSION], "'version' must be the number 1");
	} else if (v.j->valuedouble != 1) {
		error(c, val_off(c, v), &top_path[JP_VERSION],
		      "unsupported version %s: this sockaudit reads version 1",
		      number_text(b, sizeof(b), v.j->valuedouble));
	}
}

static void parse_default(struct pctx *c, struct policy *p, struct jref r)
{
	struct jref f[DK_COUNT];
	const char *comment;

	if (json_type(r.j) != cJSON_Object) {
		error(c, val_off(c, r), &top_path[JP_DEFAULT],
		      "'default' must be an object such as {\"action\": \"allow\"}");
		return;
	}
	collect(c, r, default_keys, f, "default", &top_path[JP_DEFAULT]);
	if (f[DK_COMMENT].j)
		parse_string(c, f[DK_COMMENT], "comment",
			     &(struct jpath){ &top_path[JP_DEFAULT], "comment", 0 }, &comment);
	if (f[DK_EVENT].j) {
		struct jpath epath = { &top_path[JP_DEFAULT], "event", 0 };
		struct item small[8], *items;
		size_t n;

		/* The events the default decides (policy_default_for()). */
		if (parse_list(c, VK_EVENT, f[DK_EVENT], &epath, small, 8, &items, &n)) {
			p->default_events = 0;
			for (size_t i = 0; i < n; i++)
				p->default_events |= RULE_EV_BIT(items[i].value);
		}
		if (items != small)
			free(items);
	}
	parse_outcome(c, &(struct outcome_refs){ f[DK_ACTION], f[DK_ERRNO], f[DK_LOG] },
		      val_off(c, r), "'default'", &top_path[JP_DEFAULT], &p->default_action,
		      &p->default_err, &p->default_log);
}

static int parse_rules(struct pctx *c, struct policy *p, struct jref r)
{
	struct policy_rule *rules;
	struct rule_where *where;
	size_t n = 0, i = 0;
	struct jref e;
	int rc;

	if (json_type(r.j) != cJSON_Array) {
		error(c, val_off(c, r), &top_path[JP_RULES], "'rules' must be a list of rules");
		return 0;
	}
	for (e = jchild(r); e.j; e = jnext(c, e))
		n++;
	if (!n)
		return 0;
	rules = policy_mem_alloc(&c->mem, n * sizeof(*rules));
	where = calloc(n, sizeof(*where));
	if (!rules || !where) {
		free(where);
		return -ENOMEM;
	}
	for (e = jchild(r); e.j; e = jnext(c, e), i++)
		parse_rule(c, e, i, &rules[i], &where[i]);
	/* An unnamed rule is named by its place, in the log as in check's and
	 * eval's words, so that its decisions are never taken for the
	 * default's (whose rule is null). */
	for (i = 0; i < n; i++) {
		char *label;

		if (rules[i].id) {
			rules[i].label = rules[i].id;
			continue;
		}
		label = policy_mem_alloc(&c->mem, 32);
		if (!label) {
			free(where);
			return -ENOMEM;
		}
		snprintf(label, 32, "rules[%zu]", i);
		rules[i].label = label;
	}
	p->rules = rules;
	p->n_rules = n;
	/* Unreachable rules are worth a warning only in a policy that is
	 * otherwise correct: half-parsed rules would warn wrongly. */
	rc = validate_rules(rules, where, n, c->d, c->d->errors == c->errors0);
	free(where);
	if (!rc && c->d->errors == c->errors0)
		rc = addrindex_build(p, &c->mem);
	return rc;
}

static int parse_top(struct pctx *c, struct policy *p, struct jref root)
{
	const char *const mode_words[] = {
		[POLICY_ENFORCE] = policy_mode_name(POLICY_ENFORCE),
		[POLICY_AUDIT] = policy_mode_name(POLICY_AUDIT),
	};
	struct jref f[TK_COUNT];
	int v;

	if (json_type(root.j) != cJSON_Object) {
		error(c, val_off(c, root), NULL, "a policy must be a JSON object");
		return 0;
	}
	collect(c, root, top_keys, f, "policy", NULL);
	parse_version(c, root, f[TK_VERSION]);
	if (f[TK_MODE].j && parse_word(c, f[TK_MODE], "mode", mode_words,
				       ARRAY_SIZE(mode_words), &top_path[JP_MODE], &v))
		p->mode = (enum policy_mode)v;
	if (f[TK_IO_URING].j && parse_word(c, f[TK_IO_URING], "io_uring", io_uring_words,
					   ARRAY_SIZE(io_uring_words), &top_path[JP_IO_URING], &v))
		p->io_uring_allow = v == 1;
	if (f[TK_COMMENT].j)
		parse_string(c, f[TK_COMMENT], "comment", &top_path[JP_COMMENT], &p->comment);
	if (f[TK_DEFAULT].j)
		parse_default(c, p, f[TK_DEFAULT]);
	if (f[TK_RULES].j)
		return parse_rules(c, p, f[TK_RULES]);
	return 0;
}

/* Bytes and syntax. */

static size_t count_nodes(const cJSON *j)
{
	size_t n = 0;

	for (; j; j = j->next)
		n += 1 + count_nodes(j->child);
	return n;
}

/* The scanner's verdict on text it rejects, as a message at its position. */
static void syntax_error(struct pctx *c, const struct json_doc *s)
{
	size_t off = s->err_off;
	unsigned char ch = off < c->len ? (unsigned char)c->text[off] : 0;

	if (s->err == JSON_E_UTF8)
		error(c, off, NULL, "invalid UTF-8 (byte 0x%02x)", ch);
	else if (s->err == JSON_E_DEEP)
		error(c, off, NULL, "nesting deeper than %d levels", POLICY_DEPTH_MAX);
	else if (off >= c->len)
		error(c, off, NULL, "invalid JSON: unexpected end of file");
	else if (ch > 0x20 && ch < 0x7f)
		error(c, off, NULL, "invalid JSON: %s, found '%c'", json_err_text(s->err), ch);
	else
		error(c, off, NULL, "invalid JSON: %s, found byte 0x%02x",
		      json_err_text(s->err), ch);
}

/* Offset of the first byte from OFF on that is not JSON whitespace. */
static size_t skip_ws(const char *text, size_t len, size_t off)
{
	while (off < len && json_is_ws((unsigned char)text[off]))
		off++;
	return off;
}

static size_t skip_bom(const char *text, size_t len)
{
	return len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
}

/*
 * The text as JSON: the strict scanner (json/scan.h) first, which names the
 * first problem with its position and records where every value is; then
 * cJSON builds the tree from text known to be valid and nested at most
 * POLICY_DEPTH_MAX deep (cJSON recurses).  Returns the tree, or NULL with
 * the error reported; -ENOMEM in *RC.
 */
static cJSON *parse_json(struct pctx *c, struct json_doc *s, int *rc)
{
	const char *text = c->text, *end = NULL;
	size_t len = c->len, off;
	cJSON *root;
	const char *nul = memchr(text, 0, len);

	/* Reported on its own: the scanner would call it a control byte or
	 * trailing text, depending on where it is. */
	if (nul) {
		error(c, (size_t)(nul - text), NULL, "NUL byte in the policy text");
		return NULL;
	}
	off = skip_ws(text, len, skip_bom(text, len));
	if (off == len) {
		error(c, len, NULL, "empty policy: expected a JSON object");
		return NULL;
	}
	*rc = json_scan_doc(text, len, off, POLICY_DEPTH_MAX, s);
	if (*rc == -EINVAL) {
		*rc = 0;
		syntax_error(c, s);
		return NULL;
	}
	if (*rc)
		return NULL;
	off = skip_ws(text, len, s->end);
	if (off < len)
		error(c, off, NULL, "unexpected text after the policy object");
	/* cJSON stops after the value, as the scanner did. */
	root = json_parse(text, s->end, &end);
	if (!root) {
		/* Valid JSON cJSON will not take: an unpaired \u surrogate, a
		 * number longer than its buffer. */
		error(c, end ? (size_t)(end - text) : DIAG_NO_POS, NULL, "invalid JSON");
		return NULL;
	}
	if (s->n == count_nodes(root)) {
		c->pos = s->pos;
		c->n_pos = s->n;
	}
	return root;
}

int policy_parse(const char *text, size_t len, struct policy **out,
		 struct policy_diags *diags)
{
	struct policy_diags local = { 0 };
	struct pctx c = { .text = text, .len = len };
	struct json_doc s = { 0 };
	struct policy *p = NULL;
	cJSON *root = NULL;
	size_t errors0, count0;
	int rc = 0;

	*out = NULL;
	c.d = diags ? diags : &local;
	c.lines = (struct diag_lines){ .text = text, .len = len };
	errors0 = c.errors0 = c.d->errors;
	count0 = c.d->count;
	if (len > POLICY_TEXT_MAX) {
		error(&c, DIAG_NO_POS, NULL, "policy is larger than 64 MiB");
		goto out;
	}
	root = parse_json(&c, &s, &rc);
	if (!root)
		goto out;
	p = policy_mem_alloc(&c.mem, sizeof(*p));
	if (!p) {
		rc = -ENOMEM;
		goto out;
	}
	*p = (struct policy){ .version = 1, .mode = POLICY_ENFORCE,
			      .default_action = POLICY_ALLOW, .default_log = true,
			      .default_events = RULE_EV_BIT(POLICY_EV_NEW) |
						RULE_EV_BIT(POLICY_EV_SHUTDOWN) };
	rc = parse_top(&c, p, (struct jref){ root, 0 });
	if (!rc && c.nomem)
		rc = -ENOMEM;
out:
	diag_sort(c.d, count0);
	if (!rc && c.d->errors > errors0)
		rc = -EINVAL;
	if (!rc && !p)
		rc = -EINVAL;
	if (!rc) {
		p->mem = c.mem;
		*out = p;
	} else {
		mem_free(c.mem);
	}
	json_delete(root);
	json_doc_free(&s);
	diag_lines_free(&c.lines);
	policy_diags_free(&local);
	return rc;
}

/* Read up to COUNT bytes of FD into BUF: at its offset (AT < 0, read), or
 * at AT without moving it (pread).  Returns the count, or -errno. */
static ssize_t text_read(int fd, char *buf, size_t count, off_t at)
{
	ssize_t r;

	do
		r = at < 0 ? read(fd, buf, count) : pread(fd, buf, count, at);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int policy_read_text(int fd, char **text, size_t *len)
{
	struct stat st;
	size_t cap = 65536, n = 0;
	char *buf = NULL, *nb;
	ssize_t r;
	int rc = 0;

	*text = NULL;
	*len = 0;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		if ((size_t)st.st_size > POLICY_TEXT_MAX)
			return -EFBIG;
		/* Room for the text, its NUL, and the read that sees the end. */
		cap = (size_t)st.st_size + 2;
	}
	for (;;) {
		if (n + 1 >= cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > POLICY_TEXT_MAX + 2)
				cap = POLICY_TEXT_MAX + 2;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		r = text_read(fd, buf + n, cap - n - 1, -1);
		if (r < 0) {
			rc = (int)r;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > POLICY_TEXT_MAX) {
			rc = -EFBIG;
			goto out;
		}
	}
	buf[n] = 0;
	*text = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	return rc;
}

int policy_load_fd(int fd, struct policy **out, struct policy_diags *diags)
{
	struct stat st;
	size_t size, n = 0;
	char *text;
	ssize_t r;
	int rc;

	*out = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOTSUP;
	if ((size_t)st.st_size > POLICY_TEXT_MAX)
		return -EFBIG;
	size = (size_t)st.st_size;
	text = malloc(size + 1);
	if (!text)
		return -ENOMEM;
	/* pread: the descriptor's offset may be shared with other processes
	 * (an inherited one is), and is never moved.  A file that shrinks
	 * meanwhile ends the text early; one that grows is read as it was. */
	for (r = 1; n < size && r > 0; n += (size_t)r) {
		r = text_read(fd, text + n, size - n, (off_t)n);
		if (r < 0) {
			rc = (int)r;
			goto out;
		}
	}
	text[n] = '\0';
	rc = policy_parse(text, n, out, diags);
out:
	free(text);
	return rc;
}

int policy_load(const char *path, struct policy **out, struct policy_diags *diags)
{
	int fd, rc;

	*out = NULL;
	/* O_NONBLOCK: opening a FIFO without a writer (or a device) must not
	 * hang the caller, a program's constructor; policy_load_fd() then
	 * refuses what is not a regular file before reading a byte. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	rc = policy_load_fd(fd, out, diags);
	close(fd);
	return rc;
}
