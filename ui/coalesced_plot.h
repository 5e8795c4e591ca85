// A QCustomPlot that redraws at most every kRedrawMs however often data arrives: callers add data and
// call requestReplot(); one single-shot timer rescales and queues one replot (rpQueuedReplot).
#pragma once
#include <qcustomplot.h>

#include <QTimer>

namespace llms::ui {

class CoalescedPlot : public QCustomPlot {
    Q_OBJECT
public:
    explicit CoalescedPlot(QWidget* parent = nullptr);
    void requestReplot();
    int replotCount() const { return replots_; }   // redraws actually done (tests)
    static constexpr int kRedrawMs = 40;            // ~25 frames per second at most

Q_SIGNALS:
    void aboutToReplot();                           // rescale hook: adjust ranges before drawing

private:
    QTimer timer_;
    int replots_ = 0;
};

}  // namespace llms::ui
