// The subject of a fact (what causal tracing corrupts and ROME / MEMIT key the edit on), and where its tokens are.
#pragma once
#include "core/facts/fact_set.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llms::edit {

// The subject in the fact's prompt: the relation's prompt template when a tag names one (core/corpus/templates.h,
// "The capital of France is" -> "France"), else the last component of an id like "capital/France" when the prompt
// contains it, else the longest run of capitalised words past the first word, else the prompt's last word.
std::string subject_of_fact(const facts::Fact& f);

// The token span of `subject` in `text` (its last occurrence), as the model sees ids = tok.encode(text) (BOS first):
// [begin, end) with end - 1 the subject's last token. llms::Error when the text does not contain it.
struct TokenSpan {
    int64_t begin = 0, end = 0;
};
TokenSpan subject_span(const Tokenizer& tok, const std::string& text, const std::string& subject);

}  // namespace llms::edit
