#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sockaudit run: options, exit statuses, the environment CMD gets, and the
# warnings about programs the preload layer cannot see.  Every test runs real
# programs; the tests of the layers' events are in programs.bats.
load helper
bats_require_minimum_version 1.5.0

sa_run() {
	"$SOCKAUDIT" run "$@"
}

# Succeeds once a child of PID has exec'd COMM (from /proc: no procps needed).
child_runs() {
	local stat
	for stat in /proc/[0-9]*/stat; do
		read -r _ comm _ ppid _ <"$stat" 2>/dev/null || continue
		[ "$ppid" = "$1" ] && [ "$comm" = "($2)" ] && return 0
	done
	return 1
}

# A sanitized shim (make ASAN=1) has its runtime put first in LD_PRELOAD.
SHIM_RUNTIME=$(readelf -d "$SHIM" 2>/dev/null |
	sed -n 's/.*Shared library: \[\(lib[a-z]*san\.so[^]]*\)\].*/\1/p' | head -n 1)
PRE=${SHIM_RUNTIME:+$SHIM_RUNTIME:}
# ...and a sanitized sockaudit must not object to the LD_PRELOAD the tests
# hand it (meant for CMD) not starting with its runtime.
case ":${ASAN_OPTIONS:-}:" in
*:verify_asan_link_order=0:*) ;;
*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" ;;
esac

@test "run --help: usage on stdout, status 0" {
	run -0 --separate-stderr sa_run --help
	assert_line --index 0 "Usage: sockaudit run [OPTION]... [--] CMD [ARG]..."
	assert_line "  -p, --policy=POLICY  the policy file; without one: audit mode, allow"
	assert_line "Exit status: CMD's own; 125 when sockaudit failed or was used wrongly,"
	assert_equal "$stderr" ""
}

@test "run: usage errors exit 125 with a hint, and run nothing" {
	run -125 --separate-stderr sa_run
	assert_equal "$stderr" "sockaudit run: missing CMD: what should run?
Try 'sockaudit run --help'."
	run -125 --separate-stderr sa_run --bogus -- touch made
	assert_equal "${stderr_lines[0]}" "sockaudit run: unknown option '--bogus'"
	run -125 --separate-stderr sa_run -Z touch made
	assert_equal "${stderr_lines[0]}" "sockaudit run: unknown option '-Z'"
	run -125 --separate-stderr sa_run --mode enforcing -- touch made
	assert_equal "${stderr_lines[0]}" "sockaudit run: invalid mode 'enforcing': use audit or enforce"
	run -125 --separate-stderr sa_run --layer=ebpf -- touch made
	assert_equal "${stderr_lines[0]}" "sockaudit run: invalid layer 'ebpf': use auto, preload or seccomp"
	run -125 --separate-stderr sa_run -p
	assert_equal "${stderr_lines[0]}" "sockaudit run: option '-p' needs an argument"
	run -125 --separate-stderr sa_run --layer preload --
	assert_equal "${stderr_lines[0]}" "sockaudit run: missing CMD: what should run?"
	[ ! -e made ]
}

@test "run: options after CMD are CMD's own" {
	run -0 --separate-stderr sa_run --layer preload -- "$PY" -c 'import sys; print(sys.argv[1:])' -p x --help
	assert_output "['-p', 'x', '--help']"
	run -0 --separate-stderr sa_run --layer preload "$PY" -c 'import sys; print(sys.argv[1:])' -o y
	assert_output "['-o', 'y']"
}

@test "run: a bad policy prints the diagnostic with a caret, exits 125, and CMD never runs" {
	cat >bad.json <<'EOF'
{
  "version": 1,
  "rules": [
    {"id": "web", "family": "AF_INTE", "action": "deny"}
  ]
}
EOF
	run -125 --separate-stderr sa_run -p bad.json --layer preload -- touch ran
	assert_equal "${stderr_lines[0]}" "bad.json:4:29: error: unknown family 'AF_INTE'; did you mean 'AF_INET'?"
	assert_equal "${stderr_lines[1]}" '    4 |     {"id": "web", "family": "AF_INTE", "action": "deny"}'
	assert_equal "${stderr_lines[2]}" '      |                             ^'
	assert_equal "${stderr_lines[-1]}" "sockaudit run: bad.json: invalid policy (1 error): nothing was run"
	assert_output ""
	[ ! -e ran ]
	# The same under the default layer: the policy is checked before any.
	run -125 --separate-stderr sa_run -p bad.json -- touch ran
	assert_equal "${stderr_lines[-1]}" "sockaudit run: bad.json: invalid policy (1 error): nothing was run"
	[ ! -e ran ]
}

