// SPDX-License-Identifier: GPL-2.0
/*
 * Channel allocation and the init setters: the configuration a device
 * back-end gives a channel before its first enable.
 */

#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "channel.h"
#include "core.h"

/*
 * Init setters work only on a channel that was never enabled: once an offer
 * carried the configuration to a guest it must not change, not even after a
 * disable (a re-enable offers the same device again).
 */
static int vmb_channel_check_init(const struct vmb_channel *channel)
{
	if (!channel)
		return -EINVAL;
	if (READ_ONCE(channel->state) != VMB_CHANNEL_INIT)
		return -EBUSY;
	return 0;
}

static size_t vmb_channel_user_data_max(u32 flags)
{
	if (flags & VMB_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE)
		return VMB_OFFER_PIPE_USER_DATA_SIZE;
	return VMB_OFFER_USER_DATA_SIZE;
}

/*
 * Channels come from a cache of their own: kmalloc() would round a
 * struct vmb_channel (about 760 bytes) up to 1 KiB, and a VM may have
 * 2047 channels offered.
 */
static struct kmem_cache *vmb_channel_cache;

int vmb_channel_cache_init(void)
{
	vmb_channel_cache = KMEM_CACHE(vmb_channel, 0);
	return vmb_channel_cache ? 0 : -ENOMEM;
}

/* After the last channel went: waits for their RCU-deferred frees. */
void vmb_channel_cache_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(vmb_channel_cache);
}

/* A zeroed channel holding its first reference. */
struct vmb_channel *vmb_channel_new(void)
{
	struct vmb_channel *channel;

	channel = kmem_cache_zalloc(vmb_channel_cache, GFP_KERNEL);
	if (channel)
		kref_init(&channel->ref);
	return channel;
}

static void vmb_channel_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(vmb_channel_cache,
			container_of(rcu, struct vmb_channel, rcu));
}

void vmb_channel_get(struct vmb_channel *channel)
{
	kref_get(&channel->ref);
}

static void vmb_channel_release(struct kref *ref)
{
	struct vmb_channel *channel = container_of(ref, struct vmb_channel,
						   ref);

	WARN_ON_ONCE(work_pending(&channel->work) ||
		     work_pending(&channel->dp.work) || channel->dp.mapped);
	if (channel->server)
		vmb_srv_put(channel->server);
	vmb_datapath_release(&channel->dp);
	kfree(channel->name);
	/* vmb_server_guest_signal() may be looking at it. */
	call_rcu(&channel->rcu, vmb_channel_free_rcu);
}

void vmb_channel_put(struct vmb_channel *channel)
{
	kref_put(&channel->ref, vmb_channel_release);
}

/*
 * Each queued run of the work holds a reference on the channel (and so on
 * its server), dropped as the run's last act: a waiter released by the run
 * may free the channel while the run still sends what it posted.
 */
void vmb_channel_kick(struct vmb_channel *channel)
{
	if (queue_work(vmb_wq, &channel->work))
		vmb_channel_get(channel);
}

/*
 * Whether we are in one of @channel's callbacks: a state callback, or a
 * packet or completion callback of its data work.  Waiting there for the
 * channel's works would wait for ourselves.
 */
bool vmb_channel_in_work(const struct vmb_channel *channel)
{
	struct work_struct *work = current_work();

	return work == &channel->work || work == &channel->dp.work;
}

/**
 * vmb_server_channel_init_set_server() - choose the server (the VM) to offer on
 * @channel: a channel in the init state
 * @server: the server, from vmb_server_create()
 *
 * The channel holds a reference on @server until it is freed, so the server
 * may be destroyed first.
 *
 * Return: 0; -EINVAL for a %NULL argument; -EBUSY once the channel was
 * enabled.
 */
int vmb_server_channel_init_set_server(struct vmb_channel *channel,
				       struct vmb_server *server)
{
	int ret = vmb_channel_check_init(channel);

	if (ret)
		return ret;
	if (!server)
		return -EINVAL;
	vmb_srv_get(server);
	if (channel->server)
		vmb_srv_put(channel->server);
	channel->server = server;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_server, VMBUS_SERVER);

