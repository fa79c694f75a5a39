#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# overlay.sh TREE: link this project into a kernel source tree so that its
# Kconfig and Kbuild files are built like in-tree code (kunit.py uses this).
# Idempotent; the links always point at the checkout running the script.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=${1:?usage: overlay.sh KERNEL_TREE}

for d in vmbus_server vmbus_server_sample vmbus_server_ic; do
	ln -sfn "$VMBS_ROOT/drivers/$d" "$tree/drivers/$d"
done
# The headers are not linked: the module Kbuild files find them beside
# the sources, so that another checkout's build never reads ours.  Links
# an older overlay made go.
for h in vmbus_server.h vmbus_server_protocol.h; do
	if [ -L "$tree/include/linux/$h" ]; then
		rm -f "$tree/include/linux/$h"
	fi
done
ln -sfn "$VMBS_ROOT/Kconfig" "$tree/drivers/Kconfig.vmbus_server"

grep -q 'Kconfig.vmbus_server' "$tree/drivers/Kconfig" ||
	sed -i 's|^endmenu$|source "drivers/Kconfig.vmbus_server"\n\nendmenu|' \
		"$tree/drivers/Kconfig"
grep -q 'CONFIG_VMBUS_SERVER)' "$tree/drivers/Makefile" ||
	cat >>"$tree/drivers/Makefile" <<'MK'
obj-$(CONFIG_VMBUS_SERVER)		+= vmbus_server/
obj-$(CONFIG_VMBUS_SERVER_SAMPLE)	+= vmbus_server_sample/
MK
# Trees an older overlay made have the lines above but not this one.
grep -q 'CONFIG_VMBUS_SERVER_IC)' "$tree/drivers/Makefile" ||
	cat >>"$tree/drivers/Makefile" <<'MK'
obj-$(CONFIG_VMBUS_SERVER_IC)		+= vmbus_server_ic/
MK
