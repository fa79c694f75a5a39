// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: OPENCHANNEL, CLOSECHANNEL and MODIFYCHANNEL, the KMCL callbacks a
 * device back-end hears on each path, start/pause, and disable waiting for
 * the guest.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/string.h>

#include "../channel.h"
#include "../core.h"
#include "../gpadl.h"
#include "sim_guest.h"

static struct sim_guest *open_setup(struct kunit *test, u32 version,
				    struct vmb_channel **channel)
{
	struct sim_guest *sim = sim_guest_create(test);

	sim_connect(sim, version);
	*channel = sim_channel_enabled(sim, 1);
	sim->count = 0;
	return sim;
}

/*
 * Steps, one letter each: s start, p pause, o guest opens (creating the
 * ring GPADL the first time), R guest opens and the device refuses, c guest
 * closes, d disable (the guest releases), u guest unloads, r guest
 * reconnects, x server destroyed.
 */
static void run_steps(struct sim_guest *sim, struct vmb_channel *ch,
		      const char *steps)
{
	struct kunit *test = sim->test;
	bool have_ring = false;
	int ret;

	for (; *steps; steps++) {
		switch (*steps) {
		case 's':
			KUNIT_EXPECT_EQ(test, vmb_server_channel_start(ch), 0);
			sim_settle(sim);
			break;
		case 'p':
			KUNIT_EXPECT_EQ(test, vmb_server_channel_pause(ch), 0);
			sim_settle(sim);
			break;
		case 'R':
		case 'o':
			if (!have_ring)
				KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 1, 9, 8), 0);
			have_ring = true;
			sim->refuse_open = *steps == 'R';
			KUNIT_EXPECT_EQ(test, sim_open(sim, 1, 9, 4, 0), 0);
			KUNIT_EXPECT_EQ(test, !!sim_open_status(sim),
					sim->refuse_open);
			sim->refuse_open = false;
			break;
		case 'c':
			ret = sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1);
			KUNIT_EXPECT_EQ(test, ret, 0);
			break;
		case 'd':
			sim_disable_released(sim, ch);
			break;
		case 'u':
			ret = sim_send_type(sim, VMB_MSG_UNLOAD);
			KUNIT_EXPECT_EQ(test, ret, 0);
			break;
		case 'r':
			ret = sim_initiate_contact(sim, VMB_VERSION_WIN10);
			KUNIT_EXPECT_EQ(test, ret, 0);
			break;
		case 'x':
			sim_guest_destroy_now(sim);
			break;
		}
	}
}

struct steps_case {
	const char *name;
	const char *steps;
	const char *events;
	bool open;
};

static const struct steps_case steps_cases[] = {
	{ "start, open", "so", "opened started post_started", true },
	{ "open, start", "os", "opened started post_started", true },
	{ "open, never started", "o", "opened", true },
	{ "start twice", "sso", "opened started post_started", true },
	{ "pause while stopped", "po", "opened", true },
	{ "pause and start while closed", "pso",
	  "opened started post_started", true },
	{ "pause while active", "sop",
	  "opened started post_started suspend", true },
	{ "pause twice", "sopp", "opened started post_started suspend", true },
	{ "pause, start again", "sops",
	  "opened started post_started suspend started post_started", true },
	{ "close while active", "soc",
	  "opened started post_started suspend closed", false },
	{ "close while paused", "sopc",
	  "opened started post_started suspend closed", false },
	{ "close, never started", "oc", "opened closed", false },
	{ "reopen", "soco",
	  "opened started post_started suspend closed opened started post_started",
	  true },
	{ "refused, then accepted", "sRo",
	  "refused opened started post_started", true },
	{ "refused", "sR", "refused", false },
	{ "disable while active", "sod",
	  "opened started post_started suspend closed", false },
	{ "disable while paused", "sopd",
	  "opened started post_started suspend closed", false },
	{ "unload while active", "sou",
	  "opened started post_started suspend closed", false },
	{ "reconnect while active", "sor",
	  "opened started post_started suspend closed", false },
	{ "destroy while active", "sox",
	  "opened started post_started suspend closed", false },
	{ "destroy while stopped", "ox", "opened closed", false },
};

KUNIT_ARRAY_PARAM_DESC(steps, steps_cases, name);

/* The callbacks a back-end hears, in order, on every path. */
static void callback_order(struct kunit *test)
{
	const struct steps_case *c = test->param_value;
	struct vmb_channel *ch;
	struct sim_guest *sim = open_setup(test, VMB_VERSION_WIN10_V5_3, &ch);

	run_steps(sim, ch, c->steps);
	KUNIT_EXPECT_STREQ(test, sim->events, c->events);
	KUNIT_EXPECT_EQ(test, sim_is_open(ch), c->open);
}

