#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-log.sh - what logging every call to a file costs a program, against
# the program natively, its floor and its peers, all measured in this one
# invocation (issue 11's table):
#
#   loop A  socket + shutdown + close: two events an iteration
#   loop B  socket + close: one event an iteration (close is no event)
#
# (bench/shim_loop, timed inside the loop, so a launcher's start-up is left
# out) under each configuration:
#
#   native       the loop alone
#   floor        no shim, one 400-byte write(2) to a file per would-be event
#                and nothing else: the least any logger writing each event
#                synchronously must do
#   preload      LD_PRELOAD=libsockaudit.so SOCKAUDIT_LOG=/abs/file
#   run-preload  sockaudit run --layer preload -o FILE --
#   run-auto     sockaudit run --layer auto -o FILE -- (the default layer)
#   log-false    plain LD_PRELOAD under a policy of "log": false
#   strace-bpf   strace as a user would run it to see these calls:
#                strace -f --seccomp-bpf -e trace=socket,shutdown -o /dev/null
#   strace-all   strace at its worst, every call stopped: strace -f -o
#                /dev/null (N/20 iterations; ns per iteration compare)
#   firejail     firejail's tracer, firejail --noprofile --trace=FILE (loop B
#                only; where firejail cannot run, the bench says why)
#
# Runs are paired and alternating: REPEAT rounds, each round runs every
# configuration once, round-robin (in reverse order every other round), so
# the shared machine's changing load hits them alike; each configuration's ratio is taken to the native run of
# its own round, and the median of those ratios is printed with their
# min-max.  After each logging run the log is checked to hold every event,
# so a figure never measures a logger that dropped its work.  Last, the
# system calls per iteration of each configuration, counted by perf
# (raw_syscalls:sys_enter of every process of the command: the launcher,
# strace or firejail included) as the difference between a run of 3000 and
# one of 1000 iterations, so start-up calls cancel out.
#
# Targets (issue 11): run-preload and run-auto <= 1.15x on loop A, <= 1.10x
# and below firejail on loop B; plain preload <= the floor + 0.05x and at
# most one system call per event more than native; log-false <= 1.02x.  A
# missed target is printed, not an error: only a failed run fails the bench.
#   N=iterations (default 100000)  REPEAT=rounds (default 7)
#   TYPE=dgram|stream (default dgram)  FIREJAIL=its program (default firejail)
# needs: strace
# (without firejail or a working perf the bench says why in place of those figures)
set -u
cd "$(dirname "$0")/.."
. bench/lib.bash
B="${B:-build}"
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
N="${N:-100000}"
REPEAT="${REPEAT:-7}"
TYPE="${TYPE:-dgram}"
FIREJAIL="${FIREJAIL:-firejail}"
for f in "$B/sockaudit" "$B/libsockaudit.so" "$B/bench/shim_loop"; do
	[ -e "$f" ] || { echo "bench-log: $f missing: run make" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Private copies: a rebuild in the tree during the run must not change them
# (sockaudit finds the shim next to itself).
cp "$B/sockaudit" "$B/libsockaudit.so" "$B/bench/shim_loop" "$tmp/"
SA="$tmp/sockaudit" SHIM="$tmp/libsockaudit.so" LOOP="$tmp/shim_loop"
LOG="$tmp/log"
cat >"$tmp/quiet.json" <<'EOF'
{"version": 1, "mode": "enforce", "default": {"action": "allow", "log": false}}
EOF

# firejail: installed, and able to run here (it refuses in some containers
# and as some users)?  Otherwise say exactly why, in place of its figure.
firejail_why=""
if ! command -v "$FIREJAIL" >/dev/null; then
	firejail_why="$FIREJAIL is not installed (bench/packages lists firejail)"
elif ! "$FIREJAIL" --noprofile --quiet --trace="$tmp/fj" "$LOOP" -c 10 "$TYPE" \
	>/dev/null 2>"$tmp/fj.err"; then
	firejail_why="firejail refused to run: $(tr '\n\t' '  ' <"$tmp/fj.err" | sed 's/ *$//')"
elif ! grep -q ':socket ' "$tmp/fj"; then
	firejail_why="firejail ran but its tracer logged no socket() call"
fi

configs_a="native floor preload run-preload run-auto log-false strace-bpf strace-all"
configs_b="$configs_a"
[ -z "$firejail_why" ] && configs_b="$configs_b firejail"

# iterations of CONFIG's runs: the tracers stop the program at every call
iterations() {
	case "$1" in
	strace-bpf) echo $((N / 5)) ;;
	strace-all) echo $((N / 20)) ;;
	*) echo "$N" ;;
	esac
}

