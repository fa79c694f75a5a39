// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the data path (datapath.c) of an open channel, end to end: the
 * simulated guest opens a channel on a ring GPADL in its own memory and
 * drives the rings with guest_ring.c; a back-end takes the packets through
 * the exported packet API.
 */

#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/unaligned.h>

#include "../channel.h"
#include "overlap.h"
#include "packet_test.h"

#define REQ		VMB_PACKET_FLAG_COMPLETION_REQUESTED
#define QUEUE		VMB_SERVER_SEND_QUEUE

static u32 pt_sum(const u8 *data, u32 len)
{
	u32 h = 2166136261u, i;

	for (i = 0; i < len; i++)
		h = (h ^ data[i]) * 16777619u;
	return h ^ len;
}

static void pt_process_one(struct pt *pt, struct vmb_server_packet *packet,
			   const void *data, u32 len)
{
	unsigned int i;
	int ret;

	spin_lock(&pt->lock);
	i = pt->received++;
	if (i < PKT_MAX_PACKETS) {
		pt->lens[i] = len;
		pt->sums[i] = pt_sum(data, len);
	}
	while (pt->complete_on_next && pt->nr_held) {
		struct vmb_server_packet *held = pt->held[--pt->nr_held];

		spin_unlock(&pt->lock);
		KUNIT_EXPECT_EQ(pt->test,
				vmb_server_packet_complete(held, NULL, 0), 0);
		spin_lock(&pt->lock);
	}
	if (pt->fail_next) {
		pt->fail_next = false;
		spin_unlock(&pt->lock);
		vmb_server_packet_fail(packet);
		return;
	}
	if (pt->map_external) {
		struct vmb_server_mapping *map = NULL;
		unsigned int r;

		spin_unlock(&pt->lock);
		pt->ext_ret = vmb_server_packet_map_external(packet, &map);
		pt->maps_ok += !pt->ext_ret;
		if (pt->keep_maps) {
			/* Kept until the open ends, which unmaps them. */
			pt->maps_nospc += pt->ext_ret == -ENOSPC;
		} else if (!pt->ext_ret) {
			pt->ext_ranges = map->nr_ranges;
			for (r = 0; r < min(map->nr_ranges, 4u); r++) {
				pt->ext_len[r] = map->ranges[r].len;
				memcpy(pt->ext_head[r], map->ranges[r].addr, 8);
				pt->ext_tail[r] = ((u8 *)map->ranges[r].addr)
						  [map->ranges[r].len - 1];
			}
			vmb_server_unmap(map);
		}
		spin_lock(&pt->lock);
	}
	if (pt->hold && pt->nr_held < PKT_MAX_PACKETS) {
		pt->held_data[pt->nr_held] = data;
		pt->held[pt->nr_held++] = packet;
		spin_unlock(&pt->lock);
		return;
	}
	spin_unlock(&pt->lock);
	ret = vmb_server_packet_complete(packet, pt->reply, pt->reply_len);
	/* A completion cannot go out once the open ended meanwhile. */
	if (ret != -ENOTCONN)
		KUNIT_EXPECT_EQ(pt->test, ret, 0);
}

static void pt_process(struct vmb_channel *channel,
		       struct vmb_server_packet *packet, const void *data,
		       u32 len)
{
	struct sim_guest *sim = vmb_server_channel_context(channel);
	struct pt *pt = sim->backend;

	if (pt->par)
		vmb_overlap_enter(pt->par, 1);
	pt_process_one(pt, packet, data, len);
	if (pt->par)
		vmb_overlap_exit(pt->par, 1);
}

static void pt_batch(struct vmb_channel *channel, unsigned int count)
{
	struct sim_guest *sim = vmb_server_channel_context(channel);
	struct pt *pt = sim->backend;

	pt->batches++;
}

static const struct vmb_server_packet_callbacks pt_callbacks = {
	.process_packet = pt_process,
	.processing_complete = pt_batch,
};

static void pt_done(struct vmb_channel *channel, void *context, int status,
		    const void *data, u32 len)
{
	struct sim_guest *sim = vmb_server_channel_context(channel);
	struct pt *pt = sim->backend;

	pt->done_calls++;
	pt->done_status = status;
	pt->done_context = context;
	pt->done_len = len;
	if (data)
		memcpy(pt->done_data, data,
		       min_t(u32, len, sizeof(pt->done_data)));
}

/*
 * Let the channel's data work run to its end: until a flush finds it idle.
 * Not flush then work_pending(): a run queued by the last one may already
 * be running, no longer pending, when the flush returns.
 */
void pt_flush(struct pt *pt)
{
	while (flush_work(&pt->ch->dp.work))
		;
}

/* The guest signals the channel; the host works until it is done. */
void pt_signal(struct pt *pt)
{
	vmb_server_guest_signal(pt->sim->server,
				vmb_server_channel_connection_id(pt->ch));
	pt_flush(pt);
}

/* Signal the host as the guest's ring code asked, and let it work. */
static void pt_kick(struct pt *pt, unsigned int *seen)
{
	if (*seen == pt->to_host.signals + pt->to_guest.signals) {
		pt_flush(pt);
		return;
	}
	*seen = pt->to_host.signals + pt->to_guest.signals;
	pt_signal(pt);
}

bool pt_guest_send(struct pt *pt, u16 type, u16 flags, u64 trans_id,
		   const u8 *data, u32 len)
{
	unsigned int seen = pt->to_host.signals + pt->to_guest.signals;
	bool ok = gr_send(&pt->to_host, type, flags, trans_id, data, len);

	pt_kick(pt, &seen);
	return ok;
}

int pt_guest_recv(struct pt *pt, u8 *out, u32 room, u16 *type,
		  u16 *flags, u64 *trans_id)
{
	unsigned int seen = pt->to_host.signals + pt->to_guest.signals;
	int ret = gr_recv(pt->test, &pt->to_guest, out, room, type, flags,
			  trans_id);

	pt_kick(pt, &seen);
	return ret;
}

/*
 * Enable a channel with a test back-end: the simulated guest's state
 * callbacks unless @cb, and @pcb as packet callbacks (%NULL: none).  The
 * guest has not opened it.
 */
static struct pt *pt_create_with(struct kunit *test, u32 max_packet,
				 const struct vmb_server_channel_callbacks *cb,
				 const struct vmb_server_packet_callbacks *pcb)
{
	struct pt *pt = kunit_kzalloc(test, sizeof(*pt), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, pt);
	spin_lock_init(&pt->lock);
	pt->test = test;
	pt->sim = sim_guest_create(test);
	pt->sim->backend = pt;
	sim_connect(pt->sim, VMB_VERSION_WIN10_V5_3);
	pt->ch = sim_channel(pt->sim, 1);
	if (cb) {
		ret = vmb_server_channel_init_set_callbacks(pt->ch, cb,
							    pt->sim);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	if (pcb) {
		ret = vmb_server_channel_init_set_packet_callbacks(pt->ch,
								   pcb);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	if (max_packet) {
		ret = vmb_server_channel_init_set_max_packet_size(pt->ch,
								  max_packet);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(pt->ch));
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_start(pt->ch));
	pt->relid = vmb_server_channel_relid(pt->ch);
	return pt;
}

struct pt *pt_create(struct kunit *test, u32 max_packet)
{
	return pt_create_with(test, max_packet, NULL, &pt_callbacks);
}

/* The guest creates the ring GPADL and sets its rings up; not opened. */
u32 pt_ring_gpadl(struct pt *pt)
{
	struct sim_guest *sim = pt->sim;
	u32 id = 0x100 + sim->next_frame;
	unsigned int f;
	void *in, *out;

	KUNIT_ASSERT_EQ(pt->test, sim_gpadl(sim, pt->relid, id, PKT_PAGES), 0);
	f = sim->last_frame;
	in = sim_map_frames(sim, f + 1, PKT_OFFSET - 1);
	out = sim_map_frames(sim, f + PKT_OFFSET + 1, PKT_PAGES - PKT_OFFSET - 1);
	gr_init(&pt->to_host, page_address(sim_frame_page(sim, f)), in,
		PKT_RING_SIZE, 0);
	gr_init(&pt->to_guest,
		page_address(sim_frame_page(sim, f + PKT_OFFSET)), out,
		(PKT_PAGES - PKT_OFFSET - 1) * PAGE_SIZE, 0);
	return id;
}

void pt_open_gpadl(struct pt *pt, u32 id)
{
	KUNIT_ASSERT_EQ(pt->test, sim_open(pt->sim, pt->relid, id, PKT_OFFSET,
					   0), 0);
	sim_settle(pt->sim);
	KUNIT_ASSERT_EQ(pt->test, sim_open_status(pt->sim), 0);
	pt_flush(pt);
}

struct pt *pt_open(struct kunit *test, u32 max_packet)
{
	struct pt *pt = pt_create(test, max_packet);

	pt_open_gpadl(pt, pt_ring_gpadl(pt));
	return pt;
}

void pt_close(struct pt *pt)
{
	KUNIT_ASSERT_EQ(pt->test, sim_send_relid(pt->sim, VMB_MSG_CLOSECHANNEL,
						 pt->relid), 0);
	sim_settle(pt->sim);
}

/* --- mapping ------------------------------------------------------------ */

static void open_pins_ring(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);

	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), PKT_PAGES);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.in.size, PKT_RING_SIZE);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.out.size,
			(PKT_PAGES - PKT_OFFSET - 1) * PAGE_SIZE);
	/* Each ring's data is mapped twice back to back. */
	pt->to_host.buf[0] = 0x5a;
	KUNIT_EXPECT_EQ(test, pt->ch->dp.in.data[PKT_RING_SIZE], 0x5a);
	pt_close(pt);
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), 0);
	KUNIT_EXPECT_FALSE(test, pt->ch->dp.mapped);
}

/* Every way an open ends releases what it pinned. */
enum pt_end {
	PKT_END_CLOSE,
	PKT_END_TEARDOWN_WHILE_OPEN,
	PKT_END_UNLOAD,
	PKT_END_RECONNECT,
	PKT_END_DISABLE,
	PKT_END_RESET,
	PKT_END_DESTROY,
	PKT_END_REFUSED,
};

static const char * const pt_end_names[] = {
	"close", "teardown while open, then close", "unload", "reconnect",
	"disable", "vmb_server_reset", "destroy", "open refused by back-end",
};

static const enum pt_end pt_ends[] = {
	PKT_END_CLOSE, PKT_END_TEARDOWN_WHILE_OPEN, PKT_END_UNLOAD,
	PKT_END_RECONNECT, PKT_END_DISABLE, PKT_END_RESET, PKT_END_DESTROY,
	PKT_END_REFUSED,
};

static void pt_end_desc(const enum pt_end *e, char *desc)
{
	strscpy(desc, pt_end_names[*e], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pt_end, pt_ends, pt_end_desc);

static void unpinned_on_every_end(struct kunit *test)
{
	const enum pt_end *end = test->param_value;
	struct pt *pt = pt_create(test, 0);
	struct sim_guest *sim = pt->sim;
	u32 id = pt_ring_gpadl(pt);

	if (*end == PKT_END_REFUSED) {
		sim->refuse_open = true;
		sim_open(sim, pt->relid, id, PKT_OFFSET, 0);
		sim_settle(sim);
		KUNIT_EXPECT_NE(test, sim_open_status(sim), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&sim->pins), 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), 0);
		return;
	}
	pt_open_gpadl(pt, id);
	KUNIT_ASSERT_EQ(test, atomic_read(&sim->pinned), PKT_PAGES);
	switch (*end) {
	case PKT_END_CLOSE:
		pt_close(pt);
		break;
	case PKT_END_TEARDOWN_WHILE_OPEN:
		sim_teardown(sim, pt->relid, id);
		sim_settle(sim);
		KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), PKT_PAGES);
		pt_close(pt);
		break;
	case PKT_END_UNLOAD:
		sim_send_type(sim, VMB_MSG_UNLOAD);
		sim_settle(sim);
		break;
	case PKT_END_RECONNECT:
		sim_initiate_contact(sim, VMB_VERSION_WIN10_V5_3);
		sim_settle(sim);
		break;
	case PKT_END_DISABLE:
		vmb_server_channel_disable(pt->ch);
		break;
	case PKT_END_RESET:
		KUNIT_EXPECT_EQ(test, vmb_server_reset(sim->server), 0);
		break;
	case PKT_END_DESTROY:
		sim_guest_destroy_now(sim);
		break;
	case PKT_END_REFUSED:
		break;
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), 0);
	KUNIT_EXPECT_FALSE(test, pt->ch->dp.mapped);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, "x", 1, 0, NULL,
						     NULL), -ENOTCONN);
}

