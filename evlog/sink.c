/* SPDX-License-Identifier: MIT */
/* sink.c - the log descriptor: open, verify, reopen, one write(2) per line.
 *
 * The program owns its descriptors: it may close all of them (closefrom,
 * close_range, a loop up to its limit) or dup2() its own file or socket onto
 * the number we use.  So before each write we check that the descriptor still
 * refers to the file we opened (same device and inode), and when it
 * does not we open the path again instead of writing into the program's file
 * (statx, which reads no times: calls_fd_id).
 * The check and the write are two system calls: a program that dup2()s onto
 * our descriptor in between, from another thread, can still receive one
 * line.  No user-space check can close that window.
 *
 * The descriptor sits high (F_DUPFD_CLOEXEC) to stay out of the way of
 * programs that expect the lowest numbers, and is close-on-exec: the next
 * process image opens its own.
 *
 * "stderr" writes to descriptor 2 for as long as it is the file it was at
 * open; the sink holds no copy of it (a copy would keep a pipe open that the
 * program meant to close), so lines written after the program closed or
 * replaced its stderr are lost, and counted.
 *
 * No locks anywhere: the shim calls this from signal handlers and from forked
 * children of threaded programs, where a lock may be held forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "calls.h"
#include "schema.h"
#include "sink.h"

#define EVLOG_SINK_TALLY_MAGIC UINT64_C(0x73616b74616c6c79)	/* "saktally" */

/* --- kinds ------------------------------------------------------------ */

/* Where to move a descriptor of ours, out of the way of programs that
 * expect the lowest numbers: EIGHTHS eighths of the descriptor limit (at
 * most 1024).  The log sits at 7/8, the tally at 6/8, the run's policy at
 * 5/8, apart (EVLOG_SINK_SLOT_*). */
static int sink_high_fd(int eighths)
{
	struct rlimit rl;
	rlim_t lim = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < lim)
		lim = rl.rlim_cur;
	return (int)(lim * (rlim_t)eighths / 8);
}

/*
 * Move our descriptor FD where the program can never be handed its number:
 * at or above the program's soft limit of descriptors (the kernel gives out
 * only numbers below it, and a descriptor above it stays valid).  The soft
 * limit is raised for the one fcntl and put back; when the hard limit
 * leaves no room, a privileged process raises that too for the moment.
 * Where neither can be done (soft = hard, no privilege, or a sandbox that
 * refuses setrlimit), the descriptor goes to EIGHTHS eighths of the limit
 * and *IN_THE_WAY says that it takes a number the program could have used.
 * Returns the new descriptor (FD closed), or FD when no move was possible.
 */
static rlim_t sink_program_soft;	/* evlog_sink_program_limit() */

void evlog_sink_program_limit(unsigned long soft)
{
	sink_program_soft = (rlim_t)soft;
}

static int sink_place_fd(int fd, int eighths, bool cloexec, bool *in_the_way)
{
	int cmd = cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, high = -1;
	/* Our three descriptors (policy, tally, log) one apart. */
	int offset = eighths - EVLOG_SINK_SLOT_POLICY;
	struct rlimit rl, wide;

	*in_the_way = true;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		rl.rlim_cur = rl.rlim_max = 0;
	if (sink_program_soft && sink_program_soft + 8 <= rl.rlim_cur) {
		/* The launcher, whose own limit is above the program's. */
		high = fcntl(fd, cmd, (int)sink_program_soft + offset);
		*in_the_way = high < 0;
	} else if (rl.rlim_cur && rl.rlim_cur < (rlim_t)INT_MAX - 64) {
		int at = (int)rl.rlim_cur + offset;

		wide.rlim_cur = rl.rlim_cur + 8;
		wide.rlim_max = rl.rlim_max > wide.rlim_cur ? rl.rlim_max : wide.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &wide) == 0) {
			high = fcntl(fd, cmd, at < (int)rl.rlim_cur ? (int)rl.rlim_cur : at);
			setrlimit(RLIMIT_NOFILE, &rl);
			*in_the_way = high < 0;
		}
	}
	if (high < 0)
		high = fcntl(fd, cmd, sink_high_fd(eighths));
	if (high < 0)
		return fd;
	close(fd);
	return high;
}

static bool sink_stderr_claims(const char *spec)
{
	return !strcmp(spec, "stderr");
}

static int sink_stderr_open(const char *spec, bool *in_the_way)
{
	(void)spec;
	*in_the_way = false;	/* the program's own */
	return STDERR_FILENO;
}

#define SINK_FILE_FLAGS (O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

