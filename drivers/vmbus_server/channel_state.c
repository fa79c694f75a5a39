// SPDX-License-Identifier: GPL-2.0
/*
 * The KMCL server channel state machine.  The host enables and disables a
 * channel (offer, rescind) and starts and pauses it; the guest opens and
 * closes it (OPENCHANNEL, CLOSECHANNEL).  A channel that is open and
 * running is active: it got opened, started and post_started, in that
 * order.  Leaving the active state always runs suspend first; a close then
 * runs closed.
 *
 * Those calls and messages only record what is wanted, under the server's
 * lock, and kick the channel's work item; the work item alone runs the
 * callbacks, with no lock held, and moves what the back-end was told
 * towards what is wanted one step at a time.  A workqueue never runs one
 * work item twice at once, so one channel's callbacks are serialized and
 * different channels' callbacks never wait for each other.  Whatever a
 * callback does, it holds up only its own channel.
 */

#include <linux/module.h>
#include <linux/workqueue.h>

#include "channel.h"
#include "connection.h"
#include "gpadl.h"

/* Steps one run of a channel's work takes before it yields (fairness). */
#define VMB_CHANNEL_WORK_STEPS		16

/**
 * vmb_channel_settle() - wait until a channel's work has caught up
 * @channel: the channel, bound to a server
 *
 * Returns once the work has run to its end after this call: every
 * callback that what was recorded before asks for has returned.  Not a
 * flush_work(): a callback may settle another channel, and lockdep would
 * take two channels' works for one lock.  Two channels' callbacks settling
 * each other wait for each other (disable documents it).
 */
void vmb_channel_settle(struct vmb_channel *channel)
{
	struct vmb_server *server = channel->server;
	u32 want;

	lockdep_assert_not_held(&server->lock);
	mutex_lock(&server->lock);
	want = ++channel->quiet_req;
	vmb_channel_kick(channel);
	mutex_unlock(&server->lock);
	wait_event(server->quiesce_wq,
		   (s32)(READ_ONCE(channel->quiet_done) - want) >= 0);
}

/**
 * vmb_channel_send_offer() - offer a channel, if this connection should see it
 * @server: the server
 * @channel: the channel
 *
 * Only once the guest asked for offers, and only for an enabled channel
 * whose relid the guest holds for nothing else and did not give back.
 */
void vmb_channel_send_offer(struct vmb_server *server,
			    struct vmb_channel *channel)
{
	struct vmb_msg_offer_channel offer;

	lockdep_assert_held(&server->lock);
	if (server->conn_state != VMB_CONN_OFFERS_REQUESTED ||
	    channel->state != VMB_CHANNEL_ENABLED || channel->offered ||
	    channel->released || channel->release_pending)
		return;
	vmb_offer_build(channel, channel->child_relid, server->version, &offer);
	vmb_post(server, &offer, sizeof(offer));
	channel->offered = true;
}

/*
 * The one OPENCHANNEL_RESULT builder.  A success is followed by a signal
 * of its channel once the transport took it, if the open still stands,
 * since packets the host wrote before the guest took the answer would
 * otherwise wait (Linux storvsc ignores a signal that comes before,
 * VMBUS.md section 9).
 */
static void vmb_post_open_result(struct vmb_server *server, u32 relid,
				 u32 open_id, u32 status)
{
	struct vmb_msg_open_result msg = {
		.header.msgtype = cpu_to_le32(VMB_MSG_OPENCHANNEL_RESULT),
		.child_relid = cpu_to_le32(relid),
		.open_id = cpu_to_le32(open_id),
		.status = cpu_to_le32(status),
	};

	if (!status)
		vmb_post_then(server, &msg, sizeof(msg),
			      vmb_datapath_signal_relid, relid);
	else
		vmb_post(server, &msg, sizeof(msg));
}

