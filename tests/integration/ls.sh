#!/usr/bin/env bash
# ls.sh - `hako ls` and `hako info` on containers made by hand in a temp
# container path: fields (legacy id_map -> unprivileged, start.auto ->
# autostart), -F, --json, the regex, --running/--stopped (a container made
# RUNNING by holding its lock and writing its state file), a broken config
# listed with one warning, escape sequences never reaching stdout, and an
# ordinary user's listing.
. "$(dirname "$0")/../lib.sh"
hk_begin ls ls

export HAKO_RUN_DIR=$T/run
D=$T/lxc
holder=
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	rm -rf "$T"
	[ -n "${U:-}" ] && rm -rf "$U"
}
hk_on_exit cleanup

mk() { # name, config text
	mkdir -p "$D/$1/rootfs" && printf '%s\n' "$2" >"$D/$1/config"
}
hako() { "$HAKO" "$@"; }
ESC=$(printf '\033')

# --- empty and missing paths
out=$(hako ls -P "$T/missing" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "container path \"$T/missing\" (-P) does not exist" <<<"$out" &&
	ok "ls on a missing -P path fails, naming it (a typo is not an empty path)" || not_ok "ls on a missing path: rc=$rc out=$out"
mkdir -p "$D"
out=$(hako ls -f -P "$D" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && ok "ls -f on an empty path prints nothing" || not_ok "ls -f on an empty path: rc=$rc out=$out"

# --- three containers
mk legacy "# guide 2 style
lxc.rootfs = $D/legacy/rootfs
lxc.id_map = u 0 100000 65536
lxc.id_map = g 0 100000 65536
lxc.network.type = veth
lxc.network.link = lxcbr0
lxc.network.flags = up
lxc.network.hwaddr = 00:16:3e:xx:xx:xx
lxc.utsname = legacy-host"
mk priv "lxc.rootfs.path = dir:$D/priv/rootfs
lxc.uts.name = priv"
mk auto1 "lxc.rootfs.path = $D/auto1/rootfs
lxc.start.auto = 1
lxc.group = onboot"

check_output "plain ls in a pipe: one name per line" '^auto1 legacy priv $' \
	bash -c "'$HAKO' ls -P '$D' | tr '\n' ' '"
field() { # name, column number of ls -f's default columns, as -F gives them to scripts
	hako ls -F NAME,STATE,IPV4,IPV6,UNPRIVILEGED,AUTOSTART,BACKEND -P "$D" 2>/dev/null |
		awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }'
}
[ "$(field legacy 5)" = true ] && ok "legacy lxc.id_map: UNPRIVILEGED true" || not_ok "legacy UNPRIVILEGED: $(field legacy 5)"
[ "$(field priv 5)" = false ] && ok "privileged: UNPRIVILEGED false" || not_ok "priv UNPRIVILEGED: $(field priv 5)"
[ "$(field auto1 6)" = true ] && ok "lxc.start.auto = 1: AUTOSTART true" || not_ok "auto1 AUTOSTART: $(field auto1 6)"
[ "$(field priv 6)" = false ] && ok "AUTOSTART false by default" || not_ok "priv AUTOSTART: $(field priv 6)"
[ "$(field legacy 2)" = STOPPED ] && ok "STATE STOPPED" || not_ok "legacy STATE: $(field legacy 2)"
[ "$(field legacy 3)" = - ] && [ "$(field legacy 7)" = dir ] && ok "IPV4 '-', BACKEND dir" \
	|| not_ok "legacy IPV4/BACKEND: $(field legacy 3) $(field legacy 7)"
n=$(hako ls -F NAME,STATE,IPV4,IPV6,UNPRIVILEGED,AUTOSTART,BACKEND -P "$D" | awk -F'\t' '{ print NF }' | sort -u)
[ "$n" = 7 ] && ok "ls -F in a pipe: 7 tab-separated fields" || not_ok "ls -F fields: $n"
hako ls -F NAME,STATE -P "$D" | grep -q '^NAME' && not_ok "ls -F: no header in a pipe" || ok "ls -F: no header in a pipe, for scripts"
check_output "ls -f in a pipe keeps its header and aligned columns, as lxc-ls -f does" \
	'^NAME +STATE +IPV4 +IPV6 +UNPRIVILEGED +AUTOSTART +BACKEND$' hako ls -f -P "$D"
hako ls -f -P "$D" | grep -q $'\t' && not_ok "ls -f in a pipe: no TAB" || ok "ls -f in a pipe: spaces, no TAB"
check_output "ls -f on a terminal: aligned table with a header" \
	'NAME +STATE +IPV4 +IPV6 +UNPRIVILEGED +AUTOSTART +BACKEND' \
	script -qec "'$HAKO' ls -f -P '$D'" /dev/null
check_output "ls on a terminal: names in columns" 'auto1 +legacy +priv' \
	script -qec "'$HAKO' ls -P '$D'" /dev/null
check_output "-F NAME,GROUPS,INTERFACE,PID" $'^auto1\tonboot\t-\t-$' \
	hako ls -F NAME,GROUPS,INTERFACE,PID -P "$D"
check_output "-F names an interface link" $'^legacy\tlxcbr0$' hako ls -F name,interface -P "$D"
check_output "-F with an unknown column lists the valid ones" \
	'unknown column "BOGUS".*NAME STATE PID RAM SWAP AUTOSTART GROUPS INTERFACE IPV4 IPV6 UNPRIVILEGED BACKEND CPU PIDS' \
	hako ls -F NAME,BOGUS -P "$D"
check_fails "-F with an unknown column fails" hako ls -F NAME,BOGUS -P "$D"

# --- JSON
check "--json is valid JSON" bash -c "'$HAKO' ls --json -P '$D' | python3 -m json.tool"
check "--json: every column as a lower-case key, typed" python3 -c '
import json, subprocess, sys
rows = json.loads(subprocess.check_output([sys.argv[1], "ls", "--json", "-P", sys.argv[2]]))
assert [r["name"] for r in rows] == ["auto1", "legacy", "priv"], rows
keys = {"name","state","pid","ram","swap","autostart","groups","interface","ipv4","ipv6",
        "unprivileged","backend","cpu","pids","io","depth","idmap","runner","config_error"}
for r in rows:
    assert set(r) == keys, set(r) ^ keys
l = rows[1]
assert l["unprivileged"] is True and l["autostart"] is False and l["pid"] is None, l
assert l["runner"] is None, l
assert l["interface"] == ["lxcbr0"] and l["ipv4"] == [] and l["state"] == "STOPPED", l
assert rows[0]["groups"] == ["onboot"] and rows[0]["autostart"] is True
' "$HAKO" "$D"
mkdir -p "$T/empty"
check_output "--json on an empty path is []" '^\[\]$' hako ls --json -P "$T/empty"

# --- regex and state filters
check_output "regex filter (POSIX extended)" '^legacy priv $' \
	bash -c "'$HAKO' ls -P '$D' '^(legacy|pr.v)\$' | tr '\n' ' '"
check_output "regex matching nothing prints nothing" '^$' hako ls -P "$D" '^zzz'
check_output "bad regex: clear error" 'bad name filter' hako ls -P "$D" '('
check_output "--stopped lists every stopped container" '^auto1 legacy priv $' \
	bash -c "'$HAKO' ls --stopped -P '$D' | tr '\n' ' '"
check_output "--running lists none" '^$' hako ls --running -P "$D"

# Make "priv" RUNNING the way the monitor will: hold its lock, write state.
hako config priv lxc.uts.name priv -P "$D" # takes the lock once: makes the run dir
run=$(ls -d "$HAKO_RUN_DIR"/s-*/priv 2>/dev/null | head -1)
if [ -n "$run" ] && [ -e "$run/lock" ]; then
	python3 -c '
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhxxxxqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
open(sys.argv[1] + ".held", "w").close()
time.sleep(300)' "$run/lock" &
	holder=$!
	for _ in $(seq 50); do [ -e "$run/lock.held" ] && break; sleep 0.1; done
	check_output "lock held, no state file: BUSY" $'^priv\tBUSY' hako ls -F NAME,STATE -P "$D"
	printf 'state=RUNNING\ninit_pid=%s\nmonitor_pid=%s\nstarted=%s\nboot_id=%s\nexit_status=-1\nstopped=0\n' \
		"$holder" "$holder" "$(date +%s)" "$(cat /proc/sys/kernel/random/boot_id)" >"$run/state"
	check_output "lock held + state file: RUNNING with its PID" $'^priv\tRUNNING\t'"$holder"'$' \
		hako ls -F NAME,STATE,PID -P "$D"
	check_output "--running lists it alone" '^priv $' bash -c "'$HAKO' ls --running -P '$D' | tr '\n' ' '"
	check_output "--stopped leaves it out" '^auto1 legacy $' bash -c "'$HAKO' ls --stopped -P '$D' | tr '\n' ' '"
	check_output "info shows RUNNING and the PID" "PID: +$holder" hako info priv -P "$D"
	check_output "config cannot be changed while it runs (lock held)" 'cannot change lxc.uts.name of "priv" while it runs: stop it first' \
		hako config priv lxc.uts.name other -P "$D"
	kill "$holder"; wait "$holder" 2>/dev/null; holder=
	check_output "a stale RUNNING state file without the lock: STOPPED" $'^priv\tSTOPPED' \
		hako ls -F NAME,STATE -P "$D"
else
	not_ok "the run directory of priv was not made by 'hako config' (found '$run')"
fi

# --- broken config: listed, one warning naming it and the error
mk broken "lxc.rootfs.path = $D/broken/rootfs
lxc.no.such.key = 1"
out=$(hako ls -f -P "$D" 2>"$T/err"); rc=$?
[ $rc = 0 ] && printf '%s\n' "$out" | grep -Eq '^broken +STOPPED ' && ok "a broken config is still listed with its state" \
	|| not_ok "broken listing: rc=$rc out=$out"
[ "$(grep -c 'broken' "$T/err")" = 1 ] && grep -q 'lxc.no.such.key' "$T/err" && grep -q 'line 2' "$T/err" \
	&& ok "one warning names the container, the line and the key" || { not_ok "broken warning"; sed 's/^/#   /' "$T/err"; }
check_output "info on a broken config fails naming file:line" "broken/config.*line 2" hako info broken -P "$D"
check_fails "info on a broken config exits non-zero" hako info broken -P "$D"
rm -rf "$D/broken"

# --- escape sequences from a config never reach stdout raw
mk evil "lxc.rootfs.path = $D/evil/rootfs
lxc.group = ${ESC}]52;c;aGFja2Vk$(printf '\007')x
lxc.uts.name = ${ESC}[2Jevil"
for cmd in "ls -f" "ls -F NAME,GROUPS" "ls --json" "info evil" "ls" "config evil lxc.group"; do
	# shellcheck disable=SC2086
	hako $cmd -P "$D" >"$T/out" 2>"$T/errout"
	if grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$T/out" "$T/errout"; then
		not_ok "hako $cmd: a raw control byte reached the terminal"; od -c "$T/out" | head -5 | sed 's/^/#   /'
	else ok "hako $cmd: no raw control byte in the output"; fi
done
check_output "ls shows the OSC 52 group escaped" '\\x1b\]52;c;aGFja2Vk\\x07x' hako ls -F NAME,GROUPS -P "$D" evil
check_output "--json escapes it as \\u001b" '\\u001b\]52;c;aGFja2Vk\\u0007x' hako ls --json -P "$D" evil
check_output "info shows the hostname escaped" 'Hostname: +\\x1b\[2Jevil' hako info evil -P "$D"
check_output "ls on a terminal: escaped too" '\\x1b\]52' script -qec "'$HAKO' ls -f -F NAME,GROUPS -P '$D' evil" /dev/null
rm -rf "$D/evil"

# --- info
info=$(hako info legacy -P "$D" 2>&1)
for pat in '^Name: +legacy$' '^State: +STOPPED$' '^PID: +-$' '^IP: +-$' '^Unprivileged: +true$' \
	'^Backend: +dir$' "^Rootfs: +$D/legacy/rootfs\$" "^Config: +$D/legacy/config\$" '^Autostart: +false$' \
	'^Hostname: +legacy-host$' '^Id map: +u 0 100000 65536$' '^Id map: +g 0 100000 65536$' \
	'^Interface: +0: type=veth link=lxcbr0 hwaddr=00:16:3e:' '^Groups: +-$'; do
	printf '%s\n' "$info" | grep -Eq -- "$pat" && ok "info: /$pat/" || { not_ok "info: /$pat/"; printf '%s\n' "$info" | sed 's/^/#   /'; }
done
check_output "info of a privileged container says so" '^Id map: +none' hako info priv -P "$D"
check_output "ls -F IDMAP shows a top-level container's map (as info does)" \
	$'^legacy\tu 0 100000 65536; g 0 100000 65536$' hako ls -F NAME,IDMAP -P "$D" legacy
check_output "ls --json too" '"name": "legacy".*"idmap": "u 0 100000 65536; g 0 100000 65536"' hako ls --json -P "$D" legacy
check_output "ls -F IDMAP of a privileged one is -" $'^priv\t-$' hako ls -F NAME,IDMAP -P "$D" priv
check_output "info accepts lxc-info's -n NAME" '^Name: +auto1' hako info -n auto1 -P "$D"
check_output "info on a missing container: clear error" 'container "ghost" does not exist in' hako info ghost -P "$D"
check_fails "info on a missing container exits non-zero" hako info ghost -P "$D"
check_output "info refuses an invalid name" 'hako: error:' hako info ../etc -P "$D"
# The refusals for a container that is missing or not running say what to
# do, without a strerror after the advice (": No such file or directory",
# ": No such process").
for v in start console attach stop freeze; do
	out=$(hako $v ghost -P "$D" 2>&1) && not_ok "$v ghost succeeded" ||
		{ grep -Eq "container \"ghost\" does not exist in $D; create it with \"hako create ghost -t busybox -P $D\"\$" <<<"$out" &&
		ok "$v of a missing container: does not exist, with the create command, nothing after" || not_ok "$v ghost: $out"; }
done
# --- the option layer: --help from the table, the common
# options on every verb, usage errors exit 2.
for v in ls list info start console attach freeze unfreeze thaw cgroup; do
	out=$(hako $v --help 2>&1); rc=$?
	[ $rc = 0 ] && grep -q '^Common options:' <<<"$out" && [ -z "$(awk 'length > 80' <<<"$out")" ] &&
		ok "$v --help exits 0 with the common options, within 80 columns" || not_ok "$v --help: rc=$rc: $out"
done
check_output "info -q -n NAME works" '^Name: +auto1' hako info -q -n auto1 -P "$D"
check_output "info --name=NAME works" '^Name: +auto1' hako info --name=auto1 -P "$D"
check_output "ls -q lists" '^auto1$' hako ls -q -1 -P "$D" '^auto1$'
check_output "ls --nesting is --nested" '^auto1$' hako ls --nesting -1 -P "$D" '^auto1$'
hako ls -P "$D" a b >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "ls with two REGEXes is a usage error (2)" || not_ok "ls a b: rc=$rc"
hako info auto1 extra -P "$D" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "info with an extra word is a usage error (2)" || not_ok "info auto1 extra: rc=$rc"
out=$(hako start -P "$D" 2>&1); rc=$?
[ $rc = 2 ] && grep -q 'which container' <<<"$out" && ok "start without NAME: which container? (2)" || not_ok "start: rc=$rc: $out"
out=$(hako start --ephemeral -P "$D" 2>&1); rc=$?
[ $rc = 2 ] && ok "start --ephemeral without SRC is a usage error (2)" || not_ok "start --ephemeral: rc=$rc: $out"
out=$(hako start --ephemeral ghost -n ghost2 -P "$D" 2>&1)
grep -q 'clone "ghost" to "ghost2"' <<<"$out" && ok "start --ephemeral SRC -n NAME: SRC is the first word, NAME from -n" ||
	not_ok "start --ephemeral ghost -n ghost2: $out"
out=$(hako start --ephemeral ghost extra -P "$D" 2>&1); rc=$?
[ $rc = 2 ] && ok "start --ephemeral SRC EXTRA is a usage error (2)" || not_ok "start --ephemeral ghost extra: rc=$rc: $out"
out=$(hako attach -P "$D" -n priv -- true 2>&1)
grep -q 'container "priv" is not running' <<<"$out" && ok "attach -n NAME -- CMD takes NAME from -n" || not_ok "attach -n priv: $out"
out=$(hako attach -P "$D" -v =x priv 2>&1); rc=$?
[ $rc = 2 ] && grep -q 'expected VAR=VALUE' <<<"$out" && ok "attach -v =x: usage error (2)" || not_ok "attach -v =x: rc=$rc: $out"
out=$(hako console -P "$D" -t 99 priv 2>&1); rc=$?
[ $rc = 2 ] && grep -q 'give a tty number' <<<"$out" && ok "console -t 99: usage error (2)" || not_ok "console -t 99: rc=$rc: $out"
out=$(hako attach priv -P "$D" -- true 2>&1)
grep -Eq "container \"priv\" is not running; start it with \"hako start priv -P $D\"\$" <<<"$out" &&
	ok "attach of a stopped container: not running, with the start command, nothing after" || not_ok "attach priv: $out"

# --- an ordinary user's containers are unprivileged
if [ "$(id -u)" != 0 ]; then
	skip "user listing: needs root to switch to the test user"
elif ! ensure_test_user; then
	not_ok "could not make the test user $HK_TEST_USER"
else
	U=$(mktemp -d /tmp/hako-ls-user.XXXXXX)
	mkdir -p "$U/lxc/u1/rootfs"
	printf 'lxc.rootfs.path = %s\nlxc.uts.name = u1\n' "$U/lxc/u1/rootfs" >"$U/lxc/u1/config"
	chown -R "$HK_TEST_USER:" "$U"
	uhako=$U/hako
	cp "$HAKO" "$uhako" && chmod 755 "$uhako"
	out=$(as_user "$uhako" ls -f -P "$U/lxc" 2>&1)
	printf '%s\n' "$out" | grep -Eq '^u1 +STOPPED +- +- +true ' && ok "as a user: ls -f shows u1 with UNPRIVILEGED true" \
		|| { not_ok "as a user: ls -f"; printf '%s\n' "$out" | sed 's/^/#   /'; }
	# And one made by `hako create` as that user: mapped from its sub-ids.
	if as_user "$uhako" create u2 -t busybox -P "$U/lxc" >"$T/create.out" 2>&1; then
		check_output "as a user: a created container is UNPRIVILEGED true" '^u2 +STOPPED +- +- +true ' \
			as_user "$uhako" ls -f -P "$U/lxc"
		first=$(awk -F: -v u="$HK_TEST_USER" '$1 == u { print $2; exit }' /etc/subuid)
		check_output "as a user: info shows the id map from /etc/subuid" "^Id map: +u 0 $first 65536\$" \
			as_user "$uhako" info u2 -P "$U/lxc"
		as_user "$uhako" destroy u2 -P "$U/lxc" >/dev/null 2>&1
	else
		not_ok "as a user: hako create u2 -t busybox"; sed 's/^/#   /' "$T/create.out"
	fi
fi

plan_end
