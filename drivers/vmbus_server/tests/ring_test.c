// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the host's ring protocol (ring.c) against the guest's side of
 * guest_ring.c, which shares no code with ring.c.
 */

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <linux/vmbus_server_protocol.h>

#include "../ring.h"
#include "guest_ring.h"

/* Data pages of the test rings: 16 KiB, so every size can be tried. */
#define RT_DATA_PAGES		4
#define RT_SIZE			(RT_DATA_PAGES * PAGE_SIZE)
/*
 * The largest payload an empty ring of RT_SIZE takes: descriptor, payload
 * and trailer stay below RT_SIZE (one byte stays free), in 8-byte units.
 */
#define RT_MAX_PAYLOAD		(RT_SIZE - 32)
#define RT_MAX_PACKET		(RT_SIZE - 16)

/* One ring's memory, the host's view of it and the guest's. */
struct rt_ring {
	struct page *pages[1 + RT_DATA_PAGES];
	struct vmb_ring host;
	/* The guest's view: control page and data area, mapped once. */
	struct guest_ring g;
};

static void rt_free(void *data)
{
	struct rt_ring *r = data;
	unsigned int i;

	vmb_ring_unmap(&r->host);
	if (r->g.buf)
		vunmap(r->g.buf);
	for (i = 0; i < ARRAY_SIZE(r->pages); i++)
		if (r->pages[i])
			__free_page(r->pages[i]);
}

/* A ring whose guest set both indices to @start (gr_init()). */
static struct rt_ring *rt_ring(struct kunit *test, u32 start, bool outgoing)
{
	struct rt_ring *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int i;
	u8 *buf;

	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < ARRAY_SIZE(r->pages); i++) {
		r->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, r->pages[i]);
	}
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, rt_free, r));
	buf = vmap(r->pages + 1, RT_DATA_PAGES, VM_MAP, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	gr_init(&r->g, page_address(r->pages[0]), buf, RT_SIZE, start);
	KUNIT_ASSERT_EQ(test, 0, vmb_ring_map(&r->host, r->pages,
					      ARRAY_SIZE(r->pages)));
	KUNIT_ASSERT_EQ(test, r->host.size, RT_SIZE);
	KUNIT_ASSERT_EQ(test, 0, vmb_ring_start(&r->host, outgoing));
	return r;
}

static u32 rt_idx(u32 index)
{
	return index % RT_SIZE;
}

static bool rt_guest_send(struct rt_ring *r, u16 type, u64 trans_id,
			  const u8 *payload, u32 len)
{
	return gr_send(&r->g, type, 0, trans_id, payload, len);
}

static int rt_guest_recv(struct kunit *test, struct rt_ring *r, u8 *out,
			 u16 *type, u64 *trans_id)
{
	return gr_recv(test, &r->g, out, U32_MAX, type, NULL, trans_id);
}

/* A host packet: an in-band descriptor and @len payload bytes. */
static int rt_host_send(struct rt_ring *r, u64 trans_id, const u8 *payload,
			u32 len, bool *signal)
{
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(VMB_PACKET_DATA_INBAND),
		.offset8 = cpu_to_le16(2),
		.len8 = cpu_to_le16((16 + round_up(len, 8)) / 8),
		.trans_id = cpu_to_le64(trans_id),
	};
	struct kvec vec[2] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};

	return vmb_ring_write(&r->host, vec, 2, signal);
}

static u8 *rt_pattern(struct kunit *test, u32 len, u8 seed)
{
	u8 *p = kunit_kmalloc(test, len, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < len; i++)
		p[i] = seed + i * 7 + (i >> 8);
	return p;
}

/* The data area is mapped twice: byte i and byte size + i are one byte. */
static void ring_double_mapping(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, false);
	u32 i;

	for (i = 0; i < RT_SIZE; i += 509) {
		r->g.buf[i] = i & 0xff;
		KUNIT_EXPECT_EQ(test, r->host.data[i], i & 0xff);
		KUNIT_EXPECT_EQ(test, r->host.data[RT_SIZE + i], i & 0xff);
	}
	r->g.ctl->pending_send_sz = cpu_to_le32(0x1234);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r->host.control->pending_send_sz),
			0x1234);
}

