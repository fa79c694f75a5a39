/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints: every channel message in and out of a server, with the
 * server's id, the message type and length, and what became of it.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmbus_server

#if !defined(_VMBUS_SERVER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VMBUS_SERVER_TRACE_H

#include <linux/tracepoint.h>

#define vmb_show_msgtype(type)						\
	__print_symbolic(type,						\
		{ 1, "OFFERCHANNEL" }, { 2, "RESCIND_CHANNELOFFER" },	\
		{ 3, "REQUESTOFFERS" }, { 4, "ALLOFFERS_DELIVERED" },	\
		{ 5, "OPENCHANNEL" }, { 6, "OPENCHANNEL_RESULT" },	\
		{ 7, "CLOSECHANNEL" }, { 8, "GPADL_HEADER" },		\
		{ 9, "GPADL_BODY" }, { 10, "GPADL_CREATED" },		\
		{ 11, "GPADL_TEARDOWN" }, { 12, "GPADL_TORNDOWN" },	\
		{ 13, "RELID_RELEASED" }, { 14, "INITIATE_CONTACT" },	\
		{ 15, "VERSION_RESPONSE" }, { 16, "UNLOAD" },		\
		{ 17, "UNLOAD_RESPONSE" }, { 21, "TL_CONNECT_REQUEST" },	\
		{ 22, "MODIFYCHANNEL" }, { 23, "TL_CONNECT_RESULT" },	\
		{ 24, "MODIFYCHANNEL_RESPONSE" })

/* A guest message and the errno it got (0: accepted). */
TRACE_EVENT(vmb_server_msg_in,
	    TP_PROTO(unsigned int server_id, u32 connection_id, u32 msgtype,
		     size_t len, int ret),
	    TP_ARGS(server_id, connection_id, msgtype, len, ret),
	    TP_STRUCT__entry(__field(unsigned int, server_id)
			     __field(u32, connection_id)
			     __field(u32, msgtype)
			     __field(u32, len)
			     __field(int, ret)),
	    TP_fast_assign(__entry->server_id = server_id;
			   __entry->connection_id = connection_id;
			   __entry->msgtype = msgtype;
			   __entry->len = len;
			   __entry->ret = ret;),
	    TP_printk("server=%u conn_id=%u type=%s len=%u ret=%d",
		      __entry->server_id, __entry->connection_id,
		      vmb_show_msgtype(__entry->msgtype), __entry->len,
		      __entry->ret)
);

/*
 * A host message handed to the transport (ret 0), queued behind others or
 * for a busy slot (-EAGAIN), or lost (any other errno).
 */
TRACE_EVENT(vmb_server_msg_out,
	    TP_PROTO(unsigned int server_id, u32 msgtype, size_t len, int ret),
	    TP_ARGS(server_id, msgtype, len, ret),
	    TP_STRUCT__entry(__field(unsigned int, server_id)
			     __field(u32, msgtype)
			     __field(u32, len)
			     __field(int, ret)),
	    TP_fast_assign(__entry->server_id = server_id;
			   __entry->msgtype = msgtype;
			   __entry->len = len;
			   __entry->ret = ret;),
	    TP_printk("server=%u type=%s len=%u ret=%d", __entry->server_id,
		      vmb_show_msgtype(__entry->msgtype), __entry->len,
		      __entry->ret)
);

#endif /* _VMBUS_SERVER_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
