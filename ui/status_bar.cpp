#include "ui/status_bar.h"

#include "ui/latency_probe.h"
#include "ui/model_panel.h"
#include "ui/session_controller.h"

#include <QFile>
#include <QFrame>
#include <QLabel>
#include <QProgressBar>

#include <unistd.h>

namespace llms::ui {

qint64 StatusBar::processRssBytes() {
    QFile f("/proc/self/statm");
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const auto parts = f.readAll().split(' ');
    if (parts.size() < 2) return 0;
    return parts[1].toLongLong() * (qint64)sysconf(_SC_PAGESIZE);
}

StatusBar::StatusBar(SessionController* controller, LatencyProbe* latency, QWidget* parent)
    : QStatusBar(parent), controller_(controller), latency_(latency) {
    task_ = new QLabel(this);
    busy_ = new QProgressBar(this);
    busy_->setRange(0, 0);   // indeterminate while the worker is busy
    busy_->setMaximumWidth(90);
    busy_->setMaximumHeight(14);
    busy_->setTextVisible(false);
    busy_->setVisible(false);
    device_ = new QLabel(this);
    memory_ = new QLabel(this);
    weights_ = new QLabel(this);
    latencyLabel_ = new QLabel(this);
    latencyLabel_->setToolTip(tr("How late the window serves a 10 ms timer while the model works (lower is smoother)"));
    addPermanentWidget(busy_);
    bool first = true;
    for (QLabel* l : {task_, weights_, device_, memory_, latencyLabel_}) {
        if (!first) {
            auto* sep = new QFrame(this);
            sep->setFrameShape(QFrame::VLine);
            sep->setFrameShadow(QFrame::Sunken);
            addPermanentWidget(sep);
        }
        first = false;
        l->setContentsMargins(4, 0, 4, 0);
        addPermanentWidget(l);
    }

    connect(controller_, &SessionController::taskStarted, this, &StatusBar::refresh);
    connect(controller_, &SessionController::busyChanged, this, &StatusBar::refresh);
    connect(controller_, &SessionController::modelOpened, this, &StatusBar::refresh);
    connect(controller_, &SessionController::activeRunChanged, this, &StatusBar::refresh);
    connect(controller_, &SessionController::phase, this, [this](const QString& p) { task_->setText(p); });
    connect(controller_, &SessionController::failed, this,
            [this](Task, const QString& what, const QString& msg) { showMessage(tr("%1 failed: %2").arg(what, msg), 15000); });
    timer_.setInterval(1000);
    connect(&timer_, &QTimer::timeout, this, &StatusBar::refresh);
    timer_.start();
    refresh();
}

void StatusBar::refresh() {
    const bool busy = controller_->busy();
    busy_->setVisible(busy);
    task_->setText(busy ? controller_->currentTask() + QStringLiteral("…") : tr("Ready"));
    if (const auto& c = controller_->card()) {
        device_->setText(tr("Device: %1 (%2)").arg(QString::fromStdString(c->device), QString::fromStdString(c->dtype)));
        weights_->setText(controller_->activeRun() == 0 ? tr("Weights: original") : tr("Weights: run %1").arg(controller_->activeRun()));
    } else {
        device_->setText(tr("No model"));
        weights_->clear();
    }
    const auto& m = controller_->memory();
    memory_->setText(tr("Memory: process %1 · model %2").arg(humanBytes(processRssBytes()), humanBytes(m.model_bytes)));
    if (latency_ && latency_->samples() > 0)
        latencyLabel_->setText(tr("UI latency: max %1 ms").arg(latency_->maxMs(), 0, 'f', 0));
    else
        latencyLabel_->clear();
}

}  // namespace llms::ui
