#!/usr/bin/env python3
"""Independent fp32 reference for the decoder-only families llm-surgery opens.

A plain transcription, in PyTorch, of the Hugging Face transformers modeling code for

    LlamaForCausalLM    src/transformers/models/llama/modeling_llama.py
    Qwen2ForCausalLM    src/transformers/models/qwen2/modeling_qwen2.py
    Qwen3ForCausalLM    src/transformers/models/qwen3/modeling_qwen3.py
    MistralForCausalLM  src/transformers/models/mistral/modeling_mistral.py

with the RoPE frequencies of src/transformers/modeling_rope_utils.py ("default", "linear", "llama3") and the
attention masks of src/transformers/masking_utils.py.  It shares no code with the C++ implementation in core/model/.
Each function below names the transformers function or class it transcribes.  The transcription follows these
versions of the files (git blob commits of huggingface/transformers as read for this script):

    modeling_llama.py     5dd4a63548857797727ae73eeb6a6e886ea02a3e  (v4.48 era: rope_init_fn, eager_attention_forward)
    modeling_qwen2.py     9ee3f431c32e9e5f6c0888f6b2b0ca3f6c289dd6  (v4.55/4.56 era: layer_types, masking_utils)
    modeling_qwen3.py     9ee3f431c32e9e5f6c0888f6b2b0ca3f6c289dd6
    configuration_qwen2.py caa3177646255d2cf73626315c8582722af4749c (layer_types: use_sliding_window, max_window_layers)
    configuration_qwen3.py 1f3ae2b3ac7e5b32262588602ff42efb372a6232 (head_dim defaults to 128)
    modeling_mistral.py   93e0020c96f1aaf6c380491c943fcf57502c5e19  (its sliding-window 4D causal mask)
    modeling_rope_utils.py ef46806472a64b0013ed413781e3afed82bfa047 (_compute_llama3_parameters, linear scaling)
    masking_utils.py      00c4411cbe15d4c56d54d3b56d4d171e9c289dac  (causal_mask_function, sliding_window_overlay)

Only what a forward pass over one unpadded sequence needs (batch 1, no cache, eval mode, eager attention) is
transcribed.  Everything is computed in float32 on the CPU; BF16/F16 weights are upcast to float32 on load, as the C++
loader does with --dtype float32.

Usage (Debian's python3 with python3-torch; no transformers, no safetensors package needed):

    python3 tools/hf_reference.py MODEL_DIR --ids 1,2,3

prints {"ids": [...], "logprobs": [...], "nll_sum": x} like `llm-surgery-cli score MODEL_DIR --ids 1,2,3 --json`:
logprobs[i] = log p(ids[i+1] | ids[0..i]) (one fewer than ids), nll_sum = -sum(logprobs).

    python3 tools/hf_reference.py --self-check tests/data/tiny-llama tests/data/tiny-llama-bf16

checks the transcription against the llama2.c reference outputs committed there (max difference must be <= 1e-5).
"""

import argparse
import json
import math
import os
import struct
import sys

try:
    import numpy as np
    import torch
except ImportError:  # e.g. a pyenv python3 first on PATH: Debian's python3-torch lives in /usr/bin/python3
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

# ----------------------------------------------------------------------------------------------------------------------
# safetensors reader (format: u64 little-endian header length N, N bytes of JSON header, then the raw tensor bytes;
# header entries {"dtype", "shape", "data_offsets": [begin, end]} relative to the end of the header)
# ----------------------------------------------------------------------------------------------------------------------


def _bf16_bytes_to_f32(buf):
    """BF16 is the upper half of an IEEE float32: widen by shifting the 16 bits into the high half (exact)."""
    u16 = np.frombuffer(buf, dtype="<u2")
    return (u16.astype(np.uint32) << 16).view(np.float32)


_DECODERS = {
    "F32": lambda buf: np.frombuffer(buf, dtype="<f4").astype(np.float32),
    "F16": lambda buf: np.frombuffer(buf, dtype="<f2").astype(np.float32),
    "BF16": _bf16_bytes_to_f32,
}
_ITEMSIZE = {"F32": 4, "F16": 2, "BF16": 2}


