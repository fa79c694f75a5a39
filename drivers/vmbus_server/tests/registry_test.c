// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the device registry: classes by interface type, devices
 * added to a server by type, instance and parameters, removed one by one
 * or all at once, listed with their channel's state, and the class's
 * module held while a server has one of its devices.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/vmbus_server.h>
#include <uapi/linux/vmbus_server.h>

#include "../registry.h"
#include "sim_guest.h"

/* What the test class's callbacks saw, in order. */
struct reg_record {
	struct sim_guest *sim;
	char events[128];
	unsigned int probes, removes;
	u8 last_params[VMB_SERVER_DEVICE_PARAMS_MAX];
	size_t last_len;
	struct vmb_channel *last_channel;	/* of the newest probe */
	struct completion held, release;	/* REG_OP_HOLD */
};

/* The running test's: the callbacks also run in works of the tests. */
static struct reg_record *reg_current;

static struct reg_record *reg_record(void)
{
	return reg_current;
}

static void reg_event(const char *what, const guid_t *instance)
{
	struct reg_record *rec = reg_record();
	size_t n = strlen(rec->events);

	/* The instance's first byte tells the devices apart. */
	snprintf(rec->events + n, sizeof(rec->events) - n, "%s%s:%u",
		 n ? " " : "", what, instance->b[0]);
}

/* Parameters "fail" make the probe refuse the device. */
static int reg_probe(struct vmb_server_device *device)
{
	struct reg_record *rec = reg_record();
	const guid_t *instance = vmb_server_device_instance(device);
	struct vmb_channel *channel;
	const void *params;
	size_t len;
	int ret;

	rec->probes++;
	params = vmb_server_device_params(device, &len);
	rec->last_len = len;
	memcpy(rec->last_params, params, len);
	reg_event("probe", instance);
	if (len == 4 && !memcmp(params, "fail", 4))
		return -EINVAL;

	channel = vmb_server_channel_alloc();
	if (IS_ERR(channel))
		return PTR_ERR(channel);
	ret = vmb_server_channel_init_set_server(channel,
						 vmb_server_device_server(device));
	if (!ret)
		ret = vmb_server_channel_init_set_interface(channel,
							    &sim_type_guid,
							    instance);
	if (!ret)
		ret = vmb_server_channel_init_set_mmio_megabytes(channel, 8, 2);
	if (!ret)
		ret = vmb_server_channel_enable(channel);
	if (ret) {
		vmb_server_channel_free(channel);
		return ret;
	}
	vmb_server_device_set_drvdata(device, channel);
	rec->last_channel = channel;
	return 0;
}

static void reg_remove(struct vmb_server_device *device)
{
	struct vmb_channel *channel = vmb_server_device_get_drvdata(device);

	reg_record()->removes++;
	reg_event("remove", vmb_server_device_instance(device));
	vmb_server_channel_disable(channel);
	vmb_server_channel_free(channel);
}

/* The test class's controls: copy the input back reversed; or hold. */
#define REG_OP_REVERSE		1
#define REG_OP_HOLD		2
#define REG_HOLD_TIMEOUT	(10 * HZ)

