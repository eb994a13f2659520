"""Draw statuspage/static/preview.png, the picture social previews show (1200 × 630, Open Graph's size).

Made once and committed; run again only to change the design:
    python3 tools/make_preview.py

It shows no words (it serves every language) and no status colour: platforms keep a preview for
days, so it must never say "all is well" or "outage".  A stylised status page in neutral greys
and the link blue: a heading, rows of components, each with a bar of days.  Pure Python (zlib),
so it needs nothing beyond the standard library.
"""

import struct
import zlib
from pathlib import Path

WIDTH, HEIGHT = 1200, 630
OUT = Path(__file__).resolve().parent.parent / "statuspage" / "static" / "preview.png"
PALETTE = [
    (0xF6, 0xF8, 0xFA),  # 0 background
    (0xFF, 0xFF, 0xFF),  # 1 card
    (0xD0, 0xD7, 0xDE),  # 2 lines
    (0x57, 0x60, 0x6A),  # 3 muted text
    (0x1F, 0x23, 0x28),  # 4 heading
    (0x0A, 0x58, 0xCA),  # 5 link blue
    (0xAF, 0xB8, 0xC1),  # 6 bars
]


def main() -> None:
    pixels = [bytearray([0]) * WIDTH for _ in range(HEIGHT)]

    def box(x0: int, y0: int, x1: int, y1: int, colour: int, radius: int = 0) -> None:
        for y in range(max(0, y0), min(HEIGHT, y1)):
            row = pixels[y]
            for x in range(max(0, x0), min(WIDTH, x1)):
                if radius:
                    cx = x0 + radius if x < x0 + radius else x1 - radius - 1 if x >= x1 - radius else x
                    cy = y0 + radius if y < y0 + radius else y1 - radius - 1 if y >= y1 - radius else y
                    if (x - cx) ** 2 + (y - cy) ** 2 > radius * radius:
                        continue
                row[x] = colour

    box(80, 60, 1120, 570, 2, 28)  # the card's border
    box(83, 63, 1117, 567, 1, 26)
    box(80, 60, 96, 570, 5, 0)  # the banner's edge, in the link blue
    box(140, 110, 620, 150, 4, 12)  # a heading
    box(140, 170, 460, 190, 3, 8)  # a line under it
    for row in range(4):
        top = 240 + row * 80
        box(140, top, 380, top + 22, 3, 8)  # a component's name
        for day in range(45):  # its bar of days
            x = 500 + day * 12
            box(x, top - 4, x + 8, top + 26, 6, 2)
        box(140, top + 52, 1060, top + 54, 2)  # the line between components
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 3, 0, 0, 0))
    png += chunk(b"PLTE", b"".join(bytes(colour) for colour in PALETTE))
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    OUT.write_bytes(png)
    print(f"wrote {OUT.relative_to(OUT.parent.parent.parent)}: {len(png)} bytes")


if __name__ == "__main__":
    main()
