#include "core/edit/target_vector.h"

#include "core/edit/hooked_forward.h"
#include "core/edit/subject.h"
#include "core/eval/answer_tokens.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace llms::edit {

namespace {

// The model's weights frozen for the search (only δ gets a gradient); their flags put back after.
class FreezeWeights {
public:
    explicit FreezeWeights(LlamaForCausalLM& net) {
        for (auto& p : net->parameters())
            if (p.requires_grad()) {
                p.set_requires_grad(false);
                frozen_.push_back(p);
            }
    }
    ~FreezeWeights() {
        for (auto& p : frozen_) p.set_requires_grad(true);
    }

private:
    std::vector<at::Tensor> frozen_;
};

}  // namespace

TargetVector compute_target(LoadedModel& m, const EditRequest& r, int64_t layer, TargetSite site,
                            const std::vector<std::string>& prefixes, const EditSettings& s, double clamp) {
    const auto& tok = m.tok();
    FreezeWeights freeze(m.net);
    torch::AutoGradMode grad(true);
    const bool was_training = m.net->is_training();
    m.net->eval();

    // Rows: each prefix + prompt + target (teacher-forced), then the KL prompt.
    std::vector<std::vector<int32_t>> rows;
    std::vector<int64_t> lookup, answer_start;
    for (const auto& p : prefixes) {
        const auto at = tokenize_answer(tok, p + r.prompt, r.target);
        rows.push_back(at.ids);
        answer_start.push_back((int64_t)at.answer_start);
        lookup.push_back(std::min<int64_t>(subject_span(tok, p + r.prompt, r.subject).end - 1, (int64_t)at.answer_start - 1));
    }
    const std::string kl_text = r.subject + " is a";
    rows.push_back(tok.encode(kl_text));
    lookup.push_back(subject_span(tok, kl_text, r.subject).end - 1);
    for (const auto& k : r.keep) {   // the subject's other known facts: the next token after each prompt kept
        rows.push_back(tok.encode(k));
        lookup.push_back(subject_span(tok, k, r.subject).end - 1);
    }
    const int64_t P = (int64_t)prefixes.size(), B = (int64_t)rows.size(), Q = B - P - 1;
    if (std::getenv("LLMS_EDIT_DEBUG"))
        for (const auto& k : r.keep) std::fprintf(stderr, "  keep: %s\n", k.c_str());
    auto b = pad_batch(m, rows);

    const int64_t C = m.net->config.hidden_size;
    // δ = scale · θ with Adam on θ: the learning rate in units of v₀'s per-coordinate RMS, so that one setting fits
    // models whose activations differ in scale (the reference's δ in absolute units with lr 0.5 fits GPT-2 XL's and
    // GPT-J's; on the demo model it overshoots to the clamp every step).
    auto theta = at::zeros({C}, at::TensorOptions().dtype(at::kFloat).device(m.device)).requires_grad_(true);
    torch::optim::Adam opt({theta}, torch::optim::AdamOptions(s.v_lr));
    at::Tensor v0, kl_init, keep_init, delta;
    double scale = 1;
    auto rows_ix = at::arange(B, at::TensorOptions().dtype(at::kLong).device(m.device));
    auto cols_ix = torch::tensor(lookup, at::kLong).to(m.device);
    // The kept prompts' rows and last tokens, where their next token is read.
    auto keep_rows = at::arange(P + 1, B, rows_ix.options());
    auto keep_ends = torch::tensor(std::vector<int64_t>(b.lengths.begin() + P + 1, b.lengths.end()), at::kLong).to(m.device) - 1;
    auto add_delta = [&](const at::Tensor& out) {
        if (!v0.defined()) {
            v0 = out[0][lookup[0]].detach().to(at::kFloat).clone();
            scale = std::max(v0.norm().item<double>() / std::sqrt((double)C), 1e-12);
        }
        delta = theta * scale;
        auto d = at::zeros_like(out).index_put({rows_ix, cols_ix}, delta.to(out.scalar_type()).expand({B, C}));
        return out + d;
    };
    ForwardHooks h;
    if (site == TargetSite::MlpOutput)
        h.mlp = [&](int64_t i, const at::Tensor&, const at::Tensor& out) { return i == layer ? add_delta(out) : out; };
    else
        h.layer = [&](int64_t i, const at::Tensor& x) { return i == layer ? add_delta(x) : x; };
    HookScope scope(m.net, &h);

    TargetVector t;
    for (int it = 0; it < s.v_steps; ++it) {
        opt.zero_grad();
        auto hidden = m.net->model->forward(b.ids, b.mask, nullptr);                    // [B, N, C]
        at::Tensor nll = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(m.device));
        for (int64_t i = 0; i < P; ++i) {
            const int64_t a = answer_start[i], n = b.lengths[i];
            auto logp = at::log_softmax(m.net->logits(hidden[i].slice(0, a - 1, n - 1)), -1);   // [A, V]
            auto tgt = b.ids[i].slice(0, a, n).unsqueeze(-1);
            nll = nll - logp.gather(-1, tgt).sum() / (double)(n - a);
        }
        nll = nll / (double)P;
        auto kl_logp = at::log_softmax(m.net->logits(hidden[P][lookup[P]]), -1);   // [V]
        if (!kl_init.defined()) kl_init = kl_logp.detach().clone();
        auto kl = (kl_logp.exp() * (kl_logp - kl_init)).sum();
        at::Tensor keep = at::zeros({}, kl.options());
        if (Q > 0) {
            auto keep_logp = at::log_softmax(m.net->logits(hidden.index({keep_rows, keep_ends})), -1);   // [Q, V]
            if (!keep_init.defined()) keep_init = keep_logp.detach().clone();
            keep = (keep_logp.exp() * (keep_logp - keep_init)).sum() / (double)Q;
        }
        auto wd = s.v_weight_decay * delta.norm() / v0.norm().pow(2);
        auto loss = nll + s.kl_factor * kl + s.keep_factor * keep + wd;
        t.nll = nll.item<double>();
        t.steps = it + 1;
        if (std::getenv("LLMS_EDIT_DEBUG"))
            std::fprintf(stderr, "  v search %d: nll %.4f kl %.4f wd %.4f |delta| %.4f |v0| %.4f keep %.4f (%d)\n", it, t.nll,
                         kl.item<double>(), wd.item<double>(), delta.norm().item<double>(), v0.norm().item<double>(),
                         keep.item<double>(), (int)Q);
        if (loss.item<double>() < 5e-2 || it == s.v_steps - 1) break;
        loss.backward();
        opt.step();
        torch::NoGradGuard ng;
        const double max_norm = clamp * v0.norm().item<double>() / scale;
        if (theta.norm().item<double>() > max_norm) theta.mul_(max_norm / theta.norm().item<double>());
    }
    if (was_training) m.net->train();
    t.v0 = v0;
    t.v = (v0 + theta.detach() * scale).contiguous();
    return t;
}

}  // namespace llms::edit
