#!/usr/bin/env bash
# tests/security/keyring.sh - the keyring class: the caller
# adds a key to its session keyring (hkprobe addkey, readable by anyone
# who reaches it) and then starts and attaches; neither init (through
# lxc.init.cmd, a script that looks before exec'ing /sbin/init) nor an
# attached process (root or -u 1) finds it: each got a fresh session
# keyring.  Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin kr keyring modes
KEY=hk-caller-key-$$

# keyed MODE HAKO-ARGS...: hako run by a caller holding $KEY.
keyed() {
	local m=$1 sub=$2; shift 2
	if hm_user "$m"; then as_user "$HM_PROBE" addkey "$KEY" "$HAKO" "$sub" -P "$(hm_path "$m")" "$@"
	else "$HM_PROBE" addkey "$KEY" "$HAKO" "$sub" -P "$(hm_path "$m")" "$@"; fi
}

keyring_mode() {
	local m=$1 l=${HM_LABEL[$1]} out r
	hm_create "$m" "lxc.init.cmd = /hkinit" || { not_ok "$l: create"; return; }
	r=$(hm_rootfs "$m")
	printf '#!/bin/sh\n/hkprobe findkey %s >/hkinit.out 2>&1\nexec /sbin/init\n' "$KEY" >"$r/hkinit"
	chmod 755 "$r/hkinit"
	hm_user "$m" && chown --reference="$r/hkprobe" "$r/hkinit"
	# The probe proves the trap works: the caller itself finds its key.
	out=$("$HM_PROBE" addkey "$KEY" "$HM_PROBE" findkey "$KEY")
	expect_kv "$l: (the caller finds its own key)" "$out" findkey ok
	check "$l: start with a key in the caller's session keyring" keyed "$m" start "$HM_N"
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$r/hkinit.out" ] && break; sleep 0.2; done
	out=$(cat "$r/hkinit.out" 2>&1)
	expect_kv "$l: init does not find the caller's key" "$out" findkey 'ENOKEY|EACCES'
	expect_kv "$l: init has a session keyring of its own" "$out" session ok
	out=$(keyed "$m" attach "$HM_N" -- /hkprobe findkey "$KEY" 2>&1)
	expect_kv "$l: attach does not find the caller's key" "$out" findkey 'ENOKEY|EACCES'
	out=$(keyed "$m" attach "$HM_N" -u 1 -- /hkprobe findkey "$KEY" 2>&1)
	expect_kv "$l: attach -u 1 does not find it either" "$out" findkey 'ENOKEY|EACCES'
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes keyring_mode
plan_end