static void pin_failure_refuses_open(struct kunit *test)
{
	struct pt *pt = pt_create(test, 0);
	u32 id = pt_ring_gpadl(pt);

	pt->sim->pin_fail = -EFAULT;
	sim_open(pt->sim, pt->relid, id, PKT_OFFSET, 0);
	sim_settle(pt->sim);
	KUNIT_EXPECT_NE(test, sim_open_status(pt->sim), 0);
	KUNIT_EXPECT_STREQ(test, pt->sim->events, "");
	/* The GPADL is free for the next try, which succeeds. */
	pt->sim->pin_fail = 0;
	pt_open_gpadl(pt, id);
	KUNIT_EXPECT_STREQ(test, pt->sim->events, "opened started post_started");
}

/* A guest that set up an index outside its ring gets a failed open. */
static void bad_ring_start_refuses_open(struct kunit *test)
{
	struct pt *pt = pt_create(test, 0);
	u32 id = pt_ring_gpadl(pt);

	pt->to_host.ctl->read_index = cpu_to_le32(12);
	sim_open(pt->sim, pt->relid, id, PKT_OFFSET, 0);
	sim_settle(pt->sim);
	KUNIT_EXPECT_NE(test, sim_open_status(pt->sim), 0);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.faults[VMB_DP_BAD_START], 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), 0);
}

/* The answer to the open is followed by a signal of the channel. */
static void signal_after_open_result(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);

	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->signals), 1);
	KUNIT_EXPECT_EQ(test, pt->sim->signal_relid, pt->relid);
}

/*
 * The open's answer waits in the queue (the guest's message slot is busy)
 * while the guest closes the channel: when the answer goes out, no signal
 * follows it for the open that ended.  Signals are raised under the data
 * path's lock, which knows.
 */
static void no_signal_after_open_ended(struct kunit *test)
{
	struct pt *pt = pt_create(test, 0);
	struct sim_guest *sim = pt->sim;
	u32 ring = pt_ring_gpadl(pt);
	int signals;

	sim->busy = true;
	KUNIT_ASSERT_EQ(test, sim_open(sim, pt->relid, ring, PKT_OFFSET, 0),
			0);
	sim_settle(sim);
	KUNIT_ASSERT_TRUE(test, sim_is_open(pt->ch));
	KUNIT_ASSERT_EQ(test, sim_send_relid(sim, VMB_MSG_CLOSECHANNEL,
					     pt->relid), 0);
	sim_settle(sim);
	signals = atomic_read(&sim->signals);
	sim->count = 0;
	sim->busy = false;
	vmb_server_transport_ready(sim->server);
	sim_settle(sim);
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_OPENCHANNEL_RESULT),
			1);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->signals), signals);
}

/* --- receive ------------------------------------------------------------ */

static void recv_every_size(struct kunit *test)
{
	struct pt *pt = pt_open(test, PACKET_LIMIT);
	u8 *data = kunit_kmalloc(test, PKT_RING_SIZE, GFP_KERNEL);
	static u8 padded[PKT_RING_SIZE];
	u32 len, max = PKT_RING_SIZE - 32, n = 0;

	KUNIT_ASSERT_NOT_NULL(test, data);
	for (len = 0; len < PKT_RING_SIZE; len++)
		data[len] = len * 13 + 1;
	for (len = 0; len <= max; len += 1 + len / 64, n++) {
		/* In-band payloads are whole 8-byte units: zero padding. */
		memset(padded, 0, sizeof(padded));
		memcpy(padded, data, len);
		KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND,
						      0, n, data, len));
		KUNIT_ASSERT_EQ(test, pt->received, n + 1);
		KUNIT_EXPECT_EQ(test, pt->lens[n % PKT_MAX_PACKETS],
				round_up(len, 8));
		KUNIT_EXPECT_EQ(test, pt->sums[n % PKT_MAX_PACKETS],
				pt_sum(padded, round_up(len, 8)));
	}
	kunit_info(test, "%u sizes from 0 to %u, %u signals from the guest\n",
		   n, max, pt->to_host.signals);
	/* Each packet was read at once: the guest never waited. */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pt->to_host.ctl->read_index),
			le32_to_cpu(pt->to_host.ctl->write_index));
	KUNIT_EXPECT_EQ(test, pt->ch->dp.packets_in, n);
}

/*
 * The back-end gets a copy, taken out of the ring at once: the room is the
 * guest's again while the packet is held, and what the guest writes there
 * does not show.
 */
static void recv_copy_is_stable(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	u8 data[24] = "abcdefghijklmnopqrstuvw";

	pt->hold = true;
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 1,
					      data, sizeof(data)));
	KUNIT_ASSERT_EQ(test, pt->nr_held, 1);
	KUNIT_EXPECT_EQ(test, pt->held_data[0][0], 'a');
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pt->to_host.ctl->read_index),
			le32_to_cpu(pt->to_host.ctl->write_index));
	pt->to_host.buf[16] = 'Z';	/* after the 16-byte descriptor */
	KUNIT_EXPECT_EQ(test, pt->held_data[0][0], 'a');
	KUNIT_EXPECT_EQ(test, memcmp(pt->held_data[0], data, sizeof(data)), 0);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_complete(pt->held[0], NULL, 0),
			0);
}

/*
 * Packets completed out of order: all were read out of the ring when they
 * were taken, and each completion goes to the guest as it is made.
 */
static void recv_out_of_order(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	u16 type, flags;
	u8 data[40] = {};
	u32 read0;
	u64 id;
	int i;

	pt->hold = true;
	read0 = le32_to_cpu(pt->to_host.ctl->read_index);
	/* As a guest does: it signals the first only. */
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_TRUE(test, gr_send(&pt->to_host,
						VMB_PACKET_DATA_INBAND, REQ, i,
						data, 40));
	KUNIT_EXPECT_EQ(test, pt->to_host.signals, 1);
	pt_signal(pt);
	KUNIT_ASSERT_EQ(test, pt->nr_held, 4);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pt->to_host.ctl->read_index),
			read0 + 4 * (16 + 40 + 8));
	for (i = 3; i >= 0; i--) {
		KUNIT_EXPECT_EQ(test, vmb_server_packet_complete(pt->held[i],
								 NULL, 0), 0);
		KUNIT_ASSERT_EQ(test, pt_guest_recv(pt, data, sizeof(data),
						    &type, &flags, &id), 0);
		KUNIT_EXPECT_EQ(test, type, VMB_PACKET_COMPLETION);
		KUNIT_EXPECT_EQ(test, id, i);
	}
}

struct pt_timer {
	struct hrtimer timer;
	struct vmb_server_packet *packet;
	int ret;
	bool hardirq;
};

static enum hrtimer_restart pt_timer_fn(struct hrtimer *timer)
{
	struct pt_timer *t = container_of(timer, struct pt_timer, timer);

	t->hardirq = in_hardirq() || irqs_disabled();
	t->ret = vmb_server_packet_complete(t->packet, "late", 4);
	return HRTIMER_NORESTART;
}

/* A back-end completes from another context: a timer's interrupt. */
static void complete_from_timer(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	struct pt_timer t = { .ret = 1 };
	u8 out[16];
	u16 type, flags;
	u64 id;

	pt->hold = true;
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, REQ,
					      77, "req", 3));
	KUNIT_ASSERT_EQ(test, pt->nr_held, 1);
	t.packet = pt->held[0];
	hrtimer_init(&t.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	t.timer.function = pt_timer_fn;
	hrtimer_start(&t.timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	while (hrtimer_active(&t.timer))
		usleep_range(1000, 2000);
	hrtimer_cancel(&t.timer);
	KUNIT_EXPECT_EQ(test, t.ret, 0);
	KUNIT_EXPECT_TRUE(test, t.hardirq);
	KUNIT_ASSERT_EQ(test, pt_guest_recv(pt, out, sizeof(out), &type,
					    &flags, &id), 8);
	KUNIT_EXPECT_EQ(test, type, VMB_PACKET_COMPLETION);
	KUNIT_EXPECT_EQ(test, id, 77);
	KUNIT_EXPECT_EQ(test, memcmp(out, "late", 4), 0);
}

/* A completion goes back only when the guest asked for one. */
static void completion_only_when_requested(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	u8 out[32];
	u16 type, flags;
	u64 id;

	memcpy(pt->reply, "response", 8);
	pt->reply_len = 8;
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 5,
					      "a", 1));
	KUNIT_EXPECT_EQ(test, pt_guest_recv(pt, out, sizeof(out), &type,
					    &flags, &id), -1);
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, REQ,
					      6, "b", 1));
	KUNIT_ASSERT_EQ(test, pt_guest_recv(pt, out, sizeof(out), &type,
					    &flags, &id), 8);
	KUNIT_EXPECT_EQ(test, type, VMB_PACKET_COMPLETION);
	KUNIT_EXPECT_EQ(test, id, 6);
	KUNIT_EXPECT_EQ(test, memcmp(out, "response", 8), 0);
}

/* While the host reads the ring it masks the guest's signals. */
static void recv_masks_while_reading(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	unsigned int before;

	pt->hold = true;
	before = pt->to_host.signals;
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 1,
					      "a", 1));
	KUNIT_EXPECT_EQ(test, pt->to_host.signals, before + 1);
	/*
	 * Idle again: unmasked, and the ring read out although the packet is
	 * held, so the next packet is signalled.
	 */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pt->to_host.ctl->interrupt_mask), 0);
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 2,
					      "b", 1));
	KUNIT_EXPECT_EQ(test, pt->to_host.signals, before + 2);
	KUNIT_EXPECT_EQ(test, pt->nr_held, 2);
	vmb_server_packet_complete(pt->held[0], NULL, 0);
	vmb_server_packet_complete(pt->held[1], NULL, 0);
}

/*
 * The back-end holds packet A and completes it only once B came, as
 * netvsc's receive-buffer completions wait for later packets of the same
 * ring.  The guest signals as Linux's ring_buffer.c does, only a write
 * into an empty ring: a host that kept A in the ring until its completion
 * would never hear of B, and both sides would wait for ever.
 */
static void held_packet_does_not_hide_next(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	unsigned int before = pt->to_host.signals;
	u16 type, flags;
	u8 out[16];
	u64 id;

	pt->hold = true;
	pt->complete_on_next = true;
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, REQ,
					      1, "A", 1));
	KUNIT_ASSERT_EQ(test, pt->nr_held, 1);
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, REQ,
					      2, "B", 1));
	/* B went into an empty ring, so the guest signalled it. */
	KUNIT_EXPECT_EQ(test, pt->to_host.signals, before + 2);
	KUNIT_EXPECT_EQ(test, pt->received, 2);
	KUNIT_ASSERT_EQ(test, pt_guest_recv(pt, out, sizeof(out), &type,
					    &flags, &id), 0);
	KUNIT_EXPECT_EQ(test, type, VMB_PACKET_COMPLETION);
	KUNIT_EXPECT_EQ(test, id, 1);
	KUNIT_ASSERT_EQ(test, pt->nr_held, 1);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_complete(pt->held[0], NULL, 0),
			0);
	KUNIT_ASSERT_EQ(test, pt_guest_recv(pt, out, sizeof(out), &type,
					    &flags, &id), 0);
	KUNIT_EXPECT_EQ(test, id, 2);
}

/*
 * A back-end holding every slot stops the parsing, not the guest: what
 * is beyond stays in the guest's ring until a slot comes free.
 */
static void recv_slots_bound(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	unsigned int i, sent = 0;
	u32 read0;

	pt->hold = true;
	read0 = le32_to_cpu(pt->to_host.ctl->read_index);
	while (sent < VMB_RX_SLOTS + 16 &&
	       gr_send(&pt->to_host, VMB_PACKET_DATA_INBAND, 0, sent, NULL, 0))
		sent++;
	KUNIT_ASSERT_EQ(test, sent, VMB_RX_SLOTS + 16);
	pt_signal(pt);
	KUNIT_EXPECT_EQ(test, pt->nr_held, VMB_RX_SLOTS);
	/* An empty packet: a descriptor and a trailer. */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pt->to_host.ctl->read_index),
			read0 + VMB_RX_SLOTS * (16 + 8));
	/* One slot free: the rest pass through it, completed at once. */
	pt->hold = false;
	vmb_server_packet_complete(pt->held[0], NULL, 0);
	pt_flush(pt);
	KUNIT_EXPECT_EQ(test, pt->received, VMB_RX_SLOTS + 16);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pt->to_host.ctl->read_index),
			le32_to_cpu(pt->to_host.ctl->write_index));
	for (i = 1; i < VMB_RX_SLOTS; i++)
		vmb_server_packet_complete(pt->held[i], NULL, 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(pt->ch->dp.rx_taken,
					     VMB_RX_SLOTS));
}

