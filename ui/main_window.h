// The main window: seven tabs in workflow order (Model, Facts, Probe, Surgery, Results, Audit, Export & History),
// menus with the shortcuts, the status bar, drag and drop, window state, and "unsaved changes?" on close.
// Panels do the work; this file only wires them together.
#pragma once
#include <QMainWindow>

class QTabWidget;

namespace llms::ui {

class AppSettings;
class AuditPanel;
class FactsPanel;
class HistoryPanel;
class LatencyProbe;
class ModelPanel;
class ProbePanel;
class ProjectManager;
class ResultsPanel;
class TracePanel;
class SessionController;
class SurgeryPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum Tab { ModelTab, FactsTab, ProbeTab, TraceTab, SurgeryTab, ResultsTab, AuditTab, HistoryTab, TabCount };

    explicit MainWindow(AppSettings* settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    SessionController* controller() const { return controller_; }
    ModelPanel* modelPanel() const { return model_; }
    FactsPanel* factsPanel() const { return facts_; }
    ProbePanel* probePanel() const { return probe_; }
    SurgeryPanel* surgeryPanel() const { return surgery_; }
    ResultsPanel* resultsPanel() const { return results_; }
    AuditPanel* auditPanel() const { return audit_; }
    TracePanel* tracePanel() const { return trace_; }
    HistoryPanel* historyPanel() const { return history_; }
    ProjectManager* projects() const { return projects_; }
    LatencyProbe* latency() const { return latency_; }
    QTabWidget* tabs() const { return tabs_; }
    void showTab(Tab t);
    static QString tabKey(Tab t);                  // "model", "facts", ... (for --tab)

    // After a crash: offers to restore the autosaved facts and settings (asks; call once at startup).
    void offerRecovery();
    // Opens whatever was dropped or given on the command line: a model folder, a fact file or a project.
    bool openPath(const QString& path);

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    void buildMenus();
    template <class Panel> void relayStatus(Panel* p);
    void updateTitle();
    bool maybeSave();                              // false: the user cancelled
    void saveProjectAs();
    void openProject();
    void showShortcuts();

    AppSettings* settings_;
    SessionController* controller_;
    LatencyProbe* latency_;
    QTabWidget* tabs_;
    ModelPanel* model_;
    FactsPanel* facts_;
    ProbePanel* probe_;
    SurgeryPanel* surgery_;
    ResultsPanel* results_;
    AuditPanel* audit_;
    TracePanel* trace_;
    HistoryPanel* history_;
    ProjectManager* projects_;
};

}  // namespace llms::ui
