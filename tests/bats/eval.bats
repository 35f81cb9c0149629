#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sockaudit eval, one call: the decision line for the shipped examples and
# for the subtle parts of matching, exit statuses, usage errors.
load helper
bats_require_minimum_version 1.5.0

ev() {
	"$SOCKAUDIT" eval "$@"
}

@test "eval no-network: local sockets pass, network sockets fail with EACCES" {
	run -0 --separate-stderr ev "$EXAMPLES/no-network.json" socket AF_INET SOCK_STREAM
	assert_output "deny errno=EACCES rule=(default) log=true"
	run -0 ev "$EXAMPLES/no-network.json" socket AF_INET6 'SOCK_DGRAM|SOCK_CLOEXEC'
	assert_output "deny errno=EACCES rule=(default) log=true"
	run -0 ev "$EXAMPLES/no-network.json" socket AF_UNIX 'SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK'
	assert_output "allow rule=unix log=true"
	run -0 ev "$EXAMPLES/no-network.json" socket AF_NETLINK SOCK_RAW NETLINK_ROUTE
	assert_output "allow rule=netlink log=true"
	run -0 ev "$EXAMPLES/no-network.json" shutdown SHUT_RDWR
	assert_output "allow rule=shutdown log=true"
	run -0 ev "$EXAMPLES/no-network.json" socket AF_PACKET SOCK_RAW
	assert_output "deny errno=EACCES rule=(default) log=true"
}

@test "eval no-raw: AF_PACKET and SOCK_RAW in any family are denied with EPERM" {
	run -0 ev "$EXAMPLES/no-raw.json" socket AF_PACKET SOCK_DGRAM
	assert_output "deny errno=EPERM rule=no-packet log=true"
	run -0 ev "$EXAMPLES/no-raw.json" socket AF_INET 'SOCK_RAW|SOCK_CLOEXEC' IPPROTO_ICMP
	assert_output "deny errno=EPERM rule=no-raw log=true"
	run -0 ev "$EXAMPLES/no-raw.json" socket AF_INET6 SOCK_RAW IPPROTO_ICMPV6
	assert_output "deny errno=EPERM rule=no-raw log=true"
	run -0 ev "$EXAMPLES/no-raw.json" socket AF_INET SOCK_STREAM
	assert_output "allow rule=(default) log=true"
}

@test "eval rare-families: EAFNOSUPPORT for the CVE-prone families, others untouched" {
	for fam in AF_ALG AF_RDS AF_KEY AF_TIPC AF_X25 AF_AX25 AF_NETROM AF_ROSE AF_APPLETALK \
		AF_IPX AF_LLC AF_ATMPVC AF_ATMSVC AF_PHONET AF_CAIF AF_KCM AF_SMC AF_MCTP; do
		run -0 ev "$EXAMPLES/rare-families.json" socket "$fam" SOCK_SEQPACKET
		assert_output "deny errno=EAFNOSUPPORT rule=rare-families log=true"
	done
	for fam in AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET AF_VSOCK AF_BLUETOOTH AF_CAN; do
		run -0 ev "$EXAMPLES/rare-families.json" socket "$fam" SOCK_DGRAM
		assert_output "allow rule=(default) log=true"
	done
}

@test "eval audit-all and --mode: audit names a denial would_deny" {
	run -0 ev "$EXAMPLES/audit-all.json" socket AF_PACKET SOCK_RAW
	assert_output "allow rule=(default) log=true"
	run -0 ev --mode audit "$EXAMPLES/no-network.json" socket AF_INET SOCK_STREAM
	assert_output "would_deny errno=EACCES rule=(default) log=true"
	run -0 ev --mode enforce "$EXAMPLES/no-network.json" socket AF_INET SOCK_STREAM
	assert_output "deny errno=EACCES rule=(default) log=true"
}

@test "eval: protocol 0 cannot sidestep a protocol rule, names are scoped to families" {
	cat > p.json <<'JSON'
{"version": 1, "rules": [
  {"id": "tcp", "protocol": "IPPROTO_TCP", "action": "deny", "errno": "ECONNREFUSED"},
  {"id": "six", "protocol": 6, "action": "kill", "log": false}
]}
JSON
	run -0 ev p.json socket AF_INET SOCK_STREAM
	assert_output "deny errno=ECONNREFUSED rule=tcp log=true"
	run -0 ev p.json socket AF_INET6 SOCK_STREAM 0
	assert_output "deny errno=ECONNREFUSED rule=tcp log=true"
	run -0 ev p.json socket AF_NETLINK SOCK_RAW 6
	assert_output "kill rule=six log=false"
	run -0 ev p.json socket 2 1 6
	assert_output "deny errno=ECONNREFUSED rule=tcp log=true"
	run -0 ev p.json socket AF_INET SOCK_DGRAM
	assert_output "allow rule=(default) log=true"
}

