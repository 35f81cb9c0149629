#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The supervisor's events are sealed (evlog/seal.h): a line a process of the
# tree writes into the log cannot pass for the notify layer's, nor can one
# be altered or deleted unseen, and the key stays out of the tree's reach
# until the tree is gone.  `sockaudit report` verifies and exits 3 when a
# claim fails.

bats_require_minimum_version 1.5.0
load helper

K2="$FIX/k2_calls-static"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	need_notify
}

teardown() {
	if mountpoint -q "$T/mnt" 2>/dev/null; then umount "$T/mnt"; fi
}

# sealed_run [LOG]: a run whose tree makes two sockets (two notify events),
# logged to LOG ($T/log).
sealed_run() {
	run -0 "$SOCKAUDIT" run --layer seccomp -o "${1:-$T/log}" -- "$PY" -c '
import socket
socket.socket()
socket.socket(socket.AF_INET, socket.SOCK_DGRAM)'
}

# line_of RE FILE: the number of the one line of FILE matching RE.
line_of() {
	local n
	n=$(grep -c -- "$1" "$2")
	[ "$n" = 1 ] || { echo "line_of: $n lines match $1" >&2; return 1; }
	grep -n -- "$1" "$2" | cut -d: -f1
}

@test "seal: an untouched run: every notify event verifies, exit 0" {
	sealed_run
	run -0 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 2 of 2 events verified (1 sealed runs)"
	run -0 "$SOCKAUDIT" report --format json "$T/log"
	run -0 jq -c .notify_seals <<<"$output"
	assert_output '{"claims":2,"verified":2,"runs":1,"unverifiable":0,"failed":0,"first_failed":null}'
	# Each notify event carries its seal; the records open and close the chain.
	run -0 jq -r 'select(.layer == "notify") | .seal | test("^[0-9a-f]{32}$")' "$T/log"
	assert_output "true
true"
	# The seal record closes the chain.
	run -0 jq -r 'select(.event | startswith("sockaudit.")) | "\(.event) \(.sealed)"' "$T/log"
	assert_output "sockaudit.seal 2"
}

@test "seal: a notify line the tree appends to the log by path is flagged, exactly that line, exit 3" {
	run -0 "$SOCKAUDIT" run --layer seccomp -o "$T/log" -- "$PY" -c '
import socket, sys, time
log = sys.argv[1]
socket.socket()
# A copy of the line of the supervisor, made to say another socket, by
# another program: same uid, same path.  The supervisor may write it just
# after it let the call continue: wait for it, with a deadline.
deadline = time.monotonic() + 10
while True:
    lines = [l for l in open(log) if "\"layer\":\"notify\"" in l]
    if lines or time.monotonic() > deadline:
        break
    time.sleep(0.01)
line = lines[-1]
open(log, "a").write(line.replace("SOCK_STREAM", "SOCK_RAW").replace("\"comm\":\"python3\"", "\"comm\":\"forger\""))
socket.socket(socket.AF_INET, socket.SOCK_DGRAM)' "$T/log"
	n=$(line_of '"comm":"forger"' "$T/log")
	run -3 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 2 of 3 events verified (1 sealed runs); 1 lines FAILED verification, the first $T/log:$n: does not verify: forged, altered, or out of chain"
	run -3 "$SOCKAUDIT" report --format json "$T/log"
	run -0 jq -c '.notify_seals | [.verified, .failed, .first_failed.line]' <<<"$output"
	assert_output "[2,1,$n]"
}

@test "seal: a notify line altered after the run is flagged" {
	sealed_run
	n=$(line_of '"type":"SOCK_DGRAM"' "$T/log")
	# (would_deny: the run is in audit mode, and a forgery that passes for an
	# event is the one to catch)
	sed -i "${n}s/\"decision\":\"allow\"/\"decision\":\"would_deny\"/" "$T/log"
	run -3 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 1 of 2 events verified (1 sealed runs); 1 lines FAILED verification, the first $T/log:$n: does not verify: forged, altered, or out of chain"
}