static int reg_control(struct vmb_server_device *device, u32 op,
		       const void *in, size_t in_len, void *out,
		       size_t *out_len)
{
	struct reg_record *rec = reg_record();
	const u8 *src = in;
	u8 *dst = out;
	size_t i;

	switch (op) {
	case REG_OP_REVERSE:
		if (in_len > *out_len)
			return -ENOSPC;
		for (i = 0; i < in_len; i++)
			dst[i] = src[in_len - 1 - i];
		*out_len = in_len;
		return 0;
	case REG_OP_HOLD:
		/* Until the test lets go: a removal must wait for it. */
		complete(&rec->held);
		wait_for_completion_timeout(&rec->release, REG_HOLD_TIMEOUT);
		reg_event("control-end", vmb_server_device_instance(device));
		*out_len = 0;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static struct vmb_server_device_class reg_class = {
	.name = "registry-test",
	.type = GUID_INIT(0x7e57c1a5, 0x0001, 0x4000,
			  0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01),
	.owner = THIS_MODULE,
	.probe = reg_probe,
	.remove = reg_remove,
	.control = reg_control,
};

static void reg_unregister(void *data)
{
	vmb_server_device_class_unregister(data);
}

/* Registers the class (unregistered at the test's end) and a server. */
static struct reg_record *reg_setup(struct kunit *test)
{
	struct reg_record *rec;

	rec = kunit_kzalloc(test, sizeof(*rec), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	reg_current = rec;
	init_completion(&rec->held);
	init_completion(&rec->release);
	KUNIT_ASSERT_EQ(test, vmb_server_device_class_register(&reg_class), 0);
	/* Added before the server: unregistered after its devices went. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, reg_unregister,
							&reg_class), 0);
	rec->sim = sim_guest_create(test);
	return rec;
}

static guid_t reg_instance(u8 n)
{
	return GUID_INIT(0x00000000 + n, 0x2222, 0x4333,
			 0x84, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55);
}

static int reg_add(struct reg_record *rec, u8 n, const void *params,
		   size_t len)
{
	guid_t instance = reg_instance(n);

	return vmb_server_device_add(rec->sim->server, &reg_class.type,
				     &instance, params, len);
}

static int reg_del(struct reg_record *rec, u8 n)
{
	guid_t instance = reg_instance(n);

	return vmb_server_device_remove(rec->sim->server, &instance);
}

static void class_register_args(struct kunit *test)
{
	struct vmb_server_device_class bad = reg_class;

	bad.name = NULL;
	KUNIT_EXPECT_EQ(test, vmb_server_device_class_register(&bad), -EINVAL);
	bad = reg_class;
	bad.name = "a name longer than a device list's thirty-one bytes";
	KUNIT_EXPECT_EQ(test, vmb_server_device_class_register(&bad), -EINVAL);
	bad = reg_class;
	bad.probe = NULL;
	KUNIT_EXPECT_EQ(test, vmb_server_device_class_register(&bad), -EINVAL);
	bad = reg_class;
	bad.remove = NULL;
	KUNIT_EXPECT_EQ(test, vmb_server_device_class_register(&bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_device_class_register(NULL), -EINVAL);

	reg_setup(test);
	/* One class per interface type. */
	bad = reg_class;
	bad.name = "second";
	KUNIT_EXPECT_EQ(test, vmb_server_device_class_register(&bad), -EEXIST);
}

static void add_args(struct kunit *test)
{
	struct reg_record *rec = reg_setup(test);
	struct vmb_server *server = rec->sim->server;
	guid_t instance = reg_instance(1), unknown = reg_instance(9);
	u8 params[VMB_SERVER_DEVICE_PARAMS_MAX + 1] = {};

	/* No class serves the type. */
	KUNIT_EXPECT_EQ(test, vmb_server_device_add(server, &unknown,
						    &instance, NULL, 0),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, vmb_server_device_add(NULL, &reg_class.type,
						    &instance, NULL, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_device_add(server, NULL, &instance,
						    NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_device_add(server, &reg_class.type,
						    NULL, NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, reg_add(rec, 1, NULL, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, reg_add(rec, 1, params, sizeof(params)), -EINVAL);
	/* None of them reached the class. */
	KUNIT_EXPECT_EQ(test, rec->probes, 0);

	/* The largest parameters arrive whole, as a copy. */
	params[0] = 0xa5;
	params[VMB_SERVER_DEVICE_PARAMS_MAX - 1] = 0x5a;
	KUNIT_EXPECT_EQ(test, reg_add(rec, 1, params,
				      VMB_SERVER_DEVICE_PARAMS_MAX), 0);
	KUNIT_EXPECT_EQ(test, rec->last_len, VMB_SERVER_DEVICE_PARAMS_MAX);
	KUNIT_EXPECT_EQ(test, rec->last_params[0], 0xa5);
	KUNIT_EXPECT_EQ(test,
			rec->last_params[VMB_SERVER_DEVICE_PARAMS_MAX - 1],
			0x5a);
	/* The same instance twice on one server. */
	KUNIT_EXPECT_EQ(test, reg_add(rec, 1, NULL, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, rec->probes, 1);
}

static void add_list_remove(struct kunit *test)
{
	struct reg_record *rec = reg_setup(test);
	struct sim_guest *sim = rec->sim;
	struct vmbs_device_info info[2];
	u32 relid;
	u8 want[16];

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	KUNIT_ASSERT_EQ(test, reg_add(rec, 1, NULL, 0), 0);
	/* Hot add: the connected guest got the offer at once. */
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_OFFERCHANNEL), 1);

	KUNIT_ASSERT_EQ(test, vmb_device_list(sim->server, info, 2), 1);
	KUNIT_EXPECT_EQ(test, info[0].state, VMBS_DEVICE_ACTIVE);
	KUNIT_EXPECT_EQ(test, info[0].channel_state, VMBS_CHANNEL_OFFERED);
	relid = vmb_server_channel_relid(rec->last_channel);
	KUNIT_EXPECT_NE(test, relid, 0);
	KUNIT_EXPECT_EQ(test, info[0].child_relid, relid);
	KUNIT_EXPECT_EQ(test, info[0].mmio_megabytes, 8);
	KUNIT_EXPECT_EQ(test, info[0].mmio_megabytes_optional, 2);
	KUNIT_EXPECT_STREQ(test, info[0].class_name, "registry-test");
	export_guid(want, &reg_class.type);
	KUNIT_EXPECT_MEMEQ(test, info[0].interface_type, want, 16);

	sim_open_channel(sim, rec->last_channel);
	KUNIT_ASSERT_EQ(test, vmb_device_list(sim->server, info, 2), 1);
	KUNIT_EXPECT_EQ(test, info[0].channel_state, VMBS_CHANNEL_OPEN);

	/* Removal closes the open channel and rescinds it, with no wait. */
	sim->count = 0;
	KUNIT_EXPECT_EQ(test, reg_del(rec, 1), 0);
	KUNIT_EXPECT_STREQ(test, rec->events, "probe:1 remove:1");
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_RESCIND_CHANNELOFFER),
			1);
	KUNIT_EXPECT_EQ(test, vmb_device_list(sim->server, info, 2), 0);
	KUNIT_EXPECT_EQ(test, reg_del(rec, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, rec->removes, 1);
}

/* A refused probe leaves nothing listed and nothing to remove. */
static void probe_refused(struct kunit *test)
{
	struct reg_record *rec = reg_setup(test);
	struct vmbs_device_info info;

	KUNIT_EXPECT_EQ(test, reg_add(rec, 1, "fail", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_device_list(rec->sim->server, &info, 1), 0);
	KUNIT_EXPECT_EQ(test, reg_del(rec, 1), -ENOENT);
	/* The instance is free again. */
	KUNIT_EXPECT_EQ(test, reg_add(rec, 1, NULL, 0), 0);
	KUNIT_EXPECT_STREQ(test, rec->events, "probe:1 probe:1");
}

/* Newest first, each once; the list reports more than it has room for. */
static void remove_all(struct kunit *test)
{
	struct reg_record *rec = reg_setup(test);
	struct vmbs_device_info info;
	u8 n;

	for (n = 1; n <= 3; n++)
		KUNIT_ASSERT_EQ(test, reg_add(rec, n, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, vmb_device_list(rec->sim->server, &info, 1), 3);
	KUNIT_EXPECT_EQ(test, info.interface_instance[0], 1);
	vmb_server_device_remove_all(rec->sim->server);
	KUNIT_EXPECT_STREQ(test, rec->events,
			   "probe:1 probe:2 probe:3 remove:3 remove:2 remove:1");
	KUNIT_EXPECT_EQ(test, vmb_device_list(rec->sim->server, &info, 1), 0);
}

/* Each server has its own devices: one instance GUID on two servers. */
static void servers_apart(struct kunit *test)
{
	struct reg_record *rec = reg_setup(test);
	struct sim_guest *other = sim_guest_create(test);
	guid_t instance = reg_instance(1);
	struct vmbs_device_info info;

	KUNIT_ASSERT_EQ(test, reg_add(rec, 1, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, vmb_server_device_remove(other->server,
						       &instance), -ENOENT);
	KUNIT_EXPECT_EQ(test, vmb_server_device_add(other->server,
						    &reg_class.type, &instance,
						    NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, vmb_device_list(other->server, &info, 1), 1);
	KUNIT_EXPECT_EQ(test, reg_del(rec, 1), 0);
	KUNIT_EXPECT_EQ(test, vmb_device_list(other->server, &info, 1), 1);
	KUNIT_EXPECT_EQ(test, vmb_device_list(rec->sim->server, &info, 1), 0);
}

static int reg_ctl(struct reg_record *rec, u8 n, u32 op, const void *in,
		   size_t in_len, void *out, size_t *out_len)
{
	guid_t instance = reg_instance(n);

	return vmb_server_device_control(rec->sim->server, &instance, op, in,
					 in_len, out, out_len);
}

static void control_args(struct kunit *test)
{
	struct reg_record *rec = reg_setup(test);
	static u8 buf[VMB_SERVER_DEVICE_CONTROL_MAX + 1];
	guid_t instance = reg_instance(1);
	u8 out[4] = {};
	size_t len;

	len = sizeof(out);
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, REG_OP_REVERSE, "ab", 2, out,
				      &len), -ENOENT);
	KUNIT_ASSERT_EQ(test, reg_add(rec, 1, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, REG_OP_REVERSE, "abc", 3, out,
				      &len), 0);
	KUNIT_EXPECT_EQ(test, len, 3);
	KUNIT_EXPECT_MEMEQ(test, out, "cba", 3);
	len = sizeof(out);
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, 99, NULL, 0, out, &len),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, REG_OP_REVERSE, NULL, 2, out,
				      &len), -EINVAL);
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, REG_OP_REVERSE, buf,
				      sizeof(buf), out, &len), -EINVAL);
	len = sizeof(buf);
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, REG_OP_REVERSE, "ab", 2, buf,
				      &len), -EINVAL);
	len = 2;
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, REG_OP_REVERSE, "ab", 2, NULL,
				      &len), -EINVAL);
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, REG_OP_REVERSE, "ab", 2, out,
				      NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_device_control(NULL, &instance,
							REG_OP_REVERSE, NULL,
							0, out, &len), -EINVAL);
	/* The largest input and output pass. */
	len = VMB_SERVER_DEVICE_CONTROL_MAX;
	buf[0] = 1;
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, REG_OP_REVERSE, buf, len, buf,
				      &len), 0);
	KUNIT_EXPECT_EQ(test, len, VMB_SERVER_DEVICE_CONTROL_MAX);
}

