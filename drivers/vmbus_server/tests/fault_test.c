// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: every allocation an operation of the server makes, failed one at
 * a time (vmbus_server_faults).
 *
 * A case runs its operation again and again on a fresh server: run n
 * fails the nth allocation the operation makes, until a run makes fewer
 * than n.  The count is the task's fail_nth, which failslab and
 * fail_page_alloc count down and fail at 1.  An operation that runs in
 * the server's work gets it from a kretprobe on the work's entry point, in
 * whatever task runs it, and gives it back on return: what the work calls
 * is what fails, and nothing else.  After each run the case checks what
 * the guest and the back-end were told, that the channels the fault did
 * not touch still serve, and the release checks that nothing stays pinned;
 * kmemleak and KASAN judge the rest of the run.
 *
 * A kprobe on should_fail_ex() notes where each failure landed: the first
 * frame of the server on the stack of the failing allocation.
 *
 * Teardown must not fail at all: a census (teardown_allocates_nothing)
 * gives the tasks of a teardown a fail_nth too high to be reached, and the
 * kprobe counts the allocations that could have failed whose innermost
 * frame of the project is the server's: there must be none.
 *
 * failslab and fail_page_alloc must fail sleeping allocations
 * (ignore-gfp-wait N; for pages also min-order 0 and ignore-gfp-highmem N):
 * the guest KUnit run of the test kernel sets that up.  Where allocations
 * cannot be failed the cases are skipped, not passed.
 */

#include <kunit/test.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <linux/stacktrace.h>

#include "../channel.h"
#include "packet_test.h"

/* More runs than any operation has allocations: the loop's bound. */
#define FAULT_MAX_RUNS		200
/* Distinct sites one case notes. */
#define FAULT_MAX_SITES		64
#define FAULT_STACK_DEPTH	64
/* A packet bigger than the receive copy buffer a channel starts with. */
#define FAULT_PACKET_LEN	3000
/* The census's fail_nth: counts down, never reaches 1. */
#define FAULT_CENSUS_NTH	BIT(30)
/* Work entry points a case arms (a census: each entry while it is open). */
#define FAULT_MAX_ARMS		2

/*
 * What the probes share with the case.  One case runs at a time; the
 * handlers run in the task that fails, the case reads after the run.
 */
static struct fault_state {
	atomic_t armed;		/* the probed function's next entry arms */
	unsigned int nth;	/* ... with this fail_nth */
	unsigned int left;	/* fail_nth when it returned */
	bool ran;		/* the probed function returned armed */
	/* Where failures landed: frames of the server, distinct. */
	unsigned long sites[FAULT_MAX_SITES];
	/* Census: the allocator's entry the site first called. */
	unsigned long vias[FAULT_MAX_SITES];
	unsigned int nr_sites;
	unsigned int unplaced;	/* failures (census: allocations) not placed */
	unsigned int fallbacks;	/* failures of the kernel's own, taken back */
	bool census;		/* a census is open */
	unsigned int census_server;	/* allocations the server made */
	unsigned int census_other;	/* ... the test or the kernel's own */
	unsigned long entries[FAULT_STACK_DEPTH];
	char sym[KSYM_SYMBOL_LEN];
} fault;

/* The handler's buffers: a census's tasks may allocate at once. */
static DEFINE_RAW_SPINLOCK(fault_lock);

static bool fault_sym_in(const char *module)
{
	size_t len = strlen(fault.sym), mlen = strlen(module);

	return len > mlen && !strcmp(fault.sym + len - mlen, module);
}

static bool fault_in_server(unsigned long addr)
{
	/* "name+off/size [module]"; without a module when built in. */
	sprint_symbol(fault.sym, addr);
	return !strncmp(fault.sym, "vmb_", 4) ||
	       fault_sym_in(" [vmbus_server]");
}

/*
 * Allocations the kernel makes for itself on the way, whose failure it
 * takes back: a new slab's first page (slub tries a higher order without
 * __GFP_NOFAIL, then falls back), kmemleak's record of an object
 * (allocated without __GFP_NOFAIL; kmemleak copes), and a page for the
 * stack depot where KASAN keeps an allocation's or a free's stack (it
 * goes without).  The allocation they serve, if it may fail, is counted
 * by itself.
 */
