#include "ui/fact_commands.h"

#include "ui/fact_table_model.h"

#include <algorithm>

namespace llms::ui {

InsertFactsCommand::InsertFactsCommand(FactTableModel* m, int row, std::vector<facts::Fact> fs, const QString& text)
    : QUndoCommand(text), m_(m), row_(row), facts_(std::move(fs)) {}

void InsertFactsCommand::redo() { m_->insertFactsRaw(row_, facts_); }

void InsertFactsCommand::undo() {
    QList<int> rows;
    for (int i = 0; i < (int)facts_.size(); ++i) rows << row_ + i;
    m_->removeFactsRaw(rows);
}

RemoveFactsCommand::RemoveFactsCommand(FactTableModel* m, QList<int> rows) : m_(m) {
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    rows_ = rows;
    setText(rows_.size() == 1 ? QObject::tr("Delete fact") : QObject::tr("Delete %1 facts").arg(rows_.size()));
}

void RemoveFactsCommand::redo() { removed_ = m_->removeFactsRaw(rows_); }

void RemoveFactsCommand::undo() {
    // Ascending re-insertion puts every fact back at its original row.
    for (int i = 0; i < rows_.size(); ++i) m_->insertFactsRaw(rows_[i], {removed_[i]});
}

EditFieldCommand::EditFieldCommand(FactTableModel* m, int row, int column, const QString& value)
    : m_(m), row_(row), column_(column), value_(value) {
    setText(QObject::tr("Edit %1 of fact %2")
                .arg(m->headerData(column, Qt::Horizontal).toString().toLower())
                .arg(row + 1));
}

void EditFieldCommand::redo() {
    if (!done_) {
        before_ = m_->factSet().facts[row_];
        m_->setFieldRaw(row_, column_, value_);
        after_ = m_->factSet().facts[row_];
        done_ = true;
    } else {
        m_->replaceFactRaw(row_, after_);
    }
}

void EditFieldCommand::undo() { m_->replaceFactRaw(row_, before_); }

ReplaceFactsCommand::ReplaceFactsCommand(FactTableModel* m, facts::FactSet before, facts::FactSet after, const QString& text)
    : QUndoCommand(text), m_(m), before_(std::move(before)), after_(std::move(after)) {}

void ReplaceFactsCommand::redo() { m_->resetFacts(after_); }
void ReplaceFactsCommand::undo() { m_->resetFacts(before_); }

}  // namespace llms::ui
