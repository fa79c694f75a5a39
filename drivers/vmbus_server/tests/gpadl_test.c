// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: GPADL_HEADER/GPADL_BODY assembly, validation and teardown, with the
 * bytes of every GPADL_CREATED and GPADL_TORNDOWN the guest gets back.
 */

#include <kunit/test.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "../channel.h"
#include "../core.h"
#include "../gpadl.h"
#include "sim_guest.h"

/* A connected guest with one offered channel, relid 1. */
static struct sim_guest *gpadl_setup(struct kunit *test,
				     struct vmb_channel **channel)
{
	struct sim_guest *sim = sim_guest_create(test);

	sim_connect(sim, VMB_VERSION_WIN10_V5_3);
	*channel = sim_channel_enabled(sim, 1);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_relid(*channel), 1);
	sim->count = 0;
	sim->posted = 0;
	return sim;
}

/*
 * A GPADL_HEADER with one range header {byte_count, byte_offset} followed
 * by @pfns frames and @extra zero bytes, claiming @buflen bytes of ranges
 * and @count ranges.  Returns the message length.
 */
static size_t gpadl_header_msg(u8 *buf, u32 relid, u32 id, u16 buflen,
			       u16 count, u32 byte_count, u32 byte_offset,
			       unsigned int pfns, unsigned int extra)
{
	struct vmb_msg_gpadl_header *hdr = (void *)buf;
	struct vmb_gpa_range *range = (void *)(hdr + 1);
	unsigned int i;

	memset(buf, 0, VMB_MSG_MAX_SIZE);
	hdr->header.msgtype = cpu_to_le32(VMB_MSG_GPADL_HEADER);
	hdr->child_relid = cpu_to_le32(relid);
	hdr->gpadl = cpu_to_le32(id);
	hdr->range_buflen = cpu_to_le16(buflen);
	hdr->range_count = cpu_to_le16(count);
	range->byte_count = cpu_to_le32(byte_count);
	range->byte_offset = cpu_to_le32(byte_offset);
	for (i = 0; i < pfns; i++)
		range->pfn[i] = cpu_to_le64(0x2000 + i);
	return sizeof(*hdr) + sizeof(*range) + pfns * sizeof(u64) + extra;
}

static size_t gpadl_body_msg(u8 *buf, u32 id, unsigned int pfns,
			     unsigned int extra)
{
	struct vmb_msg_gpadl_body *body = (void *)buf;
	unsigned int i;

	memset(buf, 0, VMB_MSG_MAX_SIZE);
	body->header.msgtype = cpu_to_le32(VMB_MSG_GPADL_BODY);
	body->gpadl = cpu_to_le32(id);
	for (i = 0; i < pfns; i++)
		body->pfn[i] = cpu_to_le64(0x3000 + i);
	return sizeof(*body) + pfns * sizeof(u64) + extra;
}

/* The newest GPADL_CREATED must name @relid and @id; returns its status. */
static u32 created_status(struct sim_guest *sim, u32 relid, u32 id)
{
	const struct vmb_msg_gpadl_created *c;

	c = sim_last(sim, VMB_MSG_GPADL_CREATED, sizeof(*c));
	KUNIT_EXPECT_EQ(sim->test, le32_to_cpu(c->child_relid), relid);
	KUNIT_EXPECT_EQ(sim->test, le32_to_cpu(c->gpadl), id);
	KUNIT_EXPECT_EQ(sim->test, le32_to_cpu(c->header.padding), 0);
	return le32_to_cpu(c->status);
}

struct header_case {
	const char *name;
	u16 buflen;
	u16 count;
	u32 byte_count;
	u32 byte_offset;
	u8 pfns;
	u8 extra;
	int expected;
};

