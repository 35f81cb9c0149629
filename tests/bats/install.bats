#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# make install / make uninstall, into a prefix of the test's own (never
# /usr): the installed sockaudit finds the installed shim through the one
# path built into it, the installed man pages name that prefix, uninstall
# takes back exactly what install put, and install builds no test program.
# Also: every tracked source file carries its SPDX line.
bats_require_minimum_version 1.5.0
load helper

# One build of what is installed, with the default prefix, as a user's
# `make` would leave it: the tests then install it elsewhere.
# The tests share one prefix, P, so that the build is relinked only where a
# test changes a path on purpose.
setup_file() {
	export IB="$BATS_FILE_TMPDIR/build" P="$BATS_FILE_TMPDIR/p"
	make -C "$ROOT" -s -j2 B="$IB" >"$BATS_FILE_TMPDIR/make.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/make.log" >&2; return 1; }
}

# mk ARG...: make in the source tree on the test's build directory.
mk() {
	make -C "$ROOT" --no-print-directory B="$IB" "$@"
}

# Everything under a directory but the directories themselves.
files_under() {
	(cd "$1" && find . ! -type d | sort)
}

@test "install: make builds no test program, make install neither" {
	# The test suite's programs are `make tests`: liburing, a static libc
	# and the fixtures are not needed to build or install sockaudit.
	run -0 ls "$IB"
	refute_line fixtures
	refute_line tests
	# a pkg-config that knows no liburing, and says who asked
	mkdir bin
	cat >bin/pkg-config <<-EOF
		#!/bin/sh
		echo "\$*" >>"$T/asked"
		case "\$*" in *liburing*) exit 1 ;; esac
		exec /usr/bin/pkg-config "\$@"
	EOF
	chmod +x bin/pkg-config
	run -0 mk install PREFIX="$P" PKG_CONFIG="$T/bin/pkg-config"
	[ -x "$P/bin/sockaudit" ]
	[ ! -e "$IB/fixtures" ]
	[ ! -e "$IB/tests" ]
	run -0 cat "$T/asked"
	assert_line --partial libcjson
	refute_line --partial liburing
}

@test "install: the installed sockaudit finds the installed shim, from elsewhere" {
	run -0 mk install PREFIX="$P"
	[ -e "$P/lib/sockaudit/libsockaudit.so" ]
	# not next to the program: only the path built in can find it
	[ ! -e "$P/bin/libsockaudit.so" ]
	mkdir elsewhere && cd elsewhere
	env -u SOCKAUDIT_SHIM "$P/bin/sockaudit" run --layer preload -o "$T/ev.log" -- \
		"$PY" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()'
	run -0 jq -c 'select(.event == "socket.__new__" and .family == "AF_INET") | [.call, .type, .layer]' "$T/ev.log"
	assert_output '["socket","SOCK_STREAM","preload"]'
	# and it names that path when the shim is gone
	rm "$P/lib/sockaudit/libsockaudit.so"
	run -125 --separate-stderr env -u SOCKAUDIT_SHIM "$P/bin/sockaudit" run --layer preload -- true
	assert_equal "$stderr" "sockaudit run: cannot find libsockaudit.so (looked next to this program and in $P/lib/sockaudit): the preload layer cannot run"
}

@test "install: examples, schemas, completion and LICENSE are installed" {
	run -0 mk install PREFIX="$P"
	for f in "$ROOT"/policy/examples/*.json; do
		cmp "$f" "$P/share/sockaudit/examples/${f##*/}"
	done
	for f in "$ROOT"/evlog/*.schema.json "$ROOT"/policy/*.schema.json; do
		[ -e "$f" ] || continue
		cmp "$f" "$P/share/sockaudit/${f##*/}"
	done
	[ -s "$P/share/sockaudit/event.schema.json" ]
	cmp "$ROOT/LICENSE" "$P/share/doc/sockaudit/LICENSE"
	cmp "$ROOT/tools/sockaudit.bash-completion" "$P/share/bash-completion/completions/sockaudit"
	# an installed example is a valid policy for the installed program
	run -0 "$P/bin/sockaudit" check -q "$P/share/sockaudit/examples/no-network.json"
	# the installed completion asks the installed program
	run -0 env PATH="$P/bin:$PATH" bash -c '
		. "$1"
		COMP_WORDS=(sockaudit names f) COMP_CWORD=2
		_sockaudit
		echo "${COMPREPLY[*]}"' - "$P/share/bash-completion/completions/sockaudit"
	assert_output "families flags"
}

