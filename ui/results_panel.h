// The Results tab: for a chosen run, the before/after metric table and bar chart, the per-fact
// before/after completions, and saving the report (JSON / Markdown) and the plots (PNG / PDF).
#pragma once
#include "core/eval/report.h"
#include "core/session/session_types.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTableWidget;

namespace llms::ui {

class AppSettings;
class CoalescedPlot;
class RunComparison;
class SessionController;

class ResultsPanel : public QWidget {
    Q_OBJECT
public:
    ResultsPanel(SessionController* controller, AppSettings* settings, QWidget* parent = nullptr);

    void showRun(int id);                         // 0 / unknown: the empty state
    int shownRun() const { return shown_; }
    bool saveReport(const QString& path);         // .json or .md
    bool savePlots(const QString& path);          // .png or .pdf: bar chart + training curves of the run
    QTableWidget* metricTable() const { return metrics_; }
    QTableWidget* factTable() const { return facts_; }
    RunComparison* comparison() const { return comparison_; }
    void showSideBySide(bool on);                 // every run in one table instead of the shown run

Q_SIGNALS:
    void status(const QString& message);

private:
    void refreshRuns();
    void fillMetrics(const eval::Report& r);
    void fillChart(const eval::Report& r);
    void fillFacts(const eval::Report& r);

    SessionController* controller_;
    AppSettings* settings_;
    int shown_ = 0;
    QComboBox* runs_;
    QLabel* summary_;
    QTableWidget *metrics_, *facts_;
    CoalescedPlot* chart_;
    QPushButton *saveReport_, *savePlots_, *sideBySide_;
    QStackedWidget* views_;
    RunComparison* comparison_;
};

}  // namespace llms::ui