def read_safetensors(path):
    """Returns {name: float32 torch.Tensor} for every tensor of one .safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    body = data[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _DECODERS:
            raise ValueError(f"{path}: tensor {name} has dtype {dtype}; this reference reads F32, BF16, F16")
        count = 1
        for d in shape:
            count *= d
        if end - begin != count * _ITEMSIZE[dtype] or end > len(body):
            raise ValueError(f"{path}: tensor {name}: data_offsets {begin}..{end} do not fit shape {shape} {dtype}")
        values = _DECODERS[dtype](body[begin:end])
        out[name] = torch.from_numpy(values.copy()).reshape(shape)
    return out


def load_weights(model_dir):
    """model.safetensors, or the shards named by model.safetensors.index.json (as transformers' from_pretrained)."""
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        weights = {}
        for shard in shards:
            weights.update(read_safetensors(os.path.join(model_dir, shard)))
        return weights
    return read_safetensors(os.path.join(model_dir, "model.safetensors"))


# ----------------------------------------------------------------------------------------------------------------------
# Configuration: the values the config classes give the modeling code (their defaults where config.json has no key)
# ----------------------------------------------------------------------------------------------------------------------

FAMILIES = {  # architectures[0] -> model_type
    "LlamaForCausalLM": "llama",
    "Qwen2ForCausalLM": "qwen2",
    "Qwen3ForCausalLM": "qwen3",
    "MistralForCausalLM": "mistral",
}


class Config:
    """The attributes of LlamaConfig / Qwen2Config / Qwen3Config / MistralConfig that the forward pass reads."""

    def __init__(self, j):
        arch = (j.get("architectures") or [None])[0]
        if arch not in FAMILIES:
            raise ValueError(f"architecture {arch!r} is not one of {sorted(FAMILIES)}")
        self.family = FAMILIES[arch]
        if j.get("model_type", self.family) != self.family:
            raise ValueError(f"model_type {j.get('model_type')!r} does not match {arch}")
        self.hidden_size = j["hidden_size"]
        self.intermediate_size = j["intermediate_size"]
        self.num_hidden_layers = j["num_hidden_layers"]
        self.num_attention_heads = j["num_attention_heads"]
        # every config class: "for backward compatibility: if num_key_value_heads is None: = num_attention_heads"
        self.num_key_value_heads = j.get("num_key_value_heads") or self.num_attention_heads
        self.vocab_size = j["vocab_size"]
        # defaults of the config classes' __init__: rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False
        self.rms_norm_eps = j.get("rms_norm_eps", 1e-6)
        self.rope_theta = j.get("rope_theta", 10000.0)
        self.tie_word_embeddings = j.get("tie_word_embeddings", False)
        self.max_position_embeddings = j.get("max_position_embeddings")
        self.partial_rotary_factor = j.get("partial_rotary_factor", 1.0)
        if j.get("hidden_act", "silu") != "silu":
            raise ValueError(f"hidden_act {j.get('hidden_act')!r}: only silu is transcribed")

        # head_dim: LlamaConfig / MistralConfig: `head_dim if head_dim is not None else hidden_size // num_heads`;
        # Qwen3Config: `head_dim=128` default; Qwen2Config has no head_dim argument, so the attention's
        # `getattr(config, "head_dim", hidden_size // num_heads)` sees a config.json key if there is one.
        if self.family == "qwen3":
            self.head_dim = j.get("head_dim", 128)
        else:
            self.head_dim = j.get("head_dim") or self.hidden_size // self.num_attention_heads

        # RoPE. The config classes move the BC key "type" to "rope_type" (e.g. Qwen3Config.__init__:
        # `if self.rope_scaling is not None and "type" in self.rope_scaling: rope_scaling["rope_type"] = ["type"]`);
        # LlamaRotaryEmbedding.__init__: `rope_type = rope_scaling.get("rope_type", rope_scaling.get("type"))`.
        if "rope_parameters" in j:  # transformers v5 writes rope_theta / rope_scaling into this one key
            raise ValueError("rope_parameters (the transformers v5 layout) is not transcribed; "
                             "use rope_theta / rope_scaling")
        self.rope_scaling = j.get("rope_scaling")
        if isinstance(self.rope_scaling, dict):
            self.rope_type = self.rope_scaling.get("rope_type", self.rope_scaling.get("type"))
        else:
            self.rope_type = "default"
        if self.rope_type not in ROPE_INIT_FUNCTIONS:
            raise ValueError(f"rope_type {self.rope_type!r}: only {sorted(ROPE_INIT_FUNCTIONS)} are transcribed")

        # Biases. LlamaAttention: q/k/v/o bias=config.attention_bias; LlamaMLP: bias=config.mlp_bias.
        # Qwen2Attention: q/k/v bias=True, o_proj bias=False. Qwen3Attention: q/k/v/o bias=config.attention_bias.
        # MistralAttention: no bias. Qwen2/Qwen3/Mistral MLPs: no bias.
        attention_bias = bool(j.get("attention_bias", False))
        if self.family == "llama":
            self.qkv_bias, self.o_bias, self.mlp_bias = attention_bias, attention_bias, bool(j.get("mlp_bias", False))
        elif self.family == "qwen2":
            self.qkv_bias, self.o_bias, self.mlp_bias = True, False, False
        elif self.family == "qwen3":
            self.qkv_bias, self.o_bias, self.mlp_bias = attention_bias, attention_bias, False
        else:
            self.qkv_bias, self.o_bias, self.mlp_bias = False, False, False
        self.qk_norm = self.family == "qwen3"  # Qwen3Attention.q_norm / k_norm

        # Sliding window, per layer.
        if self.family == "mistral":
            # MistralConfig(sliding_window=4096): every layer uses config.sliding_window (None = full attention);
            # MistralAttention passes `sliding_window=getattr(self.config, "sliding_window", None)`.
            sw = j.get("sliding_window", 4096)
            self.layer_sliding_window = [sw] * self.num_hidden_layers
        elif self.family in ("qwen2", "qwen3"):
            # Qwen2Config/Qwen3Config.__init__: `self.sliding_window = sliding_window if self.use_sliding_window
            # else None`; layer_types: "sliding_attention" if sliding_window is not None and i >= max_window_layers.
            # Qwen2Attention: `self.sliding_window = config.sliding_window if layer_types[i] == "sliding_attention"`.
            use_sw = j.get("use_sliding_window", False)
            sw = j.get("sliding_window", 4096) if use_sw else None
            max_window_layers = j.get("max_window_layers", 28)
            layer_types = j.get("layer_types") or [
                "sliding_attention" if sw is not None and i >= max_window_layers else "full_attention"
                for i in range(self.num_hidden_layers)
            ]
            self.layer_sliding_window = [sw if t == "sliding_attention" else None for t in layer_types]
        else:
            self.layer_sliding_window = [None] * self.num_hidden_layers


# ----------------------------------------------------------------------------------------------------------------------
# RoPE frequencies: modeling_rope_utils.py
# ----------------------------------------------------------------------------------------------------------------------


def compute_default_rope_parameters(config):
    """modeling_rope_utils._compute_default_rope_parameters"""
    base = config.rope_theta
    dim = int(config.head_dim * config.partial_rotary_factor)
    attention_factor = 1.0  # Unused in this type of RoPE
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    return inv_freq, attention_factor


def compute_linear_scaling_rope_parameters(config):
    """modeling_rope_utils._compute_linear_scaling_rope_parameters"""
    factor = config.rope_scaling["factor"]
    inv_freq, attention_factor = compute_default_rope_parameters(config)
    # "applying scaling to the inverse frequencies is equivalent" to dividing the position ids by factor
    inv_freq /= factor
    return inv_freq, attention_factor


def compute_llama3_parameters(config):
    """modeling_rope_utils._compute_llama3_parameters"""
    inv_freq, attention_factor = compute_default_rope_parameters(config)

    factor = config.rope_scaling["factor"]  # `8` in the original implementation
    low_freq_factor = config.rope_scaling["low_freq_factor"]  # `1` in the original implementation
    high_freq_factor = config.rope_scaling["high_freq_factor"]  # `4` in the original implementation
    old_context_len = config.rope_scaling["original_max_position_embeddings"]  # `8192` in the original implementation

    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor

    wavelen = 2 * math.pi / inv_freq
    # wavelen < high_freq_wavelen: do nothing
    # wavelen > low_freq_wavelen: divide by factor
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    # otherwise: interpolate between the two, using a smooth factor
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    inv_freq_llama = torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)

    return inv_freq_llama, attention_factor


