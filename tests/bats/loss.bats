#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# No event lost unseen: a log path the program clobbered, a log the shim
# cannot open or was told to skip, a full disk.  Each event the shim cannot
# write either reaches the log through the notify supervisor (--layer auto)
# or is counted and said.

bats_require_minimum_version 1.5.0
load helper
load shim-helper

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	[ "$(id -u)" = 0 ] || require_feature root "these tests mount a tmpfs and drop privileges"
}

teardown() {
	if mountpoint -q "$BATS_TEST_TMPDIR/mnt" 2>/dev/null; then
		umount "$BATS_TEST_TMPDIR/mnt"
	fi
}

# count_events LOG EXE-BASENAME LAYER: events of that program by that layer
count_events() {
	jq -s --arg exe "$2" --arg layer "$3" \
		'[.[] | select(.layer == $layer and (.exe | endswith("/" + $exe)))] | length' "$1"
}

# A tmpfs of 64 KiB at $T/mnt, half of it taken by $T/mnt/fill.
small_disk() {
	mkdir "$T/mnt"
	mount -t tmpfs -o size=64k tmpfs "$T/mnt" || require_feature tmpfs "cannot mount a tmpfs here"
	dd if=/dev/zero of="$T/mnt/fill" bs=4k count=8 status=none
}

# no_disk: undo small_disk and until_space, for the next round of a loop.
no_disk() {
	umount "$T/mnt"
	rm -f "$T/go"
	rmdir "$T/mnt"
}

# until_space CMD...: run CMD (an s_full waiting for $T/go) in the background,
# stdout to $T/out and stderr to $T/err; once its first phase is done, free
# $T/mnt/fill and let it go on.  Sets $status to CMD's.
until_space() {
	"$@" >"$T/out" 2>"$T/err" 3>&- &
	local pid=$!
	wait_for grep -q phase1 "$T/out"
	# the launcher writes the ring's lines a little later: wait until it
	# has tried every line of phase 1 (written, or counted lost in the
	# run's tally), so that the space given back is for phase 2
	wait_for tried_all "$pid" "$T/mnt/log"
	rm "$T/mnt/fill"
	touch "$T/go"
	status=0
	wait "$pid" || status=$?
}

# tried_all RUNPID LOG: has the run written or counted lost every event of
# its s_full child's phase 1 (the number it printed)?  The lost count is
# read from the run's tally, which the child maps (SOCKAUDIT_TALLY).
tried_all() {
	"$PY" -c '
import os, struct, sys
run, log, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
calls = int(open(out).read().split()[1])
child = None
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        ppid = open("/proc/%s/stat" % pid).read().rsplit(") ", 1)[1].split()[1]
        if ppid == str(run) and open("/proc/%s/comm" % pid).read().strip() == "s_full":
            child = pid
    except (OSError, IndexError):
        pass
if child is None:
    sys.exit(1)
env = dict(v.split("=", 1) for v in open("/proc/%s/environ" % child).read().split("\0") if "=" in v)
if "SOCKAUDIT_TALLY" not in env:
    sys.exit(0)     # the kernel layers alone: written as they go
fd = env["SOCKAUDIT_TALLY"].split(":")[0]
magic, lost = struct.unpack("QQ", open("/proc/%s/fd/%s" % (child, fd), "rb").read(16))
lines = open(log, "rb").read().count(b"\n") if os.path.exists(log) else 0
sys.exit(0 if lines + lost >= calls else 1)' "$1" "$2" "$T/out"
}

