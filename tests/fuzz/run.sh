#!/bin/sh
# Runs the fuzz targets.
#   tests/fuzz/run.sh DIR SECONDS   each DIR/fuzz_TARGET (libFuzzer) for SECONDS, its corpus
#                                   seeded from the shipped files; prints the executions run
#                                   and exits 1 when a target crashed (the input is kept in
#                                   DIR/crashes/)
#   tests/fuzz/run.sh --replay DIR  each DIR/replay_TARGET over the seeds and every kept crash
#                                   in tests/fuzz/regress/TARGET/ (the regression tests)
set -u
replay=0
if [ "${1:-}" = --replay ]; then
    replay=1
    shift
fi
dir=${1:?usage: run.sh [--replay] DIR [SECONDS]}
secs=${2:-60}
fail=0

seeds() { # TARGET: the shipped files that seed it
    case $1 in
    script | run) ls assets/scenarios/*.scn assets/scenarios/*/*.scn assets/demos/*.demo \
        tests/scenarios/*.scn tests/scenarios/*/*.scn 2>/dev/null ;;
    lesson) ls assets/lessons/*.lesson tests/lessons/*.lesson 2>/dev/null ;;
    config) ls tests/fuzz/seeds/config/* ;;
    progress) ls tests/fuzz/seeds/progress/* ;;
    esac
    ls tests/fuzz/regress/"$1"/* 2>/dev/null
}

for t in script lesson run config progress; do
    if [ $replay -eq 1 ]; then
        # shellcheck disable=SC2046
        "$dir/replay_$t" $(seeds $t) >/dev/null || { echo "FAIL fuzz regression: $t"; fail=1; }
        continue
    fi
    corpus=$dir/corpus/$t
    mkdir -p "$corpus" "$dir/crashes"
    # shellcheck disable=SC2046
    cp $(seeds $t) "$corpus"/ 2>/dev/null
    "$dir/fuzz_$t" -dict=tests/fuzz/splitbrain.dict -max_total_time="$secs" -max_len=8192 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$dir/crashes/$t-" "$corpus" \
        >"$dir/$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$t.log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        echo "fuzz $t: ${execs:-?} executions in ${secs}s, no crash"
    else
        echo "FAIL fuzz $t: exit $rc after ${execs:-?} executions; see $dir/$t.log and $dir/crashes/"
        grep -m 3 -E 'ERROR|SUMMARY|Test unit written' "$dir/$t.log"
        fail=1
    fi
done
[ $replay -eq 1 ] && [ $fail -eq 0 ] && echo "fuzz regressions: every target, seeds and kept crashes, no crash"
exit $fail