@test "seal: a deleted notify line breaks the chain: the line after it, or the seal record, is flagged" {
	sealed_run
	cp "$T/log" "$T/orig"
	# The first event: the second no longer follows from the opening.
	n=$(line_of '"type":"SOCK_STREAM"' "$T/log")
	sed -i "${n}d" "$T/log"
	run -3 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 0 of 1 events verified (1 sealed runs); 1 lines FAILED verification, the first $T/log:$n: does not verify: forged, altered, or out of chain"
	# The last event: the chain ends before the closing record's seal.
	cp "$T/orig" "$T/log"
	n=$(line_of '"type":"SOCK_DGRAM"' "$T/log")
	sed -i "${n}d" "$T/log"
	run -3 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 1 of 1 events verified (0 sealed runs); 1 lines FAILED verification, the first $T/log:$n: the chain does not end at this seal record: sealed lines missing, altered or slid in before it"
	# The seal record itself: nothing is verifiable any more, said so.
	cp "$T/orig" "$T/log"
	sed -i '/"event":"sockaudit.seal"/d' "$T/log"
	run -0 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 0 of 2 events verified (0 sealed runs), 2 not verifiable (no seal record after them)"
}

@test "seal: a whole run slid in before another one's is caught: a run's chain starts from the one it followed" {
	sealed_run
	# Another genuine run, made after the first one in a copy of the log,
	# so that it names the first as the run it followed.
	cp "$T/log" "$T/other"
	sealed_run "$T/other"
	sealed_run
	run -0 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 4 of 4 events verified (2 sealed runs)"
	# Its lines, complete and self-consistent, slid in before the second:
	# the second's first line no longer follows.
	n=$(grep -n '"event":"sockaudit.seal"' "$T/log" | head -1 | cut -d: -f1)
	tail -n 3 "$T/other" >"$T/slid"
	sed -i "${n}r $T/slid" "$T/log"
	run -3 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 5 of 6 events verified (3 sealed runs); 1 lines FAILED verification, the first $T/log:$((n + 4)): does not verify: forged, altered, or out of chain"
}

@test "seal: a stream (a pipe on standard input) is not verified, and said so" {
	sealed_run
	run -0 sh -c 'cat "$1" | "$2" report -' sh "$T/log" "$SOCKAUDIT"
	assert_line "Notify layer: 0 of 2 events verified (0 sealed runs), 2 not verifiable (a stream is read once)"
}

@test "seal: SIGKILL to the supervisor: its standby continues the chain and seals it" {
	mkfifo "$T/gate"
	"$SOCKAUDIT" run --layer seccomp -o "$T/log" -- "$K2" gate "$T/gate" >"$T/out" 2>"$T/err" &
	local run_pid=$!
	wait_for grep -q '"call":"socket"' "$T/log"
	kill -9 "$run_pid"
	wait "$run_pid" || true
	echo go >"$T/gate"
	wait_for grep -q '"event":"sockaudit.seal"' "$T/log"
	# Sealed by the standby, not by the supervisor it took over from.
	run -0 jq -r 'select(.event | startswith("sockaudit.")) | "\(.event) \(.pid)"' "$T/log"
	assert_output --regexp "^sockaudit.seal [0-9]+$"
	refute_output "sockaudit.seal $run_pid"
	run -0 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 2 of 2 events verified (1 sealed runs)"
}

@test "seal: SIGKILL to the supervisor while its line waits in the drain's queue: the standby writes it, sealed, once" {
	mkfifo "$T/gate"
	"$SOCKAUDIT" run --layer seccomp -o "$T/log" -- "$K2" gate "$T/gate" >"$T/out" 2>"$T/err" &
	local run_pid=$!
	# Opening the gate waits for the program's open of it, right after its
	# first call returned: the supervisor is killed a moment later, long
	# before its drain's next round (DRAIN_IDLE_MS) would write that line.
	exec 8>"$T/gate"
	kill -9 "$run_pid"
	wait "$run_pid" || true
	echo go >&8
	exec 8>&-
	wait_for grep -q '"event":"sockaudit.seal"' "$T/log"
	# (seq restarts at the standby's count: man sockaudit-run)
	run -0 jq -r 'select(.layer == "notify") | .call' "$T/log"
	assert_output "socket
socket"
	run -0 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 2 of 2 events verified (1 sealed runs)"
	assert_line "Lost events:  0 in 0 processes"
}