static void open_result_bytes(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = open_setup(test, VMB_VERSION_WIN8, &ch);
	static const u8 ok[20] = { VMB_MSG_OPENCHANNEL_RESULT, 0, 0, 0, 0, 0,
				   0, 0, 1, 0, 0, 0, 0x34, 0x12 };
	struct vmb_msg_open_channel open = {
		.header.msgtype = cpu_to_le32(VMB_MSG_OPENCHANNEL),
		.child_relid = cpu_to_le32(1),
		.open_id = cpu_to_le32(0x1234),
		.ring_gpadl = cpu_to_le32(9),
		.target_vp = cpu_to_le32(VMB_MAX_VP_INDEX),
		.downstream_ring_page_offset = cpu_to_le32(2),
	};

	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 1, 9, 4), 0);
	sim->count = 0;
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, &open, sizeof(open)));
	KUNIT_ASSERT_EQ(test, sim->count, 1);
	KUNIT_EXPECT_EQ(test, sim->msgs[0].len, sizeof(ok));
	KUNIT_EXPECT_MEMEQ(test, sim->msgs[0].data, ok, sizeof(ok));
	KUNIT_EXPECT_EQ(test, ch->target_vp, VMB_MAX_VP_INDEX);
	KUNIT_EXPECT_EQ(test, ch->downstream_ring_page_offset, 2);
	KUNIT_EXPECT_EQ(test, ch->open_id, 0x1234);
	KUNIT_EXPECT_TRUE(test, ch->cb_ring->in_use);
}

struct bad_open_case {
	const char *name;
	u32 relid;
	u32 gpadl;
	u32 offset;
	u32 target_vp;
	int expected;
	enum vmb_reject_reason reason;
};

/* Channel 1 owns GPADL 9 (8 pages), 10 (3 pages), 11 (in progress), 12
 * (4 pages from byte 8), 13 (four 1-byte ranges) and 14 (4 pages less one
 * byte); channel 2 owns GPADL 20.
 */
static const struct bad_open_case bad_open_cases[] = {
	{ "unknown relid", 7, 9, 4, 0, -ENOENT, VMB_REJECT_RELID },
	{ "relid 0", 0, 9, 4, 0, -ENOENT, VMB_REJECT_RELID },
	{ "another channel's GPADL", 1, 20, 4, 0, -EINVAL, VMB_REJECT_GPADL },
	{ "unknown GPADL", 1, 99, 4, 0, -EINVAL, VMB_REJECT_GPADL },
	{ "GPADL in progress", 1, 11, 4, 0, -EINVAL, VMB_REJECT_GPADL },
	{ "ring at byte offset 8", 1, 12, 2, 0, -EINVAL, VMB_REJECT_GPADL },
	{ "ring of four 1-byte ranges", 1, 13, 2, 0, -EINVAL,
	  VMB_REJECT_GPADL },
	{ "ring not whole pages", 1, 14, 2, 0, -EINVAL, VMB_REJECT_GPADL },
	{ "ring of 3 pages", 1, 10, 2, 0, -EINVAL, VMB_REJECT_OPEN_PARAMS },
	{ "offset 0", 1, 9, 0, 0, -EINVAL, VMB_REJECT_OPEN_PARAMS },
	{ "offset 1", 1, 9, 1, 0, -EINVAL, VMB_REJECT_OPEN_PARAMS },
	{ "offset leaves 1 page", 1, 9, 7, 0, -EINVAL, VMB_REJECT_OPEN_PARAMS },
	{ "offset at the end", 1, 9, 8, 0, -EINVAL, VMB_REJECT_OPEN_PARAMS },
	{ "offset past the end", 1, 9, U32_MAX, 0, -EINVAL,
	  VMB_REJECT_OPEN_PARAMS },
	{ "target VP too large", 1, 9, 4, VMB_MAX_VP_INDEX + 1, -EINVAL,
	  VMB_REJECT_OPEN_PARAMS },
	{ "target VP all ones", 1, 9, 4, U32_MAX, -EINVAL,
	  VMB_REJECT_OPEN_PARAMS },
};

KUNIT_ARRAY_PARAM_DESC(bad_open, bad_open_cases, name);

/*
 * A GPADL for relid 1 of @count ranges of @bytes bytes from @offset, one
 * frame each or as many as the bytes need; it must be created.
 */
static void odd_gpadl(struct sim_guest *sim, u32 id, u16 count, u32 bytes,
		      u32 offset)
{
	u8 buf[VMB_MSG_MAX_SIZE] = {};
	struct vmb_msg_gpadl_header *hdr = (void *)buf;
	u32 frames = DIV_ROUND_UP(bytes + offset, 4096);
	u8 *p = (u8 *)(hdr + 1);
	unsigned int i, j;

	hdr->header.msgtype = cpu_to_le32(VMB_MSG_GPADL_HEADER);
	hdr->child_relid = cpu_to_le32(1);
	hdr->gpadl = cpu_to_le32(id);
	hdr->range_buflen = cpu_to_le16(count * (8 + frames * 8));
	hdr->range_count = cpu_to_le16(count);
	for (i = 0; i < count; i++) {
		struct vmb_gpa_range *range = (void *)p;

		range->byte_count = cpu_to_le32(bytes);
		range->byte_offset = cpu_to_le32(offset);
		for (j = 0; j < frames; j++)
			range->pfn[j] = cpu_to_le64(0x2000 + i * frames + j);
		p += 8 + frames * 8;
	}
	KUNIT_ASSERT_EQ(sim->test, 0, sim_send(sim, 1, buf, p - buf));
	KUNIT_ASSERT_EQ(sim->test, sim_le32_at(sim, sim->count - 1, 16), 0);
}

