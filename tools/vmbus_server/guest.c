// SPDX-License-Identifier: GPL-2.0
/*
 * The played guest's VMBus driver: what a Linux guest's hv_vmbus does
 * (VMBUS.md 10) with the messages of VMBUS.md 5, and the sample device's
 * version exchange on the channel's rings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vmm.h"

/* Shortest payload of each host message type (VMBUS.md 5); 0: none. */
static const uint8_t host_msg_min[] = {
	[MSG_OFFERCHANNEL] = 196,
	[MSG_RESCIND] = 12,
	[MSG_ALLOFFERS_DELIVERED] = 8,
	[MSG_OPENCHANNEL_RESULT] = 20,
	[MSG_GPADL_CREATED] = 20,
	[MSG_GPADL_TORNDOWN] = 12,
	[MSG_VERSION_RESPONSE] = 16,
	[MSG_UNLOAD_RESPONSE] = 8,
	[MSG_TL_CONNECT_RESULT] = 44,
	[MSG_MODIFYCHANNEL_RESPONSE] = 16,
};

static const char *const msg_names[] = {
	[MSG_OFFERCHANNEL] = "OFFERCHANNEL",
	[MSG_RESCIND] = "RESCIND_CHANNELOFFER",
	[MSG_ALLOFFERS_DELIVERED] = "ALLOFFERS_DELIVERED",
	[MSG_OPENCHANNEL_RESULT] = "OPENCHANNEL_RESULT",
	[MSG_GPADL_CREATED] = "GPADL_CREATED",
	[MSG_GPADL_TORNDOWN] = "GPADL_TORNDOWN",
	[MSG_VERSION_RESPONSE] = "VERSION_RESPONSE",
	[MSG_UNLOAD_RESPONSE] = "UNLOAD_RESPONSE",
	[MSG_TL_CONNECT_RESULT] = "TL_CONNECT_RESULT",
	[MSG_MODIFYCHANNEL_RESPONSE] = "MODIFYCHANNEL_RESPONSE",
};

static const char *msg_name(uint32_t type)
{
	if (type < ARRAY_SIZE(msg_names) && msg_names[type])
		return msg_names[type];
	return "unknown message";
}

/*
 * Is this a message a Linux guest would take?  It drops the rest
 * (VMBUS.md 3, 10); so do we, and say so.
 */
static bool host_msg_ok(struct vm *vm, const struct vmbs_host_msg *m)
{
	uint32_t type = m->payload_size >= 8 ? get32(m->payload, 0) : 0;
	const char *why = NULL;

	if (m->vp_index != GUEST_VP || m->sint != VMBUS_SINT)
		why = "not for VP 0 SINT 2";
	else if (m->pad[0] || m->pad[1] || m->pad[2])
		why = "non-zero pad";
	else if (m->message_type != HV_MSG_VMBUS)
		why = "SynIC message type is not 1";
	else if (m->payload_size < 8 || m->payload_size > 240)
		why = "payload size out of 8..240";
	else if (type >= ARRAY_SIZE(host_msg_min) || !host_msg_min[type])
		why = "not a host-to-guest message type";
	else if (m->payload_size < host_msg_min[type])
		why = "shorter than its type";
	else if (get32(m->payload, 4))
		why = "non-zero header padding";
	if (!why)
		return true;
	check(false, "%s: host message (type %u, %u bytes) is well-formed: %s",
	      vm->name, type, m->payload_size, why);
	return false;
}

/* Read what the host queued into the backlog, without waiting. */
static int drain_to_backlog(struct vm *vm)
{
	int n = 0, ret;

	while (vm->backlog_len < BACKLOG_MAX) {
		unsigned int slot = (vm->backlog_head + vm->backlog_len) %
				    BACKLOG_MAX;

		ret = vm_read_msg(vm, &vm->backlog[slot], 0);
		if (ret < 0)
			return ret;
		if (!ret)
			return n;
		vm->backlog_len++;
		n++;
	}
	return -ENOBUFS;
}

/*
 * HvPostMessage to the message connection id.  Insufficient buffers means
 * the host's messages wait to be read: read them (keeping them for the
 * waiters), then retry, a bounded number of times as Linux does.
 */
