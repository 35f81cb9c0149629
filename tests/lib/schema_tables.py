#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The JSON Schemas' enums, made from the C tables they describe.

    schema_tables.py SOCKAUDIT check   exit 1, naming each difference, when a
                                       schema is not what `write` makes
    schema_tables.py SOCKAUDIT write   rewrite both schemas so

evlog/event.schema.json and policy/policy.schema.json are written by hand,
except their $defs whose "$comment" says they are generated: those this
script makes from `SOCKAUDIT names` (families, types, flags, protocols by
family, errnos, hows, events) and from the C sources that hold the other
words (evlog/schema.h: decision, layer; policy/names.c: mode; evlog/event.c:
malformed, unknown, gai_error; calls/calls.def: call by event;
policy/parse.c: action, io_uring).  An event writes a value's canonical name,
or its number as a string when it has none; a policy accepts every name,
aliases too.  `check` also compares the keys each schema knows with the keys
the C code writes (event.c) and reads (parse.c), which are written by hand.
Both files are kept as json.dumps(indent=2) writes them, so that a check is
a comparison of bytes.  SCHEMA_TABLES_ROOT, when set, names the tree to read
instead of this one (schema.bats spoils a copy to see a difference found).
"""
import json
import os
import re
import socket
import subprocess
import sys

# The tree whose schemas and sources are read: this one, or (for the test
# that shows a difference is found) the one SCHEMA_TABLES_ROOT names.
ROOT = os.environ.get("SCHEMA_TABLES_ROOT") or \
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EVENT_SCHEMA = "evlog/event.schema.json"
POLICY_SCHEMA = "policy/policy.schema.json"
NUMBER = "^-?[0-9]+$"


def source(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def block(text, start, end):
    """The text from START to the first END after it."""
    i = text.index(start)
    return text[i:text.index(end, i)]


class Table:
    def __init__(self):
        self.canon = []         # (name, value) of the canonical names
        self.aliases = []       # (name, value) of the names that share a
                                # canonical name's value

    def names(self):
        return [n for n, _ in self.canon]

    def all_names(self):
        return self.names() + [n for n, _ in self.aliases]

    def values(self):
        return [v for _, v in self.canon]


def names_table(sockaudit, table):
    """`sockaudit names TABLE` as a Table, and the families of each
    protocol (their third column) for protocols."""
    out = subprocess.run([sockaudit, "names", table], check=True, capture_output=True,
                         text=True).stdout
    t, families = Table(), {}
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        if re.search(r"alias of \S+$", line):
            t.aliases.append((f[0], int(f[1])))
        else:
            t.canon.append((f[0], int(f[1])))
        if table == "protocols":
            families[f[0]] = f[2].split(",")
    return t, families


def tables(sockaudit):
    t = {}
    for name in ("families", "types", "flags", "errnos", "hows", "events"):
        t[name] = names_table(sockaudit, name)[0]
    protos, fams = names_table(sockaudit, "protocols")
    # one table per family set, in the order sockaudit lists them
    by_families = {}
    for n, v in protos.canon:
        by_families.setdefault(tuple(fams[n]), Table()).canon.append((n, v))
    for n, v in protos.aliases:
        by_families[tuple(fams[n])].aliases.append((n, v))
    t["protocols"] = protos
    t["protocol_tables"] = by_families

    schema_h = source("evlog/schema.h")
    t["decision"] = re.findall(r'X\(\w+, "(\w+)"\)',
                               block(schema_h, "#define EVENT_DECISIONS", "#define EVENT_LAYERS"))
    t["layer"] = re.findall(r'X\(\w+, "(\w+)"\)',
                            block(schema_h, "#define EVENT_LAYERS", "#define EVENT_ENUM_"))
    t["mode"] = re.findall(r'= "(\w+)"', block(source("policy/names.c"), "mode_words[]", "};"))
    event_c = source("evlog/event.c")
    t["malformed"] = re.findall(r'= "(\w+)"', block(event_c, "malformed_words[]", "};"))
    t["unknown"] = re.findall(r'"\\"(\w+)\\""', block(event_c, "put_unknown(", "bool first"))
    t["gai"] = re.findall(r'"(EAI_\w+)"', block(event_c, "gai_name(", "for (size_t"))
    words = dict((ev, w) for w, ev in
                 re.findall(r'\{ "([\w.]+)", (POLICY_EV_\w+) \}',
                            block(source("policy/names.c"), "events[]", "};")))
    t["calls"] = {}
    for call, ev in re.findall(r"^CALL\(\w+,\s*(\w+),\s*(POLICY_EV_\w+),",
                               source("calls/calls.def"), re.M):
        t["calls"].setdefault(words[ev], []).append(call)
    parse_c = source("policy/parse.c")
    t["action"] = re.findall(r'= "(\w+)"', block(parse_c, "action_words[]", "};"))
    t["io_uring"] = re.findall(r'"(\w+)"', block(parse_c, "io_uring_words[]", ";"))
    for kind, start in (("rule_keys", "rule_keys[RK_COUNT + 1]"),
                        ("top_keys", "top_keys[TK_COUNT + 1]"),
                        ("default_keys", "default_keys[DK_COUNT + 1]")):
        t[kind] = re.findall(r'= "(\w+)"', block(parse_c, start, "};"))
    # The keys event.c writes: "\"key\":" in its literals, and the loss
    # record's one per layer.
    keys = set(re.findall(r'\\"([a-z_]+)\\":', event_c)) - {"lost_"}
    keys |= {"lost_" + w for w in t["layer"]}
    # The seal is appended by seal.c (seal.h's SEAL_SUFFIX).
    keys |= set(re.findall(r'\\"([a-z_]+)\\":', source("evlog/seal.h")))
    t["event_keys"] = keys
    return t


def generated(comment, schema):
    return dict([("$comment", "generated by tests/lib/schema_tables.py from " + comment +
                  ": do not edit")] + list(schema.items()))


def unnamed(values):
    """A number as a string that is not the value of a name."""
    return {"type": "string", "pattern": NUMBER,
            "not": {"enum": sorted({str(v) for v in values}, key=int)}}


def word(table):
    """An event's word for a value: its canonical name, or the number of a
    value without one."""
    return {"anyOf": [{"enum": table.names()}, unnamed(table.values())]}


def event_defs(t):
    d = {}
    src = "`sockaudit names %s`"
    d["event_word"] = generated(src % "events", {"enum": t["events"].names()})
    d["family_word"] = generated(src % "families", word(t["families"]))
    d["type_word"] = generated(src % "types", word(t["types"]))
    d["flag_word"] = generated(src % "flags", {"enum": t["flags"].names()})
    d["errno_word"] = generated(src % "errnos", word(t["errnos"]))
    d["how_word"] = generated(src % "hows", word(t["hows"]))
    gai = Table()
    gai.canon = [(n, getattr(socket, n)) for n in t["gai"]]
    d["gai_word"] = generated("evlog/event.c (gai_name)", word(gai))
    for key, src_ in (("decision", "evlog/schema.h"), ("layer", "evlog/schema.h"),
                      ("mode", "policy/names.c"), ("malformed", "evlog/event.c"),
                      ("unknown", "evlog/event.c")):
        d[key + "_word"] = generated(src_, {"enum": t[key]})
    # protocol: the name in the family's table, else a number
    rules, with_table = [], []
    for fams, table in t["protocol_tables"].items():
        with_table += fams
        rules.append({"if": {"required": ["family"],
                             "properties": {"family": {"enum": list(fams)}}},
                      "then": {"properties": {"protocol": word(table)}}})
    rules.append({"if": {"required": ["family"],
                         "properties": {"family": {"type": "string",
                                                   "not": {"enum": with_table}}}},
                  "then": {"properties": {"protocol": {"type": "string", "pattern": NUMBER}}}})
    d["protocol_of_family"] = generated(src % "protocols", {"allOf": rules})
    rules = [{"if": {"required": ["event"], "properties": {"event": {"const": ev}}},
              "then": {"properties": {"call": {"enum": calls}}}}
             for ev, calls in t["calls"].items()]
    d["call_of_event"] = generated("calls/calls.def", {"allOf": rules})
    return d


def family_forms(t, fams):
    """Every way a policy may name one of FAMS: a name, an alias, its
    number, or its number as a string (leading zeros allowed)."""
    values = dict(t["families"].canon)
    nums = sorted({values[f] for f in fams})
    names = [n for n, v in t["families"].canon + t["families"].aliases if v in nums]
    return {"anyOf": [{"enum": names}, {"enum": nums},
                      {"type": "string",
                       "pattern": "^0*(%s)$" % "|".join(str(n) for n in nums)}]}


def policy_defs(t):
    d = {}
    src = "`sockaudit names %s`"
    for key, table in (("event_name", "events"), ("family_name", "families"),
                       ("type_name", "types"), ("protocol_name", "protocols"),
                       ("errno_name", "errnos"), ("how_name", "hows")):
        d[key] = generated(src % table, {"enum": t[table].all_names()})
    d["action_word"] = generated("policy/parse.c", {"enum": t["action"]})
    d["mode_word"] = generated("policy/names.c", {"enum": t["mode"]})
    d["io_uring_word"] = generated("policy/parse.c", {"enum": t["io_uring"]})
    # A protocol given by name must be one of a family of the rule's.
    rules = []
    for fams, table in t["protocol_tables"].items():
        names = {"enum": table.all_names()}
        forms = family_forms(t, fams)
        rules.append({"if": {"required": ["protocol", "family"],
                             "properties": {"protocol": {"anyOf": [
                                 names, {"type": "array", "contains": names}]}}},
                      "then": {"properties": {"family": {"anyOf": [
                          forms, {"type": "array", "contains": forms}]}}}})
    d["protocol_of_family"] = generated(src % "protocols", {"allOf": rules})
    return d


def made(schema, defs):
    """SCHEMA with its generated $defs replaced by DEFS: the text to keep."""
    for key, value in defs.items():
        if key not in schema["$defs"]:
            raise SystemExit("%s: no $defs/%s to generate" % (schema.get("title"), key))
        schema["$defs"][key] = value
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def properties(schema, *defs):
    keys = set()
    for d in defs:
        keys |= set(schema["$defs"][d]["properties"])
    return keys


def key_problems(t, event_schema, policy_schema):
    problems = []

    def compare(what, schema_keys, c_keys, c_file):
        for k in sorted(set(c_keys) - set(schema_keys)):
            problems.append("%s: '%s' is in %s but not in the schema" % (what, k, c_file))
        for k in sorted(set(schema_keys) - set(c_keys)):
            problems.append("%s: '%s' is in the schema but not in %s" % (what, k, c_file))

    compare(EVENT_SCHEMA, properties(event_schema, "event", "seal", "loss"),
            t["event_keys"], "evlog/event.c")
    compare(POLICY_SCHEMA + " rule", policy_schema["$defs"]["rule"]["properties"],
            t["rule_keys"], "policy/parse.c")
    compare(POLICY_SCHEMA + " default", policy_schema["$defs"]["default"]["properties"],
            t["default_keys"], "policy/parse.c")
    compare(POLICY_SCHEMA + " policy", policy_schema["properties"], t["top_keys"],
            "policy/parse.c")
    return problems


def main(argv):
    if len(argv) != 3 or argv[2] not in ("check", "write"):
        sys.stderr.write(__doc__)
        return 2
    t = tables(argv[1])
    status = 0
    texts = {}
    for path, defs in ((EVENT_SCHEMA, event_defs(t)), (POLICY_SCHEMA, policy_defs(t))):
        with open(os.path.join(ROOT, path)) as f:
            old = f.read()
        texts[path] = json.loads(old)
        new = made(json.loads(old), defs)
        if new == old:
            continue
        if argv[2] == "write":
            with open(os.path.join(ROOT, path), "w") as f:
                f.write(new)
            print("wrote " + path)
            continue
        status = 1
        was = json.loads(old)["$defs"]
        for key in defs:
            if was.get(key) != defs[key]:
                print("%s: $defs/%s is not what the C tables make "
                      "(tests/lib/schema_tables.py SOCKAUDIT write)" % (path, key))
        if json.loads(new) == json.loads(old):
            print("%s: not in the form json.dumps(indent=2) writes "
                  "(tests/lib/schema_tables.py SOCKAUDIT write)" % path)
    for p in key_problems(t, texts[EVENT_SCHEMA], texts[POLICY_SCHEMA]):
        print(p)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
