// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: OPENCHANNEL, CLOSECHANNEL and MODIFYCHANNEL, the KMCL callbacks a
 * device back-end hears on each path, start/pause, and disable waiting for
 * the guest.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/string.h>

#include "../channel.h"
#include "../gpadl.h"
#include "../server.h"
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
			break;
		case 'p':
			KUNIT_EXPECT_EQ(test, vmb_server_channel_pause(ch), 0);
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
	KUNIT_EXPECT_EQ(test, vmb_channel_is_open(ch), c->open);
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
	KUNIT_EXPECT_TRUE(test, ch->ring_gpadl->in_use);
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

/* Channel 1 owns GPADL 9 (8 pages), 10 (3 pages) and 11 (in progress);
 * channel 2 owns GPADL 20.
 */
static const struct bad_open_case bad_open_cases[] = {
	{ "unknown relid", 7, 9, 4, 0, -ENOENT, VMB_REJECT_RELID },
	{ "relid 0", 0, 9, 4, 0, -ENOENT, VMB_REJECT_RELID },
	{ "another channel's GPADL", 1, 20, 4, 0, -EINVAL, VMB_REJECT_GPADL },
	{ "unknown GPADL", 1, 99, 4, 0, -EINVAL, VMB_REJECT_GPADL },
	{ "GPADL in progress", 1, 11, 4, 0, -EINVAL, VMB_REJECT_GPADL },
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

	KUNIT_EXPECT_EQ(test, c->expected,
			sim_open(sim, c->relid, c->gpadl, c->offset,
				 c->target_vp));
	res = sim_last(sim, VMB_MSG_OPENCHANNEL_RESULT, sizeof(*res));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(res->child_relid), c->relid);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(res->status),
			VMB_STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, sim->server->rejected[c->reason], 1);
	KUNIT_EXPECT_FALSE(test, vmb_channel_is_open(ch));
	KUNIT_EXPECT_FALSE(test, vmb_channel_is_open(other));
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
	KUNIT_EXPECT_EQ(test, ch->ring_gpadl->id, 0x101);
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
	sim_disable_async(sim, ch);
	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1));
	KUNIT_EXPECT_EQ(test, -ENOENT, sim_open(sim, 1, 0x101, 4, 0));
	KUNIT_EXPECT_EQ(test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	sim_disable_join(sim);
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
	char step;	/* what lets the waiting disable go, as in run_steps */
};

static const struct release_case release_cases[] = {
	{ "RELID_RELEASED", 'l' },
	{ "UNLOAD", 'u' },
	{ "new INITIATE_CONTACT", 'r' },
	{ "server destroyed", 'x' },
};

KUNIT_ARRAY_PARAM_DESC(release, release_cases, name);

/* Disable waits for the guest, and for nothing more than one of these. */
static void disable_waits_for_guest(struct kunit *test)
{
	const struct release_case *c = test->param_value;
	struct vmb_channel *ch;
	struct sim_guest *sim = open_setup(test, VMB_VERSION_WIN10_V5_3, &ch);
	const char steps[] = { c->step, '\0' };

	sim_disable_async(sim, ch);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, sim_disable_done(sim));
	if (c->step == 'l')
		KUNIT_EXPECT_EQ(test, 0,
				sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	else
		run_steps(sim, ch, steps);
	sim_disable_join(sim);
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
	KUNIT_EXPECT_EQ(test, sim->server->gpadl_count, 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->relids));
}

static struct kunit_case vmb_open_cases[] = {
	KUNIT_CASE_PARAM(callback_order, steps_gen_params),
	KUNIT_CASE(open_result_bytes),
	KUNIT_CASE_PARAM(open_refused, bad_open_gen_params),
	KUNIT_CASE(open_twice),
	KUNIT_CASE(close_rules),
	KUNIT_CASE_PARAM(modify_channel, modify_gen_params),
	KUNIT_CASE(start_pause_args),
	KUNIT_CASE_PARAM(disable_waits_for_guest, release_gen_params),
	KUNIT_CASE(disable_unoffered_returns),
	KUNIT_CASE_PARAM(full_session, session_gen_params),
	{}
};

static struct kunit_suite vmb_open_suite = {
	.name = "vmbus_server_open",
	.test_cases = vmb_open_cases,
};

kunit_test_suite(vmb_open_suite);
