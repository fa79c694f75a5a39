// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the server state machine as far as it goes without open channels:
 * relid and connection-id assignment and reuse, offers and rescinds, the
 * outgoing queue, teardown with live channels, and the guest messages that
 * must be refused.  A simulated guest sends raw messages and reads the
 * bytes that come back.
 */

#include <kunit/test.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "../channel.h"
#include "../core.h"
#include "sim_guest.h"

static u32 relid_of(struct vmb_channel *ch)
{
	return vmb_server_channel_relid(ch);
}

static void relids_assigned_in_order(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *c[3];
	int i;

	for (i = 0; i < 3; i++) {
		c[i] = sim_channel_enabled(sim, i);
		KUNIT_EXPECT_EQ(test, relid_of(c[i]), i + 1);
		KUNIT_EXPECT_EQ(test, vmb_server_channel_connection_id(c[i]),
				VMB_CHANNEL_CONNECTION_ID_BASE + i + 1);
	}
	/* Nothing goes to a guest that has not asked. */
	KUNIT_EXPECT_EQ(test, sim->posted, 0);
}

/* Offers wait for REQUESTOFFERS, go out in enable order, then the end mark. */
static void offers_wait_for_request(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a = sim_channel_enabled(sim, 1);
	struct vmb_channel *b = sim_channel_enabled(sim, 2);
	struct vmb_channel *c = sim_channel_enabled(sim, 3);
	struct vmb_channel *d;

	/* a leaves before any guest saw it: relid 1 is free at once. */
	vmb_server_channel_disable(a);
	d = sim_channel_enabled(sim, 4);
	KUNIT_EXPECT_EQ(test, relid_of(d), 1);

	KUNIT_ASSERT_EQ(test, 0,
			sim_initiate_contact(sim, VMB_VERSION_WIN10_V5_3));
	KUNIT_EXPECT_EQ(test, sim->count, 1);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 0), VMB_MSG_VERSION_RESPONSE);
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_ASSERT_EQ(test, sim->count, 5);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 1), VMB_MSG_OFFERCHANNEL);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 1, 184), relid_of(b));
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 2, 184), relid_of(c));
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 3, 184), relid_of(d));
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 4),
			VMB_MSG_ALLOFFERS_DELIVERED);
	KUNIT_EXPECT_EQ(test, sim->msgs[4].len, sizeof(struct vmb_msg_header));
}

/* A channel enabled after REQUESTOFFERS is offered at once, alone. */
static void hot_add_offers_at_once(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch;

	sim_connect(sim, VMB_VERSION_WIN10);
	ch = sim_channel_enabled(sim, 1);
	KUNIT_ASSERT_EQ(test, sim->count, 1);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 0), VMB_MSG_OFFERCHANNEL);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 0, 184), relid_of(ch));
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 0, 192),
			vmb_server_channel_connection_id(ch));
}

/*
 * Disable does not wait for the guest; a rescinded relid is not handed out
 * again before RELID_RELEASED, and a channel enabled again meanwhile keeps
 * it and is offered once the guest lets go of it.
 */
static void rescind_holds_relid_until_released(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a, *b, *c, *twin;
	const struct vmb_msg_relid *rescind;
	unsigned int posted;

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	a = sim_channel_enabled(sim, 1);
	KUNIT_ASSERT_EQ(test, relid_of(a), 1);
	sim_disable(sim, a);
	rescind = sim_last(sim, VMB_MSG_RESCIND_CHANNELOFFER, sizeof(*rescind));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(rescind->child_relid), 1);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(rescind->header.padding), 0);
	KUNIT_EXPECT_EQ(test, relid_of(a), 0);

	b = sim_channel_enabled(sim, 2);
	KUNIT_EXPECT_EQ(test, relid_of(b), 2);
	/* Enabled again before the release: relid 1, no offer yet. */
	posted = sim->posted;
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(a));
	KUNIT_EXPECT_EQ(test, relid_of(a), 1);
	KUNIT_EXPECT_EQ(test, sim->posted, posted);
	/* The guest names devices by instance: a twin is refused. */
	twin = sim_channel(sim, 1);
	KUNIT_EXPECT_EQ(test, -EEXIST, vmb_server_channel_enable(twin));
	KUNIT_EXPECT_EQ(test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	KUNIT_ASSERT_EQ(test, sim->posted, posted + 1);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_OFFERCHANNEL);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, sim->count - 1, 184), 1);
	c = sim_channel_enabled(sim, 3);
	KUNIT_EXPECT_EQ(test, relid_of(c), 3);
}

