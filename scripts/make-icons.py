#!/usr/bin/env python3
"""Draws IceVeil's toolbar icons (a shield with a veil of ice lines) as PNGs, stdlib only."""
import struct, sys, zlib, math, pathlib

def shield(x, y):
    # Shield outline in unit square: flat top with rounded corners, curved sides to a point.
    if y < 0.08 or y > 0.95:
        return False
    half = 0.40 if y < 0.55 else 0.40 * math.cos((y - 0.55) / 0.40 * math.pi / 2)
    return abs(x - 0.5) <= half

def colour(x, y, state):
    if not shield(x, y):
        return None
    inner = shield(0.5 + (x - 0.5) * 1.22, 0.08 + (y - 0.08) * 1.13)
    base = {"on": (47, 111, 222), "off": (128, 128, 136), "warn": (214, 120, 20)}[state]
    if not inner:
        return tuple(int(c * 0.7) for c in base)
    # Three "veil" bars across the shield.
    for cy in (0.36, 0.50, 0.64):
        if abs(y - cy) < 0.035 and abs(x - 0.5) < 0.22 - (cy - 0.36) * 0.35:
            return (255, 255, 255)
    return base

def png(size, state):
    ss = 4
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    c = colour((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size, state)
                    if c:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 255
            n = acc[3] // 255
            row += bytes([acc[0] // n if n else 0, acc[1] // n if n else 0, acc[2] // n if n else 0, acc[3] // (ss * ss)])
        rows.append(bytes(row))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "extension/icons")
out.mkdir(parents=True, exist_ok=True)
for state in ("on", "off", "warn"):
    for size in (16, 32, 48, 128):
        if state != "on" and size > 32:
            continue
        name = f"icon-{size}.png" if state == "on" else f"icon-{state}-{size}.png"
        (out / name).write_bytes(png(size, state))
