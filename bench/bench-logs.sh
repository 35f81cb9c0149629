#!/bin/bash
# The log tools on a generated log of realistic events (bench/genlog.c writes
# them with the shim's own event_format): `sockaudit report` with the default
# grouping against the equivalent jq pipeline run here and now, `learn` and
# `eval` on the same log, and peak memory for 10 thousand, 1 million and 10
# million events (the last streamed from the generator through a pipe, so no
# 4 GB file is written).
#
# Times are CPU seconds (user + system of every process of the command, best
# of 3): the machine is shared, and wall time mostly measures the neighbours.
# Memory is the largest ru_maxrss among the command's processes (for the jq
# pipeline, bash's own, about 3 MiB, is a floor).
#   LOGS_BENCH_N=1000000     events in the timed log
#   LOGS_BENCH_BIG=10000000  events for the memory check (0: skip)
set -eu
cd "$(dirname "$0")/.."
B="${B:-build}"
S="$B/sockaudit"
GEN="$B/genlog"
PEAK="$B/peak"
N="${LOGS_BENCH_N:-1000000}"
BIG="${LOGS_BENCH_BIG:-10000000}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# measure ROUNDS CMD [ARG]...: "best_cpu_seconds best_wall_seconds max_rss_kib"
measure() {
	local rounds="$1" i c w m bc="" bw="" bm=0
	shift
	for ((i = 0; i < rounds; i++)); do
		read -r c w m < <("$PEAK" "$@" 2>&1 >/dev/null | tail -1)
		if [ -z "$bc" ] || awk -v a="$c" -v b="$bc" 'BEGIN { exit !(a < b) }'; then bc=$c; fi
		if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then bw=$w; fi
		[ "$m" -gt "$bm" ] && bm=$m
	done
	echo "$bc $bw $bm"
}

"$GEN" "$N" > "$dir/log"
"$GEN" 10000 > "$dir/small"
size=$(stat -c %s "$dir/log")
echo "log: $N events, $((size / 1048576)) MiB"

JQ="jq -c '[.exe,.event,.family,.type,.protocol,.decision]' '$dir/log' | sort | uniq -c | sort -rn"
read -r c_report w_report m_report < <(measure 3 "$S" report "$dir/log")
read -r c_jq w_jq m_jq < <(measure 1 bash -c "$JQ")
read -r c_learn w_learn m_learn < <(measure 3 "$S" learn -o "$dir/p.json" "$dir/log")
read -r c_eval w_eval m_eval < <(measure 3 "$S" eval "$dir/p.json" "$dir/log")

awk -v n="$N" -v r="$c_report" -v rw="$w_report" -v j="$c_jq" -v jw="$w_jq" \
    -v l="$c_learn" -v lw="$w_learn" -v e="$c_eval" -v ew="$w_eval" 'BEGIN {
	printf "%-28s %8s %8s %14s\n", "", "cpu s", "wall s", "events/cpu s"
	printf "%-28s %8.3f %8.3f %14.0f\n", "report (default grouping)", r, rw, n / r
	printf "%-28s %8.3f %8.3f %14.0f\n", "jq -c | sort | uniq -c", j, jw, n / j
	printf "%-28s %8.3f %8.3f %14.0f\n", "learn", l, lw, n / l
	printf "%-28s %8.3f %8.3f %14.0f\n", "eval (replay)", e, ew, n / e
	printf "report is %.1fx faster than the jq pipeline (cpu time)\n", j / r
}'

echo "peak memory, KiB:"
printf "  %-34s %8s\n" "report, 10000 events" "$(measure 1 "$S" report "$dir/small" | cut -d' ' -f3)"
printf "  %-34s %8s\n" "report, $N events" "$m_report"
if [ "$BIG" -gt 0 ]; then
	printf "  %-34s %8s\n" "report, $BIG events (stdin)" \
		"$("$GEN" "$BIG" 7 | "$PEAK" "$S" report - 2>&1 >/dev/null | tail -1 | cut -d' ' -f3)"
fi
printf "  %-34s %8s\n" "learn, 10000 events" "$(measure 1 "$S" learn "$dir/small" | cut -d' ' -f3)"
printf "  %-34s %8s\n" "learn, $N events" "$m_learn"
printf "  %-34s %8s\n" "jq pipeline, $N events" "$m_jq"
