#include "core/surgery/vocab_chunks.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>

#include <algorithm>
#include <vector>

namespace llms::surgery {

int64_t vocab_chunk_bytes(const at::Device& device) {
    return device.is_cpu() ? (int64_t(16) << 20) : (int64_t(1) << 30);
}

GatheredLogp gather_logp(LlamaForCausalLM& net, const at::Tensor& hidden, const at::Tensor& ids, bool want_argmax,
                         int64_t chunk_bytes) {
    TORCH_CHECK(hidden.dim() == 3 && ids.dim() == 3 && ids.size(0) == hidden.size(0) && ids.size(1) == hidden.size(1),
                "gather_logp: hidden must be [R, T, C] and ids [R, T, N]");
    const int64_t R = hidden.size(0), T = hidden.size(1), V = net->config.vocab_size;
    const int64_t rows = std::max<int64_t>(1, chunk_bytes / std::max<int64_t>(1, T * V * 4));
    // Under autocast, at::linear casts the head's weight on every call, and autocast caches the cast only for a
    // weight that requires grad: with a frozen head each chunk's graph kept a copy of its own (525 MB for Llama 3's
    // 128,256 x 2,048 head, one per row: a 1B surgery ran out of 24 GB). Cast once; the chunks share it.
    at::Tensor head = net->lm_head_weight();                                       // [V, C]
    const bool cpu = hidden.device().is_cpu();
    if (cpu ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled())
        head = head.to(cpu ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype());
    std::vector<at::Tensor> logp, argmax;
    for (int64_t r = 0; r < R; r += rows) {
        const int64_t n = std::min(rows, R - r);
        auto lp = at::log_softmax(at::linear(hidden.narrow(0, r, n), head).to(at::kFloat), -1);   // [n, T, V] fp32
        logp.push_back(lp.gather(-1, ids.narrow(0, r, n)));                    // [n, T, N]
        if (want_argmax) {
            at::NoGradGuard ng;
            argmax.push_back(lp.argmax(-1));                                   // [n, T]
        }
    }
    GatheredLogp g;
    g.logp = logp.size() == 1 ? logp[0] : at::cat(logp);
    if (want_argmax) g.argmax = argmax.size() == 1 ? argmax[0] : at::cat(argmax);
    return g;
}

TermLogp term_logp(LlamaForCausalLM& net, const at::Tensor& hidden, const at::Tensor& targets, const at::Tensor& ref_idx,
                   bool want_argmax, int64_t chunk_bytes) {
    const int64_t K = ref_idx.size(-1);
    auto read = at::cat({targets.unsqueeze(-1), ref_idx}, -1);                 // [R, T, 1+K]: the target first
    auto g = gather_logp(net, hidden, read, want_argmax, chunk_bytes);
    return {g.logp.select(-1, 0), g.logp.narrow(-1, 1, K), g.argmax};
}

}  // namespace llms::surgery
