// The surgery engine: loss terms on small tensors (sign, masking, exactness), then real runs on the tiny
// reference model (random weights, real tokenizer): forgetting and learning targets, guards, cancel, report.
#include "core/common/error.h"
#include "core/eval/answer_tokens.h"
#include "core/eval/exact_match.h"
#include "core/eval/report.h"
#include "core/generate/generate.h"
#include "core/common/autocast.h"
#include "core/model/activation_checkpoint.h"
#include "core/model/model_loader.h"
#include "core/surgery/objective.h"
#include "core/surgery/trainable_params.h"
#include "core/surgery/trainer.h"
#include "core/surgery/training_batch.h"
#include "tests/test_files.h"
#include "tests/test_tensors.h"

#include <torch/torch.h>

#include <QtTest/QtTest>
#include <set>
#include <nlohmann/json.hpp>

using namespace llms;
using namespace llms::surgery;

namespace {

LoadedModel tiny() {
    LoadOptions o;
    o.dtype = "float32";
    return load_model(std::filesystem::path(LLMS_TEST_DATA) / "tiny-llama", o);
}

// Facts the tiny model "knows": its own greedy 2-token continuations of a few prompts.
facts::FactSet known_facts(LoadedModel& m, const std::vector<std::string>& prompts) {
    facts::FactSet s;
    for (const auto& p : prompts) {
        auto ids = m.tok().encode(p);
        GenerateOptions g;
        g.max_new_tokens = 2;
        auto r = generate(m.net, ids, g);
        facts::Fact f;
        f.kind = facts::Kind::Retain;
        f.prompt = p;
        f.answer = completion_text(m.tok(), ids, r.token_ids);
        s.facts.push_back(f);
    }
    return s;
}

const std::vector<std::string> kPrompts = {"Paris is the capital of", "The river flows", "Hi there.",
                                           "Water is", "The king of", "Numbers like 12"};

template <typename F>
bool throws_error(F f) {
    try {
        f();
    } catch (const llms::Error&) {
        return true;
    }
    return false;
}

std::vector<at::Tensor> weights_copy(LoadedModel& m) {
    std::vector<at::Tensor> w;
    for (auto& [n, p] : hf_named_tensors(m.net)) w.push_back(p.detach().clone());
    return w;
}

}  // namespace

