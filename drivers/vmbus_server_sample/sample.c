// SPDX-License-Identifier: GPL-2.0
/*
 * Sample VMBus server device back-end.
 *
 * Offers one channel configured like a synthetic video device, the way a
 * real back-end would, on a server whose guest this module plays itself:
 * the transport does not reach a VM but logs every host-to-guest message
 * decoded field by field, so loading the module shows exactly what a
 * guest's VMBus driver would receive.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/uuid.h>
#include <linux/vmbus_server.h>
#include <linux/vmbus_server_protocol.h>
#include <linux/workqueue.h>

static ushort mmio_mb = 8;
module_param(mmio_mb, ushort, 0444);
MODULE_PARM_DESC(mmio_mb, "MMIO space the guest should reserve, MiB (default 8)");

static ushort mmio_optional_mb = 16;
module_param(mmio_optional_mb, ushort, 0444);
MODULE_PARM_DESC(mmio_optional_mb,
		 "Further MMIO space the guest may reserve, MiB (default 16)");

static uint version = VMB_VERSION_WIN10_V5_3;
module_param(version, uint, 0444);
MODULE_PARM_DESC(version,
		 "Protocol version the played guest asks for, major << 16 | minor (default 0x00050003)");

/* The synthetic video device's interface type, as Hyper-V offers it. */
static const guid_t sample_synthvid_type =
	GUID_INIT(0xda0a7802, 0xe377, 0x4aac,
		  0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8);

/* Fixed, so that the guest sees the same device on every load. */
static const guid_t sample_instance =
	GUID_INIT(0x5a3e0c1d, 0x9b47, 0x4f26,
		  0xa1, 0x8d, 0x3c, 0x72, 0x90, 0x5e, 0x61, 0x04);

#define SAMPLE_CHANNEL_NAME		"synthvid-sample"
#define SAMPLE_MAX_PACKET_SIZE		0x20000
#define SAMPLE_FLAGS	VMB_SERVER_CHANNEL_INIT_FLAG_ENUMERATE_DEVICE_INTERFACE

/* Linux guests take host messages on this SINT (VMBUS.md §3). */
#define SAMPLE_GUEST_MESSAGE_SINT	2

struct vmb_sample {
	struct vmb_server *server;
	struct vmb_channel *channel;
	/* Where the played guest posts after INITIATE_CONTACT: from 5.0 on
	 * the host names it in VERSION_RESPONSE.
	 */
	u32 msg_conn_id;
	/* The played guest answers a rescind from here, later, as a guest
	 * would: disable returns once the rescind is out, without waiting.
	 */
	struct work_struct release_work;
	u32 rescinded_relid;
};

static struct vmb_sample sample;

static void sample_log_user_data(const u8 *data, size_t len)
{
	size_t i, used = 0;

	for (i = 0; i < len; i++)
		if (data[i])
			used = i + 1;
	if (!used)
		pr_info("  user data               @60:  %zu bytes, all zero\n",
			len);
	else
		pr_info("  user data               @60:  %zu bytes, first %zu: %*ph\n",
			len, min_t(size_t, used, 16),
			(int)min_t(size_t, used, 16), data);
}

static void sample_log_offer(const struct vmb_msg_offer_channel *offer)
{
	u16 flags = le16_to_cpu(offer->chn_flags);

	pr_info("host -> guest: OFFERCHANNEL (msgtype %u), %zu bytes\n",
		le32_to_cpu(offer->header.msgtype), sizeof(*offer));
	pr_info("  interface type          @8:   %pUl\n",
		&offer->interface_type);
	pr_info("  interface instance      @24:  %pUl\n",
		&offer->interface_instance);
	pr_info("  chn_flags               @56:  0x%04x%s%s\n", flags,
		flags & VMB_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE ?
			" ENUMERATE_DEVICE_INTERFACE" : "",
		flags & VMB_OFFER_FLAG_NAMED_PIPE_MODE ?
			" NAMED_PIPE_MODE" : "");
	pr_info("  mmio_megabytes          @58:  %u MiB\n",
		le16_to_cpu(offer->mmio_megabytes));
	if (flags & VMB_OFFER_FLAG_NAMED_PIPE_MODE) {
		pr_info("  pipe_mode               @60:  %u\n",
			le32_to_cpu(offer->pipe.pipe_mode));
		sample_log_user_data(offer->pipe.user_data,
				     sizeof(offer->pipe.user_data));
	} else {
		sample_log_user_data(offer->user_data,
				     sizeof(offer->user_data));
	}
	pr_info("  sub_channel_index       @180: %u\n",
		le16_to_cpu(offer->sub_channel_index));
	pr_info("  mmio_megabytes_optional @182: %u MiB\n",
		le16_to_cpu(offer->mmio_megabytes_optional));
	pr_info("  child_relid             @184: %u\n",
		le32_to_cpu(offer->child_relid));
	pr_info("  monitor                 @188: id %u, allocated %u\n",
		offer->monitor_id,
		offer->monitor_flags & VMB_OFFER_MONITOR_ALLOCATED);
	pr_info("  dedicated interrupt     @190: %u\n",
		le16_to_cpu(offer->interrupt_flags) &
		VMB_OFFER_DEDICATED_INTERRUPT);
	pr_info("  connection_id           @192: 0x%x\n",
		le32_to_cpu(offer->connection_id));
}

