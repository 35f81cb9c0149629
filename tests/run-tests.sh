#!/bin/bash
# SPDX-License-Identifier: MIT
# Run every test (C unit tests, fuzz corpus replay, bats) as TAP and end with
# one line "N passed, N failed, N skipped".  Exit non-zero on any failure.
# With SOCKAUDIT_STRICT=1 (CI), a skipped test counts as a failure: a kernel
# feature that CI is meant to have must not silently go untested.
# After the bats files, one more test: every log line sockaudit wrote in them
# validates against evlog/event.schema.json (tests/lib/validate_events.py).
# Usage: tests/run-tests.sh [FILTER]   (FILTER: a substring of test file names)
# Everything runs in a private network namespace with only loopback up.
set -u
cd "$(dirname "$0")/.."

# No packet leaves the machine: the whole suite (third-party programs and
# daemons included) runs in a network namespace of its own, with only
# loopback up (tools/netns.bash).  The tests talk to 127.0.0.1 and ::1 alone.
. tools/netns.bash
if ! in_netns "$PWD/tests/run-tests.sh" "$@"; then
	echo "# cannot make a network namespace (unshare --net needs root or user namespaces)" >&2
	if [ "${SOCKAUDIT_STRICT:-0}" = 1 ]; then
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	echo "# running in this machine's network namespace" >&2
fi
export B="${B:-build}"
if [ ! -d "$B/fixtures" ]; then	# `make` builds only what is installed
	echo "# $B/fixtures is missing: build the test suite first (make tests)" >&2
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
export SOCKAUDIT_ROOT="$PWD"
filter="${1:-}"
PY=/usr/bin/python3
pass=0 fail=0 skip=0
out=$(mktemp)
# The bats run's temporary directories, kept past its end (bats keeps every
# test's until then anyway) for the check of the logs the tests made.
events=$(mktemp -d /tmp/sockaudit-tests.XXXXXX)
trap 'rm -f "$out"; rm -rf --one-file-system "$events"' EXIT

count() {	# count the TAP lines of one producer, echoing them
	local name="$1"; shift
	local status
	echo "# --- $name"
	"$@" >"$out" 2>&1
	status=$?
	cat "$out"
	local p f s
	s=$(grep -cE '^ok( |$).*# (skip|SKIP)' "$out")
	p=$(grep -cE '^ok( |$)' "$out")
	p=$((p - s))
	f=$(grep -cE '^not ok( |$)' "$out")
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $status"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *"$filter"*) ;; *) continue ;; esac
	count "$t" "$t"
done

for t in tests/*/replay.sh; do
	[ -x "$t" ] || continue
	case "$t" in *"$filter"*) ;; *) continue ;; esac
	count "$t" "$t"
done

bats_files=()
for t in tests/bats/*.bats; do
	[ -e "$t" ] || continue
	case "$t" in *"$filter"*) bats_files+=("$t") ;; esac
done
if [ ${#bats_files[@]} -gt 0 ]; then
	since=$(date +%s%N)
	TMPDIR="$events" count "bats" bats --tap --no-tempdir-cleanup "${bats_files[@]}"
	until=$(date +%s%N)
	# Every log line sockaudit wrote in those tests, one validator over
	# all of them (tests/lib/validate_events.py says which lines those
	# are); the whole suite writes thousands, a filtered run maybe none.
	min=0
	[ -n "$filter" ] || min=1000
	count "event schema" "$PY" tests/lib/validate_events.py --suite evlog/event.schema.json \
		"$since" "$until" "$min" "$events"
fi

if [ "${SOCKAUDIT_STRICT:-0}" = 1 ] && [ "$skip" -gt 0 ]; then
	echo "# strict mode: $skip skipped test(s) count as failures"
	fail=$((fail + skip))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
