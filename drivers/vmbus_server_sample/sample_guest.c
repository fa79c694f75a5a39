// SPDX-License-Identifier: GPL-2.0
/*
 * The VM of the sample back-end, played by the module itself: a transport
 * that logs every host-to-guest message decoded field by field instead of
 * posting it to a VM, guest memory from the host's own pages, and a guest
 * driver that does what a Linux guest does (VMBUS.md): contact, offers, a
 * ring GPADL, an open, one request over the ring, and close, teardown and
 * release when the offer is rescinded.
 *
 * A guest trusts its host: this one checks the host's packets only as far
 * as it needs to read them without running off its ring.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/vmbus_server_protocol.h>
#include <linux/workqueue.h>

#include "sample.h"

/* Linux guests take host messages on this SINT (VMBUS.md §3). */
#define SAMPLE_GUEST_MESSAGE_SINT	2

/*
 * The ring GPADL: guest-to-host ring at page 0, host-to-guest ring at the
 * downstream offset, each a control page and one data page.  The guest's
 * frame numbers start at an arbitrary base; the transport resolves them.
 */
#define SAMPLE_RING_PAGES		4
#define SAMPLE_DOWNSTREAM_OFFSET	2
#define SAMPLE_GPFN_BASE		0x100
#define SAMPLE_RING_GPADL		1

/* How long the guest waits for each answer of the host. */
#define SAMPLE_ANSWER_TIMEOUT		(10 * HZ)

/* One direction of the guest's ring, its data area mapped once. */
struct sample_ring {
	struct vmb_ring_control *ctl;
	u8 *data;
	u32 size;
};

struct sample_vm {
	struct vmb_server *server;
	u32 version;
	/* Where the guest posts after INITIATE_CONTACT: from 5.0 on the host
	 * names it in VERSION_RESPONSE.
	 */
	u32 msg_conn_id;

	/* From the offer: the channel's relid and where to signal it. */
	u32 relid;
	u32 connection_id;
	struct completion offered;

	/* The host's answers the guest waits for, with their status. */
	struct completion gpadl_created;
	u32 gpadl_status;
	struct completion open_result;
	u32 open_status;
	struct completion torndown;

	/* Guest memory: the ring GPADL's frames, and how many are pinned. */
	struct page *pages[SAMPLE_RING_PAGES];
	atomic_t pinned;
	struct sample_ring out;
	struct sample_ring in;

	/* The host's signal is handled here, as in a guest's channel
	 * callback; the answer to the request lands in @resp.
	 */
	struct work_struct receive_work;
	struct completion answered;
	struct sample_version_resp resp;

	/* A guest answers a rescind later: disable does not wait for it. */
	struct work_struct release_work;
	u32 rescinded_relid;
	bool gpadl_made;
	bool opened;
};

static struct sample_vm the_vm;

static void sample_log_user_data(const u8 *data, size_t len)
{
	size_t i, used = 0;

	for (i = 0; i < len; i++)
		if (data[i])
			used = i + 1;
	if (!used)
		pr_info("  user data               @60:  %zu bytes, all zero\n",
			len);
	else
		pr_info("  user data               @60:  %zu bytes, first %zu: %*ph\n",
			len, min_t(size_t, used, 16),
			(int)min_t(size_t, used, 16), data);
}

