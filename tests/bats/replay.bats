#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sockaudit eval POLICY LOG...: replaying logs against a policy.

bats_require_minimum_version 1.5.0
load helper

DATA="$ROOT/tests/data"

no_raw() {
	cat > "$T/no-raw.json" <<'EOF'
{
  "version": 1,
  "default": {"action": "allow"},
  "rules": [
    {"id": "no-packet", "family": "AF_PACKET", "action": "deny", "errno": "EPERM"},
    {"id": "no-raw", "type": ["SOCK_RAW", "SOCK_PACKET"], "action": "deny", "errno": "EPERM"},
    {"id": "curl-only-tcp", "exe": "/usr/bin/curl", "type": "SOCK_DGRAM", "action": "deny"}
  ]
}
EOF
}

@test "replay: changes against the recorded decisions, by rule; exit 1 when newly denied" {
	no_raw
	cp "$DATA/procs.jsonl" .
	run -1 "$SOCKAUDIT" eval "$T/no-raw.json" procs.jsonl
	# Each change names the event as report lists a denial: exe, event,
	# family, type, protocol.
	assert_line "procs.jsonl:3: pid 100 preload seq 2 /usr/bin/curl __new__ AF_INET SOCK_DGRAM IPPROTO_UDP: allow -> deny by curl-only-tcp"
	assert_line "procs.jsonl:9: pid 300 preload seq 1 /usr/sbin/ip __new__ AF_NETLINK SOCK_RAW NETLINK_ROUTE: allow -> deny by no-raw"
	assert_line "procs.jsonl:10: pid 300 preload seq 2 /usr/sbin/ip __new__ AF_INET SOCK_RAW IPPROTO_ICMP: would_deny -> deny by no-raw"
	assert_line "procs.jsonl:11: pid 300 preload seq 1 /usr/bin/curl __new__ AF_INET6 SOCK_DGRAM IPPROTO_UDP: allow -> deny by curl-only-tcp"
	assert_line "Replayed 11 events against $T/no-raw.json (mode enforce):"
	assert_line --regexp '^  unchanged +7$'
	assert_line --regexp '^  newly denied +3$'
	assert_line --regexp '^  newly allowed +0$'
	assert_line --regexp '^  changed otherwise +1$'
	assert_line --regexp '^ +1  no-raw$'
	assert_line --regexp '^ +2  curl-only-tcp$'
}

@test "replay: a policy that allows what was logged exits 0; denials lifted are newly allowed" {
	printf '{"version": 1, "default": {"action": "allow"}, "rules": []}\n' > all.json
	run -0 "$SOCKAUDIT" eval all.json "$DATA/procs.jsonl"
	assert_line --regexp '^  newly denied +0$'
	assert_line --regexp '^  newly allowed +2$'
	assert_line --regexp '^ +2  \(default\)$'
}

@test "replay: --mode and --exe pass through eval; --format json is one object" {
	no_raw
	run -1 "$SOCKAUDIT" eval --mode audit "$T/no-raw.json" "$DATA/procs.jsonl" --format json
	run -0 jq -c '[.mode, .newly_denied, .newly_allowed, .changed, .changed_by_rule]' <<<"$output"
	# In audit mode the policy's denials are would_deny: still refusals;
	# the recorded deny that becomes would_deny is a change of another kind.
	assert_output '["audit",3,0,1,[{"rule":"no-packet","count":1}]]'
	# Every event seen as curl's: the UDP sockets of python are denied too.
	run -1 "$SOCKAUDIT" eval --exe /usr/bin/curl "$T/no-raw.json" "$DATA/procs.jsonl" --format json
	run -0 jq -c '[.newly_denied, .newly_denied_by_rule]' <<<"$output"
	assert_output '[4,[{"rule":"no-raw","count":1},{"rule":"curl-only-tcp","count":3}]]'
}