static void vmb_channel_open_result(struct vmb_server *server,
				    struct vmb_channel *channel, u32 epoch,
				    u32 open_id, u32 status)
{
	/* Replies belong to the connection that asked. */
	if (epoch == server->conn_epoch)
		vmb_post_open_result(server, channel->child_relid, open_id,
				     status);
}

/**
 * vmb_channel_shut() - the guest's open of a channel ends, host side
 * @server: the server
 * @channel: the channel
 *
 * For a close, disable, reset or destroy.  An open request the work has not
 * taken yet is answered with a failure here (if its connection still
 * exists); everything else is the work's to undo.
 */
static void vmb_channel_shut(struct vmb_server *server,
			     struct vmb_channel *channel)
{
	struct vmb_gpadl *ring = channel->open_ring;

	lockdep_assert_held(&server->lock);
	if (channel->guest_open == VMB_GUEST_CLOSED)
		return;
	if (ring) {
		channel->open_ring = NULL;
		vmb_gpadl_release(server, ring);
		vmb_channel_open_result(server, channel, channel->open_epoch,
					channel->open_id,
					VMB_STATUS_UNSUCCESSFUL);
	}
	channel->guest_open = VMB_GUEST_CLOSED;
	channel->open_seq++;
	vmb_datapath_set_open(channel, false);
	vmb_channel_kick(channel);
}

/* No callbacks from now on but the closing ones; the guest's open ends. */
static void vmb_channel_stop(struct vmb_server *server,
			     struct vmb_channel *channel)
{
	WRITE_ONCE(channel->state, VMB_CHANNEL_DISABLED);
	channel->running = false;
	vmb_channel_shut(server, channel);
}

static void vmb_channel_drop_relid(struct vmb_server *server,
				   struct vmb_channel *channel)
{
	xa_erase(&server->relids, channel->child_relid);
	WRITE_ONCE(channel->child_relid, 0);
	/* A release the guest gave unprompted was for that relid. */
	channel->released = false;
}

/**
 * vmb_channel_unlist() - a channel gives its relid back
 * @server: the server
 * @channel: a listed channel, disabled or never offered
 *
 * Drops the server's reference: the channel may be freed here, which never
 * frees the server (whoever holds its lock holds a reference too).
 */
void vmb_channel_unlist(struct vmb_server *server,
			struct vmb_channel *channel)
{
	lockdep_assert_held(&server->lock);
	vmb_channel_drop_relid(server, channel);
	vmb_channel_unlink(server, channel);
	vmb_channel_put(channel);
}

/**
 * vmb_channel_release_done() - the relid of a rescinded offer is free again
 * @server: the server
 * @channel: a listed channel whose relid the guest released
 *
 * A disabled channel gives the relid back (and may be freed here, see
 * vmb_channel_unlist()); one enabled again meanwhile keeps it and is
 * offered on it now.
 */
void vmb_channel_release_done(struct vmb_server *server,
			      struct vmb_channel *channel)
{
	lockdep_assert_held(&server->lock);
	channel->release_pending = false;
	channel->released = false;
	if (channel->state == VMB_CHANNEL_DISABLED)
		vmb_channel_unlist(server, channel);
	else
		vmb_channel_send_offer(server, channel);
}

/**
 * vmb_channel_retire() - disable a channel whose server is being destroyed
 * @server: the server
 * @channel: a listed channel
 *
 * Like a disable, but the guest, which is going away, is told nothing and
 * the relid goes at once.  The server's reference stays with the caller,
 * who settles the channel and then drops it.
 */
void vmb_channel_retire(struct vmb_server *server, struct vmb_channel *channel)
{
	lockdep_assert_held(&server->lock);
	vmb_channel_stop(server, channel);
	channel->offered = false;
	channel->release_pending = false;
	channel->rescind_due = false;
	vmb_channel_drop_relid(server, channel);
}

