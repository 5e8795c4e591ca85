#include "ui/results_panel.h"

#include "core/common/error.h"
#include "ui/app_settings.h"
#include "ui/coalesced_plot.h"
#include "ui/error_dialog.h"
#include "ui/run_comparison.h"
#include "ui/session_controller.h"
#include "ui/training_plots.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPdfWriter>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

#include <optional>

namespace llms::ui {

namespace {

enum class Goal { Down, Up, Keep, Low };   // what a good surgery does to the metric

struct MetricRow {
    QString set, metric;
    int n = 0;
    std::optional<double> before, after;
    bool percent = true;
    Goal goal = Goal::Keep;
};

QString fmt(std::optional<double> v, bool percent) {
    if (!v) return QStringLiteral("–");
    return percent ? QString::number(100 * *v, 'f', 1) + "%" : QString::number(*v, 'g', 4);
}

QString goalText(Goal g) {
    switch (g) {
        case Goal::Down: return QObject::tr("should drop (to 0%)");
        case Goal::Up: return QObject::tr("should rise (to 100%)");
        case Goal::Keep: return QObject::tr("should stay as before");
        case Goal::Low: return QObject::tr("should stay near 0");
    }
    return {};
}

// ✔ when the change went the wanted way (or stayed within tolerance for "keep").
std::optional<bool> goalMet(const MetricRow& r) {
    if (!r.after) return std::nullopt;
    const double a = *r.after;
    switch (r.goal) {
        case Goal::Down: return r.before ? a < *r.before || a == 0 : a == 0;
        case Goal::Up: return r.before ? a > *r.before || a >= 1 : a >= 1;
        case Goal::Keep: return r.before ? std::optional<bool>(std::abs(a - *r.before) <= (r.percent ? 0.05 : 0.1 * std::abs(*r.before) + 1e-9)) : std::nullopt;
        case Goal::Low: return a <= 0.1;
    }
    return std::nullopt;
}

std::vector<MetricRow> rowsOf(const eval::Report& r) {
    std::vector<MetricRow> out;
    const std::tuple<QString, eval::SetMetrics eval::Measurement::*, Goal> sets[] = {
        {QObject::tr("forget"), &eval::Measurement::forget, Goal::Down},
        {QObject::tr("update"), &eval::Measurement::update, Goal::Up},
        {QObject::tr("retain"), &eval::Measurement::retain, Goal::Keep},
        {QObject::tr("other known facts"), &eval::Measurement::collateral, Goal::Keep}};
    for (const auto& [name, field, goal] : sets) {
        const auto& a = r.after.*field;
        if (a.n == 0) continue;
        const eval::SetMetrics* b = r.before ? &((*r.before).*field) : nullptr;
        auto add = [&](const QString& metric, std::optional<double> bv, std::optional<double> av, bool pct, Goal g) {
            out.push_back({name, metric, a.n, bv, av, pct, g});
        };
        add(QObject::tr("exact match"), b ? std::optional(b->exact_match) : std::nullopt, a.exact_match, true, goal);
        if (field != &eval::Measurement::collateral) {
            // P(whole answer | prompt); reports saved before it was defined so carry NaN: not shown.
            auto known = [](double p) { return std::isfinite(p) ? std::optional(p) : std::nullopt; };
            add(QObject::tr("answer probability (whole answer)"), b ? known(b->answer_prob) : std::nullopt,
                known(a.answer_prob), true, goal);
            add(QObject::tr("3-option choice accuracy"), b ? std::optional(b->mcqa_acc) : std::nullopt, a.mcqa_acc, true, goal);
            if (a.paraphrase_acc)
                add(QObject::tr("paraphrase exact match"), b ? b->paraphrase_acc : std::nullopt, a.paraphrase_acc, true, goal);
        }
        if (a.kl) add(QObject::tr("KL to original (nats/token)"), std::nullopt, a.kl, false, Goal::Low);
    }
    if (r.after.fluency_ppl)
        out.push_back({QObject::tr("held-out text"), QObject::tr("perplexity"), 0, r.before ? r.before->fluency_ppl : std::nullopt,
                       r.after.fluency_ppl, false, Goal::Keep});
    return out;
}

}  // namespace

ResultsPanel::ResultsPanel(SessionController* controller, AppSettings* settings, QWidget* parent)
    : QWidget(parent), controller_(controller), settings_(settings) {
    runs_ = new QComboBox(this);
    runs_->setMinimumWidth(380);
    summary_ = new QLabel(tr("<i>No run yet: run a surgery in the Surgery tab; its before/after report appears here.</i>"), this);
    summary_->setWordWrap(true);
    saveReport_ = new QPushButton(tr("Save report…"), this);
    saveReport_->setToolTip(tr("The full before/after report as JSON or Markdown"));
    savePlots_ = new QPushButton(tr("Save plots…"), this);
    savePlots_->setToolTip(tr("The bar chart and the run's training curves as PNG or PDF"));
    sideBySide_ = new QPushButton(tr("All runs side by side"), this);
    sideBySide_->setCheckable(true);
    sideBySide_->setToolTip(tr("Every run of this session in one table, a column each: the same measurements for "
                               "every method (surgery, its baselines, ROME, MEMIT)"));
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Run:"), this));
    top->addWidget(runs_);
    top->addWidget(sideBySide_);
    top->addStretch();
    top->addWidget(saveReport_);
    top->addWidget(savePlots_);

    metrics_ = new QTableWidget(0, 7, this);
    metrics_->setHorizontalHeaderLabels({tr("Set"), tr("n"), tr("Metric"), tr("Before"), tr("After"), tr("Goal"), QString()});
    metrics_->verticalHeader()->hide();
    metrics_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    metrics_->horizontalHeader()->setStretchLastSection(true);
    metrics_->setColumnWidth(0, 120);
    metrics_->setColumnWidth(1, 45);
    metrics_->setColumnWidth(2, 240);
    metrics_->setColumnWidth(3, 75);
    metrics_->setColumnWidth(4, 75);
    metrics_->setColumnWidth(5, 160);

    for (auto* t : {metrics_}) t->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    chart_ = new CoalescedPlot(this);
    chart_->setMinimumHeight(220);

    facts_ = new QTableWidget(0, 7, this);
    facts_->setHorizontalHeaderLabels({tr("Set"), tr("Prompt"), tr("Target"), tr("Before: completion"), tr("After: completion"),
                                       tr("P before"), tr("P after")});
    for (int c : {5, 6})
        facts_->horizontalHeaderItem(c)->setToolTip(tr("P(whole answer | prompt): the probability of every answer token "
                                                       "in turn, as the Probe tab shows it"));
    facts_->verticalHeader()->hide();
    facts_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    facts_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    facts_->horizontalHeader()->setStretchLastSection(true);
    facts_->setColumnWidth(0, 70);
    facts_->setColumnWidth(1, 260);
    facts_->setColumnWidth(2, 110);
    facts_->setColumnWidth(3, 200);
    facts_->setColumnWidth(4, 200);
    facts_->setColumnWidth(5, 70);

    auto* metricsBox = new QGroupBox(tr("Before → after, per set"), this);
    auto* ml = new QHBoxLayout(metricsBox);
    ml->addWidget(metrics_, 3);
    ml->addWidget(chart_, 2);
    auto* factsBox = new QGroupBox(tr("Per fact (✔ = the completion starts with the target)"), this);
    auto* fl = new QVBoxLayout(factsBox);
    fl->addWidget(facts_);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(metricsBox);
    split->addWidget(factsBox);
    split->setSizes({330, 400});

    comparison_ = new RunComparison(this);
    views_ = new QStackedWidget(this);
    views_->addWidget(split);         // the shown run
    views_->addWidget(comparison_);   // every run

    auto* lay = new QVBoxLayout(this);
    lay->addLayout(top);
    lay->addWidget(summary_);
    lay->addWidget(views_, 1);

    connect(sideBySide_, &QPushButton::toggled, this, [this](bool on) {
        views_->setCurrentIndex(on ? 1 : 0);
        summary_->setVisible(!on);
        runs_->setEnabled(!on);
    });

    connect(runs_, &QComboBox::activated, this, [this] { showRun(runs_->currentData().toInt()); });
    connect(controller_, &SessionController::historyChanged, this, &ResultsPanel::refreshRuns);
    connect(controller_, &SessionController::runFinished, this, [this](const session::RunRecord& r) { showRun(r.id); });
    connect(saveReport_, &QPushButton::clicked, this, [this] {
        QString path = QFileDialog::getSaveFileName(this, tr("Save report"), settings_->lastExportDir() + QString("/report-run%1.md").arg(shown_),
                                                    tr("Markdown (*.md);;JSON (*.json)"));
        if (path.isEmpty()) return;
        if (QFileInfo(path).suffix().isEmpty()) path += ".md";
        saveReport(path);
    });
    connect(savePlots_, &QPushButton::clicked, this, [this] {
        QString path = QFileDialog::getSaveFileName(this, tr("Save plots"), settings_->lastExportDir() + QString("/plots-run%1.png").arg(shown_),
                                                    tr("PNG image (*.png);;PDF document (*.pdf)"));
        if (path.isEmpty()) return;
        if (QFileInfo(path).suffix().isEmpty()) path += ".png";
        savePlots(path);
    });
    refreshRuns();
    showRun(0);
}

void ResultsPanel::showSideBySide(bool on) { sideBySide_->setChecked(on); }

void ResultsPanel::refreshRuns() {
    runs_->clear();
    const auto& h = controller_->history();
    comparison_->setRuns(h);
    for (auto it = h.rbegin(); it != h.rend(); ++it) {
        const QString method = QString::fromStdString(surgery::method_name(it->config.method));
        const QString how = surgery::is_closed_form(it->config.method)   // ROME / MEMIT train nothing: no preset
                                ? method
                                : method + ", " + QString::fromStdString(it->config.preset);
        runs_->addItem(tr("Run %1 — %2 — %3").arg(it->id).arg(how, QString::fromStdString(it->outcome.message)), it->id);
    }
    const int i = runs_->findData(shown_);
    if (i >= 0) runs_->setCurrentIndex(i);
    if (!controller_->run(shown_)) showRun(h.empty() ? 0 : h.back().id);
}

void ResultsPanel::showRun(int id) {
    const session::RunRecord* r = controller_->run(id);
    shown_ = r ? id : 0;
    saveReport_->setEnabled(r && r->report);
    savePlots_->setEnabled(r != nullptr);
    if (const int i = runs_->findData(shown_); i >= 0) runs_->setCurrentIndex(i);
    metrics_->setRowCount(0);
    facts_->setRowCount(0);
    chart_->clearPlottables();
    chart_->replot();
    if (!r) {
        summary_->setText(tr("<i>No run yet: run a surgery in the Surgery tab; its before/after report appears here.</i>"));
        return;
    }
    if (!r->report) {
        summary_->setText(tr("Run %1 has no report.").arg(id));
        return;
    }
    const auto& rep = *r->report;
    const bool closed = surgery::is_closed_form(r->config.method);   // ROME / MEMIT: no preset, facts not steps
    summary_->setText(tr("<b>Run %1</b> (%2): %3 — %4 %5 in %6 s. <i>Before</i> = the original model, "
                         "<i>after</i> = the weights this run produced.")
                          .arg(id)
                          .arg(closed ? QString::fromStdString(rep.method)
                                      : tr("%1, preset %2").arg(QString::fromStdString(rep.method),
                                                                QString::fromStdString(rep.preset)),
                               QString::fromStdString(rep.outcome).toHtmlEscaped())
                          .arg(rep.steps)
                          .arg(closed ? tr("edits") : tr("steps"))
                          .arg(rep.seconds, 0, 'f', 1));
    fillMetrics(rep);
    fillChart(rep);
    fillFacts(rep);
}

void ResultsPanel::fillMetrics(const eval::Report& r) {
    for (const auto& m : rowsOf(r)) {
        const int row = metrics_->rowCount();
        metrics_->insertRow(row);
        metrics_->setItem(row, 0, new QTableWidgetItem(m.set));
        metrics_->setItem(row, 1, new QTableWidgetItem(m.n ? QString::number(m.n) : QString()));
        metrics_->setItem(row, 2, new QTableWidgetItem(m.metric));
        metrics_->setItem(row, 3, new QTableWidgetItem(fmt(m.before, m.percent)));
        metrics_->setItem(row, 4, new QTableWidgetItem(fmt(m.after, m.percent)));
        metrics_->setItem(row, 5, new QTableWidgetItem(goalText(m.goal)));
        const auto ok = goalMet(m);
        auto* badge = new QTableWidgetItem(!ok ? QString() : *ok ? QStringLiteral("✔") : QStringLiteral("✘"));
        if (ok) badge->setBackground(*ok ? QColor(0xc8, 0xe6, 0xc9) : QColor(0xf5, 0xb7, 0xb1));
        metrics_->setItem(row, 6, badge);
        for (int c : {3, 4}) metrics_->item(row, c)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
}

void ResultsPanel::fillChart(const eval::Report& r) {
    chart_->clearPlottables();
    chart_->plotLayout()->clear();
    auto* rect = new QCPAxisRect(chart_);
    chart_->plotLayout()->addElement(0, 0, new QCPTextElement(chart_, tr("Exact match before vs after"), QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    chart_->plotLayout()->addElement(1, 0, rect);
    auto* legend = new QCPLegend;
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    rect->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignHCenter);
    legend->setLayer("legend");
    chart_->legend = legend;
    QVector<double> ticks, before, after;
    QVector<QString> labels;
    const std::pair<QString, eval::SetMetrics eval::Measurement::*> sets[] = {
        {tr("forget\n(want 0%)"), &eval::Measurement::forget}, {tr("update\n(want 100%)"), &eval::Measurement::update},
        {tr("retain\n(keep)"), &eval::Measurement::retain}, {tr("other facts\n(keep)"), &eval::Measurement::collateral}};
    for (const auto& [name, field] : sets) {
        if ((r.after.*field).n == 0) continue;
        ticks << ticks.size() + 1;
        labels << name;
        before << (r.before ? 100 * ((*r.before).*field).exact_match : 0);
        after << 100 * (r.after.*field).exact_match;
    }
    auto* x = rect->axis(QCPAxis::atBottom);
    auto* y = rect->axis(QCPAxis::atLeft);
    auto* bars = new QCPBarsGroup(chart_);
    auto* b = new QCPBars(x, y);
    b->setName(tr("before (original)"));
    b->setBrush(QColor(0x95, 0xa5, 0xa6));
    b->setPen(Qt::NoPen);
    b->setWidth(0.35);
    b->setData(ticks, before);
    b->setBarsGroup(bars);
    auto* a = new QCPBars(x, y);
    a->setName(tr("after (edited)"));
    a->setBrush(QColor(0x2e, 0x86, 0xc1));
    a->setPen(Qt::NoPen);
    a->setWidth(0.35);
    a->setData(ticks, after);
    a->setBarsGroup(bars);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    ticker->addTicks(ticks, labels);
    x->setTicker(ticker);
    x->setRange(0.4, ticks.size() + 0.6);
    y->setRange(0, 128);   // room for the legend above 100%
    QSharedPointer<QCPAxisTickerText> yt(new QCPAxisTickerText);
    for (int v = 0; v <= 100; v += 20) yt->addTick(v, QString::number(v));
    y->setTicker(yt);
    y->setLabel(tr("% of facts answered"));
    chart_->replot();
}

void ResultsPanel::fillFacts(const eval::Report& r) {
    const auto& after = r.after.facts;
    for (size_t i = 0; i < after.size(); ++i) {
        const auto& a = after[i];
        const eval::FactOutcome* b = r.before && i < r.before->facts.size() ? &r.before->facts[i] : nullptr;
        const int row = facts_->rowCount();
        facts_->insertRow(row);
        facts_->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(a.set)));
        facts_->setItem(row, 1, new QTableWidgetItem(QString::fromStdString(a.prompt)));
        facts_->setItem(row, 2, new QTableWidgetItem(QString::fromStdString(a.target)));
        auto cell = [](const eval::FactOutcome& o) {
            auto* it = new QTableWidgetItem((o.match ? QStringLiteral("✔ ") : QStringLiteral("✘ ")) + QString::fromStdString(o.completion));
            return it;
        };
        if (b) facts_->setItem(row, 3, cell(*b));
        facts_->setItem(row, 4, cell(a));
        // After: green where the outcome is what this set wants (forget: no match; others: match), red where not.
        const bool wantMatch = a.set != "forget";
        facts_->item(row, 4)->setBackground(a.match == wantMatch ? QColor(0xc8, 0xe6, 0xc9) : QColor(0xf5, 0xb7, 0xb1));
        if (b) facts_->item(row, 3)->setForeground(QColor(0x55, 0x55, 0x55));
        auto p = [](double v) { return std::isfinite(v) ? QString::number(v, 'f', 3) : QStringLiteral("–"); };
        facts_->setItem(row, 5, new QTableWidgetItem(b ? p(b->answer_prob) : QStringLiteral("–")));
        facts_->setItem(row, 6, new QTableWidgetItem(p(a.answer_prob)));
    }
}

bool ResultsPanel::saveReport(const QString& path) {
    const auto* r = controller_->run(shown_);
    if (!r || !r->report) return false;
    try {
        r->report->save(path.toStdString());
        settings_->setLastExportDir(QFileInfo(path).absolutePath());
        Q_EMIT status(tr("Report saved to %1").arg(path));
        return true;
    } catch (const std::exception& e) {   // not only llms::Error: never a crash
        showError(this, tr("Saving the report"), QString::fromStdString(e.what()));
        return false;
    }
}

bool ResultsPanel::savePlots(const QString& path) {
    const auto* r = controller_->run(shown_);
    if (!r) return false;
    TrainingPlots curves;   // off screen: the selected run's curves, whatever the Surgery tab shows now
    curves.resize(1200, 900);
    curves.showRun(*r);
    const int W = 1200, chartH = 360, curvesH = 900;
    const bool pdf = QFileInfo(path).suffix().compare("pdf", Qt::CaseInsensitive) == 0;
    bool ok = false;
    auto draw = [&](QCPPainter* p) {
        chart_->toPainter(p, W, chartH);
        p->save();
        p->translate(0, chartH);
        curves.render(p, W, curvesH);
        p->restore();
    };
    if (pdf) {
        QPdfWriter writer(path);
        writer.setPageSize(QPageSize(QSizeF(W, chartH + curvesH), QPageSize::Point));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setResolution(72);
        writer.setTitle(tr("LLM Surgery run %1").arg(shown_));
        QCPPainter p(&writer);
        if (p.isActive()) {
            draw(&p);
            ok = p.end();
        }
    } else {
        QPixmap all(W, chartH + curvesH);
        all.fill(Qt::white);
        QCPPainter p(&all);
        draw(&p);
        p.end();
        ok = all.save(path);
    }
    if (ok) {
        settings_->setLastExportDir(QFileInfo(path).absolutePath());
        Q_EMIT status(tr("Plots saved to %1").arg(path));
    } else {
        showError(this, tr("Saving the plots"), tr("%1: cannot write the file (is the folder writable?)").arg(path));
    }
    return ok;
}

}  // namespace llms::ui
