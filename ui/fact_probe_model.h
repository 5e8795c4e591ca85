// "Probe all facts": one row per fact with the original's and the edited model's greedy answers, the
// target's probability before and after, and a pass/fail badge (forgotten? updated? retained?).
#pragma once
#include "core/session/session_types.h"

#include <QAbstractTableModel>

#include <vector>

namespace llms::ui {

class FactProbeModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { VerdictCol, KindCol, PromptCol, TargetCol, BeforeCol, AfterCol, PBeforeCol, PAfterCol, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setProbes(std::vector<session::FactProbe> probes);
    const std::vector<session::FactProbe>& probes() const { return probes_; }
    int passed(facts::Kind k) const;
    int count(facts::Kind k) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<session::FactProbe> probes_;
};

}  // namespace llms::ui
