// The surgery loop. Reads top to bottom: rows from facts -> θ0 cache -> for each step: sample a fused batch,
// one forward, the terms, guards, AdamW step, metrics; every eval_every steps: target check + snapshot.
#include "core/surgery/trainer.h"

#include "core/common/autocast.h"
#include "core/common/error.h"
#include "core/common/fused_adamw.h"
#include "core/common/lr_schedule.h"
#include "core/common/memory_available.h"
#include "core/distributed/process_group.h"
#include "core/eval/answer_tokens.h"
#include "core/eval/exact_match.h"
#include "core/eval/never_seen.h"
#include "core/generate/generate.h"
#include "core/model/lora.h"
#include "core/model/model_loader.h"
#include "core/surgery/objective.h"
#include "core/surgery/trainable_params.h"
#include "core/surgery/trainable_spec.h"
#include "core/surgery/training_batch.h"
#include "core/surgery/vocab_chunks.h"

#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <chrono>
#include <cmath>
#include <random>
#include <set>
#include <thread>

namespace llms::surgery {

namespace {

// A fact to check for the early-stop targets.
struct Target {
    Term term;
    std::vector<int32_t> prompt_ids;
    std::string answer;          // forget: the answer that must go; update: the new answer that must come
};

using Clock = std::chrono::steady_clock;

// Positions a row trains (a fact row: its answer tokens).
double trained_positions(const Row& r) { return (double)(r.ids.size() - 1 - r.target_from); }

// Nats per answer token past its never-seen bound at which a forgotten row is descended back toward it.
constexpr double kPullBackMargin = 0.5;

std::vector<int32_t> chunk(const std::vector<int32_t>& ids, size_t from, size_t len) {
    std::vector<int32_t> out(ids.begin() + from, ids.begin() + std::min(ids.size(), from + len));
    return out;
}

}  // namespace

struct Trainer::Impl {
    LoadedModel& m;
    SurgeryConfig cfg;
    dist::Group single;                              // the group of one, when no other is given
    dist::Group& dp;                                 // data parallel: this rank and the others (one: itself)
    std::vector<Row> rows;
    std::vector<Target> targets;
    std::mt19937_64 rng;
    std::vector<at::Tensor> params;                  // trainable
    std::vector<at::Tensor> snapshot;                // last good trained weights, same order as params
    std::vector<at::Tensor> all_params;
    int64_t K = 64;
    bool bf16 = false;                               // autocast for the training forward and the θ0 cache
    int64_t forward_tokens = 0;                      // forward-only work (θ0 cache, checks, refreshes)

    Impl(LoadedModel& model, const facts::FactSet& set, const SurgeryConfig& c, const facts::FactSet& pool,
         dist::Group* group)
        : m(model), cfg(c), dp(group ? *group : single), rng(c.seed), bf16(c.precision == "bf16") {
        if (auto errs = cfg.validate(); !errs.empty()) {
            std::string msg = "invalid surgery settings:";
            for (auto& e : errs) msg += " " + e + ";";
            throw Error(msg);
        }
        if (auto issues = set.validate(); !issues.empty())
            throw Error("the fact set has problems: " + issues.front().to_string() +
                        (issues.size() > 1 ? " (and " + std::to_string(issues.size() - 1) + " more)" : ""));
        build_rows(set, pool);
        deal_rows();
        select_parameters();
        plan_memory();
    }

    // ---- rows ----------------------------------------------------------------------------------------
    void add_fact_row(const std::string& prompt, const std::string& answer, Term term, bool is_pool) {
        auto at = tokenize_answer(m.tok(), prompt, answer);
        Row r;
        r.ids = at.ids;
        r.term = term;
        r.pool = is_pool;
        // Facts: the answer only is trained (prompt masked); retain rows keep the whole distribution (KL on every
        // position) unless the KL is on the answers only.
        r.target_from = term == kRetain && !cfg.kl_answers_only ? 0 : at.answer_start - 1;
        r.answer_from = at.answer_start - 1;
        rows.push_back(std::move(r));
    }

    void add_document_rows(const std::string& text, Term term, bool is_pool) {
        auto ids = m.tok().encode(text);
        const size_t ctx = (size_t)std::min<int64_t>(m.config.max_position_embeddings, 256);
        for (size_t from = 0; from + 1 < ids.size(); from += ctx - 1) {   // windows overlap by one token
            Row r;
            r.ids = chunk(ids, from, ctx);
            // A continuation window starts with BOS like the first one, where the tokenizer has one (Qwen has not).
            if (from > 0 && m.tok().bos_id() >= 0) r.ids.insert(r.ids.begin(), (int32_t)m.tok().bos_id()), r.ids.pop_back();
            r.term = term;
            r.pool = is_pool;
            if (r.ids.size() >= 2) rows.push_back(std::move(r));
        }
    }

