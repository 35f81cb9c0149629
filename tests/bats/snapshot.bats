#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# One policy for the whole run: `sockaudit run -p` reads the policy once,
# from any file (a FIFO, /dev/fd/N), and every layer of the run applies that
# one snapshot (a sealed memfd, calls/layers.h), whatever happens to the
# file meanwhile.  The shim alone never blocks opening a policy and refuses
# one that is not a regular file.

bats_require_minimum_version 1.5.0
load helper
load shim-helper

DENY_INET='{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-inet", "family": "AF_INET", "action": "deny", "errno": "EPERM"}]}'
ALLOW_INET='{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "inet", "family": "AF_INET", "action": "allow"}]}'
# What an edit during the run would turn the policies into: the other
# decision, and not logged.
EDITED='{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "edited", "family": "AF_INET", "action": "allow", "log": false}]}'
EDITED_DENY='{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "edited", "family": "AF_INET", "action": "deny", "errno": "EPERM"}]}'

# One AF_INET socket; prints "made" or "errno N".
MAKE_INET='import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    print("made")
except OSError as e:
    print("errno", e.errno)'

# argv: READY GO [closeall]: says it runs by opening the FIFO READY, waits
# for a line on the FIFO GO, optionally closes every descriptor from 3 up,
# then executes a new python3 (a new image: a new shim) that runs MAKE_INET.
WAIT_EXEC='import os, sys
with open(sys.argv[1], "w") as f:
    f.write("running\n")
with open(sys.argv[2]) as f:
    f.readline()
if sys.argv[3:-1] == ["closeall"]:
    os.closerange(3, 1 << 20)
os.execv(sys.executable, [sys.executable, "-c", sys.argv[-1]])'

events() {
	jq -c 'select(.layer) | [.call, .family, .decision, .rule, .errno, .layer]' "$1"
}

# start_waiting RUN-ARGS... -- ARGS: sockaudit run RUN-ARGS -- python3
# WAIT_EXEC in the background, its status in $T/status, and wait until it
# runs (so run has read its policy).
start_waiting() {
	local args=()
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	mkfifo "$T/ready" "$T/go"
	(
		status=0
		timeout 60 "$SOCKAUDIT" run "${args[@]}" -- "$PY" -c "$WAIT_EXEC" \
			"$T/ready" "$T/go" "$@" "$MAKE_INET" >"$T/out" 2>"$T/err" || status=$?
		echo "$status" >"$T/status"
	) &
	# Blocks until the program opened it: no sleep, and timeout guards.
	timeout 30 cat "$T/ready" >/dev/null
}

# Let the waiting program go on, wait for run to end, and check its status.
release() {
	echo go >"$T/go"
	wait
	run -0 cat "$T/status"
	assert_output 0
}

@test "run -p FIFO: read once, the program is not blocked, every layer applies it" {
	need_notify
	mkfifo "$T/p.fifo"
	timeout 30 sh -c 'printf "%s" "$1" >"$2"' _ "$DENY_INET" "$T/p.fifo" &
	run -0 --separate-stderr timeout 30 "$SOCKAUDIT" run -p "$T/p.fifo" -o "$T/log" -- \
		"$PY" -c "$MAKE_INET"
	wait
	assert_output "errno 1"
	assert_equal "$stderr" "sockaudit run: 1 call denied by the policy; see $T/log"
	run -0 events "$T/log"
	assert_output '["socket","AF_INET","deny","no-inet","EPERM","preload"]'
}

@test "run -p <(...): process substitution works, and the decisions follow it in every layer" {
	need_notify
	for layer in auto preload; do
		rm -f "$T/log"
		run -0 --separate-stderr "$SOCKAUDIT" run --layer "$layer" \
			-p <(printf '%s' "$DENY_INET") -o "$T/log" -- "$PY" -c "$MAKE_INET"
		assert_output "errno 1"
		assert_equal "$stderr" "sockaudit run: 1 call denied by the policy; see $T/log"
		run -0 events "$T/log"
		assert_output '["socket","AF_INET","deny","no-inet","EPERM","preload"]'
	done
	# A static program: only the kernel layers see it, with the same policy.
	rm -f "$T/log"
	run -1 --separate-stderr "$SOCKAUDIT" run -p <(printf '%s' "$DENY_INET") -o "$T/log" -- \
		"$FIX/k2_calls-static" socket 2 1 0
	assert_output --partial "errno 1"
	run -0 events "$T/log"
	assert_output '["socket","AF_INET","deny","no-inet","EPERM","notify"]'
}