# check_full_log LOG CALLS LOST: every line is an event except at most one
# fragment of one event and run's loss record at the end, never two events
# on a line, the line after a fragment is an event, and the events plus LOST
# make CALLS (LOST "-": not checked); a loss record must count LOST.
check_full_log() {
	"$PY" - "$@" <<'EOF'
import json, sys
path, calls, lost = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(path, "rb").read().split(b"\n")
if lines and lines[-1] == b"":
    lines.pop()
events, junk = 0, []
if lines and b'"event":"sockaudit.lost"' in lines[-1]:
    record = json.loads(lines.pop())
    if lost != "-" and record["lost"] != int(lost):
        sys.exit("the loss record counts %d, run said %s" % (record["lost"], lost))
if lines and b'"event":"sockaudit.seal"' in lines[-1]:
    lines.pop()     # the supervisor's seal record, no event
for i, line in enumerate(lines):
    if line.count(b'{"v":1,') != 1:
        sys.exit("line %d holds %d events: %r" % (i + 1, line.count(b'{"v":1,'), line[:120]))
    try:
        json.loads(line)
        events += 1
    except ValueError:
        junk.append(i)
        if i + 1 < len(lines):
            json.loads(lines[i + 1])
if len(junk) > 1:
    sys.exit("%d fragments" % len(junk))
if lost != "-" and events + int(lost) != calls:
    sys.exit("%d events + %d lost != %d calls" % (events, lost, calls))
print(events, len(junk))
EOF
}

# ---- item 6: the environment is the program's ----

@test "loss: a program that clobbers its environment and closes every descriptor is logged (auto, preload)" {
	need_notify
	mkdir "$T/cwd"
	cd "$T/cwd"
	run -0 --separate-stderr "$SOCKAUDIT" run --layer auto -o "$T/log" -- "$FIX/s_envclobber" some args
	assert_output "fd 3"
	assert_equal "$stderr" ""
	run -0 count_events "$T/log" s_envclobber preload
	assert_output 1
	run -0 ls -A "$T/cwd"
	assert_output ""

	SOCKAUDIT_LOG="$T/log2" run -0 --separate-stderr under_shim "$FIX/s_envclobber" some args
	assert_output "fd 3"
	assert_equal "$stderr" ""
	run -0 jq -r '[.call, .result, .layer] | @tsv' "$T/log2"
	assert_output $'socket\t3\tpreload'
	run -0 ls -A "$T/cwd"
	assert_output ""
}

# ---- item 5: the shim hands over what it cannot log ----

@test "loss: a privilege drop before exec (setpriv, runuser): the supervisor logs all 200 calls" {
	need_notify
	for drop in "setpriv --reuid=nobody --regid=nogroup --clear-groups" "runuser -u nobody --"; do
		rm -f "$T/log"
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$SOCKAUDIT" run --layer auto -o "$T/log" -- \
			$drop "$FIX/s_full" 200 /dev/null 0
		assert_output $'phase1 200\nphase2 0'
		run -0 count_events "$T/log" s_full notify
		assert_output 200
		assert_equal "$stderr" "sockaudit: cannot open log $T/log: Permission denied; the notify supervisor logs this program's calls instead"
		run -0 count_events "$T/log" s_full preload
		assert_output 0
		# no gap (setpriv's own calls come first, in the same process)
		run -0 jq -s -c '[.[] | select(.layer and (.exe | endswith("/s_full"))) | .seq] | .[-1] - .[0] + 1' "$T/log"
		assert_output 200
	done
}

@test "loss: SOCKAUDIT_LOG changed by a wrapper (/dev/null, relative) hides nothing under --layer auto" {
	need_notify
	run -0 "$SOCKAUDIT" run --layer auto -o "$T/log" -- "$FIX/s_full" 200 /dev/null 0
	run -0 count_events "$T/log" s_full preload
	assert_output 200
	run -0 count_events "$T/log" s_full notify
	assert_output 0
	for spec in /dev/null relative.log; do
		rm -f "$T/log"
		run -0 --separate-stderr "$SOCKAUDIT" run --layer auto -o "$T/log" -- \
			env SOCKAUDIT_LOG=$spec "$FIX/s_full" 200 /dev/null 0
		run -0 count_events "$T/log" s_full notify
		assert_output 200
		run -0 count_events "$T/log" s_full preload
		assert_output 0
	done
	[ ! -e "$T/relative.log" ]
}

