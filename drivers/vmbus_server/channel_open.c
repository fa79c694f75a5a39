// SPDX-License-Identifier: GPL-2.0
/*
 * The KMCL server channel states behind the offer: the guest opens and
 * closes (OPENCHANNEL, CLOSECHANNEL), the host starts and pauses, and the
 * device back-end hears about each step through its callbacks.
 *
 * The two axes are independent.  A channel that is open and running is
 * active: it got opened, started and post_started, in that order.  Leaving
 * the active state always runs suspend first; a close then runs closed.
 *
 * Callbacks run with the server's lock held, so that no guest message and
 * no enable/disable interleaves with them: they may sleep but must not call
 * the vmb_server_* functions that take that lock.
 */

#include <linux/module.h>

#include "channel.h"
#include "gpadl.h"
#include "server.h"

static void vmb_channel_activate(struct vmb_channel *channel)
{
	const struct vmb_server_channel_callbacks *cb = channel->callbacks;

	if (cb && cb->started)
		cb->started(channel);
	if (cb && cb->post_started)
		cb->post_started(channel);
}

static void vmb_channel_suspend(struct vmb_channel *channel)
{
	const struct vmb_server_channel_callbacks *cb = channel->callbacks;

	if (cb && cb->suspend)
		cb->suspend(channel);
}

/**
 * vmb_channel_close() - close an open channel on the host's side
 * @server: the server
 * @channel: the channel; nothing happens unless it is open
 *
 * Used for CLOSECHANNEL and whenever the guest's view of the channel goes
 * away (disable, UNLOAD, a new INITIATE_CONTACT, destroy).
 *
 * Return: the ring GPADL the channel used, for the caller to release with
 * vmb_gpadl_release() (or to free with all the others), or %NULL.
 */
struct vmb_gpadl *vmb_channel_close(struct vmb_server *server,
				    struct vmb_channel *channel)
{
	const struct vmb_server_channel_callbacks *cb = channel->callbacks;
	struct vmb_gpadl *ring = channel->ring_gpadl;

	lockdep_assert_held(&server->lock);
	if (!vmb_channel_is_open(channel))
		return NULL;
	if (channel->running)
		vmb_channel_suspend(channel);
	if (cb && cb->closed)
		cb->closed(channel);
	channel->ring_gpadl = NULL;
	return ring;
}

