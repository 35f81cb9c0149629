#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# `sockaudit run` with the kernel layers: exit statuses, signals forwarded to
# the child, kill decisions, a tree that outlives its first process.

bats_require_minimum_version 1.5.0
load helper

K2="$FIX/k2_calls-static"

teardown() {
	if [ -e "$T/kill-at-teardown" ]; then
		kill -KILL "$(cat "$T/kill-at-teardown")" 2>/dev/null || true
	fi
}

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	need_notify
}

@test "exit statuses are the child's: code, 126, 127, 128+N (auto, seccomp)" {
	printf '#!/bin/sh\necho nope\n' >"$T/noexec"
	chmod 644 "$T/noexec"
	for layer in auto seccomp; do
		run -0 "$SOCKAUDIT" run -o "$T/log" --layer $layer -- /bin/true
		run -3 "$SOCKAUDIT" run -o "$T/log" --layer $layer -- /bin/sh -c 'exit 3'
		run -137 "$SOCKAUDIT" run -o "$T/log" --layer $layer -- /bin/sh -c 'kill -KILL $$'
		run -127 "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$T/does-not-exist"
		run -126 "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$T/noexec"
	done
}

@test "an execve that fails in the child (not an executable format): 126, why, nothing sealed (auto, seccomp)" {
	# Executable, so run's own checks pass it: only the kernel's execve
	# refuses it, after the filter is in and the supervisor serves.
	printf '\177ELF not really\n' >"$T/notelf"
	chmod 755 "$T/notelf"
	for layer in auto seccomp; do
		rm -f "$T/log"
		run -126 --separate-stderr timeout 20 "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$T/notelf"
		assert_equal "$stderr" "sockaudit run: $T/notelf: Exec format error"
		run -0 cat "$T/log"
		assert_output ""
	done
}

@test "CMD holds no descriptor of the launcher's: the tally alone is added (auto), nothing (seccomp)" {
	# The child shares the launcher's descriptor table until exec: what
	# is not close-on-exec there would reach CMD.
	# (The shell's own short-lived descriptors read as nothing by then;
	# bats captures each run through a pipe of its own.)
	local fds='for f in /proc/$$/fd/*; do t=$(readlink "$f") && echo "${f##*/} ${t%%:\[*}"; done | sort'
	run -0 /bin/sh -c "$fds"
	local native="$output"
	run -0 "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- /bin/sh -c "$fds"
	assert_equal "$output" "$native"
	run -0 "$SOCKAUDIT" run -o "$T/log" -- /bin/sh -c "$fds"
	run -0 comm -13 <(echo "$native") <(echo "$output")
	assert_output --regexp '^[0-9]+ /memfd:sockaudit-tally \(deleted\)$'
}

# Start the waiting fixture under sockaudit in the background (logging to
# LOG, $T/log by default), wait until it made its socket, send SIG to
# sockaudit (not to the child), and return what sockaudit exited with.
signal_status() {
	local layer="$1" sig="$2" log="${3:-$T/log}" pid status
	rm -f "$T/ready"
	"$SOCKAUDIT" run -o "$log" --layer "$layer" -- "$K2" wait "$T/ready" >"$T/out" 2>&1 &
	pid=$!
	wait_for test -e "$T/ready"
	kill -"$sig" "$pid"
	status=0
	wait "$pid" || status=$?
	echo "$status"
}

# (With a log file SIGHUP is sockaudit's own, to open the log again after
# logrotate: rotate.bats.)
@test "SIGTERM, and SIGHUP with the stderr log, to sockaudit run reach the child: 143, 129 (auto, seccomp)" {
	for layer in auto seccomp; do
		run -0 signal_status $layer HUP -
		assert_output 129
		run -0 signal_status $layer TERM
		assert_output 143
		run -0 jq -r 'select(.layer == "notify") | "\(.call) \(.family)"' log
		assert_line "socket AF_UNIX"
	done
}

@test "kill decision: the process dies of SIGSYS as under the kernel's kill (159)" {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "default": {"action": "allow"},
	 "rules": [{"id": "kill-inet6", "family": "AF_INET6", "action": "kill"}]}
	EOF
	for layer in auto seccomp; do
		rm -f log
		run -159 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer $layer -- "$K2" socket 10 1 0
		assert_output ""
	done
}

