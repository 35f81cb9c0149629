# Shared set-up for the bats tests: `load helper` at the top of each file.
#
#   $SOCKAUDIT   the sockaudit program of the build under test
#   $SHIM        libsockaudit.so of that build
#   $FIX         the fixture programs' directory
#   $EXAMPLES    policy/examples
#   $T           a fresh temporary directory per test (BATS_TEST_TMPDIR)
#   wait_for CMD...         poll CMD until it succeeds, 10 s deadline
#   wait_for_port PORT      until something listens on 127.0.0.1:PORT
#   free_port               print a free TCP port on 127.0.0.1
#   json_lines FILE         fail unless every line of FILE is valid JSON
#   require_feature NAME WHY   skip with a reason (a failure under CI=strict)
bats_load_library bats-support
bats_load_library bats-assert

ROOT="${SOCKAUDIT_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
B="${B:-build}"
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
SOCKAUDIT="$B/sockaudit"
SHIM="$B/libsockaudit.so"
FIX="$B/fixtures"
EXAMPLES="$ROOT/policy/examples"
PY=/usr/bin/python3

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
}

wait_for() {
	local deadline=$((SECONDS + 10))
	until "$@"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "wait_for: timed out: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_for_port() {
	wait_for port_open "$1"
}

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

json_lines() {
	"$PY" -c '
import json, sys
n = 0
for i, line in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        json.loads(line)
    except Exception as e:
        sys.exit("%s:%d: not JSON: %r (%s)" % (sys.argv[1], i, line[:200], e))
    n += 1
print(n)' "$1"
}

require_feature() {
	# Skips are reported by name; tests/run-tests.sh fails them under CI.
	skip "$1 unavailable: $2"
}

# curl deadlocks in setlocale() when libasan is preloaded into it, with or
# without sockaudit (`LD_PRELOAD=libasan.so curl ...` hangs too), so the curl
# tests cannot run on a `make ASAN=1` build.  A named skip, never silent (CI
# builds without ASan and counts skips as failures).
skip_curl_under_asan() {
	if readelf -d "$SHIM" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
		skip "curl deadlocks with libasan preloaded (ASan build), sockaudit or not"
	fi
}
