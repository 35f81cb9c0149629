#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The systemd examples (examples/systemd): systemd-analyze verify accepts
# the nginx drop-in on Debian's nginx.service and the Type=notify drop-in on
# a notify unit, and the process tree they are written for is the one
# `sockaudit run` makes (the notifying process is run's child: hence
# NotifyAccess=all).
load helper
bats_require_minimum_version 1.5.0

EX="$ROOT/examples/systemd"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	# systemd-analyze verify loads units without a running systemd (no
	# PID 1 needed): it runs in a container and in CI alike.  Without it
	# the examples go unchecked: a named skip, a failure under CI.
	command -v systemd-analyze >/dev/null ||
		require_feature "systemd-analyze" "the systemd package is not installed"
	mkdir -p "$T/units"
}

# verify UNIT: systemd-analyze verify of $T/units/UNIT with its drop-ins;
# its output (warnings) in $output.  The examples' /usr/bin/sockaudit is
# this build's (verify checks that the command is executable).
verify() {
	local d
	for d in "$T"/units/*.d; do
		sed -i "s|/usr/bin/sockaudit|$SOCKAUDIT|" "$d"/*.conf
	done
	run env SYSTEMD_UNIT_PATH="$T/units:" systemd-analyze verify --man=no "$T/units/$1"
}

@test "systemd: the nginx drop-in verifies on Debian's nginx.service, and a wrong key in it is caught" {
	[ -f /lib/systemd/system/nginx.service ] ||
		require_feature "nginx.service" "Debian's nginx package is not installed"
	cp /lib/systemd/system/nginx.service "$T/units/"
	cp -r "$EX/nginx.service.d" "$T/units/"
	verify nginx.service
	assert_success
	assert_output ""
	# The check reads the drop-in: a mistake there shows.
	printf 'NotifyAcess=all\n' >>"$T/units/nginx.service.d/sockaudit.conf"
	verify nginx.service
	assert_output --partial "sockaudit.conf:"
	assert_output --partial "Unknown key 'NotifyAcess'"
}

@test "systemd: the Type=notify drop-in verifies on a notify unit" {
	cat >"$T/units/example-notify.service" <<-UNIT
	[Unit]
	Description=a Type=notify daemon
	[Service]
	Type=notify
	ExecStart=/bin/false
	UNIT
	cp -r "$EX/example-notify.service.d" "$T/units/"
	# The drop-in's command is a placeholder: this build's CMD for it.
	sed -i "s|/usr/bin/example-daemon --foreground|/bin/true|" \
		"$T/units/example-notify.service.d/sockaudit.conf"
	verify example-notify.service
	assert_success
	assert_output ""
	run -0 grep -x 'NotifyAccess=all' "$T/units/example-notify.service.d/sockaudit.conf"
}

@test "systemd: under sockaudit run the READY=1 comes from run's child, not from run (NotifyAccess=main would drop it)" {
	# A notify socket as systemd makes one: AF_UNIX datagrams with the
	# sender's credentials.  The service's READY=1 is received with its pid.
	local layer
	for layer in preload auto seccomp; do
		rm -f "$T/notify" "$T/got"
		"$PY" - "$T/notify" "$T/got" <<-'PY' &
		import socket, struct, sys
		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind(sys.argv[1])
		s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
		s.settimeout(20)
		msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
		pid = [struct.unpack("iII", d)[0] for l, t, d in anc if t == socket.SCM_CREDENTIALS][0]
		ppid = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1]
		open(sys.argv[2], "w").write("%s %d %s\n" % (msg.decode(), pid, ppid))
		PY
		local rx=$!
		wait_for test -S "$T/notify"
		# sd_notify(3) as a service does it: to $NOTIFY_SOCKET, then
		# wait to be read (the receiver looks at our /proc entry).
		NOTIFY_SOCKET="$T/notify" "$SOCKAUDIT" run -q --layer "$layer" -o "$T/log" -- "$PY" -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
deadline = time.monotonic() + 20
while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
    time.sleep(0.01)' "$T/got" &
		local run_pid=$!
		wait_for test -s "$T/got"
		wait "$run_pid"
		wait "$rx"
		read -r msg pid ppid <"$T/got"
		assert_equal "$msg" "READY=1"
		# Not sockaudit run (systemd's MAINPID), but its child.
		[ "$pid" != "$run_pid" ]
		assert_equal "$ppid" "$run_pid"
	done
}
