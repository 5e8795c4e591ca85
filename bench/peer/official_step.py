#!/usr/bin/python3
"""The official LLM Surgery training step (train.py of Veldanda et al., arXiv 2409.13054) re-created with
plain PyTorch, as the peer of `llm-surgery-cli bench surgery`.

What the official recipe does per step, and this file does the same way:
  * THREE separate forwards of the trained model: the forget batch, the update batch, the retain batch;
  * a frozen reference copy of the initial model runs a fourth forward on the retain batch, and the retain
    term is the cross-entropy -sum_v p_theta0(v) log p_theta(v) (same gradient as KL(p_theta0 || p_theta));
  * loss = -0.1 * NLL(forget) + 2.0 * NLL(update) + 0.5 * retain term, one backward;
  * gradient clipping at 1.0, AdamW (lr 2e-4, betas 0.9/0.95, weight decay 0.01).
The model is a compact Llama in HF layout (RMSNorm, rotate-half RoPE, grouped-query attention, SwiGLU) so
it loads the same safetensors weights as the C++ model.

Run with Debian's /usr/bin/python3 (python3-torch). With --load DIR (written by `bench surgery --dump DIR`)
it starts from the same weights and batches as the C++ bench; the first two steps' term losses then prove
the same math. Prints one JSON object.
"""
import argparse
import copy
import json
import math
import os
import resource
import statistics
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------------------------------------
# safetensors (the pip package is not available here): header length u64 LE, JSON header, data buffer

_DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        sys.exit(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        sys.exit(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(raw[8:8 + n])
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in _DTYPES:
            sys.exit(f"{path}: tensor {name} has dtype {info['dtype']}; this reader knows F32, BF16, F16")
        b, e = info["data_offsets"]
        dt = _DTYPES[info["dtype"]]
        count = math.prod(info["shape"])
        if e - b != count * torch.tensor([], dtype=dt).element_size() or e > len(data):
            sys.exit(f"{path}: tensor {name} has inconsistent data offsets")
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dt) if count else torch.empty(0, dtype=dt)
        out[name] = t.reshape(info["shape"])
    return out


# ---------------------------------------------------------------------------------------------------------
# A compact Llama, HF module names (model.layers.{i}.self_attn.q_proj.weight, ...)

class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):                                   # [..., C], normalised in fp32 as HF does
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * xf.to(x.dtype)


def rotate_half(x):                                         # [..., HD] -> cat(-x2, x1)
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.nh, self.nkv, self.hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        C = c["hidden_size"]
        self.q_proj = nn.Linear(C, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(C, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(C, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, C, bias=False)

    def forward(self, x, cos, sin, mask):                   # x [B, T, C]; cos/sin [T, HD]; mask [1, 1, T, T]
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.nh, self.hd).transpose(1, 2)     # [B, NH, T, HD]
        k = self.k_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)    # [B, NKV, T, HD]
        v = self.v_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.nkv != self.nh:                             # repeat_kv
            rep = self.nh // self.nkv
            k = k[:, :, None].expand(B, self.nkv, rep, T, self.hd).reshape(B, self.nh, T, self.hd)
            v = v[:, :, None].expand(B, self.nkv, rep, T, self.hd).reshape(B, self.nh, T, self.hd)
        att = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd) + mask      # [B, NH, T, T]
        att = F.softmax(att, dim=-1, dtype=torch.float32).to(q.dtype)
        y = torch.matmul(att, v).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        return self.o_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        C, Fd = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(C, Fd, bias=False)
        self.up_proj = nn.Linear(C, Fd, bias=False)
        self.down_proj = nn.Linear(Fd, C, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])

    def forward(self, x, cos, sin, mask):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return h + self.mlp(self.post_attention_layernorm(h))


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([DecoderLayer(c) for _ in range(c["num_hidden_layers"])])
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        hd = c["head_dim"]
        self.register_buffer("inv_freq", 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2).float() / hd)),
                             persistent=False)

    def forward(self, ids):                                 # [B, T] -> [B, T, C]
        T = ids.shape[1]
        x = self.embed_tokens(ids)
        freqs = torch.outer(torch.arange(T, dtype=torch.float32), self.inv_freq)   # [T, HD/2]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
        mask = torch.full((T, T), torch.finfo(x.dtype).min).triu(1)[None, None]     # causal, additive
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x)


class LlamaForCausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.model = Body(c)
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)

    def forward(self, ids):                                 # [B, T] -> logits [B, T, V] fp32
        return self.lm_head(self.model(ids)).float()


