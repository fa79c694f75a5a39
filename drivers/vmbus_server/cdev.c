// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmbus_server: the transport through which a VMM attaches a VM
 * (include/uapi/linux/vmbus_server.h is the contract).  Each open file is
 * one VM and owns one server; it uses the server like any transport does,
 * through the exported API.
 *
 * The VM's pieces and their locks:
 * - the memory table, replaced as a whole under @mem_lock, a mutex held
 *   while a pin resolves frames through it (and, inside it, the VMM's
 *   mmap lock);
 * - the SynIC of each VP (event page and irqfd), published in @vps and
 *   read under RCU by signal_guest, which runs under a channel's data
 *   path spinlock and must not sleep;
 * - the queue of host messages, under @msgq_lock (a spinlock: post_message
 *   only copies), with one reader at a time under @read_lock, so that a
 *   message leaves the queue only once user space has it.
 *
 * Lock order: vm->ioctl_lock -> vm->mem_lock -> mmap lock of the VMM's mm.
 * No server lock is taken inside any of them, and the server calls
 * post_message, signal_guest and the pin ops without its own locks (signal
 * under the data path lock, where only RCU and the spinlocks of the
 * irqfd are taken).
 */

#define pr_fmt(fmt) "vmbus_server: " fmt

#include <linux/bitops.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <uapi/linux/vmbus_server.h>

#include "cdev.h"
#include "compat.h"
#include "core.h"
#include "registry.h"

/*
 * Host messages one VM queues for its VMM, 256 bytes each.  The server
 * keeps further ones in its own bounded queue (server.h: back-pressure),
 * so this only needs to cover a burst: the offers of a REQUESTOFFERS go
 * one by one as the VMM reads.
 */
#define VMBS_MSGQ_LEN			32

/* Bytes of each SINT's area in the SynIC event-flags page. */
#define VMBS_SINT_EVENT_BYTES		256

#define VMBS_FEATURES	(VMBS_F_KICK_EVENTFD | VMBS_F_SYNIC_IRQFD | \
			 VMBS_F_DEVICES | VMBS_F_DEVICE_CONTROL)

#define VMBS_HOST_MSG_HDR	offsetof(struct vmbs_host_msg, payload)
#define VMBS_GUEST_MSG_HDR	offsetof(struct vmbs_guest_msg, payload)

/* One VP's SynIC, as the VMM last set it. */
struct vmbs_vp {
	struct page *event_page;	/* pinned */
	struct eventfd_ctx *irqfd;
	u32 sint;
};

struct vmbs_vm {
	struct vmb_server *server;
	/* The VMM's address space: guest memory is pinned there. */
	struct mm_struct *mm;
	/* RLIMIT_MEMLOCK at open, in pages, unless it had CAP_IPC_LOCK. */
	unsigned long memlock_pages;
	bool memlock_unlimited;

	/* One configuration ioctl at a time. */
	struct mutex ioctl_lock;

	/* Held while a pin resolves frames through the table. */
	struct mutex mem_lock;
	struct vmbs_mem_region *regions;	/* [mem_lock] sorted by GPA */
	unsigned int nregions;			/* [mem_lock] */

	struct xarray vps;		/* vp_index -> vmbs_vp, RCU readers */

	/* Takes messages off the queue: one reader or a reset at a time. */
	struct mutex read_lock;
	spinlock_t msgq_lock;		/* the queue below */
	wait_queue_head_t read_wq;
	unsigned int msgq_head;		/* [msgq_lock] oldest */
	unsigned int msgq_count;	/* [msgq_lock]; lowered with
					 * read_lock held too
					 */
	bool msgq_refused;		/* [msgq_lock] the server waits for a
					 * vmb_server_transport_ready()
					 */
	struct vmbs_host_msg msgq[VMBS_MSGQ_LEN];
};

static int vmbs_post_message(struct vmb_server *server, u32 target_vp,
			     u8 sint, const void *msg, size_t len)
{
	struct vmbs_vm *vm = vmb_server_priv(server);
	struct vmbs_host_msg *m;

	if (WARN_ON_ONCE(len > VMBS_MSG_PAYLOAD_MAX))
		return -EINVAL;
	spin_lock(&vm->msgq_lock);
	if (vm->msgq_count == VMBS_MSGQ_LEN) {
		vm->msgq_refused = true;
		spin_unlock(&vm->msgq_lock);
		return -EAGAIN;
	}
	m = &vm->msgq[(vm->msgq_head + vm->msgq_count) % VMBS_MSGQ_LEN];
	memset(m, 0, VMBS_HOST_MSG_HDR);
	m->vp_index = target_vp;
	m->sint = sint;
	m->message_type = 1;
	m->payload_size = len;
	memcpy(m->payload, msg, len);
	vm->msgq_count++;
	spin_unlock(&vm->msgq_lock);
	wake_up_interruptible_poll(&vm->read_wq, EPOLLIN | EPOLLRDNORM);
	return 0;
}

