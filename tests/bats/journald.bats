#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# -o journal and SOCKAUDIT_LOG=journal: each event one entry of journald's
# native protocol, sent to a real systemd-journald.  No systemd runs here
# (no pid 1 of its own, no /run/systemd/journal): the test starts
# /lib/systemd/systemd-journald itself, in a mount namespace of its own
# where /run is a tmpfs and /run/systemd/journal (its sockets) and
# /run/log/journal (its files) are directories of the test, and reads the
# entries back with journalctl -D.

bats_require_minimum_version 1.5.0
load helper
load shim-helper

JOURNALD=/lib/systemd/systemd-journald

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	[ -x "$JOURNALD" ] || require_feature systemd-journald "$JOURNALD is not installed"
	command -v unshare >/dev/null || require_feature unshare "util-linux's unshare is missing"
	[ "$(id -u)" = 0 ] || require_feature root "journald is started in a mount namespace"
	SOCK="$T/jrun/socket"
}

teardown() {
	stop_journald
}

start_journald() {
	mkdir -p "$T/jrun" "$T/jlog"
	# No rate limit (a burst of sockets is what is tested), nothing
	# forwarded, no kernel or audit messages: only what the test sends.
	cat >"$T/journald.conf" <<-'CONF'
	[Journal]
	Storage=volatile
	RateLimitIntervalSec=0
	RateLimitBurst=0
	ForwardToSyslog=no
	ForwardToKMsg=no
	ForwardToConsole=no
	ForwardToWall=no
	ReadKMsg=no
	Audit=no
	CONF
	unshare --mount --propagation private sh -c '
		mount -t tmpfs tmpfs /run &&
		mkdir -p /run/systemd/journal /run/log/journal &&
		mount --bind "$1" /run/systemd/journal &&
		mount --bind "$2" /run/log/journal &&
		mount --bind "$3" /etc/systemd/journald.conf &&
		exec "$4"' sh "$T/jrun" "$T/jlog" "$T/journald.conf" "$JOURNALD" \
		>>"$T/journald.out" 2>&1 &
	JPID=$!
	wait_for test -S "$SOCK"
}

stop_journald() {
	if [ -n "${JPID:-}" ]; then
		kill -KILL "$JPID" 2>/dev/null || true
		wait "$JPID" 2>/dev/null || true
		JPID=
	fi
}

# entries: sockaudit's entries, one JSON object a line.
entries() {
	journalctl -D "$T/jlog" -o json --no-pager SYSLOG_IDENTIFIER=sockaudit 2>/dev/null
}

has_entries() {
	[ "$(entries | wc -l)" -ge "$1" ]
}

@test "journal: each event an entry: MESSAGE the JSON line, its keys as SOCKAUDIT_ fields, MESSAGE_ID, PRIORITY" {
	start_journald
	cat >"$T/p.json" <<-'JSON'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "no-inet6", "family": "AF_INET6", "action": "deny", "errno": "EACCES"}]}
	JSON
	run -0 "$SOCKAUDIT" run -p "$T/p.json" -o "journal:$SOCK" -- "$PY" -c '
import socket
socket.socket(socket.AF_INET).close()
try:
    socket.socket(socket.AF_INET6)
except PermissionError:
    pass
'
	wait_for has_entries 2
	entries >"$T/entries.json"
	[ "$(wc -l <"$T/entries.json")" -eq 2 ]
	# every key of the event is its field (null keys have none), the
	# fixed fields are there, the JSON is MESSAGE exactly
	run -0 jq -c '(.MESSAGE | fromjson) as $e |
		[ $e.family, $e.decision, .PRIORITY, .SYSLOG_FACILITY, .MESSAGE_ID,
		  (.SYSLOG_PID == ($e.pid | tostring)),
		  (.SOCKAUDIT_ARGS == ($e.args | tojson)),
		  (.SOCKAUDIT_FLAGS == ($e.flags | tojson)),
		  ([$e | to_entries[] | select(.value != null) |
		    {key: ("SOCKAUDIT_" + (.key | ascii_upcase)),
		     value: (if (.value | type) == "string" then .value else (.value | tojson) end)}] |
		   from_entries) == (with_entries(select(.key | startswith("SOCKAUDIT_")))),
		  has("SOCKAUDIT_RULE") ]' "$T/entries.json"
	assert_line '["AF_INET","allow","6","10","dba0a62df5cd459792a77c39b022b7c6",true,true,true,true,false]'
	assert_line '["AF_INET6","deny","4","10","dba0a62df5cd459792a77c39b022b7c6",true,true,true,true,true]'
}

