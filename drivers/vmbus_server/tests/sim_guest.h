/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A simulated guest for the KUnit suites: a transport that records what the
 * server posts, can pretend its message slot is busy, callbacks that record
 * what the device back-end is told, and helpers that send the raw messages
 * a guest's VMBus driver would.
 */
#ifndef _VMBUS_SERVER_SIM_GUEST_H
#define _VMBUS_SERVER_SIM_GUEST_H

#include <kunit/test.h>
#include <linux/vmbus_server.h>
#include <linux/vmbus_server_protocol.h>

#define SIM_GUEST_MAX_MSGS 64
#define SIM_GUEST_MAX_CHANNELS 16
/*
 * Guest memory: frames SIM_GPFN_BASE + i for i below SIM_GUEST_PAGES, each
 * allocated when first used.  GPADLs take their frames in turn, wrapping
 * around; larger ones than that name frames no pin resolves.
 */
#define SIM_GUEST_PAGES 256
#define SIM_GPFN_BASE 0x1000

/* Shorthands that keep test lines short. */
#define FLAG_PIPE VMB_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE
#define FLAG_ENUMERATE VMB_SERVER_CHANNEL_INIT_FLAG_ENUMERATE_DEVICE_INTERFACE
#define PACKET_LIMIT VMB_SERVER_MAX_PACKET_SIZE_LIMIT
#define PIPE_MODE_MESSAGE VMB_SERVER_PIPE_MODE_MESSAGE

struct sim_msg {
	size_t len;
	u8 data[VMB_MSG_MAX_SIZE];
};

struct sim_guest {
	struct kunit *test;
	struct vmb_server *server;
	/* What the server posted, in order: the first SIM_GUEST_MAX_MSGS
	 * since @count was last cleared, and how many in all.
	 */
	struct sim_msg msgs[SIM_GUEST_MAX_MSGS];
	unsigned int count;
	unsigned int posted;
	/* While set, post_message answers -EAGAIN. */
	bool busy;
	/* While not 0, post_message fails with it. */
	int fail_with;
	/* While set, sim_send() returns without waiting for the channels'
	 * works: a test can play the guest while a callback blocks.
	 */
	bool no_settle;
	/* While not 0, post_message first sleeps that long; how many
	 * post_message calls began, and how many are running.
	 */
	unsigned int post_delay_ms;
	atomic_t post_calls, in_post;

	/* The device back-end's side: what its callbacks heard, in order,
	 * as space-separated words, and whether it refuses opens.
	 */
	char events[256];
	bool refuse_open;

	/* Where the last message went. */
	u32 target_vp;
	u8 sint;
	/* Counted whatever @count holds: successful opens answered, and
	 * closed callbacks that ran for a disabled channel.
	 */
	unsigned int opens_ok;
	atomic_t closed_disabled;
	/* Relids below BITS_PER_LONG the server rescinded, for a guest
	 * thread that answers them (atomic bit operations).
	 */
	unsigned long rescinded;

	/* Guest memory, and what the transport pinned of it. */
	struct page *mem[SIM_GUEST_PAGES];
	unsigned int next_frame;	/* where the next GPADL starts */
	unsigned int last_frame;	/* where the newest GPADL starts */
	atomic_t pinned;		/* pages pinned now */
	atomic_t pins;			/* pin_guest_pages calls */
	int pin_fail;			/* while not 0, pins fail with it */
	/* signal_guest calls, and the relid of the last one. */
	atomic_t signals;
	u32 signal_relid;
	/* What a test's back-end keeps. */
	void *backend;

	/* Channels the test made; freed after the server is destroyed. */
	struct vmb_channel *channels[SIM_GUEST_MAX_CHANNELS];
	unsigned int nr_channels;
};

struct sim_guest *sim_guest_create(struct kunit *test);
void sim_guest_destroy_now(struct sim_guest *sim);
void sim_guest_release(struct sim_guest *sim);
struct vmb_channel *sim_channel(struct sim_guest *sim, u8 instance);
struct vmb_channel *sim_channel_enabled(struct sim_guest *sim, u8 instance);
void sim_channel_free_now(struct sim_guest *sim, struct vmb_channel *channel);
void sim_settle(struct sim_guest *sim);
struct page *sim_frame_page(struct sim_guest *sim, unsigned int frame);
void *sim_map_frames(struct sim_guest *sim, unsigned int frame,
		     unsigned int count);
void sim_event(struct vmb_channel *channel, const char *event);
bool sim_is_open(struct vmb_channel *channel);
void sim_disable(struct sim_guest *sim, struct vmb_channel *channel);
void sim_disable_released(struct sim_guest *sim, struct vmb_channel *channel);

int sim_send(struct sim_guest *sim, u32 conn_id, const void *msg, size_t len);
int sim_send_type(struct sim_guest *sim, u32 type);
int sim_send_relid(struct sim_guest *sim, u32 type, u32 relid);
int sim_initiate_contact(struct sim_guest *sim, u32 version);
void sim_connect(struct sim_guest *sim, u32 version);
u32 sim_gpadl(struct sim_guest *sim, u32 relid, u32 id, u32 pages);
int sim_teardown(struct sim_guest *sim, u32 relid, u32 id);
int sim_open(struct sim_guest *sim, u32 relid, u32 gpadl, u32 offset,
	     u32 target_vp);
u32 sim_open_status(struct sim_guest *sim);
void sim_open_channel(struct sim_guest *sim, struct vmb_channel *channel);

u32 sim_msg_type(const struct sim_guest *sim, unsigned int i);
const void *sim_last(struct sim_guest *sim, u32 type, size_t len);
unsigned int sim_count_type(const struct sim_guest *sim, u32 type);
u32 sim_le32_at(const struct sim_guest *sim, unsigned int i, size_t off);

extern const guid_t sim_type_guid;
/* The transport of every simulated guest's server. */
extern const struct vmb_server_transport_ops sim_ops;
/* Where a whole session is played: one version per era of the protocol. */
extern const u32 sim_session_versions[4];
void sim_version_desc(const u32 *version, char *desc);

#endif /* _VMBUS_SERVER_SIM_GUEST_H */
