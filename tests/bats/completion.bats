#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# bash completion (tools/sockaudit.bash-completion): sourced, then called as
# readline would call it (COMP_WORDS, COMP_CWORD), COMPREPLY asserted.
# Verbs and options come from the program's --help, names from
# `sockaudit names`: a fake program with other help proves nothing is listed
# in the completion itself.
bats_require_minimum_version 1.5.0
load helper

COMPLETION="$ROOT/tools/sockaudit.bash-completion"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	# shellcheck source=/dev/null
	. "$COMPLETION"
}

# complete WORD...: COMPREPLY, sorted, one per line, for the command line
# "$SOCKAUDIT WORD..." with the cursor at the end of the last WORD.
complete_words() {
	COMP_WORDS=("$SOCKAUDIT" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_sockaudit
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

@test "completion: verbs are those of sockaudit --help" {
	run -0 complete_words ""
	want=$("$SOCKAUDIT" --help | sed -n '/^Verbs:/,/^$/s/^  \([a-z]*\) .*/\1/p'; echo --help; echo --version)
	assert_output "$(sort <<<"$want")"
	assert_line run
	assert_line names
	run -0 complete_words re
	assert_output "report"
}

@test "completion: each verb's options are those of its --help" {
	for verb in run check eval report learn compile names; do
		run -0 complete_words "$verb" -
		want=$("$SOCKAUDIT" "$verb" --help |
			sed -nE 's/^ +(-[A-Za-z0-9]), (--[A-Za-z0-9][-A-Za-z0-9]*).*/\1\n\2/p
				s/^ +(--[A-Za-z0-9][-A-Za-z0-9]*).*/\1/p' | sort -u)
		assert_output "$want"
		assert_line --help
	done
	run -0 complete_words run --l
	assert_output "$(printf '%s\n' --layer --log --log-group --log-keep --log-max-size --log-mode)"
	run -0 complete_words check -
	assert_output "$(printf '%s\n' --help --quiet -h -q)"
}

@test "completion: an option the program's help adds is completed, none it lacks" {
	mkdir bin
	cat >bin/sockaudit <<'EOF'
#!/bin/sh
case "$*" in
--help) printf 'Usage: sockaudit VERB\n\nVerbs:\n  fly      soar\n  run      go\n\nMore.\n' ;;
"run --help") printf 'Usage: sockaudit run\n  -z, --zap=ZAP    zap it\n      --quick      quickly\n' ;;
esac
EOF
	chmod +x bin/sockaudit
	COMP_WORDS=("$T/bin/sockaudit" "") COMP_CWORD=1
	_sockaudit
	assert_equal "$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')" "--help --version fly run "
	COMP_WORDS=("$T/bin/sockaudit" run -) COMP_CWORD=2
	_sockaudit
	assert_equal "$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')" "--quick --zap -z "
	# -z takes an argument (ZAP), so the word after it is not the command
	COMP_WORDS=("$T/bin/sockaudit" run -z x --q) COMP_CWORD=4
	_sockaudit
	assert_equal "${COMPREPLY[*]}" "--quick"
}

@test "completion: option values: choices from help, names, files" {
	run -0 complete_words run --layer ""
	assert_output "$(printf '%s\n' auto preload seccomp)"
	run -0 complete_words run --mode ""
	assert_output "$(printf '%s\n' audit enforce)"
	run -0 complete_words compile --format ""
	assert_output "$(printf '%s\n' bpf bpf-hex pfc)"
	run -0 complete_words eval --mode en
	assert_output enforce
	run -0 complete_words report --format ""
	assert_output "$(printf '%s\n' csv json lines table)"
	run -0 complete_words report --family AF_INET
	assert_output "$(printf '%s\n' AF_INET AF_INET6)"
	run -0 complete_words learn --errno ECONNRE
	assert_output "$(printf '%s\n' ECONNREFUSED ECONNRESET)"
	# --opt=value, which readline splits at '='
	run -0 complete_words run --layer = se
	assert_output seccomp
	run -0 complete_words run --layer =
	assert_output "$(printf '%s\n' auto preload seccomp)"
	# a policy is a file
	echo '{}' >pol-a.json
	run -0 complete_words run -p pol-
	assert_output pol-a.json
	run -0 complete_words run --policy = pol
	assert_output pol-a.json
}

@test "completion: the choices not spelled out in help are still in it" {
	# every "VERB --OPTION") row of _sockaudit_choices: each value is a word
	# of that verb's --help (a renamed value fails here)
	rows=$(grep -oE '"[a-z]+ --[a-z-]+"\)' "$COMPLETION" | tr -d '")')
	[ -n "$rows" ]
	while read -r verb opt; do
		values=$(_sockaudit_choices "$verb" "$opt")
		[ -n "$values" ]
		help=$("$SOCKAUDIT" "$verb" --help)
		grep -q -e "$opt" <<<"$help"
		for v in $values; do
			grep -qw -e "$v" <<<"$help" || { echo "$verb $opt: '$v' is not in its help"; return 1; }
		done
	done <<<"$rows"
}

@test "completion: eval's call, family, type, protocol and how" {
	run -0 complete_words eval pol.json s
	assert_output "$(printf '%s\n' sendmsg sendto shutdown socket)"
	run -0 complete_words eval pol.json get
	assert_output getaddrinfo
	run -0 complete_words eval --exe /bin/x pol.json socket AF_UNI
	assert_output AF_UNIX
	run -0 complete_words eval pol.json socket AF_INET SOCK_S
	assert_output "$(printf '%s\n' SOCK_SEQPACKET SOCK_STREAM)"
	run -0 complete_words eval pol.json connect AF_INET SOCK_STREAM IPPROTO_TC
	assert_output IPPROTO_TCP
	# the protocols of that family only, all for a family names does not know
	run -0 complete_words eval pol.json socket AF_NETLINK SOCK_RAW NETLINK_ROU
	assert_output NETLINK_ROUTE
	run -0 complete_words eval pol.json socket AF_NETLINK SOCK_RAW IPPROTO_
	assert_output ""
	run -0 complete_words eval pol.json socket AF_INET6 SOCK_RAW NETLINK_
	assert_output ""
	run -0 complete_words eval pol.json socket 99 SOCK_RAW IPPROTO_TC
	assert_output IPPROTO_TCP
	run -0 complete_words eval pol.json shutdown SHUT_RD
	assert_output "$(printf '%s\n' SHUT_RD SHUT_RDWR)"
	run -0 complete_words eval pol.json shutdown SHUT_RD AF_INET6 SOCK_DG
	assert_output SOCK_DGRAM
	# a replay: logs after the policy are files
	echo >day.log
	run -0 complete_words eval pol.json day.log da
	assert_output day.log
}

@test "completion: names' tables, and run's command and its arguments" {
	run -0 complete_words names ""
	want=$("$SOCKAUDIT" names --help | sed -n '/^Tables:/,/^$/s/^  \([a-z]*\) .*/\1/p' | sort)
	assert_output "$want"
	assert_line protocols
	run -0 complete_words names e
	assert_output "$(printf '%s\n' errnos events)"
	# after the options, the command: from PATH
	mkdir bin
	printf '#!/bin/sh\n' >bin/zzsatool
	chmod +x bin/zzsatool
	PATH="$T/bin:$PATH" run -0 complete_words run -p pol.json zzsat
	assert_output zzsatool
	PATH="$T/bin:$PATH" run -0 complete_words run -- zzsat
	assert_output zzsatool
	# the command's own options are not sockaudit's
	run -0 complete_words run -- ls --l
	assert_output ""
}
