// SPDX-License-Identifier: GPL-2.0
/*
 * The loopback transport: plays the hypervisor between the test kernel's
 * own, unmodified Hyper-V guest stack (hv_vmbus and its class drivers) and
 * a vmb_server in the same kernel.
 *
 * The test kernel's shim (tools/testing/vmbus_server/testkernel/
 * hv-loopback.patch) hands every hypercall of the guest to this module:
 * HvPostMessage is copied (the guest posts with interrupts off) and
 * delivered to the server from a work item; HvSignalEvent is counted and
 * handed to the server (vmb_server_guest_signal()).
 * Host messages are written into the guest's SynIC message slot with the
 * hypervisor's busy/EOM protocol, channel signals set the relid's bit in
 * the guest's event flags, and both raise the callback vector on the
 * target CPU.  Guest physical memory is this kernel's own memory, so GPADL
 * frames are ordinary pages (see lb_pin_guest_pages()).
 *
 * It uses only vmbus_server's exported API.  The channels it offers come
 * from the module parameters; debugfs (vmbus_server_loopback/) lists them,
 * counts what crossed, and takes commands: "disable N", "enable N",
 * "add TYPE[@INSTANCE][:MMIO[:MMIO_OPTIONAL]]", "reset" (the server
 * forgets the guest as on a VM reboot: vmb_server_reset()), and
 * "device-add TYPE INSTANCE [PARAMS]", "device-remove INSTANCE" and
 * "device-control INSTANCE OP [IN]" for the devices of registered classes
 * (vmb_server_device_add()), as a VMM adds them; control-out reads the
 * last control's output.  Other test back-end modules enable their channels on its server,
 * see vmbus_server_loopback_add().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>
#include <linux/vmbus_server.h>
#include <linux/vmbus_server_protocol.h>
#include <linux/unaligned.h>
#include <linux/workqueue.h>
#include <asm/mshyperv.h>
#include <asm/sync_bitops.h>

#include "loopback.h"

static char *devices = "heartbeat";
module_param(devices, charp, 0444);
MODULE_PARM_DESC(devices,
		 "Channels to offer, comma-separated: TYPE[@INSTANCE][:MMIO[:MMIO_OPTIONAL]]; TYPE is a GUID or heartbeat, shutdown, timesync, kvp, vss, keyboard, synthvid, test");

static uint extra;
module_param(extra, uint, 0444);
MODULE_PARM_DESC(extra, "Further channels of the test type, no guest driver binds them");

/* The SINT a guest takes host messages on before it names one (5.0). */
#define LB_DEFAULT_SINT		2
/* SynIC message type of VMBus channel messages (VMBUS.md §3). */
#define LB_SYNIC_MSG_VMBUS	1
/*
 * Guest posts waiting for the work item.  The guest posts one message at a
 * time per CPU and waits for most answers; past this bound it is told to
 * retry (HV_STATUS_INSUFFICIENT_BUFFERS), which Linux does.
 */
#define LB_MAX_PENDING		1024
/* Channels one loopback server offers: every relid the server has. */
#define LB_MAX_DEVICES		2047
/* VPs whose signals the stats count one by one: the test runs use two. */
#define LB_COUNTED_VPS		4
/* Connection ids the server gives channels: 0x10000 + relid. */
#define LB_CONN_ID_BASE		0x10000
/* Bytes of a device-control's input: a line of the control file. */
#define LB_CONTROL_IN_MAX	1024
/*
 * How long the module's exit waits for the guest to answer the rescinds of
 * its devices (Linux closes an open channel, then releases the relid)
 * before it stops being the guest's hypervisor.
 */
#define LB_EXIT_RELEASE_MS	10000