# run LOOP CONFIG ITERATIONS [PREFIX...]: one run, its ns per iteration on
# stdout; the command is prefixed by PREFIX (perf stat) when given.
run() {
	local loop="$1" c="$2" n="$3" args
	shift 3
	if [ "$loop" = a ]; then args=("$n" "$TYPE"); else args=(-c "$n" "$TYPE"); fi
	rm -f "$LOG"
	case "$c" in
	native) "$@" "$LOOP" "${args[@]}" ;;
	floor) "$@" "$LOOP" "${args[@]}" "$LOG" ;;
	preload) "$@" env LD_PRELOAD="$SHIM" SOCKAUDIT_LOG="$LOG" "$LOOP" "${args[@]}" ;;
	run-preload) "$@" "$SA" run --layer preload -o "$LOG" -- "$LOOP" "${args[@]}" ;;
	run-auto) "$@" "$SA" run --layer auto -o "$LOG" -- "$LOOP" "${args[@]}" ;;
	log-false) "$@" env LD_PRELOAD="$SHIM" SOCKAUDIT_POLICY="$tmp/quiet.json" \
		SOCKAUDIT_LOG="$LOG" "$LOOP" "${args[@]}" ;;
	strace-bpf) "$@" strace -f --seccomp-bpf -e trace=socket,shutdown -o /dev/null \
		"$LOOP" "${args[@]}" ;;
	strace-all) "$@" strace -f -o /dev/null "$LOOP" "${args[@]}" ;;
	firejail) "$@" "$FIREJAIL" --noprofile --quiet --trace="$LOG" "$LOOP" "${args[@]}" ;;
	esac 2>>"$tmp/err" | grep -E '^[0-9]+$' | tail -n 1
}

# logged LOOP CONFIG ITERATIONS: fail unless the last run's log holds every
# event it should (its lines; firejail's: its socket lines).
logged() {
	local loop="$1" c="$2" n="$3" want got
	want=$n
	[ "$loop" = a ] && want=$((2 * n))
	case "$c" in
	floor | preload | run-preload | run-auto) got=$(wc -l <"$LOG") ;;
	firejail) want=$n; got=$(grep -c ':socket ' "$LOG") ;;
	*) return 0 ;;
	esac
	[ "$got" -ge "$want" ] && return 0
	echo "bench-log: loop $loop, $c: $got lines logged for $want events" >&2
	return 1
}

# Paired rounds: per configuration the ns per iteration in $tmp/LOOP.CONFIG,
# a line per round, then the ratio to each round's native in $tmp/LOOP.CONFIG.x
for loop in a b; do
	configs=$configs_a
	[ "$loop" = b ] && configs=$configs_b
	for ((r = 0; r < REPEAT; r++)); do
		for c in $(bench_order "$r" $configs); do
			n=$(iterations "$c")
			v=$(run "$loop" "$c" "$n")
			if [ -z "$v" ] || ! logged "$loop" "$c" "$n"; then
				echo "bench-log: loop $loop, the $c run failed:" >&2
				tail -n 5 "$tmp/err" >&2
				exit 1
			fi
			echo "$v" >>"$tmp/$loop.$c"
		done
	done
	for c in $configs; do
		bench_ratios "$tmp/$loop.$c" "$tmp/$loop.native" >"$tmp/$loop.$c.x"
	done
done

# System calls per iteration.
perf_why=""
if ! perf stat -x, -o "$tmp/perf" -e raw_syscalls:sys_enter true 2>"$tmp/perf.err"; then
	perf_why="perf cannot count raw_syscalls:sys_enter here: $(tr '\n\t' '  ' <"$tmp/perf.err" | sed 's/ *$//')"
fi
count_syscalls() {
	run "$1" "$2" "$3" perf stat -x, -o "$tmp/perf" -e raw_syscalls:sys_enter -- >/dev/null
	awk -F, '/raw_syscalls:sys_enter/ { print $1 }' "$tmp/perf"
}
for loop in a b; do
	configs=$configs_a
	[ "$loop" = b ] && configs=$configs_b
	for c in $configs; do
		[ -n "$perf_why" ] && { echo nan >"$tmp/$loop.$c.sys"; continue; }
		c1=$(count_syscalls "$loop" "$c" 1000)
		c3=$(count_syscalls "$loop" "$c" 3000)
		awk -v a="$c1" -v b="$c3" 'BEGIN { printf "%.1f\n", (b - a) / 2000 }' >"$tmp/$loop.$c.sys"
	done
done

