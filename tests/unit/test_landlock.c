/* SPDX-License-Identifier: MIT */
/* test_landlock.c - when `sockaudit run` can use Landlock as the backstop
 * of the policy's TCP ports, and the note it prints when it cannot
 * (tools/landlock.c), for kernels this machine is not: no Landlock, Landlock
 * disabled at boot, an ABI without network rules, erratum 1 unfixed.
 *
 * Unit tests link only libcore.a, so the file under test is compiled in. */
#include <errno.h>

#include "check.h"
#include "../../tools/landlock.c"

int main(void)
{
	char buf[256];

	CHECK(!landlock_unusable(4, 0, 1, buf, sizeof(buf)), "ABI 4, erratum 1 fixed: usable");
	CHECK(!landlock_unusable(7, 0, 7, buf, sizeof(buf)), "ABI 7, errata 1-3 fixed: usable");
	CHECK_STR(landlock_unusable(-1, ENOSYS, -1, buf, sizeof(buf)),
		  "this kernel has no Landlock", "ENOSYS: not built in");
	CHECK_STR(landlock_unusable(-1, EOPNOTSUPP, -1, buf, sizeof(buf)),
		  "Landlock is disabled on this kernel (it is not in the lsm= boot parameter)",
		  "EOPNOTSUPP: disabled at boot");
	CHECK_STR(landlock_unusable(-1, EPERM, -1, buf, sizeof(buf)),
		  "Landlock: Operation not permitted", "another error is named");
	CHECK_STR(landlock_unusable(3, 0, -1, buf, sizeof(buf)),
		  "this kernel's Landlock (ABI 3) has no TCP port rules (ABI 4, Linux 6.7)",
		  "ABI 3: no network rules");
	CHECK_STR(landlock_unusable(1, 0, 0, buf, sizeof(buf)),
		  "this kernel's Landlock (ABI 1) has no TCP port rules (ABI 4, Linux 6.7)",
		  "ABI 1");
	CHECK_STR(landlock_unusable(4, 0, -1, buf, sizeof(buf)),
		  "this kernel's Landlock TCP rules also restrict MPTCP, SCTP and SMC sockets "
		  "(ABI 4 erratum 1 unfixed)", "ABI 4 without the errata query");
	CHECK(landlock_unusable(6, 0, 2, buf, sizeof(buf)) != NULL,
	      "ABI 6 with erratum 2 fixed but not 1: unusable");
	return check_done();
}