/* Two channels with one instance GUID: the second is refused. */
static void same_instance_refused(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a = sim_channel_enabled(sim, 1);
	struct vmb_channel *twin = sim_channel(sim, 1);
	struct vmb_channel *other = sim_channel(sim, 2);
	static const guid_t other_type = GUID_INIT(0x0e0b6031, 0x5213, 0x4934,
						   0x81, 0x8b, 0x38, 0xd9,
						   0x0c, 0xed, 0x39, 0xdb);

	KUNIT_EXPECT_EQ(test, -EEXIST, vmb_server_channel_enable(twin));
	/* Another type with the same instance collides too. */
	KUNIT_ASSERT_EQ(test, 0,
			vmb_server_channel_init_set_interface(other,
							      &other_type,
							      &a->interface_instance));
	KUNIT_EXPECT_EQ(test, -EEXIST, vmb_server_channel_enable(other));
	/* Never offered: disable frees the relid and the instance at once. */
	vmb_server_channel_disable(a);
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(twin));
	KUNIT_EXPECT_EQ(test, relid_of(twin), 1);
}

/*
 * A guest may release a relid on its own (Linux does when it cannot set
 * up the offer): accepted, the channel is not offered to this connection
 * again, and its disable needs no rescind.
 */
static void release_unprompted(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a, *b;
	unsigned int posted;

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	a = sim_channel_enabled(sim, 1);
	KUNIT_EXPECT_EQ(test, -ENOENT,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 999));
	KUNIT_EXPECT_EQ(test, -ENOENT,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 0));
	KUNIT_EXPECT_EQ(test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	KUNIT_EXPECT_EQ(test, -ENOENT,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	KUNIT_EXPECT_EQ(test, -ENOENT, sim_open(sim, 1, 1, 2, 0));
	posted = sim->posted;
	vmb_server_channel_disable(a);
	KUNIT_EXPECT_EQ(test, sim->posted, posted);
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_RELID], 4);
	b = sim_channel_enabled(sim, 2);
	KUNIT_EXPECT_EQ(test, relid_of(b), 1);
	/* Enabled again, on a relid of its own: offered again. */
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(a));
	KUNIT_EXPECT_EQ(test, relid_of(a), 2);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_OFFERCHANNEL);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, sim->count - 1, 184), 2);
}

/* Every relid the guest's event page can name, then no more. */
static void relids_run_out(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel **c;
	int i;

	c = kunit_kcalloc(test, VMB_MAX_RELID + 1, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i <= VMB_MAX_RELID; i++) {
		guid_t inst = GUID_INIT(i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

		c[i] = vmb_server_channel_alloc();
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c[i]);
		vmb_server_channel_init_set_server(c[i], sim->server);
		vmb_server_channel_init_set_interface(c[i], &sim_type_guid,
						      &inst);
	}
	for (i = 0; i < VMB_MAX_RELID; i++)
		KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(c[i]));
	KUNIT_EXPECT_EQ(test, relid_of(c[VMB_MAX_RELID - 1]), VMB_MAX_RELID);
	KUNIT_EXPECT_EQ(test, -ENOSPC,
			vmb_server_channel_enable(c[VMB_MAX_RELID]));
	vmb_server_channel_free(c[0]);
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(c[VMB_MAX_RELID]));
	KUNIT_EXPECT_EQ(test, relid_of(c[VMB_MAX_RELID]), 1);
	for (i = 1; i <= VMB_MAX_RELID; i++)
		vmb_server_channel_free(c[i]);
}

/*
 * Freeing an enabled channel disables it first: the guest sees a rescind,
 * the free returns at once, and the relid waits for the release.
 */
static void free_enabled_channel_rescinds(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch, *next;

	sim_connect(sim, VMB_VERSION_WIN8);
	ch = sim_channel_enabled(sim, 1);
	sim_channel_free_now(sim, ch);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_RESCIND_CHANNELOFFER);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, sim->count - 1, 8), 1);
	/* The freed channel still holds its instance and relid... */
	next = sim_channel(sim, 1);
	KUNIT_EXPECT_EQ(test, -EEXIST, vmb_server_channel_enable(next));
	KUNIT_EXPECT_EQ(test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	/* ...until the guest released it. */
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(next));
	KUNIT_EXPECT_EQ(test, relid_of(next), 1);
}

