// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory for the real-guest scenarios: a back-end that maps what the
 * guest's driver (vmbus_server_gpa_guest.ko) hands it, as network and
 * storage back-ends do: a GPADL the guest made with Linux's own
 * vmbus_establish_gpadl(), by id, and the external data of a GPA-direct
 * packet Linux's vmbus_sendpacket_mpb_desc() wrote.  It checks what the
 * guest wrote there and writes its own pattern back (gpa_test.h), and
 * logs one line per request.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/vmbus_server.h>

#include "gpa_test.h"
#include "loopback.h"

static struct vmb_channel *gpa_channel;

struct gpa_count {
	u32 checked;
	u32 wrong;
	u32 written;
};

static u32 gpa_total(const struct vmb_server_mapping *map)
{
	u32 r, total = 0;

	for (r = 0; r < map->nr_ranges; r++)
		total += map->ranges[r].len;
	return total;
}

/*
 * Bytes [@from, @to) of the mapping, counted across its ranges: check them
 * against @seed, or fill them with it.  The guest can write them all the
 * while: each byte is read or written once.
 */
static void gpa_walk(const struct vmb_server_mapping *map, u32 from, u32 to,
		     u32 seed, bool fill, struct gpa_count *count)
{
	u32 r, i, pos = 0;
	u8 *p;

	for (r = 0; r < map->nr_ranges; r++) {
		p = map->ranges[r].addr;
		for (i = 0; i < map->ranges[r].len; i++, pos++) {
			if (pos < from || pos >= to)
				continue;
			if (fill) {
				WRITE_ONCE(p[i], gpa_test_byte(seed, pos));
				count->written++;
			} else if (READ_ONCE(p[i]) == gpa_test_byte(seed, pos)) {
				count->checked++;
			} else {
				count->wrong++;
			}
		}
	}
}

/* Check the guest's half of its buffer GPADL, fill the other half. */
static int gpa_on_gpadl(struct vmb_channel *channel,
			const struct gpa_test_req *req, struct gpa_count *count)
{
	u32 len = le32_to_cpu(req->len), seed = le32_to_cpu(req->seed);
	struct vmb_server_mapping *map;
	int ret;

	ret = vmb_server_channel_map_gpadl(channel, le32_to_cpu(req->gpadl),
					   &map);
	if (ret)
		return ret;
	if (map->nr_ranges != 1 || gpa_total(map) != len) {
		ret = -EMSGSIZE;
	} else {
		gpa_walk(map, 0, len / 2, seed, false, count);
		gpa_walk(map, len / 2, len, seed + 1, true, count);
	}
	vmb_server_unmap(map);
	return ret;
}

/* Check the packet's external data, then overwrite it. */
static int gpa_on_direct(struct vmb_server_packet *packet,
			 const struct gpa_test_req *req,
			 struct gpa_count *count)
{
	u32 len = le32_to_cpu(req->len), seed = le32_to_cpu(req->seed);
	struct vmb_server_mapping *map;
	int ret;

	ret = vmb_server_packet_map_external(packet, &map);
	if (ret)
		return ret;
	if (gpa_total(map) != len) {
		ret = -EMSGSIZE;
	} else {
		gpa_walk(map, 0, len, seed, false, count);
		gpa_walk(map, 0, len, seed + 1, true, count);
	}
	pr_info_ratelimited("gpa-direct: %u range(s), %u bytes mapped\n",
			    map->nr_ranges, gpa_total(map));
	vmb_server_unmap(map);
	return ret;
}

/* Mapping may sleep: the data work is process context. */
static void gpa_process(struct vmb_channel *channel,
			struct vmb_server_packet *packet, const void *data,
			u32 len)
{
	struct gpa_count count = {};
	struct gpa_test_resp resp;
	struct gpa_test_req req;
	int ret;

	if (len < sizeof(req)) {
		vmb_server_packet_fail(packet);
		return;
	}
	memcpy(&req, data, sizeof(req));
	switch (le32_to_cpu(req.op)) {
	case GPA_TEST_GPADL:
		ret = gpa_on_gpadl(channel, &req, &count);
		break;
	case GPA_TEST_DIRECT:
		ret = gpa_on_direct(packet, &req, &count);
		break;
	default:
		ret = -EINVAL;
	}
	pr_info_ratelimited("request %u (gpadl %#x, %u bytes): %d, %u bytes as the guest wrote them, %u not, %u written\n",
			    le32_to_cpu(req.op), le32_to_cpu(req.gpadl),
			    le32_to_cpu(req.len), ret, count.checked,
			    count.wrong, count.written);
	resp.status = cpu_to_le32(ret);
	resp.checked = cpu_to_le32(count.checked);
	resp.wrong = cpu_to_le32(count.wrong);
	resp.written = cpu_to_le32(count.written);
	ret = vmb_server_packet_complete(packet, &resp, sizeof(resp));
	if (ret)
		pr_err("completion not sent: %d\n", ret);
}

static const struct vmb_server_packet_callbacks gpa_packet_callbacks = {
	.process_packet = gpa_process,
};

static const struct vmbus_server_loopback_dev gpa_dev = {
	.name = "gpa-test",
	.type = GPA_TEST_TYPE,
	.instance = GPA_TEST_INSTANCE,
	.packet_callbacks = &gpa_packet_callbacks,
};

static int __init gpa_init(void)
{
	gpa_channel = vmbus_server_loopback_add(&gpa_dev);
	return PTR_ERR_OR_ZERO(gpa_channel);
}

static void __exit gpa_exit(void)
{
	vmb_server_channel_disable(gpa_channel);
	vmb_server_channel_free(gpa_channel);
}

module_init(gpa_init);
module_exit(gpa_exit);
MODULE_DESCRIPTION("Guest memory back-end test on the loopback transport's server");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMBUS_SERVER);
