# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by the vmbus-server test scripts: where things are cached, how
# packages are installed, which Debian kernels are the newest.

VMBS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
VMBS_CACHE=${VMBS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmbus-server}
mkdir -p "$VMBS_CACHE"

vmbs_log() { printf '[vmbus-server] %s\n' "$*" >&2; }
vmbs_die() { vmbs_log "error: $*"; exit 1; }

# vmbs_apt_update: refresh the package lists, at most every six hours.
vmbs_apt_update() {
	if [ -f "$VMBS_CACHE/.apt-updated" ] &&
	   [ -z "$(find "$VMBS_CACHE/.apt-updated" -mmin +360)" ]; then
		return 0
	fi
	vmbs_log "refreshing the package lists"
	apt-get update -qq >&2 || return 1
	touch "$VMBS_CACHE/.apt-updated"
}

# vmbs_apt PACKAGE...: install what is missing, quietly.
vmbs_apt() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	vmbs_log "installing ${missing[*]}"
	vmbs_apt_update || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2
}

# vmbs_newest_kernel SERIES: the newest Debian amd64 kernel release of a
# series ("6.1" or "6.12") for which both image and headers exist.  A
# machine whose tools were all installed may never have fetched the
# package lists: then they are fetched once.
vmbs_newest_kernel() {
	local rel

	rel=$(vmbs_find_kernel "$1")
	if [ -z "$rel" ]; then
		vmbs_apt_update || return 1
		rel=$(vmbs_find_kernel "$1")
	fi
	echo "$rel"
}

vmbs_find_kernel() {
	local series=$1 pattern
	case $series in
	6.1) pattern='^linux-headers-(6\.1\.0-[0-9]+-amd64)$' ;;
	6.12) pattern='^linux-headers-(6\.12\.[0-9]+\+deb12-amd64)$' ;;
	*) vmbs_die "unknown kernel series $series" ;;
	esac
	apt-cache pkgnames linux-headers- 2>/dev/null |
		sed -nE "s/$pattern/\1/p" | sort -V -r |
		while read -r rel; do
			if [ -n "$(vmbs_image_package "$rel")" ]; then
				echo "$rel"
				break
			fi
		done
}

# vmbs_image_package RELEASE: the package that has the release's kernel
# image: the signed one, or the same kernel unsigned (the security archive
# sometimes publishes the unsigned build first).
vmbs_image_package() {
	local pkg

	for pkg in "linux-image-$1" "linux-image-$1-unsigned"; do
		case $(apt-cache policy "$pkg" 2>/dev/null |
		       sed -n 's/^ *Candidate: //p') in
		'' | '(none)') ;;
		*) echo "$pkg"; return 0 ;;
		esac
	done
}

# vmbs_kernel_image RELEASE: path of the stock vmlinuz, unpacked from the
# Debian package into the cache (never installed on this machine).
vmbs_kernel_image() {
	local rel=$1 dir="$VMBS_CACHE/kernels/$1"
	if [ ! -f "$dir/vmlinuz" ]; then
		mkdir -p "$dir/deb"
		(cd "$dir/deb" &&
		 apt-get download -qq "$(vmbs_image_package "$rel")" >&2) ||
			return 1
		dpkg-deb --fsys-tarfile "$dir"/deb/*.deb |
			tar -x -C "$dir" --wildcards './boot/vmlinuz-*' || return 1
		mv "$dir"/boot/vmlinuz-* "$dir/vmlinuz"
		rm -rf "${dir:?}/deb" "${dir:?}/boot"
	fi
	echo "$dir/vmlinuz"
}

# vmbs_kernel_headers RELEASE: the kbuild directory for out-of-tree builds.
vmbs_kernel_headers() {
	vmbs_apt "linux-headers-$1" || return 1
	echo "/usr/src/linux-headers-$1"
}

# vmbs_build_modules RELEASE KDIR [MAKE ARGS...]: build every module of the
# project against KDIR in a copy of the checkout kept in the cache, so the
# work tree stays clean and kernels do not share objects.  Prints the build
# directory; the build's output goes to stderr.
vmbs_build_modules() {
	local rel=$1 kdir=$2 dir="$VMBS_CACHE/build-$1"
	shift 2
	mkdir -p "$dir"
	# Content, not timestamps, decides what is copied: a copy gets a new
	# mtime, so kbuild never keeps an object older than its source.
	rsync -rl --checksum --delete --exclude .git --exclude '*.o' \
		--exclude '*.ko' \
		--exclude '*.cmd' --exclude '*.mod*' --exclude '*.order' \
		--exclude '*.symvers' "$VMBS_ROOT/" "$dir/" >&2 || return 1
	make -C "$dir" KDIR="$kdir" -j"$(nproc)" "$@" modules >&2 || return 1
	echo "$dir"
}

# vmbs_build_tool BUILD_DIR: the user-space VMM and guest (tools/vmbus_server),
# linked statically for a busybox initramfs, in a build directory
# vmbs_build_modules made.  Prints the binary's path.
vmbs_build_tool() {
	# -B: the build tree is a copy of the checkout, where a binary built
	# by hand (dynamic, newer than its sources) would pass for this one.
	make -B -C "$1/tools/vmbus_server" STATIC=1 >&2 || return 1
	echo "$1/tools/vmbus_server/vmbus-vmm"
}

# vmbs_source_tree: Debian's linux-source-6.12, unpacked into the cache.
VMBS_SOURCE_TREE=$VMBS_CACHE/linux-source-6.12
vmbs_source_tree() {
	local tree=$VMBS_SOURCE_TREE
	if [ ! -f "$tree/.vmbs-unpacked" ]; then
		vmbs_apt linux-source-6.12 xz-utils || return 1
		rm -rf "$tree"
		tar -C "$VMBS_CACHE" -xf /usr/src/linux-source-6.12.tar.xz ||
			return 1
		touch "$tree/.vmbs-unpacked"
	fi
	echo "$tree"
}
