#!/usr/bin/env bash
# tests/integration/nest-unpriv-in-unpriv.sh - the third guide, for real,
# with its numbers: host user hakonest owns sub-ids 165536:131072; its
# parent container p1 includes the nesting profile and maps
# `0 165536 131072`; inside, `hako setup-user nest` gives user nest
# 65536:65536 and a delegated cgroup; nest makes c1 mapping `0 65536 65536`
# (newuidmap inside: a copy owned by p1's root), starts it, attaches and
# stops it.  The child's uid 0 is host uid 231072 (its init's status on the
# host), its cgroup sits in p1's tree (hako.users/UID/hako/p1@../hako.users/
# 1000/hako/c1), `hako ls -f --nested` on the host shows it with its map in
# host ids, the classic failures say what to change, and nothing is left.
. "$(dirname "$0")/../lib.sh"
. "$HK_TOP/tests/lib/nest.sh"
hk_begin nest-unpriv-in-unpriv nest-unpriv build root notmp

NU=hakonest
NHOME=
SUBUID_BAK=$(mktemp /tmp/hako-nest-subuid.XXXXXX)
SUBGID_BAK=$(mktemp /tmp/hako-nest-subgid.XXXXXX)
cp /etc/subuid "$SUBUID_BAK" 2>/dev/null; cp /etc/subgid "$SUBGID_BAK" 2>/dev/null
P=

cleanup() {
	if [ -n "$P" ]; then
		nu "$HAKO" stop -k p1 -P "$P" >/dev/null 2>&1
		nu "$HAKO" destroy p1 -P "$P" >/dev/null 2>&1
	fi
	# the user's delegated cgroups (setup-user made them), then the user
	local d
	if id "$NU" >/dev/null 2>&1; then
		for d in $(hk_user_delegations "$(id -u "$NU")"); do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
	fi
	id "$NU" >/dev/null 2>&1 && userdel -r "$NU" >/dev/null 2>&1
	cat "$SUBUID_BAK" >/etc/subuid; cat "$SUBGID_BAK" >/etc/subgid
	rm -f "$SUBUID_BAK" "$SUBGID_BAK"
}
hk_on_exit cleanup

nu() { HK_TEST_USER=$NU as_user "$@"; }
inp() { in_parent "$NU" "$P" p1 "$@"; }
# as user nest inside p1 (su from p1's root: no no_new_privs, so the
# setuid newuidmap inside works, as in a login); on cgroup v2 from the
# login leaf setup-user made for nest (what pam_cgfs would do at login)
# shellcheck disable=SC2016
asnest() {
	inp sh -c 'l=/sys/fs/cgroup/hako.users/$(id -u nest)/login
		[ -d "$l" ] && echo $$ >"$l/cgroup.procs"; exec su nest -c "$0"' "$1"
}

nest_ready || { skip "nest-unpriv: make hako-static first"; plan_end; exit; }
[ -u /usr/bin/newuidmap ] || { skip "nest-unpriv: needs uidmap (newuidmap)"; plan_end; exit; }

id "$NU" >/dev/null 2>&1 || useradd -m -s /bin/sh "$NU" || { not_ok "useradd $NU"; plan_end; exit; }
NHOME=$(getent passwd "$NU" | cut -d: -f6)
chmod 755 "$NHOME"
sed -i "/^$NU:/d" /etc/subuid /etc/subgid
echo "$NU:165536:131072" >>/etc/subuid
echo "$NU:165536:131072" >>/etc/subgid
check "setup-user $NU (its 165536:131072 kept, cgroups delegated)" "$HAKO" setup-user "$NU"
P=$NHOME/nest
nu mkdir -p "$P"
cat >"$P/p1.conf" <<EOF
lxc.include = $NEST_PROFILE
lxc.idmap = u 0 165536 131072
lxc.idmap = g 0 165536 131072
lxc.net.0.type = empty
EOF
chmod 644 "$P/p1.conf"
check "$NU creates p1 (busybox) with the nesting profile" nu "$HAKO" create p1 -t busybox -P "$P" -f "$P/p1.conf"

# newuidmap and newgidmap for users inside p1: a setuid binary owned by the
# host's root is not setuid in p1's user namespace (its owner is unmapped
# there), so p1 gets copies owned by its own root, with their libraries.
R=$P/p1/rootfs
for f in /usr/bin/newuidmap /usr/bin/newgidmap; do
	for l in $(ldd "$f" | grep -o '/[^ ]*'); do
		mkdir -p "$R$(dirname "$l")" && cp -L "$l" "$R$(dirname "$l")/"
	done
	cp "$f" "$R/usr/bin/"
