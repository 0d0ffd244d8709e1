#!/bin/sh
# make demo: three busybox containers that show what hako is for, then the
# dashboard (plain `hako` with no command) on them:
#   demo         privileged, on hako's bridge (hako net setup): its address
#                is in the IPV4 column;
#   demo-unpriv  unprivileged (an id map): the U flag, its map in IDMAP and
#                in the ID maps tab;
#   demo-nest    unprivileged with the nesting profile; hako inside it runs
#                "child", listed under its parent.
# Each is created when absent and started when stopped; run it again and it
# only opens the dashboard.  `hako destroy -f NAME` removes them.
# HAKO_DEMO_PATH=DIR puts them in that container path (the tests do).
set -eu
hako_bin=${1:-build/hako}
hako() {
	if [ -n "${HAKO_DEMO_PATH:-}" ]; then "$hako_bin" -P "$HAKO_DEMO_PATH" "$@"
	else "$hako_bin" "$@"; fi
}
top=$(cd "$(dirname "$0")/.." && pwd)
nesting=$top/build/config/nesting.conf
# A host id range that no user's /etc/subuid line is likely to hold.
map='lxc.idmap = u 0 2100000000 65536
lxc.idmap = g 0 2100000000 65536'
net='lxc.net.0.type = veth
lxc.net.0.link = hakobr0
lxc.net.0.flags = up'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

state() { hako ls -F NAME,STATE | awk -F'\t' -v n="$1" '$1 == n { print $2 }'; }
# make NAME CONFIG-TEXT: created once, running after.
make_ct() {
	if [ -z "$(state "$1")" ]; then
		printf '%s\n' "$2" >"$tmp/$1.conf"
		echo "demo: creating $1"
		hako create "$1" -t busybox -f "$tmp/$1.conf" -q
	fi
	[ "$(state "$1")" = RUNNING ] || hako start "$1"
}
# in_nest CMD...: hako inside demo-nest (the static build the nesting
# profile mounts at /usr/local/bin/hako).
in_nest() { hako attach demo-nest -- /usr/local/bin/hako "$@"; }

hako net setup -q
make_ct demo "$net"
make_ct demo-unpriv "$map
$net"
make_ct demo-nest "lxc.include = $nesting
$map
$net"
# busybox's rcS mounts /sys/fs/cgroup inside; wait for it to finish (a
# getty runs once it has: init starts them after every sysinit entry)
i=0
until hako attach demo-nest -- sh -c '! ps | grep -q "[r]cS" && ps | grep -q "[g]etty"' 2>/dev/null || [ $i -ge 80 ]; do
	sleep 0.1; i=$((i + 1))
done
if ! in_nest ls -1 | grep -qx child; then
	echo "demo: creating child inside demo-nest"
	in_nest create child -t busybox -q
fi
in_nest ls -F NAME,STATE | grep -q '^child	RUNNING' || in_nest start child
if [ -n "${HAKO_DEMO_PATH:-}" ]; then exec "$hako_bin" -P "$HAKO_DEMO_PATH"; fi
exec "$hako_bin"