struct pt_rxflood {
	const char *name;
	bool backend;		/* else no packet callbacks: completed empty */
	bool eight_bytes;	/* the guest leaves its ring 8 bytes of room */
};

static const struct pt_rxflood pt_rxfloods[] = {
	{ "guest ring full, back-end", true, false },
	{ "8 bytes of room, back-end", true, true },
	{ "guest ring full, no packet callbacks", false, false },
	{ "8 bytes of room, no packet callbacks", false, true },
};

KUNIT_ARRAY_PARAM_DESC(pt_rxflood, pt_rxfloods, name);

/* The flood goes on until the guest found its ring full this often. */
#define PT_FLOOD_STALLS		256
/* ... or for this long, which only a host that keeps taking reaches. */
#define PT_FLOOD_MAX_MS		20000

/*
 * A guest that never reads its own ring sends packets asking for
 * completions, signalling even when its ring is full, until it stalled
 * PT_FLOOD_STALLS times (at most PT_FLOOD_MAX_MS).
 * Each completion waits in the host's queue holding its packet's slot, so
 * the host takes VMB_RX_SLOTS packets and no more: the host holds at most
 * VMB_RX_SLOTS queued completions and the guest's own ring fills.  Once
 * the guest reads, everything flows again.
 */
static void completion_flood_stalls_guest(struct kunit *test)
{
	const struct pt_rxflood *f = test->param_value;
	struct pt *pt = pt_create_with(test, 0, NULL,
				       f->backend ? &pt_callbacks : NULL);
	u64 until, sent = 0, stalls = 0, in, sends, written;
	unsigned int queued = 0, tries;
	struct list_head *e;
	u16 type, flags;
	u8 out[256];
	u32 w;
	u64 id;

	pt_open_gpadl(pt, pt_ring_gpadl(pt));
	if (f->eight_bytes) {
		w = le32_to_cpu(pt->to_guest.ctl->write_index);
		pt->to_guest.ctl->read_index =
			cpu_to_le32((w + 8) % pt->to_guest.size);
	} else {
		while (!vmb_server_packet_send(pt->ch, out, 200, 0, NULL,
					       NULL))
			;
	}
	sends = pt->ch->dp.packets_out;
	until = ktime_get_ns() + PT_FLOOD_MAX_MS * NSEC_PER_MSEC;
	while (stalls < PT_FLOOD_STALLS && ktime_get_ns() < until) {
		if (gr_send(&pt->to_host, VMB_PACKET_DATA_INBAND, REQ, sent,
			    "flood", 5))
			sent++;
		else
			stalls++;
		pt_signal(pt);
	}
	in = pt->ch->dp.packets_in;
	/* Completions that fit in what room the guest's ring had left. */
	written = pt->ch->dp.packets_out - sends;
	list_for_each(e, &pt->ch->dp.txq)
		queued++;
	kunit_info(test, "%llu packets sent, %llu stalls, %llu taken, %llu completions written, %u queued\n",
		   sent, stalls, in, written, queued);
	KUNIT_EXPECT_EQ(test, in, VMB_RX_SLOTS + written);
	KUNIT_EXPECT_LT(test, written * 24, 200 + 24);
	KUNIT_EXPECT_EQ(test, queued, VMB_RX_SLOTS);
	KUNIT_EXPECT_TRUE(test, bitmap_full(pt->ch->dp.rx_taken,
					    VMB_RX_SLOTS));
	/* The guest is the one that stalled. */
	KUNIT_EXPECT_EQ(test, stalls, PT_FLOOD_STALLS);
	KUNIT_EXPECT_FALSE(test, pt->ch->dp.failed);

	/* The guest reads its ring: completions go out, packets come in. */
	if (f->eight_bytes)
		pt->to_guest.ctl->read_index = pt->to_guest.ctl->write_index;
	for (tries = 0; pt->ch->dp.packets_in < sent && tries < 100000;
	     tries++)
		if (pt_guest_recv(pt, out, sizeof(out), &type, &flags,
				  &id) < 0)
			pt_signal(pt);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.packets_in, sent);
}

/* Packets still held when suspend returns are taken back. */
static void suspend_reclaims_held(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);

	pt->hold = true;
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 1,
					      "a", 1));
	KUNIT_ASSERT_EQ(test, vmb_server_channel_pause(pt->ch), 0);
	sim_settle(pt->sim);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pt->to_host.ctl->read_index),
			le32_to_cpu(pt->to_host.ctl->write_index));
	KUNIT_EXPECT_FALSE(test, pt->held[0]->held);
	/* Paused: nothing is handed over; started again, it is. */
	pt->hold = false;
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 2,
					      "b", 1));
	KUNIT_EXPECT_EQ(test, pt->received, 1);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_start(pt->ch), 0);
	sim_settle(pt->sim);
	pt_flush(pt);
	KUNIT_EXPECT_EQ(test, pt->received, 2);
}

/* --- send --------------------------------------------------------------- */

static void send_inband(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	unsigned int signals = atomic_read(&pt->sim->signals);
	u8 out[64];
	u16 type, flags;
	u64 id;

	KUNIT_ASSERT_EQ(test, vmb_server_packet_send(pt->ch, "hello", 5, 0,
						     NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, vmb_server_packet_send(pt->ch, "world!", 6, 0,
						     NULL, NULL), 0);
	/* Empty to non-empty once: one signal. */
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->signals), signals + 1);
	/* Payloads are padded to 8 bytes. */
	KUNIT_ASSERT_EQ(test, pt_guest_recv(pt, out, sizeof(out), &type,
					    &flags, &id), 8);
	KUNIT_EXPECT_EQ(test, type, VMB_PACKET_DATA_INBAND);
	KUNIT_EXPECT_EQ(test, flags, 0);
	KUNIT_EXPECT_EQ(test, memcmp(out, "hello\0\0\0", 8), 0);
	KUNIT_ASSERT_EQ(test, pt_guest_recv(pt, out, sizeof(out), &type,
					    &flags, &id), 8);
	KUNIT_EXPECT_EQ(test, memcmp(out, "world!", 6), 0);
}

static void send_with_completion(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	u8 out[64];
	u16 type, flags;
	u64 id;

	KUNIT_ASSERT_EQ(test, vmb_server_packet_send(pt->ch, "req", 3, 0,
						     pt_done, pt), 0);
	KUNIT_ASSERT_EQ(test, pt_guest_recv(pt, out, sizeof(out), &type,
					    &flags, &id), 8);
	KUNIT_EXPECT_EQ(test, flags, VMB_PACKET_FLAG_COMPLETION_REQUESTED);
	KUNIT_EXPECT_NE(test, id, 0);
	/* A completion for an id never sent is counted and ignored. */
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_COMPLETION, 0,
					      id + 1, "bad", 3));
	KUNIT_EXPECT_EQ(test, pt->done_calls, 0);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.bad_completions, 1);
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_COMPLETION, 0, id,
					      "answer", 6));
	KUNIT_EXPECT_EQ(test, pt->done_calls, 1);
	KUNIT_EXPECT_EQ(test, pt->done_status, 0);
	KUNIT_EXPECT_EQ(test, pt->done_len, 8);
	KUNIT_EXPECT_PTR_EQ(test, pt->done_context, (void *)pt);
	KUNIT_EXPECT_EQ(test, memcmp(pt->done_data, "answer", 6), 0);
	/* The same id again matches nothing. */
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_COMPLETION, 0, id,
					      "again", 5));
	KUNIT_EXPECT_EQ(test, pt->done_calls, 1);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.bad_completions, 2);
	/* Completions are no packets for the back-end. */
	KUNIT_EXPECT_EQ(test, pt->received, 0);
}

/* A send waiting for its completion is told when the open ends first. */
static void send_completion_on_close(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);

	KUNIT_ASSERT_EQ(test, vmb_server_packet_send(pt->ch, "req", 3, 0,
						     pt_done, pt), 0);
	pt_close(pt);
	KUNIT_EXPECT_EQ(test, pt->done_calls, 1);
	KUNIT_EXPECT_EQ(test, pt->done_status, -ECONNRESET);
}

static int pt_send_in_opened_ret;

static int pt_opened_sends(struct vmb_channel *channel)
{
	pt_send_in_opened_ret = vmb_server_packet_send(channel, "x", 1, 0,
						       NULL, NULL);
	return 0;
}

static const struct vmb_server_channel_callbacks pt_sending_callbacks = {
	.opened = pt_opened_sends,
};

/* Nothing is sent before the open is answered or after it ended. */
static void send_only_in_open_window(struct kunit *test)
{
	struct pt *pt = kunit_kzalloc(test, sizeof(*pt), GFP_KERNEL);
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, pt);
	spin_lock_init(&pt->lock);
	pt->test = test;
	pt->sim = sim_guest_create(test);
	pt->sim->backend = pt;
	sim_connect(pt->sim, VMB_VERSION_WIN10_V5_3);
	pt->ch = sim_channel(pt->sim, 1);
	KUNIT_ASSERT_EQ(test, vmb_server_packet_send(pt->ch, "x", 1, 0, NULL,
						     NULL), -ENOTCONN);
	vmb_server_channel_init_set_callbacks(pt->ch, &pt_sending_callbacks,
					      pt->sim);
	KUNIT_ASSERT_EQ(test, 0, vmb_server_channel_enable(pt->ch));
	pt->relid = vmb_server_channel_relid(pt->ch);
	KUNIT_ASSERT_EQ(test, vmb_server_packet_send(pt->ch, "x", 1, 0, NULL,
						     NULL), -ENOTCONN);
	id = pt_ring_gpadl(pt);
	pt_send_in_opened_ret = 1;
	pt_open_gpadl(pt, id);
	KUNIT_EXPECT_EQ(test, pt_send_in_opened_ret, -ENOTCONN);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, "x", 1, 0, NULL,
						     NULL), 0);
	pt_close(pt);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, "x", 1, 0, NULL,
						     NULL), -ENOTCONN);
}

static void send_bad_arguments(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);

	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(NULL, "x", 1, 0, NULL,
						     NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, NULL, 1, 0, NULL,
						     NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, "x", 1, 0x80,
						     NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, "x",
						     PACKET_LIMIT, 0, NULL,
						     NULL), -EMSGSIZE);
	/* Larger than the guest's ring can ever take. */
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, pt,
						     4 * PAGE_SIZE, 0, NULL,
						     NULL), -EMSGSIZE);
}

/*
 * A full ring: -EAGAIN, or queued when asked; the host asks the guest for
 * a signal (pending_send_sz) and writes the queue out, in order, when it
 * comes.
 */
static void send_full_queues(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	u8 data[200] = {}, out[256];
	unsigned int sent = 0, queued = 0, got = 0;
	u16 type, flags;
	u64 id;
	int ret;

	for (;;) {
		data[0] = sent;
		ret = vmb_server_packet_send(pt->ch, data, sizeof(data), 0,
					     NULL, NULL);
		if (ret)
			break;
		sent++;
	}
	KUNIT_ASSERT_EQ(test, ret, -EAGAIN);
	for (queued = 0; queued < 8; queued++) {
		data[0] = sent + queued;
		ret = vmb_server_packet_send(pt->ch, data, sizeof(data),
					     VMB_SERVER_SEND_QUEUE, NULL, NULL);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	/* Behind the queue, an unqueued send waits too: order is kept. */
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, data, 8, 0, NULL,
						     NULL), -EAGAIN);
	KUNIT_EXPECT_NE(test, le32_to_cpu(pt->to_guest.ctl->pending_send_sz),
			0);
	while (pt_guest_recv(pt, out, sizeof(out), &type, &flags, &id) >= 0) {
		KUNIT_EXPECT_EQ(test, out[0], (u8)got);
		got++;
	}
	KUNIT_EXPECT_EQ(test, got, sent + queued);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.queued, queued);
	KUNIT_EXPECT_TRUE(test, list_empty(&pt->ch->dp.txq));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pt->to_guest.ctl->pending_send_sz),
			0);
}

