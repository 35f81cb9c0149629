#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The layers cannot disagree: one program ($FIX/x_every) makes every
# intercepted call with ordinary and odd arguments, under `--layer preload`
# and under `--layer seccomp`, with the same policy: each example policy,
# the accept4 case that once diverged, and seeded random policies, in audit
# and in enforce mode.  The program's output (what each call returned), its
# exit status and the log, event for event, must be the same.  Compared are
# all of an event's keys but layer, seq, ts, tid, pid and ppid (two runs are
# two processes), what the notify layer documents as unknown
# (man/sockaudit-run.1, THE NOTIFY SUPERVISOR): self, result and errno of a
# call it let continue, and one event per end of a continued socketpair;
# and in addresses what differs from run to run: a listener's port (the
# kernel's choice) and the pid in x_every's abstract names.

bats_require_minimum_version 1.5.0
load helper

EVERY="$FIX/x_every"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	need_notify
	[ -e "$SHIM" ] || fail "no $SHIM: the preload shim is not built"
	# A kill decision dumps core under both layers: not into $T.
	ulimit -c 0
	write_compare
}

# compare.py PRELOAD_LOG SECCOMP_LOG: the two logs, event for event.
write_compare() {
	cat >"$T/compare.py" <<-'EOF'
	import json, re, sys

	DROP = ("v", "seq", "ts", "tid", "pid", "ppid", "layer", "seal")

	def load(path):
	    return [e for e in map(json.loads, open(path)) if "layer" in e]  # no records

	def expand(events):
	    # A continued socketpair is two events under notify, which cannot
	    # see that it failed; the shim writes one for a failure.
	    out = []
	    for e in events:
	        out.append(e)
	        if (e["call"] == "socketpair" and e["result"] == -1
	                and e["decision"] in ("allow", "would_deny")):
	            out.append(e)
	    return out

	def unknown_ok(p, s):
	    """Is S's null result one notify documents as unknown?"""
	    if s["result"] is not None or s["errno"] is not None:
	        return False
	    if s["decision"] == "kill" or s["call"] in ("socket", "socketpair"):
	        return True
	    # A continued accept is a blocking one; x_every makes those only
	    # with a connection queued, so under the shim it succeeded.
	    if s["call"] in ("accept", "accept4"):
	        return (p["result"] or -1) >= 0
	    # An address call the supervisor let continue (a blocking connect,
	    # a unix address, a send) never shows it the outcome.
	    return s["call"] in ("connect", "bind", "sendto", "sendmsg", "sendmmsg")

	def run_free(v):
	    """An address without what differs from run to run: the port the
	    kernel gave a listener, the pid in x_every's abstract names."""
	    if isinstance(v, str):
	        return re.sub(r"x_every-[0-9]+", "x_every-PID", v)
	    if isinstance(v, list) and len(v) in (2, 4) and isinstance(v[0], str):
	        return [v[0], "PORT" if v[1] >= 1024 else v[1]] + v[2:]
	    return v

	def project(e, unknown):
	    d = {k: v for k, v in e.items() if k not in DROP}
	    if unknown:
	        d["args"] = [None] + d["args"][1:]
	        d["result"] = d["errno"] = None
	    if e["event"] in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
	        d["args"] = [d["args"][0], run_free(d["args"][1])]
	        d["address"] = run_free(d["address"])
	        if d["port"] is not None and d["port"] >= 1024:
	            d["port"] = "PORT"
	    if d.get("peer") is not None:
	        d["peer"] = run_free(d["peer"])
	    return d

	pre, sec = expand(load(sys.argv[1])), load(sys.argv[2])
	bad = 0
	for i in range(max(len(pre), len(sec))):
	    if i >= len(pre) or i >= len(sec):
	        only = ("preload", pre[i]) if i < len(pre) else ("seccomp", sec[i])
	        print("event %d only under %s: %s" % (i + 1, only[0], json.dumps(only[1])))
	        bad += 1
	        continue
	    u = unknown_ok(pre[i], sec[i])
	    if project(pre[i], u) != project(sec[i], u):
	        bad += 1
	        if bad > 5:
	            continue
	        print("event %d differs:\n  preload %s\n  seccomp %s" % (
	            i + 1, json.dumps(project(pre[i], u)), json.dumps(project(sec[i], u))))
	print("%d events, %d differ" % (max(len(pre), len(sec)), bad))
	sys.exit(1 if bad else 0)
	EOF
}