/* The HvPostMessage input page, as the guest fills it. */
struct lb_post_input {
	u32 connection_id;
	u32 reserved;
	u32 message_type;
	u32 payload_size;
	u8 payload[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
} __packed;

struct lb_post {
	struct list_head node;
	u32 connection_id;
	u32 len;
	u8 data[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
};

struct lb_device {
	struct vmb_channel *channel;
	char name[24];
	guid_t type;
	guid_t instance;
	u16 mmio;
	u16 mmio_optional;
};

enum lb_stat {
	LB_POSTS,		/* HvPostMessage taken */
	LB_POSTS_REFUSED,	/* told to retry: queue full or no memory */
	LB_POSTS_BAD,		/* malformed input */
	LB_DELIVERED,		/* accepted by the server */
	LB_REJECTED,		/* refused by the server */
	LB_DEFERRED,		/* held back: the server's backlog was full */
	LB_HOST_MSGS,		/* host messages written into the slot */
	LB_SLOT_BUSY,		/* host message found the slot busy */
	LB_EOMS,		/* guest EOMs */
	LB_HOST_DROPPED,	/* host message for a guest without a SIMP */
	LB_SIGNALS_IN,		/* HvSignalEvent */
	LB_SIGNALS_OUT,		/* host signals */
	LB_PINNED,		/* GPADL frames pinned */
	LB_UNPINNED,
	LB_UNKNOWN_CALLS,	/* other hypercalls */
	LB_STAT_COUNT
};

static const char * const lb_stat_names[LB_STAT_COUNT] = {
	[LB_POSTS] = "guest_posts",
	[LB_POSTS_REFUSED] = "guest_posts_refused",
	[LB_POSTS_BAD] = "guest_posts_malformed",
	[LB_DELIVERED] = "delivered",
	[LB_REJECTED] = "rejected",
	[LB_DEFERRED] = "deferred",
	[LB_HOST_MSGS] = "host_messages",
	[LB_SLOT_BUSY] = "slot_busy",
	[LB_EOMS] = "eoms",
	[LB_HOST_DROPPED] = "host_messages_dropped",
	[LB_SIGNALS_IN] = "guest_signals",
	[LB_SIGNALS_OUT] = "host_signals",
	[LB_PINNED] = "frames_pinned",
	[LB_UNPINNED] = "frames_unpinned",
	[LB_UNKNOWN_CALLS] = "unknown_hypercalls",
};

static struct {
	struct vmb_server *server;
	struct workqueue_struct *wq;
	struct dentry *debugfs;

	/* Guest posts, oldest first: filled by the hypercall, drained by
	 * deliver_work.
	 */
	spinlock_t in_lock;
	struct list_head in;		/* protected by in_lock */
	unsigned int in_len;		/* protected by in_lock */
	struct work_struct deliver_work;
	struct work_struct ready_work;
	/* Tries the held-back post again, should no EOM come first. */
	struct delayed_work retry_work;

	/* Where channel events go: INITIATE_CONTACT names it. */
	u8 msg_sint;

	/*
	 * Relids the guest was sent a rescind for and has not released, and
	 * whether a host message waits for the guest's EOM: until both are
	 * clear the guest may still post to close and release.  Bits are set
	 * where the message is written and cleared on delivery of the
	 * release, or all at once when the guest starts over.
	 */
	DECLARE_BITMAP(rescinded, LB_MAX_DEVICES + 1);
	bool waiting_eom;

	/* Serializes the debugfs commands; nothing under it waits for the
	 * guest (a disable returns once the rescind is out).
	 */
	struct mutex control_lock;
	struct lb_device devs[LB_MAX_DEVICES];
	unsigned int ndevs;		/* protected by control_lock */
	/* What the last device-control gave: protected by control_lock */
	u8 *ctl_out;
	size_t ctl_out_len;

