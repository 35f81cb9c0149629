#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sockaudit learn: crafted logs for the exact shape of the policy, then the
# round trip on real programs: audit, learn, replay, enforce.

bats_require_minimum_version 1.5.0
load helper

DATA="$ROOT/tests/data"

# A workload with TCP (listen, connect, accept, shutdown), UDP, a socketpair
# and netlink through `ip`; with an argument, also a raw ICMP socket.
workload() {
	cat > "$T/work.py" <<'EOF'
import socket, subprocess, sys
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen()
c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()
c.sendall(b"ping"); print(a.recv(4).decode())
c.shutdown(socket.SHUT_WR)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b"x", ("127.0.0.1", 9))
p, q = socket.socketpair()
print(subprocess.run(["ip", "-o", "addr", "show", "lo"], capture_output=True, text=True).stdout.split()[1])
if len(sys.argv) > 1:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); print("raw allowed")
    except PermissionError as e:
        print("raw denied", e.errno)
EOF
}

@test "learn: one allow rule per behaviour, exact merges, default deny, provenance" {
	run -0 "$SOCKAUDIT" learn "$DATA/procs.jsonl"
	assert_line '  "default": {"action": "deny", "errno": "EACCES"},'
	assert_line '    {"id": "inet-stream-tcp", "family": ["AF_INET", "AF_INET6"], "type": "SOCK_STREAM", "protocol": "IPPROTO_TCP", "action": "allow", "comment": "learned from 2 events, first 2026-11-24T04:00:00Z, last 2026-11-24T04:00:01Z, by /usr/bin/curl, /usr/bin/python3.11"},'
	assert_line '    {"id": "unix-stream", "family": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0, "action": "allow", "comment": "learned from 2 events, first 2026-11-24T04:00:03Z, last 2026-11-24T04:00:03Z, by /usr/bin/python3.11"},'
	# Denied and would-deny events are observed behaviour too.
	assert_line --partial '{"id": "packet-raw-all", "family": "AF_PACKET", "type": "SOCK_RAW", "protocol": "ETH_P_ALL", "action": "allow", "comment": "learned from 1 event (1 denied then)'
	assert_line --partial '{"id": "inet4-raw-icmp", "family": "AF_INET", "type": "SOCK_RAW", "protocol": "IPPROTO_ICMP"'
	assert_line --partial '{"id": "shutdown-inet4-stream-tcp-rdwr", "event": "socket.shutdown", "family": "AF_INET", "type": "SOCK_STREAM", "protocol": "IPPROTO_TCP", "how": "SHUT_RDWR", "action": "allow"'
	run -0 jq -r '.rules | length' <<<"$output"
	assert_output 7
}

@test "learn: the policy passes sockaudit check without warnings" {
	run -0 "$SOCKAUDIT" learn -o "$T/p.json" "$DATA/procs.jsonl" "$DATA/rotated.1.jsonl"
	run -0 --separate-stderr "$SOCKAUDIT" check "$T/p.json"
	assert_output "$T/p.json: ok, 7 rules, mode enforce, default deny (EACCES)"
	[ -z "$stderr" ]
}

@test "learn: the same logs in any order and split give byte-identical output" {
	cat "$DATA/procs.jsonl" "$DATA/rotated.1.jsonl" "$DATA/rotated.2.jsonl" > all.jsonl
	run -0 "$SOCKAUDIT" learn -o a.json all.jsonl
	tac all.jsonl > reversed.jsonl
	run -0 "$SOCKAUDIT" learn -o b.json reversed.jsonl
	split -l 5 reversed.jsonl part.
	run -0 "$SOCKAUDIT" learn -o c.json part.ac part.aa part.ab part.ad
	run -0 bash -c "'$SOCKAUDIT' learn - < all.jsonl > d.json"
	cmp a.json b.json
	cmp a.json c.json
	cmp a.json d.json
}

@test "learn: --per-exe scopes rules; the launcher's own events are not learned" {
	run -0 --separate-stderr "$SOCKAUDIT" learn --per-exe "$DATA/launcher.jsonl"
	run -0 jq -c '.rules[] | [.id, .exe, .family]' <<<"$output"
	assert_output '["curl-inet4-stream-tcp","/usr/bin/curl","AF_INET"]'
	run -0 --separate-stderr "$SOCKAUDIT" learn "$DATA/launcher.jsonl"
	[ "$stderr" = "sockaudit learn: note: 1 event of sockaudit's own launcher not learned" ]
}

