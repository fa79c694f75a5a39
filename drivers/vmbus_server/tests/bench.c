// SPDX-License-Identifier: GPL-2.0
/*
 * The data path benchmark (make bench): not a test, a table.  Built only
 * with CONFIG_VMBUS_SERVER_BENCH, run on UML without KASAN or lockdep so
 * that kernel code runs at native speed, one run, every column measured
 * side by side per packet size:
 *
 *  memcpy:    one plain memcpy of the packet's bytes into a 1 MiB area,
 *             the physical limit;
 *  send:      the host's send path: vmb_ring_write() of a descriptor and
 *             the payload into a 1 MiB ring (copy, padding, trailer, index
 *             and signal logic); the simulated guest drains the ring by
 *             moving its read index whenever it is full;
 *  split:     a split-copy ring writer of the same format written here
 *             (the usual design, Linux's guest and QEMU: copy up to the
 *             end of the data area, then the rest from its start), same
 *             ring, same draining;
 *  recv:      the receive path of the zero-copy design this project had
 *             before, per packet: vmb_ring_peek(), a callback that reads
 *             the payload's first and last words in place,
 *             vmb_ring_consume(); the simulated guest fills the ring
 *             (guest_ring.c) untimed between rounds;
 *  recv+copy: the receive path as the data work runs it now: per packet
 *             vmb_ring_peek() and a copy of the whole packet into a
 *             receive slot's buffer, the callback reading the copy, and
 *             vmb_ring_consume() once per VMB_RX_BUDGET packets (once a
 *             run); the goal is memcpy + 10 ns at every size;
 *  ring copy: the copies alone that recv+copy makes, from the same filled
 *             ring into the same slot, with no parsing: what receiving
 *             pays for reading what the guest wrote (the memcpy row reads
 *             a hot 64 KiB source, the ring is 1 MiB).
 *
 * The last column is each path's cost per packet beyond memcpy's; a line
 * per size gives recv+copy's beyond ring copy's.
 *
 * The second case, control_plane, prints three tables of the control path,
 * against a lean transport that queues host messages as the VMM's char
 * device does (256-byte slots under a spinlock) and takes them as its
 * read() does, less the syscall and the user copies:
 *
 *  per message: one guest message handed to the server until its reply is
 *             taken (GPADL_HEADER, GPADL_TEARDOWN, INITIATE_CONTACT);
 *  per channel: enable (offer taken), open (ring GPADL and OPENCHANNEL,
 *             answered from the channel's work), close and remove, in ns
 *             per channel for 16 to 2047 channels on one server and for
 *             1 to 100 servers of 16: whether the cost stays flat;
 *  memory:    slab growth per idle offered channel and per idle open one.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/vmbus_server.h>
#include <linux/vmbus_server_protocol.h>

#include "../channel.h"
#include "../core.h"
#include "../datapath.h"
#include "../ring.h"
#include "guest_ring.h"

#define BENCH_DATA_PAGES	256
#define BENCH_RING		(BENCH_DATA_PAGES * PAGE_SIZE)
/* Bytes each column moves per size: enough for stable nanoseconds. */
#define BENCH_BYTES		(256ULL << 20)
#define BENCH_MIN_PACKETS	200000

struct bench {
	struct page *pages[1 + BENCH_DATA_PAGES];
	struct vmb_ring host;
	struct guest_ring g;
	u8 *src;
	u8 *area;
	u8 *slot;		/* a receive slot's copy buffer */
	u32 split_write;	/* the split writer's own write index */
	u64 sink;
};

static void bench_free(void *data)
{
	struct bench *b = data;
	unsigned int i;

	vmb_ring_unmap(&b->host);
	if (b->g.buf)
		vunmap(b->g.buf);
	vfree(b->src);
	vfree(b->area);
	vfree(b->slot);
	for (i = 0; i < ARRAY_SIZE(b->pages); i++)
		if (b->pages[i])
			__free_page(b->pages[i]);
}

/* An empty ring, both sides at 0, the host writing (@out) or reading. */
static void bench_reset(struct kunit *test, struct bench *b, bool out)
{
	gr_init(&b->g, page_address(b->pages[0]), b->g.buf, BENCH_RING, 0);
	KUNIT_ASSERT_EQ(test, 0, vmb_ring_start(&b->host, out));
}

static u64 bench_packets(u32 size)
{
	return max_t(u64, BENCH_MIN_PACKETS, BENCH_BYTES / size);
}

static u64 bench_memcpy(struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i, t;
	u32 off = 0;

	t = ktime_get_ns();
	for (i = 0; i < n; i++) {
		memcpy(b->area + off, b->src, size);
		off += ALIGN(size, 8) + 24;
		if (off + size > BENCH_RING)
			off = 0;
	}
	return ktime_get_ns() - t;
}

/* 64-byte copy plus an index update, the 64 B send goal's yardstick. */
static u64 bench_copy_index(struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i, t;
	u32 off = 0;

	t = ktime_get_ns();
	for (i = 0; i < n; i++) {
		memcpy(b->g.buf + off, b->src, size);
		off += ALIGN(size, 8) + 24;
		if (off + size > BENCH_RING)
			off = 0;
		/* What a writer pays to publish its index. */
		smp_store_release(&b->g.ctl->write_index, cpu_to_le32(off));
	}
	return ktime_get_ns() - t;
}

/* The guest has read everything: the whole ring is free again. */
static void bench_drain(struct bench *b)
{
	WRITE_ONCE(b->g.ctl->read_index, READ_ONCE(b->g.ctl->write_index));
}

static u64 bench_send(struct kunit *test, struct bench *b, u32 size)
{
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(VMB_PACKET_DATA_INBAND),
		.offset8 = cpu_to_le16(2),
		.len8 = cpu_to_le16((16 + ALIGN(size, 8)) / 8),
	};
	struct kvec vec[2] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = b->src, .iov_len = size },
	};
	u64 n = bench_packets(size), i = 0, t;
	bool signal;
	int ret;

	bench_reset(test, b, true);
	t = ktime_get_ns();
	while (i < n) {
		ret = vmb_ring_write(&b->host, vec, 2, &signal);
		if (ret == -ENOSPC) {
			bench_drain(b);
			continue;
		}
		if (ret)
			break;
		i++;
	}
	t = ktime_get_ns() - t;
	KUNIT_EXPECT_EQ(test, i, n);
	return t;
}

