// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-to-host channel-management messages: one table entry per message
 * type says how long the message must be, which connection states accept it
 * and who handles it.  Nothing reaches a handler before type, length, state
 * and connection id were checked.
 */

#include <linux/module.h>
#include <linux/ratelimit.h>

#include "channel.h"
#include "channel_mgmt.h"
#include "connection.h"
#include "gpadl.h"
#include "trace.h"

/**
 * vmb_reset_connection() - the guest's view of the server is gone
 * @server: the server
 *
 * After UNLOAD, a new INITIATE_CONTACT or a VM reset the guest holds
 * nothing: what was queued for it is dropped, GPADLs are forgotten
 * (without GPADL_TORNDOWN), open channels close (in their work), relids
 * waiting for RELID_RELEASED are free again, and every enabled channel
 * will be offered anew.  The relids the guest held are remembered in
 * @server->ended_relids until the next connection.
 */
void vmb_reset_connection(struct vmb_server *server)
{
	struct vmb_channel *channel, *tmp;

	lockdep_assert_held(&server->lock);
	server->conn_epoch++;
	vmb_outq_drop(server);
	server->reset_reply_len = 0;
	/*
	 * GPADLs before channels: a ring let go of from here on, by the
	 * resets below or later by a channel's work, must find its GPADL
	 * orphaned.  Otherwise a teardown the old guest asked for would be
	 * finished with a GPADL_TORNDOWN in the new connection's queue,
	 * where the next guest, which numbers its GPADLs as the last one
	 * did, would take it for the answer to its own.
	 */
	vmb_gpadl_free_all(server);
	list_for_each_entry_safe(channel, tmp, &server->channels, server_node)
		vmb_channel_reset(server, channel);
	server->conn_state = VMB_CONN_DISCONNECTED;
}

static int vmb_on_initiate_contact(struct vmb_server *server,
				   const void *msg, size_t len)
{
	const struct vmb_msg_initiate_contact *ic = msg;
	struct vmb_msg_version_response resp = {
		.header.msgtype = cpu_to_le32(VMB_MSG_VERSION_RESPONSE),
	};
	u32 version = le32_to_cpu(ic->version);
	u32 target_vcpu = le32_to_cpu(ic->target_vcpu);
	bool v5 = version >= VMB_VERSION_WIN10_V5;
	u8 sint = v5 ? ic->msg_sint : VMB_DEFAULT_MESSAGE_SINT;
	u8 vtl = v5 ? ic->msg_vtl : 0;

	/*
	 * Whatever the guest had is gone: it asks again only after a reset
	 * or reload, and holds none of the relids it was offered before.
	 */
	vmb_reset_connection(server);

	/* A refusal goes where the guest can hear it. */
	if (target_vcpu > VMB_MAX_VP_INDEX || sint >= VMB_SINT_COUNT || vtl) {
		server->target_vcpu = 0;
		server->msg_sint = VMB_DEFAULT_MESSAGE_SINT;
		vmb_reset_reply(server, &resp, sizeof(resp));
		return vmb_reject(server, VMB_REJECT_CONTACT_PARAMS,
				  VMB_MSG_INITIATE_CONTACT, -EINVAL);
	}
	server->target_vcpu = target_vcpu;
	server->msg_sint = sint;
	/*
	 * Exact match, one version per INITIATE_CONTACT.  Not 0.13 and 1.1:
	 * their channels signal through a shared interrupt page and one event
	 * connection id, a data path the server does not have; it refuses
	 * them rather than offer channels that could not carry packets.  A
	 * Linux 6.12 guest asks for nothing older than 2.4.
	 */
	if (!vmb_version_supported(version) || version < VMB_VERSION_WIN8) {
		vmb_reset_reply(server, &resp, sizeof(resp));
		return vmb_reject(server, VMB_REJECT_VERSION,
				  VMB_MSG_INITIATE_CONTACT, -EPROTONOSUPPORT);
	}

	bitmap_zero(server->ended_relids, VMB_MAX_RELID + 1);
	server->version = version;
	server->conn_state = VMB_CONN_CONNECTED;

	resp.version_supported = 1;
	/* From 5.0 on the guest posts every later message to the id we
	 * name here; before, the word repeats the version.
	 */
	if (v5)
		resp.msg_conn_id = cpu_to_le32(VMB_MESSAGE_CONNECTION_ID);
	else
		resp.msg_conn_id = cpu_to_le32(version);
	vmb_reset_reply(server, &resp, sizeof(resp));
	return 0;
}

