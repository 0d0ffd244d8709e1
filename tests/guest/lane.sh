#!/usr/bin/env bash
# tests/guest/lane.sh - the guest lane: hako on the hosts people run,
# which this machine is not (hybrid cgroups, no systemd).  Each guest
# boots Debian's own kernel, taken from its package (never installed
# here), under QEMU with TCG (there is no KVM):
#   busybox-v2  a busybox initramfs with cgroup2 only and no systemd;
#               runs tests/guest/busybox-v2.sh with build/hako-static.
#   systemd     Debian bookworm with systemd as PID 1, logind and dbus
#               (tests/guest/image.sh builds it once and caches it); runs
#               tests/integration/*.sh, tests/security/*.sh (but those
#               marked "# guest-lane: skip - WHY"), tests/tui/dashboard-tick.sh
#               (the dashboard's reads of cgroup v2 usage and of
#               addresses, under systemd) and tests/guest/sessions.sh
#               from this checkout, which a second
#               disk brings in at the same path as here (build/config/
#               nesting.conf names build/hako-static by its absolute path).
#
#   tests/guest/lane.sh GUEST OUTDIR
#
# `tests/run guest` runs both guests this way (as do `tests/run all` and
# make check); run alone, the output is for tests/run to read:
#   guest: ...                                  progress, phase times
#   ##hako-guest## phase NAME SECONDS           one phase's wall time (kernel,
#                                               initramfs, image-build, disks, run[-SHARD])
#   ##hako-guest## ready                        nothing more is built or mounted on
#                                               the host: the guests boot
#   ##hako-guest## result NAME RC SECONDS FILE  FILE holds one script's TAP
# Anything that goes wrong (no mirror, no image, no boot, a hung guest)
# is such a result with a "not ok" in it, never silence.  The guest's
# TAP comes back on a serial port of its own (ttyS1); kernel and systemd
# messages go to the console port (ttyS0) and into a log.
#
# Knobs (environment):
#   HK_GUESTS="busybox-v2 systemd"  which guests tests/run guest boots
#   HK_GUEST_SCRIPTS="integration/clone guest/sessions"  only these in the systemd guest
#   HK_GUEST_KEEP=1          keep the run directory (console log, results port,
#                            disk overlay); its path is printed
#   HK_GUEST_REBUILD=1       rebuild the systemd image, debootstrap included
#   HK_GUEST_SHARDS=N        systemd guests booted side by side, the scripts
#                            shared out between them (default 3; see shards())
#   HK_GUEST_TIMEOUT=S       one systemd guest's whole run (default 4500: a slow
#                            machine's lane took 3,300 s; CI's limit is 5,400)
#   HK_GUEST_BUSYBOX_TIMEOUT=S  the busybox guest's whole run (default 300)
#   HK_GUEST_SCRIPT_TIMEOUT=S  one script inside a guest (default 1800: under make
#                            check the native suites share the CPUs with the guests)
#   HK_GUEST_BUILD_TIMEOUT=S   building the systemd image (default 1200)
#   HK_GUEST_LOCK_TIMEOUT=S    waiting for another lane's build (default 1800)
#   HK_GUEST_CACHE=DIR       kernel and images (default /var/cache/hako-guest)
#   HK_GUEST_MEM=3G HK_GUEST_SMP=1  each guest's memory and CPUs (see shards())
#   HK_GUEST_APPEND="..."    more kernel command line for both guests
#   HK_GUEST_NICE=N          qemu's nice value (default 5; see boot())
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/host.lib"

guest=${1:?usage: lane.sh busybox-v2|systemd OUTDIR}
out=${2:?usage: lane.sh busybox-v2|systemd OUTDIR}
MEM=${HK_GUEST_MEM:-3G}
SMP=${HK_GUEST_SMP:-1}
SCRIPT_TIMEOUT=${HK_GUEST_SCRIPT_TIMEOUT:-1800}
SHARDS=${HK_GUEST_SHARDS:-3}
# RUN: this run's directory (a shard's own below it); SHARD: "" or "-N",
# in the names of a shard's results and files.
RUN='' SHARD='' QPID='' nres=0

