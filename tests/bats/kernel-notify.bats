#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The kernel layers (seccomp filter + notify supervisor) see what the preload
# shim cannot: static binaries, inline syscalls, scrubbed environments,
# busybox, threads, fork trees, glibc's internal sockets.  Every program runs
# under `sockaudit run --layer auto` and `--layer seccomp`, with its events
# checked in the log and its behaviour checked against a native run.

bats_require_minimum_version 1.5.0
load helper

K2="$FIX/k2_calls-static"
K2A="$FIX/k2_accept-static"
ASM="$FIX/k2_asm"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	need_notify
}

# notify_events LOG JQFILTER: the notify layer's events matching JQFILTER,
# each as "call family type protocol decision".
notify_events() {
	jq -r "select(.layer == \"notify\") | select($2) |
		\"\(.call) \(.family) \(.type) \(.protocol) \(.decision)\"" "$1"
}

deny_inet6_policy() {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "no-inet6", "family": "AF_INET6", "action": "deny", "errno": "EPERM"}]}
	EOF
}

@test "static binary: socket logged by notify with family, type, protocol (auto, seccomp)" {
	for layer in auto seccomp; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$K2" socket 2 2 0
		assert_output --regexp '^socket fd [0-9]+$'
		run -0 notify_events log '.call == "socket"'
		assert_output "socket AF_INET SOCK_DGRAM IPPROTO_UDP allow"
		run -0 jq -r 'select(.layer == "notify") | "\(.args) \(.result) \(.errno) \(.exe) \(.comm) \(.seq)"' log
		assert_output "[null,2,2,0] null null $K2 k2_calls-static 1"
	done
}

@test "static binary: socketpair logs each end, shutdown and accept carry the socket's facts" {
	for layer in auto seccomp; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$K2" pair 1 5 0
		run -0 notify_events log '.call == "socketpair"'
		assert_output $'socketpair AF_UNIX SOCK_SEQPACKET 0 allow\nsocketpair AF_UNIX SOCK_SEQPACKET 0 allow'
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$K2" tcp
		assert_output "tcp ok"
		run -0 notify_events log '.call == "accept" or .call == "accept4"'
		assert_output --regexp '^accept4? AF_INET SOCK_STREAM IPPROTO_TCP allow$'
		# The supervisor makes an allowed, logged shutdown itself on its copy
		# of the descriptor (it never blocks), so its result is known.
		run -0 jq -r 'select(.layer == "notify" and .call == "shutdown") |
			"\(.event) \(.args) \(.family) \(.type) \(.how) \(.result) \(.errno)"' log
		assert_output --regexp '^socket\.shutdown \[[0-9]+,1\] AF_INET SOCK_STREAM SHUT_WR 0 null$'
	done
}

@test "static binary: denied with the policy's errno, logged as a denial" {
	deny_inet6_policy
	for layer in auto seccomp; do
		rm -f log
		run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer $layer -- "$K2" socket 10 1 0
		assert_output "socket errno 1"
		run -0 jq -r 'select(.layer == "notify") | "\(.family) \(.result) \(.errno) \(.decision) \(.rule)"' log
		assert_output "AF_INET6 -1 EPERM deny no-inet6"
		# What the policy allows still works.
		run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer $layer -- "$K2" socket 2 1 0
		assert_output --regexp '^socket fd [0-9]+$'
	done
}

@test "audit mode: nothing is denied, the denial is logged as would_deny" {
	deny_inet6_policy
	run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" --mode audit -o "$T/log" --layer seccomp -- "$K2" socket 10 1 0
	assert_output --regexp '^socket fd [0-9]+$'
	run -0 jq -r 'select(.layer == "notify") | "\(.family) \(.result) \(.decision) \(.mode)"' log
	assert_output "AF_INET6 null would_deny audit"
}

@test "an exe rule is decided by the supervisor, per program" {
	cat >"$T/p.json" <<-EOF
	{"version": 1, "default": {"action": "allow"},
	 "rules": [{"id": "k2-no-udp", "exe": "*/k2_calls-static", "type": "SOCK_DGRAM", "action": "deny", "errno": "EACCES"}]}
	EOF
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- "$K2" socket 2 2 0
	assert_output "socket errno 13"
	run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- \
		"$PY" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM); print("py ok")'
	assert_output "py ok"
}

