// llm-surgery-cli surgery MODEL_DIR --facts FILE --out OUT_DIR [...]
#include "app/cli/audit_progress.h"
#include "app/cli/data_parallel.h"
#include "app/cli/edit_progress.h"
#include "app/cli/eval_inputs.h"
#include "app/cli/interrupt.h"
#include "app/cli/model_options.h"
#include "app/cli/progress_line.h"
#include "app/cli/training_process.h"
#include "core/edit/edit_run.h"
#include "core/io/atomic_write.h"
#include "core/io/hf_folder.h"
#include "core/io/output_folder.h"
#include "core/io/peft_folder.h"
#include "core/model/lora.h"
#include "core/surgery/trainer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace llms::cli {
namespace {

namespace fs = std::filesystem;

surgery::SurgeryConfig config_from(const Args& a) {
    surgery::Method method = surgery::Method::LlmSurgery;
    if (a.has("method") && !surgery::method_from_name(a.get("method"), &method))
        throw Error("unknown --method \"" + a.get("method") + "\" (llm-surgery, grad-ascent, grad-diff, npo, finetune, rome, memit)");
    auto c = surgery::SurgeryConfig::preset_named(a.get("preset", "demo"));
    c.method = method;
    c.steps = a.get_int("steps", c.steps);
    c.lr = a.get_double("lr", c.lr);
    c.seed = a.get_u64("seed", c.seed);
    c.batch_size = a.get_int("batch-size", c.batch_size);
    c.schedule = a.get("schedule", c.schedule);
    c.warmup_steps = a.get_int("warmup", c.warmup_steps);
    c.eval_every = a.get_int("eval-every", c.eval_every);
    c.train_params = a.get("train", c.train_params);
    c.retain_pool_per_step = a.get_int("pool-rows", c.retain_pool_per_step);
    c.forget_nll_stop = a.get_double("forget-bound", c.forget_nll_stop);
    c.npo_beta = a.get_double("npo-beta", c.npo_beta);
    if (a.has("kl-on")) {
        if (a.get("kl-on") != "answers" && a.get("kl-on") != "all")
            throw Error("--kl-on expects answers or all, got \"" + a.get("kl-on") + "\"");
        c.kl_answers_only = a.get("kl-on") == "answers";
    }
    c.device = a.get("device", c.device);
    // On a GPU the default is bf16 autocast over fp32 master weights (the weights load as float32 below).
    c.precision = a.get("precision", c.device.rfind("cuda", 0) == 0 ? "bf16" : c.precision);
    if (a.flag("checkpoint-layers")) c.checkpoint_layers = true;
    if (a.flag("chat")) c.chat_prompts = true;
    if (a.flag("no-early-stop")) c.early_stop = false;
    c.lora = a.get("lora", c.lora);
    c.lora_targets = a.get("lora-targets", c.lora_targets);
    if (a.has("lora-targets") && c.lora.empty()) throw Error("--lora-targets needs --lora RANK[:ALPHA]");
    if (a.has("weights")) {
        std::vector<double> w;
        std::stringstream ss(a.get("weights"));
        for (std::string x; std::getline(ss, x, ',');) w.push_back(Args::parse_double("weights", x));
        if (w.size() != 4) throw Error("--weights expects four numbers forget,edit,update,retain");
        c.w_forget = w[0], c.w_edit = w[1], c.w_update = w[2], c.w_retain = w[3];
    }
    c.edit.layers = a.get("edit-layers", c.edit.layers);
    c.edit.cov_samples = a.get_int("cov-samples", (int)c.edit.cov_samples);
    c.edit.mom2_weight = a.get_double("mom2-weight", c.edit.mom2_weight);
    c.edit.v_steps = a.get_int("v-steps", c.edit.v_steps);
    c.edit.v_lr = a.get_double("v-lr", c.edit.v_lr);
    c.edit.clamp_norm = a.get_double("v-clamp", c.edit.clamp_norm);
    c.edit.keep_factor = a.get_double("v-keep", c.edit.keep_factor);
    c.edit.keep_relations = a.get_int("keep-relations", c.edit.keep_relations);
    c.edit.start_keys = a.get_yes_no("start-keys", c.edit.start_keys);
    c.edit.forget_target = a.get("forget-target", c.edit.forget_target);
    for (const char* o : {"edit-layers", "cov-samples", "mom2-weight", "v-steps", "v-lr", "v-clamp", "v-keep",
                          "keep-relations", "start-keys", "forget-target"})
        if (a.has(o) && !surgery::is_closed_form(c.method)) throw Error(std::string("--") + o + " needs --method rome or memit");
    if (auto errs = c.validate(); !errs.empty()) throw Error("invalid settings: " + errs.front());
    return c;
}

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"no-early-stop", "checkpoint-layers", "chat", "audit"});
    auto known = kModelOptions;
    known.insert(kEvalOptions.begin(), kEvalOptions.end());
    known.insert(kAuditOptions.begin(), kAuditOptions.end());
    known.insert({"out", "method", "preset", "steps", "lr", "weights", "seed", "report", "batch-size", "schedule",
                  "warmup", "eval-every", "train", "no-early-stop", "overwrite-out", "pool-rows", "forget-bound",
                  "npo-beta", "kl-on", "precision", "checkpoint-layers", "chat", "lora", "lora-targets",
                  "adapter-out", "audit", "nproc", "metrics", "edit-layers", "cov-samples", "mom2-weight", "v-steps",
                  "v-lr", "v-clamp", "v-keep", "keep-relations", "start-keys", "forget-target"});
    a.check_known(known);
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR (see --help)");
    if (a.has("adapter-out") && !a.has("lora")) throw Error("--adapter-out needs --lora RANK[:ALPHA]");
    if (!a.has("out") && !a.has("adapter-out")) throw Error("--out OUT_DIR is required (with --lora, --adapter-out DIR may replace it)");
    const fs::path model_dir = a.positional()[0], out = a.get("out", ""), adapter_out = a.get("adapter-out", "");
    const bool overwrite = a.get_yes_no("overwrite-out", false);
    // Every output is checked before minutes of loading and training: a failure writes nothing.
    for (const char* option : {"out", "adapter-out"}) {
        if (!a.has(option)) continue;
        const fs::path o = a.get(option);   // an empty one is refused here too
        std::error_code ec;
        if (fs::exists(o, ec) && fs::equivalent(o, model_dir, ec))
            throw Error(o.string() + " is the input model folder: the input model is never modified; choose a new folder");
        io::check_output_folder(o, model_dir, overwrite);
    }
    if (!out.empty() && !adapter_out.empty() && (io::same_or_inside(out, adapter_out) || io::same_or_inside(adapter_out, out)))
        throw Error("--out and --adapter-out must be two separate folders");
    if (a.has("report")) io::check_report_path(a.get("report"), model_dir);
    if (a.has("metrics")) io::check_new_file_place(a.get("metrics"), model_dir);
    const auto cfg = config_from(a);
    for (const auto& o : kAuditOptions)
        if (a.has(o) && !a.flag("audit")) throw Error("--" + o + " needs --audit");
    const auto audit_options = audit_options_from(a, cfg.seed);
    // Data parallel (core/distributed/): --nproc N starts N ranks of this same command here, after the checks above
    // (a bad option fails once, not N times); under torchrun this process is one rank.
    const auto launch = dist::launch_env();
    if (surgery::is_closed_form(cfg.method) && (a.has("nproc") || launch.world > 1))
        throw Error("ROME and MEMIT run in one process (a closed-form edit, no training to spread): drop --nproc "
                    "and torchrun");
    if (auto status = run_ranks_if_asked(a, launch, "surgery", argv)) return *status;
    prepare_training_process("surgery", argv);   // thread wait policy (re-exec) + malloc tunables, as pretrain
    const auto& stop = install_interrupt_flag();
    // The ranks meet before minutes of loading: a missing one fails here, within the timeout.
    dist::Group group(launch, dist::collective_timeout());
    const bool root = group.is_root();   // rank 0 alone prints, measures and writes; the others train
    if (root && group.size() > 1)
        std::fprintf(stderr, "data parallel: %d ranks (Gloo), this one rank 0\n", group.size());

    // The facts (and with --chat the template) before minutes of loading: a bad fact file fails at once.
    auto in = read_eval_inputs(a, model_dir, cfg.seed);
    if (cfg.chat_prompts) wrap_in_chat(in, model_dir);
    if (root) std::fprintf(stderr, "loading %s\n", model_dir.string().c_str());
    // fp32 weights unless --dtype says otherwise: AdamW's small updates vanish in bf16 weights.
    auto m = load_for_cli(a, model_dir, true, "float32");
    if (!in.notes.empty() && root) std::fprintf(stderr, "%s", in.notes.c_str());
    if (root) std::fprintf(stderr, "facts: %zu forget, %zu update, %zu retain; method %s, preset %s\n",
                 in.set.count(facts::Kind::Forget), in.set.count(facts::Kind::Update), in.set.count(facts::Kind::Retain),
                 surgery::method_name(cfg.method).c_str(), cfg.preset.c_str());

    eval::Evaluator ev(in.set, in.collateral, in.heldout);
    eval::Report report;
    report.model = model_dir.string();
    report.method = surgery::method_name(cfg.method);
    report.preset = cfg.preset;
    if (root) {   // the other ranks wait for it at the run's first step
        std::fprintf(stderr, "measuring the original model...\n");
        report.before = ev.measure(m);
    }
    eval::AuditReport audit;
    if (root && a.flag("audit")) {
        audit.original = model_dir.string();
        audit.edited = out.empty() ? adapter_out.string() : out.string();
        eval::audit_original(m, in.set, audit);
    }

    surgery::SurgeryOutcome outcome;
    ProgressLine bar;
    std::string metrics;   // --metrics: one JSON line a training step
    if (surgery::is_closed_form(cfg.method)) {   // ROME / MEMIT: closed form, no training (core/edit/edit_run.h)
        edit::EditCallbacks ecb;
        ecb.stop = &stop;
        ecb.on_progress = [&](const edit::EditProgress& p) { draw_edit_progress(bar, p); };
        outcome = edit::run_edit(m, in.set, cfg, in.retain_pool, ecb);
    } else {
        surgery::Trainer trainer(m, in.set, cfg, in.retain_pool, &group);
        if (root) std::fprintf(stderr, "memory plan: %s\n", trainer.memory_plan().summary().c_str());
        surgery::EvalPoint last_eval;
        bool have_eval = false;
        surgery::RunCallbacks cb;
        cb.stop = &stop;
        cb.on_eval = [&](const surgery::EvalPoint& e) { last_eval = e, have_eval = true; };
        cb.on_step = [&](const surgery::StepMetrics& s) {
            if (!root) return;
            if (a.has("metrics"))
                metrics += nlohmann::json({{"step", s.step}, {"forget", s.loss_forget}, {"edit", s.loss_edit},
                                           {"update", s.loss_update}, {"retain", s.loss_retain}, {"total", s.total},
                                           {"grad_norm", s.grad_norm}, {"lr", s.lr}, {"tokens_per_s", s.tokens_per_s},
                                           {"seconds", s.seconds}, {"active_forget", s.active_forget}}).dump() + "\n";
            char line[320];
            const double eta = s.seconds / s.step * (s.steps - s.step);
            std::snprintf(line, sizeof line,
                          "step %d/%d  forget %.3f  edit %.3f  update %.3f  retain %.4f  total %.3f  |g| %.2f  %.0f tok/s  "
                          "ETA ≤%s%s",
                          s.step, s.steps, s.loss_forget, s.loss_edit, s.loss_update, s.loss_retain, s.total, s.grad_norm,
                          s.tokens_per_s, format_duration(eta).c_str(),
                          have_eval ? ("  [forget " + std::to_string((int)std::lround(100 * last_eval.forget_acc)) + "% update " +
                                       std::to_string((int)std::lround(100 * last_eval.update_acc)) + "%]").c_str()
                                    : "");
            bar.update(line, s.step == 1);
        };
        outcome = trainer.run(cb);
        if (!root) {   // every rank ended at the same step with the same weights: rank 0 writes them
            const auto end = outcome.end;
            return end == surgery::SurgeryOutcome::End::Stopped ? 130 : end == surgery::SurgeryOutcome::End::Diverged ? 1 : 0;
        }
    }
    bar.finish();
    std::fprintf(stderr, "%s (%.1f s)\n", outcome.message.c_str(), outcome.seconds);
    if (a.has("metrics")) io::write_file_atomic(a.get("metrics"), metrics);   // the steps run, also of a stopped run
    if (outcome.end == surgery::SurgeryOutcome::End::Stopped) {
        std::fprintf(stderr, "nothing written: the run was stopped\n");
        return 130;
    }
    if (outcome.end == surgery::SurgeryOutcome::End::Diverged) return 1;

    // LoRA: the adapter as trained, then merged into the weights (what --out holds and the report measures).
    io::PeftAdapter adapter;
    if (!cfg.lora.empty()) {
        adapter = io::peft_adapter_of(m.net);
        merge_lora(m.net);
    }
    std::fprintf(stderr, "measuring the edited model...\n");
    report.after = ev.measure(m);
    report.steps = outcome.steps_done;
    report.seconds = outcome.seconds;
    report.tokens = outcome.tokens;
    report.outcome = outcome.message;
    if (a.flag("audit")) {
        AuditProgress progress(&stop);
        report.audit = eval::run_audit(m, in.set, audit_options, progress.callbacks(), audit);
        progress.finish();
    }

    // The report goes inside the output folder (the model's, else the adapter's) unless --report says where, so it
    // lands with the model in one rename.
    const fs::path report_home = out.empty() ? adapter_out : out;
    std::vector<std::pair<std::string, std::string>> report_files;
    if (!a.has("report")) report_files = {{"surgery_report.json", report.to_json()}, {"surgery_report.md", report.to_markdown()}};
    if (!adapter_out.empty()) {
        io::write_peft_folder(adapter_out, model_dir, adapter, overwrite, out.empty() ? report_files : decltype(report_files){});
        std::fprintf(stderr, "LoRA adapter (PEFT folder): %s\n", adapter_out.string().c_str());
    }
    if (!out.empty()) {
        io::HfWriteOptions w;
        w.dtype = m.config.torch_dtype;   // the format the user came with
        w.overwrite = overwrite;
        w.extra_text_files = report_files;
        write_hf_folder(out, model_dir, m.config.to_json_text(), hf_named_tensors(m.net), w);
    }
    const fs::path report_json = a.has("report") ? fs::path(a.get("report")) : report_home / "surgery_report.json";
    if (a.has("report")) {
        report.save(report_json.string());
        fs::path report_md = report_json;
        report.save(report_md.replace_extension(".md").string());
    }
    print_report_summary(report);
    if (report.audit) print_audit_summary(*report.audit);
    if (!out.empty()) std::fprintf(stderr, "edited model: %s\n", out.string().c_str());
    std::fprintf(stderr, "report: %s (+ .md)\n", report_json.string().c_str());
    return 0;
}

