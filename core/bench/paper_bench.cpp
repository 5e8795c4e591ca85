// The paper's experiment end to end: world -> two corpora -> θ_pre and θ_baseline pretrained -> surgery on
// θ_pre -> the three models scored on the three sets -> table + compute.
#include "core/bench/paper_bench.h"

#include "core/bench/bench_stats.h"

#include "core/common/error.h"
#include "core/common/thread_wait_policy.h"
#include "core/corpus/seeded_rng.h"
#include "core/facts/fact_set.h"
#include "core/facts/text_file.h"
#include "core/io/hf_folder.h"
#include "core/model/model_loader.h"
#include "core/pretrain/demo_model.h"
#include "core/pretrain/pretrain.h"
#include "core/surgery/trainable_spec.h"
#include "core/surgery/trainer.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace llms::bench {

namespace fs = std::filesystem;

namespace {

// World size, model shape and both recipes of one scale.
struct Scale {
    std::string name;
    PaperWorldOptions world;
    size_t repetitions = 1;       // copies of each sentence in train.txt (the sampler draws windows anyway)
    pretrain::Preset model;
    int surgery_steps = 0;
    int surgery_batch = 0;        // rows per term per step (forget, update)
    int pool_rows = 0;            // retain sentences per step in the KL term (0: surgery_batch)
    double forget_bound = 0;      // bounded ascent's NLL bound in nats (0: the paper preset's)
    // Deviations from the paper preset (lr 2e-4, weights 0.1 / 2.0 / 0.5, tuned for 7B models and long runs),
    // measured on the default scale, seed 1234 (docs/benchmarks.md): with a step budget under 10 % of the
    // retrain, 0.1 left unlearn MCQA at 82 %; lr 5e-4 with weights 1.0 / 5.0 met unlearn and update but
    // missed retain by 2.2 points; twice the retain sentences per step (32) and a forget bound of 1 nat meet
    // all three at 9.6 % of the retrain's tokens. Since the trainer draws rows in epochs and the ascent only
    // sentences still in it, w_forget 1.25 met every target on all four pretrained model pairs measured; after
    // the fused RMSNorm and RoPE changed the rounding (new pretrained pairs), 1.5 meets them on all six.
    // Then the weights of decoder layers 1-3 frozen (their weight gradients and AdamW state skipped:
    // ~25 % of the surgery's seconds) with lr 7e-4 and weights forget 1.65 / update 3.0 meets every target on
    // the six pairs; training layers 1-3 instead (layer 0 and the embeddings frozen) left unlearn MCQA at 55-70 %.
    double surgery_lr = 7e-4, w_forget = 1.65, w_update = 3.0, w_retain = 5.0;
    std::string train = "layers:0-0,embed_tokens,norm,lm_head";   // the trained weights (core/surgery/trainable_spec.h)
};

Scale scale_of(bool quick) {
    Scale s;
    pretrain::Preset& p = s.model;
    if (quick) {   // tests: ~30 subjects, a 2-layer model, seconds per phase
        s.name = "quick";
        s.world.countries = 6, s.world.states = 4, s.world.elements = 6, s.world.people = 10;
        s.world.share_unlearn = s.world.share_update = 0.2;
        p.name = "bench-paper-quick";
        p.vocab_size = 400;
        p.hidden_size = 64, p.intermediate_size = 176, p.num_layers = 2, p.num_heads = 4, p.num_kv_heads = 2;
        p.context = 64, p.batch_size = 16, p.steps = 150, p.warmup_steps = 10;
        p.lr = 3e-3, p.weight_decay = 0.0;
        s.surgery_steps = 6;
        s.surgery_batch = 8;
        return s;
    }
    s.name = "default";   // ~300 subjects; the whole bench in 3-5 minutes on 2 cores (docs/benchmarks.md)
    s.world.countries = 90, s.world.states = 30, s.world.elements = 60, s.world.people = 120;
    p.name = "bench-paper";
    p.vocab_size = 1024;
    p.hidden_size = 256, p.intermediate_size = 688, p.num_layers = 4, p.num_heads = 8, p.num_kv_heads = 4;
    p.context = 64, p.batch_size = 32, p.steps = 300, p.warmup_steps = 30;
    p.lr = 2e-3;
    p.bf16_autocast = true;
    s.surgery_steps = 60;
    s.surgery_batch = 16;
    s.pool_rows = 32;
    s.forget_bound = 1.0;
    return s;
}

// A pretrained model of an earlier run (--reuse): its pretrain.json must name this seed, scale and recipe.
pretrain::Result reused_pretrain(const fs::path& dir, const Scale& sc, uint64_t seed) {
    std::string why;
    if (!pretrain::model_folder_ready(dir, &why))
        throw Error("--reuse: " + dir.string() + " is not a complete model (" + why + "): give the --out folder of an "
                    "earlier `bench paper` run");
    const std::string text = facts::read_text_file(dir / "pretrain.json", "pretrain record");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
        pretrain::Result r;
        r.seed = j.at("seed").get<uint64_t>();
        r.steps = j.at("steps").get<int>();
        r.parameters = j.at("parameters").get<int64_t>();
        r.train_seconds = j.at("train_seconds").get<double>();
        r.tokens_seen = j.at("tokens_seen").get<int64_t>();
        r.precision = j.at("precision").get<std::string>();
        r.facts = j.at("facts").get<int>();
        r.facts_known = j.at("facts_known").get<int>();
        const bool same = r.seed == seed && r.steps == sc.model.steps && j.at("context").get<int64_t>() == sc.model.context &&
                          j.at("batch_size").get<int64_t>() == sc.model.batch_size &&
                          j.at("corpus_manifest").at("preset").get<std::string>().rfind("bench-paper/", 0) == 0;
        if (!same)
            throw Error("--reuse: " + dir.string() + " was not made by `bench paper` at this scale with seed " +
                        std::to_string(seed) + ": give the same --seed and --quick as that run");
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw Error("--reuse: " + (dir / "pretrain.json").string() + " is not a pretrain record (" + e.what() + ")");
    }
}

