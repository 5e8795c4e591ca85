// Data safety against mistakes and hostile input (../shared/reviews/input-safety.md): no folder the program did
// not create is ever deleted or replaced, outputs are checked before any work starts, and a failed command writes
// nothing. Each case names the review's finding it holds fixed.
#include "cli_process.h"
#include "core/common/error.h"
#include "core/io/output_folder.h"
#include "core/tokenizer/spm_model_check.h"
#include "tests/test_files.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cstring>
#include <limits>
#include <map>
#include <vector>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace fs = std::filesystem;
using llms::test::CliRun;

namespace {

using llms::test::read_bytes;
using llms::test::write_bytes;
using llms::test::error_of;

const fs::path kTiny = fs::path(LLMS_TEST_DATA) / "tiny-llama";

QByteArray read_qbytes(const fs::path& p) { return QByteArray::fromStdString(llms::test::read_bytes(p)); }

// The reference config.json with one more (or replaced) key.
QByteArray config_with(const char* entry) {
    std::string cfg = read_bytes(kTiny / "config.json");
    const std::string e = entry;
    const std::string key = e.substr(0, e.find(':'));
    if (const size_t at = cfg.find(key); at != std::string::npos) {
        const size_t end = cfg.find_first_of(",}", at);
        cfg.replace(at, end - at, e);
    } else {
        cfg.insert(cfg.find('{') + 1, e + ",");
    }
    return QByteArray::fromStdString(cfg);
}

std::string varint(uint64_t v) {
    std::string out;
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    return out + static_cast<char>(v);
}

using Shapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;

// The HF names and shapes of a Llama with tied embeddings: V x C embeddings, L layers of NH·HD = qd attention
// (kv heads = heads) and an MLP of width I.
Shapes small_shapes(int64_t V, int64_t C, int64_t I, int L, int64_t qd = 0) {
    if (qd == 0) qd = C;
    Shapes s{{"model.embed_tokens.weight", {V, C}}};
    for (int l = 0; l < L; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        s.push_back({p + "self_attn.q_proj.weight", {qd, C}});
        s.push_back({p + "self_attn.k_proj.weight", {qd, C}});
        s.push_back({p + "self_attn.v_proj.weight", {qd, C}});
        s.push_back({p + "self_attn.o_proj.weight", {C, qd}});
        s.push_back({p + "mlp.gate_proj.weight", {I, C}});
        s.push_back({p + "mlp.up_proj.weight", {I, C}});
        s.push_back({p + "mlp.down_proj.weight", {C, I}});
        s.push_back({p + "input_layernorm.weight", {C}});
        s.push_back({p + "post_attention_layernorm.weight", {C}});
    }
    s.push_back({"model.norm.weight", {C}});
    s.push_back({"lm_head.weight", {V, C}});
    return s;
}

// A model of vocab 8 matching small_shapes(8, 8, 16, 1): 1 layer, C 8, 2 heads of 4, MLP 16.
const char* const kSmallConfig =
    R"({"architectures":["LlamaForCausalLM"],"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,)"
    R"("num_attention_heads":2,"num_key_value_heads":2,"head_dim":4,"vocab_size":8,"max_position_embeddings":16})";

// A safetensors file of F32 zeros with these names and shapes (its own small writer: an independent check of
// the reader's expectations); with nan_first, the first value is a NaN.
void write_zero_safetensors(const fs::path& p, const Shapes& shapes, bool nan_first = false) {
    std::string header = "{";
    uint64_t offset = 0;
    for (const auto& [name, shape] : shapes) {
        uint64_t n = 4;
        std::string dims;
        for (auto d : shape) {
            n *= static_cast<uint64_t>(d);
            if (!dims.empty()) dims += ',';
            dims += std::to_string(d);
        }
        if (header.size() > 1) header += ',';
        header += '"';
        header += name;
        header += "\":{\"dtype\":\"F32\",\"shape\":[";
        header += dims;
        header += "],\"data_offsets\":[";
        header += std::to_string(offset);
        header += ',';
        header += std::to_string(offset + n);
        header += "]}";
        offset += n;
    }
    header += "}";
    header.append((8 - header.size() % 8) % 8, ' ');
    std::string bytes(8, '\0');
    const uint64_t hn = header.size();
    std::memcpy(bytes.data(), &hn, 8);
    std::string data(offset, '\0');
    if (nan_first) {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        std::memcpy(data.data(), &nan, 4);
    }
    write_bytes(p, bytes + header + data);
}

