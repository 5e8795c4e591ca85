// The probe-latency benchmark: model (folder or random) -> a fixed random prompt -> warm-up -> timed
// greedy generations with the KV cache -> medians.
#include "core/bench/generate_bench.h"

#include "core/bench/bench_stats.h"
#include "core/common/dtype_torch.h"
#include "core/common/error.h"
#include "core/common/thread_wait_policy.h"
#include "core/generate/generate.h"
#include "core/model/model_loader.h"

#include <torch/torch.h>

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <nlohmann/json.hpp>

namespace llms::bench {

using Clock = std::chrono::steady_clock;

GenerateBenchResult run_generate_bench(const GenerateBenchOptions& options) {
    if (options.new_tokens < 1) throw Error("bench generate: --new-tokens must be at least 1");
    if (options.prompt_tokens < 1) throw Error("bench generate: --prompt-tokens must be at least 1");
    if (options.runs < 1) throw Error("bench generate: --runs must be at least 1");
    GenerateBenchResult r;
    r.options = options;
    r.thread_wait = thread_wait_policy_in_effect();
    auto& o = r.options;
    ScopedThreads threads(o.threads);
    o.threads = threads.threads();

    LoadedModel m;
    LoadOptions lo;
    lo.dtype = o.dtype;
    lo.tokenizer = false;   // ids in, ids out
    const auto load_start = std::chrono::steady_clock::now();
    if (o.model_dir.empty()) {
        const LlamaConfig c = shape_config(o.shape, o.prompt_tokens + o.new_tokens);
        o.shape.ffn = c.intermediate_size;
        m = make_model(c, lo, o.seed);
        r.model = "random";
    } else {
        m = load_model(o.model_dir, lo);
        r.model = o.model_dir.string();
    }
    r.load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
    r.dtype = dtype_name(m.dtype);
    const LlamaConfig& c = m.config;
    r.params = c.num_parameters();
    if (o.prompt_tokens + o.new_tokens > c.max_position_embeddings)
        throw Error("bench generate: " + std::to_string(o.prompt_tokens) + " prompt + " + std::to_string(o.new_tokens) +
                    " new tokens exceed this model's context of " + std::to_string(c.max_position_embeddings));
    m.net->eval();

    // BOS + random ids (the latency does not depend on which ids).
    auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed + 7);
    auto rnd = at::randint(0, c.vocab_size, {o.prompt_tokens - 1}, gen, at::TensorOptions().dtype(at::kLong));
    std::vector<int32_t> prompt{(int32_t)c.bos_token_id};
    for (int64_t i = 0; i < rnd.size(0); ++i) prompt.push_back((int32_t)rnd[i].item<int64_t>());

    GenerateOptions g;
    g.max_new_tokens = o.new_tokens;
    g.temperature = 0.0;
    g.eos_ids.clear();   // never stop early: every run generates the same number of tokens
    std::optional<c10::InferenceMode> inference;
    if (o.inference_mode) inference.emplace();
    std::vector<double> total, first, cpu;
    for (int run = 0; run <= o.runs; ++run) {   // run 0: warm-up
        const double c0 = process_cpu_ms();
        const auto t0 = Clock::now();
        double t_first = -1;
        auto res = generate(m.net, prompt, g, [&](int32_t, float) {
            if (t_first < 0) t_first = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            return true;
        });
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        const double cpu_ms = process_cpu_ms() - c0;
        if ((int)res.token_ids.size() != o.new_tokens)
            throw Error("bench generate: the model produced " + std::to_string(res.token_ids.size()) + " tokens instead of " +
                        std::to_string(o.new_tokens));
        if (run == 0) continue;
        total.push_back(ms);
        first.push_back(t_first);
        cpu.push_back(cpu_ms);
    }
    r.median_ms = median(total);
    r.min_ms = *std::min_element(total.begin(), total.end());
    r.max_ms = *std::max_element(total.begin(), total.end());
    r.first_token_ms = median(first);
    r.cpu_ms = median(cpu);
    r.tokens_per_s = o.new_tokens / (r.median_ms / 1e3);
    r.peak_rss_mb = peak_rss_mb();
    return r;
}

std::string generate_bench_json(const GenerateBenchResult& r) {
    const auto& o = r.options;
    nlohmann::json j = {{"bench", "generate"},
                        {"model", r.model},
                        {"params", r.params},
                        {"new_tokens", o.new_tokens},
                        {"prompt_tokens", o.prompt_tokens},
                        {"runs", o.runs},
                        {"threads", o.threads},
                        {"thread_wait", r.thread_wait},
                        {"inference_mode", o.inference_mode},
                        {"ms", r.median_ms},
                        {"cpu_ms", r.cpu_ms},
                        {"min_ms", r.min_ms},
                        {"max_ms", r.max_ms},
                        {"first_token_ms", r.first_token_ms},
                        {"tokens_per_s", r.tokens_per_s},
                        {"peak_rss_mb", r.peak_rss_mb},
                        {"load_s", r.load_s},
                        {"dtype", r.dtype}};
    if (r.model == "random")
        j["shape"] = {{"dim", o.shape.dim}, {"ffn", o.shape.ffn}, {"layers", o.shape.layers}, {"heads", o.shape.heads},
                      {"kv_heads", o.shape.kv_heads}, {"vocab", o.shape.vocab}};
    return j.dump(2);
}

}  // namespace llms::bench
