// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that the server's wire structures are the ones the guest's VMBus
 * driver reads: the layouts are compared with the guest's own <linux/hyperv.h>
 * at compile time, and real offers made through the exported API are read
 * back through the guest's structures at load time.
 *
 * Loading prints one "ok N - ..." or "not ok N - ..." line per check and a
 * closing "N passed, M failed"; the load fails unless every check passed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/hyperv.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uuid.h>
#include <linux/vmbus_server.h>
#include <linux/vmbus_server_protocol.h>
#include <linux/workqueue.h>
#include <uapi/linux/vmbus_server_ic.h>

#include "../../../../drivers/vmbus_server_ic/ic.h"

/*
 * Compile-time half: every field the guest defines sits at the same offset
 * with the same size in our structure.  Only what both the 6.1 and the 6.12
 * <linux/hyperv.h> define is compared; bit-fields, which offsetof() cannot
 * name, are checked at load time.
 */
#define ABI_SAME_SIZE(guest, ours) \
	static_assert(sizeof(struct guest) == sizeof(struct ours))

/*
 * Same start and same end is same size.  Two macros rather than one so
 * that no macro names an argument twice (checkpatch --strict).  Flexible
 * arrays have no end: for them only the start is compared.
 */
#define ABI_SAME_OFFSET(guest, gfield, ours, ofield)			\
	static_assert(offsetof(struct guest, gfield) ==			\
		      offsetof(struct ours, ofield))

#define ABI_SAME_END(guest, gfield, ours, ofield)			\
	static_assert(offsetofend(struct guest, gfield) ==		\
		      offsetofend(struct ours, ofield))

/* The integration services' messages (drivers/vmbus_server_ic). */
ABI_SAME_SIZE(vmbuspipe_hdr, vmb_ic_pipe_hdr);
ABI_SAME_OFFSET(vmbuspipe_hdr, msgsize, vmb_ic_pipe_hdr, msgsize);
ABI_SAME_SIZE(ic_version, vmb_ic_version);
ABI_SAME_OFFSET(ic_version, minor, vmb_ic_version, minor);
ABI_SAME_SIZE(icmsg_hdr, vmb_ic_hdr);
ABI_SAME_OFFSET(icmsg_hdr, icmsgtype, vmb_ic_hdr, type);
ABI_SAME_OFFSET(icmsg_hdr, icvermsg, vmb_ic_hdr, msg);
ABI_SAME_OFFSET(icmsg_hdr, icmsgsize, vmb_ic_hdr, size);
ABI_SAME_OFFSET(icmsg_hdr, status, vmb_ic_hdr, status);
ABI_SAME_OFFSET(icmsg_hdr, ictransaction_id, vmb_ic_hdr, txid);
ABI_SAME_OFFSET(icmsg_hdr, icflags, vmb_ic_hdr, flags);
ABI_SAME_SIZE(icmsg_negotiate, vmb_ic_negotiate);
ABI_SAME_OFFSET(icmsg_negotiate, icmsg_vercnt, vmb_ic_negotiate, msg_count);
ABI_SAME_OFFSET(icmsg_negotiate, icversion_data, vmb_ic_negotiate, versions);
ABI_SAME_SIZE(heartbeat_msg_data, vmb_ic_heartbeat);
ABI_SAME_SIZE(shutdown_msg_data, vmb_ic_shutdown_msg);
ABI_SAME_OFFSET(shutdown_msg_data, flags, vmb_ic_shutdown_msg, flags);
ABI_SAME_OFFSET(shutdown_msg_data, timeout_seconds, vmb_ic_shutdown_msg,
		timeout_seconds);
ABI_SAME_SIZE(ictimesync_data, vmb_ic_timesync);
ABI_SAME_OFFSET(ictimesync_data, flags, vmb_ic_timesync, flags);
static_assert(ICMSG_HDR == VMB_IC_HDR_LEN);
static_assert(ICMSGTYPE_HEARTBEAT == VMB_IC_MSG_HEARTBEAT);
static_assert(ICMSGTYPE_SHUTDOWN == VMB_IC_MSG_SHUTDOWN);
static_assert(ICMSGTYPE_TIMESYNC == VMB_IC_MSG_TIMESYNC);
static_assert(ICMSGHDRFLAG_RESPONSE == VMB_IC_FLAG_RESPONSE);
static_assert(ICTIMESYNCFLAG_SYNC == VMBS_IC_TIME_SYNC);
static_assert(ICTIMESYNCFLAG_SAMPLE == VMBS_IC_TIME_SAMPLE);
static_assert(WLTIMEDELTA == VMB_IC_EPOCH_DELTA);

ABI_SAME_SIZE(vmbus_channel_message_header, vmb_msg_header);
ABI_SAME_OFFSET(vmbus_channel_message_header, msgtype, vmb_msg_header, msgtype);
ABI_SAME_END(vmbus_channel_message_header, msgtype, vmb_msg_header, msgtype);
ABI_SAME_OFFSET(vmbus_channel_message_header, padding, vmb_msg_header, padding);
ABI_SAME_END(vmbus_channel_message_header, padding, vmb_msg_header, padding);

ABI_SAME_SIZE(vmbus_channel_offer_channel, vmb_msg_offer_channel);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, header,
		vmb_msg_offer_channel, header);
ABI_SAME_END(vmbus_channel_offer_channel, header,
	     vmb_msg_offer_channel, header);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.if_type,
		vmb_msg_offer_channel, interface_type);
ABI_SAME_END(vmbus_channel_offer_channel, offer.if_type,
	     vmb_msg_offer_channel, interface_type);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.if_instance,
		vmb_msg_offer_channel, interface_instance);
ABI_SAME_END(vmbus_channel_offer_channel, offer.if_instance,
	     vmb_msg_offer_channel, interface_instance);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.reserved1,
		vmb_msg_offer_channel, reserved1);
ABI_SAME_END(vmbus_channel_offer_channel, offer.reserved1,
	     vmb_msg_offer_channel, reserved1);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.reserved2,
		vmb_msg_offer_channel, reserved2);