QStringList args_of(std::initializer_list<std::string> a) {
    QStringList l;
    for (const auto& s : a) l << QString::fromStdString(s);
    return l;
}

CliRun cli(std::initializer_list<std::string> a, const fs::path& cwd = {}) {
    if (cwd.empty()) return llms::test::run_process(LLMS_CLI, args_of(a), 120000);
    const fs::path keep = fs::current_path();
    fs::current_path(cwd);   // QProcess inherits the working folder
    auto r = llms::test::run_process(LLMS_CLI, args_of(a), 120000);
    fs::current_path(keep);
    return r;
}

// The contract of a refused command: exit 1, one line on stderr, and (for the surgery) refused before loading.
void expect_refusal(const CliRun& r, const char* says) {
    QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(QString::fromUtf8(r.err))));
    QVERIFY2(r.err.contains(says), r.err.constData());
    QVERIFY2(r.err.trimmed().count('\n') == 0, r.err.constData());
    QVERIFY2(!r.err.contains("loading "), r.err.constData());
}

// Every file under dir with its bytes, to compare a folder before and after.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> m;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) m[fs::relative(e.path(), dir).string()] = read_bytes(e.path());
    return m;
}

}  // namespace

class TestDataSafety : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    fs::path root_, model_, facts_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        root_ = fs::path(tmp_.path().toStdString());
        model_ = root_ / "model";   // a writable copy: what the commands must leave byte-identical
        fs::create_directories(model_);
        for (const char* f : {"config.json", "model.safetensors", "tokenizer.model"}) fs::copy_file(kTiny / f, model_ / f);
        facts_ = root_ / "facts.jsonl";
        write_bytes(facts_, "{\"kind\":\"forget\",\"prompt\":\"The capital of France is\",\"answer\":\" Paris\"}\n");
    }

    // H1: `demo-model --dir X` on a folder holding a user's files deleted the whole folder.
    void demoModelNeverDeletesAUsersFolder() {
        const fs::path notes = root_ / "Documents";
        fs::create_directories(notes / "sub");
        write_bytes(notes / "notes.txt", "my notes");
        write_bytes(notes / "sub" / "draft.md", "a draft");
        const auto before = snapshot(notes);
        // --data points nowhere: were the folder not refused first, the build would stop right after deleting it.
        auto r = cli({"demo-model", "--dir", notes.string(), "--data", (root_ / "no-world").string()});
        QVERIFY2(r.code == 1, r.err.constData());
        QVERIFY2(r.err.contains("is not a demo model folder"), r.err.constData());
        QCOMPARE(snapshot(notes), before);

        // `--dir .` names the current folder: refused the same way, nothing touched.
        r = cli({"demo-model", "--dir", ".", "--data", (root_ / "no-world").string()}, notes);
        QVERIFY2(r.code == 1, r.err.constData());
        QVERIFY2(r.err.contains("is not a demo model folder"), r.err.constData());
        QCOMPARE(snapshot(notes), before);

        // A leftover "<name>.partial-*" sibling the program did not mark is left alone too.
        const fs::path look_alike = root_ / "Documents.partial-77";
        fs::create_directories(look_alike);
        write_bytes(look_alike / "keep.txt", "mine");
        r = cli({"demo-model", "--dir", (root_ / "Documents").string(), "--data", (root_ / "no-world").string()});
        QCOMPARE(read_bytes(look_alike / "keep.txt"), std::string("mine"));
    }

    // M4: --overwrite-out yes replaced any folder, e.g. --out . or a folder of notes.
    void surgeryOverwriteRefusesAUsersFolder() {
        const fs::path notes = root_ / "projects";
        fs::create_directories(notes);
        write_bytes(notes / "keep.txt", "keep me");
        auto r = cli({"surgery", model_.string(), "--facts", facts_.string(), "--out", notes.string(), "--overwrite-out",
                      "yes"});
        expect_refusal(r, "did not write");
        QCOMPARE(read_bytes(notes / "keep.txt"), std::string("keep me"));

        // The current folder (it holds the fact file just read) is refused even if it carried the marker.
        write_bytes(notes / llms::io::kOutputMarker, "{}");
        r = cli({"surgery", model_.string(), "--facts", facts_.string(), "--out", ".", "--overwrite-out", "yes"}, notes);
        expect_refusal(r, "current folder");
        QCOMPARE(read_bytes(notes / "keep.txt"), std::string("keep me"));
        fs::remove(notes / llms::io::kOutputMarker);
    }

    // M7: --out and --report were checked only after loading and training (and --report could write into the
    // input model).
    void surgeryChecksOutputsBeforeLoading_data() {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("says");
        const QString model = QString::fromStdString(model_.string());
        const QString root = QString::fromStdString(root_.string());
        QTest::newRow("out inside the input") << "--out" << model + "/sub" << "input model folder";
        QTest::newRow("out around the input") << "--out" << root << "contains the input model folder";
        QTest::newRow("out empty") << "--out" << "" << "no output folder";
        QTest::newRow("report in a missing folder") << "--report" << root + "/missing/r.json" << "does not exist";
        QTest::newRow("report inside the input") << "--report" << model + "/config.json" << "inside the input model";
        QTest::newRow("report as .md") << "--report" << root + "/r.md" << "must end in .json";
        QTest::newRow("report is a folder") << "--report" << root + "/adir.json" << "is a folder";
    }
    void surgeryChecksOutputsBeforeLoading() {
        QFETCH(QString, option);
        QFETCH(QString, value);
        QFETCH(QString, says);
        fs::create_directories(root_ / "adir.json");
        const auto before = snapshot(model_);
        const fs::path out = root_ / "edited";
        QStringList args{"surgery", QString::fromStdString(model_.string()), "--facts",
                         QString::fromStdString(facts_.string()), "--steps", "1", "--preset", "paper"};
        if (option == "--out") args << "--out" << value;
        else args << "--out" << QString::fromStdString(out.string()) << option << value;
        const auto r = llms::test::run_process(LLMS_CLI, args, 120000);
        expect_refusal(r, says.toUtf8().constData());
        QCOMPARE(snapshot(model_), before);
        QVERIFY(!fs::exists(out));
        QVERIFY(!fs::exists(model_ / "sub"));
    }

    // H2: config.json sizes were trusted: the whole network was allocated before any shape was checked, so a
    // 400-byte config could OOM-kill the machine or build 10^8 modules for hours.
    void hugeConfigsAreRefusedFromTheHeaders_data() {
        QTest::addColumn<QString>("config");
        QTest::addColumn<QString>("says");
        const QString base = R"("architectures":["LlamaForCausalLM"],"num_attention_heads":1,"num_key_value_heads":1,)"
                             R"("head_dim":2,"vocab_size":512,"max_position_embeddings":16)";
        QTest::newRow("hidden 2^28") << "{" + base + R"(,"hidden_size":268435456,"intermediate_size":1,"num_hidden_layers":64})"
                                     << "layers";
        QTest::newRow("10^8 layers") << "{" + base + R"(,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":100000000})"
                                     << "layers";
        QTest::newRow("wide, the layer count the file holds")
            << "{" + base + R"(,"hidden_size":268435456,"intermediate_size":1,"num_hidden_layers":2})"
            << "but config.json implies";
        QTest::newRow("sizes past 2^63") << "{" + base + R"(,"hidden_size":4611686018427387904,"intermediate_size":4611686018427387904,"num_hidden_layers":1})"
                                         << "2^63";
    }
    void hugeConfigsAreRefusedFromTheHeaders() {
        QFETCH(QString, config);
        QFETCH(QString, says);
        const fs::path m = root_ / "huge";
        fs::remove_all(m);
        fs::create_directories(m);
        fs::copy_file(kTiny / "model.safetensors", m / "model.safetensors");
        write_bytes(m / "config.json", config.toStdString());
        // Refused from the headers, not after building the network: 20 s of CPU is far more than the check needs
        // and far less than allocating a terabyte model would take (exit -1 if it tried).
        const auto r = llms::test::run_process(LLMS_CLI, {"score", QString::fromStdString(m.string()), "--ids", "1,2"}, 120000, 20);
        QVERIFY2(r.code == 1, r.err.constData());
        QVERIFY2(r.err.contains(says.toUtf8()), r.err.constData());
        QCOMPARE(r.err.trimmed().count('\n'), 0);
        // info validates the same way (it used to pass such a folder).
        const auto i = llms::test::run_process(LLMS_CLI, {"info", QString::fromStdString(m.string())}, 60000);
        QVERIFY2(i.code == 1, i.err.constData());
    }

    // info validated nothing but the headers: a folder with a missing or mis-shaped tensor passed.
    void infoValidatesTensorsAgainstConfig() {
        const fs::path m = root_ / "short-vocab";
        fs::remove_all(m);
        fs::create_directories(m);
        for (const char* f : {"model.safetensors", "tokenizer.model"}) fs::copy_file(kTiny / f, m / f);
        std::string cfg = read_bytes(kTiny / "config.json");
        const std::string from = "\"vocab_size\": 512";
        cfg.replace(cfg.find(from), from.size(), "\"vocab_size\": 513");
        write_bytes(m / "config.json", cfg);
        auto r = llms::test::run_process(LLMS_CLI, {"info", QString::fromStdString(m.string()), "--json"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("has shape [512, 64] but config.json implies [513, 64]"), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

    // M8: a FIFO where a file belongs blocked open() forever; /dev/zero was read until memory ran out.
    void specialFilesAreRefusedWithoutBlocking_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("kind");
        QTest::newRow("config.json FIFO") << "config.json" << "fifo";
        QTest::newRow("model.safetensors FIFO") << "model.safetensors" << "fifo";
        QTest::newRow("config.json -> /dev/zero") << "config.json" << "zero";
        QTest::newRow("tokenizer.model FIFO") << "tokenizer.model" << "fifo";
    }
    void specialFilesAreRefusedWithoutBlocking() {
        QFETCH(QString, name);
        QFETCH(QString, kind);
        const fs::path m = root_ / "special";
        fs::remove_all(m);
        fs::create_directories(m);
        for (const char* f : {"config.json", "model.safetensors", "tokenizer.model"}) fs::copy_file(kTiny / f, m / f);
        const fs::path target = m / name.toStdString();
        fs::remove(target);
        if (kind == "fifo") QCOMPARE(::mkfifo(target.c_str(), 0644), 0);
        else fs::create_symlink("/dev/zero", target);
        const auto r = llms::test::run_process(LLMS_CLI, {"score", QString::fromStdString(m.string()), "--text", "hello"}, 20000);
        QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(QString::fromUtf8(r.err))));
        QVERIFY2(r.err.contains("not a regular file"), r.err.constData());
    }

    // M2 / M1 / L1 / L7: JSON that is deep, overflowing, of the wrong type or cut by a NUL gives one line, never a
    // crash or an "unexpected error: [json.exception...]".
    void hostileJsonIsOneLine_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("says");
        const QByteArray deep = QByteArray(200000, '[') + QByteArray(200000, ']');
        QByteArray header = R"({"w":{"dtype":"F32","shape":)" + deep + R"(,"data_offsets":[0,0]}})";
        QByteArray st(8, '\0');
        const quint64 n = header.size();
        std::memcpy(st.data(), &n, 8);
        QTest::newRow("safetensors header 200000 deep") << "model.safetensors" << (st + header) << "nested deeper";
        // L11: 300,000 zero-size tensors. nlohmann's callback parser rescanned the header's members at each one's
        // end (hours at this size); the linear parse reads it in about a second, and the layout check refuses it.
        QByteArray many = "{";
        for (int i = 0; i < 300000; ++i)
            many += (i ? ",\"t" : "\"t") + QByteArray::number(i) + "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
        many += "}";
        QByteArray many_st(8, '\0');
        const quint64 many_n = many.size();
        std::memcpy(many_st.data(), &many_n, 8);
        QTest::newRow("safetensors header of 300000 tensors") << "model.safetensors" << (many_st + many) << "model.safetensors";
        QByteArray big_st(8, '\0');
        const quint64 big_n = 17ull << 20;
        std::memcpy(big_st.data(), &big_n, 8);
        QTest::newRow("safetensors header of 17 MiB") << "model.safetensors" << (big_st + QByteArray(big_n, ' '))
                                                      << "exceeds the 16 MiB";
        QTest::newRow("config.json rope_theta 1e400") << "config.json" << config_with(R"("rope_theta": 1e400)") << "config.json";
        QTest::newRow("config.json model_type 5") << "config.json" << config_with(R"("model_type": 5)") << "must be a string";
        QTest::newRow("config.json eos list of text") << "config.json" << config_with(R"("eos_token_id": ["x"])")
                                                      << "eos_token_id";
        QTest::newRow("config.json rope_theta 0") << "config.json" << config_with(R"("rope_theta": 0)") << "rope_theta";
        QTest::newRow("config.json bos outside vocab") << "config.json" << config_with(R"("bos_token_id": 999999)")
                                                       << "outside the vocabulary";
        QTest::newRow("config.json NUL then garbage") << "config.json" << (read_qbytes(kTiny / "config.json") + QByteArray(1, '\0') + "x")
                                                      << "NUL";
    }
    void hostileJsonIsOneLine() {
        QFETCH(QString, file);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, says);
        const fs::path m = root_ / "hostile-json";
        fs::remove_all(m);
        fs::create_directories(m);
        for (const char* f : {"config.json", "model.safetensors", "tokenizer.model"}) fs::copy_file(kTiny / f, m / f);
        write_bytes(m / file.toStdString(), bytes.toStdString());
        const auto r = llms::test::run_process(LLMS_CLI, {"info", QString::fromStdString(m.string()), "--json"});
        QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(QString::fromUtf8(r.err.left(300)))));
        QVERIFY2(r.err.contains(says.toUtf8()), r.err.left(400).constData());
        QVERIFY2(!r.err.contains("json.exception") && !r.err.contains("unexpected error"), r.err.left(400).constData());
        QCOMPARE(r.err.trimmed().count('\n'), 0);
        QVERIFY(r.out.isEmpty());
    }

    // M1 / M5: a fact file with a number beyond a double, a million unknown keys or a million bad CSV lines is
    // refused quickly with the documented issue list (it was an escaped exception, or minutes to hours).
    void hostileFactFiles_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("says");
        QTest::newRow("number overflow") << "f.jsonl" << QByteArray(R"({"kind":"retain","prompt":"p","answer":" a","tags":1e400})")
                                         << "invalid JSON: number overflow";
        QByteArray keys = "{\"kind\":\"retain\",\"prompt\":\"p\",\"answer\":\" a\"";
        for (int i = 0; i < 300000; ++i) keys += ",\"k" + QByteArray::number(i) + "\":0";
        QTest::newRow("300000 unknown keys") << "k.jsonl" << (keys + "}\n") << "unknown field";
        QByteArray csv = "kind,id,prompt,answer,new_answer,text,paraphrases,options,tags\n";
        for (int i = 0; i < 300000; ++i) csv += "x\n";
        QTest::newRow("300000 bad CSV lines") << "c.csv" << csv << "the header has 9";
        QTest::newRow("CSV not UTF-8") << "u.csv"
                                       << QByteArray("kind,prompt,answer\nforget,The capital \xff is, Paris\n")
                                       << "not valid UTF-8";
        QTest::newRow("200000-deep line") << "d.jsonl" << (QByteArray(200000, '[') + QByteArray(200000, ']')) << "nested deeper";
    }
    void hostileFactFiles() {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, says);
        const fs::path f = root_ / name.toStdString();
        write_bytes(f, bytes.toStdString());
        // Linear in the input: 30 s of CPU (the quadratic readers took minutes on these files; exit -1 beyond it).
        const auto r = llms::test::run_process(LLMS_CLI, {"eval", QString::fromStdString(model_.string()), "--facts",
                                                          QString::fromStdString(f.string())}, 120000, 30);
        QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(QString::fromUtf8(r.err.left(300)))));
        QVERIFY2(r.err.contains(says.toUtf8()), r.err.left(600).constData());
        QVERIFY2(!r.err.contains("json.exception"), r.err.left(400).constData());
    }

    // M6: a tokenizer with more pieces than the model's vocabulary gave a c10 IndexError with a backtrace.
    void tokenizerLargerThanTheModelIsRefused() {
        const fs::path m = root_ / "small-vocab";
        fs::remove_all(m);
        fs::create_directories(m);
        fs::copy_file(kTiny / "tokenizer.model", m / "tokenizer.model");   // 512 pieces
        write_bytes(m / "config.json", kSmallConfig);
        write_zero_safetensors(m / "model.safetensors", small_shapes(8, 8, 16, 1));
        const auto r = llms::test::run_process(LLMS_CLI, {"generate", QString::fromStdString(m.string()), "--prompt", "hello"});
        QVERIFY2(r.code == 1, r.err.constData());
        QVERIFY2(r.err.contains("512 pieces, more than the model's vocab_size 8"), r.err.constData());
        QCOMPARE(r.err.trimmed().count('\n'), 0);
        // ids in, ids out still work
        const auto ids = llms::test::run_process(LLMS_CLI, {"score", QString::fromStdString(m.string()), "--ids", "1,2,3"});
        QVERIFY2(ids.code == 0, ids.err.constData());
    }

    // H3: tokenizer.model went straight to libsentencepiece, which crashes on crafted files (a 100 KB piece at
    // load, a charsmap trie pointing outside itself at the first Encode). The structure is checked first.
    void tokenizerModelIsCheckedBeforeParsing() {
        using llms::tokenizer::check_spm_model_bytes;
        const std::string good = read_bytes(kTiny / "tokenizer.model");
        QVERIFY(error_of([&] { check_spm_model_bytes(good, "t"); }).empty());

        // A 200 KB piece appended as one more SentencePiece (field 1 { field 1: bytes }).
        const std::string piece(200000, 'a');
        std::string inner = "\x0a";
        inner += varint(piece.size());
        inner += piece;
        std::string long_piece = good;
        long_piece += '\x0a';
        long_piece += varint(inner.size());
        long_piece += inner;
        std::string e = error_of([&] { check_spm_model_bytes(long_piece, "t"); });
        QVERIFY2(e.find("200000 bytes long") != std::string::npos, e.c_str());

        // The charsmap trie's root sent outside the array (the shape of google/sentencepiece#1269).
        std::string bad_trie = good;
        const size_t name = bad_trie.find("nmt_nfkc");
        QVERIFY(name != std::string::npos);
        size_t p = name + 8;
        QCOMPARE(bad_trie[p], '\x12');   // NormalizerSpec.precompiled_charsmap
        ++p;
        while (static_cast<unsigned char>(bad_trie[p]) & 0x80) ++p;
        p += 1 + 4;                         // past the length varint and the u32 trie size: unit 0
        const uint32_t far = (0x3FFFFFu << 10) | (1u << 9);
        std::memcpy(bad_trie.data() + p, &far, 4);
        e = error_of([&] { check_spm_model_bytes(bad_trie, "t"); });
        QVERIFY2(e.find("trie points outside itself") != std::string::npos, e.c_str());

        e = error_of([&] { check_spm_model_bytes(good.substr(0, good.size() - 7), "t"); });
        QVERIFY2(e.find("broken or truncated") != std::string::npos, e.c_str());
        e = error_of([&] { check_spm_model_bytes(good + "\xff\xff", "t"); });
        QVERIFY2(e.find("broken or truncated") != std::string::npos, e.c_str());

        // End to end: info reports it, score refuses with one line, neither crashes.
        const fs::path m = root_ / "crafted-tokenizer";
        fs::remove_all(m);
        fs::create_directories(m);
        for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(kTiny / f, m / f);
        write_bytes(m / "tokenizer.model", bad_trie);
        auto r = llms::test::run_process(LLMS_CLI, {"info", QString::fromStdString(m.string()), "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("corrupt or not a SentencePiece model"), r.out.constData());
        r = llms::test::run_process(LLMS_CLI, {"score", QString::fromStdString(m.string()), "--text", "hello"});
        QVERIFY2(r.code == 1, r.err.constData());
        QVERIFY2(r.err.contains("corrupt or not a SentencePiece model"), r.err.constData());
    }

    // Faithful export (issue "trustworthy at real scale" §1): the edited folder's config.json is the input's own
    // JSON, key by key and in its order, with only what really changed updated; side files are copied as they are.
    void surgeryExportKeepsTheModelsOwnConfig() {
        const fs::path m = root_ / "rich-config";
        fs::remove_all(m);
        fs::create_directories(m);
        for (const char* f : {"model.safetensors", "tokenizer.model"}) fs::copy_file(kTiny / f, m / f);
        auto cfg = nlohmann::ordered_json::parse(read_bytes(kTiny / "config.json"));
        // Keys the real Llama-3.x, Qwen2.5/3 and Mistral configs carry that do not change the computation here.
        cfg["eos_token_id"] = {2, 3};
        cfg["pad_token_id"] = nullptr;
        cfg["transformers_version"] = "4.46.1";
        cfg["use_cache"] = true;
        cfg["initializer_range"] = 0.02;
        cfg["pretraining_tp"] = 1;
        cfg["attention_dropout"] = 0.0;
        cfg["use_sliding_window"] = false;
        cfg["max_window_layers"] = 21;
        cfg["a_future_key"] = {{"nested", {1, 2.5, "x"}}};
        write_bytes(m / "config.json", cfg.dump(2) + "\n");
        const std::string gen = "{\n  \"bos_token_id\": 1,\n  \"eos_token_id\": [2, 3],\n  \"do_sample\": true\n}\n";
        write_bytes(m / "generation_config.json", gen);
        write_bytes(m / "tokenizer_config.json", "{\"add_bos_token\": true, \"chat_template\": \"{{ messages }}\"}");
        const fs::path out = root_ / "rich-edited";
        const auto r = llms::test::run_process(
            LLMS_CLI, args_of({"surgery", m.string(), "--facts", facts_.string(), "--out", out.string(), "--steps", "1",
                               "--preset", "paper", "--no-early-stop"}),
            300000);
        QVERIFY2(r.code == 0, r.err.constData());
        const auto back = nlohmann::ordered_json::parse(read_bytes(out / "config.json"));
        QCOMPARE(back.size(), cfg.size());
        auto k = back.begin();
        for (auto it = cfg.begin(); it != cfg.end(); ++it, ++k) {
            QCOMPARE(QString::fromStdString(k.key()), QString::fromStdString(it.key()));   // same order
            QVERIFY2(k.value() == it.value(), it.key().c_str());
        }
        QCOMPARE(read_bytes(out / "generation_config.json"), gen);
        QCOMPARE(read_bytes(out / "tokenizer_config.json"), read_bytes(m / "tokenizer_config.json"));
        QVERIFY(fs::exists(out / "surgery_report.json") && fs::exists(out / "surgery_report.md"));
        QVERIFY(fs::is_regular_file(out / llms::io::kOutputMarker));
    }

    // Faults: a NaN in the weights of a model being opened is reported, not computed with.
    void nanWeightsAreReported() {
        const fs::path m = root_ / "nan-model";
        fs::remove_all(m);
        fs::create_directories(m);
        write_bytes(m / "config.json", kSmallConfig);
        write_zero_safetensors(m / "model.safetensors", small_shapes(8, 8, 16, 1), /*nan_first=*/true);
        const auto r = llms::test::run_process(LLMS_CLI, {"score", QString::fromStdString(m.string()), "--ids", "1,2"});
        QVERIFY2(r.code == 1, r.err.constData());
        QVERIFY2(r.err.contains("model.embed_tokens.weight") && r.err.contains("NaN"), r.err.constData());
    }

    // Faults: kill -9 during the export, and a disk that fills up during it, leave the previous output as it was
    // and no half-written folder under the output's name.
    void killedOrFullDiskExportKeepsThePreviousOutput() {
        // A model big enough (4.5 M parameters, 18 MB) that its export takes a while to catch.
        const fs::path m = root_ / "wide-model";
        fs::remove_all(m);
        fs::create_directories(m);
        fs::copy_file(kTiny / "tokenizer.model", m / "tokenizer.model");
        write_bytes(m / "config.json", R"({"architectures":["LlamaForCausalLM"],"hidden_size":256,"intermediate_size":1024,)"
                                      R"("num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":4,)"
                                      R"("head_dim":64,"vocab_size":512,"max_position_embeddings":64})");
        write_zero_safetensors(m / "model.safetensors", small_shapes(512, 256, 1024, 4));
        const auto input = snapshot(m);
        const fs::path out = root_ / "wide-edited";
        const QStringList run{"surgery", QString::fromStdString(m.string()), "--facts", QString::fromStdString(facts_.string()),
                              "--out", QString::fromStdString(out.string()), "--steps", "1", "--preset", "paper",
                              "--no-early-stop", "--overwrite-out", "yes"};
        auto first = llms::test::run_process(LLMS_CLI, run, 300000);
        QVERIFY2(first.code == 0, first.err.constData());
        const auto previous = snapshot(out);

        // kill -9 as soon as the new folder is being written.
        QProcess p;
        p.start(LLMS_CLI, run);
        QVERIFY(p.waitForStarted());
        bool writing = false;
        while (!writing && p.state() != QProcess::NotRunning) {
            for (const auto& e : fs::directory_iterator(root_))
                if (e.path().filename().string().rfind("wide-edited.partial-", 0) == 0 &&
                    fs::exists(e.path() / llms::io::kOutputMarker))
                    writing = true;
            if (!writing) p.waitForFinished(2);
        }
        QVERIFY2(writing, "the export was not caught in progress");
        p.kill();
        p.waitForFinished();
        QCOMPARE(snapshot(out), previous);
        QCOMPARE(snapshot(m), input);

        // A full disk (a file-size limit: the same EFBIG/ENOSPC path in the writer): a one-line error, the
        // previous output intact, and the killed run's leftover cleaned away.
        QStringList quoted;
        for (const auto& a : run) quoted << "'" + a + "'";
        const auto full = llms::test::run_process(
            "/bin/bash", {"-c", "trap '' XFSZ; ulimit -f 4000; exec '" + QString(LLMS_CLI) + "' " + quoted.join(' ')}, 300000);
        QVERIFY2(full.code == 1, full.err.constData());
        QVERIFY2(full.err.contains("File too large") || full.err.contains("No space"), full.err.constData());
        QCOMPARE(snapshot(out), previous);
        QCOMPARE(snapshot(m), input);
        int leftovers = 0;
        for (const auto& e : fs::directory_iterator(root_))
            leftovers += e.path().filename().string().rfind("wide-edited.", 0) == 0;
        QCOMPARE(leftovers, 0);
    }

    // The policy itself, as the core and the app use it.
    void replaceablePolicy() {
        using namespace llms::io;
        const fs::path mine = root_ / "mine";
        fs::create_directories(mine);
        QVERIFY(!created_by_llm_surgery(mine));
        write_output_marker(mine, "a test folder");
        QVERIFY(created_by_llm_surgery(mine));
        QVERIFY(error_of([&] { check_replaceable(mine, "the output folder"); }).empty());

        // A marker that is a symlink (planted to borrow trust) does not count.
        const fs::path planted = root_ / "planted";
        fs::create_directories(planted);
        fs::create_symlink(mine / kOutputMarker, planted / kOutputMarker);
        QVERIFY(!created_by_llm_surgery(planted));

        // Home, the current folder and its ancestors are never deleted, whatever they hold.
        const fs::path keep = fs::current_path();
        fs::current_path(mine);
        std::string e = error_of([&] { check_replaceable(mine, "the output folder"); });
        QVERIFY2(e.find("current folder") != std::string::npos, e.c_str());
        e = error_of([&] { remove_owned_folder(root_, "the output folder"); });
        QVERIFY2(e.find("holds the current folder") != std::string::npos, e.c_str());
        fs::current_path(keep);
        const char* home = std::getenv("HOME");
        if (home && *home) {
            e = error_of([&] { check_replaceable(home, "the output folder"); });
            QVERIFY2(e.find("home folder") != std::string::npos, e.c_str());
        }
        e = error_of([&] { check_replaceable("/", "the output folder"); });
        QVERIFY2(e.find("root") != std::string::npos, e.c_str());

        // remove_owned_folder deletes a marked folder and an empty one, and refuses anything else.
        const fs::path user = root_ / "user";
        fs::create_directories(user);
        write_bytes(user / "a.txt", "a");
        e = error_of([&] { remove_owned_folder(user, "the folder"); });
        QVERIFY2(e.find("did not write") != std::string::npos, e.c_str());
        QVERIFY(fs::exists(user / "a.txt"));
        remove_owned_folder(mine, "the folder");
        QVERIFY(!fs::exists(mine));
        fs::create_directories(root_ / "empty");
        remove_owned_folder(root_ / "empty", "the folder");
        QVERIFY(!fs::exists(root_ / "empty"));
    }
};

QTEST_APPLESS_MAIN(TestDataSafety)
#include "test_data_safety.moc"
