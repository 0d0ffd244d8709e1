#!/usr/bin/env bash
# tests/security/nss.sh - the NSS class: the rootfs holds a
# trap NSS module (libnss_hktrap.so.2, named first in nsswitch.conf for
# passwd and group, tests/helpers/lib/nss-trap.c) whose constructor
# records which program loaded it.  attach -u NAME and -g NAME resolve
# through the container's files as text, so the trap never fires in a
# process of hako's; the user named in the container's /etc/passwd gets
# exactly that uid.  Four modes.
# guest-lane: skip - names resolved from the rootfs files as text: the same on every host
. "$(dirname "$0")/../lib.sh"
hk_begin ns nss modes
TRAP=$HK_TOP/build/tests/helpers/nss-trap.so # tests/helpers/lib/nss-trap.c
[ -f "$TRAP" ] || { skip "nss: no $TRAP (make test-build)"; plan_end; exit; }
LIBDIR=$(dirname "$(readlink -f /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null || ldconfig -p | awk '/libc.so.6/ { print $NF; exit }')")

nss_mode() {
	local m=$1 l=${HM_LABEL[$1]} r out
	hm_create "$m" || { not_ok "$l: create"; return; }
	r=$(hm_rootfs "$m")
	mkdir -p "$r$LIBDIR" "$r/lib" "$r/lib64" "$r/usr/lib"
	for d in "$LIBDIR" /lib /lib64 /usr/lib; do install -m 755 "$TRAP" "$r$d/libnss_hktrap.so.2"; done
	printf 'passwd: hktrap files\ngroup: hktrap files\nshadow: hktrap files\n' >"$r/etc/nsswitch.conf"
	echo 'hkuser:x:4321:4322::/:/bin/sh' >>"$r/etc/passwd"
	echo 'hkgroup:x:4323:' >>"$r/etc/group"
	hm_user "$m" && chown -R --reference="$r/hkprobe" "$r/etc" "$r$LIBDIR" "$r/lib" "$r/lib64" "$r/usr/lib"
	check "$l: start" hm "$m" start "$HM_N"
	check_output "$l: -u hkuser (from the container's passwd) is uid 4321" '^4321$' hm "$m" attach "$HM_N" -u hkuser -- id -u
	check_output "$l: -u hkuser -g hkgroup gives gid 4323" '^4323$' hm "$m" attach "$HM_N" -u hkuser -g hkgroup -- id -g
	check_fails "$l: -u nosuchuser is refused" hm "$m" attach "$HM_N" -u nosuchuser -- true
	out=$(cat "$r/hk-nss-trap" 2>/dev/null)
	[ -z "$out" ] && ok "$l: the container's NSS module was never loaded" \
		|| not_ok "$l: the trap fired: $(echo $out)"
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes nss_mode
plan_end
