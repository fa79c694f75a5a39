// SPDX-License-Identifier: GPL-2.0
/*
 * The data path benchmark (make bench): not a test, a table.  Built only
 * with CONFIG_VMBUS_SERVER_BENCH, run on UML without KASAN or lockdep so
 * that kernel code runs at native speed, one run, every column measured
 * side by side per packet size:
 *
 *  memcpy:    one plain memcpy of the packet's bytes into a 1 MiB area,
 *             the physical limit;
 *  send:      the host's send path: vmb_ring_write() of a descriptor and
 *             the payload into a 1 MiB ring (copy, padding, trailer, index
 *             and signal logic); the simulated guest drains the ring by
 *             moving its read index whenever it is full;
 *  split:     a split-copy ring writer of the same format written here
 *             (the usual design, Linux's guest and QEMU: copy up to the
 *             end of the data area, then the rest from its start), same
 *             ring, same draining;
 *  recv:      the receive path of the zero-copy design this project had
 *             before, per packet: vmb_ring_peek(), a callback that reads
 *             the payload's first and last words in place,
 *             vmb_ring_consume(); the simulated guest fills the ring
 *             (guest_ring.c) untimed between rounds;
 *  recv+copy: the receive path as the data work runs it now: per packet
 *             vmb_ring_peek() and a copy of the whole packet into a
 *             receive slot's buffer, the callback reading the copy, and
 *             vmb_ring_consume() once per VMB_RX_BUDGET packets (once a
 *             run); the goal is memcpy + 10 ns at every size;
 *  ring copy: the copies alone that recv+copy makes, from the same filled
 *             ring into the same slot, with no parsing: what receiving
 *             pays for reading what the guest wrote (the memcpy row reads
 *             a hot 64 KiB source, the ring is 1 MiB).
 *
 * The last column is each path's cost per packet beyond memcpy's; a line
 * per size gives recv+copy's beyond ring copy's.
 */

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "../datapath.h"
#include "../ring.h"
#include "guest_ring.h"

#define BENCH_DATA_PAGES	256
#define BENCH_RING		(BENCH_DATA_PAGES * PAGE_SIZE)
/* Bytes each column moves per size: enough for stable nanoseconds. */
#define BENCH_BYTES		(256ULL << 20)
#define BENCH_MIN_PACKETS	200000

struct bench {
	struct page *pages[1 + BENCH_DATA_PAGES];
	struct vmb_ring host;
	struct guest_ring g;
	u8 *src;
	u8 *area;
	u8 *slot;		/* a receive slot's copy buffer */
	u32 split_write;	/* the split writer's own write index */
	u64 sink;
};

static void bench_free(void *data)
{
	struct bench *b = data;
	unsigned int i;

	vmb_ring_unmap(&b->host);
	if (b->g.buf)
		vunmap(b->g.buf);
	vfree(b->src);
	vfree(b->area);
	vfree(b->slot);
	for (i = 0; i < ARRAY_SIZE(b->pages); i++)
		if (b->pages[i])
			__free_page(b->pages[i]);
}

/* An empty ring, both sides at 0, the host writing (@out) or reading. */
static void bench_reset(struct kunit *test, struct bench *b, bool out)
{
	gr_init(&b->g, page_address(b->pages[0]), b->g.buf, BENCH_RING, 0);
	KUNIT_ASSERT_EQ(test, 0, vmb_ring_start(&b->host, out));
}

static u64 bench_packets(u32 size)
{
	return max_t(u64, BENCH_MIN_PACKETS, BENCH_BYTES / size);
}

static u64 bench_memcpy(struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i, t;
	u32 off = 0;

	t = ktime_get_ns();
	for (i = 0; i < n; i++) {
		memcpy(b->area + off, b->src, size);
		off += ALIGN(size, 8) + 24;
		if (off + size > BENCH_RING)
			off = 0;
	}
	return ktime_get_ns() - t;
}

/* 64-byte copy plus an index update, the 64 B send goal's yardstick. */
static u64 bench_copy_index(struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i, t;
	u32 off = 0;

	t = ktime_get_ns();
	for (i = 0; i < n; i++) {
		memcpy(b->g.buf + off, b->src, size);
		off += ALIGN(size, 8) + 24;
		if (off + size > BENCH_RING)
			off = 0;
		/* What a writer pays to publish its index. */
		smp_store_release(&b->g.ctl->write_index, cpu_to_le32(off));
	}
	return ktime_get_ns() - t;
}

/* The guest has read everything: the whole ring is free again. */
static void bench_drain(struct bench *b)
{
	WRITE_ONCE(b->g.ctl->read_index, READ_ONCE(b->g.ctl->write_index));
}