ABI_SAME_END(vmbus_channel_offer_channel, offer.reserved2,
	     vmb_msg_offer_channel, reserved2);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.chn_flags,
		vmb_msg_offer_channel, chn_flags);
ABI_SAME_END(vmbus_channel_offer_channel, offer.chn_flags,
	     vmb_msg_offer_channel, chn_flags);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.mmio_megabytes,
		vmb_msg_offer_channel, mmio_megabytes);
ABI_SAME_END(vmbus_channel_offer_channel, offer.mmio_megabytes,
	     vmb_msg_offer_channel, mmio_megabytes);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.u.std.user_def,
		vmb_msg_offer_channel, user_data);
ABI_SAME_END(vmbus_channel_offer_channel, offer.u.std.user_def,
	     vmb_msg_offer_channel, user_data);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.u.pipe.pipe_mode,
		vmb_msg_offer_channel, pipe.pipe_mode);
ABI_SAME_END(vmbus_channel_offer_channel, offer.u.pipe.pipe_mode,
	     vmb_msg_offer_channel, pipe.pipe_mode);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.u.pipe.user_def,
		vmb_msg_offer_channel, pipe.user_data);
ABI_SAME_END(vmbus_channel_offer_channel, offer.u.pipe.user_def,
	     vmb_msg_offer_channel, pipe.user_data);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.sub_channel_index,
		vmb_msg_offer_channel, sub_channel_index);
ABI_SAME_END(vmbus_channel_offer_channel, offer.sub_channel_index,
	     vmb_msg_offer_channel, sub_channel_index);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, offer.reserved3,
		vmb_msg_offer_channel, mmio_megabytes_optional);
ABI_SAME_END(vmbus_channel_offer_channel, offer.reserved3,
	     vmb_msg_offer_channel, mmio_megabytes_optional);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, child_relid,
		vmb_msg_offer_channel, child_relid);
ABI_SAME_END(vmbus_channel_offer_channel, child_relid,
	     vmb_msg_offer_channel, child_relid);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, monitorid,
		vmb_msg_offer_channel, monitor_id);
ABI_SAME_END(vmbus_channel_offer_channel, monitorid,
	     vmb_msg_offer_channel, monitor_id);
ABI_SAME_OFFSET(vmbus_channel_offer_channel, connection_id,
		vmb_msg_offer_channel, connection_id);
ABI_SAME_END(vmbus_channel_offer_channel, connection_id,
	     vmb_msg_offer_channel, connection_id);
/* The two bit-field words lie between monitorid and connection_id. */
static_assert(offsetof(struct vmbus_channel_offer_channel, connection_id) -
	      offsetof(struct vmbus_channel_offer_channel, monitorid) ==
	      sizeof_field(struct vmb_msg_offer_channel, monitor_id) +
	      sizeof_field(struct vmb_msg_offer_channel, monitor_flags) +
	      sizeof_field(struct vmb_msg_offer_channel, interrupt_flags));

ABI_SAME_SIZE(vmbus_channel_rescind_offer, vmb_msg_relid);
ABI_SAME_OFFSET(vmbus_channel_rescind_offer, child_relid,
		vmb_msg_relid, child_relid);
ABI_SAME_END(vmbus_channel_rescind_offer, child_relid,
	     vmb_msg_relid, child_relid);
ABI_SAME_SIZE(vmbus_channel_close_channel, vmb_msg_relid);
ABI_SAME_OFFSET(vmbus_channel_close_channel, child_relid,
		vmb_msg_relid, child_relid);
ABI_SAME_END(vmbus_channel_close_channel, child_relid,
	     vmb_msg_relid, child_relid);
ABI_SAME_SIZE(vmbus_channel_relid_released, vmb_msg_relid);
ABI_SAME_OFFSET(vmbus_channel_relid_released, child_relid,
		vmb_msg_relid, child_relid);
ABI_SAME_END(vmbus_channel_relid_released, child_relid,
	     vmb_msg_relid, child_relid);

ABI_SAME_SIZE(vmbus_channel_open_channel, vmb_msg_open_channel);
ABI_SAME_OFFSET(vmbus_channel_open_channel, child_relid,
		vmb_msg_open_channel, child_relid);
ABI_SAME_END(vmbus_channel_open_channel, child_relid,
	     vmb_msg_open_channel, child_relid);
ABI_SAME_OFFSET(vmbus_channel_open_channel, openid,
		vmb_msg_open_channel, open_id);
ABI_SAME_END(vmbus_channel_open_channel, openid, vmb_msg_open_channel, open_id);
ABI_SAME_OFFSET(vmbus_channel_open_channel, ringbuffer_gpadlhandle,
		vmb_msg_open_channel, ring_gpadl);
ABI_SAME_END(vmbus_channel_open_channel, ringbuffer_gpadlhandle,
	     vmb_msg_open_channel, ring_gpadl);
ABI_SAME_OFFSET(vmbus_channel_open_channel, target_vp,
		vmb_msg_open_channel, target_vp);
ABI_SAME_END(vmbus_channel_open_channel, target_vp,
	     vmb_msg_open_channel, target_vp);
ABI_SAME_OFFSET(vmbus_channel_open_channel, downstream_ringbuffer_pageoffset,
		vmb_msg_open_channel, downstream_ring_page_offset);
ABI_SAME_END(vmbus_channel_open_channel, downstream_ringbuffer_pageoffset,
	     vmb_msg_open_channel, downstream_ring_page_offset);
ABI_SAME_OFFSET(vmbus_channel_open_channel, userdata,
		vmb_msg_open_channel, user_data);
ABI_SAME_END(vmbus_channel_open_channel, userdata,
	     vmb_msg_open_channel, user_data);

ABI_SAME_SIZE(vmbus_channel_open_result, vmb_msg_open_result);
ABI_SAME_OFFSET(vmbus_channel_open_result, child_relid,
		vmb_msg_open_result, child_relid);
