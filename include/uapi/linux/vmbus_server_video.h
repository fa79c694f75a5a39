/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The synthetic video device of /dev/vmbus_server (vmbus_server_video):
 * its VMBS_ADD_DEVICE parameters and VMBS_DEVICE_CONTROL operations.  All
 * fields are little-endian.
 */
#ifndef _UAPI_LINUX_VMBUS_SERVER_VIDEO_H
#define _UAPI_LINUX_VMBUS_SERVER_VIDEO_H

#include <linux/types.h>

/* The interface type, as Hyper-V offers it. */
#define VMBS_VIDEO_TYPE	"da0a7802-e377-4aac-8e77-0558eb1073f8"

/**
 * struct vmbs_video_params - VMBS_ADD_DEVICE parameters, all optional
 * @mmio_megabytes: the VRAM the offer reserves in the guest's VMBus MMIO
 *	window, 1 to 128 (0: 8, which fits 1920 x 1080 at 32 bits)
 * @mmio_megabytes_optional: carried in the offer as given
 * @width: the largest resolution offered, which is also the default
 *	(0: 1024); it must fit in the VRAM at 32 bits
 * @height: (0: 768)
 */
struct vmbs_video_params {
	__u16 mmio_megabytes;
	__u16 mmio_megabytes_optional;
	__u16 width;
	__u16 height;
};

/* No input, struct vmbs_video_screen out. */
#define VMBS_VIDEO_SCREEN	1
/* No input, struct vmbs_video_dirty out: the rectangles since the last. */
#define VMBS_VIDEO_DIRTY	2
/*
 * struct vmbs_video_capture in; out, the visible pixels from its offset
 * on, rows of width * depth / 8 bytes one after the other, as many bytes
 * as fit (none past the end).
 */
#define VMBS_VIDEO_CAPTURE	3

/* vmbs_video_screen.flags */
#define VMBS_VIDEO_CONNECTED	0x1	/* a version was accepted */
#define VMBS_VIDEO_VRAM		0x2	/* the guest's VRAM is mapped */
#define VMBS_VIDEO_ACTIVE	0x4	/* the guest's output is on */
#define VMBS_VIDEO_POINTER	0x8	/* its pointer is visible */

/**
 * struct vmbs_video_screen - the screen as the guest set it up
 * @flags: VMBS_VIDEO_*
 * @version: the accepted version (minor << 16 | major, as on the wire)
 * @vram_gpa: where the guest placed its VRAM
 * @vram_size: the VRAM's bytes (the offer's mmio_megabytes)
 * @width: visible pixels
 * @height: visible rows
 * @depth: bits a pixel (32: XRGB8888)
 * @stride: bytes from a row to the next in the VRAM
 * @vram_offset: where the visible image starts in the VRAM
 * @pointer_x: the pointer's position
 * @pointer_y: (rows)
 * @pointer_width: its shape's size
 * @pointer_height: (rows)
 * @situations: situation updates of the guest
 * @dirt: dirty rectangles the guest reported
 * @rejected: guest messages dropped as malformed or out of order
 * @reserved: zero
 */
struct vmbs_video_screen {
	__u32 flags;
	__u32 version;
	__u64 vram_gpa;
	__u32 vram_size;
	__u32 width;
	__u32 height;
	__u32 depth;
	__u32 stride;
	__u32 vram_offset;
	__s32 pointer_x;
	__s32 pointer_y;
	__u32 pointer_width;
	__u32 pointer_height;
	__u32 situations;
	__u32 dirt;
	__u32 rejected;
	__u32 reserved;
};

struct vmbs_video_rect {
	__u32 x1, y1;	/* top left */
	__u32 x2, y2;	/* bottom right, exclusive */
};

/* Rectangles one VMBS_VIDEO_DIRTY returns. */
#define VMBS_VIDEO_DIRTY_MAX	16

/* vmbs_video_dirty.flags */
#define VMBS_VIDEO_DIRTY_MERGED	0x1	/* more came: rects[0] bounds them */

/**
 * struct vmbs_video_dirty - what changed since the last VMBS_VIDEO_DIRTY
 * @count: rectangles in @rects, clipped to the screen
 * @flags: VMBS_VIDEO_DIRTY_*
 * @rects: the rectangles
 */
struct vmbs_video_dirty {
	__u32 count;
	__u32 flags;
	struct vmbs_video_rect rects[VMBS_VIDEO_DIRTY_MAX];
};

/**
 * struct vmbs_video_capture - a piece of the visible image
 * @offset: its first byte in the packed image
 * @reserved: zero
 */
struct vmbs_video_capture {
	__u32 offset;
	__u32 reserved;
};

#endif /* _UAPI_LINUX_VMBUS_SERVER_VIDEO_H */
