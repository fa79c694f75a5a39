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
 * Receive.  A guest signal, or a receive slot coming free, kicks the
 * channel's data work, which parses packets with the ring's interrupts
 * masked, copies each into a free receive slot and hands the copy to
 * process_packet.  The read index moves past a packet as soon as it is
 * copied (published once per run, before the host unmasks), so the ring
 * is empty whenever the host goes idle: a guest signals only a write into
 * an empty ring, and no packet can sit unseen behind one the back-end
 * holds.  The back-end completes its packets in any order from any
 * context; a slot stays taken until its completion is in the guest's ring,
 * and the data work takes nothing while every slot is taken, so a guest
 * that never reads its own ring stalls itself, not the host.  A run hands
 * over at most VMB_RX_BUDGET packets and queues itself again behind other
 * channels' work.  Completion packets for the host's own sends are matched
 * by transaction id here.  GPA-direct data and GPADLs stay in guest
 * memory: mapping.c maps them.
 *
 * Send.  A send writes the guest's ring under the channel's spinlock and
 * never sleeps.  When the ring is full it returns -EAGAIN, or queues a copy
 * (bounded) if the caller asked; the host then asks the guest, with
 * pending_send_sz, to signal once there is room, looks at the guest's read
 * index on every signal of the channel and every VMB_TXQ_RECHECK_MS while
 * the queue is not empty, and the data work writes the queue out in order.
 *
 * A ring the guest corrupted, or a packet the back-end failed, fails the
 * data path: nothing more is read or written, the back-end is told suspend
 * and closed, and the guest is left with a channel that no longer answers
 * until it closes it.  Other channels are not touched.
 */

#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/vmbus_server.h>

#include "channel.h"
#include "connection.h"
#include "datapath.h"
#include "gpadl.h"

/* A packet waiting for room in the guest's ring: the whole packet. */
struct vmb_txq_entry {
	struct list_head node;
	/* A completion: the receive slot it frees once written. */
	struct vmb_server_packet *packet;
	u32 len;
	u8 data[];
};

/* vmb_dp_send_locked(): the packet waits in the queue. */
#define VMB_DP_QUEUED		1
/*
 * Times one run of the data work writes again when a full guest ring had
 * room by the time the host asked to be told of it.  A guest moving its
 * read index back and forth cannot keep the host under the lock; past
 * this, the recheck timer looks again.
 */
#define VMB_TXQ_RETRIES		4