/**
 * vmb_channel_reset() - the guest's connection ended (UNLOAD, reboot)
 * @server: the server
 * @channel: a listed channel
 *
 * The guest holds nothing any more: no open, no relid.  An enabled channel
 * is offered again to the next connection; a disabled one waiting for its
 * release gives its relid back.  The relids the guest held are noted in
 * @server->ended_relids.  The channel's work is kicked, and the reset waits
 * for it to pass its end once, also for a disabled channel: its suspend or
 * closed callback may still be using the old connection's ring.
 */
void vmb_channel_reset(struct vmb_server *server, struct vmb_channel *channel)
{
	lockdep_assert_held(&server->lock);
	if (channel->offered || channel->release_pending)
		__set_bit(channel->child_relid, server->ended_relids);
	channel->offered = false;
	channel->released = false;
	channel->rescind_due = false;
	vmb_channel_shut(server, channel);
	if (!channel->quiesce) {
		channel->quiesce = true;
		server->quiesce_pending++;
	}
	/* The run holds a reference: unlisting cannot free the channel. */
	vmb_channel_kick(channel);
	if (channel->release_pending) {
		channel->release_pending = false;
		if (channel->state == VMB_CHANNEL_DISABLED)
			vmb_channel_unlist(server, channel);
	}
}

/**
 * vmb_channel_guest_release() - RELID_RELEASED for an offered channel
 * @server: the server
 * @channel: the channel; vmb_channel_by_relid() found it
 *
 * Linux releases a relid unprompted when it fails to set up the offer, and
 * then ignores a rescind for it: the channel is not offered to this
 * connection again, and a disable needs no rescind.
 */
void vmb_channel_guest_release(struct vmb_server *server,
			       struct vmb_channel *channel)
{
	lockdep_assert_held(&server->lock);
	channel->offered = false;
	channel->released = true;
	vmb_channel_shut(server, channel);
}

/*
 * The steps of a channel's work.  Each runs one kind of callback with no
 * lock held; vmb_channel_next() chooses it under the lock.
 */
enum vmb_step {
	VMB_STEP_NONE,
	VMB_STEP_SUSPEND,
	VMB_STEP_CLOSE,
	VMB_STEP_OPEN,
	VMB_STEP_START,
};

/* What the open being served needs, taken from the request. */
struct vmb_open_req {
	struct vmb_gpadl *ring;
	u32 seq;
	u32 epoch;
	u32 open_id;
	u32 downstream_offset;
	u32 target_vp;
};

static enum vmb_step vmb_channel_next(struct vmb_server *server,
				      struct vmb_channel *channel,
				      struct vmb_open_req *req)
{
	struct vmb_msg_relid rescind = {
		.header.msgtype = cpu_to_le32(VMB_MSG_RESCIND_CHANNELOFFER),
	};
	bool current_open, want_active;

	lockdep_assert_held(&server->lock);
	current_open = channel->cb_open && channel->cb_seq == channel->open_seq &&
		       channel->guest_open == VMB_GUEST_OPEN &&
		       !READ_ONCE(channel->dp.failed);
	want_active = current_open && channel->running;

	if (channel->cb_active && !want_active)
		return VMB_STEP_SUSPEND;
	if (channel->cb_open && !current_open)
		return VMB_STEP_CLOSE;
	if (channel->open_ring) {
		req->ring = channel->open_ring;
		req->seq = channel->open_seq;
		req->epoch = channel->open_epoch;
		req->open_id = channel->open_id;
		req->downstream_offset = channel->downstream_ring_page_offset;
		req->target_vp = channel->target_vp;
		channel->open_ring = NULL;
		return VMB_STEP_OPEN;
	}
	if (want_active && !channel->cb_active)
		return VMB_STEP_START;

