#include "core/eval/report.h"

#include "core/common/error.h"
#include "core/eval/answer_tokens.h"
#include "core/eval/exact_match.h"
#include "core/generate/generate.h"
#include "core/io/atomic_write.h"
#include "core/model/model_loader.h"
#include "core/surgery/objective.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

namespace llms::eval {

namespace {

constexpr int64_t kTopK = 64;     // θ0 cached as top-K log-probs + remainder mass (see surgery/objective.h)
constexpr size_t kChunk = 32;     // rows per forward, at most
// ... and fewer when [rows, T, V] fp32 would pass this: each such tensor (logits, log-softmax, the KL's temporaries)
// is that big, and at a real vocabulary 32 rows of 60 tokens are about a gigabyte each.
constexpr int64_t kChunkBytes = 256ll << 20;

struct RefDist {
    at::Tensor idx, logp;         // [L-1, K] CPU
};

// A scored sequence: ids with the answer from answer_start on.
struct Item {
    AnswerTokens tokens;
    int fact = -1;                // index into the set (or collateral set)
};

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> w;
    std::istringstream is(s);
    for (std::string x; is >> x;) {
        std::string y;
        for (char c : x)
            if (!std::ispunct((unsigned char)c)) y += (char)std::tolower((unsigned char)c);
        if (!y.empty()) w.push_back(y);
    }
    return w;
}

}  // namespace

double rouge_l_recall(const std::string& candidate, const std::string& reference) {
    auto c = words(candidate), r = words(reference);
    if (r.empty()) return 0.0;
    std::vector<std::vector<int>> d(c.size() + 1, std::vector<int>(r.size() + 1, 0));
    for (size_t i = 1; i <= c.size(); ++i)
        for (size_t j = 1; j <= r.size(); ++j)
            d[i][j] = c[i - 1] == r[j - 1] ? d[i - 1][j - 1] + 1 : std::max(d[i - 1][j], d[i][j - 1]);
    return (double)d[c.size()][r.size()] / r.size();
}

KnownSplit split_known_facts(const facts::FactSet& known, const facts::FactSet& set, uint64_t seed,
                             size_t max_collateral) {
    std::set<std::string> used;
    for (const auto& f : set.facts) {
        used.insert(f.prompt);
        for (const auto& p : f.paraphrases) used.insert(p);
    }
    std::vector<const facts::Fact*> free;
    for (const auto& f : known.facts)
        if (!f.is_document() && !used.count(f.prompt)) free.push_back(&f);
    std::mt19937_64 rng(seed);
    for (size_t i = free.size(); i > 1; --i) std::swap(free[i - 1], free[rng() % i]);
    const size_t nc = std::min({max_collateral, free.size(), std::max<size_t>(500, free.size() / 2)});
    KnownSplit s;
    for (size_t i = 0; i < free.size(); ++i) {
        facts::Fact f = *free[i];
        f.kind = facts::Kind::Retain;
        (i < nc ? s.collateral : s.retain_pool).facts.push_back(std::move(f));
    }
    return s;
}

struct Evaluator::Impl {
    facts::FactSet set, collateral;
    std::vector<std::string> heldout;
    bool have_ref = false;
    std::vector<RefDist> ref_retain, ref_collateral;

