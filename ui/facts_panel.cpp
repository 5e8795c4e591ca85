#include "ui/facts_panel.h"

#include "core/common/error.h"
#include "ui/app_settings.h"
#include "ui/error_dialog.h"
#include "ui/fact_filter_proxy.h"
#include "ui/fact_table_model.h"
#include "ui/kind_delegate.h"
#include "ui/session_controller.h"

#include <QAction>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <set>

namespace llms::ui {

FactsPanel::FactsPanel(SessionController* controller, AppSettings* settings, QWidget* parent)
    : QWidget(parent), controller_(controller), settings_(settings), model_(new FactTableModel(this)),
      proxy_(new FactFilterProxy(this)) {
    proxy_->setSourceModel(model_);

    auto* intro = new QLabel(tr("<b>What should change?</b> Each row is a fact the model completes. "
                                "<span style='background:#fbe1e1'>&nbsp;Forget&nbsp;</span> facts must no longer be answered, "
                                "<span style='background:#fdf0cc'>&nbsp;Update&nbsp;</span> facts must get a new answer, "
                                "<span style='background:#dff2e3'>&nbsp;Retain&nbsp;</span> facts must stay as they are. "
                                "Double-click a cell to edit; <i>Ask the model</i> shows what it answers now."),
                             this);
    intro->setWordWrap(true);

    // Actions (the main window puts them in its menus; shortcuts work from anywhere in the window).
    undo_ = model_->undoStack()->createUndoAction(this, tr("&Undo"));
    undo_->setShortcut(QKeySequence::Undo);
    redo_ = model_->undoStack()->createRedoAction(this, tr("&Redo"));
    redo_->setShortcut(QKeySequence::Redo);
    import_ = new QAction(tr("&Import facts…"), this);
    import_->setShortcut(QKeySequence(tr("Ctrl+I")));
    import_->setToolTip(tr("Load facts from a JSONL or CSV file (Ctrl+I)"));
    export_ = new QAction(tr("E&xport facts…"), this);
    export_->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
    export_->setToolTip(tr("Save the facts as JSONL or CSV (Ctrl+Shift+S)"));
    addForget_ = new QAction(tr("+ Forget"), this);
    addForget_->setShortcut(QKeySequence(tr("Ctrl+N")));
    addForget_->setToolTip(tr("Add a fact the model must forget (Ctrl+N)"));
    addUpdate_ = new QAction(tr("+ Update"), this);
    addUpdate_->setToolTip(tr("Add a fact whose answer must change"));
    addRetain_ = new QAction(tr("+ Retain"), this);
    addRetain_->setToolTip(tr("Add a fact the model must keep answering"));
    duplicate_ = new QAction(tr("D&uplicate"), this);
    duplicate_->setShortcut(QKeySequence(tr("Ctrl+D")));
    duplicate_->setToolTip(tr("Duplicate the selected facts (Ctrl+D)"));
    delete_ = new QAction(tr("&Delete"), this);
    delete_->setShortcut(QKeySequence::Delete);
    delete_->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    delete_->setToolTip(tr("Delete the selected facts (Del)"));
    ask_ = new QAction(tr("Ask the &model"), this);
    ask_->setShortcut(QKeySequence(tr("Ctrl+K")));
    ask_->setToolTip(tr("Fill \"Model says\" with the model's current greedy answer to every prompt (Ctrl+K)"));
    find_ = new QAction(tr("&Find…"), this);
    find_->setShortcut(QKeySequence::Find);
    addAction(delete_);   // Del only while the facts tab has focus

    auto* bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addAction(addForget_);
    bar->addAction(addUpdate_);
    bar->addAction(addRetain_);
    bar->addAction(duplicate_);
    bar->addAction(delete_);
    bar->addSeparator();
    // Short labels on the toolbar; the menu's Undo/Redo say what they undo.
    auto* undoShort = bar->addAction(tr("Undo"), model_->undoStack(), &QUndoStack::undo);
    auto* redoShort = bar->addAction(tr("Redo"), model_->undoStack(), &QUndoStack::redo);
    undoShort->setEnabled(false);
    redoShort->setEnabled(false);
    connect(model_->undoStack(), &QUndoStack::canUndoChanged, undoShort, &QAction::setEnabled);
    connect(model_->undoStack(), &QUndoStack::canRedoChanged, redoShort, &QAction::setEnabled);
    connect(model_->undoStack(), &QUndoStack::undoTextChanged, undoShort,
            [undoShort](const QString& t) { undoShort->setToolTip(tr("Undo: %1 (Ctrl+Z)").arg(t)); });
    connect(model_->undoStack(), &QUndoStack::redoTextChanged, redoShort,
            [redoShort](const QString& t) { redoShort->setToolTip(tr("Redo: %1 (Ctrl+Shift+Z)").arg(t)); });
    bar->addSeparator();
    bar->addAction(import_);
    bar->addAction(export_);
    bar->addSeparator();
    bar->addAction(ask_);

    kindFilter_ = new QComboBox(this);
    kindFilter_->addItem(tr("All kinds"), -1);
    kindFilter_->addItem(tr("Forget"), (int)facts::Kind::Forget);
    kindFilter_->addItem(tr("Update"), (int)facts::Kind::Update);
    kindFilter_->addItem(tr("Retain"), (int)facts::Kind::Retain);
    search_ = new QLineEdit(this);
    search_->setPlaceholderText(tr("Search prompts and answers (Ctrl+F)"));
    search_->setClearButtonEnabled(true);
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(new QLabel(tr("Show:"), this));
    filterRow->addWidget(kindFilter_);
    filterRow->addWidget(search_, 1);

    view_ = new QTableView(this);
    view_->setModel(proxy_);
    view_->setItemDelegateForColumn(FactTableModel::KindCol, new KindDelegate(view_));
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                           QAbstractItemView::AnyKeyPressed);
    view_->setWordWrap(false);
    view_->verticalHeader()->setDefaultSectionSize(view_->fontMetrics().height() + 8);
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->setColumnWidth(FactTableModel::KindCol, 90);
    view_->setColumnWidth(FactTableModel::PromptCol, 330);
    view_->setColumnWidth(FactTableModel::AnswerCol, 140);
    view_->setColumnWidth(FactTableModel::NewAnswerCol, 140);
    view_->setColumnWidth(FactTableModel::ParaphrasesCol, 200);
    view_->setColumnWidth(FactTableModel::ModelSaysCol, 160);

