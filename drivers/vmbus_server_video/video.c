// SPDX-License-Identifier: GPL-2.0
/*
 * Hyper-V's synthetic video as a device class of the registry.  The offer
 * reserves the VRAM in the guest's VMBus MMIO window (the channel's
 * mmio_megabytes); the guest's driver (Linux's hyperv_drm) negotiates a
 * version, asks for the resolutions, tells the device where it placed the
 * VRAM, and then reports its screen's format, dirty rectangles and
 * pointer.  The device maps the VRAM at the address the guest reported
 * (vmb_server_channel_map_gpa()) and gives the VMM the screen, the dirty
 * rectangles and the visible pixels (include/uapi/linux/vmbus_server_video.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmbus_server.h>
#include <uapi/linux/vmbus_server_video.h>

#include "video.h"

#define VMB_VID_MMIO_DEFAULT_MB		8
/* A bound of its own below the channel's mapping bound (256 MiB). */
#define VMB_VID_MMIO_MAX_MB		128
#define VMB_VID_WIDTH_DEFAULT		1024
#define VMB_VID_HEIGHT_DEFAULT		768
#define VMB_VID_MIN_WIDTH		640
#define VMB_VID_MIN_HEIGHT		480
/* Only XRGB8888, as hyperv_drm and Windows set. */
#define VMB_VID_DEPTH			32
#define VMB_VID_BPP			(VMB_VID_DEPTH / 8)

/* Offered besides the default, when they fit in it. */
static const struct {
	u16 width, height;
} vmb_vid_modes[] = {
	{ 640, 480 }, { 800, 600 }, { 1024, 768 }, { 1280, 720 },
	{ 1280, 1024 }, { 1600, 900 }, { 1600, 1200 }, { 1920, 1080 },
	{ 2560, 1440 }, { 3840, 2160 },
};

struct vmb_vid {
	struct vmb_channel *channel;
	u32 vram_size;			/* the offer's mmio_megabytes */
	u16 width, height;		/* the largest and default mode */
	/* Protects vram; held while it is read. */
	struct mutex vram_lock;
	struct vmb_server_mapping *vram;
	spinlock_t lock;		/* protects the fields below */
	struct vmbs_video_screen screen;
	struct vmbs_video_dirty dirty;
};

static int vmb_vid_send(struct vmb_vid *vid, u32 type, const void *body,
			u32 len)
{
	u8 buf[VMB_VID_HDRS_LEN + sizeof(struct vmb_vid_resolution_resp) +
	       VMB_VID_MAX_RESOLUTIONS * sizeof(struct vmb_vid_resolution)];
	struct vmb_vid_pipe_hdr *pipe = (void *)buf;
	struct vmb_vid_hdr *hdr = (void *)(pipe + 1);
	u32 size = sizeof(*hdr) + len;

	if (WARN_ON_ONCE(len > sizeof(buf) - VMB_VID_HDRS_LEN))
		return -EINVAL;
	pipe->type = cpu_to_le32(VMB_VID_PIPE_DATA);
	pipe->size = cpu_to_le32(size);
	hdr->type = cpu_to_le32(type);
	hdr->size = cpu_to_le32(size);
	memcpy(hdr + 1, body, len);
	return vmb_server_packet_send(vid->channel, buf, VMB_VID_HDRS_LEN + len,
				      VMB_SERVER_SEND_QUEUE, NULL, NULL);
}

/* Whether the guest is past the version request (to @version, if given). */
static bool vmb_vid_connected(struct vmb_vid *vid, u32 version)
{
	bool connected;

	spin_lock_bh(&vid->lock);
	connected = (vid->screen.flags & VMBS_VIDEO_CONNECTED) &&
		    (!version || vid->screen.version == version);
	spin_unlock_bh(&vid->lock);
	return connected;
}

