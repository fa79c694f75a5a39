// SPDX-License-Identifier: GPL-2.0
/*
 * The server instance: its lifetime, the outgoing message queue, relids, and
 * the enable/disable half of the channel state machine.
 */

#include <linux/module.h>
#include <linux/slab.h>

#include "channel.h"
#include "gpadl.h"
#include "server.h"
#include "trace.h"

static DEFINE_IDA(vmb_server_ida);

struct vmb_outmsg {
	struct list_head node;
	size_t len;
	u8 data[];
};

/**
 * vmb_server_create() - create a VMBus host instance for one VM
 * @ops: how to reach the guest; @ops->post_message is required
 * @priv: the transport's own pointer, see vmb_server_priv()
 *
 * The server starts disconnected: it answers the guest's INITIATE_CONTACT
 * and offers the channels enabled on it once the guest asks for offers.
 *
 * Context: process context.
 * Return: the server, or ERR_PTR(-EINVAL) without @ops->post_message, or
 * ERR_PTR(-ENOMEM).
 */
struct vmb_server *vmb_server_create(const struct vmb_server_transport_ops *ops,
				     void *priv)
{
	struct vmb_server *server;
	int id;

	if (!ops || !ops->post_message)
		return ERR_PTR(-EINVAL);
	server = kzalloc(sizeof(*server), GFP_KERNEL);
	if (!server)
		return ERR_PTR(-ENOMEM);
	id = ida_alloc(&vmb_server_ida, GFP_KERNEL);
	if (id < 0) {
		kfree(server);
		return ERR_PTR(id);
	}
	server->id = id;
	server->ops = ops;
	server->priv = priv;
	kref_init(&server->ref);
	mutex_init(&server->lock);
	xa_init_flags(&server->relids, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&server->channels);
	init_waitqueue_head(&server->release_wq);
	xa_init(&server->gpadls);
	INIT_LIST_HEAD(&server->outq);
	vmb_debugfs_server_add(server);
	return server;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_create, VMBUS_SERVER);

/**
 * vmb_server_priv() - the transport's pointer given to vmb_server_create()
 * @server: the server
 *
 * Return: the pointer.
 */
void *vmb_server_priv(const struct vmb_server *server)
{
	return server->priv;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_priv, VMBUS_SERVER);

void vmb_server_get(struct vmb_server *server)
{
	kref_get(&server->ref);
}

static void vmb_server_release(struct kref *ref)
{
	struct vmb_server *server = container_of(ref, struct vmb_server, ref);

	mutex_destroy(&server->lock);
	kfree(server);
}

void vmb_server_put(struct vmb_server *server)
{
	kref_put(&server->ref, vmb_server_release);
}

static void vmb_server_flush_outq(struct vmb_server *server)
{
	struct vmb_outmsg *m, *tmp;

	lockdep_assert_held(&server->lock);
	list_for_each_entry_safe(m, tmp, &server->outq, node) {
		list_del(&m->node);
		kfree(m);
	}
	server->outq_len = 0;
}

/*
 * Take a channel off the server: closed, not running, no relid.  The
 * channel object itself belongs to its back-end.
 */
static struct vmb_gpadl *vmb_channel_detach(struct vmb_server *server,
					    struct vmb_channel *channel)
{
	struct vmb_gpadl *ring = vmb_channel_close(server, channel);

	list_del_init(&channel->server_node);
	channel->child_relid = 0;
	channel->offered = false;
	channel->running = false;
	WRITE_ONCE(channel->state, VMB_CHANNEL_DISABLED);
	return ring;
}

/**
 * vmb_server_destroy() - tear a server down
 * @server: the server, or %NULL
 *
 * Closes and disables every channel still enabled on it (their closed
 * callbacks run), without telling the guest (it is going away), forgets
 * its GPADLs, drops queued messages and wakes every disable waiting for the
 * guest.  The transport must not deliver guest messages any more.
 * Channels bound to the server stay valid: their owners still disable and
 * free them, and enabling them fails with -ENODEV.  The memory goes when
 * the last channel is freed.
 *
 * Context: process context; may sleep.
 */
void vmb_server_destroy(struct vmb_server *server)
{
	struct vmb_channel *channel, *tmp;

	if (!server)
		return;
	vmb_debugfs_server_remove(server);
	ida_free(&vmb_server_ida, server->id);
	mutex_lock(&server->lock);
	WRITE_ONCE(server->dead, true);
	list_for_each_entry_safe(channel, tmp, &server->channels, server_node)
		vmb_channel_detach(server, channel);
	vmb_gpadl_free_all(server);
	xa_destroy(&server->relids);
	vmb_server_flush_outq(server);
	server->conn_state = VMB_CONN_DISCONNECTED;
	mutex_unlock(&server->lock);
	wake_up_all(&server->release_wq);
	vmb_server_put(server);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_destroy, VMBUS_SERVER);

