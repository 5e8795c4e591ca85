// What a surgery run allocates beyond the loaded weights, from sizes alone: checked before anything is allocated
// (the trainer refuses a plan that does not fit, with these numbers) and printed by `bench memory` for any
// config.json. An estimate from the tensors each part holds; allocator slack and the process itself come on top
// (docs/benchmarks.md compares it with measured peaks). Torch-free.
#pragma once
#include "core/model/llama_config.h"
#include "core/surgery/trainable_spec.h"

#include <cstdint>
#include <string>

namespace llms::surgery {

struct MemoryPlanInput {
    int64_t weight_bytes = 4;        // bytes per weight as loaded (4 float32, 2 bfloat16 / float16)
    bool checkpoint_layers = false;  // recompute each trained layer in the backward
    int64_t step_positions = 0;      // positions one step trains (its largest draw)
    int64_t packed_length = 64;      // P: the packed sequence length (attention probabilities per position)
    int64_t cached_positions = 0;    // retain positions whose θ0 top-K is cached
    int64_t top_k = 64;              // K of that cache
    int64_t vocab_chunk_bytes = 16ll << 20;   // the vocabulary projection's per-chunk temporaries
    bool on_gpu = false;             // the model lives on a GPU: snapshot and cache stay in host memory
    // LoRA (core/model/lora_config.h): the adapter weights trained instead of the spec's (fp32, every layer).
    int64_t lora_parameters = 0;
};

struct MemoryPlan {
    int64_t weights = 0;             // the loaded model (already allocated)
    int64_t trained_params = 0;
    int64_t gradients = 0;           // one per trained weight, in its dtype
    int64_t optimizer = 0;           // AdamW's two moments per trained weight, in its dtype
    int64_t activations = 0;         // one step's saved decoder activations (the layers the gradient passes)
    int64_t vocabulary = 0;          // one step's log-softmax kept for the backward, and the chunk temporaries
    int64_t snapshot = 0;            // copy of the trained weights (divergence guard), host memory
    int64_t reference_cache = 0;     // θ0's top-K ids and log-probs per cached position, host memory
    bool on_gpu = false;

    int64_t device_bytes() const { return gradients + optimizer + activations + vocabulary + (on_gpu ? 0 : host_only()); }
    int64_t host_only() const { return snapshot + reference_cache; }
    // "gradients 0.2 GB, AdamW 0.5 GB, activations 0.1 GB, ..." (what the refusal and the CLI print).
    std::string summary() const;
};

// llms::Error for a spec naming layers the model lacks (check_spec_layers).
MemoryPlan plan_surgery_memory(const LlamaConfig& config, const TrainableSpec& spec, const MemoryPlanInput& in);

// Saved elements per position of one decoder layer in a training forward: the norms' inputs and outputs, q/k/v,
// the attention output, the attention probabilities (heads x P) and the MLP's gate, up and product.
int64_t layer_activation_elements(const LlamaConfig& config, int64_t packed_length);

}  // namespace llms::surgery
