// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile guest for the device modules: a VMBus driver of the test
 * kernel's guest stack that binds the keyboard, synthetic video and
 * shutdown devices in place of hyperv_keyboard, hyperv_drm and hv_utils,
 * and sends each device truncated, malformed, out-of-order and unknown
 * messages between valid ones, then one packet larger than the device
 * takes.  It checks each answer the host gives, counts the messages the
 * host must refuse, and logs one line per device when done:
 *
 *   <kind> <instance>: sent N, the host must reject M, answers checked A, wrong W
 *
 * The harness compares M with the device's own reject counter, W with
 * zero, and expects the last packet to fail the channel's data path
 * ("packet too big") and the channel to close when this module goes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/hyperv.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <linux/workqueue.h>

/* Room for every answer of the three devices (a resolution list). */
#define HOSTILE_BUF_SIZE	4096
/* How long an answer of the host may take under TCG. */
#define HOSTILE_ANSWER_MS	10000

enum hostile_kind { HOSTILE_KBD, HOSTILE_VIDEO, HOSTILE_SHUTDOWN };

/*
 * Per kind: the ring sizes, and a packet larger than the device's largest
 * message (keyboard 256 bytes, video a 96x96 pointer shape, IC 2088
 * bytes) that still fits the send ring.
 */
static const struct {
	const char *name;
	u32 ring_size;
	u32 oversize;
} hostile_kinds[] = {
	[HOSTILE_KBD] = { "keyboard", 16 * PAGE_SIZE, 1024 },
	[HOSTILE_VIDEO] = { "video", 64 * PAGE_SIZE, 40960 },
	[HOSTILE_SHUTDOWN] = { "shutdown", 16 * PAGE_SIZE, 4096 },
};

struct hostile {
	struct hv_device *dev;
	enum hostile_kind kind;
	struct work_struct work;
	u32 sent, must_reject, checked, wrong;
	u8 in[HOSTILE_BUF_SIZE];
	u8 out[];
};

static void hostile_callback(void *context)
{
	/* The script polls: nothing to do here. */
}

static int hostile_send(struct hostile *h, void *msg, u32 len,
			bool reject)
{
	int ret;

	ret = vmbus_sendpacket(h->dev->channel, msg, len, h->sent,
			       VM_PKT_DATA_INBAND, 0);
	if (ret) {
		pr_warn("%s: message %u of %u bytes not sent: %d\n",
			hostile_kinds[h->kind].name, h->sent, len, ret);
		h->wrong++;
		return ret;
	}
	h->sent++;
	h->must_reject += reject;
	return 0;
}

/* The host's next packet, into h->in; its length, or 0 after a timeout. */
static u32 hostile_recv(struct hostile *h)
{
	unsigned long end = jiffies + msecs_to_jiffies(HOSTILE_ANSWER_MS);
	u32 len;
	u64 id;

	do {
		if (!vmbus_recvpacket(h->dev->channel, h->in, sizeof(h->in),
				      &len, &id) && len)
			return len;
		msleep(20);
	} while (time_before(jiffies, end));
	return 0;
}

static void hostile_check(struct hostile *h, bool ok, const char *what)
{
	h->checked++;
	if (ok)
		return;
	h->wrong++;
	pr_warn("%s: wrong answer: %s\n", hostile_kinds[h->kind].name, what);
}

static u32 get32(const u8 *p, unsigned int off)
{
	return get_unaligned_le32(p + off);
}

/* Keyboard: a 4-byte type, then the message (hyperv_keyboard's protocol). */
static void hostile_kbd_msg(struct hostile *h, u32 type, u32 a, u32 len,
			    bool reject)
{
	put_unaligned_le32(type, h->out);
	put_unaligned_le32(a, h->out + 4);
	hostile_send(h, h->out, len, reject);
}

/*
 * A packet's payload is a multiple of 8 bytes on the ring: a keyboard
 * message (8 bytes) can be empty but not cut short.
 */
