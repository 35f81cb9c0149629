/* SPDX-License-Identifier: MIT */
/* drain.c - the launcher's writer of the run's log (drain.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drain.h"

/* How long the thread sleeps when the ring fills slowly: the latency of a
 * line in the log.  When a writer is at work on the cell at the tail, it
 * looks again sooner. */
#define DRAIN_IDLE_MS 20
#define DRAIN_BUSY_MS 1
#define DRAIN_NICE (-10)	/* drain_main() */

/* A round's last-round patience for writers still at work on a cell. */
#define DRAIN_STOP_WAIT_MS 200

/* The supervisor's queue (drain.h): a byte ring of packed events with one
 * producer (the supervisor, or its standby after it) and one consumer (the
 * drain's thread, or the supervisor writing a line itself, under the
 * lock).  A record is a head and the packed event, 16-byte aligned; one
 * that does not fit before the end is put at the start, after a pad.  Some
 * 800 lines: the thread is woken when it is a quarter full (every
 * millisecond of back-to-back notified calls), small enough to stay in the
 * caches between the two CPUs, and its pages are made at once rather than
 * faulted in on the supervisor's hot path.  A full queue costs no line
 * (the caller writes it itself). */
#define DRAIN_QUEUE_BYTES (256u << 10)
#define DRAIN_QREC_PAD UINT32_MAX	/* skip to the start */
#define DRAIN_HOLD_SETTING 1		/* the hold's time is being taken */

/* The lines of one buffer the supervisor wrote: its lines are 300 bytes or
 * more, so this many marks never run out before the buffer does. */
#define DRAIN_MARKS (EVLOG_DRAIN_BUF / 128)

struct evlog_drain_queue {
	/* The supervisor's words and the drain's on cache lines of their
	 * own: the supervisor writes its two on every call. */
	_Alignas(64) _Atomic uint64_t head;	/* bytes put */
	_Atomic uint64_t hold;		/* the call in hand: CLOCK_REALTIME ns
					   when it came; 0: none */
	_Alignas(64) _Atomic uint64_t tail;	/* bytes taken */
	_Atomic uint64_t inflight;	/* lines the drain took (ring and queue)
					   and has not written yet */
	_Alignas(64) unsigned char data[DRAIN_QUEUE_BYTES];
};

struct drain_qrec {
	uint32_t len;			/* the packed event's; or DRAIN_QREC_PAD */
	uint32_t unused;
	int64_t ts_ns;			/* the event's time */
};

#define DRAIN_QALIGN(n) (((n) + 15u) & ~(size_t)15u)

static int64_t drain_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* The log as it is now: 0, fine, or reopened; else every line is lost. */
static bool drain_log_usable(struct evlog_drain *d)
{
	int rc = evlog_sink_check(d->sink);
	const char *spec = evlog_sink_spec(d->sink);

	if (rc != 0 && evlog_sink_spec_messages(spec)) {
		/* A syslog or journal daemon that went away, and came back. */
		if (rc == 1)
			fprintf(stderr, "sockaudit run: the log %s is reachable again\n", spec);
		else if (d->removed != -rc)
			fprintf(stderr, "sockaudit run: the log %s cannot be reached (%s); events "
				"are lost (counted) until it can\n", spec, strerror(-rc));
		d->removed = rc < 0 ? -rc : 0;
	} else if (rc == 1) {
		fprintf(stderr, "sockaudit run: the log %s was removed; events go to a new "
			"file at that path from here\n", evlog_sink_spec(d->sink));
		d->removed = 0;
	} else if (rc < 0 && d->removed != -rc) {
		d->removed = -rc;
		fprintf(stderr, "sockaudit run: the log %s was removed and cannot be created "
			"again (%s); events are lost (counted) until it can\n",
			evlog_sink_spec(d->sink), strerror(-rc));
	} else if (rc == 0) {
		d->removed = 0;
	}
	return rc >= 0;
}

/* Lines of the ring that did not reach the log. */
static void drain_lost(struct evlog_drain *d, uint64_t n)
{
	if (!n)
		return;
	if (d->tally)
		atomic_fetch_add(&d->tally->lost, n);
}

static bool drain_full(const struct evlog_drain *d, size_t len)
{
	return d->used + len > EVLOG_DRAIN_BUF || d->nmarks == DRAIN_MARKS;
}

