// ROME (Meng et al. 2022, "Locating and Editing Factual Associations in GPT"; kmeng01/rome rome_main.py,
// compute_u.py, compute_v.py): a rank-one update of one layer's down_proj W [C, F] per fact, one fact after another.
#pragma once
#include "core/edit/edit_request.h"
#include "core/edit/edit_settings.h"

#include <atomic>
#include <functional>

namespace llms::edit {

// The update, in float64: u = C⁻¹ k̄ (k̄ the mean key over the prompt and its context prefixes), and
//   ΔW = (v − W k_p) uᵀ / (uᵀ k_p)
// so (W + ΔW) k_p = v exactly. C [F, F], k̄ / k_p [F], v [C] (down_proj's output without its bias, if any), W [C, F].
// The reference code passes the key at the prompt alone as k_p; apply_rome passes k̄ in both places (the paper's
// formula; r-ROME, Gupta et al. 2024, "Rebuilding ROME": the mixed keys make sequential edits collapse the model).
// Returns ΔW [C, F] float64.
at::Tensor rome_delta(const at::Tensor& W, const at::Tensor& C, const at::Tensor& k_mean, const at::Tensor& k_prompt,
                      const at::Tensor& v);

struct RomeStep {
    double target_nll = 0;     // the new answer's NLL per token at v*
    double update_norm = 0;    // ‖ΔW‖
};

// Edits `layer` for each request in order (each on the model the previous edits left). C: the layer's key covariance.
// on_request(done, total) after each; a stop ends between requests (the edits done stay).
std::vector<RomeStep> apply_rome(LoadedModel& m, const std::vector<EditRequest>& requests, int64_t layer,
                                 const at::Tensor& C, const EditSettings& s, uint64_t seed,
                                 const std::atomic<bool>* stop = nullptr,
                                 const std::function<void(int done, int total, const std::string& what)>& on_request = {});

}  // namespace llms::edit