/*
 * Every payload size from 0 to the largest that fits, guest to host: the
 * host finds each packet whole, in place, and frees its space.
 */
static void ring_recv_every_size(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, false);
	u8 *data = rt_pattern(test, RT_MAX_PACKET, 1);
	struct vmb_ring_packet pkt;
	u32 len, checked = 0, wrapped = 0;

	for (len = 0; len <= RT_MAX_PAYLOAD; len++) {
		u32 pos = r->host.index;

		KUNIT_ASSERT_TRUE(test, rt_guest_send(r, VMB_PACKET_DATA_INBAND,
						      len, data, len));
		KUNIT_ASSERT_EQ(test, 0, vmb_ring_peek(&r->host, pos,
						       RT_MAX_PACKET, &pkt));
		KUNIT_EXPECT_EQ(test, pkt.type, VMB_PACKET_DATA_INBAND);
		KUNIT_EXPECT_EQ(test, pkt.trans_id, len);
		KUNIT_EXPECT_EQ(test, pkt.len, 16 + round_up(len, 8));
		KUNIT_EXPECT_EQ(test, pkt.offset, 16);
		if (memcmp(pkt.start + pkt.offset, data, len))
			KUNIT_FAIL(test, "payload of %u bytes differs", len);
		if (pos + pkt.len + 8 > RT_SIZE)
			wrapped++;
		KUNIT_EXPECT_EQ(test, pkt.next, rt_idx(pos + pkt.len + 8));
		KUNIT_EXPECT_EQ(test, -ENODATA,
				vmb_ring_peek(&r->host, pkt.next, RT_MAX_PACKET,
					      &pkt));
		vmb_ring_consume(&r->host, rt_idx(pos + 16 + round_up(len, 8) + 8));
		KUNIT_EXPECT_EQ(test, le32_to_cpu(r->g.ctl->read_index),
				r->host.index);
		checked++;
	}
	kunit_info(test, "%u sizes, %u packets wrapped around the end\n",
		   checked, wrapped);
	KUNIT_EXPECT_GT(test, wrapped, 100);
}

/* Every payload size, host to guest: the guest's reader takes each. */
static void ring_send_every_size(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, true);
	u8 *data = rt_pattern(test, RT_MAX_PACKET, 3);
	u8 *out = kunit_kmalloc(test, RT_MAX_PACKET, GFP_KERNEL);
	u32 len, wrapped = 0;
	u64 trans_id;
	bool signal;
	u16 type;

	KUNIT_ASSERT_NOT_NULL(test, out);
	for (len = 0; len <= RT_MAX_PAYLOAD; len++) {
		u32 pos = r->host.index;

		KUNIT_ASSERT_EQ(test, 0, rt_host_send(r, len, data, len,
						      &signal));
		/* The guest had read everything and does not mask. */
		KUNIT_EXPECT_TRUE(test, signal);
		if (pos + 16 + round_up(len, 8) + 8 > RT_SIZE)
			wrapped++;
		/* The guest gets the payload padded to 8 with zeroes. */
		KUNIT_ASSERT_EQ(test, rt_guest_recv(test, r, out, &type,
						    &trans_id), round_up(len, 8));
		KUNIT_EXPECT_EQ(test, type, VMB_PACKET_DATA_INBAND);
		KUNIT_EXPECT_EQ(test, trans_id, len);
		if (memcmp(out, data, len) ||
		    memchr_inv(out + len, 0, round_up(len, 8) - len))
			KUNIT_FAIL(test, "payload of %u bytes differs", len);
	}
	KUNIT_EXPECT_GT(test, wrapped, 100);
}

/*
 * Wrap-around at every 8-byte offset class: the rings start 8 * k bytes
 * before the end, so the descriptor, the payload or the trailer of the
 * first packets straddles it.
 */
static const u32 wrap_offsets[] = { 8, 16, 24, 32, 40, 48, 56, 64, 72, 80,
				    88, 96, 104, 112, 120, 128 };

static void wrap_desc(const u32 *k, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u bytes before the end", *k);
}

KUNIT_ARRAY_PARAM(wrap, wrap_offsets, wrap_desc);

