/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VMBus host instance (one per VM): connection state, relids, the queue
 * of messages the guest has not taken yet.
 */
#ifndef _VMBUS_SERVER_SERVER_H
#define _VMBUS_SERVER_SERVER_H

#include <linux/bitmap.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/vmbus_server.h>

struct vmb_channel;

/*
 * Relids index the guest's event-flag bitmap of one SINT page (2048 bits);
 * Linux guests refuse larger ones.  Relid 0 is never handed out.
 */
#define VMB_MAX_RELID			2047

/*
 * Largest virtual processor index a channel may target.  Hyper-V's VP
 * indexes are dense from 0; KVM's default VP index is the vCPU index, below
 * KVM_MAX_VCPUS (4096 on x86).
 */
#define VMB_MAX_VP_INDEX		4095

/*
 * Bound of the outgoing queue.  It is sized for the largest burst the
 * protocol produces (an offer per relid plus ALLOFFERS_DELIVERED) with room
 * to spare; a guest that leaves its slot busy longer than that loses the
 * newest messages, which are counted in @dropped.
 */
#define VMB_SERVER_OUTQ_MAX		(VMB_MAX_RELID + 64)

enum vmb_conn_state {
	VMB_CONN_DISCONNECTED,		/* no version negotiated */
	VMB_CONN_CONNECTED,		/* version negotiated */
	VMB_CONN_OFFERS_REQUESTED,	/* offers sent; hot add from now on */
	VMB_CONN_STATE_COUNT
};

/* Why a guest message was rejected: one counter each. */
enum vmb_reject_reason {
	VMB_REJECT_SHORT,
	VMB_REJECT_LONG,
	VMB_REJECT_UNKNOWN_TYPE,
	VMB_REJECT_HOST_ONLY,
	VMB_REJECT_UNSUPPORTED,
	VMB_REJECT_STATE,
	VMB_REJECT_CONNECTION_ID,
	VMB_REJECT_VERSION,
	VMB_REJECT_RELID,
	VMB_REJECT_GPADL,
	VMB_REJECT_CHANNEL_STATE,
	VMB_REJECT_OPEN_PARAMS,
	VMB_REJECT_REASON_COUNT
};

struct vmb_server {
	const struct vmb_server_transport_ops *ops;
	void *priv;
	unsigned int id;		/* names it in debugfs and traces */
	struct dentry *debugfs;
	/* One reference for the creator, one per channel bound to it. */
	struct kref ref;

	/* Serializes the guest's messages against channel enable/disable. */
	struct mutex lock;
	bool dead;			/* vmb_server_destroy() ran */
	enum vmb_conn_state conn_state;
	u32 version;			/* negotiated; valid once connected */
	u32 target_vcpu;
	u8 msg_sint;

	/*
	 * relid -> enabled channel, or VMB_RELID_RELEASE_PENDING for a relid
	 * whose rescind the guest has not answered with RELID_RELEASED yet.
	 */
	struct xarray relids;
	struct list_head channels;	/* enabled channels, enable order */
	/*
	 * Relids the guest held when its connection ended (UNLOAD or a new
	 * INITIATE_CONTACT), cleared when a new one is made: Linux releases
	 * each of them after UNLOAD, and those late releases are no error.
	 */
	DECLARE_BITMAP(ended_relids, VMB_MAX_RELID + 1);
	/* vmb_server_channel_disable() waits here for RELID_RELEASED. */
	wait_queue_head_t release_wq;

	struct xarray gpadls;		/* id -> struct vmb_gpadl */
	unsigned int gpadl_count;
	unsigned int gpadl_bytes;	/* range data held for the guest */

	struct list_head outq;		/* struct vmb_outmsg, oldest first */
	unsigned int outq_len;

	u64 rejected[VMB_REJECT_REASON_COUNT];
	u64 dropped;			/* outgoing messages lost */
};

#define VMB_RELID_RELEASE_PENDING	xa_mk_value(0)

/*
 * Failure status in GPADL_CREATED, OPENCHANNEL_RESULT and
 * MODIFYCHANNEL_RESPONSE: NTSTATUS STATUS_UNSUCCESSFUL.  Guests treat any
 * non-zero status as failure.
 */
#define VMB_STATUS_UNSUCCESSFUL		0xc0000001

void vmb_server_get(struct vmb_server *server);
void vmb_server_put(struct vmb_server *server);
struct vmb_channel *vmb_server_channel_by_relid(struct vmb_server *server,
						u32 child_relid);
int vmb_server_post(struct vmb_server *server, const void *msg, size_t len);
void vmb_server_send_offer(struct vmb_server *server,
			   struct vmb_channel *channel);
void vmb_server_reset_connection(struct vmb_server *server);
int vmb_server_reject(struct vmb_server *server,
		      enum vmb_reject_reason reason, u32 msgtype, int err);
bool vmb_version_supported(u32 version);
const char *vmb_reject_name(enum vmb_reject_reason reason);

void vmb_debugfs_init(void);
void vmb_debugfs_exit(void);
void vmb_debugfs_server_add(struct vmb_server *server);
void vmb_debugfs_server_remove(struct vmb_server *server);

#endif /* _VMBUS_SERVER_SERVER_H */