done
chown -R 165536:165536 "$R/lib" "$R/lib64" "$R/usr/bin/newuidmap" "$R/usr/bin/newgidmap"
chmod 4755 "$R/usr/bin/newuidmap" "$R/usr/bin/newgidmap"
# user nest, uid 1000, as the guide's "ubuntu" inside the parent
echo 'nest:x:1000:1000::/home/nest:/bin/sh' >>"$R/etc/passwd"
echo 'nest:x:1000:' >>"$R/etc/group"
mkdir -p "$R/home/nest" && chown 166536:166536 "$R/home/nest"

out=$(nu "$HAKO" start p1 -P "$P" 2>&1)
[ $? = 0 ] && ok "$NU starts p1" || { not_ok "start p1: $out"; plan_end; exit; }
wait_boot "$NU" "$P" p1 || diag "p1's boot script still runs"
P1CG=$(hk_cgroup_name p1 "$P")
check_cgroups_found "while p1 runs, its cgroups are found (init's among them)" p1 "$P" "$(hk_pid_of p1 nu "$HAKO" -P "$P")"
check_output "hako runs inside p1 (the static build, bound read-only)" '^hako ' inp /usr/local/bin/hako --version
check_fails "... and p1's root cannot write it" inp sh -c 'echo x >>/usr/local/bin/hako'

# inside the parent: setup-user gives nest the guide's 65536:65536
out=$(inp /usr/local/bin/hako setup-user nest 2>&1)
printf '%s\n' "$out" | grep -q 'gave user "nest" ids 65536-131071' \
	&& ok "setup-user nest inside p1 gives 65536-131071 (inside p1's map)" \
	|| { not_ok "setup-user nest inside p1"; printf '%s\n' "$out" | sed 's/^/#   /'; }
check_output "p1's /etc/subuid: nest:65536:65536" '^nest:65536:65536$' inp cat /etc/subuid
check_output "p1's /etc/subgid: nest:65536:65536" '^nest:65536:65536$' inp cat /etc/subgid
if cgroup_v2_inside "$NU" "$P" p1; then
	check "nest has a delegated cgroup2 hako.users/1000 inside p1" \
		inp sh -c 'test "$(stat -c %u /sys/fs/cgroup/hako.users/1000)" = 1000'
else
	check "nest has a delegated freezer cgroup inside p1" \
		inp sh -c 'test "$(stat -c %u /sys/fs/cgroup/freezer/hako.users/1000)" = 1000'
fi

# a child range outside p1's map: refused with the fix
asnest 'printf "lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\nlxc.net.0.type = empty\n" >/home/nest/bad.conf' >/dev/null 2>&1
check_output "a child map outside p1's ids is refused, naming p1's map and the fix" \
	'uses uids 100000-165535, but this container maps only uids 0-131071.*give the parent container a map' \
	asnest 'hako create bad -t busybox -f /home/nest/bad.conf -q'
check_fails "... and nothing is created" asnest 'test -e /home/nest/.local/share/hako/bad/config' 

asnest 'printf "lxc.idmap = u 0 65536 65536\nlxc.idmap = g 0 65536 65536\nlxc.net.0.type = empty\n" >/home/nest/c1.conf'
check "nest creates c1 (map 0 65536 65536) inside p1" asnest 'hako create c1 -t busybox -f /home/nest/c1.conf -q'
out=$(asnest 'hako start c1' 2>&1)
[ $? = 0 ] && [ -z "$out" ] && ok "nest starts c1 inside p1, silently" || not_ok "start c1 inside p1: $out"
check_output "c1 is RUNNING in nest's ls inside p1" '^c1[[:space:]]+RUNNING' asnest 'hako ls -f'
out=$(asnest 'hako attach c1 -- cat /proc/self/uid_map' 2>&1 | awk '{ $1 = $1; print }')
[ "$out" = "0 65536 65536" ] && ok "attach c1: its uid_map is 0 65536 65536" || not_ok "c1 uid_map: '$out'"
check_output "attach c1 -- id -u is 0" '^0$' asnest 'hako attach c1 -- id -u'

