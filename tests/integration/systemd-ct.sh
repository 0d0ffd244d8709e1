#!/usr/bin/env bash
# tests/integration/systemd-ct.sh - real distributions: Debian bookworm
# (systemd 252) and trixie (systemd 257) with systemd as init, from
# rootfs tarballs that tests/helpers/debian-rootfs.sh builds once with
# debootstrap and caches outside the checkout.  In four modes: root with
# a privileged container, root with lxc.idmap, the test user with a
# delegated cgroup (setup-user), the test user without one.  Where the
# host lets a mode run: systemd reaches running or degraded with no failed
# unit (they are listed otherwise), `attach -- systemctl
# is-system-running`, journald keeps a line, root logs in on `hako console`
# through console-getty, the leased address pings the bridge, the
# container sees no cgroup of the host's beyond its own, `hako stop` halts
# it without a kill, `stop -r` brings it back, and nothing is left.  As
# root, the dashboard's row (read by the timer's tick) shows its memory
# and pids, and ten more pids once ten processes run inside.  The
# user without a cgroup is refused before anything starts, with the reason.
#
# HK_SYSTEMD_SUITES="bookworm trixie" and HK_SYSTEMD_MODES="priv idmap
# user nocg" pick a part.  In the guest lane (HK_GUEST=1, one TCG CPU: a
# boot there takes minutes) the eight pairs are five that still give each
# suite the user with a delegated cgroup (the host's sessions) and each
# mode one suite: bookworm priv, user, nocg; trixie idmap, user; and
# there only the user's containers reboot (stop -r).
. "$(dirname "$0")/../lib.sh"
hk_begin sdct "systemd containers" root

