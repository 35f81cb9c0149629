#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The schemas that ship, checked by a real validator (python3-jsonschema):
# evlog/event.schema.json on real runs of both writing layers (and, through
# tests/run-tests.sh, on every log line of the suite), its enums against the
# C tables; policy/policy.schema.json on every example policy and against
# what sockaudit check accepts and rejects.

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
	run -0 "$PY" "$ROOT/tests/lib/validate_events.py" "$SCHEMA" "$T/log"
	assert_output --regexp '^[0-9]+ lines valid$'
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
print(sorted({tuple(e.absolute_path) for e in errors}))
line["protocol"] = "0"
sys.exit(1 if errors and not list(v.iter_errors(line)) else 0)' "$SCHEMA"
	assert_output "[('protocol',)]"
}

# --- the enums are the C tables' -------------------------------------------

TABLES="$ROOT/tests/lib/schema_tables.py"

@test "schema: the enums of both schemas are the C tables', and the keys those the C code writes and reads" {
	run -0 "$PY" "$TABLES" "$SOCKAUDIT" check
	assert_output ""
}

# A copy of what schema_tables.py reads, to spoil.
copy_tree() {
	mkdir -p root/evlog root/policy root/calls
	cp "$ROOT"/evlog/{event.schema.json,schema.h,event.c,seal.h} root/evlog/
	cp "$ROOT"/policy/{policy.schema.json,names.c,parse.c} root/policy/
	cp "$ROOT"/calls/calls.def root/calls/
	export SCHEMA_TABLES_ROOT="$T/root"
}

@test "schema: a family the names table has and the schema lacks is a difference (and write mends it)" {
	copy_tree
	"$PY" - root/evlog/event.schema.json root/policy/policy.schema.json <<'PYEOF'
import json, sys
for path, key in zip(sys.argv[1:], ("family_word", "family_name")):
    s = json.load(open(path))
    enum = s["$defs"][key]["anyOf"][0]["enum"] if key == "family_word" else s["$defs"][key]["enum"]
    enum.remove("AF_MCTP")
    open(path, "w").write(json.dumps(s, indent=2, ensure_ascii=False) + "\n")
PYEOF
	run -1 "$PY" "$TABLES" "$SOCKAUDIT" check
	assert_output "evlog/event.schema.json: \$defs/family_word is not what the C tables make (tests/lib/schema_tables.py SOCKAUDIT write)
policy/policy.schema.json: \$defs/family_name is not what the C tables make (tests/lib/schema_tables.py SOCKAUDIT write)"
	run -0 "$PY" "$TABLES" "$SOCKAUDIT" write
	run -0 "$PY" "$TABLES" "$SOCKAUDIT" check
	cmp root/evlog/event.schema.json "$ROOT/evlog/event.schema.json"
	cmp root/policy/policy.schema.json "$ROOT/policy/policy.schema.json"
}

@test "schema: a key event.c writes or parse.c reads that the schema lacks is a difference" {
	copy_tree
	sed -i 's/",\\"ppid\\":"/",\\"parent\\":"/' root/evlog/event.c
	sed -i 's/\[RK_EXE\] = "exe"/[RK_EXE] = "exes"/' root/policy/parse.c
	run -1 "$PY" "$TABLES" "$SOCKAUDIT" check
	assert_output "evlog/event.schema.json: 'parent' is in evlog/event.c but not in the schema
evlog/event.schema.json: 'ppid' is in the schema but not in evlog/event.c
policy/policy.schema.json rule: 'exes' is in policy/parse.c but not in the schema
policy/policy.schema.json rule: 'exe' is in the schema but not in policy/parse.c"
}

# --- the suite's check of every log line -------------------------------------

# A run directory as bats leaves it: test/N and its name.  (Inside this
# test's junk-run: the suite's own check leaves the lines spoilt here alone.)
fake_run() {
	mkdir junk-run
	cd junk-run || return 1
	mkdir -p run/test/1
	echo "my test" > run/test/1.name
	cp "$T/log" run/test/1/log
}