static void ring_wrap_offsets(struct kunit *test)
{
	const u32 *k = test->param_value;
	struct rt_ring *in = rt_ring(test, RT_SIZE - *k, false);
	struct rt_ring *out = rt_ring(test, RT_SIZE - *k, true);
	u8 *data = rt_pattern(test, 256, 5), got[264];
	struct vmb_ring_packet pkt;
	u32 len, pos;
	u64 trans_id;
	bool signal;
	u16 type;

	for (len = 0; len <= 256; len += 13) {
		pos = in->host.index;
		KUNIT_ASSERT_TRUE(test, rt_guest_send(in, VMB_PACKET_COMPLETION,
						      7, data, len));
		KUNIT_ASSERT_EQ(test, 0, vmb_ring_peek(&in->host, pos, 4096,
						       &pkt));
		KUNIT_EXPECT_EQ(test, pkt.type, VMB_PACKET_COMPLETION);
		KUNIT_EXPECT_EQ(test, 0, memcmp(pkt.start + 16, data, len));
		vmb_ring_consume(&in->host, pkt.next);

		KUNIT_ASSERT_EQ(test, 0, rt_host_send(out, 9, data, len,
						      &signal));
		KUNIT_ASSERT_EQ(test, rt_guest_recv(test, out, got, &type,
						    &trans_id), round_up(len, 8));
		KUNIT_EXPECT_EQ(test, 0, memcmp(got, data, len));
	}
}

/*
 * A full ring: the host writes until -ENOSPC, and the one free byte rule
 * holds (the ring never looks empty when full); the guest's read frees
 * room again.
 */
static void ring_full(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, true);
	u8 *data = rt_pattern(test, 40, 9), got[64];
	unsigned int sent = 0;
	u64 trans_id;
	bool signal;
	u16 type;
	int ret = 0;

	/* 16 + 40 + 8 = 64 bytes a packet: 255 fit, not 256. */
	while (sent <= RT_SIZE / 64 &&
	       !(ret = rt_host_send(r, sent, data, 40, &signal)))
		sent++;
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, sent, RT_SIZE / 64 - 1);
	KUNIT_EXPECT_EQ(test, vmb_ring_free(&r->host), 64);
	KUNIT_EXPECT_NE(test, le32_to_cpu(r->g.ctl->write_index),
			le32_to_cpu(r->g.ctl->read_index));
	KUNIT_EXPECT_EQ(test, rt_guest_recv(test, r, got, &type, &trans_id),
			40);
	KUNIT_EXPECT_EQ(test, trans_id, 0);
	KUNIT_EXPECT_EQ(test, 0, rt_host_send(r, sent, data, 40, &signal));
	/* The guest had not read everything: no signal. */
	KUNIT_EXPECT_FALSE(test, signal);
	/* Too big ever to fit. */
	KUNIT_EXPECT_EQ(test, -EMSGSIZE, rt_host_send(r, 0, data, RT_SIZE,
						      &signal));
}

/*
 * Host to guest: a signal only when the guest listens (interrupt_mask
 * clear) and had read everything before the packet.
 */
static void ring_send_signals(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, true);
	u8 data[8] = {}, got[8];
	u64 trans_id;
	bool signal;
	u16 type;

	KUNIT_ASSERT_EQ(test, 0, rt_host_send(r, 1, data, 8, &signal));
	KUNIT_EXPECT_TRUE(test, signal);
	KUNIT_ASSERT_EQ(test, 0, rt_host_send(r, 2, data, 8, &signal));
	KUNIT_EXPECT_FALSE(test, signal);		/* not empty before */
	rt_guest_recv(test, r, got, &type, &trans_id);
	rt_guest_recv(test, r, got, &type, &trans_id);
	r->g.ctl->interrupt_mask = cpu_to_le32(1);
	KUNIT_ASSERT_EQ(test, 0, rt_host_send(r, 3, data, 8, &signal));
	KUNIT_EXPECT_FALSE(test, signal);		/* masked */
	rt_guest_recv(test, r, got, &type, &trans_id);
	r->g.ctl->interrupt_mask = 0;
	KUNIT_ASSERT_EQ(test, 0, rt_host_send(r, 4, data, 8, &signal));
	KUNIT_EXPECT_TRUE(test, signal);
}

/*
 * Guest to host: the host masks while it reads, so the guest does not
 * signal; unmasking reports what the guest wrote meanwhile.
 */
