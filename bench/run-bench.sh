#!/bin/bash
# SPDX-License-Identifier: MIT
# Run every bench/bench-*.sh in order (or those named: run-bench.sh NAME...,
# e.g. bench-log).  Each prints its own figures, always as a ratio against a
# native run made in the same invocation: this machine is shared and noisy,
# so absolute times alone mean little.
#
# The whole output goes to $B/bench.txt too, with the run's date, commit and
# machine and each bench's start, failure or skip as BENCH<TAB>... lines;
# after a full run (no NAME given) bench/speed-table.sh turns that one file
# into README.md's Speed table (SPEED_TABLE=no: leave README.md alone), so
# the README quotes no figure that was not in it.
#
# They run in a network namespace with only loopback up (tools/netns.bash).
#
# Packages: bench/packages lists what the benches need; missing ones are
# installed with apt-get when running as root (BENCH_INSTALL=no: never).  A
# bench whose "# needs: PKG..." header line names a package still missing is
# skipped, loudly, and the table says so.
set -u
cd "$(dirname "$0")/.."
export B="${B:-build}"
OUT="$B/bench.txt"
mkdir -p "$B"

installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }

missing=()
for p in $(grep -v '^#' bench/packages); do
	installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && [ "${BENCH_INSTALL:-yes}" != no ]; then
		echo "run-bench: installing ${missing[*]}" >&2
		apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
			{ apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
	fi
	still=()
	for p in "${missing[@]}"; do
		installed "$p" || still+=("$p")
	done
	[ "${#still[@]}" -gt 0 ] &&
		echo "run-bench: MISSING PACKAGES: ${still[*]} (apt-get install ${still[*]}); the benches that need them are skipped" >&2
fi

# No packet leaves the machine: the benches (nginx, ab, strace, firejail
# among them) run in a network namespace with only loopback up, as the tests
# do; the packages above were installed before, from outside it.
. tools/netns.bash
if ! in_netns "$PWD/bench/run-bench.sh" "$@"; then
	echo "run-bench: cannot make a network namespace (unshare --net needs root or user namespaces); not running the benches" >&2
	exit 1
fi

if [ $# -gt 0 ]; then
	benches=()
	for n in "$@"; do benches+=("bench/${n%.sh}.sh"); done
else
	benches=(bench/bench-*.sh)
fi

status=0
{
	printf 'BENCH\tdate\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'BENCH\tcommit\t%s\n' "$(git describe --always --dirty --abbrev=10 2>/dev/null || echo unknown)"
	printf 'BENCH\tmachine\t%s cores, Linux %s, %s\n' "$(nproc)" "$(uname -r)" \
		"$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
	for b in "${benches[@]}"; do
		[ -x "$b" ] || { printf 'BENCH\tfailed\t%s\tnot an executable bench\n' "$b"; status=1; continue; }
		echo "=== $b"
		printf 'BENCH\tstart\t%s\n' "$b"
		need=()
		for p in $(sed -n 's/^# needs: *//p' "$b"); do
			installed "$p" || need+=("$p")
		done
		if [ "${#need[@]}" -gt 0 ]; then
			echo "SKIPPED $b: missing packages: ${need[*]}"
			printf 'BENCH\tskipped\t%s\tmissing packages: %s\n' "$b" "${need[*]}"
			status=1
			continue
		fi
		"$b" 2>&1
		rc=$?
		if [ "$rc" != 0 ]; then
			printf 'BENCH\tfailed\t%s\texit status %s\n' "$b" "$rc"
			status=1
		fi
	done
	exit $status
} | tee "$OUT"
echo "run-bench: the whole output is in $OUT"
# The status of the subshell, not of tee.
[ "${PIPESTATUS[0]}" = 0 ] || status=1
if [ $# -eq 0 ] && [ "${SPEED_TABLE:-yes}" != no ]; then
	bench/speed-table.sh "$OUT" README.md && echo "run-bench: README.md's Speed table regenerated from $OUT" ||
		{ echo "run-bench: bench/speed-table.sh failed; README.md unchanged" >&2; status=1; }
fi
exit $status
