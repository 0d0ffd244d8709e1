#!/usr/bin/env bash
# tests/security/nic-helper.sh - hako-nic, the setuid-root helper, trusts
# nothing its caller hands it: it refuses a network
# namespace the caller does not own with one message for every cause (root's
# namespace, another user's, pid 1, no such pid: no existence oracle); a
# bridge not in usernet; interface names with '/', '%', blanks, newlines or
# 16+ bytes; a usernet file that is group- or other-writable, not root's or
# a symlink; a symlink planted at its database, or a database directory
# that is not root's alone; an MTU that would lower the bridge, before
# touching any link (a bridge with IPv6 keeps its addresses and MTU).  It
# ignores the environment (LD_PRELOAD, PATH, LANG, TMPDIR, IFS; libnl's
# NLSYSCONFDIR, NLCB and NLDBG, which libnl's constructors would read
# before main()), closes descriptors it inherits,
# cannot be read through /proc by its caller, finishes what it started
# when signalled, deletes only the caller's own nics, and its quota holds
# with 8 parallel callers, stale records culled once their processes die.
# Mode: the test user (hako-nic exists for ordinary users only).
. "$(dirname "$0")/../lib.sh"
hk_begin nicsec nic-helper needs=$HK_TOP/build/hako-nic root

BR=hktestbr4
BR2=hktestbr5
USERNET=/etc/hako/usernet
DB=/run/hako-nic
chmod 755 "$T"
NIC=$T/bin/hako-nic
HOLDERS=()

cleanup() {
	local p
	for p in "${HOLDERS[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ -L "$DB/nics" ] && rm -f "$DB/nics"
	[ -f "$T/nics.saved" ] && mv "$T/nics.saved" "$DB/nics"
	[ -d "$DB" ] && chown root:root "$DB" && chmod 755 "$DB"
	hk_nic_restore "$T"
	[ -x "$NIC" ] && as_user "$NIC" list >/dev/null 2>&1 # culls what the holders left
	"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
	"$HAKO" net remove -b "$BR2" -q >/dev/null 2>&1
	rm -rf "$T"
}
hk_on_exit cleanup

if ! ensure_test_user; then skip "nic-helper: cannot make $HK_TEST_USER"; plan_end; exit; fi

hk_nic_setup "$T" || { not_ok "cannot install hako-nic in $T"; plan_end; exit; }
set_usernet() { printf '%s\n' "$@" >"$USERNET"; chown root:root "$USERNET"; chmod 644 "$USERNET"; }
set_usernet "$HK_TEST_USER veth $BR 1" "root veth $BR 1"
"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
"$HAKO" net remove -b "$BR2" -q >/dev/null 2>&1
"$HAKO" net setup -b "$BR" -s 10.99.94.1/24 >/dev/null && "$HAKO" net setup -b "$BR2" -s 10.99.93.1/24 >/dev/null ||
	{ not_ok "cannot make the test bridges"; plan_end; exit; }
UID_T=$(id -u "$HK_TEST_USER")
ports() { ls "/sys/class/net/$BR/brif" 2>/dev/null | wc -l; }
records() { awk -v u="$UID_T" '$1 == u' "$DB/nics" 2>/dev/null | wc -l; }

nic() { as_user "$NIC" "$@"; }

MINE=$(hk_ns_holder user); HOLDERS+=("$MINE")
[ -n "$MINE" ] || { not_ok "no namespace holder for the test user"; plan_end; exit; }

# ---- the network namespace must be the caller's ----
ROOTS=$(hk_ns_holder root); HOLDERS+=("$ROOTS")
OTHER=$(hk_ns_holder nobody); HOLDERS+=("$OTHER")
msgs=()
for p in "$ROOTS" "$OTHER" 1 $$ 4194303; do
	out=$(nic create c1 "$p" veth "$BR" eth0 2>&1); rc=$?
	[ $rc != 0 ] || not_ok "hako-nic accepted pid $p"
	msgs+=("$(printf '%s' "$out" | sed "s/pid $p:/pid N:/")")
done
[ "$(printf '%s\n' "${msgs[@]}" | sort -u | wc -l)" = 1 ] && printf '%s' "${msgs[0]}" | grep -q "not one you own" &&
	ok "foreign namespaces (root's, another user's, pid 1, the caller's host one, no such pid) get one identical refusal" ||
	{ not_ok "refusals differ:"; printf '#   %s\n' "${msgs[@]}"; }
[ "$(ports)" = 0 ] && ok "no veth made for a foreign namespace" || not_ok "ports on $BR: $(ports)"

# ---- policy and names ----
check_output "a bridge not in usernet is refused, naming the fix" \
	"may not put a veth on bridge \"$BR2\": $USERNET has no line for it; as root, add \"$HK_TEST_USER veth $BR2 1\"" \
	nic create c1 "$MINE" veth "$BR2" eth0