ABI_SAME_END(vmbus_channel_open_result, child_relid,
	     vmb_msg_open_result, child_relid);
ABI_SAME_OFFSET(vmbus_channel_open_result, openid,
		vmb_msg_open_result, open_id);
ABI_SAME_END(vmbus_channel_open_result, openid, vmb_msg_open_result, open_id);
ABI_SAME_OFFSET(vmbus_channel_open_result, status, vmb_msg_open_result, status);
ABI_SAME_END(vmbus_channel_open_result, status, vmb_msg_open_result, status);

ABI_SAME_OFFSET(gpa_range, byte_count, vmb_gpa_range, byte_count);
ABI_SAME_END(gpa_range, byte_count, vmb_gpa_range, byte_count);
ABI_SAME_OFFSET(gpa_range, byte_offset, vmb_gpa_range, byte_offset);
ABI_SAME_END(gpa_range, byte_offset, vmb_gpa_range, byte_offset);
ABI_SAME_OFFSET(gpa_range, pfn_array, vmb_gpa_range, pfn);
static_assert(sizeof_field(struct gpa_range, pfn_array[0]) ==
	      sizeof_field(struct vmb_gpa_range, pfn[0]));

ABI_SAME_SIZE(vmbus_channel_gpadl_header, vmb_msg_gpadl_header);
ABI_SAME_OFFSET(vmbus_channel_gpadl_header, child_relid,
		vmb_msg_gpadl_header, child_relid);
ABI_SAME_END(vmbus_channel_gpadl_header, child_relid,
	     vmb_msg_gpadl_header, child_relid);
ABI_SAME_OFFSET(vmbus_channel_gpadl_header, gpadl, vmb_msg_gpadl_header, gpadl);
ABI_SAME_END(vmbus_channel_gpadl_header, gpadl, vmb_msg_gpadl_header, gpadl);
ABI_SAME_OFFSET(vmbus_channel_gpadl_header, range_buflen,
		vmb_msg_gpadl_header, range_buflen);
ABI_SAME_END(vmbus_channel_gpadl_header, range_buflen,
	     vmb_msg_gpadl_header, range_buflen);
ABI_SAME_OFFSET(vmbus_channel_gpadl_header, rangecount,
		vmb_msg_gpadl_header, range_count);
ABI_SAME_END(vmbus_channel_gpadl_header, rangecount,
	     vmb_msg_gpadl_header, range_count);
static_assert(offsetof(struct vmbus_channel_gpadl_header, range) ==
	      sizeof(struct vmb_msg_gpadl_header));

ABI_SAME_SIZE(vmbus_channel_gpadl_body, vmb_msg_gpadl_body);
ABI_SAME_OFFSET(vmbus_channel_gpadl_body, msgnumber,
		vmb_msg_gpadl_body, msgnumber);
ABI_SAME_END(vmbus_channel_gpadl_body, msgnumber,
	     vmb_msg_gpadl_body, msgnumber);
ABI_SAME_OFFSET(vmbus_channel_gpadl_body, gpadl, vmb_msg_gpadl_body, gpadl);
ABI_SAME_END(vmbus_channel_gpadl_body, gpadl, vmb_msg_gpadl_body, gpadl);
ABI_SAME_OFFSET(vmbus_channel_gpadl_body, pfn, vmb_msg_gpadl_body, pfn);
static_assert(sizeof_field(struct vmbus_channel_gpadl_body, pfn[0]) ==
	      sizeof_field(struct vmb_msg_gpadl_body, pfn[0]));

ABI_SAME_SIZE(vmbus_channel_gpadl_created, vmb_msg_gpadl_created);
ABI_SAME_OFFSET(vmbus_channel_gpadl_created, child_relid,
		vmb_msg_gpadl_created, child_relid);
ABI_SAME_END(vmbus_channel_gpadl_created, child_relid,
	     vmb_msg_gpadl_created, child_relid);
ABI_SAME_OFFSET(vmbus_channel_gpadl_created, gpadl,
		vmb_msg_gpadl_created, gpadl);
ABI_SAME_END(vmbus_channel_gpadl_created, gpadl, vmb_msg_gpadl_created, gpadl);
ABI_SAME_OFFSET(vmbus_channel_gpadl_created, creation_status,
		vmb_msg_gpadl_created, status);
ABI_SAME_END(vmbus_channel_gpadl_created, creation_status,
	     vmb_msg_gpadl_created, status);

ABI_SAME_SIZE(vmbus_channel_gpadl_teardown, vmb_msg_gpadl_teardown);
ABI_SAME_OFFSET(vmbus_channel_gpadl_teardown, child_relid,
		vmb_msg_gpadl_teardown, child_relid);
ABI_SAME_END(vmbus_channel_gpadl_teardown, child_relid,
	     vmb_msg_gpadl_teardown, child_relid);
ABI_SAME_OFFSET(vmbus_channel_gpadl_teardown, gpadl,
		vmb_msg_gpadl_teardown, gpadl);
ABI_SAME_END(vmbus_channel_gpadl_teardown, gpadl,
	     vmb_msg_gpadl_teardown, gpadl);

ABI_SAME_SIZE(vmbus_channel_gpadl_torndown, vmb_msg_gpadl_torndown);
ABI_SAME_OFFSET(vmbus_channel_gpadl_torndown, gpadl,
		vmb_msg_gpadl_torndown, gpadl);
ABI_SAME_END(vmbus_channel_gpadl_torndown, gpadl,
	     vmb_msg_gpadl_torndown, gpadl);

ABI_SAME_SIZE(vmbus_channel_initiate_contact, vmb_msg_initiate_contact);
ABI_SAME_OFFSET(vmbus_channel_initiate_contact, vmbus_version_requested,
		vmb_msg_initiate_contact, version);
ABI_SAME_END(vmbus_channel_initiate_contact, vmbus_version_requested,
	     vmb_msg_initiate_contact, version);
ABI_SAME_OFFSET(vmbus_channel_initiate_contact, target_vcpu,
		vmb_msg_initiate_contact, target_vcpu);
