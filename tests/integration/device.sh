#!/usr/bin/env bash
# device.sh - `hako device NAME add|del DEV|IFACE [NAME-INSIDE]`
# (lxc-device) on real busybox containers.
# Root, privileged container: a char node made for the test (c 1:3) and a
# block node (b 7:0) are made inside with their major:minor and mode and
# are usable; the block device is refused by the device cgroup (EPERM on
# a node the container makes itself) before add and again after del,
# while /dev/null (1:3, in the default rules) still works after del of a
# 1:3 node; a veth end (or a dummy) moves in under a new name, seen in
# the container's /sys/class/net and gone from the host, and del brings
# it back under its own name; refusals: a non-device, a missing path or
# interface, lo, a bridge port, a name taken inside, a container in the
# host's network namespace (lxc.net.0.type = none), twice the same
# place, del of what was not given, bad words (exit 2), and symlinks in
# the rootfs pointing at host paths (nothing is made on the host, and the
# cgroup allow a failed add wrote is taken back).
# Root, container with an id map: the node is owned by its root inside
# and usable (a bind of a node made on a private tmpfs); del leaves no
# mount.  A stopped container is refused.  The test user: both kinds are
# refused with the reason.
. "$(dirname "$0")/../lib.sh"
hk_begin device "device tests" root build

chmod 755 "$T"
P=$T/p
UP=
L0=device0 L1=device1 BR=devicebr0
cleanup() {
	for c in dv1 dv2 dv3; do
		"$HAKO" stop -k $c -P "$P" >/dev/null 2>&1
		"$HAKO" destroy $c -P "$P" >/dev/null 2>&1
	done
	if [ -n "$UP" ]; then
		as_user "$HAKO" stop -k du1 -P "$UP" >/dev/null 2>&1
		as_user "$HAKO" destroy du1 -P "$UP" >/dev/null 2>&1
		rm -rf "$UP"
	fi
	ip link del "$L0" >/dev/null 2>&1
	ip link del "$BR" >/dev/null 2>&1
	rm -rf "$T"
}
hk_on_exit cleanup

in1() { "$HAKO" attach dv1 -P "$P" -- sh -c "$1" 2>&1; }
in2() { "$HAKO" attach dv2 -P "$P" -- sh -c "$1" 2>&1; }
status_of() { "$@" >/dev/null 2>&1; echo $?; }

mknod "$T/hknull" c 1 3 && chmod 0666 "$T/hknull"
mknod "$T/hkloop" b 7 0 && chmod 0640 "$T/hkloop"
echo text >"$T/plain"

check "create dv1 (privileged)" "$HAKO" create dv1 -t busybox -P "$P" -q
check_output "a stopped container is refused" 'container "dv1" is not running; start it' \
	"$HAKO" device dv1 add "$T/hknull" -P "$P"
check "start dv1" "$HAKO" start dv1 -P "$P"

# ---- refusals that change nothing ----
check_output "a file that is no device node is refused" 'plain is not a device node' \
	"$HAKO" device dv1 add "$T/plain" /dev/plain -P "$P"
check_output "a missing path is refused" 'the host has no .*/nosuch' \
	"$HAKO" device dv1 add "$T/nosuch" -P "$P"
check_output "a missing interface is refused" 'the host has no network interface "nosuch9"' \
	"$HAKO" device dv1 add nosuch9 -P "$P"
check_output "lo stays on the host" 'interface "lo" stays on the host: it is the host.s loopback' \
	"$HAKO" device dv1 add lo -P "$P"
check_output "a bad action is a usage error" '^2$' status_of "$HAKO" device dv1 move "$T/hknull" -P "$P"
check_output "a path inside with .. is a usage error" '^2$' \
	status_of "$HAKO" device dv1 add "$T/hknull" /dev/../etc/x -P "$P"
check_output "del of what was not given is refused" 'was not given to it with "hako device dv1 add"' \
	"$HAKO" device dv1 del /dev/nothing -P "$P"
