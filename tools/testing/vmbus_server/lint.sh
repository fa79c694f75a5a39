#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh: the static checks every change must pass.
#  - scripts/checkpatch.pl --strict on every C source and header;
#  - a W=1 build with sparse (C=2) against the newest Debian 6.1 and 6.12
#    headers, which must print no warning at all;
#  - shellcheck on the scripts;
#  - the device modules' wire structs against the guest drivers' own, as
#    the kernel tree declares them (abi/guest_drivers.py).
# Prints one "ok lint: ..." or "not ok lint: ..." line per tool: a tool
# passes when it passes on every file and kernel it looks at; what failed
# goes to stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

vmbs_apt gcc make sparse perl python3 rsync shellcheck >/dev/null

tree=$(vmbs_source_tree)
failed=0
built=()

mapfile -t sources < <(cd "$VMBS_ROOT" && git ls-files -co --exclude-standard \
	-- 'drivers/*.c' 'drivers/*.h' 'include/*.h' 'tools/*.c' 'tools/*.h')
bad=()
for f in "${sources[@]}"; do
	# compat.h is where the 6.1 and 6.12 interfaces differ: the one file
	# allowed to test the kernel version.
	ignore=()
	[ "$f" = drivers/vmbus_server/compat.h ] &&
		ignore=(--ignore LINUX_VERSION_CODE)
	if ! out=$("$tree/scripts/checkpatch.pl" --strict --no-tree --terse \
		--show-types "${ignore[@]}" -f "$VMBS_ROOT/$f" 2>&1); then
		printf '%s\n' "$out" >&2
		bad+=("$f")
	fi
done
if [ ${#bad[@]} -eq 0 ]; then
	echo "ok lint: checkpatch --strict (${#sources[@]} files)"
else
	echo "not ok lint: checkpatch --strict (${bad[*]})"
	failed=1
fi

mapfile -t scripts < <(cd "$VMBS_ROOT" && git ls-files -co --exclude-standard \
	-- 'tools/*.sh' .ci/run)
if out=$(cd "$VMBS_ROOT" && shellcheck -x -P SCRIPTDIR "${scripts[@]}" 2>&1); then
	echo "ok lint: shellcheck"
else
	printf '%s\n' "$out" >&2
	echo "not ok lint: shellcheck"
	failed=1
fi

if out=$("$VMBS_ROOT/tools/testing/vmbus_server/abi/guest_drivers.py" \
	"$tree" "$VMBS_ROOT" 2>&1); then
	echo "ok lint: device wire structs match hyperv_keyboard's and hyperv_drm's ($out)"
else
	printf '%s\n' "$out" >&2
	echo "not ok lint: device wire structs against the guest drivers'"
	failed=1
fi

# A build directory of its own, emptied first: every file is compiled
# and checked by sparse each run (a warm build directory would compile
# nothing and pass), and the count shows it.
bad=()
for series in 6.1 6.12; do
	rel=$(vmbs_newest_kernel "$series")
	[ -n "$rel" ] || vmbs_die "no Debian $series kernel found"
	kdir=$(vmbs_kernel_headers "$rel")
	log="$VMBS_CACHE/lint-$rel.log"
	rm -rf "$VMBS_CACHE/build-lint-$rel"
	if ! vmbs_build_modules "lint-$rel" "$kdir" W=1 C=2 >/dev/null 2>"$log" ||
	   grep -E 'warning:|error:|[Ww]arning: ' "$log" >&2; then
		bad+=("$rel (see $log)")
	fi
	# Every object kbuild compiled from a source of ours, and sparse's
	# pass over each (the .mod.c stubs and 6.12's .module-common.c are
	# kbuild's).
	cc=$(grep -E '^  CC \[M\]  .*\.o$' "$log" |
		grep -vcE '\.mod\.o$|/\.module-common\.o$' || true)
	checked=$(grep -c '^  CHECK   ' "$log" || true)
	if [ "$cc" -eq 0 ] || [ "$checked" -ne "$cc" ]; then
		bad+=("$rel: $cc files compiled, $checked checked by sparse")
	fi
	built+=("$cc files for $rel")
done
if [ ${#bad[@]} -eq 0 ]; then
	list=$(printf '%s, ' "${built[@]}")
	echo "ok lint: W=1 C=2 builds compile and sparse-check every file without warnings (${list%, })"
else
	echo "not ok lint: W=1 C=2 builds (${bad[*]})"
	failed=1
fi
exit "$failed"
