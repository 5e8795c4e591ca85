#include "ui/history_panel.h"

#include "ui/app_settings.h"
#include "ui/error_dialog.h"
#include "ui/session_controller.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace llms::ui {

namespace {

QString pct(double v) { return QString::number(100 * v, 'f', 0) + "%"; }

}  // namespace

HistoryPanel::HistoryPanel(SessionController* controller, AppSettings* settings, QWidget* parent)
    : QWidget(parent), controller_(controller), settings_(settings) {
    active_ = new QLabel(this);
    active_->setWordWrap(true);

    table_ = new QTableWidget(0, 10, this);
    table_->setHorizontalHeaderLabels({tr("In use"), tr("Run"), tr("Started"), tr("Started from"), tr("Method, preset"),
                                       tr("Steps"), tr("Outcome"), tr("Forget / update / retain exact match after"),
                                       tr("Weights"), QString()});
    table_->verticalHeader()->hide();
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->horizontalHeader()->setStretchLastSection(true);
    const int widths[] = {55, 45, 150, 100, 170, 55, 250, 270, 110};
    for (int i = 0; i < 9; ++i) table_->setColumnWidth(i, widths[i]);

    use_ = new QPushButton(tr("Use this run's weights"), this);
    use_->setToolTip(tr("Make the selected run's edited weights the ones Probe, Surgery (continue) and Export use"));
    revert_ = new QAction(tr("&Revert to original"), this);
    revert_->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    revert_->setToolTip(tr("Put the original weights back in use; the runs stay in the history (Ctrl+Shift+R)"));
    revertButton_ = new QPushButton(tr("Revert to original  (Ctrl+Shift+R)"), this);
    connect(revertButton_, &QPushButton::clicked, revert_, &QAction::trigger);
    results_ = new QPushButton(tr("Show its results"), this);
    reuse_ = new QPushButton(tr("Load its facts and settings"), this);
    reuse_->setToolTip(tr("Put this run's facts and surgery settings back into the Facts and Surgery tabs, to re-run or "
                          "vary it (a run's weights that were not kept come back by re-running: same seed, same result)"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(use_);
    buttons->addWidget(revertButton_);
    buttons->addWidget(results_);
    buttons->addWidget(reuse_);
    buttons->addStretch();

    auto* historyBox = new QGroupBox(tr("Run history"), this);
    auto* hl = new QVBoxLayout(historyBox);
    hl->addWidget(active_);
    hl->addWidget(table_, 1);
    hl->addLayout(buttons);

    // ---- export -------------------------------------------------------------------------------------------
    which_ = new QComboBox(this);
    which_->setToolTip(tr("Which weights to write"));
    // Data: an HF folder's dtype ("float32"), or "gguf:" and a GGUF type ("gguf:q8_0").
    dtype_ = new QComboBox(this);
    for (const char* d : {"float32", "bfloat16", "float16"}) dtype_->addItem(tr("Hugging Face folder, %1").arg(d), d);
    const std::pair<const char*, const char*> ggufTypes[] = {
        {"f16", QT_TR_NOOP("GGUF file (llama.cpp, Ollama, LM Studio), f16")},
        {"q8_0", QT_TR_NOOP("GGUF file, q8_0 (8-bit, about half of f16)")},
        {"q4_0", QT_TR_NOOP("GGUF file, q4_0 (4-bit, about a quarter of f16)")},
        {"bf16", QT_TR_NOOP("GGUF file, bf16")},
        {"f32", QT_TR_NOOP("GGUF file, f32")}};
    for (const auto& [type, label] : ggufTypes) dtype_->addItem(tr(label), QString("gguf:") + type);
    // A LoRA run's adapter alone ("adapter:peft", "adapter:gguf:f16").
    dtype_->addItem(tr("LoRA adapter (LoRA runs): PEFT folder"), "adapter:peft");
    dtype_->addItem(tr("LoRA adapter (LoRA runs): GGUF file, f16"), "adapter:gguf:f16");
    dtype_->addItem(tr("LoRA adapter (LoRA runs): GGUF file, f32"), "adapter:gguf:f32");
    dtype_->setCurrentIndex(std::max(0, dtype_->findData(settings_->exportDtype())));
    dtype_->setToolTip(tr("A Hugging Face folder (float32, or bfloat16/float16 at half the size), or one GGUF file for "
                          "llama.cpp and the apps built on it (norms stay f32; in q4_0 the output matrix is q8_0); for a "
                          "run trained with LoRA, its adapter alone as a PEFT folder or a GGUF LoRA file"));
    outDir_ = new QLineEdit(this);
    outDir_->setPlaceholderText(tr("a new folder for the edited model"));
    browse_ = new QPushButton(tr("Browse…"), this);
    overwrite_ = new QCheckBox(tr("replace the folder if llm-surgery wrote it"), this);
    overwrite_->setToolTip(tr("Only a folder this program exported can be replaced; any other folder (your files, "
                              "another tool's model, your home folder) is refused, never deleted"));
    export_ = new QAction(tr("E&xport model…"), this);
    export_->setShortcut(QKeySequence(tr("Ctrl+E")));
    export_->setToolTip(tr("Write the chosen weights as a Hugging Face folder (Ctrl+E)"));
    exportButton_ = new QPushButton(tr("Export  (Ctrl+E)"), this);
    exportButton_->setMinimumWidth(160);
    connect(exportButton_, &QPushButton::clicked, export_, &QAction::trigger);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setVisible(false);
    exportNote_ = new QLabel(tr("Writes config.json, model.safetensors and the tokenizer into a temporary folder and "
                                "renames it into place when complete: an interrupted export never leaves a half-written "
                                "model. The source folder is never written to."),
                             this);
    exportNote_->setWordWrap(true);
    exportNote_->setStyleSheet("color:#555");
    auto* dirRow = new QHBoxLayout;
    dirRow->addWidget(outDir_, 1);
    dirRow->addWidget(browse_);
    auto* form = new QFormLayout;
    form->addRow(tr("Weights:"), which_);
    form->addRow(tr("Format:"), dtype_);
    outLabel_ = new QLabel(tr("Folder:"), this);
    form->addRow(outLabel_, dirRow);
    form->addRow(QString(), overwrite_);
    auto* exportBox = new QGroupBox(tr("Export"), this);
    auto* el = new QVBoxLayout(exportBox);
    el->addLayout(form);
    el->addWidget(exportButton_, 0, Qt::AlignLeft);
    el->addWidget(progress_);
    el->addWidget(exportNote_);

    auto* lay = new QVBoxLayout(this);
    lay->addWidget(historyBox, 3);
    lay->addWidget(exportBox, 2);

    connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
        const int id = selectedRun();
        if (id > 0)
            if (const int i = which_->findData(id); i >= 0) which_->setCurrentIndex(i);
        updateEnabled();
    });
    connect(table_, &QTableWidget::cellDoubleClicked, this, [this] { Q_EMIT showResults(selectedRun()); });
    connect(use_, &QPushButton::clicked, this, [this] { controller_->useRun(selectedRun()); });
    connect(revert_, &QAction::triggered, this, [this] {
        controller_->revertToOriginal();
        Q_EMIT status(tr("The original weights are in use again"));
    });
    connect(results_, &QPushButton::clicked, this, [this] { Q_EMIT showResults(selectedRun()); });
    connect(reuse_, &QPushButton::clicked, this, [this] {
        if (const auto* r = controller_->run(selectedRun())) Q_EMIT reuseSettings(*r);
    });
    connect(browse_, &QPushButton::clicked, this, [this] {
        const bool gguf = dtype_->currentData().toString().contains("gguf:");
        const QString d = gguf ? QFileDialog::getSaveFileName(this, tr("Export to a GGUF file"),
                                                              settings_->lastExportDir() + "/edited-model.gguf",
                                                              tr("GGUF files (*.gguf)"))
                               : QFileDialog::getSaveFileName(this, tr("Export to a new folder"),
                                                              settings_->lastExportDir() + "/edited-model", QString(),
                                                              nullptr, QFileDialog::ShowDirsOnly);
        if (!d.isEmpty()) outDir_->setText(d);
    });
    connect(dtype_, &QComboBox::currentIndexChanged, this, &HistoryPanel::syncExportFormat);
    connect(export_, &QAction::triggered, this, [this] {
        exportTo(outDir_->text(), which_->currentData().toInt(), dtype_->currentData().toString(), overwrite_->isChecked());
    });
    connect(controller_, &SessionController::historyChanged, this, &HistoryPanel::refresh);
    connect(controller_, &SessionController::activeRunChanged, this, &HistoryPanel::refresh);
    connect(controller_, &SessionController::busyChanged, this, &HistoryPanel::updateEnabled);
    connect(controller_, &SessionController::modelOpened, this, [this](const session::ModelCard& c) {
        if (outDir_->text().isEmpty())
            outDir_->setText(QDir(settings_->lastExportDir()).filePath(QString::fromStdString(c.name) + "-edited"));
        syncExportFormat();
        refresh();
    });
    connect(controller_, &SessionController::progress, this, [this](const QString& what, double f) {
        if (what != tr("Exporting model")) return;
        progress_->setVisible(f < 1.0);
        progress_->setFormat(tr("Writing… %p%"));
        progress_->setValue((int)(f * 1000));
    });
    connect(controller_, &SessionController::exported, this, [this](const QString& dir) {
        progress_->setVisible(false);
        exportNote_->setText(dir.endsWith(".gguf")
                                 ? tr("<span style='color:#2e7d32'>✔ Exported to <b>%1</b></span> — load it in llama.cpp, "
                                      "Ollama or LM Studio.").arg(dir.toHtmlEscaped())
                                 : tr("<span style='color:#2e7d32'>✔ Exported to <b>%1</b></span> — open it here or with "
                                      "any Hugging Face tooling.").arg(dir.toHtmlEscaped()));
        Q_EMIT status(tr("Model exported to %1").arg(dir));
    });
    connect(controller_, &SessionController::failed, this, [this](Task task) {
        if (task == Task::Export) progress_->setVisible(false);
    });
    syncExportFormat();
    refresh();
}

