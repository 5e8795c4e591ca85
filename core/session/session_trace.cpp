// Causal tracing through the session (core/edit/causal_trace.h): the facts of a set traced on the original
// weights, and the layers ROME or MEMIT would edit chosen from the trace, as a run with layers "auto" does.
#include "core/chat/chat_prompts.h"
#include "core/edit/edit_run.h"
#include "core/session/session_impl.h"

namespace llms::session {

edit::TraceSummary Session::trace(const facts::FactSet& set, const surgery::SurgeryConfig& config,
                                  const std::atomic<bool>* stop,
                                  const std::function<void(const edit::EditProgress&)>& on_progress) {
    auto& I = *impl_;
    auto& m = I.model();
    const facts::FactSet facts = config.chat_prompts ? chat::wrap_fact_prompts(set, require_chat(m)) : set;
    surgery::SurgeryConfig c = config;
    if (!surgery::is_closed_form(c.method)) c.method = surgery::Method::Rome;   // one layer: ROME's choice
    c.edit.layers = "auto";                                                       // trace, whatever the settings say
    edit::TraceSummary summary;
    I.with_weights(0, [&] { edit::resolve_layers(m, facts, c, {stop, on_progress}, &summary); });
    return summary;
}

}  // namespace llms::session