ABI_SAME_END(vmbus_channel_initiate_contact, target_vcpu,
	     vmb_msg_initiate_contact, target_vcpu);
ABI_SAME_OFFSET(vmbus_channel_initiate_contact, interrupt_page,
		vmb_msg_initiate_contact, interrupt_page);
ABI_SAME_END(vmbus_channel_initiate_contact, interrupt_page,
	     vmb_msg_initiate_contact, interrupt_page);
ABI_SAME_OFFSET(vmbus_channel_initiate_contact, msg_sint,
		vmb_msg_initiate_contact, msg_sint);
ABI_SAME_END(vmbus_channel_initiate_contact, msg_sint,
	     vmb_msg_initiate_contact, msg_sint);
ABI_SAME_OFFSET(vmbus_channel_initiate_contact, monitor_page1,
		vmb_msg_initiate_contact, monitor_page1);
ABI_SAME_END(vmbus_channel_initiate_contact, monitor_page1,
	     vmb_msg_initiate_contact, monitor_page1);
ABI_SAME_OFFSET(vmbus_channel_initiate_contact, monitor_page2,
		vmb_msg_initiate_contact, monitor_page2);
ABI_SAME_END(vmbus_channel_initiate_contact, monitor_page2,
	     vmb_msg_initiate_contact, monitor_page2);

ABI_SAME_SIZE(vmbus_channel_version_response, vmb_msg_version_response);
ABI_SAME_OFFSET(vmbus_channel_version_response, version_supported,
		vmb_msg_version_response, version_supported);
ABI_SAME_END(vmbus_channel_version_response, version_supported,
	     vmb_msg_version_response, version_supported);
ABI_SAME_OFFSET(vmbus_channel_version_response, connection_state,
		vmb_msg_version_response, connection_state);
ABI_SAME_END(vmbus_channel_version_response, connection_state,
	     vmb_msg_version_response, connection_state);
ABI_SAME_OFFSET(vmbus_channel_version_response, padding,
		vmb_msg_version_response, padding);
ABI_SAME_END(vmbus_channel_version_response, padding,
	     vmb_msg_version_response, padding);
ABI_SAME_OFFSET(vmbus_channel_version_response, msg_conn_id,
		vmb_msg_version_response, msg_conn_id);
ABI_SAME_END(vmbus_channel_version_response, msg_conn_id,
	     vmb_msg_version_response, msg_conn_id);

ABI_SAME_SIZE(vmbus_channel_tl_connect_request, vmb_msg_tl_connect_request);
ABI_SAME_OFFSET(vmbus_channel_tl_connect_request, guest_endpoint_id,
		vmb_msg_tl_connect_request, guest_endpoint_id);
ABI_SAME_END(vmbus_channel_tl_connect_request, guest_endpoint_id,
	     vmb_msg_tl_connect_request, guest_endpoint_id);
ABI_SAME_OFFSET(vmbus_channel_tl_connect_request, host_service_id,
		vmb_msg_tl_connect_request, host_service_id);
ABI_SAME_END(vmbus_channel_tl_connect_request, host_service_id,
	     vmb_msg_tl_connect_request, host_service_id);

ABI_SAME_SIZE(vmbus_channel_modifychannel, vmb_msg_modify_channel);
ABI_SAME_OFFSET(vmbus_channel_modifychannel, child_relid,
		vmb_msg_modify_channel, child_relid);
ABI_SAME_END(vmbus_channel_modifychannel, child_relid,
	     vmb_msg_modify_channel, child_relid);
ABI_SAME_OFFSET(vmbus_channel_modifychannel, target_vp,
		vmb_msg_modify_channel, target_vp);
ABI_SAME_END(vmbus_channel_modifychannel, target_vp,
	     vmb_msg_modify_channel, target_vp);

ABI_SAME_SIZE(vmbus_channel_modifychannel_response,
	      vmb_msg_modify_channel_response);
ABI_SAME_OFFSET(vmbus_channel_modifychannel_response, child_relid,
		vmb_msg_modify_channel_response, child_relid);
ABI_SAME_END(vmbus_channel_modifychannel_response, child_relid,
	     vmb_msg_modify_channel_response, child_relid);
ABI_SAME_OFFSET(vmbus_channel_modifychannel_response, status,
		vmb_msg_modify_channel_response, status);
ABI_SAME_END(vmbus_channel_modifychannel_response, status,
	     vmb_msg_modify_channel_response, status);

/* Message types, wire flags, pipe modes, sizes and versions.  The guest's
 * message types are another enum than ours: compare them as numbers.
 */
#define ABI_SAME_VALUE(guest, ours) static_assert((int)(guest) == (int)(ours))