    summary_ = new QLabel(this);

    auto* lay = new QVBoxLayout(this);
    lay->addWidget(intro);
    lay->addWidget(bar);
    lay->addLayout(filterRow);
    lay->addWidget(view_, 1);
    lay->addWidget(summary_);

    connect(addForget_, &QAction::triggered, this, [this] { model_->addFact(facts::Kind::Forget); view_->scrollToBottom(); });
    connect(addUpdate_, &QAction::triggered, this, [this] { model_->addFact(facts::Kind::Update); view_->scrollToBottom(); });
    connect(addRetain_, &QAction::triggered, this, [this] { model_->addFact(facts::Kind::Retain); view_->scrollToBottom(); });
    connect(duplicate_, &QAction::triggered, this, [this] { model_->duplicateRows(selectedRows()); });
    connect(delete_, &QAction::triggered, this, [this] { model_->removeRows(selectedRows()); });
    connect(import_, &QAction::triggered, this, &FactsPanel::chooseImport);
    connect(export_, &QAction::triggered, this, &FactsPanel::chooseExport);
    connect(ask_, &QAction::triggered, this, &FactsPanel::askModel);
    connect(find_, &QAction::triggered, this, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    connect(search_, &QLineEdit::textChanged, proxy_, &FactFilterProxy::setSearch);
    connect(kindFilter_, &QComboBox::currentIndexChanged, this, [this] {
        const int k = kindFilter_->currentData().toInt();
        proxy_->setKind(k < 0 ? std::nullopt : std::optional<facts::Kind>((facts::Kind)k));
    });
    connect(model_, &FactTableModel::factsChanged, this, &FactsPanel::updateSummary);
    connect(model_, &FactTableModel::editRejected, this, [this](const QString& m) { showError(this, tr("Edit"), m); });
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &FactsPanel::updateEnabled);
    connect(controller_, &SessionController::answered, this, [this](const QStringList& p, const QStringList& a) {
        model_->setModelAnswers(p, a);
        Q_EMIT status(tr("The model answered %1 prompts (see \"Model says\")").arg(p.size()));
    });
    connect(controller_, &SessionController::busyChanged, this, &FactsPanel::updateEnabled);
    connect(controller_, &SessionController::modelOpened, this, [this] {
        model_->clearModelAnswers();
        updateEnabled();
    });
    connect(controller_, &SessionController::activeRunChanged, this, [this] { model_->clearModelAnswers(); });
    updateSummary();
    updateEnabled();
}

