// The surgery step benchmark. Reads top to bottom: model -> random fused batch -> θ0 top-K cache -> steps
// (forward + chunked vocabulary projection + terms | backward | clip + AdamW), each phase timed -> medians, MFU
// against the GEMM peak.
// Shapes: B rows per term, R = 3B fused rows, T positions, V vocab, K cached top-k entries.
#include "core/bench/surgery_bench.h"

#include "core/bench/bench_stats.h"
#include "core/bench/device_memory.h"
#include "core/common/autocast.h"
#include "core/bench/gemm_peak.h"
#include "core/bench/peer_dump.h"
#include "core/common/error.h"
#include "core/common/fused_adamw.h"
#include "core/common/thread_wait_policy.h"
#include "core/model/model_loader.h"
#include "core/surgery/objective.h"
#include "core/surgery/surgery_config.h"
#include "core/model/lora.h"
#include "core/surgery/trainable_params.h"
#include "core/surgery/vocab_chunks.h"

#include <torch/torch.h>

#include <chrono>
#include <nlohmann/json.hpp>

namespace llms::bench {

using Clock = std::chrono::steady_clock;

static double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

static void check(const SurgeryBenchOptions& o) {
    if (o.seq < 1) throw Error("bench surgery: --seq must be at least 1");
    if (o.batch < 1) throw Error("bench surgery: --batch must be at least 1");
    if (o.steps < 1) throw Error("bench surgery: --steps must be at least 1");
    if (o.warmup < 0) throw Error("bench surgery: --warmup must be 0 or more");
    if (o.topk < 1) throw Error("bench surgery: --topk must be at least 1");
    if (o.precision != "fp32" && o.precision != "bf16")
        throw Error("bench surgery: unknown --precision \"" + o.precision + "\" (use fp32 or bf16)");
    if (!o.dump.empty() && o.device != "cpu") throw Error("bench surgery: --dump (for the CPU peer) needs --device cpu");
    if (!o.dump.empty() && o.shape.vocab >= (int64_t(1) << 24))
        throw Error("bench surgery: --dump stores token ids as float32, exact only below 2^24; use a smaller --vocab");
}

// Matmul FLOPs of one trained token, after select_trainable: 2 per weight in the forward; in the backward 2 for
// the input gradient of every matmul from the lowest trained layer up (lm_head included) and 2 for the weight
// gradient of every trained matmul. Everything trained: the usual 6 x matmul weights. LoRA: the gradient reaches
// layer 0 through frozen weights, and each adapter's two matmuls cost 6 per adapter weight.
static double model_flops_per_token(LlamaForCausalLM& net, const LlamaConfig& c) {
    using surgery::layer_of;
    int64_t lowest = c.num_hidden_layers;   // lowest layer whose input needs a gradient
    double f = 0;
    for (auto& s : lora_sites(net)) {
        lowest = 0;
        f += 6.0 * (double)(s.linear->lora_A.numel() + s.linear->lora_B.numel());
    }
    for (auto& [name, p] : hf_named_tensors(net))
        if (p.requires_grad())
            lowest = std::min(lowest, name == "model.embed_tokens.weight" ? 0 : layer_of(name) >= 0 ? layer_of(name)
                                                                                                    : lowest);
    for (auto& [name, p] : hf_named_tensors(net)) {
        const bool matmul = p.dim() == 2 && (name != "model.embed_tokens.weight" || c.tie_word_embeddings);
        if (!matmul) continue;
        const double n = (double)p.numel();
        const int64_t layer = layer_of(name);
        f += 2 * n;                                               // forward
        if (layer < 0 || layer >= lowest) f += 2 * n;             // gradient to its input
        if (p.requires_grad()) f += 2 * n;                        // gradient to its weight
    }
    return f;
}

SurgeryBenchResult run_surgery_bench(const SurgeryBenchOptions& options,
                                     const std::function<void(int, int, double)>& on_step) {
    check(options);
    SurgeryBenchResult r;
    r.options = options;
    r.thread_wait = thread_wait_policy_in_effect();
    auto& o = r.options;
    const LlamaConfig c = shape_config(o.shape, o.seq);
    o.shape.ffn = c.intermediate_size;
    o.topk = std::min(o.topk, c.vocab_size);
    ScopedThreads threads(o.threads);
    o.threads = threads.threads();
    const bool bf16 = o.precision == "bf16";
    const auto recipe = surgery::SurgeryConfig::preset_named("paper");
    reset_peak_device_memory(o.device);
    auto sync_now = [&] {   // a clock read after queued GPU work has finished
        synchronize_device(o.device);
        return Clock::now();
    };

    // ---- model: fp32 master weights on the device ---------------------------------------------------------
    LoadOptions lo;
    lo.device = o.device;
    lo.dtype = "float32";
    LoadedModel m = make_model(c, lo, o.seed);
    auto& net = m.net;
    const auto dev = m.device;
    r.params = c.num_parameters();
    for (auto& [name, p] : hf_named_tensors(net))   // matrices: not the norms, not an untied embedding table
        if (p.dim() == 2 && (name != "model.embed_tokens.weight" || c.tie_word_embeddings)) r.matmul_params += p.numel();

    // ---- the fused batch: rows [0, B) forget, [B, 2B) update, [2B, 3B) retain ---------------------------
    const int64_t B = o.batch, T = o.seq, R = 3 * B, K = o.topk;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed + 1);
    auto ids = at::randint(0, c.vocab_size, {R, T + 1}, gen, at::TensorOptions().dtype(at::kLong));   // [R, T+1]
    auto input = ids.narrow(1, 0, T).contiguous().to(dev);     // [R, T]
    auto targets = ids.narrow(1, 1, T).contiguous().to(dev);   // [R, T]
    auto term_mask = [&](int64_t term) {                       // [R, T] float: every position of the term's rows
        auto mk = at::zeros({R, T}, at::kFloat);
        mk.narrow(0, term * B, B).fill_(1.0);
        return mk.to(dev);
    };
    const auto mask_f = term_mask(0), mask_u = term_mask(1), mask_r = term_mask(2);
    r.tokens_per_step = R * T;

