#!/usr/bin/env bash
# nic-link-check.sh MAP - hako-nic runs setuid root, so it must carry only
# the code it runs: its own (core/nic/, build/libhakonic.a) and a small
# base from libhako.a (names, its own files, netlink).  Reads the GNU ld
# map of build/hako-nic (make links it with -Wl,-Map) and fails, naming
# each forbidden object and the object and symbol that pulled it in, when
# it holds anything of the config, the store, the storage backends, the
# engine or a front end.  make nic-link-check runs it; tests/run lint too.
# Prints TAP.
set -uo pipefail
map=${1:?usage: nic-link-check.sh build/hako-nic.map}

# Archive members of libhako.a hako-nic must never link, by module.
forbidden_config="config.o config-keys.o config-text.o ini-run.o idmap.o subid.o settings.o
	mount-entry.o prlimits.o seccomp-policy.o remote-conf.o"
forbidden_store="store.o store-paths.o store-modes.o store-sweep.o store-watch.o lock.o state.o
	list.o rename.o destroy.o snapshot.o clone.o create.o autostart.o"
forbidden_storage="storage.o storage-dir.o storage-overlay.o storage-btrfs.o storage-zfs.o
	storage-aufs.o copy.o template-busybox.o template-dir.o template-download.o template-tar.o
	image-http.o image-index.o image-unpack.o image-verify.o"
forbidden_engine="net.o net-addr.o net-bridge.o net-veth.o netns-read.o nic-client.o monitor.o
	monitor-client.o monitor-lxc.o spawn.o lifecycle.o runner.o attach.o console.o rootfs.o
	rootfs-exec.o mountfd.o caps.o seccomp.o cgroup-manage.o cgroup-detect.o cgroup-v1.o
	cgroup-v2.o cgroup-systemd.o doctor.o doctor-nic.o doctor-store.o setup-user.o stub.o
	hako-stub-blob.o userns-exec.o nest.o nest-list.o remote.o remote-ssh.o wait.o"

echo "1..1"
if [ ! -s "$map" ]; then
	echo "not ok 1 - no link map \"$map\" (make builds it with hako-nic)"
	exit 1
fi

# "ARCHIVE(MEMBER) REFERRER (SYMBOL)" for each archive member the link
# pulled in, from the map's first section (the referrer stands on the
# member's line, or alone on the next when the member's name is long).
members=$(awk '
	/^Archive member included/ { on = 1; next }
	on && /^(Discarded|Allocating|Memory Configuration|As-needed)/ { exit }
	on && /^[^ \t]/ { if (m != "") print m, r; m = $1; r = ""; $1 = ""; r = $0; next }
	on && /^[ \t]+[^ \t]/ { sub(/^[ \t]+/, ""); r = r " " $0 }
	END { if (m != "") print m, r }' "$map")
if [ -z "$members" ]; then
	echo "not ok 1 - \"$map\" lists no archive member: not a GNU ld map of hako-nic?"
	exit 1
fi

bad=0
for mod in config store storage engine; do
	list=forbidden_$mod
	for obj in ${!list}; do
		line=$(grep -E "^[^ ]*/lib[a-z]+\.a\($obj\) " <<<"$members" | head -1)
		[ -n "$line" ] || continue
		bad=$((bad + 1))
		read -r member referrer <<<"$line"
		echo "# hako-nic links $member ($mod), pulled in by $referrer"
	done
done
# A front end: an object of tui/ or widgets/, or ncurses.
front=$(grep -E "(libhkwidgets\.a|/tui/|/widgets/|libncurses|libtinfo)" <<<"$members" | head -5)
if [ -n "$front" ]; then
	bad=$((bad + 1))
	sed 's/^/# hako-nic links a front end: /' <<<"$front"
fi
ours=$(grep -oE '^[^ ]*lib(hako|hakonic)\.a\([^)]*\)' <<<"$members" | sed 's/.*(\(.*\))/\1/' | sort | tr '\n' ' ')
if [ "$bad" = 0 ]; then
	echo "ok 1 - hako-nic links nothing of the config, store, storage, engine or a front end"
else
	echo "not ok 1 - hako-nic links $bad forbidden object(s) (above); keep it to core/nic/ and the base"
fi
echo "# hako-nic's objects from libhakonic.a and libhako.a: $ours"
[ "$bad" = 0 ]