@test "a shutdown rule on the socket's family is decided from the target's descriptor" {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "default": {"action": "allow"},
	 "rules": [{"id": "no-inet-shutdown", "event": "socket.shutdown", "family": "AF_INET", "action": "deny", "errno": "EPERM"}]}
	EOF
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- "$K2" tcp
	assert_output "shutdown errno 1"
	run -0 jq -r 'select(.layer == "notify" and .call == "shutdown") | "\(.family) \(.errno) \(.rule)"' log
	assert_output "AF_INET EPERM no-inet-shutdown"
}

@test "inline syscall instruction in a dynamic program: seen by notify only (auto, seccomp)" {
	for layer in auto seccomp; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$ASM" 2 1 0
		assert_output --regexp '^fd [0-9]+$'
		run -0 jq -r 'select(.layer) | "\(.layer) \(.call) \(.family) \(.type) \(.protocol) \(.exe)"' log
		assert_output "notify socket AF_INET SOCK_STREAM IPPROTO_TCP $ASM"
	done
	deny_inet6_policy
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer auto -- "$ASM" 10 2 0
	assert_output "errno 1"
}

@test "a forged marker escapes the supervisor's log, never the kernel's deny" {
	deny_inet6_policy
	# The shim's marker is in the environment under --layer auto; a program
	# can read it and put it in the sixth argument itself.
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer auto -- \
		/usr/bin/env K2_FORGE=1 "$ASM" 10 1 0
	assert_output "errno 1"
	run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log2" --layer auto -- \
		/usr/bin/env K2_FORGE=1 "$ASM" 2 1 0
	assert_output --regexp '^fd [0-9]+$'
	run -0 jq -r 'select(.layer == "notify" and .exe == "'"$ASM"'") | .family' log2
	assert_output ""
}

@test "env -i: the child has no LD_PRELOAD, the kernel layers still see it (auto, seccomp)" {
	for layer in auto seccomp; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- /usr/bin/env -i "$PY" -c '
import os, socket
assert "LD_PRELOAD" not in os.environ
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
print("ok")'
		assert_output ok
		# (Python's start also tries nscd over AF_UNIX without $HOME.)
		run -0 jq -r 'select(.layer and (.exe | startswith("/usr/bin/python3"))) | select(.family == "AF_INET6") |
			"\(.layer) \(.family) \(.type) \(.protocol)"' log
		assert_output "notify AF_INET6 SOCK_DGRAM IPPROTO_UDP"
	done
}

@test "busybox-static wget and nc against a local http.server (auto, seccomp)" {
	echo "hello from k2" >"$T/index.txt"
	port=$(free_port)
	"$PY" -m http.server --bind 127.0.0.1 --directory "$T" "$port" >/dev/null 2>&1 &
	server=$!
	wait_for_port "$port"
	for layer in auto seccomp; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- \
			/bin/busybox wget -q -O - "http://127.0.0.1:$port/index.txt"
		assert_output "hello from k2"
		run -0 jq -r 'select(.layer) | "\(.layer) \(.call) \(.family) \(.type) \(.protocol) \(.exe | sub(".*/"; ""))"' log
		assert_line "notify socket AF_INET SOCK_STREAM IPPROTO_TCP busybox"
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- \
			/bin/busybox sh -c "printf 'GET /index.txt HTTP/1.0\r\n\r\n' | busybox nc 127.0.0.1 $port"
		assert_line --partial "HTTP/1.0 200"
		assert_line "hello from k2"
		run -0 jq -r '"\(.layer) \(.call) \(.family) \(.type) \(.protocol)"' log
		assert_line "notify socket AF_INET SOCK_STREAM IPPROTO_TCP"
	done
	kill "$server"
	wait "$server" || true
}

@test "multithreaded static program: one event per thread, one pid (auto, seccomp)" {
	for layer in auto seccomp; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$K2" threads 8
		assert_output "threads ok"
		run -0 jq -r 'select(.layer == "notify") | "\(.family) \(.type)"' log
		[ "${#lines[@]}" -eq 8 ]
		run -0 jq -r 'select(.layer == "notify") | .pid' log
		[ "$(sort -u <<<"$output" | wc -l)" -eq 1 ]
		run -0 jq -r 'select(.layer == "notify") | .tid' log
		[ "$(sort -u <<<"$output" | wc -l)" -eq 8 ]
		# seq counts the process's events 1..8, whatever the thread.
		run -0 jq -r 'select(.layer == "notify") | .seq' log
		[ "$(sort -n <<<"$output" | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 " ]
	done
}