/* Under a channel's data path spinlock: nothing here sleeps. */
static void vmbs_signal_guest(struct vmb_server *server, u32 child_relid,
			      u32 target_vp)
{
	struct vmbs_vm *vm = vmb_server_priv(server);
	struct vmbs_vp *vp;
	void *page;

	rcu_read_lock();
	vp = xa_load(&vm->vps, target_vp);
	if (vp) {
		page = kmap_local_page(vp->event_page);
		/* Relids are below 2048: inside the SINT's 256 bytes. */
		set_bit_le(child_relid,
			   page + vp->sint * VMBS_SINT_EVENT_BYTES);
		kunmap_local(page);
		vmb_eventfd_signal(vp->irqfd);
	}
	rcu_read_unlock();
}

/* The region holding @gpa, or NULL. */
static const struct vmbs_mem_region *vmbs_region(struct vmbs_vm *vm, u64 gpa)
{
	unsigned int lo = 0, hi = vm->nregions;

	lockdep_assert_held(&vm->mem_lock);
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct vmbs_mem_region *r = &vm->regions[mid];

		if (gpa < r->guest_phys_addr)
			hi = mid;
		else if (gpa - r->guest_phys_addr >= r->memory_size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

static void vmbs_unaccount(struct vmbs_vm *vm, unsigned int count)
{
	atomic64_sub(count, &vm->mm->pinned_vm);
}

/*
 * Pin @count frames in the VMM's address space, accounted to it.  Runs of
 * frames that are contiguous in one region are pinned in one call.
 */
static int vmbs_pin(struct vmbs_vm *vm, const u64 *gpfns, unsigned int count,
		    struct page **pages)
{
	unsigned int flags = FOLL_WRITE | FOLL_LONGTERM;
	unsigned int done = 0, run;
	int ret = 0;
	long got;

	if (!count)
		return 0;
	if (atomic64_add_return(count, &vm->mm->pinned_vm) >
	    vm->memlock_pages && !vm->memlock_unlimited) {
		vmbs_unaccount(vm, count);
		return -ENOMEM;
	}
	if (!mmget_not_zero(vm->mm)) {
		vmbs_unaccount(vm, count);
		return -ESRCH;
	}
	mutex_lock(&vm->mem_lock);
	mmap_read_lock(vm->mm);
	while (done < count) {
		const struct vmbs_mem_region *r;
		u64 gpa, left;
		unsigned long uaddr;

		if (gpfns[done] > U64_MAX >> PAGE_SHIFT) {
			ret = -EFAULT;
			break;
		}
		gpa = gpfns[done] << PAGE_SHIFT;
		r = vmbs_region(vm, gpa);
		if (!r) {
			ret = -EFAULT;
			break;
		}
		left = (r->memory_size - (gpa - r->guest_phys_addr)) >>
		       PAGE_SHIFT;
		for (run = 1; done + run < count && run < left &&
		     gpfns[done + run] == gpfns[done] + run; run++)
			;
		uaddr = r->userspace_addr + (gpa - r->guest_phys_addr);
		got = vmb_pin_user_pages_remote(vm->mm, uaddr, run, flags,
						pages + done);
		if (got > 0)
			done += got;
		if (got != run) {
			ret = got < 0 ? got : -EFAULT;
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	mmap_read_unlock(vm->mm);
	mutex_unlock(&vm->mem_lock);
	mmput(vm->mm);
	if (ret) {
		unpin_user_pages(pages, done);
		vmbs_unaccount(vm, count);
	}
	return ret;
}

static int vmbs_pin_guest_pages(struct vmb_server *server, const u64 *gpfns,
				unsigned int count, bool write,
				struct page **pages)
{
	return vmbs_pin(vmb_server_priv(server), gpfns, count, pages);
}

static void vmbs_unpin(struct vmbs_vm *vm, struct page **pages,
		       unsigned int count)
{
	unpin_user_pages(pages, count);
	vmbs_unaccount(vm, count);
}

static void vmbs_unpin_guest_pages(struct vmb_server *server,
				   struct page **pages, unsigned int count)
{
	vmbs_unpin(vmb_server_priv(server), pages, count);
}

static const struct vmb_server_transport_ops vmbs_transport_ops = {
	.post_message = vmbs_post_message,
	.signal_guest = vmbs_signal_guest,
	.pin_guest_pages = vmbs_pin_guest_pages,
	.unpin_guest_pages = vmbs_unpin_guest_pages,
};

static int vmbs_region_cmp(const void *a, const void *b)
{
	const struct vmbs_mem_region *x = a, *y = b;

	if (x->guest_phys_addr != y->guest_phys_addr)
		return x->guest_phys_addr < y->guest_phys_addr ? -1 : 1;
	return 0;
}

static bool vmbs_region_valid(const struct vmbs_mem_region *r)
{
	u64 end;

	if (r->flags || !r->memory_size ||
	    !PAGE_ALIGNED(r->guest_phys_addr) || !PAGE_ALIGNED(r->memory_size) ||
	    !PAGE_ALIGNED(r->userspace_addr))
		return false;
	if (check_add_overflow(r->guest_phys_addr, r->memory_size - 1, &end))
		return false;
	if (check_add_overflow(r->userspace_addr, r->memory_size, &end) ||
	    end > TASK_SIZE)
		return false;
	return true;
}

static long vmbs_set_mem_table(struct vmbs_vm *vm,
			       struct vmbs_mem_table __user *arg)
{
	struct vmbs_mem_region *regions, *old;
	struct vmbs_mem_table table;
	unsigned int i;

	if (copy_from_user(&table, arg, sizeof(table)))
		return -EFAULT;
	if (table.flags || table.nregions > VMBS_MEM_REGIONS_MAX)
		return -EINVAL;
	/* At most VMBS_MEM_REGIONS_MAX: no overflow. */
	regions = memdup_user(arg->regions, table.nregions * sizeof(*regions));
	if (IS_ERR(regions))
		return PTR_ERR(regions);
	for (i = 0; i < table.nregions; i++)
		if (!vmbs_region_valid(&regions[i]))
			goto invalid;
	sort(regions, table.nregions, sizeof(*regions), vmbs_region_cmp, NULL);
	for (i = 1; i < table.nregions; i++)
		if (regions[i].guest_phys_addr - regions[i - 1].guest_phys_addr <
		    regions[i - 1].memory_size)
			goto invalid;

	/* Pins taken under the old table hold pages, not table entries. */
	mutex_lock(&vm->mem_lock);
	old = vm->regions;
	vm->regions = regions;
	vm->nregions = table.nregions;
	mutex_unlock(&vm->mem_lock);
	kfree(old);
	return 0;

invalid:
	kfree(regions);
	return -EINVAL;
}

static void vmbs_vp_free(struct vmbs_vm *vm, struct vmbs_vp *vp)
{
	/* Also after vmb_server_destroy(): through the VM, not its server. */
	vmbs_unpin(vm, &vp->event_page, 1);
	eventfd_ctx_put(vp->irqfd);
	kfree(vp);
}

static long vmbs_set_synic(struct vmbs_vm *vm, struct vmbs_synic __user *arg)
{
	struct vmbs_vp *vp = NULL, *old;
	struct vmbs_synic synic;
	u64 gpfn;
	int ret;

	if (copy_from_user(&synic, arg, sizeof(synic)))
		return -EFAULT;
	if ((synic.flags & ~VMBS_SYNIC_CLEAR) || synic.reserved ||
	    synic.vp_index > VMB_MAX_VP_INDEX)
		return -EINVAL;
	if (!(synic.flags & VMBS_SYNIC_CLEAR)) {
		if (synic.sint >= VMB_SINT_COUNT ||
		    !PAGE_ALIGNED(synic.event_page_gpa))
			return -EINVAL;
		vp = kzalloc(sizeof(*vp), GFP_KERNEL);
		if (!vp)
			return -ENOMEM;
		vp->sint = synic.sint;
		vp->irqfd = eventfd_ctx_fdget(synic.irqfd);
		if (IS_ERR(vp->irqfd)) {
			ret = PTR_ERR(vp->irqfd);
			kfree(vp);
			return ret;
		}
		gpfn = synic.event_page_gpa >> PAGE_SHIFT;
		ret = vmbs_pin(vm, &gpfn, 1, &vp->event_page);
		if (ret) {
			eventfd_ctx_put(vp->irqfd);
			kfree(vp);
			/* A page outside the table is a bad argument. */
			return ret == -EFAULT ? -EINVAL : ret;
		}
	}
	if (vp)
		old = xa_store(&vm->vps, synic.vp_index, vp, GFP_KERNEL);
	else
		old = xa_erase(&vm->vps, synic.vp_index);
	if (xa_is_err(old)) {
		vmbs_vp_free(vm, vp);
		return xa_err(old);
	}
	if (old) {
		/* No signal_guest still writes the old page. */
		synchronize_rcu();
		vmbs_vp_free(vm, old);
	}
	return 0;
}

static long vmbs_set_kick(struct vmbs_vm *vm, struct vmbs_kick __user *arg)
{
	struct eventfd_ctx *ctx;
	struct vmbs_kick kick;
	struct file *file;
	int ret;

	if (copy_from_user(&kick, arg, sizeof(kick)))
		return -EFAULT;
	if (kick.fd == -1)
		return vmb_server_set_kick_file(vm->server, kick.connection_id,
						NULL);
	/*
	 * Only an eventfd: what KVM_HYPERV_EVENTFD signals.  Should the VMM
	 * swap the fd before fget(), the server waits on whatever pollable
	 * file it gave: harmless, as kick.c takes any.
	 */
	ctx = eventfd_ctx_fdget(kick.fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	eventfd_ctx_put(ctx);
	file = fget(kick.fd);
	if (!file)
		return -EBADF;
	ret = vmb_server_set_kick_file(vm->server, kick.connection_id, file);
	fput(file);
	return ret;
}

static long vmbs_add_device(struct vmbs_vm *vm, struct vmbs_device __user *arg)
{
	struct vmbs_device dev;
	guid_t type, instance;
	void *params;
	int ret;

	if (copy_from_user(&dev, arg, sizeof(dev)))
		return -EFAULT;
	if (dev.flags || dev.params_size > VMBS_DEVICE_PARAMS_MAX)
		return -EINVAL;
	params = memdup_user(u64_to_user_ptr(dev.params), dev.params_size);
	if (IS_ERR(params))
		return PTR_ERR(params);
	import_guid(&type, dev.interface_type);
	import_guid(&instance, dev.interface_instance);
	ret = vmb_server_device_add(vm->server, &type, &instance, params,
				    dev.params_size);
	kfree(params);
	return ret;
}

static long vmbs_remove_device(struct vmbs_vm *vm,
			       struct vmbs_device __user *arg)
{
	struct vmbs_device dev;
	guid_t instance;

	if (copy_from_user(&dev, arg, sizeof(dev)))
		return -EFAULT;
	if (dev.flags || dev.params_size || dev.params)
		return -EINVAL;
	import_guid(&instance, dev.interface_instance);
	return vmb_server_device_remove(vm->server, &instance);
}

static long vmbs_list_devices(struct vmbs_vm *vm,
			      struct vmbs_device_list __user *arg)
{
	struct vmbs_device_info *info;
	struct vmbs_device_list list;
	unsigned int room, n;
	int ret = 0;

	if (copy_from_user(&list, arg, sizeof(list)))
		return -EFAULT;
	if (list.flags)
		return -EINVAL;
	room = min_t(u32, list.count, VMB_SERVER_MAX_DEVICES);
	info = kvcalloc(max(room, 1U), sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	n = vmb_device_list(vm->server, info, room);
	if (copy_to_user(u64_to_user_ptr(list.devices), info,
			 min(n, room) * sizeof(*info)) ||
	    put_user(n, &arg->count))
		ret = -EFAULT;
	kvfree(info);
	return ret;
}

/*
 * Not under ioctl_lock: an operation may take a while (a screen capture),
 * and the registry keeps the device until it ends.
 */
static long vmbs_device_control(struct vmbs_vm *vm,
				struct vmbs_device_control __user *arg)
{
	struct vmbs_device_control ctl;
	void *in = NULL, *out = NULL;
	guid_t instance;
	size_t out_len;
	long ret;

	if (copy_from_user(&ctl, arg, sizeof(ctl)))
		return -EFAULT;
	if (ctl.flags || ctl.in_size > VMBS_DEVICE_CONTROL_MAX ||
	    ctl.out_size > VMBS_DEVICE_CONTROL_MAX)
		return -EINVAL;
	if (ctl.in_size) {
		in = vmemdup_user(u64_to_user_ptr(ctl.in), ctl.in_size);
		if (IS_ERR(in))
			return PTR_ERR(in);
	}
	out_len = ctl.out_size;
	if (out_len) {
		out = kvzalloc(out_len, GFP_KERNEL_ACCOUNT);
		if (!out) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	import_guid(&instance, ctl.interface_instance);
	ret = vmb_server_device_control(vm->server, &instance, ctl.op, in,
					ctl.in_size, out, &out_len);
	if (!ret && (copy_to_user(u64_to_user_ptr(ctl.out), out, out_len) ||
		     put_user((u32)out_len, &arg->out_size)))
		ret = -EFAULT;
out_free:
	kvfree(out);
	kvfree(in);
	return ret;
}

/*
 * The guest rebooted.  Host messages not read yet were for the guest before
 * the reset; its successor must not find them in its message page.  The
 * VMM resets with the VM's vCPUs stopped, so nothing the server posts here
 * belongs to the next connection: that starts with the next guest message.
 */
static long vmbs_reset(struct vmbs_vm *vm)
{
	int ret = vmb_server_reset(vm->server);

	if (ret)
		return ret;
	if (mutex_lock_killable(&vm->read_lock))
		return -EINTR;
	spin_lock(&vm->msgq_lock);
	vm->msgq_count = 0;
	/* The server forgot its queue and is ready to send again. */
	vm->msgq_refused = false;
	spin_unlock(&vm->msgq_lock);
	mutex_unlock(&vm->read_lock);
	return 0;
}

static long vmbs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vmbs_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;
	u64 features = VMBS_FEATURES;
	long ret;

	/* Guest memory is the opener's: its address space only. */
	if (current->mm != vm->mm)
		return -EPERM;
	switch (cmd) {
	case VMBS_GET_API_VERSION:
		return VMBS_API_VERSION;
	case VMBS_GET_FEATURES:
		return copy_to_user(argp, &features, sizeof(features)) ?
		       -EFAULT : 0;
	case VMBS_RESET:
		return vmbs_reset(vm);
	case VMBS_DEVICE_CONTROL:
		return vmbs_device_control(vm, argp);
	case VMBS_SET_MEM_TABLE:
	case VMBS_SET_SYNIC:
	case VMBS_SET_KICK:
	case VMBS_ADD_DEVICE:
	case VMBS_REMOVE_DEVICE:
	case VMBS_LIST_DEVICES:
		break;
	default:
		return -ENOTTY;
	}

	if (mutex_lock_interruptible(&vm->ioctl_lock))
		return -EINTR;
	switch (cmd) {
	case VMBS_SET_MEM_TABLE:
		ret = vmbs_set_mem_table(vm, argp);
		break;
	case VMBS_SET_SYNIC:
		ret = vmbs_set_synic(vm, argp);
		break;
	case VMBS_SET_KICK:
		ret = vmbs_set_kick(vm, argp);
		break;
	case VMBS_ADD_DEVICE:
		ret = vmbs_add_device(vm, argp);
		break;
	case VMBS_REMOVE_DEVICE:
		ret = vmbs_remove_device(vm, argp);
		break;
	default:
		ret = vmbs_list_devices(vm, argp);
		break;
	}
	mutex_unlock(&vm->ioctl_lock);
	return ret;
}

static ssize_t vmbs_write(struct file *file, const char __user *buf,
			  size_t len, loff_t *ppos)
{
	struct vmbs_vm *vm = file->private_data;
	struct vmbs_guest_msg msg;
	int ret;

	if (current->mm != vm->mm)
		return -EPERM;
	if (len < VMBS_GUEST_MSG_HDR || len > sizeof(msg))
		return -EINVAL;
	if (copy_from_user(&msg, buf, len))
		return -EFAULT;
	if (msg.message_type != 1 || msg.reserved ||
	    len != VMBS_GUEST_MSG_HDR + msg.payload_size)
		return -EINVAL;
	ret = vmb_server_deliver_guest_message(vm->server, msg.connection_id,
					       msg.payload, msg.payload_size);
	switch (ret) {
	case -EAGAIN:		/* HV_STATUS_INSUFFICIENT_BUFFERS */
	case -ENXIO:		/* HV_STATUS_INVALID_CONNECTION_ID */
	case -ENODEV:
		return ret;
	default:
		/* Taken: the server counted what it rejected. */
		return len;
	}
}

static ssize_t vmbs_read(struct file *file, char __user *buf, size_t len,
			 loff_t *ppos)
{
	struct vmbs_vm *vm = file->private_data;
	struct vmbs_host_msg *m;
	bool refused = false;
	size_t size;
	int ret;

	if (current->mm != vm->mm)
		return -EPERM;
	/*
	 * Messages leave the queue only under read_lock (here and at a
	 * reset), which is not held while waiting: a count seen under it
	 * stays until we take the head.
	 */
	for (;;) {
		if (mutex_lock_interruptible(&vm->read_lock))
			return -EINTR;
		if (READ_ONCE(vm->msgq_count))
			break;
		mutex_unlock(&vm->read_lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(vm->read_wq,
					       READ_ONCE(vm->msgq_count));
		if (ret)
			return ret;
	}

	/* Only this reader takes messages: the head stays while we copy. */
	m = &vm->msgq[vm->msgq_head];
	size = VMBS_HOST_MSG_HDR + m->payload_size;
	ret = -EINVAL;
	if (len < size)
		goto out;
	ret = -EFAULT;
	if (copy_to_user(buf, m, size))
		goto out;

	spin_lock(&vm->msgq_lock);
	vm->msgq_head = (vm->msgq_head + 1) % VMBS_MSGQ_LEN;
	vm->msgq_count--;
	swap(refused, vm->msgq_refused);
	spin_unlock(&vm->msgq_lock);
	ret = size;
out:
	mutex_unlock(&vm->read_lock);
	if (refused)
		vmb_server_transport_ready(vm->server);
	return ret;
}

static __poll_t vmbs_poll(struct file *file, poll_table *wait)
{
	struct vmbs_vm *vm = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &vm->read_wq, wait);
	if (READ_ONCE(vm->msgq_count))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int vmbs_open(struct inode *inode, struct file *file)
{
	struct vmbs_vm *vm;

	vm = kvzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->ioctl_lock);
	mutex_init(&vm->mem_lock);
	mutex_init(&vm->read_lock);
	spin_lock_init(&vm->msgq_lock);
	init_waitqueue_head(&vm->read_wq);
	xa_init(&vm->vps);
	vm->memlock_pages = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	vm->memlock_unlimited = capable(CAP_IPC_LOCK);
	vm->mm = current->mm;
	mmgrab(vm->mm);

	vm->server = vmb_server_create(&vmbs_transport_ops, vm);
	if (IS_ERR(vm->server)) {
		int ret = PTR_ERR(vm->server);

		mmdrop(vm->mm);
		kvfree(vm);
		return ret;
	}
	file->private_data = vm;
	return nonseekable_open(inode, file);
}

/*
 * The VM's one teardown, also when the VMM was killed (then its mm is
 * gone from it already, still pinned by mmgrab()): devices go first, so
 * that each back-end sees its channels disabled as on a removal; then the
 * server, which closes whatever is left and unpins through us; then the
 * VPs and the table.
 */
static int vmbs_release(struct inode *inode, struct file *file)
{
	struct vmbs_vm *vm = file->private_data;
	struct vmbs_vp *vp;
	unsigned long index;

	vmb_server_device_remove_all(vm->server);
	vmb_server_destroy(vm->server);
	/* No signal_guest runs any more: no RCU reader is left. */
	xa_for_each(&vm->vps, index, vp)
		vmbs_vp_free(vm, vp);
	xa_destroy(&vm->vps);
	kfree(vm->regions);
	mmdrop(vm->mm);
	kvfree(vm);
	return 0;
}

static const struct file_operations vmbs_fops = {
	.owner = THIS_MODULE,
	.open = vmbs_open,
	.release = vmbs_release,
	.read = vmbs_read,
	.write = vmbs_write,
	.poll = vmbs_poll,
	.unlocked_ioctl = vmbs_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice vmbs_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmbus_server",
	.fops = &vmbs_fops,
	.mode = 0600,
};

int vmb_cdev_init(void)
{
	return misc_register(&vmbs_misc);
}

void vmb_cdev_exit(void)
{
	misc_deregister(&vmbs_misc);
}
