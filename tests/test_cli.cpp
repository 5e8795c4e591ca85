// The CLI as a user meets it: exit codes, one-line errors, --help everywhere, JSON contracts of info/generate/score.
#include <QtTest/QtTest>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

Run cli(const QStringList& args) {
    QProcess p;
    p.start(LLMS_CLI, args);
    p.waitForFinished(120000);
    Run r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;   // -1: crashed
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

const QString kTiny = QString(LLMS_TEST_DATA) + "/tiny-llama";

nlohmann::json reference() {
    std::ifstream f(std::string(LLMS_TEST_DATA) + "/tiny-llama/reference.json");
    return nlohmann::json::parse(f);
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void help_on_every_subcommand() {
        auto top = cli({"--help"});
        QCOMPARE(top.code, 0);
        for (auto cmd : {"info", "generate", "score", "surgery", "eval", "corpus", "pretrain", "demo-facts", "tokenize", "decode"}) {
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
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"