@test "run -p /dev/zero: refused at 64 MiB with 125, without growing" {
	# Peak RSS of the children, in KiB (no GNU time needed).
	run -0 --separate-stderr "$PY" -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
sys.stderr.buffer.write(r.stderr)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
		"$SOCKAUDIT" run -p /dev/zero -- touch "$T/ran"
	assert_equal "$stderr" "sockaudit run: cannot read /dev/zero: larger than 64 MiB, the most a policy may be"
	[ ! -e "$T/ran" ]
	local status=${output%% *} rss=${output#* }
	assert_equal "$status" 125
	# The 64 MiB buffer and the program: far from the 2 GiB of a reader
	# without a bound (and room for a sanitizer build's shadow).
	[ "$rss" -lt $((512 * 1024)) ]
}

@test "run: an edit of the policy during the run changes nothing, in any layer" {
	need_notify
	printf '%s' "$DENY_INET" >"$T/p.json"
	start_waiting -p "$T/p.json" -o "$T/log" --
	# While the program waits: the file now allows AF_INET, unlogged.
	printf '%s' "$EDITED" >"$T/p.json"
	release
	run -0 cat "$T/out"
	# The kernel and the shim both deny: the one policy of the run.
	assert_output "errno 1"
	run -0 cat "$T/err"
	assert_output "sockaudit run: 1 call denied by the policy; see $T/log"
	run -0 events "$T/log"
	assert_output '["socket","AF_INET","deny","no-inet","EPERM","preload"]'
}

@test "run (auto): a program that closes every descriptor before exec is decided and logged by the supervisor with the run's policy" {
	need_notify
	printf '%s' "$ALLOW_INET" >"$T/p.json"
	start_waiting -p "$T/p.json" -o "$T/log" -- closeall
	printf '%s' "$EDITED_DENY" >"$T/p.json"
	release
	run -0 cat "$T/out"
	assert_output "made"
	run -0 events "$T/log"
	assert_output '["socket","AF_INET","allow","inet",null,"notify"]'
	run -0 cat "$T/err"
	assert_output --regexp "^sockaudit: the run's policy \(SOCKAUDIT_POLICY_FD=[0-9]+:[0-9a-f]+:[0-9a-f]+\) is gone: the program closed or replaced that descriptor before it executed this one; the notify supervisor decides and logs this program's calls instead\$"
}

@test "run --layer preload: a program that closes every descriptor before exec fails closed in the run's mode" {
	printf '%s' "$ALLOW_INET" >"$T/p.json"
	start_waiting --layer preload -p "$T/p.json" -o "$T/log" -- closeall
	release
	run -0 cat "$T/out"
	assert_output "errno 13"
	run -0 events "$T/log"
	assert_output '["socket","AF_INET","deny",null,"EACCES","preload"]'
	run -0 cat "$T/err"
	assert_output --regexp "^sockaudit: the run's policy \(SOCKAUDIT_POLICY_FD=[0-9]+:[0-9a-f]+:[0-9a-f]+\) is gone: the program closed or replaced that descriptor before it executed this one; every socket call is denied \(fail closed\)\$"
	# The run's mode is audit: nothing is denied, the calls say would_deny.
	rm -f "$T/ready" "$T/go" "$T/log"
	start_waiting --layer preload --mode audit -p "$T/p.json" -o "$T/log" -- closeall
	release
	run -0 cat "$T/out"
	assert_output "made"
	run -0 jq -c '[.decision, .mode, .rule]' "$T/log"
	assert_output '["would_deny","audit",null]'
	run -0 cat "$T/err"
	assert_output --partial "; audit mode: every call is allowed and logged as would_deny"
}

@test "run: the snapshot is a sealed memfd, its offset never moved; SOCKAUDIT_POLICY is not set" {
	printf '%s' "$ALLOW_INET" >"$T/p.json"
	run -0 --separate-stderr "$SOCKAUDIT" run --layer preload -p "$T/p.json" -- "$PY" -c '
import fcntl, os, socket
socket.socket().close()
fd = int(os.environ["SOCKAUDIT_POLICY_FD"].split(":")[0])
print(os.environ.get("SOCKAUDIT_POLICY"), os.readlink("/proc/self/fd/%d" % fd))
print(os.lseek(fd, 0, os.SEEK_CUR), os.fstat(fd).st_size == len(open(os.sys.argv[1], "rb").read()))
seals = fcntl.fcntl(fd, 1034)  # F_GET_SEALS
print(seals & 0xf)
try:
    os.pwrite(fd, b"x", 0)
except OSError as e:
    print("write", e.errno)' "$T/p.json"
	assert_line --index 0 --regexp '^None /memfd:sockaudit-policy \(deleted\)$'
	assert_line --index 1 "0 True"
	assert_line --index 2 15
	assert_line --index 3 "write 1"
}

@test "shim alone: a policy that is not a regular file is refused without blocking, fail closed" {
	mkfifo "$T/p.fifo"
	# No writer: opening it for reading would block the program for ever.
	for policy in "$T/p.fifo" /dev/zero "$T"; do
		SOCKAUDIT_POLICY="$policy" SOCKAUDIT_LOG="$T/log" run -0 --separate-stderr \
			timeout 30 env LD_PRELOAD="$SHIM_PRELOAD" "$PY" -c "$MAKE_INET"
		assert_output "errno 13"
		assert_equal "$stderr" "sockaudit: cannot read policy $policy: not a regular file (a FIFO, a device, a directory): refused; every socket call is denied (fail closed)"
	done
	run -0 events "$T/log"
	assert_output '["socket","AF_INET","deny",null,"EACCES","preload"]
["socket","AF_INET","deny",null,"EACCES","preload"]
["socket","AF_INET","deny",null,"EACCES","preload"]'
	# A regular file is read as before.
	printf '%s' "$DENY_INET" >"$T/p.json"
	SOCKAUDIT_POLICY="$T/p.json" run -0 --separate-stderr under_shim "$PY" -c "$MAKE_INET"
	assert_output "errno 1"
}
