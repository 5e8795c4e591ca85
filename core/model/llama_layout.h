// The tensors a LlamaConfig implies, by Hugging Face name, with shapes computed from the config alone
// (overflow-checked): what the loader compares with a checkpoint's headers before it allocates anything, and
// what `info` validates a folder with. Torch-free.
#pragma once
#include "core/model/llama_config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llms {

struct TensorShape {
    std::string name;             // e.g. "model.layers.0.self_attn.q_proj.weight"
    std::vector<int64_t> shape;   // e.g. [NH·HD, C]
};

// Parameter count with every product and sum overflow-checked; llms::Error naming `source` when the config's
// sizes multiply past 2^63 (no real model comes near).
int64_t checked_num_parameters(const LlamaConfig& c, const std::string& source = "config.json");

// Every weight of the model in the order the network registers them: model.embed_tokens.weight [V, C]; per layer
// self_attn.{q,k,v,o}_proj.weight [NH·HD, C] [NKV·HD, C] [NKV·HD, C] [C, NH·HD] (with .bias [out] where the
// family has them), self_attn.{q,k}_norm.weight [HD] (Qwen3), mlp.{gate,up}_proj.weight [I, C],
// mlp.down_proj.weight [C, I] (+ .bias with mlp_bias), input_layernorm.weight and post_attention_layernorm.weight
// [C]; model.norm.weight [C]; lm_head.weight [V, C] unless tied. Call checked_num_parameters first: this builds
// 9·L + 3 entries or more.
std::vector<TensorShape> llama_tensor_layout(const LlamaConfig& c);

}  // namespace llms
