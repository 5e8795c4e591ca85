// HF folder writer: complete folders, never over the input, no clobbering without overwrite, atomic overwrite,
// dtype conversion reflected in the weights and config.json; completeness check on damaged folders; only folders
// llm-surgery wrote are replaced; side files linked outside the model are not copied.
#include "core/common/error.h"
#include "core/io/hf_folder.h"
#include "core/io/output_folder.h"
#include "core/io/safetensors.h"
#include "tests/test_files.h"
#include "tests/test_tensors.h"

#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace fs = std::filesystem;
using namespace llms::io;

namespace {

using llms::test::error_of;
using llms::test::read_bytes;
using llms::test::write_bytes;
using llms::test::bit_equal;

const fs::path kData = LLMS_TEST_DATA;

using Named = std::vector<std::pair<std::string, at::Tensor>>;

Named load_all(const fs::path& dir) {
    auto c = SafetensorsCheckpoint::open_folder(dir);
    Named out;
    for (const auto& n : c.names()) out.emplace_back(n, c.tensor(n).clone());
    return out;
}

// Entries of dir whose name contains `part` (leftover temporary folders).
int count_containing(const fs::path& dir, const std::string& part) {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().find(part) != std::string::npos) ++n;
    return n;
}

}  // namespace

class TestHfFolder : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    fs::path root_, src_;   // src_: a writable copy of the reference model
    std::string config_;
    Named tensors_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        root_ = tmp_.path().toStdString();
        src_ = root_ / "input";
        fs::create_directories(src_);
        for (const char* f : {"config.json", "model.safetensors", "tokenizer.model"})
            fs::copy_file(kData / "tiny-llama" / f, src_ / f);
        config_ = read_bytes(src_ / "config.json");
        tensors_ = load_all(src_);
        QVERIFY(tensors_.size() > 10);
    }

    void writeAndCheckComplete() {
        const fs::path out = root_ / "out-basic";
        std::vector<double> progress;
        HfWriteOptions opt;
        opt.progress = [&](double f) { progress.push_back(f); };
        write_hf_folder(out, src_, config_, tensors_, opt);

        std::string why = "unset";
        QVERIFY2(looks_like_complete_hf_folder(out, &why), why.c_str());
        QVERIFY(why.empty());
        QCOMPARE(read_bytes(out / "tokenizer.model"), read_bytes(src_ / "tokenizer.model"));
        const auto cfg = nlohmann::json::parse(read_bytes(out / "config.json"));
        QCOMPARE(cfg.at("torch_dtype").get<std::string>(), std::string("float32"));
        QCOMPARE(cfg.at("hidden_size").get<int>(), 64);
        const Named back = load_all(out);
        QCOMPARE(back.size(), tensors_.size());
        for (size_t i = 0; i < back.size(); ++i) {
            QCOMPARE(back[i].first, tensors_[i].first);
            QVERIFY2(bit_equal(back[i].second, tensors_[i].second), back[i].first.c_str());
        }
        QVERIFY(!progress.empty());
        QCOMPARE(progress.back(), 1.0);
        QVERIFY(std::is_sorted(progress.begin(), progress.end()));
        QCOMPARE(count_containing(root_, ".partial-"), 0);
        QCOMPARE(count_containing(out, ".tmp"), 0);
    }

    void shardedAndExtraFiles() {
        const fs::path out = root_ / "out-sharded";
        HfWriteOptions opt;
        opt.max_shard_bytes = 200 << 10;   // the 640 KB model in 4 shards
        opt.extra_text_files = {{"notes.txt", "edited\n"}};
        opt.extra_copied_files = {{"copied.json", src_ / "config.json"}};
        write_hf_folder(out, src_, config_, tensors_, opt);
        QVERIFY(fs::exists(out / "model.safetensors.index.json"));
        QVERIFY(!fs::exists(out / "model.safetensors"));
        std::string why;
        QVERIFY2(looks_like_complete_hf_folder(out, &why), why.c_str());
        QCOMPARE(read_bytes(out / "notes.txt"), std::string("edited\n"));
        QCOMPARE(read_bytes(out / "copied.json"), config_);
        const size_t shards = SafetensorsCheckpoint::open_folder(out).files().size();
        QVERIFY(shards >= 3);

        // A missing shard makes the folder incomplete.
        char second[64];
        std::snprintf(second, sizeof second, "model-00002-of-%05zu.safetensors", shards);
        QVERIFY(fs::remove(out / second));
        QVERIFY(!looks_like_complete_hf_folder(out, &why));
        QVERIFY2(why.find("does not exist") != std::string::npos, why.c_str());
    }

    void incompleteFoldersAreDetected() {
        const fs::path out = root_ / "out-damaged";
        write_hf_folder(out, src_, config_, tensors_, {});
        std::string why;
        QVERIFY(looks_like_complete_hf_folder(out, &why));

        fs::rename(out / "tokenizer.model", out / "tok.bak");
        QVERIFY(!looks_like_complete_hf_folder(out, &why));
        QVERIFY2(why.find("tokenizer.model") != std::string::npos, why.c_str());
        fs::rename(out / "tok.bak", out / "tokenizer.model");

        write_bytes(out / "config.json", "{\"hidden_size\": ");
        QVERIFY(!looks_like_complete_hf_folder(out, &why));
        QVERIFY2(why.find("config.json") != std::string::npos, why.c_str());
        write_bytes(out / "config.json", config_);

        fs::resize_file(out / "model.safetensors", 1000);   // truncated download
        QVERIFY(!looks_like_complete_hf_folder(out, &why));
        QVERIFY2(why.find("model.safetensors") != std::string::npos, why.c_str());

        QVERIFY(!looks_like_complete_hf_folder(root_ / "does-not-exist", &why));
        QVERIFY(!why.empty());
    }

    void refusesWritingOverInput() {
        const std::string before = read_bytes(src_ / "model.safetensors");
        for (const fs::path& bad : {src_, src_ / "sub", src_ / "sub" / "deeper", fs::path(src_.string() + "/"),
                                    src_ / ".." / "input", root_}) {
            HfWriteOptions opt;
            opt.overwrite = true;   // not even with overwrite
            const std::string e = error_of([&] { write_hf_folder(bad, src_, config_, tensors_, opt); });
            QVERIFY2(e.find("never written over the input model") != std::string::npos, (bad.string() + ": " + e).c_str());
        }
        // Through a symlink to the input folder.
        fs::create_directory_symlink(src_, root_ / "alias");
        const std::string e = error_of([&] { write_hf_folder(root_ / "alias" / "x", src_, config_, tensors_, {}); });
        QVERIFY2(e.find("never written over the input model") != std::string::npos, e.c_str());
        QCOMPARE(read_bytes(src_ / "model.safetensors"), before);
        QVERIFY(!fs::exists(src_ / "sub"));
        std::string why;
        QVERIFY2(looks_like_complete_hf_folder(src_, &why), why.c_str());
    }

    void refusesNonEmptyWithoutOverwrite() {
        const fs::path out = root_ / "out-occupied";
        fs::create_directories(out);
        write_bytes(out / "precious.txt", "keep me");
        const std::string e = error_of([&] { write_hf_folder(out, src_, config_, tensors_, {}); });
        QVERIFY2(e.find(out.string()) != std::string::npos && e.find("not empty") != std::string::npos, e.c_str());
        QCOMPARE(read_bytes(out / "precious.txt"), std::string("keep me"));
        QCOMPARE(count_containing(root_, ".partial-"), 0);

        // An existing empty folder is fine.
        const fs::path empty = root_ / "out-empty";
        fs::create_directories(empty);
        write_hf_folder(empty, src_, config_, tensors_, {});
        QVERIFY(looks_like_complete_hf_folder(empty));

        // A file in the way is refused.
        write_bytes(root_ / "a-file", "x");
        const std::string e2 = error_of([&] { write_hf_folder(root_ / "a-file", src_, config_, tensors_, {}); });
        QVERIFY2(e2.find("not a folder") != std::string::npos, e2.c_str());
    }

    void overwriteReplacesAtomically() {
        const fs::path out = root_ / "out-overwrite";
        write_hf_folder(out, src_, config_, tensors_, {});
        write_bytes(out / "stale.txt", "from the first write");

        Named edited = tensors_;
        edited[0].second = edited[0].second + 1.0f;
        HfWriteOptions opt;
        opt.overwrite = true;
        write_hf_folder(out, src_, config_, edited, opt);
        QVERIFY(!fs::exists(out / "stale.txt"));
        QVERIFY(looks_like_complete_hf_folder(out));
        const Named back = load_all(out);
        QVERIFY(bit_equal(back[0].second, edited[0].second));
        QVERIFY(!bit_equal(back[0].second, tensors_[0].second));
        QCOMPARE(count_containing(root_, ".old-"), 0);
        QCOMPARE(count_containing(root_, ".partial-"), 0);

        // A failing write (unsupported tensor dtype) leaves the existing folder as it was.
        Named bad = edited;
        bad.emplace_back("ids", torch::arange(3));
        const std::string e = error_of([&] { write_hf_folder(out, src_, config_, bad, opt); });
        QVERIFY2(e.find("\"ids\"") != std::string::npos, e.c_str());
        QVERIFY(looks_like_complete_hf_folder(out));
        QVERIFY(bit_equal(load_all(out)[0].second, edited[0].second));
        QCOMPARE(count_containing(root_, ".partial-"), 0);
    }

    // Input safety M4: --overwrite-out / the app's "replace" replace only folders llm-surgery wrote.
    void overwriteRefusesFoldersItDidNotWrite() {
        HfWriteOptions opt;
        opt.overwrite = true;
        const fs::path notes = root_ / "notes";
        fs::create_directories(notes);
        write_bytes(notes / "precious.txt", "keep me");
        std::string e = error_of([&] { write_hf_folder(notes, src_, config_, tensors_, opt); });
        QVERIFY2(e.find("did not write") != std::string::npos && e.find(notes.string()) != std::string::npos, e.c_str());
        QCOMPARE(read_bytes(notes / "precious.txt"), std::string("keep me"));

        // Another tool's complete model folder is not ours either.
        const fs::path theirs = root_ / "their-model";
        fs::copy(src_, theirs);
        e = error_of([&] { write_hf_folder(theirs, src_, config_, tensors_, opt); });
        QVERIFY2(e.find("did not write") != std::string::npos, e.c_str());
        QVERIFY(looks_like_complete_hf_folder(theirs));
        QCOMPARE(read_bytes(theirs / "config.json"), config_);

        // A folder we wrote carries the marker and is replaced; a symlink to it is not.
        const fs::path ours = root_ / "ours";
        write_hf_folder(ours, src_, config_, tensors_, {});
        QVERIFY(fs::is_regular_file(ours / kOutputMarker));
        fs::create_directory_symlink(ours, root_ / "ours-link");
        e = error_of([&] { write_hf_folder(root_ / "ours-link", src_, config_, tensors_, opt); });
        QVERIFY2(e.find("symbolic link") != std::string::npos, e.c_str());
        write_hf_folder(ours, src_, config_, tensors_, opt);
        QVERIFY(looks_like_complete_hf_folder(ours));
        QCOMPARE(count_containing(root_, ".partial-"), 0);
        QCOMPARE(count_containing(root_, ".old-"), 0);
    }

    // Input safety M3: a side file linked outside the model folder is never copied into the export.
    void symlinkedSideFilesStayInside() {
        const fs::path m = root_ / "linked-input";
        fs::copy(src_, m);
        write_bytes(root_ / "canary-secret", "PRIVATE KEY");
        fs::create_symlink(root_ / "canary-secret", m / "tokenizer_config.json");
        std::string e = error_of([&] { write_hf_folder(root_ / "out-linked", m, config_, tensors_, {}); });
        QVERIFY2(e.find("symbolic link") != std::string::npos && e.find("tokenizer_config.json") != std::string::npos,
                 e.c_str());
        QVERIFY(!fs::exists(root_ / "out-linked"));
        QCOMPARE(count_containing(root_, ".partial-"), 0);

        // A link inside the folder (or into an HF cache's blobs/) is followed: its bytes are the model's own.
        fs::remove(m / "tokenizer_config.json");
        fs::create_directories(m / "sub");
        write_bytes(m / "sub" / "real.json", "{\"add_bos_token\": true}");
        fs::create_symlink("sub/real.json", m / "tokenizer_config.json");
        write_hf_folder(root_ / "out-linked", m, config_, tensors_, {});
        QCOMPARE(read_bytes(root_ / "out-linked" / "tokenizer_config.json"), std::string("{\"add_bos_token\": true}"));
        QVERIFY(!fs::is_symlink(root_ / "out-linked" / "tokenizer_config.json"));

        const fs::path repo = root_ / "models--org--tiny";
        const fs::path snap = repo / "snapshots" / "0123abc";
        fs::create_directories(repo / "blobs");
        fs::create_directories(repo / "snapshots");
        fs::copy(src_, snap, fs::copy_options::recursive);
        write_bytes(repo / "blobs" / "9f8e", "{\"bos_token\": \"<s>\"}");
        fs::create_symlink("../../blobs/9f8e", snap / "tokenizer_config.json");
        write_hf_folder(root_ / "out-cache", snap, config_, tensors_, {});
        QCOMPARE(read_bytes(root_ / "out-cache" / "tokenizer_config.json"), std::string("{\"bos_token\": \"<s>\"}"));
    }

    void dtypeConversion_data() {
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<QString>("code");
        QTest::newRow("bfloat16") << "bfloat16" << "BF16";
        QTest::newRow("float16") << "float16" << "F16";
        QTest::newRow("float32") << "float32" << "F32";
    }

    void dtypeConversion() {
        QFETCH(QString, dtype);
        QFETCH(QString, code);
        const fs::path out = root_ / ("out-" + dtype.toStdString());
        HfWriteOptions opt;
        opt.dtype = dtype.toStdString();
        write_hf_folder(out, src_, config_, tensors_, opt);
        const auto cfg = nlohmann::json::parse(read_bytes(out / "config.json"));
        QCOMPARE(cfg.at("torch_dtype").get<std::string>(), dtype.toStdString());
        auto f = SafetensorsFile::open(out / "model.safetensors");
        for (const auto& t : f.tensors()) QCOMPARE(t.dtype, code.toStdString());
        const at::ScalarType st = f.tensor(tensors_[0].first).scalar_type();
        QVERIFY(bit_equal(f.tensor(tensors_[0].first), tensors_[0].second.to(st)));
        QVERIFY(looks_like_complete_hf_folder(out));
    }

    void keepDtypeFollowsTensors() {
        // dtype "" keeps bf16 tensors as they are and says so in config.json (the input said float32).
        Named bf;
        for (const auto& [n, t] : tensors_) bf.emplace_back(n, t.to(at::kBFloat16));
        const fs::path out = root_ / "out-keep";
        write_hf_folder(out, src_, config_, bf, {});
        QCOMPARE(nlohmann::json::parse(read_bytes(out / "config.json")).at("torch_dtype").get<std::string>(),
                 std::string("bfloat16"));
        QCOMPARE(SafetensorsFile::open(out / "model.safetensors").tensors()[0].dtype, std::string("BF16"));
    }

    void badArguments() {
        HfWriteOptions opt;
        opt.dtype = "int8";
        std::string e = error_of([&] { write_hf_folder(root_ / "out-int8", src_, config_, tensors_, opt); });
        QVERIFY2(e.find("int8") != std::string::npos && e.find("bfloat16") != std::string::npos, e.c_str());
        e = error_of([&] { write_hf_folder(root_ / "out-nosrc", root_ / "missing-src", config_, tensors_, {}); });
        QVERIFY2(e.find("missing-src") != std::string::npos, e.c_str());
        e = error_of([&] { write_hf_folder(root_ / "out-badcfg", src_, "{oops", tensors_, {}); });
        QVERIFY2(e.find("config.json") != std::string::npos, e.c_str());
        e = error_of([&] { write_hf_folder("", src_, config_, tensors_, {}); });
        QVERIFY2(e.find("no output folder") != std::string::npos, e.c_str());
        QVERIFY(!fs::exists(root_ / "out-int8") && !fs::exists(root_ / "out-badcfg"));

        // Without a source folder: no tokenizer copied, so the folder is not complete.
        write_hf_folder(root_ / "out-nosource", {}, config_, tensors_, {});
        std::string why;
        QVERIFY(!looks_like_complete_hf_folder(root_ / "out-nosource", &why));
        QVERIFY2(why.find("tokenizer.model") != std::string::npos, why.c_str());
    }
};

QTEST_APPLESS_MAIN(TestHfFolder)
#include "test_hf_folder.moc"