static u32 vmb_msgtype(const void *msg)
{
	return le32_to_cpu(((const struct vmb_msg_header *)msg)->msgtype);
}

static int vmb_server_queue(struct vmb_server *server, const void *msg,
			    size_t len)
{
	struct vmb_outmsg *m;

	if (server->outq_len >= VMB_SERVER_OUTQ_MAX)
		goto drop;
	m = kmalloc(struct_size(m, data, len), GFP_KERNEL);
	if (!m)
		goto drop;
	m->len = len;
	memcpy(m->data, msg, len);
	list_add_tail(&m->node, &server->outq);
	server->outq_len++;
	return 0;
drop:
	server->dropped++;
	pr_warn_ratelimited("vmbus_server: outgoing queue full, message type %u dropped\n",
			    vmb_msgtype(msg));
	return -ENOSPC;
}

/**
 * vmb_server_post() - send a message to the guest, in order
 * @server: the server
 * @msg: the message, header included
 * @len: its length, 8 to 240
 *
 * Messages go out in the order they are posted: while older ones wait for
 * the guest's slot, new ones queue behind them.
 *
 * Return: 0 when sent or queued; -ENOSPC when the queue is full; the
 * transport's error otherwise (the message is lost then).
 */
int vmb_server_post(struct vmb_server *server, const void *msg, size_t len)
{
	int ret;

	lockdep_assert_held(&server->lock);
	if (WARN_ON_ONCE(len < sizeof(struct vmb_msg_header) ||
			 len > VMB_MSG_MAX_SIZE))
		return -EINVAL;
	ret = server->outq_len ? -EAGAIN :
				 server->ops->post_message(server, msg, len);
	trace_vmb_server_msg_out(server->id, vmb_msgtype(msg), len, ret);
	if (ret == -EAGAIN)
		return vmb_server_queue(server, msg, len);
	if (ret)
		server->dropped++;
	return ret;
}

/**
 * vmb_server_transport_ready() - the guest's message slot is free again
 * @server: the server
 *
 * Sends queued messages, oldest first, until the transport reports the slot
 * busy again.
 *
 * Context: process context; may sleep.
 */
void vmb_server_transport_ready(struct vmb_server *server)
{
	struct vmb_outmsg *m, *tmp;
	int ret;

	mutex_lock(&server->lock);
	list_for_each_entry_safe(m, tmp, &server->outq, node) {
		ret = server->ops->post_message(server, m->data, m->len);
		trace_vmb_server_msg_out(server->id, vmb_msgtype(m->data),
					 m->len, ret);
		if (ret == -EAGAIN)
			break;
		if (ret)
			server->dropped++;
		list_del(&m->node);
		server->outq_len--;
		kfree(m);
	}
	mutex_unlock(&server->lock);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_transport_ready, VMBUS_SERVER);

void vmb_server_send_offer(struct vmb_server *server,
			   struct vmb_channel *channel)
{
	struct vmb_msg_offer_channel offer;

	lockdep_assert_held(&server->lock);
	vmb_offer_build(channel, server->version, &offer);
	/* Counted offered even if the transport lost it: the guest may
	 * have seen it, so its relid must wait for a release.
	 */
	vmb_server_post(server, &offer, sizeof(offer));
	channel->offered = true;
}

/**
 * vmb_server_reset_connection() - the guest's view of the server is gone
 * @server: the server
 *
 * After UNLOAD or a new INITIATE_CONTACT the guest holds nothing: open
 * channels are closed, GPADLs forgotten (without GPADL_TORNDOWN), relids
 * waiting for RELID_RELEASED are free again, and every enabled channel will
 * be offered anew.  The relids the guest held are remembered in
 * @server->ended_relids until the next connection.
 */
void vmb_server_reset_connection(struct vmb_server *server)
{
	struct vmb_channel *channel;
	unsigned long relid;
	void *entry;

	lockdep_assert_held(&server->lock);
	list_for_each_entry(channel, &server->channels, server_node) {
		vmb_channel_close(server, channel);
		if (channel->offered)
			__set_bit(channel->child_relid, server->ended_relids);
		channel->offered = false;
	}
	vmb_gpadl_free_all(server);
	xa_for_each(&server->relids, relid, entry) {
		if (entry == VMB_RELID_RELEASE_PENDING) {
			xa_erase(&server->relids, relid);
			__set_bit(relid, server->ended_relids);
		}
	}
	server->conn_state = VMB_CONN_DISCONNECTED;
	wake_up_all(&server->release_wq);
}

/**
 * vmb_server_channel_by_relid() - the enabled channel a guest's relid names
 * @server: the server
 * @child_relid: the relid from a guest message
 *
 * Return: the channel, or %NULL for a free relid or one whose channel was
 * rescinded.
 */
struct vmb_channel *vmb_server_channel_by_relid(struct vmb_server *server,
						u32 child_relid)
{
	void *entry;

	lockdep_assert_held(&server->lock);
	entry = xa_load(&server->relids, child_relid);
	return xa_is_value(entry) ? NULL : entry;
}

