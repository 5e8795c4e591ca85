// The demo-world corpus: deterministic, held-out prose never trained on, every fact taught with its
// prompt sentence, facts.jsonl a valid FactSet, preset sizes as documented.
#include "core/common/error.h"
#include "core/corpus/templates.h"
#include "core/corpus/world_corpus.h"
#include "core/corpus/world_data.h"
#include "core/facts/fact_set.h"
#include "tests/test_files.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

using namespace llms;
namespace fs = std::filesystem;

namespace {

using llms::test::read_bytes;

const fs::path kWorld = fs::path(LLMS_SOURCE_DIR) / "resources" / "world";
const char* kFiles[] = {"train.txt", "heldout.txt", "facts.jsonl", "corpus.json"};

std::vector<std::string> lines_of(const fs::path& p) {
    std::vector<std::string> out;
    std::istringstream in(read_bytes(p));
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

corpus::CorpusStats build(const fs::path& out, const std::string& preset, uint64_t seed = 1234) {
    corpus::CorpusOptions o;
    o.data_dir = kWorld;
    o.preset = preset;
    o.seed = seed;
    return corpus::build_world_corpus(o, out);
}

}  // namespace

class TestCorpus : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    fs::path demo_, tiny_;
    corpus::CorpusStats demo_stats_, tiny_stats_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        demo_ = fs::path(tmp_.path().toStdString()) / "demo";
        tiny_ = fs::path(tmp_.path().toStdString()) / "tiny";
        demo_stats_ = build(demo_, "demo");
        tiny_stats_ = build(tiny_, "tiny");
    }

    void deterministic_data() {
        QTest::addColumn<QString>("preset");
        QTest::newRow("demo") << "demo";
        QTest::newRow("tiny") << "tiny";
    }
    void deterministic() {
        QFETCH(QString, preset);
        const fs::path first = preset == "demo" ? demo_ : tiny_;
        const fs::path again = fs::path(tmp_.path().toStdString()) / ("again-" + preset.toStdString());
        build(again, preset.toStdString());
        for (const char* f : kFiles) {
            const std::string a = read_bytes(first / f), b = read_bytes(again / f);
            QVERIFY2(!a.empty(), f);
            QVERIFY2(a == b, f);
        }
    }

    void differentSeedDifferentShuffle() {
        const fs::path other = fs::path(tmp_.path().toStdString()) / "seed-99";
        const auto s = build(other, "demo", 99);
        QVERIFY(read_bytes(other / "train.txt") != read_bytes(demo_ / "train.txt"));
        QVERIFY(read_bytes(other / "heldout.txt") != read_bytes(demo_ / "heldout.txt"));
        // Country, state and element facts are the same; only the people subset follows the seed.
        QCOMPARE(s.per_relation.at("capital"), demo_stats_.per_relation.at("capital"));
        QCOMPARE(s.per_relation.at("element_symbol"), demo_stats_.per_relation.at("element_symbol"));
    }

    void statsMatchFiles_data() {
        QTest::addColumn<QString>("preset");
        QTest::newRow("demo") << "demo";
        QTest::newRow("tiny") << "tiny";
    }
    void statsMatchFiles() {
        QFETCH(QString, preset);
        const fs::path dir = preset == "demo" ? demo_ : tiny_;
        const auto& s = preset == "demo" ? demo_stats_ : tiny_stats_;
        QCOMPARE(fs::file_size(dir / "train.txt"), s.train_chars);
        QCOMPARE(lines_of(dir / "train.txt").size(), s.train_lines);
        QCOMPARE(lines_of(dir / "heldout.txt").size(), s.heldout_lines);
        QCOMPARE(s.fact_chars + s.prose_chars, s.train_chars);
        size_t sum = 0;
        for (const auto& [r, n] : s.per_relation) sum += n;
        QCOMPARE(sum, s.facts);

        const auto m = nlohmann::json::parse(read_bytes(dir / "corpus.json"));
        QCOMPARE(m["version"].get<int>(), 1);
        QCOMPARE(m["preset"].get<std::string>(), preset.toStdString());
        QCOMPARE(m["seed"].get<uint64_t>(), uint64_t(1234));
        QCOMPARE(m["counts"]["facts"].get<size_t>(), s.facts);
        QCOMPARE(m["counts"]["train_chars"].get<size_t>(), s.train_chars);
        QCOMPARE(m["counts"]["heldout_lines"].get<size_t>(), s.heldout_lines);
        for (const auto& [r, n] : s.per_relation) {
            QCOMPARE(m["relations"][r]["facts"].get<size_t>(), n);
            QVERIFY(m["relations"][r]["templates"].size() >= 2);
        }
    }

    void heldoutNeverInTrain_data() { statsMatchFiles_data(); }
    void heldoutNeverInTrain() {
        QFETCH(QString, preset);
        const fs::path dir = preset == "demo" ? demo_ : tiny_;
        const std::string train = read_bytes(dir / "train.txt");
        const auto held = lines_of(dir / "heldout.txt");
        QVERIFY(held.size() >= (preset == "demo" ? 100u : 20u));
        for (const auto& h : held) {
            QVERIFY2(h.size() >= 30, h.c_str());
            QVERIFY2(train.find(h) == std::string::npos, h.c_str());   // not as a line, not inside one
        }
    }

    void everyFactTaughtWithItsPrompt_data() { statsMatchFiles_data(); }
    void everyFactTaughtWithItsPrompt() {
        QFETCH(QString, preset);
        const fs::path dir = preset == "demo" ? demo_ : tiny_;
        const auto m = nlohmann::json::parse(read_bytes(dir / "corpus.json"));
        const size_t reps = m["repetitions"].get<size_t>();
        std::map<std::string, size_t> line_count;
        for (const auto& l : lines_of(dir / "train.txt")) ++line_count[l];

        const facts::FactSet set = facts::load_jsonl(dir / "facts.jsonl");
        for (const auto& f : set.facts) {
            const std::string tail = f.answer.back() == '.' ? "" : ".";
            const std::string sentence = f.prompt + f.answer + tail;
            QVERIFY2(line_count[sentence] == reps, (sentence + " x" + std::to_string(line_count[sentence])).c_str());
            for (const auto& p : f.paraphrases) {
                const std::string para = p + f.answer + tail;
                QVERIFY2(line_count[para] == reps, para.c_str());
            }
        }
    }

    void factsFileIsAValidFactSet_data() { statsMatchFiles_data(); }
    void factsFileIsAValidFactSet() {
        QFETCH(QString, preset);
        const fs::path dir = preset == "demo" ? demo_ : tiny_;
        const auto& s = preset == "demo" ? demo_stats_ : tiny_stats_;
        const facts::FactSet set = facts::load_jsonl(dir / "facts.jsonl");
        QVERIFY(set.validate().empty());
        QCOMPARE(set.facts.size(), s.facts);
        QCOMPARE(set.count(facts::Kind::Retain), s.facts);
        std::map<std::string, size_t> per_relation;
        for (const auto& f : set.facts) {
            QCOMPARE(f.tags.size(), size_t(1));
            const std::string& rel = f.tags[0];
            ++per_relation[rel];
            QCOMPARE(f.id, rel + "/" + f.id.substr(rel.size() + 1));
            QVERIFY2(f.answer.size() >= 2 && f.answer[0] == ' ' && f.answer[1] != ' ', f.id.c_str());
            QVERIFY2(!f.prompt.empty() && f.prompt.back() != ' ', f.id.c_str());
            QCOMPARE(f.options.size(), size_t(3));
            QVERIFY2(std::count(f.options.begin(), f.options.end(), f.answer) == 1, f.id.c_str());
            QCOMPARE(f.paraphrases.size(), preset == "demo" ? size_t(2) : size_t(1));
        }
        QVERIFY(per_relation == s.per_relation);
    }

    void demoSize() {
        const auto& s = demo_stats_;
        QVERIFY2(s.facts >= 1500 && s.facts <= 2000, std::to_string(s.facts).c_str());
        QCOMPARE(s.per_relation.size(), size_t(8));
        for (const auto& [r, n] : s.per_relation) QVERIFY2(n >= 50, r.c_str());
        QVERIFY2(s.train_chars >= 1000000 && s.train_chars <= 1500000, std::to_string(s.train_chars).c_str());
        QVERIFY(static_cast<double>(s.prose_chars) <= 0.35 * static_cast<double>(s.train_chars));
        QVERIFY(static_cast<double>(s.prose_chars) >= 0.20 * static_cast<double>(s.train_chars));
    }

    void tinySize() {
        const auto& s = tiny_stats_;
        QCOMPARE(s.facts, size_t(50));
        QCOMPARE(s.per_relation.at("capital"), size_t(25));
        QCOMPARE(s.per_relation.at("element_symbol"), size_t(25));
        QVERIFY2(s.train_chars >= 30000 && s.train_chars <= 60000, std::to_string(s.train_chars).c_str());
        QVERIFY(s.prose_chars > 0);
        QVERIFY(static_cast<double>(s.prose_chars) <= 0.35 * static_cast<double>(s.train_chars));
    }

    void cleanValuesOnly() {
        const facts::FactSet set = facts::load_jsonl(demo_ / "facts.jsonl");
        std::map<std::string, std::string> by_id;
        for (const auto& f : set.facts) {
            QVERIFY2(f.answer.find_first_of("()[];,/0123456789") == std::string::npos, f.id.c_str());
            by_id[f.id] = f.answer;
        }
        // Known values, countries-list preferred for capitals; ambiguous subjects skipped.
        QCOMPARE(by_id["capital/France"], std::string(" Paris"));
        QCOMPARE(by_id["capital/Germany"], std::string(" Berlin"));
        QCOMPARE(by_id["state_capital/Georgia"], std::string(" Atlanta"));
        QCOMPARE(by_id["capital/Georgia"], std::string(" Tbilisi"));
        QCOMPARE(by_id["element_symbol/gold"], std::string(" Au"));
        QCOMPARE(by_id["currency/Japan"], std::string(" Japanese Yen"));
        QCOMPARE(by_id["currency/Chile"], std::string(" Chilean Peso"));   // "(UF)" unit of account dropped
        QVERIFY(!by_id.count("language/India"));                          // Hindi and English: ambiguous
        QVERIFY(!by_id.count("continent/Antarctica"));
        QVERIFY(!by_id.count("element_symbol/unnilquadium"));
    }

    void templates() {
        QCOMPARE(corpus::render("The capital of {s} is {o}.", "France", "Paris"), std::string("The capital of France is Paris."));
        QCOMPARE(corpus::render("{s} has the chemical symbol {o}.", "gold", "Au"), std::string("Gold has the chemical symbol Au."));
        QCOMPARE(corpus::render("{s}'s capital city is {o}.", "Bahamas", "Nassau"), std::string("Bahamas' capital city is Nassau."));
        QCOMPARE(corpus::render("The capital of {s} is {o}.", "United States", "Washington D.C."),
                 std::string("The capital of United States is Washington D.C."));
        auto pa = corpus::split_at_answer("{s} is located in {o}.", "France", "Europe");
        QVERIFY(pa.has_value());
        QCOMPARE(pa->prompt, std::string("France is located in"));
        QCOMPARE(pa->answer, std::string(" Europe"));
        QVERIFY(!corpus::split_at_answer("{o} is the capital of {s}.", "France", "Paris").has_value());
        for (const auto& r : corpus::relation_templates())
            QVERIFY2(corpus::split_at_answer(r.templates.at(0), "S", "O").has_value(), r.relation.c_str());
    }

    void sentenceSplit() {
        const auto s = corpus::split_sentences(
            "The U.S. entered the war in 1917. It ended in 1918! Rome was founded c. 753 B.C. and grew. "
            "Dr. Smith said \xE2\x80\x9Cyes.\xE2\x80\x9D Then   he left.");
        QCOMPARE(s.size(), size_t(5));
        QCOMPARE(s[0], std::string("The U.S. entered the war in 1917."));
        QCOMPARE(s[1], std::string("It ended in 1918!"));
        QCOMPARE(s[2], std::string("Rome was founded c. 753 B.C. and grew."));
        QCOMPARE(s[3], std::string("Dr. Smith said \"yes.\""));
        QCOMPARE(s[4], std::string("Then he left."));
    }

    void errors() {
        QTemporaryDir dir;
        corpus::CorpusOptions o;
        o.data_dir = kWorld;
        o.preset = "huge";
        QVERIFY_THROWS_EXCEPTION(Error, corpus::build_world_corpus(o, dir.path().toStdString()));
        o.preset = "tiny";
        o.data_dir = dir.path().toStdString();   // no data there
        try {
            corpus::build_world_corpus(o, fs::path(dir.path().toStdString()) / "out");
            QFAIL("no error for an empty data folder");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find(dir.path().toStdString()) != std::string::npos, e.what());
        }
    }

    void cli() {
        QTemporaryDir dir;
        QProcess p;
        p.setWorkingDirectory(LLMS_SOURCE_DIR);   // the default data folder: ./resources/world
        p.start(LLMS_CLI, {"corpus", "--out", dir.filePath("c"), "--preset", "tiny", "--seed", "1234"});
        QVERIFY(p.waitForFinished(60000));
        const QString out = p.readAllStandardOutput();
        QVERIFY2(p.exitCode() == 0, qPrintable(out + p.readAllStandardError()));
        QVERIFY2(out.contains("facts         50"), qPrintable(out));
        // Same files as the library call with the same options.
        for (const char* f : kFiles) QVERIFY2(read_bytes(fs::path(dir.filePath("c").toStdString()) / f) == read_bytes(tiny_ / f), f);

        p.start(LLMS_CLI, {"corpus", "--out", dir.filePath("d"), "--presett", "tiny"});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY(QString(p.readAllStandardError()).contains("unknown option --presett"));
    }
};

QTEST_GUILESS_MAIN(TestCorpus)
#include "test_corpus.moc"
