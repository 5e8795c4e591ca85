// Greedy exact match: does the model's greedy completion of the prompt start with the target answer?
#pragma once
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llms {

// The text the new tokens add after the prompt: decode(prompt + new) minus decode(prompt), so a leading
// space that SentencePiece folds into the first piece ("▁Paris") is kept (" Paris").
std::string completion_text(const Tokenizer& tok, const std::vector<int32_t>& prompt_ids,
                            const std::vector<int32_t>& new_ids);

// True when the completion starts with the answer, ignoring leading whitespace on both.
bool starts_with_answer(const std::string& completion, const std::string& answer);

}  // namespace llms
