// SPDX-License-Identifier: GPL-2.0
/*
 * The data path of an open channel: the KMCL packet API over the two rings
 * of the guest's ring GPADL.
 *
 * Lifetime.  The channel's state work maps the rings before the opened
 * callback (pinning the GPADL's frames through the transport) and unmaps
 * them when the open ends, whatever ended it: a close, a failed open, a
 * disable, a reset or a destroy all end in the state work's close step,
 * the one teardown path.  Sends are taken from the moment the open is
 * answered until the open ends (the open window); packets are handed over
 * from the end of the started callback until suspend.
 *
 * Receive.  A guest signal, or a completion that frees room, kicks the
 * channel's data work, which parses packets with the ring's interrupts
 * masked and hands each to process_packet in place.  The read index moves
 * past a packet only once it and every packet before it were completed, so
 * a back-end may hold packets (at most VMB_RX_SLOTS) and complete them out
 * of order from any context.  A run hands over at most VMB_RX_BUDGET
 * packets and queues itself again behind other channels' work.  Completion
 * packets for the host's own sends are matched by transaction id here.
 *
 * Send.  A send writes the guest's ring under the channel's spinlock and
 * never sleeps.  When the ring is full it returns -EAGAIN, or queues a copy
 * (bounded) if the caller asked; the host then asks the guest, with
 * pending_send_sz, to signal once there is room, and the data work writes
 * the queue out in order.
 *
 * A ring the guest corrupted, or a packet the back-end failed, fails the
 * data path: nothing more is read or written, the back-end is told suspend
 * and closed, and the guest is left with a channel that no longer answers
 * until it closes it.  Other channels are not touched.
 */

#include <kunit/visibility.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/vmbus_server.h>

#include "channel.h"
#include "datapath.h"
#include "gpadl.h"
#include "server.h"

/* A packet waiting for room in the guest's ring: the whole packet. */
struct vmb_txq_entry {
	struct list_head node;
	bool completion;	/* a completion: outside the queue's bounds */
	u32 len;
	u8 data[];
};

static const char * const vmb_dp_fault_names[VMB_DP_FAULT_COUNT] = {
	[VMB_DP_BAD_START] = "bad ring indices at open",
	[VMB_DP_BACKEND_FAIL] = "packet failed by the back-end",
	[VMB_DP_TXQ_NOMEM] = "no memory to queue a completion",
};

const char *vmb_dp_fault_name(enum vmb_dp_fault fault)
{
	if ((unsigned int)fault < VMB_RING_FAULT_COUNT)
		return vmb_ring_fault_name((enum vmb_ring_fault)fault);
	return fault < VMB_DP_FAULT_COUNT ? vmb_dp_fault_names[fault] : "?";
}

static struct vmb_channel *vmb_dp_channel(struct vmb_datapath *dp)
{
	return container_of(dp, struct vmb_channel, dp);
}

/**
 * vmb_datapath_kick() - let the channel's data work run
 * @channel: the channel
 *
 * Any context.  Each queued run holds a channel reference, dropped at its
 * end; when the work is pending already, that run's reference is there.
 */
void vmb_datapath_kick(struct vmb_channel *channel)
{
	if (queue_work(vmb_wq, &channel->dp.work))
		vmb_channel_get(channel);
}

static void vmb_dp_signal(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_server *server = channel->server;

	lockdep_assert_held(&dp->lock);
	dp->signals_out++;
	if (server->ops->signal_guest)
		server->ops->signal_guest(server, dp->child_relid,
					  dp->target_vp);
}

/*
 * Fail the data path: nothing more is read or written; the state work
 * tells the back-end suspend and closed.
 */
static void vmb_dp_fail(struct vmb_channel *channel, enum vmb_dp_fault fault)
{
	struct vmb_datapath *dp = &channel->dp;

	lockdep_assert_held(&dp->lock);
	dp->faults[fault]++;
	if (dp->failed)
		return;
	dp->failed = true;
	dp->open = false;
	vmb_warn(channel->server, "channel %u failed: %s\n", dp->child_relid,
		 vmb_dp_fault_name(fault));
	vmb_channel_kick(channel);
}

