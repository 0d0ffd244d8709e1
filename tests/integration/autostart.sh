#!/usr/bin/env bash
# autostart.sh - `hako autostart` (lxc-autostart) on real busybox
# containers, as root and as the test user: lxc.start.auto containers of
# the NULL group start in lxc.start.order (lower first, then by name),
# lxc.start.delay is waited after a start, -g GROUPS takes groups in the
# order given ("onboot," = onboot, then the NULL group), -a every group,
# -A without lxc.start.auto too; -s and -k stop them group by group, each
# backwards; -L lists what would be done; a container whose start fails
# makes the exit status 1 while the others still start; a config that
# does not parse is skipped with a warning.  Where LXC is installed,
# -L prints what lxc-autostart -L prints on the same path, stopped and
# running.  Nothing left after.
. "$(dirname "$0")/../lib.sh"
hk_begin autostart "autostart tests" root build

chmod 755 "$T"
UP=
CTS="a1 a2 a3 g1 n1 bad"
cleanup() {
	local p c
	for p in "$T/p" "$UP"; do
		[ -n "$p" ] || continue
		for c in $CTS; do h_for "$p" stop -k "$c" -P "$p" >/dev/null 2>&1; h_for "$p" destroy "$c" -P "$p" >/dev/null 2>&1; done
	done
	[ -n "$UP" ] && rm -rf "$UP"
	rm -rf "$T"
}
hk_on_exit cleanup

h() { hk_as "$@"; }
h_for() { local p=$1; shift; if [ "$p" = "$T/p" ]; then h root "$@"; else h user "$@"; fi; }
# lines CMD...: its output on one line.
lines() { "$@" 2>&1 | tr '\n' ' '; }

