// SPDX-License-Identifier: GPL-2.0
/*
 * Sample VMBus server device back-end, a device class of the registry.
 *
 * Each device a VMM adds (VMBS_ADD_DEVICE with the sample's interface
 * type) is one channel configured like a synthetic video device, with
 * MMIO space, that serves the first step of that protocol over its rings:
 * the guest asks for a protocol version, the back-end answers whether it
 * speaks it.  tools/vmbus_server/vmbus-vmm plays the VMM and the guest.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/uuid.h>
#include <linux/vmbus_server.h>
#include <linux/vmbus_server_protocol.h>

#include "sample.h"

static struct vmb_server_device_class sample_class;

#define SAMPLE_CHANNEL_NAME		"synthvid-sample"
#define SAMPLE_MAX_PACKET_SIZE		0x20000
#define SAMPLE_FLAGS	VMB_SERVER_CHANNEL_INIT_FLAG_ENUMERATE_DEVICE_INTERFACE

/* MMIO sizes without parameters: a synthetic video device's. */
#define SAMPLE_MMIO_MB			8
#define SAMPLE_MMIO_OPTIONAL_MB		16

/* The synthetic video versions the sample speaks: 3.0 to 3.5. */
#define SAMPLE_SYNTHVID_MAJOR		3
#define SAMPLE_SYNTHVID_MAX_MINOR	5

/* A device: its one channel, and what happened on it. */
struct sample_dev {
	struct vmb_channel *channel;
	atomic_t requests;
	atomic_t accepted;
	atomic_t malformed;
	atomic_t send_failed;
};

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
	struct sample_dev *dev = vmb_server_channel_context(channel);
	u32 asked;
	int ret;

	if (len < sizeof(req)) {
		pr_warn_ratelimited("back-end: %u-byte packet, no request\n",
				    len);
		atomic_inc(&dev->malformed);
		vmb_server_packet_fail(packet);
		return;
	}
	memcpy(&req, data, sizeof(req));
	if (memcmp(&req.hdr, &want, sizeof(want))) {
		pr_warn_ratelimited("back-end: not a version request\n");
		atomic_inc(&dev->malformed);
		vmb_server_packet_fail(packet);
		return;
	}
	vmb_server_packet_complete(packet, NULL, 0);
	atomic_inc(&dev->requests);

	asked = le32_to_cpu(req.version);
	resp.version = req.version;
	resp.is_accepted = (asked & 0xffff) == SAMPLE_SYNTHVID_MAJOR &&
			   asked >> 16 <= SAMPLE_SYNTHVID_MAX_MINOR;
	/* Never sleeps; a full ring queues it (bounded) rather than fail. */
	if (resp.is_accepted)
		atomic_inc(&dev->accepted);
	ret = vmb_server_packet_send(channel, &resp, sizeof(resp),
				     VMB_SERVER_SEND_QUEUE, NULL, NULL);
	if (ret)
		atomic_inc(&dev->send_failed);
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
static int sample_configure(struct vmb_server_device *device,
			    struct sample_dev *dev,
			    const struct sample_params *params)
{
	struct vmb_channel *channel = dev->channel;
	u16 mmio, mmio_optional;
	int ret;

	ret = vmb_server_channel_init_set_server(channel,
						 vmb_server_device_server(device));
	if (ret)
		return sample_fail("set server", ret);
	ret = vmb_server_channel_init_set_max_packet_size(channel,
							  SAMPLE_MAX_PACKET_SIZE);
	if (ret)
		return sample_fail("set max packet size", ret);
	ret = vmb_server_channel_init_set_interface(channel, &sample_class.type,
						    vmb_server_device_instance(device));
	if (ret)
		return sample_fail("set interface", ret);
	ret = vmb_server_channel_init_set_flags(channel, SAMPLE_FLAGS);
	if (ret)
		return sample_fail("set flags", ret);
	ret = vmb_server_channel_init_set_name(channel, SAMPLE_CHANNEL_NAME);
	if (ret)
		return sample_fail("set name", ret);
	mmio = le16_to_cpu(params->mmio_megabytes);
	mmio_optional = le16_to_cpu(params->mmio_megabytes_optional);
	ret = vmb_server_channel_init_set_mmio_megabytes(channel, mmio,
							 mmio_optional);
	if (ret)
		return sample_fail("set mmio megabytes", ret);
	ret = vmb_server_channel_init_set_callbacks(channel, &sample_callbacks,
						    dev);
	if (ret)
		return sample_fail("set callbacks", ret);
	ret = vmb_server_channel_init_set_packet_callbacks(channel,
							   &sample_packet_callbacks);
	if (ret)
		return sample_fail("set packet callbacks", ret);
	return 0;
}