@test "run: a policy file that cannot be read exits 125 and runs nothing" {
	run -125 --separate-stderr sa_run -p "$T/none.json" --layer preload -- touch ran
	assert_equal "$stderr" "sockaudit run: cannot open $T/none.json: No such file or directory"
	[ ! -e ran ]
	run -125 --separate-stderr sa_run -p "$T" --layer preload -- touch ran
	assert_equal "$stderr" "sockaudit run: cannot read $T: Is a directory"
	[ ! -e ran ]
}

@test "run: policy warnings are printed and the run goes on" {
	cat >warn.json <<'EOF'
{"version": 1, "rules": [
 {"id": "all-inet", "family": "AF_INET", "action": "allow"},
 {"id": "tcp", "family": "AF_INET", "type": "SOCK_STREAM", "action": "deny"}
]}
EOF
	run -3 --separate-stderr sa_run -p warn.json --layer preload -- sh -c 'echo ran; exit 3'
	assert_output "ran"
	[[ "${stderr_lines[0]}" == "warn.json:3:"*": warning: "* ]]
}

@test "run: CMD not found exits 127" {
	run -127 --separate-stderr sa_run --layer preload -- no-such-command-sockaudit
	assert_equal "$stderr" "sockaudit run: no-such-command-sockaudit: command not found"
	run -127 --separate-stderr sa_run --layer preload -- ./nope
	assert_equal "$stderr" "sockaudit run: ./nope: command not found"
	# Not found under the default layer too, before any layer is set up.
	run -127 --separate-stderr sa_run -- no-such-command-sockaudit
	assert_equal "$stderr" "sockaudit run: no-such-command-sockaudit: command not found"
}

@test "run: CMD that cannot be executed exits 126" {
	printf '#!/bin/sh\ntouch ran\n' >noexec.sh
	chmod 644 noexec.sh
	run -126 --separate-stderr sa_run --layer preload -- ./noexec.sh
	assert_equal "$stderr" "sockaudit run: ./noexec.sh: Permission denied"
	mkdir -p bin/tool
	PATH="$T/bin:$PATH" run -126 --separate-stderr sa_run --layer preload -- tool
	assert_equal "$stderr" "sockaudit run: $T/bin/tool: Permission denied"
	# Executable, but not a format the kernel runs.
	printf '\177ELF garbage' >bad.bin
	chmod 755 bad.bin
	run -126 --separate-stderr sa_run --layer preload -- ./bad.bin
	assert_equal "$stderr" "sockaudit run: ./bad.bin: Exec format error"
	[ ! -e ran ]
}

@test "run: a script whose interpreter is missing exits 127, as with env(1)" {
	printf '#!/nonexistent/interp\n' >lost.sh
	chmod 755 lost.sh
	run -127 env ./lost.sh
	run -127 --separate-stderr sa_run --layer preload -- ./lost.sh
	assert_equal "$stderr" "sockaudit run: ./lost.sh: No such file or directory"
}

@test "run: CMD's exit status and output pass through" {
	run -7 --separate-stderr sa_run --layer preload -- sh -c 'echo out; echo err >&2; exit 7'
	assert_output "out"
	assert_equal "$stderr" "err"
	run -0 sa_run --layer preload -- true
	run -1 sa_run --layer preload -- false
	run -0 bash -c 'echo from-stdin | "$1" run --layer preload -- cat' _ "$SOCKAUDIT"
	assert_output "from-stdin"
}

@test "run: CMD killed by signal N exits 128+N" {
	run -143 sa_run --layer preload -- sh -c 'kill -TERM $$'
	run -137 sa_run --layer preload -- sh -c 'kill -KILL $$'
	run -134 bash -c 'ulimit -c 0; exec "$1" run --layer preload -- sh -c "kill -ABRT \$\$"' _ "$SOCKAUDIT"
}

@test "run: a signal sent to sockaudit alone reaches CMD" {
	"$SOCKAUDIT" run --layer preload -- sleep 60 &
	local pid=$!
	wait_for child_runs "$pid" sleep
	kill -TERM "$pid"
	local status=0
	wait "$pid" || status=$?
	assert_equal "$status" 143
}