static void sample_log_offer(const struct vmb_msg_offer_channel *offer)
{
	u16 flags = le16_to_cpu(offer->chn_flags);

	pr_info("host -> guest: OFFERCHANNEL (msgtype %u), %zu bytes\n",
		le32_to_cpu(offer->header.msgtype), sizeof(*offer));
	pr_info("  interface type          @8:   %pUl\n",
		&offer->interface_type);
	pr_info("  interface instance      @24:  %pUl\n",
		&offer->interface_instance);
	pr_info("  chn_flags               @56:  0x%04x%s%s\n", flags,
		flags & VMB_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE ?
			" ENUMERATE_DEVICE_INTERFACE" : "",
		flags & VMB_OFFER_FLAG_NAMED_PIPE_MODE ?
			" NAMED_PIPE_MODE" : "");
	pr_info("  mmio_megabytes          @58:  %u MiB\n",
		le16_to_cpu(offer->mmio_megabytes));
	if (flags & VMB_OFFER_FLAG_NAMED_PIPE_MODE) {
		pr_info("  pipe_mode               @60:  %u\n",
			le32_to_cpu(offer->pipe.pipe_mode));
		sample_log_user_data(offer->pipe.user_data,
				     sizeof(offer->pipe.user_data));
	} else {
		sample_log_user_data(offer->user_data,
				     sizeof(offer->user_data));
	}
	pr_info("  sub_channel_index       @180: %u\n",
		le16_to_cpu(offer->sub_channel_index));
	pr_info("  mmio_megabytes_optional @182: %u MiB\n",
		le16_to_cpu(offer->mmio_megabytes_optional));
	pr_info("  child_relid             @184: %u\n",
		le32_to_cpu(offer->child_relid));
	pr_info("  monitor                 @188: id %u, allocated %u\n",
		offer->monitor_id,
		offer->monitor_flags & VMB_OFFER_MONITOR_ALLOCATED);
	pr_info("  dedicated interrupt     @190: %u\n",
		le16_to_cpu(offer->interrupt_flags) &
		VMB_OFFER_DEDICATED_INTERRUPT);
	pr_info("  connection_id           @192: 0x%x\n",
		le32_to_cpu(offer->connection_id));
}

/* The length each message the guest acts on must have at least. */
static const size_t sample_msg_len[VMB_MSG_COUNT] = {
	[VMB_MSG_OFFERCHANNEL] = sizeof(struct vmb_msg_offer_channel),
	[VMB_MSG_RESCIND_CHANNELOFFER] = sizeof(struct vmb_msg_relid),
	[VMB_MSG_OPENCHANNEL_RESULT] = sizeof(struct vmb_msg_open_result),
	[VMB_MSG_GPADL_CREATED] = sizeof(struct vmb_msg_gpadl_created),
	[VMB_MSG_GPADL_TORNDOWN] = sizeof(struct vmb_msg_gpadl_torndown),
	[VMB_MSG_VERSION_RESPONSE] = sizeof(struct vmb_msg_version_response),
};

/*
 * The transport's message slot: instead of a VM's SynIC, the kernel log,
 * and the guest's own reaction.  The server calls it with none of its
 * locks held, one message at a time.
 */
static int sample_post_message(struct vmb_server *server, u32 target_vp,
			       u8 sint, const void *msg, size_t len)
{
	const struct vmb_msg_version_response *vr = msg;
	const struct vmb_msg_gpadl_created *created = msg;
	const struct vmb_msg_open_result *result = msg;
	const struct vmb_msg_gpadl_torndown *torndown = msg;
	const struct vmb_msg_offer_channel *offer = msg;
	const struct vmb_msg_relid *rescind = msg;
	const struct vmb_msg_header *hdr = msg;
	struct sample_vm *vm = vmb_server_priv(server);
	u32 type;

	if (len < sizeof(*hdr)) {
		pr_warn("host -> guest: runt message, %zu bytes\n", len);
		return -EINVAL;
	}
	type = le32_to_cpu(hdr->msgtype);
	if (type < VMB_MSG_COUNT && len < sample_msg_len[type]) {
		pr_warn("host -> guest: message type %u, only %zu bytes\n",
			type, len);
		return -EINVAL;
	}

	switch (type) {
	case VMB_MSG_OFFERCHANNEL:
		sample_log_offer(offer);
		vm->relid = le32_to_cpu(offer->child_relid);
		vm->connection_id = le32_to_cpu(offer->connection_id);
		complete(&vm->offered);
		return 0;
	case VMB_MSG_VERSION_RESPONSE:
		pr_info("host -> guest: VERSION_RESPONSE version_supported %u, msg_conn_id %u\n",
			vr->version_supported, le32_to_cpu(vr->msg_conn_id));
		if (vr->version_supported && vm->version >= VMB_VERSION_WIN10_V5)
			vm->msg_conn_id = le32_to_cpu(vr->msg_conn_id);
		return 0;
	case VMB_MSG_ALLOFFERS_DELIVERED:
		pr_info("host -> guest: ALLOFFERS_DELIVERED\n");
		return 0;
	case VMB_MSG_GPADL_CREATED:
		vm->gpadl_status = le32_to_cpu(created->status);
		pr_info("host -> guest: GPADL_CREATED gpadl %u status 0x%x\n",
			le32_to_cpu(created->gpadl), vm->gpadl_status);
		complete(&vm->gpadl_created);
		return 0;
	case VMB_MSG_OPENCHANNEL_RESULT:
		vm->open_status = le32_to_cpu(result->status);
		pr_info("host -> guest: OPENCHANNEL_RESULT child_relid %u status 0x%x\n",
			le32_to_cpu(result->child_relid), vm->open_status);
		complete(&vm->open_result);
		return 0;
	case VMB_MSG_RESCIND_CHANNELOFFER:
		pr_info("host -> guest: RESCIND_CHANNELOFFER child_relid %u\n",
			le32_to_cpu(rescind->child_relid));
		vm->rescinded_relid = le32_to_cpu(rescind->child_relid);
		schedule_work(&vm->release_work);
		return 0;
	case VMB_MSG_GPADL_TORNDOWN:
		pr_info("host -> guest: GPADL_TORNDOWN gpadl %u\n",
			le32_to_cpu(torndown->gpadl));
		complete(&vm->torndown);
		return 0;
	case VMB_MSG_UNLOAD_RESPONSE:
		pr_info("host -> guest: UNLOAD_RESPONSE\n");
		return 0;
	}
	pr_info("host -> guest: message type %u, %zu bytes\n", type, len);
	return 0;
}

