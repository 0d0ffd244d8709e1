#!/usr/bin/env bash
# tests/security/seccomp.sh - the seccomp class: the default
# deny list holds for every ABI the kernel runs (native, i386 through int
# 0x80, x32), kexec_file_load and open_by_handle_at are denied, umount2
# with MNT_FORCE is rejected while a plain umount2 reaches the kernel, a
# nested runtime can still install a filter of its own, and the opt-in
# hako:strict profile adds Docker's kernel-surface denials (keyctl,
# add_key, io_uring, perf_event_open, userfaultfd, AF_ALG) that the
# default profile lets through.  The probe (tests/helpers/hkprobe) makes
# each call with arguments the kernel rejects, so EPERM (the filter) is
# told apart from the kernel's own answer.  Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin sc seccomp modes

seccomp_mode() {
	local m=$1 l=${HM_LABEL[$1]} out
	hm_create "$m" || { not_ok "$l: create"; return; }
	check "$l: start" hm "$m" start "$HM_N"
	check_output "$l: init runs under a filter" '^Seccomp:[[:space:]]+2$' hm_in "$m" cat /proc/1/status
	out=$(hm_in "$m" /hkprobe sys 2>&1)
	expect_kv "$l: kexec_file_load denied" "$out" kexec_file_load EPERM
	expect_kv "$l: open_by_handle_at denied" "$out" open_by_handle_at EPERM
	expect_kv "$l: umount2(MNT_FORCE) rejected" "$out" umount_force EPERM
	expect_kv "$l: a plain umount2 reaches the kernel (ENOENT)" "$out" umount_plain ENOENT
	if printf '%s\n' "$out" | grep -qx 'i386=unavailable'; then
		skip "$l: i386 ABI: int 0x80 is not available on this kernel"
	else
		expect_kv "$l: i386 ABI: umount2(MNT_FORCE) rejected" "$out" i386_umount_force EPERM
		expect_kv "$l: i386 ABI: plain umount reaches the kernel" "$out" i386_umount_plain ENOENT
		expect_kv "$l: i386 ABI: kexec_load denied" "$out" i386_kexec_load EPERM
	fi
	# ENOSYS: a kernel without x32 (CONFIG_X86_X32_ABI unset) refuses it anyway.
	expect_kv "$l: x32 ABI: umount2(MNT_FORCE) rejected" "$out" x32_umount_force 'EPERM|ENOSYS'
	out=$(hm_in "$m" /hkprobe nested 2>&1)
	expect_kv "$l: a nested filter can be installed" "$out" filter ok
	out=$(hm_in "$m" /hkprobe strict 2>&1)
	expect_kv "$l: default profile: keyctl allowed" "$out" keyctl ok
	expect_kv "$l: default profile: io_uring_setup reaches the kernel" "$out" io_uring_setup EFAULT
	check "$l: stop" hm "$m" stop -k "$HM_N"
	check "$l: start with lxc.seccomp.profile = hako:strict" \
		hm "$m" start "$HM_N" -s lxc.seccomp.profile=hako:strict
	out=$(hm_in "$m" /hkprobe strict 2>&1)
	local k
	for k in keyctl add_key io_uring_setup perf_event_open userfaultfd af_alg; do
		expect_kv "$l: strict profile: $k denied" "$out" "$k" EPERM
	done
	out=$(hm_in "$m" /hkprobe sys 2>&1)
	expect_kv "$l: strict profile keeps the default denials" "$out" umount_force EPERM
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes seccomp_mode
plan_end