for bad in 'a/b' 'a%d' 'eth 0' "$(printf 'eth\n0')" '0123456789abcdef' '../x'; do
	shown=$(printf '%s' "$bad" | tr '\n' '~')
	check_output "interface name '$shown' refused" "interface name|bridge" nic create c1 "$MINE" veth "$BR" "$bad"
	check_output "bridge name '$shown' refused" "bridge \"|bridge" nic create c1 "$MINE" veth "$bad" eth0
done
check_output "phys is refused clearly" "veth interfaces only" nic create c1 "$MINE" phys eth0 eth0
[ "$(ports)" = 0 ] && ok "no veth made for a refused request" || not_ok "ports on $BR: $(ports)"

# ---- usernet it cannot trust ----
chmod 664 "$USERNET"
check_output "a group-writable usernet is refused" "writable by its group or others \(mode 0664\).*chmod go-w" \
	nic create c1 "$MINE" veth "$BR" eth0
chmod 646 "$USERNET"
check_output "an other-writable usernet is refused" "mode 0646" nic create c1 "$MINE" veth "$BR" eth0
chmod 644 "$USERNET"; chown "$HK_TEST_USER" "$USERNET"
check_output "a usernet not owned by root is refused" "owned by uid $UID_T, not root.*chown root:root" \
	nic create c1 "$MINE" veth "$BR" eth0
chown root "$USERNET"; mv "$USERNET" "$T/usernet.real"; ln -s "$T/usernet.real" "$USERNET"
check_output "a usernet that is a symlink is refused" "symbolic link" nic create c1 "$MINE" veth "$BR" eth0
rm -f "$USERNET"; mv "$T/usernet.real" "$USERNET"
[ "$(ports)" = 0 ] && ok "nothing made with an untrusted usernet" || not_ok "ports on $BR: $(ports)"

# ---- a symlink planted at the database ----
nic list >/dev/null 2>&1 # makes the directory when there is none yet
[ -f "$DB/nics" ] && mv "$DB/nics" "$T/nics.saved"
printf 'precious\n' >"$T/target"
ln -s "$T/target" "$DB/nics"
check_output "a symlink at $DB/nics is refused" "$DB/nics\" is a symbolic link.*planted" nic create c1 "$MINE" veth "$BR" eth0
[ "$(cat "$T/target")" = precious ] && [ -L "$DB/nics" ] && ok "the symlink's target is untouched" ||
	not_ok "the symlink's target changed: $(cat "$T/target")"
[ "$(ports)" = 0 ] && ok "nothing made with a planted database" || not_ok "ports on $BR: $(ports)"
[ -L "$DB/nics" ] && rm -f "$DB/nics"
[ -f "$T/nics.saved" ] && mv "$T/nics.saved" "$DB/nics"

# ---- a database directory it cannot trust ----
chmod 775 "$DB"
check_output "a group-writable $DB is refused" "hako-nic's directory \"$DB\" is writable by its group" \
	nic create c1 "$MINE" veth "$BR" eth0
chmod 755 "$DB"; chown "$HK_TEST_USER" "$DB"
check_output "a $DB not owned by root is refused" "owned by uid $UID_T, not root" nic create c1 "$MINE" veth "$BR" eth0
chown root "$DB"
[ "$(ports)" = 0 ] && ok "nothing made with an untrusted database directory" || not_ok "ports on $BR: $(ports)"

# ---- an MTU that would lower the bridge: refused before any link is touched ----
# A bridge whose MTU root never set follows its smallest port; under 1280
# it loses every IPv6 address (link-local included), for good.
if [ "$(cat /proc/sys/net/ipv6/conf/$BR/disable_ipv6 2>/dev/null)" = 0 ]; then
	ip -6 addr add fd99:94::1/64 dev "$BR" nodad && ip -6 addr add fe80::99:94/64 dev "$BR" nodad
	v6() { ip -6 -o addr show dev "$BR" | awk '{print $4}' | sort | tr '\n' ' '; }
	mtu0=$(cat /sys/class/net/$BR/mtu); addrs0=$(v6)
	check_output "mtu=1000 on a bridge that follows its ports is refused, naming the fix" \
		"MTU 1000 would lower bridge \"$BR\" from $mtu0 to 1000 for every container on it; set lxc.net.N.mtu to $mtu0" \
		nic create m1 "$MINE" veth "$BR" eth0 mtu=1000
	[ "$(cat /sys/class/net/$BR/mtu)" = "$mtu0" ] && [ "$(v6)" = "$addrs0" ] && printf '%s' "$addrs0" | grep -q fe80::99:94 &&
		printf '%s' "$addrs0" | grep -q fd99:94::1 && [ "$(ports)" = 0 ] && [ "$(records)" = 0 ] &&
		ok "after the refusal the bridge keeps MTU $mtu0 and every IPv6 address ($addrs0), no port, no record" ||
		not_ok "after the MTU refusal: MTU $(cat /sys/class/net/$BR/mtu) (was $mtu0), IPv6 '$(v6)' (was '$addrs0'), ports $(ports), records $(records)"
	ip -6 addr flush dev "$BR" scope global; ip -6 addr del fe80::99:94/64 dev "$BR" 2>/dev/null
