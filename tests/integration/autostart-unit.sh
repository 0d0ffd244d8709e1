#!/usr/bin/env bash
# autostart-unit.sh - hako-autostart.service (core/units, installed by
# make install) under a real systemd, as root's system unit and as the
# test user's user unit (linger, which setup-user sets): starting the
# unit starts the lxc.start.auto containers of its path, "onboot" first,
# leaves the others stopped, and each container runs in its own systemd
# scope, not in the unit (so the oneshot unit ending kills nothing);
# stopping the unit stops them.  Runs where systemd is PID 1 (the systemd
# guest of the guest lane); skipped elsewhere.
. "$(dirname "$0")/../lib.sh"
hk_begin asunit "autostart unit" root build
if [ ! -d /run/systemd/system ]; then skip "autostart unit: systemd is not running here (the guest lane runs it)"; plan_end; exit; fi

UNIT=hako-autostart-test$$.service
chmod 755 "$T"
UP= UUNIT_DIR=
uid=
cleanup() {
	systemctl stop "$UNIT" >/dev/null 2>&1
	rm -f "/run/systemd/system/$UNIT"
	systemctl daemon-reload
	if [ -n "$UUNIT_DIR" ]; then
		systemctl --user -M "$HK_TEST_USER@" stop "$UNIT" >/dev/null 2>&1
		rm -f "$UUNIT_DIR/$UNIT"
		systemctl --user -M "$HK_TEST_USER@" daemon-reload >/dev/null 2>&1
	fi
	local p c
	for p in "$T/p" "$UP"; do
		[ -n "$p" ] || continue
		for c in u1 u2 u3; do
			hk_as "$([ "$p" = "$T/p" ] && echo root || echo user)" stop -k "$c" -P "$p" >/dev/null 2>&1
			hk_as "$([ "$p" = "$T/p" ] && echo root || echo user)" destroy "$c" -P "$p" >/dev/null 2>&1
		done
	done
	[ -n "$UP" ] && rm -rf "$UP"
	rm -rf "$T"
}
hk_on_exit cleanup

# unit_text PATH TARGET: the unit as make install makes it, on PATH.
unit_text() {
	sed -e "s|@BINDIR@/hako|$HAKO|" -e "s|@OPTS@| -P $1|" -e "s|@WANTED_BY@|$2|" \
		"$HK_TOP/core/units/hako-autostart.service.in"
}
# scope_of WHO PATH NAME: the systemd unit that holds the container's init.
scope_of() {
	local pid
	pid=$(hk_pid_of "$3" hk_as "$1" -P "$2")
	[ -n "$pid" ] && grep '^0::' "/proc/$pid/cgroup" | grep -Eo '[^/]+\.(scope|service)' | tail -1
}

unit_mode() {
	local who=$1 p=$2 m=$1 sc; shift 2
	local ctl=("$@")
	for c in u1 u2 u3; do hk_as "$who" create "$c" -t busybox -P "$p" >/dev/null 2>&1 || not_ok "$m: create $c"; done
	hk_as "$who" config u1 lxc.start.auto 1 -P "$p"
	hk_as "$who" config u2 lxc.start.auto 1 -P "$p"; hk_as "$who" config u2 lxc.group onboot -P "$p"
	check "$m: systemctl start $UNIT" "${ctl[@]}" start "$UNIT"
	[ "$(hk_state u1 -P "$p")" = RUNNING ] && [ "$(hk_state u2 -P "$p")" = RUNNING ] &&
		ok "$m: the unit started u1 and u2 (onboot)" || not_ok "$m: u1 $(hk_state u1 -P "$p"), u2 $(hk_state u2 -P "$p")"
	[ "$(hk_state u3 -P "$p")" = STOPPED ] && ok "$m: u3 (no lxc.start.auto) stays stopped" || not_ok "$m: u3 runs"
	check_output "$m: the unit is active (exited)" '^ActiveState=active$' "${ctl[@]}" show -p ActiveState "$UNIT"
	sc=$(scope_of "$who" "$p" u1)
	[[ "$sc" == hako-*.scope ]] && ok "$m: u1 runs in its own scope ($sc), not in the unit" ||
		{ not_ok "$m: u1's init is in '$sc'"; diag "$(cat "/proc/$(hk_pid_of u1 hk_as "$who" -P "$p")/cgroup" 2>&1)"; }
	check "$m: systemctl stop $UNIT" "${ctl[@]}" stop "$UNIT"
	[ "$(hk_state u1 -P "$p")" = STOPPED ] && [ "$(hk_state u2 -P "$p")" = STOPPED ] &&
		ok "$m: stopping the unit stopped them" || not_ok "$m: after stop: u1 $(hk_state u1 -P "$p"), u2 $(hk_state u2 -P "$p")"
	for c in u1 u2 u3; do hk_as "$who" destroy "$c" -P "$p" >/dev/null 2>&1; done
	check_clean "$m: nothing left" "$p/u1" ""
}

mkdir -p "$T/p"
unit_text "$T/p" multi-user.target >"/run/systemd/system/$UNIT"
systemctl daemon-reload
unit_mode root "$T/p" systemctl

if UP=$(hk_user_path asunit); then
	uid=$(id -u "$HK_TEST_USER")
	for i in $(seq 50); do systemctl --user -M "$HK_TEST_USER@" is-system-running >/dev/null 2>&1 && break
		[ "$(systemctl --user -M "$HK_TEST_USER@" is-system-running 2>/dev/null)" = degraded ] && break; sleep 0.2; done
	UUNIT_DIR=/run/user/$uid/systemd/user
	mkdir -p "$UUNIT_DIR" && chown "$HK_TEST_USER:" "/run/user/$uid/systemd" "$UUNIT_DIR" 2>/dev/null
	unit_text "$UP" default.target >"$UUNIT_DIR/$UNIT"
	if systemctl --user -M "$HK_TEST_USER@" daemon-reload 2>/dev/null; then
		unit_mode user "$UP" systemctl --user -M "$HK_TEST_USER@"
	else
		not_ok "user: no user manager for $HK_TEST_USER (linger: hako setup-user sets it)"
	fi
else
	skip "autostart unit as $HK_TEST_USER: cannot make the user or set it up"
fi
plan_end
