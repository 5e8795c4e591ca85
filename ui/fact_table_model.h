// The fact set as an editable table: one row per fact, colour-coded by kind, validated on every change,
// every edit undoable (QUndoStack). Holds the FactSet itself (torch-free core type) plus the model's
// current answers ("Model says", filled by "Ask the model").
#pragma once
#include "core/facts/fact_set.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QStringList>
#include <QUndoStack>

#include <vector>

namespace llms::ui {

class FactTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { KindCol, PromptCol, AnswerCol, NewAnswerCol, ParaphrasesCol, ModelSaysCol, ProblemsCol, ColumnCount };
    enum Role { KindRole = Qt::UserRole + 1, SearchTextRole };

    explicit FactTableModel(QObject* parent = nullptr);

    // QAbstractTableModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;   // undoable

    // The set; loading one clears the undo history (opening a project, restoring an autosave).
    const facts::FactSet& factSet() const { return set_; }
    void loadFacts(const facts::FactSet& set);
    QUndoStack* undoStack() { return &undo_; }
    bool isModified() const { return !undo_.isClean(); }
    void setSaved() { undo_.setClean(); }

    // Undoable edits.
    void addFact(facts::Kind kind, int row = -1);                  // a blank fact of that kind (row -1: at the end)
    void duplicateRows(QList<int> rows);
    void removeRows(QList<int> rows);
    void importFacts(const facts::FactSet& set, bool replace);    // append, or replace everything

    // Validation of the whole set (FactSet::validate): problems of one row, all problems.
    QStringList rowProblems(int row) const;
    const std::vector<facts::Issue>& issues() const { return issues_; }

    // "Model says": greedy answers by prompt.
    void setModelAnswers(const QStringList& prompts, const QStringList& answers);
    void clearModelAnswers();
    QStringList prompts() const;                                   // every fact's prompt (documents skipped)

    // Raw operations the undo commands call.
    void resetFacts(const facts::FactSet& set);
    void insertFactsRaw(int row, const std::vector<facts::Fact>& fs);
    std::vector<facts::Fact> removeFactsRaw(const QList<int>& sortedRows);   // ascending rows
    void setFieldRaw(int row, int column, const QString& value);
    void replaceFactRaw(int row, const facts::Fact& f);
    QString fieldText(int row, int column) const;

Q_SIGNALS:
    void editRejected(const QString& message);   // an inline edit the model refused, and why
    void factsChanged();                         // any change (for autosave, counts, enabling buttons)

private:
    void revalidate();

    facts::FactSet set_;
    std::vector<facts::Issue> issues_;
    QHash<QString, QString> modelSays_;          // prompt -> greedy answer
    QUndoStack undo_;
};

QString kindLabel(facts::Kind k);                // "Forget", "Update", "Retain"
QColor kindColor(facts::Kind k);                 // light row tint per kind

}  // namespace llms::ui
