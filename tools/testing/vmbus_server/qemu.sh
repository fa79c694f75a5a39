#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu.sh SERIES: integration test on a stock Debian kernel ("6.1" or
# "6.12", the newest of the series).  Builds the modules against its
# headers, boots its vmlinuz in QEMU (TCG) with a busybox initramfs, loads
# vmbus_server, the ABI test and the sample, unloads them, and prints one
# line per check on stdout: "ok SERIES: NAME" or "not ok SERIES: NAME".
# Everything else goes to stderr and to logs under $VMBS_CACHE.  Exits 0 iff
# no check failed.
#
# demo.sh sources this file for the vmbs_qemu_* functions; sourcing runs
# nothing.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VMBS_QEMU_TIMEOUT=${VMBS_QEMU_TIMEOUT:-300}

# What a run may change about the machine (testguest.sh does): vCPUs,
# memory, further QEMU arguments and kernel parameters, and a directory
# whose contents are added to the initramfs.
VMBS_QEMU_SMP=1
VMBS_QEMU_MEM=1024
VMBS_QEMU_ARGS=()
VMBS_QEMU_APPEND=
VMBS_QEMU_ROOT_EXTRA=

# Module paths inside a build directory, in load order.
VMBS_QEMU_MODULES=(
	drivers/vmbus_server/vmbus_server.ko
	tools/testing/vmbus_server/abi/vmbus_server_abi_test.ko
	drivers/vmbus_server_sample/vmbus_server_sample.ko
)

# Splat patterns: any of them in the console log fails a run.  Debian's
# kernels have no KASAN, lockdep or kmemleak: those reports are for the
# test kernel (testguest.sh).
VMBS_QEMU_SPLATS='WARNING:|BUG:|Oops|Call Trace|general protection|INFO: task'

# vmbs_qemu_setup SERIES MODE: install the tools, resolve the kernel, fetch
# its headers and image, and take this release's lock for the whole run (a
# demo and a test of one release share the build directory).  Sets
# VMBS_REL, VMBS_KDIR, VMBS_VMLINUZ and VMBS_RUN.
vmbs_qemu_setup() {
	local series=$1 mode=$2 lock

	vmbs_apt qemu-system-x86 busybox-static cpio gzip rsync make ||
		vmbs_die "cannot install the QEMU tools"
	VMBS_REL=$(vmbs_newest_kernel "$series")
	[ -n "$VMBS_REL" ] || vmbs_die "no Debian kernel found for series $series"
	vmbs_log "kernel $VMBS_REL"

	VMBS_RUN=$VMBS_CACHE/runs/$mode-$VMBS_REL
	mkdir -p "$VMBS_RUN"
	lock=$VMBS_CACHE/build-$VMBS_REL.lock
	exec {VMBS_LOCK_FD}>"$lock"
	if ! flock -n "$VMBS_LOCK_FD"; then
		vmbs_log "waiting for another run on $VMBS_REL"
		flock "$VMBS_LOCK_FD"
	fi

	VMBS_KDIR=$(vmbs_kernel_headers "$VMBS_REL") ||
		vmbs_die "cannot install linux-headers-$VMBS_REL"
	VMBS_VMLINUZ=$(vmbs_kernel_image "$VMBS_REL") ||
		vmbs_die "cannot fetch linux-image-$VMBS_REL"
}

# vmbs_qemu_build: build the modules in the release's build directory (see
# vmbs_build_modules), with W=1 like lint.sh so that neither run makes the
# other recompile.  Sets VMBS_BUILD.
vmbs_qemu_build() {
	local log=$VMBS_RUN/build.log

	vmbs_log "building against $VMBS_KDIR (log: $log)"
	VMBS_BUILD=$(vmbs_build_modules "$VMBS_REL" "$VMBS_KDIR" W=1 2>"$log")
}

# vmbs_qemu_initramfs STEP...: a busybox initramfs whose /init runs each
# STEP (a shell command line such as "insmod /modules/vmbus_server.ko" or
# "rmmod vmbus_server"), dumps the kernel log after it between markers, and
# powers off.  Writes $VMBS_RUN/initrd.cpio.gz.
vmbs_qemu_initramfs() {
	local root=$VMBS_RUN/initramfs busybox=/bin/busybox ko

	[ -x "$busybox" ] || busybox=/usr/bin/busybox
	[ -x "$busybox" ] || vmbs_die "no busybox binary (busybox-static)"
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,modules}
	cp "$busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	for ko in "${VMBS_QEMU_MODULES[@]}"; do
		cp "$VMBS_BUILD/$ko" "$root/modules/"
	done
	if [ -n "$VMBS_QEMU_ROOT_EXTRA" ]; then
		cp -a "$VMBS_QEMU_ROOT_EXTRA/." "$root/"
	fi
	printf '%s\n' "$@" >"$root/steps"

	cat >"$root/init" <<'INIT'
