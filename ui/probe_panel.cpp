#include "ui/probe_panel.h"

#include "ui/app_settings.h"
#include "ui/fact_probe_model.h"
#include "ui/fact_table_model.h"
#include "ui/facts_panel.h"
#include "ui/session_controller.h"
#include "ui/token_html.h"

#include <QAction>
#include <QCheckBox>
#include <QCompleter>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStringListModel>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <cmath>

namespace llms::ui {

namespace {

QString pct(double p) {
    if (p < 0) return QStringLiteral("–");
    if (p < 1e-5) return QStringLiteral("< 0.001%");
    if (p < 0.001) return QString::number(100 * p, 'f', 3) + "%";
    return QString::number(100 * p, 'f', 1) + "%";
}

// How the probability moved, in words a newcomer reads at a glance.
QString change(double before, double after) {
    if (before <= 0 || after < 0) return QStringLiteral("–");
    const double r = after / before;
    if (r > 1.05) return r >= 1000 ? QObject::tr("▲ over 1000× more likely") : QObject::tr("▲ %1× more likely").arg(r, 0, 'f', r < 10 ? 1 : 0);
    if (r < 0.95) {
        const double inv = after > 0 ? 1 / r : INFINITY;
        return inv >= 1000 ? QObject::tr("▼ over 1000× less likely") : QObject::tr("▼ %1× less likely").arg(inv, 0, 'f', inv < 10 ? 1 : 0);
    }
    return QObject::tr("unchanged");
}

}  // namespace

ProbePanel::ProbePanel(SessionController* controller, FactsPanel* facts, AppSettings* settings, QWidget* parent)
    : QWidget(parent), controller_(controller), facts_(facts), settings_(settings) {
    prompt_ = new QLineEdit(this);
    prompt_->setPlaceholderText(tr("Type a prompt, e.g. \"The capital of France is\" (facts' prompts are suggested)"));
    prompt_->setCompleter(new QCompleter(new QStringListModel(this), this));
    prompt_->completer()->setCaseSensitivity(Qt::CaseInsensitive);
    prompt_->completer()->setFilterMode(Qt::MatchContains);
    probe_ = new QAction(tr("&Probe"), this);
    probe_->setShortcut(QKeySequence(tr("Ctrl+Return")));
    probe_->setToolTip(tr("Both models answer the prompt (Ctrl+Enter)"));
    probeAll_ = new QAction(tr("Probe &all facts"), this);
    probeAll_->setShortcut(QKeySequence(tr("Ctrl+Shift+Return")));
    probeAll_->setToolTip(tr("Every fact of the Facts tab, original vs edited, with a pass/fail verdict (Ctrl+Shift+Enter)"));
    probeButton_ = new QPushButton(tr("Probe  (Ctrl+Enter)"), this);
    connect(probeButton_, &QPushButton::clicked, probe_, &QAction::trigger);

    maxTokens_ = new QSpinBox(this);
    maxTokens_->setRange(1, 512);
    maxTokens_->setToolTip(tr("How many tokens each model may add"));
    temperature_ = new QDoubleSpinBox(this);
    temperature_->setRange(0, 5);
    temperature_->setSingleStep(0.1);
    temperature_->setToolTip(tr("0 = greedy (always the most likely token); higher samples more freely"));
    topP_ = new QDoubleSpinBox(this);
    topP_->setRange(0.01, 1);
    topP_->setSingleStep(0.05);
    topP_->setToolTip(tr("Sampling only: draw from the smallest set of tokens holding this much probability"));
    seed_ = new QSpinBox(this);
    seed_->setRange(0, 1 << 30);
    seed_->setToolTip(tr("Sampling only: the same seed gives the same sample (both models use it)"));
    chat_ = new QCheckBox(tr("Chat"), this);
    chat_->setToolTip(tr("Instruct models: ask the prompt as a user turn of the model's chat template, so the answer "
                         "follows the assistant header (needs a chat template in the model folder)"));

    auto* promptRow = new QHBoxLayout;
    promptRow->addWidget(new QLabel(tr("Prompt:"), this));
    promptRow->addWidget(prompt_, 1);
    promptRow->addWidget(probeButton_);
    auto* sampleRow = new QHBoxLayout;
    sampleRow->addWidget(new QLabel(tr("New tokens:"), this));
    sampleRow->addWidget(maxTokens_);
    sampleRow->addWidget(new QLabel(tr("Temperature:"), this));
    sampleRow->addWidget(temperature_);
    sampleRow->addWidget(new QLabel(tr("Top-p:"), this));
    sampleRow->addWidget(topP_);
    sampleRow->addWidget(new QLabel(tr("Seed:"), this));
    sampleRow->addWidget(seed_);
    sampleRow->addWidget(chat_);
    sampleRow->addStretch();
    auto* legend = new QLabel(probabilityLegendHtml(), this);
    sampleRow->addWidget(legend);

    originalTitle_ = new QLabel(tr("<b>Original model</b>"), this);
    editedTitle_ = new QLabel(tr("<b>Edited model</b>"), this);
    original_ = new QTextBrowser(this);
    edited_ = new QTextBrowser(this);
    for (auto* b : {original_, edited_}) b->setMinimumHeight(70);
    auto* sides = new QGridLayout;
    sides->addWidget(originalTitle_, 0, 0);
    sides->addWidget(editedTitle_, 0, 1);
    sides->addWidget(original_, 1, 0);
    sides->addWidget(edited_, 1, 1);

    answers_ = new QTableWidget(0, 5, this);
    answers_->setHorizontalHeaderLabels({tr("Answer"), tr("Text"), tr("P before (original)"), tr("P after (edited)"), tr("Change")});
    answers_->horizontalHeader()->setStretchLastSection(true);
    answers_->verticalHeader()->hide();
    answers_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    answers_->setMaximumHeight(130);
    answers_->setColumnWidth(0, 150);
    answers_->setColumnWidth(1, 220);
    answers_->setColumnWidth(2, 140);
    answers_->setColumnWidth(3, 140);
    answers_->setToolTip(tr("Probability of each whole answer given the prompt, under each model. For a prompt of "
                            "the fact set: its answers; otherwise each model's own first phrase."));

    auto* single = new QGroupBox(tr("Ask one prompt"), this);
    auto* sl = new QVBoxLayout(single);
    sl->addLayout(promptRow);
    sl->addLayout(sampleRow);
    sl->addLayout(sides, 1);
    sl->addWidget(answers_);

    probes_ = new FactProbeModel(this);
    probeTable_ = new QTableView(this);
    probeTable_->setModel(probes_);
    probeTable_->setSortingEnabled(false);
    probeTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
    probeTable_->horizontalHeader()->setStretchLastSection(true);
    probeTable_->verticalHeader()->setDefaultSectionSize(probeTable_->fontMetrics().height() + 8);
    probeTable_->setColumnWidth(FactProbeModel::VerdictCol, 170);
    probeTable_->setColumnWidth(FactProbeModel::KindCol, 70);
    probeTable_->setColumnWidth(FactProbeModel::PromptCol, 280);
    probeTable_->setColumnWidth(FactProbeModel::TargetCol, 120);
    probeTable_->setColumnWidth(FactProbeModel::BeforeCol, 170);
    probeTable_->setColumnWidth(FactProbeModel::AfterCol, 170);
    probeTable_->setColumnWidth(FactProbeModel::PBeforeCol, 110);
    probeAllButton_ = new QPushButton(tr("Probe all facts  (Ctrl+Shift+Enter)"), this);
    connect(probeAllButton_, &QPushButton::clicked, probeAll_, &QAction::trigger);
    allSummary_ = new QLabel(tr("Checks every fact: forgotten? updated? retained?"), this);
    auto* allRow = new QHBoxLayout;
    allRow->addWidget(probeAllButton_);
    allRow->addWidget(allSummary_, 1);
    auto* all = new QGroupBox(tr("All facts: original vs edited"), this);
    auto* al = new QVBoxLayout(all);
    al->addLayout(allRow);
    al->addWidget(probeTable_, 1);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(single);
    split->addWidget(all);
    split->setSizes({330, 420});
    auto* lay = new QVBoxLayout(this);
    lay->addWidget(split);

    setSampleOptions(settings_->probeOptions());
    connect(probe_, &QAction::triggered, this, &ProbePanel::probe);
    connect(prompt_, &QLineEdit::returnPressed, this, &ProbePanel::probe);
    connect(probeAll_, &QAction::triggered, this, &ProbePanel::probeAllFacts);
    connect(probeTable_, &QTableView::doubleClicked, this, [this](const QModelIndex& i) {
        setPrompt(QString::fromStdString(probes_->probes()[i.row()].prompt));
        probe();
    });
    connect(controller_, &SessionController::probed, this, &ProbePanel::showResult);
    connect(controller_, &SessionController::factsProbed, this, &ProbePanel::showFactProbes);
    connect(controller_, &SessionController::busyChanged, this, &ProbePanel::updateEnabled);
    connect(controller_, &SessionController::modelOpened, this, &ProbePanel::updateEnabled);
    connect(controller_, &SessionController::activeRunChanged, this, [this](int id) {
        editedTitle_->setText(id == 0 ? tr("<b>Edited model</b> — no edit in use yet (same as the original)")
                                      : tr("<b>Edited model</b> — weights of run %1").arg(id));
    });
    connect(facts_->model(), &FactTableModel::factsChanged, this, &ProbePanel::updateCompleter);
    updateCompleter();
    updateEnabled();
}

void ProbePanel::setPrompt(const QString& prompt) { prompt_->setText(prompt); }

session::SampleOptions ProbePanel::sampleOptions() const {
    session::SampleOptions o;
    o.max_new_tokens = maxTokens_->value();
    o.temperature = temperature_->value();
    o.top_p = topP_->value();
    o.seed = (uint64_t)seed_->value();
    o.chat = chat_->isEnabled() && chat_->isChecked();
    return o;
}

void ProbePanel::setSampleOptions(const session::SampleOptions& o) {
    maxTokens_->setValue(o.max_new_tokens);
    temperature_->setValue(o.temperature);
    topP_->setValue(o.top_p);
    seed_->setValue((int)o.seed);
    chat_->setChecked(o.chat);
}

void ProbePanel::probe() {
    if (!controller_->hasModel() || controller_->running()) return;
    const QString p = prompt_->text();
    if (p.trimmed().isEmpty()) {
        prompt_->setFocus();
        Q_EMIT status(tr("Type a prompt first"));
        return;
    }
    settings_->setProbeOptions(sampleOptions());
    controller_->probe(p, sampleOptions(), facts_->facts());
    Q_EMIT status(tr("Probing both models…"));
}

void ProbePanel::probeAllFacts() {
    if (!controller_->hasModel() || controller_->running()) return;
    controller_->probeFacts(facts_->facts(), sampleOptions().chat);
    allSummary_->setText(tr("Probing %1 facts on both models…").arg(facts_->facts().facts.size()));
}

void ProbePanel::showResult(const session::ProbeResult& r) {
    const QString prompt = QString::fromStdString(r.prompt);
    original_->setHtml(completionHtml(prompt, r.original));
    edited_->setHtml(completionHtml(prompt, r.edited));
    answers_->setRowCount(0);
    for (const auto& a : r.answers) {
        const int row = answers_->rowCount();
        answers_->insertRow(row);
        answers_->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(a.label)));
        answers_->setItem(row, 1, new QTableWidgetItem(QString::fromStdString(a.answer)));
        auto* b = new QTableWidgetItem(pct(a.p_original));
        auto* e = new QTableWidgetItem(pct(a.p_edited));
        b->setBackground(probabilityColor(a.p_original));
        e->setBackground(probabilityColor(a.p_edited));
        answers_->setItem(row, 2, b);
        answers_->setItem(row, 3, e);
        answers_->setItem(row, 4, new QTableWidgetItem(r.edited_run == 0 ? tr("no edit in use yet") : change(a.p_original, a.p_edited)));
    }
    Q_EMIT status(tr("Probed: \"%1\"").arg(prompt));
}

void ProbePanel::showFactProbes(const std::vector<session::FactProbe>& p) {
    probes_->setProbes(p);
    QStringList parts;
    for (auto k : {facts::Kind::Forget, facts::Kind::Update, facts::Kind::Retain})
        if (probes_->count(k) > 0)
            parts << tr("%1: <b>%2 / %3</b> pass").arg(kindLabel(k)).arg(probes_->passed(k)).arg(probes_->count(k));
    allSummary_->setText(parts.join(" · ") + tr("  (double-click a row to probe it above)"));
}

void ProbePanel::updateEnabled() {
    const bool ok = controller_->hasModel() && !controller_->running();
    probe_->setEnabled(ok);
    probeAll_->setEnabled(ok);
    probeButton_->setEnabled(ok);
    probeAllButton_->setEnabled(ok);
    chat_->setEnabled(controller_->card() && !controller_->card()->chat_template.empty());
}

void ProbePanel::updateCompleter() {
    auto* m = static_cast<QStringListModel*>(prompt_->completer()->model());
    m->setStringList(facts_->model()->prompts());
}

}  // namespace llms::ui
