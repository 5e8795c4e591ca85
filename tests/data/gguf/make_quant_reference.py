#!/usr/bin/env python3
"""ggml's number formats computed in Python from their definitions (ggml-quants.c quantize_row_q8_0_ref /
quantize_row_q4_0_ref, IEEE binary16 from the struct module, bfloat16 by round-to-nearest-even on the bits), on
fixed float32 inputs, written to quant_reference.json for tests/test_gguf.cpp. Pure Python 3.

float32 arithmetic is emulated by rounding every result to float32 (struct 'f'); a product or quotient of two
float32 values is exact or correctly rounded in a double first, so rounding that double to float32 gives the float32
result. Run: python3 tests/data/gguf/make_quant_reference.py
"""
import json
import math
import os
import random
import struct


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def f32_bits(x):
    return struct.unpack('<I', struct.pack('<f', x))[0]


def fp16_bits(x):
    try:
        return struct.unpack('<H', struct.pack('<e', x))[0]
    except OverflowError:   # beyond half's range: infinity, as a float conversion gives
        return 0xFC00 if x < 0 else 0x7C00


def bf16_bits(x):
    u = f32_bits(x)
    if (u & 0x7fffffff) > 0x7f800000:
        return (u >> 16) | 64
    return ((u + 0x7fff + ((u >> 16) & 1)) >> 16) & 0xffff


def round_half_away(v):
    return math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)


def q8_0(block):
    amax = max(abs(v) for v in block)
    d = f32(amax / 127.0)
    inv = f32(1.0 / d) if d != 0 else 0.0
    q = [int(round_half_away(f32(v * inv))) for v in block]
    return struct.pack('<H', fp16_bits(d)) + bytes((v & 0xff) for v in q)


def q4_0(block):
    amax, mx = 0.0, 0.0
    for v in block:
        if amax < abs(v):
            amax, mx = abs(v), v
    d = f32(mx / -8.0)
    inv = f32(1.0 / d) if d != 0 else 0.0
    def nib(v):
        t = f32(v * inv + 8.5)       # x·id + 8.5 rounded once (a fused multiply-add), then truncated
        return min(15, int(t))
    out = bytearray(struct.pack('<H', fp16_bits(d)))
    for j in range(16):
        out.append(nib(block[j]) | (nib(block[j + 16]) << 4))
    return bytes(out)


rng = random.Random(20261202)
blocks = []
blocks.append([0.0] * 32)                                               # all zero: d = -0 for Q4_0
blocks.append([f32(rng.gauss(0, 1)) for _ in range(32)])                # a weight matrix's row
blocks.append([f32(rng.gauss(0, 0.02)) for _ in range(32)])             # small weights
blocks.append([f32(v) for v in [1.0, -1.0] * 16])                       # ties: the first largest wins
blocks.append([f32((i - 16) / 8.0) for i in range(32)])                 # exact halves
blocks.append([f32(rng.uniform(-300, 300)) for _ in range(32)])         # large
blocks.append([f32(v) for v in [6e-8, -6e-8, 1e-5, 65504.0, -70000.0] + [0.5] * 27])   # half's edges
values = [v for b in blocks for v in b]

ref = {
    "about": "tests/data/gguf/make_quant_reference.py: ggml's formats computed from their definitions",
    "f32_bits": [f32_bits(v) for v in values],
    "fp16_bits": [fp16_bits(v) for v in values],
    "bf16_bits": [bf16_bits(v) for v in values],
    "q8_0": b"".join(q8_0(b) for b in blocks).hex(),
    "q4_0": b"".join(q4_0(b) for b in blocks).hex(),
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "quant_reference.json"), "w") as f:
    json.dump(ref, f, indent=1)
    f.write("\n")
