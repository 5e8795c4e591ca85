#!/usr/bin/python3
"""An independent computation of ROME's and MEMIT's weight updates from dumped tensors, compared with the updates
llm-surgery computed (core/edit/rome.h, core/edit/memit.h).

usage: closed_form_reference.py DIR
DIR holds meta.json ({"F", "C", "n", "lambda"}) and raw little-endian float64 files: W.bin [C, F], cov.bin [F, F],
k_mean.bin [F], k_prompt.bin [F], v.bin [C], K.bin [F, n], R.bin [C, n], rome_delta.bin [C, F], memit_delta.bin [C, F].

ROME (kmeng01/rome rome_main.py, compute_u.py, compute_v.py): left = C^-1 k_mean, normalised; right = (v - W k_p) /
(k_p . left); delta = right left^T. Here with an explicit inverse of C (the C++ side solves a linear system).
MEMIT (kmeng01/memit memit_main.py): delta = R K^T (lambda C + K K^T)^-1, written here as the transpose of
(lambda C + K K^T)^-1 K R^T with an explicit inverse (C++: R solve(lambda C + K K^T, K)^T).
Checks too that (W + delta_rome) k_p = v, and that the MEMIT delta satisfies its normal equations
delta (lambda C + K K^T) = R K^T. Prints the largest relative differences; exits 0 when all are at most 1e-7."""
import json, sys

import torch


def load(d, name, shape):
    with open(f"{d}/{name}.bin", "rb") as f:
        data = bytearray(f.read())
    t = torch.frombuffer(data, dtype=torch.float64)
    assert t.numel() == int(torch.tensor(shape).prod()), (name, t.numel(), shape)
    return t.reshape(shape)


def rel(a, b):
    return float((a - b).abs().max() / max(float(b.abs().max()), 1e-300))


def main():
    d = sys.argv[1]
    meta = json.load(open(f"{d}/meta.json"))
    F, C, n, lam = meta["F"], meta["C"], meta["n"], meta["lambda"]
    W = load(d, "W", [C, F])
    cov = load(d, "cov", [F, F])
    k_mean, k_p, v = load(d, "k_mean", [F]), load(d, "k_prompt", [F]), load(d, "v", [C])
    K, R = load(d, "K", [F, n]), load(d, "R", [C, n])

    left = torch.inverse(cov) @ k_mean
    left = left / left.norm()
    right = (v - W @ k_p) / torch.dot(k_p, left)
    rome = torch.outer(right, left)
    memit = (torch.inverse(lam * cov + K @ K.T) @ K @ R.T).T

    checks = {
        "rome": rel(load(d, "rome_delta", [C, F]), rome),
        "rome_exact_at_k_prompt": rel((W + load(d, "rome_delta", [C, F])) @ k_p, v),
        "memit": rel(load(d, "memit_delta", [C, F]), memit),
        "memit_normal_equations": rel(load(d, "memit_delta", [C, F]) @ (lam * cov + K @ K.T), R @ K.T),
    }
    for k, x in checks.items():
        print(f"{k}: max relative difference {x:.3e}")
    sys.exit(0 if all(x <= 1e-7 for x in checks.values()) else 1)


main()
