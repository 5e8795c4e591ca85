// The GUI side of the worker thread: panels call these methods (they return at once), the worker does the
// model work on its QThread and the results come back as this object's signals, in the GUI thread.
// Tracks whether the worker is busy, what the live weights are and the run history.
#pragma once
#include "core/facts/fact_set.h"
#include "core/session/session_types.h"
#include "core/surgery/surgery_config.h"
#include "ui/metatypes.h"
#include "ui/session_worker.h"

#include <QObject>
#include <QThread>

#include <memory>
#include <optional>

namespace llms::ui {

class SessionController : public QObject {
    Q_OBJECT
public:
    explicit SessionController(QObject* parent = nullptr);
    ~SessionController() override;   // stops a run, then quit-wait-deletes the thread

    // Requests (queued to the worker, served in order).
    void openModel(const QString& dir, const session::OpenOptions& opt = {});
    void ask(const QStringList& prompts);
    void probe(const QString& prompt, const session::SampleOptions& opt, const facts::FactSet& facts);
    void probeFacts(const facts::FactSet& set, bool chat);
    void startSurgery(const facts::FactSet& set, const surgery::SurgeryConfig& config, bool fromOriginal = true);
    void pause(bool paused);         // immediate (an atomic the trainer checks every step)
    void stop();                     // immediate: the run ends after its current step
    void revertToOriginal();
    void useRun(int id);
    void addHistory(const std::vector<session::RunRecord>& runs);
    void exportModel(const QString& dir, int runId, const session::ExportOptions& opt);
    void prepareDemoModel();         // demoModelReady(dir) when built (or found); stop() cancels a build
    bool buildingDemo() const { return buildingDemo_; }
    void audit(int runId, const eval::AuditOptions& opt);   // audited() when done; stop() cancels it
    bool auditing() const { return auditing_; }
    // Causal tracing of the set's facts on the original weights: traced() when done; stop() ends it early.
    void trace(const facts::FactSet& set, const surgery::SurgeryConfig& config);
    bool tracing() const { return tracing_; }

    // State as last reported by the worker.
    bool busy() const { return pending_ > 0; }
    bool running() const { return running_; }
    bool paused() const { return flags_->pause; }
    bool hasModel() const { return card_.has_value(); }
    const std::optional<session::ModelCard>& card() const { return card_; }
    const session::MemoryUse& memory() const { return memory_; }
    int activeRun() const { return active_; }
    const std::vector<session::RunRecord>& history() const { return history_; }
    const session::RunRecord* run(int id) const;   // nullptr when unknown
    QString currentTask() const { return task_; }

    static constexpr int kWorkerNice = 5;   // the worker's nice value above the GUI thread's

Q_SIGNALS:
    void busyChanged(bool busy);
    void runningChanged(bool running);
    void pausedChanged(bool paused);
    void taskStarted(const QString& what);
    void failed(llms::ui::Task task, const QString& what, const QString& message);
    void progress(const QString& what, double fraction);
    void modelOpened(const llms::session::ModelCard& card);
    void memoryChanged(const llms::session::MemoryUse& use);
    void answered(const QStringList& prompts, const QStringList& answers);
    void probed(const llms::session::ProbeResult& result);
    void factsProbed(const std::vector<llms::session::FactProbe>& probes);
    void phase(const QString& text);
    void steps(const std::vector<llms::surgery::StepMetrics>& batch);
    void evalPoint(const llms::surgery::EvalPoint& point);
    void runPaused(int stepsDone, bool paused);   // the run holds after stepsDone steps (true), or goes on (false)
    void runStarted(const llms::surgery::SurgeryConfig& config);
    void runFinished(const llms::session::RunRecord& run);
    void activeRunChanged(int id);
    void historyChanged();
    void exported(const QString& dir);
    void demoModelReady(const QString& dir);
    void auditStage(const QString& stage, int done, int total);
    void audited(int runId, const llms::eval::AuditReport& report);
    void traceProgress(int done, int total, double seconds);
    void traced(const llms::edit::TraceSummary& summary);

private:
    template <class F> void post(F&& call);

    struct ThreadDeleter {
        void operator()(QThread* t) const {
            t->quit();
            t->wait();
            delete t;
        }
    };

    std::shared_ptr<RunFlags> flags_ = std::make_shared<RunFlags>();
    std::unique_ptr<SessionWorker> worker_;                  // deleted after the thread has stopped
    std::unique_ptr<QThread, ThreadDeleter> thread_;
    int pending_ = 0;
    bool running_ = false;
    bool buildingDemo_ = false;
    bool auditing_ = false;
    bool tracing_ = false;
    QString task_;
    std::optional<session::ModelCard> card_;
    session::MemoryUse memory_;
    int active_ = 0;
    std::vector<session::RunRecord> history_;
};

}  // namespace llms::ui
