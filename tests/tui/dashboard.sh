#!/usr/bin/env bash
# dashboard.sh - the dashboard as a person sees it: tmux runs build/hako
# against real containers in a temporary container path, send-keys types,
# capture-pane reads the screen.  Covers the list with states, start and
# stop, destroy with its confirmation, an error dialog, a console round
# trip, a device node given through the device dialog, details tabs, filter, help, read-only, resizes to 80x24 and
# 200x60, LANG=C rendering (no UTF-8 line drawing), and themes.
. "$(dirname "$0")/../lib.sh"
hk_begin tui dashboard root

. "$HK_TOP/tests/lib/tmux.sh"
tui_begin tui dash || { plan_end; exit; }
cleanup() {
	tm_end
	for c in $(hk ls 2>/dev/null); do
		hk stop -k "$c" >/dev/null 2>&1
		hk destroy "$c" >/dev/null 2>&1
	done
	rm -rf "$T"
	[ -n "${user_conf:-}" ] && rm -f "$user_conf"
	[ -n "${bridge_made:-}" ] && "$HAKO" net remove -b hktuibr0 -q >/dev/null 2>&1
}
hk_on_exit cleanup

# dash [ENV=VALUE...] -- [HAKO OPTIONS]: (re)starts the dashboard in tmux.
dash() {
	local envs=() 
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	local try
	for try in 1 2 3 4 5; do
		tm_fresh
		tm -f /dev/null new-session -d -s dash -x "${W:-120}" -y "${H:-30}" \
			env HAKO_RUN_DIR="$HAKO_RUN_DIR" TERM=screen-256color LANG=C.UTF-8 \
			"${envs[@]}" "$HAKO" -P "$P" "$@" 2>/dev/null && break
	done
	tm set-option -t dash remain-on-exit on >/dev/null
}
keys() { tm send-keys -t dash "$@"; sleep 0.3; }
state_of() { hk ls -F NAME,STATE 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }

# --- containers: c1 running, c2 stopped, broken (its rootfs removed)
check "create c1" hk create c1 -t busybox
check "create c2" hk create c2 -t busybox
check "create broken" hk create broken -t busybox
rm -rf "$P/broken/rootfs"
check "start c1" hk start c1

# --- the list
dash
wait_for "the list shows c1 RUNNING" '^c1 +RUNNING'
wait_for "the list shows c2 STOPPED" '^c2 +STOPPED'
wait_for "the header counts running and stopped" '1 running, 2 stopped'
wait_for "the header says root and the cgroup layout" 'cgroup:(legacy|hybrid|unified).*root'
wait_for "the key bar is generated from the bindings" 'Help.*Start/stop.*Quit'
wait_for "UTF-8 line drawing in a UTF-8 locale (sort marker)" 'NAME▼'

# --- start and stop c2 (sorted by name: broken, c1, c2)
keys End
keys s
wait_for "s starts c2" '^c2 +RUNNING' 20
[ "$(state_of c2)" = RUNNING ] && ok "c2 runs for the CLI too" || not_ok "c2 state: $(state_of c2)"
# Its monitor says what it is in ps (it kept the dashboard's "hako -P PATH").
mon=$(ps -o ppid= -p "$(hk ls -F NAME,PID | awk -F'\t' '$1 == "c2" { print $2 }')" | tr -d ' ')
check_output "ps shows c2's monitor as \"hako monitor c2\"" '^hako monitor c2( -P .*)?$' ps -o args= -p "$mon"
keys s
wait_for "s on a running container asks first ([tui] confirm_stop)" 'Stop "c2"\?'
keys n
wait_gone "n keeps it running" 'Stop "c2"\?'
[ "$(state_of c2)" = RUNNING ] && ok "c2 still runs after n" || not_ok "c2 state after n: $(state_of c2)"
keys s y
wait_for "s, y stops c2" '^c2 +STOPPED' 40
[ "$(state_of c2)" = STOPPED ] && ok "c2 is stopped for the CLI too" || not_ok "c2 state: $(state_of c2)"

