// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated guest behind the vmbus_server_* KUnit suites.
 */

#include <kunit/resource.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <linux/delay.h>
#include <linux/string.h>

#include "../channel.h"
#include "../connection.h"
#include "sim_guest.h"

MODULE_DESCRIPTION("KUnit suites of the VMBus server");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMBUS_SERVER);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

const guid_t sim_type_guid = GUID_INIT(0xda0a7802, 0xe377, 0x4aac, 0x8e, 0x77,
				       0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8);

const u32 sim_session_versions[4] = {
	VMB_VERSION_WIN8, VMB_VERSION_WIN10, VMB_VERSION_WIN10_V5,
	VMB_VERSION_WIN10_V5_3,
};

/* KUnit parameter description of a protocol version: "major.minor". */
void sim_version_desc(const u32 *version, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u.%u", *version >> 16,
		 *version & 0xffff);
}

static int sim_take_message(struct sim_guest *sim, u32 target_vp, u8 sint,
			    const void *msg, size_t len)
{
	/*
	 * May run in a channel's work: an assertion here would end that
	 * worker, not the test, so only expect.
	 */
	if (sim->busy)
		return -EAGAIN;
	if (sim->fail_with)
		return sim->fail_with;
	KUNIT_EXPECT_GE(sim->test, len, sizeof(struct vmb_msg_header));
	KUNIT_EXPECT_LE(sim->test, len, VMB_MSG_MAX_SIZE);
	sim->posted++;
	if (get_unaligned_le32(msg) == VMB_MSG_OPENCHANNEL_RESULT &&
	    !get_unaligned_le32(msg + 16))
		sim->opens_ok++;
	if (get_unaligned_le32(msg) == VMB_MSG_RESCIND_CHANNELOFFER &&
	    get_unaligned_le32(msg + 8) < BITS_PER_LONG)
		set_bit(get_unaligned_le32(msg + 8), &sim->rescinded);
	sim->target_vp = target_vp;
	sim->sint = sint;
	if (sim->count == SIM_GUEST_MAX_MSGS)
		return 0;
	sim->msgs[sim->count].len = len;
	memcpy(sim->msgs[sim->count].data, msg, len);
	sim->count++;
	return 0;
}

static int sim_post_message(struct vmb_server *server, u32 target_vp,
			    u8 sint, const void *msg, size_t len)
{
	struct sim_guest *sim = vmb_server_priv(server);
	int ret;

	atomic_inc(&sim->post_calls);
	atomic_inc(&sim->in_post);
	if (sim->post_delay_ms)
		msleep(sim->post_delay_ms);
	ret = sim_take_message(sim, target_vp, sint, msg, len);
	atomic_dec(&sim->in_post);
	return ret;
}

/* A frame of guest memory, allocated on first use; NULL without memory. */
struct page *sim_frame_page(struct sim_guest *sim, unsigned int frame)
{
	struct page *page;

	if (frame >= SIM_GUEST_PAGES)
		return NULL;
	page = READ_ONCE(sim->mem[frame]);
	if (page)
		return page;
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (page && cmpxchg(&sim->mem[frame], NULL, page)) {
		__free_page(page);
		page = READ_ONCE(sim->mem[frame]);
	}
	return page;
}

static void sim_unmap_action(void *addr)
{
	vunmap(addr);
}