    if (!o.dump.empty()) {
        nlohmann::json j = {{"lr", recipe.lr},
                            {"betas", {recipe.beta1, recipe.beta2}},
                            {"weight_decay", recipe.weight_decay},
                            {"grad_clip", recipe.grad_clip},
                            {"w_forget", recipe.w_forget},
                            {"w_update", recipe.w_update},
                            {"w_retain", recipe.w_retain},
                            {"topk", K},
                            {"precision", o.precision},
                            {"seed", o.seed}};
        write_peer_dump(o.dump, net, ids, B, j.dump());
    }

    // ---- θ0's retain distribution: top-K log-probs per position, once --------------------------------
    auto ref_idx = at::zeros({R, T, K}, at::TensorOptions().dtype(at::kLong).device(dev));    // [R, T, K] (zeros
    auto ref_logp = at::zeros({R, T, K}, at::TensorOptions().dtype(at::kFloat).device(dev));  // outside retain rows)
    {
        const auto t0 = sync_now();
        torch::NoGradGuard ng;
        Autocast ac(bf16, dev.type());
        net->eval();
        auto logp0 = at::log_softmax(net->forward(input.narrow(0, 2 * B, B)), -1);   // [B, T, V]
        auto [top, idx] = logp0.topk(K, -1);                                          // [B, T, K]
        ref_idx.narrow(0, 2 * B, B).copy_(idx);
        ref_logp.narrow(0, 2 * B, B).copy_(top);
        synchronize_device(o.device);
        r.cache_ms = ms_since(t0);
    }

    // ---- the steps ---------------------------------------------------------------------------------------
    const int64_t chunk_bytes = surgery::vocab_chunk_bytes(dev);
    std::vector<at::Tensor> params = surgery::select_trainable(net, o.train);
    if (!o.lora.empty()) {   // adapters on frozen weights instead (as the surgery's --lora)
        params.clear();
        for (auto& [name, p] : hf_named_tensors(net)) p.set_requires_grad(false);
        for (auto& site : attach_lora(net, parse_lora(o.lora, o.lora_targets), o.seed + 1))
            for (at::Tensor* t : {&site.linear->lora_A, &site.linear->lora_B}) {
                t->set_requires_grad(true);
                params.push_back(*t);
            }
    }
    for (auto& p : params) r.trainable_params += p.numel();
    const double flops_per_token = model_flops_per_token(net, c);
    net->model->checkpoint_layers = o.checkpoint_layers;
    FusedAdamW opt({recipe.lr, recipe.beta1, recipe.beta2});
    opt.add(params, recipe.weight_decay);
    net->train();
    std::vector<double> fwd, bwd, optm, step, cpu;
    const int total_steps = o.warmup + o.steps;
    for (int s = 0; s < total_steps; ++s) {
        const double c0 = process_cpu_ms();
        const auto t0 = sync_now();
        at::Tensor nll_f, nll_u, kl, total;
        {
            Autocast ac(bf16, dev.type());
            auto hidden = net->model->forward(input, {}, nullptr);                                   // [R, T, C]
            auto lp = surgery::term_logp(net, hidden, targets, ref_idx, false, chunk_bytes);       // as the trainer
            const auto terms = surgery::objective(recipe, {lp.target, lp.topk, ref_logp, {}, {mask_f, {}, mask_u, mask_r}, std::nullopt});
            nll_f = terms.forget, nll_u = terms.update, kl = terms.retain, total = terms.total;
        }
        const auto t1 = sync_now();
        total.backward();
        const auto t2 = sync_now();
        const double gnorm = opt.grad_norm();
        opt.step(gnorm, recipe.grad_clip);
        opt.zero_grad();
        const auto t3 = sync_now();
        const double c3 = process_cpu_ms();

        StepLosses l;
        l.forget_nll = nll_f.item<double>();
        l.update_nll = nll_u.item<double>();
        l.retain_kl = kl.item<double>();
        l.total = total.item<double>();
        l.grad_norm = gnorm;
        r.losses.push_back(l);
        if (!std::isfinite(l.total) || !std::isfinite(gnorm))
            throw Error("bench surgery: the loss or the gradient became non-finite at step " + std::to_string(s + 1) +
                        " (a bug, or a shape too large for " + o.precision + ")");
        const double f = std::chrono::duration<double, std::milli>(t1 - t0).count();
        const double b = std::chrono::duration<double, std::milli>(t2 - t1).count();
        const double p = std::chrono::duration<double, std::milli>(t3 - t2).count();
        if (s >= o.warmup) {
            fwd.push_back(f);
            bwd.push_back(b);
            optm.push_back(p);
            step.push_back(f + b + p);
            cpu.push_back(c3 - c0);
        }
        if (on_step) on_step(s + 1, total_steps, f + b + p);
    }
    for (auto& p : params) p.set_requires_grad(false);
    net->model->checkpoint_layers = false;

