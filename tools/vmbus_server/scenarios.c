// SPDX-License-Identifier: GPL-2.0
/*
 * The scenarios that need /dev/vmbus_server.  Each builds its VMs from the
 * same steps (vmm.c, guest.c) and checks what the brief of that scenario
 * promises; a step that fails has said so with a "not ok" line already.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm.h"

static uint16_t want_mmio(void)
{
	return cfg.mmio_set ? cfg.mmio_mb : SAMPLE_MMIO_DEFAULT;
}

static uint16_t want_mmio_opt(void)
{
	return cfg.mmio_set ? cfg.mmio_opt_mb : SAMPLE_MMIO_OPT_DEFAULT;
}

/* A VM with @n sample devices, its guest connected, the offers read. */
struct vm *bring_up(const char *name, const uint8_t inst[][16],
		    unsigned int n)
{
	struct vm *vm = vm_create(name);
	struct offer *o;
	unsigned int i;
	int ret;

	if (!vm)
		return NULL;
	for (i = 0; i < n; i++)
		if (vm_add_sample(vm, inst[i]))
			goto fail;
	if (!cfg.hush)
		vm_list(vm, NULL, 0, true);
	ret = guest_connect(vm, cfg.version);
	if (!check(!ret, "%s: protocol %u.%u accepted", name,
		   cfg.version >> 16, cfg.version & 0xffff))
		goto fail;
	if (guest_request_offers(vm))
		goto fail;
	for (i = 0; i < n; i++) {
		o = guest_find_offer(vm, sample_type, inst[i]);
		if (!check(o, "%s: the sample device %u is offered", name, i))
			goto fail;
		check(o->mmio_mb == want_mmio() &&
		      o->mmio_opt_mb == want_mmio_opt(),
		      "%s: offer asks for %u MiB + %u MiB optional MMIO (want %u + %u)",
		      name, o->mmio_mb, o->mmio_opt_mb, want_mmio(),
		      want_mmio_opt());
	}
	return vm;
fail:
	vm_free(vm);
	return NULL;
}

/*
 * The state LIST_DEVICES gives the channel @relid (-1: not listed),
 * waiting up to the timeout for @want: the server may finish a step in a
 * work item after the guest saw its answer.
 */
static int chan_state_of(struct vm *vm, uint32_t relid, int want)
{
	struct vmbs_device_info info[16];
	double end = now_sec() + cfg.timeout_ms / 1000.0;
	int i, n, state;

	for (;;) {
		state = -1;
		n = vm_list(vm, info, 16, false);
		for (i = 0; i < n && i < 16; i++)
			if (info[i].child_relid == relid)
				state = info[i].channel_state;
		if (state == want || now_sec() > end)
			return state;
		usleep(10000);
	}
}

/* Devices the VM lists, waiting up to the timeout for @want of them. */
static int devices_listed(struct vm *vm, int want)
{
	double end = now_sec() + cfg.timeout_ms / 1000.0;
	int n;

	while ((n = vm_list(vm, NULL, 0, false)) != want && now_sec() < end)
		usleep(10000);
	return n;
}

/*
 * @count version requests on @ch, at most @window unanswered.  Every
 * answer must be right, and the interrupts must set the channel's bit
 * and no other: one may find its bit cleared by an earlier one's drain,
 * but not all of them.
 */
static bool exchange(struct vm *vm, struct chan *ch, uint64_t count,
		     uint32_t window, const char *what)
{
	struct xstats st = { 0 };
	unsigned int stray;
	char name[64];
	int ret;

	ret = guest_exchange(vm, ch, count, window, &st);
	vm->requests += st.sent;
	vm->accepted += st.accepted;
	snprintf(name, sizeof(name), "%s: %s", vm->name, what);
	guest_print_stats(name, &st);
	stray = vm_stray_event_bits(vm, ch->relid);
	if (stray)
		say("%s: %u stray bit(s) in the event-flags page", name, stray);
	return check(!ret && !st.bad && st.answered == count &&
		     st.irqs > st.spurious && !stray,
		     "%s: %llu answers right (window %u), relid %u's bit set",
		     name, (unsigned long long)count, window, ch->relid);
}

/*
 * The channel of @o opens with good rings, answers 8 requests and closes
 * again; its kick eventfd goes with it.
 */
static bool open_exchange_close(struct vm *vm, const struct offer *o,
				const char *what)
{
	struct chan ch;
	bool ok;

	ok = check(!guest_open(vm, &ch, o, NULL),
		   "%s: %s: channel relid %u opens (rings of %u pages)",
		   vm->name, what, o->relid, 2 * cfg.ring_pages) &&
	     exchange(vm, &ch, 8, 1, what) &&
	     check(!guest_close(vm, &ch), "%s: %s: channel closed", vm->name,
		   what);
	if (ch.kickfd >= 0)
		close(ch.kickfd);
	return ok;
}

/* The orderly end: remove the devices, release, unload, close. */
bool tear_down(struct vm *vm, const uint8_t inst[][16], unsigned int n)
{
	struct offer *o;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		o = guest_find_offer(vm, sample_type, inst[i]);
		if (!o || guest_remove_and_release(vm, inst[i], o->relid))
			return false;
	}
	ret = devices_listed(vm, 0);
	check(!ret, "%s: no devices listed after the releases (%d)",
	      vm->name, ret);
	if (guest_unload(vm))
		return false;
	ret = vm_close_fd(vm);
	return check(!ret, "%s: close() of the device", vm->name);
}

/*
 * A window of requests a bit larger than the answers the host->guest ring
 * holds: the host has to wait for room (pending_send_sz) and the guest to
 * tell it.  Not more: the sample queues only a few answers beyond a full
 * ring (the server bounds a channel's send queue at 64 packets) and drops
 * the rest, as a device may when its guest floods it and never reads.
 */
static uint32_t burst_window(const struct chan *ch)
{
	return (ch->in.size - 1) / ring_packet_size(SAMPLE_RESP_SIZE) + 32;
}

/*
 * The sample's own count (VMBS_DEVICE_CONTROL) of what it answered, against
 * what the guest sent and read.
 */
