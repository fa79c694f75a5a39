/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/vmbus_server: how a VMM attaches a VM to the in-kernel VMBus server.
 *
 * Each open() of the device is one VM.  The VMM hands the server the
 * guest's memory map and the eventfds KVM signals and listens on, forwards
 * the guest's HvPostMessage hypercalls with write(), and posts what read()
 * returns into the guest's SynIC message page.  Channel signals in both
 * directions stay in the kernel: the guest's HvSignalEvent reaches the
 * server through an eventfd registered with KVM_HYPERV_EVENTFD (the same
 * one set here with VMBS_SET_KICK), and the server raises a channel's
 * event itself, by setting the channel's bit in the target VP's SynIC
 * event-flags page and signalling the irqfd the VMM routed to that VP's
 * SINT with KVM_IRQ_ROUTING_HV_SINT (VMBS_SET_SYNIC).
 *
 * Every structure has a fixed layout with explicit padding; reserved and
 * padding fields must be zero, unknown flags are refused with EINVAL.
 * ioctl(), read() and write() fail with EPERM from another address space
 * than the one that opened the file: guest memory is pinned there.
 */
#ifndef _UAPI_LINUX_VMBUS_SERVER_H
#define _UAPI_LINUX_VMBUS_SERVER_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* What VMBS_GET_API_VERSION returns; raised on incompatible changes. */
#define VMBS_API_VERSION		1

/*
 * Feature bits (VMBS_GET_FEATURES).  Each names an optional part of the
 * interface a VMM may test for before it relies on it.
 */
/* VMBS_SET_KICK: in-kernel guest signals through KVM_HYPERV_EVENTFD. */
#define VMBS_F_KICK_EVENTFD		_BITULL(0)
/* VMBS_SET_SYNIC: in-kernel host signals through an HV_SINT irqfd. */
#define VMBS_F_SYNIC_IRQFD		_BITULL(1)
/* VMBS_ADD_DEVICE and friends: device classes in the kernel. */
#define VMBS_F_DEVICES			_BITULL(2)
/* VMBS_DEVICE_CONTROL: operations of the device classes. */
#define VMBS_F_DEVICE_CONTROL		_BITULL(3)

/* Largest VMBus message payload, the SynIC message's (header included). */
#define VMBS_MSG_PAYLOAD_MAX		240

/**
 * struct vmbs_guest_msg - one HvPostMessage of the guest, for write()
 * @connection_id: the connection id the guest posted to (the hypercall's
 *	input, bits 0-23 as Hyper-V defines them)
 * @message_type: the hypercall's message type; VMBus messages are type 1
 * @payload_size: bytes of @payload; at most VMBS_MSG_PAYLOAD_MAX
 * @reserved: zero
 * @payload: the message, as the guest wrote it
 *
 * write() takes exactly 16 + @payload_size bytes.  It never blocks and
 * returns what the VMM completes the hypercall with:
 *
 * - the byte count: HV_STATUS_SUCCESS.  The message was taken (a message
 *   the protocol does not allow is counted and dropped, as Hyper-V does);
 * - -1, errno ENXIO: HV_STATUS_INVALID_CONNECTION_ID;
 * - -1, errno EAGAIN: HV_STATUS_INSUFFICIENT_BUFFERS, nothing was done: the
 *   host's messages wait to be read; the guest retries;
 * - -1, errno EINVAL: the write itself is malformed (size, reserved
 *   fields, message type other than 1).
 */
struct vmbs_guest_msg {
	__u32 connection_id;
	__u32 message_type;
	__u32 payload_size;
	__u32 reserved;
	__u8 payload[VMBS_MSG_PAYLOAD_MAX];
};

/**
 * struct vmbs_host_msg - one message for the guest, from read()
 * @vp_index: the virtual processor whose SynIC message page takes it
 * @sint: the SINT whose message slot takes it
 * @pad: zero
 * @message_type: the SynIC message type to post (1: VMBus)
 * @payload_size: bytes of @payload
 * @payload: the message
 *
 * read() returns one whole message: 16 + @payload_size bytes.  A buffer
 * shorter than the next message fails with EINVAL and leaves it queued;
 * an empty queue blocks, or fails with EAGAIN under O_NONBLOCK.  poll()
 * reports EPOLLIN while a message is queued.  The queue is small and
 * bounded: a VMM that stops reading makes the guest's further
 * HvPostMessages fail with HV_STATUS_INSUFFICIENT_BUFFERS, nothing is lost.
 */
struct vmbs_host_msg {
	__u32 vp_index;
	__u8 sint;
	__u8 pad[3];
	__u32 message_type;
	__u32 payload_size;
	__u8 payload[VMBS_MSG_PAYLOAD_MAX];
};