/* The server goes first; its channels stay valid and fail cleanly. */
static void destroy_with_live_channels(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *offered, *waiting, *fresh;
	struct vmb_msg_header hdr = {
		.msgtype = cpu_to_le32(VMB_MSG_REQUESTOFFERS),
	};
	struct vmb_server *server = sim->server;
	unsigned int posted;
	int ret;

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	offered = sim_channel_enabled(sim, 1);
	sim->busy = true;
	waiting = sim_channel_enabled(sim, 2); /* its offer is queued */
	fresh = sim_channel(sim, 3);
	posted = sim->posted;

	sim_guest_destroy_now(sim);
	/* Channels hold references: the server memory is still there. */
	KUNIT_EXPECT_EQ(test, server->outq_len, 0);
	KUNIT_EXPECT_EQ(test, relid_of(offered), 0);
	KUNIT_EXPECT_EQ(test, relid_of(waiting), 0);
	KUNIT_EXPECT_EQ(test, -ENODEV, vmb_server_channel_enable(offered));
	KUNIT_EXPECT_EQ(test, -ENODEV, vmb_server_channel_enable(fresh));
	KUNIT_EXPECT_EQ(test, -EBUSY,
			vmb_server_channel_init_set_mmio_megabytes(offered, 1,
								   1));
	ret = vmb_server_deliver_guest_message(server, 1, &hdr, sizeof(hdr));
	KUNIT_EXPECT_EQ(test, ret, -ENODEV);
	sim->busy = false;
	vmb_server_transport_ready(server);
	vmb_server_channel_disable(offered);
	/* Nothing reached the guest after the destroy. */
	KUNIT_EXPECT_EQ(test, sim->posted, posted);
}

static void create_needs_post_message(struct kunit *test)
{
	static const struct vmb_server_transport_ops no_post = {};

	KUNIT_EXPECT_EQ(test, PTR_ERR(vmb_server_create(NULL, NULL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vmb_server_create(&no_post, NULL)),
			-EINVAL);
	vmb_server_destroy(NULL);
}

/*
 * A guest that asks for offers without waiting for VERSION_RESPONSE, while
 * the server still waits for the old connection's callbacks (an enabled
 * channel's work has not run): the answer still goes out first.
 */
static void version_response_first(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);

	struct vmb_msg_initiate_contact ic = {
		.header.msgtype = cpu_to_le32(VMB_MSG_INITIATE_CONTACT),
		.version = cpu_to_le32(VMB_VERSION_WIN10_V5_3),
		.msg_sint = 2,
	};
	struct vmb_msg_header req = {
		.msgtype = cpu_to_le32(VMB_MSG_REQUESTOFFERS),
	};
	int ret;

	sim_channel_enabled(sim, 1);
	/* Back to back, no settling between: the channel's work waits. */
	ret = vmb_server_deliver_guest_message(sim->server,
					       VMB_MESSAGE_CONNECTION_ID_4,
					       &ic, sizeof(ic));
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = vmb_server_deliver_guest_message(sim->server,
					       VMB_MESSAGE_CONNECTION_ID,
					       &req, sizeof(req));
	KUNIT_ASSERT_EQ(test, ret, 0);
	sim_settle(sim);
	KUNIT_ASSERT_EQ(test, sim->count, 3);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 0), VMB_MSG_VERSION_RESPONSE);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 1), VMB_MSG_OFFERCHANNEL);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 2),
			VMB_MSG_ALLOFFERS_DELIVERED);
}

static struct kunit_case vmb_lifecycle_cases[] = {
	KUNIT_CASE(version_response_first),
	KUNIT_CASE(relids_assigned_in_order),
	KUNIT_CASE(offers_wait_for_request),
	KUNIT_CASE(hot_add_offers_at_once),
	KUNIT_CASE(rescind_holds_relid_until_released),
	KUNIT_CASE(same_instance_refused),
	KUNIT_CASE(release_unprompted),
	KUNIT_CASE(relids_run_out),
	KUNIT_CASE(free_enabled_channel_rescinds),
	KUNIT_CASE(destroy_with_live_channels),
	KUNIT_CASE(create_needs_post_message),
	{}
};

static struct kunit_suite vmb_lifecycle_suite = {
	.name = "vmbus_server_lifecycle",
	.test_cases = vmb_lifecycle_cases,
};

/* --- control messages ------------------------------------------------- */

struct version_case {
	u32 version;
	bool supported;
};