	/*
	 * Quiet: the back-end holds nothing of the guest's.  Only now may the
	 * guest learn of a rescind: Linux frees the ring once it sees it.  A
	 * guest that released the relid meanwhile gets none (Linux ignores a
	 * rescind for a relid it released), and the relid, which the steps
	 * before may have named in an open's answer, is free from now on.
	 */
	if (channel->rescind_due) {
		channel->rescind_due = false;
		if (channel->released) {
			vmb_channel_release_done(server, channel);
		} else {
			rescind.child_relid = cpu_to_le32(channel->child_relid);
			vmb_post(server, &rescind, sizeof(rescind));
		}
	}
	if (channel->quiesce) {
		channel->quiesce = false;
		vmb_quiesce_done(server);
	}
	if (channel->quiet_done != channel->quiet_req) {
		WRITE_ONCE(channel->quiet_done, channel->quiet_req);
		wake_up_all(&server->quiesce_wq);
	}
	return VMB_STEP_NONE;
}

/*
 * Map the rings, ask the back-end, then answer, unless the open was called
 * off meanwhile.  A successful answer opens the send window and goes out
 * before the next step's started callback may send.
 */
static void vmb_channel_do_open(struct vmb_server *server,
				struct vmb_channel *channel,
				const struct vmb_open_req *req)
{
	const struct vmb_server_channel_callbacks *cb = channel->callbacks;
	bool wanted;
	int ret;

	ret = vmb_datapath_map(channel, req->ring, req->downstream_offset,
			       req->target_vp);
	if (ret) {
		vmb_warn(server, "channel %u: rings not mapped: %d\n",
			 channel->child_relid, ret);
	} else {
		vmb_mapping_open(channel);
		if (cb && cb->opened)
			ret = cb->opened(channel);
		if (ret) {
			/* What opened mapped ends with the refused open. */
			vmb_datapath_unmap(channel);
			vmb_mapping_close(channel);
		}
	}

	mutex_lock(&server->lock);
	wanted = req->seq == channel->open_seq;
	if (!ret) {
		/* A cancelled open is closed by the next step. */
		channel->cb_open = true;
		channel->cb_seq = req->seq;
		channel->cb_ring = req->ring;
		if (wanted)
			channel->guest_open = VMB_GUEST_OPEN;
	} else {
		vmb_gpadl_release(server, req->ring);
		if (wanted)
			channel->guest_open = VMB_GUEST_CLOSED;
	}
	if (wanted && !ret && req->epoch == server->conn_epoch) {
		vmb_datapath_set_open(channel, true);
		vmb_post_open_result(server, channel->child_relid,
				     req->open_id, 0);
	} else {
		vmb_channel_open_result(server, channel, req->epoch,
					req->open_id, VMB_STATUS_UNSUCCESSFUL);
	}
	mutex_unlock(&server->lock);
	vmb_tx(server);
}

static void vmb_channel_do_step(struct vmb_server *server,
				struct vmb_channel *channel,
				enum vmb_step step,
				const struct vmb_open_req *req)
{
	const struct vmb_server_channel_callbacks *cb = channel->callbacks;
	struct vmb_gpadl *ring;

	switch (step) {
	case VMB_STEP_OPEN:
		vmb_channel_do_open(server, channel, req);
		return;
	case VMB_STEP_SUSPEND:
		vmb_datapath_rx_stop(channel);
		if (cb && cb->suspend)
			cb->suspend(channel);
		vmb_datapath_rx_reclaim(channel);
		mutex_lock(&server->lock);
		channel->cb_active = false;
		mutex_unlock(&server->lock);
		return;
	case VMB_STEP_CLOSE:
		vmb_datapath_unmap(channel);
		if (cb && cb->closed)
			cb->closed(channel);
		vmb_mapping_close(channel);
		mutex_lock(&server->lock);
		ring = channel->cb_ring;
		channel->cb_ring = NULL;
		channel->cb_open = false;
		vmb_gpadl_release(server, ring);
		mutex_unlock(&server->lock);
		return;
	case VMB_STEP_START:
		if (cb && cb->started)
			cb->started(channel);
		vmb_datapath_rx_start(channel);
		if (cb && cb->post_started)
			cb->post_started(channel);
		mutex_lock(&server->lock);
		channel->cb_active = true;
		mutex_unlock(&server->lock);
		return;
	case VMB_STEP_NONE:
		return;
	}
}