def config_of(args):
    if args.load:
        with open(os.path.join(args.load, "config.json")) as f:
            c = json.load(f)
        if c.get("tie_word_embeddings"):
            sys.exit(f"{args.load}/config.json: tied embeddings are not part of this peer")
    else:
        ffn = args.ffn or ((8 * args.dim + 2) // 3 + 15) // 16 * 16
        c = {"hidden_size": args.dim, "intermediate_size": ffn, "num_hidden_layers": args.layers,
             "num_attention_heads": args.heads, "num_key_value_heads": args.kv_heads, "vocab_size": args.vocab}
    c.setdefault("head_dim", c["hidden_size"] // c["num_attention_heads"])
    c.setdefault("rms_norm_eps", 1e-6)
    c.setdefault("rope_theta", 10000.0)
    return c


def physical_cores():
    cores, phys = set(), "0"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "physical id":
                    phys = value
                elif key == "core id":
                    cores.add((phys, value))
    except OSError:
        pass
    return len(cores) or os.cpu_count() or 1


# ---------------------------------------------------------------------------------------------------------
# The step

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--load", help="folder written by `llm-surgery-cli bench surgery --dump DIR`")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--ffn", type=int, default=0)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=2048)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0, help="0: physical cores")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    threads = args.threads or physical_cores()
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    c = config_of(args)
    model = LlamaForCausalLM(c)
    recipe = {"lr": 2e-4, "betas": [0.9, 0.95], "weight_decay": 0.01, "grad_clip": 1.0,
              "w_forget": 0.1, "w_update": 2.0, "w_retain": 0.5}
    if args.load:
        state = read_safetensors(os.path.join(args.load, "model.safetensors"))
        missing, unexpected = model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        if missing or unexpected:
            sys.exit(f"{args.load}/model.safetensors: missing {missing}, unexpected {unexpected}")
        batches = read_safetensors(os.path.join(args.load, "batches.safetensors"))
        forget, update, retain = (batches[k].round().long() for k in ("forget", "update", "retain"))
        with open(os.path.join(args.load, "recipe.json")) as f:
            recipe.update({k: v for k, v in json.load(f).items() if k in recipe})
    else:
        ids = torch.randint(0, c["vocab_size"], (3 * args.batch, args.seq + 1))
        forget, update, retain = ids.split(args.batch)
    B, T1 = forget.shape
    T = T1 - 1

    reference = copy.deepcopy(model).eval()                 # the frozen θ0 copy
    for p in reference.parameters():
        p.requires_grad_(False)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=recipe["lr"], betas=tuple(recipe["betas"]),
                            weight_decay=recipe["weight_decay"])
    bf16 = args.precision == "bf16"

    def nll(logits, ids):                                   # mean NLL of ids[:, 1:] given ids[:, :T]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))

    fwd, bwd, optm, steps, losses = [], [], [], [], []
    for s in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            l_forget = nll(model(forget[:, :T]), forget)
            l_update = nll(model(update[:, :T]), update)
            logits_r = model(retain[:, :T])
            with torch.no_grad():
                p0 = F.softmax(reference(retain[:, :T]), dim=-1)            # [B, T, V]
            logp = F.log_softmax(logits_r, dim=-1)
            l_retain = -(p0 * logp).sum(-1).mean()                          # −Σ p_θ0 log p_θ
            loss = -recipe["w_forget"] * l_forget + recipe["w_update"] * l_update + recipe["w_retain"] * l_retain
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), recipe["grad_clip"])
        opt.step()
        opt.zero_grad()
        t3 = time.perf_counter()
        with torch.no_grad():                               # reporting only (outside the timed region)
            entropy0 = -(p0 * torch.log(p0.clamp_min(1e-30))).sum(-1).mean()
        losses.append({"forget_nll": l_forget.item(), "update_nll": l_update.item(), "retain_ce": l_retain.item(),
                       "retain_kl": (l_retain - entropy0).item(), "total": loss.item(), "grad_norm": gnorm.item()})
        if not math.isfinite(losses[-1]["total"]):
            sys.exit(f"the loss became non-finite at step {s + 1}")
        if s >= args.warmup:
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
            optm.append(t3 - t2)
            steps.append(t3 - t0)

    step_s = statistics.median(steps)
    tokens = 3 * B * T
    print(json.dumps({
        "bench": "surgery",
        "implementation": "peer: official train.py step (3 forwards + frozen reference forward), PyTorch "
                          + torch.__version__,
        "shape": {"dim": c["hidden_size"], "ffn": c["intermediate_size"], "layers": c["num_hidden_layers"],
                  "heads": c["num_attention_heads"], "kv_heads": c["num_key_value_heads"], "vocab": c["vocab_size"],
                  "seq": T, "batch": B},
        "precision": args.precision,
        "threads": threads,
        "steps": args.steps,
        "warmup": args.warmup,
        "loaded": args.load or None,
        "params": sum(p.numel() for p in model.parameters()),
        "tokens_per_step": tokens,
        "tokens_per_s": tokens / step_s,
        "step_ms": 1e3 * step_s,
        "forward_ms": 1e3 * statistics.median(fwd),
        "backward_ms": 1e3 * statistics.median(bwd),
        "optimizer_ms": 1e3 * statistics.median(optm),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "step1": losses[0],
        "step2": losses[1] if len(losses) > 1 else None,
    }, indent=2))


if __name__ == "__main__":
    main()