static int vmb_on_request_offers(struct vmb_server *server,
				 const void *msg, size_t len)
{
	struct vmb_msg_header done = {
		.msgtype = cpu_to_le32(VMB_MSG_ALLOFFERS_DELIVERED),
	};
	struct vmb_channel *channel;

	server->conn_state = VMB_CONN_OFFERS_REQUESTED;
	list_for_each_entry(channel, &server->channels, server_node)
		vmb_channel_send_offer(server, channel);
	vmb_post(server, &done, sizeof(done));
	return 0;
}

static int vmb_on_relid_released(struct vmb_server *server,
				 const void *msg, size_t len)
{
	const struct vmb_msg_relid *rel = msg;
	u32 relid = le32_to_cpu(rel->child_relid);
	struct vmb_channel *channel;

	/*
	 * After UNLOAD a Linux guest releases every relid it held; the
	 * reset released them already.  Anything else needs a connection.
	 */
	if (server->conn_state == VMB_CONN_DISCONNECTED) {
		if (relid > VMB_MAX_RELID ||
		    !__test_and_clear_bit(relid, server->ended_relids))
			return vmb_reject(server, VMB_REJECT_STATE,
					  VMB_MSG_RELID_RELEASED, -EPROTO);
		return 0;
	}
	channel = xa_load(&server->relids, relid);
	if (channel && channel->rescind_due) {
		/*
		 * Disabled, but the rescind waits for the channel's work to
		 * be quiet: this release answers nothing the guest saw, it is
		 * the guest's own (Linux gives up an offer it failed to set
		 * up).  No rescind follows it.  The relid stays the channel's
		 * until the work is quiet: it may still answer an open on it,
		 * and that answer must not name a channel offered later.
		 */
		if (channel->released)
			return vmb_reject(server, VMB_REJECT_RELID,
					  VMB_MSG_RELID_RELEASED, -ENOENT);
		server->releases_unprompted++;
		channel->released = true;
		vmb_gpadl_free_relid(server, relid);
		return 0;
	}
	if (channel && channel->release_pending) {
		/* The answer to a rescind: the relid is free again. */
		server->releases_answered++;
		vmb_gpadl_free_relid(server, relid);
		vmb_channel_release_done(server, channel);
		return 0;
	}
	channel = vmb_channel_by_relid(server, relid);
	if (!channel)
		return vmb_reject(server, VMB_REJECT_RELID,
				  VMB_MSG_RELID_RELEASED, -ENOENT);
	/* Unprompted: the guest gave up on the offer. */
	server->releases_unprompted++;
	vmb_channel_guest_release(server, channel);
	vmb_gpadl_free_relid(server, relid);
	return 0;
}

static int vmb_on_unload(struct vmb_server *server, const void *msg,
			 size_t len)
{
	struct vmb_msg_header resp = {
		.msgtype = cpu_to_le32(VMB_MSG_UNLOAD_RESPONSE),
	};

	vmb_reset_connection(server);
	vmb_reset_reply(server, &resp, sizeof(resp));
	return 0;
}

#define VMB_ANY_STATE	(BIT(VMB_CONN_STATE_COUNT) - 1)
#define VMB_CONNECTED	(BIT(VMB_CONN_CONNECTED) | \
			 BIT(VMB_CONN_OFFERS_REQUESTED))

