#!/usr/bin/env python3
"""The surgery objective of every method, computed in float64 from the definitions alone (no code of the project):
values and gradients on small fixed inputs, written to reference.json for tests/test_surgery.cpp.

Definitions (LLM Surgery, arXiv 2409.13054, and the baselines it compares with):
  NLL_S      mean of -log p(target) over the positions of set S (0 when S is empty)
  KL_S       mean over the positions of S of  sum_k p0_k (log p0_k - log p_k) + r0 (log r0 - log r),
             p0 = θ0's cached top-K probabilities, p = θ's at the same ids, r0 = 1 - sum p0_k, r = 1 - sum p_k
  NPO(row)   -(2/β) log σ(-β (log π_θ(y|x) - log π_ref(y|x))), log π(y|x) = the sum of the row's answer log-probs
  llm-surgery  -w_f NLL_forget - w_e NLL_edit + w_u NLL_update + w_r KL_retain
  grad-ascent  -w_f NLL_forget - w_e NLL_edit
  grad-diff    -w_f NLL_forget - w_e NLL_edit + w_r NLL_retain
  npo          mean over the forget and edit rows of w_row NPO(row) (w_f forget rows, w_e edit rows) + w_r KL_retain
  finetune     w_u NLL_update
Gradients by central differences (step 1e-6): independent of any derivation.

Run: python3 tests/data/objective/make_reference.py  (writes reference.json beside this file; pure Python 3)
"""
import json
import math
import os
import random

R, T, K = 5, 4, 3
rng = random.Random(20261202)


def probs(n, total):   # n probabilities summing to `total` (< 1: the rest is outside the top K)
    w = [rng.uniform(0.2, 1.0) for _ in range(n)]
    s = sum(w)
    return [total * x / s for x in w]


target_logp = [[math.log(rng.uniform(0.05, 0.95)) for _ in range(T)] for _ in range(R)]
topk_logp = [[[math.log(p) for p in probs(K, rng.uniform(0.5, 0.9))] for _ in range(T)] for _ in range(R)]
ref_logp = [[[math.log(p) for p in probs(K, rng.uniform(0.5, 0.9))] for _ in range(T)] for _ in range(R)]
ref_seq_logp = [rng.uniform(-6.0, -1.0) for _ in range(R)]

TERMS = ["forget", "edit", "update", "retain"]
# Row r trains term rows_term[r] from position starts[r] on (answers after a prompt; retain rows on every position).
rows_term = ["forget", "edit", "update", "retain", "forget"]
starts = [2, 1, 3, 0, 1]
masks = {t: [[1.0 if rows_term[r] == t and j >= starts[r] else 0.0 for j in range(T)] for r in range(R)] for t in TERMS}

weights = {"forget": 0.3, "edit": 0.7, "update": 2.0, "retain": 0.5}
beta = 0.5


def masked_mean(x, m):
    n = sum(sum(row) for row in m)
    return sum(x[r][j] * m[r][j] for r in range(R) for j in range(T)) / max(n, 1.0)


def nll(lp, t):
    return masked_mean([[-v for v in row] for row in lp], masks[t])


def kl(topk, t):
    per = []
    for r in range(R):
        row = []
        for j in range(T):
            p0 = [math.exp(v) for v in ref_logp[r][j]]
            p = [math.exp(v) for v in topk[r][j]]
            r0, rr = 1.0 - sum(p0), 1.0 - sum(p)
            v = sum(p0[k] * (ref_logp[r][j][k] - topk[r][j][k]) for k in range(K))
            row.append(v + r0 * (math.log(r0) - math.log(rr)))
        per.append(row)
    return masked_mean(per, masks[t])


def npo(lp):
    vals = []
    for r in range(R):
        f = sum(masks["forget"][r]) > 0
        e = sum(masks["edit"][r]) > 0
        if not (f or e):
            continue
        seq = sum(lp[r][j] * (masks["forget"][r][j] + masks["edit"][r][j]) for j in range(T))
        w = weights["forget"] if f else weights["edit"]
        z = -beta * (seq - ref_seq_logp[r])
        log_sigmoid = -math.log1p(math.exp(-z)) if z >= 0 else z - math.log1p(math.exp(z))
        vals.append(w * -(2.0 / beta) * log_sigmoid)
    return sum(vals) / len(vals) if vals else 0.0


def terms(method, lp, topk):
    v = {"forget": nll(lp, "forget"), "edit": nll(lp, "edit"), "update": nll(lp, "update"),
         "retain": nll(lp, "retain") if method == "grad-diff" else kl(topk, "retain")}
    w = weights
    if method == "llm-surgery":
        total = -w["forget"] * v["forget"] - w["edit"] * v["edit"] + w["update"] * v["update"] + w["retain"] * v["retain"]
    elif method == "grad-ascent":
        total = -w["forget"] * v["forget"] - w["edit"] * v["edit"]
    elif method == "grad-diff":
        total = -w["forget"] * v["forget"] - w["edit"] * v["edit"] + w["retain"] * v["retain"]
    elif method == "npo":
        total = npo(lp) + w["retain"] * v["retain"]
    elif method == "finetune":
        total = w["update"] * v["update"]
    v["total"] = total
    return v


def grads(method):
    h = 1e-6
    g_lp = [[0.0] * T for _ in range(R)]
    g_topk = [[[0.0] * K for _ in range(T)] for _ in range(R)]
    for r in range(R):
        for j in range(T):
            lp_p = [row[:] for row in target_logp]
            lp_m = [row[:] for row in target_logp]
            lp_p[r][j] += h
            lp_m[r][j] -= h
            g_lp[r][j] = (terms(method, lp_p, topk_logp)["total"] - terms(method, lp_m, topk_logp)["total"]) / (2 * h)
            for k in range(K):
                tp = [[c[:] for c in row] for row in topk_logp]
                tm = [[c[:] for c in row] for row in topk_logp]
                tp[r][j][k] += h
                tm[r][j][k] -= h
                g_topk[r][j][k] = (terms(method, target_logp, tp)["total"] - terms(method, target_logp, tm)["total"]) / (2 * h)
    return g_lp, g_topk


out = {
    "about": "tests/data/objective/make_reference.py: float64 values and central-difference gradients of every "
             "method's objective on these inputs",
    "shape": {"R": R, "T": T, "K": K},
    "weights": weights, "npo_beta": beta,
    "target_logp": target_logp, "topk_logp": topk_logp, "ref_logp": ref_logp, "ref_seq_logp": ref_seq_logp,
    "masks": masks,
    "methods": {},
}
for method in ["llm-surgery", "grad-ascent", "grad-diff", "npo", "finetune"]:
    v = terms(method, target_logp, topk_logp)
    g_lp, g_topk = grads(method)
    out["methods"][method] = {**v, "grad_target_logp": g_lp, "grad_topk_logp": g_topk}

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
