// The vector an edit writes at the subject's last token: ROME's v* (the layer's MLP output, compute_v.py) or MEMIT's z
// (the layer's output, the residual stream, compute_z.py). A delta δ is added there in every text (the prompt after
// each context prefix, and "{subject} is a") and optimised with Adam to maximise P(target | prefix + prompt), with
// kl_factor × KL(p_δ || p_0) on the next-token distribution after the subject of "{subject} is a" (the subject's
// essence kept), keep_factor × the mean KL after each prompt of the subject's other known facts (EditRequest::keep, δ
// added at the subject there too: our addition — on the 4-layer demo model the subject's identity and all its
// attributes live in the edited vector; after 24 MEMIT edits the edited subjects' other facts that are not among the
// kept prompts survive 4 of 18 without it, 9 of 18 with it: docs/benchmarks.md), and weight decay
// v_weight_decay × ‖δ‖ / ‖v₀‖²; after each step ‖δ‖ is clamped to clamp × ‖v₀‖.
// Adam runs on δ / rms(v₀) (rms: per coordinate), so v_lr is in units of v₀'s scale (the reference: absolute units).
// With LLMS_EDIT_DEBUG set, the kept prompts and each step's NLL, KL, decay, norms and keep KL go to stderr.
// v₀ is the unedited vector at the prompt alone. Stops early when the loss is below 0.05.
#pragma once
#include "core/edit/edit_request.h"
#include "core/edit/edit_settings.h"

namespace llms::edit {

enum class TargetSite { MlpOutput, LayerOutput };

struct TargetVector {
    at::Tensor v;        // [C] float32: v₀ + δ
    at::Tensor v0;       // [C]
    double nll = 0;      // the target's NLL per token (mean over the texts) at the last step
    int steps = 0;
};

TargetVector compute_target(LoadedModel& m, const EditRequest& r, int64_t layer, TargetSite site,
                            const std::vector<std::string>& prefixes, const EditSettings& s, double clamp);

}  // namespace llms::edit
