#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare what strace saw with what sockaudit logged, in the same run.

    strace -f -qq -X raw -k -e signal=none -e trace=TRACED -o TRACE \\
        sockaudit run --layer L -o LOG -- CMD...
    strace_compare.py [--auto] [--exclude PID] TRACE LOG

TRACED is socket,socketpair,accept,accept4,shutdown,connect,bind,sendto,
sendmsg (the calls compared), clone,clone3,fork,vfork (who inherits whose
descriptors) and execve (program names in the messages); strace -s 256.

Every socket call strace saw must be in LOG: the same process and thread, the
CPython-shaped args ([self, family, type, protocol] / [self, how] /
[self, address]), result and errno, in the same order per thread; and LOG
holds nothing else.  The address events: connect, bind, sendto with an
address, sendmsg with a msg_name; the address decoded from strace's raw
bytes into CPython's getsockname() shape, as the log writes it (a sendto or
sendmsg without an address is no event).

- A failed accept made no socket: no event (the default policy refuses
  nothing).  An accept's family/type/protocol are the listener's, found by
  following the descriptor back to the call that made it, through fork and
  exec (a worker accepting on its master's listener); accept4's flags are
  folded in as SOCK_CLOEXEC|SOCK_NONBLOCK only; the protocol is the kernel's
  default when the listener was made with 0.  close, dup and descriptors
  passed over a unix socket are not followed: an accept on a listener that
  strace did not see made compares self, result and errno only, and is
  counted ("accepts on listeners strace did not see created").
- glibc-internal calls (DESIGN.md "What each layer cannot see") are the ones
  whose caller, in strace -k's backtrace, is libc itself: they bypassed the
  PLT.  The preload layer cannot see them: without --auto they must be
  missing from LOG, and each is named.  With --auto nothing may be missing.
- With --auto an event of the notify layer either knows the outcome (then
  self, result and errno must be right) or marks all three unknown (null):
  the supervisor lets the call continue and never sees its return value.
  --exclude PID drops the calls of process PID (sockaudit itself, whose
  supervisor's sockets are not CMD's).

Prints "N calls matched, M glibc-internal missing" (or "... from notify"),
then one line per glibc-internal call and counts of what was not compared,
and exits 0.  Otherwise it prints every difference in place of that first
line, "D differences: ..." last, and exits 1.  Exit 2: the trace or the log
cannot be read (a trace without backtraces among them).
"""
import json
import os
import re
import sys

NSCD = "/var/run/nscd/socket"
CLONE_FILES, CLONE_THREAD = 0x400, 0x10000
SOCK_CLOEXEC, SOCK_NONBLOCK = 0x80000, 0x800
SOCKET_CALLS = ("socket", "socketpair", "accept", "accept4", "shutdown")
ADDRESS_CALLS = ("connect", "bind", "sendto", "sendmsg")
CLONE_CALLS = ("clone", "clone3", "fork", "vfork")

FAMILIES = {1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET"}
TYPES = {1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 5: "SOCK_SEQPACKET"}


def die(msg):
    print("strace_compare: " + msg, file=sys.stderr)
    sys.exit(2)


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


def effective_protocol(family, base_type, proto):
    """SO_PROTOCOL of an accepted socket: the kernel's default for 0."""
    if proto == 0 and family in (2, 10):
        return {1: 6, 2: 17}.get(base_type, 0)
    return proto


def clone_flags(name, args):
    if name == "clone":
        for a in args:
            if a.startswith("flags="):
                return num(a[len("flags="):])
    elif name == "clone3" and args:
        m = re.search(r"flags=([0-9a-fx|]+)", args[0])
        if m:
            return num(m[1])
    return 0        # fork, vfork: a copy of the descriptor table


ESCAPES = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "\\": 92, '"': 34}


def c_bytes(s):
    """The bytes of a C string literal as strace prints it (\\xNN, \\NNN)."""
    out, i = bytearray(), 0
    while i < len(s):
        ch = s[i]
        if ch != "\\":
            out += ch.encode()
            i += 1
            continue
        nxt = s[i + 1]
        if nxt == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif nxt.isdigit():
            j = i + 1
            while j < len(s) and j < i + 4 and s[j] in "01234567":
                j += 1
            out.append(int(s[i + 1:j], 8))
            i = j
        else:
            out.append(ESCAPES[nxt])
            i += 2
    return bytes(out)


def log_text(b):
    """Bytes as the log's string reads after json.loads: valid UTF-8 kept,
    every other byte as the character of its value."""
    out, i = "", 0
    while i < len(b):
        for n in (4, 3, 2, 1):
            try:
                out += b[i:i + n].decode("utf-8")
                i += n
                break
            except UnicodeDecodeError:
                continue
        else:
            out += chr(b[i])
            i += 1
    return out


