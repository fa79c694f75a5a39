// SPDX-License-Identifier: GPL-2.0
/*
 * Kick files: the eventfds through which a guest's channel signals reach
 * the server without the VMM.  The VMM points KVM_HYPERV_EVENTFD for a
 * channel's connection id at an eventfd and hands the server that eventfd;
 * the server waits on it as vhost waits on a virtqueue's kick, and each
 * wake-up queues the channel's data work (vmb_server_guest_signal()),
 * nothing more: the wake-up runs in the signaller's context, often an
 * interrupt.
 *
 * A kick belongs to a connection id, not to a channel: the VMM routes ids,
 * and the id of a relid outlives any one channel using it.  One per id,
 * created and removed by the transport (bounded by the relid space), and
 * all removed by vmb_server_destroy() before the server's relids go.
 */

#include <linux/fs.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "channel.h"
#include "core.h"
#include "kick.h"

struct vmb_kick {
	struct vmb_server *server;
	u32 connection_id;
	struct file *file;
	wait_queue_head_t *wqh;		/* what the file's poll gave */
	wait_queue_entry_t wait;
	poll_table pt;
};

static int vmb_kick_wake(wait_queue_entry_t *wait, unsigned int mode,
			 int sync, void *key)
{
	struct vmb_kick *kick = container_of(wait, struct vmb_kick, wait);
	__poll_t events = key ? key_to_poll(key) : EPOLLIN;

	if (events & EPOLLIN)
		vmb_server_guest_signal(kick->server, kick->connection_id);
	if (events & POLLFREE) {
		/*
		 * The queue goes after an RCU grace period
		 * (wake_up_pollfree()): leave it now, under its lock, and
		 * tell vmb_kick_free() there is nothing to remove.
		 */
		list_del_init(&wait->entry);
		/* Pairs with vmb_kick_free(): the entry is off the queue. */
		smp_store_release(&kick->wqh, NULL);
	}
	return 0;
}

static void vmb_kick_queue(struct file *file, wait_queue_head_t *wqh,
			   poll_table *pt)
{
	struct vmb_kick *kick = container_of(pt, struct vmb_kick, pt);

	/* An eventfd has one wait queue; take the first one offered. */
	if (kick->wqh)
		return;
	kick->wqh = wqh;
	add_wait_queue(wqh, &kick->wait);
}

/* Returns once no wake-up of @kick runs: the queue's lock orders them. */
static void vmb_kick_free(struct vmb_kick *kick)
{
	wait_queue_head_t *wqh;

	/* A queue freed with POLLFREE is not freed before the unlock. */
	rcu_read_lock();
	/* Pairs with the POLLFREE wake-up's release. */
	wqh = smp_load_acquire(&kick->wqh);
	if (wqh)
		remove_wait_queue(wqh, &kick->wait);
	rcu_read_unlock();
	fput(kick->file);
	kfree(kick);
}

/**
 * vmb_server_set_kick_file() - route a channel connection id's signals
 * @server: the server
 * @connection_id: a channel connection id (vmb_server_channel_connection_id())
 * @file: an eventfd (the one the VMM pointed KVM_HYPERV_EVENTFD at), or
 *	any file with one wait queue whose poll reports EPOLLIN on a signal;
 *	%NULL removes the one set.  A file whose queue goes away
 *	(wake_up_pollfree()) just signals no more.
 *
 * Each wake-up of @file with EPOLLIN counts as a guest signal of the
 * channel that holds the id's relid at that time.  The server takes its
 * own reference on @file and waits on it until it is replaced, removed or
 * the server destroyed.  A file that is readable already counts as one
 * signal now.
 *
 * Calls for one connection id must not race each other.
 *
 * Context: process context; may sleep.
 * Return: 0; -EINVAL for an id that names no relid or a file without
 * poll; -ENODEV once the server is being destroyed; -ENOMEM.
 */
int vmb_server_set_kick_file(struct vmb_server *server, u32 connection_id,
			     struct file *file)
{
	u32 relid = connection_id - VMB_CHANNEL_CONNECTION_ID_BASE;
	struct vmb_kick *kick = NULL, *old;
	bool pending = false;
	int ret = 0;

	might_sleep();
	if (!server || connection_id <= VMB_CHANNEL_CONNECTION_ID_BASE ||
	    relid > VMB_MAX_RELID || (file && !file->f_op->poll))
		return -EINVAL;
	if (file) {
		kick = kzalloc(sizeof(*kick), GFP_KERNEL);
		if (!kick)
			return -ENOMEM;
		kick->server = server;
		kick->connection_id = connection_id;
		kick->file = get_file(file);
		init_waitqueue_func_entry(&kick->wait, vmb_kick_wake);
		init_poll_funcptr(&kick->pt, vmb_kick_queue);
		/* Waiting before it is published: one teardown path. */
		pending = vfs_poll(file, &kick->pt) & EPOLLIN;
	}

	mutex_lock(&server->lock);
	if (server->dead) {
		ret = -ENODEV;
	} else if (kick) {
		old = xa_store(&server->kicks, connection_id, kick, GFP_KERNEL);
		ret = xa_err(old);
	} else {
		old = xa_erase(&server->kicks, connection_id);
	}
	mutex_unlock(&server->lock);
	if (ret) {
		if (kick)
			vmb_kick_free(kick);
		return ret;
	}
	if (old)
		vmb_kick_free(old);
	if (pending)
		vmb_server_guest_signal(server, connection_id);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_set_kick_file, VMBUS_SERVER);

/**
 * vmb_kick_remove_all() - stop waiting on every kick file of a server
 * @server: a server being destroyed (no new kick can be set)
 *
 * Returns once no wake-up of any of them runs.
 */
void vmb_kick_remove_all(struct vmb_server *server)
{
	struct vmb_kick *kick;
	unsigned long id;

	might_sleep();
	lockdep_assert_not_held(&server->lock);
	xa_for_each(&server->kicks, id, kick) {
		xa_erase(&server->kicks, id);
		vmb_kick_free(kick);
	}
	xa_destroy(&server->kicks);
}
