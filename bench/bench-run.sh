#!/bin/bash
# SPDX-License-Identifier: MIT
# The launcher's start-up cost: `sockaudit run -- /bin/true` under each layer
# against /bin/true itself, paired and alternating: ROUNDS rounds, each one
# hyperfine call (shell-less, warm-up runs first) running every command RUNS
# times; per round each command's median minus /bin/true's of the same round;
# the median of those differences with their min-max, wall and CPU
# (user + system).  The per-call cost of the layers is bench-log.sh's and
# bench-kernel.sh's.  Target (issue 11): auto ≤ +1 ms.
#
# The floor, in the same rounds: bench/launch_floor, a dynamic program that
# only starts /bin/true and waits for it (fork, vfork, posix_spawn, or
# clone(CLONE_VM | CLONE_VFORK)), so that what any launcher costs on this
# machine is beside what sockaudit costs.
#   ROUNDS (default 10)  RUNS=runs per command and round (default 20)
set -u
cd "$(dirname "$0")/.."
. bench/lib.bash
B="${B:-build}"
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
SA="$B/sockaudit"
FLOOR="$B/bench/launch_floor"
ROUNDS="${ROUNDS:-10}"
RUNS="${RUNS:-20}"
for f in "$SA" "$FLOOR"; do
	[ -x "$f" ] || { echo "bench-run: $f missing: run make tests $FLOOR" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

floors="fork vfork spawn clone"
args=()
for m in $floors; do
	args+=("floor-$m" "$FLOOR $m /bin/true")
done
bench_startup "$ROUNDS" "$RUNS" "$tmp" \
	native "/bin/true" \
	"${args[@]}" \
	preload "$SA run --layer preload -o $tmp/log -- /bin/true" \
	seccomp "$SA run --layer seccomp -o $tmp/log -- /bin/true" \
	auto "$SA run -o $tmp/log -- /bin/true" || exit 1

printf '%-30s %24s %24s\n' "start-up of /bin/true" "+ms wall med (min-max)" "+ms CPU med (min-max)"
row() {
	local name="$1" what="$2" dm dlo dhi cm clo chi
	read -r dm dlo dhi < <(bench_stats "$tmp/$name.d")
	read -r cm clo chi < <(bench_stats "$tmp/$name.c")
	printf '%-30s %8.2f (%.2f to %.2f) %8.2f (%.2f to %.2f)\n' "$what" \
		"$dm" "$dlo" "$dhi" "$cm" "$clo" "$chi"
	printf -v "fig_${name//-/_}" '%+.2f ms' "$dm"
	printf -v "med_${name//-/_}" '%s' "$dm"
}
for m in $floors; do
	row "floor-$m" "floor: launch_floor $m"
done
for c in preload seccomp auto; do
	row "$c" "run --layer $c"
done
echo "($ROUNDS paired rounds of $RUNS runs each; differences to /bin/true of the same round)"
# The cheapest way any launcher starts a program here, for the figure's text.
floor_best=$(for m in $floors; do v="med_floor_$m"; echo "${!v}"; done | sort -g | head -1)
bench_figure run.startup "\`sockaudit run\` start-up of \`/bin/true\`, wall ($ROUNDS paired rounds)" \
	"$fig_preload preload, $fig_seccomp seccomp, $fig_auto auto (a launcher that only starts it: $(printf '%+.2f' "$floor_best") ms)" \
	"≤ +1 ms (auto)" "$(bench_verdict "$med_auto" '<=' 1)"