static bool fault_kernel_own(void)
{
	static const char * const own[] = {
		"new_slab+", "__create_object+", "mem_pool_alloc+",
		"stack_depot_save_flags+",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(own); i++)
		if (!strncmp(fault.sym, own[i], strlen(own[i])))
			return true;
	return false;
}

/*
 * The innermost frame of the project (the server or this test module)
 * below the fault injection's own: the allocation is the server's when
 * that frame is.  The frames before should_fail*() are this probe's; -2
 * when there is none (the unwinder stopped early).
 */
static int fault_census_frame(unsigned int n)
{
	unsigned int i, start = 0;

	for (i = 0; i < n; i++) {
		sprint_symbol(fault.sym, fault.entries[i]);
		if (!strncmp(fault.sym, "should_fail", 11))
			start = i + 1;
	}
	if (!start)
		return -2;
	for (i = start; i < n; i++) {
		sprint_symbol(fault.sym, fault.entries[i]);
		if (fault_kernel_own())
			return -1;
		if (fault_sym_in(" [vmbus_server_test]"))
			return -1;
		if (fault_in_server(fault.entries[i]))
			return i;
	}
	return -1;
}

static void fault_note_site(unsigned long site, unsigned long via)
{
	unsigned int j;

	for (j = 0; j < fault.nr_sites; j++)
		if (fault.sites[j] == site)
			return;
	if (fault.nr_sites < FAULT_MAX_SITES) {
		fault.vias[fault.nr_sites] = via;
		fault.sites[fault.nr_sites++] = site;
	}
}

/*
 * Place an allocation that could fail: a failure (@nth 1) at the first
 * server frame on its stack, counting those the kernel takes back; in a
 * census, as the server's or not.
 */
static void fault_site_note(unsigned int nth)
{
	unsigned int n = stack_trace_save(fault.entries, FAULT_STACK_DEPTH, 0);
	unsigned int i;
	bool own = false;
	int frame;

	if (nth != 1) {
		frame = fault_census_frame(n);
		if (frame == -2) {
			fault.unplaced++;
		} else if (frame < 0) {
			fault.census_other++;
		} else {
			fault.census_server++;
			fault_note_site(fault.entries[frame],
					fault.entries[frame - 1]);
		}
		return;
	}
	for (i = 0; i < n; i++) {
		if (fault_in_server(fault.entries[i])) {
			fault_note_site(fault.entries[i], 0);
			break;
		}
		/* Once per failure, which the kernel takes back by itself. */
		own |= fault_kernel_own();
	}
	fault.unplaced += i == n;
	fault.fallbacks += own;
}

/*
 * should_fail_ex() fails the call that finds fail_nth at 1; only a task a
 * case armed has it set, and a census's tasks have it higher.
 */
static int fault_site_pre(struct kprobe *p, struct pt_regs *regs)
{
	unsigned int nth = READ_ONCE(current->fail_nth);
	unsigned long flags;

	if (!nth || (nth != 1 && !READ_ONCE(fault.census)))
		return 0;
	raw_spin_lock_irqsave(&fault_lock, flags);
	fault_site_note(nth);
	raw_spin_unlock_irqrestore(&fault_lock, flags);
	return 0;
}

static int fault_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	/*
	 * A probe's handler runs in an exception (in_task() is false), but
	 * current is the task that called the function.
	 */
	if (!atomic_xchg(&fault.armed, 0))
		return 1;	/* no return handler for this one */
	WRITE_ONCE(current->fail_nth, fault.nth);
	return 0;
}

static int fault_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	fault.left = READ_ONCE(current->fail_nth);
	WRITE_ONCE(current->fail_nth, 0);
	WRITE_ONCE(fault.ran, true);
	return 0;
}

/* A census arms every entry while it is open, and counts them. */
static atomic_t fault_census_entries;

static int fault_census_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	if (!READ_ONCE(fault.census))
		return 1;
	atomic_inc(&fault_census_entries);
	WRITE_ONCE(current->fail_nth, FAULT_CENSUS_NTH);
	return 0;
}

static int fault_census_return(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	WRITE_ONCE(current->fail_nth, 0);
	return 0;
}

/* One run: a fresh server and back-end, and what the operation did. */
struct fault_run {
	struct kunit *test;
	struct pt *pt;
	struct vmb_channel *bystander;	/* enabled before the fault */
	u32 gpadl;			/* the ring GPADL, not opened */
	int ret;
};