ROPE_INIT_FUNCTIONS = {
    "default": compute_default_rope_parameters,
    "linear": compute_linear_scaling_rope_parameters,
    "llama3": compute_llama3_parameters,
}


def rotary_embedding(config, position_ids):
    """LlamaRotaryEmbedding.__init__ + forward (same in Qwen2/Qwen3/Mistral): cos, sin of shape [1, T, head_dim]"""
    inv_freq, attention_scaling = ROPE_INIT_FUNCTIONS[config.rope_type](config)
    inv_freq_expanded = inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
    position_ids_expanded = position_ids[:, None, :].float()
    freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos = emb.cos() * attention_scaling
    sin = emb.sin() * attention_scaling
    return cos, sin


def rotate_half(x):
    """modeling_llama.rotate_half: Rotates half the hidden dims of the input."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    """modeling_llama.apply_rotary_pos_emb"""
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


# ----------------------------------------------------------------------------------------------------------------------
# Attention mask: masking_utils.py (create_causal_mask / create_sliding_window_causal_mask, eager path)
# ----------------------------------------------------------------------------------------------------------------------


def causal_mask(seq_len, sliding_window):
    """A [1, 1, T, T] additive float mask: 0 where attended, finfo(float32).min where masked.

    masking_utils.causal_mask_function: kv_idx <= q_idx; sliding_window_overlay: kv_idx > q_idx - sliding_window
    (a query sees itself and the sliding_window - 1 tokens before it). Same set as modeling_mistral's
    _prepare_4d_causal_attention_mask_with_cache_position: masked where kv > q or kv <= q - sliding_window.
    The eager path adds the mask to the scores (min_dtype for masked entries).
    """
    q_idx = torch.arange(seq_len)[:, None]
    kv_idx = torch.arange(seq_len)[None, :]
    allowed = kv_idx <= q_idx
    if sliding_window is not None:
        allowed = allowed & (kv_idx > q_idx - sliding_window)
    min_dtype = torch.finfo(torch.float32).min
    mask = torch.zeros(seq_len, seq_len, dtype=torch.float32).masked_fill(~allowed, min_dtype)
    return mask[None, None, :, :]


# ----------------------------------------------------------------------------------------------------------------------
# The decoder
# ----------------------------------------------------------------------------------------------------------------------


def rms_norm(hidden_states, weight, eps):
    """LlamaRMSNorm.forward (= Qwen2RMSNorm = Qwen3RMSNorm = MistralRMSNorm)"""
    input_dtype = hidden_states.dtype
    hidden_states = hidden_states.to(torch.float32)
    variance = hidden_states.pow(2).mean(-1, keepdim=True)
    hidden_states = hidden_states * torch.rsqrt(variance + eps)
    return weight * hidden_states.to(input_dtype)


def linear(x, weight, bias=None):
    """nn.Linear: x @ W^T + b"""
    return torch.nn.functional.linear(x, weight, bias)


def repeat_kv(hidden_states, n_rep):
    """modeling_llama.repeat_kv: (batch, num_key_value_heads, seqlen, head_dim) -> (batch, num_heads, ...)"""
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


def eager_attention_forward(num_key_value_groups, query, key, value, attention_mask, scaling):
    """modeling_llama.eager_attention_forward (dropout 0: eval mode)"""
    key_states = repeat_kv(key, num_key_value_groups)
    value_states = repeat_kv(value, num_key_value_groups)

    attn_weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling
    if attention_mask is not None:
        causal = attention_mask[:, :, :, : key_states.shape[-2]]
        attn_weights = attn_weights + causal

    attn_weights = torch.nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
    attn_output = torch.matmul(attn_weights, value_states)
    attn_output = attn_output.transpose(1, 2).contiguous()
    return attn_output, attn_weights


def attention(config, W, p, hidden_states, position_embeddings, attention_mask):
    """LlamaAttention.forward / Qwen2Attention.forward / Qwen3Attention.forward / MistralAttention.forward"""
    head_dim = config.head_dim
    num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
    scaling = head_dim**-0.5

    input_shape = hidden_states.shape[:-1]
    hidden_shape = (*input_shape, -1, head_dim)

    q = linear(hidden_states, W[p + "q_proj.weight"], W.get(p + "q_proj.bias"))
    k = linear(hidden_states, W[p + "k_proj.weight"], W.get(p + "k_proj.bias"))
    v = linear(hidden_states, W[p + "v_proj.weight"], W.get(p + "v_proj.bias"))
    if config.qk_norm:
        # Qwen3Attention: q_norm / k_norm are RMSNorms over head_dim, applied per head, before RoPE
        # `query_states = self.q_norm(self.q_proj(hidden_states).view(hidden_shape)).transpose(1, 2)`
        query_states = rms_norm(q.view(hidden_shape), W[p + "q_norm.weight"], config.rms_norm_eps).transpose(1, 2)
        key_states = rms_norm(k.view(hidden_shape), W[p + "k_norm.weight"], config.rms_norm_eps).transpose(1, 2)
    else:
        query_states = q.view(hidden_shape).transpose(1, 2)
        key_states = k.view(hidden_shape).transpose(1, 2)
    value_states = v.view(hidden_shape).transpose(1, 2)

    cos, sin = position_embeddings
    query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)

    attn_output, _ = eager_attention_forward(
        num_key_value_groups, query_states, key_states, value_states, attention_mask, scaling
    )
    attn_output = attn_output.reshape(*input_shape, -1).contiguous()
    return linear(attn_output, W[p + "o_proj.weight"], W.get(p + "o_proj.bias"))


def mlp(W, p, x):
    """LlamaMLP.forward: down_proj(act_fn(gate_proj(x)) * up_proj(x)), act_fn = silu"""
    gate = linear(x, W[p + "gate_proj.weight"], W.get(p + "gate_proj.bias"))
    up = linear(x, W[p + "up_proj.weight"], W.get(p + "up_proj.bias"))
    return linear(torch.nn.functional.silu(gate) * up, W[p + "down_proj.weight"], W.get(p + "down_proj.bias"))


def decoder_layer(config, W, i, hidden_states, position_embeddings, attention_mask):
    """LlamaDecoderLayer.forward (pre-norm residual blocks; the same in all four families)"""
    p = f"model.layers.{i}."
    residual = hidden_states
    hidden_states = rms_norm(hidden_states, W[p + "input_layernorm.weight"], config.rms_norm_eps)
    hidden_states = attention(config, W, p + "self_attn.", hidden_states, position_embeddings, attention_mask)
    hidden_states = residual + hidden_states

    residual = hidden_states
    hidden_states = rms_norm(hidden_states, W[p + "post_attention_layernorm.weight"], config.rms_norm_eps)
    hidden_states = mlp(W, p + "mlp.", hidden_states)
    return residual + hidden_states


def expected_tensors(config):
    """{name: shape} of every parameter the model owns (HF names), as the modules' __init__ create them."""
    h, hd = config.hidden_size, config.head_dim
    nq, nkv, inter = config.num_attention_heads, config.num_key_value_heads, config.intermediate_size
    t = {"model.embed_tokens.weight": [config.vocab_size, h], "model.norm.weight": [h]}
    if not config.tie_word_embeddings:
        t["lm_head.weight"] = [config.vocab_size, h]
    for i in range(config.num_hidden_layers):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = [h]
        t[p + "post_attention_layernorm.weight"] = [h]
        for name, out in (("q_proj", nq * hd), ("k_proj", nkv * hd), ("v_proj", nkv * hd)):
            t[p + f"self_attn.{name}.weight"] = [out, h]
            if config.qkv_bias:
                t[p + f"self_attn.{name}.bias"] = [out]
        t[p + "self_attn.o_proj.weight"] = [h, nq * hd]
        if config.o_bias:
            t[p + "self_attn.o_proj.bias"] = [h]
        if config.qk_norm:
            t[p + "self_attn.q_norm.weight"] = [hd]
            t[p + "self_attn.k_norm.weight"] = [hd]
        for name, shape in (("gate_proj", [inter, h]), ("up_proj", [inter, h]), ("down_proj", [h, inter])):
            t[p + f"mlp.{name}.weight"] = shape
            if config.mlp_bias:
                t[p + f"mlp.{name}.bias"] = [shape[0]]
    return t


