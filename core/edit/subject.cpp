#include "core/edit/subject.h"

#include "core/common/error.h"
#include "core/corpus/templates.h"

#include <algorithm>
#include <cctype>

namespace llms::edit {

std::string subject_of_fact(const facts::Fact& f) {
    for (const auto& tag : f.tags)
        if (auto s = corpus::subject_of_prompt(tag, f.prompt)) return *s;
    if (const auto slash = f.id.rfind('/'); slash != std::string::npos && slash + 1 < f.id.size()) {
        const std::string tail = f.id.substr(slash + 1);
        if (f.prompt.find(tail) != std::string::npos) return tail;
    }
    // Words with their offsets; the longest run of capitalised words after the first word.
    std::vector<std::pair<size_t, size_t>> words;   // [begin, end)
    for (size_t i = 0; i < f.prompt.size();) {
        while (i < f.prompt.size() && std::isspace((unsigned char)f.prompt[i])) ++i;
        const size_t b = i;
        while (i < f.prompt.size() && !std::isspace((unsigned char)f.prompt[i])) ++i;
        if (i > b) words.push_back({b, i});
    }
    if (words.empty()) return f.prompt;
    size_t best_b = 0, best_e = 0, best_n = 0;
    for (size_t i = 1; i < words.size();) {
        if (!std::isupper((unsigned char)f.prompt[words[i].first])) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < words.size() && std::isupper((unsigned char)f.prompt[words[j].first])) ++j;
        if (j - i > best_n) best_n = j - i, best_b = words[i].first, best_e = words[j - 1].second;
        i = j;
    }
    std::string s = best_n ? f.prompt.substr(best_b, best_e - best_b)
                           : f.prompt.substr(words.back().first, words.back().second - words.back().first);
    while (!s.empty() && std::ispunct((unsigned char)s.back()) && s.back() != '.') s.pop_back();   // "France's" stays
    return s.empty() ? f.prompt : s;
}

TokenSpan subject_span(const Tokenizer& tok, const std::string& text, const std::string& subject) {
    const size_t at = text.rfind(subject);
    if (subject.empty() || at == std::string::npos)
        throw Error("the subject \"" + subject + "\" is not in the prompt \"" + text + "\"");
    const auto all = tok.encode(text);
    // Tokens of the text up to the subject's start and end: where the subject's tokens begin and end.
    auto common = [&](const std::vector<int32_t>& p) {
        size_t n = 0;
        while (n < p.size() && n < all.size() && p[n] == all[n]) ++n;
        return (int64_t)n;
    };
    const auto before = tok.encode(text.substr(0, at));
    const auto through = tok.encode(text.substr(0, at + subject.size()));
    TokenSpan s;
    s.begin = std::min<int64_t>(common(before), (int64_t)all.size() - 1);
    // The subject's last token: the last token of the text through the subject (it may merge with what follows: then
    // the merged token, which is where the model reads the subject).
    s.end = std::clamp<int64_t>((int64_t)through.size(), s.begin + 1, (int64_t)all.size());
    return s;
}

}  // namespace llms::edit
