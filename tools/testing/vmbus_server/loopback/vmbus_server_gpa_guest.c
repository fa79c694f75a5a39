// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's side of the guest-memory scenario: a VMBus driver of the test
 * kernel's guest stack (not of the server) that binds the device of
 * vmbus_server_gpa.ko and hands the host guest memory the two ways Linux
 * drivers do: a buffer GPADL made with vmbus_establish_gpadl() (as netvsc
 * its receive buffer; 256 KiB, so a header and body messages), named in
 * an in-band request, and the external data of a GPA-direct packet sent
 * with vmbus_sendpacket_mpb_desc() (as storvsc its I/O; a vmalloc buffer,
 * so frames that are not contiguous).  It fills what the host should
 * find, and checks what the host wrote back (gpa_test.h).  One line per
 * request.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/hyperv.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "gpa_test.h"

#define GPA_GUEST_RING_SIZE		(16 * 1024)
#define GPA_GUEST_GPADL_SIZE		(256 * 1024)
#define GPA_GUEST_DIRECT_PAGES		3
#define GPA_GUEST_DIRECT_OFFSET		100
#define GPA_GUEST_DIRECT_LEN		10000
#define GPA_GUEST_SEED			0x5a
/* TCG is slow, and a lost completion must still end the test. */
#define GPA_GUEST_TIMEOUT		(60 * HZ)

struct gpa_guest {
	struct hv_device *dev;
	struct completion done;
	struct gpa_test_resp resp;	/* written before done */
};

/* The host's completions: one per request, each with its answer. */
static void gpa_guest_callback(void *context)
{
	struct gpa_guest *g = context;
	u8 buf[64];
	u32 len;
	u64 id;

	while (!vmbus_recvpacket(g->dev->channel, buf, sizeof(buf), &len,
				 &id) && len) {
		if (len < sizeof(g->resp)) {
			pr_err("short completion %llu: %u bytes\n", id, len);
			continue;
		}
		memcpy(&g->resp, buf, sizeof(g->resp));
		complete(&g->done);
	}
}

static void gpa_guest_fill(u8 *buf, u32 from, u32 to, u32 seed)
{
	u32 i;

	for (i = from; i < to; i++)
		buf[i] = gpa_test_byte(seed, i);
}

static u32 gpa_guest_count(const u8 *buf, u32 from, u32 to, u32 seed)
{
	u32 i, n = 0;

	for (i = from; i < to; i++)
		n += buf[i] == gpa_test_byte(seed, i);
	return n;
}

/* Send a request, in-band or GPA-direct, and wait for its completion. */
static int gpa_guest_ask(struct gpa_guest *g, struct gpa_test_req *req,
			 struct vmbus_packet_mpb_array *desc, u32 desc_size)
{
	struct vmbus_channel *channel = g->dev->channel;
	u64 id = le32_to_cpu(req->op);
	int ret;

	reinit_completion(&g->done);
	if (desc)
		ret = vmbus_sendpacket_mpb_desc(channel, desc, desc_size, req,
						sizeof(*req), id);
	else
		ret = vmbus_sendpacket(channel, req, sizeof(*req), id,
				       VM_PKT_DATA_INBAND,
				       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&g->done, GPA_GUEST_TIMEOUT))
		return -ETIMEDOUT;
	return (s32)le32_to_cpu(g->resp.status);
}

static void gpa_guest_report(struct gpa_guest *g, const char *what, int ret,
			     u32 good, u32 expected)
{
	pr_info("%s: host answered %d (checked %u, wrong %u, wrote %u); %u of %u bytes here\n",
		what, ret, le32_to_cpu(g->resp.checked),
		le32_to_cpu(g->resp.wrong), le32_to_cpu(g->resp.written), good,
		expected);
}

/* A buffer GPADL: the first half the guest's, the second the host's. */
static void gpa_guest_gpadl(struct gpa_guest *g)
{
	struct gpa_test_req req = {
		.op = cpu_to_le32(GPA_TEST_GPADL),
		.len = cpu_to_le32(GPA_GUEST_GPADL_SIZE),
		.seed = cpu_to_le32(GPA_GUEST_SEED),
	};
	const u32 half = GPA_GUEST_GPADL_SIZE / 2;
	struct vmbus_gpadl gpadl = {};
	char what[48];
	u8 *buf;
	int ret;

	buf = vzalloc(GPA_GUEST_GPADL_SIZE);
	if (!buf)
		return;
	gpa_guest_fill(buf, 0, half, GPA_GUEST_SEED);
	ret = vmbus_establish_gpadl(g->dev->channel, buf, GPA_GUEST_GPADL_SIZE,
				    &gpadl);
	if (ret) {
		pr_err("GPADL of %u bytes not made: %d\n",
		       GPA_GUEST_GPADL_SIZE, ret);
		vfree(buf);
		return;
	}
	req.gpadl = cpu_to_le32(gpadl.gpadl_handle);
	ret = gpa_guest_ask(g, &req, NULL, 0);
	snprintf(what, sizeof(what), "gpadl %#x of %u bytes",
		 gpadl.gpadl_handle, GPA_GUEST_GPADL_SIZE);
	gpa_guest_report(g, what, ret,
			 gpa_guest_count(buf, half, GPA_GUEST_GPADL_SIZE,
					 GPA_GUEST_SEED + 1), half);
	/* The host unmapped before it completed: this does not wait. */
	ret = vmbus_teardown_gpadl(g->dev->channel, &gpadl);
	if (ret) {
		/* Still the host's, maybe: leak it rather than free it. */
		pr_err("GPADL teardown: %d\n", ret);
		return;
	}
	vfree(buf);
}

