#!/bin/bash
# SPDX-License-Identifier: MIT
# The cost of a socket.connect event against a socket.__new__ event's.
# bench/addr_loop.c's loops, "socket" (socket + close: one event),
# "connect" (socket + connect to a loopback UDP peer + close: two events)
# and "sendto" (a sendto with an address and a recv, one event),
# natively and under `sockaudit run --layer preload` and `--layer auto`
# logging every call to a file, alternating in this one invocation, REPEAT
# times each, medians with min-max.  The connect event's cost is the
# connect loop's overhead minus the socket loop's: each connect is on a new
# socket, whose facts (family, type, protocol) the shim must read; a
# sendto on the same socket finds them kept (shim/facts.c).  Last, the
# connect loop under a policy of 10,000 CIDR rules none of which matches.
#   N=iterations (default 50000)  REPEAT=runs per configuration (default 7)
set -u
cd "$(dirname "$0")/.."
. bench/lib.bash
B="${B:-build}"
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
LOOP="$B/bench/addr_loop"
SOCKAUDIT="$B/sockaudit"
PY="${PY:-python3}"
N="${N:-50000}"
REPEAT="${REPEAT:-7}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stats() { sort -n | awk '{v[NR] = $1} END {printf "%d %d %d\n", v[int((NR + 1) / 2)], v[1], v[NR]}'; }

# 10,000 CIDR rules that refuse connects to 10.0.0.0/24 ... 10.39.15.0/24,
# none of which the loop's 127.0.0.1 matches: every one is looked at.
"$PY" - "$tmp/cidr.json" <<'PY'
import json, sys
rules = [{"id": "no-%d" % i, "event": "socket.connect",
          "address": "10.%d.%d.0/24" % (i // 256, i % 256),
          "action": "deny", "errno": "ENETUNREACH"} for i in range(10000)]
json.dump({"version": 1, "mode": "enforce", "default": {"action": "allow"},
           "rules": rules}, open(sys.argv[1], "w"))
PY

run_one() {
	local layer="$1" loop="$2"
	rm -f "$tmp/log"
	case "$layer" in
	native) "$LOOP" "$N" "$loop" ;;
	cidr) "$SOCKAUDIT" run --layer preload -p "$tmp/cidr.json" -o "$tmp/log" -- "$LOOP" "$N" "$loop" ;;
	*) "$SOCKAUDIT" run --layer "$layer" -o "$tmp/log" -- "$LOOP" "$N" "$loop" ;;
	esac >>"$tmp/$layer-$loop" || { echo "$layer $loop: run failed" >&2; exit 1; }
}

for ((i = 0; i < REPEAT; i++)); do
	for layer in native preload auto; do
		for loop in socket connect sendto; do
			run_one "$layer" "$loop"
		done
	done
	run_one cidr connect
done

printf '%-44s %8s %13s %8s\n' "UDP loops, N=$N, every call logged" "ns/iter" "min-max" "x native"
for loop in socket connect sendto; do
	read -r nat nlo nhi < <(stats <"$tmp/native-$loop")
	printf '%-44s %8d %13s %8.2f\n' "$loop: native" "$nat" "$nlo-$nhi" 1
	for layer in preload auto; do
		read -r v lo hi < <(stats <"$tmp/$layer-$loop")
		printf '%-44s %8d %13s %8.2f\n' "$loop: run --layer $layer" "$v" "$lo-$hi" \
			"$(awk -v v="$v" -v n="$nat" 'BEGIN {print v / n}')"
	done
done
read -r nat _ < <(stats <"$tmp/native-connect")
read -r v lo hi < <(stats <"$tmp/cidr-connect")
printf '%-44s %8d %13s %8.2f\n' "connect: preload, 10,000 CIDR rules" "$v" "$lo-$hi" \
	"$(awk -v v="$v" -v n="$nat" 'BEGIN {print v / n}')"
read -r pre _ < <(stats <"$tmp/preload-connect")
echo "10,000 CIDR rules, none matching: $((v - pre)) ns more per iteration than the default policy (medians)"
cidr_fig="$(awk -v v="$v" -v n="$nat" 'BEGIN { printf "%.2f", v / n }')x ($((v - pre)) ns per iteration against the default policy)"
for layer in preload auto; do
	read -r ns _ < <(stats <"$tmp/native-socket")
	read -r us _ < <(stats <"$tmp/$layer-socket")
	read -r nc _ < <(stats <"$tmp/native-connect")
	read -r uc _ < <(stats <"$tmp/$layer-connect")
	read -r nt _ < <(stats <"$tmp/native-sendto")
	read -r ut _ < <(stats <"$tmp/$layer-sendto")
	eval "ev_$layer=\"$((us - ns)) / $((uc - nc - (us - ns))) / $((ut - nt)) ns\""
	echo "$layer: a socket.__new__ event costs $((us - ns)) ns, a socket.connect event on a new socket $((uc - nc - (us - ns))) ns, a socket.sendto event on the same socket $((ut - nt)) ns (medians)"
done

# The README's rows (medians)
x() { awk -v v="$(stats <"$tmp/$1-$2" | cut -d' ' -f1)" -v n="$(stats <"$tmp/native-$2" | cut -d' ' -f1)" \
	'BEGIN { printf "%.2f", v / n }'; }
bench_figure addr.connect-loop "UDP \`socket\`+\`connect\`+\`close\` loop, every call logged under \`run\`" \
	"$(x preload connect)x preload, $(x auto connect)x auto"
bench_figure addr.event-cost "one event's cost, preload: \`socket.__new__\` / \`socket.connect\` on a new socket / \`socket.sendto\` on the same socket" \
	"$ev_preload (auto: $ev_auto)" "a connect event ≤ a \`socket.__new__\` event" \
	"$(bench_verdict "$(echo "$ev_preload" | awk '{ print $3 - $1 }')" '<=' 0)"
bench_figure addr.cidr "the connect loop under 10,000 CIDR rules, none matching (preload)" "$cidr_fig"
