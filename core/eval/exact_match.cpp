#include "core/eval/exact_match.h"

namespace llms {

std::string completion_text(const Tokenizer& tok, const std::vector<int32_t>& prompt_ids,
                            const std::vector<int32_t>& new_ids) {
    std::vector<int32_t> all(prompt_ids);
    all.insert(all.end(), new_ids.begin(), new_ids.end());
    const std::string full = tok.decode(all), prompt = tok.decode(prompt_ids);
    if (full.compare(0, prompt.size(), prompt) == 0) return full.substr(prompt.size());
    return tok.decode(new_ids);   // the boundary re-merged: fall back to the new tokens alone
}

static std::string_view ltrim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
    return s;
}

bool starts_with_answer(const std::string& completion, const std::string& answer) {
    auto c = ltrim(completion), a = ltrim(answer);
    return !a.empty() && c.substr(0, a.size()) == a;
}

}  // namespace llms
