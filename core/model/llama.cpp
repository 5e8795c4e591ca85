#include "core/model/llama.h"

#include "core/common/autocast.h"
#include "core/model/activation_checkpoint.h"
#include "core/model/rms_norm.h"
#include "core/model/rope_frequencies.h"
#include "core/model/rotary.h"
#include "core/model/swiglu.h"

#include <torch/torch.h>

#include <cmath>

namespace llms {

// ---------------------------------------------------------------------------------------------
// Linear, RMSNorm

LinearImpl::LinearImpl(int64_t in, int64_t out, const at::TensorOptions& opt, bool with_bias) {
    weight = register_parameter("weight", torch::empty({out, in}, opt));
    if (with_bias) bias = register_parameter("bias", torch::empty({out}, opt));
}

at::Tensor LinearImpl::forward(const at::Tensor& x) {
    auto y = at::linear(x, weight, bias);                                          // [..., out]
    if (!lora_A.defined()) return y;
    // The adapter path: under autocast in the autocast dtype like the layer's own matmul; otherwise in the adapter's
    // fp32 (a bf16 model's x raised, not the adapter lowered).
    const bool raise = x.scalar_type() != lora_A.scalar_type() && !Autocast::enabled(x.device().type());
    auto d = at::linear(at::linear(raise ? x.to(lora_A.scalar_type()) : x, lora_A), lora_B);   // [..., r] -> [..., out]
    return y + (d * lora_scale).to(y.scalar_type());
}

LlamaRMSNormImpl::LlamaRMSNormImpl(int64_t dim, double eps_, const at::TensorOptions& opt) : eps(eps_) {
    weight = register_parameter("weight", torch::ones({dim}, opt));
}

at::Tensor LlamaRMSNormImpl::forward(const at::Tensor& x) { return rms_norm(x, weight, eps); }

// ---------------------------------------------------------------------------------------------
// Attention: grouped-query, rotary embedding in HF's rotate-half layout

LlamaAttentionImpl::LlamaAttentionImpl(const LlamaConfig& c, const at::TensorOptions& opt)
    : NH(c.num_attention_heads), NKV(c.num_key_value_heads), HD(c.head_dim) {
    q_proj = register_module("q_proj", Linear(c.hidden_size, NH * HD, opt, c.qkv_bias));
    k_proj = register_module("k_proj", Linear(c.hidden_size, NKV * HD, opt, c.qkv_bias));
    v_proj = register_module("v_proj", Linear(c.hidden_size, NKV * HD, opt, c.qkv_bias));
    o_proj = register_module("o_proj", Linear(NH * HD, c.hidden_size, opt, c.o_bias));
    if (c.qk_norm) {
        q_norm = register_module("q_norm", LlamaRMSNorm(HD, c.rms_norm_eps, opt));
        k_norm = register_module("k_norm", LlamaRMSNorm(HD, c.rms_norm_eps, opt));
    }
}

at::Tensor LlamaAttentionImpl::forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                       const at::Tensor& mask, at::Tensor* cache_k, at::Tensor* cache_v) {
    const int64_t B = x.size(0), T = x.size(1);
    auto q = q_proj->forward(x).view({B, T, NH, HD});                    // [B, T, NH, HD]
    auto k = k_proj->forward(x).view({B, T, NKV, HD});                   // [B, T, NKV, HD]
    if (q_norm) {   // Qwen3: each head normalised over HD, before RoPE
        q = q_norm->forward(q);
        k = k_norm->forward(k);
    }
    q = q.transpose(1, 2);                                               // [B, NH, T, HD]
    k = k.transpose(1, 2);                                               // [B, NKV, T, HD]
    auto v = v_proj->forward(x).view({B, T, NKV, HD}).transpose(1, 2);   // [B, NKV, T, HD]
    q = apply_rotary(q, cos, sin);                                       // core/model/rotary.h
    k = apply_rotary(k, cos, sin);
    if (cache_k) {   // append to the cache: [B, NKV, P+T, HD]
        if (cache_k->defined()) {
            k = at::cat({*cache_k, k}, 2);
            v = at::cat({*cache_v, v}, 2);
        }
        *cache_k = k;
        *cache_v = v;
    }
    const int64_t S = k.size(2);   // P + T
    if (NKV != NH) {               // GQA: each kv head serves NH/NKV query heads
        const int64_t rep = NH / NKV;
        k = k.unsqueeze(2).expand({B, NKV, rep, S, HD}).reshape({B, NH, S, HD});
        v = v.unsqueeze(2).expand({B, NKV, rep, S, HD}).reshape({B, NH, S, HD});
    }
#if TORCH_VERSION_MAJOR >= 2
    auto y = at::scaled_dot_product_attention(q, k, v, mask);             // [B, NH, T, HD]
#else
    auto att = at::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt((double)HD));   // [B, NH, T, S]
    att = att + mask;
    att = at::softmax(att, -1, at::kFloat).to(q.scalar_type());
    auto y = at::matmul(att, v);                                          // [B, NH, T, HD]
