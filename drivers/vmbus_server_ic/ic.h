/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The integration services' common part: their wire format (a pipe
 * header, an IC message header, a service body) and one service channel's
 * life: offer, version negotiation when the guest opened it, then one
 * request at a time, each answered by the guest or timed out.
 */
#ifndef _VMBUS_SERVER_IC_H
#define _VMBUS_SERVER_IC_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>

struct vmb_channel;
struct vmb_server_device;

/* Every IC message: a pipe header, then the IC header. */
struct vmb_ic_pipe_hdr {
	__le32 flags;
	__le32 msgsize;			/* bytes after this header */
} __packed;
static_assert(sizeof(struct vmb_ic_pipe_hdr) == 8);

struct vmb_ic_version {
	__le16 major;
	__le16 minor;
} __packed;
static_assert(sizeof(struct vmb_ic_version) == 4);

struct vmb_ic_hdr {
	struct vmb_ic_version frame;	/* the framework version */
	__le16 type;			/* VMB_IC_MSG_* */
	struct vmb_ic_version msg;	/* the service version */
	__le16 size;			/* bytes after the IC header */
	__le32 status;			/* the guest's answer: VMB_IC_S_OK */
	u8 txid;
	u8 flags;			/* VMB_IC_FLAG_* */
	u8 reserved[2];
} __packed;
static_assert(sizeof(struct vmb_ic_hdr) == 20);

#define VMB_IC_HDR_LEN		(sizeof(struct vmb_ic_pipe_hdr) + \
				 sizeof(struct vmb_ic_hdr))

#define VMB_IC_MSG_NEGOTIATE	0
#define VMB_IC_MSG_HEARTBEAT	1
#define VMB_IC_MSG_SHUTDOWN	3
#define VMB_IC_MSG_TIMESYNC	4

#define VMB_IC_FLAG_TRANSACTION	1
#define VMB_IC_FLAG_REQUEST	2
#define VMB_IC_FLAG_RESPONSE	4

#define VMB_IC_S_OK		0
#define VMB_IC_E_FAIL		0x80004005

/* The negotiation's body: framework versions, then service versions. */
struct vmb_ic_negotiate {
	__le16 frame_count;
	__le16 msg_count;
	__le32 reserved;
	struct vmb_ic_version versions[];
} __packed;
static_assert(sizeof(struct vmb_ic_negotiate) == 8);

/* The services' bodies. */
struct vmb_ic_heartbeat {
	__le64 seq;
	__le32 reserved[8];
} __packed;
static_assert(sizeof(struct vmb_ic_heartbeat) == 40);

struct vmb_ic_shutdown_msg {
	__le32 reason_code;
	__le32 timeout_seconds;
	__le32 flags;
	u8 display_message[2048];
} __packed;
static_assert(sizeof(struct vmb_ic_shutdown_msg) == 2060);

/* Time sync up to version 3: times in 100 ns units since 1601. */
struct vmb_ic_timesync {
	__le64 parent_time;
	__le64 child_time;
	__le64 round_trip_time;
	u8 flags;
} __packed;
static_assert(sizeof(struct vmb_ic_timesync) == 25);

/* 1601-01-01 to 1970-01-01 in 100 ns units: time sync's epoch. */
#define VMB_IC_EPOCH_DELTA	116444736000000000ULL

/* Versions as major << 16 | minor. */
#define VMB_IC_VERSION(major, minor)	((u32)(major) << 16 | (minor))

/*
 * The largest message of any service (shutdown's, 2060 bytes of body):
 * what a service channel's packets may be, and what an answer is copied
 * into.
 */
#define VMB_IC_MSG_MAX		(VMB_IC_HDR_LEN + \
				 sizeof(struct vmb_ic_shutdown_msg))
/* How long the guest may take to answer one request. */
#define VMB_IC_ANSWER_TIMEOUT	(5 * HZ)

struct vmb_ic;

/**
 * struct vmb_ic_service - what a service adds to the common part
 * @name: for logs and the channel's name
 * @versions: service versions it speaks, best first
 * @nr_versions: how many
 * @ready: the guest negotiated a version (vmb_ic_ready()); may send
 * @answer: the guest answered the pending request of type @type: @msg is
 *	a copy of @len bytes, at least VMB_IC_HDR_LEN, header checked
 * @closed: the channel closed (the guest went or the device goes)
 *
 * All run in process context with no lock of the service held.
 */
struct vmb_ic_service {
	const char *name;
	const u32 *versions;
	unsigned int nr_versions;
	void (*ready)(struct vmb_ic *ic);
	void (*answer)(struct vmb_ic *ic, u16 type, const u8 *msg, u32 len);
	void (*closed)(struct vmb_ic *ic);
};

/* Counters of a service channel, for its class's status control. */
struct vmb_ic_counts {
	u32 requests;		/* sent, negotiation included */
	u32 answers;		/* matched a pending request */
	u32 timeouts;		/* requests the guest did not answer in time */
	u32 rejected;		/* packets that answered nothing pending */
	u32 opens;		/* times the guest opened the channel */
};

/**
 * struct vmb_ic - one integration service channel of a device
 * @svc: the service
 * @channel: its channel
 * @priv: the service's state
 * @ready: the guest negotiated; requests may go
 * @fw_version: the negotiated framework version
 * @srv_version: the negotiated service version
 * @pending: a request waits for its answer
 * @deadline: until when (jiffies)
 * @pending_type: its type
 * @pending_txid: its transaction id
 * @next_txid: the next request's
 * @counts: what happened
 * @timeout_work: ends a pending request the guest does not answer
 * @start_work: sends the negotiation once the channel runs
 */
struct vmb_ic {
	const struct vmb_ic_service *svc;
	struct vmb_channel *channel;
	void *priv;
	spinlock_t lock;		/* protects the fields below */
	bool ready;
	u32 fw_version;
	u32 srv_version;
	bool pending;
	/*
	 * The service's answer callback runs for the last request: no next
	 * one goes out before it has seen the answer.
	 */
	bool answering;
	unsigned long deadline;
	u16 pending_type;
	u8 pending_txid;
	u8 next_txid;
	struct vmb_ic_counts counts;
	struct delayed_work timeout_work;
	struct work_struct start_work;
};

struct vmb_ic *vmb_ic_create(struct vmb_server_device *device,
			     const struct vmb_ic_service *svc, void *priv);
void vmb_ic_destroy(struct vmb_ic *ic);
int vmb_ic_request(struct vmb_ic *ic, u16 type, const void *body, u32 len);
bool vmb_ic_ready(struct vmb_ic *ic, u32 *srv_version);
bool vmb_ic_busy(struct vmb_ic *ic);
void vmb_ic_counts(struct vmb_ic *ic, struct vmb_ic_counts *counts);

#endif /* _VMBUS_SERVER_IC_H */