static const struct version_case version_cases[] = {
	{ VMB_VERSION_WS2008, false },
	{ VMB_VERSION_WIN7, false },
	{ VMB_VERSION_WIN8, true },
	{ VMB_VERSION_WIN8_1, true },
	{ VMB_VERSION_WIN10, true },
	{ VMB_VERSION_WIN10_V4_1, true },
	{ VMB_VERSION_WIN10_V5, true },
	{ VMB_VERSION_WIN10_V5_1, true },
	{ VMB_VERSION_WIN10_V5_2, true },
	{ VMB_VERSION_WIN10_V5_3, true },
	{ VMB_PROTO_VERSION(5, 4), false },
	{ VMB_PROTO_VERSION(6, 0), false },
	{ VMB_PROTO_VERSION(2, 0), false },
	{ VMB_PROTO_VERSION(0, 0), false },
};

static void version_case_desc(const struct version_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u.%u %s", c->version >> 16,
		 c->version & 0xffff, c->supported ? "accepted" : "refused");
}

KUNIT_ARRAY_PARAM(negotiation, version_cases, version_case_desc);

static void version_negotiation(struct kunit *test)
{
	const struct version_case *c = test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	const struct vmb_msg_version_response *resp;
	int ret = sim_initiate_contact(sim, c->version);

	KUNIT_EXPECT_EQ(test, ret, c->supported ? 0 : -EPROTONOSUPPORT);
	KUNIT_ASSERT_EQ(test, sim->count, 1);
	resp = sim_last(sim, VMB_MSG_VERSION_RESPONSE, sizeof(*resp));
	KUNIT_EXPECT_EQ(test, resp->version_supported, c->supported);
	KUNIT_EXPECT_EQ(test, resp->connection_state, 0);
	if (c->supported && c->version >= VMB_VERSION_WIN10_V5)
		KUNIT_EXPECT_EQ(test, le32_to_cpu(resp->msg_conn_id),
				VMB_MESSAGE_CONNECTION_ID);
	else if (c->supported)
		KUNIT_EXPECT_EQ(test, le32_to_cpu(resp->msg_conn_id),
				c->version);
	/* Only a negotiated connection may ask for offers. */
	KUNIT_EXPECT_EQ(test, sim_send_type(sim, VMB_MSG_REQUESTOFFERS),
			c->supported ? 0 : -EPROTO);
	if (c->supported)
		KUNIT_EXPECT_EQ(test, sim->server->version, c->version);
}

/* 5.0 and later contact on id 4, older on id 1, everything else on 1. */
static void connection_ids_enforced(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_msg_initiate_contact ic = {
		.header.msgtype = cpu_to_le32(VMB_MSG_INITIATE_CONTACT),
		.version = cpu_to_le32(VMB_VERSION_WIN10_V5_3),
	};
	struct vmb_msg_header req = {
		.msgtype = cpu_to_le32(VMB_MSG_REQUESTOFFERS),
	};

	KUNIT_EXPECT_EQ(test, -EPROTO, sim_send(sim, 1, &ic, sizeof(ic)));
	ic.version = cpu_to_le32(VMB_VERSION_WIN10);
	KUNIT_EXPECT_EQ(test, -EPROTO, sim_send(sim, 4, &ic, sizeof(ic)));
	KUNIT_EXPECT_EQ(test, sim->posted, 0);
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, &ic, sizeof(ic)));
	KUNIT_EXPECT_EQ(test, -EPROTO, sim_send(sim, 4, &req, sizeof(req)));
	/* An id the server does not listen on at all. */
	KUNIT_EXPECT_EQ(test, -ENXIO, sim_send(sim, 2, &req, sizeof(req)));
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, &req, sizeof(req)));
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_CONNECTION_ID],
			4);
}

struct refused_case {
	u32 type;
	int expected;
	enum vmb_reject_reason reason;
};

static const struct refused_case refused_cases[] = {
	{ VMB_MSG_OFFERCHANNEL, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_RESCIND_CHANNELOFFER, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_ALLOFFERS_DELIVERED, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_OPENCHANNEL_RESULT, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_GPADL_CREATED, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_GPADL_TORNDOWN, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_VERSION_RESPONSE, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_UNLOAD_RESPONSE, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_CLOSE_RESERVED_RESPONSE, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_TL_CONNECT_RESULT, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_MODIFYCHANNEL_RESPONSE, -EBADMSG, VMB_REJECT_HOST_ONLY },
	{ VMB_MSG_INVALID, -EBADMSG, VMB_REJECT_UNKNOWN_TYPE },
	{ VMB_MSG_COUNT, -EBADMSG, VMB_REJECT_UNKNOWN_TYPE },
	{ 0x80000001, -EBADMSG, VMB_REJECT_UNKNOWN_TYPE },
	{ U32_MAX, -EBADMSG, VMB_REJECT_UNKNOWN_TYPE },
};

