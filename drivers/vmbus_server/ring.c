// SPDX-License-Identifier: GPL-2.0
/*
 * The ring protocol, host side (VMBUS.md section 8): find, validate and
 * consume the guest's packets, write the host's own, and decide when the
 * guest needs a signal.
 *
 * The guest writes the whole ring at any time.  So the host keeps its own
 * index (it never reads it back), reads the guest's index once per
 * operation and checks it, copies a descriptor before it checks it, and
 * never lets a guest-written value choose an address outside the mapping
 * or a loop bound.  A ring found corrupt stays corrupt for the caller,
 * which fails the channel.
 *
 * Barriers, each paired with the guest's (Linux: ring_buffer.c):
 * - reading: the guest's write index is read with acquire, so the packet
 *   bytes are read after it (the guest publishes them with a barrier
 *   before its index);
 * - consuming: the host's read index is published with release, so every
 *   read of the consumed packets is done before the guest may reuse the
 *   space;
 * - writing: the packet and trailer are stored before the write index is
 *   published with release;
 * - signalling: a full barrier between publishing the host's index and
 *   reading the guest's interrupt_mask, pending_send_sz or read index, as
 *   the guest has one between setting those and rereading the host's
 *   index; either side sees the other's update, so no signal is lost.
 */

#include <kunit/visibility.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/vmbus_server_protocol.h>
#include <asm/barrier.h>

#include "gpadl.h"
#include "ring.h"

/* Indices and lengths are in 8-byte units on the wire. */
#define VMB_RING_ALIGN		8

static const char * const vmb_ring_fault_names[VMB_RING_FAULT_COUNT] = {
	[VMB_RING_BAD_INDEX] = "bad index",
	[VMB_RING_TRUNCATED] = "truncated packet",
	[VMB_RING_BAD_LENGTH] = "bad length",
	[VMB_RING_TOO_BIG] = "packet too big",
	[VMB_RING_BAD_OFFSET] = "bad payload offset",
	[VMB_RING_BAD_TYPE] = "bad packet type",
};

const char *vmb_ring_fault_name(enum vmb_ring_fault fault)
{
	return fault < VMB_RING_FAULT_COUNT ? vmb_ring_fault_names[fault] :
					      "?";
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_fault_name);

/**
 * vmb_ring_map() - map a ring: its control page, then its data twice
 * @ring: the ring to set up
 * @pages: the ring's pages, control page first
 * @count: how many; at least 2
 *
 * Context: process context.
 * Return: 0, -EINVAL for fewer than 2 pages, or -ENOMEM.
 */
