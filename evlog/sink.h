/* SPDX-License-Identifier: MIT */
/* sink.h - where event lines go: one write(2) per line, nothing lost unseen.
 *
 * Used alike by the preload shim (in its hot path: every function but
 * evlog_sink_open, evlog_sink_close and the tally's create/map is
 * async-signal-safe, allocates nothing and takes no lock) and by the notify
 * supervisor.
 *
 * A sink is opened from a log spec: "stderr" (descriptor 2, never reopened),
 * "syslog[:/SOCKET]" or "journal[:/SOCKET]" (a sink of messages, below),
 * or an absolute path (opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, 0600,
 * moved above the program's soft limit of descriptors, where it can never
 * be handed that number; where the limits leave no room there, the file is
 * opened for each line and closed after it, so that the program keeps every
 * descriptor its limit allows).  A relative path is refused: it would name a
 * different file in every process that changed directory.  The sink keeps the
 * path in its own storage, so a program that rewrites its environment (the
 * process title of sshd, nginx, redis) cannot change where events go.
 *
 * The sink checks that its descriptor is still the file it opened (same
 * device and inode) before a write that follows the program's close, dup2,
 * dup3, close_range or closefrom of its number (evlog_sink_fds_closed), and
 * once a second: a program may close every descriptor or dup2() its own
 * file over ours; then the sink opens the path again.  So it does when the
 * file was removed (no link left): a new file at the path, or, when its
 * directory is gone too, lost lines, counted.  Between checks a line costs
 * its write(2) alone.
 *
 * A short write (a full disk) leaves a fragment at the end of the log.  The
 * sink ends it with a "\n" right away and, when that fails too (the same full
 * disk), remembers it: the next successful write starts with the "\n", in the
 * same single write(2), so the fragment stays a junk line of its own and is
 * never glued onto an event by the same writer.  Between one process's short
 * write and its "\n", another process may append a whole line: that line
 * then ends the fragment's junk line, and its event shows as a seq gap (no
 * user-space writer can close that window; it needs a disk that fills and
 * frees within it).
 *
 * Under `sockaudit run` the launcher rotates the log (drain.h): it bumps
 * the generation in the run's tally (evlog_sink_rotated), and every sink
 * attached to that tally that holds a descriptor of its own for a file
 * opens its path again before its next line: one load from the tally's
 * page per line.  Plain LD_PRELOAD has no tally, and no rotation.
 *
 * Adding a kind of sink (syslog, journald): one new file in evlog/ that
 * defines a struct evlog_sink_kind (how to open its descriptor, whether it
 * is a byte stream that can be cut short), and its row in sink.c's table of
 * kinds.  Verification, reopening, loss counting and health are shared.
 *
 * A sink of messages (syslog.c, journal.c) sends each line as one datagram
 * of its own on a connected unix socket of ours, never a batch of lines in
 * one: a message is whole or lost, so there are no fragments.  Inside the
 * program (the shim) a send never waits: a daemon whose receive queue is
 * full (EAGAIN) or that is gone (ECONNREFUSED) costs the line, counted.
 * Once refused, the sink connects again at its next check (at most once a
 * second, as a file is checked), so events flow again when the daemon is
 * back.  The launcher's trusted sink waits for room in the daemon's queue
 * for a while (its thread is not the program's), so that a burst of events
 * under `sockaudit run` is not lost to a slow daemon.
 */
#ifndef SOCKAUDIT_EVLOG_SINK_H
#define SOCKAUDIT_EVLOG_SINK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EVLOG_SINK_SPEC_MAX 4096	/* a spec (path) with its NUL */

/* What a descriptor is: its st_dev and st_ino. */
struct evlog_sink_id {
	uint64_t dev, ino;
};

/*
 * The tally of one `sockaudit run`: a page of a memfd that run creates and
 * every writer of the run maps MAP_SHARED (the shims through an inherited
 * descriptor named in their environment, the supervisor directly).  The
 * losses of every process end up in one place that run reads at the end, and
 * a fragment one writer left is ended by whichever writer comes next.
 */
struct evlog_sink_tally {
	uint64_t magic;			/* EVLOG_SINK_TALLY_MAGIC */
	_Atomic uint64_t lost;		/* lines no attached writer could write */
	_Atomic uint32_t fragment;	/* 1: the log ends in a fragment */
	struct evlog_sink_id log;	/* the log whose fragment that is */
	/* Bumped by the launcher each time it rotated the log (SIGHUP, or
	 * --log-max-size): every writer of the run that holds a descriptor of
	 * its own for a log file opens its path again before its next line,
	 * so that a renamed log stops receiving events once rotated. */
	_Atomic uint32_t generation;
	/* The calls of the run that the policy denied, would have denied
	 * (audit mode) or killed, by every layer (evlog_sink_count_decision):
	 * for run's summary at the end. */
	_Atomic uint64_t denied, would_deny, killed;
};

