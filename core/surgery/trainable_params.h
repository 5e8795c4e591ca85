// Which weights a surgery trains. "all"; "mlp": the MLP matrices of every layer; "layers:A-B": every weight
// of decoder layers A..B (0-based, inclusive). Frozen weights need no gradient and no AdamW state (12 bytes
// per fp32 weight): layer-selective training is what makes a 7B-shape surgery fit one 80 GB GPU
// (docs/benchmarks.md). Torch types: core/ only.
#pragma once
#include "core/model/llama.h"

#include <string>
#include <vector>

namespace llms::surgery {

// The decoder layer an HF tensor name belongs to ("model.layers.3.mlp.up_proj.weight" -> 3), -1 for the others.
int64_t layer_of(const std::string& hf_name);

// Sets requires_grad on every parameter of the model (true for the selected ones) and returns the
// selected ones in HF order. llms::Error for a spec naming layers the model lacks or selecting nothing.
std::vector<at::Tensor> select_trainable(LlamaForCausalLM& net, const std::string& spec);

}  // namespace llms::surgery
