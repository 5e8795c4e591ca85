#include "core/edit/causal_trace.h"

#include "core/edit/hooked_forward.h"
#include "core/edit/subject.h"
#include "core/eval/answer_tokens.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>

namespace llms::edit {

namespace {

// P(answer) per row: exp Σ log p(ids[i] | ids[..i]) over the answer tokens, from the final hidden states [B, N, C].
at::Tensor answer_prob(LlamaForCausalLM& net, const at::Tensor& hidden, const at::Tensor& ids, int64_t answer_start) {
    const int64_t N = ids.size(1);
    auto logp = at::log_softmax(net->logits(hidden.slice(1, answer_start - 1, N - 1)), -1);   // [B, A, V]
    auto tgt = ids.slice(1, answer_start, N).expand({hidden.size(0), N - answer_start}).unsqueeze(-1);   // [B, A, 1]
    return logp.gather(-1, tgt).squeeze(-1).sum(-1).exp().to(at::kDouble);                   // [B]
}

}  // namespace

TraceGrid trace_fact(LoadedModel& m, const facts::Fact& fact, const std::string& answer, const TraceOptions& o) {
    torch::NoGradGuard ng;
    auto& net = m.net;
    const auto& tok = m.tok();
    TraceGrid g;
    g.fact_id = fact.id, g.prompt = fact.prompt, g.answer = answer;
    g.subject = subject_of_fact(fact);
    const auto at = tokenize_answer(tok, fact.prompt, answer);
    const int64_t N = (int64_t)at.ids.size(), T = (int64_t)at.answer_start, L = net->config.num_hidden_layers;
    const auto span = subject_span(tok, fact.prompt, g.subject);
    g.subject_begin = (int)std::min(span.begin, T - 1);
    g.subject_end = (int)std::clamp(span.end, (int64_t)g.subject_begin + 1, T);
    g.layers = (int)L;
    g.mlp_window = o.window > 0 ? o.window : (int)std::max<int64_t>(1, L / 5);
    for (int64_t i = 0; i < T; ++i) g.tokens.push_back(tok.decode({at.ids[i]}));

    const auto dev = m.device;
    auto ids = torch::tensor(std::vector<int64_t>(at.ids.begin(), at.ids.end()), at::kLong).view({1, N}).to(dev);

    // The clean run: every layer's output and every MLP output.
    std::vector<at::Tensor> clean_h(L), clean_mlp(L);
    ForwardHooks record;
    record.layer = [&](int64_t i, const at::Tensor& h) { return clean_h[i] = h; };
    record.mlp = [&](int64_t i, const at::Tensor&, const at::Tensor& out) { return clean_mlp[i] = out; };
    {
        HookScope scope(net, &record);
        g.p_clean = answer_prob(net, net->model->forward(ids, {}, nullptr), ids, T).item<double>();
    }

    // Noise: samples S, rows B = S × T (row s*T + t restores token t under noise sample s).
    const int64_t S = o.samples, B = S * T, ns = g.subject_end - g.subject_begin;
    const double sigma = o.noise * net->model->embed_tokens.to(at::kFloat).std().item<double>();
    auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    auto noise = (at::randn({S, 1, ns, net->config.hidden_size}, gen, at::TensorOptions().dtype(at::kFloat)) * sigma)
                     .to(dev).to(m.dtype);                                                              // [S, 1, ns, C]
    auto corrupt = [&](const at::Tensor& x) {   // x [S*R, N, C]
        auto y = x.clone();
        const int64_t R = x.size(0) / S;
        auto sub = y.slice(1, g.subject_begin, g.subject_end).view({S, R, ns, x.size(2)});
        sub.add_(noise);
        return y;
    };
    ForwardHooks corrupt_only;
    corrupt_only.embed = corrupt;
    {
        HookScope scope(net, &corrupt_only);
        g.p_corrupt = answer_prob(net, net->model->forward(ids.expand({S, N}), {}, nullptr), ids, T).mean().item<double>();
    }

    auto rows = at::arange(B, at::TensorOptions().dtype(at::kLong).device(dev));
    auto cols = rows.remainder(T);
    auto restore = [&](const at::Tensor& x, const at::Tensor& clean) {   // x [B, N, C]: x[b, b % T] = clean[0, b % T]
        auto y = x.clone();
        y.index_put_({rows, cols}, clean[0].index_select(0, cols));
        return y;
    };
    auto grid_of = [&](const at::Tensor& p) {   // p [B] -> mean over samples [T]
        auto v = p.view({S, T}).mean(0).cpu().contiguous();
        return std::vector<double>(v.data_ptr<double>(), v.data_ptr<double>() + T);
    };
    auto batch = ids.expand({B, N});
    for (int64_t l = 0; l < L; ++l) {
        ForwardHooks h;
        h.embed = corrupt;
        h.layer = [&](int64_t i, const at::Tensor& x) { return i == l ? restore(x, clean_h[i]) : x; };
        HookScope scope(net, &h);
        auto v = grid_of(answer_prob(net, net->model->forward(batch, {}, nullptr), ids, T));
        g.state.insert(g.state.end(), v.begin(), v.end());
    }
    for (int64_t l = 0; l < L; ++l) {
        const int64_t lo = std::max<int64_t>(0, l - g.mlp_window / 2), hi = std::min<int64_t>(L, lo + g.mlp_window);
        ForwardHooks h;
        h.embed = corrupt;
        h.mlp = [&](int64_t i, const at::Tensor&, const at::Tensor& out) {
            return i >= lo && i < hi ? restore(out, clean_mlp[i]) : out;
        };
        HookScope scope(net, &h);
        auto v = grid_of(answer_prob(net, net->model->forward(batch, {}, nullptr), ids, T));
        g.mlp.insert(g.mlp.end(), v.begin(), v.end());
    }
    return g;
}

double restored_probability(LoadedModel& m, const facts::Fact& fact, const std::string& answer, int64_t layer,
                            const std::vector<int64_t>& positions, const TraceOptions& o) {
    torch::NoGradGuard ng;
    auto& net = m.net;
    const auto& tok = m.tok();
    const auto at = tokenize_answer(tok, fact.prompt, answer);
    const int64_t N = (int64_t)at.ids.size(), T = (int64_t)at.answer_start;
    const auto span = subject_span(tok, fact.prompt, subject_of_fact(fact));
    const int64_t b = std::min(span.begin, T - 1), e = std::clamp(span.end, b + 1, T);
    auto ids = torch::tensor(std::vector<int64_t>(at.ids.begin(), at.ids.end()), at::kLong).view({1, N}).to(m.device);
    at::Tensor clean;
    ForwardHooks record;
    record.layer = [&](int64_t i, const at::Tensor& h) {
        if (i == layer) clean = h;
        return h;
    };
    {
        HookScope scope(net, &record);
        (void)net->model->forward(ids, {}, nullptr);
    }
    const int64_t S = o.samples;
    const double sigma = o.noise * net->model->embed_tokens.to(at::kFloat).std().item<double>();
    auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    auto noise = (at::randn({S, e - b, net->config.hidden_size}, gen, at::TensorOptions().dtype(at::kFloat)) * sigma)
                     .to(m.device).to(m.dtype);
    auto pos = torch::tensor(positions, at::kLong).to(m.device);
    ForwardHooks h;
    h.embed = [&](const at::Tensor& x) {
        auto y = x.clone();
        y.slice(1, b, e).add_(noise);
        return y;
    };
    h.layer = [&](int64_t i, const at::Tensor& x) {
        if (i != layer) return x;
        auto y = x.clone();
        y.index_copy_(1, pos, clean.index_select(1, pos).expand({S, (int64_t)positions.size(), x.size(2)}));
        return y;
    };
    HookScope scope(net, &h);
    return answer_prob(net, net->model->forward(ids.expand({S, N}), {}, nullptr), ids, T).mean().item<double>();
}

std::vector<std::pair<facts::Fact, std::string>> facts_to_trace(const facts::FactSet& set, int max_facts) {
    std::vector<std::pair<facts::Fact, std::string>> out;
    for (const auto& f : set.facts) {
        if ((int)out.size() >= max_facts) break;
        if (f.is_document() || f.kind == facts::Kind::Retain || f.answer.empty()) continue;
        out.push_back({f, f.answer});
    }
    return out;
}

TraceSummary trace_facts(LoadedModel& m, const std::vector<std::pair<facts::Fact, std::string>>& facts,
                         const TraceOptions& o, const std::atomic<bool>* stop,
                         const std::function<void(int, int)>& on_fact) {
    TraceSummary s;
    for (size_t i = 0; i < facts.size(); ++i) {
        if (stop && stop->load()) break;
        auto opt = o;
        opt.seed = o.seed + i;
        s.grids.push_back(trace_fact(m, facts[i].first, facts[i].second, opt));
        if (on_fact) on_fact((int)i + 1, (int)facts.size());
    }
    if (!s.grids.empty()) {
        s.mlp_effect.assign(s.grids[0].layers, 0.0);
        for (const auto& g : s.grids)
            for (int l = 0; l < g.layers; ++l) s.mlp_effect[l] += (g.mlp_at(l, g.subject_end - 1) - g.p_corrupt) / s.grids.size();
    }
    return s;
}

std::vector<int> choose_layers(const std::vector<double>& effect, int n_layers, int span) {
    // The last layer is never a candidate: its MLP output at the subject reaches no later token (no attention after
    // it), so an edit there cannot change the answer.
    const int usable = std::max(1, n_layers - 1);
    span = std::clamp(span, 1, usable);
    int best = std::max(0, (usable - span) / 2);
    if ((int)effect.size() == n_layers) {
        double best_sum = -1e300;
        for (int a = 0; a + span <= usable; ++a) {
            double sum = 0;
            for (int l = a; l < a + span; ++l) sum += effect[l];
            if (sum > best_sum + 1e-12) best_sum = sum, best = a;
        }
    }
    std::vector<int> out;
    for (int l = best; l < best + span; ++l) out.push_back(l);
    return out;
}

std::string trace_text(const TraceGrid& g) {
    static const char kShades[] = " .:-=+*#%@";
    const int T = (int)g.tokens.size();
    std::string s;
    char line[256];
    std::snprintf(line, sizeof line, "%s -> \"%s\"  subject \"%s\"  P(clean) %.4f  P(corrupt) %.4f\n", g.prompt.c_str(),
                  g.answer.c_str(), g.subject.c_str(), g.p_clean, g.p_corrupt);
    s += line;
    auto block = [&](const char* title, const std::vector<double>& v) {
        double lo = g.p_corrupt, hi = g.p_corrupt;
        for (double x : v) hi = std::max(hi, x);
        s += std::string("  ") + title + " (rows: layers; shade: P(answer) from P(corrupt) to the grid's max " +
             std::to_string(hi).substr(0, 6) + ")\n";
        for (int l = 0; l < g.layers; ++l) {
            std::snprintf(line, sizeof line, "  %3d |", l);
            s += line;
            for (int t = 0; t < T; ++t) {
                const double f = hi > lo ? std::clamp((v[(size_t)l * T + t] - lo) / (hi - lo), 0.0, 1.0) : 0.0;
                s += kShades[std::min(9, (int)(f * 9.999))];
            }
            s += "|\n";
        }
        s += "       ";
        for (int t = 0; t < T; ++t) s += t >= g.subject_begin && t < g.subject_end ? '^' : ' ';
        s += "  (^ subject)\n";
    };
    block("restored layer output", g.state);
    block(("restored MLP outputs, window " + std::to_string(g.mlp_window)).c_str(), g.mlp);
    s += "  tokens:";
    for (int t = 0; t < T; ++t) s += " [" + std::to_string(t) + "]" + g.tokens[t];
    s += "\n";
    return s;
}

}  // namespace llms::edit