@test "schema: the suite's check finds an invalid line sockaudit wrote, names its file and test, and leaves junk files and old lines alone" {
	since=$(date +%s%N)
	run -0 "$SOCKAUDIT" run -p policy.json --layer preload -o "$T/log" -- "$PY" -c "$PROG"
	fake_run
	# made up by a test: a junk file, and a line of the past
	printf '{"v":1,"seq":1,"ts":"%s.000000001Z","event":"nonsense"}\n' "$(date -u +%FT%T)" > run/test/1/junk.jsonl
	printf '{"v":1,"seq":1,"ts":"2026-11-24T04:05:06.000000001Z","event":"nonsense"}\n' > run/test/1/old.jsonl
	mkfifo run/test/1/fifo
	run -0 "$PY" "$ROOT/tests/lib/validate_events.py" --suite "$SCHEMA" "$since" "$(date +%s%N)" 1 run
	assert_output --regexp '^ok - schema: every log line sockaudit wrote in this run validates against evlog/event.schema.json \([0-9]+ lines, [0-9]+ distinct, in 1 files\)$'
	# a line sockaudit wrote, spoilt: the key a typed sink would reject
	sed -i '1s/"protocol":"IPPROTO_TCP"/"protocol":6/' run/test/1/log
	# a value of a line whose shape an earlier line had (a socketpair's
	# second end): checked too
	sed -i '3s/"seq":[0-9]*/"seq":0/' run/test/1/log
	# and one cut short
	head -c 100 "$T/log" >> run/test/1/log
	run -1 "$PY" "$ROOT/tests/lib/validate_events.py" --suite "$SCHEMA" "$since" "$(date +%s%N)" 1 run
	assert_line --index 0 --regexp '^not ok - .* \(3 invalid of [0-9]+ lines, [0-9]+ distinct, in 1 files\)$'
	assert_line --index 1 --regexp "^# test/1/log:1 \(my test\): \['protocol'\]: "
	assert_line --regexp "^# test/1/log:3 \(my test\): \['seq'\]: 0 is less than the minimum of 1"
	assert_line --regexp "^# test/1/log:[0-9]+ \(my test\): not JSON "
	# no line at all where some were due
	run -1 "$PY" "$ROOT/tests/lib/validate_events.py" --suite "$SCHEMA" 0 1 1 run
	assert_output --regexp '^not ok - .*: fewer than 1, the logs were not found\)$'
}

# --- the policy schema ----------------------------------------------------------

POLICY_SCHEMA="$ROOT/policy/policy.schema.json"

# policy_verdicts FILE...: "FILE accepted" or "FILE rejected: why", by the
# policy schema.
policy_verdicts() {
	"$PY" - "$POLICY_SCHEMA" "$@" <<'PYEOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    e = jsonschema.exceptions.best_match(v.iter_errors(json.load(open(path))))
    print("%s %s" % (path, "accepted" if e is None else "rejected: %s at %s" % (e.message[:160], list(e.absolute_path))))
PYEOF
}

@test "schema: every example policy validates against policy/policy.schema.json, as sockaudit check accepts it" {
	n=0
	for f in "$EXAMPLES"/*.json; do
		run -0 "$SOCKAUDIT" check "$f"
		run -0 policy_verdicts "$f"
		assert_output "$f accepted"
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
}

@test "schema: every policy of the fuzz corpus sockaudit check accepts, the policy schema accepts" {
	n=0
	for f in "$ROOT"/tests/fuzz/corpus/policy/*; do
		"$SOCKAUDIT" check "$f" >/dev/null 2>&1 || continue
		run -0 policy_verdicts "$f"
		assert_output "$f accepted"
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
}
# Each form a field takes, in policies sockaudit check accepts.
@test "schema: the policy schema accepts every form of every key (names, aliases, numbers, numeric strings, lists, ranges)" {
	count=0
	# (not i: bats's run sets it)
	while IFS= read -r policy; do
		count=$((count + 1))
		printf '%s\n' "$policy" > "ok$count.json"
		run -0 "$SOCKAUDIT" check "ok$count.json" </dev/null
	done <<'EOF'
{"version": 1}
{"version": 1.0, "mode": "audit", "io_uring": "allow", "comment": "c", "default": {"action": "deny", "errno": "EPERM", "log": false, "comment": "d", "event": ["socket.__new__", "socket.connect"]}, "rules": []}
{"version": 1, "default": {"action": "kill"}, "rules": [{"id": "a", "comment": "x", "family": ["AF_LOCAL", "AF_INET", 10, "16", "0002"], "type": ["SOCK_STREAM", 2, "3", 15], "action": "allow", "log": true}]}
{"version": 1, "rules": [{"family": "AF_INET", "protocol": ["IPPROTO_TCP", 17, "132"], "action": "deny", "errno": 13}]}
{"version": 1, "rules": [{"family": ["AF_PACKET", "AF_NETLINK"], "protocol": ["ETH_P_ALL", "NETLINK_ROUTE"], "action": "deny", "errno": "4095"}]}
{"version": 1, "rules": [{"family": 16, "protocol": "NETLINK_INET_DIAG", "action": "deny", "errno": "EWOULDBLOCK"}]}
{"version": 1, "rules": [{"event": "socket.shutdown", "how": ["SHUT_RD", 1, "2"], "action": "allow"}]}
{"version": 1, "rules": [{"event": ["socket.connect", "socket.sendto"], "address": ["127.0.0.0/8", "::1", "::ffff:10.0.0.0/104", "/run/*.sock", "@*", ""], "port": [80, "443", "8000-8099"], "action": "allow"}]}
{"version": 1, "rules": [{"event": "socket.getaddrinfo", "host": ["localhost", "*.Example.COM"], "port": 53, "action": "deny"}]}
{"version": 1, "rules": [{"exe": ["/usr/bin/*", "*/curl", "[/]bin/x", "?x"], "action": "kill"}]}
EOF
	run -0 policy_verdicts ok*.json
	refute_output --partial rejected
	[ "${#lines[@]}" -eq "$count" ]
	[ "$count" -eq 10 ] || fail "only $count policies"
}

