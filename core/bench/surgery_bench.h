// `bench surgery`: throughput of one LLM Surgery step on a randomly initialised Llama, measured the way
// core/surgery runs it: ONE fused forward over B forget + B update + B retain rows of T random token ids,
// the objective of core/surgery/objective.h (masked NLL terms, KL to θ0 from a cached top-K), AdamW with
// the paper's recipe, gradient clipping. θ0's top-K cache is computed once before timing.
// Torch-free header.
#pragma once
#include "core/bench/model_shape.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace llms::bench {

struct SurgeryBenchOptions {
    ModelShape shape = demo_shape();   // the model
    // data: B rows per term, T positions per row
    int64_t seq = 64, batch = 16;     // batch: the surgery default (SurgeryConfig::batch_size)
    int steps = 10;                    // timed steps
    int warmup = 2;                    // untimed steps before them (the first two give the loss check)
    int threads = 0;                   // 0: physical cores
    std::string precision = "fp32";    // "fp32" | "bf16" (CPU autocast, fp32 master weights and optimiser)
    int64_t topk = 64;                 // θ0 cache entries per position (vocab: exact KL)
    uint64_t seed = 0;
    std::filesystem::path dump;        // when set: write the initial weights + batches there for the peer
    std::string device = "cpu";        // "cpu", "cuda", "cuda:N" (weights fp32 there: the master copy)
    std::string train = "all";         // trained weights (core/surgery/trainable_spec.h)
    bool checkpoint_layers = false;    // recompute each layer in the backward (core/model/activation_checkpoint.h)
    std::string lora;                  // "" or "R[:ALPHA]": LoRA adapters trained on frozen weights (as surgery --lora)
    std::string lora_targets = "all";
};

// The raw term values of one step (before its update), as the surgery metrics report them.
struct StepLosses {
    double forget_nll = 0, update_nll = 0, retain_kl = 0, total = 0, grad_norm = 0;
};

struct SurgeryBenchResult {
    SurgeryBenchOptions options;       // resolved (ffn, threads, topk)
    int64_t params = 0;                // all weights
    int64_t matmul_params = 0;         // weights used as matrices (all but the norms and an untied embedding table)
    int64_t trainable_params = 0;      // weights with a gradient and AdamW state (--train)
    int64_t tokens_per_step = 0;       // 3 · B · T
    double step_ms = 0, forward_ms = 0, backward_ms = 0, optimizer_ms = 0;   // medians over the timed steps
    double step_cpu_ms = 0;            // median CPU time of a step (all threads): ~ threads x step_ms when
                                       // the CPUs were ours; much less when the step waited for them
    double tokens_per_s = 0;           // tokens_per_step / median step
    double cache_ms = 0;               // θ0 top-K cache (once, before timing)
    double peak_rss_mb = 0;
    double peak_device_mb = -1;        // CUDA: peak memory allocated on the GPU (-1 on the CPU)
    std::string thread_wait;           // the OpenMP wait policy in effect (core/common/thread_wait_policy.h)
    double gemm_gflops = 0;            // measured at::matmul peak in the compute dtype
    double model_gflops = 0;           // matmul FLOPs done per second: 6 · matmul_params · tokens/s when every
                                       // weight trains; frozen weights need no weight gradient, the layers below
                                       // the lowest trained one no backward at all. Checkpointing's recomputation
                                       // is not credited (the usual MFU count).
    double mfu = 0;                    // model_gflops / gemm_gflops
    std::vector<StepLosses> losses;    // every step, warm-up included (step 1 first)
};

// Runs the benchmark. on_step(step, steps, ms) after every step (warm-up included). llms::Error for
// invalid shapes (heads not dividing dim, kv heads not dividing heads, ...) or an unwritable dump folder.
SurgeryBenchResult run_surgery_bench(const SurgeryBenchOptions& options,
                                     const std::function<void(int, int, double)>& on_step = {});

// The result as one JSON object (keys: tokens_per_s, step_ms, peak_rss_mb, forward_ms, backward_ms,
// optimizer_ms, params, mfu, gemm_gflops, ... and the losses of the first two steps).
std::string surgery_bench_json(const SurgeryBenchResult& r);

}  // namespace llms::bench
