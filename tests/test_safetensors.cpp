// safetensors: bit-exact round trips, zero-copy mapping, the reference checkpoint, sharding, and one clear
// error for every malformed header or index.
#include "core/common/error.h"
#include "core/io/safetensors.h"
#include "tests/test_files.h"
#include "tests/test_tensors.h"

#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

namespace fs = std::filesystem;
using namespace llms::io;

namespace {

using llms::test::error_of;
using llms::test::write_bytes;
using llms::test::read_bytes;
using llms::test::bit_equal;

const fs::path kData = LLMS_TEST_DATA;

// u64 little-endian length + header + data; `length` overrides the stored header length.
std::string file_bytes(const std::string& header, const std::string& data, int64_t length = -1) {
    uint64_t n = length < 0 ? header.size() : (uint64_t)length;
    std::string out(8, '\0');
    std::memcpy(out.data(), &n, 8);
    return out + header + data;
}

// Whether address p lies in a mapping of file `path` (from /proc/self/maps).
bool mapped_from(const void* p, const fs::path& path) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    const std::string canon = fs::canonical(path).string();
    const auto addr = reinterpret_cast<uintptr_t>(p);
    while (std::getline(maps, line)) {
        if (line.size() < canon.size() || line.compare(line.size() - canon.size(), canon.size(), canon) != 0) continue;
        uintptr_t lo = 0, hi = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi) return true;
    }
    return false;
}

