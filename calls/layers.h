/* SPDX-License-Identifier: MIT */
/* layers.h - what the preload shim and the kernel layers agree on.
 *
 * Duplicate suppression: under `sockaudit run --layer auto` the shim makes
 * its own raw syscall with MARKER in argument 5 (the sixth), which none of
 * socket, socketpair, accept, accept4 and shutdown reads.  The seccomp filter
 * sends only unmarked calls to the notify supervisor, so a call the shim has
 * already logged is not logged twice.  The kernel's deny rules are checked
 * before the marker, so a program that forges it escapes only the duplicate
 * suppression, never a deny.
 *
 * The marker is bound to the log: SOCKAUDIT_MARKER is "MARKER:DEV:INO", all
 * in lowercase hex, where DEV:INO is the identity (st_dev, st_ino) of the
 * log the supervisor writes, as `sockaudit run` opened it.  The shim marks a
 * call only while its own log is that very file and its writes succeed
 * (shim_handover in shim/shim.h): a wrapper that execs with SOCKAUDIT_LOG
 * set to /dev/null or a relative path, a privilege drop that leaves the
 * shim unable to open the 0600 log, a full disk, all send the calls to the
 * supervisor unmarked, which logs them.  (Forging the marker and the
 * identity hides calls only from a shim that was told to trust that file.)
 *
 * SOCKAUDIT_TALLY is "FD:DEV:INO": FD (decimal) is an inherited descriptor
 * of a memfd whose identity is DEV:INO (hex), holding the run's tally of
 * losses (evlog/sink.h).  Each shim maps it at init and counts there the
 * events it could not write; `sockaudit run` prints the total.  A program
 * that closes FD (or puts something else there) before it execs leaves the
 * new image without it: that shim then says its losses on stderr itself.
 *
 * SOCKAUDIT_POLICY_FD is "FD:DEV:INO" too (under `sockaudit run -p`, which
 * then removes SOCKAUDIT_POLICY): one policy snapshot for every layer of
 * the run.  run reads the policy file once, validates it, compiles the
 * kernel filter and gives the supervisor the parsed policy from that text,
 * and puts the same text into a memfd sealed with LAYERS_POLICY_SEALS,
 * inherited by the whole tree.  Each shim checks that FD is that very
 * memfd, fully sealed, reads it with pread (the offset the tree shares
 * never moves) and parses it: an edit of the file during the run changes
 * nothing, and no shim opens the path (a FIFO, /dev/fd/N).  A program that
 * closed or replaced FD before it exec'ed leaves the new image without the
 * run's policy: under the kernel layers (a marker) that shim hands its
 * calls over to the supervisor, unmarked; alone it fails closed in the
 * run's mode (SOCKAUDIT_MODE).
 */
#ifndef SOCKAUDIT_LAYERS_H
#define SOCKAUDIT_LAYERS_H

#include <fcntl.h>

/* The environment the launcher hands the shim. */
#define LAYERS_ENV_POLICY "SOCKAUDIT_POLICY"	/* absolute path; absent: default */
#define LAYERS_ENV_POLICY_FD "SOCKAUDIT_POLICY_FD"	/* FD:DEV:INO; only under run -p */
#define LAYERS_ENV_LOG "SOCKAUDIT_LOG"		/* absolute path, or "stderr" */
#define LAYERS_ENV_MODE "SOCKAUDIT_MODE"	/* "audit" or "enforce" */
#define LAYERS_ENV_MARKER "SOCKAUDIT_MARKER"	/* MARKER:DEV:INO; only with kernel layers */
#define LAYERS_ENV_TALLY "SOCKAUDIT_TALLY"	/* FD:DEV:INO; only under sockaudit run */

/* The seals of the policy snapshot: its text can change no more. */
#define LAYERS_POLICY_SEALS (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

/* The syscall argument that carries the marker. */
#define LAYERS_MARKER_ARG 5

#endif
