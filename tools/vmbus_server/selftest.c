// SPDX-License-Identifier: GPL-2.0
/*
 * selftest: the ring code against itself, in plain memory, before it
 * meets the kernel.  One struct ring plays both the writer and the reader
 * (they keep separate indices), and a few tests write the control page or
 * the data area by hand to play a broken or hostile other side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmm.h"

#define DATA_SIZE	4096u		/* one data page: wraps often */

static uint32_t rnd_state = 2463534242u;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void fill(uint8_t *p, uint32_t len, uint64_t seq)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 31 + i * 7);
}

/* Read one packet and compare it with what packet @seq of @len was. */
static bool read_back(struct ring *r, uint64_t seq, uint32_t len)
{
	uint8_t want[DATA_SIZE], got[DATA_SIZE];
	uint32_t padded = (len + 7) & ~7u;
	struct ring_pkt pkt;

	memset(want, 0, sizeof(want));
	fill(want, len, seq);
	if (ring_read(r, &pkt, got, sizeof(got)) != 1)
		return false;
	return pkt.type == PKT_DATA_INBAND && pkt.flags == (seq & 1) &&
	       pkt.trans_id == seq && pkt.len == padded &&
	       !memcmp(got, want, padded);
}

static int write_seq(struct ring *r, uint64_t seq, uint32_t len,
		     bool *signal)
{
	uint8_t buf[DATA_SIZE];

	fill(buf, len, seq);
	return ring_write(r, PKT_DATA_INBAND, seq & 1, seq, buf, len, signal);
}

static void *new_ring(struct ring *r)
{
	void *mem = aligned_alloc(PAGE_SIZE, RING_CONTROL_SIZE + DATA_SIZE);

	if (mem) {
		memset(mem, 0xa5, RING_CONTROL_SIZE + DATA_SIZE);
		ring_init(r, mem, RING_CONTROL_SIZE + DATA_SIZE);
	}
	return mem;
}

/* Every size from 0 to 600 bytes, one after the other, around and around. */
static void test_sizes(void)
{
	struct ring r;
	void *mem = new_ring(&r);
	uint32_t len, wraps = 0, prev = 0, bad = 0;
	uint64_t seq = 0;
	bool sig;

	for (len = 0; len <= 600; len++, seq++) {
		if (write_seq(&r, seq, len, &sig) || !read_back(&r, seq, len))
			bad++;
		ring_commit(&r);
		wraps += r.wr < prev;
		prev = r.wr;
	}
	check(!bad && wraps >= 30,
	      "selftest: packets of 0..600 bytes written and read back (%u wraps, %u bad)",
	      wraps, bad);
	free(mem);
}

/* Random sizes, random batches, random commits: a FIFO never reorders. */
static void test_random(void)
{
	static uint32_t lens[DATA_SIZE / 24 + 1];
	uint64_t wseq = 0, rseq = 0, full = 0, bad = 0;
	unsigned int i, k, head = 0, n = 0;
	struct ring r;
	void *mem = new_ring(&r);
	bool sig;
	int ret;

	for (i = 0; i < 200000; i++) {
		for (k = rnd() % 8; k; k--) {
			uint32_t len = rnd() % 4 ? rnd() % 200 : rnd() % 2000;

			ret = write_seq(&r, wseq, len, &sig);
			if (ret == -EAGAIN) {
				full++;
				break;
			}
			if (ret) {
				bad++;
				break;
			}
			lens[(head + n++) % (DATA_SIZE / 24 + 1)] = len;
			wseq++;
		}
		for (k = rnd() % 8; k && n; k--, n--, rseq++) {
			if (!read_back(&r, rseq, lens[head]))
				bad++;
			head = (head + 1) % (DATA_SIZE / 24 + 1);
		}
		if (rnd() % 2)
			ring_commit(&r);
	}
	check(!bad && full > 1000,
	      "selftest: %llu random packets in order, ring full %llu times, %llu bad",
	      (unsigned long long)rseq, (unsigned long long)full,
	      (unsigned long long)bad);
	free(mem);
}

