#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [PARAM=VALUE...]: what vmbus-server does, in one run.  Boots the
# test kernel (testkernel.sh; built once, then cached) in QEMU, where
# Linux's own Hyper-V guest drivers talk to a vmb_server through the
# loopback transport, and prints the guest's view of the devices the host
# offers, as lsvmbus shows them, next to the host's view (the server's
# debugfs file), the device modules with the guest drivers bound to them
# (letters typed on the host and read from the guest's evdev, the guest's
# screen as a PNG, heartbeat and time sync figures), and a VMM's view:
# tools/vmbus_server/vmbus-vmm attaching a VM of its own through
# /dev/vmbus_server.  Each PARAM=VALUE goes to the loopback module, e.g.
#   demo.sh devices=shutdown,test:32:0 extra=4
# (not heartbeat or synthvid: the device modules serve those, and hv_utils
# serves one device per service).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/testguest.sh"

VMBS_DEMO_DEVICES=devices=shutdown,test:8:16

# A step's output without the kernel messages echoed to the console.
vmbs_demo_show() {
	vmbs_qemu_step_output "$1" | grep -v '^\[ *[0-9]*\.[0-9]*\]' |
		sed 's/^/    /' || true
}

vmbs_demo() {
	local param params=() lb=$VMBS_TG_LB srv=$VMBS_TG_SERVER status=0
	# Instances of the device modules' devices.
	local hb=5ee1de00-0000-4000-8000-0000000000b1
	local ts=5ee1de00-0000-4000-8000-0000000000b2
	local kbd=5ee1de00-0000-4000-8000-0000000000b3
	local vd=5ee1de00-0000-4000-8000-0000000000b4 png

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
	# The device modules: heartbeat every second, time sync, keyboard,
	# video with 8 MiB of VRAM at 1024x768; then their guest drivers.
	vmbs_tg_step devices "insmod /modules/vmbus_server_ic.ko && insmod /modules/vmbus_server_kbd.ko && insmod /modules/vmbus_server_video.ko && echo 'device-add $VMBS_TG_HB_TYPE $hb e803000000000000' > $lb/control && echo 'device-add $VMBS_TG_TS_TYPE $ts' > $lb/control && echo 'device-add $VMBS_TG_KBD_TYPE $kbd' > $lb/control && echo 'device-add $VMBS_TG_VIDEO_TYPE $vd 0800000000040003' > $lb/control"
	vmbs_tg_step utils "modprobe hv_utils && modprobe hyperv_keyboard && modprobe hyperv_drm && vmbs-guest wait-bound $hb hv_utils && vmbs-guest wait-bound $kbd hyperv_keyboard && vmbs-guest wait-bound $vd hyperv_drm && vmbs-guest wait-video $vd situations 1 >/dev/null"
	vmbs_tg_step lsvmbus "vmbs-guest lsvmbus"
	vmbs_tg_step keys "vmbs-guest type-keys ${kbd%%-*} $kbd 26 show"
	vmbs_tg_step screen "vmbs-guest video-draw 'vmbus-server: this console is drawn by hyperv_drm into VRAM the host maps' && sleep 2 && vmbs-guest wait-video $vd dirt 1 && vmbs-guest video-capture $vd"
	vmbs_tg_step figures "vmbs-guest wait-ic $hb value 5 && echo \"time sync: \$(vmbs-guest ic-status $ts)\" && vmbs-guest ptp-offset hyperv"
	vmbs_tg_step host "cat $srv"
	vmbs_tg_step vmm "insmod /modules/vmbus_server_sample.ko && vmbus-vmm run --packets 3; rc=\$?; rmmod vmbus_server_sample; exit \$rc"
	# The transport's server and its devices go before the device classes.
	vmbs_tg_step unload "rmmod hyperv_drm && rmmod hyperv_keyboard && rmmod hv_utils && rmmod hv_vmbus && rmmod vmbus_server_loopback && rmmod vmbus_server_video && rmmod vmbus_server_kbd && rmmod vmbus_server_ic && rmmod vmbus_server"
	vmbs_qemu_initramfs "${VMBS_TG_STEPS[@]}"
	VMBS_QEMU_BOOT_RC=0
	vmbs_qemu_boot || VMBS_QEMU_BOOT_RC=$?

	[ -n "$(vmbs_qemu_kernel_version)" ] ||
		vmbs_die "the guest did not reach /init, see $VMBS_RUN/console.log"
	echo "Test kernel $(vmbs_qemu_kernel_version) in QEMU (TCG, 2 vCPUs): Linux's own hv_vmbus,"
	echo "hv_utils, hyperv_keyboard and hyperv_drm, unmodified, talk to vmbus_server"
	echo "and its device modules through the loopback transport"
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
	echo "Keyboard: vmbus_server_kbd types through VMBS_KBD_TYPE_KEYS, hyperv_keyboard"
	echo "delivers to the guest's input layer:"
	vmbs_demo_show "${S[keys]}" | grep -E 'typed|read|order'
	echo
	png=$VMBS_RUN/screen.png
	echo "Screen: vmbus_server_video's view of hyperv_drm's output, and the capture"
	echo "of its VRAM as a PNG: $png"
	vmbs_demo_show "${S[screen]}" | grep '^    video '
	vmbs_qemu_step_output "${S[screen]}" |
		"$VMBS_ROOT/tools/testing/vmbus_server/screen_png.py" "$png" |
		sed 's/^/    /' || status=1
	echo
	echo "Heartbeat and time sync (vmbus_server_ic, answered by hv_utils):"
	vmbs_demo_show "${S[figures]}"
	echo
	echo "VMM: a user-space VMM and its guest, played by tools/vmbus_server/vmbus-vmm,"
	echo "attach a second VM through /dev/vmbus_server and use the sample device:"
	vmbs_demo_show "${S[vmm]}"

	for param in connect devices utils lsvmbus keys screen figures host vmm unload; do
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
