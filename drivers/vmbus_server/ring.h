/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One ring buffer of an open channel, seen from the host, which writes the
 * host-to-guest ring and reads the guest-to-host ring (VMBUS.md section 8).
 */
#ifndef _VMBUS_SERVER_RING_H
#define _VMBUS_SERVER_RING_H

#include <linux/types.h>
#include <linux/uio.h>

struct page;

/*
 * @control and @data are the guest's memory: the guest may write any of
 * it at any time.  @data is mapped twice back to back, so a packet that
 * wraps around the end is contiguous at @data + its index.  @index is the
 * host's own index, never read back from the guest: its write index in the
 * outgoing ring, its published read index in the incoming one.  The
 * mapping starts at @control.
 */
struct vmb_ring {
	struct vmb_ring_control *control;
	u8 *data;
	u32 size;
	u32 index;
};

/* Why a ring was found corrupt; each is counted. */
enum vmb_ring_fault {
	VMB_RING_BAD_INDEX,	/* outside the data area or not 8-byte aligned */
	VMB_RING_TRUNCATED,	/* written data ends inside a packet */
	VMB_RING_BAD_LENGTH,	/* len8 shorter than the descriptor */
	VMB_RING_TOO_BIG,	/* longer than the channel allows */
	VMB_RING_BAD_OFFSET,	/* offset8 inside the descriptor or past the end */
	VMB_RING_BAD_TYPE,	/* a packet type the host does not take */
	VMB_RING_FAULT_COUNT
};

/*
 * A packet found in the guest-to-host ring.  The descriptor's fields are
 * copies, validated; @start is the packet in place (descriptor first),
 * which the guest can still rewrite.
 */
struct vmb_ring_packet {
	u16 type;
	u16 flags;
	u64 trans_id;
	u32 len;		/* the whole packet, a multiple of 8 */
	u32 offset;		/* where the payload starts */
	const u8 *start;
	u32 next;		/* the read index after it and its trailer */
	enum vmb_ring_fault fault;	/* why, when -EPROTO was returned */
};

int vmb_ring_map(struct vmb_ring *ring, struct page **pages,
		 unsigned int count);
void vmb_ring_unmap(struct vmb_ring *ring);
int vmb_ring_start(struct vmb_ring *ring, bool outgoing);

int vmb_ring_peek(const struct vmb_ring *ring, u32 pos, u32 max_len,
		  struct vmb_ring_packet *pkt);
bool vmb_ring_consume(struct vmb_ring *ring, u32 new_read);
void vmb_ring_mask(struct vmb_ring *ring);
bool vmb_ring_unmask(struct vmb_ring *ring, u32 pos);

int vmb_ring_write(struct vmb_ring *ring, const struct kvec *vec,
		   unsigned int nr, bool *signal);
u32 vmb_ring_free(const struct vmb_ring *ring);
bool vmb_ring_fits(const struct vmb_ring *ring, size_t len);
bool vmb_ring_want_space(struct vmb_ring *ring, u32 bytes);

const char *vmb_ring_fault_name(enum vmb_ring_fault fault);

#endif /* _VMBUS_SERVER_RING_H */
