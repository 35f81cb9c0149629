#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Real daemons under sockaudit, with strace as the oracle in the same run:
#   strace_calls TRACE sockaudit run --layer auto|preload -o LOG -- DAEMON
# sshd with one key login, nginx (a master and two workers) serving curl,
# redis-server with redis-cli set/get/bgsave.  Every socket call strace sees
# must be in LOG, argument for argument, with its result and errno
# (tests/lib/strace_compare.py).  Under --layer preload glibc's internal
# sockets (nscd, getaddrinfo's netlink and address-sorting sockets) are
# missing and each is named; under --layer auto nothing may be missing.
#
# Each daemon runs in a pid and mount namespace of its own (unshare --pid
# --kill-child), so killing the namespace stops every process it started
# (sshd's connections and sessions leave its process group and session;
# nginx's workers and redis's bgsave child are forks), whatever the test did
# before it failed.
# The daemons listen on 127.0.0.1, on ports found free at run time; their
# files are under $T.  The clients (ssh, curl, redis-cli) run outside
# sockaudit and strace, in the test itself.
load helper
bats_require_minimum_version 1.5.0

teardown() {
	if [ -n "${NS_PID:-}" ]; then
		# timeout passes the signal on to unshare, whose death kills the
		# namespace's init, and the kernel then every process in it
		kill -TERM "$NS_PID" 2>/dev/null || true
		wait "$NS_PID" 2>/dev/null || true
	fi
}

# daemon_start LAYER PIDFILE STOPSIGNAL CMD...: run CMD under sockaudit and
# strace in a fresh pid and mount namespace, in the background (NS_PID);
# daemon_stop sends STOPSIGNAL to the pid in PIDFILE and waits for
# everything in the namespace to have exited.  $NS_SETUP, when set, is run
# by sh inside the namespace first (private mounts).  Output: $T/ns.out.
daemon_start() {
	local layer="$1" pidfile="$2" sig="$3"
	shift 3
	mkfifo "$T/stop"
	cat >"$T/ns.sh" <<'EOF'
# pid 1 of the namespace: start the traced daemon, and on the word on the
# fifo signal it; exit with strace's status (sockaudit's, the daemon's).
set -u
sh -ec "$NS_SETUP" || exit 125
"$@" &
traced=$!
{
	read -r _ <"$NS_T/stop"
	kill -"$NS_SIG" "$(cat "$NS_PIDFILE")"
} &
wait "$traced"
EOF
	# shellcheck disable=SC2016 # $$ and $@ are the inner sh's
	ASAN_OPTIONS=$(strace_asan_options) \
		NS_T="$T" NS_PIDFILE="$pidfile" NS_SIG="$sig" NS_SETUP="${NS_SETUP:-}" \
		timeout 40 unshare --pid --kill-child --mount-proc --propagation private \
		bash "$T/ns.sh" strace "${STRACE_ARGS[@]}" -o "$T/trace" \
		sh -c 'echo $$ >"$0"; exec "$@"' "$T/sockaudit.pid" \
		"$SOCKAUDIT" run --layer "$layer" -o "$T/log" -- "$@" \
		>"$T/ns.out" 2>&1 3>&- &
	NS_PID=$!
}

# daemon_stop STATUS: stop the daemon; fail unless it (strace, sockaudit)
# exited with STATUS.
daemon_stop() {
	local status=0
	# the fifo has no reader when the namespace is gone already
	timeout 5 sh -c 'echo stop >"$1"' _ "$T/stop" || true
	wait "$NS_PID" || status=$?
	NS_PID=
	if [ "$status" -ne "$1" ]; then
		echo "the daemon exited with status $status, not $1:" >&2
		cat "$T/ns.out" >&2
		return 1
	fi
}

# Wait for the daemon's port, and say why when it never opens.
daemon_listening() {
	if ! wait_for_listen "$1"; then
		cat "$T/ns.out" >&2
		return 1
	fi
}

# compare LAYER: strace_compare for that layer, sockaudit's own calls (its
# supervisor's) left out.
compare() {
	local auto=()
	[ "$1" = auto ] && auto=(--auto)
	strace_compare "${auto[@]}" --exclude "$(cat "$T/sockaudit.pid")" "$T/trace" "$T/log"
}

