// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of the VMBus ring protocol (VMBUS.md 8).
 *
 * Ordering: the writer stores the packet, then publishes its write index
 * with release; the reader loads that index with acquire before it reads
 * the packet, and publishes its read index with release once it is done
 * with the bytes.  Deciding whether to signal needs a full barrier between
 * publishing one's own index and reading the other side's interrupt_mask,
 * pending_send_sz or index, because the other side does the mirror image:
 * with a barrier on both sides, at least one of them sees the other's
 * update, so no signal is lost.
 */
#include <errno.h>
#include <string.h>

#include "ring.h"
#include "vmm.h"

static uint32_t load_acquire(const uint32_t *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static uint32_t load_once(const uint32_t *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void store_release(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, htole32(v), __ATOMIC_RELEASE);
}

static void store_once(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, htole32(v), __ATOMIC_RELAXED);
}

static void full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* An index the other side wrote is usable only inside the data area and
 * 8-byte aligned (every packet is padded to 8).
 */
static bool index_ok(const struct ring *r, uint32_t i)
{
	return i < r->size && !(i & 7);
}

/* Bytes from @from forward to @to, around the end if needed. */
static uint32_t dist(const struct ring *r, uint32_t from, uint32_t to)
{
	return to >= from ? to - from : r->size - from + to;
}

static uint32_t wrap(const struct ring *r, uint32_t i)
{
	return i >= r->size ? i - r->size : i;
}

/* Copies that may cross the end of the data area; @len < size. */
static uint32_t copy_in(struct ring *r, uint32_t pos, const void *src,
			uint32_t len)
{
	uint32_t first = r->size - pos < len ? r->size - pos : len;

	if (!len)
		return pos;
	memcpy(r->data + pos, src, first);
	memcpy(r->data, (const uint8_t *)src + first, len - first);
	return wrap(r, pos + len);
}

static void copy_out(const struct ring *r, uint32_t pos, void *dst,
		     uint32_t len)
{
	uint32_t first = r->size - pos < len ? r->size - pos : len;

	memcpy(dst, r->data + pos, first);
	memcpy((uint8_t *)dst + first, r->data, len - first);
}

/*
 * @base is the control page, followed by the data area: @bytes in all.
 * The guest owns the rings before it opens the channel: start them empty
 * and say it honours pending_send_sz, as Linux guests do.
 */
void ring_init(struct ring *r, void *base, uint32_t bytes)
{
	memset(base, 0, RING_CONTROL_SIZE);
	r->ctl = base;
	r->data = (uint8_t *)base + RING_CONTROL_SIZE;
	r->size = bytes - RING_CONTROL_SIZE;
	r->wr = 0;
	r->rd = 0;
	r->rd_published = 0;
	store_once(&r->ctl->feature_bits, RING_FEAT_PENDING_SEND_SZ);
}

/* What the writer may use: one byte always stays free, so that a full
 * ring never looks empty.  A corrupt read index leaves no room.
 */
static uint32_t room(const struct ring *r, uint32_t read)
{
	if (!index_ok(r, read))
		return 0;
	return r->size - dist(r, read, r->wr);
}

uint32_t ring_room(const struct ring *r)
{
	return room(r, load_acquire(&r->ctl->read_index));
}

bool ring_empty(const struct ring *r)
{
	return load_acquire(&r->ctl->write_index) == r->rd;
}

/*
 * Write one packet: descriptor, payload, zero padding to 8 bytes, then the
 * trailer, the old write index in the upper half.  @signal says whether
 * the reader must be told: it was not masking and the ring was empty
 * before this packet.
 *
 * Return: 0, -EAGAIN when it does not fit now, -EMSGSIZE when it never
 * fits, -EBADMSG when the reader's index is corrupt.
 */
int ring_write(struct ring *r, uint16_t type, uint16_t flags,
	       uint64_t trans_id, const void *payload, uint32_t len,
	       bool *signal)
{
	static const uint8_t zeros[8];
	uint32_t total = ring_packet_size(len);
	uint32_t padded = total - RING_DESC_SIZE - RING_TRAILER_SIZE;
	uint32_t old = r->wr, read, pos;
	uint8_t desc[RING_DESC_SIZE], trailer[RING_TRAILER_SIZE];

	*signal = false;
	/* len8 is 16 bits of 8-byte units; an empty ring keeps a byte. */
	if (len > r->size || total >= r->size ||
	    (RING_DESC_SIZE + padded) / 8 > 0xffff)
		return -EMSGSIZE;
	read = load_acquire(&r->ctl->read_index);
	if (!index_ok(r, read))
		return -EBADMSG;
	if (room(r, read) <= total)
		return -EAGAIN;

	put16(desc, 0, type);
	put16(desc, 2, RING_DESC_SIZE / 8);
	put16(desc, 4, (RING_DESC_SIZE + padded) / 8);
	put16(desc, 6, flags);
	put64(desc, 8, trans_id);
	put64(trailer, 0, (uint64_t)old << 32);

	pos = copy_in(r, old, desc, sizeof(desc));
	pos = copy_in(r, pos, payload, len);
	pos = copy_in(r, pos, zeros, padded - len);
	pos = copy_in(r, pos, trailer, sizeof(trailer));
	r->wr = pos;
	store_release(&r->ctl->write_index, pos);

	full_barrier();
	if (load_once(&r->ctl->interrupt_mask))
		return 0;
	*signal = load_once(&r->ctl->read_index) == old;
	return 0;
}

