#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The address events (socket.connect, socket.bind, socket.sendto,
# socket.sendmsg) in the kernel layers: the seccomp filter sends the calls an
# address or socket could decide to the notify supervisor, which reads the
# address from the caller's memory, decides, closes the time-of-check gap
# where it can (bind, non-blocking and datagram connect: made by the
# supervisor with the address it checked) and logs one event per address.
# Loopback only.

bats_require_minimum_version 1.5.0
load helper

KA="$FIX/k2_addr-static"
KD="$FIX/k2_addr"
FLIP="$FIX/k2_flip-static"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	need_notify
}

# addr_events LOG [LAYER]: the address events of LAYER (default notify), each
# as "call address port decision result errno rule".
addr_events() {
	jq -r --arg layer "${2:-notify}" 'select(.layer == $layer) |
		select(.event | test("^socket\\.(connect|bind|sendto|sendmsg)$")) |
		"\(.call) \(.address) \(.port) \(.decision) \(.result) \(.errno) \(.rule)"' "$1"
}

# The output of `k2_addr-static calls` when every call works.
CALLS_OK='bind 0
connect 0
bind 0
sendto 1
sendmsg 1
sendmmsg 2
connect 0
sendmsg-noaddr 1
sendto-noaddr 1'

deny_policy() {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [
	  {"id": "no-tcp-connect", "event": "socket.connect", "type": "SOCK_STREAM", "address": "127.0.0.0/8", "action": "deny", "errno": "ECONNREFUSED"},
	  {"id": "no-udp-send", "event": ["socket.sendto", "socket.sendmsg"], "family": "AF_INET", "type": "SOCK_DGRAM", "action": "deny", "errno": "ENETUNREACH"},
	  {"id": "no-udp-bind", "event": "socket.bind", "type": "SOCK_DGRAM", "port": 0, "action": "deny", "errno": "EADDRNOTAVAIL"}]}
	EOF
}

@test "static binary: connect, bind, sendto, sendmsg, sendmmsg logged once each by notify, with the address (seccomp, auto)" {
	for layer in seccomp auto; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$KA" calls
		assert_output "$CALLS_OK"
		run -0 jq -r 'select(.layer == "notify") | select(.event != "socket.__new__") |
			"\(.event) \(.call) \(.args[1][0]) \(.address) \(.family) \(.type)"' log
		# The sends without an address (sendmsg without msg_name, sendto
		# with a NULL dest_addr) are no events.
		assert_output "socket.bind bind 127.0.0.1 127.0.0.1 AF_INET SOCK_STREAM
socket.connect connect 127.0.0.1 127.0.0.1 AF_INET SOCK_STREAM
socket.bind bind 127.0.0.1 127.0.0.1 AF_INET SOCK_DGRAM
socket.sendto sendto 127.0.0.1 127.0.0.1 AF_INET SOCK_DGRAM
socket.sendmsg sendmsg 127.0.0.1 127.0.0.1 AF_INET SOCK_DGRAM
socket.sendmsg sendmmsg 127.0.0.1 127.0.0.1 AF_INET SOCK_DGRAM
socket.sendmsg sendmmsg 127.0.0.1 127.0.0.1 AF_INET SOCK_DGRAM
socket.connect connect 127.0.0.1 127.0.0.1 AF_INET SOCK_DGRAM"
		# The ports: the binds asked for 0, the sends and the UDP connect
		# went to the receiver's port, the TCP connect to the listener's.
		run -0 jq -r 'select(.layer == "notify" and .event != "socket.__new__") |
			"\(.call) \(.port == .args[1][1]) \(.port > 0)"' log
		assert_output "bind true false
connect true true
bind true false
sendto true true
sendmsg true true
sendmmsg true true
sendmmsg true true
connect true true"
	done
}

@test "the supervisor makes an allowed bind and a datagram connect itself (result known); a blocking TCP connect continues (result null)" {
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$KA" calls
	run -0 jq -r 'select(.layer == "notify" and (.call == "bind" or .call == "connect")) |
		"\(.call) \(.type) \(.result) \(.errno)"' log
	assert_output "bind SOCK_STREAM 0 null
connect SOCK_STREAM null null
bind SOCK_DGRAM 0 null
connect SOCK_DGRAM 0 null"
	# The sends continue: their data is in the caller's memory.
	run -0 jq -r 'select(.layer == "notify" and (.call | test("^send"))) | .result' log
	assert_output $'null\nnull\nnull\nnull'
}

