/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sample back-end and the guest it plays, as two halves of one module:
 * sample.c is what a device back-end writes, sample_guest.c stands in for
 * the VMM's transport and for a guest's VMBus driver.
 */
#ifndef _VMBUS_SERVER_SAMPLE_H
#define _VMBUS_SERVER_SAMPLE_H

#include <linux/types.h>
#include <linux/vmbus_server.h>

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
#define SAMPLE_SYNTHVID_VERSION(major, minor)	((minor) << 16 | (major))

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

/* sample_guest.c: the VM, its transport and the guest's driver. */
struct vmb_server *sample_vm_create(u32 version);
void sample_vm_destroy(struct vmb_server *server);
int sample_guest_connect(void);
int sample_guest_open(void);
int sample_guest_ask_version(u32 version, struct sample_version_resp *resp);
void sample_guest_wait_released(void);
void sample_guest_unload(void);

#endif /* _VMBUS_SERVER_SAMPLE_H */
