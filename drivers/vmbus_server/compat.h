/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the kernels the module is built for (Debian's 6.1 and 6.12)
 * differ in an interface the module calls.  The only file that tests the
 * kernel version: lint.sh lets checkpatch pass that here alone.
 */
#ifndef _VMBUS_SERVER_COMPAT_H
#define _VMBUS_SERVER_COMPAT_H

#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/version.h>

/* 6.8 dropped the count: an eventfd signal always adds 1. */
static inline void vmb_eventfd_signal(struct eventfd_ctx *ctx)
{
#if KERNEL_VERSION(6, 8, 0) > LINUX_VERSION_CODE
	eventfd_signal(ctx, 1);
#else
	eventfd_signal(ctx);
#endif
}

/* 6.5 dropped the vmas argument.  The caller holds the mmap lock. */
static inline long vmb_pin_user_pages_remote(struct mm_struct *mm,
					     unsigned long start,
					     unsigned long nr_pages,
					     unsigned int gup_flags,
					     struct page **pages)
{
#if KERNEL_VERSION(6, 5, 0) > LINUX_VERSION_CODE
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, NULL);
#else
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL);
#endif
}

#endif /* _VMBUS_SERVER_COMPAT_H */