cleanup() {
	local j
	for j in $(jobs -p); do kill "$j" 2>/dev/null; done
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	wait
	[ -n "$RUN" ] || return 0
	if [ -n "${HK_GUEST_KEEP:-}" ]; then echo "guest: $guest: kept $RUN (console.log, results.log)"
	else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

phase() { echo "##hako-guest## phase $1 $2"; }
# ready: the host-side work that mounts (debootstrap, images, tarballs) is
# done and the guests boot: tests/run may run the native suites meanwhile.
ready() { echo "##hako-guest## ready"; }
# result NAME RC SECONDS FILE: one script's output, for tests/run, named
# GUEST/NAME; the guest's own scripts (tests/guest/) without "guest/",
# and the one named like the guest as just GUEST.
result() {
	local n=${1#guest/}
	nres=$((nres + 1))
	[ "$n" = "$guest" ] && n='' || n=/$n
	echo "##hako-guest## result $guest$n $2 $3 $4"
}
# tap_not_ok FILE MESSAGE: a "not ok" numbered after FILE's last test.
tap_not_ok() {
	echo "not ok $(($(grep -cE '^(not )?ok [0-9]+' "$1") + 1)) - $2" >>"$1"
}
# fail NAME MESSAGE [LOG...]: a step of the lane failed; the message and
# the end of each log become that step's "not ok".
fail() {
	local name=$1 msg=$2 f log; shift 2
	nres=$((nres + 1)); f=$out/$guest$SHARD.$nres.tap
	{
		echo "not ok 1 - $msg"
		for log in "$@"; do
			[ -s "$log" ] || continue
			echo "#   --- the end of $(basename "$log"):"
			tail -n 25 "$log" | tr -d '\r' | sed 's/^/#   /'
		done
	} >"$f"
	result "$name" 1 0 "$f"
}

# prepare: what every guest needs on this host.
prepare() {
	local tool
	if [ "$(id -u)" != 0 ]; then
		echo "ok 1 # SKIP the guest lane needs root (debootstrap, the cache in $HG_CACHE)" >"$out/skip.tap"
		result lane 0 0 "$out/skip.tap"
		return 1
	fi
	for tool in qemu-system-x86_64 qemu-img debootstrap mkfs.ext4 depmod; do
		command -v "$tool" >/dev/null || { fail lane "no $tool on this host: run make deps"; return 1; }
	done
	RUN=$(mktemp -d /var/tmp/hako-guest.XXXXXX)
	chmod 755 "$RUN"
}

# kernel: Debian's kernel, from the cache or downloaded now.
kernel() {
	local t0=$SECONDS
	{ hg_lock && hg_kernel; } 2>"$RUN/kernel.log" || { fail kernel "no guest kernel: $(tail -n 1 "$RUN/kernel.log")"; return 1; }
	phase kernel $((SECONDS - t0))
}
unlock() { [ -n "${HG_LOCK_FD:-}" ] && exec {HG_LOCK_FD}>&-; HG_LOCK_FD=; }

# boot TIMEOUT QEMU-ARGS...: starts the guest in the background (QPID):
# the console into console.log, the results port into results.log.
# qemu runs at nice HK_GUEST_NICE (default 5): beside make check's native
# suites (one script at a time, about one CPU) the three TCG guests would
# otherwise take most of both CPUs and the native lane, the longer one,
# would wait; niced, the guests still get what the native lane leaves
# (at least a CPU between them) and all of it once it is done.
boot() {
	local t=$1; shift
	: >"$RUN/results.log"
	nice -n "${HK_GUEST_NICE:-5}" timeout -k 5 "$t" qemu-system-x86_64 -nodefaults -accel tcg,thread=multi -cpu max \
		-smp "$SMP" -m "$MEM" -display none -no-reboot \
		-kernel "$HG_KROOT/boot/vmlinuz-$HG_KVER" \
		-chardev file,id=console,path="$RUN/console.log" -serial chardev:console \
		-chardev file,id=results,path="$RUN/results.log",append=on -serial chardev:results \
		"$@" </dev/null >"$RUN/qemu.log" 2>&1 &
	QPID=$!
	BOOT_TIMEOUT=$t
}

# follow SCRIPT...: reads the results port while the guest writes it,
# until qemu ends; hands each script's output to tests/run at its end
# marker (and its time to $RUN/durations); then reports, with the
# reason, every script that did not end.  A guest that reboots for a
# script ("reboot NAME", in-guest.sh) is booted again with the same
# disks (REBOOT_ARGS: boot's arguments) and followed on.
follow() {
	local line name='' file='' hello='' done='' rc secs qrc why s t0=$SECONDS seen=0 reboot='' reboots=0
	local -A ended=()
	while :; do
		while IFS= read -r line; do
			seen=$((seen + 1))
			line=${line%$'\r'}
			case $line in
			'##hako-guest## hello '*)
				hello=${line#*hello }
				echo "ok 1 - the $guest guest booted: $hello" >"$out/$guest$SHARD.boot.tap"
				result "boot$SHARD" 0 $((SECONDS - t0)) "$out/$guest$SHARD.boot.tap" ;;
			'##hako-guest## reboot '*) reboot=${line#*reboot } ;;
			'##hako-guest## rebooted '*) reboot='' ;;
			'##hako-guest## begin '*)
				name=${line#*begin }; nres=$((nres + 1)); file=$out/$guest$SHARD.$nres.tap; : >"$file" ;;
			'##hako-guest## end '*)
				rc=${line##*rc=}; rc=${rc%% *}; secs=${line##*secs=}
				if [ "$rc" = 124 ]; then tap_not_ok "$file" "$name did not end within $SCRIPT_TIMEOUT s (HK_GUEST_SCRIPT_TIMEOUT)"
				else echo "$name $secs" >>"$RUN/durations"; fi
				result "$name" "$rc" "$secs" "$file"
				ended[$name]=1; name='' ;;
			'##hako-guest## done '*) done=1 ;;
			*) [ -n "$name" ] && printf '%s\n' "$line" >>"$file" ;;
			esac
		done < <(tail -n +$((seen + 1)) -F --pid="$QPID" "$RUN/results.log" 2>/dev/null)
		[ -n "$reboot" ] && [ -z "$done" ] && [ "${#REBOOT_ARGS[@]}" -gt 0 ] || break
		# the guest rebooted on purpose (-no-reboot ended qemu): again
		wait "$QPID"
		echo "guest: $guest$SHARD rebooted for $reboot"
		cp "$RUN/console.log" "$RUN/console.before-$((++reboots)).log" 2>/dev/null
		boot "${REBOOT_ARGS[@]}"
		reboot='' seen=0
	done
	[ -n "$reboot" ] && [ -z "$done" ] && fail "$reboot+reboot" "$reboot asked for a reboot, but the $guest guest did not come back"
	wait "$QPID"; qrc=$?; QPID=''
	phase "run$SHARD" $((SECONDS - t0))
	[ -n "$done" ] && return 0
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then why="did not finish within $BOOT_TIMEOUT s and was killed"
	elif [ -z "$hello" ]; then why="did not boot (qemu exit status $qrc)"
	else why="stopped before the end (qemu exit status $qrc)"; fi
	[ -n "$hello" ] || fail "boot$SHARD" "the $guest guest $why" "$RUN/qemu.log" "$RUN/console.log"
	if [ -n "$name" ]; then
		tap_not_ok "$file" "$name was cut off: the $guest guest $why"
		tail -n 15 "$RUN/console.log" | tr -d '\r' | sed 's/^/#   console: /' >>"$file"
		result "$name" "$qrc" 0 "$file"
		ended[$name]=1
	fi
	for s in "$@"; do
		[ -n "${ended[$s]:-}" ] || fail "$s" "$s did not run: the $guest guest $why"
	done
}

