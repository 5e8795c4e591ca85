#include "ui/trace_panel.h"

#include "core/surgery/surgery_config.h"
#include "ui/coalesced_plot.h"
#include "ui/eta_text.h"
#include "ui/facts_panel.h"
#include "ui/session_controller.h"
#include "ui/surgery_settings_form.h"

#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

namespace llms::ui {

namespace {

QString layersText(const std::vector<int>& layers) {
    if (layers.empty()) return QStringLiteral("–");
    if (layers.size() == 1) return QString::number(layers.front());
    return QString("%1-%2").arg(layers.front()).arg(layers.back());
}

}  // namespace

TracePanel::TracePanel(SessionController* controller, FactsPanel* facts, SurgerySettingsForm* form, QWidget* parent)
    : QWidget(parent), controller_(controller), facts_(facts), form_(form) {
    intro_ = new QLabel(tr("Where does the model keep a fact? Each forget fact and each update fact's old answer is "
                           "traced on the <b>original</b> weights: the subject's tokens are blurred with noise, then one "
                           "hidden state is restored from the clean run at a time; the brighter a cell, the more of "
                           "P(answer) that state brings back. The MLP layers whose outputs at the subject's last token "
                           "bring back most are where ROME and MEMIT write."),
                        this);
    intro_->setWordWrap(true);
    trace_ = new QPushButton(tr("Trace the facts"), this);
    trace_->setToolTip(tr("Traces up to the surgery settings' number of facts of the Facts tab (forget facts, and "
                          "update facts with an old answer): 2 × layers forwards per fact and noise sample"));
    stop_ = new QPushButton(tr("Stop"), this);
    stop_->setToolTip(tr("Ends the trace after the current fact; the facts traced so far are shown"));
    progress_ = new QProgressBar(this);
    progress_->setTextVisible(true);
    progressLabel_ = new QLabel(this);
    auto* top = new QHBoxLayout;
    top->addWidget(trace_);
    top->addWidget(stop_);
    top->addWidget(progress_, 1);
    top->addWidget(progressLabel_);

    fact_ = new QComboBox(this);
    fact_->setMinimumWidth(380);
    view_ = new QComboBox(this);
    view_->addItem(tr("hidden state (each layer's output)"), "state");
    view_->addItem(tr("MLP outputs (a window of layers)"), "mlp");
    view_->setToolTip(tr("What is restored in each cell: the whole hidden state after a layer, or only the MLP outputs "
                         "of a window of layers around it (what ROME and MEMIT edit)"));
    factInfo_ = new QLabel(this);
    factInfo_->setWordWrap(true);
    auto* pick = new QHBoxLayout;
    pick->addWidget(new QLabel(tr("Fact:"), this));
    pick->addWidget(fact_, 1);
    pick->addWidget(new QLabel(tr("Restored:"), this));
    pick->addWidget(view_);

    map_ = new CoalescedPlot(this);
    map_->setMinimumHeight(260);
    colorMap_ = new QCPColorMap(map_->xAxis, map_->yAxis);
    colorScale_ = new QCPColorScale(map_);
    map_->plotLayout()->addElement(0, 1, colorScale_);
    colorScale_->setType(QCPAxis::atRight);
    colorScale_->axis()->setLabel(tr("P(answer) restored"));
    colorMap_->setColorScale(colorScale_);
    colorMap_->setGradient(QCPColorGradient::gpHot);
    colorMap_->setInterpolate(false);
    auto* margins = new QCPMarginGroup(map_);
    map_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    colorScale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    map_->yAxis->setLabel(tr("layer"));
    map_->xAxis->setTickLabelRotation(45);

    effect_ = new CoalescedPlot(this);
    effect_->setMinimumHeight(160);
    effect_->yAxis->setLabel(tr("MLP effect"));
    effect_->xAxis->setLabel(tr("layer"));
    verdict_ = new QLabel(this);
    verdict_->setWordWrap(true);
    use_ = new QPushButton(tr("Use these layers in the surgery settings"), this);
    use_->setToolTip(tr("Writes the chosen layer(s) into the ROME / MEMIT settings of the Surgery tab (instead of "
                        "auto, which traces again at the start of the run)"));

    auto* mapBox = new QGroupBox(tr("Causal trace of one fact"), this);
    auto* ml = new QVBoxLayout(mapBox);
    ml->addLayout(pick);
    ml->addWidget(factInfo_);
    ml->addWidget(map_, 1);
    auto* effectBox = new QGroupBox(tr("Per layer, all traced facts: restoring the MLP outputs at the subject's last "
                                       "token"), this);
    auto* el = new QVBoxLayout(effectBox);
    el->addWidget(effect_, 1);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(verdict_, 1);
    bottom->addWidget(use_);
    el->addLayout(bottom);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(mapBox);
    split->addWidget(effectBox);
    split->setSizes({420, 240});

    auto* lay = new QVBoxLayout(this);
    lay->addWidget(intro_);
    lay->addLayout(top);
    lay->addWidget(split, 1);

    connect(trace_, &QPushButton::clicked, this, &TracePanel::startTrace);
    connect(stop_, &QPushButton::clicked, controller_, &SessionController::stop);
    connect(fact_, &QComboBox::currentIndexChanged, this, &TracePanel::showGrid);
    connect(view_, &QComboBox::currentIndexChanged, this, &TracePanel::showGrid);
    connect(use_, &QPushButton::clicked, this, [this] {
        form_->setEditLayers(layersText(summary_.chosen_layers));
        Q_EMIT status(tr("Surgery settings: ROME / MEMIT edit layer(s) %1").arg(layersText(summary_.chosen_layers)));
    });
    connect(controller_, &SessionController::traceProgress, this, [this](int done, int total, double seconds) {
        progress_->setRange(0, std::max(total, 1));
        progress_->setValue(done);
        progress_->setFormat(tr("%1 of %2 facts").arg(done).arg(total));
        progressLabel_->setText(etaText(seconds, done, total));
    });
    connect(controller_, &SessionController::traced, this, [this](const edit::TraceSummary& s) {
        progressLabel_->setText(tr("done"));
        showTrace(s);
        updateEnabled();
    });
    connect(controller_, &SessionController::failed, this, [this](Task task, const QString&, const QString& message) {
        if (task != Task::Trace) return;
        progressLabel_->setText(tr("failed"));
        Q_EMIT status(message);
        updateEnabled();
    });
    connect(controller_, &SessionController::busyChanged, this, &TracePanel::updateEnabled);
    connect(controller_, &SessionController::modelOpened, this, [this] {
        showTrace({});
        updateEnabled();
    });
    showTrace({});
    updateEnabled();
}

void TracePanel::updateEnabled() {
    const bool tracing = controller_->tracing();
    trace_->setEnabled(!tracing && !controller_->busy() && controller_->hasModel());
    stop_->setEnabled(tracing);
    use_->setEnabled(!summary_.chosen_layers.empty());
}

void TracePanel::startTrace() {
    const auto cfg = form_->config();
    method_ = cfg.method == surgery::Method::Memit ? QStringLiteral("MEMIT") : QStringLiteral("ROME");
    progress_->setRange(0, 0);   // busy until the first fact
    progress_->setFormat(tr("starting"));
    progressLabel_->clear();
    controller_->trace(facts_->facts(), cfg);
    updateEnabled();
    Q_EMIT status(tr("Causal tracing the facts on the original weights…"));
}

void TracePanel::showTrace(const edit::TraceSummary& s) {
    summary_ = s;
    {
        const QSignalBlocker block(fact_);
        fact_->clear();
        for (size_t i = 0; i < s.grids.size(); ++i) {
            const auto& g = s.grids[i];
            fact_->addItem(QString::fromStdString(g.prompt) + " → " + QString::fromStdString(g.answer), (int)i);
        }
    }
    if (s.grids.empty()) {
        progress_->setRange(0, 1);
        progress_->setValue(0);
        progress_->setFormat(tr("not traced yet"));
        verdict_->setText(tr("<i>Trace the facts to see where they are kept and which layers ROME and MEMIT would "
                             "edit.</i>"));
    } else {
        verdict_->setText(tr("%1 fact(s) traced. <b>%2 would edit layer(s) %3</b> (the largest mean effect; never the "
                             "last layer).")
                              .arg(s.grids.size())
                              .arg(method_.isEmpty() ? tr("ROME") : method_, layersText(s.chosen_layers)));
    }
    showGrid();
    showEffect();
    updateEnabled();
}

void TracePanel::showGrid() {
    const int i = fact_->currentData().isValid() ? fact_->currentData().toInt() : -1;
    if (i < 0 || i >= (int)summary_.grids.size()) {
        colorMap_->data()->clear();
        colorMap_->setVisible(false);
        factInfo_->clear();
        map_->replot();
        return;
    }
    const auto& g = summary_.grids[(size_t)i];
    const bool mlp = view_->currentData().toString() == "mlp";
    const int T = (int)g.tokens.size(), L = g.layers;
    auto* d = colorMap_->data();
    d->setSize(T, L);
    d->setRange(QCPRange(0, T - 1), QCPRange(0, L - 1));
    double hi = g.p_clean;
    for (int l = 0; l < L; ++l)
        for (int t = 0; t < T; ++t) {
            const double v = mlp ? g.mlp_at(l, t) : g.state_at(l, t);
            d->setCell(t, l, v);
            hi = std::max(hi, v);
        }
    colorMap_->setVisible(true);
    colorMap_->setDataRange(QCPRange(std::min(g.p_corrupt, hi * 0.999), std::max(hi, 1e-9)));
    QSharedPointer<QCPAxisTickerText> xt(new QCPAxisTickerText);
    for (int t = 0; t < T; ++t) {
        QString tok = QString::fromStdString(g.tokens[(size_t)t]);
        if (t >= g.subject_begin && t < g.subject_end) tok += "*";
        xt->addTick(t, tok);
    }
    map_->xAxis->setTicker(xt);
    map_->xAxis->setRange(-0.5, T - 0.5);
    map_->yAxis->setRange(-0.5, L - 0.5);
    map_->xAxis->setLabel(tr("token (* = the subject)"));
    factInfo_->setText(tr("Subject: <b>%1</b>. P(%2) clean %3, with the subject blurred %4.%5")
                           .arg(QString::fromStdString(g.subject).toHtmlEscaped(),
                                QString::fromStdString(g.answer).toHtmlEscaped())
                           .arg(g.p_clean, 0, 'g', 3)
                           .arg(g.p_corrupt, 0, 'g', 3)
                           .arg(mlp ? tr(" MLP window: %1 layer(s).").arg(g.mlp_window) : QString()));
    map_->replot();
}

void TracePanel::showEffect() {
    effect_->clearPlottables();
    const auto& e = summary_.mlp_effect;
    if (e.empty()) {
        effect_->replot();
        return;
    }
    QVector<double> x, y, xc, yc;
    for (int l = 0; l < (int)e.size(); ++l) {
        const bool chosen = std::find(summary_.chosen_layers.begin(), summary_.chosen_layers.end(), l) !=
                            summary_.chosen_layers.end();
        (chosen ? xc : x) << l;
        (chosen ? yc : y) << e[(size_t)l];
    }
    auto* bars = new QCPBars(effect_->xAxis, effect_->yAxis);
    bars->setData(x, y);
    bars->setBrush(QColor(0x95, 0xa5, 0xa6));
    bars->setPen(Qt::NoPen);
    bars->setName(tr("layer"));
    auto* chosen = new QCPBars(effect_->xAxis, effect_->yAxis);
    chosen->setData(xc, yc);
    chosen->setBrush(QColor(0xd3, 0x54, 0x00));
    chosen->setPen(Qt::NoPen);
    chosen->setName(tr("chosen"));
    const auto [lo, hi] = std::minmax_element(e.begin(), e.end());
    effect_->xAxis->setRange(-0.6, e.size() - 0.4);
    effect_->yAxis->setRange(std::min(0.0, *lo) * 1.1, std::max(*hi * 1.15, 1e-6));
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1);
    effect_->xAxis->setTicker(ticker);
    effect_->replot();
}

}  // namespace llms::ui
