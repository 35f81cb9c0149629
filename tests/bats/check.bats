#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sockaudit check: exit statuses, summaries on stdout, compiler-style
# diagnostics with a caret on stderr, warnings, stdin, the shipped examples.
load helper
bats_require_minimum_version 1.5.0

check() {
	"$SOCKAUDIT" check "$@"
}

@test "check: every shipped example is valid, without a warning" {
	run -0 --separate-stderr check "$EXAMPLES"/audit-all.json "$EXAMPLES"/loopback-only.json \
		"$EXAMPLES"/no-network.json "$EXAMPLES"/no-raw.json "$EXAMPLES"/rare-families.json
	assert_equal "$stderr" ""
	assert_output "$EXAMPLES/audit-all.json: ok, 0 rules, mode audit, default allow
$EXAMPLES/loopback-only.json: ok, 4 rules (2 address), mode enforce, default allow
$EXAMPLES/no-network.json: ok, 3 rules, mode enforce, default deny (EACCES)
$EXAMPLES/no-raw.json: ok, 2 rules, mode enforce, default allow
$EXAMPLES/rare-families.json: ok, 1 rule, mode enforce, default allow"
}

@test "check: every file in policy/examples is checked by this suite" {
	run -0 ls "$EXAMPLES"
	assert_output "audit-all.json
loopback-only.json
no-network.json
no-raw.json
rare-families.json"
}

