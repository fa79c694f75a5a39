#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""guest_drivers.py KERNEL_TREE REPO

The device modules' wire structs against the guest drivers' own: the
guest drivers declare theirs in .c files (no header to include), so their
struct declarations are taken from the kernel tree's sources, compiled
beside the device headers in user space, and each pair of sizes and
offsets is asserted at compile time.  Prints "N checks" and exits 0, or
the compiler's complaint and exits 1.
"""
import os
import re
import subprocess
import sys
import tempfile

GUEST = {
    "drivers/input/serio/hyperv-keyboard.c": [
        "synth_kbd_msg_hdr", "synth_kbd_version",
        "synth_kbd_protocol_request", "synth_kbd_protocol_response",
        "synth_kbd_keystroke"],
    "drivers/gpu/drm/hyperv/hyperv_drm_proto.c": [
        "pipe_msg_hdr", "hvd_screen_info", "synthvid_msg_hdr",
        "synthvid_version_req", "synthvid_version_resp",
        "synthvid_vram_location", "synthvid_vram_location_ack",
        "video_output_situation", "synthvid_situation_update",
        "synthvid_pointer_position", "synthvid_pointer_shape",
        "synthvid_feature_change", "rect", "synthvid_dirt",
        "synthvid_supported_resolution_req",
        "synthvid_supported_resolution_resp"],
}

OURS = ["drivers/vmbus_server_kbd/kbd.h", "drivers/vmbus_server_video/video.h"]

# (guest struct, guest member or None, ours, our member or None): the
# sizes when both members are None, else the offsets.
PAIRS = [
    ("synth_kbd_protocol_request", None, "vmb_kbd_protocol_request", None),
    ("synth_kbd_protocol_request", "version_requested",
     "vmb_kbd_protocol_request", "version"),
    ("synth_kbd_protocol_response", None, "vmb_kbd_protocol_response", None),
    ("synth_kbd_protocol_response", "proto_status",
     "vmb_kbd_protocol_response", "status"),
    ("synth_kbd_keystroke", None, "vmb_kbd_keystroke", None),
    ("synth_kbd_keystroke", "make_code", "vmb_kbd_keystroke", "make_code"),
    ("synth_kbd_keystroke", "info", "vmb_kbd_keystroke", "info"),
    ("pipe_msg_hdr", None, "vmb_vid_pipe_hdr", None),
    ("pipe_msg_hdr", "size", "vmb_vid_pipe_hdr", "size"),
    ("synthvid_msg_hdr", None, "vmb_vid_hdr", None),
    ("synthvid_version_req", None, "vmb_vid_version_req", None),
    ("synthvid_version_resp", None, "vmb_vid_version_resp", None),
    ("synthvid_version_resp", "max_video_outputs",
     "vmb_vid_version_resp", "max_outputs"),
    ("synthvid_vram_location", None, "vmb_vid_vram_location", None),
    ("synthvid_vram_location", "vram_gpa", "vmb_vid_vram_location", "gpa"),
    ("synthvid_vram_location_ack", None, "vmb_vid_ack", None),
    ("synthvid_situation_update_ack", None, "vmb_vid_ack", None),
    ("video_output_situation", None, "vmb_vid_output", None),
    ("video_output_situation", "depth_bits", "vmb_vid_output", "depth_bits"),
    ("video_output_situation", "pitch_bytes", "vmb_vid_output", "pitch"),
    ("synthvid_situation_update", None, "vmb_vid_situation", None),
    ("synthvid_situation_update", "video_output",
     "vmb_vid_situation", "output"),
    ("synthvid_pointer_position", None, "vmb_vid_pointer_position", None),
    ("synthvid_pointer_position", "image_y",
     "vmb_vid_pointer_position", "y"),
    ("synthvid_pointer_shape", "data", "vmb_vid_pointer_shape", None),
    ("synthvid_pointer_shape", "hot_y", "vmb_vid_pointer_shape", "hot_y"),
    ("synthvid_feature_change", None, "vmb_vid_feature_change", None),
    ("rect", None, "vmb_vid_rect", None),
    ("synthvid_dirt", "rect", "vmb_vid_dirt", None),
    ("synthvid_supported_resolution_req", None, "vmb_vid_resolution_req",
     None),
    ("hvd_screen_info", None, "vmb_vid_resolution", None),
    ("synthvid_supported_resolution_resp", "supported_resolution",
     "vmb_vid_resolution_resp", None),
    ("synthvid_supported_resolution_resp", "default_resolution_index",
     "vmb_vid_resolution_resp", "default_index"),
]
GUEST["drivers/gpu/drm/hyperv/hyperv_drm_proto.c"].append(
    "synthvid_situation_update_ack")

PRELUDE = """
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32;
typedef uint64_t u64; typedef int32_t s32;
typedef uint16_t __le16; typedef uint32_t __le32; typedef uint64_t __le64;
#define __packed __attribute__((packed))
#define static_assert _Static_assert
#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))
"""


def struct_decl(text, name):
    m = re.search(r"^(struct|union) %s \{.*?^\}( __packed)?;" % name, text,
                  re.S | re.M)
    if not m:
        raise SystemExit(f"no declaration of {name}")
    return m[0]


def side(struct, member):
    if member is None:
        return f"sizeof(struct {struct})"
    return f"offsetof(struct {struct}, {member})"


def main():
    tree, repo = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        for h in ("build_bug.h", "stddef.h", "types.h"):
            os.makedirs(f"{tmp}/linux", exist_ok=True)
            open(f"{tmp}/linux/{h}", "w").close()
        src = [PRELUDE]
        for path, names in GUEST.items():
            text = open(os.path.join(tree, path)).read()
            # The array bounds the declarations use: plain numbers.
            src += re.findall(r"^#define\s+\w+\s+\d+$", text, re.M)
            src += [struct_decl(text, n) for n in names]
        src += [f'#include "{os.path.join(repo, h)}"' for h in OURS]
        for g, gm, o, om in PAIRS:
            src.append(f"static_assert({side(g, gm)} == {side(o, om)}, "
                       f'"{g}.{gm or "size"} vs {o}.{om or "size"}");')
        with open(f"{tmp}/abi.c", "w") as f:
            f.write("\n".join(src) + "\n")
        r = subprocess.run(["gcc", "-fsyntax-only", "-I", tmp, f"{tmp}/abi.c"],
                           capture_output=True, text=True)
        if r.returncode:
            print(r.stderr, end="")
            return 1
    print(f"{len(PAIRS)} checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
