// The loss terms of the surgery objective as pure tensor functions (testable on small tensors).
// Shapes: R rows, T positions, V vocab, K cached top-k entries.
//
// Each term comes in two forms: from full log-probabilities logp [R, T, V] (evaluation), and from the
// log-probabilities of just the ids it reads (training: core/surgery/vocab_chunks.h gathers them without
// keeping a [R, T, V] tensor). Both forms are the same computation.
#pragma once
#include <ATen/Tensor.h>

namespace llms::surgery {

// Σ x·mask / max(Σ mask, 1) over all positions: x, mask [R, T]. 0 (with a graph) when the mask is empty.
at::Tensor masked_mean(const at::Tensor& x, const at::Tensor& mask);

// Mean negative log-likelihood of the targets over the masked positions of the selected rows.
//   logp [R, T, V] log-probabilities, targets [R, T] (the next token at each position), mask [R, T] float (1 = counts).
// Returns a scalar; 0 (with a graph) when the mask is empty.
at::Tensor masked_nll(const at::Tensor& logp, const at::Tensor& targets, const at::Tensor& mask);
// The same from target_logp [R, T] = log p(targets): masked_mean(-target_logp, mask).
at::Tensor masked_nll(const at::Tensor& target_logp, const at::Tensor& mask);

// Per-row mean NLL over the mask: [R]. Rows with an empty mask give 0.
at::Tensor row_nll(const at::Tensor& logp, const at::Tensor& targets, const at::Tensor& mask);
at::Tensor row_nll(const at::Tensor& target_logp, const at::Tensor& mask);   // target_logp [R, T]

// KL(p_θ0 || p_θ) per masked position, averaged, with θ0 cached as its top-K log-probabilities plus the
// remainder mass (exact when K = V):
//   Σ_k p0_k (log p0_k − log p_k) + r0 (log r0 − log r),   r = 1 − Σ_k p_k over the same K ids.
//   logp [R, T, V]; ref_idx [R, T, K] long; ref_logp [R, T, K]; mask [R, T].
at::Tensor cached_kl(const at::Tensor& logp, const at::Tensor& ref_idx, const at::Tensor& ref_logp,
                     const at::Tensor& mask);
// The same from topk_logp [R, T, K] = log p_θ at ref_idx.
at::Tensor cached_kl(const at::Tensor& topk_logp, const at::Tensor& ref_logp, const at::Tensor& mask);

// NPO (Zhang et al. 2024) on whole answers: −(2/β) · mean log σ(−β (log π_θ(y|x) − log π_ref(y|x))).
//   seq_logp [R] summed answer log-probs under θ, ref_seq_logp [R] under θ0.
at::Tensor npo_loss(const at::Tensor& seq_logp, const at::Tensor& ref_seq_logp, double beta);

}  // namespace llms::surgery