@test "fork tree: every process is seen, each with its own seq (auto, seccomp)" {
	for layer in auto seccomp; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$K2" tree 3
		assert_output "tree ok"
		run -0 jq -r 'select(.layer == "notify") | "\(.pid) \(.seq) \(.family)"' log
		[ "${#lines[@]}" -eq 15 ]
		[ "$(cut -d' ' -f1 <<<"$output" | sort -u | wc -l)" -eq 15 ]
		[ "$(cut -d' ' -f2- <<<"$output" | sort -u)" = "1 AF_INET" ]
	done
}

@test "auto: a dynamic program's calls are logged once, by the preload layer" {
	[ -e "$SHIM" ] || fail "no $SHIM: the preload shim is not built"
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer auto -- "$PY" -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_STREAM)
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
a, b = socket.socketpair()
print("ok")'
	assert_output ok
	run -0 jq -r 'select(.layer and (.exe | startswith("/usr/bin/python3"))) | select(.call == "socket" or .call == "socketpair") |
		"\(.layer) \(.call) \(.family) \(.type)"' log
	assert_output "preload socket AF_INET SOCK_STREAM
preload socket AF_INET6 SOCK_DGRAM
preload socketpair AF_UNIX SOCK_STREAM
preload socketpair AF_UNIX SOCK_STREAM"
}

@test "auto: getent ahostsv4 localhost shows glibc's internal sockets with layer notify" {
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer auto -- getent ahostsv4 localhost
	assert_line --regexp '^127\.0\.0\.1 +STREAM localhost$'
	run -0 jq -r 'select(.comm == "getent" and .event == "socket.__new__") | "\(.layer) \(.call) \(.family) \(.type) \(.protocol)"' log
	assert_line "notify socket AF_NETLINK SOCK_RAW NETLINK_ROUTE"
	assert_line "notify socket AF_UNIX SOCK_STREAM 0"
	# The same calls through strace, our oracle: as many sockets as events.
	strace -f -qq -e trace=socket -o "$T/strace" getent ahostsv4 localhost >/dev/null
	[ "$(grep -c 'socket(' "$T/strace")" -eq "${#lines[@]}" ]
}

@test "the log stays valid JSON Lines with notify events from many processes" {
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$K2" tree 4
	run -0 json_lines log
	assert_output 32	# 31 events and the seal record
}

@test "after an exec, the same thread's calls carry the new exe (with and without exe rules)" {
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$PY" -c '
import os, socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
os.execv(sys.argv[1], [sys.argv[1], "socket", "2", "2", "0"])' "$K2"
	assert_output --regexp '^socket fd [0-9]+$'
	run -0 jq -r 'select(.layer == "notify" and .family == "AF_INET") | "\(.exe) \(.comm)"' log
	assert_output "$(readlink -f "$PY") python3
$K2 k2_calls-static"
	# An exe rule is checked against the exe of the moment, not a cached one.
	cat >"$T/p.json" <<-'EOF2'
	{"version": 1, "default": {"action": "allow"},
	 "rules": [{"id": "k2-no-udp", "exe": "*/k2_calls-static", "type": "SOCK_DGRAM", "action": "deny", "errno": "EACCES"}]}
	EOF2
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log2" --layer seccomp -- "$PY" -c '
import os, socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
os.execv(sys.argv[1], [sys.argv[1], "socket", "2", "2", "0"])' "$K2"
	assert_output "socket errno 13"
}

@test "notify: an exec from another thread than the leader: the new image's calls carry its exe, though its id is the old leader's" {
	# The leader's facts are cached (its socket); a second thread execs,
	# takes over the leader's id, and its new image makes a socket.
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$PY" -c '
import os, socket, sys, threading, time
socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
threading.Thread(target=os.execv, args=(sys.argv[1], [sys.argv[1], "socket", "2", "2", "0"])).start()
time.sleep(60)' "$K2"
	assert_output --regexp '^socket fd [0-9]+$'
	run -0 jq -r 'select(.layer == "notify" and .family == "AF_INET") | "\(.exe) \(.pid == .tid)"' "$T/log"
	assert_output "$(readlink -f "$PY") true
$K2 true"
	# and once more in the same image: the cache holds the new exe now
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log2" --layer seccomp -- "$PY" -c '
import os, socket, sys, threading, time
socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
threading.Thread(target=os.execv, args=(sys.argv[1], [sys.argv[1], "exec", sys.argv[1], "socket", "2", "2", "0"])).start()
time.sleep(60)' "$K2"
	run -0 jq -r 'select(.layer == "notify" and .family == "AF_INET") | .exe' "$T/log2"
	assert_output "$(readlink -f "$PY")
$K2"
}