@test "eval: shutdown with and without the socket's kind, unnamed rules" {
	cat > s.json <<'JSON'
{"version": 1, "default": {"action": "allow", "log": false}, "rules": [
  {"event": "socket.shutdown", "family": "AF_INET", "action": "deny", "errno": "EPERM"},
  {"event": "socket.shutdown", "how": "SHUT_WR", "action": "deny"}
]}
JSON
	run -0 ev s.json shutdown SHUT_RD AF_INET SOCK_STREAM 0
	assert_output "deny errno=EPERM rule=rules[0] log=true"
	run -0 ev s.json shutdown SHUT_RD
	assert_output "allow rule=(default) log=false"
	run -0 ev s.json shutdown 1
	assert_output "deny errno=EACCES rule=rules[1] log=true"
	run -0 ev s.json socket AF_INET SOCK_STREAM
	assert_output "allow rule=(default) log=false"
}

@test "eval --exe: globs on the executable path, '*' crosses '/'" {
	cat > e.json <<'JSON'
{"version": 1, "rules": [
  {"id": "curl", "exe": ["*/curl", "/opt/*/bin/tool-[0-9]"], "family": "AF_INET", "action": "deny"}
]}
JSON
	run -0 ev --exe /usr/bin/curl e.json socket AF_INET SOCK_STREAM
	assert_output "deny errno=EACCES rule=curl log=true"
	run -0 ev --exe /opt/a/b/bin/tool-7 e.json socket AF_INET SOCK_STREAM
	assert_output "deny errno=EACCES rule=curl log=true"
	run -0 ev --exe /usr/bin/wget e.json socket AF_INET SOCK_STREAM
	assert_output "allow rule=(default) log=true"
	run -0 ev e.json socket AF_INET SOCK_STREAM
	assert_output "allow rule=(default) log=true"
}

