// SPDX-License-Identifier: GPL-2.0
/*
 * Hyper-V's synthetic keyboard as a device class of the registry.  The
 * guest's driver (Linux's hyperv_keyboard) opens the channel and asks for
 * protocol 1.0; once it is accepted the VMM types into the guest with
 * VMBS_KBD_TYPE_KEYS, one keystroke message per key, and reads the
 * guest's LEDs and the device's counts with VMBS_KBD_STATUS
 * (include/uapi/linux/vmbus_server_kbd.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmbus_server.h>
#include <uapi/linux/vmbus_server_kbd.h>

#include "kbd.h"

#define VMB_KBD_KEY_FLAGS	(VMBS_KBD_KEY_UNICODE | VMBS_KBD_KEY_BREAK | \
				 VMBS_KBD_KEY_E0 | VMBS_KBD_KEY_E1)
/* A set-1 scan code; its top bit is the release flag. */
#define VMB_KBD_SCAN_MAX	0x7f

struct vmb_kbd {
	struct vmb_channel *channel;
	/*
	 * Serializes what the device sends: one call's keys stay together,
	 * and none passes the protocol's answer.
	 */
	struct mutex type_lock;
	spinlock_t lock;		/* protects the fields below */
	bool ready;
	u32 version;
	u32 requests;
	u32 rejected;
	u32 opens;
	u16 leds;
	u32 led_updates;
	u64 keys;
};

static void vmb_kbd_reject(struct vmb_kbd *kbd, u32 type, u32 len)
{
	spin_lock_bh(&kbd->lock);
	kbd->rejected++;
	spin_unlock_bh(&kbd->lock);
	pr_warn_ratelimited("message of type %u, %u bytes, not taken\n", type,
			    len);
}

static void vmb_kbd_protocol(struct vmb_kbd *kbd,
			     const struct vmb_kbd_protocol_request *req)
{
	struct vmb_kbd_protocol_response resp = {
		.hdr.type = cpu_to_le32(VMB_KBD_MSG_PROTOCOL_RESPONSE),
	};
	u32 version = le32_to_cpu(req->version);
	bool accepted = version == VMB_KBD_VERSION;
	int ret;

	if (accepted)
		resp.status = cpu_to_le32(VMB_KBD_PROTOCOL_ACCEPTED);
	/*
	 * Ready before the answer leaves, and no key in between: a guest
	 * whose probe saw the answer finds the device ready, and the first
	 * key comes after the answer.
	 */
	mutex_lock(&kbd->type_lock);
	spin_lock_bh(&kbd->lock);
	kbd->requests++;
	kbd->version = version;
	kbd->ready = accepted;
	spin_unlock_bh(&kbd->lock);
	ret = vmb_server_packet_send(kbd->channel, &resp, sizeof(resp),
				     VMB_SERVER_SEND_QUEUE, NULL, NULL);
	if (ret) {
		spin_lock_bh(&kbd->lock);
		kbd->ready = false;
		spin_unlock_bh(&kbd->lock);
		pr_warn_ratelimited("protocol response not sent: %d\n", ret);
	}
	mutex_unlock(&kbd->type_lock);
}

/*
 * The guest's messages.  The ring is the guest's to write at any time:
 * copy first, then check the copy; the packet is given back at once.
 */
static void vmb_kbd_process(struct vmb_channel *channel,
			    struct vmb_server_packet *packet, const void *data,
			    u32 len)
{
	struct vmb_kbd *kbd = vmb_server_channel_context(channel);
	union {
		struct vmb_kbd_hdr hdr;
		struct vmb_kbd_protocol_request req;
		struct vmb_kbd_led_indicators led;
	} msg = {};
	u32 type;

	memcpy(&msg, data, min_t(u32, len, sizeof(msg)));
	vmb_server_packet_complete(packet, NULL, 0);
	type = len >= sizeof(msg.hdr) ? le32_to_cpu(msg.hdr.type) : 0;

	if (type == VMB_KBD_MSG_PROTOCOL_REQUEST && len >= sizeof(msg.req)) {
		vmb_kbd_protocol(kbd, &msg.req);
		return;
	}
	/* LEDs of a guest whose protocol was not accepted: out of order. */
	if (type == VMB_KBD_MSG_LED_INDICATORS && len >= VMB_KBD_LED_LEN) {
		spin_lock_bh(&kbd->lock);
		if (kbd->ready) {
			kbd->leds = le16_to_cpu(msg.led.flags);
			kbd->led_updates++;
			type = 0;
		}
		spin_unlock_bh(&kbd->lock);
		if (!type)
			return;
	}
	vmb_kbd_reject(kbd, type, len);
}