static void hostile_kbd(struct hostile *h)
{
	u32 len;

	hostile_send(h, h->out, 0, true);		/* empty */
	hostile_kbd_msg(h, 4, 7, 8, true);		/* LEDs before protocol */
	hostile_kbd_msg(h, 77, 0, 8, true);		/* unknown type */
	hostile_kbd_msg(h, 3, 0x1e, 12, true);		/* the host's keystroke */
	hostile_kbd_msg(h, 1, 0x00020000, 8, false);	/* a version not spoken */
	len = hostile_recv(h);
	hostile_check(h, len >= 8 && get32(h->in, 0) == 2 &&
		      get32(h->in, 4) == 0, "version 2.0 not refused");
	hostile_kbd_msg(h, 1, 0x00010000, 8, false);	/* 1.0 */
	len = hostile_recv(h);
	hostile_check(h, len >= 8 && get32(h->in, 0) == 2 &&
		      get32(h->in, 4) == 1, "version 1.0 not accepted");
	/* Caps lock and scroll lock: the host reports 5. */
	hostile_kbd_msg(h, 4, 5, 8, false);
}

/* Video: a pipe header, a message header, then the message. */
static void hostile_vid_msg(struct hostile *h, u32 type, const void *body,
			    u32 len, bool reject)
{
	put_unaligned_le32(1, h->out);
	put_unaligned_le32(8 + len, h->out + 4);
	put_unaligned_le32(type, h->out + 8);
	put_unaligned_le32(8 + len, h->out + 12);
	memcpy(h->out + 16, body, len);
	hostile_send(h, h->out, 16 + len, reject);
}

/* An answer of @type; its body at h->in + 16. */
static bool hostile_vid_answer(struct hostile *h, u32 type, u32 body_len)
{
	u32 len = hostile_recv(h);

	return len >= 16 + body_len && get32(h->in, 8) == type;
}

struct hostile_vid_output {
	u8 active;
	__le32 offset;
	u8 depth;
	__le32 width, height, pitch;
} __packed;

struct hostile_vid_situation {
	__le64 ctx;
	u8 count;
	struct hostile_vid_output out;
} __packed;

static void hostile_vid_situation(struct hostile *h, u8 count, u8 depth,
				  u32 width, u32 height, u32 pitch, u32 offset,
				  bool reject)
{
	struct hostile_vid_situation s = {
		.ctx = cpu_to_le64(0x5157),
		.count = count,
		.out = {
			.active = 1,
			.offset = cpu_to_le32(offset),
			.depth = depth,
			.width = cpu_to_le32(width),
			.height = cpu_to_le32(height),
			.pitch = cpu_to_le32(pitch),
		},
	};

	hostile_vid_msg(h, 5, &s, sizeof(s), reject);
}

static void hostile_vid_vram(struct hostile *h, u64 gpa)
{
	struct {
		__le64 ctx;
		u8 specified;
		__le64 gpa;
	} __packed loc = {
		.ctx = cpu_to_le64(0x7a3),
		.specified = 1,
		.gpa = cpu_to_le64(gpa),
	};

	hostile_vid_msg(h, 3, &loc, sizeof(loc), false);
	/* Refused: the context comes back inverted; then the features. */
	hostile_check(h, hostile_vid_answer(h, 4, 8) &&
		      get_unaligned_le64(h->in + 16) == ~0x7a3ULL,
		      "VRAM outside the guest's memory acknowledged");
	hostile_check(h, hostile_vid_answer(h, 9, 4), "no feature change");
}

