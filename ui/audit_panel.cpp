#include "ui/audit_panel.h"

#include "ui/app_settings.h"
#include "ui/eta_text.h"
#include "ui/session_controller.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace llms::ui {

namespace {

const QColor kPass(0xc8, 0xe6, 0xc9), kFail(0xf5, 0xb7, 0xb1);

QString pct(double v) { return QString::number(100 * v, 'f', 1) + QLatin1Char('%'); }
QString prob(double v) { return QString::number(v, 'f', 3); }

}  // namespace

AuditPanel::AuditPanel(SessionController* controller, AppSettings* settings, QWidget* parent)
    : QWidget(parent), controller_(controller), settings_(settings) {
    runs_ = new QComboBox(this);
    runs_->setMinimumWidth(380);
    steps_ = new QSpinBox(this);
    steps_->setRange(1, 10000);
    steps_->setValue(eval::AuditOptions{}.relearn_steps);
    steps_->setToolTip(tr("Fine-tuning steps of the relearning attacks (learning rate 1e-4, the demo preset's)"));
    samples_ = new QSpinBox(this);
    samples_->setRange(1, 100000);
    samples_->setValue(eval::AuditOptions{}.samples);
    samples_->setToolTip(tr("Sampling attack: the probability that the forgotten answer is among this many samples "
                            "at temperature 1 (computed exactly from the answer's probability)"));
    start_ = new QPushButton(tr("Run audit"), this);
    start_->setToolTip(tr("Attack the run's edited weights and measure whether forgotten facts come back. The "
                          "weights are put back after each attack."));
    stop_ = new QPushButton(tr("Stop"), this);
    save_ = new QPushButton(tr("Save audit…"), this);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Run:"), this));
    top->addWidget(runs_);
    top->addWidget(new QLabel(tr("Relearning steps:"), this));
    top->addWidget(steps_);
    top->addWidget(new QLabel(tr("Samples:"), this));
    top->addWidget(samples_);
    top->addWidget(start_);
    top->addWidget(stop_);
    top->addStretch();
    top->addWidget(save_);

    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setVisible(false);
    stage_ = new QLabel(this);
    stage_->setWordWrap(true);
    verdict_ = new QLabel(tr("<i>No audit yet. After a surgery run, press Run audit: it tries to bring the forgotten "
                             "facts back (quantization, relearning, sampling, rephrasing) and tests whether they can "
                             "still be told apart from facts the model never saw.</i>"),
                          this);
    verdict_->setWordWrap(true);
    verdict_->setTextFormat(Qt::RichText);

    attacks_ = new QTableWidget(0, 7, this);
    attacks_->setHorizontalHeaderLabels({tr("Attack"), tr("Forget: exact match"), tr("Forget: P(answer)"), tr("Came back"),
                                         tr("Updates: old answer"), tr("Old P(answer)"), tr("Verdict (pass mark)")});
    attacks_->verticalHeader()->hide();
    attacks_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    attacks_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    attacks_->horizontalHeader()->setStretchLastSection(true);
    attacks_->setColumnWidth(0, 280);
    for (int c = 1; c <= 5; ++c) attacks_->setColumnWidth(c, 145);
    attacks_->horizontalHeaderItem(2)->setToolTip(tr("P(whole answer | prompt), the mean over the facts"));
    attacks_->horizontalHeaderItem(3)->setToolTip(tr("Facts answered again that the edited model no longer answered"));
    levels_ = new QLabel(this);
    levels_->setWordWrap(true);
    levels_->setTextFormat(Qt::RichText);

    auto* box = new QGroupBox(tr("Attacks on the edited weights"), this);
    auto* bl = new QVBoxLayout(box);
    bl->addWidget(attacks_, 1);
    bl->addWidget(levels_);

    auto* lay = new QVBoxLayout(this);
    lay->addLayout(top);
    lay->addWidget(progress_);
    lay->addWidget(stage_);
    lay->addWidget(verdict_);
    lay->addWidget(box, 1);

    connect(start_, &QPushButton::clicked, this, &AuditPanel::startAudit);
    connect(stop_, &QPushButton::clicked, this, [this] {
        controller_->stop();
        stage_->setText(tr("Stopping…"));
    });
    connect(save_, &QPushButton::clicked, this, [this] {
        QString path = QFileDialog::getSaveFileName(this, tr("Save audit"),
                                                    settings_->lastExportDir() + QString("/audit-run%1.md").arg(shownRun_),
                                                    tr("Markdown (*.md);;JSON (*.json)"));
        if (path.isEmpty()) return;
        if (QFileInfo(path).suffix().isEmpty()) path += ".md";
        saveAudit(path);
    });
    connect(controller_, &SessionController::historyChanged, this, &AuditPanel::refreshRuns);
    connect(controller_, &SessionController::busyChanged, this, &AuditPanel::updateEnabled);
    connect(controller_, &SessionController::auditStage, this, [this](const QString& stage, int done, int total) {
        progress_->setVisible(true);
        progress_->setValue(total > 0 ? 1000 * done / total : 0);
        const QString eta = etaText(clock_.elapsed() / 1000.0, done, total);
        stage_->setText(eta.isEmpty() ? stage : stage + " — " + eta);
    });
    connect(controller_, &SessionController::audited, this, [this](int runId, const eval::AuditReport& r) {
        progress_->setVisible(false);
        stage_->setText(tr("Audit of run %1 done in %2 s.").arg(runId).arg(r.seconds, 0, 'f', 1));
        showAudit(runId, r);
        Q_EMIT status(tr("Audit of run %1: %2").arg(runId).arg(r.pass() ? tr("passed") : tr("failed")));
    });
    connect(controller_, &SessionController::failed, this, [this](Task task, const QString&, const QString& msg) {
        if (task != Task::Audit) return;
        progress_->setVisible(false);
        stage_->setText(tr("The audit did not finish: %1").arg(msg));
        updateEnabled();
    });
    refreshRuns();
    updateEnabled();
}