static void sample_stats_check(struct vm *vm)
{
	uint8_t st[SAMPLE_STATS_SIZE + 4];
	uint32_t size = sizeof(st);
	int ret;

	ret = vm_control(vm, cfg.instance, SAMPLE_CONTROL_STATS, NULL, 0, st,
			 &size);
	if (!check(!ret && size == SAMPLE_STATS_SIZE,
		   "%s: DEVICE_CONTROL STATS of the sample: %d, %u bytes",
		   vm->name, ret, size))
		return;
	say("%s: the sample counted %u requests, %u accepted, %u malformed, %u answers not sent",
	    vm->name, get32(st, 0), get32(st, 4), get32(st, 8),
	    get32(st, 12));
	check(get32(st, 0) == vm->requests && get32(st, 4) == vm->accepted &&
	      !get32(st, 8) && !get32(st, 12),
	      "%s: the sample counted the %llu requests sent and the %llu answers accepted",
	      vm->name, (unsigned long long)vm->requests,
	      (unsigned long long)vm->accepted);
}

int scenario_run(void)
{
	struct vmbs_device_info info[4];
	uint64_t pfns[100], gpa;
	uint32_t gpadl, status, i;
	struct vm *vm;
	struct offer *o;
	struct chan ch;
	int n, ret = -1;

	vm = bring_up("vm", &cfg.instance, 1);
	if (!vm)
		return -1;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	n = vm_list(vm, info, 4, true);
	check(n == 1 && info[0].state == VMBS_DEVICE_ACTIVE &&
	      info[0].channel_state == VMBS_CHANNEL_OFFERED &&
	      info[0].child_relid == o->relid &&
	      !memcmp(info[0].interface_type, sample_type, 16) &&
	      !memcmp(info[0].interface_instance, cfg.instance, 16) &&
	      info[0].mmio_megabytes == o->mmio_mb &&
	      info[0].mmio_megabytes_optional == o->mmio_opt_mb,
	      "vm: LIST_DEVICES: the sample, active, offered, with the offer's relid and MMIO sizes");

	if (!check(!guest_open(vm, &ch, o, NULL),
		   "vm: channel relid %u open (GPADL_CREATED and OPENCHANNEL_RESULT status 0)",
		   o->relid))
		goto out;
	check(chan_state_of(vm, ch.relid, VMBS_CHANNEL_OPEN) ==
	      VMBS_CHANNEL_OPEN, "vm: LIST_DEVICES: channel open");
	if (!exchange(vm, &ch, cfg.packets, 1, "round trips"))
		goto out;
	if (!exchange(vm, &ch, 2048, burst_window(&ch), "burst"))
		goto out;

	/* A GPADL that needs bodies: 26 frames in the header, 28 a body. */
	gpa = vm_alloc_pages(vm, 100);
	for (i = 0; i < 100; i++)
		pfns[i] = (gpa >> PAGE_SHIFT) + i;
	if (!gpa || guest_gpadl_create(vm, ch.relid, pfns, 100, &gpadl,
				       &status))
		goto out;
	check(!status, "vm: 100-frame GPADL (header and 3 bodies) created");
	if (!check(!guest_gpadl_teardown(vm, ch.relid, gpadl),
		   "vm: 100-frame GPADL torn down"))
		goto out;

	if (!check(!guest_close(vm, &ch), "vm: channel closed"))
		goto out;
	check(chan_state_of(vm, ch.relid, VMBS_CHANNEL_OFFERED) ==
	      VMBS_CHANNEL_OFFERED, "vm: LIST_DEVICES: channel offered again");

	/* A closed channel stays offered and opens again. */
	if (!check(!guest_open(vm, &ch, o, NULL), "vm: channel open again"))
		goto out;
	if (!exchange(vm, &ch, 8, 1, "after reopening"))
		goto out;
	if (!check(!guest_close(vm, &ch), "vm: channel closed again"))
		goto out;
	sample_stats_check(vm);

	if (tear_down(vm, &cfg.instance, 1))
		ret = 0;
out:
	vm_free(vm);
	return ret;
}

int scenario_traffic(void)
{
	uint32_t windows[] = { 1, 16, 0 };
	struct xstats st = { 0 };
	unsigned long round;
	double start, last;
	struct vm *vm;
	struct offer *o;
	struct chan ch;

	vm = bring_up("vm", &cfg.instance, 1);
	if (!vm)
		return -1;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	if (!check(!guest_open(vm, &ch, o, NULL), "vm: channel relid %u open",
		   o->relid))
		return -1;
	windows[2] = burst_window(&ch);
	printf("traffic running\n");
	fflush(stdout);
	start = now_sec();
	last = start;
	for (round = 0;; round++) {
		if (guest_exchange(vm, &ch, 1000, windows[round % 3], &st) ||
		    st.bad) {
			check(false, "vm: traffic after %llu packets",
			      (unsigned long long)st.answered);
			guest_print_stats("vm: traffic", &st);
			return -1;
		}
		if (now_sec() - last >= 10) {
			last = now_sec();
			say("vm: traffic: %llu round trips, %.0f/s",
			    (unsigned long long)st.answered,
			    st.answered / (last - start));
		}
	}
}

/* Does @o's relid or connection id exist in @vm too? */
static bool ids_clash(struct vm *vm, const struct offer *o)
{
	unsigned int i;

	for (i = 0; i < vm->noffers; i++)
		if (vm->offers[i].relid == o->relid ||
		    vm->offers[i].conn_id == o->conn_id)
			return true;
	return false;
}

/* Is this host message about relid @relid or GPADL @gpadl? */
static bool about(const uint8_t *p, uint32_t relid, uint32_t gpadl)
{
	switch (get32(p, 0)) {
	case MSG_OFFERCHANNEL:
		return get32(p, 184) == relid;
	case MSG_RESCIND:
	case MSG_OPENCHANNEL_RESULT:
		return get32(p, 8) == relid;
	case MSG_GPADL_CREATED:
		return get32(p, 8) == relid || get32(p, 12) == gpadl;
	case MSG_GPADL_TORNDOWN:
		return get32(p, 8) == gpadl;
	default:
		return false;
	}
}

