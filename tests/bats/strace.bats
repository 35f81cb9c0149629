#!/usr/bin/env bats
# The differential test: the same run is watched by strace and by the preload
# layer at once,
#   strace -f -X raw -e trace=socket,socketpair,accept,accept4,shutdown,connect \
#       sockaudit run --layer preload -o LOG -- PROGRAM
# and every call strace saw must be in LOG with the same thread, arguments,
# result and errno, in the same order per thread, and nothing else may be.
#
# What the preload layer cannot see (DESIGN.md): sockets glibc opens for
# itself through internal calls.  The python3 program below makes none (no
# name lookups: IP literals only) and is the clean case: every call must
# match.  curl makes two (its getpwuid for ~/.curlrc asks nscd): they are
# recognised by their connect() to nscd's socket, which is why connect is
# traced too, and must be missing from LOG, each one of them.  Nothing else is
# excused.
load helper
bats_require_minimum_version 1.5.0

teardown() {
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
}

TRACED=socket,socketpair,accept,accept4,shutdown,connect

# LeakSanitizer cannot run under ptrace: in a `make ASAN=1` build it would
# fail sockaudit's own exit.
case ":${ASAN_OPTIONS:-}:" in
*:detect_leaks=0:*) ;;
*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" ;;
esac

# compare TRACE LOG: exit 0 and print "N calls matched, M glibc-internal
# missing" when they agree; otherwise print every difference and exit 1.
# compare TRACE LOG auto PID: the same for --layer auto, where nothing may be
# missing: glibc's internal calls must be in LOG, from the notify layer
# (which cannot know their result); PID is sockaudit's own, whose
# supervisor's sockets are not CMD's.
compare() {
	"$PY" - "$@" <<'EOF'
import json, re, sys

NSCD = "/var/run/nscd/socket"
trace_path, log_path = sys.argv[1], sys.argv[2]
auto = len(sys.argv) > 3 and sys.argv[3] == "auto"
root = int(sys.argv[4]) if auto else None

def split_args(s):
    """Split strace's argument list at top-level commas."""
    out, depth, cur, quoted, esc = [], 0, "", False, False
    for ch in s:
        if quoted:
            cur += ch
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                quoted = False
            continue
        if ch == '"':
            quoted = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out

def num(s):
    """A raw (-X raw) value: 0x1|0x80000 is their sum."""
    return sum(int(p, 0) for p in s.split("|"))

def effective_protocol(family, type_, proto):
    # SO_PROTOCOL, as the shim reads it for accept: the kernel's default.
    if proto == 0 and family in (2, 10):
        return {1: 6, 2: 17}.get(type_ & 0xf, 0)
    return proto

# Read the trace: (tid, name, args, result, errno) in order, resumed calls
# stitched back together.
calls, pending = [], {}
line_re = re.compile(r"^(\d+) +(.*)$")
call_re = re.compile(r"^(\w+)\((.*)\) += (-?\w+)(?: (E\w+) \(.*\))?$")
for raw in open(trace_path):
    m = line_re.match(raw.rstrip("\n"))
    if not m:
        continue
    tid, rest = int(m[1]), m[2]
    if rest.endswith("<unfinished ...>"):
        pending[tid] = rest[: -len("<unfinished ...>")].rstrip()
        continue
    r = re.match(r"^<\.\.\. \w+ resumed>(.*)$", rest)
    if r:
        rest = pending.pop(tid) + r[1]
    c = call_re.match(rest)
    if c and tid != root:
        calls.append((tid, c[1], split_args(c[2]), int(c[3], 0), c[4]))

# What the log must hold: per thread, in order.  Sockets later connected to
# nscd are glibc-internal: the preload layer must not have them.
want, internal, sockets = [], [], {}
for tid, name, a, ret, err in calls:
    if name == "connect":
        if ('sun_path="%s"' % NSCD) in a[1] and (tid, num(a[0])) in sockets:
            i = sockets.pop((tid, num(a[0])))
            internal.append(want[i])
            if auto:
                w = want[i]
                want[i] = (w[0], w[1], [None] + w[2][1:], None, None)
            else:
                want[i] = None
        continue
    if name == "socket":
        f, t, p = num(a[0]), num(a[1]), num(a[2])
        if ret >= 0:
            sockets[(tid, ret)] = len(want)
        want.append((tid, "socket", [ret if ret >= 0 else None, f, t, p], ret, err))
    elif name == "socketpair":
        f, t, p = num(a[0]), num(a[1]), num(a[2])
        if ret == 0:
            for fd in json.loads(a[3]):
                want.append((tid, "socketpair", [fd, f, t, p], 0, None))
        else:
            want.append((tid, "socketpair", [None, f, t, p], ret, err))
    elif name in ("accept", "accept4"):
        if ret < 0:
            continue        # no socket made, nothing refused: no event
        lfd = num(a[0])
        # only the flags that describe the new socket: SOCK_CLOEXEC|SOCK_NONBLOCK
        flags = num(a[3]) & 0x80800 if name == "accept4" else 0
        origin = next((w for w in reversed(want) if w and w[1] == "socket" and w[2][0] == lfd), None)
        if origin:
            f, t, p = origin[2][1], origin[2][2] & 0xf, origin[2][3]
            args = [ret if ret >= 0 else None, f, t | flags, effective_protocol(f, t, p)]
        else:
            args = None     # inherited listener: only self, result, errno
        want.append((tid, name, args, ret, err, ret if ret >= 0 else None))
    elif name == "shutdown":
        want.append((tid, "shutdown", [num(a[0]), num(a[1])], ret, err))
want = [w for w in want if w]

got = []
for line in open(log_path):
    e = json.loads(line)
    got.append((e["tid"], e["call"], e["args"], e["result"], e["errno"]))

bad = 0
for tid in sorted(set(w[0] for w in want) | set(g[0] for g in got)):
    ws = [w for w in want if w[0] == tid]
    gs = [g for g in got if g[0] == tid]
    for i in range(max(len(ws), len(gs))):
        w = ws[i] if i < len(ws) else None
        g = gs[i] if i < len(gs) else None
        ok = w is not None and g is not None
        if ok and w[2] is None:     # accept on an inherited listener
            ok = w[1] == g[1] and g[2][0] == w[5] and w[3:5] == g[3:5]
        elif ok:
            ok = w[:5] == g
        if not ok:
            bad += 1
            print("tid %d #%d: strace %r, log %r" % (tid, i, w and w[:5], g))
for i in internal if not auto else []:
    for g in got:
        if g[0] == i[0] and g[1:] == i[1:]:
            bad += 1
            print("glibc-internal call in the log: %r" % (g,))
if bad:
    sys.exit(1)
if auto:
    print("%d calls matched, %d glibc-internal from notify" % (len(want), len(internal)))
else:
    print("%d calls matched, %d glibc-internal missing" % (len(want), len(internal)))
EOF
}

