#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The differential test: the same run is watched by strace and by the preload
# layer at once,
#   strace_calls TRACE sockaudit run --layer preload -o LOG -- PROGRAM
# and every call strace saw must be in LOG with the same process and thread,
# arguments, result and errno, in the same order per thread, and nothing else
# may be (tests/lib/strace_compare.py, shared with daemons.bats, says how).
#
# What the preload layer cannot see (DESIGN.md): sockets glibc opens for
# itself through internal calls, told apart by strace -k's backtrace (their
# caller is libc itself).  The python3 program below makes none (no name
# lookups: IP literals only) and is the clean case: every call must match.
# curl makes two (its getpwuid for ~/.curlrc asks nscd): they must be missing
# from LOG, each one of them, and are named.  Nothing else is excused.
load helper
bats_require_minimum_version 1.5.0

teardown() {
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
}

@test "strace vs preload, python3: every call, its result and errno, and nothing else" {
	# The clean case: no glibc-internal sockets.  Successes and failures
	# (EAGAIN of accept, not an event; EINVAL, ENOTCONN, ENOTSOCK), a thread, a forked child.
	cat >"$T/calls.py" <<'EOF'
import ctypes, os, socket, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(4)
srv.setblocking(False)
try:
    srv.accept()
except BlockingIOError:
    pass
srv.setblocking(True)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
conn.shutdown(socket.SHUT_WR)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    socket.socket(socket.AF_INET, 999)
except OSError:
    pass
t = threading.Thread(target=lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close())
t.start()
t.join()
pid = os.fork()
if pid == 0:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    os._exit(0)
os.waitpid(pid, 0)
with open("/dev/null") as f:
    ctypes.CDLL(None, use_errno=True).shutdown(f.fileno(), socket.SHUT_RD)
print("done")
EOF
	run -0 --separate-stderr strace_calls "$T/trace" \
		"$SOCKAUDIT" run --layer preload -o "$T/log" -- "$PY" "$T/calls.py"
	assert_output "done"
	assert_equal "$stderr" ""
	run -0 strace_compare "$T/trace" "$T/log"
	assert_output "13 calls matched, 0 glibc-internal missing
failed accepts, no event: 1"
	# The comparison really covers failures, threads and the child (the
	# failed accept's EAGAIN made no socket: no event).
	run -0 jq -r '.errno // empty' "$T/log"
	assert_output "EINVAL
ENOTCONN
ENOTSOCK"
	run -0 jq -s '[.[].tid] | unique | length' "$T/log"
	assert_output 3
}

@test "strace vs preload, curl against a local server: nscd's sockets, and nothing else, are missing" {
	skip_curl_under_asan
	mkdir www
	echo "hello" >www/hello.txt
	PORT=$(free_port)
	"$PY" -m http.server --bind 127.0.0.1 --directory "$T/www" "$PORT" >server.log 2>&1 &
	SERVER_PID=$!
	wait_for_port "$PORT"
	run -0 --separate-stderr strace_calls "$T/trace" \
		"$SOCKAUDIT" run --layer preload -o "$T/log" -- curl -s "http://127.0.0.1:$PORT/hello.txt"
	assert_output "hello"
	run -0 strace_compare "$T/trace" "$T/log"
	assert_output --regexp '^4 calls matched, 4 glibc-internal missing
glibc-internal: curl\[[0-9]+\] socket\(AF_UNIX, SOCK_STREAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, 0\) = [0-9]+, nscd
glibc-internal: curl\[[0-9]+\] connect\([0-9]+, \{sa_family=0x1, sun_path="/var/run/nscd/socket"\}, 110\) = -1
glibc-internal: curl\[[0-9]+\] socket\(AF_UNIX, SOCK_STREAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, 0\) = [0-9]+, nscd
glibc-internal: curl\[[0-9]+\] connect\([0-9]+, \{sa_family=0x1, sun_path="/var/run/nscd/socket"\}, 110\) = -1$'
	# curl's one connect, as strace decoded it.
	run -0 jq -c 'select(.event == "socket.connect") | [.args[1], .address, .port, .errno]' "$T/log"
	assert_output "[[\"127.0.0.1\",$PORT],\"127.0.0.1\",$PORT,\"EINPROGRESS\"]"
}

@test "strace vs the default layers, curl: nothing missing, glibc's calls from notify" {
	skip_curl_under_asan
	mkdir www
	echo "hello" >www/hello.txt
	PORT=$(free_port)
	"$PY" -m http.server --bind 127.0.0.1 --directory "$T/www" "$PORT" >server.log 2>&1 &
	SERVER_PID=$!
	wait_for_port "$PORT"
	# sh's pid becomes sockaudit's: its supervisor's own sockets are not
	# curl's.
	run -0 --separate-stderr strace_calls "$T/trace" \
		sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$T/pid" \
		"$SOCKAUDIT" run -o "$T/log" -- curl -s "http://127.0.0.1:$PORT/hello.txt"
	assert_output "hello"
	run -0 strace_compare --auto --exclude "$(cat "$T/pid")" "$T/trace" "$T/log"
	assert_output --regexp '^8 calls matched, 4 glibc-internal from notify
glibc-internal: curl\[[0-9]+\] socket\(AF_UNIX, SOCK_STREAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, 0\) = [0-9]+, nscd
glibc-internal: curl\[[0-9]+\] connect\([0-9]+, \{sa_family=0x1, sun_path="/var/run/nscd/socket"\}, 110\) = -1
glibc-internal: curl\[[0-9]+\] socket\(AF_UNIX, SOCK_STREAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, 0\) = [0-9]+, nscd
glibc-internal: curl\[[0-9]+\] connect\([0-9]+, \{sa_family=0x1, sun_path="/var/run/nscd/socket"\}, 110\) = -1$'
	# Sorted: the supervisor writes an event once it has answered, so its
	# lines and the shim's interleave as the two race.
	run -0 sh -c 'jq -c "select(.layer) | [.call, .layer]" "$1" | sort' _ "$T/log"
	assert_output '["connect","notify"]
["connect","notify"]
["connect","preload"]
["socket","notify"]
["socket","notify"]
["socket","preload"]
["socketpair","preload"]
["socketpair","preload"]'
}