int scenario_two_vms(void)
{
	uint8_t inst[2][16], msg[148] = { 0 };
	struct vm *a = NULL, *b = NULL;
	struct vmbs_host_msg m;
	struct offer *oa = NULL;
	unsigned int i, others = 0, foreign = 0;
	struct chan ch;
	double end;
	int fd, ret, rc = -1;

	/* A has two devices, B one: B's is A's first, same instance GUID:
	 * each VM is its own namespace.
	 */
	memcpy(inst[0], cfg.instance, 16);
	memcpy(inst[1], cfg.instance, 16);
	inst[1][15] ^= 0x5a;
	a = bring_up("A", inst, 2);
	b = a ? bring_up("B", inst, 1) : NULL;
	if (!b)
		goto out;

	/* Probe with a channel of A whose ids mean nothing in B. */
	for (i = 0; i < 2; i++) {
		oa = guest_find_offer(a, sample_type, inst[i]);
		if (!ids_clash(b, oa))
			break;
	}
	check(!ids_clash(b, oa),
	      "A has a channel (relid %u, connection id %u) whose ids B does not have",
	      oa->relid, oa->conn_id);
	if (!check(!guest_open(a, &ch, oa, NULL), "A: channel relid %u open",
		   oa->relid) || !exchange(a, &ch, 16, 1, "before B probes"))
		goto out;

	/*
	 * Connection ids are B's own: a kick may be set before B's channel
	 * exists, and signalling it must not reach A's channel.
	 */
	fd = new_eventfd();
	ret = vm_set_kick(b, ch.conn_id, fd);
	check(!ret, "B: VMBS_SET_KICK with A's connection id %u is B's own (%s)",
	      ch.conn_id, ret ? strerror(-ret) : "taken");
	if (eventfd_write(fd, 1))
		say("B: eventfd_write: %s", strerror(errno));
	check(!vm_set_kick(b, ch.conn_id, -1), "B: the kick removed again");
	close(fd);

	/* B's guest names A's relid and GPADL. */
	put32(msg, 0, MSG_OPENCHANNEL);
	put32(msg, 8, ch.relid);
	put32(msg, 12, ch.relid);
	put32(msg, 16, ch.gpadl);
	put32(msg, 24, ch.out_pages);
	ret = vm_write_msg(b, b->msg_conn_id, msg, 148);
	say("B: OPENCHANNEL relid %u GPADL 0x%x posted: %s", ch.relid,
	    ch.gpadl, ret ? strerror(-ret) : "taken");
	memset(msg, 0, sizeof(msg));
	put32(msg, 0, MSG_GPADL_TEARDOWN);
	put32(msg, 8, ch.relid);
	put32(msg, 12, ch.gpadl);
	ret = vm_write_msg(b, b->msg_conn_id, msg, 16);
	say("B: GPADL_TEARDOWN relid %u GPADL 0x%x posted: %s", ch.relid,
	    ch.gpadl, ret ? strerror(-ret) : "taken");
	put32(msg, 0, MSG_CLOSECHANNEL);
	ret = vm_write_msg(b, b->msg_conn_id, msg, 12);
	say("B: CLOSECHANNEL relid %u posted: %s", ch.relid,
	    ret ? strerror(-ret) : "taken");

	end = now_sec() + 1;
	while (now_sec() < end) {
		ret = guest_recv(b, &m, (int)((end - now_sec()) * 1000) + 1);
		if (ret <= 0)
			break;
		/* B's own server refusing B's request is no cross-talk. */
		if (get32(m.payload, 0) == MSG_OPENCHANNEL_RESULT &&
		    get32(m.payload, 16))
			others++;
		else if (about(m.payload, ch.relid, ch.gpadl))
			foreign++;
		else
			others++;
		say("B: got message type %u (about A's channel: %s)",
		    get32(m.payload, 0),
		    about(m.payload, ch.relid, ch.gpadl) ? "yes" : "no");
	}
	check(!foreign, "B: in 1 s, %u messages about A's relid %u or GPADL 0x%x (%u others)",
	      foreign, ch.relid, ch.gpadl, others);
	check(chan_state_of(a, ch.relid, VMBS_CHANNEL_OPEN) ==
	      VMBS_CHANNEL_OPEN, "A: LIST_DEVICES: channel still open");
	if (!exchange(a, &ch, 16, 1, "after B probed"))
		goto out;

	memset(msg, 0, sizeof(msg));
	put32(msg, 0, MSG_REQUESTOFFERS);
	ret = vm_write_msg(b, ch.conn_id, msg, 8);
	check(ret == -ENXIO, "B: write() to A's channel connection id %u: ENXIO (%s)",
	      ch.conn_id, ret ? strerror(-ret) : "taken");

	if (check(!guest_close(a, &ch), "A: channel closed") &&
	    tear_down(a, inst, 2) && tear_down(b, inst, 1))
		rc = 0;
out:
	vm_free(a);
	vm_free(b);
	return rc;
}

int scenario_no_release(void)
{
	struct offer *o;
	struct vm *vm;
	uint8_t r[240];
	double t;
	int ret;

	vm = bring_up("vm", &cfg.instance, 1);
	if (!vm)
		return -1;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	t = now_sec();
	ret = vm_remove_device(vm, cfg.instance);
	t = now_sec() - t;
	check(!ret && t < 2, "vm: VMBS_REMOVE_DEVICE returned %d in %.3f s (< 2 s)",
	      ret, t);
	ret = guest_wait(vm, MSG_RESCIND, 8, o->relid, r);
	check(ret >= 0, "vm: RESCIND_CHANNELOFFER relid %u (not released)",
	      o->relid);
	vm_list(vm, NULL, 0, true);
	t = now_sec();
	ret = vm_close_fd(vm);
	t = now_sec() - t;
	check(!ret && t < 2, "vm: close() returned %d in %.3f s (< 2 s)", ret,
	      t);
	vm_free(vm);
	return 0;
}