	atomic_long_t stats[LB_STAT_COUNT];
	/* HvSignalEvent per channel connection id, the rest in [0]. */
	atomic_long_t signals[LB_MAX_DEVICES + 1];
	/* The host's signals per target VP, the higher ones not counted. */
	atomic_long_t signals_to_vp[LB_COUNTED_VPS];
} lb;

static void lb_count(enum lb_stat stat)
{
	atomic_long_inc(&lb.stats[stat]);
}

/* The guest page behind a SynIC page MSR (SIMP/SIEFP), or NULL when off. */
static void *lb_synic_page(unsigned int cpu, unsigned int msr)
{
	u64 val;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return NULL;
	val = hv_loopback_read_msr(cpu, msr);
	if (!(val & 1))		/* simp_enabled, siefp_enabled */
		return NULL;
	return phys_to_virt((val >> HV_HYP_PAGE_SHIFT) << HV_HYP_PAGE_SHIFT);
}

/* The guest is about to be told of a rescind: it owes a release. */
static void lb_note_rescind(const void *msg, size_t len)
{
	const struct vmb_msg_relid *r = msg;
	u32 relid;

	if (len < sizeof(*r) ||
	    le32_to_cpu(r->header.msgtype) != VMB_MSG_RESCIND_CHANNELOFFER)
		return;
	relid = le32_to_cpu(r->child_relid);
	if (relid <= LB_MAX_DEVICES)
		set_bit(relid, lb.rescinded);
}

/*
 * Transport ops.  Like a hypervisor, post_message never waits for the
 * guest: a busy slot is flagged msg_pending, and the guest's EOM brings
 * the server back.
 */
static int lb_post_message(struct vmb_server *server, u32 cpu, u8 sint,
			   const void *msg, size_t len)
{
	struct hv_message_page *page;
	struct hv_message *slot;

	page = lb_synic_page(cpu, HV_X64_MSR_SIMP);
	if (!page) {
		/* A guest whose message page is off gets nothing. */
		lb_count(LB_HOST_DROPPED);
		return 0;
	}
	slot = &page->sint_message[sint];
	if (READ_ONCE(slot->header.message_type) != HVMSG_NONE) {
		WRITE_ONCE(slot->header.message_flags.asu8, 1);
		/*
		 * Pairs with the guest's barrier between freeing the slot
		 * and reading msg_pending: either it sees the flag and
		 * writes EOM, or this sees the slot free.
		 */
		smp_mb();
		if (READ_ONCE(slot->header.message_type) != HVMSG_NONE) {
			lb_count(LB_SLOT_BUSY);
			WRITE_ONCE(lb.waiting_eom, true);
			return -EAGAIN;
		}
	}
	lb_note_rescind(msg, len);
	memcpy(slot->u.payload, msg, len);
	slot->header.payload_size = len;
	slot->header.message_flags.asu8 = 0;
	/* The payload is complete before the guest can see the type. */
	smp_wmb();
	WRITE_ONCE(slot->header.message_type, LB_SYNIC_MSG_VMBUS);
	lb_count(LB_HOST_MSGS);
	hv_loopback_raise(cpu);
	return 0;
}

static void lb_signal_guest(struct vmb_server *server, u32 child_relid,
			    u32 target_vp)
{
	union hv_synic_event_flags *flags;

	flags = lb_synic_page(target_vp, HV_X64_MSR_SIEFP);
	if (!flags || child_relid >= HV_EVENT_FLAGS_COUNT)
		return;
	sync_set_bit(child_relid, flags[READ_ONCE(lb.msg_sint)].flags);
	lb_count(LB_SIGNALS_OUT);
	if (target_vp < LB_COUNTED_VPS)
		atomic_long_inc(&lb.signals_to_vp[target_vp]);
	hv_loopback_raise(target_vp);
}

/*
 * Guest memory is this kernel's memory, and no page reference is taken:
 * Linux allocates a ring as one high-order page that is not compound, so
 * the frames after the first have no reference count of their own (a
 * get_page()/put_page() pair frees such a frame on its own, corrupting the
 * allocator: seen as a bad PMD on the first channel close).  None is
 * needed either: the guest frees a GPADL's memory only once it has
 * GPADL_TORNDOWN, which the server sends after it unmapped the frames.
 * Pins and unpins are counted, so that a leak still shows.
 */
static void lb_unpin_guest_pages(struct vmb_server *server,
				 struct page **pages, unsigned int count)
{
	atomic_long_add(count, &lb.stats[LB_UNPINNED]);
}

static int lb_pin_guest_pages(struct vmb_server *server, const u64 *gpfns,
			      unsigned int count, bool write,
			      struct page **pages)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		/* Guest frames are 4 KiB, as x86 pages are. */
		if (!pfn_valid(gpfns[i]))
			return -EFAULT;
		pages[i] = pfn_to_page(gpfns[i]);
	}
	atomic_long_add(count, &lb.stats[LB_PINNED]);
	return 0;
}

static const struct vmb_server_transport_ops lb_transport_ops = {
	.post_message = lb_post_message,
	.signal_guest = lb_signal_guest,
	.pin_guest_pages = lb_pin_guest_pages,
	.unpin_guest_pages = lb_unpin_guest_pages,
};

/*
 * What the transport follows of the guest's posts: the SINT it takes
 * channel events on (INITIATE_CONTACT, which also starts it over: it owes
 * no release), and the rescinds it answered.
 */
static void lb_note_post(const struct lb_post *post)
{
	const struct vmb_msg_initiate_contact *ic = (const void *)post->data;
	const struct vmb_msg_relid *r = (const void *)post->data;
	u8 sint = LB_DEFAULT_SINT;
	u32 relid;

	if (post->len >= sizeof(*r) &&
	    le32_to_cpu(r->header.msgtype) == VMB_MSG_RELID_RELEASED) {
		relid = le32_to_cpu(r->child_relid);
		if (relid <= LB_MAX_DEVICES)
			clear_bit(relid, lb.rescinded);
		return;
	}
	if (post->len < sizeof(*ic) ||
	    le32_to_cpu(ic->header.msgtype) != VMB_MSG_INITIATE_CONTACT)
		return;
	bitmap_zero(lb.rescinded, LB_MAX_DEVICES + 1);
	if (le32_to_cpu(ic->version) >= VMB_VERSION_WIN10_V5 &&
	    ic->msg_sint < HV_SYNIC_SINT_COUNT)
		sint = ic->msg_sint;
	WRITE_ONCE(lb.msg_sint, sint);
}