/* A full ring keeps a byte free; the biggest packet just fits an empty one. */
static void test_full(void)
{
	struct ring r;
	void *mem = new_ring(&r);
	unsigned int i, n = 0;
	uint32_t big = DATA_SIZE - 8 - RING_DESC_SIZE - RING_TRAILER_SIZE;
	uint8_t buf[DATA_SIZE];
	bool sig;

	/* 100 bytes take 128 with padding, descriptor and trailer. */
	/* Bounded: a ring that never fills must not hang the test. */
	while (n < DATA_SIZE / 128 + 1 && !write_seq(&r, n, 100, &sig))
		n++;
	check(n == (DATA_SIZE - 1) / 128 && ring_room(&r) == DATA_SIZE - n * 128,
	      "selftest: %u 128-byte packets fill a 4096-byte ring, %u bytes left",
	      n, ring_room(&r));
	check(!ring_empty(&r) && r.ctl->write_index != r.ctl->read_index,
	      "selftest: a full ring does not look empty");
	for (i = 0; i < n && read_back(&r, i, 100); i++)
		;
	check(i == n && ring_empty(&r), "selftest: all %u read back", n);
	free(mem);

	mem = new_ring(&r);
	fill(buf, big, 0);
	check(!ring_write(&r, PKT_DATA_INBAND, 0, 0, buf, big, &sig) &&
	      ring_room(&r) == 8 &&
	      ring_write(&r, PKT_DATA_INBAND, 0, 1, buf, 0, &sig) == -EAGAIN,
	      "selftest: a %u-byte payload fills an empty ring but 8 bytes; then nothing fits",
	      big);
	ring_read(&r, &(struct ring_pkt){ 0 }, buf, sizeof(buf));
	ring_commit(&r);
	check(ring_write(&r, PKT_DATA_INBAND, 0, 0, buf, big + 1, &sig) ==
	      -EMSGSIZE, "selftest: a %u-byte payload never fits", big + 1);
	free(mem);
}

/* Signal on empty to non-empty only, never while the reader masks. */
static void test_signals(void)
{
	struct ring r;
	void *mem = new_ring(&r);
	bool s1, s2, s3, s4, unmask1, unmask2;
	uint8_t buf[64];
	struct ring_pkt pkt;

	write_seq(&r, 0, 10, &s1);
	write_seq(&r, 1, 10, &s2);
	check(s1 && !s2, "selftest: signal for the first packet only");
	ring_read(&r, &pkt, buf, sizeof(buf));
	ring_read(&r, &pkt, buf, sizeof(buf));
	write_seq(&r, 2, 10, &s3);
	check(!s3, "selftest: no signal while the reader has not committed");
	ring_read(&r, &pkt, buf, sizeof(buf));
	ring_commit(&r);
	ring_mask(&r);
	write_seq(&r, 3, 10, &s4);
	unmask1 = ring_unmask(&r);
	ring_read(&r, &pkt, buf, sizeof(buf));
	ring_commit(&r);
	unmask2 = ring_unmask(&r);
	check(!s4 && unmask1 && !unmask2,
	      "selftest: no signal under the mask; unmasking finds the packet, then none");
	free(mem);
}

/* The reader signals a waiting writer once, when enough is free. */
static void test_pending(void)
{
	struct ring r;
	void *mem = new_ring(&r);
	uint8_t buf[DATA_SIZE];
	struct ring_pkt pkt;
	unsigned int n = 0;
	bool sig, c1, c2, c3, c4, w;

	while (n < DATA_SIZE / 128 + 1 && !write_seq(&r, n, 100, &sig))
		n++;
	w = ring_want_space(&r, 300);
	ring_read(&r, &pkt, buf, sizeof(buf));
	c1 = ring_commit(&r);
	ring_read(&r, &pkt, buf, sizeof(buf));
	c2 = ring_commit(&r);
	ring_read(&r, &pkt, buf, sizeof(buf));
	c3 = ring_commit(&r);
	check(!w && !c1 && c2 && !c3,
	      "selftest: pending_send_sz 300: signal when 384 bytes are free, not at 256 or 512");
	ring_want_space(&r, 0);
	ring_read(&r, &pkt, buf, sizeof(buf));
	c4 = ring_commit(&r);
	check(!c4 && ring_want_space(&r, 300),
	      "selftest: no signal once pending_send_sz is withdrawn; room is reported");
	free(mem);

	/* Exactly pending_send_sz free is not enough: a byte stays free. */
	mem = new_ring(&r);
	n = 0;
	while (n < DATA_SIZE / 128 + 1 && !write_seq(&r, n, 100, &sig))
		n++;
	ring_want_space(&r, 256);
	ring_read(&r, &pkt, buf, sizeof(buf));
	c1 = ring_commit(&r);
	ring_read(&r, &pkt, buf, sizeof(buf));
	c2 = ring_commit(&r);
	check(!c1 && c2,
	      "selftest: pending_send_sz 256: no signal at 256 bytes free, one at 384");
	free(mem);
}

