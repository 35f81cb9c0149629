#!/bin/sh
# SPDX-License-Identifier: MIT
# tools/demo.sh - sockaudit in one command, from a fresh clone on Debian 12.
#
# Installs the Debian packages the demo needs that are missing (as root;
# otherwise names them and stops): the build's, and the two programs it runs.
# Not .ci/packages: that is the test suite's list (Go, bats, nginx, ...), of
# which the demo needs none.  Then builds, serves a page with python3's
# http.server on 127.0.0.1, and fetches it with
#     sockaudit run -- curl -s http://127.0.0.1:PORT/
# under the default policy (audit mode, allow and log everything) and the
# default layers: curl's page goes to stdout, its socket events to stderr.
set -eu
cd "$(dirname "$0")/.."

# What `make build/sockaudit build/libsockaudit.so` needs (a C toolchain,
# pkg-config, libcjson and libseccomp), and the server and client it runs.
DEMO_PACKAGES="build-essential pkg-config libcjson-dev libseccomp-dev zlib1g-dev python3 curl"
PY=/usr/bin/python3
missing=
for p in $DEMO_PACKAGES; do
	[ "$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
		missing="${missing:+$missing }$p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "demo: these Debian packages are missing: $missing" >&2
		echo "demo: install them as root (apt-get install $missing), or run me as root" >&2
		exit 1
	fi
	echo "demo: installing $missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

dir=$(mktemp -d)
server=
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

echo "demo: building" >&2
# The build's output is shown only when it fails: the Makefile also asks
# pkg-config about the test suite's libraries (liburing), which the demo
# does not install, and that note is no error for these two targets.
if ! make -j2 build/sockaudit build/libsockaudit.so >"$dir/build.log" 2>&1; then
	cat "$dir/build.log" >&2
	echo "demo: the build failed" >&2
	exit 1
fi
echo "Hello from a local http.server, fetched under sockaudit." >"$dir/index.html"
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$PY -m http.server --bind 127.0.0.1 --directory "$dir" "$port" >"$dir/server.log" 2>&1 &
server=$!
# Wait until it listens: poll with a deadline, never a blind sleep.
tries=0
until $PY -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
	"$port" 2>/dev/null; do
	tries=$((tries + 1))
	if [ "$tries" -ge 200 ]; then
		echo "demo: http.server did not start: $(cat "$dir/server.log")" >&2
		exit 1
	fi
	sleep 0.05
done

echo "demo: \$ build/sockaudit run -- curl -s http://127.0.0.1:$port/" >&2
build/sockaudit run -- curl -s "http://127.0.0.1:$port/"
