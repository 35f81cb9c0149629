#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# bench/speed-table.sh turns one `make bench` output into README.md's Speed
# table.  Canned outputs only: no bench runs here, no timing is asserted.
bats_require_minimum_version 1.5.0
load helper

GEN="$ROOT/bench/speed-table.sh"

# canned_output FILE: a bench output as bench/run-bench.sh writes it
canned_output() {
	{
		printf 'BENCH\tdate\t2026-12-01 18:00 UTC\n'
		printf 'BENCH\tcommit\tabc1234567\n'
		printf 'BENCH\tmachine\t2 cores, Linux 6.1, Debian 12\n'
		echo "=== bench/bench-policy.sh"
		printf 'BENCH\tstart\tbench/bench-policy.sh\n'
		printf 'FIGURE\tpolicy.check\tcheck, 10,000 rules\t32 ms\t< 100 ms\tmet\n'
		printf 'FIGURE\tzzz.other\ta key of no known group\t1\t\t\n'
		echo "=== bench/bench-log.sh"
		printf 'BENCH\tstart\tbench/bench-log.sh\n'
		echo "loop a: human-readable lines are ignored"
		printf 'FIGURE\tlog.a.native\t`socket` loop, native\t1400 ns/iter (1390-1450)\t\t\n'
		printf 'FIGURE\tlog.a.run-auto\t`socket` loop, `run`\t2.48x (2.40-2.60)\t≤ 1.15x\tmissed\n'
		printf 'FIGURE\tlog.a.log-false\t"log": false\t1.01x (1.00-1.02)\t≤ 1.02x\tmet\n'
		echo "=== bench/bench-logs.sh"
		printf 'BENCH\tstart\tbench/bench-logs.sh\n'
		echo "report: 0.89 M events/s"
		echo "=== bench/bench-nginx.sh"
		printf 'BENCH\tstart\tbench/bench-nginx.sh\n'
		printf 'SKIPPED bench/bench-nginx.sh: missing packages: apache2-utils\n'
		printf 'BENCH\tskipped\tbench/bench-nginx.sh\tmissing packages: apache2-utils\n'
		echo "=== bench/bench-run.sh"
		printf 'BENCH\tstart\tbench/bench-run.sh\n'
		printf 'FIGURE\trun.start\t`report | jq` pipes\t+1.2 ms\t≤ +1 ms\tmissed\n'
		printf 'FIGURE\trun.escaped\t`jq \\| sort` already escaped\t1\t\t\n'
		printf 'BENCH\tfailed\tbench/bench-run.sh\texit status 1\n'
	} >"$1"
}

readme() {
	printf '# x\n\nbefore\n<!-- speed:begin -->\nold table\n| old | row |\n<!-- speed:end -->\nafter\n' >"$1"
}

@test "bench: speed-table prints the table of one output, rows grouped in order, verdicts, | escaped" {
	canned_output out.txt
	run -0 "$GEN" out.txt
	assert_output - <<'EOF'
One `make bench` run on 2026-12-01 18:00 UTC, commit abc1234567, on 2 cores, Linux 6.1, Debian 12:

| what | measured | target |
|---|---|---|
| `socket` loop, native | 1400 ns/iter (1390-1450) |  |
| `socket` loop, `run` | 2.48x (2.40-2.60) | ≤ 1.15x (**missed**) |
| "log": false | 1.01x (1.00-1.02) | ≤ 1.02x |
| `report \| jq` pipes | +1.2 ms | ≤ +1 ms (**missed**) |
| `jq \| sort` already escaped | 1 |  |
| check, 10,000 rules | 32 ms | < 100 ms |
| a key of no known group | 1 |  |

Failed in this run (figures missing or partial): `bench/bench-run.sh` (exit status 1).
Skipped in this run: `bench/bench-nginx.sh` (missing packages: apache2-utils).
Printed no figure for this table: `bench/bench-logs.sh`.
EOF
}

