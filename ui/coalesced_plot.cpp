#include "ui/coalesced_plot.h"

namespace llms::ui {

CoalescedPlot::CoalescedPlot(QWidget* parent) : QCustomPlot(parent) {
    timer_.setSingleShot(true);
    timer_.setInterval(kRedrawMs);
    connect(&timer_, &QTimer::timeout, this, [this] {
        Q_EMIT aboutToReplot();
        replot(QCustomPlot::rpQueuedReplot);
    });
    connect(this, &QCustomPlot::afterReplot, this, [this] { ++replots_; });
    setNoAntialiasingOnDrag(true);
}

void CoalescedPlot::requestReplot() {
    if (!timer_.isActive()) timer_.start();
}

}  // namespace llms::ui
