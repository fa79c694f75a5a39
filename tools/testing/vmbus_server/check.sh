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
# Each step prints "ok ..." / "not ok ..." lines for test cases and
# scenario checks, and "setup ok ..." for what they stand on (builds, boots,
# insmod, rmmod; a failed one is a "not ok").  This script counts the first
# and ends with a breakdown line, which lists the setup steps apart, and
# "N passed, N failed".  A step that dies without reporting counts as one
# failure.  Steps can be chosen:
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
	grep -E '^(not |setup )?ok ' "$out" >>"$results"
	rm -f "$out"
	vmbs_log "step $step took $((SECONDS - step_start)) s"
done

passed=$(grep -c '^ok ' "$results")
failed=$(grep -c '^not ok ' "$results")
vmbs_log "all steps took $((SECONDS - start)) s"
# What the counts are made of, each matrix as a product: the distinct
# things tested, and how often each kernel or vCPU setting ran them.  Setup
# steps (builds, boots, insmod and rmmod) are listed, not counted.
awk '
	$1 == "setup" { setups++; next }
	{
		ok = ($1 == "ok")
		sub(/^(not )?ok /, "")
		series = $0
		sub(/: .*/, "", series)
		name = substr($0, length(series) + 3)
		if (series == "lint" || series == "dkms")
			k = series
		else if (name ~ /^vmbus_server_/)
			k = "kunit"
		else if (series ~ /^guest-/)
			k = "guest"
		else if (series ~ /^6\.[0-9]+$/)
			k = "stock"
		else
			k = "other"
		total[k]++
		if (!ok)
			bad[k]++
		if (!((k, series) in runs)) {
			runs[k, series] = 0
			order[k] = order[k] " " series
		}
		runs[k, series]++
		if (!((k, name) in seen)) {
			seen[k, name] = 1
			distinct[k]++
			if (k == "kunit" && split(name, p, ".") >= 3) {
				rows++
				if (!((p[1] "." p[2]) in fn)) {
					fn[p[1] "." p[2]] = 1
					pfuncs++
				}
			}
		}
	}
	function label(k, s) {
		if (k == "kunit")
			return s == "kunit" ? "UML" : "SMP test kernel"
		if (s == "guest-kunit")
			return "KUnit boot"
		sub(/^guest-/, "", s)
		return s
	}
	# "N distinct x A (a), B (b) = total (f failed)"
	function product(k,    n, i, s, out) {
		if (!(k in order))
			return "none run"
		n = split(order[k], s, " ")
		for (i = 1; i <= n; i++)
			out = out (i > 1 ? ", " : "") label(k, s[i]) " (" runs[k, s[i]] ")"
		return (distinct[k] + 0) " x " out " = " (total[k] + 0) " (" (bad[k] + 0) " failed)"
	}
	END {
		printf "breakdown: KUnit cases (%d plain, %d parameter rows of %d functions) %s; ",
			distinct["kunit"] - rows, rows, pfuncs, product("kunit")
		printf "real-guest checks %s; stock-kernel checks %s; ",
			product("guest"), product("stock")
		printf "lint %d (%d failed); dkms %d (%d failed); other %d (%d failed); setup steps %d, not counted\n",
			total["lint"], bad["lint"], total["dkms"], bad["dkms"],
			total["other"], bad["other"], setups
	}' "$results"
if [ "$failed" -gt 0 ]; then
	echo "Failed checks:"
	grep '^not ok ' "$results"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
