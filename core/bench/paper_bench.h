// `llm-surgery-cli bench paper`: the paper's protocol (LLM Surgery, arXiv 2409.13054) on the demo world.
//   θ_pre      pretrained from scratch on D_unlearn ∪ D_edit ∪ D_retain (core/bench/paper_world.h)
//   θ_baseline pretrained from scratch on D_update ∪ D_retain with the same recipe and tokenizer (the retrain)
//   θ_surgery  LLM Surgery on θ_pre: ascent on D_unlearn and D_edit (documents of kind forget: the trainer's
//              document rows have no separate edit-unlearn term; the paper weighs both 0.1), descent on
//              D_update (kind update), KL to θ_pre on a seeded sample of D_retain (the retain pool)
// and the table: 3-option MCQA accuracy and document perplexity on unlearn (A's true facts), update (B's
// fictitious facts) and retain (C's facts) for the three models, plus the compute of surgery vs baseline.
// Deterministic per seed and thread count (every number but the seconds). Torch-free header.
#pragma once
#include "core/bench/paper_eval.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace llms::bench {

struct PaperBenchOptions {
    std::filesystem::path out;          // empty: a temporary folder, removed at the end; else kept (must not exist
                                        // or be empty): corpora, the three models, surgery_facts.jsonl, the tables
    std::filesystem::path world_data;   // empty: pretrain::find_world_data()
    uint64_t seed = 1234;
    int threads = 0;                    // 0: the physical cores
    bool quick = false;                 // tiny world and model (tests: well under a minute)
    // Reuse θ_pre and θ_baseline of an earlier run's --out folder (same seed and scale: checked) and redo the
    // surgery and the table only: for trying surgery recipes without two pretrainings.
    std::filesystem::path reuse;
    // Surgery recipe overrides (0 or negative: the bench's recipe).
    int surgery_steps = 0, surgery_batch = 0;
    int pool_rows = 0;                  // retain sentences in the KL term per step (0: the bench's)
    double lr = 0, w_forget = -1, w_update = -1, w_retain = -1;
    double forget_bound = 0;            // bounded ascent: the sentence NLL (nats) where a row leaves it (0: the bench's)
    std::string train;                  // the surgery's trained weights (core/surgery/trainable_spec.h); empty: the bench's
    std::string precision = "auto";     // surgery: "auto" (the pretraining's: bf16 autocast where the CPU has it),
                                        // "fp32", "bf16"
};

struct PaperModelScores {
    PaperSetScore unlearn, update, retain;
    double fact_recall = -1;            // pretrained models: greedy recall of their own corpus's facts; -1 otherwise
};

struct PaperBenchResult {
    PaperBenchOptions options;
    std::string scale;                  // "default" | "quick"
    int threads = 0;
    std::string thread_wait;            // the OpenMP wait policy in effect (core/common/thread_wait_policy.h)
    // the world
    size_t subjects_unlearn = 0, subjects_update = 0, subjects_retain = 0;
    size_t facts_unlearn = 0, facts_update = 0, facts_retain = 0;
    size_t docs_unlearn = 0, docs_edit = 0, docs_update = 0, docs_retain = 0, docs_retain_pool = 0;
    // the recipe
    std::string model_shape;            // "4 layers, hidden 256, ..." (one line)
    int64_t parameters = 0;
    int pretrain_steps = 0;
    std::string surgery_recipe;         // one line
    // the models
    PaperModelScores pre, baseline, surgery;
    // compute
    double pre_seconds = 0;             // θ_pre's training steps
    int64_t pre_tokens = 0;
    double baseline_seconds = 0;        // θ_baseline's training steps
    int64_t baseline_tokens = 0;        // tokens trained on (steps x batch x context)
    double surgery_seconds = 0;         // the whole surgery run (θ0 cache, steps, checks)
    int64_t surgery_tokens = 0;         // tokens trained on (forward + backward), counted as the baseline's: positions
    int64_t surgery_forward_tokens = 0; // forward-only tokens: θ0 reference cache + the trainer's checks
    int surgery_steps = 0;
    std::string surgery_outcome;
    // (surgery_tokens + surgery_forward_tokens / 3) / baseline_tokens: a forward-only token costs a third of a
    // trained one (2N vs 6N FLOPs per token)
    double compute_ratio = 0;
    double seconds_ratio = 0;           // surgery_seconds / baseline_seconds
    // targets (percentage points on MCQA accuracy)
    bool update_ok = false, retain_ok = false, unlearn_ok = false, compute_ok = false;
};

struct PaperProgress {
    std::string phase;                  // "world" | "pretrain pre" | "pretrain baseline" | "surgery" | "evaluate" | "write"
    std::string message;                // one line
    int step = 0, steps = 0;            // within a training phase (0 outside)
    double loss = 0;                    // pretraining: smoothed loss; surgery: the weighted objective
};

// llms::Error for unusable options (out exists, world data missing) and failed steps.
PaperBenchResult run_paper_bench(const PaperBenchOptions& options,
                                 const std::function<void(const PaperProgress&)>& on_progress = {});

std::string paper_bench_json(const PaperBenchResult& r);       // the keys documented in docs/benchmarks.md
std::string paper_bench_markdown(const PaperBenchResult& r);   // the paper's table + compute + targets

}  // namespace llms::bench
