#include "core/surgery/objective.h"

#include <ATen/ATen.h>

namespace llms::surgery {

static at::Tensor target_logp_of(const at::Tensor& logp, const at::Tensor& targets) {   // [R, T]
    return logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
}

at::Tensor masked_mean(const at::Tensor& x, const at::Tensor& mask) {
    return (x * mask).sum() / at::clamp_min(mask.sum(), 1.0);
}

at::Tensor masked_nll(const at::Tensor& target_logp, const at::Tensor& mask) { return masked_mean(-target_logp, mask); }

at::Tensor masked_nll(const at::Tensor& logp, const at::Tensor& targets, const at::Tensor& mask) {
    return masked_nll(target_logp_of(logp, targets), mask);
}

at::Tensor row_nll(const at::Tensor& target_logp, const at::Tensor& mask) {
    return (-target_logp * mask).sum(-1) / at::clamp_min(mask.sum(-1), 1.0);
}

at::Tensor row_nll(const at::Tensor& logp, const at::Tensor& targets, const at::Tensor& mask) {
    return row_nll(target_logp_of(logp, targets), mask);
}

at::Tensor cached_kl(const at::Tensor& lp_k, const at::Tensor& ref_logp, const at::Tensor& mask) {
    auto p0_k = ref_logp.exp();                                              // [R, T, K]
    auto kl = (p0_k * (ref_logp - lp_k)).sum(-1);                            // [R, T]
    auto r0 = at::clamp_min(1.0 - p0_k.sum(-1), 0.0);                        // [R, T] θ0 mass outside the K
    auto r = at::clamp_min(1.0 - lp_k.exp().sum(-1), 1e-12);                 // [R, T] θ mass outside the K
    kl = kl + at::where(r0 > 1e-12, r0 * (at::log(at::clamp_min(r0, 1e-12)) - at::log(r)), at::zeros_like(r0));
    return masked_mean(kl, mask);
}

at::Tensor cached_kl(const at::Tensor& logp, const at::Tensor& ref_idx, const at::Tensor& ref_logp,
                     const at::Tensor& mask) {
    return cached_kl(logp.gather(-1, ref_idx), ref_logp, mask);   // log p_θ on θ0's top-K: [R, T, K]
}

at::Tensor npo_loss(const at::Tensor& seq_logp, const at::Tensor& ref_seq_logp, double beta) {
    return -(2.0 / beta) * at::log_sigmoid(-beta * (seq_logp - ref_seq_logp)).mean();
}

}  // namespace llms::surgery
