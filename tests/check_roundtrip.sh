#!/bin/sh
# splitbrain check against the run summary's own linearizability verdict: every
# shipped scenario is run headless and exported as JSON Lines; check must find a
# key not linearizable (exit 1) exactly when the summary says NO, and nothing
# wrong (exit 0, or 3 when only keys it cannot check remain) when it says yes.
#
#   tests/check_roundtrip.sh BUILD/splitbrain
BIN=${1:-./splitbrain}
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
fail=0
n=0
for f in assets/scenarios/*/*.scn assets/scenarios/*.scn; do
    [ -f "$f" ] || continue
    summary=$("$BIN" run "$f" 2>/dev/null | grep -E '^ *linearizable ' | head -n 1)
    [ -n "$summary" ] || continue
    "$BIN" export "$f" --format jsonl > "$TMP/t.jsonl" 2>/dev/null || continue
    "$BIN" check "$TMP/t.jsonl" > "$TMP/out" 2>&1
    rc=$?
    n=$((n + 1))
    case "$summary" in
    *' NO'*) want=1 ;;
    *) want=0 ;;
    esac
    if [ $want -eq 1 ] && [ $rc -ne 1 ]; then
        echo "FAIL $f: the summary says $summary; check exits $rc"; fail=1
    elif [ $want -eq 0 ] && [ $rc -ne 0 ] && ! { [ $rc -eq 3 ] && grep -q 'verdict: unknown (.* 0 unknown, [1-9]' "$TMP/out"; }; then
        echo "FAIL $f: the summary says $summary; check exits $rc"; sed 's/^/    /' "$TMP/out"; fail=1
    fi
done
[ $n -gt 0 ] || { echo "FAIL: no scenario had a linearizability verdict"; fail=1; }
[ $fail -eq 0 ] && echo "check_roundtrip: $n scenarios, check agrees with the run summary"
exit $fail
