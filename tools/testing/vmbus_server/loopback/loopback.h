/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the loopback transport offers other test modules.
 */
#ifndef _VMBUS_SERVER_LOOPBACK_H
#define _VMBUS_SERVER_LOOPBACK_H

struct vmb_server;

struct vmb_server *vmbus_server_loopback_server(void);

#endif /* _VMBUS_SERVER_LOOPBACK_H */