// A folder for the run's files: the user's --out (kept) or a temporary one (removed).
struct WorkDir {
    fs::path path;
    bool temporary = false;
    explicit WorkDir(const fs::path& out) {
        std::error_code ec;
        if (out.empty()) {
            temporary = true;
            // mkdtemp: a fresh folder of our own (a predictable name in /tmp could be planted by another user).
            std::string tmpl = (fs::temp_directory_path(ec) / "llm-surgery-bench-paper-XXXXXX").string();
            if (::mkdtemp(tmpl.data()) == nullptr)
                throw Error("cannot create a temporary folder in " + fs::temp_directory_path(ec).string() + ": " +
                            std::strerror(errno) + " (set TMPDIR to a writable folder)");
            path = tmpl;
            return;
        }
        path = fs::absolute(out).lexically_normal();
        if (fs::exists(path, ec) && !(fs::is_directory(path, ec) && fs::is_empty(path, ec)))
            throw Error("output folder " + path.string() + " already exists: choose a new --out (or remove it)");
        fs::create_directories(path, ec);
        if (ec) throw Error("cannot create the folder " + path.string() + ": " + ec.message());
    }
    ~WorkDir() {
        std::error_code ec;
        if (temporary) fs::remove_all(path, ec);
    }
};

std::vector<corpus::Triple> concat(std::initializer_list<const std::vector<corpus::Triple>*> parts) {
    std::vector<corpus::Triple> out;
    for (const auto* p : parts) out.insert(out.end(), p->begin(), p->end());
    return out;
}
std::vector<std::string> concat(std::initializer_list<const std::vector<std::string>*> parts) {
    std::vector<std::string> out;
    for (const auto* p : parts) out.insert(out.end(), p->begin(), p->end());
    return out;
}

void add_documents(facts::FactSet& set, const std::vector<std::string>& docs, facts::Kind kind) {
    for (const auto& d : docs) {
        facts::Fact f;
        f.kind = kind;
        f.text = d;
        set.facts.push_back(std::move(f));
    }
}


}  // namespace