def check_weights(config, W):
    """Every parameter present with its shape, nothing left over (a tied model may still carry lm_head.weight:
    from_pretrained ties it to embed_tokens and ignores the stored copy)."""
    want = expected_tensors(config)
    missing = [n for n in want if n not in W]
    extra = [n for n in W if n not in want and not (config.tie_word_embeddings and n == "lm_head.weight")]
    wrong = [f"{n} {list(W[n].shape)} != {s}" for n, s in want.items() if n in W and list(W[n].shape) != s]
    if missing or extra or wrong:
        raise ValueError(f"weights do not match the config: missing {missing}, unexpected {extra}, shapes {wrong}")


def forward(config, W, ids):
    """LlamaForCausalLM.forward -> LlamaModel.forward (batch 1, no cache): logits [T, vocab] in float32"""
    input_ids = torch.tensor([ids], dtype=torch.long)
    # nn.Embedding lookup
    inputs_embeds = W["model.embed_tokens.weight"][input_ids]
    seq_len = input_ids.shape[1]
    cache_position = torch.arange(0, seq_len)
    position_ids = cache_position.unsqueeze(0)

    # one mask per distinct window ("full_attention" / "sliding_attention" in causal_mask_mapping)
    masks = {sw: causal_mask(seq_len, sw) for sw in set(config.layer_sliding_window)}

    hidden_states = inputs_embeds
    # create position embeddings to be shared across the decoder layers
    position_embeddings = rotary_embedding(config, position_ids)
    for i in range(config.num_hidden_layers):
        hidden_states = decoder_layer(
            config, W, i, hidden_states, position_embeddings, masks[config.layer_sliding_window[i]]
        )
    hidden_states = rms_norm(hidden_states, W["model.norm.weight"], config.rms_norm_eps)

    # tie_word_embeddings: lm_head.weight is model.embed_tokens.weight (PreTrainedModel.tie_weights)
    lm_head = W["model.embed_tokens.weight"] if config.tie_word_embeddings else W["lm_head.weight"]
    logits = linear(hidden_states, lm_head)
    return logits[0]


