#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sockaudit report: crafted logs for the edge cases (seq gaps, interleaved
# processes and layers, exec restarts, rotated files in any order, junk
# lines, stdin), then a log written by a real program under sockaudit run.

bats_require_minimum_version 1.5.0
load helper

DATA="$ROOT/tests/data"

@test "report: the summary of interleaved processes, both layers, an exec restart" {
	cp "$DATA/procs.jsonl" .
	run -0 "$SOCKAUDIT" report procs.jsonl
	assert_line "Files:        1, 0 lines not events"
	assert_line "Time span:    2026-11-24T04:00:00Z .. 2026-11-24T04:00:09Z (9.000s)"
	assert_line "Events:       11: socket.__new__ 10, socket.shutdown 1"
	assert_line "Decisions:    allow 9, deny 1, would_deny 1, kill 0"
	assert_line "Processes:    3, executables: 3"
	# pid 100 skips seq 3; pid 200's notify layer counts on its own; pid 300
	# restarts at seq 1 after an exec: only one event is lost.
	assert_line "Lost events:  1 in 1 processes"
	assert_line "  pid 100 (/usr/bin/curl, preload layer): 1 lost"
}

@test "report: a value without a name groups alike in an older log (bare number) and a new one (decimal string)" {
	old='{"v":1,"seq":1,"ts":"2026-11-24T04:00:00Z","event":"socket.__new__","args":[3,50,1,0],"family":50,"type":"SOCK_STREAM","protocol":0,"decision":"allow","pid":1,"layer":"preload"}'
	new='{"v":1,"seq":2,"ts":"2026-11-24T04:00:01Z","event":"socket.__new__","args":[4,50,1,0],"family":"50","type":"SOCK_STREAM","protocol":"0","decision":"allow","pid":1,"layer":"preload"}'
	printf '%s\n%s\n' "$old" "$new" >mixed.jsonl
	run -0 bash -c "'$SOCKAUDIT' report --by family,protocol --format json mixed.jsonl | jq -c '[.groups[] | [.count, .family, .protocol]]'"
	assert_output '[[2,"50","0"]]'
}

@test "report: groups, largest first, and denials pointing back to file:line, pid, seq" {
	cp "$DATA/procs.jsonl" .
	run -0 "$SOCKAUDIT" report procs.jsonl
	# (bats drops blank lines from $lines)
	assert_line --index 6 --regexp '^COUNT +EXE +EVENT +FAMILY +TYPE +PROTOCOL +DECISION$'
	assert_line --index 7 --regexp '^    2 +…r/bin/python3.11 +__new__ +AF_UNIX +SOCK_STREAM +0 +allow$'
	assert_line "Denials: 2"
	assert_line "procs.jsonl:7: pid 100 preload seq 4 /usr/bin/curl __new__ AF_PACKET SOCK_RAW ETH_P_ALL: deny by no-packet"
	assert_line "procs.jsonl:10: pid 300 preload seq 2 /usr/sbin/ip __new__ AF_INET SOCK_RAW IPPROTO_ICMP: would_deny by no-raw"
	# The pointer really leads to the event.
	run -0 sed -n 7p procs.jsonl
	run -0 jq -r '"\(.pid) \(.seq) \(.decision)"' <<<"$output"
	assert_output "100 4 deny"
}

@test "report: rotated logs in either order lose nothing; several files add up" {
	run -0 "$SOCKAUDIT" report "$DATA/rotated.2.jsonl" "$DATA/rotated.1.jsonl"
	assert_line "Events:       6: socket.__new__ 6, socket.shutdown 0"
	assert_line "Lost events:  0 in 0 processes"
	assert_line --regexp '^    6 +/usr/bin/ssh +__new__ +AF_INET +SOCK_STREAM +IPPROTO_TCP +allow$'
	# Half a rotation shows the gap.
	run -0 "$SOCKAUDIT" report --format json "$DATA/rotated.1.jsonl" "$DATA/procs.jsonl"
	run -0 jq -c '[.events, .processes, .lost]' <<<"$output"
	assert_output "[14,4,1]"
}

@test "report: '-' reads standard input" {
	run -0 bash -c "'$SOCKAUDIT' report --format csv - < '$DATA/rotated.1.jsonl'"
	assert_output "count,exe,event,family,type,protocol,decision
3,\"/usr/bin/ssh\",\"socket.__new__\",\"AF_INET\",\"SOCK_STREAM\",\"IPPROTO_TCP\",\"allow\""
}

