# SPDX-License-Identifier: MIT
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
#   wait_for_listen PORT    until a socket listens on 127.0.0.1:PORT, without
#                           connecting to it (a probe would be a client too)
#   strace_calls TRACE CMD...   run CMD (30 s deadline) under strace with the
#                           options tests/lib/strace_compare.py needs ($STRACE_ARGS)
#   strace_compare ARG...   tests/lib/strace_compare.py (see its header)
#   json_lines FILE         fail unless every line of FILE is valid JSON
#   require_feature NAME WHY   skip with a reason (a failure under CI=strict)
#   searchable_by_all DIR   search permission for everyone on DIR and its
#                           parents below /tmp (for a test that drops to nobody)
#
# Every log line sockaudit writes in a test is validated against
# evlog/event.schema.json once bats is done (tests/run-tests.sh, with
# tests/lib/validate_events.py): bats keeps each test's $T until then.  A line
# a test spoils or makes up on purpose, stamped with the time of the run,
# goes in a file whose path below $T holds "junk" (junk.log, junk/...).
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

searchable_by_all() {
	local d="$1"
	while [ "$d" != / ] && [ "$d" != /tmp ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_for_port() {
	wait_for port_open "$1"
}

port_listening() {
	# /proc/net/tcp: local address 0100007F:PORT (hex), state 0A (LISTEN)
	grep -q "^ *[0-9]*: 0100007F:$(printf %04X "$1") 00000000:0000 0A " /proc/net/tcp
}

wait_for_listen() {
	wait_for port_listening "$1"
}

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# strace's options for tests/lib/strace_compare.py: the calls it compares,
# the address calls (connect, bind, sendto, sendmsg), and those it needs to
# follow descriptors across fork (clone...) and to name programs (execve);
# whole strings (-s 256: a unix path has up to 108 bytes); backtraces (-k) tell
# glibc's internal calls apart.
STRACE_ARGS=(-f -qq -X raw -k -s 256 -e signal=none
	-e trace=socket,socketpair,accept,accept4,shutdown,connect,bind,sendto,sendmsg,clone,clone3,fork,vfork,execve)

# ASAN_OPTIONS for a run under strace: LeakSanitizer cannot run under
# ptrace, and in a `make ASAN=1` build it would fail sockaudit's own exit.
strace_asan_options() {
	case ":${ASAN_OPTIONS:-}:" in
	*:detect_leaks=0:*) echo "${ASAN_OPTIONS:-}" ;;
	*) echo "${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" ;;
	esac
}

strace_calls() {
	local trace="$1"
	shift
	ASAN_OPTIONS=$(strace_asan_options) timeout 30 strace "${STRACE_ARGS[@]}" -o "$trace" "$@"
}

strace_compare() {
	"$PY" "$ROOT/tests/lib/strace_compare.py" "$@"
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

# The kernel layers' supervisor needs seccomp user notification.
need_notify() {
	grep -qw user_notif /proc/sys/kernel/seccomp/actions_avail ||
		require_feature "seccomp user notification" "the kernel has no SECCOMP_RET_USER_NOTIF"
}

# skip_under_asan WHY: a named skip on a `make ASAN=1` build, for a test
# that cannot run under AddressSanitizer whatever sockaudit does; never
# silent (CI builds without ASan and counts skips as failures).
skip_under_asan() {
	if readelf -d "$SHIM" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
		skip "$1 (ASan build)"
	fi
}

# curl deadlocks in setlocale() when libasan is preloaded into it, with or
# without sockaudit (`LD_PRELOAD=libasan.so curl ...` hangs too), so the curl
# tests cannot run on a `make ASAN=1` build.
skip_curl_under_asan() {
	skip_under_asan "curl deadlocks with libasan preloaded, sockaudit or not"
}