#!/bin/sh
# Runs each line of /steps; the host reads the markers from the console.
/bin/busybox --install -s /bin
PATH=/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "@@VMBS init $(uname -r)"
# Boot messages are on the console already: each dump shows one step only.
dmesg -c >/dev/null
n=0
while read -r line <&3; do
	n=$((n + 1))
	echo "@@VMBS begin $n $line"
	sh -c "$line"
	rc=$?
	dmesg -c | sed 's/^/@@DMESG /'
	echo "@@VMBS end $n rc=$rc"
done 3</steps
echo "@@VMBS done"
poweroff -f
INIT
	chmod 755 "$root/init"

	(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
		gzip -1 >"$VMBS_RUN/initrd.cpio.gz"
}

# vmbs_qemu_boot: boot the kernel with the initramfs; the console goes to
# $VMBS_RUN/console.log, and a copy without carriage returns, with markers
# moved to the start of their line, to $VMBS_RUN/console.txt.  Returns
# QEMU's (or timeout's) exit status.
vmbs_qemu_boot() {
	local log=$VMBS_RUN/console.log rc=0

	vmbs_log "booting $VMBS_REL in QEMU (console: $log)"
	timeout -k 10 "$VMBS_QEMU_TIMEOUT" qemu-system-x86_64 \
		-m "$VMBS_QEMU_MEM" -smp "$VMBS_QEMU_SMP" -nographic \
		-no-reboot -nodefaults -serial stdio "${VMBS_QEMU_ARGS[@]}" \
		-kernel "$VMBS_VMLINUZ" -initrd "$VMBS_RUN/initrd.cpio.gz" \
		-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 loglevel=7${VMBS_QEMU_APPEND:+ $VMBS_QEMU_APPEND}" \
		</dev/null >"$log" 2>&1 || rc=$?
	tr -d '\r' <"$log" | sed 's/.*\(@@VMBS \|@@DMESG \)/\1/' \
		>"$VMBS_RUN/console.txt"
	return "$rc"
}

# vmbs_qemu_step_lines N dmesg|output: the kernel log of step N as /init
# dumped it, or what step N printed itself (console lines without a marker;
# kernel messages echoed to the console may be among them).
vmbs_qemu_step_lines() {
	awk -v n="$1" -v want="$2" '
		$1 == "@@VMBS" && $2 == "begin" && $3 == n { on = 1; next }
		$1 == "@@VMBS" && $2 == "end" && $3 == n { on = 0 }
		!on { next }
		want == "dmesg" && sub(/^@@DMESG /, "") { print }
		want == "output" && !/^@@/ { print }
	' "$VMBS_RUN/console.txt"
}

vmbs_qemu_step_log() {
	vmbs_qemu_step_lines "$1" dmesg
}

vmbs_qemu_step_output() {
	vmbs_qemu_step_lines "$1" output
}

# vmbs_qemu_step_rc N: the exit status of step N, empty if it never ended.
vmbs_qemu_step_rc() {
	sed -n "s/^@@VMBS end $1 rc=\([0-9]*\)$/\1/p" "$VMBS_RUN/console.txt"
}

# vmbs_qemu_kernel_version: the release the guest reported from /init.
vmbs_qemu_kernel_version() {
	sed -n 's/^@@VMBS init //p' "$VMBS_RUN/console.txt"
}

# vmbs_qemu_splats: console lines that show a kernel splat.
vmbs_qemu_splats() {
	grep -E "$VMBS_QEMU_SPLATS" "$VMBS_RUN/console.txt" || true
}

# Test mode: one check per line on stdout.

vmbs_qemu_passed=0
vmbs_qemu_failed=0

# vmbs_qemu_report STATUS NAME: STATUS 0 is a pass.
vmbs_qemu_report() {
	if [ "$1" -eq 0 ]; then
		printf 'ok %s: %s\n' "$VMBS_SERIES" "$2"
		vmbs_qemu_passed=$((vmbs_qemu_passed + 1))
	else
		printf 'not ok %s: %s\n' "$VMBS_SERIES" "$2"
		vmbs_qemu_failed=$((vmbs_qemu_failed + 1))
	fi
}

# vmbs_qemu_check NAME COMMAND...: report whether COMMAND succeeds.
vmbs_qemu_check() {
	local name=$1

	shift
	if "$@"; then
		vmbs_qemu_report 0 "$name"
	else
		vmbs_qemu_report 1 "$name"
	fi
}

# vmbs_qemu_summary START: log a test run's counts (START is $SECONDS when
# it began); fails if a check failed.
vmbs_qemu_summary() {
	[ "$VMBS_QEMU_BOOT_RC" -eq 0 ] ||
		vmbs_log "QEMU exit status $VMBS_QEMU_BOOT_RC"
	vmbs_log "$VMBS_SERIES ($VMBS_REL): $vmbs_qemu_passed passed, $vmbs_qemu_failed failed in $((SECONDS - $1)) s; console log: $VMBS_RUN/console.log"
	[ "$vmbs_qemu_failed" -eq 0 ]
}