/**
 * vmb_server_channel_enable() - offer a channel to the guest (KMCL: enable)
 * @channel: a configured channel, not enabled
 *
 * Assigns a relid and connection id.  When the guest has already asked for
 * offers the offer goes out now (hot add); otherwise it goes out with the
 * others when the guest asks.  Returns without waiting for the guest.
 *
 * Context: process context; may sleep.
 * Return: 0; -EINVAL for a %NULL channel, or one without server or
 * interface type; -EBUSY when already enabled; -ENODEV when the server was
 * destroyed; -ENOSPC when every relid is taken; -ENOMEM.
 */
int vmb_server_channel_enable(struct vmb_channel *channel)
{
	struct vmb_server *server;
	u32 relid;
	int ret;

	if (!channel || !channel->server ||
	    guid_is_null(&channel->interface_type))
		return -EINVAL;
	server = channel->server;

	mutex_lock(&server->lock);
	if (channel->state == VMB_CHANNEL_ENABLED) {
		ret = -EBUSY;
		goto out;
	}
	if (server->dead) {
		ret = -ENODEV;
		goto out;
	}
	ret = xa_alloc(&server->relids, &relid, channel,
		       XA_LIMIT(1, VMB_MAX_RELID), GFP_KERNEL);
	if (ret) {
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto out;
	}
	channel->child_relid = relid;
	WRITE_ONCE(channel->state, VMB_CHANNEL_ENABLED);
	list_add_tail(&channel->server_node, &server->channels);
	if (server->conn_state == VMB_CONN_OFFERS_REQUESTED)
		vmb_server_send_offer(server, channel);
out:
	mutex_unlock(&server->lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_enable, VMBUS_SERVER);

static bool vmb_relid_released(struct vmb_server *server, u32 relid)
{
	return READ_ONCE(server->dead) ||
	       xa_load(&server->relids, relid) != VMB_RELID_RELEASE_PENDING;
}

/**
 * vmb_server_channel_disable() - rescind a channel's offer (KMCL: disable)
 * @channel: the channel, or %NULL
 *
 * An open channel is closed first (suspend and closed callbacks).  A guest
 * that was offered the channel gets RESCIND_CHANNELOFFER, and the call
 * blocks until the guest answers RELID_RELEASED, unloads, reconnects, or
 * the server is destroyed: until then the relid stays reserved, so that it
 * never names two channels in the guest.  The channel can be enabled
 * again, with the same configuration and a relid of its own.  Does nothing
 * for a channel that is not enabled.
 *
 * Context: process context; sleeps, possibly until the guest answers.
 */
void vmb_server_channel_disable(struct vmb_channel *channel)
{
	struct vmb_msg_relid rescind = {
		.header.msgtype = cpu_to_le32(VMB_MSG_RESCIND_CHANNELOFFER),
	};
	struct vmb_server *server;
	u32 relid = 0;

	if (!channel || !channel->server)
		return;
	server = channel->server;

	mutex_lock(&server->lock);
	if (channel->state != VMB_CHANNEL_ENABLED) {
		mutex_unlock(&server->lock);
		return;
	}
	if (channel->offered) {
		relid = channel->child_relid;
		xa_store(&server->relids, relid, VMB_RELID_RELEASE_PENDING,
			 GFP_KERNEL);
	} else {
		xa_erase(&server->relids, channel->child_relid);
	}
	vmb_gpadl_release(server, vmb_channel_detach(server, channel));
	if (relid) {
		rescind.child_relid = cpu_to_le32(relid);
		vmb_server_post(server, &rescind, sizeof(rescind));
	}
	mutex_unlock(&server->lock);

	if (relid)
		wait_event(server->release_wq,
			   vmb_relid_released(server, relid));
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_disable, VMBUS_SERVER);

/**
 * vmb_server_channel_relid() - the channel's relid (child relid)
 * @channel: the channel
 *
 * Return: the relid while the channel is enabled, else 0.
 */
u32 vmb_server_channel_relid(const struct vmb_channel *channel)
{
	u32 relid = 0;

	if (channel && channel->server) {
		mutex_lock(&channel->server->lock);
		relid = channel->child_relid;
		mutex_unlock(&channel->server->lock);
	}
	return relid;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_relid, VMBUS_SERVER);

/**
 * vmb_server_channel_connection_id() - the id the guest signals the channel on
 * @channel: the channel
 *
 * Return: the connection id while the channel is enabled, else 0.
 */
u32 vmb_server_channel_connection_id(const struct vmb_channel *channel)
{
	u32 id = 0;

	if (channel && channel->server) {
		mutex_lock(&channel->server->lock);
		id = vmb_channel_connection_id(channel);
		mutex_unlock(&channel->server->lock);
	}
	return id;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_connection_id, VMBUS_SERVER);