static bool sink_file_claims(const char *spec)
{
	return spec[0] == '/';
}

static int sink_file_open(const char *path, bool *in_the_way)
{
	int fd;

	/* 0600: the log names what the program did.  O_NONBLOCK, on this open
	 * file description of our own: a FIFO whose reader is not there yet
	 * is not opened (ENXIO: the sink tries again at the next line), and
	 * one whose reader stopped reading refuses a line (EAGAIN) instead of
	 * stopping the program; a regular file ignores the flag. */
	fd = open(path, SINK_FILE_FLAGS, 0600);
	if (fd < 0)
		return -errno;
	return sink_place_fd(fd, EVLOG_SINK_SLOT_LOG, true, in_the_way);
}

static const char *sink_file_path(const char *spec)
{
	return spec;
}

static const struct evlog_sink_kind sink_stderr = {
	.name = "stderr", .claims = sink_stderr_claims, .open = sink_stderr_open,
	.reopens = false, .owns_fd = false, .stream = true,
};

static const struct evlog_sink_kind sink_file = {
	.name = "file", .claims = sink_file_claims, .open = sink_file_open,
	.path = sink_file_path, .reopens = true, .owns_fd = true, .stream = true,
};

static const struct evlog_sink_kind *const sink_kinds[] = {
	&sink_stderr,
	&sink_file,
	&evlog_sink_syslog,	/* syslog.c */
	&evlog_sink_journal,	/* journal.c */
};

static const struct evlog_sink_kind *sink_kind_of(const char *spec)
{
	for (size_t i = 0; i < sizeof(sink_kinds) / sizeof(sink_kinds[0]); i++)
		if (sink_kinds[i]->claims(spec))
			return sink_kinds[i];
	return NULL;
}

const char *evlog_sink_spec_path(const char *spec)
{
	const struct evlog_sink_kind *k = spec ? sink_kind_of(spec) : NULL;

	return k && k->path ? k->path(spec) : NULL;
}

bool evlog_sink_spec_messages(const char *spec)
{
	const struct evlog_sink_kind *k = spec ? sink_kind_of(spec) : NULL;

	return k && k->send;
}

const char *evlog_sink_spec_socket(const char *spec, const char *word, const char *deflt)
{
	size_t n = strlen(word);

	if (strncmp(spec, word, n))
		return NULL;
	if (!spec[n])
		return deflt;
	/* A relative socket path is refused as a relative log path is. */
	return spec[n] == ':' && spec[n + 1] == '/' ? spec + n + 1 : NULL;
}

/* --- sockets of sinks of messages -------------------------------------- */

static long (*sink_syscall)(long nr, long a0, long a1, long a2);

void evlog_sink_use_syscall(long (*sys)(long nr, long a0, long a1, long a2))
{
	sink_syscall = sys;
}

static long sink_sys(long nr, long a0, long a1, long a2)
{
	long ret;

	if (sink_syscall)
		return sink_syscall(nr, a0, a1, a2);
	ret = syscall(nr, a0, a1, a2);
	return ret < 0 ? -errno : ret;
}

int evlog_sink_unix_connect(const char *path, bool *in_the_way)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	long fd, rc;

	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);
	/* Non-blocking: a daemon that reads no more costs lines, never the
	 * program's progress (sink_send decides who may wait). */
	fd = sink_sys(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return (int)fd;
	rc = sink_sys(SYS_connect, fd, (long)&sa, (long)(offsetof(struct sockaddr_un, sun_path) + n + 1));
	if (rc < 0) {
		close((int)fd);
		return (int)rc;
	}
	return sink_place_fd((int)fd, EVLOG_SINK_SLOT_LOG, true, in_the_way);
}

/* --- the descriptor ------------------------------------------------- */

/* Is FD still the file we opened, and is that file still in a directory?
 * A log removed (rm, or rm -rf of its directory) is written no more: the
 * sink opens its path again, which makes a new file when the directory is
 * still there and otherwise counts the lines lost.  Only for a file of
 * ours: the program's stderr is the program's, removed or not. */
enum sink_fd_state { SINK_FD_OURS, SINK_FD_REMOVED, SINK_FD_OTHER };

static enum sink_fd_state sink_fd_state(const struct evlog_sink *s, int fd)
{
	struct calls_fd_id id;

