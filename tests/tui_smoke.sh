#!/bin/sh
# Drives the real sandbox in tmux the way a person would: start at 80x24
# with the background workload running, write through n1, kill the leader and
# watch another take over (and the checkers' verdicts), rewind to before the
# kill and forward again, pick a message in flight and delay and drop it by
# hand (adversary mode), scrub back in time and forward again, make a typo on
# the command line, pause, stop the workload with W, grow the window to 200x60, open the timeline, the clock
# view and the node menu, quit — and checks the terminal settings are
# exactly what they were before.
#
#   tests/tui_smoke.sh BUILD/splitbrain
#
# Needs tmux; exits 0 when every step saw what it expected, 1 otherwise,
# 77 (skipped) without tmux.
set -u
BIN=$(cd "$(dirname "${1:?usage: tui_smoke.sh SPLITBRAIN}")" && pwd)/$(basename "$1")
command -v tmux >/dev/null 2>&1 || { echo "tui_smoke: no tmux, skipped"; exit 77; }
S=sbsmoke$$
DIR=$(mktemp -d)
trap 'command -v tmux_cleanup >/dev/null && tmux_cleanup; rm -rf "$DIR"' EXIT
fail=0

. "$(dirname "$0")/tmux_lib.sh"

model=echo
"$BIN" models | grep -q '^leader ' && model=leader
tmux new-session -d -s $S -x 80 -y 24 "sh"
tmux send-keys -t $S "stty -a > $DIR/before; $BIN sandbox --model $model --seed 1; echo EXIT=\$? > $DIR/exit; stty -a > $DIR/after" Enter
step "starts running at 80x24" 'RUNNING' 5
step "a gentle background workload runs, and the bar says how to stop it" 'load 2/s W stops' 5
sleep 1 # let virtual time move on, so the write and the kill come after the setup at t=0
tmux send-keys -t $S w Enter
step "w writes through n1" 'op1 put x=1 n1' 5
sleep 1
tmux send-keys -t $S 1 K
step "K kills the selected node" 'CRASHED' 5
if [ $model = leader ]; then
	tmux send-keys -t $S + + + +
	step "another node takes over as leader" '(e|epoch )2 up' 20
