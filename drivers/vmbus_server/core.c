// SPDX-License-Identifier: GPL-2.0
/*
 * The ground of the server (core.h): a server's memory, its id and its
 * reference count, its rate-limited log lines, the workqueue channels
 * work on, and the tracepoints.  The lifecycle that fills a server in and
 * tears it down is server.c's.
 */

#include <kunit/visibility.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "core.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* Names servers in logs, debugfs and traces. */
static DEFINE_IDA(vmb_server_ida);

struct workqueue_struct *vmb_wq;
/* The KUnit suites wait for the channels' works (sim_settle()). */
EXPORT_SYMBOL_IF_KUNIT(vmb_wq);

/*
 * A server with its id, its creator's reference and every list, table and
 * queue empty: disconnected, no channel, no guest state.
 */
struct vmb_server *vmb_srv_alloc(void)
{
	struct vmb_server *server;
	int id;

	server = kzalloc(sizeof(*server), GFP_KERNEL);
	if (!server)
		return ERR_PTR(-ENOMEM);
	id = ida_alloc(&vmb_server_ida, GFP_KERNEL);
	if (id < 0) {
		kfree(server);
		return ERR_PTR(id);
	}
	server->id = id;
	kref_init(&server->ref);
	/* Per server, so that one noisy guest does not silence the others. */
	ratelimit_state_init(&server->log_rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	mutex_init(&server->lock);
	xa_init_flags(&server->relids, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&server->channels);
	INIT_LIST_HEAD(&server->devices);
	hash_init(server->instances);
	init_waitqueue_head(&server->quiesce_wq);
	xa_init(&server->gpadls);
	xa_init(&server->kicks);
	INIT_LIST_HEAD(&server->outq);
	init_waitqueue_head(&server->tx_wq);
	server->msg_sint = VMB_DEFAULT_MESSAGE_SINT;
	return server;
}

void vmb_srv_get(struct vmb_server *server)
{
	kref_get(&server->ref);
}

static void vmb_srv_release(struct kref *ref)
{
	struct vmb_server *server = container_of(ref, struct vmb_server, ref);

	/* Only now may a new server take the id (and debugfs name). */
	ida_free(&vmb_server_ida, server->id);
	mutex_destroy(&server->lock);
	kfree(server);
}

void vmb_srv_put(struct vmb_server *server)
{
	kref_put(&server->ref, vmb_srv_release);
}

/**
 * vmb_log() - log a line that names the server, rate-limited per server
 * @server: the server
 * @warn: a warning, else information
 * @fmt: printf format
 *
 * Per server, so that one noisy guest does not silence the others.
 */
void vmb_log(struct vmb_server *server, bool warn, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!__ratelimit(&server->log_rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (warn)
		pr_warn("vmbus_server %u: %pV", server->id, &vaf);
	else
		pr_info("vmbus_server %u: %pV", server->id, &vaf);
	va_end(args);
}
