#!/usr/bin/env python3
"""Builds the tiny random checkpoints of tests/data/families/ and their reference log-probabilities.

One folder per family, each a Hugging Face folder (config.json + model.safetensors) with the real vocabulary size of
the real tokenizer, so that the folders can be paired with tests/data/tokenizers/<tokenizer>/, and a reference.json
computed by tools/hf_reference.py (a transcription of the transformers modeling code) in float32.

    python3 tools/make_tiny_checkpoints.py [OUT_DIR]      (default: tests/data/families)

Deterministic: every run writes byte-identical files (fixed seeds, PyTorch's CPU generator, sorted JSON keys).
Needs Debian's python3-torch (and numpy) only.
"""

import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_reference as ref  # noqa: E402  (re-executes under /usr/bin/python3 when torch is missing)

import torch  # noqa: E402

# ----------------------------------------------------------------------------------------------------------------------
# Token id sequences. The "text" ones are what the Hugging Face tokenizers library (0.22.2) gives on the real
# tokenizer.json files, as recorded in tests/data/tokenizers/<name>/reference.json.gz (`ids_special`, i.e.
# add_special_tokens=True), strings 21 and 63 of tests/data/tokenizers/strings.json. That Llama 3 tokenizer.json adds
# no BOS itself; <|begin_of_text|> (128000) is prepended here as Llama 3 models expect.
# ----------------------------------------------------------------------------------------------------------------------

TEXT_FOX = "The quick brown fox jumps over the lazy dog."
TEXT_JSON = '{"key": [1, 2, 3], "b": null}'
TEXT_IDS = {
    "llama3": {
        TEXT_JSON: [128000, 5018, 798, 794, 510, 16, 11, 220, 17, 11, 220, 18, 1145, 330, 65, 794, 854, 92],
        TEXT_FOX: [128000, 791, 4062, 14198, 39935, 35308, 927, 279, 16053, 5679, 13],
    },
    "qwen3": {  # Qwen3 and Qwen2.5 share this vocabulary; no BOS
        TEXT_JSON: [4913, 792, 788, 508, 16, 11, 220, 17, 11, 220, 18, 1125, 330, 65, 788, 845, 92],
        TEXT_FOX: [785, 3974, 13876, 38835, 34208, 916, 279, 15678, 5562, 13],
    },
    "llama2": {  # the SentencePiece tokenizer.json of tests/data/tokenizers/llama2 (Mistral-7B-v0.1's 32000 pieces)
        TEXT_JSON: [1, 9830, 1499, 1264, 733, 28740, 28725, 28705, 28750, 28725, 28705, 28770, 1181, 345, 28726, 1264,
                    1241, 28752],
        TEXT_FOX: [1, 415, 2936, 9060, 285, 1142, 461, 10575, 754, 272, 17898, 3914, 28723],
    },
}

# Special / end-of-vocabulary ids mixed into the synthetic sequence (all < vocab_size).
SPECIAL_IDS = {
    # <|begin_of_text|>, <|end_of_text|>, <|start_header_id|>, <|end_header_id|>, <|eot_id|>, last reserved ids
    "llama3": [128000, 128001, 128006, 128007, 128009, 128254, 128255],
    # <|endoftext|>, <|im_start|>, <|im_end|>, last added token 151664, then padding rows up to vocab_size 151936
    "qwen3": [151643, 151644, 151645, 151664, 151934, 151935],
    # <unk>, <s>, </s>, the last pieces
    "llama2": [0, 1, 2, 31997, 31998, 31999],
}

# ----------------------------------------------------------------------------------------------------------------------
# The checkpoints. config.json carries the keys of the real model's config.json (named in "like"); the sizes are
# tiny and a few values are chosen so that each feature changes the log-probabilities visibly (see NOTES).
# ----------------------------------------------------------------------------------------------------------------------