# Policies sockaudit check rejects for their shape (a wrong type, an unknown
# key or name, a value out of range, a field where it is not allowed): the
# schema rejects each too.  What only sockaudit check sees (duplicate keys
# and rule ids, bits past a CIDR prefix, an empty port range, glob syntax,
# unreachable rules) the schema's description names.
@test "schema: the policy schema rejects what sockaudit check rejects for its shape" {
	count=0
	# (not i: bats's run sets it)
	while IFS= read -r policy; do
		count=$((count + 1))
		printf '%s\n' "$policy" > "bad$count.json"
		run -1 "$SOCKAUDIT" check "bad$count.json" </dev/null
	done <<'EOF'
[1, 2]
{"rules": []}
{"version": 2}
{"version": "1"}
{"version": 1, "rulez": []}
{"version": 1, "mode": "audti"}
{"version": 1, "mode": 1}
{"version": 1, "io_uring": "yes"}
{"version": 1, "comment": 5}
{"version": 1, "rules": {}}
{"version": 1, "default": "deny"}
{"version": 1, "default": {"log": false}}
{"version": 1, "default": {"action": "deny", "erno": 1}}
{"version": 1, "default": {"action": "deny", "event": "socket.conect"}}
{"version": 1, "rules": ["deny"]}
{"version": 1, "rules": [{"id": "a"}]}
{"version": 1, "rules": [{"action": "denny"}]}
{"version": 1, "rules": [{"familly": "AF_INET", "action": "deny"}]}
{"version": 1, "rules": [{"family": "AF_INTE", "action": "deny"}]}
{"version": 1, "rules": [{"family": ["AF_INET", "AF_UNX"], "action": "deny"}]}
{"version": 1, "rules": [{"type": "SOCK_STREEM", "action": "deny"}]}
{"version": 1, "rules": [{"type": "SOCK_NONBLOCK", "action": "deny"}]}
{"version": 1, "rules": [{"type": 524289, "action": "deny"}]}
{"version": 1, "rules": [{"type": 16, "action": "deny"}]}
{"version": 1, "rules": [{"protocol": "IPPROTO_TPC", "action": "deny"}]}
{"version": 1, "rules": [{"family": "AF_NETLINK", "protocol": "IPPROTO_TCP", "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.shutdown", "how": "SHUT_WRR", "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.shutdown", "how": 3, "action": "deny"}]}
{"version": 1, "rules": [{"how": "SHUT_RD", "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.__new_", "action": "deny"}]}
{"version": 1, "rules": [{"event": 0, "action": "deny"}]}
{"version": 1, "rules": [{"family": true, "action": "deny"}]}
{"version": 1, "rules": [{"family": [["AF_INET"]], "action": "deny"}]}
{"version": 1, "rules": [{"family": [], "action": "deny"}]}
{"version": 1, "rules": [{"family": 2.5, "action": "deny"}]}
{"version": 1, "rules": [{"family": -1, "action": "deny"}]}
{"version": 1, "rules": [{"protocol": 1e12, "action": "deny"}]}
{"version": 1, "rules": [{"family": "99999999999", "action": "deny"}]}
{"version": 1, "rules": [{"action": "deny", "errno": "EACESS"}]}
{"version": 1, "rules": [{"action": "deny", "errno": 5000}]}
{"version": 1, "rules": [{"action": "deny", "errno": [1]}]}
{"version": 1, "rules": [{"action": "allow", "errno": "EPERM"}]}
{"version": 1, "rules": [{"action": "allow", "log": "no"}]}
{"version": 1, "rules": [{"id": 7, "action": "allow"}]}
{"version": 1, "rules": [{"id": "", "action": "allow"}]}
{"version": 1, "rules": [{"exe": "curl", "action": "deny"}]}
{"version": 1, "rules": [{"exe": ["/bin/*", ""], "action": "deny"}]}
{"version": 1, "rules": [{"exe": 5, "action": "deny"}]}
{"version": 1, "rules": [{"exe": [], "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.connect", "address": "127.0.0.1:80", "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.connect", "address": 127, "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.connect", "address": [], "action": "deny"}]}
{"version": 1, "rules": [{"address": "::1", "action": "deny"}]}
{"version": 1, "rules": [{"event": ["socket.connect", "socket.getaddrinfo"], "address": "::1", "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.connect", "port": 65536, "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.connect", "port": "1024-70000", "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.connect", "port": "http", "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.connect", "port": 80.5, "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.shutdown", "port": 80, "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.connect", "host": "localhost", "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.getaddrinfo", "host": "", "action": "deny"}]}
{"version": 1, "rules": [{"event": "socket.connect", "adress": "::1", "action": "deny"}]}
EOF
	run -0 policy_verdicts bad*.json
	refute_output --partial accepted
	[ "${#lines[@]}" -eq "$count" ]
	[ "$count" -ge 60 ] || fail "only $count policies"
}

