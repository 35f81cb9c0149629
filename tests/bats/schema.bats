#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The event schema on real runs: every key keeps one JSON type across all
# events of both writing layers, and every event validates against the JSON
# Schema that ships (evlog/event.schema.json).

load helper
bats_require_minimum_version 1.5.0

SCHEMA="$ROOT/evlog/event.schema.json"

# A program whose calls cover the values without names: an unknown family
# (50), an unknown type (99), AF_UNIX's protocol 0, an errno without a name
# (200, from the policy), a shutdown of something that is not a socket
# (family unknown: null), and the ordinary named ones.
PROG='
import ctypes, socket
socket.socket().close()
a, b = socket.socketpair()
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
for args in ((50, socket.SOCK_STREAM), (socket.AF_INET, 99), (5, socket.SOCK_DGRAM)):
    try:
        socket.socket(*args)
    except OSError:
        pass
a.shutdown(socket.SHUT_WR)
ctypes.CDLL(None).shutdown(0, 1)
'

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	cat > policy.json <<'EOF'
{"version": 1, "mode": "enforce", "default": {"action": "allow"},
 "rules": [{"id": "no-appletalk", "family": 5, "action": "deny", "errno": 200}]}
EOF
}

# run_both: the program's log under the preload layer and under the kernel
# layers, in one file.
run_both() {
	run -0 "$SOCKAUDIT" run -p policy.json --layer preload -o "$T/log" -- "$PY" -c "$PROG"
	need_notify
	run -0 "$SOCKAUDIT" run -p policy.json --layer seccomp -o "$T/log" -- "$PY" -c "$PROG"
	run -0 jq -s '[.[] | select(.layer == "notify")] | length > 0' "$T/log"
	assert_output true
}

@test "schema: every key has one JSON type across all events of both layers" {
	run_both
	# key: the types it takes, "null" apart.
	run -0 jq -s -r '[.[] | to_entries[]] | group_by(.key)[] |
		"\(.[0].key): \([.[].value | type | select(. != "null")] | unique | join(","))"' "$T/log"
	for line in "${lines[@]}"; do
		[[ "$line" != *,* ]] || fail "a key with two types: $line"
	done
	# The names and the numbers without names, as strings.
	run -0 jq -c 'select(.event == "socket.__new__" and .args[1] == 50) | [.family, .errno]' "$T/log"
	assert_line '["50","EAFNOSUPPORT"]'
	run -0 jq -c 'select(.event == "socket.__new__" and .args[2] % 524288 == 99) | .type' "$T/log"
	assert_line '"99"'
	run -0 jq -c 'select(.call == "socketpair") | .protocol' "$T/log"
	assert_line '"0"'
	run -0 jq -c 'select(.rule == "no-appletalk") | [.family, .errno, .decision]' "$T/log"
	assert_line '["AF_APPLETALK","200","deny"]'
	run -0 jq -c 'select(.event == "socket.shutdown" and .args[0] == 0) | [.family, .how]' "$T/log"
	assert_line '[null,"SHUT_WR"]'
}

@test "schema: every event of a real run validates against evlog/event.schema.json" {
	run_both
	run -0 "$PY" -c '
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
n = 0
for i, line in enumerate(open(sys.argv[2]), 1):
    for e in v.iter_errors(json.loads(line)):
        sys.exit("line %d: %s at %s" % (i, e.message, list(e.absolute_path)))
    n += 1
print(n, "events valid")' "$SCHEMA" "$T/log"
	assert_output --regexp '^[0-9]+ events valid$'
	[ "${output%% *}" -ge 10 ]
}

@test "schema: the JSON Schema rejects what the old writer wrote" {
	# A number where the schema wants a name string: the mixed types a
	# typed sink rejects.
	run -1 "$PY" -c '
import json, sys
import jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
line = {"v":1,"seq":1,"ts":"2026-11-24T04:05:06.123456789Z","event":"socket.__new__",
        "args":[3,1,1,0],"call":"socketpair","family":"AF_UNIX","type":"SOCK_STREAM",
        "flags":[],"protocol":0,"result":0,"errno":None,"decision":"allow","rule":None,
        "mode":"enforce","pid":1,"tid":1,"ppid":0,"exe":"/bin/x","comm":"x","layer":"preload"}
errors = list(v.iter_errors(line))
print([list(e.absolute_path) for e in errors])
line["protocol"] = "0"
sys.exit(1 if errors and not list(v.iter_errors(line)) else 0)' "$SCHEMA"
	assert_output "[['protocol']]"
}
