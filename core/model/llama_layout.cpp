#include "core/model/llama_layout.h"

#include "core/common/error.h"

#include <tuple>

namespace llms {

namespace {

int64_t mul(int64_t a, int64_t b, const std::string& src) {
    int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r))
        throw Error(src + ": the model sizes (hidden_size, intermediate_size, num_hidden_layers, heads, head_dim, "
                          "vocab_size) multiply past 2^63 parameters; this config.json is damaged or not a real model");
    return r;
}

int64_t add(int64_t a, int64_t b, const std::string& src) {
    int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) return mul(INT64_MAX, 2, src);   // the same message
    return r;
}

}  // namespace

int64_t checked_num_parameters(const LlamaConfig& c, const std::string& src) {
    const int64_t C = c.hidden_size, HD = c.head_dim;
    const int64_t q = mul(C, mul(c.num_attention_heads, HD, src), src);
    const int64_t kv = mul(C, mul(c.num_key_value_heads, HD, src), src);
    const int64_t attn = add(mul(q, 2, src), mul(kv, 2, src), src);         // q, o + k, v
    const int64_t mlp = mul(3, mul(C, c.intermediate_size, src), src);      // gate, up, down
    int64_t per_layer = add(add(attn, mlp, src), mul(2, C, src), src);        // + two norms
    if (c.qkv_bias) per_layer = add(per_layer, add(mul(c.num_attention_heads, HD, src), mul(2, mul(c.num_key_value_heads, HD, src), src), src), src);
    if (c.o_bias) per_layer = add(per_layer, C, src);
    if (c.mlp_bias) per_layer = add(per_layer, add(mul(2, c.intermediate_size, src), C, src), src);
    if (c.qk_norm) per_layer = add(per_layer, mul(2, HD, src), src);
    const int64_t emb = mul(c.vocab_size, C, src);
    return add(add(add(emb, c.tie_word_embeddings ? 0 : emb, src), mul(c.num_hidden_layers, per_layer, src), src), C,
               src);
}

std::vector<TensorShape> llama_tensor_layout(const LlamaConfig& c) {
    const int64_t C = c.hidden_size, I = c.intermediate_size, V = c.vocab_size;
    const int64_t QD = c.num_attention_heads * c.head_dim, KVD = c.num_key_value_heads * c.head_dim;
    std::vector<TensorShape> t;
    t.reserve(static_cast<size_t>(9 * c.num_hidden_layers + 3));
    t.push_back({"model.embed_tokens.weight", {V, C}});
    for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        for (const auto& [proj, out, in, bias] :
             {std::tuple{"self_attn.q_proj", QD, C, c.qkv_bias}, {"self_attn.k_proj", KVD, C, c.qkv_bias},
              {"self_attn.v_proj", KVD, C, c.qkv_bias}, {"self_attn.o_proj", C, QD, c.o_bias}}) {
            t.push_back({p + proj + ".weight", {out, in}});
            if (bias) t.push_back({p + proj + ".bias", {out}});
        }
        if (c.qk_norm) {
            t.push_back({p + "self_attn.q_norm.weight", {c.head_dim}});
            t.push_back({p + "self_attn.k_norm.weight", {c.head_dim}});
        }
        for (const auto& [proj, out, in] :
             {std::tuple{"mlp.gate_proj", I, C}, {"mlp.up_proj", I, C}, {"mlp.down_proj", C, I}}) {
            t.push_back({p + proj + ".weight", {out, in}});
            if (c.mlp_bias) t.push_back({p + proj + ".bias", {out}});
        }
        t.push_back({p + "input_layernorm.weight", {C}});
        t.push_back({p + "post_attention_layernorm.weight", {C}});
    }
    t.push_back({"model.norm.weight", {C}});
    if (!c.tie_word_embeddings) t.push_back({"lm_head.weight", {V, C}});
    return t;
}

}  // namespace llms