@test "kill decided by the supervisor (an exe rule): SIGSYS, logged as kill, never created" {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "default": {"action": "allow"},
	 "rules": [{"id": "kill-k2", "exe": "*/k2_calls-static", "family": "AF_INET6", "action": "kill"},
	           {"id": "kill-py", "exe": "/usr/bin/python3*", "family": "AF_INET6", "action": "kill"}]}
	EOF
	run -159 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- "$K2" socket 10 1 0
	assert_output ""
	run -0 jq -r 'select(.layer == "notify") | "\(.family) \(.decision) \(.rule) \(.result)"' log
	assert_output "AF_INET6 kill kill-k2 null"
	# A program that handles SIGSYS is killed all the same.
	run -137 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- \
		"$PY" -c '
import signal, socket
signal.signal(signal.SIGSYS, lambda *a: None)
socket.socket(socket.AF_INET6)
print("survived")'
	assert_output ""
}

@test "the supervisor keeps serving a tree that outlives its first process" {
	# The child exits at once; its own child makes a socket only once it has
	# been orphaned (its parent changed), so only after the child is gone.
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$PY" -c '
import os, socket, sys, time
me = os.getpid()
if os.fork():
    os._exit(0)
while os.getppid() == me:
    time.sleep(0.01)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
open(sys.argv[1], "w").close()' "$T/grandchild-done"
	# sockaudit returned only once the orphan was gone.
	[ -e "$T/grandchild-done" ]
	run -0 jq -r 'select(.layer == "notify") | "\(.family) \(.type)"' log
	assert_output "AF_INET SOCK_DGRAM"
}

@test "a signal once only orphans are left ends the wait, with the child's status" {
	# The child exits 7 at once; its own child stays, and tells its pid once
	# it has been orphaned.
	"$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$PY" -c '
import os, signal, sys, time
me = os.getpid()
if os.fork():
    os._exit(7)
while os.getppid() == me:
    time.sleep(0.01)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    signal.pause()' "$T/orphan" >"$T/out" 2>"$T/err" &
	pid=$!
	wait_for test -e "$T/orphan"
	orphan=$(cat "$T/orphan")
	echo "$orphan" >"$T/kill-at-teardown"
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	# The orphan was not ours to kill: sockaudit only stopped waiting.
	kill -0 "$orphan"
	kill -KILL "$orphan"
	[ "$status" -eq 7 ]
}

@test "a log that cannot be opened stops run before anything runs (125)" {
	run -125 "$SOCKAUDIT" run -o "$T/no/such/dir/log" --layer seccomp -- /bin/sh -c "touch '$T/ran'"
	[ ! -e "$T/ran" ]
}

# A default-deny policy with many holes: its exact filter needs more than the
# kernel's 4096 BPF instructions once the marked calls get rules of their own.
big_policy() {
	"$PY" - <<'PY' >"$T/big.json"
import json
rules = []
n = 0
for f in ["AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK", "AF_PACKET", "AF_BLUETOOTH", "AF_CAN", "AF_VSOCK"]:
    for t in ["SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_SEQPACKET"]:
        n += 1
        rules.append({"id": "r%d" % n, "family": f, "type": t,
                      "protocol": [n * 3 + 1000, n * 7 + 2000], "action": "allow"})
rules.append({"id": "unix", "family": "AF_UNIX", "action": "allow"})
print(json.dumps({"version": 1, "mode": "enforce",
                  "default": {"action": "deny", "errno": "EACCES"}, "rules": rules}))
PY
}

@test "a policy too large for an exact filter: the supervisor decides every call (auto)" {
	big_policy
	run -1 "$SOCKAUDIT" compile --notify --marker 77 "$T/big.json"
	assert_output --partial "more than 4096 BPF instructions"
	run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/big.json" -o "$T/log" -- "$PY" -c '
import socket
a, b = socket.socketpair(); print("pair ok")
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
except OSError as e:
    print("tcp", e.errno)
'
	assert_output $'pair ok\ntcp 13'
	[[ "$stderr" == *"every socket call goes to the notify supervisor"* ]]
	# The shim logged each call once; the supervisor saw them marked and
	# decided them without logging them again.
	run -0 jq -c 'select(.layer) | [.call, .decision, .errno, .layer]' "$T/log"
	assert_output $'["socketpair","allow",null,"preload"]\n["socketpair","allow",null,"preload"]\n["socket","deny","EACCES","preload"]'
	# A forged marker (an inline syscall past the shim) escapes the log
	# line, never the supervisor's decision.
	K2_FORGE=1 run -1 "$SOCKAUDIT" run -p "$T/big.json" -o "$T/log2" -- "$FIX/k2_asm" 2 1 0
	assert_line "errno 13"
}
