#!/usr/bin/env bash
# tests/security/tiocsti.sh - the TIOCSTI/TIOCLINUX class: a
# process inside pushes "touch MARKER" plus a newline into its terminal's
# input with TIOCSTI, also with the 64-bit command variant (cmd | 1 << 32,
# which a filter comparing 64 bits would miss), and tries TIOCLINUX; run
# through attach (without and with a terminal) and on the console, while
# the outer shell is a real one in tmux.  Every ioctl gets EPERM, the
# marker never appears on the host and the outer shell received nothing.
# Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin st tiocsti modes
command -v tmux >/dev/null || { skip "tiocsti: needs tmux"; plan_end; exit; }
SOCK=$HM_T/tmux.sock
MARK=$HM_T/pwned

# in_tmux CMD: runs CMD in a fresh interactive shell in tmux, waits for it
# to finish, and leaves the shell's screen in $screen.
in_tmux() {
	tmux -S "$SOCK" kill-server 2>/dev/null
	tmux -S "$SOCK" new-session -d -x 200 -y 50 "env PS1='hk\$ ' bash --norc -i"
	chmod 777 "$SOCK"
	sleep 0.3
	tmux -S "$SOCK" send-keys -l "$1; echo hk-done"
	tmux -S "$SOCK" send-keys Enter
	local i
	for i in $(seq 50); do
		screen=$(tmux -S "$SOCK" capture-pane -p)
		printf '%s\n' "$screen" | grep -qx 'hk-done' && break
		sleep 0.2
	done
	sleep 0.5
	screen=$(tmux -S "$SOCK" capture-pane -p)
	tmux -S "$SOCK" kill-server 2>/dev/null
}
hako_cmd() { # MODE: the hako command line, as the mode's caller
	if hm_user "$1"; then
		printf 'env -i HOME=%q PATH=/usr/bin:/bin TERM=xterm setpriv --reuid=%s --regid=%s --init-groups -- ' \
			"$(getent passwd "$HK_TEST_USER" | cut -d: -f6)" "$HK_TEST_USER" "$HK_TEST_USER"
	fi
	printf '%q attach -P %q %q' "$HAKO" "$(hm_path "$1")" "$HM_N"
}

sti_mode() {
	local m=$1 l=${HM_LABEL[$1]} out how
	hm_create "$m" || { not_ok "$l: create"; return; }
	check "$l: start" hm "$m" start "$HM_N"
	for how in "attach (pipes)" "attach (terminal)" "console"; do
		rm -f "$MARK"
		case "$how" in
		"attach (pipes)") in_tmux "$(hako_cmd "$m") -- /hkprobe sti 'touch $MARK' </dev/null | cat" ;;
		"attach (terminal)") in_tmux "$(hako_cmd "$m") -- /hkprobe sti 'touch $MARK'" ;;
		console) in_tmux "$(hako_cmd "$m") -- sh -c \"/hkprobe sti 'touch $MARK' </dev/console >/dev/console\"; $(hako_cmd "$m") -- true" ;;
		esac
		out=$(printf '%s\n' "$screen" | tr -d '\r')
		local k bad=
		for k in tiocsti tiocsti64 tioclinux tioclinux64; do
			printf '%s\n' "$out" | grep -q "^$k=EPERM" || bad="$bad $k"
		done
		[ "$how" = console ] && bad= # the console's output is not on this screen
		[ -z "$bad" ] && ok "$l: $how: TIOCSTI, TIOCSTI|1<<32, TIOCLINUX (both widths) get EPERM" \
			|| { not_ok "$l: $how: not EPERM:$bad"; printf '%s\n' "$out" | sed 's/^/#   /' | head -15; }
		if [ ! -e "$MARK" ] && ! printf '%s\n' "$out" | grep -q "^hk\$ touch $MARK"; then
			ok "$l: $how: nothing reached the outer shell"
		else not_ok "$l: $how: the outer shell got input"; printf '%s\n' "$out" | sed 's/^/#   /' | head -15; fi
	done
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes sti_mode
plan_end
