#include "core/generate/generate.h"

#include "core/common/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>

namespace llms {

// Picks the next token from logits [V] (fp32, CPU).
static int64_t pick(const at::Tensor& logits, const GenerateOptions& opt, at::Generator& gen) {
    if (opt.temperature <= 0.0) return logits.argmax().item<int64_t>();
    auto probs = at::softmax(logits / opt.temperature, -1);   // [V]
    if (opt.top_p < 1.0) {
        auto [sorted, idx] = probs.sort(/*dim=*/-1, /*descending=*/true);
        auto cum = sorted.cumsum(-1);
        // keep the smallest prefix whose mass reaches top_p (always at least the top token)
        auto drop = (cum - sorted) >= opt.top_p;
        sorted.masked_fill_(drop, 0.0);
        probs = at::zeros_like(probs).scatter_(-1, idx, sorted);
    }
    return at::multinomial(probs, 1, /*replacement=*/false, gen).item<int64_t>();
}

GenerateResult generate(LlamaForCausalLM& model, const std::vector<int32_t>& prompt_ids, const GenerateOptions& opt,
                        const std::function<bool(int32_t, float)>& on_token) {
    if (prompt_ids.empty()) throw Error("generate: the prompt is empty (it needs at least the BOS token)");
    const int64_t max_pos = model->config.max_position_embeddings;
    if ((int64_t)prompt_ids.size() >= max_pos)
        throw Error("generate: the prompt has " + std::to_string(prompt_ids.size()) +
                    " tokens; this model's context is " + std::to_string(max_pos));
    torch::NoGradGuard no_grad;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(opt.seed);
    const auto dev = model->lm_head_weight().device();

    GenerateResult r;
    KVCache cache;
    auto ids = at::tensor(std::vector<int64_t>(prompt_ids.begin(), prompt_ids.end()), at::kLong).view({1, -1});
    auto logits = model->forward(ids.to(dev), {}, &cache).select(1, -1).squeeze(0).to(at::kCPU);   // [V]
    for (int i = 0; i < opt.max_new_tokens && cache.length() < max_pos; ++i) {
        const int64_t next = pick(logits, opt, gen);
        const float lp = at::log_softmax(logits, -1)[next].item<float>();
        r.token_ids.push_back((int32_t)next);
        r.token_logprobs.push_back(lp);
        if (on_token && !on_token((int32_t)next, lp)) break;
        if (std::find(opt.eos_ids.begin(), opt.eos_ids.end(), next) != opt.eos_ids.end()) break;
        if (i + 1 == opt.max_new_tokens || cache.length() >= max_pos) break;
        auto step = at::full({1, 1}, next, at::TensorOptions().dtype(at::kLong).device(dev));
        logits = model->forward(step, {}, &cache).select(1, -1).squeeze(0).to(at::kCPU);
    }
    return r;
}

std::vector<std::vector<int32_t>> greedy_batch(LlamaForCausalLM& model, const std::vector<std::vector<int32_t>>& prompts,
                                               int max_new_tokens) {
    torch::NoGradGuard no_grad;
    const auto dev = model->lm_head_weight().device();
    const int64_t max_pos = model->config.max_position_embeddings;
    std::vector<std::vector<int32_t>> out(prompts.size());
    // Prompts of equal length form one batch: no padding, so every row is computed exactly as alone, and the
    // KV cache makes each new token cost one position instead of a whole re-run.
    std::map<size_t, std::vector<size_t>> by_len;
    for (size_t i = 0; i < prompts.size(); ++i) by_len[prompts[i].size()].push_back(i);
    constexpr size_t kRows = 128;
    for (const auto& [len, all] : by_len) {
        if (len == 0) throw Error("greedy_batch: a prompt is empty (it needs at least the BOS token)");
        for (size_t s = 0; s < all.size(); s += kRows) {
            const std::vector<size_t> rows(all.begin() + s, all.begin() + std::min(all.size(), s + kRows));
            const int64_t B = (int64_t)rows.size();
            auto ids = at::empty({B, (int64_t)len}, at::kLong);   // [B, T]
            auto acc = ids.accessor<int64_t, 2>();
            for (int64_t b = 0; b < B; ++b)
                for (size_t t = 0; t < len; ++t) acc[b][t] = prompts[rows[b]][t];
            KVCache cache;
            auto step = ids.to(dev);
            // Step n feeds len + n positions in all; the context holds max_pos.
            for (int n = 0; n < max_new_tokens && (int64_t)len + n <= max_pos; ++n) {
                auto last = model->model->forward(step, {}, &cache).select(1, -1);   // [B, C]
                auto next = model->logits(last).argmax(-1);                           // [B]
                auto cpu = next.to(at::kCPU);
                auto nacc = cpu.accessor<int64_t, 1>();
                for (int64_t b = 0; b < B; ++b) out[rows[b]].push_back((int32_t)nacc[b]);
                step = next.view({B, 1});
            }
        }
    }
    return out;
}

std::vector<std::vector<int32_t>> sample_from_bos(LlamaForCausalLM& model, int n, int new_tokens, uint64_t seed) {
    torch::NoGradGuard no_grad;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto dev = model->lm_head_weight().device();
    const int64_t bos = model->config.bos_token_id, eos = model->config.eos_token_id();
    new_tokens = (int)std::min<int64_t>(new_tokens, model->config.max_position_embeddings - 1);
    std::vector<std::vector<int32_t>> out(n, std::vector<int32_t>{(int32_t)bos});
    std::vector<char> done(n, 0);
    KVCache cache;
    auto step = at::full({n, 1}, bos, at::TensorOptions().dtype(at::kLong).device(dev));   // [n, 1]
    for (int t = 0; t < new_tokens; ++t) {
        auto logits = model->forward(step, {}, &cache).select(1, -1).to(at::kCPU);       // [n, V]
        auto next = at::multinomial(at::softmax(logits, -1), 1, false, gen);             // [n, 1]
        auto acc = next.accessor<int64_t, 2>();
        for (int i = 0; i < n; ++i) {
            if (done[i]) continue;
            if (acc[i][0] == eos) done[i] = 1;
            else out[i].push_back((int32_t)acc[i][0]);
        }
        step = next.to(dev);
    }
    return out;
}

}  // namespace llms
