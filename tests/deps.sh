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
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
