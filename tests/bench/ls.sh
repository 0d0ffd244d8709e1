#!/usr/bin/env bash
# tests/bench/ls.sh - how fast `hako ls -f` is, next to `lxc-ls -f`, on the
# same LXC container path (20 busybox containers, 5 of them running when
# LXC can start them here), and how hako's cost per container grows from
# 20 to 500 containers (target: flat, < 1 ms each).  Medians of RUNS runs,
# timed with bash's clock (tests/lib/bench.sh).  Prints a table; never
# fails on timing alone.
set -uo pipefail
HAKO=${HAKO:-build/hako}
RUNS=${RUNS:-15}
. "$(dirname "$0")/../lib.sh"
hk_begin bench-ls "ls bench"
P=$T/lxc
export HAKO_RUN_DIR=$T/run
started=()

cleanup() {
	for n in "${started[@]}"; do lxc-stop -k -n "$n" -P "$P" >/dev/null 2>&1; done
	if [ -d "$P" ]; then
		for d in "$P"/*/; do
			[ -f "$d/config" ] || continue
			lxc-destroy -n "$(basename "$d")" -P "$P" >/dev/null 2>&1
		done
	fi
	rm -rf "$T"
}
hk_on_exit cleanup
. "$(dirname "$0")/../lib/bench.sh"

# median_ns CMD...: median wall time of RUNS runs of CMD, in nanoseconds.
median_ns() {
	local i times=()
	"$@" >/dev/null 2>&1 # warm the page cache
	for ((i = 0; i < RUNS; i++)); do
		timed times "$@"
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}
ms() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e6 }'; }

lxc_part() {
	if [ "$(id -u)" != 0 ]; then
		echo "lxc-ls comparison skipped: lxc-create needs root here"; return 0
	fi
	if ! command -v lxc-create >/dev/null; then
		echo "lxc-ls comparison skipped: LXC is not installed"; return 0
	fi
	local i n made=0 running=0
	mkdir -p "$P"
	# lxc-create -t busybox takes seconds here: four at a time.
	for i in $(seq -w 1 20); do
		lxc-create -t busybox -n "bench$i" -P "$P" >"$T/create$i.log" 2>&1 &
		[ $((10#$i % 4)) = 0 ] && wait
	done
	wait
	for i in $(seq -w 1 20); do
		n=bench$i
		[ -f "$P/$n/config" ] || { echo "lxc-create $n failed: $(tail -1 "$T/create$i.log")"; continue; }
		made=$((made + 1))
		# A test host has no lxcbr0, and its console may refuse a mode
		# change: no network and no console, so the container can start.
		sed -i '/^lxc\.net\.0\./d' "$P/$n/config"
		printf 'lxc.net.0.type = empty\nlxc.console.path = none\n' >>"$P/$n/config"
	done
	for i in 01 02 03 04 05; do
		if lxc-start -d -n "bench$i" -P "$P" -o "$T/start.log" -l ERROR >/dev/null 2>&1; then
			started+=("bench$i"); running=$((running + 1))
		fi
	done
	[ "$running" = 5 ] || echo "note: LXC could start only $running of 5 containers here" \
		"($(grep -m1 ERROR "$T/start.log" 2>/dev/null | sed 's/.* - //')); going on"
	local lxc_ns hako_ns
	lxc_ns=$(median_ns lxc-ls -f -P "$P")
	hako_ns=$(median_ns "$HAKO" ls -f -P "$P")
	echo
	printf '%-34s %10s\n' "LXC path: $made containers, $running running" "median ms"
	printf '%-34s %10s\n' "lxc-ls -f -P DIR" "$(ms "$lxc_ns")"
	printf '%-34s %10s\n' "hako ls -f -P DIR" "$(ms "$hako_ns")"
	printf '%-34s %10s   (target <= 0.20)\n' "ratio hako/lxc" \
		"$(awk -v a="$hako_ns" -v b="$lxc_ns" 'BEGIN { printf "%.3f", b ? a / b : 0 }')"
	# What any process costs to start here bounds the ratio from below.
	printf '%-34s %10s   (the floor of any command here)\n' "/bin/true" "$(ms "$(median_ns /bin/true)")"
	# hako must list every container LXC made.
	local listed
	listed=$("$HAKO" ls -P "$P" 2>/dev/null | wc -l)
	[ "$listed" = "$made" ] || { echo "FAIL: hako ls listed $listed of $made containers"; return 1; }
}

# Minimal containers (config + empty rootfs), as many as asked so far.
grow_to() {
	local i
	for ((i = $(ls "$T/many" 2>/dev/null | wc -l); i < $1; i++)); do
		mkdir -p "$T/many/c$i/rootfs"
		printf 'lxc.rootfs.path = dir:%s\nlxc.uts.name = c%s\nlxc.group = bench\nlxc.start.auto = %s\n' \
			"$T/many/c$i/rootfs" "$i" $((i % 2)) >"$T/many/c$i/config"
	done
}

# median_extra_ns DIR: median over RUNS pairs of (hako ls -f on DIR) minus
# (hako ls -f on an empty path) run right before it, so the process start
# and the load of a busy machine cancel out of the per-container cost.
median_extra_ns() {
	local i t0 t1 t2 d=() whole=()
	"$HAKO" ls -f -P "$1" >/dev/null 2>&1
	for ((i = 0; i < RUNS; i++)); do
		clock_ns t0
		"$HAKO" ls -f -P "$T/empty" >/dev/null 2>&1
		clock_ns t1
		"$HAKO" ls -f -P "$1" >/dev/null 2>&1
		clock_ns t2
		d+=($(((t2 - t1) - (t1 - t0))))
		whole+=($((t2 - t1)))
	done
	echo "$(printf '%s\n' "${whole[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")" \
		"$(printf '%s\n' "${d[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")"
}

scale_part() {
	mkdir -p "$T/many" "$T/empty"
	local n whole extra
	echo
	printf '%-12s %12s %22s\n' "containers" "median ms" "per container ms"
	printf '%-12s %12s %22s\n' 0 "$(ms "$(median_ns "$HAKO" ls -f -P "$T/empty")")" "(process start)"
	for n in 20 100 500; do
		grow_to "$n"
		read -r whole extra < <(median_extra_ns "$T/many")
		printf '%-12s %12s %22s\n' "$n" "$(ms "$whole")" \
			"$(awk -v e="$extra" -v n="$n" 'BEGIN { printf "%.4f", e / n / 1e6 }')"
	done
	echo "(per container: median of (ls on N) - (ls on an empty path run just before), / N;"
	echo " target: flat, < 1 ms)"
	local listed
	listed=$("$HAKO" ls -P "$T/many" | wc -l)
	[ "$listed" = 500 ] || { echo "FAIL: hako ls listed $listed of 500 containers"; return 1; }
}

rc=0
lxc_part || rc=1
scale_part || rc=1
exit $rc