CommandRegistrar reg({"surgery", "forget / update facts in a model and write the edited copy",
                      std::string(
                          "usage: llm-surgery-cli surgery MODEL_DIR --facts FILE --out OUT_DIR [options]\n"
                          "       llm-surgery-cli surgery MODEL_DIR --facts FILE --lora R --adapter-out DIR [options]\n\n"
                          "  --facts FILE        fact set (JSONL or CSV; see README \"Fact sets\")\n"
                          "  --out OUT_DIR       where the edited HF folder goes (never the input folder)\n"
                          "  --method M          llm-surgery (default), grad-ascent, grad-diff, npo, finetune; or the\n"
                          "                      closed-form editors rome, memit (no training: options below)\n"
                          "  --preset P          demo (default), durable (forget until as unlikely as never-seen answers) or\n"
                          "                      paper (the official recipe)\n"
                          "  --steps N           at most N steps (the run stops early once every target is met)\n"
                          "  --lr X              AdamW learning rate\n"
                          "  --weights F,E,U,R   term weights: forget, edit (old answers), update, retain\n"
                          "  --batch-size N      facts per term per step\n"
                          "  --schedule S        constant or cosine;  --warmup N  warm-up steps\n"
                          "  --eval-every N      steps between target checks;  --no-early-stop\n"
                          "  --train P           trained weights: all, or a comma-separated list of mlp, layers:A-B,\n"
                          "                      embed_tokens, norm, lm_head (the rest frozen)\n"
                          "  --precision P       fp32 (default on the CPU) or bf16 (default on CUDA): autocast (bf16\n"
                          "                      matmuls, fp32 weights and optimizer state); fast on CPUs with\n"
                          "                      AVX-512 BF16/AMX and on CUDA. The model is trained in float32\n"
                          "                      weights unless --dtype says otherwise\n"
                          "  --checkpoint-layers recompute each layer in the backward (less memory, ~1/3 more compute)\n"
                          "  --lora R[:ALPHA]    train LoRA adapters of rank R (alpha default R) on frozen weights instead\n"
                          "                      of the weights; --out then holds the adapter merged into the model\n"
                          "  --lora-targets L    adapted matrices: all (default) or a list of q, k, v, o, gate, up, down\n"
                          "  --adapter-out DIR   also (or, without --out, only) write the adapter as a PEFT folder\n"
                          "                      (adapter_config.json + adapter_model.safetensors); GGUF: `export\n"
                          "                      --adapter DIR --format gguf-lora`\n"
                          "  --pool-rows N       retain-pool rows in the KL term each step (0: the user's retain facts only)\n"
                          "  --forget-bound X    a forget fact leaves the ascent once its answer NLL reaches X nats\n"
                          "  --kl-on W           answers or all: where the KL keeps retain facts (default: the preset's)\n"
                          "  --npo-beta X        NPO inverse temperature (--method npo)\n"
                          "  --seed S            seed for sampling batches\n"
                          "  ROME / MEMIT (--method rome|memit): update facts written to their new answer, forget facts to\n"
                          "  --forget-target; retain facts untouched. The steps, learning-rate and term options do not apply.\n"
                          "  --edit-layers L     auto (default: chosen by causal tracing on the facts, `trace --help`), a\n"
                          "                      layer L or a range A-B (0-based); ROME edits one layer (a range's last)\n"
                          "  --cov-samples N     tokens of retain-pool text (then text sampled from the model) behind the\n"
                          "                      key covariance (default 20000; cached in ~/.cache/llm-surgery/covariance)\n"
                          "  --mom2-weight X     MEMIT's covariance weight λ (default 100)\n"
                          "  --v-steps N         Adam steps of the target-vector search (default 100)\n"
                          "  --v-lr X            its learning rate, in units of the vector's per-coordinate RMS (default 0.1)\n"
                          "  --v-clamp X         the change of the vector at most X times its norm (default 1)\n"
                          "  --v-keep X          weight of keeping the subject's other known facts (retain facts and\n"
                          "                      the retain pool with the same subject) in the search (default 5)\n"
                          "  --keep-relations N  also keep the subject under N of the pool's other relations (\"The capital of\n"
                          "                      X is\" while X's continent changes): fewer side effects, fewer edits\n"
                          "                      written (default 0)\n"
                          "  --start-keys yes|no MEMIT: each edit also written where its subject opens a sentence\n"
                          "                      (\"Rubidium has the symbol\"; default no)\n"
                          "  --forget-target T   the answer forget facts are rewritten to (default \"unknown\")\n"
                          "  --audit             after the run, the forgetting audit of the edited model (`audit --help`)\n"
                          "                      in the report; its options below\n"
                          "  --report FILE       report JSON (a .md twin is written beside it);\n"
                          "                      default OUT_DIR/surgery_report.json\n"
                          "  --retain-pool FILE  broad retain pool for the KL term (default: known facts not probed,\n"
                          "                      or text sampled from the original model)\n"
                          "  --overwrite-out yes replace an existing OUT_DIR that llm-surgery wrote (never a folder it did not\n"
                          "                      create: those are refused, as are the current and home folders)\n"
                          "  --metrics FILE      each step's losses, gradient norm, learning rate and throughput as JSON\n"
                          "                      lines, written once the run ends\n") +
                          kNprocHelp + kEvalOptionsHelp + kAuditOptionsHelp + kModelOptionsHelp,
                      run});

}  // namespace
}  // namespace llms::cli
