#!/usr/bin/env bash
# tests/security/clone-hostname.sh - `hako clone` renames the hostname in
# the rootfs (like lxc-copy), a file the container controls: a FIFO there
# must not hang the clone (it did, forever, with SIGINT blocked), a device
# node must not be opened by root, a symlink must not lead out of the
# rootfs; each is left alone with a warning and the clone completes.  A
# regular file naming the source still gets the clone's name.
. "$(dirname "$0")/../lib.sh"
hk_begin clonehn "clone and a hostile /etc/hostname" root build
P=$T
chmod 755 "$P"

check "create src" "$HAKO" create src -t busybox -P "$P" -q
echo src >"$P/src/rootfs/etc/hostname"
check "a clone of a rootfs whose hostname names the source" "$HAKO" clone src plain -P "$P" -q
check_output "... gets the clone's name" '^plain$' cat "$P/plain/rootfs/etc/hostname"

rm -f "$P/src/rootfs/etc/hostname" && mkfifo "$P/src/rootfs/etc/hostname"
out=$(timeout 60 "$HAKO" clone src fifo -P "$P" 2>&1); rc=$?
[ $rc = 0 ] && ok "a FIFO as /etc/hostname: the clone completes (rc $rc)" || not_ok "FIFO: rc $rc: $out"
[ -p "$P/fifo/rootfs/etc/hostname" ] && ok "... the FIFO is copied as it is" || not_ok "FIFO: $(ls -l "$P/fifo/rootfs/etc/hostname" 2>&1)"
[ $rc = 0 ] && check "... and it can be destroyed" "$HAKO" destroy fifo -P "$P"

# A device node: /dev/ptmx would hand root a new pty master on open; its
# count of ptys shows an open.
rm -f "$P/src/rootfs/etc/hostname" && mknod "$P/src/rootfs/etc/hostname" c 5 2
if command -v strace >/dev/null; then
	out=$(timeout 60 strace -f -e trace=openat -o "$P/strace" "$HAKO" clone src dev -P "$P" 2>&1); rc=$?
	[ $rc = 0 ] && ok "a device node as /etc/hostname: the clone completes" || not_ok "device: rc $rc: $out"
	if grep -E 'openat\(.*hostname' "$P/strace" | grep -v O_PATH | grep -q .; then
		not_ok "... the device node was opened: $(grep -E 'openat\(.*hostname' "$P/strace" | grep -v O_PATH | head -2)"
	else ok "... and never opened (only looked at through O_PATH)"; fi
else
	out=$(timeout 60 "$HAKO" clone src dev -P "$P" 2>&1); rc=$?
	[ $rc = 0 ] && ok "a device node as /etc/hostname: the clone completes" || not_ok "device: rc $rc: $out"
	skip "... never opened: no strace on this host to watch the opens (make deps installs it)"
fi

# A symlink out of the rootfs: resolved inside it, so the host's file is
# neither read nor written.
rm -f "$P/src/rootfs/etc/hostname" && ln -s /etc/hostname-hk-canary "$P/src/rootfs/etc/hostname"
echo src >/etc/hostname-hk-canary
check "a symlink to a host path as /etc/hostname: the clone completes" "$HAKO" clone src link -P "$P" -q
check_output "... the host's file is untouched" '^src$' cat /etc/hostname-hk-canary
rm -f /etc/hostname-hk-canary
plan_end
