#!/usr/bin/env bash
# tests/security/fake-procfs.sh - the fake procfs class.  Every
# write hako makes into /proc (lxc.sysctl.*, uid_map/gid_map as root, the
# doctor's own maps) goes through hk_procfs_open: a descriptor checked to
# be procfs (fstatfs), in a directory checked the same way, with nothing
# mounted over the file; and the capability count comes from the kernel
# (prctl), never from /proc/sys/kernel/cap_last_cap.
#  - four modes: container root mounts a tmpfs over its /proc holding
#    sys/kernel/cap_last_cap = 1 once the boot script is over (it would
#    mount procfs over it); an attach afterwards, with the fake still in
#    place, gets the bounding set it got before (it used to drop only
#    caps 0 and 1);
#  - four modes: lxc.mount.entry puts a tmpfs on the container's /proc and
#    lxc.sysctl.net.ipv4.tcp_keepalive_time is set: the sysctl lands in
#    the container's real network namespace, before the tmpfs;
#  - root, privileged (a user namespace's root may not write
#    kernel.domainname at all): the caller's /proc/sys/kernel/
#    domainname is a bind mount of a regular file, or of the proc file
#    hostname: a start with lxc.sysctl.kernel.domainname is refused
#    naming the cause, and the fake file is not written.
. "$(dirname "$0")/../lib.sh"
hk_begin fp fake-procfs modes

fp_mode() {
	local m=$1 l=${HM_LABEL[$1]} before after out init
	hm_create "$m" || { not_ok "$l: create"; return; }
	check "$l: start" hm "$m" start "$HM_N"
	# rcS mounts procfs on a /proc without /proc/mounts: the fake comes after it.
	hm_booted "$m" || diag "$l: the boot script did not finish in 10 s"
	before=$(hm_in "$m" /hkprobe capbnd 2>&1)
	out=$(hm_in "$m" sh -c 'mount -t tmpfs fake /proc && mkdir -p /proc/sys/kernel && echo 1 >/proc/sys/kernel/cap_last_cap && cat /proc/sys/kernel/cap_last_cap' 2>&1)
	if [ "$out" != 1 ]; then
		not_ok "$l: cannot fake /proc inside: $out"
	else
		after=$(hm_in "$m" /hkprobe capbnd 2>&1)
		out=$(hm_in "$m" cat /proc/sys/kernel/cap_last_cap 2>&1)
		if [ "$out" != 1 ]; then
			not_ok "$l: the fake /proc was covered by the time of the attach (cap_last_cap reads '$out')"
		elif [ -n "$before" ] && [ "$before" = "$after" ]; then
			ok "$l: with a tmpfs /proc saying cap_last_cap = 1, attach keeps its bounding set ($after)"
		else
			not_ok "$l: bounding set $before before the fake /proc, $after after"
		fi
	fi
	hm "$m" stop -k "$HM_N" >/dev/null 2>&1
	# A config that hides /proc under a tmpfs: the sysctl is written before.
	hm_create "$m" "lxc.mount.entry = tmpfs proc tmpfs defaults 0 0" "lxc.sysctl.net.ipv4.tcp_keepalive_time = 1234" \
		|| { not_ok "$l: create"; return; }
	if out=$(hm "$m" start "$HM_N" 2>&1); then
		init=$(hm_init_pid "$m")
		out=$(nsenter -t "$init" -n cat /proc/sys/net/ipv4/tcp_keepalive_time 2>&1)
		[ "$out" = 1234 ] && ok "$l: lxc.sysctl reached the container's real procfs under a tmpfs /proc entry" \
			|| not_ok "$l: the container's tcp_keepalive_time is '$out'"
		[ "$(cat /proc/sys/net/ipv4/tcp_keepalive_time)" != 1234 ] && ok "$l: the host's value is untouched" \
			|| not_ok "$l: the host's tcp_keepalive_time changed"
	else
		not_ok "$l: start with a tmpfs /proc entry and a sysctl: $out"
	fi
}

# fake_caller MODE DESC WANT SETUP: hako start run with SETUP (shell
# commands) done first in a private mount namespace of the caller.
fake_caller() {
	local m=$1 desc="${HM_LABEL[$1]}: $2" want=$3 setup=$4 out
	hm_create "$m" "lxc.sysctl.kernel.domainname = hkfake$$" || { not_ok "$desc: create"; return; }
	echo 'fake, never written' >"$HM_T/fakefile"
	out=$(unshare -m --propagation private sh -c "$setup && exec \"\$0\" start $HM_N -P $(hm_path "$m")" "$HAKO" 2>&1)
	case "$out" in
	*"$want"*) ok "$desc: start refused ($(printf '%s' "$out" | head -1 | cut -c1-160))" ;;
	*) not_ok "$desc: start was not refused for the fake: $out" ;;
	esac
	[ "$(cat "$HM_T/fakefile")" = 'fake, never written' ] && ok "$desc: the fake file holds its own bytes" \
		|| not_ok "$desc: the fake file was written: $(cat "$HM_T/fakefile")"
	hm "$m" stop -k "$HM_N" >/dev/null 2>&1
}
fp_root() {
	local m=$1
	fp_mode "$m"
	[ "$m" = rp ] || return # a user namespace's root may not write kernel.domainname at all
	fake_caller "$m" "/proc/sys/kernel/domainname a bind mount of a regular file" "is not on procfs" \
		"mount --bind $HM_T/fakefile /proc/sys/kernel/domainname"
	fake_caller "$m" "/proc/sys/kernel/domainname a bind mount of /proc/sys/kernel/hostname" "mounted over" \
		"mount --bind /proc/sys/kernel/hostname /proc/sys/kernel/domainname"
}
for_modes fp_root
plan_end
