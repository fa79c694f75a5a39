#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# testguest.sh MODE: runs on the test kernel (testkernel.sh), where
# Linux's own Hyper-V guest stack talks to a vmb_server in the same kernel
# through the loopback transport, with KASAN, kmemleak, lockdep and the
# hung-task detector on.
#   smp1, smp2  the real-guest scenarios on 1 or 2 vCPUs
#   kunit       the vmbus_server_* KUnit suites, as a module, on 2 vCPUs
# Prints one "ok guest-MODE: NAME" / "not ok ..." line per check.  Every
# run ends with an explicit kmemleak scan after the modules are gone, and
# fails on any leak, KASAN, lockdep, sleep-in-atomic, WARN, BUG or hung
# task report.  Then canaries prove the checkers report: a module leaks on
# purpose (kmemleak must name it) and inverts two locks (lockdep must say
# so); those reports are expected and judged apart.
#
# demo.sh sources this file for vmbs_tg_*; sourcing runs nothing.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/qemu.sh"
. "$(dirname "${BASH_SOURCE[0]}")/testkernel.sh"

# "Hundreds of channels": three named ones plus these.
VMBS_TG_EXTRA=${VMBS_TG_EXTRA:-250}
# Heartbeat requests the guest's hv_utils answers over the rings.
VMBS_TG_HB_ROUNDS=${VMBS_TG_HB_ROUNDS:-1000}
# Letters the host types into the guest's hyperv_keyboard, 4 at a time.
VMBS_TG_KEYS=${VMBS_TG_KEYS:-60}
# Packets the host sends the guest's echo driver and checks back.
VMBS_TG_BULK=${VMBS_TG_BULK:-3000}
# VMs the VMM tool creates and kills one after the other.
VMBS_TG_VMM_CYCLES=${VMBS_TG_VMM_CYCLES:-200}

# Leaks are judged apart, by kmemleak_report.py.
VMBS_TG_SPLATS='WARNING:|BUG:|Oops|Call Trace|general protection|KASAN|possible circular locking|possible recursive locking|inconsistent lock state|sleeping function called|INFO: task|watchdog: BUG'

# The device classes of drivers/vmbus_server_{ic,kbd,video}: the Hyper-V
# device types their guest drivers bind.
VMBS_TG_HB_TYPE=57164f39-9115-4e78-ab55-382f3bd5422d	# heartbeat
VMBS_TG_SD_TYPE=0e0b6031-5213-4934-818b-38d90ced39db	# shutdown
VMBS_TG_TS_TYPE=9527e630-d0ae-497b-adce-e80ab0175caf	# time sync
VMBS_TG_KBD_TYPE=f912ad6d-2b17-48ea-bd65-f927a61c7684	# keyboard
VMBS_TG_VIDEO_TYPE=da0a7802-e377-4aac-8e77-0558eb1073f8	# synthetic video

VMBS_TG_KMEMLEAK=/sys/kernel/debug/kmemleak
VMBS_TG_LB=/sys/kernel/debug/vmbus_server_loopback
VMBS_TG_SERVER=/sys/kernel/debug/vmbus_server/0
VMBS_TG_BUS=/sys/bus/vmbus/devices

# The instance GUID the loopback module gives its device number $1.
vmbs_tg_instance() {
	printf '%08x-564d-4253-8000-4c4f4f50424b' $((0x4c424b00 + $1))
}

# vmbs_tg_setup MODE: the test kernel, the modules built against it (W=1,
# sparse; warnings fail the check), the SSDT, the initramfs extras.
vmbs_tg_setup() {
	local mode=$1 lock extra aml log tool

	vmbs_apt qemu-system-x86 busybox-static cpio gzip rsync make \
		acpica-tools sparse python3 >/dev/null ||
		vmbs_die "cannot install the test tools"
	vmbs_tk_build || vmbs_die "the test kernel did not build"
	VMBS_REL=testkernel
	VMBS_VMLINUZ=$VMBS_TK_OUT/bzImage
	VMBS_RUN=$VMBS_CACHE/runs/$mode-testkernel
	mkdir -p "$VMBS_RUN"
	exec {lock}>"$VMBS_CACHE/build-testkernel.lock"
	flock "$lock"

	aml=$VMBS_TK_DIR/vmbus.aml
	if ! iasl -p "${aml%.aml}" "$VMBS_TK_INPUTS/vmbus.asl" \
		>"$VMBS_RUN/iasl.log" 2>&1; then
		cat "$VMBS_RUN/iasl.log" >&2
		vmbs_die "iasl failed on vmbus.asl"
	fi

	log=$VMBS_RUN/build.log
	if [ "$mode" = kunit ]; then
		VMBS_BUILD=$(vmbs_build_modules testkernel-kunit "$VMBS_TK_BUILD" \
			     W=1 CONFIG_VMBUS_SERVER_KUNIT_TEST=m \
			     CONFIG_VMBUS_SERVER_LOOPBACK=m \
			     CONFIG_VMBUS_SERVER_CANARY=m 2>"$log") || VMBS_BUILD=
	else
		VMBS_BUILD=$(vmbs_build_modules testkernel "$VMBS_TK_BUILD" \
			     W=1 C=2 CONFIG_VMBUS_SERVER_LOOPBACK=m \
			     CONFIG_VMBUS_SERVER_CANARY=m 2>"$log") || VMBS_BUILD=
	fi
	VMBS_QEMU_MODULES=(
		drivers/vmbus_server/vmbus_server.ko
		tools/testing/vmbus_server/canary/vmbus_server_canary.ko
		tools/testing/vmbus_server/loopback/vmbus_server_loopback.ko
		drivers/vmbus_server_ic/vmbus_server_ic.ko
	)
	if [ "$mode" = kunit ]; then
		VMBS_QEMU_MODULES+=(
			drivers/vmbus_server/tests/vmbus_server_test.ko)
	else
		VMBS_QEMU_MODULES+=(
			tools/testing/vmbus_server/loopback/vmbus_server_testdev.ko
			drivers/vmbus_server_kbd/vmbus_server_kbd.ko
			drivers/vmbus_server_video/vmbus_server_video.ko
			tools/testing/vmbus_server/loopback/vmbus_server_bulk.ko
			tools/testing/vmbus_server/loopback/vmbus_server_echo_guest.ko
			tools/testing/vmbus_server/loopback/vmbus_server_gpa.ko
			tools/testing/vmbus_server/loopback/vmbus_server_gpa_guest.ko
			tools/testing/vmbus_server/loopback/vmbus_server_hostile_guest.ko
			drivers/vmbus_server_sample/vmbus_server_sample.ko)
	fi

	extra=$VMBS_RUN/extra
	rm -rf "$extra"
	mkdir -p "$extra/lib" "$extra/bin"
	cp -a "$VMBS_TK_OUT/modules/lib/modules" "$extra/lib/"
	install -m 755 "$VMBS_TK_INPUTS/vmbs-guest.sh" "$extra/bin/vmbs-guest"
	cc -O2 -Wall -Wextra -Werror -static -o "$extra/bin/ptp-time" \
		"$VMBS_TK_INPUTS/ptp-time.c" 2>>"$log" ||
		vmbs_die "ptp-time did not build, see $log"
	if [ -n "$VMBS_BUILD" ] && [ "$mode" != kunit ]; then
		tool=$(vmbs_build_tool "$VMBS_BUILD" 2>>"$log") &&
			cp "$tool" "$extra/bin/"
	fi
	VMBS_QEMU_ROOT_EXTRA=$extra
	VMBS_QEMU_MEM=2048
	VMBS_QEMU_ARGS=(-acpitable "file=$aml")
	# One report must not hide the next: the log is judged, not the
	# first WARN.  Warnings and worse echo to the console (loglevel 5:
	# levels 0-4), so a report shows even if the guest hangs after it;
	# each step's dmesg dump has the rest.
	# memmap: the VMBus MMIO window of the SSDT (testkernel/vmbus.asl).
	VMBS_QEMU_APPEND="hv_loopback memmap=64M\$0x70000000 panic_on_warn=0 loglevel=${VMBS_TG_LOGLEVEL:-5}"
	VMBS_QEMU_TIMEOUT=${VMBS_TG_TIMEOUT:-1500}
}