void AuditPanel::refreshRuns() {
    const int keep = runs_->currentData().toInt();
    runs_->clear();
    const auto& h = controller_->history();
    for (auto it = h.rbegin(); it != h.rend(); ++it) {
        if (!it->weights_kept) continue;   // no weights, nothing to attack
        runs_->addItem(tr("Run %1 — %2, %3").arg(it->id).arg(QString::fromStdString(surgery::method_name(it->config.method)))
                           .arg(QString::fromStdString(it->config.preset)),
                       it->id);
    }
    const int i = runs_->findData(keep);
    if (i >= 0) runs_->setCurrentIndex(i);
    updateEnabled();
}

void AuditPanel::updateEnabled() {
    const bool busy = controller_->busy();
    start_->setEnabled(!busy && runs_->count() > 0);
    stop_->setEnabled(controller_->auditing());
    save_->setEnabled(shown_.has_value());
    if (runs_->count() == 0 && !controller_->auditing())
        start_->setToolTip(tr("Run a surgery first: the audit attacks a run's edited weights."));
}

void AuditPanel::startAudit() {
    const int id = runs_->currentData().toInt();
    if (id <= 0) return;   // a busy worker takes it after its current task: requests are served in order
    eval::AuditOptions o;
    o.relearn_steps = steps_->value();
    o.samples = samples_->value();
    clock_.start();
    progress_->setValue(0);
    progress_->setVisible(true);
    stage_->setText(tr("Starting the audit of run %1…").arg(id));
    controller_->audit(id, o);
    updateEnabled();
}