int guest_post(struct vm *vm, const void *msg, uint32_t len)
{
	int tries, ret, n;

	for (tries = 0; tries < 1000; tries++) {
		ret = vm_write_msg(vm, vm->msg_conn_id, msg, len);
		if (ret != -EAGAIN)
			break;
		n = drain_to_backlog(vm);
		if (n < 0) {
			ret = n;
			break;
		}
		if (!n)
			usleep(1000);
	}
	if (ret)
		check(false, "%s: post %s to connection %u: %s", vm->name,
		      len >= 4 ? msg_name(get32(msg, 0)) : "?", vm->msg_conn_id,
		      strerror(-ret));
	return ret;
}

/*
 * The next well-formed host message, from the backlog or the device.
 * Return: 1, 0 on timeout, -errno.
 */
int guest_recv(struct vm *vm, struct vmbs_host_msg *m, int timeout_ms)
{
	double end = now_sec() + timeout_ms / 1000.0;
	int ret, left;

	for (;;) {
		if (vm->backlog_len) {
			*m = vm->backlog[vm->backlog_head];
			vm->backlog_head = (vm->backlog_head + 1) % BACKLOG_MAX;
			vm->backlog_len--;
		} else {
			left = (int)((end - now_sec()) * 1000);
			ret = vm_read_msg(vm, m, left > 0 ? left : 0);
			if (ret <= 0)
				return ret;
		}
		if (host_msg_ok(vm, m))
			return 1;
	}
}

void guest_parse_offer(const uint8_t *p, struct offer *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->type, p + 8, 16);
	memcpy(o->instance, p + 24, 16);
	o->chn_flags = get16(p, 56);
	o->mmio_mb = get16(p, 58);
	o->sub_index = get16(p, 180);
	o->mmio_opt_mb = get16(p, 182);
	o->relid = get32(p, 184);
	o->monitor_id = p[188];
	o->monitor_allocated = p[189] & 1;
	o->dedicated_interrupt = get16(p, 190) & 1;
	o->conn_id = get32(p, 192);
}

void guest_print_offer(struct vm *vm, const struct offer *o)
{
	char t[37], in[37];

	say("%s: offer relid %u, connection id %u: type %s instance %s",
	    vm->name, o->relid, o->conn_id, guid_str(o->type, t),
	    guid_str(o->instance, in));
	say("%s:   mmio %u MiB + %u MiB optional, flags 0x%04x, sub-channel %u",
	    vm->name, o->mmio_mb, o->mmio_opt_mb, o->chn_flags, o->sub_index);
	say("%s:   monitor allocated %u (id %u), dedicated interrupt %u",
	    vm->name, o->monitor_allocated, o->monitor_id,
	    o->dedicated_interrupt);
}

static struct offer *offer_by_relid(struct vm *vm, uint32_t relid)
{
	unsigned int i;

	for (i = 0; i < vm->noffers; i++)
		if (vm->offers[i].relid == relid && !vm->offers[i].rescinded)
			return &vm->offers[i];
	return NULL;
}

/* A host message nobody waits for: offers and rescinds come any time. */
static void guest_note(struct vm *vm, const struct vmbs_host_msg *m)
{
	uint32_t type = get32(m->payload, 0);
	struct offer o, *old;

	switch (type) {
	case MSG_OFFERCHANNEL:
		guest_parse_offer(m->payload, &o);
		guest_print_offer(vm, &o);
		/* Linux drops relid >= 2048 and never services relid 0. */
		check(o.relid && o.relid < 2048 && o.conn_id <= 0xffffff &&
		      !offer_by_relid(vm, o.relid) && vm->noffers < MAX_OFFERS,
		      "%s: offer relid %u is new, in 1..2047, connection id in 24 bits",
		      vm->name, o.relid);
		if (vm->noffers < MAX_OFFERS)
			vm->offers[vm->noffers++] = o;
		break;
	case MSG_RESCIND:
		old = offer_by_relid(vm, get32(m->payload, 8));
		say("%s: RESCIND_CHANNELOFFER relid %u", vm->name,
		    get32(m->payload, 8));
		if (!check(old, "%s: rescind names an offered relid", vm->name))
			break;
		old->rescinded = true;
		break;
	default:
		check(false, "%s: %s (key %u) came unasked", vm->name,
		      msg_name(type), get32(m->payload, 8));
	}
}

