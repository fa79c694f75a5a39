// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the channel init API and its errno table (DESIGN.md), every setter
 * in every state.
 */

#include <kunit/test.h>
#include <linux/string.h>

#include "../channel.h"
#include "sim_guest.h"

/* Where a channel is when a setter is called on it. */
enum chan_when {
	WHEN_NULL, /* no channel at all */
	WHEN_INIT, /* allocated, never enabled */
	WHEN_ENABLED, /* enabled, guest not connected */
	WHEN_OFFERED, /* enabled and offered to a guest */
	WHEN_DISABLED, /* enabled once, disabled since */
};

static const char * const when_names[] = {
	[WHEN_NULL] = "NULL channel",
	[WHEN_INIT] = "init",
	[WHEN_ENABLED] = "enabled",
	[WHEN_OFFERED] = "offered",
	[WHEN_DISABLED] = "disabled after enable",
};

static struct vmb_channel *channel_in(struct sim_guest *sim,
				      enum chan_when when)
{
	struct vmb_channel *ch;

	if (when == WHEN_NULL)
		return NULL;
	if (when == WHEN_OFFERED)
		sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	ch = sim_channel(sim, 1);
	if (when == WHEN_INIT)
		return ch;
	KUNIT_ASSERT_EQ(sim->test, 0, vmb_server_channel_enable(ch));
	if (when == WHEN_DISABLED)
		vmb_server_channel_disable(ch);
	return ch;
}

static const struct vmb_server_channel_callbacks test_callbacks = {};
static const guid_t other_guid = GUID_INIT(0x11111111, 0x2222, 0x3333, 0x44,
					   0x44, 0x55, 0x55, 0x55, 0x55, 0x55,
					   0x55);

/* Each setter called with valid arguments. */
static int call_set_server(struct vmb_channel *c, struct sim_guest *sim)
{
	return vmb_server_channel_init_set_server(c, sim->server);
}

static int call_set_interface(struct vmb_channel *c, struct sim_guest *sim)
{
	return vmb_server_channel_init_set_interface(c, &other_guid,
						     &other_guid);
}

static int call_set_mmio(struct vmb_channel *c, struct sim_guest *sim)
{
	return vmb_server_channel_init_set_mmio_megabytes(c, 3, 4);
}

static int call_set_flags(struct vmb_channel *c, struct sim_guest *sim)
{
	return vmb_server_channel_init_set_flags(c, FLAG_PIPE);
}

static int call_set_pipe_mode(struct vmb_channel *c, struct sim_guest *sim)
{
	return vmb_server_channel_init_set_pipe_mode(c,
						     VMB_SERVER_PIPE_MODE_BYTE);
}

static int call_set_user_data(struct vmb_channel *c, struct sim_guest *sim)
{
	return vmb_server_channel_init_set_user_data(c, "abc", 3);
}

static int call_set_max_packet(struct vmb_channel *c, struct sim_guest *sim)
{
	return vmb_server_channel_init_set_max_packet_size(c, 0x20000);
}

static int call_set_name(struct vmb_channel *c, struct sim_guest *sim)
{
	return vmb_server_channel_init_set_name(c, "renamed");
}

static int call_set_callbacks(struct vmb_channel *c, struct sim_guest *sim)
{
	return vmb_server_channel_init_set_callbacks(c, &test_callbacks, sim);
}

static void nop_packet(struct vmb_channel *c, struct vmb_server_packet *p,
		       const void *data, u32 len)
{
	vmb_server_packet_complete(p, NULL, 0);
}

static const struct vmb_server_packet_callbacks test_packet_callbacks = {
	.process_packet = nop_packet,
};

static int call_set_packet_callbacks(struct vmb_channel *c,
				     struct sim_guest *sim)
{
	return vmb_server_channel_init_set_packet_callbacks(c,
							    &test_packet_callbacks);
}

struct setter {
	const char *name;
	int (*call)(struct vmb_channel *c, struct sim_guest *sim);
};

static const struct setter setters[] = {
	{ "set_server", call_set_server },
	{ "set_interface", call_set_interface },
	{ "set_mmio_megabytes", call_set_mmio },
	{ "set_flags", call_set_flags },
	{ "set_pipe_mode", call_set_pipe_mode },
	{ "set_user_data", call_set_user_data },
	{ "set_max_packet_size", call_set_max_packet },
	{ "set_name", call_set_name },
	{ "set_callbacks", call_set_callbacks },
	{ "set_packet_callbacks", call_set_packet_callbacks },
};