/* The benchmark's own split-copy writer of the same format. */
static bool bench_split_write(struct bench *b, const void *desc,
			      const void *payload, u32 size)
{
	struct guest_ring *g = &b->g;
	u32 old = b->split_write, write = old;
	u32 read = le32_to_cpu(READ_ONCE(g->ctl->read_index));
	u32 total = 16 + ALIGN(size, 8) + 8;
	u32 used = write >= read ? write - read : BENCH_RING - read + write;
	__le64 trailer = cpu_to_le64((u64)write << 32);
	u64 pad = 0;

	if (total >= BENCH_RING - used)
		return false;
	gr_put(g, write, desc, 16);
	gr_put(g, (write + 16) % BENCH_RING, payload, size);
	gr_put(g, (write + 16 + size) % BENCH_RING, &pad,
	       ALIGN(size, 8) - size);
	gr_put(g, (write + 16 + ALIGN(size, 8)) % BENCH_RING, &trailer, 8);
	write = (write + total) % BENCH_RING;
	b->split_write = write;
	/* The packet before the index. */
	smp_store_release(&g->ctl->write_index, cpu_to_le32(write));
	/* The index before the reader's mask and index. */
	smp_mb();
	if (!READ_ONCE(g->ctl->interrupt_mask) &&
	    le32_to_cpu(READ_ONCE(g->ctl->read_index)) == old)
		g->signals++;
	return true;
}

static u64 bench_split(struct kunit *test, struct bench *b, u32 size)
{
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(VMB_PACKET_DATA_INBAND),
		.offset8 = cpu_to_le16(2),
		.len8 = cpu_to_le16((16 + ALIGN(size, 8)) / 8),
	};
	u64 n = bench_packets(size), i = 0, t;

	bench_reset(test, b, true);
	b->split_write = 0;
	t = ktime_get_ns();
	while (i < n) {
		if (!bench_split_write(b, &desc, b->src, size)) {
			bench_drain(b);
			continue;
		}
		i++;
	}
	return ktime_get_ns() - t;
}

/* What a back-end's process_packet does with a packet: look at it. */
static noinline void bench_consume(struct bench *b, const u8 *data, u32 len)
{
	b->sink += *(const u64 *)data + *(const u64 *)(data + len - 8);
}

/* The guest fills the ring, untimed. */
static void bench_fill(struct bench *b, u32 size, u64 id)
{
	while (gr_send(&b->g, VMB_PACKET_DATA_INBAND, 0, id, b->src, size))
		;
}

static u64 bench_recv(struct kunit *test, struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i = 0, t = 0, t0;
	struct vmb_ring_packet pkt;
	u32 pos;

	bench_reset(test, b, false);
	while (i < n) {
		bench_fill(b, size, i);
		pos = b->host.index;
		t0 = ktime_get_ns();
		while (i < n && !vmb_ring_peek(&b->host, pos, U32_MAX, &pkt)) {
			bench_consume(b, pkt.start + pkt.offset,
				      pkt.len - pkt.offset);
			vmb_ring_consume(&b->host, pkt.next);
			pos = pkt.next;
			i++;
		}
		t += ktime_get_ns() - t0;
	}
	return t;
}

/* The data work's receive: copied out, published once per run. */
static u64 bench_recv_copy(struct kunit *test, struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i = 0, t = 0, t0;
	struct vmb_ring_packet pkt;
	unsigned int run;
	u32 pos;

	bench_reset(test, b, false);
	while (i < n) {
		bench_fill(b, size, i);
		pos = b->host.index;
		t0 = ktime_get_ns();
		for (run = 0; i < n &&
		     !vmb_ring_peek(&b->host, pos, U32_MAX, &pkt); i++) {
			memcpy(b->slot, pkt.start, pkt.len);
			bench_consume(b, b->slot + pkt.offset,
				      pkt.len - pkt.offset);
			pos = pkt.next;
			if (++run == VMB_RX_BUDGET) {
				vmb_ring_consume(&b->host, pos);
				run = 0;
			}
		}
		vmb_ring_consume(&b->host, pos);
		t += ktime_get_ns() - t0;
	}
	return t;
}

/* recv+copy's copies alone: the packets of a filled ring, into a slot. */
static u64 bench_ring_copy(struct kunit *test, struct bench *b, u32 size)
{
	u64 n = bench_packets(size), i = 0, t = 0, t0;
	u32 pos, len = 16 + ALIGN(size, 8);

	bench_reset(test, b, false);
	while (i < n) {
		bench_fill(b, size, i);
		pos = b->host.index;
		t0 = ktime_get_ns();
		for (; i < n && pos != le32_to_cpu(b->g.ctl->write_index); i++) {
			memcpy(b->slot, b->host.data + pos, len);
			bench_consume(b, b->slot + 16, len - 16);
			pos += len + 8;
			if (pos >= BENCH_RING)
				pos -= BENCH_RING;
		}
		/* The guest's room back, untimed: it fills again. */
		WRITE_ONCE(b->g.ctl->read_index, cpu_to_le32(pos));
		b->host.index = pos;
		t += ktime_get_ns() - t0;
	}
	return t;
}

/* Tenths of a nanosecond per packet that @ns took beyond @ref. */
static s64 bench_over(u64 ns, u64 ref, u64 n)
{
	return div64_s64(((s64)ns - (s64)ref) * 10, n);
}

static void bench_row(struct kunit *test, u32 size, const char *name,
		      u64 ns, u64 ref)
{
	u64 n = bench_packets(size);
	u64 mbps = div64_u64((u64)size * n * 1000, max_t(u64, ns, 1));
	s64 over = bench_over(ns, ref, n);

	kunit_info(test, "%6u B  %-10s %7llu MB/s %8llu.%01llu ns/packet  %3llu%% of memcpy  %c%lld.%01lld ns\n",
		   size, name, mbps, div64_u64(ns, n),
		   div64_u64(ns * 10, n) % 10,
		   div64_u64(ref * 100, max_t(u64, ns, 1)),
		   over < 0 ? '-' : '+', abs(over) / 10, abs(over) % 10);
}

