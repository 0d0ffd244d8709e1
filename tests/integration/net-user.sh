#!/usr/bin/env bash
# tests/integration/net-user.sh - networking for an ordinary user through
# hako-nic, for real: the test user gets a line in /etc/hako/usernet, its
# unprivileged busybox container gets its veth from hako-nic (installed
# setuid root in a root-owned temp dir, named by HAKO_NIC), has a leased
# address, pings the bridge, and `ls -f` and `net list` show it; the
# quota of 1 refuses a second container with a clear error and leaves
# nothing behind; after stop, and after kill -9 of the monitor and stop of
# the orphan, no host veth, record or lease remains.  A test bridge
# (hktestbr3, 10.99.95.1/24) is used and removed; /etc/hako/usernet is
# saved and restored.  hako-nic's own refusals are tests/security/nic-*.sh.
. "$(dirname "$0")/../lib.sh"
hk_begin netu net-user needs=$HK_TOP/build/hako-nic root

BR=hktestbr3
CIDR=10.99.95.1/24
USERNET=/etc/hako/usernet
chmod 755 "$T"
NIC=$T/bin/hako-nic
UP=$T/user
A=hkua$$
B=hkub$$

cleanup() {
	as_user "$HAKO" stop -k "$A" -P "$UP/lxc" >/dev/null 2>&1
	as_user "$HAKO" stop -k "$B" -P "$UP/lxc" >/dev/null 2>&1
	hk_nic_restore "$T"
	"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
	rm -rf "$T"
}
hk_on_exit cleanup

if ! ensure_test_user; then skip "net-user: cannot make $HK_TEST_USER"; plan_end; exit; fi
if [ ! -u /usr/bin/newuidmap ] && ! getcap /usr/bin/newuidmap 2>/dev/null | grep -q cap_setuid; then
	skip "net-user: /usr/bin/newuidmap is neither setuid nor capable here"; plan_end; exit
fi

# ---- the helper, the policy, the bridge ----
hk_nic_setup "$T" || { not_ok "cannot install hako-nic in $T"; plan_end; exit; }
export HK_EXTRA_ENV="HAKO_NIC=$NIC"
rm -f "$USERNET"
check_output "setup-user says the user has no veth yet" "grants user \"$HK_TEST_USER\" no veth on bridge \"$BR\".*-n 1" \
	"$HAKO" setup-user "$HK_TEST_USER" -b "$BR"
check_output "setup-user -n 1 grants one" "\[done\] usernet: user \"$HK_TEST_USER\" may now have 1 veth on bridge \"$BR\"" \
	"$HAKO" setup-user "$HK_TEST_USER" -n 1 -b "$BR"
check_output "setup-user -n again changes nothing" "\[ ok \] usernet: user \"$HK_TEST_USER\" may have 1 veth on bridge" \
	"$HAKO" setup-user "$HK_TEST_USER" -n 1 -b "$BR"
[ "$(stat -c '%U %a' "$USERNET")" = "root 644" ] && [ "$(grep -c "^$HK_TEST_USER veth $BR 1\$" "$USERNET")" = 1 ] &&
	ok "usernet holds one line, root's, mode 644" || not_ok "usernet: $(stat -c '%U %a' "$USERNET"): $(cat "$USERNET")"
"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
check "a test bridge" "$HAKO" net setup -b "$BR" -s "$CIDR"
UID_T=$(id -u "$HK_TEST_USER")

ports() { ls "/sys/class/net/$BR/brif" 2>/dev/null | wc -l; }
records() { awk -v u="$UID_T" '$1 == u' /run/hako-nic/nics 2>/dev/null | wc -l; }
leases_of() { grep -c "$HK_TEST_USER:$1 " /run/hako/net/leases 2>/dev/null; }
ipv4_of() { as_user "$HAKO" ls -F NAME,IPV4 -P "$UP/lxc" 2>/dev/null | awk -F'\t' -v n="$1" '$1 == n' | grep -Eo '10\.99\.95\.[0-9]+' | head -1; }
state_of() { as_user "$HAKO" ls -F NAME,STATE -P "$UP/lxc" 2>/dev/null | awk -F'\t' -v n="$1" '$1 == n { print $2 }'; }
init_of() { as_user "$HAKO" ls -F NAME,PID -P "$UP/lxc" 2>/dev/null | awk -F'\t' -v n="$1" '$1 == n { print $2 }'; }

mkdir -p "$UP" && chown "$HK_TEST_USER:" "$UP"
mk() {
	as_user "$HAKO" create "$1" -t busybox -P "$UP/lxc" >/dev/null 2>&1 || return 1
	printf 'lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.flags = up\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n' \
		"$BR" >>"$UP/lxc/$1/config"
}
check "user: create two busybox containers with a veth" bash -c "$(declare -f mk as_user); HAKO=$HAKO UP=$UP BR=$BR HK_TEST_USER=$HK_TEST_USER; mk $A && mk $B"

