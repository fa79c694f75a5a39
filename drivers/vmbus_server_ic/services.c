// SPDX-License-Identifier: GPL-2.0
/*
 * The integration services a Hyper-V guest expects of any host, each a
 * device class of the registry: heartbeat, shutdown and time sync.  The
 * guest's driver is Linux's hv_utils (or Windows' ICs); ic.c carries the
 * channel, the negotiation and the one-request-at-a-time rule, this file
 * what each service sends, what it makes of the answers, and the VMM's
 * operations (include/uapi/linux/vmbus_server_ic.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmbus_server.h>
#include <uapi/linux/vmbus_server_ic.h>

#include "ic.h"

#define VMB_IC_PERIOD_MAX_MS	600000
#define VMB_HB_PERIOD_MS	1000
#define VMB_TS_PERIOD_MS	5000
/* A guest is alive while it answered within two periods, or 2 s. */
#define VMB_HB_ALIVE_PERIODS	2
#define VMB_HB_ALIVE_MIN	(2 * HZ)

static void vmb_ic_ready_cb(struct vmb_ic *ic);
static void vmb_ic_answer(struct vmb_ic *ic, u16 type, const u8 *msg,
			  u32 len);
static void vmb_ic_closed(struct vmb_ic *ic);

static const u32 vmb_hb_versions[] = {
	VMB_IC_VERSION(3, 0), VMB_IC_VERSION(1, 0),
};

static const u32 vmb_sd_versions[] = {
	VMB_IC_VERSION(3, 2), VMB_IC_VERSION(3, 1), VMB_IC_VERSION(3, 0),
	VMB_IC_VERSION(1, 0),
};

/*
 * Not 4.0: its samples carry the guest's partition reference time, which
 * only the VMM (KVM's Hyper-V clock) knows.  Up to 3.0 the guest takes a
 * sample's time when it arrives.
 */
static const u32 vmb_ts_versions[] = {
	VMB_IC_VERSION(3, 0), VMB_IC_VERSION(1, 0),
};

struct vmb_ic_dev;

/* What makes a service a device class. */
struct vmb_ic_kind {
	struct vmb_server_device_class cls;
	struct vmb_ic_service svc;
	/* The periodic request, with its default period; or none. */
	int (*periodic)(struct vmb_ic_dev *dev);
	unsigned int period_ms;
	/* Its own control operation, besides VMBS_IC_STATUS. */
	u32 op;
	size_t op_len;
	int (*control)(struct vmb_ic_dev *dev, const void *in);
};

/* One device of a service: its channel and what the service keeps. */
struct vmb_ic_dev {
	const struct vmb_ic_kind *kind;
	struct vmb_ic *ic;
	struct delayed_work period_work;
	unsigned long period;		/* jiffies */
	spinlock_t lock;		/* protects the values below */
	u64 seq;			/* heartbeat: the last one sent */
	u64 value;			/* vmbs_ic_status.value */
	u32 last_status;
	u32 wrong;
	unsigned long last_answer;	/* jiffies; 0: none yet */
};

static u64 vmb_ic_host_time(s64 offset_ns)
{
	return div_u64(ktime_get_real_ns() + offset_ns, 100) +
	       VMB_IC_EPOCH_DELTA;
}

static int vmb_ts_sample(struct vmb_ic_dev *dev, s64 offset_ns, u8 flags)
{
	struct vmb_ic_timesync ts = { .flags = flags };
	u64 now = vmb_ic_host_time(offset_ns);
	int ret;

	ts.parent_time = cpu_to_le64(now);
	ret = vmb_ic_request(dev->ic, VMB_IC_MSG_TIMESYNC, &ts, sizeof(ts));
	if (!ret) {
		spin_lock_bh(&dev->lock);
		dev->value = now;
		spin_unlock_bh(&dev->lock);
	}
	return ret;
}

static int vmb_ts_periodic(struct vmb_ic_dev *dev)
{
	return vmb_ts_sample(dev, 0, VMBS_IC_TIME_SAMPLE);
}

