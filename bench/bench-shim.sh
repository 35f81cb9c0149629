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

# one configuration: NAME, then the command prefix (env assignments, tools)
measure() {
	local name="$1"; shift
	local i
	for ((i = 0; i < REPEAT; i++)); do
		rm -f "$tmp/log"
		env "$@" "$LOOP" "$N" "$TYPE" || { echo "$name: run failed" >&2; exit 1; }
	done | median >"$tmp/$name"
}

measure_strace() {
	local i
	for ((i = 0; i < REPEAT; i++)); do
		strace -f -o /dev/null "$LOOP" "$N" "$TYPE"
	done | median >"$tmp/strace"
}

# Interleave the configurations so that drift in the machine's load hits
# them alike: native first and again at the end, the median of both.
measure native0
measure audit-log LD_PRELOAD="$SHIM" SOCKAUDIT_LOG="$tmp/log"
measure log-false LD_PRELOAD="$SHIM" SOCKAUDIT_POLICY="$tmp/quiet.json" SOCKAUDIT_LOG="$tmp/log"
measure deny-all LD_PRELOAD="$SHIM" SOCKAUDIT_POLICY="$tmp/deny.json" SOCKAUDIT_LOG=/dev/null
measure_strace
measure native1
native=$(cat "$tmp/native0" "$tmp/native1" | median)

printf '%-34s %8s %8s\n' "socket($TYPE)+shutdown+close, N=$N" "ns/iter" "x native"
printf '%-34s %8d %8s\n' native "$native" 1.00
for c in audit-log log-false deny-all strace; do
	v=$(cat "$tmp/$c")
	printf '%-34s %8d %8.2f\n' "$c" "$v" "$(awk -v v="$v" -v n="$native" 'BEGIN {print v / n}')"
done
echo "(audit-log: default policy, every call logged to a file, 2 events/iter;"
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
