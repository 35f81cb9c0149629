# SPDX-License-Identifier: MIT
# netns.bash - sourced by tests/run-tests.sh and bench/run-bench.sh: no
# packet leaves the machine.
#
# in_netns SCRIPT [ARG]...: unless this already runs in one (SOCKAUDIT_NETNS
# set), execute SCRIPT again in a network namespace of its own with only
# loopback up, where a name lookup that would reach a resolver fails at once
# instead of leaving.  Loopback also holds 198.18.0.1/32 (a benchmarking
# range, RFC 2544), a global address: without one, glibc's AI_ADDRCONFIG
# takes the machine for having no IPv4 at all and `getent ahostsv4
# localhost` finds nothing.  Returns (status 1) only when no namespace can
# be made here (unshare --net needs root or user namespaces).
in_netns() {
	[ -n "${SOCKAUDIT_NETNS:-}" ] && return 0
	unshare --net true 2>/dev/null || return 1
	export SOCKAUDIT_NETNS=1
	exec unshare --net -- sh -c 'ip link set lo up && ip addr add 198.18.0.1/32 dev lo && exec "$0" "$@"' "$@"
}
