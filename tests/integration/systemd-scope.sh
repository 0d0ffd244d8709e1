#!/usr/bin/env bash
# tests/integration/systemd-scope.sh - an ordinary user's container on a
# systemd host goes into a transient scope (Delegate=yes) that hako asks
# the user's systemd manager for over D-Bus, and stop removes it.
#
# systemd is not pid 1 on the test machines, so the script runs a real
# `systemd --user` for the test user (with the dbus.socket/dbus.service
# user units Debian's dbus-user-session ships) in a private mount
# namespace where /run/systemd/system exists, below a cgroup2 directory
# delegated to the user, the way user@UID.service runs on a systemd host.
# Also: without any bus hako falls back with a warning; with a bus on
# which no systemd answers, start fails naming the unit, the D-Bus error
# and the fix, and leaves nothing behind.
. "$(dirname "$0")/../lib.sh"
hk_begin sd systemd-scope notmp # $T is made below, after the exec into a mount namespace

SYSTEMD=/lib/systemd/systemd
unified() { awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo; }

if [ -z "${HK_SD_INNER:-}" ]; then
	reason=
	if [ ! -x "$HAKO" ]; then reason="build first (make)"
	elif [ "$(id -u)" != 0 ]; then reason="needs root"
	elif [ ! -x "$SYSTEMD" ]; then reason="no $SYSTEMD (apt-get install systemd)"
	elif ! command -v dbus-daemon >/dev/null; then reason="no dbus-daemon (apt-get install dbus-daemon)"
	elif [ ! -e /usr/lib/systemd/user/dbus.socket ]; then reason="no user dbus.socket (apt-get install dbus-user-session)"
	elif [ -z "$(unified)" ]; then reason="no cgroup2 hierarchy mounted"
	elif [ ! -d /run/systemd ]; then reason="no /run/systemd to shadow"
	fi
	if [ -n "$reason" ]; then skip "systemd-scope: $reason"; plan_end; exit; fi
	# Everything else happens in a private mount namespace.
	exec env HK_SD_INNER=1 unshare -m --propagation private "$0" "$@"
fi

ensure_test_user || { not_ok "test user"; plan_end; exit; }
"$HAKO" setup-user "$HK_TEST_USER" >/dev/null || { not_ok "setup-user"; plan_end; exit; }
U=$(unified)
CG=$U/hako-sdtest-$$
V1SD=/sys/fs/cgroup/systemd/hako-sdtest-$$
T=$(mktemp -d /tmp/hako-sd.XXXXXX)
chmod 755 "$T"
P=$T/ct RT=$T/rt RT2=$T/rt-nobus RT3=$T/rt-nosd
NAME=sd1 SD= DBUS= SDR=
PR=$T/ct-root RTR=$T/rt-root CGR=$U/hako-sdtest-root-$$ V1SDR=/sys/fs/cgroup/systemd/hako-sdtest-root-$$
uid=$(id -u "$HK_TEST_USER")
HK_RUN_BASES="$RT/hako $RT2/hako $RT3/hako" # where the user's records are (hk_cgroups_named)
mkdir -p "$P" "$RT" "$RT2" "$RT3" "$PR" "$RTR"
chown "$HK_TEST_USER:" "$P" "$RT" "$RT2" "$RT3"
chmod 700 "$RT" "$RT2" "$RT3" "$RTR"

# u RUNTIME_DIR CMD...: as the test user with that XDG_RUNTIME_DIR.
u() { local rt=$1; shift; HK_EXTRA_ENV="XDG_RUNTIME_DIR=$rt" as_user "$@"; }