/* The lines now in the buffer, for a standby that takes over from a drain
 * killed before writing them (evlog_drain_adopt counts them lost). */
static void drain_inflight(struct evlog_drain *d)
{
	if (d->queue)
		atomic_store_explicit(&d->queue->inflight, d->lines, memory_order_relaxed);
}

/* Seal the supervisor's lines among the first N bytes of the buffer, in
 * order, in the chain as it is now (the file they are about to go to).
 * *SAVED: the chain before.  Returns how many marks lie in those bytes. */
static unsigned drain_seal_marks(struct evlog_drain *d, size_t n, struct seal_chain *saved)
{
	unsigned i;

	if (d->seal)
		*saved = *d->seal;
	for (i = 0; i < d->nmarks && d->marks[i].off < n; i++) {
		struct evlog_drain_mark *m = &d->marks[i];
		char *hex = d->buf + m->off + m->prefix + sizeof(SEAL_KEY_TEXT) - 1;

		if (!m->prefix || !d->seal)
			continue;
		/* The prefix's length was checked when the line was put in. */
		seal_compute(d->seal->key, d->seal->last, d->buf + m->off, m->prefix, m->after);
		seal_hex(m->after, SEAL_LEN, hex);
		memcpy(d->seal->last, m->after, SEAL_LEN);
		d->seal->lines++;
	}
	return i;
}

/* One write of the buffer's first N bytes (LINES lines), the supervisor's
 * lines among them sealed first.  The lines that did not go out whole are
 * counted lost, the supervisor's as its own (run's summary tells the two
 * apart), and the chain is given back to just after the last sealed line
 * written, so that a lost line breaks no chain. */
static void drain_write_buf(struct evlog_drain *d, size_t n, unsigned lines)
{
	struct seal_chain saved;
	unsigned marked = drain_seal_marks(d, n, &saved);
	unsigned whole = evlog_sink_write_lines(d->sink, d->buf, n, lines), kept = 0, sealed = 0;

	if (whole < lines) {
		const char *p = d->buf;
		size_t end = 0;

		for (unsigned k = 0; k < whole && (p = memchr(p, '\n', n - (size_t)(p - d->buf)));
		     k++)
			end = (size_t)(++p - d->buf);
		while (kept < marked && d->marks[kept].off < end)
			if (d->marks[kept++].prefix)
				sealed++;
		for (unsigned k = kept; k < marked; k++)
			evlog_sink_count_lost(d->sink);
		drain_lost(d, (lines - whole) - (marked - kept));
		if (d->seal && marked) {
			*d->seal = saved;
			for (unsigned k = 0; k < kept; k++)
				if (d->marks[k].prefix)
					memcpy(d->seal->last, d->marks[k].after, SEAL_LEN);
			d->seal->lines += sealed;
		}
	}
	memmove(d->marks, d->marks + marked, sizeof(d->marks[0]) * (d->nmarks - marked));
	d->nmarks -= marked;
	for (unsigned k = 0; k < d->nmarks; k++)
		d->marks[k].off -= n;
}

/* Every line of the buffer lost (the log is gone): counted, the
 * supervisor's as its own; their seals were never taken. */
static void drain_lose_all(struct evlog_drain *d)
{
	for (unsigned k = 0; k < d->nmarks; k++)
		evlog_sink_count_lost(d->sink);
	drain_lost(d, d->lines - d->nmarks);
	d->nmarks = 0;
}

static void drain_rotate(struct evlog_drain *d, size_t next);
static int64_t drain_log_size(struct evlog_drain *d);

/* How many bytes of the pending lines (whole lines) still fit in the log
 * before it reaches its --log-max-size; all of them when it has none, or
 * when the log is empty (a line longer than the limit goes in alone). */
static size_t drain_fits(struct evlog_drain *d, unsigned *lines)
{
	int64_t size;
	size_t room, n = 0;

	*lines = d->lines;
	if (!d->max_size || (size = drain_log_size(d)) < 0 ||
	    (uint64_t)size + d->used <= d->max_size)
		return d->used;
	room = (uint64_t)size >= d->max_size ? 0 : (size_t)(d->max_size - (uint64_t)size);
	*lines = 0;
	for (const char *p = d->buf, *nl;
	     (nl = memchr(p, '\n', d->used - (size_t)(p - d->buf))); p = nl + 1) {
		/* An empty file takes its first line, however long. */
		if ((size_t)(nl + 1 - d->buf) > room && (size || *lines))
			break;
		n = (size_t)(nl + 1 - d->buf);
		(*lines)++;
	}
	return n;
}

