#include "core/edit/rome.h"

#include "core/edit/hooked_forward.h"
#include "core/edit/target_vector.h"

#include <torch/torch.h>

namespace llms::edit {

at::Tensor rome_delta(const at::Tensor& W, const at::Tensor& C, const at::Tensor& k_mean, const at::Tensor& k_prompt,
                      const at::Tensor& v) {
    auto Wd = W.to(at::kDouble).cpu(), kp = k_prompt.to(at::kDouble).cpu();
    auto u = at::linalg_solve(C.to(at::kDouble).cpu(), k_mean.to(at::kDouble).cpu().unsqueeze(1)).squeeze(1);   // [F]
    u = u / u.norm();
    auto right = (v.to(at::kDouble).cpu() - at::mv(Wd, kp)) / at::dot(u, kp);                                   // [C]
    return at::outer(right, u);                                                                                  // [C, F]
}

std::vector<RomeStep> apply_rome(LoadedModel& m, const std::vector<EditRequest>& requests, int64_t layer,
                                 const at::Tensor& C, const EditSettings& s, uint64_t seed,
                                 const std::atomic<bool>* stop,
                                 const std::function<void(int, int, const std::string&)>& on_request) {
    const auto prefixes = context_prefixes(m, s.context_prefixes, s.prefix_tokens, seed);
    const double clamp = s.clamp_norm;
    std::vector<RomeStep> out;
    for (size_t i = 0; i < requests.size(); ++i) {
        if (stop && stop->load()) break;
        const auto& r = requests[i];
        const auto t = compute_target(m, r, layer, TargetSite::MlpOutput, prefixes, s, clamp);
        std::vector<std::string> texts;
        for (const auto& p : prefixes) texts.push_back(p + r.prompt);
        const auto all = read_layer(m, layer, subject_batch(m, texts, r.subject));   // row 0: the prompt alone
        torch::NoGradGuard ng;
        auto& W = down_proj_weight(m.net, layer);
        // r-ROME (Gupta et al. 2024): the mean key in both places, and the target W k̄ + δ (the δ the search found
        // right after every prefix). What keeps 24 sequential edits from breaking the demo model is mostly the target
        // search (clamp, kept facts): docs/benchmarks.md "Closed-form editing".
        const auto k_mean = all.key.mean(0).to(at::kDouble).cpu();
        auto v = at::mv(W.to(at::kDouble).cpu(), k_mean) + (t.v - t.v0).to(at::kDouble).cpu();
        auto dW = rome_delta(W, C, k_mean, k_mean, v);
        W.add_(dW.to(W.scalar_type()).to(W.device()));
        out.push_back({t.nll, dW.norm().item<double>()});
        if (on_request) on_request((int)i + 1, (int)requests.size(), r.prompt + r.target);
    }
    return out;
}

}  // namespace llms::edit
