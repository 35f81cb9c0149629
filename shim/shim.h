/* SPDX-License-Identifier: MIT */
/* shim.h - internals shared by the files of libsockaudit.so (not installed).
 *
 *   config.c  binding of the real functions, environment, policy, init state
 *   log.c     the log: the run's ring or a sink of our own, and the marker
 *             bound to it
 *   cjson.c   json_parse()/json_delete() on a privately dlopen'ed libcjson
 *   shim.c    the interposed functions and the per-call pipeline
 *   facts.c   the facts of the program's sockets, kept between calls
 *   fds.c     close, dup2, dup3, close_range, closefrom: what they close is
 *             forgotten by facts.c
 *   self.c    who is calling (pid, tid, ppid, seq), and the vfork() that
 *             tells a vfork child apart
 *
 * Everything here has hidden visibility (ALL_CFLAGS) and is local in the
 * version script: the host program can neither see nor replace it.
 */
#ifndef SOCKAUDIT_SHIM_H
#define SOCKAUDIT_SHIM_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "calls.h"
#include "policy.h"
#include "event.h"
#include "ring.h"
#include "sink.h"

/* The next definitions of the interposed functions (libc's), bound once with
 * dlsym(RTLD_NEXT).  NULL until bound, or when missing: callers then make the
 * raw system call themselves (shim_raw_syscall). */
struct shim_real {
	void *fn[CALLS_COUNT];		/* by calls_id, in calls.def's names */
	long (*syscall)(long, ...);
};

/* What init learned; immutable once shim_ready() returned true. */
struct shim_config {
	/* A secure-execution program (setuid, setgid, file capabilities:
	 * AT_SECURE): the shim stays out of the way, every call passes through
	 * unchecked and unlogged (see config.c). */
	bool passthrough;
	const struct policy *policy;	/* NULL: unusable policy, fail closed */
	enum policy_mode mode;
	const char *mode_name;		/* "enforce" or "audit" */
	uint64_t marker;		/* SOCKAUDIT_MARKER; 0: no supervisor to
					   tell apart from (use shim_marker()) */
	struct evlog_sink_id log_id;	/* ... and the log it is bound to */
	bool tallied;			/* losses reach the run's tally */
	char policy_path[PATH_MAX];	/* SOCKAUDIT_POLICY, copied at init */
	char exe[PATH_MAX];		/* readlink /proc/self/exe, "" if unknown */
	char comm[32];			/* /proc/self/comm without its newline */
	char ident[EVENT_IDENT_MAX];	/* exe and comm as events write them */
	size_t ident_len;
	/* Per policy_event: does some rule for it look at the family, type or
	 * protocol?  When none does, a call that is not logged is decided
	 * without reading the socket's facts from the kernel. */
	bool needs_facts[POLICY_EV_COUNT];
	/* Per policy_event: does every call of it go ahead unlogged, whatever
	 * its socket and address (no rule for it applies to this exe, and
	 * the default allows without logging, or audit mode)?  Then it
	 * costs the shim no facts, no match and no copy (shim_audit). */
	bool quiet[POLICY_EV_COUNT];
};

/* fds.c's next definitions (bound at init, as shim_real). */
struct shim_real_fds {
	int (*close)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*close_range)(unsigned, unsigned, int);
	void (*closefrom)(int);
};

extern struct shim_real shim_real;
extern struct shim_real_fds shim_real_fds;

/* fds.c: a descriptor system call made through syscall(). */
void shim_fds_syscall(long nr, const long a[6]);
extern struct shim_config shim_cfg;

/* Make sure init ran in this process image, running it if nobody has.
 * Returns false when the caller must pass its call through unlogged: the
 * call re-entered from the thread that is initializing (a signal handler),
 * or init could not finish in time (see config.c).  Inline: every call of
 * the program asks, and after init the answer is one load. */
enum shim_state { SHIM_UNINIT, SHIM_INITIALIZING, SHIM_READY };
extern _Atomic int shim_state;
bool shim_ready_wait(void);

static inline bool shim_ready(void)
{
	return __builtin_expect(atomic_load_explicit(&shim_state, memory_order_acquire) ==
					SHIM_READY, 1) ||
	       shim_ready_wait();
}

