// The worker: owns the Session (every model call) on its own QThread. Requests arrive as queued calls
// from SessionController; results leave by value in queued signals. Never touches widgets.
#pragma once
#include "core/eval/audit.h"
#include "core/facts/fact_set.h"
#include "core/session/session_types.h"
#include "core/surgery/surgery_config.h"
#include "ui/metatypes.h"
#include "ui/task.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>

namespace llms::session {
class Session;
}

namespace llms::ui {

// Flags the GUI thread sets and the trainer reads every step.
struct RunFlags {
    std::atomic<bool> stop{false};
    std::atomic<bool> pause{false};
    std::atomic<bool> quitting{false};   // the app is closing: skip what is left of a run (its final measurement)
};

class SessionWorker : public QObject {
    Q_OBJECT
public:
    explicit SessionWorker(std::shared_ptr<RunFlags> flags);
    ~SessionWorker() override;

    // Each runs on the worker thread (called through QMetaObject::invokeMethod, queued) and ends with
    // taskDone(), after its result signal or failed().
    void openModel(const QString& dir, const session::OpenOptions& opt);
    void ask(const QStringList& prompts);
    void probe(const QString& prompt, const session::SampleOptions& opt, const facts::FactSet& facts);
    void probeFacts(const facts::FactSet& set, bool chat);
    void runSurgery(const facts::FactSet& set, const surgery::SurgeryConfig& config, bool fromOriginal);
    void revertToOriginal();
    void useRun(int id);
    void addHistory(const std::vector<session::RunRecord>& runs);
    void exportModel(const QString& dir, int runId, const session::ExportOptions& opt);
    // The forgetting audit of run `runId` (core/eval/audit.h); RunFlags::stop ends it.
    void runAudit(int runId, const eval::AuditOptions& opt);
    // Causal tracing of the set's facts on the original weights (core/edit/causal_trace.h); RunFlags::stop ends it.
    void runTrace(const facts::FactSet& set, const surgery::SurgeryConfig& config);
    // The demo model: ready at once when built before, else built (corpus + pretraining, minutes) with progress.
    void prepareDemoModel();

    static constexpr int kStepBatchMs = 30;   // steps are sent in batches at most this often

Q_SIGNALS:
    void taskStarted(const QString& what);
    void taskDone();
    void failed(llms::ui::Task task, const QString& what, const QString& message);
    void progress(const QString& what, double fraction);   // fraction < 0: indeterminate

    void modelOpened(const llms::session::ModelCard& card);
    void memoryChanged(const llms::session::MemoryUse& use);
    void answered(const QStringList& prompts, const QStringList& answers);
    void probed(const llms::session::ProbeResult& result);
    void factsProbed(const std::vector<llms::session::FactProbe>& probes);
    void phase(const QString& text);
    void steps(const std::vector<llms::surgery::StepMetrics>& batch);
    void evalPoint(const llms::surgery::EvalPoint& point);
    void runPaused(int stepsDone, bool paused);   // the run really holds (true) after stepsDone steps, or goes on
    void runFinished(const llms::session::RunRecord& run);
    void activeRunChanged(int id);
    void historyChanged(const std::vector<llms::session::RunRecord>& runs);
    void exported(const QString& dir);
    void demoModelReady(const QString& dir);
    void auditStage(const QString& stage, int done, int total);
    void audited(int runId, const llms::eval::AuditReport& report);
    void traceProgress(int done, int total, double seconds);
    void traced(const llms::edit::TraceSummary& summary);

private:
    template <class F> void task(Task kind, const QString& what, F&& body);

    std::unique_ptr<session::Session> session_;
    std::shared_ptr<RunFlags> flags_;
};

}  // namespace llms::ui