/* The transport's event flag and SINT: here, the guest's receive work. */
static void sample_signal_guest(struct vmb_server *server, u32 child_relid,
				u32 target_vp)
{
	struct sample_vm *vm = vmb_server_priv(server);

	/* Any context, even under the channel's spinlock: only queue. */
	schedule_work(&vm->receive_work);
}

/* Guest frame numbers to the host's pages; nothing else is guest memory. */
static int sample_pin(struct vmb_server *server, const u64 *gpfns,
		      unsigned int count, bool write, struct page **pages)
{
	struct sample_vm *vm = vmb_server_priv(server);
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (gpfns[i] < SAMPLE_GPFN_BASE ||
		    gpfns[i] - SAMPLE_GPFN_BASE >= SAMPLE_RING_PAGES)
			return -EFAULT;
		pages[i] = vm->pages[gpfns[i] - SAMPLE_GPFN_BASE];
	}
	atomic_add(count, &vm->pinned);
	return 0;
}

static void sample_unpin(struct vmb_server *server, struct page **pages,
			 unsigned int count)
{
	struct sample_vm *vm = vmb_server_priv(server);

	atomic_sub(count, &vm->pinned);
}

static const struct vmb_server_transport_ops sample_transport = {
	.post_message = sample_post_message,
	.signal_guest = sample_signal_guest,
	.pin_guest_pages = sample_pin,
	.unpin_guest_pages = sample_unpin,
};

/* The guest posts a message, as HvPostMessage would hand it over. */
static int sample_guest_post(u32 connection_id, const void *msg, size_t len,
			     const char *what)
{
	int ret;

	pr_info("guest -> host: %s on connection id %u\n", what,
		connection_id);
	ret = vmb_server_deliver_guest_message(the_vm.server, connection_id, msg,
					       len);
	if (ret)
		pr_err("guest -> host: %s refused: %d\n", what, ret);
	return ret;
}

static int sample_guest_wait(struct completion *done, const char *what)
{
	if (wait_for_completion_killable_timeout(done, SAMPLE_ANSWER_TIMEOUT) >
	    0)
		return 0;
	pr_err("guest: no %s from the host\n", what);
	return -ETIMEDOUT;
}