# --- an error dialog keeps the whole message
keys Home
keys s
wait_for "starting a container without rootfs opens an error dialog" 'failed'
wait_for "the dialog names the missing rootfs" 'rootfs'
keys Enter
wait_gone "Enter closes the dialog" '\[ OK \]'

# --- destroy with its confirmation (broken is selected)
keys D
wait_for "D asks, naming the container" 'Destroy "broken"\?'
keys n
wait_gone "n keeps it" 'Destroy "broken"\?'
hk ls | grep -qx broken && ok "broken still exists after n" || not_ok "broken vanished after n"
keys D
keys y
wait_gone "y destroys it" '^broken '
hk ls | grep -qx broken && not_ok "broken still listed by the CLI" || ok "broken is gone for the CLI too"

# --- create through the dialog (a background job; the screen stays live)
keys n
wait_for "n opens the create dialog" 'New container'
keys Tab Right
wait_for "the template is a pick list: Right gives the next one" 'Template \(<- ->\) +download'
keys Left
wait_for "... Left the one before" 'Template \(<- ->\) +busybox'
keys BTab
keys 'made1' Enter
wait_for "the dialog creates made1" '^made1 +STOPPED' 30
hk ls | grep -qx made1 && ok "made1 exists for the CLI" || not_ok "made1 missing for the CLI"

# --- clone c2 through its dialog
keys / '^c2$' Enter
keys C
wait_for "C opens the clone dialog naming the source" 'Clone "c2"'
keys C-u 'c2-twin' Enter
keys Escape
wait_for "the dialog clones c2 into c2-twin" '^c2-twin +STOPPED' 60
hk ls | grep -qx c2-twin && ok "c2-twin exists for the CLI" || not_ok "c2-twin missing for the CLI"

# --- rename c2-twin (stopped) through its dialog
keys / '^c2-twin$' Enter
keys R
wait_for "R opens the rename dialog naming it" 'Rename "c2-twin"'
keys C-u 'c2-moved' Enter
keys Escape
wait_for "the dialog renames c2-twin to c2-moved" '^c2-moved +STOPPED' 30
wait_gone "... and c2-twin is gone from the list" '^c2-twin ' 10
hk ls | grep -qx c2-moved && ! hk ls | grep -qx c2-twin && ok "the CLI sees c2-moved, not c2-twin" ||
	not_ok "after the rename, the CLI lists: $(hk ls | tr '\n' ' ')"

# --- freeze and thaw c1, kill c2 with its confirmation
keys / C-u '^c1$' Enter
keys p
wait_for "p freezes c1" '^c1 +FROZEN' 15
keys p
wait_for "p thaws c1" '^c1 +RUNNING' 15

# --- give c1 a device node through the device dialog (root: hako device)
if [ "$(id -u)" = 0 ] && mknod "$T/hknull" c 1 3 2>/dev/null; then
	keys V
	wait_for "V opens the device dialog naming c1" 'Device for "c1"'
	keys Tab C-u "$T/hknull" Tab '/dev/hknull' Enter
	for i in $(seq 100); do hk attach c1 -- test -c /dev/hknull 2>/dev/null && break; sleep 0.2; done
	check "the dialog made /dev/hknull in c1" hk attach c1 -- test -c /dev/hknull
	check "... and hako device takes it back" hk device c1 del /dev/hknull
else
	skip "device dialog: needs root"
fi
keys Escape
hk start c2 >/dev/null 2>&1
keys / '^c2$' Enter
wait_for "c2 runs again" '^c2 +RUNNING' 10
keys F9
wait_for "F9 asks before killing, as K (htop's F9)" 'Kill "c2"\?'
keys n
keys K
wait_for "K asks before killing" 'Kill "c2"\?'
keys y
wait_for "y kills c2" '^c2 +STOPPED' 20
# --- what needs a running container says so on a stopped one
keys p
wait_for "p on a stopped container: nothing to freeze (no \"done\")" 'Nothing to freeze: "c2" is STOPPED'
keys K
wait_for "K on a stopped container: nothing to kill, no question" 'Nothing to kill: "c2" is STOPPED'
screen | grep -q 'Kill "c2"?' && not_ok "K still asks about a stopped container" || ok "K asks nothing"
keys e
wait_for "e on a stopped container: start it first" 'Cannot run a command in "c2": it is STOPPED; start it first'
keys a
wait_for "a on a stopped container: start it first" 'Cannot attach to "c2": it is STOPPED'
# --- D on a running container says it is killed first, and does it
hk start c2 >/dev/null 2>&1
wait_for "c2 runs for D" '^c2 +RUNNING' 10
keys D
wait_for "D on a running container says it is killed first" 'It runs: it is killed first'
keys y
wait_gone "y destroys the running c2" '^c2 ' 30
hk ls | grep -qx c2 && not_ok "c2 still exists after D, y" || ok "the running c2 was killed and destroyed"
hk create c2 -t busybox -q >/dev/null 2>&1
keys Escape