autostart_mode() {
	local who=$1 p=$2 m=$1 c out t0
	for c in $CTS; do h "$who" create "$c" -t busybox -P "$p" >/dev/null 2>&1 || not_ok "$m: create $c"; done
	h "$who" config a1 lxc.start.auto 1 -P "$p"; h "$who" config a1 lxc.start.order 20 -P "$p"
	h "$who" config a2 lxc.start.auto 1 -P "$p"; h "$who" config a2 lxc.start.order 10 -P "$p"
	h "$who" config a2 lxc.start.delay 2 -P "$p"
	h "$who" config a3 lxc.start.auto 1 -P "$p"
	h "$who" config g1 lxc.start.auto 1 -P "$p"; h "$who" config g1 lxc.group onboot -P "$p"
	h "$who" config bad lxc.start.auto 1 -P "$p"; h "$who" config bad lxc.init.cmd /no/such/init -P "$p"
	check_output "$m: -L: the NULL group in order, with delays" '^a3 0 bad 0 a2 2 a1 0 $' lines h "$who" autostart -L -P "$p"
	check_output "$m: -L -g onboot,: onboot first" '^g1 0 a3 0 bad 0 a2 2 a1 0 $' lines h "$who" autostart -L -g onboot, -P "$p"
	check_output "$m: -L -g onboot: onboot only" '^g1 0 $' lines h "$who" autostart -L -g onboot -P "$p"
	check_output "$m: -L -a -A: every container" '^a3 0 bad 0 g1 0 n1 0 a2 2 a1 0 $' lines h "$who" autostart -L -a -A -P "$p"
	check_output "$m: -L -s: nothing runs, nothing to stop" '^$' lines h "$who" autostart -L -s -a -P "$p"
	t0=$SECONDS
	out=$(h "$who" autostart -g onboot, -P "$p" 2>&1); rc=$?
	[ $rc = 1 ] && grep -q 'start "bad"' <<<"$out" && ok "$m: a failed start: exit 1, naming it" ||
		{ not_ok "$m: autostart with a bad one: rc $rc"; diag "$out"; }
	[ "$(grep '^Started' <<<"$out" | tr '\n' ' ')" = 'Started "g1" Started "a3" Started "a2" Started "a1" ' ] &&
		ok "$m: the others started, in order" || { not_ok "$m: start order"; diag "$out"; }
	[ $((SECONDS - t0)) -ge 2 ] && ok "$m: a2's lxc.start.delay was waited" || not_ok "$m: took $((SECONDS - t0)) s"
	for c in g1 a3 a2 a1; do [ "$(hk_state "$c" -P "$p")" = RUNNING ] || not_ok "$m: $c is $(hk_state "$c" -P "$p")"; done
	[ "$(hk_state n1 -P "$p")" = STOPPED ] && ok "$m: n1 (no lxc.start.auto) stays stopped" || not_ok "$m: n1 runs"
	check_output "$m: -L now: nothing left to start" '^bad 0 $' lines h "$who" autostart -L -g onboot, -P "$p"
	check_output "$m: -L -s -g onboot,: onboot, then the NULL group backwards" '^g1 a1 a2 a3 $' lines h "$who" autostart -L -s -g onboot, -P "$p"
	if command -v lxc-autostart >/dev/null && [ "$who" = root ]; then
		local a
		for a in "" "-g onboot," "-a -A" "-s -g onboot," "-s -a" "-k -g onboot," "-r -a"; do
			# shellcheck disable=SC2086
			[ "$(lxc-autostart -P "$p" -L $a 2>&1)" = "$(h "$who" autostart -P "$p" -L $a 2>&1)" ] &&
				ok "$m: -L $a: as lxc-autostart -L" || not_ok "$m: -L $a: lxc '$(lxc-autostart -P "$p" -L $a 2>&1 | tr '\n' ' ')'"
		done
	fi
	# while it runs: the start keys change (as with LXC), the others are refused naming why
	check "$m: config a3 lxc.start.auto 0 while it runs" h "$who" config a3 lxc.start.auto 0 -P "$p"
	check_output "$m: ... it is 0" '^0$' h "$who" config a3 lxc.start.auto -P "$p"
	check "$m: ... and back to 1" h "$who" config a3 lxc.start.auto 1 -P "$p"
	check_output "$m: config a3 lxc.tty.max while it runs is refused, saying why" \
		'cannot change lxc.tty.max of "a3" while it runs: stop it first' h "$who" config a3 lxc.tty.max 2 -P "$p"
	out=$(h "$who" autostart -s -t 10 -a -P "$p" 2>&1); rc=$?
	[ $rc = 0 ] && [ "$(grep '^Stopped' <<<"$out" | tr '\n' ' ')" = 'Stopped "a1" Stopped "a2" Stopped "g1" Stopped "a3" ' ] &&
		ok "$m: -s -a stops them backwards" || { not_ok "$m: -s: rc $rc"; diag "$out"; }
	for c in $CTS; do [ "$(hk_state "$c" -P "$p")" = STOPPED ] || not_ok "$m: $c is $(hk_state "$c" -P "$p") after -s"; done
	h "$who" autostart -q -g onboot -P "$p" >/dev/null 2>&1
	check_output "$m: -k kills" '^Killed "g1"$' h "$who" autostart -k -g onboot -P "$p"
	echo 'lxc.bogus.key = 1' >>"$p/n1/config"
	check_output "$m: a config that does not parse is skipped with a warning" 'warning: autostart: skipping n1: ' h "$who" autostart -L -P "$p"
	sed -i '/^lxc.bogus.key/d' "$p/n1/config"
	check_output "$m: an unknown option is a usage error" '^2$' sh -c "'$HAKO' autostart --bogus >/dev/null 2>&1; echo \$?"
	for c in $CTS; do h "$who" destroy "$c" -P "$p" >/dev/null 2>&1; done
	check_output "$m: nothing in the path" '^$' ls -A "$p"
	check_clean "$m: nothing left" "$p/a1" ""
}

mkdir -p "$T/p"
autostart_mode root "$T/p"
if UP=$(hk_user_path autostart); then
	autostart_mode user "$UP"
else
	skip "autostart as $HK_TEST_USER: cannot make the user or set it up"
fi
plan_end
