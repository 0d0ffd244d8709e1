#!/usr/bin/env bash
# tests/guest/image.sh - builds the systemd guest's base image for the
# guest lane (tests/guest/lane.sh): Debian bookworm from debootstrap, off
# this host's own apt mirror, with tests/guest/systemd.packages; Debian's
# kernel modules (overlay, btrfs, veth, bridge ... load on demand); a
# unit that runs the lane's tests once multi-user.target, logind and dbus
# are up and powers off; a small initramfs that loads what Debian's
# kernel needs to mount the root disk (virtio, ext4 are modules) and
# hands over to systemd.  The checkout is not in it: every run brings its
# own on a second disk, so the image only changes with this recipe.
#
#   image.sh DIR     writes DIR/base.img (raw ext4) and DIR/initrd.gz
#
# lane.sh calls it holding the cache lock, in a fresh DIR that it caches
# by the hash of this file, host.lib, systemd.packages and the kernel.
# debootstrap's output is cached on its own (by suite and packages), as
# it takes minutes; HK_GUEST_REBUILD=1 redoes that too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/host.lib"
out=${1:?usage: image.sh DIR}
LABEL=hako-guest

packages() { sed 's/#.*//' "$here/systemd.packages" | xargs | tr ' ' ','; }

# debootstrapped: sets ROOTFS to debootstrap's output for this package
# list, made now when it is not in the cache.
debootstrapped() {
	local key tmp mirror t0=$SECONDS
	key=$(printf '%s\n' "$HG_SUITE" "$(packages)" | sha256sum | cut -c1-16)
	ROOTFS=$HG_CACHE/rootfs-$key
	[ -d "$ROOTFS" ] && [ -z "${HK_GUEST_REBUILD:-}" ] && return 0
	hg_need_mirror
	mirror=$(hg_mirror)
	tmp=$(hg_fresh_dir "$HG_CACHE")
	echo "guest: debootstrap $HG_SUITE from $mirror"
	if ! debootstrap --variant=minbase --include="$(packages)" "$HG_SUITE" "$tmp/rootfs" "$mirror" \
		>"$tmp/log" 2>&1; then
		tail -n 20 "$tmp/log" >&2
		echo "debootstrap $HG_SUITE from $mirror failed (the mirror unreachable, or a package missing?)" >&2
		return 1
	fi
	hg_publish "$tmp" "$ROOTFS" "$HG_CACHE/rootfs-"
	echo "guest: debootstrap took $((SECONDS - t0)) s"
}

# The unit and its target: the tests run as a system service once
# multi-user.target is reached (logind and dbus up, as on a host someone
# logs in to), and the guest powers off when it ends, however it ends.
units() {
	local d=$1/etc/systemd/system
	cat >"$d/hako-guest.target" <<'EOF'
[Unit]
Description=hako guest lane: multi-user, then the tests
Requires=multi-user.target hako-guest.service
After=multi-user.target
AllowIsolate=yes
EOF
	cat >"$d/hako-guest.service" <<'EOF'
[Unit]
Description=hako guest lane: the tests, then power off
After=multi-user.target systemd-logind.service dbus.service systemd-user-sessions.service
Wants=systemd-logind.service dbus.service
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/hako-guest-boot
StandardOutput=journal+console
StandardError=journal+console
# The host bounds the whole run and in-guest.sh each script.
TimeoutStartSec=infinity
EOF
	# The job disk (virtio serial hako-job) is a tar of the checkout at
	# the host's path and of /hako-guest/job.env; the runner comes from it.
	cat >"$1/usr/local/sbin/hako-guest-boot" <<'EOF'
#!/bin/sh
job=
for d in /sys/block/vd*; do
	[ "$(cat "$d/serial" 2>/dev/null)" = hako-job ] && job=/dev/${d##*/}
done
[ -n "$job" ] || { echo "hako-guest-boot: no virtio disk with serial hako-job" >&2; exit 1; }
tar -C / -xf "$job" || { echo "hako-guest-boot: cannot unpack the job disk $job" >&2; exit 1; }
set -a
. /hako-guest/job.env
HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8
set +a
exec bash "$HK_GUEST_TOP/tests/guest/in-guest.sh"
EOF
	chmod 755 "$1/usr/local/sbin/hako-guest-boot"
}

# configure ROOT: the image around the packages.
configure() {
	local r=$1 u
	echo "$LABEL" >"$r/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$LABEL" >"$r/etc/hosts"
	echo "LABEL=$LABEL / ext4 rw,relatime 0 1" >"$r/etc/fstab"
	# A machine id now: an empty one makes every boot a first boot
	# (systemd-firstboot, presets).
	rm -f "$r/etc/machine-id" && systemd-machine-id-setup --root="$r" >/dev/null
	rm -rf "$r/lib/modules" && mkdir -p "$r/lib/modules"
	cp -a "$HG_KROOT/lib/modules/$HG_KVER" "$r/lib/modules/"
	depmod -b "$r" "$HG_KVER"
	units "$r"
	# Nothing asks for a login; nothing periodic runs during the tests;
	# LXC's own services (lxcbr0, autostart) stay off, as on the native
	# test host, where lxc is there for its tools only.
	for u in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
		dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
		lxc.service lxc-net.service lxc-monitord.service; do
		ln -sf /dev/null "$r/etc/systemd/system/$u"
	done
}

# initramfs DIR: busybox and the modules that mount the root disk, in
# modprobe's order; then systemd.
initramfs() {
	local r=$1/initramfs
	hg_skeleton "$r"
	mkdir -p "$r/lib/modules"
	hg_module_files virtio_pci virtio_blk ext4 crc32c_generic >"$1/mods"
	while read -r f; do
		cp "$f" "$r/lib/modules/" && basename "$f" >>"$r/lib/modules/order"
	done <"$1/mods"
	cat >"$r/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for m in \$(cat /lib/modules/order); do insmod /lib/modules/\$m; done
for i in \$(seq 200); do root=\$(findfs LABEL=$LABEL 2>/dev/null) && break; sleep 0.05; done
mkdir /newroot
mount -t ext4 -o rw "\$root" /newroot || { echo "initramfs: cannot mount LABEL=$LABEL"; poweroff -f; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /lib/systemd/systemd
EOF
	chmod 755 "$r/init"
	hg_cpio "$r" "$1/initrd.gz"
	rm -rf "$r" "$1/mods"
}

hg_kernel
debootstrapped
t0=$SECONDS
cp -a "$ROOTFS/rootfs" "$out/root"
configure "$out/root"
truncate -s 8G "$out/base.img"
mkfs.ext4 -q -F -L "$LABEL" -d "$out/root" "$out/base.img"
chmod 444 "$out/base.img"
rm -rf "$out/root"
initramfs "$out"
echo "guest: systemd image made in $((SECONDS - t0)) s"
