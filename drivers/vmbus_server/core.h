/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ground every part of the server stands on: struct vmb_server (one
 * VMBus host instance per VM: connection state, relids, GPADLs and the
 * queue of messages the guest has not taken yet), its bounds, its
 * reference count and its log lines, and the workqueue the channels' work
 * runs on.  What drives the server through its life is server.c, at the
 * top.
 *
 * Locking.  Each server has one lock, @lock, a mutex that is only ever held
 * for short sections that neither sleep on anything else nor call out:
 * no back-end callback and no transport op runs under it, so both may call
 * back into the server.  The order is
 *
 *	flush of a channel's work (disable, destroy, reset)
 *	  -> server->lock
 *	    -> a channel's data path lock (datapath.h)
 *
 * and nothing else is taken inside server->lock but the allocator and the
 * xarrays' own spinlocks.  The data path lock is innermost; the only
 * transport op called under a lock is signal_guest, under it (so it must
 * not sleep).  A channel's state work flushes its data work with no lock
 * held.  A channel's callbacks run only in its work item
 * (see channel_state.c), which the workqueue never runs twice at once: that
 * serializes one channel's callbacks, and leaves different channels'
 * callbacks independent.  Entry points that may sleep say so with
 * might_sleep() and lockdep_assert_not_held().
 *
 * Fields marked [lock] are protected by @lock; [worker] ones are read and
 * written by the channel's work item, also under @lock, so that the
 * dispatcher can read them.  [registry] ones are the device registry's,
 * under its lock, which is taken outside @lock (registry.c).
 */
#ifndef _VMBUS_SERVER_CORE_H
#define _VMBUS_SERVER_CORE_H

#include <linux/bitmap.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/vmbus_server.h>
#include <linux/vmbus_server_protocol.h>

struct vmb_channel;

/*
 * Relids index the guest's event-flag bitmap of one SINT page (2048 bits);
 * Linux guests refuse larger ones.  Relid 0 is never handed out.
 */
#define VMB_MAX_RELID			2047

/*
 * Largest virtual processor index a channel or the connection may target.
 * Hyper-V's VP indexes are dense from 0; KVM's default VP index is the vCPU
 * index, below KVM_MAX_VCPUS (4096 on x86).
 */
#define VMB_MAX_VP_INDEX		4095

/* SynIC interrupt sources per VP; INITIATE_CONTACT's msg_sint is one. */
#define VMB_SINT_COUNT			16

/* Where host messages go before protocol 5.0 lets the guest choose. */
#define VMB_DEFAULT_MESSAGE_SINT	2

/*
 * Back-pressure.  While this many messages wait for the guest's slot, the
 * server refuses further guest messages with -EAGAIN and processes nothing
 * of them (the VMM answers HV_STATUS_INSUFFICIENT_BUFFERS, which Linux
 * guests retry with a growing delay).  A guest that takes its messages
 * never gets near it: Linux waits for each reply before the next request
 * of a channel.  Everything else the queue can hold is bounded by
 * construction: at most one offer and one rescind per relid, one
 * OPENCHANNEL_RESULT per channel (one open in flight each), and the reply
 * to the message that crossed the watermark.  So a server queues at most
 * VMB_OUTQ_WATERMARK + 3 * VMB_MAX_RELID + 2 messages of at most 256
 * bytes each, about 1.6 MiB, whatever the guest does.
 */
#define VMB_OUTQ_WATERMARK		64

/*
 * Guest frames one server pins through the transport at a time, rings and
 * back-end mappings together.  A VMM's transport pins with
 * pin_user_pages(), which adds 1024 (GUP_PIN_COUNTING_BIAS) to a small
 * page's reference count per pin, and a guest may name one frame over and
 * over (in a GPADL, in GPA-direct ranges): 2^20 pins of the same page stay
 * far below the count's 2^31.  2^20 frames are 4 GiB of guest memory, far
 * more than the rings and device buffers of a VM take.
 */
#define VMB_SERVER_MAX_PINNED_FRAMES	(1024 * 1024)

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
	VMB_REJECT_CONTACT_PARAMS,
	VMB_REJECT_RELID,
	VMB_REJECT_GPADL,
	VMB_REJECT_CHANNEL_STATE,
	VMB_REJECT_OPEN_PARAMS,
	VMB_REJECT_REASON_COUNT
};