static void ring_throughput(struct kunit *test)
{
	static const u32 sizes[] = { 64, 256, 1024, 4096, 65536 };
	struct bench *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	u64 mem, ns, ref;
	unsigned int i;
	s64 over;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(b->pages); i++) {
		b->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, b->pages[i]);
	}
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, bench_free,
							   b));
	b->g.buf = vmap(b->pages + 1, BENCH_DATA_PAGES, VM_MAP, PAGE_KERNEL);
	b->src = vmalloc(65536);
	b->area = vmalloc(BENCH_RING);
	b->slot = vmalloc(65536 + 64);
	KUNIT_ASSERT_NOT_NULL(test, b->g.buf);
	KUNIT_ASSERT_NOT_NULL(test, b->src);
	KUNIT_ASSERT_NOT_NULL(test, b->area);
	KUNIT_ASSERT_NOT_NULL(test, b->slot);
	memset(b->src, 0x5a, 65536);
	gr_init(&b->g, page_address(b->pages[0]), b->g.buf, BENCH_RING, 0);
	KUNIT_ASSERT_EQ(test, 0, vmb_ring_map(&b->host, b->pages,
					      ARRAY_SIZE(b->pages)));

	kunit_info(test, "  size  path       throughput    per packet      vs memcpy  beyond it\n");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		mem = bench_memcpy(b, sizes[i]);
		bench_row(test, sizes[i], "memcpy", mem, mem);
		if (sizes[i] == 64) {
			ns = bench_copy_index(b, sizes[i]);
			bench_row(test, sizes[i], "copy+index", ns, mem);
		}
		ns = bench_send(test, b, sizes[i]);
		bench_row(test, sizes[i], "send", ns, mem);
		ns = bench_split(test, b, sizes[i]);
		bench_row(test, sizes[i], "split", ns, mem);
		ns = bench_recv(test, b, sizes[i]);
		bench_row(test, sizes[i], "recv", ns, mem);
		ns = bench_recv_copy(test, b, sizes[i]);
		bench_row(test, sizes[i], "recv+copy", ns, mem);
		ref = bench_ring_copy(test, b, sizes[i]);
		bench_row(test, sizes[i], "ring copy", ref, mem);
		over = bench_over(ns, ref, bench_packets(sizes[i]));
		kunit_info(test, "%6u B  recv+copy beyond ring copy: %c%lld.%01lld ns/packet\n",
			   sizes[i], over < 0 ? '-' : '+', abs(over) / 10,
			   abs(over) % 10);
	}
	kunit_info(test, "(sink %llu)\n", b->sink);
}

/*
 * The control path (case control_plane).  A lean transport stands in for
 * the VMM's char device: post_message copies the message into a queue of
 * CP_QUEUE_LEN slots of 256 bytes under a spinlock and wakes the reader,
 * as vmbs_post_message() does; cp_take() is its read() without the user
 * copy: it waits for a message, copies it out and frees its slot.  Guest
 * frames are pages of a pool allocated once, pinned with get_page().
 */

/* As VMBS_MSGQ_LEN: the char device's queue of host messages. */
#define CP_QUEUE_LEN		32
/* Frames of a channel's ring GPADL: a control and a data page per ring. */
#define CP_RING_FRAMES		4
#define CP_FRAME_SIZE		4096
#define CP_GPFN_BASE		0x100000
#define CP_MAX_CHANNELS		VMB_MAX_RELID
#define CP_POOL_FRAMES		(CP_RING_FRAMES * CP_MAX_CHANNELS)
#define CP_MAX_SERVERS		100
/* Samples per guest message of the first table. */
#define CP_MSG_ROUNDS		20000
/* Channels each row of the second table sets up and tears down. */
#define CP_CHANNELS_PER_ROW	8192
#define CP_MIN_ROUNDS		9U
#define CP_MAX_ROUNDS		512U
/* Samples of each reference figure. */
#define CP_REF_ROUNDS		4096
#define CP_SAMPLES		(3 * CP_REF_ROUNDS)
#define CP_MEM_CHANNELS		1024
#define CP_TAKE_TIMEOUT		(5 * HZ)
/* Instance GUIDs, one per channel of a server. */
#define CP_INSTANCE(i)		GUID_INIT(0xbe4c0000 + (i), 0x1234, 0x5678, \
					  0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, \
					  0x33, 0x44)

static const guid_t cp_type = GUID_INIT(0xbe4c7e57, 0xe377, 0x4aac, 0x8e,
					0x77, 0x05, 0x58, 0xeb, 0x10, 0x73,
					0xf8);

/* As struct vmbs_host_msg: what read() hands the VMM. */
struct cp_slot {
	u32 vp_index;
	u8 sint;
	u8 pad[3];
	u32 message_type;
	u32 payload_size;
	u8 payload[VMB_MSG_MAX_SIZE];
};

static_assert(sizeof(struct cp_slot) == 256);

#define CP_SLOT_HDR		offsetof(struct cp_slot, payload)

struct cp_bench;

/* One VM: a server and its transport. */
struct cp_vm {
	struct cp_bench *b;
	struct vmb_server *server;
	spinlock_t lock;		/* guards @head, @count, @refused */
	wait_queue_head_t wq;
	unsigned int head;
	unsigned int count;
	bool refused;
	struct cp_slot q[CP_QUEUE_LEN];
	struct cp_slot out;		/* what the last cp_take() copied */
};

struct cp_chan {
	struct vmb_channel *ch;
	struct cp_vm *vm;
	u32 relid;
};

struct cp_bench {
	struct page **pool;
	atomic_t pinned;
	atomic_t signals;
	unsigned int errors;
	struct cp_vm *vms[CP_MAX_SERVERS];
	unsigned int nr_vms;
	struct cp_chan *chans;
	unsigned int nr_chans;
	u32 *samples;
};

static int cp_post_message(struct vmb_server *server, u32 target_vp,
			   u8 sint, const void *msg, size_t len)
{
	struct cp_vm *vm = vmb_server_priv(server);
	struct cp_slot *m;

	if (WARN_ON_ONCE(len > VMB_MSG_MAX_SIZE))
		return -EINVAL;
	spin_lock(&vm->lock);
	if (vm->count == CP_QUEUE_LEN) {
		vm->refused = true;
		spin_unlock(&vm->lock);
		return -EAGAIN;
	}
	m = &vm->q[(vm->head + vm->count) % CP_QUEUE_LEN];
	memset(m, 0, CP_SLOT_HDR);
	m->vp_index = target_vp;
	m->sint = sint;
	m->message_type = 1;
	m->payload_size = len;
	memcpy(m->payload, msg, len);
	vm->count++;
	spin_unlock(&vm->lock);
	wake_up_interruptible_poll(&vm->wq, EPOLLIN | EPOLLRDNORM);
	return 0;
}