@test "a denied socketpair: EPERM, and one event (no ends were made), as the shim writes" {
	cat >"$T/p.json" <<-'EOF2'
	{"version": 1, "default": {"action": "allow"},
	 "rules": [{"id": "no-unix-dgram", "family": "AF_UNIX", "type": "SOCK_DGRAM", "action": "deny", "errno": "EPERM"}]}
	EOF2
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- "$K2" pair 1 2 0
	assert_output "socketpair errno 1"
	run -0 jq -r 'select(.layer == "notify") | "\(.call) \(.family) \(.type) \(.result) \(.errno) \(.decision)"' log
	assert_output "socketpair AF_UNIX SOCK_DGRAM -1 EPERM deny"
}

# accept_events LOG: the notify layer's accept events, each as
# "call self result errno decision type flags".
accept_events() {
	jq -r 'select(.layer == "notify" and (.call == "accept" or .call == "accept4")) |
		"\(.call) \(.args[0]) \(.result) \(.errno) \(.decision) \(.type) \(.flags | join("|"))"' "$1"
}

@test "non-blocking accept loop: EAGAIN is no event, the one connection is one accept with its descriptor (seccomp, auto)" {
	run -0 "$K2A" eagain 5
	native=$output
	assert_line "eagain 5"
	assert_line --regexp '^accept fd [0-9]+$'
	fd=$(sed -n 's/^accept fd //p' <<<"$output")
	for layer in seccomp auto; do
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer $layer -- "$K2A" eagain 5
		# The program sees what it sees natively: five EAGAIN, then a
		# close-on-exec, blocking socket that echoes.
		assert_output "$native"
		run -0 accept_events log
		assert_output "accept4 $fd $fd null allow SOCK_STREAM SOCK_CLOEXEC"
	done
}

@test "blocking accept: continued by the kernel, one event with the result unknown (null)" {
	run -0 "$K2A" blocking
	native=$output
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$K2A" blocking
	assert_output "$native"
	run -0 accept_events log
	assert_output "accept null null null allow SOCK_STREAM "
}

@test "accept with a peer address: the caller's buffer and length as the kernel fills them natively" {
	for len in 16 32 4 2 0 nolen addr neg; do
		run -0 "$K2A" peer $len
		native=$output
		rm -f log
		run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$K2A" peer $len
		assert_output "$native"
		run -0 accept_events log
		case $len in
		nolen | addr | neg)
			# EFAULT, EFAULT, EINVAL: no socket, nothing refused.
			assert_output "" ;;
		*)
			fd=$(sed -n 's/^accept fd //p' <<<"$native")
			assert_output "accept4 $fd $fd null allow SOCK_STREAM SOCK_NONBLOCK" ;;
		esac
	done
	# The kernel's truncation: at most *addrlen bytes, the full length back.
	run -0 "$K2A" peer 4
	assert_output "accept fd $(sed -n 's/^accept fd //p' <<<"$output")
len 16 nonblock 1
port client's
02000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
accept errno 11"
}

@test "audit mode: a would-be-denied accept is made and logged even when it fails (EAGAIN), as the shim does" {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "audit", "default": {"action": "allow"},
	 "rules": [{"id": "no-tcp", "family": "AF_INET", "type": "SOCK_STREAM", "action": "deny", "errno": "EACCES"}]}
	EOF
	run -0 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- "$K2A" eagain 2
	assert_line "eagain 2"
	fd=$(sed -n 's/^accept fd //p' <<<"$output")
	run -0 accept_events log
	assert_output "accept4 null -1 EAGAIN would_deny SOCK_STREAM SOCK_CLOEXEC
accept4 null -1 EAGAIN would_deny SOCK_STREAM SOCK_CLOEXEC
accept4 $fd $fd null would_deny SOCK_STREAM SOCK_CLOEXEC"
	# Enforced, the accept is refused before any connection is taken.
	sed -i 's/"audit"/"enforce"/' "$T/p.json"
	run -1 --separate-stderr "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log2" --layer seccomp -- "$K2A" eagain 1
	assert_output --partial "listen failed: errno 13"
}