describe() {
	case "$1" in
	native) echo "native" ;;
	floor) echo "no shim, one 400-byte \`write(2)\` per would-be event (the floor)" ;;
	preload) echo "plain \`LD_PRELOAD=libsockaudit.so SOCKAUDIT_LOG=FILE\`" ;;
	run-preload) echo "\`sockaudit run --layer preload -o FILE\`" ;;
	run-auto) echo "\`sockaudit run -o FILE\` (\`--layer auto\`)" ;;
	log-false) echo "plain \`LD_PRELOAD\`, \`\"log\": false\`" ;;
	strace-bpf) echo "\`strace -f --seccomp-bpf -e trace=socket,shutdown -o /dev/null\`" ;;
	strace-all) echo "\`strace -f -o /dev/null\`" ;;
	firejail) echo "firejail's tracer, \`firejail --noprofile --trace=FILE\`" ;;
	esac
}

fs=$(stat -f -c %T "$tmp")
# per configuration of the loop at hand: ratio, system calls, the measured text
declare -A xs sys measured verdict
for loop in a b; do
	configs=$configs_a
	[ "$loop" = b ] && configs=$configs_b
	if [ "$loop" = a ]; then
		title="socket($TYPE)+shutdown+close, 2 events/iter"
		what="\`socket\`+\`shutdown\`+\`close\` loop"
		run_limit=1.15 events=2
	else
		title="socket($TYPE)+close, 1 event/iter"
		what="\`socket\`+\`close\` loop (one event)"
		run_limit=1.10 events=1
	fi
	echo "loop $loop: $title, N=$N, $REPEAT paired rounds, logs on $fs"
	printf '  %-12s %20s %22s %10s\n' config "ns/iter med (min-max)" "x native med (min-max)" "syscalls"
	for c in $configs; do
		read -r nm nlo nhi < <(bench_stats "$tmp/$loop.$c")
		read -r xm xlo xhi < <(bench_stats "$tmp/$loop.$c.x")
		sys[$c]=$(cat "$tmp/$loop.$c.sys")
		xs[$c]=$xm
		printf '  %-12s %8d (%d-%d) %10.2f (%.2f-%.2f) %10s\n' \
			"$c" "$nm" "$nlo" "$nhi" "$xm" "$xlo" "$xhi" "${sys[$c]}"
		if [ "$c" = native ]; then
			printf -v "measured[$c]" '%d ns/iter (%d-%d), %s system calls/iter' \
				"$nm" "$nlo" "$nhi" "${sys[$c]}"
		else
			printf -v "measured[$c]" '%.2fx (%.2f-%.2f), %s system calls/iter' \
				"$xm" "$xlo" "$xhi" "${sys[$c]}"
		fi
	done
	if [ "$loop" = b ] && [ -n "$firejail_why" ]; then
		echo "  firejail: not run: $firejail_why"
		measured[firejail]="not run: $firejail_why"
	fi
	[ -n "$perf_why" ] && echo "  syscalls: not counted: $perf_why"

	# The targets.  Plain preload: the floor + 0.05x, and at most one system
	# call per event more than native (unknown without perf: missed).
	floor_limit=$(awk -v f="${xs[floor]}" 'BEGIN { printf "%.2f", f + 0.05 }')
	sys_limit=$(awk -v s="${sys[native]}" -v e="$events" 'BEGIN { print s + e }')
	verdict[preload]=missed
	if [ -z "$perf_why" ] && [ "$(bench_verdict "${xs[preload]}" '<=' "$floor_limit")" = met ] &&
	   [ "$(bench_verdict "${sys[preload]}" '<=' "$sys_limit")" = met ]; then
		verdict[preload]=met
	fi
	t_run="≤ ${run_limit}x"
	[ "$loop" = b ] && [ -z "$firejail_why" ] && t_run="$t_run and ≤ firejail"
	for c in run-preload run-auto; do
		verdict[$c]=$(bench_verdict "${xs[$c]}" '<=' "$run_limit")
		if [ "$loop" = b ] && [ -z "$firejail_why" ] &&
		   [ "$(bench_verdict "${xs[$c]}" '<=' "${xs[firejail]}")" = missed ]; then
			verdict[$c]=missed
		fi
	done
	verdict[log-false]=$(bench_verdict "${xs[log-false]}" '<=' 1.02)
	echo "  targets: run-preload $t_run: ${verdict[run-preload]}; run-auto $t_run: ${verdict[run-auto]};" \
		"preload ≤ floor + 0.05x ($floor_limit) and ≤ $sys_limit syscalls: ${verdict[preload]};" \
		"log-false ≤ 1.02x: ${verdict[log-false]}"

	for c in $configs_a firejail; do
		target=""
		case "$c" in
		firejail) [ "$loop" = a ] && continue ;;
		preload) target="≤ floor + 0.05x, ≤ native + 1 system call per event" ;;
		run-preload | run-auto) target=$t_run ;;
		log-false) target="≤ 1.02x" ;;
		esac
		bench_figure "log.$loop.$c" "$what, $(describe "$c")" "${measured[$c]}" "$target" \
			"${target:+${verdict[$c]}}"
	done
	unset xs sys measured verdict
	declare -A xs sys measured verdict
done
