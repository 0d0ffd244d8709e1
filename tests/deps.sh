#!/bin/sh
# Installs the Debian packages hako needs to build and test, when missing:
# one `apt-get update`, then one `apt-get install`.  Used by make deps.
set -eu
missing=""
for p in "$@"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "hako: missing Debian packages:$missing" >&2
	echo "hako: install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "hako: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# openssh-server's postinst would start the system's sshd on port 22; the
# tests run their own (sshd -f, in network namespaces) and nothing here
# wants the system's: no service starts during an install that brings it
# (policy-rc.d, Debian's way), unless the host already has a policy.
policy=/usr/sbin/policy-rc.d
made_policy=""
case " $missing " in
*" openssh-server "*)
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# hako tests/deps.sh: no service starts while it installs\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		made_policy=1
	fi ;;
esac
trap '[ -z "$made_policy" ] || rm -f "$policy"' EXIT
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
