/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bottom layer of a server (connection.c): the queue of host messages
 * and its sender, pins through the transport, the protocol versions and
 * the counters of rejected guest messages.
 */
#ifndef _VMBUS_SERVER_CONNECTION_H
#define _VMBUS_SERVER_CONNECTION_H

#include "core.h"

struct page;

void vmb_post(struct vmb_server *server, const void *msg, size_t len);
typedef void (*vmb_taken_fn)(struct vmb_server *server, u32 arg);
void vmb_post_then(struct vmb_server *server, const void *msg, size_t len,
		   vmb_taken_fn then, u32 arg);
int vmb_tx(struct vmb_server *server);
int vmb_pin(struct vmb_server *server, const u64 *gpfns, unsigned int count,
	    struct page **pages);
void vmb_unpin(struct vmb_server *server, struct page **pages,
	       unsigned int count);
void vmb_outq_drop(struct vmb_server *server);
int vmb_reject(struct vmb_server *server, enum vmb_reject_reason reason,
	       u32 msgtype, int err);
bool vmb_version_supported(u32 version);
const char *vmb_reject_name(enum vmb_reject_reason reason);

void vmb_reset_reply(struct vmb_server *server, const void *msg, size_t len);
void vmb_quiesce_done(struct vmb_server *server);

#endif /* _VMBUS_SERVER_CONNECTION_H */
