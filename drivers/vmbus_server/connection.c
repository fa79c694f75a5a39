// SPDX-License-Identifier: GPL-2.0
/*
 * The bottom layer of a server: the queue of host-to-guest messages and
 * the one sender that hands them to the transport, the protocol versions,
 * and the counters of rejected guest messages.
 *
 * Every message goes through the queue, so that order is kept however many
 * contexts post: a message is queued under the server's lock, and whoever
 * finds no sender active becomes the sender and hands messages to the
 * transport, oldest first, with the lock dropped around each call.  A
 * message leaves the queue only when the transport took it, or when the
 * connection it was meant for ended.
 */

#include <linux/module.h>
#include <linux/slab.h>

#include "connection.h"
#include "trace.h"

struct vmb_outmsg {
	struct list_head node;
	size_t len;
	/* Not NULL: called with @then_arg once the transport took it. */
	vmb_taken_fn then;
	u32 then_arg;
	u8 data[VMB_MSG_MAX_SIZE];
};

static u32 vmb_msgtype(const void *msg)
{
	return le32_to_cpu(((const struct vmb_msg_header *)msg)->msgtype);
}

static struct vmb_outmsg *vmb_queue(struct vmb_server *server,
				    const void *msg, size_t len, bool first)
{
	struct vmb_outmsg *m;

	lockdep_assert_held(&server->lock);
	if (WARN_ON_ONCE(len < sizeof(struct vmb_msg_header) ||
			 len > VMB_MSG_MAX_SIZE) || server->dead)
		return NULL;
	m = kmalloc(sizeof(*m), GFP_KERNEL | __GFP_NOFAIL);
	m->len = len;
	m->then = NULL;
	memcpy(m->data, msg, len);
	if (first)
		list_add(&m->node, &server->outq);
	else
		list_add_tail(&m->node, &server->outq);
	server->outq_len++;
	return m;
}

/**
 * vmb_post() - queue a message for the guest
 * @server: the server
 * @msg: the message, header included
 * @len: its length, 8 to 240
 *
 * The message is sent by the next vmb_tx(), after every message queued
 * before it.  Nothing is queued once the server is being destroyed.
 *
 * The allocation cannot fail: the message is one the protocol requires,
 * it is small, and the queue's length is bounded (VMB_OUTQ_WATERMARK).
 */
void vmb_post(struct vmb_server *server, const void *msg, size_t len)
{
	vmb_queue(server, msg, len, false);
}

/**
 * vmb_post_then() - queue a message, and act once the guest has it
 * @server: the server
 * @msg: the message, header included
 * @len: its length, 8 to 240
 * @then: called by the sender once the transport took the message, with
 *	no lock of the server held; not called if it never is
 * @arg: passed to @then
 */
void vmb_post_then(struct vmb_server *server, const void *msg, size_t len,
		   vmb_taken_fn then, u32 arg)
{
	struct vmb_outmsg *m = vmb_queue(server, msg, len, false);

	if (m) {
		m->then = then;
		m->then_arg = arg;
	}
}

/**
 * vmb_pin() - pin guest frames through the transport, within the bound
 * @server: the server
 * @gpfns: the frames (4 KiB guest frame numbers), for writing
 * @count: how many
 * @pages: where their pages go
 *
 * Counted against %VMB_SERVER_MAX_PINNED_FRAMES until vmb_unpin().
 *
 * Context: process context, no lock held; may sleep.
 * Return: 0; -EOPNOTSUPP when the transport cannot pin; -ENOSPC past the
 * bound; the transport's errno.
 */
int vmb_pin(struct vmb_server *server, const u64 *gpfns, unsigned int count,
	    struct page **pages)
{
	int ret = 0;

	if (!server->ops->pin_guest_pages || !server->ops->unpin_guest_pages)
		return -EOPNOTSUPP;
	mutex_lock(&server->lock);
	if (count > VMB_SERVER_MAX_PINNED_FRAMES - server->pinned_frames)
		ret = -ENOSPC;
	else
		server->pinned_frames += count;
	mutex_unlock(&server->lock);
	if (ret)
		return ret;
	ret = server->ops->pin_guest_pages(server, gpfns, count, true, pages);
	if (ret) {
		mutex_lock(&server->lock);
		server->pinned_frames -= count;
		mutex_unlock(&server->lock);
	}
	return ret;
}