/* Ask the guest to signal once @len more bytes fit; true: they do now. */
static bool vmb_dp_want_space(struct vmb_datapath *dp, u32 len)
{
	return vmb_ring_want_space(&dp->out, ALIGN(len, 8) +
				   VMB_PACKET_TRAILER_SIZE);
}

static int vmb_dp_enqueue(struct vmb_channel *channel, const struct kvec *vec,
			  unsigned int nr, bool completion)
{
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_txq_entry *e;
	size_t len = 0;
	unsigned int i;

	lockdep_assert_held(&dp->lock);
	for (i = 0; i < nr; i++)
		len += vec[i].iov_len;
	if (!completion && (dp->txq_sends >= VMB_TXQ_MAX_PACKETS ||
			    dp->txq_bytes + len > VMB_TXQ_MAX_BYTES))
		return -EAGAIN;
	e = kmalloc(struct_size(e, data, len), GFP_ATOMIC);
	if (!e) {
		if (completion)
			vmb_dp_fail(channel, VMB_DP_TXQ_NOMEM);
		return -ENOMEM;
	}
	e->completion = completion;
	e->len = len;
	len = 0;
	for (i = 0; i < nr; i++) {
		memcpy(e->data + len, vec[i].iov_base, vec[i].iov_len);
		len += vec[i].iov_len;
	}
	if (list_empty(&dp->txq) && vmb_dp_want_space(dp, e->len))
		vmb_datapath_kick(channel);	/* room came meanwhile */
	list_add_tail(&e->node, &dp->txq);
	if (!completion) {
		dp->txq_sends++;
		dp->txq_bytes += e->len;
	}
	dp->queued++;
	return 0;
}

/*
 * Write one packet, or queue it behind those already queued.  Returns 0,
 * -EAGAIN (full, not queued), -EMSGSIZE (never fits), -EPROTO (the guest
 * corrupted the ring: the data path failed) or -ENOMEM.
 */
static int vmb_dp_send_locked(struct vmb_channel *channel,
			      const struct kvec *vec, unsigned int nr,
			      bool queue, bool completion)
{
	struct vmb_datapath *dp = &channel->dp;
	bool signal;
	int ret = -ENOSPC;

	lockdep_assert_held(&dp->lock);
	if (list_empty(&dp->txq))
		ret = vmb_ring_write(&dp->out, vec, nr, &signal);
	if (!ret) {
		dp->packets_out++;
		if (signal)
			vmb_dp_signal(channel);
		return 0;
	}
	if (ret == -EPROTO)
		vmb_dp_fail(channel, VMB_DP_RING + VMB_RING_BAD_INDEX);
	if (ret != -ENOSPC)
		return ret;
	if (!queue)
		return -EAGAIN;
	return vmb_dp_enqueue(channel, vec, nr, completion);
}

/* Write out what waited for room, oldest first. */
static void vmb_dp_flush_txq(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_txq_entry *e;
	unsigned long flags;
	bool signal = false, sig;
	int ret;

	spin_lock_irqsave(&dp->lock, flags);
	while (dp->open &&
	       (e = list_first_entry_or_null(&dp->txq, struct vmb_txq_entry,
					     node))) {
		struct kvec vec = { .iov_base = e->data, .iov_len = e->len };

		ret = vmb_ring_write(&dp->out, &vec, 1, &sig);
		if (ret == -ENOSPC) {
			if (vmb_dp_want_space(dp, e->len))
				continue;
			break;
		}
		if (ret) {
			/* -EMSGSIZE was refused before queueing. */
			vmb_dp_fail(channel, VMB_DP_RING + VMB_RING_BAD_INDEX);
			break;
		}
		signal |= sig;
		dp->packets_out++;
		list_del(&e->node);
		if (!e->completion) {
			dp->txq_sends--;
			dp->txq_bytes -= e->len;
		}
		kfree(e);
	}
	if (dp->open && list_empty(&dp->txq))
		vmb_ring_want_space(&dp->out, 0);
	if (signal)
		vmb_dp_signal(channel);
	spin_unlock_irqrestore(&dp->lock, flags);
}

/*
 * Give a packet back: the read index moves past every completed packet at
 * the head, and the guest is signalled if it waits for that room.
 */
