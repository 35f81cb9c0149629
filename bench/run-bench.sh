#!/bin/bash
# Run every bench/bench-*.sh in order.  Each prints its own figures, always
# as a ratio against a native run made in the same invocation: this machine is
# shared and noisy, so absolute times alone mean little.
set -u
cd "$(dirname "$0")/.."
export B="${B:-build}"
status=0
for b in bench/bench-*.sh; do
	[ -x "$b" ] || continue
	echo "=== $b"
	"$b" || status=1
done
exit $status