@test "replay: options before and after POLICY alike; the JSON changes carry exe, family, layer" {
	no_raw
	# Every replay option before POLICY, then after it, then among the logs.
	run -1 "$SOCKAUDIT" eval --list 1 --format json --mode audit --exe /usr/bin/curl "$T/no-raw.json" "$DATA/procs.jsonl"
	before="$output"
	run -0 jq -c '[.mode, (.changes | length), .newly_denied]' <<<"$output"
	assert_output '["audit",1,4]'
	run -1 "$SOCKAUDIT" eval "$T/no-raw.json" --list 1 --format json --mode audit --exe /usr/bin/curl "$DATA/procs.jsonl"
	[ "$output" = "$before" ]
	run -1 "$SOCKAUDIT" eval "$T/no-raw.json" "$DATA/procs.jsonl" --format=json --list=1 --exe=/usr/bin/curl --mode=audit
	[ "$output" = "$before" ]
	run -1 "$SOCKAUDIT" eval --all "$T/no-raw.json" "$DATA/procs.jsonl"
	all="$output"
	run -1 "$SOCKAUDIT" eval "$T/no-raw.json" "$DATA/procs.jsonl" --all
	[ "$output" = "$all" ]
	# --all streams text; the JSON object is bounded by --list.
	run -2 "$SOCKAUDIT" eval --all --format json "$T/no-raw.json" "$DATA/procs.jsonl"
	assert_output --partial "--all prints text: with --format json, --list N lists the changes"
	run -1 "$SOCKAUDIT" eval --format json "$T/no-raw.json" "$DATA/procs.jsonl"
	run -0 jq -c '.changes[0] | [.exe, .comm, .event, .family, .type, .protocol, .layer, .was, .now, .rule]' <<<"$output"
	assert_output '["/usr/bin/curl","curl","socket.__new__","AF_INET","SOCK_DGRAM","IPPROTO_UDP","preload","allow","deny","curl-only-tcp"]'
	# A recorded denial of the default's, lifted: the default is null in
	# JSON as in the log, "(default)" for people.
	printf '{"version": 1, "default": {"action": "allow"}, "rules": []}\n' > all.json
	run -0 "$SOCKAUDIT" eval --format json all.json "$DATA/procs.jsonl"
	run -0 jq -c '[.changes[].rule, .newly_allowed_by_rule]' <<<"$output"
	assert_output '[null,null,[{"rule":null,"count":2}]]'
	# A replay's options make no sense for a call.
	run -2 "$SOCKAUDIT" eval --all "$T/no-raw.json" socket AF_INET SOCK_STREAM
	assert_output --partial "--all, --list and --format are for a replay, not a call"
	# A call's options may follow it too.
	run -0 "$SOCKAUDIT" eval "$T/no-raw.json" socket AF_INET SOCK_DGRAM --exe /usr/bin/curl
	assert_output "deny errno=EACCES rule=curl-only-tcp log=true"
	# "--" ends the options: a log named like one is a log.
	cp "$DATA/procs.jsonl" ./--all
	run -1 "$SOCKAUDIT" eval "$T/no-raw.json" -- --all
	assert_line --regexp '^Replayed 11 events'
}

@test "replay: logs with no event, or only junk lines, exit 3, never 0" {
	no_raw
	: > empty.jsonl
	run -3 --separate-stderr "$SOCKAUDIT" eval "$T/no-raw.json" empty.jsonl
	assert_line "Replayed 0 events against $T/no-raw.json (mode enforce):"
	[ "$stderr" = "sockaudit eval: no event to replay in the log (0 lines not events, 0 undecidable)" ]
	printf 'garbage\n{"v":1}\n' > junk-only.jsonl
	run -3 --separate-stderr "$SOCKAUDIT" eval "$T/no-raw.json" empty.jsonl junk-only.jsonl
	[[ "$stderr" == *"junk-only.jsonl:1: not an event: not JSON"* ]]
	[[ "$stderr" == *"no event to replay in the logs (2 lines not events, 0 undecidable)"* ]]
	run -3 --separate-stderr bash -c "'$SOCKAUDIT' eval --format json '$T/no-raw.json' - < /dev/null"
	run -0 jq -c '[.events, .unchanged]' <<<"$output"
	assert_output '[0,0]'
	# One event is enough.
	head -1 "$DATA/procs.jsonl" >> junk-only.jsonl
	run -0 --separate-stderr "$SOCKAUDIT" eval "$T/no-raw.json" junk-only.jsonl
}

