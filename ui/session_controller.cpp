#include "ui/session_controller.h"

#include <QDir>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace llms::ui {

namespace {

// Linux: threads are tasks in /proc/self/task; the main thread's id is the process id.
void lowerPriorityOfOtherThreads(int by) {
    QDir tasks("/proc/self/task");
    for (const QString& t : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool ok = false;
        const pid_t tid = t.toInt(&ok);
        if (!ok || tid == getpid()) continue;
        errno = 0;
        const int nice = getpriority(PRIO_PROCESS, tid);
        if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(19, nice + by));
    }
}

}  // namespace

SessionController::SessionController(QObject* parent) : QObject(parent) {
    registerMetaTypes();
    worker_ = std::make_unique<SessionWorker>(flags_);
    thread_.reset(new QThread);
    thread_->setObjectName("llms-session-worker");
    worker_->moveToThread(thread_.get());

    auto* w = worker_.get();
    // Worker -> GUI: queued (the receiver lives in the GUI thread); arguments are copied.
    connect(w, &SessionWorker::taskStarted, this, [this](const QString& what) {
        task_ = what;
        Q_EMIT taskStarted(what);
    });
    connect(w, &SessionWorker::taskDone, this, [this] {
        if (--pending_ == 0) {
            task_.clear();
            Q_EMIT busyChanged(false);
        }
    });
    connect(w, &SessionWorker::failed, this, [this](Task task, const QString& what, const QString& msg) {
        if (task == Task::DemoModel) buildingDemo_ = false;
        if (task == Task::Audit) auditing_ = false;
        if (task == Task::Trace) tracing_ = false;
        if (task == Task::Surgery && running_) {
            running_ = false;
            Q_EMIT runningChanged(false);
        }
        Q_EMIT failed(task, what, msg);
    });
    connect(w, &SessionWorker::progress, this, &SessionController::progress);
    connect(w, &SessionWorker::modelOpened, this, [this](const session::ModelCard& c) {
        card_ = c;
        Q_EMIT modelOpened(c);
    });
    connect(w, &SessionWorker::memoryChanged, this, [this](const session::MemoryUse& m) {
        memory_ = m;
        Q_EMIT memoryChanged(m);
    });
    connect(w, &SessionWorker::answered, this, &SessionController::answered);
    connect(w, &SessionWorker::probed, this, &SessionController::probed);
    connect(w, &SessionWorker::factsProbed, this, &SessionController::factsProbed);
    connect(w, &SessionWorker::phase, this, &SessionController::phase);
    connect(w, &SessionWorker::auditStage, this, &SessionController::auditStage);
    connect(w, &SessionWorker::audited, this, [this](int runId, const eval::AuditReport& r) {
        auditing_ = false;
        Q_EMIT audited(runId, r);
    });
    connect(w, &SessionWorker::traceProgress, this, &SessionController::traceProgress);
    connect(w, &SessionWorker::traced, this, [this](const edit::TraceSummary& s) {
        tracing_ = false;
        Q_EMIT traced(s);
    });
    connect(w, &SessionWorker::steps, this, &SessionController::steps);
    connect(w, &SessionWorker::evalPoint, this, &SessionController::evalPoint);
    connect(w, &SessionWorker::runPaused, this, &SessionController::runPaused);
    connect(w, &SessionWorker::runFinished, this, [this](const session::RunRecord& r) {
        running_ = false;
        Q_EMIT runningChanged(false);
        if (flags_->pause.exchange(false)) Q_EMIT pausedChanged(false);
        Q_EMIT runFinished(r);
    });
    connect(w, &SessionWorker::activeRunChanged, this, [this](int id) {
        active_ = id;
        Q_EMIT activeRunChanged(id);
    });
    connect(w, &SessionWorker::historyChanged, this, [this](const std::vector<session::RunRecord>& runs) {
        history_ = runs;
        Q_EMIT historyChanged();
    });
    // The model work yields to the window: every thread but the GUI (main) thread runs at a lower priority:
    // the worker, the OpenMP threads it creates later (they inherit its nice value) and the BLAS threads that
    // exist since start-up (OpenBLAS spins with sched_yield between calls: at the GUI's priority they starved
    // it, 569 ms event-loop stalls measured on a busy machine).
    connect(thread_.get(), &QThread::started, w, [] { lowerPriorityOfOtherThreads(kWorkerNice); });
    connect(w, &SessionWorker::exported, this, &SessionController::exported);
    connect(w, &SessionWorker::demoModelReady, this, [this](const QString& dir) {
        buildingDemo_ = false;
        Q_EMIT demoModelReady(dir);
    });
    thread_->start();
}

