#!/bin/sh
# The installed copy finds its course from anywhere: run from / with a fresh
# HOME and no SPLITBRAIN_* variables, the binary installed by
# `make install PREFIX=DIR` lists and runs the shipped scenarios, demos and
# lessons by name; in tmux it presents a demo by name, and `:open NAME` in the
# sandbox plays a shipped scenario.
#
#   tests/tui_installed.sh PREFIX
#
# Exits 0 when every step saw what it expected, 1 otherwise; the tmux part is
# skipped (77 when nothing else failed) without tmux.
set -u
PREFIX=$(cd "${1:?usage: tui_installed.sh PREFIX}" && pwd)
BIN=$PREFIX/bin/splitbrain
S=sbinst$$
DIR=$(mktemp -d)
trap 'command -v tmux_cleanup >/dev/null && tmux_cleanup; rm -rf "$DIR"' EXIT
fail=0
ok() { echo "ok   $1"; }
no() { echo "FAIL $1"; fail=1; }

# As a user would have it: no variables of ours, a home of its own, started from /.
clean() { (cd / && env -u SPLITBRAIN_DATA -u SPLITBRAIN_LESSONS -u XDG_DATA_HOME -u XDG_DATA_DIRS \
    -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME="$DIR/home" "$BIN" "$@"); }

[ -x "$BIN" ] && ok "make install put the binary in PREFIX/bin" || { no "no $BIN"; exit 1; }
[ -f "$PREFIX/share/man/man1/splitbrain.1" ] && ok "and the man page" || no "no man page"
clean run >"$DIR/out" 2>&1
grep -q "$PREFIX/share/splitbrain/scenarios" "$DIR/out" && grep -q 'leader/acks_one_loss' "$DIR/out" &&
    ok "run without a file lists the installed scenarios" || { no "run lists: $(head -3 "$DIR/out")"; }
clean run tour --quiet >"$DIR/out" 2>&1 && grep -q 'expects: .* 0 failed' "$DIR/out" &&
    ok "run tour, from /" || no "run tour: $(cat "$DIR/out")"
clean run acks-one-loss --quiet >/dev/null 2>&1 && ok "run acks-one-loss, from /" || no "run acks-one-loss"
clean demo >"$DIR/out" 2>&1
[ "$(grep -c '^ *[0-9]\+  0[1-6]-' "$DIR/out")" -eq 6 ] && ok "demo without a file lists six demos" ||
    no "demo lists: $(cat "$DIR/out")"
clean lesson >"$DIR/out" 2>&1
grep -q "$PREFIX/share/splitbrain/lessons" "$DIR/out" && grep -q '01-welcome' "$DIR/out" &&
    ok "lesson lists the installed course" || no "lesson lists: $(head -3 "$DIR/out")"
clean export split-brain --format jsonl >"$DIR/out" 2>&1 && [ -s "$DIR/out" ] &&
    ok "export finds a demo by name" || no "export split-brain"

# The settings file: a bad line stops every command that reads it, before the screen opens.
mkdir -p "$DIR/home/.config/splitbrain"
printf '[speed]\ndefault = 0.2x\n[display]\ntheme = projector\n' >"$DIR/home/.config/splitbrain/config"
clean sandbox >"$DIR/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "config:4: unknown theme 'projector'" "$DIR/out" &&
    ok "a bad config line: FILE:LINE: what, exit 2" || no "bad config: exit $rc, $(cat "$DIR/out")"
printf '[speed]\ndefault = 0.2x\n[display]\ntheme = high-contrast\n[sandbox]\nworkload = off\n' \
    >"$DIR/home/.config/splitbrain/config"
NO_COLOR=1 clean config --no-mouse >"$DIR/out" 2>&1
grep -q '^default = 0.2x *; config file, line 2' "$DIR/out" && grep -q '^colour = no *; environment' "$DIR/out" &&
    grep -q '^mouse = no *; flag' "$DIR/out" && ok "config shows each setting and where it came from" ||
    no "config: $(cat "$DIR/out")"

if ! command -v tmux >/dev/null 2>&1; then
    echo "tui_installed: no tmux, the screen part skipped"
    [ $fail -eq 0 ] && exit 77
    exit 1
fi
. "$(dirname "$0")/tmux_lib.sh"
tmux new-session -d -s $S -x 100 -y 30 "sh"
tmux send-keys -t $S "cd / && env -u SPLITBRAIN_DATA -u SPLITBRAIN_LESSONS HOME=$DIR/home $BIN demo split-brain; echo EXIT=\$? > $DIR/exit" Enter
step "demo split-brain, from /, shows its first caption" 'naive election|partition|leader' 5
step "and waits for the presenter" 'Demo: Space, Right or PageDown' 5
tmux send-keys -t $S : "open acks-one-los" Enter
step ":open with a typo says what it meant" "did you mean 'acks-one-loss'" 5
tmux send-keys -t $S Escape : "open acks-one-loss" Enter
step ":open NAME plays the shipped scenario, paused" 'Paused at t=0' 5
tmux send-keys -t $S Q
i=0
while [ ! -f "$DIR/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
rm -f "$DIR/exit"
tmux send-keys -t $S "clear; cd / && env -u SPLITBRAIN_DATA HOME=$DIR/home $BIN sandbox; echo EXIT=\$? > $DIR/exit" Enter
step "the sandbox runs at the config's speed" 'RUNNING.* 0\.2x' 5
if screen | grep -q 'load 2/s'; then no "workload = off still started the workload"; else ok "workload = off: no background workload"; fi
tmux send-keys -t $S Q
i=0
while [ ! -f "$DIR/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q 'EXIT=0' "$DIR/exit" 2>/dev/null && ok "it quits with status 0" || { no "exit: $(cat "$DIR/exit" 2>/dev/null)"; }
exit $fail