/* A GPA-direct packet whose one range starts inside its first frame. */
static void gpa_guest_direct(struct gpa_guest *g)
{
	struct gpa_test_req req = {
		.op = cpu_to_le32(GPA_TEST_DIRECT),
		.len = cpu_to_le32(GPA_GUEST_DIRECT_LEN),
		.seed = cpu_to_le32(GPA_GUEST_SEED),
	};
	u32 desc_size = struct_size_t(struct vmbus_packet_mpb_array,
				      range.pfn_array, GPA_GUEST_DIRECT_PAGES);
	struct vmbus_packet_mpb_array *desc;
	unsigned int i;
	u8 *buf, *data;
	char what[64];
	int ret;

	BUILD_BUG_ON(GPA_GUEST_DIRECT_OFFSET + GPA_GUEST_DIRECT_LEN >
		     GPA_GUEST_DIRECT_PAGES * HV_HYP_PAGE_SIZE);
	desc = kzalloc(desc_size, GFP_KERNEL);
	buf = vzalloc(GPA_GUEST_DIRECT_PAGES * HV_HYP_PAGE_SIZE);
	if (!desc || !buf)
		goto out;
	data = buf + GPA_GUEST_DIRECT_OFFSET;
	gpa_guest_fill(data, 0, GPA_GUEST_DIRECT_LEN, GPA_GUEST_SEED);
	desc->rangecount = 1;
	desc->range.len = GPA_GUEST_DIRECT_LEN;
	desc->range.offset = GPA_GUEST_DIRECT_OFFSET;
	for (i = 0; i < GPA_GUEST_DIRECT_PAGES; i++)
		desc->range.pfn_array[i] =
			virt_to_hvpfn(buf + i * HV_HYP_PAGE_SIZE);
	ret = gpa_guest_ask(g, &req, desc, desc_size);
	snprintf(what, sizeof(what), "gpa-direct of %u bytes in %u pages at offset %u",
		 GPA_GUEST_DIRECT_LEN, GPA_GUEST_DIRECT_PAGES,
		 GPA_GUEST_DIRECT_OFFSET);
	gpa_guest_report(g, what, ret,
			 gpa_guest_count(data, 0, GPA_GUEST_DIRECT_LEN,
					 GPA_GUEST_SEED + 1),
			 GPA_GUEST_DIRECT_LEN);
out:
	vfree(buf);
	kfree(desc);
}

static int gpa_guest_probe(struct hv_device *dev,
			   const struct hv_vmbus_device_id *id)
{
	struct gpa_guest *g;
	int ret;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->dev = dev;
	init_completion(&g->done);
	hv_set_drvdata(dev, g);
	ret = vmbus_open(dev->channel, GPA_GUEST_RING_SIZE, GPA_GUEST_RING_SIZE,
			 NULL, 0, gpa_guest_callback, g);
	if (ret) {
		kfree(g);
		return ret;
	}
	gpa_guest_gpadl(g);
	gpa_guest_direct(g);
	return 0;
}

static void gpa_guest_remove(struct hv_device *dev)
{
	struct gpa_guest *g = hv_get_drvdata(dev);

	vmbus_close(dev->channel);
	kfree(g);
}

static const struct hv_vmbus_device_id gpa_guest_ids[] = {
	{ .guid = GPA_TEST_TYPE },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, gpa_guest_ids);

static struct hv_driver gpa_guest_driver = {
	.name = "vmbus_server_gpa_guest",
	.id_table = gpa_guest_ids,
	.probe = gpa_guest_probe,
	.remove = gpa_guest_remove,
};

static int __init gpa_guest_init(void)
{
	return vmbus_driver_register(&gpa_guest_driver);
}

static void __exit gpa_guest_exit(void)
{
	vmbus_driver_unregister(&gpa_guest_driver);
}

module_init(gpa_guest_init);
module_exit(gpa_guest_exit);
MODULE_DESCRIPTION("Guest-side driver for the vmbus_server guest-memory test");
MODULE_LICENSE("GPL");