    // The durable preset: other answers of each forget / edit row's relation after its prompt (never_seen_bounds).
    struct NeverSeen {
        size_t row;
        std::string prompt;
        std::vector<std::string> answers;
    };
    std::vector<NeverSeen> never_seen;
    void note_never_seen(const facts::FactSet& set, const facts::Fact& f) {
        if (!cfg.forget_to_never_seen) return;
        auto answers = eval::never_seen_answers(set, f, cfg.seed + 0x5eed, 8);   // not the audit's draw
        if (!answers.empty()) never_seen.push_back({rows.size() - 1, f.prompt, std::move(answers)});
    }

    void build_rows(const facts::FactSet& set, const facts::FactSet& pool) {
        using facts::Kind;
        for (const auto& f : set.facts) {
            if (f.is_document()) {
                add_document_rows(f.text, f.kind == Kind::Forget ? kForget : f.kind == Kind::Update ? kUpdate : kRetain,
                                  false);
                continue;
            }
            const auto prompt_ids = m.tok().encode(f.prompt);
            switch (f.kind) {
                case Kind::Forget:
                    add_fact_row(f.prompt, f.answer, kForget, false);
                    note_never_seen(set, f);
                    targets.push_back({kForget, prompt_ids, f.answer});
                    break;
                case Kind::Update:
                    if (!f.answer.empty()) {
                        add_fact_row(f.prompt, f.answer, kEdit, false);
                        note_never_seen(set, f);
                    }
                    add_fact_row(f.prompt, f.new_answer, kUpdate, false);
                    targets.push_back({kUpdate, prompt_ids, f.new_answer});
                    break;
                case Kind::Retain: add_fact_row(f.prompt, f.answer, kRetain, false); break;
            }
        }
        // The broad pool: facts/documents the model knows that are not being edited.
        std::set<std::string> edited;
        for (const auto& f : set.facts) edited.insert(f.prompt);
        for (const auto& f : pool.facts) {
            if (f.is_document()) add_document_rows(f.text, kRetain, true);
            else if (!edited.count(f.prompt) && !f.answer.empty()) add_fact_row(f.prompt, f.answer, kRetain, true);
        }
        if (pool.facts.empty() && cfg.retain_pool_per_step > 0) sample_pool_from_model();
    }

    // No pool given: θ0's own samples are text it knows by definition.
    void sample_pool_from_model() {
        for (auto& ids : sample_from_bos(m.net, 256, 24, cfg.seed * 7919 + 17)) {
            if (ids.size() < 2) continue;
            Row row;
            row.ids = std::move(ids);
            row.term = kRetain;
            row.pool = true;
            rows.push_back(std::move(row));
        }
    }

    Batch make_batch_of(const std::vector<Row*>& picked) const { return make_batch(picked, K, m.device); }

    // ---- data parallel: rows dealt to ranks --------------------------------------------------------------
    // Each term's rows (and the pool's) are dealt to the ranks in turn, so every rank holds a fair share of every
    // kind: it caches θ0 for its rows only and runs the forwards of its rows of each step's batch.
    void deal_rows() {
        int next[kTerms + 1] = {0};
        for (auto& r : rows) r.rank = next[r.pool ? kTerms : r.term]++ % dp.size();
    }
    // Every rank must build the same rows and draw the same batches: checked once, by a hash of the rows and of the
    // settings that steer the draws (a rank given another fact file, pool or seed fails here with a message instead
    // of training on a batch the others do not have).
    void check_same_rows() {
        if (dp.size() == 1) return;
        uint64_t h = 1469598103934665603ull;   // FNV-1a
        auto mix = [&](uint64_t x) { h = (h ^ x) * 1099511628211ull; };
        for (const auto& r : rows) {
            for (int32_t id : r.ids) mix((uint64_t)(uint32_t)id);
            mix((uint64_t)r.term * 2 + r.pool), mix(r.target_from);
        }
        for (uint64_t x : {(uint64_t)cfg.seed, (uint64_t)cfg.steps, (uint64_t)cfg.batch_size,
                           (uint64_t)cfg.retain_pool_per_step, (uint64_t)cfg.eval_every, (uint64_t)cfg.method})
            mix(x);
        dp.check_same(h, "training rows or settings",
                      "every rank must be given the same model, fact file, retain pool and options");
    }

    std::vector<Row*> mine(const std::vector<Row*>& from) const {
        std::vector<Row*> out;
        for (Row* r : from)
            if (r->rank == dp.rank()) out.push_back(r);
        return out;
    }
    // After each rank updated the ascent state of its own rows (in the ascent, pulled back, bound reached, last NLL):
    // every rank gets every row's.
    void share_active(const std::vector<Row*>& from) {
        if (dp.size() == 1) return;
        constexpr size_t kState = 4;
        std::vector<double> state(from.size() * kState, 0.0);
        for (size_t i = 0; i < from.size(); ++i) {
            const Row& r = *from[i];
            if (r.rank != dp.rank()) continue;
            double* s = &state[i * kState];
            s[0] = r.active, s[1] = r.pull_back, s[2] = r.reached, s[3] = r.last_nll;
        }
        dp.sum(state);
        for (size_t i = 0; i < from.size(); ++i) {
            Row& r = *from[i];
            if (!is_ascent(r)) continue;
            const double* s = &state[i * kState];
            r.active = s[0] > 0.5, r.pull_back = s[1] > 0.5, r.reached = s[2] > 0.5, r.last_nll = s[3];
        }
    }

