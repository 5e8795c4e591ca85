// The Export & History tab: every run of this session (settings, outcome, headline metrics), which weights
// are in use (use a run / revert to the original), and exporting any of them as a HF folder with progress.
#pragma once
#include "core/session/session_types.h"
#include "ui/metatypes.h"

#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace llms::ui {

class AppSettings;
class SessionController;

class HistoryPanel : public QWidget {
    Q_OBJECT
public:
    HistoryPanel(SessionController* controller, AppSettings* settings, QWidget* parent = nullptr);

    int selectedRun() const;                 // -1 when none
    // Exports run `runId` (0 = original) to dir in the background. Returns false (with a message) when
    // the request is refused up front (empty folder name, the model's own folder, ...).
    // format: an HF folder's dtype ("float32", "bfloat16", "float16") or "gguf:" and a GGUF type ("gguf:q8_0").
    bool exportTo(const QString& dir, int runId, const QString& format, bool overwrite);

    QAction* revertAction() const { return revert_; }
    QAction* exportAction() const { return export_; }
    QTableWidget* table() const { return table_; }

Q_SIGNALS:
    void status(const QString& message);
    void showResults(int runId);
    void reuseSettings(const llms::session::RunRecord& run);   // load this run's facts and settings into the editors

private:
    void syncExportFormat();
    void refresh();
    void updateEnabled();

    SessionController* controller_;
    AppSettings* settings_;
    QTableWidget* table_;
    QPushButton *use_, *revertButton_, *results_, *reuse_, *exportButton_, *browse_;
    QComboBox *which_, *dtype_;
    QLineEdit* outDir_;
    QLabel* outLabel_;
    QCheckBox* overwrite_;
    QProgressBar* progress_;
    QLabel *active_, *exportNote_;
    QAction *revert_, *export_;
};

}  // namespace llms::ui
