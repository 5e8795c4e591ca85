#include "core/eval/never_seen.h"

#include <algorithm>
#include <random>

namespace llms::eval {

std::vector<std::string> never_seen_answers(const facts::FactSet& set, const facts::Fact& f, uint64_t seed, size_t k) {
    std::vector<std::string> cand;
    auto add = [&](const std::string& a) {
        if (!a.empty() && a != f.answer && a != f.new_answer && std::find(cand.begin(), cand.end(), a) == cand.end())
            cand.push_back(a);
    };
    for (const auto& o : f.options) add(o);
    if (!f.tags.empty())
        for (const auto& g : set.facts)
            if (!g.is_document() && !g.tags.empty() && g.tags[0] == f.tags[0]) add(g.answer);
    uint64_t h = 1469598103934665603ull;   // FNV-1a of the prompt: the same order on every platform
    for (unsigned char c : f.prompt) h = (h ^ c) * 1099511628211ull;
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + h);
    for (size_t j = cand.size(); j > 1; --j) std::swap(cand[j - 1], cand[rng() % j]);
    if (cand.size() > k) cand.resize(k);
    return cand;
}

}  // namespace llms::eval