def field(text, name):
    """The value of NAME=... in strace's struct TEXT ("..." or @"...")."""
    m = re.search(r'\b%s=(@?)"((?:[^"\\]|\\.)*)"' % name, text)
    if m:
        return m[1], c_bytes(m[2])
    m = re.search(r"\b%s=([0-9a-fx]+)" % name, text)
    return None, (int(m[1], 0) if m else None)


def address(text):
    """A sockaddr strace printed raw, in CPython's getsockname() shape."""
    _, fam = field(text, "sa_family")
    if fam == 2:
        port, ip = field(text, "sin_port")[1], field(text, "sin_addr")[1]
        return [".".join(str(x) for x in ip), int.from_bytes(port, "big")]
    if fam == 10:
        import ipaddress
        port, ip = field(text, "sin6_port")[1], field(text, "sin6_addr")[1]
        flow = field(text, "sin6_flowinfo")[1]
        scope = field(text, "sin6_scope_id")[1] or 0
        return [str(ipaddress.IPv6Address(ip)), int.from_bytes(port, "big"),
                int.from_bytes(flow, "big"), scope]
    if fam == 1:
        at, path = field(text, "sun_path")
        if path is None:
            return ""
        return ("\0" if at else "") + log_text(path)
    if fam == 16:
        return [field(text, "nl_pid")[1], field(text, "nl_groups")[1]]
    data = field(text, "sa_data")[1]
    return [fam, data.hex() if isinstance(data, bytes) else "?" + text]


class Call:
    """One system call as strace printed it, resumed halves joined."""

    def __init__(self, tid, name, args, ret, err, text, entry, done):
        self.tid, self.name, self.args = tid, name, args
        self.ret, self.err, self.text = ret, err, text
        self.entry, self.done = entry, done     # line numbers
        self.frames = []                        # strace -k backtrace


LINE_RE = re.compile(r"^(\d+) +(.*)$")
CALL_RE = re.compile(r"^(\w+)\((.*)\) += (-?\w+)(?: (E\w+) \(.*\))?$")
RESUMED_RE = re.compile(r"^<\.\.\. \w+ resumed>(.*)$")


def read_trace(path):
    calls, pending, last = [], {}, None
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    for i, raw in enumerate(lines, 1):
        if raw.startswith(" > "):
            # -k: the backtrace follows the line that completed the call
            if last is not None:
                last.frames.append(raw[3:])
            continue
        last = None
        m = LINE_RE.match(raw)
        if not m:
            continue
        tid, rest = int(m[1]), m[2]
        entry = i
        if rest.endswith("<unfinished ...>"):
            pending[tid] = (rest[: -len("<unfinished ...>")].rstrip(), i)
            continue
        r = RESUMED_RE.match(rest)
        if r:
            if tid not in pending:
                continue
            head, entry = pending.pop(tid)
            rest = head + r[1]
        c = CALL_RE.match(rest)
        if not c:
            continue    # "= ?": the process died inside the call
        text = re.sub(r"\)\s+= ", ") = ", rest)
        last = Call(tid, c[1], split_args(c[2]), int(c[3], 0), c[4], text, entry, i)
        calls.append(last)
    return calls


def frame_object(frame):
    """The file a backtrace frame is in: "/usr/lib/.../libc.so.6(sym+0x7) [0x..]"."""
    return os.path.basename(frame.split("(", 1)[0].strip())


def is_glibc_internal(call):
    """Called from inside libc: the wrapper's caller is libc itself.  None
    when the backtrace does not say (strace could not unwind)."""
    if len(call.frames) < 2 or not call.frames[1].startswith("/"):
        return None
    return frame_object(call.frames[1]).startswith("libc.so")


class Want:
    """One event the log must hold."""

    def __init__(self, call, pid, args, result, errno, weak=False):
        self.call, self.pid = call, pid
        self.args, self.result, self.errno = args, result, errno
        self.weak = weak            # accept on an unknown listener
        self.internal = False
        self.nscd = False

    def __str__(self):
        return show(self.call.name, self.args, self.result, self.errno, self.pid)


def describe_socket(c):
    f, t = num(c.args[0]), num(c.args[1])
    flags = [n for b, n in ((SOCK_CLOEXEC, "SOCK_CLOEXEC"), (SOCK_NONBLOCK, "SOCK_NONBLOCK")) if t & b]
    base = TYPES.get(t & 0xf, str(t & 0xf))
    return "%s(%s, %s, %d)" % (c.name, FAMILIES.get(f, str(f)), "|".join([base] + flags), num(c.args[2]))