static void lb_deliver_work(struct work_struct *work)
{
	struct lb_post *post;
	int ret;

	for (;;) {
		spin_lock_irq(&lb.in_lock);
		post = list_first_entry_or_null(&lb.in, struct lb_post, node);
		if (post) {
			list_del(&post->node);
			lb.in_len--;
		}
		spin_unlock_irq(&lb.in_lock);
		if (!post)
			return;
		lb_note_post(post);
		ret = vmb_server_deliver_guest_message(lb.server,
						       post->connection_id,
						       post->data, post->len);
		if (ret == -EAGAIN) {
			/*
			 * Back-pressure: the guest has not taken the host's
			 * messages.  Keep this one first; the guest's next
			 * EOM brings it back (lb_ready_work()).
			 */
			lb_count(LB_DEFERRED);
			spin_lock_irq(&lb.in_lock);
			list_add(&post->node, &lb.in);
			lb.in_len++;
			spin_unlock_irq(&lb.in_lock);
			queue_delayed_work(lb.wq, &lb.retry_work,
					   msecs_to_jiffies(1));
			return;
		}
		if (ret) {
			lb_count(LB_REJECTED);
			pr_warn_ratelimited("server rejected message type %u (%u bytes) on connection id 0x%x: %d\n",
					    get_unaligned_le32(post->data),
					    post->len, post->connection_id, ret);
		} else {
			lb_count(LB_DELIVERED);
		}
		kfree(post);
		cond_resched();
	}
}

static void lb_retry_work(struct work_struct *work)
{
	queue_work(lb.wq, &lb.deliver_work);
}

static void lb_ready_work(struct work_struct *work)
{
	/* Set again should the slot be busy once more. */
	WRITE_ONCE(lb.waiting_eom, false);
	vmb_server_transport_ready(lb.server);
	/* Guest posts held back by back-pressure may go now. */
	queue_work(lb.wq, &lb.deliver_work);
}

/* HvPostMessage: interrupts are off, any CPU. */
static u64 lb_post(u64 input_gpa)
{
	const struct lb_post_input *in = phys_to_virt(input_gpa);
	struct lb_post *post;
	unsigned long flags;
	u32 size;

	size = READ_ONCE(in->payload_size);
	if (READ_ONCE(in->message_type) != LB_SYNIC_MSG_VMBUS ||
	    size > HV_MESSAGE_PAYLOAD_BYTE_COUNT) {
		lb_count(LB_POSTS_BAD);
		return HV_STATUS_INVALID_PARAMETER;
	}
	post = kzalloc(sizeof(*post), GFP_ATOMIC);
	if (!post) {
		lb_count(LB_POSTS_REFUSED);
		return HV_STATUS_INSUFFICIENT_MEMORY;
	}
	post->connection_id = READ_ONCE(in->connection_id);
	post->len = size;
	memcpy(post->data, in->payload, size);

	spin_lock_irqsave(&lb.in_lock, flags);
	if (lb.in_len >= LB_MAX_PENDING) {
		spin_unlock_irqrestore(&lb.in_lock, flags);
		kfree(post);
		lb_count(LB_POSTS_REFUSED);
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	}
	list_add_tail(&post->node, &lb.in);
	lb.in_len++;
	spin_unlock_irqrestore(&lb.in_lock, flags);
	lb_count(LB_POSTS);
	queue_work(lb.wq, &lb.deliver_work);
	return HV_STATUS_SUCCESS;
}

static u64 lb_hypercall(u64 control, u64 input, u64 output)
{
	u16 code = control & 0xffff;
	u32 conn_id;

	if (code == HVCALL_POST_MESSAGE && !(control & HV_HYPERCALL_FAST_BIT))
		return lb_post(input);
	if (code == HVCALL_SIGNAL_EVENT && (control & HV_HYPERCALL_FAST_BIT)) {
		conn_id = lower_32_bits(input);
		if (conn_id > LB_CONN_ID_BASE &&
		    conn_id - LB_CONN_ID_BASE <= LB_MAX_DEVICES)
			atomic_long_inc(&lb.signals[conn_id - LB_CONN_ID_BASE]);
		else
			atomic_long_inc(&lb.signals[0]);
		lb_count(LB_SIGNALS_IN);
		/* Any context: it only queues the channel's data work. */
		vmb_server_guest_signal(lb.server, conn_id);
		return HV_STATUS_SUCCESS;
	}
	lb_count(LB_UNKNOWN_CALLS);
	return HV_STATUS_INVALID_HYPERCALL_CODE;
}

