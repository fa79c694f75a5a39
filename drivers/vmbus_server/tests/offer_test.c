// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: OFFERCHANNEL byte for byte, per protocol version and per flag.
 */

#include <kunit/test.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "sim_guest.h"

/*
 * The offer of an enabled channel (relid 1) at 2.4 and later: interface
 * type da0a7802-e377-4aac-8e77-0558eb1073f8, instance
 * 01020304-0506-0708-090a-0b0c0d0e0f10, ENUMERATE_DEVICE_INTERFACE, MMIO
 * 0x0208 MiB + 0x0102 optional, user data "vmbus-server".
 */
static const u8 golden_offer[VMB_SERVER_OFFER_SIZE] = {
	/* @0: msgtype 1, padding */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* @8: interface type */
	0x02, 0x78, 0x0a, 0xda, 0x77, 0xe3, 0xac, 0x4a,
	0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8,
	/* @24: interface instance */
	0x04, 0x03, 0x02, 0x01, 0x06, 0x05, 0x08, 0x07,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	/* @40, @48: reserved */
	/* @56: chn_flags, mmio_megabytes */
	[56] = 0x01, 0x00, 0x08, 0x02,
	/* @60: user data */
	'v', 'm', 'b', 'u', 's', '-', 's', 'e', 'r', 'v', 'e', 'r',
	/* @180: sub_channel_index, mmio_megabytes_optional */
	[180] = 0x00, 0x00, 0x02, 0x01,
	/* @184: child_relid, monitor id, monitor flags */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* @190: dedicated interrupt, @192: connection id */
	0x01, 0x00, 0x01, 0x00, 0x01, 0x00,
};

static const guid_t golden_instance = GUID_INIT(0x01020304, 0x0506, 0x0708,
						0x09, 0x0a, 0x0b, 0x0c, 0x0d,
						0x0e, 0x0f, 0x10);

static struct vmb_channel *golden_channel(struct sim_guest *sim)
{
	struct kunit *test = sim->test;
	struct vmb_channel *ch = sim_channel(sim, 0);
	int ret;

	ret = vmb_server_channel_init_set_interface(ch, &sim_type_guid,
						    &golden_instance);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, 0,
			vmb_server_channel_init_set_flags(ch, FLAG_ENUMERATE));
	ret = vmb_server_channel_init_set_mmio_megabytes(ch, 0x0208, 0x0102);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = vmb_server_channel_init_set_user_data(ch, "vmbus-server", 12);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return ch;
}

/* What an older version leaves as zero: offset and length. */
struct zeroed {
	u8 off;
	u8 len;
};

struct version_case {
	u32 version;
	const char *name;
	struct zeroed zero[2];
};

static const struct version_case version_cases[] = {
	/* 0.13: no optional MMIO, no monitor/interrupt/connection id. */
	{ VMB_VERSION_WS2008, "0.13", { { 182, 2 }, { 189, 7 } } },
	/* 1.1: no optional MMIO (sub-channel word still reserved). */
	{ VMB_VERSION_WIN7, "1.1", { { 182, 2 } } },
	{ VMB_VERSION_WIN8, "2.4" },
	{ VMB_VERSION_WIN8_1, "3.0" },
	{ VMB_VERSION_WIN10, "4.0" },
	{ VMB_VERSION_WIN10_V4_1, "4.1" },
	{ VMB_VERSION_WIN10_V5, "5.0" },
	{ VMB_VERSION_WIN10_V5_1, "5.1" },
	{ VMB_VERSION_WIN10_V5_2, "5.2" },
	{ VMB_VERSION_WIN10_V5_3, "5.3" },
};

KUNIT_ARRAY_PARAM_DESC(version, version_cases, name);

