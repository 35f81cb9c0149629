#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# `sockaudit run` and the i386 ABI (int $0x80) of an x86-64 kernel: the
# direct i386 socket calls, and the address calls (their compat msghdr),
# are decided and logged like the native ones; the arguments of
# socketcall(2) are read from the caller's memory (advisory).
# The fixture is a static x86-64 program, so only the kernel layers see it.

bats_require_minimum_version 1.5.0
load helper

K="$FIX/k2_i386-static"
NATIVE="$FIX/k2_calls-static"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	need_notify
	"$K" socket 1 1 0 >/dev/null 2>&1 ||
		require_feature "i386 ABI" "the kernel does not run int \$0x80 (no IA32 emulation)"
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "no-inet6", "family": "AF_INET6", "action": "deny", "errno": "EPERM"}]}
	EOF
}

# The notify layer's events of LOG as "call family type decision rule errno".
notify_events() {
	jq -r 'select(.layer == "notify") |
		"\(.call) \(.family) \(.type) \(.decision) \(.rule) \(.errno)"' "$1"
}

@test "i386 socket, enforce: an allowed family is made and logged, a denied one gets the policy's errno" {
	run -0 --separate-stderr "$SOCKAUDIT" run -p p.json -o log -- "$K" socket 2 1 0
	assert_output --regexp '^fd [0-9]+$'
	run -0 notify_events log
	assert_output "socket AF_INET SOCK_STREAM allow null null"

	rm log
	run -1 --separate-stderr "$SOCKAUDIT" run -p p.json -o log -- "$K" socket 10 1 0
	assert_output "errno 1"
	run -0 notify_events log
	assert_output "socket AF_INET6 SOCK_STREAM deny no-inet6 EPERM"
}

@test "i386 socket: the event has the native event's keys and values, but for pid and time" {
	strip='select(.layer == "notify") | del(.ts, .pid, .tid, .ppid, .exe, .comm, .seal)'
	run -0 --separate-stderr "$SOCKAUDIT" run -p p.json -o i386.log -- "$K" socket 2 2 0
	run -0 --separate-stderr "$SOCKAUDIT" run -p p.json -o native.log -- "$NATIVE" socket 2 2 0
	run -0 jq -c "$strip" i386.log
	i386="$output"
	run -0 jq -c "$strip" native.log
	assert_output "$i386"
	assert_output --partial '"call":"socket","family":"AF_INET","type":"SOCK_DGRAM"'
}

@test "i386 socketpair, shutdown, accept4, enforce: decided and logged with their facts" {
	run -0 --separate-stderr "$SOCKAUDIT" run -p p.json -o log -- "$K" pair 1 1 0
	run -0 notify_events log
	assert_output "socketpair AF_UNIX SOCK_STREAM allow null null
socketpair AF_UNIX SOCK_STREAM allow null null"

	rm log
	run -1 --separate-stderr "$SOCKAUDIT" run -p p.json -o log -- "$K" pair 10 2 0
	assert_output "errno 1"

	rm log
	run -0 --separate-stderr "$SOCKAUDIT" run -p p.json -o log -- "$K" shutdown 1
	assert_output ok
	run -0 jq -r 'select(.call == "shutdown") | "\(.layer) \(.family) \(.how) \(.result)"' log
	assert_output "notify AF_UNIX SHUT_WR 0"

	rm log
	run -0 --separate-stderr "$SOCKAUDIT" run -p p.json -o log -- "$K" accept4
	run -0 jq -r 'select(.call == "accept4") | "\(.layer) \(.family) \(.type) \(.flags)"' log
	assert_output 'notify AF_INET SOCK_STREAM ["SOCK_CLOEXEC"]'
}

@test "i386 socket, audit mode: made, and logged as would_deny" {
	run -0 --separate-stderr "$SOCKAUDIT" run --mode audit -p p.json -o log -- "$K" socket 10 1 0
	assert_output --regexp '^fd [0-9]+$'
	run -0 notify_events log
	assert_output "socket AF_INET6 SOCK_STREAM would_deny no-inet6 null"
}

