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
#include "../core.h"
#include "../gpadl.h"
#include "overlap.h"
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
	vmb_server_channel_disable(rescinded);
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
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

/* Rejections by the dispatch table's checks, before any handler. */
static u64 checks_rejected(const struct vmb_server *server)
{
	static const enum vmb_reject_reason checks[] = {
		VMB_REJECT_SHORT, VMB_REJECT_LONG, VMB_REJECT_UNKNOWN_TYPE,
		VMB_REJECT_HOST_ONLY, VMB_REJECT_UNSUPPORTED, VMB_REJECT_STATE,
		VMB_REJECT_CONNECTION_ID,
	};
	u64 sum = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(checks); i++)
		sum += server->rejected[checks[i]];
	return sum;
}

/* The types a guest may send, weighted towards those that carry data. */
static const u32 fuzz_types[] = {
	VMB_MSG_GPADL_HEADER, VMB_MSG_GPADL_HEADER, VMB_MSG_GPADL_HEADER,
	VMB_MSG_GPADL_BODY, VMB_MSG_GPADL_BODY, VMB_MSG_GPADL_BODY,
	VMB_MSG_OPENCHANNEL, VMB_MSG_OPENCHANNEL, VMB_MSG_OPENCHANNEL,
	VMB_MSG_GPADL_TEARDOWN, VMB_MSG_CLOSECHANNEL, VMB_MSG_MODIFYCHANNEL,
	VMB_MSG_RELID_RELEASED, VMB_MSG_REQUESTOFFERS,
};

/*
 * Random content in the shape of a real message of @type: small relids
 * and GPADL ids so that they name live objects, GPADL lengths and counts
 * that are often consistent, the rest random.  Returns the length.
 */
static size_t fuzz_message(u8 *msg, size_t max, u32 type, u32 *seed)
{
	size_t len, i;

	for (i = 0; i < max; i++)
		msg[i] = lcg_next(seed);
	put_unaligned_le32(type, msg);
	put_unaligned_le32(1 + lcg_next(seed) % 4, msg + 8);	/* relid */
	put_unaligned_le32(lcg_next(seed) % 8, msg + 12);	/* GPADL */
	switch (type) {
	case VMB_MSG_GPADL_HEADER: {
		u16 ranges = 1 + lcg_next(seed) % 3;
		u16 frames = lcg_next(seed) % 64;

		put_unaligned_le16(ranges * 8 + frames * 8, msg + 16);
		put_unaligned_le16(ranges, msg + 18);
		if (lcg_next(seed) % 2) {	/* one sane range */
			put_unaligned_le32(frames * 4096, msg + 20);
			put_unaligned_le32(0, msg + 24);
		}
		break;
	}
	case VMB_MSG_OPENCHANNEL:
		put_unaligned_le32(lcg_next(seed) % 8, msg + 16);	/* ring */
		put_unaligned_le32(lcg_next(seed) % 16, msg + 20);	/* vp */
		put_unaligned_le32(lcg_next(seed) % 8, msg + 24);	/* split */
		break;
	}
	len = lcg_next(seed) % 8 ? 8 + lcg_next(seed) % (max - 8) :
				   lcg_next(seed) % (max + 16);
	return min(len, max + 16);
}

/*
 * A structured fuzzer: tens of thousands of messages, mostly of types a
 * guest sends, in the connected state, on the right connection id, with
 * random content in the shape of the real message.  It counts what got
 * past the dispatch table to each handler, and the handlers that parse
 * the most guest data must each have seen thousands.  Afterwards a guest
 * that behaves gets the full service.
 */