static void ring_recv_mask(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, false);
	u8 data[16] = {};
	struct vmb_ring_packet pkt;

	KUNIT_ASSERT_TRUE(test, rt_guest_send(r, VMB_PACKET_DATA_INBAND, 1,
					      data, 16));
	KUNIT_EXPECT_EQ(test, r->g.signals, 1);
	vmb_ring_mask(&r->host);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r->g.ctl->interrupt_mask), 1);
	KUNIT_ASSERT_EQ(test, 0, vmb_ring_peek(&r->host, 0, 4096, &pkt));
	vmb_ring_consume(&r->host, pkt.next);
	KUNIT_ASSERT_TRUE(test, rt_guest_send(r, VMB_PACKET_DATA_INBAND, 2,
					      data, 16));
	KUNIT_EXPECT_EQ(test, r->g.signals, 1);	/* masked */
	KUNIT_EXPECT_TRUE(test, vmb_ring_unmask(&r->host, pkt.next));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r->g.ctl->interrupt_mask), 0);
	KUNIT_ASSERT_EQ(test, 0, vmb_ring_peek(&r->host, pkt.next, 4096,
					       &pkt));
	vmb_ring_consume(&r->host, pkt.next);
	KUNIT_EXPECT_FALSE(test, vmb_ring_unmask(&r->host, pkt.next));
}

/*
 * The guest fills its ring and asks, with pending_send_sz, to be told
 * when 1 KiB is free: the host's consume says so exactly once, when the
 * free space crosses it.
 */
static void ring_pending_send_sz(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, false);
	u8 *data = rt_pattern(test, 40, 11);
	struct vmb_ring_packet pkt;
	unsigned int sent = 0, signals = 0, consumed = 0;
	u32 pos = 0, free;

	while (rt_guest_send(r, VMB_PACKET_DATA_INBAND, sent, data, 40))
		sent++;
	r->g.ctl->pending_send_sz = cpu_to_le32(1024);
	while (!vmb_ring_peek(&r->host, pos, 4096, &pkt)) {
		bool signal = vmb_ring_consume(&r->host, pkt.next);

		pos = pkt.next;
		consumed++;
		free = RT_SIZE - (le32_to_cpu(r->g.ctl->write_index) - pos) %
				 RT_SIZE;
		if (signal) {
			signals++;
			/* The first packet whose space makes it more. */
			KUNIT_EXPECT_GT(test, free, 1024);
			KUNIT_EXPECT_LE(test, free - 64, 1024);
		}
	}
	KUNIT_EXPECT_EQ(test, consumed, sent);
	KUNIT_EXPECT_EQ(test, signals, 1);
}

/* The host waiting for room: pending_send_sz written, and withdrawn. */
static void ring_want_space(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, true);
	u8 *data = rt_pattern(test, 40, 13), got[64];
	unsigned int i;
	u64 trans_id;
	bool signal;
	u16 type;

	for (i = 0; i < RT_SIZE / 64 - 1; i++)
		KUNIT_ASSERT_EQ(test, 0, rt_host_send(r, 0, data, 40, &signal));
	KUNIT_EXPECT_FALSE(test, vmb_ring_want_space(&r->host, 128));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r->g.ctl->pending_send_sz), 128);
	rt_guest_recv(test, r, got, &type, &trans_id);
	rt_guest_recv(test, r, got, &type, &trans_id);
	KUNIT_EXPECT_TRUE(test, vmb_ring_want_space(&r->host, 128));
	KUNIT_EXPECT_FALSE(test, vmb_ring_want_space(&r->host, 0));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r->g.ctl->pending_send_sz), 0);
}

/*
 * The host acts on its copy of a descriptor: a guest rewriting the packet
 * after the peek changes neither its length nor where the next one is.
 */