static void hostile_video(struct hostile *h)
{
	struct {
		u8 output, count;
		__le32 rect[20][4];	/* left, top, right, bottom */
	} __packed dirt = { .count = 20 };
	struct {
		u8 part, argb;
		__le32 width, height, hot_x, hot_y;
	} __packed shape = {
		.width = cpu_to_le32(1000), .height = cpu_to_le32(1000),
	};
	__le32 v;
	u8 b[2];
	int i;

	/* Headers: short, wrong pipe type, sizes past the packet. */
	hostile_send(h, "\x01\0\0\0", 4, true);
	memset(h->out, 0, 24);
	put_unaligned_le32(2, h->out);
	put_unaligned_le32(16, h->out + 4);
	hostile_send(h, h->out, 24, true);
	put_unaligned_le32(1, h->out);
	put_unaligned_le32(8, h->out + 4);
	put_unaligned_le32(1, h->out + 8);
	put_unaligned_le32(0x7fffffff, h->out + 12);
	hostile_send(h, h->out, 24, true);
	put_unaligned_le32(4, h->out + 12);		/* smaller than itself */
	hostile_send(h, h->out, 24, true);
	hostile_vid_msg(h, 99, "", 0, true);		/* unknown type */
	/* Out of order: a mode, the VRAM and resolutions before a version. */
	hostile_vid_situation(h, 1, 32, 640, 480, 2560, 0, true);
	hostile_vid_msg(h, 3, b, 0, true);
	b[0] = 8;
	hostile_vid_msg(h, 13, b, 1, true);
	/* A version not spoken, then 3.5. */
	v = cpu_to_le32(0x00090009);
	hostile_vid_msg(h, 1, &v, sizeof(v), false);
	hostile_check(h, hostile_vid_answer(h, 2, 5) && !h->in[20],
		      "version 9.9 accepted");
	v = cpu_to_le32(0x00050003);
	hostile_vid_msg(h, 1, &v, sizeof(v), false);
	hostile_check(h, hostile_vid_answer(h, 2, 5) && h->in[20],
		      "version 3.5 refused");
	/* Resolutions: none asked for, then 255 (the host gives at most 64). */
	b[0] = 0;
	hostile_vid_msg(h, 13, b, 1, true);
	b[0] = 255;
	hostile_vid_msg(h, 13, b, 1, false);
	hostile_check(h, hostile_vid_answer(h, 14, 131) &&
		      h->in[16 + 128] >= 1 && h->in[16 + 128] <= 64,
		      "resolution list");
	/* VRAM where no memory is, and where its end wraps around. */
	hostile_vid_vram(h, 0xfff00000000ULL);
	hostile_vid_vram(h, ~0xfffULL);
	/* Modes: none, 16 bits, too wide, stride too short, past the VRAM. */
	hostile_vid_situation(h, 0, 32, 640, 480, 2560, 0, true);
	hostile_vid_situation(h, 1, 16, 640, 480, 1280, 0, true);
	hostile_vid_situation(h, 1, 32, 100000, 480, 400000, 0, true);
	hostile_vid_situation(h, 1, 32, 640, 480, 1, 0, true);
	hostile_vid_situation(h, 1, 32, 640, 480, 0xffffffff, 0, true);
	hostile_vid_situation(h, 1, 32, 640, 480, 2560, 0xfffff000, true);
	hostile_vid_situation(h, 1, 32, 640, 480, 2560, 0, false);
	hostile_check(h, hostile_vid_answer(h, 6, 8) &&
		      get_unaligned_le64(h->in + 16) == 0x5157,
		      "640x480 not acknowledged");
	/* Dirt: more rectangles than the packet holds, then 20 past it. */
	b[0] = 0;
	b[1] = 255;
	hostile_vid_msg(h, 10, b, 2, true);
	for (i = 0; i < 20; i++) {
		dirt.rect[i][0] = cpu_to_le32(i * 40 - 400);
		dirt.rect[i][1] = cpu_to_le32(0x80000000u + i);
		dirt.rect[i][2] = cpu_to_le32(0x7fffffff - i);
		dirt.rect[i][3] = cpu_to_le32(i * 30);
	}
	hostile_vid_msg(h, 10, &dirt, sizeof(dirt), false);
	/* Pointer: a shape too big, a shape longer than its packet. */
	hostile_vid_msg(h, 8, &shape, sizeof(shape), true);
	shape.width = cpu_to_le32(96);
	shape.height = cpu_to_le32(96);
	hostile_vid_msg(h, 8, &shape, sizeof(shape), true);
}

/* Shutdown: the IC framework's headers from <linux/hyperv.h>. */
static void hostile_ic_msg(struct hostile *h, u8 txid, u16 type, u8 flags,
			   u16 fw_count, bool reject)
{
	struct vmbuspipe_hdr *pipe = (void *)h->out;
	struct icmsg_hdr *hdr = (void *)(pipe + 1);
	struct icmsg_negotiate *neg = (void *)(hdr + 1);
	u32 len = sizeof(*pipe) + sizeof(*hdr) + sizeof(*neg) +
		  (fw_count + 1) * sizeof(neg->icversion_data[0]);
	unsigned int i;

	memset(h->out, 0, len);
	pipe->flags = 0;
	pipe->msgsize = len - sizeof(*pipe);
	hdr->icverframe.major = 3;
	hdr->icmsgtype = type;
	hdr->icvermsg.major = 3;
	hdr->icmsgsize = len - sizeof(*pipe) - sizeof(*hdr);
	hdr->ictransaction_id = txid;
	hdr->icflags = flags;
	neg->icframe_vercnt = fw_count;
	neg->icmsg_vercnt = 1;
	for (i = 0; i <= fw_count; i++) {
		neg->icversion_data[i].major = 3;
		neg->icversion_data[i].minor = i == fw_count ? 2 : 0;
	}
	hostile_send(h, h->out, len, reject);
}