static const struct header_case header_cases[] = {
	{ "one frame", 16, 1, 4096, 0, 1, 0, 0 },
	{ "one byte at the end of a frame", 16, 1, 1, 4095, 1, 0, 0 },
	{ "offset into two frames", 24, 1, 100, 4000, 2, 0, 0 },
	{ "26 frames, all in the header", 216, 1, 26 * 4096, 0, 26, 0, 0 },
	{ "no ranges", 16, 0, 4096, 0, 1, 0, -EINVAL },
	{ "buflen not whole words", 20, 1, 4096, 0, 1, 4, -EINVAL },
	{ "buflen too small for the ranges", 16, 2, 4096, 0, 1, 0, -EINVAL },
	{ "zero byte count", 16, 1, 0, 0, 1, 0, -EINVAL },
	{ "offset past the first frame", 16, 1, 1, 4096, 1, 0, -EINVAL },
	{ "offset past the first frame, with frames for it", 24, 1, 1, 4096,
	  2, 0, -EINVAL },
	{ "range needs more frames", 16, 1, 8192, 0, 1, 0, -EINVAL },
	{ "range needs fewer frames", 24, 1, 4096, 0, 2, 0, -EINVAL },
	{ "frame count overflows", 16, 1, U32_MAX, 4095, 1, 0, -EINVAL },
	{ "more data than buflen", 16, 1, 4096, 0, 2, 0, -EINVAL },
	{ "data not whole words", 24, 1, 4096, 0, 1, 4, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(header, header_cases, name);

/*
 * One-message GPADLs: valid ones are created, the others refused with a
 * failure status, and a refused id is free for a valid GPADL afterwards.
 */
static void gpadl_header_validation(struct kunit *test)
{
	const struct header_case *c = test->param_value;
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	u8 buf[VMB_MSG_MAX_SIZE];
	size_t len;
	int ret;

	len = gpadl_header_msg(buf, 1, 0x42, c->buflen, c->count,
			       c->byte_count, c->byte_offset, c->pfns,
			       c->extra);
	ret = sim_send(sim, 1, buf, len);
	KUNIT_EXPECT_EQ(test, ret, c->expected);
	KUNIT_EXPECT_EQ(test, sim->count, 1);
	if (!c->expected) {
		KUNIT_EXPECT_EQ(test, created_status(sim, 1, 0x42), 0);
		return;
	}
	KUNIT_EXPECT_EQ(test, created_status(sim, 1, 0x42),
			VMB_STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_GPADL], 1);
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->gpadls));
	KUNIT_EXPECT_EQ(test, sim->server->gpadl_bytes, 0);
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 0x42, 1), 0);
}

/* Three ranges in one header: created, frames counted over all of them. */
static void gpadl_multi_range(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	struct vmb_gpadl *gpadl;
	u8 buf[VMB_MSG_MAX_SIZE] = {};
	struct vmb_msg_gpadl_header *hdr = (void *)buf;
	__le32 *w = (__le32 *)(hdr + 1);
	/* {byte_count, byte_offset, frames}: 1 + 2 + 3 frames. */
	static const u32 ranges[3][3] = {
		{ 4096, 0, 1 }, { 5000, 100, 2 }, { 8193, 4095, 3 },
	};
	size_t i, j;

	hdr->header.msgtype = cpu_to_le32(VMB_MSG_GPADL_HEADER);
	hdr->child_relid = cpu_to_le32(1);
	hdr->gpadl = cpu_to_le32(7);
	hdr->range_count = cpu_to_le16(3);
	for (i = 0; i < 3; i++) {
		*w++ = cpu_to_le32(ranges[i][0]);
		*w++ = cpu_to_le32(ranges[i][1]);
		for (j = 0; j < ranges[i][2]; j++) {
			*w++ = cpu_to_le32(0x4000 + j);
			*w++ = 0;
		}
	}
	hdr->range_buflen = cpu_to_le16((u8 *)w - (u8 *)(hdr + 1));
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, buf, (u8 *)w - buf));
	KUNIT_EXPECT_EQ(test, created_status(sim, 1, 7), 0);
	gpadl = xa_load(&sim->server->gpadls, 7);
	KUNIT_ASSERT_NOT_NULL(test, gpadl);
	KUNIT_EXPECT_EQ(test, gpadl->page_count, 6);
}

