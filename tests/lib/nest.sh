# tests/lib/nest.sh - shared by the nest-*.sh tests (sourced after
# tests/lib.sh): the nesting profile of this build, running hako inside a
# parent container, and waiting for busybox's boot.

NEST_PROFILE=$HK_TOP/build/config/nesting.conf
NEST_STATIC=$HK_TOP/build/hako-static

# nest_ready: the static hako and the profile that mounts it exist.
nest_ready() { [ -x "$NEST_STATIC" ] && [ -f "$NEST_PROFILE" ]; }

# in_parent WHO PATH PARENT CMD...: CMD as root inside the parent
# container (WHO: root, or the host user that owns it).
in_parent() {
	local who=$1 path=$2 parent=$3; shift 3
	if [ "$who" = root ]; then "$HAKO" attach "$parent" -P "$path" -- "$@"
	else HK_TEST_USER=$who as_user "$HAKO" attach "$parent" -P "$path" -- "$@"; fi
}

# wait_boot WHO PATH NAME: until busybox's rcS is over in the parent
# (HK_BOOTED_SH).
wait_boot() {
	local i
	for i in $(seq 50); do
		in_parent "$1" "$2" "$3" sh -c "$HK_BOOTED_SH" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# nested_cgroups_in PARENT_INIT: every directory of the cgroups that
# PARENT_INIT (a parent container's init) sits in, in every hierarchy:
# where hako inside it makes its containers' cgroups (DIR/hako/NAME).
# On cgroup v2 hako inside moves the parent's own processes from its
# cgroup root into init.scope first, so that level is the parent's.
nested_cgroups_in() {
	local line
	while IFS= read -r line; do hk_cg_dirs_of "$line"; done <"/proc/$1/cgroup" |
		sed 's|/init\.scope$||' | sort -u
}
# parent_cg_dir PARENT_INIT: one of those, the v1 freezer's where there is
# one (a hybrid host), else the v2 one.
parent_cg_dir() {
	local all
	all=$(nested_cgroups_in "$1")
	printf '%s\n' "$all" | grep -m1 '/freezer/' || printf '%s\n' "$all" | head -1
}
# cgroup_v2_inside WHO PATH PARENT: true when the parent sees a pure
# cgroup v2 tree at /sys/fs/cgroup (its cgroup.controllers; busybox's
# stat -f calls cgroup2fs "UNKNOWN").
cgroup_v2_inside() {
	in_parent "$1" "$2" "$3" test -f /sys/fs/cgroup/cgroup.controllers 2>/dev/null
}
