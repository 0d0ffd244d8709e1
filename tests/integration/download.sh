#!/usr/bin/env bash
# download.sh - `hako create -t download` against a real HTTP server on
# 127.0.0.1 (tests/helpers/hk-httpd) serving an LXC-style image server that
# this test builds: a busybox rootfs (made with `hako create -t busybox`,
# plus a setuid-root file, a device node and a file excludes-user names),
# its metadata, an index, all signed with a throw-away gpg key.  Creates
# and starts containers from it as root and as the test user; then every
# way a download can go wrong (tampered rootfs, bad and missing signature,
# 404, a server that stops mid-file and the resumed retry, a truncated
# archive, plain HTTP without validation) must fail clearly and leave no
# container behind; the cache honours expiry, --force-cache and
# --flush-cache.
# guest-lane: skip - the image server protocol and cache; creating as a user from a tarball runs here in create and tar-dir
. "$(dirname "$0")/../lib.sh"
hk_begin dl "download tests" root
HTTPD=$HK_TOP/build/tests/helpers/hk-httpd
if [ ! -x "$HAKO" ] || [ ! -x "$HTTPD" ]; then
	skip "download: build first (make test-build)"; plan_end; exit
fi
for t in gpg gpgv xz; do
	command -v $t >/dev/null || { skip "download: $t missing (make deps)"; plan_end; exit; }
done

chmod 755 "$T"
P=$T/lxc UP= SRV_PID= started=()
cleanup() {
	local s who name path
	for s in "${started[@]}"; do
		read -r who path name <<<"$s"
		if [ "$who" = root ]; then "$HAKO" stop -k "$name" -P "$path" >/dev/null 2>&1
		else as_user "$HAKO" stop -k "$name" -P "$path" >/dev/null 2>&1; fi
	done
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	for d in "$P"/*/; do [ -f "$d/config" ] && "$HAKO" destroy -q "$(basename "$d")" -P "$P" >/dev/null 2>&1; done
	if [ -n "$UP" ]; then
		for d in "$UP"/lxc/*/; do [ -f "$d/config" ] && as_user "$HAKO" destroy -q "$(basename "$d")" -P "$UP/lxc" >/dev/null 2>&1; done
		rm -rf "$UP"
	fi
	rm -rf "$T"
}
hk_on_exit cleanup

# ---- the image server ----
export GNUPGHOME=$T/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'hako test images <images@hako.test>' ed25519 sign never 2>/dev/null
gpg --batch --quiet --export >"$T/keyring"
chmod 644 "$T/keyring"
OTHER=$T/gnupg-other # a second key, not in the keyring
mkdir -m 700 "$OTHER"
GNUPGHOME=$OTHER gpg --batch --quiet --passphrase '' --quick-gen-key 'someone else <x@hako.test>' ed25519 sign never 2>/dev/null
sign() { gpg --batch --quiet --yes --armor --detach-sign -o "$1.asc" "$1"; }

ROOT=$T/www
BUILD=20261123_01:00
mkdir -p "$ROOT/meta/1.0"
"$HAKO" create img -t busybox -P "$T/build" >/dev/null || { not_ok "cannot build the image's rootfs"; plan_end; exit; }
R=$T/build/img/rootfs
printf 'LXC_NAME\n' >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tLXC_NAME\n' >"$R/etc/hosts"
cp "$R/bin/busybox" "$R/usr/bin/suid-test" && chmod 4755 "$R/usr/bin/suid-test"
mknod "$R/dev/test-null" c 1 3
echo secret >"$R/etc/excluded-file"
tar --numeric-owner -C "$R" -cJf "$T/rootfs.tar.xz" .

