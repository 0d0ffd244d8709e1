#!/usr/bin/env bash
# tests/integration/nest-priv-in-unpriv.sh - the second guide's nesting, for
# real: an unprivileged parent p1 (root-made, map 0 1000000 65536) includes
# the nesting profile; hako inside it (the static build the profile binds)
# makes and runs a privileged child c1 (no id map: on the host it is still
# p1's unprivileged ids).  Checks: p1's own cgroup is writable inside in
# every v1 hierarchy and the v2 one, c1's cgroups sit in p1's tree (cpuset
# filled in), attach and freeze work inside, `hako ls -f --nested` on the
# host shows p1/c1 with its state and its map in host ids, stop leaves
# nothing (also when p1 stops with c1 running).  Then the classic failures,
# each with the fix: a parent without nesting (its cgroup is its root's,
# as for every id-mapped container, but it has no uncovered proc/sysfs),
# a missing controller, a parent that turns nesting on without the
# profile's proc/sysfs, for a child with its own id map.
. "$(dirname "$0")/../lib.sh"
. "$HK_TOP/tests/lib/nest.sh"
hk_begin nestp nest-priv build root

chmod 755 "$T"
cleanup() {
	local n
	tmux -L "hako-nest-$$" kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/hako-nest-$$"
	for n in p1 p2 p3; do "$HAKO" stop -k "$n" -P "$T" >/dev/null 2>&1; done
	rm -rf "$T"
}
hk_on_exit cleanup

nest_ready || { skip "nest-priv: make hako-static first"; plan_end; exit; }

inp() { in_parent root "$T" p1 "$@"; }
hako_in() { local p=$1; shift; in_parent root "$T" "$p" /usr/local/bin/hako "$@"; }
map="lxc.idmap = u 0 1000000 65536
lxc.idmap = g 0 1000000 65536
lxc.net.0.type = empty"
printf 'lxc.include = %s\n%s\n' "$NEST_PROFILE" "$map" >"$T/p1.conf"
check "create p1 (busybox, unprivileged) with the nesting profile" \
	"$HAKO" create p1 -t busybox -P "$T" -f "$T/p1.conf" -q
check "start p1" "$HAKO" start p1 -P "$T"
wait_boot root "$T" p1 || diag "p1's boot script still runs"
p1init=$(hk_pid_of p1 "$HAKO" -P "$T")
P1CG=$(hk_cgroup_name p1 "$T")
check_cgroups_found "while p1 runs, its cgroups are found (init's among them)" p1 "$T" "$p1init"

# p1's own cgroup, in every hierarchy hako uses, is its root's inside
bad=
dirs=$(inp sh -c 'ls -d /sys/fs/cgroup/*/ 2>/dev/null')
cgroup_v2_inside root "$T" p1 && dirs=/sys/fs/cgroup/unified/ # pure v2: its root, named like a hybrid's
for d in $dirs; do
	[ "$d" = /sys/fs/cgroup/unified/ ] && ! inp test -d "$d" && d=/sys/fs/cgroup/
	case "$d" in */unified/ | */cpu/ | */cpuacct/ | */cpuset/ | */memory/ | */devices/ | */freezer/ | */blkio/ | */pids/ | */systemd/) ;;
	*) continue ;; esac
	inp sh -c "test -w $d/cgroup.procs && mkdir ${d}hk-probe && rmdir ${d}hk-probe" >/dev/null 2>&1 || bad="$bad $d"
done
[ -z "$bad" ] && ok "p1's root can write its cgroup (cgroup.procs, new children) in every hierarchy" \
	|| not_ok "not writable inside p1:$bad"
if cgroup_v2_inside root "$T" p1; then
	# nsdelegate: the namespace root's own limits are the host's
	check "p1 sees its cgroup's memory.max" inp test -f /sys/fs/cgroup/memory.max
	check_fails "... but cannot write it (memory.max stays the host's)" \
		inp sh -c 'echo 1 >/sys/fs/cgroup/memory.max'