ABI_SAME_VALUE(CHANNELMSG_OFFERCHANNEL, VMB_MSG_OFFERCHANNEL);
ABI_SAME_VALUE(CHANNELMSG_RESCIND_CHANNELOFFER, VMB_MSG_RESCIND_CHANNELOFFER);
ABI_SAME_VALUE(CHANNELMSG_REQUESTOFFERS, VMB_MSG_REQUESTOFFERS);
ABI_SAME_VALUE(CHANNELMSG_ALLOFFERS_DELIVERED, VMB_MSG_ALLOFFERS_DELIVERED);
ABI_SAME_VALUE(CHANNELMSG_OPENCHANNEL, VMB_MSG_OPENCHANNEL);
ABI_SAME_VALUE(CHANNELMSG_OPENCHANNEL_RESULT, VMB_MSG_OPENCHANNEL_RESULT);
ABI_SAME_VALUE(CHANNELMSG_CLOSECHANNEL, VMB_MSG_CLOSECHANNEL);
ABI_SAME_VALUE(CHANNELMSG_GPADL_HEADER, VMB_MSG_GPADL_HEADER);
ABI_SAME_VALUE(CHANNELMSG_GPADL_BODY, VMB_MSG_GPADL_BODY);
ABI_SAME_VALUE(CHANNELMSG_GPADL_CREATED, VMB_MSG_GPADL_CREATED);
ABI_SAME_VALUE(CHANNELMSG_GPADL_TEARDOWN, VMB_MSG_GPADL_TEARDOWN);
ABI_SAME_VALUE(CHANNELMSG_GPADL_TORNDOWN, VMB_MSG_GPADL_TORNDOWN);
ABI_SAME_VALUE(CHANNELMSG_RELID_RELEASED, VMB_MSG_RELID_RELEASED);
ABI_SAME_VALUE(CHANNELMSG_INITIATE_CONTACT, VMB_MSG_INITIATE_CONTACT);
ABI_SAME_VALUE(CHANNELMSG_VERSION_RESPONSE, VMB_MSG_VERSION_RESPONSE);
ABI_SAME_VALUE(CHANNELMSG_UNLOAD, VMB_MSG_UNLOAD);
ABI_SAME_VALUE(CHANNELMSG_UNLOAD_RESPONSE, VMB_MSG_UNLOAD_RESPONSE);
ABI_SAME_VALUE(CHANNELMSG_TL_CONNECT_REQUEST, VMB_MSG_TL_CONNECT_REQUEST);
ABI_SAME_VALUE(CHANNELMSG_MODIFYCHANNEL, VMB_MSG_MODIFYCHANNEL);
ABI_SAME_VALUE(CHANNELMSG_TL_CONNECT_RESULT, VMB_MSG_TL_CONNECT_RESULT);
ABI_SAME_VALUE(CHANNELMSG_MODIFYCHANNEL_RESPONSE,
	       VMB_MSG_MODIFYCHANNEL_RESPONSE);
ABI_SAME_VALUE(CHANNELMSG_COUNT, VMB_MSG_COUNT);

static_assert(VMBUS_CHANNEL_ENUMERATE_DEVICE_INTERFACE ==
	      VMB_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE);
static_assert(VMBUS_CHANNEL_NAMED_PIPE_MODE == VMB_OFFER_FLAG_NAMED_PIPE_MODE);
static_assert(VMBUS_CHANNEL_LOOPBACK_OFFER == VMB_OFFER_FLAG_LOOPBACK_OFFER);
static_assert(VMBUS_CHANNEL_PARENT_OFFER == VMB_OFFER_FLAG_PARENT_OFFER);
static_assert(VMBUS_CHANNEL_REQUEST_MONITORED_NOTIFICATION ==
	      VMB_OFFER_FLAG_REQUEST_MONITORED_NOTIFICATION);
static_assert(VMBUS_CHANNEL_TLNPI_PROVIDER_OFFER ==
	      VMB_OFFER_FLAG_TLNPI_PROVIDER_OFFER);
static_assert(VMBUS_PIPE_TYPE_BYTE == VMB_SERVER_PIPE_MODE_BYTE);
static_assert(VMBUS_PIPE_TYPE_MESSAGE == VMB_SERVER_PIPE_MODE_MESSAGE);
static_assert(MAX_USER_DEFINED_BYTES == VMB_OFFER_USER_DATA_SIZE);
static_assert(MAX_PIPE_USER_DEFINED_BYTES == VMB_OFFER_PIPE_USER_DATA_SIZE);
static_assert(sizeof(struct vmbus_channel_offer_channel) ==
	      VMB_SERVER_OFFER_SIZE);

/* Rings and packets: the guest's control page is a whole page, ours its
 * first 68 bytes; the data area starts one VMBus page in.
 */
ABI_SAME_OFFSET(hv_ring_buffer, write_index, vmb_ring_control, write_index);
ABI_SAME_END(hv_ring_buffer, write_index, vmb_ring_control, write_index);
ABI_SAME_OFFSET(hv_ring_buffer, read_index, vmb_ring_control, read_index);
ABI_SAME_END(hv_ring_buffer, read_index, vmb_ring_control, read_index);
ABI_SAME_OFFSET(hv_ring_buffer, interrupt_mask,
		vmb_ring_control, interrupt_mask);
ABI_SAME_END(hv_ring_buffer, interrupt_mask,
	     vmb_ring_control, interrupt_mask);
ABI_SAME_OFFSET(hv_ring_buffer, pending_send_sz,
		vmb_ring_control, pending_send_sz);
ABI_SAME_END(hv_ring_buffer, pending_send_sz,
	     vmb_ring_control, pending_send_sz);
ABI_SAME_OFFSET(hv_ring_buffer, feature_bits, vmb_ring_control, feature_bits);
ABI_SAME_END(hv_ring_buffer, feature_bits, vmb_ring_control, feature_bits);
static_assert(offsetof(struct hv_ring_buffer, buffer) ==
	      VMB_RING_CONTROL_SIZE);

ABI_SAME_SIZE(vmpacket_descriptor, vmb_packet_desc);
ABI_SAME_OFFSET(vmpacket_descriptor, type, vmb_packet_desc, type);
ABI_SAME_END(vmpacket_descriptor, type, vmb_packet_desc, type);
ABI_SAME_OFFSET(vmpacket_descriptor, offset8, vmb_packet_desc, offset8);
ABI_SAME_END(vmpacket_descriptor, offset8, vmb_packet_desc, offset8);
ABI_SAME_OFFSET(vmpacket_descriptor, len8, vmb_packet_desc, len8);
ABI_SAME_END(vmpacket_descriptor, len8, vmb_packet_desc, len8);
ABI_SAME_OFFSET(vmpacket_descriptor, flags, vmb_packet_desc, flags);
ABI_SAME_END(vmpacket_descriptor, flags, vmb_packet_desc, flags);
ABI_SAME_OFFSET(vmpacket_descriptor, trans_id, vmb_packet_desc, trans_id);
ABI_SAME_END(vmpacket_descriptor, trans_id, vmb_packet_desc, trans_id);
ABI_SAME_OFFSET(vmbus_packet_mpb_array, reserved,
		vmb_packet_gpa_direct, reserved);
ABI_SAME_OFFSET(vmbus_packet_mpb_array, rangecount,
		vmb_packet_gpa_direct, range_count);
