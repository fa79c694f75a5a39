/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/vmbus_server (cdev.c): registered by the module's init.
 */
#ifndef _VMBUS_SERVER_CDEV_H
#define _VMBUS_SERVER_CDEV_H

int vmb_cdev_init(void);
void vmb_cdev_exit(void);

#endif /* _VMBUS_SERVER_CDEV_H */
