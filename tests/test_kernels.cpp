// The hand-fused training kernels against LibTorch's own implementations of the same math (the independent
// reference here): FusedAdamW against torch::optim::AdamW + clip_grad_norm_, swiglu against at::silu(g) * u with
// autograd, rms_norm and apply_rotary against HF's formulas in fp64 ATen ops with autograd, the chunked vocabulary
// projection against one log_softmax over the whole batch.
#include "core/common/autocast.h"
#include "core/common/fused_adamw.h"
#include "core/model/model_loader.h"
#include "core/model/rms_norm.h"
#include "core/model/rotary.h"
#include "core/model/swiglu.h"
#include "core/surgery/vocab_chunks.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

using namespace llms;

namespace {

// Largest error relative to the quantity compared: |a_i - b_i| / (|b_i| + rms(b)) over all elements. Each entry is
// measured against its own size, with the tensor's typical size (RMS) as the floor for entries near zero: a few
// large entries no longer widen the bound of all the others.
double rel_err(const at::Tensor& a, const at::Tensor& b) {
    const auto a64 = a.to(at::kDouble), b64 = b.to(at::kDouble);
    const double rms = std::max(b64.pow(2).mean().sqrt().item<double>(), 1e-30);
    return ((a64 - b64).abs() / (b64.abs() + rms)).max().item<double>();
}

}  // namespace

