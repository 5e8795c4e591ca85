#include "ui/session_worker.h"

#include "core/common/error.h"
#include "core/pretrain/demo_model.h"
#include "core/session/session.h"
#include "ui/eta_text.h"

#include <QElapsedTimer>

#include <cmath>
#include <exception>

namespace llms::ui {

SessionWorker::SessionWorker(std::shared_ptr<RunFlags> flags)
    : session_(std::make_unique<session::Session>()), flags_(std::move(flags)) {}

SessionWorker::~SessionWorker() = default;

// Every request: announce, run, report the error as a user-facing message, always end with taskDone().
template <class F>
void SessionWorker::task(Task kind, const QString& what, F&& body) {
    Q_EMIT taskStarted(what);
    try {
        body();
    } catch (const Error& e) {
        Q_EMIT failed(kind, what, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        // A library's message (LibTorch appends a C++ backtrace after the first line): its first line only.
        const QString text = QString::fromStdString(e.what());
        Q_EMIT failed(kind, what, tr("Unexpected error: %1").arg(text.section(QLatin1Char('\n'), 0, 0)));
    }
    Q_EMIT taskDone();
}

void SessionWorker::openModel(const QString& dir, const session::OpenOptions& opt) {
    task(Task::OpenModel, tr("Loading %1").arg(dir), [&] {
        const QString what = tr("Loading model");
        Q_EMIT progress(what, 0.0);
        auto card = session_->open(dir.toStdString(), opt, [&](double f) { Q_EMIT progress(what, f); });
        Q_EMIT progress(what, 1.0);
        Q_EMIT modelOpened(card);
        Q_EMIT memoryChanged(session_->memory());
        Q_EMIT activeRunChanged(0);
        Q_EMIT historyChanged(session_->history());
    });
}

void SessionWorker::ask(const QStringList& prompts) {
    task(Task::Ask, tr("Asking the model"), [&] {
        std::vector<std::string> ps;
        for (const auto& p : prompts) ps.push_back(p.toStdString());
        const auto answers = session_->ask(ps);
        QStringList out;
        for (const auto& a : answers) out << QString::fromStdString(a);
        Q_EMIT answered(prompts, out);
    });
}

void SessionWorker::probe(const QString& prompt, const session::SampleOptions& opt, const facts::FactSet& facts) {
    task(Task::Probe, tr("Probing"), [&] { Q_EMIT probed(session_->probe(prompt.toStdString(), opt, facts)); });
}

void SessionWorker::probeFacts(const facts::FactSet& set, bool chat) {
    task(Task::ProbeFacts, tr("Probing all facts"), [&] { Q_EMIT factsProbed(session_->probe_facts(set, chat)); });
}

void SessionWorker::runSurgery(const facts::FactSet& set, const surgery::SurgeryConfig& config, bool fromOriginal) {
    task(Task::Surgery, tr("Surgery"), [&] {
        flags_->stop = false;
        // Steps leave in batches (at most every kStepBatchMs): the GUI gets few, larger events.
        std::vector<surgery::StepMetrics> pending;
        QElapsedTimer since;
        since.start();
        auto flush = [&] {
            if (pending.empty()) return;
            Q_EMIT steps(pending);
            pending.clear();
            since.restart();
        };
        surgery::RunCallbacks cb;
        cb.stop = &flags_->stop;
        cb.pause = &flags_->pause;
        cb.on_step = [&](const surgery::StepMetrics& s) {
            pending.push_back(s);
            if (since.elapsed() >= kStepBatchMs) flush();
        };
        cb.on_eval = [&](const surgery::EvalPoint& e) {
            flush();
            Q_EMIT evalPoint(e);
        };
        cb.on_pause = [&](int stepsDone, bool paused) {
            flush();   // every step before the pause arrives before the news of it
            Q_EMIT runPaused(stepsDone, paused);
        };
        QElapsedTimer lastEdit;   // ROME / MEMIT: stages instead of steps, at most ~10 updates a second
        cb.on_edit_progress = [&](const edit::EditProgress& p) {
            if (lastEdit.isValid() && lastEdit.elapsed() < 100 && p.done < p.total) return;
            lastEdit.restart();
            QString line = tr("%1: %2 of %3").arg(QString::fromUtf8(edit::stage_name(p.stage))).arg(p.done).arg(p.total);
            if (!p.detail.empty()) line += " (" + QString::fromStdString(p.detail) + ")";
            if (const QString eta = etaText(p.seconds, (double)p.done, (double)p.total); !eta.isEmpty())
                line += " — " + eta;
            Q_EMIT phase(line);
            Q_EMIT progress(tr("Editing"), p.total > 0 ? (double)p.done / p.total : -1.0);
        };
        try {
            const auto& rec = session_->run(set, config, cb, fromOriginal, [&](const std::string& p) {
                // Closing the app: do not spend minutes measuring a model nobody will see.
                if (flags_->quitting) throw Error("the run was abandoned because the application is closing");
                flush();
                Q_EMIT phase(QString::fromStdString(p));
            });
            flush();
            Q_EMIT runFinished(rec);
        } catch (...) {
            flush();
            flags_->pause = false;
            Q_EMIT activeRunChanged(session_->active_run());
            throw;
        }
        flags_->pause = false;
        Q_EMIT activeRunChanged(session_->active_run());
        Q_EMIT historyChanged(session_->history());
        Q_EMIT memoryChanged(session_->memory());
    });
}

void SessionWorker::revertToOriginal() {
    task(Task::Revert, tr("Reverting to the original weights"), [&] {
        session_->revert_to_original();
        Q_EMIT activeRunChanged(session_->active_run());
    });
}

void SessionWorker::useRun(int id) {
    task(Task::UseRun, tr("Switching to run %1").arg(id), [&] {
        session_->use_run(id);
        Q_EMIT activeRunChanged(session_->active_run());
    });
}

void SessionWorker::addHistory(const std::vector<session::RunRecord>& runs) {
    task(Task::RestoreHistory, tr("Restoring the run history"), [&] {
        session_->add_history(runs);
        Q_EMIT historyChanged(session_->history());
    });
}

void SessionWorker::exportModel(const QString& dir, int runId, const session::ExportOptions& opt) {
    task(Task::Export, tr("Exporting"), [&] {
        const QString what = tr("Exporting model");
        Q_EMIT progress(what, 0.0);
        session_->export_model(dir.toStdString(), runId, opt, [&](double f) { Q_EMIT progress(what, f); });
        Q_EMIT progress(what, 1.0);
        Q_EMIT exported(dir);
    });
}

void SessionWorker::runAudit(int runId, const eval::AuditOptions& opt) {
    task(Task::Audit, tr("Auditing run %1").arg(runId), [&] {
        flags_->stop = false;
        eval::AuditCallbacks cb;
        cb.stop = &flags_->stop;
        cb.on_stage = [&](const std::string& stage, int done, int total) {
            Q_EMIT auditStage(QString::fromStdString(stage), done, total);
        };
        try {
            const auto report = session_->audit(runId, opt, cb);
            flags_->stop = false;
            Q_EMIT audited(runId, report);
        } catch (...) {
            flags_->stop = false;
            throw;
        }
        Q_EMIT historyChanged(session_->history());   // the run's report now carries the audit
    });
}

void SessionWorker::runTrace(const facts::FactSet& set, const surgery::SurgeryConfig& config) {
    task(Task::Trace, tr("Causal tracing"), [&] {
        flags_->stop = false;
        const auto summary = session_->trace(set, config, &flags_->stop, [&](const edit::EditProgress& p) {
            Q_EMIT traceProgress((int)p.done, (int)p.total, p.seconds);
        });
        const bool stopped = flags_->stop;
        flags_->stop = false;
        if (stopped && summary.grids.empty()) throw Error("the causal trace was stopped before its first fact");
        Q_EMIT traced(summary);
    });
}

void SessionWorker::prepareDemoModel() {
    task(Task::DemoModel, tr("Preparing the demo model"), [&] {
        std::string why;
        if (pretrain::demo_model_ready(&why)) {
            Q_EMIT demoModelReady(QString::fromStdString(pretrain::demo_model_dir().string()));
            return;
        }
        flags_->stop = false;
        const QString what = tr("Building the demo model");
        Q_EMIT progress(what, 0.0);
        QElapsedTimer since;
        since.start();
        auto built = pretrain::build_demo_model({}, [&](const pretrain::Progress& p) {
            if (since.elapsed() < 100 && p.fraction < 1.0) return;   // at most ~10 updates a second
            since.restart();
            QString line = QString::fromStdString(p.message);
            if (p.eta_s >= 0) line += tr(" — about %1 min left").arg(std::max(1, (int)std::lround(p.eta_s / 60)));
            Q_EMIT phase(line);
            Q_EMIT progress(what, p.fraction);
        }, &flags_->stop);
        flags_->stop = false;
        if (built.stopped) throw Error("the demo model build was stopped; start it again from the Model tab (it "
                                       "starts over) or open another model folder");
        Q_EMIT progress(what, 1.0);
        Q_EMIT demoModelReady(QString::fromStdString(built.dir.string()));
    });
}

}  // namespace llms::ui
