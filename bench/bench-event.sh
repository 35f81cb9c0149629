#!/bin/bash
# event_format() next to the socket()+close() it describes, both measured
# here and now (best of 7 rounds each).  The shim's budget for the whole hot
# path is well under a microsecond plus the write: formatting must be a small
# fraction of the native call.
set -eu
cd "$(dirname "$0")/.."
exec "${B:-build}/bench/event" "${EVENT_BENCH_N:-200000}"