// A GGUF export names a file, an HF export a folder: the path, its label, the replace option and the note follow.
void HistoryPanel::syncExportFormat() {
    const QString format = dtype_->currentData().toString();
    const bool gguf = format.contains("gguf:"), adapter = format.startsWith("adapter:");
    QString p = outDir_->text().trimmed();
    if (gguf && !p.isEmpty() && !p.endsWith(".gguf")) p += ".gguf";
    if (!gguf && p.endsWith(".gguf")) p.chop(5);
    outDir_->setText(p);
    outDir_->setPlaceholderText(gguf ? tr("a new .gguf file for the edited model") : tr("a new folder for the edited model"));
    outLabel_->setText(gguf ? tr("File:") : tr("Folder:"));
    overwrite_->setText(gguf ? tr("replace the file if llm-surgery wrote it") : tr("replace the folder if llm-surgery wrote it"));
    if (adapter) {
        outDir_->setPlaceholderText(gguf ? tr("a new .gguf file for the adapter") : tr("a new folder for the adapter"));
        exportNote_->setText(gguf ? tr("Writes the LoRA adapter of the chosen run as a GGUF LoRA file: load it on the "
                                       "original model's GGUF with llama.cpp's --lora or Ollama's ADAPTER.")
                                  : tr("Writes the LoRA adapter of the chosen run as a PEFT folder (adapter_config.json, "
                                       "adapter_model.safetensors) for PEFT, vLLM or llama.cpp's converter."));
        return;
    }
    exportNote_->setText(gguf ? tr("Writes one GGUF file (weights, tokenizer, chat template) under a temporary name and "
                                   "renames it when complete, as llama.cpp's converter lays it out: load it in llama.cpp, "
                                   "Ollama or LM Studio. The source folder is never written to.")
                              : tr("Writes config.json, model.safetensors and the tokenizer into a temporary folder and "
                                   "renames it into place when complete: an interrupted export never leaves a "
                                   "half-written model. The source folder is never written to."));
}

