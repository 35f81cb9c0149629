#!/bin/bash
# SPDX-License-Identifier: MIT
# The policy library: `sockaudit check` on a generated 10,000-rule policy
# (about 1 MB) against /bin/true, and policy_match() against socket()+close(),
# each pair measured in this run.  Goal: the check well under 100 ms.  Then
# a 10,000-rule CIDR policy: its check, and a socket.connect decided against
# it (bench/match.c; goal: within the ~1 us a socket.__new__ event costs).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.bash
B="${B:-build}"
RUNS="${RUNS:-15}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Rules as a real large policy has them: ids, family/type lists, exe globs,
# shutdown rules; all distinct, none shadowed; about 100 bytes each.
awk -v n=10000 'BEGIN {
	split("AF_INET AF_UNIX AF_PACKET AF_VSOCK AF_NETLINK AF_CAN AF_INET6 AF_BLUETOOTH", fam, " ")
	split("SOCK_STREAM SOCK_DGRAM SOCK_RAW SOCK_SEQPACKET", typ, " ")
	printf "{\"version\": 1, \"mode\": \"enforce\",\n \"default\": {\"action\": \"deny\", \"errno\": \"EACCES\"},\n \"rules\": [\n"
	for (i = 0; i < n; i++) {
		sep = i + 1 < n ? "," : ""
		if (i % 10 == 9)
			printf "{\"id\":\"s%d\",\"event\":\"socket.shutdown\",\"how\":[\"SHUT_RD\",\"SHUT_WR\"],\"exe\":\"/srv/a%d/*\",\"action\":\"allow\",\"log\":false}%s\n", i, i, sep
		else if (i % 2)
			printf "{\"id\":\"t%d\",\"family\":[\"AF_INET\",\"AF_INET6\"],\"type\":\"SOCK_STREAM\",\"exe\":\"/srv/a%d/bin/srv\",\"action\":\"allow\"}%s\n", i, i, sep
		else
			printf "{\"id\":\"r%d\",\"family\":\"%s\",\"type\":[\"%s\",%d],\"exe\":\"/opt/%d/*\",\"action\":\"deny\",\"errno\":\"EPERM\"}%s\n", i, fam[i % 8 + 1], typ[i % 4 + 1], i % 4 + 1, i, sep
	}
	printf " ]}\n"
}' > "$tmp/big.json"

# 10,000 address rules: distinct blocks of 10.0.0.0/8 (the matcher decides
# them through the address index; check looks for shadowed blocks).
awk -v n=10000 'BEGIN {
	printf "{\"version\": 1, \"default\": {\"action\": \"deny\", \"event\": [\"socket.__new__\", \"socket.connect\"]},\n \"rules\": [\n"
	for (i = 0; i < n; i++) {
		a = i * 16
		printf "%s{\"id\":\"c%d\",\"event\":\"socket.connect\",\"address\":\"10.%d.%d.%d%s\",\"action\":\"allow\"}\n", (i ? "," : ""), i, int(a / 65536) % 256, int(a / 256) % 256, a % 256, (i % 16 ? "" : "/28")
	}
	printf " ]}\n"
}' > "$tmp/cidr.json"
if ! "$B/sockaudit" check --quiet "$tmp/cidr.json" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
	echo "bench-policy: the generated CIDR policy is not clean:" >&2
	head -5 "$tmp/err" >&2
	exit 1
fi

bytes=$(stat -c %s "$tmp/big.json")
summary=$("$B/sockaudit" check "$tmp/big.json" 2>"$tmp/err")
if [ -s "$tmp/err" ]; then
	echo "bench-policy: the generated policy is not clean:" >&2
	head -5 "$tmp/err" >&2
	exit 1
fi