/*
 * The transport: instead of a VM's message slot, the kernel log.  It runs
 * under the server's lock, so it only looks at the message and at the
 * sample's own state.
 */
static int sample_post_message(struct vmb_server *server, u32 target_vp,
			       u8 sint, const void *msg, size_t len)
{
	struct vmb_sample *s = vmb_server_priv(server);
	const struct vmb_msg_version_response *vr = msg;
	const struct vmb_msg_header *hdr = msg;
	const struct vmb_msg_relid *rescind = msg;
	u32 type;

	if (len < sizeof(*hdr)) {
		pr_warn("host -> guest: runt message, %zu bytes\n", len);
		return -EINVAL;
	}
	type = le32_to_cpu(hdr->msgtype);

	switch (type) {
	case VMB_MSG_OFFERCHANNEL:
		if (len < sizeof(struct vmb_msg_offer_channel))
			break;
		sample_log_offer(msg);
		return 0;
	case VMB_MSG_VERSION_RESPONSE:
		if (len < sizeof(*vr))
			break;
		pr_info("host -> guest: VERSION_RESPONSE version_supported %u, msg_conn_id %u\n",
			vr->version_supported, le32_to_cpu(vr->msg_conn_id));
		if (vr->version_supported && version >= VMB_VERSION_WIN10_V5)
			s->msg_conn_id = le32_to_cpu(vr->msg_conn_id);
		return 0;
	case VMB_MSG_ALLOFFERS_DELIVERED:
		pr_info("host -> guest: ALLOFFERS_DELIVERED\n");
		return 0;
	case VMB_MSG_RESCIND_CHANNELOFFER:
		if (len < sizeof(*rescind))
			break;
		pr_info("host -> guest: RESCIND_CHANNELOFFER child_relid %u\n",
			le32_to_cpu(rescind->child_relid));
		s->rescinded_relid = le32_to_cpu(rescind->child_relid);
		schedule_work(&s->release_work);
		return 0;
	case VMB_MSG_UNLOAD_RESPONSE:
		pr_info("host -> guest: UNLOAD_RESPONSE\n");
		return 0;
	}
	pr_info("host -> guest: message type %u, %zu bytes\n", type, len);
	return 0;
}

static const struct vmb_server_transport_ops sample_transport = {
	.post_message = sample_post_message,
};

/* The played guest posts a message, as HvPostMessage would hand it over. */
static int sample_guest_post(u32 connection_id, const void *msg, size_t len,
			     const char *what)
{
	int ret;

	pr_info("guest -> host: %s on connection id %u\n", what,
		connection_id);
	ret = vmb_server_deliver_guest_message(sample.server, connection_id,
					       msg, len);
	if (ret)
		pr_err("guest -> host: %s refused: %d\n", what, ret);
	return ret;
}

static int sample_guest_connect(void)
{
	struct vmb_msg_initiate_contact contact = {
		.header.msgtype = cpu_to_le32(VMB_MSG_INITIATE_CONTACT),
		.version = cpu_to_le32(version),
	};
	struct vmb_msg_header request = {
		.msgtype = cpu_to_le32(VMB_MSG_REQUESTOFFERS),
	};
	u32 conn_id = VMB_MESSAGE_CONNECTION_ID;
	int ret;

	/* 5.0 changed where contact is made and where messages go next. */
	if (version >= VMB_VERSION_WIN10_V5) {
		contact.msg_sint = SAMPLE_GUEST_MESSAGE_SINT;
		conn_id = VMB_MESSAGE_CONNECTION_ID_4;
	}
	sample.msg_conn_id = VMB_MESSAGE_CONNECTION_ID;
	ret = sample_guest_post(conn_id, &contact, sizeof(contact),
				"INITIATE_CONTACT");
	if (ret)
		return ret;
	return sample_guest_post(sample.msg_conn_id, &request,
				 sizeof(request), "REQUESTOFFERS");
}