int HistoryPanel::selectedRun() const {
    const auto rows = table_->selectionModel()->selectedRows();
    if (rows.isEmpty()) return -1;
    return table_->item(rows.first().row(), 1)->data(Qt::UserRole).toInt();
}

bool HistoryPanel::exportTo(const QString& dir, int runId, const QString& format, bool overwrite) {
    const QString d = QDir::cleanPath(dir.trimmed());
    const bool gguf = format.contains("gguf:"), adapter = format.startsWith("adapter:");
    if (dir.trimmed().isEmpty()) {
        showError(this, tr("Export"), gguf ? tr("Choose a .gguf file to export to (Browse…).")
                                           : tr("Choose a folder to export to (Browse…)."));
        return false;
    }
    if (controller_->card() && QFileInfo(d).absoluteFilePath() == QString::fromStdString(controller_->card()->dir)) {
        showError(this, tr("Export"), tr("%1 is the folder the model was loaded from; export to a new folder.").arg(d));
        return false;
    }
    if (adapter) {
        const auto* r = runId > 0 ? controller_->run(runId) : nullptr;
        if (!r || !r->adapter_kept) {
            showError(this, tr("Export"), tr("%1 has no LoRA adapter: only runs trained with LoRA (Advanced settings) "
                                             "have one. Choose such a run, or a model format.")
                                              .arg(runId == 0 ? tr("The original model") : tr("Run %1").arg(runId)));
            return false;
        }
    } else if (runId > 0) {
        const auto* r = controller_->run(runId);
        if (!r || !r->weights_kept) {
            showError(this, tr("Export"), tr("The weights of run %1 are not in memory (dropped to save memory, or the run "
                                             "comes from a project file). Load its facts and settings and run it again.")
                                              .arg(runId));
            return false;
        }
    }
    settings_->setExportDtype(format);
    settings_->setLastExportDir(QFileInfo(d).absolutePath());
    session::ExportOptions o;
    if (adapter) {
        o.adapter = gguf ? "gguf" : "peft";
        if (gguf) o.gguf_type = format.section(':', 2).toStdString();
    } else if (gguf) {
        o.gguf_type = format.mid(5).toStdString();
    } else {
        o.dtype = format.toStdString();
    }
    o.overwrite = overwrite;
    progress_->setValue(0);
    progress_->setVisible(true);
    exportNote_->setText(tr("Exporting %1 to %2 …").arg(runId == 0 ? tr("the original weights") : tr("run %1").arg(runId), d));
    controller_->exportModel(d, runId, o);
    return true;
}

