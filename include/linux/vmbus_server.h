/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side VMBus server channels: the API that device back-ends (VSPs) call,
 * modelled on the Windows kernel-mode client library's server channel API.
 *
 * A channel is allocated, configured with the init setters, bound to a server
 * (one server per VM), then enabled: the guest receives an offer for it.  The
 * calls on one channel are serialized by its owner, as with KMCL.  Each
 * channel's callbacks run one at a time in a work item of its own, with no
 * lock of the server held, so a callback may call back into the server and
 * a slow callback holds up only its own channel.  Nothing here waits for
 * the guest.
 *
 * Every exported symbol lives in the VMBUS_SERVER symbol namespace: users say
 * MODULE_IMPORT_NS(VMBUS_SERVER).
 */
#ifndef _LINUX_VMBUS_SERVER_H
#define _LINUX_VMBUS_SERVER_H

#include <linux/align.h>
#include <linux/types.h>
#include <linux/uuid.h>

struct file;
struct module;
struct page;
struct vmb_channel;
struct vmb_server;
struct vmb_server_device;

/* Server init flags (KMCL API values, not wire bits). */
#define VMB_SERVER_CHANNEL_INIT_FLAG_LOOPBACK_OFFER		0x01
#define VMB_SERVER_CHANNEL_INIT_FLAG_ENUMERATE_DEVICE_INTERFACE	0x02
#define VMB_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE		0x04
#define VMB_SERVER_CHANNEL_INIT_FLAG_FORCE_NEW_CHANNEL		0x08
#define VMB_SERVER_CHANNEL_INIT_FLAG_TLNPI_PROVIDER_OFFER	0x10
#define VMB_SERVER_CHANNEL_INIT_FLAGS_ALL			0x1f

/* Pipe modes of a channel offered as a pipe. */
enum vmb_server_pipe_mode {
	VMB_SERVER_PIPE_MODE_BYTE	= 0,
	VMB_SERVER_PIPE_MODE_MESSAGE	= 4,
};

/*
 * Bounds of the maximum packet size: len8 is a 16-bit count of 8 bytes.
 * A packet's size is all of it as it sits in the ring: its descriptor,
 * its payload and the padding to 8 bytes.
 */
#define VMB_SERVER_MAX_PACKET_SIZE_LIMIT	(U16_MAX * 8)
#define VMB_SERVER_DEFAULT_MAX_PACKET_SIZE	4096
/* The size of an in-band packet with @len bytes of payload. */
#define VMB_SERVER_INBAND_PACKET_SIZE(len)	(16 + ALIGN((len), 8))
#define VMB_SERVER_CHANNEL_NAME_MAX		64

/* Length of a complete OFFERCHANNEL message. */
#define VMB_SERVER_OFFER_SIZE			196

/**
 * struct vmb_server_channel_callbacks - KMCL server channel state callbacks
 * @opened: the guest opened the channel.  Return 0 to accept or a negative
 *	errno to refuse the open; the guest then sees a failed open.
 * @closed: the guest closed the channel or went away.  Release here whatever
 *	was mapped for the open.
 * @suspend: incoming packets stop; no packet is outstanding afterwards.
 * @started: the channel runs; packets may be queued to the guest.
 * @post_started: the incoming queue runs; synchronous requests may be made.
 *
 * An open channel that is running is active: it got @opened, @started and
 * @post_started in that order.  Leaving the active state (pause, close,
 * disable, guest unload or reset, server destroy) runs @suspend first; a
 * close then runs @closed.
 *
 * Every callback is optional.  The callbacks of one channel run one at a
 * time, in order, in process context (a work item of the channel's own),
 * with no lock of the server held: they may sleep, and may call every
 * vmb_server_* function except vmb_server_channel_disable() and
 * vmb_server_channel_free() of their own channel (those wait for the
 * callbacks to end; called from one, they warn and do nothing),
 * vmb_server_destroy() and vmb_server_reset().  A start or pause from a
 * callback takes effect after it returns.
 */
