#!/bin/sh
# bench_idle: CPU the sandbox uses while paused, and while running, at 200x60.
# Starts the real binary in tmux, pauses it, and reads its CPU ticks from
# /proc/PID/stat over a few seconds. A bench: it needs tmux and a Linux /proc.
#
#   tests/bench/bench_idle.sh BUILD/splitbrain [SECONDS]
set -u
bin=$(cd "$(dirname "${1:?usage: bench_idle.sh SPLITBRAIN [SECONDS]}")" && pwd)/$(basename "$1")
secs=${2:-5}
command -v tmux >/dev/null 2>&1 || { echo "bench_idle: no tmux, skipped"; exit 0; }
S=sbidle$$
trap 'tmux kill-session -t $S 2>/dev/null' EXIT
tmux new-session -d -s $S -x 200 -y 60 "$bin sandbox --seed 1"
sleep 1
pid=$(pgrep -n -f "$bin sandbox --seed 1")
[ -n "$pid" ] || { echo "bench_idle: the sandbox did not start"; exit 1; }
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
measure() { # label
    a=$(ticks)
    sleep "$secs"
    b=$(ticks)
    awk -v l="$1" -v t=$((b - a)) -v hz="$hz" -v s="$secs" \
        'BEGIN { printf "  %-22s %3d ticks in %ds = %.1f%% of a core\n", l, t, s, 100 * t / hz / s }'
}
echo "bench_idle: sandbox CPU at 200x60 (3 nodes, background workload 2/s), $hz ticks/s"
measure "running at 0.05x"
tmux send-keys -t $S Space
sleep 0.5
measure "paused"
tmux send-keys -t $S Q