static void vmb_dp_release(struct vmb_channel *channel,
			   struct vmb_server_packet *packet)
{
	struct vmb_datapath *dp = &channel->dp;
	bool was_full, moved = false;
	unsigned long flags;
	u32 new_read = 0;

	spin_lock_irqsave(&dp->lock, flags);
	packet->held = false;
	packet->done = true;
	was_full = dp->rx_count == VMB_RX_SLOTS;
	while (dp->rx_count && dp->rx[dp->rx_head].done) {
		dp->rx[dp->rx_head].done = false;
		new_read = dp->rx[dp->rx_head].next;
		dp->rx_head = (dp->rx_head + 1) % VMB_RX_SLOTS;
		dp->rx_count--;
		moved = true;
	}
	if (moved && dp->mapped && !dp->failed &&
	    vmb_ring_consume(&dp->in, new_read))
		vmb_dp_signal(channel);
	/*
	 * A guest signals only when the host had read everything it wrote
	 * before, so it did not signal what it wrote while packets were
	 * held: look again.  Also from the data work itself: a release in
	 * processing_complete comes after its last look.
	 */
	if ((moved || was_full) && dp->rx_on)
		vmb_datapath_kick(channel);
	spin_unlock_irqrestore(&dp->lock, flags);
}

/* Take the send a guest completion names; false for one never sent. */
static bool vmb_dp_take_tx(struct vmb_datapath *dp, u64 trans_id,
			   struct vmb_tx_slot *out)
{
	struct vmb_tx_slot *slot = &dp->tx[trans_id % VMB_TX_SLOTS];

	lockdep_assert_held(&dp->lock);
	if (!trans_id || slot->trans_id != trans_id)
		return false;
	*out = *slot;
	slot->trans_id = 0;
	dp->tx_pending--;
	return true;
}

/*
 * One run of the data work: hand packets over until the ring is empty,
 * every slot is held, or the budget is spent.  Returns whether to run
 * again.
 */
static bool vmb_dp_receive(struct vmb_channel *channel)
{
	const struct vmb_server_packet_callbacks *cb = channel->packet_callbacks;
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_server_packet *packet;
	unsigned int n, handed = 0;
	struct vmb_ring_packet pkt;
	struct vmb_tx_slot tx;
	unsigned long flags;
	bool more = true;
	int ret;

	for (n = 0; n < VMB_RX_BUDGET; n++) {
		spin_lock_irqsave(&dp->lock, flags);
		if (!dp->rx_on || dp->failed ||
		    dp->rx_count == VMB_RX_SLOTS) {
			/* A completion or the next start kicks again. */
			spin_unlock_irqrestore(&dp->lock, flags);
			more = false;
			break;
		}
		/* No signal while the host reads anyway. */
		vmb_ring_mask(&dp->in);
		ret = vmb_ring_peek(&dp->in, dp->rx_pos,
				    channel->max_packet_size, &pkt);
		if (ret == -ENODATA) {
			/* Empty: listen again, unless it filled meanwhile. */
			more = vmb_ring_unmask(&dp->in, dp->rx_pos);
			spin_unlock_irqrestore(&dp->lock, flags);
			if (!more)
				break;
			continue;
		}
		if (ret) {
			vmb_dp_fail(channel, VMB_DP_RING + pkt.fault);
			spin_unlock_irqrestore(&dp->lock, flags);
			more = false;
			break;
		}
		packet = &dp->rx[(dp->rx_head + dp->rx_count) % VMB_RX_SLOTS];
		packet->channel = channel;
		packet->start = pkt.start;
		packet->offset = pkt.offset;
		packet->trans_id = pkt.trans_id;
		packet->next = pkt.next;
		packet->type = pkt.type;
		packet->flags = pkt.flags;
		packet->held = true;
		packet->done = false;
		dp->rx_count++;
		dp->rx_pos = pkt.next;
		if (pkt.type == VMB_PACKET_COMPLETION) {
			dp->completions_in++;
			if (!vmb_dp_take_tx(dp, pkt.trans_id, &tx)) {
				dp->bad_completions++;
				tx.done = NULL;
			}
		} else {
			dp->packets_in++;
		}
		spin_unlock_irqrestore(&dp->lock, flags);

		if (pkt.type == VMB_PACKET_COMPLETION) {
			if (tx.done)
				tx.done(channel, tx.context, 0,
					pkt.start + pkt.offset,
					pkt.len - pkt.offset);
			vmb_dp_release(channel, packet);
		} else if (cb && cb->process_packet) {
			cb->process_packet(channel, packet,
					   pkt.start + pkt.offset,
					   pkt.len - pkt.offset);
			handed++;
		} else {
			/* Nobody to take it: completed empty. */
			vmb_server_packet_complete(packet, NULL, 0);
		}
	}
	if (handed && cb->processing_complete)
		cb->processing_complete(channel, handed);
	return more;
}

