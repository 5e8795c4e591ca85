// The forgetting audit (core/eval/audit.h): probe sets from the facts -> the edited model as it is -> each attack on
// a copy of its weights put back afterwards -> the membership test.
#include "core/eval/audit.h"

#include "core/common/error.h"
#include "core/corpus/templates.h"
#include "core/eval/answer_tokens.h"
#include "core/eval/exact_match.h"
#include "core/eval/never_seen.h"
#include "core/gguf/ggml_quants.h"
#include "core/gguf/gguf_tensors.h"
#include "core/io/atomic_write.h"
#include "core/model/model_loader.h"
#include "core/surgery/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

namespace llms::eval {

namespace {

constexpr size_t kRows = 32;                       // rows per scoring forward, at most
constexpr int64_t kChunkBytes = 256ll << 20;       // ... and fewer when [rows, T, V] fp32 would pass this

// One prompt + answer to probe; `fact`: index of its fact in the group (forget or update-old facts).
struct Item {
    std::string prompt, answer;
    int fact = -1;
};

// Per answer token: log p of the token, and the mean / standard deviation of log p over the vocabulary under the
// model's own distribution (Min-K%++'s normalisation).
struct AnswerScores {
    std::vector<double> logp, mu, sigma;
    double seq_logp() const {
        double s = 0;
        for (double v : logp) s += v;
        return s;
    }
};

// Teacher-forced pass over prompt + answer, in batches of right-padded rows.
std::vector<AnswerScores> score_answers(LoadedModel& m, const std::vector<Item>& items) {
    torch::NoGradGuard ng;
    std::vector<AnswerTokens> toks;
    int64_t longest = 1;
    for (const auto& it : items) {
        toks.push_back(tokenize_answer(m.tok(), it.prompt, it.answer));
        longest = std::max<int64_t>(longest, (int64_t)toks.back().ids.size() - 1);
    }
    const size_t rows = (size_t)std::clamp<int64_t>(kChunkBytes / (longest * m.config.vocab_size * 4), 1, kRows);
    std::vector<AnswerScores> out;
    for (size_t s = 0; s < toks.size(); s += rows) {
        const size_t e = std::min(toks.size(), s + rows);
        int64_t T = 1;
        for (size_t i = s; i < e; ++i) T = std::max<int64_t>(T, (int64_t)toks[i].ids.size() - 1);
        auto input = at::zeros({(int64_t)(e - s), T}, at::kLong);                            // [R, T]
        for (size_t i = s; i < e; ++i)
            for (size_t t = 0; t + 1 < toks[i].ids.size(); ++t) input[(int64_t)(i - s)][(int64_t)t] = toks[i].ids[t];
        const auto logp = at::log_softmax(m.net->forward(input.to(m.device)).to(at::kFloat), -1);   // [R, T, V]
        const auto p = logp.exp();
        const auto mu = (p * logp).sum(-1);                                                 // [R, T]
        const auto sigma = ((p * logp * logp).sum(-1) - mu * mu).clamp_min(1e-12).sqrt();   // [R, T]
        const auto lp_c = logp.to(at::kCPU), mu_c = mu.to(at::kCPU), sg_c = sigma.to(at::kCPU);
        for (size_t i = s; i < e; ++i) {
            const auto& a = toks[i];
            AnswerScores sc;
            for (size_t t = a.answer_start - 1; t + 1 < a.ids.size(); ++t) {   // position t predicts ids[t+1]
                const int64_t r = (int64_t)(i - s), tt = (int64_t)t;
                sc.logp.push_back(lp_c[r][tt][a.ids[t + 1]].item<double>());
                sc.mu.push_back(mu_c[r][tt].item<double>());
                sc.sigma.push_back(sg_c[r][tt].item<double>());
            }
            out.push_back(std::move(sc));
        }
    }
    return out;
}

// Greedy exact match and answer probability of each item.
struct Probed {
    std::vector<char> match;
    std::vector<double> prob;
    std::vector<AnswerScores> scores;
};
Probed probe(LoadedModel& m, const std::vector<Item>& items) {
    Probed p;
    if (items.empty()) return p;
    std::vector<PromptAnswer> pa;
    for (const auto& it : items) pa.push_back({it.prompt, it.answer});
    p.match = greedy_exact_match(m, pa).match;
    p.scores = score_answers(m, items);
    for (const auto& s : p.scores) p.prob.push_back(std::exp(s.seq_logp()));
    return p;
}

// The numbers of one group under one attack; `edited_match[fact]`: the edited model's match on the fact's main prompt.
AttackNumbers numbers(const std::vector<Item>& items, const Probed& p, const std::vector<char>& edited_match) {
    AttackNumbers a;
    a.n = (int)items.size();
    if (items.empty()) return a;
    std::set<int> back;
    double em = 0, prob = 0, em_edited = 0;
    for (size_t i = 0; i < items.size(); ++i) {
        em += p.match[i];
        prob += p.prob[i];
        const bool was = edited_match.empty() ? false : edited_match[(size_t)items[i].fact];
        em_edited += was;
        if (p.match[i] && !was) back.insert(items[i].fact);
    }
    a.exact_match = em / a.n;
    a.answer_prob = prob / a.n;
    a.came_back = (int)back.size();
    a.came_back_points = 100.0 * (em - em_edited) / a.n;
    return a;
}

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / (double)v.size();
}

// Min-K%++ of one answer: the mean of the lowest ceil(k * len) token scores (log p - mu) / sigma.
double minkpp(const AnswerScores& s, double k) {
    std::vector<double> z;
    for (size_t i = 0; i < s.logp.size(); ++i) z.push_back((s.logp[i] - s.mu[i]) / s.sigma[i]);
    std::sort(z.begin(), z.end());
    const size_t n = std::max<size_t>(1, (size_t)std::ceil(k * (double)z.size()));
    return mean(std::vector<double>(z.begin(), z.begin() + (std::ptrdiff_t)std::min(n, z.size())));
}

// The weights every attack starts from: CPU copies of the edited model's tensors, put back by restore().
struct SavedWeights {
    LoadedModel& m;
    std::vector<at::Tensor> live, saved;
    explicit SavedWeights(LoadedModel& model) : m(model) {
        torch::NoGradGuard ng;
        for (auto& [name, t] : hf_named_tensors(m.net)) live.push_back(t), saved.push_back(t.detach().to(at::kCPU).clone());
    }
    void restore() {
        torch::NoGradGuard ng;
        for (size_t i = 0; i < live.size(); ++i) live[i].copy_(saved[i]);
        for (auto& t : live) t.set_requires_grad(false);
        m.net->eval();
    }
    ~SavedWeights() {
        try {
            restore();
        } catch (...) {
        }
    }
};

// Every matrix round-trip quantized as the GGUF export stores it at `type` (Q8_0 or Q4_0).
void quantize_round_trip(LoadedModel& m, gguf::TensorType type) {
    torch::NoGradGuard ng;
    for (auto& [hf, t] : hf_named_tensors(m.net)) {
        if (hf == "lm_head.weight" && m.config.tie_word_embeddings) continue;   // the embedding itself
        const std::string name = gguf::gguf_name(hf);
        const auto st = gguf::storage_type(name.empty() ? hf : name, t, type, m.config.tie_word_embeddings);
        if (st == gguf::TensorType::F32) continue;
        if (st == gguf::TensorType::F16) {
            t.copy_(t.to(at::kHalf));
            continue;
        }
        auto x = t.detach().to(at::kCPU, at::kFloat).contiguous();
        const int64_t n = x.numel();
        std::vector<uint8_t> blocks((size_t)(n / gguf::kQuantBlock *
                                             (st == gguf::TensorType::Q8_0 ? gguf::kQ8_0BlockBytes : gguf::kQ4_0BlockBytes)));
        auto y = at::empty_like(x);
        if (st == gguf::TensorType::Q8_0) {
            gguf::quantize_q8_0(x.data_ptr<float>(), n, blocks.data());
            gguf::dequantize_q8_0(blocks.data(), n, y.data_ptr<float>());
        } else {
            gguf::quantize_q4_0(x.data_ptr<float>(), n, blocks.data());
            gguf::dequantize_q4_0(blocks.data(), n, y.data_ptr<float>());
        }
        t.copy_(y);
    }
}

// k fine-tuning steps (the surgery trainer's descent term alone) on prompt -> answer pairs.
void fine_tune(LoadedModel& m, const std::vector<Item>& items, const AuditOptions& o, const AuditCallbacks& cb,
               const std::string& stage, int done, int total) {
    facts::FactSet set;
    for (const auto& it : items) {
        facts::Fact f;
        f.kind = facts::Kind::Update;
        f.prompt = it.prompt;
        f.new_answer = it.answer;
        set.facts.push_back(std::move(f));
    }
    surgery::SurgeryConfig c;
    c.method = surgery::Method::Finetune;
    c.preset = "audit";
    c.lr = o.relearn_lr;
    c.steps = o.relearn_steps;
    c.w_update = 1.0;
    c.batch_size = (int)items.size();
    c.retain_pool_per_step = 0;
    c.early_stop = false;
    c.eval_every = o.relearn_steps;
    c.seed = o.seed;
    surgery::Trainer trainer(m, set, c);
    surgery::RunCallbacks rc;
    rc.stop = cb.stop;
    rc.on_step = [&](const surgery::StepMetrics& s) {
        if (cb.on_stage)
            cb.on_stage(stage + " (step " + std::to_string(s.step) + " of " + std::to_string(s.steps) + ")", done, total);
    };
    const auto outcome = trainer.run(rc);
    if (outcome.end == surgery::SurgeryOutcome::End::Stopped) throw Error("the audit was stopped");
    if (outcome.end == surgery::SurgeryOutcome::End::Diverged) throw Error("the relearning attack diverged: " + outcome.message);
}

std::string pct(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f%%", 100 * v);
    return b;
}

}  // namespace