/* Write the ring's lines taken so far, with one write(2), and count those
 * that did not go out whole as the shims' losses.  Every line is lost while
 * the log is gone.  With --log-max-size the lines that would take the log
 * past it wait for a rotation, so that a file ends at a line and no later
 * than its size (unless one line is longer). */
static void drain_flush(struct evlog_drain *d, bool usable)
{
	unsigned lines, rounds = 0;
	size_t n;

	while (d->lines) {
		if (!usable || d->removed) {
			drain_lose_all(d);
			break;
		}
		n = drain_fits(d, &lines);
		if (n) {
			rounds = 0;
			drain_write_buf(d, n, lines);
			memmove(d->buf, d->buf + n, d->used - n);
			d->used -= n;
			d->lines -= lines;
		}
		if (!d->lines)
			break;
		/* Full: a new file for the rest.  (Bounded: other writers of
		 * the run may fill each new file before we write a line.) */
		drain_rotate(d, d->used);
		if (d->rotate_err || ++rounds > 8) {
			/* Cannot: the rest goes on into this file. */
			drain_write_buf(d, d->used, d->lines);
			break;
		}
	}
	d->nmarks = 0;
	d->used = 0;
	d->lines = 0;
	drain_inflight(d);
}

/* The supervisor's line of the record at the queue's tail, if there is one
 * made no later than BEFORE (NULL: any) and room for it: at the end of the
 * pending buffer, with room for its seal (drain_seal_marks).  True when a
 * record was taken. */
static bool drain_queue_one(struct evlog_drain *d, const struct timespec *before)
{
	struct evlog_drain_queue *q = d->queue;
	uint64_t tail, head;
	struct drain_qrec r;
	struct event e;
	size_t at, n;
	bool ok;

	if (!q || drain_full(d, EVENT_LINE_MAX))
		return false;
	tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	/* The supervisor's head read again only once we caught up with what
	 * we saw of it: each read takes its cache line from the supervisor's
	 * CPU. */
	head = d->q_head;
	if ((int64_t)(head - tail) <= 0)
		head = d->q_head = atomic_load_explicit(&q->head, memory_order_acquire);
	if (tail == head)
		return false;
	at = (size_t)(tail % DRAIN_QUEUE_BYTES);
	memcpy(&r, q->data + at, sizeof(r));
	if (r.len == DRAIN_QREC_PAD) {
		tail += DRAIN_QUEUE_BYTES - at;
		atomic_store_explicit(&q->tail, tail, memory_order_release);
		if (tail == head)
			return false;
		at = 0;
		memcpy(&r, q->data, sizeof(r));
	}
	if (before && r.ts_ns > drain_ns(before))
		return false;
	/* Only the supervisor writes the queue; bounded all the same. */
	if (r.len > EVENT_PACKED_MAX || at + sizeof(r) + r.len > DRAIN_QUEUE_BYTES) {
		drain_lost(d, 1);
		atomic_store_explicit(&q->tail, head, memory_order_release);
		return false;
	}
	ok = event_unpack(q->data + at + sizeof(r), r.len, &e, d->qunpacked);
	/* Taken: should we die before its write, it is one of the inflight
	 * lines the standby counts lost. */
	atomic_store_explicit(&q->tail, tail + DRAIN_QALIGN(sizeof(r) + r.len),
			      memory_order_release);
	if (!ok) {
		evlog_sink_count_lost(d->sink);
		return true;
	}
	n = event_format(d->buf + d->used, EVENT_LINE_MAX, &e);
	d->marks[d->nmarks].off = d->used;
	d->marks[d->nmarks].prefix = 0;
	if (d->seal) {
		/* Room for its seal before the closing brace, filled in at the
		 * write; a line too long to seal is not written (as
		 * seal_line()). */
		char *line = d->buf + d->used;

		if (n < 2 || line[n - 1] != '\n' || line[n - 2] != '}' ||
		    n + SEAL_SUFFIX_LEN > EVENT_LINE_MAX) {
			evlog_sink_count_lost(d->sink);
			return true;
		}
		d->marks[d->nmarks].prefix = n - 2;
		memcpy(line + n - 2 + SEAL_SUFFIX_LEN, "}\n", 2);
		memcpy(line + n - 2, SEAL_KEY_TEXT, sizeof(SEAL_KEY_TEXT) - 1);
		line[n - 2 + SEAL_SUFFIX_LEN - 1] = '"';
		n += SEAL_SUFFIX_LEN;
	}
	d->nmarks++;
	d->used += n;
	d->lines++;
	drain_inflight(d);
	return true;
}