# --- a change made elsewhere shows at once (inotify), not at the next tick
keys - - - - -
wait_for "- slows the refresh down" 'every 16.0s'
hk start c2 >/dev/null 2>&1
wait_for "a start from the CLI shows without waiting for the refresh" '^c2 +RUNNING' 5
hk stop -k c2 >/dev/null 2>&1
wait_for "a stop from the CLI shows too" '^c2 +STOPPED' 5
hk create elsewhere1 -t busybox -q >/dev/null 2>&1
wait_for "a container created by the CLI shows within 1 s (16 s refresh)" '^elsewhere1 +STOPPED' 1
hk destroy elsewhere1 -q >/dev/null 2>&1
wait_gone "and its destroy" '^elsewhere1 ' 2
keys + + + + +
wait_for "+ speeds it up again" 'every 0.5s|every 1.0s'

# --- filter: a regex, ! inverts, Esc clears
keys / '^c1' Enter
wait_gone "filter ^c1 hides c2" '^c2 '
keys / C-u '!c1' Enter
wait_gone "filter !c1 hides c1" '^c1 '
wait_for "filter !c1 keeps c2" '^c2 '
keys Escape
wait_for "Esc clears the filter" '^c1 '
# An invalid regex shows no row and says why (it showed the whole list).
keys / '[c' Enter
wait_gone "an invalid filter hides every row" '^c1 '
wait_for "and says it is no regular expression" 'The filter /\[c/ is not a regular expression'
keys Escape
wait_for "Esc clears the invalid filter" '^c1 '
# htop's F-keys where they mean the same; any other key says it does nothing
keys F4 '^c1' Enter
wait_gone "F4 filters, as in htop" '^c2 '
keys Escape
keys F2
wait_for "F2 (htop's setup) says it does nothing here" 'F2 does nothing here; \? lists the keys'
keys Z
wait_for "so does an unbound letter" 'Z does nothing here'
keys '>'
wait_for "> says what it sorts by" 'Sorted by STATE, A to Z\.'
keys I
wait_for "I says the order it reversed to" 'Sorted by STATE, Z to A\.'
keys I '<'
wait_for "< goes back to NAME" 'Sorted by NAME, A to Z\.'

# --- details: tabs
keys Home
keys Enter
wait_for "Enter opens the details of c1" 'Info +Cgroups +ID maps +Config +Console log'
wait_for "the Info tab shows the init pid" 'Init PID +[0-9]+'
keys Tab
wait_for "the Cgroups tab shows the container's tree" 'hako/c1'
wait_for "the Cgroups tab lists each cgroup's processes (init's pid and command line)" "[0-9]+  (/sbin/)?init\b"
keys Tab
wait_for "the ID maps tab says c1 is privileged" 'No id map: a privileged container'
keys Tab
wait_for "the Config tab shows the config file" 'lxc.rootfs.path'
keys Tab
wait_for "the Console log tab shows what init printed" 'login|init|BusyBox|Please press' 10
keys Escape
wait_for "Esc goes back to the list" '^c1 +RUNNING'

# --- help
keys '?'
wait_for "? shows the help with every binding" 'start-stop'
wait_for "the help lists destroy's keys" 'D, Delete'
keys q
wait_for "q leaves the help" '^c1 +RUNNING'