double auroc(const std::vector<double>& positive, const std::vector<double>& negative) {
    if (positive.empty() || negative.empty()) return 0.5;
    double u = 0;
    for (double p : positive)
        for (double n : negative) u += p > n ? 1.0 : p == n ? 0.5 : 0.0;
    return u / ((double)positive.size() * (double)negative.size());
}

namespace {

// The probe sets of a fact set.
struct AuditSets {
    std::vector<Item> forget, update_old;             // main prompts; item.fact = index in the group
    std::vector<const facts::Fact*> forget_facts, update_facts;
};

AuditSets audit_sets(const facts::FactSet& set) {
    AuditSets s;
    for (const auto& f : set.facts) {
        if (f.is_document()) continue;
        if (f.kind == facts::Kind::Forget) {
            s.forget.push_back({f.prompt, f.answer, (int)s.forget_facts.size()});
            s.forget_facts.push_back(&f);
        } else if (f.kind == facts::Kind::Update && !f.answer.empty()) {
            s.update_old.push_back({f.prompt, f.answer, (int)s.update_facts.size()});
            s.update_facts.push_back(&f);
        }
    }
    if (s.forget.empty() && s.update_old.empty())
        throw Error("the audit needs forget facts or update facts with their old answer; this fact set has neither");
    return s;
}

// Other prompts for each fact of a group: its paraphrases, or its relation's held-out template.
std::vector<Item> paraphrase_items(const std::vector<const facts::Fact*>& fs) {
    std::vector<Item> out;
    for (size_t i = 0; i < fs.size(); ++i)
        for (const auto& p : fs[i]->paraphrases) out.push_back({p, fs[i]->answer, (int)i});
    return out;
}
std::vector<Item> heldout_items(const std::vector<const facts::Fact*>& fs) {
    std::vector<Item> out;
    for (size_t i = 0; i < fs.size(); ++i) {
        if (fs[i]->tags.empty()) continue;
        const auto subject = corpus::subject_of_prompt(fs[i]->tags[0], fs[i]->prompt);
        if (!subject) continue;
        std::string object = fs[i]->answer;
        if (!object.empty() && object[0] == ' ') object.erase(0, 1);
        const auto pa = corpus::split_at_answer(corpus::templates_of(fs[i]->tags[0]).heldout, *subject, object);
        if (pa) out.push_back({pa->prompt, fs[i]->answer, (int)i});
    }
    return out;
}

// Never-seen statements: each forget prompt with up to eight other answers of its relation (core/eval/never_seen.h):
// a mean of probabilities is led by its few large ones, so a few answers per fact would make a noisy baseline.
std::vector<Item> never_seen_items(const facts::FactSet& set, const std::vector<const facts::Fact*>& forget, uint64_t seed) {
    std::vector<Item> out;
    for (size_t i = 0; i < forget.size(); ++i)
        for (const auto& a : never_seen_answers(set, *forget[i], seed, 8)) out.push_back({forget[i]->prompt, a, (int)i});
    return out;
}

template <class T>
std::vector<T> pick(const std::vector<T>& v, const std::vector<size_t>& idx) {
    std::vector<T> out;
    for (size_t i : idx) out.push_back(v[i]);
    return out;
}

}  // namespace

