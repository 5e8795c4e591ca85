#!/usr/bin/env python3
"""Builds a real-size model folder with random weights, for the size and memory measurements of docs/benchmarks.md.

    python3 tools/make_real_size_checkpoint.py OUT_DIR [--model NAME] [--seed S] [--config-only]

NAME: llama-3.2-1b-instruct (default), qwen2.5-0.5b-instruct, llama-3.1-8b-instruct, llama-2-7b. --config-only writes
config.json alone (what `llm-surgery-cli bench memory` reads; no python3-torch needed).

The config.json is the public one of the named model (exact sizes, RoPE scaling, tied embeddings, eos lists), the
weights are random bfloat16 (scaled as tools/make_tiny_checkpoints.py scales them, so that logits and losses stay in
a normal range), and the tokenizer files are the real ones from tests/data/tokenizers (Llama 3 / Qwen3 vocabularies
match the models' sizes), with the real chat template as chat_template.jinja. About 2.5 GB for Llama-3.2-1B: never
commit the output. Tensors are generated and written one at a time (the script's memory stays near one tensor).
Needs Debian's python3-torch only.
"""

import argparse
import gzip
import json
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_reference as ref  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data")

# Public config.json files (huggingface.co/<repo>/blob/main/config.json), keys as published.
MODELS = {
    "llama-3.2-1b-instruct": {
        "tokenizer": "llama3",
        "chat_template": "llama3_2.jinja",
        "config": {
            "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
            "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu",
            "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
            "max_position_embeddings": 131072, "mlp_bias": False, "model_type": "llama", "num_attention_heads": 32,
            "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
            "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                             "original_max_position_embeddings": 8192, "rope_type": "llama3"},
            "rope_theta": 500000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
            "transformers_version": "4.45.0.dev0", "use_cache": True, "vocab_size": 128256,
        },
    },
    "llama-3.1-8b-instruct": {
        "tokenizer": "llama3",
        "chat_template": "llama3_1.jinja",
        "config": {
            "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
            "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu",
            "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
            "max_position_embeddings": 131072, "mlp_bias": False, "model_type": "llama", "num_attention_heads": 32,
            "num_hidden_layers": 32, "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
            "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                             "original_max_position_embeddings": 8192, "rope_type": "llama3"},
            "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
            "transformers_version": "4.42.3", "use_cache": True, "vocab_size": 128256,
        },
    },
    "llama-2-7b": {
        "tokenizer": "llama2",
        "chat_template": None,
        "config": {
            "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
            "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008, "max_position_embeddings": 4096,
            "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
            "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None, "tie_word_embeddings": False,
            "torch_dtype": "float16", "transformers_version": "4.31.0.dev0", "use_cache": True, "vocab_size": 32000,
        },
    },
    "qwen2.5-0.5b-instruct": {
        "tokenizer": "qwen3",   # the Qwen2 / Qwen2.5 / Qwen3 vocabulary (151,643 tokens + specials; padded to 151,936)
        "chat_template": "qwen2_5.jinja",
        "config": {
            "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
            "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
            "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
            "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
            "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": True,
            "torch_dtype": "bfloat16", "transformers_version": "4.43.1", "use_cache": True,
            "use_sliding_window": False, "vocab_size": 151936,
        },
    },
}


def scaled(name, shape, g, hidden):
    """One random tensor as tools/make_tiny_checkpoints.random_weights draws it, but the embeddings (tied to the head)
    N(0, (5 / sqrt(hidden))^2): with the final norm's 0.4 scale the logits then have a standard deviation near 2 at
    any hidden size, as in the tiny checkpoints (N(0, 1) at hidden 2048 gives logits near 18: every next token at
    probability 1)."""
    x = torch.randn(shape, generator=g, dtype=torch.float32)
    if name == "model.norm.weight":
        return 0.4 * (1.0 + 0.2 * x)
    if name.endswith("norm.weight"):
        return 1.0 + 0.2 * x
    if name.endswith(".bias"):
        return 0.5 * x
    if name in ("model.embed_tokens.weight", "lm_head.weight"):
        return x * (5.0 / hidden ** 0.5)
    x = x / (shape[1] ** 0.5)
    return 1.5 * x if name.endswith(("q_proj.weight", "k_proj.weight")) else x


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--model", default="llama-3.2-1b-instruct", choices=sorted(MODELS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--config-only", action="store_true", help="write config.json alone")
    args = ap.parse_args()
    spec = MODELS[args.model]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        f.write(json.dumps(spec["config"], indent=2) + "\n")
    if args.config_only:
        return
    global torch, tiny
    import torch  # noqa: E402  (Debian's python3-torch; only for the weights)
    import make_tiny_checkpoints as tiny  # noqa: E402
    config = ref.Config(spec["config"])
    shapes = dict(sorted(ref.expected_tensors(config).items()))

    # Header first (the shapes are known), then each tensor generated and written in turn.
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in shapes.items():
        n = 2
        for d in shape:
            n *= d
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    g = torch.Generator().manual_seed(args.seed)
    path = os.path.join(args.out, "model.safetensors")
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for i, (name, shape) in enumerate(shapes.items()):
            f.write(tiny.tensor_bytes(scaled(name, shape, g, config.hidden_size), "BF16"))
            print(f"\r{i + 1}/{len(shapes)} tensors", end="", file=sys.stderr, flush=True)
    os.replace(path + ".tmp", path)
    print(f"\n{path}: {offset / 1e9:.2f} GB of bf16 weights", file=sys.stderr)

    tok = os.path.join(DATA, "tokenizers", spec["tokenizer"])
    with gzip.open(os.path.join(tok, "tokenizer.json.gz"), "rb") as src, \
            open(os.path.join(args.out, "tokenizer.json"), "wb") as dst:
        shutil.copyfileobj(src, dst)
    with open(os.path.join(tok, "tokenizer_config.json"), encoding="utf-8") as f:
        tc = json.load(f)
    tc.pop("chat_template", None)   # chat_template.jinja below is the model's own
    with open(os.path.join(args.out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tc, f, indent=2, ensure_ascii=False)
    if spec["chat_template"]:
        shutil.copyfile(os.path.join(DATA, "chat_templates", spec["chat_template"]),
                        os.path.join(args.out, "chat_template.jinja"))
    for extra in ("LICENSE", "NOTICE"):
        if os.path.exists(os.path.join(tok, extra)):
            shutil.copyfile(os.path.join(tok, extra), os.path.join(args.out, extra))


if __name__ == "__main__":
    main()