@test "strace vs preload, real clients (wget, node over IPv6, socat UDP): every address as strace decoded it" {
	# wget hangs with libasan preloaded, sockaudit or not, as curl does
	skip_under_asan "wget hangs with libasan preloaded"
	mkdir www
	echo "hello" >www/hello.txt
	PORT=$(free_port)
	"$PY" -m http.server --bind :: --directory "$T/www" "$PORT" >server.log 2>&1 &
	SERVER_PID=$!
	wait_for_port "$PORT"
	run -0 --separate-stderr strace_calls "$T/trace" \
		"$SOCKAUDIT" run --layer preload -o "$T/log" -- wget -q -O - "http://127.0.0.1:$PORT/hello.txt"
	assert_output "hello"
	run -0 strace_compare "$T/trace" "$T/log"
	assert_output "2 calls matched, 0 glibc-internal missing"
	run -0 jq -c 'select(.event == "socket.connect") | .args[1]' "$T/log"
	assert_output "[\"127.0.0.1\",$PORT]"
	run -0 --separate-stderr strace_calls "$T/trace2" \
		"$SOCKAUDIT" run --layer preload -o "$T/log2" -- node -e '
require("http").get("http://[::1]:" + process.argv[1] + "/hello.txt",
    r => r.on("data", d => process.stdout.write(d)))' "$PORT"
	assert_output "hello"
	run -0 strace_compare "$T/trace2" "$T/log2"
	assert_output --regexp '^[1-9][0-9]* calls matched, 0 glibc-internal missing$'
	run -0 jq -c 'select(.event == "socket.connect") | .args[1]' "$T/log2"
	assert_output "[\"::1\",$PORT,0,0]"
	run -0 --separate-stderr strace_calls "$T/trace3" \
		"$SOCKAUDIT" run --layer preload -o "$T/log3" -- socat -u - "UDP-SENDTO:127.0.0.1:$PORT" <<<"datagram"
	run -0 strace_compare "$T/trace3" "$T/log3"
	assert_output --regexp '^[1-9][0-9]* calls matched, 0 glibc-internal missing$'
	run -0 jq -c 'select(.event == "socket.sendto") | [.args[1], .result]' "$T/log3"
	assert_output "[[\"127.0.0.1\",$PORT],9]"
}

@test "strace vs preload, ip addr: its netlink sockets" {
	run -0 --separate-stderr strace_calls "$T/trace" \
		"$SOCKAUDIT" run --layer preload -o "$T/log" -- ip addr show dev lo
	assert_line --partial "inet 127.0.0.1/8"
	run -0 strace_compare "$T/trace" "$T/log"
	# socket, bind and sendmsg to the kernel ([0, 0]), twice
	assert_output "6 calls matched, 0 glibc-internal missing"
	run -0 jq -c 'select(.event == "socket.sendmsg") | .args[1]' "$T/log"
	assert_output "[0,0]
[0,0]"
}

@test "the comparison itself fails on a missing or a changed event" {
	# Guard against a checker that always agrees.
	run -0 --separate-stderr strace_calls "$T/trace" \
		"$SOCKAUDIT" run --layer preload -o "$T/log" -- "$PY" -c 'import socket; socket.socket(); socket.socketpair()'
	run -0 strace_compare "$T/trace" "$T/log"
	assert_output "3 calls matched, 0 glibc-internal missing"
	sed 1d "$T/log" >"$T/short.log"
	run -1 strace_compare "$T/trace" "$T/short.log"
	assert_line --regexp '^python3\[[0-9]+\]: missing from the log: socket\(0x2, 0x1\|0x80000, 0\) = [0-9]+; want '
	sed 's/"result":0/"result":1/' "$T/log" >"$T/changed.log"
	run -1 strace_compare "$T/trace" "$T/changed.log"
	assert_line --regexp '^python3\[[0-9]+\]: differs: socketpair\('
	assert_line "2 differences: 3 calls in the trace, 3 events in the log"
	# the same events out of order are differences too
	sed 1d "$T/log" >"$T/swapped.log"
	head -1 "$T/log" >>"$T/swapped.log"
	run -1 strace_compare "$T/trace" "$T/swapped.log"
	assert_line --regexp ': not seen by strace: socket \[([0-9]+), 2, 524289, 0\] = \1, errno null, pid [0-9]+, layer preload$'
	assert_line --regexp ': missing from the log: socket\(0x2, 0x1\|0x80000, 0\) = '
	assert_line "2 differences: 3 calls in the trace, 3 events in the log"
	# without backtraces it cannot tell glibc's own calls: it refuses
	grep -v '^ > ' "$T/trace" >"$T/trace.nok"
	run -2 strace_compare "$T/trace.nok" "$T/log"
	assert_output "strace_compare: $T/trace.nok has no backtraces: run strace with -k"
}
