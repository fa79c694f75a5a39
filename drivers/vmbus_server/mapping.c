// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory mapped for a back-end: a GPADL the guest made for the
 * channel (KMCL VmbChannelMapGpadl: the receive and send buffers of network
 * and storage devices), the GPA-direct ranges of a received packet
 * (KMCL VmbChannelPacketGetExternalData), or a range the guest named by
 * its address (the VRAM of synthetic video).
 *
 * A mapping pins its frames through the transport (which resolves them in
 * the guest's memory and refuses frames outside it) and maps them with
 * vmap().  It belongs to the channel's open: mappings are taken from the
 * moment the rings are mapped (before the opened callback) until the open
 * ends, whatever ends it: the guest's close, a disable, reset or destroy,
 * the failure of the data path, or an opened callback refusing the open.
 * The back-end unmaps what it mapped, at the latest in its closed callback
 * (or before a refusing opened returns); whatever is still mapped then is
 * unmapped by the state work, with a warning, so that no frame stays
 * pinned past the open.  A mapping that was being made when the open
 * ended is undone and its caller gets -ENOTCONN.  A mapped GPADL's
 * teardown waits for the unmap, as a ring's waits for the close.
 */

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "channel.h"
#include "connection.h"
#include "gpadl.h"

/*
 * The most GPA ranges one packet may name.  Linux's storvsc and netvsc
 * send one; the bound keeps the bookkeeping of a hostile packet small.
 */
#define VMB_MAX_EXTERNAL_RANGES		64

struct vmb_mapping {
	struct vmb_server_mapping pub;
	struct list_head node;		/* on channel->mappings [lock] */
	struct vmb_channel *channel;
	struct vmb_gpadl *gpadl;	/* a GPADL mapping, else NULL */
	void *base;
	struct page **pages;
	u64 *gpfns;			/* until they are pinned */
	unsigned int nr_pages;
	struct vmb_server_range ranges[];
};

static struct vmb_mapping *vmb_mapping_alloc(unsigned int nr_ranges,
					     unsigned int nr_pages)
{
	struct vmb_mapping *m;

	m = kzalloc(struct_size(m, ranges, nr_ranges), GFP_KERNEL);
	if (!m)
		return NULL;
	m->gpfns = kvmalloc_array(nr_pages, sizeof(*m->gpfns), GFP_KERNEL);
	m->pages = kvcalloc(nr_pages, sizeof(*m->pages), GFP_KERNEL);
	if (!m->gpfns || !m->pages) {
		kvfree(m->gpfns);
		kvfree(m->pages);
		kfree(m);
		return NULL;
	}
	m->nr_pages = nr_pages;
	m->pub.nr_ranges = nr_ranges;
	m->pub.ranges = m->ranges;
	return m;
}

static void vmb_mapping_free(struct vmb_mapping *m)
{
	kvfree(m->gpfns);
	kvfree(m->pages);
	kfree(m);
}

/* The frames: pinned, then mapped; the ranges' addresses then. */
static int vmb_mapping_pin(struct vmb_channel *channel, struct vmb_mapping *m,
			   const u32 *first_page, const u32 *byte_offset)
{
	struct vmb_server *server = channel->server;
	unsigned int i;
	int ret;

	ret = vmb_pin(server, m->gpfns, m->nr_pages, m->pages);
	if (ret)
		return ret;
	/* The pages say it all from now on. */
	kvfree(m->gpfns);
	m->gpfns = NULL;
	m->base = vmap(m->pages, m->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!m->base) {
		vmb_unpin(server, m->pages, m->nr_pages);
		return -ENOMEM;
	}
	for (i = 0; i < m->pub.nr_ranges; i++)
		m->ranges[i].addr = m->base + first_page[i] * VMB_PAGE_SIZE +
				    byte_offset[i];
	return 0;
}

static void vmb_mapping_unpin(struct vmb_channel *channel,
			      struct vmb_mapping *m)
{
	vunmap(m->base);
	vmb_unpin(channel->server, m->pages, m->nr_pages);
}

/*
 * Count a mapping's frames against the channel's bound, for as long as it
 * is being made or published.
 */
static int vmb_mapping_charge(struct vmb_channel *channel,
			      struct vmb_mapping *m)
{
	lockdep_assert_held(&channel->server->lock);
	if (m->nr_pages > VMB_CHANNEL_MAX_MAPPED_FRAMES -
			  channel->mapped_frames)
		return -ENOSPC;
	channel->mapped_frames += m->nr_pages;
	return 0;
}

/* A charged mapping goes: its frames and its GPADL's map count. */
static void vmb_mapping_forget(struct vmb_channel *channel,
			       struct vmb_mapping *m)
{
	lockdep_assert_held(&channel->server->lock);
	channel->mapped_frames -= m->nr_pages;
	if (m->gpadl)
		vmb_gpadl_unmapped(channel->server, m->gpadl);
}

/*
 * Whether the open @open_seq names still takes mappings: its rings are
 * mapped, the guest did not close it, its data path did not fail and its
 * mappings were not ended.
 */
static bool vmb_mapping_live(const struct vmb_channel *channel, u32 open_seq)
{
	lockdep_assert_held(&channel->server->lock);
	return channel->mappable && channel->open_seq == open_seq &&
	       channel->guest_open != VMB_GUEST_CLOSED &&
	       !READ_ONCE(channel->dp.failed);
}

/*
 * Pin and map a charged mapping made while the lock was dropped, and
 * publish it if the open it was made for still stands; else undo it all.
 * @m is not the caller's any more.
 */
static int vmb_mapping_finish(struct vmb_channel *channel,
			      struct vmb_mapping *m, const u32 *first_page,
			      const u32 *byte_offset, u32 open_seq,
			      struct vmb_server_mapping **map)
{
	struct vmb_server *server = channel->server;
	bool open = false;
	int ret;

	m->channel = channel;
	ret = vmb_mapping_pin(channel, m, first_page, byte_offset);
	mutex_lock(&server->lock);
	if (!ret)
		open = vmb_mapping_live(channel, open_seq);
	if (open)
		list_add_tail(&m->node, &channel->mappings);
	else
		vmb_mapping_forget(channel, m);
	mutex_unlock(&server->lock);
	if (open) {
		*map = &m->pub;
		return 0;
	}
	if (!ret) {
		vmb_mapping_unpin(channel, m);
		ret = -ENOTCONN;
	}
	vmb_mapping_free(m);
	return ret;
}

/*
 * Charge and map a mapping of guest frames the caller named, if the
 * channel's open takes mappings.  @m is not the caller's any more.
 */
static int vmb_mapping_take(struct vmb_channel *channel, struct vmb_mapping *m,
			    const u32 *first_page, const u32 *byte_offset,
			    struct vmb_server_mapping **map)
{
	u32 open_seq;
	int ret;

	mutex_lock(&channel->server->lock);
	open_seq = channel->open_seq;
	ret = vmb_mapping_live(channel, open_seq) ?
	      vmb_mapping_charge(channel, m) : -ENOTCONN;
	mutex_unlock(&channel->server->lock);
	if (ret) {
		vmb_mapping_free(m);
		return ret;
	}
	return vmb_mapping_finish(channel, m, first_page, byte_offset,
				  open_seq, map);
}

/**
 * vmb_server_channel_map_gpadl() - map a GPADL the guest made for a channel
 * @channel: an open channel
 * @gpadl_id: the GPADL's id, as the guest told the back-end
 * @map: where the mapping goes
 *
 * The GPADL must belong to @channel's relid, be complete, and not be the
 * ring of an open.  Its frames are pinned and mapped in order as one range
 * (a GPADL of several ranges must have whole pages in each; a single range
 * may start inside its first page).  Until vmb_server_unmap() the guest's
 * teardown of the GPADL waits, and its memory stays pinned.  The mapping
 * ends with the open at the latest (see mapping.c).
 *
 * Context: process context, a state or packet callback included; may
 * sleep.
 * Return: 0; -EINVAL for a bad argument or a GPADL that is no buffer of
 * @channel; -ENOTCONN when the channel is not open (or the open ended
 * meanwhile); -ENOSPC when the channel's mappings would pin more than
 * %VMB_CHANNEL_MAX_MAPPED_FRAMES frames (or the server more than its
 * bound); -EOPNOTSUPP when the transport cannot pin; the transport's
 * errno; -ENOMEM.
 */
int vmb_server_channel_map_gpadl(struct vmb_channel *channel, u32 gpadl_id,
				 struct vmb_server_mapping **map)
{
	struct vmb_server *server;
	const struct vmb_gpa_range *range;
	struct vmb_gpadl *gpadl;
	struct vmb_mapping *m = NULL;
	u32 first = 0, offset = 0, open_seq = 0;
	int ret = 0;

	if (!channel || !channel->server || !map)
		return -EINVAL;
	server = channel->server;
	might_sleep();
	mutex_lock(&server->lock);
	gpadl = channel->child_relid ?
		vmb_gpadl_find(server, gpadl_id, channel->child_relid) : NULL;
	open_seq = channel->open_seq;
	if (!vmb_mapping_live(channel, open_seq)) {
		ret = -ENOTCONN;
	} else if (!gpadl || gpadl->in_use) {
		ret = -EINVAL;
	} else {
		range = (const void *)gpadl->ranges;
		if (gpadl->range_count > 1) {
			/* Several ranges join only as whole pages. */
			ret = vmb_gpadl_is_paged(gpadl) ? 0 : -EINVAL;
		} else {
			offset = le32_to_cpu(range->byte_offset);
		}
	}
	if (!ret) {
		m = vmb_mapping_alloc(1, gpadl->page_count);
		ret = m ? vmb_mapping_charge(channel, m) : -ENOMEM;
	}
	if (!ret) {
		vmb_gpadl_frames(gpadl, m->gpfns);
		m->gpadl = gpadl;
		m->ranges[0].len = vmb_gpadl_bytes(gpadl);
		gpadl->maps++;
	}
	mutex_unlock(&server->lock);
	if (ret) {
		if (m)
			vmb_mapping_free(m);
		return ret;
	}

	return vmb_mapping_finish(channel, m, &first, &offset, open_seq, map);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_map_gpadl, VMBUS_SERVER);

/*
 * The GPA-direct header of a packet, in the packet's copy, checked:
 * at most VMB_MAX_EXTERNAL_RANGES ranges, each at least a byte from an
 * offset inside its first frame, all inside the packet's header area.
 * Returns the number of frames, or a negative errno.
 */
/*
 * The header is in the packet's copy, at 16 bytes into a kvmalloc()
 * buffer, and its fields sit at multiples of their size (8-byte ranges of
 * 4-byte counts and 8-byte frames): aligned.
 */
static u32 vmb_hdr32(const u8 *hdr, u32 off)
{
	return le32_to_cpu(*(const __le32 *)(hdr + off));
}

static u64 vmb_hdr64(const u8 *hdr, u32 off)
{
	return le64_to_cpu(*(const __le64 *)(hdr + off));
}

static int vmb_external_parse(const u8 *hdr, u32 hdr_len, u32 *nr_ranges)
{
	u32 count, r, off = 8, frames = 0;
	u64 n;

	if (hdr_len < 8)
		return -EINVAL;
	count = vmb_hdr32(hdr, 4);
	if (!count || count > VMB_MAX_EXTERNAL_RANGES)
		return -EINVAL;
	for (r = 0; r < count; r++) {
		u32 bytes, start;

		if (hdr_len - off < sizeof(struct vmb_gpa_range))
			return -EINVAL;
		bytes = vmb_hdr32(hdr, off);
		start = vmb_hdr32(hdr, off + 4);
		if (!bytes || start >= VMB_PAGE_SIZE)
			return -EINVAL;
		n = DIV_ROUND_UP((u64)bytes + start, VMB_PAGE_SIZE);
		off += sizeof(struct vmb_gpa_range);
		if ((hdr_len - off) / sizeof(u64) < n)
			return -EINVAL;
		off += n * sizeof(u64);
		frames += n;
	}
	*nr_ranges = count;
	return frames;
}

/**
 * vmb_server_packet_map_external() - map a GPA-direct packet's external data
 * @packet: a packet from process_packet, not yet completed
 * @map: where the mapping goes: one range per GPA range of the packet
 *
 * The ranges are read from the packet's copy and checked (at most 64,
 * each inside the packet, starting inside its first frame); the frames are
 * pinned through the transport, which refuses any outside the guest's
 * memory, and mapped.  Unmap with vmb_server_unmap(), before completing the packet
 * (KMCL: the external data is the packet's); the open's end unmaps it at
 * the latest.
 *
 * Context: process context (process_packet included); may sleep.
 * Return: 0; -EINVAL for a packet that is not GPA-direct or whose ranges
 * are malformed; -ENOTCONN when the open ended; -ENOSPC past the pin
 * bounds (see vmb_server_channel_map_gpadl()); -EOPNOTSUPP when the
 * transport cannot pin; the transport's errno; -ENOMEM.
 */
int vmb_server_packet_map_external(struct vmb_server_packet *packet,
				   struct vmb_server_mapping **map)
{
	struct vmb_channel *channel;
	struct vmb_mapping *m;
	u32 hdr_len, nr_ranges = 0, r, off = 8, page = 0;
	u32 *first, *offset;
	int frames, ret;
	const u8 *hdr;

	if (!packet || !map || !packet->held ||
	    packet->type != VMB_PACKET_DATA_GPA_DIRECT)
		return -EINVAL;
	might_sleep();
	channel = packet->channel;
	/* The packet's copy: the guest cannot rewrite it. */
	hdr = packet->buf + sizeof(struct vmb_packet_desc);
	hdr_len = packet->offset - sizeof(struct vmb_packet_desc);
	frames = vmb_external_parse(hdr, hdr_len, &nr_ranges);
	if (frames < 0)
		return frames;
	m = vmb_mapping_alloc(nr_ranges, frames);
	first = kcalloc(2 * nr_ranges, sizeof(u32), GFP_KERNEL);
	if (!m || !first) {
		ret = -ENOMEM;
		goto out;
	}
	offset = first + nr_ranges;
	for (r = 0; r < nr_ranges; r++) {
		u32 bytes = vmb_hdr32(hdr, off);
		u32 n, i;

		offset[r] = vmb_hdr32(hdr, off + 4);
		n = DIV_ROUND_UP(bytes + offset[r], VMB_PAGE_SIZE);
		off += sizeof(struct vmb_gpa_range);
		for (i = 0; i < n; i++, off += sizeof(u64))
			m->gpfns[page + i] = vmb_hdr64(hdr, off);
		first[r] = page;
		m->ranges[r].len = bytes;
		page += n;
	}
	ret = vmb_mapping_take(channel, m, first, offset, map);
	m = NULL;	/* published, or freed */
out:
	if (m)
		vmb_mapping_free(m);
	kfree(first);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_packet_map_external, VMBUS_SERVER);

/**
 * vmb_server_channel_map_gpa() - map guest memory the guest named by address
 * @channel: an open channel
 * @gpa: the guest physical address of the first byte
 * @len: bytes, at most %VMB_CHANNEL_MAX_MAPPED_FRAMES frames' worth
 * @map: where the mapping goes: one range of @len bytes
 *
 * For memory a device's protocol names by its guest physical address
 * rather than by a GPADL, such as the VRAM a synthetic video guest places
 * in the MMIO space the channel's offer reserved.  The frames are pinned
 * through the transport, which refuses any outside the guest's memory, and
 * mapped.  Unmap with vmb_server_unmap(); the open's end unmaps it at the
 * latest.
 *
 * Context: process context, a state or packet callback included; may
 * sleep.
 * Return: 0; -EINVAL for a bad argument; -ENOTCONN when the channel is not
 * open (or the open ended meanwhile); -ENOSPC past the pin bounds (see
 * vmb_server_channel_map_gpadl()); -EOPNOTSUPP when the transport cannot
 * pin; the transport's errno; -ENOMEM.
 */
int vmb_server_channel_map_gpa(struct vmb_channel *channel, u64 gpa, u32 len,
			       struct vmb_server_mapping **map)
{
	u32 first = 0, offset = gpa & (VMB_PAGE_SIZE - 1);
	u64 frames = DIV_ROUND_UP((u64)offset + len, VMB_PAGE_SIZE);
	struct vmb_mapping *m;
	unsigned int i;

	if (!channel || !channel->server || !map || !len)
		return -EINVAL;
	/* Checked before the frame list is allocated, not only charged. */
	if (frames > VMB_CHANNEL_MAX_MAPPED_FRAMES)
		return -ENOSPC;
	might_sleep();
	m = vmb_mapping_alloc(1, frames);
	if (!m)
		return -ENOMEM;
	for (i = 0; i < frames; i++)
		m->gpfns[i] = gpa / VMB_PAGE_SIZE + i;
	m->ranges[0].len = len;
	return vmb_mapping_take(channel, m, &first, &offset, map);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_map_gpa, VMBUS_SERVER);

/* No longer on the channel's list: unpin and free. */
static void vmb_mapping_end(struct vmb_channel *channel, struct vmb_mapping *m)
{
	vmb_mapping_unpin(channel, m);
	vmb_mapping_free(m);
}

/**
 * vmb_server_unmap() - end a mapping
 * @map: from vmb_server_channel_map_gpadl(),
 *	vmb_server_channel_map_gpa() or vmb_server_packet_map_external(), or
 *	%NULL
 *
 * A mapped GPADL's teardown, if the guest asked for it, completes now.
 * Call it at the latest from the channel's closed callback: once that
 * returned, the server ended the mapping itself and @map is gone.
 *
 * Context: process context; may sleep.
 */
void vmb_server_unmap(struct vmb_server_mapping *map)
{
	struct vmb_mapping *m;
	struct vmb_server *server;

	if (!map)
		return;
	m = container_of(map, struct vmb_mapping, pub);
	server = m->channel->server;
	might_sleep();
	mutex_lock(&server->lock);
	list_del(&m->node);
	vmb_mapping_forget(m->channel, m);
	mutex_unlock(&server->lock);
	vmb_mapping_end(m->channel, m);
	vmb_tx(server);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_unmap, VMBUS_SERVER);

/**
 * vmb_mapping_open() - the back-end may map guest memory for this open
 * @channel: the channel; its state work calls this once the rings are
 *	mapped, before opened
 */
void vmb_mapping_open(struct vmb_channel *channel)
{
	mutex_lock(&channel->server->lock);
	channel->mappable = true;
	mutex_unlock(&channel->server->lock);
}

/**
 * vmb_mapping_close() - the open ended: end what the back-end left mapped
 * @channel: the channel; its state work calls this after closed, or after
 *	an opened callback refused the open
 *
 * No mapping is taken afterwards, until the next open.
 */
void vmb_mapping_close(struct vmb_channel *channel)
{
	struct vmb_server *server = channel->server;
	struct vmb_mapping *m, *tmp;
	unsigned int left = 0;
	LIST_HEAD(ended);

	mutex_lock(&server->lock);
	channel->mappable = false;
	list_for_each_entry_safe(m, tmp, &channel->mappings, node) {
		list_move_tail(&m->node, &ended);
		vmb_mapping_forget(channel, m);
		left++;
	}
	mutex_unlock(&server->lock);
	list_for_each_entry_safe(m, tmp, &ended, node)
		vmb_mapping_end(channel, m);
	if (left)
		vmb_warn(server, "channel %u: closed with %u mappings left; unmapped\n",
			 channel->dp.child_relid, left);
}
