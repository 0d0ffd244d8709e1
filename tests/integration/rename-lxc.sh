#!/usr/bin/env bash
# rename-lxc.sh - hako rename (and hako clone -R -n OLD -N NEW, lxc-copy's
# spelling) and lxc-copy -R on the same LXC container (one container
# path, one config made by lxc-create -t busybox): the exit status of
# each case matches.  A stopped container renamed back and forth, each
# tool in turn (0: NEW's config names it in lxc.uts.name and
# lxc.rootfs.path, names OLD's directory nowhere, OLD is gone, and the
# other tool sees NEW); NEW exists, OLD missing, NEW with a '/' (1, and
# nothing changed); OLD running under lxc-start (1: hako refuses, naming
# lxc-stop, and it runs on).  Where lxc-copy cannot rename at all (it
# copies the rootfs with rsync, which the guest lane's host lacks), its
# renames are skipped with its error and hako's two are checked alone.
# A NEW that hako's name rule refuses but LXC takes (a blank in it) is
# the documented difference (hako-rename(1)): hako exits 1.  Usage
# errors differ on purpose (hako exits 2, lxc-copy 1), so they are not
# compared; rename.sh has hako's.
. "$(dirname "$0")/../lib.sh"
hk_begin renlxc "lxc-copy -R comparison" root build
. "$HK_TOP/tests/lib/lxc.sh"
N=renlxc M=renlxcb X=renlxcx
lxc_pair_begin lxc-copy $N "lxc-copy -R comparison"
# whichever name a failure left it under, LXC's container is stopped
hk_on_exit "lxc-stop -k -n $M -P '$T' >/dev/null 2>&1"
# X: a container NEW may not replace (LXC's test is X/config)
mkdir "$T/$X" && echo "lxc.uts.name = $X" >"$T/$X/config"

# rc TOOL OLD NEW: "rc N" of a rename by TOOL: lxc (lxc-copy -R), hako
# (hako rename OLD NEW) or clone (hako clone -R -n OLD -N NEW); its
# output in $T/.out, LXC's errors in $T/.log (ls shows no dot file)
rc() {
	: >"$T/.log"
	case $1 in
	lxc) lxc-copy -R -n "$2" -N "$3" -P "$T" -o "$T/.log" -l ERROR ;;
	hako) "$HAKO" rename "$2" "$3" -P "$T" ;;
	clone) "$HAKO" clone -R -n "$2" -N "$3" -P "$T" ;;
	esac >"$T/.out" 2>&1 </dev/null
	echo "rc $?"
}
# what_is: the container path's names and each config's checksum
what_is() { (cd "$T" && ls && cat ./*/config | md5sum); }
# renamed TOOL OLD NEW: TOOL renames the stopped OLD to NEW: 0, and NEW's
# config is rewritten as LXC's own rename leaves it
renamed() {
	local tool=$1 old=$2 new=$3 r cfg uts root
	r=$(rc "$@")
	cfg=$T/$new/config
	uts=$(sed -n 's/^lxc.uts.name *= *//p' "$cfg" 2>/dev/null | tr -d '"')
	root=$(sed -n 's/^lxc.rootfs.path *= *//p' "$cfg" 2>/dev/null)
	if [ "$r" = "rc 0" ] && [ "$uts" = "$new" ] && [ "$root" = "dir:$T/$new/rootfs" ] &&
		! grep -q "$T/$old/" "$cfg" && [ ! -e "$T/$old" ] &&
		[ "$(lxc-info -n "$new" -P "$T" -s 2>&1 | awk '{print $2}')" = STOPPED ]; then
		ok "$tool: $old renamed to $new ($r): lxc.uts.name $uts, lxc.rootfs.path dir:T/$new/rootfs, $old gone"
	else
		not_ok "$tool: $old to $new: $r, lxc.uts.name '$uts', lxc.rootfs.path '${root//$T/T}'"
		diag "$(cat "$T/.out" "$T/.log"; ls "$T"; grep -n "$T/$old/" "$cfg" 2>&1)"
	fi
}
# same DESC OLD NEW: the refusals of each tool (hako in both spellings)
# agree, exit 1, and change nothing
same() {
	local desc=$1 before l k c; shift
	before=$(what_is)
	l=$(rc lxc "$@"); k=$(rc hako "$@"); c=$(rc clone "$@")
	[ "$l" = "rc 1" ] && [ "$k" = "$l" ] && [ "$c" = "$l" ] &&
		ok "$desc: lxc-copy -R and hako rename agree ($k), so does hako clone -R" ||
		not_ok "$desc: lxc-copy -R $l, hako rename $k, hako clone -R $c"
	[ "$(what_is)" = "$before" ] && ok "... nothing changed" || { not_ok "... it changed"; diag "$(ls "$T")"; }
}

# lxc-copy -R copies the rootfs (rsync) and removes the old one: a host
# without rsync (the guest lane's) cannot rename at all.  A probe on a
# container hako never touched tells that from a config hako left wrong.
mkdir -p "$T/renlxcp/rootfs" && echo "lxc.rootfs.path = dir:$T/renlxcp/rootfs" >"$T/renlxcp/config"
if [ "$(rc lxc renlxcp renlxcq)" = "rc 0" ]; then LXC_RENAMES=1
else
	LXC_RENAMES=
	skip "renames by lxc-copy -R: it cannot rename a container here:" \
		"$(grep -m1 ERROR "$T/.log" | sed -E 's/.* - [^ ]+:[0-9]+ - //')"
fi
rm -rf "$T/renlxcp" "$T/renlxcq"
# hako first, on the config as lxc-create wrote it (lxc.uts.name quoted)
renamed hako $N $M
if [ -n "$LXC_RENAMES" ]; then
	renamed lxc $M $N
	renamed clone $N $M
	renamed lxc $M $N
else renamed clone $M $N; fi
same "NEW exists" $N $X
same "OLD missing" renlxcnone $M
same "a NEW with a '/'" $N "$M/x"
# LXC takes any name it can make a directory of; hako's rule (a letter, a
# digit, '_' first, then those, '.' and '-') is every verb's: hako-rename(1)
l=$(rc lxc $N "$M y"); [ "$l" = "rc 0" ] && rc lxc "$M y" $N >/dev/null
k=$(rc hako $N "$M y")
[ "$k" = "rc 1" ] && [ -d "$T/$N" ] && [ ! -e "$T/$M y" ] &&
	ok "a NEW with a blank: hako refuses by its name rule ($k; lxc-copy -R $l: hako-rename(1))" ||
	not_ok "a NEW with a blank: hako rename $k (lxc-copy -R $l)"

lxc_pair_start
before=$(what_is)
l=$(rc lxc $N $M)
out=$("$HAKO" rename $N $M -P "$T" 2>&1); k=$?
[ "$l" = "rc 1" ] && [ "$k" = 1 ] && ok "OLD running under lxc-start: lxc-copy -R and hako rename agree (rc 1)" ||
	not_ok "OLD running under lxc-start: lxc-copy -R $l, hako rename rc $k"
grep -q "lxc-stop -n $N -P $T" <<<"$out" && ok "... hako's refusal names lxc-stop" ||
	{ not_ok "... hako's refusal names no lxc-stop"; diag "$out"; }
[ "$(what_is)" = "$before" ] && [ "$(lxc-info -n $N -P "$T" -s | awk '{print $2}')" = RUNNING ] &&
	ok "... nothing changed, it runs on" || not_ok "... $(ls "$T"), $(lxc-info -n $N -P "$T" -s 2>&1)"
plan_end
