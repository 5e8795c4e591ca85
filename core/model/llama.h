// The Llama family (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM) in LibTorch. Modules are registered under the
// HF tensor names (model.layers.{i}.self_attn.q_proj.weight, ...), so loading a checkpoint is a name lookup
// plus a shape check. Torch types: include from core/ .cpp files only, never from ui/.
//
// Shapes: B batch, T new tokens, P cached tokens, C hidden, NH heads, NKV kv heads, HD head dim,
// F intermediate size, V vocab.
#pragma once
#include "core/model/llama_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <functional>
#include <vector>

namespace llms {

// Per-layer key/value cache for generation. Tensors are [B, NKV, P, HD].
struct KVCache {
    std::vector<at::Tensor> k, v;
    int64_t length() const { return k.empty() || !k[0].defined() ? 0 : k[0].size(2); }
    void clear() { k.clear(); v.clear(); }
};

// y = x W^T (+ b when the family has biases: Qwen2's q/k/v, attention_bias, mlp_bias). Parameters created
// uninitialised at the requested dtype/device: loading a checkpoint then costs one copy, never a random init of a
// full-size fp32 model first.
struct LinearImpl : torch::nn::Module {
    LinearImpl(int64_t in, int64_t out, const at::TensorOptions& opt, bool with_bias = false);
    at::Tensor forward(const at::Tensor& x);   // [..., in] -> [..., out]
    at::Tensor weight;                          // [out, in]
    at::Tensor bias;                            // [out], undefined when none
    // A LoRA adapter when attached (core/model/lora.h): y += lora_scale · (x A^T) B^T. Plain members, not
    // registered parameters: the model's named tensors stay the checkpoint's.
    at::Tensor lora_A;                          // [r, in], fp32
    at::Tensor lora_B;                          // [out, r], fp32
    double lora_scale = 0;
};
TORCH_MODULE(Linear);

struct LlamaRMSNormImpl : torch::nn::Module {
    LlamaRMSNormImpl(int64_t dim, double eps, const at::TensorOptions& opt);
    at::Tensor forward(const at::Tensor& x);   // [..., C], normalised in fp32 like HF (core/model/rms_norm.h)
    at::Tensor weight;                          // [C]
    double eps;
};
TORCH_MODULE(LlamaRMSNorm);

struct LlamaAttentionImpl : torch::nn::Module {
    LlamaAttentionImpl(const LlamaConfig& c, const at::TensorOptions& opt);
    // x [B, T, C]; cos/sin [T, HD] (packed rows: [B, 1, T, HD]); mask [B or 1, 1, T, P+T] additive;
    // cache_k/v [B, NKV, P, HD] (updated).
    at::Tensor forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& mask,
                       at::Tensor* cache_k, at::Tensor* cache_v);
    Linear q_proj{nullptr};   // [NH*HD, C]
    Linear k_proj{nullptr};   // [NKV*HD, C]
    Linear v_proj{nullptr};   // [NKV*HD, C]
    Linear o_proj{nullptr};   // [C, NH*HD]
    LlamaRMSNorm q_norm{nullptr}, k_norm{nullptr};   // [HD] each, Qwen3 only
    int64_t NH, NKV, HD;
};
TORCH_MODULE(LlamaAttention);

struct LlamaMLPImpl : torch::nn::Module {
    LlamaMLPImpl(const LlamaConfig& c, const at::TensorOptions& opt);
    at::Tensor forward(const at::Tensor& x);   // down(silu(gate(x)) * up(x))
    Linear gate_proj{nullptr};  // [F, C]
    Linear up_proj{nullptr};    // [F, C]
    Linear down_proj{nullptr};  // [C, F]
};
TORCH_MODULE(LlamaMLP);