else
	skip "MTU and IPv6: IPv6 is off on $BR"
fi

# ---- the environment never reaches a library ----
# libnl reads NLSYSCONFDIR, NLCB and NLDBG in its constructors, which run
# before main(): the classid file it would open as root is a symlink to a
# root-only file here, watched with inotify.
mkdir -m 700 "$T/secret" && printf '1:1 secret\n' >"$T/secret/classid" && chmod 600 "$T/secret/classid"
mkdir "$T/nlconf" && ln -s "$T/secret/classid" "$T/nlconf/classid" && chown -h "$HK_TEST_USER" "$T/nlconf" "$T/nlconf/classid"
WATCH=$HK_TOP/build/tests/helpers/hkopenwatch
if [ -x "$WATCH" ]; then
	out=$("$WATCH" "$T/secret/classid" setpriv --reuid="$HK_TEST_USER" --regid="$HK_TEST_USER" --init-groups -- \
		env -i "NLSYSCONFDIR=$T/nlconf" NLCB=debug NLDBG=4 "$NIC" create e1 "$MINE" veth "$BR" eth0 2>&1); rc=$?
	printf '%s' "$out" | grep -q '^opens 0$' && ok "NLSYSCONFDIR: the root-only file behind the caller's classid symlink is never opened" ||
		not_ok "NLSYSCONFDIR: $(printf '%s' "$out" | grep '^opens')"
	[ $rc = 0 ] && ! printf '%s' "$out" | grep -qiE 'debug|message|nlmsg' && printf '%s' "$out" | grep -q '^hkn' &&
		ok "NLCB=debug and NLDBG=4: a nic made, no netlink dump, no libnl debugging" ||
		not_ok "NLCB=debug: rc $rc: $(printf '%s' "$out" | head -5 | tr '\n' '|')"
	nic delete e1 "$MINE" >/dev/null 2>&1
else
	skip "environment and libnl: no build/tests/helpers/hkopenwatch (make test-build)"
fi

# ---- environment, descriptors, /proc, signals ----
rm -f /tmp/hako-nic-preloaded
mkdir -p "$T/evilbin" && chmod 755 "$T/evilbin"
# build/tests/helpers/preload-mark.so (tests/helpers/lib/preload-mark.c)
# creates /tmp/hako-nic-preloaded when it is loaded.
if install -m 755 "$HK_TOP/build/tests/helpers/preload-mark.so" "$T/evil.so" 2>/dev/null; then
	# env sets the hostile values only for hako-nic itself, not for setpriv.
	out=$(as_user /usr/bin/env -i "LD_PRELOAD=$T/evil.so" "PATH=$T/evilbin" LANG=tr_TR.UTF-8 LC_ALL=tr_TR.UTF-8 \
		"TMPDIR=$T/evilbin" IFS=/ "$NIC" list 2>&1); rc=$?
	[ $rc = 0 ] && [ ! -e /tmp/hako-nic-preloaded ] && ok "LD_PRELOAD, PATH, LANG, TMPDIR, IFS change nothing" ||
		not_ok "hostile environment: rc $rc, preloaded: $([ -e /tmp/hako-nic-preloaded ] && echo yes || echo no): $out"
else
	skip "environment: no build/tests/helpers/preload-mark.so (make test-build)"
fi
rm -f /tmp/hako-nic-preloaded

# Hold hako-nic on its lock to look at it while it runs.
exec 8>"$DB/lock"
flock -x 8
printf 'secret\n' >"$T/inherited"; chmod 644 "$T/inherited"
# Not as_user (a function: & would fork a subshell first): so setpriv,
# bash and hako-nic each exec the next, and $! becomes hako-nic's pid.
setpriv --reuid="$HK_TEST_USER" --regid="$HK_TEST_USER" --init-groups -- \
	bash -c "exec 9<'$T/inherited'; exec '$NIC' create c1 $MINE veth $BR eth0 lease" >"$T/blocked.out" 2>&1 &
waiter=$!
pid=
# Its cmdline, cheaper than pgrep on a busy machine: the lock must be let
# go well before hako-nic's deadline (HK_FLOCK_WAIT_MS).
for i in $(seq 100); do
	[ "$(tr '\0' ' ' <"/proc/$waiter/cmdline" 2>/dev/null)" = "$NIC create c1 $MINE veth $BR eth0 lease " ] &&
		pid=$waiter && break
	sleep 0.05
