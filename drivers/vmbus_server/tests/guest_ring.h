/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's side of a VMBus ring, for the KUnit suites: written from
 * VMBUS.md section 8 alone and sharing no code with the server's ring.c.
 * The guest sees the data area mapped once and splits its copies at the
 * end, as Linux's ring_buffer.c does.
 */
#ifndef _VMBUS_SERVER_GUEST_RING_H
#define _VMBUS_SERVER_GUEST_RING_H

#include <kunit/test.h>
#include <linux/vmbus_server_protocol.h>

struct guest_ring {
	struct vmb_ring_control *ctl;
	u8 *buf;		/* the data area */
	u32 size;
	/* Signals the guest sent the host. */
	unsigned int signals;
};

void gr_init(struct guest_ring *g, struct vmb_ring_control *ctl, u8 *buf,
	     u32 size, u32 start);
void gr_put(struct guest_ring *g, u32 at, const void *src, u32 len);
void gr_get(const struct guest_ring *g, u32 at, void *dst, u32 len);
u32 gr_used(const struct guest_ring *g);
bool gr_send(struct guest_ring *g, u16 type, u16 flags, u64 trans_id,
	     const u8 *payload, u32 len);
bool gr_send_parts(struct guest_ring *g, u16 type, u16 flags, u64 trans_id,
		   const void *hdr, u32 hdr_len, const u8 *payload, u32 len);
int gr_recv(struct kunit *test, struct guest_ring *g, u8 *out, u32 room,
	    u16 *type, u16 *flags, u64 *trans_id);

#endif /* _VMBUS_SERVER_GUEST_RING_H */
