#include "ui/latency_probe.h"

#include <algorithm>
#include <numeric>

namespace llms::ui {

LatencyProbe::LatencyProbe(int intervalMs, QObject* parent) : QObject(parent), intervalMs_(intervalMs) {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(intervalMs);
    connect(&timer_, &QTimer::timeout, this, [this] {
        const qint64 now = clock_.nsecsElapsed();
        if (lastNs_ >= 0) late_.push_back(std::max(0.0, (now - lastNs_) / 1e6 - intervalMs_));
        lastNs_ = now;
    });
}

void LatencyProbe::start() {
    clock_.start();
    lastNs_ = -1;
    timer_.start();
}

void LatencyProbe::stop() { timer_.stop(); }

void LatencyProbe::reset() {
    late_.clear();
    lastNs_ = -1;
}

double LatencyProbe::maxMs() const { return late_.empty() ? 0 : *std::max_element(late_.begin(), late_.end()); }

double LatencyProbe::meanMs() const {
    return late_.empty() ? 0 : std::accumulate(late_.begin(), late_.end(), 0.0) / late_.size();
}

double LatencyProbe::percentileMs(double q) const {
    if (late_.empty()) return 0;
    std::vector<double> s(late_);
    const size_t k = std::min(s.size() - 1, (size_t)(q * (s.size() - 1) + 0.5));
    std::nth_element(s.begin(), s.begin() + k, s.end());
    return s[k];
}

QString LatencyProbe::summary() const {
    return QString("n=%1, mean %2 ms, p99 %3 ms, max %4 ms")
        .arg(samples())
        .arg(meanMs(), 0, 'f', 2)
        .arg(percentileMs(0.99), 0, 'f', 1)
        .arg(maxMs(), 0, 'f', 1);
}

}  // namespace llms::ui
