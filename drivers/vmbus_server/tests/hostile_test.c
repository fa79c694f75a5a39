// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a guest that sends whatever it likes, and back-ends that enable
 * and disable channels while guest messages arrive and the server goes
 * away.  The server must refuse, count, carry on, and stay lockdep-clean;
 * KASAN and kmemleak watch the rest.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "../channel.h"
#include "../gpadl.h"
#include "../server.h"
#include "sim_guest.h"

static u64 total_rejected(const struct vmb_server *server)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < VMB_REJECT_REASON_COUNT; i++)
		sum += server->rejected[i];
	return sum;
}

/*
 * After UNLOAD only a new INITIATE_CONTACT is heard, and the guest's late
 * releases of the relids it held (late_release_after_unload).
 */
static void nothing_after_unload(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	u8 msg[VMB_MSG_MAX_SIZE] = {};
	u32 type;

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	sim_channel_enabled(sim, 1);
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
	sim->count = 0;
	for (type = VMB_MSG_OFFERCHANNEL; type < VMB_MSG_COUNT; type++) {
		int ret;

		if (type == VMB_MSG_INITIATE_CONTACT ||
		    type == VMB_MSG_RELID_RELEASED)
			continue;
		put_unaligned_le32(type, msg);
		put_unaligned_le32(1, msg + 8);
		ret = sim_send(sim, 1, msg, sizeof(msg));
		KUNIT_EXPECT_LT_MSG(test, ret, 0, "type %u accepted", type);
	}
	KUNIT_EXPECT_EQ(test, sim->count, 0);
	KUNIT_EXPECT_EQ(test, sim->server->conn_state, VMB_CONN_DISCONNECTED);
}

/*
 * A Linux guest posts RELID_RELEASED for every relid it held after its
 * UNLOAD was answered: each is accepted once, silently; a relid it never
 * held, a second release, or one after the next connection is refused.
 */
static void late_release_after_unload(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *rescinded;
	u32 offered, pending;

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	offered = vmb_server_channel_relid(sim_channel_enabled(sim, 1));
	rescinded = sim_channel_enabled(sim, 2);
	pending = vmb_server_channel_relid(rescinded);
	sim_disable_async(sim, rescinded);
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
	sim_disable_join(sim);
	sim->count = 0;

	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_RELID_RELEASED,
						offered));
	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_RELID_RELEASED,
						pending));
	KUNIT_EXPECT_EQ(test, total_rejected(sim->server), 0);
	KUNIT_EXPECT_EQ(test, -EPROTO,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, offered));
	KUNIT_EXPECT_EQ(test, -EPROTO,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 2047));
	KUNIT_EXPECT_EQ(test, -EPROTO,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 2048));
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_STATE], 3);
	KUNIT_EXPECT_EQ(test, sim->count, 0);

	/* A new connection forgets what the old one held. */
	KUNIT_ASSERT_EQ(test, 0,
			sim_initiate_contact(sim, VMB_VERSION_WIN10_V5_3));
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_RELID_RELEASED,
						offered));
	KUNIT_EXPECT_EQ(test, -EPROTO,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, pending));
}

enum { DISCONNECTED, CONNECTED, OFFERED, UNLOADED };

static const char * const state_names[] = {
	[DISCONNECTED] = "disconnected",
	[CONNECTED] = "connected",
	[OFFERED] = "offers requested",
	[UNLOADED] = "after UNLOAD",
};

struct matrix_case {
	u32 type;
	/* Let through by the dispatch table (anything but -EPROTO)? */
	bool accepted[4];
};

/* Every message a guest may send, in every connection state. */
static const struct matrix_case matrix_cases[] = {
	{ VMB_MSG_REQUESTOFFERS, { false, true, false, false } },
	{ VMB_MSG_OPENCHANNEL, { false, false, true, false } },
	{ VMB_MSG_CLOSECHANNEL, { false, false, true, false } },
	{ VMB_MSG_GPADL_HEADER, { false, false, true, false } },
	{ VMB_MSG_GPADL_BODY, { false, false, true, false } },
	{ VMB_MSG_GPADL_TEARDOWN, { false, false, true, false } },
	/* After UNLOAD: relid 1 was offered, its late release is heard. */
	{ VMB_MSG_RELID_RELEASED, { false, false, true, true } },
	{ VMB_MSG_INITIATE_CONTACT, { true, true, true, true } },
	{ VMB_MSG_UNLOAD, { false, true, true, false } },
	{ VMB_MSG_MODIFYCHANNEL, { false, false, true, false } },
};

static void matrix_case_desc(const struct matrix_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "type %u", c->type);
}

