// The settings of the closed-form editors, ROME and MEMIT (core/edit/rome.h, memit.h), as the user writes them.
// Torch-free: SurgeryConfig carries them (core/surgery/surgery_config.h) and the app edits them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llms::edit {

struct EditSettings {
    // The edited layer(s): "auto" (chosen by causal tracing on the facts: core/edit/causal_trace.h), "L" or "A-B"
    // (0-based). ROME edits one layer: with a range, its last. MEMIT edits every layer of the range.
    std::string layers = "auto";
    int memit_span = 0;                 // auto layers for MEMIT: how many (0: 2 up to 8 layers, else layers / 5)
    int64_t cov_samples = 20000;        // tokens in the sample behind the key covariance C = E[k kᵀ]
    double mom2_weight = 15000;         // MEMIT's λ in Δ = R Kᵀ (λ C + K Kᵀ)⁻¹ (the reference's mom2_update_weight)
    // The target vector (ROME's v*, MEMIT's z): a delta on the layer's output at the subject's last token, Adam.
    int v_steps = 25;
    double v_lr = 0.5;
    double v_weight_decay = 0.5;        // × ‖δ‖ / ‖v₀‖²
    double kl_factor = 0.0625;          // × KL on the "{subject} is a" prompt
    double clamp_norm = 0;              // ‖δ‖ ≤ clamp_norm ‖v₀‖ (0: the method's default, ROME 4, MEMIT 0.75)
    int context_prefixes = 5;           // texts sampled from the model put before the prompt (k* and v* average them)
    int prefix_tokens = 10;             // their length
    std::string forget_target = "unknown";   // the answer forget facts are rewritten to (a leading space is added)
    int trace_facts = 16;               // facts traced to choose the layers (auto)
    int trace_samples = 3;              // noise samples per traced fact
    std::string cache_dir;              // key covariance cache; empty: $XDG_CACHE_HOME/llm-surgery/covariance

    // Human-readable problems (empty when valid).
    std::vector<std::string> validate() const;
};

// "auto" -> {}; "3" -> {3}; "2-4" -> {2, 3, 4}. llms::Error for anything else, and (n_layers > 0) for a layer
// outside [0, n_layers).
std::vector<int> parse_edit_layers(const std::string& text, int n_layers = 0);

}  // namespace llms::edit