struct vmb_server {
	const struct vmb_server_transport_ops *ops;
	void *priv;
	unsigned int id;		/* names it in logs, debugfs and traces;
					 * free again when the memory goes
					 */
	struct dentry *debugfs;
	/* The creator's reference, one per bound channel, one per call in
	 * flight from the transport.
	 */
	struct kref ref;
	struct ratelimit_state log_rs;	/* this server's log lines */

	struct mutex lock;		/* see the top of this file */
	bool dead;			/* [lock] vmb_server_destroy() began */
	enum vmb_conn_state conn_state;	/* [lock] */
	u32 conn_epoch;			/* [lock] counts connection resets */
	u32 version;			/* [lock] negotiated once connected */
	u32 target_vcpu;		/* [lock] where host messages go */
	u8 msg_sint;			/* [lock] */

	/*
	 * [lock] relid -> channel, for every channel that holds a relid:
	 * enabled ones, and disabled ones whose rescind the guest has not
	 * answered with RELID_RELEASED yet.  @channels lists the same
	 * channels, in enable order, each holding a channel reference.
	 */
	struct xarray relids;
	struct list_head channels;
	/* [lock] The same channels by instance GUID, which must differ. */
	DECLARE_HASHTABLE(instances, 8);
	/*
	 * [lock] Relids the guest held when its connection ended (UNLOAD or
	 * a new INITIATE_CONTACT), cleared when a new one is made: Linux
	 * releases each of them after UNLOAD, and those late releases are no
	 * error.
	 */
	DECLARE_BITMAP(ended_relids, VMB_MAX_RELID + 1);

	/*
	 * [lock] A reset waits for every channel's work to pass its end once
	 * (so that every callback of the old connection has returned) before
	 * the reply below goes out and vmb_server_reset() returns
	 * (connection.c).
	 */
	unsigned int quiesce_pending;
	wait_queue_head_t quiesce_wq;
	size_t reset_reply_len;		/* 0: none */
	u8 reset_reply[16];

	struct xarray gpadls;		/* [lock] id -> struct vmb_gpadl */
	/* [lock] channel connection id -> struct vmb_kick (kick.c) */
	struct xarray kicks;
	size_t gpadl_bytes;		/* [lock] held for the guest's GPADLs */
	unsigned int pinned_frames;	/* [lock] pinned through the transport */

	/* The outgoing queue, oldest first; see connection.c. */
	struct list_head outq;		/* [lock] struct vmb_outmsg */
	unsigned int outq_len;		/* [lock] */
	bool tx_active;			/* [lock] one sender at a time */
	bool tx_busy;			/* [lock] the slot was busy */
	u32 tx_ready_seq;		/* [lock] transport_ready() calls */
	unsigned int tx_users;		/* [lock] transport ops in flight */
	wait_queue_head_t tx_wq;	/* destroy waits for tx_users == 0 */

	/* [registry] Devices added to it (registry.c). */
	struct list_head devices;
	unsigned int nr_devices;

	u64 rejected[VMB_REJECT_REASON_COUNT];	/* [lock] */
	u64 tx_errors;			/* [lock] post_message failures */
	u64 held_back;			/* [lock] guest messages refused
					 * with -EAGAIN (back-pressure)
					 */
	u64 releases_answered;		/* [lock] RELID_RELEASED after a rescind */
	u64 releases_unprompted;	/* [lock] ... without one */
};

/*
 * Failure status in GPADL_CREATED, OPENCHANNEL_RESULT and
 * MODIFYCHANNEL_RESPONSE: NTSTATUS STATUS_UNSUCCESSFUL.  Guests treat any
 * non-zero status as failure.
 */
#define VMB_STATUS_UNSUCCESSFUL		0xc0000001

/* Log lines that name the server, rate-limited per server. */
#define vmb_info(server, fmt, ...) vmb_log(server, false, fmt, ##__VA_ARGS__)
#define vmb_warn(server, fmt, ...) vmb_log(server, true, fmt, ##__VA_ARGS__)

/* core.c */
struct vmb_server *vmb_srv_alloc(void);
void vmb_srv_get(struct vmb_server *server);
void vmb_srv_put(struct vmb_server *server);
__printf(3, 4)
void vmb_log(struct vmb_server *server, bool warn, const char *fmt, ...);

/* Where channels' state and data work runs (main.c creates it). */
extern struct workqueue_struct *vmb_wq;

#endif /* _VMBUS_SERVER_CORE_H */