/*
 * The VMM's read(), but for copy_to_user(): wait for a message, copy it
 * out, free its slot.  Returns the message's type, 0 when none came.
 */
static u32 cp_take(struct cp_vm *vm)
{
	bool refused = false;
	struct cp_slot *m;
	unsigned int count;

	if (wait_event_interruptible_timeout(vm->wq, READ_ONCE(vm->count),
					     CP_TAKE_TIMEOUT) <= 0)
		return 0;
	spin_lock(&vm->lock);
	count = vm->count;
	spin_unlock(&vm->lock);
	if (!count)
		return 0;
	/* One reader: the head stays while we copy. */
	m = &vm->q[vm->head];
	memcpy(&vm->out, m, CP_SLOT_HDR + m->payload_size);
	spin_lock(&vm->lock);
	vm->head = (vm->head + 1) % CP_QUEUE_LEN;
	vm->count--;
	swap(refused, vm->refused);
	spin_unlock(&vm->lock);
	if (refused)
		vmb_server_transport_ready(vm->server);
	return get_unaligned_le32(vm->out.payload);
}

static void cp_signal_guest(struct vmb_server *server, u32 child_relid,
			    u32 target_vp)
{
	struct cp_vm *vm = vmb_server_priv(server);

	atomic_inc(&vm->b->signals);
}

static void cp_unpin(struct vmb_server *server, struct page **pages,
		     unsigned int count)
{
	struct cp_vm *vm = vmb_server_priv(server);
	unsigned int i;

	for (i = 0; i < count; i++)
		put_page(pages[i]);
	atomic_sub(count, &vm->b->pinned);
}

static int cp_pin(struct vmb_server *server, const u64 *gpfns,
		  unsigned int count, bool write, struct page **pages)
{
	struct cp_vm *vm = vmb_server_priv(server);
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (gpfns[i] < CP_GPFN_BASE ||
		    gpfns[i] - CP_GPFN_BASE >= CP_POOL_FRAMES) {
			atomic_add(i, &vm->b->pinned);
			cp_unpin(server, pages, i);
			return -EFAULT;
		}
		pages[i] = vm->b->pool[gpfns[i] - CP_GPFN_BASE];
		get_page(pages[i]);
	}
	atomic_add(count, &vm->b->pinned);
	return 0;
}

static const struct vmb_server_transport_ops cp_ops = {
	.post_message = cp_post_message,
	.signal_guest = cp_signal_guest,
	.pin_guest_pages = cp_pin,
	.unpin_guest_pages = cp_unpin,
};

static int cp_opened(struct vmb_channel *channel)
{
	return 0;
}

static const struct vmb_server_channel_callbacks cp_callbacks = {
	.opened = cp_opened,
};

/* Servers first, as a VMM's teardown; then the channels. */
static void cp_vms_destroy(struct cp_bench *b)
{
	unsigned int i;

	for (i = 0; i < b->nr_vms; i++) {
		vmb_server_destroy(b->vms[i]->server);
		kfree(b->vms[i]);
	}
	b->nr_vms = 0;
	for (i = 0; i < b->nr_chans; i++)
		vmb_server_channel_free(b->chans[i].ch);
	b->nr_chans = 0;
}

static void cp_free(void *data)
{
	struct cp_bench *b = data;
	unsigned int i;

	cp_vms_destroy(b);
	if (b->pool)
		for (i = 0; i < CP_POOL_FRAMES; i++)
			if (b->pool[i])
				__free_page(b->pool[i]);
	kvfree(b->pool);
	kvfree(b->chans);
	kvfree(b->samples);
}

static struct cp_vm *cp_vm_create(struct cp_bench *b)
{
	struct cp_vm *vm;

	if (b->nr_vms == CP_MAX_SERVERS)
		return NULL;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return NULL;
	vm->b = b;
	spin_lock_init(&vm->lock);
	init_waitqueue_head(&vm->wq);
	vm->server = vmb_server_create(&cp_ops, vm);
	if (IS_ERR(vm->server)) {
		kfree(vm);
		return NULL;
	}
	b->vms[b->nr_vms++] = vm;
	return vm;
}

static int cp_send(struct cp_vm *vm, const void *msg, size_t len)
{
	return vmb_server_deliver_guest_message(vm->server,
						VMB_MESSAGE_CONNECTION_ID,
						msg, len);
}

/* A guest message and the one reply it must bring, successful. */
static void cp_exchange(struct cp_bench *b, struct cp_vm *vm,
			const void *msg, size_t len, u32 reply)
{
	if (cp_send(vm, msg, len) || cp_take(vm) != reply)
		b->errors++;
	else if ((reply == VMB_MSG_GPADL_CREATED ||
		  reply == VMB_MSG_OPENCHANNEL_RESULT) &&
		 get_unaligned_le32(vm->out.payload + 16))
		b->errors++;
}

/* INITIATE_CONTACT for 5.3, as Linux sends it, and VERSION_RESPONSE. */
static void cp_contact(struct cp_bench *b, struct cp_vm *vm)
{
	struct vmb_msg_initiate_contact ic = {
		.header.msgtype = cpu_to_le32(VMB_MSG_INITIATE_CONTACT),
		.version = cpu_to_le32(VMB_VERSION_WIN10_V5_3),
		.msg_sint = 2,
	};

	if (vmb_server_deliver_guest_message(vm->server,
					     VMB_MESSAGE_CONNECTION_ID_4,
					     &ic, sizeof(ic)) ||
	    cp_take(vm) != VMB_MSG_VERSION_RESPONSE || !vm->out.payload[8])
		b->errors++;
}

static void cp_connect(struct cp_bench *b, struct cp_vm *vm)
{
	struct vmb_msg_header req = {
		.msgtype = cpu_to_le32(VMB_MSG_REQUESTOFFERS),
	};

	cp_contact(b, vm);
	cp_exchange(b, vm, &req, sizeof(req), VMB_MSG_ALLOFFERS_DELIVERED);
}