/*
 * The writer found no room for @bytes: ask the reader to signal once that
 * much is free (0 withdraws the request).
 *
 * Return: whether the room is there already; then no signal may come and
 * the writer must retry now.
 */
bool ring_want_space(struct ring *r, uint32_t bytes)
{
	store_once(&r->ctl->pending_send_sz, bytes);
	full_barrier();
	return bytes && ring_room(r) > bytes;
}

/*
 * Read the next packet into @buf (payload only).  Nothing is consumed for
 * the writer until ring_commit().
 *
 * Return: 1 with a packet, 0 when the ring is empty, -EBADMSG for a
 * corrupt index or descriptor, -EPROTO for a wrong trailer, -EMSGSIZE when
 * the payload exceeds @bufsize.  On error nothing is consumed.
 */
int ring_read(struct ring *r, struct ring_pkt *pkt, void *buf,
	      uint32_t bufsize)
{
	uint32_t write = load_acquire(&r->ctl->write_index);
	uint32_t avail, len, off;
	uint8_t desc[RING_DESC_SIZE], trailer[RING_TRAILER_SIZE];

	if (!index_ok(r, write))
		return -EBADMSG;
	avail = dist(r, r->rd, write);
	if (!avail)
		return 0;
	if (avail < RING_DESC_SIZE + RING_TRAILER_SIZE)
		return -EBADMSG;

	/* Copy the descriptor, then check the copy: the writer may still
	 * change the ring under us.
	 */
	copy_out(r, r->rd, desc, sizeof(desc));
	off = get16(desc, 2) * 8u;
	len = get16(desc, 4) * 8u;
	if (len < RING_DESC_SIZE || off < RING_DESC_SIZE || off > len ||
	    len > avail - RING_TRAILER_SIZE)
		return -EBADMSG;
	if (len - off > bufsize)
		return -EMSGSIZE;

	copy_out(r, wrap(r, r->rd + len), trailer, sizeof(trailer));
	if (get64(trailer, 0) >> 32 != r->rd)
		return -EPROTO;
	copy_out(r, wrap(r, r->rd + off), buf, len - off);

	pkt->type = get16(desc, 0);
	pkt->flags = get16(desc, 6);
	pkt->trans_id = get64(desc, 8);
	pkt->len = len - off;
	r->rd = wrap(r, r->rd + len + RING_TRAILER_SIZE);
	return 1;
}

/*
 * Give the writer the space of the packets read so far.
 *
 * Return: whether the writer must be signalled: it asked with
 * pending_send_sz to be told once that much is free, and only this
 * commit made it so (it is told once, not on every read after).
 */
bool ring_commit(struct ring *r)
{
	uint32_t freed = dist(r, r->rd_published, r->rd);
	uint32_t pending, write, now;

	store_release(&r->ctl->read_index, r->rd);
	r->rd_published = r->rd;
	full_barrier();
	pending = load_once(&r->ctl->pending_send_sz);
	if (!pending || !freed)
		return false;
	write = load_once(&r->ctl->write_index);
	if (!index_ok(r, write))
		return false;
	now = r->size - dist(r, r->rd, write);
	return now > pending && now - freed <= pending;
}

/* The reader drains: the writer need not signal meanwhile. */
void ring_mask(struct ring *r)
{
	store_once(&r->ctl->interrupt_mask, 1);
}

/*
 * The reader is done: signals are welcome again.  A packet written while
 * the mask was up came without a signal.
 *
 * Return: whether there is such a packet: the reader must drain again.
 */
bool ring_unmask(struct ring *r)
{
	store_once(&r->ctl->interrupt_mask, 0);
	full_barrier();
	return !ring_empty(r);
}

const char *ring_strerror(int err)
{
	switch (err) {
	case -EAGAIN:
		return "ring full";
	case -EMSGSIZE:
		return "packet too big";
	case -EBADMSG:
		return "corrupt index or descriptor";
	case -EPROTO:
		return "wrong packet trailer";
	default:
		return strerror(-err);
	}
}
