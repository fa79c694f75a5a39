/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest-memory test's protocol, shared by its back-end
 * (vmbus_server_gpa.c, on the server) and its guest driver
 * (vmbus_server_gpa_guest.c, in the guest's VMBus stack).
 *
 * The guest sends a request asking for a completion.  GPA_TEST_GPADL: the
 * guest made a GPADL of @len bytes for the channel and filled its first
 * half; the host maps it by id, checks that half and fills the second.
 * GPA_TEST_DIRECT: the request is the payload of a GPA-direct packet
 * whose ranges (@len bytes in all) the guest filled; the host maps them,
 * checks them and overwrites them.  The guest fills with seed @seed, the
 * host with @seed + 1; the completion carries a struct gpa_test_resp.
 */
#ifndef _VMBUS_SERVER_GPA_TEST_H
#define _VMBUS_SERVER_GPA_TEST_H

#include <linux/types.h>
#include <linux/uuid.h>

#define GPA_TEST_TYPE	GUID_INIT(0x5ee1a9a0, 0x0000, 0x4000, 0x80, 0x00, \
				  0x67, 0x70, 0x61, 0x00, 0x00, 0x00)
#define GPA_TEST_INSTANCE GUID_INIT(0x5ee1a9a1, 0x0000, 0x4000, 0x80, 0x00, \
				    0x00, 0x00, 0x00, 0x00, 0xa9, 0xa1)

enum gpa_test_op {
	GPA_TEST_GPADL = 1,
	GPA_TEST_DIRECT = 2,
};

struct gpa_test_req {
	__le32 op;
	__le32 gpadl;
	__le32 len;
	__le32 seed;
} __packed;

struct gpa_test_resp {
	__le32 status;		/* 0, or the host's negative errno */
	__le32 checked;		/* bytes the host found as the guest wrote them */
	__le32 wrong;		/* bytes it found otherwise */
	__le32 written;		/* bytes it wrote */
} __packed;

/* Byte @i of a buffer filled with @seed. */
static inline u8 gpa_test_byte(u32 seed, u32 i)
{
	return seed * 13 + i * 7 + (i >> 9);
}

#endif /* _VMBUS_SERVER_GPA_TEST_H */