static int vmb_vid_version(struct vmb_vid *vid, const void *body, u32 len)
{
	const struct vmb_vid_version_req *req = body;
	struct vmb_vid_version_resp resp = { .max_outputs = 1 };
	u32 version;

	if (len < sizeof(*req))
		return -EINVAL;
	version = le32_to_cpu(req->version);
	resp.version = req->version;
	resp.accepted = version == VMB_VID_VERSION_WIN10 ||
			version == VMB_VID_VERSION_WIN8;
	if (resp.accepted) {
		spin_lock_bh(&vid->lock);
		vid->screen.version = version;
		vid->screen.flags |= VMBS_VIDEO_CONNECTED;
		spin_unlock_bh(&vid->lock);
	}
	return vmb_vid_send(vid, VMB_VID_VERSION_RESPONSE, &resp, sizeof(resp));
}

/* The default mode first, then the smaller standard ones. */
static int vmb_vid_resolutions(struct vmb_vid *vid, const void *body, u32 len)
{
	struct {
		struct vmb_vid_resolution_resp hdr;
		struct vmb_vid_resolution modes[ARRAY_SIZE(vmb_vid_modes) + 1];
	} __packed resp = {};
	const struct vmb_vid_resolution_req *req = body;
	unsigned int i, n = 0, max;

	/* Resolutions are a 3.5 request, after the version. */
	if (len < sizeof(*req) || !req->max_count)
		return -EINVAL;
	if (!vmb_vid_connected(vid, VMB_VID_VERSION_WIN10))
		return -EPROTO;
	max = min_t(unsigned int, req->max_count, VMB_VID_MAX_RESOLUTIONS);
	resp.modes[n].width = cpu_to_le16(vid->width);
	resp.modes[n++].height = cpu_to_le16(vid->height);
	for (i = 0; i < ARRAY_SIZE(vmb_vid_modes) && n < max; i++) {
		if (vmb_vid_modes[i].width > vid->width ||
		    vmb_vid_modes[i].height > vid->height ||
		    (vmb_vid_modes[i].width == vid->width &&
		     vmb_vid_modes[i].height == vid->height))
			continue;
		resp.modes[n].width = cpu_to_le16(vmb_vid_modes[i].width);
		resp.modes[n++].height = cpu_to_le16(vmb_vid_modes[i].height);
	}
	resp.hdr.count = n;
	resp.hdr.default_index = 0;
	resp.hdr.standard = 0;
	return vmb_vid_send(vid, VMB_VID_RESOLUTION_RESPONSE, &resp,
			    sizeof(resp.hdr) + n * sizeof(resp.modes[0]));
}

/*
 * The guest placed its VRAM: map it there.  The acknowledgment carries
 * the guest's context back, or another value when the VRAM cannot be
 * mapped (the guest's memory does not hold it), which the guest's driver
 * takes as a refusal.
 */
static int vmb_vid_vram(struct vmb_vid *vid, const void *body, u32 len)
{
	struct vmb_vid_feature_change features = {
		.dirt_needed = 1,
		.pointer_position_needed = 1,
		.pointer_shape_needed = 1,
		.situation_needed = 1,
	};
	const struct vmb_vid_vram_location *loc = body;
	struct vmb_server_mapping *map = NULL, *old;
	struct vmb_vid_ack ack;
	u64 gpa;
	int ret = 0;

	if (len < sizeof(*loc))
		return -EINVAL;
	if (!vmb_vid_connected(vid, 0))
		return -EPROTO;
	gpa = le64_to_cpu(loc->gpa);
	if (loc->gpa_specified)
		ret = vmb_server_channel_map_gpa(vid->channel, gpa,
						 vid->vram_size, &map);
	mutex_lock(&vid->vram_lock);
	old = vid->vram;
	vid->vram = map;
	spin_lock_bh(&vid->lock);
	vid->screen.vram_gpa = map ? gpa : 0;
	if (map)
		vid->screen.flags |= VMBS_VIDEO_VRAM;
	else
		vid->screen.flags &= ~VMBS_VIDEO_VRAM;
	spin_unlock_bh(&vid->lock);
	mutex_unlock(&vid->vram_lock);
	vmb_server_unmap(old);

	ack.user_ctx = ret ? ~loc->user_ctx : loc->user_ctx;
	if (ret)
		pr_warn_ratelimited("VRAM at 0x%llx not mapped: %d\n", gpa, ret);
	ret = vmb_vid_send(vid, VMB_VID_VRAM_LOCATION_ACK, &ack, sizeof(ack));
	return ret ?: vmb_vid_send(vid, VMB_VID_FEATURE_CHANGE, &features,
				   sizeof(features));
}

