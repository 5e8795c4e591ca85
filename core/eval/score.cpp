#include "core/eval/score.h"

#include "core/common/error.h"

#include <torch/torch.h>

namespace llms {

TokenScores score_tokens(LlamaForCausalLM& model, const std::vector<int32_t>& ids) {
    if (ids.size() < 2) throw Error("score: need at least two tokens (BOS and one more)");
    if ((int64_t)ids.size() > model->config.max_position_embeddings)
        throw Error("score: " + std::to_string(ids.size()) + " tokens exceed this model's context of " +
                    std::to_string(model->config.max_position_embeddings));
    for (int32_t id : ids)
        if (id < 0 || id >= model->config.vocab_size)
            throw Error("score: token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                        std::to_string(model->config.vocab_size) + ")");
    torch::NoGradGuard no_grad;
    const auto dev = model->lm_head_weight().device();
    const int64_t T = (int64_t)ids.size();
    auto x = at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong).view({1, T}).to(dev);
    auto logp = at::log_softmax(model->forward(x), -1).squeeze(0);            // [T, V]
    auto target = x.squeeze(0).narrow(0, 1, T - 1).unsqueeze(1);              // [T-1, 1]
    auto lp = logp.narrow(0, 0, T - 1).gather(1, target).squeeze(1).to(at::kCPU).contiguous();   // [T-1]
    auto top = logp.argmax(-1).to(at::kCPU, at::kInt).contiguous();                          // [T]
    return {std::vector<float>(lp.data_ptr<float>(), lp.data_ptr<float>() + (T - 1)),
            std::vector<int32_t>(top.data_ptr<int32_t>(), top.data_ptr<int32_t>() + T)};
}

std::vector<float> token_logprobs(LlamaForCausalLM& model, const std::vector<int32_t>& ids) {
    return score_tokens(model, ids).logprobs;
}

}  // namespace llms