    // Teacher-forced pass over items: per-item mean answer NLL; optionally θ0's top-K (make_ref) or the
    // KL against it (ref). kl_sum/kl_n accumulate per-token KL over all positions.
    void score(LoadedModel& m, const std::vector<Item>& items, std::vector<double>* nll, std::vector<RefDist>* make_ref,
               const std::vector<RefDist>* ref, double* kl_sum, double* kl_n) {
        torch::NoGradGuard ng;
        const auto dev = m.device;
        const int64_t K = std::min<int64_t>(kTopK, m.config.vocab_size);
        int64_t longest = 1;
        for (const auto& it : items) longest = std::max<int64_t>(longest, (int64_t)it.tokens.ids.size() - 1);
        const size_t rows = (size_t)std::clamp<int64_t>(kChunkBytes / (longest * m.config.vocab_size * 4), 1, kChunk);
        for (size_t s = 0; s < items.size(); s += rows) {
            const size_t e = std::min(items.size(), s + rows);
            const int64_t R = (int64_t)(e - s);
            int64_t T = 1;
            for (size_t i = s; i < e; ++i) T = std::max<int64_t>(T, (int64_t)items[i].tokens.ids.size() - 1);
            auto input = at::zeros({R, T}, at::kLong), target = at::zeros({R, T}, at::kLong);
            auto ans = at::zeros({R, T}, at::kFloat), all = at::zeros({R, T}, at::kFloat);
            auto ridx = at::zeros({R, T, K}, at::kLong);
            auto rlogp = at::zeros({R, T, K}, at::kFloat);
            for (int64_t r = 0; r < R; ++r) {
                const auto& it = items[s + r].tokens;
                const int64_t L = (int64_t)it.ids.size() - 1;
                for (int64_t t = 0; t < L; ++t) input[r][t] = it.ids[t], target[r][t] = it.ids[t + 1];
                ans[r].narrow(0, (int64_t)it.answer_start - 1, L - ((int64_t)it.answer_start - 1)).fill_(1.0);
                all[r].narrow(0, 0, L).fill_(1.0);
                if (ref) {
                    ridx[r].narrow(0, 0, L).copy_((*ref)[s + r].idx);
                    rlogp[r].narrow(0, 0, L).copy_((*ref)[s + r].logp);
                }
            }
            input = input.to(dev), target = target.to(dev), ans = ans.to(dev), all = all.to(dev);
            auto logp = at::log_softmax(m.net->forward(input), -1);   // [R, T, V]
            if (nll) {
                auto rn = surgery::row_nll(logp, target, ans).to(at::kCPU);
                for (int64_t r = 0; r < R; ++r) nll->push_back(rn[r].item<double>());
            }
            if (make_ref) {
                auto [top, idx] = logp.topk(K, -1);
                for (int64_t r = 0; r < R; ++r) {
                    const int64_t L = (int64_t)items[s + r].tokens.ids.size() - 1;
                    make_ref->push_back({idx[r].narrow(0, 0, L).to(at::kCPU).clone(), top[r].narrow(0, 0, L).to(at::kCPU).clone()});
                }
            }
            if (ref) {
                const double n = all.sum().item<double>();
                *kl_sum += surgery::cached_kl(logp, ridx.to(dev), rlogp.to(dev), all).item<double>() * n;
                *kl_n += n;
            }
        }
    }

    // All metrics of one set. targets[i] is what fact i should answer; kind: name of the set.
    SetMetrics measure_set(LoadedModel& m, const std::vector<const facts::Fact*>& fs, const std::vector<std::string>& targets,
                           const std::string& kind, std::vector<RefDist>* refs, std::vector<FactOutcome>* outcomes) {
        SetMetrics sm;
        sm.n = (int)fs.size();
        if (fs.empty()) return sm;
        const Tokenizer& tok = m.tok();
        std::vector<Item> items;
        std::vector<std::vector<int32_t>> prompts;
        int max_new = 1;
        for (size_t i = 0; i < fs.size(); ++i) {
            items.push_back({tokenize_answer(tok, fs[i]->prompt, targets[i]), (int)i});
            prompts.push_back(tok.encode(fs[i]->prompt));
            max_new = std::max<int>(max_new, (int)items.back().tokens.answer_len() + 2);
        }
        std::vector<double> nll;
        double kl_sum = 0, kl_n = 0;
        const bool want_kl = refs != nullptr;
        if (want_kl && !have_ref) {
            refs->clear();
            score(m, items, &nll, refs, nullptr, nullptr, nullptr);
            sm.kl = 0.0;
        } else {
            score(m, items, &nll, nullptr, want_kl ? refs : nullptr, &kl_sum, &kl_n);
            if (want_kl) sm.kl = kl_n > 0 ? kl_sum / kl_n : 0.0;
        }
        auto completions = greedy_completions(m, prompts, max_new);
        double em = 0, prob = 0, mean_nll = 0, rouge = 0;
        for (size_t i = 0; i < fs.size(); ++i) {
            const bool match = starts_with_answer(completions[i], targets[i]);
            em += match;
            const double p_answer = std::exp(-nll[i] * (double)items[i].tokens.answer_len());   // whole answer
            prob += p_answer;
            mean_nll += nll[i];
            rouge += rouge_l_recall(completions[i], targets[i]);
            if (outcomes)
                outcomes->push_back({fs[i]->id, kind, fs[i]->prompt, targets[i], completions[i], match, p_answer});
        }
        const double n = (double)fs.size();
        sm.exact_match = em / n, sm.answer_prob = prob / n, sm.nll = mean_nll / n, sm.rouge_l = rouge / n;
        // Collateral damage is exact match and KL only (the report carries nothing else for it): its hundreds
        // of facts skip the 3x MCQA scoring and the paraphrase generations.
        if (kind == "collateral") return sm;
        sm.mcqa_acc = mcqa(m, fs, targets);
        // Paraphrases: held-out prompts for the same fact.
        std::vector<std::vector<int32_t>> pp;
        std::vector<std::string> pt;
        for (size_t i = 0; i < fs.size(); ++i)
            for (const auto& p : fs[i]->paraphrases) pp.push_back(tok.encode(p)), pt.push_back(targets[i]);
        if (!pp.empty()) {
            auto pc = greedy_completions(m, pp, max_new);
            double ok = 0;
            for (size_t i = 0; i < pp.size(); ++i) ok += starts_with_answer(pc[i], pt[i]);
            sm.paraphrase_acc = ok / pp.size();
        }
        return sm;
    }