static int vmb_vid_situation(struct vmb_vid *vid, const void *body, u32 len)
{
	const struct vmb_vid_situation *sit = body;
	const struct vmb_vid_output *out = &sit->output;
	u32 width, height, pitch, offset;
	struct vmb_vid_ack ack;

	if (len < sizeof(*sit) || !sit->count)
		return -EINVAL;
	if (!vmb_vid_connected(vid, 0))
		return -EPROTO;
	width = le32_to_cpu(out->width);
	height = le32_to_cpu(out->height);
	pitch = le32_to_cpu(out->pitch);
	offset = le32_to_cpu(out->vram_offset);
	/* The visible image must lie in the VRAM. */
	if (out->depth_bits != VMB_VID_DEPTH || !width || !height ||
	    width > vid->width || height > vid->height ||
	    pitch < width * VMB_VID_BPP ||
	    (u64)offset + (u64)pitch * (height - 1) + width * VMB_VID_BPP >
	    vid->vram_size)
		return -EINVAL;

	spin_lock_bh(&vid->lock);
	vid->screen.width = width;
	vid->screen.height = height;
	vid->screen.depth = VMB_VID_DEPTH;
	vid->screen.stride = pitch;
	vid->screen.vram_offset = offset;
	if (out->active)
		vid->screen.flags |= VMBS_VIDEO_ACTIVE;
	else
		vid->screen.flags &= ~VMBS_VIDEO_ACTIVE;
	vid->screen.situations++;
	spin_unlock_bh(&vid->lock);
	ack.user_ctx = sit->user_ctx;
	return vmb_vid_send(vid, VMB_VID_SITUATION_UPDATE_ACK, &ack,
			    sizeof(ack));
}

static int vmb_vid_pointer(struct vmb_vid *vid, u32 type, const void *body,
			   u32 len)
{
	const struct vmb_vid_pointer_position *pos = body;
	const struct vmb_vid_pointer_shape *shape = body;
	u32 width, height;

	if (type == VMB_VID_POINTER_POSITION) {
		if (len < sizeof(*pos))
			return -EINVAL;
		spin_lock_bh(&vid->lock);
		vid->screen.pointer_x = (s32)le32_to_cpu(pos->x);
		vid->screen.pointer_y = (s32)le32_to_cpu(pos->y);
		if (pos->visible)
			vid->screen.flags |= VMBS_VIDEO_POINTER;
		else
			vid->screen.flags &= ~VMBS_VIDEO_POINTER;
		spin_unlock_bh(&vid->lock);
		return 0;
	}
	if (len < sizeof(*shape))
		return -EINVAL;
	width = le32_to_cpu(shape->width);
	height = le32_to_cpu(shape->height);
	if (width > VMB_VID_POINTER_MAX || height > VMB_VID_POINTER_MAX ||
	    len < sizeof(*shape) + width * height * 4)
		return -EINVAL;
	spin_lock_bh(&vid->lock);
	vid->screen.pointer_width = width;
	vid->screen.pointer_height = height;
	spin_unlock_bh(&vid->lock);
	return 0;
}

/* Clipped to the screen; past VMBS_VIDEO_DIRTY_MAX, one bounding box. */
static void vmb_vid_add_dirt(struct vmb_vid *vid, s32 x1, s32 y1, s32 x2,
			     s32 y2)
{
	struct vmbs_video_dirty *d = &vid->dirty;
	struct vmbs_video_rect r;
	unsigned int i;

	lockdep_assert_held(&vid->lock);
	r.x1 = clamp_t(s32, x1, 0, vid->screen.width);
	r.x2 = clamp_t(s32, x2, 0, vid->screen.width);
	r.y1 = clamp_t(s32, y1, 0, vid->screen.height);
	r.y2 = clamp_t(s32, y2, 0, vid->screen.height);
	if (r.x1 >= r.x2 || r.y1 >= r.y2)
		return;
	if (d->count < VMBS_VIDEO_DIRTY_MAX && !(d->flags & VMBS_VIDEO_DIRTY_MERGED)) {
		d->rects[d->count++] = r;
		return;
	}
	for (i = 1; i < d->count; i++) {
		d->rects[0].x1 = min(d->rects[0].x1, d->rects[i].x1);
		d->rects[0].y1 = min(d->rects[0].y1, d->rects[i].y1);
		d->rects[0].x2 = max(d->rects[0].x2, d->rects[i].x2);
		d->rects[0].y2 = max(d->rects[0].y2, d->rects[i].y2);
	}
	d->rects[0].x1 = min(d->rects[0].x1, r.x1);
	d->rects[0].y1 = min(d->rects[0].y1, r.y1);
	d->rects[0].x2 = max(d->rects[0].x2, r.x2);
	d->rects[0].y2 = max(d->rects[0].y2, r.y2);
	d->count = 1;
	d->flags |= VMBS_VIDEO_DIRTY_MERGED;
}