struct setter_case {
	const struct setter *setter;
	enum chan_when when;
};

/* Every setter in every state: the errno comes from expected_in[]. */
static const int expected_in[] = {
	[WHEN_NULL] = -EINVAL,
	[WHEN_INIT] = 0,
	[WHEN_ENABLED] = -EBUSY,
	[WHEN_OFFERED] = -EBUSY,
	[WHEN_DISABLED] = -EBUSY,
};

static const struct setter_case setter_cases[] = {
	{ &setters[0], WHEN_NULL }, { &setters[0], WHEN_INIT },
	{ &setters[0], WHEN_ENABLED }, { &setters[0], WHEN_OFFERED },
	{ &setters[0], WHEN_DISABLED },
	{ &setters[1], WHEN_NULL }, { &setters[1], WHEN_INIT },
	{ &setters[1], WHEN_ENABLED }, { &setters[1], WHEN_OFFERED },
	{ &setters[1], WHEN_DISABLED },
	{ &setters[2], WHEN_NULL }, { &setters[2], WHEN_INIT },
	{ &setters[2], WHEN_ENABLED }, { &setters[2], WHEN_OFFERED },
	{ &setters[2], WHEN_DISABLED },
	{ &setters[3], WHEN_NULL }, { &setters[3], WHEN_INIT },
	{ &setters[3], WHEN_ENABLED }, { &setters[3], WHEN_OFFERED },
	{ &setters[3], WHEN_DISABLED },
	{ &setters[4], WHEN_NULL }, { &setters[4], WHEN_INIT },
	{ &setters[4], WHEN_ENABLED }, { &setters[4], WHEN_OFFERED },
	{ &setters[4], WHEN_DISABLED },
	{ &setters[5], WHEN_NULL }, { &setters[5], WHEN_INIT },
	{ &setters[5], WHEN_ENABLED }, { &setters[5], WHEN_OFFERED },
	{ &setters[5], WHEN_DISABLED },
	{ &setters[6], WHEN_NULL }, { &setters[6], WHEN_INIT },
	{ &setters[6], WHEN_ENABLED }, { &setters[6], WHEN_OFFERED },
	{ &setters[6], WHEN_DISABLED },
	{ &setters[7], WHEN_NULL }, { &setters[7], WHEN_INIT },
	{ &setters[7], WHEN_ENABLED }, { &setters[7], WHEN_OFFERED },
	{ &setters[7], WHEN_DISABLED },
	{ &setters[8], WHEN_NULL }, { &setters[8], WHEN_INIT },
	{ &setters[8], WHEN_ENABLED }, { &setters[8], WHEN_OFFERED },
	{ &setters[8], WHEN_DISABLED },
	{ &setters[9], WHEN_NULL }, { &setters[9], WHEN_INIT },
	{ &setters[9], WHEN_ENABLED }, { &setters[9], WHEN_OFFERED },
	{ &setters[9], WHEN_DISABLED },
};

static_assert(ARRAY_SIZE(setter_cases) ==
	      ARRAY_SIZE(setters) * ARRAY_SIZE(expected_in));

static void setter_case_desc(const struct setter_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s on %s", c->setter->name,
		 when_names[c->when]);
}

KUNIT_ARRAY_PARAM(setter_state, setter_cases, setter_case_desc);

/* A setter refused for the state leaves what the guest sees unchanged. */
static void setter_in_state(struct kunit *test)
{
	const struct setter_case *c = test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = channel_in(sim, c->when);
	u8 before[VMB_SERVER_OFFER_SIZE], after[VMB_SERVER_OFFER_SIZE];
	int ret;

	if (ch) {
		ret = vmb_server_channel_build_offer(ch, VMB_VERSION_WIN10_V5_3,
						     before, sizeof(before));
		KUNIT_ASSERT_EQ(test, ret, VMB_SERVER_OFFER_SIZE);
	}

	KUNIT_EXPECT_EQ(test, expected_in[c->when], c->setter->call(ch, sim));

	if (ch && expected_in[c->when]) {
		vmb_server_channel_build_offer(ch, VMB_VERSION_WIN10_V5_3,
					       after, sizeof(after));
		KUNIT_EXPECT_MEMEQ(test, before, after, sizeof(before));
	}
}

struct mmio_case {
	u16 mmio;
	u16 optional;
	int expected;
};

