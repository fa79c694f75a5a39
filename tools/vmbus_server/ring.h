/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's side of a VMBus ring buffer (VMBUS.md 8): the guest writes
 * packets into its guest->host ring and reads the host's packets from the
 * host->guest ring.  Both rings live in guest memory the host writes too,
 * so every index the other side publishes is checked before use.
 */
#ifndef VMBUS_VMM_RING_H
#define VMBUS_VMM_RING_H

#include <stdbool.h>
#include <stdint.h>

#define RING_CONTROL_SIZE	4096u
#define RING_DESC_SIZE		16u
#define RING_TRAILER_SIZE	8u
/* feature_bits bit 0: this side honours pending_send_sz. */
#define RING_FEAT_PENDING_SEND_SZ 1u

/* Packet types and flags (VMBUS.md 8). */
#define PKT_DATA_INBAND		6
#define PKT_COMPLETION		0xb
#define PKT_FLAG_COMPLETION	1

/* The control page, as both sides see it; the rest of the page is zero. */
struct ring_control {
	uint32_t write_index;
	uint32_t read_index;
	uint32_t interrupt_mask;
	uint32_t pending_send_sz;
	uint32_t reserved[12];
	uint32_t feature_bits;		/* byte offset 64 */
};

struct ring {
	struct ring_control *ctl;
	uint8_t *data;
	uint32_t size;		/* bytes of the data area */
	/* Our own indices: never read back from the shared page. */
	uint32_t wr;		/* as the writer */
	uint32_t rd;		/* as the reader, consumed */
	uint32_t rd_published;	/* as the reader, told the writer */
};

struct ring_pkt {
	uint16_t type;
	uint16_t flags;
	uint64_t trans_id;
	uint32_t len;		/* payload bytes (padding included) */
};

/* The bytes a packet with @len payload bytes takes, trailer included. */
static inline uint32_t ring_packet_size(uint32_t len)
{
	return RING_DESC_SIZE + ((len + 7) & ~7u) + RING_TRAILER_SIZE;
}

void ring_init(struct ring *r, void *base, uint32_t bytes);
uint32_t ring_room(const struct ring *r);
bool ring_empty(const struct ring *r);
int ring_write(struct ring *r, uint16_t type, uint16_t flags,
	       uint64_t trans_id, const void *payload, uint32_t len,
	       bool *signal);
bool ring_want_space(struct ring *r, uint32_t bytes);
int ring_read(struct ring *r, struct ring_pkt *pkt, void *buf,
	      uint32_t bufsize);
bool ring_commit(struct ring *r);
void ring_mask(struct ring *r);
bool ring_unmask(struct ring *r);
const char *ring_strerror(int err);

#endif /* VMBUS_VMM_RING_H */
