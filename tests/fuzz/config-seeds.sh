#!/usr/bin/env bash
# config-seeds.sh: writes the seed corpus of fuzz_config, one file per key
# family (lxc.rootfs, lxc.net, lxc.cgroup, ...), from the key table as
# `hako config -l` prints it and the values of
# tests/fixtures/config/all-keys.conf (which a unit test keeps complete),
# in table order.  Legacy spellings have their own seed (legacy-keys).
# With --check it only compares: it fails when a checked-in seed is stale
# or a key of the table has no seed line.
#   usage: tests/fuzz/config-seeds.sh [--check] [HAKO]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
check=0
[ "${1:-}" = --check ] && { check=1; shift; }
hako=${1:-$top/build/hako}
fixture=$top/tests/fixtures/config/all-keys.conf
out=$top/tests/fuzz/corpus/fuzz_config
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
missing=0
for key in $("$hako" config -l | awk '{print $1}'); do
	family=${key#lxc.}
	family=${family%%.*}
	# lxc.net.N.link matches lxc.net.0.link; lxc.cgroup.* matches lxc.cgroup.X
	re=$(printf '%s' "$key" | sed 's/\./\\./g; s/\\\.N\\\./\\.[0-9]+\\./; s/\\\.\*$/\\.[^ =]+/')
	case $key in
	lxc.net) lines="lxc.net =" ;;   # an empty value: clears the interfaces so far
	lxc.include) continue ;;        # reads host files: fuzz_config skips it
	*) lines=$(grep -E "^$re *=" "$fixture" || true) ;;
	esac
	if [ -z "$lines" ]; then
		echo "config-seeds: $key has no line in $fixture" >&2
		missing=1
		continue
	fi
	printf '%s\n' "$lines" >>"$tmp/family-$family"
done
for f in "$tmp"/family-*; do
	awk '!seen[$0]++' "$f" >"$f.u" && mv "$f.u" "$f"
done
if [ "$check" = 1 ]; then
	for f in "$tmp"/family-*; do
		cmp -s "$f" "$out/${f##*/}" || { echo "config-seeds: ${f##*/} is stale; run $0" >&2; missing=1; }
	done
	exit "$missing"
fi
rm -f "$out"/family-*
cp "$tmp"/family-* "$out/"
exit "$missing"