/* One record of the ring: its line at the end of the pending buffer, unless
 * there is no room left for a line (then it stays in the ring).  A record
 * that is no packed event (a program that wrote into the ring's memory) is
 * counted, not written. */
static bool drain_one(void *arg, const void *rec, size_t len)
{
	struct evlog_drain *d = arg;
	struct event e;
	size_t n;

	if (drain_full(d, EVENT_LINE_MAX))
		return false;
	if (!event_unpack(rec, len, &e, d->unpacked)) {
		drain_lost(d, 1);
		return true;
	}
	/* Made after the call whose line we are about to write: after it. */
	if (d->until && (e.ts.tv_sec > d->until->tv_sec ||
			 (e.ts.tv_sec == d->until->tv_sec && e.ts.tv_nsec > d->until->tv_nsec)))
		return false;
	/* The supervisor's lines of calls made before it: first. */
	while (drain_queue_one(d, &e.ts))
		;
	if (drain_full(d, EVENT_LINE_MAX))
		return false;
	n = event_format(d->buf + d->used, EVENT_LINE_MAX, &e);
	d->used += n;
	d->lines++;
	drain_inflight(d);
	return true;
}

/* Everything committed at the ring's tail into the pending buffer, writing
 * it whenever it fills.  Under the lock.  Returns whether a writer is at
 * work on the tail's cell. */
static bool drain_take(struct evlog_drain *d, bool usable)
{
	uint64_t dead;

	if (!d->ring)
		return false;
	for (;;) {
		unsigned taken = evlog_ring_take(d->ring, d->scratch, drain_one, d, &dead);

		drain_lost(d, dead);
		/* The tail caught up, or waits for a writer, or for the call in
		 * hand: the supervisor's lines left are all older than that. */
		if (!drain_full(d, EVENT_LINE_MAX))
			while (drain_queue_one(d, NULL))
				taken++;
		if (!drain_full(d, EVENT_LINE_MAX))
			break;
		drain_flush(d, usable);
		if (!taken)
			break;
	}
	return evlog_ring_busy(d->ring);
}

/* A round of the thread: the log checked, the ring taken, all written. */
static bool drain_round(struct evlog_drain *d, bool check)
{
	bool usable = !check || drain_log_usable(d);
	bool busy = drain_take(d, usable);

	drain_flush(d, usable);
	return busy;
}

/* Rename the log's rotated files one up, the oldest (LOG.KEEP) replaced,
 * then the log itself to LOG.1.  0 or -errno. */
