/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parallelism shown, not assumed: the sides of a concurrency test mark
 * themselves inside around the calls under test, and an entry that finds
 * another side inside and running on another CPU at that instant counts as
 * a meeting.  Sleeps and preemption interleave the sides on one CPU too; a
 * meeting is what only SMP gives, and what the locking under test is for.
 * With more than one CPU online, a test whose sides never met fails.
 */
#ifndef _VMB_TEST_OVERLAP_H
#define _VMB_TEST_OVERLAP_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/smp.h>

#define VMB_OVERLAP_SIDES	3

struct vmb_overlap {
	/* The task inside the code under test for each side, or NULL. */
	struct task_struct *inside[VMB_OVERLAP_SIDES];
	atomic_t entries;
	atomic_t met;		/* entries that found another side running */
	atomic_t met_by[VMB_OVERLAP_SIDES];	/* ... per entering side */
};

/* Whether task @t runs on a CPU other than @cpu right now. */
static inline bool vmb_overlap_running_elsewhere(struct task_struct *t,
						 int cpu)
{
#ifdef CONFIG_SMP
	return READ_ONCE(t->on_cpu) && task_cpu(t) != cpu;
#else
	return false;
#endif
}

static inline void vmb_overlap_enter(struct vmb_overlap *o, unsigned int side)
{
	int cpu = raw_smp_processor_id();
	struct task_struct *t;
	unsigned int i;

	/* Published before looking: two sides entering at once both count. */
	smp_store_mb(o->inside[side], current);
	atomic_inc(&o->entries);
	/*
	 * A side clears its slot before its task can exit, and a task is
	 * freed after an RCU grace period: one seen here stays readable.
	 */
	rcu_read_lock();
	for (i = 0; i < VMB_OVERLAP_SIDES; i++) {
		t = READ_ONCE(o->inside[i]);
		if (i != side && t && vmb_overlap_running_elsewhere(t, cpu)) {
			atomic_inc(&o->met);
			atomic_inc(&o->met_by[side]);
			break;
		}
	}
	rcu_read_unlock();
}

static inline void vmb_overlap_exit(struct vmb_overlap *o, unsigned int side)
{
	/* Release: the call under test is over before the slot says so. */
	smp_store_release(&o->inside[side], NULL);
}

/* Whether the sides met, or need not: one CPU cannot show it. */
static inline bool vmb_overlap_shown(struct vmb_overlap *o)
{
	return num_online_cpus() < 2 || atomic_read(&o->met) > 0;
}

/* The premise of a concurrency test: on SMP, two CPUs were inside at once. */
/* An entry of @side found another side running on another CPU. */
static inline bool vmb_overlap_met_by(struct vmb_overlap *o,
				      unsigned int side)
{
	return num_online_cpus() < 2 || atomic_read(&o->met_by[side]) > 0;
}

static inline void vmb_overlap_expect(struct kunit *test,
				      struct vmb_overlap *o)
{
	kunit_info(test, "parallel: %d of %d entries met another side running on another CPU (%u CPUs online)\n",
		   atomic_read(&o->met), atomic_read(&o->entries),
		   num_online_cpus());
	KUNIT_EXPECT_TRUE_MSG(test, vmb_overlap_shown(o),
			      "the sides never ran the code at once on two CPUs");
}

#endif /* _VMB_TEST_OVERLAP_H */
