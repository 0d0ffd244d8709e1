#!/usr/bin/env bash
# tests/integration/setup-user.sh - `hako setup-user USER` on a fresh user
# with no sub-ids: refused for non-root and for an unknown user; gives
# 131072 sub-uids and sub-gids past everyone else's; a delegated cgroup
# hako.users/UID owned by the user in every v1 hierarchy (cpuset filled
# in); on a systemd host linger (the user manager runs without a login),
# on pure v2 without systemd hako.users/UID with its login leaf and the
# login step reported as left to do; a second run changes nothing and says
# "already"; afterwards the user, through setpriv (no PAM), starts an
# unprivileged container whose cgroups sit under its delegation, and
# stops it cleanly.
. "$(dirname "$0")/../lib.sh"
hk_begin setup-user setup-user build root notmp

SU=hkset$$
SUHOME=
cleanup() {
	[ -n "$SUHOME" ] && HK_TEST_USER=$SU as_user "$HAKO" stop -k c1 -P "$SUHOME/lxc" >/dev/null 2>&1
	if id "$SU" >/dev/null 2>&1; then
		local uid d
		uid=$(id -u "$SU")
		for d in $(hk_user_delegations "$uid"); do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
		if [ -d /run/systemd/system ]; then
			loginctl disable-linger "$SU" 2>/dev/null
			systemctl stop "user@$uid.service" 2>/dev/null
		fi
		userdel -r "$SU" >/dev/null 2>&1
		sed -i "/^$SU:/d" /etc/subuid /etc/subgid
	fi
}
hk_on_exit cleanup

asu() { HK_TEST_USER=$SU as_user "$@"; }
# On pure v2 without systemd the user's process must start in its login
# leaf, as a pam_cgfs login would put it (setup-user's [todo]).
asu_login() {
	if [ "$HOST" = v2 ]; then (echo "$BASHPID" >"$V2USERS/login/cgroup.procs" && asu "$@")
	else asu "$@"; fi
}

useradd -m -s /bin/sh "$SU" || { not_ok "useradd $SU"; plan_end; exit; }
sed -i "/^$SU:/d" /etc/subuid /etc/subgid
SUHOME=$(getent passwd "$SU" | cut -d: -f6)
chmod 755 "$SUHOME"
SUID_=$(id -u "$SU")

check_output "an ordinary user is refused, told it needs root" 'root' asu "$HAKO" setup-user "$SU"
check_fails "... with a non-zero exit" asu "$HAKO" setup-user "$SU"
check_output "an unknown user is refused by name" 'hk-no-such-user' "$HAKO" setup-user hk-no-such-user
check_fails "... with a non-zero exit" "$HAKO" setup-user hk-no-such-user

# The highest end of anyone's range before: the new one must start past it.
max_end() { awk -F: '{ e = $2 + $3; if (e > m) m = e } END { print m + 0 }' "$1"; }
uend=$(max_end /etc/subuid) gend=$(max_end /etc/subgid)
out=$("$HAKO" setup-user "$SU" 2>&1); rc=$?
[ $rc = 0 ] && ok "setup-user $SU" || { not_ok "setup-user $SU: rc=$rc"; printf '%s\n' "$out" | sed 's/^/#   /'; }
line=$(grep "^$SU:" /etc/subuid)
IFS=: read -r _ ustart ucount <<<"$line"
[ "$(grep -c "^$SU:" /etc/subuid)" = 1 ] && [ "$ucount" = 131072 ] \
	&& ok "one /etc/subuid range of 131072 ids ($line)" || not_ok "/etc/subuid for $SU: '$line'"
[ -n "$ustart" ] && [ "$ustart" -ge "$uend" ] && ok "it starts past every other range ($ustart >= $uend)" \
	|| not_ok "sub-uid range $ustart overlaps (others end at $uend)"
line=$(grep "^$SU:" /etc/subgid)
IFS=: read -r _ gstart gcount <<<"$line"
[ "$gcount" = 131072 ] && [ "$gstart" -ge "$gend" ] && ok "/etc/subgid too ($line)" || not_ok "/etc/subgid: '$line'"
check_output "the report says what it gave" "gave user \"$SU\"" printf '%s\n' "$out"
check "/etc/subuid stays root's, 0644" test "$(stat -c %U:%a /etc/subuid)" = root:644

# What delegates cgroups to the user: hako.users/UID in every v1 hierarchy
# (hybrid and v1 hosts); on a systemd host the user manager (linger on so
# it runs without a login); on pure v2 without systemd hako.users/UID in
# the v2 tree with its root-owned login leaf, where the user's processes
# must start (reported as a step left to do).
HOST=v1
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	HOST=v2; [ -d /run/systemd/system ] && HOST=systemd
fi
V2USERS=/sys/fs/cgroup/hako.users/$SUID_
bad= n=0
while IFS=: read -r _ ctrl _; do
	[ -n "$ctrl" ] || continue # the v2 hierarchy: below
	mnt=$(awk -v c="$ctrl" '$9 == "cgroup" {
		n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c || "name=" o[i] == c) { print $5; exit } }' \
		/proc/self/mountinfo)
	[ -n "$mnt" ] || continue
	n=$((n + 1))
	d=$mnt/hako.users/$SUID_
	if [ ! -d "$d" ]; then bad="$bad $ctrl:missing"; continue; fi
	[ "$(stat -c %U "$d")" = "$SU" ] && [ "$(stat -c %U "$d/cgroup.procs")" = "$SU" ] || bad="$bad $ctrl:owner"
	case "$ctrl" in *cpuset*)
		[ -n "$(cat "$d/cpuset.cpus")" ] && [ -n "$(cat "$d/cpuset.mems")" ] || bad="$bad cpuset:empty" ;;
	esac