# assert_compared LAYER CALLS INTERNAL: the log and the trace agree
# (strace_compare), on CALLS calls that are not glibc's own; INTERNAL is
# "some" or "none" of those, and every one is named as a call the preload
# layer cannot see by design: nscd's sockets and their connects,
# getaddrinfo's netlink socket (its check of the configured address
# families) with its bind and request, and its datagram socket with the
# connects that sort the addresses it found.  No accept is left half-compared for
# want of its listener.
assert_compared() {
	local layer="$1" want="$2" internal="$3" n m line named=0
	run compare "$layer"
	assert_success
	[[ "${lines[0]}" =~ ^([0-9]+)\ calls\ matched,\ ([0-9]+)\ glibc-internal\ (missing|from\ notify)$ ]] ||
		fail "not a summary: ${lines[0]}"
	n=${BASH_REMATCH[1]} m=${BASH_REMATCH[2]}
	if [ "$layer" = auto ]; then
		assert_equal "${BASH_REMATCH[3]}" "from notify"
		n=$((n - m))
	else
		assert_equal "${BASH_REMATCH[3]}" missing
	fi
	assert_equal "$n" "$want"
	case "$internal" in
	none) assert_equal "$m" 0 ;;
	some) [ "$m" -gt 0 ] || fail "no glibc-internal calls: ${lines[0]}" ;;
	esac
	for line in "${lines[@]}"; do
		case "$line" in glibc-internal:*) ;; *) continue ;; esac
		named=$((named + 1))
		[[ "$line" =~ ^glibc-internal:\ [a-z-]+\[[0-9]+\]\ socket\((AF_UNIX,\ SOCK_STREAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK,\ 0\)\ =\ [0-9]+,\ nscd|AF_NETLINK,\ SOCK_RAW\|SOCK_CLOEXEC,\ 0\)\ =\ [0-9]+|AF_INET6?,\ SOCK_DGRAM\|SOCK_CLOEXEC,\ 0\)\ =\ -?[0-9]+)$ ]] ||
			[[ "$line" =~ ^glibc-internal:\ [a-z-]+\[[0-9]+\]\ (connect\([0-9]+,\ \{sa_family=0x1,\ sun_path=\"/var/run/nscd/socket\"\}|(bind|sendto)\([0-9]+,\ .*\{sa_family=0x10,\ nl_pid=0,|connect\([0-9]+,\ \{sa_family=(0|0x2|0xa),) ]] ||
			fail "not a glibc-internal call the preload layer is known to miss: $line"
	done
	assert_equal "$named" "$m"
	refute_line --partial "strace did not see created"
}

# --- sshd: a key login running one command -------------------------------

sshd_setup() {
	PORT=$(free_port)
	ssh-keygen -q -t ed25519 -N '' -C host -f "$T/host_key"
	ssh-keygen -q -t ed25519 -N '' -C user -f "$T/user_key"
	cp "$T/user_key.pub" "$T/authorized_keys"
	cat >"$T/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $PORT
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
EOF
	# Inside the namespace the login's shell is /bin/sh (root's own shell
	# would read root's dotfiles, whatever this machine put there), and
	# /run is a tmpfs of its own holding sshd's privilege-separation
	# directory (the package's service would make /run/sshd).
	sed 's#^\(root:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:\).*#\1/bin/sh#' /etc/passwd >"$T/passwd"
	NS_SETUP="mount --bind '$T/passwd' /etc/passwd
		mount -t tmpfs -o mode=0755 sockaudit-test /run
		mkdir -m 0755 /run/sshd"
}

ssh_login() {
	timeout 20 ssh -F /dev/null -i "$T/user_key" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-p "$PORT" root@127.0.0.1 echo ok
}

sshd_run() {
	sshd_setup
	daemon_start "$1" "$T/sshd.pid" TERM /usr/sbin/sshd -D -e -f "$T/sshd_config"
	daemon_listening "$PORT"
	run -0 ssh_login
	assert_output ok
	daemon_stop 0
	# the login really went through: the master's accept and the
	# re-executed child (sshd -R) that served it
	run -0 jq -r 'select(.call == "accept") | .comm' "$T/log"
	assert_output sshd
	run -0 grep -c 'execve("/usr/sbin/sshd", \[.*"-R"\]' "$T/trace"
	assert_output 1
}

@test "sshd, --layer preload: every socket call strace sees is logged, but glibc's own" {
	sshd_run preload
	# the master's listener and its bind, its accept and a socketpair to the
	# child it re-executes; that child's socketpair to its
	# privilege-separated one
	assert_compared preload 7 some
}

@test "sshd, --layer auto: every socket call strace sees is logged" {
	sshd_run auto
	assert_compared auto 7 some
}

# --- nginx: a master, two workers, curl ----------------------------------

nginx_run() {
	PORT=$(free_port)
	mkdir "$T/nginx"
	cat >"$T/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $T/nginx.pid;
error_log $T/nginx/error.log info;
events {
	worker_connections 64;
	multi_accept on;
}
http {
	# no keep-alive, and a lingering close of every connection: the
	# worker shuts down its side with shutdown(SHUT_WR) first
	keepalive_timeout 0;
	lingering_close always;
	access_log $T/nginx/access.log;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$PORT;
		location / {
			return 200 "ok\n";
		}
	}
}
EOF
	daemon_start "$1" "$T/nginx.pid" QUIT nginx -p "$T/nginx" -c "$T/nginx.conf" -e "$T/nginx/error.log"
	daemon_listening "$PORT"
	local i
	for i in 1 2 3 4; do
		run -0 curl -sS --max-time 10 "http://127.0.0.1:$PORT/$i"
		assert_output ok
	done
	daemon_stop 0
	run -0 grep -c '"GET /[1-4] HTTP/1.1" 200' "$T/nginx/access.log"
	assert_output 4
	# a master and two workers, the workers accepting on the master's
	# listener: all three are in the log, one accept and one shutdown per
	# request
	run -0 jq -s '[.[] | select(.layer) | .pid] | unique | length' "$T/log"
	assert_output 3
	run -0 jq -s -c '[.[] | select(.call == "accept4" or .call == "shutdown") | .call] | group_by(.) | map([.[0], length])' "$T/log"
	assert_output '[["accept4",4],["shutdown",4]]'
}

@test "nginx, --layer preload: every socket call strace sees is logged, but glibc's own" {
	nginx_run preload
	# the listener, a socketpair to each worker and one in each, 4 accepts
	# and 4 shutdowns
	assert_compared preload 18 some
	# multi_accept: each accept loop ends in EAGAIN, which is no event
	assert_line --regexp '^failed accepts, no event: [1-9][0-9]*$'
	# A worker's accept4 is compared in full, with the family, type and
	# protocol of the listener it inherited: a type without the
	# SOCK_NONBLOCK it passed is a difference.
	cp "$T/log" "$T/log.good"
	jq -c 'if .call == "accept4" then .args[2] = 1 else . end' "$T/log.good" >"$T/log"
	run -1 compare preload
	assert_line --regexp '^nginx\[[0-9]+\]: differs: accept4\([0-9]+, .*, 0x800\) = [0-9]+; want accept4 \[[0-9]+, 2, 2049, 6\] = '
	assert_line --regexp '^4 differences: '
}

@test "nginx, --layer auto: every socket call strace sees is logged" {
	nginx_run auto
	assert_compared auto 18 some
	assert_line --regexp '^failed accepts, no event: [1-9][0-9]*$'
}

# --- redis-server: set, get, bgsave --------------------------------------

redis_cli() {
	echo "$*" >>"$T/clients"
	timeout 10 redis-cli -h 127.0.0.1 -p "$PORT" "$@"
}

# The bgsave is over and saved the key set before it (INFO persistence).
bgsave_done() {
	local info
	info=$(redis_cli info persistence) || return 1
	[[ "$info" == *"rdb_bgsave_in_progress:0"* && "$info" == *"rdb_last_bgsave_status:ok"* &&
		"$info" == *"rdb_changes_since_last_save:0"* ]]
}

redis_run() {
	PORT=$(free_port)
	mkdir "$T/redis"
	# no persistence but the test's own bgsave
	cat >"$T/redis.conf" <<EOF
bind 127.0.0.1
port $PORT
daemonize no
supervised no
dir $T/redis
pidfile $T/redis.pid
logfile $T/redis/redis.log
save ""
appendonly no
EOF
	daemon_start "$1" "$T/redis.pid" TERM redis-server "$T/redis.conf"
	daemon_listening "$PORT"
	run -0 redis_cli set key value
	assert_output OK
	run -0 redis_cli get key
	assert_output value
	run -0 redis_cli bgsave
	assert_output "Background saving started"
	wait_for bgsave_done
	daemon_stop 0
	[ -s "$T/redis/dump.rdb" ]
}

@test "redis-server, --layer preload: every socket call strace sees is logged, but glibc's own" {
	redis_run preload
	# the listener, its bind and one accept per redis-cli
	assert_compared preload $((2 + $(wc -l <"$T/clients"))) none
	# its accept loop ends each time in EAGAIN: no event
	assert_line --regexp '^failed accepts, no event: [1-9][0-9]*$'
}

@test "redis-server, --layer auto: every socket call strace sees is logged" {
	redis_run auto
	assert_compared auto $((2 + $(wc -l <"$T/clients"))) none
	assert_line --regexp '^failed accepts, no event: [1-9][0-9]*$'
}
