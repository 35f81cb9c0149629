#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sockaudit names: the tables users grep, checked against Python's own
# socket and errno modules as independent oracles.

load helper
bats_require_minimum_version 1.5.0

@test "names families: AF_INET 2 and AF_MCTP 45, aliases named" {
	run -0 "$SOCKAUDIT" names families
	assert_line --regexp '^AF_INET +2$'
	assert_line --regexp '^AF_INET6 +10$'
	assert_line --regexp '^AF_MCTP +45$'
	assert_line --regexp '^AF_UNSPEC +0$'
	assert_line --regexp '^AF_LOCAL +1  alias of AF_UNIX$'
	assert_line --regexp '^AF_ROUTE +16  alias of AF_NETLINK$'
	# 46 families (0 .. 45) and three aliases, no heading for one table
	[ "${#lines[@]}" -eq 49 ]
	refute_line --partial '#'
}

@test "names families agree with Python's socket module" {
	run -0 "$SOCKAUDIT" names families
	echo "$output" >families.txt
	run -0 "$PY" -c '
import socket, sys
ours = {}
for line in open("families.txt"):
    name, value = line.split()[:2]
    ours[name] = int(value)
bad = [n for n in dir(socket) if n.startswith("AF_")
       and ours.get(n) != int(getattr(socket, n))]
print("mismatch:", bad)
sys.exit(1 if bad else 0)'
	assert_output "mismatch: []"
}

@test "names errnos agree with Python's errno module, both ways" {
	run -0 "$SOCKAUDIT" names errnos
	assert_line --regexp '^EACCES +13  Permission denied$'
	assert_line --regexp '^EWOULDBLOCK +11  alias of EAGAIN$'
	assert_line --regexp '^ENOTSUP +95  alias of EOPNOTSUPP$'
	assert_line --regexp '^EHWPOISON +133 '
	echo "$output" >errnos.txt
	run -0 "$PY" -c '
import errno, sys
ours = {}
for line in open("errnos.txt"):
    name, value = line.split()[:2]
    ours[name] = int(value)
theirs = {n: getattr(errno, n) for n in dir(errno) if n.startswith("E")}
missing = sorted(n for n in theirs if ours.get(n) != theirs[n])
extra = sorted(n for n in ours if n not in theirs)
print("missing:", missing, "extra:", extra)'
	# Python lacks only EHWPOISON, which glibc defines
	assert_output "missing: [] extra: ['EHWPOISON']"
}

@test "every table is sorted by value" {
	for t in families types flags errnos hows events; do
		run -0 "$SOCKAUDIT" names "$t"
		[ "${#lines[@]}" -gt 1 ]
		run -0 awk 'NR > 1 && $2 + 0 < prev { print "unsorted: " $0; bad = 1 }
			{ prev = $2 + 0 } END { exit bad }' <<<"$output"
	done
}

@test "names protocols: families, and ETH_P_* as passed with the host number" {
	run -0 "$SOCKAUDIT" names protocols
	assert_line --regexp '^IPPROTO_TCP +6  AF_INET,AF_INET6$'
	assert_line --regexp '^IPPROTO_UDP +17  AF_INET,AF_INET6$'
	assert_line --regexp '^IPPROTO_HOPOPTS +0  AF_INET,AF_INET6  alias of IPPROTO_IP$'
	assert_line --regexp '^NETLINK_ROUTE +0  AF_NETLINK$'
	assert_line --regexp '^NETLINK_INET_DIAG +4  AF_NETLINK  alias of NETLINK_SOCK_DIAG$'
	assert_line --regexp '^CAN_J1939 +7  AF_CAN$'
	assert_line --regexp '^BTPROTO_L2CAP +0  AF_BLUETOOTH$'
	assert_line --regexp '^ETH_P_ALL +768  AF_PACKET  htons\(0x0003\)$'
	assert_line --regexp '^ETH_P_IP +8  AF_PACKET  htons\(0x0800\)$'
	assert_line --regexp '^ETH_P_IPV6 +56710  AF_PACKET  htons\(0x86dd\)$'
}