@test "install: make uninstall removes every installed file and nothing else" {
	# staged under a DESTDIR of its own (the build keeps P), with someone
	# else's files in directories install shares or owns
	d="$T/dest$P"
	mkdir -p "$d/bin" "$d/share/man/man1" "$d/share/sockaudit/examples"
	echo x >"$d/bin/other"
	echo x >"$d/share/man/man1/other.1"
	echo x >"$d/share/sockaudit/examples/mine.json"
	before=$(files_under "$T/dest")
	run -0 mk install PREFIX="$P" DESTDIR="$T/dest"
	run -0 files_under "$T/dest"
	[ "${#lines[@]}" -gt 20 ]
	assert_line ".$P/bin/sockaudit"
	run -0 mk uninstall PREFIX="$P" DESTDIR="$T/dest"
	run -0 files_under "$T/dest"
	assert_output "$before"
	# sockaudit's own directories go when empty, and stay when not
	[ ! -e "$d/lib/sockaudit" ]
	[ ! -e "$d/share/doc/sockaudit" ]
	[ -d "$d/share/sockaudit/examples" ]
}

@test "install: the installed man pages name the real prefix, and LIBDIR" {
	run -0 mk install PREFIX="$T/p" LIBDIR="$T/lib/sa"
	[ -e "$T/lib/sa/libsockaudit.so" ]
	man1="$T/p/share/man/man1"
	run -0 grep -h -F -- "$T/lib/sa/libsockaudit.so" "$man1/sockaudit.1" "$man1/libsockaudit.1"
	assert_line ".I $T/lib/sa/libsockaudit.so"
	assert_line ".B LD_PRELOAD=$T/lib/sa/libsockaudit.so"
	run -0 grep -h -F -- "$T/p/share/sockaudit/examples/" "$man1/sockaudit.1"
	assert_line ".I $T/p/share/sockaudit/examples/"
	run -1 grep -r -l /usr/local "$T/p/share/man"
	# every page of man/ is installed, in its section, and man can read it
	for page in "$ROOT"/man/*.[1-8]; do
		name=${page##*/}
		[ -s "$T/p/share/man/man${name##*.}/$name" ]
	done
	run -0 env MANPATH="$T/p/share/man" man -w sockaudit
	assert_output "$man1/sockaudit.1"
	# the source pages themselves keep the default prefix
	run -0 grep -c -F /usr/local/lib/sockaudit/libsockaudit.so "$ROOT/man/sockaudit.1"
}

@test "install: a new PREFIX rebuilds tools/run.o alone, and only once" {
	run -0 mk PREFIX="$T/q"
	# the compiler's object outputs: run.o is the one that holds LIBDIR
	run -0 grep -o -- ' -c -o [^ ]*' <<<"$output"
	assert_output " -c -o $IB/tools/run.o"
	run -0 mk PREFIX="$T/q"
	refute_output --partial ' -c '
	refute_output --partial "-o $IB/sockaudit"
}

@test "license: every tracked source file carries an SPDX line" {
	git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 ||
		require_feature "a git checkout" "the tracked files are listed by git"
	cd "$ROOT"
	missing=()
	while IFS= read -r f; do
		case "$f" in
		*.c | *.h | *.S | *.def | *.in | *.mk | Makefile | *.sh | *.bash | *.bats | *.py | \
			*.bash-completion | man/*.[1-8] | debian/rules | .ci/*) ;;
		*) head -c 2 -- "$f" | grep -q '^#!' || continue ;;
		esac
		head -n 3 -- "$f" | grep -q 'SPDX-License-Identifier: MIT' || missing+=("$f")
	done < <(git ls-files)
	echo "without an SPDX line: ${missing[*]}"
	[ "${#missing[@]}" -eq 0 ]
}

@test "debian: the package's version is the program's" {
	run -0 dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version
	assert_output "$("$SOCKAUDIT" --version | sed 's/^sockaudit //')"
	run -0 grep -c "^VERSION := $output\$" "$ROOT/Makefile"
}