rmtree() { [ -d "$1" ] && find "$1" -depth -type d -exec rmdir {} + 2>/dev/null; }
cleanup() {
	local rt
	for rt in "$RT" "$RT2" "$RT3"; do u "$rt" "$HAKO" stop -k "$NAME" -P "$P" >/dev/null 2>&1; done
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$RTR/bus "$HAKO" stop -k "$NAME" -P "$PR" >/dev/null 2>&1
	[ -n "$DBUS" ] && kill "$DBUS" 2>/dev/null
	for p in $SD $SDR; do
		kill "$p" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	echo $$ >"$U/cgroup.procs"
	[ -d "$V1SD" ] && echo $$ >/sys/fs/cgroup/systemd/cgroup.procs
	for d in "$CG" "$V1SD" "$CGR" "$V1SDR"; do
		[ -d "$d" ] && for p in $(cat $(find "$d" -name cgroup.procs) 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	sleep 0.2
	rmtree "$CG"; rmtree "$V1SD"; rmtree "$CGR"; rmtree "$V1SDR"
	rm -rf "$T"
}
hk_on_exit cleanup

# What user@UID.service gets on a systemd host: a cgroup2 subtree (and on
# a hybrid host the name=systemd one) of its own, and /run/systemd/system.
mount -t tmpfs -o mode=755 tmpfs /run/systemd
mkdir /run/systemd/system
for d in "$CG" "$V1SD"; do
	[ -d "$(dirname "$d")" ] || continue
	mkdir "$d" && chown -R "$HK_TEST_USER:" "$d" && echo $$ >"$d/cgroup.procs"
done
u "$RT" "$SYSTEMD" --user >"$T/systemd.log" 2>&1 &
SD=$!
up=
for _ in $(seq 100); do
	if u "$RT" busctl --user --no-pager status org.freedesktop.systemd1 >/dev/null 2>&1; then up=1; break; fi
	sleep 0.1
done
if [ -z "$up" ]; then
	not_ok "systemd --user answers on $RT/bus"
	sed 's/^/#   /' "$T/systemd.log" | tail -20
	plan_end; exit
fi
ok "a real systemd --user answers on the user's bus"

out=$("$HAKO" setup-user "$HK_TEST_USER" 2>&1)
check_output "setup-user says hako asks user@$uid.service's manager for scopes" \
	"systemd delegates the user@$uid.service subtree to uid $uid; hako asks that user manager .*transient scope" echo "$out"
if [ -d "$(dirname "$V1SD")" ]; then
	check_output "... and names hako's own v1 delegation" "hako.users/$uid\" for user .*hako's own v1 delegation" echo "$out"
else skip "no v1 hierarchies here (pure cgroup v2): nothing of hako's own to delegate"; fi
check "create" u "$RT" "$HAKO" create "$NAME" -t busybox -P "$P"
check "doctor says hako asks the user manager for a scope" \
	bash -c "$(declare -f u as_user); HK_TEST_USER=$HK_TEST_USER; u '$RT' '$HAKO' doctor 2>&1 | grep -q 'user@$uid.service.*transient scope'"
check "start" u "$RT" "$HAKO" start "$NAME" -P "$P"

init=$(u "$RT" "$HAKO" ls -F NAME,PID -P "$P" 2>/dev/null | awk -F'\t' -v n="$NAME" '$1 == n { print $2 }')
cg=$(awk -F: '$1 == 0 { print $3 }' "/proc/$init/cgroup" 2>/dev/null)
scope=${cg%/hako/*}
unit=${scope##*/}
diag "init $init in $cg"
case "$cg" in
"/hako-sdtest-$$/app.slice/hako-$NAME"*".scope/hako/$NAME"*) ok "init's cgroup is below the transient scope ($unit)" ;;
*) not_ok "init's cgroup is below a transient scope: \"$cg\"" ;;
esac
show=$(u "$RT" systemctl --user show -p ActiveState -p Delegate -p ControlGroup "$unit" 2>&1)
check_output "systemd knows the scope, active, with Delegate=yes" \
	"ActiveState=active" echo "$show"
check_output "... Delegate=yes" "^Delegate=yes" echo "$show"
# (fixed strings: the unit name holds "\x40" for the '@' of the cgroup name)
check "... and its ControlGroup is the container's parent" grep -qxF "ControlGroup=$scope" <<<"$show"
mon=$(ps -o ppid= -p "$init" | tr -d ' ')
check "the monitor sits in the scope's monitor leaf" grep -qxF "0::$scope/monitor" "/proc/$mon/cgroup"
check_output "hako cgroup (another process) finds the cgroup in the scope" "populated 1" \
	u "$RT" "$HAKO" cgroup "$NAME" cgroup.events -P "$P"
check_output "attach works" '^0$' u "$RT" "$HAKO" attach "$NAME" -P "$P" -- id -u
check_cgroups_found "the leftover search finds its cgroups (init's among them)" "$NAME" "$P" "$init"
check "... the scope by its escaped name among them" grep -qxF "$U$scope" <<<"$(hk_cgroups_named "$NAME" "$P")"
check "... and the scope hako recorded is that one" test "$(hk_cgroup_recorded "$NAME" "$P")" = "$U$scope"
check "stop" u "$RT" "$HAKO" stop -k "$NAME" -P "$P"
gone=
for _ in $(seq 50); do [ -d "$U$scope" ] || { gone=1; break; }; sleep 0.1; done
if [ -n "$gone" ]; then ok "stop: the scope's cgroup is gone"; else not_ok "stop: $U$scope still exists"; fi
check "stop: no cgroup of it is left in any hierarchy" test -z "$(hk_cgroups_named "$NAME" "$P")"
check_output "stop: systemd no longer has the unit" "ActiveState=inactive|LoadState=not-found" \
	u "$RT" systemctl --user show -p ActiveState -p LoadState "$unit"