static void ring_rewrite_after_peek(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, false);
	u8 data[64] = {};
	struct vmb_ring_packet pkt;
	__le16 huge = cpu_to_le16(0xffff);

	KUNIT_ASSERT_TRUE(test, rt_guest_send(r, VMB_PACKET_DATA_INBAND, 1,
					      data, 64));
	KUNIT_ASSERT_EQ(test, 0, vmb_ring_peek(&r->host, 0, 4096, &pkt));
	memcpy(r->g.buf + 4, &huge, 2);		/* len8 */
	memcpy(r->g.buf + 2, &huge, 2);		/* offset8 */
	KUNIT_EXPECT_EQ(test, pkt.len, 80);
	KUNIT_EXPECT_EQ(test, pkt.offset, 16);
	KUNIT_EXPECT_EQ(test, pkt.next, 88);
	/* Peeked again, the rewritten packet is refused. */
	KUNIT_EXPECT_EQ(test, -EPROTO, vmb_ring_peek(&r->host, 0, 4096, &pkt));
}

/*
 * Malicious ring states: what the guest wrote at the read position, and
 * what the host must make of it.  Lengths are in bytes; the descriptor is
 * followed by zeroes up to @written.
 */
struct bad_ring_case {
	const char *name;
	u32 write_index;	/* ~0: the end of what was written */
	u32 written;		/* bytes the guest claims at position 0 */
	u16 type, offset8, len8;
	int ret;
	enum vmb_ring_fault fault;
};

#define RT_WRITTEN ~0u

static const struct bad_ring_case bad_ring_cases[] = {
	{ "write index past the end", RT_SIZE, 0, 6, 2, 2, -EPROTO,
	  VMB_RING_BAD_INDEX },
	{ "write index far out", 0xfffffff8, 0, 6, 2, 2, -EPROTO,
	  VMB_RING_BAD_INDEX },
	{ "write index unaligned", 20, 0, 6, 2, 2, -EPROTO,
	  VMB_RING_BAD_INDEX },
	{ "write index unaligned by 1", 25, 0, 6, 2, 2, -EPROTO,
	  VMB_RING_BAD_INDEX },
	{ "nothing written", 0, 0, 6, 2, 2, -ENODATA, 0 },
	{ "8 bytes: less than a packet", RT_WRITTEN, 8, 6, 2, 2, -EPROTO,
	  VMB_RING_TRUNCATED },
	{ "16 bytes: no trailer room", RT_WRITTEN, 16, 6, 2, 2, -EPROTO,
	  VMB_RING_TRUNCATED },
	{ "len8 0", RT_WRITTEN, 64, 6, 0, 0, -EPROTO, VMB_RING_BAD_LENGTH },
	{ "len8 1", RT_WRITTEN, 64, 6, 1, 1, -EPROTO, VMB_RING_BAD_LENGTH },
	{ "len8 past what was written", RT_WRITTEN, 64, 6, 2, 20, -EPROTO,
	  VMB_RING_TRUNCATED },
	{ "len8 with no room for the trailer", RT_WRITTEN, 64, 6, 2, 8,
	  -EPROTO, VMB_RING_TRUNCATED },
	{ "len8 larger than the limit", RT_WRITTEN, 8192, 6, 2, 640, -EPROTO,
	  VMB_RING_TOO_BIG },
	{ "len8 0xffff", RT_WRITTEN, 64, 6, 2, 0xffff, -EPROTO,
	  VMB_RING_TOO_BIG },
	{ "offset8 0", RT_WRITTEN, 64, 6, 0, 4, -EPROTO, VMB_RING_BAD_OFFSET },
	{ "offset8 1: inside the descriptor", RT_WRITTEN, 64, 6, 1, 4,
	  -EPROTO, VMB_RING_BAD_OFFSET },
	{ "offset8 past len8", RT_WRITTEN, 64, 6, 5, 4, -EPROTO,
	  VMB_RING_BAD_OFFSET },
	{ "offset8 0xffff", RT_WRITTEN, 64, 6, 0xffff, 4, -EPROTO,
	  VMB_RING_BAD_OFFSET },
	{ "offset8 equal to len8: no payload", RT_WRITTEN, 64, 6, 4, 4, 0, 0 },
	{ "type 0", RT_WRITTEN, 64, 0, 2, 4, -EPROTO, VMB_RING_BAD_TYPE },
	{ "type 1 (synch)", RT_WRITTEN, 64, 1, 2, 4, -EPROTO,
	  VMB_RING_BAD_TYPE },
	{ "type 5 (teardown gpadl)", RT_WRITTEN, 64, 5, 2, 4, -EPROTO,
	  VMB_RING_BAD_TYPE },
	{ "type 7 (transfer pages)", RT_WRITTEN, 64, 7, 2, 4, -EPROTO,
	  VMB_RING_BAD_TYPE },
	{ "type 8 (gpadl)", RT_WRITTEN, 64, 8, 2, 4, -EPROTO,
	  VMB_RING_BAD_TYPE },
	{ "type 10 (cancel)", RT_WRITTEN, 64, 10, 2, 4, -EPROTO,
	  VMB_RING_BAD_TYPE },
	{ "type 12", RT_WRITTEN, 64, 12, 2, 4, -EPROTO, VMB_RING_BAD_TYPE },
	{ "type 13", RT_WRITTEN, 64, 13, 2, 4, -EPROTO, VMB_RING_BAD_TYPE },
	{ "type 0xffff", RT_WRITTEN, 64, 0xffff, 2, 4, -EPROTO,
	  VMB_RING_BAD_TYPE },
	{ "in-band", RT_WRITTEN, 64, 6, 2, 4, 0, 0 },
	{ "gpa direct", RT_WRITTEN, 64, 9, 3, 4, 0, 0 },
	{ "completion", RT_WRITTEN, 64, 11, 2, 2, 0, 0 },
	{ "the largest packet allowed", RT_WRITTEN, 4104, 6, 2, 512, 0, 0 },
};