	if (fd < 0 || calls_fd_id(fd, &id) < 0 ||
	    id.ino != atomic_load_explicit(&s->ino, memory_order_relaxed) ||
	    id.dev != atomic_load_explicit(&s->dev, memory_order_relaxed))
		return SINK_FD_OTHER;
	/* A socket has no links: it is gone when its daemon refused it. */
	if (s->kind->send)
		return atomic_load_explicit(&s->refused, memory_order_relaxed) ?
		       SINK_FD_REMOVED : SINK_FD_OURS;
	return id.nlink == 0 && s->kind->reopens ? SINK_FD_REMOVED : SINK_FD_OURS;
}

/* A limit of descriptors under which one descriptor of ours matters: a
 * program that runs with fewer than this may well need every one.  Above
 * it a program has one descriptor fewer (at 7/8 of the limit), the price of
 * one write per line instead of three system calls. */
#define SINK_SMALL_LIMIT 1024

static bool sink_limit_small(void)
{
	struct rlimit rl;

	return getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < SINK_SMALL_LIMIT;
}

/* sink_open_fd(): no descriptor kept, each line opens its own. */
#define SINK_TRANSIENT INT_MAX

/* Open the spec again, publish the descriptor.  REPLACE: our own descriptor
 * of a removed log, which the new file takes the place of (dup3: a thread
 * writing at that moment writes into one file or the other, never into a
 * descriptor that the program got back from close); -1: none.  Returns the
 * descriptor or -errno. */
static int sink_open_fd(struct evlog_sink *s, int replace)
{
	struct stat st;
	bool in_the_way;
	int fd = s->kind->open(s->spec, &in_the_way), err;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		err = errno;
		if (s->kind->owns_fd)
			close(fd);
		return -err;
	}
	/* --log-mode, --log-group: set on the file itself, so that neither
	 * the umask nor an old file's mode narrows what a shipper may read. */
	if (S_ISREG(st.st_mode) && s->kind->owns_fd &&
	    ((s->mode >= 0 && fchmod(fd, (mode_t)s->mode) < 0) ||
	     (s->gid != (gid_t)-1 && fchown(fd, (uid_t)-1, s->gid) < 0)))
		atomic_store(&s->err, errno);
	/* The identity first: a thread that sees the new descriptor must also
	 * see what it should be. */
	atomic_store(&s->dev, st.st_dev);
	atomic_store(&s->ino, st.st_ino);
	if (replace >= 0 && dup3(fd, replace, O_CLOEXEC) == replace) {
		close(fd);
		fd = replace;
	}
	/* A pipe we share (stderr): its file flags are the program's. */
	atomic_store(&s->pipe, S_ISFIFO(st.st_mode) && !s->kind->owns_fd);
	/* A descriptor the program could have used is not kept: each line
	 * opens the file for its write (sink_write_transient).  Only inside
	 * the program: the launcher's descriptors are its own. */
	atomic_store(&s->transient, in_the_way && s->kind->owns_fd && !s->trusted &&
				     sink_limit_small());
	atomic_store(&s->refused, false);
	if (atomic_load(&s->transient)) {
		close(fd);
		atomic_store(&s->fd, -1);
		atomic_store(&s->healthy, true);
		return SINK_TRANSIENT;
	}
	atomic_store(&s->fd, fd);
	atomic_store(&s->healthy, true);
	return fd;
}

int evlog_sink_open(struct evlog_sink *s, const char *spec)
{
	return evlog_sink_open_mode(s, spec, -1, (gid_t)-1);
}

int evlog_sink_open_mode(struct evlog_sink *s, const char *spec, int mode, gid_t gid)
{
	size_t len = spec ? strlen(spec) : 0;
	int fd;

	s->kind = NULL;
	s->spec[0] = '\0';
	atomic_init(&s->fd, -1);
	atomic_init(&s->dev, 0);
	atomic_init(&s->ino, 0);
	atomic_init(&s->reopening, 0);
	atomic_init(&s->healthy, false);
	atomic_init(&s->pipe, false);
	atomic_init(&s->err, EINVAL);
	atomic_init(&s->fragment, 0);
	atomic_init(&s->lost, 0);
	atomic_init(&s->refused, false);
	s->congested = false;
	s->tally = NULL;
	s->trusted = false;
	atomic_init(&s->transient, false);
	atomic_init(&s->stale, false);
	atomic_init(&s->checked_at, 0);
	atomic_init(&s->generation, 0);
	s->mode = mode;
	s->gid = gid;

	if (!len)
		return -EINVAL;
	if (len >= sizeof(s->spec)) {
		atomic_store(&s->err, ENAMETOOLONG);
		return -ENAMETOOLONG;
	}
	s->kind = sink_kind_of(spec);
	if (!s->kind)
		return -EINVAL;
	memcpy(s->spec, spec, len + 1);
	atomic_store(&s->err, 0);
	fd = sink_open_fd(s, -1);
	if (fd < 0)
		atomic_store(&s->err, -fd);
	return fd < 0 ? fd : 0;
}

