// Settings, presets and per-step metrics of a surgery run. Torch-free: the UI edits and plots these.
//
// Objective (LLM Surgery, arXiv 2409.13054):
//   L = - w_forget * NLL(forget answers) - w_edit * NLL(old answers of updates)
//       + w_update * NLL(new answers of updates) + w_retain * KL(p_θ0 || p_θ)(retain)
// and the baselines' objectives: core/surgery/objective.h.
#pragma once
#include "core/edit/edit_settings.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llms::surgery {

enum class Method {
    LlmSurgery,   // ascent on forget + edit-old, descent on update-new, KL to θ0 on retain
    GradAscent,   // ascent on forget + edit-old only
    GradDiff,     // ascent on forget + edit-old, NLL descent on retain
    Npo,          // negative preference optimisation on forget + edit-old (weights w_forget, w_edit), KL to θ0 on retain
    Finetune,     // descent on update-new only
    // Closed form, no training (core/edit/): update facts written to their new answer, forget facts to
    // SurgeryConfig::edit.forget_target; retain facts untouched. Only `edit`, `seed` and `chat_prompts` apply.
    Rome,         // rank-one update of one layer's down_proj per fact, one fact after another
    Memit,        // all facts at once over a range of layers
};
// "llm-surgery", "grad-ascent", "grad-diff", "npo", "finetune", "rome", "memit"
std::string method_name(Method m);
bool method_from_name(const std::string& s, Method* out);
bool is_closed_form(Method m);                     // Rome or Memit: core/edit/edit_run.h runs them, not the Trainer

struct SurgeryConfig {
    Method method = Method::LlmSurgery;
    std::string preset = "demo";
    int steps = 300;                 // upper bound; early_stop usually ends sooner
    int batch_size = 16;             // facts per term per step
    double lr = 1e-4;
    std::string schedule = "constant";   // "constant" | "cosine" (warm-up + cosine to 10%)
    int warmup_steps = 0;
    double w_forget = 0.1, w_edit = 0.1, w_update = 2.0, w_retain = 0.5;
    double beta1 = 0.9, beta2 = 0.95, weight_decay = 0.01, grad_clip = 1.0;
    uint64_t seed = 0;
    int eval_every = 10;             // steps between target checks (forget/update/retain accuracy)
    bool early_stop = true;          // stop once every target is met
    std::string train_params = "all";   // e.g. "all", "mlp", "layers:0-0,embed_tokens,lm_head" (core/surgery/trainable_spec.h)
    // LoRA instead of the weights themselves (core/model/lora_config.h): "" off, "R" or "R:ALPHA". The model's
    // weights stay frozen (θ0 is the base itself) and train_params must stay "all" (adapters on every layer).
    std::string lora;
    std::string lora_targets = "all";   // q,k,v,o,gate,up,down or a subset
    double forget_nll_stop = 2.0;    // a forget/edit-old fact leaves the ascent once its mean answer NLL reaches this (nats)
                                     // and its answer is no longer the top prediction
    // Early stop also waits until every forget / edit-old fact is past forget_nll_stop, not only off the top (the
    // durable preset: a greedy flip leaves the answer likely enough to come back; docs/benchmarks.md); facts with a
    // never-seen bound (below) together: their mean answer probability at most their mean never-seen level.
    bool early_stop_past_bound = false;
    // Each forget / edit-old fact's bound is the never-seen level instead (at least forget_nll_stop): -log of θ0's
    // mean probability of other answers of its relation after the same prompt (core/eval/never_seen.h), per answer
    // token of the fact — the forgotten answer ends as likely as a statement the model never saw: kept within
    // ±0.5 nats per token of it (an answer sunk far below is descended back). Facts with no such answers keep
    // forget_nll_stop.
    bool forget_to_never_seen = false;
    // Retain facts (the user's and the pool's): the KL term on the answer positions only, where a fact's
    // knowledge shows, instead of every position (documents: always every position). Measured on the demo
    // scenario: collateral exact match 93.4% -> 95.1% at the same weights.
    bool kl_answers_only = false;
    int retain_pool_per_step = 64;   // rows drawn each step from the broad retain pool (beside the user's retain facts)
    double npo_beta = 0.1;
    double blowup_factor = 1e3;      // |total| beyond blowup_factor x its first value (and > 1e3) counts as divergence
    std::string device = "cpu";
    // "fp32", or "bf16": autocast (bf16 matmuls, fp32 master weights and optimizer state) on CPUs with
    // AVX-512 BF16 / AMX and on CUDA. The θ0 cache is computed at the same precision; target checks and the
    // exported weights are fp32.
    std::string precision = "fp32";
    bool checkpoint_layers = false;  // recompute each decoder layer in the backward (activation memory / L)
    // Instruct models: every fact prompt (training, targets, report, probes) wrapped in the model's chat template as
    // one user turn plus the generation prompt, so the answer is trained after the assistant header
    // (core/chat/chat_prompts.h; the caller wraps the sets: session::Session::run, the CLI's surgery and eval).
    bool chat_prompts = false;
    // ROME / MEMIT (is_closed_form(method)): layers, covariance sample, λ, target search, forget target.
    edit::EditSettings edit;

    // "paper": the official recipe (weights 0.1/0.1/2.0/0.5, AdamW 2e-4, betas 0.9/0.95, wd 0.01, clip 1.0).
    // "demo": tuned for the demo model and scenario (meets the targets with no manual tuning).
    // "durable": the demo preset forgetting until the answers are as unlikely as never-seen ones, so that they do not
    // come back under the audit's attacks (core/eval/audit.h).
    static SurgeryConfig preset_named(const std::string& name);   // throws llms::Error for unknown names
    // Human-readable problems with the settings (empty when valid).
    std::vector<std::string> validate() const;
};

// One optimisation step, streamed to the UI/CLI. Losses are the raw (unweighted) term values.
struct StepMetrics {
    int step = 0;
    int steps = 0;
    // Mean NLL of the step's rows per term (forget / edit: the rows drawn, which are those still in the ascent
    // while any is), and the retain KL.
    double loss_forget = 0, loss_edit = 0, loss_update = 0, loss_retain = 0;
    double total = 0;        // the weighted objective that was minimised
    double grad_norm = 0;    // before clipping
    double lr = 0;
    double tokens_per_s = 0;
    double seconds = 0;      // since the run started
    int active_forget = 0;   // forget + edit-old facts still in the ascent
};

// Periodic target check (exact-match accuracy per set, in [0, 1]).
struct EvalPoint {
    int step = 0;
    double forget_acc = 0, update_acc = 0, retain_acc = 0;
};

struct SurgeryOutcome {
    enum class End { Completed, TargetsMet, Stopped, Diverged } end = End::Completed;
    std::string message;     // user-facing summary ("targets met at step 84", "stopped by user at step 12", ...)
    int steps_done = 0;
    double seconds = 0;
    int64_t tokens = 0;      // tokens trained on (all terms): positions, each predicting the next token
    int64_t forward_tokens = 0;   // tokens run forward only: θ0's cache, target checks, bounded-ascent refreshes
};

}  // namespace llms::surgery
