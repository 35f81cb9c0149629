#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sockaudit run's log rotation: SIGHUP opens the log again (logrotate's
# create + postrotate convention), --log-max-size/--log-keep rotate by size,
# --log-mode/--log-group give the file to a shipper.  Every writer of the
# run follows a rotation (the launcher's drain, and shims that write the log
# themselves), no line is split, and the supervisor's seals verify in each
# file on its own.
load helper
bats_require_minimum_version 1.5.0
DATA="$ROOT/tests/data"

# The program of the SIGHUP tests: a UDP socket, then "ready", then waits
# (10 s at most) for "go", then an AF_INET6 UDP socket.  A SIGHUP that
# reached it would kill it (status 129).
HUP_PY='
import os, socket, sys, time
d = sys.argv[1]
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
open(d + "/ready", "w").close()
deadline = time.monotonic() + 10
while not os.path.exists(d + "/go") and time.monotonic() < deadline:
    time.sleep(0.01)
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()
'

# families FILE: the families of FILE's socket.__new__ events, one line.
families() {
	jq -r 'select(.event == "socket.__new__" and .type == "SOCK_DGRAM") | .family' "$1" |
		tr '\n' ' '
}

# hup_rotate [RUN OPTION...] -- [PREFIX...]: run HUP_PY (after PREFIX, e.g.
# unshare), rename the log once its first event is in, SIGHUP sockaudit,
# let the program go on once the new log exists.  The status is run's.
hup_rotate() {
	local opts=() pid status=0
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	"$SOCKAUDIT" run "${opts[@]}" -o "$T/log" -- "$@" "$PY" -c "$HUP_PY" "$T" &
	pid=$!
	wait_for test -e "$T/ready"
	wait_for grep -q '"family":"AF_INET"' "$T/log"
	mv "$T/log" "$T/log.1"
	kill -HUP "$pid"
	# The launcher opens the path again: a new file.
	wait_for test -e "$T/log"
	touch "$T/go"
	wait "$pid" || status=$?
	return "$status"
}

@test "rotate: SIGHUP opens the log again; the renamed log gets nothing more; CMD never sees the signal" {
	local layer
	for layer in preload auto seccomp; do
		rm -f "$T"/log* "$T/ready" "$T/go"
		hup_rotate --layer "$layer" --
		assert_equal "$(families "$T/log.1")" "AF_INET "
		assert_equal "$(families "$T/log")" "AF_INET6 "
		json_lines "$T/log.1"
		json_lines "$T/log"
	done
}

@test "rotate: a process that writes the log itself (another pid namespace) follows the rotation too" {
	command -v unshare >/dev/null
	hup_rotate --layer preload -- unshare --pid --fork
	# The ring was refused there: the shim wrote the file itself.
	run -0 jq -r 'select(.type == "SOCK_DGRAM") | .layer' "$T/log.1"
	assert_output preload
	assert_equal "$(families "$T/log.1")" "AF_INET "
	assert_equal "$(families "$T/log")" "AF_INET6 "
}

@test "rotate: with the stderr log, SIGHUP is CMD's, as before" {
	local layer pid status
	for layer in preload auto; do
		rm -f "$T/ready"
		"$SOCKAUDIT" run --layer "$layer" -- sh -c 'touch "$1"; exec sleep 60' _ "$T/ready" &
		pid=$! status=0
		wait_for test -e "$T/ready"
		kill -HUP "$pid"
		wait "$pid" || status=$?
		assert_equal "$status" 129
	done
}

@test "rotate: --log-max-size: LOG, LOG.1 .. LOG.KEEP, each at most SIZE, whole lines, nothing lost between them" {
	run -0 --separate-stderr "$SOCKAUDIT" run --layer preload --log-max-size 4K --log-keep 3 \
		-o "$T/log" -- "$PY" -c '
import socket
for i in range(200):
    socket.socket().close()'
	assert_equal "$stderr" ""
	[ -s "$T/log.3" ] && [ ! -e "$T/log.4" ]
	local f seqs=
	for f in log.3 log.2 log.1 log; do
		[ "$(stat -c %s "$T/$f")" -le 4096 ]
		json_lines "$T/$f"
		seqs+=$(jq -r '.seq' "$T/$f" | tr '\n' ' ')
	done
	# One run of seq, without a gap, up to the last event (200), in the
	# newest file; the oldest rotated ones were dropped.
	run -0 "$PY" -c '
import sys
s = [int(x) for x in sys.argv[1].split()]
assert s == list(range(s[0], 201)), s
print(len(s))' "$seqs"
	run -0 "$SOCKAUDIT" report --format json "$T/log.3" "$T/log.1" "$T/log" "$T/log.2"
	run -0 jq -c '[.lost, .junk]' <<<"$output"
	assert_output '[0,0]'
}