/* A kind of sink (sink.c's table): the first whose claims() accepts a
 * spec opens it. */
struct evlog_sink_kind {
	const char *name;
	bool (*claims)(const char *spec);
	/* A new descriptor for SPEC (out of the program's way, close-on-exec),
	 * or -errno; *IN_THE_WAY: it takes a number the program could have
	 * used (no room above its limit). */
	int (*open)(const char *spec, bool *in_the_way);
	bool reopens;		/* false: the descriptor is not ours to replace */
	bool owns_fd;		/* evlog_sink_close() closes it */
	bool stream;		/* a write can be cut short (files, pipes) */
	/* A sink of messages: send the event LINE (LEN bytes, ending in '\n')
	 * as one datagram on FD, without waiting, using the CAP bytes at SPARE
	 * (may be NULL) to put it together.  Returns LEN when it went out, or
	 * -1 with errno.  Async-signal-safe.  NULL: a byte stream, written as
	 * it is. */
	ssize_t (*send)(int fd, const char *line, size_t len, char *spare, size_t cap);
	/* The socket path SPEC names (NULL: not a path at all, stderr). */
	const char *(*path)(const char *spec);
};

/* A sink.  Its storage is the caller's (the shim has no allocator on its hot
 * path); the fields are private to sink.c. */
struct evlog_sink {
	const struct evlog_sink_kind *kind;	/* NULL: no sink, every line lost */
	char spec[EVLOG_SINK_SPEC_MAX];
	_Atomic bool transient;		/* no descriptor kept: one per line */
	_Atomic bool stale;		/* the program closed or replaced fd */
	_Atomic int64_t checked_at;	/* CLOCK_MONOTONIC_COARSE ns of the last check */
	_Atomic int fd;			/* -1: none */
	_Atomic uint64_t dev, ino;	/* what fd must be */
	_Atomic pid_t reopening;	/* the pid reopening, 0: nobody */
	_Atomic bool healthy;		/* a verified descriptor, last write whole */
	_Atomic bool pipe;		/* stderr is a pipe: written without waiting */
	bool trusted;			/* evlog_sink_trust_fd(): no check */
	_Atomic int err;		/* errno of the last failure, 0: none */
	_Atomic uint32_t fragment;	/* without a tally: the log ends in a fragment */
	_Atomic uint64_t lost;
	_Atomic bool refused;		/* a message sink's daemon went away */
	bool congested;			/* the trusted sink's wait ran out (its
					   one thread's: under the drain's lock) */
	struct evlog_sink_tally *tally;	/* NULL: none */
	_Atomic uint32_t generation;	/* the tally's, as of our last open */
	int mode;			/* evlog_sink_open_mode(); -1: 0600 */
	gid_t gid;			/* (gid_t)-1: the creator's */
};

/* The file or socket SPEC writes to: an absolute path, or NULL for
 * "stderr" and for a spec no kind claims.  "syslog" gives /dev/log. */
const char *evlog_sink_spec_path(const char *spec);

/* Is SPEC the spec of a sink of messages (syslog, journal)? */
bool evlog_sink_spec_messages(const char *spec);

/* Open S from SPEC ("stderr", an absolute path, "syslog[:SOCKET]" or
 * "journal[:SOCKET]").  Returns 0; -EINVAL when
 * SPEC is neither (S then loses every line); -ENAMETOOLONG; or the error of
 * open(2), in which case S keeps the path and tries again at each write
 * (S is then not healthy).  Not async-signal-safe (called at init). */
int evlog_sink_open(struct evlog_sink *s, const char *spec);

/* As evlog_sink_open(), for the launcher's log (--log-mode, --log-group):
 * each time S opens a regular file (at first, and again after a rotation),
 * the file gets MODE (an octal mode; -1: a new file is 0600, an old one
 * keeps its own) and group GID ((gid_t)-1: left alone), set with fchmod and
 * fchown, so the umask never narrows it.  A failure of either is kept as
 * S's error (evlog_sink_error) and does not stop the log. */
int evlog_sink_open_mode(struct evlog_sink *s, const char *spec, int mode, gid_t gid);

/* Say that S's descriptor is this process's alone (the supervisor's: no
 * program runs in it to close or dup2() over it), so that writes skip the
 * check that the descriptor is still the file: one system call per event
 * fewer.  Never for a sink inside the audited program (the shim). */
