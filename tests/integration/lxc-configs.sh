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
# attach or stop; lxc.cgroup2 limits on a controller that is on cgroup v1
# land in its v1 files, or are skipped with one note.  The guides' own files, for the test user:
# ~/.config/lxc/default.conf serves until ~/.config/hako/default.conf
# exists, and lxc.lxcpath of ~/.config/lxc/lxc.conf is the default path.
. "$(dirname "$0")/../lib.sh"
hk_begin lxcconf "LXC's stock configs" root build
D=/usr/share/lxc/config
[ -f "$D/common.conf" ] || { skip "no LXC configs in $D (apt-get install lxc)"; plan_end; exit; }

P=$T
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
hk_on_exit cleanup

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

# lxc.cgroup2 limits on any layout: where a controller is on cgroup v1 (a
# hybrid host) the limit lands in the v1 file that means the same; what
# v1 has no spelling for is skipped with one note, from start only.
on_v1() { awk -v c="$1" '$3 == "cgroup" && $4 ~ "(^|,)" c "(,|$)" { f = 1 } END { exit !f }' /proc/mounts; }
cgval() { "$HAKO" cgroup lim "$1" -P "$P" 2>&1; }
printf '%s\n' 'lxc.cgroup2.memory.max = 268435456' 'lxc.cgroup2.pids.max = 42' \
	'lxc.cgroup2.cpu.max = 50000 100000' 'lxc.cgroup2.memory.high = 200M' >"$P/lim.conf"
"$HAKO" create lim -t busybox -P "$P" -f "$P/lim.conf" -q
if check "lim: starts with lxc.cgroup2 limits on this layout" "$HAKO" start lim -P "$P"; then
	if on_v1 memory; then
		check_output "lim: memory.max in v1's memory.limit_in_bytes" '^268435456$' cgval memory.limit_in_bytes
		out=$("$HAKO" stop -k lim -P "$P" 2>&1; "$HAKO" start lim -P "$P" 2>&1)
		[ "$(grep -c 'lxc.cgroup2.memory.high = 200M: skipped: .*memory controller is on cgroup v1' <<<"$out")" = 1 ] &&
			ok "lim: start says once that memory.high has no v1 spelling" || not_ok "lim: start's notes: $out"
		for c in "ls -f" "attach lim -- true" "info lim"; do
			# shellcheck disable=SC2086
			out=$("$HAKO" $c -P "$P" 2>&1)
			grep -q 'memory.high' <<<"$out" && not_ok "$c repeats the note" || ok "lim: $c is quiet about memory.high"
		done
	else
		check_output "lim: memory.max (cgroup v2)" '^268435456$' cgval memory.max
		check_output "lim: memory.high (cgroup v2)" '^209715200$' cgval memory.high
	fi
	check_output "lim: pids.max" '^42$' cgval pids.max
	if on_v1 cpu; then check_output "lim: cpu.max in v1's cpu.cfs_quota_us" '^50000$' cgval cpu.cfs_quota_us
	else check_output "lim: cpu.max" '^50000 100000$' cgval cpu.max; fi
	finish lim
fi
check_output "a v2 limit v2 would not take is refused at start, naming it" 'lxc.cgroup2.cpu.max = soon' \
	sh -c "printf 'lxc.cgroup2.cpu.max = soon\n' >'$P/badlim.conf' && '$HAKO' create badlim -t busybox -P '$P' -f '$P/badlim.conf' -q && '$HAKO' start badlim -P '$P'"

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