#endif
    y = y.transpose(1, 2).reshape({B, T, NH * HD});
    return o_proj->forward(y);                                            // [B, T, C]
}

// ---------------------------------------------------------------------------------------------
// MLP (SwiGLU) and the decoder layer

LlamaMLPImpl::LlamaMLPImpl(const LlamaConfig& c, const at::TensorOptions& opt) {
    gate_proj = register_module("gate_proj", Linear(c.hidden_size, c.intermediate_size, opt, c.mlp_bias));
    up_proj = register_module("up_proj", Linear(c.hidden_size, c.intermediate_size, opt, c.mlp_bias));
    down_proj = register_module("down_proj", Linear(c.intermediate_size, c.hidden_size, opt, c.mlp_bias));
}

at::Tensor LlamaMLPImpl::forward(const at::Tensor& x) {
    return down_proj->forward(swiglu(gate_proj->forward(x), up_proj->forward(x)));
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const LlamaConfig& c, const at::TensorOptions& opt) {
    self_attn = register_module("self_attn", LlamaAttention(c, opt));
    mlp = register_module("mlp", LlamaMLP(c, opt));
    input_layernorm = register_module("input_layernorm", LlamaRMSNorm(c.hidden_size, c.rms_norm_eps, opt));
    post_attention_layernorm =
        register_module("post_attention_layernorm", LlamaRMSNorm(c.hidden_size, c.rms_norm_eps, opt));
}

at::Tensor LlamaDecoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                          const at::Tensor& mask, at::Tensor* cache_k, at::Tensor* cache_v) {
    auto h = x + self_attn->forward(input_layernorm->forward(x), cos, sin, mask, cache_k, cache_v);
    return h + mlp->forward(post_attention_layernorm->forward(h));
}

// ---------------------------------------------------------------------------------------------
// The model body

LlamaModelImpl::LlamaModelImpl(const LlamaConfig& c, const at::TensorOptions& opt) : config(c) {
    // LibTorch refuses dots in parameter names: a plain submodule "embed_tokens" holds "weight", so the
    // parameter is still named model.embed_tokens.weight like HF's.
    auto holder = register_module("embed_tokens", std::make_shared<torch::nn::Module>());
    embed_tokens = holder->register_parameter("weight", torch::empty({c.vocab_size, c.hidden_size}, opt));
    layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(LlamaDecoderLayer(c, opt));
    norm = register_module("norm", LlamaRMSNorm(c.hidden_size, c.rms_norm_eps, opt));
    inv_freq_ = rope_inv_freq(c);   // core/model/rope_frequencies.h: with the config's rope_scaling
}

std::pair<at::Tensor, at::Tensor> LlamaModelImpl::rope(const at::Tensor& positions, at::ScalarType dt) {
    auto freqs = positions.to(at::kFloat).unsqueeze(-1) * inv_freq_.to(positions.device());   // [..., HD/2]
    auto emb = at::cat({freqs, freqs}, -1);                                                    // [..., HD]
    return {emb.cos().to(dt), emb.sin().to(dt)};
}

at::Tensor LlamaModelImpl::causal(int64_t P, int64_t T, const at::Device& d) const {
    auto qpos = at::arange(P, P + T, at::TensorOptions().dtype(at::kLong).device(d)).unsqueeze(1);   // [T, 1]
    auto kpos = at::arange(0, P + T, at::TensorOptions().dtype(at::kLong).device(d)).unsqueeze(0);   // [1, P+T]
    auto allowed = kpos <= qpos;                                                                      // [T, P+T]
    if (config.sliding_window > 0) allowed = allowed & (kpos > qpos - config.sliding_window);
    return allowed;
}

// Additive attention mask of the same shape as `allowed`: 0 where allowed, a large finite negative elsewhere
// (finite: fully padded rows stay NaN-free).
static at::Tensor additive_mask(const at::Tensor& allowed, at::ScalarType dt) {
    const double neg = dt == at::kFloat ? -1e30 : -1e4 * 3;
    return at::zeros(allowed.sizes(), at::TensorOptions().dtype(dt).device(allowed.device()))
        .masked_fill(allowed.logical_not(), neg);
}

at::Tensor LlamaModelImpl::forward(const at::Tensor& ids, const at::Tensor& attention_mask, KVCache* cache) {
    TORCH_CHECK(ids.dim() == 2, "ids must be [B, T]");
    const int64_t B = ids.size(0), T = ids.size(1);
    const int64_t P = cache ? cache->length() : 0;
    const int64_t S = P + T;
    const auto dev = embed_tokens.device();
    const auto dt = embed_tokens.scalar_type();

    auto x = at::embedding(embed_tokens, ids.to(dev));                                         // [B, T, C]
    if (hooks && hooks->embed) x = hooks->embed(x);
    auto [cos, sin] = rope(at::arange(P, S, at::TensorOptions().dtype(at::kLong).device(dev)), dt);   // [T, HD]

    // [B|1, 1, T, S]: causal (and within the window), padding keys masked.
    auto allowed = causal(P, T, dev).view({1, 1, T, S});
    if (attention_mask.defined()) {
        TORCH_CHECK(attention_mask.size(0) == B && attention_mask.size(1) == S, "attention_mask must be [B, P+T]");
        allowed = allowed & attention_mask.to(dev).to(at::kBool).view({B, 1, 1, S});
    }
    return run_layers(x, cos, sin, additive_mask(allowed, dt), cache);
}

