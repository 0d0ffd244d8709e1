#!/usr/bin/env bash
# tests/security/screen-text.sh - the screen-text class: a
# config value, a broken config line and a hostname set from inside, each
# holding OSC 52 (clipboard write), a title report request and cursor
# moves, are shown escaped by `ls`, `ls -f`, `ls --json` and `info`: no
# ESC, BEL or C1 CSI byte reaches the terminal.  (The dashboard has its
# own test in tests/tui.)  Modes: root privileged and the delegated user
# (the text is the container's either way).
# guest-lane: skip - escaping of text for the terminal: the same on every host
. "$(dirname "$0")/../lib.sh"
HM_MODES="rp ud"
hk_begin sx screen-text modes
EVIL=$(printf '\033]52;c;aGtwd25lZA==\007\033[21t\033[2J\033[H\302\233')

# raw DESC CMD...: ok when CMD's output holds no ESC, BEL or C1 CSI.
raw() {
	local desc=$1 out; shift
	out=$("$@" 2>&1)
	if printf '%s' "$out" | LC_ALL=C grep -q $'[\033\007]\|\xc2\x9b'; then
		not_ok "$desc: raw control bytes"; printf '%s\n' "$out" | od -c | head -5 | sed 's/^/#   /'
	elif [ -z "$out" ]; then not_ok "$desc: no output"
	else ok "$desc"; fi
}

sx_mode() {
	local m=$1 l=${HM_LABEL[$1]}
	hm_create "$m" "lxc.init.cmd = /sbin/init $EVIL" || { not_ok "$l: create"; return; }
	printf 'lxc.init.cmd = /sbin/init\n' >>"$(hm_dir "$m")/config"
	check "$l: start" hm "$m" start "$HM_N"
	hm_in "$m" hostname "hk$EVIL" >/dev/null 2>&1
	sed -i '$d' "$(hm_dir "$m")/config" # the escapes are in the config again
	raw "$l: ls" hm "$m" ls
	raw "$l: ls -f" hm "$m" ls -f
	raw "$l: ls --json" hm "$m" ls --json
	raw "$l: info" hm "$m" info "$HM_N"
	check "$l: stop" hm "$m" stop -k "$HM_N"
	printf 'lxc.bogus$EVIL = x%s\n' "$EVIL" >>"$(hm_dir "$m")/config"
	raw "$l: ls -f with a broken config line" hm "$m" ls -f
	raw "$l: ls --json with a broken config line" hm "$m" ls --json
	raw "$l: info with a broken config line" hm "$m" info "$HM_N"
}
for_modes sx_mode
plan_end
