#!/bin/bash
# SPDX-License-Identifier: MIT
# The preload shim's cost where it decides alone.  One loop of
# socket(AF_INET) + shutdown + close (bench/shim_loop.c), natively and under
# libsockaudit.so enforcing a policy that denies every call, in this same
# invocation, alternating, each REPEAT times, the median kept and given as a
# ratio to native.  (The logging configurations of that loop, the write
# floor, "log": false and strace are bench-log.sh's.)  Then start-up:
# LD_PRELOAD=the shim /bin/true against /bin/true, in milliseconds, in
# paired rounds (bench_startup).
#   N=iterations (default 50000)  REPEAT=runs per configuration (default 5)
#   TYPE=dgram|stream (default dgram)  STARTUP_ROUNDS (default 10)
set -u
cd "$(dirname "$0")/.."
. bench/lib.bash
B="${B:-build}"
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
SHIM="$B/libsockaudit.so"
LOOP="$B/bench/shim_loop"
N="${N:-50000}"
REPEAT="${REPEAT:-5}"
TYPE="${TYPE:-dgram}"
STARTUP_ROUNDS="${STARTUP_ROUNDS:-10}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/deny.json" <<'JSON'
{"version": 1, "mode": "enforce", "default": {"action": "deny", "errno": "EACCES"}, "rules": []}
JSON

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# one run of configuration NAME, appended to $tmp/NAME
run_one() {
	local name="$1"; shift
	rm -f "$tmp/log"
	case "$name" in
	native) "$LOOP" "$N" "$TYPE" ;;
	deny-all) env LD_PRELOAD="$SHIM" SOCKAUDIT_POLICY="$tmp/deny.json" \
		SOCKAUDIT_LOG=/dev/null "$LOOP" "$N" "$TYPE" ;;
	esac >>"$tmp/$name" || { echo "$name: run failed" >&2; exit 1; }
}

# Round-robin, so that the shared machine's changing load hits every
# configuration alike; the median of each.
configs="native deny-all"
for ((i = 0; i < REPEAT; i++)); do
	for c in $configs; do
		run_one "$c"
	done
done
native=$(median <"$tmp/native")

printf '%-34s %8s %8s\n' "socket($TYPE)+shutdown+close, N=$N" "ns/iter" "x native"
printf '%-34s %8d %8s\n' native "$native" 1.00
deny=$(median <"$tmp/deny-all")
deny_x=$(awk -v v="$deny" -v n="$native" 'BEGIN { printf "%.2f", v / n }')
printf '%-34s %8d %8.2f\n' deny-all "$deny" "$deny_x"
echo "(deny-all: enforce, default deny: only socket() is called and it is denied"
echo " in the shim, logged to /dev/null)"
bench_figure shim.deny-all "\`socket\`+\`shutdown\`+\`close\` loop, shim enforcing a policy that denies every call" \
	"${deny_x}x native (median of $REPEAT)"

# Start-up: both through env(1), so only the shim differs; paired rounds.
bench_startup "$STARTUP_ROUNDS" 30 "$tmp" native "env /bin/true" \
	shim "env LD_PRELOAD=$SHIM /bin/true" || { echo "start-up: hyperfine failed" >&2; exit 1; }
read -r dm dlo dhi < <(bench_stats "$tmp/shim.d")
read -r cm clo chi < <(bench_stats "$tmp/shim.c")
printf 'start-up of /bin/true with the shim: %+.3f ms wall (%.3f to %.3f), %+.3f ms CPU (%.3f to %.3f)\n' \
	"$dm" "$dlo" "$dhi" "$cm" "$clo" "$chi"
echo "($STARTUP_ROUNDS paired rounds of 30 runs each; medians of the differences to env /bin/true of the same round)"
bench_figure shim.startup "start-up, \`LD_PRELOAD=libsockaudit.so /bin/true\`" \
	"$(printf '%+.3f ms (%.3f to %.3f; CPU %+.3f ms)' "$dm" "$dlo" "$dhi" "$cm")" "≤ +1 ms" \
	"$(bench_verdict "$dm" '<=' 1)"
