#!/usr/bin/env bash
# tests/security/cgroups.sh - the cgroups class: init is in a
# cgroup namespace of its own (every line of /proc/1/cgroup is "/"), and an
# attached process in init's cgroup; the
# v1 release_agent trick fails (mounting a v1 hierarchy and writing its
# release_agent, directly and after unshare -Urm); the monitor is never in
# the payload cgroup; no other container's cgroup that shows inside can
# be written; the container cannot raise its own limits (started with
# pids.max = 100, it writes "max" into every pids.max it can see: the
# limit sits on hako/NAME, above its namespace root hako/NAME/payload, and
# stays 100), nor widen its device rules (v1 devices.allow a).  Four modes;
# without a delegated cgroup the limit itself is refused at start.
. "$(dirname "$0")/../lib.sh"
hk_begin cg cgroups modes

# shellcheck disable=SC2016
RELEASE='mkdir -p /tmp/hkc; r=fail
if mount -t cgroup -o none,name=hkrel$$ cgroup /tmp/hkc 2>/dev/null; then
	echo /hk-no-agent >/tmp/hkc/release_agent 2>/dev/null && r=written; umount /tmp/hkc
fi; echo $r'

# Root's attach is born in the container's cgroup v2 directory (clone3
# with CLONE_INTO_CGROUP): moving it there instead (a write of
# cgroup.procs) makes the kernel wait for an RCU grace period.  strace -y
# names each descriptor's path.
V2=$(findmnt -n -t cgroup2 -o TARGET 2>/dev/null | head -n 1)
attach_born() {
	local m=$1 l=${HM_LABEL[$1]} p st
	hm_user "$m" && return
	if [ -z "$V2" ] || ! command -v strace >/dev/null; then
		skip "$l: attach born in the v2 cgroup (needs strace and cgroup2)"
		return
	fi
	hm_path_v p "$m"
	st=$HM_T/strace.$m
	strace -f -y -e trace=clone3,openat -o "$st" "$HAKO" attach "$HM_N" -P "$p" -- true
	if grep -q 'clone3(.*CLONE_INTO_CGROUP' "$st" &&
		! grep -E "openat\\($V2/[^>]*>, \"cgroup.procs\", O_WRONLY" "$st" | grep -q .; then
		ok "$l: an attach is born in the v2 cgroup, not moved there"
	else
		not_ok "$l: attach: clone3 into the cgroup missing, or a v2 cgroup.procs written"
		grep -E 'clone3|cgroup.procs' "$st" | sed 's/^/#   /' | head
	fi
}

cg_mode() {
	local m=$1 l=${HM_LABEL[$1]} out init mon
	local key=lxc.cgroup.pids.max
	[ -d /sys/fs/cgroup/pids ] || key=lxc.cgroup2.pids.max
	hm_create "$m" "$key = 100" || { not_ok "$l: create"; return; }
	if [ "$m" = un ]; then # a limit that no cgroup can hold is refused, not lost
		check_output "$l: a limit without a delegated cgroup is refused, naming it and the fix" \
			"sets $key, but .*(setup-user|enable-linger)" hm "$m" start "$HM_N"
		sed -i "/^$key/d" "$(hm_dir "$m")/config"
	fi
	check "$l: start" hm "$m" start "$HM_N"
	out=$(hm_in "$m" cat /proc/1/cgroup 2>&1)
	printf '%s\n' "$out" | grep -qv ':/$' && not_ok "$l: /proc/1/cgroup inside: $(echo $out)" \
		|| ok "$l: a cgroup namespace of its own (every line of /proc/1/cgroup is /)"
	# An attached process joins the container's cgroup (an attach that cannot
	# fails instead): inside, its /proc/self/cgroup is init's.
	out=$(hm_in "$m" sh -c 'a=$(cat /proc/self/cgroup); i=$(cat /proc/1/cgroup); [ "$a" = "$i" ] && echo same || echo "attached: $a; init: $i"' 2>&1)
	[ "$out" = same ] && ok "$l: an attached process is in init's cgroup" || not_ok "$l: $(echo $out)"
	attach_born "$m"
	out=$(hm_in "$m" sh -c "$RELEASE" 2>&1)
	[ "$out" = fail ] && ok "$l: release_agent trick fails" || not_ok "$l: release_agent trick: $out"
	out=$(hm_in "$m" unshare -Urm sh -c "$RELEASE" 2>&1)
	[ "$out" = fail ] && ok "$l: release_agent trick after unshare -Urm fails" || not_ok "$l: after unshare: $out"
	init=$(hm_init_pid "$m")
	mon=$(ps -o ppid= -p "$init" | tr -d ' ')
	if [ -n "$mon" ] && grep -q hako "/proc/$mon/cmdline" 2>/dev/null || [ "$(readlink "/proc/$mon/exe")" = "$(readlink -f "$HAKO")" ]; then
		out=$(grep -E "/$HM_N(@[^/]*)?(/|\$)" "/proc/$mon/cgroup")
		[ -z "$out" ] && ok "$l: the monitor (pid $mon) is not in the payload cgroup" \
			|| not_ok "$l: the monitor (pid $mon) sits in: $out"
	else
		not_ok "$l: cannot find the monitor (init $init, parent $mon)"
	fi
	# No other container's cgroup may be written (nor shown, below): try to
	# make a child cgroup in each.
	out=$(hm_in "$m" sh -c 'for d in $(find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -name "*@*" 2>/dev/null); do
		case "$(cat /proc/1/cgroup)" in *"${d#/sys/fs/cgroup/*/}"*) continue ;; esac
		mkdir "$d/hkprobe" 2>/dev/null && { echo "$d"; rmdir "$d/hkprobe"; }; done' 2>&1)
	[ -z "$out" ] && ok "$l: no other container's cgroup is writable inside" || not_ok "$l: writable inside: $out"
	# And none shows: only hierarchies where the container has a cgroup of
	# its own are mounted, each rooted there (a user on a hybrid host saw
	# the host's whole cgroup2 tree, other containers' names included).
	out=$(hm_in "$m" sh -c 'find /sys/fs/cgroup -mindepth 1 -maxdepth 5 -type d \( -name hako -o -name "hako.users" \
		-o -name "*@*" -o -name "*.slice" -o -name "*.scope" \) 2>/dev/null | head -5' 2>&1)
	[ -z "$out" ] && ok "$l: no cgroup of the host or of another container is in sight" ||
		not_ok "$l: the container sees: $(echo $out)"
	# Raising its own limit: every pids.max inside is at or below the
	# namespace root, none of them is the limit's (100 on hako/NAME).
	out=$(hm_in "$m" sh -c 'for f in $(find /sys/fs/cgroup -maxdepth 3 -name pids.max 2>/dev/null); do
		[ "$(cat $f)" = 100 ] && echo "limit visible: $f"; { echo max >$f; } 2>/dev/null; done' 2>&1)
	[ -z "$out" ] && ok "$l: the limit file is not visible inside" || not_ok "$l: $out"
	if [ -d /sys/fs/cgroup/devices ] && [ "$m" != un ]; then
		check_fails "$l: devices.allow a at its namespace root is refused (the rules sit above)" \
			hm_in "$m" sh -c 'echo a >/sys/fs/cgroup/devices/devices.allow'
	fi
	if [ "$m" = un ]; then
		ok "$l: no cgroup of its own, no limit to raise"
	else
		out=$(hm "$m" cgroup "$HM_N" pids.max 2>&1)
		[ "$out" = 100 ] && ok "$l: the container cannot raise its own pids.max (still 100)" \
			|| not_ok "$l: pids.max after the attempt: $out"
	fi
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes cg_mode
plan_end