/* The queue and the completion slots are bounded. */
static void send_bounds(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	unsigned int i;
	int ret = 0;

	for (i = 0; i <= VMB_TX_SLOTS; i++) {
		ret = vmb_server_packet_send(pt->ch, NULL, 0, QUEUE, pt_done,
					     pt);
		KUNIT_ASSERT_EQ(test, ret, i < VMB_TX_SLOTS ? 0 : -EBUSY);
	}
	ret = 0;
	for (i = 0; i < 10000 && !ret; i++)
		ret = vmb_server_packet_send(pt->ch, pt, 1024,
					     VMB_SERVER_SEND_QUEUE, NULL, NULL);
	KUNIT_EXPECT_EQ(test, ret, -EAGAIN);
	KUNIT_EXPECT_LE(test, pt->ch->dp.txq_sends, VMB_TXQ_MAX_PACKETS);
	KUNIT_EXPECT_LE(test, pt->ch->dp.txq_bytes, VMB_TXQ_MAX_BYTES);
	KUNIT_EXPECT_GT(test, pt->ch->dp.txq_sends, 0);
	pt_close(pt);
	KUNIT_EXPECT_EQ(test, pt->done_calls, VMB_TX_SLOTS);
	KUNIT_EXPECT_EQ(test, pt->done_status, -ECONNRESET);
}

/*
 * A packet the guest's ring can never take is refused at the call, also
 * while others wait in the queue (it would otherwise fail the channel
 * when its turn came, blaming the guest), and a completion that large
 * leaves its packet held.
 */
static void send_never_fits_refused(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	u32 size = pt->to_guest.size;
	u8 *big = kunit_kzalloc(test, size, GFP_KERNEL);
	u8 data[200] = {};
	u16 type, flags;
	u64 id;

	KUNIT_ASSERT_NOT_NULL(test, big);
	/* 16 + payload + 8 must leave a byte free. */
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, big, size - 24,
						     QUEUE, NULL, NULL),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, big, size - 32,
						     QUEUE, NULL, NULL), 0);
	/* Full, and something queued. */
	while (!vmb_server_packet_send(pt->ch, data, sizeof(data), 0, NULL,
				       NULL))
		;
	KUNIT_ASSERT_EQ(test, vmb_server_packet_send(pt->ch, data, 8, QUEUE,
						     NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, big, size - 24,
						     QUEUE, NULL, NULL),
			-EMSGSIZE);

	pt->hold = true;
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, REQ,
					      9, "q", 1));
	KUNIT_ASSERT_EQ(test, pt->nr_held, 1);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_complete(pt->held[0], big,
							 size - 24),
			-EMSGSIZE);
	KUNIT_EXPECT_TRUE(test, pt->held[0]->held);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_complete(pt->held[0], "a", 1),
			0);
	while (pt_guest_recv(pt, big, size, &type, &flags, &id) >= 0)
		;
	KUNIT_EXPECT_FALSE(test, pt->ch->dp.failed);
	KUNIT_EXPECT_EQ(test, type, VMB_PACKET_COMPLETION);
	KUNIT_EXPECT_EQ(test, id, 9);
}

/*
 * A guest that empties its ring without the signal pending_send_sz asked
 * for (it ignores the feature, or decided wrongly that the host was not
 * waiting, as DPDK's netvsc PMD can after a batch read): the host's
 * queue goes out all the same, within a few VMB_TXQ_RECHECK_MS.
 */
static void queued_send_without_signal(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	u8 data[200] = {};
	unsigned int ms;
	u32 w;

	while (!vmb_server_packet_send(pt->ch, data, sizeof(data), 0, NULL,
				       NULL))
		;
	KUNIT_ASSERT_EQ(test, vmb_server_packet_send(pt->ch, data,
						     sizeof(data), QUEUE, NULL,
						     NULL), 0);
	KUNIT_ASSERT_FALSE(test, list_empty(&pt->ch->dp.txq));
	w = le32_to_cpu(pt->to_guest.ctl->write_index);
	/* Everything read, no signal. */
	WRITE_ONCE(pt->to_guest.ctl->read_index, cpu_to_le32(w));
	for (ms = 0; ms < 10 * VMB_TXQ_RECHECK_MS &&
	     le32_to_cpu(READ_ONCE(pt->to_guest.ctl->write_index)) == w;
	     ms += 10)
		usleep_range(10000, 11000);
	kunit_info(test, "the queued packet went out after about %u ms\n",
		   ms);
	KUNIT_EXPECT_NE(test, le32_to_cpu(pt->to_guest.ctl->write_index), w);
	KUNIT_EXPECT_LE(test, ms, 3 * VMB_TXQ_RECHECK_MS);
	pt_flush(pt);
	KUNIT_EXPECT_TRUE(test, list_empty(&pt->ch->dp.txq));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pt->to_guest.ctl->pending_send_sz),
			0);
}

struct pt_sync {
	struct pt *pt;
	unsigned long timeout;
	int ret;
	u8 resp[16];
	u32 resp_len;
	struct completion done;
};

static int pt_sync_thread(void *data)
{
	struct pt_sync *s = data;

	s->resp_len = sizeof(s->resp);
	s->ret = vmb_server_channel_send_sync(s->pt->ch, "sync", 4, s->resp,
					      &s->resp_len, s->timeout);
	complete(&s->done);
	return 0;
}

/* A synchronous request: answered, or given up on after its timeout. */
static void send_sync(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	struct pt_sync s = { .pt = pt, .timeout = 10 * HZ };
	struct task_struct *t;
	u8 out[16];
	u16 type, flags;
	u64 id = 0;
	int i;

	init_completion(&s.done);
	t = kthread_run(pt_sync_thread, &s, "pt-sync");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	for (i = 0; i < 1000; i++) {
		if (pt_guest_recv(pt, out, sizeof(out), &type, &flags,
				  &id) == 8)
			break;
		usleep_range(1000, 2000);
	}
	KUNIT_ASSERT_LT(test, i, 1000);
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_COMPLETION, 0, id,
					      "sync-answer", 11));
	wait_for_completion(&s.done);
	KUNIT_EXPECT_EQ(test, s.ret, 0);
	KUNIT_EXPECT_EQ(test, s.resp_len, 16);
	KUNIT_EXPECT_EQ(test, memcmp(s.resp, "sync-answer", 11), 0);

	/* Never answered: the timeout; a late answer is dropped. */
	s.timeout = HZ / 20;
	reinit_completion(&s.done);
	t = kthread_run(pt_sync_thread, &s, "pt-sync");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	wait_for_completion(&s.done);
	KUNIT_EXPECT_EQ(test, s.ret, -ETIMEDOUT);
	KUNIT_ASSERT_EQ(test, pt_guest_recv(pt, out, sizeof(out), &type,
					    &flags, &id), 8);
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_COMPLETION, 0, id,
					      "late", 4));
	KUNIT_EXPECT_EQ(test, pt->ch->dp.tx_pending, 0);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.bad_completions, 0);
}

/* --- hostile rings -------------------------------------------------------- */

struct pt_bad {
	const char *name;
	u16 len8;
	u16 offset8;
	u16 type;
	u32 write_index;	/* 0: 64, past the packet */
	enum vmb_dp_fault fault;
};

static const struct pt_bad pt_bad_cases[] = {
	{ "len8 below the descriptor", 1, 2, 6, 0,
	  VMB_DP_RING + VMB_RING_BAD_LENGTH },
	{ "offset8 past len8", 4, 5, 6, 0, VMB_DP_RING + VMB_RING_BAD_OFFSET },
	{ "offset8 inside the descriptor", 4, 1, 6, 0,
	  VMB_DP_RING + VMB_RING_BAD_OFFSET },
	{ "unknown type", 4, 2, 3, 0, VMB_DP_RING + VMB_RING_BAD_TYPE },
	{ "larger than the channel takes", 1000, 2, 6, 0,
	  VMB_DP_RING + VMB_RING_TOO_BIG },
	{ "write index unaligned", 4, 2, 6, 44,
	  VMB_DP_RING + VMB_RING_BAD_INDEX },
	{ "write index past the ring", 4, 2, 6, PKT_RING_SIZE + 8,
	  VMB_DP_RING + VMB_RING_BAD_INDEX },
	{ "write index inside the packet", 4, 2, 6, 24,
	  VMB_DP_RING + VMB_RING_TRUNCATED },
};

KUNIT_ARRAY_PARAM_DESC(pt_bad, pt_bad_cases, name);

/*
 * A malicious ring state fails the channel: counted, the back-end told
 * suspend and closed, nothing handed over; a second channel carries on.
 */
static void hostile_ring_fails_channel(struct kunit *test)
{
	const struct pt_bad *c = test->param_value;
	struct pt *pt = pt_open(test, 1024);
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(c->type),
		.offset8 = cpu_to_le16(c->offset8),
		.len8 = cpu_to_le16(c->len8),
	};

	gr_put(&pt->to_host, 0, &desc, sizeof(desc));
	pt->to_host.ctl->write_index =
		cpu_to_le32(c->write_index ?: 64);
	pt->sim->events[0] = 0;
	pt_signal(pt);
	sim_settle(pt->sim);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.faults[c->fault], 1);
	KUNIT_EXPECT_TRUE(test, pt->ch->dp.failed);
	KUNIT_EXPECT_EQ(test, pt->received, 0);
	KUNIT_EXPECT_STREQ(test, pt->sim->events, "suspend closed");
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), 0);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, "x", 1, 0, NULL,
						     NULL), -ENOTCONN);
	/* The guest closes it and opens it again: it works. */
	pt_close(pt);
	pt_open_gpadl(pt, pt_ring_gpadl(pt));
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 1,
					      "ok", 2));
	KUNIT_EXPECT_EQ(test, pt->received, 1);
}

/* A back-end that fails a packet fails the channel the same way. */
static void backend_fails_packet(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);

	pt->fail_next = true;
	pt->sim->events[0] = 0;
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 1,
					      "bad", 3));
	sim_settle(pt->sim);
	KUNIT_EXPECT_EQ(test, pt->ch->dp.faults[VMB_DP_BACKEND_FAIL], 1);
	KUNIT_EXPECT_STREQ(test, pt->sim->events, "suspend closed");
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 2,
					      "more", 4));
	KUNIT_EXPECT_EQ(test, pt->received, 1);
}

/* Signals for nothing, or for no channel, cost a bounded run each. */
static void signal_flood_and_strays(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	u32 conn = vmb_server_channel_connection_id(pt->ch);
	unsigned int i;

	for (i = 0; i < 10000; i++)
		vmb_server_guest_signal(pt->sim->server, conn);
	vmb_server_guest_signal(pt->sim->server, 0);
	vmb_server_guest_signal(pt->sim->server, 1);
	vmb_server_guest_signal(pt->sim->server, conn + 1);
	vmb_server_guest_signal(pt->sim->server, U32_MAX);
	vmb_server_guest_signal(NULL, conn);
	pt_flush(pt);
	KUNIT_EXPECT_EQ(test, pt->received, 0);
	KUNIT_EXPECT_FALSE(test, pt->ch->dp.failed);
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 1,
					      "ok", 2));
	KUNIT_EXPECT_EQ(test, pt->received, 1);
}

/* --- a hostile guest, at random ------------------------------------------ */

#define PT_FUZZ_MIN_MS		1000
#define PT_FUZZ_MIN_RUNS	2000
#define PT_FUZZ_MAX_RUNS	20000

/*
 * The guest sets its rings up again and reopens on the same GPADL.  The
 * recorded messages are cleared first: the list keeps the first
 * SIM_GUEST_MAX_MSGS, so after many reopens the open's answer would not be
 * among them and an older one would be read for it.
 */
static void pt_reopen(struct pt *pt, u32 id)
{
	pt->sim->count = 0;
	pt_close(pt);
	gr_init(&pt->to_host, pt->to_host.ctl, pt->to_host.buf,
		pt->to_host.size, 0);
	gr_init(&pt->to_guest, pt->to_guest.ctl, pt->to_guest.buf,
		pt->to_guest.size, 0);
	pt_open_gpadl(pt, id);
}

/*
 * A structured fuzzer of an open channel: each run the guest writes a
 * good packet, a packet with random descriptor fields, random bytes under
 * a random write index, or a random read index on the host's ring (and the
 * host sends); then it signals.  The host must hand over the good packets
 * and fail the channel on the rest, never crash or leak; a failed channel
 * is reopened.  Reports what reached the back-end and each fault.
 */