void AuditPanel::showAudit(int runId, const eval::AuditReport& r) {
    shown_ = r;
    shownRun_ = runId;
    int failed = 0;
    for (const auto& a : r.attacks) failed += !a.pass;
    failed += !r.forget_prob_pass + !r.membership.pass;
    verdict_->setText(r.pass() ? tr("<b style='color:#1b5e20'>Run %1 passes the audit:</b> the forgotten facts stay "
                                    "forgotten under every attack and look like facts the model never saw.")
                                     .arg(runId)
                               : tr("<b style='color:#b71c1c'>Run %1 fails %2 of the audit's checks</b> (red below): "
                                    "forgotten knowledge can still be brought back or detected. The durable preset "
                                    "is built to pass them.")
                                     .arg(runId)
                                     .arg(failed));
    attacks_->setRowCount(0);
    auto row = [&](const QString& title, const eval::AttackNumbers& f, const eval::AttackNumbers* u, std::optional<bool> pass,
                   const QString& rule) {
        const int i = attacks_->rowCount();
        attacks_->insertRow(i);
        attacks_->setItem(i, 0, new QTableWidgetItem(title));
        attacks_->setItem(i, 1, new QTableWidgetItem(f.n ? pct(f.exact_match) : QStringLiteral("–")));
        attacks_->setItem(i, 2, new QTableWidgetItem(f.n ? prob(f.answer_prob) : QStringLiteral("–")));
        attacks_->setItem(i, 3, new QTableWidgetItem(pass ? QString::number(f.came_back) : QStringLiteral("–")));
        attacks_->setItem(i, 4, new QTableWidgetItem(u && u->n ? pct(u->exact_match) : QStringLiteral("–")));
        attacks_->setItem(i, 5, new QTableWidgetItem(u && u->n ? prob(u->answer_prob) : QStringLiteral("–")));
        auto* v = new QTableWidgetItem(pass ? (*pass ? tr("pass") : tr("FAIL")) + QStringLiteral("  (") + rule + ")" : rule);
        if (pass) v->setBackground(*pass ? kPass : kFail);
        attacks_->setItem(i, 6, v);
    };
    if (r.before_forget)
        row(tr("original model (before surgery)"), *r.before_forget, &*r.before_update_old, std::nullopt,
            tr("what the audit tries to bring back"));
    for (const auto& a : r.attacks) {
        const eval::AttackNumbers* base = a.id == "paraphrase" ? (r.before_paraphrase ? &*r.before_paraphrase : nullptr)
                                          : a.id == "heldout"  ? (r.before_heldout ? &*r.before_heldout : nullptr)
                                                               : nullptr;
        QString rule = QString::fromStdString(a.rule);
        if (base) rule += tr("; the original model: %1").arg(pct(base->exact_match));
        row(QString::fromStdString(a.title), a.forget, &a.update_old, a.pass, rule);
    }
    const auto& m = r.membership;
    auto mark = [](bool ok) {
        return ok ? QStringLiteral("<span style='background:#c8e6c9'>&nbsp;pass&nbsp;</span>")
                  : QStringLiteral("<span style='background:#f5b7b1'>&nbsp;FAIL&nbsp;</span>");
    };
    levels_->setText(
        tr("<b>Probability level:</b> forgotten answers %1 on average, never-seen answers (the same prompts with another "
           "answer of the relation) %2 %3 (pass mark: at or below)<br><b>Membership inference</b> (%4 forgotten vs %5 "
           "never-seen answers): Min-K%++ AUROC %6, loss AUROC %7 %8 (pass mark: 0.5 ± %9; 0.5 = indistinguishable)")
            .arg(prob(r.forget_prob), prob(r.never_seen_prob), mark(r.forget_prob_pass))
            .arg(m.forgotten)
            .arg(m.never_seen)
            .arg(m.minkpp_auroc, 0, 'f', 3)
            .arg(m.loss_auroc, 0, 'f', 3)
            .arg(mark(m.pass))
            .arg(r.thresholds.mia_band, 0, 'f', 2));
    updateEnabled();
}

bool AuditPanel::saveAudit(const QString& path) {
    if (!shown_) return false;
    try {
        shown_->save(path.toStdString());
        settings_->setLastExportDir(QFileInfo(path).absolutePath());
        Q_EMIT status(tr("Audit saved to %1").arg(path));
        return true;
    } catch (const std::exception& e) {
        Q_EMIT status(tr("Could not save the audit: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
}

}  // namespace llms::ui