/**
 * vmb_server_channel_init_set_interface() - set the interface type and instance
 * @channel: a channel in the init state
 * @type: the interface type GUID (which kind of device); must not be null
 * @instance: the interface instance GUID (which device)
 *
 * Return: 0; -EINVAL for a %NULL argument or a null @type GUID; -EBUSY once
 * the channel was enabled.
 */
int vmb_server_channel_init_set_interface(struct vmb_channel *channel,
					  const guid_t *type,
					  const guid_t *instance)
{
	int ret = vmb_channel_check_init(channel);

	if (ret)
		return ret;
	if (!type || !instance || guid_is_null(type))
		return -EINVAL;
	guid_copy(&channel->interface_type, type);
	guid_copy(&channel->interface_instance, instance);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_interface, VMBUS_SERVER);

/**
 * vmb_server_channel_init_set_mmio_megabytes() - suggest guest MMIO space
 * @channel: a channel in the init state
 * @mmio_megabytes: MiB of MMIO space the guest should reserve for the device
 * @mmio_megabytes_optional: further MiB it may reserve
 *
 * The counterpart of VmbServerChannelInitSetMmioMegabytes().  The guest
 * allocates; the server only suggests.  The sizes travel at offsets 58 and
 * 182 of the offer.  Either size may be 0, not both.
 *
 * Return: 0; -EINVAL for a %NULL channel or both sizes 0; -EBUSY once the
 * channel was enabled.
 */
int vmb_server_channel_init_set_mmio_megabytes(struct vmb_channel *channel,
					       u16 mmio_megabytes,
					       u16 mmio_megabytes_optional)
{
	int ret = vmb_channel_check_init(channel);

	if (ret)
		return ret;
	if (!mmio_megabytes && !mmio_megabytes_optional)
		return -EINVAL;
	channel->mmio_megabytes = mmio_megabytes;
	channel->mmio_megabytes_optional = mmio_megabytes_optional;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_mmio_megabytes, VMBUS_SERVER);

/**
 * vmb_server_channel_init_set_flags() - set the server channel flags
 * @channel: a channel in the init state
 * @flags: %VMB_SERVER_CHANNEL_INIT_FLAG_* bits; replaces earlier flags
 *
 * The offer carries their wire equivalents.  With
 * %VMB_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE the user data shrinks to 116
 * bytes behind the pipe mode.
 *
 * Return: 0; -EINVAL for a %NULL channel, unknown bits, or the pipe flag
 * while more than 116 bytes of user data are set; -EBUSY once the channel
 * was enabled.
 */
int vmb_server_channel_init_set_flags(struct vmb_channel *channel, u32 flags)
{
	int ret = vmb_channel_check_init(channel);

	if (ret)
		return ret;
	if (flags & ~VMB_SERVER_CHANNEL_INIT_FLAGS_ALL)
		return -EINVAL;
	if (channel->user_data_len > vmb_channel_user_data_max(flags))
		return -EINVAL;
	channel->flags = flags;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_flags, VMBUS_SERVER);

/**
 * vmb_server_channel_init_set_pipe_mode() - byte or message pipe
 * @channel: a channel in the init state
 * @mode: %VMB_SERVER_PIPE_MODE_BYTE or %VMB_SERVER_PIPE_MODE_MESSAGE
 *
 * Only offers made with %VMB_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE carry
 * the mode; the default is message mode.
 *
 * Return: 0; -EINVAL for a %NULL channel or an unknown mode; -EBUSY once the
 * channel was enabled.
 */
int vmb_server_channel_init_set_pipe_mode(struct vmb_channel *channel,
					  enum vmb_server_pipe_mode mode)
{
	int ret = vmb_channel_check_init(channel);

	if (ret)
		return ret;
	if (mode != VMB_SERVER_PIPE_MODE_BYTE &&
	    mode != VMB_SERVER_PIPE_MODE_MESSAGE)
		return -EINVAL;
	channel->pipe_mode = mode;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_pipe_mode, VMBUS_SERVER);

