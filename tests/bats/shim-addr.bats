#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The address events in the preload layer: socket.connect, socket.bind,
# socket.sendto, socket.sendmsg and socket.getaddrinfo, with CPython's audit
# hook as the oracle for what each event holds, and the kernel's own
# answers for the addresses it refuses.  (strace.bats compares the same
# events with strace's decoded sockaddrs.)
load helper
load shim-helper
bats_require_minimum_version 1.5.0

teardown() {
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
}

# The program both the hook and the shim watch: every address form CPython
# gives its audit hook, with IP literals (CPython resolves a name inside
# connect without a socket.getaddrinfo event) and full IPv6 four-tuples (the
# hook sees the tuple as passed; the kernel, and the log, always four items).
hooked_program() {
	cat >"$T/hooked.py" <<'EOF'
import json, socket, sys
seen = []
def conv(a):
    if isinstance(a, bytes):
        return a.decode("latin-1") if a[:1] == b"\0" else a.decode()
    return list(a) if isinstance(a, tuple) else a
def hook(event, args):
    if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
        if args[1] is not None:          # a send without an address is no event
            seen.append([event, args[0].fileno(), conv(args[1])])
    elif event == "socket.getaddrinfo":
        seen.append([event, args[0], None if args[1] is None else str(args[1])] + list(args[2:]))
sys.addaudithook(hook)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
cli = socket.socket()
cli.connect(("127.0.0.1", srv.getsockname()[1]))
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u6.bind(("::1", 0, 0, 0))
u6.sendto(b"x", ("::1", u6.getsockname()[1], 7, 0))
u6.sendmsg([b"y"], [], 0, ("::1", u6.getsockname()[1], 0, 0))
u6.connect(("::1", u6.getsockname()[1], 0, 0))
u6.sendmsg([b"z"])                      # no address: an audit event, no log event
ab = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
ab.bind(b"\0sockaudit-hook")
ab.sendto(b"w", b"\0sockaudit-hook")
socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM)
json.dump(seen, open(sys.argv[1], "w"))
EOF
}