/* The other side's indices and descriptors are checked, nothing consumed. */
static void test_hostile(void)
{
	static const struct {
		const char *what;
		uint32_t off;	/* byte of the data area to change, or ~0 */
		uint32_t value;
		int err;
	} cases[] = {
		{ "write index past the end", ~0u, DATA_SIZE, -EBADMSG },
		{ "unaligned write index", ~0u, 60, -EBADMSG },
		{ "descriptor length 0", 4, 0, -EBADMSG },
		{ "payload offset beyond the length", 2, 7, -EBADMSG },
		{ "length beyond the written bytes", 4, 8, -EBADMSG },
		{ "no room for the trailer", 4, 7, -EBADMSG },
		{ "payload offset inside the descriptor", 2, 1, -EBADMSG },
		{ "wrong trailer", 48, 0, -EPROTO },
	};
	uint8_t buf[64];
	struct ring_pkt pkt;
	unsigned int i, bad = 0;
	struct ring r;
	void *mem;
	bool sig;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		mem = new_ring(&r);
		/* A 30-byte payload: 16 + 32 bytes, trailer at 48. */
		write_seq(&r, 0, 30, &sig);
		if (cases[i].off == ~0u)
			r.ctl->write_index = htole32(cases[i].value);
		else if (cases[i].off == 48)
			put32(r.data, 52, 1);
		else
			put16(r.data, cases[i].off, cases[i].value);
		ret = ring_read(&r, &pkt, buf, sizeof(buf));
		if (!check(ret == cases[i].err && r.rd == 0,
			   "selftest: %s: %s, nothing consumed", cases[i].what,
			   ring_strerror(cases[i].err)))
			bad++;
		free(mem);
	}
	mem = new_ring(&r);
	write_seq(&r, 0, 30, &sig);
	check(ring_read(&r, &pkt, buf, 16) == -EMSGSIZE && r.rd == 0,
	      "selftest: a payload bigger than the buffer: not read");
	r.ctl->read_index = htole32(DATA_SIZE + 8);
	check(write_seq(&r, 1, 8, &sig) == -EBADMSG && !ring_room(&r),
	      "selftest: a corrupt read index: the writer writes nothing");
	free(mem);
}

/* A packet whose descriptor and trailer straddle the end of the ring. */
static void test_straddle(void)
{
	struct ring r;
	void *mem = new_ring(&r);
	uint32_t start;
	bool ok = true, sig;

	for (start = DATA_SIZE - 48; start < DATA_SIZE; start += 8) {
		r.wr = start;
		r.rd = start;
		r.rd_published = start;
		r.ctl->write_index = htole32(start);
		r.ctl->read_index = htole32(start);
		ok &= !write_seq(&r, start, 21, &sig) && sig;
		ok &= read_back(&r, start, 21) && ring_empty(&r);
		ok &= r.wr == (start + 48) % DATA_SIZE;
	}
	check(ok, "selftest: descriptor, payload and trailer across the end");
	free(mem);
}

/*
 * The bytes on the wire, as VMBUS.md 8 lays them out, so that the writer
 * and the reader cannot agree on a wrong format between themselves.
 */
static void test_wire(void)
{
	static const uint8_t want[64] = {
		/* type 6, offset8 2, len8 3, flags 0, trans_id */
		0x06, 0, 0x02, 0, 0x03, 0, 0, 0,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		'h', 'e', 'l', 'l', 'o', 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,			/* trailer: 0 << 32 */
		0x06, 0, 0x02, 0, 0x02, 0, 0x01, 0,	/* empty, flags 1 */
		0x02, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0x20, 0, 0, 0,		/* trailer: 32 << 32 */
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	/* A packet with 8 bytes of extra header: offset8 3, len8 4. */
	static const uint8_t theirs[40] = {
		0x06, 0, 0x03, 0, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
		'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	uint8_t buf[64];
	struct ring_pkt pkt;
	struct ring r;
	void *mem = new_ring(&r);
	bool sig;

	ring_write(&r, PKT_DATA_INBAND, 0, 0x1122334455667788ull, "hello", 5,
		   &sig);
	ring_write(&r, PKT_DATA_INBAND, 1, 2, NULL, 0, &sig);
	check(!memcmp(r.data, want, 56) && get32(mem, 0) == 56 &&
	      get32(mem, 64) == RING_FEAT_PENDING_SEND_SZ,
	      "selftest: descriptor, padding, trailer and control page byte by byte");
	free(mem);

	mem = new_ring(&r);
	memcpy(r.data, theirs, sizeof(theirs));
	put32(mem, 0, sizeof(theirs));
	check(ring_read(&r, &pkt, buf, sizeof(buf)) == 1 && pkt.len == 8 &&
	      !memcmp(buf, "abcdefgh", 8) && pkt.trans_id == 1 &&
	      ring_commit(&r) == false && get32(mem, 4) == sizeof(theirs),
	      "selftest: a packet with a longer header: payload at offset8, read index published");
	free(mem);
}

int scenario_selftest(void)
{
	test_wire();
	test_sizes();
	test_random();
	test_full();
	test_signals();
	test_pending();
	test_hostile();
	test_straddle();
	return 0;
}