# ---- busybox-v2: a busybox initramfs, cgroup2 only, no systemd ----

# busybox_root DIR: the initramfs: busybox, bash (for tests/lib.sh),
# setpriv, env and getent for as_user (busybox's env would run its own
# setpriv applet, which lacks --reuid), setuid newuidmap/newgidmap, hako-static, overlay,
# btrfs, veth, bridge and loop with a depmod index for the kernel's
# on-demand loading, the test files at this checkout's path, a test user.
busybox_root() {
	local r=$1 b f
	hg_skeleton "$r" || return 1
	for b in /bin/bash /usr/bin/setpriv /usr/bin/env /usr/bin/getent /usr/bin/newuidmap /usr/bin/newgidmap; do
		hg_copy_bin "$b" "$r" || return 1
	done
	chmod u+s "$r/usr/bin/newuidmap" "$r/usr/bin/newgidmap"
	mkdir -p "$r/usr/local/bin" && cp "$top/build/hako-static" "$r/usr/local/bin/hako" || return 1
	hg_copy_modules "$r" overlay btrfs veth bridge loop || return 1
	# The kernel's request_module runs /sbin/modprobe (its
	# /proc/sys/kernel/modprobe), as on a distribution host; busybox's
	# own reads the depmod index.
	ln -sf /bin/busybox "$r/sbin/modprobe" || return 1
	for f in tests/lib.sh tests/lib tests/guest/in-guest.sh tests/guest/busybox-v2.sh; do
		mkdir -p "$r$top/$(dirname "$f")" && cp -r "$top/$f" "$r$top/$f" || return 1
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nhkguest:x:1000:1000:hkguest:/home/hkguest:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\nhkguest:x:1000:\n' >"$r/etc/group"
	printf 'root:*:19000:0:99999:7:::\nhkguest:*:19000:0:99999:7:::\n' >"$r/etc/shadow"
	chmod 640 "$r/etc/shadow"
	: >"$r/etc/subuid" && : >"$r/etc/subgid"
	mkdir -p "$r/home/hkguest" && chown 1000:1000 "$r/home/hkguest"
	mkdir -p "$r/hako-guest"
	cat >"$r/hako-guest/job.env" <<-EOF
		HK_GUEST_TOP=$top
		HK_GUEST_SCRIPTS=guest/busybox-v2
		HK_GUEST_SCRIPT_TIMEOUT=$SCRIPT_TIMEOUT
		HK_GUEST_RESULTS=/dev/ttyS1
		HAKO=/usr/local/bin/hako
		HK_TEST_USER=hkguest
	EOF
	cp "$here/busybox-v2.init" "$r/init" && chmod 755 "$r/init"
}

