// LoRA settings (Hu et al., arXiv 2106.09685, as PEFT implements them): each targeted linear layer y = x W^T gains
// a low-rank update, y = x W^T + (alpha / r) · x A^T B^T with A [r, in] and B [out, r]; W stays frozen. Which
// layers, the rank and alpha, as the user writes them. Torch-free: the UI validates them, the memory plan counts them.
#pragma once
#include "core/model/llama_config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llms {

// The HF module names LoRA can target, in the order a decoder layer holds them.
inline const std::vector<std::string> kLoraModules = {"q_proj", "k_proj", "v_proj", "o_proj",
                                                      "gate_proj", "up_proj", "down_proj"};

struct LoraConfig {
    int64_t rank = 0;                    // r; 0: no LoRA
    double alpha = 0;                    // lora_alpha; the update is scaled by alpha / r
    std::vector<std::string> targets;    // HF module names (kLoraModules order), e.g. {"q_proj", "v_proj"}

    bool enabled() const { return rank > 0; }
    double scale() const { return alpha / (double)rank; }
    // True for the weight of a targeted linear layer ("model.layers.3.self_attn.q_proj.weight" with q_proj targeted).
    bool targets_weight(const std::string& hf_weight_name) const;
    // "q,v" style list of the targets' short names.
    std::string targets_text() const;
};

// rank_alpha: "R" (alpha = R) or "R:ALPHA", R in 1..4096, ALPHA > 0. targets: a comma-separated list of short (q, k,
// v, o, gate, up, down) or HF (q_proj, ...) names, or "all". llms::Error naming the bad part.
LoraConfig parse_lora(const std::string& rank_alpha, const std::string& targets = "all");

// Adapter weights A and B for a model: r · (in + out) per targeted matrix. llms::Error when the rank is at least a
// targeted matrix's smaller side (a full-rank "adapter" is no saving and PEFT-incompatible in spirit).
int64_t lora_parameter_count(const LlamaConfig& c, const LoraConfig& l);

// [in, out] of a targeted module of a layer ("q_proj" -> [C, NH·HD]).
std::pair<int64_t, int64_t> lora_module_shape(const LlamaConfig& c, const std::string& module);

}  // namespace llms
