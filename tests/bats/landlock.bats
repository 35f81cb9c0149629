#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The Landlock backstop of `sockaudit run` (tools/landlock.c): the kernel's
# own check of the TCP ports the policy refuses, on every path to
# connect(2) and bind(2), io_uring's included; and io_uring's own refusal.
#
# A ring's IORING_OP_CONNECT/BIND is no system call: neither the shim nor
# the seccomp filter nor the supervisor sees it.  So under a policy that
# allows io_uring, what refuses a ring's connect to a refused port is
# Landlock alone: EACCES, its errno, where the policy's rules say
# ECONNREFUSED or EADDRINUSE.  On the code before Landlock the connect
# succeeds.
bats_require_minimum_version 1.5.0
load helper

L="$FIX/l_net-static"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	need_notify
	"$PY" -c 'import ctypes, sys; sys.exit(ctypes.CDLL(None).syscall(444, None, 0, 1) < 4)' ||
		require_feature "Landlock ABI 4" "the kernel has no Landlock TCP port rules"
	P=$(free_port)
	Q=$(free_port)
	while [ "$Q" = "$P" ]; do Q=$(free_port); done
}

# listen_run PORT... -- CMD...: listen on 127.0.0.1:PORT for each PORT, run
# CMD, then print "accepted PORT N" for each: the connections that reached
# it (a connect that returned has its connection queued already: no wait).
# Exits with CMD's status.
listen_run() {
	"$PY" -c '
import socket, subprocess, sys
args = sys.argv[1:]
cut = args.index("--")
socks = []
for port in args[:cut]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(port)))
    s.listen(8)
    s.setblocking(False)
    socks.append((port, s))
status = subprocess.run(args[cut + 1:]).returncode
sys.stdout.flush()
for port, s in socks:
    n = 0
    try:
        while True:
            s.accept()[0].close()
            n += 1
    except BlockingIOError:
        pass
    print("accepted %s %d" % (port, n))
sys.exit(status if status >= 0 else 128 - status)' "$@"
}

# connect_policy FILE: connects to $P allowed, any other refused
# (ECONNREFUSED, so that Landlock's EACCES tells itself apart); io_uring
# allowed, so that the kernel layers cannot see a ring's connect.
connect_policy() {
	printf '%s\n' '{"version": 1, "mode": "enforce", "io_uring": "allow",
		"default": {"action": "allow"},
		"rules": [
		 {"id": "to-p", "event": "socket.connect", "port": '"$P"', "action": "allow"},
		 {"id": "no-connect", "event": "socket.connect", "action": "deny", "errno": "ECONNREFUSED"}]}' >"$1"
}

# no_connect_policy FILE: every connect refused, by no port in particular.
no_connect_policy() {
	printf '%s\n' '{"version": 1, "mode": "enforce", "io_uring": "allow",
		"default": {"action": "allow"},
		"rules": [{"event": "socket.connect", "action": "deny", "errno": "ECONNREFUSED"}]}' >"$1"
}

bind_policy() {
	printf '%s\n' '{"version": 1, "mode": "enforce", "io_uring": "allow",
		"default": {"action": "allow"},
		"rules": [
		 {"id": "on-p", "event": "socket.bind", "port": '"$P"', "action": "allow"},
		 {"id": "no-bind", "event": "socket.bind", "action": "deny", "errno": "EADDRINUSE"}]}' >"$1"
}

@test "landlock: a ring's connect to a refused port fails with Landlock's EACCES, none arrives (seccomp, auto)" {
	connect_policy pol.json
	for layer in seccomp auto; do
		# uring-async: the ring's worker thread connects, in the same domain
		for how in uring uring-async; do
			run -1 listen_run "$Q" -- "$SOCKAUDIT" run -o log -p pol.json --layer $layer -- "$L" connect $how "$Q"
			assert_line "connect: EACCES"
			assert_line "accepted $Q 0"
			refute_output --partial "Landlock"	# no note: it is in force
		done
	done
}

@test "landlock: the allowed port still connects, by ring and by system call (seccomp, auto)" {
	connect_policy pol.json
	for layer in seccomp auto; do
		for how in uring syscall; do
			run -0 listen_run "$P" -- "$SOCKAUDIT" run -o log -p pol.json --layer $layer -- "$L" connect $how "$P"
			assert_line "connect: ok"
			assert_line "accepted $P 1"
		done
	done
}

