#!/bin/sh
# make demo: creates the busybox container "demo" when it is absent, then
# opens the dashboard on it (plain `hako` with no command).
set -eu
hako=${1:-build/hako}
if ! "$hako" ls | grep -qx demo; then
	"$hako" create demo -t busybox
fi
exec "$hako"