/* A range without bytes is refused even where the frame counts add up. */
static void gpadl_empty_range(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	u8 buf[VMB_MSG_MAX_SIZE] = {};
	struct vmb_msg_gpadl_header *hdr = (void *)buf;
	__le32 *w = (__le32 *)(hdr + 1);

	hdr->header.msgtype = cpu_to_le32(VMB_MSG_GPADL_HEADER);
	hdr->child_relid = cpu_to_le32(1);
	hdr->gpadl = cpu_to_le32(8);
	hdr->range_count = cpu_to_le16(2);
	hdr->range_buflen = cpu_to_le16(32);
	/* Two frames for 8192 bytes, then a range of 0 bytes, 0 frames. */
	w[0] = cpu_to_le32(8192);
	w[2] = cpu_to_le32(0x10);
	w[4] = cpu_to_le32(0x11);
	KUNIT_EXPECT_EQ(test, -EINVAL, sim_send(sim, 1, buf, sizeof(*hdr) + 32));
	KUNIT_EXPECT_EQ(test, created_status(sim, 1, 8),
			VMB_STATUS_UNSUCCESSFUL);
}

/* Linux's split: 26 frames in the header, 28 per body, CREATED at the end. */
static void gpadl_multi_message(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	struct vmb_gpadl *gpadl;

	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 0xe1e10, 26 + 28 * 3 + 5), 0);
	KUNIT_EXPECT_EQ(test, sim->posted, 1);
	gpadl = xa_load(&sim->server->gpadls, 0xe1e10);
	KUNIT_ASSERT_NOT_NULL(test, gpadl);
	KUNIT_EXPECT_EQ(test, gpadl->page_count, 26 + 28 * 3 + 5);
	KUNIT_EXPECT_EQ(test, gpadl->state, VMB_GPADL_CREATED);
	KUNIT_EXPECT_EQ(test, sim->server->gpadl_bytes,
			sizeof(struct vmb_gpadl) + 8 + 8 * (26 + 89));
}

/* Bodies: none before the header, none after CREATED, none too long. */
static void gpadl_bodies(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	u8 buf[VMB_MSG_MAX_SIZE];
	size_t len;
	int ret;

	len = gpadl_body_msg(buf, 5, 2, 0);
	KUNIT_EXPECT_EQ(test, -ENOENT, sim_send(sim, 1, buf, len));

	/* 30 frames: 26 in the header, then a body with 28 is 24 too many. */
	len = gpadl_header_msg(buf, 1, 5, 8 + 30 * 8, 1, 30 * 4096, 0, 26, 0);
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, buf, len));
	KUNIT_EXPECT_EQ(test, sim->posted, 0);
	len = gpadl_body_msg(buf, 5, 28, 0);
	KUNIT_EXPECT_EQ(test, -EINVAL, sim_send(sim, 1, buf, len));
	KUNIT_EXPECT_EQ(test, created_status(sim, 1, 5),
			VMB_STATUS_UNSUCCESSFUL);

	/* Again, with a body that is not whole words. */
	len = gpadl_header_msg(buf, 1, 5, 8 + 30 * 8, 1, 30 * 4096, 0, 26, 0);
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, buf, len));
	len = gpadl_body_msg(buf, 5, 1, 4);
	KUNIT_EXPECT_EQ(test, -EINVAL, sim_send(sim, 1, buf, len));

	/* And right: then a surplus body finds nothing in progress. */
	len = gpadl_header_msg(buf, 1, 5, 8 + 30 * 8, 1, 30 * 4096, 0, 26, 0);
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, buf, len));
	len = gpadl_body_msg(buf, 5, 4, 0);
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, buf, len));
	KUNIT_EXPECT_EQ(test, created_status(sim, 1, 5), 0);
	sim->count = 0;
	ret = sim_send(sim, 1, buf, len);
	KUNIT_EXPECT_EQ(test, ret, -ENOENT);
	KUNIT_EXPECT_EQ(test, sim->count, 0);
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_GPADL], 4);
}

/* An id in use is refused; the GPADL that has it is left alone. */
static void gpadl_duplicate_ids(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	u8 buf[VMB_MSG_MAX_SIZE];
	size_t len;

	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 9, 4), 0);
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 9, 4), VMB_STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, 0, sim_teardown(sim, 1, 9));

	/* In progress: the duplicate fails, the first still completes. */
	len = gpadl_header_msg(buf, 1, 10, 8 + 30 * 8, 1, 30 * 4096, 0, 26, 0);
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, buf, len));
	KUNIT_EXPECT_EQ(test, -EEXIST, sim_send(sim, 1, buf, len));
	KUNIT_EXPECT_EQ(test, created_status(sim, 1, 10),
			VMB_STATUS_UNSUCCESSFUL);
	len = gpadl_body_msg(buf, 10, 4, 0);
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, buf, len));
	KUNIT_EXPECT_EQ(test, created_status(sim, 1, 10), 0);
}

