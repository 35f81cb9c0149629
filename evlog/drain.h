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
 * And it rotates the log: when asked to (SIGHUP to the launcher, after
 * logrotate renamed the file: evlog_drain_reopen), and when the file has
 * grown past a size (--log-max-size: evlog_drain_rotate_at), by renaming
 * LOG to LOG.1, LOG.1 to LOG.2 and so on up to LOG.KEEP (the oldest goes),
 * then opening LOG again, a new file.  The drain writes whole lines only,
 * so no line is split across two files; the processes of the run that
 * write the log themselves follow at their next line (the tally's
 * generation, sink.h).  The supervisor's lines are sealed (seal.h) under
 * the drain's lock, just before they are written (evlog_drain_write_sealed):
 * at a rotation the chain starts again in the new file, so that each file's
 * seals verify on their own.
 *
 * The supervisor's own events need not wait for their write either
 * (evlog_drain_put): it packs each into the drain's queue, memory shared
 * with its standby and with no process of the tree, and answers the next
 * call while the drain's thread, on the other CPU, formats, seals and
 * writes it with the ring's lines, in the order of their times.  The seals
 * are computed just before the write that carries them, so each is in the
 * chain of the file it goes to, and a write that fails gives back the seals
 * of the lines it lost.
 *
 * The drain's thread holds no lock while it sleeps; the launcher may fork a
 * standby while it runs, which calls evlog_drain_adopt() to drain in its
 * turn: the queue and the ring too, from where they were; what the dead
 * drain had taken and not written, and a call the dead supervisor had in
 * hand, are counted lost.
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
#include "seal.h"
#include "sink.h"

#define EVLOG_DRAIN_BUF (256 * 1024)	/* the lines of one write at most */
#define EVLOG_DRAIN_SEGMENTS 16		/* rotated files whose chain we close */

/* A file the drain rotated away from while the supervisor sealed its lines:
 * where its chain ended, so that the run's seal record can close it there
 * too (evlog_drain_close_segments). */
struct evlog_drain_segment {
	int fd;				/* the file, O_APPEND; -1: none */
	uint8_t last[SEAL_LEN];		/* the chain's last seal in it */
	uint64_t lines;			/* lines sealed in it */
};


struct evlog_drain_queue;

/* A supervisor's line in the drain's buffer (its losses are its own), to
 * be sealed just before its write (drain.c). */
struct evlog_drain_mark {
	size_t off;			/* where the line starts in buf */
	size_t prefix;			/* its sealed prefix's length; 0: unsealed */
	uint8_t after[SEAL_LEN];	/* the chain's seal once it is sealed */
};

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
	uint64_t max_size;		/* rotate past this many bytes; 0: never */
	unsigned keep;			/* LOG.1 .. LOG.KEEP */
	_Atomic bool reopen;		/* evlog_drain_reopen(): asked to */
	struct seal_chain *seal;	/* restarted in each new file; NULL: none */
	uint64_t seal_from;		/* seal->lines when this file began */
	struct evlog_drain_segment seg[EVLOG_DRAIN_SEGMENTS];	/* oldest first */
	unsigned nseg;
	int rotate_err;			/* the errno said last, 0: none */
	struct evlog_drain_queue *queue;	/* evlog_drain_queue(); NULL: none */
	uint64_t q_tail;		/* the queue's tail as the supervisor saw it */
	uint64_t q_head;		/* its head as the drain saw it */
	_Atomic uint64_t hold_word;	/* evlog_drain_hold() without a queue */
	struct event_unpacked *qunpacked;	/* one record, out of the queue */
	struct evlog_drain_mark *marks;	/* the buffer's supervisor lines, in order */
	unsigned nmarks;
};

/* Drain RING (NULL: none) into SINK, counting the ring's losses in TALLY.
 * Starts the thread when there is a ring.  Returns 0 or -errno. */
int evlog_drain_start(struct evlog_drain *d, struct evlog_sink *sink, struct evlog_ring *ring,
		      struct evlog_sink_tally *tally);

/* Rotate the log once it has MAX_SIZE bytes or more (0: never), keeping
 * KEEP (at least 1) rotated files.  After evlog_drain_start(). */
void evlog_drain_rotate_at(struct evlog_drain *d, uint64_t max_size, unsigned keep);

