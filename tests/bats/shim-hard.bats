#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# libsockaudit.so under the hard cases: threads, fork in a threaded program,
# vfork and posix_spawn, signal handlers, programs that close or dup2 over
# every descriptor, SIGKILL in the middle of logging, a full file system.
# Each fixture (tests/fixtures/s_*.c) does one of these things.
bats_require_minimum_version 1.5.0
load helper
load shim-helper

@test "shim-hard: 16 threads x 10000 sockets: every line parses, seq 1..160000, no gap" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_threads" 16 10000
	assert_output "sockets 160000 failures 0"
	run -0 json_lines "$T/log"
	assert_output 160000
	run -0 seq_check "$T/log"
	assert_output --regexp '^[0-9]+ 160000$'
	# all 16 threads are there, each with 10000 events
	run -0 bash -c "jq -r .tid '$T/log' | sort | uniq -c | awk '{print \$1}' | sort -u"
	assert_output 10000
	run -0 bash -c "jq -r .tid '$T/log' | sort -u | wc -l"
	assert_output 16
}

@test "shim-hard: fork() while other threads create sockets: no deadlock, each child logs from seq 1" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_forkthreads" 20
	assert_equal "${#lines[@]}" 20
	run -0 seq_check "$T/log"
	# 21 processes; each child exactly one event, seq 1, with its own pid
	assert_equal "${#lines[@]}" 21
	for pid in $(jq -r 'select(.family == "AF_INET") | .pid' "$T/log"); do
		run -0 jq -c "select(.pid == $pid) | [.seq, .family, .result >= 0]" "$T/log"
		assert_output '[1,"AF_INET",true]'
	done
	run -0 bash -c "jq -r 'select(.family == \"AF_INET\") | .pid' '$T/log' | sort -u | wc -l"
	assert_output 20
}

@test "shim-hard: vfork+exec and posix_spawn: the parent's seq is untouched, each child logs as itself" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_spawn"
	vpid=$(awk '/^vfork/ {print $2}' <<<"$output")
	spid=$(awk '/^spawn/ {print $2}' <<<"$output")
	ppid=$(jq -r 'select(.seq == 1) | .pid' "$T/log" | head -1)
	# the parent: two events, seq 1 and 2, whatever the vfork child did in its memory
	run -0 jq -c "select(.pid == $ppid) | .seq" "$T/log"
	assert_output $'1\n2'
	# the vfork child: once before exec (in the parent's memory), once after
	run -0 jq -c "select(.pid == $vpid) | [.seq, .ppid == $ppid]" "$T/log"
	assert_output $'[1,true]\n[1,true]'
	run -0 jq -c "select(.pid == $spid) | [.seq, .ppid == $ppid]" "$T/log"
	assert_output '[1,true]'
	run -0 json_lines "$T/log"
	assert_output 5
}

@test "shim-hard: ppid is the parent at fork: a child reparented before its first event keeps it" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_ident" orphan
	parent=$(awk '/^parent/ {print $2}' <<<"$output")
	child=$(awk '/^child/ {print $2}' <<<"$output")
	wait_for test -s "$T/log"
	run -0 jq -c "[.pid == $child, .ppid == $parent, .seq, .result >= 0]" "$T/log"
	assert_output '[true,true,1,true]'
}

@test "shim-hard: a child of the raw fork system call (no libc fork, no atfork handler) logs as itself" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_ident" rawfork
	parent=$(awk '/^parent/ {print $2}' <<<"$output")
	child=$(awk '/^child/ {print $2}' <<<"$output")
	run -0 jq -c "[.pid, .seq, .tid == .pid, .ppid == $parent]" "$T/log"
	assert_output "[$parent,1,true,false]
[$child,1,true,true]
[$parent,2,true,false]"
}

@test "shim-hard: who is calling costs no system call per event (getpid, getppid, gettid once per process)" {
	skip_under_asan "the sanitizer runtime calls getpid itself"
	export SOCKAUDIT_LOG="$T/log"
	run -0 strace -f -c -e trace=getpid,getppid,gettid,socket -o "$T/trace" \
		env LD_PRELOAD="$SHIM_PRELOAD" "$FIX/s_ident" loop 200
	run -0 json_lines "$T/log"
	assert_output 200
	# socket is counted so that the table cannot be empty
	run -0 awk '$NF == "socket" {print $4}' "$T/trace"
	assert_output 200
	for c in getpid getppid gettid; do
		n=$(awk -v c="$c" '$NF == c {print $4}' "$T/trace")
		[ "${n:-0}" -le 3 ] || fail "$c made ${n} times for 200 events"
	done
}

