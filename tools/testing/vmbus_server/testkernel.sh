#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# testkernel.sh: build the vmbus-server test kernel, once, cached by the
# content of its inputs.  Debian's linux-source-6.12 with the loopback
# hypervisor shim (testkernel/hv-loopback.patch, arch/x86 only) and the
# config fragment testkernel/config merged over x86_64 tinyconfig: SMP,
# PREEMPT, KASAN, kmemleak, lockdep, KUnit, and Linux's Hyper-V guest
# drivers as modules.
#
# The source is the tree kunit.sh and lint.sh use ($VMBS_SOURCE_TREE),
# with the shim applied (its .vmbs-loopback-patch is
# the patch it carries): the shim touches nothing UML builds.
# Cache layout ($VMBS_CACHE/testkernel):
#   build/       the O= build directory: out-of-tree modules build against it
#   out/         bzImage, modules/ (the kernel's modules, depmod'ed), the
#                release name and the key of the inputs they came from
# A changed patch is reverted and the new one applied, a changed fragment
# is merged anew; make then rebuilds only what changed.
#
# Sourced (by testqemu.sh) it only defines functions; run, it builds and
# prints the out/ directory.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VMBS_TK_DIR=$VMBS_CACHE/testkernel
VMBS_TK_INPUTS=$VMBS_ROOT/tools/testing/vmbus_server/testkernel

# vmbs_tk_key: what the kernel is built from, as one hash.
vmbs_tk_key() {
	{
		dpkg-query -W -f='${Version}\n' linux-source-6.12
		echo "$VMBS_SOURCE_TREE"
		cat "$VMBS_TK_INPUTS/hv-loopback.patch" "$VMBS_TK_INPUTS/config"
	} | sha256sum | cut -c1-16
}

# vmbs_tk_source: the source tree, brought to the current patch.  Sets
# VMBS_TK_SRC.
vmbs_tk_source() {
	local src patch=$VMBS_TK_INPUTS/hv-loopback.patch
	local applied

	src=$(vmbs_source_tree) || return 1
	VMBS_TK_SRC=$src
	# kunit.sh overlays this project on the same tree: its Kconfig must
	# name this checkout's directories, or the tree's Kconfig is broken.
	"$VMBS_ROOT/tools/testing/vmbus_server/overlay.sh" "$src" ||
		return 1
	applied=$src/.vmbs-loopback-patch
	if [ -f "$applied" ] && cmp -s "$applied" "$patch"; then
		return 0
	fi
	if [ -f "$applied" ]; then
		vmbs_log "reverting the previous shim"
		patch -d "$src" -p1 -R -s <"$applied"
		rm "$applied"
	fi
	vmbs_log "applying the loopback shim"
	patch -d "$src" -p1 -s --no-backup-if-mismatch <"$patch"
	cp "$patch" "$applied"
}

# vmbs_tk_config: tinyconfig + the fragment; every option the fragment
# sets must survive olddefconfig, or the build stops here.
vmbs_tk_config() {
	local src=$VMBS_TK_SRC build=$VMBS_TK_DIR/build
	local frag=$VMBS_TK_INPUTS/config stamp line missing=()

	# A build directory belongs to one source tree: its dependency
	# files name the tree's paths.
	if [ "$(cat "$build/.vmbs-source" 2>/dev/null)" != "$src" ]; then
		rm -rf "$build"
		mkdir -p "$build"
		echo "$src" >"$build/.vmbs-source"
	fi
	stamp=$(sha256sum "$frag" | cut -c1-16)
	if [ -f "$build/.config" ] &&
	   [ "$(cat "$build/.vmbs-config" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	mkdir -p "$build"
	make -C "$src" O="$build" ARCH=x86_64 -s tinyconfig >&2
	"$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
		"$build/.config" "$frag" >/dev/null
	make -C "$src" O="$build" ARCH=x86_64 -s olddefconfig >&2
	while IFS= read -r line; do
		case $line in
		CONFIG_*=n) ! grep -q "^${line%=n}=" "$build/.config" ||
				missing+=("$line") ;;
		CONFIG_*) grep -qx "$line" "$build/.config" ||
				missing+=("$line") ;;
		esac
	done <"$frag"
	if [ ${#missing[@]} -gt 0 ]; then
		vmbs_log "the test kernel config lost: ${missing[*]}"
		return 1
	fi
	echo "$stamp" >"$build/.vmbs-config"
}

# vmbs_tk_build: make sure out/ holds the kernel of the current inputs.
# Sets VMBS_TK_OUT, VMBS_TK_BUILD and VMBS_TK_REL.
vmbs_tk_build() {
	local key out=$VMBS_TK_DIR/out build=$VMBS_TK_DIR/build start=$SECONDS
	local log=$VMBS_TK_DIR/build.log lock

	vmbs_apt gcc make bc flex bison python3 libc6-dev libelf-dev \
		libssl-dev cpio xz-utils patch kmod rsync \
		linux-source-6.12 >/dev/null
	mkdir -p "$VMBS_TK_DIR"
	exec {lock}>"$VMBS_TK_DIR/.lock"
	flock "$lock"
	VMBS_TK_OUT=$out
	# shellcheck disable=SC2034 # what modules build against (testguest.sh)
	VMBS_TK_BUILD=$build
	key=$(vmbs_tk_key)
	if [ "$(cat "$out/key" 2>/dev/null)" = "$key" ]; then
		VMBS_TK_REL=$(cat "$out/release")
		flock -u "$lock"
		return 0
	fi
	vmbs_tk_source
	vmbs_tk_config
	vmbs_log "building the test kernel (log: $log)"
	if ! make -C "$VMBS_TK_SRC" O="$build" ARCH=x86_64 \
		-j"$(nproc)" bzImage modules >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		vmbs_log "test kernel build failed, see $log"
		return 1
	fi
	rm -rf "$out"
	mkdir -p "$out"
	make -C "$VMBS_TK_SRC" O="$build" ARCH=x86_64 -s \
		INSTALL_MOD_PATH="$out/modules" INSTALL_MOD_STRIP=1 \
		modules_install >>"$log" 2>&1
	cp "$build/arch/x86/boot/bzImage" "$out/bzImage"
	make -C "$VMBS_TK_SRC" O="$build" -s kernelrelease >"$out/release"
	VMBS_TK_REL=$(cat "$out/release")
	echo "$key" >"$out/key"
	vmbs_log "test kernel $VMBS_TK_REL built in $((SECONDS - start)) s; cache $(du -sh "$VMBS_TK_DIR" | cut -f1)"
	flock -u "$lock"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	vmbs_tk_build
	echo "$VMBS_TK_OUT"
fi