/*
 * Wait for a message of @type whose u32 at @key_off is @key (@key_off < 0:
 * any), handling the others.  @out gets the payload (240 bytes).
 * Return: the payload size, or -errno (reported here).
 */
int guest_wait(struct vm *vm, uint32_t type, int key_off, uint32_t key,
	       uint8_t *out)
{
	double end = now_sec() + cfg.timeout_ms / 1000.0;
	struct vmbs_host_msg m;
	int ret, left;

	for (;;) {
		left = (int)((end - now_sec()) * 1000);
		ret = guest_recv(vm, &m, left > 0 ? left : 0);
		if (ret <= 0)
			break;
		if (get32(m.payload, 0) == type &&
		    (key_off < 0 || get32(m.payload, key_off) == key)) {
			memcpy(out, m.payload, m.payload_size);
			return m.payload_size;
		}
		guest_note(vm, &m);
	}
	ret = ret ? ret : -ETIMEDOUT;
	check(false, "%s: waiting for %s: %s", vm->name, msg_name(type),
	      ret == -ETIMEDOUT ? "no answer in time" : strerror(-ret));
	return ret;
}

/*
 * The played guest reboots: it forgets its offers, the host messages it
 * put aside and its GPADL numbering, and starts over as a fresh Linux does.
 */
void guest_reboot(struct vm *vm)
{
	vm->noffers = 0;
	vm->backlog_head = 0;
	vm->backlog_len = 0;
	vm->next_gpadl = GPADL_FIRST;
}

/* INITIATE_CONTACT and VERSION_RESPONSE. Return: 0, 1 refused, -errno. */
int guest_connect(struct vm *vm, uint32_t version)
{
	uint8_t msg[40] = { 0 }, r[240];
	bool v5 = version >= VMBUS_VERSION(5, 0);
	uint64_t monitor = vm_alloc_pages(vm, 2);
	int ret;

	vm->version = version;
	vm->msg_conn_id = v5 ? CONN_ID_CONTACT : CONN_ID_LEGACY;
	put32(msg, 0, MSG_INITIATE_CONTACT);
	put32(msg, 8, version);
	put32(msg, 12, GUEST_VP);
	if (v5)
		msg[16] = VMBUS_SINT;	/* msg_sint; msg_vtl 0, no features */
	else
		put64(msg, 16, vm_alloc_pages(vm, 1));	/* interrupt page */
	/* Linux hands the host two monitor pages whatever it negotiates. */
	put64(msg, 24, monitor);
	put64(msg, 32, monitor + PAGE_SIZE);
	ret = guest_post(vm, msg, sizeof(msg));
	if (ret)
		return ret;
	ret = guest_wait(vm, MSG_VERSION_RESPONSE, -1, 0, r);
	if (ret < 0)
		return ret;
	say("%s: VERSION_RESPONSE for %u.%u: supported %u, connection state %u, word@12 0x%x",
	    vm->name, version >> 16, version & 0xffff, r[8], r[9],
	    get32(r, 12));
	if (!r[8])
		return 1;
	if (v5) {
		vm->msg_conn_id = get32(r, 12);
		if (!check(vm->msg_conn_id && vm->msg_conn_id <= 0xffffff,
			   "%s: message connection id %u is usable",
			   vm->name, vm->msg_conn_id))
			return -EPROTO;
	}
	return 0;
}

int guest_request_offers(struct vm *vm)
{
	uint8_t msg[8] = { 0 }, r[240];
	int ret;

	put32(msg, 0, MSG_REQUESTOFFERS);
	ret = guest_post(vm, msg, sizeof(msg));
	if (!ret)
		ret = guest_wait(vm, MSG_ALLOFFERS_DELIVERED, -1, 0, r);
	if (ret < 0)
		return ret;
	say("%s: ALLOFFERS_DELIVERED after %u offer(s)", vm->name,
	    vm->noffers);
	return 0;
}

struct offer *guest_find_offer(struct vm *vm, const uint8_t type[16],
			       const uint8_t instance[16])
{
	unsigned int i;

	for (i = 0; i < vm->noffers; i++) {
		struct offer *o = &vm->offers[i];

		if (!o->rescinded && !memcmp(o->type, type, 16) &&
		    !memcmp(o->instance, instance, 16))
			return o;
	}
	return NULL;
}

