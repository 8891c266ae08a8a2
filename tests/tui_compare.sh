#!/bin/sh
# Drives `splitbrain compare` in tmux the way a person would: open the side-by-
# side view at 160x48 (a column per model), partition n1 from the rest with X —
# once, for all three models — write on both sides from the command line, run,
# heal with U, then read each column's own ops and verdicts: the leader refused
# the minority's writes (min_insync 2), multi-leader took both, leaderless could
# not gather a quorum on n1's side. Then travel back in time on all three with [,
# shrink to 80x24 (two columns; Tab shows the next pair), and quit with q. Last,
# `:compare` in a sandbox where n2 was killed shows n2 down on every model.
#
#   tests/tui_compare.sh BUILD/splitbrain
#
# Needs tmux; exits 0 when every step saw what it expected, 1 otherwise,
# 77 (skipped) without tmux.
set -u
BIN=$(cd "$(dirname "${1:?usage: tui_compare.sh SPLITBRAIN}")" && pwd)/$(basename "$1")
command -v tmux >/dev/null 2>&1 || { echo "tui_compare: no tmux, skipped"; exit 77; }
S=sbcmp$$
DIR=$(mktemp -d)
trap 'command -v tmux_cleanup >/dev/null && tmux_cleanup; rm -rf "$DIR"' EXIT
fail=0

. "$(dirname "$0")/tmux_lib.sh"

# column N: the screen's Nth model column (1-based) at 160 columns: 53, 53 and 52 cells wide
# with a border between them (node boxes draw | too, so the split is by position).
column() {
	case $1 in
	1) screen | cut -c1-53 ;;
	2) screen | cut -c55-107 ;;
	3) screen | cut -c109-160 ;;
	esac
}

# step_col NAME N PATTERN SECONDS: like step, on column N alone.
step_col() {
	i=0
	while [ $i -lt $(($4 * 10)) ]; do
		column "$2" | grep -Eq -- "$3" && { echo "ok   $1"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	echo "FAIL $1: column $2 never showed /$3/"
	column "$2" | sed 's/^/     | /'
	fail=1
}

tmux new-session -d -s $S -x 160 -y 48 "sh"
tmux send-keys -t $S "$BIN compare --ascii tests/scenarios/compare/tui_partition.scn; echo EXIT=\$? > $DIR/exit" Enter
step "opens with a column per model at 160x48" 'leader: one leader.*multi-leader.*leaderless' 5
step "one shared clock, paused" 'PAUSED tui_partition.scn t=0.000s' 5
tmux send-keys -t $S + + + Space
step "Space runs every model on the shared clock" 'RUNNING' 5
sleep 1
tmux send-keys -t $S Space 1 X
step "X partitions n1 from the rest on every model" 'partition n1 \| n2 n3: on every model' 5
tmux send-keys -t $S ":put x a2 via n1" Enter
step "a write on the minority side goes to every model" 'put x a2 via n1: on every model' 5
tmux send-keys -t $S ":put x b2 via n2" Enter
step "a write on the majority side too" 'put x b2 via n2: on every model' 5
tmux send-keys -t $S Space
sleep 2
tmux send-keys -t $S U
step "U heals every model" 'heal: on every model' 5
sleep 1
tmux send-keys -t $S Space
step "paused again" 'PAUSED' 5
step_col "leader column: the minority's write refused" 1 'x=a2 n1 fail not leader' 5
step_col "leader column: its verdicts" 1 'linearizable yes  lost writes 0' 5
step_col "leader column: 1 ok, 2 failed" 1 '1 ok 2 fail' 5
step_col "multi column: both sides accepted" 2 'x=a2 n1 ok' 5
step_col "multi column: its verdicts, every op ok" 2 '3 ok 0 fail' 5
step_col "leaderless column: no quorum on n1's side" 3 'x=a2 n1 fail quorum not reached' 5
step_col "leaderless column: the majority's write met its quorum" 3 'x=b2 n2 ok quorum met' 5
step_col "leaderless column: 2 ok, 1 failed" 3 '2 ok 1 fail' 5
tmux send-keys -t $S [ [ [ [
step "[ travels back on every model together" 'REWOUND' 5
step_col "the leader column back before the writes" 1 'ops \(1\)' 5
step_col "the leaderless column too" 3 'ops \(1\)' 5
tmux send-keys -t $S ] ] ] ] ] ] ] ]
step "] comes forward to the present" 'back at the present' 5
step_col "with the writes again" 2 'ops \(3\)' 5
tmux resize-window -t $S -x 80 -y 24 2>/dev/null || tmux resize-pane -t $S -x 80 -y 24
step "at 80x24 two columns, and Tab for the third" 'models 1-2 of 3' 5
tmux send-keys -t $S Tab
step "Tab shows multi and leaderless" 'models 2-3 of 3' 5
tmux send-keys -t $S q
i=0
while [ ! -f "$DIR/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(cat "$DIR/exit" 2>/dev/null)" = "EXIT=0" ]; then
	echo "ok   q quits with status 0"
else
	echo "FAIL q did not quit with status 0"
	fail=1
fi

# A comparison demo: its captions on the message line, every model waiting at each beat.
rm -f "$DIR/exit"
tmux resize-window -t $S -x 160 -y 48 2>/dev/null || tmux resize-pane -t $S -x 160 -y 48
tmux send-keys -t $S "clear; $BIN compare --ascii assets/demos/07-three-ways.demo; echo EXIT=\$? > $DIR/exit" Enter
step "the demo opens side by side" 'PAUSED 07-three-ways.demo t=0.000s' 5
tmux send-keys -t $S + + + Space
step "its first caption, paused at the beat" 'Three clusters, one clock.*Space goes on' 10
step "paused there" 'PAUSED 07-three-ways.demo' 5
tmux send-keys -t $S Space
step "Space goes on to the next beat" 'Who says ok\?  \[Space goes on\]' 10
step_col "the leader refused n1's side" 1 'x=a2 n1 fail' 5
step_col "multi-leader took it" 2 'x=a2 n1 ok' 5
tmux send-keys -t $S q
i=0
while [ ! -f "$DIR/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# :compare from a running sandbox replays its journal so far on every model.
rm -f "$DIR/exit"
tmux resize-window -t $S -x 160 -y 48 2>/dev/null || tmux resize-pane -t $S -x 160 -y 48
tmux send-keys -t $S "clear; $BIN sandbox --ascii --model multi; echo EXIT=\$? > $DIR/exit" Enter
step "the sandbox runs" 'RUNNING' 5
tmux send-keys -t $S 2 K
step "K kills n2 in the sandbox" 'CRASHED' 5
tmux send-keys -t $S ":compare" Enter
step ":compare opens the side-by-side view at the sandbox's time" 'PAUSED sandbox t=' 5
step_col "the kill replayed on the leader model" 1 'CRASHED' 5
step_col "on the multi-leader model" 2 'CRASHED' 5
step_col "on the leaderless model" 3 'CRASHED' 5
tmux send-keys -t $S q
i=0
while [ ! -f "$DIR/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$DIR/exit" 2>/dev/null)" = "EXIT=0" ] && echo "ok   q quits the view" || { echo "FAIL q"; fail=1; }
exit $fail
