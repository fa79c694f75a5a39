// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM's side of /dev/vmbus_server: one open file per VM, the guest's
 * memory as a memfd, the SynIC event page and irqfd of VP 0, kick
 * eventfds, devices, and the message pipe (write() is the guest's
 * HvPostMessage, read() what the host posts to the guest's SINT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

/* b4d1e6f2-3c9a-4e57-9f1d-7a2c5e8b0d63, in wire order. */
const uint8_t sample_type[16] = {
	0xf2, 0xe6, 0xd1, 0xb4, 0x9a, 0x3c, 0x57, 0x4e,
	0x9f, 0x1d, 0x7a, 0x2c, 0x5e, 0x8b, 0x0d, 0x63,
};

int new_eventfd(void)
{
	return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

/* Pages pinned in this process's mm (VmPin), where the device accounts. */
long pinned_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Open the device, check the API, print the features. */
struct vm *vm_open(const char *name)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	uint64_t features = 0, want;
	int ret;

	if (!vm)
		return NULL;
	vm->name = name;
	vm->memfd = -1;
	vm->irqfd = -1;
	vm->next_gpadl = GPADL_FIRST;
	vm->backlog = calloc(BACKLOG_MAX, sizeof(*vm->backlog));
	/* Non-blocking: a read after a spurious poll wake-up must not hang. */
	fault_begin(CALL_OPEN, 0);
	vm->fd = open(cfg.device, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	fault_end(vm->fd);
	if (!check(vm->fd >= 0 && vm->backlog, "%s: open %s", name,
		   cfg.device)) {
		say("  %s: %m", cfg.device);
		goto fail;
	}
	ret = ioctl(vm->fd, VMBS_GET_API_VERSION);
	if (!check(ret == VMBS_API_VERSION,
		   "%s: VMBS_GET_API_VERSION gives %d, the header's %d", name,
		   ret, VMBS_API_VERSION))
		goto fail;
	ret = ioctl(vm->fd, VMBS_GET_FEATURES, &features);
	if (!check(!ret, "%s: VMBS_GET_FEATURES", name))
		goto fail;
	say("%s: features 0x%llx:%s%s%s", name, (unsigned long long)features,
	    features & VMBS_F_KICK_EVENTFD ? " kick-eventfd" : "",
	    features & VMBS_F_SYNIC_IRQFD ? " synic-irqfd" : "",
	    features & VMBS_F_DEVICES ? " devices" : "");
	/* The tool uses all three. */
	want = VMBS_F_KICK_EVENTFD | VMBS_F_SYNIC_IRQFD | VMBS_F_DEVICES;
	if (!check((features & want) == want,
		   "%s: kick eventfds, SynIC irqfd and devices offered", name))
		goto fail;
	return vm;
fail:
	vm_free(vm);
	return NULL;
}

/* Guest memory: a memfd the VMM maps, as it would back a KVM memslot. */
int vm_set_memory(struct vm *vm)
{
	struct vmbs_mem_table *t;
	int ret;

	vm->mem_gpa = GUEST_MEM_GPA;
	vm->mem_size = GUEST_MEM_SIZE;
	vm->memfd = memfd_create("vmbus-vmm-guest", MFD_CLOEXEC);
	if (vm->memfd < 0 || ftruncate(vm->memfd, vm->mem_size)) {
		check(false, "%s: guest memory memfd: %m", vm->name);
		return -1;
	}
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->memfd, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		check(false, "%s: mmap guest memory: %m", vm->name);
		return -1;
	}
	t = calloc(1, sizeof(*t) + sizeof(t->regions[0]));
	if (!t)
		return -1;
	t->nregions = 1;
	t->regions[0].guest_phys_addr = vm->mem_gpa;
	t->regions[0].memory_size = vm->mem_size;
	t->regions[0].userspace_addr = (uintptr_t)vm->mem;
	fault_begin(CALL_MEM_TABLE, 0);
	ret = ioctl(vm->fd, VMBS_SET_MEM_TABLE, t);
	fault_end(ret);
	free(t);
	if (!check(!ret, "%s: VMBS_SET_MEM_TABLE, %u MiB at GPA 0x%llx",
		   vm->name, (unsigned int)(vm->mem_size >> 20),
		   (unsigned long long)vm->mem_gpa)) {
		say("  %m");
		return -1;
	}
	return 0;
}

/* VP 0's event-flags page (first guest page) and the irqfd of SINT 2. */
int vm_set_synic(struct vm *vm)
{
	struct vmbs_synic s = {
		.vp_index = GUEST_VP,
		.sint = VMBUS_SINT,
	};
	int ret;

	vm->event_gpa = vm_alloc_pages(vm, 1);
	vm->irqfd = new_eventfd();
	s.event_page_gpa = vm->event_gpa;
	s.irqfd = vm->irqfd;
	fault_begin(CALL_SYNIC, 0);
	ret = ioctl(vm->fd, VMBS_SET_SYNIC, &s);
	fault_end(ret);
	if (!check(vm->irqfd >= 0 && !ret,
		   "%s: VMBS_SET_SYNIC, VP %u SINT %u, event page at 0x%llx",
		   vm->name, GUEST_VP, VMBUS_SINT,
		   (unsigned long long)vm->event_gpa)) {
		say("  %m");
		return -1;
	}
	return 0;
}

struct vm *vm_create(const char *name)
{
	struct vm *vm = vm_open(name);

	if (vm && (vm_set_memory(vm) || vm_set_synic(vm))) {
		vm_free(vm);
		vm = NULL;
	}
	return vm;
}

/* close() tears the VM down in the kernel: watched, it must not hang. */
int vm_close_fd(struct vm *vm)
{
	int ret = 0;

	if (vm->fd >= 0) {
		watchdog("close() of the device");
		fault_begin(CALL_CLOSE, 0);
		ret = close(vm->fd);
		fault_end(ret);
		watchdog(NULL);
	}
	vm->fd = -1;
	return ret;
}

void vm_free(struct vm *vm)
{
	if (!vm)
		return;
	vm_close_fd(vm);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	if (vm->memfd >= 0)
		close(vm->memfd);
	if (vm->irqfd >= 0)
		close(vm->irqfd);
	free(vm->backlog);
	free(vm);
}

/* Zeroed guest pages, never given back: a run needs few. */
uint64_t vm_alloc_pages(struct vm *vm, uint32_t n)
{
	uint64_t off = (uint64_t)vm->next_page << PAGE_SHIFT;

	if (!vm->mem || off + (uint64_t)n * PAGE_SIZE > vm->mem_size)
		return 0;
	vm->next_page += n;
	memset(vm->mem + off, 0, (size_t)n * PAGE_SIZE);
	return vm->mem_gpa + off;
}

/* The VMM's view of guest memory, NULL outside it. */
void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (!vm->mem || gpa < vm->mem_gpa || len > vm->mem_size ||
	    gpa - vm->mem_gpa > vm->mem_size - len)
		return NULL;
	return vm->mem + (gpa - vm->mem_gpa);
}

