#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# -o syslog and SOCKAUDIT_LOG=syslog: each event one RFC 5424 message to a
# real rsyslogd, run in the foreground on a private socket with the very
# configuration of man/sockaudit-syslog.7 (read from the page, with the
# test's paths and a loopback collector).  Events arrive whole and in
# full; a daemon killed mid-run costs the program nothing and its loss is
# counted; a daemon back again gets the events again.

bats_require_minimum_version 1.5.0
load helper
load shim-helper

PAGE="$ROOT/man/sockaudit-syslog.7"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	command -v rsyslogd >/dev/null ||
		require_feature rsyslogd "Debian's rsyslog is not installed (.ci/packages)"
	SOCK="$T/syslog.sock"
	EVENTS="$T/events.json"
}

teardown() {
	stop_rsyslogd
	[ -z "${COLLECTOR:-}" ] || kill "$COLLECTOR" 2>/dev/null || true
}

# page_block NAME: the configuration block NAME of the page, as text.
page_block() {
	sed -n "/^\\.\\\\\" BEGIN $1\$/,/^\\.\\\\\" END $1\$/p" "$PAGE" |
		grep -v '^\.' | sed -e 's/\\e/\\/g' -e 's/\\-/-/g'
}

# The page's configuration with this test's paths; the collector is a
# socat on loopback port $1 writing what it receives to $T/collector.
write_config() {
	mkdir -p "$T/spool"
	{
		page_block rsyslog-standalone.conf
		page_block rsyslog.conf
	} | sed -e "s|/var/spool/rsyslog|$T/spool|" \
		-e "s|/run/sockaudit/syslog.sock|$SOCK|" \
		-e "s|/var/log/sockaudit/events.json|$EVENTS|" \
		-e "s|collector.example.net|127.0.0.1|" \
		-e "s|port=\"514\"|port=\"$1\"|" >"$T/rsyslog.conf"
	grep -q "Socket=\"$SOCK\"" "$T/rsyslog.conf"
	grep -q 'type="omfwd"' "$T/rsyslog.conf"
}

start_collector() {
	PORT=$(free_port)
	socat -u "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" "OPEN:$T/collector,creat,append" &
	COLLECTOR=$!
	wait_for_listen "$PORT"
}

# Start rsyslogd in the foreground; ready once its socket exists.
start_rsyslogd() {
	rm -f "$SOCK"
	rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslogd.pid" >>"$T/rsyslogd.out" 2>&1 &
	RSYSLOGD=$!
	wait_for test -S "$SOCK"
}

stop_rsyslogd() {
	if [ -n "${RSYSLOGD:-}" ]; then
		kill -KILL "$RSYSLOGD" 2>/dev/null || true
		wait "$RSYSLOGD" 2>/dev/null || true
		RSYSLOGD=
	fi
}

lines() {
	if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

has_lines() {
	[ "$(lines "$1")" -ge "$2" ]
}

# The events of a log without what differs from run to run (a log file
# ends in the seal of the notify layer's lines, which syslog has not).
normalized() {
	jq -c -S 'select(.event != "sockaudit.seal") | del(.ts, .seq, .pid, .tid, .ppid)' "$1" |
		sort | uniq -c
}

@test "syslog: the page's configuration is valid for rsyslogd" {
	write_config 514
	run -0 rsyslogd -N1 -f "$T/rsyslog.conf"
	refute_output --partial error
}

@test "syslog: 10,000 events of four processes reach rsyslogd whole, none lost, as -o FILE writes them" {
	start_collector
	write_config "$PORT"
	start_rsyslogd
	touch "$T/go"
	local cmd="for i in 1 2 3 4; do $FIX/s_full 2500 $T/go 0 & done; wait"
	run -0 --separate-stderr "$SOCKAUDIT" run -o "syslog:$SOCK" -- sh -c "$cmd"
	[ -z "$stderr" ] || { echo "$stderr"; false; }
	wait_for has_lines "$EVENTS" 10000
	wait_for has_lines "$T/collector" 10000
	stop_rsyslogd
	[ "$(lines "$EVENTS")" -eq 10000 ]
	# every line an event, none torn; per process seq 1..2500, none lost
	run -0 json_lines "$EVENTS"
	assert_output 10000
	run -0 jq -s -c 'group_by(.pid) | map([length, (map(.seq) | sort == [range(1; 2501)])])' "$EVENTS"
	assert_output '[[2500,true],[2500,true],[2500,true],[2500,true]]'
	# the same events as the file sink writes (times and ids apart)
	run -0 "$SOCKAUDIT" run -o "$T/file.json" -- sh -c "$cmd"
	diff <(normalized "$T/file.json") <(normalized "$EVENTS")
	# what reached the collector: RFC 5424, the event's pid and name, the
	# JSON behind @cee: byte for byte
	run -0 awk '!/^<86>1 [0-9T:.-]+Z [^ ]+ sockaudit [0-9]+ socket\.__new__ - @cee:\{/ { bad++ } END { print NR, bad + 0 }' "$T/collector"
	assert_output "10000 0"
	diff <(sed 's/^[^{]*@cee://' "$T/collector" | sort) <(sort "$EVENTS")
	run -0 sh -c "sed 's/^<86>1 [^ ]* [^ ]* sockaudit \([0-9]*\) .*\"pid\":\([0-9]*\),.*/\1 \2/' '$T/collector' | awk '\$1 != \$2' | wc -l"
	assert_output 0
}

@test "syslog: facility authpriv, severity by decision (allow info, deny warning)" {
	start_collector
	write_config "$PORT"
	start_rsyslogd
	cat >"$T/p.json" <<-'JSON'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "no-inet6", "family": "AF_INET6", "action": "deny", "errno": "EACCES"}]}
	JSON
	run -0 "$SOCKAUDIT" run -p "$T/p.json" -o "syslog:$SOCK" -- "$PY" -c '