static const char * const vmb_dp_fault_names[VMB_DP_FAULT_COUNT] = {
	[VMB_DP_BAD_START] = "bad ring indices at open",
	[VMB_DP_BACKEND_FAIL] = "packet failed by the back-end",
	[VMB_DP_TXQ_NOMEM] = "no memory to queue a completion",
	[VMB_DP_RX_NOMEM] = "no memory to copy a packet",
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

/**
 * vmb_datapath_signal_relid() - signal the guest of an open channel
 * @server: the server
 * @child_relid: the channel's relid
 *
 * For the sender of a successful OPENCHANNEL_RESULT, once the guest has
 * it: under the data path lock like every signal, so that none is raised
 * for an open that ended meanwhile.
 *
 * Context: any; takes no lock of the server.
 */
void vmb_datapath_signal_relid(struct vmb_server *server, u32 child_relid)
{
	struct vmb_channel *channel;
	unsigned long flags;

	rcu_read_lock();
	/* The memory stays for the grace period; a going channel is closed. */
	channel = xa_load(&server->relids, child_relid);
	if (channel) {
		spin_lock_irqsave(&channel->dp.lock, flags);
		if (channel->dp.open)
			vmb_dp_signal(channel);
		spin_unlock_irqrestore(&channel->dp.lock, flags);
	}
	rcu_read_unlock();
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

static void vmb_dp_arm_recheck(struct vmb_datapath *dp)
{
	lockdep_assert_held(&dp->lock);
	mod_timer(&dp->recheck,
		  jiffies + msecs_to_jiffies(VMB_TXQ_RECHECK_MS));
}

/*
 * A receive slot comes free.  When every slot was taken the data work
 * stopped reading: it goes on.
 */
static void vmb_dp_put_slot(struct vmb_channel *channel,
			    struct vmb_server_packet *packet)
{
	struct vmb_datapath *dp = &channel->dp;

	lockdep_assert_held(&dp->lock);
	if (dp->rx_on && bitmap_full(dp->rx_taken, VMB_RX_SLOTS))
		vmb_datapath_kick(channel);
	packet->held = false;
	__clear_bit(packet - dp->rx, dp->rx_taken);
}

static int vmb_dp_enqueue(struct vmb_channel *channel, const struct kvec *vec,
			  unsigned int nr, u32 len,
			  struct vmb_server_packet *completion)
{
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_txq_entry *e;
	unsigned int i;
	u32 off = 0;

	lockdep_assert_held(&dp->lock);
	if (!completion && (dp->txq_sends >= VMB_TXQ_MAX_PACKETS ||
			    dp->txq_bytes + len > VMB_TXQ_MAX_BYTES))
		return -EAGAIN;
	e = kmalloc(struct_size(e, data, len), GFP_ATOMIC);
	if (!e) {
		if (completion)
			vmb_dp_fail(channel, VMB_DP_TXQ_NOMEM);
		return -ENOMEM;
	}
	e->packet = completion;
	e->len = len;
	for (i = 0; i < nr; i++) {
		memcpy(e->data + off, vec[i].iov_base, vec[i].iov_len);
		off += vec[i].iov_len;
	}
	if (list_empty(&dp->txq)) {
		if (vmb_dp_want_space(dp, len))
			vmb_datapath_kick(channel);	/* room came meanwhile */
		vmb_dp_arm_recheck(dp);
	}
	list_add_tail(&e->node, &dp->txq);
	if (!completion) {
		dp->txq_sends++;
		dp->txq_bytes += len;
	}
	dp->queued++;
	return VMB_DP_QUEUED;
}

/*
 * Write one packet, or queue it behind those already queued (a completion
 * always is: @completion is the slot it frees once written).  Returns 0,
 * VMB_DP_QUEUED, -EAGAIN (full, not queued), -EMSGSIZE (never fits this
 * ring, whatever the queue holds), -EPROTO (the guest corrupted the ring:
 * the data path failed) or -ENOMEM.
 */
static int vmb_dp_send_locked(struct vmb_channel *channel,
			      const struct kvec *vec, unsigned int nr,
			      bool queue, struct vmb_server_packet *completion)
{
	struct vmb_datapath *dp = &channel->dp;
	size_t len = 0;
	unsigned int i;
	bool signal;
	int ret = -ENOSPC;

	lockdep_assert_held(&dp->lock);
	for (i = 0; i < nr; i++)
		len += vec[i].iov_len;
	/* The write refuses what never fits; behind a queue, so does this. */
	if (list_empty(&dp->txq))
		ret = vmb_ring_write(&dp->out, vec, nr, &signal);
	else if (!vmb_ring_fits(&dp->out, len))
		ret = -EMSGSIZE;
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
	if (!queue && !completion)
		return -EAGAIN;
	return vmb_dp_enqueue(channel, vec, nr, len, completion);
}

/* Write out what waited for room, oldest first. */
static void vmb_dp_flush_txq(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	unsigned int retries = 0;
	struct vmb_txq_entry *e;
	bool signal = false, sig;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&dp->lock, flags);
	while (dp->open &&
	       (e = list_first_entry_or_null(&dp->txq, struct vmb_txq_entry,
					     node))) {
		struct kvec vec = { .iov_base = e->data, .iov_len = e->len };

		ret = vmb_ring_write(&dp->out, &vec, 1, &sig);
		if (ret == -ENOSPC) {
			if (vmb_dp_want_space(dp, e->len) &&
			    retries++ < VMB_TXQ_RETRIES)
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
		if (e->packet) {
			vmb_dp_put_slot(channel, e->packet);
		} else {
			dp->txq_sends--;
			dp->txq_bytes -= e->len;
		}
		kfree(e);
	}
	if (dp->open) {
		if (list_empty(&dp->txq)) {
			vmb_ring_want_space(&dp->out, 0);
			del_timer(&dp->recheck);
		} else {
			vmb_dp_arm_recheck(dp);
		}
	}
	if (signal)
		vmb_dp_signal(channel);
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
 * Give the guest its ring back up to @pos, and signal it if it waits for
 * that room.  Under the lock: no signal once the open ended.
 */
static void vmb_dp_consume(struct vmb_channel *channel, u32 pos)
{
	struct vmb_datapath *dp = &channel->dp;
	unsigned long flags;

	if (pos == dp->in.index)
		return;
	spin_lock_irqsave(&dp->lock, flags);
	if (dp->mapped && !dp->failed && vmb_ring_consume(&dp->in, pos))
		vmb_dp_signal(channel);
	spin_unlock_irqrestore(&dp->lock, flags);
}

/*
 * A slot's copy buffer, big enough for @len: grown by powers of two up to
 * the channel's maximum packet, and kept until the open ends.
 */
static int vmb_dp_grow(struct vmb_server_packet *packet, u32 len, u32 max)
{
	u32 size = min_t(u32, roundup_pow_of_two(max_t(u32, len,
							VMB_RX_MIN_COPY)),
			 max);

	kvfree(packet->buf);
	packet->buf = kvmalloc(size, GFP_KERNEL);
	packet->size = packet->buf ? size : 0;
	return packet->buf ? 0 : -ENOMEM;
}

/*
 * One run of the data work: take packets until the ring is empty, every
 * slot is taken, or the budget is spent.  Returns whether to run again.
 */
static bool vmb_dp_receive(struct vmb_channel *channel)
{
	const struct vmb_server_packet_callbacks *cb = channel->packet_callbacks;
	struct vmb_datapath *dp = &channel->dp;
	u32 max = channel->max_packet_size, pos;
	struct vmb_server_packet *packet;
	unsigned int n, slot, handed = 0;
	enum vmb_dp_fault fault;
	struct vmb_ring_packet pkt;
	struct vmb_tx_slot tx;
	unsigned long flags;
	bool stop;
	int ret;

	/*
	 * The rings stay mapped for this run once it saw rx_on: whoever
	 * clears it flushes this work before unmapping.
	 */
	spin_lock_irqsave(&dp->lock, flags);
	stop = !dp->rx_on || dp->failed;
	pos = dp->in.index;
	spin_unlock_irqrestore(&dp->lock, flags);
	if (stop)
		return false;

	for (n = 0; n < VMB_RX_BUDGET; n++) {
		spin_lock_irqsave(&dp->lock, flags);
		slot = find_first_zero_bit(dp->rx_taken, VMB_RX_SLOTS);
		/* A slot coming free or the next start kicks again. */
		stop = !dp->rx_on || dp->failed || slot == VMB_RX_SLOTS;
		spin_unlock_irqrestore(&dp->lock, flags);
		if (stop)
			break;
		packet = &dp->rx[slot];

		/* No signal while the host reads anyway. */
		vmb_ring_mask(&dp->in);
		ret = vmb_ring_peek(&dp->in, pos, max, &pkt);
		if (ret == -ENODATA) {
			/* Empty: listen again, unless it filled meanwhile. */
			vmb_dp_consume(channel, pos);
			if (!vmb_ring_unmask(&dp->in, pos))
				break;
			continue;
		}
		fault = VMB_DP_RING + pkt.fault;
		if (!ret && packet->size < pkt.len) {
			ret = vmb_dp_grow(packet, pkt.len, max);
			fault = VMB_DP_RX_NOMEM;
		}
		if (ret) {
			spin_lock_irqsave(&dp->lock, flags);
			vmb_dp_fail(channel, fault);
			spin_unlock_irqrestore(&dp->lock, flags);
			break;
		}
		/*
		 * The copy is the packet from now on: the guest may reuse
		 * its room once the read index moves.  The descriptor's
		 * fields are the ones peek checked.
		 */
		memcpy(packet->buf, pkt.start, pkt.len);
		pos = pkt.next;
		packet->channel = channel;
		packet->len = pkt.len;
		packet->offset = pkt.offset;
		packet->trans_id = pkt.trans_id;
		packet->type = pkt.type;
		packet->flags = pkt.flags;

		spin_lock_irqsave(&dp->lock, flags);
		__set_bit(slot, dp->rx_taken);
		packet->held = true;
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
					packet->buf + pkt.offset,
					pkt.len - pkt.offset);
			spin_lock_irqsave(&dp->lock, flags);
			vmb_dp_put_slot(channel, packet);
			spin_unlock_irqrestore(&dp->lock, flags);
		} else if (cb && cb->process_packet) {
			cb->process_packet(channel, packet,
					   packet->buf + pkt.offset,
					   pkt.len - pkt.offset);
			handed++;
		} else {
			/* Nobody to take it: completed empty. */
			vmb_server_packet_complete(packet, NULL, 0);
		}
	}
	vmb_dp_consume(channel, pos);
	if (handed && cb->processing_complete)
		cb->processing_complete(channel, handed);
	return n == VMB_RX_BUDGET;
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

/* Packets wait for room: look at the guest's read index again. */
static void vmb_dp_recheck(struct timer_list *t)
{
	struct vmb_datapath *dp = from_timer(dp, t, recheck);

	vmb_datapath_kick(vmb_dp_channel(dp));
}

void vmb_datapath_init(struct vmb_datapath *dp)
{
	spin_lock_init(&dp->lock);
	INIT_WORK(&dp->work, vmb_datapath_work);
	INIT_LIST_HEAD(&dp->txq);
	timer_setup(&dp->recheck, vmb_dp_recheck, 0);
}

/* The channel goes: nothing is mapped, no work runs. */
void vmb_datapath_release(struct vmb_datapath *dp)
{
	kfree(dp->rx);
	kfree(dp->tx);
}

/* The slots of the first open; later opens reuse them. */
static int vmb_dp_alloc_slots(struct vmb_datapath *dp)
{
	if (!dp->rx)
		dp->rx = kcalloc(VMB_RX_SLOTS, sizeof(*dp->rx), GFP_KERNEL);
	if (!dp->tx)
		dp->tx = kcalloc(VMB_TX_SLOTS, sizeof(*dp->tx), GFP_KERNEL);
	return dp->rx && dp->tx ? 0 : -ENOMEM;
}

static void vmb_dp_unpin(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	struct vmb_server *server = channel->server;

	if (dp->nr_pages)
		vmb_unpin(server, dp->pages, dp->nr_pages);
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
 * Return: 0; an error of vmb_pin(); -EPROTO when the guest set up an index
 * outside its ring; -ENOMEM.
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
	ret = vmb_dp_alloc_slots(dp);
	if (ret)
		return ret;
	/* The GPADL's frames do not change while the open holds it. */
	gpfns = kvmalloc_array(count, sizeof(*gpfns), GFP_KERNEL);
	dp->pages = kvcalloc(count, sizeof(*dp->pages), GFP_KERNEL);
	ret = -ENOMEM;
	if (gpfns && dp->pages) {
		vmb_gpadl_frames(ring, gpfns);
		ret = vmb_pin(server, gpfns, count, dp->pages);
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
	bitmap_zero(dp->rx_taken, VMB_RX_SLOTS);
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
 * Sends waiting for a completion get -ECONNRESET; queued packets go, and
 * so do the receive slots' copies.  Does nothing when nothing is mapped.
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

	/* Not armed again: the send window is closed. */
	del_timer_sync(&dp->recheck);
	/* A data work still queued finds nothing to do; let it end. */
	flush_work(&dp->work);
	list_for_each_entry_safe(e, tmp, &txq, node)
		kfree(e);
	for (i = 0; i < VMB_RX_SLOTS; i++) {
		kvfree(dp->rx[i].buf);
		dp->rx[i].buf = NULL;
		dp->rx[i].size = 0;
	}
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
 * completed (with no completion for the guest): its slot is free for the
 * next start.  The back-end must not complete it later.
 */
void vmb_datapath_rx_reclaim(struct vmb_channel *channel)
{
	struct vmb_datapath *dp = &channel->dp;
	unsigned int i, held = 0;
	unsigned long flags;

	if (!dp->rx)		/* never open */
		return;
	spin_lock_irqsave(&dp->lock, flags);
	for (i = 0; i < VMB_RX_SLOTS; i++) {
		if (dp->rx[i].held) {
			vmb_dp_put_slot(channel, &dp->rx[i]);
			held++;
		}
	}
	spin_unlock_irqrestore(&dp->lock, flags);
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
 * than the guest's ring can ever take (whether or not packets are queued);
 * -ENOTCONN outside the open window or once
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
				 flags & VMB_SERVER_SEND_QUEUE, NULL);
	if (ret == VMB_DP_QUEUED)
		ret = 0;
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
 * @data: the completion's payload, or %NULL; it may point into the
 *	packet's own payload
 * @len: its length
 *
 * When the guest asked for a completion, it gets one, with @data.  A
 * completion never fails for want of room: it waits in the channel's
 * queue, and the packet's receive slot stays taken until it is in the
 * guest's ring (a guest that does not read its ring stops getting packets
 * taken once every slot is).
 *
 * Context: any; never sleeps.  @packet and its payload are invalid
 * afterwards.
 * Return: 0; -EMSGSIZE when @len does not fit a packet of the guest's ring
 * (the packet is not given back: complete it with less); -EINVAL for a
 * packet not held; -ENOTCONN when the open ended meanwhile, or another
 * error of vmb_server_packet_send(): the packet is given back, without a
 * completion.
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

	if (!packet)
		return -EINVAL;
	if (vec[1].iov_len > VMB_MAX_PAYLOAD)
		return -EMSGSIZE;
	channel = packet->channel;
	dp = &channel->dp;
	desc.len8 = cpu_to_le16((sizeof(desc) + ALIGN(vec[1].iov_len, 8)) / 8);
	desc.trans_id = cpu_to_le64(packet->trans_id);

	spin_lock_irqsave(&dp->lock, flags);
	if (WARN_ON_ONCE(!packet->held)) {
		ret = -EINVAL;
		goto out;
	}
	if (packet->flags & VMB_PACKET_FLAG_COMPLETION_REQUESTED) {
		ret = dp->open ? vmb_dp_send_locked(channel, vec, 2, true,
						    packet) : -ENOTCONN;
		if (ret == -EMSGSIZE)
			goto out;
		if (ret == VMB_DP_QUEUED) {
			/* The slot comes free once it is written. */
			packet->held = false;
			ret = 0;
			goto out;
		}
	}
	vmb_dp_put_slot(channel, packet);
out:
	spin_unlock_irqrestore(&dp->lock, flags);
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

	if (!packet)
		return;
	dp = &packet->channel->dp;
	spin_lock_irqsave(&dp->lock, flags);
	if (!WARN_ON_ONCE(!packet->held)) {
		vmb_dp_fail(packet->channel, VMB_DP_BACKEND_FAIL);
		vmb_dp_put_slot(packet->channel, packet);
	}
	spin_unlock_irqrestore(&dp->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_packet_fail, VMBUS_SERVER);
