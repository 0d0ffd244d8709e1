#!/usr/bin/env bash
# tests/security/capabilities.sh - the capabilities class: the
# inheritable set is empty in init, in attach and in attach -u 1 (and the
# ambient set too); a privileged container's bounding set lacks LXC's drop
# list (sys_module, sys_rawio, sys_time, mac_override, mac_admin), in init
# and in attach; lxc.no_new_privs = 1 holds for init and for attach.
# Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin cp capabilities modes

status_of() { # MODE FIELD [attach args]: FIELD of /proc/1/status or of an attached process
	local m=$1 f=$2; shift 2
	if [ $# = 0 ]; then hm_in "$m" cat /proc/1/status; else hm "$m" attach "$HM_N" "$@" -- cat /proc/self/status; fi 2>&1 \
		| awk -v f="$f:" '$1 == f { print $2 }'
}
lacks_drop_list() { # HEX
	local bnd=$((16#$1)) c bad=
	for c in 16 17 25 32 33; do (((bnd >> c) & 1)) && bad="$bad $c"; done
	[ -z "$bad" ] || { echo "bounding set $1 holds caps$bad"; return 1; }
}

caps_mode() {
	local m=$1 l=${HM_LABEL[$1]} v who
	hm_create "$m" || { not_ok "$l: create"; return; }
	check "$l: start" hm "$m" start "$HM_N"
	for who in init "attach" "attach -u 1"; do
		local args=()
		case "$who" in attach) args=(-v X=1) ;; "attach -u 1") args=(-u 1) ;; esac
		v=$(status_of "$m" CapInh "${args[@]}")
		[ "$v" = 0000000000000000 ] && ok "$l: $who: inheritable set empty" || not_ok "$l: $who: CapInh '$v'"
		v=$(status_of "$m" CapAmb "${args[@]}")
		[ "$v" = 0000000000000000 ] && ok "$l: $who: ambient set empty" || not_ok "$l: $who: CapAmb '$v'"
		if [ "$m" = rp ]; then
			v=$(status_of "$m" CapBnd "${args[@]}")
			check "$l: $who: bounding set lacks LXC's drop list" lacks_drop_list "$v"
		fi
	done
	check "$l: stop" hm "$m" stop -k "$HM_N"
	echo 'lxc.no_new_privs = 1' >>"$(hm_dir "$m")/config"
	check "$l: start with lxc.no_new_privs = 1" hm "$m" start "$HM_N"
	check_output "$l: init has no_new_privs" '^NoNewPrivs:[[:space:]]+1$' hm_in "$m" cat /proc/1/status
	check_output "$l: attach has no_new_privs" '^NoNewPrivs:[[:space:]]+1$' hm_in "$m" cat /proc/self/status
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes caps_mode
plan_end