struct LlamaDecoderLayerImpl : torch::nn::Module {
    LlamaDecoderLayerImpl(const LlamaConfig& c, const at::TensorOptions& opt);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& mask,
                       at::Tensor* cache_k, at::Tensor* cache_v);
    LlamaAttention self_attn{nullptr};
    LlamaMLP mlp{nullptr};
    LlamaRMSNorm input_layernorm{nullptr};
    LlamaRMSNorm post_attention_layernorm{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

// Observers / editors of a forward's intermediate states, for causal tracing and closed-form editing (core/edit/).
// Unset (LlamaModelImpl::hooks null) in every other forward: the normal path only tests the pointer. Each function
// may be empty; each returns the tensor the forward goes on with (its argument, or a replacement of the same shape).
struct ForwardHooks {
    std::function<at::Tensor(const at::Tensor& x)> embed;   // the token embeddings [B, T, C] before layer 0
    // Layer i's MLP: `in` its normed input [B, T, C] (the down_proj input is silu(gate in) * up in), `out` its
    // output [B, T, C], added to the residual stream.
    std::function<at::Tensor(int64_t i, const at::Tensor& in, const at::Tensor& out)> mlp;
    std::function<at::Tensor(int64_t i, const at::Tensor& h)> layer;   // layer i's output, the residual stream [B, T, C]
};

struct LlamaModelImpl : torch::nn::Module {
    LlamaModelImpl(const LlamaConfig& c, const at::TensorOptions& opt);
    // ids [B, T] -> final normed hidden states [B, T, C].
    // attention_mask [B, P+T] (1 keep, 0 pad; optional), cache optional (positions continue after it).
    at::Tensor forward(const at::Tensor& ids, const at::Tensor& attention_mask, KVCache* cache);
    // Packed rows (training on short rows without padding): ids [S, T]; positions [S, T], each row counting from 0;
    // segments [S, T], the row a position belongs to (equal numbers = one row; padding its own segment). A position
    // attends to the earlier positions of its segment only. -> final normed hidden states [S, T, C].
    at::Tensor forward_packed(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& segments);
    at::Tensor embed_tokens;                    // [V, C]  (HF: model.embed_tokens.weight)
    torch::nn::ModuleList layers{nullptr};
    LlamaRMSNorm norm{nullptr};
    LlamaConfig config;
    // Training with less memory: when set, a forward that builds a graph (grad mode on, no KV cache) keeps
    // only each layer's input and recomputes the layer in the backward (core/model/activation_checkpoint.h).
    bool checkpoint_layers = false;
    // Set only around a tracing / editing forward (never with checkpoint_layers); the caller owns it.
    const ForwardHooks* hooks = nullptr;

private:
    // cos/sin [..., HD] of rotary positions [...] (long, on the model's device).
    std::pair<at::Tensor, at::Tensor> rope(const at::Tensor& positions, at::ScalarType dt);
    // [T, P+T] bool: query i (absolute P+i) may see key j (causal, within the sliding window).
    at::Tensor causal(int64_t P, int64_t T, const at::Device& d) const;
    at::Tensor run_layers(at::Tensor x, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& mask,
                          KVCache* cache);
    at::Tensor inv_freq_;                       // [HD/2] fp32, not a parameter
};
TORCH_MODULE(LlamaModel);

struct LlamaForCausalLMImpl : torch::nn::Module {
    LlamaForCausalLMImpl(const LlamaConfig& c, const at::TensorOptions& opt);
    // ids [B, T] -> logits [B, T, V] (fp32).
    at::Tensor forward(const at::Tensor& ids, const at::Tensor& attention_mask = {}, KVCache* cache = nullptr);
    // Final hidden states [B, T, C] -> logits [..., V] (fp32). Lets callers project only the rows they need.
    at::Tensor logits(const at::Tensor& hidden);
    const at::Tensor& lm_head_weight() const;   // [V, C]: lm_head.weight, or the embedding when tied

    LlamaModel model{nullptr};
    Linear lm_head{nullptr};                    // absent (nullptr) when tie_word_embeddings
    LlamaConfig config;
};
TORCH_MODULE(LlamaForCausalLM);

// Standard init for training from scratch: N(0, 0.02) for matrices (o_proj/down_proj scaled by
// 1/sqrt(2L)), ones for norms. Deterministic for a given seed.
void init_weights(LlamaForCausalLM& m, uint64_t seed);

// Named parameters in HF order (model.embed_tokens.weight, layers..., model.norm.weight, lm_head.weight).
std::vector<std::pair<std::string, at::Tensor>> hf_named_tensors(LlamaForCausalLM& m);

}  // namespace llms
