// SPDX-License-Identifier: GPL-2.0
/*
 * Detector canary for the test kernel runs: does on purpose what the
 * checkers must catch, so that a run proves its checkers really report.
 * "fault=leak" leaks eight allocations filled with 0xca (kmemleak must
 * show one at least after two scans: it misses an object while a stale copy
 * of its pointer survives anywhere it scans, and one such miss was seen);
 * "fault=lock" takes two mutexes in both orders
 * (lockdep must report a possible circular dependency); "fault=vmalloc"
 * reads one byte past a vmalloc()ed object, inside its mapped page (KASAN
 * must report it, which it does only with CONFIG_KASAN_VMALLOC: the rings
 * and guest memory mappings are vmap()ed); "fault=warn" raises a WARN (it
 * must reach the console as it is printed, not only the log dumped after a
 * step, as lockdep's report must).  A run loads it only after its own
 * verdict is in: lockdep and KASAN stop reporting after their first.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

static char *fault = "";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "leak, lock, vmalloc or warn");

#define CANARY_LEAK_SIZE	256
#define CANARY_LEAKS		8
#define CANARY_LEAK_FILL	0xca
/* Smaller than a page: the byte past it is mapped, only KASAN objects. */
#define CANARY_VMALLOC_SIZE	100

static DEFINE_MUTEX(canary_a);
static DEFINE_MUTEX(canary_b);
/* The fill must be written: the pointer escapes here for a moment. */
static void *canary_escape;

static noinline void canary_leak(void)
{
	void *p = kmalloc(CANARY_LEAK_SIZE, GFP_KERNEL);

	if (!p)
		return;
	memset(p, CANARY_LEAK_FILL, CANARY_LEAK_SIZE);
	WRITE_ONCE(canary_escape, p);
	/* The pointer is forgotten here: that is the leak. */
	WRITE_ONCE(canary_escape, NULL);
}

/*
 * kmemleak reads stacks, also the cached stacks of exited tasks: wipe
 * the part below this frame, where the allocation's callees left copies
 * of the pointer.
 */
static noinline void canary_scrub_stack(unsigned int depth)
{
	char buf[512];

	/* Not a tail call: every level keeps a frame of its own. */
	if (depth)
		canary_scrub_stack(depth - 1);
	memzero_explicit(buf, sizeof(buf));
}

static int __init canary_init(void)
{
	int i;

	if (!strcmp(fault, "leak")) {
		for (i = 0; i < CANARY_LEAKS; i++)
			canary_leak();
		canary_scrub_stack(8);
		pr_info("leaked %d objects of %d bytes\n", CANARY_LEAKS,
			CANARY_LEAK_SIZE);
		return 0;
	}
	if (!strcmp(fault, "lock")) {
		mutex_lock(&canary_a);
		mutex_lock(&canary_b);
		mutex_unlock(&canary_b);
		mutex_unlock(&canary_a);
		mutex_lock(&canary_b);
		mutex_lock(&canary_a);
		mutex_unlock(&canary_a);
		mutex_unlock(&canary_b);
		pr_info("took two mutexes in both orders\n");
		return 0;
	}
	if (!strcmp(fault, "vmalloc")) {
		size_t past = CANARY_VMALLOC_SIZE;
		u8 *p = vmalloc(CANARY_VMALLOC_SIZE);

		if (!p)
			return -ENOMEM;
		/* Out of the compiler's sight: it would warn, not KASAN. */
		OPTIMIZER_HIDE_VAR(past);
		pr_info("read past a vmalloc()ed object: %u\n",
			READ_ONCE(p[past]));
		vfree(p);
		return 0;
	}
	if (!strcmp(fault, "warn")) {
		WARN(1, "deliberate warning\n");
		return 0;
	}
	return -EINVAL;
}

static void __exit canary_exit(void)
{
}

module_init(canary_init);
module_exit(canary_exit);

MODULE_DESCRIPTION("Faults the test kernel's checkers must report");
MODULE_LICENSE("GPL");
