// The Audit tab: after a run, one click attacks its edited weights (quantization, relearning, sampling,
// rephrasing) and tests membership against never-seen answers (core/eval/audit.h), with a progress bar, a verdict
// per attack beside its pass mark, and saving the audit (JSON / Markdown).
#pragma once
#include "core/eval/audit.h"

#include <QElapsedTimer>
#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace llms::ui {

class AppSettings;
class SessionController;

class AuditPanel : public QWidget {
    Q_OBJECT
public:
    AuditPanel(SessionController* controller, AppSettings* settings, QWidget* parent = nullptr);

    void startAudit();                            // audits the run chosen in the run list
    void showAudit(int runId, const eval::AuditReport& r);
    bool saveAudit(const QString& path);          // .json or .md
    QTableWidget* attackTable() const { return attacks_; }
    const std::optional<eval::AuditReport>& shown() const { return shown_; }

Q_SIGNALS:
    void status(const QString& message);

private:
    void refreshRuns();
    void updateEnabled();

    SessionController* controller_;
    AppSettings* settings_;
    std::optional<eval::AuditReport> shown_;
    int shownRun_ = 0;
    QComboBox* runs_;
    QSpinBox *steps_, *samples_;
    QPushButton *start_, *stop_, *save_;
    QProgressBar* progress_;
    QLabel *stage_, *verdict_, *levels_;
    QTableWidget* attacks_;
    QElapsedTimer clock_;
};

}  // namespace llms::ui
