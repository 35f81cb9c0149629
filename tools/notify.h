/* SPDX-License-Identifier: MIT */
/* notify.h - answer seccomp user notifications for one process tree.
 *
 * The supervisor loop (supervise.c) owns the listener and the signals; this
 * module turns one notification into facts (/proc, the target's socket),
 * asks the policy, answers the kernel and hands the event to the drain
 * (drain.h), whose thread formats, seals and writes it on the other CPU:
 * the caller waits for none of that.  (A process that writes the log
 * itself gets its line written before its call is answered: notify.c.)  A logged
 * shutdown, and a logged accept that cannot block, it makes itself on its
 * copy of the target's descriptor, so that the event has the real result
 * (the accepted socket goes to the target with SECCOMP_IOCTL_NOTIF_ADDFD);
 * every other allowed call continues, its result unknown (null).  The
 * address events (connect, bind, sendto, sendmsg, sendmmsg) it decides on
 * the address read from the caller's memory, one event per address; an
 * allowed inet bind, and an inet connect that cannot block, it makes itself
 * with the address it checked (see notify.c for what stays open).
 */
#ifndef SOCKAUDIT_NOTIFY_H
#define SOCKAUDIT_NOTIFY_H

#include <stdint.h>

#include "policy.h"
#include "drain.h"
#include "sink.h"

struct notify_ctx;

/* A context deciding with P (whose mode is already final) and writing events
 * to LOG (not closed by notify_free).  A call carrying MARKER (non-zero) in
 * argument LAYERS_MARKER_ARG was logged by the preload shim: it is decided but
 * not logged again (only a notify_all filter sends such calls here).  NULL
 * when out of memory or when the kernel cannot tell the notification sizes
 * (errno set). */
struct notify_ctx *notify_new(const struct policy *p, struct evlog_drain *log, uint64_t marker);

void notify_free(struct notify_ctx *c);

/* Receive one notification from LISTENER, answer it and log it.  Returns 0
 * when the notification was handled or had vanished (its caller died or a
 * signal cancelled it: the kernel restarts or drops the call), -errno when the
 * listener itself failed. */
int notify_serve(struct notify_ctx *c, int listener);

struct seal_chain;

/* Seal every event C writes from now on with CHAIN (seal.h), which the
 * caller owns: it may be shared with another process that continues it. */
void notify_seal(struct notify_ctx *c, struct seal_chain *chain);

/* The number of events that could not be written (a seq gap shows each). */
unsigned long notify_lost(const struct notify_ctx *c);

#endif