    // ---- memory ---------------------------------------------------------------------------------------------
    // The plan from the rows: a step's largest draw (each used term's longest rows) and every cached position.
    MemoryPlan plan;
    void plan_memory() {
        const auto use = method_terms(cfg.method);
        std::vector<int64_t> len[kTerms + 1];
        int64_t cached = 0, longest = 1;
        for (const auto& r : rows) {
            const int64_t L = (int64_t)r.ids.size() - 1;
            len[r.pool ? kTerms : r.term].push_back(L);
            longest = std::max(longest, L);
            if (r.term == kRetain && use[kRetain] && cfg.method != Method::GradDiff && r.rank == dp.rank()) cached += L;
        }
        int64_t positions = 0;
        for (int t = 0; t <= kTerms; ++t) {
            if (t < kTerms ? !use[t] : !(use[kRetain] && cfg.retain_pool_per_step > 0)) continue;
            auto& l = len[t];
            const size_t n = std::min(l.size(), (size_t)(t < kTerms ? cfg.batch_size : cfg.retain_pool_per_step));
            std::partial_sort(l.begin(), l.begin() + (std::ptrdiff_t)n, l.end(), std::greater<>());
            for (size_t i = 0; i < n; ++i) positions += l[i];
        }
        MemoryPlanInput in;
        in.weight_bytes = (int64_t)c10::elementSize(m.dtype);
        in.checkpoint_layers = cfg.checkpoint_layers;
        in.step_positions = positions;
        in.packed_length = std::max<int64_t>(longest, kPackedLength);
        in.cached_positions = cached;
        in.top_k = std::min<int64_t>(64, m.config.vocab_size);
        in.vocab_chunk_bytes = vocab_chunk_bytes(m.device);
        in.on_gpu = !m.device.is_cpu();
        if (!cfg.lora.empty()) in.lora_parameters = lora_parameter_count(m.config, parse_lora(cfg.lora, cfg.lora_targets));
        plan = plan_surgery_memory(m.config, parse_trainable_spec(cfg.train_params), in);
    }
    void check_memory() const {
        const std::string what = "the surgery (" + plan.summary() + ")";
        const std::string advice = "train fewer weights (--train layers:A-B, the top layers), draw fewer rows per step "
                                   "(--batch-size, --pool-rows), recompute layers (--checkpoint-layers), or close other "
                                   "programs";
        check_memory_fits(plan.device_bytes(), m.device.is_cpu() ? "cpu" : m.device.str(), what, advice);
        if (plan.on_gpu) check_memory_fits(plan.host_only(), "cpu", what, advice);
    }

    // ---- trainable parameters --------------------------------------------------------------------------
    // The selected weights, or with LoRA the adapters (attached here, on frozen weights; they stay attached after
    // the run for the caller to write or merge: core/model/lora.h).
    void select_parameters() {
        for (auto& [name, p] : hf_named_tensors(m.net)) all_params.push_back(p);
        if (cfg.lora.empty()) {
            params = select_trainable(m.net, cfg.train_params);
            return;
        }
        for (auto& p : all_params) p.set_requires_grad(false);
        for (auto& s : attach_lora(m.net, parse_lora(cfg.lora, cfg.lora_targets), cfg.seed * 2654435761u + 1)) {
            for (at::Tensor* t : {&s.linear->lora_A, &s.linear->lora_B}) {
                t->set_requires_grad(true);
                params.push_back(*t);
                all_params.push_back(*t);
            }
        }
    }

    // Only the trained tensors change, so only they are kept: a copy of the whole model cost its full size again
    // (4.9 GB for a 1B model in fp32 with --train layers:15-15, which trains 61 M parameters). In host memory, or on
    // the GPU the model lives on when it has room beyond the run's plan (no transfer at each check); taken into the
    // same buffers at every check.
    at::Device snapshot_device{at::kCPU};
    void choose_snapshot_device() {
        if (m.device.is_cpu()) return;
        const int64_t free = available_device_bytes(m.device.str());
        if (free > plan.device_bytes() + 2 * plan.snapshot) snapshot_device = m.device;
    }
    void take_snapshot() {
        torch::NoGradGuard ng;
        if (snapshot.size() != params.size()) {
            snapshot.clear();
            for (auto& p : params) snapshot.push_back(at::empty_like(p, p.options().device(snapshot_device)));
        }
        for (size_t i = 0; i < params.size(); ++i) snapshot[i].copy_(params[i].detach());
    }
    void restore_snapshot() {
        torch::NoGradGuard ng;
        for (size_t i = 0; i < params.size(); ++i) params[i].copy_(snapshot[i]);
    }

