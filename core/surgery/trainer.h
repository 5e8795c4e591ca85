// The surgery run: the three-term objective optimised on the model in place. Knows no Qt; the UI drives it
// from a worker thread and receives metrics by value through the callbacks.
#pragma once
#include "core/edit/edit_types.h"
#include "core/facts/fact_set.h"
#include "core/surgery/memory_plan.h"
#include "core/surgery/surgery_config.h"

#include <atomic>
#include <functional>
#include <memory>

namespace llms {
struct LoadedModel;
namespace dist {
class Group;
}
}

namespace llms::surgery {

struct RunCallbacks {
    std::function<void(const StepMetrics&)> on_step;
    std::function<void(const EvalPoint&)> on_eval;
    const std::atomic<bool>* stop = nullptr;    // checked every step: ends the run after the current step
    const std::atomic<bool>* pause = nullptr;   // while true the run waits (stop still works)
    // The run entered (true) or left (false) the pause, after `steps_done` steps: no step happens in between.
    std::function<void(int steps_done, bool paused)> on_pause;
    // ROME / MEMIT runs (no steps): their stages' progress (core/edit/edit_run.h; session::Session::run).
    std::function<void(const edit::EditProgress&)> on_edit_progress;
};

class Trainer {
public:
    // model: edited in place (a stopped or diverged run leaves the weights of the last good step). With LoRA
    // (config.lora) its weights stay as they are and the trained adapters are left attached to it, for the caller
    // to write or merge (core/model/lora.h).
    // retain_pool: broad "unchanged" text for the KL term (facts or documents the model knows); when empty,
    // the trainer samples text from θ0 itself.
    // group: data parallel (core/distributed/process_group.h). Every rank runs the same Trainer on the same model,
    // facts and config: each step's batch is the same on every rank, each rank runs the forward and backward of its
    // share of the rows (and holds θ0's cache for those), the gradients are summed before the one AdamW step every
    // rank applies, and the checks are split among the ranks and summed, so all stop at the same step with the same
    // weights. nullptr: the single process. (The pause is not shared: a paused rank holds up the others until their
    // collective timeout.)
    Trainer(LoadedModel& model, const facts::FactSet& set, const SurgeryConfig& config,
            const facts::FactSet& retain_pool = {}, dist::Group* group = nullptr);
    ~Trainer();
    // What the run will allocate (core/surgery/memory_plan.h). run() refuses with these numbers, before anything is
    // allocated, when it does not fit in the available memory.
    const MemoryPlan& memory_plan() const;
    SurgeryOutcome run(const RunCallbacks& cb);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace llms::surgery
