#!/usr/bin/python3
"""An independent merge of a PEFT LoRA folder into its base model, as PEFT's merge_and_unload computes it
(W + lora_alpha / r * B @ A, in float64), compared with a merged model folder llm-surgery wrote.

usage: merge_peft.py BASE_DIR ADAPTER_DIR MERGED_DIR
Prints the largest absolute difference over every weight and exits 0 when it is at most 1e-5 (float32 rounding of the
merged weights), 1 otherwise. Needs Debian's /usr/bin/python3 with python3-torch only: the safetensors files are parsed
here (8-byte header length, JSON header, raw little-endian data)."""
import json, math, struct, sys

import torch

DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).to(torch.float64)
    return out


def main():
    base_dir, adapter_dir, merged_dir = sys.argv[1:4]
    config = json.load(open(f"{adapter_dir}/adapter_config.json"))
    assert config["peft_type"] == "LORA", config["peft_type"]
    scale = config["lora_alpha"] / (math.sqrt(config["r"]) if config.get("use_rslora") else config["r"])
    base = read_safetensors(f"{base_dir}/model.safetensors")
    adapter = read_safetensors(f"{adapter_dir}/adapter_model.safetensors")
    merged = read_safetensors(f"{merged_dir}/model.safetensors")
    expected = dict(base)
    adapted = 0
    for key, a in adapter.items():
        if not key.endswith(".lora_A.weight"):
            continue
        module = key[len("base_model.model."):-len(".lora_A.weight")]
        b = adapter[key.replace(".lora_A.", ".lora_B.")]
        expected[module + ".weight"] = base[module + ".weight"] + scale * (b @ a)
        adapted += 1
    assert set(expected) == set(merged), sorted(set(expected) ^ set(merged))
    worst = max((expected[k] - merged[k]).abs().max().item() for k in expected)
    changed = max((merged[k] - base[k]).abs().max().item() for k in expected)
    print(f"{adapted} adapted matrices, scale {scale}; largest change from the base {changed:.3g}; "
          f"largest difference from llm-surgery's merge {worst:.3g}")
    return 0 if worst <= 1e-5 and changed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