static const struct vmb_server_packet_callbacks vmb_kbd_packet_callbacks = {
	.process_packet = vmb_kbd_process,
};

static void vmb_kbd_post_started(struct vmb_channel *channel)
{
	struct vmb_kbd *kbd = vmb_server_channel_context(channel);

	spin_lock_bh(&kbd->lock);
	kbd->opens++;
	spin_unlock_bh(&kbd->lock);
}

/* The guest closed, or the device goes: the next open asks again. */
static void vmb_kbd_suspend(struct vmb_channel *channel)
{
	struct vmb_kbd *kbd = vmb_server_channel_context(channel);

	spin_lock_bh(&kbd->lock);
	kbd->ready = false;
	spin_unlock_bh(&kbd->lock);
}

static const struct vmb_server_channel_callbacks vmb_kbd_callbacks = {
	.post_started = vmb_kbd_post_started,
	.suspend = vmb_kbd_suspend,
};

static int vmb_kbd_status(struct vmb_kbd *kbd, void *out, size_t *out_len)
{
	struct vmbs_kbd_status st = {};

	if (*out_len < sizeof(st))
		return -EINVAL;
	spin_lock_bh(&kbd->lock);
	st.flags = kbd->ready ? VMBS_KBD_READY : 0;
	st.version = kbd->version;
	st.requests = kbd->requests;
	st.rejected = kbd->rejected;
	st.opens = kbd->opens;
	st.leds = kbd->leds;
	st.led_updates = kbd->led_updates;
	st.keys = kbd->keys;
	spin_unlock_bh(&kbd->lock);
	memcpy(out, &st, sizeof(st));
	*out_len = sizeof(st);
	return 0;
}

static bool vmb_kbd_check_key(const struct vmbs_kbd_key *key)
{
	u16 flags = le16_to_cpu((__force __le16)key->flags);
	u16 code = le16_to_cpu((__force __le16)key->code);

	if (flags & ~VMB_KBD_KEY_FLAGS)
		return false;
	return (flags & VMBS_KBD_KEY_UNICODE) ||
	       (code && code <= VMB_KBD_SCAN_MAX);
}

/*
 * Each key is one message; the channel queues what the guest's ring
 * cannot take yet.  A full queue ends the call early: the count tells the
 * VMM where to go on.
 */
static int vmb_kbd_type(struct vmb_kbd *kbd, const void *in, size_t in_len,
			void *out, size_t *out_len)
{
	struct vmb_kbd_keystroke ks = {
		.hdr.type = cpu_to_le32(VMB_KBD_MSG_EVENT),
	};
	const struct vmbs_kbd_key *keys = in;
	size_t i, n = in_len / sizeof(*keys);
	bool ready;
	u32 sent;
	int ret;

	if (!n || in_len % sizeof(*keys) || n > VMBS_KBD_KEYS_MAX ||
	    *out_len < sizeof(sent))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!vmb_kbd_check_key(&keys[i]))
			return -EINVAL;
	mutex_lock(&kbd->type_lock);
	spin_lock_bh(&kbd->lock);
	ready = kbd->ready;
	spin_unlock_bh(&kbd->lock);
	for (i = 0, ret = -ENOTCONN; ready && i < n; i++) {
		/* The VMM's fields are little-endian already. */
		ks.make_code = (__force __le16)keys[i].code;
		ks.info = cpu_to_le32(le16_to_cpu((__force __le16)keys[i].flags));
		ret = vmb_server_packet_send(kbd->channel, &ks, sizeof(ks),
					     VMB_SERVER_SEND_QUEUE, NULL, NULL);
		if (ret)
			break;
	}
	spin_lock_bh(&kbd->lock);
	kbd->keys += i;
	spin_unlock_bh(&kbd->lock);
	mutex_unlock(&kbd->type_lock);

	if (!i)
		return ret;
	sent = i;
	memcpy(out, &sent, sizeof(sent));
	*out_len = sizeof(sent);
	return 0;
}

