# tests/lib/tmux.sh - the screen helpers of the tmux tests (sourced after
# tests/lib.sh): the caller sets SOCK (its tmux server) and TUI_SESSION
# (the session that shows hako), or tui_begin does.

# tui_begin NAME SESSION: after `hk_begin NAME DESC root`, a dashboard
# test's other prerequisite (tmux) and its scratch in $T: P (its container
# path), HAKO_RUN_DIR, SOCK, TUI_SESSION, hk (hako on P).  False, after a
# skip, when it cannot run.
tui_begin() {
	command -v tmux >/dev/null || { skip "$1: tmux is not installed"; return 1; }
	export HAKO_RUN_DIR=$T/run
	P=$T/path
	SOCK=hako-$1-$$
	TUI_SESSION=$2
}
hk() { "$HAKO" -P "$P" "$@"; }
tm() { tmux -L "$SOCK" "$@"; }
# tm_fresh: kill the tmux server, and talk to a new one (SOCK.N) from now
# on.  kill-server returns before the server is gone, and a new session on
# the same socket can reach the dying server and vanish with it.
tm_fresh() {
	tm kill-server 2>/dev/null
	TM_SERVERS=$((${TM_SERVERS:-0} + 1))
	SOCK=${SOCK%.*}.$TM_SERVERS
}
# tm_end: the test's last tmux server killed, and every socket file it
# made removed (tmux leaves them in /tmp/tmux-UID).
tm_end() {
	local dir=${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)
	tm kill-server 2>/dev/null
	rm -f "$dir/${SOCK%.*}" "$dir/${SOCK%.*}".*
}
screen() { tm capture-pane -p -t "$TUI_SESSION"; }
# wait_quiet PATTERN [SECONDS]: true once the screen matches the regex
# (no test line: for the steps between the checks).
wait_quiet() {
	local pat=$1 secs=${2:-8} i
	for ((i = 0; i < secs * 10; i++)); do
		screen | grep -Eq -- "$pat" && return 0
		sleep 0.1
	done
	return 1
}
# wait_for DESC PATTERN [SECONDS]: ok when the screen matches the regex.
wait_for() {
	if wait_quiet "$2" "${3:-8}"; then ok "$1"; return 0; fi
	not_ok "$1"; echo "#   expected /$2/ on the screen:"; screen | sed 's/^/#   /'
	return 1
}
# wait_gone DESC PATTERN [SECONDS]: ok when the screen stops matching.
wait_gone() {
	local desc=$1 pat=$2 secs=${3:-8} i
	for ((i = 0; i < secs * 10; i++)); do
		if ! screen | grep -Eq -- "$pat"; then ok "$desc"; return 0; fi
		sleep 0.1
	done
	not_ok "$desc"; echo "#   /$pat/ still on the screen:"; screen | sed 's/^/#   /'
	return 1
}