void evlog_sink_close(struct evlog_sink *s)
{
	int fd = atomic_exchange(&s->fd, -1);

	if (fd >= 0 && s->kind && s->kind->owns_fd)
		close(fd);
	atomic_store(&s->healthy, false);
}

/* Has the launcher rotated the log since we last opened it (sink.h, the
 * tally's generation)?  One load from the tally's page, which the write
 * touches anyway (sink_fragment_word). */
static bool sink_rotated(const struct evlog_sink *s)
{
	return s->tally && s->kind->reopens &&
	       atomic_load_explicit(&s->tally->generation, memory_order_acquire) !=
		       atomic_load_explicit(&s->generation, memory_order_relaxed);
}

/* Our descriptor is gone or is now the program's, or the log was rotated:
 * open the spec again (a number that is the program's now is never
 * closed; our own is replaced in place, with dup3). */
static int sink_recover(struct evlog_sink *s, pid_t reopener)
{
	pid_t holder = 0;
	uint32_t gen;
	int fd;

	if (!s->kind->reopens || !reopener)
		return -EBADF;
	if (!atomic_compare_exchange_strong(&s->reopening, &holder, reopener)) {
		/* Held by the process we were forked from: nobody here will
		 * ever release it.  Held by our own pid: another thread, or
		 * the thread this signal handler interrupted. */
		if (holder == reopener ||
		    !atomic_compare_exchange_strong(&s->reopening, &holder, reopener))
			return -EBUSY;
	}
	/* Another thread may have reopened it meanwhile.  The generation is
	 * read before the open: a rotation after it is seen at the next line. */
	gen = s->tally ? atomic_load(&s->tally->generation) : 0;
	fd = atomic_load(&s->fd);
	switch (sink_fd_state(s, fd)) {
	case SINK_FD_OURS:
		if (gen != atomic_load(&s->generation))
			fd = sink_open_fd(s, fd);
		break;
	case SINK_FD_REMOVED:
		fd = sink_open_fd(s, fd);
		break;
	case SINK_FD_OTHER:
		fd = sink_open_fd(s, -1);
		break;
	}
	if (fd >= 0)
		atomic_store(&s->generation, gen);
	atomic_store(&s->reopening, 0);
	/* Now without a descriptor of its own: the next line opens one. */
	return fd == SINK_TRANSIENT ? -EAGAIN : fd;
}

/* Whose fragment flag: the run's, while we write to the run's log (a
 * wrapper may have pointed this process elsewhere); else our own. */
static _Atomic uint32_t *sink_fragment_word(struct evlog_sink *s)
{
	struct evlog_sink_tally *t = s->tally;

	if (t && t->log.ino == atomic_load_explicit(&s->ino, memory_order_relaxed) &&
	    t->log.dev == atomic_load_explicit(&s->dev, memory_order_relaxed))
		return &t->fragment;
	return &s->fragment;
}

/*
 * One write(2) of LEN bytes at BUF to FD.  To the program's stderr when it
 * is a pipe, without waiting (pwritev2 RWF_NOWAIT, which leaves the file
 * flags the program shares alone): a reader that stopped reading costs
 * lines, counted as lost (EAGAIN), never the writer's progress, and a line
 * (at most PIPE_BUF bytes) goes in whole or not at all.  A kernel or a pipe
 * that refuses RWF_NOWAIT (EOPNOTSUPP: a named FIFO as stderr) gets plain
 * writes.  A log file of ours is opened O_NONBLOCK instead (sink_file_open).
 */
static ssize_t sink_put(struct evlog_sink *s, int fd, const void *buf, size_t len)
{
	if (atomic_load_explicit(&s->pipe, memory_order_relaxed)) {
		struct iovec v = { .iov_base = (void *)buf, .iov_len = len };
		ssize_t n = pwritev2(fd, &v, 1, -1, RWF_NOWAIT);

		if (n >= 0 || errno != EOPNOTSUPP)
			return n;
		atomic_store(&s->pipe, false);
	}
	return write(fd, buf, len);
}

/* N of LEN bytes went out (0 < N < LEN): end the fragment now, or remember
 * that the next write must.  The "\n" can fail on the same full disk. */
static void sink_end_fragment(struct evlog_sink *s, int fd)
{
	if (write(fd, "\n", 1) != 1)
		atomic_store(sink_fragment_word(s), 1);
}

