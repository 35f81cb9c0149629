/* SPDX-License-Identifier: MIT */
/* log.c - where the shim's event lines go, and the marker bound to it.
 *
 * Under `sockaudit run` with a log file the lines go into the run's ring
 * (evlog/ring.h), which the launcher writes to the log: an event costs no
 * system call, and the shim holds no descriptor of its own.
 *
 * So it does with a syslog or journal log ("syslog", "journal:/SOCKET"):
 * the launcher is then the one sender of the run's messages.
 *
 * Otherwise (plain LD_PRELOAD, the stderr log, a process that logs
 * elsewhere than its run, one in another pid namespace) the shim writes the
 * log itself through its sink (evlog/sink.h), one write(2) per line, or one
 * datagram per line to a syslog or journal socket, which it makes with raw
 * system calls (its own socket() and connect() are the interposed ones) and
 * whose message it puts together in the rest of the line's pool buffer.
 *
 * Either way the line is formatted into a buffer of a pool of the shim's
 * own rather than onto the caller's stack: an event then needs little
 * stack, so that a signal handler on a small sigaltstack can make sockets
 * too.  The pool is claimed with one atomic operation per line; when every
 * buffer is in use (SHIM_POOL lines in flight at once, in threads and
 * nested signal handlers), the line is lost and counted.
 *
 * When the ring is full the event is lost and counted in the run's tally.
 * When it is full because nobody drains it any more (the launcher was
 * killed), this process goes on writing the log itself from then on.
 *
 * Under `sockaudit run --layer auto` the log is bound to the file the
 * supervisor writes (shim_cfg.log_id): while it is that file and healthy
 * the shim logs and marks its calls; once it is not, the calls go to the
 * kernel unmarked and the supervisor logs them (shim_handover).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "layers.h"
#include "ring.h"
#include "shim.h"

_Static_assert(EVLOG_RING_LINE_MAX >= EVENT_PACKED_MAX, "a ring record holds every packed event");

static struct evlog_sink shim_sink;
static const char *shim_sink_spec;	/* for opening the sink late */
static struct evlog_ring shim_ring;
static struct evlog_sink_tally *shim_tally;

/* The ring's use: on, being given up (the sink being opened), or off. */
enum { SHIM_RING_OFF, SHIM_RING_ON, SHIM_RING_LEAVING };
static _Atomic int shim_ring_state;

static _Atomic bool shim_handed_over;	/* for the rest of this image */
static _Atomic bool shim_loss_said;	/* "events are being lost", once */
static struct stat shim_stderr_st;	/* what descriptor 2 was at init */
static bool shim_stderr_known;

/* A buffer holds the line and the room a sink of messages may use beside
 * it (the journal's fields: sink.h).  Pages never touched (the file log
 * never touches the room) cost no memory. */
#define SHIM_POOL 256
static char shim_pool[SHIM_POOL][EVENT_LINE_MAX + EVLOG_SINK_SPARE];
static _Atomic uint64_t shim_pool_used[SHIM_POOL / 64];

static int shim_pool_get(void)
{
	for (int w = 0; w < SHIM_POOL / 64; w++) {
		uint64_t used = atomic_load_explicit(&shim_pool_used[w], memory_order_relaxed);

		while (~used) {
			int bit = __builtin_ctzll(~used);

			if (atomic_compare_exchange_weak_explicit(
				    &shim_pool_used[w], &used, used | UINT64_C(1) << bit,
				    memory_order_acquire, memory_order_relaxed))
				return w * 64 + bit;
		}
	}
	return -1;
}

static void shim_pool_put(int i)
{
	atomic_fetch_and_explicit(&shim_pool_used[i / 64], ~(UINT64_C(1) << (i % 64)),
				  memory_order_release);
}

/* In a fork child only the forking thread goes on: the buffers the others
 * held are free. */
static void shim_pool_forget(void)
{
	for (int w = 0; w < SHIM_POOL / 64; w++)
		atomic_store(&shim_pool_used[w], 0);
}

