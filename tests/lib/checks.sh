# tests/lib/checks.sh - what the guest lane checks about one container
# and its cgroup on a cgroup2 host, for root (tests/guest/busybox-v2.sh)
# and for ordinary users in each kind of session (tests/guest/sessions.sh).
# Sourced after tests/lib.sh.  The caller defines
#   hk WHO HAKO-ARGS...     hako run as WHO (root, or a user in some mode)
# and every check takes WHO and the container's NAME.  The checks read
# /proc and /sys/fs/cgroup themselves (busybox's ps has no -p), and look
# for the container by its name in every cgroup directory, so that
# "nothing left" cannot pass by looking in the wrong place.  Names should
# be unique on the guest (they are searched as substrings).

# shellcheck shell=bash
GC_ROOT=/sys/fs/cgroup

# gc_init_pid WHO NAME: init's pid, as hako ls shows it.
gc_init_pid() {
	hk "$1" ls -F name,pid 2>/dev/null | awk -F'\t' -v n="$2" '$1 == n { print $2 }'
}
# gc_cgroup PID: PID's cgroup2 path, relative to /sys/fs/cgroup.
gc_cgroup() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
# gc_state WHO NAME: the STATE column of hako ls -F NAME,STATE.
gc_state() {
	hk "$1" ls -F NAME,STATE 2>/dev/null | awk -F'\t' -v n="$2" '$1 == n { print $2 }'
}
# gc_dir WHO NAME: the container's directory (its config's).
gc_dir() {
	hk "$1" info "$2" 2>/dev/null | sed -n 's|^Config: *\(.*\)/config$|\1|p'
}
# gc_own_cgroup PATH NAME: the container's own cgroup directory in PATH
# (init's), the first component naming the container (hako/NAME,
# NAME@hash, hako-NAME-XXXX.scope), or nothing when PATH has none.
gc_own_cgroup() {
	local rel=$1 name=$2 acc='' c
	local IFS=/
	for c in $rel; do
		[ -n "$c" ] || continue
		acc=$acc/$c
		case $c in *"$name"*) echo "$GC_ROOT$acc"; return 0 ;; esac
	done
	return 1
}
# gc_live PID...: those that exist and are not zombies.
gc_live() {
	local p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		awk '{ exit ($3 == "Z") }' "/proc/$p/stat" && echo "$p"
	done
}
# gc_pids_naming STRING [exact]: live processes whose command line
# (arguments joined by spaces) holds STRING, or is STRING with "exact".
gc_pids_naming() {
	local d p args
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
		args=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") && args=${args% }
		if [ "${2:-}" = exact ]; then [ "$args" = "$1" ] || continue
		else case $args in *"$1"*) ;; *) continue ;; esac; fi
		gc_live "$p"
	done
}

# gc_create_start WHO NAME: create from the busybox template and start;
# sets GC_START_OUT and GC_START_RC.
gc_create_start() {
	check "$1: create $2" hk "$1" create "$2" -t busybox
	GC_START_OUT=$(hk "$1" start "$2" 2>&1)
	GC_START_RC=$?
}

# gc_in_own_cgroup WHO NAME: ok when init runs in a cgroup named for the
# container; sets GC_INIT (its pid), GC_INIT_CG (its cgroup path) and
# GC_CG (the container's cgroup directory, empty when it has none).
gc_in_own_cgroup() {
	GC_INIT=$(gc_init_pid "$1" "$2")
	GC_INIT_CG=$(gc_cgroup "$GC_INIT")
	GC_CG=$(gc_own_cgroup "$GC_INIT_CG" "$2")
	if [ -n "$GC_CG" ] && [ -d "$GC_CG" ]; then
		ok "$1: $2's init (pid $GC_INIT) is in its own cgroup $GC_INIT_CG"
	else
		not_ok "$1: $2's init (pid '$GC_INIT') is in cgroup '$GC_INIT_CG', none of its own"
		GC_CG=
		return 1
	fi
}

