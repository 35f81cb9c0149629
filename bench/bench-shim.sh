#!/bin/bash
# The preload shim's cost.  One loop of socket(AF_INET) + shutdown + close
# (bench/shim_loop.c), run natively and under libsockaudit.so in this same
# invocation, each configuration REPEAT times, the median kept; every figure
# is also given as a ratio to native.  Then start-up: LD_PRELOAD=the shim
# /bin/true against /bin/true, as a difference in milliseconds.
#   N=iterations (default 50000)  REPEAT=runs per configuration (default 5)
#   TYPE=dgram|stream (default dgram)
set -u
cd "$(dirname "$0")/.."
B="${B:-build}"
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
SHIM="$B/libsockaudit.so"
LOOP="$B/bench/shim_loop"
N="${N:-50000}"
REPEAT="${REPEAT:-5}"
TYPE="${TYPE:-dgram}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/quiet.json" <<'JSON'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "quiet-inet", "family": "AF_INET", "action": "allow", "log": false},
           {"id": "quiet-shutdown", "event": "socket.shutdown", "action": "allow", "log": false}]}
JSON
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
	write-floor) "$LOOP" "$N" "$TYPE" "$tmp/log" ;;
	audit-log) env LD_PRELOAD="$SHIM" SOCKAUDIT_LOG="$tmp/log" "$LOOP" "$N" "$TYPE" ;;
	log-false) env LD_PRELOAD="$SHIM" SOCKAUDIT_POLICY="$tmp/quiet.json" \
		SOCKAUDIT_LOG="$tmp/log" "$LOOP" "$N" "$TYPE" ;;
	deny-all) env LD_PRELOAD="$SHIM" SOCKAUDIT_POLICY="$tmp/deny.json" \
		SOCKAUDIT_LOG=/dev/null "$LOOP" "$N" "$TYPE" ;;
	# strace is ~20x slower: a tenth of the iterations, same ns/iter
	strace) strace -f -o /dev/null "$LOOP" "$((N / 10))" "$TYPE" ;;
	esac >>"$tmp/$name" || { echo "$name: run failed" >&2; exit 1; }
}

# Round-robin, so that the shared machine's changing load hits every
# configuration alike; the median of each.
configs="native write-floor audit-log log-false deny-all strace"
for ((i = 0; i < REPEAT; i++)); do
	for c in $configs; do
		run_one "$c"
	done
done
native=$(median <"$tmp/native")

printf '%-34s %8s %8s\n' "socket($TYPE)+shutdown+close, N=$N" "ns/iter" "x native"
printf '%-34s %8d %8s\n' native "$native" 1.00
for c in write-floor audit-log log-false deny-all strace; do
	v=$(median <"$tmp/$c")
	printf '%-34s %8d %8.2f\n' "$c" "$v" "$(awk -v v="$v" -v n="$native" 'BEGIN {print v / n}')"
done
echo "(write-floor: no shim, one 400-byte write(2) to a file after each call, the least"
echo " any logging shim must do; audit-log: default policy, every call logged to a file, 2 events/iter;"
echo " log-false: allow rules with \"log\": false; deny-all: enforce, default deny,"
echo " only socket() is called and it is denied in the shim, logged to /dev/null)"

# Start-up: both through env(1), so only the shim differs.
hyperfine -N --warmup 20 --runs 300 --export-json "$tmp/start.json" \
	"env /bin/true" "env LD_PRELOAD=$SHIM /bin/true" >/dev/null 2>&1 || {
	echo "start-up: hyperfine failed" >&2
	exit 1
}
jq -r '.results | "start-up /bin/true: native \(.[0].median * 1000 | . * 1000 | round / 1000) ms, with the shim \(.[1].median * 1000 | . * 1000 | round / 1000) ms, difference \((.[1].median - .[0].median) * 1000 | . * 1000 | round / 1000) ms (medians of 300)",
  "start-up /bin/true: CPU (user+system) native \((.[0].user + .[0].system) * 1000 | . * 1000 | round / 1000) ms, with the shim \((.[1].user + .[1].system) * 1000 | . * 1000 | round / 1000) ms, difference \(((.[1].user + .[1].system) - (.[0].user + .[0].system)) * 1000 | . * 1000 | round / 1000) ms (means; less sensitive to the load of a shared machine)"' "$tmp/start.json"
