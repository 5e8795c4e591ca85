// The status bar: what the worker is doing, the device, memory (process and weights), which weights are in
// use, and the GUI's event-loop latency while a surgery runs.
#pragma once
#include <QStatusBar>
#include <QTimer>

class QLabel;
class QProgressBar;

namespace llms::ui {

class LatencyProbe;
class SessionController;

class StatusBar : public QStatusBar {
    Q_OBJECT
public:
    StatusBar(SessionController* controller, LatencyProbe* latency, QWidget* parent = nullptr);
    static qint64 processRssBytes();   // from /proc/self/statm; 0 when unavailable

private:
    void refresh();

    SessionController* controller_;
    LatencyProbe* latency_;
    QLabel *task_, *device_, *memory_, *weights_, *latencyLabel_;
    QProgressBar* busy_;
    QTimer timer_;
};

}  // namespace llms::ui
