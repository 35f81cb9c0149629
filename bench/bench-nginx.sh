#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-nginx.sh - what auditing costs a real server: nginx (a master and 2
# workers, on 127.0.0.1, a small static file, no access log), one connection
# per request (`ab -n REQ -c 8`, no keep-alive), the server's CPU time per
# request under each configuration of this one invocation:
#
#   native       nginx alone
#   run-auto     sockaudit run --mode audit --layer auto -o FILE -- nginx
#   run-preload  sockaudit run --mode audit --layer preload -o FILE -- nginx
#   strace-bpf   strace -f --seccomp-bpf -e trace=socket,accept4,shutdown,connect
#                -o /dev/null nginx (strace as a user would run it)
#
# The server's CPU is every process of the command's tree (nginx's master
# and workers, and the launcher or strace, whose work serves the same
# requests): the sum of each task's time on a CPU (/proc/PID/task/TID/
# schedstat, user and system, in ns) after the load minus before it, so
# start-up and shutdown are left out.  The server is ready when its port
# listens and its 2 workers exist (polled, with a deadline); it is stopped
# with SIGQUIT (graceful) and waited for.  Every ab run must complete all
# requests without a failure, and the audited runs must have logged an
# accept4 event per request, or the bench fails.
#
# Paired and alternating: REPEAT rounds, each runs every configuration once
# (in reverse order every other round);
# each configuration's ratio is to the native run of its own round; medians
# with min-max.  Target (issue 11): run-auto <= 1.05x native.
#   REQ=requests per run (default 20000)  REPEAT=rounds (default 5)
# needs: nginx apache2-utils strace iproute2 procps python3
set -u
cd "$(dirname "$0")/.."
. bench/lib.bash
B="${B:-build}"
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
NGINX="${NGINX:-/usr/sbin/nginx}"
REQ="${REQ:-20000}"
REPEAT="${REPEAT:-5}"
for f in "$B/sockaudit" "$B/libsockaudit.so" "$NGINX"; do
	[ -e "$f" ] || { echo "bench-nginx: $f missing" >&2; exit 1; }
done
for p in ab strace python3 ss; do
	command -v "$p" >/dev/null || { echo "bench-nginx: $p missing (bench/packages)" >&2; exit 1; }
done
tmp=$(mktemp -d)
server=""
cleanup() {
	[ -n "$server" ] && kill -KILL "$server" 2>/dev/null
	[ -f "$tmp/nginx.pid" ] && kill -KILL "$(cat "$tmp/nginx.pid")" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cp "$B/sockaudit" "$B/libsockaudit.so" "$tmp/"
SA="$tmp/sockaudit"
# nginx's workers run as nobody: the static file must be readable to them
chmod 755 "$tmp"
mkdir "$tmp/html" "$tmp/nginx"
head -c 600 /dev/zero | tr '\0' x >"$tmp/html/index.html"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 256; }
http {
	keepalive_timeout 0;
	access_log off;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$PORT;
		root $tmp/html;
	}
}
EOF
NGINX_CMD=("$NGINX" -p "$tmp/nginx" -c "$tmp/nginx.conf")
LOG="$tmp/log"

