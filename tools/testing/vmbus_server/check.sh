#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: every test of the project (what `make check` runs).
#   lint      checkpatch --strict; W=1 + sparse builds on Debian 6.1 and 6.12
#   dkms      dkms add and build against the newest Debian 6.1 and 6.12
#   kunit     the vmbus_server_* suites under kunit.py on UML (KASAN, lockdep)
#   qemu 6.1  insmod/rmmod and ABI checks on the stock Debian 6.1 kernel
#   qemu 6.12 the same on the stock Debian 6.12 kernel
#   guest-kunit  the suites again, as a module on the SMP debug test kernel
#   guest-smp1   Linux's own VMBus guest drivers against the server, on
#   guest-smp2   the test kernel with 1 and 2 vCPUs (testguest.sh)
# Each step prints "ok ..." / "not ok ..." lines; this script counts them and
# ends with a breakdown line and "N passed, N failed".  A step that dies
# without reporting counts as one failure.  Steps can be chosen:
# check.sh kunit qemu-6.1
set -uo pipefail
. "$(dirname "$0")/lib.sh"

here="$VMBS_ROOT/tools/testing/vmbus_server"
steps=("$@")
[ ${#steps[@]} -gt 0 ] ||
	steps=(lint dkms kunit qemu-6.1 qemu-6.12 guest-kunit guest-smp1
	       guest-smp2)

results="$VMBS_CACHE/check-results.txt"
: >"$results"
start=$SECONDS

for step in "${steps[@]}"; do
	case $step in
	lint) cmd=("$here/lint.sh") ;;
	dkms) cmd=("$here/dkms.sh") ;;
	kunit) cmd=("$here/kunit.sh") ;;
	qemu-*) cmd=("$here/qemu.sh" "${step#qemu-}") ;;
	guest-*) cmd=("$here/testguest.sh" "${step#guest-}") ;;
	*) vmbs_die "unknown step $step" ;;
	esac
	vmbs_log "step $step"
	step_start=$SECONDS
	out=$(mktemp)
	"${cmd[@]}" | tee "$out"
	status=${PIPESTATUS[0]}
	if [ "$status" -ne 0 ] && ! grep -q '^not ok ' "$out"; then
		echo "not ok $step: exited $status without reporting a failure" |
			tee -a "$out"
	fi
	grep -E '^(not )?ok ' "$out" >>"$results"
	rm -f "$out"
	vmbs_log "step $step took $((SECONDS - step_start)) s"
done

passed=$(grep -c '^ok ' "$results")
failed=$(grep -c '^not ok ' "$results")
vmbs_log "all steps took $((SECONDS - start)) s"
# What the counts are made of: KUnit cases (UML and the SMP test kernel),
# checks of the real guest runs, of the stock-kernel runs, lint tools.
awk '
	{
		ok = ($1 == "ok")
		sub(/^(not )?ok /, "")
		split($0, w, ": ")
		if (w[1] == "lint")
			k = "lint"
		else if (w[1] == "dkms")
			k = "dkms"
		else if (w[2] ~ /^vmbus_server_/)
			k = (w[1] == "kunit") ? "uml" : "smp"
		else if (w[1] ~ /^guest-/)
			k = "guest"
		else if (w[1] ~ /^6\.[0-9]+$/)
			k = "stock"
		else
			k = "other"
		n[k]++
		if (!ok)
			f[k]++
	}
	function c(k) { return (n[k] + 0) " (" (f[k] + 0) " failed)" }
	END {
		printf "breakdown: KUnit cases %s on UML + %s on the SMP test kernel; real-guest checks %s; stock-kernel checks %s; lint tools %s; dkms %s; other %s\n",
			c("uml"), c("smp"), c("guest"), c("stock"), c("lint"), c("dkms"), c("other")
	}' "$results"
if [ "$failed" -gt 0 ]; then
	echo "Failed checks:"
	grep '^not ok ' "$results"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
