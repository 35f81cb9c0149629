#!/bin/bash
# SPDX-License-Identifier: MIT
# The log readers on generated logs of realistic events (bench/genlog.c
# writes them with the shim's own event_format): `sockaudit report` with the
# default grouping against the equivalent jq pipeline, `learn`, and `eval`'s
# replay, on 1 million and 10 million events, and report's peak memory.
#
# Honest figures: report and the jq pipeline run in alternation, REPEAT
# pairs, each timed the same way (bench/peak.c: user + system CPU seconds of
# every process of the command, and wall time); each figure is the median
# with the min-max, and the ratio is the median of the pairs' ratios, so a
# neighbour's burst on this shared machine hits both sides of a pair.  CPU
# seconds are the headline (the machine is shared: wall time mostly measures
# the neighbours), wall time is given beside them.
#
# Each figure is printed as one row of the README's Speed table.
#   LOGS_BENCH_N=1000000       events of the first log
#   LOGS_BENCH_BIG=10000000    events of the second (0: skip it)
#   LOGS_BENCH_REPEAT=3        pairs on the first log; learn and eval as often
#   LOGS_BENCH_REPEAT_BIG=1    pairs on the second (jq takes ~2 minutes a run
#                              on 10M events here; the whole script ~3 min)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.bash
B="${B:-build}"
S="$B/sockaudit"
GEN="$B/genlog"
PEAK="$B/peak"
N="${LOGS_BENCH_N:-1000000}"
BIG="${LOGS_BENCH_BIG:-10000000}"
REPEAT="${LOGS_BENCH_REPEAT:-3}"
REPEAT_BIG="${LOGS_BENCH_REPEAT_BIG:-1}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# one CMD [ARG]...: "cpu_seconds wall_seconds max_rss_kib" of one run.
one() {
	"$PEAK" "$@" 2>&1 >/dev/null | tail -1
}

# stats COLUMN < lines: "median min max" of that column (1-based).
stats() {
	cut -d' ' -f"$1" | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f\n", m, v[1], v[NR]
	}'
}

# A count of events for people: 1M, 10M, 10k.
count() {
	awk -v n="$1" 'BEGIN {
		if (n >= 1000000 && n % 1000000 == 0) printf "%dM", n / 1000000
		else if (n >= 1000 && n % 1000 == 0) printf "%dk", n / 1000
		else printf "%d", n
	}'
}

JQ_FILTER='[.exe,.event,.family,.type,.protocol,.decision]'