@test "learn: an executable seen again is the same one, escaped or not; the launcher's every event skipped" {
	# Each line of launcher.jsonl four times, in turn, and again with
	# curl's name escaped (\u0063url): the same executable as text, so
	# one rule, and each of the launcher's four events skipped.
	for i in 1 2 3 4; do cat "$DATA/launcher.jsonl"; done > again.jsonl
	sed 's|"/usr/bin/curl"|"/usr/bin/\\u0063url"|' "$DATA/launcher.jsonl" >> again.jsonl
	run -0 grep -c 'u0063url' again.jsonl
	run -0 --separate-stderr "$SOCKAUDIT" learn --per-exe again.jsonl
	run -0 jq -c '.rules[] | [.id, .exe, .family]' <<<"$output"
	assert_output '["curl-inet4-stream-tcp","/usr/bin/curl","AF_INET"]'
	run -0 --separate-stderr "$SOCKAUDIT" learn again.jsonl
	[ "$stderr" = "sockaudit learn: note: 5 events of sockaudit's own launcher not learned" ]
}

@test "learn: --errno sets the default's errno; bad options exit 2" {
	run -0 "$SOCKAUDIT" learn --errno EPERM "$DATA/rotated.1.jsonl"
	assert_line '  "default": {"action": "deny", "errno": "EPERM"},'
	run -2 "$SOCKAUDIT" learn --errno EPRM "$DATA/rotated.1.jsonl"
	assert_output --partial "unknown errno 'EPRM'; did you mean 'EPERM'?"
	run -2 "$SOCKAUDIT" learn
	assert_output --partial "no LOG given"
	run -2 "$SOCKAUDIT" learn "$T/nothing.jsonl"
	assert_output --partial "nothing.jsonl: No such file or directory"
	[ ! -e "$T/p.json" ]
}

@test "learn: junk lines are named, the policy is still written, exit 1" {
	run -1 --separate-stderr "$SOCKAUDIT" learn -o p.json "$DATA/junk.jsonl"
	[[ "$stderr" == *"junk.jsonl:2: not an event: truncated line"* ]]
	[[ "$stderr" == *"sockaudit learn: 6 lines are not events"* ]]
	run -0 jq -r '[.rules[].id] | join(" ")' p.json
	assert_output "unix-stream netlink-raw-route"
}

@test "learn: --base keeps the base's rules, ids and comments and adds only what is new" {
	cat > base.json <<'EOF'
{
  "version": 1,
  "mode": "enforce",
  "default": {"action": "deny", "errno": "EPERM"},
  "rules": [
    {"id": "web", "family": ["AF_INET", "AF_INET6"], "type": "SOCK_STREAM", "action": "allow", "comment": "our own words"},
    {"id": "no-packet", "family": "AF_PACKET", "action": "deny"}
  ]
}
EOF
	run -0 --separate-stderr "$SOCKAUDIT" learn --base base.json -o p.json "$DATA/procs.jsonl"
	[[ "$stderr" == *"the base rule 'no-packet' denies 1 observed event; kept"* ]]
	# The base, byte for byte, up to its last rule.
	head -c "$(($(grep -bo '"action": "deny"}' base.json | tail -1 | cut -d: -f1) + 17))" base.json > prefix
	cmp prefix <(head -c "$(stat -c %s prefix)" p.json)
	run -0 jq -c '[.rules[] | [.id, .comment[0:13]]]' p.json
	assert_output '[["web","our own words"],["no-packet",null],["unix-stream","learned from "],["inet4-raw-icmp","learned from "],["inet-dgram-udp","learned from "],["netlink-raw-route","learned from "],["shutdown-inet4-stream-tcp-rdwr","learned from "]]'
	run -0 jq -c '.default' p.json
	assert_output '{"action":"deny","errno":"EPERM"}'
	run -0 --separate-stderr "$SOCKAUDIT" check p.json
	[ -z "$stderr" ]
	# Learning again on the merged policy adds nothing.
	run -0 --separate-stderr "$SOCKAUDIT" learn --base p.json -o q.json "$DATA/procs.jsonl"
	cmp p.json q.json
}