static void vmb_channel_send_open_result(struct vmb_server *server,
					 u32 child_relid, u32 open_id,
					 u32 status)
{
	struct vmb_msg_open_result msg = {
		.header.msgtype = cpu_to_le32(VMB_MSG_OPENCHANNEL_RESULT),
		.child_relid = cpu_to_le32(child_relid),
		.open_id = cpu_to_le32(open_id),
		.status = cpu_to_le32(status),
	};

	vmb_server_post(server, &msg, sizeof(msg));
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
 * vmb_channel_open_msg() - OPENCHANNEL
 * @server: the server
 * @msg: the message
 * @len: its length
 *
 * Every open the guest asks for gets an OPENCHANNEL_RESULT: success, or a
 * failure when the request is invalid or the device refuses it.
 *
 * Return: 0 when opened or refused by the device; a negative errno for an
 * invalid request.
 */
int vmb_channel_open_msg(struct vmb_server *server, const void *msg,
			 size_t len)
{
	const struct vmb_msg_open_channel *open = msg;
	u32 relid = le32_to_cpu(open->child_relid);
	u32 open_id = le32_to_cpu(open->open_id);
	u32 offset = le32_to_cpu(open->downstream_ring_page_offset);
	u32 target_vp = le32_to_cpu(open->target_vp);
	const struct vmb_server_channel_callbacks *cb;
	enum vmb_reject_reason reason;
	struct vmb_channel *channel;
	struct vmb_gpadl *gpadl = NULL;
	int ret = -EINVAL;

	lockdep_assert_held(&server->lock);
	channel = vmb_server_channel_by_relid(server, relid);
	if (!channel || !channel->offered) {
		reason = VMB_REJECT_RELID;
		ret = -ENOENT;
		goto refuse;
	}
	if (vmb_channel_is_open(channel)) {
		reason = VMB_REJECT_CHANNEL_STATE;
		ret = -EBUSY;
		goto refuse;
	}
	gpadl = vmb_gpadl_find(server, le32_to_cpu(open->ring_gpadl), relid);
	if (!gpadl || gpadl->in_use) {
		reason = VMB_REJECT_GPADL;
		goto refuse;
	}
	if (!vmb_ring_split_valid(gpadl, offset) ||
	    target_vp > VMB_MAX_VP_INDEX) {
		reason = VMB_REJECT_OPEN_PARAMS;
		goto refuse;
	}

	/* The device may refuse: the guest then sees a failed open. */
	cb = channel->callbacks;
	if (cb && cb->opened && cb->opened(channel)) {
		vmb_channel_send_open_result(server, relid, open_id,
					     VMB_STATUS_UNSUCCESSFUL);
		return 0;
	}
	gpadl->in_use = true;
	channel->ring_gpadl = gpadl;
	channel->open_id = open_id;
	channel->target_vp = target_vp;
	channel->downstream_ring_page_offset = offset;
	vmb_channel_send_open_result(server, relid, open_id, 0);
	if (channel->running)
		vmb_channel_activate(channel);
	return 0;

refuse:
	vmb_channel_send_open_result(server, relid, open_id,
				     VMB_STATUS_UNSUCCESSFUL);
	return vmb_server_reject(server, reason, VMB_MSG_OPENCHANNEL, ret);
}

/**
 * vmb_channel_close_msg() - CLOSECHANNEL
 * @server: the server
 * @msg: the message
 * @len: its length
 *
 * A close for a relid the guest has not released after a rescind is
 * accepted and does nothing: the host already closed that channel.
 *
 * Return: 0 or a negative errno.
 */
int vmb_channel_close_msg(struct vmb_server *server, const void *msg,
			  size_t len)
{
	const struct vmb_msg_relid *close = msg;
	u32 relid = le32_to_cpu(close->child_relid);
	struct vmb_channel *channel;

	lockdep_assert_held(&server->lock);
	if (xa_load(&server->relids, relid) == VMB_RELID_RELEASE_PENDING)
		return 0;
	channel = vmb_server_channel_by_relid(server, relid);
	if (!channel)
		return vmb_server_reject(server, VMB_REJECT_RELID,
					 VMB_MSG_CLOSECHANNEL, -ENOENT);
	if (!vmb_channel_is_open(channel))
		return vmb_server_reject(server, VMB_REJECT_CHANNEL_STATE,
					 VMB_MSG_CLOSECHANNEL, -EINVAL);
	vmb_gpadl_release(server, vmb_channel_close(server, channel));
	return 0;
}

/**
 * vmb_channel_modify_msg() - MODIFYCHANNEL: retarget an open channel
 * @server: the server
 * @msg: the message
 * @len: its length
 *
 * From 5.3 on the guest waits for MODIFYCHANNEL_RESPONSE, also when the
 * request is refused.
 *
 * Return: 0 or a negative errno.
 */
int vmb_channel_modify_msg(struct vmb_server *server, const void *msg,
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
	channel = vmb_server_channel_by_relid(server,
					      le32_to_cpu(mod->child_relid));
	if (!channel || !vmb_channel_is_open(channel))
		ret = vmb_server_reject(server, VMB_REJECT_CHANNEL_STATE,
					VMB_MSG_MODIFYCHANNEL, -ENOENT);
	else if (target_vp > VMB_MAX_VP_INDEX)
		ret = vmb_server_reject(server, VMB_REJECT_OPEN_PARAMS,
					VMB_MSG_MODIFYCHANNEL, -EINVAL);
	else
		channel->target_vp = target_vp;

	if (server->version >= VMB_VERSION_WIN10_V5_3) {
		resp.status = cpu_to_le32(ret ? VMB_STATUS_UNSUCCESSFUL : 0);
		vmb_server_post(server, &resp, sizeof(resp));
	}
	return ret;
}

/*
 * Move a channel along the host's axis.  An open channel hears about it:
 * started and post_started when it starts, suspend when it pauses.
 */
static int vmb_channel_set_running(struct vmb_channel *channel, bool running)
{
	struct vmb_server *server;
	int ret = 0;

	if (!channel || !channel->server)
		return -EINVAL;
	server = channel->server;
	mutex_lock(&server->lock);
	if (channel->state != VMB_CHANNEL_ENABLED) {
		ret = -EINVAL;
	} else if (channel->running != running) {
		channel->running = running;
		if (vmb_channel_is_open(channel) && running)
			vmb_channel_activate(channel);
		else if (vmb_channel_is_open(channel))
			vmb_channel_suspend(channel);
	}
	mutex_unlock(&server->lock);
	return ret;
}

/**
 * vmb_server_channel_start() - let an enabled channel run (KMCL: start)
 * @channel: an enabled channel
 *
 * When the guest has the channel open, the started and post_started
 * callbacks run now; otherwise they run when the guest opens it.  Starting
 * a running channel does nothing.  Must not be called from a callback.
 *
 * Context: process context; may sleep.
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
 * When the guest has the channel open, the suspend callback runs now.  The
 * channel stays offered and open; vmb_server_channel_start() resumes it.
 * Pausing a channel that is not running does nothing.  Must not be called
 * from a callback.
 *
 * Context: process context; may sleep.
 * Return: 0; -EINVAL for a %NULL channel or one that is not enabled.
 */
int vmb_server_channel_pause(struct vmb_channel *channel)
{
	return vmb_channel_set_running(channel, false);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_pause, VMBUS_SERVER);