int scenario_stop_reading(void)
{
	static uint8_t created[10001];
	unsigned int accepted = 0, offers = 0, all = 0, ok_created = 0;
	unsigned int got = 0, extra = 0, bad = 0, torn = 0, i;
	uint32_t relid, first, len, gpadl, type;
	struct vmbs_device_info info[16];
	struct vmbs_host_msg m;
	uint8_t msg[240];
	struct vm *vm;
	bool eagain = false;
	uint64_t pfn;
	double end;
	int n, ret, rc = -1;

	vm = vm_create("vm");
	if (!vm || vm_add_sample(vm, cfg.instance) ||
	    !check(!guest_connect(vm, cfg.version), "vm: connected"))
		goto out;
	memset(msg, 0, sizeof(msg));
	put32(msg, 0, MSG_REQUESTOFFERS);
	if (!check(!vm_write_msg(vm, vm->msg_conn_id, msg, 8),
		   "vm: REQUESTOFFERS posted, nothing read after it"))
		goto out;
	/* The guest read no offer: the VMM tells it the relid. */
	n = vm_list(vm, info, 16, true);
	relid = n == 1 ? info[0].child_relid : 0;
	if (!check(relid, "vm: LIST_DEVICES gives the sample's relid (%u)",
		   relid))
		goto out;

	pfn = vm_alloc_pages(vm, 1) >> PAGE_SHIFT;
	first = vm->next_gpadl;
	for (i = 0; i < 10000; i++) {
		len = gpadl_header(msg, relid, vm->next_gpadl, &pfn, 1);
		ret = vm_write_msg(vm, vm->msg_conn_id, msg, len);
		if (ret == -EAGAIN) {
			eagain = true;
			break;
		}
		if (ret) {
			check(false, "vm: GPADL_HEADER %u: %s", i,
			      strerror(-ret));
			break;
		}
		vm->next_gpadl++;
		accepted++;
	}
	say("vm: %u one-frame GPADL_HEADERs taken before the first EAGAIN",
	    accepted);
	if (!check(eagain, "vm: EAGAIN came within 10000 posts (after %u)",
		   accepted))
		goto out;

	/* Everything the accepted posts produced, then nothing more. */
	end = now_sec() + cfg.timeout_ms / 1000.0;
	while (got < n + 1 + accepted && now_sec() < end) {
		if (guest_recv(vm, &m, (int)((end - now_sec()) * 1000)) <= 0)
			break;
		got++;
		type = get32(m.payload, 0);
		gpadl = get32(m.payload, 12) - first;
		if (type == MSG_OFFERCHANNEL && vm->noffers < MAX_OFFERS) {
			offers++;
			guest_parse_offer(m.payload, &vm->offers[vm->noffers]);
			guest_print_offer(vm, &vm->offers[vm->noffers++]);
		} else if (type == MSG_ALLOFFERS_DELIVERED) {
			all++;
		} else if (type == MSG_GPADL_CREATED && gpadl < accepted &&
			   !created[gpadl]) {
			created[gpadl] = get32(m.payload, 16) ? 2 : 1;
			ok_created += created[gpadl] == 1;
		} else {
			bad++;
		}
	}
	while (guest_recv(vm, &m, 200) > 0)
		extra++;
	say("vm: read %u messages: %u offer(s), %u ALLOFFERS_DELIVERED, %u other",
	    got, offers, all, bad);
	say("vm: %u GPADL_CREATED (%u with status 0), then %u more messages",
	    got - offers - all - bad, ok_created, extra);
	check(offers == (unsigned int)n && all == 1,
	      "vm: every offer and one ALLOFFERS_DELIVERED");
	check(got - offers - all - bad == accepted && !bad && !extra,
	      "vm: %u GPADL_CREATED for %u GPADL_HEADERs taken, nothing else",
	      got - offers - all - bad, accepted);

	len = gpadl_header(msg, relid, vm->next_gpadl, &pfn, 1);
	ret = vm_write_msg(vm, vm->msg_conn_id, msg, len);
	if (!check(!ret, "vm: after reading, a post is taken again"))
		goto out;
	gpadl = vm->next_gpadl++;
	if (guest_wait(vm, MSG_GPADL_CREATED, 12, gpadl, msg) < 0)
		goto out;

	cfg.hush++;
	for (i = 0; i < accepted; i++)
		if (created[i] == 1)
			torn += !guest_gpadl_teardown(vm, relid, first + i);
	cfg.hush--;
	if (!get32(msg, 16))
		torn += !guest_gpadl_teardown(vm, relid, gpadl);
	check(torn == ok_created + !get32(msg, 16),
	      "vm: %u GPADLs torn down", torn);
	if (tear_down(vm, &cfg.instance, 1))
		rc = 0;
out:
	vm_free(vm);
	return rc;
}

/* Expect a failure with errno @want; errno is read before anything else. */
__printf(3, 4) static void expect(long ret, int want, const char *fmt, ...)
{
	int err = errno;
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ret >= 0)
		check(false, "%s: %s (it succeeded)", what,
		      strerrorname_np(want));
	else if (err != want)
		check(false, "%s: %s (got %s)", what, strerrorname_np(want),
		      strerrorname_np(err));
	else
		check(true, "%s: %s", what, strerrorname_np(want));
}

/* SET_MEM_TABLE with @n regions (nregions @count) and table @flags. */
static int set_table(int fd, const struct vmbs_mem_region *r,
		     unsigned int n, uint32_t count, uint32_t flags)
{
	struct vmbs_mem_table *t = calloc(1, sizeof(*t) + n * sizeof(*r));
	int ret, err;

	if (!t)
		return -1;
	t->nregions = count;
	t->flags = flags;
	memcpy(t->regions, r, n * sizeof(*r));
	ret = ioctl(fd, VMBS_SET_MEM_TABLE, t);
	err = errno;
	free(t);
	errno = err;
	return ret;
}

static void bad_region(int fd, struct vmbs_mem_region r, const char *what)
{
	expect(set_table(fd, &r, 1, 1, 0), EINVAL, "SET_MEM_TABLE, %s", what);
}