@test "replay: --all prints a decision for every event" {
	no_raw
	run -1 "$SOCKAUDIT" eval "$T/no-raw.json" --all "$DATA/procs.jsonl"
	assert_line "$DATA/procs.jsonl:1: pid 100 preload seq 1 /usr/bin/curl __new__ AF_INET SOCK_STREAM IPPROTO_TCP: allow by (default)"
	assert_line "$DATA/procs.jsonl:7: pid 100 preload seq 4 /usr/bin/curl __new__ AF_PACKET SOCK_RAW ETH_P_ALL: deny by no-packet"
	assert_line "$DATA/procs.jsonl:10: pid 300 preload seq 2 /usr/sbin/ip __new__ AF_INET SOCK_RAW IPPROTO_ICMP: deny (was would_deny) by no-raw"
	run -0 grep -c ': pid ' <<<"$output"
	assert_output 11
}

@test "replay: junk lines are counted and named; stdin and several files" {
	no_raw
	run -1 --separate-stderr bash -c "'$SOCKAUDIT' eval '$T/no-raw.json' '$DATA/junk.jsonl' - < '$DATA/rotated.1.jsonl'"
	assert_line --regexp '^Replayed 5 events'
	assert_line --regexp '^  newly denied +1$'
	assert_line --regexp '^  lines not events +6$'
	[[ "$stderr" == *"junk.jsonl:5: not an event: NUL bytes"* ]]
}

@test "replay: a bad policy or a missing log exits 2" {
	printf '{"version": 1, "rules": [{"id": "x", "famly": "AF_INET", "action": "allow"}]}\n' > bad.json
	run -2 "$SOCKAUDIT" eval bad.json "$DATA/procs.jsonl"
	assert_output --partial "bad.json:1:"
	no_raw
	run -2 "$SOCKAUDIT" eval "$T/no-raw.json" "$T/missing.log"
	assert_output --partial "missing.log: No such file or directory"
	run -2 "$SOCKAUDIT" eval "$T/no-raw.json" --list x "$DATA/procs.jsonl"
	assert_output --partial "bad --list 'x'"
}

@test "replay: a real program's audit log against a no-network policy" {
	run -0 "$SOCKAUDIT" run --mode audit -o "$T/log" -- "$PY" -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
a, b = socket.socketpair()'
	cat > nonet.json <<'EOF'
{"version": 1, "default": {"action": "allow"},
 "rules": [{"id": "no-inet", "family": ["AF_INET", "AF_INET6"], "action": "deny"}]}
EOF
	run -1 "$SOCKAUDIT" eval nonet.json "$T/log"
	assert_line --regexp "^$T/log:[0-9]+: pid [0-9]+ preload seq [0-9]+ $PY(\.[0-9]+)? __new__ AF_INET SOCK_DGRAM IPPROTO_UDP: allow -> deny by no-inet$"
	assert_line --regexp '^  newly denied +1$'
}

# The address events (socket.connect, .bind, .sendto, .sendmsg) and
# socket.getaddrinfo of tests/data/addr.jsonl, decided by rules on "event".
event_rules() {
	cat > "$T/events.json" <<'EOF2'
{"version": 1, "default": {"action": "allow"}, "rules": [
  {"id": "no-connect", "event": "socket.connect", "action": "deny", "errno": "ECONNREFUSED"},
  {"id": "no-gai", "event": "socket.getaddrinfo", "action": "deny"}
]}
EOF2
}

