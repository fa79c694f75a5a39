// SPDX-License-Identifier: GPL-2.0
/*
 * GPADL assembly and teardown.  A GPADL arrives as one GPADL_HEADER and as
 * many GPADL_BODY messages as its frames need; everything in them is the
 * guest's word, so lengths, counts and offsets are checked before they are
 * believed, and a GPADL is only CREATED once every byte of its range array
 * arrived and parsed.
 */

#include <linux/module.h>
#include <linux/slab.h>

#include "channel.h"
#include "connection.h"
#include "gpadl.h"

/* What a GPADL counts against VMB_SERVER_MAX_GPADL_BYTES. */
static size_t vmb_gpadl_cost(u16 range_buflen)
{
	return sizeof(struct vmb_gpadl) + range_buflen;
}

static void vmb_gpadl_send_created(struct vmb_server *server, u32 child_relid,
				   u32 id, u32 status)
{
	struct vmb_msg_gpadl_created msg = {
		.header.msgtype = cpu_to_le32(VMB_MSG_GPADL_CREATED),
		.child_relid = cpu_to_le32(child_relid),
		.gpadl = cpu_to_le32(id),
		.status = cpu_to_le32(status),
	};

	vmb_post(server, &msg, sizeof(msg));
}

static void vmb_gpadl_send_torndown(struct vmb_server *server, u32 id)
{
	struct vmb_msg_gpadl_torndown msg = {
		.header.msgtype = cpu_to_le32(VMB_MSG_GPADL_TORNDOWN),
		.gpadl = cpu_to_le32(id),
	};

	vmb_post(server, &msg, sizeof(msg));
}

static void vmb_gpadl_free(struct vmb_server *server, struct vmb_gpadl *gpadl)
{
	lockdep_assert_held(&server->lock);
	if (!gpadl->orphan)
		xa_erase(&server->gpadls, gpadl->id);
	server->gpadl_bytes -= vmb_gpadl_cost(gpadl->len);
	kvfree(gpadl->ranges);
	kfree(gpadl);
}

/*
 * The guest's view of the GPADL is gone (its relid was released or its
 * connection ended).  A channel still using it as its ring, or a back-end
 * mapping, keeps the memory until it lets go of it; the id is free for the
 * guest at once.
 */
static void vmb_gpadl_forget(struct vmb_server *server,
			     struct vmb_gpadl *gpadl)
{
	if (!gpadl->in_use && !gpadl->maps) {
		vmb_gpadl_free(server, gpadl);
		return;
	}
	xa_erase(&server->gpadls, gpadl->id);
	gpadl->orphan = true;
}

/* Refuse a GPADL the guest described: it gets GPADL_CREATED with a failure
 * status, and the id is free again.
 */
static int vmb_gpadl_fail(struct vmb_server *server, struct vmb_gpadl *gpadl,
			  enum vmb_reject_reason reason, u32 msgtype)
{
	u32 relid = gpadl->child_relid, id = gpadl->id;

	vmb_gpadl_free(server, gpadl);
	vmb_gpadl_send_created(server, relid, id, VMB_STATUS_UNSUCCESSFUL);
	return vmb_reject(server, reason, msgtype, -EINVAL);
}

/*
 * Walk the complete range array: every range must have bytes, start inside
 * its first frame, and bring exactly the frames its bytes need; the ranges
 * must fill the array exactly.
 */
static bool vmb_gpadl_parse(struct vmb_gpadl *gpadl)
{
	u32 off = 0, frames, total = 0;
	unsigned int i;

	for (i = 0; i < gpadl->range_count; i++) {
		const struct vmb_gpa_range *range;
		u32 count, offset;

		if (gpadl->len - off < sizeof(*range))
			return false;
		range = (const struct vmb_gpa_range *)(gpadl->ranges + off);
		count = le32_to_cpu(range->byte_count);
		offset = le32_to_cpu(range->byte_offset);
		if (!count || offset >= VMB_PAGE_SIZE)
			return false;
		/* u64: count + offset may not fit in 32 bits. */
		frames = DIV_ROUND_UP((u64)count + offset, VMB_PAGE_SIZE);
		off += sizeof(*range);
		if ((gpadl->len - off) / sizeof(u64) < frames)
			return false;
		off += frames * sizeof(u64);
		total += frames;
	}
	if (off != gpadl->len)
		return false;
	gpadl->page_count = total;
	return true;
}

