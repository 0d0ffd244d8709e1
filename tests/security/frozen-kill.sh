#!/usr/bin/env bash
# tests/security/frozen-kill.sh - a container that freezes part of itself
# cannot make itself unkillable: a process moved into a sub-cgroup it
# froze (the v1 freezer where the host has one, else cgroup v2's
# cgroup.freeze) is gone after `stop -k`, and after a `stop` whose halt
# times out; both return at once, not after the 45 s they took (cgroup.kill
# and the container's own thaw did not reach v1-frozen tasks).  For root's
# privileged container and root's id-mapped one (which owns its leaf).
. "$(dirname "$0")/../lib.sh"
hk_begin frozen "a container freezing itself" root build
P=$T
chmod 755 "$P"
hk_on_exit '"$HAKO" stop -k f -P "$P" >/dev/null 2>&1; "$HAKO" stop -k m -P "$P" >/dev/null 2>&1; rm -rf "$P"'

# Inside: a sleeper in a frozen sub-cgroup; prints its pid inside and the
# freezer used.
# shellcheck disable=SC2016
FREEZE='if [ -d /sys/fs/cgroup/freezer ]; then d=/sys/fs/cgroup/freezer/ice; f=freezer.state; v=FROZEN; k=v1
elif [ -f /sys/fs/cgroup/cgroup.freeze ]; then d=/sys/fs/cgroup/ice; f=cgroup.freeze; v=1; k=v2
else echo "no freezer"; exit 1; fi
mkdir -p $d && sleep 1000 & s=$!; sleep 0.2; echo $s >$d/cgroup.procs && echo $v >$d/$f && echo "$k $s"'

# frozen MODE NAME STOP-ARGS...: freeze part of NAME, stop it, check.
frozen() {
	local m=$1 n=$2 out kind t0; shift 2
	out=$("$HAKO" attach "$n" -P "$P" -- sh -c "$FREEZE" 2>&1)
	kind=${out%% *}
	case $kind in v1 | v2) ok "$m: a sleeper frozen in a sub-cgroup ($kind freezer)" ;;
	*) not_ok "$m: cannot freeze inside: $out"; return ;; esac
	local host_pid
	host_pid=$(hk_cg_pids $(hk_cgroups_named "$n" "$P") | while read -r p; do
		grep -q '^sleep' "/proc/$p/comm" 2>/dev/null && echo "$p"; done | head -1)
	t0=$SECONDS
	out=$(timeout 60 "$HAKO" "$@" "$n" -P "$P" 2>&1); rc=$?
	[ $rc = 0 ] && ok "$m: $* returns ($((SECONDS - t0)) s)" || not_ok "$m: $* (rc $rc): $out"
	[ "$(hk_state "$n" -P "$P")" = STOPPED ] && ok "$m: STOPPED" || not_ok "$m: state $(hk_state "$n" -P "$P")"
	[ -n "$host_pid" ] && [ -z "$(hk_live "$host_pid")" ] && ok "$m: the frozen sleeper ($host_pid) is gone" ||
		not_ok "$m: the frozen sleeper '$host_pid' is still there"
	check_clean "$m: nothing left" "$P/$n" ""
}

check "create f (privileged)" "$HAKO" create f -t busybox -P "$P" -q
printf 'lxc.idmap = u 0 800000 65536\nlxc.idmap = g 0 800000 65536\n' >"$P/map.conf"
check "create m (id map)" "$HAKO" create m -t busybox -P "$P" -f "$P/map.conf" -q
for n in f m; do
	m="root, $([ $n = f ] && echo privileged || echo 'id map')"
	"$HAKO" start "$n" -P "$P" && frozen "$m, stop -k" "$n" stop -k
	"$HAKO" start "$n" -P "$P" && frozen "$m, stop -t 2" "$n" stop -t 2
done
plan_end
