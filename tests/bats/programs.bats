#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Real programs under `sockaudit run --layer preload`: in audit mode each
# behaves exactly as without the shim (same stdout, same exit status) and its
# events are right; under policy/examples/no-network.json the network fails
# with the rule's errno while local sockets keep working.  A few tests use the
# default layer (auto) where the preload layer alone cannot see everything.
load helper
bats_require_minimum_version 1.5.0

PYEXE=$(readlink -f /usr/bin/python3)
NO_NET="$ROOT/policy/examples/no-network.json"

teardown() {
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
}

# A local web server on 127.0.0.1:$PORT serving $T/www (hello.txt).
start_server() {
	mkdir -p "$T/www"
	echo "hello from sockaudit" >"$T/www/hello.txt"
	PORT=$(free_port)
	"$PY" -m http.server --bind 127.0.0.1 --directory "$T/www" "$PORT" \
		>"$T/server.log" 2>&1 &
	SERVER_PID=$!
	wait_for_port "$PORT"
}

# sockaudit, or any program, with a deadline: a hang fails the test (status
# 124) instead of blocking the suite.  (curl hangs in setlocale when ASan's
# runtime is preloaded, as it is with a `make ASAN=1` shim.)
deadline() {
	timeout 30 "$@"
}

# Run CMD natively, then under the preload layer in audit mode with its log in
# $T/log: both must exit with WANT and print the same stdout.  Leaves the
# shimmed run's results in $status/$output/$stderr.
same_as_native() {
	local want=$1 native
	shift
	run --separate-stderr deadline "$@"
	assert_equal "$status" "$want"
	native=$output
	rm -f "$T/log"
	run --separate-stderr deadline "$SOCKAUDIT" run --layer preload -o "$T/log" -- "$@"
	assert_equal "$status" "$want"
	assert_equal "$output" "$native"
}

# The events of $T/log, one compact JSON array per line, of the given fields.
events() {
	jq -c "[$1]" "$T/log"
}

# The same for the socket events only (socket.__new__, socket.shutdown).
sockets() {
	jq -c "select(.event == \"socket.__new__\" or .event == \"socket.shutdown\") | [$1]" "$T/log"
}