# --- ID maps of a container with a map: ranges drawn as bars
check "create mapped" hk create mapped -t busybox
printf 'lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n' >>"$P/mapped/config"
keys / C-u '^mapped$' Enter
keys Enter
keys 3
wait_for "the ID maps tab lists the uid range" 'u +0 +100000 +65536 .*ok'
wait_for "the ID maps tab lists the gid range" 'g +0 +100000 +65536 .*ok'
wait_for "the ranges are drawn as bars" '█'
keys Escape
keys Escape
keys D
keys y
wait_gone "mapped is destroyed" '^mapped ' 20

# --- e runs a command
keys Home
keys e
wait_for "e asks for a command" 'Run in "c1"'
keys 'echo ran-$((40+2))' Enter
wait_for "the command runs inside the container" 'ran-42'
wait_for "and waits for Enter" 'press Enter'
keys Enter
wait_for "Enter comes back to the list" '^c1 +RUNNING'

# --- console round trip: c, then Ctrl-a q comes back to the same list
# and selection (sorted in reverse, c1 is the last row)
keys I
keys End
keys c
wait_for "c joins the console" 'Connected to the console of "c1"'
keys C-a q
wait_for "Ctrl-a q comes back to the list" '^c1 +RUNNING'
keys Enter
wait_for "the selection is kept (details of c1)" 'Name +c1'
keys Escape
keys I

# --- attach: a shell in the container, exit comes back
keys Home
keys a
sleep 1
keys 'echo answer-$((6*7))' Enter
wait_for "a runs a shell inside the container" 'answer-42'
keys 'exit' Enter
wait_for "leaving the shell comes back to the list" '^c1 +RUNNING'

# --- escape sequences on the console are never obeyed; the Console tab
# shows its text without them (a shell's cursor-position request after
# each prompt, colours) and without carriage-return noise
hk attach c1 -- /bin/sh -c 'printf "\033]2;PWNED\007evil\033[2Jline\n/ # \033[6n\r\nprogress 10%%\rprogress 99%%\r\n\001raw\n" >/dev/console' >/dev/null 2>&1
keys Home
keys Enter
keys 5
wait_for "the Console log shows the text of a line with escape sequences" 'evilline'
wait_for "... a prompt without its \\x1b[6n" '^/ # *$'
wait_for "... what a carriage return left on the terminal" '^progress 99%'
wait_for "... other control bytes as text" '^\\x01raw'
screen | grep -q 'x1b\|x0d' && not_ok "the Console tab shows \\x1b or \\x0d noise" || ok "no \\x1b or \\x0d noise"
title=$(tm display-message -p -t dash '#{pane_title}')
[ "$title" != PWNED ] && ok "the terminal title was not changed ($title)" || not_ok "the title became PWNED"
hk attach c1 -- /bin/sh -c 'i=0; while [ $i -lt 60 ]; do echo follow-$i; i=$((i+1)); done >/dev/console' </dev/null >/dev/null 2>&1
wait_for "the Console log follows new output (the last of 60 lines shows)" '^follow-59'
keys Escape

# --- CPU% from the change in CPU time between refreshes: a busy loop in
# c1 shows (most of one CPU on an idle machine; under make check the
# guests share the CPUs, so at least 10 %)
hk attach c1 -- /bin/sh -c 'echo $$ >/tmp/busy.pid; while :; do :; done' </dev/null >/dev/null 2>&1 &
busy=$!
keys / C-u '^c1$' Enter
wait_for "a busy loop in c1 shows as CPU% of at least 10" '^c1 +RUNNING.* ([1-9][0-9]|1[01][0-9])\.[0-9] +[0-9]+' 10
hk attach c1 -- /bin/sh -c 'kill $(cat /tmp/busy.pid)' </dev/null >/dev/null 2>&1
wait "$busy" 2>/dev/null
wait_for "and CPU% falls back to 0 when it ends" '^c1 +RUNNING.* 0\.[0-9] +[0-9]+' 10
keys Escape

