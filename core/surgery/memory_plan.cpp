#include "core/surgery/memory_plan.h"

#include "core/common/memory_available.h"
#include "core/model/llama_layout.h"

#include <algorithm>

namespace llms::surgery {

int64_t layer_activation_elements(const LlamaConfig& c, int64_t P) {
    const int64_t C = c.hidden_size, HD = c.head_dim > 0 ? c.head_dim : c.hidden_size / c.num_attention_heads;
    const int64_t q = c.num_attention_heads * HD, kv = c.num_key_value_heads * HD, I = c.intermediate_size;
    //     attention norm in + out, q, k, v, attention output, MLP norm in + out, gate, up, gate·up, probabilities
    return 2 * C + q + 2 * kv + q + 2 * C + 3 * I + c.num_attention_heads * P;
}

MemoryPlan plan_surgery_memory(const LlamaConfig& c, const TrainableSpec& spec, const MemoryPlanInput& in) {
    check_spec_layers(spec, c.num_hidden_layers);
    MemoryPlan p;
    p.on_gpu = in.on_gpu;
    int64_t lowest = c.num_hidden_layers;   // the lowest layer the gradient must reach
    for (const auto& t : llama_tensor_layout(c)) {
        int64_t n = 1;
        for (const int64_t d : t.shape) n *= d;
        p.weights += n * in.weight_bytes;
        if (!spec.selects(t.name)) continue;
        p.trained_params += n;
        const int64_t layer = layer_of(t.name);
        if (layer >= 0) lowest = std::min(lowest, layer);
        else if (t.name == "model.embed_tokens.weight") lowest = 0;
    }
    int64_t trained_bytes = in.weight_bytes;
    if (in.lora_parameters > 0) {   // adapters on every layer: the gradient reaches layer 0
        p.trained_params = in.lora_parameters;
        trained_bytes = 4;
        lowest = 0;
    }
    p.gradients = p.trained_params * trained_bytes;
    p.optimizer = 2 * p.trained_params * trained_bytes;
    p.snapshot = p.trained_params * trained_bytes;

    const int64_t layers = c.num_hidden_layers - lowest, N = in.step_positions, C = c.hidden_size;
    const int64_t per_layer = layer_activation_elements(c, std::max<int64_t>(in.packed_length, 1));
    // Checkpointed: each layer keeps its input, and one layer at a time is recomputed in full.
    const int64_t saved = in.checkpoint_layers ? layers * C + (layers > 0 ? per_layer : 0) : layers * per_layer;
    p.activations = N * (saved + 2 * C) * 4;   // fp32 (+ the final norm's input and output)
    p.vocabulary = N * c.vocab_size * 4 + 3 * in.vocab_chunk_bytes;
    p.reference_cache = in.cached_positions * in.top_k * (8 + 4);
    return p;
}

std::string MemoryPlan::summary() const {
    return "gradients " + format_bytes(gradients) + ", AdamW " + format_bytes(optimizer) + ", activations " +
           format_bytes(activations) + ", vocabulary " + format_bytes(vocabulary) + ", snapshot " +
           format_bytes(snapshot) + ", θ0 cache " + format_bytes(reference_cache) + " (" +
           std::to_string(trained_params) + " trained weights)";
}

}  // namespace llms::surgery
