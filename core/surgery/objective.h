// The loss terms of the surgery objective as pure tensor functions (testable on small tensors).
// Shapes: R rows, T positions, V vocab, K cached top-k entries.
//
// Each term comes in two forms: from full log-probabilities logp [R, T, V] (evaluation), and from the
// log-probabilities of just the ids it reads (training: core/surgery/vocab_chunks.h gathers them without
// keeping a [R, T, V] tensor). Both forms are the same computation.
#pragma once
#include "core/surgery/surgery_config.h"

#include <ATen/Tensor.h>

#include <array>
#include <optional>

namespace llms::surgery {

// What a training row feeds: forget answers, old answers of updates (edit), new answers of updates, retain text.
enum Term { kForget = 0, kEdit = 1, kUpdate = 2, kRetain = 3, kTerms = 4 };

// The terms each method optimises (indexed by Term):
//   llm-surgery  forget, edit, update, retain (KL to θ0)
//   grad-ascent  forget, edit
//   grad-diff    forget, edit, retain (NLL descent)
//   npo          forget, edit (as NPO), retain (KL to θ0)
//   finetune     update
std::array<bool, kTerms> method_terms(Method m);

// Σ x·mask / max(Σ mask, 1) over all positions: x, mask [R, T]. 0 (with a graph) when the mask is empty.
// count >= 0 divides by max(count, 1) instead of the mask's own sum: a data-parallel rank's share of a larger batch
// divides by the whole batch's count, so the ranks' shares add up to the whole batch's mean.
at::Tensor masked_mean(const at::Tensor& x, const at::Tensor& mask, double count = -1);

// Mean negative log-likelihood of the targets over the masked positions of the selected rows.
//   logp [R, T, V] log-probabilities, targets [R, T] (the next token at each position), mask [R, T] float (1 = counts).
// Returns a scalar; 0 (with a graph) when the mask is empty.
at::Tensor masked_nll(const at::Tensor& logp, const at::Tensor& targets, const at::Tensor& mask);
// The same from target_logp [R, T] = log p(targets): masked_mean(-target_logp, mask, count).
at::Tensor masked_nll(const at::Tensor& target_logp, const at::Tensor& mask, double count = -1);

// The ascent terms' NLL with signed masks: Σ -target_logp·mask / max(Σ |mask|, 1). A -1 marks a row pulled back toward
// its bound: minus its NLL, so that the ascent (which minimises -NLL) descends it. = masked_nll for masks of 0 and 1
// (count: as masked_mean's, the whole batch's Σ |mask|).
at::Tensor signed_masked_nll(const at::Tensor& target_logp, const at::Tensor& mask, double count = -1);

// Per-row mean NLL over the mask: [R]. Rows with an empty mask give 0.
at::Tensor row_nll(const at::Tensor& logp, const at::Tensor& targets, const at::Tensor& mask);
at::Tensor row_nll(const at::Tensor& target_logp, const at::Tensor& mask);   // target_logp [R, T]

// KL(p_θ0 || p_θ) per masked position, averaged, with θ0 cached as its top-K log-probabilities plus the
// remainder mass (exact when K = V):
//   Σ_k p0_k (log p0_k − log p_k) + r0 (log r0 − log r),   r = 1 − Σ_k p_k over the same K ids.
//   logp [R, T, V]; ref_idx [R, T, K] long; ref_logp [R, T, K]; mask [R, T].
at::Tensor cached_kl(const at::Tensor& logp, const at::Tensor& ref_idx, const at::Tensor& ref_logp,
                     const at::Tensor& mask);
// The same from topk_logp [R, T, K] = log p_θ at ref_idx (count: as masked_mean's).
at::Tensor cached_kl(const at::Tensor& topk_logp, const at::Tensor& ref_logp, const at::Tensor& mask,
                     double count = -1);

// NPO (Zhang et al. 2024) on whole answers: −(2/β) · mean log σ(−β (log π_θ(y|x) − log π_ref(y|x))).
//   seq_logp [R] summed answer log-probs under θ, ref_seq_logp [R] under θ0.
at::Tensor npo_loss(const at::Tensor& seq_logp, const at::Tensor& ref_seq_logp, double beta);
// Per row, before the mean: −(2/β) · log σ(−β (seq_logp − ref_seq_logp)) [R].
at::Tensor npo_rows(const at::Tensor& seq_logp, const at::Tensor& ref_seq_logp, double beta);

// What the objective reads from one batch (shapes as above; zeros at padding, where every mask is 0).
struct ObjectiveInputs {
    at::Tensor target_logp;              // [R, T] log p_θ(next token)
    at::Tensor topk_logp;                // [R, T, K] log p_θ at θ0's top-K ids (read by the KL term only)
    at::Tensor ref_logp;                 // [R, T, K] θ0's top-K log-probs
    at::Tensor ref_seq_logp;             // [R] θ0's summed answer log-prob (read by NPO only)
    std::array<at::Tensor, kTerms> mask; // [R, T] float: the positions each term trains (undefined: none)
    // Data parallel: this batch is one rank's share of a larger one, and each mean divides by the whole batch's
    // count (positions per term in `mask`, rows in the NPO term), so the ranks' values and gradients sum to the
    // whole batch's. Not given: this batch's own counts.
    struct Whole {
        std::array<double, kTerms> positions{};
        double npo_rows = 0;
    };
    std::optional<Whole> whole;
};

// The raw (unweighted) term values and the weighted total that is minimised.
struct ObjectiveValue {
    at::Tensor total;     // scalar
    at::Tensor forget;    // mean NLL of the forget answers
    at::Tensor edit;      // mean NLL of the old answers of updates
    at::Tensor update;    // mean NLL of the new answers
    at::Tensor retain;    // cached_kl on the retain rows (when topk_logp is given); for grad-diff their mean NLL
};

// The one objective of every method (trainer and `bench surgery` alike):
//   llm-surgery  −w_f·NLL_forget − w_e·NLL_edit + w_u·NLL_update + w_r·KL(θ0‖θ)_retain
//   grad-ascent  −w_f·NLL_forget − w_e·NLL_edit
//   grad-diff    −w_f·NLL_forget − w_e·NLL_edit + w_r·NLL_retain
//   npo          mean over forget and edit rows of w_row · npo_rows (w_f for forget rows, w_e for edit rows)
//                + w_r·KL(θ0‖θ)_retain
//   finetune     w_u·NLL_update
// A row counts in NPO when its forget or edit mask is non-empty; its sequence log-prob is the sum of
// target_logp over that mask. With no such row the NPO part is 0 (with a graph).
ObjectiveValue objective(const SurgeryConfig& cfg, const ObjectiveInputs& in);

}  // namespace llms::surgery
