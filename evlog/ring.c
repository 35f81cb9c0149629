/* SPDX-License-Identifier: MIT */
/* ring.c - the run's event ring (ring.h): claim, commit, take.
 *
 * The ring is SIZE cells of RING_CELL bytes.  A record takes K consecutive
 * cells (its header and line), never wrapping: the cells left at the end of
 * the ring before a record that does not fit go to a pad record.  Positions
 * count cells from the start of the run and only grow; a record's first
 * cell holds its state word:
 *   lap:32 | tid:22 | cells:8 | state:2
 * A position P is free once the drainer has taken every record before P -
 * SIZE (the tail is past it): then the cell of P holds (lap of P, 0, 0,
 * FREE), written by the drainer into every cell of each record it takes.
 * So a writer that finds the tail too far behind knows the ring is full
 * without anybody waiting on anybody.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdalign.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

#define RING_MAGIC UINT64_C(0x73616b72696e6732)	/* "sakring2" */

enum { RING_FREE = 0, RING_CLAIMED = 1, RING_COMMITTED = 2 };

/* How often a writer retries a claim that other writers keep winning, or a
 * head that a hostile process keeps moving: then the event is lost. */
#define RING_CLAIM_TRIES 256

struct evlog_ring_head {
	uint64_t magic;
	uint32_t cells, cell_size;
	uint64_t pidns_dev, pidns_ino;	/* the launcher's pid namespace */
	_Atomic pid_t drainer;		/* 0: nobody drains any more */
	char log[EVLOG_SINK_SPEC_MAX];	/* the run's log spec */
	alignas(64) _Atomic uint64_t head;	/* the next position to claim */
	alignas(64) _Atomic uint64_t tail;	/* the next position to take */
	/* Apart from the tail, which the drainer moves at every record:
	 * writers read this word at every commit. */
	alignas(64) _Atomic uint32_t sleeping;	/* futex word: 1 while the drainer sleeps */
};

/* A record's first cell; its line follows, over the cells after it. */
struct evlog_ring_cell {
	_Atomic uint64_t state;
	uint32_t len;
	uint32_t pad;
	char line[];
};

#define RING_CELL 128
#define RING_REC_MAX ((sizeof(struct evlog_ring_cell) + EVLOG_RING_LINE_MAX + RING_CELL - 1) / RING_CELL)
#define RING_HEAD_SIZE ((sizeof(struct evlog_ring_head) + 4095) & ~(size_t)4095)
#define RING_BYTES ((size_t)EVLOG_RING_CELLS * RING_CELL)

_Static_assert(RING_REC_MAX < 256, "a record's cells fit its state word");
_Static_assert((EVLOG_RING_CELLS & (EVLOG_RING_CELLS - 1)) == 0, "cells: a power of 2");

static inline uint64_t ring_state(uint64_t lap, pid_t tid, unsigned k, unsigned st)
{
	return lap << 32 | ((uint64_t)(uint32_t)tid & 0x3fffff) << 10 | (uint64_t)(k & 0xff) << 2 | st;
}

static inline unsigned ring_state_st(uint64_t s)
{
	return (unsigned)(s & 3);
}

static inline unsigned ring_state_k(uint64_t s)
{
	return (unsigned)(s >> 2 & 0xff);
}

static inline pid_t ring_state_tid(uint64_t s)
{
	return (pid_t)(s >> 10 & 0x3fffff);
}

static inline struct evlog_ring_cell *ring_cell(const struct evlog_ring *r, uint64_t pos)
{
	return (struct evlog_ring_cell *)(r->cells + (pos & (r->n - 1)) * RING_CELL);
}

/* The cells a record of LEN bytes of line takes. */
static inline unsigned ring_cells_for(size_t len)
{
	return (unsigned)((sizeof(struct evlog_ring_cell) + len + RING_CELL - 1) / RING_CELL);
}

static size_t ring_page(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 ? (size_t)page : 4096;
}

/* Our pid namespace, as its /proc inode: the ring names threads by id. */
static int ring_pidns(uint64_t *dev, uint64_t *ino)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) < 0)
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

static void ring_bind(struct evlog_ring *r, void *base, size_t len, size_t page)
{
	r->h = (struct evlog_ring_head *)((char *)base + page);
	r->cells = (unsigned char *)r->h + RING_HEAD_SIZE;
	r->n = EVLOG_RING_CELLS;
	r->shift = (uint32_t)__builtin_ctz(EVLOG_RING_CELLS);
	r->map_len = len;
	atomic_store_explicit(&r->tail_seen, 0, memory_order_relaxed);
}

int evlog_ring_create(struct evlog_ring *r, struct evlog_sink_tally **t,
		      struct evlog_sink_id *id, const char *log_spec)
{
	size_t page = ring_page(), ring = RING_HEAD_SIZE + RING_BYTES;
	size_t spec_len = strlen(log_spec);
	int fd, err;