@test "rotate: the supervisor's seals verify in every rotated file on its own, by size or by SIGHUP" {
	run -0 "$SOCKAUDIT" run --layer seccomp --log-max-size 3K --log-keep 20 -o "$T/log" -- "$PY" -c '
import socket
for i in range(30):
    socket.socket().close()'
	[ -e "$T/log.3" ]
	local f n=0
	for f in "$T"/log*; do
		run -0 "$SOCKAUDIT" report "$f"
		assert_line --regexp '^Notify layer: ([0-9]+) of \1 events verified \(1 sealed runs\)$'
		n=$((n + $(jq -r 'select(.layer == "notify" and .type == "SOCK_STREAM") | 1' "$f" | wc -l)))
	done
	assert_equal "$n" 30
	# logrotate's way: the renamed file is closed by the run's seal record.
	rm -f "$T"/log* "$T/ready" "$T/go"
	hup_rotate --layer seccomp --
	for f in "$T/log.1" "$T/log"; do
		run -0 "$SOCKAUDIT" report "$f"
		assert_line --regexp '^Notify layer: [1-9][0-9]* of [0-9]+ events verified \(1 sealed runs\)$'
		refute_line --partial 'not verifiable'
	done
}

@test "rotate: --log-mode and --log-group: the file a shipper in the group can read, umask aside, after rotation too" {
	searchable_by_all "$T"
	run -0 bash -c 'umask 077; exec "$@"' _ "$SOCKAUDIT" run --layer preload --log-mode 0640 \
		--log-group nogroup --log-max-size 2K -o "$T/log" -- "$PY" -c '
import socket
for i in range(20):
    socket.socket().close()'
	[ -e "$T/log.1" ]
	local f
	for f in "$T/log" "$T/log.1"; do
		assert_equal "$(stat -c '%a %G' "$f")" "640 nogroup"
	done
	# A shipper running as another user, in that group, reads it.
	run -0 setpriv --reuid=nobody --regid=nogroup --clear-groups head -c 10 "$T/log.1"
	assert_output '{"v":1,"se'
	# Without the options: 0600, as before.
	run -0 "$SOCKAUDIT" run --layer preload -o "$T/plain" -- true
	assert_equal "$(stat -c %a "$T/plain")" 600
}

@test "rotate: option errors exit 125 and run nothing" {
	run -125 "$SOCKAUDIT" run --log-keep 3 -o "$T/log" -- touch "$T/ran"
	assert_output --partial "--log-keep needs --log-max-size"
	run -125 "$SOCKAUDIT" run --log-max-size 10M -- touch "$T/ran"
	assert_output --partial "need a log file (-o LOG)"
	run -125 "$SOCKAUDIT" run --log-max-size 10X -o "$T/log" -- touch "$T/ran"
	assert_output --partial "invalid size '10X'"
	run -125 "$SOCKAUDIT" run --log-mode 0648 -o "$T/log" -- touch "$T/ran"
	assert_output --partial "invalid --log-mode '0648'"
	run -125 "$SOCKAUDIT" run --log-group no-such-group-sockaudit -o "$T/log" -- touch "$T/ran"
	assert_output --partial "no such group 'no-such-group-sockaudit'"
	[ ! -e "$T/ran" ]
}

@test "rotate: report, learn and eval replay read logrotate's compressed files (.gz), from a file or a pipe" {
	gzip -c "$DATA/rotated.1.jsonl" >"$T/r.1.gz"
	gzip -c "$DATA/rotated.2.jsonl" >"$T/r.2.gz"
	run -0 "$SOCKAUDIT" report --format json "$DATA/rotated.2.jsonl" "$DATA/rotated.1.jsonl"
	local plain
	plain=$(jq -S 'del(.files)' <<<"$output")
	run -0 "$SOCKAUDIT" report --format json "$T/r.2.gz" "$T/r.1.gz"
	assert_equal "$(jq -S 'del(.files)' <<<"$output")" "$plain"
	# Two members one after the other (cat a.gz b.gz) are one stream, as
	# zcat reads them; standard input too.
	cat "$T/r.2.gz" "$T/r.1.gz" >"$T/both.gz"
	run -0 bash -c "cat '$T/both.gz' | '$SOCKAUDIT' report --format json -"
	assert_equal "$(jq -S 'del(.files)' <<<"$output")" "$plain"
	# learn and eval's replay share the reader.
	run -0 "$SOCKAUDIT" learn -o "$T/plain.json" "$DATA/rotated.1.jsonl"
	run -0 "$SOCKAUDIT" learn -o "$T/gz.json" "$T/r.1.gz"
	run -0 diff <(jq 'del(.rules[].comment)' "$T/plain.json") <(jq 'del(.rules[].comment)' "$T/gz.json")
	run -0 "$SOCKAUDIT" eval "$T/gz.json" "$T/r.1.gz"
	# A file cut short is an error, never a silent short count.
	head -c 100 "$T/r.1.gz" >"$T/cut.gz"
	run -2 --separate-stderr "$SOCKAUDIT" report "$T/cut.gz"
	assert_equal "$stderr" "sockaudit report: $T/cut.gz: Bad message"
}

@test "rotate: the seals of a compressed log verify as the plain file's" {
	run -0 "$SOCKAUDIT" run --layer seccomp -o "$T/log" -- "$PY" -c 'import socket; socket.socket(); socket.socket()'
	gzip "$T/log"
	run -0 "$SOCKAUDIT" report "$T/log.gz"
	assert_line "Notify layer: 2 of 2 events verified (1 sealed runs)"
}