static void fuzz_open_channel(struct kunit *test)
{
	struct pt *pt = pt_create(test, 2048);
	u32 conn, id = pt_ring_gpadl(pt), runs, kind[4] = {}, reopens = 0;
	u64 faults = 0, until = ktime_get_ns() + PT_FUZZ_MIN_MS * NSEC_PER_MSEC;
	struct vmb_packet_desc desc;
	u8 data[256], out[64];
	unsigned int i;
	u16 type, flags;
	u64 tid;

	pt_open_gpadl(pt, id);
	conn = vmb_server_channel_connection_id(pt->ch);
	for (runs = 0; runs < PT_FUZZ_MAX_RUNS &&
	     (runs < PT_FUZZ_MIN_RUNS || ktime_get_ns() < until); runs++) {
		u32 r = get_random_u32(), k = r % 10;
		u32 w = le32_to_cpu(pt->to_host.ctl->write_index);

		get_random_bytes(data, sizeof(data));
		if (k < 6) {
			kind[0]++;
			gr_send(&pt->to_host, VMB_PACKET_DATA_INBAND,
				r & 0x100 ? REQ : 0, runs, data, r % 200);
		} else if (k < 8) {
			kind[1]++;
			desc = (struct vmb_packet_desc) {
				.type = cpu_to_le16(6 + (r >> 8) % 7),
				.offset8 = cpu_to_le16((r >> 12) % 8),
				.len8 = cpu_to_le16((r >> 16) % 40),
			};
			gr_put(&pt->to_host, w, &desc, sizeof(desc));
			WRITE_ONCE(pt->to_host.ctl->write_index,
				   cpu_to_le32((w + ((r >> 22) % 64) * 8) %
					       PKT_RING_SIZE));
		} else if (k < 9) {
			kind[2]++;
			gr_put(&pt->to_host, w, data, sizeof(data));
			WRITE_ONCE(pt->to_host.ctl->write_index,
				   cpu_to_le32(r % (PKT_RING_SIZE + 64)));
		} else {
			kind[3]++;
			WRITE_ONCE(pt->to_guest.ctl->read_index,
				   cpu_to_le32(r % (2 * PKT_RING_SIZE)));
			vmb_server_packet_send(pt->ch, data, 64, 0, NULL, NULL);
			/* The guest's own view is garbage now: it skips all. */
			WRITE_ONCE(pt->to_guest.ctl->read_index,
				   pt->to_guest.ctl->write_index);
		}
		vmb_server_guest_signal(pt->sim->server, conn);
		pt_flush(pt);
		/* The guest takes what the host sent it (completions). */
		while (!READ_ONCE(pt->ch->dp.failed) &&
		       gr_recv(test, &pt->to_guest, out, sizeof(out), &type,
			       &flags, &tid) >= 0)
			;
		if (READ_ONCE(pt->ch->dp.failed)) {
			reopens++;
			pt_reopen(pt, id);
		}
	}
	for (i = 0; i < VMB_DP_FAULT_COUNT; i++)
		faults += pt->ch->dp.faults[i];
	kunit_info(test, "%u runs (%u good packets, %u bad descriptors, %u random writes, %u bad read indices): %u packets to the back-end, %llu faults, %u reopens\n",
		   runs, kind[0], kind[1], kind[2], kind[3], pt->received,
		   faults, reopens);
	/* The premise: both good packets and faults reached the server. */
	KUNIT_EXPECT_GT(test, pt->received, runs / 20);
	KUNIT_EXPECT_GT(test, faults, 0);
	KUNIT_EXPECT_GT(test, reopens, 0);
	pt_close(pt);
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), 0);
}

/*
 * A second guest thread that scribbles over the guest-to-host ring while
 * the host parses it: random words over descriptors, GPA-direct headers,
 * payloads and completions in flight, and random write indices.  Paused
 * while the guest reopens a failed channel.
 */
struct pt_scribble {
	struct pt *pt;
	bool stop;
	atomic_t pause;		/* 1: pause asked, 2: paused */
	unsigned int words, write_indices;
	struct completion done;
	/* Sides: 0 the scribbler, 1 the back-end's packet callback. */
	struct vmb_overlap par;
};

static int pt_scribble_fn(void *data)
{
	struct pt_scribble *sc = data;
	struct pt *pt = sc->pt;

	while (!READ_ONCE(sc->stop)) {
		u32 r = get_random_u32();

		if (atomic_read(&sc->pause)) {
			atomic_set(&sc->pause, 2);
			cond_resched();
			continue;
		}
		vmb_overlap_enter(&sc->par, 0);
		if (r % 16 == 0) {
			/*
			 * Inside the ring and aligned: the guest's own sends
			 * go on from it (indices outside are fuzzed in turn
			 * by fuzz_open_channel).
			 */
			WRITE_ONCE(pt->to_host.ctl->write_index,
				   cpu_to_le32((r >> 4) % (PKT_RING_SIZE / 8) *
					       8));
			sc->write_indices++;
		} else {
			u32 at = (r >> 4) % (pt->to_host.size / 8) * 8;

			WRITE_ONCE(*(u64 *)(pt->to_host.buf + at),
				   get_random_u64());
			sc->words++;
		}
		vmb_overlap_exit(&sc->par, 0);
		cond_resched();
	}
	complete(&sc->done);
	return 0;
}

/* Stop the scribbler between two writes, or let it go on. */
static void pt_scribble_pause(struct pt_scribble *sc, bool pause)
{
	if (!pause) {
		atomic_set(&sc->pause, 0);
		return;
	}
	atomic_set(&sc->pause, 1);
	while (atomic_read(&sc->pause) != 2)
		cond_resched();
}

#define PT_SCRIBBLE_MS		1000
#define PT_SCRIBBLE_MAX_RUNS	20000

/*
 * The guest writes good packets, GPA-direct packets the back-end maps and
 * completions for what the host sent, while its second thread scribbles
 * over the same ring: the host must copy before it checks, fail only this
 * channel, never touch memory outside the rings or the guest's frames
 * (KASAN), and leave nothing pinned.  A failed channel is reopened.
 */
static void hostile_scribbles_in_parallel(struct kunit *test)
{
	struct pt *pt = pt_create(test, 2048);
	struct pt_scribble sc = { .pt = pt };
	struct vmb_channel *bystander = sim_channel_enabled(pt->sim, 2);
	u32 conn, id = pt_ring_gpadl(pt), runs, reopens = 0;
	u64 faults = 0, until = ktime_get_ns() + PT_SCRIBBLE_MS * NSEC_PER_MSEC;
	unsigned int i, kind[3] = {};
	struct task_struct *t;
	struct pt_gpa g;
	u8 data[200], out[64];
	u16 type, flags;
	u64 tid;

	pt_fill_frame(pt, 200, 0x10);
	pt_fill_frame(pt, 201, 0x20);
	pt_fill_frame(pt, 202, 0x30);
	pt_open_gpadl(pt, id);
	pt->map_external = true;
	pt->par = &sc.par;
	conn = vmb_server_channel_connection_id(pt->ch);
	init_completion(&sc.done);
	t = kthread_run(pt_scribble_fn, &sc, "pt-scribble");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);

	for (runs = 0; runs < PT_SCRIBBLE_MAX_RUNS &&
	     ktime_get_ns() < until; runs++) {
		u32 r = get_random_u32();

		get_random_bytes(data, sizeof(data));
		if (r % 3 == 0) {
			kind[0]++;
			gr_send(&pt->to_host, VMB_PACKET_DATA_INBAND, 0, runs,
				data, r % sizeof(data));
		} else if (r % 3 == 1) {
			kind[1]++;
			pt_gpa_init(&g, SIM_GPFN_BASE + 200);
			gr_send_parts(&pt->to_host, VMB_PACKET_DATA_GPA_DIRECT,
				      0, runs, &g, sizeof(g), data, 16);
		} else {
			/* A request of the host's, and the guest's answer. */
			kind[2]++;
			vmb_server_packet_send(pt->ch, data, 16, 0, pt_done, pt);
			if (gr_recv(test, &pt->to_guest, out, sizeof(out),
				    &type, &flags, &tid) >= 0)
				gr_send(&pt->to_host, VMB_PACKET_COMPLETION, 0,
					tid, data, 24);
		}
		vmb_server_guest_signal(pt->sim->server, conn);
		/* The host parses while the scribbler writes (or, on one
		 * CPU, between its writes).
		 */
		pt_flush(pt);
		if (READ_ONCE(pt->ch->dp.failed)) {
			pt_scribble_pause(&sc, true);
			reopens++;
			pt_reopen(pt, id);
			pt_scribble_pause(&sc, false);
		}
	}
	WRITE_ONCE(sc.stop, true);
	wait_for_completion(&sc.done);
	pt_flush(pt);
	for (i = 0; i < VMB_DP_FAULT_COUNT; i++)
		faults += pt->ch->dp.faults[i];
	kunit_info(test, "%u runs (%u in-band, %u GPA-direct, %u requests answered) beside %u words and %u write indices scribbled: %u packets to the back-end, %u maps of external data, %u completions taken, %llu faults, %u reopens\n",
		   runs, kind[0], kind[1], kind[2], sc.words,
		   sc.write_indices, pt->received, pt->maps_ok,
		   pt->done_calls, faults, reopens);
	/* The premise: packets and faults both, beside the scribbler. */
	KUNIT_EXPECT_GT(test, pt->received, 0);
	KUNIT_EXPECT_GT(test, faults, 0);
	KUNIT_EXPECT_GT(test, reopens, 0);
	vmb_overlap_expect(test, &sc.par);
	/* Only this channel failed: the server serves the other. */
	pt->sim->count = 0;
	sim_open_channel(pt->sim, bystander);
	pt_close(pt);
	/* The bystander's open holds its 8 ring frames, nothing else. */
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), 8);
}

/* --- guest memory mapped for the back-end --------------------------------- */

/* Fill a frame of guest memory with a pattern the test can recognize. */
void pt_fill_frame(struct pt *pt, unsigned int frame, u8 seed)
{
	u8 *p = page_address(sim_frame_page(pt->sim, frame));
	unsigned int i;

	for (i = 0; i < PAGE_SIZE; i++)
		p[i] = seed + i;
}

/*
 * A buffer GPADL mapped for the back-end: its bytes are the guest's, the
 * guest's teardown waits for the unmap, and the frames are released.
 */
static void map_gpadl_buffer(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	struct sim_guest *sim = pt->sim;
	struct vmb_server_mapping *map;
	u32 id = 0x900;
	unsigned int f, i;
	const u8 *b;

	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, pt->relid, id, 4), 0);
	f = sim->last_frame;
	for (i = 0; i < 4; i++)
		pt_fill_frame(pt, f + i, i * 16);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, id, &map),
			0);
	KUNIT_ASSERT_EQ(test, map->nr_ranges, 1);
	KUNIT_EXPECT_EQ(test, map->ranges[0].len, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), PKT_PAGES + 4);
	b = map->ranges[0].addr;
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, b[i * PAGE_SIZE + 5], (u8)(i * 16 + 5));
	/* The teardown waits for the unmap. */
	sim->count = 0;
	sim_teardown(sim, pt->relid, id);
	sim_settle(sim);
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_GPADL_TORNDOWN), 0);
	vmb_server_unmap(map);
	KUNIT_EXPECT_EQ(test, sim_count_type(sim, VMB_MSG_GPADL_TORNDOWN), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), PKT_PAGES);
}

/* What may not be mapped, and a mapping the back-end forgets. */
static void map_gpadl_rules(struct kunit *test)
{
	struct pt *pt = pt_create(test, 0);
	struct sim_guest *sim = pt->sim;
	struct vmb_server_mapping *map;
	u32 ring = pt_ring_gpadl(pt);

	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, pt->relid, 0x900, 2), 0);
	/* Not open yet. */
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, 0x900, &map),
			-ENOTCONN);
	pt_open_gpadl(pt, ring);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, ring, &map),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, 0x901, &map),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpadl(NULL, 0x900, &map),
			-EINVAL);
	/* Mapped twice, forgotten: the close unmaps both. */
	KUNIT_ASSERT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, 0x900, &map),
			0);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, 0x900, &map),
			0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), PKT_PAGES + 4);
	pt_close(pt);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&pt->ch->mappings));
}

/*
 * Guest memory named by its address (a synthetic video guest's VRAM): the
 * range may start inside a frame and cross into the next ones; what may
 * not be mapped is refused before anything is pinned; the close unmaps
 * what the back-end forgot.
 */