static u64 bench_send(struct kunit *test, struct bench *b, u32 size)
{
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(VMB_PACKET_DATA_INBAND),
		.offset8 = cpu_to_le16(2),
		.len8 = cpu_to_le16((16 + ALIGN(size, 8)) / 8),
	};
	struct kvec vec[2] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = b->src, .iov_len = size },
	};
	u64 n = bench_packets(size), i = 0, t;
	bool signal;
	int ret;

	bench_reset(test, b, true);
	t = ktime_get_ns();
	while (i < n) {
		ret = vmb_ring_write(&b->host, vec, 2, &signal);
		if (ret == -ENOSPC) {
			bench_drain(b);
			continue;
		}
		if (ret)
			break;
		i++;
	}
	t = ktime_get_ns() - t;
	KUNIT_EXPECT_EQ(test, i, n);
	return t;
}

/* The benchmark's own split-copy writer of the same format. */
static bool bench_split_write(struct bench *b, const void *desc,
			      const void *payload, u32 size)
{
	struct guest_ring *g = &b->g;
	u32 old = b->split_write, write = old;
	u32 read = le32_to_cpu(READ_ONCE(g->ctl->read_index));
	u32 total = 16 + ALIGN(size, 8) + 8;
	u32 used = write >= read ? write - read : BENCH_RING - read + write;
	__le64 trailer = cpu_to_le64((u64)write << 32);
	u64 pad = 0;

	if (total >= BENCH_RING - used)
		return false;
	gr_put(g, write, desc, 16);
	gr_put(g, (write + 16) % BENCH_RING, payload, size);
	gr_put(g, (write + 16 + size) % BENCH_RING, &pad,
	       ALIGN(size, 8) - size);
	gr_put(g, (write + 16 + ALIGN(size, 8)) % BENCH_RING, &trailer, 8);
	write = (write + total) % BENCH_RING;
	b->split_write = write;
	/* The packet before the index. */
	smp_store_release(&g->ctl->write_index, cpu_to_le32(write));
	/* The index before the reader's mask and index. */
	smp_mb();
	if (!READ_ONCE(g->ctl->interrupt_mask) &&
	    le32_to_cpu(READ_ONCE(g->ctl->read_index)) == old)
		g->signals++;
	return true;
}

static u64 bench_split(struct kunit *test, struct bench *b, u32 size)
{
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(VMB_PACKET_DATA_INBAND),
		.offset8 = cpu_to_le16(2),
		.len8 = cpu_to_le16((16 + ALIGN(size, 8)) / 8),
	};
	u64 n = bench_packets(size), i = 0, t;

	bench_reset(test, b, true);
	b->split_write = 0;
	t = ktime_get_ns();
	while (i < n) {
		if (!bench_split_write(b, &desc, b->src, size)) {
			bench_drain(b);
			continue;
		}
		i++;
	}
	return ktime_get_ns() - t;
}

/* What a back-end's process_packet does with a packet: look at it. */
static noinline void bench_consume(struct bench *b, const u8 *data, u32 len)
{
	b->sink += *(const u64 *)data + *(const u64 *)(data + len - 8);
}

/* The guest fills the ring, untimed. */
static void bench_fill(struct bench *b, u32 size, u64 id)
{
	while (gr_send(&b->g, VMB_PACKET_DATA_INBAND, 0, id, b->src, size))
		;
}

static u64 bench_recv(struct kunit *test, struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i = 0, t = 0, t0;
	struct vmb_ring_packet pkt;
	u32 pos;

	bench_reset(test, b, false);
	while (i < n) {
		bench_fill(b, size, i);
		pos = b->host.index;
		t0 = ktime_get_ns();
		while (i < n && !vmb_ring_peek(&b->host, pos, U32_MAX, &pkt)) {
			bench_consume(b, pkt.start + pkt.offset,
				      pkt.len - pkt.offset);
			vmb_ring_consume(&b->host, pkt.next);
			pos = pkt.next;
			i++;
		}
		t += ktime_get_ns() - t0;
	}
	return t;
}

/* The data work's receive: copied out, published once per run. */
static u64 bench_recv_copy(struct kunit *test, struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i = 0, t = 0, t0;
	struct vmb_ring_packet pkt;
	unsigned int run;
	u32 pos;

	bench_reset(test, b, false);
	while (i < n) {
		bench_fill(b, size, i);
		pos = b->host.index;
		t0 = ktime_get_ns();
		for (run = 0; i < n &&
		     !vmb_ring_peek(&b->host, pos, U32_MAX, &pkt); i++) {
			memcpy(b->slot, pkt.start, pkt.len);
			bench_consume(b, b->slot + pkt.offset,
				      pkt.len - pkt.offset);
			pos = pkt.next;
			if (++run == VMB_RX_BUDGET) {
				vmb_ring_consume(&b->host, pos);
				run = 0;
			}
		}
		vmb_ring_consume(&b->host, pos);
		t += ktime_get_ns() - t0;
	}
	return t;
}

