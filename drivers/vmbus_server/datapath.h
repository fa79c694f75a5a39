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
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/vmbus_server.h>

#include "ring.h"

/*
 * Received packets the host holds: each is copied out of the guest's ring
 * into a slot when the data work takes it, and its slot stays taken until
 * the back-end completed it and the completion, if the guest asked for
 * one, is in the guest's ring.  The data work takes no packet while every
 * slot is taken, so the guest cannot make the host hold more than this per
 * channel: in copies (at most a maximum packet each, allocated once per
 * slot and open) and in queued completions.  64: a storage queue depth,
 * and far more than a Linux guest's utilities and input drivers keep in
 * flight.
 */
#define VMB_RX_SLOTS			64
/* A slot's first copy buffer; it grows by powers of two to the packet. */
#define VMB_RX_MIN_COPY			256
/*
 * Sends waiting for the guest's completion, per channel.  A send asking
 * for one while all are taken gets -EBUSY.  A power of two: a transaction
 * id names its slot in its low bits.
 */
#define VMB_TX_SLOTS			64
/*
 * Packets a channel keeps while the guest's ring is full, for senders that
 * asked to queue (VMB_SERVER_SEND_QUEUE), in number and in bytes.
 * Completions of received packets wait in the same queue outside those
 * bounds: each holds its receive slot, so there are at most VMB_RX_SLOTS,
 * each of a size the back-end chose.
 */
#define VMB_TXQ_MAX_PACKETS		64
#define VMB_TXQ_MAX_BYTES		(256 << 10)
/*
 * While packets wait for room, the host looks at the guest's read index
 * this often even without a signal: a guest that ignores pending_send_sz,
 * or misses the moment to signal (DPDK's netvsc PMD can, after a batch
 * read), must not leave the queue stalled.
 */
#define VMB_TXQ_RECHECK_MS		100
/* Packets one run of the data work parses before it yields (fairness). */
#define VMB_RX_BUDGET			64

struct vmb_channel;
struct vmb_gpadl;
struct vmb_server;

/* Why a channel's data path failed; each is counted. */
enum vmb_dp_fault {
	VMB_DP_RING = 0,		/* + enum vmb_ring_fault */
	VMB_DP_BAD_START = VMB_RING_FAULT_COUNT, /* ring indices at open */
	VMB_DP_BACKEND_FAIL,		/* vmb_server_packet_fail() */
	VMB_DP_TXQ_NOMEM,		/* a completion could not be queued */
	VMB_DP_RX_NOMEM,		/* no memory to copy a packet into */
	VMB_DP_FAULT_COUNT
};

/*
 * A receive slot: a packet copied out of the ring, as the back-end holds
 * it.  A slot is free, held by the back-end (@held), or waiting with its
 * completion in the send queue (taken, not held).  The data work alone
 * fills a free slot; the other fields are stable while it is taken.
 */
struct vmb_server_packet {
	struct vmb_channel *channel;
	u8 *buf;		/* the copy, descriptor first */
	u32 size;		/* bytes at @buf */
	u32 len;		/* the packet's, a multiple of 8 */
	u32 offset;		/* of the payload */
	u64 trans_id;
	u16 type;
	u16 flags;
	bool held;		/* [lock] handed out, not completed */
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

	/* Rechecks the guest's read index while packets wait for room. */
	struct timer_list recheck;

	/* Set up and released by the channel's state work only. */
	struct page **pages;
	unsigned int nr_pages;
	/*
	 * Guest to host: only the data work reads it and moves its read
	 * index (under @lock, which orders the signal it may raise).
	 */
	struct vmb_ring in;
	struct vmb_ring out;	/* host to guest [lock] */
	u32 target_vp;		/* [lock] */
	u32 child_relid;	/* [lock] */

	/*
	 * The slots, VMB_RX_SLOTS and VMB_TX_SLOTS of them, allocated by the
	 * first open and kept until the channel goes: a channel that is only
	 * offered stays small, one that was open keeps its slots' memory for
	 * the next open.  Used only while @mapped.
	 */
	DECLARE_BITMAP(rx_taken, VMB_RX_SLOTS);	/* [lock] */
	struct vmb_server_packet *rx;

	u64 tx_seq;		/* [lock] makes transaction ids */
	unsigned int tx_pending;	/* [lock] slots taken */
	struct vmb_tx_slot *tx;

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
void vmb_datapath_release(struct vmb_datapath *dp);
int vmb_datapath_map(struct vmb_channel *channel, struct vmb_gpadl *ring,
		     u32 downstream_offset, u32 target_vp);
void vmb_datapath_unmap(struct vmb_channel *channel);
void vmb_datapath_set_open(struct vmb_channel *channel, bool open);
void vmb_datapath_set_target(struct vmb_channel *channel, u32 target_vp);
void vmb_datapath_rx_start(struct vmb_channel *channel);
void vmb_datapath_rx_stop(struct vmb_channel *channel);
void vmb_datapath_rx_reclaim(struct vmb_channel *channel);
void vmb_datapath_kick(struct vmb_channel *channel);
void vmb_datapath_signal_relid(struct vmb_server *server, u32 child_relid);
const char *vmb_dp_fault_name(enum vmb_dp_fault fault);

#endif /* _VMBUS_SERVER_DATAPATH_H */
