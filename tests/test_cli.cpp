// The CLI as a user meets it: exit codes, one-line errors, --help everywhere, JSON contracts of info/generate/score,
// and every subcommand run for real: surgery to its report and loadable output, eval, demo-facts, interrupts.
#include "tests/cli_process.h"
#include "tests/test_files.h"

#include <QtTest/QtTest>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {

struct Run {
    int code = -1;   // -1: crashed or timed out (err says which)
    QString out, err;
};

Run cli(const QStringList& args, int timeout_ms = 300000) {
    const auto r = llms::test::run_process(LLMS_CLI, args, timeout_ms);
    return {r.code, QString::fromUtf8(r.out), QString::fromUtf8(r.err)};
}

const QString kTiny = QString(LLMS_TEST_DATA) + "/tiny-llama";

nlohmann::json reference() { return llms::test::read_json(std::string(LLMS_TEST_DATA) + "/tiny-llama/reference.json"); }

// The tiny model's own greedy continuation (2 tokens) of a prompt: a fact it "knows".
QString greedy_answer(const QString& prompt) {
    const auto r = cli({"generate", kTiny, "--prompt", prompt, "--max-new-tokens", "2", "--temperature", "0", "--json"});
    return QString::fromStdString(nlohmann::json::parse(r.out.toStdString())["completion"].get<std::string>());
}

