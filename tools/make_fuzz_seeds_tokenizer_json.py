#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_tokenizer_json.cpp: the real tokenizer.json files of tests/data/tokenizers (and the component
variants of variants.json) shrunk to a few KB each, so that libFuzzer (max_len 8192) mutates whole, valid files of
every kind the product reads. Each keeps its normalizer, pre-tokenizer, post-processor, decoder and model settings;
the vocabulary keeps the first short tokens (renumbered from 0), the merges whose parts and result it keeps, and
three added tokens.   python3 tools/make_fuzz_seeds_tokenizer_json.py [OUT=fuzz/corpus/tokenizer_json]"""
import gzip, json, os, sys

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "tokenizers")
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz",
                                                          "corpus", "tokenizer_json")
os.makedirs(out, exist_ok=True)


def shrink(tok, keep=96):
    model = tok["model"]
    vocab = sorted(model["vocab"].items(), key=lambda kv: kv[1])
    added = tok.get("added_tokens", [])[:3]
    in_vocab = [a["content"] for a in added if a["content"] in model["vocab"]]
    kept = in_vocab + [t for t, _ in vocab if len(t) <= 2 and t not in in_vocab][:keep]
    ids = {t: i for i, t in enumerate(kept)}
    merges = []
    for m in model["merges"]:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        if a in ids and b in ids and a + b in ids:
            merges.append(m)
    model["vocab"] = ids
    model["merges"] = merges[:64]
    if model.get("unk_token") and model["unk_token"] not in ids:
        ids[model["unk_token"]] = len(ids)
    next_id = len(ids)
    for a in added:
        if a["content"] in ids:
            a["id"] = ids[a["content"]]
        else:
            a["id"] = next_id
            next_id += 1
    tok["added_tokens"] = added
    # TemplateProcessing names special tokens by content and id: renumber them, or drop the processor when it
    # names a token no longer present.
    specials = {a["content"]: a["id"] for a in added}

    def fix(pp):
        if not pp:
            return pp
        if pp.get("type") == "Sequence":
            pp["processors"] = [q for q in (fix(q) for q in pp["processors"]) if q]
            return pp
        if pp.get("type") != "TemplateProcessing":
            return pp
        for name, st in pp.get("special_tokens", {}).items():
            if name not in specials:
                return None
            st["ids"] = [specials[name]]
        return pp

    tok["post_processor"] = fix(tok.get("post_processor"))
    return tok


def write(name, tok):
    text = json.dumps(tok, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(out, "seed-" + name), "w", encoding="utf-8") as f:
        f.write(text)
    print(f"seed-{name}: {len(text.encode())} bytes")


base = {}
for name in ("llama3", "qwen3", "llama2"):
    with gzip.open(os.path.join(here, name, "tokenizer.json.gz"), "rt", encoding="utf-8") as f:
        base[name] = json.load(f)
    write(name, shrink(json.loads(json.dumps(base[name]))))
with open(os.path.join(here, "variants.json"), encoding="utf-8") as f:
    variants = json.load(f)
for name, v in variants.items():
    tok = json.loads(json.dumps(base[v["base"]]))
    for key, value in v["patch"].items():
        tok[key] = value
    write(name, shrink(tok))