# both POLICY [MODE]: run x_every under both layers; fail on any difference.
both() {
	local policy=$1 mode=${2:-} status_p status_s
	local args=(-p "$policy")
	[ -n "$mode" ] && args+=(--mode "$mode")
	rm -f "$T/p.log" "$T/s.log"
	status_p=0 status_s=0
	"$SOCKAUDIT" run "${args[@]}" -o "$T/p.log" --layer preload -- "$EVERY" >"$T/p.out" 2>"$T/p.err" ||
		status_p=$?
	"$SOCKAUDIT" run "${args[@]}" -o "$T/s.log" --layer seccomp -- "$EVERY" >"$T/s.out" 2>"$T/s.err" ||
		status_s=$?
	touch "$T/p.log" "$T/s.log"
	if [ "$status_p" -ne "$status_s" ]; then
		echo "$policy ${mode:-}: exit status $status_p under preload, $status_s under seccomp"
		cat "$T/p.err" "$T/s.err"
		return 1
	fi
	# 0, or 159 when a kill decision ended it (SIGSYS); never anything else.
	if [ "$status_p" -ne 0 ] && [ "$status_p" -ne 159 ]; then
		echo "$policy ${mode:-}: x_every exited $status_p"
		cat "$T/p.err"
		return 1
	fi
	if ! diff -u "$T/p.out" "$T/s.out"; then
		echo "$policy ${mode:-}: the program saw different results"
		return 1
	fi
	echo "# $(basename "$policy") ${mode:-}: status $status_p, $(wc -l <"$T/p.out") lines, $(jq -r .decision "$T/s.log" | sort | uniq -c | tr -s " \n" " ")" >&3
	if ! "$PY" "$T/compare.py" "$T/p.log" "$T/s.log" >"$T/cmp.out"; then
		echo "$policy ${mode:-}:"
		cat "$T/cmp.out"
		return 1
	fi
}

@test "x_every runs to its end natively and makes every call" {
	run -0 "$EVERY"
	assert_line "done"
	assert_line --regexp '^[0-9]+ accept4 listener 0x40000000 -> errno 22$'
	assert_line --regexp '^[0-9]+ socketpair 2 0x1 0 -> errno 95$'
	assert_line --regexp '^[0-9]+ shutdown closed 2 -> errno 9$'
	assert_line --regexp '^[0-9]+ shutdown devnull 0 -> errno 88$'
	assert_line --regexp '^[0-9]+ accept devnull 0 -> errno 88$'
	assert_line --regexp '^[0-9]+ accept listener 0 -> fd [0-9]+$'
	assert_line --regexp '^[0-9]+ accept4 nonblocking 0x80800 -> fd [0-9]+$'
	assert_line --regexp '^[0-9]+ socket 45 0x1 0 -> errno 97$'
}

@test "the comparison can fail: a changed result, a missing event" {
	cp "$EXAMPLES/audit-all.json" "$T/p.json"
	both "$T/p.json"
	sed '5s/"result":[^,]*/"result":42/' "$T/s.log" >"$T/s2.log"
	run -1 "$PY" "$T/compare.py" "$T/p.log" "$T/s2.log"
	assert_line "event 5 differs:"
	grep -v '"event":"sockaudit\.' "$T/s.log" | sed '$d' >"$T/s3.log"	# the last event
	run -1 "$PY" "$T/compare.py" "$T/p.log" "$T/s3.log"
	assert_line --partial "only under preload"
}

