// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_server: host-side VMBus server channels for Linux/KVM hosts.
 */

#include <linux/module.h>

#include "server.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static int __init vmb_server_mod_init(void)
{
	vmb_debugfs_init();
	return 0;
}

static void __exit vmb_server_mod_exit(void)
{
	vmb_debugfs_exit();
}

module_init(vmb_server_mod_init);
module_exit(vmb_server_mod_exit);

MODULE_DESCRIPTION("Host-side VMBus server channels");
MODULE_LICENSE("GPL");
