#!/usr/bin/env bash
# tests/security/console-stall.sh - a container that stops
# reading its console cannot stall its monitor.  Inside, the getty on the
# console is stopped (SIGSTOP); the admin, in `hako console` in a tmux
# pane, pastes 300 KB.  The monitor used to block on its write to the
# pty: then `hako stop` and `stop -k` failed ("did not answer in time").
# Now it holds at most 64 KiB per viewer and stops reading that viewer:
# the monitor still answers (`console --log` holds a line written inside
# after the paste), the pasting viewer still sees new output, and `stop
# -t 10` and `stop -k` each stop the container, the viewer seeing it end.
# Four modes.
# guest-lane: skip - the monitor's per-viewer console buffer: hako's own code over a pty, the same on every host (a 300 KB paste through tmux costs minutes under TCG)
. "$(dirname "$0")/../lib.sh"
hk_begin cs console-stall modes
command -v tmux >/dev/null || { skip "console-stall: needs tmux"; plan_end; exit; }
TM="tmux -L hkcs-$$"
hk_on_exit end_panes
. "$HK_TOP/tests/lib/console.sh"
PASTE=$HM_T/paste
yes 'echo hkpaste 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz' |
	head -c 307200 >"$PASTE"

# The console's getty, stopped from inside: its pid there, once it runs.
# shellcheck disable=SC2016
STOP_GETTY='for p in /proc/[0-9]*; do
	[ "$(tr "\0" " " <$p/cmdline 2>/dev/null)" = "/sbin/getty -L console 0 vt100 " ] || continue
	kill -STOP ${p#/proc/} && echo ${p#/proc/}
done'

who_of() { if hm_user "$1"; then echo "$HK_TEST_USER"; else echo root; fi; }
# hm_t SECONDS MODE SUB ARGS...: hm under timeout(1).
hm_t() {
	local s=$1 m=$2 sub=$3; shift 3
	if hm_user "$m"; then as_user timeout "$s" "$HAKO" "$sub" -P "$(hm_path "$m")" "$@"
	else timeout "$s" "$HAKO" "$sub" -P "$(hm_path "$m")" "$@"; fi
}
state_of() { hm "$1" ls -F NAME,STATE 2>/dev/null | awk -F'\t' -v n="$HM_N" '$1 == n { print $2 }'; }

# stall MODE HOW...: start, stop the getty, paste, check, then stop with HOW.
stall() {
	local m=$1 l="${HM_LABEL[$1]}, ${*:2}" who pid t0 rc out mark=hkmark-$RANDOM-$$
	shift
	who=$(who_of "$m")
	check "$l: start" hm "$m" start "$HM_N"
	for _ in $(seq 40); do
		pid=$(hm_in "$m" sh -c "$STOP_GETTY" 2>/dev/null)
		[ -n "$pid" ] && break
		sleep 0.25
	done
	[ -n "$pid" ] && ok "$l: the console's getty is stopped (pid $pid inside)" ||
		{ not_ok "$l: no getty on the console to stop"; return; }
	new_pane || { not_ok "$l: tmux did not start"; return; }
	$TM send-keys -t hk "$(hako_cmd "$who" console "$HM_N" -P "$(hm_path "$m")")" Enter
	check_pane "$l: console connects" "Connected to the console of \"$HM_N\"" 100
	$TM load-buffer -b hkpaste "$PASTE" && $TM paste-buffer -d -b hkpaste -t hk
	# Far more than the pty, the monitor's 64 KiB and the socket hold:
	# give it time to pile up against the stopped reader.
	sleep 2
	hm_in "$m" sh -c "echo $mark >/dev/console" >/dev/null 2>&1
	out=$(hm_t 30 "$m" console --log "$HM_N" 2>&1); rc=$?
	if [ $rc = 0 ] && printf "%s\n" "$out" | grep -q "$mark"; then
		ok "$l: the monitor answers console --log, which holds a line written after the paste"
	else not_ok "$l: console --log (rc $rc) without \"$mark\""; printf '%s\n' "$out" | tail -3 | sed 's/^/#   /'; fi
	PANE_HISTORY=2000 check_pane "$l: the pasting viewer still sees new output" "$mark" 100
	t0=$SECONDS
	out=$(hm_t 120 "$m" "$@" "$HM_N" 2>&1); rc=$?
	[ $rc = 0 ] && ok "$l: $* returns ($((SECONDS - t0)) s)" || not_ok "$l: $* (rc $rc, $((SECONDS - t0)) s): $out"
	[ "$(state_of "$m")" = STOPPED ] && ok "$l: STOPPED" || not_ok "$l: state $(state_of "$m")"
	PANE_HISTORY=2000 check_pane "$l: the viewer sees the container stop" "The container stopped: \"$HM_N\"" 150
	$TM kill-server >/dev/null 2>&1
}

cs_mode() {
	local m=$1
	hm_create "$m" || { not_ok "${HM_LABEL[$m]}: create"; return; }
	stall "$m" stop -t 10
	stall "$m" stop -k
}
for_modes cs_mode
plan_end
