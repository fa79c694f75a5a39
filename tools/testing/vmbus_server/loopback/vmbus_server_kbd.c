// SPDX-License-Identifier: GPL-2.0
/*
 * A synthetic keyboard back-end for the real-guest scenarios: the host's
 * side of the Hyper-V keyboard protocol, over the server's packet API,
 * against the guest's own hyperv_keyboard.  The guest's probe sends a
 * protocol request (asking for a completion) and waits for the response;
 * this back-end completes the request and accepts version 1.0, so the
 * probe succeeds.  Writing N to the "keys" parameter then sends N presses
 * and releases of the A key, which the guest's driver passes to its input
 * layer; the scenario reads them from the event device.
 *
 * The protocol's layouts (type word, then the message) are the guest
 * driver's; they are written out here with explicit little-endian fields.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/unaligned.h>
#include <linux/vmbus_server.h>

#include "loopback.h"

/* Message types and fields of the synthetic keyboard protocol. */
#define KBD_PROTOCOL_REQUEST	1
#define KBD_PROTOCOL_RESPONSE	2
#define KBD_EVENT		3
#define KBD_VERSION_1_0		0x00010000
#define KBD_PROTOCOL_ACCEPTED	0x1
#define KBD_IS_BREAK		0x2
/* Set 1 scan code of the A key. */
#define KBD_SCAN_A		0x1e

static struct vmb_channel *kbd_channel;
static atomic_t kbd_requests, kbd_accepted, kbd_other;

static void kbd_process(struct vmb_channel *channel,
			struct vmb_server_packet *packet, const void *data,
			u32 len)
{
	u8 resp[8];
	u8 msg[8];
	u32 version;
	int ret;

	/* The guest can still write it: copied once, checked in the copy. */
	if (len < sizeof(msg) || get_unaligned_le32(data) != KBD_PROTOCOL_REQUEST) {
		atomic_inc(&kbd_other);
		vmb_server_packet_complete(packet, NULL, 0);
		return;
	}
	memcpy(msg, data, sizeof(msg));
	version = get_unaligned_le32(msg + 4);
	atomic_inc(&kbd_requests);
	vmb_server_packet_complete(packet, NULL, 0);

	put_unaligned_le32(KBD_PROTOCOL_RESPONSE, resp);
	put_unaligned_le32(version == KBD_VERSION_1_0 ?
			   KBD_PROTOCOL_ACCEPTED : 0, resp + 4);
	ret = vmb_server_packet_send(channel, resp, sizeof(resp),
				     VMB_SERVER_SEND_QUEUE, NULL, NULL);
	if (!ret && version == KBD_VERSION_1_0)
		atomic_inc(&kbd_accepted);
	pr_info("protocol request for version 0x%x: %s (%d)\n", version,
		version == KBD_VERSION_1_0 ? "accepted" : "refused", ret);
}

static const struct vmb_server_packet_callbacks kbd_packet_callbacks = {
	.process_packet = kbd_process,
};

static int kbd_send_key(bool release)
{
	u8 ev[12] = {};

	put_unaligned_le32(KBD_EVENT, ev);
	put_unaligned_le16(KBD_SCAN_A, ev + 4);
	put_unaligned_le32(release ? KBD_IS_BREAK : 0, ev + 8);
	return vmb_server_packet_send(kbd_channel, ev, sizeof(ev),
				      VMB_SERVER_SEND_QUEUE, NULL, NULL);
}

/* Writing N to /sys/module/vmbus_server_kbd/parameters/keys. */
static int kbd_set_keys(const char *val, const struct kernel_param *kp)
{
	unsigned int n, i, sent = 0;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret || !kbd_channel)
		return ret ?: -ENODEV;
	for (i = 0; i < n; i++) {
		ret = kbd_send_key(false) ?: kbd_send_key(true);
		if (ret)
			break;
		sent++;
		/*
		 * A typist's pace: the guest's evdev buffer drops the oldest
		 * events of a reader that falls behind a burst.
		 */
		msleep(20);
	}
	pr_info("sent %u presses of %u: %d\n", sent, n, ret);
	return ret;
}

static const struct kernel_param_ops kbd_keys_ops = {
	.set = kbd_set_keys,
};
module_param_cb(keys, &kbd_keys_ops, NULL, 0200);
MODULE_PARM_DESC(keys, "Write N: send N presses and releases of the A key");

static const struct vmbus_server_loopback_dev kbd_dev = {
	.name = "keyboard-test",
	/* Hyper-V's synthetic keyboard, which hyperv_keyboard drives. */
	.type = GUID_INIT(0xf912ad6d, 0x2b17, 0x48ea,
			  0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84),
	.instance = GUID_INIT(0x5ee1cb0d, 0x0000, 0x4000,
			      0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xcb, 0x0d),
	.packet_callbacks = &kbd_packet_callbacks,
};

static int __init kbd_init(void)
{
	struct vmb_channel *channel = vmbus_server_loopback_add(&kbd_dev);

	if (IS_ERR(channel))
		return PTR_ERR(channel);
	kbd_channel = channel;
	return 0;
}

static void __exit kbd_exit(void)
{
	vmb_server_channel_disable(kbd_channel);
	vmb_server_channel_free(kbd_channel);
	pr_info("unloaded: %d protocol requests, %d accepted, %d other packets\n",
		atomic_read(&kbd_requests), atomic_read(&kbd_accepted),
		atomic_read(&kbd_other));
}

module_init(kbd_init);
module_exit(kbd_exit);
MODULE_DESCRIPTION("Synthetic keyboard back-end test on the loopback transport's server");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMBUS_SERVER);
