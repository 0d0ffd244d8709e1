#!/usr/bin/env bash
# tests/security/masking.sh - the masking class: /proc/sys and
# /proc/sysrq-trigger are read-only; /proc/kcore, keys, timer_list,
# sched_debug, interrupts, latency_stats, acpi, scsi, /sys/firmware,
# powercap and thermal_throttle are masked (empty or absent); /dev/pts is
# a devpts of its own (newinstance: none of the host's ptys show) with
# ptmxmode=0666 and max = lxc.pty.max (plus the console and lxc.tty.max
# ttys, which come from the same instance).  Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin mk masking modes

# Prints each masked path that shows anything: a file with bytes, a
# directory with entries.  Absent paths are fine (nothing to mask).
MASKED='/proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/interrupts /proc/latency_stats
/proc/acpi /proc/scsi /sys/firmware /sys/devices/virtual/powercap /sys/class/powercap
/sys/devices/system/cpu/cpu0/thermal_throttle'
# shellcheck disable=SC2016
SHOWS='for p in '"$(echo $MASKED)"'; do
	if [ -d "$p" ]; then [ -z "$(ls -A "$p" 2>/dev/null)" ] || echo "shows $p"
	elif [ -e "$p" ]; then [ "$(head -c 1 "$p" 2>/dev/null | wc -c)" = 0 ] || echo "shows $p"; fi
done; echo done'

mask_mode() {
	local m=$1 l=${HM_LABEL[$1]} out
	hm_create "$m" "lxc.pty.max = 7" "lxc.tty.max = 1" || { not_ok "$l: create"; return; }
	check "$l: start" hm "$m" start "$HM_N"
	check_fails "$l: /proc/sys is read-only" hm_in "$m" sh -c 'echo 3 >/proc/sys/vm/drop_caches'
	check_output "$l: /proc/sys is mounted ro" '^ro' hm_in "$m" sh -c \
		"awk '\$5 == \"/proc/sys\" { print \$6 }' /proc/self/mountinfo"
	check_fails "$l: /proc/sysrq-trigger is read-only" hm_in "$m" sh -c 'echo h >/proc/sysrq-trigger'
	out=$(hm_in "$m" sh -c "$SHOWS" 2>&1)
	[ "$out" = done ] && ok "$l: kcore, keys, timer_list, sched_debug, interrupts, latency_stats, acpi, scsi, firmware, powercap, thermal_throttle masked" \
		|| not_ok "$l: not masked: $(printf '%s' "$out" | tr '\n' ' ')"
	# mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - TYPE SOURCE SUPEROPTS".
	out=$(hm_in "$m" cat /proc/self/mountinfo 2>&1 | awk '$5 == "/dev/pts" { sub(/.* - /, ""); print }')
	case "$out" in devpts*ptmxmode=666*) ok "$l: /dev/pts is a devpts with ptmxmode=0666" ;;
	*) not_ok "$l: /dev/pts mount: $out" ;; esac
	# The instance holds lxc.pty.max ptys plus the console and lxc.tty.max ttys.
	case "$out" in *max=9*) ok "$l: devpts max = lxc.pty.max (7) + console + lxc.tty.max (1)" ;;
	*) not_ok "$l: devpts max: $out" ;; esac
	local host inside
	host=$(awk '$5 == "/dev/pts" { print $3 }' /proc/self/mountinfo | tr '\n' ' ')
	inside=$(hm_in "$m" cat /proc/self/mountinfo 2>&1 | awk '$5 == "/dev/pts" { print $3 }')
	[ -n "$inside" ] && ! printf '%s\n' $host | grep -qx "$inside" && ok "$l: a devpts instance of its own (device $inside, the host's: $host)" \
		|| not_ok "$l: /dev/pts inside is device '$inside', the host's '$host'"
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes mask_mode
plan_end
