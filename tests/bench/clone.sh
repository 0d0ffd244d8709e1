#!/usr/bin/env bash
# tests/bench/clone.sh - clone time against rootfs size (2 MB, 200 MB,
# 1 GB of random 1 MB files on top of a busybox rootfs), each hako row
# side by side with Debian's lxc-copy in the same run, runs alternating
# (hako, lxc, hako, lxc ...) so that the load of a shared machine falls
# on both alike:
#   - overlay snapshot clone      vs `lxc-copy -s -B overlay`;
#   - full copy (dir)             vs a plain `lxc-copy` (rsync);
#   - full copy on a loop-mounted btrfs (`hako clone -B btrfs`: a
#     snapshot of the source's subvolume) vs `lxc-copy` of an LXC
#     container on the same btrfs.
# Medians of RUNS (11) for snapshot clones, of COPY_RUNS (3) for full
# copies.  Warm page cache; each run's undo (not timed) ends with a sync,
# so that no run pays for the writeback of the one before it (an earlier
# gigabyte written by rsync or removed made a btrfs snapshot's commit
# take 0.5 s instead of 15 ms).  Targets: overlay snapshot clone
# <= 0.5x lxc-copy -s at every size; full copy of 1 GB <= 0.4x lxc-copy;
# a btrfs reflink copy under 100 ms.  A missed target says by how much.
# Prints a table; fails only when an operation fails, never on timing.
# Needs root (loop mount, lxc); ~3-5 minutes.
set -uo pipefail
HAKO=${HAKO:-build/hako}
RUNS=${RUNS:-11}
COPY_RUNS=${COPY_RUNS:-3}
SIZES=${SIZES:-"2 200 1000"}
. "$(dirname "$0")/../lib.sh"
hk_begin bench-clone "clone bench" root
chmod 755 "$T"
P=$T/lxc      # hako's container path
L=$T/lxcpath  # LXC's
B=$T/btrfs    # a btrfs for hako's btrfs backend and LXC beside it
export HAKO_RUN_DIR=$T/run
status=0

cleanup() {
	local d l
	for l in "$L" "$B/lxcpath"; do
		[ -d "$l" ] || continue
		for d in "$l"/*/; do # clones before their sources
			[ -f "$d/config" ] && grep -q '^lxc.rootfs.path = overlay' "$d/config" &&
				lxc-destroy -n "$(basename "$d")" -P "$l" >/dev/null 2>&1
		done
		for d in "$l"/*/; do
			[ -f "$d/config" ] && lxc-destroy -n "$(basename "$d")" -P "$l" >/dev/null 2>&1
		done
	done
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
	sync
	echo $((t1 - t0))
}
# pair RUNS UNDO_A CMD_A UNDO_B CMD_B: RUNS alternating runs of the
# commands CMD_A and CMD_B (strings, eval'd), each followed by its undo
# (not timed); "MEDIAN_A MEDIAN_B" in ns.  An empty CMD_B is skipped.
pair() {
	local runs=$1 ua=$2 ca=$3 ub=$4 cb=$5 i a=() b=()
	for ((i = 0; i < runs; i++)); do
		UNDO=$ua
		a+=("$(time_once eval "$ca")")
		[ -n "$cb" ] || continue
		UNDO=$ub
		b+=("$(time_once eval "$cb")")
	done
	echo "$(med_or_fail "${a[@]}") $( ((${#b[@]})) && med_or_fail "${b[@]}")"
}
# med_or_fail NS...: the median, or -1 when any run failed.
med_or_fail() {
	case " $* " in *" -1 "*) echo -1 ;; *) printf '%s\n' "$@" | median ;; esac
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
	lxc_ok=0
	if [ $have_lxc = 1 ] && lxc-create -t busybox -n "l$s" -P "$L" >/dev/null 2>&1; then
		cp -al "$P/$s/rootfs/data" "$L/l$s/rootfs/data" && lxc_ok=1
	elif [ $have_lxc = 1 ]; then
		echo "bench clone: lxc-create -t busybox failed; no lxc column" >&2
	fi
	lc() { [ $lxc_ok = 1 ] && echo "$1"; }

	read -r "R[ovl,$mb]" "R[lxcs,$mb]" < <(pair "$RUNS" \
		"'$HAKO' destroy -q ocl -P '$P'" "'$HAKO' clone -s $s ocl -P '$P' -q" \
		"lxc-destroy -n lsnap -P '$L'" "$(lc "lxc-copy -n l$s -N lsnap -s -B overlay -P '$L'")")
	read -r "R[dir,$mb]" "R[lxc,$mb]" < <(pair "$COPY_RUNS" \
		"'$HAKO' destroy -q dcopy -P '$P'" "'$HAKO' clone $s dcopy -P '$P' -q" \
		"lxc-destroy -n lcopy -P '$L'" "$(lc "lxc-copy -n l$s -N lcopy -P '$L'")")
	[ $lxc_ok = 1 ] && lxc-destroy -n "l$s" -P "$L" >/dev/null 2>&1

	if [ $have_btrfs = 1 ]; then
		blxc=0
		"$HAKO" create "b$s" -t busybox -B btrfs -P "$B/lxc" -q &&
			cp -a "$P/$s/rootfs/data" "$B/lxc/b$s/rootfs/" && sync -f "$B" ||
			fail "btrfs source of $mb MB"
		if [ $have_lxc = 1 ] && lxc-create -t busybox -n "lb$s" -P "$B/lxcpath" >/dev/null 2>&1; then
			cp -a --reflink=always "$B/lxc/b$s/rootfs/data" "$B/lxcpath/lb$s/rootfs/data" && sync -f "$B" && blxc=1
		fi
		bl() { [ $blxc = 1 ] && echo "$1"; }
		read -r "R[btrfs,$mb]" "R[lxcb,$mb]" < <(pair "$COPY_RUNS" \
			"'$HAKO' destroy -q bcopy -P '$B/lxc'" "'$HAKO' clone b$s bcopy -B btrfs -P '$B/lxc' -q" \
			"lxc-destroy -n lbcopy -P '$B/lxcpath'" "$(bl "lxc-copy -n lb$s -N lbcopy -P '$B/lxcpath'")")
		"$HAKO" destroy -q "b$s" -P "$B/lxc"
		[ $blxc = 1 ] && lxc-destroy -n "lb$s" -P "$B/lxcpath" >/dev/null 2>&1
	fi
	"$HAKO" destroy -q "$s" -P "$P"
