"""Draws the Chaintill icon (a green till ring on a dark tile) as RGBA PNGs, no dependencies."""
import math, struct, sys, zlib

def png(size):
    rows = []
    c = (size - 1) / 2
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            dx, dy = (x - c) / size, (y - c) / size
            r = math.hypot(dx, dy)
            # rounded square tile
            q = max(abs(dx), abs(dy))
            inside = q < 0.46 or (math.hypot(max(abs(dx) - 0.36, 0), max(abs(dy) - 0.36, 0)) < 0.10)
            if not inside:
                row += bytes((0, 0, 0, 0)); continue
            px = (22, 27, 34, 255)
            angle = math.degrees(math.atan2(dy, dx)) % 360
            if 0.22 < r < 0.32 and not (330 < angle or angle < 30):
                px = (46, 204, 113, 255)
            if r < 0.08:
                px = (46, 204, 113, 255)
            row += bytes(px)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")

out = sys.argv[1]
for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
    open(f"{out}/{name}", "wb").write(png(size))
