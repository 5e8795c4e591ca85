// Scoring: per-token log-probabilities of a sequence under a model.
#pragma once
#include "core/model/llama.h"

#include <cstdint>
#include <vector>

namespace llms {

// logprobs[i] = log p(ids[i+1] | ids[0..i]) for i = 0..n-2 (one fewer than ids).
std::vector<float> token_logprobs(LlamaForCausalLM& model, const std::vector<int32_t>& ids);

}  // namespace llms