struct fault_case {
	const char *name;
	/* The work's entry point to arm, or %NULL: the case's own task. */
	const char *probe;
	void (*setup)(struct fault_run *run);
	void (*op)(struct fault_run *run);
	/* After the run, with nothing armed: the outcome is one allowed. */
	void (*check)(struct fault_run *run, bool failed);
};

/* A channel enabled on the server the fault does not touch. */
static void fault_setup_bystander(struct fault_run *run)
{
	run->pt = pt_create(run->test, 0);
	run->bystander = sim_channel_enabled(run->pt->sim, 2);
}

static void fault_setup_ring(struct fault_run *run)
{
	fault_setup_bystander(run);
	run->gpadl = pt_ring_gpadl(run->pt);
}

static void fault_setup_open(struct fault_run *run)
{
	fault_setup_bystander(run);
	pt_open_gpadl(run->pt, pt_ring_gpadl(run->pt));
}

/* The bystander still gets a GPADL and opens. */
static void fault_bystander_serves(struct fault_run *run)
{
	sim_open_channel(run->pt->sim, run->bystander);
}

/* The test channel carries a packet each way. */
static void fault_channel_serves(struct fault_run *run)
{
	struct pt *pt = run->pt;
	unsigned int received = pt->received;
	u8 out[16];
	u16 type, flags;
	u64 id;

	KUNIT_EXPECT_TRUE(run->test, pt_guest_send(pt, VMB_PACKET_DATA_INBAND,
						   0, 1, "ping", 4));
	KUNIT_EXPECT_EQ(run->test, pt->received, received + 1);
	KUNIT_EXPECT_EQ(run->test, vmb_server_packet_send(pt->ch, "pong", 4, 0,
							  NULL, NULL), 0);
	KUNIT_EXPECT_EQ(run->test, pt_guest_recv(pt, out, sizeof(out), &type,
						 &flags, &id), 8);
}

/* --- a GPADL the guest creates (header and two bodies) -------------------- */

static void fault_gpadl_op(struct fault_run *run)
{
	run->ret = sim_gpadl(run->pt->sim, run->pt->relid, 0x500, 80);
}

static void fault_gpadl_check(struct fault_run *run, bool failed)
{
	/* The guest waits for an answer: it gets one, success or not. */
	KUNIT_EXPECT_NE(run->test, (u32)run->ret, U32_MAX);
	if (!failed)
		KUNIT_EXPECT_EQ(run->test, run->ret, 0);
	if (run->ret == 0)
		KUNIT_EXPECT_EQ(run->test, sim_teardown(run->pt->sim,
							run->pt->relid, 0x500),
				0);
	fault_bystander_serves(run);
}

/* --- a channel the back-end offers ---------------------------------------- */

static void fault_offer_op(struct fault_run *run)
{
	struct sim_guest *sim = run->pt->sim;
	guid_t inst = GUID_INIT(0xfa017000, 0x1234, 0x5678, 0x9a, 0xbc, 0xde,
				0xf0, 0x11, 0x22, 0x33, 0x44);
	struct vmb_channel *channel;
	int ret;

	sim->count = 0;
	channel = vmb_server_channel_alloc();
	if (IS_ERR_OR_NULL(channel)) {
		run->ret = channel ? PTR_ERR(channel) : -ENOMEM;
		return;
	}
	ret = vmb_server_channel_init_set_server(channel, sim->server);
	if (!ret)
		ret = vmb_server_channel_init_set_interface(channel,
							    &sim_type_guid,
							    &inst);
	if (!ret)
		ret = vmb_server_channel_init_set_name(channel, "fault");
	if (!ret)
		ret = vmb_server_channel_enable(channel);
	run->ret = ret;
	if (ret) {
		vmb_server_channel_free(channel);
		return;
	}
	sim->channels[sim->nr_channels++] = channel;
}

static void fault_offer_check(struct fault_run *run, bool failed)
{
	if (!failed)
		KUNIT_EXPECT_EQ(run->test, run->ret, 0);
	KUNIT_EXPECT_LE(run->test, run->ret, 0);
	/* An offer went out exactly when enable said so. */
	KUNIT_EXPECT_EQ(run->test,
			sim_count_type(run->pt->sim, VMB_MSG_OFFERCHANNEL),
			run->ret ? 0 : 1);
	fault_bystander_serves(run);
}

