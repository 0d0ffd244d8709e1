#!/usr/bin/env bash
# reboot-autostart.sh - hako-autostart.service across a real reboot of the
# systemd guest (tests/guest/in-guest.sh reboots it when asked, and runs
# this script again after the boot with HK_GUEST_AFTER_REBOOT=1), as
# root's system unit and as the test user's user unit (linger):
#   before: three lxc.start.auto containers (r1 in group onboot with
#     lxc.start.delay 3; r2 order 5, r3 order 1) and r4 without it, the unit
#     enabled and started, so they run when the guest goes down;
#   at shutdown: the unit stops them cleanly (each one's busybox init ran
#     its ::shutdown action, which leaves /halted in its rootfs), not a kill,
#     and systemd stops no container's scope before the unit is stopped
#     (the previous boot's journal, made persistent for this: each scope is
#     ordered Before=hako-autostart.service, so the unit's halt comes
#     first, not the scope's SIGTERM to every process in it);
#   after: the unit started r1, r3, r2 (what `hako autostart -L -g onboot,`
#     printed before the reboot, as lxc-autostart orders them), r3 at least
#     3 s after r1 (r1's delay); r4 stays stopped.
# Each container's init notes /proc/uptime at every start in /boot-times.
# Only in the guest lane (it needs systemd as PID 1 and a reboot).
. "$(dirname "$0")/../lib.sh"
hk_begin rbt "reboot autostart" root notmp
if [ ! -d /run/systemd/system ] || [ -z "${HK_GUEST_REBOOT_REQUEST:-}" ]; then
	skip "reboot autostart: only in the systemd guest of the guest lane (a real reboot)"; plan_end; exit
fi
[ -x "$HAKO" ] || { not_ok "no $HAKO; run make first"; plan_end; exit; }

# the name make install gives it: hako's scopes are ordered before it
UNIT=hako-autostart.service
P=/var/lib/hako-rbt
STATE=/var/lib/hako-rbt.state
mkdir -p "$STATE"
UP=$(cat "$STATE/user-path" 2>/dev/null)
UUNITS=
if [ -n "$UP" ]; then
	UUNITS=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)/.config/systemd/user
fi
uctl() { systemctl --user -M "$HK_TEST_USER@" "$@"; }
# who_of PATH: root or user
who_of() { [ "$1" = "$P" ] && echo root || echo user; }

cleanup() {
	systemctl disable --now "$UNIT" >/dev/null 2>&1
	rm -f "/etc/systemd/system/$UNIT"
	systemctl daemon-reload
	if [ -n "$UUNITS" ]; then
		uctl disable --now "$UNIT" >/dev/null 2>&1
		rm -f "$UUNITS/$UNIT"
		uctl daemon-reload >/dev/null 2>&1
	fi
	local p c
	for p in "$P" "$UP"; do
		[ -n "$p" ] && [ -d "$p" ] || continue
		for c in r1 r2 r3 r4; do
			hk_as "$(who_of "$p")" stop -k "$c" -P "$p" >/dev/null 2>&1
			hk_as "$(who_of "$p")" destroy "$c" -P "$p" >/dev/null 2>&1
		done
		rm -rf "$p"
	done
	rm -rf "$STATE" "$(dirname "$BIN")"
}

# The hako the units run: installed on the guest's disk, as make install
# would, not the checkout's (which may live under /tmp, emptied at boot
# before anything reinstalls it).
BIN=/usr/local/lib/hako-rbt/hako
# unit_text PATH TARGET: the unit as make install makes it, on PATH.
unit_text() {
	sed -e "s|@BINDIR@/hako|$BIN|" -e "s|@OPTS@| -P $1|" -e "s|@WANTED_BY@|$2|" \
		"$HK_TOP/core/units/hako-autostart.service.in"
}

# containers WHO PATH: r1..r4 made and configured.
containers() {
	local who=$1 p=$2 c
	for c in r1 r2 r3 r4; do
		hk_as "$who" create "$c" -t busybox -P "$p" >/dev/null 2>&1 || { not_ok "$who: create $c"; return 1; }
		# a line at each start, a file at a clean halt (before sync)
		sed -i -e "1a ::sysinit:cut -d' ' -f1 /proc/uptime >>/boot-times" \
			-e 's|^::shutdown:/bin/sync|::shutdown:/bin/touch /halted\n&|' "$p/$c/rootfs/etc/inittab"
	done
	hk_as "$who" config r1 lxc.start.auto 1 -P "$p" && hk_as "$who" config r1 lxc.group onboot -P "$p" &&
		hk_as "$who" config r1 lxc.start.delay 3 -P "$p" &&
		hk_as "$who" config r2 lxc.start.auto 1 -P "$p" && hk_as "$who" config r2 lxc.start.order 5 -P "$p" &&
		hk_as "$who" config r3 lxc.start.auto 1 -P "$p" && hk_as "$who" config r3 lxc.start.order 1 -P "$p" ||
		{ not_ok "$who: configure r1..r3"; return 1; }
	hk_as "$who" autostart -L -g onboot, -P "$p" | awk '{ print $1 }' >"$STATE/$who.order"
	[ "$(tr '\n' ' ' <"$STATE/$who.order")" = "r1 r3 r2 " ] &&
		ok "$who: hako autostart -L -g onboot, orders r1 r3 r2" ||
		not_ok "$who: autostart -L says $(tr '\n' ' ' <"$STATE/$who.order")"
}

