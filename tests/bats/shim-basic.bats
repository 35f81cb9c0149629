#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# libsockaudit.so on its own (LD_PRELOAD, no launcher): what it exports, the
# events it writes, and each policy decision, with small fixture programs.
bats_require_minimum_version 1.5.0
load helper
load shim-helper

DENY_INET6='{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-inet6", "family": "AF_INET6", "action": "deny", "errno": "EHOSTUNREACH"}]}'

@test "shim: exports exactly the interposed functions, imports no cJSON" {
	run -0 nm -D --defined-only "$SHIM"
	run -0 bash -c "nm -D --defined-only '$SHIM' | awk '{print \$3}' | sort | tr '\n' ' '"
	assert_output "accept accept4 bind close close_range closefrom connect dup2 dup3 getaddrinfo sendmmsg sendmsg sendto shutdown socket socketpair syscall vfork "
	# ... which are the rows of the one table of intercepted calls, syscall()
	# that routes their numbers, vfork() that tells a vfork child apart, and
	# the calls that end a descriptor (the facts kept for it are forgotten)
	want=$( (sed -n 's/^CALL([A-Z0-9_]*, *\([a-z0-9_]*\),.*/\1/p' "$ROOT/calls/calls.def"
		printf '%s\n' syscall vfork close dup2 dup3 close_range closefrom) |
		sort | tr '\n' ' ')
	assert_equal "$output" "$want"
	run -1 bash -c "nm -D --undefined-only '$SHIM' | grep -E 'cJSON|seccomp'"
	run -0 readelf -d "$SHIM"
	refute_output --partial cjson
	refute_output --partial seccomp
}

@test "shim: socket, accept, accept4, shutdown and socketpair events" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_calls"
	assert_output --regexp '^listen=[0-9]+ c1=[0-9]+ c2=[0-9]+ a1=[0-9]+ a2=[0-9]+ sv0=[0-9]+ sv1=[0-9]+$'
	eval "${output// /;}"
	run -0 json_lines "$T/log"
	assert_output 11
	port=$(jq -r 'select(.event == "socket.connect") | .port' "$T/log" | head -1)
	run -0 jq -c '[.seq, .call, .event, .args, .family, .type, .flags, .protocol, .result, .errno, .decision, .mode, .layer]' "$T/log"
	assert_line -n 0 "[1,\"socket\",\"socket.__new__\",[$listen,2,524289,0],\"AF_INET\",\"SOCK_STREAM\",[\"SOCK_CLOEXEC\"],\"IPPROTO_TCP\",$listen,null,\"allow\",\"audit\",\"preload\"]"
	# the socket's facts as the kernel has them: SOCK_CLOEXEC is the descriptor's
	assert_line -n 1 "[2,\"bind\",\"socket.bind\",[$listen,[\"127.0.0.1\",0]],\"AF_INET\",\"SOCK_STREAM\",[],\"IPPROTO_TCP\",0,null,\"allow\",\"audit\",\"preload\"]"
	assert_line -n 2 "[3,\"socket\",\"socket.__new__\",[$c1,2,1,6],\"AF_INET\",\"SOCK_STREAM\",[],\"IPPROTO_TCP\",$c1,null,\"allow\",\"audit\",\"preload\"]"
	assert_line -n 3 "[4,\"connect\",\"socket.connect\",[$c1,[\"127.0.0.1\",$port]],\"AF_INET\",\"SOCK_STREAM\",[],\"IPPROTO_TCP\",0,null,\"allow\",\"audit\",\"preload\"]"
	assert_line -n 4 "[5,\"socket\",\"socket.__new__\",[$c2,2,1,0],\"AF_INET\",\"SOCK_STREAM\",[],\"IPPROTO_TCP\",$c2,null,\"allow\",\"audit\",\"preload\"]"
	assert_line -n 5 "[6,\"connect\",\"socket.connect\",[$c2,[\"127.0.0.1\",$port]],\"AF_INET\",\"SOCK_STREAM\",[],\"IPPROTO_TCP\",0,null,\"allow\",\"audit\",\"preload\"]"
	assert_line -n 6 "[7,\"accept\",\"socket.__new__\",[$a1,2,1,6],\"AF_INET\",\"SOCK_STREAM\",[],\"IPPROTO_TCP\",$a1,null,\"allow\",\"audit\",\"preload\"]"
	assert_line -n 7 "[8,\"accept4\",\"socket.__new__\",[$a2,2,526337,6],\"AF_INET\",\"SOCK_STREAM\",[\"SOCK_NONBLOCK\",\"SOCK_CLOEXEC\"],\"IPPROTO_TCP\",$a2,null,\"allow\",\"audit\",\"preload\"]"
	assert_line -n 8 "[9,\"shutdown\",\"socket.shutdown\",[$a1,1],\"AF_INET\",\"SOCK_STREAM\",[],\"IPPROTO_TCP\",0,null,\"allow\",\"audit\",\"preload\"]"
	assert_line -n 9 "[10,\"socketpair\",\"socket.__new__\",[$sv0,1,2,0],\"AF_UNIX\",\"SOCK_DGRAM\",[],\"0\",0,null,\"allow\",\"audit\",\"preload\"]"
	assert_line -n 10 "[11,\"socketpair\",\"socket.__new__\",[$sv1,1,2,0],\"AF_UNIX\",\"SOCK_DGRAM\",[],\"0\",0,null,\"allow\",\"audit\",\"preload\"]"
	# the bind's port 0 (the kernel picks), the connects' the listener's
	run -0 jq -c 'select(.event == "socket.bind" or .event == "socket.connect") | [.address, .port]' "$T/log"
	assert_output "[\"127.0.0.1\",0]
