#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# tests/run-tests.sh runs the whole suite in a network namespace of its own:
# no test, daemon or third-party program can send a packet off the machine.
bats_require_minimum_version 1.5.0
load helper

@test "netns: the suite sees loopback alone, and it is up" {
	[ "${SOCKAUDIT_NETNS:-}" = 1 ] || fail "not run by tests/run-tests.sh in its network namespace"
	run -0 bash -c "ip -o link show | awk -F': ' '{print \$2}'"
	assert_output "lo"
	run -0 ip -o -4 addr show dev lo
	assert_output --partial "inet 127.0.0.1/8"
	assert_output --partial "inet 198.18.0.1/32"
	# nowhere to send a packet but loopback: no route off it
	run -0 bash -c "ip route show; ip -6 route show | { grep -v '^::1 ' || true; }"
	assert_output ""
}