static void refused_case_desc(const struct refused_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "type %u", c->type);
}

KUNIT_ARRAY_PARAM(refused, refused_cases, refused_case_desc);

/*
 * Types a guest may not send: refused whatever their length and the
 * connection state, counted, and the server carries on.
 */
static void refused_types(struct kunit *test)
{
	const struct refused_case *c = test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	u8 msg[VMB_MSG_MAX_SIZE] = {};
	size_t len;

	put_unaligned_le32(c->type, msg);
	KUNIT_EXPECT_EQ(test, c->expected,
			sim_send(sim, VMB_MESSAGE_CONNECTION_ID, msg, 8));
	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	for (len = 8; len <= sizeof(msg); len += 116)
		KUNIT_EXPECT_EQ(test, c->expected,
				sim_send(sim, VMB_MESSAGE_CONNECTION_ID, msg,
					 len));
	KUNIT_EXPECT_EQ(test, sim->server->rejected[c->reason], 4);
	KUNIT_EXPECT_EQ(test, sim->posted, 2);
	/* Still serving: a hot-added channel is offered. */
	sim_channel_enabled(sim, 1);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_OFFERCHANNEL);
}

struct length_case {
	u32 type;
	size_t len;
	const char *name;
};

static const struct length_case length_cases[] = {
	{ VMB_MSG_REQUESTOFFERS, 0, "empty" },
	{ VMB_MSG_REQUESTOFFERS, 4, "half a header" },
	{ VMB_MSG_REQUESTOFFERS, 7, "header less one" },
	{ VMB_MSG_REQUESTOFFERS, VMB_MSG_MAX_SIZE + 1, "241 bytes" },
	{ VMB_MSG_INITIATE_CONTACT, 39, "INITIATE_CONTACT less one" },
	{ VMB_MSG_RELID_RELEASED, 11, "RELID_RELEASED less one" },
	{ VMB_MSG_UNLOAD, VMB_MSG_MAX_SIZE + 8, "UNLOAD 248 bytes" },
};

KUNIT_ARRAY_PARAM_DESC(length, length_cases, name);

static void bad_lengths(struct kunit *test)
{
	const struct length_case *c = test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	u8 *msg = kunit_kzalloc(test, VMB_MSG_MAX_SIZE + 8, GFP_KERNEL);
	u64 rejected;

	KUNIT_ASSERT_NOT_NULL(test, msg);
	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	put_unaligned_le32(c->type, msg);
	put_unaligned_le32(VMB_VERSION_WIN10_V5_3, msg + 8);
	rejected = sim->server->rejected[VMB_REJECT_SHORT] +
		   sim->server->rejected[VMB_REJECT_LONG];
	KUNIT_EXPECT_EQ(test, -EINVAL,
			sim_send(sim,
				 c->type == VMB_MSG_INITIATE_CONTACT ? 4 : 1,
				 msg, c->len));
	KUNIT_EXPECT_EQ(test,
			sim->server->rejected[VMB_REJECT_SHORT] +
				sim->server->rejected[VMB_REJECT_LONG],
			rejected + 1);
	KUNIT_EXPECT_EQ(test, sim->posted, 2);
	KUNIT_EXPECT_EQ(test, sim->server->conn_state,
			VMB_CONN_OFFERS_REQUESTED);
}

/* Reserved-channel and hvsocket messages are not served: refused whole. */
static void unserved_types(struct kunit *test)
{
	static const u32 types[] = {
		VMB_MSG_OPEN_RESERVED,
		VMB_MSG_CLOSE_RESERVED,
		VMB_MSG_TL_CONNECT_REQUEST,
	};
	struct sim_guest *sim = sim_guest_create(test);
	u8 msg[VMB_MSG_MAX_SIZE] = {};
	size_t i;

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		put_unaligned_le32(types[i], msg);
		KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
				sim_send(sim, VMB_MESSAGE_CONNECTION_ID, msg,
					 sizeof(msg)));
	}
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_UNSUPPORTED],
			ARRAY_SIZE(types));
	KUNIT_EXPECT_EQ(test, sim->posted, 2);
}

