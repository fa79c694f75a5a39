/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device registry (registry.c), as the char device sees it.
 */
#ifndef _VMBUS_SERVER_REGISTRY_H
#define _VMBUS_SERVER_REGISTRY_H

#include <linux/types.h>

struct vmb_server;
struct vmbs_device_info;

unsigned int vmb_device_list(struct vmb_server *server,
			     struct vmbs_device_info *info, unsigned int max);

#endif /* _VMBUS_SERVER_REGISTRY_H */
