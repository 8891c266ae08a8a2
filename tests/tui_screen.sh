#!/bin/sh
# Drives the real binary in tmux for what the screen must do at every size:
# a terminal without cursor addressing (TERM=dumb) gets one line and exit 2;
# a demo advanced by Right in the middle of a beat finishes it at once, at
# the time the file says; a five-node partition is drawn as two named regions
# with a wall, and U heals it; escape sequences curses does not know are
# dropped; :help and Tab complete from the engine's command table; Home goes
# to the event log's oldest line and End back.
#
#   tests/tui_screen.sh BUILD/splitbrain
#
# Needs tmux; exits 0 when every step saw what it expected, 1 otherwise,
# 77 (skipped) without tmux.
set -u
BIN=$(cd "$(dirname "${1:?usage: tui_screen.sh SPLITBRAIN}")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v tmux >/dev/null 2>&1 || { echo "tui_screen: no tmux, skipped"; exit 77; }
S=sbscreen$$
DIR=$(mktemp -d)
trap 'command -v tmux_cleanup >/dev/null && tmux_cleanup; rm -rf "$DIR"' EXIT
fail=0

. "$(dirname "$0")/tmux_lib.sh"

# TERM=dumb: no cursor addressing, so a clear one-line error and exit 2.
tmux new-session -d -s $S -x 100 -y 30 "sh"
tmux send-keys -t $S "TERM=dumb $BIN sandbox 2> $DIR/err; echo EXIT=\$? > $DIR/exit" Enter
i=0
while [ ! -s "$DIR/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q 'EXIT=2' "$DIR/exit" 2>/dev/null && [ "$(wc -l < "$DIR/err")" -eq 1 ] &&
	grep -q 'TERM=dumb cannot place the cursor' "$DIR/err"; then
	echo "ok   TERM=dumb: one line, exit 2"
else
	echo "FAIL TERM=dumb: $(cat "$DIR/exit" 2>/dev/null) $(cat "$DIR/err" 2>/dev/null)"
	fail=1
fi
tmux kill-session -t $S

# A demo: Right at the first beat starts the next; Right again mid-beat finishes it at once.
tmux new-session -d -s $S -x 100 -y 30 "$BIN demo $ROOT/assets/demos/01-async-failover.demo"
step "the demo waits at its first beat" 'Space next beat' 5
tmux send-keys -t $S Right
step "Right goes on: the beat's run plays" 'RUNNING' 5
tmux send-keys -t $S Right
step "Right mid-beat finishes the beat at once" 'Beat 2: the rest of the last one played at once' 5
step "at the time the file says, whatever the clock had reached" 't=1\.000s' 5
step "the next caption is up" 'acks=1: the leader answers' 5
tmux send-keys -t $S p
step "p runs (Space is the clicker's)" '>> RUNNING' 5
tmux send-keys -t $S p
step "p pauses again" '\|\| PAUSED' 5
tmux send-keys -t $S q
tmux kill-session -t $S 2>/dev/null

# A five-node partition at 120x40: two named regions and a wall; U heals it.
tmux new-session -d -s $S -x 120 -y 40 "$BIN sandbox --nodes 5 --seed 2"
step "the sandbox runs with 5 nodes" 'leader 5n' 5
tmux send-keys -t $S : 'partition n1 n2 | n3 n4 n5' Enter
step "the partition is drawn as named regions" 'group 1: n1 n2 .*group 2: n3 n4 n5' 5
screen | grep -q '┊' && echo "ok   a wall between the regions" || { echo "FAIL no wall"; screen | sed 's/^/     | /'; fail=1; }
tmux send-keys -t $S : 'cut n3 -> n4' Enter
step "a one-way cut says which way" 'n3->n4 cut' 5
tmux send-keys -t $S U
step "U heals it: the regions go" 'heal' 5
sleep 0.3
screen | grep -q 'group 1:' && { echo "FAIL the regions stay after the heal"; screen | sed 's/^/     | /'; fail=1; } || echo "ok   the regions are gone"

# Escape sequences curses does not know are dropped, not read as '[', '9', '~'.
tmux send-keys -t $S ' '
step "paused" 'PAUSED' 5
tmux send-keys -t $S -l "$(printf '\033[99~')"
tmux send-keys -t $S -l "$(printf '\033[1;9Z')"
sleep 0.5
if screen | grep -Eq 'REWOUND|there is no n9'; then
	echo "FAIL an unknown escape sequence was read as keys"; screen | sed 's/^/     | /'; fail=1
else
	echo "ok   unknown escape sequences are dropped"
fi
# :help and Tab come from the engine's command table: words the old copy lacked are there.
tmux send-keys -t $S : 'help deliver' Enter
step ":help WORD: its usage and what it does" 'deliver ID: deliver a message in flight now' 5
tmux send-keys -t $S : 'help' Enter
step ":help alone lists the commands" ':help WORD explains one of: model nodes' 5
tmux send-keys -t $S : 'help kil' Enter
step ":help of no command says so" "no command 'kil'" 5
tmux send-keys -t $S : 'de' Tab
step "Tab after 'de' offers del, deliver, delay" 'del.*deliver.*delay|del.*delay.*deliver' 5
tmux send-keys -t $S Escape
sleep 0.2
tmux send-keys -t $S Home
step "Home: the event log's oldest lines" 'events - [0-9]+ back' 5
tmux send-keys -t $S End
sleep 0.3
screen | grep -Eq 'events - [0-9]+ back' && { echo "FAIL End did not follow the log again"; fail=1; } || echo "ok   End follows the newest lines again"
tmux send-keys -t $S Q
exit $fail