/* A system call with six arguments, without libc (no errno: returns -errno).
 * Used only before the real functions are bound. */
long shim_raw_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* The raw system call with errno set like libc's (-1 and errno). */
long shim_sys(long nr, const long a[6]);

/* One message on stderr, written with write(2): the NULL-terminated strings
 * after "sockaudit: ", then a newline. */
void shim_say(const char *first, ...) __attribute__((sentinel));

/* Who is calling.  shared_vm: this is a vfork child (or any clone sharing
 * the memory of the process that initialized the shim): it must not change
 * any state, because that state is its parent's. */
struct shim_self {
	pid_t pid, tid, ppid;
	bool shared_vm;
};

void shim_self(struct shim_self *s);

/* At init, once per process image (self.c). */
void shim_self_init(void);

/* The next event number of the calling process, from 1. */
uint64_t shim_next_seq(const struct shim_self *s);

/* log.c: one event line.  shim_line_begin() gives BUF (EVENT_LINE_MAX
 * bytes), a buffer of the shim's pool, that shim_line_end() writes to the
 * log with a single write(2), and nowhere else.  Never fails the caller: a line that cannot be written
 * (begin returns false: a full ring, an empty pool; or a failed write) is
 * counted (in the run's tally under `sockaudit run`), leaves a gap in seq,
 * and without a tally is said once on stderr. */
struct shim_line {
	char *buf;
	int pool;			/* the pool's buffer */
};

/* log.c: under `sockaudit run` with a ring, put E into it as a packed event
 * (the launcher formats it) and return true, or count it lost when the ring
 * is full; false when this process has no ring (then the line is its own). */
bool shim_log_ring(const struct event *e, const struct shim_self *s);

bool shim_line_begin(struct shim_line *l);
void shim_line_end(struct shim_line *l, size_t len, const struct shim_self *s);

/* At init: the log SOCKAUDIT_LOG names (NULL: stderr; REFUSED: it was
 * refused, and said; kept: storage of init's that lives as long as the
 * image), and the run's tally and ring SOCKAUDIT_TALLY names. */
void shim_log_init(const char *log, bool refused, const char *tally);

/* The program closes or replaces descriptors FIRST..LAST (fds.c). */
void shim_log_fds_closed(unsigned first, unsigned last);

/* The supervisor logs this image's calls (its policy could not be loaded). */
void shim_log_hand_over(void);

/* A message for errno ERR, without the locale. */
const char *shim_strerror(int err);

/*
 * Under `sockaudit run --layer auto` a supervisor logs every unmarked call.
 * shim_handover(): true once this process's log is not the supervisor's
 * file (SOCKAUDIT_LOG changed, unopenable after a privilege drop, a relative
 * path) or a write to it failed (a full disk): from then on the calls go to
 * the kernel unmarked, refused ones included, and the shim writes no event
 * of its own, so the supervisor logs each call once.  For the rest of the
 * process image: a log that failed once is likely to fail again, and
 * flipping back could log a call twice.  The one event whose write failed
 * first is lost, and counted.
 * shim_marker(): the marker for the next call, or 0 (unmarked).
 *
 * Not closed: when another thread's failed write starts the handover
 * between a marked call and its event (microseconds), that one event is
 * dropped uncounted.  The reverse (an unmarked call whose event the shim
 * also writes) cannot happen: the handover never ends.
 */
bool shim_handover(void);
uint64_t shim_marker(void);

/* facts.c: FD's family, type and protocol into F, as calls_sock_facts()
 * reads them (family -1 when FD is no open socket), from the facts kept
 * for the socket FD holds when it is the same socket (one fstat), else
 * read and kept.  Async-signal-safe, no lock. */
void shim_sock_facts(int fd, struct policy_call *f);

/* facts.c: FD is a new socket the shim saw made with these arguments (type
 * with its flags; for accept, the listener's facts). */
void shim_facts_made(int fd, int family, int type, int protocol);

/* facts.c: descriptors FIRST..LAST (inclusive) are closed or replaced. */
void shim_facts_forget(unsigned first, unsigned last);

/* self.c: is this thread a vfork child's (its parent suspended)? */
bool shim_in_vfork(void);

/* cjson.c: load libcjson privately.  0, or -1 with a message in *WHY. */
int shim_cjson_load(const char **why);

#endif
