#!/usr/bin/env bash
# tests/helpers/debian-rootfs.sh - a Debian rootfs with systemd as init, for
# the tests of real distributions (tests/integration/systemd-ct.sh) and the
# benchmark: debootstrap --variant=minbase of SUITE (bookworm, trixie) from
# this host's Debian mirror, with systemd-sysv, iproute2 and ping, root
# without a password (console login in the tests), packed as a tarball for
# `hako create -t tar:`.  Built once and cached outside the checkout, by a
# key of SUITE and this recipe; a rebuild replaces the cached file whole.
#
#   debian-rootfs.sh SUITE      prints the tarball's path (building it first
#                               when missing); progress and errors on stderr
#
# HK_DEBIAN_CACHE=DIR  the cache (default /var/cache/hako-test); the guest
#                      lane brings the host's tarballs in this way, as a
#                      guest has no network.
# HK_DEBIAN_MIRROR=URL the mirror (default: the first Debian URI of apt's
#                      sources on this host).
set -euo pipefail
suite=${1:?usage: debian-rootfs.sh bookworm|trixie}
cache=${HK_DEBIAN_CACHE:-/var/cache/hako-test}
packages=systemd-sysv,iproute2,iputils-ping
key=$(printf '%s\n' "$suite" "$packages" | cat - "$0" | sha256sum | cut -c1-12)
out=$cache/debian-$suite-$key.tar

[ -f "$out" ] && { echo "$out"; exit 0; }

mirror() {
	[ -n "${HK_DEBIAN_MIRROR:-}" ] && { echo "$HK_DEBIAN_MIRROR"; return; }
	local m
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '$1 == "URIs:" && $2 ~ /debian\/?$/ { print $2; exit }')
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

command -v debootstrap >/dev/null || { echo "debian-rootfs: no debootstrap here (apt-get install debootstrap)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "debian-rootfs: debootstrap needs root" >&2; exit 1; }
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
[ -f "$out" ] && { echo "$out"; exit 0; } # another test built it meanwhile
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
m=$(mirror)
t0=$SECONDS
echo "debian-rootfs: debootstrap $suite from $m into the cache $cache (once)" >&2
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$tmp/root" "$m" >"$tmp/log" 2>&1; then
	tail -n 15 "$tmp/log" >&2
	echo "debian-rootfs: debootstrap $suite from $m failed (mirror unreachable, or a package missing?)" >&2
	exit 1
fi
# A login on the console without a password (the tests' console check),
# the container's own hostname (hako sets it; debootstrap copied the host's).
sed -i 's/^root:[^:]*:/root::/' "$tmp/root/etc/shadow"
rm -f "$tmp/root/etc/hostname"
rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"*_Packages
tar -C "$tmp/root" --numeric-owner -cf "$tmp/rootfs.tar" .
chmod 644 "$tmp/rootfs.tar"
mv "$tmp/rootfs.tar" "$out"
rm -f $(ls "$cache"/debian-"$suite"-*.tar | grep -vxF "$out") 2>/dev/null || true
echo "debian-rootfs: $suite took $((SECONDS - t0)) s: $out ($(du -m "$out" | cut -f1) MB)" >&2
echo "$out"
