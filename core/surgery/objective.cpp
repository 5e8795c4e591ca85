#include "core/surgery/objective.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace llms::surgery {

static at::Tensor target_logp_of(const at::Tensor& logp, const at::Tensor& targets) {   // [R, T]
    return logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
}

at::Tensor masked_mean(const at::Tensor& x, const at::Tensor& mask, double count) {
    if (count >= 0) return (x * mask).sum() / std::max(count, 1.0);
    return (x * mask).sum() / at::clamp_min(mask.sum(), 1.0);
}

at::Tensor masked_nll(const at::Tensor& target_logp, const at::Tensor& mask, double count) {
    return masked_mean(-target_logp, mask, count);
}

at::Tensor masked_nll(const at::Tensor& logp, const at::Tensor& targets, const at::Tensor& mask) {
    return masked_nll(target_logp_of(logp, targets), mask);
}

at::Tensor signed_masked_nll(const at::Tensor& target_logp, const at::Tensor& mask, double count) {
    if (count >= 0) return (-target_logp * mask).sum() / std::max(count, 1.0);
    return (-target_logp * mask).sum() / at::clamp_min(mask.abs().sum(), 1.0);
}

at::Tensor row_nll(const at::Tensor& target_logp, const at::Tensor& mask) {
    return (-target_logp * mask).sum(-1) / at::clamp_min(mask.sum(-1), 1.0);
}

at::Tensor row_nll(const at::Tensor& logp, const at::Tensor& targets, const at::Tensor& mask) {
    return row_nll(target_logp_of(logp, targets), mask);
}

at::Tensor cached_kl(const at::Tensor& lp_k, const at::Tensor& ref_logp, const at::Tensor& mask, double count) {
    auto p0_k = ref_logp.exp();                                              // [R, T, K]
    auto kl = (p0_k * (ref_logp - lp_k)).sum(-1);                            // [R, T]
    auto r0 = at::clamp_min(1.0 - p0_k.sum(-1), 0.0);                        // [R, T] θ0 mass outside the K
    auto r = at::clamp_min(1.0 - lp_k.exp().sum(-1), 1e-12);                 // [R, T] θ mass outside the K
    kl = kl + at::where(r0 > 1e-12, r0 * (at::log(at::clamp_min(r0, 1e-12)) - at::log(r)), at::zeros_like(r0));
    return masked_mean(kl, mask, count);
}

at::Tensor cached_kl(const at::Tensor& logp, const at::Tensor& ref_idx, const at::Tensor& ref_logp,
                     const at::Tensor& mask) {
    return cached_kl(logp.gather(-1, ref_idx), ref_logp, mask);   // log p_θ on θ0's top-K: [R, T, K]
}

at::Tensor npo_rows(const at::Tensor& seq_logp, const at::Tensor& ref_seq_logp, double beta) {
    return -(2.0 / beta) * at::log_sigmoid(-beta * (seq_logp - ref_seq_logp));
}

at::Tensor npo_loss(const at::Tensor& seq_logp, const at::Tensor& ref_seq_logp, double beta) {
    return npo_rows(seq_logp, ref_seq_logp, beta).mean();
}

std::array<bool, kTerms> method_terms(Method m) {
    switch (m) {
        case Method::LlmSurgery: return {true, true, true, true};
        case Method::GradAscent: return {true, true, false, false};
        case Method::GradDiff: return {true, true, false, true};
        case Method::Npo: return {true, true, false, true};
        case Method::Finetune: return {false, false, true, false};
        case Method::Rome:
        case Method::Memit: return {false, false, false, false};   // closed form (core/edit): no objective to train
    }
    return {false, false, false, false};
}

ObjectiveValue objective(const SurgeryConfig& cfg, const ObjectiveInputs& in) {
    const auto& lp = in.target_logp;                                                  // [R, T]
    auto mask = [&](Term t) { return in.mask[t].defined() ? in.mask[t] : at::zeros_like(lp); };
    auto count = [&](Term t) { return in.whole ? in.whole->positions[t] : -1.0; };   // -1: the mask's own
    const auto use = method_terms(cfg.method);
    ObjectiveValue v;
    v.forget = signed_masked_nll(lp, mask(kForget), count(kForget));
    v.edit = signed_masked_nll(lp, mask(kEdit), count(kEdit));
    v.update = masked_nll(lp, mask(kUpdate), count(kUpdate));
    // The KL is measured whenever θ's top-K log-probs are given, also by methods that do not train it.
    v.retain = cfg.method == Method::GradDiff ? masked_nll(lp, mask(kRetain), count(kRetain))
               : in.topk_logp.defined()      ? cached_kl(in.topk_logp, in.ref_logp, mask(kRetain), count(kRetain))
                                             : at::zeros({}, lp.options());
    v.total = at::zeros({}, lp.options());
    if (cfg.method == Method::Npo) {
        const auto f = mask(kForget), e = mask(kEdit);
        const auto rows = (f.sum(-1) > 0) | (e.sum(-1) > 0);                          // [R] rows in the NPO term
        if (rows.any().item<bool>()) {
            const auto seq_logp = (lp * (f + e)).sum(-1);                             // [R]
            const auto w = at::where(f.sum(-1) > 0, at::full_like(seq_logp, cfg.w_forget),
                                     at::full_like(seq_logp, cfg.w_edit));            // [R]
            const auto per_row = (w * npo_rows(seq_logp, in.ref_seq_logp.to(lp.scalar_type()), cfg.npo_beta))
                                     .masked_select(rows);
            v.total = in.whole ? per_row.sum() / std::max(in.whole->npo_rows, 1.0) : per_row.mean();
        }
    } else {
        if (use[kForget]) v.total = v.total - cfg.w_forget * v.forget;
        if (use[kEdit]) v.total = v.total - cfg.w_edit * v.edit;
        if (use[kUpdate]) v.total = v.total + cfg.w_update * v.update;
    }
    if (use[kRetain]) v.total = v.total + cfg.w_retain * v.retain;
    return v;
}

}  // namespace llms::surgery
