# Shared by the tmux tests (tui_smoke.sh, tui_lesson.sh): read the screen of
# tmux session $S, wait for what a person would wait for, and report a step.
# The caller sets S and fail=0 before using them.
#
# Every test talks to a tmux server of its own (-L, no config file), so a
# person's tmux and its settings never meet the tests. tmux exits with its
# last session, and a new-session sent while it is shutting down dies with
# it; a keeper session that lives as long as the test script keeps the
# server up between one test session and the next. The script's EXIT trap
# calls tmux_cleanup.

SB_TMUX_DIR=$(mktemp -d)
tmux() { command tmux -S "$SB_TMUX_DIR/socket" -f /dev/null "$@"; }
tmux_cleanup() { tmux kill-server 2>/dev/null; rm -rf "$SB_TMUX_DIR"; }
tmux new-session -d -s keeper -x 80 -y 24 "while kill -0 $$ 2>/dev/null; do sleep 1; done"

screen() { tmux capture-pane -t $S -p; }

# wait_for PATTERN SECONDS: polls the screen until grep -E finds PATTERN.
wait_for() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# step NAME PATTERN SECONDS: "ok NAME" once the screen shows PATTERN, else FAIL with the screen.
step() {
	if wait_for "$2" "$3"; then
		echo "ok   $1"
	else
		echo "FAIL $1: the screen never showed /$2/"
		screen | sed 's/^/     | /'
		fail=1
	fi
}