import socket
socket.socket(socket.AF_INET).close()
try:
    socket.socket(socket.AF_INET6)
except PermissionError:
    pass
'
	wait_for has_lines "$T/collector" 2
	run -0 sed 's/ - @cee:.*"family":"\([A-Z0-9_]*\)".*"decision":"\([a-z_]*\)".*/ \1 \2/; s/^\(<[0-9]*>\)1 [^ ]* [^ ]* \([^ ]*\) [0-9]* \([^ ]*\)/\1 \2 \3/' "$T/collector"
	assert_line '<86> sockaudit socket.__new__ AF_INET allow'
	assert_line '<84> sockaudit socket.__new__ AF_INET6 deny'
	[ "$(lines "$T/collector")" -eq 2 ]
}

@test "syslog: rsyslogd killed mid-run: the program is unaffected, the loss is counted" {
	write_config 9
	start_rsyslogd
	"$SOCKAUDIT" run -o "syslog:$SOCK" -- "$FIX/s_full" 500 "$T/go" 700 >"$T/out" 2>"$T/err" &
	local pid=$!
	wait_for grep -q phase1 "$T/out"
	wait_for has_lines "$EVENTS" 500
	stop_rsyslogd
	touch "$T/go"
	local st=0
	wait "$pid" || st=$?
	cat "$T/err"
	[ "$st" -eq 0 ]		# every socket of s_full was made: its own status
	grep -qx 'phase2 700' "$T/out"
	[ "$(lines "$EVENTS")" -eq 500 ]
	grep -qF "warning: 700 event(s) could not be written to the log syslog:$SOCK (700 by the preload shim, 0 by the notify supervisor)" "$T/err"
}

@test "syslog: the bare shim never waits for a daemon that is gone and sends again once it is back" {
	write_config 9
	start_rsyslogd
	SOCKAUDIT_LOG="syslog:$SOCK" LD_PRELOAD="$SHIM_PRELOAD" "$PY" -c '
import os, socket, sys, time
socket.socket().close()
print("one", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
n = 0
while not os.path.exists(sys.argv[2]) and n < 100000:
    socket.socket().close()
    n += 1
    time.sleep(0.001)
print("made", n, flush=True)
' "$T/restarted" "$T/stop" >"$T/out" 2>"$T/err" &
	local pid=$!
	wait_for has_lines "$EVENTS" 1
	stop_rsyslogd
	mv "$EVENTS" "$T/before.json"
	start_rsyslogd
	touch "$T/restarted"
	wait_for has_lines "$EVENTS" 5
	touch "$T/stop"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
	[ "$(jq -s length "$T/before.json")" -eq 1 ]
	# what the daemon missed shows as a gap in seq (and nothing else)
	run -0 jq -s '.[0].seq > 2 and ([.[].seq] | . == (sort | unique))' "$EVENTS"
	assert_output true
	grep -q "events are being lost" "$T/err"
}

@test "syslog: --layer auto: the preload shim's and the notify supervisor's events, each call once" {
	need_notify
	write_config 9
	start_rsyslogd
	run -0 "$SOCKAUDIT" run --layer auto -o "syslog:$SOCK" -- sh -c \
		"$PY -c 'import socket; socket.socket(socket.AF_INET6).close()' && $FIX/k2_calls-static socket 2 1 0"
	wait_for has_lines "$EVENTS" 2
	stop_rsyslogd
	run -0 jq -r 'select(.event == "socket.__new__") | [.layer, .family, .comm] | join(" ")' "$EVENTS"
	assert_output $'preload AF_INET6 python3\nnotify AF_INET k2_calls-static'
}

@test "syslog: -o syslog: with a relative socket is refused before CMD runs" {
	run -125 "$SOCKAUDIT" run -o syslog:log.sock -- true
	assert_output --partial "'syslog:log.sock': the socket of syslog must be an absolute path"
	run -125 "$SOCKAUDIT" run -o "syslog:$T/none.sock" -- true
	assert_output --partial "cannot write the log syslog:$T/none.sock"
}