/* A GPADL_HEADER with the first (up to) 26 of @n frames; its length. */
uint32_t gpadl_header(uint8_t *msg, uint32_t relid, uint32_t gpadl,
		      const uint64_t *pfns, uint32_t n)
{
	uint32_t i, here = n < GPADL_HEADER_PFNS ? n : GPADL_HEADER_PFNS;

	memset(msg, 0, 240);
	put32(msg, 0, MSG_GPADL_HEADER);
	put32(msg, 8, relid);
	put32(msg, 12, gpadl);
	/* One range (as Linux): its size counts every frame, not these. */
	put16(msg, 16, 8 + 8 * n);
	put16(msg, 18, 1);
	put32(msg, 20, n * PAGE_SIZE);
	put32(msg, 24, 0);
	for (i = 0; i < here; i++)
		put64(msg, 28 + 8 * i, pfns[i]);
	return 28 + 8 * here;
}

/*
 * GPADL_HEADER and the GPADL_BODYs it needs, then GPADL_CREATED.
 * Return: 0 with *status, -errno when no answer came.
 */
int guest_gpadl_create(struct vm *vm, uint32_t relid, const uint64_t *pfns,
		       uint32_t n, uint32_t *gpadl, uint32_t *status)
{
	uint8_t msg[240], r[240];
	uint32_t i, k, len;
	int ret;

	if (8 + 8 * (uint64_t)n > 0xffff)
		return -E2BIG;
	*gpadl = vm->next_gpadl++;
	len = gpadl_header(msg, relid, *gpadl, pfns, n);
	ret = guest_post(vm, msg, len);
	/* Bodies carry message number 0, back to back, as Linux sends them. */
	for (i = GPADL_HEADER_PFNS; !ret && i < n; i += k) {
		memset(msg, 0, sizeof(msg));
		put32(msg, 0, MSG_GPADL_BODY);
		put32(msg, 8, 0);
		put32(msg, 12, *gpadl);
		for (k = 0; k < GPADL_BODY_PFNS && i + k < n; k++)
			put64(msg, 16 + 8 * k, pfns[i + k]);
		ret = guest_post(vm, msg, 16 + 8 * k);
	}
	if (ret)
		return ret;
	ret = guest_wait(vm, MSG_GPADL_CREATED, 12, *gpadl, r);
	if (ret < 0)
		return ret;
	*status = get32(r, 16);
	say("%s: GPADL_CREATED 0x%x (%u frames, %u message(s)): relid %u, status 0x%x",
	    vm->name, *gpadl, n, n <= GPADL_HEADER_PFNS ? 1 :
	    2 + (n - GPADL_HEADER_PFNS - 1) / GPADL_BODY_PFNS, get32(r, 8),
	    *status);
	if (get32(r, 8) != relid)
		check(false, "%s: GPADL_CREATED 0x%x names relid %u", vm->name,
		      *gpadl, relid);
	return 0;
}

int guest_gpadl_teardown(struct vm *vm, uint32_t relid, uint32_t gpadl)
{
	uint8_t msg[16] = { 0 }, r[240];
	int ret;

	put32(msg, 0, MSG_GPADL_TEARDOWN);
	put32(msg, 8, relid);
	put32(msg, 12, gpadl);
	ret = guest_post(vm, msg, sizeof(msg));
	if (!ret)
		ret = guest_wait(vm, MSG_GPADL_TORNDOWN, 8, gpadl, r);
	if (ret < 0)
		return ret;
	say("%s: GPADL_TORNDOWN 0x%x", vm->name, gpadl);
	return 0;
}

/*
 * Open @o as Linux does: a kick eventfd for its connection id, both rings
 * in one GPADL (guest->host first), OPENCHANNEL with openid = relid.
 * @bad_pfns, if set, replaces the ring's frames in the GPADL.
 * Return: 0 open, 1 refused (ch->gpadl_status, ch->open_status), -errno.
 */
