// LoRA adapters on a loaded model (settings: core/model/lora_config.h): attached to the targeted linear layers of
// every decoder layer, trained while the model's own weights stay frozen, merged into them (W += (alpha/r) B A) or
// written as an adapter (PEFT folder: core/io/peft_folder.h; GGUF: core/gguf/gguf_lora.h). Torch types: core/ only.
#pragma once
#include "core/model/llama.h"
#include "core/model/lora_config.h"

#include <string>
#include <utility>
#include <vector>

namespace llms {

// One adapted linear layer.
struct LoraSite {
    std::string module;     // HF module path, e.g. "model.layers.3.self_attn.q_proj" (+ ".weight": the frozen W)
    LinearImpl* linear;     // owned by the model
};

// Attaches fresh adapters as PEFT initialises them: A Kaiming-uniform (bound 1/sqrt(in)), B zero, so the model's
// output is unchanged until B is trained. Seeded, fp32, on the model's device. Replaces adapters already attached.
// llms::Error for a rank the model's matrices cannot take (lora_parameter_count).
std::vector<LoraSite> attach_lora(LlamaForCausalLM& m, const LoraConfig& c, uint64_t seed);

// Attaches given adapter tensors (read from a PEFT folder): a [r, in] and b [out, r] per site, under the module
// paths above. llms::Error naming the module for one the model lacks or a shape that does not fit.
void attach_lora_tensors(LlamaForCausalLM& m, const LoraConfig& c,
                         const std::vector<std::pair<std::string, std::pair<at::Tensor, at::Tensor>>>& adapters);

// The attached adapters in HF order (empty when none); their config (rank from A, scale, targets) in *config.
std::vector<LoraSite> lora_sites(LlamaForCausalLM& m, LoraConfig* config = nullptr);

// W + scale · B A in fp32, returned in W's dtype and device ([out, in]); W itself when the layer has no adapter.
at::Tensor merged_weight(const LinearImpl& l);

// Adds every adapter into its weight (merged_weight) and detaches it: the model then computes what the adapted
// one did, as plain weights.
void merge_lora(LlamaForCausalLM& m);

// Removes the adapters without merging.
void detach_lora(LlamaForCausalLM& m);

// The model's tensors under their HF names (hf_named_tensors order) with the adapters merged: copies of the adapted
// weights, the others shared. For writing a merged model without changing the live one.
std::vector<std::pair<std::string, at::Tensor>> merged_named_tensors(LlamaForCausalLM& m);

}  // namespace llms