# make_image DIST EXPIRY: an image of busybox DIST under ROOT, signed.
make_image() {
	local dist=$1 expiry=$2 dir=$ROOT/images/busybox/$1/amd64/default/$BUILD m=$T/meta-$1
	mkdir -p "$dir" "$m"
	printf 'lxc.signal.halt = SIGUSR1\nlxc.tty.max = 1\nlxc.pty.max = 1024\nlxc.mount.auto = proc:mixed sys:ro\n' >"$m/config"
	{ cat "$m/config"; printf '# config-user of LXC_NAME\n'; } >"$m/config-user"
	printf '/etc/hostname\n/etc/hosts\n' >"$m/templates"
	printf './dev/*\n./etc/excluded-file\n' >"$m/excludes-user"
	echo "$expiry" >"$m/expiry"
	tar -C "$m" -cJf "$dir/meta.tar.xz" config config-user templates excludes-user expiry
	cp "$T/rootfs.tar.xz" "$dir/rootfs.tar.xz"
	sign "$dir/meta.tar.xz"; sign "$dir/rootfs.tar.xz"
	echo "busybox;$dist;amd64;default;$BUILD;/images/busybox/$dist/amd64/default/$BUILD/" >>"$ROOT/meta/1.0/index-system"
}
FUTURE=$(($(date +%s) + 86400))
make_image stable "$FUTURE"
make_image old 1000000000 # expired long ago
make_image tampered "$FUTURE"
D=$ROOT/images/busybox/tampered/amd64/default/$BUILD/rootfs.tar.xz
printf '\x55' | dd of="$D" bs=1 seek=5000 conv=notrunc status=none
make_image badsig "$FUTURE"
D=$ROOT/images/busybox/badsig/amd64/default/$BUILD/rootfs.tar.xz
GNUPGHOME=$OTHER sign "$D"
make_image nosig "$FUTURE"
rm "$ROOT/images/busybox/nosig/amd64/default/$BUILD/rootfs.tar.xz.asc"
make_image trunc "$FUTURE"
D=$ROOT/images/busybox/trunc/amd64/default/$BUILD/rootfs.tar.xz
truncate -s $(($(stat -c %s "$D") / 2)) "$D" && sign "$D"
make_image resume "$FUTURE"
echo "busybox;gone;amd64;default;$BUILD;/images/busybox/gone/amd64/default/$BUILD/" >>"$ROOT/meta/1.0/index-system"
sign "$ROOT/meta/1.0/index-system"
chmod -R a+rX "$T"

LOG=$T/httpd.log
"$HTTPD" "$ROOT" "$T/port" "$LOG" & SRV_PID=$!
for i in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
SERVER=http://127.0.0.1:$(cat "$T/port")
A=(--server "$SERVER" --keyring "$T/keyring" --cache-dir "$T/cache" -a amd64)
gets() { grep -c "^GET /images/busybox/$1/.*/rootfs.tar.xz range=$2\( \|$\)" "$LOG"; }
# gone NAME [PATH]: no trace of container NAME.
gone() { test ! -e "${2:-$P}/$1" && ! "$HAKO" ls -P "${2:-$P}" 2>/dev/null | grep -qw "$1"; }

# ---- --list ----
check_output "--list prints DIST RELEASE ARCH VARIANT BUILD" "^busybox	stable	amd64	default	$BUILD\$" \
	"$HAKO" create -t download -- --list --server "$SERVER" --keyring "$T/keyring"
check_output "--list -r filters" "^busybox	old	" "$HAKO" create -t download -- --list -r old "${A[@]}"
check_output "--list of another template is refused" 'argument of the download template' \
	"$HAKO" create -t busybox -- --list

# ---- root: create, start, attach ----
check "root: create d1 from the server" "$HAKO" create d1 -t download -P "$P" -- -d busybox -r stable "${A[@]}"
check "root: hostname template filled (LXC_NAME)" grep -qx d1 "$P/d1/rootfs/etc/hostname"
check "root: hosts template filled" grep -q '127.0.1.1	d1' "$P/d1/rootfs/etc/hosts"
check "root: config holds the image's config" grep -qx 'lxc.signal.halt = SIGUSR1' "$P/d1/config"
check "root: config has hako's rootfs and name" grep -qx "lxc.uts.name = d1" "$P/d1/config"
check "root: device node unpacked (privileged)" test -c "$P/d1/rootfs/dev/test-null"
check "root: setuid file kept" test -u "$P/d1/rootfs/usr/bin/suid-test"
started+=("root $P d1")
check "root: start d1" "$HAKO" start d1 -P "$P"
check "root: attach d1 -- true" "$HAKO" attach d1 -P "$P" -- true
check_output "root: hostname inside" '^d1$' "$HAKO" attach d1 -P "$P" -- hostname
"$HAKO" stop -k d1 -P "$P" >/dev/null 2>&1

