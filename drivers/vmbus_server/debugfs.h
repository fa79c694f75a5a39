/* SPDX-License-Identifier: GPL-2.0 */
/* /sys/kernel/debug/vmbus_server (debugfs.c). */
#ifndef _VMBUS_SERVER_DEBUGFS_H
#define _VMBUS_SERVER_DEBUGFS_H

struct vmb_server;

void vmb_debugfs_init(void);
void vmb_debugfs_exit(void);
void vmb_debugfs_server_add(struct vmb_server *server);
void vmb_debugfs_server_remove(struct vmb_server *server);

#endif /* _VMBUS_SERVER_DEBUGFS_H */
