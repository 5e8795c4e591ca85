#!/usr/bin/env python3
"""Seeds for fuzz/corpus/gguf: small GGUF v3 files written from the format's description (ggml docs/gguf.md),
one per feature the reader handles: every metadata value type, nested arrays, general.alignment, every tensor type
(F32, F16, BF16, Q8_0, Q4_0) with 1 to 4 dimensions, plus a truncated copy of each. Pure Python 3.

Run: python3 tools/make_fuzz_seeds_gguf.py fuzz/corpus/gguf
"""
import os
import struct
import sys

TYPES = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q8_0": (8, 32, 34), "BF16": (30, 1, 2)}


def s(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b


def value(t, v):
    fmt = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
    if t == 8:
        return s(v)
    if t == 9:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(value(et, i) for i in items)
    return struct.pack(fmt[t], v)


def gguf(kvs, tensors, align=32):
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for k, t, v in kvs:
        out += s(k) + struct.pack("<I", t) + value(t, v)
    offset, blobs = 0, []
    for name, shape, tname in tensors:
        tid, block, bb = TYPES[tname]
        n = 1
        for d in shape:
            n *= d
        nbytes = n // block * bb
        out += s(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in reversed(shape))
        out += struct.pack("<IQ", tid, offset)
        blob = bytes((i * 37 + len(name)) % 251 for i in range(nbytes))
        blobs.append(blob + b"\0" * ((-nbytes) % align))
        offset += len(blobs[-1])
    out += b"\0" * ((-len(out)) % align)
    return out + b"".join(blobs)


every_value = [("general.architecture", 8, "llama"), ("u8", 0, 7), ("i8", 1, -7), ("u16", 2, 700), ("i16", 3, -700),
               ("u32", 4, 70000), ("i32", 5, -70000), ("f32", 6, 0.5), ("bool", 7, True), ("u64", 10, 1 << 40),
               ("i64", 11, -(1 << 40)), ("f64", 12, 0.25), ("strings", 9, (8, ["a", "", "ü"])),
               ("nested", 9, (9, [(4, [1, 2]), (4, [])]))]
tensors = [("f32", [3], "F32"), ("f16", [2, 5], "F16"), ("bf16", [1, 3], "BF16"), ("q8", [2, 64], "Q8_0"),
           ("q4", [2, 1, 3, 32], "Q4_0")]
seeds = {
    "values.gguf": gguf(every_value, []),
    "tensors.gguf": gguf([("general.architecture", 8, "llama")], tensors),
    "aligned64.gguf": gguf([("general.alignment", 4, 64)], tensors[:2], align=64),
    "vocab.gguf": gguf([("tokenizer.ggml.tokens", 9, (8, ["<s>", "</s>", "\u2581a"])),
                        ("tokenizer.ggml.scores", 9, (6, [0.0, 0.0, -1.5])),
                        ("tokenizer.ggml.token_type", 9, (5, [3, 3, 1]))], [("token_embd.weight", [3, 32], "Q8_0")]),
}
os.makedirs(sys.argv[1], exist_ok=True)
for name, data in list(seeds.items()):
    seeds["truncated-" + name] = data[: len(data) * 2 // 3]
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(data)
