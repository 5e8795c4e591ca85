// Text generation with a KV cache: greedy (temperature 0) or sampling (temperature, top-p), with the
// model's log-probability of every chosen token, streamed token by token through a callback.
#pragma once
#include "core/model/llama.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace llms {

struct GenerateOptions {
    int max_new_tokens = 32;
    double temperature = 0.0;   // 0 = greedy
    double top_p = 1.0;         // nucleus sampling mass (sampling only)
    uint64_t seed = 0;
    std::vector<int64_t> eos_ids;   // stop after emitting any of these (LoadedModel::stop_ids(); none: never)
};

struct GenerateResult {
    std::vector<int32_t> token_ids;      // new tokens only
    std::vector<float> token_logprobs;   // log p(token | prefix) under the model (temperature 1, no top-p)
};

// on_token(id, logprob) is called for each new token; returning false stops early.
GenerateResult generate(LlamaForCausalLM& model, const std::vector<int32_t>& prompt_ids, const GenerateOptions& opt,
                        const std::function<bool(int32_t, float)>& on_token = {});

// Greedy continuations of several prompts at once (for evaluation): prompts of equal length share a batch
// (no padding, so each row equals its own unbatched run) and a KV cache.
std::vector<std::vector<int32_t>> greedy_batch(LlamaForCausalLM& model, const std::vector<std::vector<int32_t>>& prompts,
                                               int max_new_tokens);

// n sequences sampled at temperature 1 from BOS, all in one batch with a KV cache: text the model knows,
// by definition (the default broad retain pool). Each returned sequence starts with BOS; length <= 1 + new_tokens.
std::vector<std::vector<int32_t>> sample_from_bos(LlamaForCausalLM& model, int n, int new_tokens, uint64_t seed);

}  // namespace llms
