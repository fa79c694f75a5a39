// SPDX-License-Identifier: GPL-2.0
/*
 * A device back-end module for the real-guest scenarios: one channel on
 * the loopback transport's server, of the shutdown type so that the
 * guest's hv_utils binds and opens it.  Unloading the module disables and
 * frees the channel whatever the guest does with it, as a real back-end's
 * module exit would.  Its callbacks count what the server told it, and the
 * counts are logged when it goes, so a test sees that every open was
 * followed by a close and that no callback came after the free: the
 * callbacks are code of this module, gone once it is unloaded.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/uuid.h>
#include <linux/vmbus_server.h>

#include "loopback.h"

static struct vmb_channel *testdev_channel;
static atomic_t testdev_opened, testdev_closed;

static int testdev_on_opened(struct vmb_channel *channel)
{
	atomic_inc(&testdev_opened);
	pr_info("opened relid %u\n", vmb_server_channel_relid(channel));
	return 0;
}

static void testdev_on_closed(struct vmb_channel *channel)
{
	atomic_inc(&testdev_closed);
	pr_info("closed\n");
}

static const struct vmb_server_channel_callbacks testdev_callbacks = {
	.opened = testdev_on_opened,
	.closed = testdev_on_closed,
};

static const struct vmbus_server_loopback_dev testdev_dev = {
	.name = "testdev",
	/* Hyper-V's shutdown service, which hv_utils drives. */
	.type = GUID_INIT(0x0e0b6031, 0x5213, 0x4934,
			  0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb),
	/* Fixed, so that the test knows the guest's device name. */
	.instance = GUID_INIT(0x5ee1de70, 0x0000, 0x4000,
			      0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xde, 0x70),
	.callbacks = &testdev_callbacks,
};

static int __init testdev_init(void)
{
	testdev_channel = vmbus_server_loopback_add(&testdev_dev);
	return PTR_ERR_OR_ZERO(testdev_channel);
}

static void __exit testdev_exit(void)
{
	/* Neither waits for the guest; no callback runs after them. */
	vmb_server_channel_disable(testdev_channel);
	vmb_server_channel_free(testdev_channel);
	pr_info("unloaded: opened %d, closed %d\n",
		atomic_read(&testdev_opened), atomic_read(&testdev_closed));
}

module_init(testdev_init);
module_exit(testdev_exit);
MODULE_DESCRIPTION("Test device back-end on the loopback transport's server");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMBUS_SERVER);