@test "run: -o relative is made absolute; SOCKAUDIT_* are set for CMD" {
	mkdir sub
	run -0 --separate-stderr sa_run --layer preload -o rel.log -- \
		sh -c 'cd sub && printenv SOCKAUDIT_LOG SOCKAUDIT_POLICY SOCKAUDIT_MODE SOCKAUDIT_MARKER; echo end'
	assert_output "$T/rel.log
audit
end"
	[ -f rel.log ]
	run -0 stat -c %a rel.log
	assert_output 600
	echo '{"version": 1}' >p.json
	# The policy goes as the run's snapshot (layers.h), never as a path.
	run -0 --separate-stderr sa_run --layer preload -p p.json --mode enforce -o - -- \
		sh -c 'echo "$SOCKAUDIT_LOG ${SOCKAUDIT_POLICY-unset} $SOCKAUDIT_MODE"; echo "$SOCKAUDIT_POLICY_FD"'
	assert_line --index 0 "stderr unset enforce"
	assert_line --index 1 --regexp '^[0-9]+:[0-9a-f]+:[0-9a-f]+$'
}

@test "run: inherited SOCKAUDIT_* never contradict this run" {
	SOCKAUDIT_POLICY=/elsewhere.json SOCKAUDIT_MODE=enforce SOCKAUDIT_MARKER=1 \
		SOCKAUDIT_LOG=/elsewhere.log SOCKAUDIT_POLICY_FD=3:1:2 run -0 --separate-stderr \
		sa_run --layer preload -- sh -c 'echo "${SOCKAUDIT_POLICY-unset} ${SOCKAUDIT_MODE-unset} ${SOCKAUDIT_MARKER-unset} $SOCKAUDIT_LOG ${SOCKAUDIT_POLICY_FD-unset}"'
	assert_output "unset audit unset stderr unset"
}

@test "run: after a privilege drop the shim still applies the run's policy (a snapshot, not the 0600 file)" {
	[ "$(id -u)" = 0 ] || require_feature root "the test drops privileges with setpriv"
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "no-unix", "family": "AF_UNIX", "action": "deny", "errno": "EPERM"}]}
	EOF
	chmod 600 "$T/p.json"
	chmod 755 "$T"
	run -0 --separate-stderr sa_run --layer preload -p "$T/p.json" -- \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$PY" -c '
import socket
try:
    socket.socket(socket.AF_UNIX)
except OSError as e:
    print("errno", e.errno)'
	assert_output "errno 1"
	[[ "$stderr" != *"cannot read policy"* ]]
	[[ "$stderr" == *'"decision":"deny","rule":"no-unix","mode":"enforce"'* ]]
}

@test "run: a log that cannot be written exits 125 and runs nothing; a FIFO waits for its reader" {
	run -125 --separate-stderr sa_run --layer preload -o "$T/no/dir/x.log" -- touch ran
	assert_equal "$stderr" "sockaudit run: cannot write the log $T/no/dir/x.log: No such file or directory"
	run -125 --separate-stderr sa_run --layer preload -o "$T" -- touch ran
	assert_equal "$stderr" "sockaudit run: cannot write the log $T: Is a directory"
	[ ! -e ran ]
	# A FIFO: run waits for its reader before anything runs, as strace -o
	# does, whether the reader is there first or comes later.
	mkfifo fifo
	timeout 10 cat fifo >fifo.out &
	run -0 --separate-stderr sa_run --layer preload -o fifo -- "$PY" -c 'import socket; socket.socketpair()'
	wait
	run -0 jq -r .call fifo.out
	assert_output "socketpair
socketpair"
	rm -f fifo.out
	timeout 20 "$SOCKAUDIT" run --layer preload -o "$T/fifo" -- "$PY" -c 'import socket; socket.socketpair()' 2>err &
	wait_for grep -q "^sockaudit run: waiting for a reader of the FIFO $T/fifo$" err
	[ ! -s fifo.out ]
	timeout 10 cat fifo >fifo.out
	wait
	run -0 jq -r .call fifo.out
	assert_output "socketpair
socketpair"
}