/* Only an offered channel's relid can own a GPADL. */
static void gpadl_needs_offered_channel(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);

	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 2, 1, 1), VMB_STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 0, 1, 1), VMB_STATUS_UNSUCCESSFUL);
	vmb_server_channel_disable(ch);
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 1, 1), VMB_STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_RELID], 3);
	KUNIT_EXPECT_EQ(test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
}

/*
 * The bound is on memory, not on a count below what the protocol allows:
 * a 1 MiB ring GPADL for every relid there is, and a 31 MiB receive
 * buffer (the largest Linux netvsc asks for), fit together.
 */
static void gpadl_bound_fits_protocol(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	unsigned int i, created = 0;

	for (i = 0; i < VMB_MAX_RELID; i++) {
		sim->count = 0;
		created += sim_gpadl(sim, 1, 0x1000 + i, 256) == 0;
	}
	KUNIT_EXPECT_EQ(test, created, VMB_MAX_RELID);
	sim->count = 0;
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 1, 31 * 256), 0);
	KUNIT_EXPECT_LE(test, sim->server->gpadl_bytes,
			VMB_SERVER_MAX_GPADL_BYTES);
}

/* Nor hold more range data than the budget, even in GPADLs in progress. */
static void gpadl_bytes_bounded(struct kunit *test)
{
	const unsigned int big = 8 + 8190 * 8;	/* the largest range_buflen */
	const unsigned int cost = sizeof(struct vmb_gpadl) + big;
	const unsigned int fit = VMB_SERVER_MAX_GPADL_BYTES / cost;
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	u8 buf[VMB_MSG_MAX_SIZE];
	unsigned int i;
	size_t len;
	int ret;

	for (i = 0; i < fit; i++) {
		len = gpadl_header_msg(buf, 1, i, big, 1, 8190 * 4096, 0, 26,
				       0);
		KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, buf, len));
	}
	KUNIT_EXPECT_EQ(test, sim->posted, 0);
	len = gpadl_header_msg(buf, 1, i, big, 1, 8190 * 4096, 0, 26, 0);
	ret = sim_send(sim, 1, buf, len);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, created_status(sim, 1, i),
			VMB_STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, sim->server->gpadl_bytes, fit * cost);
}

static void gpadl_teardown_rules(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	const struct vmb_msg_gpadl_torndown *td;
	u8 buf[VMB_MSG_MAX_SIZE];
	size_t len;

	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 3, 2), 0);
	KUNIT_EXPECT_EQ(test, -ENOENT, sim_teardown(sim, 1, 4));
	KUNIT_EXPECT_EQ(test, -ENOENT, sim_teardown(sim, 2, 3));
	KUNIT_EXPECT_EQ(test, 0, sim_teardown(sim, 1, 3));
	td = sim_last(sim, VMB_MSG_GPADL_TORNDOWN, sizeof(*td));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(td->gpadl), 3);
	KUNIT_EXPECT_EQ(test, -ENOENT, sim_teardown(sim, 1, 3));
	/* The id is free again. */
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 3, 2), 0);

	/* A GPADL still in progress cannot be torn down. */
	len = gpadl_header_msg(buf, 1, 11, 8 + 30 * 8, 1, 30 * 4096, 0, 26, 0);
	KUNIT_EXPECT_EQ(test, 0, sim_send(sim, 1, buf, len));
	KUNIT_EXPECT_EQ(test, -ENOENT, sim_teardown(sim, 1, 11));
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_GPADL], 4);
}

