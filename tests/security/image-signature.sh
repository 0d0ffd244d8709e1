#!/usr/bin/env bash
# image-signature.sh - image signatures: a flipped
# byte in the rootfs, the metadata or the index, a missing signature, a
# signature by a key not in the keyring, and plain HTTP with
# --no-validate are all refused before anything is decompressed or
# unpacked.  The rootfs served is a hostile archive (a ../ entry aimed at a
# host file), so an unpack before the check would show in the error or on
# the host.  Modes: root and the test user.
# guest-lane: skip - gpg checks before anything is unpacked: the same on every host
. "$(dirname "$0")/../lib.sh"
HTTPD=$HK_TOP/build/tests/helpers/hk-httpd
hk_begin sig "image signature tests" root needs=$HTTPD
command -v gpg >/dev/null && command -v gpgv >/dev/null || { skip "gpg/gpgv missing"; plan_end; exit; }

chmod 755 "$T"
SRV_PID= UP=
ESCAPE=/tmp/hk-sig-escape.$$
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	rm -rf "$T" "$ESCAPE"
	[ -n "$UP" ] && rm -rf "$UP"
}
hk_on_exit cleanup

export GNUPGHOME=$T/g1
mkdir -m 700 "$GNUPGHOME" "$T/g2"
gpg --batch --quiet --passphrase '' --quick-gen-key 'images <i@hako.test>' ed25519 sign never 2>/dev/null
GNUPGHOME=$T/g2 gpg --batch --quiet --passphrase '' --quick-gen-key 'other <o@hako.test>' ed25519 sign never 2>/dev/null
gpg --batch --quiet --export >"$T/keyring"
sign() { gpg --batch --quiet --yes --armor --detach-sign -o "$1.asc" "$1"; }

W=$T/www B=1
mkdir -p "$T/evil" "$T/meta" "$W/meta/1.0"
echo pwned >"$T/evil/payload"
tar -C "$T/evil" -cJf "$T/rootfs.tar.xz" -P --transform="s,^payload\$,../../../../../..$ESCAPE," payload
printf 'lxc.tty.max = 1\n' >"$T/meta/config"
tar -C "$T/meta" -cJf "$T/meta.tar.xz" config
# image NAME: a correctly signed image NAME, then the caller spoils it.
image() {
	local d=$W/i/$1
	mkdir -p "$d" && cp "$T/rootfs.tar.xz" "$T/meta.tar.xz" "$d/"
	sign "$d/rootfs.tar.xz"; sign "$d/meta.tar.xz"
	echo "evil;$1;amd64;default;$B;/i/$1/" >>"$W/meta/1.0/index-system"
}
# flip FILE OFFSET: inverts the byte there (writing a fixed byte changed
# nothing when it was already that byte: 1 run in 256 passed a "flipped"
# file with a good signature)
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
image flipped && flip "$W/i/flipped/rootfs.tar.xz" 100
image metaflip && flip "$W/i/metaflip/meta.tar.xz" 40
image unsigned && rm "$W/i/unsigned/rootfs.tar.xz.asc"
image otherkey && GNUPGHOME=$T/g2 sign "$W/i/otherkey/rootfs.tar.xz"
image plain
sign "$W/meta/1.0/index-system"
mkdir -p "$T/w2/meta/1.0" && cp -r "$W/i" "$T/w2/" && cp "$W/meta/1.0/"* "$T/w2/meta/1.0/"
echo "evil;late;amd64;default;$B;/i/plain/" >>"$T/w2/meta/1.0/index-system" # after signing
chmod -R a+rX "$T"

"$HTTPD" "$T" "$T/port" "$T/log" & SRV_PID=$!
for i in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
S=http://127.0.0.1:$(cat "$T/port")

# refused MODE P WRAPPER DESC PATTERN RELEASE [SERVER-SUFFIX] [ARGS...]
refused() {
	local m=$1 p=$2 w=$3 desc=$4 pat=$5 rel=$6 srv=$7 out; shift 7
	out=$($w "$HAKO" create "s-$rel" -t download -P "$p" -- -d evil -r "$rel" -a amd64 \
		--server "$S/$srv" --keyring "$T/keyring" --cache-dir "$p.cache" "$@" 2>&1) && {
		not_ok "$m: $desc: accepted"; return; }
	if printf '%s' "$out" | grep -Eq "$pat" && ! printf '%s' "$out" | grep -Eq 'leads out|damaged or truncated|not a tarball'; then
		ok "$m: $desc: refused before unpacking"
	else not_ok "$m: $desc: $out"; fi
	check "$m: $desc: nothing written on the host, no container" \
		test ! -e "$ESCAPE" -a ! -e "$p/s-$rel"
}
modes() {
	local m=$1 p=$2 w=$3
	refused "$m" "$p" "$w" "flipped byte in the rootfs" 'rootfs.tar.xz.*signature does not match' flipped www
	refused "$m" "$p" "$w" "flipped byte in the metadata" 'meta.tar.xz.*signature does not match' metaflip www
	refused "$m" "$p" "$w" "missing signature" 'rootfs.tar.xz.asc.*HTTP 404' unsigned www
	refused "$m" "$p" "$w" "signed by an unknown key" 'not in the keyring|cannot be checked' otherkey www
	refused "$m" "$p" "$w" "index changed after signing" 'index-system.*signature does not match' late w2
	: >"$T/log"
	refused "$m" "$p" "$w" "plain HTTP with --no-validate" 'no-validate over plain HTTP' plain www --no-validate
	check "$m: ... nothing was even fetched" test ! -s "$T/log"
}
modes root "$T/root" env
if ensure_test_user; then
	"$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1
	UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
	UP=$(as_user mktemp -d "$UHOME/hako-sig.XXXXXX") && chmod 755 "$UP"
	modes user "$UP/lxc" as_user
else
	skip "user: cannot make $HK_TEST_USER"
fi
plan_end