check_output "a missing container is refused" 'container "nosuch" does not exist' \
	"$HAKO" device nosuch add "$T/hknull" -P "$P"

# ---- a char device ----
check "add a char device (c 1:3) as /dev/hknull" "$HAKO" device dv1 add "$T/hknull" /dev/hknull -P "$P"
check_output "inside: a char device 1:3 with the host node's mode" '^character special file 1:3 666$' \
	in1 'stat -c "%F %t:%T %a" /dev/hknull'
check_output "inside: it is usable (write, then read nothing)" '^wrote$' \
	in1 'echo x >/dev/hknull && [ -z "$(cat /dev/hknull)" ] && echo wrote'
check_output "the same place twice is refused" '/dev/hknull was given to it already' \
	"$HAKO" device dv1 add "$T/hknull" /dev/hknull -P "$P"

# ---- a block device and the device cgroup ----
check_output "before add, the cgroup denies b 7:0 (EPERM)" 'Operation not permitted' \
	in1 'mknod /tmp/probe b 7 0; head -c 1 /tmp/probe >/dev/null'
check "add a block device (b 7:0) as /dev/sub/myloop (parents made)" \
	"$HAKO" device dv1 add "$T/hkloop" /dev/sub/myloop -P "$P"
check_output "inside: a block device 7:0, mode 640" '^block special file 7:0 640$' \
	in1 'stat -c "%F %t:%T %a" /dev/sub/myloop'
out=$(in1 'head -c 1 /dev/sub/myloop >/dev/null; head -c 1 /tmp/probe >/dev/null; echo done')
if grep -q 'Operation not permitted' <<<"$out" || ! grep -q done <<<"$out"; then
	not_ok "after add, the cgroup lets 7:0 through"; diag "$out"
else ok "after add, the cgroup lets 7:0 through"; fi
check "del it by its name inside" "$HAKO" device dv1 del /dev/sub/myloop -P "$P"
check_output "inside: the node is gone" 'No such file' in1 'ls /dev/sub/myloop'
check_output "after del, the cgroup denies 7:0 again (EPERM)" 'Operation not permitted' \
	in1 'mknod /tmp/probe2 b 7 0; head -c 1 /tmp/probe2 >/dev/null'
check "del the char device by both words" "$HAKO" device dv1 del "$T/hknull" /dev/hknull -P "$P"
check_output "inside: /dev/hknull is gone" 'No such file' in1 'ls /dev/hknull'
check_output "/dev/null (1:3, in the default rules) still works after del of a 1:3 node" '^fine$' \
	in1 'echo x >/dev/null && echo fine'

# ---- symlinks in the rootfs pointing at host paths ----
mkdir "$T/hostdir"
in1 "ln -s $T/target /dev/evil; ln -s $T/hostdir /dev/esc" >/dev/null
check_output "a symlink at the place inside is refused (never followed)" 'cannot make /dev/evil inside: File exists' \
	"$HAKO" device dv1 add "$T/hkloop" /dev/evil -P "$P"
check "... and nothing was made on the host" test ! -e "$T/target" -a ! -L "$T/target"
check_output "... and the allow it had written was taken back (7:0 still EPERM)" 'Operation not permitted' \
	in1 'mknod /tmp/probe3 b 7 0; head -c 1 /tmp/probe3 >/dev/null'
"$HAKO" device dv1 add "$T/hknull" /dev/esc/x -P "$P" >/dev/null 2>&1
check "a symlinked parent dir inside never leads to the host" test ! -e "$T/hostdir/x"
rec=$(printf '%s/s-%016x/dv1/devices' "${HAKO_RUN_DIR:-/run/hako}" "$(hk_path_hash "$P")")
check_output "the records hold the start rules, and no node after the refusals" '^[1-9][0-9]* 0$' \
	sh -c "echo \$(grep -c '^v[12] devices' '$rec') \$(grep -c '^node' '$rec')"

# ---- a network interface ----
if ip link add "$L0" type dummy 2>/dev/null; then
	kind=dummy
else
	ip link add "$L0" type veth peer name "$L1"
	kind=veth