ABI_SAME_END(vmbus_packet_mpb_array, rangecount,
	     vmb_packet_gpa_direct, range_count);

ABI_SAME_VALUE(VM_PKT_DATA_INBAND, VMB_PACKET_DATA_INBAND);
ABI_SAME_VALUE(VM_PKT_DATA_USING_XFER_PAGES, VMB_PACKET_DATA_XFER_PAGES);
ABI_SAME_VALUE(VM_PKT_DATA_USING_GPA_DIRECT, VMB_PACKET_DATA_GPA_DIRECT);
ABI_SAME_VALUE(VM_PKT_COMP, VMB_PACKET_COMPLETION);
static_assert(VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED ==
	      VMB_PACKET_FLAG_COMPLETION_REQUESTED);

static_assert(VERSION_WS2008 == VMB_VERSION_WS2008);
static_assert(VERSION_WIN7 == VMB_VERSION_WIN7);
static_assert(VERSION_WIN8 == VMB_VERSION_WIN8);
static_assert(VERSION_WIN8_1 == VMB_VERSION_WIN8_1);
static_assert(VERSION_WIN10 == VMB_VERSION_WIN10);
static_assert(VERSION_WIN10_V4_1 == VMB_VERSION_WIN10_V4_1);
static_assert(VERSION_WIN10_V5 == VMB_VERSION_WIN10_V5);
static_assert(VERSION_WIN10_V5_1 == VMB_VERSION_WIN10_V5_1);
static_assert(VERSION_WIN10_V5_2 == VMB_VERSION_WIN10_V5_2);
static_assert(VERSION_WIN10_V5_3 == VMB_VERSION_WIN10_V5_3);

/* Load-time half. */

static unsigned int abi_passed, abi_failed;

static __printf(2, 3) bool abi_check(bool ok, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (ok)
		abi_passed++;
	else
		abi_failed++;
	pr_info("%s %u - %pV\n", ok ? "ok" : "not ok",
		abi_passed + abi_failed, &vaf);
	va_end(args);
	return ok;
}

#define ABI_MAX_MESSAGES	8

/*
 * What the guest would have received, kept as raw bytes so that the checks
 * read them the way the guest does: through its own structures.
 */
struct abi_capture {
	unsigned int count;
	u32 types[ABI_MAX_MESSAGES];
	u8 offer[VMB_MSG_MAX_SIZE];
	size_t offer_len;
	unsigned int offers;
	u8 version_response[VMB_MSG_MAX_SIZE];
	size_t version_response_len;
	u8 rescind[VMB_MSG_MAX_SIZE];
	size_t rescind_len;
	/* The played guest answers a rescind later, as a guest would. */
	struct vmb_server *server;
	struct work_struct release_work;
};

static void abi_keep(u8 *dst, size_t *dst_len, const void *msg, size_t len)
{
	*dst_len = len;
	memcpy(dst, msg, min_t(size_t, len, VMB_MSG_MAX_SIZE));
}

/* Records what the server sends; a rescind is answered from a work item. */
static int abi_post_message(struct vmb_server *server, u32 target_vp,
			    u8 sint, const void *msg, size_t len)
{
	struct abi_capture *cap = vmb_server_priv(server);
	const struct vmbus_channel_message_header *hdr = msg;

	if (len < sizeof(*hdr))
		return -EINVAL;
	if (cap->count < ABI_MAX_MESSAGES)
		cap->types[cap->count] = hdr->msgtype;
	cap->count++;

	switch (hdr->msgtype) {
	case CHANNELMSG_OFFERCHANNEL:
		cap->offers++;
		abi_keep(cap->offer, &cap->offer_len, msg, len);
		break;
	case CHANNELMSG_VERSION_RESPONSE:
		abi_keep(cap->version_response, &cap->version_response_len,
			 msg, len);
		break;
	case CHANNELMSG_RESCIND_CHANNELOFFER:
		abi_keep(cap->rescind, &cap->rescind_len, msg, len);
		schedule_work(&cap->release_work);
		break;
	default:
		break;
	}
	return 0;
}

/* The guest's answer to a rescind, later, as a guest would give it. */
static void abi_release_relid(struct work_struct *work)
{
	struct abi_capture *cap = container_of(work, struct abi_capture,
					       release_work);
	const struct vmbus_channel_rescind_offer *r = (const void *)cap->rescind;
	struct vmbus_channel_relid_released msg = {
		.header.msgtype = CHANNELMSG_RELID_RELEASED,
		.child_relid = r->child_relid,
	};

	vmb_server_deliver_guest_message(cap->server, VMB_MESSAGE_CONNECTION_ID,
					 &msg, sizeof(msg));
}

static const struct vmb_server_transport_ops abi_transport = {
	.post_message = abi_post_message,
};

struct abi_case {
	const char *name;
	u32 version;
	u16 mmio;
	u16 mmio_optional;
	bool pipe;
	u8 instance_tag;
};

/* (0, 5) and (0xffff, 0xffff) are the edges the setter accepts; 2.4 is the
 * oldest version the server negotiates (no pipe, the standard user data).
 */
static const struct abi_case abi_cases[] = {
	{ "5.3 pipe mmio 8/16", VERSION_WIN10_V5_3, 8, 16, true, 1 },
	{ "5.3 pipe mmio 0/5", VERSION_WIN10_V5_3, 0, 5, true, 2 },
	{ "5.3 pipe mmio 65535/65535", VERSION_WIN10_V5_3, 0xffff, 0xffff,
	  true, 3 },
	{ "2.4 mmio 8/16", VERSION_WIN8, 8, 16, false, 4 },
};

static const guid_t abi_type =
	GUID_INIT(0x0a1b2c3d, 0x4e5f, 0x6071,
		  0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9);

static guid_t abi_instance(const struct abi_case *c)
{
	return GUID_INIT(0xfedcba98, 0x7654, 0x3210,
			 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69,
			 c->instance_tag);
}