static void vmb_channel_work(struct work_struct *work)
{
	struct vmb_channel *channel = container_of(work, struct vmb_channel,
						   work);
	struct vmb_server *server = channel->server;
	struct vmb_open_req req;
	enum vmb_step step;
	unsigned int i;

	for (i = 0; i < VMB_CHANNEL_WORK_STEPS; i++) {
		mutex_lock(&server->lock);
		step = vmb_channel_next(server, channel, &req);
		mutex_unlock(&server->lock);
		if (step == VMB_STEP_NONE)
			break;
		vmb_channel_do_step(server, channel, step, &req);
	}
	/* A channel the guest keeps busy lets the others run first. */
	if (i == VMB_CHANNEL_WORK_STEPS)
		vmb_channel_kick(channel);
	vmb_tx(server);
	vmb_channel_put(channel);
}

void vmb_channel_init_work(struct vmb_channel *channel)
{
	INIT_WORK(&channel->work, vmb_channel_work);
}

/*
 * Refuse an OPENCHANNEL: the guest waits for a result, so it gets a
 * failure, for the connection it is on now.
 */
static int vmb_channel_refuse_open(struct vmb_server *server, u32 relid,
				   u32 open_id, enum vmb_reject_reason reason,
				   int err)
{
	vmb_post_open_result(server, relid, open_id, VMB_STATUS_UNSUCCESSFUL);
	return vmb_reject(server, reason, VMB_MSG_OPENCHANNEL, err);
}

/*
 * Both rings need their control page and at least one data page: the
 * guest-to-host ring is pages [0, offset), the host-to-guest ring
 * [offset, page_count).
 */
static bool vmb_ring_split_valid(const struct vmb_gpadl *gpadl, u32 offset)
{
	return gpadl->page_count >= 4 && offset >= 2 &&
	       offset <= gpadl->page_count - 2;
}

/**
 * vmb_on_open_channel() - OPENCHANNEL
 * @server: the server
 * @msg: the message
 * @len: its length
 *
 * A valid request reserves its ring and goes to the channel's work, which
 * asks the back-end and answers; an invalid one is answered with a failure
 * at once.
 *
 * Return: 0 when the request was taken; a negative errno for an invalid
 * one.
 */
int vmb_on_open_channel(struct vmb_server *server, const void *msg,
			size_t len)
{
	const struct vmb_msg_open_channel *open = msg;
	u32 relid = le32_to_cpu(open->child_relid);
	u32 open_id = le32_to_cpu(open->open_id);
	u32 offset = le32_to_cpu(open->downstream_ring_page_offset);
	u32 target_vp = le32_to_cpu(open->target_vp);
	struct vmb_channel *channel;
	struct vmb_gpadl *gpadl;

	lockdep_assert_held(&server->lock);
	channel = vmb_channel_by_relid(server, relid);
	if (!channel)
		return vmb_channel_refuse_open(server, relid, open_id,
					       VMB_REJECT_RELID, -ENOENT);
	if (channel->guest_open != VMB_GUEST_CLOSED)
		return vmb_channel_refuse_open(server, relid, open_id,
					       VMB_REJECT_CHANNEL_STATE,
					       -EBUSY);
	gpadl = vmb_gpadl_find(server, le32_to_cpu(open->ring_gpadl), relid);
	if (!gpadl || gpadl->in_use || !vmb_gpadl_is_ring(gpadl))
		return vmb_channel_refuse_open(server, relid, open_id,
					       VMB_REJECT_GPADL, -EINVAL);
	if (!vmb_ring_split_valid(gpadl, offset) ||
	    target_vp > VMB_MAX_VP_INDEX)
		return vmb_channel_refuse_open(server, relid, open_id,
					       VMB_REJECT_OPEN_PARAMS,
					       -EINVAL);

	gpadl->in_use = true;
	channel->guest_open = VMB_GUEST_OPENING;
	channel->open_seq++;
	channel->open_epoch = server->conn_epoch;
	channel->open_ring = gpadl;
	channel->open_id = open_id;
	channel->target_vp = target_vp;
	channel->downstream_ring_page_offset = offset;
	vmb_channel_kick(channel);
	return 0;
}