@test "the example policies: the same decisions, errnos, results and events (each in audit and enforce)" {
	for p in "$EXAMPLES"/*.json; do
		for mode in audit enforce; do
			both "$p" $mode
		done
	done
}

@test "accept4 with an unknown flag bit under default deny allowing inet streams: both allow it, the kernel says EINVAL" {
	cat >"$T/p.json" <<-'EOF'
	{"version": 1, "mode": "enforce", "default": {"action": "deny", "errno": "EACCES"},
	 "rules": [{"id": "inet-stream", "family": ["AF_INET", "AF_INET6"], "type": "SOCK_STREAM", "action": "allow"},
	           {"id": "shutdown", "event": "socket.shutdown", "action": "allow"}]}
	EOF
	both "$T/p.json"
	# Both layers fold only SOCK_CLOEXEC|SOCK_NONBLOCK into the type: the
	# rule allows the call, the kernel refuses the flag, no socket, no event.
	run -0 grep -E '^[0-9]+ accept4 listener 0x40000000 -> ' "$T/p.out"
	assert_output --regexp 'errno 22$'
	run -0 grep -E '^[0-9]+ accept4 listener 0x40080000 -> ' "$T/s.out"
	assert_output --regexp 'errno 22$'
	run -0 jq -r 'select(.call == "accept4" and .errno == "EINVAL") | .layer' "$T/p.log" "$T/s.log"
	assert_output ""
	# What the default refuses is refused alike, and logged alike.
	run -0 jq -r 'select(.call == "socket" and .family == "AF_UNIX") | "\(.layer) \(.decision) \(.errno)"' "$T/s.log"
	assert_line "notify deny EACCES"
}

# Random policies from a fixed seed (LAYERS_DIFF_SEED overrides it): rules
# over event, family, type, protocol, how, exe, action, errno and log.
@test "20 seeded random policies, each in audit and enforce mode: the layers agree" {
	seed=${LAYERS_DIFF_SEED:-20261201}
	echo "# seed $seed" >&3
	"$PY" - "$seed" "$T" <<-'EOF'
	import json, random, sys

	rnd = random.Random(int(sys.argv[1]))
	FAMILIES = ["AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET", "AF_ALG", 45, 99, 0]
	TYPES = ["SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_SEQPACKET", 0, 11]
	PROTOCOLS = [0, 1, 6, 17, 15, 99, "IPPROTO_TCP", "IPPROTO_UDP"]
	HOWS = ["SHUT_RD", "SHUT_WR", "SHUT_RDWR", 0, 2]
	ERRNOS = ["EACCES", "EPERM", "EAFNOSUPPORT", "EINVAL", 1, 95]
	EXES = ["*/x_every", "*/not-this-one", "/usr/*"]

	def pick(values):
	    k = rnd.choice([1, 1, 2, 3])
	    vals = rnd.sample(values, k)
	    return vals[0] if k == 1 else vals

	def action(rule):
	    a = rnd.choices(["allow", "deny", "kill"], [5, 5, 1])[0]
	    rule["action"] = a
	    if a == "deny" and rnd.random() < 0.8:
	        rule["errno"] = rnd.choice(ERRNOS)
	    if rnd.random() < 0.25:
	        rule["log"] = False
	    return rule

	for n in range(20):
	    rules = []
	    for i in range(rnd.randint(0, 7)):
	        r = {"id": "r%d" % i}
	        if rnd.random() < 0.3:
	            r["event"] = "socket.shutdown"
	            if rnd.random() < 0.6:
	                r["how"] = pick(HOWS)
	        for key, values, p in (("family", FAMILIES, 0.6), ("type", TYPES, 0.4),
	                               ("protocol", PROTOCOLS, 0.25), ("exe", EXES, 0.1)):
	            if rnd.random() < p:
	                r[key] = pick(values)
	        # Protocol names belong to a family: IPPROTO_* only in a rule on
	        # AF_INET/AF_INET6 alone.
	        fams = r.get("family", [])
	        fams = fams if isinstance(fams, list) else [fams]
	        if not fams or not set(fams) <= {"AF_INET", "AF_INET6"}:
	            protos = r.get("protocol")
	            if isinstance(protos, list):
	                protos = [x for x in protos if isinstance(x, int)] or [0]
	            elif isinstance(protos, str):
	                protos = 6
	            if protos is not None:
	                r["protocol"] = protos
	        rules.append(action(r))
	    default = action({})
	    policy = {"version": 1, "default": default, "rules": rules}
	    with open("%s/random-%02d.json" % (sys.argv[2], n), "w") as f:
	        json.dump(policy, f, indent=1)
	EOF
	for p in "$T"/random-*.json; do
		run -0 "$SOCKAUDIT" check "$p" || { cat "$p"; false; }
		for mode in audit enforce; do
			both "$p" $mode
		done
	done
}

@test "auto: every call of x_every is logged once, by the preload layer, as under --layer preload" {
	for p in "$EXAMPLES"/audit-all.json "$EXAMPLES"/no-network.json; do
		both "$p"
		# (-q: the program's output alone, not run's summary of denials)
		run -0 --separate-stderr "$SOCKAUDIT" run -q -p "$p" -o "$T/a.log" --layer auto -- "$EVERY"
		run -0 diff "$T/p.out" <(printf '%s\n' "$output")
		run -0 jq -r 'select(.layer and .layer != "preload") | .call' "$T/a.log"
		assert_output ""
		# The marker kept the supervisor out; the shim's events are the
		# same as without the kernel layers.
		# (but for what differs from run to run in addresses)
		strip='def free: if type == "array" and length >= 2 and (.[1] | type) == "number"
				and (.[0] | type) == "string" and .[1] >= 1024 then .[1] = "PORT" else . end;
			select(.layer) | del(.seq, .ts, .tid, .pid, .ppid)
			| if (.port | type) == "number" and .port >= 1024 then .port = "PORT" else . end
			| if (.args[1] | type) == "array" then .args[1] |= free else . end
			| if .peer then .peer |= free else . end
			| tojson | gsub("x_every-[0-9]+"; "x_every-PID")'
		# (assert_success: a failure shows the diff)
		run diff <(jq -r "$strip" "$T/p.log") <(jq -r "$strip" "$T/a.log")
		assert_success
		rm -f "$T/a.log"
	done
}
