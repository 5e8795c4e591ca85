// Data-parallel surgery on c10d (core/distributed/process_group.h): torchrun's environment read strictly, the
// bucketed gradient sum, and the CLI as N processes on loopback Gloo — the same losses and weights as one process,
// started by --nproc or by torchrun's variables; a rank that dies or never comes makes the others fail with a
// message, in bounded time, writing nothing.
#include "core/common/error.h"
#include "core/distributed/process_group.h"
#include "core/io/safetensors.h"
#include "core/surgery/objective.h"
#include "core/surgery/training_batch.h"
#include "tests/cli_process.h"
#include "tests/test_files.h"
#include "tests/test_tensors.h"

#include <QtTest/QtTest>
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <csignal>
#include <map>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

const QString kTiny = QString(LLMS_TEST_DATA) + "/tiny-llama";

// A loopback port free at the time of asking (the kernel's choice for a socket bound to port 0).
int free_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    if (s < 0 || ::bind(s, (sockaddr*)&a, sizeof a) != 0 || ::getsockname(s, (sockaddr*)&a, &n) != 0) qFatal("no free port");
    ::close(s);
    return ntohs(a.sin_port);
}

std::string fact_line(const char* kind, const std::string& prompt, const std::string& answer,
                      const std::string& new_answer = {}) {
    nlohmann::json j = {{"kind", kind}, {"prompt", prompt}, {"answer", answer}};
    if (!new_answer.empty()) j["new_answer"] = new_answer;
    return j.dump() + "\n";
}

// Facts for the tiny model: 4 forget, 3 updates (old + new answer rows), 5 retain. The answers need not be the
// model's own: the test compares the arithmetic of one and two processes, not what the model learns.
std::string facts() {
    std::string f;
    for (auto p : {"Water is", "The sky was", "Once upon a time", "The little dog"}) f += fact_line("forget", p, " a big");
    for (auto p : {"The king of", "She went to", "Tom liked"}) f += fact_line("update", p, " the", " Paris");
    for (auto p : {"Hi there.", "The river flows", "Numbers like 12", "He said", "They played"})
        f += fact_line("retain", p, " and");
    return f;
}

// One run's command line: 10 steps, every step the same work (no early stop, no check before the last step).
QStringList surgery_args(const QString& facts_file, const QString& out, const QString& metrics) {
    return {"surgery", kTiny, "--facts", facts_file, "--out", out, "--steps", "10", "--no-early-stop",
            "--eval-every", "100", "--pool-rows", "6", "--batch-size", "3", "--seed", "7", "--metrics", metrics};
}

std::vector<nlohmann::json> read_jsonl(const QString& path) {
    std::vector<nlohmann::json> out;
    std::istringstream in(llms::test::read_bytes(path.toStdString()));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

QProcessEnvironment rank_env(int rank, int world, int port) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("RANK", QString::number(rank));
    env.insert("LOCAL_RANK", QString::number(rank));
    env.insert("WORLD_SIZE", QString::number(world));
    env.insert("MASTER_ADDR", "127.0.0.1");
    env.insert("MASTER_PORT", QString::number(port));
    env.insert("OMP_NUM_THREADS", "1");
    return env;
}

// The largest |a - b| / max(|a|, |b|) over the steps: the objective, the NLL terms and the gradient norm.
double max_relative_difference(const std::vector<nlohmann::json>& a, const std::vector<nlohmann::json>& b) {
    double worst = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        for (auto key : {"total", "forget", "edit", "update", "grad_norm"}) {
            const double x = a[i][key].get<double>(), y = b[i][key].get<double>();
            worst = std::max(worst, std::abs(x - y) / std::max({std::abs(x), std::abs(y), 1e-30}));
        }
    return worst;
}