/* --- the guest opens the channel (the channel's work maps the rings) ------ */

static void fault_open_op(struct fault_run *run)
{
	struct sim_guest *sim = run->pt->sim;

	sim_open(sim, run->pt->relid, run->gpadl, PKT_OFFSET, 0);
	sim_settle(sim);
	run->ret = sim_open_status(sim);
}

static void fault_open_check(struct fault_run *run, bool failed)
{
	struct pt *pt = run->pt;

	if (!failed)
		KUNIT_EXPECT_EQ(run->test, run->ret, 0);
	/* A refused open keeps nothing: the same open again succeeds. */
	if (run->ret)
		pt_open_gpadl(pt, run->gpadl);
	pt_flush(pt);
	fault_channel_serves(run);
	fault_bystander_serves(run);
}

/* --- a packet the guest sends (the data work copies it) ------------------- */

static void fault_receive_op(struct fault_run *run)
{
	static u8 big[FAULT_PACKET_LEN];

	pt_guest_send(run->pt, VMB_PACKET_DATA_INBAND, 0, 7, big, sizeof(big));
}

static void fault_receive_check(struct fault_run *run, bool failed)
{
	struct vmb_datapath *dp = &run->pt->ch->dp;

	/* Taken, or the channel failed for want of memory: nothing lost. */
	if (run->pt->received) {
		KUNIT_EXPECT_EQ(run->test, run->pt->received, 1);
		KUNIT_EXPECT_EQ(run->test, run->pt->lens[0], FAULT_PACKET_LEN);
		KUNIT_EXPECT_FALSE(run->test, dp->failed);
		fault_channel_serves(run);
	} else {
		KUNIT_EXPECT_TRUE(run->test, failed);
		KUNIT_EXPECT_TRUE(run->test, dp->failed);
		KUNIT_EXPECT_EQ(run->test, dp->faults[VMB_DP_RX_NOMEM], 1);
	}
	fault_bystander_serves(run);
}

/* --- a server made for a VM ---------------------------------------------- */

static void fault_server_op(struct fault_run *run)
{
	struct vmb_server *server = vmb_server_create(&sim_ops, run->pt->sim);

	run->ret = PTR_ERR_OR_ZERO(server);
	if (!IS_ERR(server))
		vmb_server_destroy(server);
}

static void fault_server_check(struct fault_run *run, bool failed)
{
	if (!failed)
		KUNIT_EXPECT_EQ(run->test, run->ret, 0);
	KUNIT_EXPECT_TRUE(run->test, run->ret == 0 || run->ret == -ENOMEM);
	fault_bystander_serves(run);
}

/* --- guest memory the back-end maps --------------------------------------- */

static void fault_setup_buffer(struct fault_run *run)
{
	fault_setup_open(run);
	KUNIT_ASSERT_EQ(run->test, sim_gpadl(run->pt->sim, run->pt->relid,
					     0x600, 40), 0);
}

static void fault_map_gpadl_op(struct fault_run *run)
{
	struct vmb_server_mapping *map;

	run->ret = vmb_server_channel_map_gpadl(run->pt->ch, 0x600, &map);
	if (!run->ret)
		vmb_server_unmap(map);
}

static void fault_map_gpa_op(struct fault_run *run)
{
	struct vmb_server_mapping *map;
	u64 gpa = (u64)(SIM_GPFN_BASE + 200) * PAGE_SIZE + 100;

	run->ret = vmb_server_channel_map_gpa(run->pt->ch, gpa,
					      5 * PAGE_SIZE, &map);
	if (!run->ret)
		vmb_server_unmap(map);
}

static void fault_map_check(struct fault_run *run, bool failed)
{
	if (!failed)
		KUNIT_EXPECT_EQ(run->test, run->ret, 0);
	KUNIT_EXPECT_TRUE(run->test, run->ret == 0 || run->ret == -ENOMEM ||
			  run->ret == -EFAULT);
	/* Only the open's ring stays pinned. */
	KUNIT_EXPECT_EQ(run->test, atomic_read(&run->pt->sim->pinned),
			PKT_PAGES);
	fault_channel_serves(run);
	fault_bystander_serves(run);
}