/* recv+copy's copies alone: the packets of a filled ring, into a slot. */
static u64 bench_ring_copy(struct kunit *test, struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i = 0, t = 0, t0;
	u32 pos, len = 16 + ALIGN(size, 8);

	bench_reset(test, b, false);
	while (i < n) {
		bench_fill(b, size, i);
		pos = b->host.index;
		t0 = ktime_get_ns();
		for (; i < n && pos != le32_to_cpu(b->g.ctl->write_index); i++) {
			memcpy(b->slot, b->host.data + pos, len);
			bench_consume(b, b->slot + 16, len - 16);
			pos += len + 8;
			if (pos >= BENCH_RING)
				pos -= BENCH_RING;
		}
		/* The guest's room back, untimed: it fills again. */
		WRITE_ONCE(b->g.ctl->read_index, cpu_to_le32(pos));
		b->host.index = pos;
		t += ktime_get_ns() - t0;
	}
	return t;
}

/* Tenths of a nanosecond per packet that @ns took beyond @ref. */
static s64 bench_over(u64 ns, u64 ref, u64 n)
{
	return div64_s64(((s64)ns - (s64)ref) * 10, n);
}

static void bench_row(struct kunit *test, u32 size, const char *name,
		      u64 ns, u64 ref)
{
	u64 n = bench_packets(size);
	u64 mbps = div64_u64((u64)size * n * 1000, max_t(u64, ns, 1));
	s64 over = bench_over(ns, ref, n);

	kunit_info(test, "%6u B  %-10s %7llu MB/s %8llu.%01llu ns/packet  %3llu%% of memcpy  %c%lld.%01lld ns\n",
		   size, name, mbps, div64_u64(ns, n),
		   div64_u64(ns * 10, n) % 10,
		   div64_u64(ref * 100, max_t(u64, ns, 1)),
		   over < 0 ? '-' : '+', abs(over) / 10, abs(over) % 10);
}

static void ring_throughput(struct kunit *test)
{
	static const u32 sizes[] = { 64, 256, 1024, 4096, 65536 };
	struct bench *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	u64 mem, ns, ref;
	unsigned int i;
	s64 over;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(b->pages); i++) {
		b->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, b->pages[i]);
	}
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, bench_free,
							   b));
	b->g.buf = vmap(b->pages + 1, BENCH_DATA_PAGES, VM_MAP, PAGE_KERNEL);
	b->src = vmalloc(65536);
	b->area = vmalloc(BENCH_RING);
	b->slot = vmalloc(65536 + 64);
	KUNIT_ASSERT_NOT_NULL(test, b->g.buf);
	KUNIT_ASSERT_NOT_NULL(test, b->src);
	KUNIT_ASSERT_NOT_NULL(test, b->area);
	KUNIT_ASSERT_NOT_NULL(test, b->slot);
	memset(b->src, 0x5a, 65536);
	gr_init(&b->g, page_address(b->pages[0]), b->g.buf, BENCH_RING, 0);
	KUNIT_ASSERT_EQ(test, 0, vmb_ring_map(&b->host, b->pages,
					      ARRAY_SIZE(b->pages)));

	kunit_info(test, "  size  path       throughput    per packet      vs memcpy  beyond it\n");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		mem = bench_memcpy(b, sizes[i]);
		bench_row(test, sizes[i], "memcpy", mem, mem);
		if (sizes[i] == 64) {
			ns = bench_copy_index(b, sizes[i]);
			bench_row(test, sizes[i], "copy+index", ns, mem);
		}
		ns = bench_send(test, b, sizes[i]);
		bench_row(test, sizes[i], "send", ns, mem);
		ns = bench_split(test, b, sizes[i]);
		bench_row(test, sizes[i], "split", ns, mem);
		ns = bench_recv(test, b, sizes[i]);
		bench_row(test, sizes[i], "recv", ns, mem);
		ns = bench_recv_copy(test, b, sizes[i]);
		bench_row(test, sizes[i], "recv+copy", ns, mem);
		ref = bench_ring_copy(test, b, sizes[i]);
		bench_row(test, sizes[i], "ring copy", ref, mem);
		over = bench_over(ns, ref, bench_packets(sizes[i]));
		kunit_info(test, "%6u B  recv+copy beyond ring copy: %c%lld.%01lld ns/packet\n",
			   sizes[i], over < 0 ? '-' : '+', abs(over) / 10,
			   abs(over) % 10);
	}
	kunit_info(test, "(sink %llu)\n", b->sink);
}

static struct kunit_case vmb_bench_cases[] = {
	KUNIT_CASE_SLOW(ring_throughput),
	{}
};

static struct kunit_suite vmb_bench_suite = {
	.name = "vmbus_server_bench",
	.test_cases = vmb_bench_cases,
};

kunit_test_suite(vmb_bench_suite);
