#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A Go program (static, raw syscalls, SIGURG preemption) under the kernel
# layers.  tests/go/listen.go is built once per run with Debian's golang-go,
# offline, with its caches in this file's temporary directory.

bats_require_minimum_version 1.5.0
load helper

setup_file() {
	export GOCACHE="$BATS_FILE_TMPDIR/gocache" GOPATH="$BATS_FILE_TMPDIR/gopath"
	export GOFLAGS= GOPROXY=off CGO_ENABLED=0
	go build -o "$BATS_FILE_TMPDIR/listen" "$ROOT/tests/go/listen.go"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	GO_LISTEN="$BATS_FILE_TMPDIR/listen"
	need_notify
}

# The kernel's wait-killable mode (5.19) is what keeps SIGURG from cancelling
# a notified call that the supervisor already holds.
require_wait_killable() {
	local v major minor
	v=$(uname -r)
	major=${v%%.*}
	minor=${v#*.}
	minor=${minor%%[!0-9]*}
	if [ "$major" -lt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -lt 19 ]; }; then
		require_feature "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" "kernel $v is older than 5.19"
	fi
}

@test "go: the program works natively" {
	run -0 "$GO_LISTEN" 20
	assert_output "ok 20"
}

@test "go: 300 listen/connect/accept rounds under preemption, every socket logged once (seccomp, auto)" {
	require_wait_killable
	for layer in seccomp auto; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$GO_LISTEN" 300
		assert_output "ok 300"
		# Go's accept4 is non-blocking (EAGAIN, then retried once the poller
		# says so): the supervisor makes it itself, so the EAGAIN is no
		# event and each round's one connection is one accept, with the
		# new descriptor as its result.
		run -0 jq -r 'select(.layer == "notify" and (.call == "accept4" or .call == "accept")) |
			"\(.family) \(.type) \(.protocol) \(.exe) \(.result == .args[0] and (.result | type) == "number") \(.errno)"' log
		[ "${#lines[@]}" -eq 300 ]
		[ "$(sort -u <<<"$output")" = "AF_INET SOCK_STREAM IPPROTO_TCP $GO_LISTEN true null" ]
		# Exactly two TCP sockets per round: a call that a signal interrupted
		# and the kernel restarted must not be logged twice.
		run -0 jq -r 'select(.layer == "notify" and .call == "socket" and .family == "AF_INET") |
			"\(.type) \(.flags | join("|")) \(.protocol)"' log
		[ "${#lines[@]}" -eq 600 ]
		[ "$(sort -u <<<"$output")" = "SOCK_STREAM SOCK_NONBLOCK|SOCK_CLOEXEC IPPROTO_TCP" ]
	done
}

@test "go: frequent GC and preemption (GODEBUG) do not break notified calls" {
	require_wait_killable
	GODEBUG=gcstoptheworld=1,asyncpreemptoff=0 GOGC=1 \
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$GO_LISTEN" 200
	assert_output "ok 200"
}

@test "go: a denied family fails in Go with the policy's errno" {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "default": {"action": "allow"},
	 "rules": [{"id": "no-inet", "family": "AF_INET", "type": "SOCK_STREAM", "action": "deny", "errno": "EACCES"}]}
	EOF
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- "$GO_LISTEN" 1
	assert_output ""
	[[ "$stderr" == *"socket: permission denied"* ]]
	run -0 jq -r 'select(.layer == "notify" and .decision == "deny") | "\(.family) \(.errno) \(.rule)"' log
	assert_line "AF_INET EACCES no-inet"
}

@test "go: every bind and connect of the static program logged by notify, the same addresses strace decodes in the same run" {
	require_wait_killable
	ASAN_OPTIONS=$(strace_asan_options) run -0 --separate-stderr \
		strace -f -qq -e signal=none -e trace=execve,bind,connect -o "$T/trace" \
		"$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$GO_LISTEN" 50
	assert_output "ok 50"
	# The program's own calls, not sockaudit's: the supervisor makes the
	# binds and connects it lets through on its own copy of the socket.
	run -0 "$PY" - "$T/trace" "$T/log" "$GO_LISTEN" <<'PY'
import json, re, sys
trace, log, prog = sys.argv[1:]
lines, pending, calls = open(trace).read().splitlines(), {}, []
for l in lines:           # join the halves of calls another thread interrupted
    pid, _, rest = l.partition(" ")
    rest = rest.strip()
    if rest.endswith("<unfinished ...>"):
        pending[pid] = rest[:-len("<unfinished ...>")].rstrip()
    elif rest.startswith("<... ") and pid in pending:
        calls.append((pid, pending.pop(pid) + rest.split(" resumed>", 1)[1]))
    else:
        calls.append((pid, rest))
# sockaudit (the supervisor, whose pid made the first execve) is not the program
sup = calls[0][0]
want = []
for pid, rest in calls:
    m = re.match(r'(bind|connect)\(\d+, \{sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([0-9.]+)"\)\}, 16\) *= (-?\d+)(?: (E[A-Z]+))?', rest)
    if pid != sup and m:
        want.append(["socket." + m[1], [m[3], int(m[2])], int(m[4]), m[5]])
got = [[e["event"], e["args"][1], e["result"], e["errno"]] for e in map(json.loads, open(log))
       if e.get("event") in ("socket.bind", "socket.connect")]
assert all(e["layer"] == "notify" for e in map(json.loads, open(log)) if e.get("event") in ("socket.bind", "socket.connect"))
key = lambda x: json.dumps(x)
assert sorted(want, key=key) == sorted(got, key=key), "strace %s\nlog %s" % (want[:5], got[:5])
print(len([w for w in want if w[0] == "socket.bind"]), len([w for w in want if w[0] == "socket.connect"]))
PY
	assert_output "50 50"
}