int guest_open(struct vm *vm, struct chan *ch, const struct offer *o,
	       const uint64_t *bad_pfns)
{
	uint32_t i, npages = 2 * cfg.ring_pages;
	uint8_t msg[148] = { 0 }, r[240];
	uint64_t pfns[2 * 512];
	uint8_t *hva;
	int ret;

	memset(ch, 0, sizeof(*ch));
	ch->relid = o->relid;
	ch->conn_id = o->conn_id;
	ch->out_pages = cfg.ring_pages;
	ch->in_pages = cfg.ring_pages;
	ch->kickfd = new_eventfd();
	ch->ring_gpa = vm_alloc_pages(vm, npages);
	hva = vm_gpa(vm, ch->ring_gpa, (uint64_t)npages * PAGE_SIZE);
	if (!hva || ch->kickfd < 0) {
		check(false, "%s: ring pages and kick eventfd", vm->name);
		return -ENOMEM;
	}
	ring_init(&ch->out, hva, ch->out_pages * PAGE_SIZE);
	ring_init(&ch->in, hva + ch->out_pages * PAGE_SIZE,
		  ch->in_pages * PAGE_SIZE);

	ret = vm_set_kick(vm, ch->conn_id, ch->kickfd);
	if (!check(!ret, "%s: VMBS_SET_KICK connection id %u", vm->name,
		   ch->conn_id))
		return ret;

	for (i = 0; i < npages; i++)
		pfns[i] = bad_pfns ? bad_pfns[i] :
				     (ch->ring_gpa >> PAGE_SHIFT) + i;
	ret = guest_gpadl_create(vm, ch->relid, pfns, npages, &ch->gpadl,
				 &ch->gpadl_status);
	if (ret)
		return ret;
	if (ch->gpadl_status)
		return 1;
	ch->gpadl_live = true;

	put32(msg, 0, MSG_OPENCHANNEL);
	put32(msg, 8, ch->relid);
	put32(msg, 12, ch->relid);
	put32(msg, 16, ch->gpadl);
	put32(msg, 20, GUEST_VP);
	put32(msg, 24, ch->out_pages);
	ret = guest_post(vm, msg, sizeof(msg));
	if (!ret)
		ret = guest_wait(vm, MSG_OPENCHANNEL_RESULT, 8, ch->relid, r);
	if (ret < 0)
		return ret;
	ch->open_status = get32(r, 16);
	say("%s: OPENCHANNEL_RESULT relid %u openid %u: status 0x%x (%s)",
	    vm->name, ch->relid, get32(r, 12), ch->open_status,
	    ch->open_status ? "failed" : "success");
	if (get32(r, 12) != ch->relid)
		check(false, "%s: OPENCHANNEL_RESULT echoes openid", vm->name);
	if (ch->open_status)
		return 1;
	ch->open = true;
	return 0;
}

/* CLOSECHANNEL (no answer), GPADL teardown, kick removal. */
int guest_close(struct vm *vm, struct chan *ch)
{
	uint8_t msg[12] = { 0 };
	int ret = 0;

	if (ch->open) {
		put32(msg, 0, MSG_CLOSECHANNEL);
		put32(msg, 8, ch->relid);
		ret = guest_post(vm, msg, sizeof(msg));
		if (!ret)
			say("%s: CLOSECHANNEL relid %u", vm->name, ch->relid);
		ch->open = false;
	}
	if (!ret && ch->gpadl_live) {
		ret = guest_gpadl_teardown(vm, ch->relid, ch->gpadl);
		ch->gpadl_live = false;
	}
	if (ch->kickfd >= 0) {
		check(!vm_set_kick(vm, ch->conn_id, -1),
		      "%s: VMBS_SET_KICK -1 removes the kick of %u", vm->name,
		      ch->conn_id);
		close(ch->kickfd);
		ch->kickfd = -1;
	}
	return ret;
}

/* VMBS_REMOVE_DEVICE, the rescind it causes, the guest's release. */
int guest_remove_and_release(struct vm *vm, const uint8_t instance[16],
			     uint32_t relid)
{
	uint8_t msg[12] = { 0 }, r[240];
	struct offer *o = offer_by_relid(vm, relid);
	double t = now_sec();
	int ret;

	ret = vm_remove_device(vm, instance);
	t = now_sec() - t;
	if (!check(!ret, "%s: VMBS_REMOVE_DEVICE (%.3f s)", vm->name, t))
		return ret;
	if (o) {
		ret = guest_wait(vm, MSG_RESCIND, 8, relid, r);
		if (ret < 0)
			return ret;
		o->rescinded = true;
		say("%s: RESCIND_CHANNELOFFER relid %u", vm->name, relid);
	}
	put32(msg, 0, MSG_RELID_RELEASED);
	put32(msg, 8, relid);
	ret = guest_post(vm, msg, sizeof(msg));
	if (!ret)
		say("%s: RELID_RELEASED relid %u", vm->name, relid);
	return ret;
}