/* Every invalid open gets a failed OPENCHANNEL_RESULT and changes nothing. */
static void open_refused(struct kunit *test)
{
	const struct bad_open_case *c = test->param_value;
	struct vmb_channel *ch, *other;
	struct sim_guest *sim = open_setup(test, VMB_VERSION_WIN10_V5_3, &ch);
	const struct vmb_msg_open_result *res;
	u8 buf[VMB_MSG_MAX_SIZE] = {};
	struct vmb_msg_gpadl_header *hdr = (void *)buf;

	other = sim_channel_enabled(sim, 2);
	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 1, 9, 8), 0);
	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 1, 10, 3), 0);
	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 2, 20, 8), 0);
	hdr->header.msgtype = cpu_to_le32(VMB_MSG_GPADL_HEADER);
	hdr->child_relid = cpu_to_le32(1);
	hdr->gpadl = cpu_to_le32(11);
	hdr->range_buflen = cpu_to_le16(8 + 40 * 8);
	hdr->range_count = cpu_to_le16(1);
	KUNIT_ASSERT_EQ(test, 0, sim_send(sim, 1, buf, sizeof(*hdr) + 16));
	odd_gpadl(sim, 12, 1, 4 * 4096 - 8, 8);
	odd_gpadl(sim, 13, 4, 1, 0);
	odd_gpadl(sim, 14, 1, 4 * 4096 - 1, 0);

	KUNIT_EXPECT_EQ(test, c->expected,
			sim_open(sim, c->relid, c->gpadl, c->offset,
				 c->target_vp));
	res = sim_last(sim, VMB_MSG_OPENCHANNEL_RESULT, sizeof(*res));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(res->child_relid), c->relid);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(res->status),
			VMB_STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, sim->server->rejected[c->reason], 1);
	KUNIT_EXPECT_FALSE(test, sim_is_open(ch));
	KUNIT_EXPECT_FALSE(test, sim_is_open(other));
	KUNIT_EXPECT_STREQ(test, sim->events, "");
	/* The right open still works. */
	KUNIT_EXPECT_EQ(test, 0, sim_open(sim, 1, 9, 4, 0));
	KUNIT_EXPECT_EQ(test, sim_open_status(sim), 0);
}

/* An open channel is not opened twice; its ring is not taken twice. */
static void open_twice(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = open_setup(test, VMB_VERSION_WIN10_V5_3, &ch);

	KUNIT_ASSERT_EQ(test, vmb_server_channel_start(ch), 0);
	sim_open_channel(sim, ch);
	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 1, 5, 8), 0);
	KUNIT_EXPECT_EQ(test, -EBUSY, sim_open(sim, 1, 5, 4, 0));
	KUNIT_EXPECT_EQ(test, sim_open_status(sim), VMB_STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, -EBUSY, sim_open(sim, 1, 0x101, 4, 0));
	KUNIT_EXPECT_STREQ(test, sim->events, "opened started post_started");
	KUNIT_EXPECT_EQ(test, ch->cb_ring->id, 0x101);
	KUNIT_EXPECT_EQ(test,
			sim->server->rejected[VMB_REJECT_CHANNEL_STATE], 2);
}

static void close_rules(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = open_setup(test, VMB_VERSION_WIN10_V5_3, &ch);

	KUNIT_EXPECT_EQ(test, -EINVAL,
			sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1));
	KUNIT_EXPECT_EQ(test, -ENOENT,
			sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 5));
	sim_open_channel(sim, ch);
	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1));
	KUNIT_EXPECT_STREQ(test, sim->events, "opened closed");
	/* A close racing the rescind is harmless. */
	vmb_server_channel_disable(ch);
	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1));
	KUNIT_EXPECT_EQ(test, -ENOENT, sim_open(sim, 1, 0x101, 4, 0));
	KUNIT_EXPECT_EQ(test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	KUNIT_EXPECT_EQ(test,
			sim->server->rejected[VMB_REJECT_CHANNEL_STATE], 2);
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_RELID], 2);
}

static int modify(struct sim_guest *sim, u32 relid, u32 vp)
{
	struct vmb_msg_modify_channel msg = {
		.header.msgtype = cpu_to_le32(VMB_MSG_MODIFYCHANNEL),
		.child_relid = cpu_to_le32(relid),
		.target_vp = cpu_to_le32(vp),
	};

	return sim_send(sim, 1, &msg, sizeof(msg));
}

struct modify_case {
	u32 version;
	bool open;
	u32 vp;
	int expected;
	bool response;
};

static const struct modify_case modify_cases[] = {
	{ VMB_VERSION_WIN10, true, 3, -EOPNOTSUPP, false },
	{ VMB_VERSION_WIN10_V4_1, true, 3, 0, false },
	{ VMB_VERSION_WIN10_V5_2, true, 3, 0, false },
	{ VMB_VERSION_WIN10_V5_3, true, 3, 0, true },
	{ VMB_VERSION_WIN10_V5_3, false, 3, -ENOENT, true },
	{ VMB_VERSION_WIN10_V5_3, true, VMB_MAX_VP_INDEX + 1, -EINVAL, true },
	{ VMB_VERSION_WIN10_V4_1, false, 3, -ENOENT, false },
};

static void modify_case_desc(const struct modify_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u.%u %s vp %u",
		 c->version >> 16, c->version & 0xffff,
		 c->open ? "open" : "closed", c->vp);
}

KUNIT_ARRAY_PARAM(modify, modify_cases, modify_case_desc);