@test "shim-hard: vfork without kcmp(2) (refused, as by container profiles): the parent's seq is still untouched" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_nokcmp" "$FIX/s_spawn"
	vpid=$(awk '/^vfork/ {print $2}' <<<"$output")
	ppid=$(jq -r 'select(.seq == 1) | .pid' "$T/log" | head -1)
	run -0 jq -c "select(.pid == $ppid) | .seq" "$T/log"
	assert_output $'1\n2'
	run -0 jq -c "select(.pid == $vpid) | [.seq, .ppid == $ppid]" "$T/log"
	assert_output $'[1,true]\n[1,true]'
}

@test "shim-hard: socket() in a signal handler while the main thread is inside socket()" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_signal" 20000
	assert_output --regexp '^main 20000 handler [1-9][0-9]*$'
	handled=${output##* }
	run -0 json_lines "$T/log"
	assert_output $((20000 + handled))
	run -0 seq_check "$T/log"
}

@test "shim-hard: a signal handler on a small sigaltstack makes sockets: an event needs under 1 KiB of stack" {
	# An instrumented handler overflows a stack this small, and ASan's
	# own handler of that overflow spins on it: the fixture alone, without
	# the shim, probed at 3.5 KiB, ran 8 minutes at full CPU until killed.
	skip_under_asan "a handler on a few KiB of sigaltstack cannot run instrumented"
	export SOCKAUDIT_LOG="$T/log"
	native=$(altstack_native)
	run -0 under_shim "$FIX/s_altstack" "$((native + 1024))" 20
	assert_line "sockets 20"
	run -0 json_lines "$T/log"
	assert_output 40
}

# only_std CMD...: CMD with descriptors 0-2 alone (bats holds others open,
# which a limit of 4 descriptors would leave no room beside)
only_std() {
	bash -c 'for n in $(ls /proc/$$/fd); do [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@"' only_std "$@"
}

@test "shim-hard: the shim takes no descriptor the program's limit allows it (RLIMIT_NOFILE 4)" {
	export SOCKAUDIT_LOG="$T/log"
	# natively: one socket at a time fits in descriptor 3
	run -0 only_std prlimit --nofile=4:4 "$FIX/s_ident" loop 5
	# a hard limit above the soft one: the log's descriptor goes above the
	# soft limit, out of the program's reach; every event is logged
	run -0 --separate-stderr only_std prlimit --nofile=4:64 env LD_PRELOAD="$SHIM_PRELOAD" "$FIX/s_ident" loop 5
	assert_equal "$stderr" ""
	run -0 json_lines "$T/log"
	assert_output 5
	# no room above it (soft = hard, no privilege to raise it): no
	# descriptor is kept; each line opens the log, which fails while the
	# program holds its last descriptor: the program runs on, the loss is
	# said once
	rm -f "$T/log"
	run -0 --separate-stderr only_std prlimit --nofile=4:4 env LD_PRELOAD="$SHIM_PRELOAD" "$FIX/s_ident" loop 5
	assert_equal "$stderr" "sockaudit: cannot write the log $T/log: Too many open files; events are being lost (each leaves a gap in seq)"
	# under run, whose own soft limit is raised: the inherited descriptors
	# sit above the program's limit, the program gets its own back
	run -0 only_std prlimit --nofile=4:64 "$SOCKAUDIT" run --layer preload -o "$T/run.log" -- "$FIX/s_ident" loop 5
	run -0 jq -c 'select(.event == "socket.__new__") | .result' "$T/run.log"
	assert_output $'3\n3\n3\n3\n3'
}

@test "shim-hard: a program that closes descriptors 3..limit keeps its file; events still reach the log" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_closeall" loop "$T/own" 50
	run -0 json_lines "$T/log"
	assert_output 50
	run -0 sort -u "$T/own"
	assert_output "own line"
	run -0 wc -l <"$T/own"
	assert_output 50
	run -0 seq_check "$T/log"
}

@test "shim-hard: a program that calls close_range(3, ~0) keeps its file; events still reach the log" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_closeall" range "$T/own" 50
	run -0 json_lines "$T/log"
	assert_output 50
	run -0 cat "$T/own"
	refute_output --partial '{'
	run -0 wc -l <"$T/own"
	assert_output 50
}

@test "shim-hard: dup2 of a socket and of a file over the log descriptor: they get none of our bytes" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$FIX/s_dup2" "$T/own" 20
	assert_output --regexp '^logfd [0-9]+$'
	run -0 cat "$T/own"
	assert_output "own line"
	# 1 + 2 (socketpair) + 20 + 20, none lost
	run -0 json_lines "$T/log"
	assert_output 43
	run -0 seq_check "$T/log"
}