/* Open the log's path again soon (logrotate renamed it: SIGHUP), from any
 * thread or a signal handler (async-signal-safe).  Nothing for stderr. */
void evlog_drain_reopen(struct evlog_drain *d);

/* The supervisor's chain of seals (shared with its standby), which the
 * drain starts again from zeros in each new file it rotates to. */
void evlog_drain_seal(struct evlog_drain *d, struct seal_chain *chain);

/* Write one line of the launcher's own, after the ring's lines of calls
 * made up to AT (the line's own call time; NULL: all so far) and before
 * those made later: the supervisor logs a call after it answered it, when
 * the program may have gone on to log more through the ring.
 * RECORD: a record that is no event (seal, loss): its failure counts no
 * lost event.  Written now: true when it was written whole. */
bool evlog_drain_write(struct evlog_drain *d, const char *line, size_t len, bool record,
		       const struct timespec *at);

/* As evlog_drain_write(), for a line of the supervisor that is to be sealed
 * (seal.h; LINE has CAP bytes of room for its seal): sealed in the chain
 * (evlog_drain_seal) just before its write, under the drain's lock, so that
 * it is sealed in the chain of the file it goes to.  The chain advances
 * before the write, so that should we be killed in between, the standby
 * continues after the line we meant to write (then missing: the reader
 * reports the break), never before one that is in the log; a write that
 * fails gives the seal back, so a lost event breaks no chain.  Without a
 * chain, a line written as it is; one that cannot be sealed is not
 * written.  RECORD: the seal record (event.h), whose failure counts no
 * lost event. */
bool evlog_drain_write_sealed(struct evlog_drain *d, char *line, size_t len, size_t cap,
			      bool record, const struct timespec *at);

/* The tree is gone: end the chain of every file rotated away from during
 * the run (at most EVLOG_DRAIN_SEGMENTS, the latest) with its own seal
 * record, as REC (its key, time and pid; the count is the file's) closes
 * the current file's, so that each rotated file verifies on its own.
 * Written through the descriptor kept at the rotation: the file may have
 * been renamed again (LOG.2, logrotate's LOG.1) or removed since. */
void evlog_drain_close_segments(struct evlog_drain *d, const struct event_seal *rec);

/* The supervisor has received a call (ON) whose line it will write or put
 * after answering it, or is done with it (!ON): meanwhile the thread writes
 * no line of the ring's made after the call came.  ON: *WHEN is set to the
 * time the hold began (CLOCK_REALTIME), the call's time.  No lock, no
 * system call (the supervisor's hot path). */
void evlog_drain_hold(struct evlog_drain *d, bool on, struct timespec *when);

/* Make the supervisor's queue (see the top of this file): memory shared
 * with the processes forked from here on, so call it after the tree's first
 * process was forked (which becomes dumpable before its exec: it must not
 * hold the queue, whose lines get sealed) and before the standby is (which
 * drains it should we die).  Only while the drain's thread runs (a log
 * with a ring).  0, or -errno: then every line is written as it comes. */
int evlog_drain_queue(struct evlog_drain *d);

/* Put the supervisor's event E into the queue, for the thread to format,
 * seal (when the run seals) and write after the ring's lines of calls made
 * before E->ts, and before those made later.  No lock, no system call but
 * a rare wake-up of the thread when the queue fills.  False when there is
 * no queue or it is full: then the caller writes the line itself
 * (evlog_drain_write_sealed), which comes after everything queued. */
bool evlog_drain_put(struct evlog_drain *d, const struct event *e);

/* Write everything queued and taken from the ring so far, now (before a
 * record that counts the sealed lines). */
void evlog_drain_sync(struct evlog_drain *d);

/* Stop the thread after a last round that takes everything committed. */
void evlog_drain_stop(struct evlog_drain *d);

/* After the last line: the drain's memory back (it takes from no ring
 * after this). */
void evlog_drain_free(struct evlog_drain *d);

/* Stop, and never take from the ring again (another process drains it from
 * now on: the standby that the launcher hands the rest of the tree to). */
void evlog_drain_release(struct evlog_drain *d);

/* In a process forked from the launcher (the standby): make the drain ours
 * (the thread did not come along), and start draining. */
void evlog_drain_adopt(struct evlog_drain *d);

#endif
