#include "core/eval/answer_tokens.h"

#include "core/common/error.h"

namespace llms {

AnswerTokens tokenize_answer(const Tokenizer& tok, const std::string& prompt, const std::string& answer) {
    AnswerTokens r;
    r.ids = tok.encode(prompt + answer);
    const auto p = tok.encode(prompt);
    size_t n = 0;
    while (n < p.size() && n < r.ids.size() && p[n] == r.ids[n]) ++n;
    // The last prompt token may merge with the answer's first characters; the answer then starts there.
    r.answer_start = std::max<size_t>(n, 1);
    if (r.answer_start >= r.ids.size())
        throw Error("the answer \"" + answer + "\" to \"" + prompt + "\" adds no token");
    return r;
}

}  // namespace llms
