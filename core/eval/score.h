// Scoring: per-token log-probabilities of a sequence under a model.
#pragma once
#include "core/model/llama.h"

#include <cstdint>
#include <vector>

namespace llms {

struct TokenScores {
    std::vector<float> logprobs;   // logprobs[i] = log p(ids[i+1] | ids[0..i]), i = 0..n-2 (one fewer than ids)
    std::vector<int32_t> top1;     // top1[i] = the most likely token after ids[0..i], i = 0..n-1
};
TokenScores score_tokens(LlamaForCausalLM& model, const std::vector<int32_t>& ids);

// score_tokens(...).logprobs.
std::vector<float> token_logprobs(LlamaForCausalLM& model, const std::vector<int32_t>& ids);

}  // namespace llms