@test "learn: --base with a bad policy runs nothing and exits 2" {
	printf '{"version": 1, "rules": [{"id": "x", "family": "AF_INTE", "action": "allow"}]}\n' > bad.json
	run -2 "$SOCKAUDIT" learn --base bad.json "$DATA/procs.jsonl"
	assert_output --partial "bad.json:1:"
	assert_output --partial "unknown family 'AF_INTE'"
}

@test "learn: round trip on real programs: audit, learn, replay, enforce" {
	workload
	run -0 "$SOCKAUDIT" run --mode audit -o "$T/audit.log" -- "$PY" "$T/work.py"
	assert_output "ping
lo"
	# The client connects to the port the kernel gave the server (bind
	# port 0): --ephemeral makes it the range, so that the next run's port,
	# another one, is allowed too.
	run -0 "$SOCKAUDIT" learn --ephemeral -o "$T/learned.json" "$T/audit.log"
	read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
	run -0 jq -r '[.rules[].id] | sort | join(" ")' "$T/learned.json"
	assert_output "bind-127-0-0-1-0 bind-netlink connect-127-0-0-1-$lo-$hi getaddrinfo-127-0-0-1 inet4-dgram-udp inet4-stream-tcp netlink-raw-route other-bind other-connect other-getaddrinfo other-sendmsg other-sendto sendmsg-netlink sendto-127-0-0-1-9 shutdown-inet4-stream-tcp-wr unix-stream"
	run -0 --separate-stderr "$SOCKAUDIT" check "$T/learned.json"
	[ -z "$stderr" ]

	# Replaying the learned log denies nothing.
	run -0 "$SOCKAUDIT" eval "$T/learned.json" "$T/audit.log"
	assert_line --regexp '^  newly denied +0$'

	# The same workload under the learned policy, enforced: same output,
	# nothing denied.
	run -0 "$SOCKAUDIT" run -p "$T/learned.json" -o "$T/enforce.log" -- "$PY" "$T/work.py"
	assert_output "ping
lo"
	run -0 jq -r 'select(.layer and .decision != "allow") | .decision' "$T/enforce.log"
	assert_output ""
	run -0 jq -r '.mode' "$T/enforce.log"
	[[ "$output" == *enforce* ]]

	# A new behaviour, a raw ICMP socket, is denied with the default's errno.
	run -0 "$SOCKAUDIT" run -p "$T/learned.json" -o "$T/new.log" -- "$PY" "$T/work.py" raw
	assert_output "ping
lo
raw denied 13
sockaudit run: 1 call denied by the policy; see $T/new.log"
	run -0 jq -c 'select(.layer and .decision != "allow") | [.family, .type, .protocol, .decision, .rule]' "$T/new.log"
	assert_output '["AF_INET","SOCK_RAW","IPPROTO_ICMP","deny",null]'
	# Replay says so beforehand: an audit log of the new workload, replayed
	# against the learned policy, shows one newly denied event (exit 1).
	run -0 "$SOCKAUDIT" run --mode audit -o "$T/audit-raw.log" -- "$PY" "$T/work.py" raw
	assert_line "raw allowed"
	run -1 "$SOCKAUDIT" eval "$T/learned.json" "$T/audit-raw.log"
	assert_line --regexp '^  newly denied +1$'
	assert_line --regexp '^ +1  \(default\)$'
}