# --- IO (lxc-top's BlkIO): 4 MiB written with O_DIRECT in c1 (reaches
# the disk, so its cgroup is charged at once) show in c1's IO cell, and
# sorting by IO puts the largest first, as lxc-top's "b" sort does.  On
# v1, kernels 6.x count only disks with a throttle limit (blkio.sh): a
# limit far above any real rate
hk start c2 >/dev/null 2>&1
if disk=$(hk_disk_of "$T") && [ -d /sys/fs/cgroup/blkio ]; then
	hk cgroup c1 blkio.throttle.write_bps_device "$disk 100000000000" >/dev/null 2>&1
	hk cgroup c2 blkio.throttle.write_bps_device "$disk 100000000000" >/dev/null 2>&1
fi
hk attach c1 -- /bin/sh -c 'dd if=/dev/zero of=/root/io.bin bs=64k count=64 oflag=direct && rm /root/io.bin' </dev/null >/dev/null 2>&1
info_io=$(hk info c1 | awk -F': *' '/^BlkIO use/ { print $2 }')
case "$info_io" in [4-9].*MiB | [1-9][0-9]*.*MiB) ok "hako info: BlkIO use $info_io after 4 MiB of direct writes" ;;
*) not_ok "hako info c1: BlkIO use is \"$info_io\"" ;; esac
wait_for "the IO column shows c1's 4 MiB" '^c1 +RUNNING.* [0-9]+ +([4-9]|[1-9][0-9])\.[0-9]M( |$)' 10
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do screen | grep -q 'Sorted by IO' && break; keys '>'; sleep 0.2; done
wait_for "> reaches IO: largest first" 'Sorted by IO, largest first\.'
first=$(screen | grep -E '^[ *]?[a-z0-9-]+ +(RUNNING|STOPPED|BADCONF)' | head -1 | awk '{ print $1 }')
[ "$first" = c1 ] && ok "sorted by IO, c1 (4 MiB) is first" || not_ok "sorted by IO, the first row is $first"
keys I
wait_for "I: smallest first" 'Sorted by IO, smallest first\.'
first=$(screen | grep -E '^[ *]?[a-z0-9-]+ +(RUNNING|STOPPED|BADCONF)' | head -1 | awk '{ print $1 }')
[ "$first" != c1 ] && ok "... c1 is no longer first ($first is)" || not_ok "reversed, c1 is still first"
keys I
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do screen | grep -q 'Sorted by NAME' && break; keys '<'; sleep 0.2; done
wait_for "< walks back to NAME" 'Sorted by NAME, A to Z\.'

# --- Space marks; s then acts on every marked one in the direction of the
# first (c2 runs: both stop, made1 is not started)
hk start c2 >/dev/null 2>&1
keys / C-u '^(c2|made1)$' Enter
wait_for "c2 runs, made1 is stopped" '^c2 +RUNNING'
keys Home Space Space
wait_for "the header counts the marks" '2 marked'
wait_for "marked rows say so in text: * before the name" '^\*c2 .*' 
wait_for "... both of them" '^\*made1 '
keys s
wait_for "s on marks asks about both" 'Stop "c2", "made1"\?'
keys y
wait_for "s on marks says how many" 'Stopping \(kill after [0-9]+s\) 2 containers'
wait_for "s stops the marked c2" '^\*c2 +STOPPED' 40
sleep 1
[ "$(state_of made1)" = STOPPED ] && ok "s did not start the marked made1" || not_ok "made1 state: $(state_of made1)"
keys s
wait_for "s again starts c2" '^\*c2 +RUNNING' 20
wait_for "and made1" '^\*made1 +RUNNING' 20
keys Escape
wait_gone "Esc clears the filter" 'filter:/'
keys Escape
wait_gone "a second Esc clears the marks" 'marked'
wait_for "... and their * marks" '^c2 '
hk stop -k c2 >/dev/null 2>&1
hk stop -k made1 >/dev/null 2>&1

# --- y and Y: OSC 52 to the clipboard (tmux keeps it as a paste buffer)
tm set-option -s set-clipboard on
keys / C-u '^made1$' Enter
keys y
[ "$(tm show-buffer 2>/dev/null)" = made1 ] && ok "y puts the name on the clipboard (OSC 52)" \
	|| not_ok "y: the clipboard holds \"$(tm show-buffer 2>/dev/null)\""
keys Y
wait_for "Y says when there is no address to copy" '"made1" has no IP address to copy'
keys Escape

