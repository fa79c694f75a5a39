#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""screen_png.py OUT.PNG < STEP_OUTPUT

Takes the guest screen that "vmbs-guest video-capture" printed (between
"screen WxHx32 N bytes" and "screen end", gzipped, base64), writes it as
a PNG and checks its pixels against what "vmbs-guest video-draw" drew:
rows 200-239, which the guest filled with white through /dev/fb0, must be
white; fbcon's line of text (the third, rows 32-47 in its 8x16 font) must
have lit pixels; and nothing else may be lit but the cursor on the line
below.  Prints one line; exits 1 if a check fails or there is no screen.
"""
import base64
import gzip
import re
import struct
import sys
import zlib


def png(path, width, height, rgb_rows):
    def chunk(kind, data):
        body = kind + data
        return (struct.pack(">I", len(data)) + body +
                struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF))

    raw = b"".join(b"\0" + row for row in rgb_rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                           8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def main():
    out = sys.argv[1]
    band, line, cursor = range(200, 240), range(32, 48), range(48, 64)
    text = sys.stdin.read()
    m = re.search(r"^screen (\d+)x(\d+)x32 (\d+) bytes\n(.*?)"
                  r"^screen end$", text, re.S | re.M)
    if not m:
        print("no screen in the step's output")
        return 1
    width, height, size = int(m[1]), int(m[2]), int(m[3])
    data = gzip.decompress(base64.b64decode(m[4]))
    if len(data) != size or size != width * height * 4:
        print(f"screen {width}x{height}: {len(data)} bytes, "
              f"{size} announced, {width * height * 4} expected")
        return 1
    stride = width * 4
    rows, band_white, lit_text, lit_else = [], True, 0, 0
    for y in range(height):
        xrgb = data[y * stride:(y + 1) * stride]
        # XRGB8888 little-endian: blue, green, red, unused.
        rgb = bytearray(width * 3)
        rgb[0::3] = xrgb[2::4]
        rgb[1::3] = xrgb[1::4]
        rgb[2::3] = xrgb[0::4]
        rows.append(bytes(rgb))
        lit = sum(1 for x in range(width) if any(rgb[3 * x:3 * x + 3]))
        if y in band:
            band_white = band_white and rgb.count(255) == len(rgb)
        elif y in line:
            lit_text += lit
        elif y not in cursor:
            lit_else += lit
    png(out, width, height, rows)
    print(f"screen {width}x{height}: rows {band[0]}-{band[-1]} "
          f"{'white' if band_white else 'not white'}, {lit_text} lit pixels "
          f"in the text's line, {lit_else} elsewhere; PNG: {out}")
    return 0 if band_white and lit_text > 0 and not lit_else else 1


if __name__ == "__main__":
    sys.exit(main())
