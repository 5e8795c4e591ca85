// MEMIT (Meng et al. 2023, "Mass-Editing Memory in a Transformer"; kmeng01/memit memit_main.py, compute_z.py,
// compute_ks.py): all facts at once over a range of layers. z_i, each fact's target residual at the range's last layer
// (core/edit/target_vector.h); then for each layer l of the range, lowest first, on the model the lower layers'
// updates left:
//   K [F, n]  the mean key at each subject's last token (prompt and context prefixes),
//   R [C, n]  (z − the residual at the last layer now) / (layers left, l included),
//   and one more column in both for each of a request's subject spellings that open a text (EditRequest::starts,
//   our addition): its key there, its request's residual,
//   ΔW_l = R Kᵀ (λ C_l + K Kᵀ)⁻¹.
#pragma once
#include "core/edit/edit_request.h"
#include "core/edit/edit_settings.h"

#include <atomic>
#include <functional>

namespace llms::edit {

// ΔW = R (solve(λ C + K Kᵀ, K))ᵀ, in float64: C [F, F], K [F, n], R [C, n]. Returns [C, F] float64.
at::Tensor memit_delta(const at::Tensor& C, const at::Tensor& K, const at::Tensor& R, double lambda);

struct MemitResult {
    std::vector<double> target_nll;    // per request, at its z
    std::vector<double> update_norm;   // per layer, ‖ΔW_l‖
    bool stopped = false;
};

// covs[i]: the key covariance of layers[i]. on_progress(stage, done, total, what): stage 0 targets (requests),
// 1 layers. A stop before the first weight update leaves the model unchanged.
MemitResult apply_memit(LoadedModel& m, const std::vector<EditRequest>& requests, const std::vector<int>& layers,
                        const std::vector<at::Tensor>& covs, const EditSettings& s, uint64_t seed,
                        const std::atomic<bool>* stop = nullptr,
                        const std::function<void(int stage, int done, int total, const std::string& what)>& on_progress = {});

}  // namespace llms::edit