/* The guest freed its message slot after we flagged it busy. */
static void lb_eom(unsigned int cpu)
{
	lb_count(LB_EOMS);
	queue_work(lb.wq, &lb.ready_work);
}

static const struct hv_loopback_ops lb_hv_ops = {
	.hypercall = lb_hypercall,
	.eom = lb_eom,
};

/* Interface types the guest's drivers know, by the names of the tests. */
static const struct {
	const char *name;
	guid_t type;
} lb_types[] = {
	{ "heartbeat", GUID_INIT(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55,
				 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d) },
	{ "shutdown", GUID_INIT(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b,
				0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb) },
	{ "timesync", GUID_INIT(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce,
				0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf) },
	{ "kvp", GUID_INIT(0xa9a0f4e7, 0x5a45, 0x4d96, 0xb8, 0x27,
			   0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6) },
	{ "vss", GUID_INIT(0x35fa2e29, 0xea23, 0x4236, 0x96, 0xae,
			   0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40) },
	{ "keyboard", GUID_INIT(0xf912ad6d, 0x2b17, 0x48ea, 0xbd, 0x65,
				0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84) },
	{ "synthvid", GUID_INIT(0xda0a7802, 0xe377, 0x4aac, 0x8e, 0x77,
				0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8) },
	/* No guest driver claims it: the device shows, nothing opens it. */
	{ "test", GUID_INIT(0x4c4f4f50, 0x4241, 0x4b00, 0x80, 0x00,
			    0x76, 0x6d, 0x62, 0x75, 0x73, 0x00) },
};

/* Parse TYPE[@INSTANCE][:MMIO[:MMIO_OPTIONAL]] into @dev. */
static int lb_parse_device(char *spec, struct lb_device *dev,
			   unsigned int index)
{
	char *type = strsep(&spec, ":"), *mmio = strsep(&spec, ":");
	char *instance = type;
	unsigned int i;

	type = strsep(&instance, "@");
	for (i = 0; i < ARRAY_SIZE(lb_types); i++)
		if (!strcmp(type, lb_types[i].name))
			break;
	if (i < ARRAY_SIZE(lb_types))
		dev->type = lb_types[i].type;
	else if (guid_parse(type, &dev->type))
		return -EINVAL;
	snprintf(dev->name, sizeof(dev->name), "%s-%u",
		 i < ARRAY_SIZE(lb_types) ? type : "guid", index);

	/* Instances must differ: the guest names devices by them. */
	if (instance) {
		if (guid_parse(instance, &dev->instance))
			return -EINVAL;
	} else {
		dev->instance = GUID_INIT(0x4c424b00 + index, 0x564d, 0x4253,
					  0x80, 0x00, 0x4c, 0x4f, 0x4f, 0x50,
					  0x42, 0x4b);
	}
	dev->mmio = 0;
	dev->mmio_optional = 0;
	if (mmio && kstrtou16(mmio, 0, &dev->mmio))
		return -EINVAL;
	if (spec && kstrtou16(spec, 0, &dev->mmio_optional))
		return -EINVAL;
	return 0;
}

/* Configure a parsed device's channel and enable it. */
static int lb_add_device(char *spec)
{
	struct lb_device *dev;
	struct vmb_channel *channel;
	int ret;

	lockdep_assert_held(&lb.control_lock);
	if (lb.ndevs >= LB_MAX_DEVICES)
		return -ENOSPC;
	dev = &lb.devs[lb.ndevs];
	ret = lb_parse_device(spec, dev, lb.ndevs);
	if (ret)
		return ret;
	channel = vmb_server_channel_alloc();
	if (IS_ERR(channel))
		return PTR_ERR(channel);
	ret = vmb_server_channel_init_set_server(channel, lb.server) ?:
	      vmb_server_channel_init_set_interface(channel, &dev->type,
						    &dev->instance) ?:
	      vmb_server_channel_init_set_name(channel, dev->name);
	if (!ret && (dev->mmio || dev->mmio_optional))
		ret = vmb_server_channel_init_set_mmio_megabytes(channel, dev->mmio,
								 dev->mmio_optional);
	if (!ret)
		ret = vmb_server_channel_enable(channel);
	if (ret) {
		vmb_server_channel_free(channel);
		return ret;
	}
	dev->channel = channel;
	lb.ndevs++;
	return 0;
}