static void map_gpa_range(struct kunit *test)
{
	struct pt *pt = pt_create(test, 0);
	struct sim_guest *sim = pt->sim;
	struct vmb_server_mapping *map;
	u64 gpa = (SIM_GPFN_BASE + 210) * PAGE_SIZE + 100;
	u64 outside = (SIM_GPFN_BASE + SIM_GUEST_PAGES) * PAGE_SIZE;
	u32 too_big = (VMB_CHANNEL_MAX_MAPPED_FRAMES + 1) * PAGE_SIZE;
	const u8 *b;

	pt_fill_frame(pt, 210, 0x40);
	pt_fill_frame(pt, 211, 0x50);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpa(pt->ch, gpa, 5000,
							 &map), -ENOTCONN);
	pt_open_gpadl(pt, pt_ring_gpadl(pt));
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpa(NULL, gpa, 1, &map),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpa(pt->ch, gpa, 0, &map),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpa(pt->ch, gpa, 1, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpa(pt->ch, gpa, too_big,
							 &map), -ENOSPC);
	/* Frames outside the guest's memory: the transport refuses them. */
	KUNIT_EXPECT_LT(test, vmb_server_channel_map_gpa(pt->ch, outside, 1,
							 &map), 0);
	KUNIT_EXPECT_LT(test, vmb_server_channel_map_gpa(pt->ch, U64_MAX, 2,
							 &map), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), PKT_PAGES);

	KUNIT_ASSERT_EQ(test, vmb_server_channel_map_gpa(pt->ch, gpa, 5000,
							 &map), 0);
	KUNIT_ASSERT_EQ(test, map->nr_ranges, 1);
	KUNIT_EXPECT_EQ(test, map->ranges[0].len, 5000);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), PKT_PAGES + 2);
	b = map->ranges[0].addr;
	KUNIT_EXPECT_EQ(test, b[0], (u8)(0x40 + 100));
	KUNIT_EXPECT_EQ(test, b[4999], (u8)(0x50 + 100 + 4999 - PAGE_SIZE));
	vmb_server_unmap(map);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), PKT_PAGES);
	/* Forgotten: the close unmaps it. */
	KUNIT_ASSERT_EQ(test, vmb_server_channel_map_gpa(pt->ch, gpa, 1, &map),
			0);
	pt_close(pt);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&pt->ch->mappings));
}

/*
 * Nothing of the open stays mapped: no frame pinned, no mapping left, and
 * nothing holds buffer GPADL @id, so its teardown completes at once.
 */
static void pt_expect_unmapped(struct pt *pt, u32 id)
{
	struct sim_guest *sim = pt->sim;

	KUNIT_EXPECT_EQ(pt->test, atomic_read(&sim->pinned), 0);
	KUNIT_EXPECT_TRUE(pt->test, list_empty(&pt->ch->mappings));
	KUNIT_EXPECT_EQ(pt->test, pt->ch->mapped_frames, 0);
	sim->count = 0;
	KUNIT_EXPECT_EQ(pt->test, sim_teardown(sim, pt->relid, id), 0);
	sim_settle(sim);
	KUNIT_EXPECT_EQ(pt->test,
			sim_count_type(sim, VMB_MSG_GPADL_TORNDOWN), 1);
}

/*
 * The data path failed (a corrupt ring): the open is over for the
 * back-end's mappings too.  What it mapped is ended with the close step,
 * and a mapping asked for afterwards is refused.
 */
static void map_after_failure_refused(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	struct sim_guest *sim = pt->sim;
	struct vmb_server_mapping *map;

	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, pt->relid, 0x900, 2), 0);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, 0x900, &map),
			0);
	pt->to_host.ctl->write_index = cpu_to_le32(44);	/* unaligned */
	pt_signal(pt);
	KUNIT_ASSERT_TRUE(test, pt->ch->dp.failed);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, 0x900, &map),
			-ENOTCONN);
	sim_settle(sim);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, 0x900, &map),
			-ENOTCONN);
	pt_expect_unmapped(pt, 0x900);
}

static int pt_opened_maps_refuses(struct vmb_channel *channel)
{
	struct sim_guest *sim = vmb_server_channel_context(channel);
	struct pt *pt = sim->backend;
	struct vmb_server_mapping *map;

	pt->map_ret = vmb_server_channel_map_gpadl(channel, pt->map_id, &map);
	return -EPERM;
}

static const struct vmb_server_channel_callbacks pt_refusing_callbacks = {
	.opened = pt_opened_maps_refuses,
};

/*
 * An opened callback maps a buffer GPADL and then refuses the open,
 * forgetting the mapping: it ends with the refused open, so its frames go
 * and the GPADL's teardown completes.
 */
static void map_in_refused_open_ended(struct kunit *test)
{
	struct pt *pt = pt_create_with(test, 0, &pt_refusing_callbacks,
				       &pt_callbacks);
	struct sim_guest *sim = pt->sim;
	u32 ring = pt_ring_gpadl(pt);

	pt->map_id = 0x900;
	pt->map_ret = 1;
	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, pt->relid, 0x900, 2), 0);
	KUNIT_ASSERT_EQ(test, sim_open(sim, pt->relid, ring, PKT_OFFSET, 0),
			0);
	sim_settle(sim);
	KUNIT_EXPECT_EQ(test, pt->map_ret, 0);
	KUNIT_EXPECT_NE(test, sim_open_status(sim), 0);
	pt_expect_unmapped(pt, 0x900);
}

/*
 * The server is destroyed while the back-end holds a mapping: it is ended
 * with the open, nothing stays pinned.
 */
static void map_ended_by_destroy(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	struct sim_guest *sim = pt->sim;
	struct vmb_server_mapping *map;

	KUNIT_ASSERT_EQ(test, sim_gpadl(sim, pt->relid, 0x900, 2), 0);
	KUNIT_ASSERT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, 0x900, &map),
			0);
	KUNIT_EXPECT_EQ(test, pt->ch->mapped_frames, 2);
	sim_guest_destroy_now(sim);
	KUNIT_EXPECT_EQ(test, atomic_read(&sim->pinned), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&pt->ch->mappings));
	KUNIT_EXPECT_EQ(test, pt->ch->mapped_frames, 0);
	KUNIT_EXPECT_EQ(test, vmb_server_channel_map_gpadl(pt->ch, 0x900, &map),
			-ENOTCONN);
}

void pt_gpa_init(struct pt_gpa *g, u64 pfn)
{
	*g = (struct pt_gpa) {
		.range_count = cpu_to_le32(2),
		.count0 = cpu_to_le32(100),
		.offset0 = cpu_to_le32(50),
		.pfn0 = cpu_to_le64(pfn),
		.count1 = cpu_to_le32(4000),
		.offset1 = cpu_to_le32(4000),
		.pfn1 = { cpu_to_le64(pfn + 1), cpu_to_le64(pfn + 2) },
	};
}

/* The external data of a GPA-direct packet, range by range. */
static void external_data(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	unsigned int f = 200;
	struct pt_gpa g;

	pt_fill_frame(pt, f, 0x10);
	pt_fill_frame(pt, f + 1, 0x20);
	pt_fill_frame(pt, f + 2, 0x30);
	pt_gpa_init(&g, SIM_GPFN_BASE + f);
	pt->map_external = true;
	KUNIT_ASSERT_TRUE(test, gr_send_parts(&pt->to_host,
					      VMB_PACKET_DATA_GPA_DIRECT, REQ,
					      9, &g, sizeof(g), "io", 2));
	pt_signal(pt);
	KUNIT_ASSERT_EQ(test, pt->received, 1);
	KUNIT_ASSERT_EQ(test, pt->ext_ret, 0);
	KUNIT_ASSERT_EQ(test, pt->ext_ranges, 2);
	KUNIT_EXPECT_EQ(test, pt->lens[0], 8);	/* the payload, padded */
	KUNIT_EXPECT_EQ(test, pt->ext_len[0], 100);
	KUNIT_EXPECT_EQ(test, pt->ext_len[1], 4000);
	KUNIT_EXPECT_EQ(test, pt->ext_head[0][0], (u8)(0x10 + 50));
	KUNIT_EXPECT_EQ(test, pt->ext_tail[0], (u8)(0x10 + 149));
	KUNIT_EXPECT_EQ(test, pt->ext_head[1][0], (u8)(0x20 + 4000));
	/* The range crosses into its second frame, mapped right after. */
	KUNIT_EXPECT_EQ(test, pt->ext_tail[1], (u8)(0x30 + 7999 - 4096));
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), PKT_PAGES);
}

#define PT_DUP_FRAMES	1500

/*
 * GPA-direct packets that each name one guest frame PT_DUP_FRAMES times,
 * mapped and held: the channel's mappings stop at
 * VMB_CHANNEL_MAX_MAPPED_FRAMES pins with -ENOSPC, so a guest cannot make
 * the host pin one page without bound; the close releases every pin.
 */
static void external_pins_bounded(struct kunit *test)
{
	struct pt *pt = pt_open(test, 16 << 10);
	u32 len = 16 + PT_DUP_FRAMES * 8, i;
	unsigned int fit = VMB_CHANNEL_MAX_MAPPED_FRAMES / PT_DUP_FRAMES;
	__le64 *hdr = kunit_kzalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, hdr);
	/* reserved, range count; byte count, offset; the frames */
	((__le32 *)hdr)[1] = cpu_to_le32(1);
	((__le32 *)hdr)[2] = cpu_to_le32(PT_DUP_FRAMES * PAGE_SIZE);
	for (i = 0; i < PT_DUP_FRAMES; i++)
		hdr[2 + i] = cpu_to_le64(SIM_GPFN_BASE + 200);
	pt->map_external = true;
	pt->keep_maps = true;
	pt->hold = true;
	for (i = 0; i < fit + 2; i++) {
		KUNIT_ASSERT_TRUE(test, gr_send_parts(&pt->to_host,
						      VMB_PACKET_DATA_GPA_DIRECT,
						      0, i, hdr, len, "x", 1));
		pt_signal(pt);
	}
	kunit_info(test, "%u mappings of %u frames, %u refused, %u frames pinned\n",
		   pt->maps_ok, PT_DUP_FRAMES, pt->maps_nospc,
		   atomic_read(&pt->sim->pinned));
	KUNIT_EXPECT_EQ(test, pt->received, fit + 2);
	KUNIT_EXPECT_EQ(test, pt->maps_ok, fit);
	KUNIT_EXPECT_EQ(test, pt->maps_nospc, 2);
	KUNIT_EXPECT_LE(test, pt->ch->mapped_frames,
			VMB_CHANNEL_MAX_MAPPED_FRAMES);
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned),
			PKT_PAGES + fit * PT_DUP_FRAMES);
	pt_close(pt);
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), 0);
	KUNIT_EXPECT_EQ(test, pt->ch->mapped_frames, 0);
}

struct pt_bad_gpa {
	const char *name;
	u32 range_count;
	u32 count0;
	u32 offset0;
	u64 pfn;
	int err;
};

static const struct pt_bad_gpa pt_bad_gpas[] = {
	{ "no range", 0, 100, 0, SIM_GPFN_BASE + 200, -EINVAL },
	{ "more ranges than the header holds", 3, 100, 0,
	  SIM_GPFN_BASE + 200, -EINVAL },
	{ "more ranges than the bound", 65, 100, 0, SIM_GPFN_BASE + 200,
	  -EINVAL },
	{ "empty range", 2, 0, 0, SIM_GPFN_BASE + 200, -EINVAL },
	{ "offset past its frame", 2, 100, 4096, SIM_GPFN_BASE + 200,
	  -EINVAL },
	{ "range longer than its frames", 2, 8192, 0, SIM_GPFN_BASE + 200,
	  -EINVAL },
	{ "frame outside the guest", 2, 100, 0, 0x7, -EFAULT },
};

KUNIT_ARRAY_PARAM_DESC(pt_bad_gpa, pt_bad_gpas, name);

/*
 * Malformed ranges are refused before anything is pinned; the back-end
 * decides what becomes of the packet (here: completed), the channel lives.
 */
static void external_data_malformed(struct kunit *test)
{
	const struct pt_bad_gpa *c = test->param_value;
	struct pt *pt = pt_open(test, 0);
	struct pt_gpa g;

	pt_gpa_init(&g, c->pfn);
	g.range_count = cpu_to_le32(c->range_count);
	g.count0 = cpu_to_le32(c->count0);
	g.offset0 = cpu_to_le32(c->offset0);
	pt->map_external = true;
	KUNIT_ASSERT_TRUE(test, gr_send_parts(&pt->to_host,
					      VMB_PACKET_DATA_GPA_DIRECT, 0,
					      9, &g, sizeof(g), "io", 2));
	pt_signal(pt);
	KUNIT_ASSERT_EQ(test, pt->received, 1);
	KUNIT_EXPECT_EQ(test, pt->ext_ret, c->err);
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), PKT_PAGES);
	KUNIT_EXPECT_FALSE(test, pt->ch->dp.failed);
}

/*
 * The external-data bounds on their own, with a header that holds every
 * range and frame it names (the malformed cases above fail on the header's
 * size first): at most VMB_MAX_EXTERNAL_RANGES ranges, and a range starts
 * inside its first frame.
 */
struct pt_gpa_bound {
	const char *name;
	u32 ranges;
	u32 bytes;
	u32 offset;
	u32 frames;		/* per range */
	int err;
};