@test "run: LD_PRELOAD gets the shim first, keeping entries already there" {
	local lib=/usr/lib/x86_64-linux-gnu/libz.so.1
	run -0 --separate-stderr sa_run --layer preload -- printenv LD_PRELOAD
	assert_output "$PRE$SHIM"
	LD_PRELOAD="$lib" run -0 --separate-stderr sa_run --layer preload -- printenv LD_PRELOAD
	assert_output "$PRE$SHIM:$lib"
	assert_equal "$stderr" ""
}

@test "run: a sanitizer runtime already in LD_PRELOAD stays first" {
	# A stand-in with a sanitizer runtime's name: ld.so loads it like any
	# library, and only the name decides the order.
	local lib=/usr/lib/x86_64-linux-gnu/libz.so.1
	cp /usr/lib/x86_64-linux-gnu/libcjson.so.1 "$T/libclang_rt.asan-x86_64.so"
	LD_PRELOAD="$lib $T/libclang_rt.asan-x86_64.so" run -0 --separate-stderr \
		sa_run --layer preload -- printenv LD_PRELOAD
	assert_output "$PRE$T/libclang_rt.asan-x86_64.so:$SHIM:$lib"
	assert_equal "$stderr" ""
}

@test "run: a shim built with ASan gets the ASan runtime loaded before it" {
	printf 'int sockaudit_fake_shim(int x) { return x + 1; }\n' >fake.c
	cc -shared -fPIC -fsanitize=address -o "$T/libsockaudit.so" fake.c
	run -0 readelf -d "$T/libsockaudit.so"
	assert_output --partial "Shared library: [libasan.so"
	local runtime
	runtime=$(readelf -d "$T/libsockaudit.so" | sed -n 's/.*Shared library: \[\(libasan[^]]*\)\].*/\1/p')
	SOCKAUDIT_SHIM="$T/libsockaudit.so" ASAN_OPTIONS= run -0 --separate-stderr \
		sa_run --layer preload -- printenv LD_PRELOAD ASAN_OPTIONS
	# ...and LeakSanitizer off, so that CMD's own leaks cannot change its
	# exit status; an explicit choice is kept.
	assert_output "$runtime:$T/libsockaudit.so
detect_leaks=0"
	assert_equal "$stderr" ""
	SOCKAUDIT_SHIM="$T/libsockaudit.so" ASAN_OPTIONS=abort_on_error=1 run -0 --separate-stderr \
		sa_run --layer preload -- printenv ASAN_OPTIONS
	assert_output "abort_on_error=1:detect_leaks=0"
	SOCKAUDIT_SHIM="$T/libsockaudit.so" ASAN_OPTIONS=detect_leaks=1 run -0 --separate-stderr \
		sa_run --layer preload -- printenv ASAN_OPTIONS
	assert_output "detect_leaks=1"
	# A shim without a sanitizer leaves ASAN_OPTIONS alone.
	if [ -z "$SHIM_RUNTIME" ]; then
		ASAN_OPTIONS=x=1 run -0 --separate-stderr sa_run --layer preload -- printenv ASAN_OPTIONS
		assert_output "x=1"
	fi
}

@test "run: a missing shim is an error for --layer preload" {
	SOCKAUDIT_SHIM="$T/none.so" run -125 --separate-stderr sa_run --layer preload -- touch ran
	assert_equal "$stderr" "sockaudit run: SOCKAUDIT_SHIM=$T/none.so: No such file or directory"
	[ ! -e ran ]
	SOCKAUDIT_SHIM="$T/none.so" run -125 --separate-stderr sa_run -- touch ran
	assert_equal "$stderr" "sockaudit run: SOCKAUDIT_SHIM=$T/none.so: No such file or directory"
	# A sockaudit without a shim next to it, none installed.
	mkdir bin
	cp "$SOCKAUDIT" bin/sockaudit
	if [ ! -e /usr/local/lib/sockaudit/libsockaudit.so ]; then
		run -125 --separate-stderr bin/sockaudit run --layer preload -- touch ran
		assert_equal "$stderr" "sockaudit run: cannot find libsockaudit.so (looked next to this program and in /usr/local/lib/sockaudit): the preload layer cannot run"
		[ ! -e ran ]
		# The default layers go on without it, and say so.
		run -0 --separate-stderr bin/sockaudit run -- touch ran
		assert_equal "$stderr" "sockaudit run: warning: cannot find libsockaudit.so: only the kernel layers will log and decide"
		[ -e ran ]
	fi
}