# --- E edits the config in $EDITOR, checks it and shows what is wrong; the
# Config tab shows the includes, also while the config has an error
printf 'lxc.start.auto = 1\n' >"$T/inc.conf"
echo "lxc.include = $T/inc.conf" >>"$P/made1/config"
cat >"$T/ed.sh" <<'EOF'
#!/bin/sh
# Breaks the config, or mends what it broke the last time.
if grep -q bogus "$1"; then sed -i '/bogus/d' "$1"; else echo 'lxc.bogus.key = 1' >>"$1"; fi
EOF
chmod +x "$T/ed.sh"
dash EDITOR="$T/ed.sh" --
keys / '^made1$' Enter
keys E
wait_for "E checks the edited config and names the bad line" 'line 1[0-9]: unknown key "lxc.bogus.key"'
keys Enter
keys Enter 4
wait_for "the Config tab shows the bad line" '^lxc.bogus.key = 1'
wait_for "and the included file, though the config has an error" "^# $T/inc.conf"
keys E
wait_for "E again: the mended config is checked" 'Config of "made1" checked: OK'
wait_gone "and re-read" '^lxc.bogus.key'
wait_for "the include is still shown" "^# $T/inc.conf"

# --- a resize in the details, the help and a dialog
tm resize-window -t dash -x 80 -y 24
wait_for "details at 80x24 keep the tabs" 'Info +Cgroups +ID maps'
keys Escape '?'
wait_for "help at 80x24" 'start-stop'
wait_for "help at 80x24 wraps a long line instead of cutting it" '^ {32}back: \[console\] escape\)'
[ "$(screen | wc -l)" -le 24 ] && ok "the help fits 24 lines" || not_ok "lines: $(screen | wc -l)"
keys q n
wait_for "the create dialog at 80x24" 'New container'
tm resize-window -t dash -x 200 -y 60
wait_for "the create dialog after growing to 200x60" 'Template'
tm resize-window -t dash -x 60 -y 16
wait_for "the create dialog after shrinking to 60x16" 'Backend'
keys Escape
tm resize-window -t dash -x 120 -y 30
keys Escape

# --- resize
tm resize-window -t dash -x 80 -y 24
wait_gone "at 80x24 low-priority columns are dropped" 'AUTOSTART'
wait_for "at 80x24 NAME and STATE stay" '^NAME.*STATE'
# sorting walks only the columns shown: from STATE to the next shown one
keys '>' '>'
screen | grep -q 'Sorted by \(IPV6\|AUTOSTART\|UNPRIV\)' && not_ok "sort went to a hidden column" ||
	ok "at 80x24 > skips the dropped columns ($(screen | grep -o 'Sorted by [A-Z0-9%]*'))"
keys '<' '<'
wait_for "and back to NAME" 'Sorted by NAME'
[ "$(screen | wc -l)" -le 24 ] && ok "the screen is 24 lines" || not_ok "lines: $(screen | wc -l)"
tm resize-window -t dash -x 200 -y 60
wait_for "at 200x60 every column shows" 'IPV6.*AUTOSTART'
wait_for "at 200x60 the key bar is at the bottom" 'Help.*Quit'

# --- themes
keys T
wait_for "T switches the theme" 'Theme "[a-z-]+"'
keys q
dash -- --theme no-such-theme
wait_for "an unknown theme is an error naming it" 'theme "no-such-theme"'
keys Enter
printf '[colors]\nheader = black, cyan\nselection = purple, black\n' >"$T/bad.theme"
dash -- --theme "$T/bad.theme"
wait_for "a bad theme file names its line" 'bad.theme:3'
wait_for "and falls back to the default" 'using the default'
keys Enter
keys q

# --- LANG=C: ASCII only, also in dialogs
dash LANG=C LC_ALL=C --
wait_for "LANG=C shows the list" '^c1 +RUNNING'
keys D
wait_for "LANG=C draws the dialog in ASCII" '\+-'
if screen | LC_ALL=C grep -q "$(printf '[\200-\377]')"; then
	not_ok "LANG=C output has non-ASCII bytes"; screen | sed 's/^/#   /'