    // The decoder layers on packed rows (core/surgery/training_batch.h), under the caller's autocast state: the
    // final hidden states [S*P, C] of the packed sequences, and for the N real positions of the batch their rows
    // there and their batch positions. A forward without a graph (θ0's cache, checks) counts as forward-only work.
    struct Packed {
        at::Tensor hidden;   // [S*P, C]
        at::Tensor slot;     // [N] long: row in hidden of real position n
        at::Tensor where;    // [N] long: its batch position r*T + t
    };
    Packed forward_packed(const Batch& b) {
        if (!at::GradMode::is_enabled()) forward_tokens += b.tokens;
        const PackedRows p = pack_rows(b.rows, b.input.size(1));
        auto h = m.net->model->forward_packed(p.ids, p.pos, p.seg);       // [S, P, C]
        return {h.reshape({-1, h.size(-1)}), p.slot.to(h.device()), p.where.to(h.device())};
    }

    // Final hidden states [R, T, C] of a batch in the batch layout (zeros at padding): the same as a padded
    // forward's at every real position, up to rounding.
    at::Tensor forward_hidden(const Batch& b) {
        const int64_t R = (int64_t)b.rows.size(), T = b.input.size(1);
        auto p = forward_packed(b);
        const int64_t C = p.hidden.size(-1);
        return at::zeros({R * T, C}, p.hidden.options()).index_copy(0, p.where, p.hidden.index_select(0, p.slot))
            .view({R, T, C});
    }

    // log p [R, T, V] of a batch (θ0's cache, checks). autocast: the run's precision (θ0's cache, like the training);
    // checks run in fp32 like the exported weights.
    at::Tensor forward_logp(const Batch& b, bool autocast = true) {
        Autocast ac(autocast && bf16, m.device.type());
        return at::log_softmax(m.net->logits(forward_hidden(b)), -1);                  // [R, T, V] fp32
    }

    // A training forward: what the terms read (core/surgery/vocab_chunks.h) in the batch layout ([R, T], [R, T, K];
    // zeros at padding, where every mask is zero), the vocabulary projected at the real positions only.
    TermLogp forward_train(const Batch& b) {
        Autocast ac(bf16, m.device.type());
        const int64_t R = (int64_t)b.rows.size(), T = b.input.size(1);
        auto p = forward_packed(b);
        const int64_t N = p.slot.size(0);
        const int64_t K = b.ref_idx.size(-1);
        auto lp = term_logp(m.net, p.hidden.index_select(0, p.slot).unsqueeze(1),           // [N, 1, C]
                            b.targets.reshape({R * T}).index_select(0, p.where).view({N, 1}),
                            b.ref_idx.reshape({R * T, K}).index_select(0, p.where).view({N, 1, K}),
                            /*want_argmax=*/true, vocab_chunk_bytes(m.device));
        auto zeros = [&](int64_t n, const at::Tensor& like) { return at::zeros({R * T, n}, like.options()); };
        return {zeros(1, lp.target).index_copy(0, p.where, lp.target.view({N, 1})).view({R, T}),
                zeros(K, lp.topk).index_copy(0, p.where, lp.topk.view({N, K})).view({R, T, K}),
                zeros(1, lp.argmax).index_copy(0, p.where, lp.argmax.view({N, 1})).view({R, T})};
    }

    // The durable preset's bounds: -log of θ0's mean probability of each row's never-seen answers (whole answers),
    // spread over the row's own answer tokens, at least forget_nll_stop.
    void never_seen_bounds() {
        torch::NoGradGuard ng;
        m.net->eval();
        std::vector<Row> alt;
        std::vector<size_t> owner;   // index into never_seen
        for (size_t i = 0; i < never_seen.size(); ++i)
            for (const auto& a : never_seen[i].answers) {
                auto at = tokenize_answer(m.tok(), never_seen[i].prompt, a);
                Row r;
                r.ids = at.ids;
                r.term = kForget;
                r.target_from = r.answer_from = at.answer_start - 1;
                alt.push_back(std::move(r));
                owner.push_back(i);
            }
        std::vector<double> sum(never_seen.size(), 0.0), p(never_seen.size(), 0.0), n(never_seen.size(), 0.0);
        for (size_t s = 0; s < alt.size(); s += 64) {
            std::vector<Row*> part;
            for (size_t j = s; j < std::min(alt.size(), s + 64); ++j) part.push_back(&alt[j]);
            Batch b = make_batch_of(part);
            auto logp = forward_logp(b, /*autocast=*/false);                                    // [R, T, V]
            auto nll = row_nll(logp.gather(-1, b.targets.unsqueeze(-1)).squeeze(-1), b.seen[kForget]).to(at::kCPU);   // [R]
            for (size_t j = 0; j < part.size(); ++j) {
                const double len = trained_positions(*part[j]);
                const double seq = nll[(int64_t)j].item<double>() * len;   // -log P(whole answer)
                sum[owner[s + j]] += seq;
                p[owner[s + j]] += std::exp(-seq);
                n[owner[s + j]] += 1;
            }
        }
        for (size_t i = 0; i < never_seen.size(); ++i) {
            Row& r = rows[never_seen[i].row];
            const double len = trained_positions(r);
            // Halfway (in nats) between the answers' geometric and arithmetic mean probability: the first left the
            // forgotten answers too unlikely to pass for never-seen ones, the second too likely to turn up in samples.
            const double level = 0.5 * (sum[i] / n[i] - std::log(p[i] / n[i]));
            r.nll_stop = std::max(cfg.forget_nll_stop, level / len);
        }
    }

