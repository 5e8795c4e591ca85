// Prompt + answer as token ids, with where the answer starts: the unit every fact metric and every
// fact term of the objective works on.
#pragma once
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llms {

struct AnswerTokens {
    std::vector<int32_t> ids;     // [BOS] + prompt + answer
    size_t answer_start = 0;      // ids[answer_start..] are the answer; predicted from positions answer_start-1..
    size_t answer_len() const { return ids.size() - answer_start; }
};

// The answer probability everywhere in the project (report, Results tab, Probe tab, audit) is the probability of
// the whole answer: P(answer | prompt) = exp(Σ log p(ids[i] | ids[..i]) over the answer tokens).

// Tokenizes prompt+answer jointly (so the boundary is tokenized as the model saw it in training) and
// marks the answer as the tokens after the longest common prefix with the prompt alone.
// Throws llms::Error when the answer adds no token.
AnswerTokens tokenize_answer(const Tokenizer& tok, const std::string& prompt, const std::string& answer);

}  // namespace llms
