// Fact sets: JSONL/CSV readers report every problem with line and field, writers round-trip exactly.
#include "core/common/error.h"
#include "core/facts/fact_set.h"
#include "tests/test_files.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <string>

using namespace llms::facts;

namespace {

using llms::test::error_of;
using llms::test::write_bytes;

// A set exercising everything a writer must escape: unicode, quotes, commas, line breaks, tabs,
// backslashes, leading spaces, documents, an update without old answer.
FactSet tricky_set() {
    FactSet s;
    Fact a;
    a.kind = Kind::Forget;
    a.id = "capital/Côte d'Ivoire";
    a.prompt = "The capital of Côte d'Ivoire is";
    a.answer = " Yamoussoukro";
    a.paraphrases = {"Côte d'Ivoire's capital city is", "In \"Ivory Coast\", the capital, officially, is"};
    a.options = {" Yamoussoukro", " Abidjan", " Lomé"};
    a.tags = {"capital", "ünïcödé 日本語"};
    s.facts.push_back(a);

    Fact u;
    u.kind = Kind::Update;
    u.prompt = "A prompt, with commas, \"quotes\"\nand a line break";
    u.new_answer = " tab\there, back\\slash";
    s.facts.push_back(u);

    Fact u2;
    u2.kind = Kind::Update;
    u2.id = "u2";
    u2.prompt = "The currency of Ghana is the";
    u2.answer = " Cedi";
    u2.new_answer = " Ghanaian Cedi";
    u2.options = {" Cedi", " Ghanaian Cedi"};
    s.facts.push_back(u2);

    Fact d;
    d.kind = Kind::Retain;
    d.id = "doc-1";
    d.text = "First paragraph.\r\nSecond, \"quoted\" paragraph.\n\n  Indented 🙂 line ";
    d.tags = {"prose"};
    s.facts.push_back(d);

    Fact r;
    r.kind = Kind::Retain;
    r.prompt = "  leading and trailing spaces  ";
    r.answer = " |pipe| at| the edges |";
    s.facts.push_back(r);
    return s;
}

}  // namespace