[\"127.0.0.1\",$port]
[\"127.0.0.1\",$port]"
	# s_calls passes no buffer for the peer: null, no system call to learn it
	run -0 jq -c 'select(.call == "accept" or .call == "accept4") | .peer' "$T/log"
	assert_output 'null
null'
	# who: this process, with its own exe and comm
	run -0 jq -r '"\(.exe) \(.comm) \(.pid == .tid) \(.rule) \(.v)"' "$T/log"
	assert_line -n 0 "$FIX/s_calls s_calls true null 1"
}

@test "shim: the log goes to stderr by default, the program's own output is untouched" {
	run -0 --separate-stderr under_shim "$FIX/s_sock" 2 2 0
	assert_output --regexp "^fd [0-9]+\$"
	[ "${#stderr_lines[@]}" -eq 2 ]
	echo "${stderr_lines[0]}" | jq -e '.call == "socket" and .family == "AF_INET" and .protocol == "IPPROTO_UDP"'
	echo "${stderr_lines[1]}" | jq -e '.event == "socket.shutdown" and .how == "SHUT_RDWR" and .errno == "ENOTCONN"'
}

@test "shim: with the stderr log, a socket the program dup2s onto stderr gets none of our bytes" {
	run -0 --separate-stderr under_shim "$PY" -c '
import os, socket
a, b = socket.socketpair()
os.dup2(a.fileno(), 2)
socket.socket().close()
b.setblocking(False)
try:
    print("received", b.recv(4096))
except BlockingIOError:
    print("nothing received")'
	assert_output "nothing received"
	# the socketpair, logged while stderr was still the original
	[ "${#stderr_lines[@]}" -eq 2 ]
	echo "${stderr_lines[0]}" | jq -e '.call == "socketpair" and .family == "AF_UNIX"'
}

@test "shim: the log file is created 0600 and appended to" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_sock" 1 1 0
	run -0 under_shim "$FIX/s_sock" 1 1 0
	run -0 stat -c %a "$T/log"
	assert_output 600
	run -0 json_lines "$T/log"
	assert_output 4
}

@test "shim: enforce denies with the rule's exact errno, without reaching the kernel" {
	export SOCKAUDIT_POLICY=$(policy_file p.json <<<"$DENY_INET6") SOCKAUDIT_LOG="$T/log"
	run -1 under_shim "$FIX/s_sock" 10 1 0
	assert_output "errno EHOSTUNREACH"
	run -0 jq -c '[.args, .result, .errno, .decision, .rule, .mode]' "$T/log"
	assert_output '[[null,10,1,0],-1,"EHOSTUNREACH","deny","no-inet6","enforce"]'
	# strace as the oracle: no socket(AF_INET6) system call was made
	run -1 under_shim strace -f -e trace=socket -o "$T/strace" "$FIX/s_sock" 10 1 0
	run -0 cat "$T/strace"
	refute_output --partial AF_INET6
	# other families are allowed
	run -0 under_shim "$FIX/s_sock" 2 1 0
	assert_output --regexp "^fd [0-9]+\$"
}