KUNIT_ARRAY_PARAM(matrix, matrix_cases, matrix_case_desc);

static void matrix_one(struct kunit *test, u32 type, int state,
		       bool accepted)
{
	struct sim_guest *sim = sim_guest_create(test);
	u8 msg[VMB_MSG_MAX_SIZE] = {};
	enum vmb_conn_state before;
	int ret;

	sim_channel_enabled(sim, 1);
	if (state != DISCONNECTED)
		KUNIT_ASSERT_EQ(test, 0,
				sim_initiate_contact(sim, VMB_VERSION_WIN10_V5_3));
	if (state == OFFERED || state == UNLOADED)
		KUNIT_ASSERT_EQ(test, 0,
				sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	if (state == UNLOADED)
		KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
	before = sim->server->conn_state;

	put_unaligned_le32(type, msg);
	/* The relid, or for INITIATE_CONTACT the version. */
	put_unaligned_le32(type == VMB_MSG_INITIATE_CONTACT ?
			   VMB_VERSION_WIN10_V5_3 : 1, msg + 8);
	ret = sim_send(sim, type == VMB_MSG_INITIATE_CONTACT ? 4 : 1, msg,
		       sizeof(msg));
	KUNIT_EXPECT_EQ_MSG(test, ret == -EPROTO, !accepted, "in state %s",
			    state_names[state]);
	KUNIT_EXPECT_EQ_MSG(test, sim->server->rejected[VMB_REJECT_STATE],
			    accepted ? 0 : 1, "in state %s",
			    state_names[state]);
	if (!accepted)
		KUNIT_EXPECT_EQ(test, sim->server->conn_state, before);
}

/*
 * A well-formed message of each type in each state: the dispatch table
 * lets it through to its handler or refuses it for the state, and a
 * refusal for the state leaves the state as it was.
 */
static void message_state_matrix(struct kunit *test)
{
	const struct matrix_case *c = test->param_value;
	int state;

	for (state = DISCONNECTED; state <= UNLOADED; state++)
		matrix_one(test, c->type, state, c->accepted[state]);
}

/* A small deterministic generator: the same garbage on every run. */
static u32 lcg_next(u32 *state)
{
	*state = *state * 1664525 + 1013904223;
	return *state >> 8;
}

/*
 * Thousands of messages of random type, length, connection id and
 * content, with well-formed sessions in between.  Afterwards a guest that
 * behaves gets the full service.
 */
static void random_messages(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a = sim_channel_enabled(sim, 1);
	struct vmb_channel *b;
	u8 msg[VMB_MSG_MAX_SIZE + 16];
	u32 seed = 0x5eed, conn_ids[] = { 1, 4, 2, 0 };
	unsigned int i, j;

	KUNIT_ASSERT_EQ(test, vmb_server_channel_start(a), 0);
	for (i = 0; i < 4000; i++) {
		size_t len = lcg_next(&seed) % sizeof(msg);

		if (i % 500 == 0)
			sim_connect(sim, VMB_VERSION_WIN10_V5_3);
		for (j = 0; j < sizeof(msg); j++)
			msg[j] = lcg_next(&seed);
		/* Mostly real types, so the handlers see the garbage. */
		put_unaligned_le32(lcg_next(&seed) % (VMB_MSG_COUNT + 2), msg);
		/* Small relids and GPADL ids, so some of them hit. */
		put_unaligned_le32(lcg_next(&seed) % 4, msg + 8);
		put_unaligned_le32(lcg_next(&seed) % 4, msg + 12);
		sim_send(sim, conn_ids[lcg_next(&seed) % 4], msg, len);
		sim->count = 0;
	}
	KUNIT_EXPECT_GT(test, total_rejected(sim->server), 1000);
	KUNIT_EXPECT_LE(test, sim->server->gpadl_count, VMB_SERVER_MAX_GPADLS);
	KUNIT_EXPECT_LE(test, sim->server->outq_len, VMB_SERVER_OUTQ_MAX);

	/* A fresh guest that behaves gets everything. */
	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	b = sim_channel_enabled(sim, 2);
	sim_open_channel(sim, a);
	sim_open_channel(sim, b);
	KUNIT_EXPECT_TRUE(test, vmb_channel_is_open(a));
	KUNIT_EXPECT_TRUE(test, vmb_channel_is_open(b));
}

/* Garbage aimed at one open channel leaves it, and the others, alone. */
static void other_channels_unharmed(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a, *b;
	u8 msg[VMB_MSG_MAX_SIZE] = {};

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	a = sim_channel_enabled(sim, 1);
	b = sim_channel_enabled(sim, 2);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_start(a), 0);
	sim_open_channel(sim, a);

	/* Another open, a foreign ring, stray bodies, a bad modify. */
	KUNIT_EXPECT_LT(test, sim_open(sim, 1, 0x101, 4, 0), 0);
	KUNIT_EXPECT_LT(test, sim_open(sim, 2, 0x101, 4, 0), 0);
	put_unaligned_le32(VMB_MSG_GPADL_BODY, msg);
	put_unaligned_le32(0x101, msg + 12);
	KUNIT_EXPECT_LT(test, sim_send(sim, 1, msg, sizeof(msg)), 0);
	KUNIT_EXPECT_LT(test, sim_teardown(sim, 2, 0x101), 0);
	KUNIT_EXPECT_LT(test, sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1),
			0);

	KUNIT_EXPECT_TRUE(test, vmb_channel_is_open(a));
	KUNIT_EXPECT_TRUE(test, a->ring_gpadl->in_use);
	KUNIT_EXPECT_STREQ(test, sim->events, "opened started post_started");
	sim_open_channel(sim, b);
	KUNIT_EXPECT_TRUE(test, vmb_channel_is_open(b));
}

