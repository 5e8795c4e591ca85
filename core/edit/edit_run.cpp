#include "core/edit/edit_run.h"

#include "core/common/error.h"
#include "core/edit/causal_trace.h"
#include "core/edit/key_covariance.h"
#include "core/edit/memit.h"
#include "core/edit/rome.h"
#include "core/edit/subject.h"
#include "core/generate/generate.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>

namespace llms::edit {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string with_space(const std::string& s) { return !s.empty() && s[0] != ' ' ? " " + s : s; }

std::string mean_text(const std::vector<double>& v) {   // "0.031 mean, 0.120 max"
    double sum = 0, mx = 0;
    for (double x : v) sum += x, mx = std::max(mx, x);
    char b[64];
    std::snprintf(b, sizeof b, "%.3f mean, %.3f max", v.empty() ? 0.0 : sum / v.size(), mx);
    return b;
}

}  // namespace

const char* stage_name(EditProgress::Stage s) {
    switch (s) {
    case EditProgress::Stage::Trace: return "causal trace";
    case EditProgress::Stage::Covariance: return "key covariance";
    case EditProgress::Stage::Targets: return "target vectors";
    case EditProgress::Stage::Update: return "weight update";
    }
    return "?";
}

std::vector<EditRequest> edit_requests(const facts::FactSet& set, const facts::FactSet& retain_pool, const EditSettings& s,
                                       const Tokenizer& tok) {
    auto holds_subject = [&](const std::string& text, const std::string& subject) {
        try {
            (void)subject_span(tok, text, subject);
            return true;
        } catch (const Error&) {
            return false;
        }
    };
    std::multimap<std::string, std::string> known;   // subject -> prompt
    std::map<std::string, std::pair<std::string, std::string>> relations;   // first tag -> the prompt around its subject
    for (const auto* fs : {&set, &retain_pool})
        for (const auto& f : fs->facts) {
            if (f.is_document() || f.kind != facts::Kind::Retain) continue;
            const auto subject = subject_of_fact(f);
            known.emplace(subject, f.prompt);
            if (const auto at = f.prompt.find(subject); !f.tags.empty() && at != std::string::npos)
                relations.emplace(f.tags[0], std::pair(f.prompt.substr(0, at), f.prompt.substr(at + subject.size())));
        }
    std::vector<EditRequest> out;
    for (const auto& f : set.facts) {
        if (f.is_document() || f.kind == facts::Kind::Retain) continue;
        EditRequest r;
        r.id = f.id;
        r.prompt = f.prompt;
        r.subject = subject_of_fact(f);
        r.target = f.kind == facts::Kind::Update ? f.new_answer : with_space(s.forget_target);
        (void)subject_span(tok, r.prompt, r.subject);   // fail before any work
        const auto [a, b] = known.equal_range(r.subject);
        for (auto it = a; it != b && (int)r.keep.size() < s.keep_prompts; ++it)
            if (it->second != r.prompt && holds_subject(it->second, r.subject)) r.keep.push_back(it->second);
        int asked = 0;
        for (const auto& [tag, around] : relations) {
            if (asked == s.keep_relations) break;
            const auto text = around.first + r.subject + around.second;
            if ((f.tags.empty() || tag != f.tags[0]) && text != r.prompt &&
                std::find(r.keep.begin(), r.keep.end(), text) == r.keep.end() && holds_subject(text, r.subject))
                r.keep.push_back(text), ++asked;
        }
        if (s.start_keys) {
            if (holds_subject(r.subject, r.subject)) r.starts.push_back(r.subject);
            if (std::islower((unsigned char)r.subject[0])) {
                auto upper = r.subject;
                upper[0] = (char)std::toupper((unsigned char)upper[0]);
                if (holds_subject(upper, upper)) r.starts.push_back(upper);
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<std::vector<int32_t>> covariance_texts(LoadedModel& m, const facts::FactSet& retain_pool, int64_t max_tokens,
                                                   uint64_t seed) {
    std::vector<std::vector<int32_t>> out;
    int64_t n = 0;
    auto add = [&](const std::string& text) {
        if (n >= max_tokens || text.empty()) return;
        out.push_back(m.tok().encode(text));
        n += (int64_t)out.back().size();
    };
    for (const auto& f : retain_pool.facts) {
        if (f.is_document()) {
            add(f.text);
            continue;
        }
        add(f.prompt + f.answer);
        for (const auto& p : f.paraphrases) add(p + f.answer);
    }
    const int len = (int)std::min<int64_t>(64, m.net->config.max_position_embeddings - 1);
    for (uint64_t round = 0; n < max_tokens && round < 1000; ++round) {
        const int rows = (int)std::clamp<int64_t>((max_tokens - n) / len + 1, 1, 256);
        for (auto& ids : sample_from_bos(m.net, rows, len, seed + 7919 * (round + 1))) {
            if (n >= max_tokens) break;
            n += (int64_t)ids.size();
            out.push_back(std::move(ids));
        }
    }
    return out;
}

std::vector<int> resolve_layers(LoadedModel& m, const facts::FactSet& set, const surgery::SurgeryConfig& cfg,
                                const EditCallbacks& cb, TraceSummary* trace) {
    const int L = (int)m.config.num_hidden_layers;
    const auto& s = cfg.edit;
    if (L < 2) throw Error("a one-layer model cannot be edited in closed form: no attention follows its MLP");
    auto layers = parse_edit_layers(s.layers, L);
    if (!layers.empty() && layers.back() == L - 1)
        throw Error("edit layer " + std::to_string(L - 1) + " is the last layer: its output at the subject reaches no later "
                    "token, so an edit there cannot change the answer; choose layers 0-" + std::to_string(L - 2));
    if (!layers.empty()) return cfg.method == surgery::Method::Rome ? std::vector<int>{layers.back()} : layers;
    const int span = cfg.method == surgery::Method::Rome ? 1 : s.memit_span > 0 ? s.memit_span : L <= 8 ? 2 : L / 5;
    TraceOptions o;
    o.samples = s.trace_samples;
    o.seed = cfg.seed;
    const auto to_trace = facts_to_trace(set, s.trace_facts);
    const auto t0 = Clock::now();
    auto summary = trace_facts(m, to_trace, o, cb.stop, [&](int done, int total) {
        if (cb.on_progress) cb.on_progress({EditProgress::Stage::Trace, done, total, since(t0), ""});
    });
    summary.chosen_layers = choose_layers(summary.mlp_effect, L, span);
    if (trace) *trace = summary;
    return summary.chosen_layers;
}

surgery::SurgeryOutcome run_edit(LoadedModel& m, const facts::FactSet& set, const surgery::SurgeryConfig& cfg,
                                 const facts::FactSet& retain_pool, const EditCallbacks& cb, EditRecord* record) {
    if (cfg.method != surgery::Method::Rome && cfg.method != surgery::Method::Memit)
        throw Error("internal: run_edit needs the rome or memit method");
    if (!cfg.lora.empty()) throw Error("ROME and MEMIT edit the weights themselves: LoRA does not apply to them");
    const auto& s = cfg.edit;
    const auto start = Clock::now();
    surgery::SurgeryOutcome out;
    EditRecord rec;
    rec.method = surgery::method_name(cfg.method);
    auto stopped = [&] { return cb.stop && cb.stop->load(); };
    auto finish_stopped = [&](const std::string& where) {
        out.end = surgery::SurgeryOutcome::End::Stopped;
        out.message = "stopped by user " + where;
        out.seconds = since(start);
        if (record) *record = rec;
        return out;
    };

    const auto requests = edit_requests(set, retain_pool, s, m.tok());
    size_t documents = 0;
    for (const auto& f : set.facts) documents += f.is_document() && f.kind != facts::Kind::Retain;
    if (requests.empty()) throw Error("nothing to edit: " + rec.method + " rewrites forget and update facts (none in the set)");

    rec.layers = resolve_layers(m, set, cfg, cb, &rec.trace);
    if (stopped()) return finish_stopped("during the causal trace");

    // The key covariance of each edited layer (on the unedited model, like the reference: C stays the original's).
    const auto texts = covariance_texts(m, retain_pool, s.cov_samples, cfg.seed);
    std::vector<at::Tensor> covs;
    for (int layer : rec.layers) {
        CovarianceOptions co;
        co.max_tokens = s.cov_samples;
        co.cache_dir = s.cache_dir.empty() ? default_covariance_cache() : std::filesystem::path(s.cache_dir);
        co.stop = cb.stop;
        const auto t0 = Clock::now();
        co.progress = [&](int64_t done, int64_t total) {
            if (cb.on_progress)
                cb.on_progress({EditProgress::Stage::Covariance, done, total, since(t0), "layer " + std::to_string(layer)});
        };
        auto c = key_covariance(m, layer, texts, co);
        if (c.stopped) return finish_stopped("during the key covariance");
        rec.covariance_tokens = c.tokens;
        rec.covariance_cached = c.from_cache;
        out.forward_tokens += c.from_cache ? 0 : c.tokens;
        covs.push_back(c.C);
    }

    const auto t0 = Clock::now();
    if (cfg.method == surgery::Method::Rome) {
        const auto steps = apply_rome(m, requests, rec.layers[0], covs[0], s, cfg.seed, cb.stop,
                                      [&](int done, int total, const std::string& what) {
                                          if (cb.on_progress)
                                              cb.on_progress({EditProgress::Stage::Update, done, total, since(t0), what});
                                      });
        for (const auto& st : steps) rec.target_nll.push_back(st.target_nll);
        rec.facts_edited = (int)steps.size();
    } else {
        const auto r = apply_memit(m, requests, rec.layers, covs, s, cfg.seed, cb.stop,
                                   [&](int stage, int done, int total, const std::string& what) {
                                       if (cb.on_progress)
                                           cb.on_progress({stage == 0 ? EditProgress::Stage::Targets : EditProgress::Stage::Update,
                                                           done, total, since(t0), what});
                                   });
        if (r.stopped) return finish_stopped("while computing the target vectors (the model is unchanged)");
        rec.target_nll = r.target_nll;
        rec.facts_edited = (int)requests.size();
    }
    if (rec.facts_edited < (int)requests.size())
        return finish_stopped("after " + std::to_string(rec.facts_edited) + " of " + std::to_string(requests.size()) + " facts");

    std::string layers_text = std::to_string(rec.layers.front());
    if (rec.layers.size() > 1) layers_text += "-" + std::to_string(rec.layers.back());
    out.end = surgery::SurgeryOutcome::End::Completed;
    out.steps_done = rec.facts_edited;
    out.seconds = since(start);
    out.message = rec.method + ": " + std::to_string(rec.facts_edited) + " facts edited at layer" +
                  (rec.layers.size() > 1 ? "s " : " ") + layers_text + (s.layers == "auto" ? " (causal trace)" : "") +
                  ", key covariance over " + std::to_string(rec.covariance_tokens) + " tokens" +
                  (rec.covariance_cached ? " (cached)" : "") + ", target NLL " + mean_text(rec.target_nll) + " nats/token" +
                  (documents ? "; " + std::to_string(documents) + " documents skipped (not editable in closed form)" : "");
    if (record) *record = rec;
    return out;
}

}  // namespace llms::edit