	r->h = NULL;
	if (spec_len >= EVLOG_SINK_SPEC_MAX)
		return -ENAMETOOLONG;
	fd = evlog_sink_tally_create(t, id, ring);
	if (fd < 0)
		return fd;
	ring_bind(r, *t, page + ring, page);
	err = ring_pidns(&r->h->pidns_dev, &r->h->pidns_ino);
	if (err < 0) {
		/* No /proc: no process of the tree could check it either; the
		 * tally alone, each process writing the log itself. */
		r->h = NULL;
		return fd;
	}
	r->h->cells = EVLOG_RING_CELLS;
	r->h->cell_size = RING_CELL;
	memcpy(r->h->log, log_spec, spec_len + 1);
	atomic_store(&r->h->drainer, getpid());
	/* Every cell is free for lap 0: all zero, as the memfd is. */
	atomic_store_explicit(&r->h->magic, RING_MAGIC, memory_order_release);
	return fd;
}

int evlog_ring_map(struct evlog_ring *r, int fd, const struct evlog_sink_id *id,
		   const char *log_spec)
{
	size_t page = ring_page(), len = page + RING_HEAD_SIZE + RING_BYTES;
	uint64_t dev = 0, ino = 0;
	struct stat st;
	void *p;

	r->h = NULL;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != id->dev || st.st_ino != id->ino ||
	    !S_ISREG(st.st_mode) || (size_t)st.st_size != len)
		return -ENOENT;
	if (ring_pidns(&dev, &ino) < 0)
		return -ENOENT;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	ring_bind(r, p, len, page);
	if (atomic_load_explicit((_Atomic uint64_t *)&r->h->magic, memory_order_acquire) !=
		    RING_MAGIC ||
	    r->h->cells != EVLOG_RING_CELLS || r->h->cell_size != RING_CELL ||
	    r->h->pidns_dev != dev || r->h->pidns_ino != ino ||
	    strncmp(r->h->log, log_spec, sizeof(r->h->log))) {
		munmap(p, len);
		r->h = NULL;
		return -ESRCH;
	}
	return 0;
}

/* Claim K cells at the head for TID: 0, claimed at *AT, *GOT cells (fewer
 * than K: a pad up to the end of the ring, where K cells did not fit); -1,
 * the ring is full, or too many races lost in a row. */
static int ring_claim(struct evlog_ring *r, pid_t tid, unsigned k, uint64_t *at, unsigned *got)
{
	struct evlog_ring_head *h = r->h;
	uint64_t pos = atomic_load_explicit(&h->head, memory_order_relaxed);

	for (int i = 0; i < RING_CLAIM_TRIES; i++) {
		struct evlog_ring_cell *c = ring_cell(r, pos);
		unsigned room = r->n - (unsigned)(pos & (r->n - 1)), want = k <= room ? k : room;
		uint64_t lap = pos >> r->shift, s, expect;

		if (pos + want > atomic_load_explicit(&r->tail_seen, memory_order_acquire) + r->n) {
			uint64_t tail = atomic_load_explicit(&h->tail, memory_order_acquire);

			atomic_store_explicit(&r->tail_seen, tail, memory_order_release);
			if (pos + want > tail + r->n)
				return -1;
		}
		s = atomic_load_explicit(&c->state, memory_order_acquire);
		if (s == ring_state(lap, 0, 0, RING_FREE)) {
			if (!atomic_compare_exchange_strong_explicit(
				    &c->state, &s, ring_state(lap, tid, want, RING_CLAIMED),
				    memory_order_acquire, memory_order_relaxed))
				continue;	/* another writer won it: look again */
			expect = pos;
			atomic_compare_exchange_strong_explicit(&h->head, &expect, pos + want,
								memory_order_relaxed,
								memory_order_relaxed);
			*at = pos;
			*got = want;
			return 0;
		}
		if (s >> 32 == lap && ring_state_st(s) != RING_FREE && ring_state_k(s)) {
			/* A record of this lap whose writer has not moved the
			 * head past it yet: help it. */
			expect = pos;
			if (atomic_compare_exchange_strong_explicit(&h->head, &expect,
								    pos + ring_state_k(s),
								    memory_order_relaxed,
								    memory_order_relaxed))
				pos += ring_state_k(s);
			else
				pos = expect;
			continue;
		}
		pos = atomic_load_explicit(&h->head, memory_order_relaxed);
	}
	return -1;
}

/* Commit the record of K cells at POS, LEN bytes of line (0: a pad). */
static void ring_commit(struct evlog_ring *r, uint64_t pos, unsigned k, pid_t tid, size_t len)
{
	struct evlog_ring_cell *c = ring_cell(r, pos);

	c->len = (uint32_t)len;
	atomic_store_explicit(&c->state, ring_state(pos >> r->shift, tid, k, RING_COMMITTED),
			      memory_order_release);
}

static long ring_futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

void evlog_ring_rouse(struct evlog_ring *r)
{
	struct evlog_ring_head *h = r->h;

	if (atomic_load_explicit(&h->sleeping, memory_order_relaxed) &&
	    atomic_exchange(&h->sleeping, 0))
		ring_futex(&h->sleeping, FUTEX_WAKE, 1, NULL);
}