const facts::FactSet& FactsPanel::facts() const { return model_->factSet(); }

QList<int> FactsPanel::selectedRows() const {
    std::set<int> rows;
    for (const auto& i : view_->selectionModel()->selectedIndexes()) rows.insert(proxy_->mapToSource(i).row());
    return QList<int>(rows.begin(), rows.end());
}

bool FactsPanel::importFile(const QString& path, bool replace) {
    try {
        const auto set = facts::load_any(path.toStdString());
        model_->importFacts(set, replace);
        settings_->setLastFactsDir(QFileInfo(path).absolutePath());
        Q_EMIT status(tr("Imported %1 facts from %2").arg(set.facts.size()).arg(QFileInfo(path).fileName()));
        return true;
    } catch (const std::exception& e) {   // not only llms::Error: never a crash
        showError(this, tr("Importing facts"), QString::fromStdString(e.what()));
        return false;
    }
}

bool FactsPanel::exportFile(const QString& path) {
    try {
        facts::save_any(model_->factSet(), path.toStdString());
        settings_->setLastFactsDir(QFileInfo(path).absolutePath());
        Q_EMIT status(tr("Saved %1 facts to %2").arg(model_->rowCount()).arg(path));
        return true;
    } catch (const std::exception& e) {   // not only llms::Error: never a crash
        showError(this, tr("Exporting facts"), QString::fromStdString(e.what()));
        return false;
    }
}

void FactsPanel::chooseImport() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Import facts"), settings_->lastFactsDir(),
                                                      tr("Fact sets (*.jsonl *.json *.csv);;All files (*)"));
    if (path.isEmpty()) return;
    bool replace = false;
    if (model_->rowCount() > 0) {
        QMessageBox box(QMessageBox::Question, tr("Import facts"),
                        tr("The table already has %1 facts. Add the imported facts to them, or replace them?")
                            .arg(model_->rowCount()),
                        QMessageBox::Cancel, this);
        auto* add = box.addButton(tr("Add"), QMessageBox::AcceptRole);
        auto* rep = box.addButton(tr("Replace"), QMessageBox::DestructiveRole);
        box.setDefaultButton(add);
        box.exec();
        if (box.clickedButton() == rep) replace = true;
        else if (box.clickedButton() != add) return;
    }
    importFile(path, replace);
}

void FactsPanel::chooseExport() {
    QString path = QFileDialog::getSaveFileName(this, tr("Export facts"), settings_->lastFactsDir() + "/facts.jsonl",
                                                tr("JSON Lines (*.jsonl);;CSV (*.csv)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += ".jsonl";
    exportFile(path);
}

void FactsPanel::askModel() {
    const QStringList prompts = model_->prompts();
    if (prompts.isEmpty()) return;
    controller_->ask(prompts);
    Q_EMIT status(tr("Asking the model %1 prompts…").arg(prompts.size()));
}

void FactsPanel::updateSummary() {
    const auto& s = model_->factSet();
    const auto problems = model_->issues().size();
    QString text = tr("<b>%1</b> to forget · <b>%2</b> to update · <b>%3</b> to retain")
                       .arg(s.count(facts::Kind::Forget))
                       .arg(s.count(facts::Kind::Update))
                       .arg(s.count(facts::Kind::Retain));
    text += problems ? tr(" — <span style='color:#a1261b'>⚠ %1 problem(s): see the Problems column; the surgery "
                          "cannot start until they are fixed</span>")
                           .arg(problems)
                     : tr(" — no problems");
    summary_->setText(text);
    updateEnabled();
}

void FactsPanel::updateEnabled() {
    const bool rows = view_->selectionModel() && view_->selectionModel()->hasSelection();
    duplicate_->setEnabled(rows);
    delete_->setEnabled(rows);
    ask_->setEnabled(controller_->hasModel() && !controller_->running() && model_->rowCount() > 0);
    export_->setEnabled(model_->rowCount() > 0);
}

}  // namespace llms::ui