std::string fact_line(const char* kind, const QString& prompt, const QString& answer, const QString& new_answer = {}) {
    nlohmann::json j = {{"kind", kind}, {"prompt", prompt.toStdString()}, {"answer", answer.toStdString()}};
    if (!new_answer.isEmpty()) j["new_answer"] = new_answer.toStdString();
    return j.dump() + "\n";
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void help_on_every_subcommand() {
        auto top = cli({"--help"});
        QCOMPARE(top.code, 0);
        for (auto cmd : {"info", "generate", "score", "surgery", "eval", "corpus", "pretrain", "demo-facts", "demo-model",
                         "tokenize", "decode", "bench", "export"}) {
            QVERIFY2(top.out.contains(cmd), cmd);
            auto r = cli({cmd, "--help"});
            QCOMPARE(r.code, 0);
            QVERIFY2(r.out.startsWith("usage: llm-surgery-cli " + QString(cmd)), qPrintable(r.out.left(80)));
        }
    }

    void errors_are_one_line_and_nonzero_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("says");
        QTest::newRow("no command") << QStringList{} << "usage";
        QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command";
        QTest::newRow("missing model folder") << QStringList{"info", "/nonexistent/model"} << "config.json";
        QTest::newRow("unknown option") << QStringList{"info", kTiny, "--jsn"} << "unknown option --jsn";
        QTest::newRow("missing prompt") << QStringList{"generate", kTiny} << "--prompt";
        QTest::newRow("bad number") << QStringList{"generate", kTiny, "--prompt", "x", "--max-new-tokens", "many"}
                                    << "expects a number";
        QTest::newRow("bad ids") << QStringList{"score", kTiny, "--ids", "1,x"} << "--ids";
        QTest::newRow("id outside vocab") << QStringList{"score", kTiny, "--ids", "1,99999"} << "outside the vocabulary";
        QTest::newRow("both text and ids") << QStringList{"score", kTiny, "--ids", "1,2", "--text", "a"} << "exactly one";
        QTest::newRow("bad dtype") << QStringList{"score", kTiny, "--ids", "1,2", "--dtype", "int3"} << "unknown dtype";
        QTest::newRow("surgery into the input") << QStringList{"surgery", kTiny, "--facts", "x.jsonl", "--out", kTiny}
                                                << "never modified";
        QTest::newRow("surgery precision") << QStringList{"surgery", kTiny, "--facts", "x.jsonl", "--out", "/tmp/llms-x",
                                                          "--precision", "fp8"}
                                           << "precision must be fp32 or bf16";
        QTest::newRow("surgery layers") << QStringList{"surgery", kTiny, "--facts", "x.jsonl", "--out", "/tmp/llms-x",
                                                       "--train", "layers:3"}
                                        << "unknown item \"layers:3\" (write a comma-separated list of all, mlp, layers:A-B";
        QTest::newRow("surgery missing facts") << QStringList{"surgery", kTiny, "--facts", "/nonexistent/f.jsonl", "--out",
                                                              "/tmp/llms-x"}
                                               << "f.jsonl";
        QTest::newRow("surgery weights") << QStringList{"surgery", kTiny, "--facts", "x.jsonl", "--out", "/tmp/llms-x",
                                                        "--weights", "1,2,3"}
                                         << "--weights expects four numbers";
        QTest::newRow("surgery kl-on") << QStringList{"surgery", kTiny, "--facts", "x.jsonl", "--out", "/tmp/llms-x",
                                                      "--kl-on", "prompts"}
                                       << "--kl-on expects answers or all";
        QTest::newRow("surgery method") << QStringList{"surgery", kTiny, "--facts", "x.jsonl", "--out", "/tmp/llms-x",
                                                       "--method", "remo"}
                                        << "unknown --method \"remo\"";
        QTest::newRow("eval without facts") << QStringList{"eval", kTiny} << "--facts";
        QTest::newRow("demo-facts without known") << QStringList{"demo-facts", "--out", "/tmp/llms-x.jsonl"} << "--known";
        QTest::newRow("demo-facts missing known") << QStringList{"demo-facts", "--known", "/nonexistent/k.jsonl", "--out",
                                                                 "/tmp/llms-x.jsonl"}
                                                  << "k.jsonl";
        QTest::newRow("demo-model unknown option") << QStringList{"demo-model", "--rebuld"} << "unknown option --rebuld";
        QTest::newRow("corpus unknown option") << QStringList{"corpus", "--frob"} << "unknown option --frob";
        QTest::newRow("pretrain without corpus") << QStringList{"pretrain", "--out", "/tmp/llms-x"} << "--corpus";
    }
    void errors_are_one_line_and_nonzero() {
        QFETCH(QStringList, args);
        QFETCH(QString, says);
        auto r = cli(args);
        QVERIFY2(r.code > 0, qPrintable(QString("exit %1").arg(r.code)));   // not 0, not a crash
        const QString text = r.err + r.out;
        QVERIFY2(text.contains(says), qPrintable(text));
        if (!args.isEmpty()) QCOMPARE(r.err.trimmed().count('\n'), 0);
    }

    // A malformed fact file: every problem listed with its line (several lines on purpose), exit 1, before any
    // model is loaded or anything written.
    void malformed_facts_are_listed_by_line() {
        QTemporaryDir dir;
        const QString facts = dir.filePath("bad.jsonl");
        llms::test::write_bytes(facts.toStdString(), "{\"kind\":\"forget\",\"prompt\":\"x\"}\nnot json\n");
        for (const QString cmd : {"surgery", "eval"}) {
            QStringList args{cmd, kTiny, "--facts", facts};
            if (cmd == "surgery") args << "--out" << dir.filePath("out");
            const auto r = cli(args);
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains("bad.jsonl") && r.err.contains("line 1") && r.err.contains("line 2"), qPrintable(r.err));
            QVERIFY2(!r.err.contains("loading"), qPrintable(r.err));   // the facts are read before the model
        }
        QVERIFY(!QFileInfo::exists(dir.filePath("out")));
    }

    void refuses_pickle_checkpoints() {
        QTemporaryDir dir;
        QFile::copy(kTiny + "/config.json", dir.filePath("config.json"));
        QFile f(dir.filePath("pytorch_model.bin"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not really a pickle");
        f.close();
        auto r = cli({"info", dir.path()});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("pickle") && r.err.contains("runs any code"), qPrintable(r.err));
    }

    void info_json() {
        auto r = cli({"info", kTiny, "--json"});
        QCOMPARE(r.code, 0);
        auto j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j["architecture"].get<std::string>(), std::string("LlamaForCausalLM"));
        QCOMPARE(j["layers"].get<int>(), 2);
        QCOMPARE(j["heads"].get<int>(), 4);
        QCOMPARE(j["kv_heads"].get<int>(), 2);
        QCOMPARE(j["vocab_size"].get<int>(), 512);
        QCOMPARE(j["parameters"].get<int64_t>(), (int64_t)164160);
        QCOMPARE(j["dtype"].get<std::string>(), std::string("float32"));
    }

    void score_matches_the_reference() {
        auto ref = reference();
        for (const auto& seq : ref["sequences"]) {
            auto r = cli({"score", kTiny, "--text", QString::fromStdString(seq["text"].get<std::string>()), "--json"});
            QCOMPARE(r.code, 0);
            auto j = nlohmann::json::parse(r.out.toStdString());
            QCOMPARE(j["ids"].get<std::vector<int>>(), seq["ids"].get<std::vector<int>>());
            auto lp = j["logprobs"].get<std::vector<double>>();
            auto nll = seq["nll"].get<std::vector<double>>();
            QCOMPARE(lp.size(), nll.size());   // one fewer than ids
            for (size_t i = 0; i < lp.size(); ++i) QVERIFY(std::abs(-lp[i] - nll[i]) <= 1e-4);
            QVERIFY(std::abs(j["nll_sum"].get<double>() - seq["nll_sum"].get<double>()) <= 1e-3);
        }
    }

    void generate_greedy_json_matches_the_reference() {
        auto seq = reference()["sequences"][1];
        auto want = seq["greedy_new_ids"].get<std::vector<int>>();
        auto r = cli({"generate", kTiny, "--prompt", QString::fromStdString(seq["text"].get<std::string>()),
                      "--max-new-tokens", QString::number(want.size()), "--json"});
        QCOMPARE(r.code, 0);
        auto j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j["token_ids"].get<std::vector<int>>(), want);
        QCOMPARE(j["token_logprobs"].size(), want.size());
        for (auto key : {"prompt", "completion"}) QVERIFY(j.contains(key));
        // Sampling is reproducible per seed.
        QStringList s = {"generate", kTiny, "--prompt", "Hi", "--temperature", "1", "--top-p", "0.9", "--seed", "5", "--json"};
        QCOMPARE(cli(s).out, cli(s).out);
    }

    // `tokenize` with a model folder holding tokenizer.json (preferred over a tokenizer.model beside it): the ids
    // the Hugging Face tokenizers library gives (tests/data/tokenizers/, made by tools/make_tokenizer_reference.mjs), without and
    // with special tokens; `decode` gives the text back.
    void tokenizeMatchesHuggingFace_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("llama3") << "llama3";
        QTest::newRow("qwen3") << "qwen3";
        QTest::newRow("llama2 (SentencePiece-style tokenizer.json)") << "llama2";
    }
    void tokenizeMatchesHuggingFace() {
        QFETCH(QString, name);
        const QString data = QString(LLMS_TEST_DATA) + "/tokenizers/";
        QTemporaryDir dir;
        const auto unzip = [&](const QString& from, const QString& to) {
            QProcess gz;
            gz.setStandardOutputFile(to);
            gz.start("gzip", {"-dc", from});
            return gz.waitForFinished(60000) && gz.exitCode() == 0;
        };
        const QString model = dir.filePath("model");
        QVERIFY(QDir().mkpath(model));
        QVERIFY(unzip(data + name + "/tokenizer.json.gz", model + "/tokenizer.json"));
        QVERIFY(QFile::copy(data + name + "/tokenizer_config.json", model + "/tokenizer_config.json"));
        QVERIFY(QFile::copy(kTiny + "/tokenizer.model", model + "/tokenizer.model"));   // present, not used
        QVERIFY(unzip(data + name + "/reference.json.gz", dir.filePath("reference.json")));
        std::ifstream sf((data + "strings.json").toStdString()), rf(dir.filePath("reference.json").toStdString());
        const auto strings = nlohmann::json::parse(sf), ref = nlohmann::json::parse(rf)["cases"];
        nlohmann::json some = nlohmann::json::array();
        for (size_t i = 0; i < 300; ++i) some.push_back(strings[i]);
        {
            std::ofstream out(dir.filePath("strings.json").toStdString());
            out << some.dump();
        }
        for (const bool special : {false, true}) {
            QStringList args{"tokenize", model, "--file", dir.filePath("strings.json"), "--json"};
            if (special) args << "--special";
            const auto r = cli(args);
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY2(r.err.contains("tokenizer.json used"), qPrintable(r.err));
            const auto got = nlohmann::json::parse(r.out.toStdString());
            QCOMPARE(got.size(), some.size());
            for (size_t i = 0; i < some.size(); ++i)
                QVERIFY2(got[i] == ref[i][special ? "ids_special" : "ids"],
                         qPrintable(QString("string %1: %2").arg(i).arg(QString::fromStdString(some[i].dump()))));
        }
        // decode of one line's ids gives the reference text (special tokens skipped).
        const auto& c = ref[40];
        QStringList ids;
        for (const auto& id : c["ids_special"]) ids << QString::number(id.get<int>());
        if (!ids.isEmpty()) {
            const auto d = cli({"decode", model, "--ids", ids.join(','), "--json"});
            QVERIFY2(d.code == 0, qPrintable(d.err));
            QCOMPARE(QString::fromStdString(nlohmann::json::parse(d.out.toStdString())["text"].get<std::string>()),
                     QString::fromStdString(c["decoded_skip_special"].get<std::string>()));
        }
    }

    // --chat on an instruct folder: the Llama 3 family checkpoint with the real Llama 3 tokenizer.json and
    // tokenizer_config.json (whose chat_template is Meta-Llama-3-8B-Instruct's). info names the template; generate
    // reads the prompt as a user turn; surgery and eval wrap every
    // fact; a model without a template refuses --chat with one line. (This tokenizer.json adds no BOS itself, so
    // the template's <|begin_of_text|> stays in the prompt: one BOS either way.)
    void chatPrompts() {
        const QString data = QString(LLMS_TEST_DATA);
        QTemporaryDir dir;
        const QString model = dir.filePath("llama3-instruct");
        QVERIFY(QDir().mkpath(model));
        for (const char* f : {"config.json", "model.safetensors"})
            QVERIFY(QFile::copy(data + "/families/llama3-scaled/" + f, model + "/" + f));
        QProcess gz;
        gz.setStandardOutputFile(model + "/tokenizer.json");
        gz.start("gzip", {"-dc", data + "/tokenizers/llama3/tokenizer.json.gz"});
        QVERIFY(gz.waitForFinished(60000) && gz.exitCode() == 0);
        QVERIFY(QFile::copy(data + "/tokenizers/llama3/tokenizer_config.json", model + "/tokenizer_config.json"));

        const auto info = cli({"info", model, "--json"});
        QVERIFY2(info.code == 0, qPrintable(info.err));
        QCOMPARE(QString::fromStdString(nlohmann::json::parse(info.out.toStdString())["chat_template"]["file"]
                                            .get<std::string>()),
                 QString("tokenizer_config.json"));

        const auto g = cli({"generate", model, "--prompt", "What is the capital of France?", "--chat", "--json",
                            "--max-new-tokens", "3"});
        QVERIFY2(g.code == 0, qPrintable(g.err));
        const auto gj = nlohmann::json::parse(g.out.toStdString());
        QCOMPARE(QString::fromStdString(gj["model_prompt"].get<std::string>()),
                 QString("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
                         "<|start_header_id|>assistant<|end_header_id|>\n\n"));

        const QString facts = dir.filePath("facts.jsonl");
        {
            std::ofstream out(facts.toStdString());
            out << R"({"kind":"forget","prompt":"The capital of France is","answer":" Paris"})" << "\n"
                << R"({"kind":"retain","prompt":"The capital of Italy is","answer":" Rome"})" << "\n";
        }
        const auto ev = cli({"eval", model, "--facts", facts, "--chat"});
        QVERIFY2(ev.code == 0, qPrintable(ev.err));
        QVERIFY2(ev.err.contains("prompts: as user turns of the chat template"), qPrintable(ev.err));
        const auto su = cli({"surgery", model, "--facts", facts, "--chat", "--steps", "2", "--out",
                             dir.filePath("edited")});
        QVERIFY2(su.code == 0, qPrintable(su.err));
        QVERIFY2(su.err.contains("prompts: as user turns of the chat template"), qPrintable(su.err));

        const auto no = cli({"surgery", kTiny, "--facts", facts, "--chat", "--out", dir.filePath("never")});
        QCOMPARE(no.code, 1);
        QVERIFY2(no.err.contains("no chat template") && no.err.trimmed().count('\n') == 0, qPrintable(no.err));
        QVERIFY(!QFileInfo::exists(dir.filePath("never")));
    }

    // surgery to completion on the tiny model: exit 0, the report (JSON + Markdown) says what happened, the edited
    // folder loads and gives the new answer, the input folder is untouched; eval measures the two folders the same
    // way; an existing --out is refused unless --overwrite-out yes (our own output: replaced).
    void surgery_end_to_end() {
        QTemporaryDir dir;
        const QString pf = "Water is", pu = "The king of";
        const QString af = greedy_answer(pf), au = greedy_answer(pu);
        QVERIFY(!af.trimmed().isEmpty() && !au.trimmed().isEmpty());
        std::string facts = fact_line("forget", pf, af) + fact_line("update", pu, au, " Paris");
        for (const QString p : {"Paris is the capital of", "The river flows", "Hi there.", "Numbers like 12"})
            facts += fact_line("retain", p, greedy_answer(p));
        const QString file = dir.filePath("facts.jsonl");
        llms::test::write_bytes(file.toStdString(), facts);
        std::map<QString, std::string> input;
        for (const QString f : QDir(kTiny).entryList(QDir::Files)) input[f] = llms::test::read_bytes((kTiny + "/" + f).toStdString());

        const QString out = dir.filePath("edited"), report = dir.filePath("report.json");
        const QStringList run = {"surgery", kTiny, "--facts", file, "--out", out, "--steps", "200", "--pool-rows", "8",
                                 "--eval-every", "5", "--report", report};
        const auto r = cli(run);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("every target met at step"), qPrintable(r.err));
        const auto j = llms::test::read_json(report.toStdString());
        QCOMPARE(j["method"].get<std::string>(), std::string("llm-surgery"));
        QVERIFY(j["steps"].get<int>() > 0 && j["steps"].get<int>() < 200);
        QCOMPARE(j["forget"]["before"]["exact_match"].get<double>(), 1.0);
        QCOMPARE(j["forget"]["after"]["exact_match"].get<double>(), 0.0);
        QCOMPARE(j["update"]["before"]["exact_match"].get<double>(), 0.0);
        QCOMPARE(j["update"]["after"]["exact_match"].get<double>(), 1.0);
        QCOMPARE(j["retain"]["after"]["n"].get<int>(), 4);
        QVERIFY(j["forget"]["after"]["answer_prob"].get<double>() < j["forget"]["before"]["answer_prob"].get<double>());
        QCOMPARE(j["facts"].size(), (size_t)6);
        const std::string md = llms::test::read_bytes(dir.filePath("report.md").toStdString());
        QVERIFY(md.find("forget") != std::string::npos);
        for (const auto& [f, bytes] : input) QVERIFY2(llms::test::read_bytes((kTiny + "/" + f).toStdString()) == bytes, qPrintable(f));

        // The edited folder is a model the CLI loads, and it gives the new answer.
        const auto info = cli({"info", out, "--json"});
        QVERIFY2(info.code == 0, qPrintable(info.err));
        const auto g = cli({"generate", out, "--prompt", pu, "--max-new-tokens", "3", "--temperature", "0", "--json"});
        QVERIFY2(g.code == 0, qPrintable(g.err));
        QVERIFY2(g.out.contains("\"completion\":\" Paris"), qPrintable(g.out));

        // eval of the edited folder against the original measures what the surgery's report measured.
        const auto e = cli({"eval", out, "--facts", file, "--reference", kTiny, "--json"});
        QVERIFY2(e.code == 0, qPrintable(e.err));
        const auto ej = nlohmann::json::parse(e.out.toStdString());
        for (const char* set : {"forget", "update", "retain"})
            for (const char* when : {"before", "after"})
                QCOMPARE(ej[set][when]["exact_match"].get<double>(), j[set][when]["exact_match"].get<double>());

        // An existing --out: refused by default, replaced with --overwrite-out yes (it is our own output).
        auto again = cli(QStringList(run) << "--steps" << "1");
        QCOMPARE(again.code, 1);
        QVERIFY2(again.err.contains("exists"), qPrintable(again.err));
        again = cli(QStringList(run) << "--steps" << "1" << "--overwrite-out" << "yes");
        QVERIFY2(again.code == 0, qPrintable(again.err));
        QCOMPARE(llms::test::read_json(report.toStdString())["steps"].get<int>(), 1);
    }

    // Ctrl-C during the run: exit 130, "nothing written", no --out and no report. A run that diverges: exit 1, the
    // message says so, nothing written.
    void surgery_interrupted_or_diverged_writes_nothing() {
        QTemporaryDir dir;
        const QString file = dir.filePath("facts.jsonl");
        llms::test::write_bytes(file.toStdString(), fact_line("forget", "Water is", greedy_answer("Water is")) +
                                                        fact_line("retain", "Hi there.", greedy_answer("Hi there.")));
        const QString out = dir.filePath("edited");
        QProcess p;
        p.start(LLMS_CLI, {"surgery", kTiny, "--facts", file, "--out", out, "--steps", "100000", "--no-early-stop",
                           "--pool-rows", "4"});
        QVERIFY(p.waitForStarted());
        QByteArray err;
        // The progress line ("step N/...") shows that the run is training.
        QVERIFY2(llms::test::wait_until_training(p, err), err.constData());
        ::kill((pid_t)p.processId(), SIGINT);
        QVERIFY(p.waitForFinished(120000));
        err += p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains("nothing written"), err.constData());
        QVERIFY(!QFileInfo::exists(out));
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).size(), 1);   // facts only

        // Unbounded ascent (no forget bound, no KL) at the largest learning rate: the loss runs away within steps.
        const auto d = cli({"surgery", kTiny, "--facts", file, "--out", out, "--steps", "40", "--lr", "1", "--preset",
                            "paper", "--pool-rows", "4", "--no-early-stop", "--forget-bound", "1000000", "--weights",
                            "100,100,0,0"});
        QCOMPARE(d.code, 1);
        QVERIFY2(d.err.contains("diverged"), qPrintable(d.err));
        QVERIFY(!QFileInfo::exists(out));
    }

    // A run whose memory plan does not fit is refused before it caches or trains anything, with the plan's numbers
    // and what to change; nothing is written. (LLMS_MEMORY_LIMIT plays a small machine: 20 MB, while the tiny model's
    // plan needs about 50 MB, most of it the vocabulary projection's chunk buffers.)
    void surgery_refuses_a_plan_that_does_not_fit() {
        QTemporaryDir dir;
        const QString file = dir.filePath("facts.jsonl");
        llms::test::write_bytes(file.toStdString(), fact_line("forget", "Water is", greedy_answer("Water is")));
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("LLMS_MEMORY_LIMIT", "20000000");
        p.setProcessEnvironment(env);
        p.start(LLMS_CLI, {"surgery", kTiny, "--facts", file, "--out", dir.filePath("edited"), "--pool-rows", "4"});
        QVERIFY(p.waitForFinished(300000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(err.contains("memory plan: gradients"), qPrintable(err));
        const QString last = err.trimmed().section('\n', -1);
        QVERIFY2(last.contains("the surgery (gradients") && last.contains("vocabulary") && last.contains("--train layers:A-B"),
                 qPrintable(last));
        QVERIFY(!QFileInfo::exists(dir.filePath("edited")));
    }

    // export --format gguf: a new .gguf that gguf readers open; refused inside the input folder, over a file
    // llm-surgery did not write (even with --overwrite-out yes), over its own file without --overwrite-out yes.
    void export_gguf_file() {
        QTemporaryDir dir;
        const QString out = dir.filePath("tiny.gguf");
        auto r = cli({"export", kTiny, "--type", "q8_0", "--out", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(QFileInfo(out).size() > 100000);
        QCOMPARE(QFile(out).open(QIODevice::ReadOnly), true);
        r = cli({"export", kTiny, "--out", out});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("exists; choose a new file name"), qPrintable(r.err));
        QCOMPARE(cli({"export", kTiny, "--out", out, "--overwrite-out", "yes", "--type", "f16"}).code, 0);
        const QString mine = dir.filePath("mine.gguf");
        llms::test::write_bytes(mine.toStdString(), "my own notes");
        r = cli({"export", kTiny, "--out", mine, "--overwrite-out", "yes"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("not a GGUF file llm-surgery wrote"), qPrintable(r.err));
        QCOMPARE(llms::test::read_bytes(mine.toStdString()), std::string("my own notes"));
        r = cli({"export", kTiny, "--out", kTiny + "/x.gguf"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("never modified"), qPrintable(r.err));
        QCOMPARE(cli({"export", kTiny, "--out", dir.filePath("x.bin")}).code, 1);
        QCOMPARE(cli({"export", kTiny, "--out", out, "--type", "q5_k"}).code, 1);
    }

    // demo-facts draws a scenario from known facts: the counts asked for, a valid set, the same set for the same seed.
    void demo_facts_draws_a_scenario() {
        QTemporaryDir dir;
        const QString known = QString(LLMS_SOURCE_DIR) + "/resources/demo/facts.jsonl";
        QStringList args = {"demo-facts", "--known", known, "--out", dir.filePath("a.jsonl"), "--seed", "3",
                            "--forget", "4", "--update", "3", "--retain", "5"};
        auto r = cli(args);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("4 forget, 3 update, 5 retain"), qPrintable(r.out));
        args[4] = dir.filePath("b.jsonl");
        QCOMPARE(cli(args).code, 0);
        const std::string a = llms::test::read_bytes(dir.filePath("a.jsonl").toStdString());
        QCOMPARE(a, llms::test::read_bytes(dir.filePath("b.jsonl").toStdString()));
        int update = 0;
        for (size_t at = a.find("\"kind\":\"update\""); at != std::string::npos; at = a.find("\"kind\":\"update\"", at + 1)) ++update;
        QCOMPARE(update, 3);
        // The drawn set is a fact file eval reads.
        const auto e = cli({"eval", kTiny, "--facts", dir.filePath("a.jsonl"), "--json"});
        QVERIFY2(e.code == 0, qPrintable(e.err));
        QCOMPARE(nlohmann::json::parse(e.out.toStdString())["forget"]["after"]["n"].get<int>(), 4);
    }
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"
