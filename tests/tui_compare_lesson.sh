#!/bin/sh
# Drives the side-by-side lesson (assets/lessons/17-three-ways.lesson) in tmux
# the way a learner would, with keys and the command line only:
#   (a) at 80x24: the lesson opens in the side-by-side view (two model columns,
#       the lesson pane under them); one write with `1` `w` reaches every
#       model; the prediction is answered; then the wrong action -- n1 killed
#       with `K` instead of cut off -- keeps the gate closed and the pane
#       explains the dead end; R starts the step again on every model (its
#       question first, as the step began); `X`
#       cuts n1 off on all of them, the two writes follow, and each column
#       shows its own outcome (the leader's and the quorum's failed write,
#       multi-leader's three ok); `U` heals, multi-leader's column counts its
#       lost write; the last question completes the lesson, and the progress
#       file says so;
#   (b) at 160x48: every model has its column beside the others, above the pane.
# Progress goes to a temporary XDG_STATE_HOME, never the learner's own.
#
#   tests/tui_compare_lesson.sh BUILD/splitbrain
#
# Exits 0 when every step saw what it expected, 1 otherwise, 77 (skipped)
# without tmux.
set -u
BIN=$(cd "$(dirname "${1:?usage: tui_compare_lesson.sh SPLITBRAIN}")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v tmux >/dev/null 2>&1 || { echo "tui_compare_lesson: no tmux, skipped"; exit 77; }
S=sbcmpl$$
DIR=$(mktemp -d)
trap 'command -v tmux_cleanup >/dev/null && tmux_cleanup; rm -rf "$DIR"' EXIT
fail=0
PROGRESS="$DIR/state/splitbrain/progress"

. "$(dirname "$0")/tmux_lib.sh"
check() { # check WHAT COMMAND...: a condition outside the screen
	what=$1
	shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
keys() { tmux send-keys -t $S "$@"; sleep 0.2; }
typed() { tmux send-keys -t $S ":$1" Enter; sleep 0.2; }
start() {
	rm -f "$DIR/exit"
	tmux send-keys -t $S "XDG_STATE_HOME=$DIR/state SPLITBRAIN_LESSONS=$ROOT/assets/lessons $BIN lesson three-ways --ascii; echo EXIT=\$? > $DIR/exit" Enter
}
wait_exit() {
	i=0
	while [ ! -s "$DIR/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q 'EXIT=0' "$DIR/exit" 2>/dev/null
}
# column N PATTERN: the 80-column screen's left (1) or right (2) model column, above the pane.
column() { screen | head -11 | if [ "$1" = 1 ]; then cut -c1-40; else cut -c42-80; fi; }
step_col() { # step_col NAME N PATTERN SECONDS
	i=0
	while [ $i -lt $(($4 * 10)) ]; do
		column "$2" | grep -Eq -- "$3" && { echo "ok   $1"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	echo "FAIL $1: column $2 never showed /$3/"
	screen | sed 's/^/     | /'
	fail=1
}

tmux new-session -d -s $S -x 80 -y 24 -c "$DIR" "sh"

# (a) The whole lesson at 80x24.
start
step "opens side by side: two model columns" 'leader: one leader.*\| multi-leader' 5
step "the lesson pane is under them" 'Step 1/4 - Three clusters, one story' 5
step "a pair at a time, Tab for the next" 'models 1-2 of 3' 3
keys 1 w
step "one write goes to every model" 'put x c1 via n1: on every model' 3
keys Space
step "the gate opens once every model acknowledged" 'Done\. One write, acknowledged three ways' 10
step_col "the leader's column has the write" 1 'op1 put x=c1 n1 ok' 3
step_col "so has multi-leader's" 2 'op1 put x=c1 n1 ok' 3
keys '>'
step "step 2 asks first" 'Predict: You will cut n1 off' 5
keys 1 K
step "the run waits for the prediction: no action yet" 'Predict first: answer the question' 3
keys 3 Enter
step "the prediction is recorded" 'Prediction recorded' 3
# The wrong action: n1 killed instead of cut off.
keys 1 K
step "K kills n1 on every model" 'kill n1: on every model' 3
typed 'put x c via n2'
keys + + + Space
step "the dead end is explained, the gate stays closed" 'Stuck: n1 was killed, not cut off' 15
check "and the step is not done" sh -c "! tmux -S '$SB_TMUX_DIR/socket' capture-pane -t $S -p | grep -q 'Done\. Multi-leader'"
keys R
step "R starts the step again on every model" 'The step starts again on every model' 5
step_col "n1 is up again in the leader's column" 1 'e1 up' 3
step "from its start: the question again" 'Predict: You will cut n1 off' 3
keys 3 Enter
keys 1 X
step "X cuts n1 off on every model" 'partition n1 \| n2 n3: on every model' 3
typed 'put x b via n1'
typed 'put x c via n2'
keys Space
step "the gate opens: each model answered its way" 'Done\. Multi-leader said ok on both sides' 20
step_col "the leader's column: a failed write" 1 '1 ok [12] fail' 3
step_col "multi-leader's column: every write ok" 2 '3 ok 0 fail' 3
keys Tab
step_col "Tab: leaderless, n1's write failed without a quorum" 2 'fail quorum|1 fail' 3
keys Tab Tab '>'
step "step 3 asks first" 'Which model loses a' 5
keys 2 Enter
keys U
step "U heals every model" 'heal: on every model' 3
keys Space
step "the heal's outcome: multi-leader lost a write" 'Done\. Every multi-leader replica holds' 20
step_col "multi-leader's column counts it" 2 'lost writes 1' 3
step_col "the leader's column lost nothing" 1 'lost writes 0' 3
keys '>'
keys 2 Enter
step "the last question completes the lesson" 'The lesson is complete' 5
check "the progress file says done" grep -q '^three-ways 3 3 done' "$PROGRESS"
keys q
check "q quits with status 0" wait_exit

# (b) At 160x48 every model has a column.
tmux kill-session -t $S
tmux new-session -d -s $S -x 160 -y 48 -c "$DIR" "sh"
start
step "160x48: three columns side by side" 'leader: one leader.*\|.*multi-leader.*\|.*leaderless' 5
step "and the pane under them" 'Step 1/4 - Three clusters' 3
keys q
check "q quits" wait_exit

exit $fail