@test "report: junk lines are counted and named by file and line; exit status 1" {
	run -1 "$SOCKAUDIT" report "$DATA/junk.jsonl"
	assert_line "Events:       2: socket.__new__ 2, socket.shutdown 0"
	assert_line "Lines that are not events: 6"
	assert_line "$DATA/junk.jsonl:2: truncated line"
	assert_line "$DATA/junk.jsonl:3: not a sockaudit event: no \"v\" key"
	assert_line "$DATA/junk.jsonl:4: newer schema version: schema version 2; this reader knows 1"
	assert_line "$DATA/junk.jsonl:5: NUL bytes"
	assert_line "$DATA/junk.jsonl:6: binary data"
	assert_line "$DATA/junk.jsonl:8: not JSON"
	# The event on the last line, without a newline, counts.
	run -1 "$SOCKAUDIT" report --format json "$DATA/junk.jsonl"
	run -0 jq -c '[.events, .junk, [.junk_lines[].line]]' <<<"$output"
	assert_output "[2,6,[2,3,4,5,6,8]]"
}

@test "report: an enormous line is skipped in bounded memory, the next line still counts" {
	{
		printf '{"v":1,"exe":"'
		head -c 3000000 /dev/zero | tr '\0' a
		printf '"}\n'
		cat "$DATA/rotated.1.jsonl"
	} > big.jsonl
	run -1 "$SOCKAUDIT" report big.jsonl
	assert_line "big.jsonl:1: line too long: more than 65536 bytes"
	assert_line "Events:       3: socket.__new__ 3, socket.shutdown 0"
}

@test "report: filters --decision, --exe, --pid, --family, --since, --until" {
	cp "$DATA/procs.jsonl" .
	run -0 "$SOCKAUDIT" report --format json --decision denied procs.jsonl
	run -0 jq -c '[.matched, .decisions.deny, .decisions.would_deny]' <<<"$output"
	assert_output "[2,1,1]"
	run -0 "$SOCKAUDIT" report --format json --exe '*/curl' procs.jsonl
	run -0 jq -c '[.matched, ([.groups[].exe] | unique)]' <<<"$output"
	assert_output '[4,["/usr/bin/curl"]]'
	run -0 "$SOCKAUDIT" report --format json --pid 200,300 procs.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output "8"
	run -0 "$SOCKAUDIT" report --format json --family AF_INET6 procs.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output "2"
	run -0 "$SOCKAUDIT" report --format json --since 2026-11-24T04:00:05Z --until 2026-11-24T04:00:08Z procs.jsonl
	run -0 jq -c '[.matched, .first, .last]' <<<"$output"
	assert_output '[3,"2026-11-24T04:00:05Z","2026-11-24T04:00:07Z"]'
	# Relative times count back from now: ten years back includes the
	# crafted events, ending ten years ago excludes them.
	run -0 "$SOCKAUDIT" report --format json --since -3650d procs.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output "11"
	run -0 "$SOCKAUDIT" report --format json --until -3650d procs.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output "0"
	run -2 "$SOCKAUDIT" report --since -99999999999d procs.jsonl
	assert_output --partial "bad time '-99999999999d'"
}

@test "report: --by chooses the grouping; json and csv are stable" {
	cp "$DATA/procs.jsonl" .
	run -0 "$SOCKAUDIT" report --by decision --format csv procs.jsonl
	assert_output 'count,decision
9,"allow"
1,"deny"
1,"would_deny"'
	run -0 "$SOCKAUDIT" report --by family,layer --format json procs.jsonl
	run -0 jq -c '.groups[0]' <<<"$output"
	assert_output '{"count":5,"family":"AF_INET","layer":"preload"}'
}

@test "report: the table fits 80 columns with long paths and odd bytes" {
	run -0 "$SOCKAUDIT" report "$DATA/wide.jsonl" "$DATA/procs.jsonl"
	local table
	table=$(sed -n '/^COUNT/,/^$/p' <<<"$output")
	# Columns, not bytes: "…" is one column.
	run -0 "$PY" -c 'import sys; print(max(len(l) for l in sys.stdin.read().splitlines()))' <<<"$table"
	[ "$output" -le 80 ]
	[[ "$table" == *"…"* ]]
}

