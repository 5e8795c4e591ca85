// The shape of a randomly initialised benchmark model, and its LlamaConfig. Torch-free header.
#pragma once
#include "core/model/llama_config.h"

#include <cstdint>

namespace llms::bench {

struct ModelShape {
    int64_t dim = 256, ffn = 0, layers = 6, heads = 8, kv_heads = 4, vocab = 2048;   // ffn 0: Llama rule
};

// The demo preset's model shape (core/pretrain presets).
ModelShape demo_shape();

// Llama's MLP width for a hidden size: 8/3 · dim rounded up to a multiple of 16 (256 -> 688).
int64_t llama_ffn_size(int64_t dim);

// An untied Llama config of the shape (ffn resolved), context max(2048, context).
// llms::Error naming the option at fault (--dim, --heads, ...) for an impossible shape.
LlamaConfig shape_config(const ModelShape& s, int64_t context);

}  // namespace llms::bench