SessionController::~SessionController() {
    flags_->quitting = true;  // skip a run's final measurement
    flags_->stop = true;      // a running surgery ends after its current step
    flags_->pause = false;
    thread_.reset();          // quit, wait, delete (queued requests are dropped)
    worker_.reset();          // its thread has finished
}

template <class F>
void SessionController::post(F&& call) {
    if (pending_++ == 0) Q_EMIT busyChanged(true);
    QMetaObject::invokeMethod(worker_.get(), std::forward<F>(call), Qt::QueuedConnection);
}

void SessionController::openModel(const QString& dir, const session::OpenOptions& opt) {
    post([w = worker_.get(), dir, opt] { w->openModel(dir, opt); });
}

void SessionController::ask(const QStringList& prompts) {
    post([w = worker_.get(), prompts] { w->ask(prompts); });
}

void SessionController::probe(const QString& prompt, const session::SampleOptions& opt, const facts::FactSet& facts) {
    post([w = worker_.get(), prompt, opt, facts] { w->probe(prompt, opt, facts); });
}

void SessionController::probeFacts(const facts::FactSet& set, bool chat) {
    post([w = worker_.get(), set, chat] { w->probeFacts(set, chat); });
}

void SessionController::startSurgery(const facts::FactSet& set, const surgery::SurgeryConfig& config, bool fromOriginal) {
    flags_->stop = false;
    flags_->pause = false;
    running_ = true;
    Q_EMIT runningChanged(true);
    Q_EMIT runStarted(config);
    post([w = worker_.get(), set, config, fromOriginal] { w->runSurgery(set, config, fromOriginal); });
}

void SessionController::pause(bool paused) {
    if (!running_ || flags_->pause == paused) return;
    flags_->pause = paused;
    Q_EMIT pausedChanged(paused);
}

void SessionController::stop() {
    if (buildingDemo_ || auditing_ || tracing_) flags_->stop = true;
    if (!running_) return;
    flags_->stop = true;
    if (flags_->pause.exchange(false)) Q_EMIT pausedChanged(false);
}

void SessionController::revertToOriginal() {
    post([w = worker_.get()] { w->revertToOriginal(); });
}

void SessionController::useRun(int id) {
    post([w = worker_.get(), id] { w->useRun(id); });
}

void SessionController::addHistory(const std::vector<session::RunRecord>& runs) {
    post([w = worker_.get(), runs] { w->addHistory(runs); });
}

void SessionController::exportModel(const QString& dir, int runId, const session::ExportOptions& opt) {
    post([w = worker_.get(), dir, runId, opt] { w->exportModel(dir, runId, opt); });
}

void SessionController::prepareDemoModel() {
    flags_->stop = false;
    buildingDemo_ = true;
    post([w = worker_.get()] { w->prepareDemoModel(); });
}

void SessionController::audit(int runId, const eval::AuditOptions& opt) {
    flags_->stop = false;
    auditing_ = true;
    post([w = worker_.get(), runId, opt] { w->runAudit(runId, opt); });
}

void SessionController::trace(const facts::FactSet& set, const surgery::SurgeryConfig& config) {
    flags_->stop = false;
    tracing_ = true;
    post([w = worker_.get(), set, config] { w->runTrace(set, config); });
}

const session::RunRecord* SessionController::run(int id) const {
    for (const auto& r : history_)
        if (r.id == id) return &r;
    return nullptr;
}

}  // namespace llms::ui