@test "replay: address events are decided again; a change names the event and where it went" {
	event_rules
	cp "$DATA/addr.jsonl" .
	run -1 "$SOCKAUDIT" eval "$T/events.json" addr.jsonl
	assert_line "addr.jsonl:1: pid 100 preload seq 1 /usr/bin/curl getaddrinfo AF_INET SOCK_STREAM - localhost: allow -> deny by no-gai"
	assert_line "addr.jsonl:3: pid 100 preload seq 3 /usr/bin/curl connect AF_INET SOCK_STREAM IPPROTO_TCP 127.0.0.1 port 8080: allow -> deny by no-connect"
	assert_line "addr.jsonl:5: pid 100 preload seq 5 /usr/bin/curl connect AF_INET6 SOCK_STREAM IPPROTO_TCP ::1 port 443: allow -> deny by no-connect"
	assert_line "addr.jsonl:8: pid 100 preload seq 8 /usr/bin/curl connect AF_INET SOCK_STREAM IPPROTO_TCP malformed short: allow -> deny by no-connect"
	assert_line "addr.jsonl:11: pid 200 preload seq 3 /usr/bin/python3.11 connect AF_UNIX SOCK_STREAM 0 /run/x.sock: allow -> deny by no-connect"
	assert_line "addr.jsonl:12: pid 200 preload seq 4 /usr/bin/python3.11 connect AF_UNIX SOCK_STREAM 0 @abs: allow -> deny by no-connect"
	assert_line "Replayed 17 events against $T/events.json (mode enforce):"
	assert_line --regexp '^  unchanged +7$'
	assert_line --regexp '^  newly denied +10$'
	assert_line --regexp '^ +8  no-connect$'
	assert_line --regexp '^ +2  no-gai$'
	refute_line --partial 'not events'
	run -1 "$SOCKAUDIT" eval "$T/events.json" addr.jsonl --format json
	run -0 jq -c '[.events, .junk, .changes[1].event, .changes[1].where, .changes[0].where]' <<<"$output"
	assert_output '[17,0,"socket.connect","127.0.0.1 port 8080","localhost"]'
}

@test "replay: a default deny without address rules leaves address events allowed" {
	# The design: a default that names no event decides socket.__new__
	# and socket.shutdown only; an address event no rule matches is allowed.
	cat > dd.json <<'EOF2'
{"version": 1, "default": {"action": "deny"},
 "rules": [{"id": "inet", "family": ["AF_INET", "AF_INET6"], "action": "allow"}]}
EOF2
	run -0 "$SOCKAUDIT" eval dd.json "$DATA/addr.jsonl" --format json
	run -0 jq -c '[.events, .unchanged, .newly_denied, .undecidable, .junk]' <<<"$output"
	assert_output '[17,17,0,0,0]'
}

@test "replay: address events with broken address keys are lines that are no events, named" {
	head -3 "$DATA/addr.jsonl" > broken.jsonl
	# args[1] says port 8080, "port" says 80; then an address that is no IP.
	sed -n 3p "$DATA/addr.jsonl" | sed 's/"port":8080/"port":80/' >> broken.jsonl
	sed -n 3p "$DATA/addr.jsonl" | sed 's/"127.0.0.1",8080/"127.0.0.256",8080/' >> broken.jsonl
	event_rules
	run -1 "$SOCKAUDIT" eval "$T/events.json" broken.jsonl
	assert_line 'broken.jsonl:4: not an event: malformed event: "address" or "port" differs from args[1]'
	assert_line 'broken.jsonl:5: not an event: malformed event: args[1] is no address'
	assert_line --regexp '^  lines not events +2$'
	assert_line "Replayed 3 events against $T/events.json (mode enforce):"
}