else
	check_fails "... but not its own limits (memory.limit_in_bytes stays the host's)" \
		inp sh -c 'echo 1 >/sys/fs/cgroup/memory/memory.limit_in_bytes'
	check_fails "... nor the release_agent trick" inp sh -c 'echo /x >/sys/fs/cgroup/memory/release_agent'
fi

check "hako inside p1 creates a privileged c1" hako_in p1 create c1 -t busybox -q
out=$(hako_in p1 start c1 2>&1)
[ $? = 0 ] && [ -z "$out" ] && ok "hako inside p1 starts c1, silently" || not_ok "start c1 inside p1: $out"
check_output "c1 is RUNNING inside p1" '^c1[[:space:]]+RUNNING' hako_in p1 ls -f
check_output "attach c1 runs a command (uname -n is c1)" '^c1$' hako_in p1 attach c1 -- uname -n
out=$(hako_in p1 attach c1 -- cat /proc/self/uid_map | awk '{ $1 = $1; print }')
[ "$out" = "0 1000000 65536" ] && ok "c1 shares p1's ids (uid_map 0 1000000 65536)" || not_ok "c1 uid_map '$out'"
check_output "c1 has its own pid namespace (init is pid 1)" '^init' hako_in p1 attach c1 -- sh -c 'cat /proc/1/comm'

pcg=$(parent_cg_dir "$p1init")
missing= n=0
for d in $(nested_cgroups_in "$p1init"); do
	n=$((n + 1)); [ -d "$d/hako/c1" ] || missing="$missing $d"
done
[ "$n" -gt 0 ] && [ -z "$missing" ] && ok "c1's cgroup is below p1's (…/hako/p1@…/hako/c1) in all $n hierarchies" \
	|| not_ok "no c1 cgroup under p1's cgroups ($n) in:$missing"
if [ -d /sys/fs/cgroup/cpuset ]; then
	cs=$(cat /sys/fs/cgroup/cpuset"$(awk -F: '$2 == "cpuset" { print $3 }' /proc/"$p1init"/cgroup)"/hako/c1/cpuset.cpus 2>/dev/null)
	[ -n "$cs" ] && ok "c1's cpuset is filled in ($cs)" || not_ok "c1's cpuset.cpus is empty"
else skip "cpuset: a new cgroup's cpuset.cpus starts empty only on cgroup v1"; fi

out=$("$HAKO" ls -f --nested -P "$T")
printf '%s\n' "$out" | grep -qP '^p1/c1 +RUNNING .* false +false +- +u 0 1000000 65536; g 0 1000000 65536$' \
	&& ok "host ls -f --nested: p1/c1 RUNNING, privileged inside, host ids u 0 1000000 65536" \
	|| { not_ok "host ls -f --nested"; printf '%s\n' "$out" | sed 's/^/#   /'; }
check_output "host ls --nested: RUNNER of p1/c1 is hako" $'^p1/c1\thako$' "$HAKO" ls --nested -F NAME,RUNNER -P "$T"
cinit=$("$HAKO" ls --nested -F NAME,PID -P "$T" | awk -F'\t' '$1 == "p1/c1" { print $2 }')
[ "$(awk '/^Uid:/ { print $2 }' /proc/"$cinit"/status 2>/dev/null)" = 1000000 ] \
	&& ok "c1's init (host pid $cinit) runs as host uid 1000000" || not_ok "c1's init '$cinit' uid"
grep -qx "$cinit" "$pcg"/hako/c1/payload/cgroup.procs 2>/dev/null \
	&& ok "... inside c1's cgroup in p1's tree" || not_ok "c1's init not in its cgroup"
check_cgroups_found "while c1 runs, its cgroups in p1's tree are found (init's among them)" c1 "" "$cinit" "$P1CG"