/* A channel of @vm, configured, not enabled. */
static int cp_chan_alloc(struct cp_bench *b, struct cp_vm *vm,
			 unsigned int i)
{
	guid_t instance = CP_INSTANCE(i);
	struct vmb_channel *ch;
	struct cp_chan *c;

	if (b->nr_chans == CP_MAX_CHANNELS)
		return -ENOSPC;
	c = &b->chans[b->nr_chans];
	ch = vmb_server_channel_alloc();
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	c->ch = ch;
	c->vm = vm;
	c->relid = 0;
	b->nr_chans++;
	if (vmb_server_channel_init_set_server(ch, vm->server) ||
	    vmb_server_channel_init_set_interface(ch, &cp_type, &instance) ||
	    vmb_server_channel_init_set_callbacks(ch, &cp_callbacks, b))
		return -EINVAL;
	return 0;
}

/* Enable: the offer goes out at once, the guest asked for offers. */
static void cp_enable(struct cp_bench *b, struct cp_chan *c)
{
	if (vmb_server_channel_enable(c->ch) ||
	    cp_take(c->vm) != VMB_MSG_OFFERCHANNEL)
		b->errors++;
	c->relid = vmb_server_channel_relid(c->ch);
}

/* A GPADL_HEADER of one range of @frames frames from @gpfn. */
static size_t cp_gpadl_msg(void *buf, u32 relid, u32 id, u64 gpfn,
			   unsigned int frames)
{
	struct vmb_msg_gpadl_header *hdr = buf;
	struct vmb_gpa_range *range = (void *)(hdr + 1);
	unsigned int i;

	memset(buf, 0, VMB_MSG_MAX_SIZE);
	hdr->header.msgtype = cpu_to_le32(VMB_MSG_GPADL_HEADER);
	hdr->child_relid = cpu_to_le32(relid);
	hdr->gpadl = cpu_to_le32(id);
	hdr->range_buflen = cpu_to_le16(sizeof(*range) +
					frames * sizeof(u64));
	hdr->range_count = cpu_to_le16(1);
	range->byte_count = cpu_to_le32(frames * CP_FRAME_SIZE);
	for (i = 0; i < frames; i++)
		range->pfn[i] = cpu_to_le64(gpfn + i);
	return sizeof(*hdr) + sizeof(*range) + frames * sizeof(u64);
}

static int cp_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* The guest's ring GPADL for a channel: its own frames, id the relid. */
static void cp_gpadl(struct cp_bench *b, struct cp_chan *c)
{
	u8 buf[VMB_MSG_MAX_SIZE];
	size_t len;

	len = cp_gpadl_msg(buf, c->relid, c->relid, CP_GPFN_BASE +
			   (c->relid - 1) * CP_RING_FRAMES, CP_RING_FRAMES);
	cp_exchange(b, c->vm, buf, len, VMB_MSG_GPADL_CREATED);
}

/* OPENCHANNEL, answered once the work mapped the rings and opened ran. */
static void cp_open(struct cp_bench *b, struct cp_chan *c)
{
	struct vmb_msg_open_channel open = {
		.header.msgtype = cpu_to_le32(VMB_MSG_OPENCHANNEL),
		.child_relid = cpu_to_le32(c->relid),
		.open_id = cpu_to_le32(c->relid),
		.ring_gpadl = cpu_to_le32(c->relid),
		.downstream_ring_page_offset = cpu_to_le32(CP_RING_FRAMES / 2),
	};

	cp_exchange(b, c->vm, &open, sizeof(open),
		    VMB_MSG_OPENCHANNEL_RESULT);
}

/* As Linux's vmbus_close(): CLOSECHANNEL, then the ring's teardown. */
static void cp_close(struct cp_bench *b, struct cp_chan *c)
{
	struct vmb_msg_relid close = {
		.header.msgtype = cpu_to_le32(VMB_MSG_CLOSECHANNEL),
		.child_relid = cpu_to_le32(c->relid),
	};

	if (cp_send(c->vm, &close, sizeof(close)))
		b->errors++;
}

/* Answered once the closing work released the ring. */
static void cp_teardown(struct cp_bench *b, struct cp_chan *c)
{
	struct vmb_msg_gpadl_teardown td = {
		.header.msgtype = cpu_to_le32(VMB_MSG_GPADL_TEARDOWN),
		.child_relid = cpu_to_le32(c->relid),
		.gpadl = cpu_to_le32(c->relid),
	};

	cp_exchange(b, c->vm, &td, sizeof(td), VMB_MSG_GPADL_TORNDOWN);
}

/* The guest takes the rescind and releases the relid. */
static void cp_release(struct cp_bench *b, struct cp_chan *c)
{
	struct vmb_msg_relid rel = {
		.header.msgtype = cpu_to_le32(VMB_MSG_RELID_RELEASED),
		.child_relid = cpu_to_le32(c->relid),
	};

	if (cp_take(c->vm) != VMB_MSG_RESCIND_CHANNELOFFER ||
	    cp_send(c->vm, &rel, sizeof(rel)))
		b->errors++;
}

static void cp_remove(struct cp_bench *b, struct cp_chan *c)
{
	vmb_server_channel_disable(c->ch);
	cp_release(b, c);
	vmb_server_channel_free(c->ch);
	c->ch = NULL;
}

/*
 * Table 1: one guest message up to its reply taken.  UML's clock counts
 * in steps of 256 ns: each message is timed in batches of CP_BATCH.
 * Between batches, untimed, RCU catches up (rcu_barrier()), as it does
 * between a VMM's syscalls: a loop that never sleeps would otherwise pile
 * up the xarray nodes GPADL ids free, and time fresh slab pages instead.
 */
#define CP_BATCH		100

static void cp_print_stat(struct kunit *test, const char *msg,
			  const char *reply, u32 *d, unsigned int batches)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < batches; i++)
		sum += d[i];
	sort(d, batches, sizeof(*d), cp_cmp_u32, NULL);
	kunit_info(test, "  %-24s %-18s %6llu ns %6u ns %6u ns\n", msg, reply,
		   div_u64(sum, batches * CP_BATCH), d[batches / 2] / CP_BATCH,
		   d[batches - 1] / CP_BATCH);
}

