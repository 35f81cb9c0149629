#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# README.md's shape (issue 12): Install, Quick start and the everyday
# workflow come first, references after, then Speed, Testing and Limits; the
# test command .ci/run runs is the one the README gives; and every figure
# the README quotes is in the Speed table that bench/speed-table.sh
# generates from one `make bench` output.

load helper
bats_require_minimum_version 1.5.0

README="$ROOT/README.md"

# The level-2 headings, in order.
h2() {
	grep -E '^## ' "$README"
}

@test "readme: the sections, in the order a new user needs them, each once" {
	run -0 h2
	assert_output "## Install
## Quick start
## Everyday workflow
## Policy reference
## Log reference
## Speed
## Testing
## Limits"
}

@test "readme: the everyday workflow is audit, learn, enforce, report, replay in CI" {
	run -0 sh -c "sed -n '/^## Everyday workflow/,/^## /p' '$README' | grep -E '^### [0-9]\\.'"
	assert_output "### 1. Audit a program
### 2. Learn a policy
### 3. Enforce it
### 4. Report
### 5. Replay in CI"
}

@test "readme: the Testing section gives .ci/run and the test command .ci/run runs" {
	# The commands of the section: its indented lines.
	run -0 sh -c "sed -n '/^## Testing/,/^## /p' '$README' | sed -n 's/^    //p'"
	assert_line ".ci/run"
	assert_line "make test"
	run -0 grep -x '[[:space:]]*make test' "$ROOT/.ci/run"
}

@test "readme: no timing or ratio outside the generated Speed table" {
	run -0 grep -c -x '<!-- speed:begin -->' "$README"
	assert_output 1
	run -0 grep -c -x '<!-- speed:end -->' "$README"
	assert_output 1
	# Outside the markers: no number with a unit of time, a ratio or a
	# percentage (sizes such as 64 KiB and counts are no measurements, nor
	# is a relative time given to an option, --since -30s).
	run -1 sh -c "awk '/^<!-- speed:begin -->\$/ { s = 1 } !s { print FILENAME \":\" NR \": \" \$0 } /^<!-- speed:end -->\$/ { s = 0 }' '$README' |
		grep -E '(^|[^-0-9.])[0-9]+(\\.[0-9]+)? ?(ns|µs|us|ms|s|x|%)([^A-Za-z0-9_]|\$)'"
	assert_output ""
}

@test "readme: the Speed table's markers are where speed-table.sh can regenerate them" {
	cp "$README" README.md
	# One canned output in the shape bench/run-bench.sh writes.
	{
		printf 'BENCH\tdate\t2026-12-01 18:00 UTC\n'
		printf 'BENCH\tcommit\tabc1234567\n'
		printf 'BENCH\tstart\tbench/bench-policy.sh\n'
		printf 'FIGURE\tpolicy.check\tcheck, 10,000 rules\t32 ms\t< 100 ms\tmet\n'
	} >out.txt
	run -0 "$ROOT/bench/speed-table.sh" out.txt README.md
	run -0 sh -c "sed -n '/^<!-- speed:begin -->/,/^<!-- speed:end -->/p' README.md"
	assert_line --partial "commit abc1234567"
	# Nothing else of the README changed.
	run -0 bash -c "diff <(sed '/^<!-- speed:begin -->/,/^<!-- speed:end -->/d' '$README') <(sed '/^<!-- speed:begin -->/,/^<!-- speed:end -->/d' README.md)"
}