# the dashboard: c1 indented under p1; its ID maps chain; p1's cgroup tree
if command -v tmux >/dev/null; then
	SOCK=hako-nest-$$
	tm() { tmux -L "$SOCK" "$@"; }
	scr() { tm capture-pane -p -t d; }
	wait_screen() { # DESC PATTERN
		local i
		for i in $(seq 60); do scr | grep -Eq -- "$2" && { ok "$1"; return; }; sleep 0.1; done
		not_ok "$1"; scr | sed 's/^/#   /'
	}
	tm -f /dev/null new-session -d -s d -x 120 -y 40 env TERM=screen-256color LANG=C.UTF-8 "$HAKO" -P "$T"
	wait_screen "dashboard: c1 is listed indented under p1, RUNNING" '^p1 .*RUNNING' 
	scr | grep -A1 '^p1 ' | tail -1 | grep -Eq '^  c1 +RUNNING' && ok "... on the line right below p1" \
		|| { not_ok "c1 not right below p1"; scr | sed 's/^/#   /'; }
	tm send-keys -t d g j Enter Tab Tab
	wait_screen "dashboard: c1's ID maps tab shows the chain host <- p1 <- c1" 'host <- p1 <- c1'
	wait_screen "... with c1's host ids" 'u +0 +1000000 +65536 .* ok'
	tm send-keys -t d Escape g Enter Tab
	wait_screen "dashboard: p1's cgroup tree holds c1's cgroup, marked" 'c1 .*\[nested container\]'
	tm kill-server 2>/dev/null
else
	skip "dashboard nesting checks: tmux is not installed"
fi

check "freeze c1 inside p1" hako_in p1 freeze c1
check_output "the host sees p1/c1 FROZEN" '^p1/c1 +FROZEN ' "$HAKO" ls -f --nested -P "$T"
check "unfreeze c1 inside p1" hako_in p1 unfreeze c1

# p1's store is p1's to forge: a FIFO as config, an absolute symlink to a
# host file, a name with an escape byte.  The host's ls neither blocks,
# nor reads the host file, nor prints the name.
secret=$(mktemp /tmp/hako-nest-secret.XXXXXX)
echo 'lxc.idmap = u 0 4242 1' >"$secret"; chmod 644 "$secret"
inp sh -c "mkdir -p /var/lib/hako/fifo /var/lib/hako/evil /var/lib/hako/\$(printf 'e\033[31mx') &&
	mkfifo /var/lib/hako/fifo/config && ln -s $secret /var/lib/hako/evil/config &&
	touch /var/lib/hako/\$(printf 'e\033[31mx')/config"
t0=$(date +%s)
out=$(timeout 20 "$HAKO" ls -f --nested -P "$T" 2>&1); rc=$?
[ $rc = 0 ] && [ $(($(date +%s) - t0)) -lt 5 ] && ok "ls --nested is not blocked by a FIFO planted as a config" \
	|| not_ok "ls --nested with a FIFO config: rc=$rc after $(($(date +%s) - t0)) s"
case "$out" in *4242*) not_ok "ls --nested read a host file through p1's symlink" ;;
*) ok "... nor reads a host file through an absolute symlink in p1's store" ;; esac
printf '%s' "$out" | grep -q $'\033' && not_ok "an escape byte from p1's store reached the terminal" \
	|| ok "... nor prints a name holding an escape byte"
printf '%s\n' "$out" | grep -Eq '^p1/c1 +RUNNING ' && ! printf '%s\n' "$out" | grep -qE '^p1/(fifo|evil)' \
	&& ok "... and lists p1/c1, not the forged entries" || not_ok "ls --nested with forged entries: $out"
rm -f "$secret"
inp sh -c 'rm -rf /var/lib/hako/fifo /var/lib/hako/evil /var/lib/hako/e*x'

