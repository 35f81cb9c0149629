#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Validate sockaudit log lines against evlog/event.schema.json.

    validate_events.py SCHEMA FILE...
        Every line of each FILE must be a log line that validates (an
        empty file holds none).  Prints "N lines valid"; on the first
        problems, FILE:LINE: what, and exits 1.

    validate_events.py --suite SCHEMA SINCE UNTIL MIN DIR
        The suite's check (tests/run-tests.sh): one TAP line for every log
        line sockaudit wrote under DIR, the temporary directories of the bats
        run, while the suite ran.

What sockaudit wrote: the writer starts every line with {"v": and stamps it
with the time of the call ("ts", CLOCK_REALTIME), so a line that starts so
and carries a ts between SINCE and UNTIL (nanoseconds since the epoch, the
run's start and end) was written during the run, by sockaudit or from what it
wrote.  The lines tests make up themselves (tests/data, the inline events of
the .bats files) carry fixed times of the past, and a file whose path (below
DIR) holds "junk" is left alone: the place for a line a test spoils on
purpose.  Lines a test altered (seal.bats's forgeries) are still judged: a
forgery must stay a valid event, or be kept in a junk file.  MIN: fewer
lines than that fail (0 when a filtered run may have made no log).

Speed: a suite writes some 10^5 lines, most of them the same call of the
same program again.  A line is validated in full once per shape (the line
without the values that change from call to call: seq, ts, pid, tid, ppid,
seal, the descriptor, the result but for its sign); the next of that shape
has only those values validated, against the schema's own subschemas.  The
schema's conditions never look at those values, so the verdict is the same.
"""
import calendar
import hashlib
import json
import os
import re
import stat
import sys

import jsonschema

TS = re.compile(rb'"ts":"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{9})Z"')
FILE_MAX = 256 << 20    # larger files are no logs of a test
SHOWN = 20              # problems printed before the rest are counted


def ts_ns(m):
    """The nanoseconds since the epoch of a TS match."""
    y, mo, d, h, mi, s, ns = (int(g) for g in m.groups())
    return calendar.timegm((y, mo, d, h, mi, s)) * 1000000000 + ns


# What differs from one event to the next of the same call and program (see
# Speed above).
VOLATILE = ("seq", "ts", "pid", "tid", "ppid", "seal")


def shape(event):
    """EVENT with its volatile values set aside, as a string; None for a
    line no shape can stand for (not an object)."""
    if not isinstance(event, dict):
        return None
    m = dict(event)
    for k in VOLATILE:
        if k in m:
            m[k] = None
    args = m.get("args")
    if isinstance(args, list) and args and type(args[0]) is int:
        m["args"] = [0] + args[1:]      # self: its type is all the schema asks
    if type(m.get("result")) is int:
        m["result"] = max(-1, min(1, m["result"]))     # its sign, and 0
    return json.dumps(m, sort_keys=True)


def quick_test(node):
    """A function that tells whether a value is valid under the subschema
    NODE, for the few keywords the volatile values' subschemas use (type
    integer or string, minimum, maximum, pattern); None for any other."""
    if not set(node) <= {"type", "minimum", "maximum", "pattern", "description", "$comment"} or \
            node.get("type") not in ("integer", "string"):
        return None
    lo, hi = node.get("minimum"), node.get("maximum")
    pattern = re.compile(node["pattern"]) if "pattern" in node else None

    def test(v):
        if node["type"] == "integer":
            return type(v) is int and (lo is None or v >= lo) and (hi is None or v <= hi) \
                and pattern is None
        return type(v) is str and (pattern is None or pattern.search(v) is not None) \
            and lo is None and hi is None
    return test


class Checker:
    def __init__(self, schema_path):
        with open(schema_path) as f:
            self.schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(self.schema)
        self.validator = jsonschema.Draft202012Validator(self.schema)
        self.seen = set()
        self.shapes = set()
        self.subs = {}
        self.lines = 0
        self.files = set()
        self.problems = []

    def resolve(self, node):
        """NODE, its local $ref (#/$defs/NAME) followed."""
        while "$ref" in node:
            target = self.schema
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def volatile(self, event):
        """(test, validator) of EVENT's volatile values, an object of them,
        for its kind of line: TEST a quick yes or no (None when the
        subschemas say more than it reads), the validator the verdict."""
        kind = {"sockaudit.seal": "seal", "sockaudit.lost": "loss"}.get(event.get("event"), "event")
        if kind not in self.subs:
            props = self.schema["$defs"][kind]["properties"]
            subs = {k: self.resolve(props[k]) for k in VOLATILE if k in props}
            tests = {k: quick_test(v) for k, v in subs.items()}
            test = None
            if None not in tests.values():
                def test(values, tests=tests):
                    return all(k in tests and tests[k](v) for k, v in values.items())
            self.subs[kind] = (test, jsonschema.Draft202012Validator({"properties": subs}))
        return self.subs[kind]

    def problem(self, where, what, line):
        self.problems.append("%s: %s\n#     %r" % (where, what, line[:300]))

    def report(self, where, errors, line):
        """The best of ERRORS as a problem of LINE: true if any."""
        error = jsonschema.exceptions.best_match(errors)
        if error is not None:
            path = "".join("[%r]" % p for p in error.absolute_path)
            self.problem(where, "%s%s" % (path + ": " if path else "", error.message), line)
            return True
        return False

    def check(self, where, line):
        """Judge one line (bytes, without its newline)."""
        self.lines += 1
        digest = hashlib.blake2b(line, digest_size=16).digest()
        if digest in self.seen:
            return
        self.seen.add(digest)
        try:
            event = json.loads(line)
        except ValueError as e:
            self.problem(where, "not JSON (%s)" % e, line)
            return
        key = shape(event)
        if key is not None and key in self.shapes:
            values = dict((k, event[k]) for k in VOLATILE if k in event)
            test, validator = self.volatile(event)
            if test is None or not test(values):
                self.report(where, validator.iter_errors(values), line)
            return
        if not self.report(where, self.validator.iter_errors(event), line) and key is not None:
            self.shapes.add(key)


def check_files(schema, paths):
    c = Checker(schema)
    for path in paths:
        with open(path, "rb") as f:
            for i, line in enumerate(f.read().split(b"\n"), 1):
                if line:
                    c.check("%s:%d" % (path, i), line)
    for p in c.problems[:SHOWN]:
        print(p)
    if c.problems:
        print("%d of %d lines invalid" % (len(c.problems), c.lines))
        return 1
    print("%d lines valid" % c.lines)
    return 0


def test_name(top, path):
    """The bats test a file under the run's directory belongs to: bats
    keeps its name next to its directory (test/N.name)."""
    rel = os.path.relpath(path, top).split(os.sep)
    for i in range(len(rel) - 1):
        if rel[i] == "test" and i + 1 < len(rel):
            name = os.path.join(top, *rel[:i + 1], rel[i + 1] + ".name")
            try:
                with open(name) as f:
                    return f.read().strip()
            except OSError:
                return None
    return None


def scan(c, top, since, until):
    for root, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if "junk" in os.path.relpath(path, top):
                continue
            try:
                st = os.lstat(path)
                # never open a FIFO or a device (it could block)
                if not stat.S_ISREG(st.st_mode) or st.st_size > FILE_MAX:
                    continue
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if b'{"v":' not in data:
                continue
            for i, line in enumerate(data.split(b"\n"), 1):
                if not line.startswith(b'{"v":'):
                    continue
                m = TS.search(line, 0, 200)
                if not m or not since <= ts_ns(m) <= until:
                    continue
                c.files.add(path)
                where = "%s:%d" % (os.path.relpath(path, top), i)
                test = test_name(top, path)
                c.check(where + (" (%s)" % test if test else ""), line)


def suite(schema, since, until, minimum, top):
    c = Checker(schema)
    scan(c, top, since, until)
    what = "schema: every log line sockaudit wrote in this run validates against evlog/event.schema.json"
    counts = "%d lines, %d distinct, in %d files" % (c.lines, len(c.seen), len(c.files))
    if c.problems:
        print("not ok - %s (%d invalid of %s)" % (what, len(c.problems), counts))
        for p in c.problems[:SHOWN]:
            print("# " + p)
        if len(c.problems) > SHOWN:
            print("# ... and %d more" % (len(c.problems) - SHOWN))
        return 1
    if c.lines < minimum:
        print("not ok - %s (%s: fewer than %d, the logs were not found)" % (what, counts, minimum))
        return 1
    print("ok - %s (%s)" % (what, counts))
    return 0


def main(argv):
    if len(argv) == 7 and argv[1] == "--suite":
        return suite(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), argv[6])
    if len(argv) >= 3 and not argv[1].startswith("-"):
        return check_files(argv[1], argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
