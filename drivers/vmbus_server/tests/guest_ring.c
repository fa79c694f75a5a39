// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's side of a VMBus ring for the KUnit suites (guest_ring.h).
 */

#include <linux/string.h>

#include "guest_ring.h"

/*
 * A ring whose guest set both indices to @start, as a guest does before it
 * opens the channel (a guest starts at 0; the tests start elsewhere to put
 * the end of the data area where they want), honouring pending_send_sz.
 */
void gr_init(struct guest_ring *g, struct vmb_ring_control *ctl, u8 *buf,
	     u32 size, u32 start)
{
	g->ctl = ctl;
	g->buf = buf;
	g->size = size;
	g->signals = 0;
	memset(ctl, 0, sizeof(*ctl));
	ctl->write_index = cpu_to_le32(start);
	ctl->read_index = cpu_to_le32(start);
	ctl->feature_bits = cpu_to_le32(VMB_RING_FEATURE_PENDING_SEND_SZ);
}

/* The guest's copies, split at the end of the data area. */
void gr_put(struct guest_ring *g, u32 at, const void *src, u32 len)
{
	u32 first = min(len, g->size - at);

	memcpy(g->buf + at, src, first);
	memcpy(g->buf, src + first, len - first);
}

void gr_get(const struct guest_ring *g, u32 at, void *dst, u32 len)
{
	u32 first = min(len, g->size - at);

	memcpy(dst, g->buf + at, first);
	memcpy(dst + first, g->buf, len - first);
}

static u32 gr_idx(const struct guest_ring *g, u32 index)
{
	return index % g->size;
}

/* Bytes the guest wrote that the host has not read yet. */
u32 gr_used(const struct guest_ring *g)
{
	u32 write = le32_to_cpu(g->ctl->write_index);
	u32 read = le32_to_cpu(READ_ONCE(g->ctl->read_index));

	return write >= read ? write - read : g->size - read + write;
}

/*
 * The guest writes a packet: descriptor, @hdr_len bytes of header (a
 * multiple of 8: GPA ranges), @len payload bytes, padding to 8, trailer.
 * Returns false when it does not fit (one byte stays free).
 */
bool gr_send_parts(struct guest_ring *g, u16 type, u16 flags, u64 trans_id,
		   const void *hdr, u32 hdr_len, const u8 *payload, u32 len)
{
	u32 write = le32_to_cpu(g->ctl->write_index);
	u32 start = 16 + hdr_len, total = start + round_up(len, 8) + 8;
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(type),
		.offset8 = cpu_to_le16(start / 8),
		.len8 = cpu_to_le16((start + round_up(len, 8)) / 8),
		.flags = cpu_to_le16(flags),
		.trans_id = cpu_to_le64(trans_id),
	};
	u8 pad[8] = {};
	__le64 trailer = cpu_to_le64((u64)write << 32);

	if (total >= g->size - gr_used(g))
		return false;
	gr_put(g, write, &desc, 16);
	if (hdr_len)
		gr_put(g, gr_idx(g, write + 16), hdr, hdr_len);
	gr_put(g, gr_idx(g, write + start), payload, len);
	gr_put(g, gr_idx(g, write + start + len), pad, round_up(len, 8) - len);
	gr_put(g, gr_idx(g, write + start + round_up(len, 8)), &trailer, 8);
	/* The packet before the index that shows it. */
	smp_wmb();
	WRITE_ONCE(g->ctl->write_index, cpu_to_le32(gr_idx(g, write + total)));
	/*
	 * The index before the mask and read index: a guest signals when the
	 * host had read everything and listens.
	 */
	smp_mb();
	if (!READ_ONCE(g->ctl->interrupt_mask) &&
	    le32_to_cpu(READ_ONCE(g->ctl->read_index)) == write)
		g->signals++;
	return true;
}

bool gr_send(struct guest_ring *g, u16 type, u16 flags, u64 trans_id,
	     const u8 *payload, u32 len)
{
	return gr_send_parts(g, type, flags, trans_id, NULL, 0, payload, len);
}

/*
 * The guest reads the next packet the host wrote: checks the descriptor
 * and the trailer, copies at most @room payload bytes to @out.  Returns the
 * payload's length, or -1 when the ring is empty; fails the test on a
 * malformed packet.
 */
int gr_recv(struct kunit *test, struct guest_ring *g, u8 *out, u32 room,
	    u16 *type, u16 *flags, u64 *trans_id)
{
	u32 read = le32_to_cpu(g->ctl->read_index);
	u32 write = le32_to_cpu(READ_ONCE(g->ctl->write_index));
	struct vmb_packet_desc desc;
	u32 len, off, avail, pending;
	__le64 trailer;

	if (read == write)
		return -1;
	/* The index before the packet it shows. */
	smp_rmb();
	avail = write > read ? write - read : g->size - read + write;
	gr_get(g, read, &desc, 16);
	len = le16_to_cpu(desc.len8) * 8;
	off = le16_to_cpu(desc.offset8) * 8;
	KUNIT_EXPECT_GE(test, len, 16);
	KUNIT_EXPECT_GE(test, off, 16);
	KUNIT_EXPECT_LE(test, off, len);
	KUNIT_EXPECT_LE(test, len + 8, avail);
	if (len < 16 || off < 16 || off > len || len + 8 > avail)
		return -1;
	gr_get(g, gr_idx(g, read + len), &trailer, 8);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(trailer), (u64)read << 32);
	*type = le16_to_cpu(desc.type);
	if (flags)
		*flags = le16_to_cpu(desc.flags);
	*trans_id = le64_to_cpu(desc.trans_id);
	gr_get(g, gr_idx(g, read + off), out, min(len - off, room));
	/* The packet is read before its space is given back. */
	smp_mb();
	WRITE_ONCE(g->ctl->read_index, cpu_to_le32(gr_idx(g, read + len + 8)));
	/*
	 * The index before pending_send_sz: a host waiting for room is
	 * signalled once this read freed what it asked for.
	 */
	smp_mb();
	pending = le32_to_cpu(READ_ONCE(g->ctl->pending_send_sz));
	if (pending && g->size - avail <= pending &&
	    g->size - avail + len + 8 > pending)
		g->signals++;
	return len - off;
}