@test "seal: a full disk under a sealed run: what reached the log verifies, the lost lines break no chain" {
	mkdir "$T/mnt"
	mount -t tmpfs -o size=256k tmpfs "$T/mnt" || require_feature tmpfs "cannot mount a tmpfs here"
	dd if=/dev/zero of="$T/mnt/fill" bs=4k count=56 status=none
	# 240 lines (100 KiB) for 32 KiB of room: a write of the drain comes
	# out short.  Once the disk is full (polled, with a deadline), room
	# again for all the rest: the chain goes on from the last whole line
	# written.
	run -0 --separate-stderr "$SOCKAUDIT" run --layer seccomp -o "$T/mnt/log" -- sh -c '
		for i in 1 2 3 4; do "$0" threads 60 >/dev/null; done
		n=0
		while [ "$(stat -f -c %a "$1")" -gt 0 ] && [ $n -lt 100000 ]; do n=$((n + 1)); done
		rm "$1/fill"
		"$0" threads 5 >/dev/null' "$K2" "$T/mnt"
	[[ "$stderr" =~ warning:\ ([0-9]+)\ event.*\(0\ by\ the\ preload\ shim,\ ([0-9]+)\ by\ the\ notify ]]
	[ "${BASH_REMATCH[2]}" -gt 0 ]
	# (read where it is: the cut line below is no event, and the suite's
	# schema check reads every log left in the test's directory)
	# the lines after the disk had room again are there
	run -0 jq -R -s '[split("\n")[] | fromjson? | select(.layer == "notify")] |
		group_by(.pid) | max_by(.[0].ts) | length' "$T/mnt/log"
	assert_output 5
	# every sealed line verifies (the short write may have left one cut
	# line, which is no event: exit 1)
	run "$SOCKAUDIT" report "$T/mnt/log"
	[ "$status" -le 1 ]
	assert_line --regexp "^Notify layer: ([0-9]+) of \\1 events verified \\(1 sealed runs\\)$"
}

@test "seal: the tree cannot read the key: the supervisor and its standby are not dumpable, the key is published only after the tree" {
	[ "$(id -u)" = 0 ] || require_feature root "the test drops privileges with setpriv"
	searchable_by_all "$T"
	chmod 777 "$T"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$SOCKAUDIT" run --layer seccomp \
		-o "$T/log" -- "$PY" -c '
import os, socket, sys
socket.socket()
sup = os.getppid()
def standby_of(p):
	try:
		return (open("/proc/%s/comm" % p).read().strip() == "sockaudit-stby" and
			open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[1] == str(sup))
	except OSError:
		return False
stby = [p for p in os.listdir("/proc") if p.isdigit() and standby_of(p)]
assert len(stby) == 1, stby
for pid in (sup, int(stby[0])):
	for what in ("mem", "fd", "environ", "maps"):
		try:
			if what == "fd":
				os.listdir("/proc/%d/fd" % pid)
			else:	# opening is what is checked (mem at 0 reads EIO)
				open("/proc/%d/%s" % (pid, what), "rb").close()
			print(pid == sup and "supervisor" or "standby", what, "readable")
		except PermissionError:
			print(pid == sup and "supervisor" or "standby", what, "denied")
print("key in the log:", "\"key\"" in open(sys.argv[1]).read())' "$T/log" >"$T/out"
	run cat "$T/out"
	assert_output "supervisor mem denied
supervisor fd denied
supervisor environ denied
supervisor maps denied
standby mem denied
standby fd denied
standby environ denied
standby maps denied
key in the log: False"
	run -0 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 1 of 1 events verified (1 sealed runs)"
}

@test "seal: a log file is sealed, the stderr log is not (verifying needs the file)" {
	run -0 --separate-stderr "$SOCKAUDIT" run --layer seccomp -- "$PY" -c 'import socket; socket.socket()'
	[[ "$stderr" == *'"layer":"notify"'* ]] || fail "no notify event: $stderr"
	[[ "$stderr" != *seal* ]] || fail "sealed: $stderr"
	run -0 "$SOCKAUDIT" run --layer seccomp -o "$T/log" -- "$PY" -c 'import socket; socket.socket()'
	run -0 jq -r 'select(.layer == "notify") | .seal | length' "$T/log"
	assert_output 32
}
