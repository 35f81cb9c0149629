#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The layout tells the architecture: a module's private headers are included
# only inside it (and by the white-box unit tests of that module), so no
# other part can come to depend on its internals.
bats_require_minimum_version 1.5.0
load helper

# includers_of HEADER: every source file that includes "HEADER".
includers_of() {
	(cd "$ROOT" && find calls json policy evlog shim tools tests bench -name '*.[ch]' -print0 | xargs -0 grep -l "#include \"$1\"" | sort)
}

# only_from HEADER REGEX: every includer of HEADER matches REGEX.
only_from() {
	local bad
	bad=$(includers_of "$1" | grep -Ev "$2" || true)
	if [ -n "$bad" ]; then
		echo "$1 is private, but included by: $bad"
		return 1
	fi
}

@test "layout: policy/'s private headers are included only inside policy/" {
	run -0 includers_of rules.h
	assert_line policy/match.c	# the check looks at real includers
	only_from rules.h '^policy/|^tests/unit/test_(parse|match|seccomp_grid|ports|addrmatch)\.c$'
	only_from addrindex.h '^policy/|^tests/unit/test_addrmatch\.c$'
	only_from validate.h '^policy/'
	only_from diag.h '^policy/'
	# the cJSON binding: policy/ and the shim's own private implementation
	only_from json.h '^policy/|^shim/cjson\.c$|^bench/jsonparse\.c$'
}

@test "layout: the shim's and the tools' headers stay in their programs" {
	only_from shim.h '^shim/'
	for h in cmd.h landlock.h load.h notify.h run.h run_cli.h; do
		only_from "$h" '^tools/|^tests/unit/test_run_cli\.c$'
	done
}

@test "layout: the check itself fails on a private header included elsewhere" {
	run -1 only_from rules.h '^policy/$'
	assert_output --partial "rules.h is private, but included by: "
}