/*
 * The VMM's parameters: none, or struct sample_params whole.  They come
 * from user space: copied, and checked like guest data.  Sizes of 0 and 0
 * are the setter's to refuse.
 */
static int sample_params(struct vmb_server_device *device,
			 struct sample_params *params)
{
	size_t len;
	const void *blob = vmb_server_device_params(device, &len);

	*params = (struct sample_params) {
		.mmio_megabytes = cpu_to_le16(SAMPLE_MMIO_MB),
		.mmio_megabytes_optional = cpu_to_le16(SAMPLE_MMIO_OPTIONAL_MB),
	};
	if (!len)
		return 0;
	if (len != sizeof(*params))
		return -EINVAL;
	memcpy(params, blob, sizeof(*params));
	return params->reserved ? -EINVAL : 0;
}

static int sample_probe(struct vmb_server_device *device)
{
	struct sample_params params;
	struct sample_dev *dev;
	int ret;

	ret = sample_params(device, &params);
	if (ret)
		return ret;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->channel = vmb_server_channel_alloc();
	if (IS_ERR(dev->channel)) {
		ret = sample_fail("allocate channel", PTR_ERR(dev->channel));
		goto err_alloc;
	}
	ret = sample_configure(device, dev, &params);
	if (ret)
		goto err_configure;
	ret = vmb_server_channel_enable(dev->channel);
	if (ret) {
		sample_fail("enable channel", ret);
		goto err_configure;
	}
	ret = vmb_server_channel_start(dev->channel);
	if (ret) {
		sample_fail("start channel", ret);
		goto err_start;
	}
	vmb_server_device_set_drvdata(device, dev);
	pr_info("offering %s %pUl: MMIO %u MiB + %u MiB optional, relid %u\n",
		SAMPLE_CHANNEL_NAME, vmb_server_device_instance(device),
		le16_to_cpu(params.mmio_megabytes),
		le16_to_cpu(params.mmio_megabytes_optional),
		vmb_server_channel_relid(dev->channel));
	return 0;

err_start:
	vmb_server_channel_disable(dev->channel);
err_configure:
	vmb_server_channel_free(dev->channel);
err_alloc:
	kfree(dev);
	return ret;
}

/* Returns once the back-end is told closed; the guest answers later. */
static void sample_remove(struct vmb_server_device *device)
{
	struct sample_dev *dev = vmb_server_device_get_drvdata(device);

	vmb_server_channel_disable(dev->channel);
	vmb_server_channel_free(dev->channel);
	kfree(dev);
	pr_info("removed %pUl\n", vmb_server_device_instance(device));
}

static int sample_control(struct vmb_server_device *device, u32 op,
			  const void *in, size_t in_len, void *out,
			  size_t *out_len)
{
	struct sample_dev *dev = vmb_server_device_get_drvdata(device);
	struct sample_stats stats;

	if (op != SAMPLE_CONTROL_STATS)
		return -EOPNOTSUPP;
	if (in_len || *out_len < sizeof(stats))
		return -EINVAL;
	stats = (struct sample_stats) {
		.requests = cpu_to_le32(atomic_read(&dev->requests)),
		.accepted = cpu_to_le32(atomic_read(&dev->accepted)),
		.malformed = cpu_to_le32(atomic_read(&dev->malformed)),
		.send_failed = cpu_to_le32(atomic_read(&dev->send_failed)),
	};
	memcpy(out, &stats, sizeof(stats));
	*out_len = sizeof(stats);
	return 0;
}

static struct vmb_server_device_class sample_class = {
	.name = "sample",
	/* The sample's own interface type: one device class per type. */
	.type = GUID_INIT(0xb4d1e6f2, 0x3c9a, 0x4e57,
			  0x9f, 0x1d, 0x7a, 0x2c, 0x5e, 0x8b, 0x0d, 0x63),
	.owner = THIS_MODULE,
	.probe = sample_probe,
	.remove = sample_remove,
	.control = sample_control,
};

static int __init vmb_sample_init(void)
{
	return vmb_server_device_class_register(&sample_class);
}

static void __exit vmb_sample_exit(void)
{
	vmb_server_device_class_unregister(&sample_class);
}

module_init(vmb_sample_init);
module_exit(vmb_sample_exit);

MODULE_IMPORT_NS(VMBUS_SERVER);
MODULE_DESCRIPTION("Sample VMBus server device class: an offer with MMIO, a request answered over the rings");
MODULE_LICENSE("GPL");