static void vmb_datapath_work(struct work_struct *work)
{
	struct vmb_datapath *dp = container_of(work, struct vmb_datapath,
					       work);
	struct vmb_channel *channel = vmb_dp_channel(dp);

	vmb_dp_flush_txq(channel);
	if (vmb_dp_receive(channel))
		vmb_datapath_kick(channel);
	vmb_channel_put(channel);
}

void vmb_datapath_init(struct vmb_datapath *dp)
{
	spin_lock_init(&dp->lock);
	INIT_WORK(&dp->work, vmb_datapath_work);
	INIT_LIST_HEAD(&dp->txq);
}

static void vmb_dp_unpin(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_server *server = channel->server;

	if (dp->nr_pages)
		server->ops->unpin_guest_pages(server, dp->pages, dp->nr_pages);
	kvfree(dp->pages);
	dp->pages = NULL;
	dp->nr_pages = 0;
}

/**
 * vmb_datapath_map() - pin and map an opening channel's rings
 * @channel: the channel; its state work calls this before opened
 * @ring: the ring GPADL, reserved for the open
 * @downstream_offset: the first page of the host-to-guest ring
 * @target_vp: where the guest wants the channel's signals
 *
 * The guest-to-host ring is pages [0, @downstream_offset) of the GPADL,
 * the host-to-guest ring the rest (VMBUS.md section 5); each starts with
 * its control page.  Frames are pinned through the transport while mapped.
 *
 * Context: process context, no lock held; may sleep.
 * Return: 0; -EOPNOTSUPP when the transport cannot pin; the transport's
 * errno; -EPROTO when the guest set up an index outside its ring; -ENOMEM.
 */
int vmb_datapath_map(struct vmb_channel *channel, struct vmb_gpadl *ring,
		     u32 downstream_offset, u32 target_vp)
{
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_server *server = channel->server;
	unsigned int count = ring->page_count;
	unsigned long flags;
	u64 *gpfns;
	int ret;

	might_sleep();
	if (!server->ops->pin_guest_pages || !server->ops->unpin_guest_pages)
		return -EOPNOTSUPP;
	/* The GPADL's frames do not change while the open holds it. */
	gpfns = kvmalloc_array(count, sizeof(*gpfns), GFP_KERNEL);
	dp->pages = kvcalloc(count, sizeof(*dp->pages), GFP_KERNEL);
	ret = -ENOMEM;
	if (gpfns && dp->pages) {
		vmb_gpadl_frames(ring, gpfns);
		ret = server->ops->pin_guest_pages(server, gpfns, count, true,
						   dp->pages);
	}
	kvfree(gpfns);
	if (ret)
		goto out_unpin;
	dp->nr_pages = count;

	ret = vmb_ring_map(&dp->in, dp->pages, downstream_offset);
	if (ret)
		goto out_unpin;
	ret = vmb_ring_map(&dp->out, dp->pages + downstream_offset,
			   count - downstream_offset);
	if (ret)
		goto out_unmap_in;
	if (vmb_ring_start(&dp->in, false) || vmb_ring_start(&dp->out, true)) {
		spin_lock_irqsave(&dp->lock, flags);
		dp->faults[VMB_DP_BAD_START]++;
		spin_unlock_irqrestore(&dp->lock, flags);
		ret = -EPROTO;
		goto out_unmap_out;
	}

	spin_lock_irqsave(&dp->lock, flags);
	dp->mapped = true;
	dp->failed = false;
	dp->target_vp = target_vp;
	dp->child_relid = channel->child_relid;
	dp->rx_pos = dp->in.index;
	dp->rx_head = 0;
	dp->rx_count = 0;
	spin_unlock_irqrestore(&dp->lock, flags);
	return 0;

out_unmap_out:
	vmb_ring_unmap(&dp->out);
out_unmap_in:
	vmb_ring_unmap(&dp->in);
out_unpin:
	vmb_dp_unpin(channel);
	return ret;
}