KUNIT_ARRAY_PARAM_DESC(bad_ring, bad_ring_cases, name);

static void ring_bad_states(struct kunit *test)
{
	const struct bad_ring_case *c = test->param_value;
	struct rt_ring *r = rt_ring(test, 0, false);
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(c->type),
		.offset8 = cpu_to_le16(c->offset8),
		.len8 = cpu_to_le16(c->len8),
	};
	struct vmb_ring_packet pkt = {};
	u32 write = c->write_index == RT_WRITTEN ? c->written : c->write_index;
	int ret;

	memcpy(r->g.buf, &desc, sizeof(desc));
	r->g.ctl->write_index = cpu_to_le32(write);
	ret = vmb_ring_peek(&r->host, 0, 4096, &pkt);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (ret == -EPROTO && c->ret == -EPROTO)
		KUNIT_EXPECT_STREQ(test, vmb_ring_fault_name(pkt.fault),
				   vmb_ring_fault_name(c->fault));
	if (!ret) {
		KUNIT_EXPECT_EQ(test, pkt.len, c->len8 * 8);
		KUNIT_EXPECT_LE(test, pkt.next, write);
	}
}

/* Indices the host takes from the guest: at start, and as a writer. */
static void ring_bad_host_side_indices(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, true);
	u8 data[8] = {};
	bool signal;

	r->g.ctl->read_index = cpu_to_le32(RT_SIZE + 8);
	KUNIT_EXPECT_EQ(test, -EPROTO, rt_host_send(r, 1, data, 8, &signal));
	KUNIT_EXPECT_EQ(test, vmb_ring_free(&r->host), 0);
	r->g.ctl->read_index = cpu_to_le32(12);
	KUNIT_EXPECT_EQ(test, -EPROTO, rt_host_send(r, 1, data, 8, &signal));
	/* Nothing was written. */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r->g.ctl->write_index), 0);

	r->g.ctl->write_index = cpu_to_le32(4);
	KUNIT_EXPECT_EQ(test, -EPROTO, vmb_ring_start(&r->host, true));
	r->g.ctl->read_index = cpu_to_le32(RT_SIZE);
	KUNIT_EXPECT_EQ(test, -EPROTO, vmb_ring_start(&r->host, false));
}

/* An accepted packet lies in the mapping and in what the guest wrote. */
static bool rt_inside(const struct rt_ring *r, const struct vmb_ring_packet *pkt,
		      u32 pos, u32 write)
{
	u32 written = write >= pos ? write - pos : RT_SIZE - pos + write;

	return pkt->start == r->host.data + pos &&
	       pkt->len + 8 <= written && pkt->offset <= pkt->len &&
	       pkt->next == (pos + pkt->len + 8) % RT_SIZE;
}