int vmb_ring_map(struct vmb_ring *ring, struct page **pages,
		 unsigned int count)
{
	unsigned int data = count - 1, i;
	struct page **map;
	void *addr;

	/* VMBus pages are 4 KiB; the mapping is in host pages. */
	BUILD_BUG_ON(PAGE_SIZE != VMB_PAGE_SIZE);
	if (count < 2 || data > (U32_MAX - PAGE_SIZE) / PAGE_SIZE / 2)
		return -EINVAL;
	map = kvmalloc_array(1 + 2 * data, sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	map[0] = pages[0];
	for (i = 0; i < data; i++) {
		map[1 + i] = pages[1 + i];
		map[1 + data + i] = pages[1 + i];
	}
	addr = vmap(map, 1 + 2 * data, VM_MAP, PAGE_KERNEL);
	kvfree(map);
	if (!addr)
		return -ENOMEM;
	ring->control = addr;
	ring->data = addr + PAGE_SIZE;
	ring->size = data * PAGE_SIZE;
	ring->index = 0;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_map);

void vmb_ring_unmap(struct vmb_ring *ring)
{
	if (ring->control)
		vunmap(ring->control);
	ring->control = NULL;
	ring->data = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_unmap);

static bool vmb_ring_index_ok(const struct vmb_ring *ring, u32 index)
{
	return index < ring->size && IS_ALIGNED(index, VMB_RING_ALIGN);
}

/* Bytes from @from up to @to, going forward around the ring. */
static u32 vmb_ring_dist(const struct vmb_ring *ring, u32 from, u32 to)
{
	return to >= from ? to - from : ring->size - from + to;
}

static u32 vmb_ring_wrap(const struct vmb_ring *ring, u32 index)
{
	return index >= ring->size ? index - ring->size : index;
}

/**
 * vmb_ring_start() - take the host's index from a ring the guest set up
 * @ring: a mapped ring
 * @outgoing: the host writes it (else reads it)
 *
 * A guest starts both indices at 0; any index inside the ring is taken.
 *
 * Return: 0, or -EPROTO when the index is not a valid one.
 */
int vmb_ring_start(struct vmb_ring *ring, bool outgoing)
{
	__le32 *field = outgoing ? &ring->control->write_index :
				   &ring->control->read_index;
	u32 index = le32_to_cpu(READ_ONCE(*field));

	if (!vmb_ring_index_ok(ring, index))
		return -EPROTO;
	ring->index = index;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_start);

static int vmb_ring_fault(struct vmb_ring_packet *pkt,
			  enum vmb_ring_fault fault)
{
	pkt->fault = fault;
	return -EPROTO;
}

/**
 * vmb_ring_peek() - the next packet in the guest-to-host ring
 * @ring: the incoming ring
 * @pos: where to look: the read index, or the end of a packet peeked
 *	before (packets may be held past the read index)
 * @max_len: the longest packet taken, descriptor included
 * @pkt: the packet found
 *
 * The packet is not consumed: vmb_ring_consume() does that.
 *
 * Return: 0; -ENODATA when the guest has written nothing at @pos; -EPROTO
 * when the ring is corrupt, with @pkt->fault saying why.
 */
int vmb_ring_peek(const struct vmb_ring *ring, u32 pos, u32 max_len,
		  struct vmb_ring_packet *pkt)
{
	struct vmb_packet_desc desc;
	u32 write, avail, len, offset;

	/* Pairs with the guest's barrier before it publishes its index. */
	write = le32_to_cpu(smp_load_acquire(&ring->control->write_index));
	if (!vmb_ring_index_ok(ring, write) || !vmb_ring_index_ok(ring, pos))
		return vmb_ring_fault(pkt, VMB_RING_BAD_INDEX);
	avail = vmb_ring_dist(ring, pos, write);
	if (!avail)
		return -ENODATA;
	if (avail < sizeof(desc) + VMB_PACKET_TRAILER_SIZE)
		return vmb_ring_fault(pkt, VMB_RING_TRUNCATED);

	/* Copied once: the checks below and the caller see the same. */
	memcpy(&desc, ring->data + pos, sizeof(desc));
	len = (u32)le16_to_cpu(desc.len8) * VMB_RING_ALIGN;
	offset = (u32)le16_to_cpu(desc.offset8) * VMB_RING_ALIGN;
	if (len < sizeof(desc))
		return vmb_ring_fault(pkt, VMB_RING_BAD_LENGTH);
	if (len > max_len)
		return vmb_ring_fault(pkt, VMB_RING_TOO_BIG);
	if (len + VMB_PACKET_TRAILER_SIZE > avail)
		return vmb_ring_fault(pkt, VMB_RING_TRUNCATED);
	if (offset < sizeof(desc) || offset > len)
		return vmb_ring_fault(pkt, VMB_RING_BAD_OFFSET);

	/*
	 * Transfer-page packets name a transfer-page set the host never
	 * shares with a guest (guests send in-band and GPA-direct): refused.
	 */
	pkt->type = le16_to_cpu(desc.type);
	switch (pkt->type) {
	case VMB_PACKET_DATA_INBAND:
	case VMB_PACKET_DATA_GPA_DIRECT:
	case VMB_PACKET_COMPLETION:
		break;
	default:
		return vmb_ring_fault(pkt, VMB_RING_BAD_TYPE);
	}
	pkt->flags = le16_to_cpu(desc.flags);
	pkt->trans_id = le64_to_cpu(desc.trans_id);
	pkt->len = len;
	pkt->offset = offset;
	/* Inside the double mapping: pos < size and len < avail <= size. */
	pkt->start = ring->data + pos;
	pkt->next = vmb_ring_wrap(ring, pos + len + VMB_PACKET_TRAILER_SIZE);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_peek);

/**
 * vmb_ring_consume() - give the guest the space up to @new_read back
 * @ring: the incoming ring
 * @new_read: the end of the last packet consumed (a @pkt->next)
 *
 * Return: whether the guest must be signalled: it asked, with
 * pending_send_sz, to be told once that much is free, and this made it so.
 */
bool vmb_ring_consume(struct vmb_ring *ring, u32 new_read)
{
	struct vmb_ring_control *control = ring->control;
	u32 freed = vmb_ring_dist(ring, ring->index, new_read);
	u32 pending, write, free_now;

	/* Every read of the consumed packets is done before the guest may
	 * overwrite them.
	 */
	smp_store_release(&control->read_index, cpu_to_le32(new_read));
	ring->index = new_read;

	/* Pairs with the guest's barrier between setting pending_send_sz
	 * and rereading the read index.
	 */
	smp_mb();
	pending = le32_to_cpu(READ_ONCE(control->pending_send_sz));
	if (!pending || !freed)
		return false;
	write = le32_to_cpu(READ_ONCE(control->write_index));
	if (!vmb_ring_index_ok(ring, write))
		return true;	/* the next peek fails the ring */
	/* What the guest may write now; one byte always stays free. */
	free_now = ring->size - vmb_ring_dist(ring, new_read, write);
	return free_now > pending && free_now - freed <= pending;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_consume);

/**
 * vmb_ring_mask() - ask the guest not to signal: the host is reading
 * @ring: the incoming ring
 */
void vmb_ring_mask(struct vmb_ring *ring)
{
	WRITE_ONCE(ring->control->interrupt_mask, cpu_to_le32(1));
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_mask);

/**
 * vmb_ring_unmask() - let the guest signal again
 * @ring: the incoming ring
 * @pos: how far the host has read
 *
 * Return: whether the guest wrote past @pos meanwhile (its signal may
 * have been held back by the mask): then the host reads again.
 */
bool vmb_ring_unmask(struct vmb_ring *ring, u32 pos)
{
	WRITE_ONCE(ring->control->interrupt_mask, 0);
	/* Pairs with the guest's barrier between publishing its write index
	 * and reading interrupt_mask.
	 */
	smp_mb();
	return le32_to_cpu(READ_ONCE(ring->control->write_index)) != pos;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_unmask);

/* Free bytes for the writer, from the guest's read index @read. */
static u32 vmb_ring_room(const struct vmb_ring *ring, u32 read)
{
	return ring->size - vmb_ring_dist(ring, read, ring->index);
}

/**
 * vmb_ring_free() - bytes the host may write now
 * @ring: the outgoing ring
 *
 * Return: the free bytes, of which one always stays free, so a packet of
 * that size or more does not fit; 0 for a corrupt read index.
 */
u32 vmb_ring_free(const struct vmb_ring *ring)
{
	u32 read = le32_to_cpu(READ_ONCE(ring->control->read_index));

	return vmb_ring_index_ok(ring, read) ? vmb_ring_room(ring, read) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_free);

/**
 * vmb_ring_fits() - whether a packet can ever fit the ring
 * @ring: the outgoing ring
 * @len: the packet's bytes, descriptor included, padding excluded
 *
 * With its padding and trailer it must leave a byte free in an empty ring.
 */
bool vmb_ring_fits(const struct vmb_ring *ring, size_t len)
{
	return len < ring->size &&
	       ALIGN(len, VMB_RING_ALIGN) + VMB_PACKET_TRAILER_SIZE <
	       ring->size;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_fits);

/**
 * vmb_ring_write() - write one packet into the host-to-guest ring
 * @ring: the outgoing ring
 * @vec: the packet's pieces, descriptor first, padding excluded
 * @nr: how many
 * @signal: set to whether the guest must be signalled
 *
 * The packet is padded to 8 bytes and followed by its trailer.  Never
 * sleeps.
 *
 * Return: 0; -ENOSPC when it does not fit now (nothing was written);
 * -EMSGSIZE when it can never fit; -EPROTO when the guest's read index is
 * corrupt.
 */
int vmb_ring_write(struct vmb_ring *ring, const struct kvec *vec,
		   unsigned int nr, bool *signal)
{
	struct vmb_ring_control *control = ring->control;
	u32 old = ring->index, len = 0, total, read, pos;
	__le64 trailer = cpu_to_le64((u64)old << 32);
	unsigned int i;

	*signal = false;
	for (i = 0; i < nr; i++) {
		if (vec[i].iov_len > ring->size)
			return -EMSGSIZE;
		len += vec[i].iov_len;
	}
	if (!vmb_ring_fits(ring, len))
		return -EMSGSIZE;
	total = ALIGN(len, VMB_RING_ALIGN) + VMB_PACKET_TRAILER_SIZE;

	read = le32_to_cpu(READ_ONCE(control->read_index));
	if (!vmb_ring_index_ok(ring, read))
		return -EPROTO;
	/* One byte stays free: a full ring must not look empty. */
	if (total >= vmb_ring_room(ring, read))
		return -ENOSPC;

	/* Contiguous: old < size and total < size, in the double mapping. */
	pos = old;
	for (i = 0; i < nr; i++) {
		memcpy(ring->data + pos, vec[i].iov_base, vec[i].iov_len);
		pos += vec[i].iov_len;
	}
	memset(ring->data + pos, 0, ALIGN(len, VMB_RING_ALIGN) - len);
	pos = old + ALIGN(len, VMB_RING_ALIGN);
	memcpy(ring->data + pos, &trailer, sizeof(trailer));
	ring->index = vmb_ring_wrap(ring, old + total);

	/* The packet is in place before the guest can see the index. */
	smp_store_release(&control->write_index, cpu_to_le32(ring->index));

	/* Pairs with the guest's barrier between unmasking (or publishing
	 * its read index) and rereading the write index.
	 */
	smp_mb();
	if (READ_ONCE(control->interrupt_mask))
		return 0;
	/* The guest had read everything before this packet: it may sleep. */
	*signal = le32_to_cpu(READ_ONCE(control->read_index)) == old;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_write);

/**
 * vmb_ring_want_space() - ask the guest to signal once @bytes are free
 * @ring: the outgoing ring
 * @bytes: what the host waits for (0 withdraws the request)
 *
 * The guest honours it only if it set VMB_RING_FEATURE_PENDING_SEND_SZ.
 *
 * Return: whether @bytes are free already, in which case no signal may
 * come: the host writes now.
 */
bool vmb_ring_want_space(struct vmb_ring *ring, u32 bytes)
{
	WRITE_ONCE(ring->control->pending_send_sz, cpu_to_le32(bytes));
	/* Pairs with the guest's barrier between publishing its read index
	 * and reading pending_send_sz.
	 */
	smp_mb();
	return bytes && vmb_ring_free(ring) > bytes;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_ring_want_space);