@test "learn: glibc's internal sockets, seen only by the notify layer, are learned too" {
	run -0 "$SOCKAUDIT" run --mode audit -o "$T/audit.log" -- getent ahostsv4 localhost
	assert_line --regexp '^127\.0\.0\.1 +STREAM localhost$'
	run -0 jq -r 'select(.layer == "notify") | .family' "$T/audit.log"
	assert_line AF_NETLINK
	run -0 "$SOCKAUDIT" learn -o "$T/learned.json" "$T/audit.log"
	run -0 jq -r '[.rules[].id] | join(" ")' "$T/learned.json"
	# and the addresses glibc's own calls named: nscd's socket, the
	# kernel's netlink address (bind, request)
	assert_output "unix-stream netlink-raw-route connect-var-run-nscd-socket bind-netlink sendto-netlink getaddrinfo-localhost other-connect other-bind other-sendto other-getaddrinfo"
	run -0 "$SOCKAUDIT" run -p "$T/learned.json" -o "$T/enforce.log" -- getent ahostsv4 localhost
	assert_line --regexp '^127\.0\.0\.1 +STREAM localhost$'
	run -0 jq -r 'select(.layer and .decision != "allow")' "$T/enforce.log"
	assert_output ""
}

@test "learn: a shutdown of an unknown socket gives a rule on how alone, after the precise ones" {
	run -0 "$SOCKAUDIT" learn -o p.json "$DATA/shutdown-unknown.jsonl"
	run -0 jq -c '[.rules[] | [.id, .family, .how]]' p.json
	assert_output '[["shutdown-inet4-stream-tcp-wr","AF_INET","SHUT_WR"],["shutdown-unknown-socket-wr",null,"SHUT_WR"]]'
	run -0 --separate-stderr "$SOCKAUDIT" check p.json
	[ -z "$stderr" ]
	run -0 "$SOCKAUDIT" eval p.json "$DATA/shutdown-unknown.jsonl"
	assert_line --regexp '^  unchanged +2$'
}

# ---- address rules (tests/data/addr.jsonl) ----

@test "learn: address rules, exact, in a fixed order, then a deny of the rest per address event" {
	run -0 --separate-stderr "$SOCKAUDIT" learn "$DATA/addr.jsonl"
	printf '%s\n' "$output" > p.json
	[ "$stderr" = "sockaudit learn: note: 1 address event with a malformed address not learned: a policy cannot name one (the trailing deny refuses it)" ]
	assert_line '    {"id": "connect-127-0-0-1-8080", "event": "socket.connect", "address": "127.0.0.1", "port": 8080, "action": "allow", "comment": "learned from 2 events, first 2026-11-24T04:00:02Z, last 2026-11-24T04:00:03Z, by /usr/bin/curl"},'
	assert_line '    {"id": "other-connect", "event": "socket.connect", "action": "deny", "errno": "ECONNREFUSED", "comment": "learned: every other socket.connect"},'
	assert_line '    {"id": "other-getaddrinfo", "event": "socket.getaddrinfo", "action": "deny", "comment": "learned: every other socket.getaddrinfo"}'
	run -0 jq -c '[.rules[] | [.id, .event, .address, .port, .host, .family]]' p.json
	assert_output '[["inet4-stream-tcp",null,null,null,null,"AF_INET"],["connect-10-1-2-3-80","socket.connect","10.1.2.3",80,null,null],["connect-10-1-2-77-80","socket.connect","10.1.2.77",80,null,null],["connect-127-0-0-1-8080","socket.connect","127.0.0.1",8080,null,null],["connect-inet6-1-443","socket.connect","::1",443,null,null],["connect-run-x-sock","socket.connect","/run/x.sock",null,null,null],["connect-abstract-abs","socket.connect","@abs",null,null,null],["bind-0-0-0-0-8000","socket.bind","0.0.0.0",8000,null,null],["bind-127-0-0-1-0","socket.bind","127.0.0.1",0,null,null],["bind-127-0-0-1-45001","socket.bind","127.0.0.1",45001,null,null],["bind-127-0-0-1-51234","socket.bind","127.0.0.1",51234,null,null],["sendto-127-0-0-53-53","socket.sendto","127.0.0.53",53,null,null],["sendmsg-netlink","socket.sendmsg",null,null,null,"AF_NETLINK"],["getaddrinfo-localhost","socket.getaddrinfo",null,null,"localhost",null],["getaddrinfo-nowhere-invalid","socket.getaddrinfo",null,null,"nowhere.invalid",null],["other-connect","socket.connect",null,null,null,null],["other-bind","socket.bind",null,null,null,null],["other-sendto","socket.sendto",null,null,null,null],["other-sendmsg","socket.sendmsg",null,null,null,null],["other-getaddrinfo","socket.getaddrinfo",null,null,null,null]]'
	# The same bytes every time, whatever order the lines came in.
	tac "$DATA/addr.jsonl" > reversed.jsonl
	run -0 --separate-stderr "$SOCKAUDIT" learn reversed.jsonl
	cmp p.json <(printf '%s\n' "$output")
	# A valid policy; replayed, the log is what it allows but the malformed
	# connect, and a destination it never saw is refused.
	run -0 --separate-stderr "$SOCKAUDIT" check p.json
	[ -z "$stderr" ]
	run -1 "$SOCKAUDIT" eval p.json "$DATA/addr.jsonl" --format json
	run -0 jq -c '[.unchanged, .newly_denied, .changes[0].where, .changes[0].rule]' <<<"$output"
	assert_output '[16,1,"malformed short","other-connect"]'
	sed -n 3p "$DATA/addr.jsonl" | sed 's/8080/9090/g' > new.jsonl
	run -1 "$SOCKAUDIT" eval p.json new.jsonl
	assert_line "new.jsonl:1: pid 100 preload seq 3 /usr/bin/curl connect AF_INET SOCK_STREAM IPPROTO_TCP 127.0.0.1 port 9090: allow -> deny by other-connect"
}