busybox_v2() {
	local t0
	[ -x "$top/build/hako-static" ] || { fail lane "no build/hako-static: run make test-build"; return; }
	kernel || return
	unlock
	t0=$SECONDS
	busybox_root "$RUN/root" >"$RUN/initramfs.log" 2>&1 && hg_cpio "$RUN/root" "$RUN/initrd.gz" ||
		{ fail initramfs "cannot make the busybox-v2 initramfs" "$RUN/initramfs.log"; return; }
	rm -rf "$RUN/root"
	phase initramfs $((SECONDS - t0))
	ready
	REBOOT_ARGS=()
	boot "${HK_GUEST_BUSYBOX_TIMEOUT:-300}" -initrd "$RUN/initrd.gz" -append "console=ttyS0 quiet panic=-1 ${HK_GUEST_APPEND:-}"
	follow guest/busybox-v2
}

# ---- systemd: Debian bookworm, systemd as PID 1 ----

# image: sets IMG to the cached systemd image for this recipe and kernel,
# built now when missing.
image() {
	local key tmp t0=$SECONDS
	key=$(cat "$here/image.sh" "$here/host.lib" "$here/systemd.packages" | { cat; echo "$HG_KROOT"; } |
		sha256sum | cut -c1-16)
	IMG=$HG_CACHE/systemd-$key
	[ -d "$IMG" ] && [ -z "${HK_GUEST_REBUILD:-}" ] && return 0
	tmp=$(hg_fresh_dir "$HG_CACHE") || return 1
	echo "guest: building the systemd image (cache key $key)"
	if ! timeout "${HK_GUEST_BUILD_TIMEOUT:-1200}" "$here/image.sh" "$tmp" >"$RUN/image.log" 2>&1; then
		grep '^guest:' "$RUN/image.log"
		fail image "cannot build the systemd image: $(tail -n 1 "$RUN/image.log")" "$RUN/image.log"
		rm -rf "$tmp"
		return 1
	fi
	grep '^guest:' "$RUN/image.log"
	hg_publish "$tmp" "$IMG" "$HG_CACHE/systemd-"
	phase image-build $((SECONDS - t0))
}

