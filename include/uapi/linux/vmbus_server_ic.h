/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The integration service devices of /dev/vmbus_server (vmbus_server_ic):
 * their VMBS_ADD_DEVICE parameters and VMBS_DEVICE_CONTROL operations.
 * All fields are little-endian.
 */
#ifndef _UAPI_LINUX_VMBUS_SERVER_IC_H
#define _UAPI_LINUX_VMBUS_SERVER_IC_H

#include <linux/types.h>

/* Interface types, as Hyper-V offers them. */
#define VMBS_IC_HEARTBEAT_TYPE	"57164f39-9115-4e78-ab55-382f3bd5422d"
#define VMBS_IC_SHUTDOWN_TYPE	"0e0b6031-5213-4934-818b-38d90ced39db"
#define VMBS_IC_TIMESYNC_TYPE	"9527e630-d0ae-497b-adce-e80ab0175caf"

/**
 * struct vmbs_ic_params - VMBS_ADD_DEVICE parameters, all optional
 * @period_ms: heartbeat: ms between requests (default 1000); timesync:
 *	between samples (default 5000); 0 for the default, at most 600000
 * @reserved: zero
 */
struct vmbs_ic_params {
	__u32 period_ms;
	__u32 reserved;
};

/* Every service: struct vmbs_ic_status, no input. */
#define VMBS_IC_STATUS			1
/* Shutdown: struct vmbs_ic_shutdown in, nothing out. */
#define VMBS_IC_SHUTDOWN		2
/* Timesync: struct vmbs_ic_time_sample in, nothing out. */
#define VMBS_IC_SEND_TIME		3

/* vmbs_ic_status.flags */
#define VMBS_IC_READY		0x1	/* the guest negotiated */
#define VMBS_IC_ALIVE		0x2	/* heartbeat: answered lately */

/**
 * struct vmbs_ic_status - a service's state (VMBS_IC_STATUS)
 * @flags: VMBS_IC_*
 * @version: the negotiated service version, major << 16 | minor
 * @requests: requests sent, the negotiation included
 * @answers: answers that matched the pending request
 * @timeouts: requests left unanswered
 * @rejected: guest packets that answered nothing pending
 * @opens: times the guest opened the channel
 * @last_status: the guest's status in its last answer (0: success)
 * @value: heartbeat: the last sequence number the guest answered with;
 *	shutdown: the flags of the last request answered; timesync: the
 *	last sample's host time (100 ns units since 1601)
 * @wrong: heartbeat: answers with another sequence number than the next
 */
struct vmbs_ic_status {
	__u32 flags;
	__u32 version;
	__u32 requests;
	__u32 answers;
	__u32 timeouts;
	__u32 rejected;
	__u32 opens;
	__u32 last_status;
	__u64 value;
	__u32 wrong;
	__u32 reserved;
};

/* vmbs_ic_shutdown.flags, as the guest reads them */
#define VMBS_IC_SHUTDOWN_FORCE		1
#define VMBS_IC_SHUTDOWN_REBOOT		2
#define VMBS_IC_SHUTDOWN_HIBERNATE	4

/**
 * struct vmbs_ic_shutdown - ask the guest to shut down (VMBS_IC_SHUTDOWN)
 * @flags: 0 for a poweroff, or VMBS_IC_SHUTDOWN_*
 * @timeout_seconds: how long the guest may take
 */
struct vmbs_ic_shutdown {
	__u32 flags;
	__u32 timeout_seconds;
};

/* vmbs_ic_time_sample.flags */
#define VMBS_IC_TIME_SYNC		1	/* the guest sets its clock */
#define VMBS_IC_TIME_SAMPLE		2	/* a hint to follow */

/**
 * struct vmbs_ic_time_sample - a time sample now (VMBS_IC_SEND_TIME)
 * @offset_ns: added to the host's CLOCK_REALTIME
 * @flags: VMBS_IC_TIME_SYNC or VMBS_IC_TIME_SAMPLE
 * @reserved: zero
 */
struct vmbs_ic_time_sample {
	__s64 offset_ns;
	__u32 flags;
	__u32 reserved;
};

#endif /* _UAPI_LINUX_VMBUS_SERVER_IC_H */