static void wrong_state(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);

	KUNIT_EXPECT_EQ(test, -EPROTO,
			sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_EXPECT_EQ(test, -EPROTO, sim_send_type(sim, VMB_MSG_UNLOAD));
	KUNIT_EXPECT_EQ(test, -EPROTO,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	KUNIT_ASSERT_EQ(test, 0, sim_initiate_contact(sim, VMB_VERSION_WIN8));
	KUNIT_EXPECT_EQ(test, -EPROTO,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	KUNIT_EXPECT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_EXPECT_EQ(test, -EPROTO,
			sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_STATE], 5);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_deliver_guest_message(NULL, 1, "12345678",
							 8));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_deliver_guest_message(sim->server, 1, NULL,
							 8));
}

/* UNLOAD answers, forgets pending relids, and the guest can come back. */
static void unload_and_reconnect(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a, *b;

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	a = sim_channel_enabled(sim, 1);
	b = sim_channel_enabled(sim, 2);
	vmb_server_channel_disable(a); /* relid 1 awaits release */
	sim->count = 0;
	/* The guest forgot every relid. */
	KUNIT_EXPECT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
	KUNIT_ASSERT_EQ(test, sim->count, 1);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 0), VMB_MSG_UNLOAD_RESPONSE);
	KUNIT_EXPECT_EQ(test, sim->msgs[0].len, sizeof(struct vmb_msg_header));
	/* Anything but a new contact is refused now. */
	KUNIT_EXPECT_EQ(test, -EPROTO,
			sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_EXPECT_EQ(test, -EPROTO, sim_send_type(sim, VMB_MSG_UNLOAD));

	sim_connect(sim, VMB_VERSION_WIN8);
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(a));
	KUNIT_EXPECT_EQ(test, relid_of(a), 1);
	KUNIT_EXPECT_EQ(test, relid_of(b), 2);
}

/* A second INITIATE_CONTACT starts over: offers again, relids released. */
static void contact_resets_connection(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a, *b;

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	a = sim_channel_enabled(sim, 1);
	b = sim_channel_enabled(sim, 2);
	vmb_server_channel_disable(a);
	KUNIT_EXPECT_EQ(test, 0, sim_initiate_contact(sim, VMB_VERSION_WIN10));
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(a));
	KUNIT_EXPECT_EQ(test, relid_of(a), 1);
	/* Not offered until asked, in enable order: b then a. */
	sim->count = 0;
	KUNIT_EXPECT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_ASSERT_EQ(test, sim->count, 3);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 0, 184), relid_of(b));
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 1, 184), relid_of(a));
	/* Offers now carry the new version's layout. */
	KUNIT_EXPECT_EQ(test, sim->server->version, VMB_VERSION_WIN10);
}

/* While the guest's slot is busy messages queue, and leave in order. */
static void busy_slot_keeps_order(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *a, *b;

	a = sim_channel_enabled(sim, 1);
	sim->busy = true;
	KUNIT_ASSERT_EQ(test, 0, sim_initiate_contact(sim, VMB_VERSION_WIN8));
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_EXPECT_EQ(test, sim->server->outq_len, 3);
	/* Free, but not told yet: new messages still queue behind. */
	sim->busy = false;
	b = sim_channel_enabled(sim, 2);
	vmb_server_channel_disable(a);
	KUNIT_EXPECT_EQ(test, sim->posted, 0);
	KUNIT_EXPECT_EQ(test, sim->server->outq_len, 5);

	vmb_server_transport_ready(sim->server);
	KUNIT_ASSERT_EQ(test, sim->count, 5);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 0), VMB_MSG_VERSION_RESPONSE);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 1), VMB_MSG_OFFERCHANNEL);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 2),
			VMB_MSG_ALLOFFERS_DELIVERED);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 3), VMB_MSG_OFFERCHANNEL);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 3, 184), relid_of(b));
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 4),
			VMB_MSG_RESCIND_CHANNELOFFER);
	KUNIT_EXPECT_EQ(test, sim->server->outq_len, 0);
	KUNIT_EXPECT_EQ(test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
}

/* The slot turns busy again halfway: the rest waits for the next call. */
static void ready_stops_when_busy_again(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);

	sim->busy = true;
	KUNIT_ASSERT_EQ(test, 0, sim_initiate_contact(sim, VMB_VERSION_WIN8));
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	vmb_server_transport_ready(sim->server);
	KUNIT_EXPECT_EQ(test, sim->posted, 0);
	KUNIT_EXPECT_EQ(test, sim->server->outq_len, 2);
	sim->busy = false;
	vmb_server_transport_ready(sim->server);
	KUNIT_EXPECT_EQ(test, sim->count, 2);
	vmb_server_transport_ready(sim->server);
	KUNIT_EXPECT_EQ(test, sim->count, 2);
}