static int vmb_ts_control(struct vmb_ic_dev *dev, const void *in)
{
	struct vmbs_ic_time_sample req;

	memcpy(&req, in, sizeof(req));
	if (req.reserved || (req.flags != VMBS_IC_TIME_SYNC &&
			     req.flags != VMBS_IC_TIME_SAMPLE))
		return -EINVAL;
	return vmb_ts_sample(dev, (s64)le64_to_cpu((__force __le64)req.offset_ns),
			     req.flags);
}

/*
 * The sequence number counts before the send: the answer, which must carry
 * it plus one, may be processed before vmb_ic_request() returns.  And only
 * while no heartbeat waits for or is in its answer: the answer to the last
 * one is checked against the number as it was (seen on two CPUs, 1 of 1103
 * answers taken as wrong).  Only this work sends heartbeats, one at a
 * time, so none can become pending meanwhile.
 */
static int vmb_hb_periodic(struct vmb_ic_dev *dev)
{
	struct vmb_ic_heartbeat hb = {};
	int ret;

	if (vmb_ic_busy(dev->ic))
		return -EBUSY;
	spin_lock_bh(&dev->lock);
	hb.seq = cpu_to_le64(++dev->seq);
	spin_unlock_bh(&dev->lock);
	ret = vmb_ic_request(dev->ic, VMB_IC_MSG_HEARTBEAT, &hb, sizeof(hb));
	if (ret) {
		spin_lock_bh(&dev->lock);
		dev->seq--;
		spin_unlock_bh(&dev->lock);
	}
	return ret;
}

static int vmb_sd_control(struct vmb_ic_dev *dev, const void *in)
{
	struct vmb_ic_shutdown_msg *msg;
	struct vmbs_ic_shutdown req;
	u32 flags;
	int ret;

	memcpy(&req, in, sizeof(req));
	flags = le32_to_cpu((__force __le32)req.flags);
	if (flags & ~(VMBS_IC_SHUTDOWN_FORCE | VMBS_IC_SHUTDOWN_REBOOT |
		      VMBS_IC_SHUTDOWN_HIBERNATE))
		return -EINVAL;
	msg = kzalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	msg->flags = cpu_to_le32(flags);
	msg->timeout_seconds = (__force __le32)req.timeout_seconds;
	ret = vmb_ic_request(dev->ic, VMB_IC_MSG_SHUTDOWN, msg, sizeof(*msg));
	kfree(msg);
	return ret;
}

static struct vmb_ic_dev *vmb_ic_dev_of(struct vmb_ic *ic)
{
	return ic->priv;
}

static void vmb_ic_ready_cb(struct vmb_ic *ic)
{
	struct vmb_ic_dev *dev = vmb_ic_dev_of(ic);

	/* A guest that opens the time sync channel sets its clock first. */
	if (dev->kind->periodic == vmb_ts_periodic)
		vmb_ts_sample(dev, 0, VMBS_IC_TIME_SYNC);
	if (dev->kind->periodic)
		mod_delayed_work(system_wq, &dev->period_work, dev->period);
}

static void vmb_ic_answer(struct vmb_ic *ic, u16 type, const u8 *msg,
			  u32 len)
{
	const struct vmb_ic_hdr *hdr = (const void *)(msg +
					sizeof(struct vmb_ic_pipe_hdr));
	const u8 *body = msg + VMB_IC_HDR_LEN;
	struct vmb_ic_dev *dev = vmb_ic_dev_of(ic);
	__le32 flags;
	__le64 seq;

	spin_lock_bh(&dev->lock);
	dev->last_status = le32_to_cpu(hdr->status);
	dev->last_answer = jiffies;
	if (type == VMB_IC_MSG_HEARTBEAT) {
		/* The guest answers with the sequence number plus one. */
		if (len < VMB_IC_HDR_LEN + sizeof(seq)) {
			dev->wrong++;
		} else {
			memcpy(&seq, body, sizeof(seq));
			if (le64_to_cpu(seq) == dev->seq + 1)
				dev->value = le64_to_cpu(seq);
			else
				dev->wrong++;
		}
	} else if (type == VMB_IC_MSG_SHUTDOWN &&
		   len >= VMB_IC_HDR_LEN + sizeof(struct vmb_ic_shutdown_msg)) {
		memcpy(&flags, body + offsetof(struct vmb_ic_shutdown_msg,
					       flags), sizeof(flags));
		dev->value = le32_to_cpu(flags);
	}
	spin_unlock_bh(&dev->lock);
	if (type == VMB_IC_MSG_SHUTDOWN)
		pr_info("%s: the guest answered the shutdown request: 0x%x\n",
			ic->svc->name, le32_to_cpu(hdr->status));
}

