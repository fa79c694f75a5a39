/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The synthetic keyboard device of /dev/vmbus_server (vmbus_server_kbd):
 * its VMBS_DEVICE_CONTROL operations.  It takes no VMBS_ADD_DEVICE
 * parameters.  All fields are little-endian.
 */
#ifndef _UAPI_LINUX_VMBUS_SERVER_KBD_H
#define _UAPI_LINUX_VMBUS_SERVER_KBD_H

#include <linux/types.h>

/* The interface type, as Hyper-V offers it. */
#define VMBS_KBD_TYPE	"f912ad6d-2b17-48ea-bd65-f927a61c7684"

/* No input, struct vmbs_kbd_status out. */
#define VMBS_KBD_STATUS		1
/* An array of struct vmbs_kbd_key in, a __u32 count of keys sent out. */
#define VMBS_KBD_TYPE_KEYS	2

/* Keys one VMBS_KBD_TYPE_KEYS takes. */
#define VMBS_KBD_KEYS_MAX	256

/* vmbs_kbd_status.flags */
#define VMBS_KBD_READY		0x1	/* the guest's protocol was accepted */

/*
 * vmbs_kbd_status.leds, as the guest sends them (Windows' keyboard
 * indicator bits; Linux's hyperv_keyboard sends none)
 */
#define VMBS_KBD_LED_SCROLL_LOCK	0x1
#define VMBS_KBD_LED_NUM_LOCK		0x2
#define VMBS_KBD_LED_CAPS_LOCK		0x4

/**
 * struct vmbs_kbd_status - the keyboard's state (VMBS_KBD_STATUS)
 * @flags: VMBS_KBD_*
 * @version: the protocol version the guest asked for last, major << 16 |
 *	minor (only 1.0 is accepted)
 * @requests: protocol requests of the guest
 * @rejected: guest messages dropped: unknown, short or out of order
 * @opens: times the guest opened the channel
 * @leds: the guest's last LED state (VMBS_KBD_LED_*)
 * @led_updates: LED messages of the guest
 * @reserved: zero
 * @keys: keys sent to the guest
 */
struct vmbs_kbd_status {
	__u32 flags;
	__u32 version;
	__u32 requests;
	__u32 rejected;
	__u32 opens;
	__u16 leds;
	__u16 reserved;
	__u32 led_updates;
	__u32 reserved2;
	__u64 keys;
};

/* vmbs_kbd_key.flags */
#define VMBS_KBD_KEY_UNICODE	0x1	/* code is a UTF-16 unit */
#define VMBS_KBD_KEY_BREAK	0x2	/* a release, not a press */
#define VMBS_KBD_KEY_E0		0x4	/* an E0-prefixed (extended) key */
#define VMBS_KBD_KEY_E1		0x8	/* an E1-prefixed key (Pause) */

/**
 * struct vmbs_kbd_key - one key event (VMBS_KBD_TYPE_KEYS)
 * @code: a scan code of set 1 without its release bit (0x01-0x7f), or
 *	with VMBS_KBD_KEY_UNICODE a UTF-16 unit
 * @flags: VMBS_KBD_KEY_*
 */
struct vmbs_kbd_key {
	__u16 code;
	__u16 flags;
};

#endif /* _UAPI_LINUX_VMBUS_SERVER_KBD_H */