static void cp_messages(struct kunit *test, struct cp_bench *b)
{
	struct vmb_msg_gpadl_teardown td = {
		.header.msgtype = cpu_to_le32(VMB_MSG_GPADL_TEARDOWN),
	};
	unsigned int nb = CP_MSG_ROUNDS / CP_BATCH, k, j;
	struct vmb_msg_gpadl_header *hdr;
	u8 buf[VMB_MSG_MAX_SIZE];
	struct cp_vm *vm, *bare;
	u32 *d = b->samples;
	size_t len;
	u64 t0;

	vm = cp_vm_create(b);
	bare = cp_vm_create(b);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_NOT_NULL(test, bare);
	cp_connect(b, vm);
	KUNIT_ASSERT_EQ(test, 0, cp_chan_alloc(b, vm, 0));
	cp_enable(b, &b->chans[0]);
	KUNIT_ASSERT_EQ(test, b->errors, 0);
	len = cp_gpadl_msg(buf, b->chans[0].relid, 0, CP_GPFN_BASE, 1);
	hdr = (void *)buf;
	td.child_relid = cpu_to_le32(b->chans[0].relid);

	for (k = 0; k < nb; k++) {
		t0 = ktime_get_ns();
		for (j = 1; j <= CP_BATCH; j++) {
			hdr->gpadl = cpu_to_le32(j);
			cp_exchange(b, vm, buf, len, VMB_MSG_GPADL_CREATED);
		}
		d[k] = ktime_get_ns() - t0;
		t0 = ktime_get_ns();
		for (j = 1; j <= CP_BATCH; j++) {
			td.gpadl = cpu_to_le32(j);
			cp_exchange(b, vm, &td, sizeof(td),
				    VMB_MSG_GPADL_TORNDOWN);
		}
		d[nb + k] = ktime_get_ns() - t0;
		rcu_barrier();
	}
	/* A server without channels: nothing to reset, answered at once. */
	for (k = 0; k < nb; k++) {
		t0 = ktime_get_ns();
		for (j = 0; j < CP_BATCH; j++)
			cp_contact(b, bare);
		d[2 * nb + k] = ktime_get_ns() - t0;
		rcu_barrier();
	}
	KUNIT_EXPECT_EQ(test, b->errors, 0);
	cp_remove(b, &b->chans[0]);
	cp_vms_destroy(b);

	kunit_info(test, "control path, per guest message: vmb_server_deliver_guest_message() until its one reply is copied out of a %u-slot queue of 256-byte slots (spinlock, as /dev/vmbus_server); NOT included: the write() and read() syscalls and their user copies, the VMM's SynIC post; %u of each, timed in batches of %u (UML's clock counts in 256 ns steps)\n",
		   CP_QUEUE_LEN, CP_MSG_ROUNDS, CP_BATCH);
	kunit_info(test, "  guest message            reply                mean  median batch  worst batch\n");
	cp_print_stat(test, "GPADL_HEADER, 1 PFN", "GPADL_CREATED", d, nb);
	cp_print_stat(test, "GPADL_TEARDOWN", "GPADL_TORNDOWN", d + nb, nb);
	cp_print_stat(test, "INITIATE_CONTACT 5.3", "VERSION_RESPONSE",
		      d + 2 * nb, nb);
}

/* Steps timed apart; the table sums them up as enable, open, close, remove. */
enum cp_step {
	CP_ENABLE,
	CP_GPADL, CP_OPEN,
	CP_CLOSE, CP_TEARDOWN,
	CP_DISABLE, CP_RELEASE, CP_FREE,
	CP_STEPS,
	/* The table's columns after enable: sums of steps. */
	CP_OPEN_ALL = CP_STEPS, CP_CLOSE_ALL, CP_REMOVE_ALL,
	CP_COLS
};

/* The clock now, and what passed since @t0 added to @t. */
static u64 cp_lap(u64 t0, u64 *t)
{
	u64 now = ktime_get_ns();

	*t += now - t0;
	return now;
}

/* Set up and tear down @servers servers of @per channels, timed. */
static void cp_round(struct kunit *test, struct cp_bench *b,
		     unsigned int servers, unsigned int per, u64 *t)
{
	unsigned int n = servers * per, s, i;
	struct cp_chan *c;
	struct cp_vm *vm;
	u64 t0;

	for (s = 0; s < servers; s++) {
		vm = cp_vm_create(b);
		KUNIT_ASSERT_NOT_NULL(test, vm);
		cp_connect(b, vm);
		for (i = 0; i < per; i++)
			KUNIT_ASSERT_EQ(test, 0, cp_chan_alloc(b, vm, i));
	}

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		cp_enable(b, &b->chans[i]);
	cp_lap(t0, &t[CP_ENABLE]);
	/* The back-end runs them: started follows each open. */
	for (i = 0; i < n; i++)
		if (vmb_server_channel_start(b->chans[i].ch))
			b->errors++;
	flush_workqueue(vmb_wq);

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		cp_gpadl(b, &b->chans[i]);
		t0 = cp_lap(t0, &t[CP_GPADL]);
		cp_open(b, &b->chans[i]);
		t0 = cp_lap(t0, &t[CP_OPEN]);
	}
	for (i = 0; i < n; i++) {
		cp_close(b, &b->chans[i]);
		t0 = cp_lap(t0, &t[CP_CLOSE]);
		cp_teardown(b, &b->chans[i]);
		t0 = cp_lap(t0, &t[CP_TEARDOWN]);
	}
	for (i = 0; i < n; i++) {
		c = &b->chans[i];
		vmb_server_channel_disable(c->ch);
		t0 = cp_lap(t0, &t[CP_DISABLE]);
		cp_release(b, c);
		t0 = cp_lap(t0, &t[CP_RELEASE]);
		vmb_server_channel_free(c->ch);
		c->ch = NULL;
		t0 = cp_lap(t0, &t[CP_FREE]);
	}
	cp_vms_destroy(b);
}

/* The median of @n samples (sorted in place). */
static u32 cp_median(u32 *d, unsigned int n)
{
	sort(d, n, sizeof(*d), cp_cmp_u32, NULL);
	return d[n / 2];
}

/* For comparison: what UML makes of a ring's mapping, and of a work. */
struct cp_work {
	struct work_struct work;
	struct completion done;
};

static void cp_work_fn(struct work_struct *work)
{
	complete(&container_of(work, struct cp_work, work)->done);
}