/**
 * vmb_unpin() - release what vmb_pin() pinned
 * @server: the server
 * @pages: the pages
 * @count: how many
 */
void vmb_unpin(struct vmb_server *server, struct page **pages,
	       unsigned int count)
{
	server->ops->unpin_guest_pages(server, pages, count);
	mutex_lock(&server->lock);
	server->pinned_frames -= count;
	mutex_unlock(&server->lock);
}

/**
 * vmb_outq_drop() - forget what was queued for a connection that ended
 * @server: the server
 *
 * A message the sender is handing to the transport right now is not in the
 * queue; the sender drops it if the transport does not take it.
 */
void vmb_outq_drop(struct vmb_server *server)
{
	struct vmb_outmsg *m, *tmp;

	lockdep_assert_held(&server->lock);
	list_for_each_entry_safe(m, tmp, &server->outq, node) {
		list_del(&m->node);
		kfree(m);
	}
	server->outq_len = 0;
	server->tx_busy = false;
}

/*
 * Hand one message to the transport with the lock dropped.  Returns 0 when
 * it was taken, else the transport's errno with the message back at the
 * head of the queue, unless its connection ended meanwhile.
 */
static int vmb_tx_one(struct vmb_server *server, struct vmb_outmsg *m)
{
	u32 epoch = server->conn_epoch, ready = server->tx_ready_seq;
	u32 vp = server->target_vcpu;
	u8 sint = server->msg_sint;
	int ret;

	list_del(&m->node);
	mutex_unlock(&server->lock);
	ret = server->ops->post_message(server, vp, sint, m->data, m->len);
	trace_vmb_server_msg_out(server->id, vmb_msgtype(m->data), m->len,
				 ret);
	if (!ret && m->then)
		m->then(server, m->then_arg);
	mutex_lock(&server->lock);
	if (!ret || epoch != server->conn_epoch || server->dead) {
		/* vmb_outq_drop() did not count it: it was not in the queue. */
		if (epoch == server->conn_epoch)
			server->outq_len--;
		kfree(m);
		return 0;
	}
	list_add(&m->node, &server->outq);
	if (ret == -EAGAIN) {
		/*
		 * The slot is busy until vmb_server_transport_ready(); if
		 * that came while the lock was dropped, try again at once.
		 */
		server->tx_busy = ready == server->tx_ready_seq;
		return server->tx_busy ? -EAGAIN : 0;
	}
	server->tx_errors++;
	vmb_warn(server, "transport refused message type %u: %d; it stays queued\n",
		 vmb_msgtype(m->data), ret);
	return ret;
}

/**
 * vmb_tx() - send what is queued, in order
 * @server: the server
 *
 * Returns when the queue is empty, the slot is busy (the rest goes out
 * after vmb_server_transport_ready()), or the transport failed: the
 * message it refused stays at the head of the queue and is tried again on
 * the next call.  A context that finds another one sending leaves the work
 * to it.
 *
 * Context: process context, without the server's lock; may sleep.
 * Return: 0, or the transport's errno other than -EAGAIN.
 */
int vmb_tx(struct vmb_server *server)
{
	struct vmb_outmsg *m;
	int ret = 0;

	might_sleep();
	lockdep_assert_not_held(&server->lock);
	mutex_lock(&server->lock);
	if (server->tx_active || server->dead) {
		mutex_unlock(&server->lock);
		return 0;
	}
	server->tx_active = true;
	server->tx_users++;
	/* Nothing of a new connection goes out before the answer to it. */
	while (!server->tx_busy && !server->dead && !server->reset_reply_len) {
		m = list_first_entry_or_null(&server->outq, struct vmb_outmsg,
					     node);
		if (!m)
			break;
		ret = vmb_tx_one(server, m);
		if (ret == -EAGAIN)
			ret = 0;
		else if (ret)
			break;
	}
	server->tx_active = false;
	if (!--server->tx_users)
		wake_up_all(&server->tx_wq);
	mutex_unlock(&server->lock);
	return ret;
}

