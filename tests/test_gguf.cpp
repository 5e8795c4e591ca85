// GGUF export (core/gguf/): ggml's number formats bit for bit against tests/data/gguf/quant_reference.json
// (computed in Python from their definitions), the writer and the strict reader, hostile files, and a model written
// as llama.cpp's converter writes it (names, shapes, metadata, the q/k permutation, Llama 3's rope factors).
// llama.cpp itself reads the files in tools/check_gguf_llama_cpp.mjs (docs/benchmarks.md "GGUF").
#include "core/common/error.h"
#include "core/gguf/ggml_quants.h"
#include "core/gguf/gguf_export.h"
#include "core/gguf/gguf_reader.h"
#include "core/gguf/gguf_writer.h"
#include "core/model/model_loader.h"
#include "tests/test_files.h"

#include <torch/torch.h>

#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <cstring>
#include <nlohmann/json.hpp>

using namespace llms;
using namespace llms::gguf;
namespace fs = std::filesystem;

namespace {

using llms::test::error_of;
using llms::test::read_bytes;
using llms::test::write_bytes;

const fs::path kData = fs::path(LLMS_TEST_DATA);

std::string hex(const std::string& b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (unsigned char c : b) s += d[c >> 4], s += d[c & 15];
    return s;
}

float from_bits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

LoadedModel load(const fs::path& dir) {
    LoadOptions o;
    o.dtype = "float32";
    return load_model(dir, o);
}

}  // namespace