@test "learn: --cidr4 and --cidr6 widen addresses to blocks; bad prefixes are usage errors" {
	run -0 --separate-stderr "$SOCKAUDIT" learn --cidr4 24 --cidr6 64 "$DATA/addr.jsonl"
	assert_line --partial '{"id": "connect-10-1-2-0-24-80", "event": "socket.connect", "address": "10.1.2.0/24", "port": 80, "action": "allow", "comment": "learned from 2 events, first 2026-11-24T04:00:22Z, last 2026-11-24T04:00:23Z, by /usr/bin/nc"}'
	assert_line --partial '{"id": "connect-inet6-64-443", "event": "socket.connect", "address": "::/64", "port": 443,'
	assert_line --partial '"address": "127.0.0.0/24", "port": 8080,'
	refute_line --partial '"address": "10.1.2.3"'
	printf '%s\n' "$output" > p.json
	run -0 --separate-stderr "$SOCKAUDIT" check p.json
	[ -z "$stderr" ]
	sed -n 17p "$DATA/addr.jsonl" | sed 's/10\.1\.2\.77/10.1.2.200/g' > near.jsonl
	run -0 "$SOCKAUDIT" eval p.json near.jsonl
	run -2 "$SOCKAUDIT" learn --cidr4 33 "$DATA/addr.jsonl"
	assert_output --partial "bad --cidr4 '33' (a prefix length, 0..32)"
	run -2 "$SOCKAUDIT" learn --cidr6 x "$DATA/addr.jsonl"
	assert_output --partial "bad --cidr6 'x'"
}

@test "learn: --ephemeral makes a port in the kernel's ephemeral range that whole range" {
	read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
	[ "$lo" -le 45001 ] && [ "$hi" -ge 51234 ]	# the data's ports lie in it
	run -0 --separate-stderr "$SOCKAUDIT" learn --ephemeral "$DATA/addr.jsonl"
	assert_line "    {\"id\": \"bind-127-0-0-1-$lo-$hi\", \"event\": \"socket.bind\", \"address\": \"127.0.0.1\", \"port\": \"$lo-$hi\", \"action\": \"allow\", \"comment\": \"learned from 2 events, first 2026-11-24T04:00:20Z, last 2026-11-24T04:00:21Z, by /usr/bin/nc\"},"
	# Port 0 (the kernel's choice) and ports outside the range stay exact.
	assert_line --partial '"address": "127.0.0.1", "port": 0,'
	assert_line --partial '"address": "127.0.0.1", "port": 8080,'
	printf '%s\n' "$output" > p.json
	run -0 "$SOCKAUDIT" check p.json
	sed -n 14p "$DATA/addr.jsonl" | sed "s/45001/$hi/g" > other-port.jsonl
	run -0 "$SOCKAUDIT" eval p.json other-port.jsonl
}

