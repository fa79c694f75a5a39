// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated guest behind the vmbus_server_* KUnit suites.
 */

#include <kunit/resource.h>
#include <linux/string.h>

#include "sim_guest.h"

const guid_t sim_type_guid = GUID_INIT(0xda0a7802, 0xe377, 0x4aac, 0x8e, 0x77,
				       0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8);

static int sim_post_message(struct vmb_server *server, const void *msg,
			    size_t len)
{
	struct sim_guest *sim = vmb_server_priv(server);

	/*
	 * Runs under the server's lock: an assertion here would end the test
	 * thread with the lock held and hang the cleanup, so only expect.
	 */
	if (sim->busy)
		return -EAGAIN;
	if (sim->fail_with)
		return sim->fail_with;
	KUNIT_EXPECT_GE(sim->test, len, sizeof(struct vmb_msg_header));
	KUNIT_EXPECT_LE(sim->test, len, VMB_MSG_MAX_SIZE);
	sim->posted++;
	if (sim->count == SIM_GUEST_MAX_MSGS)
		return 0;
	sim->msgs[sim->count].len = len;
	memcpy(sim->msgs[sim->count].data, msg, len);
	sim->count++;
	return 0;
}

static const struct vmb_server_transport_ops sim_ops = {
	.post_message = sim_post_message,
};

KUNIT_DEFINE_ACTION_WRAPPER(sim_server_destroy, vmb_server_destroy,
			    struct vmb_server *);
KUNIT_DEFINE_ACTION_WRAPPER(sim_channel_free, vmb_server_channel_free,
			    struct vmb_channel *);

struct sim_guest *sim_guest_create(struct kunit *test)
{
	struct sim_guest *sim;

	sim = kunit_kzalloc(test, sizeof(*sim), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sim);
	sim->test = test;
	sim->server = vmb_server_create(&sim_ops, sim);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sim->server);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, sim_server_destroy,
						  sim->server));
	return sim;
}

/* Destroy the server now rather than when the test ends. */
void sim_guest_destroy_now(struct sim_guest *sim)
{
	kunit_release_action(sim->test, sim_server_destroy, sim->server);
}

void sim_channel_free_now(struct sim_guest *sim, struct vmb_channel *channel)
{
	kunit_release_action(sim->test, sim_channel_free, channel);
}

/* A channel bound to the server, with an interface, not enabled. */
struct vmb_channel *sim_channel(struct sim_guest *sim, u8 instance)
{
	struct kunit *test = sim->test;
	struct vmb_channel *channel;
	int ret;
	guid_t inst = GUID_INIT(0x5eed0000 + instance, 0x1234, 0x5678, 0x9a,
				0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44);

	channel = vmb_server_channel_alloc();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, channel);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, sim_channel_free,
						  channel));
	KUNIT_ASSERT_EQ(test, 0,
			vmb_server_channel_init_set_server(channel,
							   sim->server));
	ret = vmb_server_channel_init_set_interface(channel, &sim_type_guid,
						    &inst);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return channel;
}

struct vmb_channel *sim_channel_enabled(struct sim_guest *sim, u8 instance)
{
	struct vmb_channel *channel = sim_channel(sim, instance);

	KUNIT_ASSERT_EQ(sim->test, 0, vmb_server_channel_enable(channel));
	return channel;
}

int sim_send(struct sim_guest *sim, u32 conn_id, const void *msg, size_t len)
{
	return vmb_server_deliver_guest_message(sim->server, conn_id, msg, len);
}

int sim_send_type(struct sim_guest *sim, u32 type)
{
	struct vmb_msg_header hdr = { .msgtype = cpu_to_le32(type) };

	return sim_send(sim, VMB_MESSAGE_CONNECTION_ID, &hdr, sizeof(hdr));
}

int sim_send_relid(struct sim_guest *sim, u32 type, u32 relid)
{
	struct vmb_msg_relid msg = {
		.header.msgtype = cpu_to_le32(type),
		.child_relid = cpu_to_le32(relid),
	};

	return sim_send(sim, VMB_MESSAGE_CONNECTION_ID, &msg, sizeof(msg));
}

/* INITIATE_CONTACT the way Linux sends it: 5.0 and later to id 4. */
int sim_initiate_contact(struct sim_guest *sim, u32 version)
{
	struct vmb_msg_initiate_contact ic = {
		.header.msgtype = cpu_to_le32(VMB_MSG_INITIATE_CONTACT),
		.version = cpu_to_le32(version),
	};
	u32 conn_id = version >= VMB_VERSION_WIN10_V5 ?
			      VMB_MESSAGE_CONNECTION_ID_4 :
			      VMB_MESSAGE_CONNECTION_ID;

	if (version >= VMB_VERSION_WIN10_V5)
		ic.msg_sint = 2;
	return sim_send(sim, conn_id, &ic, sizeof(ic));
}

/* Negotiate @version and ask for offers; the recorded messages are cleared. */
void sim_connect(struct sim_guest *sim, u32 version)
{
	KUNIT_ASSERT_EQ(sim->test, 0, sim_initiate_contact(sim, version));
	KUNIT_ASSERT_EQ(sim->test, 0,
			sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	sim->count = 0;
}

u32 sim_msg_type(const struct sim_guest *sim, unsigned int i)
{
	return sim_le32_at(sim, i, 0);
}

u32 sim_le32_at(const struct sim_guest *sim, unsigned int i, size_t off)
{
	__le32 v;

	if (i >= sim->count || off + sizeof(v) > sim->msgs[i].len)
		return U32_MAX;
	memcpy(&v, sim->msgs[i].data + off, sizeof(v));
	return le32_to_cpu(v);
}

/* The newest message of @type, which must be @len bytes long. */
const void *sim_last(struct sim_guest *sim, u32 type, size_t len)
{
	unsigned int i;

	for (i = sim->count; i-- > 0;) {
		if (sim_msg_type(sim, i) != type)
			continue;
		KUNIT_ASSERT_EQ(sim->test, sim->msgs[i].len, len);
		return sim->msgs[i].data;
	}
	KUNIT_FAIL_AND_ABORT(sim->test, "no message of type %u posted", type);
	return NULL;
}

unsigned int sim_count_type(const struct sim_guest *sim, u32 type)
{
	unsigned int i, n = 0;

	for (i = 0; i < sim->count; i++)
		n += sim_msg_type(sim, i) == type;
	return n;
}