@test "report: usage errors exit 2 with a hint" {
	run -2 "$SOCKAUDIT" report --by exe,famly "$DATA/procs.jsonl"
	assert_output --partial "unknown field 'famly' in --by; did you mean 'family'?"
	run -2 "$SOCKAUDIT" report --since tomorrow "$DATA/procs.jsonl"
	assert_output --partial "bad time 'tomorrow'"
	run -2 "$SOCKAUDIT" report --since 2026-02-30 "$DATA/procs.jsonl"
	assert_output --partial "bad time '2026-02-30'"
	run -2 "$SOCKAUDIT" report --event socket.listen "$DATA/procs.jsonl"
	assert_output --partial "unknown event 'socket.listen'"
	run -2 "$SOCKAUDIT" report --layer kernel "$DATA/procs.jsonl"
	assert_output --partial "unknown layer 'kernel' (preload, seccomp, notify)"
	run -2 "$SOCKAUDIT" report --family AF_INET,AF_INTE "$DATA/procs.jsonl"
	assert_output --partial "unknown family 'AF_INTE'; did you mean 'AF_INET'?"
	run -2 "$SOCKAUDIT" report --format xml "$DATA/procs.jsonl"
	assert_output --partial "unknown format 'xml' (table, json, csv, lines)"
	run -2 "$SOCKAUDIT" report --family AF_INTE "$DATA/procs.jsonl"
	assert_output --partial "unknown family 'AF_INTE'; did you mean 'AF_INET'?"
	run -2 "$SOCKAUDIT" report
	assert_output --partial "no LOG given"
	run -2 "$SOCKAUDIT" report "$T/missing.jsonl"
	assert_output --partial "missing.jsonl: No such file or directory"
	run -0 "$SOCKAUDIT" report --help
	assert_line --partial "Usage: sockaudit report"
}

@test "report: a real program's log under sockaudit run" {
	run -0 "$SOCKAUDIT" run --mode audit -o "$T/log" -- "$PY" -c '
import socket
for i in range(3):
    socket.socket().close()
a, b = socket.socketpair()
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
s = socket.socket(); s.shutdown(socket.SHUT_RDWR) if False else None
'
	run -0 "$SOCKAUDIT" report --format json --by event,family,type,protocol "$T/log"
	run -0 jq -c '[.groups[] | select(.family != "AF_NETLINK") | [.count, .event, .family, .type, .protocol]]' <<<"$output"
	assert_output '[[4,"socket.__new__","AF_INET","SOCK_STREAM","IPPROTO_TCP"],[2,"socket.__new__","AF_UNIX","SOCK_STREAM","0"],[1,"socket.__new__","AF_INET","SOCK_DGRAM","IPPROTO_UDP"]]'
	run -0 "$SOCKAUDIT" report "$T/log"
	assert_line "Lost events:  0 in 0 processes"
	assert_line --regexp "^Processes:    1, executables: 1$"
}

@test "report: a 40 KB executable path is an event; its group key is cut, the JSON stays valid" {
	"$PY" -c '
import json
print(json.dumps({"v": 1, "seq": 1, "ts": "2026-11-24T04:00:00Z", "event": "socket.__new__",
    "args": [3, 2, 1, 0], "family": "AF_INET", "type": "SOCK_STREAM", "protocol": "IPPROTO_TCP",
    "decision": "deny", "pid": 1, "exe": "/x" * 20000, "comm": "\u00e9" * 20000, "layer": "preload"}))' > long.jsonl
	run -0 "$SOCKAUDIT" report --by exe,comm,family --format json long.jsonl
	run -0 jq -c '[.events, (.groups[0].exe | length), (.groups[0].exe | endswith("/x…")), (.groups[0].comm | length)]' <<<"$output"
	assert_output "[1,1025,true,171]"
	run -0 "$SOCKAUDIT" report long.jsonl
	# The line keeps the path's end, in 64 columns.
	assert_line --regexp '^long\.jsonl:1: pid 1 preload seq 1 …[/x]{62}… __new__ AF_INET SOCK_STREAM IPPROTO_TCP: deny by \(default\)$'
}

# ---- where sockets go (tests/data/addr.jsonl, addr-hosts.jsonl) ----