# deadline_poll SECONDS CMD...: until CMD succeeds; 1 at the deadline
deadline_poll() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.02
	done
}
ready() {
	[ -n "$(ss -Hltn "sport = :$PORT")" ] && [ -s "$tmp/nginx.pid" ] &&
		[ "$(pgrep -c -P "$(cat "$tmp/nginx.pid")")" -ge 2 ]
}
# the pids of PID's tree, PID included
tree() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END { q[1] = root; n = 1
		      for (i = 1; i <= n; i++) { print q[i]; m = split(kids[q[i]], k, " ")
			      for (j = 1; j <= m; j++) q[++n] = k[j] } }'
}
# ns on a CPU of every task of PID's tree
tree_cpu() {
	local p
	for p in $(tree "$1"); do
		cat /proc/"$p"/task/*/schedstat 2>/dev/null
	done | awk '{ s += $1 } END { printf "%d\n", s }'
}

# one CONFIG: prints the server's CPU ns per request
one() {
	local c="$1" before after
	rm -f "$LOG" "$tmp/nginx.pid"
	case "$c" in
	native) "${NGINX_CMD[@]}" ;;
	run-auto) "$SA" run --mode audit --layer auto -o "$LOG" -- "${NGINX_CMD[@]}" ;;
	run-preload) "$SA" run --mode audit --layer preload -o "$LOG" -- "${NGINX_CMD[@]}" ;;
	strace-bpf) strace -f --seccomp-bpf -e trace=socket,accept4,shutdown,connect \
		-o /dev/null "${NGINX_CMD[@]}" ;;
	esac >>"$tmp/server.out" 2>&1 &
	server=$!
	if ! deadline_poll 20 ready; then
		echo "bench-nginx: $c: nginx not listening with 2 workers after 20 s" >&2
		tail -n 5 "$tmp/server.out" "$tmp/nginx/error.log" >&2
		return 1
	fi
	before=$(tree_cpu "$server")
	ab -n "$REQ" -c 8 "http://127.0.0.1:$PORT/index.html" >"$tmp/ab.out" 2>&1
	after=$(tree_cpu "$server")
	kill -QUIT "$(cat "$tmp/nginx.pid")"
	if ! deadline_poll 20 eval '! kill -0 "$server" 2>/dev/null'; then
		echo "bench-nginx: $c: nginx did not stop on SIGQUIT within 20 s" >&2
		return 1
	fi
	wait "$server"
	server=""
	if ! grep -q "^Complete requests: *$REQ\$" "$tmp/ab.out" ||
	   ! grep -q '^Failed requests: *0$' "$tmp/ab.out"; then
		echo "bench-nginx: $c: ab did not complete $REQ requests without failure:" >&2
		grep -E 'requests|rror' "$tmp/ab.out" >&2
		return 1
	fi
	case "$c" in
	run-*) local got
	       got=$(grep -c '"call":"accept4"' "$LOG")
	       if [ "$got" -lt "$REQ" ]; then
		       echo "bench-nginx: $c: $got accept4 events logged for $REQ requests" >&2
		       return 1
	       fi ;;
	esac
	awk -v a="$before" -v b="$after" -v n="$REQ" 'BEGIN { printf "%d\n", (b - a) / n }'
}

configs="native run-auto run-preload strace-bpf"
for ((r = 0; r < REPEAT; r++)); do
	for c in $(bench_order "$r" $configs); do
		# not in $(...): the server's pid must stay visible to cleanup
		one "$c" >>"$tmp/$c" || { echo "bench-nginx: the $c run failed" >&2; exit 1; }
	done
done
for c in $configs; do
	bench_ratios "$tmp/$c" "$tmp/native" >"$tmp/$c.x"
done

echo "nginx, 2 workers, ab -n $REQ -c 8 (one connection per request), $REPEAT paired rounds:"
printf '  %-12s %28s %22s\n' config "server CPU ns/req med (min-max)" "x native med (min-max)"
what="nginx (2 workers, one connection per request, \`ab -n $REQ -c 8\`), server CPU per request"
for c in $configs; do
	read -r nm nlo nhi < <(bench_stats "$tmp/$c")
	read -r xm xlo xhi < <(bench_stats "$tmp/$c.x")
	printf '  %-12s %12d (%d-%d) %12.2f (%.2f-%.2f)\n' "$c" "$nm" "$nlo" "$nhi" "$xm" "$xlo" "$xhi"
	target="" verdict=""
	case "$c" in
	native) desc="native"
		printf -v m '%.1f µs (%.1f-%.1f)' "$(awk -v v="$nm" 'BEGIN { print v / 1000 }')" \
			"$(awk -v v="$nlo" 'BEGIN { print v / 1000 }')" "$(awk -v v="$nhi" 'BEGIN { print v / 1000 }')" ;;
	run-auto) desc="\`sockaudit run --mode audit -o FILE\` (\`--layer auto\`)"
		  target="≤ 1.05x"; verdict=$(bench_verdict "$xm" '<=' 1.05) ;;
	run-preload) desc="\`sockaudit run --mode audit --layer preload -o FILE\`" ;;
	strace-bpf) desc="\`strace -f --seccomp-bpf -e trace=socket,accept4,shutdown,connect\`" ;;
	esac
	[ "$c" = native ] || printf -v m '%.2fx (%.2f-%.2f)' "$xm" "$xlo" "$xhi"
	bench_figure "nginx.$c" "$what, $desc" "$m" "$target" "$verdict" >>"$tmp/figures"
done
cat "$tmp/figures"
echo "  target: run-auto ≤ 1.05x: $(bench_verdict "$(bench_stats "$tmp/run-auto.x" | cut -d' ' -f1)" '<=' 1.05)"
