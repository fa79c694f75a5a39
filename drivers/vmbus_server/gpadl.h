/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GPADLs: guest buffers described as lists of guest page frames, created by
 * GPADL_HEADER + GPADL_BODY messages and torn down by GPADL_TEARDOWN.
 */
#ifndef _VMBUS_SERVER_GPADL_H
#define _VMBUS_SERVER_GPADL_H

#include <linux/types.h>

struct vmb_server;

/* VMBus pages are 4 KiB whatever the host's page size. */
#define VMB_PAGE_SIZE			4096

/*
 * What one server holds for its guest's GPADLs, range data and bookkeeping
 * together, so that a guest cannot make the host allocate without bound.
 * The bound is on memory, not on a count: range_buflen is 16 bits, so one
 * GPADL is at most 64 KiB of ranges (8190 frames, 32 MiB of guest memory;
 * Linux netvsc's largest receive buffer is 31 MiB), and a ring of 1 MiB
 * takes about 2 KiB.  8 MiB is a 1 MiB ring on each of the 2047 relids
 * (an hv_sock guest opens a channel per connection) with room for the
 * receive and send buffers of a dozen devices at their largest.
 */
#define VMB_SERVER_MAX_GPADL_BYTES	(8 << 20)

/*
 * VMB_GPADL_IN_PROGRESS: the header arrived, frames are still coming in
 * GPADL_BODY messages.
 * VMB_GPADL_CREATED: complete and valid; GPADL_CREATED was sent.
 * VMB_GPADL_TEARING_DOWN: the guest asked for a teardown while an open
 * channel still uses the GPADL as its ring, or a back-end has it mapped;
 * GPADL_TORNDOWN goes out when the last of them lets go.
 */
enum vmb_gpadl_state {
	VMB_GPADL_IN_PROGRESS,
	VMB_GPADL_CREATED,
	VMB_GPADL_TEARING_DOWN,
};

struct vmb_gpadl {
	u32 id;
	u32 child_relid;
	enum vmb_gpadl_state state;
	bool in_use;		/* the ring of an open (or opening) channel */
	unsigned int maps;	/* mapped (or being mapped) for back-ends */
	bool orphan;		/* its connection ended while in use: freed
				 * when the channel lets go of it
				 */
	u16 range_count;
	u16 len;		/* bytes of range data: range_buflen */
	u16 received;		/* bytes of range data so far */
	u32 page_count;		/* frames in all ranges, once created */
	u8 *ranges;		/* struct vmb_gpa_range array, wire format */
};

int vmb_on_gpadl_header(struct vmb_server *server, const void *msg, size_t len);
int vmb_on_gpadl_body(struct vmb_server *server, const void *msg, size_t len);
int vmb_on_gpadl_teardown(struct vmb_server *server, const void *msg,
			  size_t len);
struct vmb_gpadl *vmb_gpadl_find(struct vmb_server *server, u32 id,
				 u32 child_relid);
bool vmb_gpadl_is_ring(const struct vmb_gpadl *gpadl);
bool vmb_gpadl_is_paged(const struct vmb_gpadl *gpadl);
size_t vmb_gpadl_bytes(const struct vmb_gpadl *gpadl);
void vmb_gpadl_release(struct vmb_server *server, struct vmb_gpadl *gpadl);
void vmb_gpadl_unmapped(struct vmb_server *server, struct vmb_gpadl *gpadl);
u32 vmb_gpadl_frames(const struct vmb_gpadl *gpadl, u64 *gpfns);
void vmb_gpadl_free_relid(struct vmb_server *server, u32 child_relid);
void vmb_gpadl_free_all(struct vmb_server *server);

#endif /* _VMBUS_SERVER_GPADL_H */