# Medians over RUNS runs of "$@": "WALL_MS CPU_MS" (CPU: user + system).
# The machine is shared: CPU time says what the program costs, wall time
# what a user waits on a busy machine.
medians() {
	local i out=$tmp/times TIMEFORMAT='%3R %3U %3S'
	: > "$out"
	for ((i = 0; i < RUNS; i++)); do
		{ time "$@" >/dev/null 2>&1; } 2>>"$out"
	done
	awk '{ print $1 * 1000, ($2 + $3) * 1000 }' "$out" | sort -n -k1,1 | awk '{ w[NR] = $1 } END { print w[int((NR + 1) / 2)] }' > "$tmp/w"
	awk '{ print ($2 + $3) * 1000 }' "$out" | sort -n | awk '{ c[NR] = $1 } END { print c[int((NR + 1) / 2)] }' > "$tmp/c"
	echo "$(cat "$tmp/w") $(cat "$tmp/c")"
}

read -r check_wall check_cpu < <(medians "$B/sockaudit" check --quiet "$tmp/big.json")
read -r cidr_wall cidr_cpu < <(medians "$B/sockaudit" check --quiet "$tmp/cidr.json")
read -r true_wall true_cpu < <(medians /bin/true)
read -r json_wall json_cpu < <(medians "$B/bench/jsonparse" "$tmp/big.json")
echo "policy: $summary ($bytes bytes)"
awk -v cw="$check_wall" -v cc="$check_cpu" -v tw="$true_wall" -v tc="$true_cpu" \
    -v jw="$json_wall" -v jc="$json_cpu" -v r="$RUNS" 'BEGIN {
	printf "sockaudit check, 10000 rules, median of %d: %4.0f ms wall, %4.0f ms CPU\n", r, cw, cc
	printf "cJSON parse alone (the floor), same file:     %4.0f ms wall, %4.0f ms CPU\n", jw, jc
	printf "native /bin/true:                             %4.0f ms wall, %4.0f ms CPU\n", tw, tc
	printf "check - native: %.0f ms wall, %.0f ms CPU; check / cJSON alone: %.2fx CPU; goal < 100 ms: %s\n",
		cw - tw, cc - tc, (jc > 0 ? cc / jc : 0), cw - tw < 100 ? "met" : "MISSED (compare CPU and the cJSON floor on a busy machine)"
}'
awk -v cw="$cidr_wall" -v cc="$cidr_cpu" -v r="$RUNS" 'BEGIN {
	printf "sockaudit check, 10000 CIDR rules, median of %d: %4.0f ms wall, %4.0f ms CPU\n", r, cw, cc
}'
match_out=$("$B/bench/match")
printf '%s\n' "$match_out"

# The README's rows
bench_figure policy.check "\`sockaudit check\`, 10,000 rules ($((bytes / 1000)) kB)" \
	"$(awk -v w="$check_wall" -v j="$json_wall" 'BEGIN { printf "%.0f ms wall (cJSON'"'"'s bare parse: %.0f ms)", w, j }')" \
	"< 100 ms" "$(awk -v w="$check_wall" -v t="$true_wall" 'BEGIN { print w - t < 100 ? "met" : "missed" }')"
bench_figure policy.check-cidr "\`sockaudit check\`, 10,000 CIDR rules" \
	"$(awk -v w="$cidr_wall" 'BEGIN { printf "%.0f ms wall", w }')"
ns() { printf '%s\n' "$match_out" | sed -n "s/^$1: \([0-9.]*\) ns.*/\1/p"; }
m5=$(ns 'policy_match, 5 rules (mix of rule 3, rule 4, default)')
c1=$(ns 'socket.connect, 1 CIDR rule')
ci=$(ns 'socket.connect, 10000 CIDR rules (address index)')
cs=$(ns 'socket.connect, 10000 CIDR rules scanned one by one')
if [ -z "$m5" ] || [ -z "$c1" ] || [ -z "$ci" ] || [ -z "$cs" ]; then
	echo "bench-policy: a figure is missing from bench/match's output" >&2
	exit 1
fi
bench_figure policy.match "\`policy_match\`, 5 rules" "$m5 ns per call"
bench_figure policy.cidr "a \`socket.connect\` decided against 1 CIDR rule / 10,000 (address index) / 10,000 scanned one by one" \
	"$c1 ns / $ci ns / $cs ns" "10,000 rules within an event's cost"