@test "landlock: a ring's bind to a refused port fails with EACCES, the allowed port binds (seccomp, auto)" {
	bind_policy pol.json
	for layer in seccomp auto; do
		for how in uring uring-async; do
			run -1 "$SOCKAUDIT" run -o log -p pol.json --layer $layer -- "$L" bind $how "$Q"
			assert_line "bind: EACCES"
		done
		for how in uring syscall; do
			run -0 "$SOCKAUDIT" run -o log -p pol.json --layer $layer -- "$L" bind $how "$P"
			assert_line "bind: ok"
		done
	done
}

@test "landlock: a policy refusing every connect refuses the ring's, whatever the port" {
	no_connect_policy pol.json
	run -1 listen_run "$P" -- "$SOCKAUDIT" run -o log -p pol.json --layer seccomp -- "$L" connect uring "$P"
	assert_line "connect: EACCES"
	assert_line "accepted $P 0"
	# binds are none of its business
	run -0 "$SOCKAUDIT" run -o log -p pol.json --layer seccomp -- "$L" bind uring "$Q"
	assert_line "bind: ok"
}

@test "landlock: not in audit mode, not for --layer preload, not when no port is refused" {
	no_connect_policy pol.json
	run -0 listen_run "$Q" -- "$SOCKAUDIT" run -o log -p pol.json --mode audit --layer seccomp -- "$L" connect uring "$Q"
	assert_line "connect: ok"
	assert_line "accepted $Q 1"
	# the preload layer alone adds no kernel mechanism
	run -0 listen_run "$Q" -- "$SOCKAUDIT" run -o log -p pol.json --layer preload -- "$L" connect uring "$Q"
	assert_line "connect: ok"
	assert_line "accepted $Q 1"
	# a refusal by address leaves every port possibly allowed
	printf '%s\n' '{"version": 1, "mode": "enforce", "io_uring": "allow",
		"default": {"action": "allow"},
		"rules": [{"event": "socket.connect", "address": "10.0.0.0/8", "action": "deny"}]}' >addr.json
	run -0 listen_run "$Q" -- "$SOCKAUDIT" run -o log -p addr.json --layer seccomp -- "$L" connect uring "$Q"
	assert_line "connect: ok"
	assert_line "accepted $Q 1"
}

@test "landlock: when it cannot restrict the tree, run says so in one note and goes on" {
	no_connect_policy pol.json
	# Landlock stacks 16 domains at most: on a full stack ours fails (E2BIG)
	run -0 listen_run "$Q" -- "$L" stack full "$SOCKAUDIT" run -o log -p pol.json --layer seccomp -- "$L" connect uring "$Q"
	assert_line "sockaudit run: note: landlock_restrict_self: 16 Landlock domains are stacked already: the policy's TCP ports are not enforced by Landlock, only by the other layers"
	assert_line "connect: ok"
	assert_line "accepted $Q 1"
	[ "$(grep -c Landlock <<<"$output")" = 1 ]
	# with room for one, ours is the last and in force
	run -1 listen_run "$Q" -- "$L" stack spare "$SOCKAUDIT" run -o log -p pol.json --layer seccomp -- "$L" connect uring "$Q"
	assert_line "connect: EACCES"
	refute_output --partial "note: landlock"
}

# io_uring's own refusal: in enforce mode, unless the policy says
# "io_uring": "allow", the filter refuses io_uring_setup (EPERM), so a ring
# never gets to IORING_OP_CONNECT or IORING_OP_BIND.
@test "io_uring: enforce mode refuses the ring before any IORING_OP_CONNECT/BIND (EPERM); nothing arrives" {
	printf '%s\n' '{"version": 1, "mode": "enforce", "default": {"action": "allow"},
		"rules": [
		 {"id": "loopback", "event": "socket.connect", "address": "127.0.0.0/8", "action": "deny", "errno": "ECONNREFUSED"}]}' >pol.json
	for layer in seccomp auto; do
		run -3 listen_run "$P" -- "$SOCKAUDIT" run -o log -p pol.json --layer $layer -- "$L" connect uring "$P"
		assert_line "io_uring_setup: EPERM"
		assert_line "accepted $P 0"
		run -3 "$SOCKAUDIT" run -o log -p pol.json --layer $layer -- "$L" bind uring "$Q"
		assert_line "io_uring_setup: EPERM"
	done
	# the same ring without sockaudit connects: the refusal is the filter's
	run -0 listen_run "$P" -- "$L" connect uring "$P"
	assert_line "connect: ok"
	assert_line "accepted $P 1"
}