/* A quarter full up to HEAD: wake the drainer. */
static void ring_nudge(struct evlog_ring *r, uint64_t head)
{
	struct evlog_ring_head *h = r->h;

	if (__builtin_expect(atomic_load_explicit(&h->sleeping, memory_order_relaxed), 0) &&
	    head - atomic_load_explicit(&h->tail, memory_order_relaxed) >= r->n / 4)
		evlog_ring_rouse(r);
}

bool evlog_ring_reserve(struct evlog_ring *r, pid_t tid, size_t len, struct evlog_ring_slot *slot)
{
	unsigned k = ring_cells_for(len), got;
	uint64_t pos;

	if (len > EVLOG_RING_LINE_MAX || !len)
		return false;
	/* At most one pad (the end of the ring), then the record. */
	for (int i = 0; i < 2; i++) {
		if (ring_claim(r, tid, k, &pos, &got) < 0)
			return false;
		if (got == k) {
			slot->data = ring_cell(r, pos)->line;
			slot->pos = pos;
			slot->len = len;
			slot->cells = k;
			slot->tid = tid;
			return true;
		}
		ring_commit(r, pos, got, tid, 0);
	}
	return false;
}

void evlog_ring_commit(struct evlog_ring *r, const struct evlog_ring_slot *slot)
{
	ring_commit(r, slot->pos, slot->cells, slot->tid, slot->len);
	ring_nudge(r, slot->pos + slot->cells);
}

bool evlog_ring_drained(const struct evlog_ring *r)
{
	pid_t pid = atomic_load(&r->h->drainer);

	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

/* Is thread TID gone?  kill(2) finds a thread by its id too. */
static bool ring_writer_gone(uint64_t s)
{
	pid_t tid = ring_state_tid(s);

	return tid <= 0 || (kill(tid, 0) < 0 && errno == ESRCH);
}

unsigned evlog_ring_take(struct evlog_ring *r, void *scratch, evlog_ring_take_fn take,
			 void *arg, uint64_t *dead)
{
	struct evlog_ring_head *h = r->h;
	uint64_t pos = atomic_load_explicit(&h->tail, memory_order_relaxed);
	unsigned taken = 0;

	*dead = 0;
	for (;;) {
		struct evlog_ring_cell *c = ring_cell(r, pos);
		uint64_t lap = pos >> r->shift;
		uint64_t s = atomic_load_explicit(&c->state, memory_order_acquire);
		unsigned k = ring_state_k(s);

		if (s >> 32 != lap || ring_state_st(s) == RING_FREE)
			break;		/* nothing claimed here yet */
		/* The writer's count of cells, trusted no further than the
		 * ring's end and the longest record. */
		if (!k || k > RING_REC_MAX || (pos & (r->n - 1)) + k > r->n)
			k = 1;
		if (ring_state_st(s) == RING_CLAIMED) {
			if (!ring_writer_gone(s))
				break;	/* at work: the records after it wait */
			(*dead)++;
		} else {
			size_t len = c->len;

			if (len > (size_t)k * RING_CELL - sizeof(*c) || len > EVLOG_RING_LINE_MAX)
				len = 0;
			if (len) {
				/* Out of the shared memory first: a writer could
				 * change it while it is being read. */
				memcpy(scratch, c->line, len);
				if (!take(arg, scratch, len))
					break;	/* no room: it stays for the next round */
				taken++;
			}
		}
		/* Every cell of the record free for the next lap; then the
		 * tail, which is what writers look at. */
		for (unsigned i = k; i-- > 0;)
			atomic_store_explicit(&ring_cell(r, pos + i)->state,
					      ring_state(lap + 1, 0, 0, RING_FREE),
					      memory_order_relaxed);
		pos += k;
		atomic_store_explicit(&h->tail, pos, memory_order_release);
	}
	return taken;
}

bool evlog_ring_busy(const struct evlog_ring *r)
{
	uint64_t pos = atomic_load_explicit(&r->h->tail, memory_order_relaxed);
	uint64_t s = atomic_load_explicit(&ring_cell(r, pos)->state, memory_order_acquire);

	return s >> 32 == pos >> r->shift && ring_state_st(s) == RING_CLAIMED;
}

void evlog_ring_wait(struct evlog_ring *r, int ms)
{
	struct evlog_ring_head *h = r->h;
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	uint64_t head, tail;

	atomic_store(&h->sleeping, 1);
	head = atomic_load(&h->head);
	tail = atomic_load(&h->tail);
	if (head - tail < r->n / 4)
		ring_futex(&h->sleeping, FUTEX_WAIT, 1, &ts);
	atomic_store(&h->sleeping, 0);
}

void evlog_ring_wake(struct evlog_ring *r)
{
	atomic_store(&r->h->sleeping, 0);
	ring_futex(&r->h->sleeping, FUTEX_WAKE, 1, NULL);
}

void evlog_ring_set_drainer(struct evlog_ring *r, pid_t pid)
{
	atomic_store(&r->h->drainer, pid);
}