@test "loss: with the stderr log, a program whose stderr is not run's is logged by the supervisor" {
	need_notify
	run -0 --separate-stderr "$SOCKAUDIT" run --layer auto -- sh -c '"$0" 2 2 0 2>/dev/null' "$FIX/s_sock"
	assert_output --regexp '^fd [0-9]+$'
	[ "${#stderr_lines[@]}" -eq 2 ]
	echo "${stderr_lines[0]}" | jq -e '.call == "socket" and .layer == "notify"'
	echo "${stderr_lines[1]}" | jq -e '.call == "shutdown" and .layer == "notify"'
}

@test "loss: a denial the shim cannot log is refused and logged by the kernel layers" {
	need_notify
	run -1 "$SOCKAUDIT" run --layer auto -p "$EXAMPLES/no-network.json" -o "$T/log" -- \
		env SOCKAUDIT_LOG=/dev/null "$FIX/s_sock" 2 2 0
	# (the summary counts the supervisor's denial)
	assert_output "errno EACCES
sockaudit run: 1 call denied by the policy; see $T/log"
	run -0 jq -r 'select(.layer and (.exe | endswith("/s_sock"))) | [.decision, .layer, .errno // "?"] | @tsv' "$T/log"
	assert_output --regexp $'^deny\tnotify\t'
}

# ---- item 5: a full disk ----