@test "shim: audit mode (SOCKAUDIT_MODE) never denies and logs would_deny" {
	export SOCKAUDIT_POLICY=$(policy_file p.json <<<"$DENY_INET6") SOCKAUDIT_LOG="$T/log"
	SOCKAUDIT_MODE=audit run -0 under_shim "$FIX/s_sock" 10 1 0
	assert_output --regexp "^fd [0-9]+\$"
	fd=${output#fd }
	run -0 jq -c 'select(.call == "socket") | [.args, .result, .errno, .decision, .rule, .mode]' "$T/log"
	assert_output "[[$fd,10,1,0],$fd,null,\"would_deny\",\"no-inet6\",\"audit\"]"
}

@test "shim: the policy's own audit mode is overridden by SOCKAUDIT_MODE=enforce" {
	export SOCKAUDIT_POLICY=$(policy_file p.json <<<"${DENY_INET6/\"enforce\"/\"audit\"}") SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_sock" 10 1 0
	SOCKAUDIT_MODE=enforce run -1 under_shim "$FIX/s_sock" 10 1 0
	assert_output "errno EHOSTUNREACH"
	run -0 jq -r 'select(.call == "socket") | .decision' "$T/log"
	assert_output $'would_deny\ndeny'
}

@test "shim: kill logs a kill event and ends the process with SIGSYS" {
	export SOCKAUDIT_POLICY=$(policy_file p.json <<'JSON'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "kill-inet6", "family": "AF_INET6", "action": "kill"}]}
JSON
) SOCKAUDIT_LOG="$T/log"
	run -159 bash -c 'ulimit -c 0; exec env LD_PRELOAD="$0" "$1" 10 1 0' "$SHIM_PRELOAD" "$FIX/s_sock"
	assert_output ""
	run -0 jq -c '[.call, .args, .result, .errno, .decision, .rule]' "$T/log"
	assert_output '["socket",[null,10,1,0],null,null,"kill","kill-inet6"]'
}

@test "shim: log:false writes nothing and still decides" {
	export SOCKAUDIT_POLICY=$(policy_file p.json <<'JSON'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "quiet-udp", "family": "AF_INET", "type": "SOCK_DGRAM", "action": "allow", "log": false},
           {"id": "quiet-shutdown", "event": "socket.shutdown", "action": "allow", "log": false},
           {"id": "quiet-deny", "family": "AF_INET6", "action": "deny", "errno": "EPERM", "log": false}]}
JSON
) SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_sock" 2 2 0
	assert_output --regexp "^fd [0-9]+\$"
	run -1 under_shim "$FIX/s_sock" 10 2 0
	assert_output "errno EPERM"
	run -0 stat -c %s "$T/log"
	assert_output 0
	run -0 under_shim "$FIX/s_sock" 2 1 0
	run -0 jq -r '.call' "$T/log"
	assert_output socket
}

@test "shim: a malformed policy fails closed with one message on stderr" {
	printf '{"version": 1,\n "rules": [\n' >"$T/bad.json"
	export SOCKAUDIT_POLICY="$T/bad.json" SOCKAUDIT_LOG="$T/log"
	run -1 --separate-stderr under_shim "$FIX/s_sock" 1 1 0
	assert_output "errno EACCES"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "${stderr_lines[0]}" == "sockaudit: $T/bad.json:"*"error"*"; every socket call is denied (fail closed)" ]]
	run -0 jq -c '[.call, .result, .errno, .decision, .rule, .mode]' "$T/log"
	assert_line -n 0 '["socket",-1,"EACCES","deny",null,"enforce"]'
	# audit mode: allowed, logged as what a fail-closed policy would deny
	SOCKAUDIT_MODE=audit run -0 --separate-stderr under_shim "$FIX/s_sock" 1 1 0
	assert_output --regexp "^fd [0-9]+\$"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "${stderr_lines[0]}" == *"; audit mode: every call is allowed and logged as would_deny" ]]
	run -0 jq -r 'select(.call == "socket") | .decision' "$T/log"
	assert_output $'deny\nwould_deny'
}

