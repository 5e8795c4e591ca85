#include "core/bench/model_shape.h"

#include "core/common/error.h"
#include "core/pretrain/pretrain.h"

#include <algorithm>
#include <string>

namespace llms::bench {

ModelShape demo_shape() {
    const auto p = pretrain::preset("demo");
    ModelShape s;
    s.dim = p.hidden_size;
    s.ffn = p.intermediate_size;
    s.layers = p.num_layers;
    s.heads = p.num_heads;
    s.kv_heads = p.num_kv_heads;
    s.vocab = p.vocab_size;
    return s;
}

int64_t llama_ffn_size(int64_t dim) { return ((8 * dim + 2) / 3 + 15) / 16 * 16; }

LlamaConfig shape_config(const ModelShape& s, int64_t context) {
    auto positive = [](int64_t v, const char* what) {
        if (v < 1) throw Error(std::string("benchmark model: ") + what + " must be at least 1");
    };
    positive(s.dim, "--dim");
    positive(s.layers, "--layers");
    positive(s.heads, "--heads");
    positive(s.kv_heads, "--kv-heads");
    positive(s.vocab, "--vocab");
    if (s.ffn < 0) throw Error("benchmark model: --ffn must be positive (or 0 for the Llama rule, 8/3 of --dim)");
    if (s.dim % s.heads) throw Error("benchmark model: --heads must divide --dim");
    if ((s.dim / s.heads) % 2) throw Error("benchmark model: the head size (--dim / --heads) must be even for RoPE");
    if (s.heads % s.kv_heads) throw Error("benchmark model: --kv-heads must divide --heads");
    LlamaConfig c;
    c.hidden_size = s.dim;
    c.intermediate_size = s.ffn > 0 ? s.ffn : llama_ffn_size(s.dim);
    c.num_hidden_layers = s.layers;
    c.num_attention_heads = s.heads;
    c.num_key_value_heads = s.kv_heads;
    c.head_dim = s.dim / s.heads;
    c.vocab_size = s.vocab;
    c.max_position_embeddings = std::max<int64_t>(2048, context);
    c.bos_token_id = 1 % s.vocab;
    c.eos_token_ids = {2 % s.vocab};
    return c;
}

}  // namespace llms::bench