@test "journal: 4,000 events of four processes, none lost, none torn" {
	start_journald
	touch "$T/go"
	run -0 --separate-stderr "$SOCKAUDIT" run -o "journal:$SOCK" -- \
		sh -c "for i in 1 2 3 4; do $FIX/s_full 1000 $T/go 0 & done; wait"
	[ -z "$stderr" ] || { echo "$stderr"; false; }
	wait_for has_entries 4000
	entries | jq -c '.MESSAGE | fromjson' >"$T/events.json"
	[ "$(wc -l <"$T/events.json")" -eq 4000 ]
	run -0 jq -s -c 'group_by(.pid) | map([length, (map(.seq) | sort == [range(1; 1001)])])' "$T/events.json"
	assert_output '[[1000,true],[1000,true],[1000,true],[1000,true]]'
}

@test "journal: the bare shim sends its own entries (SOCKAUDIT_LOG=journal:SOCKET)" {
	start_journald
	SOCKAUDIT_LOG="journal:$SOCK" LD_PRELOAD="$SHIM_PRELOAD" "$PY" -c '
import socket
for i in range(3):
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
'
	wait_for has_entries 3
	run -0 sh -c "journalctl -D '$T/jlog' -o json --no-pager SOCKAUDIT_FAMILY=AF_UNIX SOCKAUDIT_LAYER=preload | jq -r '.SOCKAUDIT_SEQ + \" \" + .SOCKAUDIT_TYPE + \" \" + (.MESSAGE | fromjson | .comm)'"
	assert_output $'1 SOCK_DGRAM python3\n2 SOCK_DGRAM python3\n3 SOCK_DGRAM python3'
}

@test "journal: journald killed mid-run: the program is unaffected, the loss is counted" {
	start_journald
	"$SOCKAUDIT" run -o "journal:$SOCK" -- "$FIX/s_full" 300 "$T/go" 400 >"$T/out" 2>"$T/err" &
	local pid=$!
	wait_for grep -q phase1 "$T/out"
	wait_for has_entries 300
	stop_journald
	touch "$T/go"
	local st=0
	wait "$pid" || st=$?
	cat "$T/err"
	[ "$st" -eq 0 ]
	grep -qx 'phase2 400' "$T/out"
	grep -qF "warning: 400 event(s) could not be written to the log journal:$SOCK (400 by the preload shim, 0 by the notify supervisor)" "$T/err"
}

@test "journal: the MESSAGE_IDs of evlog/journal.c are those sockaudit-syslog(7) lists" {
	run -0 sh -c "grep -o '\"[0-9a-f]\{32\}\"' '$ROOT/evlog/journal.c' | tr -d '\"' | sort"
	local ids="$output"
	[ "$(echo "$ids" | wc -l)" -eq 9 ]
	run -0 sh -c "grep -x '[0-9a-f]\{32\}' '$ROOT/man/sockaudit-syslog.7' | sort"
	assert_output "$ids"
}

@test "journal: the bare shim's entry needs under 1 KiB of stack (a handler on a small sigaltstack)" {
	# a sanitizer's frames and its own SIGSEGV handler make a stack
	# measure meaningless (the fixture spins on a too small stack)
	skip_under_asan "a sanitizer build measures no stack"
	start_journald
	native=$(altstack_native)
	run -0 env SOCKAUDIT_LOG="journal:$SOCK" LD_PRELOAD="$SHIM_PRELOAD" "$FIX/s_altstack" "$((native + 1024))" 20
	assert_line "sockets 20"
	# The bare shim never waits: a burst beyond journald's receive queue
	# (net.unix.max_dgram_qlen, 10 in a fresh network namespace) is lost,
	# counted.  What arrived is whole: every entry has its fields.
	wait_for has_entries 1
	run -0 sh -c "journalctl -D '$T/jlog' -o json --no-pager SYSLOG_IDENTIFIER=sockaudit | jq -r '[.SOCKAUDIT_COMM, .SOCKAUDIT_LAYER, (.MESSAGE | fromjson | .comm)] | join(\" \")' | sort -u"
	assert_output "s_altstack preload s_altstack"
}