def token_logprobs(logits, ids):
    """logprobs[i] = log_softmax(logits[i])[ids[i + 1]], float32 (the CLI's `score` contract)"""
    lp = torch.log_softmax(logits.float(), dim=-1)
    return [float(lp[i, ids[i + 1]]) for i in range(len(ids) - 1)]


def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        config = Config(json.load(f))
    W = load_weights(model_dir)
    check_weights(config, W)
    return config, W


def score(config, W, ids):
    """The dictionary `llm-surgery-cli score --ids ... --json` prints: {"ids", "logprobs", "nll_sum"}."""
    for t in ids:
        if not 0 <= t < config.vocab_size:
            raise ValueError(f"id {t} is outside the vocabulary (vocab_size {config.vocab_size})")
    if len(ids) < 2:
        raise ValueError("need at least two ids")
    with torch.no_grad():
        logits = forward(config, W, ids)
    lp = token_logprobs(logits, ids)
    nll = 0.0
    for v in lp:
        nll -= v
    return {"ids": list(ids), "logprobs": lp, "nll_sum": nll}


def self_check(model_dir):
    """Compares with a folder's reference.json in tests/data's llama2.c format (sequences[].ids, sequences[].nll, made
    by karpathy/llama2.c model.py, an implementation independent of transformers). Returns the max |difference|."""
    config, W = load_model(model_dir)
    with open(os.path.join(model_dir, "reference.json")) as f:
        sequences = json.load(f)["sequences"]
    worst, count = 0.0, 0
    for s in sequences:
        lp = score(config, W, s["ids"])["logprobs"]
        if len(lp) != len(s["nll"]):
            raise ValueError(f"{model_dir}: {len(lp)} log-probabilities for {len(s['nll'])} reference NLLs")
        for a, b in zip(lp, s["nll"]):
            worst = max(worst, abs(a + b))
            count += 1
    return worst, count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir", nargs="+", help="a Hugging Face folder: config.json + model.safetensors (or sharded)")
    ap.add_argument("--ids", help="comma-separated token ids")
    ap.add_argument("--self-check", action="store_true",
                    help="instead of scoring, compare with each folder's llama2.c reference.json (tests/data/tiny-llama"
                         " and tiny-llama-bf16) and fail above 1e-5")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.self_check:
        ok = True
        for d in args.model_dir:
            worst, count = self_check(d)
            ok = ok and worst <= 1e-5
            print(f"{d}: {count} log-probabilities, max |difference| from the llama2.c reference {worst:.3g}")
        sys.exit(0 if ok else 1)
    if args.ids is None or len(args.model_dir) != 1:
        ap.error("give one MODEL_DIR and --ids")
    ids = [int(s) for s in args.ids.split(",")]
    config, W = load_model(args.model_dir[0])
    print(json.dumps(score(config, W, ids)))


if __name__ == "__main__":
    main()
