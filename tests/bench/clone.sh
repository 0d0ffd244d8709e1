#!/usr/bin/env bash
# tests/bench/clone.sh - clone time against rootfs size (10 MB, 200 MB,
# 1 GB of random-ish 1 MB files on top of a busybox rootfs) for hako's dir
# copy, overlay snapshot clone and btrfs snapshot clone (on a loop-mounted
# btrfs the bench makes), side by side with Debian's lxc-copy on an LXC
# busybox container holding the same files: `lxc-copy -s -B overlay` and a
# plain `lxc-copy` (rsync).  Snapshot clones: the median of RUNS runs;
# full copies: one run for 1 GB, the median of 3 below.  Warm page cache.
# Targets: overlay snapshot clone <= 0.5x lxc-copy -s -B overlay; dir copy
# of 1 GB <= 0.5x lxc-copy.  Prints a table; fails only when an operation
# fails, never on timing.  Needs root (loop mount, lxc); ~1-2 minutes.
set -uo pipefail
HAKO=${HAKO:-build/hako}
RUNS=${RUNS:-5}
SIZES=${SIZES:-"10 200 1000"}
. "$(dirname "$0")/../lib.sh"
hk_begin bench-clone "clone bench" root
chmod 755 "$T"
P=$T/lxc      # hako's container path
L=$T/lxcpath  # LXC's
B=$T/btrfs    # a btrfs for hako's btrfs backend
export HAKO_RUN_DIR=$T/run
status=0

cleanup() {
	local d
	if [ -d "$L" ]; then
		for d in "$L"/*/; do # clones before their sources
			[ -f "$d/config" ] && grep -q '^lxc.rootfs.path = overlay' "$d/config" &&
				lxc-destroy -n "$(basename "$d")" -P "$L" >/dev/null 2>&1
		done
		for d in "$L"/*/; do
			[ -f "$d/config" ] && lxc-destroy -n "$(basename "$d")" -P "$L" >/dev/null 2>&1
		done
	fi
	umount -l "$B" 2>/dev/null
	rm -rf "$T"
}
hk_on_exit cleanup

# bash's own clock: `date +%s%N` would add a fork+exec (~10 ms here) to
# every measurement and flatten the ratios.
now() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t * 1000)); }
ms() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
fail() { echo "bench clone: $*" >&2; status=1; }