/**
 * vmb_on_close_channel() - CLOSECHANNEL
 * @server: the server
 * @msg: the message
 * @len: its length
 *
 * A close for a relid the guest has not released after a rescind is
 * accepted and does nothing: the host already closed that channel.
 *
 * Return: 0 or a negative errno.
 */
int vmb_on_close_channel(struct vmb_server *server, const void *msg,
			 size_t len)
{
	const struct vmb_msg_relid *close = msg;
	u32 relid = le32_to_cpu(close->child_relid);
	struct vmb_channel *channel;

	lockdep_assert_held(&server->lock);
	channel = xa_load(&server->relids, relid);
	if (channel && channel->release_pending)
		return 0;
	channel = vmb_channel_by_relid(server, relid);
	if (!channel)
		return vmb_reject(server, VMB_REJECT_RELID,
				  VMB_MSG_CLOSECHANNEL, -ENOENT);
	if (channel->guest_open == VMB_GUEST_CLOSED)
		return vmb_reject(server, VMB_REJECT_CHANNEL_STATE,
				  VMB_MSG_CLOSECHANNEL, -EINVAL);
	vmb_channel_shut(server, channel);
	return 0;
}

/**
 * vmb_on_modify_channel() - MODIFYCHANNEL: retarget an open channel
 * @server: the server
 * @msg: the message
 * @len: its length
 *
 * From 5.3 on the guest waits for MODIFYCHANNEL_RESPONSE, also when the
 * request is refused.
 *
 * Return: 0 or a negative errno.
 */
int vmb_on_modify_channel(struct vmb_server *server, const void *msg,
			  size_t len)
{
	const struct vmb_msg_modify_channel *mod = msg;
	struct vmb_msg_modify_channel_response resp = {
		.header.msgtype = cpu_to_le32(VMB_MSG_MODIFYCHANNEL_RESPONSE),
		.child_relid = mod->child_relid,
	};
	u32 target_vp = le32_to_cpu(mod->target_vp);
	struct vmb_channel *channel;
	int ret = 0;

	lockdep_assert_held(&server->lock);
	channel = vmb_channel_by_relid(server, le32_to_cpu(mod->child_relid));
	if (!channel || channel->guest_open != VMB_GUEST_OPEN)
		ret = vmb_reject(server, VMB_REJECT_CHANNEL_STATE,
				 VMB_MSG_MODIFYCHANNEL, -ENOENT);
	else if (target_vp > VMB_MAX_VP_INDEX)
		ret = vmb_reject(server, VMB_REJECT_OPEN_PARAMS,
				 VMB_MSG_MODIFYCHANNEL, -EINVAL);
	else
		channel->target_vp = target_vp;
	if (!ret)
		vmb_datapath_set_target(channel, target_vp);

	if (server->version >= VMB_VERSION_WIN10_V5_3) {
		resp.status = cpu_to_le32(ret ? VMB_STATUS_UNSUCCESSFUL : 0);
		vmb_post(server, &resp, sizeof(resp));
	}
	return ret;
}

/* Another listed channel with the same instance GUID: the guest names
 * devices by it, so a second one would collide whatever its type.
 */
static bool vmb_instance_taken(struct vmb_server *server,
			       struct vmb_channel *channel)
{
	struct vmb_channel *other;

	other = vmb_channel_by_instance(server, &channel->interface_instance);
	return other && other != channel;
}

/**
 * vmb_server_channel_alloc() - allocate a server channel
 *
 * The channel starts in the init state (KMCL: disabled, never enabled) with
 * no server, no interface, no MMIO space, no flags, message pipe mode, a
 * maximum packet size of %VMB_SERVER_DEFAULT_MAX_PACKET_SIZE and no
 * callbacks.  Configure it with the vmb_server_channel_init_set_*() calls,
 * then vmb_server_channel_enable() it.
 *
 * Context: process context.
 * Return: the channel, or ERR_PTR(-ENOMEM).
 */
