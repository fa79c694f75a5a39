// SPDX-License-Identifier: GPL-2.0
/*
 * The OFFERCHANNEL message: a channel's configuration as the guest sees it,
 * byte for byte, for each protocol version.
 */

#include <linux/module.h>
#include <linux/string.h>

#include "channel.h"
#include "connection.h"

/* KMCL API flags and the wire bits they become; FORCE_NEW_CHANNEL is a
 * restore policy and never reaches the wire.
 */
static const struct {
	u32 api;
	u16 wire;
} vmb_offer_flag_map[] = {
	{ VMB_SERVER_CHANNEL_INIT_FLAG_LOOPBACK_OFFER,
	  VMB_OFFER_FLAG_LOOPBACK_OFFER },
	{ VMB_SERVER_CHANNEL_INIT_FLAG_ENUMERATE_DEVICE_INTERFACE,
	  VMB_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE },
	{ VMB_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE,
	  VMB_OFFER_FLAG_NAMED_PIPE_MODE },
	{ VMB_SERVER_CHANNEL_INIT_FLAG_TLNPI_PROVIDER_OFFER,
	  VMB_OFFER_FLAG_TLNPI_PROVIDER_OFFER },
};

static u16 vmb_offer_wire_flags(u32 api_flags)
{
	u16 wire = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmb_offer_flag_map); i++)
		if (api_flags & vmb_offer_flag_map[i].api)
			wire |= vmb_offer_flag_map[i].wire;
	return wire;
}

/**
 * vmb_offer_build() - fill an OFFERCHANNEL message
 * @channel: the channel
 * @child_relid: the relid to offer it on
 * @version: a supported protocol version
 * @offer: the message to fill, all of it
 *
 * Fields a version does not define stay 0: before 1.1 (Win7) the monitor,
 * dedicated-interrupt and connection-id fields; before 2.4 (Win8) the
 * sub-channel index and the optional MMIO size, which share what was a
 * reserved word until then.
 */
void vmb_offer_build(const struct vmb_channel *channel, u32 child_relid,
		     u32 version, struct vmb_msg_offer_channel *offer)
{
	memset(offer, 0, sizeof(*offer));
	offer->header.msgtype = cpu_to_le32(VMB_MSG_OFFERCHANNEL);
	guid_copy(&offer->interface_type, &channel->interface_type);
	guid_copy(&offer->interface_instance, &channel->interface_instance);
	offer->chn_flags = cpu_to_le16(vmb_offer_wire_flags(channel->flags));
	offer->mmio_megabytes = cpu_to_le16(channel->mmio_megabytes);

	if (channel->flags & VMB_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE) {
		offer->pipe.pipe_mode = cpu_to_le32(channel->pipe_mode);
		memcpy(offer->pipe.user_data, channel->user_data,
		       sizeof(offer->pipe.user_data));
	} else {
		memcpy(offer->user_data, channel->user_data,
		       sizeof(offer->user_data));
	}

	if (version >= VMB_VERSION_WIN8)
		offer->mmio_megabytes_optional =
			cpu_to_le16(channel->mmio_megabytes_optional);

	offer->child_relid = cpu_to_le32(child_relid);
	if (version >= VMB_VERSION_WIN7) {
		/* Each channel signals on a connection id of its own. */
		offer->interrupt_flags =
			cpu_to_le16(VMB_OFFER_DEDICATED_INTERRUPT);
		offer->connection_id =
			cpu_to_le32(vmb_connection_id_of(child_relid));
	}
}

/**
 * vmb_server_channel_build_offer() - write a channel's OFFERCHANNEL message
 * @channel: the channel
 * @version: the protocol version to write it for (major << 16 | minor),
 *	0.13 to 5.3
 * @buf: where to write the message, 8-byte header included
 * @size: the size of @buf, at least %VMB_SERVER_OFFER_SIZE
 *
 * Writes exactly what the server sends the guest for this channel.  The
 * relid and connection id are 0 unless the channel is enabled; fields the
 * version does not define are 0.
 *
 * Context: any.
 * Return: %VMB_SERVER_OFFER_SIZE; -EINVAL for a %NULL channel or buffer or an
 * unknown version; -ENOSPC when @size is too small.
 */
ssize_t vmb_server_channel_build_offer(const struct vmb_channel *channel,
				       u32 version, void *buf, size_t size)
{
	if (!channel || !buf || !vmb_version_supported(version))
		return -EINVAL;
	if (size < sizeof(struct vmb_msg_offer_channel))
		return -ENOSPC;
	vmb_offer_build(channel, vmb_server_channel_relid(channel), version,
			buf);
	return sizeof(struct vmb_msg_offer_channel);
}
EXPORT_SYMBOL_NS_GPL(vmb_server_channel_build_offer, VMBUS_SERVER);
