/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The synthetic video messages: a pipe header, a message header, then the
 * message, all packed and little-endian.  Written from the protocol the
 * guest's hyperv_drm speaks.
 */
#ifndef _VMBUS_SERVER_VIDEO_H
#define _VMBUS_SERVER_VIDEO_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* vmb_vid_pipe_hdr.type of every message */
#define VMB_VID_PIPE_DATA		1

enum vmb_vid_msg_type {
	VMB_VID_ERROR			= 0,
	VMB_VID_VERSION_REQUEST		= 1,	/* guest to host */
	VMB_VID_VERSION_RESPONSE	= 2,
	VMB_VID_VRAM_LOCATION		= 3,	/* guest to host */
	VMB_VID_VRAM_LOCATION_ACK	= 4,
	VMB_VID_SITUATION_UPDATE	= 5,	/* guest to host */
	VMB_VID_SITUATION_UPDATE_ACK	= 6,
	VMB_VID_POINTER_POSITION	= 7,	/* guest to host */
	VMB_VID_POINTER_SHAPE		= 8,	/* guest to host */
	VMB_VID_FEATURE_CHANGE		= 9,
	VMB_VID_DIRT			= 10,	/* guest to host */
	VMB_VID_RESOLUTION_REQUEST	= 13,	/* guest to host */
	VMB_VID_RESOLUTION_RESPONSE	= 14,
};

/* Versions put the minor number high: 3.5 is 0x00050003. */
#define VMB_VID_VERSION(major, minor)	((u32)(minor) << 16 | (major))
#define VMB_VID_VERSION_WIN8		VMB_VID_VERSION(3, 2)
#define VMB_VID_VERSION_WIN10		VMB_VID_VERSION(3, 5)

struct vmb_vid_pipe_hdr {
	__le32 type;
	__le32 size;		/* bytes after this header */
} __packed;

struct vmb_vid_hdr {
	__le32 type;
	__le32 size;		/* this header and the message */
} __packed;

struct vmb_vid_version_req {
	__le32 version;
} __packed;

struct vmb_vid_version_resp {
	__le32 version;
	u8 accepted;
	u8 max_outputs;
} __packed;

struct vmb_vid_vram_location {
	__le64 user_ctx;
	u8 gpa_specified;
	__le64 gpa;
} __packed;

/* Also the situation update's acknowledgment. */
struct vmb_vid_ack {
	__le64 user_ctx;
} __packed;

struct vmb_vid_output {
	u8 active;
	__le32 vram_offset;
	u8 depth_bits;
	__le32 width;
	__le32 height;
	__le32 pitch;
} __packed;

/* One output at least follows the count. */
struct vmb_vid_situation {
	__le64 user_ctx;
	u8 count;
	struct vmb_vid_output output;
} __packed;

struct vmb_vid_pointer_position {
	u8 visible;
	u8 output;
	__le32 x;
	__le32 y;
} __packed;

/* The image follows: 4 bytes a pixel (ARGB) at most 96 x 96. */
struct vmb_vid_pointer_shape {
	u8 part;
	u8 argb;
	__le32 width;
	__le32 height;
	__le32 hot_x;
	__le32 hot_y;
} __packed;

#define VMB_VID_POINTER_MAX		96

struct vmb_vid_feature_change {
	u8 dirt_needed;
	u8 pointer_position_needed;
	u8 pointer_shape_needed;
	u8 situation_needed;
} __packed;

struct vmb_vid_rect {
	__le32 x1, y1;		/* top left */
	__le32 x2, y2;		/* bottom right, exclusive */
} __packed;

/* count rectangles follow. */
struct vmb_vid_dirt {
	u8 output;
	u8 count;
} __packed;

struct vmb_vid_resolution_req {
	u8 max_count;
} __packed;

struct vmb_vid_resolution {
	__le16 width;
	__le16 height;
} __packed;

#define VMB_VID_EDID_SIZE		128
#define VMB_VID_MAX_RESOLUTIONS		64

/* count resolutions follow. */
struct vmb_vid_resolution_resp {
	u8 edid[VMB_VID_EDID_SIZE];
	u8 count;
	u8 default_index;
	u8 standard;
} __packed;

/* The headers of every message. */
#define VMB_VID_HDRS_LEN	(sizeof(struct vmb_vid_pipe_hdr) + \
				 sizeof(struct vmb_vid_hdr))
/* The largest message of the guest: a whole pointer shape. */
#define VMB_VID_MSG_MAX		(VMB_VID_HDRS_LEN + \
				 sizeof(struct vmb_vid_pointer_shape) + \
				 VMB_VID_POINTER_MAX * VMB_VID_POINTER_MAX * 4)

static_assert(sizeof(struct vmb_vid_pipe_hdr) == 8);
static_assert(sizeof(struct vmb_vid_hdr) == 8);
static_assert(sizeof(struct vmb_vid_version_resp) == 6);
static_assert(sizeof(struct vmb_vid_vram_location) == 17);
static_assert(sizeof(struct vmb_vid_output) == 18);
static_assert(sizeof(struct vmb_vid_situation) == 27);
static_assert(sizeof(struct vmb_vid_pointer_position) == 10);
static_assert(sizeof(struct vmb_vid_pointer_shape) == 18);
static_assert(sizeof(struct vmb_vid_rect) == 16);
static_assert(sizeof(struct vmb_vid_resolution_resp) == 131);

#endif /* _VMBUS_SERVER_VIDEO_H */