/* Take @len bytes of range data; create the GPADL once it is complete. */
static int vmb_gpadl_take(struct vmb_server *server, struct vmb_gpadl *gpadl,
			  const void *data, size_t len, u32 msgtype)
{
	if (len % sizeof(u64) || len > gpadl->len - gpadl->received)
		return vmb_gpadl_fail(server, gpadl, VMB_REJECT_GPADL, msgtype);
	memcpy(gpadl->ranges + gpadl->received, data, len);
	gpadl->received += len;
	if (gpadl->received < gpadl->len)
		return 0;
	if (!vmb_gpadl_parse(gpadl))
		return vmb_gpadl_fail(server, gpadl, VMB_REJECT_GPADL, msgtype);
	gpadl->state = VMB_GPADL_CREATED;
	vmb_gpadl_send_created(server, gpadl->child_relid, gpadl->id, 0);
	return 0;
}

/**
 * vmb_on_gpadl_header() - GPADL_HEADER: a new GPADL for an offered channel
 * @server: the server
 * @msg: the message, at least a struct vmb_msg_gpadl_header
 * @len: its length
 *
 * Return: 0, or a negative errno after a GPADL_CREATED failure reply.
 */
int vmb_on_gpadl_header(struct vmb_server *server, const void *msg, size_t len)
{
	const struct vmb_msg_gpadl_header *hdr = msg;
	u32 relid = le32_to_cpu(hdr->child_relid);
	u32 id = le32_to_cpu(hdr->gpadl);
	u16 buflen = le16_to_cpu(hdr->range_buflen);
	u16 count = le16_to_cpu(hdr->range_count);
	struct vmb_channel *channel;
	struct vmb_gpadl *gpadl;
	int ret;

	lockdep_assert_held(&server->lock);
	channel = vmb_channel_by_relid(server, relid);
	if (!channel || !channel->offered) {
		vmb_gpadl_send_created(server, relid, id,
				       VMB_STATUS_UNSUCCESSFUL);
		return vmb_reject(server, VMB_REJECT_RELID,
					 VMB_MSG_GPADL_HEADER, -ENOENT);
	}
	/*
	 * A duplicate id is refused without touching the GPADL that has it:
	 * that one stays the guest's, in whatever state it is.
	 */
	if (xa_load(&server->gpadls, id)) {
		vmb_gpadl_send_created(server, relid, id,
				       VMB_STATUS_UNSUCCESSFUL);
		return vmb_reject(server, VMB_REJECT_GPADL,
					 VMB_MSG_GPADL_HEADER, -EEXIST);
	}
	/* At least one range with one frame each; whole 8-byte words. */
	if (!count || buflen % sizeof(u64) ||
	    buflen / (sizeof(struct vmb_gpa_range) + sizeof(u64)) < count ||
	    server->gpadl_bytes + vmb_gpadl_cost(buflen) >
	    VMB_SERVER_MAX_GPADL_BYTES) {
		vmb_gpadl_send_created(server, relid, id,
				       VMB_STATUS_UNSUCCESSFUL);
		return vmb_reject(server, VMB_REJECT_GPADL,
					 VMB_MSG_GPADL_HEADER, -EINVAL);
	}

	gpadl = kzalloc(sizeof(*gpadl), GFP_KERNEL);
	if (!gpadl)
		goto nomem;
	gpadl->ranges = kvzalloc(buflen, GFP_KERNEL);
	if (!gpadl->ranges)
		goto nomem_free;
	gpadl->id = id;
	gpadl->child_relid = relid;
	gpadl->range_count = count;
	gpadl->len = buflen;
	ret = xa_insert(&server->gpadls, id, gpadl, GFP_KERNEL);
	if (ret)
		goto nomem_free;
	server->gpadl_bytes += vmb_gpadl_cost(buflen);
	return vmb_gpadl_take(server, gpadl, hdr + 1, len - sizeof(*hdr),
			      VMB_MSG_GPADL_HEADER);

nomem_free:
	kvfree(gpadl->ranges);
	kfree(gpadl);
nomem:
	vmb_gpadl_send_created(server, relid, id, VMB_STATUS_UNSUCCESSFUL);
	return -ENOMEM;
}

