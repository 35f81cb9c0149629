#!/bin/bash
# The launcher's start-up cost: `sockaudit run -- /bin/true` under each layer
# against /bin/true itself, measured by hyperfine in this same invocation
# (shell-less, warm-up runs first), as mean milliseconds, the difference to
# native, and the ratio.  The per-call cost of the layers is bench-shim.sh's
# and bench-kernel.sh's.
#   RUNS=runs per command (default 200)
set -u
cd "$(dirname "$0")/.."
. bench/lib.bash
B="${B:-build}"
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
SA="$B/sockaudit"
RUNS="${RUNS:-200}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

hyperfine -N -w 20 -r "$RUNS" --export-json "$tmp/r.json" \
	-n native "/bin/true" \
	-n "run --layer preload" "$SA run --layer preload -o $tmp/log -- /bin/true" \
	-n "run --layer seccomp" "$SA run --layer seccomp -o $tmp/log -- /bin/true" \
	-n "run (auto)" "$SA run -o $tmp/log -- /bin/true" >/dev/null 2>"$tmp/err" ||
	{ cat "$tmp/err" >&2; exit 1; }

printf '%-22s %9s %9s %9s\n' "start-up of /bin/true" "mean ms" "+ms" "x native"
jq -r '.results as $r | ($r[0].mean) as $n | $r[] |
	[.command, (.mean * 1000), ((.mean - $n) * 1000), (.mean / $n)] |
	@text "\(.[0])\t\(.[1])\t\(.[2])\t\(.[3])"' "$tmp/r.json" |
while IFS=$'\t' read -r name mean diff ratio; do
	printf '%-22s %9.3f %9.3f %9.2f\n' "$name" "$mean" "$diff" "$ratio"
done
# The README's row: the differences, the target (issue 11) on the default layer.
jq -r '.results as $r | ($r[0].mean) as $n |
	def ms: . * 1000 | . * 100 | round / 100;
	[($r[1].mean - $n | ms), ($r[2].mean - $n | ms), ($r[3].mean - $n | ms)] | @tsv' "$tmp/r.json" |
while IFS=$'\t' read -r pre sec auto; do
	bench_figure run.startup "\`sockaudit run\` start-up of \`/bin/true\` (hyperfine, mean of $RUNS)" \
		"+$pre ms preload, +$sec ms seccomp, +$auto ms auto" "≤ +1 ms (auto)" \
		"$(bench_verdict "$auto" '<=' 1)"
done