/* MODIFYCHANNEL from 4.1 on; a response, success or not, from 5.3 on. */
static void modify_channel(struct kunit *test)
{
	const struct modify_case *c = test->param_value;
	struct vmb_channel *ch;
	struct sim_guest *sim = open_setup(test, c->version, &ch);
	const struct vmb_msg_modify_channel_response *resp;

	if (c->open)
		sim_open_channel(sim, ch);
	sim->count = 0;
	KUNIT_EXPECT_EQ(test, modify(sim, 1, c->vp), c->expected);
	KUNIT_EXPECT_EQ(test, ch->target_vp, c->expected ? 0 : c->vp);
	KUNIT_ASSERT_EQ(test, sim->count, c->response ? 1 : 0);
	if (!c->response)
		return;
	resp = sim_last(sim, VMB_MSG_MODIFYCHANNEL_RESPONSE, sizeof(*resp));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(resp->child_relid), 1);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(resp->status),
			c->expected ? VMB_STATUS_UNSUCCESSFUL : 0);
}

static void start_pause_args(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);

	KUNIT_EXPECT_EQ(test, -EINVAL, vmb_server_channel_start(NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, vmb_server_channel_pause(NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, vmb_server_channel_start(ch));
	KUNIT_EXPECT_EQ(test, -EINVAL, vmb_server_channel_pause(ch));
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(ch));
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_start(ch));
	KUNIT_EXPECT_TRUE(test, ch->running);
	vmb_server_channel_disable(ch);
	/* Disabled means stopped: an enable needs a start again. */
	KUNIT_EXPECT_FALSE(test, ch->running);
	KUNIT_EXPECT_EQ(test, -EINVAL, vmb_server_channel_start(ch));
	KUNIT_EXPECT_STREQ(test, sim->events, "");
}

struct release_case {
	const char *name;
	char step;	/* what ends the guest's hold, as in run_steps */
};

static const struct release_case release_cases[] = {
	{ "RELID_RELEASED", 'l' },
	{ "UNLOAD", 'u' },
	{ "new INITIATE_CONTACT", 'r' },
	{ "server destroyed", 'x' },
	{ "never: channel freed, then server destroyed", 'f' },
};

KUNIT_ARRAY_PARAM_DESC(release, release_cases, name);

/*
 * Disable never waits for the guest: it returns with the channel closed
 * and the rescind out, and the relid (with the instance) stays the guest's
 * until one of these ends its hold.
 */
static void disable_never_waits(struct kunit *test)
{
	const struct release_case *c = test->param_value;
	struct vmb_channel *ch, *twin;
	struct sim_guest *sim = open_setup(test, VMB_VERSION_WIN10_V5_3, &ch);
	const char steps[] = { c->step, '\0' };

	KUNIT_ASSERT_EQ(test, vmb_server_channel_start(ch), 0);
	sim_open_channel(sim, ch);
	sim_disable(sim, ch);
	KUNIT_EXPECT_STREQ(test, sim->events,
			   "opened started post_started suspend closed");
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_RESCIND_CHANNELOFFER);
	twin = sim_channel(sim, 1);
	KUNIT_EXPECT_EQ(test, -EEXIST, vmb_server_channel_enable(twin));
	switch (c->step) {
	case 'l':
		KUNIT_EXPECT_EQ(test, 0,
				sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
		break;
	case 'f':
		sim_channel_free_now(sim, ch);
		sim_guest_destroy_now(sim);
		break;
	default:
		run_steps(sim, ch, steps);
	}
	KUNIT_EXPECT_EQ(test, sim->server ? 0 : -ENODEV,
			vmb_server_channel_enable(twin));
}

/* Nothing to wait for when the guest never saw the offer. */
static void disable_unoffered_returns(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel_enabled(sim, 1);

	vmb_server_channel_disable(ch);
	KUNIT_EXPECT_EQ(test, sim->posted, 0);
	KUNIT_ASSERT_EQ(test, 0, sim_initiate_contact(sim, VMB_VERSION_WIN8));
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(ch));
	/* Offers requested not yet: still not offered. */
	vmb_server_channel_disable(ch);
	KUNIT_EXPECT_EQ(test, sim->posted, 1);
}

/*
 * Callbacks may call back into the server: getters, start and pause of
 * their own channel (taking effect after the callback), enable and disable
 * of another channel.  Under the old model each of these deadlocked.
 */
struct api_backend {
	struct sim_guest *sim;
	struct vmb_channel *other;
	u32 relid_seen;
	int ret[3];
};

static void api_event(struct vmb_channel *ch, const char *event)
{
	struct api_backend *be = vmb_server_channel_context(ch);
	char *events = be->sim->events;

	strlcat(events, events[0] ? " " : "", sizeof(be->sim->events));
	strlcat(events, event, sizeof(be->sim->events));
}

static int api_opened(struct vmb_channel *ch)
{
	struct api_backend *be = vmb_server_channel_context(ch);

	be->relid_seen = vmb_server_channel_relid(ch);
	be->ret[0] = vmb_server_channel_start(ch);
	be->ret[1] = vmb_server_channel_enable(be->other);
	api_event(ch, "opened");
	return 0;
}

static void api_suspend(struct vmb_channel *ch)
{
	struct api_backend *be = vmb_server_channel_context(ch);

	be->ret[2] = vmb_server_channel_pause(ch);
	vmb_server_channel_disable(be->other);
	api_event(ch, "suspend");
}

static void api_closed(struct vmb_channel *ch)
{
	api_event(ch, "closed");
}

