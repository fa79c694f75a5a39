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
#include "gpadl.h"
#include "server.h"
#include "trace.h"

/* Exact-match negotiation: the guest asks for one version at a time. */
static const u32 vmb_versions[] = {
	VMB_VERSION_WS2008,
	VMB_VERSION_WIN7,
	VMB_VERSION_WIN8,
	VMB_VERSION_WIN8_1,
	VMB_VERSION_WIN10,
	VMB_VERSION_WIN10_V4_1,
	VMB_VERSION_WIN10_V5,
	VMB_VERSION_WIN10_V5_1,
	VMB_VERSION_WIN10_V5_2,
	VMB_VERSION_WIN10_V5_3,
};

bool vmb_version_supported(u32 version)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmb_versions); i++)
		if (vmb_versions[i] == version)
			return true;
	return false;
}

static const char * const vmb_reject_names[VMB_REJECT_REASON_COUNT] = {
	[VMB_REJECT_SHORT]		= "short",
	[VMB_REJECT_LONG]		= "overlong",
	[VMB_REJECT_UNKNOWN_TYPE]	= "unknown type",
	[VMB_REJECT_HOST_ONLY]		= "host-only type",
	[VMB_REJECT_UNSUPPORTED]	= "unsupported type",
	[VMB_REJECT_STATE]		= "wrong connection state",
	[VMB_REJECT_CONNECTION_ID]	= "wrong connection id",
	[VMB_REJECT_VERSION]		= "unsupported version",
	[VMB_REJECT_RELID]		= "bad relid",
	[VMB_REJECT_GPADL]		= "bad GPADL",
	[VMB_REJECT_CHANNEL_STATE]	= "wrong channel state",
	[VMB_REJECT_OPEN_PARAMS]	= "bad open parameters",
};

const char *vmb_reject_name(enum vmb_reject_reason reason)
{
	return vmb_reject_names[reason];
}

/**
 * vmb_server_reject() - count and log a guest message the server refuses
 * @server: the server
 * @reason: why
 * @msgtype: the message's type as the guest sent it
 * @err: the errno to return
 *
 * Return: @err.
 */
int vmb_server_reject(struct vmb_server *server,
		      enum vmb_reject_reason reason, u32 msgtype, int err)
{
	lockdep_assert_held(&server->lock);
	server->rejected[reason]++;
	pr_info_ratelimited("vmbus_server: guest message type %u rejected: %s\n",
			    msgtype, vmb_reject_names[reason]);
	return err;
}

static int vmb_handle_initiate_contact(struct vmb_server *server,
				       const void *msg, size_t len)
{
	const struct vmb_msg_initiate_contact *ic = msg;
	struct vmb_msg_version_response resp = {
		.header.msgtype = cpu_to_le32(VMB_MSG_VERSION_RESPONSE),
	};
	u32 version = le32_to_cpu(ic->version);

	/*
	 * Whatever the guest had is gone: it asks again only after a reset
	 * or reload, and holds none of the relids it was offered before.
	 */
	vmb_server_reset_connection(server);

	if (!vmb_version_supported(version)) {
		vmb_server_post(server, &resp, sizeof(resp));
		return vmb_server_reject(server, VMB_REJECT_VERSION,
					 VMB_MSG_INITIATE_CONTACT, -EPROTONOSUPPORT);
	}

	bitmap_zero(server->ended_relids, VMB_MAX_RELID + 1);
	server->version = version;
	server->target_vcpu = le32_to_cpu(ic->target_vcpu);
	server->msg_sint = version >= VMB_VERSION_WIN10_V5 ? ic->msg_sint : 0;
	server->conn_state = VMB_CONN_CONNECTED;

	resp.version_supported = 1;
	/* From 5.0 on the guest posts every later message to the id we
	 * name here; before, the word repeats the version.
	 */
	if (version >= VMB_VERSION_WIN10_V5)
		resp.msg_conn_id = cpu_to_le32(VMB_MESSAGE_CONNECTION_ID);
	else
		resp.msg_conn_id = cpu_to_le32(version);
	vmb_server_post(server, &resp, sizeof(resp));
	return 0;
}

