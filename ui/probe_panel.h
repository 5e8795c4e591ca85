// The Probe tab: a prompt answered by the original and the edited model side by side (tokens coloured by
// probability, answer probabilities before/after), sampling settings, and "Probe all facts" with a
// pass/fail badge per fact.
#pragma once
#include "core/session/session_types.h"

#include <QWidget>

class QAction;
class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QTableWidget;
class QTextBrowser;

namespace llms::ui {

class AppSettings;
class FactProbeModel;
class FactsPanel;
class SessionController;

class ProbePanel : public QWidget {
    Q_OBJECT
public:
    ProbePanel(SessionController* controller, FactsPanel* facts, AppSettings* settings, QWidget* parent = nullptr);

    void setPrompt(const QString& prompt);
    void probe();                  // the prompt box
    void probeAllFacts();
    session::SampleOptions sampleOptions() const;
    void setSampleOptions(const session::SampleOptions& o);
    FactProbeModel* factProbes() const { return probes_; }

    QAction* probeAction() const { return probe_; }
    QAction* probeAllAction() const { return probeAll_; }

Q_SIGNALS:
    void status(const QString& message);

private:
    void showResult(const session::ProbeResult& r);
    void showFactProbes(const std::vector<session::FactProbe>& p);
    void updateEnabled();
    void updateCompleter();

    SessionController* controller_;
    FactsPanel* facts_;
    AppSettings* settings_;
    QLineEdit* prompt_;
    QSpinBox *maxTokens_, *seed_;
    QCheckBox* chat_;
    QDoubleSpinBox *temperature_, *topP_;
    QPushButton *probeButton_, *probeAllButton_;
    QTextBrowser *original_, *edited_;
    QLabel *originalTitle_, *editedTitle_, *allSummary_;
    QTableWidget* answers_;
    QTableView* probeTable_;
    FactProbeModel* probes_;
    QAction *probe_, *probeAll_;
};

}  // namespace llms::ui
