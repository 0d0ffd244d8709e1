#!/usr/bin/env bash
# tests/integration/console.sh - `hako console` and `hako start -F` driven
# in tmux (a dedicated server): the getty's login prompt appears, root logs
# in (no password in the busybox template), a command's output shows in
# the pane, Ctrl-a q detaches back to the shell while the container keeps
# running, and `console --log` holds the session's output afterwards.  For
# root with a privileged container and for the test user (after
# setup-user) with an unprivileged one.
. "$(dirname "$0")/../lib.sh"
hk_begin console "console tests" root

chmod 755 "$T"
TM="tmux -L hakotest-$$"
UP=
started=()

cleanup() {
	local s who path
	end_panes
	for s in "${started[@]}"; do
		read -r who path <<<"$s"
		h "$who" stop -k c1 -P "$path" >/dev/null 2>&1
	done
	rm -rf "$T"
	[ -n "$UP" ] && rm -rf "$UP"
}
hk_on_exit cleanup

. "$HK_TOP/tests/lib/console.sh"

# console_mode WHO PATH
console_mode() {
	local who=$1 P=$2 m=$1 tag="hello-$$-$RANDOM"
	started+=("$who $P")
	check "$m: create" h "$who" create c1 -t busybox -P "$P"
	check "$m: start" h "$who" start c1 -P "$P"
	new_pane || { not_ok "$m: tmux did not start"; return; }
	$TM send-keys -t hk "$(hako_cmd "$who" console c1 -P "$P")" Enter
	check_pane "$m: console connects" 'Connected to the console of "c1"'
	$TM send-keys -t hk Enter
	check_pane "$m: the getty's login: prompt appears" 'login: *$'
	$TM send-keys -t hk root Enter
	check_pane "$m: root logs in without a password" '# *$'
	$TM send-keys -t hk "echo $tag-\$((6*7))" Enter
	check_pane "$m: the command's output shows" "^$tag-42"
	$TM send-keys -t hk C-a q
	check_pane "$m: Ctrl-a q prints the Detached line" '^Detached from "c1"'
	check_pane "$m: ... and the shell prompt is back" 'Detached.*' && \
		{ wait_pane '^HKPROMPT\$ *$' && ok "$m: the prompt follows" || not_ok "$m: no prompt after detaching"; }
	[ "$(state "$who" "$P")" = RUNNING ] && ok "$m: still RUNNING after detaching" \
		|| not_ok "$m: state after detach: $(state "$who" "$P")"
	check_output "$m: console --log holds the command's output" "^$tag-42" h "$who" console --log c1 -P "$P"
	check_output "$m: console --log holds the login" 'login:' h "$who" console --log c1 -P "$P"
	# To a pipe too, --log is plain text (ssh host hako console --log,
	# no -t): a complete escape sequence (a title, a colour, the shell's
	# cursor query) is dropped, not shown as \x1b noise; a lone control
	# byte is escaped; --raw gives the bytes.
	h "$who" attach c1 -P "$P" -- sh -c 'printf "a\033]2;hkraw\007b \033[6n\033[1mbold\033[0m c\001d\r\n" >/dev/console' >/dev/null 2>&1
	h "$who" console --log c1 -P "$P" >"$T/log.$who" 2>&1
	if grep -q 'ab bold c\\x01d$' "$T/log.$who" && ! grep -q $'\033' "$T/log.$who"; then
		ok "$m: console --log to a pipe is plain text: sequences dropped, control bytes escaped"
	else not_ok "$m: console --log to a pipe"; grep -a 'bold' "$T/log.$who" | od -c | head -3 | sed 's/^/#   /'; fi
	h "$who" console --log --raw c1 -P "$P" >"$T/log.$who" 2>&1
	grep -q $'\033]2;hkraw\a' "$T/log.$who" && ok "$m: --log --raw writes them as they are" ||
		not_ok "$m: --log --raw did not keep the bytes"
	# Typed ahead: a line typed before attach has put the terminal in raw
	# mode (over ssh, or a user who types at once) reaches the shell in
	# the container; it was thrown away (TCSAFLUSH).
	new_pane || { not_ok "$m: tmux did not start"; return; }
	$TM send-keys -t hk "sleep 2; $(hako_cmd "$who" attach c1 -P "$P")" Enter
	sleep 0.3
	$TM send-keys -t hk "echo typed-\$((6*7))" Enter
	check_pane "$m: a line typed before attach connects reaches the container's shell" '^typed-42' 100
	$TM send-keys -t hk exit Enter
	wait_pane '^HKPROMPT\$ *$' || not_ok "$m: attach did not return to the shell"
	check "$m: stop -k" h "$who" stop -k c1 -P "$P"

	# start -F: this terminal becomes the console.
	new_pane || { not_ok "$m: tmux did not start"; return; }
	$TM send-keys -t hk "$(hako_cmd "$who" start -F c1 -P "$P")" Enter
	check_pane "$m: start -F connects the terminal to the console" 'Connected to the console of "c1"'
	sleep 0.5
	$TM send-keys -t hk Enter
	check_pane "$m: start -F: login prompt" 'login: *$'
	[ "$(state "$who" "$P")" = RUNNING ] && ok "$m: start -F: RUNNING" || not_ok "$m: start -F: state $(state "$who" "$P")"
	$TM send-keys -t hk C-a q
	check_pane "$m: start -F: Ctrl-a q detaches" '^Detached from "c1"'
	wait_pane '^HKPROMPT\$ *$' && ok "$m: start -F: the shell prompt is back" \
		|| { not_ok "$m: start -F: no prompt after detaching"; pane | grep -v '^$' | sed 's/^/#   /' | tail -8; }
	sleep 0.3
	[ "$(state "$who" "$P")" = RUNNING ] && ok "$m: start -F: the container keeps running after detaching" \
		|| not_ok "$m: start -F: state after detach: $(state "$who" "$P")"
	$TM kill-server >/dev/null 2>&1
	check "$m: stop" h "$who" stop -k c1 -P "$P"
	check "$m: destroy" h "$who" destroy c1 -P "$P"
}

if [ ! -x "$HAKO" ] || ! command -v tmux >/dev/null; then
	skip "console: needs build/hako and tmux"
	plan_end; exit
fi

console_mode root "$T"

if UP=$(hk_user_path console); then
	console_mode "$HK_TEST_USER" "$UP"
else
	skip "console as $HK_TEST_USER: cannot make the user or set it up"
fi

plan_end
