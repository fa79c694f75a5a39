#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vmbs-guest: what the test kernel's /init steps ask of the guest side,
# read from the guest's own sysfs (/sys/bus/vmbus).  Busybox sh.
#   vmbs-guest devices                 one line per VMBus device
#   vmbs-guest lsvmbus                 the devices as lsvmbus shows them
#   vmbs-guest wait-count N [SECONDS]  until N devices exist
#   vmbs-guest wait-present DEV [S]    until device DEV (instance) exists
#   vmbs-guest wait-gone DEV [S]       until it does not
#   vmbs-guest wait-released FILE [S]  until the server's debugfs FILE
#                                      shows no relid awaiting release
#   vmbs-guest wait-bound DEV DRV [S]  until DRV drives it
#   vmbs-guest wait-state DEV N [S]    until its channel state is N
#                                      (3: opened, 0: offered)
#   vmbs-guest ic-status DEV           an integration service device's
#                                      VMBS_IC_STATUS, decoded
#   vmbs-guest wait-ic DEV FIELD N [S] until its FIELD is at least N
#   vmbs-guest cut-transport HB TS     rmmod the loopback transport while
#                                      heartbeat device HB and time sync
#                                      device TS answer every millisecond
#   vmbs-guest sections MODULE         where the module's code sits, so
#                                      that its leaks can be named after
#                                      it is unloaded
#   vmbs-guest fail-sleeping           let failslab and fail_page_alloc
#                                      fail sleeping allocations of any
#                                      order, silently; nothing fails
#                                      but through a task's fail_nth
# The waits print what they saw and fail on timeout.

bus=/sys/bus/vmbus/devices

count() {
	n=0
	for d in "$bus"/*; do
		[ -e "$d" ] && n=$((n + 1))
	done
	echo "$n"
}

driver_of() {
	if [ -L "$bus/$1/driver" ]; then
		basename "$(readlink "$bus/$1/driver")"
	else
		echo -
	fi
}

# wait_until S CMD...: until CMD succeeds, for S seconds of uptime (the
# clock a time sync test moves does not count), however slow CMD is.
uptime_s() { cut -d. -f1 /proc/uptime; }
uptime_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }
wait_until() {
	until_s=$(($(uptime_s) + $1))
	shift
	while ! "$@"; do
		[ "$(uptime_s)" -lt "$until_s" ] || return 1
		usleep 100000
	done
}

# The guest answers a rescind with RELID_RELEASED after its device is gone.
is_released() { ! grep -q 'awaiting RELID_RELEASED' "$1"; }

has_count() { [ "$(count)" -eq "$1" ]; }
is_present() { [ -d "$bus/$1" ]; }
is_gone() { [ ! -e "$bus/$1" ]; }
is_bound() { [ "$(driver_of "$1")" = "$2" ]; }
has_state() { [ "$(cat "$bus/$1/state" 2>/dev/null)" = "$2" ]; }
has_logged() { dmesg | grep -qF "$1"; }
has_lines() { [ "$(grep -cF "$2" "$1")" -ge "$3" ]; }

# The event device of the input device whose phys starts with $1.
event_of() {
	for d in /sys/class/input/input*; do
		case $(cat "$d/phys" 2>/dev/null) in
		"$1"*) ;;
		*) continue ;;
		esac
		for e in "$d"/event*; do
			[ -e "$e" ] && basename "$e" && return 0
		done
	done
	return 1
}
has_event() { event_of "$1" >/dev/null; }

# The set-1 scan codes of the letters q-p, a-l and z-m: Linux's key
# codes are the same numbers.
letters='10 11 12 13 14 15 16 17 18 19 1e 1f 20 21 22 23 24 25 26 2c 2d 2e 2f 30 31 32'

# as_letters CODES: the letters of scan codes of $letters.
as_letters() {
	for c in $1; do
		i=1
		for l in $letters; do
			[ "$l" = "$c" ] && break
			i=$((i + 1))
		done
		printf '%s' "$(echo qwertyuiopasdfghjklzxcvbnm | cut -c"$i")"
	done
}

# key_codes FILE VALUE: the codes (hex) of the key events (EV_KEY) with
# value VALUE (01 press, 00 release) in input_event file FILE, in order,
# each after a space.
key_codes() {
	hexdump -v -e '24/1 "%02x" "\n"' "$1" |
		sed -n "s/^.\{32\}0100\(..\)00${2}000000\$/ \1/p" | tr -d '\n'
}

key_events() {
	# shellcheck disable=SC2046 # the codes are the words to count
	set -- $(key_codes "$1" "$2")
	echo $#
}
has_key_events() { [ "$(key_events "$1" "$2")" -ge "$3" ]; }

class_name() {
	case $1 in
	57164f39-9115-4e78-ab55-382f3bd5422d) echo Heartbeat ;;
	0e0b6031-5213-4934-818b-38d90ced39db) echo Shutdown ;;
	9527e630-d0ae-497b-adce-e80ab0175caf) echo "Time Synchronization" ;;
	a9a0f4e7-5a45-4d96-b827-8a841e8c03e6) echo "Data Exchange" ;;
	35fa2e29-ea23-4236-96ae-3a6ebacba440) echo Backup ;;
	f912ad6d-2b17-48ea-bd65-f927a61c7684) echo "Synthetic Keyboard" ;;
	da0a7802-e377-4aac-8e77-0558eb1073f8) echo "Synthetic Video" ;;
	*) echo Unknown ;;
	esac
}

# dev_fields DIR: a device's sysfs fields into cls, inst, id, st and drv,
# read with the shell's own read: with 253 devices, a fork per field
# (cat, tr, basename) cost minutes under TCG.  Only a bound device's
# driver link needs readlink.
dev_fields() {
	read -r cls <"$1/class_id"
	cls=${cls#\{}
	cls=${cls%\}}
	read -r inst <"$1/device_id"
	inst=${inst#\{}
	inst=${inst%\}}
	read -r id <"$1/id"
	read -r st <"$1/state"
	drv=-
	if [ -L "$1/driver" ]; then
		drv=$(readlink "$1/driver")
		drv=${drv##*/}
	fi
}

