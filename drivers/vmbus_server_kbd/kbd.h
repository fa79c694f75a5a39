/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The synthetic keyboard's messages on its channel: a 32-bit type, then
 * the message.  Written from the protocol the guest's hyperv_keyboard
 * speaks; the guest's LED message is Windows', which Linux never sends.
 */
#ifndef _VMBUS_SERVER_KBD_H
#define _VMBUS_SERVER_KBD_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

#define VMB_KBD_MSG_PROTOCOL_REQUEST	1	/* guest to host */
#define VMB_KBD_MSG_PROTOCOL_RESPONSE	2	/* host to guest */
#define VMB_KBD_MSG_EVENT		3	/* host to guest */
#define VMB_KBD_MSG_LED_INDICATORS	4	/* guest to host */

/* The only version of the protocol: 1.0. */
#define VMB_KBD_VERSION			0x00010000

/* vmb_kbd_protocol_response.status */
#define VMB_KBD_PROTOCOL_ACCEPTED	0x1

/* The largest message either side sends. */
#define VMB_KBD_MSG_MAX			256

struct vmb_kbd_hdr {
	__le32 type;
};

struct vmb_kbd_protocol_request {
	struct vmb_kbd_hdr hdr;
	__le32 version;
};

struct vmb_kbd_protocol_response {
	struct vmb_kbd_hdr hdr;
	__le32 status;
};

/* vmb_kbd_keystroke.info: the same bits as vmbs_kbd_key.flags */
struct vmb_kbd_keystroke {
	struct vmb_kbd_hdr hdr;
	__le16 make_code;
	__le16 reserved;
	__le32 info;
};

/*
 * The guest's LEDs; the sender's struct is padded to 8 bytes, but only
 * the flags are needed.
 */
struct vmb_kbd_led_indicators {
	struct vmb_kbd_hdr hdr;
	__le16 flags;
	__le16 reserved;
};

#define VMB_KBD_LED_LEN	offsetofend(struct vmb_kbd_led_indicators, flags)

static_assert(sizeof(struct vmb_kbd_hdr) == 4);
static_assert(sizeof(struct vmb_kbd_protocol_request) == 8);
static_assert(sizeof(struct vmb_kbd_protocol_response) == 8);
static_assert(sizeof(struct vmb_kbd_keystroke) == 12);
static_assert(sizeof(struct vmb_kbd_led_indicators) == 8);
static_assert(VMB_KBD_LED_LEN == 6);

#endif /* _VMBUS_SERVER_KBD_H */
