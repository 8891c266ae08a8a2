#!/bin/sh
# goals: each performance goal's figure beside its target, medians of 5 runs
# (CPU time: the machine is shared), then the instruction counts callgrind
# measures for the echo and leader workloads (exact, unlike the timings).
#
#   tests/bench/goals.sh BUILD_DIR SPLITBRAIN
set -u
b=${1:?usage: goals.sh BUILD_DIR SPLITBRAIN}
bin=${2:?usage: goals.sh BUILD_DIR SPLITBRAIN}
runs=5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
med() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "== goals (medians of $runs runs, CPU time)"

# 1. The engine against the bare binary-heap loop of the same echo workload.
bare=$("$b/bench/bench_bare" --runs $runs | sed 's/.* events, \([0-9]*\) events per CPU second.*/\1/')
eng=$("$b/bench/bench_core" --nodes 5 --runs $runs | tail -n 1 | awk '{ print $8 }')
awk -v e="$eng" -v l="$bare" 'BEGIN {
    printf "1. engine, echo at 5 nodes      %10.0f events/s, bare heap loop %.0f: %.1f%% of the limit (target >= 25%%)\n", e, l, 100 * e / l }'

# 2. The leader model at RaftScope's work.
"$b/bench/bench_leader" --runs $runs >"$tmp/leader"
awk '/node-to-node messages per CPU second/ { m = $6 } /simulated seconds per CPU second/ { x = $6 }
     END { printf "2. leader, 5 nodes, 100 ops/s   %10.0f node-to-node msgs/s (target >= 1300000), %.0fx real time (target >= 4500)\n", m, x }' "$tmp/leader"

# 3. Explore, one core.
for m in leader multi leaderless; do
    for i in $(seq $runs); do
        "$bin" explore --model "$m" --seeds 500 --jobs 1 --keep 0 | tail -n 1 |
            sed 's/.*; \([0-9]*\)x real time per core.*/\1/'
    done | med >"$tmp/x"
    printf '3. explore %-11s           %10sx real time per core, 5 nodes x 100 ops (target >= 10000)\n' "$m" "$(cat "$tmp/x")"
done

# 4. The checkers.
"$b/bench/bench_checkers" --runs $runs | sed 's/^/4. /'

# 5. The sandbox at 10x, its checkers live (three runs: each fills the history).
"$b/bench/bench_live" --runs 3 | sed 's/^/5. /'

echo "== instructions (callgrind)"
if command -v valgrind >/dev/null 2>&1; then
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.bare" "$b/bench/bench_bare" --ops 5000 --runs 1 \
        >"$tmp/bare.out" 2>"$tmp/bare.err"
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.echo" "$b/bench/bench_core" --nodes 5 \
        --ops 5000 --runs 1 >"$tmp/echo.out" 2>"$tmp/echo.err"
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.leader" "$b/bench/bench_leader" --runs 1 \
        >"$tmp/leader.out" 2>"$tmp/leader.err"
    ir() { sed -n 's/.*refs: *\([0-9,]*\).*/\1/p' "$1" | tr -d ,; }
    ev_bare=$(sed 's/.*writes, \([0-9]*\) events.*/\1/' "$tmp/bare.out")
    ev_echo=$(tail -n 1 "$tmp/echo.out" | awk '{ print $5 }')
    msg_echo=$(tail -n 1 "$tmp/echo.out" | awk '{ print $6 }')
    ev_leader=$(sed -n 's/.* messages, \([0-9]*\) events per run/\1/p' "$tmp/leader.out")
    msg_leader=$(sed -n 's/.* ops, \([0-9]*\) node-to-node.*/\1/p' "$tmp/leader.out")
    awk -v i="$(ir "$tmp/bare.err")" -v e="$ev_bare" 'BEGIN {
        printf "   bare heap loop, echo 5 nodes x 5000 writes  %11d instructions, %5.0f per event\n", i, i / e }'
    awk -v i="$(ir "$tmp/echo.err")" -v e="$ev_echo" -v m="$msg_echo" 'BEGIN {
        printf "   engine, echo 5 nodes x 5000 writes          %11d instructions, %5.0f per event, %5.0f per delivered message\n", i, i / e, i / m }'
    awk -v i="$(ir "$tmp/leader.err")" -v e="$ev_leader" -v m="$msg_leader" 'BEGIN {
        printf "   engine, leader 5 nodes, 100 ops/s, 60 s     %11d instructions, %5.0f per event, %5.0f per node-to-node message\n", i, i / e, i / m }'
else
    echo "   valgrind not installed: skipped"
fi
