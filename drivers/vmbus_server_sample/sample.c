// SPDX-License-Identifier: GPL-2.0
/*
 * Sample VMBus server device back-end.
 *
 * Offers one channel configured like a synthetic video device, with MMIO
 * space, and serves the first step of its protocol over the channel's
 * rings: the guest asks for a protocol version, the back-end answers
 * whether it speaks it.  The VM is played by the module (sample_guest.c):
 * loading it logs every message a guest's VMBus driver would receive,
 * decoded field by field, and the request and its answer.
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

#include "sample.h"

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

/* The newest synthetic video version the guest asks for first (3.5). */
#define SAMPLE_SYNTHVID_WIN10		SAMPLE_SYNTHVID_VERSION(3, 5)
#define SAMPLE_SYNTHVID_MAJOR		3
#define SAMPLE_SYNTHVID_MAX_MINOR	5

static struct vmb_server *sample_server;
static struct vmb_channel *sample_channel;

/*
 * A packet from the guest.  Its payload is in the ring, which the guest can
 * still write: copy it, then check and use only the copy.  The packet is
 * given back as soon as it is copied, and the answer is a packet of its
 * own, as the guest's driver expects; a malformed request fails the
 * channel, as a real device would treat a broken guest driver.
 */
static void sample_process_packet(struct vmb_channel *channel,
				  struct vmb_server_packet *packet,
				  const void *data, u32 len)
{
	struct sample_version_req req;
	const struct sample_msg_hdr want =
		sample_msg_hdr(SAMPLE_SYNTHVID_VERSION_REQUEST,
			       sizeof(req.version));
	struct sample_version_resp resp = {
		.hdr = sample_msg_hdr(SAMPLE_SYNTHVID_VERSION_RESPONSE,
				      sizeof(resp) - sizeof(resp.hdr)),
		.max_video_outputs = 1,
	};
	u32 asked;
	int ret;

	if (len < sizeof(req)) {
		pr_warn_ratelimited("back-end: %u-byte packet, no request\n",
				    len);
		vmb_server_packet_fail(packet);
		return;
	}
	memcpy(&req, data, sizeof(req));
	if (memcmp(&req.hdr, &want, sizeof(want))) {
		pr_warn_ratelimited("back-end: not a version request\n");
		vmb_server_packet_fail(packet);
		return;
	}
	vmb_server_packet_complete(packet, NULL, 0);

	asked = le32_to_cpu(req.version);
	resp.version = req.version;
	resp.is_accepted = (asked & 0xffff) == SAMPLE_SYNTHVID_MAJOR &&
			   asked >> 16 <= SAMPLE_SYNTHVID_MAX_MINOR;
	/* Never sleeps; a full ring queues it (bounded) rather than fail. */
	ret = vmb_server_packet_send(channel, &resp, sizeof(resp),
				     VMB_SERVER_SEND_QUEUE, NULL, NULL);
	/* The guest decides how often this runs: rate-limited. */
	pr_info_ratelimited("back-end: version request %u.%u %s, answer sent: %d\n",
			    asked & 0xffff, asked >> 16,
			    resp.is_accepted ? "accepted" : "refused", ret);
}

static const struct vmb_server_packet_callbacks sample_packet_callbacks = {
	.process_packet = sample_process_packet,
};

/* Nothing is mapped beyond the rings, which the server maps itself. */
static int sample_opened(struct vmb_channel *channel)
{
	pr_info("back-end: the guest opened relid %u\n",
		vmb_server_channel_relid(channel));
	return 0;
}

static void sample_closed(struct vmb_channel *channel)
{
	pr_info("back-end: closed\n");
}

static const struct vmb_server_channel_callbacks sample_callbacks = {
	.opened = sample_opened,
	.closed = sample_closed,
};

static int sample_fail(const char *step, int ret)
{
	pr_err("%s failed: %d\n", step, ret);
	return ret;
}

/* The order of a real Windows back-end (VMBUS.md §1). */
static int sample_configure(struct vmb_channel *channel)
{
	int ret;

	ret = vmb_server_channel_init_set_server(channel, sample_server);
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
	ret = vmb_server_channel_init_set_callbacks(channel, &sample_callbacks,
						    NULL);
	if (ret)
		return sample_fail("set callbacks", ret);
	ret = vmb_server_channel_init_set_packet_callbacks(channel, &sample_packet_callbacks);
	if (ret)
		return sample_fail("set packet callbacks", ret);
	return 0;
}

/* The guest opens the channel and asks; what it heard is the answer. */
static int sample_guest_session(void)
{
	struct sample_version_resp resp;
	int ret;

	ret = sample_guest_connect();
	if (!ret)
		ret = sample_guest_open();
	if (!ret)
		ret = sample_guest_ask_version(SAMPLE_SYNTHVID_WIN10, &resp);
	if (ret)
		return sample_fail("guest session", ret);
	pr_info("guest: version %u.%u %s by the host, %u video output(s)\n",
		le32_to_cpu(resp.version) & 0xffff,
		le32_to_cpu(resp.version) >> 16,
		resp.is_accepted ? "accepted" : "refused",
		resp.max_video_outputs);
	return 0;
}

static int __init vmb_sample_init(void)
{
	int ret;

	pr_info("offering %s: MMIO %u MiB + %u MiB optional, protocol %u.%u\n",
		SAMPLE_CHANNEL_NAME, mmio_mb, mmio_optional_mb,
		version >> 16, version & 0xffff);

	sample_server = sample_vm_create(version);
	if (IS_ERR(sample_server))
		return sample_fail("create server", PTR_ERR(sample_server));

	sample_channel = vmb_server_channel_alloc();
	if (IS_ERR(sample_channel)) {
		ret = sample_fail("allocate channel", PTR_ERR(sample_channel));
		goto err_create_server;
	}

	ret = sample_configure(sample_channel);
	if (ret)
		goto err_channel_alloc;

	ret = vmb_server_channel_enable(sample_channel);
	if (ret) {
		sample_fail("enable channel", ret);
		goto err_channel_alloc;
	}
	ret = vmb_server_channel_start(sample_channel);
	if (ret) {
		sample_fail("start channel", ret);
		goto err_channel_enable;
	}

	ret = sample_guest_session();
	if (ret)
		goto err_channel_enable;
	return 0;

err_channel_enable:
	vmb_server_channel_disable(sample_channel);
	sample_guest_wait_released();
err_channel_alloc:
	vmb_server_channel_free(sample_channel);
err_create_server:
	sample_vm_destroy(sample_server);
	return ret;
}

static void __exit vmb_sample_exit(void)
{
	/* Returns once the rescind is out; the played guest answers it. */
	vmb_server_channel_disable(sample_channel);
	sample_guest_wait_released();
	sample_guest_unload();
	vmb_server_channel_free(sample_channel);
	sample_vm_destroy(sample_server);
	pr_info("unloaded\n");
}

module_init(vmb_sample_init);
module_exit(vmb_sample_exit);

MODULE_IMPORT_NS(VMBUS_SERVER);
MODULE_DESCRIPTION("Sample VMBus server device back-end: offers, a ring, a request answered");
MODULE_LICENSE("GPL");