static void random_messages(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a = sim_channel_enabled(sim, 1);
	struct vmb_channel *b;
	u8 *msg = kunit_kzalloc(test, VMB_MSG_MAX_SIZE + 16, GFP_KERNEL);
	unsigned int reached[VMB_MSG_COUNT] = {}, sent = 0, i;
	u32 seed = 0x5eed;

	KUNIT_ASSERT_NOT_NULL(test, msg);
	sim_channel_enabled(sim, 2);
	sim_channel_enabled(sim, 3);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_start(a), 0);
	for (i = 0; i < 30000; i++) {
		u32 type = fuzz_types[lcg_next(&seed) % ARRAY_SIZE(fuzz_types)];
		u32 conn_id = lcg_next(&seed) % 16 ? 1 : lcg_next(&seed) % 6;
		u64 before;
		size_t len;

		/*
		 * Now and then a new session (offers again, GPADLs gone), and
		 * at once after the garbage ended one.
		 */
		if (i % 1000 == 0 ||
		    sim->server->conn_state != VMB_CONN_OFFERS_REQUESTED)
			sim_connect(sim, VMB_VERSION_WIN10_V5_3);
		if (lcg_next(&seed) % 64 == 0)
			type = lcg_next(&seed);		/* anything at all */
		len = fuzz_message(msg, VMB_MSG_MAX_SIZE, type, &seed);
		before = checks_rejected(sim->server);
		sim_send(sim, conn_id, msg, len);
		sent++;
		if (checks_rejected(sim->server) == before &&
		    type < VMB_MSG_COUNT)
			reached[type]++;
		sim->count = 0;
	}
	for (i = 0; i < VMB_MSG_COUNT; i++)
		if (reached[i])
			kunit_info(test, "type %2u reached its handler %u times\n",
				   i, reached[i]);
	kunit_info(test, "%u sent, %llu rejected\n", sent,
		   total_rejected(sim->server));
	KUNIT_EXPECT_GE(test, reached[VMB_MSG_GPADL_HEADER], 1000);
	KUNIT_EXPECT_GE(test, reached[VMB_MSG_GPADL_BODY], 1000);
	KUNIT_EXPECT_GE(test, reached[VMB_MSG_OPENCHANNEL], 1000);
	KUNIT_EXPECT_LE(test, sim->server->gpadl_bytes,
			VMB_SERVER_MAX_GPADL_BYTES);
	KUNIT_EXPECT_LE(test, sim->server->outq_len, VMB_OUTQ_WATERMARK);

	/* A fresh guest that behaves gets everything. */
	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	b = sim_channel_enabled(sim, 4);
	sim_open_channel(sim, a);
	sim_open_channel(sim, b);
	KUNIT_EXPECT_TRUE(test, sim_is_open(a));
	KUNIT_EXPECT_TRUE(test, sim_is_open(b));
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
	KUNIT_EXPECT_LT(test, sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 9),
			0);

	KUNIT_EXPECT_TRUE(test, sim_is_open(a));
	KUNIT_EXPECT_TRUE(test, a->cb_ring->in_use);
	KUNIT_EXPECT_STREQ(test, sim->events, "opened started post_started");
	sim_open_channel(sim, b);
	KUNIT_EXPECT_TRUE(test, sim_is_open(b));
}

struct churn {
	struct sim_guest *sim;
	struct vmb_channel *channels[4];
	struct completion done[2];
	unsigned int rounds;
	int enable_errors;
	/* Not when the server is destroyed midway: its counters go too. */
	bool until_met;
	/* Sides: the back-end, the guest, the destroy. */
	struct vmb_overlap par;
};

/* A churn runs at least this many rounds and at most ten times more. */
#define CHURN_ROUNDS	200

/*
 * Whether every interleaving the churn is about has happened at least
 * once.  The counters are read without the server lock: a stale value
 * only means one more round.
 */
static bool churn_met_all(struct churn *c)
{
	struct vmb_server *server = c->sim->server;

	return READ_ONCE(server->releases_answered) &&
	       READ_ONCE(server->releases_unprompted) &&
	       READ_ONCE(c->sim->opens_ok) &&
	       atomic_read(&c->sim->closed_disabled);
}

/*
 * The back-end goes on past CHURN_ROUNDS until the two sides met in every
 * way the test counts: how often they do depends on the scheduler (a slow
 * SMP guest under TCG once saw no unprompted release in 200 rounds).
 */