struct vmb_server_channel_callbacks {
	int (*opened)(struct vmb_channel *channel);
	void (*closed)(struct vmb_channel *channel);
	void (*suspend)(struct vmb_channel *channel);
	void (*started)(struct vmb_channel *channel);
	void (*post_started)(struct vmb_channel *channel);
};

/**
 * struct vmb_server_transport_ops - how a server reaches its guest
 * @post_message: send one host-to-guest channel message (8-byte header
 *	included, at most 240 bytes) to the message slot of SINT @sint on
 *	virtual processor @target_vp, as the guest's INITIATE_CONTACT named
 *	them.  Returns 0, or -EAGAIN when the slot is busy: the server then
 *	keeps the message, in order, and retries after
 *	vmb_server_transport_ready().  Any other error also keeps the
 *	message at the head of the queue; it is retried on the next
 *	delivery or transport_ready, and the caller of the delivery sees
 *	the error.  Called with no lock of the server held, one call at a
 *	time per server: it may call back into the server.
 * @signal_guest: raise a channel's event in the guest (set the event flag of
 *	@child_relid, kick the SINT of @target_vp).
 * @pin_guest_pages: pin guest frames (4 KiB GPA frame numbers) for a GPADL
 *	and return their pages; 0 or a negative errno.
 * @unpin_guest_pages: release what @pin_guest_pages returned.
 */
struct vmb_server_transport_ops {
	int (*post_message)(struct vmb_server *server, u32 target_vp, u8 sint,
			    const void *msg, size_t len);
	void (*signal_guest)(struct vmb_server *server, u32 child_relid,
			     u32 target_vp);
	int (*pin_guest_pages)(struct vmb_server *server, const u64 *gpfns,
			       unsigned int count, bool write,
			       struct page **pages);
	void (*unpin_guest_pages)(struct vmb_server *server,
				  struct page **pages, unsigned int count);
};

struct vmb_server_packet;

/**
 * typedef vmb_server_completion_fn - the end of a send that asked for a completion
 * @channel: the channel it was sent on
 * @context: what the sender passed
 * @status: 0 when the guest completed it; -ECONNRESET when the channel
 *	closed (or its data path failed) first
 * @data: the guest's completion payload, a copy out of the ring, valid
 *	during the call; %NULL unless @status is 0
 * @len: its length
 *
 * Called exactly once per such send that returned 0: in the channel's data
 * work (process context, no lock held) for a completion, in its state work
 * for a close.  It may send.
 */
typedef void (*vmb_server_completion_fn)(struct vmb_channel *channel,
					 void *context, int status,
					 const void *data, u32 len);

/**
 * struct vmb_server_packet_callbacks - KMCL packet callbacks
 * @process_packet: a packet from the guest.  @data is its payload without
 *	the VMBus descriptor (after the GPA ranges of a GPA-direct packet):
 *	a copy the host took out of the guest's ring, which the guest cannot
 *	change, so what you validate stays valid (the external data of a
 *	GPA-direct packet is guest memory, mapped: the guest can write it).
 *	Every packet must be given back with vmb_server_packet_complete() or
 *	vmb_server_packet_fail(), now or later from any context, at the
 *	latest in the suspend callback; @data stays valid until then.  A
 *	channel holds at most 64 packets (completed ones whose completion
 *	waits for room in the guest's ring included); while it holds that
 *	many, no more are taken from the guest.
 * @processing_complete: a run of the data work handed over @count packets
 *	and has no more for now (KMCL: processing complete).
 *
 * Both run in the channel's data work: one at a time, in process context,
 * with no lock held, never before the started callback returned and never
 * after suspend was called.  They run concurrently with the state
 * callbacks of post_started (so that it may wait for a synchronous
 * request); they may call every function a state callback may.
 */
struct vmb_server_packet_callbacks {
	void (*process_packet)(struct vmb_channel *channel,
			       struct vmb_server_packet *packet,
			       const void *data, u32 len);
	void (*processing_complete)(struct vmb_channel *channel,
				    unsigned int count);
};

