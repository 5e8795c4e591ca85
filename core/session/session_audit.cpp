// The forgetting audit of a run through the session: its facts as it trained them, the original's answers, then
// the attacks on the run's weights.
#include "core/chat/chat_prompts.h"
#include "core/common/error.h"
#include "core/eval/audit.h"
#include "core/session/session_impl.h"

namespace llms::session {

eval::AuditReport Session::audit(int run_id, const eval::AuditOptions& options, const eval::AuditCallbacks& callbacks) {
    auto& I = *impl_;
    auto& m = I.model();
    (void)I.tok();
    RunRecord* rec = nullptr;
    for (auto& r : I.history)
        if (r.id == run_id) rec = &r;
    if (!rec) throw Error("there is no run " + std::to_string(run_id) + " to audit; run a surgery first");
    (void)I.weights_of(run_id);   // Error now, before the original is measured, when they were dropped
    const facts::FactSet set = rec->config.chat_prompts ? chat::wrap_fact_prompts(rec->facts, require_chat(m)) : rec->facts;

    eval::AuditReport report;
    report.original = I.card.dir;
    report.edited = "run " + std::to_string(run_id);
    if (callbacks.on_stage) callbacks.on_stage("measuring the original model", 0, 1);
    I.with_weights(0, [&] { eval::audit_original(m, set, report); });
    report = I.with_weights(run_id, [&] { return eval::run_audit(m, set, options, callbacks, report); });
    if (rec->report) rec->report->audit = report;
    return report;
}

}  // namespace llms::session
