#!/bin/sh
# Runs every scenario test with the given binary and checks its exit status:
#   tests/scenarios/*.scn          must exit 0 (every expect holds)
#   tests/scenarios/fail/*.scn     must exit 1 (an expect fails), with the
#                                  message in the matching .out file
#   tests/scenarios/bad/*.scn      must exit 2 (bad input), with the exact
#                                  error line in the matching .err file
#   assets/scenarios/compare/*.scn, tests/scenarios/compare/*.scn, and the demos
#                                  with no model line: the same, with `splitbrain
#                                  compare` (every model; fail/ and bad/ as above)
#   tests/lessons/*.lesson, assets/lessons/*.lesson: `splitbrain lint` proves
#                                  each completable, its decoys harmless, and
#                                  warns of no value a run could contradict
# Prints "scenarios: N passed, M failed" and exits 1 when any failed.
set -u
bin=${1:?usage: run_scenarios.sh BINARY}
pass=0
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

check() { # file expected-status expected-output-file [sub-command]
    f=$1 want=$2 msgfile=$3 sub=${4:-run}
    "$bin" "$sub" --quiet "$f" >"$tmp" 2>&1
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $f: exit $got, expected $want"
        sed 's/^/    /' "$tmp" | head -20
        fail=$((fail + 1))
        return
    fi
    if [ -n "$msgfile" ]; then
        if [ ! -f "$msgfile" ]; then
            echo "FAIL $f: missing $msgfile"
            fail=$((fail + 1))
            return
        fi
        while IFS= read -r line; do
            if ! grep -qF -- "$line" "$tmp"; then
                echo "FAIL $f: output lacks: $line"
                sed 's/^/    /' "$tmp" | head -20
                fail=$((fail + 1))
                return
            fi
        done <"$msgfile"
    fi
    pass=$((pass + 1))
}

for f in tests/scenarios/*.scn assets/scenarios/*.scn assets/scenarios/*/*.scn assets/demos/*.demo; do
    [ -e "$f" ] && check "$f" 0 ""
done
for f in tests/scenarios/fail/*.scn; do
    [ -e "$f" ] && check "$f" 1 "${f%.scn}.out"
done
for f in tests/scenarios/bad/*.scn; do
    [ -e "$f" ] && check "$f" 2 "${f%.scn}.err"
done
for f in assets/scenarios/compare/*.scn tests/scenarios/compare/*.scn; do
    [ -e "$f" ] && check "$f" 0 "" compare
done
# A demo with no model line is a comparison demo: every model must hold its expects too.
for f in assets/demos/*.demo; do
    [ -e "$f" ] && ! grep -q '^model ' "$f" && check "$f" 0 "" compare
done
for f in tests/scenarios/compare/fail/*.scn; do
    [ -e "$f" ] && check "$f" 1 "${f%.scn}.out" compare
done
for f in tests/scenarios/compare/bad/*.scn; do
    [ -e "$f" ] && check "$f" 2 "${f%.scn}.err" compare
done
# Every lesson must parse and be completable by its own actions.
for f in tests/lessons/*.lesson assets/lessons/*.lesson; do
    [ -e "$f" ] || continue
    # A warning (a literal value in a success text that a run could contradict) fails too.
    if "$bin" lint "$f" >"$tmp" 2>&1 && ! grep -q 'warning:' "$tmp"; then
        pass=$((pass + 1))
    else
        echo "FAIL $f:"
        sed 's/^/    /' "$tmp" | head -20
        fail=$((fail + 1))
    fi
done
echo "scenarios: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