struct churn {
	struct sim_guest *sim;
	struct vmb_channel *channels[4];
	struct completion done[2];
	unsigned int rounds;
	int enable_errors;
};

/* A back-end enabling and disabling its channels over and over. */
static int churn_backend(void *data)
{
	struct churn *c = data;
	unsigned int i;

	for (i = 0; i < c->rounds; i++) {
		struct vmb_channel *ch = c->channels[i % 4];
		int ret = vmb_server_channel_enable(ch);

		if (ret)
			c->enable_errors++;
		/* Waits for the guest thread's release or unload. */
		vmb_server_channel_disable(ch);
	}
	complete(&c->done[0]);
	return 0;
}

/* A guest connecting, opening, releasing and unloading over and over. */
static int churn_guest(void *data)
{
	struct churn *c = data;
	struct sim_guest *sim = c->sim;
	unsigned int i;
	u32 relid;

	for (i = 0; i < c->rounds; i++) {
		sim_initiate_contact(sim, VMB_VERSION_WIN10_V5_3);
		sim_send_type(sim, VMB_MSG_REQUESTOFFERS);
		for (relid = 1; relid <= 4; relid++) {
			sim_gpadl(sim, relid, relid, 4);
			sim_open(sim, relid, relid, 2, 0);
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, relid);
		}
		sim_send_type(sim, VMB_MSG_UNLOAD);
	}
	complete(&c->done[1]);
	return 0;
}

static void churn_run(struct kunit *test, bool destroy)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct task_struct *t[2];
	struct churn *c;
	unsigned int i;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->sim = sim;
	c->rounds = 200;
	for (i = 0; i < 4; i++)
		c->channels[i] = sim_channel(sim, i);
	init_completion(&c->done[0]);
	init_completion(&c->done[1]);
	/* The recorded messages are not looked at: stop recording them. */
	sim->count = SIM_GUEST_MAX_MSGS;

	t[0] = kthread_run(churn_backend, c, "churn-backend");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t[0]);
	t[1] = kthread_run(churn_guest, c, "churn-guest");
	if (IS_ERR(t[1]))
		sim_guest_destroy_now(sim);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t[1]);
	if (destroy) {
		msleep(20);
		sim_guest_destroy_now(sim);
	}
	/* The guest ends with an unload, or the server is gone: no waiter
	 * is left behind.
	 */
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&c->done[1], 60 * HZ),
			0);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&c->done[0], 60 * HZ),
			0);
	if (!destroy)
		KUNIT_EXPECT_EQ(test, c->enable_errors, 0);
}

static void churn_enable_disable_vs_guest(struct kunit *test)
{
	churn_run(test, false);
}

static void churn_destroy_midway(struct kunit *test)
{
	churn_run(test, true);
}

static struct kunit_case vmb_hostile_cases[] = {
	KUNIT_CASE(nothing_after_unload),
	KUNIT_CASE(late_release_after_unload),
	KUNIT_CASE_PARAM(message_state_matrix, matrix_gen_params),
	KUNIT_CASE(random_messages),
	KUNIT_CASE(other_channels_unharmed),
	KUNIT_CASE_SLOW(churn_enable_disable_vs_guest),
	KUNIT_CASE_SLOW(churn_destroy_midway),
	{}
};

static struct kunit_suite vmb_hostile_suite = {
	.name = "vmbus_server_hostile",
	.test_cases = vmb_hostile_cases,
};

kunit_test_suite(vmb_hostile_suite);
