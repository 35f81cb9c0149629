/* SPDX-License-Identifier: MIT */
/* run.h - what `sockaudit run` hands the kernel layers (tools/supervise.c). */
#ifndef SOCKAUDIT_RUN_H
#define SOCKAUDIT_RUN_H

#include <stdint.h>

#include "policy.h"
#include "drain.h"
#include "sink.h"

enum run_layer { RUN_LAYER_AUTO, RUN_LAYER_PRELOAD, RUN_LAYER_SECCOMP };

struct run_spec {
	const struct policy *policy;	/* validated, --mode already applied */
	struct evlog_sink *log;		/* opened by run; losses reach its tally */
	struct evlog_drain *drain;	/* the one writer of LOG (drain.h) */
	enum run_layer layer;		/* AUTO or SECCOMP here */
	const char *exe_path;		/* CMD resolved through PATH */
	char **argv;			/* CMD [ARG...] */
	char **envp;			/* CMD's environment, shim variables set */
	uint64_t marker;		/* what the shim puts in LAYERS_MARKER_ARG;
					   0 when the shim is not loaded */
};

/* Start the child (sharing our memory and descriptors until its exec, as
 * posix_spawn's does); in it set no_new_privs, install the policy's seccomp
 * filter with a user-notification listener, exec.  The parent supervises the whole process tree until the child exits and
 * returns sockaudit run's exit status: the child's status, 125 when sockaudit
 * failed, 126 when CMD could not be executed, 127 when not found, 128+N when
 * CMD was killed by signal N. */
int supervise_run(const struct run_spec *spec);

/* In a child about to exec CMD: CMD's own limit of descriptors back (run
 * raises its own soft limit to work, run.c). */
void run_limits_restore(void);

#endif