# ---- the cache ----
check "second create uses the cache" "$HAKO" create d2 -t download -P "$P" -- -d busybox -r stable "${A[@]}"
check_output "... the rootfs was fetched once" '^1$' gets stable -1
check "an expired image: create" "$HAKO" create e1 -t download -P "$P" -- -d busybox -r old "${A[@]}"
check "an expired cache is downloaded again" "$HAKO" create e2 -t download -P "$P" -- -d busybox -r old "${A[@]}"
check_output "... two fetches of the expired rootfs" '^2$' gets old -1
check "--force-cache uses the expired cache" "$HAKO" create e3 -t download -P "$P" -- -d busybox -r old --force-cache "${A[@]}"
check_output "... no third fetch" '^2$' gets old -1
check "--flush-cache downloads again" "$HAKO" create e4 -t download -P "$P" -- -d busybox -r stable --flush-cache "${A[@]}"
check_output "... a second fetch of stable" '^2$' gets stable -1
check_output "--force-cache without a cache is refused" 'force-cache: no usable cached image' \
	"$HAKO" create e5 -t download -P "$P" -- -d busybox -r resume --force-cache "${A[@]}"
check "... and made nothing" gone e5

# ---- what must fail, leaving nothing ----
fails() { # fails DESC PATTERN NAME ARGS...
	local desc=$1 pat=$2 name=$3; shift 3
	check_output "$desc: clear error" "$pat" "$HAKO" create "$name" -t download -P "$P" -- "$@" "${A[@]}"
	check "$desc: no container left" gone "$name"
}
fails "tampered rootfs" 'signature check of .*rootfs.tar.xz.* failed: the signature does not match' f1 -d busybox -r tampered
fails "signed by another key" 'signature check .* failed: .*(not in the keyring|cannot be checked)' f2 -d busybox -r badsig
fails "missing signature" 'rootfs.tar.xz.asc.*HTTP 404' f3 -d busybox -r nosig
fails "unknown release" 'has no image busybox nope amd64' f4 -d busybox -r nope
fails "index entry whose files are gone (404)" 'meta.tar.xz.*HTTP 404 \(not found\)' f5 -d busybox -r gone
fails "truncated archive" 'damaged or truncated' f6 -d busybox -r trunc
check_output "plain HTTP with --no-validate is refused" 'no-validate over plain HTTP .* refused' \
	"$HAKO" create f7 -t download -P "$P" -- -d busybox -r stable --no-validate --server "$SERVER"
check "... no container left" gone f7
check_output "a missing keyring names the fix" 'cannot open keyring .*gpg --export' \
	"$HAKO" create f8 -t download -P "$P" -- -d busybox -r stable --server "$SERVER" --keyring "$T/none" --cache-dir "$T/cache"
check_output "an unknown template argument" 'unknown argument "--bogus"' \
	"$HAKO" create f9 -t download -P "$P" -- --bogus
check_output "a field that is not a plain name" 'not a plain name' \
	"$HAKO" create f9 -t download -P "$P" -- -d ../x -r stable "${A[@]}"
check "... no container left" gone f9

# A server that stops mid-file: a clear error, the partial file kept; the
# retry asks for the rest (Range) and succeeds.
echo 20000 >"$ROOT/.stop-after"
fails "a download that breaks off" 'broke off after 20000 bytes.*run the same command again to resume' r1 -d busybox -r resume
check "the partial file stays in the cache" test "$(stat -c %s "$T"/cache/download/*/busybox/resume/amd64/default/rootfs.tar.xz.*.partial)" = 20000
check "retry: create r1" "$HAKO" create r1 -t download -P "$P" -- -d busybox -r resume "${A[@]}"
check_output "... resumed from byte 20000 (206)" '^1$' gets resume "20000 206"
check "... the resumed rootfs is complete" test -x "$P/r1/rootfs/bin/busybox"

