// SPDX-License-Identifier: GPL-2.0
/*
 * A heartbeat back-end for the real-guest scenarios: the host's side of
 * the Hyper-V heartbeat integration service, over the server's packet API,
 * against the guest's own hv_utils.  Once the guest opened the channel and
 * the incoming queue runs, a worker negotiates the service version (the
 * guest answers with the versions it picked) and then sends @rounds
 * heartbeat requests, one at a time; the guest answers each with the
 * sequence number plus one.  Every packet crosses both rings through the
 * guest's ring_buffer.c and the server's ring.c and datapath.c.
 *
 * The message layouts are the guest's own (<linux/hyperv.h>): the test
 * checks the server's rings, not the integration service.  The result is
 * logged as one line ("vmbus_server_heartbeat: done: ..."), which the
 * scenario waits for and checks.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/hyperv.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/spinlock.h>
#include <linux/vmbus_server.h>
#include <linux/workqueue.h>

#include "loopback.h"

static uint rounds = 1000;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Heartbeat requests to send");

/* How long the guest may take to answer one request. */
#define HB_ANSWER_TIMEOUT	(10 * HZ)
/* What a request and an answer can hold: a negotiation with two versions. */
#define HB_MSG_MAX		(ICMSG_HDR + sizeof(struct icmsg_negotiate) + \
				 2 * sizeof(struct ic_version))

static struct {
	struct vmb_channel *channel;
	struct work_struct work;
	struct completion answered;
	spinlock_t lock;		/* the answer vs. the worker */
	bool stop;			/* [lock] suspend came */
	u8 answer[HB_MSG_MAX + 64];	/* [lock] */
	u32 answer_len;			/* [lock] */
	u32 packets;			/* [lock] answers received */
} hb;

static void hb_process(struct vmb_channel *channel,
		       struct vmb_server_packet *packet, const void *data,
		       u32 len)
{
	unsigned long flags;

	spin_lock_irqsave(&hb.lock, flags);
	/* The guest can still write it: copied once, checked in the copy. */
	hb.answer_len = min_t(u32, len, sizeof(hb.answer));
	memcpy(hb.answer, data, hb.answer_len);
	hb.packets++;
	spin_unlock_irqrestore(&hb.lock, flags);
	vmb_server_packet_complete(packet, NULL, 0);
	complete(&hb.answered);
}

static const struct vmb_server_packet_callbacks hb_packet_callbacks = {
	.process_packet = hb_process,
};

/* Send @len bytes of @msg and wait for the answer, copied to @msg. */
static int hb_request(u8 *msg, u32 len)
{
	unsigned long flags;
	long left;
	int ret;

	spin_lock_irqsave(&hb.lock, flags);
	ret = hb.stop ? -ECONNRESET : 0;
	spin_unlock_irqrestore(&hb.lock, flags);
	if (ret)
		return ret;
	reinit_completion(&hb.answered);
	ret = vmb_server_packet_send(hb.channel, msg, len,
				     VMB_SERVER_SEND_QUEUE, NULL, NULL);
	if (ret)
		return ret;
	left = wait_for_completion_killable_timeout(&hb.answered,
						    HB_ANSWER_TIMEOUT);
	if (left <= 0)
		return left ?: -ETIMEDOUT;
	spin_lock_irqsave(&hb.lock, flags);
	ret = hb.stop ? -ECONNRESET : hb.answer_len < len ? -EPROTO : 0;
	if (!ret)
		memcpy(msg, hb.answer, len);
	spin_unlock_irqrestore(&hb.lock, flags);
	return ret;
}

static void hb_header(u8 *msg, u16 type, u32 len, u8 id)
{
	struct vmbuspipe_hdr *pipe = (void *)msg;
	struct icmsg_hdr *ic = (void *)(pipe + 1);

	memset(msg, 0, len);
	pipe->msgsize = len - sizeof(*pipe);
	ic->icverframe.major = UTIL_FW_MAJOR;
	ic->icvermsg.major = 3;
	ic->icmsgtype = type;
	ic->icmsgsize = len - ICMSG_HDR;
	ic->ictransaction_id = id;
	ic->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_REQUEST;
}