static void api_started(struct vmb_channel *ch)
{
	api_event(ch, "started");
}

static const struct vmb_server_channel_callbacks api_callbacks = {
	.opened = api_opened,
	.suspend = api_suspend,
	.closed = api_closed,
	.started = api_started,
};

static void callbacks_call_the_api(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct api_backend *be = kunit_kzalloc(test, sizeof(*be), GFP_KERNEL);
	struct vmb_channel *ch = sim_channel(sim, 1);

	KUNIT_ASSERT_NOT_NULL(test, be);
	be->sim = sim;
	be->other = sim_channel(sim, 2);
	KUNIT_ASSERT_EQ(test, 0,
			vmb_server_channel_init_set_callbacks(ch, &api_callbacks,
							      be));
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(ch));
	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	sim->events[0] = '\0';
	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 1, 9, 8), 0);
	KUNIT_EXPECT_EQ(test, 0, sim_open(sim, 1, 9, 4, 0));
	KUNIT_EXPECT_EQ(test, sim_open_status(sim), 0);
	KUNIT_EXPECT_EQ(test, be->relid_seen, 1);
	KUNIT_EXPECT_EQ(test, be->ret[0], 0);
	KUNIT_EXPECT_EQ(test, be->ret[1], 0);
	/* The other channel was offered (hot add) from inside the callback. */
	KUNIT_EXPECT_EQ(test, vmb_server_channel_relid(be->other), 2);
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_OFFERCHANNEL), 1);
	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1));
	KUNIT_EXPECT_EQ(test, be->ret[2], 0);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_relid(be->other), 0);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_RESCIND_CHANNELOFFER);
	KUNIT_EXPECT_STREQ(test, sim->events,
			   "opened started suspend closed");
}

/*
 * A back-end slow to close holds up only its own channel: the guest's
 * UNLOAD is taken at once, other guest messages are served meanwhile, and
 * UNLOAD_RESPONSE waits until the closed callback returned (the guest may
 * reuse the rings once it has the answer).
 */
struct slow_backend {
	struct completion entered;
	struct completion release;
};

static void slow_closed(struct vmb_channel *ch)
{
	struct slow_backend *sb = vmb_server_channel_context(ch);

	complete(&sb->entered);
	wait_for_completion(&sb->release);
}

static void slow_release(void *data)
{
	struct slow_backend *sb = data;

	complete_all(&sb->release);
}

static const struct vmb_server_channel_callbacks slow_callbacks = {
	.closed = slow_closed,
};

/* A relid message delivered without sim_send()'s wait for the works. */
static int deliver_now(struct sim_guest *sim, u32 type, u32 relid)
{
	struct vmb_msg_relid msg = {
		.header.msgtype = cpu_to_le32(type),
		.child_relid = cpu_to_le32(relid),
	};

	return vmb_server_deliver_guest_message(sim->server, 1, &msg,
						sizeof(msg));
}

static void slow_close_holds_only_its_channel(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct slow_backend *sb = kunit_kzalloc(test, sizeof(*sb), GFP_KERNEL);
	struct vmb_channel *ch = sim_channel(sim, 1);
	struct vmb_channel *fast;

	KUNIT_ASSERT_NOT_NULL(test, sb);
	init_completion(&sb->entered);
	init_completion(&sb->release);
	/* Before the server goes at the end, whatever failed. */
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, slow_release, sb));
	KUNIT_ASSERT_EQ(test, 0,
			vmb_server_channel_init_set_callbacks(ch, &slow_callbacks,
							      sb));
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(ch));
	KUNIT_ASSERT_EQ(test, vmb_server_channel_relid(ch), 1);
	fast = sim_channel_enabled(sim, 2);
	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	sim_open_channel(sim, ch);
	sim_open_channel(sim, fast);

	sim->count = 0;
	KUNIT_EXPECT_EQ(test, 0, deliver_now(sim, VMB_MSG_CLOSECHANNEL, 1));
	KUNIT_ASSERT_NE(test, 0,
			wait_for_completion_timeout(&sb->entered, 10 * HZ));
	/* While channel 1 sits in closed, channel 2 closes. */
	KUNIT_EXPECT_EQ(test, 0, deliver_now(sim, VMB_MSG_CLOSECHANNEL, 2));
	flush_work(&fast->work);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(fast->cb_open));
	/* The unload is taken, its answer waits for channel 1. */
	KUNIT_EXPECT_EQ(test, 0, deliver_now(sim, VMB_MSG_UNLOAD, 0));
	flush_work(&fast->work);
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_UNLOAD_RESPONSE), 0);
	complete_all(&sb->release);
	sim_settle(sim);
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_UNLOAD_RESPONSE), 1);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_UNLOAD_RESPONSE);
}

/*
 * vmb_server_reset(): a VM reboot without UNLOAD.  Open channels close,
 * nothing queued for the old guest goes out, the channels stay enabled and
 * the next guest is offered them.
 */