/**
 * vmb_datapath_unmap() - the open ended: tell the senders, unmap, unpin
 * @channel: the channel; its state work calls this once the back-end no
 *	longer takes packets (after suspend), before closed
 *
 * Sends waiting for a completion get -ECONNRESET; queued packets go.
 * Does nothing when nothing is mapped.
 *
 * Context: process context, no lock held; may sleep.
 */
void vmb_datapath_unmap(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_txq_entry *e, *tmp;
	struct vmb_tx_slot tx;
	unsigned long flags;
	LIST_HEAD(txq);
	unsigned int i;

	spin_lock_irqsave(&dp->lock, flags);
	if (!dp->mapped) {
		spin_unlock_irqrestore(&dp->lock, flags);
		return;
	}
	dp->open = false;
	dp->mapped = false;
	dp->rx_on = false;
	list_splice_init(&dp->txq, &txq);
	dp->txq_sends = 0;
	dp->txq_bytes = 0;
	spin_unlock_irqrestore(&dp->lock, flags);

	/* A data work still queued finds nothing to do; let it end. */
	flush_work(&dp->work);
	list_for_each_entry_safe(e, tmp, &txq, node)
		kfree(e);
	for (i = 0; i < VMB_TX_SLOTS; i++) {
		spin_lock_irqsave(&dp->lock, flags);
		if (!vmb_dp_take_tx(dp, dp->tx[i].trans_id, &tx))
			tx.done = NULL;
		spin_unlock_irqrestore(&dp->lock, flags);
		if (tx.done)
			tx.done(channel, tx.context, -ECONNRESET, NULL, 0);
	}
	vmb_ring_unmap(&dp->in);
	vmb_ring_unmap(&dp->out);
	vmb_dp_unpin(channel);
}

/**
 * vmb_datapath_set_open() - open or close the send window
 * @channel: the channel
 * @open: open it (the open is answered), else close it (the open ends)
 */
void vmb_datapath_set_open(struct vmb_channel *channel, bool open)
{
	struct vmb_datapath *dp = &channel->dp;
	unsigned long flags;

	spin_lock_irqsave(&dp->lock, flags);
	dp->open = open && dp->mapped && !dp->failed;
	spin_unlock_irqrestore(&dp->lock, flags);
}

/**
 * vmb_datapath_set_target() - the guest moved the channel's signals
 * @channel: the channel
 * @target_vp: the new virtual processor
 */
void vmb_datapath_set_target(struct vmb_channel *channel, u32 target_vp)
{
	struct vmb_datapath *dp = &channel->dp;
	unsigned long flags;

	spin_lock_irqsave(&dp->lock, flags);
	dp->target_vp = target_vp;
	spin_unlock_irqrestore(&dp->lock, flags);
}

/**
 * vmb_datapath_rx_start() - hand packets over from now on
 * @channel: the channel; its state work calls this after started
 */
void vmb_datapath_rx_start(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	unsigned long flags;

	spin_lock_irqsave(&dp->lock, flags);
	dp->rx_on = dp->mapped;
	if (dp->rx_on)
		vmb_datapath_kick(channel);
	spin_unlock_irqrestore(&dp->lock, flags);
}

/**
 * vmb_datapath_rx_stop() - stop handing packets over, before suspend
 * @channel: the channel; its state work calls this
 *
 * Returns once no process_packet runs.  Packets the back-end still holds
 * after suspend are taken back by vmb_datapath_rx_reclaim().
 *
 * Context: process context; may sleep.
 */
void vmb_datapath_rx_stop(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	unsigned long flags;

	spin_lock_irqsave(&dp->lock, flags);
	dp->rx_on = false;
	spin_unlock_irqrestore(&dp->lock, flags);
	flush_work(&dp->work);
}