@test "report: destinations and listening addresses per executable, as a table" {
	cp "$DATA/addr.jsonl" .
	run -0 "$SOCKAUDIT" report --width 100 addr.jsonl
	assert_line "Events:       17: socket.__new__ 1, socket.shutdown 0, socket.connect 8, socket.bind 4, socket.sendto 1, socket.sendmsg 1, socket.getaddrinfo 2"
	assert_line "Destinations (connect, sendto, sendmsg), per executable:"
	assert_line --regexp '^COUNT  EXE +EVENT +ADDRESS +PORT  HOST$'
	assert_line --regexp '^    2  /usr/bin/curl +connect  127\.0\.0\.1 +8080  localhost$'
	assert_line --regexp '^    1  /usr/bin/curl +connect  ::1 +443  -$'
	assert_line --regexp '^    1  /usr/bin/curl +connect  \(malformed short\) +-  -$'
	assert_line --regexp '^    1  /usr/bin/curl +sendto +127\.0\.0\.53 +53  -$'
	assert_line --regexp '^    1  /usr/bin/python3\.11 +connect  /run/x\.sock +-  -$'
	assert_line --regexp '^    1  /usr/bin/python3\.11 +connect  @abs +-  -$'
	assert_line --regexp '^    1  /usr/bin/python3\.11 +sendmsg  \[0,0\] +-  -$'
	assert_line "Listening addresses (bind), per executable:"
	assert_line --regexp '^    1  /usr/bin/python3\.11 +bind +0\.0\.0\.0 +8000$'
	assert_line --regexp '^    1  /usr/bin/python3\.11 +bind +127\.0\.0\.1 +0$'
	# Per executable: curl's rows, then nc's, then python's.
	run -0 bash -c "'$SOCKAUDIT' report --width 100 addr.jsonl | sed -n '/^Destinations/,/^\$/p' | awk 'NR>2 && NF {print \$2}' | uniq | tr '\n' ' '"
	assert_output "/usr/bin/curl /usr/bin/nc /usr/bin/python3.11 "
}

@test "report: destinations and listening addresses in --format json; old logs have none" {
	run -0 bash -c "'$SOCKAUDIT' report --format json '$DATA/addr.jsonl' | jq -c '[.destinations[0], (.destinations | length), .listening[2], (.listening | length), .by_event[\"socket.connect\"]]'"
	assert_output '[{"count":2,"exe":"/usr/bin/curl","event":"socket.connect","address":"127.0.0.1","port":8080,"host":"localhost","malformed":null},9,{"count":1,"exe":"/usr/bin/python3.11","event":"socket.bind","address":"0.0.0.0","port":8000,"malformed":null},4,8]'
	run -0 bash -c "'$SOCKAUDIT' report --format json '$DATA/addr.jsonl' | jq -c '[.destinations[] | select(.address == null or ((.address | type) == \"string\" and (.address | startswith(\"@\"))))]'"
	assert_output '[{"count":1,"exe":"/usr/bin/curl","event":"socket.connect","address":null,"port":null,"host":null,"malformed":"short"},{"count":1,"exe":"/usr/bin/python3.11","event":"socket.connect","address":"@abs","port":null,"host":null,"malformed":null}]'
	run -0 bash -c "'$SOCKAUDIT' report --format json '$DATA/procs.jsonl' | jq -c '[.destinations, .listening, .by_event]'"
	assert_output '[[],[],{"socket.__new__":10,"socket.shutdown":1}]'
	run -0 "$SOCKAUDIT" report "$DATA/procs.jsonl"
	refute_line --partial "Destinations"
}

@test "report: a connect's host is the last lookup of the same process that returned its address" {
	# pid 400: a connect before any lookup (no host); a.test returns
	# 127.0.0.1 and ::1 (a v4-mapped connect joins the v4 address); b.test
	# then returns 127.0.0.1 again; pid 401 never looked anything up.
	run -0 bash -c "'$SOCKAUDIT' report --format json '$DATA/addr-hosts.jsonl' | jq -c '[.destinations[] | [.count, .address, .host]]'"
	assert_output '[[2,"127.0.0.1",null],[1,"127.0.0.1","a.test"],[1,"127.0.0.1","b.test"],[1,"::1","a.test"],[1,"::ffff:127.0.0.1","a.test"]]'
	# The join sees every lookup, whatever the filter shows.
	run -0 bash -c "'$SOCKAUDIT' report --format json --since 2026-11-24T05:00:05Z '$DATA/addr-hosts.jsonl' | jq -c '[.destinations[] | [.count, .address, .host]]'"
	assert_output '[[1,"127.0.0.1","b.test"],[1,"127.0.0.1",null],[1,"::1","a.test"]]'
}