static int vmb_handle_request_offers(struct vmb_server *server,
				     const void *msg, size_t len)
{
	struct vmb_msg_header done = {
		.msgtype = cpu_to_le32(VMB_MSG_ALLOFFERS_DELIVERED),
	};
	struct vmb_channel *channel;

	list_for_each_entry(channel, &server->channels, server_node)
		vmb_server_send_offer(server, channel);
	vmb_server_post(server, &done, sizeof(done));
	server->conn_state = VMB_CONN_OFFERS_REQUESTED;
	return 0;
}

static int vmb_handle_relid_released(struct vmb_server *server,
				     const void *msg, size_t len)
{
	const struct vmb_msg_relid *rel = msg;
	u32 relid = le32_to_cpu(rel->child_relid);

	/*
	 * After UNLOAD a Linux guest releases every relid it held; the
	 * reset released them already.  Anything else needs a connection.
	 */
	if (server->conn_state == VMB_CONN_DISCONNECTED) {
		if (relid > VMB_MAX_RELID ||
		    !__test_and_clear_bit(relid, server->ended_relids))
			return vmb_server_reject(server, VMB_REJECT_STATE,
						 VMB_MSG_RELID_RELEASED, -EPROTO);
		return 0;
	}
	if (xa_load(&server->relids, relid) != VMB_RELID_RELEASE_PENDING)
		return vmb_server_reject(server, VMB_REJECT_RELID,
					 VMB_MSG_RELID_RELEASED, -ENOENT);
	/* GPADLs the guest did not tear down die with its relid. */
	vmb_gpadl_free_relid(server, relid);
	xa_erase(&server->relids, relid);
	wake_up_all(&server->release_wq);
	return 0;
}

static int vmb_handle_modify_channel(struct vmb_server *server,
				     const void *msg, size_t len)
{
	if (server->version < VMB_VERSION_WIN10_V4_1)
		return vmb_server_reject(server, VMB_REJECT_UNSUPPORTED,
					 VMB_MSG_MODIFYCHANNEL, -EOPNOTSUPP);
	return vmb_channel_modify_msg(server, msg, len);
}

static int vmb_handle_unload(struct vmb_server *server, const void *msg,
			     size_t len)
{
	struct vmb_msg_header resp = {
		.msgtype = cpu_to_le32(VMB_MSG_UNLOAD_RESPONSE),
	};

	vmb_server_reset_connection(server);
	vmb_server_post(server, &resp, sizeof(resp));
	return 0;
}

#define VMB_ANY_STATE	(BIT(VMB_CONN_STATE_COUNT) - 1)
#define VMB_CONNECTED	(BIT(VMB_CONN_CONNECTED) | \
			 BIT(VMB_CONN_OFFERS_REQUESTED))

