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