@test "report: a denied address event lists where it went" {
	sed -n 3p "$DATA/addr.jsonl" | sed 's/"decision":"allow","rule":null/"decision":"deny","rule":"no-web"/' > denied.jsonl
	run -0 "$SOCKAUDIT" report denied.jsonl
	assert_line "denied.jsonl:1: pid 100 preload seq 3 /usr/bin/curl connect AF_INET SOCK_STREAM IPPROTO_TCP 127.0.0.1 port 8080: deny by no-web"
}

@test "report: a real curl run's connect under the preload layer, as destination" {
	skip_curl_under_asan
	echo "hello" > index.txt
	port=$(free_port)
	"$PY" -m http.server --bind 127.0.0.1 --directory "$T" "$port" >/dev/null 2>&1 &
	server=$!
	wait_for_port "$port"
	run -0 --separate-stderr "$SOCKAUDIT" run --layer preload -o "$T/log" -- curl -s "http://127.0.0.1:$port/index.txt"
	kill "$server"
	assert_output "hello"
	run -0 "$SOCKAUDIT" report --width 100 log
	assert_line --regexp "^    1  /usr/bin/curl +connect +127\.0\.0\.1 +$port  -\$"
	run -0 bash -c "'$SOCKAUDIT' report --format json log | jq -c '[.destinations, .listening, .by_event[\"socket.connect\"], .junk]'"
	assert_output "[[{\"count\":1,\"exe\":\"/usr/bin/curl\",\"event\":\"socket.connect\",\"address\":\"127.0.0.1\",\"port\":$port,\"host\":null,\"malformed\":null}],[],1,0]"
}

@test "report: lost events name each process's executable when there are hundreds of executables" {
	# 300 executables, each process skipping seq 2: the table of executables
	# grows (moves its entries) many times while processes point into it.
	for i in $(seq 1 300); do
		for s in 1 3; do
			printf '{"v":1,"seq":%d,"ts":"2026-11-24T04:00:00Z","event":"socket.__new__","args":[3,1,1,0],"family":"AF_UNIX","type":"SOCK_STREAM","protocol":"0","decision":"allow","pid":%d,"exe":"/opt/app%d/bin/tool","layer":"preload"}\n' "$s" "$((1000 + i))" "$i"
		done
	done >many.jsonl
	run -0 "$SOCKAUDIT" report --list 1000 many.jsonl
	assert_line "Lost events:  300 in 300 processes"
	assert_line "  pid 1001 (/opt/app1/bin/tool, preload layer): 1 lost"
	assert_line "  pid 1300 (/opt/app300/bin/tool, preload layer): 1 lost"
	run -0 bash -c "'$SOCKAUDIT' report --list 1000 many.jsonl | grep -c '^  pid [0-9]* (/opt/app[0-9]*/bin/tool, preload layer): 1 lost\$'"
	assert_output 300
	run -0 bash -c "'$SOCKAUDIT' report --list 1000 --format json many.jsonl | jq -r '.lost_by_process[] | \"\\(.pid) \\(.exe)\"' | awk '{ if (\$2 != \"/opt/app\" (\$1 - 1000) \"/bin/tool\") bad++ } END { print NR, bad + 0 }'"
	assert_output "300 0"
}

# ---- issue 12: reading like the tools its users know ----

@test "report: a missing or unreadable log prints nothing on stdout and exits 2, whatever the format" {
	cp "$DATA/procs.jsonl" .
	mkdir adir
	for fmt in table json csv lines; do
		run -2 --separate-stderr "$SOCKAUDIT" report --format "$fmt" procs.jsonl missing.jsonl
		assert_output ""
		[ "$stderr" = "sockaudit report: missing.jsonl: No such file or directory" ]
	done
	run -2 --separate-stderr "$SOCKAUDIT" report procs.jsonl adir missing.jsonl
	assert_output ""
	assert_equal "${stderr_lines[0]}" "sockaudit report: adir: Is a directory"
	assert_equal "${stderr_lines[1]}" "sockaudit report: missing.jsonl: No such file or directory"
}