/* The log ends in a fragment: this line starts with the "\n" that ends it,
 * in the same write (two iovecs: O_APPEND makes it one append), so that no
 * other line can come in between.  Returns the bytes of LINE written, or -1
 * (the fragment still open). */
static ssize_t sink_write_after_fragment(struct evlog_sink *s, int fd, const char *line,
					 size_t len)
{
	struct iovec v[2] = { { .iov_base = "\n", .iov_len = 1 },
			      { .iov_base = (void *)line, .iov_len = len } };
	ssize_t n;

	n = -1;
	if (atomic_load_explicit(&s->pipe, memory_order_relaxed)) {
		n = pwritev2(fd, v, 2, -1, RWF_NOWAIT);
		if (n < 0 && errno == EOPNOTSUPP)
			atomic_store(&s->pipe, false);
	}
	if (!atomic_load_explicit(&s->pipe, memory_order_relaxed))
		n = writev(fd, v, 2);
	if (n <= 0) {
		atomic_store(sink_fragment_word(s), 1);
		return -1;
	}
	return n - 1;
}

void evlog_sink_trust_fd(struct evlog_sink *s)
{
	s->trusted = true;
	/* Ours alone: kept, wherever it had to go. */
	if (atomic_load(&s->transient) && s->kind)
		sink_open_fd(s, -1);
}

/*
 * Is the descriptor to be checked before this write?  The program's own
 * close, dup2, dup3, close_range and closefrom of our number say so
 * (evlog_sink_fds_closed, from the shim's interposed functions); and once a
 * second, for what no call of the program shows: the file removed, or a
 * descriptor closed by a system call the shim does not see.  Otherwise the
 * write is the only system call of the line.
 */
#define SINK_CHECK_EVERY_NS 1000000000LL

static bool sink_needs_check(struct evlog_sink *s)
{
	struct timespec now;
	int64_t ns;

	if (atomic_load_explicit(&s->stale, memory_order_relaxed))
		return true;	/* cleared once the descriptor is ours again */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
	if (ns - atomic_load_explicit(&s->checked_at, memory_order_relaxed) < SINK_CHECK_EVERY_NS)
		return false;
	atomic_store_explicit(&s->checked_at, ns, memory_order_relaxed);
	return true;
}

void evlog_sink_fds_closed(struct evlog_sink *s, unsigned first, unsigned last)
{
	int fd = atomic_load_explicit(&s->fd, memory_order_relaxed);

	if (fd >= 0 && (unsigned)fd >= first && (unsigned)fd <= last)
		atomic_store(&s->stale, true);
}

/*
 * One line as one message of a sink of messages.  Inside the program a
 * full queue costs the line (EAGAIN).  The launcher's trusted sink waits for
 * room, up to SINK_SEND_WAIT_MS for one line; a daemon that takes longer is
 * stuck rather than slow, and lines are lost without waiting (congested)
 * until one goes through again: the ring keeps the tree's events meanwhile.
 * A daemon that is gone (its socket refuses, or we were disconnected from
 * it) is connected to again at the sink's next check.
 */
#define SINK_SEND_WAIT_MS 1000

static ssize_t sink_send(struct evlog_sink *s, int fd, const char *line, size_t len, char *spare,
			 size_t cap)
{
	ssize_t n = s->kind->send(fd, line, len, spare, cap);

	if (n < 0 && errno == EAGAIN && s->trusted && !s->congested) {
		struct timespec start, now;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		long waited = 0;

		clock_gettime(CLOCK_MONOTONIC, &start);
		while (n < 0 && errno == EAGAIN && waited < SINK_SEND_WAIT_MS) {
			if (poll(&p, 1, (int)(SINK_SEND_WAIT_MS - waited)) < 0 && errno != EINTR)
				break;
			n = s->kind->send(fd, line, len, spare, cap);
			clock_gettime(CLOCK_MONOTONIC, &now);
			waited = (now.tv_sec - start.tv_sec) * 1000 +
				 (now.tv_nsec - start.tv_nsec) / 1000000;
		}
		if (n < 0 && errno == EAGAIN)
			s->congested = true;
	}
	if (n >= 0) {
		if (s->trusted)		/* the launcher's alone: one thread */
			s->congested = false;
	} else if (errno == ECONNREFUSED || errno == ENOTCONN || errno == ECONNRESET ||
		   errno == EPIPE) {
		int saved = errno;

		atomic_store(&s->refused, true);
		errno = saved;
	}
	return n;
}

/* The launcher's messages (trusted: never inside the program), with room
 * on its own stack.  Not inlined: the shim's path keeps a small frame. */
