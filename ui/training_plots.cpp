#include "ui/training_plots.h"

#include "ui/coalesced_plot.h"

#include <QFileInfo>
#include <QPdfWriter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace llms::ui {

QColor TermColors::forget() { return QColor(0xc0, 0x39, 0x2b); }
QColor TermColors::edit() { return QColor(0xe6, 0x7e, 0x22); }
QColor TermColors::update() { return QColor(0x2e, 0x86, 0xc1); }
QColor TermColors::retain() { return QColor(0x27, 0xae, 0x60); }

namespace {

const QColor kForget = TermColors::forget(), kEdit = TermColors::edit(), kUpdate = TermColors::update(),
             kRetain = TermColors::retain();

QCPGraph* addGraph(QCustomPlot* p, const QString& name, const QColor& c, QCPAxis* valueAxis = nullptr,
                   Qt::PenStyle style = Qt::SolidLine, bool dots = false) {
    auto* g = p->addGraph(p->xAxis, valueAxis ? valueAxis : p->yAxis);
    g->setName(name);
    QPen pen(c, 2, style);
    g->setPen(pen);
    if (dots) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    return g;
}

void setupPlot(CoalescedPlot* p, const QString& title, const QString& yLabel) {
    p->plotLayout()->insertRow(0);
    auto* t = new QCPTextElement(p, title, QFont(p->font().family(), p->font().pointSize() + 1, QFont::Bold));
    p->plotLayout()->addElement(0, 0, t);
    p->xAxis->setLabel(QObject::tr("step"));
    p->yAxis->setLabel(yLabel);
    p->legend->setVisible(true);
    p->legend->setBrush(QColor(255, 255, 255, 200));
    p->legend->setFont(QFont(p->font().family(), p->font().pointSize() - 1));
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    p->setMinimumHeight(170);
}

// A value range that contains every finite point of the graphs (log: only positive ones).
void fitY(QCPAxis* axis, std::initializer_list<QCPGraph*> graphs, bool log) {
    double lo = INFINITY, hi = -INFINITY;
    for (auto* g : graphs) {
        if (!g->visible()) continue;
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            const double v = it->value;
            if (!std::isfinite(v) || (log && v <= 0)) continue;
            lo = std::min(lo, v), hi = std::max(hi, v);
        }
    }
    if (!std::isfinite(lo)) return;
    if (log) axis->setRange(lo / 1.5, hi * 1.5);
    else {
        const double pad = std::max(1e-6, (hi - lo) * 0.08);
        axis->setRange(lo - pad, hi + pad);
    }
}

}  // namespace

TrainingPlots::TrainingPlots(QWidget* parent)
    : QWidget(parent), losses_(new CoalescedPlot(this)), objective_(new CoalescedPlot(this)), targets_(new CoalescedPlot(this)) {
    setupPlot(losses_, tr("Loss terms (log scale)"), tr("nats"));
    losses_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    losses_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    losses_->yAxis->setNumberFormat("gb");
    gForget_ = addGraph(losses_, tr("forget NLL ↑ (pushed up)"), kForget);
    gEdit_ = addGraph(losses_, tr("old answers NLL ↑"), kEdit, nullptr, Qt::DashLine);
    gUpdate_ = addGraph(losses_, tr("new answers NLL ↓"), kUpdate);
    gRetain_ = addGraph(losses_, tr("retain KL to original ↓"), kRetain);

    setupPlot(objective_, tr("Objective and gradient norm"), tr("objective"));
    objective_->yAxis2->setVisible(true);
    objective_->yAxis2->setLabel(tr("gradient norm (before clipping)"));
    gTotal_ = addGraph(objective_, tr("objective (minimised)"), Qt::black);
    gGrad_ = addGraph(objective_, tr("gradient norm"), QColor(0x7f, 0x8c, 0x8d), objective_->yAxis2, Qt::DotLine);

    setupPlot(targets_, tr("Targets: exact-match accuracy"), tr("% of facts"));
    targets_->yAxis->setRange(-5, 105);
    gAccForget_ = addGraph(targets_, tr("forget: still answered → 0%"), kForget, nullptr, Qt::SolidLine, true);
    gAccUpdate_ = addGraph(targets_, tr("update: new answer given → 100%"), kUpdate, nullptr, Qt::SolidLine, true);
    gAccRetain_ = addGraph(targets_, tr("retain: still answered (stay 100%)"), kRetain, nullptr, Qt::SolidLine, true);
    targets_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignVCenter | Qt::AlignRight);

    for (auto* p : {losses_, objective_, targets_}) connect(p, &CoalescedPlot::aboutToReplot, this, &TrainingPlots::rescale);

    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(losses_, 4);
    lay->addWidget(objective_, 3);
    lay->addWidget(targets_, 3);
    clear();
}