static void server_reset_reoffers(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = open_setup(test, VMB_VERSION_WIN10_V5_3, &ch);
	unsigned int posted;

	KUNIT_ASSERT_EQ(test, vmb_server_channel_start(ch), 0);
	sim_open_channel(sim, ch);
	sim->busy = true;
	sim_channel_enabled(sim, 2);	/* its offer is queued */
	KUNIT_EXPECT_EQ(test, sim->server->outq_len, 1);
	KUNIT_EXPECT_EQ(test, 0, vmb_server_reset(sim->server));
	KUNIT_EXPECT_STREQ(test, sim->events,
			   "opened started post_started suspend closed");
	KUNIT_EXPECT_EQ(test, sim->server->outq_len, 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->gpadls));
	/* Nothing of the old connection reaches the new guest. */
	sim->busy = false;
	posted = sim->posted;
	vmb_server_transport_ready(sim->server);
	KUNIT_EXPECT_EQ(test, sim->posted, posted);
	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_relid(ch), 1);
	sim_open_channel(sim, ch);
	KUNIT_EXPECT_TRUE(test, sim_is_open(ch));
}

KUNIT_ARRAY_PARAM(session, sim_session_versions, sim_version_desc);

/*
 * A whole guest session, message by message: connect, offers, GPADL, open,
 * close, teardown, rescind, release, unload.
 */
static void full_session(struct kunit *test)
{
	const u32 version = *(const u32 *)test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel_enabled(sim, 3);
	static const u32 expect[] = {
		VMB_MSG_VERSION_RESPONSE, VMB_MSG_OFFERCHANNEL,
		VMB_MSG_ALLOFFERS_DELIVERED, VMB_MSG_GPADL_CREATED,
		VMB_MSG_OPENCHANNEL_RESULT, VMB_MSG_GPADL_TORNDOWN,
		VMB_MSG_RESCIND_CHANNELOFFER, VMB_MSG_UNLOAD_RESPONSE,
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, vmb_server_channel_start(ch), 0);
	KUNIT_ASSERT_EQ(test, 0, sim_initiate_contact(sim, version));
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 0xe1e10, 64), 0);
	KUNIT_EXPECT_EQ(test, 0, sim_open(sim, 1, 0xe1e10, 32, 0));
	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1));
	KUNIT_EXPECT_EQ(test, 0, sim_teardown(sim, 1, 0xe1e10));
	sim_disable_released(sim, ch);
	KUNIT_EXPECT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));

	KUNIT_ASSERT_EQ(test, sim->count, ARRAY_SIZE(expect));
	for (i = 0; i < ARRAY_SIZE(expect); i++)
		KUNIT_EXPECT_EQ_MSG(test, sim_msg_type(sim, i), expect[i],
				    "message %u", i);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 3, 16), 0);	/* created */
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 4, 16), 0);	/* opened */
	KUNIT_EXPECT_STREQ(test, sim->events,
			   "opened started post_started suspend closed");
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->gpadls));
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->relids));
}

/*
 * A back-end that blocks once in the callback named @gate until the test
 * lets it go, and a back-end thread that disables its channel meanwhile:
 * the guest's messages then cross what the channel's work still has to do.
 */
struct gate_backend {
	struct sim_guest *sim;
	struct vmb_channel *ch;
	const char *gate;
	bool in_gate;
	bool disabling;
	struct completion entered;
	struct completion release;
	struct completion disabled;
};

static void gate_event(struct vmb_channel *ch, const char *event)
{
	struct gate_backend *gb = vmb_server_channel_context(ch);
	char *events = gb->sim->events;

	strlcat(events, events[0] ? " " : "", sizeof(gb->sim->events));
	strlcat(events, event, sizeof(gb->sim->events));
	if (!gb->gate || strcmp(gb->gate, event))
		return;
	gb->gate = NULL;
	WRITE_ONCE(gb->in_gate, true);
	complete(&gb->entered);
	wait_for_completion(&gb->release);
	WRITE_ONCE(gb->in_gate, false);
}

static int gate_opened(struct vmb_channel *ch)
{
	gate_event(ch, "opened");
	return 0;
}

static void gate_started(struct vmb_channel *ch)
{
	gate_event(ch, "started");
}

static void gate_post_started(struct vmb_channel *ch)
{
	gate_event(ch, "post_started");
}

static void gate_suspend(struct vmb_channel *ch)
{
	gate_event(ch, "suspend");
}

static void gate_closed(struct vmb_channel *ch)
{
	gate_event(ch, "closed");
}

static const struct vmb_server_channel_callbacks gate_callbacks = {
	.opened = gate_opened,
	.started = gate_started,
	.post_started = gate_post_started,
	.suspend = gate_suspend,
	.closed = gate_closed,
};

static int gate_disable_thread(void *data)
{
	struct gate_backend *gb = data;

	vmb_server_channel_disable(gb->ch);
	complete_all(&gb->disabled);
	return 0;
}

/* Whatever failed: the callback and the disable return before the end. */
static void gate_cleanup(void *data)
{
	struct gate_backend *gb = data;

	complete_all(&gb->release);
	if (gb->disabling)
		wait_for_completion(&gb->disabled);
}

/* Relid 1, enabled, started and offered to a 5.3 guest; nothing posted. */
static struct gate_backend *gate_setup(struct kunit *test, const char *gate)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct gate_backend *gb = kunit_kzalloc(test, sizeof(*gb), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, gb);
	gb->sim = sim;
	gb->gate = gate;
	init_completion(&gb->entered);
	init_completion(&gb->release);
	init_completion(&gb->disabled);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, gate_cleanup, gb));
	gb->ch = sim_channel(sim, 1);
	KUNIT_ASSERT_EQ(test, 0,
			vmb_server_channel_init_set_callbacks(gb->ch,
							      &gate_callbacks,
							      gb));
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(gb->ch));
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_start(gb->ch));
	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_relid(gb->ch), 1);
	return gb;
}

