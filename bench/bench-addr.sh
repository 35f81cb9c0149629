#!/bin/bash
# The cost of a socket.connect event against a socket.__new__ event's.
# bench/addr_loop.c's two loops, "socket" (socket + close: one event) and
# "connect" (socket + connect to a loopback UDP peer + close: two events),
# natively and under `sockaudit run --layer preload` and `--layer auto`
# logging every call to a file, alternating in this one invocation, REPEAT
# times each, medians with min-max.  The connect event's cost is the
# connect loop's overhead minus the socket loop's.
#   N=iterations (default 50000)  REPEAT=runs per configuration (default 7)
set -u
cd "$(dirname "$0")/.."
B="${B:-build}"
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
LOOP="$B/bench/addr_loop"
SOCKAUDIT="$B/sockaudit"
N="${N:-50000}"
REPEAT="${REPEAT:-7}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stats() { sort -n | awk '{v[NR] = $1} END {printf "%d %d %d\n", v[int((NR + 1) / 2)], v[1], v[NR]}'; }

run_one() {
	local layer="$1" loop="$2"
	rm -f "$tmp/log"
	case "$layer" in
	native) "$LOOP" "$N" "$loop" ;;
	*) "$SOCKAUDIT" run --layer "$layer" -o "$tmp/log" -- "$LOOP" "$N" "$loop" ;;
	esac >>"$tmp/$layer-$loop" || { echo "$layer $loop: run failed" >&2; exit 1; }
}

for ((i = 0; i < REPEAT; i++)); do
	for layer in native preload auto; do
		for loop in socket connect; do
			run_one "$layer" "$loop"
		done
	done
done

printf '%-44s %8s %13s %8s\n' "UDP loops, N=$N, every call logged" "ns/iter" "min-max" "x native"
for loop in socket connect; do
	read -r nat nlo nhi < <(stats <"$tmp/native-$loop")
	printf '%-44s %8d %13s %8.2f\n' "$loop: native" "$nat" "$nlo-$nhi" 1
	for layer in preload auto; do
		read -r v lo hi < <(stats <"$tmp/$layer-$loop")
		printf '%-44s %8d %13s %8.2f\n' "$loop: run --layer $layer" "$v" "$lo-$hi" \
			"$(awk -v v="$v" -v n="$nat" 'BEGIN {print v / n}')"
	done
done
for layer in preload auto; do
	read -r ns _ < <(stats <"$tmp/native-socket")
	read -r us _ < <(stats <"$tmp/$layer-socket")
	read -r nc _ < <(stats <"$tmp/native-connect")
	read -r uc _ < <(stats <"$tmp/$layer-connect")
	echo "$layer: a socket.__new__ event costs $((us - ns)) ns, a socket.connect event $((uc - nc - (us - ns))) ns (medians)"
done
