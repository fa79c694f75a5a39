#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [PARAM=VALUE...]: what vmbus-server does, in one run.  Boots the
# test kernel (testkernel.sh; built once, then cached) in QEMU, where
# Linux's own Hyper-V guest drivers talk to a vmb_server through the
# loopback transport, and prints the guest's view of the devices the host
# offers, as lsvmbus shows them, next to the host's view (the server's
# debugfs file), and a VMM's view: tools/vmbus_server/vmbus-vmm attaching
# a VM of its own through /dev/vmbus_server.  Each PARAM=VALUE goes to the loopback module, e.g.
#   demo.sh devices=heartbeat,synthvid:32:0 extra=4
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/testguest.sh"

VMBS_DEMO_DEVICES=devices=heartbeat,shutdown,synthvid:8:16

# A step's output without the kernel messages echoed to the console.
vmbs_demo_show() {
	vmbs_qemu_step_output "$1" | grep -v '^\[ *[0-9]*\.[0-9]*\]' |
		sed 's/^/    /' || true
}

vmbs_demo() {
	local param params=() lb=$VMBS_TG_LB srv=$VMBS_TG_SERVER status=0

	for param in "$@"; do
		[[ $param =~ ^[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.,:@+-]*$ ]] ||
			vmbs_die "bad module parameter '$param' (want name=value)"
	done
	[[ " $* " == *" devices="* ]] || params=("$VMBS_DEMO_DEVICES")
	params+=("$@")

	VMBS_SERIES=demo
	vmbs_tg_setup demo
	[ -n "$VMBS_BUILD" ] ||
		vmbs_die "the modules did not build, see $VMBS_RUN/build.log"
	VMBS_QEMU_SMP=2
	vmbs_tg_step server "insmod /modules/vmbus_server.ko"
	vmbs_tg_step loopback "insmod /modules/vmbus_server_loopback.ko ${params[*]}"
	vmbs_tg_step debugfs "mount -t debugfs none /sys/kernel/debug"
	vmbs_tg_step connect "modprobe hv_vmbus && vmbs-guest wait-count \$(wc -l < $lb/devices) 600"
	vmbs_tg_step utils "modprobe hv_utils && sleep 2"
	vmbs_tg_step lsvmbus "vmbs-guest lsvmbus"
	vmbs_tg_step host "cat $srv"
	vmbs_tg_step vmm "insmod /modules/vmbus_server_sample.ko && vmbus-vmm run --packets 3; rc=\$?; rmmod vmbus_server_sample; exit \$rc"
	vmbs_tg_step unload "rmmod hv_utils && rmmod hv_vmbus && rmmod vmbus_server_loopback && rmmod vmbus_server"
	vmbs_qemu_initramfs "${VMBS_TG_STEPS[@]}"
	VMBS_QEMU_BOOT_RC=0
	vmbs_qemu_boot || VMBS_QEMU_BOOT_RC=$?

	[ -n "$(vmbs_qemu_kernel_version)" ] ||
		vmbs_die "the guest did not reach /init, see $VMBS_RUN/console.log"
	echo "Test kernel $(vmbs_qemu_kernel_version) in QEMU (TCG, 2 vCPUs): Linux's own hv_vmbus and"
	echo "hv_utils, unmodified, talk to vmbus_server through the loopback transport"
	echo "(loopback parameters: ${params[*]})."
	echo
	echo "Guest: hv_vmbus $(vmbs_qemu_step_log "${S[connect]}" |
		sed -n 's/.*\(Vmbus version:[0-9.]*\).*/\1/p' | head -n 1)," \
		"the devices under /sys/bus/vmbus as lsvmbus shows them:"
	vmbs_demo_show "${S[lsvmbus]}"
	echo
	echo "Host: the server's view, $srv:"
	vmbs_demo_show "${S[host]}"
	echo
	echo "VMM: a user-space VMM and its guest, played by tools/vmbus_server/vmbus-vmm,"
	echo "attach a second VM through /dev/vmbus_server and use the sample device:"
	vmbs_demo_show "${S[vmm]}"

	for param in connect utils lsvmbus host vmm unload; do
		if ! vmbs_qemu_step_ok "${S[$param]}"; then
			vmbs_log "step '$param' failed, see $VMBS_RUN/console.log"
			status=1
		fi
	done
	if [ -n "$(vmbs_qemu_splats)" ]; then
		echo
		echo "Kernel report:"
		vmbs_qemu_splats | sed 's/^/    /'
		status=1
	fi
	vmbs_log "console log: $VMBS_RUN/console.log"
	return "$status"
}

vmbs_demo "$@"