CHECKPOINTS = [
    {
        "name": "llama3-scaled",
        "like": "meta-llama/Llama-3.2-1B-Instruct",
        "tokenizer": "llama3",
        "seed": 1001,
        "dtype": "BF16",
        "notes": "LlamaForCausalLM, rope_scaling llama3, tied embeddings, explicit head_dim 16 != hidden 16 / 4 heads, "
                 "GQA 4:2. original_max_position_embeddings is 64 (8192 in the real model) so that, with head_dim 16 "
                 "and rope_theta 500000, the three llama3 regimes (kept / smoothed / divided by factor) all act on "
                 "positions < 20.",
        "config": {
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": False,
            "attention_dropout": 0.0,
            "bos_token_id": 128000,
            "eos_token_id": [128001, 128008, 128009],
            "head_dim": 16,
            "hidden_act": "silu",
            "hidden_size": 16,
            "initializer_range": 0.02,
            "intermediate_size": 48,
            "max_position_embeddings": 131072,
            "mlp_bias": False,
            "model_type": "llama",
            "num_attention_heads": 4,
            "num_hidden_layers": 2,
            "num_key_value_heads": 2,
            "pretraining_tp": 1,
            "rms_norm_eps": 1e-05,
            "rope_scaling": {
                "factor": 32.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 64,
                "rope_type": "llama3",
            },
            "rope_theta": 500000.0,
            "tie_word_embeddings": True,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.45.0.dev0",
            "use_cache": True,
            "vocab_size": 128256,
        },
    },
    {
        "name": "llama2-linear",
        "like": "lmsys/vicuna-7b-v1.5-16k (a Llama 2 with linear RoPE scaling)",
        "tokenizer": "llama2",
        "seed": 1002,
        "dtype": "F16",
        "notes": "LlamaForCausalLM, rope_scaling linear written with the older key \"type\" (as the real configs of "
                 "that era carry it; transformers reads \"type\" when \"rope_type\" is absent), untied lm_head, "
                 "head_dim derived (no head_dim key), MHA. Unlike the real model, attention_bias and mlp_bias are "
                 "true, so that Llama's q/k/v/o and MLP biases are covered, and the weights are F16 "
                 "(torch_dtype float16, as vicuna's), so that the F16 reader is covered.",
        "config": {
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": True,
            "attention_dropout": 0.0,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "hidden_size": 16,
            "initializer_range": 0.02,
            "intermediate_size": 40,
            "max_position_embeddings": 16384,
            "mlp_bias": True,
            "model_type": "llama",
            "num_attention_heads": 2,
            "num_hidden_layers": 2,
            "num_key_value_heads": 2,
            "pretraining_tp": 1,
            "rms_norm_eps": 1e-05,
            "rope_scaling": {"factor": 4.0, "type": "linear"},
            "rope_theta": 10000.0,
            "tie_word_embeddings": False,
            "torch_dtype": "float16",
            "transformers_version": "4.31.0",
            "use_cache": True,
            "vocab_size": 32000,
        },
    },
    {
        "name": "qwen2",
        "like": "Qwen/Qwen2.5-0.5B-Instruct",
        "tokenizer": "qwen3",
        "seed": 1003,
        "dtype": "BF16",
        "notes": "Qwen2ForCausalLM: q/k/v biases, o_proj without bias, tied embeddings, GQA 2:1, head_dim derived "
                 "(no head_dim key, as in the real config). use_sliding_window is false as in every released "
                 "Qwen2.5 config, so sliding_window (32768) and max_window_layers do not apply.",
        "config": {
            "architectures": ["Qwen2ForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "eos_token_id": 151645,
            "hidden_act": "silu",
            "hidden_size": 16,
            "initializer_range": 0.02,
            "intermediate_size": 48,
            "max_position_embeddings": 32768,
            "max_window_layers": 21,
            "model_type": "qwen2",
            "num_attention_heads": 2,
            "num_hidden_layers": 2,
            "num_key_value_heads": 1,
            "rms_norm_eps": 1e-06,
            "rope_scaling": None,
            "rope_theta": 1000000.0,
            "sliding_window": 32768,
            "tie_word_embeddings": True,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.43.1",
            "use_cache": True,
            "use_sliding_window": False,
            "vocab_size": 151936,
        },
    },
    {
        "name": "qwen3",
        "like": "Qwen/Qwen3-0.6B",
        "tokenizer": "qwen3",
        "seed": 1004,
        "dtype": "BF16",
        "notes": "Qwen3ForCausalLM: per-head q_norm / k_norm (RMSNorm over head_dim, before RoPE), head_dim 8 with "
                 "4 heads and hidden 16 (q_proj is 32 x 16), no attention bias, tied embeddings, GQA 4:2, "
                 "sliding_window null / use_sliding_window false as in the real config.",
        "config": {
            "architectures": ["Qwen3ForCausalLM"],
            "attention_bias": False,
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "eos_token_id": 151645,
            "head_dim": 8,
            "hidden_act": "silu",
            "hidden_size": 16,
            "initializer_range": 0.02,
            "intermediate_size": 48,
            "max_position_embeddings": 40960,
            "max_window_layers": 28,
            "model_type": "qwen3",
            "num_attention_heads": 4,
            "num_hidden_layers": 2,
            "num_key_value_heads": 2,
            "rms_norm_eps": 1e-06,
            "rope_scaling": None,
            "rope_theta": 1000000,
            "sliding_window": None,
            "tie_word_embeddings": True,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.51.0",
            "use_cache": True,
            "use_sliding_window": False,
            "vocab_size": 151936,
        },
    },
    {
        "name": "mistral",
        "like": "mistralai/Mistral-7B-v0.1",
        "tokenizer": "llama2",
        "seed": 1005,
        "dtype": "BF16",
        "notes": "MistralForCausalLM with sliding_window 4 (4096 in the real model): every sequence is longer, so "
                 "the window masks keys in both layers. Untied lm_head, GQA 4:2, head_dim derived (no head_dim "
                 "key, as in the real config).",
        "config": {
            "architectures": ["MistralForCausalLM"],
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "hidden_size": 32,
            "initializer_range": 0.02,
            "intermediate_size": 64,
            "max_position_embeddings": 32768,
            "model_type": "mistral",
            "num_attention_heads": 4,
            "num_hidden_layers": 2,
            "num_key_value_heads": 2,
            "rms_norm_eps": 1e-05,
            "rope_theta": 10000.0,
            "sliding_window": 4,
            "tie_word_embeddings": False,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.34.0.dev0",
            "use_cache": True,
            "vocab_size": 32000,
        },
    },
]

# ----------------------------------------------------------------------------------------------------------------------
# Random weights
# ----------------------------------------------------------------------------------------------------------------------


def random_weights(config, seed):
    """Weights for every tensor hf_reference.expected_tensors names, drawn in sorted-name order from one seeded
    generator. Scales: embeddings / lm_head N(0, 1), norms 1 + 0.2 N(0, 1) but the final model.norm 0.4x that (logits
    of a standard deviation near 2, so log-probabilities of random ids sit near -12, not in a far tail), projections
    N(0, 1) / sqrt(fan_in) (q and k 1.5x, so that attention is far from uniform), biases 0.5 N(0, 1)."""
    g = torch.Generator().manual_seed(seed)
    W = {}
    for name, shape in sorted(ref.expected_tensors(config).items()):
        x = torch.randn(shape, generator=g, dtype=torch.float32)
        if name == "model.norm.weight":
            x = 0.4 * (1.0 + 0.2 * x)
        elif name.endswith("norm.weight"):
            x = 1.0 + 0.2 * x
        elif name.endswith(".bias"):
            x = 0.5 * x
        elif name in ("model.embed_tokens.weight", "lm_head.weight"):
            pass
        else:
            x = x / (shape[1] ** 0.5)
            if name.endswith(("q_proj.weight", "k_proj.weight")):
                x = 1.5 * x
        W[name] = x
    return W


# ----------------------------------------------------------------------------------------------------------------------
# safetensors writer: u64 LE header length, JSON header (padded with spaces to a multiple of 8, as the safetensors
# library does), then the tensors' bytes back to back in header order
# ----------------------------------------------------------------------------------------------------------------------


def tensor_bytes(x, dtype):
    if dtype == "F32":
        return x.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return x.to(torch.float16).contiguous().numpy().astype("<f2").tobytes()
    if dtype == "BF16":  # round to nearest even (PyTorch's conversion), raw 16-bit patterns
        return x.to(torch.bfloat16).contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        b = tensor_bytes(tensors[name], dtype)
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------------------------------
# Sequences, reference, sensitivity
# ----------------------------------------------------------------------------------------------------------------------


def synthetic_ids(tokenizer, vocab_size, seed, length=20):
    """Random ids over the whole vocabulary with the special / last ids of SPECIAL_IDS spliced in."""
    g = torch.Generator().manual_seed(seed + 77)
    ids = torch.randint(0, vocab_size, (length,), generator=g).tolist()
    specials = SPECIAL_IDS[tokenizer]
    slots = torch.randperm(length - 1, generator=g)[: len(specials)].tolist()
    for slot, sid in zip(slots, specials):
        ids[slot + 1] = sid
    ids[0] = specials[1] if tokenizer == "qwen3" else specials[0] if tokenizer == "llama3" else 1
    assert all(0 <= t < vocab_size for t in ids)
    return ids


def sequences_for(ck):
    tok, V = ck["tokenizer"], ck["config"]["vocab_size"]
    return [
        {"name": "text-json", "text": TEXT_JSON, "ids": TEXT_IDS[tok][TEXT_JSON]},
        {"name": "text-fox", "text": TEXT_FOX, "ids": TEXT_IDS[tok][TEXT_FOX]},
        {"name": "synthetic-vocab-end", "ids": synthetic_ids(tok, V, ck["seed"])},
    ]


def max_logprob_change(config, W, seqs, base):
    worst = 0.0
    for s, b in zip(seqs, base):
        lp = ref.score(config, W, s["ids"])["logprobs"]
        worst = max(worst, max(abs(x - y) for x, y in zip(lp, b)))
    return worst


def sensitivity(config, W, seqs, base):
    """How much the log-probabilities move when a feature is dropped: shows that the parity test would catch it."""
    out = {}

    def with_config(**changes):
        c = ref.Config.__new__(ref.Config)
        c.__dict__.update(config.__dict__)
        c.__dict__.update(changes)
        return c

    if config.rope_type != "default":
        out["rope_scaling ignored (plain RoPE)"] = max_logprob_change(with_config(rope_type="default"), W, seqs, base)
    if any(sw is not None for sw in config.layer_sliding_window):
        c = with_config(layer_sliding_window=[None] * config.num_hidden_layers)
        out["sliding_window ignored (full causal attention)"] = max_logprob_change(c, W, seqs, base)
        c = with_config(layer_sliding_window=[sw + 1 for sw in config.layer_sliding_window])
        out["window one token wider (sliding_window + 1 keys)"] = max_logprob_change(c, W, seqs, base)
    biases = [n for n in W if n.endswith(".bias")]
    if biases:
        W0 = dict(W)
        for n in biases:
            W0[n] = torch.zeros_like(W[n])
        out["biases ignored"] = max_logprob_change(config, W0, seqs, base)
    if config.qk_norm:
        W1 = dict(W)
        for n in W:
            if n.endswith(("q_norm.weight", "k_norm.weight")):
                W1[n] = torch.ones_like(W[n])
        out["q_norm/k_norm weights ignored (ones)"] = max_logprob_change(config, W1, seqs, base)
        out["q_norm/k_norm skipped"] = max_logprob_change(with_config(qk_norm=False), W, seqs, base)
    if config.tie_word_embeddings:
        W2 = dict(W)
        W2["lm_head.weight"] = W["model.embed_tokens.weight"].flip(0)
        out["lm_head not the embedding (rows reversed)"] = max_logprob_change(
            with_config(tie_word_embeddings=False), W2, seqs, base)
    return {k: round(v, 4) for k, v in out.items()}


def build(ck, out_dir):
    d = os.path.join(out_dir, ck["name"])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write(json.dumps(ck["config"], indent=2, sort_keys=True) + "\n")
    config = ref.Config(ck["config"])
    write_safetensors(os.path.join(d, "model.safetensors"), random_weights(config, ck["seed"]), ck["dtype"])

    # The reference reads the folder back exactly as a user of the checkpoint would (weights upcast to float32).
    config, W = ref.load_model(d)
    seqs = sequences_for(ck)
    results = []
    for s in seqs:
        r = ref.score(config, W, s["ids"])
        results.append(dict(s, logprobs=r["logprobs"], nll_sum=r["nll_sum"]))
    sens = sensitivity(config, W, seqs, [r["logprobs"] for r in results])
    doc = {
        "producer": "tools/hf_reference.py: a transcription of the transformers modeling code (LlamaForCausalLM, "
                    "Qwen2ForCausalLM, Qwen3ForCausalLM, MistralForCausalLM, modeling_rope_utils, masking_utils; "
                    "file commits in its header), PyTorch %s CPU, float32, batch 1, eager attention"
                    % torch.__version__,
        "made_by": "python3 tools/make_tiny_checkpoints.py (deterministic; seed %d)" % ck["seed"],
        "architecture": ck["config"]["architectures"][0],
        "like": ck["like"],
        "notes": ck["notes"],
        "weights": "model.safetensors, %s, HF tensor names; the reference upcasts them to float32 exactly (as the C++ "
                   "loader with --dtype float32)" % ck["dtype"],
        "tokenizer": "tests/data/tokenizers/%s (vocab_size %d; text ids are that tokenizer's, add_special_tokens=True"
                     "%s)" % (ck["tokenizer"], ck["config"]["vocab_size"],
                              ", BOS 128000 prepended" if ck["tokenizer"] == "llama3" else ""),
        "definition": "logprobs[i] = log p(ids[i+1] | ids[0..i]) = log_softmax(logits[i])[ids[i+1]] (float32), "
                      "nll_sum = -sum(logprobs): what `llm-surgery-cli score DIR --ids ... --json` prints",
        "tolerance": 1e-4,
        "sensitivity_max_abs_logprob_change": sens,
        "sequences": results,
    }
    with open(os.path.join(d, "reference.json"), "w") as f:
        f.write(json.dumps(doc, indent=1) + "\n")
    sizes = {fn: os.path.getsize(os.path.join(d, fn)) for fn in sorted(os.listdir(d))}
    print(f"{ck['name']}: {sizes}  sensitivity {sens}")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "data", "families")
    torch.set_num_threads(1)
    # First prove the transcription on the plain Llama of tests/data, whose outputs come from llama2.c's model.py.
    tiny = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "data", "tiny-llama")
    if os.path.isdir(tiny):
        worst, count = ref.self_check(tiny)
        print(f"self-check on {tiny}: {count} log-probabilities, max |difference| {worst:.3g}")
        if worst > 1e-5:
            sys.exit("the reference does not match tests/data/tiny-llama; not writing checkpoints")
    for ck in CHECKPOINTS:
        build(ck, out_dir)


if __name__ == "__main__":
    main()