done </proc/self/cgroup
[ -z "$bad" ] && ok "a delegated hako.users/$SUID_ owned by $SU in each of the $n v1 hierarchies (cpuset filled in)" \
	|| not_ok "v1 delegation problems: $bad"
case $HOST in
v1) skip "v2 delegation on a hybrid host: unusable by a user (the common ancestor is root's), hako uses the v1 hierarchies" ;;
systemd)
	check "systemd host: linger is on for $SU" test -e "/var/lib/systemd/linger/$SU"
	check_output "... and the report says so" 'linger: enabled for user' printf '%s\n' "$out"
	check "... so the user manager's bus answers without a login" test -S "/run/user/$SUID_/bus"
	check "... and no cgroup of hako's own in the v2 tree" test ! -e "$V2USERS"
	;;
v2)
	check "pure v2: hako.users/$SUID_ owned by $SU" test "$(stat -c %U "$V2USERS" 2>/dev/null)" = "$SU"
	check "... with its login leaf, root's" test "$(stat -c %U "$V2USERS/login" 2>/dev/null)" = root
	check_output "... and the login step reported as left to do" '\[todo\] cgroup2: .*'"$V2USERS/login" \
		printf '%s\n' "$out"
	check_output "... not claiming the user can start containers as things are" 'needs the step marked todo' \
		printf '%s\n' "$out"
	;;
esac
d=$(hk_user_delegations "$SUID_" | head -1)
[ -z "$d" ] && [ $HOST = systemd ] && d=$V2USERS/x # none: nothing to check
[ ! -e "${d%/*}" ] || check "the parent hako.users stays root's" test "$(stat -c %U "${d%/*}")" = root

out=$("$HAKO" setup-user "$SU" 2>&1); rc=$?
[ $rc = 0 ] && ! printf '%s' "$out" | grep -q 'gave user\|: delegated "\|linger: enabled' &&
	printf '%s' "$out" | grep -q already && ok "a second run changes nothing and says already" ||
	not_ok "second run: rc=$rc: $out"
[ "$(grep -c "^$SU:" /etc/subuid)" = 1 ] && ok "no second sub-uid range" || not_ok "subuid lines: $(grep "^$SU:" /etc/subuid)"

# The user starts a container with no further root step.
check "the user creates a container" asu "$HAKO" create c1 -t busybox -P "$SUHOME/lxc"
chmod 755 "$SUHOME/lxc"
out=$(asu_login "$HAKO" start c1 -P "$SUHOME/lxc" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && ok "... and starts it (silently)" || not_ok "user start: rc=$rc: $out"
check_output "its map comes from the new range" "^ *0 +$ustart +65536" \
	asu_login "$HAKO" attach c1 -P "$SUHOME/lxc" -- cat /proc/self/uid_map
pid=$(hk_pid_of c1 asu "$HAKO" -P "$SUHOME/lxc")
cgs=
[ -n "$pid" ] && cgs=$(hk_init_cgroups "$pid" c1)
if [ -n "$cgs" ] && ! printf '%s\n' $cgs | grep -qv "/hako.users/$SUID_/"; then
	ok "its cgroups are under hako.users/$SUID_ ($(printf '%s\n' $cgs | wc -l) hierarchies)"
elif [ $HOST = systemd ] && [ -n "$cgs" ] && ! printf '%s\n' $cgs | grep -qv "/user@$SUID_.service/.*/hako-"; then
	ok "its cgroup is in a hako scope of $SU's user manager ($cgs)"
else not_ok "container cgroups: '$cgs'"; fi
check_cgroups_found "while it runs, its cgroups are found (init's among them)" c1 "$SUHOME/lxc" "$pid"
check "freeze works in the delegated cgroup" asu_login "$HAKO" freeze c1 -P "$SUHOME/lxc"
check "unfreeze" asu_login "$HAKO" unfreeze c1 -P "$SUHOME/lxc"
pids=$(hk_cg_pids $cgs)
check "stop" asu "$HAKO" stop -k c1 -P "$SUHOME/lxc"
check_clean "nothing left" "$SUHOME/lxc/c1" "$cgs" $pids
check "destroy" asu "$HAKO" destroy c1 -P "$SUHOME/lxc"


# ---- the option layer ----
check "--help exits 0" "$HAKO" setup-user --help
check_output "-n COUNT out of range" '-n "0": give the number of veths' "$HAKO" setup-user -n 0 nobody

plan_end