static void bad_tables(struct vm *vm)
{
	struct vmbs_mem_region good = {
		.guest_phys_addr = GUEST_MEM_GPA,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uintptr_t)vm->mem,
	}, r[VMBS_MEM_REGIONS_MAX + 1];
	int fd = vm->fd;
	unsigned int i;

	/* One region too many, each of them good. */
	for (i = 0; i <= VMBS_MEM_REGIONS_MAX; i++) {
		r[i] = good;
		r[i].guest_phys_addr += (uint64_t)i * PAGE_SIZE;
		r[i].memory_size = PAGE_SIZE;
		r[i].userspace_addr += (uint64_t)i * PAGE_SIZE;
	}
	expect(set_table(fd, r, i, i, 0), EINVAL,
	       "SET_MEM_TABLE, %u regions", i);

	r[0] = good;
	r[0].guest_phys_addr++;
	bad_region(fd, r[0], "unaligned GPA");
	r[0] = good;
	r[0].memory_size = PAGE_SIZE + 1;
	bad_region(fd, r[0], "unaligned size");
	r[0] = good;
	r[0].memory_size = 0;
	bad_region(fd, r[0], "zero size");
	r[0] = good;
	r[0].userspace_addr++;
	bad_region(fd, r[0], "unaligned userspace_addr");
	r[0] = good;
	r[0].guest_phys_addr = 0ull - PAGE_SIZE;
	bad_region(fd, r[0], "GPA range wraps");
	r[0] = good;
	r[0].userspace_addr = 0ull - PAGE_SIZE;
	bad_region(fd, r[0], "userspace range wraps");
	r[0] = good;
	r[0].flags = 1;
	bad_region(fd, r[0], "region flags 1");

	r[0] = good;
	r[0].memory_size = 2 * PAGE_SIZE;
	r[1] = r[0];
	r[1].guest_phys_addr += PAGE_SIZE;
	r[1].userspace_addr += 8 * PAGE_SIZE;
	expect(set_table(fd, r, 2, 2, 0), EINVAL,
	       "SET_MEM_TABLE, overlapping GPA ranges");
	expect(set_table(fd, &good, 1, 1, 1), EINVAL,
	       "SET_MEM_TABLE, table flags 1");
	expect(ioctl(fd, VMBS_SET_MEM_TABLE, NULL), EFAULT,
	       "SET_MEM_TABLE, NULL argument");
	check(!set_table(fd, &good, 1, 1, 0), "SET_MEM_TABLE, the good table");
}

static void bad_synic(int fd, struct vmbs_synic s, int err, const char *what)
{
	expect(ioctl(fd, VMBS_SET_SYNIC, &s), err, "SET_SYNIC, %s", what);
}

static void bad_synics(struct vm *vm, int pipefd)
{
	struct vmbs_synic good = {
		.vp_index = GUEST_VP,
		.sint = VMBUS_SINT,
		.event_page_gpa = vm->event_gpa,
		.irqfd = vm->irqfd,
	}, s;
	int fd = vm->fd;

	s = good;
	s.vp_index = 4096;
	bad_synic(fd, s, EINVAL, "vp_index 4096");
	s = good;
	s.sint = 16;
	bad_synic(fd, s, EINVAL, "sint 16");
	s = good;
	s.event_page_gpa += 8;
	bad_synic(fd, s, EINVAL, "unaligned event page");
	s = good;
	s.event_page_gpa = GUEST_MEM_GPA + GUEST_MEM_SIZE;
	bad_synic(fd, s, EINVAL, "event page outside the memory table");
	s = good;
	s.irqfd = pipefd;
	bad_synic(fd, s, EINVAL, "irqfd a pipe");
	s = good;
	s.irqfd = -1;
	bad_synic(fd, s, EBADF, "irqfd -1 without CLEAR");
	s = good;
	s.irqfd = 9999;
	bad_synic(fd, s, EBADF, "irqfd 9999");
	s = good;
	s.flags = 2;
	bad_synic(fd, s, EINVAL, "flags 2");
	s = good;
	s.reserved = 1;
	bad_synic(fd, s, EINVAL, "reserved 1");

	s = good;
	s.irqfd = -1;
	s.flags = VMBS_SYNIC_CLEAR;
	check(!ioctl(fd, VMBS_SET_SYNIC, &s), "SET_SYNIC, CLEAR with irqfd -1");
	check(!ioctl(fd, VMBS_SET_SYNIC, &good), "SET_SYNIC, the good one");
}

/* VMBS_DEVICE_CONTROL with one thing wrong; the sample is added. */
static void bad_controls(struct vm *vm)
{
	static uint8_t big[VMBS_DEVICE_CONTROL_MAX + 1];
	struct vmbs_device_control good = {
		.op = SAMPLE_CONTROL_STATS,
		.out_size = SAMPLE_STATS_SIZE,
		.out = (uintptr_t)big,
	}, c;
	int fd = vm->fd;

	memcpy(good.interface_instance, cfg.instance, 16);
	c = good;
	c.interface_instance[0] ^= 0xff;
	expect(ioctl(fd, VMBS_DEVICE_CONTROL, &c), ENOENT,
	       "DEVICE_CONTROL, unknown instance");
	c = good;
	c.flags = 1;
	expect(ioctl(fd, VMBS_DEVICE_CONTROL, &c), EINVAL,
	       "DEVICE_CONTROL, flags 1");
	c = good;
	c.op = 0x7f;
	expect(ioctl(fd, VMBS_DEVICE_CONTROL, &c), EOPNOTSUPP,
	       "DEVICE_CONTROL, op 0x7f the sample does not know");
	c = good;
	c.in_size = VMBS_DEVICE_CONTROL_MAX + 1;
	c.in = (uintptr_t)big;
	expect(ioctl(fd, VMBS_DEVICE_CONTROL, &c), EINVAL,
	       "DEVICE_CONTROL, in_size %u", c.in_size);
	c = good;
	c.out_size = VMBS_DEVICE_CONTROL_MAX + 1;
	expect(ioctl(fd, VMBS_DEVICE_CONTROL, &c), EINVAL,
	       "DEVICE_CONTROL, out_size %u", c.out_size);
	c = good;
	c.in_size = 4;
	c.in = 16;
	expect(ioctl(fd, VMBS_DEVICE_CONTROL, &c), EFAULT,
	       "DEVICE_CONTROL, in at address 16");
	c = good;
	c.in_size = 4;
	c.in = (uintptr_t)big;
	expect(ioctl(fd, VMBS_DEVICE_CONTROL, &c), EINVAL,
	       "DEVICE_CONTROL, STATS with 4 bytes of input");
	c = good;
	c.out_size = SAMPLE_STATS_SIZE - 1;
	expect(ioctl(fd, VMBS_DEVICE_CONTROL, &c), EINVAL,
	       "DEVICE_CONTROL, STATS with %u bytes of room", c.out_size);
	c = good;
	c.out = 16;
	expect(ioctl(fd, VMBS_DEVICE_CONTROL, &c), EFAULT,
	       "DEVICE_CONTROL, out at address 16");
	c = good;
	check(!ioctl(fd, VMBS_DEVICE_CONTROL, &c) &&
	      c.out_size == SAMPLE_STATS_SIZE && !get32(big, 0),
	      "DEVICE_CONTROL, STATS: %u bytes, 0 requests yet", c.out_size);
}

