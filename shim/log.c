/* log.c - the log descriptor, and the one write(2) per event.
 *
 * The program owns its descriptors: it may close all of them (closefrom,
 * close_range, a loop up to its limit) or dup2() its own file or socket onto
 * the number we use.  So before each write we check that the descriptor still
 * refers to the file we opened (fstat: same st_dev and st_ino), and when it
 * does not we open the path again instead of writing into the program's file.
 * The descriptor sits high (F_DUPFD_CLOEXEC) to stay out of the way of
 * programs that expect the lowest numbers, and is close-on-exec: the next
 * process image opens its own.
 *
 * SOCKAUDIT_LOG=stderr writes to descriptor 2 for as long as it is the file
 * it was at init; the shim holds no copy of it (a copy would keep a pipe open
 * that the program meant to close), so events written after the program
 * closed or replaced its stderr are lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layers.h"
#include "shim.h"

static const char *log_path;		/* NULL: stderr */
static int log_min_fd;			/* where to move a reopened descriptor */
static _Atomic int log_fd = -1;		/* -1: none */
static _Atomic dev_t log_dev;		/* what log_fd must be */
static _Atomic ino_t log_ino;
static _Atomic pid_t log_reopening;	/* the pid reopening, 0: nobody */
static _Atomic uint64_t log_lost;

static bool log_fd_ok(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 &&
	       st.st_ino == atomic_load_explicit(&log_ino, memory_order_relaxed) &&
	       st.st_dev == atomic_load_explicit(&log_dev, memory_order_relaxed);
}

/* Open log_path, move it high, publish it.  Returns the descriptor or -1
 * with errno set. */
static int log_open(void)
{
	struct stat st;
	int fd, high;

	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -1;
	high = fcntl(fd, F_DUPFD_CLOEXEC, log_min_fd);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	if (fstat(fd, &st) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	/* The identity first: a thread that sees the new descriptor must
	 * also see what it should be. */
	atomic_store(&log_dev, st.st_dev);
	atomic_store(&log_ino, st.st_ino);
	atomic_store(&log_fd, fd);
	return fd;
}

void shim_log_init(const char *spec)
{
	struct rlimit rl;
	struct stat st;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		log_min_fd = (int)((rl.rlim_cur < 1024 ? rl.rlim_cur : 1024) * 7 / 8);
	else
		log_min_fd = 896;

	if (!spec || !*spec || !strcmp(spec, "stderr")) {
		log_path = NULL;
		if (fstat(STDERR_FILENO, &st) == 0) {
			atomic_store(&log_dev, st.st_dev);
			atomic_store(&log_ino, st.st_ino);
			atomic_store(&log_fd, STDERR_FILENO);
		}
		return;
	}
	if (spec[0] != '/') {
		/* A relative path would name a different file in every
		 * process that changed directory: refuse it. */
		shim_say(LAYERS_ENV_LOG "='", spec,
			 "' is not an absolute path or 'stderr'; events are not logged", NULL);
		return;
	}
	log_path = spec;
	if (log_open() < 0)
		shim_say("cannot open log ", spec, ": ",
			 strerrordesc_np(errno) ? strerrordesc_np(errno) : "error",
			 "; events are lost until it can be opened", NULL);
}

/* Our descriptor is gone or is now the program's: open the path again.
 * Only one thread does it at a time; the others lose their event rather than
 * wait (they may be signal handlers interrupting the reopening thread).  A
 * vfork child never does it: the state it would change is its parent's. */
static int log_recover(const struct shim_self *s)
{
	pid_t holder = 0;
	int fd = -1;

	if (!log_path || s->shared_vm)
		return -1;
	if (!atomic_compare_exchange_strong(&log_reopening, &holder, s->pid)) {
		/* Held by the process we were forked from: nobody here
		 * will ever release it. */
		if (holder == s->pid ||
		    !atomic_compare_exchange_strong(&log_reopening, &holder, s->pid))
			return -1;
	}
	/* Another thread may have reopened it meanwhile. */
	fd = atomic_load(&log_fd);
	if (!log_fd_ok(fd))
		fd = log_open();
	atomic_store(&log_reopening, 0);
	return fd;
}

void shim_log_write(const char *line, size_t len, const struct shim_self *s)
{
	int fd = atomic_load_explicit(&log_fd, memory_order_acquire);
	ssize_t n;

	/* The check and the write are two system calls: a program that
	 * dup2()s onto our descriptor in between, from another thread, can
	 * still receive one line.  No user-space check can close that. */
	if (!log_fd_ok(fd)) {
		fd = log_recover(s);
		if (fd < 0)
			goto lost;
	}
	n = write(fd, line, len);
	if (n == (ssize_t)len)
		return;
	/* A short write (disk full) leaves a fragment: end it, so that the
	 * next event starts a line of its own. */
	if (n > 0 && write(fd, "\n", 1) < 0)
		n = -1;	/* nothing more can be done about it */
lost:
	atomic_fetch_add_explicit(&log_lost, 1, memory_order_relaxed);
}

uint64_t shim_log_lost(void)
{
	return atomic_load(&log_lost);
}