static int vmb_vid_dirt(struct vmb_vid *vid, const void *body, u32 len)
{
	const struct vmb_vid_dirt *dirt = body;
	const struct vmb_vid_rect *rect = (const void *)(dirt + 1);
	unsigned int i;

	if (len < sizeof(*dirt) ||
	    len < sizeof(*dirt) + dirt->count * sizeof(*rect))
		return -EINVAL;
	/*
	 * hyperv_drm reports dirt of its first frame before the situation
	 * update that turns the output on: clipped to no screen, it is none.
	 */
	spin_lock_bh(&vid->lock);
	for (i = 0; i < dirt->count; i++, rect++)
		vmb_vid_add_dirt(vid, (s32)le32_to_cpu(rect->x1),
				 (s32)le32_to_cpu(rect->y1),
				 (s32)le32_to_cpu(rect->x2),
				 (s32)le32_to_cpu(rect->y2));
	vid->screen.dirt += dirt->count;
	spin_unlock_bh(&vid->lock);
	return 0;
}

static int vmb_vid_handle(struct vmb_vid *vid, u32 type, const void *body,
			  u32 len)
{
	switch (type) {
	case VMB_VID_VERSION_REQUEST:
		return vmb_vid_version(vid, body, len);
	case VMB_VID_RESOLUTION_REQUEST:
		return vmb_vid_resolutions(vid, body, len);
	case VMB_VID_VRAM_LOCATION:
		return vmb_vid_vram(vid, body, len);
	case VMB_VID_SITUATION_UPDATE:
		return vmb_vid_situation(vid, body, len);
	case VMB_VID_POINTER_POSITION:
	case VMB_VID_POINTER_SHAPE:
		return vmb_vid_pointer(vid, type, body, len);
	case VMB_VID_DIRT:
		return vmb_vid_dirt(vid, body, len);
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * The guest's messages.  @data is the server's copy of the packet, which
 * the guest cannot change: the headers' sizes are checked against the
 * packet's length, then each message's own fields.
 */
static void vmb_vid_process(struct vmb_channel *channel,
			    struct vmb_server_packet *packet, const void *data,
			    u32 len)
{
	struct vmb_vid *vid = vmb_server_channel_context(channel);
	const struct vmb_vid_pipe_hdr *pipe = data;
	const struct vmb_vid_hdr *hdr = (const void *)(pipe + 1);
	u32 type = 0, size;
	int ret = -EINVAL;

	if (len >= VMB_VID_HDRS_LEN &&
	    le32_to_cpu(pipe->type) == VMB_VID_PIPE_DATA) {
		type = le32_to_cpu(hdr->type);
		size = le32_to_cpu(hdr->size);
		if (size >= sizeof(*hdr) && size <= len - sizeof(*pipe))
			ret = vmb_vid_handle(vid, type, hdr + 1,
					     size - sizeof(*hdr));
	}
	vmb_server_packet_complete(packet, NULL, 0);
	/* Sends that found no room are not the guest's fault. */
	if (!ret || ret == -EAGAIN || ret == -ENOTCONN)
		return;
	spin_lock_bh(&vid->lock);
	vid->screen.rejected++;
	spin_unlock_bh(&vid->lock);
	pr_warn_ratelimited("message of type %u, %u bytes, not taken: %d\n",
			    type, len, ret);
}

static const struct vmb_server_packet_callbacks vmb_vid_packet_callbacks = {
	.process_packet = vmb_vid_process,
};

/* The open ended: its VRAM mapping with it; the next open starts over. */
static void vmb_vid_closed(struct vmb_channel *channel)
{
	struct vmb_vid *vid = vmb_server_channel_context(channel);
	struct vmb_server_mapping *old;

	mutex_lock(&vid->vram_lock);
	old = vid->vram;
	vid->vram = NULL;
	spin_lock_bh(&vid->lock);
	vid->screen.flags = 0;
	vid->screen.vram_gpa = 0;
	memset(&vid->dirty, 0, sizeof(vid->dirty));
	spin_unlock_bh(&vid->lock);
	mutex_unlock(&vid->vram_lock);
	vmb_server_unmap(old);
}

static const struct vmb_server_channel_callbacks vmb_vid_callbacks = {
	.closed = vmb_vid_closed,
};

/* Row by row from the VRAM: the stride may be wider than a row. */
static int vmb_vid_capture(struct vmb_vid *vid, const void *in, size_t in_len,
			   void *out, size_t *out_len)
{
	const struct vmbs_video_capture *req = in;
	struct vmbs_video_screen s;
	size_t row, total, done = 0, n;
	const u8 *base;
	u64 off;
	int ret = 0;

	if (in_len != sizeof(*req) || req->reserved)
		return -EINVAL;
	off = le32_to_cpu((__force __le32)req->offset);
	mutex_lock(&vid->vram_lock);
	spin_lock_bh(&vid->lock);
	s = vid->screen;
	spin_unlock_bh(&vid->lock);
	if (!vid->vram || !(s.flags & VMBS_VIDEO_ACTIVE)) {
		ret = -ENODATA;
		goto out;
	}
	base = vid->vram->ranges[0].addr;
	row = (size_t)s.width * VMB_VID_BPP;
	total = row * s.height;
	while (off < total && done < *out_len) {
		size_t y = off / row, x = off % row;

		n = min(row - x, *out_len - done);
		memcpy(out + done, base + s.vram_offset + y * s.stride + x, n);
		done += n;
		off += n;
	}
	*out_len = done;
out:
	mutex_unlock(&vid->vram_lock);
	return ret;
}

static int vmb_vid_control(struct vmb_server_device *device, u32 op,
			   const void *in, size_t in_len, void *out,
			   size_t *out_len)
{
	struct vmb_vid *vid = vmb_server_device_get_drvdata(device);

	switch (op) {
	case VMBS_VIDEO_SCREEN:
		if (in_len || *out_len < sizeof(vid->screen))
			return -EINVAL;
		spin_lock_bh(&vid->lock);
		memcpy(out, &vid->screen, sizeof(vid->screen));
		spin_unlock_bh(&vid->lock);
		*out_len = sizeof(vid->screen);
		return 0;
	case VMBS_VIDEO_DIRTY:
		if (in_len || *out_len < sizeof(vid->dirty))
			return -EINVAL;
		spin_lock_bh(&vid->lock);
		memcpy(out, &vid->dirty, sizeof(vid->dirty));
		memset(&vid->dirty, 0, sizeof(vid->dirty));
		spin_unlock_bh(&vid->lock);
		*out_len = sizeof(vid->dirty);
		return 0;
	case VMBS_VIDEO_CAPTURE:
		return vmb_vid_capture(vid, in, in_len, out, out_len);
	default:
		return -EOPNOTSUPP;
	}
}

static int vmb_vid_params(struct vmb_vid *vid, struct vmb_server_device *device,
			  u16 *mmio, u16 *optional)
{
	struct vmbs_video_params p = {};
	const void *blob;
	size_t len;

	blob = vmb_server_device_params(device, &len);
	if (len && len != sizeof(p))
		return -EINVAL;
	memcpy(&p, blob, len);
	*mmio = le16_to_cpu((__force __le16)p.mmio_megabytes) ?:
		VMB_VID_MMIO_DEFAULT_MB;
	*optional = le16_to_cpu((__force __le16)p.mmio_megabytes_optional);
	vid->width = le16_to_cpu((__force __le16)p.width) ?:
		     VMB_VID_WIDTH_DEFAULT;
	vid->height = le16_to_cpu((__force __le16)p.height) ?:
		      VMB_VID_HEIGHT_DEFAULT;
	if (*mmio > VMB_VID_MMIO_MAX_MB || vid->width < VMB_VID_MIN_WIDTH ||
	    vid->height < VMB_VID_MIN_HEIGHT ||
	    (u64)vid->width * vid->height * VMB_VID_BPP > (u64)*mmio << 20)
		return -EINVAL;
	vid->vram_size = (u32)*mmio << 20;
	return 0;
}

static int vmb_vid_probe(struct vmb_server_device *device)
{
	u32 max_packet = VMB_SERVER_INBAND_PACKET_SIZE(VMB_VID_MSG_MAX);
	struct vmb_channel *channel;
	u16 mmio, optional;
	struct vmb_vid *vid;
	int ret;

	vid = kzalloc(sizeof(*vid), GFP_KERNEL);
	if (!vid)
		return -ENOMEM;
	ret = vmb_vid_params(vid, device, &mmio, &optional);
	if (ret)
		goto err_vid;
	mutex_init(&vid->vram_lock);
	spin_lock_init(&vid->lock);
	vid->screen.vram_size = vid->vram_size;

	channel = vmb_server_channel_alloc();
	if (IS_ERR(channel)) {
		ret = PTR_ERR(channel);
		goto err_vid;
	}
	vid->channel = channel;
	ret = vmb_server_channel_init_set_server(channel,
						 vmb_server_device_server(device)) ?:
	      vmb_server_channel_init_set_interface(channel,
						    vmb_server_device_type(device),
						    vmb_server_device_instance(device)) ?:
	      vmb_server_channel_init_set_name(channel, "video") ?:
	      vmb_server_channel_init_set_mmio_megabytes(channel, mmio,
							 optional) ?:
	      vmb_server_channel_init_set_max_packet_size(channel, max_packet) ?:
	      vmb_server_channel_init_set_callbacks(channel, &vmb_vid_callbacks,
						    vid) ?:
	      vmb_server_channel_init_set_packet_callbacks(channel,
							   &vmb_vid_packet_callbacks);
	if (ret)
		goto err_channel;
	ret = vmb_server_channel_enable(channel);
	if (ret)
		goto err_channel;
	ret = vmb_server_channel_start(channel);
	if (ret)
		goto err_disable;
	vmb_server_device_set_drvdata(device, vid);
	pr_info("offering %ux%u, VRAM %u MiB + %u MiB optional\n", vid->width,
		vid->height, mmio, optional);
	return 0;

err_disable:
	vmb_server_channel_disable(channel);
err_channel:
	vmb_server_channel_free(channel);
err_vid:
	kfree(vid);
	return ret;
}

/* The disable closes an open channel (closed unmaps the VRAM). */
static void vmb_vid_remove(struct vmb_server_device *device)
{
	struct vmb_vid *vid = vmb_server_device_get_drvdata(device);

	vmb_server_channel_disable(vid->channel);
	vmb_server_channel_free(vid->channel);
	mutex_destroy(&vid->vram_lock);
	kfree(vid);
}

static struct vmb_server_device_class vmb_vid_class = {
	.name = "video",
	.type = GUID_INIT(0xda0a7802, 0xe377, 0x4aac, 0x8e, 0x77, 0x05, 0x58,
			  0xeb, 0x10, 0x73, 0xf8),
	.owner = THIS_MODULE,
	.probe = vmb_vid_probe,
	.remove = vmb_vid_remove,
	.control = vmb_vid_control,
};

static int __init vmb_vid_init(void)
{
	return vmb_server_device_class_register(&vmb_vid_class);
}

static void __exit vmb_vid_exit(void)
{
	vmb_server_device_class_unregister(&vmb_vid_class);
}

module_init(vmb_vid_init);
module_exit(vmb_vid_exit);

MODULE_IMPORT_NS(VMBUS_SERVER);
MODULE_DESCRIPTION("VMBus server synthetic video");
MODULE_LICENSE("GPL");
