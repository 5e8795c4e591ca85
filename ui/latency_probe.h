// Measures how late the GUI event loop serves a precise periodic timer: lateness = actual interval -
// requested interval. While the worker trains, this is the responsiveness the user feels.
#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <vector>

namespace llms::ui {

class LatencyProbe : public QObject {
    Q_OBJECT
public:
    explicit LatencyProbe(int intervalMs = 10, QObject* parent = nullptr);
    void start();
    void stop();
    void reset();
    bool running() const { return timer_.isActive(); }

    int samples() const { return (int)late_.size(); }
    double maxMs() const;
    double meanMs() const;
    double percentileMs(double q) const;   // q in [0, 1]
    // The GUI thread's own CPU time inside one timer interval: high = our handlers were busy (the app's
    // fault), low while late = the thread waited for a core (machine load).
    double maxBusyMs() const;
    double busyAtWorstMs() const;           // CPU time in the interval of the largest lateness
    QString summary() const;               // "n=512, mean 0.3 ms, p99 2.1 ms, max 4.0 ms (GUI thread busy 0.2 ms of it)"

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 lastNs_ = -1;
    int intervalMs_;
    double lastCpuMs_ = 0;
    std::vector<double> late_;             // ms
    std::vector<double> busy_;             // ms of GUI-thread CPU per interval
};

}  // namespace llms::ui
