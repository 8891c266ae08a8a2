#!/bin/sh
# The export formats, checked the way their consumers read them:
#   shiviz: every event is two lines that ShiViz's default log regex
#           (?<host>\S*) (?<clock>{.*})\n(?<event>.*) matches, the clock a JSON
#           object mapping hosts to counters that includes the event's own host;
#   svg:    well-formed XML with one lane (a labelled vertical line) per node;
#   jsonl:  one JSON object per line, the same as run --trace.
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

echo "exports: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