@test "address rules denied with their exact errnos by the supervisor, logged as denials (seccomp, auto)" {
	deny_policy
	for layer in seccomp auto; do
		rm -f log
		run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer $layer -- "$KA" calls
		# sendto-noaddr: the receiver was never bound, so the kernel's own
		# ECONNREFUSED of the connected socket (no event, no decision).
		assert_output "bind 0
connect errno 111
bind errno 99
sendto errno 101
sendmsg errno 101
sendmmsg errno 101
connect 0
sendmsg-noaddr 1
sendto-noaddr errno 111"
		run -0 addr_events log
		assert_output --regexp "^bind 127.0.0.1 0 allow 0 null null
connect 127.0.0.1 [0-9]+ deny -1 ECONNREFUSED no-tcp-connect
bind 127.0.0.1 0 deny -1 EADDRNOTAVAIL no-udp-bind
sendto 0.0.0.0 0 deny -1 ENETUNREACH no-udp-send
sendmsg 0.0.0.0 0 deny -1 ENETUNREACH no-udp-send
sendmmsg 0.0.0.0 0 deny -1 ENETUNREACH no-udp-send
sendmmsg 0.0.0.0 0 deny -1 ENETUNREACH no-udp-send
connect 0.0.0.0 0 allow 0 null null$"
	done
}

@test "audit mode: the supervisor logs would_deny and the address calls go through" {
	deny_policy
	run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" --mode audit -o "$T/log" --layer seccomp -- "$KA" calls
	assert_output "$CALLS_OK"
	run -0 jq -r 'select(.layer == "notify" and .event != "socket.__new__") | "\(.call) \(.decision)"' log
	assert_output "bind allow
connect would_deny
bind would_deny
sendto would_deny
sendmsg would_deny
sendmmsg would_deny
sendmmsg would_deny
connect allow"
}

@test "dynamic program under --layer auto: each address event logged once, by the preload layer" {
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer auto -- "$KD" calls
	assert_output "$CALLS_OK"
	run -0 addr_events log notify
	assert_output ""
	run -0 jq -r 'select(.layer == "preload" and .event != "socket.__new__") | .call' log
	assert_output $'bind\nconnect\nbind\nsendto\nsendmsg\nsendmmsg\nsendmmsg\nconnect'
	# A denial is the shim's too, and the kernel never sees the call twice.
	deny_policy
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log2" --layer auto -- "$KD" calls
	run -0 addr_events log2 notify
	assert_output ""
	run -0 jq -r 'select(.layer == "preload" and .call == "connect") | "\(.decision) \(.errno)"' log2
	assert_output $'deny ECONNREFUSED\nallow null'
}

@test "malformed addresses: the program sees the kernel's own errors, the events say why" {
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$KA" bad
	assert_output "connect-short errno 22
bind-long errno 22
sendto-fault errno 14
connect-fault errno 14"
	run -0 jq -r 'select(.layer == "notify" and .event != "socket.__new__") |
		"\(.call) \(.malformed) \(.args[1]) \(.address) \(.decision)"' log
	assert_output "connect short null null allow
bind long null null allow
sendto fault null null allow
connect fault null null allow"
}

@test "a malformed address that another thread could make well formed is decided strictly" {
	# Only 127.0.0.1 may be reached.  A short or unreadable address could
	# become any address before the kernel reads it: denied.  An overlong
	# length is a register the kernel uses unchanged: its EINVAL is certain.
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "lo", "event": ["socket.connect", "socket.bind", "socket.sendto"], "address": "127.0.0.1", "action": "allow"},
	           {"id": "rest", "event": ["socket.connect", "socket.sendto"], "action": "deny", "errno": "EACCES"}]}
	EOF
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- "$KA" bad
	assert_output "connect-short errno 13
bind-long errno 22
sendto-fault errno 13
connect-fault errno 13"
	# (The words of "unknown" are the formatter's: only that there is one.)
	run -0 jq -r 'select(.layer == "notify" and .event != "socket.__new__") | "\(.call) \(.malformed) \(.decision) \(.unknown != null)"' log
	assert_output "connect short deny true
