// The live plots of a surgery run: the raw loss terms (log scale), the objective with the gradient norm,
// and the periodic target accuracies. Data arrive in batches; redraws are coalesced (CoalescedPlot).
#pragma once
#include "core/session/session_types.h"
#include "core/surgery/surgery_config.h"

#include <QColor>
#include <QWidget>

#include <vector>

class QCPGraph;
class QCPPainter;

namespace llms::ui {

class CoalescedPlot;

// The colour of each loss term: its curves here, and the texts that name it (SurgeryPanel).
struct TermColors {
    static QColor forget();
    static QColor edit();
    static QColor update();
    static QColor retain();
};

class TrainingPlots : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPlots(QWidget* parent = nullptr);

    void clear(int plannedSteps = 0);
    void addSteps(const std::vector<surgery::StepMetrics>& batch);
    void addEval(const surgery::EvalPoint& e);
    void showRun(const session::RunRecord& run);   // a finished run from the history

    // All three plots in one file: .png (raster) or .pdf (vector). Returns false when writing failed.
    bool save(const QString& path, int width = 1200, int height = 1100);
    // Draws the three plots stacked into width x height of any painter (vector on a PDF painter).
    void render(QCPPainter* painter, int width, int height);
    int replotCount() const;                       // redraws done so far, all plots (tests)
    int pointCount() const;                        // steps received

private:
    void rescale();

    CoalescedPlot *losses_, *objective_, *targets_;
    QCPGraph *gForget_, *gEdit_, *gUpdate_, *gRetain_, *gTotal_, *gGrad_, *gAccForget_, *gAccUpdate_, *gAccRetain_;
    int planned_ = 0;
    int points_ = 0;
    double lastStep_ = 0;
};

}  // namespace llms::ui
