#!/usr/bin/env bash
# tests/security/rename-race.sh - the rename-race class
# (runc's CVE-2021-30465): a second container shares a directory with the
# victim, bind-mounted into it by lxc.mount.entry, and swaps in it a
# directory "a" and a symlink "l" (to a host directory holding a secret,
# or to host /) with renameat2(RENAME_EXCHANGE) as fast as it can, while
# the victim starts again and again.  A second mount entry's target
# (shared/a/m, create=dir) crosses the swapped component, so a runtime
# that checks a path and then mounts by the string lands outside.  The
# attacker is a host process with the container root's host ids
# (tests/helpers/hkswap), standing in for the other container.
# After every start: the victim holds no mount of host / nor of the
# symlink's host target, and the second entry's source is mounted inside
# it (a mount that went to a host path would be missing after
# pivot_root); a start may also be refused.  After the run: the host's
# mount table, the secret directory and host / are unchanged.  Starts per mode:
# HAKO_RR_STARTS (default 30, ~35 s in all; HAKO_SOAK=1: 1000, ~17 min;
# HK_GUEST=1: 5, as the guest lane checks the host's mount layout, not
# the odds of the race, which the native run takes).
# Four modes.
. "$(dirname "$0")/../lib.sh"
hk_begin rr rename-race modes
SWAP=$HK_TOP/build/tests/helpers/hkswap
STARTS=${HAKO_RR_STARTS:-30}
[ "${HK_GUEST:-0}" = 1 ] && STARTS=${HAKO_RR_STARTS:-5}
# In the guest the mount layout differs between a privileged container and
# one in a user namespace; ru and un differ from those only in who the
# caller is and in cgroups, which the race does not touch: they run here.
[ -n "${HK_GUEST:-}" ] && : "${HM_MODES:=rp ud}"
[ "${HAKO_SOAK:-0}" = 1 ] && STARTS=${HAKO_RR_STARTS:-1000}
SWAPPER=