@test "auto: a dynamic program's accepts are logged by the shim only, its EAGAIN by neither layer" {
	[ -e "$SHIM" ] || fail "no $SHIM: the preload shim is not built"
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer auto -- "$PY" -c '
import select, socket
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen()
l.setblocking(False)
for _ in range(3):
    try:
        l.accept()
    except BlockingIOError:
        pass
c = socket.create_connection(l.getsockname())
select.select([l], [], [], 10)
s, _ = l.accept()
print("fd", s.fileno())'
	assert_output --regexp '^fd [0-9]+$'
	fd=${output#fd }
	run -0 jq -r 'select(.call == "accept" or .call == "accept4") | "\(.layer) \(.args[0]) \(.result)"' log
	assert_output "preload $fd $fd"
}

@test "accept into a full descriptor table fails with EMFILE as natively; the connection taken is lost, as documented" {
	run -0 "$K2A" full
	assert_output "accept errno 24
then a connection"
	run -0 --separate-stderr "$SOCKAUDIT" run -o "$T/log" --layer seccomp -- "$K2A" full
	assert_output "accept errno 24
then EAGAIN"
	# No socket was made, nothing refused: no accept event.
	run -0 accept_events log
	assert_output ""
}

@test "notify: an accepted socket belongs to its caller: the supervisor accepts only for a caller with its own ids" {
	[ "$(id -u)" = 0 ] || require_feature root "the test drops privileges with setpriv"
	# another user: the call continues, so the kernel makes the socket the caller's
	run -0 --separate-stderr "$SOCKAUDIT" run --layer seccomp -o "$T/log" -- \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$FIX/k2_owner-static"
	assert_output "uid $(id -u nobody) gid $(id -g nobody)"
	run -0 jq -c 'select(.call == "accept4") | [.result, .layer]' "$T/log"
	assert_output '[null,"notify"]'
	# the supervisor's own user: made by the supervisor, its result known
	run -0 --separate-stderr "$SOCKAUDIT" run --layer seccomp -o "$T/log2" -- "$FIX/k2_owner-static"
	assert_output "uid $(id -u) gid $(id -g)"
	run -0 jq -c 'select(.call == "accept4") | [.result >= 0, .layer]' "$T/log2"
	assert_output '[true,"notify"]'
}

# with_nofile N CMD...: run CMD with nothing open but 0, 1 and 2 (bats keeps
# a few descriptors of its own open) and at most N descriptors, so that the
# limit means the same wherever the test runs.
with_nofile() {
	"$PY" -c 'import os, resource, sys
n = int(sys.argv[1])
os.closerange(3, 1 << 16)
resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
os.execvp(sys.argv[2], sys.argv[2:])' "$@"
}

@test "notify: a supervisor short of descriptors evicts its cache instead of leaving callers blocked" {
	# 30 threads, each held in the notified call while /proc lookups fail
	# for lack of descriptors: every one is answered and logged with its exe
	run -0 --separate-stderr with_nofile 16 timeout 60 \
		"$SOCKAUDIT" run --layer seccomp -o "$T/log" -- "$K2" threads 30
	assert_output "threads ok"
	run -0 jq -s -c '[.[] | select(.layer)] | [length, ([.[] | .exe | endswith("/k2_calls-static")] | all)]' "$T/log"
	assert_output '[30,true]'
}

@test "notify: a caller /proc cannot tell is still answered: the strictest rule that could apply, exe null, said once" {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "no-inet-here", "exe": "*/k2_calls-static", "family": "AF_INET",
	            "action": "deny", "errno": "EPERM"}]}
	EOF
	# with 10 descriptors the supervisor can open no /proc directory at all
	run -1 --separate-stderr with_nofile 10 timeout 60 \
		"$SOCKAUDIT" run --layer seccomp -p "$T/p.json" -o "$T/log" -- "$K2" threads 3
	assert_output "threads failed"
	run -0 jq -c 'select(.layer) | [.decision, .rule, .errno, .exe]' "$T/log"
	assert_output '["deny","no-inet-here","EPERM",null]