static void bad_devices(struct vm *vm)
{
	struct vmbs_device_info info[4];
	struct vmbs_device good = { .flags = 0 }, d;
	struct vmbs_device_list l;
	uint8_t params[VMBS_DEVICE_PARAMS_MAX + 1] = { 0 };
	int fd = vm->fd;

	memcpy(good.interface_type, sample_type, 16);
	memcpy(good.interface_instance, cfg.instance, 16);
	d = good;
	d.interface_type[0] ^= 0xff;
	expect(ioctl(fd, VMBS_ADD_DEVICE, &d), ENODEV,
	       "ADD_DEVICE, unknown interface type");
	d = good;
	d.params_size = sizeof(params);
	d.params = (uintptr_t)params;
	expect(ioctl(fd, VMBS_ADD_DEVICE, &d), EINVAL,
	       "ADD_DEVICE, params_size %zu", sizeof(params));
	d = good;
	d.flags = 1;
	expect(ioctl(fd, VMBS_ADD_DEVICE, &d), EINVAL, "ADD_DEVICE, flags 1");
	d = good;
	d.params_size = 8;
	d.params = 16;
	expect(ioctl(fd, VMBS_ADD_DEVICE, &d), EFAULT,
	       "ADD_DEVICE, params at address 16");
	d = good;
	d.params_size = 8;
	d.params = (uintptr_t)params;
	d.interface_instance[0] ^= 0xff;
	expect(ioctl(fd, VMBS_ADD_DEVICE, &d), EINVAL,
	       "ADD_DEVICE, sample with MMIO 0:0");
	put16(params, 0, 8);
	put32(params, 4, 1);
	expect(ioctl(fd, VMBS_ADD_DEVICE, &d), EINVAL,
	       "ADD_DEVICE, sample with reserved parameter 1");
	check(!ioctl(fd, VMBS_ADD_DEVICE, &good), "ADD_DEVICE, the sample");
	expect(ioctl(fd, VMBS_ADD_DEVICE, &good), EEXIST,
	       "ADD_DEVICE, the same instance again");
	d = good;
	d.interface_instance[0] ^= 0xff;
	expect(ioctl(fd, VMBS_REMOVE_DEVICE, &d), ENOENT,
	       "REMOVE_DEVICE, unknown instance");

	l = (struct vmbs_device_list){ .count = 4, .flags = 1,
				       .devices = (uintptr_t)info };
	expect(ioctl(fd, VMBS_LIST_DEVICES, &l), EINVAL, "LIST_DEVICES, flags 1");
	l = (struct vmbs_device_list){ .count = 4, .devices = 16 };
	expect(ioctl(fd, VMBS_LIST_DEVICES, &l), EFAULT,
	       "LIST_DEVICES, devices at address 16");
	bad_controls(vm);
	expect(ioctl(fd, _IO(VMBS_IOCTL_MAGIC, 0x7f)), ENOTTY,
	       "ioctl 0x%lx (unknown number)",
	       (unsigned long)_IO(VMBS_IOCTL_MAGIC, 0x7f));
	expect(ioctl(fd, _IOR(VMBS_IOCTL_MAGIC, 0x01, __u32), &l), ENOTTY,
	       "ioctl GET_FEATURES with a 4-byte size");
}

/* write() a REQUESTOFFERS with one thing wrong; @len bytes of it. */
static void bad_write(struct vm *vm, struct vmbs_guest_msg m, size_t len,
		      const char *what)
{
	uint8_t buf[16 + VMBS_MSG_PAYLOAD_MAX + 1] = { 0 };

	memcpy(buf, &m, sizeof(m));
	expect(write(vm->fd, buf, len), EINVAL, "write(), %s", what);
}

static void bad_writes(struct vm *vm)
{
	struct vmbs_guest_msg good = {
		.connection_id = vm->msg_conn_id,
		.message_type = HV_MSG_VMBUS,
		.payload_size = 8,
	}, m;

	put32(good.payload, 0, MSG_REQUESTOFFERS);
	m = good;
	m.payload_size = VMBS_MSG_PAYLOAD_MAX + 1;
	bad_write(vm, m, 16 + m.payload_size, "payload_size 241");
	m = good;
	m.message_type = 2;
	bad_write(vm, m, 24, "message_type 2");
	m = good;
	m.reserved = 1;
	bad_write(vm, m, 24, "reserved 1");
	bad_write(vm, good, 15, "15 bytes");
	bad_write(vm, good, 16 + 12, "28 bytes for an 8-byte payload");
}

static long kick_raw(int fd, uint32_t conn_id, int kfd)
{
	struct vmbs_kick k = { .connection_id = conn_id, .fd = kfd };

	return ioctl(fd, VMBS_SET_KICK, &k);
}

static void bad_kicks(struct vm *vm, uint32_t conn_id, int pipefd)
{
	int efd = new_eventfd();

	expect(kick_raw(vm->fd, 0xabcdef, efd), EINVAL,
	       "SET_KICK, connection id 0xabcdef without a channel");
	/* Shaped like a channel's id, past the last relid (2047). */
	expect(kick_raw(vm->fd, 0x10000 + 2048, efd), EINVAL,
	       "SET_KICK, connection id %u past the relids", 0x10000 + 2048);
	expect(kick_raw(vm->fd, conn_id, pipefd), EINVAL,
	       "SET_KICK, a pipe for connection id %u", conn_id);
	expect(kick_raw(vm->fd, conn_id, 9999), EBADF,
	       "SET_KICK, fd 9999 for connection id %u", conn_id);
	check(!kick_raw(vm->fd, conn_id, efd) &&
	      !kick_raw(vm->fd, conn_id, -1),
	      "SET_KICK, an eventfd for connection id %u, then -1", conn_id);
	close(efd);
}

