// The facade the desktop app calls: one open model, its original weights, probing, surgery runs with a
// history, before/after reports and export. Torch-free and Qt-free (pimpl): ui/ includes it, session.cpp
// does the work with the core. Not thread-safe: one thread (the UI's worker) owns a Session; only the
// stop/pause atomics in surgery::RunCallbacks are read across threads.
#pragma once
#include "core/edit/edit_types.h"
#include "core/eval/report.h"
#include "core/facts/fact_set.h"
#include "core/session/session_types.h"
#include "core/surgery/surgery_config.h"
#include "core/surgery/trainer.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llms::session {

class Session {
public:
    Session();
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // ---- model -------------------------------------------------------------------------------------
    // Loads a HF folder (config.json + safetensors + tokenizer.json or .model), keeps a CPU copy of the original
    // weights and forgets the previous model and its run history. progress: 0..1. Throws llms::Error.
    ModelCard open(const std::filesystem::path& dir, const OpenOptions& opt = {},
                   const std::function<void(double)>& progress = {});
    const ModelCard& card() const;          // Error when no model is open
    MemoryUse memory() const;

    // Facts the model is known to know (known_facts.jsonl beside the weights, when present): split per run
    // into a broad retain pool for the KL term and a disjoint collateral probe set for the report.
    void set_known_facts(const facts::FactSet& known);
    size_t known_facts() const;
    // Held-out text for the report's fluency (perplexity) line.
    void set_heldout_text(std::vector<std::string> lines);

    // ---- probing ---------------------------------------------------------------------------------------
    // Greedy answers of the active weights, cut at the first newline or EOS ("ask the model").
    std::vector<std::string> ask(const std::vector<std::string>& prompts, int max_new_tokens = 12);
    // The original and the active weights answer the same prompt; answer probabilities for the answers
    // of any fact in `facts` with this prompt, else for each model's own first phrase. opt.chat: the prompt as a
    // user turn in the model's chat template (Error when it has none), answers without their leading space.
    ProbeResult probe(const std::string& prompt, const SampleOptions& opt, const facts::FactSet& facts = {});
    // Every fact (not documents): original vs active greedy completion, target probability and a verdict. With
    // chat, each prompt as a user turn in the model's chat template (Error when it has none).
    std::vector<FactProbe> probe_facts(const facts::FactSet& set, bool chat = false);

    // ---- surgery -----------------------------------------------------------------------------------------
    // Runs the trainer on the model (starting from the original weights, or from the active run when
    // from_original is false), then measures original vs edited (eval::Report). The edited weights become
    // active and the run joins the history. A stopped run keeps the weights of its last step; a diverged
    // run those of its last good check. on_phase: short user-facing descriptions of the current phase.
    const RunRecord& run(const facts::FactSet& set, const surgery::SurgeryConfig& config,
                         const surgery::RunCallbacks& callbacks, bool from_original = true,
                         const std::function<void(const std::string&)>& on_phase = {});

    // ---- audit -------------------------------------------------------------------------------------------
    // The forgetting audit (core/eval/audit.h) of run `run_id` on the run's own facts (in its chat format when it
    // used one): the original weights answer first, then the attacks on the run's weights (put back after each; the
    // active weights are live again afterwards). The result joins the run's report (report->audit) and is returned.
    // Error when the run is unknown or its weights were dropped; callbacks.stop ends it with an Error.
    eval::AuditReport audit(int run_id, const eval::AuditOptions& options, const eval::AuditCallbacks& callbacks = {});

    // ---- causal trace ------------------------------------------------------------------------------------
    // Causal tracing (core/edit/causal_trace.h) of the set's forget facts and update facts' old answers (at most
    // config.edit.trace_facts of them) on the original weights, in the run's chat format when config asks for it;
    // chosen_layers: what ROME (or MEMIT, when config.method is memit) would edit with layers "auto". Progress as
    // EditProgress stage Trace; stop ends it early with the grids so far.
    edit::TraceSummary trace(const facts::FactSet& set, const surgery::SurgeryConfig& config,
                             const std::atomic<bool>* stop = nullptr,
                             const std::function<void(const edit::EditProgress&)>& on_progress = {});

    // ---- history -----------------------------------------------------------------------------------------
    const std::vector<RunRecord>& history() const;
    int active_run() const;                 // 0 = the original weights
    void revert_to_original();
    // Makes run `id`'s weights active; Error when they were dropped to save memory (re-run it).
    void use_run(int id);
    // Records from a project file: shown and compared, no weights (they can be re-run).
    void add_history(std::vector<RunRecord> runs);

    // ---- export ------------------------------------------------------------------------------------------
    // Writes run `run_id`'s weights (0 = original) as a HF folder: config.json, model.safetensors and the
    // source folder's tokenizer files; atomically (temp folder renamed into place); never over the source.
    void export_model(const std::filesystem::path& out_dir, int run_id, const ExportOptions& opt,
                      const std::function<void(double)>& progress = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace llms::session