fi
step "the ops pane shows the checkers' verdicts, each whole" 'lin(earizable)? yes  lost( writes)? 0' 10
tmux send-keys -t $S ' ' [ [ [ [ [ [ [ [ [ [
step "[ rewinds to before the kill: n1 is up again" 'REWOUND' 10
screen | grep -Eq '(║|H)(e|epoch )[0-9]+ up' && echo "ok   the replayed n1 is up" || { echo "FAIL n1 is not up after the rewind"; screen | sed 's/^/     | /'; fail=1; }
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do tmux send-keys -t $S ]; done
step "] replays forward to the present: n1 is down again" 'is the present|Back at the present' 10
screen | grep -q 'CRASHED' && echo "ok   the replayed kill is there" || { echo "FAIL the kill was not replayed"; fail=1; }
tmux send-keys -t $S m
# Paused between two fetch rounds nothing may be on the wire: . steps on until something is.
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.2
	screen | grep -q 'No message in flight' || break
	tmux send-keys -t $S .
done
step "m picks a message in flight, its id on the map and the mode's keys on the bar" '#[0-9]+ n[0-9]->n[0-9].*arrives in' 5
step "the bar shows adversary mode's keys" 'PICK A MESSAGE .*d deliver now' 5
tmux send-keys -t $S Tab +
step "+ holds the picked message back 200ms, by hand" 'held back 200ms more, by hand' 5
tmux send-keys -t $S D
step "D drops the picked message" 'dropped by hand' 5
tmux send-keys -t $S Escape
step "Esc leaves adversary mode" "Back to the network's own choices" 5
tmux send-keys -t $S T
step "T opens the scrubber" 'go to [0-9.]+s of [0-9.]+s  Left/Right' 5
tmux send-keys -t $S Left Left Left Left Left Left Left Left Left Left Enter
step "Enter on the scrubber rewinds there" 'Rewound to' 10
tmux send-keys -t $S T End Enter
step "the scrubber goes forward to the present, replaying the drop" 'Back at the present' 10
tmux send-keys -t $S / 'by hand' Enter
step "the replayed run still has the hand-dropped message" 'dropped by hand' 5
tmux send-keys -t $S Escape
tmux send-keys -t $S : 'kil n2' Enter
step "a typo shows LINE:COL in place" "1:1: unknown command 'kil'" 5
tmux send-keys -t $S Escape
step "the present is paused" 'PAUSED' 5
tmux send-keys -t $S W
step "W stops the background workload" 'Background workload off' 5
tmux send-keys -t $S / 'put x' Enter n
step "n finds the latest event-log line with the filter text, in the whole log" "'put x': line [0-9]+ of [0-9]+; n older" 5
screen | grep -q '^>' && echo "ok   the line found is marked" || { echo "FAIL no marked line after n"; screen | sed 's/^/     | /'; fail=1; }
tmux send-keys -t $S N
step "N looks newer: there is none past the latest" "no newer line with 'put x'" 5
tmux send-keys -t $S Escape o
step "o selects an op in the ops pane" 'op [0-9]+ of [0-9]+ selected: o older' 5
step "the ops pane says which op is selected" 'ops \([0-9]+\): op [0-9]+ ' 5
step "the quorum view shows the selected op (a leader op has none)" "quorum view: [a-z]+[0-9]+ (is still pending|is not a leaderless op)|quorum view: .* via n" 5
tmux send-keys -t $S Escape 1 v
step "v selects the selected node's first link" 'link n1-n2 up: C cuts it' 5
tmux send-keys -t $S C
step "C cuts the selected link through the command language" 'link n1-n2 cut: C mends it' 5
step "the cut is in the event log" 'cuts link n1 <-> n2' 5
tmux send-keys -t $S C
step "C again mends it" 'link n1-n2 up: C cuts it' 5
tmux send-keys -t $S v
step "v moves to the next link" 'link n1-n3 up' 5
tmux send-keys -t $S Escape
tmux resize-window -t $S -x 200 -y 60
step "redraws at 200x60" 'seed 1 ' 5
tmux send-keys -t $S t
step "t opens the timeline" 'timeline  PgUp/Up scroll back' 5
tmux send-keys -t $S c
step "c opens the clock view" 'clocks  true time' 5
tmux send-keys -t $S c Enter
step "Enter opens the node's menu" 'key or Enter runs it, Esc closes' 5
tmux send-keys -t $S Escape
tmux send-keys -t $S q
i=0
while [ ! -s "$DIR/after" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q 'EXIT=0' "$DIR/exit" 2>/dev/null; then echo "ok   q quits with status 0"; else echo "FAIL q: $(cat "$DIR/exit" 2>/dev/null)"; fail=1; fi
# The size lines differ (the window grew); every mode flag must be back.
if diff "$DIR/before" "$DIR/after" | grep -v 'rows\|columns\|^---\|^[0-9]' | grep -q .; then
	echo "FAIL the terminal was not restored:"; diff "$DIR/before" "$DIR/after"; fail=1
else
	echo "ok   the terminal is restored (stty -a as before)"
fi
# Truncated entries flash in the replica pane: acks=1 loses w2 on n1, which cuts it from its
# log when it comes back under the new leader.
if [ $model = leader ] && [ -f "$(dirname "$0")/../assets/scenarios/leader/acks_one_loss.scn" ]; then
	tmux send-keys -t $S "$BIN open $(cd "$(dirname "$0")/.." && pwd)/assets/scenarios/leader/acks_one_loss.scn" Enter
	step "open loads the acks=1 scenario paused" 'PAUSED' 5
	tmux send-keys -t $S + + + + ' '
	step "n1's replica pane flashes the entry it cut from its log" '-- truncated: @1' 30
	tmux send-keys -t $S Q
	sleep 1
fi
# A demo: the first caption large at the top, waiting at a beat; Space goes on to the next beat
# (its caption), Left rewinds back to the first.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ $model = leader ] && [ -f "$ROOT/assets/demos/01-async-failover.demo" ]; then
	tmux send-keys -t $S "clear; $BIN demo $ROOT/assets/demos/01-async-failover.demo" Enter
	step "demo shows the first caption large at the top" '^ +Three replicas of one log' 5
	step "the demo waits at a beat" 'Space next beat' 5
	tmux send-keys -t $S + + + + + ' '
	step "Space goes on to the next beat and its caption" 'acks=1: the leader answers as soon' 20
	tmux send-keys -t $S Left
	step "Left rewinds back to the first beat and its caption" 'Back at beat 1' 10
	step "the first caption is back" 'Three replicas of one log' 5
	tmux send-keys -t $S Q
	sleep 1
fi
# --record: the sandbox writes the run as a scenario on quit; it runs headless, kill included.
tmux send-keys -t $S "clear; $BIN sandbox --model $model --seed 3 --record $DIR/s.sbr; echo REC=\$? > $DIR/rec" Enter
step "the sandbox starts with --record" 'RUNNING' 5
step "the bar marks the recording" "REC" 5
sleep 1
tmux send-keys -t $S 2 K
step "K kills n2" 'CRASHED' 5
tmux send-keys -t $S q
i=0
while [ ! -s "$DIR/rec" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q 'REC=0' "$DIR/rec" 2>/dev/null && grep -q '^kill n2' "$DIR/s.sbr" 2>/dev/null; then
	echo "ok   q wrote the recording, with the kill"
else
	echo "FAIL no recording with the kill: $(cat "$DIR/rec" 2>/dev/null)"; cat "$DIR/s.sbr" 2>/dev/null; fail=1
fi
if "$BIN" run "$DIR/s.sbr" --quiet >/dev/null 2>&1; then
	echo "ok   splitbrain run replays the recording (exit 0)"
else
	echo "FAIL splitbrain run $DIR/s.sbr did not exit 0"; fail=1
fi
ls "$DIR"/s.sbr.tmp.* >/dev/null 2>&1 && { echo "FAIL a temporary recording was left behind"; fail=1; }
# --cast: the frames as an asciicast v2 file: a header line (with idle_time_limit), then
# [t, "o", "..."] events, the first a whole frame and the later ones only what changed; the
# crashed node is among them.
tmux send-keys -t $S "clear; $BIN sandbox --model $model --seed 3 --cast $DIR/s.cast; echo CAST=\$? > $DIR/cast" Enter
step "the sandbox starts with --cast" 'RUNNING' 5
step "the bar marks the cast" "REC" 5
sleep 1
tmux send-keys -t $S 2 K
step "K kills n2 while casting" 'CRASHED' 5
sleep 0.5
tmux send-keys -t $S q
i=0
while [ ! -s "$DIR/cast" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q 'CAST=0' "$DIR/cast" 2>/dev/null && python3 - "$DIR/s.cast" "$(tmux display -p -t $S '#{pane_width} #{pane_height}')" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
h = json.loads(lines[0])
w, hh = (int(v) for v in sys.argv[2].split())
assert h["version"] == 2 and h["width"] == w and h["height"] == hh, (h, w, hh)
assert h["title"] == "splitbrain" and isinstance(h["timestamp"], int), h
assert h["idle_time_limit"] > 0, h
assert len(lines) >= 3, len(lines)
last = -1.0
events = [json.loads(l) for l in lines[1:]]
for e in events:
    assert isinstance(e, list) and len(e) == 3 and e[1] in ("o", "m") and isinstance(e[2], str), e
    assert e[0] >= last, (e[0], last)
    last = e[0]
assert "\x1b[2J" in events[0][2]
assert any("\x1b[2J" not in e[2] for e in events[1:]), "every event repaints the screen"
assert any("CRASHED" in e[2] for e in events)
PY
then
	echo "ok   q closed an asciicast v2 file: header, a whole frame, then only what changed"
else
	echo "FAIL $DIR/s.cast is not an asciicast v2 recording: $(cat "$DIR/cast" 2>/dev/null)"; head -c 400 "$DIR/s.cast" 2>/dev/null; fail=1
fi
# --present at 100x30: map, ops and captions only, a slower clock; P goes back to every pane.
tmux resize-window -t $S -x 100 -y 30 2>/dev/null
tmux send-keys -t $S "clear; $BIN sandbox --model $model --seed 3 --present; echo PRES=\$? > $DIR/pres" Enter
step "--present: the presenter's screen at 100x30" 'Presenter mode: map, ops' 5
step "--present: a slower clock" ' 0\.1x ' 5
if screen | grep -q ' events '; then
	echo "FAIL --present still shows the event log"; screen | sed 's/^/     | /'; fail=1
else
	echo "ok   --present hides the event log"
fi
tmux send-keys -t $S P
step "P leaves presenter mode: the event log is back" ' events ' 5
tmux send-keys -t $S P
step "P enters presenter mode again" 'Presenter mode: map, ops' 5
tmux send-keys -t $S q
i=0
while [ ! -s "$DIR/pres" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q 'PRES=0' "$DIR/pres" 2>/dev/null && echo "ok   q quits presenter mode with status 0" || { echo "FAIL presenter mode did not quit with 0"; fail=1; }
exit $fail