/* The message the guest receives equals what the builder returns. */
static void offer_golden_per_version(struct kunit *test)
{
	const struct version_case *c = test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = golden_channel(sim);
	u8 golden[VMB_SERVER_OFFER_SIZE], built[VMB_SERVER_OFFER_SIZE];
	size_t i;

	memcpy(golden, golden_offer, sizeof(golden));
	for (i = 0; i < ARRAY_SIZE(c->zero); i++)
		memset(golden + c->zero[i].off, 0, c->zero[i].len);

	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(ch));
	KUNIT_ASSERT_EQ(test, VMB_SERVER_OFFER_SIZE,
			vmb_server_channel_build_offer(ch, c->version, built,
						       sizeof(built)));
	KUNIT_EXPECT_MEMEQ(test, built, golden, sizeof(golden));

	/* The server negotiates 2.4 and later only: no data path before. */
	if (c->version < VMB_VERSION_WIN8) {
		KUNIT_EXPECT_EQ(test, sim_initiate_contact(sim, c->version),
				-EPROTONOSUPPORT);
		return;
	}
	KUNIT_ASSERT_EQ(test, 0, sim_initiate_contact(sim, c->version));
	KUNIT_ASSERT_EQ(test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	KUNIT_EXPECT_MEMEQ(test,
			   sim_last(sim, VMB_MSG_OFFERCHANNEL,
				    VMB_SERVER_OFFER_SIZE),
			   golden, sizeof(golden));
}

struct flag_case {
	u32 api;
	u16 wire;
	const char *name;
};

static const struct flag_case flag_cases[] = {
	{ 0, 0, "none" },
	{ VMB_SERVER_CHANNEL_INIT_FLAG_LOOPBACK_OFFER, 0x0100, "loopback" },
	{ FLAG_ENUMERATE, 0x0001,
	  "enumerate" },
	{ FLAG_PIPE, 0x0010, "pipe" },
	{ VMB_SERVER_CHANNEL_INIT_FLAG_FORCE_NEW_CHANNEL, 0, "force new" },
	{ VMB_SERVER_CHANNEL_INIT_FLAG_TLNPI_PROVIDER_OFFER, 0x2000, "tlnpi" },
	{ VMB_SERVER_CHANNEL_INIT_FLAGS_ALL, 0x2111, "all" },
};

KUNIT_ARRAY_PARAM_DESC(flag, flag_cases, name);

/* API flags become wire bits at 56; a pipe moves the user data to 64. */
static void offer_flags(struct kunit *test)
{
	const struct flag_case *c = test->param_value;
	bool pipe = c->api & FLAG_PIPE;
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	u8 built[VMB_SERVER_OFFER_SIZE];
	u8 untouched[VMB_SERVER_OFFER_SIZE] = {};
	static const u8 user[] = { 0xde, 0xad, 0xbe, 0xef, 0x42 };

	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_init_set_flags(ch, c->api));
	KUNIT_ASSERT_EQ(test, 0,
			vmb_server_channel_init_set_user_data(ch, user,
							      sizeof(user)));
	KUNIT_ASSERT_EQ(test, VMB_SERVER_OFFER_SIZE,
			vmb_server_channel_build_offer(ch,
						       VMB_VERSION_WIN10_V5_3,
						       built, sizeof(built)));

	KUNIT_EXPECT_EQ(test, built[56] | built[57] << 8, c->wire);
	if (pipe) {
		KUNIT_EXPECT_EQ(test, get_unaligned_le32(built + 60),
				VMB_SERVER_PIPE_MODE_MESSAGE);
		KUNIT_EXPECT_MEMEQ(test, built + 64, user, sizeof(user));
	} else {
		KUNIT_EXPECT_MEMEQ(test, built + 60, user, sizeof(user));
	}
	/* Nothing else in the user-data area. */
	KUNIT_EXPECT_MEMEQ(test, built + 60 + (pipe ? 4 : 0) + sizeof(user),
			   untouched, 120 - (pipe ? 4 : 0) - sizeof(user));
}