/* The back-end maps a GPA-direct packet's ranges in its packet callback. */
static void fault_setup_external(struct fault_run *run)
{
	fault_setup_open(run);
	run->pt->map_external = true;
}

static void fault_external_op(struct fault_run *run)
{
	struct pt *pt = run->pt;
	struct pt_gpa g;

	pt_gpa_init(&g, SIM_GPFN_BASE + 200);
	KUNIT_ASSERT_TRUE(run->test, gr_send_parts(&pt->to_host,
						   VMB_PACKET_DATA_GPA_DIRECT,
						   0, 9, &g, sizeof(g),
						   "io", 2));
	pt_signal(pt);
	run->ret = pt->ext_ret;
}

static void fault_external_check(struct fault_run *run, bool failed)
{
	/* The packet reached the back-end either way. */
	KUNIT_EXPECT_EQ(run->test, run->pt->received, 1);
	if (!run->ret)
		KUNIT_EXPECT_EQ(run->test, run->pt->ext_ranges, 2);
	fault_map_check(run, failed);
}

static const struct fault_case fault_cases[] = {
	{ "server", NULL, fault_setup_bystander, fault_server_op,
	  fault_server_check },
	{ "gpadl", NULL, fault_setup_bystander, fault_gpadl_op,
	  fault_gpadl_check },
	{ "offer", NULL, fault_setup_bystander, fault_offer_op,
	  fault_offer_check },
	{ "open", "vmb_datapath_map", fault_setup_ring, fault_open_op,
	  fault_open_check },
	{ "receive", "vmb_datapath_work", fault_setup_open, fault_receive_op,
	  fault_receive_check },
	{ "map_gpadl", NULL, fault_setup_buffer, fault_map_gpadl_op,
	  fault_map_check },
	{ "map_gpa", NULL, fault_setup_buffer, fault_map_gpa_op,
	  fault_map_check },
	{ "map_external", "vmb_server_packet_map_external",
	  fault_setup_external, fault_external_op, fault_external_check },
};

KUNIT_ARRAY_PARAM_DESC(fault_case, fault_cases, name);

/*
 * Run the operation with its nth allocation failed; returns whether a
 * failure was injected (the operation made at least n).
 */
static bool fault_run_nth(struct fault_run *run, const struct fault_case *fc,
			  unsigned int n)
{
	struct kunit *test = run->test;

	if (!fc->probe) {
		WRITE_ONCE(current->fail_nth, n);
		fc->op(run);
		fault.left = READ_ONCE(current->fail_nth);
		WRITE_ONCE(current->fail_nth, 0);
		return !fault.left;
	}
	fault.nth = n;
	fault.ran = false;
	atomic_set(&fault.armed, 1);
	fc->op(run);
	sim_settle(run->pt->sim);
	pt_flush(run->pt);
	KUNIT_EXPECT_FALSE(test, atomic_xchg(&fault.armed, 0));
	/* The flushes waited for the work: its return handler ran. */
	KUNIT_ASSERT_TRUE_MSG(test, READ_ONCE(fault.ran),
			      "%s never ran", fc->probe);
	return !fault.left;
}

/*
 * The probes live until the case ends, asserted or not: an action
 * unregisters them before their memory goes.
 */
static struct kprobe *fault_site;
static struct kretprobe *fault_arms[FAULT_MAX_ARMS];
static unsigned int fault_nr_arms;

static void fault_unregister_kprobe(void *unused)
{
	unregister_kprobe(fault_site);
}

static void fault_unregister_kretprobes(void *unused)
{
	while (fault_nr_arms)
		unregister_kretprobe(fault_arms[--fault_nr_arms]);
}

/*
 * A probe with a post handler is never optimized into a jump to a
 * trampoline, which the unwinder could not walk out of: the site's stack
 * is walked from the breakpoint.
 */
static void fault_site_post(struct kprobe *p, struct pt_regs *regs,
			    unsigned long flags)
{
}

/* Note where failures land. */
static void fault_probe_sites(struct kunit *test)
{
	int err;

	fault_site = kunit_kzalloc(test, sizeof(*fault_site), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fault_site);
	fault_site->symbol_name = "should_fail_ex";
	fault_site->pre_handler = fault_site_pre;
	fault_site->post_handler = fault_site_post;
	KUNIT_ASSERT_EQ(test, register_kprobe(fault_site), 0);
	err = kunit_add_action_or_reset(test, fault_unregister_kprobe, NULL);
	KUNIT_ASSERT_EQ(test, err, 0);
}