int sample_guest_connect(void)
{
	struct vmb_msg_initiate_contact contact = {
		.header.msgtype = cpu_to_le32(VMB_MSG_INITIATE_CONTACT),
		.version = cpu_to_le32(the_vm.version),
	};
	struct vmb_msg_header request = {
		.msgtype = cpu_to_le32(VMB_MSG_REQUESTOFFERS),
	};
	u32 conn_id = VMB_MESSAGE_CONNECTION_ID;
	int ret;

	/* 5.0 changed where contact is made and where messages go next. */
	if (the_vm.version >= VMB_VERSION_WIN10_V5) {
		contact.msg_sint = SAMPLE_GUEST_MESSAGE_SINT;
		conn_id = VMB_MESSAGE_CONNECTION_ID_4;
	}
	the_vm.msg_conn_id = VMB_MESSAGE_CONNECTION_ID;
	ret = sample_guest_post(conn_id, &contact, sizeof(contact),
				"INITIATE_CONTACT");
	if (ret)
		return ret;
	return sample_guest_post(the_vm.msg_conn_id, &request, sizeof(request),
				 "REQUESTOFFERS");
}

static void sample_ring_init(struct sample_ring *ring, unsigned int page)
{
	ring->ctl = page_address(the_vm.pages[page]);
	ring->data = page_address(the_vm.pages[page + 1]);
	ring->size = PAGE_SIZE;
}

/* Describe the ring pages to the host, then open the channel on them. */
int sample_guest_open(void)
{
	struct {
		struct vmb_msg_gpadl_header hdr;
		struct vmb_gpa_range range;
		__le64 pfn[SAMPLE_RING_PAGES];
	} __packed gpadl = {
		.hdr.header.msgtype = cpu_to_le32(VMB_MSG_GPADL_HEADER),
		.hdr.gpadl = cpu_to_le32(SAMPLE_RING_GPADL),
		.hdr.range_buflen = cpu_to_le16(sizeof(gpadl.range) +
						sizeof(gpadl.pfn)),
		.hdr.range_count = cpu_to_le16(1),
		.range.byte_count = cpu_to_le32(SAMPLE_RING_PAGES * PAGE_SIZE),
	};
	struct vmb_msg_open_channel open = {
		.header.msgtype = cpu_to_le32(VMB_MSG_OPENCHANNEL),
		.open_id = cpu_to_le32(1),
		.ring_gpadl = cpu_to_le32(SAMPLE_RING_GPADL),
		.downstream_ring_page_offset =
			cpu_to_le32(SAMPLE_DOWNSTREAM_OFFSET),
	};
	unsigned int i;
	int ret;

	/* The relid is known once the offer came, maybe after contact. */
	ret = sample_guest_wait(&the_vm.offered, "offer");
	if (ret)
		return ret;
	gpadl.hdr.child_relid = cpu_to_le32(the_vm.relid);
	open.child_relid = gpadl.hdr.child_relid;
	/* Both rings start empty: the pages are zeroed. */
	sample_ring_init(&the_vm.out, 0);
	sample_ring_init(&the_vm.in, SAMPLE_DOWNSTREAM_OFFSET);
	for (i = 0; i < SAMPLE_RING_PAGES; i++)
		gpadl.pfn[i] = cpu_to_le64(SAMPLE_GPFN_BASE + i);
	ret = sample_guest_post(the_vm.msg_conn_id, &gpadl, sizeof(gpadl),
				"GPADL_HEADER");
	if (!ret)
		ret = sample_guest_wait(&the_vm.gpadl_created, "GPADL_CREATED");
	if (ret)
		return ret;
	if (the_vm.gpadl_status)
		return -EIO;
	the_vm.gpadl_made = true;

	ret = sample_guest_post(the_vm.msg_conn_id, &open, sizeof(open),
				"OPENCHANNEL");
	if (!ret)
		ret = sample_guest_wait(&the_vm.open_result, "OPENCHANNEL_RESULT");
	if (ret)
		return ret;
	the_vm.opened = !the_vm.open_status;
	return the_vm.opened ? 0 : -EIO;
}

/* Copy into or out of a ring at @at, split where the data area ends. */
static void sample_ring_put(struct sample_ring *ring, u32 at, const void *src,
			    u32 len)
{
	u32 first = min(len, ring->size - at);

	memcpy(ring->data + at, src, first);
	memcpy(ring->data, src + first, len - first);
}