["deny","no-inet-here","EPERM",null]
["deny","no-inet-here","EPERM",null]'
	run -0 grep -c "cannot read /proc/" <<<"$stderr"
	assert_output 1
	# audit mode: the calls go on, logged as what the strictest rule would do
	sed -i 's/"enforce"/"audit"/' "$T/p.json"
	run -0 --separate-stderr with_nofile 10 timeout 60 \
		"$SOCKAUDIT" run --layer seccomp -p "$T/p.json" -o "$T/log2" -- "$K2" threads 3
	assert_output "threads ok"
	run -0 jq -r 'select(.layer) | .decision' "$T/log2"
	assert_output $'would_deny\nwould_deny\nwould_deny'
}

# as_nobody CMD...: CMD as nobody, a supervisor without CAP_SYS_PTRACE.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# nobody_prog: a copy of k2_calls-static that nobody can run, at $T/bin/prog,
# and a log nobody may write.
nobody_prog() {
	[ "$(id -u)" = 0 ] || require_feature root "the test drops privileges with setpriv"
	searchable_by_all "$T"
	mkdir -m 755 "$T/bin"
	cp "$K2" "$T/bin/prog"
	chmod 755 "$T/bin/prog"
	: >"$T/log"
	chmod 666 "$T/log"
}

# prog_run ARG...: $T/bin/prog ARG... under `run --layer seccomp` as nobody,
# with the policy $T/p.json and the log $T/log.
prog_run() {
	chmod 644 "$T/p.json"
	as_nobody "$SOCKAUDIT" run -p "$T/p.json" -o "$T/log" --layer seccomp -- "$T/bin/prog" "$@"
}

@test "notify, not root: a program that makes itself non-dumpable keeps its exe; its rules still apply" {
	nobody_prog
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "prog-no-inet", "exe": "*/prog", "family": "AF_INET",
	            "action": "deny", "errno": "EACCES"}]}
	EOF
	run -1 --separate-stderr prog_run nodump socket 2 1 0
	assert_output "socket errno 13"
	run -0 jq -c 'select(.layer) | [.decision, .rule, .exe, .unknown]' "$T/log"
	assert_output "[\"deny\",\"prog-no-inet\",\"$T/bin/prog\",null]"
}

@test "notify, not root: the socket behind a non-dumpable caller's descriptor is unknown: the strictest rule decides, and the event says so" {
	nobody_prog
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "no-inet-shutdown", "event": "socket.shutdown", "family": "AF_INET",
	            "action": "deny", "errno": "EACCES"}]}
	EOF
	# shutdown of an AF_INET socket: refused although its family was hidden
	run -1 --separate-stderr prog_run nodump tcp
	assert_output "shutdown errno 13"
	run -0 jq -c 'select(.call == "shutdown") | [.decision, .rule, .family, .unknown]' "$T/log"
	assert_output '["deny","no-inet-shutdown",null,["socket"]]'
	# accept4 on an inherited AF_INET listener with a connection queued:
	# prog-no-inet could apply (the family is unknown), so it decides
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "prog-no-inet", "exe": "*/prog", "family": "AF_INET", "type": "SOCK_DGRAM",
	            "action": "deny", "errno": "EPERM"}]}
	EOF
	: >"$T/log"
	run -1 --separate-stderr "$PY" -c 'import os, socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname())
os.set_inheritable(l.fileno(), True)
os.execvp(sys.argv[1], sys.argv[1:] + [str(l.fileno())])' \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$SOCKAUDIT" run -p "$T/p.json" \
		-o "$T/log" --layer seccomp -- "$T/bin/prog" nodump accept
	assert_output "accept errno 1"
	run -0 jq -c 'select(.layer) | [.call, .decision, .rule, .family, .unknown]' "$T/log"
	assert_output '["accept4","deny","prog-no-inet",null,["socket"]]'
}

@test "notify, not root: an exec forgets the kept exe: a non-dumpable new image (unreadable binary) is decided without it" {
	nobody_prog
	# only prog may make AF_INET sockets
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "prog-inet", "exe": "*/prog", "family": "AF_INET", "action": "allow"},
	           {"id": "no-inet", "family": "AF_INET", "action": "deny", "errno": "EACCES"}]}
	EOF
	cp "$K2" "$T/bin/other"
	chmod 711 "$T/bin/other"	# nobody may run it, not read it: exec makes it non-dumpable
	run -1 --separate-stderr prog_run nodump exec "$T/bin/other" socket 2 1 0
	assert_output "socket errno 13"
	run -0 jq -c 'select(.layer) | [.decision, .rule, .exe, .unknown]' "$T/log"
	assert_output '["deny","no-inet",null,["exe"]]'
	# prog itself, non-dumpable, still gets its allow
	: >"$T/log"
	run -0 --separate-stderr prog_run nodump socket 2 1 0
	assert_output --regexp '^socket fd [0-9]+$'
}

