#include "ui/fact_filter_proxy.h"

#include "ui/fact_table_model.h"

namespace llms::ui {

FactFilterProxy::FactFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {}

void FactFilterProxy::setKind(std::optional<facts::Kind> k) {
    kind_ = k;
    invalidateFilter();
}

void FactFilterProxy::setSearch(const QString& text) {
    search_ = text.trimmed();
    invalidateFilter();
}

bool FactFilterProxy::filterAcceptsRow(int row, const QModelIndex& parent) const {
    const QModelIndex i = sourceModel()->index(row, 0, parent);
    if (kind_ && sourceModel()->data(i, FactTableModel::KindRole).toInt() != (int)*kind_) return false;
    if (search_.isEmpty()) return true;
    return sourceModel()->data(i, FactTableModel::SearchTextRole).toString().contains(search_, Qt::CaseInsensitive);
}

}  // namespace llms::ui
