#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# overlay.sh TREE: link this project into a kernel source tree so that its
# Kconfig and Kbuild files are built like in-tree code (kunit.py uses this).
# Idempotent; the links always point at the checkout running the script.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=${1:?usage: overlay.sh KERNEL_TREE}

dirs=(vmbus_server vmbus_server_sample vmbus_server_ic vmbus_server_kbd
	vmbus_server_video)
for d in "${dirs[@]}"; do
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
# One line per module directory, each added on its own: trees an older
# overlay made have only some of them.
for d in "${dirs[@]}"; do
	opt=CONFIG_$(echo "$d" | tr '[:lower:]' '[:upper:]')
	# shellcheck disable=SC2016 # a make variable, not a shell one
	grep -q "$opt)" "$tree/drivers/Makefile" ||
		printf 'obj-$(%s)\t+= %s/\n' "$opt" "$d" \
			>>"$tree/drivers/Makefile"
done