@test "learn: host rules fold case; --per-exe scopes address rules, the trailing denies stay global" {
	sed -n 1p "$DATA/addr.jsonl" | sed 's/"localhost"/"LocalHost"/g' > upper.jsonl
	run -0 "$SOCKAUDIT" learn upper.jsonl
	assert_line --partial '{"id": "getaddrinfo-localhost", "event": "socket.getaddrinfo", "host": "localhost", "action": "allow"'
	run -0 --separate-stderr "$SOCKAUDIT" learn --per-exe "$DATA/addr.jsonl"
	assert_line --partial '{"id": "curl-connect-127-0-0-1-8080", "event": "socket.connect", "exe": "/usr/bin/curl", "address": "127.0.0.1", "port": 8080,'
	assert_line --partial '{"id": "python3-11-bind-0-0-0-0-8000", "event": "socket.bind", "exe": "/usr/bin/python3.11", "address": "0.0.0.0", "port": 8000,'
	run -0 jq -r '.rules[-5:][] | "\(.id) \(.exe)"' <<<"$output"
	assert_output "other-connect null
other-bind null
other-sendto null
other-sendmsg null
other-getaddrinfo null"
}

@test "learn: warns before writing a policy that allows nothing, and exits 3 (never 0 on nothing)" {
	: > empty.jsonl
	run -3 --separate-stderr "$SOCKAUDIT" learn empty.jsonl
	[ "$stderr" = "sockaudit learn: warning: no event to learn from: the policy denies every socket" ]
	run -0 jq -c '[.default.action, .rules]' <<<"$output"
	assert_output '["deny",[]]'
	# Only junk: the same, said so; the junk lines are still named.
	printf 'not json\n{"v":1}\n' > junk-only.jsonl
	run -3 --separate-stderr "$SOCKAUDIT" learn -o p.json junk-only.jsonl
	[[ "$stderr" == *"junk-only.jsonl:1: not an event: not JSON"* ]]
	[[ "$stderr" == *"warning: no event to learn from (only lines that are not events): the policy denies every socket"* ]]
	[[ "$stderr" == *"sockaudit learn: 2 lines are not events"* ]]
	run -0 jq -c '.rules' p.json
	assert_output '[]'
	# With --base, nothing is added: still no success.
	printf '{"version": 1, "default": {"action": "deny"}, "rules": []}\n' > base.json
	run -3 --separate-stderr "$SOCKAUDIT" learn --base base.json empty.jsonl
	[ "$stderr" = "sockaudit learn: warning: no event to learn from: the base policy is written unchanged" ]
	run -0 --separate-stderr "$SOCKAUDIT" learn "$DATA/procs.jsonl"
	[ -z "$stderr" ]
}

@test "learn: -o to a FIFO or a device writes into it, never renames a file over it" {
	mkfifo fifo
	# (timeout: with a file renamed over it, nobody would open the FIFO)
	timeout 20 cat fifo >got &
	run -0 --separate-stderr "$SOCKAUDIT" learn -o fifo "$DATA/procs.jsonl"
	wait
	[ -p fifo ] || fail "the FIFO was replaced: $(ls -l fifo)"
	run -0 jq -r '.rules[0].id' got
	assert_output "unix-stream"
	ls -- fifo.tmp.* 2>/dev/null && fail "a temporary file was left"
	# A file is still replaced whole, by rename: its inode changes.
	echo old >p.json
	before=$(stat -c %i p.json)
	run -0 --separate-stderr "$SOCKAUDIT" learn -o p.json "$DATA/procs.jsonl"
	[ "$(stat -c %i p.json)" != "$before" ]
	run -0 jq -r '.rules[0].id' p.json
	assert_output "unix-stream"
}

@test "learn: -o - writes standard output, and no file named '-'" {
	run -0 --separate-stderr "$SOCKAUDIT" learn -o - "$DATA/procs.jsonl"
	run -0 jq -r '.rules[0].id' <<<"$output"
	assert_output "unix-stream"
	run -0 --separate-stderr "$SOCKAUDIT" learn --output - --format systemd "$DATA/procs.jsonl"
	assert_line --partial "RestrictAddressFamilies="
	[ ! -e ./- ]
}