@test "shim-addr: CPython's audit hook and the log agree on every address event" {
	hooked_program
	SOCKAUDIT_LOG="$T/log" run -0 under_shim "$PY" "$T/hooked.py" "$T/hook.json"
	run -0 "$PY" - "$T/hook.json" "$T/log" <<'EOF'
import json, sys
hook = json.load(open(sys.argv[1]))
log = [json.loads(l) for l in open(sys.argv[2])]
addr = [[e["event"], e["args"][0], e["args"][1]] for e in log
        if e["event"] in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg")]
want = [h for h in hook if h[0] != "socket.getaddrinfo"]
assert addr == want, "log %s\nhook %s" % (addr, want)
# Each of CPython's lookups is one of the log's, in order (CPython's own
# numeric lookups inside connect and bind are C calls the hook never sees).
gai = [[e["event"]] + e["args"] for e in log if e["event"] == "socket.getaddrinfo"]
hooked = [h for h in hook if h[0] == "socket.getaddrinfo"]
it = iter(gai)
assert all(h in it for h in hooked), "log %s\nhook %s" % (gai, hooked)
print(len(want), len(hooked))
EOF
	assert_output "8 1"
	# The decoded keys beside args, for rules and reports.
	run -0 jq -c 'select(.event == "socket.sendto") | [.family, .type, .address, .port, .result]' "$T/log"
	assert_output '["AF_INET6","SOCK_DGRAM","::1",'"$(jq -r 'select(.event == "socket.sendto" and .family == "AF_INET6") | .port' "$T/log")"',1]
["AF_UNIX","SOCK_DGRAM","@sockaudit-hook",null,1]'
	run -0 jq -c 'select(.event == "socket.getaddrinfo" and .host == "localhost") | [.port, .addresses, .result, .gai_error]' "$T/log"
	assert_output '[80,["127.0.0.1"],0,null]'
}

@test "shim-addr: addresses the kernel refuses are logged as malformed, and the kernel answers" {
	run -0 "$FIX/s_addr" odd
	native=$output
	SOCKAUDIT_LOG="$T/log" run -0 under_shim "$FIX/s_addr" odd
	assert_equal "$output" "$native"
	run -0 jq -c 'select(.event == "socket.connect" or .event == "socket.sendto" or .event == "socket.sendmsg") | [.call, .args[1], .malformed, .errno, .decision]' "$T/log"
	assert_output '["connect",null,"none","EFAULT","allow"]
["connect",null,"short","EINVAL","allow"]
["connect",null,"fault","EFAULT","allow"]
["connect",null,"long","EINVAL","allow"]
["connect",[5,"deadbeef0102"],null,"EINVAL","allow"]
["sendto",null,"fault","EFAULT","allow"]
["sendmsg",null,"fault","EFAULT","allow"]
["sendmsg",null,"long","EINVAL","allow"]'
	# msg_namelen 0 names no address, as the kernel reads it: no event
	[[ "$native" == *"sendmsg-zero -1 EDESTADDRREQ"* ]]
}

@test "shim-addr: a policy that refuses every connect does not decide malformed ones" {
	pol=$(policy_file p.json <<'EOF'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-connect", "event": "socket.connect", "action": "deny", "errno": "ENETUNREACH"}]}
EOF
)
	SOCKAUDIT_POLICY="$pol" SOCKAUDIT_LOG="$T/log" run -0 under_shim "$FIX/s_addr" odd
	# the kernel's errors for what it refuses; the policy's for the one it takes
	assert_line "connect-null -1 EFAULT"
	assert_line "connect-long -1 EINVAL"
	assert_line "connect-other -1 ENETUNREACH"
	run -0 jq -c 'select(.event == "socket.connect") | [.decision, .rule]' "$T/log"
	assert_output '["allow",null]
["allow",null]
["allow",null]
["allow",null]
["deny","no-connect"]'
}

@test "shim-addr: abstract names, autobind and paths are lossless in args, and readable in address" {
	T="$T" SOCKAUDIT_LOG="$T/log" run -0 under_shim "$FIX/s_addr" unix
	assert_output "bind-abstract 0 -
bind-autobind 0 -
bind-path 0 -
sendto-abstract 2 -"
	# The bytes: an abstract name holding 0xff and a NUL; a path holding 0xe9.
	run -0 grep -c '"args":\[[0-9]*,"\\u0000sa\\u00ff\\u0000x"\],' "$T/log"
	assert_output 2
	run -0 grep -c '"address":"@sa\\u00ff\\u0000x"' "$T/log"
	assert_output 2
	# the byte 0xe9 is logged as \u00e9, which jq prints as "é"
	run -0 grep -c '"address":"'"$T"'/s\\u00e9.sock"' "$T/log"
	assert_output 1
	run -0 jq -c 'select(.event == "socket.bind") | [.args[1], .address]' "$T/log"
	assert_line '["",""]'
	assert_line "[\"$T/sé.sock\",\"$T/sé.sock\"]"
}

@test "shim-addr: sendmmsg logs each message that names an address; msg_namelen is cut as the kernel cuts it" {
	# a listener that stays for the program
	"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(60)' "$T/port" &
	SERVER_PID=$!
	wait_for test -s "$T/port"
	port=$(cat "$T/port")
	SOCKAUDIT_LOG="$T/log" run -0 under_shim "$FIX/s_addr" mmsg "$port"
	assert_output "connect 0 -
sendmmsg 3 -"
	SOCKAUDIT_LOG="$T/log" run -0 under_shim "$FIX/s_addr" long "$port"
	assert_output "sendmsg-long 1 -"
	run -0 jq -c 'select(.event == "socket.sendmsg") | [.call, .args[1], .result]' "$T/log"
	# a sendmmsg message's result is its msg_len: the bytes it sent
	assert_output "[\"sendmmsg\",[\"127.0.0.1\",$port],1]
[\"sendmmsg\",[\"127.0.0.1\",$port],1]
[\"sendmsg\",[\"127.0.0.1\",$port],1]"
}

@test "shim-addr: a refused connect never reaches the listener; audit mode lets it through" {
	PORT=$(free_port)
	"$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
s.settimeout(20)
try:
    while True:
        c, _ = s.accept()
        open(sys.argv[2], "a").write("accepted\n")
        c.close()
except OSError:
    pass' "$PORT" "$T/accepted" &
	SERVER_PID=$!
	wait_for_listen "$PORT"
	pol=$(policy_file p.json <<'EOF'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-connect", "event": "socket.connect", "action": "deny", "errno": "ECONNREFUSED"}]}
EOF
)
	connect='import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10).close()
    print("connected")
except OSError as e:
    print(e.errno == 111 and "ECONNREFUSED" or e)'
	SOCKAUDIT_POLICY="$pol" SOCKAUDIT_LOG="$T/log" run -0 under_shim "$PY" -c "$connect" "$PORT"
	assert_output "ECONNREFUSED"
	run -0 jq -c 'select(.event == "socket.connect") | [.address, .port, .decision, .rule, .errno]' "$T/log"
	assert_output "[\"127.0.0.1\",$PORT,\"deny\",\"no-connect\",\"ECONNREFUSED\"]"
	[ ! -e "$T/accepted" ]
	SOCKAUDIT_POLICY="$pol" SOCKAUDIT_MODE=audit SOCKAUDIT_LOG="$T/log2" run -0 under_shim "$PY" -c "$connect" "$PORT"
	assert_output "connected"
	wait_for test -s "$T/accepted"
	run -0 jq -c 'select(.event == "socket.connect") | [.decision, .rule, .errno]' "$T/log2"
	assert_output '["would_deny","no-connect","EINPROGRESS"]'
}

@test "shim-addr: a refused lookup fails at once with EAI_FAIL, and asks no resolver" {
	pol=$(policy_file p.json <<'EOF'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-dns", "event": "socket.getaddrinfo", "action": "deny"}]}
EOF
)
	SOCKAUDIT_POLICY="$pol" SOCKAUDIT_LOG="$T/log" run -0 --separate-stderr \
		strace -f -qq -e trace=socket,connect,sendto -o "$T/trace" \
		env LD_PRELOAD="$SHIM_PRELOAD" "$PY" -c '
import socket
try:
    socket.getaddrinfo("localhost", 80)
except socket.gaierror as e:
    print(e.errno == socket.EAI_FAIL and "EAI_FAIL" or e)'
	assert_output "EAI_FAIL"
	# no socket was made for the lookup: nscd, a resolver, nothing
	run -1 grep -E 'socket\(|connect\(' "$T/trace"
	run -0 jq -c 'select(.event == "socket.getaddrinfo") | [.args, .result, .gai_error, .decision, .addresses]' "$T/log"
	assert_output '[["localhost","80",0,0,0],-4,"EAI_FAIL","deny",[]]'
}

@test "shim-addr: accept's peer when the caller passed a buffer, null when not" {
	run -0 --separate-stderr env SOCKAUDIT_LOG="$T/log" LD_PRELOAD="$SHIM_PRELOAD" "$PY" -c '
import ctypes, socket
libc = ctypes.CDLL(None, use_errno=True)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
a = socket.create_connection(srv.getsockname())
conn, peer = srv.accept()                   # CPython passes a buffer
b = socket.create_connection(srv.getsockname())
fd = libc.accept(srv.fileno(), None, None)   # no buffer
print(peer[1], b.getsockname()[1], fd > 0)'
	read -r pa pb ok <<<"$output"
	assert_equal "$ok" True
	run -0 jq -c 'select(.call == "accept" or .call == "accept4") | .peer' "$T/log"
	assert_output "[\"127.0.0.1\",$pa]
null"
}

@test "shim-addr: errno survives every address call, and only the events' calls are made" {
	SOCKAUDIT_LOG="$T/log" run -0 under_shim "$PY" -c '
import ctypes, socket
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ctypes.set_errno(0)
libc.bind(s.fileno(), None, 0)
print(ctypes.get_errno() == 22 and "EINVAL" or ctypes.get_errno())'
	assert_output "EINVAL"
}

@test "shim-addr: the facts kept per descriptor follow the socket, not the number (close and reuse, dup2)" {
	SOCKAUDIT_LOG="$T/log" run -0 under_shim "$PY" -c '
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fd = a.fileno()
libc.shutdown(fd, socket.SHUT_RD)      # read and kept
libc.shutdown(fd, socket.SHUT_RD)      # kept
a.close()
b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
assert b.fileno() == fd
libc.shutdown(fd, socket.SHUT_RD)      # the number again, another socket
c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
os.dup2(c.fileno(), fd)                # another socket under the number, unseen
libc.shutdown(fd, socket.SHUT_RD)
f = open("/dev/null")
os.dup2(f.fileno(), fd)                # no socket at all
libc.shutdown(fd, socket.SHUT_RD)
print(fd)'
	fd=$output
	run -0 jq -c "select(.event == \"socket.shutdown\") | [.args[0], .family, .type, .protocol, .errno]" "$T/log"
	assert_output "[$fd,\"AF_INET\",\"SOCK_DGRAM\",\"IPPROTO_UDP\",\"ENOTCONN\"]
[$fd,\"AF_INET\",\"SOCK_DGRAM\",\"IPPROTO_UDP\",\"ENOTCONN\"]
[$fd,\"AF_UNIX\",\"SOCK_DGRAM\",\"0\",null]
[$fd,\"AF_INET6\",\"SOCK_STREAM\",\"IPPROTO_TCP\",\"ENOTCONN\"]
[$fd,null,null,null,\"ENOTSOCK\"]"
}

@test "shim-addr: a socket the shim saw made needs no getsockopt later; close through syscall(), close_range and closefrom are seen" {
	SOCKAUDIT_LOG="$T/log" run -0 strace -f -qq -e trace=getsockopt -o "$T/trace" \
		env LD_PRELOAD="$SHIM_PRELOAD" "$PY" -c '
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def made(family, kind):
    return libc.socket(family, kind, 0)
a = made(socket.AF_INET, socket.SOCK_DGRAM)
libc.shutdown(a, socket.SHUT_RD)        # facts from the making
libc.syscall(3, a)                      # SYS_close, through syscall()
b = made(socket.AF_UNIX, socket.SOCK_DGRAM)
assert b == a
libc.shutdown(b, socket.SHUT_RD)
libc.close_range(b, b, 0)
c = os.open("/dev/null", os.O_RDONLY)   # the number again, no socket
assert c == a
libc.shutdown(c, socket.SHUT_RD)
os.close(c)
d = made(socket.AF_INET6, socket.SOCK_STREAM)
assert d == a
libc.shutdown(d, socket.SHUT_RD)
libc.closefrom(d)
e = os.open("/dev/null", os.O_RDONLY)
assert e == a
libc.shutdown(e, socket.SHUT_RD)
print(a)'
	fd=$output
	run -0 jq -c "select(.event == \"socket.shutdown\") | [.args[0], .family, .type, .protocol, .errno]" "$T/log"
	assert_output "[$fd,\"AF_INET\",\"SOCK_DGRAM\",\"IPPROTO_UDP\",\"ENOTCONN\"]
[$fd,\"AF_UNIX\",\"SOCK_DGRAM\",\"0\",null]
[$fd,null,null,null,\"ENOTSOCK\"]
[$fd,\"AF_INET6\",\"SOCK_STREAM\",\"IPPROTO_TCP\",\"ENOTCONN\"]
[$fd,null,null,null,\"ENOTSOCK\"]"
	[ -f "$T/trace" ]
	run -1 grep getsockopt "$T/trace"
}

@test "shim-addr: a thread that rewrites the address after the check cannot reach a refused port (the kernel gets the checked copy)" {
	a=$(free_port)
	b=$(free_port)
	while [ "$b" = "$a" ]; do b=$(free_port); done
	# natively the flipping thread lands connects on both ports (a loaded
	# machine may not run it alongside: a few tries)
	for try in 1 2 3 4 5; do
		run -0 "$FIX/s_flip" "$a" "$b" 3000
		[[ "$output" =~ ^a=([0-9]+)\ b=([0-9]+)\ refused=0$ ]]
		[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] && break
	done
	[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ]
	pol=$(policy_file p.json <<EOF2
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "a-only", "event": "socket.connect", "port": $a, "action": "allow", "log": false},
           {"id": "no-other", "event": "socket.connect", "action": "deny", "errno": "ECONNREFUSED", "log": false}]}
EOF2
)
	# with the shim, never B; the race ran when some connects were refused
	for try in 1 2 3 4 5; do
		SOCKAUDIT_POLICY="$pol" SOCKAUDIT_LOG=/dev/null run -0 under_shim "$FIX/s_flip" "$a" "$b" 3000
		[[ "$output" =~ ^a=([0-9]+)\ b=0\ refused=([0-9]+)$ ]]
		[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] && break
	done
	[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ]
}

@test "shim-addr: a bind to AF_UNSPEC with INADDR_ANY is the 0.0.0.0 bind the kernel makes of it, port rules included" {
	port=$(free_port)
	prog='import ctypes, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket()
sa = struct.pack("!HH4s8x", 0, int(sys.argv[1]), bytes(4))   # sa_family 0 (AF_UNSPEC), little-endian 0 either way
r = libc.bind(s.fileno(), sa, len(sa))
print(r, r and ctypes.get_errno(), s.getsockname())'
	run -0 "$PY" -c "$prog" "$port"
	assert_output "0 0 ('0.0.0.0', $port)"
	pol=$(policy_file p.json <<EOF2
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-bind", "event": "socket.bind", "port": $port, "action": "deny", "errno": "EADDRINUSE"}]}
EOF2
)
	SOCKAUDIT_POLICY="$pol" SOCKAUDIT_LOG="$T/log" run -0 under_shim "$PY" -c "$prog" "$port"
	assert_output "-1 98 ('0.0.0.0', 0)"
	run -0 jq -c 'select(.event == "socket.bind") | [.args[1][0], .address, .port, .decision]' "$T/log"
	assert_output "[0,\"0.0.0.0\",$port,\"deny\"]"
}

@test "shim-addr: host globs, CIDR blocks, ports and abstract names decide in the preload layer, with the rules' errnos" {
	pol=$(policy_file p.json <<'EOF2'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-example", "event": "socket.getaddrinfo", "host": "*.EXAMPLE", "action": "deny"},
           {"id": "no-127-2", "event": "socket.connect", "address": "127.0.0.2/32", "action": "deny", "errno": "ENETUNREACH"},
           {"id": "no-v6-9", "event": ["socket.connect", "socket.sendto"], "address": "::/0", "port": "9-10", "action": "deny", "errno": "EHOSTUNREACH"},
           {"id": "no-abstract", "event": "socket.bind", "address": "@sockaudit-*", "action": "deny", "errno": "EADDRINUSE"}]}
EOF2
)
	SOCKAUDIT_POLICY="$pol" SOCKAUDIT_LOG="$T/log" run -0 under_shim "$PY" -c '
import errno, socket
def err(f):
    try:
        f()
        return "ok"
    except socket.gaierror as e:
        return "EAI_FAIL" if e.errno == socket.EAI_FAIL else str(e)
    except OSError as e:
        return errno.errorcode[e.errno]
print(err(lambda: socket.getaddrinfo("localhost", None)))
print(err(lambda: socket.getaddrinfo("www.example", None)))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print(err(lambda: u.connect(("127.0.0.1", 9))))
print(err(lambda: u.connect(("127.0.0.2", 9))))
v = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
print(err(lambda: v.sendto(b"x", ("::1", 10, 0, 0))))
print(err(lambda: v.sendto(b"x", ("::1", 11, 0, 0))))
a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(err(lambda: a.bind(b"\0sockaudit-x")))
print(err(lambda: a.bind(b"\0other")))'
	assert_output "ok
EAI_FAIL
ok
ENETUNREACH
EHOSTUNREACH
ok
EADDRINUSE
ok"
	run -0 jq -r 'select(.decision == "deny") | .rule' "$T/log"
	assert_output "no-example
no-127-2
no-v6-9
no-abstract"
}

@test "shim-addr: a refused sendmmsg sends nothing, and logs each message that names an address, as the supervisor does" {
	port=$(free_port)
	pol=$(policy_file p.json <<EOF2
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-port", "event": "socket.sendmsg", "port": $port, "action": "deny", "errno": "EPERM"}]}
EOF2
)
	SOCKAUDIT_POLICY="$pol" SOCKAUDIT_LOG="$T/log" run -0 under_shim "$FIX/s_addr" mmsg "$port"
	assert_output "connect 0 -
sendmmsg -1 EPERM"
	run -0 jq -c 'select(.event == "socket.sendmsg") | [.call, .port == '"$port"', .decision, .rule, .result, .errno]' "$T/log"
	assert_output '["sendmmsg",true,"deny","no-port",-1,"EPERM"]
["sendmmsg",true,"deny","no-port",-1,"EPERM"]'
}