/**
 * vmb_server_channel_init_set_user_data() - set the offer's user-defined data
 * @channel: a channel in the init state
 * @data: the bytes; may be %NULL when @len is 0
 * @len: at most 120 bytes, or 116 for a channel offered as a pipe; 0 clears
 *
 * Return: 0; -EINVAL for a %NULL channel, %NULL data with a length, or data
 * too long; -EBUSY once the channel was enabled.
 */
int vmb_server_channel_init_set_user_data(struct vmb_channel *channel,
					  const void *data, size_t len)
{
	int ret = vmb_channel_check_init(channel);

	if (ret)
		return ret;
	if ((!data && len) || len > vmb_channel_user_data_max(channel->flags))
		return -EINVAL;
	memset(channel->user_data, 0, sizeof(channel->user_data));
	if (len)
		memcpy(channel->user_data, data, len);
	channel->user_data_len = len;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_user_data, VMBUS_SERVER);

/**
 * vmb_server_channel_init_set_max_packet_size() - largest packet the channel takes
 * @channel: a channel in the init state
 * @size: bytes, 1 to %VMB_SERVER_MAX_PACKET_SIZE_LIMIT, of a whole packet:
 *	descriptor, payload and padding (VMB_SERVER_INBAND_PACKET_SIZE()
 *	gives it for an in-band payload).  A larger packet of the guest
 *	fails the channel's data path.
 *
 * Return: 0; -EINVAL for a %NULL channel or a size out of range; -EBUSY once
 * the channel was enabled.
 */
int vmb_server_channel_init_set_max_packet_size(struct vmb_channel *channel,
						u32 size)
{
	int ret = vmb_channel_check_init(channel);

	if (ret)
		return ret;
	if (!size || size > VMB_SERVER_MAX_PACKET_SIZE_LIMIT)
		return -EINVAL;
	channel->max_packet_size = size;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_max_packet_size, VMBUS_SERVER);

/**
 * vmb_server_channel_init_set_name() - set the friendly name used in logs
 * @channel: a channel in the init state
 * @name: 1 to %VMB_SERVER_CHANNEL_NAME_MAX - 1 characters; copied
 *
 * Return: 0; -EINVAL for a %NULL argument or an empty or overlong name;
 * -ENOMEM; -EBUSY once the channel was enabled.
 */