/* Map and unmap one ring @n times while @held other rings are mapped. */
static void cp_ref_rings(struct cp_bench *b, struct vmb_ring *others,
			 unsigned int held, u32 *map, u32 *unmap, u64 *unmaps)
{
	unsigned int n = CP_REF_ROUNDS, i;
	struct vmb_ring ring = {};
	u64 t0, t1;

	for (i = 0; i < held; i++)
		if (vmb_ring_map(&others[i], b->pool + i / 2 * CP_RING_FRAMES,
				 CP_RING_FRAMES / 2))
			b->errors++;
	*unmaps = 0;
	for (i = 0; i < n; i++) {
		t0 = ktime_get_ns();
		if (vmb_ring_map(&ring, b->pool + (i % CP_MAX_CHANNELS) *
				 CP_RING_FRAMES, CP_RING_FRAMES / 2) ||
		    vmb_ring_start(&ring, true))
			b->errors++;
		t1 = ktime_get_ns();
		vmb_ring_unmap(&ring);
		map[i] = t1 - t0;
		unmap[i] = ktime_get_ns() - t1;
		*unmaps += unmap[i];
	}
	for (i = 0; i < held; i++)
		vmb_ring_unmap(&others[i]);
}

static void cp_reference(struct kunit *test, struct cp_bench *b)
{
	/* Two rings per channel, as many as 2047 open channels hold. */
	static const unsigned int held[] = { 0, 2 * 16, 2 * CP_MAX_CHANNELS };
	unsigned int n = CP_REF_ROUNDS, i;
	u32 *map = b->samples, *unmap = map + n, *work = unmap + n;
	struct vmb_ring *others;
	struct cp_work w;
	u64 t0, unmaps;

	others = kvcalloc(2 * CP_MAX_CHANNELS, sizeof(*others), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, others);
	kunit_info(test, "  for comparison, on this UML (medians of %u): one ring's vmap (%u pages: control page, data pages twice) and first read; its vunmap, alone and with the lazy purges (mean); while other rings stay mapped:\n",
		   n, CP_RING_FRAMES - 1);
	for (i = 0; i < ARRAY_SIZE(held); i++) {
		cp_ref_rings(b, others, held[i], map, unmap, &unmaps);
		kunit_info(test, "    %4u other rings mapped: vmap and first read %6u ns; vunmap %6u ns, mean %6llu ns\n",
			   held[i], cp_median(map, n), cp_median(unmap, n),
			   div_u64(unmaps, n));
	}
	kvfree(others);
	INIT_WORK_ONSTACK(&w.work, cp_work_fn);
	init_completion(&w.done);
	for (i = 0; i < n; i++) {
		reinit_completion(&w.done);
		t0 = ktime_get_ns();
		queue_work(vmb_wq, &w.work);
		wait_for_completion(&w.done);
		work[i] = ktime_get_ns() - t0;
	}
	flush_work(&w.work);
	destroy_work_on_stack(&w.work);
	KUNIT_EXPECT_EQ(test, b->errors, 0);
	kunit_info(test, "  a work queued on the server's workqueue and waited for: %u ns (median of %u)\n",
		   cp_median(work, n), n);
}

/* Table 2: ns per channel of each step, for a few shapes. */
static void cp_channels(struct kunit *test, struct cp_bench *b)
{
	static const struct {
		unsigned int servers, per;
	} rows[] = { { 1, 16 }, { 1, 256 }, { 1, 2047 }, { 10, 16 },
		     { 100, 16 } };
	u32 ns[ARRAY_SIZE(rows)][CP_COLS], mean[ARRAY_SIZE(rows)][CP_COLS];
	unsigned int r, i, k, n, rounds;
	u64 t[CP_STEPS], sum[CP_COLS];
	const u32 *v;
	u32 *d;

	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		n = rows[r].servers * rows[r].per;
		rounds = clamp(DIV_ROUND_UP(CP_CHANNELS_PER_ROW, n),
			       CP_MIN_ROUNDS, CP_MAX_ROUNDS);
		memset(sum, 0, sizeof(sum));
		for (i = 0; i < rounds; i++) {
			memset(t, 0, sizeof(t));
			cp_round(test, b, rows[r].servers, rows[r].per, t);
			d = b->samples + i;
			for (k = 0; k < CP_STEPS; k++)
				d[k * rounds] = div_u64(t[k], n);
			d[CP_OPEN_ALL * rounds] = d[CP_GPADL * rounds] +
						  d[CP_OPEN * rounds];
			d[CP_CLOSE_ALL * rounds] = d[CP_CLOSE * rounds] +
						   d[CP_TEARDOWN * rounds];
			d[CP_REMOVE_ALL * rounds] = d[CP_DISABLE * rounds] +
						    d[CP_RELEASE * rounds] +
						    d[CP_FREE * rounds];
			for (k = 0; k < CP_COLS; k++)
				sum[k] += d[k * rounds];
		}
		for (k = 0; k < CP_COLS; k++) {
			mean[r][k] = div_u64(sum[k], rounds);
			ns[r][k] = cp_median(b->samples + k * rounds, rounds);
		}
	}
	KUNIT_EXPECT_EQ(test, b->errors, 0);

	kunit_info(test, "offering and opening, ns per channel: each step timed for every channel of a round of set-up and tear-down; the median of rounds of about %u channels (at least %u rounds)\n",
		   CP_CHANNELS_PER_ROW, CP_MIN_ROUNDS);
	kunit_info(test, "  enable: vmb_server_channel_enable() on a connected server, its OFFERCHANNEL taken\n");
	kunit_info(test, "  open:   gpadl: GPADL_HEADER (%u frames), GPADL_CREATED taken; open: OPENCHANNEL, the channel's work (pin, two ring vmaps, opened, started, post_started), OPENCHANNEL_RESULT taken\n",
		   CP_RING_FRAMES);
	kunit_info(test, "  close:  close: CLOSECHANNEL delivered; teardown: GPADL_TEARDOWN, the work (suspend, unmap, unpin, closed), GPADL_TORNDOWN taken\n");
	kunit_info(test, "  remove: disable: vmb_server_channel_disable() (its work posts the rescind); release: RESCIND taken, RELID_RELEASED; free: vmb_server_channel_free()\n");
	kunit_info(test, "  not included: alloc and init of the channels, start, server create, connect and destroy; a VMM's syscalls and user copies\n");
	kunit_info(test, "  close, mean: the mean of the rounds, with the lazy purges of the rings' vunmapped areas that the medians leave to a few of the rounds\n");
	kunit_info(test, "  servers  channels     enable       open      close     remove  close, mean\n");
	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		v = ns[r];
		kunit_info(test, "  %7u  %5u%-3s %7u ns %7u ns %7u ns %7u ns   %7u ns\n",
			   rows[r].servers, rows[r].per,
			   rows[r].servers > 1 ? " ea" : "", v[CP_ENABLE],
			   v[CP_OPEN_ALL], v[CP_CLOSE_ALL], v[CP_REMOVE_ALL],
			   mean[r][CP_CLOSE_ALL]);
	}
	kunit_info(test, "  the steps:                 gpadl     open    close teardown  disable  release     free\n");
	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		v = ns[r];
		kunit_info(test, "  %7u  %5u%-3s %8u %8u %8u %8u %8u %8u %8u\n",
			   rows[r].servers, rows[r].per,
			   rows[r].servers > 1 ? " ea" : "", v[CP_GPADL],
			   v[CP_OPEN], v[CP_CLOSE], v[CP_TEARDOWN],
			   v[CP_DISABLE], v[CP_RELEASE], v[CP_FREE]);
	}
	kunit_info(test, "  the same, mean of the rounds: with what comes now and then (the lazy purge of vunmapped areas, the host taking the CPU)\n");
	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		v = mean[r];
		kunit_info(test, "  %7u  %5u%-3s %8u %8u %8u %8u %8u %8u %8u\n",
			   rows[r].servers, rows[r].per,
			   rows[r].servers > 1 ? " ea" : "", v[CP_GPADL],
			   v[CP_OPEN], v[CP_CLOSE], v[CP_TEARDOWN],
			   v[CP_DISABLE], v[CP_RELEASE], v[CP_FREE]);
	}
	cp_reference(test, b);
}

