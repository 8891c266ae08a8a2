#!/bin/sh
# Determinism across changes: every shipped scenario and demo is run and the
# SHA-256 of its JSON Lines trace, of its printed summary (ops, replica
# states, checker verdicts; from a run with no trace reader) and its exit status are compared with
# tests/trace_hashes.txt. Explore's seed-for-seed results (the guarantee
# table and the scenario of every failing seed, with what broke in it) are
# hashed too, per model. A change that shifts one byte of any of them fails
# here; a change that means to (a model that now behaves differently)
# regenerates the file on purpose with `make trace-hashes` and the diff shows
# which runs moved.
#
#   tests/trace_hashes.sh BINARY           compare
#   tests/trace_hashes.sh BINARY --update  rewrite tests/trace_hashes.txt
set -u
bin=${1:?usage: trace_hashes.sh BINARY [--update]}
mode=${2:-check}
store=tests/trace_hashes.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sha() { sha256sum "$1" | cut -c1-64; }

for f in tests/scenarios/*.scn tests/scenarios/fail/*.scn assets/scenarios/*.scn \
    assets/scenarios/*/*.scn assets/demos/*.demo; do
    [ -e "$f" ] || continue
    # The trace with a reader; the summary without one (no ring, no text): both must hold.
    "$bin" run --trace "$tmp/trace" "$f" >/dev/null 2>&1
    "$bin" run "$f" >"$tmp/out" 2>&1
    rc=$?
    echo "$f $rc $(sha "$tmp/trace") $(sha "$tmp/out")"
done >"$tmp/now"

for m in leader multi leaderless; do
    mkdir -p "$tmp/ex-$m"
    # One job, so the hash does not depend on the machine's core count.
    "$bin" explore --model "$m" --seeds 300 --jobs 1 --keep 1000 --out "$tmp/ex-$m" \
        >"$tmp/ex-$m.out" 2>&1
    rc=$?
    grep -v 'seeds/s' "$tmp/ex-$m.out" | grep -v '^wrote ' >"$tmp/ex-$m.table"
    cat "$tmp/ex-$m.table" $(ls "$tmp/ex-$m"/*.scn 2>/dev/null | sort -V) >"$tmp/ex-$m.all"
    echo "explore:$m $rc $(sha "$tmp/ex-$m.all") $(ls "$tmp/ex-$m" | wc -l)"
done >>"$tmp/now"

if [ "$mode" = --update ]; then
    cp "$tmp/now" "$store"
    echo "trace hashes: wrote $store ($(wc -l <"$store") runs)"
    exit 0
fi
if [ ! -f "$store" ]; then
    echo "trace hashes: $store is missing (make trace-hashes writes it)"
    exit 1
fi
if ! diff -u "$store" "$tmp/now" >"$tmp/diff"; then
    echo "trace hashes: these runs changed (if on purpose: make trace-hashes, and review the diff)"
    grep '^[-+][^-+]' "$tmp/diff"
    exit 1
fi
echo "trace hashes: $(wc -l <"$store") runs byte-identical"