# --- the man page ------------------------------------------------------------

@test "schema: sockaudit-events(5) documents every key of every line kind and every word of the short enums" {
	run -0 "$PY" - "$SCHEMA" "$ROOT/man/sockaudit-events.5" <<'PYEOF'
import json, re, sys
schema = json.load(open(sys.argv[1]))
page = open(sys.argv[2]).read()
d = schema["$defs"]

def section(name):
    return re.search(r"^\.SH %s\n(.*?)(?=^\.SH )" % re.escape(name), page, re.M | re.S).group(1)

def entries(text):
    """The keys each .TP entry of TEXT names: .B key, .BR key " (type)",
    .BR a ", " b " (types)"."""
    keys = set()
    lines = text.split("\n")
    for i, line in enumerate(lines[:-1]):
        if line == ".TP":
            keys |= set(re.findall(r'(?:^\.BR? |", " )([a-z_]+)', lines[i + 1]))
    return keys

def bold(text):
    return set(re.findall(r'^\.BR? ([^ \n]+)', text, re.M))

missing = []
for key in d["event"]["properties"]:
    if key not in entries(section("EVENTS")):
        missing.append("EVENTS: " + key)
for kind, name in (("seal", "THE SEAL RECORD"), ("loss", "THE LOSS RECORD")):
    text = section(name)
    for key in d[kind]["properties"]:
        if key not in bold(text) and '"%s":' % key not in text:
            missing.append("%s: %s" % (name, key))
words = set(w.rstrip(",.;:)") for w in re.findall(r"^\.BR? (\S+)", page, re.M))
for key in ("decision_word", "layer_word", "mode_word", "malformed_word", "unknown_word",
            "event_word", "flag_word"):
    for w in d[key]["enum"]:
        if w not in words:
            missing.append("%s: %s" % (key, w))
for key in ("type_word", "how_word"):
    for w in d[key]["anyOf"][0]["enum"]:
        if w not in words:
            missing.append("%s: %s" % (key, w))
for rule in d["call_of_event"]["allOf"]:
    for w in rule["then"]["properties"]["call"]["enum"]:
        if w not in words:
            missing.append("call: " + w)
print("\n".join(missing))
PYEOF
	assert_output ""
	run -0 bash -c "MANWIDTH=80 man --warnings -l '$ROOT/man/sockaudit-events.5' 2>&1 >/dev/null"
	assert_output ""
}

@test "schema: the policies sockaudit learn writes validate against policy/policy.schema.json" {
	# new sockets, address events and a lookup of a loopback client
	run -0 "$SOCKAUDIT" run --layer preload -o "$T/log" -- "$PY" -c '
import socket
socket.getaddrinfo("localhost", 80, socket.AF_INET)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.sendto(b"x", s.getsockname())
socket.socket(socket.AF_UNIX).bind("\0sockaudit-schema-%d" % s.getsockname()[1])
a, b = socket.socketpair()
a.shutdown(socket.SHUT_WR)
'
	run -0 "$SOCKAUDIT" learn -o learned.json "$T/log"
	run -0 "$SOCKAUDIT" check learned.json
	run -0 jq '[.rules[].event // "socket.__new__"] | unique | length' learned.json
	[ "$output" -ge 4 ]
	run -0 policy_verdicts learned.json
	assert_output "learned.json accepted"
	run -0 "$SOCKAUDIT" learn --base "$EXAMPLES/no-raw.json" -o based.json "$T/log"
	run -0 policy_verdicts based.json
	assert_output "based.json accepted"
}