/*
 * Arm the tasks that enter @symbol: @entry says which, @ret disarms.  All
 * go when the case ends.
 */
static void fault_probe_entry(struct kunit *test, const char *symbol,
			      kretprobe_handler_t entry, kretprobe_handler_t ret)
{
	struct kretprobe *rp;
	int err;

	KUNIT_ASSERT_LT(test, fault_nr_arms, FAULT_MAX_ARMS);
	rp = kunit_kzalloc(test, sizeof(*rp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rp);
	rp->kp.symbol_name = symbol;
	rp->entry_handler = entry;
	rp->handler = ret;
	err = register_kretprobe(rp);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "no kretprobe on %s", symbol);
	if (!fault_nr_arms) {
		err = kunit_add_action_or_reset(test,
						fault_unregister_kretprobes,
						NULL);
		if (err)
			unregister_kretprobe(rp);
		KUNIT_ASSERT_EQ(test, err, 0);
	}
	fault_arms[fault_nr_arms++] = rp;
}

/* Whether a sleeping allocation can be failed here at all. */
static bool fault_injectable(void)
{
	void *p;

	WRITE_ONCE(current->fail_nth, 1);
	p = kmalloc(64, GFP_KERNEL);
	WRITE_ONCE(current->fail_nth, 0);
	kfree(p);
	return !p;
}

static void every_allocation_fails(struct kunit *test)
{
	const struct fault_case *fc = test->param_value;
	unsigned int n, failed = 0, i;
	bool injected = true;

	if (!fault_injectable())
		kunit_skip(test, "failslab ignores sleeping allocations (ignore-gfp-wait)");
	memset(&fault, 0, sizeof(fault));
	fault_probe_sites(test);
	if (fc->probe)
		fault_probe_entry(test, fc->probe, fault_entry, fault_return);
	for (n = 1; injected && n <= FAULT_MAX_RUNS; n++) {
		struct fault_run run = { .test = test };

		fc->setup(&run);
		injected = fault_run_nth(&run, fc, n);
		failed += injected;
		fc->check(&run, injected);
		sim_guest_release(run.pt->sim);
		if (test->status == KUNIT_FAILURE) {
			kunit_info(test, "%s: failing allocation %u broke it\n",
				   fc->name, n);
			return;
		}
	}
	/* No handler runs once the probes are gone. */
	kunit_release_action(test, fault_unregister_kprobe, NULL);
	kunit_release_action(test, fault_unregister_kretprobes, NULL);

	for (i = 0; i < fault.nr_sites; i++)
		kunit_info(test, "%s: site %pS\n", fc->name,
			   (void *)fault.sites[i]);
	kunit_info(test, "%s: %u allocations failed one at a time, at %u sites of the server (%u without a server frame; %u of the kernel's own, which it takes back)\n",
		   fc->name, failed, fault.nr_sites, fault.unplaced,
		   fault.fallbacks);
	/*
	 * An operation that allocates nothing proves nothing here, nor
	 * failures the kernel took back before the server saw them.
	 */
	KUNIT_EXPECT_GT(test, failed, fault.fallbacks);
	KUNIT_EXPECT_FALSE_MSG(test, injected, "still failing after %u runs",
			       FAULT_MAX_RUNS);
}

/* --- teardown: nothing it allocates can fail ----------------------------- */

/* An open channel that carried traffic, with a second GPADL. */
static void fault_setup_used(struct fault_run *run)
{
	fault_setup_buffer(run);
	fault_channel_serves(run);
}

static void fault_td_close(struct fault_run *run)
{
	pt_close(run->pt);
	pt_flush(run->pt);
}

static void fault_td_gpadl_teardown(struct fault_run *run)
{
	KUNIT_EXPECT_EQ(run->test, sim_teardown(run->pt->sim, run->pt->relid,
						0x600), 0);
}

static void fault_td_rescind(struct fault_run *run)
{
	sim_disable_released(run->pt->sim, run->pt->ch);
	pt_flush(run->pt);
}

static void fault_td_reset(struct fault_run *run)
{
	KUNIT_EXPECT_EQ(run->test, vmb_server_reset(run->pt->sim->server), 0);
	sim_settle(run->pt->sim);
	pt_flush(run->pt);
}

