#!/usr/bin/env bash
# tests/security/nest-static-ro.sh - the nesting profile's read-only bind
# of hako-static stays read-only.  A container with the
# nesting profile (core/profiles/nesting.conf.in, its source pointed at a
# copy of build/hako-static, the caller's own file) tries from inside:
# `mount -o remount,rw,bind` of /usr/local/bin/hako, the same through the
# new API's path (mount -o remount,rw: a superblock remount), and a write
# of 4 bytes into the file.  Proves: each remount is refused, the write
# fails, the mount still shows read-only, and the host's copy is unchanged
# (sha256) - in a privileged container (whose root could otherwise write
# any host file it reached) and in user-namespaced ones, where file modes
# alone used to stop the write.  Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin ns nest-static-ro modes
STATIC=$HK_TOP/build/hako-static

ns_mode() {
	local m=$1 l=${HM_LABEL[$1]} copy sum out
	hm_create "$m" || { not_ok "$l: create"; return; }
	copy=$(hm_path "$m")/hako-static-copy
	install -m 755 "$STATIC" "$copy"
	hm_user "$m" && chown "$HK_TEST_USER:" "$copy"
	sum=$(sha256sum "$copy" | cut -d' ' -f1)
	sed -e "s|@HAKO_STATIC@|$copy|" -e "s|@PROFILE_DIR@|$HK_TOP/build/config|" \
		"$HK_TOP/core/profiles/nesting.conf.in" >>"$(hm_dir "$m")/config"
	check "$l: start with the nesting profile" hm "$m" start "$HM_N"
	out=$(hm_in "$m" sha256sum /usr/local/bin/hako 2>&1)
	[ "${out%% *}" = "$sum" ] && ok "$l: hako-static is bound at /usr/local/bin/hako" \
		|| { not_ok "$l: /usr/local/bin/hako is not the bound copy: $out"; return; }
	check_fails "$l: mount -o remount,rw,bind of the bind is refused" \
		hm_in "$m" mount -o remount,rw,bind /usr/local/bin/hako
	check_fails "$l: mount -o remount,rw (the superblock) is refused" \
		hm_in "$m" mount -o remount,rw /usr/local/bin/hako
	check_fails "$l: a write into /usr/local/bin/hako fails" \
		hm_in "$m" sh -c 'printf HKRW | dd of=/usr/local/bin/hako bs=1 count=4 conv=notrunc'
	check "$l: the mount is still read-only" \
		hm_in "$m" sh -c 'grep " /usr/local/bin/hako " /proc/self/mountinfo | grep -q " ro[, ]"'
	check_sum "$l: the host's hako-static is unchanged (sha256)" "$copy" "$sum"
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
if [ ! -x "$STATIC" ]; then skip "nest-static-ro: build first (make test-build, without SAN)"; plan_end; exit; fi
for_modes ns_mode
plan_end
