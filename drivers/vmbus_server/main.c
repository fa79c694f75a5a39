// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_server: host-side VMBus server channels for Linux/KVM hosts.
 */

#include <linux/module.h>

static int __init vmb_server_mod_init(void)
{
	return 0;
}

static void __exit vmb_server_mod_exit(void)
{
}

module_init(vmb_server_mod_init);
module_exit(vmb_server_mod_exit);

MODULE_DESCRIPTION("Host-side VMBus server channels");
MODULE_LICENSE("GPL");
