#!/usr/bin/env bash
# tests/security/descriptors.sh - the descriptors class: init
# holds only 0, 1, 2 even when the caller of start holds more open (and
# the monitor none of the caller's); an
# attached process likewise; lxc.init.cwd = /proc/self/fd/N (a magic link
# to whatever descriptor the setup holds, perhaps a host directory) is
# refused, and a cwd through a symlink to a host path ends up inside the
# container, never on the host.  Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin fd descriptors modes

# extra MODE ARGS...: hako with descriptors 7 and 9 open on host paths.
extra() {
	local m=$1 sub=$2; shift 2
	if hm_user "$m"; then
		as_user bash -c 'exec 7</etc/hostname 9</; exec "$@"' _ "$HAKO" "$sub" -P "$(hm_path "$m")" "$@"
	else bash -c 'exec 7</etc/hostname 9</; exec "$@"' _ "$HAKO" "$sub" -P "$(hm_path "$m")" "$@"; fi
}

fds_mode() {
	local m=$1 l=${HM_LABEL[$1]} out r
	hm_create "$m" || { not_ok "$l: create"; return; }
	r=$(hm_rootfs "$m")
	install -m 755 "$HK_TOP/build/tests/helpers/hkinfo" "$r/hkinfo"
	check "$l: start with descriptors 7 and 9 open" extra "$m" start "$HM_N"
	out=$(hm_in "$m" ls /proc/1/fd 2>&1 | tr '\n' ' ')
	[ "$out" = "0 1 2 " ] && ok "$l: init holds only 0, 1, 2" || not_ok "$l: init's descriptors: $out"
	# nor does its monitor, a daemon that outlives the caller: a caller's
	# descriptor there (a terminal, an ssh session's pipe) would be held
	# open for as long as the container runs
	local mon held
	mon=$(pgrep -f "^hako monitor $HM_N( |\$)" | head -1)
	held=$(for f in /proc/$mon/fd/*; do readlink "$f"; done 2>/dev/null | grep -x '/etc/hostname')
	[ -n "$mon" ] && [ -z "$held" ] && ok "$l: the monitor holds none of the caller's descriptors" ||
		not_ok "$l: the monitor ($mon) holds the caller's /etc/hostname (its descriptor 7)"
	out=$(extra "$m" attach "$HM_N" -- /hkinfo 2>&1)
	expect_kv "$l: attach with 7 and 9 open: only 0, 1, 2" "$out" fds 0,1,2
	out=$(extra "$m" attach "$HM_N" -u 1 -- /hkinfo 2>&1)
	expect_kv "$l: attach -u 1: only 0, 1, 2" "$out" fds 0,1,2
	check "$l: stop" hm "$m" stop -k "$HM_N"

	local fd cwd
	for fd in 3 4 5 6 7 9; do
		hm "$m" start "$HM_N" -s "lxc.init.cwd=/proc/self/fd/$fd" >/dev/null 2>&1 || continue
		cwd=$(hm_in "$m" readlink /proc/1/cwd 2>&1)
		hm "$m" stop -k "$HM_N" >/dev/null 2>&1
		case "$cwd" in /proc/* | /) ;; *) not_ok "$l: lxc.init.cwd=/proc/self/fd/$fd started with init's cwd at $cwd"; continue 2 ;; esac
	done
	out=$(hm "$m" start "$HM_N" -s lxc.init.cwd=/proc/self/fd/3 2>&1)
	if [ $? != 0 ] && printf '%s' "$out" | grep -q 'proc/self/fd/3'; then
		ok "$l: lxc.init.cwd = /proc/self/fd/N is refused, naming it"
	else not_ok "$l: lxc.init.cwd = /proc/self/fd/3: $out"; hm "$m" stop -k "$HM_N" >/dev/null 2>&1; fi
	# busybox init changes to / at once: a script records where it started.
	ln -s /etc "$r/hostetc"
	mkdir -p "$r/etc/hk-inside-marker"
	printf '#!/bin/sh\nls >/hkcwd.out 2>&1\nexec /sbin/init\n' >"$r/hkcwd"
	chmod 755 "$r/hkcwd"
	hm_user "$m" && chown --reference="$r/hkprobe" "$r/hkcwd"
	check "$l: lxc.init.cwd through a symlink to /etc starts" \
		hm "$m" start "$HM_N" -s lxc.init.cwd=/hostetc -s lxc.init.cmd=/hkcwd
	sleep 0.5
	grep -qx hk-inside-marker "$r/hkcwd.out" 2>/dev/null && ok "$l: ... and init started in the container's /etc" \
		|| not_ok "$l: init's cwd through /hostetc: $(head -c 300 "$r/hkcwd.out" 2>&1)"
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes fds_mode
plan_end