class TestKernels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    // ---- FusedAdamW ---------------------------------------------------------------------------------------
    void fused_adamw_matches_libtorch_data() {
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<double>("max_norm");
        QTest::addColumn<double>("tolerance");
        QTest::newRow("fp32, clipping") << "float32" << 0.5 << 1e-5;         // the fused loop
        QTest::newRow("fp32, no clipping") << "float32" << 1e9 << 1e-5;
        QTest::newRow("bf16 weights (ATen path)") << "bfloat16" << 0.5 << 1e-6;   // LibTorch's own ops: the same bits
    }
    void fused_adamw_matches_libtorch() {
        QFETCH(QString, dtype);
        QFETCH(double, max_norm);
        QFETCH(double, tolerance);
        const auto dt = dtype == "float32" ? at::kFloat : at::kBFloat16;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
        // Shapes: one large enough for several threads' ranges, odd sizes for the vector loop tails.
        const std::vector<std::vector<int64_t>> shapes = {{300, 257}, {37, 19}, {5}, {1}};
        std::vector<at::Tensor> ours, ref, initial;
        for (auto& s : shapes) {
            auto w = at::randn(s, gen).to(dt);
            ours.push_back(w.clone().requires_grad_());
            ref.push_back(w.clone().requires_grad_());
            initial.push_back(w.clone());
        }
        AdamWSettings st;
        st.lr = 3e-3, st.beta1 = 0.9, st.beta2 = 0.95, st.eps = 1e-8;
        FusedAdamW fused(st);
        fused.add({ours[0], ours[1]}, 0.1);   // decayed
        fused.add({ours[2], ours[3]}, 0.0);   // not decayed
        auto opts = [&](double wd) {
            return std::make_unique<torch::optim::AdamWOptions>(
                torch::optim::AdamWOptions(st.lr).betas({st.beta1, st.beta2}).eps(st.eps).weight_decay(wd));
        };
        std::vector<torch::optim::OptimizerParamGroup> groups;
        groups.emplace_back(std::vector<at::Tensor>{ref[0], ref[1]}, opts(0.1));
        groups.emplace_back(std::vector<at::Tensor>{ref[2], ref[3]}, opts(0.0));
        torch::optim::AdamW torch_adamw(groups, torch::optim::AdamWOptions(st.lr));
        for (int step = 0; step < 6; ++step) {
            const double lr = st.lr * (1.0 - 0.1 * step);   // a schedule: the lr changes between steps
            fused.settings.lr = lr;
            for (auto& g : torch_adamw.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
            for (size_t i = 0; i < shapes.size(); ++i) {
                auto grad = (at::randn(shapes[i], gen) * (step + 1)).to(dt);
                ours[i].mutable_grad() = grad.clone();
                ref[i].mutable_grad() = grad.clone();
            }
            const double norm = fused.grad_norm();
            const double ref_norm = torch::nn::utils::clip_grad_norm_(ref, max_norm);
            QVERIFY2(std::abs(norm - ref_norm) <= 1e-4 * ref_norm, qPrintable(QString("%1 vs %2").arg(norm).arg(ref_norm)));
            fused.step(norm, max_norm);
            torch_adamw.step();
            for (size_t i = 0; i < shapes.size(); ++i) {
                const double e = rel_err(ours[i].detach(), ref[i].detach());
                QVERIFY2(e <= tolerance, qPrintable(QString("step %1 tensor %2: relative error %3").arg(step).arg(i).arg(e)));
            }
        }
        // The check could see a wrong update: after the 6 steps every tensor is farther from its start than the
        // tolerance (a step that did nothing would fail above), and the updates themselves agree.
        for (size_t i = 0; i < shapes.size(); ++i) {
            const double moved = rel_err(initial[i], ref[i].detach());
            QVERIFY2(moved > 100 * tolerance, qPrintable(QString("tensor %1 moved only %2").arg(i).arg(moved)));
            const auto d_ours = ours[i].detach().to(at::kFloat) - initial[i].to(at::kFloat);
            const auto d_ref = ref[i].detach().to(at::kFloat) - initial[i].to(at::kFloat);
            const double e = rel_err(d_ours, d_ref);
            QVERIFY2(e <= (dt == at::kFloat ? 1e-3 : 1e-6), qPrintable(QString("tensor %1: update off by %2").arg(i).arg(e)));
        }
        // zero_grad drops the gradients; a weight without one is left alone by a step.
        fused.zero_grad();
        QVERIFY(!ours[0].grad().defined());
        auto before = ours[0].detach().clone();
        ours[1].mutable_grad() = at::ones_like(ours[1]);
        fused.step(fused.grad_norm(), max_norm);
        QVERIFY(at::equal(ours[0].detach(), before));
    }

    // ---- swiglu -------------------------------------------------------------------------------------------
    void swiglu_matches_aten_data() {
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<qint64>("rows");
        QTest::addColumn<qint64>("cols");
        QTest::newRow("fp32 small") << "float32" << qint64(3) << qint64(7);
        QTest::newRow("fp32 several threads") << "float32" << qint64(97) << qint64(1377);
        QTest::newRow("bf16 small") << "bfloat16" << qint64(3) << qint64(7);
        QTest::newRow("bf16 several threads") << "bfloat16" << qint64(97) << qint64(1377);
    }
    void swiglu_matches_aten() {
        QFETCH(QString, dtype);
        QFETCH(qint64, rows);
        QFETCH(qint64, cols);
        const auto dt = dtype == "float32" ? at::kFloat : at::kBFloat16;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
        auto g0 = (at::randn({rows, cols}, gen) * 4).to(dt), u0 = at::randn({rows, cols}, gen).to(dt);
        g0.view(-1)[0] = 120.0, g0.view(-1)[1] = -120.0, g0.view(-1)[2] = 0.0;   // saturated sigmoid, and zero
        auto d = at::randn({rows, cols}, gen).to(dt);
        // Reference: ATen's silu and multiply with autograd, in fp64 from the same inputs.
        auto g_ref = g0.to(at::kDouble).requires_grad_(), u_ref = u0.to(at::kDouble).requires_grad_();
        auto y_ref = at::silu(g_ref) * u_ref;
        y_ref.backward(d.to(at::kDouble));
        auto g = g0.clone().requires_grad_(), u = u0.clone().requires_grad_();
        auto y = swiglu(g, u);
        y.backward(d);
        QCOMPARE(y.scalar_type(), dt);
        QCOMPARE(g.grad().scalar_type(), dt);
        // fp32: float rounding; bf16: one rounding of each result to 8 mantissa bits (ATen's own bf16 silu * up
        // rounds twice).
        const double tol = dt == at::kFloat ? 1e-5 : 1.0 / 128;
        QVERIFY2(rel_err(y, y_ref) <= tol, qPrintable(QString("forward %1").arg(rel_err(y, y_ref))));
        QVERIFY2(rel_err(g.grad(), g_ref.grad()) <= tol, qPrintable(QString("d_gate %1").arg(rel_err(g.grad(), g_ref.grad()))));
        QVERIFY2(rel_err(u.grad(), u_ref.grad()) <= tol, qPrintable(QString("d_up %1").arg(rel_err(u.grad(), u_ref.grad()))));
        QVERIFY(at::isfinite(y).all().item<bool>() && at::isfinite(g.grad()).all().item<bool>());
    }

    void swiglu_elsewhere_is_atens() {   // a dtype the loops do not cover: at::silu(g) * up itself
        auto g = at::randn({4, 5}).to(at::kDouble), u = at::randn({4, 5}).to(at::kDouble);
        QVERIFY(at::equal(swiglu(g, u), at::silu(g) * u));
    }

    // ---- rms_norm -----------------------------------------------------------------------------------------
    void rms_norm_matches_aten_data() {
        QTest::addColumn<QString>("mix");
        QTest::addColumn<qint64>("rows");
        QTest::addColumn<qint64>("cols");
        for (const char* mix : {"fp32", "fp32 under bf16 autocast", "bf16"}) {
            QTest::newRow(qPrintable(QString("%1, 3 x 7").arg(mix))) << mix << qint64(3) << qint64(7);
            QTest::newRow(qPrintable(QString("%1, 5 x 256").arg(mix))) << mix << qint64(5) << qint64(256);
            QTest::newRow(qPrintable(QString("%1, 301 x 250 (several threads)").arg(mix))) << mix << qint64(301) << qint64(250);
        }
    }
    void rms_norm_matches_aten() {
        QFETCH(QString, mix);
        QFETCH(qint64, rows);
        QFETCH(qint64, cols);
        const bool bf16 = mix == "bf16", autocast = mix.contains("autocast");
        const auto dt = bf16 ? at::kBFloat16 : at::kFloat;
        const double eps = 1e-5;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
        auto x0 = (at::randn({2, rows, cols}, gen) * 3 + 0.5).to(dt);          // [2, N, C]: leading dims flattened
        auto w0 = (at::rand({cols}, gen) + 0.5).to(dt);                         // [C]
        x0[0][0].fill_(0.0);                                                    // a row of zeros: 1/rms = 1/sqrt(eps)
        // Reference: HF's LlamaRMSNorm with autograd, in fp64 from the same inputs.
        auto x_ref = x0.to(at::kDouble).requires_grad_(), w_ref = w0.to(at::kDouble).requires_grad_();
        auto y_ref = w_ref * (x_ref * at::rsqrt(x_ref.pow(2).mean(-1, true) + eps));
        auto x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_();
        at::Tensor y;
        {
            Autocast ac(autocast);
            y = rms_norm(x, w, eps);
        }
        auto d = at::randn(y.sizes(), gen).to(y.scalar_type());                 // the gradient arriving at y
        y_ref.backward(d.to(at::kDouble));
        y.backward(d);
        QCOMPARE(y.scalar_type(), bf16 || autocast ? at::kBFloat16 : at::kFloat);
        QCOMPARE(x.grad().scalar_type(), dt);
        QCOMPARE(w.grad().scalar_type(), dt);
        // fp32: float rounding; a bf16 result: x / rms and the product each rounded to 8 mantissa bits (as HF's
        // composed ops round them); the gradients of a bf16 model likewise.
        const double tol_y = bf16 || autocast ? 1.0 / 128 : 1e-5, tol_grad = bf16 ? 1.0 / 64 : 1e-5;
        // Compared per row (the zero row's input gradient is ~100x the others', at 1/sqrt(eps)).
        auto row_err = [](const at::Tensor& a, const at::Tensor& b) {
            double worst = 0;
            for (int64_t i = 0; i < a.size(0); ++i) worst = std::max(worst, rel_err(a[i], b[i]));
            return worst;
        };
        const auto yr = y.reshape({-1, cols}), yr_ref = y_ref.reshape({-1, cols});
        const auto dx = x.grad().reshape({-1, cols}), dx_ref = x_ref.grad().reshape({-1, cols});
        QVERIFY2(row_err(yr, yr_ref) <= tol_y, qPrintable(QString("forward %1").arg(row_err(yr, yr_ref))));
        QVERIFY2(row_err(dx, dx_ref) <= tol_grad, qPrintable(QString("dx %1").arg(row_err(dx, dx_ref))));
        QVERIFY2(rel_err(w.grad(), w_ref.grad()) <= tol_grad, qPrintable(QString("dw %1").arg(rel_err(w.grad(), w_ref.grad()))));
        QVERIFY(at::isfinite(y).all().item<bool>() && at::isfinite(x.grad()).all().item<bool>());
    }

    void rms_norm_frozen_weight() {   // no weight gradient asked: the input gradient alone, the same values
        auto gen = at::make_generator<at::CPUGeneratorImpl>(6);
        auto x0 = at::randn({4, 64}, gen), w = at::rand({64}, gen) + 0.5, d = at::randn({4, 64}, gen);
        auto x1 = x0.clone().requires_grad_(), x2 = x0.clone().requires_grad_(), w2 = w.clone().requires_grad_();
        rms_norm(x1, w, 1e-6).backward(d);
        rms_norm(x2, w2, 1e-6).backward(d);
        QVERIFY(at::equal(x1.grad(), x2.grad()));
        QVERIFY(w2.grad().defined() && !w.grad().defined());
    }

    void rms_norm_elsewhere_is_atens() {   // a dtype the loops do not cover: HF's formula in ATen ops itself
        auto x = at::randn({4, 5}).to(at::kDouble), w = at::rand({5}).to(at::kDouble);
        auto xf = x.to(at::kFloat);   // HF normalises in fp32 whatever the dtype
        QVERIFY(at::equal(rms_norm(x, w, 1e-6), w * (xf * at::rsqrt(xf.pow(2).mean(-1, true) + 1e-6)).to(at::kDouble)));
    }

    // ---- apply_rotary ---------------------------------------------------------------------------------------
    void rotary_matches_aten_data() {
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<bool>("packed");   // tables per row [B, 1, T, D] (packed rows) or shared [T, D]
        QTest::newRow("fp32, shared tables") << "float32" << false;
        QTest::newRow("fp32, per-row tables") << "float32" << true;
        QTest::newRow("bf16, shared tables") << "bfloat16" << false;
        QTest::newRow("bf16, per-row tables") << "bfloat16" << true;
    }
    void rotary_matches_aten() {
        QFETCH(QString, dtype);
        QFETCH(bool, packed);
        const auto dt = dtype == "float32" ? at::kFloat : at::kBFloat16;
        const int64_t B = 3, H = 4, T = 37, D = 32;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
        // x as the model has it: the projection's [B, T, H·D] output viewed [B, T, H, D], transposed to [B, H, T, D].
        auto x0 = at::randn({B, T, H * D}, gen).to(dt).view({B, T, H, D}).transpose(1, 2);
        auto pos = packed ? at::randint(0, 50, {B, T}, gen, at::TensorOptions().dtype(at::kLong)) : at::arange(T);
        auto freqs = pos.to(at::kDouble).unsqueeze(-1) * at::rand({D / 2}, gen).to(at::kDouble);   // [.., T, D/2]
        auto emb = at::cat({freqs, freqs}, -1);
        auto cos = emb.cos(), sin = emb.sin();                                                      // [T, D] or [B, T, D]
        if (packed) cos = cos.unsqueeze(1), sin = sin.unsqueeze(1);                                 // [B, 1, T, D]
        // Reference: HF's apply_rotary_pos_emb with autograd, in fp64.
        auto x_ref = x0.to(at::kDouble).requires_grad_();
        auto rot = at::cat({-x_ref.narrow(-1, D / 2, D / 2), x_ref.narrow(-1, 0, D / 2)}, -1);
        auto y_ref = x_ref * cos + rot * sin;
        auto d = at::randn({B, H, T, D}, gen).to(dt);
        y_ref.backward(d.to(at::kDouble));
        auto x = x0.detach().requires_grad_();
        auto y = apply_rotary(x, cos.to(at::kFloat), sin.to(at::kFloat));
        y.backward(d.transpose(1, 2).contiguous().transpose(1, 2));   // a gradient in another layout than y's
        QCOMPARE(y.scalar_type(), dt);
        QCOMPARE(y.sizes(), x0.sizes());
        QCOMPARE(x.grad().scalar_type(), dt);
        // The tables are fp32 here (rounded from the fp64 reference's): 1e-6 of float error; bf16: one rounding.
        const double tol = dt == at::kFloat ? 1e-5 : 1.0 / 128;
        QVERIFY2(rel_err(y, y_ref) <= tol, qPrintable(QString("forward %1").arg(rel_err(y, y_ref))));
        QVERIFY2(rel_err(x.grad(), x_ref.grad()) <= tol, qPrintable(QString("dx %1").arg(rel_err(x.grad(), x_ref.grad()))));
    }

    void rotary_elsewhere_is_atens() {   // a dtype the loop does not cover: HF's formula in ATen ops itself
        auto x = at::randn({2, 3, 5, 4}).to(at::kDouble), cos = at::rand({5, 4}).to(at::kDouble), sin = at::rand({5, 4}).to(at::kDouble);
        auto rot = at::cat({-x.narrow(-1, 2, 2), x.narrow(-1, 0, 2)}, -1);
        QVERIFY(at::equal(apply_rotary(x, cos, sin), x * cos + rot * sin));
    }

    // ---- the chunked vocabulary projection ---------------------------------------------------------------------
    void gather_logp_matches_one_log_softmax() {
        LoadOptions o;
        o.dtype = "float32";
        LoadedModel m = load_model(std::filesystem::path(LLMS_TEST_DATA) / "tiny-llama", o);
        const int64_t R = 5, T = 7, N = 3, C = m.config.hidden_size, V = m.config.vocab_size;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
        auto hidden0 = at::randn({R, T, C}, gen);
        auto ids = at::randint(0, V, {R, T, N}, gen, at::TensorOptions().dtype(at::kLong));
        auto w = at::randn({R, T, N}, gen);   // a loss weighting every gathered entry differently
        // Reference: one [R, T, V] log-softmax.
        auto h_ref = hidden0.clone().requires_grad_();
        auto full = at::log_softmax(m.net->logits(h_ref), -1);                 // [R, T, V]
        auto ref = full.gather(-1, ids);
        (ref * w).sum().backward();
        // One row per chunk, two rows, and everything in one chunk.
        for (int64_t rows : {int64_t(1), int64_t(2), R}) {
            auto h = hidden0.clone().requires_grad_();
            auto got = surgery::gather_logp(m.net, h, ids, true, rows * T * V * 4);
            QCOMPARE(got.logp.sizes(), ref.sizes());
            QVERIFY2(rel_err(got.logp, ref) <= 1e-6, qPrintable(QString("rows %1: %2").arg(rows).arg(rel_err(got.logp, ref))));
            QVERIFY(at::equal(got.argmax, full.argmax(-1)));
            QVERIFY(!got.argmax.requires_grad());
            (got.logp * w).sum().backward();
            QVERIFY2(rel_err(h.grad(), h_ref.grad()) <= 1e-5, qPrintable(QString("grad, rows %1").arg(rows)));
        }
        QVERIFY(!surgery::gather_logp(m.net, hidden0, ids, false, 1 << 20).argmax.defined());
    }
};

QTEST_APPLESS_MAIN(TestKernels)
#include "test_kernels.moc"