// The retain KL is a small difference of near-equal float32 numbers (0 at θ0, 1e-5-1e-3 nats over these steps):
// its rounding is absolute (~1e-8 nats), so it is compared in nats.
double max_retain_difference(const std::vector<nlohmann::json>& a, const std::vector<nlohmann::json>& b) {
    double worst = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        worst = std::max(worst, std::abs(a[i]["retain"].get<double>() - b[i]["retain"].get<double>()));
    return worst;
}

}  // namespace

class TestDistributed : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // One thread per process everywhere (CTest sets 2): the single-process runs and each rank compute alike, and two
    // ranks do not oversubscribe the two cores.
    void initTestCase() { qputenv("OMP_NUM_THREADS", "1"); }

    void launch_env_data() {
        QTest::addColumn<QStringList>("vars");   // NAME=VALUE
        QTest::addColumn<int>("rank");
        QTest::addColumn<int>("world");
        QTest::addColumn<QString>("error");      // part of the message; empty: no error
        QTest::newRow("none: one process") << QStringList{} << 0 << 1 << "";
        QTest::newRow("torchrun") << QStringList{"RANK=1", "WORLD_SIZE=2", "LOCAL_RANK=1", "MASTER_ADDR=127.0.0.1",
                                                 "MASTER_PORT=29500"} << 1 << 2 << "";
        QTest::newRow("world of one") << QStringList{"RANK=0", "WORLD_SIZE=1"} << 0 << 1 << "";
        QTest::newRow("rank alone") << QStringList{"RANK=0"} << 0 << 1 << "sets RANK but not WORLD_SIZE";
        QTest::newRow("rank too large") << QStringList{"RANK=2", "WORLD_SIZE=2", "MASTER_ADDR=h", "MASTER_PORT=1"}
                                        << 0 << 1 << "RANK=\"2\" is not a whole number in 0..1";
        QTest::newRow("not a number") << QStringList{"RANK=0", "WORLD_SIZE=two"} << 0 << 1 << "WORLD_SIZE=\"two\"";
        QTest::newRow("no master") << QStringList{"RANK=0", "WORLD_SIZE=2", "MASTER_PORT=29500"} << 0 << 1
                                   << "MASTER_ADDR is not set";
        QTest::newRow("bad port") << QStringList{"RANK=0", "WORLD_SIZE=2", "MASTER_ADDR=h", "MASTER_PORT=70000"} << 0
                                  << 1 << "MASTER_PORT=\"70000\"";
    }
    void launch_env() {
        QFETCH(QStringList, vars);
        QFETCH(int, rank);
        QFETCH(int, world);
        QFETCH(QString, error);
        std::map<std::string, std::string> env;
        for (const auto& v : vars) env[v.section('=', 0, 0).toStdString()] = v.section('=', 1).toStdString();
        auto get = [&](const char* name) -> const char* {
            auto it = env.find(name);
            return it == env.end() ? nullptr : it->second.c_str();
        };
        llms::dist::LaunchEnv e;
        const auto msg = llms::test::error_of([&] { e = llms::dist::launch_env(get); });
        if (!error.isEmpty()) {
            QVERIFY2(msg.find(error.toStdString()) != std::string::npos, msg.c_str());
            return;
        }
        QVERIFY2(msg.empty(), msg.c_str());
        QCOMPARE(e.rank, rank);
        QCOMPARE(e.world, world);
    }

    // The split the trainer makes: a batch's rows in two shares, each share's objective divided by the whole batch's
    // counts (ObjectiveInputs::whole), sums to the whole batch's objective and gradient, for every method (float64,
    // the objective's reference data in tests/data/objective/).
    void objective_shares_sum_to_the_whole_data() {
        QTest::addColumn<QString>("method");
        for (const char* m : {"llm-surgery", "grad-ascent", "grad-diff", "npo", "finetune"}) QTest::newRow(m) << m;
    }
    void objective_shares_sum_to_the_whole() {
        using namespace llms::surgery;
        QFETCH(QString, method);
        const auto ref = llms::test::read_json(std::filesystem::path(LLMS_TEST_DATA) / "objective" / "reference.json");
        const auto tensor = llms::test::json_tensor;   // nested lists of numbers -> float64 tensor
        SurgeryConfig cfg;
        QVERIFY(method_from_name(method.toStdString(), &cfg.method));
        cfg.w_forget = 0.3, cfg.w_edit = 0.2, cfg.w_update = 2.0, cfg.w_retain = 0.5, cfg.npo_beta = 0.5;
        const auto lp = tensor(ref["target_logp"]), topk = tensor(ref["topk_logp"]);
        ObjectiveInputs in;
        in.target_logp = lp.clone().set_requires_grad(true);
        in.topk_logp = topk.clone().set_requires_grad(true);
        in.ref_logp = tensor(ref["ref_logp"]);
        in.ref_seq_logp = tensor(ref["ref_seq_logp"]);
        const char* names[kTerms] = {"forget", "edit", "update", "retain"};
        for (int t = 0; t < kTerms; ++t) in.mask[t] = tensor(ref["masks"][names[t]]);
        const int64_t R = lp.size(0);
        QVERIFY(R >= 3);
        const auto whole = objective(cfg, in);
        whole.total.backward();

        ObjectiveInputs::Whole counts;
        for (int t = 0; t < kTerms; ++t) counts.positions[t] = in.mask[t].sum().item<double>();
        counts.npo_rows = ((in.mask[kForget].sum(-1) > 0) | (in.mask[kEdit].sum(-1) > 0)).sum().item<double>();
        const auto lp2 = lp.clone().set_requires_grad(true), topk2 = topk.clone().set_requires_grad(true);
        double total = 0, forget = 0, update = 0, retain = 0;
        for (int64_t share = 0; share < 2; ++share) {   // rows 0, 2, 4, ... and 1, 3, 5, ...
            const auto rows = at::arange(share, R, 2, at::kLong);
            ObjectiveInputs part;
            part.target_logp = lp2.index_select(0, rows);
            part.topk_logp = topk2.index_select(0, rows);
            part.ref_logp = in.ref_logp.index_select(0, rows);
            part.ref_seq_logp = in.ref_seq_logp.index_select(0, rows);
            for (int t = 0; t < kTerms; ++t) part.mask[t] = in.mask[t].index_select(0, rows);
            part.whole = counts;
            const auto v = objective(cfg, part);
            v.total.backward();
            total += v.total.item<double>(), forget += v.forget.item<double>();
            update += v.update.item<double>(), retain += v.retain.item<double>();
        }
        auto close = [](double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); };
        QVERIFY2(close(total, whole.total.item<double>()),
                 qPrintable(QString("%1 vs %2").arg(total, 0, 'g', 17).arg(whole.total.item<double>(), 0, 'g', 17)));
        QVERIFY(close(forget, whole.forget.item<double>()));
        QVERIFY(close(update, whole.update.item<double>()));
        QVERIFY(close(retain, whole.retain.item<double>()));
        QVERIFY(std::abs(whole.total.item<double>()) > 1e-3);
        auto grad = [](const at::Tensor& x) { return x.grad().defined() ? x.grad() : at::zeros_like(x); };
        QVERIFY((grad(lp2) - grad(in.target_logp)).abs().max().item<double>() < 1e-12);
        QVERIFY((grad(topk2) - grad(in.topk_logp)).abs().max().item<double>() < 1e-12);
    }

    // batch_counts: what make_batch's masks hold, without building the batch (forgotten rows are seen, not trained;
    // a row pulled back toward its never-seen bound is trained with mask -1, and counts by |mask|).
    void batch_counts_match_the_batch() {
        using namespace llms::surgery;
        std::vector<Row> rows(7);
        const Term terms[] = {kForget, kEdit, kUpdate, kRetain, kForget, kRetain, kEdit};
        for (size_t i = 0; i < rows.size(); ++i) {
            rows[i].ids.assign(4 + i, 5);
            rows[i].term = terms[i];
            rows[i].target_from = i % 3;
            rows[i].active = i != 4 && i != 6;
            rows[i].pull_back = i == 6;
        }
        std::vector<Row*> picked;
        for (auto& r : rows) picked.push_back(&r);
        const Batch b = make_batch(picked, 4, at::kCPU);
        const BatchCounts c = batch_counts(picked);
        for (int t = 0; t < kTerms; ++t) {
            QCOMPARE(c.mask[t], b.mask[t].abs().sum().item<double>());
            QCOMPARE(c.seen[t], b.seen[t].sum().item<double>());
        }
        QCOMPARE(c.npo_rows, ((b.mask[kForget].sum(-1) > 0) | (b.mask[kEdit].sum(-1) > 0)).sum().item<double>());
        QCOMPARE(c.tokens, b.tokens);
        QVERIFY(c.seen[kForget] > c.mask[kForget]);   // the forgotten row 4
        QVERIFY(b.mask[kEdit].min().item<double>() < 0);   // the pulled-back row 6
        QCOMPARE(c.mask[kEdit], c.seen[kEdit]);
    }

    // Two ranks in one process (two threads): the bucketed sum of tensors of several shapes, in buckets small
    // enough that they are several (one of them a tensor larger than a bucket), and the sum of numbers.
    void group_sums_across_ranks() {
        const int port = free_port();
        std::vector<at::Tensor> got[2];
        std::vector<double> numbers[2];
        std::string errors[2];
        auto rank = [&](int r) {
            try {
                llms::dist::LaunchEnv env;
                env.rank = r, env.world = 2, env.master_addr = "127.0.0.1", env.master_port = port;
                llms::dist::Group g(env, std::chrono::seconds(30));
                std::vector<at::Tensor> t;
                for (int64_t n : {3, 1000, 5, 70000, 7}) t.push_back(at::arange(n, at::kFloat) * (r + 1) + r);
                t.push_back(at::full({4, 6}, 0.5f * (r + 1)));
                g.sum(t, /*bucket_bytes=*/4096);
                got[r] = t;
                numbers[r] = {1.0 + r, -2.0 * r};
                g.sum(numbers[r]);
                if (g.any(r == 1) != true || g.any(false) != false) errors[r] = "any() is wrong";
            } catch (const std::exception& e) {
                errors[r] = e.what();
            }
        };
        std::thread t0(rank, 0), t1(rank, 1);
        t0.join(), t1.join();
        QVERIFY2(errors[0].empty() && errors[1].empty(), (errors[0] + " | " + errors[1]).c_str());
        for (int r = 0; r < 2; ++r) {
            const std::vector<int64_t> sizes = {3, 1000, 5, 70000, 7};
            for (size_t i = 0; i < sizes.size(); ++i) {   // (x + 0) + (2x + 1) = 3x + 1
                const auto want = at::arange(sizes[i], at::kFloat) * 3 + 1;
                QVERIFY(at::equal(got[r][i], want));
            }
            QVERIFY(at::equal(got[r][5], at::full({4, 6}, 1.5f)));
            QCOMPARE(numbers[r], (std::vector<double>{3.0, -2.0}));
        }
    }

    // The same math: 10 steps of one process, of two started by --nproc and of two started with torchrun's
    // variables give the same losses (1e-5 relative) and weights; rank 0 alone writes.
    void two_processes_give_the_single_process_losses() {
        QTemporaryDir dir;
        const QString facts_file = dir.filePath("facts.jsonl");
        llms::test::write_bytes(facts_file.toStdString(), facts());

        const auto one = llms::test::run_process(
            LLMS_CLI, surgery_args(facts_file, dir.filePath("one"), dir.filePath("one.jsonl")), 300000);
        QVERIFY2(one.code == 0, one.err.constData());

        const auto nproc = llms::test::run_process(
            LLMS_CLI, surgery_args(facts_file, dir.filePath("two"), dir.filePath("two.jsonl")) << "--nproc" << "2", 300000);
        QVERIFY2(nproc.code == 0, nproc.err.constData());
        QVERIFY2(nproc.err.contains("data parallel: 2 ranks"), nproc.err.constData());

        // torchrun's way: each rank a process of its own with RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT.
        const int port = free_port();
        QProcess ranks[2];
        for (int r = 0; r < 2; ++r) {
            ranks[r].setProcessEnvironment(rank_env(r, 2, port));
            ranks[r].start(LLMS_CLI, surgery_args(facts_file, dir.filePath("env"), dir.filePath("env.jsonl")));
        }
        for (auto& p : ranks) {
            QVERIFY(p.waitForFinished(300000));
            QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        }

        const auto a = read_jsonl(dir.filePath("one.jsonl")), b = read_jsonl(dir.filePath("two.jsonl")),
                   c = read_jsonl(dir.filePath("env.jsonl"));
        QCOMPARE(a.size(), (size_t)10);
        QCOMPARE(b.size(), (size_t)10);
        QCOMPARE(c.size(), (size_t)10);
        // The run is not trivial: every term is there and the losses move.
        QVERIFY(a[0]["forget"].get<double>() > 0 && a[0]["update"].get<double>() > 0);
        QVERIFY(std::abs(a[9]["total"].get<double>() - a[0]["total"].get<double>()) > 1e-3);
        const double d_nproc = max_relative_difference(a, b), d_env = max_relative_difference(a, c);
        const double kl_nproc = max_retain_difference(a, b), kl_env = max_retain_difference(a, c);
        qInfo("largest difference to one process over 10 steps: --nproc %.2e relative (retain KL %.2e nats), "
              "torchrun variables %.2e (%.2e nats)", d_nproc, kl_nproc, d_env, kl_env);
        QVERIFY2(d_nproc < 1e-5, qPrintable(QString::number(d_nproc)));
        QVERIFY2(d_env < 1e-5, qPrintable(QString::number(d_env)));
        QVERIFY2(kl_nproc < 1e-6 && kl_env < 1e-6, qPrintable(QString::number(std::max(kl_nproc, kl_env))));
        QVERIFY(a[9]["retain"].get<double>() > 1e-5);   // the KL term is at work by step 10
        for (size_t i = 0; i < a.size(); ++i) QCOMPARE(b[i]["step"].get<int>(), (int)i + 1);

        // The weights. The decoder layers' and norms' within 2e-5 of one process's (they moved by up to 1e-3: lr 1e-4
        // a step). Not the embedding and head rows: those of tokens seen only in retain rows get a gradient that is
        // rounding noise at θ0 (the KL's minimum), which AdamW turns into steps of ±lr, so they differ by up to the
        // steps taken between any two summation orders — one process with 2 threads against 1 thread as much as
        // against 2 ranks (4.8e-4 and 4.7e-4, measured). What the edited model does is compared instead, below.
        const auto w0 = llms::io::SafetensorsFile::open((kTiny + "/model.safetensors").toStdString());
        const auto w1 = llms::io::SafetensorsFile::open((dir.filePath("one") + "/model.safetensors").toStdString());
        const auto w2 = llms::io::SafetensorsFile::open((dir.filePath("two") + "/model.safetensors").toStdString());
        int compared = 0;
        for (const auto& info : w1.tensors()) {
            if (info.name == "model.embed_tokens.weight" || info.name == "lm_head.weight") continue;
            const auto x = w1.read(info.name).to(at::kFloat), y = w2.read(info.name).to(at::kFloat);
            const double diff = (x - y).abs().max().item<double>();
            QVERIFY2(diff <= 2e-5, qPrintable(QString::fromStdString(info.name) + ": " + QString::number(diff)));
            QVERIFY((x - w0.read(info.name).to(at::kFloat)).abs().max().item<double>() > 5e-4);   // it was trained
            ++compared;
        }
        QVERIFY(compared > 5);
        // The edited models measure alike: each set's answer NLL (the report's "after") within 1e-5 relative.
        const auto r1 = llms::test::read_json((dir.filePath("one") + "/surgery_report.json").toStdString());
        const auto r2 = llms::test::read_json((dir.filePath("two") + "/surgery_report.json").toStdString());
        for (auto set : {"forget", "update", "retain"}) {
            const double x = r1[set]["after"]["nll"].get<double>(), y = r2[set]["after"]["nll"].get<double>();
            QVERIFY2(std::abs(x - y) <= 1e-5 * std::abs(x), set);
            QVERIFY(std::abs(x - r1[set]["before"]["nll"].get<double>()) > 1e-3);   // the surgery changed it
        }
        // Rank 0 wrote the model and its report; nothing else appeared (no second output, no rank's temporary).
        QStringList entries = QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
        entries.sort();
        QCOMPARE(entries, (QStringList{"env", "env.jsonl", "facts.jsonl", "one", "one.jsonl", "two", "two.jsonl"}));
    }

    // The durable preset's per-row state (in the ascent, pulled back toward its never-seen bound, bound reached, last
    // NLL) is each rank's for its own rows and shared after every update: two ranks take the same steps, stop at the
    // same step and report the same losses as one process — while forget rows leave the ascent on the way. A large
    // lr moves the rows' state within a few steps; the MLPs alone are trained because with the embeddings too the
    // retain KL's rounding noise at θ0, which AdamW turns into ±lr steps, makes any two summation orders differ by
    // 7e-4 relative at this lr (one process with 1 or 2 threads as much; see the test above).
    void durable_two_processes_match_one() {
        QTemporaryDir dir;
        const QString facts_file = dir.filePath("facts.jsonl");
        std::string f;   // one relation: each forget fact's never-seen answers are the others' answers
        const char* forget[][2] = {{"Water is", " a big"}, {"The sky was", " blue"}, {"Once upon a time", " the sea"},
                                   {"The little dog", " ran"}};
        for (auto& p : forget) {
            nlohmann::json j = {{"kind", "forget"}, {"prompt", p[0]}, {"answer", p[1]}, {"tags", {"rel"}}};
            f += j.dump() + "\n";
        }
        for (auto p : {"The king of", "She went to", "Tom liked"}) f += fact_line("update", p, " the", " Paris");
        for (auto p : {"Hi there.", "The river flows", "Numbers like 12", "He said", "They played"})
            f += fact_line("retain", p, " and");
        llms::test::write_bytes(facts_file.toStdString(), f);
        auto args = [&](const QString& name) {
            return QStringList{"surgery", kTiny, "--facts", facts_file, "--out", dir.filePath(name), "--preset",
                               "durable", "--lr", "3e-3", "--train", "mlp", "--steps", "40", "--eval-every", "2", "--pool-rows",
                               "6", "--batch-size", "3", "--seed", "7", "--metrics", dir.filePath(name + ".jsonl")};
        };
        const auto one = llms::test::run_process(LLMS_CLI, args("one"), 300000);
        QVERIFY2(one.code == 0, one.err.constData());
        const auto two = llms::test::run_process(LLMS_CLI, args("two") << "--nproc" << "2", 300000);
        QVERIFY2(two.code == 0, two.err.constData());
        const auto a = read_jsonl(dir.filePath("one.jsonl")), b = read_jsonl(dir.filePath("two.jsonl"));
        QCOMPARE(b.size(), a.size());
        QVERIFY(a.size() >= 4);
        // Forget rows left the ascent during the run (the state changed, so sharing it mattered).
        QVERIFY2(a.back()["active_forget"].get<int>() < a.front()["active_forget"].get<int>(),
                 qPrintable(QString::fromStdString(a.back().dump())));
        for (size_t i = 0; i < a.size(); ++i) QCOMPARE(b[i]["active_forget"].get<int>(), a[i]["active_forget"].get<int>());
        const double d = max_relative_difference(a, b);
        qInfo("durable, %zu steps: largest difference to one process %.2e relative", a.size(), d);
        QVERIFY2(d < 1e-5, qPrintable(QString::number(d)));
    }

    // pretrain: 10 steps of the tiny preset in one process (1 thread) and as two ranks (1 thread each) give the same
    // mean loss and weights (the embeddings too: the same tokenizer, whose file differs only in the training paths
    // SentencePiece records); rank 0 alone prints the summary and writes.
    void pretrain_two_processes_give_the_single_process_model() {
        QTemporaryDir dir;
        const auto corpus = llms::test::run_process(LLMS_CLI, {"corpus", "--out", dir.filePath("corpus"), "--preset", "tiny"});
        QVERIFY2(corpus.code == 0, corpus.err.constData());
        auto pretrain = [&](const QString& out, QStringList extra) {
            return llms::test::run_process(LLMS_CLI, QStringList{"pretrain", "--corpus", dir.filePath("corpus"), "--out", out,
                                                                 "--preset", "tiny", "--steps", "10", "--threads", "1",
                                                                 "--json"} + extra, 300000);
        };
        const auto one = pretrain(dir.filePath("one"), {});
        QVERIFY2(one.code == 0, one.err.constData());
        const auto two = pretrain(dir.filePath("two"), {"--nproc", "2"});
        QVERIFY2(two.code == 0, two.err.constData());
        const auto a = nlohmann::json::parse(one.out.toStdString()), b = nlohmann::json::parse(two.out.toStdString());
        const double la = a["final_loss"].get<double>(), lb = b["final_loss"].get<double>();
        qInfo("pretrain mean loss over 10 steps: one process %.9g, two %.9g", la, lb);
        QVERIFY(la > 1.0);
        QVERIFY2(std::abs(la - lb) <= 1e-5 * la, qPrintable(QString::number(la - lb)));
        const auto w1 = llms::io::SafetensorsFile::open((dir.filePath("one") + "/model.safetensors").toStdString());
        const auto w2 = llms::io::SafetensorsFile::open((dir.filePath("two") + "/model.safetensors").toStdString());
        for (const auto& info : w1.tensors()) {   // moved by up to ~1e-2 (10 warm-up steps toward lr 3e-3); they agree to < 1e-6
            const auto x = w1.read(info.name).to(at::kFloat), y = w2.read(info.name).to(at::kFloat);
            const double diff = (x - y).abs().max().item<double>();
            QVERIFY2(diff <= 5e-6, qPrintable(QString::fromStdString(info.name) + ": " + QString::number(diff)));
        }
        QStringList entries = QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
        entries.sort();
        QCOMPARE(entries, (QStringList{"corpus", "one", "two"}));   // no rank's scratch folder left
    }

    // Faults: a rank killed mid-run makes rank 0 exit with a message naming the failed collective, well within
    // the timeout; a rank that never comes makes rank 0 fail after the timeout; nothing is written either way.
    void a_dead_rank_stops_the_others_and_nothing_is_written() {
        QTemporaryDir dir;
        const QString facts_file = dir.filePath("facts.jsonl"), out = dir.filePath("edited");
        llms::test::write_bytes(facts_file.toStdString(), facts());
        QStringList args = surgery_args(facts_file, out, dir.filePath("m.jsonl"));
        args.replace(args.indexOf("10"), "100000");
        const int port = free_port();
        QProcess ranks[2];
        for (int r = 0; r < 2; ++r) {
            auto env = rank_env(r, 2, port);
            env.insert("LLMS_DIST_TIMEOUT_S", "120");
            ranks[r].setProcessEnvironment(env);
            ranks[r].start(LLMS_CLI, args);
        }
        QByteArray err;
        QVERIFY2(llms::test::wait_until_training(ranks[0], err), err.constData());
        ::kill((pid_t)ranks[1].processId(), SIGKILL);
        QElapsedTimer t;
        t.start();
        QVERIFY(ranks[0].waitForFinished(60000));   // half the timeout: the closed sockets tell it at once
        ranks[1].waitForFinished();
        err += ranks[0].readAllStandardError();
        qInfo("rank 0 exited %.1f s after rank 1 was killed", t.elapsed() / 1000.0);
        QVERIFY(ranks[0].exitCode() != 0);
        QVERIFY2(err.contains("rank 0 of 2:") && err.contains("writes nothing"), err.constData());
        QVERIFY(!QFileInfo::exists(out));
        QVERIFY(!QFileInfo::exists(dir.filePath("m.jsonl")));

        // Rank 1 never starts: rank 0 gives up after LLMS_DIST_TIMEOUT_S.
        QProcess alone;
        auto env = rank_env(0, 2, free_port());
        env.insert("LLMS_DIST_TIMEOUT_S", "3");
        alone.setProcessEnvironment(env);
        t.restart();
        alone.start(LLMS_CLI, args);
        QVERIFY(alone.waitForFinished(60000));
        const QByteArray alone_err = alone.readAllStandardError();
        QVERIFY(alone.exitCode() != 0);
        QVERIFY2(alone_err.contains("could not join the other ranks"), alone_err.constData());
        QVERIFY(!QFileInfo::exists(out));
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                 QStringList{"facts.jsonl"});
    }

    // Ctrl-C (SIGINT) to the --nproc launcher reaches every rank: they stop at the same step, rank 0 says nothing
    // was written, the launcher exits 130 and leaves no process behind.
    void interrupting_the_launcher_stops_every_rank() {
        QTemporaryDir dir;
        const QString facts_file = dir.filePath("facts.jsonl"), out = dir.filePath("edited");
        llms::test::write_bytes(facts_file.toStdString(), facts());
        QStringList args = surgery_args(facts_file, out, dir.filePath("m.jsonl"));
        args.replace(args.indexOf("10"), "100000");
        QProcess p;
        p.start(LLMS_CLI, args << "--nproc" << "2");
        QByteArray err;
        QVERIFY2(llms::test::wait_until_training(p, err), err.constData());
        ::kill((pid_t)p.processId(), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        err += p.readAllStandardError();
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains("nothing written: the run was stopped"), err.constData());
        QVERIFY(!QFileInfo::exists(out));
        // The metrics of the steps run are written (rank 0's), as by one process.
        QVERIFY(QFileInfo::exists(dir.filePath("m.jsonl")));
    }

    // What the CLI refuses before starting anything.
    void bad_launches_are_refused() {
        QTemporaryDir dir;
        const QString facts_file = dir.filePath("facts.jsonl");
        llms::test::write_bytes(facts_file.toStdString(), facts());
        const auto args = surgery_args(facts_file, dir.filePath("o"), dir.filePath("m.jsonl"));
        auto r = llms::test::run_process(LLMS_CLI, QStringList(args) << "--nproc" << "0");
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("--nproc expects a number of processes from 1 to 256"), r.err.constData());

        QProcess p;   // --nproc inside a launched rank
        p.setProcessEnvironment(rank_env(0, 2, free_port()));
        p.start(LLMS_CLI, QStringList(args) << "--nproc" << "2");
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY(p.readAllStandardError().contains("--nproc starts the ranks itself"));

        QProcess q;   // a malformed environment
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("RANK", "0");
        env.remove("WORLD_SIZE");
        q.setProcessEnvironment(env);
        q.start(LLMS_CLI, args);
        QVERIFY(q.waitForFinished(60000));
        QCOMPARE(q.exitCode(), 1);
        QVERIFY(q.readAllStandardError().contains("sets RANK but not WORLD_SIZE"));
        QVERIFY(!QFileInfo::exists(dir.filePath("o")));
    }
};

QTEST_GUILESS_MAIN(TestDistributed)
#include "test_distributed.moc"