static void vmb_ic_closed(struct vmb_ic *ic)
{
	cancel_delayed_work_sync(&vmb_ic_dev_of(ic)->period_work);
}

static void vmb_ic_period_work(struct work_struct *work)
{
	struct vmb_ic_dev *dev = container_of(to_delayed_work(work),
					      struct vmb_ic_dev, period_work);
	u32 version;

	if (!vmb_ic_ready(dev->ic, &version))
		return;
	/* -EBUSY: the last one is unanswered; the next period tries. */
	dev->kind->periodic(dev);
	queue_delayed_work(system_wq, &dev->period_work, dev->period);
}

static int vmb_ic_probe_kind(struct vmb_server_device *device,
			     const struct vmb_ic_kind *kind)
{
	struct vmbs_ic_params params = {};
	const void *blob;
	struct vmb_ic_dev *dev;
	unsigned int ms;
	size_t len;

	blob = vmb_server_device_params(device, &len);
	if (len && len != sizeof(params))
		return -EINVAL;
	memcpy(&params, blob, len);
	ms = le32_to_cpu((__force __le32)params.period_ms) ?: kind->period_ms;
	if (params.reserved || ms > VMB_IC_PERIOD_MAX_MS)
		return -EINVAL;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->kind = kind;
	dev->period = msecs_to_jiffies(ms);
	spin_lock_init(&dev->lock);
	INIT_DELAYED_WORK(&dev->period_work, vmb_ic_period_work);
	dev->ic = vmb_ic_create(device, &kind->svc, dev);
	if (IS_ERR(dev->ic)) {
		int ret = PTR_ERR(dev->ic);

		kfree(dev);
		return ret;
	}
	vmb_server_device_set_drvdata(device, dev);
	return 0;
}

static void vmb_ic_remove(struct vmb_server_device *device)
{
	struct vmb_ic_dev *dev = vmb_server_device_get_drvdata(device);

	/* Closing the channel ends the periodic work (vmb_ic_closed()). */
	vmb_ic_destroy(dev->ic);
	cancel_delayed_work_sync(&dev->period_work);
	kfree(dev);
}

static void vmb_ic_status(struct vmb_ic_dev *dev, struct vmbs_ic_status *st)
{
	unsigned long ago, alive = max(dev->period * VMB_HB_ALIVE_PERIODS,
				       (unsigned long)VMB_HB_ALIVE_MIN);
	struct vmb_ic_counts c;
	u32 version;

	memset(st, 0, sizeof(*st));
	vmb_ic_counts(dev->ic, &c);
	if (vmb_ic_ready(dev->ic, &version))
		st->flags |= VMBS_IC_READY;
	st->version = version;
	st->requests = c.requests;
	st->answers = c.answers;
	st->timeouts = c.timeouts;
	st->rejected = c.rejected;
	st->opens = c.opens;
	spin_lock_bh(&dev->lock);
	st->last_status = dev->last_status;
	st->value = dev->value;
	st->wrong = dev->wrong;
	ago = jiffies - dev->last_answer;
	if (dev->kind->periodic == vmb_hb_periodic && dev->last_answer &&
	    ago <= alive && (st->flags & VMBS_IC_READY))
		st->flags |= VMBS_IC_ALIVE;
	spin_unlock_bh(&dev->lock);
}

static int vmb_ic_control(struct vmb_server_device *device, u32 op,
			  const void *in, size_t in_len, void *out,
			  size_t *out_len)
{
	struct vmb_ic_dev *dev = vmb_server_device_get_drvdata(device);
	const struct vmb_ic_kind *kind = dev->kind;
	struct vmbs_ic_status st;

	if (op == VMBS_IC_STATUS) {
		if (in_len || *out_len < sizeof(st))
			return -EINVAL;
		vmb_ic_status(dev, &st);
		memcpy(out, &st, sizeof(st));
		*out_len = sizeof(st);
		return 0;
	}
	if (!kind->control || op != kind->op)
		return -EOPNOTSUPP;
	if (in_len != kind->op_len)
		return -EINVAL;
	*out_len = 0;
	return kind->control(dev, in);
}