at::Tensor LlamaModelImpl::forward_packed(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& segments) {
    TORCH_CHECK(ids.dim() == 2 && positions.sizes() == ids.sizes() && segments.sizes() == ids.sizes(),
                "packed ids, positions and segments must be [S, T]");
    const int64_t S = ids.size(0), T = ids.size(1);
    const auto dev = embed_tokens.device();
    const auto dt = embed_tokens.scalar_type();
    auto x = at::embedding(embed_tokens, ids.to(dev));                                         // [S, T, C]
    auto [cos, sin] = rope(positions.to(dev), dt);                                             // [S, T, HD]
    // Causal within a segment: query i sees key j iff j <= i and both are in the same row (positions of a row are
    // consecutive, so the window test on indices equals the one on positions).
    auto seg = segments.to(dev);
    auto allowed = (causal(0, T, dev).unsqueeze(0) & (seg.unsqueeze(2) == seg.unsqueeze(1))).view({S, 1, T, T});
    return run_layers(x, cos.unsqueeze(1), sin.unsqueeze(1), additive_mask(allowed, dt), nullptr);
}

at::Tensor LlamaModelImpl::run_layers(at::Tensor x, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& mask,
                                      KVCache* cache) {
    if (cache && cache->k.empty()) {
        cache->k.resize(layers->size());
        cache->v.resize(layers->size());
    }
    const bool checkpoint = checkpoint_layers && !cache && at::GradMode::is_enabled();
    for (size_t i = 0; i < layers->size(); ++i) {
        auto layer = layers[i]->as<LlamaDecoderLayerImpl>();
        if (hooks) {   // tracing / editing: the layer written out, with the hooks between its parts
            auto* ck = cache ? &cache->k[i] : nullptr;
            auto* cv = cache ? &cache->v[i] : nullptr;
            auto h = x + layer->self_attn->forward(layer->input_layernorm->forward(x), cos, sin, mask, ck, cv);
            auto in = layer->post_attention_layernorm->forward(h);
            auto out = layer->mlp->forward(in);
            if (hooks->mlp) out = hooks->mlp((int64_t)i, in, out);
            x = h + out;
            if (hooks->layer) x = hooks->layer((int64_t)i, x);
            continue;
        }
        // A layer whose input needs no gradient (frozen layers below) builds no graph worth recomputing.
        if (checkpoint && x.requires_grad()) x = checkpointed_layer(*layer, x, cos, sin, mask);
        else x = layer->forward(x, cos, sin, mask, cache ? &cache->k[i] : nullptr, cache ? &cache->v[i] : nullptr);
    }
    return norm->forward(x);   // [B, T, C]
}

// ---------------------------------------------------------------------------------------------
// Causal LM head

LlamaForCausalLMImpl::LlamaForCausalLMImpl(const LlamaConfig& c, const at::TensorOptions& opt) : config(c) {
    model = register_module("model", LlamaModel(c, opt));
    if (!c.tie_word_embeddings) lm_head = register_module("lm_head", Linear(c.hidden_size, c.vocab_size, opt));
}

const at::Tensor& LlamaForCausalLMImpl::lm_head_weight() const {
    return lm_head ? lm_head->weight : model->embed_tokens;
}

at::Tensor LlamaForCausalLMImpl::logits(const at::Tensor& hidden) {
    return at::linear(hidden, lm_head_weight()).to(at::kFloat);   // [..., V]
}

at::Tensor LlamaForCausalLMImpl::forward(const at::Tensor& ids, const at::Tensor& attention_mask, KVCache* cache) {
    return logits(model->forward(ids, attention_mask, cache));
}

void init_weights(LlamaForCausalLM& m, uint64_t seed) {
    torch::NoGradGuard ng;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const double std = 0.02, std_out = 0.02 / std::sqrt(2.0 * m->config.num_hidden_layers);
    for (auto& [name, p] : hf_named_tensors(m)) {
        if (name.find("norm") != std::string::npos) {
            p.fill_(1.0);
            continue;
        }
        const bool out = name.find("o_proj") != std::string::npos || name.find("down_proj") != std::string::npos;
        auto w = at::empty(p.sizes(), at::kFloat).normal_(0.0, out ? std_out : std, gen);
        p.copy_(w);
    }
}

std::vector<std::pair<std::string, at::Tensor>> hf_named_tensors(LlamaForCausalLM& m) {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& item : m->named_parameters(/*recurse=*/true)) out.emplace_back(item.key(), item.value());
    return out;
}

}  // namespace llms
