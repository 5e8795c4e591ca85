// Pretraining: the tiny preset learns its facts, runs are reproducible, the output is a model folder that the
// CLI reads, a stopped run leaves nothing that looks complete, and the demo-model first-run logic rebuilds a
// damaged folder instead of loading it. One thread everywhere: fast and reproducible on a busy machine.
#include "core/common/error.h"
#include "core/common/thread_wait_policy.h"
#include "core/corpus/world_corpus.h"
#include "core/facts/fact_set.h"
#include "core/io/hf_folder.h"
#include "core/pretrain/demo_model.h"
#include "core/pretrain/pretrain.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/cli_process.h"
#include "tests/test_files.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;
using namespace llms;
using namespace llms::test;

namespace {

using llms::test::read_bytes;

CliRun cli(const QStringList& args, int timeout_ms = 120000) {
    return run_process(QStringLiteral(LLMS_CLI), args, timeout_ms);
}


}  // namespace

class TestPretrain : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    fs::path root_, corpus_, model_;
    pretrain::Result tiny_;

    pretrain::Options tiny_options(const fs::path& out, int steps = 0, uint64_t seed = 1234) const {
        pretrain::Options o;
        o.corpus = corpus_;
        o.out = out;
        o.preset = "tiny";
        o.steps = steps;
        o.seed = seed;
        o.threads = 1;
        return o;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        root_ = tmp_.path().toStdString();
        corpus_ = root_ / "corpus-tiny";
        corpus::CorpusOptions co;
        co.data_dir = fs::path(LLMS_SOURCE_DIR) / "resources" / "world";
        co.preset = "tiny";
        const auto stats = corpus::build_world_corpus(co, corpus_);
        QVERIFY(stats.facts >= 40);
    }

    void presets() {
        const auto demo = pretrain::preset("demo"), tiny = pretrain::preset("tiny");
        QVERIFY(tiny.hidden_size < demo.hidden_size);
        QVERIFY(demo.hidden_size % demo.num_heads == 0 && demo.num_heads % demo.num_kv_heads == 0);
        QVERIFY(tiny.hidden_size % tiny.num_heads == 0 && tiny.num_heads % tiny.num_kv_heads == 0);
        QVERIFY_THROWS_EXCEPTION(Error, (void)pretrain::preset("huge"));
    }

    // The training commands' OpenMP wait policy: a short spin on an idle machine, the passive wait on a busy one
    // or where /proc/stat cannot be read, the user's choice kept (and a re-executed process, which sees the
    // variable set, does not re-execute again).
    void threadWaitPolicy() {
        const char* names[] = {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"};
        std::optional<std::string> saved[2];
        for (int i = 0; i < 2; ++i)
            if (const char* v = std::getenv(names[i])) saved[i] = v;
        const auto env = [](const char* name) { return std::string(std::getenv(name) ? std::getenv(name) : "(unset)"); };
        const auto clear = [] { unsetenv("OMP_WAIT_POLICY"), unsetenv("GOMP_SPINCOUNT"); };
        clear();
        QVERIFY(set_thread_wait_policy_env(0.05));
        QCOMPARE(env("GOMP_SPINCOUNT"), std::string(kGompSpinCount));
        QCOMPARE(env("OMP_WAIT_POLICY"), std::string("(unset)"));
        QVERIFY(!set_thread_wait_policy_env(0.05));   // set now: the re-executed process keeps it
        QVERIFY(!choose_thread_wait_policy());
        clear();
        QVERIFY(set_thread_wait_policy_env(0.6));
        QCOMPARE(env("OMP_WAIT_POLICY"), std::string("PASSIVE"));
        QCOMPARE(env("GOMP_SPINCOUNT"), std::string("(unset)"));
        clear();
        QVERIFY(set_thread_wait_policy_env(-1));      // /proc/stat unreadable: the safe choice
        QCOMPARE(env("OMP_WAIT_POLICY"), std::string("PASSIVE"));
        clear();
        setenv("GOMP_SPINCOUNT", "5", 1);
        QVERIFY(!set_thread_wait_policy_env(0.05));
        QCOMPARE(env("GOMP_SPINCOUNT"), std::string("5"));
        QCOMPARE(env("OMP_WAIT_POLICY"), std::string("(unset)"));
        QCOMPARE(thread_wait_policy_in_effect(), std::string("GOMP_SPINCOUNT=5"));
        clear();
        QCOMPARE(thread_wait_policy_in_effect(), std::string("libgomp default"));
        const double share = machine_busy_share(100);
        QVERIFY2(share >= 0 && share <= 1, std::to_string(share).c_str());
        for (int i = 0; i < 2; ++i) saved[i] ? (void)setenv(names[i], saved[i]->c_str(), 1) : (void)unsetenv(names[i]);
    }

    // The tiny preset learns >= 90% of its ~50 facts, and the folder says so.
    void tinyLearnsItsFacts() {
        model_ = root_ / "tiny-model";
        std::vector<pretrain::Progress::Phase> phases;
        int last_step = 0;
        tiny_ = pretrain::run(tiny_options(model_), [&](const pretrain::Progress& p) {
            if (phases.empty() || phases.back() != p.phase) phases.push_back(p.phase);
            if (p.phase == pretrain::Progress::Phase::Train) {
                QVERIFY(p.step >= last_step);
                last_step = p.step;
            }
        });
        qInfo("tiny: %d steps in %.1f s (%.0f tok/s), loss %.3f, held-out ppl %.2f, recall %d/%d", tiny_.steps,
              tiny_.seconds, tiny_.tokens_per_s, tiny_.final_loss, tiny_.heldout_ppl, tiny_.facts_known, tiny_.facts);
        QVERIFY(!tiny_.stopped);
        QCOMPARE(last_step, pretrain::preset("tiny").steps);
        QCOMPARE(phases.front(), pretrain::Progress::Phase::Tokenizer);
        QCOMPARE(phases.back(), pretrain::Progress::Phase::Write);
        QVERIFY(tiny_.facts >= 40);
        QVERIFY2(tiny_.fact_recall() >= 0.9, qPrintable(QString("recall %1").arg(tiny_.fact_recall())));
        QVERIFY(tiny_.heldout_ppl > 1.0);
        QVERIFY(std::isfinite(tiny_.final_loss) && tiny_.final_loss < 3.0);

        std::string why;
        QVERIFY2(io::looks_like_complete_hf_folder(model_, &why), why.c_str());
        QVERIFY2(pretrain::model_folder_ready(model_, &why), why.c_str());
        for (const char* f : {"config.json", "model.safetensors", "tokenizer.model", "known_facts.jsonl", "pretrain.json"})
            QVERIFY2(fs::is_regular_file(model_ / f), f);
        const auto known = facts::load_jsonl(model_ / "known_facts.jsonl");
        QCOMPARE(static_cast<int>(known.facts.size()), tiny_.facts_known);
        for (const auto& f : known.facts) QVERIFY(f.kind == facts::Kind::Retain && !f.answer.empty());

        const auto rec = json_of(QByteArray::fromStdString(read_bytes(model_ / "pretrain.json")));
        QCOMPARE(rec["format"].toString(), QString("llm-surgery pretrain"));
        QCOMPARE(rec["preset"].toString(), QString("tiny"));
        QCOMPARE(rec["facts_known"].toInt(), tiny_.facts_known);
        QVERIFY(rec["heldout_perplexity"].toDouble() > 1.0);
        QCOMPARE(rec["corpus_manifest"].toObject()["preset"].toString(), QString("tiny"));
        // No scratch folders left beside the output.
        for (const auto& e : fs::directory_iterator(root_))
            QVERIFY2(e.path().filename().string().find("tmp") == std::string::npos &&
                         e.path().filename().string().find("partial") == std::string::npos,
                     e.path().c_str());
    }

    // Same seed and threads: the same bytes; another seed: other weights.
    void deterministic() {
        const auto a = root_ / "det-a", b = root_ / "det-b", c = root_ / "det-c";
        QVERIFY(!pretrain::run(tiny_options(a, 8, 7)).stopped);
        QVERIFY(!pretrain::run(tiny_options(b, 8, 7)).stopped);
        QVERIFY(!pretrain::run(tiny_options(c, 8, 8)).stopped);
        const auto wa = read_bytes(a / "model.safetensors");
        QVERIFY(wa.size() > 100000);
        QVERIFY(wa == read_bytes(b / "model.safetensors"));
        // tokenizer.model records its training paths (which differ); its vocabulary must not.
        const auto ta = Tokenizer::load(a / "tokenizer.model"), tb = Tokenizer::load(b / "tokenizer.model");
        QCOMPARE(ta.vocab_size(), tb.vocab_size());
        for (int i = 0; i < ta.vocab_size(); ++i) QCOMPARE(ta.piece(i), tb.piece(i));
        QVERIFY(read_bytes(a / "known_facts.jsonl") == read_bytes(b / "known_facts.jsonl"));
        QVERIFY(wa != read_bytes(c / "model.safetensors"));
    }

    // The folder opens with info, generate and score; the model completes a fact it knows.
    void cliReadsTheOutput() {
        QVERIFY(!model_.empty());
        const QString dir = QString::fromStdString(model_.string());
        auto info = cli({"info", dir, "--json"});
        QVERIFY2(info.code == 0, info.err.constData());
        QVERIFY(!json_of(info.out).isEmpty());

        const auto known = facts::load_jsonl(model_ / "known_facts.jsonl");
        QVERIFY(!known.facts.empty());
        const auto& f = known.facts.front();
        auto gen = cli({"generate", dir, "--prompt", QString::fromStdString(f.prompt), "--max-new-tokens", "8", "--json"});
        QVERIFY2(gen.code == 0, gen.err.constData());
        const auto g = json_of(gen.out);
        const QString completion = g["completion"].toString();
        QVERIFY2(completion.trimmed().startsWith(QString::fromStdString(f.answer).trimmed()),
                 qPrintable(completion + " vs " + QString::fromStdString(f.answer)));

        auto score = cli({"score", dir, "--text", QString::fromStdString(f.prompt + f.answer), "--json"});
        QVERIFY2(score.code == 0, score.err.constData());
        QVERIFY(json_of(score.out).contains("logprobs"));
    }

    // The CLI command itself: arguments, summary JSON, the folder it writes; refuses to overwrite.
    void cliPretrain() {
        const QString out = QString::fromStdString((root_ / "cli-model").string());
        const QString corpus = QString::fromStdString(corpus_.string());
        auto r = cli({"pretrain", "--corpus", corpus, "--out", out, "--preset", "tiny", "--steps", "6", "--threads", "1",
                      "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto j = json_of(r.out);
        QCOMPARE(j["steps"].toInt(), 6);
        QCOMPARE(j["preset"].toString(), QString("tiny"));
        QVERIFY(io::looks_like_complete_hf_folder(root_ / "cli-model"));

        auto again = cli({"pretrain", "--corpus", corpus, "--out", out, "--preset", "tiny", "--steps", "6"});
        QCOMPARE(again.code, 1);
        QVERIFY(again.err.contains("already exists"));
        auto bad = cli({"pretrain", "--corpus", corpus, "--out", out + "-x", "--preset", "huge"});
        QCOMPARE(bad.code, 1);
        QVERIFY(!fs::exists(root_ / "cli-model-x"));
    }

    // A run stopped mid-training writes nothing at --out; so does a CLI run ended by SIGTERM.
    void stoppedRunLeavesNothing() {
        const auto out = root_ / "stopped";
        std::atomic<bool> stop{false};
        auto o = tiny_options(out, 200);
        o.stop = &stop;
        const auto r = pretrain::run(o, [&](const pretrain::Progress& p) {
            if (p.phase == pretrain::Progress::Phase::Train && p.step >= 5) stop = true;
        });
        QVERIFY(r.stopped);
        QVERIFY(r.steps < 200);
        QVERIFY(!fs::exists(out));
        QVERIFY(!io::looks_like_complete_hf_folder(out));

        const auto cli_out = root_ / "cli-stopped";
        QProcess p;
        p.setProcessChannelMode(QProcess::SeparateChannels);
        p.start(QStringLiteral(LLMS_CLI), {"pretrain", "--corpus", QString::fromStdString(corpus_.string()), "--out",
                                           QString::fromStdString(cli_out.string()), "--preset", "tiny", "--steps",
                                           "100000", "--threads", "1"});
        QVERIFY(p.waitForStarted());
        QByteArray err;
        QElapsedTimer t;
        t.start();
        while (!err.contains("step ") && t.elapsed() < 60000 && p.state() == QProcess::Running) {
            p.waitForReadyRead(500);
            err += p.readAllStandardError();
        }
        QVERIFY2(err.contains("step "), err.constData());
        p.terminate();   // SIGTERM: handled like Ctrl-C
        QVERIFY(p.waitForFinished(60000));
        err += p.readAllStandardError();
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains("nothing written"), err.constData());
        QVERIFY(!io::looks_like_complete_hf_folder(cli_out));
        QVERIFY(!fs::exists(cli_out));
    }

    // First run: a missing or damaged demo model is (re)built, a ready one is left alone.
    void demoModelFirstRun() {
        const auto dir = root_ / "data" / "llm-surgery" / "demo-model";
        pretrain::DemoModelOptions o;
        o.dir = dir;
        o.world_data = fs::path(LLMS_SOURCE_DIR) / "resources" / "world";
        o.preset = "tiny";
        o.steps = 6;
        o.threads = 1;
        std::string why;
        QVERIFY(!pretrain::model_folder_ready(dir, &why));
        QVERIFY(!why.empty());

        bool saw_corpus = false;
        auto b = pretrain::build_demo_model(o, [&](const pretrain::Progress& p) {
            saw_corpus |= p.phase == pretrain::Progress::Phase::Corpus;
        });
        QVERIFY(b.built && saw_corpus);
        QVERIFY2(pretrain::model_folder_ready(dir, &why), why.c_str());
        const auto first = read_bytes(dir / "model.safetensors");

        b = pretrain::build_demo_model(o);   // ready: nothing to do
        QVERIFY(!b.built);

        // A half-written weights file: detected, removed, rebuilt.
        fs::resize_file(dir / "model.safetensors", 64);
        QVERIFY(!pretrain::model_folder_ready(dir, &why));
        b = pretrain::build_demo_model(o);
        QVERIFY(b.built);
        QVERIFY(!b.replaced_reason.empty());
        QVERIFY2(pretrain::model_folder_ready(dir, &why), why.c_str());
        QVERIFY(read_bytes(dir / "model.safetensors") == first);   // same seed and threads

        // A missing pretrain.json (the folder was not written by pretrain): not ready either.
        fs::remove(dir / "pretrain.json");
        QVERIFY(!pretrain::model_folder_ready(dir, &why));
        QVERIFY(why.find("pretrain.json") != std::string::npos);
        // Leftovers of a killed build beside it are cleaned up by the next build.
        fs::create_directories(dir.parent_path() / "demo-model.partial-999");
        b = pretrain::build_demo_model(o);
        QVERIFY(b.built);
        QVERIFY(!fs::exists(dir.parent_path() / "demo-model.partial-999"));
        QVERIFY(pretrain::model_folder_ready(dir));

        // The user data folder: XDG_DATA_HOME wins.
        qputenv("XDG_DATA_HOME", QByteArray::fromStdString((root_ / "data").string()));
        QCOMPARE(pretrain::demo_model_dir(), dir);
        QVERIFY(pretrain::demo_model_ready());
    }
};

QTEST_GUILESS_MAIN(TestPretrain)
#include "test_pretrain.moc"
