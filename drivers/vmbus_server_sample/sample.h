/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sample device and its guest say: the VMM's parameters, and the
 * messages on the channel's rings.
 */
#ifndef _VMBUS_SERVER_SAMPLE_H
#define _VMBUS_SERVER_SAMPLE_H

#include <linux/types.h>

/*
 * The synthetic video device's first exchange, as Linux's hyperv_fb does
 * it: an in-band packet with a version request, answered by an in-band
 * packet (not a completion) with the verdict.  Every message starts with
 * a pipe header (size: the bytes after it) and a video header (size: the
 * video header and its payload).
 */
#define SAMPLE_PIPE_MSG_DATA			1
#define SAMPLE_SYNTHVID_VERSION_REQUEST		1
#define SAMPLE_SYNTHVID_VERSION_RESPONSE	2
/* Versions are major | minor << 16; the sample speaks 3.0 to 3.5. */

struct sample_msg_hdr {
	__le32 pipe_type;
	__le32 pipe_size;
	__le32 vid_type;
	__le32 vid_size;
} __packed;

struct sample_version_req {
	struct sample_msg_hdr hdr;
	__le32 version;
} __packed;
static_assert(sizeof(struct sample_version_req) == 20);

struct sample_version_resp {
	struct sample_msg_hdr hdr;
	__le32 version;
	u8 is_accepted;
	u8 max_video_outputs;
} __packed;
static_assert(sizeof(struct sample_version_resp) == 22);

/* The headers of a message with @payload bytes after them. */
static inline struct sample_msg_hdr sample_msg_hdr(u32 vid_type, u32 payload)
{
	u32 vid_size = 2 * sizeof(__le32) + payload;

	return (struct sample_msg_hdr) {
		.pipe_type = cpu_to_le32(SAMPLE_PIPE_MSG_DATA),
		.pipe_size = cpu_to_le32(vid_size),
		.vid_type = cpu_to_le32(vid_type),
		.vid_size = cpu_to_le32(vid_size),
	};
}

/*
 * VMBS_ADD_DEVICE's parameters: none (8 and 16 MiB), or this whole.  The
 * guest is asked to reserve @mmio_megabytes of MMIO space and may reserve
 * @mmio_megabytes_optional more.
 */
struct sample_params {
	__le16 mmio_megabytes;
	__le16 mmio_megabytes_optional;
	__le32 reserved;
} __packed;
static_assert(sizeof(struct sample_params) == 8);

/*
 * VMBS_DEVICE_CONTROL operations.  SAMPLE_CONTROL_STATS takes nothing and
 * gives struct sample_stats: what the device's channel saw since the
 * device was added.
 */
#define SAMPLE_CONTROL_STATS			1

/**
 * struct sample_stats - the answer of SAMPLE_CONTROL_STATS
 * @requests: version requests the guest sent
 * @accepted: of them, answered "accepted"
 * @malformed: packets that were no request: the channel failed
 * @send_failed: answers the server refused to send (its queue was full)
 */
struct sample_stats {
	__le32 requests;
	__le32 accepted;
	__le32 malformed;
	__le32 send_failed;
} __packed;
static_assert(sizeof(struct sample_stats) == 16);

#endif /* _VMBUS_SERVER_SAMPLE_H */