# Ctrl-C during a slow download: it stops at once, says so, keeps the
# partial file, and leaves no container.
touch "$ROOT/.slow"
"$HAKO" create i1 -t download -P "$P" -- -d busybox -r stable --flush-cache "${A[@]}" >"$T/int.out" 2>&1 &
CPID=$!
sleep 1.5
kill -INT $CPID
for i in $(seq 50); do kill -0 $CPID 2>/dev/null || break; sleep 0.1; done
kill -0 $CPID 2>/dev/null && { not_ok "interrupt: create still runs 5 s after SIGINT"; kill -9 $CPID; } \
	|| ok "interrupt: create stopped soon after SIGINT"
wait $CPID 2>/dev/null
rm -f "$ROOT/.slow"
check_output "interrupt: says so and how to resume" 'interrupted after [0-9]+ bytes.*resume' cat "$T/int.out"
check "interrupt: no container left" gone i1

# ---- the test user ----
if ! ensure_test_user; then skip "user: cannot make $HK_TEST_USER"; plan_end; exit; fi
"$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1
UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
UP=$(as_user mktemp -d "$UHOME/hako-dl.XXXXXX") && chmod 755 "$UP"
SUB=$(awk -F: -v u="$HK_TEST_USER" '$1 == u && $3 >= 65536 { print $2; exit }' /etc/subuid)
UA=(--server "$SERVER" --keyring "$T/keyring" --cache-dir "$UP/cache" -a amd64)
check "user: create u1" as_user "$HAKO" create u1 -t download -P "$UP/lxc" -- -d busybox -r stable "${UA[@]}"
check "user: config is config-user, filled" grep -qx '# config-user of u1' "$UP/lxc/u1/config"
check "user: config has the id map" grep -qx "lxc.idmap = u 0 $SUB 65536" "$UP/lxc/u1/config"
check "user: files belong to the mapped root" test "$(stat -c %u:%g "$UP/lxc/u1/rootfs/etc/passwd")" = "$SUB:$SUB"
check "user: the setuid-root file belongs to the mapped root" \
	test "$(stat -c %u "$UP/lxc/u1/rootfs/usr/bin/suid-test")" = "$SUB"
check "user: ... and keeps its setuid bit" test -u "$UP/lxc/u1/rootfs/usr/bin/suid-test"
check "user: no device node unpacked" test ! -e "$UP/lxc/u1/rootfs/dev/test-null"
check "user: excludes-user honoured" test ! -e "$UP/lxc/u1/rootfs/etc/excluded-file"
check "user: hostname filled" grep -qx u1 "$UP/lxc/u1/rootfs/etc/hostname"
check "user: cache in the given directory" test -s "$UP/cache/download/127.0.0.1_$(cat "$T/port")/busybox/stable/amd64/default/build_id"
started+=("user $UP/lxc u1")
check "user: start u1" as_user "$HAKO" start u1 -P "$UP/lxc"
check "user: attach u1 -- true" as_user "$HAKO" attach u1 -P "$UP/lxc" -- true
check_output "user: id -u inside is 0" '^0$' as_user "$HAKO" attach u1 -P "$UP/lxc" -- id -u
as_user "$HAKO" stop -k u1 -P "$UP/lxc" >/dev/null 2>&1
check "user: destroy u1" as_user "$HAKO" destroy u1 -P "$UP/lxc"
check_output "user: tampered rootfs refused" 'signature does not match' \
	as_user "$HAKO" create u2 -t download -P "$UP/lxc" -- -d busybox -r tampered "${UA[@]}"
check "user: ... no container left" test ! -e "$UP/lxc/u2"
check_output "user: truncated archive refused" 'damaged or truncated' \
	as_user "$HAKO" create u3 -t download -P "$UP/lxc" -- -d busybox -r trunc "${UA[@]}"
check "user: ... no container left" test ! -e "$UP/lxc/u3"
plan_end