static unsigned long cp_slab_pages(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
	       global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B);
}

/* Bytes per channel that @pages pages of slab are, for @n channels. */
static long cp_per_channel(long pages, unsigned int n)
{
	return div_s64((s64)pages * PAGE_SIZE, n);
}

/* Table 3, measured first: what idle channels hold, per channel. */
struct cp_mem {
	long offered;		/* slab pages the offered channels took */
	long open;		/* ... and their opens on top */
	size_t alloc;		/* ksize() of a struct vmb_channel */
	unsigned int va;	/* pages an open channel's rings vmap */
};

static void cp_memory(struct kunit *test, struct cp_bench *b,
		      struct cp_mem *mem)
{
	unsigned int n = CP_MEM_CHANNELS, i;
	unsigned long s0, s1, s2;
	struct vmb_channel *ch;
	struct cp_vm *vm;

	vm = cp_vm_create(b);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	cp_connect(b, vm);
	flush_workqueue(vmb_wq);
	rcu_barrier();

	s0 = cp_slab_pages();
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, 0, cp_chan_alloc(b, vm, i));
		cp_enable(b, &b->chans[i]);
		if (vmb_server_channel_start(b->chans[i].ch))
			b->errors++;
	}
	flush_workqueue(vmb_wq);
	s1 = cp_slab_pages();
	for (i = 0; i < n; i++) {
		cp_gpadl(b, &b->chans[i]);
		cp_open(b, &b->chans[i]);
	}
	flush_workqueue(vmb_wq);
	s2 = cp_slab_pages();

	mem->offered = s1 - s0;
	mem->open = s2 - s1;
	ch = b->chans[0].ch;
	mem->alloc = ksize(ch);
	/* Each ring: its control page, its data pages twice. */
	mem->va = 2 + 2 * (ch->dp.in.size + ch->dp.out.size) / PAGE_SIZE;
	for (i = 0; i < n; i++) {
		cp_close(b, &b->chans[i]);
		cp_teardown(b, &b->chans[i]);
	}
	for (i = 0; i < n; i++)
		cp_remove(b, &b->chans[i]);
	cp_vms_destroy(b);
	KUNIT_EXPECT_EQ(test, b->errors, 0);
}

static void cp_print_memory(struct kunit *test, const struct cp_mem *mem)
{
	unsigned int n = CP_MEM_CHANNELS;

	kunit_info(test, "memory per channel, %u channels on one server: slab pages (unreclaimable + reclaimable, large kmallocs included) after minus before, divided by %u; the guest's pinned ring pages not included\n",
		   n, n);
	kunit_info(test, "  offered, idle:              %6ld B  (goal: at most 1024 B); of it struct vmb_channel: %zu B (its struct vmb_datapath: %zu B), allocated as %zu B\n",
		   cp_per_channel(mem->offered, n), sizeof(struct vmb_channel),
		   sizeof(struct vmb_datapath), mem->alloc);
	kunit_info(test, "  open, idle, beyond offered: %6ld B  (ring GPADL, page array, the two vmaps' vm_struct and vmap_area)\n",
		   cp_per_channel(mem->open, n));
	kunit_info(test, "  vmap'd per open channel: %u pages of kernel address space + 2 guard pages; the page-table pages mapping them are in no counter: not included (%u PTEs, about %u B)\n",
		   mem->va, mem->va + 2, (mem->va + 2) * 8);
}

static void control_plane(struct kunit *test)
{
	struct cp_bench *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct cp_mem mem;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, cp_free, b));
	b->pool = kvcalloc(CP_POOL_FRAMES, sizeof(*b->pool), GFP_KERNEL);
	b->chans = kvcalloc(CP_MAX_CHANNELS, sizeof(*b->chans), GFP_KERNEL);
	BUILD_BUG_ON(3 * CP_MSG_ROUNDS / CP_BATCH > CP_SAMPLES ||
		     CP_COLS * CP_MAX_ROUNDS > CP_SAMPLES);
	b->samples = kvmalloc_array(CP_SAMPLES, sizeof(u32), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->pool);
	KUNIT_ASSERT_NOT_NULL(test, b->chans);
	KUNIT_ASSERT_NOT_NULL(test, b->samples);
	for (i = 0; i < CP_POOL_FRAMES; i++) {
		b->pool[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, b->pool[i]);
	}

	/* First, while the slab caches have seen little churn. */
	cp_memory(test, b, &mem);
	cp_messages(test, b);
	cp_channels(test, b);
	cp_print_memory(test, &mem);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->pinned), 0);
	kunit_info(test, "(guest signals raised: %d)\n",
		   atomic_read(&b->signals));
}

static struct kunit_case vmb_bench_cases[] = {
	KUNIT_CASE_SLOW(ring_throughput),
	KUNIT_CASE_SLOW(control_plane),
	{}
};

static struct kunit_suite vmb_bench_suite = {
	.name = "vmbus_server_bench",
	.test_cases = vmb_bench_cases,
};

kunit_test_suite(vmb_bench_suite);