# The systemd form of tests/data/addr.jsonl plus an accept with its peer.
systemd_log() {
	cp "$DATA/addr.jsonl" sd.jsonl
	printf '%s\n' '{"v":1,"seq":9,"ts":"2026-11-24T04:00:30Z","event":"socket.__new__","args":[9,10,1,0],"call":"accept","family":"AF_INET6","type":"SOCK_STREAM","flags":[],"protocol":"IPPROTO_TCP","peer":["::1",40000,0,0],"result":9,"errno":null,"decision":"allow","rule":null,"mode":"enforce","pid":200,"tid":200,"ppid":1,"exe":"/usr/bin/python3.11","comm":"python3.11","layer":"preload"}' >> sd.jsonl
}

@test "learn --format systemd: families, ports bound, addresses talked to, each ending in a deny" {
	systemd_log
	run -0 --separate-stderr "$SOCKAUDIT" learn --format systemd sd.jsonl
	assert_output "# written by sockaudit learn --format systemd: the kernel-enforceable part
# of what the logs show, for a unit's [Service] section
# (systemd.exec(5), systemd.resource-control(5))
RestrictAddressFamilies=AF_INET AF_INET6
SocketBindAllow=ipv4:tcp:8000
SocketBindAllow=ipv4:tcp:45001
SocketBindAllow=ipv4:tcp:51234
SocketBindDeny=any
IPAddressAllow=10.1.2.3 10.1.2.77 127.0.0.1 127.0.0.53 ::1
IPAddressDeny=any"
	run -0 --separate-stderr "$SOCKAUDIT" learn --format systemd --cidr4 8 --ephemeral sd.jsonl
	assert_line "IPAddressAllow=10.0.0.0/8 127.0.0.0/8 ::1"
	read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
	assert_line "SocketBindAllow=ipv4:tcp:$lo-$hi"
	: > empty.jsonl
	run -3 --separate-stderr "$SOCKAUDIT" learn --format systemd empty.jsonl
	[ "$stderr" = "sockaudit learn: warning: no event to learn from: the settings allow no socket family" ]
	assert_line "RestrictAddressFamilies=none"
	assert_line "SocketBindDeny=any"
	assert_line "IPAddressDeny=any"
	refute_line --partial "IPAddressAllow="
	run -2 "$SOCKAUDIT" learn --format systemd --per-exe sd.jsonl
	assert_output --partial "not with --base or --per-exe"
	run -2 "$SOCKAUDIT" learn --format yaml sd.jsonl
	assert_output --partial "unknown format 'yaml' (policy, systemd)"
}

@test "learn --format systemd: systemd-analyze verify accepts a unit with the settings" {
	# systemd-analyze verify runs here without a running systemd: it loads
	# the unit file and checks every setting's syntax.
	command -v systemd-analyze
	systemd_log
	run -0 --separate-stderr "$SOCKAUDIT" learn --format systemd --cidr6 64 sd.jsonl
	{ printf '[Unit]\nDescription=sockaudit learn test\n\n[Service]\nExecStart=/bin/true\n'
	  printf '%s\n' "$output"; } > sockaudit-learn-test.service
	run -0 systemd-analyze verify --man=no "$PWD/sockaudit-learn-test.service"
	assert_output ""
	# It would say so: a setting it cannot parse is reported (and ignored).
	printf 'SocketBindAllow=ipv4:tcp:0\nIPAddressAllow=300.1.1.1\nRestrictAddressFamilies=AF_NOPE\n' >> sockaudit-learn-test.service
	run systemd-analyze verify --man=no "$PWD/sockaudit-learn-test.service"
	assert_output --partial "Unable to parse SocketBindAllow= assignment, ignoring: ipv4:tcp:0"
	assert_output --partial "Address prefix is invalid, ignoring assignment: 300.1.1.1"
	assert_output --partial "AF_NOPE"
}

