#!/usr/bin/env bash
# keys.sh - every key the help screen (?) lists answers: for each binding
# of each action (its aliases too: ? and F1, D and Delete, K and F9, / F3
# and F4 ...) the dashboard shows what the action does - a dialog, a
# screen, a status line - and never "does nothing here".  The table
# below says what each one shows and how to back out of it; an action in
# the help without a line here fails, so a new binding cannot go
# untested.  One running busybox container, k1, is selected throughout.
. "$(dirname "$0")/../lib.sh"
hk_begin keys keys root

. "$HK_TOP/tests/lib/tmux.sh"
tui_begin keys keys || { plan_end; exit; }
cleanup() {
	tm_end
	hk stop -k k1 >/dev/null 2>&1
	hk destroy k1 >/dev/null 2>&1
	rm -rf "$T"
}
hk_on_exit cleanup

# dash: a fresh dashboard, on a tmux server of its own (tm_fresh)
dash() {
	tm_fresh
	tm -f /dev/null new-session -d -s keys -x 120 -y 50 \
		env HAKO_RUN_DIR="$HAKO_RUN_DIR" TERM=screen-256color LANG=C.UTF-8 EDITOR=true \
		"$HAKO" -P "$P"
	tm set-option -t keys remain-on-exit on >/dev/null
	wait_quiet '^\*?k1 +RUNNING' 20 || { not_ok "the dashboard did not list k1"; screen | sed 's/^/#   /'; }
}

# ACTION;KEYS (tmux names, one per binding);PATTERN it shows (PANE-DEAD:
# hako exits);KEYS that back out ("dash": start it again);PATTERN once back
table='help;? F1;start-stop +.*start or stop it;Escape;^k1 +RUNNING
start-stop;s;Stop "k1"\?;n;^k1 +RUNNING
console;c;Connected to the console of "k1";C-a q;^k1 +RUNNING
attach;a;shell in "k1";exit Enter;^k1 +RUNNING
exec;e;Run in "k1";Escape;^k1 +RUNNING
create;n;New container;Escape;^k1 +RUNNING
clone;C;Clone "k1";Escape;^k1 +RUNNING
rename;R;Cannot rename "k1": it is RUNNING. stop it first;;^k1 +RUNNING
checkpoint;P;Checkpoint "k1" \(CRIU\);Escape;^k1 +RUNNING
device;V;Device for "k1";Escape;^k1 +RUNNING
autostart;A;Autostart for "k1": done\.;A;No autostart for "k1": done\.
destroy;D DC;Destroy "k1"\?;n;^k1 +RUNNING
refresh;F5;Refreshed at [0-9:]+\.;;^k1 +RUNNING
sort-next;> F6;Sorted by [A-Z%]+;;k1 +RUNNING
filter;/ F3 F4;Filter \(regex;Escape;^k1 +RUNNING
quit;q F10;PANE-DEAD;dash;^k1 +RUNNING
details;Enter;Info +Cgroups +ID maps;Escape;^k1 +RUNNING
back;Escape;^k1 +RUNNING;;^k1 +RUNNING
sort-prev;<;Sorted by [A-Z%]+;;k1 +RUNNING
sort-reverse;I;Sorted by [A-Z%]+, (A to Z|Z to A);;k1 +RUNNING
restart;r;Restart "k1"\?;n;^k1 +RUNNING
kill;K F9;Kill "k1"\?;n;^k1 +RUNNING
freeze;p;^k1 +FROZEN;p;^k1 +RUNNING
edit;E;Config of "k1" checked: OK;;^k1 +RUNNING
mark;Space;^\*k1 +RUNNING;Space;^k1 +RUNNING
copy;y;Copied "k1" to the clipboard;;^k1 +RUNNING
copy-ip;Y;"k1" has no IP address to copy;;^k1 +RUNNING
repaint;C-l;^k1 +RUNNING;;^k1 +RUNNING
faster;+;Refreshing every 0\.50s;;^k1 +RUNNING
slower;-;Refreshing every 1\.00s;;^k1 +RUNNING
theme;T;Theme "[a-z-]+"\.;;^k1 +RUNNING'

check "create k1" hk create k1 -t busybox -q
check "start k1" hk start k1
dash

# the actions the help lists (second column of its binding lines)
tm send-keys -t keys '?'
wait_for "? shows the help" 'dashboard keys'
# ("  KEYS(14 columns) ACTION(14) HELP")
listed=$(screen | awk '/^In lists and views/ { exit } 1' | grep -E '^  [^ ]' | cut -c18- | awk '{ print $1 }' | grep -E '^[a-z][a-z-]+$' | sort -u)
tm send-keys -t keys Escape
[ "$(wc -l <<<"$listed")" -ge 20 ] && ok "the help lists $(wc -l <<<"$listed") actions" || not_ok "help actions: $listed"
for a in $listed; do
	grep -q "^$a;" <<<"$table" || not_ok "the help lists \"$a\", which this test does not press"
done

while IFS=';' read -r action keys shows back home; do
	grep -qx "$action" <<<"$listed" || { not_ok "$action: in this table, not in the help"; continue; }
	for k in $keys; do
		[ "$action" = back ] && { tm send-keys -t keys / 'zzz-none' Enter; sleep 0.5; }
		before=$(screen)
		tm send-keys -t keys "$k"
		# what it shows, once the screen has changed (a repaint draws the
		# same screen again: for it, the pattern is enough)
		for ((i = 0; i < 150; i++)); do
			after=$(screen)
			if [ "$shows" = PANE-DEAD ]; then
				# hako has exited: its pty is closed.  (Not tmux's "Pane is
				# dead" line: Debian's tmux, built with utempter, can miss
				# the SIGCHLD and print it only at the next one.)
				[ "$(tm list-panes -t keys -F '#{pane_dead}')" = 1 ] && break
			elif { [ "$after" != "$before" ] || [ "$action" = repaint ]; } && grep -Eq -- "$shows" <<<"$after"; then
				break
			fi
			sleep 0.1
		done
		if ((i < 150)) && ! grep -q 'does nothing here' <<<"$after"; then
			ok "$action: $k shows /$shows/"
		else
			not_ok "$action: $k did not show /$shows/"; echo "$after" | sed 's/^/#   /'
		fi
		if [ "$back" = dash ]; then dash
		elif [ -n "$back" ]; then
			# shellcheck disable=SC2086
			for b in $back; do tm send-keys -t keys "$b"; sleep 0.3; done
		fi
		wait_quiet "$home" 20 ||
			{ not_ok "$action: $k: no way back"; screen | sed 's/^/#   /'; dash; }
	done
done <<<"$table"

# A changed the config itself, while k1 runs (the start keys may)
tm send-keys -t keys A
wait_for "A again: autostart on" 'Autostart for "k1": done\.'
check_output "... lxc.start.auto is 1 in k1's config" '^1$' hk config k1 lxc.start.auto
tm send-keys -t keys A
wait_for "A again: autostart off" 'No autostart for "k1": done\.'
check_output "... lxc.start.auto is 0 in k1's config" '^0$' hk config k1 lxc.start.auto
plan_end