static bool churn_backend_done(struct churn *c)
{
	if (c->rounds < CHURN_ROUNDS)
		return false;
	return c->rounds >= 10 * CHURN_ROUNDS ||
	       (vmb_overlap_shown(&c->par) &&
		(!c->until_met || churn_met_all(c)));
}

/*
 * A back-end enabling and disabling its channels over and over.  Each
 * round waits a little for the guest to open the channel, so that most
 * disables meet an open channel and GPADL traffic.
 */
static int churn_backend(void *data)
{
	struct churn *c = data;

	for (c->rounds = 0; !churn_backend_done(c); c->rounds++) {
		struct vmb_channel *ch = c->channels[c->rounds % 4];
		ktime_t until = ktime_add_ms(ktime_get(), 5);
		int ret;

		vmb_overlap_enter(&c->par, 0);
		ret = vmb_server_channel_enable(ch);
		vmb_overlap_exit(&c->par, 0);
		if (ret)
			c->enable_errors++;
		while (!ret && !sim_is_open(ch) &&
		       ktime_before(ktime_get(), until))
			usleep_range(100, 200);
		vmb_overlap_enter(&c->par, 0);
		vmb_server_channel_disable(ch);
		vmb_overlap_exit(&c->par, 0);
	}
	/* All: the guest polls it, and a wait must not consume it. */
	complete_all(&c->done[0]);
	return 0;
}

/*
 * A guest connecting, opening, releasing and unloading over and over,
 * until the back-end is done.  Like Linux, it releases a relid when the
 * server rescinded it, and now and then on its own before it opens it (as
 * Linux does when it fails to set a device up).
 */
static int churn_guest(void *data)
{
	struct churn *c = data;
	struct sim_guest *sim = c->sim;
	unsigned int i;
	u32 relid;

	for (i = 0; !completion_done(&c->done[0]); i++) {
		vmb_overlap_enter(&c->par, 1);
		if (i % 8 == 0) {
			/* A new connection: old rescinds mean nothing. */
			xchg(&sim->rescinded, 0);
			sim_initiate_contact(sim, VMB_VERSION_WIN10_V5_3);
			sim_send_type(sim, VMB_MSG_REQUESTOFFERS);
		}
		if (i % 16 == 5)
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED,
				       1 + (i / 16) % 4);
		for (relid = 1; relid <= 4; relid++) {
			sim_gpadl(sim, relid, 8 * i + relid, 4);
			sim_open(sim, relid, 8 * i + relid, 2, 0);
		}
		vmb_overlap_exit(&c->par, 1);
		/*
		 * A sleep, not cond_resched(): without preemption (UML) the
		 * back-end runs only now, and a cond_resched() here was seen
		 * never to yield to it.
		 */
		usleep_range(50, 100);
		vmb_overlap_enter(&c->par, 1);
		for (relid = 1; relid <= 4; relid++)
			if (test_and_clear_bit(relid, &sim->rescinded))
				sim_send_relid(sim, VMB_MSG_RELID_RELEASED,
					       relid);
		if (i % 8 == 7)
			sim_send_type(sim, VMB_MSG_UNLOAD);
		vmb_overlap_exit(&c->par, 1);
	}
	sim_send_type(sim, VMB_MSG_UNLOAD);
	complete(&c->done[1]);
	return 0;
}