vmbs_qemu_step_ok() {
	[ "$(vmbs_qemu_step_rc "$1")" = 0 ]
}

# vmbs_qemu_step_has N REGEX: step N's kernel log has a line matching REGEX.
# (grep -q would stop reading early and fail the pipeline under pipefail.)
vmbs_qemu_step_has() {
	vmbs_qemu_step_log "$1" | grep -E -- "$2" >/dev/null
}

# vmbs_qemu_step_printed N REGEX: step N printed a line matching REGEX.
vmbs_qemu_step_printed() {
	vmbs_qemu_step_output "$1" | grep -E -- "$2" >/dev/null
}

# vmbs_qemu_finished: /init got through its steps and QEMU exited by itself.
vmbs_qemu_finished() {
	[ "$VMBS_QEMU_BOOT_RC" -eq 0 ] &&
		grep -q '^@@VMBS done' "$VMBS_RUN/console.txt"
}

vmbs_qemu_no_splat() {
	local splats

	splats=$(vmbs_qemu_splats)
	[ -z "$splats" ] && return 0
	vmbs_log "kernel splat in $VMBS_RUN/console.log:"
	printf '%s\n' "$splats" >&2
	return 1
}

# The ABI module's own checks, one reported check each.  Only its first run
# counts: busybox's insmod retries a failed finit_module() with
# init_module(), which runs the checks again.
vmbs_qemu_abi_checks() {
	local step=$1 line verdict desc found=0

	while IFS= read -r line; do
		verdict=${line%% [0-9]* - *}
		desc=${line#"$verdict" }
		found=1
		if [ "$verdict" = ok ]; then
			vmbs_qemu_report 0 "abi $desc"
		else
			vmbs_qemu_report 1 "abi $desc"
		fi
	done < <(vmbs_qemu_step_log "$step" |
		 awk '!done { print } / [0-9]+ passed, [0-9]+ failed$/ { done = 1 }' |
		 sed -nE 's/.*vmbus_server_abi_test: ((not )?ok [0-9]+ - .*)$/\1/p')
	[ "$found" = 1 ]
}

vmbs_qemu_test() {
	local start=$SECONDS steps

	[ $# -eq 1 ] || vmbs_die "usage: qemu.sh 6.1|6.12"
	VMBS_SERIES=$1
	vmbs_qemu_setup "$VMBS_SERIES" test

	if ! vmbs_qemu_build; then
		tail -n 30 "$VMBS_RUN/build.log" >&2
		vmbs_qemu_report 1 build
		vmbs_log "$VMBS_SERIES: build failed, see $VMBS_RUN/build.log"
		exit 1
	fi
	vmbs_qemu_report 0 build

	# The numbers below refer to these steps.  The ABI test's servers
	# are gone when the sample creates its own: server 0.
	local tracing=/sys/kernel/debug/tracing
	steps=(
		"insmod /modules/vmbus_server.ko"				#1
		"insmod /modules/vmbus_server_abi_test.ko"			#2
		"mount -t debugfs debugfs /sys/kernel/debug"			#3
		"echo 1 > $tracing/events/vmbus_server/enable"			#4
		"insmod /modules/vmbus_server_sample.ko"			#5
		"cat /sys/kernel/debug/vmbus_server/0"				#6
		"cat $tracing/trace"						#7
		"rmmod vmbus_server_sample"					#8
		"rmmod vmbus_server_abi_test"					#9
		"rmmod vmbus_server"						#10
	)
	vmbs_qemu_initramfs "${steps[@]}"
	VMBS_QEMU_BOOT_RC=0
	vmbs_qemu_boot || VMBS_QEMU_BOOT_RC=$?

	vmbs_qemu_check "boot reached /init" \
		grep -q '^@@VMBS init ' "$VMBS_RUN/console.txt"
	vmbs_qemu_check "insmod vmbus_server" vmbs_qemu_step_ok 1
	vmbs_qemu_check "insmod vmbus_server_abi_test" vmbs_qemu_step_ok 2
	vmbs_qemu_abi_checks 2 ||
		vmbs_qemu_report 1 "abi test reported its checks"
	vmbs_qemu_check "abi test summary: 0 failed" vmbs_qemu_step_has 2 \
		'vmbus_server_abi_test: [1-9][0-9]* passed, 0 failed$'
	vmbs_qemu_check "tracepoints vmbus_server enabled" vmbs_qemu_step_ok 4
	vmbs_qemu_check "insmod vmbus_server_sample" vmbs_qemu_step_ok 5
	vmbs_qemu_check "sample offer logged with the synthvid interface type" \
		vmbs_qemu_step_has 5 \
		'vmbus_server_sample: +interface type +@8: +da0a7802-e377-4aac-8e77-0558eb1073f8$'
	vmbs_qemu_check "sample offer: mmio_megabytes @58 = 8 MiB" \
		vmbs_qemu_step_has 5 \
		'vmbus_server_sample: +mmio_megabytes +@58: +8 MiB$'
	vmbs_qemu_check "sample offer: mmio_megabytes_optional @182 = 16 MiB" \
		vmbs_qemu_step_has 5 \
		'vmbus_server_sample: +mmio_megabytes_optional +@182: +16 MiB$'
	vmbs_qemu_check "sample: the played guest's ring GPADL created" \
		vmbs_qemu_step_has 5 \
		'vmbus_server_sample: host -> guest: GPADL_CREATED gpadl 1 status 0x0$'
	vmbs_qemu_check "sample: the guest's open answered with success" \
		vmbs_qemu_step_has 5 \
		'vmbus_server_sample: host -> guest: OPENCHANNEL_RESULT child_relid 1 status 0x0$'
	vmbs_qemu_check "sample: the back-end got the version request over the ring" \
		vmbs_qemu_step_has 5 \
		'vmbus_server_sample: back-end: version request 3\.5 accepted, answer sent: 0$'
	vmbs_qemu_check "sample: the guest read the answer from its ring" \
		vmbs_qemu_step_has 5 \
		'vmbus_server_sample: guest: version 3\.5 accepted by the host, 1 video output\(s\)$'
	vmbs_qemu_check "debugfs: sample server state readable" \
		vmbs_qemu_step_ok 6
	vmbs_qemu_check "debugfs: connection at 5.3 with offers requested" \
		vmbs_qemu_step_printed 6 \
		'^connection: offers requested, version 5\.3'
	vmbs_qemu_check "debugfs: channel relid 1 offered, open and running" \
		vmbs_qemu_step_printed 6 \
		'^channel relid 1 connection_id 0x10001: enabled, offered, open, running$'
	vmbs_qemu_check "debugfs: channel MMIO sizes 8 + 16" \
		vmbs_qemu_step_printed 6 \
		'mmio_megabytes 8 mmio_megabytes_optional 16 '
	vmbs_qemu_check "debugfs: the sample's channel open, rings of 4 pages pinned" \
		vmbs_qemu_step_printed 6 \
		'^  data path: mapped, open, receiving, 4 pages pinned, 0 receive slots taken'
	vmbs_qemu_check "debugfs: one packet in, one out" \
		vmbs_qemu_step_printed 6 \
		'^  packets in 1 out 1, completions in 0 '
	vmbs_qemu_check "trace: INITIATE_CONTACT in on connection id 4" \
		vmbs_qemu_step_printed 7 \
		'vmb_server_msg_in: server=0 conn_id=4 type=INITIATE_CONTACT len=40 ret=0'
	vmbs_qemu_check "trace: OFFERCHANNEL out, 196 bytes" \
		vmbs_qemu_step_printed 7 \
		'vmb_server_msg_out: server=0 type=OFFERCHANNEL len=196 ret=0'
	vmbs_qemu_check "rmmod vmbus_server_sample" vmbs_qemu_step_ok 8
	vmbs_qemu_check "sample rescind logged on rmmod" vmbs_qemu_step_has 8 \
		'vmbus_server_sample: host -> guest: RESCIND_CHANNELOFFER child_relid [0-9]+$'
	vmbs_qemu_check "sample: the back-end told closed by the disable" \
		vmbs_qemu_step_has 8 'vmbus_server_sample: back-end: closed$'
	vmbs_qemu_check "sample: the guest tore its ring GPADL down" \
		vmbs_qemu_step_has 8 \
		'vmbus_server_sample: host -> guest: GPADL_TORNDOWN gpadl 1$'
	vmbs_qemu_check "sample: disable returned after the guest released" \
		vmbs_qemu_step_has 8 \
		'vmbus_server_sample: guest -> host: RELID_RELEASED'
	vmbs_qemu_check "sample: every ring frame unpinned" \
		vmbs_qemu_step_has 8 \
		'vmbus_server_sample: guest memory: 0 ring frames still pinned$'
	vmbs_qemu_check "rmmod vmbus_server_abi_test" vmbs_qemu_step_ok 9
	vmbs_qemu_check "rmmod vmbus_server" vmbs_qemu_step_ok 10
	vmbs_qemu_check "guest finished all steps and powered off" \
		vmbs_qemu_finished
	vmbs_qemu_check "no WARNING, BUG, Oops or hung-task report in the kernel log" \
		vmbs_qemu_no_splat

	vmbs_qemu_summary "$start"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	vmbs_qemu_test "$@"
fi
