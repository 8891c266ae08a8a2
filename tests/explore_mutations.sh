#!/bin/sh
# Mutation tests for the checkers, through `splitbrain explore`: each unsafe
# setting must be caught within a few hundred seeds, and each safe setting
# must break nothing it promises over several thousand.
#
#   tests/explore_mutations.sh BUILD/splitbrain [SAFE_SEEDS]
#
# Prints a line per case and "explore mutations: N passed, M failed".
set -u
bin=${1:?usage: explore_mutations.sh SPLITBRAIN [SAFE_SEEDS]}
safe_seeds=${2:-3000}
unsafe_seeds=300
faults=kill,restart,pause,partition,cut,drop,dup,skew,drift
pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# count ROW: the "broken" count of a guarantee row in the last table.
count() {
    awk -v row="$1" 'index($0, row) == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }' "$out"
}

# unsafe NAME ROW explore-args...: the row must show at least one broken seed.
unsafe() {
    name=$1 row=$2
    shift 2
    "$bin" explore --seeds $unsafe_seeds --keep 0 --jobs 2 --faults $faults "$@" >"$out" 2>&1
    n=$(count "$row")
    if [ "${n:-0}" -gt 0 ]; then
        echo "ok   unsafe $name: $row broken in $n of $unsafe_seeds seeds"
        pass=$((pass + 1))
    else
        echo "FAIL unsafe $name: explore found no '$row' violation in $unsafe_seeds seeds"
        sed 's/^/    /' "$out"
        fail=$((fail + 1))
    fi
}

# safe NAME "ROW;ROW..." explore-args...: every listed row must be 0, and every seed must
# run to its end (an invariant that aborts a run stops explore with status 2).
safe() {
    name=$1 rows=$2
    shift 2
    bad=""
    "$bin" explore --seeds "$safe_seeds" --keep 0 --jobs 2 --faults $faults "$@" >"$out" 2>&1 ||
        bad=" explore-exit=$?"
    old_ifs=$IFS
    IFS=';'
    for row in $rows; do
        n=$(count "$row")
        [ "${n:-x}" = 0 ] || bad="$bad $row=${n:-missing}"
    done
    IFS=$old_ifs
    if [ -z "$bad" ]; then
        echo "ok   safe $name: nothing broken in $safe_seeds seeds"
        pass=$((pass + 1))
    else
        echo "FAIL safe $name:$bad"
        sed 's/^/    /' "$out"
        fail=$((fail + 1))
    fi
}

all="linearizability;lost acknowledged writes;split brain (one epoch);session guarantees;convergence"

unsafe "leader acks=1 with failover" "lost acknowledged writes" --model leader --set acks=1
unsafe "leader naive election" "split brain (one epoch)" --model leader --set acks=all --set min_insync=3 --set election=naive
unsafe "multi lww with skewed clocks" "lost acknowledged writes" --model multi --set resolve=lww
unsafe "leaderless W+R<=N" "linearizability" --model leaderless --set w=1 --set r=1 --set resolve=lww
unsafe "leaderless sloppy quorum" "session guarantees" --model leaderless --set sloppy=on --set read_repair=sync --set anti_entropy=300ms

safe "leader acks=all, min_insync=3, lease" "$all" --model leader --set acks=all --set min_insync=3 --set lease=500ms
# Pauses and partitions aimed at whoever leads (a GC-paused or cut-off leader) on the safe settings.
safe "leader acks=all, min_insync=3, lease, faults on the leader" "$all" --model leader --faults pause,partition --leader-faults 70 --set acks=all --set min_insync=3 --set lease=500ms
safe "leader acks=majority, lease, faults on the leader" "$all" --model leader --faults pause,partition --leader-faults 70 --set acks=majority --set lease=500ms
safe "multi siblings" "lost acknowledged writes;convergence" --model multi --set resolve=siblings
safe "leaderless W=R=2, read repair, anti-entropy" "$all" --model leaderless --set w=2 --set r=2 --set read_repair=sync --set anti_entropy=300ms
# Last write wins is a linearizable register only while the clocks agree: no skew, no drift.
faults=kill,restart,pause,partition,cut,drop,dup
safe "leaderless lww, W=R=2, sync repair, no clock faults" "linearizability" --model leaderless --set resolve=lww --set w=2 --set r=2 --set read_repair=sync --set anti_entropy=300ms

echo "explore mutations: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
