// SPDX-License-Identifier: GPL-2.0
/*
 * The top of the server: its lifetime, and the calls a transport makes
 * (a guest message arrived, the guest's slot is free, the VM rebooted).
 */

#include <linux/module.h>
#include <linux/slab.h>

#include "channel.h"
#include "channel_mgmt.h"
#include "connection.h"
#include "debugfs.h"
#include "gpadl.h"
#include "kick.h"

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

	if (!ops || !ops->post_message)
		return ERR_PTR(-EINVAL);
	server = vmb_srv_alloc();
	if (IS_ERR(server))
		return server;
	server->ops = ops;
	server->priv = priv;
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

/**
 * vmb_server_destroy() - tear a server down
 * @server: the server, or %NULL
 *
 * Unpublishes the server (guest messages and transport_ready calls get
 * -ENODEV or nothing from now on), waits for the transport ops in flight,
 * stops waiting on its kick files,
 * closes and disables every channel still enabled on it (their suspend and
 * closed callbacks run and return), forgets its GPADLs and queued messages
 * without telling the guest, which is going away.
 *
 * Afterwards the transport must make no call on the server any more and
 * its ops are never called again.  Channels bound to it stay valid: their
 * owners still disable (a no-op) and free them, and enabling them fails
 * with -ENODEV.  The memory goes with the last channel.  Must not be
 * called from a channel callback.
 *
 * Context: process context; may sleep, until callbacks return.
 */
void vmb_server_destroy(struct vmb_server *server)
{
	struct vmb_channel *channel, *tmp;
	LIST_HEAD(closing);

	if (!server)
		return;
	might_sleep();
	lockdep_assert_not_held(&server->lock);

	mutex_lock(&server->lock);
	server->dead = true;
	mutex_unlock(&server->lock);
	wait_event(server->tx_wq, !READ_ONCE(server->tx_users));
	/* No guest signal from a kick file any more. */
	vmb_kick_remove_all(server);

	/* Stop the producers: every channel closes, none holds a relid. */
	mutex_lock(&server->lock);
	list_for_each_entry_safe(channel, tmp, &server->channels,
				 server_node) {
		vmb_channel_retire(server, channel);
		vmb_channel_unlink(server, channel);
		list_add_tail(&channel->server_node, &closing);
	}
	mutex_unlock(&server->lock);

	/* Flush: their callbacks return; the list references go. */
	list_for_each_entry_safe(channel, tmp, &closing, server_node) {
		vmb_channel_settle(channel);
		list_del_init(&channel->server_node);
		vmb_channel_put(channel);
	}

	/* Release what is left of the guest's. */
	mutex_lock(&server->lock);
	vmb_gpadl_free_all(server);
	vmb_outq_drop(server);
	server->conn_state = VMB_CONN_DISCONNECTED;
	mutex_unlock(&server->lock);
	vmb_debugfs_server_remove(server);
	xa_destroy(&server->relids);
	vmb_srv_put(server);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_destroy, VMBUS_SERVER);

/**
 * vmb_server_deliver_guest_message() - hand the server a message the guest posted
 * @server: the server
 * @connection_id: the connection id the guest posted it to
 * @msg: the HvPostMessage payload, 8-byte header included
 * @len: its length
 *
 * The message is copied once and checked (type, length, protocol version,
 * connection state and id) before any handler sees it.  Replies go out
 * through the transport's post_message before this returns, or are queued
 * behind messages the guest has not taken yet; the OPENCHANNEL_RESULT waits
 * for the back-end's opened callback, which runs in the channel's work.  A
 * rejected message is counted and logged (rate-limited, per server) and
 * leaves the server usable.
 *
 * Context: process context; may sleep.  May be called from a transport op.
 * Return: 0; -EAGAIN when the backlog of host messages is above its
 * watermark (nothing was done; the VMM answers the guest
 * HV_STATUS_INSUFFICIENT_BUFFERS); -ENXIO for a connection id the server
 * does not listen on (HV_STATUS_INVALID_CONNECTION_ID); for a rejected
 * message -EINVAL (bad length or %NULL message), -EBADMSG (unknown or
 * host-only type), -EOPNOTSUPP (type not served, or not in the negotiated
 * version), -EPROTO (wrong state, or the other message connection id),
 * -EPROTONOSUPPORT (version refused; the guest got a VERSION_RESPONSE
 * saying so), -ENOENT (unknown relid or GPADL), -EBUSY; -ENODEV once the
 * server is being destroyed; or the transport's error when it refused a
 * reply (the reply stays queued and goes out after the next
 * vmb_server_transport_ready()).
 */
int vmb_server_deliver_guest_message(struct vmb_server *server,
				     u32 connection_id, const void *msg,
				     size_t len)
{
	int ret, tx;

	if (!server || !msg)
		return -EINVAL;
	might_sleep();
	lockdep_assert_not_held(&server->lock);

	vmb_srv_get(server);
	ret = vmb_dispatch(server, connection_id, msg, len);
	if (ret != -ENODEV && ret != -EAGAIN) {
		tx = vmb_tx(server);
		if (!ret)
			ret = tx;
	}
	vmb_srv_put(server);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_deliver_guest_message, VMBUS_SERVER);

/**
 * vmb_server_transport_ready() - the guest's message slot is free again
 * @server: the server
 *
 * Sends queued messages, oldest first, until the transport reports the slot
 * busy again.  Does nothing once the server is being destroyed.
 *
 * Context: process context; may sleep.  May be called from a transport op.
 */
void vmb_server_transport_ready(struct vmb_server *server)
{
	might_sleep();
	lockdep_assert_not_held(&server->lock);
	vmb_srv_get(server);
	mutex_lock(&server->lock);
	server->tx_ready_seq++;
	server->tx_busy = false;
	mutex_unlock(&server->lock);
	vmb_tx(server);
	vmb_srv_put(server);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_transport_ready, VMBUS_SERVER);

/**
 * vmb_server_reset() - the VM was reset: its guest's state is gone
 * @server: the server
 *
 * For a VM reboot, where the guest sends no UNLOAD: every open channel is
 * closed (suspend and closed callbacks), GPADLs and queued messages are
 * forgotten, relids the guest held are free again.  The channels stay
 * enabled and are offered to the next connection.  Returns once every
 * callback for the old connection has returned, so it must not be called
 * from a callback (state, packet or completion) of one of the server's
 * channels: that is reported with a warning and refused.
 *
 * Context: process context; may sleep, until callbacks return.
 * Return: 0; -ENODEV once the server is being destroyed; -EDEADLK from a
 * callback of the server's channels.
 */
int vmb_server_reset(struct vmb_server *server)
{
	struct vmb_channel *channel;
	int ret = 0;

	might_sleep();
	lockdep_assert_not_held(&server->lock);
	mutex_lock(&server->lock);
	list_for_each_entry(channel, &server->channels, server_node)
		if (WARN_ON_ONCE(vmb_channel_in_work(channel)))
			ret = -EDEADLK;
	if (!ret && server->dead)
		ret = -ENODEV;
	if (!ret)
		vmb_reset_connection(server);
	mutex_unlock(&server->lock);
	if (!ret)
		wait_event(server->quiesce_wq,
			   !READ_ONCE(server->quiesce_pending));
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_reset, VMBUS_SERVER);
