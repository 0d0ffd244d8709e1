#!/usr/bin/env bash
# tests/security/store-modes.sh - no host user can walk into a container's
# rootfs: a setuid binary the container's root left there (a privileged
# container's is setuid host root) cannot be run by another user.  The
# container directory is 0700 (privileged) or 0710 with the group of the
# container's root (id map), which must still reach its rootfs: the
# container starts and runs, and so do a copy and an overlay snapshot of
# it.  doctor names a directory left open (by an older hako) and its fix.
. "$(dirname "$0")/../lib.sh"
hk_begin stm "container directories" modes

# other CMD...: CMD as nobody, with no groups (through sh: setpriv
# itself finds CMD before it drops root).
other() { setpriv --reuid=65534 --regid=65534 --clear-groups -- sh -c 'exec "$@"' sh "$@"; }

# want_mode DESC DIR MODE GROUP
want_mode() {
	local got
	got=$(stat -c '%a %g' "$2")
	[ "$got" = "$3 $4" ] && ok "$1: mode and group $got" || not_ok "$1: mode and group '$got', want '$3 $4'"
}

# root_gid MODE: the host gid of the container's gid 0.
root_gid() {
	case $1 in rp) echo 0 ;; ru) echo 300000 ;;
	*) awk -F: -v u="$HK_TEST_USER" '$1 == u { print $2; exit }' /etc/subgid ;; esac
}

one_mode() {
	local m=$1 l=${HM_LABEL[$1]} d r g want s
	hm_create "$m" || { not_ok "$l: create"; return; }
	d=$(hm_dir "$m") r=$(hm_rootfs "$m") g=$(root_gid "$m")
	want=$([ "$m" = rp ] && echo 700 || echo 710)
	want_mode "$l: container directory" "$d" "$want" "$([ "$m" = rp ] && echo 0 || echo "$g")"
	# The setuid binary: what the container's root could leave.
	s=$r/tmp/hkx/s
	mkdir -p "$r/tmp/hkx" && cp /usr/bin/id "$s" && chown "$(stat -c %u:%g "$r")" "$s" "$r/tmp/hkx" &&
		chmod 4755 "$s" && chmod 755 "$r/tmp/hkx"
	if other test -x "$(hm_path "$m")"; then
		check_fails "$l: nobody cannot run the container's setuid binary" other "$s" -u
		check_fails "$l: nobody cannot list the container directory" other ls "$d"
	else
		not_ok "$l: nobody cannot even reach $(hm_path "$m"): the test proves nothing"
	fi
	check "$l: the container starts" hm "$m" start "$HM_N"
	check_output "$l: and runs" "^ran$" hm_in "$m" echo ran
	hm "$m" stop -k "$HM_N" >/dev/null 2>&1
	check "$l: clone" hm "$m" clone "$HM_N" "$HM_N-c"
	want_mode "$l: the clone's directory" "$d-c" "$want" "$([ "$m" = rp ] && echo 0 || echo "$g")"
	check "$l: overlay snapshot" hm "$m" clone -s -B overlay "$HM_N" "$HM_N-o"
	want_mode "$l: the snapshot's directory" "$d-o" "$want" "$([ "$m" = rp ] && echo 0 || echo "$g")"
	check "$l: the overlay snapshot starts" hm "$m" start "$HM_N-o"
	check_output "$l: and runs" "^ran$" hm "$m" attach "$HM_N-o" -- echo ran
	hm "$m" stop -k "$HM_N-o" >/dev/null 2>&1
	doctor_names "$m" "$d"
	hm "$m" destroy -f "$HM_N-o" >/dev/null 2>&1
	hm "$m" destroy -f "$HM_N-c" >/dev/null 2>&1
}

# doctor_names MODE DIR: an open directory is a WARN whose fix closes it.
doctor_names() {
	local m=$1 l=${HM_LABEL[$1]} out fix
	out=$(hm "$m" doctor 2>&1)
	grep -q 'OK \] container directories: closed' <<<"$out" && ok "$l: doctor: closed" ||
		not_ok "$l: doctor: $(grep 'container directories' <<<"$out")"
	chmod 0755 "$2"
	out=$(hm "$m" doctor 2>&1)
	if grep -q "WARN\] container directories.*$HM_N (0755)" <<<"$out"; then
		ok "$l: doctor warns about the open directory"
	else
		not_ok "$l: doctor: $(grep -A2 'container directories' <<<"$out")"
	fi
	fix=$(hm "$m" doctor --json 2>/dev/null | grep '"name": "container directories"' |
		grep -o '"fix": *"[^"]*"' | sed 's/^"fix": *"//; s/"$//')
	if [ "$m" = rp ] || [ "$m" = ru ]; then bash -c "$fix"; else as_user bash -c "$fix"; fi
	want_mode "$l: doctor's fix ($fix)" "$2" "$([ "$m" = rp ] && echo 700 || echo 710)" \
		"$([ "$m" = rp ] && echo 0 || echo "$(root_gid "$m")")"
}

for_modes one_mode
plan_end