/**
 * struct vmbs_mem_region - guest physical memory the VMM has mapped
 * @guest_phys_addr: first GPA, 4 KiB aligned
 * @memory_size: bytes, a non-zero multiple of 4 KiB
 * @userspace_addr: where the VMM mapped it, 4 KiB aligned
 * @flags: zero
 */
struct vmbs_mem_region {
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 flags;
};

/* Regions one VMBS_SET_MEM_TABLE may name. */
#define VMBS_MEM_REGIONS_MAX		64

/**
 * struct vmbs_mem_table - the guest's whole memory map, for VMBS_SET_MEM_TABLE
 * @nregions: entries in @regions, at most VMBS_MEM_REGIONS_MAX; 0 empties
 *	the table
 * @flags: zero
 * @regions: GPA ranges; they must not overlap or wrap
 *
 * Replaces the table as a whole.  GPADL, ring and event-page frames are
 * looked up here when the server pins them (pin_user_pages with
 * FOLL_LONGTERM in the VMM's address space, accounted to the VMM's
 * pinned memory under RLIMIT_MEMLOCK unless it has CAP_IPC_LOCK); a
 * frame outside the table fails the guest's request with a failure
 * status.  Pages pinned under an older table stay pinned until their use
 * ends (the channel closes, the GPADL goes, the SynIC is set again): a
 * table may be replaced at any time, and an munmap() of guest memory
 * while a channel is open only loses the VMM's view of those pages.
 */
struct vmbs_mem_table {
	__u32 nregions;
	__u32 flags;
	struct vmbs_mem_region regions[];
};

/* vmbs_synic.flags: forget the VP's event page and irqfd. */
#define VMBS_SYNIC_CLEAR		_BITUL(0)

/**
 * struct vmbs_synic - where the server raises channel events of one VP
 * @vp_index: the virtual processor (Hyper-V VP index), below 4096
 * @sint: the SINT the guest takes VMBus events on (2 for Linux guests)
 * @event_page_gpa: the GPA of the VP's SynIC event-flags page (the VMM
 *	learns it from KVM_EXIT_HYPERV_SYNIC), 4 KiB aligned, inside the
 *	memory table
 * @irqfd: an eventfd the VMM bound with KVM_IRQFD to a GSI routed with
 *	KVM_IRQ_ROUTING_HV_SINT to (@vp_index, @sint)
 * @flags: VMBS_SYNIC_CLEAR or zero
 * @reserved: zero
 *
 * A channel event for @vp_index sets bit child_relid of the @sint's
 * 256-byte area of the event page, then signals @irqfd.  Events for a VP
 * with no SynIC set are dropped (the guest has not enabled its SynIC).
 */
struct vmbs_synic {
	__u32 vp_index;
	__u32 sint;
	__u64 event_page_gpa;
	__s32 irqfd;
	__u32 flags;
	__u64 reserved;
};

/**
 * struct vmbs_kick - where a channel's guest signals arrive
 * @connection_id: a channel connection id of this VM, 0x10000 + relid for
 *	a relid from 1 to 2047 (the offer carries it).  It may be set before
 *	the channel is offered: ids are the VM's own, and a signal on an id
 *	no channel holds does nothing.
 * @fd: an eventfd, the one given to KVM_HYPERV_EVENTFD for
 *	@connection_id; -1 removes the one set
 */
struct vmbs_kick {
	__u32 connection_id;
	__s32 fd;
};

/* Bytes of device parameters VMBS_ADD_DEVICE takes. */
#define VMBS_DEVICE_PARAMS_MAX		256

/**
 * struct vmbs_device - a device of the VM, for VMBS_ADD_DEVICE and
 *	VMBS_REMOVE_DEVICE
 * @interface_type: the device class's interface type GUID, wire order
 * @interface_instance: this device's instance GUID, unique in the VM
 * @flags: zero
 * @params_size: bytes at @params, at most VMBS_DEVICE_PARAMS_MAX (0 for a
 *	removal)
 * @params: user address of the device class's parameters
 *
 * Add fails with ENODEV when no loaded module serves @interface_type,
 * EEXIST for an instance the VM has, and with the device class's own
 * error when it refuses the parameters.  Remove names the device by
 * @interface_instance alone (@flags, @params_size and @params zero) and
 * fails with ENOENT for an unknown instance, EBUSY while it is being
 * added.  While a VM has a
 * device, its module cannot be unloaded.
 */
struct vmbs_device {
	__u8 interface_type[16];
	__u8 interface_instance[16];
	__u32 flags;
	__u32 params_size;
	__u64 params;
};