static int drain_shift(struct evlog_drain *d)
{
	const char *log = evlog_sink_spec(d->sink);
	size_t len = strlen(log) + 12;
	char from[len], to[len];

	for (unsigned i = d->keep; i > 1; i--) {
		snprintf(from, len, "%s.%u", log, i - 1);
		snprintf(to, len, "%s.%u", log, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	snprintf(to, len, "%s.1", log);
	return rename(log, to) < 0 ? -errno : 0;
}

/* The size of the log file (our descriptor's), or -1. */
static int64_t drain_log_size(struct evlog_drain *d)
{
	struct evlog_sink_id id;
	struct stat st;

	if (evlog_sink_identity(d->sink, &id) < 0 || stat(evlog_sink_spec(d->sink), &st) < 0 ||
	    st.st_ino != id.ino || st.st_dev != id.dev || !S_ISREG(st.st_mode))
		return -1;
	return st.st_size;
}

/* Keep the file we rotate away from, and where its chain ends, for its
 * seal record at the end of the run.  Only a file that holds sealed lines
 * of this run needs one; the oldest kept file is let go past
 * EVLOG_DRAIN_SEGMENTS (its lines then stay unverifiable, as report says). */
static void drain_keep_segment(struct evlog_drain *d)
{
	struct evlog_drain_segment *g;
	char path[32];
	int fd;

	if (d->seal->lines == d->seal_from || evlog_sink_fd(d->sink) < 0)
		return;
	/* Our descriptor is the sink's; a new one of the same file. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", evlog_sink_fd(d->sink));
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return;
	if (d->nseg == EVLOG_DRAIN_SEGMENTS) {
		close(d->seg[0].fd);
		memmove(d->seg, d->seg + 1, sizeof(d->seg[0]) * (EVLOG_DRAIN_SEGMENTS - 1));
		d->nseg--;
	}
	g = &d->seg[d->nseg++];
	g->fd = fd;
	memcpy(g->last, d->seal->last, SEAL_LEN);
	g->lines = d->seal->lines - d->seal_from;
}

void evlog_drain_close_segments(struct evlog_drain *d, const struct event_seal *rec)
{
	char line[EVENT_LINE_MAX];

	pthread_mutex_lock(&d->mu);
	for (unsigned i = 0; i < d->nseg; i++) {
		struct evlog_drain_segment *g = &d->seg[i];
		struct event_seal r = *rec;
		struct seal_chain c;
		size_t len;

		r.sealed = g->lines;
		memcpy(c.key, rec->key, SEAL_KEY_LEN);
		memcpy(c.last, g->last, SEAL_LEN);
		c.lines = g->lines;
		len = event_format_seal(line, sizeof(line), &r);
		len = len ? seal_line(&c, line, len, sizeof(line)) : 0;
		if (len && write(g->fd, line, len) != (ssize_t)len) {
			/* That file's lines stay unverifiable: no failure. */
		}
		close(g->fd);
		explicit_bzero(&c, sizeof(c));
	}
	d->nseg = 0;
	pthread_mutex_unlock(&d->mu);
}

/* Is the log due for rotation: asked to, or past its size, or to pass it
 * with the NEXT bytes?  Then rotate it (drain.h).  Under the lock, between two lines (the supervisor's are
 * sealed under it too: evlog_drain_write_sealed). */
static void drain_rotate(struct evlog_drain *d, size_t next)
{
	bool asked;
	int64_t size;
	int rc;

	if (evlog_sink_spec(d->sink)[0] != '/')
		return;
	asked = atomic_exchange(&d->reopen, false);
	if (!asked) {
		/* An empty file takes what comes, however long. */
		if (!d->max_size || (size = drain_log_size(d)) <= 0 ||
		    ((uint64_t)size < d->max_size && (uint64_t)size + next <= d->max_size))
			return;
		rc = drain_shift(d);
		if (rc < 0)
			goto fail;
	}
	if (d->seal)
		drain_keep_segment(d);
	rc = evlog_sink_rotated(d->sink);
	if (rc < 0) {
		/* Still the same file: its chain goes on, nothing to close. */
		if (d->seal && d->nseg && d->seg[d->nseg - 1].lines ==
		    d->seal->lines - d->seal_from)
			close(d->seg[--d->nseg].fd);
		goto fail;
	}
	/* The new file's seals verify from its own first line (seal.h: a
	 * file's chain starts from zeros). */
	if (d->seal) {
		memset(d->seal->last, 0, sizeof(d->seal->last));
		d->seal_from = d->seal->lines;
	}
	d->rotate_err = 0;
	return;
fail:
	/* Said once per cause; the log goes on in the file it is. */
	if (d->rotate_err != -rc)
		fprintf(stderr, "sockaudit run: cannot rotate the log %s: %s; events "
			"go on to the file as it is\n", evlog_sink_spec(d->sink),
			strerror(-rc));
	d->rotate_err = -rc;
}

static _Atomic uint64_t *drain_hold_word(struct evlog_drain *d)
{
	return d->queue ? &d->queue->hold : &d->hold_word;
}

/* How far the thread may take the ring's lines now: up to the time of the
 * supervisor's call in hand, or up to now (read before the hold, so that a
 * call received after the look came later than that). */
static const struct timespec *drain_until(struct evlog_drain *d, struct timespec *until)
{
	_Atomic uint64_t *w = drain_hold_word(d);
	uint64_t h;
	int spins = 0;

	clock_gettime(CLOCK_REALTIME, until);
	while ((h = atomic_load(w)) == DRAIN_HOLD_SETTING && ++spins < 1000)
		;
	if (h == DRAIN_HOLD_SETTING) {
		/* The supervisor is between the two stores of its hold: take
		 * nothing of the ring this round. */
		until->tv_sec = 0;
		until->tv_nsec = 0;
	} else if (h) {
		until->tv_sec = (time_t)(h / 1000000000);
		until->tv_nsec = (long)(h % 1000000000);
	}
	return until;
}