static __attribute__((noinline)) ssize_t sink_send_own(struct evlog_sink *s, int fd,
							const char *line, size_t len)
{
	char spare[EVLOG_SINK_SPARE];

	return sink_send(s, fd, line, len, spare, sizeof(spare));
}

bool evlog_sink_write(struct evlog_sink *s, const char *line, size_t len, pid_t reopener)
{
	return evlog_sink_write_spare(s, line, len, reopener, NULL, 0);
}

bool evlog_sink_write_spare(struct evlog_sink *s, const char *line, size_t len, pid_t reopener,
			    char *spare, size_t cap)
{
	int saved = errno, err = EBADF;
	bool transient = false;
	_Atomic uint32_t *frag;
	ssize_t n;
	int fd;

	if (!s->kind)
		goto lost_quiet;
	if (atomic_load_explicit(&s->transient, memory_order_relaxed)) {
		/* No descriptor kept (sink_open_fd): this line's own. */
		bool in_the_way;

		if (s->kind->send) {
			fd = s->kind->open(s->spec, &in_the_way);
			err = -fd;
		} else {
			fd = open(s->spec, SINK_FILE_FLAGS, 0600);
			err = errno;
		}
		if (fd < 0)
			goto lost;
		transient = true;
	} else {
		fd = atomic_load_explicit(&s->fd, memory_order_acquire);
	}
	/* A vfork child that finds the log rotated writes where its parent
	 * does until the parent reopens: it must not (sink_recover). */
	if (!transient && (fd < 0 || (reopener && sink_rotated(s)) ||
			   (!s->trusted && sink_needs_check(s) &&
			    sink_fd_state(s, fd) != SINK_FD_OURS))) {
		fd = sink_recover(s, reopener);
		if (fd < 0) {
			err = -fd;
			goto lost;
		}
	}
	if (atomic_load_explicit(&s->stale, memory_order_relaxed) && reopener)
		atomic_store_explicit(&s->stale, false, memory_order_relaxed);
	frag = sink_fragment_word(s);
	if (s->kind->send && !spare && s->trusted)
		n = sink_send_own(s, fd, line, len);
	else if (s->kind->send)
		n = sink_send(s, fd, line, len, spare, cap);
	else if (s->kind->stream && atomic_load_explicit(frag, memory_order_relaxed) &&
		 atomic_exchange(frag, 0))
		n = sink_write_after_fragment(s, fd, line, len);
	else
		n = sink_put(s, fd, line, len);
	if (n == (ssize_t)len) {
		if (transient)
			close(fd);
		if (reopener && !atomic_load_explicit(&s->healthy, memory_order_relaxed))
			atomic_store(&s->healthy, true);
		errno = saved;
		return true;
	}
	err = n < 0 ? errno : ENOSPC;	/* a short write sets no errno */
	if (err == EBADF)
		atomic_store(&s->stale, true);	/* closed where we did not see it */
	if (n > 0 && s->kind->stream)
		sink_end_fragment(s, fd);
	if (transient)
		close(fd);
lost:
	/* A vfork child's descriptors are its own copy: its success or
	 * failure says nothing of its parent's, whose sink this is. */
	if (reopener) {
		atomic_store_explicit(&s->err, err, memory_order_relaxed);
		if (atomic_load_explicit(&s->healthy, memory_order_relaxed))
			atomic_store(&s->healthy, false);
	}
lost_quiet:
	atomic_fetch_add_explicit(&s->lost, 1, memory_order_relaxed);
	if (s->tally)
		atomic_fetch_add_explicit(&s->tally->lost, 1, memory_order_relaxed);
	errno = saved;
	return false;
}

/* evlog_sink_write_lines() for a sink of messages: each line its own
 * message.  Returns the lines that went out. */
static unsigned sink_send_lines(struct evlog_sink *s, int fd, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	unsigned sent = 0;
	int err = 0;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;	/* the caller's lines all end in one */
		if (sink_send_own(s, fd, p, (size_t)(nl - p) + 1) >= 0)
			sent++;
		else
			err = errno;
	}
	if (err) {
		atomic_store(&s->err, err);
		atomic_store(&s->healthy, false);
	} else if (!atomic_load_explicit(&s->healthy, memory_order_relaxed)) {
		atomic_store(&s->healthy, true);
	}
	return sent;
}

