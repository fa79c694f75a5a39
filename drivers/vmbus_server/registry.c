// SPDX-License-Identifier: GPL-2.0
/*
 * The device registry: device modules register a class per interface type,
 * and a server's owner (the VMM's char device, a test transport) adds
 * devices of a class to its server by type, instance and parameters.
 *
 * A device is listed on its server from the moment its add starts to the
 * moment its remove ends, so a second add of the same instance, or a remove
 * of one being added, is refused rather than raced.  Probe and remove run
 * with no lock held: they create, enable, disable and free channels, which
 * may wait for callbacks.  While a server has a device of a class, the
 * class's module is held.
 *
 * Locking: vmb_registry_lock protects the class list, every server's
 * device list and each device's state, for short sections that call out
 * to nothing; inside it only server->lock is taken (vmb_device_list()).
 */

#include <kunit/visibility.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>
#include <uapi/linux/vmbus_server.h>

#include "channel.h"
#include "core.h"
#include "registry.h"

struct vmb_server_device {
	struct list_head node;		/* [registry] on server->devices */
	struct vmb_server *server;
	struct vmb_server_device_class *cls;
	guid_t instance;
	u32 state;			/* [registry] VMBS_DEVICE_* */
	unsigned int controls;		/* [registry] controls running */
	void *drvdata;
	size_t params_len;
	u8 params[];
};

static DEFINE_MUTEX(vmb_registry_lock);
static LIST_HEAD(vmb_classes);		/* [registry] */

static struct vmb_server_device_class *vmb_class_find(const guid_t *type)
{
	struct vmb_server_device_class *cls;

	lockdep_assert_held(&vmb_registry_lock);
	list_for_each_entry(cls, &vmb_classes, node)
		if (guid_equal(&cls->type, type))
			return cls;
	return NULL;
}

/**
 * vmb_server_device_class_register() - serve a kind of device
 * @cls: the class: @name, @type, @owner and @probe set, @remove too
 *
 * From now on vmb_server_device_add() with @cls->type probes @cls.
 *
 * Context: process context (module init).
 * Return: 0; -EINVAL for a class without name, owner or callbacks, or a
 * name too long for a device list; -EEXIST when a class already serves
 * the type.
 */
