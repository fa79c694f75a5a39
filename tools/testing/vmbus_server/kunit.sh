#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh: run the vmbus_server_* KUnit suites with the kernel's own
# tools/testing/kunit/kunit.py on UML, over Debian's linux-source-6.12 with
# this project overlaid, built with KASAN and lockdep (PROVE_LOCKING).  UML
# runs one CPU without preemption, and nothing here scans for leaks: the
# same suites also run on the SMP debug test kernel (testguest.sh kunit),
# which does both.  The tree and the build directory live in the cache, so
# a second run rebuilds only what changed.
#
# Prints "ok kunit: <suite>.<case>[.<param>]" or "not ok ..." per leaf test,
# then "ok/not ok kunit: kernel log clean" for lockdep and WARN splats that
# do not fail a test by themselves.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

vmbs_apt gcc make bc flex bison python3 libc6-dev libelf-dev libssl-dev \
	cpio xz-utils >/dev/null

tree=$(vmbs_source_tree)
"$VMBS_ROOT/tools/testing/vmbus_server/overlay.sh" "$tree"

# "kunit.sh bench" (make bench) runs the benchmark suite alone, in a build
# of its own without KASAN and lockdep: kernel code at native speed.
if [ "${1:-}" = bench ]; then
	name=bench
	kconfig=(--kconfig_add CONFIG_VMBUS_SERVER_BENCH=y vmbus_server_bench)
else
	name=kunit
	kconfig=(--kconfig_add CONFIG_DEBUG_KERNEL=y
		 --kconfig_add CONFIG_KASAN=y
		 --kconfig_add CONFIG_PROVE_LOCKING=y)
fi
build="$VMBS_CACHE/$name-uml"
json="$VMBS_CACHE/$name.json"
log="$VMBS_CACHE/$name.log"
mkdir -p "$build"
rm -f "$json"
# The overlay may have pointed at another checkout whose files are newer
# than ours: make would keep its objects.  Ours are cheap to rebuild.
rm -rf "$build/drivers/vmbus_server" "$build/drivers/vmbus_server_sample"

vmbs_log "kunit.py run on UML (log: $log)"
status=0
(cd "$tree" && python3 tools/testing/kunit/kunit.py run \
	--kunitconfig="$VMBS_ROOT/drivers/vmbus_server/tests/.kunitconfig" \
	"${kconfig[@]}" \
	--build_dir="$build" --jobs="$(nproc)" \
	--timeout="${VMBS_KUNIT_TIMEOUT:-900}" \
	--json="$json") >"$log" 2>&1 || status=$?
tail -n 3 "$log" >&2

if [ "$name" = bench ]; then
	# The table, as the suite printed it; a benchmark has no verdict.
	sed -n 's/^.*# \(ring_throughput\|control_plane\): //p' "$build/test.log"
	exit "$status"
fi

if [ ! -s "$json" ]; then
	echo "not ok kunit: kunit.py run (exit $status, see $log)"
	exit 1
fi

python3 "$VMBS_ROOT/tools/testing/vmbus_server/kunit_results.py" kunit "$json"

# KASAN reports fail the running test; lockdep and WARN splats do not.
# Only what follows the first KTAP line counts: UML's own boot warns about
# its virtio PCI emulation before any test runs.
# No KTAP at all is no clean log.
if ! grep -q '^KTAP version' "$build/test.log" ||
   sed -n '/^KTAP version/,$p' "$build/test.log" |
	grep -E 'WARNING:|BUG:|possible circular locking|possible recursive locking|inconsistent lock state|Oops' >&2; then
	echo "not ok kunit: kernel log clean"
	exit 1
fi
echo "ok kunit: kernel log clean"
exit "$status"