/* The guest's own view of @count frames, mapped once, for the test. */
void *sim_map_frames(struct sim_guest *sim, unsigned int frame,
		     unsigned int count)
{
	struct page *pages[16];
	unsigned int i;
	void *addr;

	KUNIT_ASSERT_LE(sim->test, count, ARRAY_SIZE(pages));
	KUNIT_ASSERT_LE(sim->test, frame + count, SIM_GUEST_PAGES);
	for (i = 0; i < count; i++) {
		pages[i] = sim_frame_page(sim, frame + i);
		KUNIT_ASSERT_NOT_NULL(sim->test, pages[i]);
	}
	addr = vmap(pages, count, VM_MAP, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(sim->test, addr);
	KUNIT_ASSERT_EQ(sim->test, 0,
			kunit_add_action_or_reset(sim->test, sim_unmap_action,
						  addr));
	return addr;
}

static void sim_unpin(struct vmb_server *server, struct page **pages,
		      unsigned int count)
{
	struct sim_guest *sim = vmb_server_priv(server);
	unsigned int i;

	for (i = 0; i < count; i++)
		put_page(pages[i]);
	atomic_sub(count, &sim->pinned);
}

static int sim_pin(struct vmb_server *server, const u64 *gpfns,
		   unsigned int count, bool write, struct page **pages)
{
	struct sim_guest *sim = vmb_server_priv(server);
	unsigned int i;

	atomic_inc(&sim->pins);
	if (sim->pin_fail)
		return sim->pin_fail;
	for (i = 0; i < count; i++) {
		struct page *page = NULL;

		if (gpfns[i] >= SIM_GPFN_BASE)
			page = sim_frame_page(sim, gpfns[i] - SIM_GPFN_BASE);
		if (!page) {
			atomic_add(i, &sim->pinned);
			sim_unpin(server, pages, i);
			return -EFAULT;
		}
		get_page(page);
		pages[i] = page;
	}
	atomic_add(count, &sim->pinned);
	return 0;
}

static void sim_signal_guest(struct vmb_server *server, u32 child_relid,
			     u32 target_vp)
{
	struct sim_guest *sim = vmb_server_priv(server);

	WRITE_ONCE(sim->signal_relid, child_relid);
	atomic_inc(&sim->signals);
}

const struct vmb_server_transport_ops sim_ops = {
	.post_message = sim_post_message,
	.signal_guest = sim_signal_guest,
	.pin_guest_pages = sim_pin,
	.unpin_guest_pages = sim_unpin,
};

/* Note what a callback heard, in sim->events. */
void sim_event(struct vmb_channel *channel, const char *event)
{
	struct sim_guest *sim = vmb_server_channel_context(channel);

	strlcat(sim->events, sim->events[0] ? " " : "", sizeof(sim->events));
	strlcat(sim->events, event, sizeof(sim->events));
}

static int sim_opened(struct vmb_channel *channel)
{
	struct sim_guest *sim = vmb_server_channel_context(channel);

	sim_event(channel, sim->refuse_open ? "refused" : "opened");
	return sim->refuse_open ? -EPERM : 0;
}

static void sim_closed(struct vmb_channel *channel)
{
	struct sim_guest *sim = vmb_server_channel_context(channel);

	if (!vmb_server_channel_relid(channel))
		atomic_inc(&sim->closed_disabled);
	sim_event(channel, "closed");
}

static void sim_suspend(struct vmb_channel *channel)
{
	sim_event(channel, "suspend");
}

static void sim_started(struct vmb_channel *channel)
{
	sim_event(channel, "started");
}

static void sim_post_started(struct vmb_channel *channel)
{
	sim_event(channel, "post_started");
}

static const struct vmb_server_channel_callbacks sim_callbacks = {
	.opened = sim_opened,
	.closed = sim_closed,
	.suspend = sim_suspend,
	.started = sim_started,
	.post_started = sim_post_started,
};

/* The server goes first, as a VMM's teardown would; then the channels. */
static void sim_teardown_action(void *data)
{
	struct sim_guest *sim = data;
	unsigned int i;

	/* As a server's owner does: its devices go before it. */
	if (sim->server)
		vmb_server_device_remove_all(sim->server);
	vmb_server_destroy(sim->server);
	sim->server = NULL;
	for (i = 0; i < sim->nr_channels; i++)
		vmb_server_channel_free(sim->channels[i]);
	/* Every open ended: nothing of the guest's may stay pinned. */
	KUNIT_EXPECT_EQ(sim->test, atomic_read(&sim->pinned), 0);
	for (i = 0; i < SIM_GUEST_PAGES; i++)
		if (sim->mem[i])
			put_page(sim->mem[i]);
}

struct sim_guest *sim_guest_create(struct kunit *test)
{
	struct sim_guest *sim;
	int ret;

	sim = kunit_kzalloc(test, sizeof(*sim), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sim);
	sim->test = test;
	sim->server = vmb_server_create(&sim_ops, sim);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sim->server);
	ret = kunit_add_action_or_reset(test, sim_teardown_action, sim);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return sim;
}

/*
 * End it all now, as the end of the test would: server, channels, and the
 * check that nothing of the guest's stays pinned.
 */
void sim_guest_release(struct sim_guest *sim)
{
	kunit_release_action(sim->test, sim_teardown_action, sim);
}

/* Destroy the server now; the channels stay until the test ends. */
void sim_guest_destroy_now(struct sim_guest *sim)
{
	vmb_server_destroy(sim->server);
	sim->server = NULL;
}