@test "i386 socketcall, audit mode: logged with the arguments read from the caller's memory" {
	run -0 --separate-stderr "$SOCKAUDIT" run --mode audit -p p.json -o log -- "$K" sc-socket 10 2 0
	assert_output --regexp '^fd [0-9]+$'
	run -0 jq -c 'select(.layer == "notify") | [.call, .args, .family, .type, .protocol, .decision]' log
	assert_output '["socket",[null,10,2,0],"AF_INET6","SOCK_DGRAM","IPPROTO_UDP","would_deny"]'

	rm log
	run -0 --separate-stderr "$SOCKAUDIT" run --mode audit -p p.json -o log -- "$K" sc-shutdown 0
	assert_output ok
	run -0 jq -r 'select(.call == "shutdown") | "\(.layer) \(.family) \(.how) \(.result)"' log
	assert_output "notify AF_UNIX SHUT_RD 0"
}

@test "i386 socketcall, enforce: ENOSYS where the arguments decide, the policy's decision (logged) where they cannot" {
	# no-inet6 decides socket by its family, which socketcall hides: ENOSYS,
	# and nothing to log (the supervisor never saw it).
	run -1 --separate-stderr "$SOCKAUDIT" run -p p.json -o log -- "$K" sc-socket 2 1 0
	assert_output "errno 38"
	run -0 notify_events log
	assert_output ""
	# No rule looks at shutdown: allowed whatever its arguments, and logged.
	run -0 --separate-stderr "$SOCKAUDIT" run -p p.json -o log -- "$K" sc-shutdown 1
	assert_output ok
	run -0 jq -r 'select(.call == "shutdown") | "\(.layer) \(.family) \(.how) \(.decision)"' log
	assert_output "notify AF_UNIX SHUT_WR allow"
	# A policy that denies every socket denies this one too, and logs it.
	cat >"$T/deny.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "deny", "errno": "EACCES"}, "rules": []}
	EOF
	rm log
	run -1 --separate-stderr "$SOCKAUDIT" run -p deny.json -o log -- "$K" sc-socket 2 1 0
	assert_output "errno 13"
	run -0 notify_events log
	assert_output "socket AF_INET SOCK_STREAM deny null EACCES"
}

@test "i386 address calls: direct connect and sendmsg (compat msghdr) and socketcall connect are logged with their addresses" {
	for what in connect sc-connect sendmsg; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run --mode audit -o log -- "$K" "$what" 9
		assert_output --regexp '^fd [01]$'
		run -0 jq -c 'select(.layer == "notify" and .event != "socket.__new__") | [.event, .args[1], .address, .port, .decision]' log
		case $what in
		sendmsg) assert_output '["socket.sendmsg",["127.0.0.1",9],"127.0.0.1",9,"allow"]' ;;
		*) assert_output '["socket.connect",["127.0.0.1",9],"127.0.0.1",9,"allow"]' ;;
		esac
	done
}

@test "i386 address calls, enforce: a port rule refuses the direct call with its errno, socketcall (arguments in memory) with ENOSYS" {
	cat >"$T/port.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "no-9", "event": ["socket.connect", "socket.sendmsg"], "port": 9, "action": "deny", "errno": "EPERM"}]}
	EOF
	run -1 --separate-stderr "$SOCKAUDIT" run -p port.json -o log -- "$K" connect 9
	assert_output "errno 1"
	run -0 --separate-stderr "$SOCKAUDIT" run -p port.json -o log -- "$K" connect 10
	assert_output "fd 0"
	run -1 --separate-stderr "$SOCKAUDIT" run -p port.json -o log -- "$K" sendmsg 9
	assert_output "errno 1"
	run -1 --separate-stderr "$SOCKAUDIT" run -p port.json -o log -- "$K" sc-connect 10
	assert_output "errno 38"
	# (one log, appended to by each run): the socketcall, refused by the
	# filter, reached no supervisor
	run -0 jq -r 'select(.layer == "notify" and .event != "socket.__new__") | "\(.call) \(.port) \(.decision) \(.rule)"' log
	assert_output "connect 9 deny no-9
connect 10 allow null
sendmsg 9 deny no-9"
}
