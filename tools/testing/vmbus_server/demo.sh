#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [PARAM=VALUE...]: what vmbus-server does, in one run.  Builds the
# modules for the newest Debian 6.12 kernel, boots that stock kernel in QEMU
# (TCG), loads vmbus_server and the sample back-end, unloads them, and
# prints what the sample logged: the offer a guest would receive, decoded
# field by field, and the rescind on unload.  Each PARAM=VALUE is handed to
# the sample, e.g. "demo.sh mmio_mb=32 mmio_optional_mb=0".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/qemu.sh"

# The kernel log of a step, without timestamps and the expected taint notes.
vmbs_demo_show() {
	vmbs_qemu_step_log "$1" |
		sed -e 's/^\[ *[0-9.]*\] //' |
		grep -v -e 'loading out-of-tree module taints kernel' \
			-e 'module verification failed' |
		sed 's/^/    /' || true
}

vmbs_demo() {
	local param steps n rc version splats status=0

	for param in "$@"; do
		[[ $param =~ ^[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.,+-]*$ ]] ||
			vmbs_die "bad module parameter '$param' (want name=value)"
	done

	vmbs_qemu_setup 6.12 demo
	if ! vmbs_qemu_build; then
		tail -n 30 "$VMBS_RUN/build.log" >&2
		vmbs_die "build failed, see $VMBS_RUN/build.log"
	fi
	steps=(
		"insmod /modules/vmbus_server.ko"
		"insmod /modules/vmbus_server_sample.ko${*:+ $*}"
		"rmmod vmbus_server_sample"
		"rmmod vmbus_server"
	)
	vmbs_qemu_initramfs "${steps[@]}"
	VMBS_QEMU_BOOT_RC=0
	vmbs_qemu_boot || VMBS_QEMU_BOOT_RC=$?

	version=$(vmbs_qemu_kernel_version)
	if [ -z "$version" ]; then
		vmbs_die "the guest did not reach /init, see $VMBS_RUN/console.log"
	fi
	echo "Guest: Debian's stock Linux $version (linux-image-$VMBS_REL), QEMU TCG, busybox initramfs"
	echo "The sample back-end plays the guest's VMBus driver and logs what it receives."
	for n in "${!steps[@]}"; do
		echo
		echo "guest# ${steps[n]/\/modules\//}"
		vmbs_demo_show $((n + 1))
		rc=$(vmbs_qemu_step_rc $((n + 1)))
		if [ "$rc" != 0 ]; then
			echo "    (exit status ${rc:-unknown: the step did not finish})"
			status=1
		fi
		if [ "$rc" != 0 ] && [[ ${steps[n]} == insmod* ]]; then
			echo "    (busybox's insmod retries a failed load once, so the module's messages may appear twice)"
		fi
	done

	splats=$(vmbs_qemu_splats)
	if [ -n "$splats" ]; then
		echo
		echo "Kernel splat:"
		printf '    %s\n' "$splats"
		status=1
	fi
	if ! vmbs_qemu_finished; then
		vmbs_log "the guest did not finish (QEMU exit status $VMBS_QEMU_BOOT_RC)"
		status=1
	fi
	vmbs_log "console log: $VMBS_RUN/console.log"
	return "$status"
}

vmbs_demo "$@"
