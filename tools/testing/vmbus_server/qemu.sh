#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu.sh SERIES: integration test on a stock Debian kernel ("6.1" or
# "6.12", the newest of the series).  Builds the modules against its
# headers and the user-space VMM (tools/vmbus_server), boots its vmlinuz in
# QEMU (TCG) with a busybox initramfs, loads vmbus_server, the ABI test
# and the sample, runs the VMM's scenarios over /dev/vmbus_server, unloads
# and reloads the modules, and prints one
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
# vmbs_build_modules), with W=1 (lint.sh compiles from scratch in a
# directory of its own, with sparse).  Sets VMBS_BUILD.
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
		want == "dmesg" && sub(/^@@DMESG /, "") {
			# The kernel may print to the console in the middle of
			# the dump: a second timestamp starts its message.
			if (match(substr($0, 2), /\[ *[0-9]+\.[0-9]+\] /))
				$0 = substr($0, 1, RSTART)
			print
		}
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
vmbs_qemu_setups=0

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

# vmbs_qemu_setup_step NAME COMMAND...: a step the checks stand on (a build, the
# boot, an insmod or rmmod): "setup ok" when COMMAND succeeds, which is not
# counted as a test; a failure when it does not, which is.
vmbs_qemu_setup_step() {
	local name=$1

	shift
	if "$@"; then
		printf 'setup ok %s: %s\n' "$VMBS_SERIES" "$name"
		vmbs_qemu_setups=$((vmbs_qemu_setups + 1))
	else
		vmbs_qemu_report 1 "$name"
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
	vmbs_log "$VMBS_SERIES ($VMBS_REL): $vmbs_qemu_passed passed, $vmbs_qemu_failed failed, $vmbs_qemu_setups setup steps in $((SECONDS - $1)) s; console log: $VMBS_RUN/console.log"
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

	# No console from the guest: nothing to judge, not a clean run.
	grep -q '^@@VMBS init ' "$VMBS_RUN/console.txt" || return 1
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

# The vmbus-vmm scenarios both the stock and the test kernels run, each in
# a step of its own, beside run, the killed VMM and the cycles.
VMBS_VMM_SCENARIOS=(bad-ioctls two-vms no-release stop-reading outside-table
		    munmap-open reset memlock)

# vmbs_qemu_tool N SCENARIO: step N ran vmbus-vmm SCENARIO, which checked
# what it says and passed all of it.
vmbs_qemu_tool() {
	local n=$1 scenario=$2 summary

	summary=$(vmbs_qemu_step_output "$n" |
		  sed -n "s/^vmbus-vmm: $scenario: \([0-9]*\) ok, \([0-9]*\) not ok$/\1 \2/p")
	if vmbs_qemu_step_ok "$n" && [ -n "$summary" ] &&
	   [ "${summary#* }" = 0 ] && [ "${summary% *}" -gt 0 ]; then
		vmbs_qemu_report 0 "vmm $scenario (${summary% *} checks)"
	else
		vmbs_qemu_step_output "$n" | grep -E '^not ok' >&2 || true
		vmbs_qemu_report 1 "vmm $scenario (${summary:-no summary})"
	fi
}

# vmbs_qemu_killed_mid_traffic: a step that runs traffic on the sample's
# channel, shows debugfs, tries to unload the sample while it is used,
# SIGKILLs the VMM and counts the servers left.
vmbs_qemu_killed_mid_traffic() {
	cat <<'STEP' | tr '\n' ';'
mkdir -p /tmp
servers() { ls /sys/kernel/debug/vmbus_server | grep -c '^[0-9]'; }
before=$(servers)
vmbus-vmm traffic >/tmp/traffic.out 2>&1 & pid=$!
i=0
while ! grep -q '^traffic running' /tmp/traffic.out && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
cat /tmp/traffic.out
cat /sys/kernel/debug/vmbus_server/[0-9]*
if rmmod vmbus_server_sample 2>/dev/null; then echo 'rmmod while used: unloaded'; else echo 'rmmod while used: refused'; fi
kill -9 $pid
wait $pid
echo "killed: rc=$?"
sleep 1
echo "servers before $before, after $(servers)"
STEP
}

# vmbs_qemu_killed_checks N: what the step above must have shown.
vmbs_qemu_killed_checks() {
	vmbs_qemu_check "killed VMM: traffic ran" vmbs_qemu_step_printed "$1" \
		'^traffic running'
	vmbs_qemu_check "killed VMM: debugfs showed the channel open, rings pinned" \
		vmbs_qemu_step_printed "$1" \
		'^  data path: mapped, open, receiving, [0-9]+ pages pinned'
	vmbs_qemu_check "killed VMM: the sample module could not be unloaded while used" \
		vmbs_qemu_step_printed "$1" '^rmmod while used: refused$'
	vmbs_qemu_check "killed VMM: killed by SIGKILL" \
		vmbs_qemu_step_printed "$1" '^killed: rc=137$'
	vmbs_qemu_check "killed VMM: the back-end was told closed, the device removed" \
		vmbs_qemu_step_has "$1" 'vmbus_server_sample: back-end: closed$'
	vmbs_qemu_check "killed VMM: its server is gone" \
		vmbs_qemu_step_printed "$1" '^servers before ([0-9]+), after \1$'
}

# vmbs_qemu_counted COMMAND: COMMAND between two readings of the pinned
# page counters and unreclaimable slab ("counters before|after ...").
vmbs_qemu_counted() {
	# Freed objects are counted once RCU let them go and the caches
	# gave back their empty slabs.  Expanded in the guest, not here.
	# shellcheck disable=SC2016
	local count='sleep 1; for f in /sys/kernel/slab/*/shrink; do echo 1 > $f; done; echo "counters $1 $(grep -E "^nr_foll_pin_(acquired|released) " /proc/vmstat | tr "\n" " ")$(grep ^SUnreclaim: /proc/meminfo)"'

	printf '%s; %s && { %s; }' "${count/\$1/before}" "$1" "${count/\$1/after}"
}

# vmbs_qemu_module_cycles N: unload and load the core and the sample N times.
vmbs_qemu_module_cycles() {
	# Expanded in the guest, not here.
	# shellcheck disable=SC2016
	printf 'for i in $(seq %s); do rmmod vmbus_server_sample && rmmod vmbus_server && insmod /modules/vmbus_server.ko && insmod /modules/vmbus_server_sample.ko || exit 1; done' "$1"
}

# vmbs_qemu_count N WHEN FIELD: a counter step N read before or after.
vmbs_qemu_count() {
	vmbs_qemu_step_output "$1" |
		sed -n "s/^counters $2 .*$3:* *\([0-9][0-9]*\).*/\1/p" | head -n 1
}

vmbs_qemu_pins_balanced() {
	local a0 r0 a1 r1

	a0=$(vmbs_qemu_count "$1" before nr_foll_pin_acquired)
	r0=$(vmbs_qemu_count "$1" before nr_foll_pin_released)
	a1=$(vmbs_qemu_count "$1" after nr_foll_pin_acquired)
	r1=$(vmbs_qemu_count "$1" after nr_foll_pin_released)
	[ -n "$a0" ] && [ -n "$a1" ] && [ -n "$r0" ] && [ -n "$r1" ] || return 1
	vmbs_log "step $1: $((a1 - a0)) pages pinned, $((r1 - r0)) unpinned"
	[ $((a1 - a0)) -eq $((r1 - r0)) ]
}

# vmbs_qemu_pinned N: step N pinned pages at all.
vmbs_qemu_pinned() {
	local a0 a1

	a0=$(vmbs_qemu_count "$1" before nr_foll_pin_acquired)
	a1=$(vmbs_qemu_count "$1" after nr_foll_pin_acquired)
	[ -n "$a0" ] && [ -n "$a1" ] && [ $((a1 - a0)) -gt 0 ]
}

# vmbs_qemu_slab_bounded N KIB: unreclaimable slab grew by less than KIB.
vmbs_qemu_slab_bounded() {
	local s0 s1

	s0=$(vmbs_qemu_count "$1" before SUnreclaim)
	s1=$(vmbs_qemu_count "$1" after SUnreclaim)
	[ -n "$s0" ] && [ -n "$s1" ] || return 1
	vmbs_log "step $1: unreclaimable slab $s0 -> $s1 kB"
	[ $((s1 - s0)) -lt "$2" ]
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
	vmbs_qemu_setup_step build true

	local tool extra=$VMBS_RUN/extra
	if ! tool=$(vmbs_build_tool "$VMBS_BUILD" 2>>"$VMBS_RUN/build.log"); then
		tail -n 30 "$VMBS_RUN/build.log" >&2
		vmbs_qemu_report 1 "build tools/vmbus_server"
		exit 1
	fi
	rm -rf "$extra"
	mkdir -p "$extra/bin"
	cp "$tool" "$extra/bin/"
	VMBS_QEMU_ROOT_EXTRA=$extra

	# The numbers below refer to these steps.  Each vmbus-vmm scenario
	# plays a VMM and its guest over /dev/vmbus_server; see its --help.
	local tracing=/sys/kernel/debug/tracing scenario first n
	steps=(
		"insmod /modules/vmbus_server.ko"				#1
		"insmod /modules/vmbus_server_abi_test.ko"			#2
		"mount -t debugfs debugfs /sys/kernel/debug"			#3
		"echo 1 > $tracing/events/vmbus_server/enable"			#4
		"insmod /modules/vmbus_server_sample.ko"			#5
		"$(vmbs_qemu_counted 'vmbus-vmm run --packets 100')"	#6
		"$(vmbs_qemu_killed_mid_traffic)"				#7
		"cat $tracing/trace"						#8
	)
	first=$((${#steps[@]} + 1))
	for scenario in "${VMBS_VMM_SCENARIOS[@]}"; do
		steps+=("$(vmbs_qemu_counted "vmbus-vmm $scenario")")
	done
	n=${#steps[@]}
	steps+=(
		"$(vmbs_qemu_counted 'vmbus-vmm cycles --cycles 1000 --quiet')"	#n+1
		"rmmod vmbus_server_abi_test"					#n+2
		"$(vmbs_qemu_counted "$(vmbs_qemu_module_cycles 100)")"	#n+3
		"rmmod vmbus_server_sample"					#n+4
		"rmmod vmbus_server"						#n+5
	)
	vmbs_qemu_initramfs "${steps[@]}"
	VMBS_QEMU_BOOT_RC=0
	vmbs_qemu_boot || VMBS_QEMU_BOOT_RC=$?

	vmbs_qemu_setup_step "boot reached /init" \
		grep -q '^@@VMBS init ' "$VMBS_RUN/console.txt"
	vmbs_qemu_setup_step "insmod vmbus_server" vmbs_qemu_step_ok 1
	vmbs_qemu_setup_step "insmod vmbus_server_abi_test" vmbs_qemu_step_ok 2
	vmbs_qemu_abi_checks 2 ||
		vmbs_qemu_report 1 "abi test reported its checks"
	vmbs_qemu_check "abi test summary: 0 failed" vmbs_qemu_step_has 2 \
		'vmbus_server_abi_test: [1-9][0-9]* passed, 0 failed$'
	vmbs_qemu_check "tracepoints vmbus_server enabled" vmbs_qemu_step_ok 4
	vmbs_qemu_setup_step "insmod vmbus_server_sample" vmbs_qemu_step_ok 5
	vmbs_qemu_tool 6 run
	vmbs_qemu_check "vmm run: pages pinned, every one unpinned" \
		eval 'vmbs_qemu_pinned 6 && vmbs_qemu_pins_balanced 6'
	vmbs_qemu_check "vmm run: the sample offered with 8 + 16 MiB MMIO" \
		vmbs_qemu_step_has 6 \
		'vmbus_server_sample: offering synthvid-sample .*: MMIO 8 MiB \+ 16 MiB optional'
	vmbs_qemu_check "vmm run: the sample removed" vmbs_qemu_step_has 6 \
		'vmbus_server_sample: removed '
	vmbs_qemu_killed_checks 7
	vmbs_qemu_check "trace: INITIATE_CONTACT in on connection id 4" \
		vmbs_qemu_step_printed 8 \
		'vmb_server_msg_in: server=[0-9]+ conn_id=4 type=INITIATE_CONTACT len=40 ret=0'
	vmbs_qemu_check "trace: OFFERCHANNEL out, 196 bytes" \
		vmbs_qemu_step_printed 8 \
		'vmb_server_msg_out: server=[0-9]+ type=OFFERCHANNEL len=196 ret=0'
	local step=$first
	for scenario in "${VMBS_VMM_SCENARIOS[@]}"; do
		vmbs_qemu_tool "$step" "$scenario"
		vmbs_qemu_check "vmm $scenario: every page pinned was unpinned" \
			vmbs_qemu_pins_balanced "$step"
		step=$((step + 1))
	done
	vmbs_qemu_tool $((n + 1)) cycles
	vmbs_qemu_check "1000 VMs: pages pinned, every one unpinned" \
		eval "vmbs_qemu_pinned $((n + 1)) && vmbs_qemu_pins_balanced $((n + 1))"
	vmbs_qemu_check "1000 VMs: unreclaimable slab grew by less than 256 KiB" \
		vmbs_qemu_slab_bounded $((n + 1)) 256
	vmbs_qemu_setup_step "rmmod vmbus_server_abi_test" vmbs_qemu_step_ok $((n + 2))
	vmbs_qemu_check "100 module load/unload cycles" vmbs_qemu_step_ok $((n + 3))
	vmbs_qemu_check "100 module cycles: unreclaimable slab grew by less than 256 KiB" \
		vmbs_qemu_slab_bounded $((n + 3)) 256
	vmbs_qemu_setup_step "rmmod vmbus_server_sample" vmbs_qemu_step_ok $((n + 4))
	vmbs_qemu_setup_step "rmmod vmbus_server" vmbs_qemu_step_ok $((n + 5))
	vmbs_qemu_setup_step "guest finished all steps and powered off" \
		vmbs_qemu_finished
	vmbs_qemu_check "no WARNING, BUG, Oops or hung-task report in the kernel log" \
		vmbs_qemu_no_splat

	vmbs_qemu_summary "$start"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	vmbs_qemu_test "$@"
fi
