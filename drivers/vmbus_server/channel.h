/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A server channel: its configuration and its place in the KMCL state machine.
 */
#ifndef _VMBUS_SERVER_CHANNEL_H
#define _VMBUS_SERVER_CHANNEL_H

#include <linux/list.h>
#include <linux/vmbus_server.h>
#include <linux/vmbus_server_protocol.h>

/*
 * VMB_CHANNEL_INIT: allocated and being configured; never enabled.  Only
 * here do the init setters work.
 * VMB_CHANNEL_ENABLED: holds a relid and is offered to the guest, or will be
 * as soon as the guest asks for offers.
 * VMB_CHANNEL_DISABLED: rescinded (or never offered); may be enabled again
 * with the same configuration.
 */
enum vmb_channel_state {
	VMB_CHANNEL_INIT,
	VMB_CHANNEL_ENABLED,
	VMB_CHANNEL_DISABLED,
};

/*
 * Channel connection ids are derived from the relid: the guest signals the
 * channel on it, and the VMM routes that id to the channel's kick eventfd.
 * The base keeps them clear of the message connection ids (1, 4) and of the
 * 0.13 event connection id (2).
 */
#define VMB_CHANNEL_CONNECTION_ID_BASE	0x10000

struct vmb_channel {
	/* Configuration: written by the init setters in VMB_CHANNEL_INIT only,
	 * read-only from the first enable on.
	 */
	struct vmb_server *server;
	guid_t interface_type;
	guid_t interface_instance;
	u16 mmio_megabytes;
	u16 mmio_megabytes_optional;
	u32 flags;
	enum vmb_server_pipe_mode pipe_mode;
	u8 user_data[VMB_OFFER_USER_DATA_SIZE];
	u8 user_data_len;
	u32 max_packet_size;
	const char *name;
	const struct vmb_server_channel_callbacks *callbacks;
	void *context;

	/* State: changed under server->lock once enabled. */
	enum vmb_channel_state state;
	u32 child_relid;		/* 0 unless enabled */
	bool offered;			/* the guest was sent the offer */
	struct list_head server_node;	/* on server->channels, enable order */

	/* The host's axis (KMCL): started, or paused/never started. */
	bool running;

	/* The guest's axis: open with these parameters, or closed (no ring). */
	struct vmb_gpadl *ring_gpadl;
	u32 open_id;
	u32 target_vp;
	u32 downstream_ring_page_offset;
};

/* A channel is open while it has a ring: OPENCHANNEL sets it, close clears. */
static inline bool vmb_channel_is_open(const struct vmb_channel *channel)
{
	return channel->ring_gpadl;
}

static inline u32 vmb_channel_connection_id(const struct vmb_channel *channel)
{
	return channel->child_relid ?
		VMB_CHANNEL_CONNECTION_ID_BASE + channel->child_relid : 0;
}

struct vmb_gpadl;
struct vmb_server;

struct vmb_gpadl *vmb_channel_close(struct vmb_server *server,
				    struct vmb_channel *channel);
int vmb_channel_open_msg(struct vmb_server *server, const void *msg,
			 size_t len);
int vmb_channel_close_msg(struct vmb_server *server, const void *msg,
			  size_t len);
int vmb_channel_modify_msg(struct vmb_server *server, const void *msg,
			   size_t len);
void vmb_offer_build(const struct vmb_channel *channel, u32 version,
		     struct vmb_msg_offer_channel *offer);

#endif /* _VMBUS_SERVER_CHANNEL_H */