# time_ns SETUP_UNDO CMD...: wall time of CMD; then runs the undo command
# held in $UNDO (not timed).
UNDO=:
time_once() {
	local t0 t1
	t0=${EPOCHREALTIME/[.,]/}
	"$@" >/dev/null 2>"$T/err" || { fail "$* failed: $(head -3 "$T/err")"; echo -1; return; }
	t1=${EPOCHREALTIME/[.,]/}
	t0=$((10#$t0 * 1000)) t1=$((10#$t1 * 1000))
	eval "$UNDO" >/dev/null 2>&1
	echo $((t1 - t0))
}
time_median() {
	local runs=$1 i
	shift
	for ((i = 0; i < runs; i++)); do time_once "$@"; done | median
}

# fill DIR MB: MB files of 1 MB of random bytes in 10 directories.
fill() {
	local dir=$1 mb=$2 i
	mkdir -p "$dir"
	for ((i = 0; i < mb; i++)); do
		mkdir -p "$dir/d$((i % 10))"
		head -c 1M /dev/urandom >"$dir/d$((i % 10))/f$i"
	done
}

have_lxc=1
command -v lxc-copy >/dev/null && command -v lxc-create >/dev/null || have_lxc=0
have_btrfs=0
if command -v mkfs.btrfs >/dev/null && truncate -s 4G "$T/btrfs.img" &&
	mkfs.btrfs -q "$T/btrfs.img" >/dev/null 2>&1 && mkdir -p "$B" &&
	mount -o loop "$T/btrfs.img" "$B" 2>/dev/null; then
	have_btrfs=1
fi

declare -A R
for mb in $SIZES; do
	s=src$mb
	"$HAKO" create "$s" -t busybox -P "$P" -q || { fail "hako create $s"; continue; }
	fill "$P/$s/rootfs/data" "$mb"
	full_runs=3
	[ "$mb" -ge 1000 ] && full_runs=1

	UNDO="'$HAKO' destroy -q dcopy -P '$P'"
	R[dir,$mb]=$(time_median $full_runs "$HAKO" clone "$s" dcopy -P "$P" -q)
	UNDO="'$HAKO' destroy -q ocl -P '$P'"
	R[ovl,$mb]=$(time_median "$RUNS" "$HAKO" clone -s "$s" ocl -P "$P" -q)

	if [ $have_btrfs = 1 ]; then
		"$HAKO" create "b$s" -t busybox -B btrfs -P "$B/lxc" -q &&
			cp -a "$P/$s/rootfs/data" "$B/lxc/b$s/rootfs/" && sync -f "$B" ||
			fail "btrfs source of $mb MB"
		UNDO="'$HAKO' destroy -q bcl -P '$B/lxc'"
		R[btrfs,$mb]=$(time_median "$RUNS" "$HAKO" clone -s "b$s" bcl -P "$B/lxc" -q)
		"$HAKO" destroy -q "b$s" -P "$B/lxc"
	fi

	if [ $have_lxc = 1 ]; then
		if lxc-create -t busybox -n "l$s" -P "$L" >/dev/null 2>&1; then
			cp -al "$P/$s/rootfs/data" "$L/l$s/rootfs/data"
			UNDO="lxc-destroy -n lcopy -P '$L'"
			R[lxc,$mb]=$(time_median $full_runs lxc-copy -n "l$s" -N lcopy -P "$L")
			UNDO="lxc-destroy -n lsnap -P '$L'"
			R[lxcs,$mb]=$(time_median "$RUNS" lxc-copy -n "l$s" -N lsnap -s -B overlay -P "$L")
			lxc-destroy -n "l$s" -P "$L" >/dev/null 2>&1
		else
			echo "bench clone: lxc-create -t busybox failed; no lxc column" >&2
			have_lxc=0
		fi
	fi
	"$HAKO" destroy -q "$s" -P "$P"
done

cell() { local v=${R[$1]:-}; [ -z "$v" ] && echo n/a || { [ "$v" = -1 ] && echo FAIL || ms "$v"; }; }
printf '%-8s %12s %14s %12s %14s %20s\n' "size" "hako dir" "hako overlay" "hako btrfs" "lxc-copy" "lxc-copy -s overlay"
printf '%-8s %12s %14s %12s %14s %20s\n' "" "(ms)" "(ms, -s)" "(ms, -s)" "(ms, rsync)" "(ms)"
for mb in $SIZES; do
	printf '%-8s %12s %14s %12s %14s %20s\n' "${mb}MB" "$(cell "dir,$mb")" "$(cell "ovl,$mb")" \
		"$(cell "btrfs,$mb")" "$(cell "lxc,$mb")" "$(cell "lxcs,$mb")"
done

# target LABEL HAKO_NS LXC_NS: ratio and met/missed (never fails).
target() {
	local label=$1 h=${2:-} l=${3:-}
	if [ -z "$h" ] || [ -z "$l" ] || [ "$h" -le 0 ] || [ "$l" -le 0 ]; then
		echo "target: $label: n/a"
		return
	fi
	awk -v h="$h" -v l="$l" -v t="$label" 'BEGIN {
		r = h / l; printf "target: %s: %.1f ms vs %.1f ms = %.2fx (goal <= 0.50x): %s\n",
			t, h / 1e6, l / 1e6, r, (r <= 0.5 ? "met" : "MISSED") }'
}
last=${SIZES##* }
for mb in $SIZES; do
	target "overlay snapshot clone ${mb}MB vs lxc-copy -s -B overlay" "${R[ovl,$mb]:-}" "${R[lxcs,$mb]:-}"
done
target "dir copy ${last}MB vs lxc-copy" "${R[dir,$last]:-}" "${R[lxc,$last]:-}"
exit $status