@test "loss: a full disk under sockaudit run: the loss is said, CMD's status kept, no event glued to a fragment (auto, preload)" {
	need_notify
	for layer in auto preload; do
		small_disk
		until_space "$SOCKAUDIT" run --layer $layer -o "$T/mnt/log" -- "$FIX/s_full" 2000 "$T/go" 50
		assert_equal "$status" 0
		run -0 cat "$T/out"
		assert_output $'phase1 2000\nphase2 50'
		run -0 check_full_log "$T/mnt/log" 2050 -
		run -0 cat "$T/err"
		assert_output --regexp "^sockaudit run: warning: ([0-9]+) event\\(s\\) could not be written to the log $T/mnt/log \\(([0-9]+) by the preload shim, ([0-9]+) by the notify supervisor\\): it is incomplete\$"
		lost=$(sed -E 's/.*warning: ([0-9]+) event.*/\1/' "$T/err")
		[ "$lost" -gt 0 ]
		run -0 check_full_log "$T/mnt/log" 2050 "$lost"
		# what reached the log is in order: the launcher writes the ring's
		# lines oldest first, so the space that came back holds the oldest
		# lines still in flight (of phase 1 or 2)
		run -0 "$PY" -c '
import json, sys
last = {}
for line in open(sys.argv[1], "rb"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if "seq" in e:
        if e["seq"] <= last.get(e["pid"], 0):
            sys.exit("pid %d: seq %d after %d" % (e["pid"], e["seq"], last[e["pid"]]))
        last[e["pid"]] = e["seq"]
print(len(last) > 0)' "$T/mnt/log"
		assert_output True
		# run's loss record ends the log, and report counts it
		run -0 bash -c "tail -n 1 '$T/mnt/log' | jq -c '[.event, .lost]'"
		assert_output "[\"sockaudit.lost\",$lost]"
		no_disk
	done
}

@test "loss: losses no later seq reveals (the end of a run) are counted by report, from run's loss record" {
	need_notify
	for layer in auto preload; do
		small_disk
		# every call while the disk is full; space returns only after the
		# last call, so no later event shows a seq gap
		until_space "$SOCKAUDIT" run --layer $layer -o "$T/mnt/log" -- "$FIX/s_full" 300 "$T/go" 0
		assert_equal "$status" 0
		lost=$(sed -E 's/.*warning: ([0-9]+) event.*/\1/' "$T/err")
		[ "$lost" -gt 0 ]
		run -0 check_full_log "$T/mnt/log" 300 "$lost"
		# (status 1 when the log holds a fragment: a line that is not an event)
		run "$SOCKAUDIT" report "$T/mnt/log"
		[ "$status" -le 1 ]
		assert_line --regexp "^Lost events:  at least $lost \(sockaudit run counted $lost in 1 run\(s\); seq gaps show [0-9]+ in [0-9]+ processes\)\$"
		run -0 bash -c "'$SOCKAUDIT' report --format json '$T/mnt/log' | jq -c '[.lost, .lost_run_counted]'"
		assert_output "[$lost,$lost]"
		# the record is no junk line: only a fragment would be
		run -0 bash -c "'$SOCKAUDIT' report '$T/mnt/log' | sed -n 's/^Files: *1, \([0-9]*\) lines not events\$/\1/p'"
		[ "$output" -le 1 ]
		no_disk
	done
}

@test "loss: a disk that stays full: run says how many events were lost" {
	need_notify
	small_disk
	run -0 --separate-stderr "$SOCKAUDIT" run --layer auto -o "$T/mnt/log" -- "$FIX/s_full" 2000 /dev/null 0
	assert_output $'phase1 2000\nphase2 0'
	[[ "$stderr" =~ ^"sockaudit run: warning: "([0-9]+)" event(s) could not be written to the log $T/mnt/log ("([0-9]+)" by the preload shim, "([0-9]+)" by the notify supervisor): it is incomplete"$ ]]
	lost=${BASH_REMATCH[1]}
	assert_equal "$lost" "$((BASH_REMATCH[2] + BASH_REMATCH[3]))"
	run -0 check_full_log "$T/mnt/log" 2000 "$lost"
}

@test "loss: plain LD_PRELOAD on a full tmpfs: the program runs on, the loss is said once, the seq gap shows it" {
	mkdir "$T/mnt"
	mount -t tmpfs -o size=64k tmpfs "$T/mnt" || require_feature tmpfs "cannot mount a tmpfs here"
	run -1 dd if=/dev/zero of="$T/mnt/fill" bs=4k status=none
	SOCKAUDIT_LOG="$T/mnt/log" until_space under_shim "$FIX/s_full" 200 "$T/go" 50
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output $'phase1 200\nphase2 50'
	run -0 cat "$T/err"
	assert_output "sockaudit: cannot write the log $T/mnt/log: No space left on device; events are being lost (each leaves a gap in seq)"
	run -0 json_lines "$T/mnt/log"
	assert_output 50
	# the first 200 are lost: the seq gap says so
	run -0 jq -s -c '[.[0].seq, .[-1].seq]' "$T/mnt/log"
	assert_output '[201,250]'
}

@test "loss: plain LD_PRELOAD on a full disk says once that events are being lost" {
	small_disk
	SOCKAUDIT_LOG="$T/mnt/log" run -0 --separate-stderr under_shim "$FIX/s_full" 2000 /dev/null 0
	assert_output $'phase1 2000\nphase2 0'
	assert_equal "$stderr" "sockaudit: cannot write the log $T/mnt/log: No space left on device; events are being lost (each leaves a gap in seq)"
}

@test "loss: a program that closes the tally before exec: its shim says the loss itself" {
	small_disk
	run -0 --separate-stderr "$SOCKAUDIT" run --layer preload -o "$T/mnt/log" -- \
		bash -c 'eval "exec ${SOCKAUDIT_TALLY%%:*}>&-"; exec "$0" 2000 /dev/null 0' "$FIX/s_full"
	assert_output $'phase1 2000\nphase2 0'
	assert_equal "$stderr" "sockaudit: cannot write the log $T/mnt/log: No space left on device; events are being lost (each leaves a gap in seq)"
}

# A FIFO at $T/fifo with a reader that never reads: this shell holds it open
# read-write on descriptor 7 (3 is bats' own), so that opening it for
# writing never waits.
stalled_fifo() {
	mkfifo "$T/fifo"
	exec 7<>"$T/fifo"
}

SOCKETS_PY='import socket
for i in range(2000):
    socket.socket().close()
print("done")'

@test "loss: a log whose reader stops reading costs events, counted, never the program's progress (FIFO log; LD_PRELOAD alone, run)" {
	stalled_fifo
	echo first >&7		# the reader's, whatever run does at its start
	# plain LD_PRELOAD: the program ends, and the shim says the loss once
	SOCKAUDIT_LOG="$T/fifo" run -0 --separate-stderr timeout 60 env LD_PRELOAD="$SHIM_PRELOAD" "$PY" -c "$SOCKETS_PY"
	assert_output done
	[[ "$stderr" == *"cannot write the log $T/fifo: Resource temporarily unavailable; events are being lost"* ]]
	# under run, the preload layer and the kernel layers alone (every call
	# notified, the supervisor writing): run counts what could not be written
	run -0 --separate-stderr timeout 60 "$SOCKAUDIT" run --layer preload -o "$T/fifo" -- "$PY" -c "$SOCKETS_PY"
	assert_output done
	[[ "$stderr" =~ warning:\ ([0-9]+)\ event\(s\)\ could\ not\ be\ written\ to\ the\ log\ $T/fifo ]]
	[ "${BASH_REMATCH[1]}" -gt 1000 ]
	need_notify
	run -0 --separate-stderr timeout 60 "$SOCKAUDIT" run --layer seccomp -o "$T/fifo" -- "$PY" -c "$SOCKETS_PY"
	assert_output done
	[[ "$stderr" =~ warning:\ ([0-9]+)\ event\(s\)\ could\ not\ be\ written\ to\ the\ log\ $T/fifo\ \(0\ by\ the\ preload\ shim,\ ([0-9]+)\ by\ the\ notify ]]
	[ "${BASH_REMATCH[1]}" -gt 1000 ]
	# run did not read the FIFO for its seal chain: its first line is there
	read -r line <&7
	assert_equal "$line" first
	exec 7<&-
}

@test "loss: the default stderr log piped into a reader that stalls does not stop the program" {
	# The reader never reads its pipe: it waits on a FIFO that the program's
	# side opens once the program is done.  The pipe (64 KiB) is full
	# after ~180 events.
	mkfifo "$T/done"
	run -0 --separate-stderr timeout 60 bash -c '
		{ env LD_PRELOAD="$1" "$2" -c "$3" 2>&1 >"$4/out"; echo >"$4/done"; } |
			{ read -r _ <"$4/done"; }
		cat "$4/out"' _ "$SHIM_PRELOAD" "$PY" "$SOCKETS_PY" "$T"
	assert_output done
}

@test "loss: a writer killed between its claim in the run's ring and its commit is skipped and counted, never waited for" {
	for layer in preload auto; do
		rm -f "$T/log"
		run -0 --separate-stderr timeout 30 "$SOCKAUDIT" run --layer $layer -o "$T/log" -- "$FIX/r_dead"
		assert_equal "$stderr" "sockaudit run: warning: 1 event(s) could not be written to the log $T/log (1 by the preload shim, 0 by the notify supervisor): it is incomplete"
		# the event after the dead record is there, then the loss record
		run -0 jq -c 'select(.event != "sockaudit.seal") | [.event, .call, .lost]' "$T/log"
		assert_output '["socket.__new__","socket",null]
["sockaudit.lost",null,1]'
	done
}

# removed_run MODE: run a program that makes one socket, waits for $T/go,
# makes another; remove the log (MODE file) or its directory (MODE dir)
# in between, once the first event is in it.
removed_run() {
	mkdir -p "$T/d"
	rm -f "$T/go" "$T/err"
	"$SOCKAUDIT" run --layer preload -o "$T/d/log" -- "$PY" -c '
import os, socket, time
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
deadline = time.monotonic() + 20
while not os.path.exists(os.environ["GO"]) and time.monotonic() < deadline:
    time.sleep(0.01)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()' 2>"$T/err" &
	pid=$!
	wait_for test -s "$T/d/log"
	if [ "$1" = dir ]; then rm -rf "$T/d"; else rm -f "$T/d/log"; fi
	# the launcher notices (it looks at every round of its drain) before
	# the second event is made
	wait_for grep -q "was removed" "$T/err"
	touch "$T/go"
	wait "$pid"
}

@test "loss: a log removed during the run: the launcher says so and writes the rest to a new file at its path" {
	export GO="$T/go"
	removed_run file
	run -0 cat "$T/err"
	assert_output "sockaudit run: the log $T/d/log was removed; events go to a new file at that path from here"
	run -0 jq -r '[.call, .seq] | @tsv' "$T/d/log"
	assert_output $'socket\t2'
}

@test "loss: a log whose directory is removed during the run: said, and every later event counted lost" {
	export GO="$T/go"
	removed_run dir
	run -0 cat "$T/err"
	assert_line "sockaudit run: the log $T/d/log was removed and cannot be created again (No such file or directory); events are lost (counted) until it can"
	assert_line "sockaudit run: warning: 1 event(s) could not be written to the log $T/d/log (1 by the preload shim, 0 by the notify supervisor): it is incomplete"
	[ ! -e "$T/d" ]
}

@test "loss: plain LD_PRELOAD: a removed log is noticed within a second and written to a new file at its path" {
	mkdir -p "$T/d"
	# sockets until the log is back (the shim looks once a second), at
	# most 10 s
	SOCKAUDIT_LOG="$T/d/log" run -0 env LD_PRELOAD="$SHIM_PRELOAD" "$PY" -c '
import os, socket, time
log = os.environ["SOCKAUDIT_LOG"]
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
os.unlink(log)
n, deadline = 1, time.monotonic() + 10
while not os.path.exists(log) and time.monotonic() < deadline:
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
    n += 1
    time.sleep(0.01)
print(n)'
	n=$output
	# the events from the one that made the new file on are in it, in order
	run -0 jq -r .seq "$T/d/log"
	last=${lines[-1]}
	assert_equal "$last" "$n"
	assert_equal "${#lines[@]}" "$((n - ${lines[0]} + 1))"
}

@test "loss: a program at a 4000-byte path is logged under run as by a plain preload (its exe cut the same), nothing lost" {
	local d="$T" part
	part=$(printf 'p%.0s' {1..250})
	while [ ${#d} -lt 3800 ]; do d="$d/$part"; done
	mkdir -p "$d"
	cp "$FIX/s_sock" "$d/s_sock"
	run -0 --separate-stderr "$SOCKAUDIT" run --layer preload -o "$T/ring.log" -- "$d/s_sock" 1 2 0
	assert_equal "$stderr" ""
	SOCKAUDIT_LOG="$T/plain.log" run -0 under_shim "$d/s_sock" 1 2 0
	run -0 jq -r 'select(.event == "socket.__new__") | .exe | length' "$T/ring.log"
	assert_output 2046
	# the same cut: the ring keeps what the line can show
	run -0 diff <(jq -c 'select(.event == "socket.__new__") | .exe' "$T/ring.log") \
		<(jq -c 'select(.event == "socket.__new__") | .exe' "$T/plain.log")
}

@test "loss: the launcher's drain thread asks for a larger CPU share (nice -10, as root), so a busy machine does not fill the ring" {
	for layer in preload auto; do
		run -0 "$SOCKAUDIT" run --layer $layer -o "$T/log" -- "$PY" -c '
import glob, os
for stat in glob.glob("/proc/%d/task/*/stat" % os.getppid()):
    with open(stat) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    print(fields[16])'
		# the launcher's main thread keeps its nice, its drain thread has -10
		assert_line 0
		assert_line -- -10
	done
}
