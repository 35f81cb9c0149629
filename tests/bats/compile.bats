#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sockaudit compile: the kernel filter a policy becomes (policy/filter.c),
# and the io_uring bypass it closes.
bats_require_minimum_version 1.5.0
load helper

policy() {	# policy FILE JSON
	printf '%s\n' "$2" >"$1"
}

@test "compile --help describes the options and exits 0" {
	run -0 "$SOCKAUDIT" compile --help
	assert_line --index 0 "Usage: sockaudit compile [OPTION]... POLICY"
	assert_output --partial "--format pfc|bpf|bpf-hex"
	assert_output --partial "--notify"
}

@test "compile: usage errors exit 2" {
	run -2 "$SOCKAUDIT" compile
	assert_output --partial "missing POLICY"
	run -2 "$SOCKAUDIT" compile --format elf "$EXAMPLES/no-raw.json"
	assert_output --partial "unknown format 'elf'"
	run -2 "$SOCKAUDIT" compile --marker 5a "$EXAMPLES/no-raw.json"
	assert_output --partial "--marker only matters with --notify"
	run -2 "$SOCKAUDIT" compile --notify --marker xyz "$EXAMPLES/no-raw.json"
	assert_output --partial "bad marker 'xyz'"
	run -2 "$SOCKAUDIT" compile --mode lax "$EXAMPLES/no-raw.json"
	assert_output --partial "unknown mode 'lax'"
	run -2 "$SOCKAUDIT" compile --bogus "$EXAMPLES/no-raw.json"
	assert_output --partial "unknown option '--bogus'"
}

@test "compile: an invalid policy prints diagnostics and exits 2" {
	policy bad.json '{"version": 1, "rules": [{"family": "AF_INTE", "action": "deny"}]}'
	run -2 "$SOCKAUDIT" compile bad.json
	assert_output --partial "bad.json:1:"
	assert_output --partial "error: unknown family 'AF_INTE'"
	run -2 "$SOCKAUDIT" compile missing.json
	assert_output --partial "missing.json: No such file or directory"
}

@test "compile: PFC states every architecture, socket rules and the io_uring EPERM" {
	run -0 "$SOCKAUDIT" compile "$EXAMPLES/no-raw.json"
	assert_line "# filter for arch x86_64 (3221225534)"
	assert_line "# filter for arch x86 (1073741827)"
	assert_line --partial '# filter for syscall "socket" (41)'
	assert_line --partial '# filter for syscall "socketcall" (102)'
	assert_output --partial $'# invalid architecture action\naction KILL_PROCESS;'
	assert_output --partial $'if ($syscall == 425)\n    action ERRNO(1);'
}

@test "compile --mode audit: the kernel denies nothing, other arches pass" {
	run -0 "$SOCKAUDIT" compile --mode audit "$EXAMPLES/no-raw.json"
	refute_output --partial "ERRNO"
	refute_output --partial "KILL"
	assert_output --partial $'# invalid architecture action\naction ALLOW;'
}

@test "compile --notify --marker: logged calls go to the supervisor, marked ones skip it" {
	run -0 "$SOCKAUDIT" compile --notify --marker 5a0c4a0d17 "$EXAMPLES/no-raw.json"
	assert_output --partial "action 0x7fc00000;"
	assert_output --partial 'if ($a5.hi32 == 90)'
	assert_output --partial 'if ($a5.lo32 == 206179607)'
}

@test "compile --format bpf writes whole instructions, the same as bpf-hex" {
	"$SOCKAUDIT" compile --format bpf "$EXAMPLES/no-network.json" >f.bpf
	run -0 "$SOCKAUDIT" compile --format bpf-hex "$EXAMPLES/no-network.json"
	size=$(stat -c %s f.bpf)
	[ "$size" -gt 0 ]
	[ $((size % 8)) -eq 0 ]
	[ "${#lines[@]}" -eq $((size / 8)) ]
	# the first instruction loads the architecture (offset 4 of seccomp_data)
	assert_line --index 0 "0x0020   0   0 0x00000004"
}

@test "compile --format bpf refuses a terminal" {
	run -2 "$PY" -c 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))' \
		"$SOCKAUDIT" compile --format bpf "$EXAMPLES/no-network.json"
	assert_output --partial "refusing to write binary BPF to a terminal"
}

@test "compile: a policy too large for the kernel is refused with exit 1" {
	"$PY" - >big.json <<'PYEOF'
import json
fams = ["AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET", "AF_KEY",
        "AF_ALG", "AF_VSOCK", "AF_CAN", "AF_TIPC", "AF_RDS", "AF_XDP",
        "AF_BLUETOOTH", "AF_X25", "AF_AX25", "AF_IPX"]
types = ["SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_SEQPACKET", "SOCK_RDM"]
rules = [{"id": "r%d" % i, "family": f, "type": types[i % 5],
          "protocol": [i + 1000, i + 2000], "action": "allow"}
         for i, f in enumerate(fams)]
print(json.dumps({"version": 1, "mode": "enforce",
                  "default": {"action": "deny"}, "rules": rules}))
PYEOF
	run -1 "$SOCKAUDIT" compile big.json
	assert_output --partial "the filter needs more than 4096 BPF instructions"
}

# IORING_OP_SOCKET creates a socket with no socket syscall at all.
uring_bypass_or_skip() {
	run "$FIX/k1_uring"
	case "$status" in
	0) ;;
	3) require_feature io_uring "io_uring_setup fails here: $output" ;;
	4) require_feature IORING_OP_SOCKET "the kernel refuses it: $output" ;;
	*) echo "k1_uring failed: $status $output"; return 1 ;;
	esac
	assert_output --regexp '^socket [0-9]+ family 2$'
}

@test "io_uring: the bypass exists without the filter, a socket rule cannot see it" {
	uring_bypass_or_skip
	policy open.json '{"version": 1, "mode": "enforce", "io_uring": "allow",
		"default": {"action": "allow"},
		"rules": [{"family": "AF_INET", "action": "deny", "errno": "EACCES"}]}'
	run -0 "$FIX/k1_uring" open.json
	assert_output --regexp '^socket [0-9]+ family 2$'
}

@test "io_uring: the enforcing filter closes it (io_uring_setup fails with EPERM)" {
	uring_bypass_or_skip
	run -3 "$FIX/k1_uring" "$EXAMPLES/no-network.json"
	assert_output "io_uring_setup: Operation not permitted"
}

@test "io_uring: in audit mode the filter leaves it open" {
	uring_bypass_or_skip
	run -0 "$FIX/k1_uring" "$EXAMPLES/audit-all.json"
	assert_output --regexp '^socket [0-9]+ family 2$'
}
