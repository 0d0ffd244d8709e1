#!/usr/bin/env bash
# create.sh - `hako create -t busybox` as root and as an ordinary user:
# what lands on disk, the config it writes, the refusals, and that a
# failure at any step (or an interrupt) leaves nothing behind.  Works in a
# temp container path (-P), never in /var/lib/hako.
. "$(dirname "$0")/../lib.sh"
hk_begin create "create tests" root build

chmod 755 "$T"
# Destroys what the tests made (so their run dirs go too), then the rest.
cleanup() {
	local d n
	for d in "$T"/lxc/*/; do
		n=$(basename "$d")
		[ -f "$d/config" ] && "$HAKO" destroy -q "$n" -P "$T/lxc" >/dev/null 2>&1
	done
	umount -l "$T/btrfs" 2>/dev/null
	rm -rf "$T"
}
hk_on_exit cleanup
P=$T/lxc

# ---- root ----
check "root: create c1" "$HAKO" create c1 -t busybox -P "$P"
check "rootfs has bin/busybox (the host's static one)" cmp /bin/busybox "$P/c1/rootfs/bin/busybox"
check "sbin/init is a busybox applet" test "$(readlink "$P/c1/rootfs/sbin/init")" = /bin/busybox
check "etc/inittab runs rcS" grep -qx '::sysinit:/etc/init.d/rcS' "$P/c1/rootfs/etc/inittab"
check "etc/hostname is the name" grep -qx c1 "$P/c1/rootfs/etc/hostname"
check "tmp is 1777, root 0700" test "$(stat -c %a "$P/c1/rootfs/tmp") $(stat -c %a "$P/c1/rootfs/root")" = "1777 700"
check "container dir is 0700 (no other user walks into a privileged rootfs)" test "$(stat -c %a "$P/c1")" = 700
check "config: rootfs path" grep -qx "lxc.rootfs.path = dir:$P/c1/rootfs" "$P/c1/config"
check "config: hostname" grep -qx "lxc.uts.name = c1" "$P/c1/config"
check "config: busybox halt signal" grep -qx "lxc.signal.halt = SIGUSR1" "$P/c1/config"
check "config: mount.auto" grep -qx "lxc.mount.auto = proc:mixed sys:ro" "$P/c1/config"
check "config: root's container has no idmap" bash -c "! grep -q '^lxc.idmap' '$P/c1/config'"
if "$HAKO" help config >/dev/null 2>&1; then
	check_output "config parses (hako config)" '^c1$' "$HAKO" config -P "$P" c1 lxc.uts.name
else
	skip "hako config: not built yet"
fi

check_output "second create of c1 says already exists" 'container "c1" already exists' \
	"$HAKO" create c1 -t busybox -P "$P"
check "c1 is intact afterwards" test -x "$P/c1/rootfs/bin/busybox" -a -f "$P/c1/config"

check_output "-n NAME and -q" '^$' "$HAKO" create -q -n c2 -t busybox -P "$P"
check "c2 made" test -f "$P/c2/config"
check "--help exits 0" "$HAKO" create --help
check_output "--help shows the download --list form" '^ +hako create -t download -- --list' "$HAKO" create --help
check_output "--list is the download template's only" 'argument of the download template' \
	"$HAKO" create -t busybox -P "$P" -- --list

check_output "bad name refused" 'name' "$HAKO" create 'a b' -t busybox -P "$P"
check_output "name with slash refused" 'name' "$HAKO" create '../evil' -t busybox -P "$P"
check "bad names made nothing" bash -c "[ ! -e '$P/a b' ] && [ ! -e '$T/evil' ]"
check_output "missing template" 'no template "nope"' "$HAKO" create c3 -t nope -P "$P"
check "missing template made nothing" test ! -e "$P/c3"
check_output "template argument error" 'unknown argument' "$HAKO" create c3 -t busybox -P "$P" -- --bogus
check_output "dynamic busybox refused with the fix" 'busybox-static' \
	"$HAKO" create c3 -t busybox -P "$P" -- --busybox-path /bin/sh
check "... and made nothing" test ! -e "$P/c3"

printf 'lxc.bogus.key = 1\n' >"$T/bad.conf"
check_output "-f file with a bad key names it" 'bad.conf' "$HAKO" create c4 -t busybox -P "$P" -f "$T/bad.conf"
check "bad -f made nothing" test ! -e "$P/c4"
printf 'lxc.net.0.type = veth\nlxc.net.0.link = hakobr0\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n' >"$T/net.conf"
check "-f file with a hwaddr wildcard" "$HAKO" create c5 -t busybox -P "$P" -f "$T/net.conf"
check "the MAC is filled once and kept" grep -Eqx 'lxc.net.0.hwaddr = 00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}' "$P/c5/config"

printf 'lxc.idmap = u 0 300000 65536\nlxc.idmap = g 0 300000 65536\n' >"$T/idmap.conf"
check "root: create with an idmap (-f)" "$HAKO" create c7 -t busybox -P "$P" -f "$T/idmap.conf"
check "root: its rootfs belongs to the mapped root" \
	test "$(stat -c %u:%g "$P/c7/rootfs" "$P/c7/rootfs/etc/passwd" | sort -u)" = "300000:300000"
check "root: its container dir stays root's, 0710 with the mapped root's group" \
	test "$(stat -c %U:%g:%a "$P/c7")" = "root:300000:710"

check_output "overlay backend: clear error" 'snapshot backend' "$HAKO" create c6 -t busybox -B overlay -P "$P"
check_output "btrfs backend off btrfs: clear error" 'not on a btrfs' "$HAKO" create c6 -t busybox -B btrfs -P "$P"
check "refused backends made nothing" test ! -e "$P/c6"

# A failure at every step leaves nothing: no container path, no run dir.
F=$T/fail
all_clean=1
for step in 1 2 3 4 5 6 7 8; do
	if HAKO_TEST_FAIL_STEP=$step "$HAKO" create "hkfail$step" -t busybox -P "$F" >/dev/null 2>&1; then
		all_clean=0; diag "step $step: create succeeded"
	fi
	if [ -e "$F" ] || ls -d /run/hako/s-*/"hkfail$step" >/dev/null 2>&1; then
		all_clean=0; diag "step $step left: $(find "$F" /run/hako -name "hkfail$step*" 2>/dev/null | head -3)"
	fi
done
[ $all_clean = 1 ] && ok "root: a failure at any of steps 1-8 leaves nothing" || not_ok "root: leftovers after a failed create"

# An interrupt at any moment: either a whole container or nothing.
I=$T/intr
intr_ok=1
for delay in 0.01 0.03 0.06 0.1 0.2; do
	timeout -s INT "$delay" "$HAKO" create ci -t busybox -P "$I" >/dev/null 2>&1
	if [ -f "$I/ci/config" ]; then
		"$HAKO" destroy ci -P "$I" >/dev/null 2>&1
	elif [ -e "$I/ci" ]; then
		intr_ok=0; diag "SIGINT after ${delay}s left $I/ci without config"
	fi
done
[ $intr_ok = 1 ] && ok "SIGINT during create: all or nothing" || not_ok "SIGINT during create left a half container"

# btrfs: a subvolume rootfs, when a loop device can be had.
if truncate -s 200M "$T/btrfs.img" && mkfs.btrfs -q "$T/btrfs.img" >/dev/null 2>&1 &&
	mkdir -p "$T/btrfs" && mount -o loop "$T/btrfs.img" "$T/btrfs" 2>/dev/null; then
	check "btrfs: create -B btrfs" "$HAKO" create b1 -t busybox -B btrfs -P "$T/btrfs/lxc"
	check "btrfs: rootfs is a subvolume" test "$(stat -c %i "$T/btrfs/lxc/b1/rootfs")" = 256
	check "btrfs: config says btrfs:" grep -qx "lxc.rootfs.path = btrfs:$T/btrfs/lxc/b1/rootfs" "$T/btrfs/lxc/b1/config"
	check "btrfs: destroy" "$HAKO" destroy b1 -P "$T/btrfs/lxc"
	check "btrfs: nothing left" test ! -e "$T/btrfs/lxc/b1"
	if ensure_test_user; then
		mkdir -p "$T/btrfs/user" && chown "$HK_TEST_USER:" "$T/btrfs/user"
		check "btrfs, user: create -B btrfs" as_user "$HAKO" create ub -t busybox -B btrfs -P "$T/btrfs/user/lxc"
		check "btrfs, user: a subvolume owned by the mapped root" \
			test "$(stat -c %i "$T/btrfs/user/lxc/ub/rootfs")" = 256 -a \
			"$(stat -c %U "$T/btrfs/user/lxc/ub/rootfs")" != "$HK_TEST_USER"
		check "btrfs, user: destroy" as_user "$HAKO" destroy ub -P "$T/btrfs/user/lxc"
		check "btrfs, user: nothing left" test ! -e "$T/btrfs/user/lxc/ub"
	fi
	umount "$T/btrfs"
else
	skip "btrfs: no loop device or mkfs.btrfs"
fi

# ---- an ordinary user ----
if ! ensure_test_user; then
	skip "ordinary user: cannot make $HK_TEST_USER"
	plan_end; exit
fi
UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
SUB=$(awk -F: -v u="$HK_TEST_USER" '$1 == u && $3 >= 65536 { print $2; exit }' /etc/subuid)
SUBG=$(awk -F: -v u="$HK_TEST_USER" '$1 == u && $3 >= 65536 { print $2; exit }' /etc/subgid)
UP=$T/user
mkdir -p "$UP" && chown "$HK_TEST_USER:" "$UP"
mv "$UHOME/.config/hako/default.conf" "$T/saved-default.conf" 2>/dev/null

check "user: create u1 (no default.conf)" as_user "$HAKO" create u1 -t busybox -P "$UP/lxc"
check "user: idmap from the first sub-uid range" grep -qx "lxc.idmap = u 0 $SUB 65536" "$UP/lxc/u1/config"
check "user: and from the sub-gid range" grep -qx "lxc.idmap = g 0 $SUBG 65536" "$UP/lxc/u1/config"
check "user: rootfs files belong to the mapped root" \
	test "$(stat -c %u:%g "$UP/lxc/u1/rootfs/bin/busybox")" = "$SUB:$SUBG"
check "user: rootfs itself too" test "$(stat -c %u "$UP/lxc/u1/rootfs")" = "$SUB"
check "user: container dir and config are the user's" \
	test "$(stat -c %U "$UP/lxc/u1") $(stat -c %U "$UP/lxc/u1/config")" = "$HK_TEST_USER $HK_TEST_USER"
check "user: destroy u1" as_user "$HAKO" destroy u1 -P "$UP/lxc"
check "user: u1 is gone" test ! -e "$UP/lxc/u1"

check "user: default path ~/.local/share/hako" as_user "$HAKO" create hkut2 -t busybox
check "user: it is there" test -f "$UHOME/.local/share/hako/hkut2/config"
check "user: destroy from the default path" as_user "$HAKO" destroy hkut2
check "user: default path cleaned" test ! -e "$UHOME/.local/share/hako/hkut2"

all_clean=1
for step in 5 6 7 8; do
	HK_EXTRA_ENV="HAKO_TEST_FAIL_STEP=$step" as_user "$HAKO" create "uf$step" -t busybox -P "$UP/fail" >/dev/null 2>&1
	if [ -e "$UP/fail" ]; then all_clean=0; diag "user step $step left: $(find "$UP/fail" | head -3)"; rm -rf "$UP/fail"; fi
done
[ $all_clean = 1 ] && ok "user: a failure after the rootfs exists leaves nothing" || not_ok "user: leftovers after a failed create"

mkdir -p "$UHOME/.config/hako" && chown -R "$HK_TEST_USER:" "$UHOME/.config"
printf 'lxc.idmap = u 0 4000000 65536\nlxc.idmap = g 0 4000000 65536\n' >"$UHOME/.config/hako/default.conf"
check_output "user: an idmap beyond the sub-ids is refused" '/etc/subuid' as_user "$HAKO" create u3 -t busybox -P "$UP/lxc"
check "user: ... and nothing made" test ! -e "$UP/lxc/u3"
rm -f "$UHOME/.config/hako/default.conf"
[ -f "$T/saved-default.conf" ] && mv "$T/saved-default.conf" "$UHOME/.config/hako/default.conf"

NOSUB=hakonosub
id "$NOSUB" >/dev/null 2>&1 || useradd -m -s /bin/sh "$NOSUB"
sed -i "/^$NOSUB:/d" /etc/subuid /etc/subgid
NP=$T/nosub
mkdir -p "$NP" && chown "$NOSUB:" "$NP"
check_output "user without sub-ids: the error says how to fix it" 'hako setup-user hakonosub' \
	env HK_TEST_USER=$NOSUB bash -c ". '$HK_TOP/tests/lib.sh'; as_user '$HAKO' create n1 -t busybox -P '$NP/lxc'"
check "user without sub-ids: nothing made" test ! -e "$NP/lxc"

plan_end
