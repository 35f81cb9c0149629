/* SPDX-License-Identifier: MIT */
/* ring.h - the run's event ring: the processes of a `sockaudit run` tree put
 * their events into one shared-memory ring, and the launcher writes them to
 * the log (drain.h), so that an event costs the program no system call.  A
 * record is any bytes (the shim's are packed events, event.h); the ring
 * neither knows nor checks what they mean.
 *
 * `sockaudit run` creates the ring in the memfd of its tally (sink.h): the
 * tally's page first, then the ring's header and its cells.  Every process
 * image of the tree maps it at init through the inherited descriptor.
 *
 * A line takes as many cells (128 bytes) as it needs.  The first cell's
 * state word says, for the lap of the ring it is in, whether the record is
 * free, claimed by a writer (whose thread id it names) or committed, and
 * how many cells it holds:
 *   writer   claim: compare-and-swap the cell at the head from free to
 *            claimed, then move the head on (any writer may help it on);
 *            copy the line in; commit: one release store.
 *   drainer  take the cells from the tail in order while they are committed,
 *            copy their lines out, free them for the next lap.
 * A writer never waits: a cell still holding the previous lap's line means
 * the ring is full, and the event is lost (the caller counts it).  The
 * drainer never waits for a writer that is gone: a cell claimed by a thread
 * that no longer exists (killed between its claim and its commit) is skipped
 * and counted.  Claims and commits are plain atomics on shared memory: no
 * lock, async-signal-safe, safe in forked and vforked children.
 *
 * The ring names threads by their ids in the launcher's pid namespace; a
 * process in another pid namespace does not use it (evlog_ring_map refuses),
 * and logs to the file itself.
 *
 * The ring's memory is writable by every process of the tree.  The drainer
 * trusts none of it: its own copy of the geometry, every length bounded, a
 * line without its newline given one, a spin on a hostile head bounded.
 */
#ifndef SOCKAUDIT_EVLOG_RING_H
#define SOCKAUDIT_EVLOG_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sink.h"

#define EVLOG_RING_LINE_MAX 4096	/* a record: EVENT_PACKED_MAX, a line */
#define EVLOG_RING_CELLS 65536		/* of 128 bytes: 8 MiB, some 30,000
					   packed events in flight (most
					   take two cells) */

struct evlog_ring_head;
struct evlog_ring_cell;

/* A process's handle on a mapped ring (its storage is the caller's). */
struct evlog_ring {
	struct evlog_ring_head *h;	/* NULL: not mapped */
	unsigned char *cells;
	uint32_t n, shift;		/* our own copy of the geometry */
	size_t map_len;
	/* Writers: the tail as this process last read it.  It only grows, so
	 * an old one errs on the full side, and it is read again only when
	 * it says full: while the drainer takes records, the tail's cache
	 * line would otherwise come from its CPU at every claim. */
	_Atomic uint64_t tail_seen;
};

/* For `sockaudit run`: a new memfd holding a tally (*T) and a ring (R) for
 * the log LOG_SPEC, inheritable at the tally's slot.  Returns the
 * descriptor, its identity in *ID, or -errno. */
int evlog_ring_create(struct evlog_ring *r, struct evlog_sink_tally **t,
		      struct evlog_sink_id *id, const char *log_spec);

/* In a process of the tree: map the ring in descriptor FD, if FD is the memfd
 * ID, holds a ring for the log LOG_SPEC, and this process is in the
 * launcher's pid namespace.  Returns 0 or -errno (R then unmapped).  Not
 * async-signal-safe (init). */
int evlog_ring_map(struct evlog_ring *r, int fd, const struct evlog_sink_id *id,
		   const char *log_spec);

/* A reserved record: LEN bytes at DATA to fill, then commit. */
struct evlog_ring_slot {
	void *data;
	uint64_t pos;
	size_t len;
	unsigned cells;
	pid_t tid;
};

/* Reserve a record of LEN bytes (1 to EVLOG_RING_LINE_MAX) for thread TID,
 * then fill slot->data and commit it (wakes the drainer when the ring fills
 * up).  False when the ring is full (or lost races to other writers too
 * many times in a row). */
bool evlog_ring_reserve(struct evlog_ring *r, pid_t tid, size_t len, struct evlog_ring_slot *slot);
void evlog_ring_commit(struct evlog_ring *r, const struct evlog_ring_slot *slot);

/* Is the process that drains R still there?  (For a writer that found the
 * ring full: one system call.) */
bool evlog_ring_drained(const struct evlog_ring *r);

/* The drainer: hand each committed record at the tail, in order, to TAKE
 * (copied into SCRATCH, EVLOG_RING_LINE_MAX bytes, first: the ring's memory
 * is the writers'), and free its cells.  Stops at the first record not
 * committed (a writer still at work), or when TAKE returns false (no room:
 * that record stays for the next round).  *DEAD counts the records skipped
 * because their writer is gone.  Returns the records taken. */
typedef bool (*evlog_ring_take_fn)(void *arg, const void *rec, size_t len);

unsigned evlog_ring_take(struct evlog_ring *r, void *scratch, evlog_ring_take_fn take,
			 void *arg, uint64_t *dead);

/* The drainer: does the cell at the tail wait for a writer (claimed and not
 * committed)?  Then the drainer should look again soon. */
bool evlog_ring_busy(const struct evlog_ring *r);

/* The drainer: sleep until the ring fills up, or MS milliseconds.  Returns at
 * once when there is work already. */
void evlog_ring_wait(struct evlog_ring *r, int ms);

/* Wake the drainer if it sleeps in evlog_ring_wait: once per sleep,
 * whoever clears its word makes the one system call.  For the launcher's
 * own work that is not in the ring (the supervisor's queue, drain.h); the
 * ring's writers do it themselves once it is a quarter full. */
void evlog_ring_rouse(struct evlog_ring *r);

/* The drainer: wake a drainer sleeping in evlog_ring_wait (from another
 * thread of the launcher, to stop it). */
void evlog_ring_wake(struct evlog_ring *r);

/* The drainer: R is drained by this process from now on (a standby taking
 * over), or by nobody (PID 0). */
void evlog_ring_set_drainer(struct evlog_ring *r, pid_t pid);

#endif