/**
 * vmb_datapath_rx_reclaim() - take back what suspend left held
 * @channel: the channel, after its suspend callback returned
 *
 * KMCL: no packet is outstanding after suspend.  One that is counts as
 * completed (with no completion for the guest): the read index must move
 * for the next start.  The back-end must not complete it later.
 */
void vmb_datapath_rx_reclaim(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_server_packet *packet;
	unsigned int i, held = 0;
	unsigned long flags;

	for (i = 0; i < VMB_RX_SLOTS; i++) {
		packet = &dp->rx[i];
		spin_lock_irqsave(&dp->lock, flags);
		if (!packet->held) {
			spin_unlock_irqrestore(&dp->lock, flags);
			continue;
		}
		spin_unlock_irqrestore(&dp->lock, flags);
		held++;
		vmb_dp_release(channel, packet);
	}
	if (held)
		vmb_warn(channel->server,
			 "channel %u: suspend returned with %u packets held\n",
			 channel->dp.child_relid, held);
}

/**
 * vmb_server_guest_signal() - the guest signalled a channel
 * @server: the server
 * @connection_id: the connection id the guest signalled
 *	(vmb_server_channel_connection_id())
 *
 * For a transport that sees the guest's signals itself; one that routes
 * them to a channel's kick file does not call this.  The channel's data
 * work runs; an id that names no channel is ignored.  A call may race
 * vmb_server_destroy(), none may follow it.
 *
 * Context: any, also hard interrupt; takes no lock of the server.
 */
void vmb_server_guest_signal(struct vmb_server *server, u32 connection_id)
{
	struct vmb_channel *channel;
	u32 relid = connection_id - VMB_CHANNEL_CONNECTION_ID_BASE;

	if (!server || connection_id <= VMB_CHANNEL_CONNECTION_ID_BASE ||
	    relid > VMB_MAX_RELID)
		return;
	rcu_read_lock();
	channel = xa_load(&server->relids, relid);
	/* The memory stays for the grace period; the channel may be going. */
	if (channel && kref_get_unless_zero(&channel->ref)) {
		/* Pending: that run holds a reference, so this is not the
		 * last one.
		 */
		if (!queue_work(vmb_wq, &channel->dp.work))
			vmb_channel_put(channel);
	}
	rcu_read_unlock();
}
EXPORT_SYMBOL_NS_GPL(vmb_server_guest_signal, VMBUS_SERVER);

/* A payload the 16-bit len8 can describe behind a descriptor. */
#define VMB_MAX_PAYLOAD	(VMB_SERVER_MAX_PACKET_SIZE_LIMIT - \
			 sizeof(struct vmb_packet_desc))

/**
 * vmb_server_packet_send() - send an in-band packet to the guest
 * @channel: an open channel
 * @data: the payload
 * @len: its length
 * @flags: 0, or %VMB_SERVER_SEND_QUEUE to queue the packet when the guest's
 *	ring is full (bounded: %VMB_TXQ_MAX_PACKETS packets and
 *	%VMB_TXQ_MAX_BYTES bytes per channel)
 * @done: %NULL, or ask the guest for a completion and be called with it
 *	(or with -ECONNRESET when the open ends first); see
 *	vmb_server_completion_fn
 * @context: passed to @done
 *
 * The packet is in the ring, or queued in order behind earlier ones, when
 * this returns 0; the guest is signalled when it needs to be.  Sends are
 * taken from the moment the guest's open is answered (the started callback
 * may send) until the open ends.
 *
 * Context: any; never sleeps and never waits for the guest.
 * Return: 0; -EINVAL for a bad argument; -EMSGSIZE for a packet larger
 * than the ring can ever take; -ENOTCONN outside the open window or once
 * the data path failed; -EAGAIN when the ring is full (and queueing was
 * not asked for, or the queue is full); -EBUSY when @done was given and
 * %VMB_TX_SLOTS sends already wait for their completion; -ENOMEM;
 * -EPROTO when the guest corrupted the ring (the data path failed).
 */