static void sample_ring_get(const struct sample_ring *ring, u32 at, void *dst,
			    u32 len)
{
	u32 first = min(len, ring->size - at);

	memcpy(dst, ring->data + at, first);
	memcpy(dst + first, ring->data, len - first);
}

/* Write one in-band packet to the host and signal it if it needs that. */
static int sample_guest_send(const void *payload, u32 len, u64 trans_id)
{
	struct sample_ring *ring = &the_vm.out;
	u32 total = ALIGN(sizeof(struct vmb_packet_desc) + len, 8);
	struct vmb_packet_desc desc = {
		.type = cpu_to_le16(VMB_PACKET_DATA_INBAND),
		.offset8 = cpu_to_le16(sizeof(desc) / 8),
		.len8 = cpu_to_le16(total / 8),
		.trans_id = cpu_to_le64(trans_id),
	};
	u32 write = le32_to_cpu(ring->ctl->write_index);
	u32 read = le32_to_cpu(READ_ONCE(ring->ctl->read_index));
	u32 used = (write - read + ring->size) % ring->size;
	__le64 trailer = cpu_to_le64((u64)write << 32);
	static const u8 zeros[8];

	/* One byte stays free, or a full ring would look empty. */
	if (used + total + sizeof(trailer) >= ring->size)
		return -EAGAIN;
	sample_ring_put(ring, write, &desc, sizeof(desc));
	sample_ring_put(ring, (write + sizeof(desc)) % ring->size, payload,
			len);
	sample_ring_put(ring, (write + sizeof(desc) + len) % ring->size, zeros,
			total - sizeof(desc) - len);
	sample_ring_put(ring, (write + total) % ring->size, &trailer,
			sizeof(trailer));
	/* The packet is in the ring before the host can see the index. */
	smp_store_release(&ring->ctl->write_index,
			  cpu_to_le32((write + total + sizeof(trailer)) %
				      ring->size));
	/*
	 * Only a host that had read everything listens for a signal; the
	 * index store comes before that read (pairs with the host's barrier
	 * between unmasking and looking at the write index again).
	 */
	smp_mb();
	if (le32_to_cpu(READ_ONCE(ring->ctl->read_index)) == write &&
	    !READ_ONCE(ring->ctl->interrupt_mask))
		vmb_server_guest_signal(the_vm.server, the_vm.connection_id);
	return 0;
}

/* Take what the host wrote; keep the version response. */
static void sample_guest_receive(struct work_struct *work)
{
	struct sample_ring *ring = &the_vm.in;
	u32 read = le32_to_cpu(ring->ctl->read_index);
	struct vmb_packet_desc desc;
	u32 write, len, off;

	for (;;) {
		/* The index before the packet it covers. */
		write = le32_to_cpu(smp_load_acquire(&ring->ctl->write_index));
		if (read == write)
			break;
		sample_ring_get(ring, read, &desc, sizeof(desc));
		len = le16_to_cpu(desc.len8) * 8;
		off = le16_to_cpu(desc.offset8) * 8;
		if (off < sizeof(desc) || off > len ||
		    len + 8 > (write - read + ring->size) % ring->size) {
			pr_err("guest: bad packet from the host at %u\n", read);
			return;
		}
		pr_info("guest: packet type %u, %u bytes, from the host\n",
			le16_to_cpu(desc.type), len - off);
		if (le16_to_cpu(desc.type) == VMB_PACKET_DATA_INBAND &&
		    len - off >= sizeof(the_vm.resp)) {
			sample_ring_get(ring, (read + off) % ring->size,
					&the_vm.resp, sizeof(the_vm.resp));
			complete(&the_vm.answered);
		}
		read = (read + len + 8) % ring->size;
		/* Done with the packet before the host may write over it. */
		smp_store_release(&ring->ctl->read_index, cpu_to_le32(read));
		/* The store before the next look at the write index. */
		smp_mb();
	}
}

