// The Facts tab: the fact table with add / duplicate / delete, undo / redo, search and kind filter,
// JSONL/CSV import and export, and "Ask the model" (fills "Model says").
#pragma once
#include "core/facts/fact_set.h"

#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace llms::ui {

class AppSettings;
class FactFilterProxy;
class FactTableModel;
class SessionController;

class FactsPanel : public QWidget {
    Q_OBJECT
public:
    FactsPanel(SessionController* controller, AppSettings* settings, QWidget* parent = nullptr);

    FactTableModel* model() const { return model_; }
    const facts::FactSet& facts() const;
    QTableView* view() const { return view_; }

    // Loads a file (JSONL/CSV): replaces or appends (undoable). Returns false and shows why on error.
    bool importFile(const QString& path, bool replace);
    bool exportFile(const QString& path);

    QAction* undoAction() const { return undo_; }
    QAction* redoAction() const { return redo_; }
    QAction* importAction() const { return import_; }
    QAction* exportAction() const { return export_; }
    QAction* addFactAction() const { return addForget_; }
    QAction* duplicateAction() const { return duplicate_; }
    QAction* deleteAction() const { return delete_; }
    QAction* askAction() const { return ask_; }
    QAction* findAction() const { return find_; }

Q_SIGNALS:
    void status(const QString& message);

private:
    void chooseImport();
    void chooseExport();
    void askModel();
    void updateSummary();
    void updateEnabled();
    QList<int> selectedRows() const;

    SessionController* controller_;
    AppSettings* settings_;
    FactTableModel* model_;
    FactFilterProxy* proxy_;
    QTableView* view_;
    QLineEdit* search_;
    QComboBox* kindFilter_;
    QLabel* summary_;
    QAction *undo_, *redo_, *import_, *export_, *addForget_, *addUpdate_, *addRetain_, *duplicate_, *delete_, *ask_, *find_;
};

}  // namespace llms::ui
