#!/usr/bin/env bash
# image-tar.sh - hostile image archives: entries named
# ../ or absolute, a symlink then a write through it (absolute and
# relative), hard links to /etc/shadow (absolute and ../): nothing is
# written outside the rootfs, the create fails naming the entry, and no
# container is left.  An ordinary user's setuid-root file lands owned by the
# mapped root.  Modes: root (privileged), root with an id map, the test
# user.  (Signature refusals before decompression: download.sh.)
# guest-lane: skip - archive entry checks; resolving inside the rootfs is in hostile-rootfs and dev-symlinks, which do run here
. "$(dirname "$0")/../lib.sh"
hk_begin evil "image archive tests" root build

chmod 755 "$T"
TARGET=/tmp/hk-evil-target.$$ # a host directory a naive unpacker would write into
UP=
cleanup() {
	rm -rf "$T" "$TARGET" /tmp/hk-escape-*."$$"
	[ -n "$UP" ] && rm -rf "$UP"
}
hk_on_exit cleanup
mkdir -m 777 "$TARGET"
SHADOW_SUM=$(sha256sum /etc/shadow)
SHADOW_LINKS=$(stat -c %h /etc/shadow)

S=$T/src
mkdir -p "$S/d" && echo pwned >"$S/payload" && echo pwned >"$S/d/file" && chmod -R a+rX "$S"
ln "$S/payload" "$S/hard"
ln -s "$TARGET" "$S/abslink"
ln -s "../../../../../../../../..$TARGET" "$S/rellink"
mk() { local out=$1; shift; tar -C "$S" -cf "$T/$out.tar" -P "$@"; chmod 644 "$T/$out.tar"; }
mk dotdot --transform="s,^payload\$,../../../../../../tmp/hk-escape-dotdot.$$," payload
mk abs --transform="s,^payload\$,/tmp/hk-escape-abs.$$," payload
mk symabs --transform="s,^d/file\$,abslink/written," abslink d/file
mk symrel --transform="s,^d/file\$,rellink/written," rellink d/file
mk hardabs --transform="s,^payload\$,/etc/shadow,RS" payload hard
mk hardrel --transform="s,^payload\$,../../../../../../etc/shadow,RS" payload hard
mk dotdotmid --transform="s,^payload\$,d/../../../tmp/hk-escape-mid.$$," payload

# A small setuid-root tree: the ownership of an unprivileged unpack.
mkdir -p "$T/suid/bin" && cp /bin/busybox "$T/suid/bin/" && chmod 4755 "$T/suid/bin/busybox"
tar --numeric-owner -C "$T/suid" -czf "$T/suid.tar.gz" . && chmod 644 "$T/suid.tar.gz"

host_untouched() {
	local bad=
	[ -z "$(ls -A "$TARGET")" ] || bad="$bad $TARGET/$(ls -A "$TARGET" | head -1)"
	ls /tmp/hk-escape-*."$$" >/dev/null 2>&1 && bad="$bad $(ls /tmp/hk-escape-*."$$")"
	[ "$(sha256sum /etc/shadow)" = "$SHADOW_SUM" ] || bad="$bad /etc/shadow-changed"
	[ "$(stat -c %h /etc/shadow)" = "$SHADOW_LINKS" ] || bad="$bad /etc/shadow-linked"
	[ -z "$bad" ] || { echo "written outside:$bad"; return 1; }
}

# run_mode MODE PATH HAKO-WRAPPER... : every hostile tarball in one mode.
run_mode() {
	local m=$1 P=$2; shift 2
	local t out
	for t in dotdot abs symabs symrel hardabs hardrel dotdotmid; do
		out=$("$@" "$HAKO" create "e-$t" -t "tar:$T/$t.tar" -P "$P" $EXTRA 2>&1) && {
			not_ok "$m: $t: create succeeded"; continue; }
		printf '%s' "$out" | grep -Eq 'refused|outside the rootfs|leads out' \
			&& ok "$m: $t: refused ($(printf '%s' "$out" | sed 's/.*: //' | head -c 80))" \
			|| not_ok "$m: $t: unclear error: $out"
		check "$m: $t: nothing written outside the rootfs" host_untouched
		check "$m: $t: no container left" test ! -e "$P/e-$t"
	done
}

run_mode root "$T/root" env
printf 'lxc.idmap = u 0 400000 65536\nlxc.idmap = g 0 400000 65536\n' >"$T/idmap.conf"
EXTRA="-f $T/idmap.conf" run_mode "root+idmap" "$T/rootmap" env
EXTRA=

if ensure_test_user; then
	"$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1
	UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
	UP=$(as_user mktemp -d "$UHOME/hako-evil.XXXXXX") && chmod 755 "$UP"
	run_mode user "$UP/lxc" as_user
	SUB=$(awk -F: -v u="$HK_TEST_USER" '$1 == u && $3 >= 65536 { print $2; exit }' /etc/subuid)
	check "user: create from a setuid-root tarball" as_user "$HAKO" create s1 -t "tar:$T/suid.tar.gz" -P "$UP/lxc"
	check_output "user: the setuid-root file belongs to the mapped root" "^$SUB 4755\$" \
		stat -c '%u %a' "$UP/lxc/s1/rootfs/bin/busybox"
	check "user: destroy s1" as_user "$HAKO" destroy s1 -P "$UP/lxc"
else
	skip "user: cannot make $HK_TEST_USER"
fi
plan_end
