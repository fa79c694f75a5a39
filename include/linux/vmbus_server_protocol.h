/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMBus channel-management messages as they travel between a guest and the
 * host, seen from the host.  Every structure is the exact wire layout:
 * packed, little-endian, with its size asserted.  Offsets in comments count
 * from the start of the message, 8-byte header included.
 *
 * The names are prefixed vmb_ so that this header can be included beside the
 * guest driver's <linux/hyperv.h>, which describes the same bytes.
 */
#ifndef _LINUX_VMBUS_SERVER_PROTOCOL_H
#define _LINUX_VMBUS_SERVER_PROTOCOL_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <linux/uuid.h>

/* A SynIC message carries at most this much channel-message payload. */
#define VMB_MSG_MAX_SIZE		240

/* SynIC message type of every VMBus channel message. */
#define VMB_SYNIC_MESSAGE_TYPE		1

/* Connection ids a guest posts its channel messages to. */
#define VMB_MESSAGE_CONNECTION_ID	1
#define VMB_MESSAGE_CONNECTION_ID_4	4

/* Protocol versions: major << 16 | minor. */
#define VMB_PROTO_VERSION(major, minor)	((u32)(major) << 16 | (minor))
#define VMB_VERSION_WS2008		VMB_PROTO_VERSION(0, 13)
#define VMB_VERSION_WIN7		VMB_PROTO_VERSION(1, 1)
#define VMB_VERSION_WIN8		VMB_PROTO_VERSION(2, 4)
#define VMB_VERSION_WIN8_1		VMB_PROTO_VERSION(3, 0)
#define VMB_VERSION_WIN10		VMB_PROTO_VERSION(4, 0)
#define VMB_VERSION_WIN10_V4_1		VMB_PROTO_VERSION(4, 1)
#define VMB_VERSION_WIN10_V5		VMB_PROTO_VERSION(5, 0)
#define VMB_VERSION_WIN10_V5_1		VMB_PROTO_VERSION(5, 1)
#define VMB_VERSION_WIN10_V5_2		VMB_PROTO_VERSION(5, 2)
#define VMB_VERSION_WIN10_V5_3		VMB_PROTO_VERSION(5, 3)

enum vmb_msg_type {
	VMB_MSG_INVALID			= 0,
	VMB_MSG_OFFERCHANNEL		= 1,
	VMB_MSG_RESCIND_CHANNELOFFER	= 2,
	VMB_MSG_REQUESTOFFERS		= 3,
	VMB_MSG_ALLOFFERS_DELIVERED	= 4,
	VMB_MSG_OPENCHANNEL		= 5,
	VMB_MSG_OPENCHANNEL_RESULT	= 6,
	VMB_MSG_CLOSECHANNEL		= 7,
	VMB_MSG_GPADL_HEADER		= 8,
	VMB_MSG_GPADL_BODY		= 9,
	VMB_MSG_GPADL_CREATED		= 10,
	VMB_MSG_GPADL_TEARDOWN		= 11,
	VMB_MSG_GPADL_TORNDOWN		= 12,
	VMB_MSG_RELID_RELEASED		= 13,
	VMB_MSG_INITIATE_CONTACT	= 14,
	VMB_MSG_VERSION_RESPONSE	= 15,
	VMB_MSG_UNLOAD			= 16,
	VMB_MSG_UNLOAD_RESPONSE		= 17,
	VMB_MSG_OPEN_RESERVED		= 18,
	VMB_MSG_CLOSE_RESERVED		= 19,
	VMB_MSG_CLOSE_RESERVED_RESPONSE	= 20,
	VMB_MSG_TL_CONNECT_REQUEST	= 21,
	VMB_MSG_MODIFYCHANNEL		= 22,
	VMB_MSG_TL_CONNECT_RESULT	= 23,
	VMB_MSG_MODIFYCHANNEL_RESPONSE	= 24,
	VMB_MSG_COUNT
};

struct vmb_msg_header {
	__le32 msgtype;
	__le32 padding;
} __packed;
static_assert(sizeof(struct vmb_msg_header) == 8);

/* Wire bits of vmb_msg_offer_channel.chn_flags. */
#define VMB_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE	0x0001
#define VMB_OFFER_FLAG_NAMED_PIPE_MODE			0x0010
#define VMB_OFFER_FLAG_LOOPBACK_OFFER			0x0100
#define VMB_OFFER_FLAG_PARENT_OFFER			0x0200
#define VMB_OFFER_FLAG_REQUEST_MONITORED_NOTIFICATION	0x0400
#define VMB_OFFER_FLAG_TLNPI_PROVIDER_OFFER		0x2000

#define VMB_OFFER_USER_DATA_SIZE	120
#define VMB_OFFER_PIPE_USER_DATA_SIZE	116

/* Bits of vmb_msg_offer_channel.monitor_flags and .interrupt_flags. */
#define VMB_OFFER_MONITOR_ALLOCATED	0x01
#define VMB_OFFER_DEDICATED_INTERRUPT	0x0001