fi
check_output "a name taken inside is refused" 'already has an interface "lo"' \
	"$HAKO" device dv1 add "$L0" lo -P "$P"
check "add $kind $L0 as dveth9" "$HAKO" device dv1 add "$L0" dveth9 -P "$P"
check_output "inside: dveth9 is there" '^dveth9$' in1 'ls /sys/class/net | grep dveth9'
check "the host has no $L0 any more" sh -c "! ip link show $L0 >/dev/null 2>&1"
check "del dveth9" "$HAKO" device dv1 del dveth9 -P "$P"
check "the host has $L0 back under its own name" ip link show "$L0"
check_output "inside: dveth9 is gone" '^gone$' in1 '[ -e /sys/class/net/dveth9 ] || echo gone'
if ip link add "$BR" type bridge 2>/dev/null && ip link set "$L0" master "$BR" 2>/dev/null; then
	check_output "a bridge port stays on the host, naming the bridge" "it is a port of \"$BR\"" \
		"$HAKO" device dv1 add "$L0" -P "$P"
	check "... still on the bridge" sh -c "ip link show $L0 | grep -q 'master $BR'"
else
	skip "bridge port refusal: cannot make a bridge here"
fi

printf 'lxc.net.0.type = none\n' >"$T/none.conf"
check "create and start dv3 (lxc.net.0.type = none)" sh -c "'$HAKO' create dv3 -t busybox -P '$P' -f '$T/none.conf' -q && '$HAKO' start dv3 -P '$P'"
check_output "a container in the host's network namespace is refused" 'shares the host.s network namespace' \
	"$HAKO" device dv3 add "$L0" -P "$P"
check "... and $L0 stays on the host" ip link show "$L0"
check "stop dv3" "$HAKO" stop -k dv3 -P "$P"

# ---- a container with an id map ----
printf 'lxc.idmap = u 0 300000 65536\nlxc.idmap = g 0 300000 65536\n' >"$T/idmap.conf"
check "create and start dv2 (id map)" sh -c "'$HAKO' create dv2 -t busybox -P '$P' -f '$T/idmap.conf' -q && '$HAKO' start dv2 -P '$P'"
check "add the char device to dv2" "$HAKO" device dv2 add "$T/hknull" /dev/net/hknull -P "$P"
check_output "inside: owned by its root, 1:3, mode 666" '^0 0 character special file 1:3 666$' \
	in2 'stat -c "%u %g %F %t:%T %a" /dev/net/hknull'
check_output "inside: usable" '^wrote$' in2 'echo x >/dev/net/hknull && echo wrote'
check "del it" "$HAKO" device dv2 del /dev/net/hknull -P "$P"
check_output "inside: gone, no mount left" '^gone 0$' \
	in2 '[ -e /dev/net/hknull ] || echo "gone $(grep -c " - tmpfs hako-device " /proc/self/mountinfo)"'

check "stop dv1" "$HAKO" stop -k dv1 -P "$P"
check_output "a stopped container is refused (del too)" 'container "dv1" is not running' \
	"$HAKO" device dv1 del /dev/hknull -P "$P"

# ---- an ordinary user ----
if UP=$(hk_user_path device); then
	if as_user "$HAKO" create du1 -t busybox -P "$UP" -q && as_user "$HAKO" start du1 -P "$UP"; then
		ok "user: create and start du1"
		check_output "user: a device node is refused with the reason" \
			'an ordinary user cannot give a device node.*lxc.mount.entry' \
			as_user "$HAKO" device du1 add /dev/null /dev/n2 -P "$UP"
		check_output "user: an interface is refused with the reason" 'needs CAP_NET_ADMIN on the host' \
			as_user "$HAKO" device du1 add "$L0" -P "$UP"
		check_output "user: ... and exit 1" '^1$' status_of as_user "$HAKO" device du1 add "$L0" -P "$UP"
	else
		not_ok "user: create and start du1"
	fi
else
	skip "device as $HK_TEST_USER: cannot make the user or set it up"
fi
plan_end
