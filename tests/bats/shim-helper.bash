# SPDX-License-Identifier: MIT
# Helpers of the shim's bats files (tests/bats/shim-*.bats).

# What LD_PRELOAD must hold for the shim.  A sanitizer build's shim needs
# its runtime first (make ASAN=1 test); leaks of the fixtures are not ours.
SHIM_PRELOAD="$SHIM"
_asan=$(ldd "$SHIM" 2>/dev/null | awk '/libasan/ {print $3}')
if [ -n "$_asan" ]; then
	SHIM_PRELOAD="$_asan:$SHIM"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi

# under_shim CMD...: run CMD with the shim preloaded; the caller sets
# SOCKAUDIT_POLICY/SOCKAUDIT_MODE/SOCKAUDIT_LOG in its environment.
under_shim() {
	LD_PRELOAD="$SHIM_PRELOAD" "$@"
}

# policy_file NAME: write stdin (a policy) to $T/NAME and print the path.
policy_file() {
	cat >"$T/$1"
	echo "$T/$1"
}

# seq_check LOG: every line is one event; for each pid, seq runs 1..N with
# no gap and no duplicate.  Prints "PID N" per process, in pid order.
seq_check() {
	"$PY" -c '
import json, sys
seqs = {}
for i, line in enumerate(open(sys.argv[1], "rb"), 1):
    e = json.loads(line)
    seqs.setdefault(e["pid"], []).append(e["seq"])
for pid in sorted(seqs):
    s = sorted(seqs[pid])
    if s != list(range(1, len(s) + 1)):
        sys.exit("pid %d: seq is not 1..%d: first bad at %r" % (pid, len(s),
                 next(x for x, y in zip(s, range(1, len(s) + 1)) if x != y)))
    print(pid, len(s))' "$1"
}

# altstack_native: the smallest alternate signal stack (in steps of 256
# bytes) on which s_altstack's handler runs without the shim; the kernel's
# signal frame is most of it.
altstack_native() {
	local size
	for ((size = 2048; size <= 32768; size += 256)); do
		if "$FIX/s_altstack" "$size" 1 >/dev/null 2>&1; then
			echo "$size"
			return 0
		fi
	done
	fail "the handler runs on no stack up to 32 KiB"
}
