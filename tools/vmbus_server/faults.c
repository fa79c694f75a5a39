// SPDX-License-Identifier: GPL-2.0
/*
 * The faults scenario: every allocation the kernel makes for a VMM call
 * (open, each ioctl, the guest's posts, close) fails, one at a time, and the
 * VM's owner gets an error or the call succeeds anyway; never a hang, a
 * crash or a VM that cannot be made again.
 *
 * The thread's /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION) makes
 * the nth allocation of the thread's next system calls fail, through
 * failslab and fail_page_alloc; read back, 0 says it fired.  It is armed
 * for the one call under test and disarmed after it, so nothing else of a
 * cycle fails.  The kernel must fail sleeping allocations for it
 * (ignore-gfp-wait N): the test kernel's run sets that up.
 *
 * For each call a whole VM cycle runs again and again: bring-up, list,
 * the channel opened, a packet each way, the sample's counters read, the
 * channel closed, the device removed and released, unload, close().  Run
 * n fails the call's nth allocation, until a run where it made fewer.  A
 * faulted run may stop where the call failed (its checks are a trial, not
 * counted); then a fresh VM must go through the whole cycle.  kmemleak
 * and the pin counters judge what the failed runs left behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

/* More runs than any call makes allocations: the loop's bound. */
#define FAULT_MAX_RUNS		100
/* A faulted cycle that took this long waited for an answer in vain. */
#define FAULT_SLOW_SEC		3.0

static const char *const call_names[] = {
	[CALL_OPEN] = "open()",
	[CALL_MEM_TABLE] = "VMBS_SET_MEM_TABLE",
	[CALL_SYNIC] = "VMBS_SET_SYNIC",
	[CALL_ADD_DEVICE] = "VMBS_ADD_DEVICE",
	[CALL_POST] = "write()",
	[CALL_KICK] = "VMBS_SET_KICK",
	[CALL_CONTROL] = "VMBS_DEVICE_CONTROL",
	[CALL_LIST] = "VMBS_LIST_DEVICES",
	[CALL_REMOVE_DEVICE] = "VMBS_REMOVE_DEVICE",
	[CALL_CLOSE] = "close()",
};

/* The call under test, and what its one armed run did. */
static struct {
	int fd;			/* /proc/thread-self/fail-nth */
	bool on;		/* a call is under test */
	enum vmm_call call;
	uint32_t key;		/* for CALL_POST, the message type */
	unsigned int nth;
	bool armed;		/* this cycle armed it already */
	bool ended;		/* ... and it returned */
	bool fired;		/* the nth allocation failed */
	long ret;		/* what the call returned */
	int err;		/* and its errno */
} fault = { .fd = -1 };

static int fail_nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fault.fd, buf, len, 0) == len ? 0 : -1;
}

/* The first call of the cycle that matches is armed, no other. */
void fault_begin(enum vmm_call call, uint32_t key)
{
	if (!fault.on || fault.armed || call != fault.call ||
	    (call == CALL_POST && key != fault.key))
		return;
	fault.armed = true;
	fail_nth_set(fault.nth);
}

void fault_end(long ret)
{
	int err = errno;
	char buf[16] = "";

	if (!fault.armed || fault.ended)
		return;
	fault.ended = true;
	fault.ret = ret;
	fault.err = ret < 0 ? err : 0;
	/* "0": the countdown reached the nth allocation, which failed. */
	if (pread(fault.fd, buf, sizeof(buf) - 1, 0) > 0)
		fault.fired = atoi(buf) == 0;
	fail_nth_set(0);
	errno = err;
}

/*
 * The whole life of a VM.  Returns whether every step passed; in a trial
 * a step's failure ends the cycle.
 */
static bool fault_cycle(void)
{
	uint8_t st[SAMPLE_STATS_SIZE];
	uint32_t size = sizeof(st);
	struct xstats xs = { 0 };
	struct chan ch = { .kickfd = -1 };
	struct offer *o;
	struct vm *vm;
	bool ok = false;

	vm = bring_up("faults", &cfg.instance, 1);
	if (!vm)
		return false;
	o = guest_find_offer(vm, sample_type, cfg.instance);
	if (check(vm_list(vm, NULL, 0, false) == 1, "faults: one device listed") &&
	    check(!guest_open(vm, &ch, o, NULL), "faults: channel open") &&
	    !guest_exchange(vm, &ch, 1, 1, &xs) &&
	    check(xs.accepted == 1, "faults: a packet each way") &&
	    check(!vm_control(vm, cfg.instance, SAMPLE_CONTROL_STATS, NULL, 0,
			      st, &size), "faults: the sample's counters") &&
	    check(!guest_close(vm, &ch), "faults: channel closed"))
		ok = tear_down(vm, &cfg.instance, 1);
	if (ch.kickfd >= 0)
		close(ch.kickfd);
	vm_free(vm);
	return ok;
}