before() {
	hk_on_exit cleanup
	# the journal kept across the reboot
	mkdir -p /var/log/journal && systemd-tmpfiles --create --prefix /var/log/journal >/dev/null 2>&1
	journalctl --flush >/dev/null 2>&1
	mkdir -p "$P" "$(dirname "$BIN")" && install -m 755 "$HAKO" "$BIN" || { not_ok "install $BIN"; return 1; }
	containers root "$P" || return 1
	unit_text "$P" multi-user.target >"/etc/systemd/system/$UNIT"
	systemctl daemon-reload
	check "root: systemctl enable --now $UNIT" systemctl enable --now "$UNIT" || return 1
	for c in r1 r2 r3; do [ "$(hk_state "$c" -P "$P")" = RUNNING ] || { not_ok "root: $c is not running"; return 1; }; done
	ok "root: r1 r2 r3 run before the reboot"

	if UP=$(hk_user_path rbt); then
		echo "$UP" >"$STATE/user-path"
		UUNITS=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)/.config/systemd/user
		containers user "$UP" || return 1
		for i in $(seq 50); do uctl is-system-running >/dev/null 2>&1 && break
			[ "$(uctl is-system-running 2>/dev/null)" = degraded ] && break; sleep 0.2; done
		as_user mkdir -p "$UUNITS"
		unit_text "$UP" default.target >"$UUNITS/$UNIT" && chown "$HK_TEST_USER:" "$UUNITS/$UNIT"
		uctl daemon-reload
		check "user: systemctl --user enable --now $UNIT" uctl enable --now "$UNIT" || return 1
		for c in r1 r2 r3; do
			[ "$(hk_state "$c" -P "$UP")" = RUNNING ] || { not_ok "user: $c is not running"; return 1; }
		done
		ok "user: r1 r2 r3 run before the reboot"
	else
		skip "user: cannot make $HK_TEST_USER or set it up"
	fi
	# the reboot: what is on the disk stays
	hk_on_exit_reset
	echo "$HK_TOP" >"$HK_GUEST_REBOOT_REQUEST"
	ok "reboot asked for"
}

# after_for WHO PATH CTL...: the unit came up and started them in order.
after_for() {
	local who=$1 p=$2 i c t prev='' tprev=0; shift 2
	local st
	for ((i = 0; i < 240; i++)); do
		st=$("$@" is-active "$UNIT" 2>/dev/null)
		[ "$st" = active ] || [ "$st" = failed ] && break
		sleep 0.5
	done
	check_output "$who: $UNIT is active after the boot" '^active$' "$@" is-active "$UNIT"
	for c in r1 r2 r3; do
		[ "$(hk_state "$c" -P "$p")" = RUNNING ] && ok "$who: $c runs again" ||
			{ not_ok "$who: $c is $(hk_state "$c" -P "$p")"; "$@" status "$UNIT" 2>&1 | sed 's/^/#   /' | head -20; }
		[ -e "$p/$c/rootfs/halted" ] && ok "$who: $c was halted cleanly at shutdown (its ::shutdown ran)" ||
			not_ok "$who: $c has no /halted: it was killed, not halted, at shutdown"
	done
	[ "$(hk_state r4 -P "$p")" = STOPPED ] && ok "$who: r4 (no lxc.start.auto) stays stopped" ||
		not_ok "$who: r4 is $(hk_state r4 -P "$p")"
	# the second line of each boot-times is this boot's start
	for c in $(cat "$STATE/$who.order"); do
		t=$(sed -n 2p "$p/$c/rootfs/boot-times" 2>/dev/null)
		[ -n "$t" ] || { not_ok "$who: $c has no start after the reboot in /boot-times"; return; }
		if [ -n "$prev" ]; then
			awk -v a="$tprev" -v b="$t" 'BEGIN { exit !(b > a) }' && ok "$who: $c started after $prev ($tprev s -> $t s)" ||
				not_ok "$who: $c started at $t s, before $prev ($tprev s)"
			if [ "$prev" = r1 ]; then
				awk -v a="$tprev" -v b="$t" 'BEGIN { exit !(b - a >= 2.9) }' &&
					ok "$who: r1's lxc.start.delay 3 kept ($(awk -v a="$tprev" -v b="$t" 'BEGIN { printf "%.1f", b - a }') s)" ||
					not_ok "$who: $c started $(awk -v a="$tprev" -v b="$t" 'BEGIN { printf "%.1f", b - a }') s after r1 (delay 3)"
			fi
		fi
		prev=$c tprev=$t
	done
}

# shutdown_order: in the previous boot's journal, systemd stopped no
# container scope of r1..r3 before the unit was stopped (a scope that
# emptied itself, its container halted by the unit, logs no "Stopping").
shutdown_order() {
	local j u early
	j=$(journalctl -b -1 -o short-monotonic --no-pager _PID=1 2>/dev/null)
	if [ -z "$j" ]; then skip "root: no journal of the boot before the reboot"; return; fi
	u=$(grep -n 'Stopped hako-autostart.service' <<<"$j" | head -1 | cut -d: -f1)
	[ -n "$u" ] || { not_ok "root: the journal has no stop of $UNIT"; grep -i hako <<<"$j" | tail -20 | sed 's/^/#   /'; return; }
	early=$(head -n "$u" <<<"$j" | grep -E 'Stopping hako container r[123]@')
	[ -z "$early" ] && ok "root: no container scope was stopped before $UNIT had halted them" ||
		{ not_ok "root: systemd stopped a container's scope before $UNIT"; sed 's/^/#   /' <<<"$early"; }
}

after() {
	hk_on_exit cleanup
	shutdown_order
	after_for root "$P" systemctl
	if [ -n "$UP" ]; then after_for user "$UP" uctl; else skip "user: not set up before the reboot"; fi
}

if [ -n "${HK_GUEST_AFTER_REBOOT:-}" ]; then after; else before || cleanup; fi
plan_end