void TrainingPlots::clear(int plannedSteps) {
    planned_ = plannedSteps;
    points_ = 0;
    lastStep_ = 0;
    for (auto* p : {losses_, objective_, targets_}) {
        for (int i = 0; i < p->graphCount(); ++i) p->graph(i)->data()->clear();
        p->requestReplot();
    }
}

void TrainingPlots::addSteps(const std::vector<surgery::StepMetrics>& batch) {
    if (batch.empty()) return;
    // Log axis: a term that is 0 (no row of that kind in the batch, e.g. every forget fact already past the
    // bound) is a gap, not a plunge.
    auto pos = [](double v) { return v > 0 ? v : qQNaN(); };
    QVector<double> x, f, e, u, r, t, g;
    for (const auto& s : batch) {
        x << s.step, f << pos(s.loss_forget), e << pos(s.loss_edit), u << pos(s.loss_update), r << pos(s.loss_retain),
            t << s.total, g << s.grad_norm;
        planned_ = std::max(planned_, s.steps);
    }
    // Sorted keys: bulk add without re-sorting.
    gForget_->addData(x, f, true);
    gEdit_->addData(x, e, true);
    gUpdate_->addData(x, u, true);
    gRetain_->addData(x, r, true);
    gTotal_->addData(x, t, true);
    gGrad_->addData(x, g, true);
    points_ += (int)batch.size();
    lastStep_ = x.back();
    losses_->requestReplot();
    objective_->requestReplot();
    targets_->requestReplot();
}

void TrainingPlots::addEval(const surgery::EvalPoint& ev) {
    gAccForget_->addData(ev.step, 100 * ev.forget_acc);
    gAccUpdate_->addData(ev.step, 100 * ev.update_acc);
    gAccRetain_->addData(ev.step, 100 * ev.retain_acc);
    lastStep_ = std::max<double>(lastStep_, ev.step);
    targets_->requestReplot();
}

void TrainingPlots::showRun(const session::RunRecord& run) {
    clear(run.config.steps);
    addSteps(run.steps);
    for (const auto& e : run.evals) addEval(e);
    // Sets a method does not optimise stay empty: hide what has no meaning for this run.
    const bool anyEdit = std::any_of(run.steps.begin(), run.steps.end(), [](auto& s) { return s.loss_edit > 0; });
    gEdit_->setVisible(anyEdit || run.steps.empty());
}

void TrainingPlots::rescale() {
    // x: the whole planned run when known (the curve grows into it), else what is there.
    const double xmax = std::max<double>(lastStep_, 1);
    const double xr = planned_ > 0 && lastStep_ <= planned_ ? std::min<double>(planned_, std::max(xmax * 1.25, 10.0)) : xmax;
    for (auto* p : {losses_, objective_, targets_}) p->xAxis->setRange(0, xr);
    fitY(losses_->yAxis, {gForget_, gEdit_, gUpdate_, gRetain_}, true);
    fitY(objective_->yAxis, {gTotal_}, false);
    fitY(objective_->yAxis2, {gGrad_}, false);
}

void TrainingPlots::render(QCPPainter* painter, int width, int height) {
    rescale();
    const int h = height / 3;
    int y = 0;
    for (auto* p : {losses_, objective_, targets_}) {
        painter->save();
        painter->translate(0, y);
        p->toPainter(painter, width, h);
        painter->restore();
        y += h;
    }
}

bool TrainingPlots::save(const QString& path, int width, int height) {
    if (QFileInfo(path).suffix().compare("pdf", Qt::CaseInsensitive) == 0) {
        QPdfWriter pdf(path);
        pdf.setPageSize(QPageSize(QSizeF(width, height), QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setResolution(72);
        pdf.setTitle(tr("LLM Surgery training curves"));
        QCPPainter painter(&pdf);
        if (!painter.isActive()) return false;
        render(&painter, width, height);
        return painter.end();
    }
    QPixmap all(width, height);
    all.fill(Qt::white);
    QCPPainter painter(&all);
    render(&painter, width, height);
    painter.end();
    return all.save(path);
}

int TrainingPlots::replotCount() const { return losses_->replotCount() + objective_->replotCount() + targets_->replotCount(); }
int TrainingPlots::pointCount() const { return points_; }

}  // namespace llms::ui
