#!/bin/sh
# Explore reuses one cluster per worker from seed to seed. Reuse must change
# nothing: for each model and its safe settings, the guarantee table of a run
# of N seeds in one worker must equal the sum of N runs of one seed each,
# every one on a fresh cluster. (A field a reset forgot -- a client's causal
# context, say -- shows up here as a seed that breaks only after another.)
#
#   tests/explore_reuse.sh BINARY [SEEDS]
set -u
bin=${1:?usage: explore_reuse.sh BINARY [SEEDS]}
seeds=${2:-40}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

run_case() { # $1 label, then explore's arguments
    label=$1
    shift
    "$bin" explore "$@" --seeds "$seeds" --jobs 1 --keep 0 2>&1 |
        awk '/^guarantee/{on=1; next} on && NF==0{on=0} on{n=$(NF-1); $(NF)=""; $(NF-1)=""; sub(/ +$/,""); print $0 "|" n}' \
            >"$tmp/together"
    : >"$tmp/alone"
    s=1
    while [ "$s" -le "$seeds" ]; do
        "$bin" explore "$@" --seeds 1 --first-seed "$s" --jobs 1 --keep 0 2>&1 |
            awk '/^guarantee/{on=1; next} on && NF==0{on=0} on{n=$(NF-1); $(NF)=""; $(NF-1)=""; sub(/ +$/,""); print $0 "|" n}' \
                >>"$tmp/alone"
        s=$((s + 1))
    done
    awk -F'|' '{sum[$1] += $2; if (!($1 in seen)) {seen[$1]=1; order[++k]=$1}}
        END {for (i = 1; i <= k; i++) print order[i] "|" sum[order[i]]}' "$tmp/alone" >"$tmp/summed"
    if [ -s "$tmp/together" ] && cmp -s "$tmp/together" "$tmp/summed"; then
        echo "ok   $label: $seeds seeds in one worker = $seeds fresh clusters"
    else
        echo "FAIL $label: reusing the cluster changed what explore found"
        paste -d'  ' "$tmp/together" "$tmp/summed" | sed 's/^/     | /'
        fail=1
    fi
}

run_case "leader, acks all" --model leader --set acks=all --set min_insync=2 --nodes 3
run_case "multi siblings" --model multi --set resolve=siblings
run_case "leaderless, sync repair" --model leaderless --set w=2 --set r=2 --set read_repair=sync
exit $fail