done

for v in "${R[@]}"; do [ "$v" = -1 ] && status=1; done # (time_once's fail ran in a subshell)
cell() { local v=${R[$1]:-}; [ -z "$v" ] && echo n/a || { [ "$v" = -1 ] && echo FAIL || ms "$v"; }; }
rcell() {
	local h=${R[$1]:-} l=${R[$2]:-}
	[ -n "$h" ] && [ -n "$l" ] && [ "$h" -gt 0 ] && [ "$l" -gt 0 ] &&
		awk -v h="$h" -v l="$l" 'BEGIN { printf "%.2fx", h / l }' || echo n/a
}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
printf '%-7s | %10s %12s %7s | %10s %12s %7s | %10s %12s %7s\n' "" "overlay -s" "lxc-copy -s" "ratio" \
	"full copy" "lxc-copy" "ratio" "btrfs copy" "lxc-copy" "ratio"
printf '%-7s | %10s %12s %7s | %10s %12s %7s | %10s %12s %7s\n' "size" "(ms)" "-B overlay" "" \
	"(ms, dir)" "(ms, rsync)" "" "(reflink)" "(on btrfs)" ""
for mb in $SIZES; do
	printf '%-7s | %10s %12s %7s | %10s %12s %7s | %10s %12s %7s\n' "${mb}MB" \
		"$(cell "ovl,$mb")" "$(cell "lxcs,$mb")" "$(rcell "ovl,$mb" "lxcs,$mb")" \
		"$(cell "dir,$mb")" "$(cell "lxc,$mb")" "$(rcell "dir,$mb" "lxc,$mb")" \
		"$(cell "btrfs,$mb")" "$(cell "lxcb,$mb")" "$(rcell "btrfs,$mb" "lxcb,$mb")"
done

# target LABEL HAKO_NS LXC_NS GOAL: the ratio against GOAL, and by how
# much a miss misses (never fails).
target() {
	local label=$1 h=${2:-} l=${3:-} goal=$4
	if [ -z "$h" ] || [ -z "$l" ] || [ "$h" -le 0 ] || [ "$l" -le 0 ]; then
		echo "target: $label: n/a"
		return
	fi
	awk -v h="$h" -v l="$l" -v t="$label" -v g="$goal" 'BEGIN {
		r = h / l; printf "target: %s: %.1f ms vs %.1f ms = %.2fx (goal <= %.2fx): ", t, h / 1e6, l / 1e6, r, g
		if (r <= g) print "met"
		else printf "MISSED by %.2fx (%.1f ms over the %.1f ms the goal allows)\n", r - g, (h - g * l) / 1e6, g * l / 1e6 }'
}
# target_ms LABEL HAKO_NS LIMIT_MS: an absolute goal.
target_ms() {
	local label=$1 h=${2:-} lim=$3
	if [ -z "$h" ] || [ "$h" -le 0 ]; then
		echo "target: $label: n/a"
		return
	fi
	awk -v h="$h" -v t="$label" -v g="$lim" 'BEGIN {
		printf "target: %s: %.1f ms (goal < %d ms): ", t, h / 1e6, g
		if (h / 1e6 < g) print "met"; else printf "MISSED by %.1f ms\n", h / 1e6 - g }'
}
last=${SIZES##* }
for mb in $SIZES; do
	target "overlay snapshot clone ${mb}MB vs lxc-copy -s -B overlay" "${R[ovl,$mb]:-}" "${R[lxcs,$mb]:-}" 0.5
done
target "full copy ${last}MB vs lxc-copy" "${R[dir,$last]:-}" "${R[lxc,$last]:-}" 0.4
target_ms "btrfs reflink copy ${last}MB" "${R[btrfs,$last]:-}" 100
exit $status
