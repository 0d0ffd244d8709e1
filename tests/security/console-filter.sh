#!/usr/bin/env bash
# tests/security/console-filter.sh - a container prints,
# on its console, OSC 52 (clipboard write), a title set, the title report
# request (CSI 21t), DECRQSS, a cursor position report request, DA and
# ENQ, with a red SGR among them, once before a viewer joins (the replay)
# and again while it watches.  `hako console` passes it all unchanged by
# default (as lxc-console does); with --filter, or [console] filter = yes
# in hako.conf, none of those reaches the viewer but the text and the
# colour do, in the replay and live; --no-replay, or [console] replay =
# no, leaves out what came before the viewer joined; the options win over
# hako.conf.  (root's hako.conf is /etc/hako/hako.conf: an overlay on /etc
# in a private mount namespace gives this test its own; the test user's
# comes from XDG_CONFIG_HOME.)  Four modes.
# guest-lane: skip - the console filter is a byte filter in hako: the same on every host
. "$(dirname "$0")/../lib.sh"
hk_begin cf console-filter modes

# payload TAG: the bytes printed; kept TAG: what the filter lets through.
payload() { printf 'hk%s<\033]52;c;aGtwd25lZA==\a\033]0;hkpwned\a\033[21t\033P$qm\033\\\033[6n\033[c\005\033[31mred\033[0m>\n' "$1"; }
kept() { printf 'hk%s<\033[31mred\033[0m>' "$1"; }
BAD=($'\033]' $'\033P' $'\033[21t' $'\033[6n' $'\033[c' $'\005' hkpwned)

# A hako.conf for each caller: root's through an overlay on /etc.
mkdir -p "$HM_T/etc-up/hako" "$HM_T/etc-work" "$HM_T/xdg/hako"
printf '[console]\nfilter = yes\nreplay = no\n' | tee "$HM_T/etc-up/hako/hako.conf" >"$HM_T/xdg/hako/hako.conf"
chmod -R a+rX "$HM_T/xdg"
cat >"$HM_T/conf-hako" <<EOF
#!/bin/sh
exec unshare -m --propagation slave sh -c 'mount -t overlay overlay -o lowerdir=/etc,upperdir=$HM_T/etc-up,workdir=$HM_T/etc-work /etc && exec "\$0" "\$@"' "$HAKO" "\$@"
EOF
chmod 755 "$HM_T/conf-hako"
# hm_conf MODE SUB ARGS...: hm with the hako.conf above.
hm_conf() {
	if hm_user "$1"; then HK_EXTRA_ENV="XDG_CONFIG_HOME=$HM_T/xdg" hm "$@"
	else HAKO=$HM_T/conf-hako hm "$@"; fi
}

# view MODE OUT HM-FUNCTION CONSOLE-ARGS...: a viewer with a pipe for its
# input, until a payload printed while it watches shows in OUT, whole: to
# its last ">" (its start alone may come in a write of its own, and the
# viewer closed then would cut the rest off: seen on a busy machine).
view() {
	local m=$1 out=$2 how=$3 fifo=$HM_T/in pid tag=late$RANDOM; shift 3
	rm -f "$fifo" "$out"
	mkfifo -m 600 "$fifo"
	payload "$tag" >"$(hm_rootfs "$m")/hk$tag"
	"$how" "$m" console "$HM_N" "$@" <"$fifo" >"$out" 2>&1 &
	pid=$!
	exec 7>"$fifo"
	for _ in $(seq 60); do
		hm_in "$m" sh -c "cat /hk$tag >/dev/console" >/dev/null 2>&1
		grep -aq "hk$tag<.*red.*>" "$out" 2>/dev/null && break
		sleep 0.5
	done
	exec 7>&-
	wait "$pid"
	LATE=$tag
}
has() { grep -aqF -- "$2" "$1"; }
# raw DESC OUT TAG: OUT holds TAG's payload byte for byte.
raw() {
	local want
	want=$(payload "$3" | head -c -1) # without its newline (a CR LF now)
	has "$2" "$want" && ok "$1" || { not_ok "$1"; od -c "$2" | head -8 | sed 's/^/#   /'; }
}
# clean DESC OUT TAG: OUT holds TAG's text and colour and nothing removed.
clean() {
	local b bad=
	for b in "${BAD[@]}"; do has "$2" "$b" && bad="$bad $(printf '%q' "$b")"; done
	if [ -z "$bad" ] && has "$2" "$(kept "$3")"; then ok "$1"; else
		not_ok "$1${bad:+: found$bad}"; od -c "$2" | head -8 | sed 's/^/#   /'
	fi
}
# fresh DESC OUT: OUT holds the late payload but nothing from before.
fresh() {
	if ! has "$2" "hkearly<" && has "$2" "hk$LATE<"; then ok "$1"; else
		not_ok "$1"; od -c "$2" | head -8 | sed 's/^/#   /'
	fi
}

cf_mode() {
	local m=$1 l=${HM_LABEL[$1]} o=$HM_T/out
	hm_create "$m" || { not_ok "$l: create"; return; }
	check "$l: start" hm "$m" start "$HM_N"
	payload early >"$(hm_rootfs "$m")/hkearly"
	check "$l: the payload is printed on the console" hm_in "$m" sh -c 'cat /hkearly >/dev/console'
	view "$m" "$o" hm
	raw "$l: by default the replay passes unchanged" "$o" early
	raw "$l: by default live output passes unchanged" "$o" "$LATE"
	view "$m" "$o" hm --filter
	clean "$l: --filter: the replay keeps text and colour, loses the rest" "$o" early
	clean "$l: --filter: live output likewise" "$o" "$LATE"
	view "$m" "$o" hm --no-replay
	fresh "$l: --no-replay: live output only, nothing from before" "$o"
	raw "$l: --no-replay: live output passes" "$o" "$LATE"
	view "$m" "$o" hm_conf
	fresh "$l: hako.conf replay = no: live output only, nothing from before" "$o"
	clean "$l: hako.conf filter = yes: live output filtered" "$o" "$LATE"
	view "$m" "$o" hm_conf --no-filter --replay
	raw "$l: --no-filter --replay win over hako.conf (replay)" "$o" early
	raw "$l: --no-filter --replay win over hako.conf (live)" "$o" "$LATE"
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes cf_mode
plan_end