int guest_unload(struct vm *vm)
{
	uint8_t msg[8] = { 0 }, r[240];
	int ret;

	/* Only from protocol 3.0 on (VMBUS.md 10). */
	if (vm->version < VMBUS_VERSION(3, 0))
		return 0;
	put32(msg, 0, MSG_UNLOAD);
	ret = guest_post(vm, msg, sizeof(msg));
	if (!ret)
		ret = guest_wait(vm, MSG_UNLOAD_RESPONSE, -1, 0, r);
	if (ret < 0)
		return ret;
	say("%s: UNLOAD_RESPONSE", vm->name);
	return 0;
}

/*
 * The sample's versions, as request number @i asks them: mostly 3.5 (the
 * newest it speaks), other 3.x, and 4.0 and 3.6, which it must refuse.
 */
static uint32_t ask_version(uint64_t i)
{
	static const uint32_t v[8] = {
		SAMPLE_VERSION(3, 5), SAMPLE_VERSION(3, 5),
		SAMPLE_VERSION(3, 0), SAMPLE_VERSION(4, 0),
		SAMPLE_VERSION(3, 5), SAMPLE_VERSION(3, 4),
		SAMPLE_VERSION(3, 6), SAMPLE_VERSION(3, 5),
	};

	return v[i % 8];
}

static bool speaks(uint32_t v)
{
	return (v & 0xffff) == 3 && v >> 16 <= 5;
}

/* What is wrong with an answer to a request for @asked, NULL if nothing. */
static const char *bad_answer(const struct ring_pkt *pkt, const uint8_t *p,
			      uint32_t asked)
{
	if (pkt->flags & PKT_FLAG_COMPLETION)
		return "asks for a completion";
	if (pkt->len != ((SAMPLE_RESP_SIZE + 7) & ~7u))
		return "payload is not 22 bytes and padding";
	if (get32(p, 0) != 1 || get32(p, 4) != 14 || get32(p, 8) != 2 ||
	    get32(p, 12) != 14)
		return "wrong pipe or video header";
	if (get32(p, 16) != asked)
		return "another version echoed (lost or reordered answer?)";
	if (p[20] != speaks(asked))
		return p[20] ? "accepted a version it does not speak" :
			       "refused a version it speaks";
	return NULL;
}

/*
 * The guest's HvSignalEvent on the channel's connection id: what KVM does
 * for it with KVM_HYPERV_EVENTFD, a write to the kick eventfd.
 */
static int signal_host(struct vm *vm, struct chan *ch, uint64_t *counter)
{
	uint64_t one = 1;

	(*counter)++;
	if (write(ch->kickfd, &one, sizeof(one)) == sizeof(one))
		return 0;
	check(false, "%s: write to the channel's eventfd: %m", vm->name);
	return -1;
}

/*
 * A packet from the host, when requests up to @i were sent (@asked_for:
 * request @i is unanswered yet).
 * Return: whether it takes the place of the answer to request @i.
 */
static bool take_packet(struct vm *vm, const struct ring_pkt *pkt,
			const uint8_t *p, uint64_t i, bool asked_for,
			struct xstats *st)
{
	uint32_t asked = ask_version(i);
	const char *why;

	if (cfg.verbose > 1)
		hexdump("packet", p, pkt->len);
	if (!asked_for)
		why = "a packet nobody asked for";
	else if (pkt->type != PKT_DATA_INBAND)
		why = "not an in-band packet";
	else
		why = bad_answer(pkt, p, asked);
	if (!why) {
		if (p[20])
			st->accepted++;
		else
			st->refused++;
		st->max_outputs = p[21];
		return true;
	}
	if (++st->bad <= 5)
		check(false, "%s: request %llu, 0x%08x: %s (type %u, %u bytes)",
		      vm->name, (unsigned long long)i, asked, why, pkt->type,
		      pkt->len);
	/* Only a wrong answer takes an answer's place. */
	return asked_for && pkt->type == PKT_DATA_INBAND;
}