/* Is the queue a quarter full (then the thread goes on without sleeping)? */
static bool drain_queue_filling(struct evlog_drain *d)
{
	struct evlog_drain_queue *q = d->queue;

	return q && atomic_load(&q->head) - atomic_load(&q->tail) >= DRAIN_QUEUE_BYTES / 4;
}

static void *drain_main(void *arg)
{
	struct evlog_drain *d = arg;

	/* The tree's writers never wait for this thread: when it falls
	 * behind, the ring fills and events are lost.  On a busy machine the
	 * scheduler would share the CPUs evenly between it and every writer
	 * of the tree, so it asks for a larger share (where privilege allows:
	 * otherwise it keeps the launcher's). */
	setpriority(PRIO_PROCESS, (id_t)gettid(), DRAIN_NICE);
	while (!atomic_load(&d->stop)) {
		bool busy;

		struct timespec until;

		pthread_mutex_lock(&d->mu);
		/* While the supervisor handles a call, the ring's lines of
		 * calls made after it wait for its line. */
		d->until = drain_until(d, &until);
		busy = drain_round(d, true);
		d->until = NULL;
		drain_rotate(d, 0);
		pthread_mutex_unlock(&d->mu);
		if (busy) {
			struct timespec ts = { 0, DRAIN_BUSY_MS * 1000000L };

			nanosleep(&ts, NULL);
		} else if (!drain_queue_filling(d)) {
			evlog_ring_wait(d->ring, DRAIN_IDLE_MS);
		}
	}
	return NULL;
}

static int drain_thread(struct evlog_drain *d)
{
	sigset_t all, old;
	int err;

	if (!d->ring)
		return 0;
	atomic_store(&d->stop, false);
	/* Every signal blocked in the thread: the launcher's signals (SIGCHLD
	 * for the supervisor's signalfd, the ones it forwards) stay its main
	 * thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&d->thread, NULL, drain_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	d->running = true;
	return 0;
}

int evlog_drain_start(struct evlog_drain *d, struct evlog_sink *sink, struct evlog_ring *ring,
		      struct evlog_sink_tally *tally)
{
	d->sink = sink;
	d->pid = getpid();
	d->ring = ring && ring->h ? ring : NULL;
	d->tally = tally;
	d->running = false;
	d->removed = 0;
	d->max_size = 0;
	d->keep = 1;
	d->seal = NULL;
	d->seal_from = 0;
	d->nseg = 0;
	d->rotate_err = 0;
	atomic_init(&d->reopen, false);
	atomic_init(&d->stop, false);
	pthread_mutex_init(&d->mu, NULL);
	d->buf = NULL;
	d->queue = NULL;
	d->q_tail = d->q_head = 0;
	d->qunpacked = NULL;
	d->marks = NULL;
	d->nmarks = 0;
	atomic_init(&d->hold_word, 0);
	if (!d->ring)
		return 0;
	d->used = 0;
	d->lines = 0;
	d->until = NULL;
	d->buf = malloc(EVLOG_DRAIN_BUF);
	d->scratch = malloc(EVLOG_RING_LINE_MAX);
	/* Zeroed: no ident nor memo yet (struct event_unpacked). */
	d->unpacked = calloc(1, sizeof(*d->unpacked));
	d->qunpacked = calloc(1, sizeof(*d->qunpacked));
	d->marks = malloc(sizeof(*d->marks) * DRAIN_MARKS);
	if (!d->buf || !d->scratch || !d->unpacked || !d->qunpacked || !d->marks)
		return -ENOMEM;
	return drain_thread(d);
}

/* The line of evlog_drain_write and evlog_drain_write_sealed, under the
 * lock: CAP > 0 to seal it first (then LINE is writable). */