# killed_supervisor MODE: k2 gate under `run --layer seccomp --mode MODE`;
# once its first socket is logged, SIGKILL the supervisor, then let the
# program make its second socket.
killed_supervisor() {
	mkfifo "$T/gate"
	"$SOCKAUDIT" run -p "$T/p.json" --mode "$1" --layer seccomp -o "$T/log" -- \
		"$K2" gate "$T/gate" >"$T/out" 2>"$T/err" &
	local run_pid=$!
	wait_for grep -q '"call":"socket"' "$T/log"
	kill -9 "$run_pid"
	wait "$run_pid" || true
	echo go >"$T/gate"
	wait_for lines_are 2 '^socket ' "$T/out"
	wait_for lines_are 2 '"call":"socket"' "$T/log"
}

# lines_are N RE FILE: FILE has N lines matching RE.
lines_are() {
	[ "$(grep -c "$2" "$3")" = "$1" ]
}

@test "notify: SIGKILL to the supervisor: its standby decides and logs the rest of the run (audit, enforce), said on stderr" {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "allow"},
	 "rules": [{"id": "no-udp", "type": "SOCK_DGRAM", "action": "deny", "errno": "EACCES"}]}
	EOF
	# audit: the second socket is made (it was ENOSYS), and logged
	killed_supervisor audit
	run cat "$T/out"
	assert_output --regexp '^socket fd [0-9]+
socket fd [0-9]+$'
	run -0 jq -r 'select(.layer) | "\(.decision) \(.rule) \(.layer)"' "$T/log"
	assert_output "would_deny no-udp notify
would_deny no-udp notify"
	run cat "$T/err"
	assert_output --partial "its standby (pid "
	# enforce: decided by the policy, not ENOSYS
	rm -f "$T/gate" "$T/log"
	sed -i 's/"type": "SOCK_DGRAM"/"type": "SOCK_STREAM"/' "$T/p.json"
	killed_supervisor enforce
	run cat "$T/out"
	assert_output --regexp '^socket fd [0-9]+
socket fd [0-9]+$'
	run -0 jq -r 'select(.layer) | "\(.decision) \(.layer)"' "$T/log"
	assert_output "allow notify
allow notify"
}

@test "notify: run stops waiting for the processes left of the tree: its standby serves them until they end" {
	mkfifo "$T/gate"
	"$SOCKAUDIT" run --layer seccomp -o "$T/log" -- \
		sh -c '"$0" gate "$1" >"$2" & exit 3' "$K2" "$T/gate" "$T/out" 2>"$T/err" &
	local run_pid=$! status=0
	wait_for grep -q '"call":"socket"' "$T/log"
	kill -TERM "$run_pid"
	wait "$run_pid" || status=$?
	[ "$status" = 3 ]
	run cat "$T/err"
	assert_output --partial "the standby supervisor (pid "
	echo go >"$T/gate"
	wait_for lines_are 2 '^socket ' "$T/out"
	run cat "$T/out"
	assert_output --regexp '^socket fd [0-9]+
socket fd [0-9]+$'
	wait_for lines_are 2 '"call":"socket"' "$T/log"
}

@test "the preload and notify layers' lines are in the log in the order their calls were logged (--layer auto)" {
	# preload, then a child's inline syscall (notify), then preload again,
	# three times over
	run -0 "$SOCKAUDIT" run -o "$T/log" -- "$PY" -c '
import socket, subprocess, sys
for i in range(3):
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
    subprocess.run([sys.argv[1], "2", "2", "0"], check=True, stdout=subprocess.DEVNULL)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()' "$ASM"
	run -0 jq -r 'select(.event == "socket.__new__") | select(.family == "AF_UNIX" and .layer == "preload" or .layer == "notify" and .exe == "'"$ASM"'") | .layer' "$T/log"
	assert_output $'preload\nnotify\npreload\nnotify\npreload\nnotify\npreload'
	# and the timestamps agree
	run -0 jq -s '[.[] | select(.event == "socket.__new__") | .ts] | . == sort' "$T/log"
	assert_output true
}