# scripts: what the systemd guest runs, as tests/NAME.sh names.
scripts() {
	local f
	if [ -n "${HK_GUEST_SCRIPTS:-}" ]; then printf '%s\n' $HK_GUEST_SCRIPTS; return; fi
	for f in "$top"/tests/integration/*.sh "$top"/tests/security/*.sh "$top"/tests/tui/dashboard-tick.sh \
		"$top"/tests/guest/sessions.sh "$top"/tests/guest/reboot-autostart.sh; do
		grep -q '^# guest-lane: skip' "$f" && continue
		f=${f#"$top/tests/"}; echo "${f%.sh}"
	done
}
# not_in_guest: the scripts that say "# guest-lane: skip - WHY" (what
# they test does not depend on the host: a parser, a text filter, the
# command line), one "guest: ..." line each, so the lane says what it
# leaves out.
not_in_guest() {
	local f
	for f in "$top"/tests/integration/*.sh "$top"/tests/security/*.sh; do
		grep -m1 '^# guest-lane: skip' "$f" | sed "s|^# guest-lane: skip *-* *|guest: not in the guest: ${f#"$top/tests/"}: |"
	done
}

# shards N: "SHARD SCRIPT" lines that share the scripts (stdin) out among
# N guests.  Under TCG a guest's CPU is a host thread, and the scripts run
# one at a time: one CPU per guest and more guests than host cores keeps
# the cores busy.  Measured on 2 cores, the same 8 scripts (~550 s of
# them): two guests with 2 CPUs each 453 s, two with 1 CPU 328 s, three
# with 1 CPU 264 s (each run beside other work on the machine).
# Longest first to the least loaded guest, by the times of earlier runs
# ($HG_CACHE/durations, else durations.seed; a script never timed counts
# 60 s).
shards() {
	{ grep -v '^#' "$here/durations.seed"; cat "$HG_CACHE/durations" 2>/dev/null; echo --; cat; } |
		awk '$0 == "--" { s = 1; next } !s { d[$1] = $2; next } { print (($1 in d) ? d[$1] : 60), $1 }' |
		sort -k1,1nr -k2 |
		awk -v n="$1" '{ b = 1; for (i = 2; i <= n; i++) if (load[i] < load[b]) b = i; load[b] += $1; print b, $2 }' |
		sort -k1,1n -k2
}

# remember_durations: this run's script times into $HG_CACHE/durations.
remember_durations() {
	local new
	new=$(cat "$RUN"/*/durations 2>/dev/null) || return 0
	{ cat "$HG_CACHE/durations" 2>/dev/null; echo "$new"; } |
		awk 'NF == 2 { d[$1] = $2 } END { for (k in d) print k, d[k] }' | sort >"$HG_CACHE/durations.new" &&
		mv "$HG_CACHE/durations.new" "$HG_CACHE/durations"
}

