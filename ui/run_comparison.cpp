#include "ui/run_comparison.h"

#include "core/surgery/surgery_config.h"

#include <QFont>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <functional>
#include <optional>

namespace llms::ui {

namespace {

enum class Better { Lower, Higher };

// One row of the table: how to read a value from a report (nullopt: not measured), how to show it, which way is
// better (the bold one).
struct Row {
    QString label, tip;
    std::function<std::optional<double>(const eval::Measurement& m, const eval::Measurement* before)> value;
    enum class Unit { Percent, Points, Number } unit;   // a fraction shown as 12.5%, as 12.5 (points), or as is
    Better better;
};

std::optional<double> finite(double v) { return std::isfinite(v) ? std::optional(v) : std::nullopt; }
std::optional<double> measured(const eval::SetMetrics& s, double v) { return s.n > 0 ? finite(v) : std::nullopt; }

const std::vector<Row>& rows() {
    using M = eval::Measurement;
    static const std::vector<Row> r = {
        {QObject::tr("forget: exact match"), QObject::tr("Forget facts still answered (want 0%)"),
         [](const M& m, const M*) { return measured(m.forget, m.forget.exact_match); }, Row::Unit::Percent, Better::Lower},
        {QObject::tr("forget: answer probability"), QObject::tr("Mean P(whole answer | prompt) of the forget facts"),
         [](const M& m, const M*) { return measured(m.forget, m.forget.answer_prob); }, Row::Unit::Percent, Better::Lower},
        {QObject::tr("update: exact match (reliability)"), QObject::tr("Update facts answered with their new answer"),
         [](const M& m, const M*) { return measured(m.update, m.update.exact_match); }, Row::Unit::Percent, Better::Higher},
        {QObject::tr("update: paraphrases (generalization)"),
         QObject::tr("The new answer after paraphrased prompts the run never trained on"),
         [](const M& m, const M*) { return m.update.n > 0 ? m.update.paraphrase_acc : std::nullopt; }, Row::Unit::Percent,
         Better::Higher},
        {QObject::tr("retain: exact match"), QObject::tr("The facts you asked to keep"),
         [](const M& m, const M*) { return measured(m.retain, m.retain.exact_match); }, Row::Unit::Percent, Better::Higher},
        {QObject::tr("other known facts: exact match (locality)"),
         QObject::tr("Facts the model knew that no set names (collateral damage shows here)"),
         [](const M& m, const M*) { return measured(m.collateral, m.collateral.exact_match); }, Row::Unit::Percent, Better::Higher},
        {QObject::tr("other known facts: drop (points)"),
         QObject::tr("Exact-match percentage points lost on the other known facts against the original"),
         [](const M& m, const M* b) -> std::optional<double> {
             if (!b || m.collateral.n == 0) return std::nullopt;
             return b->collateral.exact_match - m.collateral.exact_match;
         },
         Row::Unit::Points, Better::Lower},
        {QObject::tr("retain: KL to original (nats/token)"), QObject::tr("How far the retain facts' next-token "
                                                                         "distributions moved"),
         [](const M& m, const M*) { return m.retain.n > 0 ? m.retain.kl : std::nullopt; }, Row::Unit::Number, Better::Lower},
        {QObject::tr("other known facts: KL (nats/token)"), QString(),
         [](const M& m, const M*) { return m.collateral.n > 0 ? m.collateral.kl : std::nullopt; }, Row::Unit::Number, Better::Lower},
        {QObject::tr("held-out text: perplexity (fluency)"), QObject::tr("Perplexity on text no set holds"),
         [](const M& m, const M*) { return m.fluency_ppl; }, Row::Unit::Number, Better::Lower},
    };
    return r;
}

QString shown(std::optional<double> v, Row::Unit unit) {
    if (!v) return QStringLiteral("–");
    switch (unit) {
    case Row::Unit::Percent: return QString::number(100 * *v, 'f', 1) + "%";
    case Row::Unit::Points: return QString::number(100 * *v, 'f', 1);
    case Row::Unit::Number: return QString::number(*v, 'g', 4);
    }
    return {};
}

}  // namespace

RunComparison::RunComparison(QWidget* parent) : QWidget(parent) {
    note_ = new QLabel(this);
    note_->setWordWrap(true);
    table_ = new QTableWidget(this);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionMode(QAbstractItemView::NoSelection);
    table_->horizontalHeader()->setDefaultSectionSize(150);
    table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(note_);
    lay->addWidget(table_, 1);
    setRuns({});
}

void RunComparison::setRuns(const std::vector<session::RunRecord>& runs) {
    std::vector<const session::RunRecord*> shown_runs;
    for (const auto& r : runs)
        if (r.report) shown_runs.push_back(&r);
    table_->clear();
    if (shown_runs.empty()) {
        note_->setText(tr("<i>No run with a report yet: every run of this session appears here as a column, the same "
                          "measurements for every method, so they can be compared across a row.</i>"));
        table_->setRowCount(0);
        table_->setColumnCount(0);
        return;
    }
    note_->setText(tr("Every run of this session beside the original model, measured on the same facts (each run on its "
                      "own fact set: compare runs of the same set). The best value of each row is <b>bold</b>."));

    // The original's column: the first run's "before" (every run measures the same original model).
    const eval::Measurement* original = nullptr;
    for (const auto* r : shown_runs)
        if (r->report->before) {
            original = &*r->report->before;
            break;
        }
    struct Column {
        QString title;
        const eval::Measurement* m;
        const eval::Measurement* before;
        const session::RunRecord* run;
    };
    std::vector<Column> cols;
    if (original) cols.push_back({tr("Original"), original, nullptr, nullptr});
    for (const auto* r : shown_runs) {
        const auto& rep = *r->report;
        // ROME / MEMIT train nothing: no preset to name.
        const QString title = surgery::is_closed_form(r->config.method)
                                  ? tr("Run %1\n%2").arg(r->id).arg(QString::fromStdString(rep.method))
                                  : tr("Run %1\n%2, %3").arg(r->id).arg(QString::fromStdString(rep.method),
                                                                        QString::fromStdString(rep.preset));
        cols.push_back({title, &rep.after, rep.before ? &*rep.before : nullptr, r});
    }

    QStringList headers;
    for (const auto& c : cols) headers << c.title;
    QStringList labels;
    for (const auto& row : rows()) labels << row.label;
    labels << tr("steps (ROME / MEMIT: facts edited)") << tr("seconds");
    table_->setColumnCount((int)cols.size());
    table_->setRowCount((int)labels.size());
    table_->setHorizontalHeaderLabels(headers);
    table_->setVerticalHeaderLabels(labels);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    for (int i = 0; i < (int)rows().size(); ++i)
        table_->verticalHeaderItem(i)->setToolTip(rows()[(size_t)i].tip);

    for (int i = 0; i < (int)rows().size(); ++i) {
        const Row& row = rows()[(size_t)i];
        std::vector<std::optional<double>> v;
        for (const auto& c : cols) v.push_back(row.value(*c.m, c.before));
        std::optional<double> best;
        for (size_t c = 0; c < v.size(); ++c) {
            if (!v[c] || !cols[c].run) continue;   // the best among the runs
            if (!best || (row.better == Better::Lower ? *v[c] < *best : *v[c] > *best)) best = v[c];
        }
        for (size_t c = 0; c < v.size(); ++c) {
            auto* item = new QTableWidgetItem(shown(v[c], row.unit));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (best && v[c] && *v[c] == *best && cols[c].run && cols.size() > 2) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            table_->setItem(i, (int)c, item);
        }
    }
    const int steps_row = (int)rows().size();
    for (size_t c = 0; c < cols.size(); ++c) {
        const auto* run = cols[c].run;
        auto* steps = new QTableWidgetItem(run ? QString::number(run->report->steps) : QStringLiteral("–"));
        auto* seconds = new QTableWidgetItem(run ? QString::number(run->report->seconds, 'f', 1) : QStringLiteral("–"));
        for (auto* item : {steps, seconds}) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table_->setItem(steps_row, (int)c, steps);
        table_->setItem(steps_row + 1, (int)c, seconds);
    }
}

}  // namespace llms::ui
