#!/usr/bin/env bash
# tests/security/host-exe.sh - the host binary out of reach:
# the container sets root's login shell to a symlink to
# /proc/self/exe, and the host runs `hako attach NAME` (no command, on a
# pty, as an admin would) with a copy of hako (so that no other process
# running hako keeps the file "Text file busy").  Inside,
# tests/helpers/hkexegrab watches every new pid: it keeps an O_PATH of any
# exe that is that copy, kills the process, reopens the O_PATH for writing
# once nothing runs the copy and overwrites 16 bytes; every other exe and
# every /proc/PID/map_files entry (the route to hako's shared libraries,
# libc, open to a privileged root: CAP_SYS_ADMIN over the host) that is not
# a file of the container must refuse to open for writing (never written);
# a memfd (hako's sealed stub) must refuse a write of its own first byte.
# Proves: the copy's sha256 is unchanged; no exe and no mapped file of the
# host opens for writing; in the privileged mode no process the container
# could see mapped any file of the host at all; the attach ran (the probe
# saw its processes).  Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin hx host-exe modes
GRAB=$HK_TOP/build/tests/helpers/hkexegrab
# One attach in the guest lane (HK_GUEST), which is there for the host's
# layout; the repeated race runs natively.
ATTACKS=${HOST_EXE_ATTACKS:-3}
[ -n "${HK_GUEST:-}" ] && ATTACKS=${HOST_EXE_ATTACKS:-1}

# as the mode's caller
hx_as() { local m=$1; shift; if hm_user "$m"; then as_user "$@"; else "$@"; fi; }

hx_mode() {
	local m=$1 l=${HM_LABEL[$1]} r copy sum out i dev ino
	hm_create "$m" || { not_ok "$l: create"; return; }
	r=$(hm_rootfs "$m")
	install -m 755 "$GRAB" "$r/hkexegrab"
	ln -sf /proc/self/exe "$r/bin/hkshell"
	sed -i 's|^\(root:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*\):.*$|\1:/bin/hkshell|' "$r/etc/passwd"
	grep -q '^root:.*:/bin/hkshell$' "$r/etc/passwd" || { not_ok "$l: cannot set root's login shell"; return; }
	# The admin's copy of hako, the caller's own file.
	copy=$(hm_path "$m")/hako-copy
	install -m 755 "$(readlink -f "$HAKO")" "$copy"
	hm_user "$m" && chown "$HK_TEST_USER:" "$copy"
	sum=$(sha256sum "$copy" | cut -d' ' -f1)
	dev=$(stat -c %d "$copy") ino=$(stat -c %i "$copy")
	check "$l: start" hm "$m" start "$HM_N"
	hm_in "$m" sh -c "/hkexegrab 120 /hkstop /hkexegrab.out $dev $ino </dev/null >/dev/null 2>&1 &"
	for i in $(seq 100); do grep -q ready "$r/hkexegrab.out" 2>/dev/null && break; sleep 0.1; done
	grep -q ready "$r/hkexegrab.out" 2>/dev/null || { not_ok "$l: the probe did not start"; return; }
	for i in $(seq "$ATTACKS"); do
		hx_as "$m" timeout 20 script -qec "$copy attach -P $(hm_path "$m") $HM_N" /dev/null </dev/null >/dev/null 2>&1
	done
	touch "$r/hkstop"
	for i in $(seq 300); do grep -q '^new=' "$r/hkexegrab.out" 2>/dev/null && break; sleep 0.1; done
	out=$(cat "$r/hkexegrab.out" 2>&1)
	diag "$l: $(grep '^new=' <<<"$out")"
	grep -q '^new=' <<<"$out" || { not_ok "$l: the probe did not finish: $out"; return; }
	check_sum "$l: the copy of hako the attach ran is unchanged (sha256)" "$copy" "$sum"
	grep -E '^(caught_target|target_)' <<<"$out" | head -3 | sed 's/^/# /'
	grep -qE '^(target_written|host_exe_writable|memfd_written)' <<<"$out" \
		&& not_ok "$l: an exe from outside the container written or opened for writing: $(grep -E '^(target_written|host_exe_writable|memfd_written)' <<<"$out" | head -3 | tr '\n' ' ')" \
		|| ok "$l: no exe from outside the container could be written"
	grep -q '^map_writable' <<<"$out" \
		&& not_ok "$l: a host file mapped by an attaching process opened for writing through map_files: $(grep '^map_writable' <<<"$out" | sort -u | head -3 | tr '\n' ' ')" \
		|| ok "$l: no host file opened for writing through /proc/PID/map_files"
	[ "$m" = rp ] && { grep -q ' map_host=0 ' <<<"$out" && ok "$l: no process the container could see mapped a file of the host" \
		|| not_ok "$l: host files mapped by processes the container sees: $(grep '^map_host' <<<"$out" | sed 's/.*-> //' | sort -u | head -4 | tr '\n' ' ')"; }
	grep -qE ' (caught_target|memfd)=[1-9]' <<<"$out" && ok "$l: the probe saw the attach's processes" \
		|| skip "$l: the probe saw no attach process (timing); the checks above prove less"
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
if [ ! -x "$GRAB" ]; then skip "host-exe: build first (make test-build)"; plan_end; exit; fi
for_modes hx_mode
plan_end
