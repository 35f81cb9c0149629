#!/usr/bin/env bats
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
	run -0 "$SOCKAUDIT" learn -o "$T/learned.json" "$T/audit.log"
	run -0 jq -r '[.rules[].id] | sort | join(" ")' "$T/learned.json"
	assert_output "inet4-dgram-udp inet4-stream-tcp netlink-raw-route shutdown-inet4-stream-tcp-wr unix-stream"
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
raw denied 13"
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
	assert_output "unix-stream netlink-raw-route"
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