/* A channel bound to the server, with an interface, not enabled. */
struct vmb_channel *sim_channel(struct sim_guest *sim, u8 instance)
{
	struct kunit *test = sim->test;
	struct vmb_channel *channel;
	guid_t inst = GUID_INIT(0x5eed0000 + instance, 0x1234, 0x5678,
				0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44);
	int ret;

	KUNIT_ASSERT_LT(test, sim->nr_channels, SIM_GUEST_MAX_CHANNELS);
	channel = vmb_server_channel_alloc();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, channel);
	sim->channels[sim->nr_channels++] = channel;
	ret = vmb_server_channel_init_set_server(channel, sim->server);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = vmb_server_channel_init_set_interface(channel, &sim_type_guid,
						    &inst);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = vmb_server_channel_init_set_callbacks(channel, &sim_callbacks,
						    sim);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return channel;
}

struct vmb_channel *sim_channel_enabled(struct sim_guest *sim, u8 instance)
{
	struct vmb_channel *channel = sim_channel(sim, instance);

	KUNIT_ASSERT_EQ(sim->test, 0, vmb_server_channel_enable(channel));
	return channel;
}

/* Free a channel now rather than when the test ends. */
void sim_channel_free_now(struct sim_guest *sim, struct vmb_channel *channel)
{
	unsigned int i;

	for (i = 0; i < sim->nr_channels; i++) {
		if (sim->channels[i] != channel)
			continue;
		sim->channels[i] = sim->channels[--sim->nr_channels];
		vmb_server_channel_free(channel);
		return;
	}
	KUNIT_FAIL(sim->test, "channel not made by sim_channel()");
}

/*
 * Let every channel's work run to its end: the callbacks the last calls
 * asked for have returned and their replies are out (or queued).
 */
void sim_settle(struct sim_guest *sim)
{
	flush_workqueue(vmb_wq);
}

/* Whether the guest has the channel open, as the server answered it. */
bool sim_is_open(struct vmb_channel *channel)
{
	return READ_ONCE(channel->guest_open) == VMB_GUEST_OPEN;
}

/*
 * Disable a channel and let what it queued reach the guest.  Disable
 * returns with the rescind queued; the channel's work may still be handing
 * it to the transport (a vmb_tx() that finds another sender leaves it to
 * that one).
 */
void sim_disable(struct sim_guest *sim, struct vmb_channel *channel)
{
	vmb_server_channel_disable(channel);
	sim_settle(sim);
}

/* Disable an offered channel the way a guest driver answers it. */
void sim_disable_released(struct sim_guest *sim, struct vmb_channel *channel)
{
	u32 relid = vmb_server_channel_relid(channel);

	sim_disable(sim, channel);
	KUNIT_EXPECT_EQ(sim->test, sim_msg_type(sim, sim->count - 1),
			VMB_MSG_RESCIND_CHANNELOFFER);
	KUNIT_EXPECT_EQ(sim->test, 0,
			sim_send_relid(sim, VMB_MSG_RELID_RELEASED, relid));
}

/*
 * Deliver a guest message and let the channels' work answer it (unless
 * @sim->no_settle).
 */
int sim_send(struct sim_guest *sim, u32 conn_id, const void *msg, size_t len)
{
	int ret = vmb_server_deliver_guest_message(sim->server, conn_id, msg,
						   len);

	if (!sim->no_settle)
		sim_settle(sim);
	return ret;
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
		      VMB_MESSAGE_CONNECTION_ID_4 : VMB_MESSAGE_CONNECTION_ID;

	if (version >= VMB_VERSION_WIN10_V5)
		ic.msg_sint = 2;
	return sim_send(sim, conn_id, &ic, sizeof(ic));
}

/* Negotiate @version and ask for offers; the recorded messages are cleared. */
void sim_connect(struct sim_guest *sim, u32 version)
{
	KUNIT_ASSERT_EQ(sim->test, 0, sim_initiate_contact(sim, version));
	KUNIT_ASSERT_EQ(sim->test, 0, sim_send_type(sim, VMB_MSG_REQUESTOFFERS));
	sim->count = 0;
}

/* Frames per message, as Linux packs them: 26 in the header, 28 a body. */
#define SIM_HEADER_PFNS 26
#define SIM_BODY_PFNS 28

/*
 * Frames wrap around the guest memory.  A frame given to a new GPADL is
 * cleared, as a guest clears its ring pages, unless an open still pins it.
 */