struct vmb_channel *vmb_server_channel_alloc(void)
{
	struct vmb_channel *channel;

	channel = vmb_channel_new();
	if (!channel)
		return ERR_PTR(-ENOMEM);
	channel->pipe_mode = VMB_SERVER_PIPE_MODE_MESSAGE;
	channel->max_packet_size = VMB_SERVER_DEFAULT_MAX_PACKET_SIZE;
	INIT_LIST_HEAD(&channel->server_node);
	INIT_HLIST_NODE(&channel->instance_node);
	INIT_LIST_HEAD(&channel->mappings);
	vmb_channel_init_work(channel);
	vmb_datapath_init(&channel->dp);
	return channel;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_alloc, VMBUS_SERVER);

/**
 * vmb_server_channel_free() - free a server channel (KMCL: cleanup)
 * @channel: the channel, or %NULL
 *
 * A channel that is still enabled is disabled first.  Afterwards the channel
 * pointer is invalid; the server keeps what it needs of the channel until
 * the guest released its relid.  Must not be called from one of the
 * channel's own callbacks (state, packet or completion): that is reported
 * with a warning and does nothing.
 *
 * Context: process context; may sleep, until the callbacks return.
 */
void vmb_server_channel_free(struct vmb_channel *channel)
{
	if (!channel || WARN_ON_ONCE(vmb_channel_in_work(channel)))
		return;
	vmb_server_channel_disable(channel);
	vmb_channel_put(channel);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_free, VMBUS_SERVER);

/**
 * vmb_server_channel_enable() - offer a channel to the guest (KMCL: enable)
 * @channel: a configured channel, not enabled
 *
 * Assigns a relid and connection id.  When the guest has already asked for
 * offers the offer goes out now (hot add); otherwise it goes out with the
 * others when the guest asks.  A channel enabled again before the guest
 * released its relid from the last disable keeps that relid and is offered
 * once the guest releases it.  Returns without waiting for the guest.
 *
 * Context: process context, also from any channel's callback; may sleep.
 * Return: 0; -EINVAL for a %NULL channel, or one without server or
 * interface type; -EBUSY when already enabled; -EEXIST when another
 * channel of the server has the same instance GUID and is enabled or
 * waiting for its relid's release; -ENODEV when the server was destroyed;
 * -ENOSPC when every relid is taken; -ENOMEM.
 */
int vmb_server_channel_enable(struct vmb_channel *channel)
{
	struct vmb_server *server;
	u32 relid;
	int ret = 0;

	if (!channel || !channel->server ||
	    guid_is_null(&channel->interface_type))
		return -EINVAL;
	server = channel->server;
	might_sleep();
	lockdep_assert_not_held(&server->lock);

	mutex_lock(&server->lock);
	if (channel->state == VMB_CHANNEL_ENABLED) {
		ret = -EBUSY;
	} else if (server->dead) {
		ret = -ENODEV;
	} else if (vmb_instance_taken(server, channel)) {
		ret = -EEXIST;
	} else if (!channel->child_relid) {
		ret = xa_alloc(&server->relids, &relid, channel,
			       XA_LIMIT(1, VMB_MAX_RELID), GFP_KERNEL);
		if (ret == -EBUSY)
			ret = -ENOSPC;
		if (!ret) {
			WRITE_ONCE(channel->child_relid, relid);
			vmb_channel_get(channel);
			vmb_channel_link(server, channel);
		}
	}
	if (!ret) {
		/* Getters see the relid once they see the state. */
		smp_store_release(&channel->state, VMB_CHANNEL_ENABLED);
		vmb_channel_send_offer(server, channel);
	}
	mutex_unlock(&server->lock);
	if (!ret)
		vmb_tx(server);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_enable, VMBUS_SERVER);