int scenario_bad_ioctls(void)
{
	struct vmbs_host_msg m;
	struct pollfd p;
	struct offer *o;
	struct vm *vm;
	int pipefd[2], ret = -1;
	ssize_t n;

	vm = vm_create("vm");
	if (!vm || pipe(pipefd))
		goto out;
	bad_tables(vm);
	bad_synics(vm, pipefd[0]);
	bad_devices(vm);
	if (!check(!guest_connect(vm, cfg.version), "vm: connected"))
		goto out;
	bad_writes(vm);

	/* A read too short for the queued message leaves it queued. */
	m.payload_size = 8;
	memset(m.payload, 0, 8);
	put32(m.payload, 0, MSG_REQUESTOFFERS);
	if (!check(!vm_write_msg(vm, vm->msg_conn_id, m.payload, 8),
		   "vm: REQUESTOFFERS"))
		goto out;
	p = (struct pollfd){ .fd = vm->fd, .events = POLLIN };
	check(poll(&p, 1, cfg.timeout_ms) == 1, "poll() says a message waits");
	expect(read(vm->fd, &m, 15), EINVAL, "read() into 15 bytes");
	n = read(vm->fd, &m, sizeof(m));
	if (!check(n >= 16 + 8 && get32(m.payload, 0) == MSG_OFFERCHANNEL,
		   "read() then gets the offer whole (%zd bytes)", n))
		goto out;
	guest_parse_offer(m.payload, &vm->offers[vm->noffers++]);
	guest_print_offer(vm, &vm->offers[0]);
	if (guest_wait(vm, MSG_ALLOFFERS_DELIVERED, -1, 0, m.payload) < 0)
		goto out;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	if (!check(o, "vm: the sample is offered"))
		goto out;
	bad_kicks(vm, o->conn_id, pipefd[0]);
	if (tear_down(vm, &cfg.instance, 1))
		ret = 0;
out:
	vm_free(vm);
	return ret;
}

int scenario_outside_table(void)
{
	uint64_t bad[2 * 512], end_pfn = (GUEST_MEM_GPA + GUEST_MEM_SIZE) >>
					 PAGE_SHIFT;
	static const char *const what[] = {
		"every ring frame outside the table",
		"the last ring frame just past the table",
	};
	uint32_t i, v, npages = 2 * cfg.ring_pages;
	struct offer *o;
	struct chan ch;
	struct vm *vm;
	int ret = -1;

	vm = bring_up("vm", &cfg.instance, 1);
	if (!vm)
		return -1;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	for (v = 0; v < 2; v++) {
		for (i = 0; i < npages; i++)
			bad[i] = v ? end_pfn - npages + 1 + i :
				     end_pfn + 0x100 + i;
		ret = guest_open(vm, &ch, o, bad);
		if (ret < 0)
			goto out;
		check(ret == 1, "vm: %s: refused by %s, status 0x%x", what[v],
		      ch.gpadl_status ? "GPADL_CREATED" : "OPENCHANNEL_RESULT",
		      ch.gpadl_status ? ch.gpadl_status : ch.open_status);
		if (guest_close(vm, &ch))
			goto out;
		check(chan_state_of(vm, o->relid, VMBS_CHANNEL_OFFERED) ==
		      VMBS_CHANNEL_OFFERED, "vm: LIST_DEVICES: still offered");
	}
	ret = -1;
	if (!open_exchange_close(vm, o, "after the refusals"))
		goto out;
	if (tear_down(vm, &cfg.instance, 1))
		ret = 0;
out:
	vm_free(vm);
	return ret;
}

int scenario_munmap_open(void)
{
	struct chan ch = { .kickfd = -1 };
	struct offer *o;
	struct vm *vm;
	double t;
	int ret = -1;

	vm = bring_up("vm", &cfg.instance, 1);
	if (!vm)
		return -1;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	if (!check(!guest_open(vm, &ch, o, NULL), "vm: channel open") ||
	    !exchange(vm, &ch, 8, 1, "before munmap"))
		goto out;
	check(!munmap(vm->mem, vm->mem_size) && !close(vm->memfd),
	      "vm: guest memory unmapped and its memfd closed");
	vm->mem = NULL;
	vm->memfd = -1;
	vm_list(vm, NULL, 0, true);
	t = now_sec();
	ret = vm_close_fd(vm);
	t = now_sec() - t;
	check(!ret && t < 2, "vm: close() with the channel open returned %d in %.3f s",
	      ret, t);
	ret = 0;
out:
	if (ch.kickfd >= 0)
		close(ch.kickfd);
	vm_free(vm);
	return ret;
}

/* KiB of @pages pages. */
static long kb_of(uint32_t pages)
{
	return (long)pages * (PAGE_SIZE / 1024);
}

/*
 * The guest reboots: VMBS_RESET with a channel open and a host message
 * not read yet.  The channel closes and its ring pins go, the unread
 * message is dropped (it was for the old guest), the device stays, and the
 * next guest connects, is offered the same device and opens it again.
 */