bind long allow false
sendto fault deny true
connect fault deny true"
}

@test "a bind the caller's privilege would refuse is not made with the supervisor's" {
	# Port 80 needs CAP_NET_BIND_SERVICE; the supervisor (root) has it, the
	# program running as nobody has not: the kernel decides, EACCES.
	run -1 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$KA" bind 80
	assert_output "bind errno 13"
	run -0 jq -r 'select(.layer == "notify" and .call == "bind") | "\(.port) \(.result) \(.errno)"' log
	assert_output "80 null null"
	# An unprivileged port: made by the supervisor, the result known.
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log2" --layer seccomp -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$KA" bind 0
	assert_output "bind 0"
	run -0 jq -r 'select(.layer == "notify" and .call == "bind") | "\(.port) \(.result)"' log2
	assert_output "0 0"
}

@test "nothing could refuse or log an address call: the filter never asks the supervisor" {
	cat >"$T/quiet.json" <<-'EOF'
	{"version": 1, "default": {"action": "allow", "log": false}, "rules": []}
	EOF
	run -0 "$SOCKAUDIT" compile --notify "$T/quiet.json"
	refute_output --partial '"sendmsg"'
	refute_output --partial '"connect"'
	refute_output --partial '"sendto"'
	# One address rule: the calls it names go to the supervisor, sendto
	# only with an address (argument 5 non-NULL).
	cat >"$T/one.json" <<-'EOF'
	{"version": 1, "default": {"action": "allow", "log": false},
	 "rules": [{"event": ["socket.connect", "socket.sendto"], "port": 25, "action": "deny"}]}
	EOF
	run -0 "$SOCKAUDIT" compile --notify "$T/one.json"
	assert_output --partial '"connect"'
	assert_output --partial '"sendto"'
	assert_output --partial 'if ($a4.lo32 == 0)'
	refute_output --partial '"sendmsg"'
	# Without a supervisor the strictest decision: every connect denied
	# (EACCES, the rule's default errno), every sendto with an address.
	run -0 "$SOCKAUDIT" compile "$T/one.json"
	assert_output --regexp '"connect" \(42\)[^#]*action ERRNO\(13\)'
	assert_output --regexp '"sendto" \(44\)[^#]*action ERRNO\(13\)'
	# With it, only port 25 is refused.
	run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/one.json" -o "$T/log" --layer seccomp -- "$KA" calls
	assert_output "$CALLS_OK"
}

@test "time of check, time of use: a hostile thread rewriting the address never reaches the denied listener through a non-blocking or UDP connect" {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "not-two", "event": "socket.connect", "address": "127.0.0.2", "action": "deny", "errno": "EACCES", "log": false}]}
	EOF
	# Natively the flips land on both listeners (the race is real; on a
	# loaded machine the flipping thread may not get a turn in one run:
	# a few runs until it did).
	for try in 1 2 3 4 5; do
		run -0 "$FLIP" nb 1000
		[[ "$output" =~ ^"allowed "[0-9]+" denied "[1-9] ]] && break
	done
	assert_output --regexp '^allowed [0-9]+ denied [1-9][0-9]* refused 0$'
	# Under the supervisor: it connects on its copy of the socket with the
	# address it checked, so what was allowed is what is used.
	for mode in nb dgram; do
		run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- "$FLIP" $mode 2000
		assert_output --regexp '^allowed [1-9][0-9]* denied 0 refused [1-9][0-9]*$'
	done
	# What stays open: a blocking TCP connect continues (the supervisor
	# would stall waiting for it), and the kernel reads the address again.
	# Its events say so: result null.
	cat >"$T/p2.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "not-two", "event": "socket.connect", "address": "127.0.0.2", "action": "deny", "errno": "EACCES"}]}
	EOF
	# (a loaded machine may land every check on the denied address: a few
	# tries until some connect was allowed)
	for try in 1 2 3 4 5; do
		rm -f "$T/log2"
		run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/p2.json" -o "$T/log2" --layer seccomp -- "$FLIP" block 50
		run -0 jq -r 'select(.call == "connect" and .decision == "allow") | "\(.result)"' "$T/log2"
		[ -n "$output" ] && break
	done
	assert_line "null"
	refute_line "0"
}
