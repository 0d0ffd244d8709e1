#!/usr/bin/env bash
# tests/security/parallel-net.sh - leases stay exact under parallel
# callers: 8, then 32, networked busybox containers started at once on one
# bridge (root's, and the test user's through hako-nic side by side), the
# second time with a busy loop on every core (16 and no loops in the guest
# lane).  Every running container has
# its own address, every lease names a running container, and after the
# stops no lease, veth or record is left.
. "$(dirname "$0")/../lib.sh"
hk_begin parnet "parallel networked starts" root build

chmod 755 "$T"
BR=hktestbr8
CIDR=10.99.98.1/24
NIC=$T/bin/hako-nic
UP=
BUSY=()
cleanup() {
	unbusy
	for c in "$T"/root/*/config; do [ -f "$c" ] && "$HAKO" stop -k "$(basename "$(dirname "$c")")" -P "$T/root" >/dev/null 2>&1; done
	if [ -n "$UP" ]; then
		for c in "$UP"/lxc/*/config; do [ -f "$c" ] && as_user "$HAKO" stop -k "$(basename "$(dirname "$c")")" -P "$UP/lxc" >/dev/null 2>&1; done
		rm -rf "$UP"
	fi
	hk_nic_restore "$T"
	"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
	rm -rf "$T"
}
hk_on_exit cleanup

"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
check "a test bridge" "$HAKO" net setup -b "$BR" -s "$CIDR"
USERS=0
if ensure_test_user && hk_nic_setup "$T"; then
	export HK_EXTRA_ENV="HAKO_NIC=$NIC"
	"$HAKO" setup-user "$HK_TEST_USER" -n 40 -b "$BR" >/dev/null 2>&1
	UP=$(as_user mktemp -d "$(getent passwd "$HK_TEST_USER" | cut -d: -f6)/hako-parnet.XXXXXX") && chmod 755 "$UP"
	USERS=1
fi
NETCONF=$(printf 'lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.flags = up\n' "$BR")
printf '%s\n' "$NETCONF" >"$T/net.conf" && chmod 644 "$T/net.conf"
"$HAKO" create tmpl -t busybox -P "$T/root" -f "$T/net.conf" -q
[ "$USERS" = 1 ] && as_user "$HAKO" create tmpl -t busybox -P "$UP/lxc" -f "$T/net.conf" -q

# names N: root's r1..rN/2 and the user's u1..uN/2 (all root's without the user).
make_set() {
	local n=$1 i half=$(($1 / 2))
	[ "$USERS" = 1 ] || half=$n
	for ((i = 1; i <= half; i++)); do "$HAKO" clone tmpl "r$n-$i" -P "$T/root" -q 2>/dev/null; done
	for ((i = half + 1; i <= n; i++)); do as_user "$HAKO" clone tmpl "u$n-$i" -P "$UP/lxc" -q 2>/dev/null; done
}
who_path() { case $1 in r*) echo "root $T/root" ;; *) echo "user $UP/lxc" ;; esac; }
h() { if [ "$1" = root ]; then shift; "$HAKO" "$@"; else shift; as_user "$HAKO" "$@"; fi; }

busy() { local _; for _ in $(seq "$(nproc)"); do (while :; do :; done) & BUSY+=($!); done; }
unbusy() { local p; for p in "${BUSY[@]}"; do kill "$p" 2>/dev/null; done; BUSY=(); }

# ips: "NAME IPV4" of every running container, as hako lists them.
ips() {
	"$HAKO" ls -F NAME,IPV4 --running -P "$T/root" 2>/dev/null
	[ "$USERS" = 1 ] && as_user "$HAKO" ls -F NAME,IPV4 --running -P "$UP/lxc" 2>/dev/null
}

# round N LABEL [busy]: start N at once (every core busy meanwhile when
# asked), check addresses and leases, stop them.
round() {
	local n=$1 label=$2 name who path ip out bad=0 pids=() i
	local -A seen=()
	make_set "$n"
	[ "${3:-}" = busy ] && busy
	for name in $(ls "$T/root" "$UP/lxc" 2>/dev/null | grep -E "^[ru]$n-[0-9]+$"); do
		read -r who path <<<"$(who_path "$name")"
		h "$who" start "$name" -P "$path" >"$T/start.$name" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || bad=$((bad + 1)); done
	[ "$bad" = 0 ] && ok "$label: $n parallel starts all succeed" ||
		{ not_ok "$label: $bad of $n starts failed"; cat "$T"/start.* | grep -v '^$' | head -8 | sed 's/^/#   /'; }
	bad=0
	pids=()
	ips | grep -E "^[ru]$n-[0-9]+	" >"$T/ips"
	[ "$(wc -l <"$T/ips")" = "$n" ] || { bad=$((bad + 1)); echo "# $(wc -l <"$T/ips") of $n run"; }
	while IFS=$'\t' read -r name ip; do
		ip=${ip%%,*}
		if [ -z "$ip" ] || [ "$ip" = - ] || [ -n "${seen[$ip]:-}" ]; then
			bad=$((bad + 1)); echo "# $name: address '${ip}' (also ${seen[$ip]:-nobody})"
		else seen[$ip]=$name; fi
		grep -q "^$ip .*$name " /run/hako/net/leases || { bad=$((bad + 1)); echo "# $name: no lease for $ip"; }
	done <"$T/ips"
	[ "$bad" = 0 ] && ok "$label: every container has its own address, and a lease for it" ||
		not_ok "$label: $bad address or lease problems (leases: $(grep -c "$n-" /run/hako/net/leases))"
	out=$(awk -v n="$n" '$2 ~ ("[ru]" n "-") { print }' /run/hako/net/leases | wc -l)
	[ "$out" = "${#seen[@]}" ] && ok "$label: no lease without its container ($out)" ||
		not_ok "$label: $out leases for ${#seen[@]} containers"
	for name in $(ls "$T/root" "$UP/lxc" 2>/dev/null | grep -E "^[ru]$n-[0-9]+$"); do
		read -r who path <<<"$(who_path "$name")"
		h "$who" stop -k "$name" -P "$path" >/dev/null 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	unbusy
	out=$(grep -cE "[ru]$n-[0-9]+ " /run/hako/net/leases)
	[ "$out" = 0 ] && ok "$label: after the stops no lease is left" || not_ok "$label: $out leases left"
	out=$(ls "/sys/class/net/$BR/brif" 2>/dev/null | wc -l)
	[ "$out" = 0 ] && ok "$label: no veth is left on the bridge" || not_ok "$label: $out ports left"
}

round 8 "8 at once"
# The guest lane's TCG guests share two host cores three ways: 16 there,
# and no busy loops (its one CPU is never idle as it is; loops there only
# burn the host's CPU that the lane's other guests wait for).
if [ -n "${HK_GUEST:-}" ]; then round 16 "16 at once (guest lane)"
else round 32 "32 at once, every core busy" busy; fi
plan_end
