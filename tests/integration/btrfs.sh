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
check "user: the snapshot is a subvolume of the mapped root" \
	bash -c "[ \$(stat -c %i '$UP/lxc/ub2/rootfs') = 256 ] && [ \$(stat -c %U '$UP/lxc/ub2/rootfs') != '$HK_TEST_USER' ]"
check "user: snapshot" as_user "$HAKO" snapshot ub -P "$UP/lxc"
check "user: the snapshot is a subvolume" subvol "$UP/lxc/ub/snaps/snap0/rootfs"
check "user: destroy the snapshot" as_user "$HAKO" snapshot ub -d snap0 -P "$UP/lxc"
check "user: destroy the clone and the source" as_user bash -c "'$HAKO' destroy ub2 -P '$UP/lxc' && '$HAKO' destroy ub -P '$UP/lxc'"
check "user: nothing left" test ! -e "$UP/lxc/ub2" -a ! -e "$UP/lxc/ub"
plan_end