# checkout_tar TAR: this checkout (without .git and object files) at its
# path here, for the job disk.
checkout_tar() {
	local rel=${top#/}
	tar -cf "$1" -C / --exclude-vcs --exclude="$rel/build/asan" --exclude="$rel/build/fuzz" \
		--exclude="$rel/build/*.o" --exclude="$rel/build/*.d" "$rel" "${DEBIAN_TARS[@]}"
}

# debian_tars: the Debian rootfs tarballs of the systemd container tests
# (tests/helpers/debian-rootfs.sh, cached here, built once when missing),
# into DEBIAN_TARS as paths from /: the guest has no network, so the job
# disk brings them, at the same place, where the helper finds them again.
DEBIAN_TARS=()
debian_tars() {
	local s t t0=$SECONDS
	for s in bookworm trixie; do
		t=$("$top/tests/helpers/debian-rootfs.sh" "$s" 2>>"$RUN/debian.log") && DEBIAN_TARS+=("${t#/}")
	done
	phase debian-rootfs $((SECONDS - t0))
}

# shard_disks SCRIPT...: $RUN's disks: an overlay of the base image (the
# base stays pristine) and the job disk, the checkout with
# /hako-guest/job.env appended.
shard_disks() {
	mkdir -p "$RUN/hako-guest" &&
		cat >"$RUN/hako-guest/job.env" <<-EOF &&
			HK_GUEST_TOP=$top
			HK_GUEST_SCRIPTS="$*"
			HK_GUEST_SCRIPT_TIMEOUT=$SCRIPT_TIMEOUT
			HK_GUEST_RESULTS=/dev/ttyS1
		EOF
		cp "$RUN/../checkout.tar" "$RUN/job.tar" && tar -rf "$RUN/job.tar" -C "$RUN" hako-guest &&
		qemu-img create -q -f qcow2 -b "$IMG/base.img" -F raw "$RUN/disk.qcow2"
}

# shard N SCRIPT...: one systemd guest, in $RUN/N, running SCRIPT...
shard() {
	local n=$1; shift
	RUN=$RUN/$n
	[ "$SHARDS" -gt 1 ] && SHARD=-$n
	mkdir -p "$RUN" && shard_disks "$@" 2>"$RUN/disks.log" ||
		{ fail "disks$SHARD" "cannot make the guest's disks" "$RUN/disks.log"; return; }
	trap '[ -n "$QPID" ] && kill "$QPID"; exit 143' TERM
	REBOOT_ARGS=("${HK_GUEST_TIMEOUT:-4500}" -initrd "$IMG/initrd.gz"
		-drive file="$RUN/disk.qcow2",format=qcow2,if=virtio,cache=unsafe
		-drive file="$RUN/job.tar",format=raw,if=none,id=job,readonly=on
		-device virtio-blk-pci,drive=job,serial=hako-job
		-append "console=ttyS0 quiet panic=-1 systemd.unit=hako-guest.target ${HK_GUEST_APPEND:-}")
	boot "${REBOOT_ARGS[@]}"
	follow "$@"
}

systemd_guest() {
	local t0 plan n
	[ -x "$top/build/hako" ] || { fail lane "no build/hako: run make test-build"; return; }
	kernel || return
	image || return
	unlock
	t0=$SECONDS
	plan=$(scripts | shards "$SHARDS")
	[ -n "${HK_GUEST_SCRIPTS:-}" ] || not_in_guest
	debian_tars
	checkout_tar "$RUN/checkout.tar" 2>"$RUN/tar.log" || { fail disks "cannot tar the checkout" "$RUN/tar.log"; return; }
	phase disks $((SECONDS - t0))
	ready
	for n in $(awk '{ print $1 }' <<<"$plan" | sort -un); do
		# shellcheck disable=SC2046
		(shard "$n" $(awk -v n="$n" '$1 == n { print $2 }' <<<"$plan")) &
	done
	wait
	remember_durations
}

mkdir -p "$out"
prepare || exit 0
case $guest in
busybox-v2) busybox_v2 ;;
systemd) systemd_guest ;;
*) echo "lane.sh: unknown guest '$guest' (busybox-v2 or systemd)" >&2; exit 2 ;;
esac
exit 0