PaperBenchResult run_paper_bench(const PaperBenchOptions& o, const std::function<void(const PaperProgress&)>& on_progress) {
    const auto say = [&](PaperProgress p) {
        if (on_progress) on_progress(p);
    };
    PaperBenchResult r;
    r.options = o;
    Scale sc = scale_of(o.quick);
    if (o.surgery_steps > 0) sc.surgery_steps = o.surgery_steps;
    if (o.surgery_batch > 0) sc.surgery_batch = o.surgery_batch;
    if (o.pool_rows > 0) sc.pool_rows = o.pool_rows;
    if (sc.pool_rows <= 0) sc.pool_rows = sc.surgery_batch;
    if (o.forget_bound > 0) sc.forget_bound = o.forget_bound;
    if (o.precision != "auto" && o.precision != "fp32" && o.precision != "bf16")
        throw Error("bench paper: --precision must be auto, fp32 or bf16 (got \"" + o.precision + "\")");
    if (o.forget_bound < 0) throw Error("bench paper: --forget-bound must be positive");
    if (!o.train.empty()) sc.train = o.train;
    try {   // before the pretrainings: a typo costs a second, not minutes
        surgery::check_spec_layers(surgery::parse_trainable_spec(sc.train), sc.model.num_layers);
    } catch (const Error& e) {
        throw Error(std::string("bench paper: --train: ") + e.what());
    }
    r.scale = sc.name;
    r.threads = o.threads > 0 ? o.threads : (int)std::max(1u, std::thread::hardware_concurrency());
    if (o.threads < 0) throw Error("--threads must be at least 1 (or 0 for all cores)");
    const ScopedThreads threads(r.threads);   // r.threads > 0: exactly that many
    r.thread_wait = thread_wait_policy_in_effect();

    const WorkDir work(o.out);   // refuses an existing --out before any work

    // 1. World and corpora ---------------------------------------------------------------------------
    say({"world", "sampling the world's subjects into A (unlearn), B (update), C (retain)"});
    sc.world.data_dir = o.world_data.empty() ? pretrain::find_world_data() : o.world_data;
    sc.world.seed = o.seed;
    const PaperWorld w = build_paper_world(sc.world);
    r.subjects_unlearn = w.subjects_unlearn.size(), r.subjects_update = w.subjects_update.size();
    r.subjects_retain = w.subjects_retain.size();
    r.facts_unlearn = w.facts_unlearn.size(), r.facts_update = w.facts_update.size(), r.facts_retain = w.facts_retain.size();
    r.docs_unlearn = w.d_unlearn.size(), r.docs_edit = w.d_edit.size(), r.docs_update = w.d_update.size();
    r.docs_retain = w.d_retain.size();

    const fs::path corpus_pre = work.path / "corpus_pre", corpus_base = work.path / "corpus_baseline";
    write_paper_corpus(concat({&w.d_unlearn, &w.d_edit, &w.d_retain}), concat({&w.facts_unlearn, &w.facts_edit, &w.facts_retain}),
                       sc.world.templates, sc.repetitions, o.seed, "pre", corpus_pre);
    write_paper_corpus(concat({&w.d_update, &w.d_retain}), concat({&w.facts_update, &w.facts_retain}), sc.world.templates,
                       sc.repetitions, o.seed, "baseline", corpus_base);

    // 2. θ_pre and θ_baseline (same recipe, θ_pre's tokenizer) ------------------------------------------
    auto pretrain_one = [&](const fs::path& corpus, const fs::path& out, const std::string& phase, const fs::path& tokenizer) {
        say({phase, "pretraining from scratch on " + corpus.filename().string()});
        pretrain::Options po;
        po.corpus = corpus;
        po.corpus_label = "bench paper " + corpus.filename().string();
        po.out = out;
        po.custom = &sc.model;
        po.seed = o.seed;
        po.threads = r.threads;
        po.tokenizer = tokenizer;
        return pretrain::run(po, [&](const pretrain::Progress& p) {
            if (p.phase == pretrain::Progress::Phase::Train && p.step > 0) say({phase, "training", p.step, p.steps, p.loss});
        });
    };
    const fs::path pre_dir = o.reuse.empty() ? work.path / "theta_pre" : o.reuse / "theta_pre";
    const fs::path base_dir = o.reuse.empty() ? work.path / "theta_baseline" : o.reuse / "theta_baseline";
    const pretrain::Result pre = o.reuse.empty() ? pretrain_one(corpus_pre, pre_dir, "pretrain pre", {})
                                                 : reused_pretrain(pre_dir, sc, o.seed);
    const pretrain::Result base = o.reuse.empty()
                                      ? pretrain_one(corpus_base, base_dir, "pretrain baseline", pre_dir / "tokenizer.model")
                                      : reused_pretrain(base_dir, sc, o.seed);
    r.parameters = pre.parameters;
    r.pretrain_steps = pre.steps;
    r.pre_seconds = pre.train_seconds, r.pre_tokens = pre.tokens_seen;
    r.baseline_seconds = base.train_seconds, r.baseline_tokens = base.tokens_seen;
    r.pre.fact_recall = pre.fact_recall();
    r.baseline.fact_recall = base.fact_recall();
    {
        const auto& p = sc.model;
        char line[256];
        std::snprintf(line, sizeof line,
                      "Llama, %lld layers, hidden %lld, MLP %lld, %lld/%lld heads, context %lld; %d AdamW steps of %lld x %lld "
                      "tokens, lr %g (warm-up %d, cosine to 10%%), %s",
                      (long long)p.num_layers, (long long)p.hidden_size, (long long)p.intermediate_size, (long long)p.num_heads,
                      (long long)p.num_kv_heads, (long long)p.context, p.steps, (long long)p.batch_size, (long long)p.context,
                      p.lr, p.warmup_steps, pre.precision.c_str());
        r.model_shape = line;
    }

    // 3. θ_surgery = surgery(θ_pre) --------------------------------------------------------------------
    say({"surgery", "LLM Surgery on theta_pre"});
    LoadedModel m = load_model(pre_dir);
    facts::FactSet set, pool;
    add_documents(set, w.d_unlearn, facts::Kind::Forget);
    add_documents(set, w.d_edit, facts::Kind::Forget);   // edit-unlearn: the old truth about B
    add_documents(set, w.d_update, facts::Kind::Update);
    {   // the KL term sees pool_rows rows per step: θ0 is cached on that many retain sentences, drawn once
        std::vector<std::string> retain = w.d_retain;
        corpus::SeededRng(o.seed, "paper/retain-pool").shuffle(retain);
        retain.resize(std::min(retain.size(), (size_t)sc.surgery_steps * (size_t)sc.pool_rows));
        add_documents(pool, retain, facts::Kind::Retain);
        r.docs_retain_pool = retain.size();
    }
    surgery::SurgeryConfig cfg = surgery::SurgeryConfig::preset_named("paper");
    cfg.lr = o.lr > 0 ? o.lr : sc.surgery_lr;
    cfg.w_forget = cfg.w_edit = o.w_forget >= 0 ? o.w_forget : sc.w_forget;
    cfg.w_update = o.w_update >= 0 ? o.w_update : sc.w_update;
    cfg.w_retain = o.w_retain >= 0 ? o.w_retain : sc.w_retain;
    cfg.steps = sc.surgery_steps;
    cfg.batch_size = sc.surgery_batch;
    cfg.retain_pool_per_step = sc.pool_rows;
    if (sc.forget_bound > 0) cfg.forget_nll_stop = sc.forget_bound;
    cfg.train_params = sc.train;
    cfg.precision = o.precision != "auto" ? o.precision : pre.precision.rfind("bf16", 0) == 0 ? "bf16" : "fp32";
    cfg.early_stop = false;              // the trainer's early stop checks fact targets; documents have none
    cfg.eval_every = sc.surgery_steps;   // one check, at the end (documents have no targets: it runs nothing)
    cfg.seed = o.seed;
    {
        char line[400];
        std::snprintf(line, sizeof line,
                      "paper preset with lr and weights changed: AdamW lr %g, betas %g/%g, wd %g, clip %g, weights forget %g / update %g / retain %g; "
                      "%d steps of %d rows per term and %d retain rows, forget bound %g nats, %s, no early stop",
                      cfg.lr, cfg.beta1, cfg.beta2, cfg.weight_decay, cfg.grad_clip, cfg.w_forget, cfg.w_update, cfg.w_retain,
                      cfg.steps, cfg.batch_size, cfg.retain_pool_per_step, cfg.forget_nll_stop,
                      cfg.precision == "bf16" ? "bf16 autocast" : "fp32");
        r.surgery_recipe = line;
        if (cfg.train_params != "all") r.surgery_recipe += "; trained weights: " + cfg.train_params + " (the rest frozen)";
    }
    surgery::RunCallbacks cb;
    cb.on_step = [&](const surgery::StepMetrics& s) { say({"surgery", "step", s.step, s.steps, s.total}); };
    surgery::Trainer trainer(m, set, cfg, pool);
    const surgery::SurgeryOutcome out = trainer.run(cb);
    if (out.end == surgery::SurgeryOutcome::End::Diverged) throw Error("bench paper: the surgery diverged: " + out.message);
    r.surgery_seconds = out.seconds;
    r.surgery_tokens = out.tokens;
    r.surgery_steps = out.steps_done;
    r.surgery_outcome = out.message;
    r.surgery_forward_tokens = out.forward_tokens;   // θ0's cache on the retain pool (the check adds none here)
    r.compute_ratio = r.baseline_tokens > 0 ? ((double)r.surgery_tokens + r.surgery_forward_tokens / 3.0) / (double)r.baseline_tokens : 0;
    r.seconds_ratio = r.baseline_seconds > 0 ? r.surgery_seconds / r.baseline_seconds : 0;
    const fs::path surg_dir = work.path / "theta_surgery";
    io::write_hf_folder(surg_dir, pre_dir, m.config.to_json_text(), hf_named_tensors(m.net));
    facts::save_jsonl(set, work.path / "surgery_set.jsonl");
    facts::save_jsonl(pool, work.path / "surgery_retain_pool.jsonl");

    // 4. The table -------------------------------------------------------------------------------------
    auto score_model = [&](LoadedModel& model, PaperModelScores& s, const std::string& name) {
        say({"evaluate", name});
        s.unlearn = score_paper_set(model, w.q_unlearn, w.d_unlearn);
        s.update = score_paper_set(model, w.q_update, w.d_update);
        s.retain = score_paper_set(model, w.q_retain, w.d_retain);
    };
    {
        LoadedModel mp = load_model(pre_dir);
        score_model(mp, r.pre, "theta_pre");
    }
    {
        LoadedModel mb = load_model(base_dir);
        score_model(mb, r.baseline, "theta_baseline");
    }
    score_model(m, r.surgery, "theta_surgery");

    constexpr double kPoints = 0.05, kEps = 1e-9;
    r.update_ok = r.surgery.update.mcqa_acc >= r.baseline.update.mcqa_acc - kPoints - kEps;
    r.retain_ok = r.surgery.retain.mcqa_acc >= r.baseline.retain.mcqa_acc - kPoints - kEps;
    r.unlearn_ok = r.surgery.unlearn.mcqa_acc <= r.baseline.unlearn.mcqa_acc + kPoints + kEps;
    r.compute_ok = r.compute_ratio <= 0.10 + kEps;

    if (!work.temporary) {
        say({"write", "writing paper_table.md and paper_table.json"});
        facts::write_text_file_atomic(work.path / "paper_table.json", paper_bench_json(r) + "\n");
        facts::write_text_file_atomic(work.path / "paper_table.md", paper_bench_markdown(r));
    }
    return r;
}