class TestFacts : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void kinds() {
        for (Kind k : {Kind::Forget, Kind::Update, Kind::Retain}) QCOMPARE(kind_from_name(kind_name(k)), std::optional<Kind>(k));
        QVERIFY(!kind_from_name("Forget").has_value());
        QVERIFY(!kind_from_name("").has_value());
    }

    void jsonlMalformed_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");   // must appear in the error message
        const QString ok = R"({"kind":"retain","prompt":"p","answer":" a"})";
        QTest::newRow("unknown kind") << ok + "\n" + R"({"kind":"forgt","prompt":"p","answer":" a"})"
                                      << R"(line 2, field "kind": unknown kind "forgt")";
        QTest::newRow("kind missing") << R"({"prompt":"p","answer":" a"})" << R"(line 1, field "kind": missing)";
        QTest::newRow("kind not a string") << R"({"kind":1,"prompt":"p","answer":" a"})" << R"(line 1, field "kind": must be a string)";
        QTest::newRow("prompt missing") << R"({"kind":"retain","answer":" a"})" << R"(line 1, field "prompt")";
        QTest::newRow("prompt empty") << ok + "\n" + ok.left(0) + R"({"kind":"forget","prompt":"","answer":" a"})"
                                      << R"(line 2, field "prompt": must be a non-empty string)";
        QTest::newRow("answer not a string") << R"({"kind":"retain","prompt":"p","answer":5})"
                                             << R"(line 1, field "answer": must be a string, got number)";
        QTest::newRow("answer missing") << R"({"kind":"forget","prompt":"p"})" << R"(line 1, field "answer")";
        QTest::newRow("update without new_answer") << R"({"kind":"update","prompt":"p","answer":" a"})"
                                                   << R"(line 1, field "new_answer": an update needs)";
        QTest::newRow("update to same answer") << R"({"kind":"update","prompt":"p","answer":" a","new_answer":" a"})"
                                               << R"(line 1, field "new_answer": equals answer)";
        QTest::newRow("new_answer on retain") << R"({"kind":"retain","prompt":"p","answer":" a","new_answer":" b"})"
                                              << R"(line 1, field "new_answer": only update facts)";
        QTest::newRow("document with prompt") << R"({"kind":"forget","text":"a document","prompt":"p"})"
                                              << R"(line 1, field "prompt": a document ("text") takes no prompt)";
        QTest::newRow("document with empty prompt") << R"({"kind":"forget","text":"a document","prompt":""})"
                                                    << R"(line 1, field "prompt": a document)";
        QTest::newRow("document empty text") << R"({"kind":"forget","text":""})" << R"(line 1, field "text": must be a non-empty)";
        QTest::newRow("unknown key (typo)") << R"({"kind":"retain","promt":"p","prompt":"p","answer":" a"})"
                                            << R"(line 1, field "promt": unknown field)";
        QTest::newRow("repeated key") << R"({"kind":"retain","prompt":"p","prompt":"q","answer":" a"})"
                                      << R"(line 1, field "prompt": appears more than once)";
        QTest::newRow("paraphrases not an array") << R"({"kind":"retain","prompt":"p","answer":" a","paraphrases":"q"})"
                                                  << R"(line 1, field "paraphrases": must be an array of strings)";
        QTest::newRow("paraphrases with a number") << R"({"kind":"retain","prompt":"p","answer":" a","paraphrases":["q",3]})"
                                                   << R"(line 1, field "paraphrases": must be an array of strings; entry 2)";
        QTest::newRow("options with one choice") << R"({"kind":"retain","prompt":"p","answer":" a","options":[" a"]})"
                                                 << R"(line 1, field "options": needs at least 2)";
        QTest::newRow("tags not an array") << R"({"kind":"retain","prompt":"p","answer":" a","tags":{"x":1}})"
                                           << R"(line 1, field "tags": must be an array of strings, got object)";
        QTest::newRow("duplicate id") << R"({"kind":"retain","id":"x","prompt":"p","answer":" a"})"
                                         "\n" R"({"kind":"retain","id":"y","prompt":"p","answer":" a"})"
                                         "\n" R"({"kind":"forget","id":"x","prompt":"q","answer":" b"})"
                                      << R"(line 3, field "id": duplicate id "x" (first used on line 1))";
        QTest::newRow("blank lines count") << "\n   \n" + ok + "\n\n" + R"({"kind":"retain","prompt":"p"})"
                                           << R"(line 5, field "answer")";
        QTest::newRow("crlf lines") << ok + "\r\n" + R"({"kind":"nope","prompt":"p","answer":" a"})" + "\r\n"
                                    << R"(line 2, field "kind")";
        QTest::newRow("invalid JSON") << ok + "\n" + R"({"kind":"retain", "prompt":)"
                                      << "line 2: invalid JSON at column";
        QTest::newRow("invalid JSON position") << R"({"kind" "retain"})" << "line 1: invalid JSON at column 16: syntax error";   // the parser's position (end of the bad token)
        QTest::newRow("not an object") << ok + "\n[1,2]" << "line 2: must be a JSON object";
    }
    void jsonlMalformed() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const std::string msg = error_of([&] { parse_jsonl(text.toStdString(), "facts.jsonl"); });
        QVERIFY2(!msg.empty(), "no error thrown");
        QVERIFY2(msg.find(expected.toStdString()) != std::string::npos, msg.c_str());
        QVERIFY2(msg.rfind("facts.jsonl: ", 0) == 0, msg.c_str());
    }

    void jsonlReportsEveryProblem() {
        const std::string text = R"({"kind":"retain","prompt":"p","answer":" a"})"
                                 "\n" R"({"kind":"bad","prompt":"p","answer":" a"})"
                                 "\n" R"({"kind":"retain","prompt":"p","answer":" a"})"
                                 "\n" R"({"kind":"update","prompt":"","answer":" a","extra":1})"
                                 "\n{oops\n";
        const std::string msg = error_of([&] { parse_jsonl(text, "f.jsonl"); });
        QVERIFY2(msg.find("5 problems") != std::string::npos, msg.c_str());
        for (const char* part : {R"(line 2, field "kind")", R"(line 4, field "prompt")", R"(line 4, field "new_answer")",
                                 R"(line 4, field "extra")", "line 5: invalid JSON"})
            QVERIFY2(msg.find(part) != std::string::npos, (std::string(part) + " missing in: " + msg).c_str());
        // The problems are listed in line order.
        QVERIFY(msg.find("line 2,") < msg.find("line 4,"));
        QVERIFY(msg.find("line 4,") < msg.find("line 5:"));
    }

    void longReportsAreCapped() {
        std::string text;
        for (int i = 0; i < 30; ++i) text += R"({"kind":"retain","prompt":"p"})" "\n";
        const std::string msg = error_of([&] { parse_jsonl(text, "f.jsonl"); });
        QVERIFY2(msg.find("30 problems") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("line 20,") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("line 21,") == std::string::npos, msg.c_str());
        QVERIFY2(msg.find("... and 10 more") != std::string::npos, msg.c_str());
    }

    void jsonlRoundTrip() {
        const FactSet s = tricky_set();
        QVERIFY(s.validate().empty());
        const std::string text = to_jsonl(s);
        QCOMPARE(std::count(text.begin(), text.end(), '\n'), static_cast<long>(s.facts.size()));   // one line each
        QVERIFY(parse_jsonl(text) == s);
        QVERIFY(text.find("日本語") != std::string::npos);   // UTF-8 as is, not \u escapes
        QCOMPARE(to_jsonl(parse_jsonl(text)), text);

        QTemporaryDir dir;
        const std::filesystem::path p = dir.filePath("set.jsonl").toStdString();
        save_jsonl(s, p);
        QVERIFY(load_jsonl(p) == s);
        QVERIFY(!std::filesystem::exists(p.string() + ".tmp"));
    }

    void jsonlKeyOrderAndEmptyFields() {
        FactSet s;
        Fact f;
        f.kind = Kind::Forget;
        f.prompt = "The capital of Australia is";
        f.answer = " Canberra";
        s.facts.push_back(f);
        QCOMPARE(to_jsonl(s), std::string(R"({"kind":"forget","prompt":"The capital of Australia is","answer":" Canberra"})" "\n"));
    }

    void csvRoundTrip() {
        const FactSet s = tricky_set();
        const std::string text = to_csv(s);
        QVERIFY(text.rfind("kind,id,prompt,answer,new_answer,text,paraphrases,options,tags\r\n", 0) == 0);
        const FactSet back = parse_csv(text);
        QCOMPARE(back.facts.size(), s.facts.size());
        for (size_t i = 0; i < s.facts.size(); ++i) QVERIFY2(back.facts[i] == s.facts[i], std::to_string(i).c_str());
        QCOMPARE(to_csv(back), text);

        QTemporaryDir dir;
        const std::filesystem::path p = dir.filePath("set.csv").toStdString();
        save_csv(s, p);
        QVERIFY(load_csv(p) == s);
        QVERIFY(!std::filesystem::exists(p.string() + ".tmp"));
    }

    void csvHandWritten() {
        // Columns in another order, a subset of them; quoted commas, quotes and a line break; LF and CRLF.
        const std::string text =
            "\xEF\xBB\xBFprompt,kind,answer,options\n"
            "\"The capital of France, a country, is\",retain,\" Paris\",\" Paris | Lyon | Nice\"\r\n"
            "\n"
            "\"Two\nlines \"\"quoted\"\"\",forget,\" x\",\n"
            "The symbol of gold is,retain, Au,\n";
        const FactSet s = parse_csv(text, "hand.csv");
        QCOMPARE(s.facts.size(), size_t(3));
        QCOMPARE(s.facts[0].prompt, std::string("The capital of France, a country, is"));
        QCOMPARE(s.facts[0].answer, std::string(" Paris"));
        QCOMPARE(s.facts[0].options, (std::vector<std::string>{" Paris", "Lyon", "Nice"}));
        QCOMPARE(s.facts[1].prompt, std::string("Two\nlines \"quoted\""));
        QVERIFY(s.facts[1].kind == Kind::Forget);
        QCOMPARE(s.facts[2].answer, std::string(" Au"));   // spaces are data (RFC 4180)
    }

    void csvLastRecordWithoutNewline() {
        const FactSet s = parse_csv("kind,prompt,answer\r\nretain,p,\" a\"", "x.csv");
        QCOMPARE(s.facts.size(), size_t(1));
        QCOMPARE(s.facts[0].answer, std::string(" a"));
        const FactSet t = parse_csv("kind,prompt,answer\nretain,p, b", "x.csv");
        QCOMPARE(t.facts.at(0).answer, std::string(" b"));
    }

    void csvMalformed_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        const QString header = "kind,id,prompt,answer,new_answer,text,paraphrases,options,tags\n";
        QTest::newRow("no header") << "" << "line 1: no header row";
        QTest::newRow("unknown column") << "kind,prompt,answr\nretain,p, a\n" << R"(line 1, field "answr": unknown column)";
        QTest::newRow("repeated column") << "kind,prompt,prompt\n" << R"(line 1, field "prompt": column appears twice)";
        QTest::newRow("no kind column") << "prompt,answer\np, a\n" << R"(line 1, field "kind": the header has no)";
        QTest::newRow("unknown kind") << header + "retain,,p, a,,,,,\nforgot,,p, a,,,,,\n" << R"(line 3, field "kind": unknown kind "forgot")";
        QTest::newRow("empty kind") << header + ",,p, a,,,,,\n" << R"(line 2, field "kind": missing)";
        QTest::newRow("wrong field count") << header + "retain,,p, a\n" << "line 2: has 4 fields, the header has 9";
        QTest::newRow("line after multi-line record") << header + "retain,,\"a\nb\nc\", a,,,,,\nupdate,,p, a,,,,,\n"
                                                      << R"(line 5, field "new_answer")";
        QTest::newRow("unterminated quote") << header + "retain,,p, a,,,,,\nretain,,\"p, a,,,,,\n" << "line 3: quoted field opened on line 3 is never closed";
        QTest::newRow("text after closing quote") << header + "retain,,\"p\"x, a,,,,,\n" << "line 2: text after a closing quote in field 3";
        QTest::newRow("quote inside unquoted") << header + "retain,,p\"q, a,,,,,\n" << "line 2: a quote inside unquoted field 3";
        QTest::newRow("document with prompt") << header + "forget,,p,,,some text,,,\n" << R"(line 2, field "prompt": a document)";
        QTest::newRow("empty list entry") << header + "retain,,p, a,,,q |  | r,,\n" << R"(line 2, field "paraphrases": entry 2 is empty)";
        QTest::newRow("duplicate id") << header + "retain,x,p, a,,,,,\nretain,x,q, b,,,,,\n" << R"(line 3, field "id": duplicate id "x" (first used on line 2))";
    }
    void csvMalformed() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const std::string msg = error_of([&] { parse_csv(text.toStdString(), "facts.csv"); });
        QVERIFY2(!msg.empty(), "no error thrown");
        QVERIFY2(msg.find(expected.toStdString()) != std::string::npos, msg.c_str());
    }

    void csvWriterRefusesAmbiguousLists() {
        FactSet s;
        Fact f;
        f.prompt = "p";
        f.answer = " a";
        f.paraphrases = {"one | two"};
        s.facts.push_back(f);
        const std::string msg = error_of([&] { to_csv(s); });
        QVERIFY2(msg.find("field \"paraphrases\" cannot be written to CSV") != std::string::npos, msg.c_str());
        s.facts[0].paraphrases = {"ends with |", "x"};   // would split differently
        QVERIFY(!error_of([&] { to_csv(s); }).empty());
        s.facts[0].paraphrases = {"a|b", "| c", "d |e"};  // unambiguous
        QVERIFY(parse_csv(to_csv(s)) == s);
    }

    void validateSet() {
        FactSet s = tricky_set();
        QVERIFY(s.validate().empty());
        s.facts[0].prompt.clear();             // fact 1
        s.facts[2].new_answer.clear();         // fact 3
        s.facts[4].id = "doc-1";               // fact 5 repeats fact 4's id
        s.facts[3].options = {" x", " y"};     // fact 4 is a document
        const std::vector<Issue> issues = s.validate();
        QCOMPARE(issues.size(), size_t(4));
        QCOMPARE(issues[0].fact, 0);
        QCOMPARE(issues[0].field, std::string("prompt"));
        QCOMPARE(issues[0].line, 0);
        QCOMPARE(issues[0].to_string().substr(0, 24), std::string("fact 1, field \"prompt\": "));
        QCOMPARE(issues[1].fact, 2);
        QCOMPARE(issues[1].field, std::string("new_answer"));
        QCOMPARE(issues[2].fact, 3);
        QCOMPARE(issues[2].field, std::string("options"));
        QCOMPARE(issues[3].fact, 4);
        QCOMPARE(issues[3].field, std::string("id"));
        QVERIFY2(issues[3].message.find("fact 4") != std::string::npos, issues[3].message.c_str());
    }

    void issueToString() {
        QCOMPARE(Issue({7, "answer", "must be a non-empty string"}).to_string(),
                 std::string("line 7, field \"answer\": must be a non-empty string"));
        QCOMPARE(Issue({3, "", "invalid JSON"}).to_string(), std::string("line 3: invalid JSON"));
        QCOMPARE(Issue({0, "prompt", "empty", 1}).to_string(), std::string("fact 2, field \"prompt\": empty"));
    }

    void count() {
        const FactSet s = tricky_set();
        QCOMPARE(s.count(Kind::Forget), size_t(1));
        QCOMPARE(s.count(Kind::Update), size_t(2));
        QCOMPARE(s.count(Kind::Retain), size_t(2));
        QCOMPARE(FactSet{}.count(Kind::Retain), size_t(0));
    }

    void loadAnyByExtension() {
        QTemporaryDir dir;
        const FactSet s = tricky_set();
        for (const char* name : {"a.jsonl", "b.json", "c.csv", "d.CSV", "e.JSONL"}) {
            const std::filesystem::path p = dir.filePath(name).toStdString();
            save_any(s, p);
            QVERIFY2(load_any(p) == s, name);
        }
        // The format really follows the extension.
        const std::filesystem::path csv = dir.filePath("c.csv").toStdString();
        const std::filesystem::path jsonl = dir.filePath("a.jsonl").toStdString();
        QVERIFY(!error_of([&] { load_jsonl(csv); }).empty());
        std::filesystem::copy_file(jsonl, dir.filePath("wrong.csv").toStdString());
        QVERIFY(!error_of([&] { load_any(dir.filePath("wrong.csv").toStdString()); }).empty());

        const std::filesystem::path txt = dir.filePath("facts.txt").toStdString();
        write_bytes(txt, "");
        std::string msg = error_of([&] { load_any(txt); });
        QVERIFY2(msg.find("unsupported extension \".txt\"") != std::string::npos, msg.c_str());
        msg = error_of([&] { save_any(s, txt); });
        QVERIFY2(msg.find("unsupported extension") != std::string::npos, msg.c_str());
    }

    void missingFileNamesThePath() {
        const std::string msg = error_of([] { load_any("/nonexistent/dir/facts.jsonl"); });
        QVERIFY2(msg.find("/nonexistent/dir/facts.jsonl") != std::string::npos, msg.c_str());
        const std::string wmsg = error_of([] { save_jsonl(FactSet{}, "/nonexistent/dir/out.jsonl"); });
        QVERIFY2(wmsg.find("/nonexistent/dir/out.jsonl") != std::string::npos, wmsg.c_str());
    }

    void emptyFileIsAnEmptySet() {
        QVERIFY(parse_jsonl("").facts.empty());
        QVERIFY(parse_jsonl("\n  \n").facts.empty());
        QVERIFY(parse_csv("kind,prompt,answer\n").facts.empty());
    }
};

QTEST_APPLESS_MAIN(TestFacts)
#include "test_facts.moc"