/* Open SPEC (NULL: stderr).  Says once on stderr what an unusable log
 * means; the sink keeps the path in its own storage. */
static void shim_open_sink(const char *spec, bool refused)
{
	const char *then = shim_cfg.marker ?
		"; the notify supervisor logs this program's calls instead" : NULL;
	int rc;

	rc = evlog_sink_open(&shim_sink, spec ? spec : "stderr");
	if (shim_tally)
		evlog_sink_attach(&shim_sink, shim_tally);
	if (rc == 0)
		return;
	atomic_store(&shim_loss_said, true);
	if (refused)
		return;		/* said */
	if (rc == -EINVAL)
		/* A relative path would name a different file in every
		 * process that changed directory: refused. */
		shim_say(LAYERS_ENV_LOG "='", spec,
			 "' is not an absolute path, 'stderr', 'syslog[:/SOCKET]' or "
			 "'journal[:/SOCKET]'",
			 then ? then : "; events are not logged", NULL);
	else
		shim_say("cannot open log ", spec, ": ", shim_strerror(-rc),
			 then ? then : "; events are lost until it can be opened", NULL);
}

/* SOCKAUDIT_TALLY: "FD:DEV:INO", the run's tally of losses (sink.h), and
 * its ring when the run has one for this process's log.  A program may have
 * closed that descriptor before it exec'ed us, or put something else at
 * that number: then this process writes the log itself and says its losses
 * on stderr. */
static void shim_attach_tally(const char *tally, const char *log)
{
	const char *path = evlog_sink_spec_path(log);
	struct evlog_sink_id id;
	int fd;

	if (!tally || !*tally || evlog_sink_fd_parse(tally, &fd, &id) < 0)
		return;
	shim_tally = evlog_sink_tally_map(fd, &id);
	if (!shim_tally)
		return;
	shim_cfg.tallied = true;
	/* Only a process that could write the log file itself writes it
	 * through the ring: one that dropped its privileges before exec (and
	 * cannot open a log made 0600 by its launcher) hands its calls to the
	 * supervisor, as it would without a ring.  (A syslog or journal socket
	 * takes a writer that may write the socket's file.) */
	if (path && faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 &&
	    evlog_ring_map(&shim_ring, fd, &id, log) == 0)
		atomic_store(&shim_ring_state, SHIM_RING_ON);
}

/* A sink of messages makes its socket with this: socket() and connect()
 * are ours, interposed; the raw system call carries the marker, so that the
 * kernel layers do not take the log's socket for one of the program's. */
static long shim_sink_syscall(long nr, long a0, long a1, long a2)
{
	return shim_raw_syscall(nr, a0, a1, a2, 0, 0, (long)shim_cfg.marker);
}

void shim_log_init(const char *log, bool refused, const char *tally)
{
	evlog_sink_use_syscall(shim_sink_syscall);
	shim_stderr_known = fstat(STDERR_FILENO, &shim_stderr_st) == 0;
	pthread_atfork(NULL, NULL, shim_pool_forget);
	shim_attach_tally(tally, log);
	if (atomic_load(&shim_ring_state) == SHIM_RING_ON) {
		/* Kept for the day the ring is given up (init's own copy of
		 * the environment's value). */
		shim_sink_spec = log;
		atomic_init(&shim_sink.fd, -1);
		evlog_sink_attach(&shim_sink, shim_tally);
		return;
	}
	shim_open_sink(log, refused);
}

void shim_log_hand_over(void)
{
	atomic_store(&shim_handed_over, true);
}

/* Is descriptor 2 still the stderr the program started with?  Once the
 * program has put its own file or socket there, no byte of ours goes in. */
static bool shim_stderr_is_ours(void)
{
	struct stat st;

	return shim_stderr_known && fstat(STDERR_FILENO, &st) == 0 &&
	       st.st_dev == shim_stderr_st.st_dev && st.st_ino == shim_stderr_st.st_ino;
}

