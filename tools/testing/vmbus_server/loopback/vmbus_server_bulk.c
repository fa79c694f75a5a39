// SPDX-License-Identifier: GPL-2.0
/*
 * Bulk traffic for the real-guest scenarios: a back-end that floods the
 * guest's echo driver (vmbus_server_echo_guest.ko, a guest driver of the
 * test kernel) with @packets packets of every size class from 8 bytes to
 * 16000, queueing them when the guest's ring is full, and checks every
 * echo: in order, the size sent (rounded up to 8 bytes, as in-band
 * payloads are), every byte.  Echoes are held and completed 16 at a time,
 * newest first, as a back-end completing out of order does: a held echo
 * is completed only once later ones arrived, which the guest (Linux's
 * ring_buffer.c, signalling only a write into an empty ring) announces
 * only if the host read the held ones out of its ring.  Both of the
 * guest's directions are Linux's own ring_buffer.c.  The result is one
 * log line, "vmbus_server_bulk: done: ...".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/spinlock.h>
#include <linux/unaligned.h>
#include <linux/vmbus_server.h>
#include <linux/workqueue.h>

#include "loopback.h"

static uint packets = 3000;
module_param(packets, uint, 0444);
MODULE_PARM_DESC(packets, "Packets to send and see echoed");

/* Size classes, cycled: a header (sequence, size) and a pattern. */
static const u32 bulk_sizes[] = {
	8, 12, 40, 64, 120, 256, 1000, 1024, 3000, 4096, 8000, 16000,
};

#define BULK_MAX		16000
#define BULK_HOLD		16

static struct {
	struct vmb_channel *channel;
	struct work_struct work;
	spinlock_t lock;	/* the checks and the holding */
	bool stop;		/* [lock] suspend came */
	u32 next;		/* [lock] sequence of the next echo */
	u32 intact;		/* [lock] */
	u32 bad;		/* [lock] */
	u32 queue_waits;	/* sends that found the queue full */
	struct vmb_server_packet *held[BULK_HOLD];	/* [lock] */
	unsigned int nr_held;	/* [lock] */
	u8 buf[BULK_MAX];
} bulk;

static u8 bulk_byte(u32 seq, u32 i)
{
	return seq * 31 + i * 7 + (i >> 8);
}

/* Whether @data is the echo of packet @seq: size and every byte. */
static bool bulk_check(const u8 *data, u32 len, u32 seq)
{
	u32 size, i;

	if (len < 8 || get_unaligned_le32(data) != seq)
		return false;
	size = get_unaligned_le32(data + 4);
	if (size != bulk_sizes[seq % ARRAY_SIZE(bulk_sizes)] ||
	    len != ALIGN(size, 8))
		return false;
	for (i = 8; i < size; i++)
		if (data[i] != bulk_byte(seq, i))
			return false;
	for (; i < len; i++)
		if (data[i])
			return false;
	return true;
}

static void bulk_complete_held(void)
{
	struct vmb_server_packet *held[BULK_HOLD];
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&bulk.lock, flags);
	n = bulk.nr_held;
	memcpy(held, bulk.held, n * sizeof(*held));
	bulk.nr_held = 0;
	spin_unlock_irqrestore(&bulk.lock, flags);
	while (n)
		vmb_server_packet_complete(held[--n], NULL, 0);
}

static void bulk_process(struct vmb_channel *channel,
			 struct vmb_server_packet *packet, const void *data,
			 u32 len)
{
	unsigned long flags;
	bool full, done;

	spin_lock_irqsave(&bulk.lock, flags);
	if (bulk_check(data, len, bulk.next))
		bulk.intact++;
	else
		bulk.bad++;
	bulk.next++;
	bulk.held[bulk.nr_held++] = packet;
	full = bulk.nr_held == BULK_HOLD;
	done = bulk.next == packets;
	spin_unlock_irqrestore(&bulk.lock, flags);
	if (full || done)
		bulk_complete_held();
	if (done)
		pr_info("done: %u packets of %zu sizes up to %u bytes, %u echoed intact and in order, %u bad, %u waits for a full queue\n",
			packets, ARRAY_SIZE(bulk_sizes), BULK_MAX, bulk.intact,
			bulk.bad, bulk.queue_waits);
}

static const struct vmb_server_packet_callbacks bulk_packet_callbacks = {
	.process_packet = bulk_process,
};

static bool bulk_stopped(void)
{
	unsigned long flags;
	bool stop;

	spin_lock_irqsave(&bulk.lock, flags);
	stop = bulk.stop;
	spin_unlock_irqrestore(&bulk.lock, flags);
	return stop;
}

static void bulk_work(struct work_struct *work)
{
	u32 seq, size, i;
	int ret;

	for (seq = 0; seq < packets && !bulk_stopped(); seq++) {
		size = bulk_sizes[seq % ARRAY_SIZE(bulk_sizes)];
		put_unaligned_le32(seq, bulk.buf);
		put_unaligned_le32(size, bulk.buf + 4);
		for (i = 8; i < size; i++)
			bulk.buf[i] = bulk_byte(seq, i);
		while ((ret = vmb_server_packet_send(bulk.channel, bulk.buf,
						     size,
						     VMB_SERVER_SEND_QUEUE,
						     NULL, NULL)) == -EAGAIN &&
		       !bulk_stopped()) {
			bulk.queue_waits++;
			usleep_range(500, 1000);
		}
		if (ret) {
			pr_err("send %u failed: %d\n", seq, ret);
			return;
		}
	}
}

static void bulk_post_started(struct vmb_channel *channel)
{
	/* Set already, unless the open beat module init's return. */
	bulk.channel = channel;
	queue_work(system_unbound_wq, &bulk.work);
}

static void bulk_suspend(struct vmb_channel *channel)
{
	unsigned long flags;

	spin_lock_irqsave(&bulk.lock, flags);
	bulk.stop = true;
	spin_unlock_irqrestore(&bulk.lock, flags);
	cancel_work_sync(&bulk.work);
	bulk_complete_held();
}

static const struct vmb_server_channel_callbacks bulk_callbacks = {
	.post_started = bulk_post_started,
	.suspend = bulk_suspend,
};

static const struct vmbus_server_loopback_dev bulk_dev = {
	.name = "bulk-test",
	/* vmbus_server_echo_guest.c binds this type. */
	.type = GUID_INIT(0x5ee1ec40, 0x0000, 0x4000,
			  0x80, 0x00, 0x65, 0x63, 0x68, 0x6f, 0x00, 0x00),
	.instance = GUID_INIT(0x5ee1ec41, 0x0000, 0x4000,
			      0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xec, 0x41),
	.callbacks = &bulk_callbacks,
	.packet_callbacks = &bulk_packet_callbacks,
	.max_packet_size = 2 * BULK_MAX,
};

static int __init bulk_init(void)
{
	spin_lock_init(&bulk.lock);
	INIT_WORK(&bulk.work, bulk_work);
	bulk.channel = vmbus_server_loopback_add(&bulk_dev);
	return PTR_ERR_OR_ZERO(bulk.channel);
}

static void __exit bulk_exit(void)
{
	vmb_server_channel_disable(bulk.channel);
	vmb_server_channel_free(bulk.channel);
	cancel_work_sync(&bulk.work);
}

module_init(bulk_init);
module_exit(bulk_exit);
MODULE_DESCRIPTION("Bulk traffic back-end test on the loopback transport's server");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMBUS_SERVER);
