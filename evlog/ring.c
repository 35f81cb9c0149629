/* ring.c - the run's event ring (ring.h): claim, commit, take.
 *
 * A cell's state word: the lap in the high 32 bits, the claiming thread's id
 * in bits 2..31, the state in bits 0..1.  A cell of position P is free for
 * P when its word is (lap of P, 0, FREE): the drainer writes that when it
 * takes the line of position P - cells.  So a writer that finds an older lap
 * there knows the ring is full without anybody waiting on anybody.
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

#define RING_MAGIC UINT64_C(0x73616b72696e6731)	/* "sakring1" */

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
	_Atomic uint32_t sleeping;	/* futex word: 1 while the drainer sleeps */
};

struct evlog_ring_cell {
	_Atomic uint64_t state;
	uint32_t len;
	uint32_t pad;
	char line[EVLOG_RING_LINE_MAX];
};

#define RING_CELL_SIZE ((sizeof(struct evlog_ring_cell) + 63) & ~(size_t)63)
#define RING_HEAD_SIZE ((sizeof(struct evlog_ring_head) + 4095) & ~(size_t)4095)

static inline uint64_t ring_state(uint64_t lap, pid_t tid, unsigned st)
{
	return lap << 32 | ((uint64_t)(uint32_t)tid & 0x3fffffff) << 2 | st;
}

static inline struct evlog_ring_cell *ring_cell(const struct evlog_ring *r, uint64_t pos)
{
	return (struct evlog_ring_cell *)(r->cells + (pos & (r->n - 1)) * RING_CELL_SIZE);
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
}

int evlog_ring_create(struct evlog_ring *r, struct evlog_sink_tally **t,
		      struct evlog_sink_id *id, const char *log_spec)
{
	size_t page = ring_page(), ring = RING_HEAD_SIZE + EVLOG_RING_CELLS * RING_CELL_SIZE;
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
	r->h->cell_size = RING_CELL_SIZE;
	memcpy(r->h->log, log_spec, spec_len + 1);
	atomic_store(&r->h->drainer, getpid());
	/* Every cell is free for lap 0: all zero, as the memfd is. */
	atomic_store_explicit(&r->h->magic, RING_MAGIC, memory_order_release);
	return fd;
}

int evlog_ring_map(struct evlog_ring *r, int fd, const struct evlog_sink_id *id,
		   const char *log_spec)
{
	size_t page = ring_page(), len = page + RING_HEAD_SIZE + EVLOG_RING_CELLS * RING_CELL_SIZE;
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
	    r->h->cells != EVLOG_RING_CELLS || r->h->cell_size != RING_CELL_SIZE ||
	    r->h->pidns_dev != dev || r->h->pidns_ino != ino ||
	    strncmp(r->h->log, log_spec, sizeof(r->h->log))) {
		munmap(p, len);
		r->h = NULL;
		return -ESRCH;
	}
	return 0;
}

bool evlog_ring_claim(struct evlog_ring *r, pid_t tid, struct evlog_ring_slot *slot)
{
	struct evlog_ring_head *h = r->h;
	uint64_t pos = atomic_load_explicit(&h->head, memory_order_relaxed);

	for (int i = 0; i < RING_CLAIM_TRIES; i++) {
		struct evlog_ring_cell *c = ring_cell(r, pos);
		uint64_t lap = pos >> r->shift;
		uint64_t s = atomic_load_explicit(&c->state, memory_order_acquire);
		uint64_t expect;

		if (s == ring_state(lap, 0, RING_FREE)) {
			if (!atomic_compare_exchange_strong_explicit(
				    &c->state, &s, ring_state(lap, tid, RING_CLAIMED),
				    memory_order_acquire, memory_order_relaxed))
				continue;	/* another writer won it: look again */
			expect = pos;
			atomic_compare_exchange_strong_explicit(&h->head, &expect, pos + 1,
								memory_order_relaxed,
								memory_order_relaxed);
			slot->cell = c;
			slot->line = c->line;
			slot->pos = pos;
			return true;
		}
		if (s >> 32 == lap) {
			/* Claimed in this lap by a writer that has not moved the
			 * head on yet: help it. */
			expect = pos;
			if (atomic_compare_exchange_strong_explicit(&h->head, &expect, pos + 1,
								    memory_order_relaxed,
								    memory_order_relaxed))
				pos++;
			else
				pos = expect;
			continue;
		}
		if (s >> 32 < lap)
			return false;	/* the last lap's line is still there: full */
		pos = atomic_load_explicit(&h->head, memory_order_relaxed);
	}
	return false;
}