/* The sample device; its parameters only with --mmio. */
int vm_add_sample(struct vm *vm, const uint8_t instance[16])
{
	struct vmbs_device d = { .flags = 0 };
	uint8_t params[8] = { 0 };
	char g[37];
	int ret;

	memcpy(d.interface_type, sample_type, 16);
	memcpy(d.interface_instance, instance, 16);
	if (cfg.mmio_set) {
		put16(params, 0, cfg.mmio_mb);
		put16(params, 2, cfg.mmio_opt_mb);
		d.params_size = sizeof(params);
		d.params = (uintptr_t)params;
	}
	fault_begin(CALL_ADD_DEVICE, 0);
	ret = ioctl(vm->fd, VMBS_ADD_DEVICE, &d);
	fault_end(ret);
	if (ret) {
		check(false, "%s: VMBS_ADD_DEVICE sample %s: %m", vm->name,
		      guid_str(instance, g));
		return -1;
	}
	say("%s: added sample device %s", vm->name, guid_str(instance, g));
	return 0;
}

int vm_remove_device(struct vm *vm, const uint8_t instance[16])
{
	struct vmbs_device d = { .flags = 0 };
	int ret;

	memcpy(d.interface_instance, instance, 16);
	watchdog("VMBS_REMOVE_DEVICE");
	fault_begin(CALL_REMOVE_DEVICE, 0);
	ret = ioctl(vm->fd, VMBS_REMOVE_DEVICE, &d);
	fault_end(ret);
	ret = ret ? -errno : 0;
	watchdog(NULL);
	return ret;
}

/* Return: 0 with *@out_size set to the bytes written, or -errno. */
int vm_control(struct vm *vm, const uint8_t instance[16], uint32_t op,
	       const void *in, uint32_t in_size, void *out,
	       uint32_t *out_size)
{
	struct vmbs_device_control c = {
		.op = op,
		.in_size = in_size,
		.out_size = *out_size,
		.in = (uintptr_t)in,
		.out = (uintptr_t)out,
	};

	int ret;

	memcpy(c.interface_instance, instance, 16);
	fault_begin(CALL_CONTROL, 0);
	ret = ioctl(vm->fd, VMBS_DEVICE_CONTROL, &c);
	fault_end(ret);
	if (ret)
		return -errno;
	*out_size = c.out_size;
	return 0;
}

static const char *dev_state(uint32_t s)
{
	static const char *const names[] = { "?", "probing", "active",
					     "removing" };

	return s < 4 ? names[s] : "?";
}

static const char *chan_state(uint32_t s)
{
	static const char *const names[] = { "none", "offered", "open",
					     "rescinded" };

	return s < 4 ? names[s] : "?";
}