@test "protocol numbers agree with Python's socket module" {
	run -0 "$SOCKAUDIT" names protocols
	echo "$output" >protocols.txt
	run -0 "$PY" -c '
import socket, sys
ours = {}
for line in open("protocols.txt"):
    name, value = line.split()[:2]
    ours[name] = int(value)
# Python also has CAN_* option and flag constants: only protocols count
names = [n for n in dir(socket) if n.startswith(("IPPROTO_", "NETLINK_", "BTPROTO_"))]
names += ["CAN_RAW", "CAN_BCM", "CAN_ISOTP", "CAN_J1939"]
bad = [n for n in names if ours.get(n) != int(getattr(socket, n))]
print(len(names), "compared, mismatch:", bad)'
	assert_output --regexp '^[0-9]+ compared, mismatch: \[\]$'
}

@test "ETH_P_ALL is the number Python passes for socket.htons(ETH_P_ALL)" {
	# ETH_P_ALL is 3 (linux/if_ether.h); this Python's socket lacks the name
	run -0 "$PY" -c 'import socket; print(socket.htons(3))'
	want="$output"
	run -0 "$SOCKAUDIT" names protocol
	assert_line --regexp "^ETH_P_ALL +$want "
}

@test "names types, flags, hows, events" {
	run -0 "$SOCKAUDIT" names types
	assert_line --regexp '^SOCK_STREAM +1$'
	assert_line --regexp '^SOCK_PACKET +10$'
	run -0 "$SOCKAUDIT" names flags
	assert_output --regexp '^SOCK_NONBLOCK +2048
SOCK_CLOEXEC +524288$'
	run -0 "$SOCKAUDIT" names hows
	assert_output --regexp '^SHUT_RD +0
SHUT_WR +1
SHUT_RDWR +2$'
	run -0 "$SOCKAUDIT" names events
	assert_output --regexp '^socket.__new__ +0
socket.shutdown +1
socket.connect +2
socket.bind +3
socket.sendto +4
socket.sendmsg +5
socket.getaddrinfo +6$'
}

@test "names without argument: every table under a heading, in order" {
	run -0 "$SOCKAUDIT" names
	run -0 grep '^#' <<<"$output"
	assert_output "# families: address families (AF_*)
# types: socket types (SOCK_*)
# flags: type flags, never matched
# protocols: protocols, by family
# errnos: errno values
# hows: shutdown() how (SHUT_*)
# events: audit events (socket.*)"
}

@test "names with two tables: both, with headings; singular names accepted" {
	run -0 "$SOCKAUDIT" names hows family
	assert_line --index 0 '# hows: shutdown() how (SHUT_*)'
	assert_line --regexp '^SHUT_RDWR +2$'
	assert_line '# families: address families (AF_*)'
	assert_line --regexp '^AF_INET +2$'
}

@test "unknown table: exit 2 with a suggestion" {
	run -2 --separate-stderr "$SOCKAUDIT" names familes
	assert_output ""
	[ "${stderr_lines[0]}" = "sockaudit names: unknown table 'familes'; did you mean 'families'?" ]
	[ "${stderr_lines[1]}" = "Try 'sockaudit names --help'." ]

	run -2 --separate-stderr "$SOCKAUDIT" names PROTOCOLS
	[ "${stderr_lines[0]}" = "sockaudit names: unknown table 'PROTOCOLS'; did you mean 'protocols'?" ]

	run -2 --separate-stderr "$SOCKAUDIT" names xyzzy
	assert_output ""
	[ "${stderr_lines[0]}" = "sockaudit names: unknown table 'xyzzy' (tables: families, types, flags, protocols, errnos, hows, events)" ]
}

@test "unknown option: exit 2" {
	run -2 --separate-stderr "$SOCKAUDIT" names --json
	assert_output ""
	[ "${stderr_lines[0]}" = "sockaudit names: unknown option '--json'" ]
}

@test "names --help: exit 0, usage on stdout" {
	run -0 --separate-stderr "$SOCKAUDIT" names --help
	assert_line --index 0 'Usage: sockaudit names [TABLE]...'
	assert_line '  protocols  protocols, by family'
	[ -z "$stderr" ]
	run -0 "$SOCKAUDIT" names -h
	assert_line --index 0 'Usage: sockaudit names [TABLE]...'
}

@test "a full stdout is an error, not a silent truncation" {
	run -1 --separate-stderr bash -c '"$0" names >/dev/full' "$SOCKAUDIT"
	[ "${stderr_lines[0]}" = "sockaudit names: cannot write the list: No space left on device" ]
}