/* The guest driver's first request: which protocol version to speak. */
int sample_guest_ask_version(u32 version, struct sample_version_resp *resp)
{
	struct sample_version_req req = {
		.hdr = sample_msg_hdr(SAMPLE_SYNTHVID_VERSION_REQUEST,
				      sizeof(req.version)),
		.version = cpu_to_le32(version),
	};
	int ret;

	pr_info("guest -> host: version request %u.%u over the ring\n",
		version & 0xffff, version >> 16);
	ret = sample_guest_send(&req, sizeof(req), 1);
	if (!ret)
		ret = sample_guest_wait(&the_vm.answered, "version response");
	if (!ret)
		*resp = the_vm.resp;
	return ret;
}

/*
 * What a Linux guest does after a rescind: close the channel, tear its
 * ring GPADL down and wait until the host let go of it, release the relid.
 */
static void sample_guest_release(struct work_struct *work)
{
	struct vmb_msg_relid close = {
		.header.msgtype = cpu_to_le32(VMB_MSG_CLOSECHANNEL),
		.child_relid = cpu_to_le32(the_vm.rescinded_relid),
	};
	struct vmb_msg_gpadl_teardown teardown = {
		.header.msgtype = cpu_to_le32(VMB_MSG_GPADL_TEARDOWN),
		.child_relid = cpu_to_le32(the_vm.rescinded_relid),
		.gpadl = cpu_to_le32(SAMPLE_RING_GPADL),
	};
	struct vmb_msg_relid released = {
		.header.msgtype = cpu_to_le32(VMB_MSG_RELID_RELEASED),
		.child_relid = cpu_to_le32(the_vm.rescinded_relid),
	};

	if (the_vm.opened) {
		the_vm.opened = false;
		sample_guest_post(the_vm.msg_conn_id, &close, sizeof(close),
				  "CLOSECHANNEL");
	}
	if (the_vm.gpadl_made &&
	    !sample_guest_post(the_vm.msg_conn_id, &teardown, sizeof(teardown),
			       "GPADL_TEARDOWN"))
		sample_guest_wait(&the_vm.torndown, "GPADL_TORNDOWN");
	sample_guest_post(the_vm.msg_conn_id, &released, sizeof(released),
			  "RELID_RELEASED");
}

/* Disable returns once the rescind is out; the guest answers it later. */
void sample_guest_wait_released(void)
{
	flush_work(&the_vm.release_work);
}

void sample_guest_unload(void)
{
	struct vmb_msg_header unload = {
		.msgtype = cpu_to_le32(VMB_MSG_UNLOAD),
	};

	sample_guest_post(the_vm.msg_conn_id, &unload, sizeof(unload), "UNLOAD");
}

static void sample_free_pages(void)
{
	unsigned int i;

	for (i = 0; i < SAMPLE_RING_PAGES; i++)
		if (the_vm.pages[i])
			__free_page(the_vm.pages[i]);
}

/* The VM: its memory, the guest's state, and a server on the transport. */
struct vmb_server *sample_vm_create(u32 version)
{
	struct vmb_server *server;
	unsigned int i;

	memset(&the_vm, 0, sizeof(the_vm));
	the_vm.version = version;
	init_completion(&the_vm.offered);
	init_completion(&the_vm.gpadl_created);
	init_completion(&the_vm.open_result);
	init_completion(&the_vm.torndown);
	init_completion(&the_vm.answered);
	INIT_WORK(&the_vm.receive_work, sample_guest_receive);
	INIT_WORK(&the_vm.release_work, sample_guest_release);
	for (i = 0; i < SAMPLE_RING_PAGES; i++) {
		the_vm.pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!the_vm.pages[i]) {
			sample_free_pages();
			return ERR_PTR(-ENOMEM);
		}
	}
	server = vmb_server_create(&sample_transport, &the_vm);
	if (IS_ERR(server)) {
		sample_free_pages();
		return server;
	}
	the_vm.server = server;
	return server;
}

/* After the server is gone nothing signals or pins: free the memory. */
void sample_vm_destroy(struct vmb_server *server)
{
	vmb_server_destroy(server);
	cancel_work_sync(&the_vm.receive_work);
	cancel_work_sync(&the_vm.release_work);
	pr_info("guest memory: %d ring frames still pinned\n",
		atomic_read(&the_vm.pinned));
	/* A pinned frame is the host's still: leak it rather than free it. */
	if (!WARN_ON(atomic_read(&the_vm.pinned)))
		sample_free_pages();
}