static u64 sim_gpfn(struct sim_guest *sim, unsigned int frame)
{
	struct page *page = READ_ONCE(sim->mem[frame % SIM_GUEST_PAGES]);

	if (page && page_ref_count(page) == 1)
		clear_highpage(page);
	return SIM_GPFN_BASE + frame % SIM_GUEST_PAGES;
}

/*
 * A single-range GPADL of @pages frames, sent the way Linux sends it.
 * Returns the status of the GPADL_CREATED that answered, or U32_MAX when
 * none did.
 */
u32 sim_gpadl(struct sim_guest *sim, u32 relid, u32 id, u32 pages)
{
	u8 buf[VMB_MSG_MAX_SIZE] = {};
	struct vmb_msg_gpadl_header *hdr = (void *)buf;
	struct vmb_msg_gpadl_body *body = (void *)buf;
	struct vmb_gpa_range *range = (void *)(hdr + 1);
	unsigned int before = sim->posted, n, i, sent = 0;
	unsigned int first = sim->next_frame % SIM_GUEST_PAGES;

	hdr->header.msgtype = cpu_to_le32(VMB_MSG_GPADL_HEADER);
	hdr->child_relid = cpu_to_le32(relid);
	hdr->gpadl = cpu_to_le32(id);
	hdr->range_buflen = cpu_to_le16(sizeof(*range) + pages * sizeof(u64));
	hdr->range_count = cpu_to_le16(1);
	range->byte_count = cpu_to_le32(pages * 4096);
	n = min(pages, SIM_HEADER_PFNS);
	sim->last_frame = first;
	sim->next_frame = first + pages;
	for (i = 0; i < n; i++, sent++)
		range->pfn[i] = cpu_to_le64(sim_gpfn(sim, first + sent));
	sim_send(sim, 1, buf, sizeof(*hdr) + sizeof(*range) + n * sizeof(u64));

	while (sent < pages) {
		memset(buf, 0, sizeof(buf));
		body->header.msgtype = cpu_to_le32(VMB_MSG_GPADL_BODY);
		body->gpadl = cpu_to_le32(id);
		n = min(pages - sent, SIM_BODY_PFNS);
		for (i = 0; i < n; i++, sent++)
			body->pfn[i] = cpu_to_le64(sim_gpfn(sim, first + sent));
		sim_send(sim, 1, buf, sizeof(*body) + n * sizeof(u64));
	}
	if (sim->posted == before ||
	    sim_msg_type(sim, sim->count - 1) != VMB_MSG_GPADL_CREATED)
		return U32_MAX;
	return sim_le32_at(sim, sim->count - 1, 16);
}

int sim_teardown(struct sim_guest *sim, u32 relid, u32 id)
{
	struct vmb_msg_gpadl_teardown msg = {
		.header.msgtype = cpu_to_le32(VMB_MSG_GPADL_TEARDOWN),
		.child_relid = cpu_to_le32(relid),
		.gpadl = cpu_to_le32(id),
	};

	return sim_send(sim, 1, &msg, sizeof(msg));
}

int sim_open(struct sim_guest *sim, u32 relid, u32 gpadl, u32 offset,
	     u32 target_vp)
{
	struct vmb_msg_open_channel msg = {
		.header.msgtype = cpu_to_le32(VMB_MSG_OPENCHANNEL),
		.child_relid = cpu_to_le32(relid),
		.open_id = cpu_to_le32(relid),
		.ring_gpadl = cpu_to_le32(gpadl),
		.target_vp = cpu_to_le32(target_vp),
		.downstream_ring_page_offset = cpu_to_le32(offset),
	};

	return sim_send(sim, 1, &msg, sizeof(msg));
}

/* The status of the newest OPENCHANNEL_RESULT. */
u32 sim_open_status(struct sim_guest *sim)
{
	const struct vmb_msg_open_result *res;

	res = sim_last(sim, VMB_MSG_OPENCHANNEL_RESULT, sizeof(*res));
	return le32_to_cpu(res->status);
}

/* Open an offered channel on an 8-page ring GPADL (id 0x100 + relid). */
void sim_open_channel(struct sim_guest *sim, struct vmb_channel *channel)
{
	u32 relid = vmb_server_channel_relid(channel);

	KUNIT_ASSERT_EQ(sim->test, sim_gpadl(sim, relid, 0x100 + relid, 8), 0);
	KUNIT_ASSERT_EQ(sim->test, sim_open(sim, relid, 0x100 + relid, 4, 0),
			0);
	KUNIT_ASSERT_EQ(sim->test, sim_open_status(sim), 0);
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