/**
 * vmb_on_gpadl_body() - GPADL_BODY: more frames of a GPADL in progress
 * @server: the server
 * @msg: the message, at least a struct vmb_msg_gpadl_body
 * @len: its length
 *
 * The guest does not number its body messages (Linux leaves msgnumber 0),
 * so they are taken in arrival order.  A body for a GPADL that is not in
 * progress has nobody to answer to and is only refused.
 *
 * Return: 0 or a negative errno.
 */
int vmb_on_gpadl_body(struct vmb_server *server, const void *msg, size_t len)
{
	const struct vmb_msg_gpadl_body *body = msg;
	struct vmb_gpadl *gpadl;

	lockdep_assert_held(&server->lock);
	gpadl = xa_load(&server->gpadls, le32_to_cpu(body->gpadl));
	if (!gpadl || gpadl->state != VMB_GPADL_IN_PROGRESS)
		return vmb_reject(server, VMB_REJECT_GPADL,
					 VMB_MSG_GPADL_BODY, -ENOENT);
	return vmb_gpadl_take(server, gpadl, body + 1, len - sizeof(*body),
			      VMB_MSG_GPADL_BODY);
}

/**
 * vmb_gpadl_find() - a created GPADL of a channel
 * @server: the server
 * @id: the GPADL id
 * @child_relid: the channel it must belong to
 *
 * Return: the GPADL, or %NULL when there is no such created GPADL.
 */
struct vmb_gpadl *vmb_gpadl_find(struct vmb_server *server, u32 id,
				 u32 child_relid)
{
	struct vmb_gpadl *gpadl;

	lockdep_assert_held(&server->lock);
	gpadl = xa_load(&server->gpadls, id);
	if (!gpadl || gpadl->child_relid != child_relid ||
	    gpadl->state != VMB_GPADL_CREATED)
		return NULL;
	return gpadl;
}

/**
 * vmb_on_gpadl_teardown() - GPADL_TEARDOWN
 * @server: the server
 * @msg: the message
 * @len: its length
 *
 * GPADL_TORNDOWN goes out at once, or when the channel using the GPADL as
 * its ring has closed and no back-end maps it any more: the guest must not
 * reuse the memory before then.
 *
 * Return: 0 or a negative errno.
 */
int vmb_on_gpadl_teardown(struct vmb_server *server, const void *msg,
			  size_t len)
{
	const struct vmb_msg_gpadl_teardown *td = msg;
	struct vmb_gpadl *gpadl;

	lockdep_assert_held(&server->lock);
	gpadl = vmb_gpadl_find(server, le32_to_cpu(td->gpadl),
			       le32_to_cpu(td->child_relid));
	if (!gpadl)
		return vmb_reject(server, VMB_REJECT_GPADL,
					 VMB_MSG_GPADL_TEARDOWN, -ENOENT);
	if (gpadl->in_use || gpadl->maps) {
		gpadl->state = VMB_GPADL_TEARING_DOWN;
		return 0;
	}
	vmb_gpadl_send_torndown(server, gpadl->id);
	vmb_gpadl_free(server, gpadl);
	return 0;
}

/**
 * vmb_gpadl_is_ring() - whether a GPADL can carry a channel's two rings
 * @gpadl: a created GPADL
 *
 * Rings are whole pages from the start of one range: the ring code maps
 * them page by page.
 *
 * Return: true for one range at byte offset 0 of a whole number of pages.
 */
bool vmb_gpadl_is_ring(const struct vmb_gpadl *gpadl)
{
	return gpadl->range_count == 1 && vmb_gpadl_is_paged(gpadl);
}

/* The ranges of a created GPADL, one by one. */
static const struct vmb_gpa_range *
vmb_gpadl_next_range(const struct vmb_gpa_range *range)
{
	u64 n = DIV_ROUND_UP((u64)le32_to_cpu(range->byte_offset) +
			     le32_to_cpu(range->byte_count), VMB_PAGE_SIZE);

	return (const void *)&range->pfn[n];
}

/**
 * vmb_gpadl_is_paged() - whether every range of a GPADL is whole pages
 * @gpadl: a created GPADL
 *
 * Return: true when each range starts at byte 0 of its first frame and
 * covers whole frames: the GPADL's bytes are its frames, in order.
 */