@test "shim: a policy with an unknown name names the line, column and fails closed" {
	export SOCKAUDIT_POLICY=$(policy_file bad.json <<'JSON'
{"version": 1, "mode": "audit",
 "rules": [{"id": "x", "family": "AF_INTE", "action": "deny"}]}
JSON
)
	run -1 --separate-stderr under_shim "$FIX/s_sock" 2 1 0
	assert_output "errno EACCES"
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ "${stderr_lines[0]}" == "sockaudit: $T/bad.json:2:"*"AF_INTE"* ]]
	echo "${stderr_lines[1]}" | jq -e '.decision == "deny" and .rule == null'
}

@test "shim: a policy file that cannot be read fails closed" {
	export SOCKAUDIT_POLICY="$T/missing.json"
	run -1 --separate-stderr under_shim "$FIX/s_sock" 2 1 0
	assert_output "errno EACCES"
	assert_equal "${stderr_lines[0]}" "sockaudit: cannot read policy $T/missing.json: No such file or directory; every socket call is denied (fail closed)"
}

@test "shim: an invalid SOCKAUDIT_MODE is reported and fails closed" {
	SOCKAUDIT_MODE=enforcing run -1 --separate-stderr under_shim "$FIX/s_sock" 2 1 0
	assert_output "errno EACCES"
	assert_equal "${stderr_lines[0]}" "sockaudit: SOCKAUDIT_MODE='enforcing': expected 'audit' or 'enforce'; every socket call is denied (fail closed)"
	echo "${stderr_lines[1]}" | jq -e '.decision == "deny" and .rule == null and .mode == "enforce"'
}

@test "shim: an unwritable log leaves the program unaffected" {
	SOCKAUDIT_LOG="$T/no/such/dir/log" run -0 --separate-stderr under_shim "$FIX/s_errno"
	assert_output "errno preserved"
	assert_equal "${stderr_lines[*]}" "sockaudit: cannot open log $T/no/such/dir/log: No such file or directory; events are lost until it can be opened"
	SOCKAUDIT_LOG="$T" run -0 under_shim "$FIX/s_sock" 2 1 0
	assert_line --regexp "^fd [0-9]+\$"
	SOCKAUDIT_LOG=relative.log run -0 --separate-stderr under_shim "$FIX/s_sock" 2 1 0
	assert_output --regexp "^fd [0-9]+\$"
	assert_equal "${stderr_lines[*]}" "sockaudit: SOCKAUDIT_LOG='relative.log' is not an absolute path, 'stderr', 'syslog[:/SOCKET]' or 'journal[:/SOCKET]'; events are not logged"
	[ ! -e relative.log ]
}

@test "shim: errno is preserved on success and the kernel's errno kept on failure" {
	SOCKAUDIT_LOG="$T/log" run -0 under_shim "$FIX/s_errno"
	assert_output "errno preserved"
	run -0 jq -c 'select(.result == -1) | [.call, .errno]' "$T/log"
	assert_output '["socket","EAFNOSUPPORT"]
["socket","EINVAL"]
["shutdown","ENOTSOCK"]
["shutdown","EBADF"]
["socketpair","EOPNOTSUPP"]'
	# a failed accept made no socket: no socket.__new__ (as CPython)
	run -0 jq -c 'select(.call == "accept" or .call == "accept4")' "$T/log"
	assert_output ''
}

@test "shim: a failed accept is an event only when the policy refused it" {
	# a non-blocking accept loop's EAGAIN: no socket, no event
	cat >"$T/accept.py" <<-'EOF'
	import socket
	s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); s.setblocking(False)
	try:
	    s.accept()
	except BlockingIOError:
	    print("EAGAIN")
	EOF
	SOCKAUDIT_LOG="$T/log" run -0 under_shim python3 "$T/accept.py"
	assert_output "EAGAIN"
	run -0 jq -c 'select(.call | startswith("accept"))' "$T/log"
	assert_output ''
	# the same refused (audit mode): the refusal is the event
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "audit", "default": {"action": "allow"},
	 "rules": [{"id": "no-inet", "family": "AF_INET", "action": "deny"}]}
	EOF
	SOCKAUDIT_POLICY="$T/p.json" SOCKAUDIT_LOG="$T/log2" run -0 under_shim python3 "$T/accept.py"
	assert_output "EAGAIN"
	run -0 jq -c 'select(.call | startswith("accept")) | [.args[0], .family, .result, .errno, .decision, .rule]' "$T/log2"
	assert_output '[null,"AF_INET",-1,"EAGAIN","would_deny","no-inet"]'
}