static void offer_pipe_byte_mode(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	u8 built[VMB_SERVER_OFFER_SIZE];
	int ret;

	KUNIT_ASSERT_EQ(test, 0,
			vmb_server_channel_init_set_user_data(ch, "abc", 3));
	ret = vmb_server_channel_init_set_pipe_mode(ch, PIPE_MODE_MESSAGE);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, VMB_SERVER_OFFER_SIZE,
			vmb_server_channel_build_offer(ch, VMB_VERSION_WIN10,
						       built, sizeof(built)));
	/* Without the pipe flag the mode stays off the wire... */
	KUNIT_EXPECT_MEMEQ(test, built + 60, "abc\0", 4);
	ret = vmb_server_channel_init_set_flags(ch, FLAG_PIPE);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = vmb_server_channel_init_set_pipe_mode(ch,
						    VMB_SERVER_PIPE_MODE_BYTE);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, VMB_SERVER_OFFER_SIZE,
			vmb_server_channel_build_offer(ch, VMB_VERSION_WIN10,
						       built, sizeof(built)));
	/* ...and with it, the mode set last goes in front of the data. */
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(built + 60),
			VMB_SERVER_PIPE_MODE_BYTE);
	KUNIT_EXPECT_MEMEQ(test, built + 64, "abc\0", 4);
}

static const u32 bad_versions[] = {
	0, VMB_PROTO_VERSION(0, 12), VMB_PROTO_VERSION(13, 0),
	VMB_PROTO_VERSION(2, 0), VMB_PROTO_VERSION(5, 4),
	VMB_PROTO_VERSION(6, 0), U32_MAX,
};

KUNIT_ARRAY_PARAM(bad_version, bad_versions, sim_version_desc);

static void offer_unknown_version(struct kunit *test)
{
	const u32 *version = test->param_value;
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	u8 built[VMB_SERVER_OFFER_SIZE];

	memset(built, 0x5a, sizeof(built));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_build_offer(ch, *version, built,
						       sizeof(built)));
	KUNIT_EXPECT_EQ(test, built[0], 0x5a);
}

static void offer_buffer_size(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	u8 built[VMB_SERVER_OFFER_SIZE + 8];
	int ret;

	memset(built, 0x5a, sizeof(built));
	ret = vmb_server_channel_build_offer(ch, VMB_VERSION_WIN8, built,
					     VMB_SERVER_OFFER_SIZE - 1);
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, built[0], 0x5a);
	KUNIT_EXPECT_EQ(test, VMB_SERVER_OFFER_SIZE,
			vmb_server_channel_build_offer(ch, VMB_VERSION_WIN8,
						       built, sizeof(built)));
	KUNIT_EXPECT_EQ(test, built[0], VMB_MSG_OFFERCHANNEL);
	KUNIT_EXPECT_EQ(test, built[VMB_SERVER_OFFER_SIZE], 0x5a);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_build_offer(NULL, VMB_VERSION_WIN8,
						       built, sizeof(built)));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			vmb_server_channel_build_offer(ch, VMB_VERSION_WIN8,
						       NULL, sizeof(built)));
}

/* relid and connection id follow the channel through enable and disable. */
static void offer_ids_follow_state(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);
	struct vmb_channel *ch = sim_channel(sim, 1);
	u8 built[VMB_SERVER_OFFER_SIZE];

	vmb_server_channel_build_offer(ch, VMB_VERSION_WIN10_V5_3, built,
				       sizeof(built));
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(built + 184), 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(built + 192), 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(built + 190), 1);

	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(ch));
	vmb_server_channel_build_offer(ch, VMB_VERSION_WIN10_V5_3, built,
				       sizeof(built));
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(built + 184),
			vmb_server_channel_relid(ch));
	KUNIT_EXPECT_NE(test, get_unaligned_le32(built + 184), 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(built + 192),
			vmb_server_channel_connection_id(ch));

	vmb_server_channel_disable(ch);
	vmb_server_channel_build_offer(ch, VMB_VERSION_WIN10_V5_3, built,
				       sizeof(built));
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(built + 184), 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(built + 192), 0);
}

static struct kunit_case vmb_offer_cases[] = {
	KUNIT_CASE_PARAM(offer_golden_per_version, version_gen_params),
	KUNIT_CASE_PARAM(offer_flags, flag_gen_params),
	KUNIT_CASE(offer_pipe_byte_mode),
	KUNIT_CASE_PARAM(offer_unknown_version, bad_version_gen_params),
	KUNIT_CASE(offer_buffer_size),
	KUNIT_CASE(offer_ids_follow_state),
	{}
};

static struct kunit_suite vmb_offer_suite = {
	.name = "vmbus_server_offer",
	.test_cases = vmb_offer_cases,
};

kunit_test_suite(vmb_offer_suite);
