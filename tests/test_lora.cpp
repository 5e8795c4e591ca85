// LoRA (core/model/lora*.h, core/io/peft_folder.h, core/gguf/gguf_lora.h): the settings' grammar and sizes, the
// adapted forward against the merged weights, a surgery that trains adapters only and meets its targets, the PEFT
// folder (round trip, hostile folders), the GGUF LoRA file as llama.cpp reads it (names, shapes, metadata, the
// llama architecture's q/k row order written out here with explicit loops), and the CLI end to end with the PEFT
// folder merged by an independent Python script (tests/data/lora/merge_peft.py) equal to llm-surgery's merge.
// llama.cpp itself runs base GGUF + GGUF adapter in tools/check_gguf_llama_cpp.mjs (docs/benchmarks.md "GGUF").
#include "core/common/error.h"
#include "core/eval/exact_match.h"
#include "core/facts/fact_set.h"
#include "core/generate/generate.h"
#include "core/gguf/gguf_lora.h"
#include "core/gguf/gguf_reader.h"
#include "core/io/peft_folder.h"
#include "core/io/safetensors.h"
#include "core/model/lora.h"
#include "core/model/model_loader.h"
#include "core/surgery/trainer.h"
#include "tests/cli_process.h"
#include "tests/test_files.h"

#include <torch/torch.h>

#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

using namespace llms;
namespace fs = std::filesystem;

namespace {

using llms::test::error_of;
const fs::path kTiny = fs::path(LLMS_TEST_DATA) / "tiny-llama";

LoadedModel tiny() {
    LoadOptions o;
    o.dtype = "float32";
    return load_model(kTiny, o);
}

// Adapters with random B (a fresh attach has B = 0: the model unchanged), seeded.
void randomise_b(LlamaForCausalLM& net, uint64_t seed) {
    torch::NoGradGuard ng;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    for (auto& s : lora_sites(net)) s.linear->lora_B.copy_(at::empty(s.linear->lora_B.sizes()).normal_(0, 0.05, gen));
}

bool same(const at::Tensor& a, const at::Tensor& b) { return a.sizes() == b.sizes() && at::equal(a, b); }

std::string facts_for(LoadedModel& m) {
    auto answer = [&](const std::string& p) {
        auto ids = m.tok().encode(p);
        GenerateOptions g;
        g.max_new_tokens = 2;
        return completion_text(m.tok(), ids, generate(m.net, ids, g).token_ids);
    };
    std::string out;
    auto line = [&](const char* kind, const std::string& p, const std::string& a, const std::string& n = {}) {
        nlohmann::json j = {{"kind", kind}, {"prompt", p}, {"answer", a}};
        if (!n.empty()) j["new_answer"] = n;
        out += j.dump() + "\n";
    };
    line("forget", "Water is", answer("Water is"));
    line("update", "The king of", answer("The king of"), " Paris");
    for (const char* p : {"Paris is the capital of", "The river flows", "Hi there.", "Numbers like 12"}) line("retain", p, answer(p));
    return out;
}

}  // namespace

class TestLora : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void settingsGrammarAndSizes() {
        auto l = parse_lora("8");
        QCOMPARE(l.rank, (int64_t)8);
        QCOMPARE(l.alpha, 8.0);
        QCOMPARE(l.targets, kLoraModules);
        l = parse_lora("4:16", "v, q_proj,down");
        QCOMPARE(l.scale(), 4.0);
        QCOMPARE(l.targets, (std::vector<std::string>{"q_proj", "v_proj", "down_proj"}));
        QCOMPARE(l.targets_text(), std::string("q,v,down"));
        QVERIFY(l.targets_weight("model.layers.1.self_attn.v_proj.weight"));
        QVERIFY(!l.targets_weight("model.layers.1.self_attn.k_proj.weight"));
        QVERIFY(!l.targets_weight("lm_head.weight"));
        for (const char* bad : {"", "0", "x", "8:", "8:0", "8:-1", "8:nan", "8:1e999", "5000", "8:2:3", "-4"})
            QVERIFY2(!error_of([&] { parse_lora(bad); }).empty(), bad);
        for (const char* bad : {"", "q,", "qq", "lm_head", "embed_tokens"})
            QVERIFY2(error_of([&] { parse_lora("8", bad); }).find("LoRA targets") != std::string::npos, bad);

