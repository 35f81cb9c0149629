# SPDX-License-Identifier: MIT
# Shared by the bench/bench-*.sh scripts: `. bench/lib.bash`.
#
# Every bench prints, besides its human-readable output, one machine-readable
# line per figure, which bench/speed-table.sh turns into README.md's Speed
# table (so the README quotes only figures of one `make bench` output):
#
#   FIGURE<TAB>key<TAB>what<TAB>measured<TAB>target<TAB>verdict
#
# key: unique, stable ([a-z0-9.-]); what: the row's first column; measured:
# the figure as text; target: the goal as text or "" when there is none;
# verdict: met, missed or "" (no target).  No field holds a tab or newline.
#
#   bench_figure KEY WHAT MEASURED [TARGET VERDICT]
#   bench_stats FILE           "median min max" of the numbers in FILE
#   bench_verdict X OP LIMIT   print met or missed for X OP LIMIT (OP <= >=)

bench_figure() {
	local f
	for f in "$@"; do
		case "$f" in
		*$'\t'* | *$'\n'*) echo "bench_figure: a tab or newline in '$f'" >&2; return 1 ;;
		esac
	done
	printf 'FIGURE\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" "${5:-}"
}

bench_stats() {
	sort -g "$1" | awk '{ v[NR] = $1 }
		END { if (NR) print v[int((NR + 1) / 2)], v[1], v[NR]; else print "nan nan nan" }'
}

bench_verdict() {
	awk -v x="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = op == "<=" ? x <= l : x >= l
		print ok ? "met" : "missed"
	}'
}

# bench_startup ROUNDS RUNS DIR NAME CMD [NAME CMD]...: start-up times,
# paired and alternating: ROUNDS rounds, each one hyperfine call that runs
# every CMD (a string, shell-less) RUNS times after 3 warm-up runs.  The
# first NAME is the baseline: DIR/NAME.d gets, per round, each command's
# median wall time minus the baseline's of the same round, in ms, DIR/NAME.c
# the same for the mean CPU time (user + system; hyperfine gives only means).
bench_startup() {
	local rounds="$1" runs="$2" dir="$3" r i args=() names=()
	shift 3
	while [ $# -ge 2 ]; do
		names+=("$1")
		args+=(-n "$1" "$2")
		shift 2
	done
	for ((r = 0; r < rounds; r++)); do
		hyperfine -N -w 3 -r "$runs" --export-json "$dir/round.json" "${args[@]}" \
			>/dev/null 2>"$dir/hyperfine.err" || { cat "$dir/hyperfine.err" >&2; return 1; }
		for ((i = 0; i < ${#names[@]}; i++)); do
			jq -r --argjson i "$i" '.results as $r |
				"\(($r[$i].median - $r[0].median) * 1000) \((($r[$i].user + $r[$i].system) - ($r[0].user + $r[0].system)) * 1000)"' \
				"$dir/round.json" >"$dir/pair" || return 1
			read -r wall cpu <"$dir/pair"
			echo "$wall" >>"$dir/${names[i]}.d"
			echo "$cpu" >>"$dir/${names[i]}.c"
		done
	done
}

# bench_order ROUND WORD...: the words in order on even rounds, reversed on
# odd ones (A B C, C B A, ...), so that a load that drifts during a round
# does not always hit the same configuration first or last.
bench_order() {
	local r="$1" out=()
	shift
	if ((r % 2)); then
		while [ $# -gt 0 ]; do out=("$1" "${out[@]}"); shift; done
	else
		out=("$@")
	fi
	echo "${out[*]}"
}

# bench_ratios FILE BASE: line by line (round by round), FILE's value over
# BASE's: the paired ratios
bench_ratios() {
	paste "$1" "$2" | awk '{ print $1 / $2 }'
}