@test "shim-hard: the log descriptor is close-on-exec and not one of the low numbers" {
	export SOCKAUDIT_LOG="$T/log"
	run -0 under_shim "$PY" -c '
import os, socket
socket.socket().close()
fds = []
for f in os.listdir("/proc/self/fd"):
    try:
        if os.readlink("/proc/self/fd/" + f) == os.environ["SOCKAUDIT_LOG"]:
            fds.append(int(f))
    except FileNotFoundError:
        pass
print(fds)
env = dict(os.environ)
del env["LD_PRELOAD"]	# the next image must not open a log of its own
os.execve("/bin/ls", ["ls", "-l", "/proc/self/fd/"], env)'
	assert_line --regexp '^\[[0-9]{3,}\]$'
	refute_output --partial "$T/log"
}

@test "shim-hard: SIGKILL in the middle of heavy logging leaves only complete lines" {
	export SOCKAUDIT_LOG="$T/log"
	# not through a function: $! must be the fixture itself
	LD_PRELOAD="$SHIM_PRELOAD" "$FIX/s_heavy" 3>&- &
	pid=$!
	log_big() { [ "$(stat -c %s "$T/log" 2>/dev/null || echo 0)" -gt 2000000 ]; }
	wait_for log_big
	kill -KILL "$pid"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 137
	run -0 json_lines "$T/log"
	run -0 bash -c "tail -c 1 '$T/log' | od -An -c | tr -d ' '"
	assert_output '\n'
}

@test "shim-hard: pthread_cancel ends a thread blocked in accept, in every layer (the marked call stays a cancellation point)" {
	# The cancellation unwinds instrumented frames without unpoisoning
	# them, and ASan then reports its own thread teardown writing there
	# (stack-buffer-overflow in its sigaltstack interceptor, thread T-1).
	skip_under_asan "ASan misreads a stack that a cancellation unwound"
	for layer in preload seccomp auto; do
		[ "$layer" = preload ] || need_notify
		run -0 timeout 30 "$SOCKAUDIT" run --layer "$layer" -o "$T/log.$layer" -- "$FIX/s_cancel"
		assert_output "cancelled"
	done
	# under auto the accept was the shim's (marked), not the supervisor's
	run -0 jq -r 'select(.call == "socket") | .layer' "$T/log.auto"
	assert_output "preload"
}

@test "shim-hard: in a setuid program (the shim from /etc/ld.so.preload) it reads no SOCKAUDIT_* and stays out of the way" {
	# an instrumented shim in /etc/ld.so.preload aborts every program that
	# does not load libasan first (the test's own grep and cat)
	skip_under_asan "an ASan shim cannot be preloaded system-wide"
	[ "$(id -u)" = 0 ] || require_feature root "the test mounts over /etc in a private mount namespace"
	searchable_by_all "$T"	# nobody must reach the program
	mkdir -m 700 "$T/secret" "$T/work"
	mkdir -m 755 "$T/up"
	echo '{"version": 1, "api_token": "hunter2"}' >"$T/secret/p.json"
	chmod 600 "$T/secret/p.json"
	cp "$FIX/s_sock" "$T/suid-sock"
	chmod 4755 "$T/suid-sock"
	echo "$(cd "$(dirname "$SHIM")" && pwd)/$(basename "$SHIM")" >"$T/up/ld.so.preload"
	# as nobody, a root-owned setuid program, with the shim preloaded
	# system-wide and the environment pointing into a root-only directory
	run -0 --separate-stderr unshare --mount --propagation private bash -c '
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/up,workdir=$1/work" /etc || exit 99
		grep -q libsockaudit /etc/ld.so.preload || exit 98
		# the control: a program that is not setuid gets the shim
		SOCKAUDIT_LOG="$1/control.log" "$1/suid-sock" 2 1 0 >/dev/null || exit 97
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env SOCKAUDIT_LOG="$1/secret/log" SOCKAUDIT_POLICY="$1/secret/p.json" \
			SOCKAUDIT_MODE=enforce "$1/suid-sock" 2 1 0' - "$T"
	assert_output --regexp '^fd [0-9]+$'
	# no file created or written as root, no piece of the policy shown
	[ ! -e "$T/secret/log" ]
	assert_equal "$stderr" ""
	# while the shim was there (run as root, the copy is no secure execution)
	run -0 jq -r '.call' "$T/control.log"
	assert_line "socket"
}