static void hostile_shutdown(struct hostile *h)
{
	const struct icmsg_hdr *req = (void *)(h->in +
					       sizeof(struct vmbuspipe_hdr));
	u8 txid, resp = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	u32 len;

	/* The host asks first: its versions. */
	len = hostile_recv(h);
	hostile_check(h, len >= sizeof(struct vmbuspipe_hdr) + sizeof(*req) &&
		      req->icmsgtype == ICMSGTYPE_NEGOTIATE &&
		      (req->icflags & ICMSGHDRFLAG_REQUEST),
		      "no negotiation request");
	txid = req->ictransaction_id;
	hostile_send(h, "\0\0\0\0", 4, true);		/* short */
	hostile_ic_msg(h, txid, 1, resp, 1, true);	/* a heartbeat */
	hostile_ic_msg(h, txid + 1, 0, resp, 1, true);	/* another txid */
	hostile_ic_msg(h, txid, 0, ICMSGHDRFLAG_REQUEST, 1, true);
	/* The answer, choosing two framework versions: none agreed. */
	hostile_ic_msg(h, txid, 0, resp, 2, false);
	/* A valid answer now answers nothing. */
	hostile_ic_msg(h, txid, 0, resp, 1, true);
}

static void hostile_work(struct work_struct *work)
{
	struct hostile *h = container_of(work, struct hostile, work);
	const char *name = hostile_kinds[h->kind].name;

	if (h->kind == HOSTILE_KBD)
		hostile_kbd(h);
	else if (h->kind == HOSTILE_VIDEO)
		hostile_video(h);
	else
		hostile_shutdown(h);
	/* Last: a packet larger than the device takes fails the channel. */
	memset(h->out, 0, hostile_kinds[h->kind].oversize);
	hostile_send(h, h->out, hostile_kinds[h->kind].oversize, false);
	pr_info("%s %pUl: sent %u, the host must reject %u, answers checked %u, wrong %u\n",
		name, &h->dev->dev_instance, h->sent, h->must_reject,
		h->checked, h->wrong);
}

static int hostile_probe(struct hv_device *dev,
			 const struct hv_vmbus_device_id *id)
{
	enum hostile_kind kind = id->driver_data;
	u32 ring = hostile_kinds[kind].ring_size;
	struct hostile *h;
	int ret;

	h = kzalloc(struct_size(h, out, hostile_kinds[kind].oversize),
		    GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->dev = dev;
	h->kind = kind;
	INIT_WORK(&h->work, hostile_work);
	hv_set_drvdata(dev, h);
	ret = vmbus_open(dev->channel, ring, ring, NULL, 0, hostile_callback,
			 h);
	if (ret) {
		kfree(h);
		return ret;
	}
	schedule_work(&h->work);
	return 0;
}

static void hostile_remove(struct hv_device *dev)
{
	struct hostile *h = hv_get_drvdata(dev);

	cancel_work_sync(&h->work);
	vmbus_close(dev->channel);
	kfree(h);
}

static const struct hv_vmbus_device_id hostile_ids[] = {
	{ HV_KBD_GUID, .driver_data = HOSTILE_KBD },
	{ HV_SYNTHVID_GUID, .driver_data = HOSTILE_VIDEO },
	{ HV_SHUTDOWN_GUID, .driver_data = HOSTILE_SHUTDOWN },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hostile_ids);

static struct hv_driver hostile_driver = {
	.name = "vmbus_server_hostile_guest",
	.id_table = hostile_ids,
	.probe = hostile_probe,
	.remove = hostile_remove,
};

static int __init hostile_init(void)
{
	return vmbus_driver_register(&hostile_driver);
}

static void __exit hostile_exit(void)
{
	vmbus_driver_unregister(&hostile_driver);
}

module_init(hostile_init);
module_exit(hostile_exit);
MODULE_DESCRIPTION("Hostile guest driver for the vmbus_server device modules");
MODULE_LICENSE("GPL");