static u8 abi_user_byte(size_t i)
{
	return 0xa5 ^ (u8)(i * 7);
}

static int abi_guest_connect(const struct abi_case *c,
			     struct vmb_server *server)
{
	struct vmbus_channel_initiate_contact contact = {
		.header.msgtype = CHANNELMSG_INITIATE_CONTACT,
		.vmbus_version_requested = c->version,
	};
	struct vmbus_channel_message_header request = {
		.msgtype = CHANNELMSG_REQUESTOFFERS,
	};
	u32 conn_id = VMB_MESSAGE_CONNECTION_ID;
	int ret;

	/* What the guest's vmbus_negotiate_version() does. */
	if (c->version >= VERSION_WIN10_V5) {
		contact.msg_sint = 2;
		conn_id = VMB_MESSAGE_CONNECTION_ID_4;
	}
	ret = vmb_server_deliver_guest_message(server, conn_id, &contact,
					       sizeof(contact));
	if (!abi_check(!ret, "%s: INITIATE_CONTACT accepted (got %d)", c->name,
		       ret))
		return ret;
	ret = vmb_server_deliver_guest_message(server,
					       VMB_MESSAGE_CONNECTION_ID,
					       &request, sizeof(request));
	abi_check(!ret, "%s: REQUESTOFFERS accepted (got %d)", c->name, ret);
	return ret;
}

static void abi_check_version_response(const struct abi_case *c,
				       const struct abi_capture *cap)
{
	const struct vmbus_channel_version_response *vr =
		(const void *)cap->version_response;

	if (!abi_check(cap->version_response_len == sizeof(*vr),
		       "%s: VERSION_RESPONSE is %zu bytes", c->name,
		       sizeof(*vr)))
		return;
	abi_check(vr->header.msgtype == CHANNELMSG_VERSION_RESPONSE,
		  "%s: VERSION_RESPONSE msgtype", c->name);
	abi_check(vr->version_supported == 1,
		  "%s: VERSION_RESPONSE version_supported", c->name);
	/* Only from 5.0 on does the guest post to the id named here. */
	if (c->version >= VERSION_WIN10_V5)
		abi_check(vr->msg_conn_id == VMB_MESSAGE_CONNECTION_ID,
			  "%s: VERSION_RESPONSE msg_conn_id = %u", c->name,
			  VMB_MESSAGE_CONNECTION_ID);
}

static void abi_check_offer(const struct abi_case *c,
			    const struct abi_capture *cap,
			    struct vmb_channel *channel, const u8 *user_data)
{
	const struct vmbus_channel_offer_channel *o = (const void *)cap->offer;
	u16 flags = VMBUS_CHANNEL_ENUMERATE_DEVICE_INTERFACE;
	guid_t instance = abi_instance(c);
	const u8 *user_def = o->offer.u.std.user_def;
	size_t user_len = MAX_USER_DEFINED_BYTES;
	u8 built[VMB_MSG_MAX_SIZE];
	ssize_t built_len;
	u32 relid, conn_id;

	abi_check(cap->count >= 3 &&
		  cap->types[0] == CHANNELMSG_VERSION_RESPONSE &&
		  cap->types[1] == CHANNELMSG_OFFERCHANNEL &&
		  cap->types[2] == CHANNELMSG_ALLOFFERS_DELIVERED,
		  "%s: guest got VERSION_RESPONSE, OFFERCHANNEL, ALLOFFERS_DELIVERED",
		  c->name);
	if (!abi_check(cap->offers == 1 && cap->offer_len == sizeof(*o),
		       "%s: one OFFERCHANNEL of %zu bytes", c->name,
		       sizeof(*o)))
		return;

	if (c->pipe) {
		flags |= VMBUS_CHANNEL_NAMED_PIPE_MODE;
		user_def = o->offer.u.pipe.user_def;
		user_len = MAX_PIPE_USER_DEFINED_BYTES;
	}

	abi_check(o->header.msgtype == CHANNELMSG_OFFERCHANNEL,
		  "%s: header.msgtype is CHANNELMSG_OFFERCHANNEL", c->name);
	abi_check(guid_equal(&o->offer.if_type, &abi_type),
		  "%s: offer.if_type %pUl", c->name, &abi_type);
	abi_check(guid_equal(&o->offer.if_instance, &instance),
		  "%s: offer.if_instance %pUl", c->name, &instance);
	abi_check(o->offer.chn_flags == flags,
		  "%s: offer.chn_flags 0x%04x (got 0x%04x)", c->name, flags,
		  o->offer.chn_flags);
	abi_check(o->offer.mmio_megabytes == c->mmio,
		  "%s: offer.mmio_megabytes (@58) %u (got %u)", c->name,
		  c->mmio, o->offer.mmio_megabytes);
	abi_check(o->offer.reserved3 == c->mmio_optional,
		  "%s: offer.reserved3, optional MMIO (@182) %u (got %u)",
		  c->name, c->mmio_optional, o->offer.reserved3);
	if (c->pipe)
		abi_check(o->offer.u.pipe.pipe_mode == VMBUS_PIPE_TYPE_MESSAGE,
			  "%s: offer.u.pipe.pipe_mode VMBUS_PIPE_TYPE_MESSAGE",
			  c->name);
	abi_check(!memcmp(user_def, user_data, user_len),
		  "%s: offer user_def holds the %zu user data bytes", c->name,
		  user_len);
	abi_check(o->offer.sub_channel_index == 0,
		  "%s: offer.sub_channel_index 0", c->name);

	relid = vmb_server_channel_relid(channel);
	conn_id = vmb_server_channel_connection_id(channel);
	abi_check(relid && o->child_relid == relid,
		  "%s: child_relid %u is vmb_server_channel_relid()", c->name,
		  relid);
	abi_check(o->monitor_allocated == 0, "%s: monitor_allocated 0",
		  c->name);
	abi_check(o->is_dedicated_interrupt == 1,
		  "%s: is_dedicated_interrupt 1", c->name);
	abi_check(conn_id && o->connection_id == conn_id,
		  "%s: connection_id 0x%x is vmb_server_channel_connection_id()",
		  c->name, conn_id);