/* VMB_MSG_OFFERCHANNEL, host to guest. */
struct vmb_msg_offer_channel {
	struct vmb_msg_header header;
	guid_t interface_type;				/* @8 */
	guid_t interface_instance;			/* @24 */
	__le64 reserved1;				/* @40 */
	__le64 reserved2;				/* @48 */
	__le16 chn_flags;				/* @56 */
	__le16 mmio_megabytes;				/* @58 */
	union {						/* @60 */
		u8 user_data[VMB_OFFER_USER_DATA_SIZE];
		struct {
			__le32 pipe_mode;
			u8 user_data[VMB_OFFER_PIPE_USER_DATA_SIZE];
		} __packed pipe;
	};
	__le16 sub_channel_index;			/* @180, from 2.4 */
	__le16 mmio_megabytes_optional;			/* @182 */
	__le32 child_relid;				/* @184 */
	u8 monitor_id;					/* @188 */
	u8 monitor_flags;				/* @189, from 1.1 */
	__le16 interrupt_flags;				/* @190, from 1.1 */
	__le32 connection_id;				/* @192, from 1.1 */
} __packed;
static_assert(sizeof(struct vmb_msg_offer_channel) == 196);

/* Messages that name one channel: RESCIND_CHANNELOFFER, CLOSECHANNEL,
 * RELID_RELEASED.
 */
struct vmb_msg_relid {
	struct vmb_msg_header header;
	__le32 child_relid;				/* @8 */
} __packed;
static_assert(sizeof(struct vmb_msg_relid) == 12);

/* VMB_MSG_OPENCHANNEL, guest to host. */
struct vmb_msg_open_channel {
	struct vmb_msg_header header;
	__le32 child_relid;				/* @8 */
	__le32 open_id;					/* @12 */
	__le32 ring_gpadl;				/* @16 */
	__le32 target_vp;				/* @20 */
	__le32 downstream_ring_page_offset;		/* @24 */
	u8 user_data[VMB_OFFER_USER_DATA_SIZE];		/* @28 */
} __packed;
static_assert(sizeof(struct vmb_msg_open_channel) == 148);

/* VMB_MSG_OPENCHANNEL_RESULT, host to guest. */
struct vmb_msg_open_result {
	struct vmb_msg_header header;
	__le32 child_relid;				/* @8 */
	__le32 open_id;					/* @12 */
	__le32 status;					/* @16 */
} __packed;
static_assert(sizeof(struct vmb_msg_open_result) == 20);

/* One range of a GPADL: byte_count bytes from byte_offset into pfn[0..]. */
struct vmb_gpa_range {
	__le32 byte_count;
	__le32 byte_offset;
	__le64 pfn[];
} __packed;
static_assert(sizeof(struct vmb_gpa_range) == 8);

/* VMB_MSG_GPADL_HEADER, guest to host; ranges follow. */
struct vmb_msg_gpadl_header {
	struct vmb_msg_header header;
	__le32 child_relid;				/* @8 */
	__le32 gpadl;					/* @12 */
	__le16 range_buflen;				/* @16 */
	__le16 range_count;				/* @18 */
} __packed;
static_assert(sizeof(struct vmb_msg_gpadl_header) == 20);

/* VMB_MSG_GPADL_BODY, guest to host; pfns follow. */
struct vmb_msg_gpadl_body {
	struct vmb_msg_header header;
	__le32 msgnumber;				/* @8 */
	__le32 gpadl;					/* @12 */
	__le64 pfn[];					/* @16 */
} __packed;
static_assert(sizeof(struct vmb_msg_gpadl_body) == 16);

/* VMB_MSG_GPADL_CREATED, host to guest. */
struct vmb_msg_gpadl_created {
	struct vmb_msg_header header;
	__le32 child_relid;				/* @8 */
	__le32 gpadl;					/* @12 */
	__le32 status;					/* @16 */
} __packed;
static_assert(sizeof(struct vmb_msg_gpadl_created) == 20);

/* VMB_MSG_GPADL_TEARDOWN, guest to host. */
struct vmb_msg_gpadl_teardown {
	struct vmb_msg_header header;
	__le32 child_relid;				/* @8 */
	__le32 gpadl;					/* @12 */
} __packed;
static_assert(sizeof(struct vmb_msg_gpadl_teardown) == 16);

/* VMB_MSG_GPADL_TORNDOWN, host to guest. */
struct vmb_msg_gpadl_torndown {
	struct vmb_msg_header header;
	__le32 gpadl;					/* @8 */
} __packed;
static_assert(sizeof(struct vmb_msg_gpadl_torndown) == 12);

