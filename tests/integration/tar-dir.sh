#!/usr/bin/env bash
# tar-dir.sh - `hako create -t tar:FILE` (plain, gzip, xz, zstd) and
# `-t dir:PATH`, as root and as the test user: the rootfs lands, the
# container starts and `attach -- true` works; refusals (missing file, not
# a tarball, garbage, a directory holding the new rootfs, a template
# without its source) are clear and leave no container.  A root-made tree
# with files only root may read (a 0640 root:42 /etc/shadow, a setuid
# binary): root copies it into an id-mapped container, owners shifted into
# the map and modes kept, and refuses an owner outside the map; the test
# user is refused before anything is copied, with the files' names.
. "$(dirname "$0")/../lib.sh"
hk_begin tardir "tar/dir tests" root build

chmod 755 "$T"
P=$T/lxc UP= started=()
cleanup() {
	local s who path name
	for s in "${started[@]}"; do
		read -r who path name <<<"$s"
		if [ "$who" = root ]; then "$HAKO" stop -k "$name" -P "$path" >/dev/null 2>&1
		else as_user "$HAKO" stop -k "$name" -P "$path" >/dev/null 2>&1; fi
	done
	for d in "$P"/*/; do [ -f "$d/config" ] && "$HAKO" destroy -q "$(basename "$d")" -P "$P" >/dev/null 2>&1; done
	if [ -n "$UP" ]; then
		for d in "$UP"/lxc/*/; do [ -f "$d/config" ] && as_user "$HAKO" destroy -q "$(basename "$d")" -P "$UP/lxc" >/dev/null 2>&1; done
		rm -rf "$UP"
	fi
	rm -rf "$T"
}
hk_on_exit cleanup

"$HAKO" create src -t busybox -P "$T/build" >/dev/null || { not_ok "cannot build a rootfs"; plan_end; exit; }
R=$T/build/src/rootfs
tar --numeric-owner -C "$R" -cf "$T/rootfs.tar" .
gzip -c "$T/rootfs.tar" >"$T/rootfs.tar.gz"
xz -c "$T/rootfs.tar" >"$T/rootfs.tar.xz"
command -v zstd >/dev/null && zstd -q -c "$T/rootfs.tar" >"$T/rootfs.tar.zst"
chmod 644 "$T"/rootfs.tar*
BB="-f $T/bb.conf"
printf 'lxc.signal.halt = SIGUSR1\nlxc.mount.auto = proc:mixed sys:ro\n' >"$T/bb.conf"

# life WHO PATH NAME: start, attach -- true, stop.
life() {
	local who=$1 path=$2 name=$3 run=()
	[ "$who" = root ] || run=(as_user)
	started+=("$who $path $name")
	check "$who: start $name" "${run[@]}" "$HAKO" start "$name" -P "$path"
	check "$who: attach $name -- true" "${run[@]}" "$HAKO" attach "$name" -P "$path" -- true
	"${run[@]}" "$HAKO" stop -k "$name" -P "$path" >/dev/null 2>&1
}