def build_wants(calls, exclude):
    """The events the log must hold, in the order strace saw them."""
    # Descriptor tables and thread groups follow clone()'s flags; a child
    # inherits its parent's table as it was when the parent entered clone
    # (the child can run before the parent's clone returns), so a clone is
    # applied at its entry line and every other call at its completion.
    tables, tgid, exe = {}, {}, {}
    order = sorted(calls, key=lambda c: c.entry if c.name in CLONE_CALLS else c.done)
    wants, by_fd, stats = [], {}, {"failed_accepts": 0, "weak_accepts": 0}

    def table(tid):
        return tables.setdefault(tid, {})

    for c in order:
        t = table(c.tid)
        tgid.setdefault(c.tid, c.tid)
        if c.name in CLONE_CALLS:
            if c.ret > 0:
                fl = clone_flags(c.name, c.args)
                tables[c.ret] = t if fl & CLONE_FILES else dict(t)
                tgid[c.ret] = tgid[c.tid] if fl & CLONE_THREAD else c.ret
                if c.tid in exe:
                    exe[c.ret] = exe[c.tid]
            continue
        if c.name == "execve":
            if c.ret == 0:
                exe[c.tid] = os.path.basename(c.args[0].strip('"'))
            continue
        if c.name == "connect":
            w = by_fd.pop((c.tid, num(c.args[0])), None)
            if w is not None and ('sun_path="%s"' % NSCD) in c.args[1]:
                w.nscd = True
        if c.name not in SOCKET_CALLS + ADDRESS_CALLS or tgid[c.tid] == exclude:
            continue
        made, pid = [], tgid[c.tid]
        if c.name in ADDRESS_CALLS:
            where = {"connect": 1, "bind": 1, "sendto": 4}.get(c.name)
            sa = c.args[where] if where is not None else None
            if c.name == "sendmsg":
                m = re.search(r"msg_name=(\{.*?\}), msg_namelen", c.args[1])
                sa = m[1] if m else "NULL"
            if sa == "NULL":
                continue        # a send without an address: no event
            made.append(Want(c, pid, [num(c.args[0]), address(sa)], c.ret, c.err))
        if c.name == "socket":
            f, ty, p = num(c.args[0]), num(c.args[1]), num(c.args[2])
            ok = c.ret >= 0
            made.append(Want(c, pid, [c.ret if ok else None, f, ty, p], c.ret, c.err))
            if ok:
                t[c.ret] = (f, ty & 0xf, p)
                by_fd[(c.tid, c.ret)] = made[0]
        elif c.name == "socketpair":
            f, ty, p = num(c.args[0]), num(c.args[1]), num(c.args[2])
            if c.ret == 0:
                for fd in json.loads(c.args[3]):
                    made.append(Want(c, pid, [fd, f, ty, p], 0, None))
                    t[fd] = (f, ty & 0xf, p)
            else:
                made.append(Want(c, pid, [None, f, ty, p], c.ret, c.err))
        elif c.name in ("accept", "accept4"):
            if c.ret < 0:
                stats["failed_accepts"] += 1
                continue        # no socket made, nothing refused: no event
            flags = num(c.args[3]) & (SOCK_CLOEXEC | SOCK_NONBLOCK) if c.name == "accept4" else 0
            origin = t.get(num(c.args[0]))
            if origin:
                f, base, p = origin
                p = effective_protocol(f, base, p)
                made.append(Want(c, pid, [c.ret, f, base | flags, p], c.ret, c.err))
                t[c.ret] = (f, base, p)
            else:
                stats["weak_accepts"] += 1
                made.append(Want(c, pid, [c.ret], c.ret, c.err, weak=True))
        elif c.name == "shutdown":
            made.append(Want(c, pid, [num(c.args[0]), num(c.args[1])], c.ret, c.err))
        internal = is_glibc_internal(c)
        if internal is None:
            die("line %d: no usable backtrace for %s: %r" % (c.done, c.text, c.frames[:2]))
        for w in made:
            w.internal = internal
        wants.extend(made)
    return wants, exe, stats


def read_log(path):
    got = []
    try:
        f = open(path, "rb")
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    for i, line in enumerate(f, 1):
        try:
            e = json.loads(line)
            if str(e.get("event", "")).startswith("sockaudit."):
                continue    # a record of sockaudit run (seal, loss), no event
            if e.get("event") == "socket.getaddrinfo":
                continue    # a library call: strace sees its system calls
            got.append((e["tid"], e["call"], e["args"], e["result"], e["errno"], e["pid"], e["layer"]))
        except (ValueError, KeyError, TypeError) as x:
            die("%s:%d: not an event: %r (%s)" % (path, i, line[:200], x))
    return got