int vmb_server_device_class_register(struct vmb_server_device_class *cls)
{
	int ret = 0;

	if (!cls || !cls->name || !cls->probe || !cls->remove ||
	    strlen(cls->name) >= sizeof_field(struct vmbs_device_info,
					      class_name))
		return -EINVAL;
	mutex_lock(&vmb_registry_lock);
	if (vmb_class_find(&cls->type)) {
		ret = -EEXIST;
	} else {
		cls->devices = 0;
		list_add_tail(&cls->node, &vmb_classes);
	}
	mutex_unlock(&vmb_registry_lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_class_register, VMBUS_SERVER);

/**
 * vmb_server_device_class_unregister() - serve a kind of device no more
 * @cls: a registered class with no device: its module's exit, which no
 *	server's device can overlap since each holds the module
 *
 * Context: process context (module exit).
 */
void vmb_server_device_class_unregister(struct vmb_server_device_class *cls)
{
	mutex_lock(&vmb_registry_lock);
	/* A built-in class cannot be held by its module: a caller bug. */
	WARN_ON(cls->devices);
	list_del(&cls->node);
	mutex_unlock(&vmb_registry_lock);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_class_unregister, VMBUS_SERVER);

static struct vmb_server_device *vmb_device_find(struct vmb_server *server,
						 const guid_t *instance)
{
	struct vmb_server_device *device;

	lockdep_assert_held(&vmb_registry_lock);
	list_for_each_entry(device, &server->devices, node)
		if (guid_equal(&device->instance, instance))
			return device;
	return NULL;
}

/* Unlist, and let the class's module go. */
static void vmb_device_free(struct vmb_server_device *device)
{
	struct vmb_server_device_class *cls = device->cls;

	mutex_lock(&vmb_registry_lock);
	list_del(&device->node);
	device->server->nr_devices--;
	cls->devices--;
	mutex_unlock(&vmb_registry_lock);
	module_put(cls->owner);
	kfree(device);
}

/**
 * vmb_server_device_add() - add a device of a registered class to a server
 * @server: the server
 * @type: the class's interface type
 * @instance: the device's instance GUID, unique on @server
 * @params: parameters for the class's probe, copied
 * @len: their length, at most %VMB_SERVER_DEVICE_PARAMS_MAX
 *
 * Context: process context; may sleep (the class's probe runs).
 * Return: 0; -EINVAL for a %NULL argument or @len too long; -ENODEV when
 * no class serves @type (or its module is going away); -EEXIST when
 * @server has a device with @instance; -ENOSPC beyond
 * %VMB_SERVER_MAX_DEVICES; -ENOMEM; or the probe's error.
 */
int vmb_server_device_add(struct vmb_server *server, const guid_t *type,
			  const guid_t *instance, const void *params,
			  size_t len)
{
	struct vmb_server_device_class *cls;
	struct vmb_server_device *device;
	int ret = 0;

	might_sleep();
	if (!server || !type || !instance || (len && !params) ||
	    len > VMB_SERVER_DEVICE_PARAMS_MAX)
		return -EINVAL;
	device = kzalloc(struct_size(device, params, len), GFP_KERNEL);
	if (!device)
		return -ENOMEM;
	device->server = server;
	device->instance = *instance;
	device->state = VMBS_DEVICE_PROBING;
	device->params_len = len;
	if (len)
		memcpy(device->params, params, len);

	mutex_lock(&vmb_registry_lock);
	cls = vmb_class_find(type);
	if (!cls || !try_module_get(cls->owner))
		ret = -ENODEV;
	else if (vmb_device_find(server, instance))
		ret = -EEXIST;
	else if (server->nr_devices >= VMB_SERVER_MAX_DEVICES)
		ret = -ENOSPC;
	if (ret) {
		mutex_unlock(&vmb_registry_lock);
		if (cls && ret != -ENODEV)
			module_put(cls->owner);
		kfree(device);
		return ret;
	}
	device->cls = cls;
	cls->devices++;
	server->nr_devices++;
	list_add_tail(&device->node, &server->devices);
	mutex_unlock(&vmb_registry_lock);

	ret = cls->probe(device);
	if (ret) {
		vmb_device_free(device);
		return ret;
	}
	mutex_lock(&vmb_registry_lock);
	device->state = VMBS_DEVICE_ACTIVE;
	mutex_unlock(&vmb_registry_lock);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_add, VMBUS_SERVER);

/*
 * The one end of a device, marked VMBS_DEVICE_REMOVING so that no control
 * starts: the controls that run end, its class's remove runs, it goes.
 * The count only falls now; the wait's condition must not sleep, so it
 * reads the count without the registry's mutex.
 */
static void vmb_device_remove(struct vmb_server_device *device)
{
	wait_var_event(&device->controls, !READ_ONCE(device->controls));
	device->cls->remove(device);
	vmb_device_free(device);
}

/**
 * vmb_server_device_remove() - remove a device from its server
 * @server: the server
 * @instance: the device's instance GUID
 *
 * The class's remove disables and frees the device's channels: an open
 * channel is closed for its back-end, and the guest gets a rescind.
 * Nothing waits for the guest.
 *
 * Context: process context; may sleep (the class's remove runs).
 * Return: 0; -EINVAL for a %NULL argument; -ENOENT when @server has no
 * device with @instance; -EBUSY while it is being added or removed.
 */
int vmb_server_device_remove(struct vmb_server *server, const guid_t *instance)
{
	struct vmb_server_device *device;
	int ret = 0;

	might_sleep();
	if (!server || !instance)
		return -EINVAL;
	mutex_lock(&vmb_registry_lock);
	device = vmb_device_find(server, instance);
	if (!device)
		ret = -ENOENT;
	else if (device->state != VMBS_DEVICE_ACTIVE)
		ret = -EBUSY;
	else
		device->state = VMBS_DEVICE_REMOVING;
	mutex_unlock(&vmb_registry_lock);
	if (!ret)
		vmb_device_remove(device);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_remove, VMBUS_SERVER);

/**
 * vmb_server_device_remove_all() - remove every device of a server
 * @server: the server, about to be destroyed; no add or remove of its
 *	devices may run at the same time
 *
 * Newest first, the reverse of their adds.
 *
 * Context: process context; may sleep.
 */
void vmb_server_device_remove_all(struct vmb_server *server)
{
	struct vmb_server_device *device;

	might_sleep();
	for (;;) {
		mutex_lock(&vmb_registry_lock);
		device = NULL;
		if (!list_empty(&server->devices)) {
			device = list_last_entry(&server->devices,
						 struct vmb_server_device,
						 node);
			device->state = VMBS_DEVICE_REMOVING;
		}
		mutex_unlock(&vmb_registry_lock);
		if (!device)
			return;
		vmb_device_remove(device);
	}
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_remove_all, VMBUS_SERVER);

/**
 * vmb_server_device_control() - run a device class's control operation
 * @server: the server
 * @instance: the device's instance GUID
 * @op: the class's operation code
 * @in: @in_len bytes for the operation (%NULL when @in_len is 0)
 * @in_len: at most %VMB_SERVER_DEVICE_CONTROL_MAX
 * @out: room for *@out_len bytes of the answer
 * @out_len: in, the room, at most %VMB_SERVER_DEVICE_CONTROL_MAX; out, the
 *	bytes written
 *
 * This is how the owner of a server (the VMM through its char device, a
 * test transport) reaches a device: inject a key, read a guest's
 * heartbeat, capture a screen.  The device stays until the control ends;
 * its removal waits for that.
 *
 * Context: process context; may sleep (the class's control runs).
 * Return: 0; -EINVAL for a %NULL argument or a length too long; -ENOENT
 * when @server has no device with @instance; -EBUSY while it is being
 * added or removed; -EOPNOTSUPP when its class has no control; or the
 * control's error.
 */
int vmb_server_device_control(struct vmb_server *server,
			      const guid_t *instance, u32 op, const void *in,
			      size_t in_len, void *out, size_t *out_len)
{
	struct vmb_server_device *device;
	size_t room;
	int ret = 0;

	might_sleep();
	if (!server || !instance || !out_len || (in_len && !in) ||
	    (*out_len && !out) || in_len > VMB_SERVER_DEVICE_CONTROL_MAX ||
	    *out_len > VMB_SERVER_DEVICE_CONTROL_MAX)
		return -EINVAL;
	mutex_lock(&vmb_registry_lock);
	device = vmb_device_find(server, instance);
	if (!device)
		ret = -ENOENT;
	else if (device->state != VMBS_DEVICE_ACTIVE)
		ret = -EBUSY;
	else if (!device->cls->control)
		ret = -EOPNOTSUPP;
	else
		device->controls++;
	mutex_unlock(&vmb_registry_lock);
	if (ret)
		return ret;

	room = *out_len;
	ret = device->cls->control(device, op, in, in_len, out, out_len);
	/* A class that wrote beyond the room is broken, not the caller. */
	if (WARN_ON_ONCE(!ret && *out_len > room))
		ret = -EIO;

	/* The waiter may free @device once it reads 0: nothing after. */
	mutex_lock(&vmb_registry_lock);
	WRITE_ONCE(device->controls, device->controls - 1);
	/* Orders the store before wake_up_var()'s look for waiters. */
	smp_mb();
	wake_up_var(&device->controls);
	mutex_unlock(&vmb_registry_lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_control, VMBUS_SERVER);

/* The channel of @server offered with @instance, the device's own. */
static void vmb_device_channel_info(struct vmb_server *server,
				    const guid_t *instance,
				    struct vmbs_device_info *info)
{
	struct vmb_channel *channel = vmb_channel_by_instance(server, instance);

	if (!channel)
		return;
	info->child_relid = channel->child_relid;
	info->mmio_megabytes = channel->mmio_megabytes;
	info->mmio_megabytes_optional = channel->mmio_megabytes_optional;
	if (channel->state != VMB_CHANNEL_ENABLED)
		info->channel_state = VMBS_CHANNEL_RESCINDED;
	else if (channel->guest_open == VMB_GUEST_OPEN)
		info->channel_state = VMBS_CHANNEL_OPEN;
	else
		info->channel_state = VMBS_CHANNEL_OFFERED;
}

/**
 * vmb_device_list() - describe a server's devices
 * @server: the server
 * @info: room for @max entries
 * @max: how many
 *
 * Return: how many devices @server has; the first @max are in @info.
 */
unsigned int vmb_device_list(struct vmb_server *server,
			     struct vmbs_device_info *info, unsigned int max)
{
	struct vmb_server_device *device;
	unsigned int n = 0;

	mutex_lock(&vmb_registry_lock);
	mutex_lock(&server->lock);
	list_for_each_entry(device, &server->devices, node) {
		if (n < max) {
			memset(&info[n], 0, sizeof(info[n]));
			export_guid(info[n].interface_type, &device->cls->type);
			export_guid(info[n].interface_instance,
				    &device->instance);
			info[n].state = device->state;
			strscpy(info[n].class_name, device->cls->name,
				sizeof(info[n].class_name));
			vmb_device_channel_info(server, &device->instance,
						&info[n]);
		}
		n++;
	}
	mutex_unlock(&server->lock);
	mutex_unlock(&vmb_registry_lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(vmb_device_list);

/**
 * vmb_server_device_server() - the server a device was added to
 * @device: the device
 *
 * Return: its server.
 */
struct vmb_server *vmb_server_device_server(const struct vmb_server_device *device)
{
	return device->server;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_server, VMBUS_SERVER);

/**
 * vmb_server_device_type() - the interface type a device was added with
 * @device: the device
 *
 * Return: its class's type; a module that serves several classes with one
 * probe tells them apart by it.
 */
const guid_t *vmb_server_device_type(const struct vmb_server_device *device)
{
	return &device->cls->type;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_type, VMBUS_SERVER);

/**
 * vmb_server_device_instance() - a device's instance GUID
 * @device: the device
 *
 * Return: the GUID it was added with; offer its channels with it.
 */
const guid_t *vmb_server_device_instance(const struct vmb_server_device *device)
{
	return &device->instance;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_instance, VMBUS_SERVER);

/**
 * vmb_server_device_params() - the parameters a device was added with
 * @device: the device
 * @len: set to their length (0: none were given)
 *
 * The bytes come from the VMM: check them as carefully as guest data.
 *
 * Return: the parameters, valid until the device is removed.
 */
const void *vmb_server_device_params(const struct vmb_server_device *device,
				     size_t *len)
{
	*len = device->params_len;
	return device->params;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_params, VMBUS_SERVER);

/**
 * vmb_server_device_set_drvdata() - keep the class's state with a device
 * @device: the device
 * @data: the class's pointer
 */
void vmb_server_device_set_drvdata(struct vmb_server_device *device,
				   void *data)
{
	device->drvdata = data;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_set_drvdata, VMBUS_SERVER);

/**
 * vmb_server_device_get_drvdata() - the class's state of a device
 * @device: the device
 *
 * Return: what vmb_server_device_set_drvdata() stored, or %NULL.
 */
void *vmb_server_device_get_drvdata(const struct vmb_server_device *device)
{
	return device->drvdata;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_device_get_drvdata, VMBUS_SERVER);