/**
 * vmb_server_channel_disable() - rescind a channel's offer (KMCL: disable)
 * @channel: the channel, or %NULL
 *
 * Returns once the host side is quiet: the channel is paused and closed
 * (its suspend and closed callbacks have returned), its ring is released,
 * and a guest that was offered the channel has its RESCIND_CHANNELOFFER
 * queued, unless it released the relid on its own meanwhile.  It does not
 * wait for the guest: the relid stays reserved until the guest answers
 * RELID_RELEASED, unloads or reconnects, or the server is destroyed, so
 * that it never names two channels in the guest.  The channel can be
 * enabled again meanwhile, with the same configuration; it is offered once
 * the old relid is released.  Does nothing for a channel that is not
 * enabled.
 *
 * Must not be called from one of @channel's own callbacks, state, packet
 * or completion (it would wait for itself): that is reported with a
 * warning and does nothing.  From another channel's callback it waits for
 * this channel's callbacks, so two channels must not disable each other
 * from their callbacks.
 *
 * Context: process context; may sleep, until the callbacks return.
 */
void vmb_server_channel_disable(struct vmb_channel *channel)
{
	struct vmb_server *server;

	if (!channel || !channel->server)
		return;
	server = channel->server;
	might_sleep();
	lockdep_assert_not_held(&server->lock);
	if (WARN_ON_ONCE(vmb_channel_in_work(channel)))
		return;

	mutex_lock(&server->lock);
	if (channel->state == VMB_CHANNEL_ENABLED) {
		vmb_channel_stop(server, channel);
		if (channel->offered) {
			channel->offered = false;
			channel->release_pending = true;
			channel->rescind_due = true;
		} else if (!channel->release_pending) {
			vmb_channel_unlist(server, channel);
		}
	}
	mutex_unlock(&server->lock);
	vmb_channel_settle(channel);
	vmb_tx(server);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_disable, VMBUS_SERVER);

/*
 * Move a channel along the host's axis.  The work tells an open channel:
 * started and post_started when it starts, suspend when it pauses.
 */
static int vmb_channel_set_running(struct vmb_channel *channel, bool running)
{
	struct vmb_server *server;
	int ret = 0;

	if (!channel || !channel->server)
		return -EINVAL;
	server = channel->server;
	might_sleep();
	lockdep_assert_not_held(&server->lock);
	mutex_lock(&server->lock);
	if (channel->state != VMB_CHANNEL_ENABLED) {
		ret = -EINVAL;
	} else if (channel->running != running) {
		channel->running = running;
		vmb_channel_kick(channel);
	}
	mutex_unlock(&server->lock);
	return ret;
}

/**
 * vmb_server_channel_start() - let an enabled channel run (KMCL: start)
 * @channel: an enabled channel
 *
 * When the guest has the channel open, the started and post_started
 * callbacks follow; otherwise they run once the guest opens it.  They run
 * in the channel's work, after this returns or while it does; from one of
 * the channel's own callbacks, after that callback.  Starting a running
 * channel does nothing.
 *
 * Context: process context, also from any callback; may sleep briefly.
 * Return: 0; -EINVAL for a %NULL channel or one that is not enabled.
 */
int vmb_server_channel_start(struct vmb_channel *channel)
{
	return vmb_channel_set_running(channel, true);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_start, VMBUS_SERVER);

/**
 * vmb_server_channel_pause() - stop a running channel (KMCL: pause)
 * @channel: an enabled channel
 *
 * When the channel is active, its suspend callback follows, in the
 * channel's work as for vmb_server_channel_start().  The channel stays
 * offered and open; vmb_server_channel_start() resumes it.  Pausing a
 * channel that is not running does nothing.
 *
 * Context: process context, also from any callback; may sleep briefly.
 * Return: 0; -EINVAL for a %NULL channel or one that is not enabled.
 */
int vmb_server_channel_pause(struct vmb_channel *channel)
{
	return vmb_channel_set_running(channel, false);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_pause, VMBUS_SERVER);