@test "shim: syscall(SYS_socket...) is audited, other numbers pass through" {
	SOCKAUDIT_LOG="$T/log" run -0 under_shim "$FIX/s_syscall"
	assert_output --regexp '^socket [0-9]+ pair [0-9]+ [0-9]+$'
	read -r _ fd _ p0 p1 <<<"$output"
	run -0 jq -c '[.call, .args, .result, .errno]' "$T/log"
	assert_output "[\"socket\",[$fd,2,2,0],$fd,null]
[\"shutdown\",[$fd,2],-1,\"ENOTCONN\"]
[\"socketpair\",[$p0,1,1,0],0,null]
[\"socketpair\",[$p1,1,1,0],0,null]
[\"socket\",[null,4242,1,0],-1,\"EAFNOSUPPORT\"]"
}

@test "shim: a host program's own cJSON_* and shim-named functions do not mix with the shim's" {
	export SOCKAUDIT_POLICY=$(policy_file p.json <<'JSON'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-udp", "family": "AF_INET", "type": "SOCK_DGRAM", "action": "deny", "errno": "EPERM"}]}
JSON
) SOCKAUDIT_LOG="$T/log"
	run -0 "$FIX/s_host"
	assert_output $'host ok\ninet fd\nunix fd'
	run -0 under_shim "$FIX/s_host"
	assert_output $'host ok\ninet errno EPERM\nunix fd'
	run -0 jq -c '[.family, .decision, .rule]' "$T/log"
	assert_output $'["AF_INET","deny","no-udp"]\n["AF_UNIX","allow",null]'
}

@test "shim: socket() in another library's constructor, before the shim's, is decided and logged" {
	export SOCKAUDIT_POLICY=$(policy_file p.json <<'JSON'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-udp", "family": "AF_INET", "type": "SOCK_DGRAM", "action": "deny", "errno": "EPERM"}]}
JSON
) SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_ctor"
	assert_output "ctor errno EPERM"
	run -0 jq -c '[.seq, .call, .decision, .rule, .exe]' "$T/log"
	assert_output "[1,\"socket\",\"deny\",\"no-udp\",\"$FIX/s_ctor\"]"
	unset SOCKAUDIT_POLICY
	run -0 under_shim "$FIX/s_ctor"
	assert_output --regexp "^ctor fd [0-9]+\$"
}

@test "shim: marker mode (SOCKAUDIT_MARKER) makes the same calls and events" {
	# the marker is bound to the log's identity, st_dev:st_ino in hex
	: >"$T/log"
	export SOCKAUDIT_LOG="$T/log" SOCKAUDIT_MARKER="5a5a5a5a:$(stat -c '%d %i' "$T/log" | xargs printf '%x:%x')"
	run -0 under_shim "$FIX/s_calls"
	assert_output --regexp '^listen=[0-9]+ c1=[0-9]+ c2=[0-9]+ a1=[0-9]+ a2=[0-9]+ sv0=[0-9]+ sv1=[0-9]+$'
	eval "${output// /;}"
	run -0 jq -r '"\(.call) \(.result)"' "$T/log"
	assert_output "$(printf 'socket %s\nbind 0\nsocket %s\nconnect 0\nsocket %s\nconnect 0\n' "$listen" "$c1" "$c2"; printf 'accept %s\naccept4 %s\nshutdown 0\nsocketpair 0\nsocketpair 0' "$a1" "$a2")"
	# the system calls strace sees are the program's, one each (one socketpair)
	run -0 under_shim strace -f -e trace=socket,accept,accept4,shutdown,socketpair,bind,connect -o "$T/strace" "$FIX/s_calls"
	run -0 grep -cE '^[0-9]+ +(socket|accept|accept4|shutdown|socketpair|bind|connect)\(' "$T/strace"
	assert_output 10
}
