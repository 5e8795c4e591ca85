// Session internals shared by session*.cpp. Torch types: core-internal, never included from ui/.
#pragma once
#include "core/eval/report.h"
#include "core/io/peft_folder.h"
#include "core/model/model_loader.h"
#include "core/session/session.h"

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace llms::session {

using Weights = std::vector<at::Tensor>;   // every parameter, hf_named_tensors order, CPU copies

struct Session::Impl {
    std::optional<LoadedModel> m;
    ModelCard card;
    // The weights as opened: views of the mapped checkpoint file where it stores them in the live dtype on the CPU
    // (file pages from the page cache: no second copy in RAM; read back when the original is needed), else CPU
    // copies taken right after loading. original_file_bytes: the mapped part.
    Weights original;
    int64_t original_file_bytes = 0;
    std::map<int, Weights> run_weights;    // kept edited weights by run id
    std::map<int, io::PeftAdapter> run_adapters;   // LoRA runs' adapters (CPU, a few MB: never dropped)
    std::vector<RunRecord> history;
    int active = 0;                        // whose weights are in m->net: 0 original, else a run id
    int next_id = 1;
    int64_t budget = 4ll << 30;            // CPU bytes for run_weights
    facts::FactSet known;
    std::vector<std::string> heldout;

    // The original model's measurement, reused while the fact set and collateral stay the same (the
    // Evaluator's θ0 cache is then valid too).
    struct EvalCache {
        facts::FactSet set, collateral;
        std::unique_ptr<eval::Evaluator> evaluator;
        eval::Measurement before;
    };
    std::optional<EvalCache> eval_cache;

    LoadedModel& model();                  // Error when no model is open
    const Tokenizer& tok();                // Error when the model has no tokenizer
    Weights copy_out();                    // live weights -> CPU copies
    void keep_original();                  // sets original / original_file_bytes right after loading
    void load_into(const Weights& w);      // CPU copies -> live weights (no grad)
    const Weights& weights_of(int run);    // Error when dropped
    // Runs fn with run `run`'s weights live, then puts the active weights back.
    template <class F> auto with_weights(int run, F&& fn) -> decltype(fn());
    void enforce_budget();
    static int64_t bytes_of(const Weights& w);
};

template <class F>
auto Session::Impl::with_weights(int run, F&& fn) -> decltype(fn()) {
    if (run == active) return fn();
    load_into(weights_of(run));
    struct Restore {
        Impl* self;
        ~Restore() { self->load_into(self->weights_of(self->active)); }
    } restore{this};
    return fn();
}

}  // namespace llms::session