    // 3-option multiple choice: the option whose answer tokens have the lowest perplexity wins.
    double mcqa(LoadedModel& m, const std::vector<const facts::Fact*>& fs, const std::vector<std::string>& targets) {
        // Distractor pool: answers of every fact we know of, by tag (relation) first.
        std::map<std::string, std::vector<std::string>> by_tag;
        std::vector<std::string> any;
        for (const auto* pool : {&set, &collateral})
            for (const auto& f : pool->facts) {
                for (const auto* a : {&f.answer, &f.new_answer})
                    if (!a->empty()) {
                        any.push_back(*a);
                        for (const auto& t : f.tags) by_tag[t].push_back(*a);
                    }
            }
        std::vector<Item> items;
        std::vector<std::pair<size_t, size_t>> ranges;   // per fact: [begin, end) in items; target first
        std::mt19937_64 rng(1234);
        for (size_t i = 0; i < fs.size(); ++i) {
            std::vector<std::string> opts = {targets[i]};
            auto add = [&](const std::string& o) {
                if (!o.empty() && opts.size() < 3 && std::find(opts.begin(), opts.end(), o) == opts.end()) opts.push_back(o);
            };
            for (const auto& o : fs[i]->options) add(o);
            if (fs[i]->kind == facts::Kind::Update) add(fs[i]->answer == targets[i] ? fs[i]->new_answer : fs[i]->answer);
            const auto& tagged = fs[i]->tags.empty() || !by_tag.count(fs[i]->tags[0]) ? any : by_tag[fs[i]->tags[0]];
            for (int tries = 0; opts.size() < 3 && tries < 64 && !tagged.empty(); ++tries) add(tagged[rng() % tagged.size()]);
            for (int tries = 0; opts.size() < 3 && tries < 64 && !any.empty(); ++tries) add(any[rng() % any.size()]);
            const size_t b = items.size();
            for (const auto& o : opts) items.push_back({tokenize_answer(m.tok(), fs[i]->prompt, o), (int)i});
            ranges.push_back({b, items.size()});
        }
        std::vector<double> nll;
        score(m, items, &nll, nullptr, nullptr, nullptr, nullptr);
        double ok = 0;
        for (auto [b, e] : ranges) {
            size_t best = b;
            for (size_t j = b; j < e; ++j)
                if (nll[j] < nll[best]) best = j;
            ok += best == b && e - b > 1;
        }
        return fs.empty() ? 0.0 : ok / fs.size();
    }

    std::optional<double> fluency(LoadedModel& m) {
        if (heldout.empty()) return std::nullopt;
        std::vector<Item> items;
        for (const auto& line : heldout) {
            auto ids = m.tok().encode(line);
            if (ids.size() > (size_t)m.config.max_position_embeddings) ids.resize(m.config.max_position_embeddings);
            if (ids.size() < 2) continue;
            items.push_back({AnswerTokens{ids, 1}, -1});
        }
        std::vector<double> nll;
        score(m, items, &nll, nullptr, nullptr, nullptr, nullptr);
        double sum = 0, n = 0;
        for (size_t i = 0; i < items.size(); ++i) {
            const double len = (double)items[i].tokens.ids.size() - 1;
            sum += nll[i] * len, n += len;
        }
        return n > 0 ? std::optional<double>(std::exp(sum / n)) : std::nullopt;
    }