def matches(w, g, auto):
    _, call, args, result, errno, pid, layer = g
    if call != w.call.name or pid != w.pid:
        return False
    if w.weak:
        return args[:1] == w.args and (result, errno) == (w.result, w.errno)
    if layer == "notify" and auto:
        # the outcome unknown as a whole, or known and right (an address
        # event's self is the descriptor passed: known even when the
        # outcome is not)
        unknown = args[:1] in ([None], w.args[:1]) and result is None and errno is None
        return args[1:] == w.args[1:] and (unknown or (args, result, errno) == (w.args, w.result, w.errno))
    if w.internal:
        return False    # the preload layer cannot have seen it
    return layer == "preload" and (args, result, errno) == (w.args, w.result, w.errno)


def align(ws, gs, auto):
    """Longest common subsequence of one thread's wants and events."""
    n, m = len(ws), len(gs)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if matches(ws[i], gs[j], auto):
                best[i][j] = best[i + 1][j + 1] + 1
            else:
                best[i][j] = max(best[i + 1][j], best[i][j + 1])
    # Walk it; unmatched runs between matches pair up as "differs".
    out, i, j, miss, extra = [], 0, 0, [], []

    def flush():
        for a, b in zip(miss, extra):
            out.append(("differs", a, b))
        out.extend(("missing", a, None) for a in miss[len(extra):])
        out.extend(("extra", None, b) for b in extra[len(miss):])
        miss.clear()
        extra.clear()

    while i < n or j < m:
        if i < n and j < m and matches(ws[i], gs[j], auto) and best[i][j] == best[i + 1][j + 1] + 1:
            flush()
            i, j = i + 1, j + 1
        elif i < n and (j == m or best[i + 1][j] >= best[i][j + 1]):
            miss.append(ws[i])
            i += 1
        else:
            extra.append(gs[j])
            j += 1
    flush()
    return out


def show(call, args, result, errno, pid, layer=None):
    """An event's compared fields, as the log writes them."""
    out = "%s %s = %s, errno %s, pid %d" % (call, json.dumps(args), json.dumps(result), json.dumps(errno), pid)
    return out + (", layer " + layer if layer else "")


def main(argv):
    auto, exclude, files = False, None, []
    it = iter(argv)
    for a in it:
        if a == "--auto":
            auto = True
        elif a == "--exclude":
            v = next(it, "")
            if not v.isdigit():
                die("--exclude takes a process id, not %r" % v)
            exclude = int(v)
        else:
            files.append(a)
    if len(files) != 2:
        die("usage: strace_compare.py [--auto] [--exclude PID] TRACE LOG")
    calls = read_trace(files[0])
    if any(c.name in SOCKET_CALLS + ADDRESS_CALLS for c in calls) and not any(c.frames for c in calls):
        die("%s has no backtraces: run strace with -k" % files[0])
    wants, exe, stats = build_wants(calls, exclude)
    internal = [w for w in wants if w.internal]
    if not auto:
        wants = [w for w in wants if not w.internal]
    got = read_log(files[1])

    def who(tid):
        return "%s[%d]" % (exe.get(tid, "?"), tid)

    bad = 0
    for tid in sorted(set(w.call.tid for w in wants) | set(g[0] for g in got)):
        ws = [w for w in wants if w.call.tid == tid]
        gs = [g for g in got if g[0] == tid]
        for kind, w, g in align(ws, gs, auto):
            bad += 1
            if kind == "missing":
                print("%s: missing from the log: %s; want %s" % (who(tid), w.call.text, w))
            elif kind == "extra":
                print("%s: not seen by strace: %s" % (who(tid), show(*g[1:])))
            else:
                print("%s: differs: %s; want %s; log %s" % (who(tid), w.call.text, w, show(*g[1:])))
    if not bad:
        print("%d calls matched, %d glibc-internal %s"
              % (len(wants), len(internal), "from notify" if auto else "missing"))
    for w in internal:
        c = w.call
        what = describe_socket(c) if c.name in ("socket", "socketpair") else c.text.split(" =")[0]
        print("glibc-internal: %s %s = %d%s" % (who(c.tid), what, c.ret, ", nscd" if w.nscd else ""))
    if stats["failed_accepts"]:
        print("failed accepts, no event: %d" % stats["failed_accepts"])
    if stats["weak_accepts"]:
        print("accepts on listeners strace did not see created (only self, result, errno compared): %d"
              % stats["weak_accepts"])
    if bad:
        print("%d difference%s: %d calls in the trace, %d events in the log"
              % (bad, "" if bad == 1 else "s", len(wants), len(got)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
