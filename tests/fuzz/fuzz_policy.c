/* SPDX-License-Identifier: MIT */
/* fuzz_policy.c - any bytes as a policy: parse, match, print diagnostics,
 * free.  Never a crash, a hang or a leak (libFuzzer + ASan + UBSan). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct policy_call calls[] = {
		{ .event = POLICY_EV_NEW, .family = AF_INET, .type = SOCK_STREAM | SOCK_CLOEXEC,
		  .exe = "/usr/bin/curl" },
		{ .event = POLICY_EV_NEW, .family = AF_NETLINK, .type = SOCK_RAW, .protocol = 6 },
		{ .event = POLICY_EV_SHUTDOWN, .family = -1, .type = -1, .protocol = -1,
		  .how = SHUT_RDWR, .exe = "/bin/sh" },
		/* The address events: a v4-mapped v6 address, an abstract name
		 * with a NUL in it, a lookup. */
		{ .event = POLICY_EV_CONNECT, .family = AF_INET6, .type = SOCK_STREAM,
		  .has_addr = true, .addr_family = AF_INET6,
		  .ip = { [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 },
		  .has_port = true, .port = 80 },
		{ .event = POLICY_EV_SENDTO, .family = AF_UNIX, .type = SOCK_DGRAM,
		  .has_addr = true, .addr_family = AF_UNIX, .path = "/tmp/x\0y",
		  .path_len = 8, .abstract = true },
		{ .event = POLICY_EV_GETADDRINFO, .family = -1, .host = "LocalHost",
		  .has_port = true, .port = 443 },
	};
	struct policy_diags diags = { 0 };
	struct policy *p = NULL;
	struct policy_decision d;
	char *out = NULL;
	size_t out_len = 0;
	FILE *f;
	int rc;

	rc = policy_parse((const char *)data, size, &p, &diags);
	/* The contract: a policy exactly when there are no errors. */
	if ((rc == 0) != (p != NULL) || (rc == 0 && diags.errors) ||
	    (rc == -EINVAL && !diags.errors))
		abort();
	if (p) {
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
			policy_match(p, &calls[i], &d);
			if ((unsigned)event_decision_of(&d, policy_mode(p)) >= EVENT_DECISION_COUNT)
				abort();
		}
		policy_free(p);
	}
	f = open_memstream(&out, &out_len);
	if (f) {
		policy_diags_print(f, &diags, "fuzz.json", (const char *)data, size);
		fclose(f);
	}
	free(out);
	policy_diags_free(&diags);
	return 0;
}