check "stop c1 inside p1" hako_in p1 stop c1
check "c1's cgroups are gone from p1's tree" test -z "$(hk_cgroups_named c1 "" "$P1CG")"
[ -z "$(hk_live "$cinit")" ] && ok "c1's init is gone" || not_ok "c1's init $cinit left"
check_output "the host sees p1/c1 STOPPED (p1's store)" '^p1/c1 +STOPPED ' "$HAKO" ls -f --nested -P "$T"
check_output "... with no RUNNER" $'^p1/c1\t-$' "$HAKO" ls --nested -F NAME,RUNNER -P "$T"

# a missing controller: named, with the fix
hako_in p1 create c2 -t busybox -q >/dev/null 2>&1
inp sh -c 'echo "lxc.cgroup.net_cls.classid = 1" >>/var/lib/hako/c2/config'
check_output "a controller not mounted inside is named, with the fix" \
	'lxc.cgroup.net_cls.classid: the "net_cls" controller is not mounted in this container' hako_in p1 start c2

# p1 stopped while c1 runs: nothing of either is left
hako_in p1 start c1 >/dev/null 2>&1
check_output "host ls --nested: RUNNER of p1/c1 is hako" $'^p1/c1\thako$' "$HAKO" ls --nested -F NAME,RUNNER -P "$T"
cinit=$("$HAKO" ls --nested -F NAME,PID -P "$T" | awk -F'\t' '$1 == "p1/c1" { print $2 }')
check_cgroups_found "c1 runs again: its cgroups in p1's tree are found" c1 "" "$cinit" "$P1CG"
check "stop p1 with c1 running inside" "$HAKO" stop p1 -P "$T"
left=$(hk_cgroups_named p1 "$T"; hk_cgroups_named c1 "" "$P1CG")
[ -z "$left" ] && ok "no cgroup of p1 or c1 is left" || not_ok "left: $left"
[ -n "$cinit" ] && [ -z "$(hk_live "$cinit")" ] && ok "c1's init ($cinit) is gone" || not_ok "c1's init '$cinit' left"
check_clean "no mount or process of p1 is left" "$T" ""

# p2: hako bound in, but no nesting profile: no uncovered proc to mount from
printf '%s\nlxc.mount.entry = %s usr/local/bin/hako none bind,ro,create=file 0 0\n' "$map" "$NEST_STATIC" >"$T/p2.conf"
"$HAKO" create p2 -t busybox -P "$T" -f "$T/p2.conf" -q && "$HAKO" start p2 -P "$T"
wait_boot root "$T" p2 || diag "p2's boot script still runs"
check "hako inside p2 creates c1" hako_in p2 create c1 -t busybox -q
check_output "a parent without nesting: the start inside says to include the nesting profile" \
	'no uncovered proc mount.*started without nesting.*lxc.include = .*/nesting.conf' \
	hako_in p2 start c1
check_output "... and so does setup-user there" 'started without nesting.*lxc.include' hako_in p2 setup-user root
"$HAKO" stop -k p2 -P "$T" >/dev/null 2>&1

# p3: its cgroup delegated, but no uncovered proc/sysfs: a child with its
# own user namespace cannot mount proc, and hako says why first
printf '%s\nlxc.apparmor.allow_nesting = 1\nlxc.mount.entry = %s usr/local/bin/hako none bind,ro,create=file 0 0\n' \
	"$map" "$NEST_STATIC" >"$T/p3.conf"
"$HAKO" create p3 -t busybox -P "$T" -f "$T/p3.conf" -q && "$HAKO" start p3 -P "$T"
wait_boot root "$T" p3 || diag "p3's boot script still runs"
in_parent root "$T" p3 sh -c 'printf "lxc.idmap = u 0 1000 1000\nlxc.idmap = g 0 1000 1000\nlxc.net.0.type = empty\n" >/c.conf'
check "hako inside p3 creates a child with an id map" hako_in p3 create c1 -t busybox -f /c.conf -q
check_output "a parent without uncovered proc: a user-namespaced child is refused with the fix" \
	'no uncovered proc mount.*dev/.lxc/proc' hako_in p3 start c1
"$HAKO" stop -k p3 -P "$T" >/dev/null 2>&1
plan_end