/**
 * vmb_reset_reply() - answer a reset once the old connection is quiet
 * @server: the server
 * @msg: VERSION_RESPONSE or UNLOAD_RESPONSE
 * @len: its length
 *
 * The answer goes out once every callback of the old connection has
 * returned: Linux reuses ring memory as soon as it has it.  Until then
 * nothing is sent, and the answer goes out before what was queued
 * meanwhile.  A later reset replaces an answer still waiting.
 */
void vmb_reset_reply(struct vmb_server *server, const void *msg,
		     size_t len)
{
	lockdep_assert_held(&server->lock);
	if (!server->quiesce_pending) {
		vmb_post(server, msg, len);
		return;
	}
	memcpy(server->reset_reply, msg, len);
	server->reset_reply_len = len;
}

/**
 * vmb_quiesce_done() - a channel's work passed its end after a reset
 * @server: the server
 */
void vmb_quiesce_done(struct vmb_server *server)
{
	lockdep_assert_held(&server->lock);
	if (WARN_ON_ONCE(!server->quiesce_pending) || --server->quiesce_pending)
		return;
	/*
	 * First: what the new connection's messages made the server queue
	 * meanwhile (offers, when the guest did not wait) follows it.
	 */
	if (server->reset_reply_len)
		vmb_queue(server, server->reset_reply, server->reset_reply_len,
			  true);
	server->reset_reply_len = 0;
	wake_up_all(&server->quiesce_wq);
}

/* The protocol versions whose messages the server knows. */
static const u32 vmb_versions[] = {
	VMB_VERSION_WS2008,
	VMB_VERSION_WIN7,
	VMB_VERSION_WIN8,
	VMB_VERSION_WIN8_1,
	VMB_VERSION_WIN10,
	VMB_VERSION_WIN10_V4_1,
	VMB_VERSION_WIN10_V5,
	VMB_VERSION_WIN10_V5_1,
	VMB_VERSION_WIN10_V5_2,
	VMB_VERSION_WIN10_V5_3,
};

bool vmb_version_supported(u32 version)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmb_versions); i++)
		if (vmb_versions[i] == version)
			return true;
	return false;
}

static const char * const vmb_reject_names[VMB_REJECT_REASON_COUNT] = {
	[VMB_REJECT_SHORT]		= "short",
	[VMB_REJECT_LONG]		= "overlong",
	[VMB_REJECT_UNKNOWN_TYPE]	= "unknown type",
	[VMB_REJECT_HOST_ONLY]		= "host-only type",
	[VMB_REJECT_UNSUPPORTED]	= "unsupported type",
	[VMB_REJECT_STATE]		= "wrong connection state",
	[VMB_REJECT_CONNECTION_ID]	= "wrong connection id",
	[VMB_REJECT_VERSION]		= "unsupported version",
	[VMB_REJECT_CONTACT_PARAMS]	= "bad contact parameters",
	[VMB_REJECT_RELID]		= "bad relid",
	[VMB_REJECT_GPADL]		= "bad GPADL",
	[VMB_REJECT_CHANNEL_STATE]	= "wrong channel state",
	[VMB_REJECT_OPEN_PARAMS]	= "bad open parameters",
};

const char *vmb_reject_name(enum vmb_reject_reason reason)
{
	return vmb_reject_names[reason];
}

/**
 * vmb_reject() - count and log a guest message the server refuses
 * @server: the server
 * @reason: why
 * @msgtype: the message's type as the guest sent it
 * @err: the errno to return
 *
 * Return: @err.
 */
int vmb_reject(struct vmb_server *server, enum vmb_reject_reason reason,
	       u32 msgtype, int err)
{
	lockdep_assert_held(&server->lock);
	server->rejected[reason]++;
	vmb_info(server, "guest message type %u rejected: %s\n", msgtype,
		 vmb_reject_names[reason]);
	return err;
}
