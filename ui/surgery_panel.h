// The Surgery tab: settings (method, preset, advanced), Start / Pause / Resume / Stop, progress with
// ETA and steps/s, and the live plots. The run itself happens on the worker thread.
#pragma once
#include "core/session/session_types.h"
#include "core/surgery/surgery_config.h"

#include <QElapsedTimer>
#include <QWidget>

class QAction;
class QLabel;
class QProgressBar;
class QPushButton;
class QRadioButton;

namespace llms::ui {

class FactsPanel;
class SessionController;
class SurgerySettingsForm;
class TrainingPlots;

class SurgeryPanel : public QWidget {
    Q_OBJECT
public:
    SurgeryPanel(SessionController* controller, FactsPanel* facts, QWidget* parent = nullptr);

    SurgerySettingsForm* form() const { return form_; }
    TrainingPlots* plots() const { return plots_; }
    bool fromOriginal() const;
    void setFromOriginal(bool on);

    // Checks what a run needs (model, valid facts with something to edit, valid settings); empty when ready.
    QString whyNotReady() const;
    // Starts a run (no-op with an error dialog when not ready). Returns whether it started.
    bool start();

    QAction* startAction() const { return start_; }
    QAction* pauseAction() const { return pause_; }
    QAction* stopAction() const { return stop_; }

Q_SIGNALS:
    void status(const QString& message);
    void showResults();                  // "See the results" clicked after a run

private:
    void onSteps(const std::vector<surgery::StepMetrics>& batch);
    void showGuide(bool closedForm);   // the plots and how to read them, or (ROME / MEMIT) why there are none
    void onFinished(const session::RunRecord& run);
    void updateEnabled();

    SessionController* controller_;
    FactsPanel* facts_;
    SurgerySettingsForm* form_;
    TrainingPlots* plots_;
    QRadioButton *fromOriginal_, *fromActive_;
    QPushButton *startButton_, *pauseButton_, *stopButton_, *resultsButton_;
    QProgressBar* progress_;
    QLabel *phase_, *rate_, *latest_, *outcome_, *guide_;
    QAction *start_, *pause_, *stop_;
    int planned_ = 0;
    bool closedForm_ = false;   // the run is ROME / MEMIT: facts edited, not steps
    int editable_ = 0;          // its forget and update facts that are not documents (those it skips)
    surgery::StepMetrics last_;
    std::vector<std::pair<double, int>> recent_;   // (seconds, step) of the last batches: steps/s
};

}  // namespace llms::ui