struct reg_async {
	struct work_struct work;
	struct reg_record *rec;
	struct kunit *test;
	int ret;
	struct completion done;
};

static void reg_hold_fn(struct work_struct *work)
{
	struct reg_async *a = container_of(work, struct reg_async, work);
	size_t len = 0;

	a->ret = reg_ctl(a->rec, 1, REG_OP_HOLD, NULL, 0, NULL, &len);
	complete(&a->done);
}

static void reg_remove_fn(struct work_struct *work)
{
	struct reg_async *a = container_of(work, struct reg_async, work);

	a->ret = reg_del(a->rec, 1);
	complete(&a->done);
}

static void reg_async_start(struct reg_async *a, struct reg_record *rec,
			    work_func_t fn)
{
	a->rec = rec;
	init_completion(&a->done);
	INIT_WORK_ONSTACK(&a->work, fn);
	queue_work(system_unbound_wq, &a->work);
}

/*
 * A removal waits for the control that runs; no control starts once the
 * removal did.  The remove must not have happened 100 ms into the hold:
 * without the wait it would be done in far less.
 */
static void remove_waits_for_control(struct kunit *test)
{
	struct reg_record *rec = reg_setup(test);
	struct reg_async hold, del;
	struct vmbs_device_info info;
	u8 out[2];
	size_t len = sizeof(out);

	KUNIT_ASSERT_EQ(test, reg_add(rec, 1, NULL, 0), 0);
	reg_async_start(&hold, rec, reg_hold_fn);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&rec->held,
							  REG_HOLD_TIMEOUT),
			0);
	reg_async_start(&del, rec, reg_remove_fn);
	/* The removal started: the device is marked... */
	while (vmb_device_list(rec->sim->server, &info, 1) == 1 &&
	       info.state != VMBS_DEVICE_REMOVING)
		cond_resched();
	KUNIT_EXPECT_EQ(test, info.state, VMBS_DEVICE_REMOVING);
	/* ...no control starts, and the class's remove waits. */
	KUNIT_EXPECT_EQ(test, reg_ctl(rec, 1, REG_OP_REVERSE, "ab", 2, out,
				      &len), -EBUSY);
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&del.done, HZ / 10),
			0);
	KUNIT_EXPECT_EQ(test, rec->removes, 0);
	complete(&rec->release);
	wait_for_completion(&hold.done);
	wait_for_completion(&del.done);
	flush_work(&hold.work);
	flush_work(&del.work);
	destroy_work_on_stack(&hold.work);
	destroy_work_on_stack(&del.work);
	KUNIT_EXPECT_EQ(test, hold.ret, 0);
	KUNIT_EXPECT_EQ(test, del.ret, 0);
	KUNIT_EXPECT_STREQ(test, rec->events,
			   "probe:1 control-end:1 remove:1");
}