static const struct pt_gpa_bound pt_gpa_bounds[] = {
	{ "64 ranges", 64, 8, 0, 1, 0 },
	{ "65 ranges", 65, 8, 0, 1, -EINVAL },
	/* 8 bytes: the back-end copies a range's first 8 (pt_process). */
	{ "starts at the last word of its frame", 1, 8, 4088, 1, 0 },
	{ "starts past its frame, frames for it given", 1, 8, 4096, 2,
	  -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(pt_gpa_bound, pt_gpa_bounds, name);

static void external_data_bounds(struct kunit *test)
{
	const struct pt_gpa_bound *c = test->param_value;
	struct pt *pt = pt_open(test, 4096);
	u32 len = 8 + c->ranges * (8 + 8 * c->frames), off = 8, r, f;
	u8 *hdr = kunit_kzalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, hdr);
	put_unaligned_le32(c->ranges, hdr + 4);
	for (r = 0; r < c->ranges; r++) {
		put_unaligned_le32(c->bytes, hdr + off);
		put_unaligned_le32(c->offset, hdr + off + 4);
		off += 8;
		for (f = 0; f < c->frames; f++, off += 8)
			put_unaligned_le64(SIM_GPFN_BASE + 200 + f, hdr + off);
	}
	pt->map_external = true;
	KUNIT_ASSERT_TRUE(test, gr_send_parts(&pt->to_host,
					      VMB_PACKET_DATA_GPA_DIRECT, 0,
					      9, hdr, len, "io", 2));
	pt_signal(pt);
	KUNIT_ASSERT_EQ(test, pt->received, 1);
	KUNIT_EXPECT_EQ(test, pt->ext_ret, c->err);
	if (!c->err)
		KUNIT_EXPECT_EQ(test, pt->ext_ranges, c->ranges);
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), PKT_PAGES);
	KUNIT_EXPECT_FALSE(test, pt->ch->dp.failed);
}

/* --- concurrency ------------------------------------------------------- */

#define PT_SENDS	2000

struct pt_sender {
	struct pt *pt;
	struct vmb_overlap *par;
	const bool *go;		/* both threads exist */
	u32 id;
	int err;
	unsigned int eagain;
	struct completion done;
};

static int pt_sender_fn(void *data)
{
	struct pt_sender *s = data;
	u32 msg[2] = { s->id };
	unsigned int ms;
	int ret;

	/*
	 * Both start together, or after a second: the second thread takes
	 * a while to create, and a sender alone meets nobody (42 of 5255
	 * entries met the other sender on another CPU without this).
	 */
	for (ms = 0; !smp_load_acquire(s->go) && ms < 1000; ms++)
		usleep_range(1000, 2000);
	for (msg[1] = 0; msg[1] < PT_SENDS; msg[1]++) {
		for (;;) {
			vmb_overlap_enter(s->par, s->id);
			ret = vmb_server_packet_send(s->pt->ch, msg, sizeof(msg),
						     QUEUE, NULL, NULL);
			vmb_overlap_exit(s->par, s->id);
			if (ret != -EAGAIN)
				break;
			s->eagain++;
			usleep_range(50, 100);
		}
		if (ret) {
			s->err = ret;
			break;
		}
	}
	complete(&s->done);
	return 0;
}

/*
 * Two senders at once, a guest draining: every packet arrives once, each
 * sender's in its order, and the senders really interleaved.
 */
static void concurrent_senders(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	struct vmb_overlap par = {};
	struct pt_sender s[2] = {};
	bool go = false;
	u32 next[2] = {}, msg[2], last = U32_MAX, switches = 0, got = 0;
	unsigned int i, idle = 0;
	struct task_struct *t;
	u16 type, flags;
	u64 id;

	for (i = 0; i < 2; i++) {
		s[i].pt = pt;
		s[i].par = &par;
		s[i].go = &go;
		s[i].id = i;
		init_completion(&s[i].done);
		t = kthread_create(pt_sender_fn, &s[i], "pt-send%u", i);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
		/*
		 * One sender per CPU: left to the scheduler, both once ran
		 * on one CPU, 0 of 4000 entries meeting the other sender.
		 */
		kthread_bind(t, i % num_online_cpus());
		wake_up_process(t);
	}
	/* Release: the senders' setup is seen before the start. */
	smp_store_release(&go, true);
	while (got < 2 * PT_SENDS && idle < 5000) {
		if (pt_guest_recv(pt, (u8 *)msg, sizeof(msg), &type, &flags,
				  &id) < 0) {
			idle++;
			usleep_range(100, 200);
			continue;
		}
		idle = 0;
		got++;
		if (msg[0] > 1) {
			KUNIT_FAIL(test, "packet from no sender: %u", msg[0]);
			break;
		}
		KUNIT_EXPECT_EQ(test, msg[1], next[msg[0]]);
		next[msg[0]] = msg[1] + 1;
		switches += last != U32_MAX && last != msg[0];
		last = msg[0];
	}
	wait_for_completion(&s[0].done);
	wait_for_completion(&s[1].done);
	kunit_info(test, "%u packets, %u sender switches in the ring, %u and %u full-queue retries\n",
		   got, switches, s[0].eagain, s[1].eagain);
	KUNIT_EXPECT_EQ(test, s[0].err, 0);
	KUNIT_EXPECT_EQ(test, s[1].err, 0);
	KUNIT_EXPECT_EQ(test, got, 2 * PT_SENDS);
	/* The premise: the two senders' packets interleaved. */
	KUNIT_EXPECT_GT(test, switches, 0);
	vmb_overlap_expect(test, &par);
}

struct pt_flood {
	struct pt *pt;
	bool destroy;		/* the flood destroys the server itself */
	bool ended;		/* the open ended, at_end is set */
	unsigned int sent;
	unsigned int at_end;	/* sent when the open ended */
	unsigned int completions;	/* the guest read */
	struct completion done;
	/* Sides: the guest's writes and signals, the back-end's callback. */
	struct vmb_overlap par;
};

/* Packets the guest still writes once the open ended. */
#define PT_AFTER_END	20
/* The flood's packet in the ring: descriptor, payload, trailer. */
#define PT_FLOOD_PAYLOAD	96
#define PT_FLOOD_BYTES		(16 + PT_FLOOD_PAYLOAD + 8)

/*
 * A guest writing packets and signalling as fast as it can, and reading
 * the completions so that the host never waits for room.  Told to, it
 * destroys the server between two packets and goes on writing without
 * signalling: a transport makes no call once destroy returned.
 */
static int pt_flood_fn(void *data)
{
	struct pt_flood *f = data;
	struct pt *pt = f->pt;
	u32 conn = vmb_server_channel_connection_id(pt->ch);
	struct vmb_server *server = pt->sim->server;
	u8 payload[PT_FLOOD_PAYLOAD] = {}, reply[8];
	unsigned int tries = 0;
	u16 type;
	u64 id;

	/*
	 * Bounded after the end: a full ring takes no more.  Acquire: the
	 * end's at_end is seen with it.
	 */
	while (!smp_load_acquire(&f->ended) ||
	       (f->sent < f->at_end + PT_AFTER_END && tries++ < 1000)) {
		vmb_overlap_enter(&f->par, 0);
		while (gr_recv(pt->test, &pt->to_guest, reply, sizeof(reply),
			       &type, NULL, &id) >= 0)
			f->completions++;
		/*
		 * Until the end the guest leaves room for the packets it
		 * writes after it: a host that falls behind must not take
		 * the test's premise (packets after the end) with it.
		 */
		if ((READ_ONCE(f->ended) ||
		     pt->to_host.size - gr_used(&pt->to_host) >
		     (PT_AFTER_END + 2) * PT_FLOOD_BYTES) &&
		    gr_send(&pt->to_host, VMB_PACKET_DATA_INBAND, REQ, f->sent,
			    payload, sizeof(payload)))
			f->sent++;
		if (server && READ_ONCE(f->destroy)) {
			sim_guest_destroy_now(pt->sim);
			server = NULL;
			f->at_end = f->sent;
			/* at_end before the flag (this thread reads both). */
			smp_store_release(&f->ended, true);
		}
		if (server)
			vmb_server_guest_signal(server, conn);
		vmb_overlap_exit(&f->par, 0);
		/*
		 * On SMP the guest keeps its CPU between packets: a sleep
		 * left it idle, and the data work it woke ran there too (0
		 * of 6576 entries met the back-end on another CPU).  One CPU
		 * without preemption (UML) needs the sleep to run the rest.
		 */
		if (num_online_cpus() > 1) {
			ktime_t until = ktime_add_us(ktime_get(), 30);

			while (ktime_before(ktime_get(), until))
				cpu_relax();
			cond_resched();
		} else {
			usleep_range(20, 50);
		}
	}
	complete(&f->done);
	return 0;
}

enum pt_cut { PT_CUT_CLOSE, PT_CUT_DESTROY };

static const enum pt_cut pt_cuts[] = { PT_CUT_CLOSE, PT_CUT_DESTROY };

static void pt_cut_desc(const enum pt_cut *c, char *desc)
{
	strscpy(desc, *c == PT_CUT_CLOSE ? "close" : "destroy",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pt_cut, pt_cuts, pt_cut_desc);

/*
 * The open ends while the guest floods the channel and the back-end
 * completes (with a completion for each): the flood overlaps the end,
 * nothing is left pinned, and the channel takes no send afterwards.
 */
static void end_during_traffic(struct kunit *test)
{
	const enum pt_cut *cut = test->param_value;
	struct pt *pt = pt_open(test, 0);
	struct pt_flood f = { .pt = pt };
	struct task_struct *t;
	unsigned int ms;

	init_completion(&f.done);
	pt->par = &f.par;
	t = kthread_run(pt_flood_fn, &f, "pt-flood");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	/* 50 packets taken, and up to 5 s for the sides to meet. */
	for (ms = 0; READ_ONCE(pt->received) < 50 ||
	     (!vmb_overlap_shown(&f.par) && ms < 5000); ms++)
		usleep_range(1000, 2000);
	if (*cut == PT_CUT_CLOSE) {
		pt_close(pt);
		f.at_end = READ_ONCE(f.sent);
		/* at_end before the flag the flood reads it by. */
		smp_store_release(&f.ended, true);
	} else {
		WRITE_ONCE(f.destroy, true);
	}
	/* The guest writes PT_AFTER_END more, then stops by itself. */
	wait_for_completion(&f.done);
	kunit_info(test, "guest wrote %u packets, %u when the open ended, read %u completions; back-end took %u\n",
		   f.sent, f.at_end, f.completions, pt->received);
	/* The premise: the guest was still writing when the open ended. */
	KUNIT_EXPECT_GT(test, f.sent, f.at_end);
	KUNIT_EXPECT_GE(test, pt->received, 50);
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), 0);
	KUNIT_EXPECT_FALSE(test, pt->ch->dp.mapped);
	KUNIT_EXPECT_EQ(test, vmb_server_packet_send(pt->ch, "x", 1, 0, NULL,
						     NULL), -ENOTCONN);
	vmb_overlap_expect(test, &f.par);
}

/*
 * Back-end threads at work while the open ends: one sends packets that
 * ask for a completion (the guest never answers, so the end must call each
 * done callback, and exactly once) and tries again while the ring or the
 * completion slots are full, one maps and unmaps guest memory.  Both go on against the ended
 * channel, which refuses them.
 */
#define PT_RACE_SENDS	4096
/* Maps the mapper made before the end comes. */
#define PT_RACE_MAPS	50

struct pt_race {
	struct pt *pt;
	bool stop;
	atomic_t *done;		/* done calls per send */
	bool *accepted;		/* the send took its done callback */
	unsigned int sends, maps, maps_after;
	int map_err;		/* the last refused map's error */
	struct completion sender_done, mapper_done;
	/* Sides: 0 the sender, 1 the mapper, 2 the end. */
	struct vmb_overlap par;
};

static void pt_race_done(struct vmb_channel *channel, void *context,
			 int status, const void *data, u32 len)
{
	atomic_inc(context);
}

static int pt_race_send_fn(void *data)
{
	struct pt_race *r = data;
	int ret;

	while (!READ_ONCE(r->stop)) {
		if (r->sends < PT_RACE_SENDS) {
			vmb_overlap_enter(&r->par, 0);
			ret = vmb_server_packet_send(r->pt->ch, "race", 4, 0,
						     pt_race_done,
						     &r->done[r->sends]);
			vmb_overlap_exit(&r->par, 0);
			/*
			 * Refused while open (the ring or the completion
			 * slots are full): the same slot again.
			 */
			if (!ret || ret == -ENOTCONN)
				r->accepted[r->sends++] = !ret;
		}
		cond_resched();
	}
	complete(&r->sender_done);
	return 0;
}

