#include "ui/surgery_panel.h"

#include "ui/error_dialog.h"
#include "ui/facts_panel.h"
#include "ui/session_controller.h"
#include "ui/surgery_settings_form.h"
#include "ui/training_plots.h"

#include <QAction>
#include <QButtonGroup>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStyle>
#include <QVBoxLayout>

#include <cmath>

namespace llms::ui {

namespace {

QString duration(double s) {
    if (!std::isfinite(s) || s < 0) return QStringLiteral("–");
    const int t = (int)std::lround(s);
    return t >= 3600 ? QString("%1:%2:%3").arg(t / 3600).arg(t / 60 % 60, 2, 10, QChar('0')).arg(t % 60, 2, 10, QChar('0'))
                     : QString("%1:%2").arg(t / 60).arg(t % 60, 2, 10, QChar('0'));
}

}  // namespace

SurgeryPanel::SurgeryPanel(SessionController* controller, FactsPanel* facts, QWidget* parent)
    : QWidget(parent), controller_(controller), facts_(facts) {
    form_ = new SurgerySettingsForm(this);
    plots_ = new TrainingPlots(this);

    fromOriginal_ = new QRadioButton(tr("the original model"), this);
    fromActive_ = new QRadioButton(tr("the current edited weights"), this);
    fromOriginal_->setChecked(true);
    fromOriginal_->setToolTip(tr("Every run starts from the weights as loaded: runs are independent and comparable."));
    fromActive_->setToolTip(tr("Continue from the weights now in use (the last run, or the one chosen in History): "
                               "edits accumulate."));
    auto* group = new QButtonGroup(this);
    group->addButton(fromOriginal_);
    group->addButton(fromActive_);
    auto* startFrom = new QHBoxLayout;
    startFrom->addWidget(new QLabel(tr("Start from:"), this));
    startFrom->addWidget(fromOriginal_);
    startFrom->addWidget(fromActive_);
    startFrom->addStretch();

    start_ = new QAction(tr("&Start surgery"), this);
    start_->setShortcut(QKeySequence(Qt::Key_F5));
    start_->setToolTip(tr("Run the surgery on the facts of the Facts tab (F5)"));
    pause_ = new QAction(tr("&Pause"), this);
    pause_->setShortcut(QKeySequence(Qt::Key_F6));
    pause_->setToolTip(tr("Pause or resume the run (F6)"));
    stop_ = new QAction(tr("S&top"), this);
    stop_->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    stop_->setToolTip(tr("End the run after the current step; the weights of that step are kept (Shift+F5)"));

    startButton_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start  (F5)"), this);
    startButton_->setObjectName("startButton");
    startButton_->setStyleSheet("QPushButton:enabled{font-weight:bold; background:#2e7d32; color:white; padding:6px 14px;}");
    pauseButton_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPause), tr("Pause  (F6)"), this);
    stopButton_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop  (Shift+F5)"), this);
    connect(startButton_, &QPushButton::clicked, start_, &QAction::trigger);
    connect(pauseButton_, &QPushButton::clicked, pause_, &QAction::trigger);
    connect(stopButton_, &QPushButton::clicked, stop_, &QAction::trigger);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(startButton_);
    buttons->addWidget(pauseButton_);
    buttons->addWidget(stopButton_);

    progress_ = new QProgressBar(this);
    progress_->setFormat(tr("step %v of at most %m"));
    progress_->setRange(0, 1);
    progress_->setValue(0);
    phase_ = new QLabel(tr("Not started. Check the facts, pick a preset, press Start."), this);
    phase_->setWordWrap(true);
    rate_ = new QLabel(this);
    rate_->setWordWrap(true);
    latest_ = new QLabel(this);
    latest_->setTextFormat(Qt::RichText);
    outcome_ = new QLabel(this);
    outcome_->setWordWrap(true);
    resultsButton_ = new QPushButton(tr("See the results →"), this);
    resultsButton_->setVisible(false);
    connect(resultsButton_, &QPushButton::clicked, this, &SurgeryPanel::showResults);

    auto* settingsBox = new QGroupBox(tr("Settings"), this);
    auto* sl = new QVBoxLayout(settingsBox);
    sl->addWidget(form_);
    sl->addLayout(startFrom);
    auto* runBox = new QGroupBox(tr("Run"), this);
    auto* rl = new QVBoxLayout(runBox);
    rl->addLayout(buttons);
    rl->addWidget(progress_);
    rl->addWidget(phase_);
    rl->addWidget(rate_);
    rl->addWidget(latest_);
    rl->addWidget(outcome_);
    rl->addWidget(resultsButton_);

    auto* left = new QWidget(this);
    auto* ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    ll->addWidget(settingsBox);
    ll->addWidget(runBox);
    ll->addStretch();
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(left);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(430);

    guide_ = new QLabel(this);
    guide_->setWordWrap(true);
    guide_->setAlignment(Qt::AlignLeft | Qt::AlignTop);   // at the top also when the plots are hidden
    showGuide(false);
    auto* right = new QWidget(this);
    auto* rightLay = new QVBoxLayout(right);
    rightLay->setContentsMargins(0, 0, 0, 0);
    rightLay->addWidget(guide_);
    rightLay->addWidget(plots_, 1);
    auto* split = new QSplitter(this);
    split->addWidget(scroll);
    split->addWidget(right);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({470, 860});
    auto* lay = new QHBoxLayout(this);
    lay->addWidget(split);

    connect(start_, &QAction::triggered, this, &SurgeryPanel::start);
    connect(pause_, &QAction::triggered, this, [this] { controller_->pause(!controller_->paused()); });
    connect(stop_, &QAction::triggered, this, [this] {
        controller_->stop();
        phase_->setText(tr("Stopping after the current step…"));
    });
    connect(controller_, &SessionController::steps, this, &SurgeryPanel::onSteps);
    connect(controller_, &SessionController::evalPoint, plots_, &TrainingPlots::addEval);
    connect(controller_, &SessionController::evalPoint, this, [this](const surgery::EvalPoint& e) {
        outcome_->setText(tr("Check at step %1: forget facts still answered %2%, updates given %3%, retain kept %4%")
                              .arg(e.step)
                              .arg(100 * e.forget_acc, 0, 'f', 0)
                              .arg(100 * e.update_acc, 0, 'f', 0)
                              .arg(100 * e.retain_acc, 0, 'f', 0));
    });
    // Phases of a surgery run only: the demo-model build and the audit report theirs on their own tabs.
    connect(controller_, &SessionController::phase, this, [this](const QString& p) {
        if (controller_->running()) phase_->setText(p + QStringLiteral("…"));
    });
    connect(controller_, &SessionController::runFinished, this, &SurgeryPanel::onFinished);
    connect(controller_, &SessionController::failed, this, [this](Task task) {
        if (task != Task::Surgery) return;
        phase_->setText(tr("The run failed (see the message)."));
        if (closedForm_) progress_->setRange(0, 1);   // the busy bar stops
    });
    connect(controller_, &SessionController::runningChanged, this, &SurgeryPanel::updateEnabled);
    connect(controller_, &SessionController::busyChanged, this, &SurgeryPanel::updateEnabled);
    connect(controller_, &SessionController::modelOpened, this, &SurgeryPanel::updateEnabled);
    connect(controller_, &SessionController::activeRunChanged, this, &SurgeryPanel::updateEnabled);
    connect(controller_, &SessionController::pausedChanged, this, [this](bool p) {
        pauseButton_->setText(p ? tr("Resume  (F6)") : tr("Pause  (F6)"));
        pauseButton_->setIcon(style()->standardIcon(p ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
        pause_->setText(p ? tr("&Resume") : tr("&Pause"));
        if (p) phase_->setText(tr("Pausing after the current step…"));
        else if (controller_->running()) phase_->setText(tr("Training…"));
    });
    connect(controller_, &SessionController::runPaused, this, [this](int stepsDone, bool paused) {
        if (paused)
            phase_->setText(tr("Paused after step %1 (the weights stay as they are; Resume continues, Stop ends the run).")
                                .arg(stepsDone));
    });
    updateEnabled();
}

bool SurgeryPanel::fromOriginal() const { return fromOriginal_->isChecked(); }
void SurgeryPanel::setFromOriginal(bool on) { (on ? fromOriginal_ : fromActive_)->setChecked(true); }

QString SurgeryPanel::whyNotReady() const {
    if (!controller_->hasModel()) return tr("Open a model first (Model tab).");
    if (!controller_->card()->has_tokenizer)
        return tr("This model has no usable tokenizer (%1): the surgery works on text facts.")
            .arg(QString::fromStdString(controller_->card()->tokenizer_note));
    if (controller_->running()) return tr("A run is already going.");
    const auto& set = facts_->facts();
    if (const auto problems = set.validate(); !problems.empty())
        return tr("The fact set has %1 problem(s): fix them in the Facts tab (Problems column).").arg(problems.size());
    if (set.count(facts::Kind::Forget) + set.count(facts::Kind::Update) == 0)
        return tr("There is nothing to change: add facts to forget or update in the Facts tab.");
    if (const auto p = form_->problems(); !p.isEmpty()) return tr("Settings: %1").arg(p.join("; "));
    return {};
}

bool SurgeryPanel::start() {
    if (const QString why = whyNotReady(); !why.isEmpty()) {
        showError(this, tr("Starting the surgery"), why);
        return false;
    }
    auto cfg = form_->config();
    cfg.device = controller_->card()->device;
    planned_ = cfg.steps;
    recent_.clear();
    last_ = {};
    plots_->clear(cfg.steps);
    // ROME / MEMIT take no steps: the bar is busy while the phase line counts each stage, then counts the facts.
    closedForm_ = surgery::is_closed_form(cfg.method);
    editable_ = 0;
    for (const auto& f : facts_->facts().facts)
        editable_ += !f.is_document() && f.kind != facts::Kind::Retain;
    showGuide(closedForm_);
    progress_->setFormat(closedForm_ ? tr("%v of %m facts edited") : tr("step %v of at most %m"));
    progress_->setRange(0, closedForm_ ? 0 : cfg.steps);
    progress_->setValue(0);
    outcome_->clear();
    rate_->clear();
    latest_->clear();
    resultsButton_->setVisible(false);
    phase_->setText(tr("Starting…"));
    controller_->startSurgery(facts_->facts(), cfg, fromOriginal());
    const QString method = QString::fromStdString(surgery::method_name(cfg.method));
    if (closedForm_)
        Q_EMIT status(tr("Closed-form edit started: %1 facts to write, method %2").arg(editable_).arg(method));
    else
        Q_EMIT status(tr("Surgery started: %1 facts, method %2, at most %3 steps")
                          .arg(facts_->facts().facts.size())
                          .arg(method)
                          .arg(cfg.steps));
    return true;
}

void SurgeryPanel::showGuide(bool closedForm) {
    plots_->setVisible(!closedForm);
    if (closedForm) {
        guide_->setText(tr("<b>ROME and MEMIT take no training steps:</b> nothing is plotted. The line under the "
                           "progress bar names each stage (causal trace, key covariance, target vectors, weight "
                           "update) with its ETA. When the edit is written, the Results tab compares the edited "
                           "model with the original, and with the other runs side by side; the Causal trace tab "
                           "shows where the model reads the facts."));
        return;
    }
    guide_->setText(tr("<b>Reading the plots:</b> a healthy run pushes the <span style='color:%1'>forget</span> loss up, "
                       "pulls the <span style='color:%2'>new answers</span> loss down and keeps the "
                       "<span style='color:%3'>retain KL</span> near zero; below, the dots show how many facts already "
                       "meet their target.")
                        .arg(TermColors::forget().name(), TermColors::update().name(), TermColors::retain().name()));
}

void SurgeryPanel::onSteps(const std::vector<surgery::StepMetrics>& batch) {
    if (batch.empty()) return;
    plots_->addSteps(batch);
    last_ = batch.back();
    progress_->setValue(last_.step);
    recent_.push_back({last_.seconds, last_.step});
    while (recent_.size() > 2 && recent_.back().first - recent_.front().first > 5.0) recent_.erase(recent_.begin());
    double rate = last_.seconds > 0 ? last_.step / last_.seconds : 0;
    if (recent_.size() >= 2 && recent_.back().first > recent_.front().first)
        rate = (recent_.back().second - recent_.front().second) / (recent_.back().first - recent_.front().first);
    const double eta = rate > 0 ? (planned_ - last_.step) / rate : NAN;
    rate_->setText(tr("%1 steps/s · %2 tokens/s · elapsed %3 · ETA %4 (sooner if the targets are met)")
                       .arg(rate, 0, 'f', 1)
                       .arg(last_.tokens_per_s, 0, 'f', 0)
                       .arg(duration(last_.seconds))
                       .arg(duration(eta)));
    latest_->setText(tr("<table cellspacing=4><tr><td><span style='color:%7'>forget NLL</span> %1</td>"
                        "<td><span style='color:%8'>new NLL</span> %2</td>"
                        "<td><span style='color:%9'>retain KL</span> %3</td></tr>"
                        "<tr><td>objective %4</td><td>grad norm %5</td><td>facts still pushed: %6</td></tr></table>")
                         .arg(last_.loss_forget, 0, 'f', 3)
                         .arg(last_.loss_update, 0, 'f', 3)
                         .arg(last_.loss_retain, 0, 'g', 3)
                         .arg(last_.total, 0, 'f', 3)
                         .arg(last_.grad_norm, 0, 'g', 3)
                         .arg(last_.active_forget)
                         .arg(TermColors::forget().name(), TermColors::update().name(), TermColors::retain().name()));
}

void SurgeryPanel::onFinished(const session::RunRecord& run) {
    if (closedForm_) progress_->setRange(0, std::max(editable_, run.outcome.steps_done));
    progress_->setValue(std::min(progress_->maximum(), run.outcome.steps_done));
    const bool good = run.outcome.end == surgery::SurgeryOutcome::End::TargetsMet ||
                      run.outcome.end == surgery::SurgeryOutcome::End::Completed;
    phase_->setText(tr("Run %1 finished.").arg(run.id));
    if (closedForm_)
        rate_->setText(tr("%1 facts edited in %2").arg(run.outcome.steps_done).arg(duration(run.outcome.seconds)));
    else
        rate_->setText(tr("%1 steps in %2 (%3 steps/s)")
                           .arg(run.outcome.steps_done)
                           .arg(duration(run.outcome.seconds))
                           .arg(run.outcome.seconds > 0 ? run.outcome.steps_done / run.outcome.seconds : 0.0, 0, 'f', 1));
    outcome_->setText(QString("<span style='color:%1'><b>%2</b></span> (%3 s). The edited weights are now in use; "
                              "compare them with the original in Probe and Results.")
                          .arg(good ? "#2e7d32" : "#a1261b")
                          .arg(QString::fromStdString(run.outcome.message).toHtmlEscaped())
                          .arg(run.outcome.seconds, 0, 'f', 1));
    resultsButton_->setVisible(true);
    Q_EMIT status(tr("Run %1: %2").arg(run.id).arg(QString::fromStdString(run.outcome.message)));
}

void SurgeryPanel::updateEnabled() {
    const bool running = controller_->running();
    start_->setEnabled(!running && controller_->hasModel() && !controller_->busy());
    pause_->setEnabled(running);
    stop_->setEnabled(running);
    startButton_->setEnabled(start_->isEnabled());
    pauseButton_->setEnabled(running);
    stopButton_->setEnabled(running);
    form_->setEnabled(!running);
    fromOriginal_->setEnabled(!running);
    fromActive_->setEnabled(!running && controller_->activeRun() != 0);
}

}  // namespace llms::ui