@test "report: --since and --until take local times, a date as local midnight" {
	cp "$DATA/procs.jsonl" .
	# The events are at 2026-11-24T04:00:00Z..04:00:09Z: 13:00 in Tokyo.
	run -0 env TZ=Asia/Tokyo "$SOCKAUDIT" report --format json --since '2026-11-24 13:00:05' --until '2026-11-24T13:00:08' procs.jsonl
	run -0 jq -c '[.matched, .first, .last]' <<<"$output"
	assert_output '[3,"2026-11-24T04:00:05Z","2026-11-24T04:00:07Z"]'
	run -0 env TZ=Asia/Tokyo "$SOCKAUDIT" report --format json --since '2026-11-24 13:00' procs.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output 11
	# Midnight of 24 November is 15:00Z the day before in Tokyo, 05:00Z
	# in New York: the events are after the one and before the other.
	run -0 env TZ=Asia/Tokyo "$SOCKAUDIT" report --format json --until 2026-11-24 procs.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output 0
	run -0 env TZ=America/New_York "$SOCKAUDIT" report --format json --until 2026-11-24 procs.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output 11
	# RFC 3339 with a zone stays exact, whatever TZ says.
	run -0 env TZ=Asia/Tokyo "$SOCKAUDIT" report --format json --since 2026-11-24T04:00:09Z procs.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output 1
}

# One event at each of the times given (date(1) -d words), in order.
events_at() {
	local seq=0 t
	for t in "$@"; do
		seq=$((seq + 1))
		printf '{"v":1,"seq":%d,"ts":"%s","event":"socket.__new__","args":[3,1,1,0],"family":"AF_UNIX","type":"SOCK_STREAM","protocol":"0","decision":"allow","pid":1,"layer":"preload"}\n' \
			"$seq" "$(date -u -d "$t" +%Y-%m-%dT%H:%M:%SZ)"
	done
}

@test "report: today, yesterday, recent, now and HH:MM, as ausearch takes them" {
	export TZ=UTC
	events_at 'yesterday 12:00' 'today 00:00:01' > days.jsonl
	run -0 "$SOCKAUDIT" report --format json --since yesterday --until today days.jsonl
	run -0 jq -c '[.matched, .first]' <<<"$output"
	assert_output "[1,\"$(date -u -d 'yesterday 12:00' +%Y-%m-%dT%H:%M:%SZ)\"]"
	run -0 "$SOCKAUDIT" report --format json --since today days.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output 1
	# recent: ten minutes ago.
	events_at '20 minutes ago' '5 minutes ago' '2 minutes' > recent.jsonl
	run -0 "$SOCKAUDIT" report --format json --since recent recent.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output 2
	run -0 "$SOCKAUDIT" report --format json --since recent --until now recent.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output 1
	# HH:MM is today's: this minute's start has only the future event after it.
	run -0 "$SOCKAUDIT" report --format json --since "$(date +%H:%M)" recent.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output 1
	run -0 "$SOCKAUDIT" report --format json --since this-year --until week-ago recent.jsonl
	run -0 jq -c '.matched' <<<"$output"
	assert_output 0
}

@test "report: filters --event, --layer, --rule, --comm, and lists for --family" {
	cp "$DATA/procs.jsonl" .
	m() { "$SOCKAUDIT" report --format json "$@" procs.jsonl | jq -c .matched; }
	run -0 m --event socket.shutdown
	assert_output 1
	run -0 m --event __new__,shutdown
	assert_output 11
	run -0 m --layer notify
	assert_output 2
	run -0 m --layer preload,notify
	assert_output 11
	run -0 m --rule no-raw,no-packet
	assert_output 2
	# The policy default, spelled as the table shows it.
	run -0 m --rule '(default)'
	assert_output 9
	run -0 m --comm 'py*' --comm ip
	assert_output 7
	run -0 m --family AF_INET,AF_INET6
	assert_output 7
	run -0 m --family AF_INET --family AF_UNIX
	assert_output 7
	# Every filter must match: notify events are all AF_UNIX.
	run -0 m --layer notify --family AF_INET
	assert_output 0
}

@test "report: --format lines (--events) prints the matching events as the log holds them" {
	cp "$DATA/procs.jsonl" .
	run -0 "$SOCKAUDIT" report --format lines --decision denied procs.jsonl
	assert_output "$(sed -n '7p;10p' procs.jsonl)"
	run -0 "$SOCKAUDIT" report --events --exe '*/curl' --layer preload procs.jsonl
	assert_output "$(grep '"exe":"/usr/bin/curl"' procs.jsonl)"
	# Lines that are not events are not printed; they are counted on stderr.
	run -1 --separate-stderr "$SOCKAUDIT" report --events "$DATA/junk.jsonl"
	assert_equal "${#lines[@]}" 2
	run -0 jq -c .seq <<<"$output"
	[ "$stderr" = "sockaudit report: 6 lines are not events" ]
	# Its output is a log again.
	run -0 bash -c "'$SOCKAUDIT' report --events --pid 300 procs.jsonl | '$SOCKAUDIT' report --format json - | jq -c '[.events, .processes]'"
	assert_output '[3,1]'
}