    Measurement measure(LoadedModel& m) {
        (void)m.tok();   // text metrics need the tokenizer: say so up front
        const bool was_training = m.net->is_training();
        m.net->eval();
        Measurement out;
        std::vector<const facts::Fact*> fg, up, rt, co;
        std::vector<std::string> tf, tu, tr, tc;
        for (const auto& f : set.facts) {
            if (f.is_document()) continue;
            if (f.kind == facts::Kind::Forget) fg.push_back(&f), tf.push_back(f.answer);
            if (f.kind == facts::Kind::Update) up.push_back(&f), tu.push_back(f.new_answer);
            if (f.kind == facts::Kind::Retain) rt.push_back(&f), tr.push_back(f.answer);
        }
        for (const auto& f : collateral.facts)
            if (!f.is_document() && !f.answer.empty()) co.push_back(&f), tc.push_back(f.answer);
        out.forget = measure_set(m, fg, tf, "forget", nullptr, &out.facts);
        out.update = measure_set(m, up, tu, "update", nullptr, &out.facts);
        out.retain = measure_set(m, rt, tr, "retain", &ref_retain, &out.facts);
        out.collateral = measure_set(m, co, tc, "collateral", &ref_collateral, nullptr);
        out.fluency_ppl = fluency(m);
        have_ref = true;
        if (was_training) m.net->train();
        return out;
    }
};

Evaluator::Evaluator(const facts::FactSet& set, const facts::FactSet& collateral, std::vector<std::string> heldout)
    : impl_(std::make_unique<Impl>()) {
    impl_->set = set;
    impl_->collateral = collateral;
    impl_->heldout = std::move(heldout);
}
Evaluator::~Evaluator() = default;
Measurement Evaluator::measure(LoadedModel& model) { return impl_->measure(model); }

// ---------------------------------------------------------------------------------------------
// Report output

namespace {

nlohmann::json set_json(const SetMetrics& s, bool collateral) {
    nlohmann::json j = {{"n", s.n}, {"exact_match", s.exact_match}, {"kl", s.kl ? nlohmann::json(*s.kl) : nlohmann::json()}};
    if (collateral) {
        if (!s.kl) j.erase("kl");
        return j;
    }
    j["answer_prob"] = s.answer_prob;
    j["nll"] = s.nll;
    j["mcqa_acc"] = s.mcqa_acc;
    j["rouge_l"] = s.rouge_l;
    if (s.paraphrase_acc) j["paraphrase_acc"] = *s.paraphrase_acc;
    if (!s.kl) j.erase("kl");
    return j;
}

}  // namespace

