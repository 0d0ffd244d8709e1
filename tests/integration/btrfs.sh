#!/usr/bin/env bash
# btrfs.sh - the btrfs backend on a real btrfs that the test makes
# (truncate + mkfs.btrfs + mount -o loop, removed at the end): snapshot
# clones are subvolume snapshots, copies can be subvolumes, writes in a
# clone never reach the source, clones start, snapshots are cheap
# subvolume snapshots and restore, and an ordinary user snapshots the
# subvolumes of its own containers.
. "$(dirname "$0")/../lib.sh"
hk_begin btrfs "btrfs tests" root build
command -v mkfs.btrfs >/dev/null || { skip "btrfs: no mkfs.btrfs (btrfs-progs)"; plan_end; exit; }

chmod 755 "$T"
export HAKO_RUN_DIR=$T/run
cleanup() {
	"$HAKO" stop b2 -P "$T/mnt/lxc" >/dev/null 2>&1
	umount -l "$T/mnt" 2>/dev/null
	rm -rf "$T"
}
hk_on_exit cleanup
if ! { truncate -s 400M "$T/img" && mkfs.btrfs -q "$T/img" >/dev/null 2>&1 &&
	mkdir -p "$T/mnt" && mount -o loop "$T/img" "$T/mnt"; }; then
	skip "btrfs: cannot make a loop-mounted btrfs here"; plan_end; exit
fi
chmod 755 "$T/mnt"
P=$T/mnt/lxc
subvol() { [ "$(stat -c %i "$1")" = 256 ]; }

check "create b1 -B btrfs" "$HAKO" create b1 -t busybox -B btrfs -P "$P"
echo original >"$P/b1/rootfs/marker"
check "clone -s: a btrfs snapshot" "$HAKO" clone -s b1 b2 -P "$P"
check "the clone's rootfs is a subvolume" subvol "$P/b2/rootfs"
check "config says btrfs:" grep -qx "lxc.rootfs.path = btrfs:$P/b2/rootfs" "$P/b2/config"
check "the clone has the source's files" grep -qx original "$P/b2/rootfs/marker"
echo changed >"$P/b2/rootfs/marker"
check "a write in the clone never reaches the source" grep -qx original "$P/b1/rootfs/marker"
check "clone -B btrfs (copy into a new subvolume)" "$HAKO" clone -B btrfs b1 b3 -P "$P"
check "... a subvolume with the files" bash -c "[ \$(stat -c %i '$P/b3/rootfs') = 256 ] && grep -qx original '$P/b3/rootfs/marker'"
echo copied >"$P/b3/rootfs/marker"
check "... whose writes never reach the source" grep -qx original "$P/b1/rootfs/marker"
# A full copy of a subvolume is a snapshot of it (one ioctl, every extent
# shared), as independent as a copy: its source can go.
check "create b7 -B btrfs" "$HAKO" create b7 -t busybox -B btrfs -P "$P"
echo seven >"$P/b7/rootfs/marker"
check "clone -B btrfs b7 b8" "$HAKO" clone -B btrfs b7 b8 -P "$P"
uuid() { btrfs subvolume show "$1" 2>/dev/null | awk -v k="$2" '$0 ~ "^[[:space:]]*" k ":" { print $NF }'; }
if command -v btrfs >/dev/null; then
	check "... made as a snapshot of it (its parent UUID is b7's UUID)" \
		test -n "$(uuid "$P/b7/rootfs" UUID)" -a "$(uuid "$P/b8/rootfs" "Parent UUID")" = "$(uuid "$P/b7/rootfs" UUID)"
else
	skip "a full copy's parent UUID: no btrfs command here"
fi
check "destroy its source b7" "$HAKO" destroy b7 -P "$P"
check "... the copy keeps every file" bash -c "grep -qx seven '$P/b8/rootfs/marker' && [ -x '$P/b8/rootfs/bin/busybox' ]"
# A subvolume inside the source is another device, copied empty as a mount
# point is (hako-clone(1)), by the snapshot as by the copy engine.
if command -v btrfs >/dev/null && btrfs -q subvolume create "$P/b8/rootfs/inner" >/dev/null &&
	echo inside >"$P/b8/rootfs/inner/f"; then
	check "clone -B btrfs of a rootfs with a subvolume inside" "$HAKO" clone -B btrfs b8 b9 -P "$P"
	check "... has it as an empty directory" bash -c "[ -d '$P/b9/rootfs/inner' ] && [ -z \"\$(ls -A '$P/b9/rootfs/inner')\" ]"
	btrfs -q subvolume delete "$P/b8/rootfs/inner" >/dev/null
	check "destroy b8 and b9" bash -c "'$HAKO' destroy b8 -P '$P' && '$HAKO' destroy b9 -P '$P'"