static const struct mmio_case mmio_cases[] = {
	{ 0, 0, -EINVAL },
	{ 0, 1, 0 },
	{ 1, 0, 0 },
	{ 8, 0, 0 },
	{ 8, 16, 0 },
	{ 0, 0xffff, 0 },
	{ 0xffff, 0, 0 },
	{ 0xffff, 0xffff, 0 },
	{ 0x0102, 0x0304, 0 },
};

static void mmio_case_desc(const struct mmio_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "(%u, %u) -> %d", c->mmio,
		 c->optional, c->expected);
}

KUNIT_ARRAY_PARAM(mmio, mmio_cases, mmio_case_desc);

static u16 offer_le16(struct kunit *test, struct vmb_channel *ch, size_t off)
{
	u8 buf[VMB_SERVER_OFFER_SIZE];

	ssize_t n;

	n = vmb_server_channel_build_offer(ch, VMB_VERSION_WIN10_V5_3, buf,
					   sizeof(buf));
	KUNIT_ASSERT_EQ(test, n, VMB_SERVER_OFFER_SIZE);
	return buf[off] | buf[off + 1] << 8;
}

/* The sizes land at offsets 58 and 182; a refused pair keeps the old one. */
static void mmio_megabytes(struct kunit *test)
{
	const struct mmio_case *c = test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	int ret;

	KUNIT_ASSERT_EQ(test, 0,
			vmb_server_channel_init_set_mmio_megabytes(ch, 7, 9));
	ret = vmb_server_channel_init_set_mmio_megabytes(ch, c->mmio,
							 c->optional);
	KUNIT_EXPECT_EQ(test, ret, c->expected);
	KUNIT_EXPECT_EQ(test, offer_le16(test, ch, 58),
			c->expected ? 7 : c->mmio);
	KUNIT_EXPECT_EQ(test, offer_le16(test, ch, 182),
			c->expected ? 9 : c->optional);
}

struct flags_case {
	u32 flags;
	int expected;
};

static const struct flags_case flags_cases[] = {
	{ 0, 0 },
	{ VMB_SERVER_CHANNEL_INIT_FLAG_LOOPBACK_OFFER, 0 },
	{ FLAG_ENUMERATE, 0 },
	{ FLAG_PIPE, 0 },
	{ VMB_SERVER_CHANNEL_INIT_FLAG_FORCE_NEW_CHANNEL, 0 },
	{ VMB_SERVER_CHANNEL_INIT_FLAG_TLNPI_PROVIDER_OFFER, 0 },
	{ VMB_SERVER_CHANNEL_INIT_FLAGS_ALL, 0 },
	{ 0x20, -EINVAL },
	{ 0x80000000, -EINVAL },
	{ VMB_SERVER_CHANNEL_INIT_FLAGS_ALL | 0x100, -EINVAL },
};

static void flags_case_desc(const struct flags_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "0x%x -> %d", c->flags,
		 c->expected);
}

KUNIT_ARRAY_PARAM(flags, flags_cases, flags_case_desc);

static void set_flags(struct kunit *test)
{
	const struct flags_case *c = test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);

	KUNIT_EXPECT_EQ(test, c->expected,
			vmb_server_channel_init_set_flags(ch, c->flags));
	KUNIT_EXPECT_EQ(test, ch->flags, c->expected ? 0 : c->flags);
}

/* 120 bytes of user data, 116 behind a pipe header, whichever comes first. */
static void user_data_bounds(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	const size_t max = VMB_OFFER_USER_DATA_SIZE;
	const size_t pipe_max = VMB_OFFER_PIPE_USER_DATA_SIZE;
	static const u8 data[VMB_OFFER_USER_DATA_SIZE + 1];
	int ret;

	ret = vmb_server_channel_init_set_user_data(ch, data, max);
	KUNIT_EXPECT_EQ(test, ret, 0);
	ret = vmb_server_channel_init_set_user_data(ch, data, max + 1);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, VMB_OFFER_USER_DATA_SIZE, ch->user_data_len);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_init_set_user_data(ch, NULL, 5));
	ret = vmb_server_channel_init_set_flags(ch, FLAG_PIPE);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, 0,
			vmb_server_channel_init_set_user_data(ch, NULL, 0));
	KUNIT_EXPECT_EQ(test, 0, ch->user_data_len);
	ret = vmb_server_channel_init_set_flags(ch, FLAG_PIPE);
	KUNIT_EXPECT_EQ(test, ret, 0);
	ret = vmb_server_channel_init_set_user_data(ch, data, pipe_max + 1);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	ret = vmb_server_channel_init_set_user_data(ch, data, pipe_max);
	KUNIT_EXPECT_EQ(test, ret, 0);
}