check_fails "stop: the scope record is gone" ls "$RT/hako"/*/"$NAME"/cgroup2-scope

# No bus at all: a warning, and the container runs on what it may write.
out=$(u "$RT2" "$HAKO" start "$NAME" -P "$P" 2>&1); rc=$?
if [ $rc = 0 ] && printf '%s' "$out" | grep -q "no D-Bus answers on \"$RT2/bus\""; then
	ok "no bus: start warns and falls back"
else
	not_ok "no bus: start warns and falls back (rc $rc)"; printf '%s\n' "$out" | sed 's/^/#   /'
fi
check "no bus: stop" u "$RT2" "$HAKO" stop -k "$NAME" -P "$P"

# A bus without systemd on it: the D-Bus error reaches the user.
u "$RT3" dbus-daemon --session --address="unix:path=$RT3/bus" --nofork >"$T/dbus.log" 2>&1 &
DBUS=$!
for _ in $(seq 50); do [ -S "$RT3/bus" ] && break; sleep 0.1; done
out=$(u "$RT3" "$HAKO" start "$NAME" -P "$P" 2>&1); rc=$?
if [ $rc != 0 ] && printf '%s' "$out" | grep -Eq "transient scope \"hako-$NAME.*\.scope\": org\.freedesktop\.DBus\.Error\.[A-Za-z.]+: .*pam_systemd"; then
	ok "bus without systemd: start fails with the unit, the D-Bus error and the fix"
else
	not_ok "bus without systemd: start fails clearly (rc $rc)"; printf '%s\n' "$out" | sed 's/^/#   /'
fi
left=$(hk_cgroups_named "$NAME" "$P")
if [ -z "$left" ]; then ok "bus without systemd: no cgroup left"; else not_ok "left: $left"; fi

# Root: the system bus.  systemd is not pid 1 here, so root's own
# `systemd --user` stands in for the system manager: hako (as root) finds
# it through DBUS_SYSTEM_BUS_ADDRESS, as sd-bus clients do.
(
	for d in "$CGR" "$V1SDR"; do
		[ -d "$(dirname "$d")" ] && mkdir "$d" && echo $BASHPID >"$d/cgroup.procs"
	done
	exec env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="$RTR" "$SYSTEMD" --user
) >"$T/systemd-root.log" 2>&1 &
SDR=$!
up=
for _ in $(seq 100); do
	if XDG_RUNTIME_DIR=$RTR busctl --user --no-pager status org.freedesktop.systemd1 >/dev/null 2>&1; then up=1; break; fi
	sleep 0.1
done
r() { DBUS_SYSTEM_BUS_ADDRESS=unix:path=$RTR/bus "$HAKO" "$@"; }
if [ -z "$up" ]; then
	not_ok "root: a systemd manager answers on $RTR/bus"; sed 's/^/#   /' "$T/systemd-root.log" | tail -20
else
	check "root: create" r create "$NAME" -t busybox -P "$PR"
	check "root: start" r start "$NAME" -P "$PR"
	init=$(r ls -F NAME,PID -P "$PR" 2>/dev/null | awk -F'\t' -v n="$NAME" '$1 == n { print $2 }')
	cg=$(awk -F: '$1 == 0 { print $3 }' "/proc/$init/cgroup" 2>/dev/null)
	scope=${cg%/hako/*}
	diag "root: init $init in $cg"
	case "$cg" in
	"/hako-sdtest-root-$$/"*"/hako-$NAME"*".scope/hako/$NAME"*) ok "root: init's cgroup is below the transient scope" ;;
	*) not_ok "root: init's cgroup is below a transient scope: \"$cg\"" ;;
	esac
	check_cgroups_found "root: the leftover search finds its cgroups (init's among them)" "$NAME" "$PR" "$init"
	rec=$(hk_cgroup_recorded "$NAME" "$PR")
	[ -n "$rec" ] && grep -qxF "$rec" <<<"$(hk_cgroups_named "$NAME" "$PR")" \
		&& ok "root: ... the scope hako recorded among them" || not_ok "root: the recorded scope '$rec' is not found"
	check "root: stop" r stop "$NAME" -k -P "$PR"
	gone=
	for _ in $(seq 50); do [ -d "$U$scope" ] || { gone=1; break; }; sleep 0.1; done
	if [ -n "$gone" ]; then ok "root: stop removes the scope"; else not_ok "root: $U$scope still exists"; fi
	check "root: no cgroup of it is left in any hierarchy" test -z "$(hk_cgroups_named "$NAME" "$PR")"
fi
plan_end