/* Return: the number of devices the VM has, -errno on failure. */
int vm_list(struct vm *vm, struct vmbs_device_info *out, unsigned int max,
	    bool print)
{
	struct vmbs_device_info info[16];
	struct vmbs_device_list l = {
		.count = 16,
		.devices = (uintptr_t)info,
	};
	unsigned int i;
	char t[37], in[37];
	int ret;

	memset(info, 0, sizeof(info));
	fault_begin(CALL_LIST, 0);
	ret = ioctl(vm->fd, VMBS_LIST_DEVICES, &l);
	fault_end(ret);
	if (ret)
		return -errno;
	for (i = 0; i < l.count && i < 16; i++) {
		const struct vmbs_device_info *d = &info[i];

		if (i < max)
			out[i] = *d;
		if (!print)
			continue;
		say("%s: device %s (%.32s) type %s: %s, channel %s, relid %u, mmio %u+%u MiB",
		    vm->name, guid_str(d->interface_instance, in),
		    d->class_name, guid_str(d->interface_type, t),
		    dev_state(d->state), chan_state(d->channel_state),
		    d->child_relid, d->mmio_megabytes,
		    d->mmio_megabytes_optional);
	}
	if (print)
		say("%s: %u device(s)", vm->name, l.count);
	return l.count;
}

int vm_set_kick(struct vm *vm, uint32_t conn_id, int fd)
{
	struct vmbs_kick k = { .connection_id = conn_id, .fd = fd };
	int ret;

	fault_begin(CALL_KICK, 0);
	ret = ioctl(vm->fd, VMBS_SET_KICK, &k);
	fault_end(ret);
	return ret ? -errno : 0;
}

/* One HvPostMessage.  Return: 0 (HV_STATUS_SUCCESS) or -errno. */
int vm_write_msg(struct vm *vm, uint32_t conn_id, const void *payload,
		 uint32_t len)
{
	struct vmbs_guest_msg m = {
		.connection_id = conn_id,
		.message_type = HV_MSG_VMBUS,
		.payload_size = len,
	};
	ssize_t n;

	memcpy(m.payload, payload, len);
	if (cfg.verbose) {
		char what[64];

		snprintf(what, sizeof(what), "%s: post to %u", vm->name,
			 conn_id);
		hexdump(what, payload, len);
	}
	fault_begin(CALL_POST, len >= 4 ? get32(payload, 0) : 0);
	n = write(vm->fd, &m, 16 + len);
	fault_end(n < 0 ? -1 : 0);
	if (n < 0)
		return -errno;
	return n == 16 + len ? 0 : -EIO;
}

/*
 * One message for the guest, waiting at most @timeout_ms.
 * Return: 1 with a message, 0 on timeout, -errno on failure.
 */
int vm_read_msg(struct vm *vm, struct vmbs_host_msg *m, int timeout_ms)
{
	double end = now_sec() + timeout_ms / 1000.0;
	struct pollfd p = { .fd = vm->fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		int left = (int)((end - now_sec()) * 1000);

		if (left < 0)
			left = 0;
		n = poll(&p, 1, left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0 && left == 0)
			return 0;
		if (n <= 0)
			continue;
		n = read(vm->fd, m, sizeof(*m));
		if (n >= 0)
			break;
		/* EAGAIN: another reader, or a spurious wake-up: wait on. */
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
	if (n < 16 || n != 16 + (ssize_t)m->payload_size) {
		check(false, "%s: read() returned %zd bytes for a %u-byte payload",
		      vm->name, n, m->payload_size);
		return -EIO;
	}
	if (cfg.verbose) {
		char what[64];

		snprintf(what, sizeof(what), "%s: host message (VP %u SINT %u)",
			 vm->name, m->vp_index, m->sint);
		hexdump(what, m->payload, m->payload_size);
	}
	return 1;
}

/*
 * Wait for SINT 2 to be raised (the irqfd), then test and clear @relid's
 * bit in the SINT's 256-byte area of the event-flags page.
 * Return: 1 raised (*bit: the relid's bit was set), 0 timeout, -errno.
 */
int vm_wait_event(struct vm *vm, uint32_t relid, int timeout_ms, bool *bit)
{
	struct pollfd p = { .fd = vm->irqfd, .events = POLLIN };
	uint8_t *flags = vm_gpa(vm, vm->event_gpa, PAGE_SIZE);
	uint8_t mask = 1u << (relid % 8);
	uint64_t count;
	int n;

	*bit = false;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n ? -errno : 0;
	if (read(vm->irqfd, &count, sizeof(count)) != sizeof(count))
		return -errno;
	if (flags && relid < 2048) {
		uint8_t *byte = flags + VMBUS_SINT * 256 + relid / 8;

		*bit = __atomic_fetch_and(byte, (uint8_t)~mask,
					  __ATOMIC_SEQ_CST) & mask;
	}
	return 1;
}

/* Bits set in the event-flags page, but for @relid's in SINT 2's area. */
unsigned int vm_stray_event_bits(struct vm *vm, uint32_t relid)
{
	const uint8_t *p = vm_gpa(vm, vm->event_gpa, PAGE_SIZE);
	unsigned int i, n = 0;
	uint8_t b;

	for (i = 0; p && i < PAGE_SIZE; i++) {
		b = p[i];
		if (i == VMBUS_SINT * 256 + relid / 8)
			b &= ~(1u << (relid % 8));
		n += __builtin_popcount(b);
	}
	return n;
}