else
	skip "a subvolume inside a rootfs: no btrfs command here"
	"$HAKO" destroy b8 -P "$P" >/dev/null 2>&1
fi
check "clone -B dir on btrfs" "$HAKO" clone b1 b4 -P "$P"
check "... a plain directory" bash -c "[ \$(stat -c %i '$P/b4/rootfs') != 256 ]"
check_output "clone -s of a dir rootfs with -B btrfs is refused" 'not a btrfs subvolume' "$HAKO" clone -s -B btrfs b4 b5 -P "$P"
check "... and made nothing" test ! -e "$P/b5"
# stop -k: busybox's `::shutdown:/bin/umount -a -r` would remount this
# btrfs read-only for the host too (reported to the engine's owner).
if timeout 30 "$HAKO" start b2 -P "$P" >/dev/null 2>&1; then
	check_output "the btrfs clone runs and sees its files" '^changed$' timeout 20 "$HAKO" attach b2 -P "$P" -- cat /marker
	check_output "... with its own hostname" '^b2$' timeout 20 "$HAKO" attach b2 -P "$P" -- hostname
	timeout 30 "$HAKO" stop -k b2 -P "$P" >/dev/null 2>&1
else
	not_ok "start of the btrfs clone b2"
fi

check "snapshot b1" "$HAKO" snapshot b1 -c cheap -P "$P"
check "the snapshot is a subvolume" subvol "$P/b1/snaps/snap0/rootfs"
check_output "-L says btrfs" '^snap0.*btrfs.*cheap' "$HAKO" snapshot b1 -L -P "$P"
echo later >"$P/b1/rootfs/marker"
check "restore in place" "$HAKO" snapshot b1 -r snap0 -P "$P"
check "the old file is back" grep -qx original "$P/b1/rootfs/marker"
check "the restored rootfs is a subvolume" subvol "$P/b1/rootfs"
check "restore as a new container" "$HAKO" snapshot b1 -r snap0 b6 -P "$P"
check "... a subvolume with the files" bash -c "[ \$(stat -c %i '$P/b6/rootfs') = 256 ] && grep -qx original '$P/b6/rootfs/marker'"
check "destroy the snapshot" "$HAKO" snapshot b1 -d snap0 -P "$P"
check "destroy the clones" bash -c "for c in b2 b3 b4 b6; do '$HAKO' destroy \$c -P '$P' || exit 1; done"
check "nothing of them left" bash -c "! ls -d '$P'/b2 '$P'/b3 '$P'/b4 '$P'/b6 2>/dev/null | grep -q ."

# ---- an ordinary user ----
if ! ensure_test_user; then
	skip "ordinary user: cannot make $HK_TEST_USER"; plan_end; exit
fi
if [ ! -u /usr/bin/newuidmap ] && ! getcap /usr/bin/newuidmap 2>/dev/null | grep -q cap_setuid; then
	skip "ordinary user: /usr/bin/newuidmap is neither setuid nor capable here"; plan_end; exit
fi
UP=$T/mnt/user
mkdir -p "$UP" && chown "$HK_TEST_USER:" "$UP"
check "user: create -B btrfs" as_user "$HAKO" create ub -t busybox -B btrfs -P "$UP/lxc"
check "user: clone -s (a snapshot of its own subvolume)" as_user "$HAKO" clone -s ub ub2 -P "$UP/lxc"
check "user: clone -B btrfs (a full copy of its own subvolume)" as_user "$HAKO" clone -B btrfs ub ub3 -P "$UP/lxc"
check "user: ... a subvolume with the files, owned by the mapped root" \
	bash -c "[ \$(stat -c %i '$UP/lxc/ub3/rootfs') = 256 ] && [ -x '$UP/lxc/ub3/rootfs/bin/busybox' ] && [ \$(stat -c %U '$UP/lxc/ub3/rootfs') != '$HK_TEST_USER' ]"
check "user: destroy the copy" as_user "$HAKO" destroy ub3 -P "$UP/lxc"
check "user: the snapshot is a subvolume of the mapped root" \
	bash -c "[ \$(stat -c %i '$UP/lxc/ub2/rootfs') = 256 ] && [ \$(stat -c %U '$UP/lxc/ub2/rootfs') != '$HK_TEST_USER' ]"
check "user: snapshot" as_user "$HAKO" snapshot ub -P "$UP/lxc"
check "user: the snapshot is a subvolume" subvol "$UP/lxc/ub/snaps/snap0/rootfs"
check "user: destroy the snapshot" as_user "$HAKO" snapshot ub -d snap0 -P "$UP/lxc"
check "user: destroy the clone and the source" as_user bash -c "'$HAKO' destroy ub2 -P '$UP/lxc' && '$HAKO' destroy ub -P '$UP/lxc'"
check "user: nothing left" test ! -e "$UP/lxc/ub2" -a ! -e "$UP/lxc/ub"
plan_end
