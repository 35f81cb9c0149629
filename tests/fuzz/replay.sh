#!/bin/bash
# SPDX-License-Identifier: MIT
# Replay every fuzz corpus (tests/fuzz/corpus/NAME/) through its target, once
# per file, as TAP.  A crash fails the run: its file is the last one named.
set -u
cd "$(dirname "$0")/../.."
B="${B:-build}"
status=0
for dir in tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	bin="$B/tests/replay_$name"
	if [ ! -x "$bin" ]; then
		echo "not ok - no replay driver $bin for corpus $dir"
		status=1
		continue
	fi
	files=("$dir"*)
	[ -e "${files[0]}" ] || continue
	"$bin" "${files[@]}" | sed "s/^\(\(not \)\?ok\) [0-9]*/\1 -/; /^1\.\./d" || status=1
done
exit $status