@test "learn: a real curl run's connect, learned and enforced: the same run is clean, another port is refused" {
	skip_curl_under_asan
	echo "hello" > index.txt
	port=$(free_port)
	"$PY" -m http.server --bind 127.0.0.1 --directory "$T" "$port" >/dev/null 2>&1 &
	server=$!
	port2=$(free_port)
	"$PY" -m http.server --bind 127.0.0.1 --directory "$T" "$port2" >/dev/null 2>&1 &
	server2=$!
	wait_for_port "$port"
	wait_for_port "$port2"
	run -0 --separate-stderr "$SOCKAUDIT" run --layer preload -o "$T/audit.log" -- curl -s "http://127.0.0.1:$port/index.txt"
	assert_output "hello"
	run -0 --separate-stderr "$SOCKAUDIT" learn -o p.json audit.log
	run -0 jq -c '[.rules[] | select(.event == "socket.connect") | [.id, .address, .port, .action]]' p.json
	assert_output "[[\"connect-127-0-0-1-$port\",\"127.0.0.1\",$port,\"allow\"],[\"other-connect\",null,null,\"deny\"]]"
	run -0 "$SOCKAUDIT" check p.json
	# Enforced: the same fetch works, and every event is allowed.
	run -0 --separate-stderr "$SOCKAUDIT" run --layer preload -p p.json -o "$T/enforce.log" -- curl -s "http://127.0.0.1:$port/index.txt"
	assert_output "hello"
	run -0 jq -r 'select(.decision != "allow") | .event' enforce.log
	assert_output ""
	# Another port: curl's connect is refused (curl exits 7: could not connect).
	run -7 --separate-stderr "$SOCKAUDIT" run --layer preload -p p.json -o "$T/other.log" -- curl -s "http://127.0.0.1:$port2/index.txt"
	kill "$server" "$server2"
	run -0 jq -c 'select(.event == "socket.connect") | [.address, .port, .decision, .rule, .errno]' other.log
	assert_output "[\"127.0.0.1\",$port2,\"deny\",\"other-connect\",\"ECONNREFUSED\"]"
}

@test "learn: --base on its own output with address rules adds nothing, no second trailing deny" {
	run -0 --separate-stderr "$SOCKAUDIT" learn -o p.json "$DATA/addr.jsonl"
	run -0 --separate-stderr "$SOCKAUDIT" learn --base p.json -o q.json "$DATA/addr.jsonl"
	cmp p.json q.json
	# A default-deny base without a catch-all for connect gets one; one
	# whose default names connect does not; nor one whose default allows.
	printf '{"version": 1, "default": {"action": "deny"}, "rules": [{"id": "c", "event": "socket.connect", "address": "10.0.0.0/8", "action": "allow"}]}\n' > b1.json
	run -0 --separate-stderr "$SOCKAUDIT" learn --base b1.json "$DATA/addr.jsonl"
	assert_line --partial '{"id": "other-connect", "event": "socket.connect", "action": "deny"'
	refute_line --partial '"address": "10.1.2.3"'
	printf '{"version": 1, "default": {"action": "deny", "event": ["socket.__new__", "socket.connect"]}, "rules": []}\n' > b2.json
	run -0 --separate-stderr "$SOCKAUDIT" learn --base b2.json "$DATA/addr.jsonl"
	refute_line --partial '"id": "other-connect"'
	assert_line --partial '"id": "other-bind"'
	printf '{"version": 1, "default": {"action": "allow"}, "rules": []}\n' > b3.json
	run -0 --separate-stderr "$SOCKAUDIT" learn --base b3.json "$DATA/addr.jsonl"
	refute_line --partial '"id": "other-'
}

@test "learn: a socket of a type no rule can name (the kernel's EINVAL) gives a rule check accepts, which replays clean" {
	run -1 "$SOCKAUDIT" run -q --layer preload -o "$BATS_TEST_TMPDIR/t99.log" -- "$FIX/s_sock" 1 99 0
	assert_output "errno EINVAL"
	run -0 "$SOCKAUDIT" learn -o "$BATS_TEST_TMPDIR/p.json" "$BATS_TEST_TMPDIR/t99.log"
	run -0 jq -c '.rules[] | [.family, .type, .action]' "$BATS_TEST_TMPDIR/p.json"
	assert_output '["AF_UNIX",null,"allow"]'
	run -0 "$SOCKAUDIT" check "$BATS_TEST_TMPDIR/p.json"
	run -0 "$SOCKAUDIT" eval "$BATS_TEST_TMPDIR/p.json" "$BATS_TEST_TMPDIR/t99.log"
}