struct vmb_msg_handler {
	size_t min_len;
	u32 states;		/* BIT(enum vmb_conn_state) that accept it */
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
		.handle = vmb_handle_initiate_contact,
	},
	[VMB_MSG_REQUESTOFFERS] = {
		.min_len = sizeof(struct vmb_msg_header),
		.states = BIT(VMB_CONN_CONNECTED),
		.handle = vmb_handle_request_offers,
	},
	[VMB_MSG_RELID_RELEASED] = {
		.min_len = sizeof(struct vmb_msg_relid),
		/* Disconnected: only the late releases after UNLOAD. */
		.states = BIT(VMB_CONN_DISCONNECTED) |
			  BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_handle_relid_released,
	},
	[VMB_MSG_UNLOAD] = {
		.min_len = sizeof(struct vmb_msg_header),
		.states = VMB_CONNECTED,
		.handle = vmb_handle_unload,
	},
	[VMB_MSG_GPADL_HEADER] = {
		.min_len = sizeof(struct vmb_msg_gpadl_header),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_gpadl_header,
	},
	[VMB_MSG_GPADL_BODY] = {
		.min_len = sizeof(struct vmb_msg_gpadl_body),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_gpadl_body,
	},
	[VMB_MSG_GPADL_TEARDOWN] = {
		.min_len = sizeof(struct vmb_msg_gpadl_teardown),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_gpadl_teardown,
	},
	[VMB_MSG_OPENCHANNEL] = {
		.min_len = sizeof(struct vmb_msg_open_channel),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_channel_open_msg,
	},
	[VMB_MSG_CLOSECHANNEL] = {
		.min_len = sizeof(struct vmb_msg_relid),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_channel_close_msg,
	},
	[VMB_MSG_MODIFYCHANNEL] = {
		.min_len = sizeof(struct vmb_msg_modify_channel),
		.states = BIT(VMB_CONN_OFFERS_REQUESTED),
		.handle = vmb_handle_modify_channel,
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

/*
 * INITIATE_CONTACT for 5.0 and later goes to connection id 4, older ones to
 * 1; everything else to 1, which is also the id VERSION_RESPONSE names.
 */
static u32 vmb_expected_conn_id(u32 type, const void *msg)
{
	const struct vmb_msg_initiate_contact *ic = msg;

	if (type == VMB_MSG_INITIATE_CONTACT &&
	    le32_to_cpu(ic->version) >= VMB_VERSION_WIN10_V5)
		return VMB_MESSAGE_CONNECTION_ID_4;
	return VMB_MESSAGE_CONNECTION_ID;
}

/**
 * vmb_server_deliver_guest_message() - hand the server a message the guest posted
 * @server: the server
 * @connection_id: the connection id the guest posted it to
 * @msg: the HvPostMessage payload, 8-byte header included
 * @len: its length
 *
 * Replies go out through the transport's post_message before this returns,
 * or are queued behind messages the guest has not taken yet.  A rejected
 * message is counted and logged (rate-limited) and leaves the server
 * usable.
 *
 * Context: process context; may sleep.
 * Return: 0, or a negative errno for a rejected message: -EINVAL (bad
 * length or %NULL message), -EBADMSG (unknown or host-only type),
 * -EOPNOTSUPP (type not served), -EPROTO (wrong state or connection id),
 * -EPROTONOSUPPORT (version refused; the guest got a VERSION_RESPONSE
 * saying so), -ENOENT (unknown relid), -ENODEV (server destroyed).
 */
int vmb_server_deliver_guest_message(struct vmb_server *server,
				     u32 connection_id, const void *msg,
				     size_t len)
{
	const struct vmb_msg_handler *h;
	u32 type = 0;
	int ret;

	if (!server || !msg)
		return -EINVAL;

	mutex_lock(&server->lock);
	if (server->dead) {
		ret = -ENODEV;
		goto out;
	}
	if (len < sizeof(struct vmb_msg_header)) {
		ret = vmb_server_reject(server, VMB_REJECT_SHORT, 0, -EINVAL);
		goto out;
	}
	type = le32_to_cpu(((const struct vmb_msg_header *)msg)->msgtype);
	if (len > VMB_MSG_MAX_SIZE) {
		ret = vmb_server_reject(server, VMB_REJECT_LONG, type, -EINVAL);
		goto out;
	}
	if (type >= VMB_MSG_COUNT || type == VMB_MSG_INVALID) {
		ret = vmb_server_reject(server, VMB_REJECT_UNKNOWN_TYPE, type,
					-EBADMSG);
		goto out;
	}
	if (vmb_msg_host_only(type)) {
		ret = vmb_server_reject(server, VMB_REJECT_HOST_ONLY, type,
					-EBADMSG);
		goto out;
	}
	h = &vmb_msg_handlers[type];
	if (!h->handle) {
		ret = vmb_server_reject(server, VMB_REJECT_UNSUPPORTED, type,
					-EOPNOTSUPP);
		goto out;
	}
	if (len < h->min_len) {
		ret = vmb_server_reject(server, VMB_REJECT_SHORT, type, -EINVAL);
		goto out;
	}
	if (!(h->states & BIT(server->conn_state))) {
		ret = vmb_server_reject(server, VMB_REJECT_STATE, type, -EPROTO);
		goto out;
	}
	if (connection_id != vmb_expected_conn_id(type, msg)) {
		ret = vmb_server_reject(server, VMB_REJECT_CONNECTION_ID, type,
					-EPROTO);
		goto out;
	}
	ret = h->handle(server, msg, len);
out:
	trace_vmb_server_msg_in(server->id, connection_id, type, len, ret);
	mutex_unlock(&server->lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vmb_server_deliver_guest_message, VMBUS_SERVER);