/**
 * struct vmb_server_range - a piece of guest memory, mapped
 * @addr: where it starts
 * @len: its length in bytes
 */
struct vmb_server_range {
	void *addr;
	u32 len;
};

/**
 * struct vmb_server_mapping - guest memory mapped for a back-end
 * @nr_ranges: how many ranges
 * @ranges: the ranges: one for a GPADL, one per GPA range for a packet's
 *	external data.  The guest can write them at any time.
 */
struct vmb_server_mapping {
	unsigned int nr_ranges;
	const struct vmb_server_range *ranges;
};

/* vmb_server_packet_send(): queue the packet when the ring is full. */
#define VMB_SERVER_SEND_QUEUE		0x1

struct vmb_server *vmb_server_create(const struct vmb_server_transport_ops *ops,
				     void *priv);
void *vmb_server_priv(const struct vmb_server *server);
void vmb_server_destroy(struct vmb_server *server);
int vmb_server_deliver_guest_message(struct vmb_server *server,
				     u32 connection_id, const void *msg,
				     size_t len);
void vmb_server_transport_ready(struct vmb_server *server);
void vmb_server_guest_signal(struct vmb_server *server, u32 connection_id);
int vmb_server_set_kick_file(struct vmb_server *server, u32 connection_id,
			     struct file *file);
int vmb_server_reset(struct vmb_server *server);

struct vmb_channel *vmb_server_channel_alloc(void);
void vmb_server_channel_free(struct vmb_channel *channel);
int vmb_server_channel_init_set_server(struct vmb_channel *channel,
				       struct vmb_server *server);
int vmb_server_channel_init_set_interface(struct vmb_channel *channel,
					  const guid_t *type,
					  const guid_t *instance);
int vmb_server_channel_init_set_mmio_megabytes(struct vmb_channel *channel,
					       u16 mmio_megabytes,
					       u16 mmio_megabytes_optional);
int vmb_server_channel_init_set_flags(struct vmb_channel *channel, u32 flags);
int vmb_server_channel_init_set_pipe_mode(struct vmb_channel *channel,
					  enum vmb_server_pipe_mode mode);
int vmb_server_channel_init_set_user_data(struct vmb_channel *channel,
					  const void *data, size_t len);
int vmb_server_channel_init_set_max_packet_size(struct vmb_channel *channel,
						u32 size);
int vmb_server_channel_init_set_name(struct vmb_channel *channel,
				     const char *name);
int vmb_server_channel_init_set_callbacks(struct vmb_channel *channel,
					  const struct vmb_server_channel_callbacks *cb,
					  void *context);
int vmb_server_channel_init_set_packet_callbacks(struct vmb_channel *channel,
						 const struct vmb_server_packet_callbacks *cb);
void *vmb_server_channel_context(const struct vmb_channel *channel);
int vmb_server_channel_enable(struct vmb_channel *channel);
void vmb_server_channel_disable(struct vmb_channel *channel);
int vmb_server_channel_start(struct vmb_channel *channel);
int vmb_server_channel_pause(struct vmb_channel *channel);
u32 vmb_server_channel_relid(const struct vmb_channel *channel);
u32 vmb_server_channel_connection_id(const struct vmb_channel *channel);
ssize_t vmb_server_channel_build_offer(const struct vmb_channel *channel,
				       u32 version, void *buf, size_t size);

int vmb_server_packet_send(struct vmb_channel *channel, const void *data,
			   u32 len, u32 flags, vmb_server_completion_fn done,
			   void *context);
int vmb_server_channel_send_sync(struct vmb_channel *channel,
				 const void *data, u32 len, void *resp,
				 u32 *resp_len, unsigned long timeout);
int vmb_server_packet_complete(struct vmb_server_packet *packet,
			       const void *data, u32 len);
