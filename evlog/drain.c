/* SPDX-License-Identifier: MIT */
/* drain.c - the launcher's writer of the run's log (drain.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drain.h"

/* How long the thread sleeps when the ring fills slowly: the latency of a
 * line in the log.  When a writer is at work on the cell at the tail, it
 * looks again sooner. */
#define DRAIN_IDLE_MS 20
#define DRAIN_BUSY_MS 1

/* A round's last-round patience for writers still at work on a cell. */
#define DRAIN_STOP_WAIT_MS 200

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
	return d->used + len > EVLOG_DRAIN_BUF;
}

/* Write the ring's lines taken so far, with one write(2), and count those
 * that did not go out whole as the shims' losses.  Every line is lost while
 * the log is gone. */
static void drain_flush(struct evlog_drain *d, bool usable)
{
	unsigned whole = 0;

	if (!d->lines)
		return;
	if (usable && !d->removed)
		whole = evlog_sink_write_lines(d->sink, d->buf, d->used, d->lines);
	drain_lost(d, d->lines - whole);
	d->used = 0;
	d->lines = 0;
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
	n = event_format(d->buf + d->used, EVENT_LINE_MAX, &e);
	d->used += n;
	d->lines++;
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
		if (!drain_full(d, EVENT_LINE_MAX))
			break;	/* the tail caught up, or waits for a writer */
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

static void *drain_main(void *arg)
{
	struct evlog_drain *d = arg;

	while (!atomic_load(&d->stop)) {
		bool busy;

		pthread_mutex_lock(&d->mu);
		/* While the supervisor handles a call, the ring's lines of
		 * calls made after it wait for its line. */
		d->until = d->holding ? &d->hold : NULL;
		busy = drain_round(d, true);
		d->until = NULL;
		pthread_mutex_unlock(&d->mu);
		if (busy) {
			struct timespec ts = { 0, DRAIN_BUSY_MS * 1000000L };

			nanosleep(&ts, NULL);
		} else {
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
	atomic_init(&d->stop, false);
	pthread_mutex_init(&d->mu, NULL);
	d->buf = NULL;
	if (!d->ring)
		return 0;
	d->used = 0;
	d->lines = 0;
	d->until = NULL;
	d->holding = false;
	d->buf = malloc(EVLOG_DRAIN_BUF);
	d->scratch = malloc(EVLOG_RING_LINE_MAX);
	d->unpacked = malloc(sizeof(*d->unpacked));
	if (!d->buf || !d->scratch || !d->unpacked)
		return -ENOMEM;
	return drain_thread(d);
}

bool evlog_drain_write(struct evlog_drain *d, const char *line, size_t len, bool record,
		       const struct timespec *at)
{
	bool ok = true;

	pthread_mutex_lock(&d->mu);
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
		ok = false;
		if (!record)
			evlog_sink_count_lost(d->sink);
	} else {
		ok = record ? evlog_sink_write_record(d->sink, line, len) :
			      evlog_sink_write(d->sink, line, len, d->pid);
	}
	pthread_mutex_unlock(&d->mu);
	return ok;
}

void evlog_drain_hold(struct evlog_drain *d, bool on)
{
	struct timespec now;

	if (!d->running)
		return;
	if (on)
		clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&d->mu);
	d->holding = on;
	if (on)
		d->hold = now;
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
	d->running = false;
	if (!d->ring)
		return;
	evlog_ring_set_drainer(d->ring, getpid());
	drain_thread(d);
}