/*
 * Back-pressure: a guest that never frees its slot gets its messages
 * refused with -EAGAIN once the backlog reaches the watermark; nothing of
 * a refused message is done, and nothing queued is lost.
 */
static void backlog_refuses_guest(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	unsigned int i, posted;

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	posted = sim->posted;
	sim->busy = true;
	/* Each bad open is answered with a failure: one reply each. */
	for (i = 0; i < VMB_OUTQ_WATERMARK; i++)
		KUNIT_EXPECT_EQ(test, -ENOENT, sim_open(sim, 100 + i, 1, 2, 0));
	KUNIT_EXPECT_EQ(test, sim->server->outq_len, VMB_OUTQ_WATERMARK);
	KUNIT_EXPECT_EQ(test, -EAGAIN, sim_open(sim, 1, 1, 2, 0));
	KUNIT_EXPECT_EQ(test, -EAGAIN, sim_send_type(sim, VMB_MSG_UNLOAD));
	KUNIT_EXPECT_EQ(test, sim->server->outq_len, VMB_OUTQ_WATERMARK);
	KUNIT_EXPECT_EQ(test, sim->server->held_back, 2);
	KUNIT_EXPECT_EQ(test, sim->server->conn_state,
			VMB_CONN_OFFERS_REQUESTED);
	sim->busy = false;
	vmb_server_transport_ready(sim->server);
	KUNIT_EXPECT_EQ(test, sim->posted, posted + VMB_OUTQ_WATERMARK);
	for (i = 0; i < VMB_OUTQ_WATERMARK; i++)
		KUNIT_EXPECT_EQ(test, sim_le32_at(sim, i, 8), 100 + i);
	sim->count = 0;
	KUNIT_EXPECT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_UNLOAD_RESPONSE);
}

/*
 * A transport error other than busy loses nothing: the message stays
 * first in the queue, the caller hears the error, and the next delivery
 * sends it, in order.
 */
static void transport_error_keeps_message(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);

	sim->fail_with = -EIO;
	KUNIT_EXPECT_EQ(test, -EIO, sim_initiate_contact(sim, VMB_VERSION_WIN8));
	KUNIT_EXPECT_EQ(test, sim->server->tx_errors, 1);
	KUNIT_EXPECT_EQ(test, sim->server->outq_len, 1);
	KUNIT_EXPECT_EQ(test, sim->server->conn_state, VMB_CONN_CONNECTED);
	sim->fail_with = 0;
	KUNIT_EXPECT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_ASSERT_EQ(test, sim->count, 2);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 0), VMB_MSG_VERSION_RESPONSE);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 1),
			VMB_MSG_ALLOFFERS_DELIVERED);
}

struct contact_case {
	const char *name;
	u32 version;
	u32 target_vcpu;
	u8 sint;
	u8 vtl;
	int expected;
	u32 vp_seen;
	u8 sint_seen;
};

static const struct contact_case contact_cases[] = {
	{ "5.3 vp 3 sint 5", VMB_VERSION_WIN10_V5_3, 3, 5, 0, 0, 3, 5 },
	{ "5.3 vp 4095", VMB_VERSION_WIN10_V5_3, 4095, 2, 0, 0, 4095, 2 },
	{ "4.0 vp 1: sint 2", VMB_VERSION_WIN10, 1, 7, 0, 0, 1, 2 },
	{ "5.3 vp 4096", VMB_VERSION_WIN10_V5_3, 4096, 2, 0, -EINVAL, 0, 2 },
	{ "5.3 sint 16", VMB_VERSION_WIN10_V5_3, 0, 16, 0, -EINVAL, 0, 2 },
	{ "5.3 vtl 2", VMB_VERSION_WIN10_V5_3, 0, 2, 2, -EINVAL, 0, 2 },
};

KUNIT_ARRAY_PARAM_DESC(contact, contact_cases, name);

/*
 * INITIATE_CONTACT names where host messages go; the transport is told.
 * Out-of-range targets and a VTL other than 0 are refused (answered "not
 * supported" on VP 0, SINT 2).
 */
