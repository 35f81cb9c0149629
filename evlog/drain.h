/* SPDX-License-Identifier: MIT */
/* drain.h - the launcher's side of the log: one writer of the run's log file.
 *
 * `sockaudit run` writes every line of the run through one drain: the events
 * the processes of the tree put into the ring (ring.h) as packed records,
 * which a thread of the launcher takes out, formats and writes in large
 * writes, and the launcher's own (the
 * notify supervisor's events, the seal and loss records).  A line of its own
 * is written after every line the ring held when it came, under the drain's
 * lock, so that the preload and notify layers' lines are in the log in the
 * order their calls were logged.
 *
 * The drain also keeps the log where it belongs: at each round it checks
 * that the file is still in its directory, and when it was removed opens the
 * path again (a new file), or, when its directory is gone too, says so once
 * on stderr and counts every line lost until it is back.
 *
 * The drain's thread holds no lock while it sleeps; the launcher may fork a
 * standby while it runs, which calls evlog_drain_adopt() to drain in its
 * turn.
 */
#ifndef SOCKAUDIT_EVLOG_DRAIN_H
#define SOCKAUDIT_EVLOG_DRAIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "event.h"
#include "ring.h"
#include "sink.h"

#define EVLOG_DRAIN_BUF (256 * 1024)	/* the lines of one write at most */


struct evlog_drain {
	struct evlog_sink *sink;
	struct evlog_ring *ring;	/* NULL: no ring, own lines only */
	struct evlog_sink_tally *tally;	/* where the ring's losses are counted */
	pid_t pid;			/* the process draining (no getpid a line) */
	pthread_mutex_t mu;
	pthread_t thread;
	bool running;
	_Atomic bool stop;
	int removed;			/* 0: the log is fine; else the errno said */
	char *buf;			/* EVLOG_DRAIN_BUF bytes: the ring's lines taken */
	size_t used;
	unsigned lines;
	char *scratch;			/* one record, out of the ring */
	struct event_unpacked *unpacked;
	const struct timespec *until;	/* drain_one(): take nothing made after */
	bool holding;			/* evlog_drain_hold(): a call in hand */
	struct timespec hold;		/* ... received then */
};

/* Drain RING (NULL: none) into SINK, counting the ring's losses in TALLY.
 * Starts the thread when there is a ring.  Returns 0 or -errno. */
int evlog_drain_start(struct evlog_drain *d, struct evlog_sink *sink, struct evlog_ring *ring,
		      struct evlog_sink_tally *tally);

/* Write one line of the launcher's own, after the ring's lines of calls
 * made up to AT (the line's own call time; NULL: all so far) and before
 * those made later: the supervisor logs a call after it answered it, when
 * the program may have gone on to log more through the ring.
 * RECORD: a record that is no event (seal, loss): its failure counts no
 * lost event.  Written now: true when it was written whole. */
bool evlog_drain_write(struct evlog_drain *d, const char *line, size_t len, bool record,
		       const struct timespec *at);

/* The supervisor has received a call (ON) whose line it will write after
 * answering it, or is done with it (!ON): meanwhile the thread writes no
 * line of the ring's made after the call came. */
void evlog_drain_hold(struct evlog_drain *d, bool on);

/* Stop the thread after a last round that takes everything committed. */
void evlog_drain_stop(struct evlog_drain *d);

/* Stop, and never take from the ring again (another process drains it from
 * now on: the standby that the launcher hands the rest of the tree to). */
void evlog_drain_release(struct evlog_drain *d);

/* In a process forked from the launcher (the standby): make the drain ours
 * (the thread did not come along), and start draining. */
void evlog_drain_adopt(struct evlog_drain *d);

#endif