static void churn_run(struct kunit *test, bool destroy)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_server *server = sim->server;
	struct task_struct *t[2];
	struct churn *c;
	unsigned int i;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->sim = sim;
	c->until_met = !destroy;
	for (i = 0; i < 4; i++)
		c->channels[i] = sim_channel(sim, i);
	init_completion(&c->done[0]);
	init_completion(&c->done[1]);
	/* The recorded messages are not looked at: stop recording them. */
	sim->count = SIM_GUEST_MAX_MSGS;

	t[0] = kthread_run(churn_backend, c, "churn-backend");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t[0]);
	t[1] = kthread_run(churn_guest, c, "churn-guest");
	if (IS_ERR(t[1])) {
		/* The back-end thread uses this test's memory: let it end. */
		wait_for_completion(&c->done[0]);
		KUNIT_FAIL(test, "no guest thread: %ld", PTR_ERR(t[1]));
		return;
	}
	if (destroy) {
		msleep(20);
		vmb_overlap_enter(&c->par, 2);
		sim_guest_destroy_now(sim);
		vmb_overlap_exit(&c->par, 2);
	}
	/*
	 * Neither side waits for the other, and both are bounded (the guest
	 * stops when the back-end is done): both finish.  No timeout: the
	 * threads use memory of this test.
	 */
	wait_for_completion(&c->done[0]);
	wait_for_completion(&c->done[1]);
	vmb_overlap_expect(test, &c->par);
	if (destroy)
		return;
	KUNIT_EXPECT_EQ(test, c->enable_errors, 0);
	/*
	 * The premise: the two sides really met.  Rescinds were answered,
	 * opens succeeded, and disables closed channels the guest had open.
	 */
	kunit_info(test, "%u rounds: %llu rescinds answered, %llu unprompted releases, %u opens, %d closed by disable\n",
		   c->rounds, server->releases_answered,
		   server->releases_unprompted, sim->opens_ok,
		   atomic_read(&sim->closed_disabled));
	KUNIT_EXPECT_GT(test, server->releases_answered, 0);
	KUNIT_EXPECT_GT(test, server->releases_unprompted, 0);
	KUNIT_EXPECT_GT(test, sim->opens_ok, 0);
	KUNIT_EXPECT_GT(test, atomic_read(&sim->closed_disabled), 0);
}

static void churn_enable_disable_vs_guest(struct kunit *test)
{
	churn_run(test, false);
}

static void churn_destroy_midway(struct kunit *test)
{
	churn_run(test, true);
}

/*
 * Destroy racing the transport: one thread delivers guest messages that
 * are answered and one reports the slot free, over and over, while the
 * server is destroyed.  The transport takes 100 ms per message and destroy
 * begins just after one began; the open channel's back-end takes 20 ms to
 * close.  So destroy meets a post_message in flight that outlasts the
 * close, and sleeps while the threads run, even on one CPU without
 * preemption.  Calls that overlap the destroy finish or get -ENODEV, and
 * when destroy returns no transport op runs and none is called later.  The
 * threads stop when destroy has returned; a call they begin in that window
 * still finds the memory, which the test's channel keeps.
 */
struct race {
	struct vmb_server *server;
	bool stop, destroying, destroyed;
	struct completion done[2];
	unsigned int calls[2], overlaps[2], enodev, closed;
	/* Sides: deliver, transport ready, destroy. */
	struct vmb_overlap par;
};

static void race_closed(struct vmb_channel *channel)
{
	struct race *r = vmb_server_channel_context(channel);

	msleep(20);
	r->closed++;
}

static const struct vmb_server_channel_callbacks race_callbacks = {
	.closed = race_closed,
};

/*
 * A call overlapped the destroy when it began before destroy returned
 * (@began_after is false) and ended after destroy began.
 */
static void race_count(struct race *r, int who, bool began_after)
{
	r->calls[who]++;
	if (!began_after && READ_ONCE(r->destroying))
		r->overlaps[who]++;
}

static int race_deliver(void *data)
{
	struct race *r = data;
	/*
	 * Refused (no such relid) but answered, as 5.3 wants: a reply for
	 * the transport that leaves the open channel alone.
	 */
	struct vmb_msg_modify_channel msg = {
		.header.msgtype = cpu_to_le32(VMB_MSG_MODIFYCHANNEL),
		.child_relid = cpu_to_le32(2),
	};

	while (!READ_ONCE(r->stop)) {
		bool began_after = READ_ONCE(r->destroyed);
		int ret;

		vmb_overlap_enter(&r->par, 0);
		ret = vmb_server_deliver_guest_message(r->server, 1, &msg,
						       sizeof(msg));
		vmb_overlap_exit(&r->par, 0);
		race_count(r, 0, began_after);
		if (ret == -ENODEV)
			r->enodev++;
		cond_resched();
	}
	complete(&r->done[0]);
	return 0;
}

