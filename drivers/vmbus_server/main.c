// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_server: host-side VMBus server channels for Linux/KVM hosts.
 */

#include <linux/module.h>

#include "cdev.h"
#include "channel.h"
#include "core.h"
#include "debugfs.h"

static int __init vmb_server_mod_init(void)
{
	int ret;

	ret = vmb_channel_cache_init();
	if (ret)
		return ret;
	/*
	 * Channel works run back-end callbacks that may sleep for long (a
	 * storage back-end draining I/O): unbound, and not the system one.
	 */
	vmb_wq = alloc_workqueue("vmbus_server", WQ_UNBOUND, 0);
	if (!vmb_wq) {
		ret = -ENOMEM;
		goto err_wq;
	}
	vmb_debugfs_init();
	/* Last: from here on a VMM can create servers. */
	ret = vmb_cdev_init();
	if (ret)
		goto err_cdev;
	return 0;

err_cdev:
	vmb_debugfs_exit();
	destroy_workqueue(vmb_wq);
err_wq:
	vmb_channel_cache_exit();
	return ret;
}

static void __exit vmb_server_mod_exit(void)
{
	vmb_cdev_exit();
	vmb_debugfs_exit();
	destroy_workqueue(vmb_wq);
	vmb_channel_cache_exit();
}

module_init(vmb_server_mod_init);
module_exit(vmb_server_mod_exit);

MODULE_DESCRIPTION("Host-side VMBus server channels");
MODULE_LICENSE("GPL");