# bench_log LOG EVENTS PAIRS: the rows for one log.
bench_log() {
	local log="$1" n="$2" pairs="$3" i label
	local rep="$dir/report.t" jq="$dir/jq.t" learn="$dir/learn.t" ev="$dir/eval.t"

	label=$(count "$n")
	: >"$rep"; : >"$jq"; : >"$learn"; : >"$ev"
	for ((i = 0; i < pairs; i++)); do
		one "$S" report "$log" >>"$rep"
		one bash -c "jq -c '$JQ_FILTER' '$log' | sort | uniq -c | sort -rn" >>"$jq"
	done
	"$S" learn -o "$dir/p.json" "$log" 2>/dev/null || true
	for ((i = 0; i < pairs; i++)); do
		one "$S" learn -o "$dir/p2.json" "$log" >>"$learn"
		one "$S" eval "$dir/p.json" "$log" >>"$ev"
	done
	# The pairs' ratios, CPU and wall, line by line.
	paste -d' ' "$jq" "$rep" | awk '{ printf "%.6f %.6f\n", $1 / $4, $2 / $5 }' >"$dir/ratio.t"
	read -r rc rc0 rc1 < <(stats 1 <"$rep")
	read -r rw rw0 rw1 < <(stats 2 <"$rep")
	read -r jc jc0 jc1 < <(stats 1 <"$jq")
	read -r jw jw0 jw1 < <(stats 2 <"$jq")
	read -r xc xc0 xc1 < <(stats 1 <"$dir/ratio.t")
	read -r xw xw0 xw1 < <(stats 2 <"$dir/ratio.t")
	read -r lc lc0 lc1 < <(stats 1 <"$learn")
	read -r lw _ _ < <(stats 2 <"$learn")
	read -r ec ec0 ec1 < <(stats 1 <"$ev")
	read -r ew _ _ < <(stats 2 <"$ev")
	awk -v n="$n" -v l="$label" -v p="$pairs" -v jqf="'$JQ_FILTER'" \
	    -v rc="$rc" -v rc0="$rc0" -v rc1="$rc1" -v rw="$rw" -v rw0="$rw0" -v rw1="$rw1" \
	    -v jc="$jc" -v jc0="$jc0" -v jc1="$jc1" -v jw="$jw" -v jw0="$jw0" -v jw1="$jw1" \
	    -v xc="$xc" -v xc0="$xc0" -v xc1="$xc1" -v xw="$xw" -v xw0="$xw0" -v xw1="$xw1" \
	    -v lc="$lc" -v lc0="$lc0" -v lc1="$lc1" -v lw="$lw" \
	    -v ec="$ec" -v ec0="$ec0" -v ec1="$ec1" -v ew="$ew" 'BEGIN {
		of = p == 1 ? "1 run" : "median of " p
		printf "| `report`, %s events, default grouping | %.2f M events per CPU second (%s: %.3f s CPU, min-max %.3f-%.3f; wall %.3f s, %.3f-%.3f) | >= 2 M/s |\n",
			l, n / rc / 1e6, of, rc, rc0, rc1, rw, rw0, rw1
		printf "| `jq -c %s \\| sort \\| uniq -c \\| sort -rn`, %s events | %.2f M events per CPU second (%s: %.3f s CPU, min-max %.3f-%.3f; wall %.3f s, %.3f-%.3f) | |\n",
			jqf, l, n / jc / 1e6, of, jc, jc0, jc1, jw, jw0, jw1
		printf "| `report` against that jq pipeline, %s events | %.1fx less CPU (paired, %s: min-max %.1f-%.1fx); %.1fx faster wall (%.1f-%.1fx) | >= 30x |\n",
			l, xc, of, xc0, xc1, xw, xw0, xw1
		printf "| `learn`, %s events | %.2f M events per CPU second (%s: %.3f s CPU, min-max %.3f-%.3f; wall %.3f s) | as report |\n",
			l, n / lc / 1e6, of, lc, lc0, lc1, lw
		printf "| `eval` replay, %s events | %.2f M events per CPU second (%s: %.3f s CPU, min-max %.3f-%.3f; wall %.3f s) | as report |\n",
			l, n / ec / 1e6, of, ec, ec0, ec1, ew
	}'
	cut -d' ' -f3 "$rep" | sort -n | tail -1 >"$dir/rss.$n"
}

# Each row also as a FIGURE line for the README's table (bench/lib.bash):
# the verdict from the row's own figure against its target.
figures() {
	local i=0 what measured target verdict x
	while IFS= read -r row; do
		printf '%s\n' "$row"
		[[ "$row" == '| '* ]] || continue
		i=$((i + 1))
		row=${row#| }
		row=${row% |}
		# the cells are split at " | " (a code span's \| stays)
		what=${row%% | *}
		measured=${row#* | }
		target=${measured##* | }
		measured=${measured% | *}
		if [ "$target" = "$measured" ]; then
			target=	# an empty last cell
			measured=${measured% |}
		fi
		verdict=
		case "$target" in
		">= 2 M/s" | "as report")
			x=${measured%% M events*}
			verdict=$(bench_verdict "$x" ">=" 2) ;;
		">= 30x")
			x=${measured%%x less CPU*}
			verdict=$(bench_verdict "$x" ">=" 30) ;;
		esac
		bench_figure "logs.$i" "$what" "$measured" "$target" "$verdict"
	done
}

{
"$GEN" 10000 >"$dir/small"
"$GEN" "$N" >"$dir/log"
echo "logs: $(count "$N") events, $(($(stat -c %s "$dir/log") / 1048576)) MiB; $REPEAT pairs" >&2
bench_log "$dir/log" "$N" "$REPEAT"
rm -f "$dir/log"
if [ "$BIG" -gt 0 ]; then
	"$GEN" "$BIG" 7 >"$dir/big"
	echo "logs: $(count "$BIG") events, $(($(stat -c %s "$dir/big") / 1048576)) MiB; $REPEAT_BIG pairs" >&2
	bench_log "$dir/big" "$BIG" "$REPEAT_BIG"
	rm -f "$dir/big"
fi
# Peak memory: the largest of the runs above, and a small log's.
small=$(one "$S" report "$dir/small" | cut -d' ' -f3)
printf "| peak memory of \`report\`: %s / %s%s events | %s / %s%s KiB | flat |\n" \
	"$(count 10000)" "$(count "$N")" "$([ "$BIG" -gt 0 ] && echo " / $(count "$BIG")")" \
	"$small" "$(cat "$dir/rss.$N")" "$([ "$BIG" -gt 0 ] && echo " / $(cat "$dir/rss.$BIG")")"
} | figures
