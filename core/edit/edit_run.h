// A closed-form edit run (ROME or MEMIT) on a fact set: the entry point the CLI's `surgery --method rome|memit` and
// the session call instead of the surgery trainer, with the same outcome type, so the same report follows.
//   update facts -> their new answer; forget facts -> the settings' forget target (e.g. " unknown"); retain facts and
//   documents untouched (documents are not editable this way and are skipped, said in the outcome's message).
// Stages: causal trace (layers "auto"), key covariance per edited layer (cached), target vectors, weight update.
#pragma once
#include "core/edit/edit_request.h"
#include "core/edit/edit_types.h"
#include "core/facts/fact_set.h"
#include "core/surgery/surgery_config.h"
#include "core/tokenizer/tokenizer.h"

#include <atomic>
#include <functional>

namespace llms::edit {

struct EditCallbacks {
    const std::atomic<bool>* stop = nullptr;   // checked between facts, texts and layers
    std::function<void(const EditProgress&)> on_progress;
};

// The requests of a fact set (in its order: forget, then update as they come). Subjects: subject_of_fact; llms::Error
// when a prompt's tokens do not hold its subject (subject_span). Each request's `keep`: the prompts of the set's
// retain facts and the retain pool's facts with the same subject whose tokens hold it, at most s.keep_prompts (none
// of them is a collateral fact: the report draws those outside the pool); then the subject put in the first prompt of
// each other relation (a retain fact's first tag, not the edited fact's) of the set and pool, at most
// s.keep_relations. `starts` (s.start_keys): the subject's spellings that open a text and whose tokens hold it.
std::vector<EditRequest> edit_requests(const facts::FactSet& set, const facts::FactSet& retain_pool, const EditSettings& s,
                                       const Tokenizer& tok);

// The covariance sample: the retain pool's facts (prompt + answer, and each paraphrase + answer) and documents,
// then, when they hold fewer than max_tokens tokens, text sampled from the model (seeded) up to it.
std::vector<std::vector<int32_t>> covariance_texts(LoadedModel& m, const facts::FactSet& retain_pool, int64_t max_tokens,
                                                   uint64_t seed);

// The layers a run edits: parsed from settings.layers, or (auto) chosen by tracing the set's facts (trace filled).
std::vector<int> resolve_layers(LoadedModel& m, const facts::FactSet& set, const surgery::SurgeryConfig& cfg,
                                const EditCallbacks& cb, TraceSummary* trace);

// The whole run; the model is edited in place. cfg.method must be Rome or Memit. record (optional) gets the layers,
// the trace, the covariance's origin and each fact's target NLL.
surgery::SurgeryOutcome run_edit(LoadedModel& m, const facts::FactSet& set, const surgery::SurgeryConfig& cfg,
                                 const facts::FactSet& retain_pool, const EditCallbacks& cb, EditRecord* record = nullptr);

}  // namespace llms::edit
