#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# One policy loader for every verb (tools/load.c): the same bad policy reads
# the same under check, compile, eval (a call and a replay), learn --base
# and run, with one exit status per verb class (cmd.h): check 1 (the policy
# is its question), run 125 (env(1)'s "sockaudit failed"), the others 2.

bats_require_minimum_version 1.5.0
load helper

DATA="$ROOT/tests/data"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	printf '{"version": 1, "rules": [{"id": "x", "family": "AF_INTE", "action": "deny"}]}\n' > bad.json
}

# The diagnostics every verb prints for bad.json, then VERB's one line.
expect_bad() {
	assert_equal "$stderr" "bad.json:1:48: error: unknown family 'AF_INTE'; did you mean 'AF_INET'?
    1 | {\"version\": 1, \"rules\": [{\"id\": \"x\", \"family\": \"AF_INTE\", \"action\": \"deny\"}]}
      |                                                ^
sockaudit $1: bad.json: invalid policy (1 error)$2"
}

@test "policy load: check exits 1, diagnostics and the count" {
	run -1 --separate-stderr "$SOCKAUDIT" check bad.json
	assert_output ""
	expect_bad check
}

@test "policy load: compile exits 2, diagnostics and the count" {
	run -2 --separate-stderr "$SOCKAUDIT" compile bad.json
	assert_output ""
	expect_bad compile
}

@test "policy load: eval of a call exits 2, diagnostics and the count" {
	run -2 --separate-stderr "$SOCKAUDIT" eval bad.json socket AF_INET SOCK_STREAM
	assert_output ""
	expect_bad eval
}

@test "policy load: eval of a log (replay) exits 2, as eval of a call does" {
	run -2 --separate-stderr "$SOCKAUDIT" eval bad.json "$DATA/procs.jsonl"
	assert_output ""
	expect_bad eval
}

@test "policy load: learn --base exits 2 and writes nothing" {
	run -2 --separate-stderr "$SOCKAUDIT" learn --base bad.json -o out.json "$DATA/procs.jsonl"
	assert_output ""
	expect_bad learn
	[ ! -e out.json ]
}

@test "policy load: run exits 125 and runs nothing" {
	run -125 --separate-stderr "$SOCKAUDIT" run -p bad.json --layer preload -- touch ran
	assert_output ""
	expect_bad run ": nothing was run"
	[ ! -e ran ]
}

@test "policy load: an unreadable policy is one message shape under every verb" {
	run -1 --separate-stderr "$SOCKAUDIT" check none.json
	assert_equal "$stderr" "sockaudit check: cannot open none.json: No such file or directory"
	run -2 --separate-stderr "$SOCKAUDIT" compile none.json
	assert_equal "$stderr" "sockaudit compile: cannot open none.json: No such file or directory"
	run -2 --separate-stderr "$SOCKAUDIT" eval none.json socket AF_INET SOCK_STREAM
	assert_equal "$stderr" "sockaudit eval: cannot open none.json: No such file or directory"
	run -2 --separate-stderr "$SOCKAUDIT" eval none.json "$DATA/procs.jsonl"
	assert_equal "$stderr" "sockaudit eval: cannot open none.json: No such file or directory"
	run -2 --separate-stderr "$SOCKAUDIT" learn --base none.json "$DATA/procs.jsonl"
	assert_equal "$stderr" "sockaudit learn: cannot open none.json: No such file or directory"
	run -125 --separate-stderr "$SOCKAUDIT" run -p none.json --layer preload -- true
	assert_equal "$stderr" "sockaudit run: cannot open none.json: No such file or directory"
	mkdir dir.json
	run -2 --separate-stderr "$SOCKAUDIT" compile dir.json
	assert_equal "$stderr" "sockaudit compile: cannot read dir.json: Is a directory"
}

@test "policy load: a policy over 64 MiB is refused alike by every verb" {
	truncate -s 65M big.json
	run -1 --separate-stderr "$SOCKAUDIT" check big.json
	assert_equal "$stderr" "sockaudit check: cannot read big.json: larger than 64 MiB, the most a policy may be"
	run -2 --separate-stderr "$SOCKAUDIT" eval big.json socket AF_INET SOCK_STREAM
	assert_equal "$stderr" "sockaudit eval: cannot read big.json: larger than 64 MiB, the most a policy may be"
	run -125 --separate-stderr "$SOCKAUDIT" run -p big.json --layer preload -- true
	assert_equal "$stderr" "sockaudit run: cannot read big.json: larger than 64 MiB, the most a policy may be"
}

@test "policy load: warnings of a valid policy: shown by check, compile and run, not by eval and learn" {
	cat > warn.json <<'JSON'
{"version": 1, "rules": [
  {"id": "inet", "family": ["AF_INET", "AF_INET6"], "action": "allow"},
  {"id": "tcp", "family": "AF_INET", "type": "SOCK_STREAM", "action": "deny"}
]}
JSON
	w="warn.json:3:3: warning: rule 'tcp' is unreachable: rule 'inet' (line 2) matches everything it matches"
	run -0 --separate-stderr "$SOCKAUDIT" check -q warn.json
	assert_equal "${stderr_lines[0]}" "$w"
	run -0 --separate-stderr "$SOCKAUDIT" compile warn.json
	assert_equal "${stderr_lines[0]}" "$w"
	run -0 --separate-stderr "$SOCKAUDIT" run -p warn.json --layer preload -- true
	assert_equal "${stderr_lines[0]}" "$w"
	run -0 --separate-stderr "$SOCKAUDIT" eval warn.json socket AF_INET SOCK_STREAM
	assert_equal "$stderr" ""
	run -0 --separate-stderr "$SOCKAUDIT" learn --base warn.json -o out.json "$DATA/procs.jsonl"
	assert_equal "$stderr" ""
}