# from the host
pcg=$(parent_cg_dir "$(nu "$HAKO" ls -F NAME,PID -P "$P" | awk -F'\t' '$1 == "p1" { print $2 }')")
cdir=$(ls -d "$pcg"/hako.users/1000/hako/c1* 2>/dev/null | head -1)
[ -n "$cdir" ] && ok "c1's cgroup is inside p1's: ${cdir#"$pcg"}" || not_ok "no c1 cgroup under $pcg"
cinit=$(nu "$HAKO" ls --nested -F NAME,PID -P "$P" | awk -F'\t' '$1 == "p1/c1" { print $2 }')
uids=$(awk '/^Uid:/ { print $2 }' /proc/"$cinit"/status 2>/dev/null)
[ "$uids" = 231072 ] && ok "c1's init (host pid $cinit) runs as host uid 231072 = 165536 + 65536" \
	|| not_ok "c1's init pid '$cinit' runs as host uid '$uids', want 231072"
grep -qx "$cinit" "$cdir/payload/cgroup.procs" 2>/dev/null && ok "... and is in c1's cgroup" || not_ok "init $cinit not in $cdir"
check_cgroups_found "while c1 runs, its cgroups in p1's tree are found (init's among them)" c1 "" "$cinit" "$P1CG"
out=$(nu "$HAKO" ls -f --nested -P "$P")
printf '%s\n' "$out" | grep -qP '^p1/c1 +RUNNING .* u 0 231072 65536; g 0 231072 65536$' \
	&& ok "ls -f --nested: p1/c1 RUNNING with its map in host ids (u 0 231072 65536)" \
	|| { not_ok "ls -f --nested"; printf '%s\n' "$out" | sed 's/^/#   /'; }
printf '%s\n' "$out" | grep -qP '^p1 +RUNNING .* u 0 165536 131072; g 0 165536 131072$' \
	&& ok "... under p1 (u 0 165536 131072)" || not_ok "ls --nested p1 row"
check_output "ls --nested --json gives depth 1 for p1/c1" '"name": "p1/c1".*"depth": 1' nu "$HAKO" ls --nested --json -P "$P"
check_output "plain ls -f does not list nested containers" '^p1[[:space:]]' nu "$HAKO" ls -f -P "$P"
out=$(nu "$HAKO" ls -f -P "$P"); case "$out" in *p1/c1*) not_ok "plain ls shows p1/c1" ;; *) ok "... and no p1/c1 there" ;; esac

check "nest stops c1" asnest 'hako stop c1'
check_output "c1 is STOPPED inside" '^c1[[:space:]]+STOPPED' asnest 'hako ls -f'
check_output "the host sees p1/c1 STOPPED (from p1's store)" '^p1/c1 +STOPPED ' nu "$HAKO" ls -f --nested -P "$P"
check "c1's cgroups are gone from p1's tree" test -z "$(hk_cgroups_named c1 "" "$P1CG")"
[ -z "$(hk_live "$cinit")" ] && ok "c1's init is gone" || not_ok "c1's init $cinit still runs"

# the second guide's case too: a privileged child made by p1's root
check "p1's root creates a privileged r1 next to nest's c1" inp /usr/local/bin/hako create r1 -t busybox -q
out=$(inp /usr/local/bin/hako start r1 2>&1)
[ $? = 0 ] && ok "... and starts it (on a hybrid host v1 only: p1 is $NU's, the v2 tree is not)" || not_ok "start r1 in p1: $out"
check_output "attach r1 -- id -u is 0 (p1's root, host uid 165536)" '^0$' inp /usr/local/bin/hako attach r1 -- id -u
check_output "the host lists p1/r1 with p1's ids" '^p1/r1 +RUNNING .*u 0 165536 131072' nu "$HAKO" ls -f --nested -P "$P"
check "p1's root stops r1" inp /usr/local/bin/hako stop r1

# p1 stopped with a child running: everything goes
asnest 'hako start c1' >/dev/null 2>&1
cinit=$(nu "$HAKO" ls --nested -F NAME,PID -P "$P" | awk -F'\t' '$1 == "p1/c1" { print $2 }')
check_cgroups_found "c1 runs again: its cgroups in p1's tree are found" c1 "" "$cinit" "$P1CG"
check "$NU stops p1 while c1 runs inside" nu "$HAKO" stop p1 -P "$P"
left=$(hk_cgroups_named p1 "$P"; hk_cgroups_named c1 "" "$P1CG")
[ -z "$left" ] && ok "no cgroup of p1 (or c1) is left on the host" || not_ok "left: $left"
[ -z "$(hk_live $cinit)" ] && ok "c1's init is gone too" || not_ok "c1's init $cinit survived p1"
plan_end