/*
 * A device holds its class's module (here, the test module on the test
 * kernel); built in (UML), there is no reference to count.
 */
#if defined(MODULE) && IS_ENABLED(CONFIG_MODULE_UNLOAD)
static void module_held(struct kunit *test)
{
	struct reg_record *rec = reg_setup(test);
	int before;

	before = module_refcount(THIS_MODULE);
	KUNIT_ASSERT_EQ(test, reg_add(rec, 1, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, reg_add(rec, 2, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), before + 2);
	KUNIT_EXPECT_EQ(test, reg_add(rec, 3, "fail", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), before + 2);
	vmb_server_device_remove_all(rec->sim->server);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), before);
}
#else
static void module_held(struct kunit *test)
{
	kunit_skip(test, "built in: no module reference to count");
}
#endif

static struct kunit_case vmb_registry_cases[] = {
	KUNIT_CASE(class_register_args),
	KUNIT_CASE(add_args),
	KUNIT_CASE(add_list_remove),
	KUNIT_CASE(probe_refused),
	KUNIT_CASE(remove_all),
	KUNIT_CASE(servers_apart),
	KUNIT_CASE(module_held),
	KUNIT_CASE(control_args),
	KUNIT_CASE(remove_waits_for_control),
	{}
};

static struct kunit_suite vmb_registry_suite = {
	.name = "vmbus_server_registry",
	.test_cases = vmb_registry_cases,
};

kunit_test_suite(vmb_registry_suite);