@test "report: JSON denials carry exe, comm, family, type, protocol, layer; the default rule is null there, (default) in tables" {
	cp "$DATA/procs.jsonl" .
	run -0 bash -c "'$SOCKAUDIT' report --format json procs.jsonl | jq -c '.denials[]'"
	assert_line --index 0 '{"file":"procs.jsonl","line":7,"pid":100,"seq":4,"ts":"2026-11-24T04:00:05Z","event":"socket.__new__","exe":"/usr/bin/curl","comm":"curl","family":"AF_PACKET","type":"SOCK_RAW","protocol":"ETH_P_ALL","layer":"preload","decision":"deny","rule":"no-packet"}'
	sed -n 7p procs.jsonl | sed 's/"rule":"no-packet"/"rule":null/' > dflt.jsonl
	run -0 bash -c "'$SOCKAUDIT' report --format json dflt.jsonl | jq -c '[.denials[0].rule, .denials[0].exe]'"
	assert_output '[null,"/usr/bin/curl"]'
	run -0 "$SOCKAUDIT" report dflt.jsonl
	assert_line "dflt.jsonl:1: pid 100 preload seq 4 /usr/bin/curl __new__ AF_PACKET SOCK_RAW ETH_P_ALL: deny by (default)"
	run -0 "$SOCKAUDIT" report --by rule,decision procs.jsonl
	assert_line --regexp '^    9  \(default\)  allow$'
	refute_output --partial "null"
}

# A log whose strings need decoding: wide characters, raw bytes (the
# writer's \u0080..\u00ff), a control byte, quotes, null values.
odd_log() {
	printf '%s\n' \
		'{"v":1,"seq":1,"ts":"2026-11-24T04:00:00Z","event":"socket.__new__","args":[3,2,1,0],"family":"AF_INET","type":"SOCK_STREAM","flags":["SOCK_CLOEXEC","SOCK_NONBLOCK"],"protocol":"IPPROTO_TCP","errno":null,"decision":"deny","rule":null,"pid":1,"exe":"/opt/日本語のとても長いディレクトリ/ツール/bin/サーバー","comm":"サーバー","layer":"preload"}' \
		'{"v":1,"seq":2,"ts":"2026-11-24T04:00:01Z","event":"socket.__new__","args":[3,2,1,0],"family":"AF_INET","type":"SOCK_STREAM","flags":[],"protocol":"IPPROTO_TCP","errno":null,"decision":"allow","rule":"r\"1\"","pid":1,"exe":"/tmp/odd\u00ffname\u0001 \"q\"","comm":"odd\u00ff\u0001","layer":"preload"}' \
		> odd.jsonl
}