for f in rootfs.tar rootfs.tar.gz rootfs.tar.xz rootfs.tar.zst; do
	[ -f "$T/$f" ] || { skip "root: $f: zstd missing"; continue; }
	n=t-${f//./-}
	check "root: create -t tar:$f" "$HAKO" create "$n" -t "tar:$T/$f" -P "$P" $BB
	check "root: $f: busybox and owners kept" test "$(stat -c %u:%a "$P/$n/rootfs/bin/busybox")" = 0:755
done
life root "$P" t-rootfs-tar-xz
check "root: create -t dir:" "$HAKO" create d1 -t "dir:$R" -P "$P" $BB
check "root: dir: is a copy" cmp "$R/bin/busybox" "$P/d1/rootfs/bin/busybox"
life root "$P" d1

check_output "tar: a missing file" 'cannot open "/nonexistent.tar"' "$HAKO" create x1 -t tar:/nonexistent.tar -P "$P"
head -c 5000 /dev/urandom >"$T/garbage.tar"
check_output "tar: garbage" 'not a tarball|damaged' "$HAKO" create x2 -t "tar:$T/garbage.tar" -P "$P"
check "... no container left" test ! -e "$P/x2"
check_output "tar: a directory is not a file" 'not a regular file' "$HAKO" create x3 -t "tar:$T" -P "$P"
check_output "tar: without its source" 'needs its source after a colon' "$HAKO" create x4 -t tar -P "$P"
check_output "busybox: with a colon" 'takes nothing after a colon' "$HAKO" create x4 -t busybox:x -P "$P"
check_output "dir: a file is not a directory" 'not a directory' "$HAKO" create x5 -t "dir:$T/rootfs.tar" -P "$P"
check_output "dir: the source holds the new rootfs" 'holds the new rootfs' "$HAKO" create x6 -t "dir:$T" -P "$P"
check "... no container left" test ! -e "$P/x6"
# A tree root made, as debootstrap makes one.
cp -a "$R" "$T/rooty"
printf 'root:*:1:0:::::\n' >"$T/rooty/etc/shadow" && chown 0:42 "$T/rooty/etc/shadow" && chmod 640 "$T/rooty/etc/shadow"
cp "$R/bin/busybox" "$T/rooty/bin/suid" && chmod 4755 "$T/rooty/bin/suid"
printf 'lxc.idmap = u 0 500000 65536\nlxc.idmap = g 0 500000 65536\n' >"$T/map.conf"
cat "$T/bb.conf" >>"$T/map.conf"
check "root: create -t dir: of a root-made tree into an id-mapped container" \
	"$HAKO" create dm -t "dir:$T/rooty" -P "$P" -f "$T/map.conf"
check_output "... the root-only file is copied, its owners shifted into the map, mode kept" \
	'^500000:500042 640$' stat -c '%u:%g %a' "$P/dm/rootfs/etc/shadow"
check_output "... the setuid binary keeps its bit, owned by the mapped root" \
	'^500000 4755$' stat -c '%u %a' "$P/dm/rootfs/bin/suid"
life root "$P" dm
chown 70000 "$T/rooty/bin/suid"
check_output "root: dir: an owner outside the map is refused, naming the file" \
	'bin/suid" belongs to 70000:0, outside the container.s id map' \
	"$HAKO" create dm2 -t "dir:$T/rooty" -P "$P" -f "$T/map.conf"
check "... no container left" test ! -e "$P/dm2"
chown 0 "$T/rooty/bin/suid"
check_output "tar: takes no template arguments" 'takes no arguments' "$HAKO" create x7 -t "tar:$T/rootfs.tar" -P "$P" -- -x

if ensure_test_user; then
	"$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1
	UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
	UP=$(as_user mktemp -d "$UHOME/hako-tardir.XXXXXX") && chmod 755 "$UP"
	SUB=$(awk -F: -v u="$HK_TEST_USER" '$1 == u && $3 >= 65536 { print $2; exit }' /etc/subuid)
	cp "$T/bb.conf" "$UP/bb.conf" && chmod 644 "$UP/bb.conf"
	check "user: create -t tar:" as_user "$HAKO" create ut -t "tar:$T/rootfs.tar.gz" -P "$UP/lxc" -f "$UP/bb.conf"
	check "user: files belong to the mapped root" test "$(stat -c %u "$UP/lxc/ut/rootfs/bin/busybox")" = "$SUB"
	life user "$UP/lxc" ut
	as_user mkdir "$UP/src" && as_user tar -C "$UP/src" -xf "$T/rootfs.tar" --no-same-owner 2>/dev/null
	check "user: create -t dir: of the user's own tree" as_user "$HAKO" create ud -t "dir:$UP/src" -P "$UP/lxc" -f "$UP/bb.conf"
	check "user: dir: copied" cmp "$R/bin/busybox" "$UP/lxc/ud/rootfs/bin/busybox"
	# The user's own files become the container root's (host: the mapped root).
	check "user: dir: the user's own files belong to the mapped root" \
		test "$(stat -c %u:%g "$UP/lxc/ud/rootfs/bin/busybox")" = "$SUB:$(awk -F: -v u="$HK_TEST_USER" '$1 == u && $3 >= 65536 { print $2; exit }' /etc/subgid)"
	life user "$UP/lxc" ud
	check_output "user: dir: a root-made tree: refused with the unreadable files' names and the fix" \
		'template dir: [0-9]+ files? of .* you cannot read.*rooty/etc/shadow.*-t tar:FILE' \
		as_user "$HAKO" create ur -t "dir:$T/rooty" -P "$UP/lxc" -f "$UP/bb.conf"
	check "... no container left" test ! -e "$UP/lxc/ur"
	chmod 600 "$T/rootfs.tar"
	check_output "user: a tarball the user cannot read" 'cannot open' \
		as_user "$HAKO" create ux -t "tar:$T/rootfs.tar" -P "$UP/lxc"
	check "... no container left" test ! -e "$UP/lxc/ux"
else
	skip "user: cannot make $HK_TEST_USER"
fi
plan_end