std::vector<std::pair<std::string, at::Tensor>> mixed_tensors() {
    torch::manual_seed(7);
    at::Tensor f32 = torch::randn({3, 5});
    f32[0][0] = -0.0f;
    f32[0][1] = std::numeric_limits<float>::infinity();
    f32[0][2] = std::numeric_limits<float>::quiet_NaN();
    return {
        {"a.f32", f32},                                                   // [3, 5]
        {"b.bf16", torch::randn({7}).to(at::kBFloat16)},                  // [7]: odd byte count before F16 data
        {"c.f16", torch::randn({2, 3, 4}).to(at::kHalf)},                 // [2, 3, 4]
        {"d.scalar", torch::tensor(3.25f)},                               // []
        {"e.empty", torch::zeros({0, 4})},                                // [0, 4]
        {"f.f32.after", torch::arange(6, torch::kFloat).reshape({2, 3})}, // [2, 3]: F32 given after 2-byte dtypes
    };
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripBitExact() {
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "t.safetensors";
        const auto tensors = mixed_tensors();
        const std::map<std::string, std::string> meta{{"format", "pt"}, {"note", "ünïcödé \"quoted\""}};
        save_safetensors(p, tensors, meta);
        QVERIFY(!fs::exists(fs::path(p.string() + ".tmp")));

        // Header padded with spaces to 8 bytes (the reference writer's alignment).
        const std::string raw = read_bytes(p);
        uint64_t n = 0;
        std::memcpy(&n, raw.data(), 8);
        QCOMPARE(n % 8, uint64_t(0));

        auto f = SafetensorsFile::open(p);
        QCOMPARE(f.tensors().size(), tensors.size());
        QCOMPARE(f.metadata(), meta);
        for (const auto& [name, t] : tensors) {
            const TensorInfo* info = f.find(name);
            QVERIFY2(info, name.c_str());
            QCOMPARE(info->shape, std::vector<int64_t>(t.sizes().begin(), t.sizes().end()));
            at::Tensor back = f.tensor(name);
            QVERIFY2(bit_equal(back, t), name.c_str());
        }
        QCOMPARE(f.find("a.f32")->dtype, std::string("F32"));
        QCOMPARE(f.find("b.bf16")->dtype, std::string("BF16"));
        QCOMPARE(f.find("c.f16")->dtype, std::string("F16"));
        QVERIFY(f.find("missing") == nullptr);
        QVERIFY(error_of([&] { f.tensor("missing"); }).find("\"missing\"") != std::string::npos);
        // tensors() in ascending data offset, contiguous.
        for (size_t i = 1; i < f.tensors().size(); ++i) QCOMPARE(f.tensors()[i].begin, f.tensors()[i - 1].end);
    }

    void zeroCopyAndCopyOnWrite() {
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "z.safetensors";
        const auto tensors = mixed_tensors();
        save_safetensors(p, tensors);
        at::Tensor a, c;
        {
            auto f = SafetensorsFile::open(p);
            a = f.tensor("f.f32.after");
            c = f.tensor("c.f16");
        }   // the file object is gone; the tensors keep the mapping alive
        QVERIFY2(mapped_from(a.data_ptr(), p), "F32 tensor is not a view of the mapped file");
        QVERIFY2(mapped_from(c.data_ptr(), p), "F16 tensor is not a view of the mapped file");
        QVERIFY(bit_equal(a, tensors[5].second));
        a.add_(1.0f);   // in place: copy-on-write, never written back
        QCOMPARE(a[1][2].item<float>(), 6.0f);
        auto again = SafetensorsFile::open(p);
        QVERIFY(bit_equal(again.tensor("f.f32.after"), tensors[5].second));
    }

    void readCopiesAndSurvivesTruncation() {
        // read() gives a tensor of its own, equal to the stored one; a file truncated by another program after open
        // is an llms::Error naming it (through the mapping, the same read would kill the process with SIGBUS).
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "t.safetensors";
        const auto tensors = mixed_tensors();
        save_safetensors(p, tensors);
        auto f = SafetensorsFile::open(p);
        const at::Tensor a = f.read("f.f32.after");
        QVERIFY(!mapped_from(a.data_ptr(), p));
        QVERIFY(bit_equal(a, tensors[5].second));
        QVERIFY(bit_equal(f.read("c.f16"), f.tensor("c.f16")));
        fs::resize_file(p, 16);
        const std::string e = error_of([&] { f.read("f.f32.after"); });
        QVERIFY2(e.find(p.string()) != std::string::npos && e.find("truncated or replaced") != std::string::npos,
                 e.c_str());
    }

    void misalignedDataIsCopied() {
        // Header of 13 bytes: the F32 data starts at file offset 21, not a multiple of 4.
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "m.safetensors";
        std::string header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
        while ((8 + header.size()) % 4 == 0) header += " ";
        float v[2] = {1.5f, -2.25f};
        write_bytes(p, file_bytes(header, std::string(reinterpret_cast<char*>(v), 8)));
        auto t = SafetensorsFile::open(p).tensor("x");
        QCOMPARE(reinterpret_cast<uintptr_t>(t.data_ptr()) % 4, uintptr_t(0));
        QCOMPARE(t[0].item<float>(), 1.5f);
        QCOMPARE(t[1].item<float>(), -2.25f);
    }

    void referenceCheckpoint() {
        auto ckpt = SafetensorsCheckpoint::open_folder(kData / "tiny-llama");
        const TensorInfo* e = ckpt.find("model.embed_tokens.weight");
        QVERIFY(e);
        QCOMPARE(e->dtype, std::string("F32"));
        QCOMPARE(e->shape, (std::vector<int64_t>{512, 64}));
        QVERIFY(ckpt.find("lm_head.weight"));
        QVERIFY(ckpt.find("model.layers.1.self_attn.k_proj.weight"));
        QCOMPARE(ckpt.find("model.layers.1.self_attn.k_proj.weight")->shape, (std::vector<int64_t>{32, 64}));
        const auto names = ckpt.names();
        QVERIFY(std::is_sorted(names.begin(), names.end()));
        QVERIFY(ckpt.total_bytes() > 0 && ckpt.total_bytes() < fs::file_size(kData / "tiny-llama/model.safetensors"));
        at::Tensor w = ckpt.tensor("model.norm.weight");
        QCOMPARE(w.dim(), int64_t(1));
        QCOMPARE(w.size(0), int64_t(64));
        QVERIFY(torch::isfinite(w).all().item<bool>());
        QVERIFY(w.abs().sum().item<float>() > 0);   // not a silent zero tensor

        auto bf = SafetensorsCheckpoint::open_folder(kData / "tiny-llama-bf16");
        QCOMPARE(bf.find("model.embed_tokens.weight")->dtype, std::string("BF16"));
        QCOMPARE(bf.tensor("model.embed_tokens.weight").scalar_type(), at::kBFloat16);
        // The bf16 weights are the round-to-nearest-even of the f32 ones.
        QVERIFY(bit_equal(bf.tensor("model.norm.weight"), w.to(at::kBFloat16)));
    }

    void shardedRoundTrip() {
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "sharded";
        std::vector<std::pair<std::string, at::Tensor>> tensors;
        for (int i = 0; i < 5; ++i) tensors.emplace_back("t" + std::to_string(i), torch::randn({16}));   // 64 B each
        tensors.emplace_back("big", torch::randn({100}));                                                  // 400 B
        std::vector<double> fractions;
        save_safetensors_sharded(dir, tensors, 150, {{"format", "pt"}}, at::ScalarType::Undefined,
                                 [&](double f) { fractions.push_back(f); });
        // 64+64 | 64+64 | 64 | 400 (a tensor above the limit gets its own shard)
        QVERIFY(fs::exists(dir / "model-00001-of-00004.safetensors"));
        QVERIFY(fs::exists(dir / "model-00004-of-00004.safetensors"));
        QVERIFY(!fs::exists(dir / "model.safetensors"));
        QCOMPARE(fractions.size(), tensors.size());
        QCOMPARE(fractions.back(), 1.0);
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));

        const std::string index = read_bytes(dir / "model.safetensors.index.json");
        QVERIFY(index.find("\"total_size\": 720") != std::string::npos);
        QVERIFY(index.find("\"big\": \"model-00004-of-00004.safetensors\"") != std::string::npos);
        QVERIFY(index.find("\"t0\": \"model-00001-of-00004.safetensors\"") != std::string::npos);

        auto ckpt = SafetensorsCheckpoint::open_folder(dir);
        QCOMPARE(ckpt.names().size(), tensors.size());
        QCOMPARE(ckpt.files().size(), size_t(4));
        QCOMPARE(ckpt.total_bytes(), uint64_t(720));
        for (const auto& [name, t] : tensors) QVERIFY2(bit_equal(ckpt.tensor(name), t), name.c_str());
        QCOMPARE(ckpt.files()[0].metadata().at("format"), std::string("pt"));

        // Below the limit: one model.safetensors.
        const fs::path one = fs::path(tmp.path().toStdString()) / "single";
        save_safetensors_sharded(one, tensors);
        QVERIFY(fs::exists(one / "model.safetensors"));
        QVERIFY(!fs::exists(one / "model.safetensors.index.json"));
        QCOMPARE(SafetensorsCheckpoint::open_folder(one).names().size(), tensors.size());
    }

    void shardedWriteConvertsDtype() {
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        std::vector<std::pair<std::string, at::Tensor>> tensors{{"w", torch::randn({4, 4})}, {"v", torch::randn({3})}};
        save_safetensors_sharded(dir, tensors, 1 << 20, {}, at::kBFloat16, {});
        auto f = SafetensorsFile::open(dir / "model.safetensors");
        QCOMPARE(f.find("w")->dtype, std::string("BF16"));
        QCOMPARE(f.find("w")->end - f.find("w")->begin, uint64_t(32));
        QVERIFY(bit_equal(f.tensor("w"), tensors[0].second.to(at::kBFloat16)));
        QVERIFY(tensors[0].second.scalar_type() == at::kFloat);   // inputs untouched
    }

    void writerRefusals() {
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "bad.safetensors";
        std::string e = error_of([&] { save_safetensors(p, {{"ids", torch::arange(4)}}); });
        QVERIFY2(e.find("\"ids\"") != std::string::npos && e.find("F32, BF16, F16") != std::string::npos, e.c_str());
        e = error_of([&] { save_safetensors(p, {{"x", torch::ones({1})}, {"x", torch::ones({1})}}); });
        QVERIFY2(e.find("given twice") != std::string::npos, e.c_str());
        e = error_of([&] { save_safetensors(p, {{"__metadata__", torch::ones({1})}}); });
        QVERIFY2(e.find("reserved") != std::string::npos, e.c_str());
        QVERIFY(!fs::exists(p));
        QVERIFY(!fs::exists(fs::path(p.string() + ".tmp")));
        e = error_of([&] { save_safetensors_sharded(tmp.path().toStdString(), {{"x", torch::ones({1})}}, 0); });
        QVERIFY2(e.find("shard size") != std::string::npos, e.c_str());
    }

    void malformedFile_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("tensor");   // the tensor the message must name, or empty
        QTest::addColumn<QString>("problem");

        auto row = [](const char* tag, const std::string& bytes, const char* tensor, const char* problem) {
            QTest::newRow(tag) << QByteArray(bytes.data(), (qsizetype)bytes.size()) << QString(tensor) << QString(problem);
        };
        const std::string d8(8, '\x01');    // 8 data bytes
        const std::string d12(12, '\x01');
        auto one = [&](const std::string& entry, const std::string& data = std::string(8, '\x01')) {
            return file_bytes("{\"w\":" + entry + "}", data);
        };
        row("shorter than 8 bytes", "abc", "", "shorter than the 8-byte");
        row("header length 0", file_bytes("", d8, 0), "", "header length is 0");
        row("header length over 16 MiB", file_bytes("{}", d8, 17ll << 20), "", "exceeds the 16 MiB");
        std::string ones65 = "1";
        for (int i = 0; i < 64; ++i) ones65 += ",1";
        row("shape of 65 dimensions", one(R"({"dtype":"F32","shape":[)" + ones65 + R"(],"data_offsets":[0,4]})", d8.substr(4)),
            "w", "65 dimensions");
        row("header length past end", file_bytes("{}", "", 100), "", "runs past the end");
        row("header not JSON", file_bytes("{not json", d8), "", "not valid JSON");
        row("header not an object", file_bytes("[1,2]", d8), "", "must be a JSON object");
        row("entry not an object", one("5"), "w", "must be an object");
        row("missing dtype", one(R"({"shape":[2],"data_offsets":[0,8]})"), "w", "no \"dtype\"");
        row("dtype not a string", one(R"({"dtype":4,"shape":[2],"data_offsets":[0,8]})"), "w", "\"dtype\" must be a string");
        row("unknown dtype", one(R"({"dtype":"I64","shape":[1],"data_offsets":[0,8]})"), "w",
            "dtype I64 is not supported (supported: F32, BF16, F16)");
        row("missing shape", one(R"({"dtype":"F32","data_offsets":[0,8]})"), "w", "no \"shape\"");
        row("shape not an array", one(R"({"dtype":"F32","shape":2,"data_offsets":[0,8]})"), "w",
            "\"shape\" must be an array");
        row("shape not integers", one(R"({"dtype":"F32","shape":[2.5],"data_offsets":[0,8]})"), "w",
            "shape must hold integers");
        row("negative dimension", one(R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})"), "w",
            "negative dimension");
        row("missing data_offsets", one(R"({"dtype":"F32","shape":[2]})"), "w", "no \"data_offsets\"");
        row("data_offsets not a pair", one(R"({"dtype":"F32","shape":[2],"data_offsets":[0]})"), "w",
            "must be an array [begin, end]");
        row("data_offsets not integers", one(R"({"dtype":"F32","shape":[2],"data_offsets":["0","8"]})"), "w",
            "data_offsets must hold integers");
        row("data_offsets negative", one(R"({"dtype":"F32","shape":[2],"data_offsets":[-8,0]})"), "w", "negative");
        row("begin after end", one(R"({"dtype":"F32","shape":[1],"data_offsets":[8,4]})"), "w", "begin after end");
        row("end beyond buffer", one(R"({"dtype":"F32","shape":[16],"data_offsets":[0,64]})"), "w",
            "beyond the 8-byte data buffer");
        row("size mismatch", one(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"), "w", "needs 12 bytes");
        row("size overflow", one(R"({"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]})"), "w",
            "more than 2^63");
        row("overlapping tensors",
            file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                       d12),
            "w", "overlap");
        row("tensor named twice",
            file_bytes(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                       d8),
            "w", "twice");
        row("metadata not an object", file_bytes(R"({"__metadata__":5})", d8), "", "__metadata__ must be an object");
        row("metadata value not a string", file_bytes(R"({"__metadata__":{"k":1}})", d8), "",
            "__metadata__ value for \"k\" must be a string");
    }

    void malformedFile() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, tensor);
        QFETCH(QString, problem);
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "broken.safetensors";
        write_bytes(p, bytes.toStdString());
        const std::string e = error_of([&] { SafetensorsFile::open(p); });
        QVERIFY2(!e.empty(), "no llms::Error thrown");
        QVERIFY2(e.find(p.string()) != std::string::npos, e.c_str());
        QVERIFY2(e.find(problem.toStdString()) != std::string::npos, e.c_str());
        if (!tensor.isEmpty()) QVERIFY2(e.find(QString("\"%1\"").arg(tensor).toStdString()) != std::string::npos, e.c_str());
        QVERIFY2(e.find('\n') == std::string::npos, "message must be one line");
    }

    void malformedIndex_data() {
        QTest::addColumn<QString>("index");   // {} stands for nothing written
        QTest::addColumn<QString>("problem");
        QTest::newRow("not JSON") << "{\"weight_map\": " << "not valid JSON";
        QTest::newRow("not an object") << "[]" << "must be a JSON object";
        QTest::newRow("no weight_map") << R"({"metadata":{}})" << "no \"weight_map\"";
        QTest::newRow("weight_map not an object") << R"({"weight_map":[]})" << "\"weight_map\" must be an object";
        QTest::newRow("shard missing") << R"({"weight_map":{"a":"a.safetensors","b":"gone.safetensors"}})"
                                       << "shard \"gone.safetensors\" (listed for tensor \"b\") does not exist";
        QTest::newRow("tensor not in its shard") << R"({"weight_map":{"a":"b.safetensors","b":"b.safetensors"}})"
                                                 << "lists tensor \"a\" in shard \"b.safetensors\", but that shard";
        QTest::newRow("tensor in two shards") << R"({"weight_map":{"a":"a.safetensors","b":"ab.safetensors"}})"
                                              << "tensor \"a\" is stored in two shards";
        QTest::newRow("shard outside folder") << R"({"weight_map":{"a":"../a.safetensors"}})"
                                              << "not a file inside the model folder";
        QTest::newRow("metadata not an object") << R"({"metadata":3,"weight_map":{"a":"a.safetensors"}})"
                                                << "\"metadata\" must be an object";
    }

    void malformedIndex() {
        QFETCH(QString, index);
        QFETCH(QString, problem);
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        save_safetensors(dir / "a.safetensors", {{"a", torch::ones({2})}});
        save_safetensors(dir / "b.safetensors", {{"b", torch::ones({3})}});
        save_safetensors(dir / "ab.safetensors", {{"a", torch::ones({2})}, {"b", torch::ones({3})}});
        write_bytes(dir / "model.safetensors.index.json", index.toStdString());
        const std::string e = error_of([&] { SafetensorsCheckpoint::open_folder(dir); });
        QVERIFY2(!e.empty(), "no llms::Error thrown");
        QVERIFY2(e.find("model.safetensors.index.json") != std::string::npos, e.c_str());
        QVERIFY2(e.find(problem.toStdString()) != std::string::npos, e.c_str());
    }

    void indexWithValidShards() {
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        save_safetensors(dir / "a.safetensors", {{"a", torch::ones({2})}});
        save_safetensors(dir / "b.safetensors", {{"b", torch::full({3}, 2.0f)}});
        write_bytes(dir / "model.safetensors.index.json",
                    R"({"metadata":{"total_size":20},"weight_map":{"a":"a.safetensors","b":"b.safetensors"}})");
        auto c = SafetensorsCheckpoint::open_folder(dir);
        QCOMPARE(c.names(), (std::vector<std::string>{"a", "b"}));
        QCOMPARE(c.total_bytes(), uint64_t(20));
        QCOMPARE(c.tensor("b")[2].item<float>(), 2.0f);
        const std::string e = error_of([&] { c.tensor("zz"); });
        QVERIFY2(e.find("\"zz\"") != std::string::npos && e.find(dir.string()) != std::string::npos, e.c_str());
    }

    void pickleRefused() {
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        write_bytes(dir / "config.json", "{}");
        write_bytes(dir / "pytorch_model.bin", "PK\x03\x04 pretend pickle");
        const std::string e = error_of([&] { SafetensorsCheckpoint::open_folder(dir); });
        QVERIFY2(e.find("pytorch_model.bin") != std::string::npos, e.c_str());
        QVERIFY2(e.find("pickle") != std::string::npos, e.c_str());
        QVERIFY2(e.find("runs any code") != std::string::npos, e.c_str());
        QVERIFY2(e.find("safe_serialization=True") != std::string::npos, e.c_str());
        QCOMPARE(e, pickle_refusal_message(dir / "pytorch_model.bin"));

        for (const char* ext : {".pt", ".pth", ".ckpt"}) {
            QTemporaryDir t2;
            const fs::path d2(t2.path().toStdString());
            write_bytes(d2 / (std::string("weights") + ext), "x");
            const std::string e2 = error_of([&] { SafetensorsCheckpoint::open_folder(d2); });
            QVERIFY2(e2.find(std::string("weights") + ext) != std::string::npos && e2.find("pickle") != std::string::npos,
                     e2.c_str());
        }
    }

    void noWeights() {
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        write_bytes(dir / "config.json", "{}");
        std::string e = error_of([&] { SafetensorsCheckpoint::open_folder(dir); });
        QVERIFY2(e.find("no model weights") != std::string::npos && e.find(dir.string()) != std::string::npos, e.c_str());
        save_safetensors(dir / "consolidated.safetensors", {{"a", torch::ones({2})}});
        e = error_of([&] { SafetensorsCheckpoint::open_folder(dir); });
        QVERIFY2(e.find("consolidated.safetensors") != std::string::npos, e.c_str());
        e = error_of([&] { SafetensorsCheckpoint::open_folder(dir / "nope"); });
        QVERIFY2(e.find("not found") != std::string::npos, e.c_str());
        e = error_of([&] { SafetensorsFile::open(dir / "nope.safetensors"); });
        QVERIFY2(e.find("nope.safetensors: file not found") != std::string::npos, e.c_str());
    }
};

QTEST_APPLESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