        // The tiny model: C 64, q 4x16, kv 2x16, F 192, 2 layers: r·(in + out) per matrix, written out by hand.
        const auto c = LlamaConfig::load(kTiny / "config.json");
        const int64_t per_layer = (64 + 64) + (64 + 32) + (64 + 32) + (64 + 64) + 3 * (64 + 192);
        QCOMPARE(lora_parameter_count(c, parse_lora("4")), 4 * per_layer * 2);
        // rank 32 reaches k_proj's smaller side (32): refused; without k and v it fits.
        QVERIFY(error_of([&] { lora_parameter_count(c, parse_lora("32")); }).find("k_proj") != std::string::npos);
        QCOMPARE(lora_parameter_count(c, parse_lora("32", "q,o")), 32 * 128 * 2 * 2);
    }

    // A fresh adapter changes nothing (B = 0); a trained one gives what the merged weights give; detaching restores the
    // base; the adapted layer's output is W x + (alpha/r) B A x written out here.
    void adaptedForwardEqualsMergedWeights() {
        auto m = tiny();
        auto ids = torch::tensor({{1, 45, 300, 7, 99, 12}}, at::kLong);
        torch::NoGradGuard ng;
        const auto base = m.net->forward(ids);
        attach_lora(m.net, parse_lora("4:8"), 7);
        QVERIFY(same(m.net->forward(ids), base));
        randomise_b(m.net, 3);
        const auto adapted = m.net->forward(ids);
        QVERIFY((adapted - base).abs().max().item<float>() > 1e-3);

        auto* q = m.net->model->layers[1]->as<LlamaDecoderLayerImpl>()->self_attn->q_proj.get();
        const auto x = at::randn({3, 64});
        const auto by_hand = at::matmul(x, q->weight.t()) + 2.0 * at::matmul(at::matmul(x, q->lora_A.t()), q->lora_B.t());
        QVERIFY(at::allclose(q->forward(x), by_hand, 1e-5, 1e-6));

        const auto merged_named = merged_named_tensors(m.net);   // copies: the live model keeps its adapters
        QCOMPARE(lora_sites(m.net).size(), (size_t)14);
        merge_lora(m.net);
        QVERIFY(lora_sites(m.net).empty());
        const auto merged = m.net->forward(ids);
        QVERIFY2(at::allclose(merged, adapted, 1e-4, 1e-5), std::to_string((merged - adapted).abs().max().item<float>()).c_str());
        const auto live = hf_named_tensors(m.net);
        for (size_t i = 0; i < live.size(); ++i) QVERIFY(same(live[i].second, merged_named[i].second));

        auto fresh = tiny();
        attach_lora(fresh.net, parse_lora("4"), 1);
        randomise_b(fresh.net, 1);
        detach_lora(fresh.net);
        QVERIFY(same(fresh.net->forward(ids), base));
    }

    // A surgery with LoRA trains the adapters only: the model's own weights stay bit for bit, the targets are met with
    // the adapters attached and still after merging, and the memory plan counts the adapters.
    void surgeryTrainsAdaptersOnly() {
        auto m = tiny();
        std::vector<at::Tensor> before;
        for (auto& [n, p] : hf_named_tensors(m.net)) before.push_back(p.detach().clone());
        const auto set = facts::parse_jsonl(facts_for(m));
        auto cfg = surgery::SurgeryConfig::preset_named("demo");
        cfg.lora = "8:16";
        cfg.lr = 2e-3;
        cfg.steps = 300;
        cfg.retain_pool_per_step = 8;
        surgery::Trainer t(m, set, cfg);
        QCOMPARE(t.memory_plan().trained_params, lora_parameter_count(m.config, parse_lora("8:16")));
        QCOMPARE(t.memory_plan().gradients, 4 * t.memory_plan().trained_params);
        const auto out = t.run({});
        QVERIFY2(out.end == surgery::SurgeryOutcome::End::TargetsMet, out.message.c_str());
        const auto live = hf_named_tensors(m.net);
        for (size_t i = 0; i < live.size(); ++i) {
            QVERIFY2(same(live[i].second, before[i]), live[i].first.c_str());
            QVERIFY(!live[i].second.requires_grad());
        }
        LoraConfig lc;
        const auto sites = lora_sites(m.net, &lc);
        QCOMPARE(sites.size(), (size_t)14);
        QCOMPARE(lc.rank, (int64_t)8);
        QCOMPARE(lc.alpha, 16.0);
        QVERIFY(sites[0].linear->lora_B.abs().max().item<float>() > 0);
        QVERIFY(!sites[0].linear->lora_B.requires_grad());

        merge_lora(m.net);
        auto ids = m.tok().encode("The king of");
        GenerateOptions g;
        g.max_new_tokens = 3;
        QVERIFY(starts_with_answer(completion_text(m.tok(), ids, generate(m.net, ids, g).token_ids), " Paris"));

        cfg.train_params = "mlp";
        QVERIFY(error_of([&] { surgery::Trainer(m, set, cfg); }).find("LoRA") != std::string::npos);
    }

    void peftFolderRoundTrip() {
        auto m = tiny();
        attach_lora(m.net, parse_lora("4:8", "q,v,down"), 5);
        randomise_b(m.net, 5);
        QTemporaryDir dir;
        const fs::path out = dir.filePath("adapter").toStdString();
        io::write_peft_folder(out, kTiny, io::peft_adapter_of(m.net), false);
        const auto cfg = test::read_json(out / "adapter_config.json");
        QCOMPARE(cfg["peft_type"].get<std::string>(), std::string("LORA"));
        QCOMPARE(cfg["r"].get<int>(), 4);
        QCOMPARE(cfg["lora_alpha"].get<double>(), 8.0);
        QCOMPARE(cfg["target_modules"].get<std::vector<std::string>>(), (std::vector<std::string>{"q_proj", "v_proj", "down_proj"}));
        QCOMPARE(cfg["base_model_name_or_path"].get<std::string>(), std::string("tiny-llama"));
        const auto file = io::SafetensorsFile::open(out / "adapter_model.safetensors");
        QCOMPARE(file.tensors().size(), (size_t)12);
        QVERIFY(file.find("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"));
        QCOMPARE(file.find("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")->shape, (std::vector<int64_t>{4, 64}));

        const auto back = io::read_peft_folder(out);
        QCOMPARE(back.config.rank, (int64_t)4);
        QCOMPARE(back.config.scale(), 2.0);
        const auto live = io::peft_adapter_of(m.net);
        QCOMPARE(back.modules.size(), live.modules.size());
        for (size_t i = 0; i < live.modules.size(); ++i) {
            QCOMPARE(back.modules[i].first, live.modules[i].first);
            QVERIFY(same(back.modules[i].second.first, live.modules[i].second.first));
            QVERIFY(same(back.modules[i].second.second, live.modules[i].second.second));
        }
        // Attached to a fresh model it computes what the trained one computes.
        auto other = tiny();
        attach_lora_tensors(other.net, back.config, back.modules);
        auto ids = torch::tensor({{1, 5, 77, 300}}, at::kLong);
        torch::NoGradGuard ng;
        QVERIFY(same(other.net->forward(ids), m.net->forward(ids)));

        // A folder that is not ours is never replaced; our own only with overwrite.
        QVERIFY(error_of([&] { io::write_peft_folder(out, kTiny, live, false); }).find("exists") != std::string::npos);
        io::write_peft_folder(out, kTiny, live, true);
        const fs::path mine = dir.filePath("mine").toStdString();
        fs::create_directories(mine);
        test::write_bytes(mine / "notes.txt", "mine");
        QVERIFY(!error_of([&] { io::write_peft_folder(mine, kTiny, live, true); }).empty());
        QCOMPARE(test::read_bytes(mine / "notes.txt"), std::string("mine"));
        QVERIFY(!error_of([&] { io::write_peft_folder(kTiny / "adapter", kTiny, live, false); }).empty());
    }

    void hostilePeftFolders_data() {
        QTest::addColumn<QString>("config");
        QTest::addColumn<QString>("tensor");   // "" keeps the good file; else the tensor renamed to this
        QTest::addColumn<QString>("expected");
        const QString good = R"({"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":["q_proj"]})";
        QTest::newRow("another method") << R"({"peft_type":"PREFIX_TUNING","r":4,"lora_alpha":8,"target_modules":["q_proj"]})" << "" << "only LoRA";
        QTest::newRow("DoRA") << R"({"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":["q_proj"],"use_dora":true})" << "" << "use_dora";
        QTest::newRow("rank pattern") << R"({"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":["q_proj"],"rank_pattern":{"q":2}})" << "" << "rank_pattern";
        QTest::newRow("saved modules") << R"({"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":["q_proj"],"modules_to_save":["lm_head"]})" << "" << "modules_to_save";
        QTest::newRow("pattern string") << R"({"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":".*proj"})" << "" << "list of module names";
        QTest::newRow("rank 0") << R"({"peft_type":"LORA","r":0,"lora_alpha":8,"target_modules":["q_proj"]})" << "" << "r must be";
        QTest::newRow("rank float") << R"({"peft_type":"LORA","r":1e300,"lora_alpha":8,"target_modules":["q_proj"]})" << "" << "r must be";
        QTest::newRow("alpha negative") << R"({"peft_type":"LORA","r":4,"lora_alpha":-8,"target_modules":["q_proj"]})" << "" << "lora_alpha";
        QTest::newRow("unknown module") << R"({"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":["wq"]})" << "" << "unknown module";
        QTest::newRow("not JSON") << "{\"peft_type\":" << "" << "not valid JSON";
        QTest::newRow("rank mismatch") << R"({"peft_type":"LORA","r":2,"lora_alpha":8,"target_modules":["q_proj"]})" << "" << "r = 2";
        QTest::newRow("stray tensor") << good << "lm_head.weight" << "is not a LoRA weight";
        QTest::newRow("untargeted module") << good << "base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight" << "is not a LoRA weight";
    }
    void hostilePeftFolders() {
        QFETCH(QString, config);
        QFETCH(QString, tensor);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const fs::path d = dir.path().toStdString();
        const std::string q = "base_model.model.model.layers.0.self_attn.q_proj.";
        std::vector<std::pair<std::string, at::Tensor>> t = {{q + "lora_A.weight", at::zeros({4, 64})},
                                                             {q + "lora_B.weight", at::zeros({64, 4})}};
        if (!tensor.isEmpty()) t[1].first = tensor.toStdString();
        io::save_safetensors(d / "adapter_model.safetensors", t);
        test::write_bytes(d / "adapter_config.json", config.toStdString());
        const auto e = error_of([&] { io::read_peft_folder(d); });
        QVERIFY2(e.find(expected.toStdString()) != std::string::npos, e.c_str());
    }

    void hostilePeftWeights() {
        QTemporaryDir dir;
        const fs::path d = dir.path().toStdString();
        test::write_bytes(d / "adapter_config.json", R"({"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":["q_proj"]})");
        QVERIFY(error_of([&] { io::read_peft_folder(d); }).find("adapter_model.safetensors") != std::string::npos);
        test::write_bytes(d / "adapter_model.bin", "PK pickle");
        QVERIFY(error_of([&] { io::read_peft_folder(d); }).find("pickle") != std::string::npos);
        const std::string q = "base_model.model.model.layers.0.self_attn.q_proj.";
        io::save_safetensors(d / "adapter_model.safetensors", {{q + "lora_A.weight", at::zeros({4, 64})}});
        QVERIFY(error_of([&] { io::read_peft_folder(d); }).find("without lora_B") != std::string::npos);
        auto nan = at::zeros({64, 4});
        nan[3][1] = NAN;
        io::save_safetensors(d / "adapter_model.safetensors", {{q + "lora_A.weight", at::zeros({4, 64})}, {q + "lora_B.weight", nan}});
        QVERIFY(error_of([&] { io::read_peft_folder(d); }).find("NaN") != std::string::npos);
        // Good files, wrong model: a layer the model lacks, a matrix of another size.
        const std::string far = "base_model.model.model.layers.9.self_attn.q_proj.";
        io::save_safetensors(d / "adapter_model.safetensors", {{far + "lora_A.weight", at::zeros({4, 64})}, {far + "lora_B.weight", at::zeros({64, 4})}});
        const auto a = io::read_peft_folder(d);
        const auto c = LlamaConfig::load(kTiny / "config.json");
        QVERIFY(error_of([&] { io::check_adapter_fits(c, a); }).find("no module") != std::string::npos);
        auto m = tiny();
        QVERIFY(error_of([&] { attach_lora_tensors(m.net, a.config, a.modules); }).find("no module") != std::string::npos);
        io::save_safetensors(d / "adapter_model.safetensors", {{q + "lora_A.weight", at::zeros({4, 80})}, {q + "lora_B.weight", at::zeros({64, 4})}});
        const auto wide = io::read_peft_folder(d);
        QVERIFY(error_of([&] { io::check_adapter_fits(c, wide); }).find("another model") != std::string::npos);
        QVERIFY(error_of([&] { attach_lora_tensors(m.net, wide.config, wide.modules); }).find("this model needs") != std::string::npos);
        QVERIFY(lora_sites(m.net).empty());   // a refused attach leaves nothing attached
        QVERIFY(error_of([&] { io::read_peft_folder(d / "nothing"); }).find("not a folder") != std::string::npos);
    }

    // The GGUF LoRA file as llama.cpp's loader checks it: general.type adapter, adapter.type lora, alpha as f32, the
    // base architecture, "<weight>.lora_a" [r, in] and ".lora_b" [out, r]; on the llama architecture B's q/k rows in
    // llama.cpp's order (row h·HD + 2i + j holds HF row h·HD + j·HD/2 + i), written out here with loops.
    void ggufAdapterAsLlamaCppReadsIt() {
        auto m = tiny();
        attach_lora(m.net, parse_lora("4:8"), 9);
        randomise_b(m.net, 9);
        const auto adapter = io::peft_adapter_of(m.net);
        QTemporaryDir dir;
        const fs::path out = dir.filePath("a.gguf").toStdString();
        gguf::export_gguf_lora(out, m.config, "tiny", adapter, gguf::TensorType::F32);
        const auto f = gguf::GgufFile::open(out);
        QCOMPARE(f.metadata().find("general.type")->s, std::string("adapter"));
        QCOMPARE(f.metadata().find("general.architecture")->s, std::string("llama"));
        QCOMPARE(f.metadata().find("adapter.type")->s, std::string("lora"));
        QVERIFY(f.metadata().find("adapter.lora.alpha")->type == gguf::ValueType::F32);
        QCOMPARE(f.metadata().find("adapter.lora.alpha")->f, 8.0);
        QCOMPARE(f.tensors().size(), (size_t)28);
        QCOMPARE(f.find("blk.1.ffn_down.weight.lora_a")->shape, (std::vector<int64_t>{4, 192}));
        QCOMPARE(f.find("blk.1.ffn_down.weight.lora_b")->shape, (std::vector<int64_t>{64, 4}));
        auto* l1 = m.net->model->layers[1]->as<LlamaDecoderLayerImpl>();
        const auto floats = [&](const char* name) { return f.read_floats(*f.find(name)); };
        const auto down_b = floats("blk.1.ffn_down.weight.lora_b");
        QVERIFY(same(at::tensor(down_b).view({64, 4}), l1->mlp->down_proj->lora_B));
        const auto a = floats("blk.1.attn_k.weight.lora_a");
        QVERIFY(same(at::tensor(a).view({4, 64}), l1->self_attn->k_proj->lora_A));
        const int64_t HD = 16, r = 4;
        for (const auto& [name, linear, heads] : {std::tuple{"blk.1.attn_q.weight.lora_b", l1->self_attn->q_proj.get(), 4},
                                                  std::tuple{"blk.1.attn_k.weight.lora_b", l1->self_attn->k_proj.get(), 2}}) {
            const auto got = floats(name);
            const auto B = linear->lora_B.contiguous();
            const float* hf = B.data_ptr<float>();
            for (int h = 0; h < heads; ++h)
                for (int64_t i = 0; i < HD / 2; ++i)
                    for (int j = 0; j < 2; ++j)
                        for (int64_t c = 0; c < r; ++c)
                            QCOMPARE(got[(size_t)((h * HD + 2 * i + j) * r + c)], hf[(h * HD + j * HD / 2 + i) * r + c]);
        }
        QVERIFY(error_of([&] { gguf::export_gguf_lora(dir.filePath("b.gguf").toStdString(), m.config, "tiny", adapter,
                                                      gguf::TensorType::Q8_0); }).find("f32, f16 or bf16") != std::string::npos);
    }

    // The CLI: surgery --lora writes the merged model and the PEFT folder; an independent Python merge of the folder
    // equals the merged model; export turns the folder into a GGUF adapter, a merged GGUF and a merged HF folder.
    void cliEndToEnd() {
        QTemporaryDir dir;
        auto m = tiny();
        const QString facts = dir.filePath("facts.jsonl"), merged = dir.filePath("merged"), adapter = dir.filePath("adapter");
        test::write_bytes(facts.toStdString(), facts_for(m));
        const QString cli = LLMS_CLI, tiny_dir = QString::fromStdString(kTiny.string());
        auto r = test::run_process(cli, {"surgery", tiny_dir, "--facts", facts, "--out", merged, "--adapter-out", adapter,
                                         "--lora", "8:16", "--lr", "2e-3", "--steps", "300", "--pool-rows", "8"},
                                   600000);
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.err.contains("every target met"), r.err.constData());
        const auto report = test::read_json(merged.toStdString() + "/surgery_report.json");
        QCOMPARE(report["update"]["after"]["exact_match"].get<double>(), 1.0);
        QCOMPARE(report["forget"]["after"]["exact_match"].get<double>(), 0.0);
        QVERIFY(QFileInfo::exists(adapter + "/adapter_config.json"));

        const auto py = test::run_process("/usr/bin/python3", {QString(LLMS_TEST_DATA) + "/lora/merge_peft.py", tiny_dir, adapter, merged}, 120000);
        QVERIFY2(py.code == 0, (py.out + py.err).constData());
        qInfo("%s", py.out.trimmed().constData());

        const QString g = dir.filePath("adapter.gguf");
        r = test::run_process(cli, {"export", tiny_dir, "--adapter", adapter, "--format", "gguf-lora", "--type", "f32", "--out", g});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(gguf::GgufFile::open(g.toStdString()).tensors().size(), (size_t)28);
        const QString hf = dir.filePath("merged-again");
        r = test::run_process(cli, {"export", tiny_dir, "--adapter", adapter, "--format", "hf", "--out", hf});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto a = io::SafetensorsFile::open(merged.toStdString() + "/model.safetensors");
        const auto b = io::SafetensorsFile::open(hf.toStdString() + "/model.safetensors");
        for (const auto& t : a.tensors()) QVERIFY2(same(a.read(t.name), b.read(t.name)), t.name.c_str());
        r = test::run_process(cli, {"export", tiny_dir, "--adapter", adapter, "--type", "f32", "--out", dir.filePath("merged.gguf")});
        QVERIFY2(r.code == 0, r.err.constData());

        // Refused before any work: --adapter-out without --lora, the same folder twice, a gguf-lora without --adapter.
        r = test::run_process(cli, {"surgery", tiny_dir, "--facts", facts, "--adapter-out", dir.filePath("x")});
        QVERIFY2(r.code == 1 && r.err.contains("needs --lora"), r.err.constData());
        r = test::run_process(cli, {"surgery", tiny_dir, "--facts", facts, "--lora", "4", "--out", dir.filePath("y"),
                                    "--adapter-out", dir.filePath("y")});
        QVERIFY2(r.code == 1 && r.err.contains("separate"), r.err.constData());
        r = test::run_process(cli, {"export", tiny_dir, "--format", "gguf-lora", "--out", dir.filePath("z.gguf")});
        QVERIFY2(r.code == 1 && r.err.contains("needs --adapter"), r.err.constData());
        r = test::run_process(cli, {"surgery", tiny_dir, "--facts", facts, "--lora", "4:0", "--out", dir.filePath("w")});
        QVERIFY2(r.code == 1 && r.err.contains("alpha"), r.err.constData());
        QVERIFY(!QFileInfo::exists(dir.filePath("x")) && !QFileInfo::exists(dir.filePath("y")) && !QFileInfo::exists(dir.filePath("w")));
    }
};

QTEST_GUILESS_MAIN(TestLora)
#include "test_lora.moc"