# ---- a veth through hako-nic ----
check "user: start $A (its veth comes from hako-nic)" as_user "$HAKO" start "$A" -P "$UP/lxc"
ia=$(ipv4_of "$A")
[ -n "$ia" ] && ok "user: ls -f shows $A's address $ia" || not_ok "user: ls -f shows no address for $A"
check_output "user: info shows $A's address" "^IP: +$ia" as_user "$HAKO" info "$A" -P "$UP/lxc"
check "user: $A pings the bridge" as_user "$HAKO" attach "$A" -P "$UP/lxc" -- ping -c 1 -W 3 "${CIDR%/*}"
check_output "user: $A has eth0 with its address" "inet $ia/24" as_user "$HAKO" attach "$A" -P "$UP/lxc" -- ip addr show eth0
check_output "user: $A has a default route via the bridge" "default via ${CIDR%/*}" \
	as_user "$HAKO" attach "$A" -P "$UP/lxc" -- ip route
[ "$(ports)" = 1 ] && ok "user: one port on the bridge" || not_ok "user: ports on the bridge: $(ports)"
[ "$(records)" = 1 ] && ok "user: hako-nic recorded one nic" || not_ok "user: records: $(records)"
[ "$(leases_of "$A")" = 1 ] && ok "user: the lease names $HK_TEST_USER:$A" || not_ok "user: leases: $(cat /run/hako/net/leases 2>&1)"
check_output "user: hako-nic list shows it" "^$A [0-9]+ $BR hkn" as_user "$NIC" list
check_output "user: hako net list shows $A's veth with bridge, host end and address" \
	"^$A	$BR	hkn[0-9a-f]{8}	$ia	[0-9]+\$" as_user "$HAKO" net list
check_output "root: hako net list shows every user's, with the user" \
	"^$HK_TEST_USER	$A	$BR	hkn[0-9a-f]{8}	$ia	[0-9]+\$" "$HAKO" net list

# ---- the quota ----
out=$(as_user "$HAKO" start "$B" -P "$UP/lxc" 2>&1); rc=$?
if [ $rc != 0 ] && printf '%s\n' "$out" | grep -q "already has 1 of the 1 veth interfaces $USERNET allows on bridge \"$BR\""; then
	ok "user: the quota refuses a second container, naming the file and the fix"
else not_ok "user: second start (rc $rc): $out"; fi
sleep 0.2
[ "$(state_of "$B")" = STOPPED ] && ok "user: $B did not start" || not_ok "user: $B is $(state_of "$B")"
[ "$(ports)" = 1 ] && [ "$(records)" = 1 ] && [ "$(leases_of "$B")" = 0 ] &&
	ok "user: the refused start left no veth, record or lease" ||
	not_ok "user: after the refusal: ports $(ports), records $(records), leases of $B $(leases_of "$B")"

# ---- stop ----
check "user: stop $A" as_user "$HAKO" stop -k "$A" -P "$UP/lxc"
sleep 0.2
[ "$(ports)" = 0 ] && [ "$(records)" = 0 ] && [ "$(leases_of "$A")" = 0 ] &&
	ok "user: after stop no host veth, record or lease" ||
	not_ok "user: after stop: ports $(ports), records $(records), leases $(leases_of "$A")"

# ---- the monitor dies ----
check "user: start $B (the quota is free again)" as_user "$HAKO" start "$B" -P "$UP/lxc"
init=$(init_of "$B")
mon=$(ps -o ppid= -p "$init" 2>/dev/null | tr -d ' ')
if [ -n "$mon" ] && [ "$mon" != 1 ]; then
	kill -9 "$mon"
	sleep 0.3
	[ "$(state_of "$B")" = ORPHANED ] && ok "user: killing the monitor leaves $B ORPHANED" ||
		not_ok "user: state after killing the monitor: $(state_of "$B")"
	check "user: stop -k of the orphan" as_user "$HAKO" stop -k "$B" -P "$UP/lxc"
	sleep 0.3
	[ "$(ports)" = 0 ] && [ "$(records)" = 0 ] && [ "$(leases_of "$B")" = 0 ] &&
		ok "user: after the monitor died and the orphan stopped: no host veth, record or lease" ||
		not_ok "user: after kill -9: ports $(ports), records $(records), leases $(leases_of "$B")"
else
	not_ok "user: no monitor found for $B (init '$init')"
fi