// ---------------------------------------------------------------------------------------------------------
// Output

namespace {

nlohmann::ordered_json set_json(const PaperSetScore& s) {
    return {{"mcqa_acc", s.mcqa_acc}, {"ppl", s.ppl}, {"answer_ppl", s.answer_ppl},
            {"questions", s.questions}, {"documents", s.documents}, {"tokens", s.tokens}};
}

nlohmann::ordered_json model_json(const PaperModelScores& m) {
    nlohmann::ordered_json j = {{"unlearn", set_json(m.unlearn)}, {"update", set_json(m.update)}, {"retain", set_json(m.retain)}};
    if (m.fact_recall >= 0) j["fact_recall"] = m.fact_recall;
    return j;
}

std::string pct(double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", 100 * x);
    return b;
}
std::string num(double x, const char* fmt = "%.2f") {
    char b[32];
    std::snprintf(b, sizeof b, fmt, x);
    return b;
}
std::string points(double d) {
    char b[32];
    std::snprintf(b, sizeof b, "%+.1f", 100 * d);
    return b;
}

}  // namespace

std::string paper_bench_json(const PaperBenchResult& r) {
    nlohmann::ordered_json j;
    j["format"] = "llm-surgery bench paper";
    j["version"] = 1;
    j["scale"] = r.scale;
    j["seed"] = r.options.seed;
    j["threads"] = r.threads;
    j["thread_wait"] = r.thread_wait;
    if (!r.options.reuse.empty()) j["reused_from"] = r.options.reuse.string();
    j["world"] = {{"subjects", {{"unlearn", r.subjects_unlearn}, {"update", r.subjects_update}, {"retain", r.subjects_retain}}},
                  {"facts", {{"unlearn", r.facts_unlearn}, {"update", r.facts_update}, {"retain", r.facts_retain}}},
                  {"documents",
                   {{"unlearn", r.docs_unlearn}, {"edit", r.docs_edit}, {"update", r.docs_update}, {"retain", r.docs_retain},
                    {"retain_pool", r.docs_retain_pool}}}};
    j["recipe"] = {{"model", r.model_shape}, {"parameters", r.parameters}, {"pretrain_steps", r.pretrain_steps},
                   {"surgery", r.surgery_recipe}};
    j["models"] = {{"pre", model_json(r.pre)}, {"baseline", model_json(r.baseline)}, {"surgery", model_json(r.surgery)}};
    j["compute"] = {{"surgery_seconds", r.surgery_seconds},
                    {"surgery_tokens", r.surgery_tokens},
                    {"surgery_forward_tokens", r.surgery_forward_tokens},
                    {"surgery_steps", r.surgery_steps},
                    {"baseline_seconds", r.baseline_seconds},
                    {"baseline_tokens", r.baseline_tokens},
                    {"pre_seconds", r.pre_seconds},
                    {"pre_tokens", r.pre_tokens},
                    {"compute_ratio", r.compute_ratio},
                    {"seconds_ratio", r.seconds_ratio}};
    j["targets"] = {{"update_within_5_points", r.update_ok},
                    {"retain_within_5_points", r.retain_ok},
                    {"unlearn_at_most_baseline_plus_5", r.unlearn_ok},
                    {"compute_at_most_10_percent", r.compute_ok},
                    {"all", r.update_ok && r.retain_ok && r.unlearn_ok && r.compute_ok}};
    return j.dump(2);
}

