/* SPDX-License-Identifier: GPL-2.0 */
/* Kick files: guest signals through eventfds (kick.c). */
#ifndef _VMBUS_SERVER_KICK_H
#define _VMBUS_SERVER_KICK_H

struct vmb_server;

void vmb_kick_remove_all(struct vmb_server *server);

#endif /* _VMBUS_SERVER_KICK_H */