@test "bench: speed-table replaces only the text between the README's markers" {
	canned_output out.txt
	readme README.md
	run -0 "$GEN" out.txt README.md
	assert_output ''
	run -0 "$GEN" out.txt
	table=$output
	run -0 cat README.md
	assert_output "$(printf '# x\n\nbefore\n<!-- speed:begin -->\n%s\n<!-- speed:end -->\nafter' "$table")"
	assert_line '| `socket` loop, `run` | 2.48x (2.40-2.60) | ≤ 1.15x (**missed**) |'
	refute_line 'old table'
	# a second run from the same output gives the same file
	cp README.md first.md
	run -0 "$GEN" out.txt README.md
	run -0 cmp first.md README.md
}

@test "bench: speed-table refuses an output without figures, date or commit, and leaves README alone" {
	readme README.md
	cp README.md orig.md
	printf 'BENCH\tdate\t2026-12-01 18:00 UTC\nBENCH\tcommit\tabc\nno figures\n' >nofig.txt
	run -1 "$GEN" nofig.txt README.md
	assert_output --partial 'no FIGURE line'
	printf 'FIGURE\tk\twhat\t1x\t\t\n' >nodate.txt
	run -1 "$GEN" nodate.txt README.md
	assert_output --partial 'no BENCH date or commit line'
	run -0 cmp orig.md README.md
}

@test "bench: speed-table refuses a malformed FIGURE line or a key twice" {
	canned_output out.txt
	printf 'FIGURE\tlog.a.native\tagain\t1x\t\t\n' >>out.txt
	run -1 "$GEN" out.txt
	assert_output --partial "FIGURE key \"log.a.native\" twice"
	canned_output out.txt
	printf 'FIGURE\tshort\twhat\t1x\n' >>out.txt
	run -1 "$GEN" out.txt
	assert_output --regexp 'out.txt:[0-9]+: a FIGURE line has 4 fields, not 6'
	canned_output out.txt
	printf 'FIGURE\tk2\twhat\t1x\t≤ 2x\tok\n' >>out.txt
	run -1 "$GEN" out.txt
	assert_output --partial 'verdict "ok"'
}

@test "bench: speed-table refuses a README without both markers, in order, once each" {
	canned_output out.txt
	printf 'no markers\n' >README.md
	run -1 "$GEN" out.txt README.md
	assert_output --partial "needs one '<!-- speed:begin -->' line"
	printf '<!-- speed:end -->\n<!-- speed:begin -->\n' >README.md
	cp README.md orig.md
	run -1 "$GEN" out.txt README.md
	run -0 cmp orig.md README.md
	printf '<!-- speed:begin -->\n<!-- speed:begin -->\n<!-- speed:end -->\n' >README.md
	run -1 "$GEN" out.txt README.md
}

@test "bench: every bench's FIGURE lines come from bench_figure, which refuses a tab in a field" {
	run -1 bash -c ". '$ROOT/bench/lib.bash'; bench_figure k 'a	b' 1x"
	assert_output --partial 'a tab or newline'
	run -0 bash -c ". '$ROOT/bench/lib.bash'; bench_figure k what 1x '≤ 2x' met"
	assert_output "$(printf 'FIGURE\tk\twhat\t1x\t≤ 2x\tmet')"
	run -0 bash -c ". '$ROOT/bench/lib.bash'; bench_figure k what 1x"
	assert_output "$(printf 'FIGURE\tk\twhat\t1x\t\t')"
}

@test "bench: bench_stats gives median, min and max; bench_verdict compares" {
	printf '3\n1.5\n2\n10\n-1\n' >v
	run -0 bash -c ". '$ROOT/bench/lib.bash'; bench_stats v"
	assert_output '2 -1 10'
	run -0 bash -c ". '$ROOT/bench/lib.bash'; bench_verdict 1.2 '<=' 1.15; bench_verdict 1.15 '<=' 1.15; bench_verdict 2.1 '>=' 2"
	assert_output "$(printf 'missed\nmet\nmet')"
}

@test "bench: bench_order reverses every other round; bench_ratios pairs round by round" {
	run -0 bash -c ". '$ROOT/bench/lib.bash'; bench_order 0 a b c; bench_order 1 a b c; bench_order 2 a b c"
	assert_output "$(printf 'a b c\nc b a\na b c')"
	printf '10\n30\n8\n' >v
	printf '5\n10\n8\n' >base
	run -0 bash -c ". '$ROOT/bench/lib.bash'; bench_ratios v base"
	assert_output "$(printf '2\n3\n1')"
}
