/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data path suites' back-end and guest (packet_test.c): a channel with
 * a test back-end that the simulated guest opens on a ring GPADL in its
 * own memory and drives with guest_ring.c.
 */
#ifndef _VMBUS_SERVER_PACKET_TEST_H
#define _VMBUS_SERVER_PACKET_TEST_H

#include "guest_ring.h"
#include "sim_guest.h"

/* The ring GPADL: 4 pages to the host (3 of data), 4 to the guest. */
#define PKT_PAGES	8
#define PKT_OFFSET	4
#define PKT_RING_SIZE	((PKT_OFFSET - 1) * PAGE_SIZE)
#define PKT_MAX_PACKETS	512

struct pt {
	struct kunit *test;
	struct sim_guest *sim;
	struct vmb_channel *ch;
	u32 relid;
	struct guest_ring to_host;
	struct guest_ring to_guest;

	/* The back-end. */
	spinlock_t lock;
	bool hold;			/* keep packets, complete later */
	bool fail_next;			/* fail the next packet */
	struct vmb_server_packet *held[PKT_MAX_PACKETS];
	const u8 *held_data[PKT_MAX_PACKETS];
	unsigned int nr_held;
	unsigned int received;
	unsigned int batches;
	u32 lens[PKT_MAX_PACKETS];
	u32 sums[PKT_MAX_PACKETS];
	u8 reply[32];			/* completion payload */
	u32 reply_len;
	/* Complete what is held when the next packet comes. */
	bool complete_on_next;
	/* The opened callback maps GPADL @map_id, then refuses the open. */
	u32 map_id;
	int map_ret;
	/* Map each packet's external data, note it, unmap it (or keep it). */
	bool map_external;
	bool keep_maps;
	unsigned int maps_ok;
	unsigned int maps_nospc;
	int ext_ret;
	unsigned int ext_ranges;
	u32 ext_len[4];
	u8 ext_head[4][8];
	u8 ext_tail[4];

	/* Sends asking for a completion. */
	unsigned int done_calls;
	int done_status;
	u8 done_data[32];
	u32 done_len;
	void *done_context;
	/* A concurrency test's: the packet callback is its side 1. */
	struct vmb_overlap *par;
};

/* A GPA-direct packet: header of ranges, then the payload. */
struct pt_gpa {
	__le32 reserved;
	__le32 range_count;
	__le32 count0;
	__le32 offset0;
	__le64 pfn0;
	__le32 count1;
	__le32 offset1;
	__le64 pfn1[2];
} __packed;

void pt_flush(struct pt *pt);
void pt_signal(struct pt *pt);
bool pt_guest_send(struct pt *pt, u16 type, u16 flags, u64 trans_id,
		   const u8 *data, u32 len);
int pt_guest_recv(struct pt *pt, u8 *out, u32 room, u16 *type, u16 *flags,
		  u64 *trans_id);
struct pt *pt_create(struct kunit *test, u32 max_packet);
u32 pt_ring_gpadl(struct pt *pt);
void pt_open_gpadl(struct pt *pt, u32 id);
struct pt *pt_open(struct kunit *test, u32 max_packet);
void pt_close(struct pt *pt);
void pt_fill_frame(struct pt *pt, unsigned int frame, u8 seed);
void pt_gpa_init(struct pt_gpa *g, u64 pfn);

#endif /* _VMBUS_SERVER_PACKET_TEST_H */
