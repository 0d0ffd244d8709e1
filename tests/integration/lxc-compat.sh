#!/usr/bin/env bash
# tests/integration/lxc-compat.sh - a container made by LXC's own busybox
# template (Debian's lxc package, `lxc-create -t busybox`, offline) runs
# under hako with `-P DIR`: start, attach as root, ls, the hostname from
# its config, stop, leaving nothing behind; then lxc-destroy removes it.
# The only edit: lxc.net.0.type = empty, as this host has no lxcbr0.
. "$(dirname "$0")/../lib.sh"
plan_begin

D=$(mktemp -d /tmp/hako-lxccompat.XXXXXX)
N=hkcompat
cleanup() {
	"$HAKO" -P "$D" stop -k "$N" >/dev/null 2>&1
	lxc-destroy -n "$N" -P "$D" >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_root "lxc-compat" || { plan_end; exit; }
if ! command -v lxc-create >/dev/null; then skip "lxc-compat: LXC is not installed"; plan_end; exit; fi
[ -x "$HAKO" ] || { skip "lxc-compat: build first"; plan_end; exit; }

if ! out=$(lxc-create -t busybox -n "$N" -P "$D" 2>&1); then
	skip "lxc-compat: lxc-create -t busybox failed here: $(printf '%s' "$out" | tail -1)"
	plan_end; exit
fi
ok "lxc-create -t busybox -n $N"
C=$D/$N/config
if grep -q '^lxc.net.0.type *= *veth' "$C"; then
	sed -i '/^lxc\.net\.0\./d' "$C"
	echo 'lxc.net.0.type = empty' >>"$C"
fi
cp "$C" "$D/config.orig"

out=$("$HAKO" -P "$D" start "$N" 2>&1); rc=$?
[ $rc = 0 ] && ok "hako -P DIR start $N" || { not_ok "hako start of LXC's container: rc=$rc"; printf '%s\n' "$out" | sed 's/^/#   /'; }
[ -n "$out" ] && diag "start said: $out"
check_output "ls -f shows it RUNNING" "^$N"$'\t'"RUNNING" "$HAKO" -P "$D" ls -f
check_output "attach -- id -u prints 0" '^0$' "$HAKO" -P "$D" attach "$N" -- id -u
check_output "hostname is lxc.uts.name (quoted in LXC's config)" "^$N\$" "$HAKO" -P "$D" attach "$N" -- hostname
check_output "pid 1 is busybox init" '^Name:[[:space:]]+init' "$HAKO" -P "$D" attach "$N" -- cat /proc/1/status
check_output "LXC's lxc.mount.entry binds are there (/lib read-only)" ' /lib .*ro[, ]' \
	"$HAKO" -P "$D" attach "$N" -- cat /proc/mounts
check_output "lxc.tty.max = 5: five ttys" '^5$' "$HAKO" -P "$D" attach "$N" -- sh -c 'ls /dev | grep -c "^tty[0-9]"'
init=$(hk_pid_of "$N" "$HAKO" -P "$D")
cgs=
[ -n "$init" ] && cgs=$(hk_init_cgroups "$init" "$N")
pids=$(hk_cg_pids $cgs)
check_cgroups_found "while it runs, its cgroups are found (init's among them)" "$N" "$D" "$init"
check "stop" "$HAKO" -P "$D" stop "$N"
check_output "ls -f shows it STOPPED" "^$N"$'\t'"STOPPED" "$HAKO" -P "$D" ls -f
check_clean "nothing left on the host" "$D/$N" "$cgs" $pids
check "hako left the config as it was" cmp "$C" "$D/config.orig"
check "lxc-destroy removes it" lxc-destroy -n "$N" -P "$D"
check "... it is gone" test ! -e "$D/$N"

plan_end