@test "strace vs preload, python3: every call, its result and errno, and nothing else" {
	# The clean case: no glibc-internal sockets.  Successes and failures
	# (EAGAIN of accept, not an event; EINVAL, ENOTCONN, ENOTSOCK), a thread, a forked child.
	cat >"$T/calls.py" <<'EOF'
import ctypes, os, socket, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(4)
srv.setblocking(False)
try:
    srv.accept()
except BlockingIOError:
    pass
srv.setblocking(True)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
conn.shutdown(socket.SHUT_WR)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    socket.socket(socket.AF_INET, 999)
except OSError:
    pass
t = threading.Thread(target=lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close())
t.start()
t.join()
pid = os.fork()
if pid == 0:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    os._exit(0)
os.waitpid(pid, 0)
with open("/dev/null") as f:
    ctypes.CDLL(None, use_errno=True).shutdown(f.fileno(), socket.SHUT_RD)
print("done")
EOF
	run -0 --separate-stderr timeout 30 strace -f -qq -X raw -o "$T/trace" -e trace="$TRACED" \
		"$SOCKAUDIT" run --layer preload -o "$T/log" -- "$PY" "$T/calls.py"
	assert_output "done"
	assert_equal "$stderr" ""
	run -0 compare "$T/trace" "$T/log"
	assert_output "11 calls matched, 0 glibc-internal missing"
	# The comparison really covers failures, threads and the child (the
	# failed accept's EAGAIN made no socket: no event).
	run -0 jq -r '.errno // empty' "$T/log"
	assert_output "EINVAL
ENOTCONN
ENOTSOCK"
	run -0 jq -s '[.[].tid] | unique | length' "$T/log"
	assert_output 3
}