void vmb_server_packet_fail(struct vmb_server_packet *packet);
int vmb_server_channel_map_gpadl(struct vmb_channel *channel, u32 gpadl_id,
				 struct vmb_server_mapping **map);
int vmb_server_channel_map_gpa(struct vmb_channel *channel, u64 gpa, u32 len,
			       struct vmb_server_mapping **map);
int vmb_server_packet_map_external(struct vmb_server_packet *packet,
				   struct vmb_server_mapping **map);
void vmb_server_unmap(struct vmb_server_mapping *map);

/* Bytes of parameters a device may be added with. */
#define VMB_SERVER_DEVICE_PARAMS_MAX		256
/* Devices one server may have: each needs a relid at least. */
#define VMB_SERVER_MAX_DEVICES			2047
/*
 * Bytes a device control takes in and gives out, each: a screen's
 * capture comes in pieces of this size, not in one allocation of its
 * whole size.
 */
#define VMB_SERVER_DEVICE_CONTROL_MAX		65536

/**
 * struct vmb_server_device_class - a kind of device a module serves
 * @name: for logs and device lists, at most 31 characters
 * @type: the interface type GUID its channels are offered with; one class
 *	per type
 * @owner: THIS_MODULE: held while a server has a device of the class
 * @probe: a device of the class is added to a server: read its parameters
 *	(vmb_server_device_params()), create and enable its channels.
 *	Return 0, or a negative errno to refuse it (-EINVAL for parameters
 *	it does not take).
 * @remove: the device goes: disable and free its channels, release
 *	everything probe took.  Not called for a device whose probe failed.
 * @control: optional: an operation of the server's owner on the device
 *	(vmb_server_device_control()): @op is the class's own code, @in
 *	the @in_len bytes the owner gave (from user space for a VMM: check
 *	them), @out room for *@out_len bytes; set *@out_len to the bytes
 *	written.  Return 0, -EOPNOTSUPP for an @op the class does not know,
 *	or another negative errno.  It must not wait for the guest without
 *	a bound: ask the guest, return, and report its answer on a later
 *	call.
 *
 * All three run in process context with no lock of the server or the
 * registry held, and may sleep.  Probe and remove never run twice at once
 * for one device; controls run only between the end of the device's probe
 * and the start of its remove, and may run at the same time as each
 * other.  The owner of a server (its transport) adds and removes devices,
 * and removes them all before it destroys the server.
 */
struct vmb_server_device_class {
	const char *name;
	guid_t type;
	struct module *owner;
	int (*probe)(struct vmb_server_device *device);
	void (*remove)(struct vmb_server_device *device);
	int (*control)(struct vmb_server_device *device, u32 op,
		       const void *in, size_t in_len, void *out,
		       size_t *out_len);
	/* private: the registry's */
	struct list_head node;
	unsigned int devices;
};

int vmb_server_device_class_register(struct vmb_server_device_class *cls);
void vmb_server_device_class_unregister(struct vmb_server_device_class *cls);
int vmb_server_device_add(struct vmb_server *server, const guid_t *type,
			  const guid_t *instance, const void *params,
			  size_t len);
int vmb_server_device_remove(struct vmb_server *server,
			     const guid_t *instance);
void vmb_server_device_remove_all(struct vmb_server *server);
int vmb_server_device_control(struct vmb_server *server,
			      const guid_t *instance, u32 op, const void *in,
			      size_t in_len, void *out, size_t *out_len);
struct vmb_server *vmb_server_device_server(const struct vmb_server_device *device);
const guid_t *vmb_server_device_type(const struct vmb_server_device *device);
const guid_t *vmb_server_device_instance(const struct vmb_server_device *device);
const void *vmb_server_device_params(const struct vmb_server_device *device,
				     size_t *len);
void vmb_server_device_set_drvdata(struct vmb_server_device *device,
				   void *data);
void *vmb_server_device_get_drvdata(const struct vmb_server_device *device);

#endif /* _LINUX_VMBUS_SERVER_H */