static int pt_race_map_fn(void *data)
{
	struct pt_race *r = data;
	u64 gpa = (u64)(SIM_GPFN_BASE + 200) * PAGE_SIZE + 100;
	struct vmb_server_mapping *map;
	int ret;

	while (!READ_ONCE(r->stop)) {
		vmb_overlap_enter(&r->par, 1);
		ret = vmb_server_channel_map_gpa(r->pt->ch, gpa, 5000, &map);
		if (!ret) {
			r->maps++;
			READ_ONCE(*(u8 *)map->ranges[0].addr);
			vmb_server_unmap(map);
		} else {
			r->map_err = ret;
		}
		vmb_overlap_exit(&r->par, 1);
		cond_resched();
	}
	complete(&r->mapper_done);
	return 0;
}

static const enum pt_end pt_race_ends[] = {
	PKT_END_CLOSE, PKT_END_DISABLE, PKT_END_RESET, PKT_END_DESTROY,
};

KUNIT_ARRAY_PARAM(pt_race_end, pt_race_ends, pt_end_desc);

static void backend_races_end(struct kunit *test)
{
	const enum pt_end *end = test->param_value;
	struct pt *pt = pt_open(test, 0);
	struct pt_race r = { .pt = pt };
	unsigned int i, accepted = 0, wrong = 0, ms, maps_before;
	struct task_struct *t;

	r.done = kunit_kcalloc(test, PT_RACE_SENDS, sizeof(*r.done),
			       GFP_KERNEL);
	r.accepted = kunit_kcalloc(test, PT_RACE_SENDS, sizeof(*r.accepted),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r.done);
	KUNIT_ASSERT_NOT_NULL(test, r.accepted);
	init_completion(&r.sender_done);
	init_completion(&r.mapper_done);
	t = kthread_run(pt_race_send_fn, &r, "pt-race-send");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	t = kthread_run(pt_race_map_fn, &r, "pt-race-map");
	if (IS_ERR(t)) {
		WRITE_ONCE(r.stop, true);
		wait_for_completion(&r.sender_done);
		KUNIT_FAIL(test, "no mapper thread");
		return;
	}
	/* The threads at work a while: the end comes amid their calls. */
	for (ms = 0; ms < 2000 && (READ_ONCE(r.maps) < PT_RACE_MAPS ||
				   !READ_ONCE(r.sends)); ms++)
		usleep_range(1000, 2000);
	/*
	 * The end begins while a back-end thread runs on another CPU:
	 * tried for up to 2 s (the threads share two CPUs with this one).
	 */
	for (ms = 0;; ms++) {
		maps_before = READ_ONCE(r.maps);
		vmb_overlap_enter(&r.par, 2);
		if (vmb_overlap_met_by(&r.par, 2) || ms == 2000)
			break;
		vmb_overlap_exit(&r.par, 2);
		usleep_range(1000, 2000);
	}
	switch (*end) {
	case PKT_END_CLOSE:
		pt_close(pt);
		break;
	case PKT_END_DISABLE:
		vmb_server_channel_disable(pt->ch);
		break;
	case PKT_END_RESET:
		KUNIT_EXPECT_EQ(test, vmb_server_reset(pt->sim->server), 0);
		break;
	default:
		sim_guest_destroy_now(pt->sim);
		break;
	}
	vmb_overlap_exit(&r.par, 2);
	/* The threads go on a little against the ended channel. */
	msleep(20);
	r.maps_after = r.maps;
	msleep(20);
	WRITE_ONCE(r.stop, true);
	wait_for_completion(&r.sender_done);
	wait_for_completion(&r.mapper_done);
	sim_settle(pt->sim);

	for (i = 0; i < r.sends; i++) {
		accepted += r.accepted[i];
		wrong += atomic_read(&r.done[i]) != r.accepted[i];
	}
	kunit_info(test, "%u sends, %u accepted, %u done callbacks not exactly once; %u maps (%u before the end), the last refused with %d\n",
		   r.sends, accepted, wrong, r.maps, maps_before, r.map_err);
	KUNIT_EXPECT_GT(test, accepted, 0);
	KUNIT_EXPECT_EQ(test, wrong, 0);
	KUNIT_EXPECT_GE(test, maps_before, PT_RACE_MAPS);
	/* Nothing mapped once the end returned. */
	KUNIT_EXPECT_EQ(test, r.maps, r.maps_after);
	KUNIT_EXPECT_EQ(test, r.map_err, -ENOTCONN);
	KUNIT_EXPECT_EQ(test, atomic_read(&pt->sim->pinned), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&pt->ch->mappings));
	vmb_overlap_expect(test, &r.par);
	KUNIT_EXPECT_TRUE_MSG(test, vmb_overlap_met_by(&r.par, 2),
			      "the end never began beside a back-end call");
}

/* A file that polls like an eventfd: readable once signalled. */
struct pt_kick {
	wait_queue_head_t wq;
	bool readable;
};

static __poll_t pt_kick_poll(struct file *file, poll_table *wait)
{
	struct pt_kick *k = file->private_data;

	poll_wait(file, &k->wq, wait);
	return READ_ONCE(k->readable) ? EPOLLIN : 0;
}

static const struct file_operations pt_kick_fops = {
	.owner = THIS_MODULE,
	.poll = pt_kick_poll,
};

static void pt_kick_signal(struct pt_kick *k)
{
	WRITE_ONCE(k->readable, true);
	wake_up_poll(&k->wq, EPOLLIN);
}

static void pt_fput(void *file)
{
	fput(file);
}

/*
 * Guest signals through a kick file: a wake-up queues the channel's work;
 * after the file is removed, or replaced, or the server destroyed, the old
 * file wakes nothing.
 */
static void kick_file_signals(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	struct vmb_server *server = pt->sim->server;
	u32 conn = vmb_server_channel_connection_id(pt->ch);
	struct pt_kick k = {}, k2 = {};
	struct file *f, *f2;

	init_waitqueue_head(&k.wq);
	init_waitqueue_head(&k2.wq);
	f = anon_inode_getfile("[pt-kick]", &pt_kick_fops, &k, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, pt_fput, f));
	f2 = anon_inode_getfile("[pt-kick]", &pt_kick_fops, &k2, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f2);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, pt_fput, f2));

	KUNIT_EXPECT_EQ(test, vmb_server_set_kick_file(server, 0, f), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmb_server_set_kick_file(server, conn, f), 0);
	KUNIT_EXPECT_TRUE(test, wq_has_sleeper(&k.wq));
	/* The guest writes; only the file tells the server. */
	KUNIT_ASSERT_TRUE(test, gr_send(&pt->to_host, VMB_PACKET_DATA_INBAND,
					0, 1, "k1", 2));
	KUNIT_EXPECT_EQ(test, pt->to_host.signals, 1);
	pt_flush(pt);
	KUNIT_EXPECT_EQ(test, pt->received, 0);
	pt_kick_signal(&k);
	pt_flush(pt);
	KUNIT_EXPECT_EQ(test, pt->received, 1);

	/* Replaced: the old file wakes nothing, the new one works. */
	KUNIT_EXPECT_EQ(test, vmb_server_set_kick_file(server, conn, f2), 0);
	KUNIT_EXPECT_FALSE(test, wq_has_sleeper(&k.wq));
	KUNIT_ASSERT_TRUE(test, gr_send(&pt->to_host, VMB_PACKET_DATA_INBAND,
					0, 2, "k2", 2));
	pt_kick_signal(&k);
	pt_flush(pt);
	KUNIT_EXPECT_EQ(test, pt->received, 1);
	pt_kick_signal(&k2);
	pt_flush(pt);
	KUNIT_EXPECT_EQ(test, pt->received, 2);

	/* Destroy stops waiting on it. */
	sim_guest_destroy_now(pt->sim);
	KUNIT_EXPECT_FALSE(test, wq_has_sleeper(&k2.wq));
	KUNIT_EXPECT_EQ(test, file_count(f2), 1);
}

/*
 * A kick file whose wait queue goes away (POLLFREE, as signalfd's and
 * binder's do): the server leaves the queue at the wake-up, and removing
 * the file later touches nothing of it (KASAN checks).
 */
static void kick_file_pollfree(struct kunit *test)
{
	struct pt *pt = pt_open(test, 0);
	struct vmb_server *server = pt->sim->server;
	u32 conn = vmb_server_channel_connection_id(pt->ch);
	struct pt_kick *k = kzalloc(sizeof(*k), GFP_KERNEL);
	struct file *f;

	KUNIT_ASSERT_NOT_NULL(test, k);
	init_waitqueue_head(&k->wq);
	f = anon_inode_getfile("[pt-kick]", &pt_kick_fops, k, O_RDWR);
	if (IS_ERR(f))
		kfree(k);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, pt_fput, f));
	KUNIT_ASSERT_EQ(test, vmb_server_set_kick_file(server, conn, f), 0);
	KUNIT_ASSERT_TRUE(test, wq_has_sleeper(&k->wq));
	wake_up_pollfree(&k->wq);
	KUNIT_EXPECT_FALSE(test, wq_has_sleeper(&k->wq));
	synchronize_rcu();
	kfree(k);
	KUNIT_EXPECT_EQ(test, vmb_server_set_kick_file(server, conn, NULL), 0);
	/* Signals still reach the channel the usual way. */
	KUNIT_ASSERT_TRUE(test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND, 0, 1,
					      "ok", 2));
	KUNIT_EXPECT_EQ(test, pt->received, 1);
}

static struct kunit_case vmb_packet_cases[] = {
	KUNIT_CASE(open_pins_ring),
	KUNIT_CASE_PARAM(unpinned_on_every_end, pt_end_gen_params),
	KUNIT_CASE(pin_failure_refuses_open),
	KUNIT_CASE(bad_ring_start_refuses_open),
	KUNIT_CASE(signal_after_open_result),
	KUNIT_CASE(no_signal_after_open_ended),
	KUNIT_CASE(recv_every_size),
	KUNIT_CASE(recv_copy_is_stable),
	KUNIT_CASE(recv_out_of_order),
	KUNIT_CASE(held_packet_does_not_hide_next),
	KUNIT_CASE_PARAM(completion_flood_stalls_guest, pt_rxflood_gen_params),
	KUNIT_CASE(complete_from_timer),
	KUNIT_CASE(completion_only_when_requested),
	KUNIT_CASE(recv_masks_while_reading),
	KUNIT_CASE(recv_slots_bound),
	KUNIT_CASE(suspend_reclaims_held),
	KUNIT_CASE(send_inband),
	KUNIT_CASE(send_with_completion),
	KUNIT_CASE(send_completion_on_close),
	KUNIT_CASE(send_only_in_open_window),
	KUNIT_CASE(send_bad_arguments),
	KUNIT_CASE(send_full_queues),
	KUNIT_CASE(send_bounds),
	KUNIT_CASE(send_never_fits_refused),
	KUNIT_CASE(queued_send_without_signal),
	KUNIT_CASE(send_sync),
	KUNIT_CASE_PARAM(hostile_ring_fails_channel, pt_bad_gen_params),
	KUNIT_CASE(backend_fails_packet),
	KUNIT_CASE(signal_flood_and_strays),
	KUNIT_CASE(kick_file_signals),
	KUNIT_CASE(kick_file_pollfree),
	KUNIT_CASE_SLOW(fuzz_open_channel),
	KUNIT_CASE_SLOW(hostile_scribbles_in_parallel),
	KUNIT_CASE(map_gpadl_buffer),
	KUNIT_CASE(map_gpadl_rules),
	KUNIT_CASE(map_gpa_range),
	KUNIT_CASE(map_after_failure_refused),
	KUNIT_CASE(map_in_refused_open_ended),
	KUNIT_CASE(map_ended_by_destroy),
	KUNIT_CASE(external_data),
	KUNIT_CASE(external_pins_bounded),
	KUNIT_CASE_PARAM(external_data_malformed, pt_bad_gpa_gen_params),
	KUNIT_CASE_PARAM(external_data_bounds, pt_gpa_bound_gen_params),
	KUNIT_CASE_SLOW(concurrent_senders),
	KUNIT_CASE_PARAM_ATTR(end_during_traffic, pt_cut_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM(backend_races_end, pt_race_end_gen_params),
	{}
};

static struct kunit_suite vmb_packet_suite = {
	.name = "vmbus_server_packet",
	.test_cases = vmb_packet_cases,
};

kunit_test_suite(vmb_packet_suite);
