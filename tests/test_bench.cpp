// Benchmark commands, smoke-tested on tiny shapes (no timing assertions): `bench surgery` and `bench generate`
// print JSON with every documented key and positive values; the step is the surgery objective (KL to θ0 is 0
// at θ0, the NLL terms start near ln V); a --dump folder lets the Python peer (bench/peer/official_step.py,
// when Debian's python3-torch is installed) reproduce the first two steps' terms on the same weights.
// `bench paper --quick`: the table's structure, the files it writes, and the same numbers twice for one seed.
#include "core/bench/surgery_bench.h"
#include "tests/cli_process.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace llms;
using namespace llms::test;

namespace {


const QStringList kTinyShape = {"--dim", "32", "--layers", "1", "--heads", "2", "--kv-heads", "1",
                                "--vocab", "64", "--seq", "8", "--batch", "2", "--threads", "1"};

}  // namespace

class BenchTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void surgeryJson_data() {
        QTest::addColumn<QString>("precision");
        QTest::newRow("fp32") << "fp32";
        QTest::newRow("bf16") << "bf16";
    }

    void surgeryJson() {
        QFETCH(QString, precision);
        auto r = run_process(QStringLiteral(LLMS_CLI), QStringList{"bench", "surgery"} + kTinyShape +
                                                           QStringList{"--steps", "2", "--precision", precision, "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto j = json_of(r.out);
        for (const char* key : {"tokens_per_s", "step_ms", "peak_rss_mb", "forward_ms", "backward_ms", "optimizer_ms",
                                "params", "mfu", "gemm_gflops", "tokens_per_step"}) {
            QVERIFY2(j.contains(key), key);
            QVERIFY2(j.value(key).toDouble() > 0, key);
        }
        QCOMPARE(j.value("tokens_per_step").toInt(), 3 * 2 * 8);
        QCOMPARE(j.value("precision").toString(), precision);
        QVERIFY(!j.value("thread_wait").toString().isEmpty());   // a condition of the measurement
        // step = forward + backward + optimizer (medians of the same steps: equal up to rounding for 2 steps)
        const double sum = j.value("forward_ms").toDouble() + j.value("backward_ms").toDouble() +
                           j.value("optimizer_ms").toDouble();
        QVERIFY(std::abs(sum - j.value("step_ms").toDouble()) < 1e-6 * sum + 1e-9);
        const auto s1 = j.value("step1").toObject();
        QVERIFY(std::abs(s1.value("retain_kl").toDouble()) < 1e-4);   // θ = θ0 at step 1
        QVERIFY(std::abs(s1.value("forget_nll").toDouble() - std::log(64.0)) < 0.5);   // near-uniform start
        QVERIFY(j.value("step2").toObject().value("retain_kl").toDouble() > 0);        // one update later
    }

    // Layer-selective training with checkpointed layers: fewer trained weights, fewer FLOPs credited
    // (no weight gradients for the frozen ones, no backward below the lowest trained layer), same step-1 terms.
    void surgeryTrainedLayersAndCheckpointing() {
        const QStringList shape = {"--dim", "32", "--layers", "2", "--heads", "2", "--kv-heads", "1", "--vocab", "64",
                                   "--seq", "8", "--batch", "2", "--threads", "1", "--steps", "2", "--json"};
        auto all = run_process(QStringLiteral(LLMS_CLI), QStringList{"bench", "surgery"} + shape);
        auto upper = run_process(QStringLiteral(LLMS_CLI), QStringList{"bench", "surgery"} + shape +
                                                                 QStringList{"--train", "layers:1-1", "--checkpoint-layers"});
        QVERIFY2(all.code == 0, all.err.constData());
        QVERIFY2(upper.code == 0, upper.err.constData());
        const auto a = json_of(all.out), u = json_of(upper.out);
        QCOMPARE(a.value("device").toString(), QString("cpu"));
        QCOMPARE(a.value("peak_device_mb").toDouble(), -1.0);   // no GPU here
        QCOMPARE(a.value("trainable_params").toDouble(), a.value("params").toDouble());
        QCOMPARE(u.value("train").toString(), QString("layers:1-1"));
        QVERIFY(u.value("checkpoint_layers").toBool());
        QVERIFY(u.value("trainable_params").toDouble() < a.value("params").toDouble() / 2);
        // FLOPs per token: 6 x matmul weights when all train, fewer when only the upper layer does.
        const double per_tok_all = a.value("model_gflops").toDouble() * 1e9 / a.value("tokens_per_s").toDouble();
        const double per_tok_upper = u.value("model_gflops").toDouble() * 1e9 / u.value("tokens_per_s").toDouble();
        QVERIFY(std::abs(per_tok_all - 6.0 * a.value("matmul_params").toDouble()) < 1e-6 * per_tok_all);
        QVERIFY(per_tok_upper < per_tok_all);
        for (const char* k : {"forget_nll", "update_nll"})
            QVERIFY(std::abs(a.value("step1").toObject().value(k).toDouble() -
                             u.value("step1").toObject().value(k).toDouble()) < 1e-5);
        auto bad = run_process(QStringLiteral(LLMS_CLI), QStringList{"bench", "surgery"} + shape +
                                                              QStringList{"--train", "layers:0-5"});
        QVERIFY(bad.code != 0);
        QVERIFY2(bad.err.contains("outside this model"), bad.err.constData());
    }

    void surgeryRefusesBadShapes() {
        auto r = run_process(QStringLiteral(LLMS_CLI), {"bench", "surgery", "--dim", "30", "--heads", "4"});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("--heads must divide --dim"), r.err.constData());
        r = run_process(QStringLiteral(LLMS_CLI), {"bench", "surgery", "--precision", "fp8"});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("fp32 or bf16"), r.err.constData());
        r = run_process(QStringLiteral(LLMS_CLI), {"bench", "nothing"});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("surgery, generate, paper or memory"), r.err.constData());
    }

    void generateJson() {
        auto r = run_process(QStringLiteral(LLMS_CLI),
                             {"bench", "generate", "--random", "--dim", "32", "--layers", "1", "--heads", "2", "--kv-heads",
                              "1", "--vocab", "64", "--new-tokens", "4", "--runs", "2", "--threads", "1", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto j = json_of(r.out);
        for (const char* key : {"ms", "tokens_per_s", "first_token_ms", "params", "peak_rss_mb"}) {
            QVERIFY2(j.contains(key), key);
            QVERIFY2(j.value(key).toDouble() > 0, key);
        }
        QCOMPARE(j.value("new_tokens").toInt(), 4);
        QVERIFY(!j.value("thread_wait").toString().isEmpty());
        QVERIFY(j.value("first_token_ms").toDouble() <= j.value("ms").toDouble());
        QCOMPARE(j.value("inference_mode").toBool(), false);
        r = run_process(QStringLiteral(LLMS_CLI), {"bench", "generate", "--random", "--dim", "32", "--layers", "1", "--heads",
                                                   "2", "--kv-heads", "1", "--vocab", "64", "--new-tokens", "4", "--runs",
                                                   "1", "--threads", "1", "--inference-mode", "on", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(json_of(r.out).value("inference_mode").toBool(), true);
        r = run_process(QStringLiteral(LLMS_CLI), {"bench", "generate"});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("MODEL_DIR or --random"), r.err.constData());
    }

    // The paper's protocol at the tiny scale, twice with one seed: every number but the seconds must repeat.
    void paperQuickDeterministic() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        QJsonObject runs[2];
        for (int i = 0; i < 2; ++i) {
            const QString out = tmp.filePath(QString("run%1").arg(i));
            auto r = run_process(QStringLiteral(LLMS_CLI),
                                 {"bench", "paper", "--quick", "--seed", "7", "--threads", "1", "--out", out, "--world-data",
                                  QStringLiteral(LLMS_SOURCE_DIR "/resources/world"), "--json"},
                                 120000);
            QVERIFY2(r.code == 0, r.err.constData());
            runs[i] = json_of(r.out);
            for (const char* f : {"paper_table.md", "paper_table.json", "theta_surgery/config.json",
                                  "theta_surgery/model.safetensors", "theta_pre/tokenizer.model", "theta_baseline/config.json",
                                  "surgery_set.jsonl"})
                QVERIFY2(QFile::exists(out + "/" + f), f);
            QFile saved(out + "/paper_table.json");
            QVERIFY(saved.open(QIODevice::ReadOnly));
            QCOMPARE(json_of(saved.readAll()), runs[i]);
        }
        const QJsonObject& j = runs[0];
        QCOMPARE(j.value("scale").toString(), QString("quick"));
        QVERIFY(!j.value("thread_wait").toString().isEmpty());
        const auto models = j.value("models").toObject();
        for (const char* model : {"pre", "baseline", "surgery"})
            for (const char* set : {"unlearn", "update", "retain"}) {
                const auto s = models.value(model).toObject().value(set).toObject();
                const QByteArray where = QByteArray(model) + "/" + set;
                QVERIFY2(s.contains("mcqa_acc") && s.contains("ppl"), where);
                QVERIFY2(s.value("mcqa_acc").toDouble() >= 0 && s.value("mcqa_acc").toDouble() <= 1, where);
                QVERIFY2(s.value("ppl").toDouble() > 1, where);
                QVERIFY2(s.value("questions").toInt() > 0 && s.value("documents").toInt() > 0, where);
            }
        // θ_pre holds the true facts of B, the baseline was trained on the fictitious ones.
        QVERIFY(models.value("pre").toObject().value("update").toObject().value("ppl").toDouble() >
                models.value("baseline").toObject().value("update").toObject().value("ppl").toDouble());
        const auto c = j.value("compute").toObject();
        for (const char* key : {"surgery_seconds", "surgery_tokens", "surgery_forward_tokens", "baseline_seconds",
                                "baseline_tokens", "compute_ratio", "seconds_ratio"})
            QVERIFY2(c.value(key).toDouble() > 0, key);
        const double ratio = (c.value("surgery_tokens").toDouble() + c.value("surgery_forward_tokens").toDouble() / 3) /
                             c.value("baseline_tokens").toDouble();
        QVERIFY(std::abs(ratio - c.value("compute_ratio").toDouble()) < 1e-9);
        for (const char* key : {"update_within_5_points", "retain_within_5_points", "unlearn_at_most_baseline_plus_5",
                                "compute_at_most_10_percent", "all"})
            QVERIFY2(j.value("targets").toObject().value(key).isBool(), key);

        // Same seed, same numbers: drop the wall-clock fields and compare everything else.
        auto strip = [](QJsonObject o) {
            auto c = o.value("compute").toObject();
            for (const char* key : {"surgery_seconds", "baseline_seconds", "pre_seconds", "seconds_ratio"}) c.remove(key);
            o.insert("compute", c);
            return o;
        };
        QCOMPARE(strip(runs[1]), strip(runs[0]));

        // An existing, non-empty --out is refused before any work.
        auto r = run_process(QStringLiteral(LLMS_CLI), {"bench", "paper", "--quick", "--out", tmp.filePath("run0")});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("already exists"), r.err.constData());
    }

    // The API directly: exact KL (K = V) and the dump for the peer; the peer's terms when python3-torch exists.
    void peerSameMath() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        bench::SurgeryBenchOptions o;
        o.shape = {32, 0, 1, 2, 1, 64};
        o.seq = 8;
        o.batch = 2;
        o.steps = 1;
        o.warmup = 1;
        o.threads = 1;
        o.topk = 64;   // = V: the exact KL
        o.dump = tmp.filePath("dump").toStdString();
        const auto r = bench::run_surgery_bench(o);
        QCOMPARE((int)r.losses.size(), 2);
        QCOMPARE(r.options.shape.ffn, (int64_t)96);   // 8/3 · 32 rounded up to 16
        for (const char* f : {"config.json", "model.safetensors", "batches.safetensors", "recipe.json"})
            QVERIFY2(QFile::exists(tmp.filePath(QString("dump/") + f)), f);

        if (run_process("/usr/bin/python3", {"-c", "import torch"}).code != 0)
            QSKIP("Debian's python3-torch is not installed: the peer comparison is skipped");
        auto p = run_process("/usr/bin/python3", {QStringLiteral(LLMS_SOURCE_DIR "/bench/peer/official_step.py"), "--load",
                                                  tmp.filePath("dump"), "--steps", "1", "--warmup", "1", "--threads", "1"});
        QVERIFY2(p.code == 0, p.err.constData());
        const auto j = json_of(p.out);
        for (const char* step : {"step1", "step2"}) {
            const auto s = j.value(step).toObject();
            const auto& l = r.losses[step[4] == '1' ? 0 : 1];
            QVERIFY2(std::abs(s.value("forget_nll").toDouble() - l.forget_nll) < 1e-4, step);
            QVERIFY2(std::abs(s.value("update_nll").toDouble() - l.update_nll) < 1e-4, step);
            QVERIFY2(std::abs(s.value("retain_kl").toDouble() - l.retain_kl) < 1e-4, step);
            QVERIFY2(std::abs(s.value("grad_norm").toDouble() - l.grad_norm) < 1e-3 * l.grad_norm, step);
        }
    }
};

QTEST_GUILESS_MAIN(BenchTest)
#include "test_bench.moc"