/*
 * Random ring states for at least a second and at least FUZZ_MIN_STATES
 * (QEMU TCG with KASAN runs about 2000 a second): random indices and
 * random bytes where the host reads.  Whatever the guest wrote, a packet
 * the host accepts lies inside the double mapping and within what was
 * written; KASAN catches any read outside.  Reports what it parsed.
 */
#define FUZZ_MIN_STATES		4000
#define FUZZ_MAX_SECONDS	60

static void ring_fuzz(struct kunit *test)
{
	struct rt_ring *r = rt_ring(test, 0, false);
	unsigned int faults[VMB_RING_FAULT_COUNT] = {}, parsed = 0, empty = 0;
	ktime_t start = ktime_get(), end = ktime_add_ms(start, 1000);
	ktime_t limit = ktime_add_ms(start, FUZZ_MAX_SECONDS * 1000);
	struct vmb_ring_packet pkt;
	unsigned int runs = 0, i;
	u32 pos, write;
	int ret;

	while ((runs < FUZZ_MIN_STATES || ktime_before(ktime_get(), end)) &&
	       ktime_before(ktime_get(), limit)) {
		/* Mostly valid indices, so that descriptors get parsed. */
		pos = get_random_u32_below(RT_SIZE / 8) * 8;
		write = get_random_u32_below(8) ? get_random_u32_below(RT_SIZE / 8) * 8 :
						  get_random_u32();
		for (i = 0; i < 4; i++)
			put_unaligned_le32(get_random_u32(),
					   r->host.data + pos + 4 * i);
		/* Half the time a plausible length and offset. */
		if (get_random_u32_below(2)) {
			put_unaligned_le16(get_random_u32_below(6),
					   r->host.data + pos + 2);
			put_unaligned_le16(get_random_u32_below(66),
					   r->host.data + pos + 4);
			put_unaligned_le16(5 + get_random_u32_below(7),
					   r->host.data + pos);
		}
		r->g.ctl->write_index = cpu_to_le32(write);
		ret = vmb_ring_peek(&r->host, pos, RT_MAX_PACKET, &pkt);
		runs++;
		if (ret == -ENODATA) {
			empty++;
		} else if (ret == -EPROTO) {
			if (pkt.fault < VMB_RING_FAULT_COUNT)
				faults[pkt.fault]++;
		} else if (!ret) {
			parsed++;
			if (!rt_inside(r, &pkt, pos, write))
				KUNIT_FAIL(test, "outside the ring: pos %u write %u len %u",
					   pos, write, pkt.len);
		} else {
			KUNIT_FAIL(test, "peek returned %d", ret);
		}
	}
	kunit_info(test, "%u ring states: %u packets parsed, %u empty\n",
		   runs, parsed, empty);
	for (i = 0; i < VMB_RING_FAULT_COUNT; i++)
		kunit_info(test, "  %s: %u\n", vmb_ring_fault_name(i),
			   faults[i]);
	/* The premise: states reached the parser and every check. */
	KUNIT_EXPECT_GE(test, runs, FUZZ_MIN_STATES);
	KUNIT_EXPECT_GT(test, parsed, runs / 20);
	for (i = 0; i < VMB_RING_FAULT_COUNT; i++)
		KUNIT_EXPECT_GT(test, faults[i], 0);
}

static struct kunit_case vmb_ring_cases[] = {
	KUNIT_CASE(ring_double_mapping),
	KUNIT_CASE_SLOW(ring_recv_every_size),
	KUNIT_CASE_SLOW(ring_send_every_size),
	KUNIT_CASE_PARAM(ring_wrap_offsets, wrap_gen_params),
	KUNIT_CASE(ring_full),
	KUNIT_CASE(ring_send_signals),
	KUNIT_CASE(ring_recv_mask),
	KUNIT_CASE(ring_pending_send_sz),
	KUNIT_CASE(ring_want_space),
	KUNIT_CASE(ring_rewrite_after_peek),
	KUNIT_CASE_PARAM(ring_bad_states, bad_ring_gen_params),
	KUNIT_CASE(ring_bad_host_side_indices),
	KUNIT_CASE_SLOW(ring_fuzz),
	{}
};

static struct kunit_suite vmb_ring_suite = {
	.name = "vmbus_server_ring",
	.test_cases = vmb_ring_cases,
};

kunit_test_suite(vmb_ring_suite);