else ok "LANG=C output has no UTF-8 bytes"; fi
keys n
keys q
dash TERM=vt100 --
wait_for "TERM=vt100 uses the ASCII sort marker" 'NAMEv'
# Each row is drawn in its role's attributes alone: the blanks between its
# cells too (they once took the attributes of whatever was drawn before,
# bold or reverse gaps).  capture-pane -e shows an attribute change as an
# escape sequence: none may sit between a row's first and last character.
one_attr_rows() { # DESC
	local line rest bad=
	while IFS= read -r line; do
		rest=$(printf '%s' "$line" | sed -E 's/^(\x1b\[[0-9;]*m)+//; s/ +$//')
		case "$rest" in c1* | c2* | broken*) ;; *) continue ;; esac
		[[ "$rest" == *$'\e'* ]] && bad+="$(printf '%s' "$rest" | cat -v | cut -c1-120); "
	done < <(tm capture-pane -p -e -t dash)
	[ -z "$bad" ] && ok "$1" || not_ok "$1: $bad"
}
one_attr_rows "TERM=vt100: each row in one attribute, the gaps between cells too"
keys q
dash NO_COLOR=1 --
wait_quiet '^c1 +RUNNING'
one_attr_rows "NO_COLOR: each row in one attribute, the gaps between cells too"
keys q
dash --
wait_quiet '^c1 +RUNNING'
one_attr_rows "colours: each row in one attribute, the gaps between cells too"
keys q

# --- s stops with [tui] stop_timeout of hako.conf: an init that ignores
# its halt signal is killed after that many seconds (root's hako.conf is
# /etc/hako/hako.conf: an overlay on /etc in a private mount namespace
# gives this dashboard its own)
check "create stubborn" hk create stubborn -t busybox
echo 'lxc.signal.halt = SIGCONT' >>"$P/stubborn/config"
check "start stubborn" hk start stubborn
hk_conf_wrapper "$T/ns-hako" "$T"
printf '[tui]\nstop_timeout = 2\nconfirm_stop = no\n[console]\nescape = ^o\n' >"$T/etc-up/hako/hako.conf"
real_hako=$HAKO
HAKO=$T/ns-hako dash
HAKO=$real_hako
keys / '^stubborn$' Enter
wait_for "stubborn runs" '^stubborn +RUNNING'
# [console] escape = ^o: the console says so, and Ctrl-o q comes back
keys c
wait_for "c joins the console, naming [console] escape's key" 'type Ctrl\+o q to detach'
keys C-a q
sleep 1
screen | grep -q '^stubborn +RUNNING' && not_ok "Ctrl-a q still detaches" || ok "Ctrl-a q no longer detaches"
keys C-o q
wait_for "Ctrl-o q comes back to the list" '^stubborn +RUNNING'
keys s
wait_for "s stops at once with confirm_stop = no, and says when it will kill ([tui] stop_timeout = 2)" 'Stopping \(kill after 2s\) "stubborn"'
wait_for "the status line counts down to the kill" '"stubborn"\.\.\. . (kill in [12]s|killing)'
wait_for "s kills stubborn after 2 s (not the default 30)" '^stubborn +STOPPED' 8
keys Escape
keys q
check "destroy stubborn" hk destroy stubborn

# --- addresses: a container with a veth on a test bridge (hktuibr0,
# 10.99.95.1/24, removed at the end) shows its IPv4 in the list, its host
# veth in Info, and Y copies the address
BR=hktuibr0
if "$HAKO" net setup -b "$BR" -s 10.99.95.1/24 >/dev/null 2>&1; then
	bridge_made=1
	check "create wired" hk create wired -t busybox
	printf 'lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.flags = up\n' "$BR" >>"$P/wired/config"
	check "start wired" hk start wired
	dash
	keys / '^wired$' Enter
	wait_for "the list shows wired's IPv4" '^wired +RUNNING +10\.99\.95\.[0-9]+'
	tm set-option -s set-clipboard on
	keys Y
	case "$(tm show-buffer 2>/dev/null)" in
	10.99.95.*) ok "Y puts the address on the clipboard" ;;
	*) not_ok "Y: the clipboard holds \"$(tm show-buffer 2>/dev/null)\"" ;;
	esac
	keys Enter
	wait_for "Info names the host end of the veth" 'Net 0 +veth link=hktuibr0 host veth=hk[0-9]+_0'
	keys Escape Escape q
	hk stop -k wired >/dev/null 2>&1
	check "destroy wired" hk destroy wired
