#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.sh: the packaging users get.  dkms add/build/remove this tree, as
# dkms.conf says, against the newest Debian 6.1 and 6.12 headers: the
# modules dkms.conf names must come out of "make -C <kernel> M=<tree>"
# with no CONFIG_ value on the command line.  Nothing is installed into
# /lib/modules, and nothing is loaded.  The tree goes in under a version of
# its own, removed again, so that an installed vmbus-server is untouched.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

vmbs_apt dkms gcc make rsync >/dev/null

name=vmbus-server
ver=0.0-check
src=/usr/src/$name-$ver
log=$VMBS_CACHE/dkms.log
: >"$log"

cleanup() {
	dkms remove -m "$name" -v "$ver" --all >>"$log" 2>&1 || true
	rm -rf "$src"
}
cleanup
trap cleanup EXIT

mkdir -p "$src"
rsync -rl --exclude .git --exclude '*.o' --exclude '*.ko' --exclude '*.cmd' \
	--exclude '*.mod*' --exclude '*.order' --exclude '*.symvers' \
	"$VMBS_ROOT/" "$src/"
sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$ver\"/" "$src/dkms.conf"

if dkms add -m "$name" -v "$ver" >>"$log" 2>&1; then
	echo "setup ok dkms: dkms add"
else
	echo "not ok dkms: dkms add (see $log)"
	exit 0
fi

# Every directory under drivers/ is one module named after it.
want=$(find "$VMBS_ROOT/drivers" -mindepth 1 -maxdepth 1 -type d \
	-printf '%f\n' | sort | tr '\n' ' ')
for series in 6.1 6.12; do
	rel=$(vmbs_newest_kernel "$series")
	vmbs_kernel_headers "$rel" >/dev/null
	if ! dkms build -m "$name" -v "$ver" -k "$rel" >>"$log" 2>&1; then
		echo "not ok dkms: dkms build for $rel (see $log)"
		continue
	fi
	built=$(find "/var/lib/dkms/$name/$ver/$rel" -name '*.ko*' \
		-printf '%f\n' | sed 's/\.ko.*//' | sort | tr '\n' ' ')
	if [ "$built" = "$want" ]; then
		echo "ok dkms: dkms build for $rel: $want"
	else
		echo "not ok dkms: dkms build for $rel built: ${built:-nothing}"
	fi
done