/* Which message connection id a type must arrive on. */
enum vmb_conn_id_rule {
	/* VMB_MESSAGE_CONNECTION_ID, the one VERSION_RESPONSE names. */
	VMB_CONN_ID_MESSAGE,
	/* INITIATE_CONTACT: VMB_MESSAGE_CONNECTION_ID_4 from 5.0 on. */
	VMB_CONN_ID_CONTACT,
};

/*
 * One row per type the guest may send: everything that is checked before
 * the handler runs.  @min_version applies once a version is negotiated.
 */
struct vmb_msg_handler {
	size_t min_len;
	u32 min_version;
	u32 states;		/* BIT(enum vmb_conn_state) that accept it */
	enum vmb_conn_id_rule conn_id;
	int (*handle)(struct vmb_server *server, const void *msg, size_t len);
};

/*
 * Types absent here are either host-to-guest only (refused as such) or not
 * served yet (refused as unsupported).
 */
static const struct vmb_msg_handler vmb_msg_handlers[VMB_MSG_COUNT] = {
	[VMB_MSG_INITIATE_CONTACT] = {
		.min_len = sizeof(struct vmb_msg_initiate_contact),
		.states = VMB_ANY_STATE,
		.conn_id = VMB_CONN_ID_CONTACT,
		.handle = vmb_on_initiate_contact,
	},
	[VMB_MSG_REQUESTOFFERS] = {
		.min_len = sizeof(struct vmb_msg_header),
		.states = BIT(VMB_CONN_CONNECTED),
		.handle = vmb_on_request_offers,
	},
	[VMB_MSG_RELID_RELEASED] = {
		.min_len = sizeof(struct vmb_msg_relid),
		/* Disconnected: only the late releases after UNLOAD. */
		.states = BIT(VMB_CONN_DISCONNECTED) |
			  BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_on_relid_released,
	},
	[VMB_MSG_UNLOAD] = {
		.min_len = sizeof(struct vmb_msg_header),
		.states = VMB_CONNECTED,
		.handle = vmb_on_unload,
	},
	[VMB_MSG_GPADL_HEADER] = {
		.min_len = sizeof(struct vmb_msg_gpadl_header),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_on_gpadl_header,
	},
	[VMB_MSG_GPADL_BODY] = {
		.min_len = sizeof(struct vmb_msg_gpadl_body),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_on_gpadl_body,
	},
	[VMB_MSG_GPADL_TEARDOWN] = {
		.min_len = sizeof(struct vmb_msg_gpadl_teardown),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_on_gpadl_teardown,
	},
	[VMB_MSG_OPENCHANNEL] = {
		.min_len = sizeof(struct vmb_msg_open_channel),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_on_open_channel,
	},
	[VMB_MSG_CLOSECHANNEL] = {
		.min_len = sizeof(struct vmb_msg_relid),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_on_close_channel,
	},
	[VMB_MSG_MODIFYCHANNEL] = {
		.min_len = sizeof(struct vmb_msg_modify_channel),
		.min_version = VMB_VERSION_WIN10_V4_1,
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_on_modify_channel,
	},
};

static bool vmb_msg_host_only(u32 type)
{
	switch (type) {
	case VMB_MSG_OFFERCHANNEL:
	case VMB_MSG_RESCIND_CHANNELOFFER:
	case VMB_MSG_ALLOFFERS_DELIVERED:
	case VMB_MSG_OPENCHANNEL_RESULT:
	case VMB_MSG_GPADL_CREATED:
	case VMB_MSG_GPADL_TORNDOWN:
	case VMB_MSG_VERSION_RESPONSE:
	case VMB_MSG_UNLOAD_RESPONSE:
	case VMB_MSG_CLOSE_RESERVED_RESPONSE:
	case VMB_MSG_TL_CONNECT_RESULT:
	case VMB_MSG_MODIFYCHANNEL_RESPONSE:
		return true;
	default:
		return false;
	}
}

