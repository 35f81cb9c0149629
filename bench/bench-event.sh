#!/bin/bash
# SPDX-License-Identifier: MIT
# event_format() next to the socket()+close() it describes, both measured
# here and now (best of 7 rounds each).  The shim's budget for the whole hot
# path is well under a microsecond plus the write: formatting must be a small
# fraction of the native call.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.bash
out=$("${B:-build}/bench/event" "${EVENT_BENCH_N:-200000}")
printf '%s\n' "$out"
# The README's row, from the program's own line
fig=$(printf '%s\n' "$out" | sed -n 's/^event_format, typical line: *\([0-9.]*\) ns *(\([0-9.]*\) x native)$/\1 ns (\2x a `socket`+`close`)/p')
[ -n "$fig" ] || { echo "bench-event: no 'typical line' figure in the output" >&2; exit 1; }
bench_figure event.format "\`event_format\`, typical line" "$fig"