    // θ0's top-K distribution on every retain row (the KL term), and, for NPO, its answer log-prob on every
    // forget/edit row. Rows no term compares with θ0 (update rows; forget rows of the other methods) skip it.
    void cache_reference() {
        torch::NoGradGuard ng;
        m.net->eval();
        K = std::min<int64_t>(64, m.config.vocab_size);
        std::vector<Row*> all;
        for (auto& r : rows)   // this rank's rows
            if ((r.term == kRetain || (cfg.method == Method::Npo && is_ascent(r))) && r.rank == dp.rank()) all.push_back(&r);
        for (size_t s = 0; s < all.size(); s += 128) {
            std::vector<Row*> part(all.begin() + s, all.begin() + std::min(all.size(), s + 128));
            Batch b = make_batch_of(part);
            Autocast ac(bf16, m.device.type());   // the run's precision, like the training forwards
            auto p = forward_packed(b);
            const auto hidden = p.hidden.index_select(0, p.slot);                        // [N, C]
            const auto targets = b.targets.reshape(-1).index_select(0, p.where);         // [N]
            // The vocabulary projection in chunks of positions: [N, V] fp32 at once is gigabytes at a real
            // vocabulary (7,680 positions x 128,256 = 3.9 GB, twice: logits and log-softmax).
            const int64_t N = hidden.size(0), V = m.config.vocab_size;
            const int64_t chunk = std::max<int64_t>(1, vocab_chunk_bytes(m.device) / (V * 4));
            std::vector<at::Tensor> tops, idxs, tgts;
            for (int64_t i = 0; i < N; i += chunk) {
                const int64_t n = std::min(chunk, N - i);
                const auto logp = at::log_softmax(m.net->logits(hidden.narrow(0, i, n)), -1);   // [n, V] fp32
                auto [t, ix] = logp.topk(K, -1);                                                 // [n, K]
                tops.push_back(t.to(at::kCPU));
                idxs.push_back(ix.to(at::kCPU));
                tgts.push_back(logp.gather(-1, targets.narrow(0, i, n).unsqueeze(-1)).squeeze(-1).to(at::kCPU));
            }
            const auto top = at::cat(tops), idx = at::cat(idxs), target = at::cat(tgts);   // [N, K], [N, K], [N]
            int64_t n = 0;   // the batch's real positions, row by row
            for (Row* r : part) {
                const int64_t L = (int64_t)r->ids.size() - 1;
                if (r->term == kRetain) {
                    r->ref_idx = idx.narrow(0, n, L).clone();
                    r->ref_logp = top.narrow(0, n, L).clone();
                } else {   // NPO: θ0's log-prob of the trained positions
                    r->ref_seq_logp = target.narrow(0, n + (int64_t)r->target_from, L - (int64_t)r->target_from)
                                          .sum().item<double>();
                }
                n += L;
            }
        }
    }

    // Rows are drawn in epochs, per term: a seeded shuffle consumed in order and reshuffled once used up, so every
    // row (and every θ0 cache entry) is drawn once before any is drawn twice. Bounded ascent: the forget and edit
    // terms draw only rows still in the ascent (a forgotten row would cost a forward and give no gradient); once
    // every row is forgotten, all of them, to keep measuring.
    struct Epoch {
        std::vector<Row*> order;
        size_t next = 0;
    };
    Epoch epochs[kTerms + 1];   // [kTerms]: the broad retain pool

