/* SPDX-License-Identifier: MIT */
/* unotify.h - the parts of the seccomp user-notification ABI that are newer
 * than Debian 12's kernel headers, for the supervisor (supervise.c) and the
 * bare supervisor it is measured against (bench/k2_bare.c).  A kernel that
 * predates one refuses it (EINVAL), and both then work as before.
 */
#ifndef SOCKAUDIT_UNOTIFY_H
#define SOCKAUDIT_UNOTIFY_H

#include <linux/seccomp.h>

/* Linux 5.19: once received, a notification is interrupted only by a fatal
 * signal. */
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* Linux 6.6: synchronous wake-ups, the caller's CPU switching straight to
 * the supervisor and back. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#endif
