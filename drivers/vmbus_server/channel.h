/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A server channel: its configuration and its place in the KMCL state machine.
 */
#ifndef _VMBUS_SERVER_CHANNEL_H
#define _VMBUS_SERVER_CHANNEL_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <linux/vmbus_server.h>
#include <linux/vmbus_server_protocol.h>

#include "datapath.h"

/*
 * VMB_CHANNEL_INIT: allocated and being configured; never enabled.  Only
 * here do the init setters work.
 * VMB_CHANNEL_ENABLED: holds a relid and is offered to the guest, or will be
 * as soon as the guest asks for offers (or releases the relid it still
 * holds from an earlier enable).
 * VMB_CHANNEL_DISABLED: rescinded (or never offered); may be enabled again
 * with the same configuration.
 */
enum vmb_channel_state {
	VMB_CHANNEL_INIT,
	VMB_CHANNEL_ENABLED,
	VMB_CHANNEL_DISABLED,
};

/*
 * The guest's axis: no open, an OPENCHANNEL that the work has not answered
 * yet, or an open it answered with success.
 */
enum vmb_guest_open {
	VMB_GUEST_CLOSED,
	VMB_GUEST_OPENING,
	VMB_GUEST_OPEN,
};

/*
 * Channel connection ids are derived from the relid: the guest signals the
 * channel on it, and the VMM routes that id to the channel's kick eventfd.
 * The base keeps them clear of the message connection ids (1, 4) and of the
 * 0.13 event connection id (2).
 */
#define VMB_CHANNEL_CONNECTION_ID_BASE	0x10000

/*
 * Frames the back-end's mappings of one channel may pin at a time, GPADL
 * buffers and GPA-direct data together: 256 MiB, several times the
 * receive and send buffers of Linux's netvsc at their largest (31 and
 * 15 MiB).  A GPA-direct packet may name one frame thousands of times and
 * a back-end may hold 64 packets mapped: this keeps what a guest can make
 * one channel pin bounded (the server's bound is on top).
 */
#define VMB_CHANNEL_MAX_MAPPED_FRAMES	65536

struct vmb_gpadl;

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
	const struct vmb_server_packet_callbacks *packet_callbacks;
	void *context;

	/* The back-end's reference, and the server's while it lists it. */
	struct kref ref;
	/* The memory goes after a grace period: guest signals look the
	 * channel up under RCU (vmb_server_guest_signal()).
	 */
	struct rcu_head rcu;
	/* Runs the state callbacks; see channel_state.c. */
	struct work_struct work;
	/* The rings and packets of the current open. */
	struct vmb_datapath dp;
	/* Guest memory the back-end mapped during it [server->lock]. */
	struct list_head mappings;
	unsigned int mapped_frames;	/* [server->lock] counted by them */

	/* Server side, all [server->lock]. */
	enum vmb_channel_state state;	/* also read locklessly: getters */
	u32 child_relid;		/* while it holds a relid, else 0 */
	struct list_head server_node;	/* on server->channels */
	struct hlist_node instance_node;	/* in server->instances */
	bool offered;			/* this connection got the offer */
	bool released;			/* ... and released it unprompted */
	bool release_pending;		/* rescinded, RELID_RELEASED not yet */
	bool rescind_due;		/* the work posts the rescind, or gives
					 * the relid back if the guest released
					 * it first (@released)
					 */
	bool quiesce;			/* a reset waits for this work */
	u32 quiet_req;			/* bumped by each waiter for the work */
	u32 quiet_done;			/* quiet_req as of the work's last end */
	bool running;			/* the host's axis (KMCL start) */
	/* The back-end may map guest memory: the open's rings are mapped,
	 * and its mappings were not ended yet (mapping.c).
	 */
	bool mappable;

	/* The guest's axis [server->lock]. */
	enum vmb_guest_open guest_open;
	u32 open_seq;			/* bumped by every open and close */
	u32 open_epoch;			/* connection of the open request */
	struct vmb_gpadl *open_ring;	/* requested ring, until taken */
	u32 open_id;
	u32 target_vp;
	u32 downstream_ring_page_offset;

	/* What the callbacks were told [worker]. */
	bool cb_open;			/* opened succeeded, closed not run */
	bool cb_active;			/* started ran, suspend not */
	u32 cb_seq;			/* open_seq of that open */
	struct vmb_gpadl *cb_ring;	/* its ring */
};

/* Channels and the server hold references on each other's memory. */
int vmb_channel_cache_init(void);
void vmb_channel_cache_exit(void);
struct vmb_channel *vmb_channel_new(void);
void vmb_channel_get(struct vmb_channel *channel);
void vmb_channel_put(struct vmb_channel *channel);

static inline u32 vmb_connection_id_of(u32 child_relid)
{
	return child_relid ? VMB_CHANNEL_CONNECTION_ID_BASE + child_relid : 0;
}

void vmb_channel_link(struct vmb_server *server, struct vmb_channel *channel);
void vmb_channel_unlink(struct vmb_server *server,
			struct vmb_channel *channel);
struct vmb_channel *vmb_channel_by_instance(struct vmb_server *server,
					    const guid_t *instance);

/* The enabled channel a guest message names by relid, or NULL. */
struct vmb_channel *vmb_channel_by_relid(struct vmb_server *server,
					 u32 child_relid);
void vmb_channel_send_offer(struct vmb_server *server,
			    struct vmb_channel *channel);
void vmb_channel_reset(struct vmb_server *server, struct vmb_channel *channel);
void vmb_channel_unlist(struct vmb_server *server,
			struct vmb_channel *channel);
void vmb_channel_release_done(struct vmb_server *server,
			      struct vmb_channel *channel);
void vmb_channel_retire(struct vmb_server *server, struct vmb_channel *channel);
void vmb_channel_guest_release(struct vmb_server *server,
			       struct vmb_channel *channel);
void vmb_channel_init_work(struct vmb_channel *channel);
void vmb_channel_kick(struct vmb_channel *channel);
bool vmb_channel_in_work(const struct vmb_channel *channel);
void vmb_channel_settle(struct vmb_channel *channel);
void vmb_mapping_open(struct vmb_channel *channel);
void vmb_mapping_close(struct vmb_channel *channel);

int vmb_on_open_channel(struct vmb_server *server, const void *msg,
			size_t len);
int vmb_on_close_channel(struct vmb_server *server, const void *msg,
			 size_t len);
int vmb_on_modify_channel(struct vmb_server *server, const void *msg,
			  size_t len);
void vmb_offer_build(const struct vmb_channel *channel, u32 child_relid,
		     u32 version, struct vmb_msg_offer_channel *offer);

#endif /* _VMBUS_SERVER_CHANNEL_H */