static bool hb_answer_ok(const u8 *msg, u16 type, u8 id)
{
	const struct icmsg_hdr *ic = (const void *)(msg +
						    sizeof(struct vmbuspipe_hdr));

	return ic->icmsgtype == type && !ic->status &&
	       ic->ictransaction_id == id &&
	       (ic->icflags & ICMSGHDRFLAG_RESPONSE);
}

static void hb_work(struct work_struct *work)
{
	u8 msg[HB_MSG_MAX];
	struct icmsg_negotiate *neg = (void *)(msg + ICMSG_HDR);
	struct heartbeat_msg_data *beat = (void *)(msg + ICMSG_HDR);
	u32 len = ICMSG_NEGOTIATE_PKT_SIZE(1, 1);
	unsigned int i, ok = 0;
	u64 seq;
	int ret;

	/* Framework 3.0 and heartbeat 3.0, one each: the guest picks them. */
	hb_header(msg, ICMSGTYPE_NEGOTIATE, len, 0);
	neg->icframe_vercnt = 1;
	neg->icmsg_vercnt = 1;
	neg->icversion_data[0].major = UTIL_FW_MAJOR;
	neg->icversion_data[1].major = 3;
	ret = hb_request(msg, len);
	if (ret || !hb_answer_ok(msg, ICMSGTYPE_NEGOTIATE, 0) ||
	    neg->icframe_vercnt != 1 || neg->icmsg_vercnt != 1) {
		pr_err("done: negotiation failed: %d\n", ret);
		return;
	}
	pr_info("negotiated framework %u.%u, heartbeat %u.%u\n",
		neg->icversion_data[0].major, neg->icversion_data[0].minor,
		neg->icversion_data[1].major, neg->icversion_data[1].minor);

	len = ICMSG_HDR + sizeof(*beat);
	for (i = 0; i < rounds; i++) {
		seq = 1000000 + 7ULL * i;
		hb_header(msg, ICMSGTYPE_HEARTBEAT, len, (u8)(i + 1));
		beat->seq_num = seq;
		ret = hb_request(msg, len);
		if (ret)
			break;
		if (hb_answer_ok(msg, ICMSGTYPE_HEARTBEAT, (u8)(i + 1)) &&
		    beat->seq_num == seq + 1)
			ok++;
	}
	pr_info("done: %u rounds, %u answered with the next sequence number, %u packets received, last error %d\n",
		i, ok, hb.packets, ret);
}

static void hb_post_started(struct vmb_channel *channel)
{
	unsigned long flags;

	spin_lock_irqsave(&hb.lock, flags);
	hb.stop = false;
	spin_unlock_irqrestore(&hb.lock, flags);
	/* Set already, unless the open beat module init's return. */
	hb.channel = channel;
	queue_work(system_unbound_wq, &hb.work);
}

static void hb_suspend(struct vmb_channel *channel)
{
	unsigned long flags;

	spin_lock_irqsave(&hb.lock, flags);
	hb.stop = true;
	spin_unlock_irqrestore(&hb.lock, flags);
	complete(&hb.answered);
	cancel_work_sync(&hb.work);
}

static const struct vmb_server_channel_callbacks hb_callbacks = {
	.post_started = hb_post_started,
	.suspend = hb_suspend,
};

static const struct vmbus_server_loopback_dev hb_dev = {
	.name = "heartbeat-test",
	/* Hyper-V's heartbeat service, which hv_utils drives. */
	.type = GUID_INIT(0x57164f39, 0x9115, 0x4e78,
			  0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d),
	.instance = GUID_INIT(0x5ee1be47, 0x0000, 0x4000,
			      0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xbe, 0x47),
	.callbacks = &hb_callbacks,
	.packet_callbacks = &hb_packet_callbacks,
};

static int __init hb_init(void)
{
	spin_lock_init(&hb.lock);
	init_completion(&hb.answered);
	INIT_WORK(&hb.work, hb_work);
	hb.channel = vmbus_server_loopback_add(&hb_dev);
	return PTR_ERR_OR_ZERO(hb.channel);
}

static void __exit hb_exit(void)
{
	vmb_server_channel_disable(hb.channel);
	vmb_server_channel_free(hb.channel);
	cancel_work_sync(&hb.work);
}

module_init(hb_init);
module_exit(hb_exit);
MODULE_DESCRIPTION("Heartbeat back-end test on the loopback transport's server");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMBUS_SERVER);