@test "eval: an invalid policy exits 2 with its diagnostics" {
	echo '{"version": 1, "rules": [{"family": "AF_INTE", "action": "deny"}]}' > bad.json
	run -2 --separate-stderr ev bad.json socket AF_INET SOCK_STREAM
	assert_output ""
	assert_equal "$stderr" "bad.json:1:37: error: unknown family 'AF_INTE'; did you mean 'AF_INET'?
    1 | {\"version\": 1, \"rules\": [{\"family\": \"AF_INTE\", \"action\": \"deny\"}]}
      |                                     ^
sockaudit eval: bad.json: invalid policy (1 error)"
	run -2 --separate-stderr ev missing.json socket AF_INET SOCK_STREAM
	assert_equal "$stderr" "sockaudit eval: cannot open missing.json: No such file or directory"
}

@test "eval: - reads the policy from standard input" {
	run -0 bash -c '"$0" eval - socket AF_INET SOCK_STREAM < "$1"' "$SOCKAUDIT" "$EXAMPLES/no-network.json"
	assert_output "deny errno=EACCES rule=(default) log=true"
}

@test "eval: unknown names are usage errors with a suggestion" {
	run -2 --separate-stderr ev "$EXAMPLES/no-raw.json" socket AF_INTE SOCK_STREAM
	assert_output ""
	assert_equal "$stderr" "sockaudit eval: unknown family 'AF_INTE'; did you mean 'AF_INET'?
Try 'sockaudit eval --help'."
	run -2 --separate-stderr ev "$EXAMPLES/no-raw.json" socket AF_INET 'SOCK_STREAM|SOCK_CLOEXC'
	assert_equal "${stderr_lines[0]}" "sockaudit eval: unknown type 'SOCK_CLOEXC'; did you mean 'SOCK_CLOEXEC'?"
	run -2 --separate-stderr ev "$EXAMPLES/no-raw.json" socket AF_INET SOCK_RAW ICMPV6
	assert_equal "${stderr_lines[0]}" "sockaudit eval: unknown protocol 'ICMPV6'; did you mean 'IPPROTO_ICMPV6'?"
	run -2 --separate-stderr ev "$EXAMPLES/no-raw.json" shutdown SHUT_RW
	assert_equal "${stderr_lines[0]}" "sockaudit eval: unknown how 'SHUT_RW'; did you mean 'SHUT_RD'?"
}

@test "eval: wrong argument counts and options exit 2" {
	run -2 --separate-stderr ev
	assert_equal "${stderr_lines[0]}" "sockaudit eval: no policy given"
	run -2 --separate-stderr ev "$EXAMPLES/no-raw.json"
	assert_equal "${stderr_lines[0]}" "sockaudit eval: give a call (socket ..., shutdown ...) or logs after the policy"
	run -2 --separate-stderr ev "$EXAMPLES/no-raw.json" socket AF_INET
	assert_equal "${stderr_lines[0]}" "sockaudit eval: socket takes FAMILY TYPE [PROTOCOL]"
	run -2 --separate-stderr ev "$EXAMPLES/no-raw.json" shutdown SHUT_RD AF_INET
	assert_equal "${stderr_lines[0]}" "sockaudit eval: shutdown takes HOW [FAMILY TYPE PROTOCOL]"
	run -2 --separate-stderr ev --mode enforcing "$EXAMPLES/no-raw.json" socket AF_INET SOCK_RAW
	assert_equal "${stderr_lines[0]}" "sockaudit eval: --mode must be 'audit' or 'enforce', not 'enforcing'"
	run -2 --separate-stderr ev --exe curl "$EXAMPLES/no-raw.json" socket AF_INET SOCK_RAW
	assert_equal "${stderr_lines[0]}" "sockaudit eval: --exe must be an absolute path, not 'curl'"
	run -2 --separate-stderr ev --bogus "$EXAMPLES/no-raw.json" socket AF_INET SOCK_RAW
	assert_equal "${stderr_lines[0]}" "sockaudit eval: unknown option '--bogus'"
	run -2 --separate-stderr ev "$EXAMPLES/no-raw.json" --mode
	assert_output ""
}

@test "eval --help: usage on stdout, status 0" {
	run -0 --separate-stderr ev --help
	assert_line --index 0 "Usage: sockaudit eval [OPTION]... POLICY socket FAMILY TYPE [PROTOCOL]"
	assert_equal "$stderr" ""
	# The replay is described too: its form, options and exit statuses.
	assert_line "       sockaudit eval [OPTION]... POLICY LOG..."
	assert_line "Options may come before or after POLICY."
	assert_line --partial "  --all               print the decision for every event"
	assert_line --partial "  --format text|json "
	assert_output --partial "1 a replay: some event would be newly denied"
	assert_output --partial "3 a replay:"
	# --help anywhere, as other options.
	run -0 --separate-stderr ev "$EXAMPLES/no-raw.json" some.log --help
	assert_line --index 0 "Usage: sockaudit eval [OPTION]... POLICY socket FAMILY TYPE [PROTOCOL]"
}

@test "eval: words other than socket/shutdown after POLICY go to the log replay, with --mode and --exe" {
	printf '%s\n' '{"v":1,"seq":1,"ts":"2026-11-24T04:05:06.123456789Z","event":"socket.__new__","args":[3,2,1,0],"call":"socket","family":"AF_INET","type":"SOCK_STREAM","flags":[],"protocol":"IPPROTO_TCP","result":3,"errno":null,"decision":"allow","rule":null,"mode":"enforce","pid":1,"tid":1,"ppid":0,"exe":"/usr/bin/curl","comm":"curl","layer":"preload"}' > one.log
	run -1 --separate-stderr ev --mode audit --exe /usr/bin/curl "$EXAMPLES/no-network.json" one.log
	assert_line --partial "mode audit"
	assert_line --partial "allow -> would_deny"
}

@test "eval loopback-only: connect, sendto and sendmsg reach loopback, unix and netlink only" {
	P="$EXAMPLES/loopback-only.json"
	run -0 ev --address 127.0.0.1 --port 80 "$P" connect AF_INET SOCK_STREAM
	assert_output "allow rule=loopback log=true"
	run -0 ev --address 127.255.0.9 --port 53 "$P" sendto AF_INET SOCK_DGRAM
	assert_output "allow rule=loopback log=true"
	run -0 ev --address ::1 --port 80 "$P" connect AF_INET6 SOCK_STREAM
	assert_output "allow rule=loopback log=true"
	run -0 ev --address ::ffff:127.0.0.1 --port 80 "$P" sendmsg AF_INET6 SOCK_DGRAM
	assert_output "allow rule=loopback log=true"
	run -0 ev --address 192.0.2.1 --port 80 "$P" connect AF_INET SOCK_STREAM
	assert_output "deny errno=ENETUNREACH rule=elsewhere log=true"
	run -0 ev --address ::ffff:192.0.2.1 --port 80 "$P" connect AF_INET6 SOCK_STREAM
	assert_output "deny errno=ENETUNREACH rule=elsewhere log=true"
	run -0 ev --address ::2 --port 80 "$P" connect AF_INET6 SOCK_STREAM
	assert_output "deny errno=ENETUNREACH rule=elsewhere log=true"
	run -0 ev --address /run/dbus/system_bus_socket "$P" connect AF_UNIX SOCK_STREAM
	assert_output "allow rule=local log=true"
	run -0 ev --address @/tmp/.X11-unix/X0 "$P" connect AF_UNIX SOCK_STREAM
	assert_output "allow rule=local log=true"
	run -0 ev --address "" "$P" sendto AF_UNIX SOCK_DGRAM
	assert_output "allow rule=local log=true"
	run -0 ev "$P" sendto AF_NETLINK SOCK_RAW NETLINK_ROUTE
	assert_output "allow rule=netlink log=true"
	run -0 ev --address 192.0.2.1 --port 80 "$P" bind AF_INET SOCK_STREAM
	assert_output "allow rule=(default) log=true"
	run -0 ev "$P" socket AF_INET SOCK_STREAM
	assert_output "allow rule=(default) log=true"
}

@test "eval: address, port and host rules; the default decides address events only when it names them" {
	cat > p.json <<'JSON'
{"version": 1, "mode": "enforce", "default": {"action": "deny"},
 "rules": [
  {"id": "web", "event": "socket.connect", "port": [80, "8000-8099"], "action": "allow"},
  {"id": "no-bind-low", "event": "socket.bind", "port": "0-1023", "action": "deny", "errno": "EPERM"},
  {"id": "dns-local", "event": "socket.getaddrinfo", "host": ["localhost", "*.local"], "action": "allow"},
  {"id": "no-lookup", "event": "socket.getaddrinfo", "action": "deny", "errno": "EPERM"}
 ]}
JSON
	run -0 ev --address 10.0.0.1 --port 8099 p.json connect AF_INET SOCK_STREAM
	assert_output "allow rule=web log=true"
	run -0 ev --address 10.0.0.1 --port 8100 p.json connect AF_INET SOCK_STREAM
	assert_output "allow rule=(default) log=true"
	run -0 ev --address 0.0.0.0 --port 22 p.json bind AF_INET SOCK_STREAM
	assert_output "deny errno=EPERM rule=no-bind-low log=true"
	run -0 ev --address 0.0.0.0 --port 8080 p.json bind
	assert_output "allow rule=(default) log=true"
	run -0 ev --host LocalHost p.json getaddrinfo
	assert_output "allow rule=dns-local log=true"
	run -0 ev --host printer.LOCAL --port 631 p.json getaddrinfo AF_INET SOCK_STREAM
	assert_output "allow rule=dns-local log=true"
	run -0 ev --host example.com p.json getaddrinfo
	assert_output "deny gai_error=EAI_FAIL rule=no-lookup log=true"
	run -0 ev --mode audit --host example.com p.json getaddrinfo
	assert_output "would_deny gai_error=EAI_FAIL rule=no-lookup log=true"
	# Without an address the port rules cannot match.
	run -0 ev p.json connect AF_INET SOCK_STREAM
	assert_output "allow rule=(default) log=true"
	sed -i 's/"default": {"action": "deny"}/"default": {"action": "deny", "event": ["socket.__new__", "socket.connect"]}/' p.json
	run -0 ev --address 10.0.0.1 --port 8100 p.json connect AF_INET SOCK_STREAM
	assert_output "deny errno=EACCES rule=(default) log=true"
	run -0 ev --address 0.0.0.0 --port 8080 p.json bind
	assert_output "allow rule=(default) log=true"
	run -0 ev p.json shutdown SHUT_RD
	assert_output "allow rule=(default) log=true"
}

@test "eval: --address, --port and --host usage errors exit 2" {
	P="$EXAMPLES/loopback-only.json"
	run -2 --separate-stderr ev --address 1.2.3 "$P" connect
	assert_equal "${stderr_lines[0]}" "sockaudit eval: --address '1.2.3' is not an IP address"
	run -2 --separate-stderr ev --address 127.0.0.1 --port 65536 "$P" connect
	assert_equal "${stderr_lines[0]}" "sockaudit eval: --port must be a number from 0 to 65535, not '65536'"
	run -2 --separate-stderr ev --address /run/x --port 80 "$P" connect
	assert_equal "${stderr_lines[0]}" "sockaudit eval: --port needs an IP --address"
	run -2 --separate-stderr ev --host localhost "$P" connect
	assert_equal "${stderr_lines[0]}" "sockaudit eval: --host is for getaddrinfo"
	run -2 --separate-stderr ev --address ::1 "$P" getaddrinfo
	assert_equal "${stderr_lines[0]}" "sockaudit eval: --address is for connect, bind, sendto and sendmsg"
	run -2 --separate-stderr ev --port 80 "$P" socket AF_INET SOCK_STREAM
	assert_equal "${stderr_lines[0]}" "sockaudit eval: --port is for connect, bind, sendto, sendmsg and getaddrinfo"
	run -2 --separate-stderr ev "$P" connect AF_INET
	assert_equal "${stderr_lines[0]}" "sockaudit eval: connect takes [FAMILY TYPE [PROTOCOL]]"
	run -2 --separate-stderr ev --address ::1 "$P" one.log
	assert_equal "${stderr_lines[0]}" "sockaudit eval: --address, --port and --host describe a call, not a replay"
}