chmod 755 "$T"
TM="tmux -L hakotest-sd-$$"
PANE_HISTORY=300 # a boot's lines scroll the "Connected" line away
BR=hktestbr7
CIDR=10.99.97.1/24
GW=${CIDR%/*}
NIC=$T/bin/hako-nic
UP=
undelegated=
started=()

cleanup() {
	local s who path name
	end_panes
	for s in "${started[@]}"; do
		read -r who path name <<<"$s"
		h "$who" stop -k "$name" -P "$path" >/dev/null 2>&1
	done
	[ -n "$undelegated" ] && "$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1
	hk_nic_restore "$T"
	"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
	rm -rf "$T"
	[ -n "$UP" ] && rm -rf "$UP"
}
hk_on_exit cleanup

. "$HK_TOP/tests/lib/console.sh"

# inside WHO PATH NAME CMD...: CMD inside the container.
inside() { local who=$1 path=$2 name=$3; shift 3; h "$who" attach "$name" -P "$path" -- "$@"; }

# wait_booted WHO PATH NAME: systemctl is-system-running --wait's answer,
# once systemd listens on its private socket (start returns as soon as it
# runs, a moment before).
wait_booted() {
	local out
	for _ in $(seq 100); do
		out=$(inside "$1" "$2" "$3" timeout 240 systemctl is-system-running --wait 2>&1 | tail -n 1)
		case $out in *"Failed to connect to"*) sleep 0.2 ;; *) break ;; esac
	done
	echo "$out"
}

# check_booted M WHO PATH NAME: running or degraded, and no failed unit.
check_booted() {
	local m=$1 who=$2 path=$3 name=$4 st failed
	st=$(wait_booted "$who" "$path" "$name")
	case $st in
	running | degraded) ok "$m: systemd reached $st" ;;
	*) not_ok "$m: systemd is \"$st\""
		h "$who" console --log "$name" -P "$path" 2>&1 | tr -d '\r' | tail -n 15 | sed 's/^/#   console: /' ;;
	esac
	failed=$(inside "$who" "$path" "$name" systemctl list-units --failed --plain --no-legend 2>&1)
	if [ -z "$failed" ]; then ok "$m: no unit failed"; else
		not_ok "$m: failed units:"; printf '%s\n' "$failed" | sed 's/^/#   /'
		inside "$who" "$path" "$name" journalctl -b -p warning --no-pager 2>&1 | tail -n 15 | sed 's/^/#   journal: /'
	fi
}

# check_console M WHO PATH NAME: root logs in through console-getty.
check_console() {
	local m=$1 who=$2 path=$3 name=$4 tag="sd-$$-$RANDOM"
	new_pane || { not_ok "$m: tmux did not start"; return; }
	$TM send-keys -t hk "$(hako_cmd "$who" console "$name" -P "$path")" Enter
	check_pane "$m: console connects" "Connected to the console of \"$name\"" 100
	$TM send-keys -t hk Enter
	check_pane "$m: console-getty's login: prompt" 'login: *$' 300
	$TM send-keys -t hk root Enter
	check_pane "$m: root logs in on the console" '# *$' 300
	$TM send-keys -t hk "echo $tag-\$((6*7))" Enter
	check_pane "$m: a command's output shows" "^$tag-42" 100
	$TM send-keys -t hk exit Enter
	$TM send-keys -t hk C-a q
	check_pane "$m: Ctrl-a q detaches" "^Detached from \"$name\"" 100
	$TM kill-server >/dev/null 2>&1
}

# check_dashboard M PATH NAME: root's dashboard on the booted container,
# with [tui] rescan = 600000 (an overlay on /etc in a private mount
# namespace gives it its own hako.conf): after the first listing only the
# timer's tick reads the row (its kept cgroup files).  It shows the
# container's memory (MiB) and pids (at least systemd and journald), and
# ten more pids at a tick once ten sleeps run inside.
pids_shown() { pane | grep -E "^$1 +RUNNING" | sed -nE 's/.* [0-9]+\.[0-9]M +[0-9]+\.[0-9] +([0-9]+) .*/\1/p'; }
check_dashboard() {
	local m=$1 path=$2 name=$3 before now
	hk_conf_wrapper "$T/ns-hako" "$T"
	printf '[tui]\nrefresh = 500\nrescan = 600000\n' >"$T/etc-up/hako/hako.conf"
	new_pane || { not_ok "$m: tmux did not start"; return; }
	$TM send-keys -t hk "TERM=screen-256color LANG=C.UTF-8 $T/ns-hako -P $path" Enter
	check_pane "$m: the dashboard shows its memory and pids" \
		"^$name +RUNNING .* ([1-9]|[1-9][0-9]+)\.[0-9]M +[0-9]+\.[0-9] +([2-9]|[1-9][0-9]+) " 100
	before=$(pids_shown "$name")
	inside root "$path" "$name" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 20 </dev/null >/dev/null 2>&1 & done' </dev/null >/dev/null 2>&1
	for _ in $(seq 50); do
		now=$(pids_shown "$name")
		[ -n "$before" ] && [ "${now:-0}" -ge $((before + 10)) ] && break
		sleep 0.2
	done
	[ -n "$before" ] && [ "${now:-0}" -ge $((before + 10)) ] && ok "$m: a tick shows ten more pids ($before -> $now)" ||
		{ not_ok "$m: pids shown $before, then ${now:-none} (ten sleeps started)"; pane | grep -E "^(NAME|$name) " | sed 's/^/#   /'; }
	$TM send-keys -t hk q
	$TM kill-server >/dev/null 2>&1
}

# check_reboots M WHO PATH NAME PID: stop -r gives a new init (not PID)
# that boots again.
check_reboots() {
	local m=$1 who=$2 path=$3 name=$4 pid=$5 pid2
	check "$m: stop -r" h "$who" stop -r "$name" -P "$path"
	for _ in $(seq 100); do
		pid2=$(hk_pid_of "$name" h "$who" -P "$path")
		[ -n "$pid2" ] && [ "$pid2" != "$pid" ] && break
		sleep 0.2
	done
	[ -n "$pid2" ] && [ "$pid2" != "$pid" ] && ok "$m: stop -r: a new init ($pid -> $pid2)" ||
		not_ok "$m: stop -r: init $pid, then \"$pid2\""
	check_booted "$m: after stop -r" "$who" "$path" "$name"
}

# check_stops M WHO PATH NAME: a halt that needs no kill.
check_stops() {
	local m=$1 who=$2 path=$3 name=$4 out t0=$SECONDS
	if out=$(h "$who" stop "$name" -P "$path" -t 60 2>&1) && ! grep -q 'was killed' <<<"$out"; then
		ok "$m: stop halts systemd, no kill ($((SECONDS - t0)) s)"
	else not_ok "$m: stop: $out"; fi
	[ "$(state "$who" "$path" "$name")" = STOPPED ] && ok "$m: STOPPED" ||
		not_ok "$m: state after stop: $(state "$who" "$path" "$name")"
}

# run_mode SUITE MODE TAR: one container's life in one mode.
run_mode() {
	local suite=$1 mode=$2 tar=$3 who=root path=$T/$2 name=sd-$1 m="$1/$2" cfg=$T/$1-$2.conf
	local pid cgs ip out
	[ "$mode" = user ] || [ "$mode" = nocg ] && { who=$HK_TEST_USER; path=$UP/$mode; }
	{
		echo "lxc.net.0.type = veth"
		echo "lxc.net.0.link = $BR"
		echo "lxc.net.0.flags = up"
		[ "$mode" = idmap ] && printf 'lxc.idmap = u 0 400000 65536\nlxc.idmap = g 0 400000 65536\n'
	} >"$cfg"
	chmod 644 "$cfg"
	[ "$mode" = nocg ] && : >"$cfg" # refused before the network matters
	if [ "$who" = root ]; then mkdir -p "$path"; else as_user mkdir -p "$path"; fi
	if ! out=$(h "$who" create "$name" -t "tar:$tar" -f "$cfg" -P "$path" 2>&1); then
		not_ok "$m: create: $out"; return
	fi
	ok "$m: create from the $suite tarball"
	started+=("$who $path $name")
	if [ "$mode" = nocg ]; then
		check_output "$m: start is refused: systemd needs a cgroup of its own, and the fix" \
			"init is systemd, which needs a cgroup of its own.*(setup-user|linger|systemd-run)" \
			h "$who" start "$name" -P "$path"
		[ "$(state "$who" "$path" "$name")" = STOPPED ] && ok "$m: still STOPPED" ||
			not_ok "$m: state after the refusal: $(state "$who" "$path" "$name")"
		check_clean "$m: nothing left by the refused start" "$path/$name" ""
		check "$m: destroy" h "$who" destroy "$name" -P "$path"
		return
	fi
	if ! out=$(h "$who" start "$name" -P "$path" 2>&1); then
		not_ok "$m: start: $out"; return
	fi
	ok "$m: start"
	check_booted "$m" "$who" "$path" "$name"
	check_output "$m: attach -- systemctl is-system-running" '^(running|degraded)$' \
		inside "$who" "$path" "$name" systemctl is-system-running
	check_output "$m: journald keeps a line" "hako-mark-$$" inside "$who" "$path" "$name" sh -c \
		"echo hako-mark-$$ | systemd-cat -t hkmark; for i in \$(seq 50); do
			journalctl -t hkmark -o cat --no-pager | grep . && exit; sleep 0.2; done"
	out=$(inside "$who" "$path" "$name" sh -c 'find /sys/fs/cgroup -maxdepth 4 -name "hako*" -o -maxdepth 4 -name "*.users" 2>/dev/null')
	[ -z "$out" ] && ok "$m: no cgroup of the host's is in sight" || { not_ok "$m: the container sees:"; echo "$out" | head | sed 's/^/#   /'; }
	[ "$who" = root ] && check_dashboard "$m" "$path" "$name"
	check_console "$m" "$who" "$path" "$name"
	ip=$(h "$who" ls -F NAME,IPV4 -P "$path" 2>/dev/null | awk -F'\t' -v n="$name" '$1 == n { print $2 }')
	case $ip in 10.99.97.*) ok "$m: leased address $ip" ;; *) not_ok "$m: no leased address (\"$ip\")" ;; esac
	check "$m: ping the bridge" inside "$who" "$path" "$name" ping -c 1 -W 10 "$GW"
	pid=$(hk_pid_of "$name" h "$who" -P "$path")
	cgs=$(hk_init_cgroups "$pid" "$name")
	if [ -n "${HK_GUEST:-}" ] && [ "$who" = root ]; then
		skip "$m: stop -r: in the guest lane as the user only (a second boot there costs minutes; root's reboot on that host: reboot-viewers.sh)"
	else
		check_reboots "$m" "$who" "$path" "$name" "$pid"
	fi
	check_stops "$m" "$who" "$path" "$name"
	check_clean "$m: nothing left" "$path/$name" "$cgs"
	grep -q "$name" /run/hako/net/leases 2>/dev/null && not_ok "$m: its lease is left: $(grep "$name" /run/hako/net/leases)" ||
		ok "$m: its lease is gone"
	check "$m: destroy" h "$who" destroy "$name" -P "$path"
}