/* What the runs of one call came to. */
struct fault_tally {
	unsigned int failed;	/* allocations failed, one per run */
	unsigned int refused;	/* the call returned an error */
	unsigned int done;	/* it succeeded, and so did the cycle */
	unsigned int told;	/* it succeeded, a later step failed */
	unsigned int broken;	/* slow, or an errno that is no answer */
};

static bool fault_errno_ok(int err)
{
	return err == ENOMEM || err == EFAULT || err == ENFILE;
}

/*
 * @allocates: the call must allocate; otherwise it is teardown, which
 * must not fail for want of memory (the kernel's own allocations on the
 * way, kmemleak's or slub's, may still be failed: it takes them back).
 */
static void fault_one_call(enum vmm_call call, uint32_t key, const char *what,
			   bool allocates)
{
	struct fault_tally t = { 0 };
	const char *first;
	unsigned int n, served = 0;
	bool cycle_ok;
	double secs;

	for (n = 1; n <= FAULT_MAX_RUNS; n++) {
		fault.on = true;
		fault.call = call;
		fault.key = key;
		fault.nth = n;
		fault.armed = false;
		fault.ended = false;
		fault.fired = false;
		cfg.trial++;
		cfg.hush++;
		secs = now_sec();
		cycle_ok = fault_cycle();
		secs = now_sec() - secs;
		cfg.hush--;
		cfg.trial--;
		fault.on = false;
		report_trial_failures(&first);
		if (!fault.armed) {
			check(false, "%s: the cycle reached %s", what,
			      call_names[call]);
			return;
		}
		if (!fault.fired) {
			/* Fewer than n allocations: the cycle is whole. */
			check(cycle_ok, "%s: a cycle with %u allocations and none failed passes",
			      what, n - 1);
			break;
		}
		t.failed++;
		if (secs > FAULT_SLOW_SEC ||
		    (fault.ret < 0 && !fault_errno_ok(fault.err))) {
			t.broken++;
			say("%s: allocation %u: %s returned %ld (%s), the cycle took %.1f s: %s",
			    what, n, call_names[call], fault.ret,
			    strerror(fault.err), secs, first);
		} else if (fault.ret < 0) {
			t.refused++;
		} else if (cycle_ok) {
			t.done++;
		} else {
			t.told++;
			if (cfg.verbose)
				say("%s: allocation %u: %s", what, n, first);
		}
		/* Nothing of the failed run is in the way of the next VM. */
		cfg.hush++;
		served += fault_cycle();
		cfg.hush--;
	}
	say("%s: %u allocations failed one by one: %u refused, %u done anyway, %u told, %u broken",
	    what, t.failed, t.refused, t.done, t.told, t.broken);
	check(n <= FAULT_MAX_RUNS, "%s: fewer than %u allocations", what,
	      FAULT_MAX_RUNS);
	if (allocates)
		check(t.failed > 0, "%s: at least one allocation failed", what);
	else
		check(!t.refused && !t.told,
		      "%s: teardown cannot fail: each of the %u done anyway",
		      what, t.failed);
	check(!t.broken, "%s: each one refused, done anyway or told within %.0f s",
	      what, FAULT_SLOW_SEC);
	check(served == t.failed,
	      "%s: after each, a fresh VM went through its whole cycle (%u of %u)",
	      what, served, t.failed);
}

int scenario_faults(void)
{
	static const struct {
		enum vmm_call call;
		uint32_t key;
		const char *what;
		bool allocates;
	} calls[] = {
		{ CALL_OPEN, 0, "open", true },
		{ CALL_MEM_TABLE, 0, "mem-table", true },
		{ CALL_SYNIC, 0, "synic", true },
		{ CALL_ADD_DEVICE, 0, "add-device", true },
		/* The server takes a post in the writer's call. */
		{ CALL_POST, MSG_GPADL_HEADER, "post GPADL_HEADER", true },
		{ CALL_KICK, 0, "kick", true },
		{ CALL_CONTROL, 0, "control", true },
		{ CALL_LIST, 0, "list", true },
		{ CALL_REMOVE_DEVICE, 0, "remove-device", false },
		{ CALL_CLOSE, 0, "close", false },
	};
	unsigned int i;

	fault.fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (!check(fault.fd >= 0, "/proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)"))
		return -1;
	for (i = 0; i < ARRAY_SIZE(calls); i++)
		fault_one_call(calls[i].call, calls[i].key, calls[i].what,
			       calls[i].allocates);
	close(fault.fd);
	fault.fd = -1;
	return 0;
}