done
if [ -n "$pid" ]; then
	sleep 0.2
	ls "/proc/$pid/fd" 2>/dev/null | grep -qx 9 && not_ok "hako-nic kept the inherited descriptor 9" ||
		ok "hako-nic closed the descriptor it inherited"
	as_user cat "/proc/$pid/environ" >/dev/null 2>&1 && not_ok "the caller can read hako-nic's /proc/PID/environ" ||
		ok "hako-nic is not dumpable: its caller cannot read its /proc entries"
	as_user kill -TERM "$pid" 2>/dev/null
	sleep 0.1
fi
flock -u 8; exec 8>&-
wait "$waiter"; rc=$?
[ -n "$pid" ] && [ $rc = 0 ] && [ "$(records)" = 1 ] && [ "$(ports)" = 1 ] &&
	ok "a SIGTERM from the caller waits until hako-nic is done: one nic, recorded" ||
	not_ok "blocked hako-nic: pid '$pid' rc $rc records $(records) ports $(ports): $(cat "$T/blocked.out")"
check_output "it answers HOST IFNAME LEASE" "^hkn[0-9a-f]{8} eth0 10\.99\.94\.[0-9]+/24$" cat "$T/blocked.out"

# ---- only the caller's own nics ----
ROOTNS=$(hk_ns_holder root); HOLDERS+=("$ROOTNS")
check "root (a usernet line of its own) makes a nic" "$NIC" create r1 "$ROOTNS" veth "$BR" eth0
check_output "the user's delete of root's nic deletes nothing" "^deleted 0$" nic delete r1 "$ROOTNS"
[ "$(awk '$1 == 0' "$DB/nics" | wc -l)" = 1 ] && [ "$(ports)" = 2 ] && ok "root's nic is still there" ||
	not_ok "root's nic: $(cat "$DB/nics")"
check_output "root's delete removes it" "^deleted 1$" "$NIC" delete r1 "$ROOTNS"
check_output "the user's delete removes the user's" "^deleted 1$" nic delete c1 "$MINE"
[ "$(ports)" = 0 ] && [ "$(records)" = 0 ] && ok "no veth or record left" || not_ok "ports $(ports), records $(records)"

# ---- a hako-nic killed halfway ----
# It writes a pending record (ifindex 0) before making the veth; a call
# killed after that leaves both, and the next call removes them.
ip link add hkn0000dead type veth peer name hkp0000dead 2>/dev/null
printf '%s veth %s hkn0000dead 0 %s %s - c9\n' "$UID_T" "$BR" "$MINE" "$(awk '{print $22}' /proc/$MINE/stat)" >>"$DB/nics"
nic list >/dev/null 2>&1
[ ! -e /sys/class/net/hkn0000dead ] && [ "$(records)" = 0 ] &&
	ok "a pending record left by a killed hako-nic is culled with its veth" ||
	not_ok "pending record: $(cat "$DB/nics"), veth $(ls -d /sys/class/net/hkn0000dead 2>&1)"
ip link del hkn0000dead 2>/dev/null

# ---- the quota with 8 parallel callers ----
set_usernet "$HK_TEST_USER veth $BR 3"
P8=()
for i in $(seq 8); do p=$(hk_ns_holder user); P8+=("$p"); HOLDERS+=("$p"); done
for i in $(seq 8); do
	nic create "q$i" "${P8[$((i - 1))]}" veth "$BR" eth0 lease >"$T/q$i.out" 2>&1 &
done
wait
won=$(grep -l '^hkn' "$T"/q*.out | wc -l)
lost=$(grep -l 'already has 3 of the 3' "$T"/q*.out | wc -l)
[ "$won" = 3 ] && [ "$lost" = 5 ] && ok "8 parallel callers, quota 3: 3 nics, 5 clear refusals" ||
	{ not_ok "8 parallel callers: $won made, $lost refused"; cat "$T"/q*.out | sed 's/^/#   /'; }
[ "$(records)" = 3 ] && [ "$(ports)" = 3 ] && [ "$(grep -c "$HK_TEST_USER:q" /run/hako/net/leases)" = 3 ] &&
	ok "3 records, 3 veths, 3 leases" || not_ok "records $(records), ports $(ports), leases: $(cat /run/hako/net/leases)"
for p in "${P8[@]}"; do kill -9 "$p" 2>/dev/null; done
sleep 0.3
nic list >/dev/null 2>&1
[ "$(records)" = 0 ] && [ "$(ports)" = 0 ] && [ "$(grep -c "$HK_TEST_USER:q" /run/hako/net/leases)" = 0 ] &&
	ok "their processes gone: stale records, veths and leases culled" ||
	not_ok "after the holders died: records $(records), ports $(ports)"
plan_end