if [ ! -x "$HAKO" ] || ! command -v tmux >/dev/null; then skip "systemd-ct: needs build/hako and tmux"; plan_end; exit; fi
MODES=${HK_SYSTEMD_MODES:-priv idmap user nocg}
if ensure_test_user; then
	UP=$(as_user mktemp -d "$(getent passwd "$HK_TEST_USER" | cut -d: -f6)/hako-sdct.XXXXXX")
	chmod 755 "$UP"
	hk_nic_setup "$T" || { not_ok "cannot install hako-nic in $T"; plan_end; exit; }
	export HK_EXTRA_ENV="HAKO_NIC=$NIC"
	"$HAKO" setup-user "$HK_TEST_USER" -n 2 -b "$BR" >/dev/null 2>&1
else
	skip "systemd-ct: cannot make $HK_TEST_USER: the user modes do not run"
	MODES=$(printf '%s\n' $MODES | grep -vxE 'user|nocg')
fi
"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
check "a test bridge" "$HAKO" net setup -b "$BR" -s "$CIDR"

# wanted SUITE MODE: whether this run has the pair.
wanted() {
	[ -n "${HK_GUEST:-}" ] && [ -z "${HK_SYSTEMD_MODES:-}${HK_SYSTEMD_SUITES:-}" ] || return 0
	case $1:$2 in bookworm:priv | bookworm:user | bookworm:nocg | trixie:idmap | trixie:user) return 0 ;; esac
	return 1
}
for suite in ${HK_SYSTEMD_SUITES:-bookworm trixie}; do
	if ! tar=$("$HK_TOP/tests/helpers/debian-rootfs.sh" "$suite" 2>"$T/rootfs.log"); then
		not_ok "$suite: no rootfs tarball: $(tail -n 3 "$T/rootfs.log" | tr '\n' ' ')"; continue
	fi
	for mode in $MODES; do
		wanted "$suite" "$mode" || continue
		if [ "$mode" = nocg ]; then
			hk_undelegate "$HK_TEST_USER"; undelegated=1
		fi
		run_mode "$suite" "$mode" "$tar"
		if [ "$mode" = nocg ]; then
			"$HAKO" setup-user "$HK_TEST_USER" -n 2 -b "$BR" >/dev/null 2>&1; undelegated=
		fi
	done
done
plan_end
