#!/usr/bin/env bash
# tests/security/nss.sh - the NSS class of issue 9: the rootfs holds a
# trap NSS module (libnss_hktrap.so.2, named first in nsswitch.conf for
# passwd and group, built against the host's libc) whose constructor
# records which program loaded it.  attach -u NAME and -g NAME resolve
# through the container's files as text, so the trap never fires in a
# process of hako's; the user named in the container's /etc/passwd gets
# exactly that uid.  Four modes.
. "$(dirname "$0")/../lib.sh"
. "$HK_TOP/tests/helpers/modes.sh"
modes_begin ns nss || { plan_end; exit; }
command -v cc >/dev/null || { skip "nss: needs a C compiler for the trap module"; plan_end; exit; }
cat >"$HM_T/trap.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void trap(void)
{
	char exe[256] = "?", line[320];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	int fd = open("/hk-nss-trap", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd >= 0) {
		n = snprintf(line, sizeof(line), "loaded by %s uid %d\n", exe, (int)getuid());
		(void)!write(fd, line, (size_t)n);
		close(fd);
	}
}
C
cc -shared -fPIC -o "$HM_T/libnss_hktrap.so.2" "$HM_T/trap.c" || { not_ok "cannot build the trap module"; plan_end; exit; }
LIBDIR=$(dirname "$(readlink -f /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null || ldconfig -p | awk '/libc.so.6/ { print $NF; exit }')")

nss_mode() {
	local m=$1 l=${HM_LABEL[$1]} r out
	hm_create "$m" || { not_ok "$l: create"; return; }
	r=$(hm_rootfs "$m")
	mkdir -p "$r$LIBDIR" "$r/lib" "$r/lib64" "$r/usr/lib"
	for d in "$LIBDIR" /lib /lib64 /usr/lib; do install -m 755 "$HM_T/libnss_hktrap.so.2" "$r$d/"; done
	printf 'passwd: hktrap files\ngroup: hktrap files\nshadow: hktrap files\n' >"$r/etc/nsswitch.conf"
	echo 'hkuser:x:4321:4322::/:/bin/sh' >>"$r/etc/passwd"
	echo 'hkgroup:x:4323:' >>"$r/etc/group"
	hm_user "$m" && chown -R --reference="$r/hkprobe" "$r/etc" "$r$LIBDIR" "$r/lib" "$r/lib64" "$r/usr/lib"
	check "$l: start" hm "$m" start "$HM_N"
	check_output "$l: -u hkuser (from the container's passwd) is uid 4321" '^4321$' hm "$m" attach "$HM_N" -u hkuser -- id -u
	check_output "$l: -u hkuser -g hkgroup gives gid 4323" '^4323$' hm "$m" attach "$HM_N" -u hkuser -g hkgroup -- id -g
	check_fails "$l: -u nosuchuser is refused" hm "$m" attach "$HM_N" -u nosuchuser -- true
	out=$(cat "$r/hk-nss-trap" 2>/dev/null)
	[ -z "$out" ] && ok "$l: the container's NSS module was never loaded" \
		|| not_ok "$l: the trap fired: $(echo $out)"
	check "$l: stop" hm "$m" stop -k "$HM_N"
}
for_modes nss_mode
plan_end
