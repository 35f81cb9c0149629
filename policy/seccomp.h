/* seccomp.h - a policy compiled into a libseccomp filter.
 *
 * Covers socket, socketpair, accept, accept4 and shutdown with the policy's
 * first-match semantics preserved exactly (see policy/rules.h), io_uring_setup
 * (see policy_io_uring_allowed), and every architecture the filter may meet
 * (socketcall on i386 hides its arguments behind a pointer).
 */
#ifndef SOCKAUDIT_SECCOMP_H
#define SOCKAUDIT_SECCOMP_H

#include <stdbool.h>
#include <stdint.h>
#include <seccomp.h>

#include "policy.h"

struct policy_seccomp_opts {
	/* Send to the user-notification supervisor every call it must log or
	 * decide (logged calls, rules the filter cannot express).  false: a
	 * filter that decides alone and logs nothing. */
	bool notify;
	/* Non-zero: calls carrying this value in argument LAYERS_MARKER_ARG
	 * were logged by the preload shim: they skip the supervisor, never the
	 * kernel's deny rules. */
	uint64_t marker;
	/* Non-zero: every deny returns this errno instead of the rule's, so a
	 * test can tell a filter denial from the kernel's own errors. */
	int force_errno;
};

/* Build the filter for P into *CTX (a new context the caller releases with
 * seccomp_release).  Returns 0, or a negative errno. */
int policy_seccomp_build(const struct policy *p, const struct policy_seccomp_opts *o,
			 scmp_filter_ctx *ctx);

#endif