/* The ring of an open channel is torn down only after the close. */
static void gpadl_teardown_waits_for_close(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);
	u32 ring = 0x100 + 1;

	sim_open_channel(sim, ch);
	sim->count = 0;
	KUNIT_EXPECT_EQ(test, 0, sim_teardown(sim, 1, ring));
	KUNIT_EXPECT_EQ(test, sim->count, 0);
	/* Still open, still the guest's ring. */
	KUNIT_EXPECT_EQ(test, -EBUSY, sim_open(sim, 1, ring, 4, 0));
	sim->count = 0;
	KUNIT_EXPECT_EQ(test, 0, sim_send_relid(sim, VMB_MSG_CLOSECHANNEL, 1));
	KUNIT_ASSERT_EQ(test, sim->count, 1);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 0), VMB_MSG_GPADL_TORNDOWN);
	KUNIT_EXPECT_EQ(test, sim_le32_at(sim, 0, 8), ring);
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->gpadls));
}

/* A rescind closes the channel: a pending teardown completes first. */
static void gpadl_teardown_then_rescind(struct kunit *test)
{
	struct vmb_channel *ch;
	struct sim_guest *sim = gpadl_setup(test, &ch);

	sim_open_channel(sim, ch);
	KUNIT_EXPECT_EQ(test, 0, sim_teardown(sim, 1, 0x101));
	sim->count = 0;
	sim_disable(sim, ch);
	KUNIT_ASSERT_EQ(test, sim->count, 2);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 0), VMB_MSG_GPADL_TORNDOWN);
	KUNIT_EXPECT_EQ(test, sim_msg_type(sim, 1),
			VMB_MSG_RESCIND_CHANNELOFFER);
	KUNIT_EXPECT_EQ(test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
}

/* GPADLs the guest left behind go with RELID_RELEASED, UNLOAD, destroy. */
static void gpadls_forgotten_with_guest(struct kunit *test)
{
	struct vmb_channel *ch, *other;
	struct sim_guest *sim = gpadl_setup(test, &ch);

	other = sim_channel_enabled(sim, 2);
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 1, 3), 0);
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 2, 2, 3), 0);
	vmb_server_channel_disable(ch);
	KUNIT_EXPECT_EQ(test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, 1));
	KUNIT_EXPECT_NULL(test, xa_load(&sim->server->gpadls, 1));
	KUNIT_EXPECT_NOT_NULL(test, xa_load(&sim->server->gpadls, 2));

	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 2, 3, 300), 0);
	sim->count = 0;
	KUNIT_EXPECT_EQ(test, 0, sim_send_type(sim, VMB_MSG_UNLOAD));
	/* No GPADL_TORNDOWN: the guest is gone. */
	KUNIT_EXPECT_EQ(test, sim->count, 1);
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->gpadls));
	KUNIT_EXPECT_EQ(test, sim->server->gpadl_bytes, 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&sim->server->gpadls));
	KUNIT_EXPECT_EQ(test, vmb_server_channel_relid(other), 2);
}

static void gpadl_needs_offers(struct kunit *test)
{
	struct sim_guest *sim = sim_guest_create(test);

	sim_channel_enabled(sim, 1);
	KUNIT_ASSERT_EQ(test, 0, sim_initiate_contact(sim, VMB_VERSION_WIN8));
	KUNIT_EXPECT_EQ(test, sim_gpadl(sim, 1, 1, 1), U32_MAX);
	KUNIT_EXPECT_EQ(test, sim->server->rejected[VMB_REJECT_STATE], 1);
}

static struct kunit_case vmb_gpadl_cases[] = {
	KUNIT_CASE_PARAM(gpadl_header_validation, header_gen_params),
	KUNIT_CASE(gpadl_multi_range),
	KUNIT_CASE(gpadl_empty_range),
	KUNIT_CASE(gpadl_multi_message),
	KUNIT_CASE(gpadl_bodies),
	KUNIT_CASE(gpadl_duplicate_ids),
	KUNIT_CASE(gpadl_needs_offered_channel),
	KUNIT_CASE(gpadl_bound_fits_protocol),
	KUNIT_CASE(gpadl_bytes_bounded),
	KUNIT_CASE(gpadl_teardown_rules),
	KUNIT_CASE(gpadl_teardown_waits_for_close),
	KUNIT_CASE(gpadl_teardown_then_rescind),
	KUNIT_CASE(gpadls_forgotten_with_guest),
	KUNIT_CASE(gpadl_needs_offers),
	{}
};

static struct kunit_suite vmb_gpadl_suite = {
	.name = "vmbus_server_gpadl",
	.test_cases = vmb_gpadl_cases,
};

kunit_test_suite(vmb_gpadl_suite);
