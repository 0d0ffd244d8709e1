#!/usr/bin/env bash
# tests/security/hako-exe.sh - the hako binary class (runc's
# CVE-2019-5736 and kin): container root runs tests/helpers/hkptrace,
# which watches for every new pid while the host attaches ATTACHES times
# (default 100; 30 with HK_NOOPENAT2=1, 12 with HK_GUEST=1) and, on each, opens
# /proc/PID/exe for writing, keeps an O_PATH to reopen for writing later,
# PTRACE_SEIZEs it and takes its descriptors with pidfd_getfd.  Nothing
# may be writable and no descriptor may name a file outside the
# container; the host binary is unchanged (sha256).  The probe must catch
# attaching processes while they are still hako (before their exec),
# else the run proves nothing.
# A privileged container's root holds CAP_SYS_PTRACE over the host and
# can trace an attaching process before its exec: there the process must
# already be confined (capabilities cut to the container's, seccomp on),
# and what descriptors it got is reported (see hako(7)).  What enters the
# container's pid namespace is hako's sealed stub (a memfd exec'd in the
# container's user namespace, so that namespace's root may trace it): no
# process running hako's own binary may be traceable, and the stub's exe
# must refuse a write.  tests/security/host-exe.sh runs the attack itself.
# Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin ex hako-exe modes
TRACER=$HK_TOP/build/tests/helpers/hkptrace
ATTACHES=${HAKO_EXE_ATTACHES:-100}
# Fewer where the point is elsewhere: the no-openat2 pass (the attach path
# does not resolve rootfs paths) and the guest lane (the host's layout:
# each of the three kinds of attach four times; the race itself is the
# native run's, where the probe is not starved of CPU by TCG).
[ "${HK_NOOPENAT2:-0}" = 1 ] && ATTACHES=${HAKO_EXE_ATTACHES:-30}
[ "${HK_GUEST:-0}" = 1 ] && ATTACHES=${HAKO_EXE_ATTACHES:-12}
BIN=$(readlink -f "$HAKO")
SUM=$(sha256sum "$BIN" | cut -d' ' -f1)

ex_mode() {
	local m=$1 l=${HM_LABEL[$1]} r out i caught t0
	hm_create "$m" || { not_ok "$l: create"; return; }
	r=$(hm_rootfs "$m")
	install -m 755 "$TRACER" "$r/hkptrace"
	check "$l: start" hm "$m" start "$HM_N"
	hm_in "$m" sh -c '/hkptrace 300 /hkstop /hkptrace.out </dev/null >/dev/null 2>&1 &'
	for i in $(seq 50); do grep -q ready "$r/hkptrace.out" 2>/dev/null && break; sleep 0.1; done
	t0=$SECONDS
	for i in $(seq "$ATTACHES"); do
		case $((i % 3)) in
		0) hm_in "$m" true ;;
		1) hm "$m" attach "$HM_N" -u 1 -- true ;;
		2) hm "$m" attach "$HM_N" -- sh -c 'exit 0' ;;
		esac >/dev/null 2>&1
	done
	touch "$r/hkstop"
	for i in $(seq 100); do grep -q '^new=' "$r/hkptrace.out" 2>/dev/null && break; sleep 0.1; done
	out=$(cat "$r/hkptrace.out" 2>&1)
	diag "$l: $ATTACHES attaches in $((SECONDS - t0)) s; $(grep '^new=' <<<"$out")"
	caught=$(sed -n 's/.*caught_hako=\([0-9]*\).*/\1/p' <<<"$out")
	grep -q '^new=' <<<"$out" || { not_ok "$l: the probe did not finish: $out"; return; }
	grep -q '^exe_write' <<<"$out" && not_ok "$l: /proc/PID/exe of an attaching process opened for writing: $(grep '^exe_write' <<<"$out" | head -3)" \
		|| ok "$l: /proc/PID/exe of no attaching process opens for writing"
	grep -q '^exe_reopen_write' <<<"$out" && not_ok "$l: an O_PATH of a caught exe reopened for writing" \
		|| ok "$l: no O_PATH of /proc/PID/exe kept from a caught process reopens for writing"
	grep -qE '^(more_caps|no_seccomp)' <<<"$out" \
		&& not_ok "$l: a process traced before its exec held more than the container's root: $(grep -E '^(more_caps|no_seccomp)' <<<"$out" | head -3 | tr '\n' ' ')" \
		|| ok "$l: any process traced before its exec held no capability beyond the container root's, and its seccomp filter"
	if [ "$m" = rp ]; then
		diag "$l: a privileged root (CAP_SYS_PTRACE over the host) seized $(sed -n 's/.*seized_hako=\([0-9]*\).*/\1/p' <<<"$out") attaching processes before their exec, taking $(grep -c '^host_fd' <<<"$out") host descriptors (see hako(7))"
	else
		grep -q '^host_fd' <<<"$out" && not_ok "$l: host descriptors taken: $(grep '^host_fd' <<<"$out" | sort -u | head -5 | tr '\n' ' ')" \
			|| ok "$l: ptrace and pidfd_getfd on every new pid got no host descriptor"
		grep -q '^seized_hako' <<<"$out" && not_ok "$l: hako's own binary traced before its exec: $(grep '^seized_hako' <<<"$out" | head -3 | tr '\n' ' ')" \
			|| ok "$l: no process running hako's binary could be traced (what was traced, $(grep -c '^seized_stub' <<<"$out"), was the sealed stub)"
	fi
	[ "${caught:-0}" -gt 0 ] && ok "$l: the probe caught $caught attaching processes before their exec" \
		|| skip "$l: the probe caught no attaching process before its exec (timing), the checks above saw only exec'd ones"
	check_sum "$l: the hako binary is unchanged" "$BIN" "$SUM"
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
if [ ! -x "$TRACER" ]; then skip "hako-exe: build first (make test-build)"; plan_end; exit; fi
for_modes ex_mode
plan_end
