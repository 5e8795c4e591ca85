// Greedy exact match: does the model's greedy completion of the prompt start with the target answer?
#pragma once
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llms {

struct LoadedModel;

// The text the new tokens add after the prompt: decode(prompt + new) minus decode(prompt), so a leading
// space that SentencePiece folds into the first piece ("▁Paris") is kept (" Paris").
std::string completion_text(const Tokenizer& tok, const std::vector<int32_t>& prompt_ids,
                            const std::vector<int32_t>& new_ids);

// True when the completion starts with the answer, ignoring leading whitespace on both.
bool starts_with_answer(const std::string& completion, const std::string& answer);

// Greedy continuations (up to max_new tokens, cut at EOS) of token prompts, as completion_text: one
// greedy_batch call (equal-length prompts share a KV-cached batch).
std::vector<std::string> greedy_completions(LoadedModel& model, const std::vector<std::vector<int32_t>>& prompts,
                                            int max_new);

struct PromptAnswer {
    std::string prompt;   // "The capital of France is"
    std::string answer;   // " Paris" (leading space, as facts carry it)
};

struct ExactMatch {
    std::vector<std::string> completions;   // completion_text of each greedy continuation
    std::vector<char> match;                // starts_with_answer(completion, answer)
    int hits = 0;
};

// Greedy exact match of many facts: each prompt ([BOS] + encode(prompt)) is continued greedily by as many
// tokens as its answer has + 1, in batches (greedy_batch) of prompts sorted by length. The model's tokenizer
// is required (llms::Error otherwise).
ExactMatch greedy_exact_match(LoadedModel& model, const std::vector<PromptAnswer>& items, size_t batch_size = 64);

}  // namespace llms
