// Filters the fact table by kind and by a case-insensitive search over prompt, answers and paraphrases.
#pragma once
#include "core/facts/fact_set.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace llms::ui {

class FactFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit FactFilterProxy(QObject* parent = nullptr);
    void setKind(std::optional<facts::Kind> k);   // nullopt: every kind
    void setSearch(const QString& text);

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

private:
    std::optional<facts::Kind> kind_;
    QString search_;
};

}  // namespace llms::ui