static int lb_add_devices(void)
{
	char *list, *cursor, *spec;
	unsigned int i;
	int ret = 0;

	list = kstrdup(devices ?: "", GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	mutex_lock(&lb.control_lock);
	cursor = list;
	while (!ret && (spec = strsep(&cursor, ",")))
		if (*spec)
			ret = lb_add_device(spec);
	if (ret)
		pr_err("devices: bad or refused entry '%s': %d\n", spec, ret);
	for (i = 0; !ret && i < extra; i++) {
		char test[] = "test";

		ret = lb_add_device(test);
	}
	mutex_unlock(&lb.control_lock);
	kfree(list);
	return ret;
}

static void lb_remove_devices(void)
{
	unsigned int i;

	mutex_lock(&lb.control_lock);
	for (i = 0; i < lb.ndevs; i++) {
		vmb_server_channel_disable(lb.devs[i].channel);
		vmb_server_channel_free(lb.devs[i].channel);
	}
	lb.ndevs = 0;
	mutex_unlock(&lb.control_lock);
}

/*
 * "device-add TYPE INSTANCE [PARAMS]": a device of a registered class
 * (PARAMS in hex), as a VMM adds one with VMBS_ADD_DEVICE.
 */
static int lb_device_add(char *arg)
{
	char *type_s = strsep(&arg, " "), *inst_s = strsep(&arg, " ");
	u8 params[VMB_SERVER_DEVICE_PARAMS_MAX];
	size_t len = arg ? strlen(arg) / 2 : 0;
	guid_t type, instance;

	if (!inst_s || guid_parse(type_s, &type) ||
	    guid_parse(inst_s, &instance) || len > sizeof(params) ||
	    (arg && (strlen(arg) % 2 || hex2bin(params, arg, len))))
		return -EINVAL;
	return vmb_server_device_add(lb.server, &type, &instance, params, len);
}

/*
 * "device-control INSTANCE OP [IN]": a device class's operation (IN in
 * hex), as a VMM runs one with VMBS_DEVICE_CONTROL; its output is what
 * control-out reads, in hex, until the next one.
 */
static int lb_device_control(char *arg)
{
	char *inst_s = strsep(&arg, " "), *op_s = strsep(&arg, " ");
	size_t in_len = arg ? strlen(arg) / 2 : 0, out_len;
	u8 *in = NULL;
	guid_t instance;
	u32 op;
	int ret;

	lockdep_assert_held(&lb.control_lock);
	if (!op_s || guid_parse(inst_s, &instance) || kstrtou32(op_s, 0, &op) ||
	    (arg && strlen(arg) % 2))
		return -EINVAL;
	if (in_len) {
		in = kmalloc(in_len, GFP_KERNEL);
		if (!in)
			return -ENOMEM;
		if (hex2bin(in, arg, in_len)) {
			kfree(in);
			return -EINVAL;
		}
	}
	if (!lb.ctl_out) {
		lb.ctl_out = kvmalloc(VMB_SERVER_DEVICE_CONTROL_MAX,
				      GFP_KERNEL);
		if (!lb.ctl_out) {
			kfree(in);
			return -ENOMEM;
		}
	}
	out_len = VMB_SERVER_DEVICE_CONTROL_MAX;
	lb.ctl_out_len = 0;
	ret = vmb_server_device_control(lb.server, &instance, op, in, in_len,
					lb.ctl_out, &out_len);
	if (!ret)
		lb.ctl_out_len = out_len;
	kfree(in);
	return ret;
}

/* "device-remove INSTANCE" */
static int lb_device_remove(char *arg)
{
	guid_t instance;

	if (guid_parse(arg, &instance))
		return -EINVAL;
	return vmb_server_device_remove(lb.server, &instance);
}

static int lb_command(char *cmd)
{
	char *verb = strsep(&cmd, " "), *arg = strim(cmd ?: "");
	struct lb_device *dev;
	unsigned int index;
	int ret = 0;

	lockdep_assert_held(&lb.control_lock);
	if (!strcmp(verb, "add"))
		return lb_add_device(arg);
	if (!strcmp(verb, "device-add"))
		return lb_device_add(arg);
	if (!strcmp(verb, "device-remove"))
		return lb_device_remove(arg);
	if (!strcmp(verb, "device-control"))
		return lb_device_control(arg);
	if (!strcmp(verb, "reset")) {
		if (*arg)
			return -EINVAL;
		/* The server forgets the guest; so do we. */
		bitmap_zero(lb.rescinded, LB_MAX_DEVICES + 1);
		return vmb_server_reset(lb.server);
	}
	if (kstrtouint(arg, 0, &index) || index >= lb.ndevs)
		return -EINVAL;
	dev = &lb.devs[index];
	if (!strcmp(verb, "disable")) {
		/* Returns once the rescind is queued, not released. */
		vmb_server_channel_disable(dev->channel);
	} else if (!strcmp(verb, "enable")) {
		ret = vmb_server_channel_enable(dev->channel);
	} else {
		ret = -EINVAL;
	}
	return ret;
}

static ssize_t lb_control_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char *buf;
	int ret;

	/* A device-control's input in hex, and its words. */
	if (count > 2 * LB_CONTROL_IN_MAX + 128)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	mutex_lock(&lb.control_lock);
	ret = lb_command(strim(buf));
	mutex_unlock(&lb.control_lock);
	kfree(buf);
	return ret ?: count;
}

