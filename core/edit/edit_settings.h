// The settings of the closed-form editors, ROME and MEMIT (core/edit/rome.h, memit.h), as the user writes them.
// Torch-free: SurgeryConfig carries them (core/surgery/surgery_config.h) and the app edits them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llms::edit {

struct EditSettings {
    EditSettings();   // the defaults: edit_settings.cpp, with the measurements behind them

    // The edited layer(s): "auto" (chosen by causal tracing on the facts: core/edit/causal_trace.h), "L" or "A-B"
    // (0-based). ROME edits one layer: with a range, its last. MEMIT edits every layer of the range.
    std::string layers;
    int memit_span;              // auto layers for MEMIT: how many (0: 2 up to 8 layers, else layers / 5)
    int64_t cov_samples;         // tokens in the sample behind the key covariance C = E[k kᵀ]
    double mom2_weight;          // MEMIT's λ in Δ = R Kᵀ (λ C + K Kᵀ)⁻¹ (the reference's mom2_update_weight)
    // The target vector (ROME's v*, MEMIT's z): a delta δ on the layer's output at the subject's last token, Adam.
    int v_steps;
    double v_lr;
    double v_weight_decay;       // × ‖δ‖ / ‖v₀‖² (not scale-free: see the default)
    double kl_factor;            // × KL on the "{subject} is a" prompt
    double keep_factor;          // × mean KL after the prompts of the subject's other known facts (EditRequest::keep)
    int keep_prompts;            // at most this many of them per request
    int keep_relations;          // and the subject under this many of the pool's other relations (0: none)
    bool start_keys;             // MEMIT: each edit also written at the key of its subject opening a text
    double clamp_norm;           // ‖δ‖ ≤ clamp_norm ‖v₀‖
    int context_prefixes;        // texts sampled from the model put before the prompt (k* and v* average over them)
    int prefix_tokens;           // their length
    std::string forget_target;   // the answer forget facts are rewritten to (a leading space is added)
    int trace_facts;             // facts traced to choose the layers (auto)
    int trace_samples;           // noise samples per traced fact
    std::string cache_dir;       // key covariance cache; empty: $XDG_CACHE_HOME/llm-surgery/covariance

    // Human-readable problems (empty when valid).
    std::vector<std::string> validate() const;
};

// "auto" -> {}; "3" -> {3}; "2-4" -> {2, 3, 4}. llms::Error for anything else, and (n_layers > 0) for a layer
// outside [0, n_layers).
std::vector<int> parse_edit_layers(const std::string& text, int n_layers = 0);

}  // namespace llms::edit
