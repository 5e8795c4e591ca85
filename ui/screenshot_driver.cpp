#include "ui/screenshot_driver.h"

#include "ui/audit_panel.h"
#include "ui/facts_panel.h"
#include "ui/fact_table_model.h"
#include "ui/latency_probe.h"
#include "ui/main_window.h"
#include "ui/model_panel.h"
#include "ui/probe_panel.h"
#include "ui/results_panel.h"
#include "ui/session_controller.h"
#include "ui/trace_panel.h"
#include "ui/surgery_panel.h"
#include "ui/surgery_settings_form.h"

#include <QApplication>
#include <QFileInfo>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>

namespace llms::ui {

ScreenshotDriver::ScreenshotDriver(MainWindow* window, ScreenshotPlan plan, QObject* parent)
    : QObject(parent), w_(window), plan_(std::move(plan)) {}

void ScreenshotDriver::fail(const QString& why) {
    std::fprintf(stderr, "screenshot: %s\n", why.toUtf8().constData());
    Q_EMIT done(1);
}

void ScreenshotDriver::start() {
    auto* c = w_->controller();
    connect(c, &SessionController::failed, this, [this](Task, const QString& what, const QString& msg) { fail(what + ": " + msg); });
    w_->resize(plan_.width, plan_.height);
    w_->show();
    // Each stage ends when the worker has nothing left to do.
    connect(c, &SessionController::busyChanged, this, [this](bool busy) {
        if (busy) return;
        QTimer::singleShot(0, this, [this] {
            if (stage_ == 1) afterModel();
            else if (stage_ == 2) afterSurgery();
            else if (stage_ == 3) capture();
        });
    });
    stage_ = 1;
    if (plan_.modelDir.isEmpty()) {
        std::printf("screenshot: opening the demo model (building it first when needed)\n");
        connect(c, &SessionController::phase, this, [](const QString& p) { std::printf("  %s\n", p.toUtf8().constData()); });
        w_->modelPanel()->useDemoModel();
    } else {
        std::printf("screenshot: opening %s\n", plan_.modelDir.toUtf8().constData());
        w_->modelPanel()->open(plan_.modelDir);
    }
}

void ScreenshotDriver::afterModel() {
    if (!w_->controller()->hasModel()) return fail("the model did not open");
    if (plan_.factsFile.isEmpty() && !plan_.surgery) {
        stage_ = 3;
        capture();
        return;
    }
    if (!plan_.factsFile.isEmpty() && !w_->factsPanel()->importFile(plan_.factsFile, /*replace=*/true))
        return fail("cannot import " + plan_.factsFile);
    auto* form = w_->surgeryPanel()->form();
    form->applyPreset(plan_.preset);
    auto cfg = form->config();
    if (plan_.steps > 0) cfg.steps = plan_.steps;
    // LoRA as the plan says, not as a previous screenshot left it in the (shared) screenshot settings file.
    cfg.lora = plan_.lora.toStdString();
    if (!plan_.lora.isEmpty()) form->setAdvancedVisible(true);
    if (!plan_.method.isEmpty() && !surgery::method_from_name(plan_.method.toStdString(), &cfg.method))
        return fail("unknown method " + plan_.method);
    form->setConfig(cfg);
    stage_ = 2;
    w_->factsPanel()->askAction()->trigger();   // fills "Model says" (runs before the surgery: the worker is serial)
    w_->showTab(MainWindow::SurgeryTab);
    std::printf("screenshot: surgery on %d facts\n", w_->factsPanel()->model()->rowCount());
    if (!w_->surgeryPanel()->start()) return fail("the surgery did not start: " + w_->surgeryPanel()->whyNotReady());
}

void ScreenshotDriver::afterSurgery() {
    if (w_->controller()->running()) return;
    if (!plan_.compare.isEmpty() && !compared_) {   // the second run, from the original weights like the first
        compared_ = true;
        auto* form = w_->surgeryPanel()->form();
        auto cfg = form->config();
        if (!surgery::method_from_name(plan_.compare.toStdString(), &cfg.method)) return fail("unknown method " + plan_.compare);
        form->setConfig(cfg);
        std::printf("screenshot: a second run with %s\n", plan_.compare.toUtf8().constData());
        if (!w_->surgeryPanel()->start()) return fail("the second run did not start: " + w_->surgeryPanel()->whyNotReady());
        return;
    }
    if (!plan_.compare.isEmpty()) w_->resultsPanel()->showSideBySide(true);
    std::printf("screenshot: GUI event-loop latency during the surgery: %s\n",
                w_->latency()->summary().toUtf8().constData());
    stage_ = 3;
    auto* probe = w_->probePanel();
    QString prompt = plan_.probePrompt;
    for (const auto& f : w_->factsPanel()->facts().facts)
        if (prompt.isEmpty() && f.kind == facts::Kind::Forget && !f.is_document()) prompt = QString::fromStdString(f.prompt);
    probe->probeAllFacts();
    if (!prompt.isEmpty()) {
        probe->setPrompt(prompt);
        probe->probe();
    }
    w_->factsPanel()->askAction()->trigger();   // "Model says" now shows the edited model
    if (plan_.audit) {
        std::printf("screenshot: auditing the run\n");
        w_->auditPanel()->startAudit();          // queued behind the probes: the worker is serial
    }
    if (plan_.trace) {
        std::printf("screenshot: causal tracing the facts\n");
        w_->tracePanel()->startTrace();
    }
}

void ScreenshotDriver::capture() {
    stage_ = 4;
    QList<MainWindow::Tab> tabs;
    if (plan_.tab == "all") {
        for (int t = 0; t < MainWindow::TabCount; ++t) tabs << (MainWindow::Tab)t;
    } else {
        MainWindow::Tab t = plan_.factsFile.isEmpty() && !plan_.surgery ? MainWindow::ModelTab
                            : plan_.audit                                ? MainWindow::AuditTab
                            : plan_.trace                                ? MainWindow::TraceTab
                            : !plan_.compare.isEmpty()                   ? MainWindow::ResultsTab
                                                                         : MainWindow::SurgeryTab;
        for (int i = 0; i < MainWindow::TabCount; ++i)
            if (MainWindow::tabKey((MainWindow::Tab)i) == plan_.tab) t = (MainWindow::Tab)i;
        tabs << t;
    }
    // Let queued replots and layouts settle before grabbing.
    QTimer::singleShot(300, this, [this, tabs] {
        const QFileInfo out(plan_.output);
        for (auto t : tabs) {
            w_->showTab(t);
            for (int i = 0; i < 5; ++i) QApplication::processEvents();
            const QString path = tabs.size() == 1 ? plan_.output
                                                  : out.path() + "/" + out.completeBaseName() + "-" + MainWindow::tabKey(t) + "." +
                                                        (out.suffix().isEmpty() ? QString("png") : out.suffix());
            if (!w_->grab().save(path)) return fail("cannot write " + path);
            std::printf("screenshot: wrote %s\n", path.toUtf8().constData());
        }
        Q_EMIT done(0);
    });
}

}  // namespace llms::ui
