#include "ui/fact_probe_model.h"

#include "ui/fact_table_model.h"

#include <QBrush>
#include <QFont>

namespace llms::ui {

void FactProbeModel::setProbes(std::vector<session::FactProbe> probes) {
    beginResetModel();
    probes_ = std::move(probes);
    endResetModel();
}

int FactProbeModel::passed(facts::Kind k) const {
    int n = 0;
    for (const auto& p : probes_) n += p.kind == k && p.pass;
    return n;
}

int FactProbeModel::count(facts::Kind k) const {
    int n = 0;
    for (const auto& p : probes_) n += p.kind == k;
    return n;
}

int FactProbeModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : (int)probes_.size(); }
int FactProbeModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant FactProbeModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const auto& p = probes_[index.row()];
    const int col = index.column();
    auto pct = [](double v) { return v < 0 ? QStringLiteral("–") : QString::number(100 * v, 'f', v < 0.001 ? 3 : 1) + "%"; };
    if (role == Qt::DisplayRole) {
        switch (col) {
            case VerdictCol: return (p.pass ? QStringLiteral("✔ ") : QStringLiteral("✘ ")) + QString::fromStdString(p.verdict);
            case KindCol: return kindLabel(p.kind);
            case PromptCol: return QString::fromStdString(p.prompt);
            case TargetCol: return QString::fromStdString(p.target);
            case BeforeCol: return QString::fromStdString(p.before);
            case AfterCol: return QString::fromStdString(p.after);
            case PBeforeCol: return pct(p.p_before);
            case PAfterCol: return pct(p.p_after);
        }
    }
    if (role == Qt::BackgroundRole) {
        if (col == VerdictCol) return QBrush(p.pass ? QColor(0xc8, 0xe6, 0xc9) : QColor(0xf5, 0xb7, 0xb1));
        if (col == KindCol) return QBrush(kindColor(p.kind));
        if (col == BeforeCol) return QBrush(p.hit_before ? QColor(0xee, 0xf5, 0xee) : QColor(0xfa, 0xfa, 0xfa));
        if (col == AfterCol) return QBrush(p.hit_after ? QColor(0xee, 0xf5, 0xee) : QColor(0xfa, 0xfa, 0xfa));
    }
    if (role == Qt::FontRole && col == VerdictCol) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::ToolTipRole) {
        switch (col) {
            case VerdictCol:
                return p.kind == facts::Kind::Forget ? tr("Passes when the edited model no longer answers the target")
                                                     : tr("Passes when the edited model answers the target");
            case BeforeCol: return p.hit_before ? tr("Starts with the target") : tr("Does not start with the target");
            case AfterCol: return p.hit_after ? tr("Starts with the target") : tr("Does not start with the target");
            case PBeforeCol:
            case PAfterCol: return tr("Probability of the whole target answer given the prompt");
        }
    }
    if (role == Qt::TextAlignmentRole && (col == PBeforeCol || col == PAfterCol))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant FactProbeModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case VerdictCol: return tr("Verdict");
        case KindCol: return tr("Kind");
        case PromptCol: return tr("Prompt");
        case TargetCol: return tr("Target");
        case BeforeCol: return tr("Original says");
        case AfterCol: return tr("Edited says");
        case PBeforeCol: return tr("P(target) before");
        case PAfterCol: return tr("P(target) after");
    }
    return {};
}

}  // namespace llms::ui