# gc_attach_inside WHO NAME: an attached process is in init's cgroup or
# below it, seen from inside (its /proc/self/cgroup, relative to the
# container's cgroup namespace, must not climb out with "..") and from
# here (the host's view of the same process).
gc_attach_inside() {
	local who=$1 name=$2 out n pid cg apid
	out=$(hk "$who" attach "$name" -- cat /proc/self/cgroup 2>&1)
	case $out in
	0::/*) case $out in *..*) not_ok "$who: attach runs outside $name's cgroup: /proc/self/cgroup inside is '$out'" ;;
		*) ok "$who: attach's /proc/self/cgroup inside $name is $out" ;; esac ;;
	*) not_ok "$who: attach $name -- cat /proc/self/cgroup: $out" ;;
	esac
	# A sleep with a number of its own, found here by its command line.
	n=$((4000 + RANDOM % 5000))
	hk "$who" attach "$name" -- sleep "$n" >/dev/null 2>&1 &
	apid=$!
	for _ in $(seq 50); do
		pid=$(gc_pids_naming "sleep $n" exact | head -n 1)
		[ -n "$pid" ] && break
		sleep 0.2
	done
	cg=$(gc_cgroup "${pid:-0}")
	if [ -z "$pid" ]; then not_ok "$who: no attached 'sleep $n' found in $name"
	elif [ "$cg" = "$GC_INIT_CG" ] || [ "${cg#"$GC_INIT_CG"/}" != "$cg" ]; then
		ok "$who: an attached process (pid $pid) is in init's cgroup $cg"
	else not_ok "$who: an attached process (pid $pid) is in $cg, not in init's $GC_INIT_CG"; fi
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	wait "$apid" 2>/dev/null
}

# gc_limit WHO NAME FILE VALUE READBACK: hako cgroup sets FILE and reads
# READBACK back.
gc_limit() {
	check "$1: hako cgroup $2 $3 $4" hk "$1" cgroup "$2" "$3" "$4"
	check_output "$1: ... and reads $5 back" "^$5\$" hk "$1" cgroup "$2" "$3"
}

# gc_fork_bomb WHO NAME: with pids.max 5, a shell in the container that
# starts 20 sleeps gets no more than 5 processes, and pids.events counts
# the forks the limit refused.  Each started one leaves a marker file (a
# fork that fails leaves none); the shell forks nothing before its loop,
# so that the limit leaves it room to start.
gc_fork_bomb() {
	local who=$1 name=$2 base started out events m=/tmp/hkbomb.$RANDOM
	gc_limit "$who" "$name" pids.max 5 5
	base=$(hk "$who" cgroup "$name" pids.current 2>/dev/null)
	out=$(hk "$who" attach "$name" -- sh -c ": >$m.start;
		for i in $(seq -s ' ' 20); do ( : >$m.\$i; exec sleep 3 ) & done; wait" 2>&1)
	# the kernel's count of forks the limit refused, in pids.events "max":
	# 6.1 counts them where the fork was (the leaf), later kernels in the
	# limit's cgroup too; summed over the container's cgroup tree (GC_CG)
	events=$(find "$GC_CG" -name pids.events -exec cat {} + 2>/dev/null |
		awk '$1 == "max" { s += $2 } END { print s + 0 }')
	hk "$who" cgroup "$name" pids.max max >/dev/null 2>&1
	[ "$events" -gt 0 ] && ok "$who: pids.events in $name's cgroup counts $events forks that pids.max refused" ||
		not_ok "$who: pids.events in $name's cgroup ($GC_CG) counts no refused fork"
	started=$(hk "$who" attach "$name" -- sh -c "test -e $m.start && ls $m.* | grep -c '[0-9]\$'" 2>&1)
	case $started in
	'' | *[!0-9]*) not_ok "$who: the fork bomb in $name did not run ($base processes before): $started"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -10 ;;
	*) if [ "$started" -le 5 ]; then
		ok "$who: pids.max 5 stops a fork bomb in $name ($started of 20 sleeps started, $base processes before)"
	else not_ok "$who: pids.max 5 did not hold in $name: $started of 20 sleeps started ($base before)"; fi ;;
	esac
}

# gc_stats WHO NAME: hako ls shows memory, CPU and pids as numbers.
gc_stats() {
	local out
	out=$(hk "$1" ls -F name,state,ram,cpu,pids 2>&1 | awk -F'\t' -v n="$2" '$1 == n')
	if printf '%s\n' "$out" | awk -F'\t' '{ exit !($3 ~ /[0-9]/ && $4 ~ /[0-9]/ && $5 ~ /^[0-9]+$/) }'; then
		ok "$1: ls -F name,state,ram,cpu,pids shows numbers: $(echo "$out" | tr '\t' ' ')"
	else not_ok "$1: ls -F name,state,ram,cpu,pids for $2: '$(echo "$out" | tr '\t' ' ')'"; fi
}

# gc_freeze WHO NAME: freeze, shown FROZEN; unfreeze, shown RUNNING.
gc_freeze() {
	local st
	check "$1: freeze $2" hk "$1" freeze "$2"
	st=$(gc_state "$1" "$2")
	[ "$st" = FROZEN ] && ok "$1: ls -f shows $2 FROZEN" || not_ok "$1: $2 is '$st' after freeze"
	check "$1: unfreeze $2" hk "$1" unfreeze "$2"
	st=$(gc_state "$1" "$2")
	[ "$st" = RUNNING ] && ok "$1: ls -f shows $2 RUNNING again" || not_ok "$1: $2 is '$st' after unfreeze"
}

# gc_life WHO NAME: all a running container's cgroup must give: attach
# inside it, limits, a fork bomb held, numbers in ls, freeze.
gc_life() {
	gc_attach_inside "$1" "$2"
	gc_limit "$1" "$2" memory.max 64M 67108864
	gc_limit "$1" "$2" pids.max 50 50
	gc_fork_bomb "$1" "$2"
	gc_stats "$1" "$2"
	gc_freeze "$1" "$2"
}

# gc_stop_clean WHO NAME: stop, STOPPED, and nothing left (gc_nothing_left).
gc_stop_clean() {
	local who=$1 name=$2 dir pids st
	dir=$(gc_dir "$who" "$name")
	if [ -n "$GC_CG" ]; then pids=$(find "$GC_CG" -name cgroup.procs -exec cat {} + 2>/dev/null)
	else pids=$GC_INIT; fi
	check "$who: stop $name" hk "$who" stop "$name"
	st=$(gc_state "$who" "$name")
	[ "$st" = STOPPED ] && ok "$who: $name is STOPPED" || not_ok "$who: $name is '$st' after stop"
	gc_nothing_left "$who" "$name" "$dir" "$pids"
}

# gc_nothing_left WHO NAME DIR PIDS: no cgroup directory anywhere names
# the container, no mount and no process names its directory DIR, and
# none of PIDS (what its cgroup, or init without one, held) lives on.
gc_nothing_left() {
	local who=$1 name=$2 dir=$3 left
	# shellcheck disable=SC2086
	left=$(
		find "$GC_ROOT" -type d -name "*$name*" 2>/dev/null | sed 's/^/cgroup /'
		[ -n "$dir" ] && grep -F -- "$dir" /proc/self/mountinfo | sed 's/^/mount /'
		[ -n "$dir" ] && gc_pids_naming "$dir" | sed 's/^/process naming its directory: /'
		gc_live $4 | sed 's/^/process of its cgroup: /'
	)
	if [ -z "$left" ]; then ok "$who: nothing of $name is left (cgroups, mounts, processes)"
	else not_ok "$who: $name left behind:"; printf '%s\n' "$left" | sed 's/^/#   /' | head -20; fi
}

# gc_start_truth WHO NAME: for a user whose delegation doctor may FAIL.
# Either the container runs in a cgroup of its own, or start refused or
# warned naming the cgroup and doctor's fix; never a silent start
# without a cgroup.  Returns 0 when it runs in its own cgroup.
gc_start_truth() {
	local who=$1 name=$2 doc fix own=''
	doc=$(hk "$who" doctor 2>&1 | grep -i 'cgroup delegation')
	diag "$who: doctor: $doc"
	fix=$(printf '%s\n' "$doc" | sed -n 's/.*-> fix: //p')
	gc_create_start "$who" "$name"
	GC_INIT=$(gc_init_pid "$who" "$name")
	GC_INIT_CG=$(gc_cgroup "${GC_INIT:-0}")
	GC_CG=$(gc_own_cgroup "$GC_INIT_CG" "$name")
	if [ "$GC_START_RC" = 0 ] && [ -n "$GC_CG" ]; then
		ok "$who: $name runs in a cgroup of its own ($GC_INIT_CG)"
		own=1
	elif ! printf '%s' "$GC_START_OUT" | grep -qi cgroup; then
		if [ "$GC_START_RC" = 0 ]; then not_ok "$who: start $name ran it in '$GC_INIT_CG', no cgroup of its own, and said nothing"
		else not_ok "$who: start $name failed without naming the cgroup"; fi
		printf '%s\n' "$GC_START_OUT" | sed 's/^/#   /' | head -10
	elif [ "$GC_START_RC" = 0 ]; then ok "$who: start $name warned that it has no cgroup: $GC_START_OUT"
	else ok "$who: start $name refused, naming the cgroup: $GC_START_OUT"; fi
	[ -n "$own" ] && return 0
	# Without a cgroup, doctor must not call the delegation fine; its fix,
	# "COMMAND (as root)" or "A, or B", must be in start's message (the
	# first command, quotes aside).
	case $doc in
	*'[ OK ]'*) not_ok "$who: doctor says the delegation is fine, but $name got no cgroup of its own" ;;
	esac
	fix=$(printf '%s' "$fix" | sed 's/, or .*//; s/ *(as [a-z]*)$//' | tr -d '"')
	if [ -n "$fix" ]; then
		printf '%s' "$GC_START_OUT" | tr -d '"' | grep -qF -- "$fix" && ok "$who: ... and gives doctor's fix ($fix)" ||
			not_ok "$who: start's message does not give doctor's fix '$fix'"
	fi
	return 1
}