@test "run: a statically linked target gets a warning, and runs" {
	run -0 --separate-stderr sa_run --layer preload -- /bin/busybox echo hi
	assert_output "hi"
	assert_equal "$stderr" "sockaudit run: warning: /bin/busybox is statically linked: the preload layer cannot see its sockets; use --layer auto (the default) or --layer seccomp"
	# Found through PATH, and named as found.
	# (busybox picks its applet from argv[0], so the link is named sh.)
	mkdir bin
	ln -s /bin/busybox "$T/bin/sh"
	PATH="$T/bin:$PATH" run -3 --separate-stderr sa_run --layer preload -- sh -c 'exit 3'
	assert_equal "$stderr" "sockaudit run: warning: $T/bin/sh is statically linked: the preload layer cannot see its sockets; use --layer auto (the default) or --layer seccomp"
}

@test "run: a script whose interpreter is static is static" {
	printf '#!/bin/busybox sh\necho script\n' >s.sh
	chmod 755 s.sh
	run -0 --separate-stderr sa_run --layer preload -- ./s.sh
	assert_output "script"
	assert_equal "$stderr" "sockaudit run: warning: ./s.sh runs /bin/busybox, which is statically linked: the preload layer cannot see its sockets; use --layer auto (the default) or --layer seccomp"
	# A script of a dynamic interpreter is seen: no warning.
	printf '#!/bin/sh\necho script\n' >d.sh
	chmod 755 d.sh
	run -0 --separate-stderr sa_run --layer preload -- ./d.sh
	assert_equal "$stderr" ""
}

# Non-zero when the filesystem of $T ignores setuid bits (nosuid).
nosuid() {
	"$PY" -c 'import os, sys; sys.exit(0 if os.statvfs(sys.argv[1]).f_flag & os.ST_NOSUID else 1)' "$T"
}

@test "run: a setuid target gets a warning, and runs" {
	cp /usr/bin/id "$T/suid-id"
	chown nobody "$T/suid-id"
	chmod 4755 "$T/suid-id"
	if nosuid; then
		# The kernel ignores the bit here, so does the warning.
		run -0 --separate-stderr sa_run --layer preload -- "$T/suid-id" -u
		assert_output "$(id -u)"
		assert_equal "$stderr" ""
		return
	fi
	run -0 --separate-stderr sa_run --layer preload -- "$T/suid-id" -u
	assert_output "$(id -u nobody)"
	assert_equal "${stderr_lines[0]}" "sockaudit run: warning: $T/suid-id is setuid or setgid: the preload layer cannot see its sockets; use --layer auto (the default) or --layer seccomp"
	# (In secure mode ld.so also complains about a sanitized shim's runtime.)
	[ "${#stderr_lines[@]}" -eq 1 ] || [ -n "$SHIM_RUNTIME" ]
}

# ---- the default layers (auto) and --layer seccomp ----

@test "run (auto): a static target gets a note, and the kernel layers log its sockets" {
	run -0 --separate-stderr sa_run -o "$T/auto.log" -- /bin/busybox ip addr show dev lo
	assert_line --partial "inet 127.0.0.1/8"
	assert_equal "$stderr" "sockaudit run: note: /bin/busybox is statically linked: the kernel layers (seccomp filter + notify supervisor) see its sockets, the preload layer does not"
	run -0 jq -c 'select(.family == "AF_NETLINK") | [.call, .protocol, .layer, .comm]' "$T/auto.log"
	assert_output '["socket","NETLINK_ROUTE","notify","busybox"]
["bind","NETLINK_ROUTE","notify","busybox"]'
	# The preload layer alone sees none of them, and says so.
	run -0 --separate-stderr sa_run --layer preload -o "$T/pre.log" -- /bin/busybox ip addr show dev lo
	assert_equal "$stderr" "sockaudit run: warning: /bin/busybox is statically linked: the preload layer cannot see its sockets; use --layer auto (the default) or --layer seccomp"
	[ -f "$T/pre.log" ]
	[ ! -s "$T/pre.log" ]
}

@test "run (auto): exit statuses are the same as with --layer preload" {
	local layer
	for layer in auto preload seccomp; do
		run -7 sa_run --layer "$layer" -- sh -c 'exit 7'
		run -143 sa_run --layer "$layer" -- sh -c 'kill -TERM $$'
		run -127 sa_run --layer "$layer" -- no-such-command-sockaudit
		printf '#!/bin/sh\n' >noexec.sh
		run -126 sa_run --layer "$layer" -- ./noexec.sh
	done
}