std::string Report::to_json() const {
    nlohmann::json j;
    j["model"] = model;
    j["method"] = method;
    j["preset"] = preset;
    j["steps"] = steps;
    j["seconds"] = seconds;
    j["tokens"] = tokens;
    j["outcome"] = outcome;
    j["answer_prob_definition"] = kAnswerProbDefinition;
    const std::pair<const char*, SetMetrics Measurement::*> sets[] = {
        {"forget", &Measurement::forget}, {"update", &Measurement::update},
        {"retain", &Measurement::retain}, {"collateral", &Measurement::collateral}};
    for (auto [name, field] : sets) {
        const bool col = std::string(name) == "collateral";
        j[name] = {{"before", before ? set_json((*before).*field, col) : nlohmann::json()},
                   {"after", set_json(after.*field, col)}};
    }
    j["fluency_ppl"] = {{"before", before && before->fluency_ppl ? nlohmann::json(*before->fluency_ppl) : nlohmann::json()},
                        {"after", after.fluency_ppl ? nlohmann::json(*after.fluency_ppl) : nlohmann::json()}};
    nlohmann::json facts = nlohmann::json::array();
    for (size_t i = 0; i < after.facts.size(); ++i) {
        const auto& a = after.facts[i];
        nlohmann::json f = {{"id", a.id}, {"set", a.set}, {"prompt", a.prompt}, {"target", a.target},
                            {"after", {{"completion", a.completion}, {"match", a.match}, {"answer_prob", a.answer_prob}}}};
        if (before && i < before->facts.size()) {
            const auto& b = before->facts[i];
            f["before"] = {{"completion", b.completion}, {"match", b.match}, {"answer_prob", b.answer_prob}};
        }
        facts.push_back(f);
    }
    j["facts"] = facts;
    if (audit) j["audit"] = nlohmann::json::parse(audit->to_json());
    // Completions and prompts are not always valid UTF-8 (CSV facts, a byte-level model's partial characters):
    // replaced with U+FFFD rather than failing the whole report.
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string Report::to_markdown() const {
    std::ostringstream o;
    char buf[256];
    auto pct = [&](double v) { std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v); return std::string(buf); };
    auto num = [&](double v) { std::snprintf(buf, sizeof buf, "%.4g", v); return std::string(buf); };
    o << "# Surgery report\n\n";
    o << "- model: `" << model << "`\n- method: " << method << " (preset " << preset << ")\n";
    o << "- " << outcome << "; " << steps << " steps, " << num(seconds) << " s, " << tokens << " tokens\n\n";
    o << "| set | n | metric | before | after |\n|---|---|---|---|---|\n";
    const std::pair<const char*, SetMetrics Measurement::*> sets[] = {
        {"forget", &Measurement::forget}, {"update", &Measurement::update},
        {"retain", &Measurement::retain}, {"collateral", &Measurement::collateral}};
    for (auto [name, field] : sets) {
        const SetMetrics& a = after.*field;
        if (a.n == 0) continue;
        const SetMetrics* b = before ? &((*before).*field) : nullptr;
        auto row = [&](const char* metric, double av, std::optional<double> bv, bool percent) {
            o << "| " << name << " | " << a.n << " | " << metric << " | "
              << (bv ? (percent ? pct(*bv) : num(*bv)) : std::string("–")) << " | " << (percent ? pct(av) : num(av)) << " |\n";
        };
        row("exact match", a.exact_match, b ? std::optional(b->exact_match) : std::nullopt, true);
        if (std::string(name) != "collateral") {
            row("answer probability (whole answer)", a.answer_prob, b ? std::optional(b->answer_prob) : std::nullopt, false);
            row("MCQA accuracy", a.mcqa_acc, b ? std::optional(b->mcqa_acc) : std::nullopt, true);
            row("ROUGE-L recall", a.rouge_l, b ? std::optional(b->rouge_l) : std::nullopt, false);
            if (a.paraphrase_acc)
                row("paraphrase accuracy", *a.paraphrase_acc, b && b->paraphrase_acc ? b->paraphrase_acc : std::nullopt, true);
        }
        if (a.kl) row("KL(θ0‖θ) nats/token", *a.kl, b ? b->kl : std::nullopt, false);
    }
    if (after.fluency_ppl)
        o << "| held-out text | | perplexity | " << (before && before->fluency_ppl ? num(*before->fluency_ppl) : "–")
          << " | " << num(*after.fluency_ppl) << " |\n";
    if (audit) o << "\n" << audit->to_markdown();
    o << "\n## Facts\n\n| set | prompt | target | before | after |\n|---|---|---|---|---|\n";
    auto cell = [](std::string s) {
        for (auto& c : s)
            if (c == '|' || c == '\n') c = ' ';
        return s;
    };
    for (size_t i = 0; i < after.facts.size(); ++i) {
        const auto& a = after.facts[i];
        o << "| " << a.set << " | " << cell(a.prompt) << " | " << cell(a.target) << " | ";
        if (before && i < before->facts.size())
            o << (before->facts[i].match ? "✔ " : "✘ ") << cell(before->facts[i].completion);
        o << " | " << (a.match ? "✔ " : "✘ ") << cell(a.completion) << " |\n";
    }
    return o.str();
}

void Report::save(const std::string& path) const {
    const bool md = path.size() > 3 && path.compare(path.size() - 3, 3, ".md") == 0;
    io::write_file_atomic(path, md ? to_markdown() : to_json());
}

}  // namespace llms::eval
