#!/usr/bin/env bash
# tests/integration/lxc-configs.sh - LXC's stock configs: a busybox
# container including each /usr/share/lxc/config/*.conf (userns.conf
# with common.conf and an id map, as LXC's templates use it) starts and
# runs a command, or is refused naming the key; the device rules they set
# hold (common.conf: /dev/zero and mknod allowed, the host's disk not
# readable; lxc.cgroup2.devices alone, the eBPF program on cgroup v2);
# a privileged container without rules cannot read the host's disk
# either, on any host layout; a note about a key the host cannot honour
# (AppArmor) is printed by start, shown by info, and never by ls,
# attach or stop.  The guides' own files, for the test user:
# ~/.config/lxc/default.conf serves until ~/.config/hako/default.conf
# exists, and lxc.lxcpath of ~/.config/lxc/lxc.conf is the default path.
. "$(dirname "$0")/../lib.sh"
plan_begin
need_root "LXC's stock configs" || { plan_end; exit; }
[ -x "$HAKO" ] || { skip "build first"; plan_end; exit; }
D=/usr/share/lxc/config
[ -f "$D/common.conf" ] || { skip "no LXC configs in $D (apt-get install lxc)"; plan_end; exit; }

P=$(mktemp -d /tmp/hako-lxcconf.XXXXXX)
chmod 755 "$P"
UHOME= LXCCFG_MADE=
cleanup() {
	local c
	[ -n "$LXCCFG_MADE" ] && rm -rf "$UHOME/.config/lxc" "$UHOME/.config/hako/default.conf"
	for c in "$P"/*/config; do
		[ -f "$c" ] && "$HAKO" stop -k "$(basename "$(dirname "$c")")" -P "$P" >/dev/null 2>&1
	done
	rm -rf "$P"
}
trap cleanup EXIT

# The host's root filesystem's block device, as MAJOR MINOR.
read -r DMAJ DMIN < <(stat -c '%Hd %Ld' /)

# life NAME CONF-LINES: create, start, attach -- true, stop, destroy.
life() {
	local name=$1 out
	printf '%s\n' "$2" >"$P/$name.conf"
	if ! out=$("$HAKO" create "$name" -t busybox -P "$P" -f "$P/$name.conf" -q 2>&1); then
		not_ok "$name: create: $out"; return 1
	fi
	if ! out=$("$HAKO" start "$name" -P "$P" 2>&1); then
		if grep -q 'lxc\.' <<<"$out"; then ok "$name: refused, naming the key: ${out%%$'\n'*}"
		else not_ok "$name: start failed without naming a key: $out"; fi
		return 1
	fi
	check "$name: starts and runs a command" "$HAKO" attach "$name" -P "$P" -- true
}
finish() {
	check "$1: stops" "$HAKO" stop -k "$1" -P "$P"
	check "$1: destroy" "$HAKO" destroy "$1" -P "$P"
}

MAP=$'lxc.idmap = u 0 700000 65536\nlxc.idmap = g 0 700000 65536'
for f in "$D"/*.conf; do
	base=$(basename "$f" .conf)
	name=inc-${base//./-}
	case $base in
	userns) lines="lxc.include = $D/common.conf"$'\n'"lxc.include = $f"$'\n'"$MAP" ;;
	*) lines="lxc.include = $f" ;;
	esac
	life "$name" "$lines" && finish "$name"
done

# common.conf's device rules, for a privileged container.
if life common "lxc.include = $D/common.conf"; then
	check_output "common: /dev/zero is readable" '^3$' "$HAKO" attach common -P "$P" -- sh -c 'head -c 3 /dev/zero | wc -c'
	check "common: mknod of a block device is allowed (m)" "$HAKO" attach common -P "$P" -- mknod /tmp/disk b "$DMAJ" "$DMIN"
	check_output "common: reading the host's disk is not" 'Operation not permitted' \
		"$HAKO" attach common -P "$P" -- head -c 1 /tmp/disk
	finish common
fi

# lxc.cgroup2.devices alone: on a hybrid host too, the eBPF program on the
# container's cgroup2 directory decides.
if life v2dev $'lxc.cgroup2.devices.deny = a\nlxc.cgroup2.devices.allow = c 1:3 rwm\nlxc.cgroup2.devices.allow = c 5:* rwm\nlxc.cgroup2.devices.allow = c 136:* rwm\nlxc.cgroup2.devices.allow = c 4:* rwm'; then
	check "v2dev: /dev/null is allowed" "$HAKO" attach v2dev -P "$P" -- sh -c 'echo x >/dev/null'
	check_output "v2dev: /dev/zero is not (1:5 is not in the list)" 'Operation not permitted' \
		"$HAKO" attach v2dev -P "$P" -- head -c 1 /dev/zero
	check_output "v2dev: nor mknod of a disk" 'Operation not permitted' \
		"$HAKO" attach v2dev -P "$P" -- mknod /tmp/disk b "$DMAJ" "$DMIN"
	finish v2dev
fi
check_output "a bad device rule is refused, naming the key and the syntax" \
	'lxc.cgroup2.devices.allow = c 1:3 rwx: not a device rule.*TYPE MAJOR:MINOR ACCESS' \
	sh -c "printf 'lxc.cgroup2.devices.allow = c 1:3 rwx\n' >'$P/bad.conf' && '$HAKO' create bad -t busybox -P '$P' -f '$P/bad.conf' -q && '$HAKO' start bad -P '$P'"

# No rules at all: hako's default policy (LXC's list) on whichever
# controller the host has.
if life plain ""; then
	check "plain: mknod is allowed" "$HAKO" attach plain -P "$P" -- mknod /tmp/disk b "$DMAJ" "$DMIN"
	check_output "plain: reading the host's disk is not" 'Operation not permitted' \
		"$HAKO" attach plain -P "$P" -- head -c 1 /tmp/disk
	finish plain
fi

# A note for a key this host cannot honour: once, from start.
printf 'lxc.apparmor.profile = lxc-container-default-with-nesting\n' >"$P/aa.conf"
"$HAKO" create aa -t busybox -P "$P" -f "$P/aa.conf" -q 2>/dev/null
if [ -d /sys/kernel/security/apparmor ]; then
	skip "AppArmor is enabled here: no note to check"
else
	out=$("$HAKO" start aa -P "$P" 2>&1)
	[ "$(grep -c 'AppArmor is not enabled' <<<"$out")" = 1 ] && ok "start says once that AppArmor keys are ignored" ||
		not_ok "start's notes: $out"
	check_output "info shows the note" '^Note: +lxc.apparmor.profile: AppArmor is not enabled' "$HAKO" info aa -P "$P"
	for c in "ls -f" "attach aa -- true" "console aa --log" "stop aa -k"; do
		# shellcheck disable=SC2086
		out=$("$HAKO" $c -P "$P" 2>&1)
		grep -q AppArmor <<<"$out" && not_ok "$c repeats the AppArmor note" || ok "$c is quiet about AppArmor"
	done
fi

# The guides' files, for an ordinary user.
if ensure_test_user && UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6) &&
	[ ! -e "$UHOME/.config/lxc" ] && [ ! -e "$UHOME/.config/hako/default.conf" ]; then
	LXCCFG_MADE=1
	UP=$(as_user mktemp -d "$UHOME/hako-lxcfiles.XXXXXX")
	as_user mkdir -p "$UHOME/.config/lxc" "$UHOME/.config/hako"
	as_user sh -c "echo 'lxc.environment = HKMARK=lxc' >'$UHOME/.config/lxc/default.conf'"
	as_user sh -c "echo 'lxc.lxcpath = $UP/lxcpath' >'$UHOME/.config/lxc/lxc.conf'"
	check "user: create with no -P" as_user "$HAKO" create gx -t busybox -q
	check "user: ... it lands in lxc.lxcpath of ~/.config/lxc/lxc.conf" test -f "$UP/lxcpath/gx/config"
	check_output "user: ... with ~/.config/lxc/default.conf's lines" '^lxc.environment = HKMARK=lxc' \
		cat "$UP/lxcpath/gx/config"
	check_output "user: ls with no -P lists it" '^gx$' as_user "$HAKO" ls
	as_user sh -c "echo 'lxc.environment = HKMARK=hako' >'$UHOME/.config/hako/default.conf'"
	check "user: create gy" as_user "$HAKO" create gy -t busybox -q
	check_output "user: hako's own default.conf wins once it exists" '^lxc.environment = HKMARK=hako' \
		cat "$UP/lxcpath/gy/config"
	as_user "$HAKO" destroy gx -q >/dev/null 2>&1
	as_user "$HAKO" destroy gy -q >/dev/null 2>&1
	rm -rf "$UP"
else
	skip "the guides' files: no test user, or it has ~/.config/lxc or ~/.config/hako/default.conf of its own"
fi
plan_end