void HistoryPanel::refresh() {
    const int keep = selectedRun();
    const auto& h = controller_->history();
    const int activeId = controller_->activeRun();
    table_->setRowCount(0);
    which_->clear();
    which_->addItem(tr("the original model (as loaded)"), 0);
    for (auto it = h.rbegin(); it != h.rend(); ++it) {
        const auto& r = *it;
        const int row = table_->rowCount();
        table_->insertRow(row);
        auto set = [&](int col, const QString& text) {
            auto* item = new QTableWidgetItem(text);
            if (r.id == activeId) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            table_->setItem(row, col, item);
            return item;
        };
        set(0, r.id == activeId ? QStringLiteral("●") : QString())->setTextAlignment(Qt::AlignCenter);
        set(1, QString::number(r.id))->setData(Qt::UserRole, r.id);
        set(2, QString::fromStdString(r.started));
        set(3, r.base == 0 ? tr("original") : tr("run %1").arg(r.base));
        set(4, QString::fromStdString(surgery::method_name(r.config.method) + ", " + r.config.preset +
                                      (r.config.lora.empty() ? "" : ", LoRA " + r.config.lora)));
        set(5, QString::number(r.outcome.steps_done));
        set(6, QString::fromStdString(r.outcome.message));
        if (r.report) {
            const auto& a = r.report->after;
            auto part = [](const eval::SetMetrics& s) { return s.n ? pct(s.exact_match) : QStringLiteral("–"); };
            QString text = part(a.forget) + " / " + part(a.update) + " / " + part(a.retain);
            if (r.report->before) {
                const auto& b = *r.report->before;
                text += tr("   (before %1 / %2 / %3)").arg(part(b.forget), part(b.update), part(b.retain));
            }
            set(7, text);
        } else {
            set(7, tr("no report"));
        }
        set(8, r.weights_kept ? tr("in memory") : tr("not kept (re-run)"))
            ->setForeground(r.weights_kept ? QColor(0x2e, 0x7d, 0x32) : QColor(0x88, 0x88, 0x88));
        if (r.weights_kept) which_->addItem(tr("run %1 (%2)").arg(r.id).arg(QString::fromStdString(r.outcome.message)), r.id);
        if (r.id == keep) table_->selectRow(row);
    }
    if (const int i = which_->findData(activeId); i >= 0) which_->setCurrentIndex(i);
    active_->setText(activeId == 0 ? tr("In use: <b>the original weights</b>. Runs below can be used, compared and exported.")
                                   : tr("In use: <b>the weights of run %1</b> (Probe compares them with the original).").arg(activeId));
    if (h.empty()) active_->setText(active_->text() + tr(" No run yet."));
    updateEnabled();
}

void HistoryPanel::updateEnabled() {
    const bool idle = !controller_->busy();
    const int id = selectedRun();
    const auto* r = id > 0 ? controller_->run(id) : nullptr;
    use_->setEnabled(idle && r && r->weights_kept && id != controller_->activeRun());
    revert_->setEnabled(idle && controller_->hasModel() && controller_->activeRun() != 0);
    revertButton_->setEnabled(revert_->isEnabled());
    results_->setEnabled(r && r->report);
    reuse_->setEnabled(r != nullptr && !controller_->running());
    export_->setEnabled(idle && controller_->hasModel());
    exportButton_->setEnabled(export_->isEnabled());
}

}  // namespace llms::ui