unsigned evlog_sink_write_lines(struct evlog_sink *s, const char *buf, size_t len,
				unsigned lines)
{
	int fd = s->kind ? atomic_load_explicit(&s->fd, memory_order_acquire) : -1;
	_Atomic uint32_t *frag;
	unsigned whole = 0;
	ssize_t n;

	if (fd < 0 || !len)
		return 0;
	if (s->kind->send)
		return sink_send_lines(s, fd, buf, len);
	frag = sink_fragment_word(s);
	if (s->kind->stream && atomic_load_explicit(frag, memory_order_relaxed) &&
	    atomic_exchange(frag, 0) && sink_put(s, fd, "\n", 1) != 1) {
		atomic_store(frag, 1);
		atomic_store(&s->err, errno);
		atomic_store(&s->healthy, false);
		return 0;
	}
	n = sink_put(s, fd, buf, len);
	if (n == (ssize_t)len) {
		if (!atomic_load_explicit(&s->healthy, memory_order_relaxed))
			atomic_store(&s->healthy, true);
		return lines;
	}
	atomic_store(&s->err, n < 0 ? errno : ENOSPC);
	atomic_store(&s->healthy, false);
	if (n <= 0)
		return 0;
	for (const char *p = buf, *end = buf + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		whole++;
	if (buf[n - 1] != '\n' && s->kind->stream)
		sink_end_fragment(s, fd);
	return whole;
}

int evlog_sink_check(struct evlog_sink *s)
{
	int fd;

	if (!s->kind)
		return -EINVAL;
	fd = atomic_load(&s->fd);
	if (fd >= 0 && sink_fd_state(s, fd) == SINK_FD_OURS) {
		if (!sink_rotated(s))
			return 0;
		return sink_recover(s, getpid()) < 0 ? 0 : 2;
	}
	fd = sink_recover(s, getpid());
	if (fd < 0) {
		atomic_store(&s->err, -fd);
		atomic_store(&s->healthy, false);
		return fd;
	}
	return 1;
}

int evlog_sink_rotated(struct evlog_sink *s)
{
	struct evlog_sink_tally *t = s->tally;
	int old = atomic_load(&s->fd), fd;

	if (!s->kind || !s->kind->reopens)
		return -EINVAL;
	fd = sink_open_fd(s, old);
	if (fd < 0)
		return fd;
	if (fd != old && old >= 0)
		close(old);	/* dup3 could not put it in place: ours, unused */
	if (t) {
		/* The new file ends in no fragment; the identity first, so
		 * that a writer that sees the new generation finds it. */
		t->log.ino = 0;
		t->log.dev = atomic_load(&s->dev);
		t->log.ino = atomic_load(&s->ino);
		atomic_store(&t->fragment, 0);
		atomic_store(&s->generation, atomic_fetch_add(&t->generation, 1) + 1);
	}
	return 0;
}

void evlog_sink_count_decision(struct evlog_sink *s, int decision)
{
	struct evlog_sink_tally *t = s->tally;

	if (!t)
		return;
	if (decision == EVENT_DENY)
		atomic_fetch_add_explicit(&t->denied, 1, memory_order_relaxed);
	else if (decision == EVENT_WOULD_DENY)
		atomic_fetch_add_explicit(&t->would_deny, 1, memory_order_relaxed);
	else if (decision == EVENT_KILL)
		atomic_fetch_add_explicit(&t->killed, 1, memory_order_relaxed);
}

void evlog_sink_count_lost(struct evlog_sink *s)
{
	atomic_fetch_add_explicit(&s->lost, 1, memory_order_relaxed);
	if (s->tally)
		atomic_fetch_add_explicit(&s->tally->lost, 1, memory_order_relaxed);
}

bool evlog_sink_write_record(struct evlog_sink *s, const char *line, size_t len)
{
	if (evlog_sink_write(s, line, len, getpid()))
		return true;
	atomic_fetch_sub(&s->lost, 1);
	if (s->tally)
		atomic_fetch_sub(&s->tally->lost, 1);
	return false;
}

bool evlog_sink_healthy(const struct evlog_sink *s)
{
	return atomic_load_explicit(&s->healthy, memory_order_relaxed);
}

bool evlog_sink_is(const struct evlog_sink *s, const struct evlog_sink_id *id)
{
	return evlog_sink_healthy(s) &&
	       atomic_load_explicit(&s->ino, memory_order_relaxed) == id->ino &&
	       atomic_load_explicit(&s->dev, memory_order_relaxed) == id->dev;
}

int evlog_sink_fd(const struct evlog_sink *s)
{
	return atomic_load(&s->fd);
}

int evlog_sink_identity(const struct evlog_sink *s, struct evlog_sink_id *id)
{
	if (atomic_load(&s->fd) < 0)
		return -EBADF;
	id->dev = atomic_load(&s->dev);
	id->ino = atomic_load(&s->ino);
	return 0;
}

uint64_t evlog_sink_lost(const struct evlog_sink *s)
{
	return atomic_load(&s->lost);
}

int evlog_sink_error(const struct evlog_sink *s)
{
	return atomic_load(&s->err);
}

const char *evlog_sink_spec(const struct evlog_sink *s)
{
	return s->spec;
}

void evlog_sink_attach(struct evlog_sink *s, struct evlog_sink_tally *t)
{
	if (!t->log.ino && evlog_sink_identity(s, &t->log) < 0)
		t->log.ino = 0;
	/* What we opened is the log as of now. */
	atomic_store(&s->generation, atomic_load(&t->generation));
	s->tally = t;
}

/* --- the tally -------------------------------------------------------- */

int evlog_sink_tally_create(struct evlog_sink_tally **t, struct evlog_sink_id *id, size_t extra)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = (size_t)page + extra;
	struct stat st;
	int fd, high, err;
	void *p;

	fd = memfd_create("sockaudit-tally", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/* Its size is sealed: a program that truncated it would make every
	 * process of the run that mapped it die of SIGBUS. */
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0 ||
	    fstat(fd, &st) < 0)
		goto fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	*t = p;
	(*t)->magic = EVLOG_SINK_TALLY_MAGIC;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	/* Inherited across exec, out of the program's way. */
	high = evlog_sink_fd_inherit(fd, EVLOG_SINK_SLOT_TALLY);
	if (high >= 0)
		return high;
	errno = -high;
fail:
	err = errno;
	close(fd);
	return -err;
}