/* What a guest does after a rescind: let go of the relid. */
static void sample_guest_release(struct work_struct *work)
{
	struct vmb_sample *s = container_of(work, struct vmb_sample,
					    release_work);
	struct vmb_msg_relid released = {
		.header.msgtype = cpu_to_le32(VMB_MSG_RELID_RELEASED),
		.child_relid = cpu_to_le32(s->rescinded_relid),
	};

	sample_guest_post(s->msg_conn_id, &released, sizeof(released),
			  "RELID_RELEASED");
}

static void sample_guest_unload(void)
{
	struct vmb_msg_header unload = {
		.msgtype = cpu_to_le32(VMB_MSG_UNLOAD),
	};

	sample_guest_post(sample.msg_conn_id, &unload, sizeof(unload),
			  "UNLOAD");
}

static int sample_fail(const char *step, int ret)
{
	pr_err("%s failed: %d\n", step, ret);
	return ret;
}

/* The order of a real Windows back-end (VMBUS.md §1). */
static int sample_configure(struct vmb_channel *channel)
{
	int ret;

	ret = vmb_server_channel_init_set_server(channel, sample.server);
	if (ret)
		return sample_fail("set server", ret);
	ret = vmb_server_channel_init_set_max_packet_size(channel,
							  SAMPLE_MAX_PACKET_SIZE);
	if (ret)
		return sample_fail("set max packet size", ret);
	ret = vmb_server_channel_init_set_interface(channel,
						    &sample_synthvid_type,
						    &sample_instance);
	if (ret)
		return sample_fail("set interface", ret);
	ret = vmb_server_channel_init_set_flags(channel, SAMPLE_FLAGS);
	if (ret)
		return sample_fail("set flags", ret);
	ret = vmb_server_channel_init_set_name(channel, SAMPLE_CHANNEL_NAME);
	if (ret)
		return sample_fail("set name", ret);
	ret = vmb_server_channel_init_set_mmio_megabytes(channel, mmio_mb,
							 mmio_optional_mb);
	if (ret)
		return sample_fail("set mmio megabytes", ret);
	return 0;
}

static int __init vmb_sample_init(void)
{
	int ret;

	pr_info("offering %s: MMIO %u MiB + %u MiB optional, protocol %u.%u\n",
		SAMPLE_CHANNEL_NAME, mmio_mb, mmio_optional_mb,
		version >> 16, version & 0xffff);

	INIT_WORK(&sample.release_work, sample_guest_release);
	sample.server = vmb_server_create(&sample_transport, &sample);
	if (IS_ERR(sample.server))
		return sample_fail("create server", PTR_ERR(sample.server));

	sample.channel = vmb_server_channel_alloc();
	if (IS_ERR(sample.channel)) {
		ret = sample_fail("allocate channel", PTR_ERR(sample.channel));
		goto err_create_server;
	}

	ret = sample_configure(sample.channel);
	if (ret)
		goto err_channel_alloc;

	ret = vmb_server_channel_enable(sample.channel);
	if (ret) {
		sample_fail("enable channel", ret);
		goto err_channel_alloc;
	}

	ret = sample_guest_connect();
	if (ret)
		goto err_channel_enable;
	return 0;

err_channel_enable:
	vmb_server_channel_disable(sample.channel);
	flush_work(&sample.release_work);
err_channel_alloc:
	vmb_server_channel_free(sample.channel);
err_create_server:
	vmb_server_destroy(sample.server);
	return ret;
}

static void __exit vmb_sample_exit(void)
{
	/* Returns once the rescind is out; the played guest answers it. */
	vmb_server_channel_disable(sample.channel);
	flush_work(&sample.release_work);
	sample_guest_unload();
	vmb_server_channel_free(sample.channel);
	vmb_server_destroy(sample.server);
	pr_info("unloaded\n");
}

module_init(vmb_sample_init);
module_exit(vmb_sample_exit);

MODULE_IMPORT_NS(VMBUS_SERVER);
MODULE_DESCRIPTION("Sample VMBus server device back-end that logs its offers");
MODULE_LICENSE("GPL");