@test "replay: address, port and host rules decide the address events with the one matcher" {
	# The design's example policy, and a bind rule on a unix path glob.
	cat > addr.json <<'EOF2'
{"version": 1, "mode": "enforce", "default": {"action": "deny"},
 "rules": [
  {"id": "inet", "family": ["AF_INET", "AF_INET6"], "action": "allow"},
  {"id": "loopback", "event": ["socket.connect", "socket.sendto", "socket.sendmsg"],
   "address": ["127.0.0.0/8", "::1"], "action": "allow"},
  {"id": "web", "event": "socket.connect", "port": [80, 443], "action": "allow"},
  {"id": "no-bind-low", "event": "socket.bind", "port": "0-1023", "action": "deny", "errno": "EACCES"},
  {"id": "dns-local", "event": "socket.getaddrinfo", "host": ["LOCALHOST", "*.local"], "action": "allow"},
  {"id": "run-socks", "event": "socket.connect", "address": ["/run/*.sock", "@ab*"], "action": "allow"},
  {"id": "other-connect", "event": "socket.connect", "action": "deny", "errno": "ECONNREFUSED"},
  {"id": "other-lookup", "event": "socket.getaddrinfo", "action": "deny"}
 ]}
EOF2
	run -0 --separate-stderr "$SOCKAUDIT" check addr.json
	run -1 "$SOCKAUDIT" eval addr.json --all "$DATA/addr.jsonl"
	assert_line --regexp '^[^ ]*addr\.jsonl:1: pid 100 preload seq 1 /usr/bin/curl getaddrinfo AF_INET SOCK_STREAM - localhost: allow by dns-local$'
	assert_line --regexp ':3: pid 100 preload seq 3 /usr/bin/curl connect AF_INET SOCK_STREAM IPPROTO_TCP 127.0.0.1 port 8080: allow by loopback$'
	assert_line --regexp ':5: pid 100 preload seq 5 /usr/bin/curl connect AF_INET6 SOCK_STREAM IPPROTO_TCP ::1 port 443: allow by loopback$'
	assert_line --regexp ':6: pid 100 preload seq 6 /usr/bin/curl sendto AF_INET SOCK_DGRAM IPPROTO_UDP 127.0.0.53 port 53: allow by loopback$'
	assert_line --regexp ':7: pid 100 preload seq 7 /usr/bin/curl getaddrinfo AF_UNSPEC - - nowhere.invalid: deny \(was allow\) by other-lookup$'
	# No address: no rule with an address or a port matches it.
	assert_line --regexp ':8: pid 100 preload seq 8 /usr/bin/curl connect AF_INET SOCK_STREAM IPPROTO_TCP malformed short: deny \(was allow\) by other-connect$'
	assert_line --regexp ':9: pid 200 preload seq 1 /usr/bin/python3.11 bind AF_INET SOCK_STREAM IPPROTO_TCP 0.0.0.0 port 8000: allow by \(default\)$'
	assert_line --regexp ':10: pid 200 preload seq 2 /usr/bin/python3.11 bind AF_INET SOCK_STREAM IPPROTO_TCP 127.0.0.1 port 0: deny \(was allow\) by no-bind-low$'
	assert_line --regexp ':11: pid 200 preload seq 3 /usr/bin/python3.11 connect AF_UNIX SOCK_STREAM 0 /run/x.sock: allow by run-socks$'
	assert_line --regexp ':12: pid 200 preload seq 4 /usr/bin/python3.11 connect AF_UNIX SOCK_STREAM 0 @abs: allow by run-socks$'
	assert_line --regexp ':13: pid 200 preload seq 5 /usr/bin/python3.11 sendmsg AF_NETLINK SOCK_RAW NETLINK_ROUTE \[0,0\]: allow by \(default\)$'
	assert_line --regexp ':16: pid 300 preload seq 3 /usr/bin/nc connect AF_INET SOCK_STREAM IPPROTO_TCP 10.1.2.3 port 80: allow by web$'
	run -1 "$SOCKAUDIT" eval addr.json "$DATA/addr.jsonl" --format json
	run -0 jq -c '[.newly_denied, .newly_denied_by_rule]' <<<"$output"
	assert_output '[3,[{"rule":"no-bind-low","count":1},{"rule":"other-connect","count":1},{"rule":"other-lookup","count":1}]]'
}