static void contact_targets(struct kunit *test)
{
	const struct contact_case *c = test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	const struct vmb_msg_version_response *resp;
	struct vmb_msg_initiate_contact ic = {
		.header.msgtype = cpu_to_le32(VMB_MSG_INITIATE_CONTACT),
		.version = cpu_to_le32(c->version),
		.target_vcpu = cpu_to_le32(c->target_vcpu),
	};
	u32 conn_id = c->version >= VMB_VERSION_WIN10_V5 ? 4 : 1;

	if (c->version >= VMB_VERSION_WIN10_V5) {
		ic.msg_sint = c->sint;
		ic.msg_vtl = c->vtl;
	} else {
		ic.interrupt_page = cpu_to_le64(c->sint);
	}
	KUNIT_EXPECT_EQ(test, c->expected,
			sim_send(sim, conn_id, &ic, sizeof(ic)));
	resp = sim_last(sim, VMB_MSG_VERSION_RESPONSE, sizeof(*resp));
	KUNIT_EXPECT_EQ(test, resp->version_supported, !c->expected);
	KUNIT_EXPECT_EQ(test, sim->target_vp, c->vp_seen);
	KUNIT_EXPECT_EQ(test, sim->sint, c->sint_seen);
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_CONTACT_PARAMS],
			c->expected ? 1 : 0);
}

KUNIT_ARRAY_PARAM(session, sim_session_versions, sim_version_desc);

/* Contact, offers, rescind, release, unload: every byte the guest gets. */
static void offer_session(struct kunit *test)
{
	const u32 version = *(const u32 *)test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel_enabled(sim, 7);
	u8 offer[VMB_SERVER_OFFER_SIZE];
	static const u8 all_offers[8] = { VMB_MSG_ALLOFFERS_DELIVERED };
	static const u8 rescind[12] = {
		VMB_MSG_RESCIND_CHANNELOFFER, 0, 0, 0, 0, 0, 0, 0, 1
	};
	static const u8 unload[8] = { VMB_MSG_UNLOAD_RESPONSE };

	KUNIT_ASSERT_EQ(test, VMB_SERVER_OFFER_SIZE,
			vmb_server_channel_build_offer(ch, version, offer,
						       sizeof(offer)));
	sim_connect(sim, version);
	KUNIT_EXPECT_EQ(test, sim->posted, 3);
	sim_disable_released(sim, ch);
	KUNIT_EXPECT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
	KUNIT_ASSERT_EQ(test, sim->count, 2);
	KUNIT_EXPECT_MEMEQ(test, sim->msgs[0].data, rescind, sizeof(rescind));
	KUNIT_EXPECT_EQ(test, sim->msgs[0].len, sizeof(rescind));
	KUNIT_EXPECT_MEMEQ(test, sim->msgs[1].data, unload, sizeof(unload));

	/* Back again: the same channel, the same offer bytes, relid 1. */
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(ch));
	KUNIT_ASSERT_EQ(test, 0, sim_initiate_contact(sim, version));
	sim->count = 0;
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_ASSERT_EQ(test, sim->count, 2);
	KUNIT_EXPECT_MEMEQ(test, sim->msgs[1].data, all_offers,
			   sizeof(all_offers));
	vmb_server_channel_build_offer(ch, version, offer, sizeof(offer));
	KUNIT_EXPECT_MEMEQ(test, sim->msgs[0].data, offer, sizeof(offer));
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(offer + 184), 1);
}

static struct kunit_case vmb_control_cases[] = {
	KUNIT_CASE_PARAM(version_negotiation, negotiation_gen_params),
	KUNIT_CASE(connection_ids_enforced),
	KUNIT_CASE_PARAM(refused_types, refused_gen_params),
	KUNIT_CASE_PARAM(bad_lengths, length_gen_params),
	KUNIT_CASE(unserved_types),
	KUNIT_CASE(wrong_state),
	KUNIT_CASE(unload_and_reconnect),
	KUNIT_CASE(contact_resets_connection),
	KUNIT_CASE(busy_slot_keeps_order),
	KUNIT_CASE(ready_stops_when_busy_again),
	KUNIT_CASE(backlog_refuses_guest),
	KUNIT_CASE(transport_error_keeps_message),
	KUNIT_CASE_PARAM(contact_targets, contact_gen_params),
	KUNIT_CASE_PARAM(offer_session, session_gen_params),
	{}
};

static struct kunit_suite vmb_control_suite = {
	.name = "vmbus_server_control",
	.test_cases = vmb_control_cases,
};

kunit_test_suites(&vmb_lifecycle_suite, &vmb_control_suite);