static bool drain_write_locked(struct evlog_drain *d, char *line, size_t len, size_t cap,
			       bool record, const struct timespec *at)
{
	struct seal_chain saved;
	bool ok, sealed = false;

	/* The ring's lines of calls made up to AT first: this line after
	 * them, before those made later. */
	d->until = at;
	/* Now, after the ring's lines of calls made up to AT (the log looked
	 * at again first if the thread found it gone).  Not left in the buffer
	 * for the thread to write with the next round: processes that write
	 * the log themselves, such as sshd's re-executed child whose
	 * closefrom() took the ring's descriptor, would then get their lines
	 * in before ours of earlier calls. */
	drain_round(d, d->removed != 0);
	d->until = NULL;
	if (d->removed) {
		if (!record)
			evlog_sink_count_lost(d->sink);
		return false;
	}
	/* A log past its size gets a new file first; the line is sealed in
	 * the chain of the file it goes to. */
	drain_rotate(d, len + (cap && d->seal ? SEAL_SUFFIX_LEN : 0));
	if (cap && d->seal) {
		saved = *d->seal;
		len = seal_line(d->seal, line, len, cap);
		sealed = len != 0;
		if (!sealed)
			return false;
	}
	ok = record ? evlog_sink_write_record(d->sink, line, len) :
		      evlog_sink_write(d->sink, line, len, d->pid);
	if (!ok && sealed)
		*d->seal = saved;
	return ok;
}

bool evlog_drain_write(struct evlog_drain *d, const char *line, size_t len, bool record,
		       const struct timespec *at)
{
	bool ok;

	pthread_mutex_lock(&d->mu);
	ok = drain_write_locked(d, (char *)line, len, 0, record, at);
	pthread_mutex_unlock(&d->mu);
	return ok;
}

bool evlog_drain_write_sealed(struct evlog_drain *d, char *line, size_t len, size_t cap,
			      bool record, const struct timespec *at)
{
	bool ok;

	pthread_mutex_lock(&d->mu);
	ok = drain_write_locked(d, line, len, cap, record, at);
	pthread_mutex_unlock(&d->mu);
	return ok;
}

void evlog_drain_rotate_at(struct evlog_drain *d, uint64_t max_size, unsigned keep)
{
	pthread_mutex_lock(&d->mu);
	d->max_size = max_size;
	d->keep = keep ? keep : 1;
	pthread_mutex_unlock(&d->mu);
}

void evlog_drain_reopen(struct evlog_drain *d)
{
	atomic_store(&d->reopen, true);
	if (d->ring)
		evlog_ring_wake(d->ring);
}

void evlog_drain_seal(struct evlog_drain *d, struct seal_chain *chain)
{
	pthread_mutex_lock(&d->mu);
	d->seal = chain;
	d->seal_from = chain ? chain->lines : 0;
	pthread_mutex_unlock(&d->mu);
}

void evlog_drain_hold(struct evlog_drain *d, bool on, struct timespec *when)
{
	_Atomic uint64_t *w = drain_hold_word(d);

	if (!d->running) {
		if (on)
			clock_gettime(CLOCK_REALTIME, when);
		return;
	}
	if (!on) {
		atomic_store_explicit(w, 0, memory_order_release);
		return;
	}
	/* "Being set" first, then the time: a thread that finds no hold took
	 * its own time before we took ours (drain_until). */
	atomic_store(w, DRAIN_HOLD_SETTING);
	clock_gettime(CLOCK_REALTIME, when);
	atomic_store(w, (uint64_t)drain_ns(when));
}