static int vmb_kbd_control(struct vmb_server_device *device, u32 op,
			   const void *in, size_t in_len, void *out,
			   size_t *out_len)
{
	struct vmb_kbd *kbd = vmb_server_device_get_drvdata(device);

	switch (op) {
	case VMBS_KBD_STATUS:
		return in_len ? -EINVAL : vmb_kbd_status(kbd, out, out_len);
	case VMBS_KBD_TYPE_KEYS:
		return vmb_kbd_type(kbd, in, in_len, out, out_len);
	default:
		return -EOPNOTSUPP;
	}
}

static int vmb_kbd_probe(struct vmb_server_device *device)
{
	u32 max_packet = VMB_SERVER_INBAND_PACKET_SIZE(VMB_KBD_MSG_MAX);
	struct vmb_channel *channel;
	struct vmb_kbd *kbd;
	size_t len;
	int ret;

	vmb_server_device_params(device, &len);
	if (len)
		return -EINVAL;
	kbd = kzalloc(sizeof(*kbd), GFP_KERNEL);
	if (!kbd)
		return -ENOMEM;
	mutex_init(&kbd->type_lock);
	spin_lock_init(&kbd->lock);

	channel = vmb_server_channel_alloc();
	if (IS_ERR(channel)) {
		ret = PTR_ERR(channel);
		goto err_kbd;
	}
	kbd->channel = channel;
	ret = vmb_server_channel_init_set_server(channel,
						 vmb_server_device_server(device)) ?:
	      vmb_server_channel_init_set_interface(channel,
						    vmb_server_device_type(device),
						    vmb_server_device_instance(device)) ?:
	      vmb_server_channel_init_set_name(channel, "keyboard") ?:
	      vmb_server_channel_init_set_max_packet_size(channel, max_packet) ?:
	      vmb_server_channel_init_set_callbacks(channel, &vmb_kbd_callbacks,
						    kbd) ?:
	      vmb_server_channel_init_set_packet_callbacks(channel,
							   &vmb_kbd_packet_callbacks);
	if (ret)
		goto err_channel;
	ret = vmb_server_channel_enable(channel);
	if (ret)
		goto err_channel;
	ret = vmb_server_channel_start(channel);
	if (ret)
		goto err_disable;
	vmb_server_device_set_drvdata(device, kbd);
	return 0;

err_disable:
	vmb_server_channel_disable(channel);
err_channel:
	vmb_server_channel_free(channel);
err_kbd:
	kfree(kbd);
	return ret;
}

/* The disable closes an open channel without waiting for the guest. */
static void vmb_kbd_remove(struct vmb_server_device *device)
{
	struct vmb_kbd *kbd = vmb_server_device_get_drvdata(device);

	vmb_server_channel_disable(kbd->channel);
	vmb_server_channel_free(kbd->channel);
	mutex_destroy(&kbd->type_lock);
	kfree(kbd);
}

static struct vmb_server_device_class vmb_kbd_class = {
	.name = "keyboard",
	.type = GUID_INIT(0xf912ad6d, 0x2b17, 0x48ea, 0xbd, 0x65, 0xf9, 0x27,
			  0xa6, 0x1c, 0x76, 0x84),
	.owner = THIS_MODULE,
	.probe = vmb_kbd_probe,
	.remove = vmb_kbd_remove,
	.control = vmb_kbd_control,
};

static int __init vmb_kbd_init(void)
{
	return vmb_server_device_class_register(&vmb_kbd_class);
}

static void __exit vmb_kbd_exit(void)
{
	vmb_server_device_class_unregister(&vmb_kbd_class);
}

module_init(vmb_kbd_init);
module_exit(vmb_kbd_exit);

MODULE_IMPORT_NS(VMBUS_SERVER);
MODULE_DESCRIPTION("VMBus server synthetic keyboard");
MODULE_LICENSE("GPL");