static u32 vmb_expected_conn_id(const struct vmb_msg_handler *h,
				const void *msg)
{
	const struct vmb_msg_initiate_contact *ic = msg;

	if (h->conn_id == VMB_CONN_ID_CONTACT &&
	    le32_to_cpu(ic->version) >= VMB_VERSION_WIN10_V5)
		return VMB_MESSAGE_CONNECTION_ID_4;
	return VMB_MESSAGE_CONNECTION_ID;
}

/* Check a message against its row; 0 or the errno of the rejection. */
static int vmb_check(struct vmb_server *server, u32 connection_id,
		     const void *msg, size_t len,
		     const struct vmb_msg_handler **hp)
{
	const struct vmb_msg_handler *h;
	u32 type;

	if (len < sizeof(struct vmb_msg_header))
		return vmb_reject(server, VMB_REJECT_SHORT, 0, -EINVAL);
	type = le32_to_cpu(((const struct vmb_msg_header *)msg)->msgtype);
	if (connection_id != VMB_MESSAGE_CONNECTION_ID &&
	    connection_id != VMB_MESSAGE_CONNECTION_ID_4)
		return vmb_reject(server, VMB_REJECT_CONNECTION_ID, type,
				  -ENXIO);
	if (len > VMB_MSG_MAX_SIZE)
		return vmb_reject(server, VMB_REJECT_LONG, type, -EINVAL);
	if (type >= VMB_MSG_COUNT || type == VMB_MSG_INVALID)
		return vmb_reject(server, VMB_REJECT_UNKNOWN_TYPE, type,
				  -EBADMSG);
	if (vmb_msg_host_only(type))
		return vmb_reject(server, VMB_REJECT_HOST_ONLY, type, -EBADMSG);
	h = &vmb_msg_handlers[type];
	if (!h->handle)
		return vmb_reject(server, VMB_REJECT_UNSUPPORTED, type,
				  -EOPNOTSUPP);
	if (len < h->min_len)
		return vmb_reject(server, VMB_REJECT_SHORT, type, -EINVAL);
	if (!(h->states & BIT(server->conn_state)))
		return vmb_reject(server, VMB_REJECT_STATE, type, -EPROTO);
	if (server->conn_state != VMB_CONN_DISCONNECTED &&
	    server->version < h->min_version)
		return vmb_reject(server, VMB_REJECT_UNSUPPORTED, type,
				  -EOPNOTSUPP);
	if (connection_id != vmb_expected_conn_id(h, msg))
		return vmb_reject(server, VMB_REJECT_CONNECTION_ID, type,
				  -EPROTO);
	*hp = h;
	return 0;
}

/**
 * vmb_dispatch() - check a guest message and run its handler
 * @server: the server
 * @connection_id: the connection id the guest posted it to
 * @msg: the message as the transport has it
 * @len: its length
 *
 * The message is copied once, at most VMB_MSG_MAX_SIZE bytes, before
 * anything reads it: the guest may still be writing the transport's copy.
 *
 * Return: see vmb_server_deliver_guest_message().
 */
int vmb_dispatch(struct vmb_server *server, u32 connection_id,
		 const void *msg, size_t len)
{
	u64 buf[VMB_MSG_MAX_SIZE / sizeof(u64)];
	const struct vmb_msg_handler *h = NULL;
	u32 type = 0;
	int ret;

	memcpy(buf, msg, min(len, sizeof(buf)));
	if (len >= sizeof(struct vmb_msg_header))
		type = le32_to_cpu(((struct vmb_msg_header *)buf)->msgtype);

	mutex_lock(&server->lock);
	if (server->dead) {
		ret = -ENODEV;
	} else if (server->outq_len >= VMB_OUTQ_WATERMARK) {
		/* Back-pressure: nothing of the message is done. */
		server->held_back++;
		ret = -EAGAIN;
	} else {
		ret = vmb_check(server, connection_id, buf, len, &h);
	}
	if (h)
		ret = h->handle(server, buf, len);
	trace_vmb_server_msg_in(server->id, connection_id, type, len, ret);
	mutex_unlock(&server->lock);
	return ret;
}