void evlog_sink_trust_fd(struct evlog_sink *s);

/* Close S's descriptor if S opened it (stderr stays open). */
void evlog_sink_close(struct evlog_sink *s);

/* Write LINE (LEN bytes, ending in '\n') with one write(2).  REOPENER is the
 * caller's pid when it may open the path again if the descriptor is no
 * longer ours, 0 when it must not (a vfork child: the sink's state is its
 * parent's, and so its failure leaves the sink's health alone).  Only one process and thread reopens at a time; the others
 * lose their line rather than wait (they may be signal handlers
 * interrupting the reopener).  Returns true when the whole line was written;
 * otherwise the line is counted as lost. */
bool evlog_sink_write(struct evlog_sink *s, const char *line, size_t len, pid_t reopener);

/* Room a sink of messages may use beside a line of up to 4096 bytes
 * (EVENT_LINE_MAX) to make its message: the journal's fields. */
#define EVLOG_SINK_SPARE 8192

/* evlog_sink_write() with SPARE, CAP bytes of the caller's (at least
 * EVLOG_SINK_SPARE for every field of a journal entry), so that a sink of
 * messages needs little stack: the shim passes the rest of the buffer it
 * formatted the line in.  Without it, the launcher's trusted sink uses its
 * own stack; an untrusted one sends the journal's entry without the
 * SOCKAUDIT_ fields (MESSAGE holds them all). */
bool evlog_sink_write_spare(struct evlog_sink *s, const char *line, size_t len, pid_t reopener,
			    char *spare, size_t cap);

/* Does S have a verified descriptor whose last write did not fail?  A
 * healthy sink can still fail its next write; an unhealthy one is likely to. */
bool evlog_sink_healthy(const struct evlog_sink *s);

/* Is S healthy and its descriptor the file ID? */
bool evlog_sink_is(const struct evlog_sink *s, const struct evlog_sink_id *id);

/* S's descriptor, or -1 (none, or one per line). */
int evlog_sink_fd(const struct evlog_sink *s);

/* The identity of S's descriptor: 0, or -EBADF when it has none. */
int evlog_sink_identity(const struct evlog_sink *s, struct evlog_sink_id *id);

/* Lines S could not write; the errno of its last failure (0: none). */
uint64_t evlog_sink_lost(const struct evlog_sink *s);
int evlog_sink_error(const struct evlog_sink *s);

/* The program closed or replaced descriptors FIRST..LAST (the shim's
 * interposed close and friends): check ours before the next write. */
void evlog_sink_fds_closed(struct evlog_sink *s, unsigned first, unsigned last);

/* Count one line lost that never reached the sink (in its tally too). */
void evlog_sink_count_lost(struct evlog_sink *s);

/* Write LINE as evlog_sink_write() does, for a record that is no event (the
 * supervisor's seal record): its failure counts no lost event. */
bool evlog_sink_write_record(struct evlog_sink *s, const char *line, size_t len);

/* For the launcher, which writes many lines at once (drain.h): write BUF,
 * LEN bytes holding LINES whole lines, with one write(2).  Returns the lines
 * that went out whole; a line cut short is ended as a fragment.  Counts no
 * loss: the caller knows whose lines they were. */
unsigned evlog_sink_write_lines(struct evlog_sink *s, const char *buf, size_t len,
				unsigned lines);

/* For a trusted sink (the launcher's, which skips the check at each write):
 * is the descriptor still the file, and the file still in its directory?
 * Returns 0 when it is; 1 when the sink had to open its path again (a new
 * file: the old one was removed or replaced); 2 when it opened its path
 * again because another process of the run rotated the log (a standby
 * supervisor whose launcher rotated it); -errno when it cannot (the
 * directory is gone: every line is lost until it is back). */
int evlog_sink_check(struct evlog_sink *s);

/* For the launcher, which rotates the log (drain.h): open S's path again
 * now (a new file when the old one was renamed), in place of S's own
 * descriptor, and tell every writer of the run (the tally's generation,
 * its log identity and fragment flag).  Returns 0 or -errno (S then keeps
 * the descriptor it had).  A sink other than a file: -EINVAL. */
int evlog_sink_rotated(struct evlog_sink *s);

/* Count one decision of the policy (enum event_decision, schema.h) in S's
 * tally, when it is one that run sums up at the end (deny, would_deny,
 * kill); nothing without a tally.  Async-signal-safe. */
void evlog_sink_count_decision(struct evlog_sink *s, int decision);