static int race_ready(void *data)
{
	struct race *r = data;

	while (!READ_ONCE(r->stop)) {
		bool began_after = READ_ONCE(r->destroyed);

		vmb_overlap_enter(&r->par, 1);
		vmb_server_transport_ready(r->server);
		vmb_overlap_exit(&r->par, 1);
		race_count(r, 1, began_after);
		cond_resched();
	}
	complete(&r->done[1]);
	return 0;
}

static void destroy_races_transport(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int posted_before, posted, posted_after, in_post, calls, ms;
	struct vmb_channel *channel;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, r);
	channel = sim_channel(sim, 1);
	ret = vmb_server_channel_init_set_callbacks(channel, &race_callbacks, r);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_enable(channel), 0);
	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	/* An open channel: destroy has callbacks to wait for. */
	sim_open_channel(sim, channel);
	r->server = sim->server;
	init_completion(&r->done[0]);
	init_completion(&r->done[1]);
	posted_before = READ_ONCE(sim->posted);
	sim->post_delay_ms = 100;
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test,
				     kthread_run(race_deliver, r, "race-deliver"));
	if (IS_ERR(kthread_run(race_ready, r, "race-ready")))
		complete(&r->done[1]);
	calls = atomic_read(&sim->post_calls);
	while (atomic_read(&sim->post_calls) == calls)
		usleep_range(100, 200);
	/* Up to 5 s for the calls to meet on two CPUs, as they go on. */
	for (ms = 0; !vmb_overlap_shown(&r->par) && ms < 5000; ms += 20)
		msleep(20);
	WRITE_ONCE(r->destroying, true);
	vmb_overlap_enter(&r->par, 2);
	sim_guest_destroy_now(sim);
	vmb_overlap_exit(&r->par, 2);
	in_post = atomic_read(&sim->in_post);
	posted = READ_ONCE(sim->posted);
	WRITE_ONCE(r->destroyed, true);
	WRITE_ONCE(r->stop, true);
	/* No timeout: the threads use memory of this test. */
	wait_for_completion(&r->done[0]);
	wait_for_completion(&r->done[1]);
	posted_after = READ_ONCE(sim->posted);

	kunit_info(test, "deliver: %u calls, %u overlapping the destroy, %u -ENODEV; transport_ready: %u calls, %u overlapping; %u replies posted\n",
		   r->calls[0], r->overlaps[0], r->enodev, r->calls[1],
		   r->overlaps[1], posted - posted_before);
	KUNIT_EXPECT_EQ(test, in_post, 0);
	KUNIT_EXPECT_EQ(test, posted_after, posted);
	KUNIT_EXPECT_EQ(test, r->closed, 1);
	/* The premise: replies went out, and calls ran while destroy did. */
	KUNIT_EXPECT_GT(test, posted, posted_before);
	KUNIT_EXPECT_GT(test, r->overlaps[0], 0);
	KUNIT_EXPECT_GT(test, r->overlaps[1], 0);
	KUNIT_EXPECT_GT(test, r->enodev, 0);
	vmb_overlap_expect(test, &r->par);
}

static struct kunit_case vmb_hostile_cases[] = {
	KUNIT_CASE(nothing_after_unload),
	KUNIT_CASE(late_release_after_unload),
	KUNIT_CASE_PARAM(message_state_matrix, matrix_gen_params),
	KUNIT_CASE(random_messages),
	KUNIT_CASE(other_channels_unharmed),
	KUNIT_CASE_SLOW(churn_enable_disable_vs_guest),
	KUNIT_CASE_SLOW(churn_destroy_midway),
	KUNIT_CASE(destroy_races_transport),
	{}
};

static struct kunit_suite vmb_hostile_suite = {
	.name = "vmbus_server_hostile",
	.test_cases = vmb_hostile_cases,
};

kunit_test_suite(vmb_hostile_suite);