std::string paper_bench_markdown(const PaperBenchResult& r) {
    std::string s;
    s += "| model | unlearn MCQA % (lower) | unlearn ppl (higher) | update MCQA % | update ppl | retain MCQA % | retain ppl |\n";
    s += "|---|---|---|---|---|---|---|\n";
    const std::pair<const char*, const PaperModelScores*> rows[] = {
        {"θ_pre", &r.pre}, {"θ_baseline (retrain)", &r.baseline}, {"θ_surgery", &r.surgery}};
    for (auto [name, m] : rows)
        s += std::string("| ") + name + " | " + pct(m->unlearn.mcqa_acc) + " | " + num(m->unlearn.ppl) + " | " +
             pct(m->update.mcqa_acc) + " | " + num(m->update.ppl) + " | " + pct(m->retain.mcqa_acc) + " | " +
             num(m->retain.ppl) + " |\n";
    s += "\n";
    s += "Sets: unlearn " + std::to_string(r.facts_unlearn) + " facts / " + std::to_string(r.docs_unlearn) +
         " documents (" + std::to_string(r.subjects_unlearn) + " subjects), update " + std::to_string(r.facts_update) +
         " / " + std::to_string(r.docs_update) + " (" + std::to_string(r.subjects_update) + "), retain " +
         std::to_string(r.facts_retain) + " / " + std::to_string(r.docs_retain) + " (" + std::to_string(r.subjects_retain) +
         "). Fact recall after pretraining: θ_pre " + pct(r.pre.fact_recall) + " %, θ_baseline " +
         pct(r.baseline.fact_recall) + " %.\n\n";
    s += "Compute: surgery " + num(r.surgery_seconds, "%.1f") + " s, " + std::to_string(r.surgery_tokens) + " trained + " +
         std::to_string(r.surgery_forward_tokens) + " forward-only tokens (" + std::to_string(r.surgery_steps) +
         " steps); baseline " + num(r.baseline_seconds, "%.1f") + " s, " + std::to_string(r.baseline_tokens) +
         " trained tokens. Ratio " + pct(r.compute_ratio) + " % in trained-token equivalents (forward-only = 1/3), " +
         pct(r.seconds_ratio) + " % in seconds.\n\n";
    const auto mark = [](bool ok) { return ok ? "met" : "MISSED"; };
    s += std::string("Targets: update MCQA within 5 points of the baseline (") +
         points(r.surgery.update.mcqa_acc - r.baseline.update.mcqa_acc) + "): " + mark(r.update_ok) +
         "; retain within 5 points (" + points(r.surgery.retain.mcqa_acc - r.baseline.retain.mcqa_acc) +
         "): " + mark(r.retain_ok) + "; unlearn no higher than the baseline + 5 (" +
         points(r.surgery.unlearn.mcqa_acc - r.baseline.unlearn.mcqa_acc) + "): " + mark(r.unlearn_ok) +
         "; compute at most 10 % (" + pct(r.compute_ratio) + " %): " + mark(r.compute_ok) + ".\n";
    return s;
}

}  // namespace llms::bench