int vmb_server_channel_init_set_name(struct vmb_channel *channel,
				     const char *name)
{
	int ret = vmb_channel_check_init(channel);
	const char *copy;
	size_t len;

	if (ret)
		return ret;
	if (!name)
		return -EINVAL;
	len = strnlen(name, VMB_SERVER_CHANNEL_NAME_MAX);
	if (!len || len == VMB_SERVER_CHANNEL_NAME_MAX)
		return -EINVAL;
	copy = kstrdup(name, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	kfree(channel->name);
	channel->name = copy;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_name, VMBUS_SERVER);

/**
 * vmb_server_channel_init_set_callbacks() - set the state-change callbacks
 * @channel: a channel in the init state
 * @callbacks: the callbacks; must stay valid until the channel is freed
 * @context: handed back by vmb_server_channel_context()
 *
 * Return: 0; -EINVAL for a %NULL channel or callbacks; -EBUSY once the
 * channel was enabled.
 */
int vmb_server_channel_init_set_callbacks(struct vmb_channel *channel,
					  const struct vmb_server_channel_callbacks *callbacks,
					  void *context)
{
	int ret = vmb_channel_check_init(channel);

	if (ret)
		return ret;
	if (!callbacks)
		return -EINVAL;
	channel->callbacks = callbacks;
	channel->context = context;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_callbacks, VMBUS_SERVER);

/**
 * vmb_server_channel_init_set_packet_callbacks() - set the packet callbacks
 * @channel: a channel in the init state
 * @cb: the callbacks; the structure must outlive the channel
 *
 * Without them every packet from the guest is completed at once, empty.
 *
 * Return: 0; -EINVAL for a %NULL argument; -EBUSY once the channel was
 * enabled.
 */
int vmb_server_channel_init_set_packet_callbacks(struct vmb_channel *channel,
						 const struct vmb_server_packet_callbacks *cb)
{
	int ret = vmb_channel_check_init(channel);

	if (ret)
		return ret;
	if (!cb)
		return -EINVAL;
	channel->packet_callbacks = cb;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_init_set_packet_callbacks,
		     VMBUS_SERVER);

/**
 * vmb_server_channel_context() - the context given with the callbacks
 * @channel: the channel
 *
 * Return: the context, or %NULL.
 */
void *vmb_server_channel_context(const struct vmb_channel *channel)
{
	return channel ? channel->context : NULL;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_context, VMBUS_SERVER);

static u32 vmb_instance_key(const guid_t *instance)
{
	return jhash(instance, sizeof(*instance), 0);
}

/**
 * vmb_channel_link() - list a channel on its server, by instance too
 * @server: the channel's server
 * @channel: a channel that just got its relid
 *
 * Takes no reference: the caller's is the list's.
 */
void vmb_channel_link(struct vmb_server *server, struct vmb_channel *channel)
{
	lockdep_assert_held(&server->lock);
	list_add_tail(&channel->server_node, &server->channels);
	hash_add(server->instances, &channel->instance_node,
		 vmb_instance_key(&channel->interface_instance));
}

/**
 * vmb_channel_unlink() - take a channel off its server's list and hash
 * @server: the channel's server
 * @channel: a listed channel
 */
void vmb_channel_unlink(struct vmb_server *server, struct vmb_channel *channel)
{
	lockdep_assert_held(&server->lock);
	list_del_init(&channel->server_node);
	hash_del(&channel->instance_node);
}

/**
 * vmb_channel_by_instance() - the listed channel with an instance GUID
 * @server: the server
 * @instance: the GUID
 *
 * In constant time: each enable asks, and a VM may have 2047 channels.
 *
 * Return: the channel, or %NULL.
 */
struct vmb_channel *vmb_channel_by_instance(struct vmb_server *server,
					    const guid_t *instance)
{
	struct vmb_channel *channel;

	lockdep_assert_held(&server->lock);
	hash_for_each_possible(server->instances, channel, instance_node,
			       vmb_instance_key(instance))
		if (guid_equal(&channel->interface_instance, instance))
			return channel;
	return NULL;
}

/**
 * vmb_channel_by_relid() - the channel a guest message names
 * @server: the server
 * @child_relid: the relid from a guest message
 *
 * Return: the enabled channel this connection was offered on that relid
 * and still holds, or %NULL.
 */
struct vmb_channel *vmb_channel_by_relid(struct vmb_server *server,
					 u32 child_relid)
{
	struct vmb_channel *channel;

	lockdep_assert_held(&server->lock);
	channel = xa_load(&server->relids, child_relid);
	if (!channel || channel->state != VMB_CHANNEL_ENABLED ||
	    !channel->offered)
		return NULL;
	return channel;
}

/**
 * vmb_server_channel_relid() - the channel's relid (child relid)
 * @channel: the channel
 *
 * Context: any; takes no lock.
 * Return: the relid while the channel is enabled, else 0.
 */
u32 vmb_server_channel_relid(const struct vmb_channel *channel)
{
	if (!channel)
		return 0;
	/* Pairs with enable's smp_store_release(): the relid is set. */
	if (smp_load_acquire(&channel->state) != VMB_CHANNEL_ENABLED)
		return 0;
	return READ_ONCE(channel->child_relid);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_relid, VMBUS_SERVER);

/**
 * vmb_server_channel_connection_id() - the id the guest signals the channel on
 * @channel: the channel
 *
 * Context: any; takes no lock.
 * Return: the connection id while the channel is enabled, else 0.
 */
u32 vmb_server_channel_connection_id(const struct vmb_channel *channel)
{
	return vmb_connection_id_of(vmb_server_channel_relid(channel));
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_connection_id, VMBUS_SERVER);
