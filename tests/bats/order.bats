#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The order of the log's lines when the supervisor does not write a
# notified call's line before it answers (it puts it in the drain's queue,
# evlog/drain.h): the lines of one thread come in the order of its calls,
# whichever layer wrote them and whoever wrote the file (man sockaudit-run,
# THE LOG: ONE WRITER).

bats_require_minimum_version 1.5.0
load helper

K2="$FIX/k2_calls-static"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	need_notify
}

# A python that writes the log itself: its parent closed the ring's
# descriptor (SOCKAUDIT_TALLY) before the exec, as sshd's closefrom() does,
# so its shim opens the log file and writes its own lines, while glibc's
# internal sockets of getaddrinfo (past the PLT) are the supervisor's.
SELF_PY='import os, sys
os.closerange(3, 65536)
os.execv(sys.executable, [sys.executable, "-c", """
import socket
for i in range(3):
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
    socket.getaddrinfo("localhost", 80, socket.AF_INET)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
"""])'

@test "order: a process that writes the log itself gets the supervisor's line of each call before its own of the next (--layer auto)" {
	run -0 "$SOCKAUDIT" run -o "$T/log" -- "$PY" -c "$SELF_PY"
	# the exec'd python's lines: both layers, the notify ones among them
	local pid
	pid=$(jq -r 'select(.layer == "notify") | .pid' "$T/log" | sort -u)
	[ -n "$pid" ] && [ "$(wc -l <<<"$pid")" = 1 ]
	run -0 jq -r "select(.pid == $pid) | .layer" "$T/log"
	assert_line preload
	assert_line notify
	# in the file in the order of their calls: the order of their times
	run -0 jq -s "[.[] | select(.pid == $pid) | .ts] | . == sort" "$T/log"
	assert_output true
	# the first preload socket, then the first lookup's internal sockets
	# (notify), then its getaddrinfo event (preload, once it returned)
	run -0 jq -r "select(.pid == $pid) | \"\(.layer) \(.call)\"" "$T/log"
	[ "${lines[0]}" = "preload socket" ]
	[ "${lines[1]%% *}" = notify ]
}

@test "order: a static program's notified calls and its parent's ring lines come in time order, each line once (--layer auto)" {
	# sh (the shim, through the ring) around a static child (notify), many
	# times, so that the child's lines wait in the queue while the parent
	# puts more in the ring
	run -0 "$SOCKAUDIT" run -o "$T/log" -- "$PY" -c '
import socket, subprocess, sys
for i in range(20):
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
    subprocess.run([sys.argv[1], "socket", "1", "2", "0"], check=True, stdout=subprocess.DEVNULL)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()' "$K2"
	run -0 jq -r 'select(.event == "socket.__new__") | select(.layer == "preload" and .family == "AF_UNIX" or .layer == "notify") | .layer' "$T/log"
	[ "${#lines[@]}" = 41 ]
	for ((i = 0; i < 41; i++)); do
		if ((i % 2)); then [ "${lines[i]}" = notify ]; else [ "${lines[i]}" = preload ]; fi
	done
	run -0 jq -s '[.[] | select(.ts) | .ts] | . == sort' "$T/log"
	assert_output true
	# every notify line sealed and verified, none twice
	run -0 "$SOCKAUDIT" report "$T/log"
	assert_line "Notify layer: 20 of 20 events verified (1 sealed runs)"
}
