#!/bin/sh
# The export formats, checked the way their consumers read them:
#   shiviz: every event is two lines that ShiViz's default log regex
#           (?<host>\S*) (?<clock>{.*})\n(?<event>.*) matches, the clock a JSON
#           object mapping hosts to counters that includes the event's own host;
#   svg:    well-formed XML with one lane (a labelled vertical line) per node;
#   jsonl:  one JSON object per line, the same as run --trace; every line of
#           the trace of every shipped and test scenario, and of one whose
#           notes hold bytes that are not UTF-8 and text cut mid-character,
#           is strict UTF-8 and strict JSON, and op events carry process, f,
#           key, value, invoke (and result ok/fail/info, complete);
#   jepsen: an EDN history Knossos-style checkers accept: every invoke
#           completed once, processes single-threaded, a process that ended
#           in :info never used again, indexes in order, times not going back.
# Prints "exports: N passed, M failed".
set -u
bin=${1:?usage: export_check.sh SPLITBRAIN}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scn=assets/demos/02-split-brain.demo

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

"$bin" export "$scn" --format shiviz --out "$tmp/s.log" && python3 - "$tmp/s.log" <<'PY' && ok "shiviz log matches the default regex and clock format" || bad "shiviz"
import json, re, sys
text = open(sys.argv[1]).read()
lines = [l for l in text.split("\n") if l and not l.startswith("#")]
assert len(lines) >= 20 and len(lines) % 2 == 0, len(lines)
rx = re.compile(r"(?P<host>\S*) (?P<clock>{.*})\n(?P<event>.*)")
for i in range(0, len(lines), 2):
    m = rx.fullmatch(lines[i] + "\n" + lines[i + 1])
    assert m, lines[i]
    clock = json.loads(m.group("clock"))
    assert all(isinstance(v, int) and v > 0 for v in clock.values()), clock
    assert m.group("host") in clock, (m.group("host"), clock)
PY

"$bin" export "$scn" --format svg --out "$tmp/d.svg" && python3 - "$tmp/d.svg" <<'PY' && ok "svg is well-formed XML with one lane per node" || bad "svg"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
labels = [t.text for t in root.iter(ns + "text") if t.text in ("n1", "n2", "n3")]
assert sorted(labels) == ["n1", "n2", "n3"], labels
PY

"$bin" export "$scn" --format jsonl --out "$tmp/t.jsonl" && "$bin" run "$scn" --trace "$tmp/r.jsonl" >/dev/null &&
    python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/t.jsonl" &&
    cmp -s "$tmp/t.jsonl" "$tmp/r.jsonl" && ok "jsonl export is the run's trace" || bad "jsonl"

# Strict UTF-8 and strict JSON, line by line, over many traces.
printf 'model echo\nnodes 2\nnote caf\351 \377\200 ok "q" \\\\ end\nnote %s\nw1: put x 1\nrun 1s\n' \
    "$(python3 -c 'print("\u00e9" * 80)')" >"$tmp/bytes.scn"
n=0
for f in "$tmp/bytes.scn" tests/scenarios/*.scn assets/scenarios/*.scn assets/scenarios/*/*.scn assets/demos/*.demo; do
    [ -e "$f" ] || continue
    "$bin" run "$f" --quiet --trace "$tmp/trace$n.jsonl" >/dev/null 2>&1
    n=$((n + 1))
done
python3 - "$tmp"/trace*.jsonl <<'PY' && ok "every JSONL line of $n traces is strict UTF-8 JSON; op events are structured" || bad "jsonl strict"
import json, sys
def no_constants(x):
    raise ValueError("not JSON: " + x)
ops = 0
for path in sys.argv[1:]:
    for no, raw in enumerate(open(path, "rb"), 1):
        line = raw.decode("utf-8")  # strict: raises on any invalid byte
        assert line.endswith("\n"), (path, no)
        ev = json.loads(line, parse_constant=no_constants)
        assert isinstance(ev, dict) and isinstance(ev["t"], int) and "ev" in ev, (path, no)
        if ev["ev"] in ("op_start", "op_end"):
            ops += 1
            for k in ("process", "f", "key", "value", "invoke"):
                assert k in ev, (path, no, k)
            assert ev["f"] in ("put", "get", "del", "incr", "add", "remove"), ev
            if ev["ev"] == "op_end":
                assert ev["result"] in ("ok", "fail", "info"), ev
                assert ev["complete"] >= ev["invoke"], ev
    if path.endswith("trace0.jsonl"):
        text = open(path, encoding="utf-8").read()
        assert "caf\\\\xE9 \\\\xFF\\\\x80" in text, "invalid bytes are escaped"
assert ops > 100, ops
PY

# Jepsen's EDN history, read back by a small EDN reader and checked as Knossos would.
"$bin" export "$scn" --format jepsen --out "$tmp/h.edn" &&
    "$bin" export leader/acks_one_loss --format jepsen >"$tmp/h2.edn" &&
    "$bin" export leaderless/sloppy_quorum --format jepsen >"$tmp/h3.edn" &&
    python3 - "$tmp/h.edn" "$tmp/h2.edn" "$tmp/h3.edn" <<'PY' && ok "jepsen EDN history is well-formed and single-threaded per process" || bad "jepsen"
import re, sys
TOK = re.compile(r'\s*(?:,\s*)*(\{|\}|\[|\]|"(?:[^"\\]|\\.)*"|:[\w\-?!]+|-?\d+|nil|true|false)')
def parse(s):
    toks, pos = [], 0
    while pos < len(s.rstrip()):
        m = TOK.match(s, pos)
        assert m, "bad EDN at %r" % s[pos:pos + 20]
        toks.append(m.group(1)); pos = m.end()
    def val(i):
        t = toks[i]
        if t == "{":
            d, i = {}, i + 1
            while toks[i] != "}":
                k, i = val(i); v, i = val(i); d[k] = v
            return d, i + 1
        if t == "[":
            l, i = [], i + 1
            while toks[i] != "]":
                v, i = val(i); l.append(v)
            return l, i + 1
        if t.startswith('"'): return t[1:-1], i + 1
        if t == "nil": return None, i + 1
        if t.startswith(":"): return t, i + 1
        return int(t), i + 1
    v, i = val(0)
    assert i == len(toks)
    return v
for path in sys.argv[1:]:
    busy, crashed, last_t, n = {}, set(), 0, 0
    for idx, line in enumerate(open(path, encoding="utf-8")):
        op = parse(line)
        assert op[":index"] == idx and op[":time"] >= last_t, op
        last_t = op[":time"]
        p = op[":process"]
        assert op[":f"] in (":read", ":write", ":add", ":remove"), op
        assert isinstance(op[":value"], list) and len(op[":value"]) == 2, op
        if op[":type"] == ":invoke":
            assert p not in busy and p not in crashed, ("process reused", op)
            busy[p] = op[":f"]
            n += 1
        else:
            assert op[":type"] in (":ok", ":fail", ":info") and busy.pop(p) == op[":f"], op
            if op[":type"] == ":info":
                crashed.add(p)
    assert not busy and n > 0, (path, busy, n)
PY

echo "exports: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