/* VMB_MSG_INITIATE_CONTACT, guest to host. */
struct vmb_msg_initiate_contact {
	struct vmb_msg_header header;
	__le32 version;					/* @8 */
	__le32 target_vcpu;				/* @12 */
	union {						/* @16 */
		__le64 interrupt_page;			/* before 5.0 */
		struct {				/* 5.0 and later */
			u8 msg_sint;
			u8 msg_vtl;
			u8 reserved[2];
			__le32 feature_flags;
		} __packed;
	};
	__le64 monitor_page1;				/* @24 */
	__le64 monitor_page2;				/* @32 */
} __packed;
static_assert(sizeof(struct vmb_msg_initiate_contact) == 40);

/* VMB_MSG_VERSION_RESPONSE, host to guest. */
struct vmb_msg_version_response {
	struct vmb_msg_header header;
	u8 version_supported;				/* @8 */
	u8 connection_state;				/* @9 */
	__le16 padding;					/* @10 */
	__le32 msg_conn_id;				/* @12 */
} __packed;
static_assert(sizeof(struct vmb_msg_version_response) == 16);

/* VMB_MSG_TL_CONNECT_REQUEST, guest to host (hvsocket). */
struct vmb_msg_tl_connect_request {
	struct vmb_msg_header header;
	guid_t guest_endpoint_id;			/* @8 */
	guid_t host_service_id;				/* @24 */
} __packed;
static_assert(sizeof(struct vmb_msg_tl_connect_request) == 40);

/* VMB_MSG_TL_CONNECT_RESULT, host to guest. */
struct vmb_msg_tl_connect_result {
	struct vmb_msg_header header;
	guid_t endpoint_id;				/* @8 */
	guid_t service_id;				/* @24 */
	__le32 status;					/* @40 */
} __packed;
static_assert(sizeof(struct vmb_msg_tl_connect_result) == 44);

/* VMB_MSG_MODIFYCHANNEL, guest to host (4.1 and later). */
struct vmb_msg_modify_channel {
	struct vmb_msg_header header;
	__le32 child_relid;				/* @8 */
	__le32 target_vp;				/* @12 */
} __packed;
static_assert(sizeof(struct vmb_msg_modify_channel) == 16);

/* VMB_MSG_MODIFYCHANNEL_RESPONSE, host to guest (5.3 and later). */
struct vmb_msg_modify_channel_response {
	struct vmb_msg_header header;
	__le32 child_relid;				/* @8 */
	__le32 status;					/* @12 */
} __packed;
static_assert(sizeof(struct vmb_msg_modify_channel_response) == 16);

/*
 * Ring buffers (VMBUS.md section 8).  A channel's ring GPADL holds two
 * rings, guest-to-host at page 0 and host-to-guest at the downstream
 * offset; each is a control page followed by its data area.  The guest
 * writes every field of both control pages and every byte of both data
 * areas: the host copies what it reads and validates it before use.
 */
struct vmb_ring_control {
	__le32 write_index;				/* @0 */
	__le32 read_index;				/* @4 */
	__le32 interrupt_mask;				/* @8 */
	__le32 pending_send_sz;				/* @12 */
	__le32 reserved[12];				/* @16 */
	__le32 feature_bits;				/* @64 */
} __packed;
static_assert(sizeof(struct vmb_ring_control) == 68);

/* The reader honours pending_send_sz: it signals once that much is free. */
#define VMB_RING_FEATURE_PENDING_SEND_SZ	0x1

/* The control page; the data area follows it. */
#define VMB_RING_CONTROL_SIZE			4096

/* Packet types (the descriptor's type). */
enum vmb_packet_type {
	VMB_PACKET_DATA_INBAND		= 6,
	VMB_PACKET_DATA_XFER_PAGES	= 7,
	VMB_PACKET_DATA_GPA_DIRECT	= 9,
	VMB_PACKET_COMPLETION		= 11,
};

/* The descriptor's flags. */
#define VMB_PACKET_FLAG_COMPLETION_REQUESTED	0x1

/*
 * Every packet starts with this descriptor; offset8 (where the payload
 * starts) and len8 (the whole packet) count 8-byte units.  Packets are
 * padded to 8 bytes and followed in the ring by an 8-byte trailer, the
 * writer's previous write index shifted left by 32.
 */
struct vmb_packet_desc {
	__le16 type;					/* @0 */
	__le16 offset8;					/* @2 */
	__le16 len8;					/* @4 */
	__le16 flags;					/* @6 */
	__le64 trans_id;				/* @8 */
} __packed;
static_assert(sizeof(struct vmb_packet_desc) == 16);

#define VMB_PACKET_TRAILER_SIZE			8

/* A GPA-direct packet's ranges follow its descriptor. */
struct vmb_packet_gpa_direct {
	struct vmb_packet_desc desc;
	__le32 reserved;				/* @16 */
	__le32 range_count;				/* @20 */
	/* struct vmb_gpa_range ranges[range_count], each with its pfns */
} __packed;
static_assert(sizeof(struct vmb_packet_gpa_direct) == 24);

#endif /* _LINUX_VMBUS_SERVER_PROTOCOL_H */