static int vmb_ic_probe(struct vmb_server_device *device);
static void vmb_ic_remove(struct vmb_server_device *device);

/* Each argument once: the class's common part. */
#define VMB_IC_CLASS(_name, _type) {					\
		.name = _name,						\
		.type = _type,						\
		.owner = THIS_MODULE,					\
		.probe = vmb_ic_probe,					\
		.remove = vmb_ic_remove,				\
		.control = vmb_ic_control,				\
	}

#define VMB_IC_SERVICE(_name, _versions, _count) {			\
		.name = _name,						\
		.versions = _versions,					\
		.nr_versions = _count,					\
		.ready = vmb_ic_ready_cb,				\
		.answer = vmb_ic_answer,				\
		.closed = vmb_ic_closed,				\
	}

static struct vmb_ic_kind vmb_ic_kinds[] = {
	{
		.cls = VMB_IC_CLASS("heartbeat",
				    GUID_INIT(0x57164f39, 0x9115, 0x4e78, 0xab,
					      0x55, 0x38, 0x2f, 0x3b, 0xd5,
					      0x42, 0x2d)),
		.svc = VMB_IC_SERVICE("heartbeat", vmb_hb_versions,
				      ARRAY_SIZE(vmb_hb_versions)),
		.periodic = vmb_hb_periodic,
		.period_ms = VMB_HB_PERIOD_MS,
	},
	{
		.cls = VMB_IC_CLASS("shutdown",
				    GUID_INIT(0x0e0b6031, 0x5213, 0x4934, 0x81,
					      0x8b, 0x38, 0xd9, 0x0c, 0xed,
					      0x39, 0xdb)),
		.svc = VMB_IC_SERVICE("shutdown", vmb_sd_versions,
				      ARRAY_SIZE(vmb_sd_versions)),
		.op = VMBS_IC_SHUTDOWN,
		.op_len = sizeof(struct vmbs_ic_shutdown),
		.control = vmb_sd_control,
	},
	{
		.cls = VMB_IC_CLASS("timesync",
				    GUID_INIT(0x9527e630, 0xd0ae, 0x497b, 0xad,
					      0xce, 0xe8, 0x0a, 0xb0, 0x17,
					      0x5c, 0xaf)),
		.svc = VMB_IC_SERVICE("timesync", vmb_ts_versions,
				      ARRAY_SIZE(vmb_ts_versions)),
		.periodic = vmb_ts_periodic,
		.period_ms = VMB_TS_PERIOD_MS,
		.op = VMBS_IC_SEND_TIME,
		.op_len = sizeof(struct vmbs_ic_time_sample),
		.control = vmb_ts_control,
	},
};

/* The registry hands probe the device only: find its kind by type. */
static int vmb_ic_probe(struct vmb_server_device *device)
{
	const guid_t *type = vmb_server_device_type(device);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vmb_ic_kinds); i++)
		if (guid_equal(&vmb_ic_kinds[i].cls.type, type))
			return vmb_ic_probe_kind(device, &vmb_ic_kinds[i]);
	return -ENODEV;
}

static int __init vmb_ic_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vmb_ic_kinds); i++) {
		ret = vmb_server_device_class_register(&vmb_ic_kinds[i].cls);
		if (ret)
			goto err_register;
	}
	return 0;

err_register:
	while (i--)
		vmb_server_device_class_unregister(&vmb_ic_kinds[i].cls);
	return ret;
}

static void __exit vmb_ic_exit(void)
{
	unsigned int i = ARRAY_SIZE(vmb_ic_kinds);

	while (i--)
		vmb_server_device_class_unregister(&vmb_ic_kinds[i].cls);
}

module_init(vmb_ic_init);
module_exit(vmb_ic_exit);

MODULE_IMPORT_NS(VMBUS_SERVER);
MODULE_DESCRIPTION("VMBus server integration services: heartbeat, shutdown, time sync");
MODULE_LICENSE("GPL");