	built_len = vmb_server_channel_build_offer(channel, c->version, built,
						   sizeof(built));
	if (abi_check(built_len == VMB_SERVER_OFFER_SIZE,
		      "%s: vmb_server_channel_build_offer() returns %d (got %zd)",
		      c->name, VMB_SERVER_OFFER_SIZE, built_len))
		abi_check(!memcmp(built, cap->offer, VMB_SERVER_OFFER_SIZE),
			  "%s: vmb_server_channel_build_offer() equals the offer sent",
			  c->name);
}

static void abi_check_rescind(const struct abi_case *c,
			      const struct abi_capture *cap, u32 relid)
{
	const struct vmbus_channel_rescind_offer *r = (const void *)cap->rescind;

	abi_check(cap->rescind_len == sizeof(*r) &&
		  r->header.msgtype == CHANNELMSG_RESCIND_CHANNELOFFER &&
		  r->child_relid == relid,
		  "%s: disable sends RESCIND_CHANNELOFFER for relid %u",
		  c->name, relid);
}

static int abi_configure(const struct abi_case *c, struct vmb_channel *channel,
			 struct vmb_server *server, const u8 *user_data)
{
	u32 flags = VMB_SERVER_CHANNEL_INIT_FLAG_ENUMERATE_DEVICE_INTERFACE;
	size_t user_len = MAX_USER_DEFINED_BYTES;
	guid_t instance = abi_instance(c);
	int ret;

	if (c->pipe) {
		flags |= VMB_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE;
		user_len = MAX_PIPE_USER_DEFINED_BYTES;
	}

	ret = vmb_server_channel_init_set_server(channel, server);
	if (ret)
		return ret;
	ret = vmb_server_channel_init_set_interface(channel, &abi_type,
						    &instance);
	if (ret)
		return ret;
	ret = vmb_server_channel_init_set_mmio_megabytes(channel, c->mmio,
							 c->mmio_optional);
	if (ret)
		return ret;
	ret = vmb_server_channel_init_set_flags(channel, flags);
	if (ret)
		return ret;
	ret = vmb_server_channel_init_set_pipe_mode(channel,
						    VMB_SERVER_PIPE_MODE_MESSAGE);
	if (ret)
		return ret;
	return vmb_server_channel_init_set_user_data(channel, user_data,
						     user_len);
}

static struct abi_capture abi_cap;

static void abi_run_case(const struct abi_case *c)
{
	u8 user_data[MAX_USER_DEFINED_BYTES];
	struct vmb_server *server;
	struct vmb_channel *channel;
	u32 relid;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(user_data); i++)
		user_data[i] = abi_user_byte(i);
	memset(&abi_cap, 0, sizeof(abi_cap));
	INIT_WORK(&abi_cap.release_work, abi_release_relid);

	server = vmb_server_create(&abi_transport, &abi_cap);
	if (!abi_check(!IS_ERR(server), "%s: vmb_server_create() succeeds (got %d)",
		       c->name, PTR_ERR_OR_ZERO(server)))
		return;
	abi_cap.server = server;
	channel = vmb_server_channel_alloc();
	if (!abi_check(!IS_ERR(channel), "%s: vmb_server_channel_alloc() succeeds (got %d)",
		       c->name, PTR_ERR_OR_ZERO(channel)))
		goto out_destroy_server;

	ret = abi_configure(c, channel, server, user_data);
	if (!abi_check(!ret, "%s: init setters accept the configuration (got %d)", c->name, ret))
		goto out_free_channel;
	ret = vmb_server_channel_enable(channel);
	if (!abi_check(!ret, "%s: vmb_server_channel_enable() returns 0 (got %d)", c->name,
		       ret))
		goto out_free_channel;

	ret = abi_guest_connect(c, server);
	if (!ret) {
		abi_check_version_response(c, &abi_cap);
		abi_check_offer(c, &abi_cap, channel, user_data);
	}

	relid = vmb_server_channel_relid(channel);
	/* Returns once the rescind is out; the work answers it. */
	vmb_server_channel_disable(channel);
	flush_work(&abi_cap.release_work);
	if (!ret)
		abi_check_rescind(c, &abi_cap, relid);

out_free_channel:
	vmb_server_channel_free(channel);
out_destroy_server:
	vmb_server_destroy(server);
}

/*
 * The guest's bit-fields are the one part offsetof() cannot compare: set
 * them through the guest's structure and look where the bits landed.
 */
static void abi_check_bitfields(void)
{
	struct vmbus_channel_offer_channel guest;
	const struct vmb_msg_offer_channel *ours = (const void *)&guest;

	memset(&guest, 0, sizeof(guest));
	guest.monitor_allocated = 1;
	abi_check(ours->monitor_flags == VMB_OFFER_MONITOR_ALLOCATED &&
		  !ours->interrupt_flags,
		  "bit-field monitor_allocated is bit 0 of byte 189");

	memset(&guest, 0, sizeof(guest));
	guest.is_dedicated_interrupt = 1;
	abi_check(ours->interrupt_flags ==
		  cpu_to_le16(VMB_OFFER_DEDICATED_INTERRUPT) &&
		  !ours->monitor_flags,
		  "bit-field is_dedicated_interrupt is bit 0 of the word at 190");
}

static int __init abi_test_init(void)
{
	size_t i;

	abi_check_bitfields();
	for (i = 0; i < ARRAY_SIZE(abi_cases); i++)
		abi_run_case(&abi_cases[i]);

	pr_info("%u passed, %u failed\n", abi_passed, abi_failed);
	return abi_failed ? -EINVAL : 0;
}

static void __exit abi_test_exit(void)
{
}

module_init(abi_test_init);
module_exit(abi_test_exit);

MODULE_IMPORT_NS(VMBUS_SERVER);
MODULE_DESCRIPTION("Checks vmbus_server's wire layouts against <linux/hyperv.h>");
MODULE_LICENSE("GPL");