static long ring_futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

void evlog_ring_commit(struct evlog_ring *r, const struct evlog_ring_slot *slot, size_t len)
{
	struct evlog_ring_head *h = r->h;
	uint64_t s = atomic_load_explicit(&slot->cell->state, memory_order_relaxed);

	slot->cell->len = (uint32_t)(len > EVLOG_RING_LINE_MAX ? 0 : len);
	atomic_store_explicit(&slot->cell->state, (s & ~(uint64_t)3) | RING_COMMITTED,
			      memory_order_release);
	/* A quarter full: wake the drainer, once (whoever clears the word). */
	if (__builtin_expect(atomic_load_explicit(&h->sleeping, memory_order_relaxed), 0) &&
	    slot->pos - atomic_load_explicit(&h->tail, memory_order_relaxed) >= r->n / 4 &&
	    atomic_exchange(&h->sleeping, 0))
		ring_futex(&h->sleeping, FUTEX_WAKE, 1, NULL);
}

bool evlog_ring_drained(const struct evlog_ring *r)
{
	pid_t pid = atomic_load(&r->h->drainer);

	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

/* Is thread TID gone?  kill(2) finds a thread by its id too. */
static bool ring_writer_gone(uint64_t s)
{
	pid_t tid = (pid_t)((s >> 2) & 0x3fffffff);

	return tid <= 0 || (kill(tid, 0) < 0 && errno == ESRCH);
}

size_t evlog_ring_take(struct evlog_ring *r, char *buf, size_t cap, unsigned *lines,
		       uint64_t *dead)
{
	struct evlog_ring_head *h = r->h;
	uint64_t pos = atomic_load_explicit(&h->tail, memory_order_relaxed);
	size_t used = 0;

	*lines = 0;
	*dead = 0;
	for (;;) {
		struct evlog_ring_cell *c = ring_cell(r, pos);
		uint64_t lap = pos >> r->shift;
		uint64_t s = atomic_load_explicit(&c->state, memory_order_acquire);

		if (s >> 32 != lap || (s & 3) == RING_FREE)
			break;		/* nothing claimed here yet */
		if ((s & 3) == RING_CLAIMED) {
			if (!ring_writer_gone(s))
				break;	/* at work: the lines after it wait */
			(*dead)++;
		} else {
			size_t len = c->len;

			if (len > EVLOG_RING_LINE_MAX)
				len = 0;
			if (used + len + 1 > cap)
				break;
			if (len) {
				memcpy(buf + used, c->line, len);
				used += len;
				if (buf[used - 1] != '\n')
					buf[used++] = '\n';
				(*lines)++;
			}
		}
		atomic_store_explicit(&c->state, ring_state(lap + 1, 0, RING_FREE),
				      memory_order_release);
		pos++;
		atomic_store_explicit(&h->tail, pos, memory_order_release);
	}
	return used;
}

bool evlog_ring_busy(const struct evlog_ring *r)
{
	uint64_t pos = atomic_load_explicit(&r->h->tail, memory_order_relaxed);
	uint64_t s = atomic_load_explicit(&ring_cell(r, pos)->state, memory_order_acquire);

	return s >> 32 == pos >> r->shift && (s & 3) == RING_CLAIMED;
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