int scenario_reset(void)
{
	struct chan ch = { .kickfd = -1 };
	struct pollfd p;
	struct vmbs_host_msg m;
	uint8_t msg[240];
	struct offer *o;
	struct vm *vm;
	long idle_kb, kb;
	uint64_t pfn;
	int ret = -1;

	vm = bring_up("vm", &cfg.instance, 1);
	if (!vm)
		return -1;
	idle_kb = pinned_kb();
	o = guest_find_offer(vm, sample_type, cfg.instance);
	if (!check(!guest_open(vm, &ch, o, NULL), "vm: channel open") ||
	    !exchange(vm, &ch, 8, 1, "before the reset"))
		goto out;
	kb = pinned_kb();
	check(kb - idle_kb == kb_of(2 * cfg.ring_pages),
	      "vm: VmPin %ld kB with the channel open: %ld kB more, its %u ring pages",
	      kb, kb - idle_kb, 2 * cfg.ring_pages);

	/* A GPADL whose GPADL_CREATED the old guest never reads. */
	pfn = vm_alloc_pages(vm, 1) >> PAGE_SHIFT;
	if (guest_post(vm, msg, gpadl_header(msg, ch.relid, vm->next_gpadl++,
					     &pfn, 1)))
		goto out;
	p = (struct pollfd){ .fd = vm->fd, .events = POLLIN };
	check(poll(&p, 1, cfg.timeout_ms) == 1,
	      "vm: GPADL_CREATED waits to be read");

	ret = ioctl(vm->fd, VMBS_RESET);
	if (!check(!ret, "vm: VMBS_RESET with the channel open: %s",
		   ret ? strerror(errno) : "0"))
		goto out;
	ret = -1;
	check(chan_state_of(vm, ch.relid, VMBS_CHANNEL_OFFERED) ==
	      VMBS_CHANNEL_OFFERED,
	      "vm: LIST_DEVICES: the device stays, its channel offered, not open");
	kb = pinned_kb();
	check(kb == idle_kb, "vm: VmPin %ld kB again: the ring's pins went",
	      kb);
	check(vm_read_msg(vm, &m, 0) == 0,
	      "vm: the unread GPADL_CREATED was dropped with the old guest");

	close(ch.kickfd);
	ch.kickfd = -1;
	guest_reboot(vm);
	say("vm: the guest reboots");
	if (!check(!guest_connect(vm, cfg.version),
		   "vm: the next guest connects") ||
	    guest_request_offers(vm))
		goto out;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	if (!check(o, "vm: the sample is offered to it") ||
	    !open_exchange_close(vm, o, "after the reset"))
		goto out;
	if (tear_down(vm, &cfg.instance, 1))
		ret = 0;
out:
	if (ch.kickfd >= 0)
		close(ch.kickfd);
	vm_free(vm);
	return ret;
}

/* capget/capset (capability(7)): what the tool needs of them. */
#define CAP_VERSION_3		0x20080522
#define CAP_IPC_LOCK		14

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective;
	uint32_t permitted;
	uint32_t inheritable;
};

static int drop_ipc_lock(void)
{
	struct cap_header h = { .version = CAP_VERSION_3 };
	struct cap_data d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~(1u << CAP_IPC_LOCK);
	d[0].permitted &= ~(1u << CAP_IPC_LOCK);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/*
 * A VMM without CAP_IPC_LOCK whose RLIMIT_MEMLOCK, read at open(), holds
 * the event-flags page and one page less than a channel's rings: the
 * guest's open is refused with a status, nothing stays pinned or
 * accounted, and rings of half the size open in the same VM.
 */
int scenario_memlock(void)
{
	uint32_t ring_pages = cfg.ring_pages, pages = 2 * ring_pages;
	struct rlimit rl;
	struct chan ch = { .kickfd = -1 };
	struct offer *o;
	struct vm *vm;
	long kb;
	int ret = -1;

	if (!check(ring_pages >= 2, "vm: --ring-pages %u leaves rings to halve",
		   ring_pages) ||
	    !check(!drop_ipc_lock(), "vm: CAP_IPC_LOCK dropped"))
		return -1;
	getrlimit(RLIMIT_MEMLOCK, &rl);
	/* The event page and all but one of the ring's pages. */
	rl.rlim_cur = (rlim_t)pages * PAGE_SIZE;
	if (!check(!setrlimit(RLIMIT_MEMLOCK, &rl),
		   "vm: RLIMIT_MEMLOCK %llu kB: the event page and %u of the ring's %u pages",
		   (unsigned long long)rl.rlim_cur / 1024, pages - 1, pages))
		return -1;
	vm = bring_up("vm", &cfg.instance, 1);
	if (!vm)
		return -1;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	kb = pinned_kb();
	check(kb == kb_of(1), "vm: VmPin %ld kB: the event-flags page", kb);
	ret = guest_open(vm, &ch, o, NULL);
	if (ret < 0)
		goto out;
	check(ret == 1, "vm: the open is refused by %s, status 0x%x",
	      ch.gpadl_status ? "GPADL_CREATED" : "OPENCHANNEL_RESULT",
	      ch.gpadl_status ? ch.gpadl_status : ch.open_status);
	if (guest_close(vm, &ch))
		goto out;
	close(ch.kickfd);
	ch.kickfd = -1;
	kb = pinned_kb();
	check(kb == kb_of(1), "vm: VmPin %ld kB again after the refusal", kb);

	ret = -1;
	cfg.ring_pages = ring_pages / 2;
	if (!open_exchange_close(vm, o, "within the limit"))
		goto out;
	if (tear_down(vm, &cfg.instance, 1))
		ret = 0;
	kb = pinned_kb();
	check(kb == 0, "vm: VmPin %ld kB after close()", kb);
out:
	cfg.ring_pages = ring_pages;
	if (ch.kickfd >= 0)
		close(ch.kickfd);
	vm_free(vm);
	return ret;
}

/* One cycle; the last step, close(), tears everything down. */
static bool one_cycle(void)
{
	struct xstats st = { 0 };
	struct offer *o;
	struct chan ch = { .kickfd = -1 };
	struct vm *vm;
	bool ok = false;

	vm = bring_up("cycle", &cfg.instance, 1);
	if (!vm)
		return false;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	if (check(!guest_open(vm, &ch, o, NULL), "cycle: channel open") &&
	    !guest_exchange(vm, &ch, 1, 1, &st) &&
	    check(st.accepted == 1, "cycle: version 3.5 accepted"))
		ok = check(!vm_close_fd(vm), "cycle: close()");
	if (ch.kickfd >= 0)
		close(ch.kickfd);
	vm_free(vm);
	return ok;
}

int scenario_cycles(void)
{
	unsigned long done;
	double t = now_sec();

	say("%lu cycles: open, memory, SynIC, sample, connect, offers, open, one round trip, close",
	    cfg.cycles);
	cfg.hush++;
	for (done = 0; done < cfg.cycles; done++)
		if (!one_cycle())
			break;
	cfg.hush--;
	t = now_sec() - t;
	if (done < cfg.cycles)
		say("cycle %lu failed", done);
	say("%lu cycles in %.2f s: %.1f cycles/s", done, t, done / t);
	check(done == cfg.cycles, "%lu of %lu cycles succeeded", done,
	      cfg.cycles);
	return 0;
}