int vmb_server_packet_send(struct vmb_channel *channel, const void *data,
			   u32 len, u32 flags, vmb_server_completion_fn done,
			   void *context)
{
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(VMB_PACKET_DATA_INBAND),
		.offset8 = cpu_to_le16(sizeof(desc) / 8),
	};
	struct kvec vec[2] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = (void *)data, .iov_len = len },
	};
	struct vmb_datapath *dp;
	struct vmb_tx_slot *slot = NULL;
	unsigned long irqflags;
	unsigned int i;
	int ret;

	if (!channel || (len && !data) || (flags & ~VMB_SERVER_SEND_QUEUE))
		return -EINVAL;
	if (len > VMB_MAX_PAYLOAD)
		return -EMSGSIZE;
	desc.len8 = cpu_to_le16((sizeof(desc) + ALIGN(len, 8)) / 8);
	dp = &channel->dp;

	spin_lock_irqsave(&dp->lock, irqflags);
	if (!dp->open) {
		ret = -ENOTCONN;
		goto out;
	}
	if (done) {
		for (i = 0; i < VMB_TX_SLOTS && dp->tx[i].trans_id; i++)
			;
		if (i == VMB_TX_SLOTS) {
			ret = -EBUSY;
			goto out;
		}
		slot = &dp->tx[i];
		/* Never 0, and names its slot: a stale id matches nothing. */
		slot->trans_id = ++dp->tx_seq * VMB_TX_SLOTS + i;
		slot->done = done;
		slot->context = context;
		dp->tx_pending++;
		desc.flags = cpu_to_le16(VMB_PACKET_FLAG_COMPLETION_REQUESTED);
		desc.trans_id = cpu_to_le64(slot->trans_id);
	}
	ret = vmb_dp_send_locked(channel, vec, 2,
				 flags & VMB_SERVER_SEND_QUEUE, false);
	if (ret && slot) {
		slot->trans_id = 0;
		dp->tx_pending--;
	}
out:
	spin_unlock_irqrestore(&dp->lock, irqflags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_packet_send, VMBUS_SERVER);

/* A synchronous request; the waiter and the completion hold one each. */
struct vmb_sync_req {
	refcount_t ref;
	struct completion done;
	spinlock_t lock;	/* the waiter leaving vs. the completion */
	bool abandoned;
	bool answered;
	int status;
	void *resp;
	u32 resp_cap;
	u32 resp_len;
};

static void vmb_sync_put(struct vmb_sync_req *req)
{
	if (refcount_dec_and_test(&req->ref))
		kfree(req);
}

static void vmb_sync_done(struct vmb_channel *channel, void *context,
			  int status, const void *data, u32 len)
{
	struct vmb_sync_req *req = context;

	spin_lock(&req->lock);
	if (!req->abandoned) {
		req->answered = true;
		req->status = status;
		if (!status) {
			req->resp_len = min(len, req->resp_cap);
			if (req->resp_len)
				memcpy(req->resp, data, req->resp_len);
			if (len > req->resp_cap)
				req->status = -EMSGSIZE;
		}
	}
	spin_unlock(&req->lock);
	complete(&req->done);
	vmb_sync_put(req);
}

/**
 * vmb_server_channel_send_sync() - send a request and wait for its completion
 * @channel: an open channel
 * @data: the request's payload
 * @len: its length
 * @resp: where the completion's payload goes, or %NULL
 * @resp_len: in: room at @resp (ignored without @resp); out: bytes stored
 * @timeout: how long to wait, in jiffies
 *
 * The request is queued when the ring is full (as %VMB_SERVER_SEND_QUEUE).
 * The wait ends early for a fatal signal.  A request given up on (timeout,
 * signal) keeps its completion slot until the guest completes it or the
 * open ends; its late completion is dropped.
 *
 * Context: process context, also the post_started callback; not
 * process_packet or a completion callback (they run in the work that
 * delivers the completion: -EDEADLK).
 * Return: 0 with the completion's payload at @resp; -ETIMEDOUT;
 * -ERESTARTSYS for a fatal signal; -EMSGSIZE when the completion's payload
 * did not fit (the first *@resp_len bytes are stored); -ECONNRESET when the
 * open ended first; -ENOMEM; or an error of vmb_server_packet_send().
 */