@test "check: an invalid policy exits 1 with file:line:col, the line, a caret and a count" {
	cat > bad.json <<'JSON'
{
  "version": 1,
  "rules": [
    {"id": "x", "family": "AF_INTE", "action": "deny"}
  ]
}
JSON
	run -1 --separate-stderr check bad.json
	assert_output ""
	assert_equal "$stderr" "bad.json:4:27: error: unknown family 'AF_INTE'; did you mean 'AF_INET'?
    4 |     {\"id\": \"x\", \"family\": \"AF_INTE\", \"action\": \"deny\"}
      |                           ^
sockaudit check: bad.json: invalid policy (1 error)"
}

@test "check: every error of a file in one run, in document order" {
	cat > bad.json <<'JSON'
{"version": 1, "mode": "enforcing",
 "rules": [
  {"familly": "AF_INET", "action": "deny"},
  {"type": "SOCK_CLOEXEC", "action": "allow", "errno": "EPERM"}
 ]}
JSON
	run -1 --separate-stderr check bad.json
	assert_output ""
	run -0 grep -c ': error: ' <<<"$stderr"
	assert_output 4
	run -0 grep ': error: ' <<<"$stderr"
	assert_output "bad.json:1:24: error: unknown mode 'enforcing'; did you mean 'enforce'?
bad.json:3:4: error: unknown key 'familly' in rule; did you mean 'family'?
bad.json:4:12: error: 'SOCK_CLOEXEC' is a type flag: type flags never decide a match
bad.json:4:47: error: 'errno' is only allowed with action 'deny'"
}

@test "check: a JSON syntax error names the spot" {
	printf '{"version": 1,\n "rules": [ {"id": "a",, } ]}\n' > syntax.json
	run -1 --separate-stderr check syntax.json
	assert_equal "$stderr" "syntax.json:2:24: error: invalid JSON: expected a string key, found ','
    2 |  \"rules\": [ {\"id\": \"a\",, } ]}
      |                        ^
sockaudit check: syntax.json: invalid policy (1 error)"
}

@test "check: duplicate ids are an error with a note at the first" {
	cat > dup.json <<'JSON'
{"version": 1, "rules": [
  {"id": "a", "family": "AF_INET", "action": "allow"},
  {"id": "a", "family": "AF_INET6", "action": "deny"}
]}
JSON
	run -1 --separate-stderr check dup.json
	assert_equal "$stderr" "dup.json:3:10: error: duplicate rule id 'a'
    3 |   {\"id\": \"a\", \"family\": \"AF_INET6\", \"action\": \"deny\"}
      |          ^
dup.json:2:10: note: 'a' first used here, by rules[0]
    2 |   {\"id\": \"a\", \"family\": \"AF_INET\", \"action\": \"allow\"},
      |          ^
sockaudit check: dup.json: invalid policy (1 error)"
}

@test "check: an unreachable rule is a warning: exit 0, warning on stderr, summary on stdout" {
	cat > shadow.json <<'JSON'
{"version": 1, "rules": [
  {"id": "inet", "family": ["AF_INET", "AF_INET6"], "action": "allow"},
  {"id": "tcp", "family": "AF_INET", "type": "SOCK_STREAM", "action": "deny"}
]}
JSON
	run -0 --separate-stderr check shadow.json
	assert_output "shadow.json: ok, 2 rules, mode enforce, default allow, 1 warning"
	assert_equal "$stderr" "shadow.json:3:3: warning: rule 'tcp' is unreachable: rule 'inet' (line 2) matches everything it matches
    3 |   {\"id\": \"tcp\", \"family\": \"AF_INET\", \"type\": \"SOCK_STREAM\", \"action\": \"deny\"}
      |   ^"
}

@test "check: - reads the policy from standard input" {
	run -0 --separate-stderr bash -c '"$0" check - < "$1"' "$SOCKAUDIT" "$EXAMPLES/no-raw.json"
	assert_output "<stdin>: ok, 2 rules, mode enforce, default allow"
	run -1 --separate-stderr bash -c 'printf "{\"version\": 3}" | "$0" check -' "$SOCKAUDIT"
	assert_equal "${stderr_lines[0]}" "<stdin>:1:13: error: unsupported version 3: this sockaudit reads version 1"
}

@test "check: one invalid file among valid ones: exit 1, the valid ones still summarized" {
	echo '{"version": 1, "default": {"action": "deny", "errno": "EPERM"}}' > good.json
	echo '{"version": 1, "rules": 5}' > bad.json
	run -1 --separate-stderr check good.json bad.json
	assert_output "good.json: ok, 0 rules, mode enforce, default deny (EPERM)"
	assert_equal "${stderr_lines[0]}" "bad.json:1:25: error: 'rules' must be a list of rules"
}

@test "check: --quiet prints no summary, but still every diagnostic" {
	run -0 --separate-stderr check --quiet "$EXAMPLES/no-network.json"
	assert_output ""
	assert_equal "$stderr" ""
	echo '{"version": 1, "mode": "audi"}' > bad.json
	run -1 --separate-stderr check -q bad.json
	assert_equal "${stderr_lines[0]}" "bad.json:1:24: error: unknown mode 'audi'; did you mean 'audit'?"
}

@test "check: an empty file, a missing file, a directory" {
	: > empty.json
	run -1 --separate-stderr check empty.json
	assert_equal "${stderr_lines[0]}" "empty.json:1:1: error: empty policy: expected a JSON object"
	run -1 --separate-stderr check missing.json
	assert_equal "$stderr" "sockaudit check: cannot open missing.json: No such file or directory"
	mkdir dir.json
	run -1 --separate-stderr check dir.json
	assert_equal "$stderr" "sockaudit check: cannot read dir.json: Is a directory"
}

@test "check: a file over 64 MiB is refused" {
	truncate -s 65M big.json
	run -1 --separate-stderr check big.json
	assert_output ""
	assert_equal "$stderr" "sockaudit check: cannot read big.json: larger than 64 MiB, the most a policy may be"
}

@test "check: binary garbage is an error, never a crash" {
	head -c 4096 /dev/urandom > junk.json
	printf '\x01' >> junk.json
	run -1 --separate-stderr check junk.json
	assert_output ""
	[[ "${stderr_lines[0]}" == junk.json:*": error: "* ]]
}

@test "check: usage errors exit 2" {
	run -2 --separate-stderr check
	assert_equal "$stderr" "sockaudit check: no policy file given
Try 'sockaudit check --help'."
	run -2 --separate-stderr check --bogus x.json
	assert_equal "$stderr" "sockaudit check: unknown option '--bogus'
Try 'sockaudit check --help'."
}

@test "check --help: usage on stdout, status 0" {
	run -0 --separate-stderr check --help
	assert_line --index 0 "Usage: sockaudit check [--quiet] POLICY..."
	assert_equal "$stderr" ""
}

@test "check: the summary counts address, port and host rules and names the default's events" {
	cat > a.json <<'JSON'
{"version": 1, "default": {"action": "deny", "errno": "EPERM", "event": ["socket.__new__", "socket.connect"]},
 "rules": [
  {"event": "socket.connect", "address": ["127.0.0.0/8", "::1"], "port": "1-65535", "action": "allow"},
  {"event": "socket.bind", "port": [80, 443], "action": "allow"},
  {"event": "socket.getaddrinfo", "host": "*.local", "action": "allow"}
 ]}
JSON
	run -0 --separate-stderr check a.json
	assert_equal "$stderr" ""
	assert_output "a.json: ok, 3 rules (1 address, 2 port, 1 host), mode enforce, default deny (EPERM) on socket.__new__, socket.connect"
}

@test "check: an address with host bits set: the block it means, with a caret" {
	cat > bad.json <<'JSON'
{"version": 1, "rules": [
  {"event": "socket.connect", "address": ["::1", "10.0.0.1/8"], "action": "allow"}
]}
JSON
	run -1 --separate-stderr check bad.json
	assert_output ""
	assert_equal "$stderr" "bad.json:2:50: error: address '10.0.0.1/8' has bits set past the /8 prefix; did you mean '10.0.0.0/8'?
    2 |   {\"event\": \"socket.connect\", \"address\": [\"::1\", \"10.0.0.1/8\"], \"action\": \"allow\"}
      |                                                  ^
sockaudit check: bad.json: invalid policy (1 error)"
}

@test "check: a CIDR block inside an earlier one is unreachable: a warning, status 0" {
	cat > w.json <<'JSON'
{"version": 1, "rules": [
  {"id": "ten", "event": "socket.connect", "address": "10.0.0.0/8", "action": "allow"},
  {"id": "ten-one", "event": "socket.connect", "address": "10.1.0.0/16", "port": 80, "action": "deny"}
]}
JSON
	run -0 --separate-stderr check w.json
	assert_output "w.json: ok, 2 rules (2 address, 1 port), mode enforce, default allow, 1 warning"
	assert_equal "${stderr_lines[0]}" "w.json:3:3: warning: rule 'ten-one' is unreachable: rule 'ten' (line 2) matches everything it matches"
}
