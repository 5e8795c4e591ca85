#include "core/edit/memit.h"

#include "core/edit/hooked_forward.h"
#include "core/edit/target_vector.h"

#include <torch/torch.h>

namespace llms::edit {

at::Tensor memit_delta(const at::Tensor& C, const at::Tensor& K, const at::Tensor& R, double lambda) {
    auto Kd = K.to(at::kDouble).cpu();
    auto adj = at::linalg_solve(lambda * C.to(at::kDouble).cpu() + at::mm(Kd, Kd.t()), Kd);   // [F, n]
    return at::mm(R.to(at::kDouble).cpu(), adj.t());                                          // [C, F]
}

MemitResult apply_memit(LoadedModel& m, const std::vector<EditRequest>& requests, const std::vector<int>& layers,
                        const std::vector<at::Tensor>& covs, const EditSettings& s, uint64_t seed,
                        const std::atomic<bool>* stop,
                        const std::function<void(int, int, int, const std::string&)>& on_progress) {
    MemitResult res;
    const auto prefixes = context_prefixes(m, s.context_prefixes, s.prefix_tokens, seed);
    const double clamp = s.clamp_norm;
    const int64_t last = layers.back(), n = (int64_t)requests.size();

    std::vector<at::Tensor> z;   // [C] each
    for (int64_t i = 0; i < n; ++i) {
        if (stop && stop->load()) {
            res.stopped = true;
            return res;
        }
        const auto t = compute_target(m, requests[i], last, TargetSite::LayerOutput, prefixes, s, clamp);
        z.push_back(t.v.to(at::kDouble).cpu());
        res.target_nll.push_back(t.nll);
        if (on_progress) on_progress(0, (int)i + 1, (int)n, requests[i].prompt + requests[i].target);
    }
    auto Z = at::stack(z, 1);   // [C, n]

    for (size_t li = 0; li < layers.size(); ++li) {
        const int64_t layer = layers[li];
        std::vector<at::Tensor> ks, cur;
        for (const auto& r : requests) {
            std::vector<std::string> texts;
            for (const auto& p : prefixes) texts.push_back(p + r.prompt);
            const auto batch = subject_batch(m, texts, r.subject);
            ks.push_back(read_layer(m, layer, batch).key.mean(0).to(at::kDouble).cpu());           // [F]
            cur.push_back(read_layer(m, last, batch).layer_out[0].to(at::kDouble).cpu());          // [C], the prompt alone
        }
        auto R = (Z - at::stack(cur, 1)) / (double)(layers.size() - li);                            // [C, n]
        // The subject opening a text (EditRequest::starts): one more column each, with its request's residual.
        std::vector<at::Tensor> rs;
        for (int64_t i = 0; i < n; ++i)
            for (const auto& start : requests[i].starts) {
                ks.push_back(read_layer(m, layer, subject_batch(m, {start}, start)).key[0].to(at::kDouble).cpu());
                rs.push_back(R.select(1, i));
            }
        if (!rs.empty()) R = at::cat({R, at::stack(rs, 1)}, 1);                                    // [C, n + starts]
        auto K = at::stack(ks, 1);                                                                  // [F, n + starts]
        auto dW = memit_delta(covs[li], K, R, s.mom2_weight);
        torch::NoGradGuard ng;
        auto& W = down_proj_weight(m.net, layer);
        W.add_(dW.to(W.scalar_type()).to(W.device()));
        res.update_norm.push_back(dW.norm().item<double>());
        if (on_progress) on_progress(1, (int)li + 1, (int)layers.size(), "layer " + std::to_string(layer));
    }
    return res;
}

}  // namespace llms::edit
