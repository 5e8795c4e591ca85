// The Causal trace tab: where a fact lives in the model (Meng et al. 2022). The Facts tab's forget facts and update
// facts' old answers are traced on the original weights — the subject's tokens corrupted with noise, then one
// hidden state (or a window of MLP outputs) restored from the clean run — and shown as a heat map of P(answer) per
// layer and token, with the per-layer MLP effect that picks the layers ROME and MEMIT edit ("Use these layers"
// writes them into the surgery settings).
#pragma once
#include "core/edit/edit_types.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QCPColorMap;
class QCPColorScale;

namespace llms::ui {

class CoalescedPlot;
class FactsPanel;
class SessionController;
class SurgerySettingsForm;

class TracePanel : public QWidget {
    Q_OBJECT
public:
    TracePanel(SessionController* controller, FactsPanel* facts, SurgerySettingsForm* form, QWidget* parent = nullptr);

    void startTrace();                            // traces the Facts tab's set with the surgery settings' method
    void showTrace(const edit::TraceSummary& s);
    const edit::TraceSummary& summary() const { return summary_; }
    QComboBox* factChooser() const { return fact_; }

Q_SIGNALS:
    void status(const QString& message);

private:
    void showGrid();
    void showEffect();
    void updateEnabled();

    SessionController* controller_;
    FactsPanel* facts_;
    SurgerySettingsForm* form_;
    edit::TraceSummary summary_;
    QString method_;                              // the method the layers were chosen for
    QPushButton *trace_, *stop_, *use_;
    QProgressBar* progress_;
    QLabel *intro_, *progressLabel_, *verdict_, *factInfo_;
    QComboBox *fact_, *view_;
    CoalescedPlot *map_, *effect_;
    QCPColorMap* colorMap_ = nullptr;
    QCPColorScale* colorScale_ = nullptr;
};

}  // namespace llms::ui
