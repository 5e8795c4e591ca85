#include "core/eval/exact_match.h"

#include "core/generate/generate.h"
#include "core/model/model_loader.h"

#include <algorithm>
#include <numeric>

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

std::vector<std::string> greedy_completions(LoadedModel& model, const std::vector<std::vector<int32_t>>& prompts,
                                            int max_new) {
    auto news = greedy_batch(model.net, prompts, max_new);
    std::vector<std::string> out;
    out.reserve(prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
        auto& n = news[i];
        n.erase(std::find(n.begin(), n.end(), (int32_t)model.config.eos_token_id()), n.end());
        out.push_back(completion_text(model.tok(), prompts[i], n));
    }
    return out;
}

ExactMatch greedy_exact_match(LoadedModel& model, const std::vector<PromptAnswer>& items, size_t batch_size) {
    const Tokenizer& tok = model.tok();
    const size_t n = items.size();
    std::vector<std::vector<int32_t>> prompts(n);
    std::vector<int> budget(n);   // new tokens per item: answer tokens + 1
    for (size_t i = 0; i < n; ++i) {
        prompts[i] = tok.encode(items[i].prompt, /*add_bos=*/true);
        budget[i] = static_cast<int>(tok.encode(items[i].answer, /*add_bos=*/false).size()) + 1;
    }
    // Similar lengths together: less padding, fewer wasted steps.
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return std::pair(budget[a], prompts[a].size()) < std::pair(budget[b], prompts[b].size());
    });

    ExactMatch r;
    r.completions.resize(n);
    r.match.assign(n, 0);
    batch_size = std::max<size_t>(1, batch_size);
    for (size_t b = 0; b < n; b += batch_size) {
        const size_t e = std::min(n, b + batch_size);
        std::vector<std::vector<int32_t>> part;
        int max_new = 0;
        for (size_t k = b; k < e; ++k) {
            part.push_back(prompts[order[k]]);
            max_new = std::max(max_new, budget[order[k]]);
        }
        const auto news = greedy_batch(model.net, part, max_new);
        for (size_t k = b; k < e; ++k) {
            const size_t i = order[k];
            std::vector<int32_t> mine(news[k - b].begin(),
                                      news[k - b].begin() + std::min<size_t>(news[k - b].size(), budget[i]));
            r.completions[i] = completion_text(tok, prompts[i], mine);
            r.match[i] = starts_with_answer(r.completions[i], items[i].answer);
            r.hits += r.match[i];
        }
    }
    return r;
}

}  // namespace llms
