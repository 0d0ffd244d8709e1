#!/usr/bin/env bash
# tests/bench/systemd.sh - a real distribution: how fast a Debian bookworm
# container with systemd as init reaches "running" and stops cleanly,
# hako side by side in the same run with LXC on a copy of the same rootfs
# (tests/helpers/debian-rootfs.sh's cached tarball; built once when
# missing).  start->running: from the start command until `systemctl
# is-system-running --wait` (run through attach, retried until systemd
# listens) says running or degraded.  Clean stop: `hako stop` /
# `lxc-stop` (the halt signal, no kill).  Medians of RUNS runs (default
# 5), alternating; prints the ratios against the targets (start->running
# <= 0.8x LXC, clean stop <= 1.0x LXC).  Never fails on timing, only when
# something did not work.
set -uo pipefail
HAKO=${HAKO:-build/hako}
RUNS=${RUNS:-5}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib.sh"
hk_begin bench-sd "systemd bench" root
chmod 755 "$T"
HN=hbsd$$
LN=lbsd$$
status=0

cleanup() {
	"$HAKO" stop -k "$HN" -P "$T/hako" >/dev/null 2>&1
	command -v lxc-stop >/dev/null && lxc-stop -k -n "$LN" -P "$T/lxc" >/dev/null 2>&1
	rm -rf "$T"
}
hk_on_exit cleanup

. "$(dirname "$0")/../lib/bench.sh"

# booted CMD...: runs `CMD systemctl is-system-running --wait` until
# systemd answers (not "Failed to connect"); true when running/degraded.
booted() {
	local out i
	for ((i = 0; i < 300; i++)); do
		out=$("$@" systemctl is-system-running --wait 2>&1 | tail -n 1)
		case $out in *"Failed to connect"* | *"not running"*) sleep 0.02 ;; *) break ;; esac
	done
	case $out in running | degraded) return 0 ;; *) echo "systemd said: $out" >&2; return 1 ;; esac
}

[ -x "$HAKO" ] || { echo "systemd bench: no hako at $HAKO"; exit 2; }
tar=$("$top/tests/helpers/debian-rootfs.sh" bookworm) || { echo "FAIL: no bookworm rootfs"; exit 1; }

"$HAKO" create "$HN" -t "tar:$tar" -P "$T/hako" >/dev/null 2>&1 || { echo "FAIL: hako create"; exit 1; }
lxc_note=
if ! command -v lxc-start >/dev/null; then lxc_note="LXC is not installed"
else
	mkdir -p "$T/lxc/$LN/rootfs" && tar -C "$T/lxc/$LN/rootfs" -xf "$tar" || lxc_note="cannot unpack the rootfs for LXC"
	cat >"$T/lxc/$LN/config" <<-EOF
		lxc.include = /usr/share/lxc/config/common.conf
		lxc.rootfs.path = dir:$T/lxc/$LN/rootfs
		lxc.uts.name = $LN
		lxc.net.0.type = empty
		lxc.apparmor.profile = unconfined
	EOF
fi

h_up=() h_down=() l_up=() l_down=()
for ((i = 0; i < RUNS; i++)); do
	t0=$(now)
	"$HAKO" start "$HN" -P "$T/hako" >/dev/null 2>&1 && booted "$HAKO" attach "$HN" -P "$T/hako" -- ||
		{ echo "FAIL: hako start -> running (run $i)"; status=1; break; }
	t1=$(now); h_up+=($((t1 - t0)))
	out=$("$HAKO" stop "$HN" -P "$T/hako" 2>&1) || { echo "FAIL: hako stop: $out"; status=1; break; }
	t2=$(now); h_down+=($((t2 - t1)))
	grep -q 'was killed' <<<"$out" && { echo "FAIL: hako stop needed a kill: $out"; status=1; }
	[ -n "$lxc_note" ] && continue
	t0=$(now)
	lxc-start -d -n "$LN" -P "$T/lxc" >"$T/lxc-start.log" 2>&1 && booted lxc-attach -n "$LN" -P "$T/lxc" -- ||
		{ lxc_note="lxc-start -> running failed: $(tail -n 1 "$T/lxc-start.log")"; lxc-stop -k -n "$LN" -P "$T/lxc" >/dev/null 2>&1; continue; }
	t1=$(now); l_up+=($((t1 - t0)))
	lxc-stop -n "$LN" -P "$T/lxc" >/dev/null 2>&1 || lxc_note="lxc-stop failed"
	t2=$(now); l_down+=($((t2 - t1)))
done

m_hu=$(median "${h_up[@]:-0}") m_hd=$(median "${h_down[@]:-0}")
m_lu=$(median "${l_up[@]:-0}") m_ld=$(median "${l_down[@]:-0}")
echo
printf '%-40s %10s %10s %8s %s\n' "Debian bookworm, median of $RUNS (ms)" hako lxc ratio target
printf '%-40s %10s %10s %8s %s\n' "start -> running" "$(ms "$m_hu" 0)" "$(ms "$m_lu" 0)" "$(ratio "$m_hu" "$m_lu")" "<= 0.80"
printf '%-40s %10s %10s %8s %s\n' "clean stop (halt signal, no kill)" "$(ms "$m_hd" 0)" "$(ms "$m_ld" 0)" "$(ratio "$m_hd" "$m_ld")" "<= 1.00"
[ -n "$lxc_note" ] && echo "note: LXC comparison incomplete: $lxc_note"
missed=()
r=$(ratio "$m_hu" "$m_lu"); [ "$r" != - ] && awk -v r="$r" 'BEGIN { exit !(r > 0.8) }' && missed+=("start->running ($r x LXC)")
r=$(ratio "$m_hd" "$m_ld"); [ "$r" != - ] && awk -v r="$r" 'BEGIN { exit !(r > 1.0) }' && missed+=("clean stop ($r x LXC)")
if [ ${#missed[@]} = 0 ]; then echo "all targets met"; else echo "targets missed: ${missed[*]}"; fi
exit $status
