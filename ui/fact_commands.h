// Undo commands for the fact table: each does its change through FactTableModel's raw operations.
#pragma once
#include "core/facts/fact_set.h"

#include <QList>
#include <QUndoCommand>

#include <vector>

namespace llms::ui {

class FactTableModel;

class InsertFactsCommand : public QUndoCommand {
public:
    InsertFactsCommand(FactTableModel* m, int row, std::vector<facts::Fact> fs, const QString& text);
    void redo() override;
    void undo() override;
private:
    FactTableModel* m_;
    int row_;
    std::vector<facts::Fact> facts_;
};

class RemoveFactsCommand : public QUndoCommand {
public:
    RemoveFactsCommand(FactTableModel* m, QList<int> rows);   // any order, duplicates ignored
    void redo() override;
    void undo() override;
private:
    FactTableModel* m_;
    QList<int> rows_;                   // ascending
    std::vector<facts::Fact> removed_;  // in rows_ order
};

// One cell edit. Keeps the whole fact before and after: a kind change also moves answers between fields.
class EditFieldCommand : public QUndoCommand {
public:
    EditFieldCommand(FactTableModel* m, int row, int column, const QString& value);
    void redo() override;
    void undo() override;
private:
    FactTableModel* m_;
    int row_, column_;
    QString value_;
    facts::Fact before_, after_;
    bool done_ = false;
};

class ReplaceFactsCommand : public QUndoCommand {
public:
    ReplaceFactsCommand(FactTableModel* m, facts::FactSet before, facts::FactSet after, const QString& text);
    void redo() override;
    void undo() override;
private:
    FactTableModel* m_;
    facts::FactSet before_, after_;
};

}  // namespace llms::ui