# majmin_root PATH: "MAJ:MIN FSROOT-PATH" of PATH as a mountinfo line of
# a mount of it would show it (the mount holding it, plus the rest).
majmin_root() {
	local p=$1 tgt mm fsroot
	tgt=$(findmnt -n -o TARGET -T "$p" | head -1)
	mm=$(findmnt -n -o MAJ:MIN -T "$p" | head -1 | tr -d ' ')
	fsroot=$(findmnt -n -o FSROOT -T "$p" | head -1)
	[ "$tgt" = / ] || p=${p#"$tgt"}
	fsroot=${fsroot%/}$p
	echo "$mm ${fsroot:-/}"
}
# host_state: what the attack could change on the host.
host_state() {
	hk_host_mounts
	find / -mindepth 1 -maxdepth 1 -printf '%p %y %m %U:%G %l\n' | sort
	find "$SECRET" -printf '%p %y %m %U:%G %s %T@\n' | sort
}
stop_swapper() {
	[ -n "$SWAPPER" ] && kill "$SWAPPER" 2>/dev/null && wait "$SWAPPER" 2>/dev/null
	SWAPPER=
}
hk_on_exit stop_swapper

# The host uid and gid of the container's root: the attacker runs as them.
root_ids() {
	local cfg=$1 u g
	u=$(awk '$1 == "lxc.idmap" && $3 == "u" && $4 == 0 { print $5 }' "$cfg" | head -1)
	g=$(awk '$1 == "lxc.idmap" && $3 == "g" && $4 == 0 { print $5 }' "$cfg" | head -1)
	echo "${u:-0} ${g:-0}"
}

rr_mode() {
	local m=$1 l=${HM_LABEL[$1]} base sh src ids uid gid i init bad=0 started=0 refused=0
	local before after host_root secret_root src_root line t0 why
	base=$(hm_path "$m")/rr-share
	sh=$base/shared src=$base/src
	SECRET=$base/secret
	hm_create "$m" "lxc.mount.entry = $sh shared none bind,create=dir 0 0" \
		"lxc.mount.entry = $src shared/a/m none bind,create=dir 0 0" || { not_ok "$l: create"; return; }
	ids=$(root_ids "$(hm_dir "$m")/config"); uid=${ids% *}; gid=${ids#* }
	mkdir -p "$sh/a/m" "$src" "$SECRET/m"
	echo victim-source >"$src/src-marker"
	echo host-secret >"$SECRET/secret-marker"
	ln -s "$SECRET" "$sh/l"
	ln -s / "$sh/r"
	chown -R "$uid:$gid" "$sh"
	chmod 755 "$base" "$sh" "$src" "$SECRET"
	hm_user "$m" && chown "$HK_TEST_USER" "$base"
	host_root=$(majmin_root /)
	secret_root=$(majmin_root "$SECRET")
	src_root=$(majmin_root "$src")
	before=$(host_state)
	# Two attackers in turn: a <-> l (the secret) and a <-> r (host /).
	t0=$SECONDS
	# The swap may win every start of a short run: go on (up to 4x) until
	# the victim has started at least once, or the run proves nothing.
	i=0
	while [ "$i" -lt "$STARTS" ] || { [ "$started" = 0 ] && [ "$i" -lt $((STARTS * 4)) ]; }; do
		i=$((i + 1))
		if [ $((i % 2)) = 1 ]; then line=l; else line=r; fi
		setpriv --reuid="$uid" --regid="$gid" --clear-groups "$SWAP" "$sh" a "$line" 600 >/dev/null &
		SWAPPER=$!
		if why=$(hm "$m" start "$HM_N" 2>&1); then
			started=$((started + 1))
			init=$(hm_init_pid "$m")
			if [ -z "$init" ] || [ "$init" = - ]; then
				bad=1; not_ok "$l: start $i: no init pid"
			elif awk -v a="$host_root" -v b="$secret_root" '($3 " " $4) == a || ($3 " " $4) == b { f = 1 } END { exit !f }' \
				"/proc/$init/mountinfo"; then
				bad=1; not_ok "$l: start $i: the victim holds a mount of host / or of the symlink's target"
				grep -E " ($(echo "$host_root" | cut -d' ' -f1)) " "/proc/$init/mountinfo" | sed 's/^/#   /' | head -20
			elif ! awk -v a="$src_root" '($3 " " $4) == a { f = 1 } END { exit !f }' "/proc/$init/mountinfo"; then
				bad=1; not_ok "$l: start $i: the second entry's source ($src_root) is not mounted inside (it landed outside the rootfs)"
				awk '{ print $3, $4, $5, $9 }' "/proc/$init/mountinfo" | sed 's/^/#   /' | head -50
			fi
			hm "$m" stop -k "$HM_N" >/dev/null 2>&1
		else
			refused=$((refused + 1))
			[ "$refused" = 1 ] && diag "$l: a refusal: $why"
		fi
		stop_swapper
		# hkswap may have stopped mid-swap: put a back as the directory.
		[ -L "$sh/a" ] && mv -T "$sh/a" "$sh/$line.tmp" && mv -T "$sh/$line" "$sh/a" && mv -T "$sh/$line.tmp" "$sh/$line"
		[ "$bad" = 1 ] && break
	done
	diag "$l: $i starts under the swap in $((SECONDS - t0)) s: $started started, $refused refused"
	[ "$bad" = 0 ] && ok "$l: $i starts under a RENAME_EXCHANGE race: host / and the symlink's target never mounted into the victim"
	[ "$started" -gt 0 ] && ok "$l: the victim started ($started of $i), so its mounts were checked" \
		|| not_ok "$l: the victim never started ($refused refused): the check above proved nothing"
	after=$(host_state)
	[ "$before" = "$after" ] && ok "$l: the host's mount table, host / and the secret directory are unchanged" \
		|| { not_ok "$l: the host changed"; diff <(echo "$before") <(echo "$after") | sed 's/^/#   /' | head -20; }
	rm -rf "$base"
}
if [ ! -x "$SWAP" ]; then skip "rename-race: build first (make test-build)"; plan_end; exit; fi
install -m 755 "$SWAP" "$HM_T/hkswap" && SWAP=$HM_T/hkswap # reachable by any uid
for_modes rr_mode
plan_end
