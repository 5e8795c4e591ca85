// `bench generate`: latency of the probe the app runs (greedy, KV cache, a fixed number of new tokens) on a
// model folder or a randomly initialised model. Torch-free header.
#pragma once
#include "core/bench/model_shape.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace llms::bench {

struct GenerateBenchOptions {
    std::filesystem::path model_dir;   // empty: a random model of `shape`
    ModelShape shape = demo_shape();
    int new_tokens = 32;               // every run generates exactly this many (no EOS stop)
    int prompt_tokens = 16;            // a fact prompt's length
    int runs = 10;                     // timed runs (one untimed warm-up first)
    int threads = 0;                   // 0: physical cores
    bool inference_mode = false;       // run under c10::InferenceMode (no autograd bookkeeping per op)
    uint64_t seed = 0;
    std::string dtype = "auto";        // the weights' dtype (LoadOptions::dtype): "auto" (fp32 on the CPU), "bfloat16", ...
};

struct GenerateBenchResult {
    GenerateBenchOptions options;      // resolved (threads, ffn)
    std::string model;                 // the folder, or "random"
    int64_t params = 0;
    double median_ms = 0, min_ms = 0, max_ms = 0;   // whole probe: prompt + new_tokens greedy tokens
    double cpu_ms = 0;                 // median CPU time of a probe (all threads, user + system)
    double first_token_ms = 0;         // median time to the first new token (the prompt's forward)
    double tokens_per_s = 0;           // new_tokens / median
    double peak_rss_mb = 0;            // the process's peak, loading included
    double load_s = 0;                 // opening the model folder (or building the random model)
    std::string dtype;                 // as loaded
    std::string thread_wait;           // the OpenMP wait policy in effect (core/common/thread_wait_policy.h)
};

// llms::Error for an unreadable model folder, a prompt longer than the model's context, or bad counts.
GenerateBenchResult run_generate_bench(const GenerateBenchOptions& options);

std::string generate_bench_json(const GenerateBenchResult& r);   // one JSON object

}  // namespace llms::bench