lb=/sys/kernel/debug/vmbus_server_loopback

# le HEX OFFSET BYTES: the little-endian number at byte OFFSET of HEX.
# Busybox ash has ${VAR:OFFSET:LENGTH}; a cut per byte would fork
# hundreds of times per status under TCG.
le() {
	v=''
	i=$(($3 - 1))
	while [ "$i" -ge 0 ]; do
		o=$((2 * ($2 + i)))
		# shellcheck disable=SC3057
		v=$v${1:$o:2}
		i=$((i - 1))
	done
	echo $((0x$v))
}

# The fields of struct vmbs_ic_status (uapi/linux/vmbus_server_ic.h).
ic_status() {
	echo "device-control $1 1" >"$lb/control" || return 1
	h=$(cat "$lb/control-out")
	[ ${#h} -eq 96 ] || return 1
	echo "flags $(le "$h" 0 4) version $(le "$h" 4 4)" \
	     "requests $(le "$h" 8 4) answers $(le "$h" 12 4)" \
	     "timeouts $(le "$h" 16 4) rejected $(le "$h" 20 4)" \
	     "opens $(le "$h" 24 4) status $(le "$h" 28 4)" \
	     "value $(le "$h" 32 8) wrong $(le "$h" 40 4)"
}

# The fields of struct vmbs_kbd_status (uapi/linux/vmbus_server_kbd.h).
kbd_status() {
	echo "device-control $1 1" >"$lb/control" || return 1
	h=$(cat "$lb/control-out")
	[ ${#h} -eq 80 ] || return 1
	echo "flags $(le "$h" 0 4) version $(le "$h" 4 4)" \
	     "requests $(le "$h" 8 4) rejected $(le "$h" 12 4)" \
	     "opens $(le "$h" 16 4) leds $(le "$h" 20 2)" \
	     "led_updates $(le "$h" 24 4) keys $(le "$h" 32 8)"
}

# The fields of struct vmbs_video_screen (uapi/linux/vmbus_server_video.h).
video_screen() {
	echo "device-control $1 1" >"$lb/control" || return 1
	h=$(cat "$lb/control-out")
	[ ${#h} -eq 144 ] || return 1
	printf 'flags %s version 0x%x vram_gpa 0x%x vram_size %s' \
	       "$(le "$h" 0 4)" "$(le "$h" 4 4)" "$(le "$h" 8 8)" \
	       "$(le "$h" 16 4)"
	echo " mode $(le "$h" 20 4)x$(le "$h" 24 4)x$(le "$h" 28 4)" \
	     "stride $(le "$h" 32 4) offset $(le "$h" 36 4)" \
	     "situations $(le "$h" 56 4) dirt $(le "$h" 60 4)" \
	     "rejected $(le "$h" 64 4)"
}

# video_field DEV NAME: one field of video_screen.
video_field() {
	video_screen "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;}"
}
video_at_least() { [ "$(video_field "$1" "$2")" -ge "$3" ] 2>/dev/null; }

# ic_field DEV NAME: one field of ic_status.
ic_field() {
	ic_status "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;}"
}
ic_at_least() { [ "$(ic_field "$1" "$2")" -ge "$3" ] 2>/dev/null; }

cmd=$1
shift
case $cmd in
devices)
	for d in "$bus"/*; do
		[ -e "$d" ] || continue
		dev_fields "$d"
		echo "device ${d##*/} class $cls instance $inst relid $id" \
		     "driver $drv state $st"
	done
	;;
lsvmbus)
	for d in "$bus"/*; do
		[ -e "$d" ] || continue
		dev_fields "$d"
		# The primary channel's line: "relid:vp".
		read -r vp <"$d/channel_vp_mapping"
		printf 'VMBUS ID %3s: Class_ID = {%s} - %s\n' "$id" "$cls" \
			"$(class_name "$cls")"
		printf '\tDevice_ID = {%s}\n' "$inst"
		printf '\tDriver: %s, channel state %s, vp %s\n' "$drv" "$st" \
			"${vp#*:}"
	done
	;;
wait-count)
	wait_until "${2:-120}" has_count "$1"
	rc=$?
	echo "devices $(count)"
	exit $rc
	;;
wait-present)
	wait_until "${2:-60}" is_present "$1"
	rc=$?
	echo "present $1: $([ $rc -eq 0 ] && echo yes || echo no)"
	exit $rc
	;;
wait-gone)
	wait_until "${2:-60}" is_gone "$1"
	rc=$?
	echo "gone $1: $([ $rc -eq 0 ] && echo yes || echo no)"
	exit $rc
	;;
wait-lines)
	# wait-lines FILE TEXT N [TIMEOUT]: until N lines of FILE hold TEXT.
	wait_until "${4:-60}" has_lines "$1" "$2" "$3"
	rc=$?
	echo "lines with '$2': $(grep -cF "$2" "$1")"
	exit $rc
	;;
wait-released)
	wait_until "${2:-60}" is_released "$1"
	rc=$?
	echo "relids awaiting release: $(grep -c 'awaiting RELID_RELEASED' "$1")"
	exit $rc
	;;
wait-bound)
	wait_until "${3:-60}" is_bound "$1" "$2"
	rc=$?
	echo "driver $1: $(driver_of "$1")"
	exit $rc
	;;
wait-state)
	wait_until "${3:-60}" has_state "$1" "$2"
	rc=$?
	echo "state $1: $(cat "$bus/$1/state" 2>/dev/null || echo none)"
	exit $rc
	;;
wait-dmesg)
	wait_until "${2:-60}" has_logged "$1"
	rc=$?
	dmesg | grep -F "$1" | tail -n 1
	exit $rc
	;;
type-keys)
	# type-keys PHYS INSTANCE N [show]: read the input device whose
	# phys starts with PHYS while the keyboard device INSTANCE
	# (vmbus_server_kbd) types N letters, press and release, 4 keys per
	# control call; then compare what the guest read with what was
	# typed.  "show" prints both as letters too.
	wait_until 60 has_event "$1" || { echo "no event device for $1"; exit 1; }
	ev=$(event_of "$1")
	mkdir -p /tmp
	cat "/dev/input/$ev" >/tmp/keys.ev &
	pid=$!
	# Nothing is buffered for a reader that has not opened it yet.
	wait_until 30 sh -c "ls -l /proc/$pid/fd | grep -q /dev/input/" ||
		echo "the reader did not open /dev/input/$ev"
	i=0
	typed=''
	while [ "$i" -lt "$3" ]; do
		hex=''
		n=0
		while [ "$n" -lt 4 ] && [ "$i" -lt "$3" ]; do
			c=$(echo "$letters" | cut -d' ' -f$((i % 26 + 1)))
			# struct vmbs_kbd_key: the press, then the release.
			hex=${hex}${c}000000${c}000200
			typed="$typed $c"
			i=$((i + 1))
			n=$((n + 1))
		done
		echo "device-control $2 2 $hex" >"$lb/control" || exit 1
		sent=$(cat "$lb/control-out")
		[ "$sent" = "$(printf '%02x000000' $((2 * n)))" ] ||
			{ echo "the device sent $sent of $((2 * n)) events"; exit 1; }
		# The guest's evdev buffer holds 64 events: a typist's pace is
		# set by the reader.
		wait_until 30 has_key_events /tmp/keys.ev 00 "$i" ||
			{ echo "the guest read $(key_events /tmp/keys.ev 00) releases of $i"; break; }
	done
	kill "$pid"
	pressed=$(key_codes /tmp/keys.ev 01)
	released=$(key_codes /tmp/keys.ev 00)
	if [ "${4:-}" = show ]; then
		echo "typed on the host:    $(as_letters "$typed")"
		echo "read from the guest's evdev: $(as_letters "$pressed")"
	fi
	if [ "$pressed" = "$typed" ] && [ "$released" = "$typed" ]; then
		echo "$ev: $3 presses and $3 releases, in the order typed"
	else
		echo "$ev: typed:$typed"
		echo "$ev: pressed:$pressed"
		echo "$ev: released:$released"
	fi
	;;
kbd-status)
	kbd_status "$1"
	;;
video-screen)
	video_screen "$1"
	;;
wait-video)
	wait_until "${4:-60}" video_at_least "$1" "$2" "$3"
	rc=$?
	echo "video $1: $(video_screen "$1")"
	exit $rc
	;;
video-iomem)
	# video-iomem DEV: the region of the guest's /proc/iomem named after
	# DEV, its size, and whether it is where the guest placed the VRAM it
	# reported to the device.
	r=$(grep " : $1\$" /proc/iomem | sed 's/^ *//; s/ : .*//')
	[ -n "$r" ] || { echo "iomem $1: none"; exit 1; }
	start=$((0x${r%-*}))
	end=$((0x${r#*-}))
	gpa=$(($(video_field "$1" vram_gpa)))
	if [ "$gpa" -eq "$start" ]; then
		at="the VRAM the device maps"
	else
		at="not the VRAM the device maps ($gpa)"
	fi
	echo "iomem $1: $r, $(((end - start + 1) >> 20)) MiB, $at"
	;;
video-draw)
	# video-draw TEXT: TEXT on the console (fbcon on VT 1), and rows
	# 200-239 of /dev/fb0 white (the fifth block of 40 rows) in one write
	# from a file.  Not a row per write: 6.12's fbdev damage tracking
	# (drm_fb_helper_memory_range_to_clip()) turns a write of exactly one
	# whole row into an empty rectangle, which never reaches the VRAM.
	mkdir -p /tmp && printf '\033[2J\033[H\n\n  %s\n' "$1" >/dev/tty1 || exit 1
	s=$(cat /sys/class/graphics/fb0/stride) || exit 1
	dd if=/dev/zero of=/tmp/zero bs="$s" count=40 2>/dev/null &&
		tr '\000' '\377' </tmp/zero >/tmp/band &&
		dd if=/tmp/band of=/dev/fb0 bs=$((s * 40)) seek=5 conv=notrunc 2>/dev/null
	;;
video-capture)
	# video-capture DEV: the visible image in 64 KiB pieces
	# (VMBS_VIDEO_CAPTURE), gzipped and in base64 between two lines
	# that name its size, for the harness to turn into a PNG.  The
	# lines do not start with "@@": the harness keeps those for itself
	# and leaves them out of a step's output.
	mode=$(video_field "$1" mode)
	: >/tmp/screen.raw
	off=0
	while :; do
		hex=$(printf '%08x' "$off" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')
		echo "device-control $1 3 ${hex}00000000" >"$lb/control" || exit 1
		out=$(cat "$lb/control-out")
		[ -n "$out" ] || break
		echo "$out" | xxd -r -p >>/tmp/screen.raw
		off=$((off + ${#out} / 2))
	done
	echo "screen $mode $off bytes"
	gzip -c /tmp/screen.raw | base64
	echo "screen end"
	;;
ptp-offset)
	# ptp-offset NAME: how far the PTP clock NAME is ahead of
	# CLOCK_REALTIME, in whole seconds.
	for c in /sys/class/ptp/ptp*; do
		[ "$(cat "$c/clock_name" 2>/dev/null)" = "$1" ] || continue
		t=$(ptp-time "/dev/${c##*/}") || exit 1
		echo "$t" | awk -v n="$1" '{ printf "ptp %s: ahead of the guest'"'"'s clock by %d s\n", n, $2 - $4 + ($2 >= $4 ? 0.5 : -0.5) }'
		exit
	done
	echo "no PTP clock $1"
	exit 1
	;;
ic-status)
	ic_status "$1"
	;;
wait-ic)
	wait_until "${4:-60}" ic_at_least "$1" "$2" "$3"
	rc=$?
	echo "ic $1: $(ic_status "$1")"
	exit $rc
	;;
cut-transport)
	# Both devices answer every millisecond: their answers grow in the
	# half second before the rmmod.
	if ! { h0=$(ic_field "$1" answers) && t0=$(ic_field "$2" answers) &&
	       usleep 500000 && h1=$(ic_field "$1" answers) &&
	       t1=$(ic_field "$2" answers); }; then
		echo "no status of the devices"
		exit 1
	fi
	echo "before the cut: heartbeat answers $((h1 - h0)), time samples answered $((t1 - t0)) in 0.5 s"
	c0=$(uptime_cs)
	rmmod vmbus_server_loopback || exit 1
	c1=$(uptime_cs)
	echo "cut: rmmod took $((c1 - c0))0 ms"
	wait_until 30 has_count 0
	rc=$?
	echo "guest devices after the cut: $(count)"
	exit $rc
	;;
sections)
	printf 'sections %s .text %s .init.text %s\n' "$1" \
		"$(cat "/sys/module/$1/sections/.text")" \
		"$(cat "/sys/module/$1/sections/.init.text")"
	;;
fail-sleeping)
	fi=/sys/kernel/debug
	for a in failslab fail_page_alloc; do
		echo N >"$fi/$a/ignore-gfp-wait" &&
			echo 0 >"$fi/$a/verbose" &&
			echo 0 >"$fi/$a/probability" || exit 1
	done
	echo 0 >"$fi/fail_page_alloc/min-order" &&
		echo N >"$fi/fail_page_alloc/ignore-gfp-highmem" &&
		echo "fail-sleeping: failslab and fail_page_alloc set"
	;;
*)
	echo "vmbs-guest: unknown command $cmd" >&2
	exit 2
	;;
esac