static void fault_td_unload(struct fault_run *run)
{
	KUNIT_EXPECT_EQ(run->test, sim_send_type(run->pt->sim, VMB_MSG_UNLOAD),
			0);
	pt_flush(run->pt);
}

/* The server destroyed, then the channels freed. */
static void fault_td_destroy(struct fault_run *run)
{
	sim_guest_release(run->pt->sim);
}

/* The census's control: creating a GPADL allocates. */
static void fault_td_control(struct fault_run *run)
{
	KUNIT_EXPECT_EQ(run->test, sim_gpadl(run->pt->sim, run->pt->relid,
					     0x700, 40), 0);
}

struct fault_teardown {
	const char *name;
	void (*op)(struct fault_run *run);
	bool in_work;		/* the open ends in the channel's work */
	bool allocates;		/* the control */
};

static const struct fault_teardown fault_teardowns[] = {
	{ "guest closes the channel", fault_td_close, true },
	{ "guest tears a GPADL down", fault_td_gpadl_teardown },
	{ "host rescinds, guest releases", fault_td_rescind, true },
	{ "vmb_server_reset", fault_td_reset, true },
	{ "guest unloads", fault_td_unload, true },
	{ "server destroyed, channels freed", fault_td_destroy },
	{ "control: guest creates a GPADL", fault_td_control, false, true },
};

KUNIT_ARRAY_PARAM_DESC(fault_teardown, fault_teardowns, name);

/*
 * A teardown that needs memory can fail for want of it, and then leaves
 * the guest or the back-end waiting: each one, run on a used channel,
 * makes no allocation that could fail (__GFP_NOFAIL ones are not
 * counted: failslab and fail_page_alloc never fail them).  The control
 * shows the census sees an allocation where there is one.
 */
static void teardown_allocates_nothing(struct kunit *test)
{
	const struct fault_teardown *td = test->param_value;
	struct fault_run run = { .test = test };
	unsigned int entries, i;

	if (!fault_injectable())
		kunit_skip(test, "failslab ignores sleeping allocations (ignore-gfp-wait)");
	memset(&fault, 0, sizeof(fault));
	atomic_set(&fault_census_entries, 0);
	fault_probe_sites(test);
	fault_probe_entry(test, "vmb_channel_work", fault_census_entry,
			  fault_census_return);
	fault_probe_entry(test, "vmb_datapath_work", fault_census_entry,
			  fault_census_return);
	fault_setup_used(&run);

	WRITE_ONCE(fault.census, true);
	WRITE_ONCE(current->fail_nth, FAULT_CENSUS_NTH);
	td->op(&run);
	WRITE_ONCE(current->fail_nth, 0);
	WRITE_ONCE(fault.census, false);
	entries = atomic_read(&fault_census_entries);
	sim_guest_release(run.pt->sim);
	kunit_release_action(test, fault_unregister_kprobe, NULL);
	kunit_release_action(test, fault_unregister_kretprobes, NULL);

	for (i = 0; i < fault.nr_sites; i++)
		kunit_info(test, "%s: allocation at %pS, via %pS\n",
			   td->name, (void *)fault.sites[i],
			   (void *)fault.vias[i]);
	kunit_info(test, "%s: %u allocations of the server that could fail, %u of the test or the kernel, %u not placed; %u work runs counted\n",
		   td->name, fault.census_server, fault.census_other,
		   fault.unplaced, entries);
	KUNIT_EXPECT_EQ(test, fault.unplaced, 0);
	/* The census covered the work that ended the open. */
	if (td->in_work)
		KUNIT_EXPECT_GT(test, entries, 0);
	if (td->allocates)
		KUNIT_EXPECT_GT(test, fault.census_server, 0);
	else
		KUNIT_EXPECT_EQ(test, fault.census_server, 0);
}

static struct kunit_case vmb_fault_cases[] = {
	KUNIT_CASE_PARAM(every_allocation_fails, fault_case_gen_params),
	KUNIT_CASE_PARAM(teardown_allocates_nothing,
			 fault_teardown_gen_params),
	{}
};

static struct kunit_suite vmb_fault_suite = {
	.name = "vmbus_server_faults",
	.test_cases = vmb_fault_cases,
};

kunit_test_suite(vmb_fault_suite);