/* S's spec: "stderr" or the path, as opened. */
const char *evlog_sink_spec(const struct evlog_sink *s);

/* Count S's losses in T too, and share T's fragment flag while S writes to
 * T's log.  The first sink attached (the launcher's) names that log. */
void evlog_sink_attach(struct evlog_sink *s, struct evlog_sink_tally *t);

/* Create a tally: a memfd of one page and EXTRA bytes after it (the run's
 * event ring, ring.h), all mapped at *T.  Its descriptor is inheritable (not
 * close-on-exec) and high; *ID is its identity, for the processes that map
 * it.  Returns the descriptor, or -errno. */
int evlog_sink_tally_create(struct evlog_sink_tally **t, struct evlog_sink_id *id, size_t extra);

/* Where the run's inherited descriptors go (evlog_sink_fd_inherit): so many
 * eighths of the descriptor limit (at most 1024), out of the way of programs
 * that expect the lowest numbers, apart from each other. */
enum {
	EVLOG_SINK_SLOT_POLICY = 5,	/* the run's policy (layers.h) */
	EVLOG_SINK_SLOT_TALLY = 6,
	EVLOG_SINK_SLOT_LOG = 7,
};

/* For the launcher, whose own soft limit of descriptors is raised above
 * the program's SOFT: put the descriptors it hands the program above SOFT,
 * where the program can never be given their numbers. */
void evlog_sink_program_limit(unsigned long soft);

/* Make FD an inheritable (not close-on-exec) descriptor at slot EIGHTHS or
 * above.  Returns the new descriptor (FD is closed), or FD itself made
 * inheritable when there is no room up there, or -errno (FD left as it
 * was).  For the launcher, which hands descriptors to the whole tree. */
int evlog_sink_fd_inherit(int fd, int eighths);

/* Map the tally descriptor FD, if it is the memfd ID (a program may have
 * closed it and put something else at that number) and holds a tally.
 * Returns NULL otherwise.  Not async-signal-safe (called at init). */
struct evlog_sink_tally *evlog_sink_tally_map(int fd, const struct evlog_sink_id *id);

/* An identity as text, "DEV:INO" in hex (what the launcher puts in the
 * environment, see layers.h), into BUF of CAP bytes (at least
 * EVLOG_SINK_ID_TEXT).  Returns BUF. */
#define EVLOG_SINK_ID_TEXT 34
char *evlog_sink_id_format(const struct evlog_sink_id *id, char *buf, size_t cap);

/* Parse "DEV:INO" at S into *ID.  Returns a pointer past it, or NULL when S
 * does not start with one. */
const char *evlog_sink_id_parse(const char *s, struct evlog_sink_id *id);

/* An inherited descriptor and the identity it must have, as the launcher
 * hands it over in the environment: "FD:DEV:INO", FD in decimal, DEV:INO
 * as above (SOCKAUDIT_TALLY, SOCKAUDIT_POLICY_FD: layers.h).  The format
 * into BUF of CAP bytes (at least EVLOG_SINK_FD_TEXT), returning BUF; the
 * parse of all of S, returning 0 or -EINVAL. */
#define EVLOG_SINK_FD_TEXT (11 + 1 + EVLOG_SINK_ID_TEXT)
char *evlog_sink_fd_format(int fd, const struct evlog_sink_id *id, char *buf, size_t cap);
int evlog_sink_fd_parse(const char *s, int *fd, struct evlog_sink_id *id);

/* --- for the kinds of sinks ------------------------------------------ */

/* The kinds of sinks of messages (syslog.c, journal.c). */
extern const struct evlog_sink_kind evlog_sink_syslog, evlog_sink_journal;

/* How a sink of messages makes and connects its socket: a system call
 * NR(A0, A1, A2) returning the result or -errno.  The libc functions by
 * default; the shim, whose socket() and connect() are the interposed ones,
 * sets its raw system calls (carrying its marker, so that the kernel layers
 * do not take the log's socket for one of the program's).  Set once, at
 * init, before any sink is opened. */
void evlog_sink_use_syscall(long (*sys)(long nr, long a0, long a1, long a2));

/* A new unix datagram socket of ours connected to PATH (non-blocking,
 * close-on-exec, out of the program's way as a log file is), or -errno. */
int evlog_sink_unix_connect(const char *path, bool *in_the_way);

/* The path of a spec "WORD" or "WORD:PATH": PATH, or DEFLT for "WORD"
 * alone; NULL when SPEC is neither.  For the kinds' claims and paths. */
const char *evlog_sink_spec_socket(const char *spec, const char *word, const char *deflt);

#endif
