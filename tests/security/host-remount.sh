#!/usr/bin/env bash
# host-remount: a privileged container shares the host's superblocks, so a
# remount of its / (mount -o remount,ro /, or the busybox shutdown's
# `umount -a -r`) would make the host's file system read-only.  hako's
# seccomp guard refuses superblock remounts in privileged containers; this
# test puts the container path on a file system of its own and proves that
# neither an explicit remount nor a graceful stop changes it for the host.
source "$(dirname "$0")/../lib.sh"
hk_begin remount "host remount" root
mnt=$T
mount -t tmpfs -o size=64m hk-remount "$mnt" || { not_ok "cannot mount a tmpfs"; plan_end; exit 1; }
hk_on_exit '"$HAKO" stop -k rm1 -P "$mnt/c" >/dev/null 2>&1; umount -l "$mnt"; rmdir "$mnt"'
host_rw() { touch "$mnt/probe.$$" && rm -f "$mnt/probe.$$"; }

check "create a privileged container on its own file system" "$HAKO" create rm1 -t busybox -P "$mnt/c"
check "start it" "$HAKO" start rm1 -P "$mnt/c"
check_fails "remount,ro of / inside is refused" "$HAKO" attach rm1 -P "$mnt/c" -- mount -o remount,ro /
check "the host's file system is still writable" host_rw
check "a bind remount (one mount's flags) still works inside" \
	"$HAKO" attach rm1 -P "$mnt/c" -- sh -c 'mkdir -p /ro && mount --bind /ro /ro && mount -o remount,bind,ro /ro'
check "a graceful stop (init's shutdown actions run)" "$HAKO" stop rm1 -P "$mnt/c" -t 20
check "the host's file system is still writable after the stop" host_rw
check "mount options on the host unchanged (rw)" sh -c "grep ' $mnt ' /proc/self/mountinfo | grep -q ' rw[, ]'"
plan_end