    std::vector<Row*> draw(Epoch& e, const std::vector<Row*>& from, size_t n, bool ascent) {
        const bool any_active = ascent && std::any_of(from.begin(), from.end(), [](Row* r) { return r->active; });
        auto usable = [&](Row* r) { return !any_active || r->active || r->pull_back; };
        n = std::min(n, (size_t)std::count_if(from.begin(), from.end(), usable));
        std::vector<Row*> out;
        while (out.size() < n) {   // ends within two epochs: each holds every usable row
            if (e.next == e.order.size()) {
                e.order = from, e.next = 0;
                for (size_t i = 0; i + 1 < e.order.size(); ++i)
                    std::swap(e.order[i], e.order[i + rng() % (e.order.size() - i)]);
            }
            Row* r = e.order[e.next++];
            if (usable(r) && std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
        }
        return out;
    }

    std::vector<Row*> pick_rows(const std::array<bool, kTerms>& use, bool use_pool) {
        std::vector<Row*> by[kTerms + 1];
        for (auto& r : rows) by[r.pool ? kTerms : r.term].push_back(&r);
        std::vector<Row*> out;
        for (int t = 0; t <= kTerms; ++t) {
            if (t < kTerms ? !use[t] : !use_pool) continue;
            const size_t n = (size_t)(t < kTerms ? cfg.batch_size : cfg.retain_pool_per_step);
            for (auto* r : draw(epochs[t], by[t], n, t == kForget || t == kEdit)) out.push_back(r);
        }
        return out;
    }

    // ---- targets ----------------------------------------------------------------------------------------
    EvalPoint check_targets(int step) {
        torch::NoGradGuard ng;
        m.net->eval();
        EvalPoint e;
        e.step = step;
        // Data parallel: each rank checks every size()-th target, and the counts are summed.
        std::vector<const Target*> checked;
        for (size_t i = 0; i < targets.size(); ++i)
            if ((int)(i % dp.size()) == dp.rank()) checked.push_back(&targets[i]);
        std::vector<std::vector<int32_t>> prompts;
        int max_len = 1;
        for (auto* t : checked) {
            prompts.push_back(t->prompt_ids);
            max_len = std::max<int>(max_len, (int)m.tok().encode(t->answer, false).size() + 1);
        }
        std::vector<double> n(kTerms, 0.0), ok(kTerms, 0.0);
        auto outs = prompts.empty() ? decltype(greedy_batch(m.net, prompts, max_len)){} : greedy_batch(m.net, prompts, max_len);
        for (auto& p : prompts) forward_tokens += (int64_t)p.size() + max_len;
        for (size_t i = 0; i < checked.size(); ++i) {
            const bool match = starts_with_answer(completion_text(m.tok(), checked[i]->prompt_ids, outs[i]), checked[i]->answer);
            n[checked[i]->term]++;
            ok[checked[i]->term] += match;
        }
        n.insert(n.end(), ok.begin(), ok.end());
        dp.sum(n);
        std::copy(n.begin() + kTerms, n.end(), ok.begin());
        e.forget_acc = n[kForget] ? (double)ok[kForget] / n[kForget] : 0.0;
        e.update_acc = n[kUpdate] ? (double)ok[kUpdate] / n[kUpdate] : 1.0;
        e.retain_acc = retain_accuracy();
        // Bounded ascent: a forgotten row that drifted back below the bound rejoins the ascent (for the steps
        // that follow: none after the last).
        if (step < cfg.steps) refresh_active();
        m.net->train();
        return e;
    }

    // Share of the user's retain facts whose answer is still the most likely continuation (teacher-forced).
    double retain_accuracy() {
        std::vector<Row*> all;
        for (auto& r : rows)
            if (r.term == kRetain && !r.pool) all.push_back(&r);
        if (all.empty()) return 1.0;
        const auto user = mine(all);   // data parallel: each rank its rows, the counts summed
        std::vector<double> ok{0.0};
        for (size_t s = 0; s < user.size(); s += 64) {
            std::vector<Row*> part(user.begin() + s, user.begin() + std::min(user.size(), s + 64));
            Batch b = make_batch_of(part);
            auto pred = forward_logp(b, /*autocast=*/false).argmax(-1);    // [R, T]
            // A retain fact is kept when every answer token is still the top prediction (prompt tokens not scored).
            auto miss = ((pred != b.targets).to(at::kFloat) * b.seen[kRetain]).to(at::kCPU);   // [R, T]
            for (size_t i = 0; i < part.size(); ++i) {
                const int64_t from = (int64_t)part[i]->answer_from, L = (int64_t)part[i]->ids.size() - 1;
                ok[0] += miss[i].narrow(0, from, L - from).sum().item<float>() == 0.0f;
            }
        }
        dp.sum(ok);
        return ok[0] / all.size();
    }

    // Bounded ascent: a forget/edit row stays in the ascent while its answer NLL is below its bound (bound_of) or its
    // answer is still the top prediction at every answer position (a flat distribution can keep a 2-nat answer
    // on top: greedy would still say it). Updates `active` of the rows of a batch from target_logp [R, T], the
    // log-probabilities of its targets, and argmax [R, T], the most likely tokens.
    static bool is_ascent(const Row& r) { return r.term == kForget || r.term == kEdit; }
    double bound_of(const Row& r) const { return r.nll_stop >= 0 ? r.nll_stop : cfg.forget_nll_stop; }
    void update_active(const Batch& b, const at::Tensor& target_logp, const at::Tensor& argmax) {
        torch::NoGradGuard ng;
        auto asc = b.seen[kForget] + b.seen[kEdit];                                        // [R, T]
        auto nll = row_nll(target_logp, asc).to(at::kCPU);                                 // [R]
        auto on_top = ((argmax != b.targets).to(at::kFloat) * asc).sum(-1).eq(0).to(at::kCPU);   // [R]
        for (size_t i = 0; i < b.rows.size(); ++i) {
            Row& r = *b.rows[i];
            if (!is_ascent(r)) continue;
            const double v = nll[i].item<double>();
            r.last_nll = v;
            if (r.nll_stop < 0) {
                r.active = v < bound_of(r) || on_top[i].item<bool>();
                continue;
            }
            // A never-seen bound (durable) is a band: a row that reached it rests while within the margin either
            // side, rejoins the ascent below it, and is pulled back above it — an answer sunk far below the
            // never-seen level is as telling as one left too likely.
            r.reached = r.reached || v >= r.nll_stop;
            r.active = on_top[i].item<bool>() || v < r.nll_stop - (r.reached ? kPullBackMargin : 0.0);
            r.pull_back = !r.active && v > r.nll_stop + kPullBackMargin;
        }
    }

    void refresh_active() {
        std::vector<Row*> all;
        for (auto& r : rows)
            if (is_ascent(r)) all.push_back(&r);
        const auto asc = mine(all);   // data parallel: each rank its rows, then every rank gets every row's flag
        for (size_t s = 0; s < asc.size(); s += 64) {
            std::vector<Row*> part(asc.begin() + s, asc.begin() + std::min(asc.size(), s + 64));
            Batch b = make_batch_of(part);
            auto logp = forward_logp(b, /*autocast=*/false);                            // [R, T, V]
            update_active(b, logp.gather(-1, b.targets.unsqueeze(-1)).squeeze(-1), logp.argmax(-1));
        }
        share_active(all);
    }

    bool targets_met(const EvalPoint& e, bool ascent, bool descent) const {
        bool any = false, ok = true;
        if (ascent && has(kForget)) any = true, ok = ok && e.forget_acc <= 0.0;
        if (ascent && cfg.early_stop_past_bound) ok = ok && past_bounds();
        if (descent && has(kUpdate)) any = true, ok = ok && e.update_acc >= 1.0;
        return any && ok;
    }
    // Every forget / edit-old row past its bound (as refresh_active left them); rows with a never-seen bound together:
    // their mean answer probability at most the mean never-seen level (what the audit compares), not each row at its
    // own (the last few rows crawl there while the collateral damage grows).
    bool past_bounds() const {
        double p = 0, level = 0;
        for (const auto& r : rows) {
            if (!is_ascent(r)) continue;
            if (r.nll_stop < 0) {
                if (r.active) return false;
                continue;
            }
            const double len = trained_positions(r);
            p += std::exp(-r.last_nll * len);
            level += std::exp(-r.nll_stop * len);
        }
        return p <= level;
    }
    bool has(Term t) const {
        for (auto& r : rows)
            if (r.term == t && !r.pool) return true;
        return false;
    }

    double lr_at(int step) const {
        return warmup_cosine_lr(step, cfg.steps, cfg.warmup_steps, cfg.lr, cfg.schedule == "cosine" ? 0.1 : 1.0);
    }

    // ---- a step's values, across the ranks ---------------------------------------------------------------------
    // What a step reports: the total, every forget / edit row's NLL (forgotten ones only once none is left in the
    // ascent), the update and retain terms. One rank's share divides by the whole batch's counts (in one process:
    // the batch's own), so the ranks' shares sum to the whole batch's values.
    struct StepValues {
        double total = 0, forget_seen = 0, edit_seen = 0, update = 0, retain = 0;
    };
    StepValues step_values(const ObjectiveValue& terms, const at::Tensor& target_logp, const Batch& b,
                           const BatchCounts& whole) const {
        torch::NoGradGuard ng;
        auto seen = [&](Term t) { return dp.size() > 1 ? whole.seen[t] : -1.0; };
        return {terms.total.item<double>(), masked_nll(target_logp, b.seen[kForget], seen(kForget)).item<double>(),
                masked_nll(target_logp, b.seen[kEdit], seen(kEdit)).item<double>(), terms.update.item<double>(),
                terms.retain.item<double>()};
    }

    // Data parallel: the gradients summed (bucketed all-reduce; a weight no rank's rows reached keeps no gradient,
    // as in one process), the step's values summed, and the ascent flags of the batch's rows shared.
    void sum_across_ranks(StepValues& v, const std::vector<Row*>& batch) {
        if (dp.size() == 1) return;
        dp.sum_gradients(params);
        std::vector<double> values{v.total, v.forget_seen, v.edit_seen, v.update, v.retain};
        dp.sum(values);
        v = {values[0], values[1], values[2], values[3], values[4]};
        share_active(batch);
    }

    // ---- the loop -----------------------------------------------------------------------------------------
    SurgeryOutcome run(const RunCallbacks& cb) {
        const auto t0 = Clock::now();
        SurgeryOutcome out;
        const Method M = cfg.method;
        const auto use = method_terms(M);   // which terms this method optimises
        const bool use_pool = use[kRetain] && cfg.retain_pool_per_step > 0;
        bool any = false;
        for (auto& r : rows)
            if (!r.pool && (r.term != kRetain) && use[r.term]) any = true;
        if (!any) throw Error("nothing to do: the fact set has no facts for method " + method_name(M));

        check_memory();
        check_same_rows();
        choose_snapshot_device();
        if (!never_seen.empty()) never_seen_bounds();
        cache_reference();
        take_snapshot();
        // Activation checkpointing for the training forwards of this run only (the model is shared).
        struct CheckpointScope {
            LlamaModelImpl& body;
            CheckpointScope(LlamaModelImpl& b, bool on) : body(b) { body.checkpoint_layers = on; }
            ~CheckpointScope() { body.checkpoint_layers = false; }
        } checkpoint_scope(*m.net->model, cfg.checkpoint_layers);
        FusedAdamW opt({cfg.lr, cfg.beta1, cfg.beta2});
        opt.add(params, cfg.weight_decay);
        m.net->train();
        double first_total = NAN;
        int step = 0;
        for (; step < cfg.steps; ++step) {
            if (cb.pause && cb.pause->load() && !(cb.stop && cb.stop->load())) {
                if (cb.on_pause) cb.on_pause(step, true);
                while (cb.pause->load() && !(cb.stop && cb.stop->load()))
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                if (cb.on_pause) cb.on_pause(step, false);
            }
            if (dp.any(cb.stop && cb.stop->load())) {   // data parallel: a stop on any rank stops all
                out.end = SurgeryOutcome::End::Stopped;
                out.message = "stopped by the user after step " + std::to_string(step);
                break;
            }
            const auto ts = Clock::now();
            const double lr = lr_at(step);
            opt.settings.lr = lr;

            auto picked = pick_rows(use, use_pool);   // the whole batch, the same on every rank
            if (picked.empty()) break;
            const BatchCounts whole = batch_counts(picked);
            const auto my_rows = mine(picked);         // this rank's share (the whole batch in one process)

            opt.zero_grad();
            StepValues v;                              // this rank's share of the step's values, then the sums
            if (!my_rows.empty()) {
                Batch b = make_batch_of(my_rows);
                auto fwd = forward_train(b);
                const auto& target_logp = fwd.target;                       // [R, T]

                // The terms on the active rows (the gradient) and the weighted total (core/surgery/objective.h).
                // Data parallel: each mean divides by the whole batch's count, so the shares add up to it.
                ObjectiveInputs in{target_logp, fwd.topk, b.ref_logp, b.ref_seq_logp,
                                   {b.mask[kForget], b.mask[kEdit], b.mask[kUpdate], b.mask[kRetain]}, std::nullopt};
                if (dp.size() > 1) in.whole = ObjectiveInputs::Whole{whole.mask, whole.npo_rows};
                const ObjectiveValue terms = objective(cfg, in);
                terms.total.backward();
                v = step_values(terms, target_logp, b, whole);
                update_active(b, target_logp.detach(), fwd.argmax);    // bounded ascent: forgotten rows leave it
            }
            sum_across_ranks(v, picked);   // gradients, values and ascent flags: the whole batch's, on every rank
            const double gnorm = opt.grad_norm();
            const double tot = v.total;
            if (std::isnan(first_total)) first_total = std::abs(tot);
            // Guards: a non-finite loss or gradient is never applied; a blow-up restores the last good weights.
            const bool blown = std::abs(tot) > std::max(1e3, cfg.blowup_factor * first_total);
            if (!std::isfinite(tot) || !std::isfinite(gnorm) || blown) {
                restore_snapshot();
                out.end = SurgeryOutcome::End::Diverged;
                out.message = std::string("the run diverged at step ") + std::to_string(step + 1) + " (" +
                              (!std::isfinite(tot) ? "loss is not finite" : !std::isfinite(gnorm) ? "gradient is not finite"
                                                                                                    : "loss blew up") +
                              "); the weights of the last good check were restored. Lower the learning rate.";
                break;
            }
            opt.step(gnorm, cfg.grad_clip);

            StepMetrics sm;
            sm.step = step + 1;
            sm.steps = cfg.steps;
            sm.loss_forget = v.forget_seen;
            sm.loss_edit = v.edit_seen;
            sm.loss_update = v.update;
            sm.loss_retain = v.retain;
            sm.total = tot;
            sm.grad_norm = gnorm;
            sm.lr = lr;
            const double dt = std::chrono::duration<double>(Clock::now() - ts).count();
            sm.tokens_per_s = whole.tokens / std::max(dt, 1e-9);
            sm.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            for (auto& r : rows) sm.active_forget += (r.term == kForget || r.term == kEdit) && r.active;
            out.tokens += whole.tokens;
            if (cb.on_step) cb.on_step(sm);

            if ((step + 1) % cfg.eval_every == 0 || step + 1 == cfg.steps) {
                auto e = check_targets(step + 1);
                if (cb.on_eval) cb.on_eval(e);
                take_snapshot();
                if (cfg.early_stop && targets_met(e, use[kForget], use[kUpdate])) {
                    ++step;
                    out.end = SurgeryOutcome::End::TargetsMet;
                    out.message = "every target met at step " + std::to_string(step);
                    break;
                }
            }
        }
        m.net->eval();
        for (auto& p : all_params) p.set_requires_grad(false);
        out.steps_done = step;
        std::vector<double> fwd_tokens{(double)forward_tokens};
        dp.sum(fwd_tokens);
        out.forward_tokens = (int64_t)fwd_tokens[0];
        out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        if (out.message.empty()) out.message = "finished " + std::to_string(step) + " steps";
        return out;
    }
};

Trainer::Trainer(LoadedModel& model, const facts::FactSet& set, const SurgeryConfig& config,
                 const facts::FactSet& retain_pool, dist::Group* group)
    : impl_(std::make_unique<Impl>(model, set, config, retain_pool, group)) {}
Trainer::~Trainer() = default;
SurgeryOutcome Trainer::run(const RunCallbacks& cb) { return impl_->run(cb); }
const MemoryPlan& Trainer::memory_plan() const { return impl_->plan; }

}  // namespace llms::surgery
