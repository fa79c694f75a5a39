// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's side of the bulk traffic scenario: a VMBus driver of the test
 * kernel's guest stack (not of the server) that binds the bulk test device
 * of vmbus_server_bulk.ko, opens it with 64 KiB rings and sends every
 * packet it receives back unchanged.  Both directions go through Linux's
 * own ring_buffer.c.  When its send ring is full it keeps the packet,
 * stops reading and retries a millisecond later, so a host that floods it
 * fills both rings.  It logs what it did when the device goes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyperv.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#define ECHO_RING_SIZE		(64 * 1024)
/* The largest packet the host sends, with room to spare. */
#define ECHO_BUF_SIZE		(16 * 1024 + 64)

struct echo {
	struct hv_device *dev;
	spinlock_t lock;		/* one drain at a time */
	struct delayed_work retry;
	bool closing;			/* [lock] remove began */
	u32 pending_len;		/* [lock] a packet not sent back yet */
	u64 pending_id;			/* [lock] */
	u64 received;			/* [lock] */
	u64 echoed;			/* [lock] */
	u64 ring_full;			/* [lock] sends that found it full */
	u8 buf[ECHO_BUF_SIZE];		/* [lock] */
};

/* Read and send back until the ring is empty or the host's ring full. */
static void echo_drain(struct echo *e)
{
	struct vmbus_channel *channel = e->dev->channel;
	unsigned long flags;
	u32 len;
	u64 id;
	int ret;

	spin_lock_irqsave(&e->lock, flags);
	while (!e->closing) {
		if (!e->pending_len) {
			ret = vmbus_recvpacket(channel, e->buf, sizeof(e->buf),
					       &len, &id);
			if (ret || !len)
				break;
			e->pending_len = len;
			e->pending_id = id;
			e->received++;
		}
		ret = vmbus_sendpacket(channel, e->buf, e->pending_len,
				       e->pending_id, VM_PKT_DATA_INBAND, 0);
		if (ret == -EAGAIN) {
			e->ring_full++;
			schedule_delayed_work(&e->retry, msecs_to_jiffies(1));
			break;
		}
		e->pending_len = 0;
		if (!ret)
			e->echoed++;
	}
	spin_unlock_irqrestore(&e->lock, flags);
}

static void echo_callback(void *context)
{
	echo_drain(context);
}

static void echo_retry(struct work_struct *work)
{
	echo_drain(container_of(work, struct echo, retry.work));
}

static int echo_probe(struct hv_device *dev,
		      const struct hv_vmbus_device_id *id)
{
	struct echo *e;
	int ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->dev = dev;
	spin_lock_init(&e->lock);
	INIT_DELAYED_WORK(&e->retry, echo_retry);
	hv_set_drvdata(dev, e);
	/* Linux copies each packet out of the ring into a buffer this big. */
	dev->channel->max_pkt_size = ECHO_BUF_SIZE;
	ret = vmbus_open(dev->channel, ECHO_RING_SIZE, ECHO_RING_SIZE, NULL, 0,
			 echo_callback, e);
	if (ret) {
		kfree(e);
		return ret;
	}
	return 0;
}

static void echo_remove(struct hv_device *dev)
{
	struct echo *e = hv_get_drvdata(dev);
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	e->closing = true;
	spin_unlock_irqrestore(&e->lock, flags);
	cancel_delayed_work_sync(&e->retry);
	vmbus_close(dev->channel);
	pr_info("removed: received %llu, echoed %llu, found the host's ring full %llu times\n",
		e->received, e->echoed, e->ring_full);
	kfree(e);
}

/* vmbus_server_bulk.c offers this type. */
static const struct hv_vmbus_device_id echo_ids[] = {
	{ .guid = GUID_INIT(0x5ee1ec40, 0x0000, 0x4000,
			    0x80, 0x00, 0x65, 0x63, 0x68, 0x6f, 0x00, 0x00) },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, echo_ids);

static struct hv_driver echo_driver = {
	.name = "vmbus_server_echo_guest",
	.id_table = echo_ids,
	.probe = echo_probe,
	.remove = echo_remove,
};

static int __init echo_init(void)
{
	return vmbus_driver_register(&echo_driver);
}

static void __exit echo_exit(void)
{
	vmbus_driver_unregister(&echo_driver);
}

module_init(echo_init);
module_exit(echo_exit);
MODULE_DESCRIPTION("Guest-side echo driver for the vmbus_server bulk test");
MODULE_LICENSE("GPL");
