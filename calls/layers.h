/* layers.h - what the preload shim and the kernel layers agree on.
 *
 * Duplicate suppression: under `sockaudit run --layer auto` the shim makes
 * its own raw syscall with MARKER in argument 5 (the sixth), which none of
 * socket, socketpair, accept, accept4 and shutdown reads.  The seccomp filter
 * sends only unmarked calls to the notify supervisor, so a call the shim has
 * already logged is not logged twice.  The kernel's deny rules are checked
 * before the marker, so a program that forges it escapes only the duplicate
 * suppression, never a deny.
 */
#ifndef SOCKAUDIT_LAYERS_H
#define SOCKAUDIT_LAYERS_H

/* The environment the launcher hands the shim. */
#define LAYERS_ENV_POLICY "SOCKAUDIT_POLICY"	/* absolute path; absent: default */
#define LAYERS_ENV_LOG "SOCKAUDIT_LOG"		/* absolute path, or "stderr" */
#define LAYERS_ENV_MODE "SOCKAUDIT_MODE"	/* "audit" or "enforce" */
#define LAYERS_ENV_MARKER "SOCKAUDIT_MARKER"	/* hex; set only with kernel layers */

/* The syscall argument that carries the marker. */
#define LAYERS_MARKER_ARG 5

#endif
