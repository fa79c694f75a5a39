/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the loopback transport offers other test modules.
 */
#ifndef _VMBUS_SERVER_LOOPBACK_H
#define _VMBUS_SERVER_LOOPBACK_H

#include <linux/types.h>
#include <linux/uuid.h>

struct vmb_channel;
struct vmb_server_channel_callbacks;
struct vmb_server_packet_callbacks;

/* A test back-end's channel: its identity and callbacks. */
struct vmbus_server_loopback_dev {
	const char *name;
	guid_t type;
	guid_t instance;
	const struct vmb_server_channel_callbacks *callbacks;
	const struct vmb_server_packet_callbacks *packet_callbacks;
	u32 max_packet_size;	/* 0: the default */
};

struct vmb_channel *
vmbus_server_loopback_add(const struct vmbus_server_loopback_dev *dev);

#endif /* _VMBUS_SERVER_LOOPBACK_H */
