/* SPDX-License-Identifier: MIT */
/* seccomp.h - a policy compiled into a libseccomp filter.
 *
 * Covers socket, socketpair, accept, accept4 and shutdown with the policy's
 * first-match semantics preserved exactly (see policy/rules.h), the address
 * events connect, bind, sendto, sendmsg and sendmmsg (natively: their
 * decision needs the address, which only the supervisor reads), io_uring_setup
 * (see policy_io_uring_allowed), and every architecture the filter may meet
 * (socketcall on i386 hides its arguments behind a pointer).
 */
#ifndef SOCKAUDIT_SECCOMP_H
#define SOCKAUDIT_SECCOMP_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <seccomp.h>
#include <linux/filter.h>

#include "policy.h"

struct policy_seccomp_opts {
	/* Send to the user-notification supervisor every call it must log or
	 * decide (logged calls, rules the filter cannot express), and the
	 * calls after which it could no longer read the caller's executable
	 * or would read another: prctl(PR_SET_DUMPABLE, ...), execve,
	 * execveat (tools/notify.c, notify_lifecycle).  false: a filter that
	 * decides alone and logs nothing. */
	bool notify;
	/* Non-zero: calls carrying this value in argument LAYERS_MARKER_ARG
	 * were logged by the preload shim: they skip the supervisor, never the
	 * kernel's deny rules. */
	uint64_t marker;
	/* Non-zero: every deny returns this errno instead of the rule's, so a
	 * test can tell a filter denial from the kernel's own errors. */
	int force_errno;
	/* Non-zero: every kill returns this errno instead, so that a test can
	 * run many killing calls in one process. */
	int kill_errno;
	/* With notify: send every socket, socketpair, shutdown, accept and
	 * accept4 to the supervisor, marked or not, and let it decide them
	 * all.  The fallback for a policy whose exact filter exceeds the
	 * kernel's size limit: the same decisions, at a notification's cost. */
	bool notify_all;
	/* Fail with -E2BIG when the direct i386 calls' regions do not fit
	 * beside the native ones, rather than deciding each of them whole
	 * (see policy_seccomp_build). */
	bool i386_exact;
};

/* What the filter answers, in enforce mode, to io_uring_setup,
 * io_uring_enter and io_uring_register unless policy_io_uring_allowed(): a
 * ring could create sockets (IORING_OP_SOCKET) no socket rule sees.  EPERM is
 * also what kernel.io_uring_disabled answers, so programs already cope. */
#define POLICY_SECCOMP_IO_URING_ERRNO EPERM

/* What the filter answers, in enforce mode, to an i386 (int 0x80)
 * socketcall(2) operation (socket, socketpair, accept, accept4, shutdown)
 * unless the policy decides that call the same way whatever its arguments,
 * its socket and its exe: socketcall hides the arguments behind a pointer,
 * which the filter cannot read and which another thread may rewrite after
 * the supervisor read it.  ENOSYS is what a kernel without socketcall says.
 * (The direct i386 calls are decided like the native ones.) */
#define POLICY_SECCOMP_I386_ERRNO ENOSYS

/* The i386 socketcall(2) operation (SYS_SOCKET, ... of <linux/net.h>) of
 * the call named CALL (a calls_table name), and in *NARGS (may be NULL) how
 * many 32-bit words the kernel reads for it at socketcall's pointer: 0 (and
 * 0) when socketcall has no such operation. */
int policy_seccomp_socketcall_op(const char *call, unsigned *nargs);

/* Build the filter for P into *CTX (a new context the caller releases with
 * seccomp_release).  Returns 0, or a negative errno: -E2BIG when the policy
 * needs more BPF than the kernel accepts (4096 instructions).
 *
 * The filter decides every socket, socketpair, shutdown, accept and accept4
 * exactly as policy_match() would, on the (int) values the kernel uses (the
 * upper halves of the registers never matter).  Where it cannot see what
 * decides (a rule with "exe"; the family, type and protocol of the
 * descriptor passed to shutdown or accept): with O->notify the call goes to
 * the supervisor; without, shutdown and socket get the strictest decision
 * any of the candidate rules gives (kill, then deny with the earliest rule's
 * errno), accept and accept4 the most lenient (the listening socket passed
 * the same socket.__new__ rules when it was created).  The address events
 * (connect, bind, sendto with an address, sendmsg, sendmmsg) depend on an
 * address in memory: with O->notify they go to the supervisor unless every
 * address and socket would get the same decision and nothing would be
 * logged (then the kernel allows them without waking it), and marked ones
 * (never sendto, which has no free argument) are allowed; without, they get
 * the strictest decision.  Not covered yet: the i386 address calls (direct
 * and through socketcall) pass unseen.  In audit mode the
 * kernel denies nothing.  On x86-64, the direct i386 calls (int 0x80) are
 * decided the same way, in the same filter (one listener), never counted as
 * marked; socketcall's operations get one action each (see
 * POLICY_SECCOMP_I386_ERRNO).  When those i386 regions would push the filter
 * past the limit, each direct i386 call gets one action instead (unless
 * O->i386_exact): the policy's when it decides the call alike for every
 * argument, else the supervisor's with O->notify, else ENOSYS
 * (POLICY_SECCOMP_I386_ERRNO) in enforce mode.  Other architectures (x32 among them) are
 * killed in enforce mode and allowed in audit mode.  O may be NULL (no
 * notify, no marker). */
int policy_seccomp_build(const struct policy *p, const struct policy_seccomp_opts *o,
			 scmp_filter_ctx *ctx);

/* policy_seccomp_build(), exported: the BPF program the kernel takes, in
 * PROG (PROG->filter malloc'd, the caller frees it).  Cheaper than
 * building and exporting again: the size check's export is the program.
 * Returns 0 or what policy_seccomp_build() would. */
int policy_seccomp_bpf(const struct policy *p, const struct policy_seccomp_opts *o,
		       struct sock_fprog *prog);

#endif