/* vmbs_device_info.state */
#define VMBS_DEVICE_PROBING		1	/* being added */
#define VMBS_DEVICE_ACTIVE		2	/* added */
#define VMBS_DEVICE_REMOVING		3	/* being removed */

/* vmbs_device_info.channel_state */
#define VMBS_CHANNEL_NONE		0	/* no channel offered */
#define VMBS_CHANNEL_OFFERED		1	/* offered, not open */
#define VMBS_CHANNEL_OPEN		2	/* the guest opened it */
#define VMBS_CHANNEL_RESCINDED		3	/* waits for the guest's release */

/**
 * struct vmbs_device_info - one device, as VMBS_LIST_DEVICES reports it
 * @interface_type: its device class's interface type GUID
 * @interface_instance: its instance GUID
 * @state: VMBS_DEVICE_*
 * @channel_state: VMBS_CHANNEL_* of its channel with the same instance
 * @child_relid: that channel's relid, 0 without one
 * @mmio_megabytes: MMIO the channel's offer asks the guest to reserve
 * @mmio_megabytes_optional: further MMIO the guest may reserve
 * @class_name: the device class's name, NUL-terminated
 */
struct vmbs_device_info {
	__u8 interface_type[16];
	__u8 interface_instance[16];
	__u32 state;
	__u32 channel_state;
	__u32 child_relid;
	__u16 mmio_megabytes;
	__u16 mmio_megabytes_optional;
	char class_name[32];
};

/**
 * struct vmbs_device_list - for VMBS_LIST_DEVICES
 * @count: in, entries @devices has room for; out, devices the VM has
 *	(more than the room: only the first @count were written).  With a
 *	room of 0, @devices is not touched: the call only counts.
 * @flags: zero
 * @devices: user address of an array of struct vmbs_device_info
 */
struct vmbs_device_list {
	__u32 count;
	__u32 flags;
	__u64 devices;
};

/* Bytes VMBS_DEVICE_CONTROL takes in and gives out, each. */
#define VMBS_DEVICE_CONTROL_MAX		65536

/**
 * struct vmbs_device_control - for VMBS_DEVICE_CONTROL
 * @interface_instance: the device's instance GUID
 * @op: the operation, a code of the device's class (see the class's
 *	header and Documentation/vmbus_server/devices.rst)
 * @flags: zero
 * @in_size: bytes at @in, at most VMBS_DEVICE_CONTROL_MAX
 * @out_size: in, room at @out, at most VMBS_DEVICE_CONTROL_MAX; out, the
 *	bytes the operation wrote there
 * @in: user address of the operation's input
 * @out: user address of room for its output
 *
 * Fails with ENOENT for an unknown instance, EBUSY while the device is
 * being added or removed, EOPNOTSUPP for a class without operations or an
 * @op its class does not know, and with the operation's own error.
 * Controls run outside the VM's other ioctls and may run at once.
 */
struct vmbs_device_control {
	__u8 interface_instance[16];
	__u32 op;
	__u32 flags;
	__u32 in_size;
	__u32 out_size;
	__u64 in;
	__u64 out;
};

#define VMBS_IOCTL_MAGIC		0xBB

/* Returns VMBS_API_VERSION. */
#define VMBS_GET_API_VERSION	_IO(VMBS_IOCTL_MAGIC, 0x00)
/* The VMBS_F_* bits this module offers. */
#define VMBS_GET_FEATURES	_IOR(VMBS_IOCTL_MAGIC, 0x01, __u64)
#define VMBS_SET_MEM_TABLE	_IOW(VMBS_IOCTL_MAGIC, 0x02, struct vmbs_mem_table)
#define VMBS_SET_SYNIC		_IOW(VMBS_IOCTL_MAGIC, 0x03, struct vmbs_synic)
#define VMBS_SET_KICK		_IOW(VMBS_IOCTL_MAGIC, 0x04, struct vmbs_kick)
#define VMBS_ADD_DEVICE		_IOW(VMBS_IOCTL_MAGIC, 0x05, struct vmbs_device)
#define VMBS_REMOVE_DEVICE	_IOW(VMBS_IOCTL_MAGIC, 0x06, struct vmbs_device)
#define VMBS_LIST_DEVICES	_IOWR(VMBS_IOCTL_MAGIC, 0x07, struct vmbs_device_list)
/*
 * The guest was reset (rebooted): every channel closes, devices stay, host
 * messages not read yet are dropped.  Call it with the vCPUs stopped.
 */
#define VMBS_RESET		_IO(VMBS_IOCTL_MAGIC, 0x08)
#define VMBS_DEVICE_CONTROL	_IOWR(VMBS_IOCTL_MAGIC, 0x09, struct vmbs_device_control)

#endif /* _UAPI_LINUX_VMBUS_SERVER_H */