class TestGguf : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void formatsMatchTheReference() {
        const auto ref = test::read_json(kData / "gguf" / "quant_reference.json");
        std::vector<float> x;
        for (uint32_t b : ref["f32_bits"].get<std::vector<uint32_t>>()) x.push_back(from_bits(b));
        const auto fp16 = ref["fp16_bits"].get<std::vector<uint32_t>>(), bf16 = ref["bf16_bits"].get<std::vector<uint32_t>>();
        for (size_t i = 0; i < x.size(); ++i) {
            QCOMPARE((uint32_t)fp32_to_fp16(x[i]), fp16[i]);
            QCOMPARE((uint32_t)fp32_to_bf16(x[i]), bf16[i]);
            if ((fp16[i] & 0x7c00) != 0x7c00) QCOMPARE(fp32_to_fp16(fp16_to_fp32((uint16_t)fp16[i])), (uint16_t)fp16[i]);
        }
        const int64_t n = (int64_t)x.size();
        std::string q8((size_t)(n / kQuantBlock * kQ8_0BlockBytes), '\0'), q4((size_t)(n / kQuantBlock * kQ4_0BlockBytes), '\0');
        quantize_q8_0(x.data(), n, reinterpret_cast<uint8_t*>(q8.data()));
        quantize_q4_0(x.data(), n, reinterpret_cast<uint8_t*>(q4.data()));
        QCOMPARE(hex(q8), ref["q8_0"].get<std::string>());
        QCOMPARE(hex(q4), ref["q4_0"].get<std::string>());
        // Dequantized values are within half a step of the input (a step is d; block 1 is a gaussian row).
        std::vector<float> back((size_t)n);
        dequantize_q8_0(reinterpret_cast<const uint8_t*>(q8.data()), n, back.data());
        for (int j = 32; j < 64; ++j) QVERIFY(std::abs(back[j] - x[j]) <= 0.5f * fp16_to_fp32((uint16_t)(q8[34] | (q8[35] << 8))) * 1.001f);
        dequantize_q4_0(reinterpret_cast<const uint8_t*>(q4.data()), n, back.data());
        const float d4 = std::abs(fp16_to_fp32((uint16_t)((uint8_t)q4[18] | ((uint8_t)q4[19] << 8))));
        for (int j = 32; j < 64; ++j) QVERIFY(std::abs(back[j] - x[j]) <= d4 * 1.001f);
    }

    // Every value type and tensor type written and read back; offsets aligned and cumulative.
    void writerAndReaderRoundTrip() {
        QTemporaryDir dir;
        const fs::path f = dir.filePath("t.gguf").toStdString();
        Metadata md;
        md.set("general.architecture", Value::string("llama"));
        md.set("a.u32", Value::u32(7));
        md.set("a.f32", Value::f32(0.25f));
        md.set("a.bool", Value::boolean(true));
        md.set("a.strings", Value::strings({"x", "", "ü"}));
        md.set("a.i32s", Value::i32s({-1, 2}));
        md.set("a.f32s", Value::f32s({1.5f}));
        std::vector<TensorInfo> infos = {{"f32", {3}, TensorType::F32},     {"f16", {2, 5}, TensorType::F16},
                                         {"bf16", {1, 3}, TensorType::BF16}, {"q8", {2, 64}, TensorType::Q8_0},
                                         {"q4", {3, 32}, TensorType::Q4_0}};
        std::vector<std::string> data;
        for (const auto& t : infos) {
            int64_t n = 1;
            for (int64_t d : t.shape) n *= d;
            std::string b((size_t)tensor_bytes(t.type, n), '\0');
            for (size_t k = 0; k < b.size(); ++k) b[k] = (char)(k * 7 + t.name.size());
            data.push_back(b);
        }
        write_gguf(f, md, infos, [&](size_t i) { return data[i]; });
        const auto g = GgufFile::open(f);
        QCOMPARE(g.version(), 3u);
        QCOMPARE(g.metadata().entries().size(), md.entries().size());
        QCOMPARE(g.metadata().find("a.u32")->u, (uint64_t)7);
        QCOMPARE(g.metadata().find("a.f32")->f, 0.25);
        QVERIFY(g.metadata().find("a.bool")->b);
        QCOMPARE(g.metadata().find("a.strings")->items.at(2).s, std::string("ü"));
        QCOMPARE(g.metadata().find("a.i32s")->items.at(0).i, (int64_t)-1);
        QCOMPARE(g.tensors().size(), infos.size());
        for (size_t i = 0; i < infos.size(); ++i) {
            const auto& t = g.tensors()[i];
            QCOMPARE(t.name, infos[i].name);
            QCOMPARE(t.shape, infos[i].shape);
            QCOMPARE(t.type, infos[i].type);
            QCOMPARE(t.offset % 32, (uint64_t)0);
            QVERIFY(g.read(t) == data[i]);
        }
        QCOMPARE((int64_t)fs::file_size(f) % 32, (int64_t)0);
        // A quantized row that is not whole blocks is refused before anything is written.
        const fs::path bad = dir.filePath("bad.gguf").toStdString();
        QVERIFY(error_of([&] { write_gguf(bad, md, {{"q", {2, 20}, TensorType::Q8_0}}, [](size_t) { return std::string(); }); })
                    .find("multiple of 32") != std::string::npos);
        QVERIFY(!fs::exists(bad));
    }

    void hostileFilesAreRefused_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("says");
        auto u32 = [](uint32_t v) { return QByteArray(reinterpret_cast<const char*>(&v), 4); };
        auto u64 = [](uint64_t v) { return QByteArray(reinterpret_cast<const char*>(&v), 8); };
        auto str = [&](const QByteArray& s) { return u64((uint64_t)s.size()) + s; };
        const QByteArray head = QByteArray("GGUF") + u32(3);
        QTest::newRow("empty") << QByteArray() << "runs past the end";
        QTest::newRow("not GGUF") << QByteArray("GGML0000000000000000000000") << "does not start with";
        QTest::newRow("version 9") << (QByteArray("GGUF") + u32(9) + u64(0) + u64(0)) << "version 9";
        QTest::newRow("2^60 tensors") << (head + u64(1ull << 60) + u64(0)) << "more than the file holds";
        QTest::newRow("2^60 keys") << (head + u64(0) + u64(1ull << 60)) << "more than the file holds";
        QTest::newRow("string of 2^62 bytes") << (head + u64(0) + u64(1) + u64(1ull << 62) + QByteArray(16, 'x'))
                                              << "at most 16 MiB";
        QTest::newRow("array of 2^40 strings") << (head + u64(0) + u64(1) + str("k") + u32(9) + u32(8) + u64(1ull << 40))
                                               << "more than the file holds";
        QTest::newRow("nested arrays") << (head + u64(0) + u64(1) + str("k") + u32(9) + u32(9) + u64(1) + u32(9) + u64(1) +
                                           u32(9) + u64(1) + u32(9) + u64(1) + u32(9) + u64(1))
                                       << "nested deeper";
        QTest::newRow("value type 99") << (head + u64(0) + u64(1) + str("k") + u32(99)) << "value type 99";
        QTest::newRow("bool of 2") << (head + u64(0) + u64(1) + str("k") + u32(7) + QByteArray(1, '\2')) << "a bool of 2";
        QTest::newRow("duplicate key") << (head + u64(0) + u64(2) + str("k") + u32(4) + u32(1) + str("k") + u32(4) + u32(1))
                                       << "appears twice";
        QTest::newRow("alignment 3") << (head + u64(0) + u64(1) + str("general.alignment") + u32(4) + u32(3))
                                     << "power of two";
        const QByteArray one = head + u64(1) + u64(0) + str("t");
        QTest::newRow("0 dimensions") << (one + u32(0) + QByteArray(64, '\0')) << "0 dimensions";
        QTest::newRow("dimension 0") << (one + u32(1) + u64(0) + u32(0) + u64(0) + QByteArray(64, '\0')) << "dimension of 0";
        QTest::newRow("2^63 elements") << (one + u32(2) + u64(1ull << 32) + u64(1ull << 31) + u32(0) + u64(0)) << "a dimension of";
        QTest::newRow("type 12 (Q4_K)") << (one + u32(1) + u64(256) + u32(12) + u64(0) + QByteArray(64, '\0')) << "type 12";
        QTest::newRow("q8_0 row of 20") << (one + u32(1) + u64(20) + u32(8) + u64(0) + QByteArray(64, '\0')) << "whole blocks";
        QTest::newRow("misaligned offset") << (one + u32(1) + u64(4) + u32(0) + u64(3) + QByteArray(64, '\0')) << "not aligned";
        QTest::newRow("data past the end") << (one + u32(1) + u64(1000) + u32(0) + u64(0) + QByteArray(64, '\0'))
                                           << "outside the file";
    }
    void hostileFilesAreRefused() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, says);
        QTemporaryDir dir;
        const fs::path f = dir.filePath("h.gguf").toStdString();
        write_bytes(f, bytes.toStdString());
        const std::string e = error_of([&] { (void)GgufFile::open(f); });
        QVERIFY2(e.find(says.toStdString()) != std::string::npos, e.c_str());
        QVERIFY2(e.find("h.gguf") != std::string::npos, e.c_str());
    }

    // The demo-shaped reference model as llama.cpp's converter writes it.
    void llamaExport_data() {
        QTest::addColumn<QString>("type");
        for (const char* t : {"f32", "f16", "bf16", "q8_0", "q4_0"}) QTest::newRow(t) << t;
    }
    void llamaExport() {
        QFETCH(QString, type);
        QTemporaryDir dir;
        auto m = load(kData / "tiny-llama");
        const fs::path f = dir.filePath("m.gguf").toStdString();
        GgufExportOptions o;
        QVERIFY(type_from_name(type.toStdString(), &o.type));
        export_gguf(f, m.config, m.dir, m.tok(), hf_named_tensors(m.net), o);
        const auto g = GgufFile::open(f);
        const auto& md = g.metadata();
        QCOMPARE(md.find("general.architecture")->s, std::string("llama"));
        QCOMPARE(md.find("general.file_type")->u, (uint64_t)file_type(o.type));
        QCOMPARE(md.find("llama.block_count")->u, (uint64_t)2);
        QCOMPARE(md.find("llama.attention.head_count_kv")->u, (uint64_t)2);
        QCOMPARE(md.find("llama.rope.dimension_count")->u, (uint64_t)16);
        QCOMPARE(md.find("llama.attention.layer_norm_rms_epsilon")->type, ValueType::F32);
        QCOMPARE(md.find("tokenizer.ggml.model")->s, std::string("llama"));
        QCOMPARE(md.find("tokenizer.ggml.tokens")->items.size(), (size_t)512);
        QCOMPARE(md.find("tokenizer.ggml.tokens")->items.at(1).s, m.tok().piece(1));
        QCOMPARE(md.find("tokenizer.ggml.token_type")->elem, ValueType::I32);
        QCOMPARE(md.find("tokenizer.ggml.token_type")->items.at(1).i, (int64_t)3);    // <s>: control
        QCOMPARE(md.find("tokenizer.ggml.bos_token_id")->u, (uint64_t)1);
        QVERIFY(md.find("tokenizer.ggml.add_bos_token")->b);
        QCOMPARE(g.tensors().size(), (size_t)(2 * 9 + 3));
        QVERIFY(g.find("output.weight") && g.find("token_embd.weight") && g.find("blk.1.ffn_down.weight"));
        QCOMPARE(g.find("blk.0.attn_norm.weight")->type, TensorType::F32);
        QCOMPARE(g.find("blk.0.attn_q.weight")->shape, (std::vector<int64_t>{64, 64}));
        QCOMPARE(g.find("blk.0.attn_k.weight")->shape, (std::vector<int64_t>{32, 64}));
        // The q rows are permuted to llama.cpp's rope pairs: row h·HD + 2i + j holds HF row h·HD + j·HD/2 + i.
        const auto q = at::tensor(g.read_floats(*g.find("blk.0.attn_q.weight"))).view({64, 64});
        const auto hf = m.net->named_parameters()["model.layers.0.self_attn.q_proj.weight"].detach();
        const double tol = o.type == TensorType::F32 ? 0 : o.type == TensorType::Q4_0 ? 0.25 : o.type == TensorType::Q8_0 ? 0.02 : 0.01;
        for (int64_t h = 0; h < 4; ++h)
            for (int64_t i = 0; i < 8; ++i)
                for (int64_t j = 0; j < 2; ++j) {
                    const double e = (q[h * 16 + 2 * i + j] - hf[h * 16 + j * 8 + i]).abs().max().item<double>();
                    QVERIFY2(e <= tol * std::max(1.0, hf.abs().max().item<double>()), qPrintable(QString("row error %1").arg(e)));
                }
        // v is not permuted.
        const auto v = at::tensor(g.read_floats(*g.find("blk.1.attn_v.weight"))).view({32, 64});
        QVERIFY((v - m.net->named_parameters()["model.layers.1.self_attn.v_proj.weight"].detach()).abs().max().item<double>() <=
                tol * 8 + 1e-9);
        // The original folder is untouched, and the file names its writer.
        QVERIFY(md.find(kExportedByKey));
    }

    // Llama 3's rope scaling becomes llama.cpp's rope_freqs tensor; a tied head is not written; Qwen's
    // architectures keep HF's rope layout (no permutation), Qwen2 its biases, Qwen3 its q/k norms.
    void familiesExport() {
        QTemporaryDir dir;
        const fs::path llama3 = dir.filePath("llama3").toStdString(), qwen3 = dir.filePath("qwen3").toStdString();
        for (const auto& [from, to, tok] : {std::tuple{"llama3-scaled", llama3, "llama3"}, std::tuple{"qwen3", qwen3, "qwen3"}}) {
            fs::create_directories(to);
            for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(kData / "families" / from / f, to / f);
            QProcess gz;
            gz.setStandardOutputFile(QString::fromStdString((to / "tokenizer.json").string()));
            gz.start("gzip", {"-dc", QString::fromStdString((kData / "tokenizers" / tok / "tokenizer.json.gz").string())});
            QVERIFY(gz.waitForFinished(60000) && gz.exitCode() == 0);
        }
        {
            auto m = load(llama3);
            const fs::path f = dir.filePath("l3.gguf").toStdString();
            export_gguf(f, m.config, m.dir, m.tok(), hf_named_tensors(m.net), {});
            const auto g = GgufFile::open(f);
            QCOMPARE(g.tensors().front().name, std::string("rope_freqs.weight"));
            const auto factors = g.read_floats(g.tensors().front());
            QCOMPARE((int64_t)factors.size(), m.config.head_dim > 0 ? m.config.head_dim / 2 : m.config.hidden_size / m.config.num_attention_heads / 2);
            QCOMPARE(factors.front(), 1.0f);                                  // high frequencies unscaled
            QCOMPARE(factors.back(), (float)m.config.rope_factor);            // low frequencies scaled by factor
            QCOMPARE(g.metadata().find("tokenizer.ggml.pre")->s, std::string("llama-bpe"));
            QCOMPARE(g.metadata().find("tokenizer.ggml.model")->s, std::string("gpt2"));
            QVERIFY(g.metadata().find("tokenizer.ggml.merges")->items.size() > 1000);
            QCOMPARE((int64_t)g.metadata().find("tokenizer.ggml.tokens")->items.size(), m.config.vocab_size);
            QCOMPARE(g.find("output.weight") != nullptr, !m.config.tie_word_embeddings);
        }
        {
            auto m = load(qwen3);
            const fs::path f = dir.filePath("q3.gguf").toStdString();
            GgufExportOptions o;
            o.type = TensorType::F32;
            export_gguf(f, m.config, m.dir, m.tok(), hf_named_tensors(m.net), o);
            const auto g = GgufFile::open(f);
            QCOMPARE(g.metadata().find("general.architecture")->s, std::string("qwen3"));
            QCOMPARE(g.metadata().find("tokenizer.ggml.pre")->s, std::string("qwen2"));
            QVERIFY(!g.metadata().find("tokenizer.ggml.add_bos_token")->b);
            QVERIFY(g.find("blk.0.attn_q_norm.weight") && g.find("blk.0.attn_k_norm.weight"));
            const auto q = at::tensor(g.read_floats(*g.find("blk.0.attn_q.weight")));
            const auto hf = m.net->named_parameters()["model.layers.0.self_attn.q_proj.weight"].detach().reshape(-1);
            QVERIFY(at::equal(q, hf));   // F32, no permutation
        }
    }
};

QTEST_APPLESS_MAIN(TestGguf)
#include "test_gguf.moc"