static void name_bounds(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	char name[VMB_SERVER_CHANNEL_NAME_MAX + 1];

	memset(name, 'n', sizeof(name));
	name[VMB_SERVER_CHANNEL_NAME_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_init_set_name(ch, name));
	name[VMB_SERVER_CHANNEL_NAME_MAX - 1] = '\0';
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_init_set_name(ch, name));
	KUNIT_EXPECT_STREQ(test, ch->name, name);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_init_set_name(ch, ""));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_init_set_name(ch, NULL));
	KUNIT_EXPECT_STREQ(test, ch->name, name);
}

static void max_packet_size_bounds(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	int ret;

	KUNIT_EXPECT_EQ(test, VMB_SERVER_DEFAULT_MAX_PACKET_SIZE,
			ch->max_packet_size);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_init_set_max_packet_size(ch, 0));
	ret = vmb_server_channel_init_set_max_packet_size(ch, PACKET_LIMIT + 1);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	ret = vmb_server_channel_init_set_max_packet_size(ch, PACKET_LIMIT);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, 0,
			vmb_server_channel_init_set_max_packet_size(ch, 1));
	KUNIT_EXPECT_EQ(test, 1, ch->max_packet_size);
}

static void interface_and_pipe_mode_args(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	int ret;

	ret = vmb_server_channel_init_set_interface(ch, &guid_null,
						    &other_guid);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_init_set_interface(ch, NULL,
							      &other_guid));
	ret = vmb_server_channel_init_set_interface(ch, &other_guid, NULL);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_TRUE(test,
			  guid_equal(&ch->interface_type, &sim_type_guid));
	KUNIT_EXPECT_EQ(test, VMB_SERVER_PIPE_MODE_MESSAGE, ch->pipe_mode);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_init_set_pipe_mode(ch, 1));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_init_set_server(ch, NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_init_set_callbacks(ch, NULL, NULL));
	ret = vmb_server_channel_init_set_callbacks(ch, &test_callbacks, sim);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, vmb_server_channel_context(ch), (void *)sim);
	KUNIT_EXPECT_NULL(test, vmb_server_channel_context(NULL));
}

/* Enable needs a server and an interface type, and happens once. */
static void enable_requirements(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *bare, *ch = sim_channel(sim, 1);
	int ret;

	bare = vmb_server_channel_alloc();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bare);
	KUNIT_EXPECT_EQ(test, -EINVAL, vmb_server_channel_enable(NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, vmb_server_channel_enable(bare));
	ret = vmb_server_channel_init_set_interface(bare, &sim_type_guid,
						    &other_guid);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, -EINVAL, vmb_server_channel_enable(bare));
	KUNIT_EXPECT_EQ(test, 0,
			vmb_server_channel_init_set_server(bare, sim->server));
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(bare));
	vmb_server_channel_free(bare);

	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(ch));
	KUNIT_EXPECT_EQ(test, -EBUSY, vmb_server_channel_enable(ch));
	vmb_server_channel_disable(ch);
	vmb_server_channel_disable(ch);
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_enable(ch));
}

/* A channel without a server needs no interface to be configured. */
static void unbound_channel_init(struct kunit *test)
{
	struct vmb_channel *ch = vmb_server_channel_alloc();

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ch);
	KUNIT_EXPECT_EQ(test, 0,
			vmb_server_channel_init_set_mmio_megabytes(ch, 0, 2));
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_relid(ch));
	KUNIT_EXPECT_EQ(test, 0, vmb_server_channel_connection_id(ch));
	vmb_server_channel_disable(ch);
	vmb_server_channel_free(ch);
	vmb_server_channel_free(NULL);
	vmb_server_channel_disable(NULL);
}

static struct kunit_case vmb_channel_cases[] = {
	KUNIT_CASE_PARAM(setter_in_state, setter_state_gen_params),
	KUNIT_CASE_PARAM(mmio_megabytes, mmio_gen_params),
	KUNIT_CASE_PARAM(set_flags, flags_gen_params),
	KUNIT_CASE(user_data_bounds),
	KUNIT_CASE(name_bounds),
	KUNIT_CASE(max_packet_size_bounds),
	KUNIT_CASE(interface_and_pipe_mode_args),
	KUNIT_CASE(enable_requirements),
	KUNIT_CASE(unbound_channel_init),
	{}
};

static struct kunit_suite vmb_channel_suite = {
	.name = "vmbus_server_channel",
	.test_cases = vmb_channel_cases,
};

kunit_test_suite(vmb_channel_suite);