# The widest line of stdin, in display columns (East Asian wide: 2).
max_cols() {
	"$PY" -c '
import sys, unicodedata
def w(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
print(max(w(l) for l in sys.stdin.read().splitlines()))'
}

@test "report: table cells are decoded: no JSON escapes, no null; raw bytes as \\xHH; wide characters take two columns" {
	odd_log
	run -0 "$SOCKAUDIT" report --by exe,comm,flags,rule,errno --width 200 odd.jsonl
	assert_line --regexp '^    1  /opt/日本語のとても長いディレクトリ/ツール/bin/サーバー  サーバー +SOCK_CLOEXEC\|SOCK_NONBLOCK  \(default\) +-$'
	assert_line --regexp '^    1  /tmp/odd\\xffname\\x01 "q" +odd\\xff\\x01 +- +r"1" +-$'
	refute_output --partial '\u'
	refute_output --partial 'null'
	# Columns line up in display columns: every row is as wide as the header.
	run -0 bash -c "'$SOCKAUDIT' report --by comm,exe --width 200 odd.jsonl | sed -n '/^COUNT/,/^\$/p' | sed '/^\$/d'"
	run -0 max_cols <<<"$output"
	width="$output"
	run -0 bash -c "'$SOCKAUDIT' report --by comm,exe --width 200 odd.jsonl | sed -n '/^COUNT/,/^\$/p' | sed '/^\$/d' | head -1"
	run -0 max_cols <<<"$output"
	[ "$output" -le "$width" ]
	# Cut to fit, a wide character is never split.
	run -0 bash -c "'$SOCKAUDIT' report --by exe,comm,flags,rule --width 50 odd.jsonl | sed -n '/^COUNT/,/^\$/p'"
	run -0 max_cols <<<"$output"
	[ "$output" -le 50 ]
}

@test "report: the table fits --width, else \$COLUMNS, else the terminal's width" {
	odd_log
	table() { sed -n '/^COUNT/,/^$/p'; }
	run -0 bash -c "COLUMNS=60 '$SOCKAUDIT' report odd.jsonl '$DATA/wide.jsonl' | sed -n '/^COUNT/,/^\$/p'"
	run -0 max_cols <<<"$output"
	[ "$output" -le 60 ] && [ "$output" -ge 55 ]
	run -0 bash -c "COLUMNS=60 '$SOCKAUDIT' report --width 120 odd.jsonl '$DATA/wide.jsonl' | sed -n '/^COUNT/,/^\$/p'"
	run -0 max_cols <<<"$output"
	[ "$output" -gt 80 ] && [ "$output" -le 120 ]
	# A terminal of 50 columns (a pty that script(1) makes), without COLUMNS.
	run -0 script -qec "stty cols 50; env -u COLUMNS '$SOCKAUDIT' report --by exe,family '$DATA/wide.jsonl'" /dev/null </dev/null
	run -0 bash -c "tr -d '\r' <<<\"\$1\" | sed -n '/^COUNT/,/^\$/p'" _ "$output"
	assert_line --regexp '^COUNT EXE +FAMILY$'
	run -0 max_cols <<<"$output"
	[ "$output" -le 50 ] && [ "$output" -ge 45 ]
	# Not a terminal, no COLUMNS: 80.
	run -0 bash -c "env -u COLUMNS '$SOCKAUDIT' report odd.jsonl '$DATA/wide.jsonl' '$DATA/procs.jsonl' | sed -n '/^COUNT/,/^\$/p'"
	run -0 max_cols <<<"$output"
	[ "$output" -le 80 ] && [ "$output" -ge 75 ]
}

@test "report: an unnamed rule is named by its place (rules[N]) in the log, as check and eval name it, never null like the default" {
	cat >"$BATS_TEST_TMPDIR/p.json" <<'EOF2'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "named", "family": "AF_NETLINK", "action": "allow"},
           {"family": "AF_INET6", "action": "deny", "errno": "EACCES"}]}
EOF2
	run -0 "$SOCKAUDIT" eval "$BATS_TEST_TMPDIR/p.json" socket AF_INET6 SOCK_STREAM 0
	assert_output --partial "rule=rules[1]"
	run -0 "$SOCKAUDIT" run -q --layer preload -p "$BATS_TEST_TMPDIR/p.json" -o "$BATS_TEST_TMPDIR/log" -- \
		"$PY" -c 'import socket
try:
    socket.socket(socket.AF_INET6)
except PermissionError:
    pass
socket.socket(socket.AF_UNIX).close()'
	run -0 jq -c 'select(.event == "socket.__new__" and .call == "socket" and (.exe | endswith("python3") or test("python")))
		| [.family, .rule, .decision]' "$BATS_TEST_TMPDIR/log"
	assert_line '["AF_INET6","rules[1]","deny"]'
	assert_line '["AF_UNIX",null,"allow"]'
	run -0 "$SOCKAUDIT" report --format lines --rule 'rules[1]' "$BATS_TEST_TMPDIR/log"
	assert_equal "$(jq -r .family <<<"$output")" AF_INET6
}

@test "report: where a denied call went shows valid UTF-8 as it is and other bytes as \\xHH, in text and JSON" {
	cat >"$BATS_TEST_TMPDIR/p.json" <<'EOF2'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-connect", "event": "socket.connect", "action": "deny", "errno": "EACCES"}]}
EOF2
	run -0 "$SOCKAUDIT" run -q --layer preload -p "$BATS_TEST_TMPDIR/p.json" -o "$BATS_TEST_TMPDIR/log" -- \
		"$PY" -c 'import socket
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(b"/tmp/x\xc3\xa9\xff\x01.sock")
except PermissionError:
    pass'
	run -0 "$SOCKAUDIT" report --decision denied "$BATS_TEST_TMPDIR/log"
	assert_line --partial 'connect AF_UNIX SOCK_STREAM 0 /tmp/xé\xff\x01.sock: deny by no-connect'
	run -0 "$SOCKAUDIT" report --decision denied --format json "$BATS_TEST_TMPDIR/log"
	run -0 jq -r '.. | objects | select(has("where")) | .where' <<<"$output"
	assert_output '/tmp/xé\xff\x01.sock'
}
