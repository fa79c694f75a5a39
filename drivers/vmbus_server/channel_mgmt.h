/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dispatcher (channel_mgmt.c): every guest message is checked here
 * before a handler sees it; and the end of a connection.
 */
#ifndef _VMBUS_SERVER_CHANNEL_MGMT_H
#define _VMBUS_SERVER_CHANNEL_MGMT_H

#include "core.h"

int vmb_dispatch(struct vmb_server *server, u32 connection_id,
		 const void *msg, size_t len);
void vmb_reset_connection(struct vmb_server *server);

#endif /* _VMBUS_SERVER_CHANNEL_MGMT_H */