static const struct file_operations lb_control_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = lb_control_write,
	.llseek = noop_llseek,
};

/* The last device-control's output in hex, on one line. */
static int lb_control_out_show(struct seq_file *m, void *v)
{
	char hex[2 * 64];
	size_t i, n;

	mutex_lock(&lb.control_lock);
	for (i = 0; i < lb.ctl_out_len; i += n) {
		n = min(lb.ctl_out_len - i, sizeof(hex) / 2);
		bin2hex(hex, lb.ctl_out + i, n);
		seq_write(m, hex, 2 * n);
	}
	mutex_unlock(&lb.control_lock);
	seq_putc(m, '\n');
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lb_control_out);

/* One line per device: index name relid type instance mmio state. */
static int lb_devices_show(struct seq_file *m, void *v)
{
	struct lb_device *dev;
	unsigned int i;
	u32 relid;

	mutex_lock(&lb.control_lock);
	for (i = 0; i < lb.ndevs; i++) {
		dev = &lb.devs[i];
		/* A channel has a relid while it is enabled. */
		relid = vmb_server_channel_relid(dev->channel);
		seq_printf(m, "%u %s relid %u type %pUl instance %pUl mmio %u %u %s\n",
			   i, dev->name, relid, &dev->type, &dev->instance,
			   dev->mmio, dev->mmio_optional,
			   relid ? "enabled" : "disabled");
	}
	mutex_unlock(&lb.control_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lb_devices);

/**
 * vmbus_server_loopback_add() - a test back-end's channel on this server
 * @dev: what the channel is
 *
 * Allocates the channel, configures it on the loopback transport's
 * server, enables and starts it.  The back-end disables and frees it; the
 * server lives as long as this module, which a module using this symbol
 * keeps loaded.
 *
 * Return: the channel, or an ERR_PTR().
 */
struct vmb_channel *
vmbus_server_loopback_add(const struct vmbus_server_loopback_dev *dev)
{
	u32 max = dev->max_packet_size ?: VMB_SERVER_DEFAULT_MAX_PACKET_SIZE;
	const struct vmb_server_packet_callbacks *pcb = dev->packet_callbacks;
	struct vmb_channel *channel;
	int ret;

	channel = vmb_server_channel_alloc();
	if (IS_ERR(channel))
		return channel;
	ret = vmb_server_channel_init_set_server(channel, lb.server) ?:
	      vmb_server_channel_init_set_interface(channel, &dev->type,
						    &dev->instance) ?:
	      vmb_server_channel_init_set_name(channel, dev->name) ?:
	      vmb_server_channel_init_set_max_packet_size(channel, max);
	if (!ret && dev->callbacks)
		ret = vmb_server_channel_init_set_callbacks(channel,
							    dev->callbacks,
							    NULL);
	if (!ret && pcb)
		ret = vmb_server_channel_init_set_packet_callbacks(channel, pcb);
	ret = ret ?: vmb_server_channel_enable(channel) ?:
		     vmb_server_channel_start(channel);
	if (ret) {
		vmb_server_channel_free(channel);
		return ERR_PTR(ret);
	}
	return channel;
}
EXPORT_SYMBOL_GPL(vmbus_server_loopback_add);

static int lb_stats_show(struct seq_file *m, void *v)
{
	unsigned int i;
	long n;

	for (i = 0; i < LB_STAT_COUNT; i++)
		seq_printf(m, "%s %ld\n", lb_stat_names[i],
			   atomic_long_read(&lb.stats[i]));
	for (i = 0; i < LB_COUNTED_VPS; i++)
		seq_printf(m, "signals_out_vp %u %ld\n", i,
			   atomic_long_read(&lb.signals_to_vp[i]));
	for (i = 1; i <= LB_MAX_DEVICES; i++) {
		n = atomic_long_read(&lb.signals[i]);
		if (n)
			seq_printf(m, "guest_signals conn_id 0x%x %ld\n",
				   LB_CONN_ID_BASE + i, n);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lb_stats);

static void lb_drop_posts(void)
{
	struct lb_post *post, *tmp;

	list_for_each_entry_safe(post, tmp, &lb.in, node) {
		list_del(&post->node);
		kfree(post);
	}
	lb.in_len = 0;
}

static int __init lb_init(void)
{
	int ret;

	spin_lock_init(&lb.in_lock);
	INIT_LIST_HEAD(&lb.in);
	INIT_WORK(&lb.deliver_work, lb_deliver_work);
	INIT_WORK(&lb.ready_work, lb_ready_work);
	INIT_DELAYED_WORK(&lb.retry_work, lb_retry_work);
	mutex_init(&lb.control_lock);
	lb.msg_sint = LB_DEFAULT_SINT;

	lb.wq = alloc_ordered_workqueue("vmbus_server_loopback", 0);
	if (!lb.wq)
		return -ENOMEM;
	lb.server = vmb_server_create(&lb_transport_ops, NULL);
	if (IS_ERR(lb.server)) {
		ret = PTR_ERR(lb.server);
		goto err_server;
	}
	ret = lb_add_devices();
	if (ret)
		goto err_devices;

	lb.debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("control", 0200, lb.debugfs, NULL,
			    &lb_control_fops);
	debugfs_create_file("devices", 0444, lb.debugfs, NULL,
			    &lb_devices_fops);
	debugfs_create_file("control-out", 0444, lb.debugfs, NULL,
			    &lb_control_out_fops);
	debugfs_create_file("stats", 0444, lb.debugfs, NULL, &lb_stats_fops);

	/* Last: from here on the guest reaches the server. */
	ret = hv_loopback_register(&lb_hv_ops);
	if (ret) {
		pr_err("cannot register as the loopback host: %d%s\n", ret,
		       ret == -ENODEV ? " (boot with hv_loopback)" : "");
		goto err_register;
	}
	pr_info("host for %u channels\n", lb.ndevs);
	return 0;

err_register:
	debugfs_remove(lb.debugfs);
	kvfree(lb.ctl_out);
err_devices:
	lb_remove_devices();
	vmb_server_destroy(lb.server);
err_server:
	destroy_workqueue(lb.wq);
	return ret;
}

/*
 * Whether the guest has answered every rescind: nothing owed, no host
 * message held back for its EOM, none of its posts undelivered.
 */
static bool lb_guest_settled(void)
{
	bool idle;

	spin_lock_irq(&lb.in_lock);
	idle = !lb.in_len;
	spin_unlock_irq(&lb.in_lock);
	return idle && !READ_ONCE(lb.waiting_eom) &&
	       bitmap_empty(lb.rescinded, LB_MAX_DEVICES + 1);
}

/*
 * A guest whose hypervisor went away mid-answer fails the posts that
 * close and release its channels and leaks their rings: the transport
 * stays until the guest has answered, for a bounded time.
 */
static void lb_wait_guest_released(void)
{
	unsigned long end = jiffies + msecs_to_jiffies(LB_EXIT_RELEASE_MS);

	while (!lb_guest_settled()) {
		if (time_after(jiffies, end) || fatal_signal_pending(current)) {
			pr_warn("leaving with relids the guest did not release: %*pbl\n",
				LB_MAX_DEVICES + 1, lb.rescinded);
			return;
		}
		msleep(20);
	}
}

static void __exit lb_exit(void)
{
	/* Waits for commands in flight: none starts after it. */
	debugfs_remove(lb.debugfs);
	/* While the guest can still answer the rescinds. */
	vmb_server_device_remove_all(lb.server);
	lb_remove_devices();
	lb_wait_guest_released();
	hv_loopback_unregister(&lb_hv_ops);
	/* No hypercall or EOM queues work any more. */
	cancel_delayed_work_sync(&lb.retry_work);
	destroy_workqueue(lb.wq);
	lb_drop_posts();
	vmb_server_destroy(lb.server);
	kvfree(lb.ctl_out);
}

module_init(lb_init);
module_exit(lb_exit);

MODULE_DESCRIPTION("Loopback transport: the test kernel's own Hyper-V guest stack against vmbus_server");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMBUS_SERVER);