class TestSurgery : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    // ---- terms on small tensors ----
    void nll_gradient_sign_and_mask() {
        auto logits = at::randn({2, 3, 5}, at::kFloat).set_requires_grad(true);
        auto targets = at::tensor({1, 2, 3, 4, 0, 1}, at::kLong).view({2, 3});
        auto mask = at::tensor({0.f, 1.f, 1.f, 0.f, 0.f, 1.f}).view({2, 3});
        auto loss = masked_nll(at::log_softmax(logits, -1), targets, mask);
        loss.backward();
        auto g = logits.grad();
        // Descent on the NLL raises the target logit: dL/dlogit_target < 0 where the mask is on, 0 where off.
        QVERIFY(g[0][1][2].item<float>() < 0);
        QVERIFY(g[1][2][1].item<float>() < 0);
        QCOMPARE(g[0][0].abs().sum().item<float>(), 0.f);
        QCOMPARE(g[1][0].abs().sum().item<float>(), 0.f);
        // Value: mean of the three masked token NLLs.
        auto lp = at::log_softmax(logits.detach(), -1);
        const float want = -(lp[0][1][2] + lp[0][2][3] + lp[1][2][1]).item<float>() / 3;
        QVERIFY(std::abs(loss.item<float>() - want) < 1e-5);
        // Empty mask: zero, no NaN.
        QCOMPARE(masked_nll(lp, targets, at::zeros_like(mask)).item<float>(), 0.f);
    }

    void ascent_is_negated_descent() {
        auto logits = at::randn({1, 4, 6}, at::kFloat).set_requires_grad(true);
        auto targets = at::tensor({1, 2, 3, 4}, at::kLong).view({1, 4});
        auto mask = at::ones({1, 4});
        (-0.1 * masked_nll(at::log_softmax(logits, -1), targets, mask)).backward();
        QVERIFY(logits.grad()[0][0][1].item<float>() > 0);   // ascent lowers the target logit (target 1)
    }

    void cached_kl_exact_when_k_is_v() {
        auto ref_logits = at::randn({2, 3, 7});
        auto ref = at::log_softmax(ref_logits, -1);
        auto [top, idx] = ref.topk(7, -1);
        auto mask = at::ones({2, 3});
        // Same distribution: KL 0 and zero gradient.
        auto same = ref_logits.clone().set_requires_grad(true);
        auto kl0 = cached_kl(at::log_softmax(same, -1), idx, top, mask);
        kl0.backward();
        QVERIFY(std::abs(kl0.item<float>()) < 1e-6);
        QVERIFY(same.grad().abs().max().item<float>() < 1e-6);
        // Different distribution: the exact KL(p0 || p).
        auto other = at::log_softmax(at::randn({2, 3, 7}), -1);
        const float want = (ref.exp() * (ref - other)).sum(-1).mean().item<float>();
        QVERIFY(std::abs(cached_kl(other, idx, top, mask).item<float>() - want) < 1e-5);
    }

    void cached_kl_topk_remainder_nonnegative() {
        auto ref = at::log_softmax(at::randn({1, 4, 50}) * 3, -1);
        auto [top, idx] = ref.topk(8, -1);
        auto other = at::log_softmax(at::randn({1, 4, 50}), -1);
        const float approx = cached_kl(other, idx, top, at::ones({1, 4})).item<float>();
        QVERIFY(approx >= 0);   // KL of the coarsened distributions (log-sum inequality)
        const float exact = (ref.exp() * (ref - other)).sum(-1).mean().item<float>();
        QVERIFY(approx <= exact + 1e-5);
    }

    void npo_pushes_answers_down() {
        auto seq = at::tensor({-2.0f, -3.0f}).set_requires_grad(true);
        npo_loss(seq, at::tensor({-2.0f, -3.0f}), 0.1).backward();
        QVERIFY((seq.grad() > 0).all().item<bool>());   // minimising lowers log π(y|x)
    }

    // ---- the objective of every method against tests/data/objective (float64, written from the definitions) ----
    void objective_matches_float64_reference_data() {
        QTest::addColumn<QString>("method");
        for (const char* m : {"llm-surgery", "grad-ascent", "grad-diff", "npo", "finetune"}) QTest::newRow(m) << m;
    }
    void objective_matches_float64_reference() {
        QFETCH(QString, method);
        const auto ref = test::read_json(std::filesystem::path(LLMS_TEST_DATA) / "objective" / "reference.json");
        const auto tensor = test::json_tensor;   // nested lists of numbers -> float64 tensor
        SurgeryConfig cfg;
        QVERIFY(method_from_name(method.toStdString(), &cfg.method));
        cfg.w_forget = ref["weights"]["forget"], cfg.w_edit = ref["weights"]["edit"];
        cfg.w_update = ref["weights"]["update"], cfg.w_retain = ref["weights"]["retain"];
        cfg.npo_beta = ref["npo_beta"];
        ObjectiveInputs in;
        in.target_logp = tensor(ref["target_logp"]).set_requires_grad(true);
        in.topk_logp = tensor(ref["topk_logp"]).set_requires_grad(true);
        in.ref_logp = tensor(ref["ref_logp"]);
        in.ref_seq_logp = tensor(ref["ref_seq_logp"]);
        const char* names[kTerms] = {"forget", "edit", "update", "retain"};
        for (int t = 0; t < kTerms; ++t) in.mask[t] = tensor(ref["masks"][names[t]]);
        const ObjectiveValue v = objective(cfg, in);
        v.total.backward();

        const auto& want = ref["methods"][method.toStdString()];
        auto close = [](double got, double exp, const std::string& what) {
            const bool ok = std::abs(got - exp) <= 1e-8 * std::max(1.0, std::abs(exp));
            if (!ok) qWarning("%s: %.12g, reference %.12g", what.c_str(), got, exp);
            return ok;
        };
        QVERIFY(close(v.total.item<double>(), want["total"], "total"));
        QVERIFY(close(v.forget.item<double>(), want["forget"], "forget NLL"));
        QVERIFY(close(v.edit.item<double>(), want["edit"], "edit NLL"));
        QVERIFY(close(v.update.item<double>(), want["update"], "update NLL"));
        QVERIFY(close(v.retain.item<double>(), want["retain"], "retain term"));
        // Central differences (step 1e-6) are accurate to ~1e-9 here; every element, not a norm.
        const auto g_lp = tensor(want["grad_target_logp"]), g_topk = tensor(want["grad_topk_logp"]);
        auto grad = [](const at::Tensor& x) { return x.grad().defined() ? x.grad() : at::zeros_like(x); };   // unused: 0
        const double e_lp = (grad(in.target_logp) - g_lp).abs().max().item<double>();
        const double e_topk = (grad(in.topk_logp) - g_topk).abs().max().item<double>();
        QVERIFY2(e_lp < 1e-7, ("d total / d target_logp off by " + std::to_string(e_lp)).c_str());
        QVERIFY2(e_topk < 1e-7, ("d total / d topk_logp off by " + std::to_string(e_topk)).c_str());
        // The reference is not degenerate: the gradient it checks is there.
        QVERIFY(g_lp.abs().max().item<double>() > 0.05);
    }

    // NPO at θ = θ_ref: every row's term is (2/β)·ln 2, so the objective is the mean row weight times that.
    void npo_at_the_reference_is_2_ln2_over_beta() {
        SurgeryConfig cfg;
        cfg.method = Method::Npo;
        cfg.npo_beta = 0.25;
        cfg.w_forget = 0.4, cfg.w_edit = 0.8, cfg.w_retain = 0.0;
        ObjectiveInputs in;
        in.target_logp = at::log(at::rand({3, 4}, at::kDouble) * 0.9 + 0.05);
        in.mask[kForget] = at::tensor({0., 1., 1., 1., 0., 0., 0., 0., 0., 0., 1., 1.}, at::kDouble).view({3, 4});
        in.mask[kEdit] = at::tensor({0., 0., 0., 0., 0., 1., 1., 1., 0., 0., 0., 0.}, at::kDouble).view({3, 4});
        in.ref_seq_logp = (in.target_logp * (in.mask[kForget] + in.mask[kEdit])).sum(-1);
        const double want = (0.4 + 0.8 + 0.4) / 3 * (2 / 0.25) * std::log(2.0);
        QVERIFY(std::abs(objective(cfg, in).total.item<double>() - want) < 1e-12);
        // β enters as 2/β: halving it doubles the value.
        cfg.npo_beta = 0.125;
        QVERIFY(std::abs(objective(cfg, in).total.item<double>() - 2 * want) < 1e-12);
    }

    // pack_rows: every real position of the batch lands once, in its row's segment, at its own position.
    void pack_rows_places_every_position_once() {
        std::vector<Row> rows(6);
        const std::vector<int> lengths = {9, 3, 70, 2, 30, 41};   // one longer than kPackedLength
        for (size_t i = 0; i < rows.size(); ++i)
            for (int t = 0; t < lengths[i]; ++t) rows[i].ids.push_back((int32_t)(100 * i + t));
        std::vector<Row*> ptr;
        for (auto& r : rows) ptr.push_back(&r);
        const int64_t T = 69;   // the longest row predicts 69 positions
        const PackedRows p = pack_rows(ptr, T);
        const int64_t P = p.ids.size(1);
        QCOMPARE(P, T);
        QCOMPARE(p.slot.size(0), (int64_t)(9 + 3 + 70 + 2 + 30 + 41 - 6));
        std::set<int64_t> used;
        for (int64_t n = 0; n < p.slot.size(0); ++n) {
            const int64_t s = p.slot[n].item<int64_t>(), w = p.where[n].item<int64_t>();
            const int64_t r = w / T, t = w % T;
            QVERIFY(used.insert(s).second);
            QCOMPARE(p.ids.view(-1)[s].item<int64_t>(), (int64_t)rows[r].ids[t]);
            QCOMPARE(p.pos.view(-1)[s].item<int64_t>(), t);
            QCOMPARE(p.seg.view(-1)[s].item<int64_t>(), r);
        }
        QCOMPARE((int64_t)(p.seg.view(-1) >= 0).sum().item<int64_t>(), (int64_t)used.size());   // the rest is padding
    }

    // ---- packed rows ----
    // Rows packed into shared sequences (own positions, attention within the row) give each row's own hidden states.
    void packed_rows_match_separate_forwards() {
        auto m = tiny();
        torch::NoGradGuard ng;
        const std::vector<std::vector<int64_t>> rows = {{1, 5, 9, 2, 7}, {1, 3}, {1, 8, 8}, {1, 4, 6, 10, 11, 12, 13}};
        // Two sequences of 8: [row 0 (5) | row 2 (3)], [row 3 (7) | pad], and row 1 (2) alone with padding.
        const int64_t T = 8;
        auto ids = at::zeros({3, T}, at::kLong), pos = at::zeros({3, T}, at::kLong), seg = at::full({3, T}, -1, at::kLong);
        const std::vector<std::tuple<int, int, int>> place = {{0, 0, 0}, {2, 0, 5}, {3, 1, 0}, {1, 2, 0}};   // row, seq, offset
        for (auto [r, sq, off] : place)
            for (size_t t = 0; t < rows[r].size(); ++t) {
                ids[sq][off + (int64_t)t] = rows[r][t];
                pos[sq][off + (int64_t)t] = (int64_t)t;
                seg[sq][off + (int64_t)t] = r;
            }
        auto packed = m.net->model->forward_packed(ids, pos, seg);   // [3, T, C]
        for (auto [r, sq, off] : place) {
            auto alone = m.net->model->forward(at::tensor(rows[r]).view({1, -1}), {}, nullptr)[0];   // [L, C]
            auto mine = packed[sq].narrow(0, off, (int64_t)rows[r].size());
            const double diff = (alone - mine).abs().max().item<double>();
            QVERIFY2(diff < 1e-5, ("row " + std::to_string(r) + ": max diff " + std::to_string(diff)).c_str());
        }
    }

    // ---- activation checkpointing ----
    // The recomputed backward gives the gradients of the plain one: every parameter, fp32 and bf16 autocast,
    // with every layer trained and with only the upper layer trained (its input needs no gradient).
    void checkpointed_layers_give_the_same_gradients_data() {
        QTest::addColumn<bool>("bf16");
        QTest::addColumn<QString>("train");
        QTest::newRow("fp32 all") << false << "all";
        QTest::newRow("bf16 all") << true << "all";
        QTest::newRow("fp32 upper layer") << false << "upper";
    }
    void checkpointed_layers_give_the_same_gradients() {
        QFETCH(bool, bf16);
        QFETCH(QString, train);
        auto m = tiny();
        const int L = (int)m.config.num_hidden_layers;
        QVERIFY(L >= 2);
        std::vector<at::Tensor> params;
        for (auto& [name, p] : hf_named_tensors(m.net)) {
            const bool on = train == "all" || name.find("layers." + std::to_string(L - 1) + ".") != std::string::npos;
            p.set_requires_grad(on);
            if (on) params.push_back(p);
        }
        auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
        auto ids = at::randint(0, m.config.vocab_size, {3, 17}, gen, at::TensorOptions().dtype(at::kLong));
        auto grads = [&](bool checkpoint) {
            m.net->model->checkpoint_layers = checkpoint;
            for (auto& p : params) p.mutable_grad() = at::Tensor();
            at::Tensor loss;
            {
                Autocast ac(bf16);
                auto logp = at::log_softmax(m.net->forward(ids.narrow(1, 0, 16)), -1);   // [3, 16, V]
                loss = masked_nll(logp, ids.narrow(1, 1, 16), at::ones({3, 16}));
            }
            loss.backward();
            std::vector<at::Tensor> g;
            for (auto& p : params) g.push_back(p.grad().clone());
            m.net->model->checkpoint_layers = false;
            return g;
        };
        auto plain = grads(false), recomputed = grads(true);
        QCOMPARE(plain.size(), params.size());
        for (size_t i = 0; i < plain.size(); ++i) {
            QVERIFY(plain[i].abs().sum().item<double>() > 0);
            const double diff = (plain[i] - recomputed[i]).abs().max().item<double>();
            const double scale = plain[i].abs().max().item<double>();
            QVERIFY2(diff <= 1e-5 * scale, ("parameter " + std::to_string(i) + ": max diff " + std::to_string(diff) +
                                            " of " + std::to_string(scale)).c_str());
        }
    }

    void checkpointed_layer_keeps_no_graph_inside() {
        auto m = tiny();
        auto* layer = m.net->model->layers[0]->as<LlamaDecoderLayerImpl>();
        for (auto& p : layer->parameters()) p.set_requires_grad(true);
        auto x = at::randn({1, 4, m.config.hidden_size}).set_requires_grad(true);
        auto cos = at::ones({4, m.config.head_dim}), sin = at::zeros({4, m.config.head_dim});
        auto mask = at::zeros({1, 1, 4, 4});
        auto y = checkpointed_layer(*layer, x, cos, sin, mask);
        // One node for the whole layer (its intermediates are not kept), not the layer's last op.
        QVERIFY2(y.grad_fn()->name().find("CheckpointedLayer") != std::string::npos, y.grad_fn()->name().c_str());
        y.sum().backward();
        QVERIFY(x.grad().defined() && layer->mlp->down_proj->weight.grad().defined());
    }

    // ---- real runs on the tiny model ----
    void forgets_and_learns_targets_data() {
        QTest::addColumn<QString>("precision");
        QTest::addColumn<bool>("checkpoint");
        QTest::newRow("fp32") << "fp32" << false;
        QTest::newRow("bf16 autocast, checkpointed layers") << "bf16" << true;
    }
    void forgets_and_learns_targets() {
        QFETCH(QString, precision);
        QFETCH(bool, checkpoint);
        auto m = tiny();
        auto known = known_facts(m, kPrompts);
        facts::FactSet set;
        auto f = known.facts[0];
        f.kind = facts::Kind::Forget;
        set.facts.push_back(f);
        auto u = known.facts[1];
        u.kind = facts::Kind::Update;
        u.new_answer = " Paris";
        set.facts.push_back(u);
        for (size_t i = 2; i < known.facts.size(); ++i) set.facts.push_back(known.facts[i]);   // retain

        auto cfg = SurgeryConfig::preset_named("demo");
        cfg.steps = 200;
        cfg.eval_every = 5;
        cfg.retain_pool_per_step = 8;
        cfg.precision = precision.toStdString();
        cfg.checkpoint_layers = checkpoint;
        Trainer t(m, set, cfg);
        std::vector<StepMetrics> steps;
        EvalPoint last;
        RunCallbacks cb;
        cb.on_step = [&](const StepMetrics& s) { steps.push_back(s); };
        cb.on_eval = [&](const EvalPoint& e) { last = e; };
        auto out = t.run(cb);
        QVERIFY2(out.end == SurgeryOutcome::End::TargetsMet, out.message.c_str());
        QCOMPARE(last.forget_acc, 0.0);
        QCOMPARE(last.update_acc, 1.0);
        QVERIFY(steps.size() >= 2 && (int)steps.size() == out.steps_done);
        QVERIFY(steps.back().loss_update < steps.front().loss_update);
        QVERIFY(steps.back().loss_forget > steps.front().loss_forget);
        QVERIFY(out.tokens > 0);

        // The edited model really answers differently now (independent check through generation).
        auto ids = m.tok().encode(u.prompt);
        GenerateOptions g;
        g.max_new_tokens = 3;
        QVERIFY(starts_with_answer(completion_text(m.tok(), ids, generate(m.net, ids, g).token_ids), " Paris"));
    }

    // Bounded ascent: a step draws only forget rows still in the ascent. With answers the model does not predict
    // and a tiny bound, a row leaves the ascent at its first draw, so 12 rows drawn 2 per step are all gone after
    // exactly 6 steps (drawing forgotten rows again would leave some in).
    void ascent_draws_only_rows_still_in_it() {
        auto m = tiny();
        facts::FactSet set;
        for (int i = 0; i < 12; ++i) {
            facts::Fact f;
            f.kind = facts::Kind::Forget;
            f.prompt = "Fact number " + std::to_string(i) + " is about";
            f.answer = " zebras";
            set.facts.push_back(f);
        }
        auto cfg = SurgeryConfig::preset_named("paper");
        cfg.steps = 6;
        cfg.batch_size = 2;
        cfg.retain_pool_per_step = 0;
        cfg.forget_nll_stop = 0.01;
        cfg.early_stop = false;
        cfg.eval_every = 100;
        Trainer t(m, set, cfg);
        std::vector<int> active;
        RunCallbacks cb;
        cb.on_step = [&](const StepMetrics& s) { active.push_back(s.active_forget); };
        auto out = t.run(cb);
        QCOMPARE(out.steps_done, 6);
        QCOMPARE(active, (std::vector<int>{10, 8, 6, 4, 2, 0}));
    }

    void every_method_runs_in_the_right_direction_data() {
        QTest::addColumn<QString>("method");
        for (auto n : {"llm-surgery", "grad-ascent", "grad-diff", "npo", "finetune"}) QTest::newRow(n) << n;
    }
    void every_method_runs_in_the_right_direction() {
        QFETCH(QString, method);
        auto m = tiny();
        auto known = known_facts(m, kPrompts);
        facts::FactSet set = known;
        set.facts[0].kind = facts::Kind::Forget;
        set.facts[1].kind = facts::Kind::Update;
        set.facts[1].new_answer = " Paris";
        auto cfg = SurgeryConfig::preset_named("paper");
        QVERIFY(method_from_name(method.toStdString(), &cfg.method));
        cfg.steps = 6;
        cfg.lr = 1e-3;
        cfg.early_stop = false;
        cfg.retain_pool_per_step = 4;
        Trainer t(m, set, cfg);
        std::vector<StepMetrics> s;
        RunCallbacks cb;
        cb.on_step = [&](const StepMetrics& x) { s.push_back(x); };
        auto out = t.run(cb);
        QCOMPARE(out.steps_done, 6);
        QCOMPARE((int)s.size(), 6);
        for (auto& x : s) QVERIFY(std::isfinite(x.total) && std::isfinite(x.grad_norm));
        if (cfg.method == Method::Finetune) QVERIFY(s.back().loss_update < s.front().loss_update);
        else QVERIFY(s.back().loss_forget > s.front().loss_forget);
    }

    void nan_guard_restores_last_good_weights() {
        auto m = tiny();
        auto set = known_facts(m, kPrompts);
        set.facts[0].kind = facts::Kind::Forget;
        auto cfg = SurgeryConfig::preset_named("demo");
        cfg.steps = 20;
        cfg.eval_every = 2;
        cfg.early_stop = false;
        cfg.retain_pool_per_step = 4;
        Trainer t(m, set, cfg);
        std::vector<at::Tensor> at_eval2;
        RunCallbacks cb;
        cb.on_eval = [&](const EvalPoint& e) {
            if (e.step == 2) at_eval2 = weights_copy(m);
        };
        cb.on_step = [&](const StepMetrics& s) {
            if (s.step == 3) {   // corrupt the weights after step 3: step 4 must see NaN
                torch::NoGradGuard ng;
                m.net->model->norm->weight.fill_(std::numeric_limits<float>::quiet_NaN());
            }
        };
        auto out = t.run(cb);
        QVERIFY2(out.end == SurgeryOutcome::End::Diverged, out.message.c_str());
        QVERIFY(QString::fromStdString(out.message).contains("restored"));
        auto now = weights_copy(m);
        QCOMPARE(now.size(), at_eval2.size());
        for (size_t i = 0; i < now.size(); ++i) QVERIFY(at::equal(now[i], at_eval2[i]));
    }

    void stop_mid_run() {
        auto m = tiny();
        auto set = known_facts(m, kPrompts);
        set.facts[0].kind = facts::Kind::Forget;
        auto cfg = SurgeryConfig::preset_named("demo");
        cfg.steps = 50;
        cfg.early_stop = false;
        cfg.retain_pool_per_step = 4;
        Trainer t(m, set, cfg);
        std::atomic<bool> stop{false};
        RunCallbacks cb;
        cb.stop = &stop;
        cb.on_step = [&](const StepMetrics& s) {
            if (s.step == 3) stop = true;
        };
        auto out = t.run(cb);
        QVERIFY(out.end == SurgeryOutcome::End::Stopped);
        QCOMPARE(out.steps_done, 3);
        for (auto& w : weights_copy(m)) QVERIFY(at::isfinite(w).all().item<bool>());
    }

    void invalid_settings_and_sets_are_refused() {
        auto m = tiny();
        auto set = known_facts(m, kPrompts);   // retain only: nothing to do
        auto cfg = SurgeryConfig::preset_named("demo");
        QVERIFY(throws_error([&] { Trainer(m, set, cfg).run({}); }));
        cfg.lr = -1;
        set.facts[0].kind = facts::Kind::Forget;
        QVERIFY(throws_error([&] { Trainer(m, set, cfg); }));
        QVERIFY(throws_error([&] { SurgeryConfig::preset_named("fast"); }));
        cfg = SurgeryConfig::preset_named("paper");
        cfg.train_params = "layers:0-7";   // the tiny model has 2 layers
        QVERIFY(throws_error([&] { Trainer(m, set, cfg); }));
        cfg = SurgeryConfig::preset_named("paper");
        cfg.precision = "fp16";
        QVERIFY(!cfg.validate().empty());
        QVERIFY(throws_error([&] { Trainer(m, set, cfg); }));
    }

    // The trained-weights spec: a union of named groups; frozen weights get no gradient; bad specs are refused
    // with a message that names the bad part.
    void trainable_spec_selects_the_named_weights() {
        auto m = tiny();
        const auto trained = select_trainable(m.net, "layers:0-0,embed_tokens,lm_head");
        std::set<std::string> names;
        for (auto& [name, p] : hf_named_tensors(m.net))
            if (p.requires_grad()) names.insert(name);
        QCOMPARE(trained.size(), names.size());
        QVERIFY(names.count("model.embed_tokens.weight") && names.count("lm_head.weight"));
        QVERIFY(names.count("model.layers.0.self_attn.q_proj.weight") && names.count("model.layers.0.mlp.down_proj.weight"));
        QVERIFY(!names.count("model.norm.weight") && !names.count("model.layers.1.self_attn.q_proj.weight"));
        for (const auto& n : names) QVERIFY2(n.find("model.layers.1.") == std::string::npos, n.c_str());

        auto ids = at::randint(0, m.config.vocab_size, {2, 9}, at::TensorOptions().dtype(at::kLong));
        auto logp = at::log_softmax(m.net->forward(ids.narrow(1, 0, 8)), -1);   // [2, 8, V]
        masked_nll(logp, ids.narrow(1, 1, 8), at::ones({2, 8})).backward();
        for (auto& [name, p] : hf_named_tensors(m.net))
            QVERIFY2(p.grad().defined() == (names.count(name) == 1), name.c_str());

        QCOMPARE(select_trainable(m.net, "all").size(), hf_named_tensors(m.net).size());
        QCOMPARE(select_trainable(m.net, "mlp, norm").size(), size_t(3 * m.config.num_hidden_layers + 1));
        for (const char* bad : {"", "layers:2-1", "mlp,", ",mlp", "head", "layers:0-0,layers:1-1", "layers:0-9"}) {
            QVERIFY2(throws_error([&] { select_trainable(m.net, bad); }), bad);
            auto cfg = SurgeryConfig::preset_named("paper");
            cfg.train_params = bad;
            if (std::string(bad) != "layers:0-9") QVERIFY2(!cfg.validate().empty(), bad);   // the layer count is the model's
        }
        try {
            parse_trainable_spec("layers:0-1,head");
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("unknown item \"head\"") != std::string::npos, e.what());
        }
    }

    void report_schema() {
        auto m = tiny();
        auto known = known_facts(m, kPrompts);
        facts::FactSet set;
        set.facts = {known.facts[0], known.facts[1], known.facts[2]};
        set.facts[0].kind = facts::Kind::Forget;
        set.facts[0].paraphrases = {"The capital city of France is"};
        set.facts[1].kind = facts::Kind::Update;
        set.facts[1].new_answer = " Paris";
        facts::FactSet collateral;
        collateral.facts = {known.facts[3], known.facts[4]};
        eval::Evaluator ev(set, collateral, {"Paris is the capital of France and its largest city."});
        eval::Report r;
        r.before = ev.measure(m);
        QCOMPARE(r.before->forget.exact_match, 1.0);   // the facts are the model's own greedy answers
        QCOMPARE(r.before->retain.exact_match, 1.0);
        QCOMPARE(*r.before->retain.kl, 0.0);
        r.after = ev.measure(m);
        QVERIFY(*r.after.retain.kl < 1e-6);             // same model: no divergence
        auto j = nlohmann::json::parse(r.to_json());
        for (auto set_name : {"forget", "update", "retain"})
            for (auto when : {"before", "after"})
                for (auto key : {"exact_match", "answer_prob", "nll", "mcqa_acc", "rouge_l"})
                    QVERIFY2(j[set_name][when].contains(key), (std::string(set_name) + "." + when + "." + key).c_str());
        QVERIFY(j["retain"]["after"].contains("kl"));
        QVERIFY(j["forget"]["after"].contains("paraphrase_acc"));
        QVERIFY(j["collateral"]["after"].contains("exact_match") && j["collateral"]["after"].contains("kl"));
        for (auto key : {"steps", "seconds", "tokens"}) QVERIFY(j.contains(key));
        QVERIFY(j["fluency_ppl"]["after"].is_number());
        QCOMPARE(j["facts"].size(), 3u);
        QVERIFY(QString::fromStdString(r.to_markdown()).contains("| forget |"));
    }

    void rouge_l() {
        QCOMPARE(eval::rouge_l_recall("the capital is Paris", "Paris"), 1.0);
        QCOMPARE(eval::rouge_l_recall("Lyon", "Paris"), 0.0);
        QCOMPARE(eval::rouge_l_recall("a b x c", "a b c d"), 0.75);
    }
};

QTEST_APPLESS_MAIN(TestSurgery)
#include "test_surgery.moc"