int evlog_drain_queue(struct evlog_drain *d)
{
	struct evlog_drain_queue *q;

	if (d->queue)
		return 0;
	if (!d->running)
		return -ENOTSUP;
	/* Anonymous and shared: the standby forked after this maps it, the
	 * tree never does (its processes are forked from the first one, which
	 * was forked before). */
	q = mmap(NULL, sizeof(*q), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (q == MAP_FAILED)
		return -errno;
	pthread_mutex_lock(&d->mu);
	d->queue = q;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

bool evlog_drain_put(struct evlog_drain *d, const struct event *e)
{
	struct evlog_drain_queue *q = d->queue;
	struct event_packing pk;
	struct drain_qrec r = { .ts_ns = drain_ns(&e->ts) };
	uint64_t head, tail;
	size_t at, need, pad = 0;

	if (!q || !d->running)
		return false;
	r.len = (uint32_t)event_pack_measure(e, &pk);
	need = DRAIN_QALIGN(sizeof(r) + r.len);
	head = atomic_load_explicit(&q->head, memory_order_relaxed);
	at = (size_t)(head % DRAIN_QUEUE_BYTES);
	if (at + need > DRAIN_QUEUE_BYTES)
		pad = DRAIN_QUEUE_BYTES - at;
	/* The drain's tail as last seen, read again only when that looks a
	 * quarter full (it only grows: an old one errs on the full side). */
	tail = d->q_tail;
	if (head + pad + need - tail >= DRAIN_QUEUE_BYTES / 4)
		tail = d->q_tail = atomic_load_explicit(&q->tail, memory_order_acquire);
	if (head + pad + need - tail > DRAIN_QUEUE_BYTES)
		return false;
	if (pad) {
		struct drain_qrec p = { .len = DRAIN_QREC_PAD };

		memcpy(q->data + at, &p, sizeof(p));
		at = 0;
	}
	event_pack_into(q->data + at + sizeof(r), e, &pk);
	memcpy(q->data + at, &r, sizeof(r));
	atomic_store_explicit(&q->head, head + pad + need, memory_order_release);
	/* The next record's cache lines, for writing, while we wait for the
	 * next call: the drain's CPU read them last. */
	for (size_t off = 0; off < 256; off += 64)
		__builtin_prefetch(q->data + (at + need + off) % DRAIN_QUEUE_BYTES, 1, 3);
	/* The thread sleeps up to DRAIN_IDLE_MS: wake it while the queue is
	 * a quarter full, by the tail as it is now, not as it was when the
	 * queue was last that full (the thread may have emptied it since, and
	 * slept again).  Then the queue never fills for want of a wake-up:
	 * a full queue would leave the line to us, before the answer. */
	if (head + pad + need - tail >= DRAIN_QUEUE_BYTES / 4)
		evlog_ring_rouse(d->ring);
	return true;
}

void evlog_drain_sync(struct evlog_drain *d)
{
	pthread_mutex_lock(&d->mu);
	drain_round(d, d->removed != 0);
	pthread_mutex_unlock(&d->mu);
}

void evlog_drain_stop(struct evlog_drain *d)
{
	struct timespec ts = { 0, DRAIN_BUSY_MS * 1000000L };

	if (d->running) {
		atomic_store(&d->stop, true);
		evlog_ring_wake(d->ring);
		pthread_join(d->thread, NULL);
		d->running = false;
	}
	if (!d->ring)
		return;
	/* The last round: writers still at work get a moment to commit (a
	 * gone one is skipped). */
	for (int waited = 0;; waited += DRAIN_BUSY_MS) {
		bool busy;

		pthread_mutex_lock(&d->mu);
		busy = drain_round(d, true);
		pthread_mutex_unlock(&d->mu);
		if (!busy || waited >= DRAIN_STOP_WAIT_MS)
			break;
		nanosleep(&ts, NULL);
	}
}

void evlog_drain_free(struct evlog_drain *d)
{
	free(d->buf);
	free(d->scratch);
	free(d->unpacked);
	free(d->qunpacked);
	free(d->marks);
	d->buf = d->scratch = NULL;
	d->unpacked = d->qunpacked = NULL;
	d->marks = NULL;
	if (d->queue)
		munmap(d->queue, sizeof(*d->queue));
	d->queue = NULL;
	d->ring = NULL;
}

void evlog_drain_release(struct evlog_drain *d)
{
	evlog_drain_stop(d);
	d->ring = NULL;
}

void evlog_drain_adopt(struct evlog_drain *d)
{
	/* The lock may have been held by the thread that did not come along. */
	pthread_mutex_init(&d->mu, NULL);
	d->pid = getpid();
	/* What was pending when we were forked was the launcher's to write. */
	d->used = 0;
	d->lines = 0;
	d->nmarks = 0;
	d->running = false;
	d->q_tail = d->q_head = 0;	/* ours were the launcher's view */
	if (d->queue) {
		/* The queue goes on from where the dead drain left it; what it
		 * had taken and not written is lost, and so is the line of a
		 * call its supervisor had in hand (answered or not). */
		drain_lost(d, atomic_exchange(&d->queue->inflight, 0));
		if (atomic_exchange(&d->queue->hold, 0))
			drain_lost(d, 1);
	}
	if (!d->ring)
		return;
	evlog_ring_set_drainer(d->ring, getpid());
	drain_thread(d);
}