# ---- the MTU: both ends get lxc.net.N.mtu, never past the bridge ----
mtu_of() { cat "/sys/class/net/$1/mtu" 2>/dev/null; }
host_of() { as_user "$NIC" list 2>/dev/null | awk -v n="$1" '$1 == n { print $4 }'; }
set_mtu() { sed -i '/^lxc.net.0.mtu/d' "$UP/lxc/$A/config" && echo "lxc.net.0.mtu = $1" >>"$UP/lxc/$A/config"; }
set_mtu 1400
br_mtu=$(mtu_of "$BR")
check_output "user: MTU 1400 on a bridge that follows its ports is refused (it would shrink the bridge)" \
	"MTU 1400 would lower bridge \"$BR\" from $br_mtu to 1400 for every container on it" as_user "$HAKO" start "$A" -P "$UP/lxc"
sleep 0.2
[ "$(mtu_of "$BR")" = "$br_mtu" ] && [ "$(ports)" = 0 ] && [ "$(records)" = 0 ] &&
	ok "user: the refusal left the bridge at $br_mtu, no port, no record" ||
	not_ok "user: after the MTU refusal: bridge MTU $(mtu_of "$BR"), ports $(ports), records $(records)"
ip link set "$BR" mtu 1450 # root pins the bridge's MTU
echo "lxc.net.0.veth.pair = hkuserpair0" >>"$UP/lxc/$A/config"
out=$(as_user "$HAKO" start "$A" -P "$UP/lxc" 2>&1); rc=$?
[ $rc = 0 ] && ok "user: start $A with lxc.net.0.mtu = 1400 on a bridge pinned at 1450" || not_ok "user: start $A (rc $rc): $out"
[ "$(printf '%s\n' "$out" | grep -c 'lxc.net.0.veth.pair = hkuserpair0 is ignored: hako-nic names')" = 1 ] &&
	ok "user: lxc.net.0.veth.pair is ignored, with one warning at start" || not_ok "user: veth.pair warning: $out"
[ ! -e /sys/class/net/hkuserpair0 ] && ok "user: no host interface took the veth.pair name" ||
	not_ok "user: hkuserpair0 exists on the host"
sed -i '/^lxc.net.0.veth.pair/d' "$UP/lxc/$A/config"
host=$(host_of "$A")
[ -n "$host" ] && [ "$(mtu_of "$host")" = 1400 ] && ok "user: the host end $host has MTU 1400" ||
	not_ok "user: host end '$host' has MTU '$(mtu_of "$host")'"
check_output "user: the container's end has MTU 1400" "^1400\$" as_user "$HAKO" attach "$A" -P "$UP/lxc" -- cat /sys/class/net/eth0/mtu
[ "$(mtu_of "$BR")" = 1450 ] && ok "user: the pinned bridge kept MTU 1450" || not_ok "user: bridge MTU $(mtu_of "$BR")"
check "user: stop $A" as_user "$HAKO" stop -k "$A" -P "$UP/lxc"
set_mtu 1500
check_output "user: an MTU above the bridge's is refused" "MTU 1500 is above the 1450 of bridge \"$BR\"; set lxc.net.N.mtu to at most 1450" \
	as_user "$HAKO" start "$A" -P "$UP/lxc"
sed -i '/^lxc.net.0.mtu/d' "$UP/lxc/$A/config"

# ---- types hako-nic does not make ----
printf 'lxc.net.0.type = macvlan\nlxc.net.0.link = %s\n' "$BR" >"$T/macvlan.conf"
sed -i '/^lxc.net.0/d' "$UP/lxc/$A/config"
cat "$T/macvlan.conf" >>"$UP/lxc/$A/config"
check_output "user: a macvlan is refused clearly" "can only have veths" as_user "$HAKO" start "$A" -P "$UP/lxc"

# ---- a bridge without an IPv4 address (as LXC: no address, or the config's) ----
"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
ip link add "$BR" type bridge && ip link set "$BR" up
sed -i '/^lxc.net.0/d' "$UP/lxc/$A/config"
printf 'lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.flags = up\n' "$BR" >>"$UP/lxc/$A/config"
check "user: start on a bridge without IPv4" as_user "$HAKO" start "$A" -P "$UP/lxc"
check_output "user: ... eth0 is up with no IPv4 address" '^0$' \
	as_user "$HAKO" attach "$A" -P "$UP/lxc" -- sh -c 'ip -4 -o addr show eth0 | wc -l'
check "user: stop" as_user "$HAKO" stop -k "$A" -P "$UP/lxc"
"$HAKO" create nb -t busybox -P "$T/root" -q 2>/dev/null
printf 'lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.flags = up\nlxc.net.0.ipv4.address = 10.77.0.5/24\n' "$BR" \
	>>"$T/root/nb/config"
check "root: start on a bridge without IPv4, with the config's address" "$HAKO" start nb -P "$T/root"
check_output "root: ... eth0 has it" 'inet 10\.77\.0\.5/24' "$HAKO" attach nb -P "$T/root" -- ip -4 addr show eth0
check "root: stop" "$HAKO" stop -k nb -P "$T/root"
"$HAKO" destroy nb -P "$T/root" >/dev/null 2>&1
plan_end