else
	skip "addresses: hako net setup -b $BR failed here"
fi

# --- read-only: nothing changes
dash -- --read-only
wait_for "--read-only says so in the header" 'read-only'
keys End
keys s
wait_for "--read-only refuses s" 'Read-only dashboard'
sleep 1
[ "$(state_of c2)" = STOPPED ] && ok "c2 was not started" || not_ok "c2 state: $(state_of c2)"
keys q
sleep 0.5
tm list-panes -t dash -F '#{pane_dead}' 2>/dev/null | grep -q 1 && ok "q quits" || not_ok "q did not quit"

# --- an ordinary user: their own (empty) store, and [keys] remaps
if ensure_test_user; then
	home=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
	conf_dir=$home/.config/hako
	if [ -e "$conf_dir/hako.conf" ]; then
		skip "[keys] remap: $conf_dir/hako.conf exists already"
	else
		setpriv --reuid="$HK_TEST_USER" --regid="$HK_TEST_USER" --init-groups -- mkdir -p "$conf_dir"
		user_conf=$conf_dir/hako.conf
		printf '[keys]\nquit = x\nhelp = nosuchkey\n' >"$user_conf"
		chown "$HK_TEST_USER:" "$user_conf"
		tm_fresh
		tm -f /dev/null new-session -d -s dash -x 120 -y 30 \
			env -i HOME="$home" USER="$HK_TEST_USER" LOGNAME="$HK_TEST_USER" \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=screen-256color LANG=C.UTF-8 \
			setpriv --reuid="$HK_TEST_USER" --regid="$HK_TEST_USER" --init-groups -- "$HAKO"
		tm set-option -t dash remain-on-exit on >/dev/null
		wait_for "an ordinary user's dashboard says whose it is" "user $HK_TEST_USER"
		wait_for "a bad [keys] line is shown in a dialog" 'unknown key "nosuchkey"'
		keys Enter
		keys q
		sleep 0.5
		tm list-panes -t dash -F '#{pane_dead}' 2>/dev/null | grep -q 0 && ok "q no longer quits (remapped)" || not_ok "q still quits"
		wait_for "the key bar shows the remapped key" 'xQuit'
		keys x
		sleep 0.5
		tm list-panes -t dash -F '#{pane_dead}' 2>/dev/null | grep -q 1 && ok "x quits" || not_ok "x did not quit"
	fi
else
	skip "ordinary user: cannot make the test user"
fi

# --- an empty container path: the header names it, the list says what to do
mkdir -p "$T/emptypath"
tm_fresh
tm -f /dev/null new-session -d -s dash -x 120 -y 30 env HAKO_RUN_DIR="$HAKO_RUN_DIR" TERM=screen-256color \
	LANG=C.UTF-8 "$HAKO" -P "$T/emptypath"
wait_for "the header shows the container path" " hako  [^ ]+:$T/emptypath "
wait_for "an empty path says how to fill it" "No containers in $T/emptypath\. Press n to create one"
keys q

# --- terminals the dashboard cannot draw on: a refusal that says why and
# what to do (TERM=dumb drew a title and a key bar; an unknown TERM got
# ncurses' bare "Error opening terminal")
for t in dumb:'cannot move the cursor' nosuch-term:'is not in the terminfo'; do
	tm_fresh
	tm -f /dev/null new-session -d -s dash -x 80 -y 24 sh -c \
		"env HAKO_RUN_DIR='$HAKO_RUN_DIR' TERM=${t%%:*} '$HAKO' -P '$P'; echo rc=\$?; sleep 60"
	wait_for "TERM=${t%%:*}: refused, saying why" "terminal type \"${t%%:*}\" .*${t#*:}"
	wait_for "TERM=${t%%:*}: exit status 1" '^rc=1$'
done

plan_end