bool vmb_gpadl_is_paged(const struct vmb_gpadl *gpadl)
{
	const struct vmb_gpa_range *range = (const void *)gpadl->ranges;
	u32 r;

	for (r = 0; r < gpadl->range_count; r++) {
		if (le32_to_cpu(range->byte_offset) ||
		    le32_to_cpu(range->byte_count) % VMB_PAGE_SIZE)
			return false;
		range = vmb_gpadl_next_range(range);
	}
	return true;
}

/**
 * vmb_gpadl_bytes() - the bytes a created GPADL describes
 * @gpadl: the GPADL
 *
 * Return: the sum of its ranges' byte counts.
 */
size_t vmb_gpadl_bytes(const struct vmb_gpadl *gpadl)
{
	const struct vmb_gpa_range *range = (const void *)gpadl->ranges;
	size_t bytes = 0;
	u32 r;

	for (r = 0; r < gpadl->range_count; r++) {
		bytes += le32_to_cpu(range->byte_count);
		range = vmb_gpadl_next_range(range);
	}
	return bytes;
}

/*
 * Nobody uses it any more: finish a teardown the guest asked for
 * meanwhile, free a GPADL whose connection ended meanwhile.
 */
static void vmb_gpadl_settle(struct vmb_server *server,
			     struct vmb_gpadl *gpadl)
{
	if (gpadl->in_use || gpadl->maps)
		return;
	if (gpadl->orphan) {
		vmb_gpadl_free(server, gpadl);
	} else if (gpadl->state == VMB_GPADL_TEARING_DOWN) {
		vmb_gpadl_send_torndown(server, gpadl->id);
		vmb_gpadl_free(server, gpadl);
	}
}

/**
 * vmb_gpadl_release() - a channel no longer uses its ring GPADL
 * @server: the server
 * @gpadl: the GPADL, or %NULL
 */
void vmb_gpadl_release(struct vmb_server *server, struct vmb_gpadl *gpadl)
{
	lockdep_assert_held(&server->lock);
	if (!gpadl)
		return;
	gpadl->in_use = false;
	vmb_gpadl_settle(server, gpadl);
}

/**
 * vmb_gpadl_unmapped() - a back-end's mapping of a GPADL went
 * @server: the server
 * @gpadl: the GPADL; its @maps counted the mapping
 */
void vmb_gpadl_unmapped(struct vmb_server *server, struct vmb_gpadl *gpadl)
{
	lockdep_assert_held(&server->lock);
	if (WARN_ON_ONCE(!gpadl->maps))
		return;
	gpadl->maps--;
	vmb_gpadl_settle(server, gpadl);
}

/**
 * vmb_gpadl_frames() - the guest frames of a created GPADL, in order
 * @gpadl: the GPADL
 * @gpfns: where they go; room for @gpadl->page_count, or %NULL
 *
 * Return: how many there are (@gpadl->page_count).
 */
u32 vmb_gpadl_frames(const struct vmb_gpadl *gpadl, u64 *gpfns)
{
	const struct vmb_gpa_range *range = (const void *)gpadl->ranges;
	const struct vmb_gpa_range *next;
	u32 r, count = 0;

	const __le64 *pfn;

	/* Validated when the GPADL was created: each range fits. */
	for (r = 0; r < gpadl->range_count; r++, range = next) {
		next = vmb_gpadl_next_range(range);
		for (pfn = range->pfn; (const void *)pfn < (const void *)next;
		     pfn++, count++)
			if (gpfns)
				gpfns[count] = le64_to_cpu(*pfn);
	}
	return count;
}

/**
 * vmb_gpadl_free_relid() - forget the GPADLs of a relid the guest released
 * @server: the server
 * @child_relid: the relid
 */
void vmb_gpadl_free_relid(struct vmb_server *server, u32 child_relid)
{
	struct vmb_gpadl *gpadl;
	unsigned long id;

	lockdep_assert_held(&server->lock);
	xa_for_each(&server->gpadls, id, gpadl)
		if (gpadl->child_relid == child_relid)
			vmb_gpadl_forget(server, gpadl);
}

/**
 * vmb_gpadl_free_all() - forget every GPADL (unload, reset, destroy)
 * @server: the server
 */
void vmb_gpadl_free_all(struct vmb_server *server)
{
	struct vmb_gpadl *gpadl;
	unsigned long id;

	lockdep_assert_held(&server->lock);
	xa_for_each(&server->gpadls, id, gpadl)
		vmb_gpadl_forget(server, gpadl);
}
