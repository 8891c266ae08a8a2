#!/bin/sh
# Drives `splitbrain check FILE --view` in tmux: a key-value history with a
# violation opens on the bad key, zoomed on its window (lanes per process,
# bars, the ! and * marks, the sentence why); zoom out, fit, scroll, switch
# key, quit — and the exit status is still the verdict's. Then a 12,000-op
# generated history opens and scrolls.
#
#   tests/tui_check.sh BUILD/splitbrain
#
# Needs tmux; exits 0 when every step saw what it expected, 1 otherwise,
# 77 (skipped) without tmux.
set -u
BIN=$(cd "$(dirname "${1:?usage: tui_check.sh SPLITBRAIN}")" && pwd)/$(basename "$1")
HIST=$(cd "$(dirname "$0")" && pwd)/histories
command -v tmux >/dev/null 2>&1 || { echo "tui_check: no tmux, skipped"; exit 77; }
S=sbcheck$$
DIR=$(mktemp -d)
trap 'command -v tmux_cleanup >/dev/null && tmux_cleanup; rm -rf "$DIR"' EXIT
fail=0

. "$(dirname "$0")/tmux_lib.sh"

tmux new-session -d -s $S -x 100 -y 24 "sh"
tmux send-keys -t $S "$BIN check $HIST/kv_multi_key.kv.edn --view; echo EXIT=\$? > $DIR/exit" Enter
step "opens on the key that is not linearizable" 'key "2" \(2/3\): NOT linearizable' 5
step "a lane per process" '^p1 ' 5
step "the write's bar with its value" 'w b=*\]' 5
step "the op the search could not place is marked" '!' 5
step "the sentence why" 'had completed before' 5
tmux send-keys -t $S -- -
step "zooms out" 'NOT linearizable' 5
tmux send-keys -t $S Tab
step "Tab shows the next key" 'key "3" \(3/3\): linearizable' 5
step "the order found is marked" '\*' 5
tmux send-keys -t $S 0 Right Left q
i=0
while [ ! -s "$DIR/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q 'EXIT=1' "$DIR/exit" 2>/dev/null; then
	echo "ok   q quits, and the exit status is the verdict's (1)"
else
	echo "FAIL q quits with status 1: $(cat "$DIR/exit" 2>/dev/null)"
	fail=1
fi

# 12,000 ops on one register over 8 processes: opens, scrolls and zooms.
awk 'BEGIN { for (i = 0; i < 1500; i++) for (p = 0; p < 8; p++) {
	if (p % 2 == 0) { printf "{:process %d, :type :invoke, :f :write, :value %d}\n", p, i * 8 + p
		printf "{:process %d, :type :ok, :f :write, :value %d}\n", p, i * 8 + p }
	else { printf "{:process %d, :type :invoke, :f :read, :value nil}\n", p
		printf "{:process %d, :type :ok, :f :read, :value %d}\n", p, i * 8 + p - 1 } } }' > "$DIR/big.edn"
tmux send-keys -t $S "clear; $BIN check $DIR/big.edn --view; echo EXIT=\$? > $DIR/exit2" Enter
step "12,000 ops open" 'register \(1/1\): linearizable' 10
step "their lanes" '^p7 ' 5
tmux send-keys -t $S + + + + + + + + + + + + Right Right
step "zoomed in far enough to read the bars" '[wr] [0-9]+=*\]' 5
tmux send-keys -t $S q
i=0
while [ ! -s "$DIR/exit2" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q 'EXIT=0' "$DIR/exit2" 2>/dev/null && echo "ok   quits with status 0" ||
	{ echo "FAIL quits with status 0: $(cat "$DIR/exit2" 2>/dev/null)"; fail=1; }
exit $fail