# Steps by name: vmbs_tg_step NAME COMMAND appends one; $S[NAME] is its
# number for vmbs_qemu_step_*.
declare -A S
VMBS_TG_STEPS=()
vmbs_tg_step() {
	VMBS_TG_STEPS+=("$2")
	S[$1]=${#VMBS_TG_STEPS[@]}
}

# The detector steps every run ends with, after its modules are gone.
vmbs_tg_steps_checkers() {
	local kml=$VMBS_TG_KMEMLEAK

	# kmemleak reports an object older than 5 s that two scans in a row
	# found unreferenced and unchanged.
	vmbs_tg_step kmemleak "sleep 6; echo scan > $kml; echo scan > $kml; cat $kml; echo kmemleak scanned"
	vmbs_tg_step canaries "echo canaries follow"
	# First: lockdep's report turns the console verbose for good
	# (debug_locks_off() calls console_verbose()), and would carry any
	# later WARN to the console whatever the loglevel.
	vmbs_tg_step canary_warn "insmod /modules/vmbus_server_canary.ko fault=warn && rmmod vmbus_server_canary"
	vmbs_tg_step canary_leak "insmod /modules/vmbus_server_canary.ko fault=leak && rmmod vmbus_server_canary && sleep 6 && echo scan > $kml && echo scan > $kml && cat $kml"
	vmbs_tg_step canary_lock "insmod /modules/vmbus_server_canary.ko fault=lock && rmmod vmbus_server_canary"
	vmbs_tg_step canary_vmalloc "insmod /modules/vmbus_server_canary.ko fault=vmalloc && rmmod vmbus_server_canary"
}

# The console up to the canaries: what the run itself is judged by.
vmbs_tg_before_canaries() {
	sed "/^@@VMBS begin ${S[canaries]} /,\$d" "$VMBS_RUN/console.txt"
}

# A console without the guest's first line is no evidence of a clean run.
vmbs_tg_no_splat() {
	local splats

	grep -q '^@@VMBS init ' "$VMBS_RUN/console.txt" || return 1
	splats=$(vmbs_tg_before_canaries | grep -E "$VMBS_TG_SPLATS" || true)
	[ -z "$splats" ] && return 0
	vmbs_log "kernel report in $VMBS_RUN/console.log:"
	printf '%s\n' "$splats" | head -n 40 >&2
	return 1
}

# The scan after unload found no leak but the known ones of Linux's own
# guest modules (testkernel/known-leaks), which need the load addresses
# the guest printed ("vmbs-guest sections") to be named.
vmbs_tg_no_leak() {
	local ko out

	vmbs_qemu_step_printed "${S[kmemleak]}" '^kmemleak scanned' || return 1
	vmbs_qemu_step_output "${S[kmemleak]}" >"$VMBS_RUN/kmemleak.txt"
	ko=$(find "$VMBS_TK_OUT/modules" -name hv_vmbus.ko -print -quit)
	sed -n "s|^sections hv_vmbus |hv_vmbus $ko |p" "$VMBS_RUN/console.txt" \
		>"$VMBS_RUN/kmemleak-loads.txt"
	if ! out=$(python3 "$VMBS_ROOT/tools/testing/vmbus_server/kmemleak_report.py" \
		"$VMBS_RUN/kmemleak.txt" "$VMBS_RUN/kmemleak-loads.txt" \
		"$VMBS_TK_INPUTS/known-leaks"); then
		printf '%s\n' "$out" >&2
		return 1
	fi
	[ -z "$out" ] ||
		vmbs_log "$VMBS_SERIES kmemleak, known and excused: $(printf '%s\n' "$out" | sort | uniq -c | tr -s ' \n' ' ')"
}

# The parser that judged the run's scan finds the canary's leaks in the
# canary's scan: it does not pass a report it cannot read.
vmbs_tg_canary_parsed() {
	local out

	vmbs_qemu_step_output "${S[canary_leak]}" >"$VMBS_RUN/kmemleak-canary.txt"
	out=$(python3 "$VMBS_ROOT/tools/testing/vmbus_server/kmemleak_report.py" \
		"$VMBS_RUN/kmemleak-canary.txt" "$VMBS_RUN/kmemleak-loads.txt" \
		"$VMBS_TK_INPUTS/known-leaks") && return 1
	grep -c '^leak size 256: ' <<<"$out" >&2
}

# The canaries' WARN and lockdep report were echoed to the console during
# their steps (kernel lines among the step's own output), not only found in
# the log dumped after them: a guest that hangs after a report still shows
# it.  The WARN is in the dump too.  Lockdep's report reaches the console
# at any loglevel; the WARN, which comes first, only at loglevel 5.
vmbs_tg_canaries_on_console() {
	local kline='^\[ *[0-9]+\.[0-9]+\] '

	vmbs_qemu_step_has "${S[canary_warn]}" 'WARNING: .* canary_init' &&
		vmbs_qemu_step_output "${S[canary_warn]}" |
		grep -E "${kline}WARNING: .* canary_init" >/dev/null &&
		vmbs_qemu_step_output "${S[canary_lock]}" |
		grep -E "${kline}.*possible circular locking dependency detected" >/dev/null
}

vmbs_tg_check_checkers() {
	vmbs_qemu_check "kmemleak scanned after unload: no leak" \
		vmbs_tg_no_leak
	vmbs_qemu_check "no KASAN, lockdep, atomic-sleep, WARN, BUG or hung-task report" \
		vmbs_tg_no_splat
	vmbs_qemu_check "canary: kmemleak reports deliberate leaks (one of eight at least)" \
		vmbs_qemu_step_printed "${S[canary_leak]}" '^    (ca ){16} '
	vmbs_qemu_check "canary: the leak report's parser names the deliberate leaks" \
		vmbs_tg_canary_parsed
	vmbs_qemu_check "canary: lockdep reports a deliberate lock inversion" \
		vmbs_qemu_step_has "${S[canary_lock]}" \
		'possible circular locking dependency detected'
	vmbs_qemu_check "canary: KASAN reports a read past a vmalloc()ed object" \
		vmbs_qemu_step_has "${S[canary_vmalloc]}" \
		'BUG: KASAN: vmalloc-out-of-bounds in canary_init'
	vmbs_qemu_check "canary: a WARN and lockdep's report reach the console as they are printed" \
		vmbs_tg_canaries_on_console
	vmbs_qemu_setup_step "guest finished all steps and powered off" \
		vmbs_qemu_finished
}

vmbs_tg_boot() {
	vmbs_qemu_initramfs "${VMBS_TG_STEPS[@]}"
	VMBS_QEMU_BOOT_RC=0
	vmbs_qemu_boot || VMBS_QEMU_BOOT_RC=$?
	vmbs_qemu_setup_step "boot reached /init" \
		grep -q '^@@VMBS init ' "$VMBS_RUN/console.txt"
}

vmbs_tg_build_check() {
	if [ -z "$VMBS_BUILD" ]; then
		tail -n 30 "$VMBS_RUN/build.log" >&2
		vmbs_qemu_report 1 "modules build against the test kernel"
		exit 1
	fi
	vmbs_qemu_check "modules build against the test kernel without warnings ($1)" \
		vmbs_tg_build_clean
}

# The build ran (an empty or missing log would have no warning either).
vmbs_tg_build_clean() {
	grep -q 'Entering directory' "$VMBS_RUN/build.log" &&
		! grep -E 'warning:|error:' "$VMBS_RUN/build.log" >&2
}

# The KUnit suites on the SMP debug kernel.
vmbs_tg_kunit() {
	local kml=$VMBS_TG_KMEMLEAK tree ktap json

	vmbs_tg_build_check "W=1"
	vmbs_tg_step debugfs "mount -t debugfs none /sys/kernel/debug && echo scan > $kml && echo clear > $kml && vmbs-guest fail-sleeping"
	vmbs_tg_step server "insmod /modules/vmbus_server.ko"
	vmbs_tg_step kunit "insmod /modules/vmbus_server_test.ko"
	vmbs_tg_steps_cut
	vmbs_tg_step rmmod "rmmod vmbus_server_ic && rmmod vmbus_server"
	vmbs_tg_steps_checkers
	vmbs_tg_boot

	ktap=$VMBS_RUN/ktap.log
	json=$VMBS_RUN/kunit.json
	vmbs_qemu_step_log "${S[kunit]}" >"$ktap"
	tree=$(vmbs_source_tree)
	rm -f "$json"
	python3 "$tree/tools/testing/kunit/kunit.py" parse --json="$json" \
		"$ktap" >"$VMBS_RUN/kunit-parse.log" 2>&1 || true
	if [ -s "$json" ] && grep -q '"test_cases"' "$json"; then
		python3 "$VMBS_ROOT/tools/testing/vmbus_server/kunit_results.py" \
			"$VMBS_SERIES" "$json" | tee "$VMBS_RUN/kunit-results.txt"
		vmbs_qemu_passed=$((vmbs_qemu_passed +
			$(grep -c '^ok ' "$VMBS_RUN/kunit-results.txt" || true)))
		vmbs_qemu_failed=$((vmbs_qemu_failed +
			$(grep -c '^not ok ' "$VMBS_RUN/kunit-results.txt" || true)))
	else
		vmbs_qemu_report 1 "KUnit results parsed (see $VMBS_RUN/kunit-parse.log)"
	fi
	vmbs_qemu_check "KUnit output parsed without error, no fewer cases than the UML run's" \
		vmbs_tg_kunit_complete
	vmbs_qemu_check "vmbus_server_faults failed allocations on the test kernel, every case passed" \
		vmbs_tg_faults_ran
	vmbs_tg_check_cut
	vmbs_qemu_setup_step "the device modules and vmbus_server unloaded" \
		vmbs_qemu_step_ok "${S[rmmod]}"
	vmbs_tg_check_checkers
}

# The loopback transport removed under a real guest with channels open and
# traffic flowing both ways: hv_utils answers a heartbeat device and a time
# sync device, each asking every millisecond.  The transport rescinds every
# device, waits until the guest has closed and released them (a close
# posted to no hypervisor leaks the guest's ring), then goes; the guest is
# left connected to no one, as a guest whose hypervisor went away, so this
# is the run's last use of the guest stack.
VMBS_TG_CUT_HB=5ee1c047-0000-4000-8000-00000000be47
VMBS_TG_CUT_TS=5ee1c047-0000-4000-8000-000000007500
vmbs_tg_steps_cut() {
	local lb=$VMBS_TG_LB hb=$VMBS_TG_CUT_HB ts=$VMBS_TG_CUT_TS

	vmbs_tg_step cut_up "rmmod vmbus_server_test && insmod /modules/vmbus_server_loopback.ko devices=test && insmod /modules/vmbus_server_ic.ko && modprobe hv_vmbus && vmbs-guest sections hv_vmbus && vmbs-guest wait-count 1 600 && modprobe hv_utils && echo 'device-add $VMBS_TG_HB_TYPE $hb 0100000000000000' > $lb/control && echo 'device-add $VMBS_TG_TS_TYPE $ts 0100000000000000' > $lb/control && vmbs-guest wait-bound $hb hv_utils && vmbs-guest wait-bound $ts hv_utils && vmbs-guest wait-ic $hb answers 100 300 && vmbs-guest wait-ic $ts answers 100 300"
	vmbs_tg_step cut "vmbs-guest cut-transport $hb $ts"
}

# The cut step returned 0 (rmmod and the wait for the devices) and no
# device is left.
vmbs_tg_cut_clean() {
	vmbs_qemu_step_ok "${S[cut]}" &&
		vmbs_qemu_step_printed "${S[cut]}" '^guest devices after the cut: 0$'
}

vmbs_tg_check_cut() {
	vmbs_qemu_setup_step "the guest binds a heartbeat and a time sync device of the loopback transport, both answer" \
		vmbs_qemu_step_ok "${S[cut_up]}"
	vmbs_qemu_check "transport removed: heartbeats and time samples were answered in the half second before the rmmod" \
		vmbs_qemu_step_printed "${S[cut]}" \
		'^before the cut: heartbeat answers [1-9][0-9]*, time samples answered [1-9][0-9]* in 0\.5 s$'
	vmbs_qemu_check "transport removed: its rmmod returns, and every device is gone from the guest" \
		vmbs_tg_cut_clean
}

# kunit.py parse found no error in the guest's KTAP, and the guest ran
# every case the UML run did (check.sh kunit, before this step): a run
# that stopped early, or a suite that never started, would pass the
# per-case lines otherwise.
vmbs_tg_kunit_complete() {
	local guest uml=$VMBS_CACHE/kunit.json

	! grep -F '[ERROR]' "$VMBS_RUN/kunit-parse.log" >&2 || return 1
	[ -s "$uml" ] || {
		vmbs_log "no UML KUnit results ($uml) to compare with: run check.sh kunit first"
		return 1
	}
	guest=$(grep -cE '^(ok|not ok|# skip) ' "$VMBS_RUN/kunit-results.txt")
	uml=$(python3 "$VMBS_ROOT/tools/testing/vmbus_server/kunit_results.py" \
		kunit "$uml" | grep -cE '^(ok|not ok|# skip) ')
	vmbs_log "KUnit cases: $guest on the test kernel, $uml on UML"
	[ "$guest" -ge "$uml" ]
}

# Every case of vmbus_server_faults passed, none was skipped (a kernel
# whose failslab ignores sleeping allocations skips them), and each failed
# allocations; the distinct sites are the server frames the cases logged.
vmbs_tg_faults_ran() {
	local res=$VMBS_RUN/kunit-results.txt ktap=$VMBS_RUN/ktap.log ok failed sites

	ok=$(grep -c '^ok [^ ]* vmbus_server_faults\.' "$res")
	! grep -E '^(not ok|# skip) [^ ]* vmbus_server_faults\.' "$res" >&2 || return 1
	failed=$(sed -n 's/.*: \([0-9]*\) allocations failed one at a time.*/\1/p' "$ktap" |
		awk '{ n += $1 } END { print n + 0 }')
	sites=$(grep -o ': site [^ ]*' "$ktap" | sort -u | wc -l)
	vmbs_log "vmbus_server_faults: $ok cases, $failed allocations failed, at $sites distinct sites of the server"
	[ "$ok" -gt 0 ] && [ "$failed" -gt 0 ] && [ "$sites" -gt 0 ]
}

# The relid the loopback module's device $1 has, from its devices file.
vmbs_tg_relid() {
	vmbs_qemu_step_output "${S[lb_devices]}" |
		awk -v n="$1" '$1 == n && $3 == "relid" && !seen { print $4; seen = 1 }'
}

# Guest devices (class, instance, relid) equal the host's channels.
vmbs_tg_same_devices() {
	local guest host

	guest=$(vmbs_qemu_step_output "${S[devices]}" |
		awk '$1 == "device" { print $4, $6, $8 }' | sort)
	host=$(vmbs_qemu_step_output "${S[lb_devices]}" |
		awk '$3 == "relid" && $NF == "enabled" { print $6, $8, $4 }' | sort)
	[ -n "$host" ] && [ "$guest" = "$host" ] && return 0
	diff <(echo "$host") <(echo "$guest") | head -n 20 >&2
	return 1
}

# The server's debugfs at step $1 shows relid $2 with a state matching $3.
vmbs_tg_channel() {
	vmbs_qemu_step_printed "$1" "^channel relid $2 connection_id 0x[0-9a-f]+: $3"
}

# Released: the disabled channel gave its relid back, so the server no
# longer lists it.
vmbs_tg_released() {
	vmbs_qemu_step_printed "$1" '^connection: ' &&
		! vmbs_qemu_step_printed "$1" "^channel relid $2 "
}

# Many pages in the open channel's ring GPADL: more than one message holds.
vmbs_tg_big_ring() {
	local pages

	pages=$(vmbs_qemu_step_output "$1" |
		sed -nE 's/.*ring of a channel, ([0-9]+) pages$/\1/p' |
		sort -n | tail -n 1)
	vmbs_log "largest open ring GPADL: ${pages:-none} pages"
	[ -n "$pages" ] && [ "$pages" -gt 26 ]
}

vmbs_tg_big_ring_open() {
	vmbs_qemu_step_ok "$1" &&
		vmbs_tg_channel "$1" "$2" 'enabled, offered, open' &&
		vmbs_tg_big_ring "$1"
}

vmbs_tg_unloaded() {
	vmbs_qemu_step_ok "$1" &&
		vmbs_qemu_step_printed "$1" '^connection: disconnected'
}

vmbs_tg_nothing_rejected() {
	vmbs_qemu_step_printed "$1" \
		'^rejected:( [A-Za-z -]+=0)+$' &&
		vmbs_qemu_step_printed "$1" \
			'^outgoing queue: 0 queued \(watermark [0-9]+\), 0 transport errors, [0-9]+ guest messages held back$'
}

vmbs_tg_loopback_clean() {
	local out

	out=$(vmbs_qemu_step_output "$1")
	grep -qx 'rejected 0' <<<"$out" &&
		grep -qx 'guest_posts_malformed 0' <<<"$out" &&
		grep -qx 'host_messages_dropped 0' <<<"$out"
}

# The transport at step $1 pinned ring frames, and unpinned every one.
vmbs_tg_pins_balanced() {
	local out pinned unpinned

	out=$(vmbs_qemu_step_output "$1")
	pinned=$(sed -n 's/^frames_pinned //p' <<<"$out")
	unpinned=$(sed -n 's/^frames_unpinned //p' <<<"$out")
	[ "${pinned:-0}" -gt 0 ] && [ "$pinned" = "$unpinned" ]
}

# The server's debugfs at step $1 shows the channel named $2 in state $3.
vmbs_tg_named_channel() {
	vmbs_qemu_step_output "$1" |
		grep -B 1 -F "  name \"$2\" " | head -n 1 |
		grep -qE "^channel relid [0-9]+ connection_id 0x[0-9a-f]+: $3"
}

# The guest-memory test's GPADLs: at step $1 (its channel open, the
# buffer GPADL torn down) only its ring; at step $2 (both ends gone) none.
vmbs_tg_gpa_gpadls() {
	local relid

	relid=$(vmbs_qemu_step_output "$1" | grep -B 1 -F '  name "gpa-test" ' |
		head -n 1 | sed -nE 's/^channel relid ([0-9]+) .*/\1/p')
	[ -n "$relid" ] &&
		[ "$(vmbs_qemu_step_output "$1" |
			grep -cE "^gpadl 0x[0-9a-f]+ relid $relid: ")" -eq 1 ] &&
		vmbs_qemu_step_printed "$1" \
			"^gpadl 0x[0-9a-f]+ relid $relid: created, ring of a channel, " &&
		vmbs_qemu_step_printed "$2" '^gpadls: ' &&
		! vmbs_qemu_step_output "$2" |
			grep -E "^gpadl 0x[0-9a-f]+ relid $relid: " >&2
}

# Before the reset: the heartbeat ($2) and the device module's channel open.
vmbs_tg_open_before_reset() {
	vmbs_qemu_step_ok "$1" &&
		vmbs_tg_channel "$1" "$2" 'enabled, offered, open' &&
		[ "$(vmbs_qemu_step_output "$1" |
			grep -cE '^channel relid [0-9]+ .*: enabled, offered, open')" -eq 2 ]
}

# After vmb_server_reset: nothing of the guest's is left, channels stay.
vmbs_tg_reset_state() {
	local out

	out=$(vmbs_qemu_step_output "$1")
	grep -q '^connection: disconnected' <<<"$out" &&
		grep -q '^gpadls: 0 bytes held; 0 frames pinned' <<<"$out" &&
		grep -q '^outgoing queue: 0 queued' <<<"$out" &&
		grep -q '^channel relid ' <<<"$out" &&
		! grep '^channel relid ' <<<"$out" |
			grep -Ev ': enabled, not offered, closed, (stopped|running)$' >&2
}

# Every data path in step $1's server dump: no fault counted.
# vmbs_tg_ic_status STEP DEV PATTERN MIN: the step's last "ic DEV: ..."
# status line matches PATTERN and its value is at least MIN.
vmbs_tg_ic_status() {
	local line value

	line=$(vmbs_qemu_step_output "$1" | grep "^ic $2: " | tail -n 1)
	vmbs_log "${line:-no status of $2}"
	value=$(sed -nE 's/.* value ([0-9]+) .*/\1/p' <<<"$line")
	grep -qE "$3" <<<"$line" && [ "${value:-0}" -ge "$4" ]
}

vmbs_tg_no_dp_fault() {
	local out

	out=$(vmbs_qemu_step_output "$1")
	grep -q '^  faults:' <<<"$out" &&
		! grep '^  faults:' <<<"$out" | grep -E '=[1-9]' >&2
}

# The screen video-capture printed at step $1, as a PNG beside the run's
# console log, with its pixels checked (screen_png.py).
vmbs_tg_screen() {
	vmbs_qemu_step_output "$1" |
		"$VMBS_ROOT/tools/testing/vmbus_server/screen_png.py" \
			"$VMBS_RUN/screen.png" >&2
}

# At step $1 the channel named $2 targets VP 1 and the transport's
# signals to VP 1 grew during the step.
vmbs_tg_moved_to_vp1() {
	local out before after

	out=$(vmbs_qemu_step_output "$1")
	before=$(sed -n 's/^vp 1 signals before //p' <<<"$out")
	after=$(sed -n 's/^vp 1 signals after //p' <<<"$out")
	echo "signals to VP 1: $before before the keys, $after after" >&2
	grep -A4 "^  name \"$2\" " <<<"$out" | grep -q ' target vp 1$' &&
		[ "${after:-0}" -gt "${before:-0}" ]
}

# The hostile guest's line for device kind $2 at step $1 names how many
# messages the device had to refuse, with no answer of the host found
# wrong; the device's own status (printed in the same step after the
# kind) must show that count where $3 has %s.  The status is read after
# the oversized packet failed the channel: the device was told it closed
# (flags 0), and its counts stay.
vmbs_tg_hostile() {
	local line must

	line=$(vmbs_qemu_step_log "$1" | grep -E "$2 [0-9a-f-]{36}: sent [0-9]+, the host must reject [0-9]+, answers checked [0-9]+, wrong 0\$") ||
		return 1
	must=$(sed -E 's/.*must reject ([0-9]+),.*/\1/' <<<"$line")
	echo "$line" >&2
	# shellcheck disable=SC2059 # $3 is the format
	vmbs_qemu_step_output "$1" | grep "^$2 " | grep -F "$(printf "$3" "$must")" >&2
}

vmbs_tg_hostile_logged() {
	local log

	log=$(vmbs_qemu_step_log "$1")
	grep -q 'vmbus_server_kbd: message of type .* not taken' <<<"$log" &&
		grep -q 'vmbus_server_video: message of type .* not taken' <<<"$log" &&
		grep -q 'vmbus_server_ic: shutdown: .* answers nothing pending' <<<"$log"
}

# Three channels failed for a packet too big, none for anything else.
vmbs_tg_hostile_failed() {
	local faults

	faults=$(vmbs_qemu_step_output "$1" | grep '^  faults:')
	[ "$(grep -c 'packet too big=1' <<<"$faults")" -eq 3 ] &&
		! grep -E '=[1-9]' <<<"${faults//packet too big=1/}" >&2
}

# The 128 MiB offer at step $1: hyperv_drm's probe failed for want of
# MMIO, after it had negotiated (the device is connected until the
# guest's close); the host mapped no VRAM, took every message, and the
# step went on to remove the device.
vmbs_tg_video_too_big() {
	vmbs_qemu_step_ok "$1" &&
		vmbs_qemu_step_printed "$1" \
			"^flags [01] version 0x50003 vram_gpa 0x0 vram_size 134217728 mode 0x0x0 .* rejected 0\$"
}

# The bulk traffic filled a ring: the host queued packets for room in the
# guest's (bulk-test's "queued N" at step $1), or the guest found the host's
# ring full (its log at step $2).
vmbs_tg_bulk_filled() {
	vmbs_qemu_step_output "$1" | grep -A 6 -F '  name "bulk-test" ' |
		grep -qE '^  packets in .*, queued [1-9]' ||
		vmbs_qemu_step_printed "$2" \
			"found the host's ring full [1-9][0-9]* times\$"
}

# The last line step $1 printed contains $2.
vmbs_tg_last_line() {
	vmbs_qemu_step_output "$1" | tail -n 1 | grep -qF "$2"
}

# The real Linux guest stack against the server.
vmbs_tg_scenarios() {
	local lb=$VMBS_TG_LB srv=$VMBS_TG_SERVER bus=$VMBS_TG_BUS
	local kml=$VMBS_TG_KMEMLEAK n hb uio hot td hbt kbt bkt gpt stats

	vmbs_tg_build_check "W=1 C=2"
	n=$((3 + VMBS_TG_EXTRA))
	hb=$(vmbs_tg_instance 0)
	uio=$(vmbs_tg_instance 2)
	hot=5ee1c0de-0000-4000-8000-00000000add1
	td=5ee1de70-0000-4000-8000-00000000de70	# vmbus_server_testdev.c
	hbt=5ee1be47-0000-4000-8000-00000000be47	# heartbeat device
	sdt=5ee15d00-0000-4000-8000-0000000005d0	# shutdown device
	tst=5ee17500-0000-4000-8000-000000007500	# time sync device
	local hbtype=$VMBS_TG_HB_TYPE
	local sdtype=$VMBS_TG_SD_TYPE
	local tstype=$VMBS_TG_TS_TYPE
	kbt=5ee1cb0d-0000-4000-8000-00000000cb0d	# keyboard device
	local vdtype=$VMBS_TG_VIDEO_TYPE
	local vd8=5ee1d008-0000-4000-8000-00000000d008	# video devices
	local vd16=5ee1d016-0000-4000-8000-00000000d016
	local vd128=5ee1d128-0000-4000-8000-00000000d128
	local kbtype=$VMBS_TG_KBD_TYPE
	# The hostile guest's devices
	local hkb=5ee1ba0d-0000-4000-8000-00000000cb0d
	local hvd=5ee1ba0d-0000-4000-8000-00000000d008
	local hsd=5ee1ba0d-0000-4000-8000-0000000005d0
	bkt=5ee1ec41-0000-4000-8000-00000000ec41	# vmbus_server_bulk.c
	gpt=5ee1a9a1-0000-4000-8000-00000000a9a1	# loopback/gpa_test.h

	vmbs_tg_step server "insmod /modules/vmbus_server.ko"
	vmbs_tg_step loopback "insmod /modules/vmbus_server_loopback.ko devices=heartbeat,test:8:16,test extra=$VMBS_TG_EXTRA"
	# fail-sleeping: for vmbus-vmm faults, nothing fails otherwise.
	vmbs_tg_step debugfs "mount -t debugfs none /sys/kernel/debug && echo scan > $kml && echo clear > $kml && vmbs-guest fail-sleeping"
	vmbs_tg_step connect "modprobe hv_vmbus && vmbs-guest sections hv_vmbus && vmbs-guest wait-count $n 600"
	vmbs_tg_step devices "vmbs-guest devices"
	vmbs_tg_step lb_devices "cat $lb/devices"
	vmbs_tg_step connected "cat $srv"
	vmbs_tg_step utils "modprobe hv_utils && vmbs-guest wait-bound $hb hv_utils && vmbs-guest wait-state $hb 3"
	vmbs_tg_step utils_open "cat $srv"
	vmbs_tg_step disable "echo disable 0 > $lb/control && vmbs-guest wait-gone $hb && vmbs-guest wait-released $srv"
	vmbs_tg_step disabled "cat $srv"
	# The integration services of vmbus_server_ic.ko, added as a VMM adds
	# them.  hv_utils serves one device per service (one receive buffer
	# for all heartbeats): the heartbeat device comes while the
	# transport's own is disabled.  It beats every 1 ms (its parameters).
	vmbs_tg_step heartbeat "insmod /modules/vmbus_server_ic.ko && echo 'device-add $hbtype $hbt 0100000000000000' > $lb/control && vmbs-guest wait-bound $hbt hv_utils && vmbs-guest wait-ic $hbt value $VMBS_TG_HB_ROUNDS 900 && dmesg | grep 'vmbus_server_ic: heartbeat' && cat $srv"
	vmbs_tg_step heartbeat_remove "echo 'device-remove $hbt' > $lb/control && vmbs-guest wait-gone $hbt && vmbs-guest wait-released $srv"
	# The guest's orderly poweroff runs the command poweroff_cmd names: a
	# script that records it and lets the guest run on.
	vmbs_tg_step shutdown "printf '#!/bin/sh\\necho vmbs-poweroff: orderly poweroff ran >/dev/kmsg\\n' >/bin/vmbs-poweroff && chmod 755 /bin/vmbs-poweroff && echo /bin/vmbs-poweroff >/proc/sys/kernel/poweroff_cmd && echo 'device-add $sdtype $sdt' > $lb/control && vmbs-guest wait-bound $sdt hv_utils && vmbs-guest wait-ic $sdt flags 1 && echo 'device-control $sdt 2 0000000000000000' > $lb/control && vmbs-guest wait-ic $sdt answers 2 && vmbs-guest wait-dmesg 'vmbs-poweroff: orderly poweroff ran' && dmesg | grep -E 'vmbus_server_ic: shutdown|Shutdown request'"
	vmbs_tg_step shutdown_remove "echo 'device-remove $sdt' > $lb/control && vmbs-guest wait-gone $sdt && vmbs-guest wait-released $srv"
	# Time sync with no periodic sample (600 s): a SYNC sample 1 day
	# ahead sets the guest's clock, a second one sets it back.
	vmbs_tg_step timesync "echo 'device-add $tstype $tst c027090000000000' > $lb/control && vmbs-guest wait-bound $tst hv_utils && vmbs-guest wait-ic $tst answers 2 && t0=\$(date +%s) && echo 'device-control $tst 3 00004f91944e00000100000000000000' > $lb/control && vmbs-guest wait-ic $tst answers 3 && sleep 1 && echo \"clock ahead by \$((\$(date +%s) - t0)) s\" && echo 'device-control $tst 3 0000b16e6bb1ffff0100000000000000' > $lb/control && vmbs-guest wait-ic $tst answers 4 && sleep 1 && echo \"clock back, off by \$((\$(date +%s) - t0)) s\" && echo 'device-control $tst 3 004071618c0600000200000000000000' > $lb/control && vmbs-guest wait-ic $tst answers 5 && vmbs-guest ptp-offset hyperv && dmesg | grep 'vmbus_server_ic: timesync'"
	vmbs_tg_step timesync_remove "echo 'device-remove $tst' > $lb/control && vmbs-guest wait-gone $tst && vmbs-guest wait-released $srv && rmmod vmbus_server_ic"
	vmbs_tg_step enable "echo enable 0 > $lb/control && vmbs-guest wait-bound $hb hv_utils && vmbs-guest wait-state $hb 3"
	vmbs_tg_step testdev "insmod /modules/vmbus_server_testdev.ko && vmbs-guest wait-bound $td hv_utils && vmbs-guest wait-state $td 3 && cat $srv"
	vmbs_tg_step testdev_rmmod "rmmod vmbus_server_testdev && vmbs-guest wait-gone $td && vmbs-guest wait-released $srv && cat $srv && dmesg | grep 'vmbus_server_testdev: '"
	# The keyboard of vmbus_server_kbd.ko: the host types, the guest's
	# evdev reader sets the pace.  The device goes while hyperv_keyboard
	# is bound: the guest driver sees the rescind.  With two vCPUs the
	# guest first moves the channel to vCPU 1 as a user does (its sysfs
	# cpu file: MODIFYCHANNEL), and the keys come after.
	local move='' vp1="\$(sed -n 's/^signals_out_vp 1 //p' $lb/stats)"
	[ "$VMBS_QEMU_SMP" -lt 2 ] ||
		move="for c in $bus/$kbt/channels/*/cpu; do echo 1 > \$c; done && grep -H . $bus/$kbt/channels/*/cpu && echo \"vp 1 signals before $vp1\" && "
	vmbs_tg_step kbd "insmod /modules/vmbus_server_kbd.ko && echo 'device-add $kbtype $kbt' > $lb/control && modprobe hyperv_keyboard && vmbs-guest wait-bound $kbt hyperv_keyboard && vmbs-guest kbd-status $kbt && ${move}vmbs-guest type-keys ${kbt%%-*} $kbt $VMBS_TG_KEYS && vmbs-guest kbd-status $kbt && echo \"vp 1 signals after $vp1\" && cat $srv"
	vmbs_tg_step kbd_remove "echo 'device-remove $kbt' > $lb/control && vmbs-guest wait-gone $kbt && vmbs-guest wait-released $srv && rmmod vmbus_server_kbd && rmmod hyperv_keyboard"
	# Synthetic video (vmbus_server_video.ko) at 640x480: 8 MiB (2 MiB
	# optional) of VRAM, then 16 MiB, then 128 MiB, more than the 64 MiB
	# window (testkernel/vmbus.asl).  The guest draws VT 1's text through
	# fbcon and a white band of rows 200-239 through /dev/fb0; the host's
	# capture of the screen comes out in the console for screen_png.py.
	vmbs_tg_step video "insmod /modules/vmbus_server_video.ko && echo 'device-add $vdtype $vd8 080002008002e001' > $lb/control && modprobe hyperv_drm && vmbs-guest wait-bound $vd8 hyperv_drm && vmbs-guest wait-video $vd8 situations 1 && vmbs-guest video-iomem $vd8 && vmbs-guest video-draw 'VMBUS-SERVER SYNTHETIC VIDEO' && sleep 2 && vmbs-guest wait-video $vd8 dirt 2 && vmbs-guest video-capture $vd8 && cat $srv"
	vmbs_tg_step video_remove "echo 'device-remove $vd8' > $lb/control && vmbs-guest wait-gone $vd8 && vmbs-guest wait-released $srv && ! grep $vd8 /proc/iomem"
	vmbs_tg_step video16 "echo 'device-add $vdtype $vd16 100000008002e001' > $lb/control && vmbs-guest wait-bound $vd16 hyperv_drm && vmbs-guest wait-video $vd16 situations 1 && vmbs-guest video-iomem $vd16 && echo 'device-remove $vd16' > $lb/control && vmbs-guest wait-gone $vd16 && vmbs-guest wait-released $srv"
	vmbs_tg_step video128 "echo 'device-add $vdtype $vd128 800000008002e001' > $lb/control && vmbs-guest wait-present $vd128 && vmbs-guest wait-dmesg 'Failed to allocate mmio' && vmbs-guest video-screen $vd128 && echo 'device-remove $vd128' > $lb/control && vmbs-guest wait-gone $vd128 && vmbs-guest wait-released $srv && rmmod hyperv_drm && rmmod vmbus_server_video"
	vmbs_tg_step bulk "insmod /modules/vmbus_server_echo_guest.ko && insmod /modules/vmbus_server_bulk.ko packets=$VMBS_TG_BULK && vmbs-guest wait-bound $bkt vmbus_server_echo_guest && vmbs-guest wait-dmesg 'vmbus_server_bulk: done' 900 && dmesg | grep 'vmbus_server_bulk: ' && cat $srv"
	vmbs_tg_step bulk_rmmod "rmmod vmbus_server_bulk && vmbs-guest wait-gone $bkt && vmbs-guest wait-released $srv && rmmod vmbus_server_echo_guest && dmesg | grep 'vmbus_server_echo_guest: '"
	vmbs_tg_step gpa "insmod /modules/vmbus_server_gpa_guest.ko && insmod /modules/vmbus_server_gpa.ko && vmbs-guest wait-bound $gpt vmbus_server_gpa_guest && vmbs-guest wait-dmesg 'vmbus_server_gpa_guest: gpa-direct' 300 && dmesg | grep 'vmbus_server_gpa' && cat $srv"
	vmbs_tg_step gpa_rmmod "rmmod vmbus_server_gpa && vmbs-guest wait-gone $gpt && vmbs-guest wait-released $srv && rmmod vmbus_server_gpa_guest && cat $srv"
	vmbs_tg_step hotadd "echo add test@$hot > $lb/control && vmbs-guest wait-present $hot && vmbs-guest wait-count $((n + 1))"
	vmbs_tg_step vmm_sample "insmod /modules/vmbus_server_sample.ko"
	# The sample device class, for the loopback here and for the VMM's
	# VMs below.  The loopback adds a registered class's device as a VMM does (the
	# sample, with 12 + 24 MiB MMIO in its parameters); the guest sees it
	# come and go, and the class's module is held while it is there.
	local sample=b4d1e6f2-3c9a-4e57-9f1d-7a2c5e8b0d63
	local lbdev=5a3b1e00-0000-4000-8000-00000000b001
	vmbs_tg_step lb_registry "echo 'device-add $sample $lbdev 0c00180000000000' > $lb/control && vmbs-guest wait-present $lbdev && echo \"class \$(cat $bus/$lbdev/class_id)\" && if rmmod vmbus_server_sample 2>/dev/null; then echo 'rmmod while used: unloaded'; else echo 'rmmod while used: refused'; fi && echo 'device-remove $lbdev' > $lb/control && vmbs-guest wait-gone $lbdev"
	vmbs_tg_step uio_bind "modprobe uio_hv_generic && echo uio_hv_generic > $bus/$uio/driver_override && echo $uio > /sys/bus/vmbus/drivers_probe && vmbs-guest wait-bound $uio uio_hv_generic"
	vmbs_tg_step uio_open "exec 3</dev/uio0 && vmbs-guest wait-state $uio 3 && cat $srv"
	vmbs_tg_step uio_closed "cat $srv"
	vmbs_tg_step unbind "rmmod uio_hv_generic && rmmod hv_utils"
	# With hv_utils, hyperv_keyboard and hyperv_drm gone, the hostile
	# guest binds a keyboard, a video and a shutdown device and attacks
	# each (loopback/vmbus_server_hostile_guest.c); its last packet is
	# too big for the device and fails the channel's data path.
	vmbs_tg_step hostile "insmod /modules/vmbus_server_kbd.ko && insmod /modules/vmbus_server_video.ko && insmod /modules/vmbus_server_ic.ko && insmod /modules/vmbus_server_hostile_guest.ko && echo 'device-add $kbtype $hkb' > $lb/control && echo 'device-add $vdtype $hvd 080000008002e001' > $lb/control && echo 'device-add $sdtype $hsd' > $lb/control && vmbs-guest wait-dmesg '$hkb: sent' 180 && vmbs-guest wait-dmesg '$hvd: sent' 180 && vmbs-guest wait-dmesg '$hsd: sent' 180 && vmbs-guest wait-lines $srv 'packet too big=1' 3 && echo \"keyboard \$(vmbs-guest kbd-status $hkb)\" && echo \"video \$(vmbs-guest video-screen $hvd)\" && echo \"shutdown \$(vmbs-guest ic-status $hsd)\" && cat $srv"
	vmbs_tg_step hostile_close "rmmod vmbus_server_hostile_guest && for d in $hkb $hvd $hsd; do echo \"device-remove \$d\" > $lb/control && vmbs-guest wait-gone \$d || exit 1; done && vmbs-guest wait-released $srv && rmmod vmbus_server_kbd && rmmod vmbus_server_video && rmmod vmbus_server_ic"
	vmbs_tg_step unload "rmmod hv_vmbus && cat $srv"
	vmbs_tg_step reconnect "modprobe hv_vmbus && vmbs-guest sections hv_vmbus && vmbs-guest wait-count $((n + 1)) 600"
	vmbs_tg_step lsvmbus "vmbs-guest lsvmbus | head -n 12"
	vmbs_tg_step unload2 "rmmod hv_vmbus"
	vmbs_tg_step final "cat $srv"
	vmbs_tg_step stats "cat $lb/stats"
	# Last, because the guest cannot follow: a real reboot wipes its
	# VMBus state, here the guest keeps its open channels and would wait
	# forever to tear their GPADLs down.
	vmbs_tg_step reboot_up "modprobe hv_vmbus && vmbs-guest wait-count $((n + 1)) 600 && modprobe hv_utils && insmod /modules/vmbus_server_testdev.ko && vmbs-guest wait-state $td 3 && vmbs-guest wait-state $hb 3 && cat $srv"
	vmbs_tg_step reboot "echo reset > $lb/control && cat $srv"
	vmbs_tg_step reboot_testdev "rmmod vmbus_server_testdev && dmesg | grep 'vmbus_server_testdev: '"
	# A VMM's VMs beside the loopback's, through /dev/vmbus_server.
	vmbs_tg_step vmm_run "vmbus-vmm run --packets 100"
	vmbs_tg_step vmm_killed "$(vmbs_qemu_killed_mid_traffic)"
	local scenario
	for scenario in "${VMBS_VMM_SCENARIOS[@]}"; do
		vmbs_tg_step "vmm_$scenario" "vmbus-vmm $scenario"
	done
	vmbs_tg_step vmm_cycles "$(vmbs_qemu_counted "vmbus-vmm cycles --cycles $VMBS_TG_VMM_CYCLES --quiet")"
	# The test kernel's alone: stock kernels have no failslab.
	vmbs_tg_step vmm_faults "$(vmbs_qemu_counted "vmbus-vmm faults")"
	vmbs_tg_step vmm_rmmod "rmmod vmbus_server_sample"
	vmbs_tg_step rmmod "rmmod vmbus_server_loopback && rmmod vmbus_server"
	vmbs_tg_steps_checkers
	vmbs_tg_boot

	vmbs_qemu_setup_step "insmod vmbus_server" vmbs_qemu_step_ok "${S[server]}"
	vmbs_qemu_setup_step "insmod the loopback transport with $n channels" \
		vmbs_qemu_step_ok "${S[loopback]}"
	vmbs_qemu_check "hv_vmbus connects: the guest says version 5.3" \
		vmbs_qemu_step_has "${S[connect]}" 'Vmbus version:5\.3'
	vmbs_qemu_check "the server shows the connection at 5.3" \
		vmbs_qemu_step_printed "${S[connected]}" \
		'^connection: offers requested, version 5\.3'
	vmbs_qemu_check "all $n channels appear as guest devices" \
		vmbs_qemu_step_ok "${S[connect]}"
	vmbs_qemu_check "guest devices have the offered class, instance and relid" \
		vmbs_tg_same_devices
	local hb_relid uio_relid
	hb_relid=$(vmbs_tg_relid 0)
	uio_relid=$(vmbs_tg_relid 2)
	vmbs_qemu_check "hv_utils binds the heartbeat device and opens it" \
		vmbs_qemu_step_ok "${S[utils]}"
	vmbs_qemu_check "the server has the heartbeat channel open" \
		vmbs_tg_channel "${S[utils_open]}" "$hb_relid" 'enabled, offered, open'
	vmbs_qemu_check "host disable removes the device in the guest" \
		vmbs_qemu_step_ok "${S[disable]}"
	vmbs_qemu_check "the guest released the disabled channel's relid" \
		vmbs_tg_released "${S[disabled]}" "$hb_relid"
	vmbs_qemu_check "re-enable: hv_utils binds and opens it again" \
		vmbs_qemu_step_ok "${S[enable]}"
	vmbs_qemu_check "a device module's channel: hv_utils binds and opens it" \
		vmbs_tg_named_channel "${S[testdev]}" testdev 'enabled, offered, open'
	vmbs_qemu_check "rmmod of the device module with its channel open: the guest removes the device and releases the relid" \
		vmbs_qemu_step_ok "${S[testdev_rmmod]}"
	vmbs_qemu_check "the device module was told opened and closed once, nothing after" \
		vmbs_qemu_step_printed "${S[testdev_rmmod]}" \
		'vmbus_server_testdev: unloaded: opened 1, closed 1$'
	vmbs_qemu_check "heartbeat device: hv_utils negotiates framework 3.0 and heartbeat 3.0" \
		vmbs_qemu_step_printed "${S[heartbeat]}" \
		'vmbus_server_ic: heartbeat: negotiated framework 3\.0, service 3\.0$'
	vmbs_qemu_check "heartbeat device: the host sees the guest alive and its sequence reach $VMBS_TG_HB_ROUNDS, every answer the next number, none late" \
		vmbs_tg_ic_status "${S[heartbeat]}" "$hbt" \
		"flags 3 version 196608 .* timeouts 0 rejected 0 opens 1 status 0 value [0-9]+ wrong 0$" \
		"$VMBS_TG_HB_ROUNDS"
	vmbs_qemu_check "heartbeat device: its data path did not fail" \
		vmbs_tg_no_dp_fault "${S[heartbeat]}"
	vmbs_qemu_check "heartbeat device removed: the guest removes it and releases the relid" \
		vmbs_qemu_step_ok "${S[heartbeat_remove]}"
	vmbs_qemu_check "shutdown device: hv_utils negotiates framework 3.0 and shutdown 3.2" \
		vmbs_qemu_step_printed "${S[shutdown]}" \
		'vmbus_server_ic: shutdown: negotiated framework 3\.0, service 3\.2$'
	vmbs_qemu_check "shutdown device: the guest answers the poweroff request with success" \
		vmbs_qemu_step_printed "${S[shutdown]}" \
		'vmbus_server_ic: shutdown: the guest answered the shutdown request: 0x0$'
	vmbs_qemu_check "shutdown device: the guest's orderly poweroff ran its poweroff command" \
		vmbs_qemu_step_printed "${S[shutdown]}" \
		'vmbs-poweroff: orderly poweroff ran$'
	vmbs_qemu_check "shutdown device removed" \
		vmbs_qemu_step_ok "${S[shutdown_remove]}"
	vmbs_qemu_check "time sync device: hv_utils negotiates framework 3.0 and time sync 3.0" \
		vmbs_qemu_step_printed "${S[timesync]}" \
		'vmbus_server_ic: timesync: negotiated framework 3\.0, service 3\.0$'
	vmbs_qemu_check "time sync device: a SYNC sample 86400 s ahead sets the guest's clock ahead by that (within 30 s)" \
		vmbs_qemu_step_printed "${S[timesync]}" \
		'^clock ahead by 864[0-2][0-9] s$'
	vmbs_qemu_check "time sync device: a SYNC sample 86400 s back sets it back (within 30 s)" \
		vmbs_qemu_step_printed "${S[timesync]}" \
		'^clock back, off by [0-2]?[0-9] s$'
	vmbs_qemu_check "time sync device: a SAMPLE 7200 s ahead sets the guest's PTP clock hyperv ahead by that (within 30 s), not its clock" \
		vmbs_qemu_step_printed "${S[timesync]}" \
		'^ptp hyperv: ahead of the guest.s clock by (71[7-9]|72[0-2])[0-9] s$'
	vmbs_qemu_check "time sync device removed, vmbus_server_ic unloaded" \
		vmbs_qemu_step_ok "${S[timesync_remove]}"
	vmbs_qemu_check "keyboard: hyperv_keyboard asks for protocol 1.0, the device accepts it and the guest's probe succeeds" \
		vmbs_qemu_step_printed "${S[kbd]}" \
		'^flags 1 version 65536 requests 1 rejected 0 opens 1 leds 0 led_updates 0 keys 0$'
	vmbs_qemu_check "keyboard: $VMBS_TG_KEYS letters typed on the host reach the guest's evdev, every press and release, in order" \
		vmbs_qemu_step_printed "${S[kbd]}" \
		": $VMBS_TG_KEYS presses and $VMBS_TG_KEYS releases, in the order typed\$"
	vmbs_qemu_check "keyboard: the device counts $((2 * VMBS_TG_KEYS)) key events sent and no message of the guest rejected" \
		vmbs_qemu_step_printed "${S[kbd]}" \
		"^flags 1 version 65536 requests 1 rejected 0 opens 1 leds 0 led_updates 0 keys $((2 * VMBS_TG_KEYS))\$"
	[ "$VMBS_QEMU_SMP" -lt 2 ] ||
		vmbs_qemu_check "keyboard: moved to vCPU 1 by the guest (MODIFYCHANNEL), its keys still arrive and the host's signals go to VP 1" \
			vmbs_tg_moved_to_vp1 "${S[kbd]}" keyboard
	vmbs_qemu_check "keyboard: its data path did not fail" \
		vmbs_tg_no_dp_fault "${S[kbd]}"
	vmbs_qemu_check "keyboard: the device is removed under the bound guest driver, vmbus_server_kbd unloads" \
		vmbs_qemu_step_ok "${S[kbd_remove]}"
	vmbs_qemu_check "video: hyperv_drm binds to an offer of 8 MiB VRAM, negotiates 3.5 and sets 640x480x32" \
		vmbs_qemu_step_printed "${S[video]}" \
		"^video $vd8: flags (7|15) version 0x50003 vram_gpa 0x7[0-3][0-9a-f]{6} vram_size 8388608 mode 640x480x32 stride 2560 offset 0 situations [1-9][0-9]* dirt [0-9]+ rejected 0\$"
	vmbs_qemu_check "video: the guest reserves exactly the offered 8 MiB of the VMBus MMIO window, where it placed its VRAM" \
		vmbs_qemu_step_printed "${S[video]}" \
		"^iomem $vd8: 7[0-3][0-9a-f]{6}-7[0-3][0-9a-f]{6}, 8 MiB, the VRAM the device maps\$"
	vmbs_qemu_check "video: the guest's drawing reaches the host as dirty rectangles" \
		vmbs_qemu_step_printed "${S[video]}" \
		"^video $vd8: flags (7|15) .* dirt ([2-9]|[1-9][0-9]+) rejected 0\$"
	vmbs_qemu_check "video: the host's capture is the guest's screen: the white band, fbcon's line of text, nothing else but the cursor (PNG in the run directory)" \
		vmbs_tg_screen "${S[video]}"
	vmbs_qemu_check "video: the offer carries 2 MiB of optional MMIO as given" \
		vmbs_qemu_step_printed "${S[video]}" \
		"mmio_megabytes 8 mmio_megabytes_optional 2 "
	vmbs_qemu_check "video: its data path did not fail" \
		vmbs_tg_no_dp_fault "${S[video]}"
	vmbs_qemu_check "video: removed under the bound hyperv_drm, the guest gives its MMIO back" \
		vmbs_qemu_step_ok "${S[video_remove]}"
	vmbs_qemu_check "video: an offer of 16 MiB has the guest reserve 16 MiB, where it placed its VRAM" \
		vmbs_qemu_step_printed "${S[video16]}" \
		"^iomem $vd16: 7[0-3][0-9a-f]{6}-7[0-3][0-9a-f]{6}, 16 MiB, the VRAM the device maps\$"
	vmbs_qemu_check "video: an offer of 128 MiB, more than the window, fails hyperv_drm's probe; the device stays well and goes" \
		vmbs_tg_video_too_big "${S[video128]}" "$vd128"
	vmbs_qemu_check "bulk: $VMBS_TG_BULK packets of 12 sizes to the guest's echo driver, every echo back intact and in order" \
		vmbs_qemu_step_printed "${S[bulk]}" \
		"vmbus_server_bulk: done: $VMBS_TG_BULK packets of 12 sizes up to 16000 bytes, $VMBS_TG_BULK echoed intact and in order, 0 bad, [0-9]+ waits for a full queue\$"
	vmbs_qemu_check "bulk: a ring filled up: the host queued packets or the guest found the host's ring full" \
		vmbs_tg_bulk_filled "${S[bulk]}" "${S[bulk_rmmod]}"
	vmbs_qemu_check "bulk: its data path did not fail" \
		vmbs_tg_no_dp_fault "${S[bulk]}"
	vmbs_qemu_check "bulk: rmmod of both ends" \
		vmbs_qemu_step_ok "${S[bulk_rmmod]}"
	stats=$(vmbs_qemu_step_output "${S[bulk_rmmod]}" | tail -n 1) || true
	vmbs_log "$VMBS_SERIES bulk, guest side: $stats"
	vmbs_qemu_check "guest memory: the host maps a 256 KiB buffer GPADL Linux made, finds the guest's half and writes the other" \
		vmbs_qemu_step_printed "${S[gpa]}" \
		'vmbus_server_gpa_guest: gpadl 0x[0-9a-f]+ of 262144 bytes: host answered 0 \(checked 131072, wrong 0, wrote 131072\); 131072 of 131072 bytes here$'
	vmbs_qemu_check "guest memory: the host maps a GPA-direct packet's 3 frames at offset 100, checks and overwrites them" \
		vmbs_qemu_step_printed "${S[gpa]}" \
		'vmbus_server_gpa_guest: gpa-direct of 10000 bytes in 3 pages at offset 100: host answered 0 \(checked 10000, wrong 0, wrote 10000\); 10000 of 10000 bytes here$'
	vmbs_qemu_check "guest memory: its data path did not fail" \
		vmbs_tg_no_dp_fault "${S[gpa]}"
	vmbs_qemu_check "guest memory: the buffer GPADL torn down at once, the ring's gone with the channel" \
		vmbs_tg_gpa_gpadls "${S[gpa]}" "${S[gpa_rmmod]}"
	vmbs_qemu_check "guest memory: rmmod of both ends" \
		vmbs_qemu_step_ok "${S[gpa_rmmod]}"
	vmbs_qemu_check "a channel enabled after boot appears (hot add)" \
		vmbs_qemu_step_ok "${S[hotadd]}"
	vmbs_qemu_check "uio_hv_generic binds (31 and 16 MiB buffer GPADLs)" \
		vmbs_qemu_step_ok "${S[uio_bind]}"
	vmbs_qemu_check "a channel with a many-page ring GPADL opens" \
		vmbs_tg_big_ring_open "${S[uio_open]}" "$uio_relid"
	vmbs_qemu_check "closing /dev/uio0 closes the channel" \
		vmbs_tg_channel "${S[uio_closed]}" "$uio_relid" 'enabled, offered, closed'
	vmbs_qemu_setup_step "rmmod uio_hv_generic and hv_utils" \
		vmbs_qemu_step_ok "${S[unbind]}"
	vmbs_qemu_check "hostile guest: the keyboard refuses each malformed, truncated, out-of-order and unknown message, answers the rest rightly and takes the guest's LEDs" \
		vmbs_tg_hostile "${S[hostile]}" keyboard "flags 0 version 65536 requests 2 rejected %s opens 1 leds 5 led_updates 1 keys 0"
	vmbs_qemu_check "hostile guest: the video device refuses each malformed, truncated, out-of-order and unknown message, maps no VRAM outside the guest's memory, answers the rest rightly" \
		vmbs_tg_hostile "${S[hostile]}" video "flags 0 version 0x50003 vram_gpa 0x0 vram_size 8388608 mode 640x480x32 stride 2560 offset 0 situations 1 dirt 20 rejected %s"
	vmbs_qemu_check "hostile guest: the shutdown device refuses each malformed, mismatched and unasked answer and does not take a negotiation it did not offer" \
		vmbs_tg_hostile "${S[hostile]}" shutdown "flags 0 version 0 requests 1 answers 1 timeouts 0 rejected %s "
	vmbs_qemu_check "hostile guest: each device logs what it refused (rate-limited)" \
		vmbs_tg_hostile_logged "${S[hostile]}"
	vmbs_qemu_check "hostile guest: a packet bigger than the device takes fails each channel's data path, and only that" \
		vmbs_tg_hostile_failed "${S[hostile]}"
	vmbs_qemu_check "hostile guest: its channels close, the devices go and their modules unload" \
		vmbs_qemu_step_ok "${S[hostile_close]}"
	vmbs_qemu_check "rmmod hv_vmbus unloads: the server is disconnected" \
		vmbs_tg_unloaded "${S[unload]}"
	vmbs_qemu_check "insmod hv_vmbus reconnects with all $((n + 1)) devices" \
		vmbs_qemu_step_ok "${S[reconnect]}"
	vmbs_qemu_setup_step "second unload" vmbs_qemu_step_ok "${S[unload2]}"
	vmbs_qemu_check "the server rejected no guest message and has nothing left queued" \
		vmbs_tg_nothing_rejected "${S[final]}"
	vmbs_qemu_check "the transport: no malformed post, no refusal, no drop" \
		vmbs_tg_loopback_clean "${S[stats]}"
	vmbs_qemu_check "every ring frame the server pinned it unpinned, with every channel closed" \
		vmbs_tg_pins_balanced "${S[stats]}"
	stats=$(vmbs_qemu_step_output "${S[stats]}" |
		grep -E '^(guest_posts|host_messages|slot_busy|eoms|guest_signals|host_signals|frames_pinned) ' |
		tr '\n' ' ') || true
	vmbs_log "$VMBS_SERIES transport: $stats"
	vmbs_qemu_check "third connection: two channels open before the reset" \
		vmbs_tg_open_before_reset "${S[reboot_up]}" "$hb_relid"
	vmbs_qemu_check "vmb_server_reset with channels open returns" \
		vmbs_qemu_step_ok "${S[reboot]}"
	vmbs_qemu_check "after the reset: disconnected, every channel enabled and closed, no GPADL" \
		vmbs_tg_reset_state "${S[reboot]}"
	vmbs_qemu_check "the device module was told closed by the reset, and freed without a callback" \
		vmbs_tg_last_line "${S[reboot_testdev]}" \
		'vmbus_server_testdev: unloaded: opened 1, closed 1'
	vmbs_qemu_setup_step "insmod vmbus_server_sample" \
		vmbs_qemu_step_ok "${S[vmm_sample]}"
	vmbs_qemu_check "registry: the loopback adds the sample, the guest sees it with its class" \
		vmbs_qemu_step_printed "${S[lb_registry]}" \
		"^class \\{$sample\\}\$"
	vmbs_qemu_check "registry: its parameters give the offer 12 + 24 MiB MMIO" \
		vmbs_qemu_step_has "${S[lb_registry]}" \
		'vmbus_server_sample: offering .*: MMIO 12 MiB \+ 24 MiB optional'
	vmbs_qemu_check "registry: the sample module could not be unloaded while used" \
		vmbs_qemu_step_printed "${S[lb_registry]}" \
		'^rmmod while used: refused'
	vmbs_qemu_check "registry: removed, the device is gone from the guest" \
		vmbs_qemu_step_ok "${S[lb_registry]}"
	vmbs_qemu_tool "${S[vmm_run]}" run
	vmbs_qemu_killed_checks "${S[vmm_killed]}"
	for scenario in "${VMBS_VMM_SCENARIOS[@]}"; do
		vmbs_qemu_tool "${S[vmm_$scenario]}" "$scenario"
	done
	vmbs_qemu_tool "${S[vmm_cycles]}" cycles
	vmbs_qemu_tool "${S[vmm_faults]}" faults
	vmbs_qemu_check "$VMBS_TG_VMM_CYCLES VMs: every page pinned was unpinned" \
		vmbs_qemu_pins_balanced "${S[vmm_cycles]}"
	vmbs_qemu_check "vmm faults: every page pinned by the faulted VMs was unpinned" \
		vmbs_qemu_pins_balanced "${S[vmm_faults]}"
	vmbs_qemu_setup_step "rmmod vmbus_server_sample" \
		vmbs_qemu_step_ok "${S[vmm_rmmod]}"
	vmbs_qemu_setup_step "rmmod the loopback transport and vmbus_server" \
		vmbs_qemu_step_ok "${S[rmmod]}"
	vmbs_tg_check_checkers
}

vmbs_tg_test() {
	local start=$SECONDS

	case ${1:-} in
	smp1 | smp2 | kunit) ;;
	*) vmbs_die "usage: testguest.sh smp1|smp2|kunit" ;;
	esac
	VMBS_SERIES=guest-$1
	vmbs_tg_setup "$1"
	if [ "$1" = kunit ]; then
		VMBS_QEMU_SMP=2
		vmbs_tg_kunit
	else
		VMBS_QEMU_SMP=${1#smp}
		vmbs_tg_scenarios
	fi
	vmbs_qemu_summary "$start"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	vmbs_tg_test "$@"
fi