void audit_original(LoadedModel& original, const facts::FactSet& set, AuditReport& report) {
    const bool was_training = original.net->is_training();
    original.net->eval();
    const auto s = audit_sets(set);
    report.before_forget = numbers(s.forget, probe(original, s.forget), {});
    report.before_update_old = numbers(s.update_old, probe(original, s.update_old), {});
    const auto pi = paraphrase_items(s.forget_facts), hi = heldout_items(s.forget_facts);
    report.before_paraphrase = numbers(pi, probe(original, pi), {});
    report.before_heldout = numbers(hi, probe(original, hi), {});
    if (was_training) original.net->train();
}

AuditReport run_audit(LoadedModel& m, const facts::FactSet& set, const AuditOptions& o, const AuditCallbacks& cb,
                      AuditReport r) {
    const auto t0 = std::chrono::steady_clock::now();
    if (o.relearn_steps < 1 || o.samples < 1 || !(o.min_k > 0 && o.min_k <= 1) || !(o.relearn_lr > 0))
        throw Error("audit settings: relearning steps and samples must be at least 1, Min-K fraction in (0, 1], "
                    "learning rate positive");
    r.options = o;
    const auto s = audit_sets(set);
    const auto& th = r.thresholds;
    const int total = 8;
    int done = 0;
    auto stage = [&](const std::string& what) {
        if (cb.stop && cb.stop->load()) throw Error("the audit was stopped");
        if (cb.on_stage) cb.on_stage(what, done, total);
    };
    SavedWeights weights(m);
    m.net->eval();
    auto add = [&](AttackResult a, bool pass, std::string rule) {
        a.pass = pass;
        a.rule = std::move(rule);
        r.attacks.push_back(std::move(a));
    };
    const std::string em_rule = "forget exact match ≤ " + pct(th.max_exact_match);

    // The edited model as it is: every "came back" is counted against it.
    stage("probing the edited model");
    const auto pf = probe(m, s.forget), pu = probe(m, s.update_old);
    const auto edited_f = pf.match, edited_u = pu.match;
    AttackResult edited{"edited", "edited model", numbers(s.forget, pf, edited_f), numbers(s.update_old, pu, edited_u)};
    add(edited, edited.forget.exact_match <= th.max_exact_match, em_rule);
    ++done;

    // Never-seen statements: the probability level a forgotten answer should sink to, and the membership test.
    const auto ns_items = never_seen_items(set, s.forget_facts, o.seed);
    const auto pn = probe(m, ns_items);
    r.never_seen_prob = mean(pn.prob);
    r.forget_prob = edited.forget.answer_prob;
    r.forget_prob_pass = s.forget.empty() || r.forget_prob <= r.never_seen_prob;

    // Sampling: exact from the answer probability.
    auto in_samples = [&](double p) { return 1.0 - std::pow(1.0 - std::clamp(p, 0.0, 1.0), o.samples); };
    std::vector<double> ns_sampled;
    for (double p : pn.prob) ns_sampled.push_back(in_samples(p));
    r.never_seen_sampling = mean(ns_sampled);
    auto sampled = [&](const std::vector<Item>& items, const Probed& p, const std::vector<char>& was) {
        AttackNumbers a;
        a.n = (int)items.size();
        if (items.empty()) return a;
        double em = 0, em_was = 0;
        for (size_t i = 0; i < items.size(); ++i) {
            const double q = in_samples(p.prob[i]);
            em += q, em_was += was[i];
            a.came_back += q >= 0.5 && !was[i];
        }
        a.exact_match = em / a.n;
        a.answer_prob = mean(p.prob);
        a.came_back_points = 100.0 * (em - em_was) / a.n;
        return a;
    };
    AttackResult samp{"sampling", "answer among " + std::to_string(o.samples) + " samples (T = 1)",
                      sampled(s.forget, pf, edited_f), sampled(s.update_old, pu, edited_u)};
    add(samp, samp.forget.exact_match <= r.never_seen_sampling + th.max_sampling_excess,
        "P(answer among " + std::to_string(o.samples) + " samples) ≤ never-seen answers' (" + pct(r.never_seen_sampling) +
            ") + " + pct(th.max_sampling_excess));

    // Quantization as the GGUF export writes it.
    for (auto [type, id, title] : {std::tuple{gguf::TensorType::Q8_0, "q8_0", "Q8_0 quantization"},
                                   std::tuple{gguf::TensorType::Q4_0, "q4_0", "Q4_0 quantization"}}) {
        stage(title);
        quantize_round_trip(m, type);
        AttackResult a{id, title, numbers(s.forget, probe(m, s.forget), edited_f),
                       numbers(s.update_old, probe(m, s.update_old), edited_u)};
        add(a, a.forget.exact_match <= th.max_exact_match, em_rule);
        weights.restore();
        ++done;
    }

    // Relearning on half of the facts (seeded split); the other half probed.
    {
        const std::string title = "relearning on half the facts (" + std::to_string(o.relearn_steps) + " steps)";
        stage(title);
        std::mt19937_64 rng(o.seed * 7919 + 3);
        auto split = [&](size_t n) {
            std::vector<size_t> idx(n);
            for (size_t i = 0; i < n; ++i) idx[i] = i;
            for (size_t i = n; i > 1; --i) std::swap(idx[i - 1], idx[rng() % i]);
            return std::pair{std::vector<size_t>(idx.begin(), idx.begin() + (std::ptrdiff_t)(n / 2)),
                             std::vector<size_t>(idx.begin() + (std::ptrdiff_t)(n / 2), idx.end())};
        };
        const auto [tf, hf] = split(s.forget.size());
        const auto [tu, hu] = split(s.update_old.size());
        auto train = pick(s.forget, tf), more = pick(s.update_old, tu);
        train.insert(train.end(), more.begin(), more.end());
        if (!train.empty()) fine_tune(m, train, o, cb, title, done, total);
        const auto hold_f = pick(s.forget, hf), hold_u = pick(s.update_old, hu);
        AttackResult a{"relearn", title, numbers(hold_f, probe(m, hold_f), edited_f),
                       numbers(hold_u, probe(m, hold_u), edited_u)};
        const double back = a.forget.n ? (double)a.forget.came_back / a.forget.n : 0.0;
        add(a, back <= th.max_relearn_back && a.forget.exact_match <= th.max_relearn_back,
            "probed half: ≤ " + pct(th.max_relearn_back) + " come back");
        weights.restore();
        ++done;
    }

    // Benign fine-tuning on the set's retain facts.
    {
        std::vector<Item> retain;
        for (const auto& f : set.facts)
            if (!f.is_document() && f.kind == facts::Kind::Retain) retain.push_back({f.prompt, f.answer, -1});
        const std::string title = "fine-tuning on retain facts (" + std::to_string(o.relearn_steps) + " steps)";
        stage(title);
        if (!retain.empty()) {
            fine_tune(m, retain, o, cb, title, done, total);
            AttackResult a{"relearn-retain", title, numbers(s.forget, probe(m, s.forget), edited_f),
                           numbers(s.update_old, probe(m, s.update_old), edited_u)};
            add(a, a.forget.exact_match <= th.max_exact_match, em_rule);
            weights.restore();
        }
        ++done;
    }

    // Rephrasing: the paraphrases, and the relation's held-out template.
    for (auto [id, title, make] : {std::tuple{"paraphrase", "paraphrased prompts", &paraphrase_items},
                                   std::tuple{"heldout", "held-out template", &heldout_items}}) {
        stage(title);
        const auto fi = make(s.forget_facts), ui = make(s.update_facts);
        if (!fi.empty() || !ui.empty()) {
            AttackResult a{id, title, numbers(fi, probe(m, fi), edited_f), numbers(ui, probe(m, ui), edited_u)};
            add(a, a.forget.exact_match <= th.max_exact_match, em_rule);
        }
        ++done;
    }

    // Membership inference: forgotten answers against never-seen ones, on the edited model.
    stage("membership inference");
    {
        std::vector<double> mk_f, mk_n, loss_f, loss_n;
        for (const auto& sc : pf.scores) mk_f.push_back(minkpp(sc, o.min_k)), loss_f.push_back(sc.seq_logp() / sc.logp.size());
        for (const auto& sc : pn.scores) mk_n.push_back(minkpp(sc, o.min_k)), loss_n.push_back(sc.seq_logp() / sc.logp.size());
        auto& mi = r.membership;
        mi.forgotten = (int)mk_f.size();
        mi.never_seen = (int)mk_n.size();
        mi.minkpp_auroc = auroc(mk_f, mk_n);
        mi.loss_auroc = auroc(loss_f, loss_n);   // -mean NLL: higher = more likely a member
        mi.pass = std::abs(mi.minkpp_auroc - 0.5) <= th.mia_band && std::abs(mi.loss_auroc - 0.5) <= th.mia_band;
    }
    ++done;
    if (cb.on_stage) cb.on_stage("done", done, total);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

// ---------------------------------------------------------------------------------------------
// Output

bool AuditReport::pass() const {
    bool ok = forget_prob_pass && membership.pass;
    for (const auto& a : attacks) ok = ok && a.pass;
    return ok;
}

namespace {

nlohmann::json numbers_json(const AttackNumbers& a) {
    return {{"n", a.n},
            {"exact_match", a.exact_match},
            {"answer_prob", a.answer_prob},
            {"came_back", a.came_back},
            {"came_back_points", a.came_back_points}};
}

}  // namespace

std::string AuditReport::to_json() const {
    nlohmann::json j;
    j["original"] = original;
    j["edited"] = edited;
    j["pass"] = pass();
    j["seconds"] = seconds;
    j["options"] = {{"relearn_steps", options.relearn_steps}, {"relearn_lr", options.relearn_lr},
                    {"samples", options.samples}, {"min_k", options.min_k}, {"seed", options.seed}};
    j["thresholds"] = {{"max_exact_match", thresholds.max_exact_match},
                       {"max_relearn_back", thresholds.max_relearn_back},
                       {"max_sampling_excess", thresholds.max_sampling_excess},
                       {"mia_band", thresholds.mia_band}};
    j["before"] = nlohmann::json();
    if (before_forget) {
        j["before"] = {{"forget", numbers_json(*before_forget)}, {"update_old", numbers_json(*before_update_old)}};
        if (before_paraphrase) j["before"]["paraphrase"] = numbers_json(*before_paraphrase);
        if (before_heldout) j["before"]["heldout"] = numbers_json(*before_heldout);
    }
    j["probability"] = {{"forget", forget_prob}, {"never_seen", never_seen_prob},
                        {"never_seen_sampling", never_seen_sampling}, {"pass", forget_prob_pass}};
    nlohmann::json attacks_j = nlohmann::json::array();
    for (const auto& a : attacks)
        attacks_j.push_back({{"id", a.id}, {"title", a.title}, {"pass", a.pass}, {"rule", a.rule},
                             {"forget", numbers_json(a.forget)}, {"update_old", numbers_json(a.update_old)}});
    j["attacks"] = attacks_j;
    j["membership"] = {{"forgotten", membership.forgotten}, {"never_seen", membership.never_seen},
                       {"minkpp_auroc", membership.minkpp_auroc}, {"loss_auroc", membership.loss_auroc},
                       {"pass", membership.pass}};
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string AuditReport::to_markdown() const {
    std::string o;
    char b[512];
    auto p3 = [&](double v) {
        std::snprintf(b, sizeof b, "%.3f", v);
        return std::string(b);
    };
    auto pc = [&](double v) {
        std::snprintf(b, sizeof b, "%.1f%%", 100 * v);
        return std::string(b);
    };
    o += "## Forgetting audit: " + std::string(pass() ? "passed" : "FAILED") + "\n\n";
    o += "Answer probability = P(whole answer | prompt). Never-seen answers (each forget prompt with another answer of "
         "its relation): mean probability " + p3(never_seen_prob) + "; forgotten answers: " + p3(forget_prob) +
         (forget_prob_pass ? " (at or below: pass)" : " (above: FAIL)") + ".\n\n";
    o += "| attack | forget n | forget exact match | forget P(answer) | came back | old answers exact match | old P(answer) | "
         "verdict |\n|---|---|---|---|---|---|---|---|\n";
    if (before_forget) {
        o += "| original model (before surgery) | " + std::to_string(before_forget->n) + " | " + pc(before_forget->exact_match) +
             " | " + p3(before_forget->answer_prob) + " | – | " +
             (before_update_old->n ? pc(before_update_old->exact_match) : std::string("–")) + " | " +
             (before_update_old->n ? p3(before_update_old->answer_prob) : std::string("–")) + " | |\n";
    }
    for (const auto& a : attacks) {
        o += "| " + a.title + " | " + std::to_string(a.forget.n) + " | " + pc(a.forget.exact_match) + " | " +
             p3(a.forget.answer_prob) + " | " + std::to_string(a.forget.came_back) + " | " +
             (a.update_old.n ? pc(a.update_old.exact_match) : std::string("–")) + " | " +
             (a.update_old.n ? p3(a.update_old.answer_prob) : std::string("–")) + " | " + (a.pass ? "pass" : "FAIL") +
             " (" + a.rule + ") |\n";
    }
    if (before_paraphrase && before_heldout)
        o += "\nThe original model answered the forget facts' paraphrases " + pc(before_paraphrase->exact_match) +
             " and their held-out template " + pc(before_heldout->exact_match) +
             " (what the rephrasing attacks could bring back).\n";
    std::snprintf(b, sizeof b,
                  "\nMembership inference (forgotten vs never-seen answers, %d vs %d): Min-K%%++ AUROC %.3f, loss AUROC "
                  "%.3f: %s (0.5 ± %.2f)\n",
                  membership.forgotten, membership.never_seen, membership.minkpp_auroc, membership.loss_auroc,
                  membership.pass ? "pass" : "FAIL", thresholds.mia_band);
    o += b;
    return o;
}

void AuditReport::save(const std::string& path) const {
    const bool md = path.size() > 3 && path.compare(path.size() - 3, 3, ".md") == 0;
    io::write_file_atomic(path, md ? "# Audit\n\n" + to_markdown() : to_json());
}

}  // namespace llms::eval