/* A line that could not be written: counted (in the run's tally under
 * `sockaudit run`, which carries it to its summary); alone, the user hears
 * it once from us, on the stderr the program started with (not when that
 * is the log that failed). */
static void shim_line_lost(bool counted)
{
	if (!counted)
		evlog_sink_count_lost(&shim_sink);
	if (!shim_cfg.tallied && !atomic_load_explicit(&shim_loss_said, memory_order_relaxed) &&
	    !atomic_exchange(&shim_loss_said, true) &&
	    strcmp(evlog_sink_spec(&shim_sink), "stderr") && shim_stderr_is_ours())
		shim_say("cannot write the log ", evlog_sink_spec(&shim_sink), ": ",
			 shim_strerror(evlog_sink_error(&shim_sink)),
			 "; events are being lost (each leaves a gap in seq)", NULL);
}

/* The ring is full: if nobody drains it any more, write the log ourselves
 * from now on (one thread opens the sink; the others lose their line
 * meanwhile).  A vfork child leaves that to its parent. */
static void shim_ring_full(const struct shim_self *s)
{
	int on = SHIM_RING_ON;

	if (s->shared_vm || evlog_ring_drained(&shim_ring) ||
	    !atomic_compare_exchange_strong(&shim_ring_state, &on, SHIM_RING_LEAVING))
		return;
	shim_open_sink(shim_sink_spec, false);
	atomic_store_explicit(&shim_ring_state, SHIM_RING_OFF, memory_order_release);
}

bool shim_log_ring(const struct event *e, const struct shim_self *s)
{
	struct evlog_ring_slot slot;
	struct event_packing pk;

	/* Every event of ours passes here first: run's summary of denials. */
	evlog_sink_count_decision(&shim_sink, e->decision);
	if (atomic_load_explicit(&shim_ring_state, memory_order_acquire) != SHIM_RING_ON)
		return false;
	/* Measured once, packed straight into its cells: no line, no copy. */
	if (!evlog_ring_reserve(&shim_ring, s->tid, event_pack_measure(e, &pk), &slot)) {
		evlog_sink_count_lost(&shim_sink);
		shim_ring_full(s);
		return true;
	}
	event_pack_into(slot.data, e, &pk);
	evlog_ring_commit(&shim_ring, &slot);
	return true;
}

bool shim_line_begin(struct shim_line *l)
{
	if (atomic_load_explicit(&shim_ring_state, memory_order_acquire) == SHIM_RING_LEAVING) {
		evlog_sink_count_lost(&shim_sink);
		return false;
	}
	l->pool = shim_pool_get();
	if (l->pool < 0) {
		shim_line_lost(false);
		return false;
	}
	l->buf = shim_pool[l->pool];
	return true;
}

void shim_line_end(struct shim_line *l, size_t len, const struct shim_self *s)
{
	bool ok;

	/* A vfork child never reopens: the sink's state is its parent's. */
	ok = evlog_sink_write_spare(&shim_sink, l->buf, len, s->shared_vm ? 0 : s->pid,
				    l->buf + len, sizeof(shim_pool[0]) - len);
	shim_pool_put(l->pool);
	if (!ok)
		shim_line_lost(true);
}

void shim_log_fds_closed(unsigned first, unsigned last)
{
	evlog_sink_fds_closed(&shim_sink, first, last);
}

bool shim_handover(void)
{
	if (!shim_cfg.marker)
		return false;
	if (atomic_load_explicit(&shim_handed_over, memory_order_relaxed))
		return true;
	/* The ring is the run's log by its making (evlog_ring_map). */
	if (atomic_load_explicit(&shim_ring_state, memory_order_relaxed) != SHIM_RING_OFF)
		return false;
	if (evlog_sink_is(&shim_sink, &shim_cfg.log_id))
		return false;
	atomic_store(&shim_handed_over, true);
	return true;
}

uint64_t shim_marker(void)
{
	return shim_handover() ? 0 : shim_cfg.marker;
}
