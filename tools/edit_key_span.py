#!/usr/bin/env python3
"""The measurements behind docs/benchmarks.md "Why the targets stay out of reach on the demo model" (issue #22).

    python3 tools/edit_key_span.py paraphrases FACTS > para.tsv
    python3 tools/edit_key_span.py keys DUMP_DIR FACTS

Both read a build with tools/edit_diagnostics.patch applied (`git apply tools/edit_diagnostics.patch`, rebuild
llm-surgery-cli; never commit it applied):

- `paraphrases` writes "prompt<TAB>paraphrase" for each update fact of FACTS. A MEMIT run with LLMS_EDIT_ORACLE=that
  file prints, per paraphrase, whether the unedited model gives the new answer with the edit's δ added by hand at the
  subject (ORACLE pre: add-delta / set-z), then after the edit whether it does and how much of δ was written there
  (ORACLE post).
- `keys` reads what a run with LLMS_EDIT_DUMPKEYS=DUMP_DIR wrote before editing (the edited prompts' subject keys,
  the retain pool's, each edited layer's key covariance C; float32) and prints, per layer: the rank and singular values
  of the other subjects' keys, how much of each edited key lies outside their span, and how strongly a unit write
  along C⁻¹k (MEMIT's direction) or along other metrics reaches them, also for a half of the keys held out.

Needs numpy only.
"""
import json
import sys
from pathlib import Path

import numpy as np


def update_facts(path):
    for line in open(path, encoding="utf-8"):
        if line.strip():
            f = json.loads(line)
            if f.get("kind") == "update":
                yield f


def paraphrases(facts):
    for f in update_facts(facts):
        for p in f.get("paraphrases", []):
            print(f"{f['prompt']}\t{p}")


def unit_write_response(metric, edited, keys):
    """|uᵀk| over `keys` for u = M⁻¹k_e / (k_eᵀ M⁻¹ k_e) per edited key k_e: mean, share above 0.2, max (averaged)."""
    r = []
    for k in edited:
        u = np.linalg.solve(metric, k)
        u /= u @ k
        resp = np.abs(keys @ u)
        r.append((resp.mean(), (resp > 0.2).mean(), resp.max()))
    return np.array(r).mean(0)


def keys(dump, facts):
    dump = Path(dump)
    subjects = [f["id"].split("/", 2)[-1] for f in update_facts(facts)]
    pool = (dump / "pool.txt").read_text(encoding="utf-8").splitlines()
    other = np.array([not any(s in p for s in subjects) for p in pool])
    rng = np.random.default_rng(0)
    for cov_file in sorted(dump.glob("cov-L*.f32")):
        layer = cov_file.stem.split("-L")[1]
        C = np.fromfile(cov_file, dtype=np.float32).astype(np.float64)
        F = int(round(len(C) ** 0.5))
        C = C.reshape(F, F)
        E = np.fromfile(dump / f"edit-L{layer}.f32", dtype=np.float32).astype(np.float64).reshape(-1, F)
        P = np.fromfile(dump / f"pool-L{layer}.f32", dtype=np.float32).astype(np.float64).reshape(-1, F)[other]
        s = np.linalg.svd(P, compute_uv=False)
        print(f"layer {layer}: {len(P)} keys of other subjects x {F}: rank {np.sum(s > 1e-3 * s[0])}, "
              f"singular values {s[0]:.1f} .. {s[-1]:.3f}")
        En = E / np.linalg.norm(E, axis=1, keepdims=True)
        Pn = P / np.linalg.norm(P, axis=1, keepdims=True)
        print(f"  nearest other key, cosine: mean {(En @ Pn.T).max(1).mean():.3f}")
        coef = np.linalg.lstsq(P.T, E.T, rcond=None)[0]
        outside = np.linalg.norm(E.T - P.T @ coef, axis=0) / np.linalg.norm(E, axis=1)
        print(f"  edited key's norm outside their span: {outside.mean():.3f}")
        idx = rng.permutation(len(P))
        A, B = P[idx[: len(P) // 2]], P[idx[len(P) // 2:]]
        t = np.trace(C) / F
        metrics = [("C", C)]
        metrics += [(f"Gram(A) + {e:g} tr(C)/F", A.T @ A / len(A) + e * t * np.eye(F)) for e in (1e-3, 1e-2, 1e-1)]
        metrics += [(f"C + {w:g} Gram(A)", C + w * A.T @ A / len(A)) for w in (1, 10, 100)]
        for name, M in metrics:
            mean, share, mx = unit_write_response(M, E, B)
            print(f"  unit write along {name:<22}: held-out half B: mean {mean:.3f}, above 0.2 {share:.3f}, max {mx:.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "paraphrases":
        paraphrases(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "keys":
        keys(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