struct evlog_sink_tally *evlog_sink_tally_map(int fd, const struct evlog_sink_id *id)
{
	struct evlog_sink_tally *t;
	struct stat st;
	void *p;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != id->dev || st.st_ino != id->ino ||
	    !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(*t))
		return NULL;
	p = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	t = p;
	if (t->magic != EVLOG_SINK_TALLY_MAGIC) {
		munmap(p, sizeof(*t));
		return NULL;
	}
	return t;
}

int evlog_sink_fd_inherit(int fd, int eighths)
{
	bool in_the_way;
	int high = sink_place_fd(fd, eighths, false, &in_the_way);

	/* Not moved (a tiny limit, full): where it is, inheritable. */
	if (high == fd && fcntl(fd, F_SETFD, 0) < 0)
		return -errno;
	return high;
}

/* --- identities as text ------------------------------------------------- */

static char *sink_put_hex(char *p, uint64_t v)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

char *evlog_sink_id_format(const struct evlog_sink_id *id, char *buf, size_t cap)
{
	char *p = buf;

	if (cap < EVLOG_SINK_ID_TEXT) {
		if (cap)
			buf[0] = '\0';
		return buf;
	}
	p = sink_put_hex(p, id->dev);
	*p++ = ':';
	p = sink_put_hex(p, id->ino);
	*p = '\0';
	return buf;
}

static const char *sink_get_hex(const char *s, uint64_t *v)
{
	int n = 0;

	*v = 0;
	for (;; s++, n++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			break;
		if (n == 16)
			return NULL;
		*v = *v << 4 | (uint64_t)d;
	}
	return n ? s : NULL;
}

const char *evlog_sink_id_parse(const char *s, struct evlog_sink_id *id)
{
	s = sink_get_hex(s, &id->dev);
	if (!s || *s != ':')
		return NULL;
	return sink_get_hex(s + 1, &id->ino);
}

char *evlog_sink_fd_format(int fd, const struct evlog_sink_id *id, char *buf, size_t cap)
{
	char num[16], *p = num + sizeof(num);
	unsigned v = fd < 0 ? 0 : (unsigned)fd;
	size_t n;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = (size_t)(num + sizeof(num) - p);
	if (cap < EVLOG_SINK_FD_TEXT) {
		if (cap)
			buf[0] = '\0';
		return buf;
	}
	memcpy(buf, p, n);
	buf[n] = ':';
	evlog_sink_id_format(id, buf + n + 1, cap - n - 1);
	return buf;
}

int evlog_sink_fd_parse(const char *s, int *fd, struct evlog_sink_id *id)
{
	long v = 0;
	int n = 0;

	for (; *s >= '0' && *s <= '9'; s++, n++) {
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return -EINVAL;
	}
	if (!n || *s != ':')
		return -EINVAL;
	s = evlog_sink_id_parse(s + 1, id);
	if (!s || *s)
		return -EINVAL;
	*fd = (int)v;
	return 0;
}