@test "python3: socket, accept, socketpair, shutdown: same output, exact events" {
	cat >"$T/sock.py" <<'EOF'
import os, socket, sys
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
conn.sendall(b"ping")
print(cli.recv(4).decode())
a, b = socket.socketpair()
a.sendall(b"pair")
print(b.recv(4).decode())
conn.shutdown(socket.SHUT_RDWR)
with open(sys.argv[1], "w") as f:
    print(os.getpid(), srv.fileno(), cli.fileno(), conn.fileno(), a.fileno(), b.fileno(), file=f)
EOF
	same_as_native 0 "$PY" "$T/sock.py" "$T/fds"
	assert_output "ping
pair"
	assert_equal "$stderr" ""
	read -r pid srv cli conn a b <"$T/fds"
	run -0 json_lines "$T/log"
	assert_output 9
	# where the sockets went: the listener's bind, the client's lookup of
	# the numeric address (socket.create_connection) and its connect
	port=$(jq -r 'select(.event == "socket.connect") | .port' "$T/log")
	run -0 jq -c 'select(.event | test("socket.(bind|connect|getaddrinfo)")) | [.event, .args, .result]' "$T/log"
	assert_output "[\"socket.bind\",[$srv,[\"127.0.0.1\",0]],0]
[\"socket.getaddrinfo\",[\"127.0.0.1\",\"$port\",0,1,0],0]
[\"socket.connect\",[$cli,[\"127.0.0.1\",$port]],0]"
	run -0 sockets '.event, .call, .args, .family, .type, .flags, .protocol, .how, .result, .errno, .decision, .rule, .mode'
	assert_output "[\"socket.__new__\",\"socket\",[$srv,2,524289,0],\"AF_INET\",\"SOCK_STREAM\",[\"SOCK_CLOEXEC\"],\"IPPROTO_TCP\",null,$srv,null,\"allow\",null,\"audit\"]
[\"socket.__new__\",\"socket\",[$cli,2,524289,6],\"AF_INET\",\"SOCK_STREAM\",[\"SOCK_CLOEXEC\"],\"IPPROTO_TCP\",null,$cli,null,\"allow\",null,\"audit\"]
[\"socket.__new__\",\"accept4\",[$conn,2,524289,6],\"AF_INET\",\"SOCK_STREAM\",[\"SOCK_CLOEXEC\"],\"IPPROTO_TCP\",null,$conn,null,\"allow\",null,\"audit\"]
[\"socket.__new__\",\"socketpair\",[$a,1,524289,0],\"AF_UNIX\",\"SOCK_STREAM\",[\"SOCK_CLOEXEC\"],\"0\",null,0,null,\"allow\",null,\"audit\"]
[\"socket.__new__\",\"socketpair\",[$b,1,524289,0],\"AF_UNIX\",\"SOCK_STREAM\",[\"SOCK_CLOEXEC\"],\"0\",null,0,null,\"allow\",null,\"audit\"]
[\"socket.shutdown\",\"shutdown\",[$conn,2],\"AF_INET\",\"SOCK_STREAM\",[],\"IPPROTO_TCP\",\"SHUT_RDWR\",0,null,\"allow\",null,\"audit\"]"
	# One process: seq from 1 without a gap, its own pid, exe and comm.
	run -0 events '.seq, .pid, .tid, .exe, .comm, .layer, .v'
	assert_output "$(for i in 1 2 3 4 5 6 7 8 9; do echo "[$i,$pid,$pid,\"$PYEXE\",\"python3\",\"preload\",1]"; done)"
	# RFC 3339 UTC with nanoseconds.
	run -0 jq -r '.ts' "$T/log"
	for ts in "${lines[@]}"; do
		[[ "$ts" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]]
	done
}

ASYNC_ECHO='
import asyncio

async def handle(reader, writer):
    writer.write(await reader.read(100))
    await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"echo over asyncio")
    await writer.drain()
    print((await reader.read(100)).decode())
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()

asyncio.run(main())
'

@test "python3 asyncio: self-pipe socketpair and a TCP echo: same output, exact events" {
	same_as_native 0 "$PY" -c "$ASYNC_ECHO"
	assert_output "echo over asyncio"
	run -0 json_lines "$T/log"
	# The listener's accept loop ends on EAGAIN, as many times as the loop
	# happened to try: those events are failures, never new sockets.
	run -0 jq -c 'select(.errno == "EAGAIN") | [.call, .args[0], .result, .decision]' "$T/log"
	for l in "${lines[@]}"; do assert_equal "$l" '["accept4",null,-1,"allow"]'; done
	run -0 jq -c 'select(.errno != "EAGAIN" and .event == "socket.__new__") | [.call, .family, .type, .flags, .protocol, .errno, .result >= 0, .call == "socketpair" or .args[0] == .result]' "$T/log"
	assert_output '["socketpair","AF_UNIX","SOCK_STREAM",["SOCK_CLOEXEC"],"0",null,true,true]
["socketpair","AF_UNIX","SOCK_STREAM",["SOCK_CLOEXEC"],"0",null,true,true]
["socket","AF_INET","SOCK_STREAM",["SOCK_CLOEXEC"],"IPPROTO_TCP",null,true,true]
["socket","AF_INET","SOCK_STREAM",["SOCK_CLOEXEC"],"IPPROTO_TCP",null,true,true]
["accept4","AF_INET","SOCK_STREAM",["SOCK_CLOEXEC"],"IPPROTO_TCP",null,true,true]'
	# the server's bind and the client's non-blocking connect to it
	run -0 jq -c 'select(.event == "socket.bind" or .event == "socket.connect") | [.call, .address, .errno]' "$T/log"
	assert_output '["bind","127.0.0.1",null]
["connect","127.0.0.1","EINPROGRESS"]'
	# The two ends of the self-pipe are two different descriptors.
	run -0 jq -s -c '[.[] | select(.call == "socketpair") | .args[0]] | unique | length' "$T/log"
	assert_output 2
}

@test "curl against a local http.server: same output, exact events" {
	skip_curl_under_asan
	start_server
	same_as_native 0 curl -s "http://127.0.0.1:$PORT/hello.txt"
	assert_output "hello from sockaudit"
	assert_equal "$stderr" ""
	run -0 json_lines "$T/log"
	# curl's wakeup socketpair and its TCP socket.  Its two nscd attempts
	# (getpwuid for ~/.curlrc) are glibc-internal: the preload layer does
	# not see them (DESIGN.md), strace.bats accounts for them.
	run -0 events '.call, .family, .type, .flags, .protocol, .errno, .decision, .exe, .comm'
	assert_output '["socketpair","AF_UNIX","SOCK_STREAM",[],"0",null,"allow","/usr/bin/curl","curl"]
["socketpair","AF_UNIX","SOCK_STREAM",[],"0",null,"allow","/usr/bin/curl","curl"]
["socket","AF_INET","SOCK_STREAM",[],"IPPROTO_TCP",null,"allow","/usr/bin/curl","curl"]
["connect","AF_INET","SOCK_STREAM",[],"IPPROTO_TCP","EINPROGRESS","allow","/usr/bin/curl","curl"]'
	run -0 jq -c 'select(.call == "connect") | [.args, .address, .port]' "$T/log"
	assert_output "[[$(jq 'select(.call == "socket") | .result' "$T/log"),[\"127.0.0.1\",$PORT]],\"127.0.0.1\",$PORT]"
	run -0 jq -c 'select(.call == "socket") | [.args[1:], .args[0] == .result, .result > 2]' "$T/log"
	assert_output '[[2,1,6],true,true]'
}

@test "ip addr: netlink sockets with NETLINK_ROUTE" {
	same_as_native 0 ip addr show dev lo
	assert_line --partial "inet 127.0.0.1/8"
	run -0 events '.call, .args[1:], .family, .type, .flags, .protocol, .errno, .exe, .comm'
	# each socket bound to the kernel's netlink address, then a request to it
	assert_output '["socket",[16,524291,0],"AF_NETLINK","SOCK_RAW",["SOCK_CLOEXEC"],"NETLINK_ROUTE",null,"/usr/bin/ip","ip"]
["bind",[[0,0]],"AF_NETLINK","SOCK_RAW",[],"NETLINK_ROUTE",null,"/usr/bin/ip","ip"]
["socket",[16,524291,0],"AF_NETLINK","SOCK_RAW",["SOCK_CLOEXEC"],"NETLINK_ROUTE",null,"/usr/bin/ip","ip"]
["bind",[[0,0]],"AF_NETLINK","SOCK_RAW",[],"NETLINK_ROUTE",null,"/usr/bin/ip","ip"]
["sendmsg",[[0,0]],"AF_NETLINK","SOCK_RAW",[],"NETLINK_ROUTE",null,"/usr/bin/ip","ip"]
["sendmsg",[[0,0]],"AF_NETLINK","SOCK_RAW",[],"NETLINK_ROUTE",null,"/usr/bin/ip","ip"]'
}

@test "ss -t: a netlink socket with NETLINK_SOCK_DIAG" {
	# A filter no socket matches keeps the output the same in both runs
	# on a machine where other connections come and go.
	same_as_native 0 ss -tln 'sport = :1'
	assert_output --regexp '^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port *Process$'
	run -0 events '.call, .args[1:], .family, .type, .flags, .protocol, .errno, .exe, .comm'
	assert_output '["socket",[16,524291,4],"AF_NETLINK","SOCK_RAW",["SOCK_CLOEXEC"],"NETLINK_SOCK_DIAG",null,"/usr/bin/ss","ss"]
["bind",[[0,0]],"AF_NETLINK","SOCK_RAW",[],"NETLINK_SOCK_DIAG",null,"/usr/bin/ss","ss"]
["sendmsg",[[0,0]],"AF_NETLINK","SOCK_RAW",[],"NETLINK_SOCK_DIAG",null,"/usr/bin/ss","ss"]
["sendmsg",[[0,0]],"AF_NETLINK","SOCK_RAW",[],"NETLINK_SOCK_DIAG",null,"/usr/bin/ss","ss"]'
}

@test "getent ahostsv4 localhost: glibc-internal sockets, invisible to the preload layer" {
	same_as_native 0 getent ahostsv4 localhost
	assert_line --index 0 --regexp '^127\.0\.0\.1 +STREAM localhost$'
	assert_line --index 1 --regexp '^127\.0\.0\.1 +DGRAM *$'
	assert_line --index 2 --regexp '^127\.0\.0\.1 +RAW *$'
	# Its netlink socket (__check_pf) and nscd attempts are internal glibc
	# calls that bypass the PLT: the preload layer sees the lookup itself,
	# and no socket.
	run -0 jq -c '[.event, .args, .addresses]' "$T/log"
	assert_output '["socket.getaddrinfo",["localhost",null,2,0,0],["127.0.0.1"]]'
	# The default layers see all three, through the notify supervisor.
	run -0 --separate-stderr deadline "$SOCKAUDIT" run -o "$T/auto.log" -- getent ahostsv4 localhost
	assert_line --index 0 --regexp '^127\.0\.0\.1 +STREAM localhost$'
	run -0 jq -c 'select(.event == "socket.__new__") | [.call, .family, .type, .flags, .protocol, .layer, .exe]' "$T/auto.log"
	assert_output '["socket","AF_NETLINK","SOCK_RAW",["SOCK_CLOEXEC"],"NETLINK_ROUTE","notify","/usr/bin/getent"]
["socket","AF_UNIX","SOCK_STREAM",["SOCK_NONBLOCK","SOCK_CLOEXEC"],"0","notify","/usr/bin/getent"]
["socket","AF_UNIX","SOCK_STREAM",["SOCK_NONBLOCK","SOCK_CLOEXEC"],"0","notify","/usr/bin/getent"]'
}

@test "no-network.json: curl fails with exit 7 and a deny event naming curl with EACCES" {
	skip_curl_under_asan
	start_server
	run -0 curl -s "http://127.0.0.1:$PORT/hello.txt"
	run -7 --separate-stderr deadline "$SOCKAUDIT" run --layer preload -p "$NO_NET" -o "$T/log" -- \
		curl -sS "http://127.0.0.1:$PORT/hello.txt"
	assert_output ""
	assert_equal "$stderr" "curl: (7) Failed to connect to 127.0.0.1 port $PORT after 0 ms: Couldn't connect to server
sockaudit run: 1 call denied by the policy; see $T/log"
	run -0 jq -c 'select(.decision == "deny") | [.call, .args, .family, .protocol, .result, .errno, .rule, .mode, .exe, .comm, .layer]' "$T/log"
	assert_output '["socket",[null,2,1,6],"AF_INET","IPPROTO_TCP",-1,"EACCES",null,"enforce","/usr/bin/curl","curl","preload"]'
	# Its local socketpair was allowed by the "unix" rule.
	run -0 jq -c 'select(.decision != "deny") | [.call, .family, .decision, .rule]' "$T/log"
	assert_output '["socketpair","AF_UNIX","allow","unix"]
["socketpair","AF_UNIX","allow","unix"]'
}

@test "no-network.json: the asyncio loop starts (AF_UNIX allowed), TCP fails with EACCES" {
	cat >"$T/deny.py" <<'EOF'
import asyncio, errno, socket

async def main():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as e:
        print("socket:", errno.errorcode[e.errno])
    try:
        await asyncio.open_connection("127.0.0.1", 9)
    except OSError as e:
        print("open_connection:", errno.errorcode[e.errno])
    print("loop ran")

asyncio.run(main())
EOF
	run -0 --separate-stderr deadline "$SOCKAUDIT" run --layer preload -p "$NO_NET" -o "$T/log" -- "$PY" "$T/deny.py"
	assert_output "socket: EACCES
open_connection: EACCES
loop ran"
	run -0 events '.call, .family, .type, .decision, .rule, .result, .errno'
	assert_output '["socketpair","AF_UNIX","SOCK_STREAM","allow","unix",0,null]
["socketpair","AF_UNIX","SOCK_STREAM","allow","unix",0,null]
["socket","AF_INET","SOCK_STREAM","deny",null,-1,"EACCES"]
["socket","AF_INET","SOCK_STREAM","deny",null,-1,"EACCES"]'
}

@test "no-network.json in audit mode: nothing denied, would_deny logged" {
	skip_curl_under_asan
	start_server
	same_as_native 0 curl -s "http://127.0.0.1:$PORT/hello.txt"
	run -0 --separate-stderr deadline "$SOCKAUDIT" run --layer preload -p "$NO_NET" --mode audit -o "$T/audit.log" -- \
		curl -s "http://127.0.0.1:$PORT/hello.txt"
	assert_output "hello from sockaudit"
	run -0 jq -c 'select(.family == "AF_INET") | [.event, .decision, .rule, .errno, .mode, .result >= 0]' "$T/audit.log"
	# the connect is no socket.__new__: no-network.json's default does not decide it
	assert_output '["socket.__new__","would_deny",null,null,"audit",true]
["socket.connect","allow",null,"EINPROGRESS","audit",false]'
}

@test "exec chain: sh runs python3 runs curl; each process logs under its own exe and pid" {
	skip_curl_under_asan
	start_server
	cat >"$T/chain.py" <<'EOF'
import os, socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.close()
print("python", os.getpid(), flush=True)
r = subprocess.run(["curl", "-s", sys.argv[1]], stdout=subprocess.PIPE)
print("curl", r.returncode, r.stdout.decode().strip())
EOF
	printf '#!/bin/sh\necho "sh $$"\n/usr/bin/python3 "$@"\n' >"$T/chain.sh"
	chmod 755 "$T/chain.sh"
	local native shpid pypid
	run -0 --separate-stderr "$T/chain.sh" "$T/chain.py" "http://127.0.0.1:$PORT/hello.txt"
	native=$(sed 's/ [0-9]*$/ PID/' <<<"$output")
	run -0 --separate-stderr deadline "$SOCKAUDIT" run --layer preload -o "$T/log" -- \
		"$T/chain.sh" "$T/chain.py" "http://127.0.0.1:$PORT/hello.txt"
	# The same output but for the pids.
	assert_equal "$(sed 's/ [0-9]*$/ PID/' <<<"$output")" "$native"
	assert_line --index 2 "curl 0 hello from sockaudit"
	shpid=$(sed -n 's/^sh //p' <<<"$output")
	pypid=$(sed -n 's/^python //p' <<<"$output")
	run -0 json_lines "$T/log"
	# sh made no socket; python3, the child of sh, logs its own...
	run -0 jq -c 'select(.exe != "/usr/bin/curl") | [.exe, .comm, .pid == '"$pypid"', .ppid == '"$shpid"', .call, .family, .seq]' "$T/log"
	assert_output "[\"$PYEXE\",\"python3\",true,true,\"socket\",\"AF_INET\",1]"
	# ...and curl, the child of python3, with its own pid and seq from 1.
	run -0 jq -c 'select(.exe == "/usr/bin/curl") | [.comm, .pid != '"$pypid"', .ppid == '"$pypid"', .call, .family]' "$T/log"
	assert_output '["curl",true,true,"socketpair","AF_UNIX"]
["curl",true,true,"socketpair","AF_UNIX"]
["curl",true,true,"socket","AF_INET"]
["curl",true,true,"connect","AF_INET"]'
	run -0 jq -s -c 'map(select(.exe == "/usr/bin/curl") | .seq)' "$T/log"
	assert_output '[1,2,3,4]'
}