int vmb_server_channel_send_sync(struct vmb_channel *channel,
				 const void *data, u32 len, void *resp,
				 u32 *resp_len, unsigned long timeout)
{
	struct vmb_sync_req *req;
	long left;
	int ret;

	might_sleep();
	if (!channel || (resp && !resp_len))
		return -EINVAL;
	if (current_work() == &channel->dp.work)
		return -EDEADLK;
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	refcount_set(&req->ref, 2);
	init_completion(&req->done);
	spin_lock_init(&req->lock);
	req->resp = resp;
	req->resp_cap = resp ? *resp_len : 0;

	ret = vmb_server_packet_send(channel, data, len, VMB_SERVER_SEND_QUEUE,
				     vmb_sync_done, req);
	if (ret) {
		kfree(req);
		return ret;
	}
	left = wait_for_completion_killable_timeout(&req->done, timeout);
	spin_lock(&req->lock);
	if (req->answered) {
		ret = req->status;
		if (resp)
			*resp_len = req->resp_len;
	} else {
		req->abandoned = true;
		ret = left < 0 ? left : -ETIMEDOUT;
	}
	spin_unlock(&req->lock);
	vmb_sync_put(req);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_send_sync, VMBUS_SERVER);

/**
 * vmb_server_packet_complete() - give back a packet from process_packet
 * @packet: the packet
 * @data: the completion's payload, or %NULL
 * @len: its length
 *
 * When the guest asked for a completion, it gets one, with @data; the
 * packet's ring space goes back to the guest once every packet before it
 * was completed too.  A completion never fails for want of room: it waits
 * in the channel's queue (there are at most %VMB_RX_SLOTS of them).
 *
 * Context: any; never sleeps.  @packet is invalid afterwards.
 * Return: 0; -EMSGSIZE when @len does not fit a packet (the packet is not
 * given back); -EINVAL for a packet not held; -ENOTCONN when the open
 * ended meanwhile, or another error of vmb_server_packet_send(): the
 * packet is given back, without a completion.
 */
int vmb_server_packet_complete(struct vmb_server_packet *packet,
			       const void *data, u32 len)
{
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(VMB_PACKET_COMPLETION),
		.offset8 = cpu_to_le16(sizeof(desc) / 8),
	};
	struct kvec vec[2] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = (void *)data, .iov_len = data ? len : 0 },
	};
	struct vmb_channel *channel;
	struct vmb_datapath *dp;
	unsigned long flags;
	int ret = 0;

	if (!packet || WARN_ON_ONCE(!packet->held))
		return -EINVAL;
	if (data && len > VMB_MAX_PAYLOAD)
		return -EMSGSIZE;
	channel = packet->channel;
	dp = &channel->dp;
	if (packet->flags & VMB_PACKET_FLAG_COMPLETION_REQUESTED) {
		desc.len8 = cpu_to_le16((sizeof(desc) +
					 ALIGN(vec[1].iov_len, 8)) / 8);
		desc.trans_id = cpu_to_le64(packet->trans_id);
		spin_lock_irqsave(&dp->lock, flags);
		ret = dp->open ? vmb_dp_send_locked(channel, vec, 2, true, true) :
				 -ENOTCONN;
		spin_unlock_irqrestore(&dp->lock, flags);
	}
	vmb_dp_release(channel, packet);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_packet_complete, VMBUS_SERVER);

/**
 * vmb_server_packet_fail() - give back a malformed packet and fail the channel
 * @packet: the packet, from process_packet
 *
 * KMCL: a failed packet stops the queue.  The data path fails: nothing
 * more is read or sent on this open, the back-end is told suspend and
 * closed, and the event is counted and logged.  The guest gets no
 * completion.
 *
 * Context: any; never sleeps.  @packet is invalid afterwards.
 */
void vmb_server_packet_fail(struct vmb_server_packet *packet)
{
	struct vmb_datapath *dp;
	unsigned long flags;

	if (!packet || WARN_ON_ONCE(!packet->held))
		return;
	dp = &packet->channel->dp;
	spin_lock_irqsave(&dp->lock, flags);
	vmb_dp_fail(packet->channel, VMB_DP_BACKEND_FAIL);
	spin_unlock_irqrestore(&dp->lock, flags);
	vmb_dp_release(packet->channel, packet);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_packet_fail, VMBUS_SERVER);
