/* SPDX-License-Identifier: MIT */
/* fds.c - the descriptor calls that end a socket's use of its number:
 * close, dup2, dup3, close_range, closefrom (and the same numbers through
 * syscall()).  Each forgets the facts kept for what it closes or replaces
 * (facts.c), has the log's descriptor checked before its next write if it
 * is among them (log.c), then does what the program asked, through libc's own function
 * (close stays a cancellation point).  Nothing is decided or logged here.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

struct shim_real_fds shim_real_fds;

/* Before init bound libc's functions: the system call itself. */
static long fds_raw(long nr, long a0, long a1, long a2)
{
	return shim_sys(nr, (const long[6]){ a0, a1, a2 });
}

/* What the program closes or replaces: the facts kept for it, and the log's
 * descriptor if it is one of them.  A vfork child's descriptors are its own
 * copy: its parent's log is untouched. */
static void fds_closing(unsigned first, unsigned last)
{
	shim_facts_forget(first, last);
	if (!shim_in_vfork())
		shim_log_fds_closed(first, last);
}

SHIM_EXPORT int close(int fd)
{
	if (fd >= 0)
		fds_closing((unsigned)fd, (unsigned)fd);
	if (shim_real_fds.close)
		return shim_real_fds.close(fd);
	return (int)fds_raw(SYS_close, fd, 0, 0);
}

SHIM_EXPORT int dup2(int old, int new)
{
	if (new >= 0 && new != old)
		fds_closing((unsigned)new, (unsigned)new);
	if (shim_real_fds.dup2)
		return shim_real_fds.dup2(old, new);
	if (old == new) {
		/* What dup2 does then: check OLD. */
		if (fds_raw(SYS_fcntl, old, F_GETFD, 0) < 0)
			return -1;
		return new;
	}
	return (int)fds_raw(SYS_dup3, old, new, 0);
}

SHIM_EXPORT int dup3(int old, int new, int flags)
{
	if (new >= 0 && new != old)
		fds_closing((unsigned)new, (unsigned)new);
	if (shim_real_fds.dup3)
		return shim_real_fds.dup3(old, new, flags);
	return (int)fds_raw(SYS_dup3, old, new, flags);
}

SHIM_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	/* CLOSE_RANGE_CLOEXEC only marks them close-on-exec. */
	if (!(flags & CLOSE_RANGE_CLOEXEC) && first <= last)
		fds_closing(first, last);
	if (shim_real_fds.close_range)
		return shim_real_fds.close_range(first, last, flags);
	return (int)fds_raw(SYS_close_range, first, last, flags);
}

SHIM_EXPORT void closefrom(int low)
{
	if (low < 0)
		low = 0;
	fds_closing((unsigned)low, ~0U);
	if (shim_real_fds.closefrom) {
		shim_real_fds.closefrom(low);
		return;
	}
	fds_raw(SYS_close_range, low, ~0U, 0);
}

void shim_fds_syscall(long nr, const long a[6])
{
	switch (nr) {
	case SYS_close:
		if ((int)a[0] >= 0)
			fds_closing((unsigned)a[0], (unsigned)a[0]);
		break;
#ifdef SYS_dup2
	case SYS_dup2:
#endif
	case SYS_dup3:
		if ((int)a[1] >= 0 && a[1] != a[0])
			fds_closing((unsigned)a[1], (unsigned)a[1]);
		break;
	case SYS_close_range:
		if (!(a[2] & CLOSE_RANGE_CLOEXEC) && (unsigned)a[0] <= (unsigned)a[1])
			fds_closing((unsigned)a[0], (unsigned)a[1]);
		break;
	}
}