static void gate_wait(struct kunit *test, struct gate_backend *gb)
{
	KUNIT_ASSERT_NE(test, 0,
			wait_for_completion_timeout(&gb->entered, 10 * HZ));
	KUNIT_ASSERT_TRUE(test, READ_ONCE(gb->in_gate));
}

/* Disable from a back-end thread; returns once the disable took effect. */
static void gate_disable(struct kunit *test, struct gate_backend *gb)
{
	struct task_struct *t;
	unsigned int ms;

	t = kthread_run(gate_disable_thread, gb, "vmbs-disable");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	gb->disabling = true;
	for (ms = 0; vmb_server_channel_relid(gb->ch) && ms < 10000; ms += 20)
		msleep(20);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_relid(gb->ch), 0);
}

/*
 * A host message as a test expects it: its type, and the word at byte 8
 * (the relid of a rescind or an open result, the id of GPADL_TORNDOWN), or
 * ANY_WORD.
 */
#define ANY_WORD U32_MAX

struct expect_msg {
	u32 type;
	u32 word;
};

static void expect_posted(struct kunit *test, struct sim_guest *sim,
			  const struct expect_msg *want, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < max(sim->count, n); i++) {
		u32 type = sim_msg_type(sim, i), word = sim_le32_at(sim, i, 8);

		if (i >= n) {
			KUNIT_FAIL(test, "message %u: type %u word %#x not expected",
				   i, type, word);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, type, want[i].type, "message %u", i);
		if (want[i].word != ANY_WORD)
			KUNIT_EXPECT_EQ_MSG(test, word, want[i].word,
					    "message %u (type %u)", i, type);
	}
}

struct early_release_case {
	const char *name;
	const char *gate;		/* where the back-end blocks */
	bool unload;			/* the guest unloads meanwhile */
	struct expect_msg want[2];
	unsigned int nr_want;
	const char *events;
};

static const struct early_release_case early_release_cases[] = {
	{ "blocked in suspend", "suspend", false, {}, 0,
	  "opened started post_started suspend closed" },
	{ "blocked in opened", "opened", false,
	  { { VMB_MSG_OPENCHANNEL_RESULT, 1 } }, 1, "opened closed" },
	{ "blocked in suspend, then unload", "suspend", true,
	  { { VMB_MSG_UNLOAD_RESPONSE, ANY_WORD } }, 1,
	  "opened started post_started suspend closed" },
};

KUNIT_ARRAY_PARAM_DESC(early_release, early_release_cases, name);

/*
 * The guest releases a relid on its own (Linux does when it fails to set up
 * an offer) after a disable but before the rescind went out, which waits
 * for the channel's work to be quiet.  That release cannot answer a rescind
 * the guest never saw: the rescind is dropped, an open still pending is
 * answered on the relid it named, and the relid comes back only after
 * that, for the next offer.  No message names relid 0.
 */
static void release_before_rescind(struct kunit *test)
{
	const struct early_release_case *c = test->param_value;
	struct gate_backend *gb = gate_setup(test, c->gate);
	struct sim_guest *sim = gb->sim;
	bool in_open = !strcmp(c->gate, "opened");

	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 1, 0xe1e10, 8), 0);
	sim->no_settle = true;
	KUNIT_ASSERT_EQ(test, sim_open(sim, 1, 0xe1e10, 4, 0), 0);
	if (in_open) {
		gate_wait(test, gb);
		sim->count = 0;
		gate_disable(test, gb);
	} else {
		sim_settle(sim);
		KUNIT_ASSERT_EQ(test, sim_open_status(sim), 0);
		sim->count = 0;
		gate_disable(test, gb);
		gate_wait(test, gb);
	}

	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	/* It crossed the disable: the callback and the disable still wait. */
	KUNIT_EXPECT_TRUE(test, READ_ONCE(gb->in_gate));
	KUNIT_EXPECT_FALSE(test, completion_done(&gb->disabled));
	if (c->unload)
		KUNIT_EXPECT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
	complete_all(&gb->release);
	KUNIT_ASSERT_NE(test, 0,
			wait_for_completion_timeout(&gb->disabled, 10 * HZ));
	sim->no_settle = false;
	sim_settle(sim);

	expect_posted(test, sim, c->want, c->nr_want);
	if (in_open)
		KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 0, 16),
				VMB_STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_STREQ(test, sim->events, c->events);
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->relids));
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->gpadls));
	KUNIT_EXPECT_EQ(test, sim->server->releases_answered, 0);
	if (c->unload)
		return;
	KUNIT_EXPECT_EQ(test, sim->server->releases_unprompted, 1);

	/* The relid is free: the next offer takes it, and nothing follows. */
	sim->count = 0;
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(gb->ch));
	sim_settle(sim);
	KUNIT_ASSERT_EQ(test, sim->count, 1);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 0), VMB_MSG_OFFERCHANNEL);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 0, 184), 1);
}

struct reset_case {
	const char *name;
	u32 type;
	u32 answer;
};

static const struct reset_case reset_cases[] = {
	{ "INITIATE_CONTACT", VMB_MSG_INITIATE_CONTACT,
	  VMB_MSG_VERSION_RESPONSE },
	{ "UNLOAD", VMB_MSG_UNLOAD, VMB_MSG_UNLOAD_RESPONSE },
};

