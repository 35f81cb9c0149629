#!/bin/bash
# The preload shim's cost where it decides alone.  One loop of
# socket(AF_INET) + shutdown + close (bench/shim_loop.c), natively and under
# libsockaudit.so enforcing a policy that denies every call, in this same
# invocation, alternating, each REPEAT times, the median kept and given as a
# ratio to native.  (The logging configurations of that loop, the write
# floor, "log": false and strace are bench-log.sh's.)  Then start-up:
# LD_PRELOAD=the shim /bin/true against /bin/true, in milliseconds.
#   N=iterations (default 50000)  REPEAT=runs per configuration (default 5)
#   TYPE=dgram|stream (default dgram)
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

# Start-up: both through env(1), so only the shim differs.
hyperfine -N --warmup 20 --runs 300 --export-json "$tmp/start.json" \
	"env /bin/true" "env LD_PRELOAD=$SHIM /bin/true" >/dev/null 2>&1 || {
	echo "start-up: hyperfine failed" >&2
	exit 1
}
jq -r 'def ms: . * 1000000 | round / 1000; def signed: if . >= 0 then "+\(.)" else "\(.)" end;
  .results | "FIGURE\tshim.startup\tstart-up, `LD_PRELOAD=libsockaudit.so /bin/true`\t\(.[1].median - .[0].median | ms | signed) ms (median of 300; CPU \((.[1].user + .[1].system) - (.[0].user + .[0].system) | ms | signed) ms)\t≤ +1 ms\t\(if (.[1].median - .[0].median) <= 0.001 then "met" else "missed" end)",
  "start-up /bin/true: native \(.[0].median * 1000 | . * 1000 | round / 1000) ms, with the shim \(.[1].median * 1000 | . * 1000 | round / 1000) ms, difference \((.[1].median - .[0].median) * 1000 | . * 1000 | round / 1000) ms (medians of 300)",
  "start-up /bin/true: CPU (user+system) native \((.[0].user + .[0].system) * 1000 | . * 1000 | round / 1000) ms, with the shim \((.[1].user + .[1].system) * 1000 | . * 1000 | round / 1000) ms, difference \(((.[1].user + .[1].system) - (.[0].user + .[0].system)) * 1000 | . * 1000 | round / 1000) ms (means; less sensitive to the load of a shared machine)"' "$tmp/start.json"