    r.forward_ms = median(fwd);
    r.backward_ms = median(bwd);
    r.optimizer_ms = median(optm);
    r.step_ms = median(step);
    r.step_cpu_ms = median(cpu);
    r.tokens_per_s = r.tokens_per_step / (r.step_ms / 1e3);
    r.peak_rss_mb = peak_rss_mb();   // before the GEMM probe's buffers
    r.peak_device_mb = peak_device_memory_mb(o.device);
    // The GEMM peak: the better of two best-of-6 measurements (one can catch a moment when a core was busy
    // elsewhere).
    const std::string gemm_dtype = bf16 ? "bfloat16" : "float32";
    r.gemm_gflops = std::max(measure_gemm_gflops(gemm_dtype, o.device), measure_gemm_gflops(gemm_dtype, o.device));
    r.model_gflops = flops_per_token * r.tokens_per_s / 1e9;
    r.mfu = r.model_gflops / r.gemm_gflops;
    return r;
}

std::string surgery_bench_json(const SurgeryBenchResult& r) {
    const auto& o = r.options;
    auto losses = [&](size_t i) {
        if (i >= r.losses.size()) return nlohmann::json();
        const auto& l = r.losses[i];
        return nlohmann::json{{"forget_nll", l.forget_nll}, {"update_nll", l.update_nll}, {"retain_kl", l.retain_kl},
                              {"total", l.total},           {"grad_norm", l.grad_norm}};
    };
    nlohmann::json j = {
        {"bench", "surgery"},
        {"implementation", "llm-surgery: one fused forward, cached theta0 top-K"},
        {"shape", {{"dim", o.shape.dim}, {"ffn", o.shape.ffn}, {"layers", o.shape.layers}, {"heads", o.shape.heads},
                   {"kv_heads", o.shape.kv_heads}, {"vocab", o.shape.vocab}, {"seq", o.seq}, {"batch", o.batch}}},
        {"precision", o.precision},
        {"device", o.device},
        {"train", o.train},
        {"lora", o.lora},
        {"lora_targets", o.lora_targets},
        {"checkpoint_layers", o.checkpoint_layers},
        {"trainable_params", r.trainable_params},
        {"peak_device_mb", r.peak_device_mb},
        {"topk", o.topk},
        {"threads", o.threads},
        {"thread_wait", r.thread_wait},
        {"steps", o.steps},
        {"warmup", o.warmup},
        {"params", r.params},
        {"matmul_params", r.matmul_params},
        {"tokens_per_step", r.tokens_per_step},
        {"tokens_per_s", r.tokens_per_s},
        {"step_ms", r.step_ms},
        {"step_cpu_ms", r.step_cpu_ms},
        {"forward_ms", r.forward_ms},
        {"backward_ms", r.backward_ms},
        {"optimizer_ms", r.optimizer_ms},
        {"cache_ms", r.cache_ms},
        {"peak_rss_mb", r.peak_rss_mb},
        {"gemm_gflops", r.gemm_gflops},
        {"model_gflops", r.model_gflops},
        {"mfu", r.mfu},
        {"step1", losses(0)},
        {"step2", losses(1)},
    };
    return j.dump(2);
}

}  // namespace llms::bench