@test "strace vs preload, curl against a local server: nscd's sockets, and nothing else, are missing" {
	skip_curl_under_asan
	mkdir www
	echo "hello" >www/hello.txt
	PORT=$(free_port)
	"$PY" -m http.server --bind 127.0.0.1 --directory "$T/www" "$PORT" >server.log 2>&1 &
	SERVER_PID=$!
	wait_for_port "$PORT"
	run -0 --separate-stderr timeout 30 strace -f -qq -X raw -o "$T/trace" -e trace="$TRACED" \
		"$SOCKAUDIT" run --layer preload -o "$T/log" -- curl -s "http://127.0.0.1:$PORT/hello.txt"
	assert_output "hello"
	run -0 compare "$T/trace" "$T/log"
	assert_output "3 calls matched, 2 glibc-internal missing"
}

@test "strace vs the default layers, curl: nothing missing, glibc's calls from notify" {
	skip_curl_under_asan
	mkdir www
	echo "hello" >www/hello.txt
	PORT=$(free_port)
	"$PY" -m http.server --bind 127.0.0.1 --directory "$T/www" "$PORT" >server.log 2>&1 &
	SERVER_PID=$!
	wait_for_port "$PORT"
	# sh's pid becomes sockaudit's: its supervisor's own sockets are not
	# curl's.
	run -0 --separate-stderr timeout 30 strace -f -qq -X raw -o "$T/trace" -e trace="$TRACED" \
		sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$T/pid" \
		"$SOCKAUDIT" run -o "$T/log" -- curl -s "http://127.0.0.1:$PORT/hello.txt"
	assert_output "hello"
	run -0 compare "$T/trace" "$T/log" auto "$(cat "$T/pid")"
	assert_output "5 calls matched, 2 glibc-internal from notify"
	run -0 jq -c '[.call, .layer]' "$T/log"
	assert_output '["socket","notify"]
["socket","notify"]
["socketpair","preload"]
["socketpair","preload"]
["socket","preload"]'
}

@test "strace vs preload, ip addr: its netlink sockets" {
	run -0 --separate-stderr timeout 30 strace -f -qq -X raw -o "$T/trace" -e trace="$TRACED" \
		"$SOCKAUDIT" run --layer preload -o "$T/log" -- ip addr show dev lo
	assert_line --partial "inet 127.0.0.1/8"
	run -0 compare "$T/trace" "$T/log"
	assert_output "2 calls matched, 0 glibc-internal missing"
}

@test "the comparison itself fails on a missing or a changed event" {
	# Guard against a checker that always agrees.
	run -0 --separate-stderr timeout 30 strace -f -qq -X raw -o "$T/trace" -e trace="$TRACED" \
		"$SOCKAUDIT" run --layer preload -o "$T/log" -- "$PY" -c 'import socket; socket.socket(); socket.socketpair()'
	run -0 compare "$T/trace" "$T/log"
	assert_output "3 calls matched, 0 glibc-internal missing"
	sed 1d "$T/log" >"$T/short.log"
	run -1 compare "$T/trace" "$T/short.log"
	assert_line --partial "#0: strace "
	sed 's/"result":0/"result":1/' "$T/log" >"$T/changed.log"
	run -1 compare "$T/trace" "$T/changed.log"
	assert_line --partial "#1: strace "
}
