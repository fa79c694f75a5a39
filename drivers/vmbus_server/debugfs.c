// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vmbus_server/<id>: one file per server with its
 * connection, channels, GPADLs and the counters of refused guest messages.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "channel.h"
#include "connection.h"
#include "debugfs.h"
#include "gpadl.h"

static struct dentry *vmb_debugfs_root;

static const char * const vmb_conn_state_names[VMB_CONN_STATE_COUNT] = {
	[VMB_CONN_DISCONNECTED] = "disconnected",
	[VMB_CONN_CONNECTED] = "connected",
	[VMB_CONN_OFFERS_REQUESTED] = "offers requested",
};

static const char * const vmb_gpadl_state_names[] = {
	[VMB_GPADL_IN_PROGRESS] = "in progress",
	[VMB_GPADL_CREATED] = "created",
	[VMB_GPADL_TEARING_DOWN] = "tearing down",
};

static const char * const vmb_guest_open_names[] = {
	[VMB_GUEST_CLOSED] = "closed",
	[VMB_GUEST_OPENING] = "opening",
	[VMB_GUEST_OPEN] = "open",
};

static void vmb_debugfs_show_datapath(struct seq_file *m,
				      struct vmb_datapath *dp)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&dp->lock, flags);
	seq_printf(m, "  data path: %s%s%s%s, %u pages pinned, %u receive slots taken, %u sends await completion, %u queued\n",
		   dp->mapped ? "mapped" : "unmapped",
		   dp->open ? ", open" : "", dp->rx_on ? ", receiving" : "",
		   dp->failed ? ", FAILED" : "", dp->nr_pages,
		   bitmap_weight(dp->rx_taken, VMB_RX_SLOTS),
		   dp->tx_pending, dp->txq_sends);
	seq_printf(m, "  packets in %llu out %llu, completions in %llu (%llu unknown), signals out %llu, queued %llu\n",
		   dp->packets_in, dp->packets_out, dp->completions_in,
		   dp->bad_completions, dp->signals_out, dp->queued);
	seq_puts(m, "  faults:");
	for (i = 0; i < VMB_DP_FAULT_COUNT; i++)
		seq_printf(m, " %s=%llu", vmb_dp_fault_name(i), dp->faults[i]);
	seq_putc(m, '\n');
	spin_unlock_irqrestore(&dp->lock, flags);
}

static void vmb_debugfs_show_channel(struct seq_file *m,
				     struct vmb_channel *channel)
{
	seq_printf(m, "channel relid %u connection_id 0x%x: %s, %s%s, %s, %s\n",
		   channel->child_relid,
		   vmb_connection_id_of(channel->child_relid),
		   channel->state == VMB_CHANNEL_ENABLED ? "enabled" : "disabled",
		   channel->offered ? "offered" :
		   channel->released ? "released by the guest" :
		   channel->release_pending ? "awaiting RELID_RELEASED" :
		   "not offered",
		   channel->rescind_due && !channel->released ?
		   ", rescind due" : "",
		   vmb_guest_open_names[channel->guest_open],
		   channel->running ? "running" : "stopped");
	seq_printf(m, "  name \"%s\" type %pUl instance %pUl\n",
		   channel->name ?: "", &channel->interface_type,
		   &channel->interface_instance);
	seq_printf(m, "  mmio_megabytes %u mmio_megabytes_optional %u max_packet_size %u flags 0x%x\n",
		   channel->mmio_megabytes, channel->mmio_megabytes_optional,
		   channel->max_packet_size, channel->flags);
	seq_printf(m, "  callbacks told: %s%s; back-end mappings pin %u frames\n",
		   channel->cb_open ? "opened" : "closed",
		   channel->cb_active ? ", active" : "",
		   channel->mapped_frames);
	if (channel->cb_ring)
		seq_printf(m, "  ring gpadl 0x%x downstream offset %u target vp %u\n",
			   channel->cb_ring->id,
			   channel->downstream_ring_page_offset,
			   channel->target_vp);
	vmb_debugfs_show_datapath(m, &channel->dp);
}

static int vmb_server_state_show(struct seq_file *m, void *unused)
{
	struct vmb_server *server = m->private;
	struct vmb_channel *channel;
	const struct vmb_gpadl *gpadl;
	unsigned long index;
	int i;

	mutex_lock(&server->lock);
	seq_printf(m, "connection: %s, version %u.%u, target vcpu %u, message sint %u\n",
		   vmb_conn_state_names[server->conn_state],
		   server->version >> 16, server->version & 0xffff,
		   server->target_vcpu, server->msg_sint);
	seq_printf(m, "outgoing queue: %u queued (watermark %u)%s, %llu transport errors, %llu guest messages held back\n",
		   server->outq_len, VMB_OUTQ_WATERMARK,
		   server->tx_busy ? ", slot busy" : "", server->tx_errors,
		   server->held_back);
	seq_puts(m, "rejected:");
	for (i = 0; i < VMB_REJECT_REASON_COUNT; i++)
		seq_printf(m, " %s=%llu", vmb_reject_name(i),
			   server->rejected[i]);
	seq_putc(m, '\n');
	seq_printf(m, "relids released by the guest: %llu after a rescind, %llu unprompted\n",
		   server->releases_answered, server->releases_unprompted);
	list_for_each_entry(channel, &server->channels, server_node)
		vmb_debugfs_show_channel(m, channel);
	seq_printf(m, "gpadls: %zu bytes held; %u frames pinned (bound %u)\n",
		   server->gpadl_bytes, server->pinned_frames,
		   VMB_SERVER_MAX_PINNED_FRAMES);
	xa_for_each(&server->gpadls, index, gpadl)
		seq_printf(m, "gpadl 0x%lx relid %u: %s%s, %u pages\n", index,
			   gpadl->child_relid,
			   vmb_gpadl_state_names[gpadl->state],
			   gpadl->in_use ? ", ring of a channel" : "",
			   gpadl->page_count);
	mutex_unlock(&server->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmb_server_state);

void vmb_debugfs_server_add(struct vmb_server *server)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", server->id);
	server->debugfs = debugfs_create_file(name, 0400, vmb_debugfs_root,
					      server, &vmb_server_state_fops);
}

/* Returns once no reader is inside the show function any more. */
void vmb_debugfs_server_remove(struct vmb_server *server)
{
	debugfs_remove(server->debugfs);
	server->debugfs = NULL;
}

void vmb_debugfs_init(void)
{
	vmb_debugfs_root = debugfs_create_dir("vmbus_server", NULL);
}

void vmb_debugfs_exit(void)
{
	debugfs_remove_recursive(vmb_debugfs_root);
}