KUNIT_ARRAY_PARAM_DESC(reset, reset_cases, name);

static void send_reset(struct sim_guest *sim, const struct reset_case *c)
{
	if (c->type == VMB_MSG_INITIATE_CONTACT)
		KUNIT_EXPECT_EQ(sim->test, 0,
				sim_initiate_contact(sim,
						     VMB_VERSION_WIN10_V5_3));
	else
		KUNIT_EXPECT_EQ(sim->test, 0, sim_send_type(sim, c->type));
}

/*
 * A teardown the old connection asked for, of the ring of an open the
 * channel's work had not taken yet, must not be answered to the next
 * connection: Linux numbers GPADLs from 0xE1E10 on every boot, so the new
 * guest would take it for its own GPADL of the same id.  The reset's
 * answer goes out once the old callbacks returned, and nothing of the old
 * connection follows it.
 */
static void reset_forgets_teardown(struct kunit *test)
{
	const struct reset_case *c = test->param_value;
	struct gate_backend *gb = gate_setup(test, "suspend");
	struct sim_guest *sim = gb->sim;
	const struct expect_msg want[] = {
		{ c->answer, ANY_WORD },
	};

	sim_open_channel(sim, gb->ch);
	sim->no_settle = true;
	KUNIT_ASSERT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1));
	gate_wait(test, gb);
	/* While the work sits in suspend: a new ring, an open, a teardown. */
	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 1, 0xe1e10, 8), 0);
	KUNIT_ASSERT_EQ(test, 0, sim_open(sim, 1, 0xe1e10, 4, 0));
	KUNIT_ASSERT_EQ(test, 0, sim_teardown(sim, 1, 0xe1e10));
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_GPADL_TORNDOWN), 0);
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_OPENCHANNEL_RESULT),
			1);

	sim->count = 0;
	send_reset(sim, c);
	/* The answer waits for the callback. */
	KUNIT_EXPECT_TRUE(test, READ_ONCE(gb->in_gate));
	KUNIT_EXPECT_EQ(test, sim->count, 0);
	complete_all(&gb->release);
	sim->no_settle = false;
	sim_settle(sim);

	expect_posted(test, sim, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_STREQ(test, sim->events,
			   "opened started post_started suspend closed");
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->gpadls));
	if (c->type != VMB_MSG_INITIATE_CONTACT)
		return;

	/* The new guest's GPADL of that id is torn down once, on request. */
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, 1, 0xe1e10, 8), 0);
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_GPADL_TORNDOWN), 0);
	KUNIT_ASSERT_EQ(test, 0, sim_teardown(sim, 1, 0xe1e10));
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_GPADL_TORNDOWN), 1);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_GPADL_TORNDOWN);
}

/*
 * A reset waits for the callbacks of a disabled channel too: until they
 * return, the back-end may still use the old connection's ring, which the
 * guest reuses once it has the reset's answer.
 */
static void reset_waits_for_disabled_channel(struct kunit *test)
{
	const struct reset_case *c = test->param_value;
	struct gate_backend *gb = gate_setup(test, "suspend");
	struct sim_guest *sim = gb->sim;
	const struct expect_msg want[] = {
		{ c->answer, ANY_WORD },
	};

	sim_open_channel(sim, gb->ch);
	sim->no_settle = true;
	sim->count = 0;
	gate_disable(test, gb);
	gate_wait(test, gb);
	send_reset(sim, c);
	/* The answer waits for the callback. */
	KUNIT_EXPECT_TRUE(test, READ_ONCE(gb->in_gate));
	KUNIT_EXPECT_EQ(test, sim->count, 0);
	complete_all(&gb->release);
	KUNIT_ASSERT_NE(test, 0,
			wait_for_completion_timeout(&gb->disabled, 10 * HZ));
	sim->no_settle = false;
	sim_settle(sim);

	expect_posted(test, sim, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_STREQ(test, sim->events,
			   "opened started post_started suspend closed");
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->relids));
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), 0);
}

static struct kunit_case vmb_open_cases[] = {
	KUNIT_CASE_PARAM(callback_order, steps_gen_params),
	KUNIT_CASE(open_result_bytes),
	KUNIT_CASE_PARAM(open_refused, bad_open_gen_params),
	KUNIT_CASE(open_twice),
	KUNIT_CASE(close_rules),
	KUNIT_CASE_PARAM(modify_channel, modify_gen_params),
	KUNIT_CASE(start_pause_args),
	KUNIT_CASE_PARAM(disable_never_waits, release_gen_params),
	KUNIT_CASE(disable_unoffered_returns),
	KUNIT_CASE(callbacks_call_the_api),
	KUNIT_CASE(slow_close_holds_only_its_channel),
	KUNIT_CASE(server_reset_reoffers),
	KUNIT_CASE_PARAM(full_session, session_gen_params),
	KUNIT_CASE_PARAM(release_before_rescind, early_release_gen_params),
	KUNIT_CASE_PARAM(reset_forgets_teardown, reset_gen_params),
	KUNIT_CASE_PARAM(reset_waits_for_disabled_channel, reset_gen_params),
	{}
};

static struct kunit_suite vmb_open_suite = {
	.name = "vmbus_server_open",
	.test_cases = vmb_open_cases,
};

kunit_test_suite(vmb_open_suite);
