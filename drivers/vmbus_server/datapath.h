/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An open channel's data path: its two rings mapped from the guest's ring
 * GPADL, the packets the back-end holds, the sends waiting for the guest's
 * completion and the packets waiting for room in the guest's ring.
 */
#ifndef _VMBUS_SERVER_DATAPATH_H
#define _VMBUS_SERVER_DATAPATH_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/vmbus_server.h>

#include "ring.h"

/*
 * Received packets a back-end may hold (handed to process_packet, not yet
 * completed).  The ring stays unread past the oldest one, so the guest
 * cannot make the host hold more than this per channel; parsing waits
 * while all are taken.  64: a storage queue depth, and far more than a
 * Linux guest's utilities and input drivers keep in flight.
 */
#define VMB_RX_SLOTS			64
/*
 * Sends waiting for the guest's completion, per channel.  A send asking
 * for one while all are taken gets -EBUSY.  A power of two: a transaction
 * id names its slot in its low bits.
 */
#define VMB_TX_SLOTS			64
/*
 * Packets a channel keeps while the guest's ring is full, for senders that
 * asked to queue (VMB_SERVER_SEND_QUEUE), in number and in bytes.
 * Completions of received packets are queued beyond those bounds: there are
 * at most VMB_RX_SLOTS of them, each at most a maximum packet.
 */
#define VMB_TXQ_MAX_PACKETS		64
#define VMB_TXQ_MAX_BYTES		(256 << 10)
/* Packets one run of the data work parses before it yields (fairness). */
#define VMB_RX_BUDGET			64

struct vmb_channel;
struct vmb_gpadl;

/* Why a channel's data path failed; each is counted. */
enum vmb_dp_fault {
	VMB_DP_RING = 0,		/* + enum vmb_ring_fault */
	VMB_DP_BAD_START = VMB_RING_FAULT_COUNT, /* ring indices at open */
	VMB_DP_BACKEND_FAIL,		/* vmb_server_packet_fail() */
	VMB_DP_TXQ_NOMEM,		/* a completion could not be queued */
	VMB_DP_FAULT_COUNT
};

/* A received packet, as the back-end holds it. */
struct vmb_server_packet {
	struct vmb_channel *channel;
	const u8 *start;	/* in the ring, descriptor first */
	u32 offset;		/* of the payload */
	u64 trans_id;
	u32 next;		/* the read index past it */
	u16 type;
	u16 flags;
	bool held;		/* handed out, not completed */
	bool done;		/* completed, packets before it not yet */
};

/* A send that asked for the guest's completion. */
struct vmb_tx_slot {
	u64 trans_id;		/* 0: free */
	vmb_server_completion_fn done;
	void *context;
};

/*
 * Lock: @lock, a spinlock taken with interrupts off (sends and completions
 * come from any context).  It nests inside the server's lock, never the
 * other way round, and is the innermost lock of a channel: the transport's
 * signal_guest is called under it (so that no signal is in flight once
 * the channel closed), nothing else.
 */
struct vmb_datapath {
	spinlock_t lock;	/* see above */
	bool mapped;		/* [lock] the rings below are mapped */
	bool open;		/* [lock] sends are taken */
	bool rx_on;		/* [lock] the data work hands packets over */
	bool failed;		/* [lock] failed; nothing more is read */
	/* Runs process_packet and the send completions; see datapath.c. */
	struct work_struct work;

	/* Set up and released by the channel's state work only. */
	struct page **pages;
	unsigned int nr_pages;
	struct vmb_ring in;	/* guest to host: read index [lock] */
	struct vmb_ring out;	/* host to guest [lock] */
	u32 target_vp;		/* [lock] */
	u32 child_relid;	/* [lock] */

	u32 rx_pos;		/* [work] where the next packet starts */
	unsigned int rx_head;	/* [lock] oldest packet not consumed */
	unsigned int rx_count;	/* [lock] packets not consumed */
	struct vmb_server_packet rx[VMB_RX_SLOTS];

	u64 tx_seq;		/* [lock] makes transaction ids */
	unsigned int tx_pending;	/* [lock] slots taken */
	struct vmb_tx_slot tx[VMB_TX_SLOTS];

	struct list_head txq;	/* [lock] struct vmb_txq_entry, in order */
	unsigned int txq_sends;	/* [lock] queued sends (not completions) */
	size_t txq_bytes;	/* [lock] ... and their bytes */

	/* [lock] What happened, for debugfs and the tests. */
	u64 packets_in;
	u64 packets_out;
	u64 completions_in;
	u64 signals_out;
	u64 queued;
	u64 bad_completions;
	u64 faults[VMB_DP_FAULT_COUNT];
};

void vmb_datapath_init(struct vmb_datapath *dp);
int vmb_datapath_map(struct vmb_channel *channel, struct vmb_gpadl *ring,
		     u32 downstream_offset, u32 target_vp);
void vmb_datapath_unmap(struct vmb_channel *channel);
void vmb_datapath_set_open(struct vmb_channel *channel, bool open);
void vmb_datapath_set_target(struct vmb_channel *channel, u32 target_vp);
void vmb_datapath_rx_start(struct vmb_channel *channel);
void vmb_datapath_rx_stop(struct vmb_channel *channel);
void vmb_datapath_rx_reclaim(struct vmb_channel *channel);
void vmb_datapath_kick(struct vmb_channel *channel);
const char *vmb_dp_fault_name(enum vmb_dp_fault fault);

#endif /* _VMBUS_SERVER_DATAPATH_H */