@test "run (auto): the shim and a random marker; --layer seccomp leaves LD_PRELOAD alone" {
	local lib=/usr/lib/x86_64-linux-gnu/libz.so.1
	LD_PRELOAD="$lib" run -0 --separate-stderr sa_run -- sh -c 'echo "$LD_PRELOAD"; echo "$SOCKAUDIT_MARKER"'
	assert_line --index 0 "$PRE$SHIM:$lib"
	# the marker, bound to the log's identity (layers.h)
	assert_line --index 1 --regexp '^[0-9a-f]{16}:[0-9a-f]+:[0-9a-f]+$'
	[ "${lines[1]%%:*}" != 0000000000000000 ]
	local first=${lines[1]}
	run -0 --separate-stderr sa_run -- printenv SOCKAUDIT_MARKER
	[ "$output" != "$first" ]
	LD_PRELOAD="$lib" run -0 --separate-stderr sa_run --layer seccomp -- \
		sh -c 'echo "$LD_PRELOAD ${SOCKAUDIT_MARKER-unset}"'
	assert_output "$lib unset"
}

@test "run (auto): a setuid target runs without its privileges, and is told so" {
	cp /usr/bin/id "$T/suid-id"
	chown nobody "$T/suid-id"
	chmod 4755 "$T/suid-id"
	if nosuid; then
		run -0 --separate-stderr sa_run -- "$T/suid-id" -u
		assert_equal "$stderr" ""
		return
	fi
	run -0 --separate-stderr sa_run -- "$T/suid-id" -u
	assert_output "$(id -u)"
	assert_equal "$stderr" "sockaudit run: note: $T/suid-id is setuid or setgid: the seccomp layer sets no_new_privs, so it runs without those privileges"
}

@test "run --mode without -p: the embedded default in that mode, in every layer" {
	run -0 --separate-stderr sa_run --mode enforce -o "$T/pre.log" -- "$PY" -c 'import socket; socket.socket()'
	run -0 jq -c 'select(.layer) | [.call, .family, .mode, .decision, .rule, .layer]' "$T/pre.log"
	assert_output '["socket","AF_INET","enforce","allow",null,"preload"]'
	run -0 --separate-stderr sa_run --mode enforce -o "$T/static.log" -- /bin/busybox ip addr show dev lo
	run -0 jq -c 'select(.family == "AF_NETLINK" and .event == "socket.__new__") | [.mode, .decision, .rule, .layer]' "$T/static.log"
	assert_output '["enforce","allow",null,"notify"]'
	# Without --mode: the default's audit, said to the shim too.
	run -0 --separate-stderr sa_run -o "$T/audit.log" -- "$PY" -c 'import os, socket; socket.socket(); print(os.environ.get("SOCKAUDIT_MODE"))'
	assert_output "audit"
	run -0 jq -c 'select(.layer) | [.mode, .decision]' "$T/audit.log"
	assert_output '["audit","allow"]'
}

# ---- the summary at the end, and the notes on programs a layer cannot see ----

# A policy that denies UDP sockets, in enforce mode.
no_udp() {
	cat >"$T/no-udp.json" <<'JSON'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-udp", "type": "SOCK_DGRAM", "action": "deny", "errno": "EACCES"}]}
JSON
}

# Three UDP sockets and a TCP one; a refused socket is no failure here.
UDP3='
import socket
for i in range(3):
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
    except PermissionError:
        pass
socket.socket().close()'

@test "run: one line at the end says how many calls the policy denied, and where they are logged, in every layer" {
	no_udp
	local layer
	for layer in preload auto seccomp; do
		run -0 --separate-stderr sa_run --layer "$layer" -p "$T/no-udp.json" -o "$T/log" -- "$PY" -c "$UDP3"
		assert_equal "$stderr" "sockaudit run: 3 calls denied by the policy; see $T/log"
	done
	# audit mode: nothing was denied, and the line says what would have been.
	run -0 --separate-stderr sa_run --mode audit -p "$T/no-udp.json" -o "$T/log" -- "$PY" -c "$UDP3"
	assert_equal "$stderr" "sockaudit run: 3 calls would have been denied (audit mode); see $T/log"
	# One call, and the stderr log: the events are right above it.
	run -0 --separate-stderr sa_run --layer preload -p "$T/no-udp.json" -- "$PY" -c '
import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
except PermissionError:
    pass'
	assert_equal "${stderr_lines[-1]}" "sockaudit run: 1 call denied by the policy; see the events above"
}

