#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# tools/demo.sh, the README's first command: it installs only what the demo
# needs (the build's packages, python3 and curl: not Go, bats or hyperfine,
# which only the test suite and the benches need), and then really fetches a
# page under sockaudit.
#
# The demo runs in a copy of its part of the tree under $T, with stand-ins on PATH
# for dpkg-query (every package missing, or none), apt-get (records what it
# was asked to install, installs nothing), id (root or not) and make (links
# the build under test into the copy's build/ instead of building).  curl,
# python3 and sockaudit are the real ones, on 127.0.0.1 only.

load helper
bats_require_minimum_version 1.5.0

DEMO_WANTS="build-essential pkg-config libcjson-dev libseccomp-dev zlib1g-dev python3 curl"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	mkdir -p tree/tools tree/.ci stub
	cp "$ROOT/tools/demo.sh" tree/tools/
	# The test suite's list too, so that a demo that installed it would show.
	cp "$ROOT/.ci/packages" tree/.ci/
	cat >stub/dpkg-query <<-'EOF'
		#!/bin/sh
		[ "$DEMO_STUB_INSTALLED" = yes ] && printf installed || printf not-installed
	EOF
	cat >stub/apt-get <<-'EOF'
		#!/bin/sh
		echo "$*" >>"$DEMO_STUB_LOG/apt.log"
	EOF
	cat >stub/id <<-'EOF'
		#!/bin/sh
		[ "$1" = -u ] && { echo "$DEMO_STUB_UID"; exit 0; }
		exec /usr/bin/id "$@"
	EOF
	cat >stub/make <<-'EOF'
		#!/bin/sh
		echo "$*" >>"$DEMO_STUB_LOG/make.log"
		mkdir -p build
		ln -sf "$DEMO_STUB_SOCKAUDIT" build/sockaudit
		ln -sf "$DEMO_STUB_SHIM" build/libsockaudit.so
	EOF
	chmod +x stub/*
	export DEMO_STUB_LOG="$T" DEMO_STUB_SOCKAUDIT="$SOCKAUDIT" DEMO_STUB_SHIM="$SHIM"
	export PATH="$T/stub:$PATH"
}

# The demo's page and at least one of curl's events, from either layer.
assert_demo_ran() {
	assert_line 'Hello from a local http.server, fetched under sockaudit.'
	assert_line --regexp '^\{"v":1,.*"event":"socket.__new__".*"family":"AF_INET".*"exe":"/usr/bin/curl"'
}

@test "demo: as root with packages missing, installs only the build's packages, python3 and curl" {
	skip_curl_under_asan
	DEMO_STUB_UID=0 DEMO_STUB_INSTALLED=no run -0 sh tree/tools/demo.sh
	assert_demo_ran
	assert_line "demo: installing $DEMO_WANTS"
	run -0 cat apt.log
	assert_output "update -q
install -y -q --no-install-recommends $DEMO_WANTS"
	refute_output --partial golang-go
	refute_output --partial bats
	refute_output --partial hyperfine
	run -0 cat make.log
	assert_output "-j2 build/sockaudit build/libsockaudit.so"
}

@test "demo: not root with packages missing, names them, installs nothing and runs nothing" {
	DEMO_STUB_UID=1000 DEMO_STUB_INSTALLED=no run -1 sh tree/tools/demo.sh
	assert_line "demo: these Debian packages are missing: $DEMO_WANTS"
	assert_line "demo: install them as root (apt-get install $DEMO_WANTS), or run me as root"
	[ ! -e apt.log ]
	[ ! -e make.log ]
}

@test "demo: with everything installed, asks apt-get nothing" {
	skip_curl_under_asan
	DEMO_STUB_UID=0 DEMO_STUB_INSTALLED=yes run -0 sh tree/tools/demo.sh
	assert_demo_ran
	[ ! -e apt.log ]
}