/*
 * Read every packet there is.  The mask stays up while draining, so that
 * the host need not signal; after lowering it, look again: a packet
 * written meanwhile came without a signal.
 */
static int drain(struct vm *vm, struct chan *ch, uint64_t base,
		 uint64_t sent, uint64_t *got, struct xstats *st)
{
	uint8_t buf[4096];
	struct ring_pkt pkt;
	int ret;

	ring_mask(&ch->in);
	do {
		while ((ret = ring_read(&ch->in, &pkt, buf, sizeof(buf))) > 0)
			*got += take_packet(vm, &pkt, buf, base + *got,
					    *got < sent, st);
		if (ret < 0) {
			check(false, "%s: read the host->guest ring: %s",
			      vm->name, ring_strerror(ret));
			return -1;
		}
		/* The host waits for room with pending_send_sz: tell it. */
		if (ring_commit(&ch->in) &&
		    signal_host(vm, ch, &st->pending_kicks))
			return -1;
	} while (ring_unmask(&ch->in) && (ring_mask(&ch->in), true));
	return 0;
}

/*
 * @count version requests, at most @window unanswered, each answer
 * checked in order.  The guest waits for the host's signal before it
 * reads, so a missing signal shows as a timeout.
 */
int guest_exchange(struct vm *vm, struct chan *ch, uint64_t count,
		   uint32_t window, struct xstats *st)
{
	uint64_t base = ch->next_ask, sent = 0, got = 0;
	uint32_t need = ring_packet_size(SAMPLE_REQ_SIZE);
	bool want_space = false, signal, bit;
	uint8_t req[SAMPLE_REQ_SIZE];
	int ret;

	while (got < count) {
		while (sent < count && sent - got < window) {
			put32(req, 0, 1);	/* pipe: data */
			put32(req, 4, 12);
			put32(req, 8, 1);	/* video: version request */
			put32(req, 12, 12);
			put32(req, 16, ask_version(base + sent));
			ret = ring_write(&ch->out, PKT_DATA_INBAND, 0,
					 ++ch->trans_id, req, sizeof(req),
					 &signal);
			if (ret == -EAGAIN) {
				st->out_full++;
				want_space = true;
				if (ring_want_space(&ch->out, need))
					continue;
				break;
			}
			if (ret) {
				check(false, "%s: write request %llu: %s",
				      vm->name,
				      (unsigned long long)(base + sent),
				      ring_strerror(ret));
				return -1;
			}
			if (want_space) {
				ring_want_space(&ch->out, 0);
				want_space = false;
			}
			if (signal && signal_host(vm, ch, &st->kicks))
				return -1;
			sent++;
		}

		ret = vm_wait_event(vm, ch->relid, cfg.timeout_ms, &bit);
		if (ret <= 0) {
			check(false, "%s: relid %u: no interrupt (%llu/%llu sent, %llu answered)",
			      vm->name, ch->relid, (unsigned long long)sent,
			      (unsigned long long)count,
			      (unsigned long long)got);
			return -1;
		}
		st->irqs++;
		if (!bit)
			st->spurious++;
		if (drain(vm, ch, base, sent, &got, st))
			return -1;
	}
	ch->next_ask = base + count;
	st->sent += sent;
	st->answered += got;
	return 0;
}

void guest_print_stats(const char *what, const struct xstats *st)
{
	say("%s: %llu sent, %llu answered: %llu accepted, %llu refused, %llu bad",
	    what, (unsigned long long)st->sent,
	    (unsigned long long)st->answered,
	    (unsigned long long)st->accepted,
	    (unsigned long long)st->refused, (unsigned long long)st->bad);
	say("%s: %llu signals to the host, %llu for pending_send_sz; ring full %llu times",
	    what, (unsigned long long)st->kicks,
	    (unsigned long long)st->pending_kicks,
	    (unsigned long long)st->out_full);
	say("%s: %llu interrupts, %llu without the relid's bit; %u video output(s)",
	    what, (unsigned long long)st->irqs,
	    (unsigned long long)st->spurious, st->max_outputs);
}
