#!/bin/bash
# SPDX-License-Identifier: MIT
# The launcher's start-up cost: `sockaudit run -- /bin/true` under each layer
# against /bin/true itself, paired and alternating: ROUNDS rounds, each one
# hyperfine call (shell-less, warm-up runs first) running every command RUNS
# times; per round each command's mean minus /bin/true's of the same round;
# the median of those differences with their min-max, wall and CPU
# (user + system).  The per-call cost of the layers is bench-log.sh's and
# bench-kernel.sh's.  Target (issue 11): auto ≤ +1 ms.
#   ROUNDS (default 10)  RUNS=runs per command and round (default 20)
set -u
cd "$(dirname "$0")/.."
. bench/lib.bash
B="${B:-build}"
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
SA="$B/sockaudit"
ROUNDS="${ROUNDS:-10}"
RUNS="${RUNS:-20}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bench_startup "$ROUNDS" "$RUNS" "$tmp" \
	native "/bin/true" \
	preload "$SA run --layer preload -o $tmp/log -- /bin/true" \
	seccomp "$SA run --layer seccomp -o $tmp/log -- /bin/true" \
	auto "$SA run -o $tmp/log -- /bin/true" || exit 1

printf '%-24s %24s %24s\n' "start-up of /bin/true" "+ms wall med (min-max)" "+ms CPU med (min-max)"
for c in preload seccomp auto; do
	read -r dm dlo dhi < <(bench_stats "$tmp/$c.d")
	read -r cm clo chi < <(bench_stats "$tmp/$c.c")
	printf '%-24s %8.2f (%.2f to %.2f) %8.2f (%.2f to %.2f)\n' "run --layer $c" \
		"$dm" "$dlo" "$dhi" "$cm" "$clo" "$chi"
	printf -v "fig_$c" '%+.2f ms' "$dm"
	[ "$c" = auto ] && auto_d=$dm
done
echo "($ROUNDS paired rounds of $RUNS runs each; differences to /bin/true of the same round)"
bench_figure run.startup "\`sockaudit run\` start-up of \`/bin/true\`, wall ($ROUNDS paired rounds)" \
	"$fig_preload preload, $fig_seccomp seccomp, $fig_auto auto" "≤ +1 ms (auto)" \
	"$(bench_verdict "$auto_d" '<=' 1)"