@test "run: no summary when nothing was denied, nor with -q / --quiet" {
	no_udp
	run -0 --separate-stderr sa_run -p "$T/no-udp.json" -o "$T/log" -- "$PY" -c 'import socket; socket.socket()'
	assert_equal "$stderr" ""
	run -0 --separate-stderr sa_run -q -p "$T/no-udp.json" -o "$T/log" -- "$PY" -c "$UDP3"
	assert_equal "$stderr" ""
	run -0 --separate-stderr sa_run --quiet --mode audit -p "$T/no-udp.json" -o "$T/audit.log" -- "$PY" -c "$UDP3"
	assert_equal "$stderr" ""
	# The events are logged all the same.
	run -0 jq -r 'select(.type == "SOCK_DGRAM") | .decision' "$T/audit.log"
	assert_output "would_deny
would_deny
would_deny"
}

@test "run: --layer preload warns that a dynamically linked Go program makes its sockets unseen" {
	command -v go >/dev/null || require_feature "Go toolchain" "golang-go is not installed"
	export GOCACHE="$BATS_TEST_TMPDIR/gocache" GOPATH="$BATS_TEST_TMPDIR/gopath"
	export GOFLAGS= GOPROXY=off CGO_ENABLED=1
	# With cgo, net links the system's libc for its resolver: a dynamic
	# ELF, which the shim is loaded into, and yet sees nothing.
	go build -o "$T/go-listen" "$ROOT/tests/go/listen.go"
	run -0 readelf -l "$T/go-listen"
	assert_output --partial "Requesting program interpreter"
	run -0 --separate-stderr sa_run --layer preload -o "$T/pre.log" -- "$T/go-listen" 1
	assert_equal "$stderr" "sockaudit run: warning: $T/go-listen is a Go program: Go makes its sockets with raw system calls, not through libc, so the preload layer sees none of them; use --layer auto (the default) or --layer seccomp"
	# ...and indeed it saw no TCP socket.
	run -0 jq -r 'select(.family == "AF_INET") | .call' "$T/pre.log"
	assert_output ""
	# The kernel layers see them: no word about it.
	run -0 --separate-stderr sa_run -o "$T/auto.log" -- "$T/go-listen" 1
	assert_equal "$stderr" ""
	run -0 jq -r 'select(.family == "AF_INET" and .call == "socket") | .layer' "$T/auto.log"
	assert_line notify
}

@test "run: a program with file capabilities is named so (cap_net_raw), not setuid; as root it is told nothing" {
	# ld.so ignores (and names on stderr) a preloaded libasan in a program
	# with file capabilities: its secure execution
	skip_under_asan "ld.so refuses the preloaded libasan in a program with file capabilities"
	cp /bin/true "$T/captrue"
	setcap cap_net_raw,cap_net_admin+ep "$T/captrue"
	searchable_by_all "$T"
	chmod 1777 "$T"
	as_nobody() {
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	}
	run -0 --separate-stderr as_nobody "$SOCKAUDIT" run -o "$T/log" -- "$T/captrue"
	assert_equal "$stderr" "sockaudit run: note: $T/captrue has file capabilities (cap_net_admin,cap_net_raw): the seccomp layer sets no_new_privs, so it runs without those capabilities"
	run -0 --separate-stderr as_nobody "$SOCKAUDIT" run -q -o "$T/log2" -- "$T/captrue"
	assert_equal "$stderr" ""
	run -0 --separate-stderr as_nobody "$SOCKAUDIT" run --layer preload -o "$T/log3" -- "$T/captrue"
	assert_equal "${stderr_lines[0]}" "sockaudit run: warning: $T/captrue has file capabilities (cap_net_admin,cap_net_raw): the preload layer cannot see its sockets; use --layer auto (the default) or --layer seccomp"
	# Root gains nothing from them: the loader keeps LD_PRELOAD.
	[ "$(id -u)" != 0 ] || {
		run -0 --separate-stderr sa_run -o "$T/log4" -- "$T/captrue"
		assert_equal "$stderr" ""
	}
}
